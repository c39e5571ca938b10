package provider

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/demoapp"
)

// albErrorRateConfig watches the receiving color with a cloudwatch
// metric-math check over the ALB metrics the sandbox's data plane publishes
// from real requests: (target 5xx + target connection errors) / requests,
// in percent. ALB publishes no HTTPCode_Target_5XX_Count or
// TargetConnectionErrorCount datapoint for a minute without any, so the
// counts are FILLed with 0 (without FILL a healthy minute has no value).
// The requests are not: a minute without requests has no rate. No
// initial_delay: until the first minute of the shift's traffic is published
// the receiving color has no requests and the check is pending (not yet),
// which never counts toward a failure.
const albErrorRateConfig = `
  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "4m"
  }
  bake_time = "4m"
  rollback_on = {
    cloudwatch = [{
      name = "error_rate"
      metrics = [
        { id = "e", namespace = "AWS/ApplicationELB", metric_name = "HTTPCode_Target_5XX_Count", stat = "Sum",
          dimensions = { LoadBalancer = "{{load_balancer}}", TargetGroup = "{{target_group}}" } },
        { id = "c", namespace = "AWS/ApplicationELB", metric_name = "TargetConnectionErrorCount", stat = "Sum",
          dimensions = { LoadBalancer = "{{load_balancer}}", TargetGroup = "{{target_group}}" } },
        { id = "r", namespace = "AWS/ApplicationELB", metric_name = "RequestCount", stat = "Sum",
          dimensions = { LoadBalancer = "{{load_balancer}}", TargetGroup = "{{target_group}}" } },
      ]
      expression    = "100 * (FILL(e, 0) + FILL(c, 0)) / r"
      window        = "1m"
      max           = 5
    }]
    evaluation_interval = "15s"
    failure_threshold   = 2
  }`

// TestAccCloudWatchALBMath_crashedReleaseRolledBack: green's process is gone
// (its port refuses connections), so clients get ELB 502s and green answers
// no 5xx of its own: only TargetConnectionErrorCount sees it. The
// metric-math check over green's target group computes 100 % and rolls the
// first step back; every client is on blue afterwards.
func TestAccCloudWatchALBMath_crashedReleaseRolledBack(t *testing.T) {
	env := newTestSandbox(t, withDataPlane())
	a := newTrafficALB(t, env, "cwm-bad", demoapp.Config{}, true, 8)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: switchConfig(a.testALB, "blue", albErrorRateConfig), ConfigStateChecks: weightChecks(100, 0, "stable")},
			{
				PreConfig: func() {
					env.Sandbox.ResetCalls()
					a.sendEverySecond(env)
				},
				Config:      switchConfig(a.testALB, "green", albErrorRateConfig),
				ExpectError: regexp.MustCompile(`(?s)Shift rolled back.*cloudwatch:error_rate failed 2\s+consecutive\s+evaluations at step 1/3 \(10%\).*100`),
			},
		},
	})
	if got := strings.Join(writtenWeights(env, a.testALB), " "); got != "90/10 100/0" {
		t.Fatalf("the apply wrote %s: want 90/10, then the restore to 100/0", got)
	}
	if rep := a.Fleet.Report(); rep.ByStatus[502] == 0 {
		t.Fatalf("the clients saw no 502 (%v): the release did not fail for real", rep.ByStatus)
	}
	for _, ans := range a.Fleet.Round(context.Background()) {
		if !ans.OK() || ans.Tag != "blue" {
			t.Fatalf("after the rollback client %d got %d from %q (%v), want 200 from blue", ans.Client, ans.Status, ans.Tag, ans.Err)
		}
	}
}

// TestAccCloudWatchALBMath_healthyReleasePasses: the same configuration
// with a healthy green completes the shift — FILL gives the minutes without
// errors a rate of 0 — and shifts back to blue with the same configuration.
func TestAccCloudWatchALBMath_healthyReleasePasses(t *testing.T) {
	env := newTestSandbox(t, withDataPlane())
	a := newTrafficALB(t, env, "cwm-good", demoapp.Config{}, false, 8)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: switchConfig(a.testALB, "blue", albErrorRateConfig), ConfigStateChecks: weightChecks(100, 0, "stable")},
			{
				PreConfig:         func() { a.sendEverySecond(env) },
				Config:            switchConfig(a.testALB, "green", albErrorRateConfig),
				ConfigStateChecks: weightChecks(0, 100, "stable"),
			},
			{
				Config:            switchConfig(a.testALB, "blue", albErrorRateConfig),
				ConfigStateChecks: weightChecks(100, 0, "stable"),
			},
		},
	})
	if rep := a.Fleet.Report(); rep.Failures > 0 || rep.Requests == 0 {
		t.Fatalf("clients saw failures with a healthy release (or sent nothing): %v", rep.ByStatus)
	}
}

// TestAccCloudWatchALBMath_metricsUnknownAtPlan: a cloudwatch check whose
// metrics come from another resource's output (unknown at plan, as from a
// module) plans without a false "Missing metrics" and is judged at apply.
func TestAccCloudWatchALBMath_metricsUnknownAtPlan(t *testing.T) {
	env := newTestSandbox(t)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{{
			Config: `
resource "terraform_data" "metrics" {
  input = [{ id = "l", namespace = "Shop", metric_name = "CheckoutLatency", stat = "Average", dimensions = { Release = "v2" } }]
}
resource "bluegreen_health_gate" "test" {
  cloudwatch = [{
    name       = "latency"
    metrics    = terraform_data.metrics.output
    expression = "FILL(l, 0)"
    max        = 500
  }]
  interval              = "10s"
  consecutive_successes = 2
}
`,
		}},
	})
}

// TestAccCloudWatchALBMath_missingMetricsRefused: a check without metrics is
// still refused at plan time, naming the attribute.
func TestAccCloudWatchALBMath_missingMetricsRefused(t *testing.T) {
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: biRollbackOn(`cloudwatch = [{
      expression = "1"
      max        = 1
    }]`),
			PlanOnly:    true,
			ExpectError: biDiagnosticRegexp("Missing metrics", "rollback_on.cloudwatch.metrics"),
		}},
	})
}
