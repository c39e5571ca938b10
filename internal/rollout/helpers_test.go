package rollout

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fakeRouter keeps weights in memory. Failures are scripted per call number
// (1-based) of each operation; hooks let tests play another writer.
type fakeRouter struct {
	mu      sync.Mutex
	weights traffic.Weights
	ops     []string // "read" / "set blue=.. green=.."
	sets    []traffic.Weights
	reads   int

	setErr  map[int]error // by Set call number
	readErr map[int]error // by Read call number
	// ignoreWrites makes Set succeed without changing anything.
	ignoreWrites bool
	// afterSet runs after each successful Set (call number, weights written).
	afterSet func(n int, w traffic.Weights)
	// afterRead may replace what Read returns (call number, stored weights).
	onRead func(n int, w traffic.Weights) traffic.Weights
	// setCtxErrs records ctx.Err() seen by each Set.
	setCtxErrs []error
}

func (f *fakeRouter) Read(ctx context.Context) (traffic.Weights, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	f.ops = append(f.ops, "read")
	if err := f.readErr[f.reads]; err != nil {
		return traffic.Weights{}, err
	}
	if err := ctx.Err(); err != nil {
		return traffic.Weights{}, err
	}
	w := f.weights
	if f.onRead != nil {
		w = f.onRead(f.reads, w)
	}
	return w, nil
}

func (f *fakeRouter) Set(ctx context.Context, w traffic.Weights) error {
	f.mu.Lock()
	f.sets = append(f.sets, w)
	n := len(f.sets)
	f.ops = append(f.ops, "set "+w.String())
	f.setCtxErrs = append(f.setCtxErrs, ctx.Err())
	if err := f.setErr[n]; err != nil {
		f.mu.Unlock()
		return err
	}
	if err := ctx.Err(); err != nil {
		f.mu.Unlock()
		return err
	}
	if !f.ignoreWrites {
		f.weights = w
	}
	hook := f.afterSet
	f.mu.Unlock()
	if hook != nil {
		hook(n, w)
	}
	return nil
}

func (f *fakeRouter) current() traffic.Weights {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.weights
}

// fakeCheck returns a scripted verdict per evaluation (the last one repeats)
// and records when it was evaluated.
type fakeCheck struct {
	name     string
	verdicts []checks.Verdict
	clk      Clock
	// onEvaluate runs before answering (evaluation number, 1-based).
	onEvaluate func(n int)

	mu  sync.Mutex
	n   int
	ats []time.Time
}

func (c *fakeCheck) Name() string { return c.name }

func (c *fakeCheck) Evaluate(ctx context.Context) []checks.Result {
	c.mu.Lock()
	c.n++
	n := c.n
	now := c.clk.Now()
	c.ats = append(c.ats, now)
	c.mu.Unlock()
	if c.onEvaluate != nil {
		c.onEvaluate(n)
	}
	v := checks.Pass
	if len(c.verdicts) > 0 {
		v = c.verdicts[min(n, len(c.verdicts))-1]
	}
	r := checks.Result{Check: c.name, Verdict: v, At: now, Threshold: "<= 0.05", Value: 0.01, HasValue: true,
		Detail: fmt.Sprintf("evaluation %d: %s", n, v)}
	if v == checks.Fail {
		r.Value = 0.12
		r.Detail = "measured 0.12 > 0.05"
	}
	return []checks.Result{r}
}

func (c *fakeCheck) times() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]time.Duration, len(c.ats))
	for i, at := range c.ats {
		out[i] = at.Sub(epoch)
	}
	return out
}

func healthy(clk Clock) *fakeCheck {
	return &fakeCheck{name: "target_health", clk: clk}
}

func mustPlan(t testing.TB, s Strategy, bake time.Duration) ShiftPlan {
	t.Helper()
	p, err := PlanShift(s, Blue, Green, bake)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// baseConfig: blue→green with a healthy pre-flight and an auto fake clock.
func baseConfig(t testing.TB, plan ShiftPlan, router Router, clk *clock.Fake, cs ...Check) RunConfig {
	t.Helper()
	return RunConfig{
		Router:             router,
		Plan:               plan,
		Preflight:          []Check{healthy(clk)},
		Checks:             cs,
		EvaluationInterval: time.Minute,
		FailureThreshold:   1,
		Clock:              clk,
	}
}

func verdicts(vs ...string) []checks.Verdict {
	out := make([]checks.Verdict, len(vs))
	for i, v := range vs {
		out[i] = checks.Verdict(v)
	}
	return out
}

var errThrottled = errors.New("api error Throttling: Rate exceeded")

func eventTypes(o Outcome) []EventType {
	out := make([]EventType, len(o.Timeline))
	for i, e := range o.Timeline {
		out[i] = e.Type
	}
	return out
}

func countEvents(o Outcome, typ EventType) int {
	n := 0
	for _, e := range o.Timeline {
		if e.Type == typ {
			n++
		}
	}
	return n
}
