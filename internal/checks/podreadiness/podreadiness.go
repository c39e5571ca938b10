// Package podreadiness checks that enough Kubernetes Pods behind a label
// selector are ready to serve: the pre-flight of a Service selector flip
// ("does the receiving color have ready endpoints?") and, during the bake, the
// check that turns a crash loop of the new color into a rollback.
//
// Counting follows the EndpointSlice controller, which decides which Pods a
// Service sends traffic to:
//
//   - Pods in a terminal phase (Succeeded, Failed) are ignored entirely;
//   - terminating Pods (deletionTimestamp set) are counted as "terminating"
//     and neither for nor against — like draining ELB targets;
//   - every other matching Pod is a candidate; it is ready when its Ready
//     condition is True and it has a pod IP (the controller publishes no
//     address without one).
//
// Pods are counted rather than EndpointSlices so that the check means the
// same on a cluster whose EndpointSlices lag behind a selector change, and
// because the check is about the Pods a selector would select after a flip,
// for which no EndpointSlice exists yet.
//
// The check passes when there is at least one candidate, the ready count is
// at least MinReadyCount (never less than 1: a Service with no ready
// endpoint refuses every connection) and the ready share of candidates is at
// least MinReadyPercent. An API error is an Error verdict.
package podreadiness

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
)

// CheckName is the Name() of the check and the Check field of its result.
const CheckName = "pod_readiness"

// Check counts the ready Pods matching a selector in one namespace.
type Check struct {
	Pods      corev1client.PodsGetter
	Namespace string
	// Selector is the label selector of the Pods (all pairs must match).
	// SelectorFunc, when set, is called at each evaluation instead, so the
	// selector can follow the Service it is derived from.
	Selector     map[string]string
	SelectorFunc func(ctx context.Context) (map[string]string, error)
	// Label names the Pods in details, e.g. `color "green"`; optional.
	Label           string
	MinReadyCount   int     // values below 1 mean 1
	MinReadyPercent float64 // 0–100; 0 means no percentage requirement
	Now             func() time.Time
}

// maxNotReadyShown bounds the not-ready Pods a detail names.
const maxNotReadyShown = 5

// New returns a check of the Pods in namespace matching selector.
func New(pods corev1client.PodsGetter, namespace string, selector map[string]string, minReadyCount int, minReadyPercent float64) *Check {
	return &Check{Pods: pods, Namespace: namespace, Selector: selector, MinReadyCount: minReadyCount, MinReadyPercent: minReadyPercent}
}

// Name is "pod_readiness".
func (c *Check) Name() string { return CheckName }

// Counts is what one list of Pods found.
type Counts struct {
	Candidates  int // matching Pods, not terminal, not terminating
	Ready       int // candidates with Ready=True and a pod IP
	Terminating int
	// NotReady describes up to a few candidates that are not ready, e.g.
	// "web-green-1 (CrashLoopBackOff)", in name order.
	NotReady []string
}

// Percent is the ready share of candidates, 0–100.
func (n Counts) Percent() float64 {
	if n.Candidates == 0 {
		return 0
	}
	return float64(n.Ready) * 100 / float64(n.Candidates)
}

