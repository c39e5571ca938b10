package sandbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/elbv2"
)

// Health checks of the data plane: one worker per target group used by a
// load balancer probes every registered (non-draining) target each interval
// and records the resulting state with elbv2.SetCheckedHealth.
//
// The schedule runs on Options.Clock (the wall clock by default): when a
// group's next round is due, and the supervisor's periodic re-read. On a
// manual fake clock, a round happens only when the test advances time past
// it, and settle tells when every round due has finished, so a test can show
// that a state did not change over N rounds without sleeping. Probe timeouts
// stay in real time: a probe is a real request to a real process.

const (
	hcSyncInterval = 500 * time.Millisecond // how often the supervisor re-reads the groups
	hcMinDuration  = time.Millisecond
	hcMaxBody      = 64 << 10
)

type healthChecker struct {
	dp      *dataPlane
	scale   float64
	clk     clock.Clock
	enabled atomic.Bool
	client  *http.Client

	// busy counts work that is due but not finished: a kick the supervisor
	// has not synced yet, a worker's first round, a round whose time came.
	// settle waits for zero.
	busyMu   sync.Mutex
	busyCond *sync.Cond
	busy     int

	kickc    chan struct{}
	stopc    chan struct{}
	done     chan struct{}
	stopOnce sync.Once

	workers map[string]*hcWorker // supervisor goroutine only
}

type hcTargetKey struct {
	id   string
	port int32
}

// hcTargetState is a target's health check state machine.
type hcTargetState struct {
	state        string // initial | healthy | unhealthy
	successes    int32  // consecutive
	failures     int32  // consecutive
	reason, desc string
}

type hcWorker struct {
	arn    string
	cancel context.CancelFunc
	done   chan struct{}
	tick   chan struct{}                  // the next round is due (buffered, one outstanding)
	states map[hcTargetKey]*hcTargetState // worker goroutine only
}

type probeResult struct {
	ok           bool
	reason, desc string
}

