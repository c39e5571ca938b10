package provider

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/testenv"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// kubeTest is one acceptance test's view of the shared API server: its own
// namespace, a proxy in front of the API server that logs every write the
// provider makes (and lets a test act as another writer right before one),
// and provider factories on a fake clock of its own, so holds and bakes run
// in virtual time and tests run in parallel.
type kubeTest struct {
	t         *testing.T
	Kube      *testenv.KubeServer
	NS        string
	Proxy     *kubeProxy
	Clock     *clock.Fake
	Factories map[string]func() (tfprotov6.ProviderServer, error)
}

func newKubeTest(t *testing.T) *kubeTest {
	t.Helper()
	skipUnlessAcc(t)
	kube := testenv.Kube(t)
	kt := &kubeTest{t: t, Kube: kube, NS: kube.Namespace(t), Clock: clock.NewAutoFake(testClockStart)}
	kt.Proxy = startKubeProxy(t, kube)
	deps := Deps{Clock: kt.Clock}
	kt.Factories = map[string]func() (tfprotov6.ProviderServer, error){
		"bluegreen": func() (tfprotov6.ProviderServer, error) {
			return providerserver.NewProtocol6WithError(NewTestProvider("test", deps)())()
		},
	}
	return kt
}

// providerBlock configures the provider to reach the API server through the
// test's proxy (plain HTTP on loopback, bearer token).
func (kt *kubeTest) providerBlock() string {
	return fmt.Sprintf(`
provider "bluegreen" {
  kubernetes = {
    host  = %q
    token = %q
  }
}
`, kt.Proxy.URL, kt.Kube.Token)
}

// at runs f once the test's virtual clock has moved d past now (during an
// apply's holds). Errors are reported on the test when it ends.
func (kt *kubeTest) at(d time.Duration, what string, f func(ctx context.Context) error) {
	kt.Clock.AfterFunc(d, func() {
		if err := f(context.Background()); err != nil {
			kt.t.Errorf("%s: %v", what, err)
		}
	})
}

// createService creates a ClusterIP Service with the given selector.
func (kt *kubeTest) createService(name string, selector map[string]string) {
	kt.t.Helper()
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: kt.NS},
		Spec:       corev1.ServiceSpec{Selector: selector, Ports: []corev1.ServicePort{{Name: "http", Port: 80}}},
	}
	if _, err := kt.Kube.Core.CoreV1().Services(kt.NS).Create(context.Background(), svc, metav1.CreateOptions{}); err != nil {
		kt.t.Fatalf("creating service %s: %v", name, err)
	}
}

// createPods creates n Pods labelled app=web, color=c (web-<c>-<i>).
func (kt *kubeTest) createPods(c traffic.Color, n int, ready bool) {
	kt.t.Helper()
	for i := 1; i <= n; i++ {
		kt.Kube.CreatePod(kt.t, kt.NS, fmt.Sprintf("web-%s-%d", c, i), map[string]string{"app": "web", "color": string(c)}, ready)
	}
}

// setPodsReady sets every Pod of color c ready or crash-looping, through the
// status subresource as a kubelet would. It returns errors rather than
// failing, so it can run inside a clock callback.
func (kt *kubeTest) setPodsReady(ctx context.Context, c traffic.Color, ready bool) error {
	pods := kt.Kube.Core.CoreV1().Pods(kt.NS)
	list, err := pods.List(ctx, metav1.ListOptions{LabelSelector: "color=" + string(c)})
	if err != nil {
		return err
	}
	for i := range list.Items {
		p := &list.Items[i]
		status := corev1.ConditionFalse
		cs := corev1.ContainerStatus{Name: "app", Image: "example.invalid/app:1"}
		if ready {
			status = corev1.ConditionTrue
			cs.Ready = true
			cs.State.Running = &corev1.ContainerStateRunning{StartedAt: metav1.Now()}
		} else {
			cs.RestartCount = 3
			cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}
		}
		p.Status.ContainerStatuses = []corev1.ContainerStatus{cs}
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: status}, {Type: corev1.ContainersReady, Status: status}}
		if _, err := pods.UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
			return err
		}
	}
	if len(list.Items) == 0 {
		return fmt.Errorf("no pods of color %s", c)
	}
	return nil
}

// selector reads a Service's selector.
func (kt *kubeTest) selector(ctx context.Context, name string) (map[string]string, error) {
	svc, err := kt.Kube.Core.CoreV1().Services(kt.NS).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	return svc.Spec.Selector, nil
}

// setSelector writes a Service's selector as another writer would.
func (kt *kubeTest) setSelector(ctx context.Context, name string, sel map[string]string) error {
	svc, err := kt.Kube.Core.CoreV1().Services(kt.NS).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	svc.Spec.Selector = sel
	_, err = kt.Kube.Core.CoreV1().Services(kt.NS).Update(ctx, svc, metav1.UpdateOptions{})
	return err
}

