package provider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
)

// writtenSplits lists the blue/green weights every ModifyListener call on
// listener wrote, in order ("90/10"), from the sandbox's call log.
func writtenSplits(env *testEnv, listener, blue, green string) []string {
	var out []string
	for _, c := range env.Sandbox.Calls(sandbox.CallFilter{Service: "elbv2", Operation: "ModifyListener"}) {
		if c.Params["ListenerArn"] != listener || c.Status != http.StatusOK {
			continue
		}
		w := map[string]string{}
		for k, v := range c.Params {
			if strings.HasSuffix(k, ".TargetGroupArn") {
				w[v] = c.Params[strings.TrimSuffix(k, "TargetGroupArn")+"Weight"]
			}
		}
		out = append(out, w[blue]+"/"+w[green])
	}
	return out
}

func expectWrites(env *testEnv, a regressionALB, want ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if got := writtenSplits(env, a.ListenerARN, a.BlueARN, a.GreenARN); !slices.Equal(got, want) {
			return fmt.Errorf("the listener was written %v, want %v", got, want)
		}
		return nil
	}
}

// Park at 10 % with every check, promote from 10 % (no step at or below 10 %
// is written again), then move back to 10 % with the other color receiving
// — each apply checked, the state saying partial while parked. A check that
// fails while parked at a share rolls back to where the apply started.
func TestAccSwitchPark_parkPromoteAndMoveBack(t *testing.T) {
	env := newTestSandbox(t)
	a := newRegressionALB(t, env, "park")
	var failing atomic.Bool
	var checked atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		checked.Add(1)
		if failing.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "ok")
	}))
	t.Cleanup(srv.Close)
	cfg := func(color string, share int) string {
		extra := fmt.Sprintf(`
  strategy {
    type          = "canary"
    steps         = [5, 10, 50]
    step_interval = "1m"
  }
  bake_time = "2m"
  rollback_on {
    http {
      url = "%s/health"
    }
    evaluation_interval = "30s"
    failure_threshold   = 1
  }`, srv.URL)
		if share > 0 {
			extra += fmt.Sprintf("\n  traffic_percent = %d", share)
		}
		return regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, color, extra)
	}
	reset := func() { env.Sandbox.ResetCalls(); checked.Store(0) }
	checkedDuring := func(*terraform.State) error {
		if checked.Load() == 0 {
			return fmt.Errorf("no http check was evaluated during the shift")
		}
		return nil
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: cfg("blue", 0)},
			{
				PreConfig: reset,
				Config:    cfg("green", 10),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(switchRes, tfjsonpath.New("planned_steps"), knownvalue.ListSizeExact(2)),
					plancheck.ExpectKnownValue(switchRes, tfjsonpath.New("green_weight"), knownvalue.Int64Exact(10)),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					expectSwitchAttrs(map[string]string{"status": "partial", "active_color": "green", "traffic_percent": "10",
						"blue_weight": "90", "green_weight": "10", "last_shift.result": "succeeded"}),
					expectWrites(env, a, "95/5", "90/10"), checkedDuring,
				),
			},
			{Config: cfg("green", 10), PlanOnly: true}, // parked: nothing more to do
			{
				PreConfig: reset,
				Config:    cfg("green", 100),
				Check: resource.ComposeAggregateTestCheckFunc(
					expectSwitchAttrs(map[string]string{"status": "stable", "blue_weight": "0", "green_weight": "100"}),
					expectWrites(env, a, "50/50", "0/100"), checkedDuring,
				),
			},
			{
				PreConfig: reset,
				Config:    cfg("green", 10),
				Check: resource.ComposeAggregateTestCheckFunc(
					expectSwitchAttrs(map[string]string{"status": "partial", "active_color": "green", "blue_weight": "90", "green_weight": "10"}),
					expectWrites(env, a, "5/95", "10/90", "50/50", "90/10"), checkedDuring,
				),
			},
			{
				// Promoting while the check fails: rolled back to the parked
				// 10 %, and state keeps the parked intent.
				PreConfig:   func() { reset(); failing.Store(true) },
				Config:      cfg("green", 100),
				ExpectError: regexp.MustCompile(`Shift rolled back`),
				Check: resource.ComposeAggregateTestCheckFunc(
					expectSwitchAttrs(map[string]string{"status": "rolled_back", "active_color": "green", "traffic_percent": "10",
						"blue_weight": "90", "green_weight": "10"}),
					expectForward(env, a.ListenerARN, map[string]int32{a.BlueARN: 90, a.GreenARN: 10}),
				),
			},
			{
				// Asking for what the rollback left acknowledges it: partial,
				// with nothing written.
				PreConfig: func() { reset(); failing.Store(false) },
				Config:    cfg("green", 10),
				Check: resource.ComposeAggregateTestCheckFunc(
					expectSwitchAttrs(map[string]string{"status": "partial", "blue_weight": "90", "green_weight": "10"}),
					expectWrites(env, a),
				),
			},
		},
	})
}
