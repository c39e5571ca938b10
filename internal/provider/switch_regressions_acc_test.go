package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
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

// Regression tests for the defects hostile use found in the switch (issue
// "Truth by construction"). Each runs on its own sandbox.

// regressionALB is a load balancer in env whose listener forwards blue 100 /
// green 0, with one healthy target in each group (and in a third group,
// attached through a rule no request matches).
type regressionALB struct {
	testALB
	ThirdARN string
}

func newRegressionALB(t *testing.T, env *testEnv, name string) regressionALB {
	t.Helper()
	ctx := context.Background()
	api := env.Clients.ELBv2
	a := regressionALB{testALB: createALB(t, api, name, 80, 100, 0)}
	tg, err := api.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: aws.String(name + "-third"), Port: aws.Int32(8080),
		Protocol: "HTTP", VpcId: aws.String("vpc-0123456789abcdef0")})
	if err != nil {
		t.Fatal(err)
	}
	a.ThirdARN = aws.ToString(tg.TargetGroups[0].TargetGroupArn)
	for i, arn := range []string{a.BlueARN, a.GreenARN, a.ThirdARN} {
		ip := fmt.Sprintf("10.0.0.%d", i+1)
		if _, err := api.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: aws.String(arn),
			Targets: []elbv2types.TargetDescription{{Id: aws.String(ip)}}}); err != nil {
			t.Fatal(err)
		}
		if err := env.Sandbox.SetTargetHealth(arn, ip, 0, "healthy", "", ""); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

func regressionConfig(listener, blue, green, color, extra string) string {
	return fmt.Sprintf(`
resource "bluegreen_listener_switch" "test" {
  listener_arn           = %q
  blue_target_group_arn  = %q
  green_target_group_arn = %q
  active_color           = %q
%s
}
`, listener, blue, green, color, extra)
}

// forwardOf reads the listener's forward, group by group.
func forwardOf(t *testing.T, env *testEnv, listener string) map[string]int32 {
	t.Helper()
	out, err := env.Clients.ELBv2.DescribeListeners(context.Background(), &elbv2.DescribeListenersInput{ListenerArns: []string{listener}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int32{}
	for _, act := range out.Listeners[0].DefaultActions {
		if act.ForwardConfig != nil {
			for _, tg := range act.ForwardConfig.TargetGroups {
				got[aws.ToString(tg.TargetGroupArn)] = aws.ToInt32(tg.Weight)
			}
		}
	}
	return got
}

func expectForward(env *testEnv, listener string, want map[string]int32) resource.TestCheckFunc {
	return func(*terraform.State) error {
		out, err := env.Clients.ELBv2.DescribeListeners(context.Background(), &elbv2.DescribeListenersInput{ListenerArns: []string{listener}})
		if err != nil {
			return err
		}
		got := map[string]int32{}
		for _, act := range out.Listeners[0].DefaultActions {
			if act.ForwardConfig != nil {
				for _, tg := range act.ForwardConfig.TargetGroups {
					got[aws.ToString(tg.TargetGroupArn)] = aws.ToInt32(tg.Weight)
				}
			}
		}
		for k, v := range want {
			if got[k] != v {
				return fmt.Errorf("listener forwards %v, want %v", got, want)
			}
		}
		return nil
	}
}

func modifyListenerCalls(env *testEnv) int {
	return len(env.Sandbox.Calls(sandbox.CallFilter{Service: "elbv2", Operation: "ModifyListener"}))
}

// Swapping the two ARNs moves all traffic to the other group: the plan must
// show it (weights and planned steps), and the apply does exactly that.
func TestAccSwitchRegression_swappedTargetGroupsArePlanned(t *testing.T) {
	env := newTestSandbox(t)
	a := newRegressionALB(t, env, "rg-swap")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, "blue", "")},
			{
				Config: regressionConfig(a.ListenerARN, a.GreenARN, a.BlueARN, "blue", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(switchRes, tfjsonpath.New("blue_weight"), knownvalue.Int64Exact(100)),
					plancheck.ExpectKnownValue(switchRes, tfjsonpath.New("green_weight"), knownvalue.Int64Exact(0)),
					plancheck.ExpectKnownValue(switchRes, tfjsonpath.New("planned_steps"), knownvalue.ListSizeExact(1)),
					plancheck.ExpectUnknownValue(switchRes, tfjsonpath.New("status")),
				}},
				// The old green group (now blue) receives everything.
				Check: expectForward(env, a.ListenerARN, map[string]int32{a.GreenARN: 100, a.BlueARN: 0}),
			},
		},
	})
}

