package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
	sbcw "github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/cloudwatch"
)

const switchRes = "bluegreen_listener_switch.test"

// switchALB is a load balancer whose listener forwards to blue only (as an
// aws_lb_listener usually starts), with one healthy target in each color.
func switchALB(t *testing.T, env *testEnv, name string) testALB {
	t.Helper()
	ctx := context.Background()
	a := createALB(t, env.Clients.ELBv2, name, 80, 1, 0)
	api := env.Clients.ELBv2
	// Start from a plain single-group forward to blue.
	if _, err := api.ModifyListener(ctx, &elbv2.ModifyListenerInput{
		ListenerArn:    aws.String(a.ListenerARN),
		DefaultActions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumForward, TargetGroupArn: aws.String(a.BlueARN)}},
	}); err != nil {
		t.Fatal(err)
	}
	for i, tg := range []string{a.BlueARN, a.GreenARN} {
		ip := fmt.Sprintf("10.0.0.%d", i+1)
		if _, err := api.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{
			TargetGroupArn: aws.String(tg), Targets: []elbv2types.TargetDescription{{Id: aws.String(ip)}},
		}); err != nil {
			t.Fatal(err)
		}
		if err := env.Sandbox.SetTargetHealth(tg, ip, 0, "healthy", "", ""); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

func switchConfig(a testALB, color, extra string) string {
	return fmt.Sprintf(`
resource "bluegreen_listener_switch" "test" {
  listener_arn           = %q
  blue_target_group_arn  = %q
  green_target_group_arn = %q
  active_color           = %q
%s
}
`, a.ListenerARN, a.BlueARN, a.GreenARN, color, extra)
}

func listenerWeights(t *testing.T, env *testEnv, a testALB) (blue, green int32) {
	t.Helper()
	b, g, err := env.weights(a)
	if err != nil {
		t.Fatal(err)
	}
	return b, g
}

func expectWeights(env *testEnv, a testALB, blue, green int32) resource.TestCheckFunc {
	return func(*terraform.State) error {
		b, g, err := env.weights(a)
		if err != nil {
			return err
		}
		if b != blue || g != green {
			return fmt.Errorf("sandbox weights blue=%d green=%d, want blue=%d green=%d", b, g, blue, green)
		}
		return nil
	}
}

func weightChecks(blue, green int64, status string) []statecheck.StateCheck {
	return []statecheck.StateCheck{
		statecheck.ExpectKnownValue(switchRes, tfjsonpath.New("blue_weight"), knownvalue.Int64Exact(blue)),
		statecheck.ExpectKnownValue(switchRes, tfjsonpath.New("green_weight"), knownvalue.Int64Exact(green)),
		statecheck.ExpectKnownValue(switchRes, tfjsonpath.New("status"), knownvalue.StringExact(status)),
	}
}

// countCalls counts the sandbox's API calls of one operation since the last reset.
func countCalls(env *testEnv, op string) int {
	return len(env.Sandbox.Calls(sandbox.CallFilter{Service: "elbv2", Operation: op}))
}

// TestAccListenerSwitch_allAtOnceFlip adopts a single-group forward without
// shifting, flips blue→green in one write verified by one read, and imports.
func TestAccListenerSwitch_allAtOnceFlip(t *testing.T) {
	env := newTestSandbox(t)
	a := switchALB(t, env, "sw-flip")
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{
				Config:            switchConfig(a, "blue", ""),
				ConfigStateChecks: append(weightChecks(100, 0, "stable"), statecheck.ExpectKnownValue(switchRes, tfjsonpath.New("last_shift"), knownvalue.Null())),
				Check:             expectWeights(env, a, 100, 0),
			},
			{
				PreConfig: func() { env.Sandbox.ResetCalls() },
				Config:    switchConfig(a, "green", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(switchRes, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(switchRes, tfjsonpath.New("planned_steps"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{"percent": knownvalue.Int64Exact(100), "blue_weight": knownvalue.Int64Exact(0),
							"green_weight": knownvalue.Int64Exact(100), "hold": knownvalue.StringExact("0s")}),
					})),
				}},
				ConfigStateChecks: append(weightChecks(0, 100, "stable"),
					statecheck.ExpectKnownValue(switchRes, tfjsonpath.New("last_shift").AtMapKey("result"), knownvalue.StringExact("succeeded"))),
				Check: resource.ComposeTestCheckFunc(expectWeights(env, a, 0, 100), func(*terraform.State) error {
					// One write per flip; reads are the refresh, the adoption read and the verify.
					if n := countCalls(env, "ModifyListener"); n != 1 {
						return fmt.Errorf("ModifyListener called %d times, want 1", n)
					}
					return nil
				}),
			},
			{
				ResourceName:      switchRes,
				ImportState:       true,
				ImportStateId:     a.ListenerARN,
				ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"last_shift", "planned_steps", "worst_case_duration", "timeouts", "owner_id",
					"rule_arn"},
			},
		},
	})
}

