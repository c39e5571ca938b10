package zerodowntime

import (
	"context"
	"testing"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
)

// TestZeroDowntime is the short version of the zero-downtime scenario: 4
// flips through the real engine while ~5 000 requests go through the
// sandbox's data plane. Every request must succeed. It asserts correctness
// only, never latencies (the machine may be busy).
func TestZeroDowntime(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a sandbox with a data plane and sends 5 000 requests")
	}
	for _, tc := range []struct {
		name     string
		strategy rollout.Strategy
		requests int
		rate     float64 // paced so that the canary holds overlap the load
	}{
		{"all_at_once", rollout.Strategy{Type: rollout.StrategyAllAtOnce}, 5000, 0},
		{"canary", rollout.Strategy{Type: rollout.StrategyCanary, Steps: []int{10, 50}, StepInterval: 50 * time.Millisecond}, 3000, 2500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			env, err := NewEnv(ctx, EnvOptions{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(env.Close)
			res, err := Run(ctx, env, Config{Flips: 4, Requests: tc.requests, Concurrency: 4, Rate: tc.rate, Strategy: tc.strategy, Timeout: 2 * time.Minute})
			t.Log(res)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Flips) != 4 {
				t.Fatalf("%d flips, want 4", len(res.Flips))
			}
			if res.Report.Requests != tc.requests {
				t.Fatalf("%d requests sent, want %d", res.Report.Requests, tc.requests)
			}
			if res.Report.Failures != 0 {
				t.Fatalf("%d failed requests (by status %v; errors %v), want 0", res.Report.Failures, res.Report.ByStatus, res.Report.Errors)
			}
			if res.During.Requests == 0 || res.After.Requests == 0 {
				t.Fatalf("%d requests during the flips, %d after: the load should cover them all", res.During.Requests, res.After.Requests)
			}
			if res.ServedBy[rollout.Blue] == 0 || res.ServedBy[rollout.Green] == 0 {
				t.Fatalf("served by %v: both colors should have answered", res.ServedBy)
			}
		})
	}
}
