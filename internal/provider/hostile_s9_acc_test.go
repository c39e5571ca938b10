package provider

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/notify"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/testenv"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// Hostile pass (session 9) on park and promote. These tests drive the CLI
// (cliRun) because a TestStep's Check never runs when the step expects an
// error: state saved by a failed apply can only be read with `show -json`.

// parkCLI is a cliRun whose configuration takes the color and the share as
// variables.
func parkCLI(t *testing.T, env *testEnv, a testALB, extra string) *cliRun {
	t.Helper()
	r := newCLIRun(t, env, a, "rollback")
	writeFile(t, filepath.Join(r.work, "main.tf"), `terraform {
  required_providers {
    bluegreen = { source = "bluegreen-tf/bluegreen" }
  }
}
variable "color" { type = string }
variable "share" { type = number }
`+strings.Replace(switchConfig(a, "COLOR", extra+"\n  traffic_percent = var.share"), `"COLOR"`, "var.color", 1))
	return r
}

func (r *cliRun) applyShare(color string, share int) (string, error) {
	out, err := r.cmd("apply", "-auto-approve", "-no-color", "-var", "color="+color, "-var", fmt.Sprint("share=", share)).CombinedOutput()
	return string(out), err
}

// A promotion from a parked share that the pre-flight check refuses writes
// nothing: traffic stays exactly at the parked share, which the intent state
// keeps (green, 10 %) calls partial. The saved state must say partial — not
// "drifted", which claims someone else changed the weights.
func TestAccHostileS9_preflightRefusalWhileParkedKeepsPartial(t *testing.T) {
	t.Parallel()
	env := newTestSandbox(t, withRealClock())
	a := switchALB(t, env, "hs9-pf")
	r := parkCLI(t, env, a, `
  strategy = {
    type          = "canary"
    steps         = [5, 10, 50]
    step_interval = "1s"
  }`)
	if out, err := r.applyShare("blue", 100); err != nil {
		t.Fatalf("apply blue: %v\n%s", err, out)
	}
	if out, err := r.applyShare("green", 10); err != nil {
		t.Fatalf("park green 10: %v\n%s", err, out)
	}
	if err := env.Sandbox.SetTargetHealth(a.GreenARN, "10.0.0.2", 0, "unhealthy", "Target.FailedHealthChecks", "down"); err != nil {
		t.Fatal(err)
	}
	out, err := r.applyShare("green", 100)
	if err == nil || !strings.Contains(out, "Pre-flight check refused the shift") {
		t.Fatalf("promotion with green unhealthy should be refused by the pre-flight:\n%s", out)
	}
	if b, g := listenerWeights(t, env, a); b != 90 || g != 10 {
		t.Fatalf("listener %d/%d, want the parked 90/10 untouched", b, g)
	}
	st := r.switchState()
	expectNumber(t, st, "green_weight", 10)
	expectNumber(t, st, "traffic_percent", 10)
	if st["active_color"] != "green" || st["status"] != "partial" {
		t.Fatalf("state active_color=%v status=%v after a refused promotion from a parked 10 %%, want green/partial", st["active_color"], st["status"])
	}
}

