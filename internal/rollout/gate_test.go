package rollout

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
)

// scriptedCheck returns the verdicts in order, then repeats the last one.
type scriptedCheck struct {
	verdicts []checks.Verdict
	n        int
}

func (c *scriptedCheck) Name() string { return "scripted" }
func (c *scriptedCheck) Evaluate(context.Context) []checks.Result {
	v := c.verdicts[min(c.n, len(c.verdicts)-1)]
	c.n++
	return []checks.Result{{Check: "scripted", Verdict: v}}
}

func TestWaitForGate(t *testing.T) {
	P, F, I := checks.Pass, checks.Fail, checks.Inconclusive
	cases := []struct {
		name         string
		verdicts     []checks.Verdict
		consecutive  int
		timeout      time.Duration
		wantPassed   bool
		wantAttempts int
	}{
		{"passes at once", []checks.Verdict{P}, 1, time.Minute, true, 1},
		{"needs three in a row", []checks.Verdict{P, F, P, P, P}, 3, time.Minute, true, 5},
		{"inconclusive resets the streak", []checks.Verdict{P, I, P, P}, 2, time.Minute, true, 4},
		{"times out failing", []checks.Verdict{F}, 1, 35 * time.Second, false, 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clk := clock.NewAutoFake(time.Unix(0, 0))
			ctx, cancel := clock.WithTimeout(context.Background(), clk, tc.timeout)
			defer cancel()
			out := WaitForGate(ctx, GateConfig{
				Checks: []Check{&scriptedCheck{verdicts: tc.verdicts}}, Interval: 10 * time.Second,
				ConsecutiveSuccesses: tc.consecutive, Clock: clk,
			})
			if out.Passed != tc.wantPassed || out.Attempts != tc.wantAttempts {
				t.Fatalf("passed=%v attempts=%d err=%v; want passed=%v attempts=%d", out.Passed, out.Attempts, out.Err, tc.wantPassed, tc.wantAttempts)
			}
			if !tc.wantPassed && (out.Err == nil || !strings.Contains(out.Err.Error(), "timed out")) {
				t.Fatalf("err = %v, want a timeout", out.Err)
			}
			if len(out.LastResults) != 1 {
				t.Fatalf("last results %v", out.LastResults)
			}
		})
	}
}

func TestWaitForGate_noChecks(t *testing.T) {
	if out := WaitForGate(context.Background(), GateConfig{}); out.Passed || out.Err == nil {
		t.Fatalf("a gate without checks must not pass: %+v", out)
	}
}

// A silent check must hold a gate shut even next to a passing one: a round is
// Evaluate, the engine's own evaluation, which turns "no results" into Error.
func TestWaitForGate_silentCheckNeverPasses(t *testing.T) {
	clk := clock.NewAutoFake(time.Unix(0, 0))
	ctx, cancel := clock.WithTimeout(context.Background(), clk, 25*time.Second)
	defer cancel()
	silent := checkFunc{name: "silent", fn: func() []checks.Result { return nil }}
	out := WaitForGate(ctx, GateConfig{
		Checks: []Check{&scriptedCheck{verdicts: []checks.Verdict{checks.Pass}}, silent}, Interval: 10 * time.Second, Clock: clk,
	})
	if out.Passed {
		t.Fatalf("the gate passed with a check that returned no results: %+v", out)
	}
	if len(out.LastResults) != 2 || out.LastResults[1].Check != "silent" || out.LastResults[1].Verdict != checks.Error {
		t.Fatalf("last results %v, want the silent check as an error", out.LastResults)
	}
}