// Two switches on one listener: the second is refused before any write, and
// the listener keeps the first one's weights.
func TestAccSwitchRegression_oneOwnerPerListener(t *testing.T) {
	env := newTestSandbox(t)
	a := newRegressionALB(t, env, "rg-owner")
	first := regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, "blue", "")
	second := strings.Replace(regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, "green", ""), `"test"`, `"other"`, 1)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: first},
			{
				Config:      first + second,
				ExpectError: regexp.MustCompile(`Listener owned by another switch`),
			},
			{PreConfig: holdsAfterError(t, expectForward(env, a.ListenerARN, map[string]int32{a.BlueARN: 100, a.GreenARN: 0})), Config: first, Check: expectForward(env, a.ListenerARN, map[string]int32{a.BlueARN: 100, a.GreenARN: 0})},
		},
	})
}

// An error before the shift starts never saves planned values: on create
// there is no resource, on update the prior state stays.
func TestAccSwitchRegression_errorBeforeShiftSavesNothingPlanned(t *testing.T) {
	env := newTestSandbox(t)
	a := newRegressionALB(t, env, "rg-early")
	// A fixed-response default action cannot be adopted: refused at plan.
	if _, err := env.Clients.ELBv2.ModifyListener(context.Background(), &elbv2.ModifyListenerInput{ListenerArn: aws.String(a.ListenerARN),
		DefaultActions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumFixedResponse,
			FixedResponseConfig: &elbv2types.FixedResponseActionConfig{StatusCode: aws.String("503")}}}}); err != nil {
		t.Fatal(err)
	}
	var faultID string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{
				Config:      regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, "green", ""),
				ExpectError: regexp.MustCompile(`Listener action cannot be adopted`),
			},
			{
				PreConfig: func() {
					if _, err := env.Clients.ELBv2.ModifyListener(context.Background(), &elbv2.ModifyListenerInput{ListenerArn: aws.String(a.ListenerARN),
						DefaultActions: []elbv2types.Action{forwardAction(a.BlueARN, 100, a.GreenARN, 0)}}); err != nil {
						t.Fatal(err)
					}
				},
				Config: regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, "blue", ""),
			},
			{
				// DescribeListeners failing (after the plan) on every call of
				// the apply: nothing written, the prior state stays.
				PreConfig: func() {
					id, err := env.Sandbox.InjectFault(sandbox.Fault{Service: "elbv2", Operation: "DescribeListeners", Kind: sandbox.HTTP5xx, Status: 500, After: 2})
					if err != nil {
						t.Fatal(err)
					}
					faultID = id
				},
				Config: "provider \"bluegreen\" {\n  max_retries = 1\n}\n" + regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, "green", `  timeouts {
    update = "1m"
  }`),
				ExpectError: regexp.MustCompile(`Error reading listener weights|Error claiming listener`),
			},
			{
				PreConfig: func() { env.Sandbox.RemoveFault(faultID) },
				Config:    regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, "blue", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					expectPriorState(switchRes, "active_color", "blue"),
					expectPriorState(switchRes, "blue_weight", float64(100)),
					expectPriorState(switchRes, "status", "stable"),
					plancheck.ExpectEmptyPlan(),
				}},
			},
		},
	})
}

// The timeout bounds the first read too: with update = "20s" and every
// DescribeListeners answered after 30 s, the apply gives up within the
// budget (no wall-clock assertion: the sandbox counts the calls the provider
// started, which stop at the deadline).
func TestAccSwitchRegression_timeoutBoundsFirstRead(t *testing.T) {
	env := newTestSandbox(t, withHTTPTimeout(5*time.Second))
	a := newRegressionALB(t, env, "rg-slow")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, "blue", "")},
			{
				PreConfig: func() {
					if _, err := env.Sandbox.InjectFault(sandbox.Fault{Service: "elbv2", Operation: "DescribeListeners", Kind: sandbox.Latency,
						Latency: time.Minute, After: 2}); err != nil {
						t.Fatal(err)
					}
				},
				Config: regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, "green", `  timeouts {
    update = "20s"
  }`),
				ExpectError: regexp.MustCompile(`(?i)deadline|timed out|timeout|canceled`),
			},
			{
				PreConfig: func() {
					env.Sandbox.ClearFaults()
					holdsAfterError(t, expectForward(env, a.ListenerARN, map[string]int32{a.BlueARN: 100, a.GreenARN: 0}))()
				},
				Config: regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, "blue", ""),
			},
		},
	})
}

