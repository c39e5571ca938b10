package gatewayroute

import (
	"context"
	"fmt"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/dynamic"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/podreadiness"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/kubeclient"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// HTTPRouteGVR is the resource this router reads and writes.
var HTTPRouteGVR = schema.GroupVersionResource{Group: "gateway.networking.k8s.io", Version: "v1", Resource: "httproutes"}

// MaxWeight is the largest backendRef weight Gateway API accepts.
const MaxWeight = 1_000_000

// defaultWeight is what Gateway API assumes for a backendRef without one.
const defaultWeight = 1

// maxUnrelatedRetries bounds how often Set writes again after conflicts
// caused by changes to parts of the route it does not manage.
const maxUnrelatedRetries = 5

// ErrConflict matches a Set refused because another writer changed the
// weights since this router last read the route.
var ErrConflict = kubeclient.ErrConflict

// ErrNotFound matches a route that does not exist; it is
// traffic.ErrNotFound, every router's "does not exist".
var ErrNotFound = traffic.ErrNotFound

// Backend identifies one color's backendRef: a Service.
type Backend struct {
	Name string
	// Namespace of the Service; "" means the route's namespace.
	Namespace string
	// Port of the Service; 0 matches a ref with any port.
	Port int32
}

func (b Backend) String() string {
	s := "Service " + b.Name
	if b.Namespace != "" {
		s = "Service " + b.Namespace + "/" + b.Name
	}
	if b.Port != 0 {
		s += fmt.Sprintf(":%d", b.Port)
	}
	return s
}

// Config names the route, the rule and the two backends.
type Config struct {
	Namespace string
	Route     string
	// RuleName selects the rule whose name it is; when empty, RuleIndex
	// (0-based) selects the rule.
	RuleName  string
	RuleIndex int
	Blue      Backend
	Green     Backend
	// Owner, when set, is the owner ID of the switch using this router: Set
	// refuses (*OwnedByOtherError) to write a route whose OwnerAnnotation
	// names another owner or none (see Claim).
	Owner string
}

func (c Config) rule() string {
	if c.RuleName != "" {
		return fmt.Sprintf("rule %q", c.RuleName)
	}
	return fmt.Sprintf("rule %d", c.RuleIndex)
}

// Validate checks names and that the two backends differ.
func (c Config) Validate() error {
	if errs := validation.IsDNS1123Label(c.Namespace); len(errs) > 0 {
		return fmt.Errorf("namespace %q: %s", c.Namespace, strings.Join(errs, "; "))
	}
	if errs := validation.IsDNS1123Subdomain(c.Route); len(errs) > 0 {
		return fmt.Errorf("route name %q: %s", c.Route, strings.Join(errs, "; "))
	}
	if c.RuleName == "" && c.RuleIndex < 0 {
		return fmt.Errorf("rule index %d: must be 0 or more", c.RuleIndex)
	}
	for _, b := range []struct {
		color traffic.Color
		b     Backend
	}{{traffic.Blue, c.Blue}, {traffic.Green, c.Green}} {
		if errs := validation.IsDNS1035Label(b.b.Name); len(errs) > 0 {
			return fmt.Errorf("%s service name %q: %s", b.color, b.b.Name, strings.Join(errs, "; "))
		}
		if b.b.Namespace != "" {
			if errs := validation.IsDNS1123Label(b.b.Namespace); len(errs) > 0 {
				return fmt.Errorf("%s service namespace %q: %s", b.color, b.b.Namespace, strings.Join(errs, "; "))
			}
		}
		if b.b.Port < 0 || b.b.Port > 65535 {
			return fmt.Errorf("%s service port %d: must be 1–65535 (or 0 for any)", b.color, b.b.Port)
		}
	}
	if c.namespaceOf(c.Blue) == c.namespaceOf(c.Green) && c.Blue.Name == c.Green.Name &&
		(c.Blue.Port == c.Green.Port || c.Blue.Port == 0 || c.Green.Port == 0) {
		return fmt.Errorf("blue (%s) and green (%s) must be different backends", c.Blue, c.Green)
	}
	return nil
}

func (c Config) namespaceOf(b Backend) string {
	if b.Namespace == "" {
		return c.Namespace
	}
	return b.Namespace
}

// RuleError reports a rule this router will not manage.
type RuleError struct {
	Namespace, Route, Rule string
	// Problem says what is wrong, e.g. "no backendRef to the green Service".
	Problem string
	// Found lists the rule's backendRefs, e.g. ["Service web-blue:80 weight 1"].
	Found       []string
	Blue, Green Backend
}

func (e *RuleError) Error() string {
	found := "none"
	if len(e.Found) > 0 {
		found = strings.Join(e.Found, ", ")
	}
	return fmt.Sprintf("route %s/%s %s: cannot manage its weights: %s; backendRefs found: [%s]; the rule must have exactly one backendRef to the blue (%s) and one to the green (%s) and no other",
		e.Namespace, e.Route, e.Rule, e.Problem, found, e.Blue, e.Green)
}

// ConflictError reports that another writer changed the weights since this
// router last read the route.
type ConflictError struct {
	Namespace, Route, Rule string
	// Expected is what the router last saw; Found is what the route holds
	// now (Found is zero and FoundProblem set when the rule is no longer
	// manageable).
	Expected, Found traffic.Weights
	FoundProblem    string
	ResourceVersion string
}

func (e *ConflictError) Error() string {
	found := e.Found.String()
	if e.FoundProblem != "" {
		found = e.FoundProblem
	}
	return fmt.Sprintf("route %s/%s %s: weights changed by another writer since they were read (resourceVersion %s): expected %s, found %s; read them again before writing",
		e.Namespace, e.Route, e.Rule, e.ResourceVersion, e.Expected, found)
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// NotFoundError reports that the route does not exist.
type NotFoundError struct {
	Namespace, Route string
	Err              error
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("route %s/%s not found: %v", e.Namespace, e.Route, e.Err)
}

func (e *NotFoundError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// Parent is the status a Gateway implementation reported for one parent.
type Parent struct {
	// Ref is the parent, e.g. "Gateway infra/public".
	Ref string
	// Accepted and ResolvedRefs are the condition statuses ("True",
	// "False", "Unknown", or "" when absent).
	Accepted, ResolvedRefs string
	// ObservedGeneration of the Accepted condition; behind Generation
	// means the implementation has not processed the latest write yet.
	ObservedGeneration int64
}

// State is what Describe found on the route.
type State struct {
	Weights         traffic.Weights
	RuleIndex       int
	RuleName        string
	Generation      int64
	ResourceVersion string
	Parents         []Parent
}

// Router reads and writes the blue/green weights of one HTTPRoute rule. It
// is safe for concurrent use, though one switch should use one router from
// one goroutine.
type Router struct {
	api dynamic.Interface
	cfg Config

	mu   sync.Mutex
	last *unstructured.Unstructured // the route as last read or written by this router
}

// New returns a router for cfg.
func New(api dynamic.Interface, cfg Config) (*Router, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Router{api: api, cfg: cfg}, nil
}

// Kind is the noun diagnostics use for the switch point: "route".
func (r *Router) Kind() string { return "route" }

// ID is the switch point's namespace/name.
func (r *Router) ID() string { return r.cfg.Namespace + "/" + r.cfg.Route }

// Read returns the blue and green weights of the rule.
func (r *Router) Read(ctx context.Context) (traffic.Weights, error) {
	st, err := r.Describe(ctx)
	return st.Weights, err
}

// Describe reads the route. Like Read, it becomes the base the next Set
// writes against.
func (r *Router) Describe(ctx context.Context) (State, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	obj, err := r.get(ctx)
	if err != nil {
		return State{}, err
	}
	loc, err := r.locate(obj)
	if err != nil {
		return State{}, err
	}
	r.last = obj
	return State{
		Weights:   loc.weights,
		RuleIndex: loc.rule, RuleName: loc.ruleName,
		Generation: obj.GetGeneration(), ResourceVersion: obj.GetResourceVersion(),
		Parents: parents(obj),
	}, nil
}

// ValidateWeights reports weights this router refuses.
func ValidateWeights(w traffic.Weights) error {
	if w.Blue < 0 || w.Blue > MaxWeight || w.Green < 0 || w.Green > MaxWeight {
		return fmt.Errorf("weights %s out of range: each must be 0–%d", w, MaxWeight)
	}
	if w.Total() == 0 {
		return fmt.Errorf("weights %s: at least one must be positive (with every weight 0 the route answers 500)", w)
	}
	return nil
}

// Set writes weights w on the rule's blue and green backendRefs.
func (r *Router) Set(ctx context.Context, w traffic.Weights) error {
	if err := ValidateWeights(w); err != nil {
		return fmt.Errorf("route %s/%s %s: %w", r.cfg.Namespace, r.cfg.Route, r.cfg.rule(), err)
	}
	if err := ctx.Err(); err != nil {
		return r.wrap("updating", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	base := r.last
	if base == nil {
		obj, err := r.get(ctx)
		if err != nil {
			return err
		}
		base = obj
	}
	for range maxUnrelatedRetries {
		if r.cfg.Owner != "" && ownerOf(base) != r.cfg.Owner {
			return &OwnedByOtherError{Namespace: r.cfg.Namespace, Route: r.cfg.Route, Owner: ownerOf(base), Want: r.cfg.Owner}
		}
		loc, err := r.locate(base)
		if err != nil {
			return err
		}
		desired := base.DeepCopy()
		refs := backendRefs(desired, loc.rule)
		refs[loc.blue]["weight"] = int64(w.Blue)
		refs[loc.green]["weight"] = int64(w.Green)
		updated, err := r.api.Resource(HTTPRouteGVR).Namespace(r.cfg.Namespace).Update(ctx, desired, metav1.UpdateOptions{FieldManager: "bluegreen"})
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
		floc, ferr := r.locate(fresh)
		if ferr != nil || floc.weights != loc.weights || floc.rule != loc.rule {
			ce := &ConflictError{
				Namespace: r.cfg.Namespace, Route: r.cfg.Route, Rule: r.cfg.rule(),
				Expected: loc.weights, Found: floc.weights, ResourceVersion: base.GetResourceVersion(),
			}
			if ferr != nil {
				ce.FoundProblem = ferr.Error()
			}
			return ce
		}
		base = fresh
	}
	return fmt.Errorf("updating route %s/%s: it kept changing under other writers (%d conflicts in a row): %w",
		r.cfg.Namespace, r.cfg.Route, maxUnrelatedRetries, ErrConflict)
}

// ReadinessCheck returns a check of the ready Pods behind color c's Service
// (at least minReadyCount, at least minReadyPercent of them), reading the
// Service's selector at each evaluation: the pre-flight of a shift towards c,
// and the bake check that rolls back when c's Pods stop being ready.
func (r *Router) ReadinessCheck(api podreadiness.ServicePodsAPI, c traffic.Color, minReadyCount int, minReadyPercent float64) (*podreadiness.Check, error) {
	var b Backend
	switch c {
	case traffic.Blue:
		b = r.cfg.Blue
	case traffic.Green:
		b = r.cfg.Green
	default:
		return nil, fmt.Errorf("invalid color %q", c)
	}
	ch := podreadiness.ForService(api, r.cfg.namespaceOf(b), b.Name, minReadyCount, minReadyPercent)
	ch.Label = fmt.Sprintf("color %s (service %s)", c, b.Name)
	return ch, nil
}

func (r *Router) get(ctx context.Context) (*unstructured.Unstructured, error) {
	obj, err := r.api.Resource(HTTPRouteGVR).Namespace(r.cfg.Namespace).Get(ctx, r.cfg.Route, metav1.GetOptions{})
	if err != nil {
		return nil, r.wrap("reading", err)
	}
	return obj, nil
}

func (r *Router) wrap(op string, err error) error {
	if apierrors.IsNotFound(err) {
		return &NotFoundError{Namespace: r.cfg.Namespace, Route: r.cfg.Route, Err: err}
	}
	return fmt.Errorf("%s route %s/%s: %w", op, r.cfg.Namespace, r.cfg.Route, err)
}

// location is where the two backendRefs are in the route.
type location struct {
	rule        int
	ruleName    string
	blue, green int
	weights     traffic.Weights
}

func rules(obj *unstructured.Unstructured) []any {
	spec, _ := obj.Object["spec"].(map[string]any)
	rs, _ := spec["rules"].([]any)
	return rs
}

// backendRefs returns the backendRefs of rule i as mutable maps of obj.
func backendRefs(obj *unstructured.Unstructured, i int) []map[string]any {
	rule, _ := rules(obj)[i].(map[string]any)
	raw, _ := rule["backendRefs"].([]any)
	out := make([]map[string]any, 0, len(raw))
	for _, ref := range raw {
		m, _ := ref.(map[string]any)
		if m == nil {
			m = map[string]any{}
		}
		out = append(out, m)
	}
	return out
}

// locate finds the rule and its blue and green backendRefs.
func (r *Router) locate(obj *unstructured.Unstructured) (location, error) {
	rs := rules(obj)
	loc := location{rule: -1, blue: -1, green: -1}
	if r.cfg.RuleName != "" {
		var names []string
		for i, raw := range rs {
			rule, _ := raw.(map[string]any)
			name, _ := rule["name"].(string)
			if name != "" {
				names = append(names, fmt.Sprintf("%q", name))
			}
			if name == r.cfg.RuleName {
				loc.rule, loc.ruleName = i, name
			}
		}
		if loc.rule < 0 {
			return location{}, r.ruleError(fmt.Sprintf("no rule is named %q (named rules: [%s])", r.cfg.RuleName, strings.Join(names, ", ")), nil)
		}
	} else {
		if r.cfg.RuleIndex >= len(rs) {
			return location{}, r.ruleError(fmt.Sprintf("the route has %d rule(s)", len(rs)), nil)
		}
		loc.rule = r.cfg.RuleIndex
		rule, _ := rs[loc.rule].(map[string]any)
		loc.ruleName, _ = rule["name"].(string)
	}
	refs := backendRefs(obj, loc.rule)
	var found, foreign []string
	for i, ref := range refs {
		desc, weight, matchesBlue, matchesGreen := r.classify(ref)
		found = append(found, desc)
		switch {
		case matchesBlue:
			if loc.blue >= 0 {
				return location{}, r.ruleError("more than one backendRef to the blue "+r.cfg.Blue.String()+" (set its port to pick one)", found)
			}
			loc.blue, loc.weights.Blue = i, weight
		case matchesGreen:
			if loc.green >= 0 {
				return location{}, r.ruleError("more than one backendRef to the green "+r.cfg.Green.String()+" (set its port to pick one)", found)
			}
			loc.green, loc.weights.Green = i, weight
		default:
			foreign = append(foreign, desc)
		}
	}
	switch {
	case len(foreign) > 0:
		return location{}, r.ruleError("it also sends traffic to "+strings.Join(foreign, ", "), found)
	case loc.blue < 0 && loc.green < 0:
		return location{}, r.ruleError("it references neither the blue nor the green Service", found)
	case loc.blue < 0:
		return location{}, r.ruleError("it does not reference the blue "+r.cfg.Blue.String(), found)
	case loc.green < 0:
		return location{}, r.ruleError("it does not reference the green "+r.cfg.Green.String(), found)
	}
	return loc, nil
}

func (r *Router) ruleError(problem string, found []string) error {
	return &RuleError{
		Namespace: r.cfg.Namespace, Route: r.cfg.Route, Rule: r.cfg.rule(),
		Problem: problem, Found: found, Blue: r.cfg.Blue, Green: r.cfg.Green,
	}
}

// classify describes one backendRef and says whether it is blue or green.
func (r *Router) classify(ref map[string]any) (desc string, weight int32, blue, green bool) {
	group, _ := ref["group"].(string)
	kind, _ := ref["kind"].(string)
	if kind == "" {
		kind = "Service"
	}
	name, _ := ref["name"].(string)
	ns, _ := ref["namespace"].(string)
	if ns == "" {
		ns = r.cfg.Namespace
	}
	port, hasPort := asInt64(ref["port"])
	w, hasWeight := asInt64(ref["weight"])
	if !hasWeight {
		w = defaultWeight
	}
	weight = int32(w) // the CRD bounds it to 0–MaxWeight
	desc = kind + " "
	if group != "" {
		desc = kind + "." + group + " "
	}
	if ns != r.cfg.Namespace {
		desc += ns + "/"
	}
	desc += name
	if hasPort {
		desc += fmt.Sprintf(":%d", port)
	}
	desc += fmt.Sprintf(" weight %d", w)
	isService := group == "" && kind == "Service"
	match := func(b Backend) bool {
		return isService && name == b.Name && ns == r.cfg.namespaceOf(b) && (b.Port == 0 || (hasPort && port == int64(b.Port)))
	}
	return desc, weight, match(r.cfg.Blue), match(r.cfg.Green)
}

func asInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case float64:
		return int64(n), true
	}
	return 0, false
}

// parents reads status.parents for diagnostics.
func parents(obj *unstructured.Unstructured) []Parent {
	raw, _, _ := unstructured.NestedSlice(obj.Object, "status", "parents")
	var out []Parent
	for _, p := range raw {
		m, _ := p.(map[string]any)
		ref, _ := m["parentRef"].(map[string]any)
		kind, _ := ref["kind"].(string)
		if kind == "" {
			kind = "Gateway"
		}
		name, _ := ref["name"].(string)
		ns, _ := ref["namespace"].(string)
		if ns == "" {
			ns = obj.GetNamespace()
		}
		par := Parent{Ref: kind + " " + ns + "/" + name}
		conds, _ := m["conditions"].([]any)
		for _, c := range conds {
			cm, _ := c.(map[string]any)
			typ, _ := cm["type"].(string)
			status, _ := cm["status"].(string)
			switch typ {
			case "Accepted":
				par.Accepted = status
				par.ObservedGeneration, _ = asInt64(cm["observedGeneration"])
			case "ResolvedRefs":
				par.ResolvedRefs = status
			}
		}
		out = append(out, par)
	}
	return out
}