// TestAccListenerSwitch_canary observes 90/10, 50/50 and 0/100 written in order.
func TestAccListenerSwitch_canary(t *testing.T) {
	env := newTestSandbox(t)
	a := switchALB(t, env, "sw-canary")
	strategy := `
  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "2m"
  }
  bake_time = "1m"`
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: switchConfig(a, "blue", strategy), ConfigStateChecks: weightChecks(100, 0, "stable")},
			{
				PreConfig: func() { env.Sandbox.ResetCalls() },
				Config:    switchConfig(a, "green", strategy),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(switchRes, tfjsonpath.New("planned_steps"), knownvalue.ListSizeExact(3)),
					plancheck.ExpectKnownValue(switchRes, tfjsonpath.New("planned_steps").AtSliceIndex(0).AtMapKey("green_weight"), knownvalue.Int64Exact(10)),
					plancheck.ExpectKnownValue(switchRes, tfjsonpath.New("planned_steps").AtSliceIndex(2).AtMapKey("hold"), knownvalue.StringExact("1m0s")),
				}},
				ConfigStateChecks: append(weightChecks(0, 100, "stable"),
					statecheck.ExpectKnownValue(switchRes, tfjsonpath.New("last_shift").AtMapKey("steps"), knownvalue.ListSizeExact(3))),
				Check: func(*terraform.State) error {
					got := writtenWeights(env, a)
					want := []string{"90/10", "50/50", "0/100"}
					if strings.Join(got, " ") != strings.Join(want, " ") {
						return fmt.Errorf("weights written %v, want %v", got, want)
					}
					return nil
				},
			},
		},
	})
}

// writtenWeights lists the blue/green weights of every ModifyListener call
// in the call log, in order.
func writtenWeights(env *testEnv, a testALB) []string {
	var out []string
	for _, c := range env.Sandbox.Calls(sandbox.CallFilter{Service: "elbv2", Operation: "ModifyListener"}) {
		w := map[string]string{}
		for i := 1; i <= 5; i++ {
			arn := c.Params[fmt.Sprintf("DefaultActions.member.1.ForwardConfig.TargetGroups.member.%d.TargetGroupArn", i)]
			w[arn] = c.Params[fmt.Sprintf("DefaultActions.member.1.ForwardConfig.TargetGroups.member.%d.Weight", i)]
		}
		out = append(out, w[a.BlueARN]+"/"+w[a.GreenARN])
	}
	return out
}

// publishALB publishes RequestCount and 5xx counts for a target group, one
// datapoint every 10 s in [from, to).
func publishALB(env *testEnv, a testALB, tgARN string, from, to time.Time, requests, errors5xx float64) {
	lb := strings.SplitN(a.LoadBalancerARN, ":loadbalancer/", 2)[1]
	tg := "targetgroup/" + strings.SplitN(tgARN, ":targetgroup/", 2)[1]
	dims := map[string]string{"LoadBalancer": lb, "TargetGroup": tg}
	for ts := from; ts.Before(to); ts = ts.Add(10 * time.Second) {
		env.Sandbox.PublishMetrics(
			sbcw.Datapoint{Namespace: "AWS/ApplicationELB", MetricName: "RequestCount", Dimensions: dims, Timestamp: ts, Values: []float64{requests}, Unit: "Count"},
			sbcw.Datapoint{Namespace: "AWS/ApplicationELB", MetricName: "HTTPCode_Target_5XX_Count", Dimensions: dims, Timestamp: ts, Values: []float64{errors5xx}, Unit: "Count"},
			sbcw.Datapoint{Namespace: "AWS/ApplicationELB", MetricName: "TargetResponseTime", Dimensions: dims, Timestamp: ts, Values: []float64{0.05}, Unit: "Seconds"},
		)
	}
}

