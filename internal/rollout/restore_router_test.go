package rollout

import (
	"context"
	"testing"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// restoreRouter is a fakeRouter that writes restores through SetRestore.
type restoreRouter struct {
	*fakeRouter
	restores []traffic.Weights
}

func (r *restoreRouter) SetRestore(ctx context.Context, w traffic.Weights) error {
	r.restores = append(r.restores, w)
	return r.Set(ctx, w)
}

// TestRun_restoreGoesThroughRestoreRouter: a router that offers SetRestore
// gets the rollback's write there, and only that write; the steps use Set.
func TestRun_restoreGoesThroughRestoreRouter(t *testing.T) {
	clk := clock.NewAutoFake(epoch)
	router := &restoreRouter{fakeRouter: &fakeRouter{weights: allBlue}}
	check := &fakeCheck{name: "metrics.max_5xx_rate", clk: clk, verdicts: verdicts("pass", "fail")}
	cfg := baseConfig(t, mustPlan(t, Strategy{Type: StrategyCanary, Steps: []int{10, 50}, StepInterval: time.Minute}, 0), router, clk, check)
	out := Run(context.Background(), cfg)
	if out.Result != ResultRolledBack {
		t.Fatalf("want a rollback, got %s", out.Summary())
	}
	if len(router.restores) != 1 || router.restores[0] != allBlue {
		t.Fatalf("restores through SetRestore %v, want exactly the restore to %s", router.restores, allBlue)
	}
	if n := len(router.sets); n != 3 { // 90/10, 50/50, then the restore (SetRestore calls Set underneath)
		t.Fatalf("%d writes %v, want the two steps and the restore", n, router.sets)
	}
	if router.current() != allBlue || out.Final != allBlue {
		t.Fatalf("not restored: %v", router.current())
	}
}