// Park, then: change only the strategy and bake (nothing written), hand the
// share to the other color (an orderly move: the other color receives),
// park at 99 % and 1 %, and park with all_at_once and with a linear step that
// overshoots the share. Each plan's planned_steps and weights are what the
// apply writes, and state is the real weights.
func TestAccHostileS9_parkVariants(t *testing.T) {
	env := newTestSandbox(t)
	a := newRegressionALB(t, env, "hs9-var")
	canary := `
  strategy = {
    type          = "canary"
    steps         = [5, 10, 50]
    step_interval = "1m"
  }`
	linear := `
  strategy = {
    type          = "linear"
    step_percent  = 30
    step_interval = "1m"
  }
  bake_time = "3m"`
	allAtOnce := `
  strategy = {
    type = "all_at_once"
  }`
	cfg := func(color string, share int, strategy string) string {
		return regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, color, strategy+fmt.Sprintf("\n  traffic_percent = %d", share))
	}
	reset := func() { env.Sandbox.ResetCalls() }
	steps := func(n int) plancheck.PlanCheck {
		return plancheck.ExpectKnownValue(switchRes, tfjsonpath.New("planned_steps"), knownvalue.ListSizeExact(n))
	}
	weights := func(b, g int64) []plancheck.PlanCheck {
		return []plancheck.PlanCheck{
			plancheck.ExpectKnownValue(switchRes, tfjsonpath.New("blue_weight"), knownvalue.Int64Exact(b)),
			plancheck.ExpectKnownValue(switchRes, tfjsonpath.New("green_weight"), knownvalue.Int64Exact(g)),
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, "blue", canary)},
			{PreConfig: reset, Config: cfg("green", 10, canary), Check: expectWrites(env, a, "95/5", "90/10")},
			{
				// Another strategy and bake while parked: nothing to move.
				PreConfig: reset, Config: cfg("green", 10, linear),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: append(weights(90, 10),
					plancheck.ExpectKnownValue(switchRes, tfjsonpath.New("status"), knownvalue.StringExact("partial")))},
				Check: resource.ComposeAggregateTestCheckFunc(expectWrites(env, a),
					expectSwitchAttrs(map[string]string{"status": "partial", "blue_weight": "90", "green_weight": "10"})),
			},
			{
				// The share goes to blue: green receives 30, 60, 90 (linear).
				PreConfig: reset, Config: cfg("blue", 10, linear),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: append(weights(10, 90), steps(3))},
				Check: resource.ComposeAggregateTestCheckFunc(expectWrites(env, a, "70/30", "40/60", "10/90"),
					expectSwitchAttrs(map[string]string{"status": "partial", "active_color": "blue", "blue_weight": "10", "green_weight": "90"})),
			},
			{
				PreConfig: reset, Config: cfg("green", 99, canary),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: append(weights(1, 99), steps(1))},
				Check: resource.ComposeAggregateTestCheckFunc(expectWrites(env, a, "1/99"),
					expectSwitchAttrs(map[string]string{"status": "partial", "active_color": "green", "blue_weight": "1", "green_weight": "99"})),
			},
			{
				// Back to 1 %: blue receives 5, 10, 50, 99.
				PreConfig: reset, Config: cfg("green", 1, canary),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: append(weights(99, 1), steps(4))},
				Check: resource.ComposeAggregateTestCheckFunc(expectWrites(env, a, "5/95", "10/90", "50/50", "99/1"),
					expectSwitchAttrs(map[string]string{"status": "partial", "blue_weight": "99", "green_weight": "1"})),
			},
			{
				PreConfig: reset, Config: cfg("green", 40, allAtOnce),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: append(weights(60, 40), steps(1))},
				Check: resource.ComposeAggregateTestCheckFunc(expectWrites(env, a, "60/40"),
					expectSwitchAttrs(map[string]string{"status": "partial", "blue_weight": "60", "green_weight": "40"})),
			},
			{
				// A linear step (30) past nothing, then 60 overshoots 50: 50 is the last.
				PreConfig: reset, Config: cfg("green", 50, linear),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: append(weights(50, 50), steps(1))},
				Check:            expectWrites(env, a, "50/50"),
			},
			{Config: cfg("green", 50, linear), PlanOnly: true},
			{
				PreConfig: reset, Config: regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, "green", linear),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: append(weights(0, 100), steps(3))},
				Check: resource.ComposeAggregateTestCheckFunc(expectWrites(env, a, "40/60", "10/90", "0/100"),
					expectSwitchAttrs(map[string]string{"status": "stable", "blue_weight": "0", "green_weight": "100"})),
			},
		},
	})
}

