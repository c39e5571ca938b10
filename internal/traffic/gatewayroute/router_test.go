package gatewayroute

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/testenv"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/routertest"
)

func TestMain(m *testing.M) { os.Exit(testenv.KubeMain(m)) }

// ref is a backendRef; weight < 0 leaves the weight out.
func ref(name string, port, weight int64) map[string]any {
	m := map[string]any{"name": name, "port": port}
	if weight >= 0 {
		m["weight"] = weight
	}
	return m
}

func rule(name string, path string, refs ...map[string]any) map[string]any {
	r := map[string]any{
		"matches": []any{map[string]any{"path": map[string]any{"type": "PathPrefix", "value": path}}},
	}
	if name != "" {
		r["name"] = name
	}
	var rs []any
	for _, x := range refs {
		rs = append(rs, x)
	}
	if rs != nil {
		r["backendRefs"] = rs
	}
	return r
}

// createRoute creates HTTPRoute "web" attached to Gateway "public" with the
// given rules, in ns.
func createRoute(t *testing.T, dyn dynamic.Interface, ns string, rules ...map[string]any) *unstructured.Unstructured {
	t.Helper()
	var rs []any
	for _, r := range rules {
		rs = append(rs, r)
	}
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "gateway.networking.k8s.io/v1",
		"kind":       "HTTPRoute",
		"metadata":   map[string]any{"name": "web", "namespace": ns},
		"spec": map[string]any{
			"parentRefs": []any{map[string]any{"name": "public"}},
			"hostnames":  []any{"web.example.com"},
			"rules":      rs,
		},
	}}
	out, err := dyn.Resource(HTTPRouteGVR).Namespace(ns).Create(context.Background(), obj, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating route: %v", err)
	}
	return out
}

func webConfig(ns string) Config {
	return Config{
		Namespace: ns, Route: "web", RuleName: "main",
		Blue: Backend{Name: "web-blue", Port: 80}, Green: Backend{Name: "web-green", Port: 80},
	}
}

// storedWeights reads the route as stored, independently of the router:
// rule index i's backendRef weights by Service name.
func storedWeights(t *testing.T, dyn dynamic.Interface, ns string, i int) map[string]int64 {
	t.Helper()
	obj, err := dyn.Resource(HTTPRouteGVR).Namespace(ns).Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, r := range backendRefs(obj, i) {
		w, _ := asInt64(r["weight"])
		out[r["name"].(string)] = w
	}
	return out
}

// setBehindTheRoutersBack writes rule i's weights as another tool would.
func setBehindTheRoutersBack(ctx context.Context, dyn dynamic.Interface, ns string, i int, w traffic.Weights) error {
	obj, err := dyn.Resource(HTTPRouteGVR).Namespace(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		return err
	}
	for _, r := range backendRefs(obj, i) {
		switch r["name"] {
		case "web-blue":
			r["weight"] = int64(w.Blue)
		case "web-green":
			r["weight"] = int64(w.Green)
		}
	}
	_, err = dyn.Resource(HTTPRouteGVR).Namespace(ns).Update(ctx, obj, metav1.UpdateOptions{})
	return err
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// faultyClient returns a dynamic client whose next write fails in the
// transport, before reaching the API server, while armed.
func faultyClient(t *testing.T, cfg *rest.Config) (dynamic.Interface, *atomic.Bool) {
	t.Helper()
	armed := &atomic.Bool{}
	c := rest.CopyConfig(cfg)
	c.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(req *http.Request) (*http.Response, error) {
			if req.Method != http.MethodGet && armed.CompareAndSwap(true, false) {
				return nil, errors.New("injected fault: connection reset before the write")
			}
			return rt.RoundTrip(req)
		})
	}
	dyn, err := dynamic.NewForConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	return dyn, armed
}