// IsReady reports whether the EndpointSlice controller would publish pod as
// a ready endpoint (Ready condition True, a pod IP, not terminating).
func IsReady(pod *corev1.Pod) bool {
	if pod.DeletionTimestamp != nil || pod.Status.PodIP == "" {
		return false
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// Count classifies pods as documented in the package.
func Count(pods []corev1.Pod) Counts {
	var n Counts
	sorted := append([]corev1.Pod(nil), pods...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	for i := range sorted {
		p := &sorted[i]
		switch {
		case p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed:
			continue
		case p.DeletionTimestamp != nil:
			n.Terminating++
			continue
		}
		n.Candidates++
		if IsReady(p) {
			n.Ready++
			continue
		}
		n.NotReady = append(n.NotReady, p.Name+" ("+notReadyReason(p)+")")
	}
	return n
}

// notReadyReason names why a Pod is not ready, as `kubectl get pods` would.
func notReadyReason(p *corev1.Pod) string {
	for _, cs := range p.Status.ContainerStatuses {
		if w := cs.State.Waiting; w != nil && w.Reason != "" {
			return w.Reason
		}
		if t := cs.State.Terminated; t != nil && t.Reason != "" {
			return t.Reason
		}
	}
	if p.Status.PodIP == "" && p.Status.Phase == corev1.PodRunning {
		return "no pod IP"
	}
	if p.Status.Phase != "" && p.Status.Phase != corev1.PodRunning {
		return string(p.Status.Phase)
	}
	return "not ready"
}

// Evaluate lists the matching Pods once and returns one result whose value is
// the ready count.
func (c *Check) Evaluate(ctx context.Context) []checks.Result {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	minCount := max(c.MinReadyCount, 1)
	threshold := fmt.Sprintf(">= %d ready", minCount)
	if c.MinReadyPercent > 0 {
		threshold += fmt.Sprintf(", >= %s%%", checks.FormatValue(c.MinReadyPercent))
	}
	sel := c.Selector
	if c.SelectorFunc != nil {
		var err error
		if sel, err = c.SelectorFunc(ctx); err != nil {
			return []checks.Result{checks.Errored(CheckName, now(), threshold, err)}
		}
	}
	if len(sel) == 0 {
		return []checks.Result{checks.Errored(CheckName, now(), threshold,
			errors.New("empty pod selector: it would match every pod in the namespace"))}
	}
	selector := labels.SelectorFromSet(sel).String()
	what := fmt.Sprintf("pods %s in namespace %s", selector, c.Namespace)
	if c.Label != "" {
		what = fmt.Sprintf("pods of %s (%s) in namespace %s", c.Label, selector, c.Namespace)
	}
	list, err := c.Pods.Pods(c.Namespace).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return []checks.Result{checks.Errored(CheckName, now(), threshold, fmt.Errorf("listing %s: %w", what, err))}
	}
	n := Count(list.Items)
	r := checks.Result{
		Check: CheckName, Value: float64(n.Ready), HasValue: true,
		Threshold: threshold, At: now(), Verdict: checks.Pass,
	}
	switch {
	case n.Candidates == 0:
		r.Verdict = checks.Fail
		r.Detail = "no " + what
		if n.Terminating > 0 {
			r.Detail += fmt.Sprintf(" (%d terminating)", n.Terminating)
		}
		return []checks.Result{r}
	case n.Ready < minCount, n.Percent() < c.MinReadyPercent:
		r.Verdict = checks.Fail
	}
	r.Detail = fmt.Sprintf("%d/%d %s ready (%s%%)", n.Ready, n.Candidates, what, checks.FormatValue(n.Percent()))
	if len(n.NotReady) > 0 {
		shown := n.NotReady
		more := ""
		if len(shown) > maxNotReadyShown {
			more = fmt.Sprintf(" and %d more", len(shown)-maxNotReadyShown)
			shown = shown[:maxNotReadyShown]
		}
		r.Detail += "; not ready: " + strings.Join(shown, ", ") + more
	}
	if n.Terminating > 0 {
		r.Detail += fmt.Sprintf("; %d terminating", n.Terminating)
	}
	if r.Verdict == checks.Fail {
		r.Detail += "; need " + threshold
	}
	return []checks.Result{r}
}

// ServicePodsAPI is the part of the core/v1 client ForService uses;
// kubernetes.Interface.CoreV1() satisfies it.
type ServicePodsAPI interface {
	corev1client.ServicesGetter
	corev1client.PodsGetter
}

// ForService returns a check of the ready Pods behind Service
// namespace/name: the Service's selector is read at each evaluation, so the
// check follows it. A Service without a selector (its endpoints are managed
// by hand) is an Error verdict: there are no Pods to count.
func ForService(api ServicePodsAPI, namespace, name string, minReadyCount int, minReadyPercent float64) *Check {
	c := New(api, namespace, nil, minReadyCount, minReadyPercent)
	c.Label = "service " + name
	c.SelectorFunc = func(ctx context.Context) (map[string]string, error) {
		svc, err := api.Services(namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("reading service %s/%s: %w", namespace, name, err)
		}
		if len(svc.Spec.Selector) == 0 {
			return nil, fmt.Errorf("service %s/%s has no selector: its pods cannot be counted", namespace, name)
		}
		return svc.Spec.Selector, nil
	}
	return c
}