// state rm + import while parked at green 10 %: the import adopts what the
// listener does; the next plan with the parked configuration writes nothing
// and the apply after it records partial on green.
func TestAccHostileS9_importWhileParked(t *testing.T) {
	t.Parallel()
	env := newTestSandbox(t, withRealClock())
	a := switchALB(t, env, "hs9-imp")
	r := parkCLI(t, env, a, `
  strategy = {
    type          = "canary"
    steps         = [5, 10, 50]
    step_interval = "1s"
  }`)
	if out, err := r.applyShare("blue", 100); err != nil {
		t.Fatalf("apply blue: %v\n%s", err, out)
	}
	if out, err := r.applyShare("green", 10); err != nil {
		t.Fatalf("park green 10: %v\n%s", err, out)
	}
	if out, err := r.cmd("state", "rm", switchRes).CombinedOutput(); err != nil {
		t.Fatalf("state rm: %v\n%s", err, out)
	}
	id := fmt.Sprintf("%s,%s,%s", a.ListenerARN, a.BlueARN, a.GreenARN)
	if out, err := r.cmd("import", "-no-color", "-var", "color=green", "-var", "share=10", switchRes, id).CombinedOutput(); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	st := r.switchState()
	t.Logf("imported: active_color=%v status=%v traffic_percent=%v weights %v/%v", st["active_color"], st["status"], st["traffic_percent"], st["blue_weight"], st["green_weight"])
	expectNumber(t, st, "green_weight", 10)
	env.Sandbox.ResetCalls()
	// The plan shows active_color blue -> green and status drifted -> partial:
	// the import cannot know the configured share, so it adopts the color
	// with more traffic.
	out, err := r.cmd("plan", "-no-color", "-var", "color=green", "-var", "share=10").CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"drifted" -> "partial"`) {
		t.Fatalf("plan: %v\n%s", err, out)
	}
	if o, err := r.applyShare("green", 10); err != nil {
		t.Fatalf("apply after import: %v\n%s", err, o)
	}
	if got := writtenSplits(env, a.ListenerARN, a.BlueARN, a.GreenARN); len(got) != 0 {
		t.Fatalf("the apply after import wrote %v; the parked share was already there", got)
	}
	st = r.switchState()
	if st["active_color"] != "green" || st["status"] != "partial" {
		t.Fatalf("after import and apply: active_color=%v status=%v, want green/partial", st["active_color"], st["status"])
	}
	if o, err := r.cmd("plan", "-detailed-exitcode", "-no-color", "-var", "color=green", "-var", "share=10").CombinedOutput(); exitCode(err) != 0 {
		t.Fatalf("the plan after that should be empty (exit %d):\n%s", exitCode(err), o)
	}
}

// The park test's rolled-back promotion has its Check on an ExpectError step,
// which terraform-plugin-testing never runs: here the saved state is read.
func TestAccHostileS9_rolledBackPromotionState(t *testing.T) {
	t.Parallel()
	env := newTestSandbox(t, withRealClock())
	a := switchALB(t, env, "hs9-rb")
	var failing atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "ok")
	}))
	t.Cleanup(srv.Close)
	r := parkCLI(t, env, a, fmt.Sprintf(`
  strategy = {
    type          = "canary"
    steps         = [5, 10, 50]
    step_interval = "1s"
  }
  rollback_on = {
    http = [{
      url = "%s/health"
    }]
    evaluation_interval = "1s"
    failure_threshold   = 1
  }`, srv.URL))
	if out, err := r.applyShare("blue", 100); err != nil {
		t.Fatalf("apply blue: %v\n%s", err, out)
	}
	if out, err := r.applyShare("green", 10); err != nil {
		t.Fatalf("park green 10: %v\n%s", err, out)
	}
	failing.Store(true)
	out, err := r.applyShare("green", 100)
	if err == nil || !strings.Contains(out, "Shift rolled back") {
		t.Fatalf("promotion with a failing check should roll back:\n%s", out)
	}
	if b, g := listenerWeights(t, env, a); b != 90 || g != 10 {
		t.Fatalf("listener %d/%d, want the parked 90/10 restored", b, g)
	}
	st := r.switchState()
	expectNumber(t, st, "green_weight", 10)
	expectNumber(t, st, "traffic_percent", 10)
	if st["active_color"] != "green" || st["status"] != "rolled_back" {
		t.Fatalf("state active_color=%v status=%v, want green/rolled_back", st["active_color"], st["status"])
	}
	failing.Store(false)
	if o, err := r.cmd("plan", "-detailed-exitcode", "-no-color", "-var", "color=green", "-var", "share=10").CombinedOutput(); exitCode(err) != 2 ||
		!strings.Contains(string(o), `"rolled_back" -> "partial"`) {
		t.Fatalf("asking for the parked share again should only acknowledge it (exit %d):\n%s", exitCode(err), o)
	}
}

// Park and promote on Nginx (no test parked an Nginx switch): the file and
// the real traffic split follow the share; promote and move back.
func TestAccHostileS9_nginxPark(t *testing.T) {
	e := startNginxEnv(t)
	w := func(b, g int32) resource.TestCheckFunc {
		return func(*terraform.State) error {
			got, _, err := e.fileWeights()
			if err != nil {
				return err
			}
			if got != (traffic.Weights{Blue: b, Green: g}) {
				return fmt.Errorf("file weights %s, want blue=%d green=%d", got, b, g)
			}
			return nil
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccFakeClockFactories,
		Steps: []resource.TestStep{
			{Config: e.config("blue", nginxCanary)},
			{
				Config: e.config("green", nginxCanary+"\n  traffic_percent = 10"),
				Check: resource.ComposeAggregateTestCheckFunc(w(90, 10), e.expectTraffic(traffic.Weights{Blue: 90, Green: 10}),
					resource.TestCheckResourceAttr(nginxRes, "status", "partial")),
			},
			{Config: e.config("green", nginxCanary+"\n  traffic_percent = 10"), PlanOnly: true},
			{
				Config: e.config("green", nginxCanary+"\n  traffic_percent = 99"),
				Check: resource.ComposeAggregateTestCheckFunc(w(1, 99), e.expectTraffic(traffic.Weights{Blue: 1, Green: 99}),
					resource.TestCheckResourceAttr(nginxRes, "status", "partial")),
			},
			{
				Config: e.config("green", nginxCanary),
				Check: resource.ComposeAggregateTestCheckFunc(w(0, 100), e.expectTraffic(traffic.Weights{Green: 100}),
					resource.TestCheckResourceAttr(nginxRes, "status", "stable")),
			},
		},
	})
}

// Creating an Nginx switch whose file does not exist yet with
// traffic_percent = 10 on green: the first write must not send all traffic
// to green (the color that should get only 10 %) and then move blue up
// through 10, 50, 90 — it puts blue first, then green gets its 10 % as a
// checked step.
func TestAccHostileS9_nginxCreateParked(t *testing.T) {
	e := startNginxEnv(t)
	if err := os.Remove(e.ngx.IncludeFile); err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccFakeClockFactories,
		Steps: []resource.TestStep{
			{
				Config: e.config("green", nginxCanary+"\n  traffic_percent = 10"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(nginxRes, tfjsonpath.New("green_weight"), knownvalue.Int64Exact(10)),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(nginxRes, "green_weight", "10"),
					resource.TestCheckResourceAttr(nginxRes, "status", "partial"),
					resource.TestCheckResourceAttr(nginxRes, "last_shift.result", "succeeded"),
					resource.TestCheckResourceAttr(nginxRes, "last_shift.from", "blue"),
					resource.TestCheckResourceAttr(nginxRes, "last_shift.steps.#", "1"),
					resource.TestCheckResourceAttr(nginxRes, "last_shift.steps.0.green_weight", "10"),
					e.expectTraffic(traffic.Weights{Blue: 90, Green: 10})),
			},
		},
	})
}

// DNS: a create with no record sets and traffic_percent = 10 on green
// creates them all on blue, then green gets 5 and 10 as checked steps; then
// park-and-promote continues from there.
func TestAccHostileS9_dnsCreateParkedAndPromote(t *testing.T) {
	e := newDNSEnv(t)
	strategy := `
  strategy = {
    type          = "canary"
    steps         = [5, 10, 50]
    step_interval = "1m"
  }`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() { e.Sandbox.ResetCalls() },
				Config:    e.config("green", strategy+"\n  traffic_percent = 10"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(dnsRes, tfjsonpath.New("planned_steps"), knownvalue.ListSizeExact(2)),
					plancheck.ExpectKnownValue(dnsRes, tfjsonpath.New("green_weight"), knownvalue.Int64Exact(10)),
				}},
				ConfigStateChecks: dnsChecks(90, 10, "partial"),
				Check: resource.ComposeTestCheckFunc(e.expectRecords(t, 90, 10), func(*terraform.State) error {
					got := strings.Join(e.writtenBatches(), " ")
					if !strings.HasPrefix(got, "100/0(2) ") || !strings.HasSuffix(got, "90/10(2)") || strings.Contains(got, "0/100") {
						return fmt.Errorf("the create wrote %s; want the record sets created on blue, then green 5, 10", got)
					}
					return nil
				}),
			},
			{Config: e.config("green", strategy+"\n  traffic_percent = 10"), PlanOnly: true},
			{
				Config:            e.config("green", strategy),
				ConfigStateChecks: dnsChecks(0, 100, "stable"),
				Check:             e.expectRecords(t, 0, 100),
			},
		},
	})
}

// A listener switch that creates its own rule with traffic_percent = 10 on
// green: the rule is created on blue (blue's pre-flight), then green gets 5
// and 10 as checked steps — not all traffic to green first.
func TestAccHostileS9_ruleCreatedParked(t *testing.T) {
	env := newTestSandbox(t)
	a := switchALB(t, env, "hs9-rule")
	cfg := fmt.Sprintf(`
resource "bluegreen_listener_switch" "test" {
  rule = {
    listener_arn  = %q
    priority      = 100
    path_patterns = ["/api/*"]
  }
  blue_target_group_arn  = %q
  green_target_group_arn = %q
  active_color           = "green"
  traffic_percent        = 10
  strategy = {
    type          = "canary"
    steps         = [5, 10, 50]
    step_interval = "1m"
  }
}
`, a.ListenerARN, a.BlueARN, a.GreenARN)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(switchRes, tfjsonpath.New("planned_steps"), knownvalue.ListSizeExact(2)),
				}},
				Check: expectSwitchAttrs(map[string]string{"status": "partial", "blue_weight": "90", "green_weight": "10",
					"last_shift.from": "blue", "last_shift.steps.#": "2"}),
			},
			{Config: cfg, PlanOnly: true},
		},
	})
}

// Park and promote on a Gateway API route (no test parked one): the route's
// weights follow the share, the parked plan is empty, promotion continues
// from the share, and a move back lets blue receive.
func TestAccHostileS9_gatewayRoutePark(t *testing.T) {
	kt := newKubeTest(t)
	kt.gatewaySetup()
	body := func(share int) string {
		s := `
  strategy = {
    type          = "canary"
    steps         = [5, 10, 50]
    step_interval = "1m"
  }`
		if share > 0 {
			s += fmt.Sprintf("\n  traffic_percent = %d", share)
		}
		return s
	}
	cfg := func(color string, share int) string {
		return kt.providerBlock() + kt.routeSwitch("a", color, body(share))
	}
	attrs := func(b, g int64, status string) []statecheck.StateCheck {
		return []statecheck.StateCheck{
			statecheck.ExpectKnownValue(routeRes, tfjsonpath.New("blue_weight"), knownvalue.Int64Exact(b)),
			statecheck.ExpectKnownValue(routeRes, tfjsonpath.New("green_weight"), knownvalue.Int64Exact(g)),
			statecheck.ExpectKnownValue(routeRes, tfjsonpath.New("status"), knownvalue.StringExact(status)),
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: kt.Factories,
		Steps: []resource.TestStep{
			{Config: cfg("blue", 0)},
			{
				PreConfig:         func() { kt.Proxy.Reset() },
				Config:            cfg("green", 10),
				ConfigStateChecks: attrs(90, 10, "partial"),
				Check:             resource.ComposeTestCheckFunc(kt.expectRoute("web", 90, 10), kt.expectRouteWrites("95/5", "90/10")),
			},
			{Config: cfg("green", 10), PlanOnly: true},
			{
				PreConfig:         func() { kt.Proxy.Reset() },
				Config:            cfg("green", 100),
				ConfigStateChecks: attrs(0, 100, "stable"),
				Check:             resource.ComposeTestCheckFunc(kt.expectRoute("web", 0, 100), kt.expectRouteWrites("50/50", "0/100")),
			},
			{
				PreConfig:         func() { kt.Proxy.Reset() },
				Config:            cfg("green", 10),
				ConfigStateChecks: attrs(90, 10, "partial"),
				Check:             resource.ComposeTestCheckFunc(kt.expectRoute("web", 90, 10), kt.expectRouteWrites("5/95", "10/90", "50/50", "90/10")),
			},
		},
	})
}

// The Service behind a Kubernetes Service switch is deleted by hand: the
// refresh drops the switch (nothing to switch), the plan wants it again, and
// once the Service is back the switch adopts it; a second switch on the same
// Service is refused while the first owns it.
func TestAccHostileS9_kubeServiceDeletedAndSecondSwitch(t *testing.T) {
	kt := newServiceTest(t, 2, 2, true)
	one := kt.serviceSwitchConfig("blue", "")
	two := one + serviceSwitchBlock("second", kt.NS, "green", "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: kt.Factories,
		Steps: []resource.TestStep{
			{Config: one, ConfigStateChecks: kubeServiceState(100, 0, "stable", "blue")},
			{Config: two, ExpectError: regexp.MustCompile(`(?i)owned|owner|another switch`)},
			{
				PreConfig: func() {
					if err := kt.Kube.Core.CoreV1().Services(kt.NS).Delete(context.Background(), "web", metav1.DeleteOptions{}); err != nil {
						t.Fatal(err)
					}
				},
				Config:             one,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				PreConfig: func() { kt.createService("web", blueSelector) },
				Config:    one, ConfigStateChecks: kubeServiceState(100, 0, "stable", "blue"),
			},
		},
	})
}

// Kubernetes Service switch attributes changed in place: the idle color's
// value changes with nothing written; a shift to a value no Pod carries is
// refused by the pre-flight, the selector untouched; the active color's
// value changed under it is refused (Service of neither color) rather than
// rewritten silently.
func TestAccHostileS9_kubeServiceInPlaceChanges(t *testing.T) {
	kt := newServiceTest(t, 2, 2, true)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: kt.Factories,
		Steps: []resource.TestStep{
			{Config: kt.serviceSwitchConfig("blue", ""), ConfigStateChecks: kubeServiceState(100, 0, "stable", "blue")},
			{
				Config:            kt.serviceSwitchConfig("blue", `  green_value = "green-v2"`),
				ConfigStateChecks: kubeServiceState(100, 0, "stable", "blue"),
				Check:             kt.expectSelector("web", blueSelector),
			},
			{
				Config:      kt.serviceSwitchConfig("green", `  green_value = "green-v2"`),
				ExpectError: regexp.MustCompile(`Pre-flight check refused the shift`),
			},
			{
				Config:      kt.serviceSwitchConfig("blue", `  blue_value = "blue-v2"`),
				ExpectError: regexp.MustCompile(`(?i)neither`),
			},
			{Config: kt.serviceSwitchConfig("blue", ""), ConfigStateChecks: kubeServiceState(100, 0, "stable", "blue"),
				Check: kt.expectSelector("web", blueSelector)},
		},
	})
}

// Notifications changed in place while parked (secret, events, a redirecting
// webhook): nothing moves, nothing fails, and the webhook of a later shift
// gets every event signed with the new secret — a redirect is a warning, not
// an error.
func TestAccHostileS9_notificationsInPlaceWhileParked(t *testing.T) {
	env := newTestSandbox(t)
	a := newRegressionALB(t, env, "hs9-ntf")
	var got atomic.Int32
	var badSig atomic.Int32
	secret := atomic.Value{}
	secret.Store("s1")
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !notify.Verify([]byte(secret.Load().(string)), body, r.Header.Get(notify.SignatureHeader)) {
			badSig.Add(1)
		}
		got.Add(1)
	}))
	t.Cleanup(hook.Close)
	redirect := httptest.NewServer(http.RedirectHandler(hook.URL, http.StatusFound))
	t.Cleanup(redirect.Close)
	cfg := func(share int, sec string) string {
		return regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, "green", fmt.Sprintf(`
  strategy = {
    type          = "canary"
    steps         = [5, 10, 50]
    step_interval = "1m"
  }
  traffic_percent = %d
  notifications = {
    webhooks = [
      { url = %q, secret = %q },
      { url = %q },
    ]
  }`, share, hook.URL+"/h", sec, redirect.URL+"/r"))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, "blue", "")},
			{Config: cfg(10, "s1"), Check: expectSwitchAttrs(map[string]string{"status": "partial", "green_weight": "10"})},
			{
				PreConfig: func() { env.Sandbox.ResetCalls(); secret.Store("s2"); got.Store(0) },
				Config:    cfg(10, "s2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(switchRes, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(switchRes, tfjsonpath.New("status"), knownvalue.StringExact("partial")),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(expectWrites(env, a),
					expectSwitchAttrs(map[string]string{"status": "partial", "green_weight": "10"}),
					func(*terraform.State) error {
						if got.Load() != 0 {
							return fmt.Errorf("a change with nothing to move sent %d notifications", got.Load())
						}
						return nil
					}),
			},
			{
				Config: cfg(100, "s2"),
				Check: resource.ComposeAggregateTestCheckFunc(expectSwitchAttrs(map[string]string{"status": "stable", "green_weight": "100"}),
					func(*terraform.State) error {
						if got.Load() == 0 || badSig.Load() != 0 {
							return fmt.Errorf("promotion: %d notifications, %d with a signature not under the new secret", got.Load(), badSig.Load())
						}
						return nil
					}),
			},
		},
	})
}

// TF_LOG=TRACE over a shift that notifies a dead webhook: neither the secret
// nor a token in the URL's path or query appears in the log or the output.
func TestAccHostileS9_notificationSecretsNeverLogged(t *testing.T) {
	t.Parallel()
	env := newTestSandbox(t, withRealClock())
	a := switchALB(t, env, "hs9-log")
	r := parkCLI(t, env, a, `
  notifications = {
    webhooks = [{ url = "http://127.0.0.1:1/services/T0/B0/PATHTOKEN42?token=QUERYTOKEN42", secret = "SECRETVALUE42", max_attempts = 1 }]
  }`)
	if out, err := r.applyShare("blue", 100); err != nil {
		t.Fatalf("apply blue: %v\n%s", err, out)
	}
	logFile := filepath.Join(r.work, "trace.log")
	r.env = append(r.env, "TF_LOG=TRACE", "TF_LOG_PATH="+logFile)
	out, err := r.applyShare("green", 100)
	if err != nil {
		t.Fatalf("apply green: %v\n%s", err, out)
	}
	if !strings.Contains(out, "Notification not delivered") {
		t.Fatalf("no warning for the dead webhook:\n%s", out)
	}
	log, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"SECRETVALUE42", "PATHTOKEN42", "QUERYTOKEN42"} {
		if strings.Contains(out, s) {
			t.Errorf("apply output shows %s", s)
		}
		if i := strings.Index(string(log), s); i >= 0 {
			t.Errorf("TF_LOG=TRACE shows %s: …%s…", s, string(log)[max(0, i-300):min(len(log), i+100)])
		}
	}
}

// HAProxy with 2 blue and 3 green servers parks at 10 %, 1 % and 99 %: the
// per-server weights must encode the share exactly (k·W sums), or the plan
// must refuse it — never a shift that fails at its last step.
func TestAccHostileS9_haproxyParkUnevenServers(t *testing.T) {
	skipUnlessAcc(t)
	h := testenv.StartHAProxy(t, testenv.HAProxyOptions{Blue: 2, Green: 3, StateFile: true})
	body := func(share int) string {
		return fmt.Sprintf(`
  strategy = {
    type = "all_at_once"
  }
  state_file = %q
  traffic_percent = %d`, h.StateFile, share)
	}
	step := func(share int32) resource.TestStep {
		return resource.TestStep{
			Config:            haproxySwitchConfig(h.AdminTCP, "green", body(int(share))),
			ConfigStateChecks: haproxyStateChecks(int64(100-share), int64(share), "partial", "green"),
			Check:             expectHAProxy(h, 100-share, share),
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccFakeClockFactories,
		Steps: []resource.TestStep{
			{Config: haproxySwitchConfig(h.AdminTCP, "blue", fmt.Sprintf("\n  state_file = %q", h.StateFile))},
			step(10), step(1), step(99), step(33),
		},
	})
}