// An update that moves no traffic while status is not stable: no
// "inconsistent result", and status follows the real weights.
func TestAccSwitchRegression_statusFollowsRealWeights(t *testing.T) {
	env := newTestSandbox(t)
	a := newRegressionALB(t, env, "rg-status")
	setWeights := func(b, g int32) func() {
		return func() {
			if _, err := env.Clients.ELBv2.ModifyListener(context.Background(), &elbv2.ModifyListenerInput{ListenerArn: aws.String(a.ListenerARN),
				DefaultActions: []elbv2types.Action{forwardAction(a.BlueARN, b, a.GreenARN, g)}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, "blue", "")},
			{
				// Flipped by hand: drifted.
				PreConfig:          setWeights(0, 100),
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeTestCheckFunc(resource.TestCheckResourceAttr(switchRes, "status", "drifted"),
					resource.TestCheckResourceAttr(switchRes, "green_weight", "100")),
			},
			{
				// Put back by hand: stable again (drifted was never "forever").
				PreConfig:    setWeights(100, 0),
				RefreshState: true,
				Check: resource.ComposeTestCheckFunc(resource.TestCheckResourceAttr(switchRes, "status", "stable"),
					resource.TestCheckResourceAttr(switchRes, "blue_weight", "100")),
			},
			{
				// Flipped by hand, then the configuration changed to match and
				// another attribute changed: no traffic moves, status stable.
				PreConfig: func() {
					setWeights(0, 100)()
					env.Sandbox.ResetCalls()
				},
				Config:            regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, "green", `  bake_time = "5s"`),
				ConfigStateChecks: weightChecks(0, 100, "stable"),
				Check: func(*terraform.State) error {
					if n := modifyListenerCalls(env); n != 0 {
						return fmt.Errorf("an update that moves no traffic called ModifyListener %d times", n)
					}
					return nil
				},
			},
		},
	})
}

// A switch can change its idle target group (a planned, checked operation
// that moves no traffic) and refuses to drop the serving one.
func TestAccSwitchRegression_replaceTargetGroups(t *testing.T) {
	env := newTestSandbox(t)
	a := newRegressionALB(t, env, "rg-repl")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, "blue", "")},
			{
				// Replace idle green by the third group: no weight change.
				Config: regressionConfig(a.ListenerARN, a.BlueARN, a.ThirdARN, "blue", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(switchRes, tfjsonpath.New("blue_weight"), knownvalue.Int64Exact(100)),
					plancheck.ExpectKnownValue(switchRes, tfjsonpath.New("green_weight"), knownvalue.Int64Exact(0)),
					plancheck.ExpectKnownValue(switchRes, tfjsonpath.New("status"), knownvalue.StringExact("stable")),
				}},
				ConfigStateChecks: weightChecks(100, 0, "stable"),
				Check: func(*terraform.State) error {
					got := forwardOf(t, env, a.ListenerARN)
					if _, old := got[a.GreenARN]; old || got[a.BlueARN] != 100 || got[a.ThirdARN] != 0 {
						return fmt.Errorf("forward %v: want blue 100 and the third group at 0, the old green gone", got)
					}
					return nil
				},
			},
			{
				// Then shift to it through a checked shift.
				Config:            regressionConfig(a.ListenerARN, a.BlueARN, a.ThirdARN, "green", ""),
				ConfigStateChecks: weightChecks(0, 100, "stable"),
			},
			{
				// Replacing the serving group is refused at plan time.
				Config:      regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, "green", ""),
				ExpectError: regexp.MustCompile(`Target group still receives traffic`),
			},
		},
	})
}

