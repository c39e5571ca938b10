package kubeservice

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/podreadiness"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/kubeclient"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// ErrConflict matches a Set refused because another writer changed the
// selector since this router last read it.
var ErrConflict = kubeclient.ErrConflict

// ErrNotFound matches a Service that does not exist; it is
// traffic.ErrNotFound, every router's "does not exist".
var ErrNotFound = traffic.ErrNotFound

// maxUnrelatedRetries bounds how often Set writes again after conflicts
// caused by changes outside the selector's managed keys.
const maxUnrelatedRetries = 5

// API is the part of the core/v1 client the router uses;
// kubernetes.Interface.CoreV1() satisfies it.
type API interface {
	corev1client.ServicesGetter
	corev1client.PodsGetter
}

// Selectors are the label pairs that select each color's Pods.
type Selectors struct {
	Blue  map[string]string
	Green map[string]string
}

// KeySelectors is the common form: one label key, one value per color.
func KeySelectors(key, blueValue, greenValue string) Selectors {
	return Selectors{Blue: map[string]string{key: blueValue}, Green: map[string]string{key: greenValue}}
}

// Of returns the map of color c (nil for an invalid color).
func (s Selectors) Of(c traffic.Color) map[string]string {
	switch c {
	case traffic.Blue:
		return s.Blue
	case traffic.Green:
		return s.Green
	}
	return nil
}

