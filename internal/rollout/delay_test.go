package rollout

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// TestRun_initialDelay: a check with an initial delay is not evaluated
// before the receiving color's first traffic + delay; until then a pending
// result stands in for it (it neither trips nor proves anything), and a
// check without delay is evaluated as always.
func TestRun_initialDelay(t *testing.T) {
	canary := Strategy{Type: StrategyCanary, Steps: []int{10, 50}, StepInterval: 2 * time.Minute}
	tests := []struct {
		name     string
		start    traffic.Weights
		strategy Strategy
		bake     time.Duration
		delay    time.Duration
		want     []time.Duration // when the delayed check was evaluated
		length   time.Duration   // the run
	}{
		// First traffic at 0 (the 10 % write); evaluations every minute at
		// 1, 2 | 3, 4 | 5, 6, 7 (bake 3m): due from 3m.
		{"due mid-shift", allBlue, canary, 3 * time.Minute, 3 * time.Minute,
			[]time.Duration{3 * time.Minute, 4 * time.Minute, 5 * time.Minute, 6 * time.Minute, 7 * time.Minute}, 7 * time.Minute},
		// All at once, bake 1m, delay 5m: the bake lasts until the check is
		// due and judges once (evaluations at 1..5).
		{"bake extended until due", allBlue, Strategy{Type: StrategyAllAtOnce}, time.Minute, 5 * time.Minute,
			[]time.Duration{5 * time.Minute}, 5 * time.Minute},
		// Resuming from a parked 10 %: green had traffic before the run,
		// so the delay counts from the run's start; steps 50 and 100 run.
		{"color already had traffic", traffic.Weights{Blue: 90, Green: 10}, canary, 0, 3 * time.Minute,
			[]time.Duration{3 * time.Minute}, 3 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewAutoFake(epoch)
			delayed := &fakeCheck{name: "prometheus:errors", clk: clk}
			plain := &fakeCheck{name: "http:health", clk: clk}
			cfg := baseConfig(t, mustPlan(t, tt.strategy, tt.bake), &fakeRouter{weights: tt.start}, clk,
				WithInitialDelay(delayed, "prometheus:errors", tt.delay), plain)
			out := Run(context.Background(), cfg)
			if !out.Succeeded() {
				t.Fatal(out.Summary())
			}
			if got := delayed.times(); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("delayed check evaluated at %v, want %v", got, tt.want)
			}
			if out.Duration() != tt.length {
				t.Fatalf("run took %s, want %s", out.Duration(), tt.length)
			}
			// The plain check ran at every evaluation; the delayed one was
			// pending at each evaluation before it was due.
			evals := countEvents(out, EventEvaluation)
			if n := len(plain.times()); n != evals {
				t.Fatalf("plain check evaluated %d times in %d evaluations", n, evals)
			}
			pending := 0
			for _, e := range out.Timeline {
				for _, r := range e.Results {
					if r.Check == "prometheus:errors" && r.Verdict == checks.Pending {
						pending++
						if !strings.Contains(r.Detail, "initial_delay "+tt.delay.String()) {
							t.Fatalf("pending detail %q", r.Detail)
						}
					}
				}
			}
			if pending != evals-len(tt.want) {
				t.Fatalf("%d pending results, want %d", pending, evals-len(tt.want))
			}
		})
	}
}

// TestRun_initialDelayFailingCheckStillRollsBack: a check that fails from
// the start rolls back once it is due — not before, and not never.
func TestRun_initialDelayFailingCheckStillRollsBack(t *testing.T) {
	clk := clock.NewAutoFake(epoch)
	bad := &fakeCheck{name: "prometheus:errors", clk: clk, verdicts: verdicts("fail")}
	router := &fakeRouter{weights: allBlue}
	cfg := baseConfig(t, mustPlan(t, Strategy{Type: StrategyAllAtOnce}, 0), router, clk, WithInitialDelay(bad, "prometheus:errors", 4*time.Minute))
	out := Run(context.Background(), cfg)
	if out.Result != ResultRolledBack || router.current() != allBlue {
		t.Fatalf("outcome %s, weights %s", out.Summary(), router.current())
	}
	if got := bad.times(); !reflect.DeepEqual(got, []time.Duration{4 * time.Minute}) {
		t.Fatalf("evaluated at %v, want only once it was due (4m)", got)
	}
}
