package rollout

import (
	"context"
	"fmt"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
)

// DelayedCheck is a Check that must not judge the receiving color before
// InitialDelay has passed since that color's first traffic in the run
// (Argo Rollouts' initialDelay): e.g. a query over rate(…[5m]) needs five
// minutes of the new color's data. A check may implement it itself; the
// engine asks with a type assertion.
type DelayedCheck interface {
	Check
	InitialDelay() time.Duration
}

// WithInitialDelay gives c an initial delay. id names its results while it
// waits (the check's own result name, e.g. "http:health").
func WithInitialDelay(c Check, id string, d time.Duration) Check {
	return &delayedCheck{Check: c, id: id, delay: d}
}

type delayedCheck struct {
	Check
	id    string
	delay time.Duration
}

func (d *delayedCheck) InitialDelay() time.Duration { return d.delay }

// resultID names the pending result of a delayed check.
func (d *delayedCheck) resultID() string { return d.id }

func (d *delayedCheck) Evaluate(ctx context.Context) []checks.Result { return d.Check.Evaluate(ctx) }

// initialDelayOf is c's initial delay, 0 when it has none.
func initialDelayOf(c Check) time.Duration {
	if d, ok := c.(DelayedCheck); ok {
		return max(d.InitialDelay(), 0)
	}
	return 0
}

// maxInitialDelay is the longest initial delay of cs.
func maxInitialDelay(cs []Check) time.Duration {
	var m time.Duration
	for _, c := range cs {
		m = max(m, initialDelayOf(c))
	}
	return m
}

// pendingResult is what a check still in its initial delay shows: pending,
// which never counts toward a failure nor proves health.
func pendingResult(c Check, from, at time.Time) checks.Result {
	name := c.Name()
	if n, ok := c.(interface{ resultID() string }); ok && n.resultID() != "" {
		name = n.resultID()
	}
	return checks.Result{Check: name, Verdict: checks.Pending, At: at,
		Detail: fmt.Sprintf("initial_delay %s: judges from %s, %s after the first traffic", initialDelayOf(c), from.UTC().Format(time.RFC3339), initialDelayOf(c))}
}

// evaluateHold runs one round of the rollback checks during a hold: a check
// still within its initial delay since the receiving color's first traffic
// is not evaluated; a pending result stands in for it, after the results of
// the checks that were.
func (r *runner) evaluateHold(ctx context.Context) []checks.Result {
	now := r.clk.Now()
	due := make([]Check, 0, len(r.cfg.Checks))
	var waiting []checks.Result
	for _, c := range r.cfg.Checks {
		if d := initialDelayOf(c); d > 0 && now.Before(r.firstTraffic.Add(d)) {
			waiting = append(waiting, pendingResult(c, r.firstTraffic.Add(d), now))
			continue
		}
		due = append(due, c)
	}
	var out []checks.Result
	if len(due) > 0 {
		out = r.evaluate(ctx, due)
	}
	return append(out, waiting...)
}

// holdLength is how long step is held: its Hold, and for the final step at
// least until every check with an initial delay is due (so that none ends
// the shift without having judged the color once).
func (r *runner) holdLength(step Step, start time.Time) time.Duration {
	hold := step.Hold
	if !step.Final {
		return hold
	}
	if d := maxInitialDelay(r.cfg.Checks); d > 0 {
		hold = max(hold, r.firstTraffic.Add(d).Sub(start))
	}
	return hold
}
