package gatewayroute

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/kubeowner"
)

// Ownership: a switch marks the route whose weights it owns with an
// annotation holding its owner ID, so that two switches never write one
// route's weights (they would fight over its traffic). A router whose
// Config.Owner is set refuses to write a route marked by another owner; the
// check is made on the very copy it writes, whose resourceVersion the update
// carries, so a claim by another switch between the check and the write
// makes the write a conflict rather than slipping through.
//
// One switch owns the whole route, not one rule: the marker is per route.

// OwnerAnnotation is the annotation a switch puts on the HTTPRoute it owns.
const OwnerAnnotation = kubeowner.Annotation

// ErrOwnedByOther matches an OwnedByOtherError.
var ErrOwnedByOther = errors.New("owned by another switch")

// OwnedByOtherError says another switch owns the route.
type OwnedByOtherError struct {
	Namespace, Route string
	Owner, Want      string
}

func (e *OwnedByOtherError) Error() string {
	if e.Owner == "" {
		return fmt.Sprintf("route %s/%s is not marked as owned by this switch (annotation %s missing; this switch is %q): it writes only a route it has claimed",
			e.Namespace, e.Route, OwnerAnnotation, e.Want)
	}
	return fmt.Sprintf("route %s/%s is owned by another switch (annotation %s = %q; this switch is %q): two switches must never write one route's weights",
		e.Namespace, e.Route, OwnerAnnotation, e.Owner, e.Want)
}

// Is makes errors.Is(err, ErrOwnedByOther) true.
func (e *OwnedByOtherError) Is(target error) bool { return target == ErrOwnedByOther }

// NewOwnerID returns a fresh owner ID (32 hex digits).
func NewOwnerID() string { return kubeowner.NewID() }

// ownerOf returns the owner marked on obj ("" when none).
func ownerOf(obj *unstructured.Unstructured) string { return kubeowner.Of(obj) }

// OwnedBy makes the router refuse to write the route unless it carries
// owner id, as Config.Owner does (see Claim). It returns r.
func (r *Router) OwnedBy(id string) *Router {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cfg.Owner = id
	return r
}

// Owner reads the owner ID marked on route namespace/name ("" when none).
func Owner(ctx context.Context, api dynamic.Interface, namespace, name string) (string, error) {
	obj, err := api.Resource(HTTPRouteGVR).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return "", wrapNamed("reading", namespace, name, err)
	}
	return ownerOf(obj), nil
}

// Claim marks the route with id unless another owner holds it. Two switches
// claiming at once cannot both win: each writes with the resourceVersion it
// read, and the loser reads the winner's mark.
func Claim(ctx context.Context, api dynamic.Interface, namespace, name, id string) error {
	return mark(ctx, api, namespace, name, id, false)
}

// TakeOver marks the route with id whoever owned it (an explicit import).
func TakeOver(ctx context.Context, api dynamic.Interface, namespace, name, id string) error {
	return mark(ctx, api, namespace, name, id, true)
}

// Release removes the mark if it is still id's.
func Release(ctx context.Context, api dynamic.Interface, namespace, name, id string) error {
	return kubeowner.Release(ctx, routeObject(api, namespace, name), id)
}

func mark(ctx context.Context, api dynamic.Interface, namespace, name, id string, force bool) error {
	other, err := kubeowner.Mark(ctx, routeObject(api, namespace, name), id, force)
	if other != "" {
		return &OwnedByOtherError{Namespace: namespace, Route: name, Owner: other, Want: id}
	}
	return err
}

// routeObject is route namespace/name to kubeowner.
func routeObject(api dynamic.Interface, namespace, name string) kubeowner.Object[*unstructured.Unstructured] {
	routes := api.Resource(HTTPRouteGVR).Namespace(namespace)
	return kubeowner.Object[*unstructured.Unstructured]{
		Get: func(ctx context.Context) (*unstructured.Unstructured, error) {
			return routes.Get(ctx, name, metav1.GetOptions{})
		},
		Update: func(ctx context.Context, obj *unstructured.Unstructured) error {
			_, err := routes.Update(ctx, obj, metav1.UpdateOptions{FieldManager: "bluegreen"})
			return err
		},
		Wrap: func(op string, err error) error { return wrapNamed(op, namespace, name, err) },
	}
}

func wrapNamed(op, namespace, name string, err error) error {
	if apierrors.IsNotFound(err) {
		return &NotFoundError{Namespace: namespace, Route: name, Err: err}
	}
	return fmt.Errorf("%s route %s/%s: %w", op, namespace, name, err)
}