// Bad ARNs are refused at plan time: a partition that does not exist, a
// region of another partition, an upper-case ID, blue and green differing
// only in case.
func TestAccSwitchRegression_arnValidation(t *testing.T) {
	env := newTestSandbox(t)
	tg := func(partition, region, name, id string) string {
		return fmt.Sprintf("arn:%s:elasticloadbalancing:%s:123456789012:targetgroup/%s/%s", partition, region, name, id)
	}
	listener := "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/a/0123456789abcdef/0123456789abcdef"
	cases := []struct{ name, blue, green, err string }{
		{"bogus partition", tg("aws-moon", "us-east-1", "a", "0123456789abcdef"), tg("aws", "us-east-1", "b", "0123456789abcdef"), `unknown partition`},
		{"region of another partition", tg("aws", "cn-north-1", "a", "0123456789abcdef"), tg("aws", "us-east-1", "b", "0123456789abcdef"), `not a region of partition`},
		{"upper-case ID", tg("aws", "us-east-1", "a", "0123456789ABCDEF"), tg("aws", "us-east-1", "b", "0123456789abcdef"), `(?s)Invalid blue target group arn.*not\s+an\s+ELB\s+ID`},
		{"same group in another case", tg("aws", "us-east-1", "web-blue", "0123456789abcdef"), tg("aws", "us-east-1", "WEB-BLUE", "0123456789abcdef"), `Same target group`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: env.Factories,
				Steps: []resource.TestStep{{
					Config: regressionConfig(listener, tc.blue, tc.green, "green", ""), PlanOnly: true,
					ExpectError: regexp.MustCompile(tc.err),
				}},
			})
		})
	}
}

// A check whose attempt can outlast the evaluation interval is a plan-time
// error, not a silent cut at a hidden evaluation timeout.
func TestAccSwitchRegression_checkTimeoutBeyondInterval(t *testing.T) {
	env := newTestSandbox(t)
	a := newRegressionALB(t, env, "rg-httpto")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{{
			Config: regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, "green", `  rollback_on = {
    http = [{
      url     = "http://127.0.0.1:1/health"
      timeout = "45s"
    }]
    evaluation_interval = "30s"
  }`),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`Check timeout longer than the evaluation interval`),
		}},
	})
}

// The worst case never overflows and counts only what is configured: a plain
// flip fits a 1 m timeout; a bake of 2562047h is "unbounded" and refused.
func TestAccSwitchRegression_worstCase(t *testing.T) {
	env := newTestSandbox(t)
	a := newRegressionALB(t, env, "rg-worst")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, "blue", "")},
			{
				Config: regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, "green", `  timeouts {
    update = "1m"
  }`),
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(switchRes, tfjsonpath.New("status"), knownvalue.StringExact("stable"))},
			},
			{
				Config:      regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, "blue", `  bake_time = "2562047h"`),
				ExpectError: regexp.MustCompile(`(?s)Shift cannot finish within the timeout.*2562047h`),
			},
		},
	})
}

// Rule mode on a group no load balancer uses: its targets have never been
// health-checked ("unused"), so the rule is first created with a condition
// no request carries, and only gets its real conditions once the targets
// pass the pre-flight check — traffic never reaches an unchecked group.
func TestAccSwitchRegression_ruleOnUncheckedGroupIsStaged(t *testing.T) {
	env := newTestSandbox(t)
	ctx := context.Background()
	api := env.Clients.ELBv2
	a := createALB(t, api, "rg-stage", 80, 100, 0)
	tg, err := api.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: aws.String("rg-stage-new"), Port: aws.Int32(8080),
		Protocol: "HTTP", VpcId: aws.String("vpc-0123456789abcdef0")})
	if err != nil {
		t.Fatal(err)
	}
	fresh := aws.ToString(tg.TargetGroups[0].TargetGroupArn)
	if _, err := api.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: aws.String(fresh),
		Targets: []elbv2types.TargetDescription{{Id: aws.String("10.0.9.1")}}}); err != nil {
		t.Fatal(err)
	}
	if err := env.Sandbox.SetTargetHealth(fresh, "10.0.9.1", 0, "healthy", "", ""); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`
resource "bluegreen_listener_switch" "test" {
  rule = {
    listener_arn  = %q
    priority      = 10
    path_patterns = ["/new/*"]
  }
  blue_target_group_arn  = %q
  green_target_group_arn = %q
  active_color           = "green"
}
`, a.ListenerARN, a.BlueARN, fresh)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{{
			Config:            cfg,
			ConfigStateChecks: weightChecks(0, 100, "stable"),
			Check: func(*terraform.State) error {
				creates := env.Sandbox.Calls(sandbox.CallFilter{Service: "elbv2", Operation: "CreateRule"})
				if len(creates) != 1 {
					return fmt.Errorf("CreateRule called %d times", len(creates))
				}
				staged := false
				for k, v := range creates[0].Params {
					if strings.Contains(k, "HttpHeaderConfig.HttpHeaderName") && v == "X-Bluegreen-Staged" {
						staged = true
					}
					if strings.Contains(k, "PathPatternConfig") {
						return fmt.Errorf("the rule was created with its real conditions (%s=%s) before its group was checked", k, v)
					}
				}
				if !staged {
					return fmt.Errorf("the rule was not staged behind a header no request carries: %v", creates[0].Params)
				}
				for _, c := range env.Sandbox.Calls(sandbox.CallFilter{Service: "elbv2", Operation: "ModifyRule"}) {
					for k := range c.Params {
						if strings.Contains(k, "PathPatternConfig") {
							return nil
						}
					}
				}
				return fmt.Errorf("the staged rule never got its real conditions")
			},
		}},
	})
}

