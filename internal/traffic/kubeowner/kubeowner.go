// Package kubeowner is the owner mark of the Kubernetes switches: a switch
// marks the object whose traffic it owns (an HTTPRoute, a Service) with an
// annotation holding its owner ID, so that two switches never write one
// object (they would fight over its traffic). Each mark is written with the
// resourceVersion it was read with, so of two switches marking at once only
// one wins and the loser reads the winner's mark.
//
// The routers' packages (gatewayroute, kubeservice) say which object is
// read and written, and what their errors call it.
package kubeowner

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Annotation holds the owner ID of the switch that owns the object.
const Annotation = "bluegreen-tf.io/switch"

// maxConflicts bounds the retries of a mark or release after conflicts with
// unrelated writers (status, other fields).
const maxConflicts = 5

// ErrKeptChanging: every try of a mark or release met a conflict.
var ErrKeptChanging = errors.New("it kept changing under other writers")

// NewID returns a fresh owner ID (32 hex digits).
func NewID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Of returns the owner ID marked on obj ("" when none).
func Of(obj metav1.Object) string { return obj.GetAnnotations()[Annotation] }

// Object is one object, read and written by its package.
type Object[T metav1.Object] struct {
	Get    func(ctx context.Context) (T, error)
	Update func(ctx context.Context, obj T) error
	// Wrap names the object in an error of op ("reading", "marking the
	// owner of", "removing the owner mark of").
	Wrap func(op string, err error) error
}

// Mark marks the object with id unless another owner holds it, in which
// case nothing is written and that owner is returned; with force it marks
// it whoever holds it.
func Mark[T metav1.Object](ctx context.Context, o Object[T], id string, force bool) (other string, err error) {
	if id == "" {
		return "", errors.New("empty owner ID")
	}
	for range maxConflicts {
		obj, err := o.Get(ctx)
		if err != nil {
			return "", o.Wrap("reading", err)
		}
		owner := Of(obj)
		if owner == id {
			return "", nil
		}
		if owner != "" && !force {
			return owner, nil
		}
		ann := obj.GetAnnotations()
		if ann == nil {
			ann = map[string]string{}
		}
		ann[Annotation] = id
		obj.SetAnnotations(ann)
		err = o.Update(ctx, obj)
		if err == nil {
			return "", nil
		}
		if !apierrors.IsConflict(err) {
			return "", o.Wrap("marking the owner of", err)
		}
		// Someone wrote the object in between: read it again (and see
		// their mark, if that is what they wrote).
	}
	return "", o.Wrap("marking the owner of", ErrKeptChanging)
}

// Release removes the mark if it is still id's.
func Release[T metav1.Object](ctx context.Context, o Object[T], id string) error {
	for range maxConflicts {
		obj, err := o.Get(ctx)
		if err != nil {
			return o.Wrap("reading", err)
		}
		if Of(obj) != id {
			return nil
		}
		ann := obj.GetAnnotations()
		delete(ann, Annotation)
		obj.SetAnnotations(ann)
		err = o.Update(ctx, obj)
		if err == nil {
			return nil
		}
		if !apierrors.IsConflict(err) {
			return o.Wrap("removing the owner mark of", err)
		}
	}
	return o.Wrap("removing the owner mark of", ErrKeptChanging)
}
