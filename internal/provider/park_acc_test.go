package provider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

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
  strategy = {
    type          = "canary"
    steps         = [5, 10, 50]
    step_interval = "1m"
  }
  bake_time = "2m"
  rollback_on = {
    http = [{
      url = "%s/health"
    }]
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
			},
			{
				// What the rolled-back promotion left: the parked 90/10 (the
				// state it records is asserted by TestAccHostileS9's
				// rolledBackPromotionState, through show -json).
				RefreshState:       true,
				ExpectNonEmptyPlan: true, // the configuration still asks for 100 %
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

// A cancelled run (SIGINT, as HCP Terraform's cancel sends) during a parked
// shift's bake: with on_interrupt = "rollback" the weights go back to where
// the apply started and state says rolled_back with the prior intent; with
// "hold" the parked share stays and the next apply has nothing to move.
func TestAccSwitchPark_cancelDuringParkedBake(t *testing.T) {
	for _, mode := range []string{"rollback", "hold"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			env := newTestSandbox(t, withRealClock()) // the CLI's provider runs on the real clock
			a := switchALB(t, env, "park-int-"+mode)
			r := newCLIRun(t, env, a, mode)
			r.applyBlue()
			writeFile(t, filepath.Join(r.work, "main.tf"), `terraform {
  required_providers {
    bluegreen = { source = "bluegreen-tf/bluegreen" }
  }
}
variable "color" { type = string }
`+strings.Replace(switchConfig(a, "COLOR", fmt.Sprintf(`
  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "1s"
  }
  traffic_percent = 10
  bake_time       = "1m"
  on_interrupt    = %q`, mode)), `"COLOR"`, "var.color", 1))
			cmd := r.cmd("apply", "-auto-approve", "-no-color", "-var", "color=green")
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			parked := false
			for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline) && !parked; {
				if b, g := listenerWeights(t, env, a); b == 90 && g == 10 {
					parked = true
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if !parked {
				_ = cmd.Process.Kill()
				t.Fatalf("the shift never parked at 90/10:\n%s", out.String())
			}
			_ = syscall.Kill(cmd.Process.Pid, syscall.SIGINT)
			if err := cmd.Wait(); err == nil {
				t.Fatalf("a cancelled apply must fail:\n%s", out.String())
			}
			st := r.switchState()
			if mode == "rollback" {
				if b, g := listenerWeights(t, env, a); b != 100 || g != 0 {
					t.Fatalf("rollback: listener %d/%d, want 100/0\n%s", b, g, out.String())
				}
				expectNumber(t, st, "blue_weight", 100)
				if st["status"] != "rolled_back" || st["active_color"] != "blue" {
					t.Fatalf("rollback: state status=%v active=%v, want rolled_back on blue", st["status"], st["active_color"])
				}
				return
			}
			if b, g := listenerWeights(t, env, a); b != 90 || g != 10 {
				t.Fatalf("hold: listener %d/%d, want 90/10 kept\n%s", b, g, out.String())
			}
			expectNumber(t, st, "green_weight", 10)
			if st["status"] != "held" {
				t.Fatalf("hold: state status=%v, want held", st["status"])
			}
			if o, err := r.cmd("plan", "-detailed-exitcode", "-no-color", "-var", "color=green").CombinedOutput(); exitCode(err) != 2 || !strings.Contains(string(o), `"held" -> "partial"`) {
				t.Fatalf("hold: the next plan should only acknowledge the parked share (status held -> partial), exit %d:\n%s", exitCode(err), o)
			}
		})
	}
}