// A listener that does not exist: the create fails and leaves no resource
// (nothing planned is saved), and the next plan still wants to create it.
func TestAccSwitchRegression_listenerNotFoundLeavesNoResource(t *testing.T) {
	env := newTestSandbox(t)
	a := newRegressionALB(t, env, "rg-gone")
	missing := a.ListenerARN[:len(a.ListenerARN)-16] + "00000000000000ff"
	cfg := regressionConfig(missing, a.BlueARN, a.GreenARN, "green", "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: cfg, ExpectError: regexp.MustCompile(`(?i)not found`)},
			{
				Config: cfg, PlanOnly: true, ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(switchRes, plancheck.ResourceActionCreate),
				}},
			},
		},
	})
}

// A target group that does not exist while attaching both groups: the apply
// fails and state records the weights read back (blue 100), not the planned
// ones.
func TestAccSwitchRegression_targetGroupNotFoundWhileAttaching(t *testing.T) {
	env := newTestSandbox(t)
	a := newRegressionALB(t, env, "rg-notg")
	if _, err := env.Clients.ELBv2.ModifyListener(context.Background(), &elbv2.ModifyListenerInput{ListenerArn: aws.String(a.ListenerARN),
		DefaultActions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumForward, TargetGroupArn: aws.String(a.BlueARN)}}}); err != nil {
		t.Fatal(err)
	}
	missing := a.GreenARN[:len(a.GreenARN)-16] + "00000000000000ff"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{
				Config:      regressionConfig(a.ListenerARN, a.BlueARN, missing, "green", ""),
				ExpectError: regexp.MustCompile(`(?i)TargetGroupNotFound|not found`),
			},
			{
				Config: regressionConfig(a.ListenerARN, a.BlueARN, missing, "green", ""), PlanOnly: true, ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					priorStateIfAny{address: switchRes, attribute: "green_weight", want: float64(0)},
				}},
			},
		},
	})
}

// priorStateIfAny is expectPriorState for a resource that may be absent
// (a create that left nothing).
type priorStateIfAny struct {
	address, attribute string
	want               any
}

func (c priorStateIfAny) CheckPlan(ctx context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	if req.Plan.PriorState == nil || req.Plan.PriorState.Values == nil {
		return
	}
	for _, r := range req.Plan.PriorState.Values.RootModule.Resources {
		if r.Address == c.address && r.AttributeValues[c.attribute] != c.want {
			resp.Error = fmt.Errorf("%s.%s = %v in state, want %v (planned values must never be saved)", c.address, c.attribute,
				r.AttributeValues[c.attribute], c.want)
		}
	}
}

// Importing a listener another switch owns takes it over under a new owner
// ID: from then on the old switch is refused — never two owners that fight
// over the weights on every apply (found by a hostile pass).
func TestAccSwitchRegression_importTakesOverOwnership(t *testing.T) {
	env := newTestSandbox(t)
	a := newRegressionALB(t, env, "rg-imp")
	first := func(color string) string { return regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, color, "") }
	second := func(color string) string {
		return strings.Replace(regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, color, ""), `"test"`, `"other"`, 1)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: first("blue")},
			{
				// An import block: the second switch is imported and applied,
				// taking the listener over; the plan after it already refuses
				// the first switch.
				Config:      first("blue") + second("blue") + fmt.Sprintf("import {\n  to = bluegreen_listener_switch.other\n  id = %q\n}\n", a.ListenerARN),
				ExpectError: regexp.MustCompile(`owned by another switch`),
			},
			{
				// The imported switch claims the listener; the old one is
				// refused when it tries to move traffic.
				Config:      first("green") + second("blue"),
				ExpectError: regexp.MustCompile(`owned by another switch`),
			},
		},
	})
	// The refused apply moved nothing (destroying the switches does not
	// move traffic either).
	holdsAfterError(t, expectForward(env, a.ListenerARN, map[string]int32{a.BlueARN: 100, a.GreenARN: 0}))()
}