// TestAccListenerSwitch_rollbackOn5xxMidCanary: green is healthy for the
// first step, then its 5xx rate crosses the threshold; the shift rolls back
// at the 50 % step, the apply fails naming check, value and threshold, state
// records the truth, and the next plan wants green again.
//
// The metrics check judges only minutes CloudWatch has published (a minute
// is complete one minute after it ends, as on AWS). The sandbox and the
// provider share one fake clock that starts at the minute-aligned
// testClockStart and moves only when the engine waits, so the timeline is
// the same on every run: the shift starts at T (a minute boundary), steps
// hold 3m and evaluations come every 30s; the first bad minute [T+2m, T+3m)
// is published at T+4m, failed at T+4m and T+4m30s, both in the 50 % step.
func TestAccListenerSwitch_rollbackOn5xxMidCanary(t *testing.T) {
	env := newTestSandbox(t)
	a := switchALB(t, env, "sw-5xx")
	cfg := `
  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "3m"
  }
  rollback_on = {
    metrics = {
      max_5xx_rate = 0.05
      min_requests = 10
      window       = "1m"
    }
    evaluation_interval = "30s"
    failure_threshold   = 2
  }`
	var firstApply []string // the weights the first green apply wrote
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: switchConfig(a, "blue", cfg), ConfigStateChecks: weightChecks(100, 0, "stable")},
			{
				PreConfig: func() {
					// The shift starts now, on a minute boundary: nothing in
					// the first apply waited.
					start := env.Clock.Now()
					if !start.Equal(start.Truncate(time.Minute)) {
						t.Fatalf("the shift would start at %s, not on a minute boundary: the timeline below assumes one", start)
					}
					badFrom := start.Add(2 * time.Minute)
					publishALB(env, a, a.GreenARN, start.Add(-5*time.Minute), badFrom, 100, 0)
					publishALB(env, a, a.GreenARN, badFrom, start.Add(30*time.Minute), 100, 30)
					env.Sandbox.ResetCalls()
				},
				Config:      switchConfig(a, "green", cfg),
				ExpectError: regexp.MustCompile(`(?s)Shift rolled back.*metrics\.max_5xx_rate failed 2\s+consecutive evaluations at step 2/3 \(50%\): 5xx rate 0\.3\b.*>\s+max 0\.05`),
			},
			{
				// The failed apply saved the truth; the plan wants green again
				// and, the bad minutes being published by now, the apply rolls
				// back at its first step.
				PreConfig: func() {
					firstApply = writtenWeights(env, a)
					env.Sandbox.ResetCalls()
				},
				Config:      switchConfig(a, "green", cfg),
				ExpectError: regexp.MustCompile(`(?s)Shift rolled back.*metrics\.max_5xx_rate failed 2\s+consecutive evaluations at step 1/3 \(10%\): 5xx rate 0\.3\b`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(switchRes, plancheck.ResourceActionUpdate),
					expectPriorState(switchRes, "status", "rolled_back"),
					expectPriorState(switchRes, "active_color", "blue"),
					expectPriorState(switchRes, "blue_weight", float64(100)),
					expectPriorState(switchRes, "green_weight", float64(0)),
				}},
			},
		},
	})
	if b, g := listenerWeights(t, env, a); b != 100 || g != 0 {
		t.Fatalf("after rollback the listener has blue=%d green=%d, want 100/0", b, g)
	}
	if got := strings.Join(firstApply, " "); got != "90/10 50/50 100/0" {
		t.Fatalf("the first apply wrote %s: want 90/10, 50/50, then the restore to 100/0", got)
	}
	if got := strings.Join(writtenWeights(env, a), " "); got != "90/10 100/0" {
		t.Fatalf("the second apply wrote %s: want 90/10, then the restore to 100/0", got)
	}
}

