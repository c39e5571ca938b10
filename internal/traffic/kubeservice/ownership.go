package kubeservice

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/kubeowner"
)

// Ownership: a switch marks the Service whose selector it owns with an
// annotation holding its owner ID, so that two switches never flip one
// Service (they would fight over its traffic). A router with an owner
// (OwnedBy) refuses to write a Service marked by another owner or by none;
// the check is made on the very copy it writes, whose resourceVersion the
// update carries, so a claim by another switch in between makes the write a
// conflict rather than slipping through.

// OwnerAnnotation is the annotation a switch puts on the Service it owns.
const OwnerAnnotation = kubeowner.Annotation

// ErrOwnedByOther matches an OwnedByOtherError.
var ErrOwnedByOther = errors.New("owned by another switch")

// OwnedByOtherError says another switch owns the Service (or, with Owner
// empty, that the router's owner has not claimed it).
type OwnedByOtherError struct {
	Namespace, Name string
	Owner, Want     string
}

func (e *OwnedByOtherError) Error() string {
	if e.Owner == "" {
		return fmt.Sprintf("service %s/%s is not marked as owned by this switch (annotation %s missing; this switch is %q): it writes only a Service it has claimed",
			e.Namespace, e.Name, OwnerAnnotation, e.Want)
	}
	return fmt.Sprintf("service %s/%s is owned by another switch (annotation %s = %q; this switch is %q): two switches must never write one Service's selector",
		e.Namespace, e.Name, OwnerAnnotation, e.Owner, e.Want)
}

// Is makes errors.Is(err, ErrOwnedByOther) true.
func (e *OwnedByOtherError) Is(target error) bool { return target == ErrOwnedByOther }

// NewOwnerID returns a fresh owner ID (32 hex digits).
func NewOwnerID() string { return kubeowner.NewID() }

func ownerOf(svc *corev1.Service) string { return kubeowner.Of(svc) }

// OwnedBy makes the router refuse to write the Service unless it carries
// owner id (see Claim). It returns r.
func (r *Router) OwnedBy(id string) *Router {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.owner = id
	return r
}

// Owner reads the owner ID marked on Service namespace/name ("" when none).
func Owner(ctx context.Context, api API, namespace, name string) (string, error) {
	svc, err := api.Services(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return "", wrapNamed("reading", namespace, name, err)
	}
	return ownerOf(svc), nil
}

// Claim marks the Service with id unless another owner holds it. Of two
// switches claiming at once only one wins: each writes with the
// resourceVersion it read, and the loser reads the winner's mark.
func Claim(ctx context.Context, api API, namespace, name, id string) error {
	return mark(ctx, api, namespace, name, id, false)
}

// TakeOver marks the Service with id whoever owned it (an explicit import).
func TakeOver(ctx context.Context, api API, namespace, name, id string) error {
	return mark(ctx, api, namespace, name, id, true)
}

// Release removes the mark if it is still id's.
func Release(ctx context.Context, api API, namespace, name, id string) error {
	return kubeowner.Release(ctx, serviceObject(api, namespace, name), id)
}

func mark(ctx context.Context, api API, namespace, name, id string, force bool) error {
	other, err := kubeowner.Mark(ctx, serviceObject(api, namespace, name), id, force)
	if other != "" {
		return &OwnedByOtherError{Namespace: namespace, Name: name, Owner: other, Want: id}
	}
	return err
}

// serviceObject is Service namespace/name to kubeowner.
func serviceObject(api API, namespace, name string) kubeowner.Object[*corev1.Service] {
	return kubeowner.Object[*corev1.Service]{
		Get: func(ctx context.Context) (*corev1.Service, error) {
			return api.Services(namespace).Get(ctx, name, metav1.GetOptions{})
		},
		Update: func(ctx context.Context, svc *corev1.Service) error {
			_, err := api.Services(namespace).Update(ctx, svc, metav1.UpdateOptions{FieldManager: "bluegreen"})
			return err
		},
		Wrap: func(op string, err error) error { return wrapNamed(op, namespace, name, err) },
	}
}

func wrapNamed(op, namespace, name string, err error) error {
	if apierrors.IsNotFound(err) {
		return &NotFoundError{Namespace: namespace, Name: name, Err: err}
	}
	return fmt.Errorf("%s service %s/%s: %w", op, namespace, name, err)
}
