package provider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// A nested attribute whose whole value is unknown at plan time — `strategy =
// terraform_data.x.output`, one element of `http = [...]`, a gate's whole
// `http` list — plans without a "Value Conversion Error": the switch
// leaves its path to the apply (planned_steps and worst_case_duration
// unknown), which runs it with the known values; the gate is not refused as
// having no checks.
func TestAccNestedUnknownAtPlan(t *testing.T) {
	env := newTestSandbox(t)
	a := switchALB(t, env, "sw-unknown")
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()
	// rev changes every input, so that terraform_data's outputs are unknown
	// again in the plan of that step.
	config := func(color string, rev int, steps string) string {
		return fmt.Sprintf(`
resource "terraform_data" "strategy" {
  input = { type = "canary", steps = %s, step_interval = "1m", rev = %d }
}
resource "terraform_data" "check" {
  input = { name = "api", url = "%s/health?rev=%d" }
}
resource "terraform_data" "gate_checks" {
  input = [{ name = "a", url = "%s/a?rev=%d" }, { url = "%s/b?rev=%d" }]
}
resource "bluegreen_health_gate" "gate" {
  http = terraform_data.gate_checks.output
}
`, steps, rev, srv.URL, rev, srv.URL, rev, srv.URL, rev) + switchConfig(a, color, `
  strategy = {
    type          = terraform_data.strategy.output.type
    steps         = terraform_data.strategy.output.steps
    step_interval = terraform_data.strategy.output.step_interval
  }
  rollback_on = {
    evaluation_interval = "10s"
    http = [terraform_data.check.output]
  }
  depends_on = [bluegreen_health_gate.gate]`)
	}
	// The whole strategy object unknown (not only its attributes).
	wholeStrategy := func(color string, rev int) string {
		return strings.Replace(config(color, rev, "[20, 50]"), `strategy = {
    type          = terraform_data.strategy.output.type
    steps         = terraform_data.strategy.output.steps
    step_interval = terraform_data.strategy.output.step_interval
  }`, `strategy = { for k, v in terraform_data.strategy.output : k => v if k != "rev" }`, 1)
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{
				Config: config("blue", 1, "[10, 50]"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(switchRes, tfjsonpath.New("planned_steps")),
					plancheck.ExpectUnknownValue(switchRes, tfjsonpath.New("worst_case_duration")),
				}},
				ConfigStateChecks: append(weightChecks(100, 0, "stable"),
					statecheck.ExpectKnownValue("bluegreen_health_gate.gate", tfjsonpath.New("last_results"), knownvalue.ListSizeExact(2))),
			},
			{
				PreConfig: func() { env.Sandbox.ResetCalls(); hits.Store(0) },
				Config:    wholeStrategy("green", 2),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(switchRes, tfjsonpath.New("planned_steps")),
					plancheck.ExpectUnknownValue(switchRes, tfjsonpath.New("strategy")),
				}},
				ConfigStateChecks: append(weightChecks(0, 100, "stable"),
					statecheck.ExpectKnownValue(switchRes, tfjsonpath.New("rollback_on").AtMapKey("http").AtSliceIndex(0).AtMapKey("name"), knownvalue.StringExact("api")),
					statecheck.ExpectKnownValue(switchRes, tfjsonpath.New("last_shift").AtMapKey("steps"), knownvalue.ListSizeExact(3))),
				Check: func(*terraform.State) error {
					if got, want := strings.Join(writtenWeights(env, a), " "), "80/20 50/50 0/100"; got != want {
						return fmt.Errorf("weights written %s, want %s (the canary known only at apply)", got, want)
					}
					if hits.Load() == 0 {
						return fmt.Errorf("the http checks (known only at apply) never ran")
					}
					return nil
				},
			},
			{
				Config:   wholeStrategy("green", 2),
				PlanOnly: true,
			},
		},
	})
}