// TestAccListenerSwitch_rollbackOnAlarm: an alarm in ALARM during the bake
// rolls an all-at-once flip back.
func TestAccListenerSwitch_rollbackOnAlarm(t *testing.T) {
	env := newTestSandbox(t)
	a := switchALB(t, env, "sw-alarm")
	ctx := context.Background()
	cw := env.Clients.CloudWatch
	if _, err := cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String("sw-alarm-5xx"), Namespace: aws.String("AWS/ApplicationELB"), MetricName: aws.String("HTTPCode_Target_5XX_Count"),
		Statistic: cwtypes.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(10),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold,
	}); err != nil {
		t.Fatal(err)
	}
	cfg := `
  bake_time = "2m"
  rollback_on = {
    alarm_names         = ["sw-alarm-5xx"]
    evaluation_interval = "20s"
    failure_threshold   = 2
  }`
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: switchConfig(a, "blue", cfg)},
			{
				PreConfig: func() {
					if err := env.Sandbox.SetAlarmState("sw-alarm-5xx", "ALARM", "5xx spike"); err != nil {
						t.Fatal(err)
					}
				},
				Config:      switchConfig(a, "green", cfg),
				ExpectError: regexp.MustCompile(`(?s)Shift rolled back.*sw-alarm-5xx`),
			},
			{
				Config:      switchConfig(a, "green", cfg),
				ExpectError: regexp.MustCompile(`Shift rolled back`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(switchRes, plancheck.ResourceActionUpdate),
					expectPriorState(switchRes, "status", "rolled_back"),
				}},
			},
		},
	})
	if b, g := listenerWeights(t, env, a); b != 100 || g != 0 {
		t.Fatalf("after rollback the listener has blue=%d green=%d, want 100/0", b, g)
	}
}

// TestAccListenerSwitch_preflightRefusesUnhealthyGreen: no weight is written
// when the receiving color has no healthy target.
func TestAccListenerSwitch_preflightRefusesUnhealthyGreen(t *testing.T) {
	env := newTestSandbox(t)
	a := switchALB(t, env, "sw-pre")
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: switchConfig(a, "blue", "")},
			{
				PreConfig: func() {
					if err := env.Sandbox.SetTargetHealth(a.GreenARN, "10.0.0.2", 0, "unhealthy", "Target.FailedHealthChecks", ""); err != nil {
						t.Fatal(err)
					}
					env.Sandbox.ResetCalls()
				},
				Config:      switchConfig(a, "green", ""),
				ExpectError: regexp.MustCompile(`Pre-flight check refused the shift`),
			},
			{PreConfig: holdsAfterError(t, expectWeights(env, a, 100, 0)), Config: switchConfig(a, "blue", "")},
		},
	})
	if n := countCalls(env, "ModifyListener"); n != 0 {
		t.Fatalf("pre-flight refusal wrote the listener %d times", n)
	}
}

// TestAccListenerSwitch_drift: weights changed outside Terraform show in the
// plan, and the next apply puts them back.
func TestAccListenerSwitch_drift(t *testing.T) {
	env := newTestSandbox(t)
	a := switchALB(t, env, "sw-drift")
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: switchConfig(a, "green", "")},
			{
				PreConfig: func() {
					if _, err := env.Clients.ELBv2.ModifyListener(context.Background(), &elbv2.ModifyListenerInput{
						ListenerArn:    aws.String(a.ListenerARN),
						DefaultActions: []elbv2types.Action{forwardAction(a.BlueARN, 50, a.GreenARN, 50)},
					}); err != nil {
						t.Fatal(err)
					}
				},
				Config:             switchConfig(a, "green", ""),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config:            switchConfig(a, "green", ""),
				ConfigStateChecks: weightChecks(0, 100, "stable"),
				Check:             expectWeights(env, a, 0, 100),
			},
		},
	})
}