func newHealthChecker(dp *dataPlane, scale float64, clk clock.Clock) *healthChecker {
	if clk == nil {
		clk = clock.Real{}
	}
	h := &healthChecker{
		dp:    dp,
		scale: scale,
		clk:   clk,
		kickc: make(chan struct{}, 1),
		stopc: make(chan struct{}),
		done:  make(chan struct{}),
		client: &http.Client{
			Transport: &http.Transport{
				Proxy:             nil,
				DisableKeepAlives: true,
				TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // HTTPS health checks do not verify certificates, like ALB's
			},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		workers: map[string]*hcWorker{},
	}
	h.busyCond = sync.NewCond(&h.busyMu)
	h.enabled.Store(true)
	return h
}

func (h *healthChecker) addBusy(n int) {
	h.busyMu.Lock()
	h.busy += n
	if h.busy <= 0 {
		h.busyCond.Broadcast()
	}
	h.busyMu.Unlock()
}

// settle blocks until no health check work is due: every change has been
// synced and every round whose time has come on the clock has finished.
// Together with a manual fake clock it makes rounds countable: advance one
// interval, settle, and exactly one more round has run.
func (h *healthChecker) settle() {
	h.busyMu.Lock()
	for h.busy > 0 {
		h.busyCond.Wait()
	}
	h.busyMu.Unlock()
}

// kick makes the supervisor re-read the target groups soon.
func (h *healthChecker) kick() {
	h.addBusy(1)
	select {
	case h.kickc <- struct{}{}:
	default:
		h.addBusy(-1) // a kick is already pending: it covers this one
	}
}

func (h *healthChecker) stop() {
	h.stopOnce.Do(func() { close(h.stopc) })
	<-h.done
}

// run is the supervisor: it starts a worker for every target group used by
// a load balancer (HTTP/HTTPS health checks enabled, not lambda) and stops
// the workers of groups that are no longer used, forgetting their checked
// states so that they report unused again.
func (h *healthChecker) run() {
	defer close(h.done)
	kicked := false
	for {
		h.sync()
		if kicked {
			h.addBusy(-1)
			kicked = false
		}
		stopTick := h.clk.AfterFunc(hcSyncInterval, h.kick)
		select {
		case <-h.stopc:
			stopTick()
			for arn, w := range h.workers {
				w.cancel()
				<-w.done
				delete(h.workers, arn)
			}
			return
		case <-h.kickc:
			kicked = true
		}
		stopTick()
	}
}

func (h *healthChecker) sync() {
	want := map[string]bool{}
	for _, tg := range h.dp.s.elbv2.TargetGroups() {
		if len(tg.LoadBalancerARNs) > 0 && tg.HealthCheck.Enabled && tg.TargetType != "lambda" {
			want[tg.ARN] = true
		}
	}
	for arn, w := range h.workers {
		if !want[arn] {
			w.cancel()
			<-w.done
			delete(h.workers, arn)
			h.dp.s.elbv2.ResetCheckedHealth(arn)
		}
	}
	for arn := range want {
		if h.workers[arn] == nil {
			ctx, cancel := context.WithCancel(context.Background())
			w := &hcWorker{arn: arn, cancel: cancel, done: make(chan struct{}), tick: make(chan struct{}, 1),
				states: map[hcTargetKey]*hcTargetState{}}
			h.workers[arn] = w
			h.addBusy(1) // its first round
			go h.work(ctx, w)
		}
	}
}

// scaled converts seconds to a duration, applying HealthCheckTimeScale.
func (h *healthChecker) scaled(seconds int32, def int32) time.Duration {
	if seconds <= 0 {
		seconds = def
	}
	d := time.Duration(float64(seconds) * h.scale * float64(time.Second))
	return max(d, hcMinDuration)
}

// work runs a round now and then one each interval on the clock. Every round
// was counted busy when it became due (by sync for the first, by the timer
// for the others) and is counted done when it has finished.
func (h *healthChecker) work(ctx context.Context, w *hcWorker) {
	defer close(w.done)
	for {
		started := h.clk.Now()
		tg, ok := h.dp.s.elbv2.TargetGroup(w.arn)
		if !ok {
			h.addBusy(-1)
			return // deleted; the supervisor forgets the worker
		}
		if h.enabled.Load() && len(tg.LoadBalancerARNs) > 0 {
			h.round(ctx, w, tg)
		}
		wait := h.scaled(tg.HealthCheck.IntervalSeconds, 30) - h.clk.Now().Sub(started)
		stop := h.clk.AfterFunc(max(wait, 0), func() {
			h.addBusy(1)
			w.tick <- struct{}{}
		})
		h.addBusy(-1)
		select {
		case <-ctx.Done():
			if !stop() {
				// The timer fired (or is firing): take its tick and
				// count that round out, it will not run.
				<-w.tick
				h.addBusy(-1)
			}
			return
		case <-w.tick:
		}
	}
}

// round probes every target of the group once (concurrently), advances each
// target's state machine and publishes the host counts.
func (h *healthChecker) round(ctx context.Context, w *hcWorker, tg elbv2.TargetGroupSnapshot) {
	hc := tg.HealthCheck
	timeout := h.scaled(hc.TimeoutSeconds, 5)
	type job struct {
		t  elbv2.TargetSnapshot
		st *hcTargetState
	}
	var jobs []job
	seen := map[hcTargetKey]bool{}
	for _, t := range tg.Targets {
		key := hcTargetKey{t.ID, t.Port}
		if isDraining(t.State) {
			// Draining targets are not checked; a re-registered one starts over.
			if w.states[key] != nil {
				delete(w.states, key)
				_ = h.dp.s.elbv2.SetCheckedHealth(tg.ARN, t.ID, t.Port, "", "", "")
			}
			continue
		}
		seen[key] = true
		st := w.states[key]
		if st == nil {
			st = &hcTargetState{state: "initial", reason: "Elb.InitialHealthChecking"}
			w.states[key] = st
		}
		jobs = append(jobs, job{t, st})
	}
	for k := range w.states {
		if !seen[k] {
			delete(w.states, k)
		}
	}
	results := make([]probeResult, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = h.probe(ctx, tg, j.t, timeout)
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return
	}
	healthyThreshold, unhealthyThreshold := hc.HealthyThreshold, hc.UnhealthyThreshold
	if healthyThreshold <= 0 {
		healthyThreshold = 5
	}
	if unhealthyThreshold <= 0 {
		unhealthyThreshold = 2
	}
	for i, j := range jobs {
		prev := j.st.state
		j.st.apply(results[i], healthyThreshold, unhealthyThreshold)
		if err := h.dp.s.elbv2.SetCheckedHealth(tg.ARN, j.t.ID, j.t.Port, j.st.state, j.st.reason, j.st.desc); err != nil {
			h.dp.logf("health of %s:%d in %s: %v", j.t.ID, j.t.Port, tg.Name, err)
		}
		if prev != j.st.state {
			h.dp.logf("target %s:%d in %s: %s → %s %s", j.t.ID, j.t.Port, tg.Name, prev, j.st.state, j.st.reason)
		}
	}
	after, ok := h.dp.s.elbv2.TargetGroup(tg.ARN)
	if !ok {
		return
	}
	healthy, unhealthy := 0, 0
	for _, t := range after.Targets {
		switch t.State {
		case "healthy":
			healthy++
		case "unhealthy":
			unhealthy++
		}
	}
	for _, lb := range after.LoadBalancerARNs {
		h.dp.metrics.hostCounts(lb, tg.ARN, healthy, unhealthy)
	}
}

// apply advances the state machine: initial or unhealthy → healthy after
// HealthyThreshold consecutive successes; initial or healthy → unhealthy
// after UnhealthyThreshold consecutive failures.
func (st *hcTargetState) apply(r probeResult, healthyThreshold, unhealthyThreshold int32) {
	if r.ok {
		st.successes++
		st.failures = 0
		if st.state != "healthy" && st.successes >= healthyThreshold {
			st.state, st.reason, st.desc = "healthy", "", ""
		}
		return
	}
	st.failures++
	st.successes = 0
	if st.state == "unhealthy" || st.failures >= unhealthyThreshold {
		st.state, st.reason, st.desc = "unhealthy", r.reason, r.desc
	}
}

// probe runs one health check against a target.
func (h *healthChecker) probe(ctx context.Context, tg elbv2.TargetGroupSnapshot, t elbv2.TargetSnapshot, timeout time.Duration) probeResult {
	fail := func(reason, desc string) probeResult { return probeResult{reason: reason, desc: desc} }
	ip := net.ParseIP(t.ID)
	if ip == nil || !ip.IsLoopback() {
		return fail("Target.FailedHealthChecks", "Health checks failed: the sandbox data plane reaches only loopback IP targets")
	}
	port := tg.HealthCheckPortFor(t)
	if port == 0 {
		port = tg.Port
	}
	scheme := "http"
	if tg.HealthCheck.Protocol == "HTTPS" {
		scheme = "https"
	}
	path := tg.HealthCheck.Path
	if path == "" {
		path = "/"
	}
	hostport := net.JoinHostPort(ip.String(), strconv.Itoa(int(port)))
	if h.dp.ownAddr(hostport) {
		return fail("Target.FailedHealthChecks", "Health checks failed: the target is the sandbox's own port "+hostport+" (a loop back into the load balancer)")
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if tg.HealthCheck.Protocol == "TCP" {
		return probeTCP(pctx, hostport) // dataplane_nlb.go
	}
	req, err := http.NewRequestWithContext(pctx, http.MethodGet, scheme+"://"+hostport+path, nil)
	if err != nil {
		return fail("Target.FailedHealthChecks", "Health checks failed: "+err.Error())
	}
	req.Header.Set("User-Agent", "ELB-HealthChecker/2.0")
	resp, err := h.client.Do(req)
	if err != nil {
		var ne net.Error
		if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
			return fail("Target.Timeout", "Request timed out")
		}
		return fail("Target.FailedHealthChecks", "Health checks failed")
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, hcMaxBody))
	_ = resp.Body.Close()
	if pctx.Err() != nil && ctx.Err() == nil {
		return fail("Target.Timeout", "Request timed out")
	}
	if !matchHTTPCode(tg.HealthCheck.HTTPCode, resp.StatusCode) {
		return fail("Target.ResponseCodeMismatch", fmt.Sprintf("Health checks failed with these codes: [%d]", resp.StatusCode))
	}
	return probeResult{ok: true}
}

// matchHTTPCode reports whether code satisfies a matcher such as "200",
// "200-299" or "200,202" ("" means "200").
func matchHTTPCode(matcher string, code int) bool {
	if strings.TrimSpace(matcher) == "" {
		matcher = "200"
	}
	for _, part := range strings.Split(matcher, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(strings.TrimSpace(lo))
		if err != nil {
			continue
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(strings.TrimSpace(hi)); err != nil {
				continue
			}
		}
		if code >= a && code <= b {
			return true
		}
	}
	return false
}