// Keys are the label keys the router manages, sorted.
func (s Selectors) Keys() []string {
	set := map[string]bool{}
	for k := range s.Blue {
		set[k] = true
	}
	for k := range s.Green {
		set[k] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// Validate checks that both maps are non-empty valid label selectors and that
// no Pod can match both colors: they must share at least one key with
// different values.
func (s Selectors) Validate() error {
	for _, c := range []traffic.Color{traffic.Blue, traffic.Green} {
		m := s.Of(c)
		if len(m) == 0 {
			return fmt.Errorf("the %s selector is empty: a Service selecting every pod of the namespace is never a color", c)
		}
		for k, v := range m {
			if errs := validation.IsQualifiedName(k); len(errs) > 0 {
				return fmt.Errorf("the %s selector key %q is not a valid label key: %s", c, k, strings.Join(errs, "; "))
			}
			if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
				return fmt.Errorf("the %s selector value %q (key %q) is not a valid label value: %s", c, v, k, strings.Join(errs, "; "))
			}
		}
	}
	for k, b := range s.Blue {
		if g, ok := s.Green[k]; ok && g != b {
			return nil
		}
	}
	return fmt.Errorf("the blue selector %s and the green selector %s must give one label key different values, so that no pod can be both colors",
		labels.SelectorFromSet(s.Blue), labels.SelectorFromSet(s.Green))
}

// UnsupportedWeightsError reports weights a selector cannot express.
type UnsupportedWeightsError struct {
	Namespace, Name string
	Weights         traffic.Weights
}

func (e *UnsupportedWeightsError) Error() string {
	return fmt.Sprintf("service %s/%s: cannot set %s: a Service selector sends all traffic to one color, so the weights must be blue=100 green=0 or blue=0 green=100 (use a Gateway API route for canary or linear shifts)",
		e.Namespace, e.Name, e.Weights)
}

// ConflictError reports that another writer changed the managed selector
// keys since this router last read the Service.
type ConflictError struct {
	Namespace, Name string
	// Expected is the managed part of the selector the router last saw;
	// Found is what the Service holds now.
	Expected, Found map[string]string
	// ResourceVersion is the version the router wrote against.
	ResourceVersion string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("service %s/%s: selector changed by another writer since it was read (resourceVersion %s): expected %s, found %s; read it again before writing",
		e.Namespace, e.Name, e.ResourceVersion, formatSelector(e.Expected), formatSelector(e.Found))
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// NotFoundError reports that the Service does not exist.
type NotFoundError struct {
	Namespace, Name string
	Err             error
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("service %s/%s not found: %v", e.Namespace, e.Name, e.Err)
}

func (e *NotFoundError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// State is what Describe found on the Service.
type State struct {
	// Color is the color the selector selects, "" when neither.
	Color traffic.Color
	// Weights are what Read returns (100/0, 0/100, or 0/0 for no color).
	Weights traffic.Weights
	// Selector is the Service's whole selector.
	Selector map[string]string
	// ResourceVersion of the Service as read.
	ResourceVersion string
}

// Router flips one Service's selector between two colors. It is safe for
// concurrent use, though one switch should use one router from one goroutine.
type Router struct {
	api             API
	namespace, name string
	sel             Selectors
	keys            []string

	mu    sync.Mutex
	last  *corev1.Service // the Service as last read or written by this router
	owner string          // when set, the Service must carry this owner mark (OwnedBy)
}

// New returns a router for Service namespace/name.
func New(api API, namespace, name string, sel Selectors) (*Router, error) {
	if errs := validation.IsDNS1123Label(namespace); len(errs) > 0 {
		return nil, fmt.Errorf("namespace %q: %s", namespace, strings.Join(errs, "; "))
	}
	if errs := validation.IsDNS1035Label(name); len(errs) > 0 {
		return nil, fmt.Errorf("service name %q: %s", name, strings.Join(errs, "; "))
	}
	if err := sel.Validate(); err != nil {
		return nil, fmt.Errorf("service %s/%s: %w", namespace, name, err)
	}
	sel = Selectors{Blue: maps.Clone(sel.Blue), Green: maps.Clone(sel.Green)}
	return &Router{api: api, namespace: namespace, name: name, sel: sel, keys: sel.Keys()}, nil
}

// Namespace and Name identify the Service.
func (r *Router) Namespace() string { return r.namespace }
func (r *Router) Name() string      { return r.name }

// Kind is the noun diagnostics use for the switch point: "service".
func (r *Router) Kind() string { return "service" }

// ID is the switch point's namespace/name.
func (r *Router) ID() string { return r.namespace + "/" + r.name }

// Read returns blue=100 green=0, blue=0 green=100, or 0/0 when the selector
// selects neither color (see the package doc).
func (r *Router) Read(ctx context.Context) (traffic.Weights, error) {
	st, err := r.Describe(ctx)
	return st.Weights, err
}

// Describe reads the Service and reports its color and selector. Like Read,
// it becomes the base the next Set writes against.
func (r *Router) Describe(ctx context.Context) (State, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	svc, err := r.get(ctx)
	if err != nil {
		return State{}, err
	}
	r.last = svc
	st := State{Selector: maps.Clone(svc.Spec.Selector), ResourceVersion: svc.ResourceVersion}
	st.Color = r.colorOf(svc.Spec.Selector)
	switch st.Color {
	case traffic.Blue:
		st.Weights = traffic.Weights{Blue: 100}
	case traffic.Green:
		st.Weights = traffic.Weights{Green: 100}
	}
	return st, nil
}

// Set points the selector at the color w sends all traffic to.
func (r *Router) Set(ctx context.Context, w traffic.Weights) error {
	var to traffic.Color
	switch w {
	case traffic.Weights{Blue: 100}:
		to = traffic.Blue
	case traffic.Weights{Green: 100}:
		to = traffic.Green
	default:
		return &UnsupportedWeightsError{Namespace: r.namespace, Name: r.name, Weights: w}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("updating service %s/%s: %w", r.namespace, r.name, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	base := r.last
	if base == nil {
		svc, err := r.get(ctx)
		if err != nil {
			return err
		}
		base = svc
	}
	for range maxUnrelatedRetries {
		if r.owner != "" && ownerOf(base) != r.owner {
			return &OwnedByOtherError{Namespace: r.namespace, Name: r.name, Owner: ownerOf(base), Want: r.owner}
		}
		// Written even when base already selects the color: the update
		// carries base's resourceVersion, so a stale base is caught as a
		// conflict, and an unchanged object is not stored again.
		desired := base.DeepCopy()
		desired.Spec.Selector = r.selectorFor(base.Spec.Selector, to)
		updated, err := r.api.Services(r.namespace).Update(ctx, desired, metav1.UpdateOptions{FieldManager: "bluegreen"})
		if err == nil {
			r.last = updated
			return nil
		}
		if !apierrors.IsConflict(err) {
			return r.wrap("updating", err)
		}
		fresh, gerr := r.get(ctx)
		if gerr != nil {
			return gerr
		}
		if !maps.Equal(r.managed(fresh.Spec.Selector), r.managed(base.Spec.Selector)) {
			return &ConflictError{
				Namespace: r.namespace, Name: r.name, ResourceVersion: base.ResourceVersion,
				Expected: r.managed(base.Spec.Selector), Found: r.managed(fresh.Spec.Selector),
			}
		}
		// Someone changed something we do not manage: write on top of it.
		base = fresh
	}
	return fmt.Errorf("updating service %s/%s: it kept changing under other writers (%d conflicts in a row): %w",
		r.namespace, r.name, maxUnrelatedRetries, ErrConflict)
}

// PodSelector is the label selector of color c's Pods: the Service's
// selector with the managed keys replaced by c's map. It reads the Service
// (without touching the base of the next Set).
func (r *Router) PodSelector(ctx context.Context, c traffic.Color) (map[string]string, error) {
	if !c.Valid() {
		return nil, fmt.Errorf("invalid color %q", c)
	}
	svc, err := r.get(ctx)
	if err != nil {
		return nil, err
	}
	return r.selectorFor(svc.Spec.Selector, c), nil
}

// ReadinessCheck returns a check of color c's ready Pods (at least
// minReadyCount, at least minReadyPercent of them): the pre-flight of a flip
// to c, and the bake check that rolls back when c's Pods stop being ready.
// The Pod selector follows the Service at each evaluation (PodSelector).
func (r *Router) ReadinessCheck(c traffic.Color, minReadyCount int, minReadyPercent float64) *podreadiness.Check {
	ch := podreadiness.New(r.api, r.namespace, nil, minReadyCount, minReadyPercent)
	ch.SelectorFunc = func(ctx context.Context) (map[string]string, error) { return r.PodSelector(ctx, c) }
	ch.Label = fmt.Sprintf("color %s of service %s", c, r.name)
	return ch
}

func (r *Router) get(ctx context.Context) (*corev1.Service, error) {
	svc, err := r.api.Services(r.namespace).Get(ctx, r.name, metav1.GetOptions{})
	if err != nil {
		return nil, r.wrap("reading", err)
	}
	return svc, nil
}

func (r *Router) wrap(op string, err error) error {
	if apierrors.IsNotFound(err) {
		return &NotFoundError{Namespace: r.namespace, Name: r.name, Err: err}
	}
	return fmt.Errorf("%s service %s/%s: %w", op, r.namespace, r.name, err)
}

// managed returns the managed keys of selector.
func (r *Router) managed(selector map[string]string) map[string]string {
	out := map[string]string{}
	for _, k := range r.keys {
		if v, ok := selector[k]; ok {
			out[k] = v
		}
	}
	return out
}

// colorOf names the color whose map the managed keys equal exactly.
func (r *Router) colorOf(selector map[string]string) traffic.Color {
	m := r.managed(selector)
	switch {
	case len(selector) == 0:
		return ""
	case maps.Equal(m, r.sel.Blue):
		return traffic.Blue
	case maps.Equal(m, r.sel.Green):
		return traffic.Green
	}
	return ""
}

// selectorFor returns selector with the managed keys set to color c's map.
func (r *Router) selectorFor(selector map[string]string, c traffic.Color) map[string]string {
	out := map[string]string{}
	for k, v := range selector {
		if !slices.Contains(r.keys, k) {
			out[k] = v
		}
	}
	maps.Copy(out, r.sel.Of(c))
	return out
}

func formatSelector(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	keys := slices.Collect(maps.Keys(m))
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+m[k])
	}
	return "{" + strings.Join(parts, ",") + "}"
}