func TestAccListenerSwitch_invalid(t *testing.T) {
	t.Parallel()
	arn := "arn:aws:elasticloadbalancing:us-east-1:123456789012:"
	base := fmt.Sprintf(`
  blue_target_group_arn  = "%[1]stargetgroup/a-blue/0123456789abcdef"
  green_target_group_arn = "%[1]stargetgroup/a-green/0123456789abcdef"`, arn)
	listener := fmt.Sprintf(`listener_arn = "%slistener/app/a/0123456789abcdef/0123456789abcdef"`, arn)
	cases := []struct{ name, body, err string }{
		{"steps not ascending", listener + base + `
  active_color = "green"
  strategy = {
    type  = "canary"
    steps = [50, 10]
  }`, `Invalid strategy`},
		{"step of 100", listener + base + `
  active_color = "green"
  strategy = {
    type  = "canary"
    steps = [10, 100]
  }`, `Invalid strategy`},
		{"neither listener nor rule", base + `
  active_color = "green"`, `Missing Attribute Configuration`},
		{"same target groups", listener + fmt.Sprintf(`
  blue_target_group_arn  = "%[1]stargetgroup/a-blue/0123456789abcdef"
  green_target_group_arn = "%[1]stargetgroup/a-blue/0123456789abcdef"
  active_color = "green"`, arn), `Same target group for blue and green`},
		{"unknown color", listener + base + `
  active_color = "purple"`, `Invalid Attribute Value Match`},
		{"bad duration", listener + base + `
  active_color = "green"
  bake_time    = "ten minutes"`, `Invalid bake time`},
		{"worst case beyond timeout", listener + base + `
  active_color = "green"
  strategy = {
    type          = "linear"
    step_percent  = 10
    step_interval = "10m"
  }
  timeouts {
    create = "30m"
  }`, `Shift cannot finish within the timeout`},
		{"linear without step_percent", listener + base + `
  active_color = "green"
  strategy = {
    type = "linear"
  }`, `Linear without step_percent`},
		{"stickiness too long", listener + base + `
  active_color = "green"
  stickiness = {
    enabled  = true
    duration = "169h"
  }`, `Invalid duration`},
		{"metrics without threshold", listener + base + `
  active_color = "green"
  rollback_on = {
    metrics = {
      min_requests = 10
    }
  }`, `Metrics check without a threshold`},
		{"listener ARN that is a target group", `listener_arn = "` + arn + `targetgroup/a/0123456789abcdef"` + base + `
  active_color = "green"`, `Invalid listener arn`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      fmt.Sprintf("resource \"bluegreen_listener_switch\" \"bad\" {\n  %s\n}\n", tc.body),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tc.err),
				}},
			})
		})
	}
}

// TestAccListenerSwitch_ruleMode: the switch creates a rule on a listener
// whose default action is a fixed response, shifts the rule's forward,
// imports by rule ARN, and deletes the rule on destroy.
func TestAccListenerSwitch_ruleMode(t *testing.T) {
	env := newTestSandbox(t)
	a := switchALB(t, env, "sw-rule")
	ctx := context.Background()
	if _, err := env.Clients.ELBv2.ModifyListener(ctx, &elbv2.ModifyListenerInput{
		ListenerArn: aws.String(a.ListenerARN),
		DefaultActions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumFixedResponse,
			FixedResponseConfig: &elbv2types.FixedResponseActionConfig{StatusCode: aws.String("404")}}},
	}); err != nil {
		t.Fatal(err)
	}
	cfg := func(color string, priority int) string {
		return fmt.Sprintf(`
resource "bluegreen_listener_switch" "test" {
  rule = {
    listener_arn  = %q
    priority      = %d
    path_patterns = ["/api/*"]
  }
  blue_target_group_arn  = %q
  green_target_group_arn = %q
  active_color           = %q
}
`, a.ListenerARN, priority, a.BlueARN, a.GreenARN, color)
	}
	ruleWeights := func(blue, green int32) resource.TestCheckFunc {
		return func(*terraform.State) error {
			for _, r := range env.Sandbox.ELBv2().Rules(a.ListenerARN) {
				if r.IsDefault {
					continue
				}
				var b, g int32
				for _, act := range r.Actions {
					for _, tg := range act.TargetGroups {
						if tg.TargetGroupARN == a.BlueARN {
							b = tg.Weight
						} else if tg.TargetGroupARN == a.GreenARN {
							g = tg.Weight
						}
					}
				}
				if b != blue || g != green {
					return fmt.Errorf("rule %s (priority %s) has blue=%d green=%d, want %d/%d", r.ARN, r.Priority, b, g, blue, green)
				}
				return nil
			}
			return fmt.Errorf("no rule on the listener")
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		CheckDestroy: func(*terraform.State) error {
			if n := len(env.Sandbox.ELBv2().Rules(a.ListenerARN)); n != 1 {
				return fmt.Errorf("after destroy the listener has %d rules, want only the default", n)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config:            cfg("blue", 100),
				ConfigStateChecks: append(weightChecks(100, 0, "stable"), statecheck.ExpectKnownValue(switchRes, tfjsonpath.New("rule_arn"), knownvalue.StringRegexp(regexp.MustCompile(`:listener-rule/app/sw-rule/`)))),
				Check:             ruleWeights(100, 0),
			},
			{
				Config:            cfg("green", 120),
				ConfigStateChecks: weightChecks(0, 100, "stable"),
				Check: resource.ComposeTestCheckFunc(ruleWeights(0, 100), func(*terraform.State) error {
					for _, r := range env.Sandbox.ELBv2().Rules(a.ListenerARN) {
						if !r.IsDefault && r.Priority != "120" {
							return fmt.Errorf("rule priority %s, want 120", r.Priority)
						}
					}
					return nil
				}),
			},
			{
				ResourceName: switchRes,
				ImportState:  true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					return s.RootModule().Resources[switchRes].Primary.Attributes["rule_arn"], nil
				},
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"last_shift", "planned_steps", "worst_case_duration", "timeouts", "owner_id"},
			},
		},
	})
}

