package podreadiness

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
)

// The engine's Check interface, restated: this package must satisfy it
// without importing the engine.
var _ interface {
	Name() string
	Evaluate(context.Context) []checks.Result
} = (*Check)(nil)

// fakePods answers List with fixed pods (or an error) and records the
// namespace and selector it was asked for. Every other method panics
// through the nil embedded interface.
type fakePods struct {
	corev1client.PodInterface
	pods         []corev1.Pod
	err          error
	ns, selector string
}

func (f *fakePods) Pods(ns string) corev1client.PodInterface { f.ns = ns; return f }

func (f *fakePods) List(_ context.Context, opts metav1.ListOptions) (*corev1.PodList, error) {
	f.selector = opts.LabelSelector
	if f.err != nil {
		return nil, f.err
	}
	return &corev1.PodList{Items: f.pods}, nil
}

type podState int

const (
	ready podState = iota
	crashLoop
	noIP
	terminating
	succeeded
	pending
)

func pod(name string, s podState) corev1.Pod {
	p := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}}
	p.Status.Phase = corev1.PodRunning
	p.Status.PodIP = "10.0.0.1"
	cond := corev1.ConditionTrue
	switch s {
	case crashLoop:
		cond = corev1.ConditionFalse
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", State: corev1.ContainerState{
			Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}}}
	case noIP:
		p.Status.PodIP = ""
	case terminating:
		now := metav1.Now()
		p.DeletionTimestamp = &now
	case succeeded:
		p.Status.Phase = corev1.PodSucceeded
		cond = corev1.ConditionFalse
	case pending:
		p.Status.Phase = corev1.PodPending
		p.Status.PodIP = ""
		cond = corev1.ConditionFalse
	}
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: cond}}
	return p
}

func TestEvaluate(t *testing.T) {
	tests := []struct {
		name       string
		pods       []corev1.Pod
		minCount   int
		minPercent float64
		verdict    checks.Verdict
		value      float64
		detail     []string
	}{
		{"one ready is enough by default", []corev1.Pod{pod("a", ready), pod("b", crashLoop)}, 0, 0, checks.Pass, 1,
			[]string{"1/2 pods app=web,color=green in namespace shop ready (50%)", "not ready: b (CrashLoopBackOff)"}},
		{"no pods fails", nil, 1, 0, checks.Fail, 0, []string{"no pods app=web,color=green in namespace shop"}},
		{"only terminating pods count as none", []corev1.Pod{pod("a", terminating)}, 1, 0, checks.Fail, 0, []string{"no pods", "(1 terminating)"}},
		{"completed pods are ignored", []corev1.Pod{pod("a", succeeded), pod("b", ready)}, 1, 100, checks.Pass, 1, []string{"1/1"}},
		{"ready without a pod IP is not ready", []corev1.Pod{pod("a", noIP)}, 1, 0, checks.Fail, 0, []string{"0/1", "a (no pod IP)", "need >= 1 ready"}},
		{"pending pod named by phase", []corev1.Pod{pod("a", pending), pod("b", ready)}, 2, 0, checks.Fail, 1, []string{"a (Pending)", "need >= 2 ready"}},
		{"percent not met", []corev1.Pod{pod("a", ready), pod("b", crashLoop), pod("c", crashLoop)}, 1, 50, checks.Fail, 1,
			[]string{"1/3", "(33.33%)", "need >= 1 ready, >= 50%"}},
		{"terminating excluded from the percentage", []corev1.Pod{pod("a", ready), pod("b", terminating)}, 1, 100, checks.Pass, 1,
			[]string{"1/1", "1 terminating"}},
		{"many not ready are summarised", []corev1.Pod{pod("a", crashLoop), pod("b", crashLoop), pod("c", crashLoop), pod("d", crashLoop), pod("e", crashLoop), pod("f", crashLoop), pod("g", crashLoop)}, 1, 0, checks.Fail, 0,
			[]string{"a (CrashLoopBackOff), b", "e (CrashLoopBackOff) and 2 more"}},
	}
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakePods{pods: tt.pods}
			c := New(f, "shop", map[string]string{"app": "web", "color": "green"}, tt.minCount, tt.minPercent)
			c.Now = func() time.Time { return at }
			rs := c.Evaluate(context.Background())
			if len(rs) != 1 {
				t.Fatalf("%d results", len(rs))
			}
			r := rs[0]
			if r.Check != CheckName || r.Verdict != tt.verdict || !r.HasValue || r.Value != tt.value || !r.At.Equal(at) {
				t.Fatalf("result = %+v", r)
			}
			for _, d := range tt.detail {
				if !strings.Contains(r.Detail, d) {
					t.Errorf("detail %q lacks %q", r.Detail, d)
				}
			}
			if f.ns != "shop" || f.selector != "app=web,color=green" {
				t.Fatalf("listed %q in %q", f.selector, f.ns)
			}
		})
	}
}

func TestEvaluate_errors(t *testing.T) {
	f := &fakePods{err: errors.New("connection refused")}
	r := New(f, "shop", map[string]string{"app": "web"}, 1, 0).Evaluate(context.Background())[0]
	if r.Verdict != checks.Error || !strings.Contains(r.Detail, "listing pods app=web in namespace shop: connection refused") {
		t.Fatalf("result = %+v", r)
	}
	r = New(f, "shop", nil, 1, 0).Evaluate(context.Background())[0]
	if r.Verdict != checks.Error || !strings.Contains(r.Detail, "empty pod selector") {
		t.Fatalf("empty selector: %+v", r)
	}
	c := New(&fakePods{}, "shop", nil, 1, 0)
	c.SelectorFunc = func(context.Context) (map[string]string, error) { return nil, errors.New("service shop/web not found") }
	r = c.Evaluate(context.Background())[0]
	if r.Verdict != checks.Error || !strings.Contains(r.Detail, "service shop/web not found") {
		t.Fatalf("selector func error: %+v", r)
	}
}
