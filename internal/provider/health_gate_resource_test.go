package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
)

const gateRes = "bluegreen_health_gate.test"

// gateALB is a load balancer with a target registered in green that is still
// "initial" (its health checks have not passed yet).
func gateALB(t *testing.T, env *testEnv, name string) testALB {
	t.Helper()
	a := createALB(t, env.Clients.ELBv2, name, 80, 100, 0)
	if _, err := env.Clients.ELBv2.RegisterTargets(context.Background(), &elbv2.RegisterTargetsInput{
		TargetGroupArn: aws.String(a.GreenARN), Targets: []elbv2types.TargetDescription{{Id: aws.String("10.0.1.1")}},
	}); err != nil {
		t.Fatal(err)
	}
	return a
}

func gateConfig(a testALB, extra string) string {
	return fmt.Sprintf(`
resource "bluegreen_health_gate" "test" {
  target_health = {
    target_group_arn  = %q
    min_healthy_count = 1
  }
  interval              = "1s"
  consecutive_successes = 2
%s
}
`, a.GreenARN, extra)
}

// TestAccHealthGate_passesOnceTargetsAreHealthy: the gate keeps evaluating
// until the sandbox marks the target healthy. The target turns healthy 5.5 s
// into the apply on the fake clock the gate waits on, so the gate fails its
// rounds at 0–5 s and passes the two at 6 s and 7 s: 8 attempts, every run.
func TestAccHealthGate_passesOnceTargetsAreHealthy(t *testing.T) {
	env := newTestSandbox(t)
	a := gateALB(t, env, "gate-pass")
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{{
			PreConfig: func() {
				env.Clock.AfterFunc(5500*time.Millisecond, func() {
					_ = env.Sandbox.SetTargetHealth(a.GreenARN, "10.0.1.1", 0, "healthy", "", "")
				})
			},
			Config: gateConfig(a, ""),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(gateRes, tfjsonpath.New("passed_at"), knownvalue.NotNull()),
				statecheck.ExpectKnownValue(gateRes, tfjsonpath.New("last_results"), knownvalue.ListSizeExact(1)),
			},
			Check: func(s *terraform.State) error {
				attempts := s.RootModule().Resources[gateRes].Primary.Attributes["attempts"]
				if attempts != "8" {
					return fmt.Errorf("gate passed after %s attempts, want 8: 6 failing rounds while the target was initial, then 2 passing", attempts)
				}
				return nil
			},
		}},
	})
}

// TestAccHealthGate_timesOutListingEachCheck: a gate that cannot pass fails
// the apply with the last result of every check.
func TestAccHealthGate_timesOutListingEachCheck(t *testing.T) {
	env := newTestSandbox(t)
	a := gateALB(t, env, "gate-timeout")
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{{
			Config: gateConfig(a, `
  alarm_names = ["gate-timeout-missing-alarm"]
  timeouts {
    create = "2m"
  }`),
			ExpectError: regexp.MustCompile(`(?s)Health gate did not pass.*timed out.*target_health.*fail.*gate-timeout-missing-alarm.*error`),
		}},
	})
}

// TestAccHealthGate_triggersRerun: a changed trigger replaces the gate, which
// evaluates the checks again.
func TestAccHealthGate_triggersRerun(t *testing.T) {
	env := newTestSandbox(t)
	a := gateALB(t, env, "gate-trigger")
	if err := env.Sandbox.SetTargetHealth(a.GreenARN, "10.0.1.1", 0, "healthy", "", ""); err != nil {
		t.Fatal(err)
	}
	healthCalls := func() int {
		return len(env.Sandbox.Calls(sandbox.CallFilter{Service: "elbv2", Operation: "DescribeTargetHealth"}))
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: gateConfig(a, `triggers = { version = "1.0.0" }`)},
			{
				// Unchanged: the plan is empty and nothing is evaluated.
				PreConfig: func() { env.Sandbox.ResetCalls() },
				Config:    gateConfig(a, `triggers = { version = "1.0.0" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(gateRes, plancheck.ResourceActionNoop),
				}},
				Check: func(*terraform.State) error {
					if n := healthCalls(); n != 0 {
						return fmt.Errorf("an unchanged gate evaluated its checks (%d DescribeTargetHealth calls)", n)
					}
					return nil
				},
			},
			{
				PreConfig: func() { env.Sandbox.ResetCalls() },
				Config:    gateConfig(a, `triggers = { version = "2.0.0" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(gateRes, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: func(*terraform.State) error {
					if n := healthCalls(); n < 2 {
						return fmt.Errorf("the re-run gate made %d DescribeTargetHealth calls, want ≥ 2 (two passing rounds)", n)
					}
					return nil
				},
			},
		},
	})
}