// TestAccListenerSwitch_rollbackOnRelativeComparison: green is judged
// against blue over the same window; 10 points more 5xx rolls it back.
func TestAccListenerSwitch_rollbackOnRelativeComparison(t *testing.T) {
	env := newTestSandbox(t)
	a := switchALB(t, env, "sw-rel")
	cfg := `
  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "1m"
  }
  rollback_on = {
    metrics = {
      compare_to_other_color = true
      max_5xx_rate_increase  = 0.01
      min_requests           = 10
    }
    evaluation_interval = "30s"
  }`
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: switchConfig(a, "blue", cfg)},
			{
				PreConfig: func() {
					now := env.Clock.Now()
					publishALB(env, a, a.BlueARN, now.Add(-5*time.Minute), now.Add(30*time.Minute), 100, 1)
					publishALB(env, a, a.GreenARN, now.Add(-5*time.Minute), now.Add(30*time.Minute), 100, 11)
				},
				Config: switchConfig(a, "green", cfg),
				// Blue's 1 % and green's 11 % are published from before the
				// shift: the first two evaluations of the first step judge
				// the minute before it and fail.
				ExpectError: regexp.MustCompile(`(?s)Shift rolled back.*` + strings.ReplaceAll(regexp.QuoteMeta(
					"check metrics.max_5xx_rate_increase failed 2 consecutive evaluations at step 1/3 (10%): "+
						"5xx rate 0.11 vs other color 0.01 (+0.1) > max +0.01 over 1m0s ending "+testClockStart.Format("15:04")+" UTC"), " ", `\s+`)),
			},
		},
	})
}

// TestAccListenerSwitch_forwardReplacedOutside: someone replaces the forward
// with a fixed response. Refresh reports 0/0 and drift (no error), the plan
// wants the color back, and destroy still works.
func TestAccListenerSwitch_forwardReplacedOutside(t *testing.T) {
	env := newTestSandbox(t)
	a := switchALB(t, env, "sw-replaced")
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: switchConfig(a, "green", "")},
			{
				PreConfig: func() {
					if _, err := env.Clients.ELBv2.ModifyListener(context.Background(), &elbv2.ModifyListenerInput{
						ListenerArn: aws.String(a.ListenerARN),
						DefaultActions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumFixedResponse,
							FixedResponseConfig: &elbv2types.FixedResponseActionConfig{StatusCode: aws.String("503")}}},
					}); err != nil {
						t.Fatal(err)
					}
				},
				Config:             switchConfig(a, "green", ""),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(switchRes, "blue_weight", "0"),
					resource.TestCheckResourceAttr(switchRes, "green_weight", "0"),
					resource.TestCheckResourceAttr(switchRes, "status", "drifted"),
				),
			},
		},
	})
}