// expectSelector checks the Service's selector as the API server stores it.
func (kt *kubeTest) expectSelector(name string, want map[string]string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got, err := kt.selector(context.Background(), name)
		if err != nil {
			return err
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("service %s/%s selects %v, want %v", kt.NS, name, got, want)
		}
		return nil
	}
}

// routeWeights reads the blue and green weights of rule 0 of route name as
// the API server stores them (backendRefs web-blue and web-green).
func (kt *kubeTest) routeWeights(ctx context.Context, name string) (traffic.Weights, error) {
	obj, err := kt.Kube.Dynamic.Resource(testenv.HTTPRouteGVR).Namespace(kt.NS).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return traffic.Weights{}, err
	}
	return ruleWeights(obj)
}

func ruleWeights(obj *unstructured.Unstructured) (traffic.Weights, error) {
	rules, _, _ := unstructured.NestedSlice(obj.Object, "spec", "rules")
	if len(rules) == 0 {
		return traffic.Weights{}, fmt.Errorf("route has no rules")
	}
	refs, _, _ := unstructured.NestedSlice(rules[0].(map[string]any), "backendRefs")
	var w traffic.Weights
	for _, r := range refs {
		m := r.(map[string]any)
		weight, ok := m["weight"].(int64)
		if !ok {
			if f, isFloat := m["weight"].(float64); isFloat {
				weight = int64(f)
			} else {
				weight = 1
			}
		}
		switch m["name"] {
		case "web-blue":
			w.Blue = int32(weight)
		case "web-green":
			w.Green = int32(weight)
		}
	}
	return w, nil
}

// createRoute creates HTTPRoute name with one rule "main" sending blue and
// green the given weights.
func (kt *kubeTest) createRoute(name string, blue, green int64) {
	kt.t.Helper()
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "gateway.networking.k8s.io/v1",
		"kind":       "HTTPRoute",
		"metadata":   map[string]any{"name": name, "namespace": kt.NS},
		"spec": map[string]any{
			"parentRefs": []any{map[string]any{"name": "public"}},
			"rules": []any{map[string]any{
				"name":    "main",
				"matches": []any{map[string]any{"path": map[string]any{"type": "PathPrefix", "value": "/"}}},
				"backendRefs": []any{
					map[string]any{"name": "web-blue", "port": int64(80), "weight": blue},
					map[string]any{"name": "web-green", "port": int64(80), "weight": green},
				},
			}},
		},
	}}
	if _, err := kt.Kube.Dynamic.Resource(testenv.HTTPRouteGVR).Namespace(kt.NS).Create(context.Background(), obj, metav1.CreateOptions{}); err != nil {
		kt.t.Fatalf("creating route %s: %v", name, err)
	}
}

// expectRoute checks the stored weights of the route's rule.
func (kt *kubeTest) expectRoute(name string, blue, green int32) resource.TestCheckFunc {
	return func(*terraform.State) error {
		w, err := kt.routeWeights(context.Background(), name)
		if err != nil {
			return err
		}
		if w != (traffic.Weights{Blue: blue, Green: green}) {
			return fmt.Errorf("route %s/%s stores %s, want blue=%d green=%d", kt.NS, name, w, blue, green)
		}
		return nil
	}
}

// kubeProxy is a reverse proxy in front of the API server that logs every
// write (PUT, POST, PATCH, DELETE) and can run a hook right before one is
// forwarded: another writer getting in between the provider's read and its
// write.
type kubeProxy struct {
	URL string

	mu     sync.Mutex
	writes []kubeWrite
	// beforeWrite, when set, runs before a write is forwarded; returning
	// true removes the hook (it ran once).
	beforeWrite func(w kubeWrite) (done bool)
}

type kubeWrite struct {
	Method, Path string
	Body         []byte
}

func startKubeProxy(t *testing.T, kube *testenv.KubeServer) *kubeProxy {
	t.Helper()
	target, err := url.Parse(kube.Host)
	if err != nil {
		t.Fatal(err)
	}
	transport, err := rest.TransportFor(kube.Config)
	if err != nil {
		t.Fatal(err)
	}
	p := &kubeProxy{}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = transport
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			wr := kubeWrite{Method: r.Method, Path: r.URL.Path, Body: body}
			p.mu.Lock()
			p.writes = append(p.writes, wr)
			hook := p.beforeWrite
			p.mu.Unlock()
			if hook != nil && hook(wr) {
				p.mu.Lock()
				p.beforeWrite = nil
				p.mu.Unlock()
			}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// Writes returns the writes logged so far whose path contains part.
func (p *kubeProxy) Writes(part string) []kubeWrite {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []kubeWrite
	for _, w := range p.writes {
		if strings.Contains(w.Path, part) {
			out = append(out, w)
		}
	}
	return out
}

// Reset forgets the writes logged so far.
func (p *kubeProxy) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.writes = nil
}

// OnWrite sets the hook run before the next writes (see beforeWrite).
func (p *kubeProxy) OnWrite(hook func(w kubeWrite) bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.beforeWrite = hook
}