func TestRouter_conformance(t *testing.T) {
	kube := testenv.Kube(t)
	routertest.Run(t, func(t *testing.T) routertest.Subject {
		ns := kube.Namespace(t)
		// A second rule before ours proves only the named rule is touched.
		createRoute(t, kube.Dynamic, ns,
			rule("api", "/api", ref("api", 8080, 1)),
			rule("main", "/", ref("web-blue", 80, 100), ref("web-green", 80, 0)))
		dyn, armed := faultyClient(t, kube.Config)
		r, err := New(dyn, webConfig(ns))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if got := storedWeights(t, kube.Dynamic, ns, 0); len(got) != 1 || got["api"] != 1 {
				t.Errorf("the other rule changed: %v", got)
			}
		})
		return routertest.Subject{
			Router: r,
			Extra: []traffic.Weights{
				{Blue: MaxWeight, Green: 0}, {Blue: 0, Green: MaxWeight}, {Blue: 1, Green: MaxWeight - 1},
				{Blue: 123456, Green: 654321}, {Blue: 1, Green: 1}, {Blue: 0, Green: 1},
			},
			Rejects: []traffic.Weights{{}, {Blue: MaxWeight + 1}, {Green: MaxWeight + 1}, {Blue: 5, Green: -5}},
			OtherWriter: func(ctx context.Context, w traffic.Weights) error {
				return setBehindTheRoutersBack(ctx, kube.Dynamic, ns, 1, w)
			},
			FailNextSet: func(t *testing.T) func() {
				armed.Store(true)
				return func() { armed.Store(false) }
			},
		}
	})
}

func TestRouter_canaryStepsAreStoredOnTheRoute(t *testing.T) {
	kube := testenv.Kube(t)
	ctx := context.Background()
	ns := kube.Namespace(t)
	createRoute(t, kube.Dynamic, ns, rule("main", "/", ref("web-blue", 80, 1), ref("web-green", 80, 0)))
	r, err := New(kube.Dynamic, webConfig(ns))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []int{10, 50, 100, 0} {
		if _, err := r.Read(ctx); err != nil {
			t.Fatal(err)
		}
		w := traffic.Split(traffic.Green, p)
		if err := r.Set(ctx, w); err != nil {
			t.Fatal(err)
		}
		got := storedWeights(t, kube.Dynamic, ns, 0)
		if got["web-blue"] != int64(w.Blue) || got["web-green"] != int64(w.Green) {
			t.Fatalf("after Set(%s) the route holds %v", w, got)
		}
	}
}

