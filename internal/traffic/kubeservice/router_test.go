package kubeservice

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
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/testenv"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/routertest"
)

func TestMain(m *testing.M) { os.Exit(testenv.KubeMain(m)) }

var colorKey = KeySelectors("color", "blue", "green")

// newService creates Service "web" selecting {app: web, color: blue} in a
// fresh namespace.
func newService(t *testing.T, kube *testenv.KubeServer) string {
	t.Helper()
	ns := kube.Namespace(t)
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": "web", "color": "blue"},
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080)}},
		},
	}
	if _, err := kube.Core.CoreV1().Services(ns).Create(context.Background(), svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return ns
}

// setColorBehindTheRoutersBack writes the selector's color as another tool
// would.
func setColorBehindTheRoutersBack(ctx context.Context, core kubernetes.Interface, ns, color string) error {
	svc, err := core.CoreV1().Services(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		return err
	}
	svc.Spec.Selector["color"] = color
	_, err = core.CoreV1().Services(ns).Update(ctx, svc, metav1.UpdateOptions{})
	return err
}

// faultyClient returns a clientset whose next write (PUT/PATCH/POST) fails
// in the transport, before reaching the API server, while armed.
func faultyClient(t *testing.T, cfg *rest.Config) (kubernetes.Interface, *atomic.Bool) {
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
	cs, err := kubernetes.NewForConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	return cs, armed
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestRouter_conformance(t *testing.T) {
	kube := testenv.Kube(t)
	routertest.Run(t, func(t *testing.T) routertest.Subject {
		ns := newService(t, kube)
		core, armed := faultyClient(t, kube.Config)
		r, err := New(core.CoreV1(), ns, "web", colorKey)
		if err != nil {
			t.Fatal(err)
		}
		return routertest.Subject{
			Router:       r,
			AllOrNothing: true,
			Rejects: []traffic.Weights{
				{}, {Blue: 1}, {Green: 1}, {Blue: 999}, {Blue: 100, Green: 100}, {Blue: 101}, {Green: -100},
			},
			OtherWriter: func(ctx context.Context, w traffic.Weights) error {
				c, _ := w.ActiveColor()
				return setColorBehindTheRoutersBack(ctx, kube.Core, ns, string(c))
			},
			FailNextSet: func(t *testing.T) func() {
				armed.Store(true)
				return func() { armed.Store(false) }
			},
		}
	})
}

func TestRouter_keepsOtherSelectorKeysAndReadsNeitherColorAsZero(t *testing.T) {
	kube := testenv.Kube(t)
	ctx := context.Background()
	ns := newService(t, kube)
	r, err := New(kube.Core.CoreV1(), ns, "web", colorKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Set(ctx, traffic.Weights{Green: 100}); err != nil {
		t.Fatal(err)
	}
	svc, err := kube.Core.CoreV1().Services(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := svc.Spec.Selector; len(got) != 2 || got["app"] != "web" || got["color"] != "green" {
		t.Fatalf("selector = %v, want app=web color=green", got)
	}

	// Another tool points the Service at a third value: neither color.
	if err := setColorBehindTheRoutersBack(ctx, kube.Core, ns, "red"); err != nil {
		t.Fatal(err)
	}
	st, err := r.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Weights != (traffic.Weights{}) || st.Color != "" || st.Selector["color"] != "red" {
		t.Fatalf("state = %+v, want no color (0/0) with color=red", st)
	}
	if _, ok := st.Weights.ActiveColor(); ok {
		t.Fatal("0/0 must not be an active color")
	}
	// After that Read, a flip is allowed and restores a color.
	if err := r.Set(ctx, traffic.Weights{Blue: 100}); err != nil {
		t.Fatal(err)
	}
	if w, err := r.Read(ctx); err != nil || w != (traffic.Weights{Blue: 100}) {
		t.Fatalf("Read = %v, %v", w, err)
	}
}

func TestRouter_fullSelectorMapsPerColor(t *testing.T) {
	kube := testenv.Kube(t)
	ctx := context.Background()
	ns := newService(t, kube) // app=web color=blue
	sel := Selectors{
		Blue:  map[string]string{"color": "blue"},
		Green: map[string]string{"color": "green", "track": "v2"},
	}
	r, err := New(kube.Core.CoreV1(), ns, "web", sel)
	if err != nil {
		t.Fatal(err)
	}
	if w, err := r.Read(ctx); err != nil || w != (traffic.Weights{Blue: 100}) {
		t.Fatalf("Read = %v, %v", w, err)
	}
	if err := r.Set(ctx, traffic.Weights{Green: 100}); err != nil {
		t.Fatal(err)
	}
	st, err := r.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"app": "web", "color": "green", "track": "v2"}
	if st.Color != traffic.Green || len(st.Selector) != 3 || st.Selector["track"] != "v2" || st.Selector["app"] != "web" {
		t.Fatalf("state = %+v, want green with %v", st, want)
	}
	// Back to blue drops the green-only key.
	if err := r.Set(ctx, traffic.Weights{Blue: 100}); err != nil {
		t.Fatal(err)
	}
	st, err = r.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Color != traffic.Blue || len(st.Selector) != 2 || st.Selector["track"] != "" {
		t.Fatalf("state = %+v, want blue with app=web color=blue", st)
	}
}

func TestRouter_concurrentWriterIsAConflictNotARetry(t *testing.T) {
	kube := testenv.Kube(t)
	ctx := context.Background()
	ns := newService(t, kube)
	r, err := New(kube.Core.CoreV1(), ns, "web", colorKey)
	if err != nil {
		t.Fatal(err)
	}
	if w, err := r.Read(ctx); err != nil || w != (traffic.Weights{Blue: 100}) {
		t.Fatalf("Read = %v, %v", w, err)
	}
	// Between the engine's Read and its Set, someone flips the selector.
	if err := setColorBehindTheRoutersBack(ctx, kube.Core, ns, "red"); err != nil {
		t.Fatal(err)
	}
	err = r.Set(ctx, traffic.Weights{Green: 100})
	var ce *ConflictError
	if !errors.Is(err, ErrConflict) || !errors.As(err, &ce) {
		t.Fatalf("Set = %v, want a *ConflictError matching ErrConflict", err)
	}
	if ce.Expected["color"] != "blue" || ce.Found["color"] != "red" || !strings.Contains(err.Error(), "another writer") {
		t.Fatalf("conflict = %+v (%v)", ce, err)
	}
	// The other writer's selector stands.
	svc, err := kube.Core.CoreV1().Services(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if svc.Spec.Selector["color"] != "red" {
		t.Fatalf("selector = %v: the conflicting Set overwrote the other writer", svc.Spec.Selector)
	}
	// A second Set without a Read is refused again (it is not a retry loop).
	if err := r.Set(ctx, traffic.Weights{Blue: 100}); !errors.Is(err, ErrConflict) {
		t.Fatalf("second Set without a Read = %v, want ErrConflict", err)
	}
	// A conflict after our own write is caught too: we write green, someone
	// writes blue, our next write must not silently succeed.
	if _, err := r.Read(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.Set(ctx, traffic.Weights{Green: 100}); err != nil {
		t.Fatal(err)
	}
	if err := setColorBehindTheRoutersBack(ctx, kube.Core, ns, "blue"); err != nil {
		t.Fatal(err)
	}
	if err := r.Set(ctx, traffic.Weights{Green: 100}); !errors.Is(err, ErrConflict) {
		t.Fatalf("Set of the color we last wrote, after another writer changed it = %v, want ErrConflict", err)
	}
	if w, err := r.Read(ctx); err != nil || w != (traffic.Weights{Blue: 100}) {
		t.Fatalf("Read = %v, %v; want the other writer's blue", w, err)
	}
}

func TestRouter_unrelatedChangeIsNotAConflict(t *testing.T) {
	kube := testenv.Kube(t)
	ctx := context.Background()
	ns := newService(t, kube)
	r, err := New(kube.Core.CoreV1(), ns, "web", colorKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(ctx); err != nil {
		t.Fatal(err)
	}
	svc, err := kube.Core.CoreV1().Services(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	svc.Annotations = map[string]string{"team": "payments"}
	svc.Spec.Selector["app"] = "web2" // not a managed key
	if _, err := kube.Core.CoreV1().Services(ns).Update(ctx, svc, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := r.Set(ctx, traffic.Weights{Green: 100}); err != nil {
		t.Fatalf("Set after an unrelated change: %v", err)
	}
	svc, err = kube.Core.CoreV1().Services(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if svc.Annotations["team"] != "payments" || svc.Spec.Selector["app"] != "web2" || svc.Spec.Selector["color"] != "green" {
		t.Fatalf("service = %v %v: the unrelated change must survive and the flip must land", svc.Annotations, svc.Spec.Selector)
	}
}

func TestRouter_setWithoutReadReadsFirst(t *testing.T) {
	kube := testenv.Kube(t)
	ctx := context.Background()
	ns := newService(t, kube)
	r, err := New(kube.Core.CoreV1(), ns, "web", colorKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := setColorBehindTheRoutersBack(ctx, kube.Core, ns, "green"); err != nil {
		t.Fatal(err)
	}
	if err := r.Set(ctx, traffic.Weights{Blue: 100}); err != nil {
		t.Fatal(err)
	}
	if w, err := r.Read(ctx); err != nil || w != (traffic.Weights{Blue: 100}) {
		t.Fatalf("Read = %v, %v", w, err)
	}
}

func TestRouter_missingService(t *testing.T) {
	kube := testenv.Kube(t)
	ns := kube.Namespace(t)
	r, err := New(kube.Core.CoreV1(), ns, "nope", colorKey)
	if err != nil {
		t.Fatal(err)
	}
	var nf *NotFoundError
	if _, err := r.Read(context.Background()); !errors.Is(err, ErrNotFound) || !errors.As(err, &nf) || nf.Name != "nope" {
		t.Fatalf("Read = %v, want NotFoundError", err)
	}
	if err := r.Set(context.Background(), traffic.Weights{Green: 100}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Set = %v, want ErrNotFound", err)
	}
}

func TestReadinessCheck_preflightRefusesAColorWithoutReadyPods(t *testing.T) {
	kube := testenv.Kube(t)
	ctx := context.Background()
	ns := newService(t, kube)
	r, err := New(kube.Core.CoreV1(), ns, "web", colorKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"web-blue-1", "web-blue-2"} {
		kube.CreatePod(t, ns, name, map[string]string{"app": "web", "color": "blue"}, true)
	}
	// A green pod of another app must not count for this Service.
	kube.CreatePod(t, ns, "other-green-1", map[string]string{"app": "other", "color": "green"}, true)
	pre := r.ReadinessCheck(traffic.Green, 1, 0)

	res := pre.Evaluate(ctx)
	if len(res) != 1 || res[0].Verdict != checks.Fail || res[0].Value != 0 || !strings.Contains(res[0].Detail, "no pods") {
		t.Fatalf("no green pods: %v, want fail", res)
	}

	g1 := kube.CreatePod(t, ns, "web-green-1", map[string]string{"app": "web", "color": "green"}, false)
	res = pre.Evaluate(ctx)
	if res[0].Verdict != checks.Fail || !strings.Contains(res[0].Detail, "web-green-1 (CrashLoopBackOff)") || !strings.Contains(res[0].Detail, "0/1") {
		t.Fatalf("crash-looping green pod: %v, want fail naming it", res[0])
	}

	kube.SetPodReady(t, g1, true)
	res = pre.Evaluate(ctx)
	if res[0].Verdict != checks.Pass || res[0].Value != 1 || !strings.Contains(res[0].Detail, "app=web,color=green") {
		t.Fatalf("ready green pod: %v, want pass", res[0])
	}
	// The blue side is unaffected throughout.
	if res := r.ReadinessCheck(traffic.Blue, 2, 100).Evaluate(ctx); res[0].Verdict != checks.Pass || res[0].Value != 2 {
		t.Fatalf("blue: %v", res[0])
	}
}

func TestReadinessCheck_failsWhenPodsGoUnreadyDuringTheBake(t *testing.T) {
	kube := testenv.Kube(t)
	ctx := context.Background()
	ns := newService(t, kube)
	r, err := New(kube.Core.CoreV1(), ns, "web", colorKey)
	if err != nil {
		t.Fatal(err)
	}
	var pods []*corev1.Pod
	for _, name := range []string{"web-green-1", "web-green-2", "web-green-3", "web-green-4"} {
		pods = append(pods, kube.CreatePod(t, ns, name, map[string]string{"app": "web", "color": "green"}, true))
	}
	if err := r.Set(ctx, traffic.Weights{Green: 100}); err != nil {
		t.Fatal(err)
	}
	bake := r.ReadinessCheck(traffic.Green, 2, 75)
	if res := bake.Evaluate(ctx); res[0].Verdict != checks.Pass || res[0].Value != 4 {
		t.Fatalf("all ready: %v", res[0])
	}
	// One crash loop: 3/4 = 75% is still enough.
	kube.SetPodReady(t, pods[0], false)
	if res := bake.Evaluate(ctx); res[0].Verdict != checks.Pass || res[0].Value != 3 {
		t.Fatalf("3/4 ready: %v, want pass", res[0])
	}
	// A second: 2/4 = 50% < 75%.
	kube.SetPodReady(t, pods[1], false)
	res := bake.Evaluate(ctx)
	if res[0].Verdict != checks.Fail || res[0].Value != 2 || !strings.Contains(res[0].Detail, "2/4") || !strings.Contains(res[0].Detail, "need >= 2 ready, >= 75%") {
		t.Fatalf("2/4 ready: %v, want fail", res[0])
	}
	// A terminating pod counts neither for nor against. (An unscheduled pod
	// is deleted at once; a finalizer holds it in Terminating, as a kubelet
	// stopping its containers would.)
	held, err := kube.Core.CoreV1().Pods(ns).Get(ctx, pods[2].Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	held.Finalizers = append(held.Finalizers, "bluegreen.test/hold")
	if _, err := kube.Core.CoreV1().Pods(ns).Update(ctx, held, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := kube.Core.CoreV1().Pods(ns).Delete(ctx, pods[2].Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	res = bake.Evaluate(ctx)
	if res[0].Verdict != checks.Fail || !strings.Contains(res[0].Detail, "1/3") || !strings.Contains(res[0].Detail, "1 terminating") {
		t.Fatalf("after deleting a ready pod: %v", res[0])
	}
}

func TestSelectors_validate(t *testing.T) {
	tests := []struct {
		name string
		sel  Selectors
		want string // substring of the error, "" for valid
	}{
		{"key form", KeySelectors("color", "blue", "green"), ""},
		{"maps sharing a key with different values", Selectors{Blue: map[string]string{"version": "v1", "tier": "a"}, Green: map[string]string{"version": "v2"}}, ""},
		{"empty green", Selectors{Blue: map[string]string{"color": "blue"}}, "green selector is empty"},
		{"same value", KeySelectors("color", "x", "x"), "different values"},
		{"disjoint keys could overlap", Selectors{Blue: map[string]string{"color": "blue"}, Green: map[string]string{"track": "green"}}, "different values"},
		{"bad key", KeySelectors("bad key!", "a", "b"), "not a valid label key"},
		{"bad value", KeySelectors("color", "blue", "gr een"), "not a valid label value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.sel.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestSet_refusesSplitsWithoutCallingTheAPI(t *testing.T) {
	// A nil API proves no call is made: any call would panic.
	r, err := New(nil, "default", "web", colorKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []traffic.Weights{{Blue: 90, Green: 10}, {Blue: 50, Green: 50}, {}, {Blue: 1}, {Blue: 100, Green: 100}} {
		err := r.Set(context.Background(), w)
		var ue *UnsupportedWeightsError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "blue=100 green=0 or blue=0 green=100") {
			t.Fatalf("Set(%v) = %v, want UnsupportedWeightsError", w, err)
		}
	}
}