func TestRouter_missingWeightReadsAsTheDefaultOne(t *testing.T) {
	kube := testenv.Kube(t)
	ns := kube.Namespace(t)
	createRoute(t, kube.Dynamic, ns, rule("", "/", ref("web-blue", 80, -1), ref("web-green", 80, 3)))
	cfg := webConfig(ns)
	cfg.RuleName, cfg.RuleIndex = "", 0
	r, err := New(kube.Dynamic, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if w, err := r.Read(context.Background()); err != nil || w != (traffic.Weights{Blue: 1, Green: 3}) {
		t.Fatalf("Read = %v, %v; want blue=1 green=3", w, err)
	}
}

func TestRouter_refusesRulesItCannotManage(t *testing.T) {
	kube := testenv.Kube(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		rules []map[string]any
		cfg   func(Config) Config
		want  []string
	}{
		{"only blue", []map[string]any{rule("main", "/", ref("web-blue", 80, 1))}, nil,
			[]string{"does not reference the green Service web-green:80", "[Service web-blue:80 weight 1]"}},
		{"only green", []map[string]any{rule("main", "/", ref("web-green", 80, 1))}, nil,
			[]string{"does not reference the blue Service web-blue:80"}},
		{"no backendRefs", []map[string]any{rule("main", "/")}, nil,
			[]string{"references neither", "backendRefs found: [none]"}},
		{"a third backend", []map[string]any{rule("main", "/", ref("web-blue", 80, 80), ref("web-green", 80, 10), ref("legacy", 80, 10))}, nil,
			[]string{"also sends traffic to Service legacy:80 weight 10"}},
		{"same service twice without a port to choose", []map[string]any{rule("main", "/", ref("web-blue", 80, 1), ref("web-blue", 81, 1), ref("web-green", 80, 1))},
			func(c Config) Config { c.Blue.Port = 0; return c },
			[]string{"more than one backendRef to the blue Service web-blue"}},
		{"wrong port", []map[string]any{rule("main", "/", ref("web-blue", 8080, 1), ref("web-green", 80, 1))}, nil,
			[]string{"also sends traffic to Service web-blue:8080 weight 1"}},
		{"no rule by that name", []map[string]any{rule("other", "/", ref("web-blue", 80, 1), ref("web-green", 80, 1))}, nil,
			[]string{`no rule is named "main"`, `named rules: ["other"]`}},
		{"rule index out of range", []map[string]any{rule("", "/", ref("web-blue", 80, 1), ref("web-green", 80, 1))},
			func(c Config) Config { c.RuleName, c.RuleIndex = "", 3; return c },
			[]string{"rule 3", "the route has 1 rule(s)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := kube.Namespace(t)
			createRoute(t, kube.Dynamic, ns, tt.rules...)
			cfg := webConfig(ns)
			if tt.cfg != nil {
				cfg = tt.cfg(cfg)
			}
			r, err := New(kube.Dynamic, cfg)
			if err != nil {
				t.Fatal(err)
			}
			before, err := kube.Dynamic.Resource(HTTPRouteGVR).Namespace(ns).Get(ctx, "web", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			_, rerr := r.Read(ctx)
			serr := r.Set(ctx, traffic.Weights{Blue: 50, Green: 50})
			for _, err := range []error{rerr, serr} {
				var re *RuleError
				if !errors.As(err, &re) {
					t.Fatalf("err = %v, want *RuleError", err)
				}
				for _, w := range tt.want {
					if !strings.Contains(err.Error(), w) {
						t.Fatalf("error %q lacks %q", err, w)
					}
				}
			}
			after, err := kube.Dynamic.Resource(HTTPRouteGVR).Namespace(ns).Get(ctx, "web", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if after.GetResourceVersion() != before.GetResourceVersion() {
				t.Fatal("a refused Set wrote the route")
			}
		})
	}
}

func TestRouter_backendInAnotherNamespace(t *testing.T) {
	kube := testenv.Kube(t)
	ctx := context.Background()
	ns := kube.Namespace(t)
	blue := map[string]any{"name": "web", "namespace": "blue-ns", "port": int64(80), "weight": int64(7)}
	green := map[string]any{"name": "web", "namespace": "green-ns", "port": int64(80), "weight": int64(3)}
	createRoute(t, kube.Dynamic, ns, rule("main", "/", blue, green))
	r, err := New(kube.Dynamic, Config{
		Namespace: ns, Route: "web", RuleName: "main",
		Blue: Backend{Name: "web", Namespace: "blue-ns"}, Green: Backend{Name: "web", Namespace: "green-ns"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if w, err := r.Read(ctx); err != nil || w != (traffic.Weights{Blue: 7, Green: 3}) {
		t.Fatalf("Read = %v, %v", w, err)
	}
	if err := r.Set(ctx, traffic.Weights{Blue: 0, Green: 100}); err != nil {
		t.Fatal(err)
	}
	if w, err := r.Read(ctx); err != nil || w != (traffic.Weights{Blue: 0, Green: 100}) {
		t.Fatalf("Read = %v, %v", w, err)
	}
}

func TestRouter_concurrentWriterIsAConflictNotARetry(t *testing.T) {
	kube := testenv.Kube(t)
	ctx := context.Background()
	ns := kube.Namespace(t)
	createRoute(t, kube.Dynamic, ns, rule("main", "/", ref("web-blue", 80, 90), ref("web-green", 80, 10)))
	r, err := New(kube.Dynamic, webConfig(ns))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(ctx); err != nil {
		t.Fatal(err)
	}
	if err := setBehindTheRoutersBack(ctx, kube.Dynamic, ns, 0, traffic.Weights{Blue: 100, Green: 0}); err != nil {
		t.Fatal(err)
	}
	err = r.Set(ctx, traffic.Weights{Blue: 50, Green: 50})
	var ce *ConflictError
	if !errors.Is(err, ErrConflict) || !errors.As(err, &ce) {
		t.Fatalf("Set = %v, want *ConflictError", err)
	}
	if ce.Expected != (traffic.Weights{Blue: 90, Green: 10}) || ce.Found != (traffic.Weights{Blue: 100}) {
		t.Fatalf("conflict = %+v", ce)
	}
	if got := storedWeights(t, kube.Dynamic, ns, 0); got["web-blue"] != 100 || got["web-green"] != 0 {
		t.Fatalf("the other writer's weights were overwritten: %v", got)
	}
	if err := r.Set(ctx, traffic.Weights{Blue: 50, Green: 50}); !errors.Is(err, ErrConflict) {
		t.Fatalf("second Set without a Read = %v, want ErrConflict again", err)
	}
	// Another writer breaking the rule is a conflict too, with the reason.
	if _, err := r.Read(ctx); err != nil {
		t.Fatal(err)
	}
	obj, err := kube.Dynamic.Resource(HTTPRouteGVR).Namespace(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rule0 := rules(obj)[0].(map[string]any)
	rule0["backendRefs"] = []any{ref("web-blue", 80, 1)}
	if _, err := kube.Dynamic.Resource(HTTPRouteGVR).Namespace(ns).Update(ctx, obj, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	err = r.Set(ctx, traffic.Weights{Blue: 50, Green: 50})
	if !errors.As(err, &ce) || !strings.Contains(ce.FoundProblem, "does not reference the green") {
		t.Fatalf("Set after the green ref was removed = %v", err)
	}
}

func TestRouter_statusAndOtherRulesAreNotConflicts(t *testing.T) {
	kube := testenv.Kube(t)
	ctx := context.Background()
	ns := kube.Namespace(t)
	createRoute(t, kube.Dynamic, ns,
		rule("main", "/", ref("web-blue", 80, 100), ref("web-green", 80, 0)),
		rule("api", "/api", ref("api", 8080, 1)))
	r, err := New(kube.Dynamic, webConfig(ns))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(ctx); err != nil {
		t.Fatal(err)
	}
	// A gateway controller writes status, and someone edits another rule.
	obj, err := kube.Dynamic.Resource(HTTPRouteGVR).Namespace(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	obj.Object["status"] = map[string]any{"parents": []any{map[string]any{
		"parentRef":      map[string]any{"name": "public"},
		"controllerName": "example.com/gateway",
		"conditions": []any{
			map[string]any{"type": "Accepted", "status": "True", "reason": "Accepted", "message": "", "observedGeneration": obj.GetGeneration(), "lastTransitionTime": "2026-12-01T00:00:00Z"},
			map[string]any{"type": "ResolvedRefs", "status": "True", "reason": "ResolvedRefs", "message": "", "observedGeneration": obj.GetGeneration(), "lastTransitionTime": "2026-12-01T00:00:00Z"},
		},
	}}}
	if obj, err = kube.Dynamic.Resource(HTTPRouteGVR).Namespace(ns).UpdateStatus(ctx, obj, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	backendRefs(obj, 1)[0]["weight"] = int64(5)
	if _, err := kube.Dynamic.Resource(HTTPRouteGVR).Namespace(ns).Update(ctx, obj, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := r.Set(ctx, traffic.Weights{Blue: 90, Green: 10}); err != nil {
		t.Fatalf("Set after unrelated changes: %v", err)
	}
	if got := storedWeights(t, kube.Dynamic, ns, 1); got["api"] != 5 {
		t.Fatalf("the other rule's edit was lost: %v", got)
	}
	st, err := r.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Weights != (traffic.Weights{Blue: 90, Green: 10}) || len(st.Parents) != 1 ||
		st.Parents[0].Ref != "Gateway "+ns+"/public" || st.Parents[0].Accepted != "True" || st.Parents[0].ObservedGeneration >= st.Generation {
		t.Fatalf("state = %+v: want 90/10, one accepted parent behind the latest generation", st)
	}
}

func TestRouter_missingRoute(t *testing.T) {
	kube := testenv.Kube(t)
	r, err := New(kube.Dynamic, webConfig(kube.Namespace(t)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(context.Background()); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Read = %v, want ErrNotFound", err)
	}
}

func TestConfig_validate(t *testing.T) {
	ok := webConfig("shop")
	tests := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"valid", func(*Config) {}, ""},
		{"same backend", func(c *Config) { c.Green = c.Blue }, "must be different backends"},
		{"same service, any port", func(c *Config) { c.Green = Backend{Name: "web-blue"} }, "must be different backends"},
		{"same service, two ports", func(c *Config) { c.Green = Backend{Name: "web-blue", Port: 81} }, ""},
		{"same name, other namespace", func(c *Config) { c.Green = Backend{Name: "web-blue", Namespace: "other"} }, ""},
		{"bad service name", func(c *Config) { c.Blue.Name = "Web_Blue" }, "blue service name"},
		{"negative index", func(c *Config) { c.RuleName, c.RuleIndex = "", -1 }, "rule index -1"},
		{"bad port", func(c *Config) { c.Green.Port = 70000 }, "green service port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.mod(&c)
			err := c.Validate()
			if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("Validate = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestSet_refusesOutOfRangeWithoutCallingTheAPI(t *testing.T) {
	r, err := New(nil, webConfig("shop")) // any API call would panic
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []traffic.Weights{{}, {Blue: MaxWeight + 1}, {Blue: -1, Green: 2}} {
		if err := r.Set(context.Background(), w); err == nil {
			t.Fatalf("Set(%s) succeeded", w)
		}
	}
}

func TestReadinessCheck_countsThePodsBehindTheColorsService(t *testing.T) {
	kube := testenv.Kube(t)
	ctx := context.Background()
	ns := kube.Namespace(t)
	createRoute(t, kube.Dynamic, ns, rule("main", "/", ref("web-blue", 80, 100), ref("web-green", 80, 0)))
	r, err := New(kube.Dynamic, webConfig(ns))
	if err != nil {
		t.Fatal(err)
	}
	pre, err := r.ReadinessCheck(kube.Core.CoreV1(), traffic.Green, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	// No Service yet: the check could not measure.
	if res := pre.Evaluate(ctx)[0]; res.Verdict != checks.Error || !strings.Contains(res.Detail, "reading service "+ns+"/web-green") {
		t.Fatalf("without the Service: %v", res)
	}
	for _, color := range []string{"blue", "green"} {
		svc := &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: "web-" + color},
			Spec: corev1.ServiceSpec{
				Selector: map[string]string{"app": "web", "color": color},
				Ports:    []corev1.ServicePort{{Port: 80}},
			},
		}
		if _, err := kube.Core.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	kube.CreatePod(t, ns, "web-blue-1", map[string]string{"app": "web", "color": "blue"}, true)
	kube.CreatePod(t, ns, "web-blue-2", map[string]string{"app": "web", "color": "blue"}, true)
	g1 := kube.CreatePod(t, ns, "web-green-1", map[string]string{"app": "web", "color": "green"}, true)
	g2 := kube.CreatePod(t, ns, "web-green-2", map[string]string{"app": "web", "color": "green"}, false)
	res := pre.Evaluate(ctx)[0]
	if res.Verdict != checks.Fail || res.Value != 1 || !strings.Contains(res.Detail, "web-green-2 (CrashLoopBackOff)") || !strings.Contains(res.Detail, "color green (service web-green)") {
		t.Fatalf("one of two green pods ready: %v, want fail", res)
	}
	kube.SetPodReady(t, g2, true)
	if res := pre.Evaluate(ctx)[0]; res.Verdict != checks.Pass || res.Value != 2 {
		t.Fatalf("both green pods ready: %v, want pass", res)
	}
	// During the bake a crash loop fails the check.
	kube.SetPodReady(t, g1, false)
	if res := pre.Evaluate(ctx)[0]; res.Verdict != checks.Fail || res.Value != 1 {
		t.Fatalf("green pod crash-looping again: %v, want fail", res)
	}
	if _, err := r.ReadinessCheck(kube.Core.CoreV1(), "red", 1, 0); err == nil {
		t.Fatal("an invalid color was accepted")
	}
}
