package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/alb"
)

const stateDS = "data.bluegreen_listener_state.test"

// TestAccListenerStateDataSource_basic proves the harness end to end: the
// provider configures against the sandbox and reads a listener's weights.
func TestAccListenerStateDataSource_basic(t *testing.T) {
	env := newTestSandbox(t)
	a := createALB(t, env.Clients.ELBv2, "ds-basic", 80, 80, 20)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`data "bluegreen_listener_state" "test" { listener_arn = %q }`, a.ListenerARN),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(stateDS, tfjsonpath.New("blue_weight"), knownvalue.Int64Exact(80)),
				statecheck.ExpectKnownValue(stateDS, tfjsonpath.New("green_weight"), knownvalue.Int64Exact(20)),
				statecheck.ExpectKnownValue(stateDS, tfjsonpath.New("green_percent"), knownvalue.Float64Exact(20)),
				statecheck.ExpectKnownValue(stateDS, tfjsonpath.New("active_color"), knownvalue.StringExact("split")),
				statecheck.ExpectKnownValue(stateDS, tfjsonpath.New("blue_target_group_arn"), knownvalue.StringExact(a.BlueARN)),
				statecheck.ExpectKnownValue(stateDS, tfjsonpath.New("green_target_group_arn"), knownvalue.StringExact(a.GreenARN)),
				statecheck.ExpectKnownValue(stateDS, tfjsonpath.New("target_groups"), knownvalue.ListSizeExact(2)),
			},
		}},
	})
}

// TestAccListenerStateDataSource_afterFlip reads the active and idle colors
// after a switch flipped the listener to green.
func TestAccListenerStateDataSource_afterFlip(t *testing.T) {
	env := newTestSandbox(t)
	a := switchALB(t, env, "ds-flip")
	cfg := switchConfig(a, "green", "") + `
data "bluegreen_listener_state" "test" {
  listener_arn = bluegreen_listener_switch.test.listener_arn
  depends_on   = [bluegreen_listener_switch.test]
}`
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(stateDS, tfjsonpath.New("active_color"), knownvalue.StringExact("green")),
				statecheck.ExpectKnownValue(stateDS, tfjsonpath.New("idle_color"), knownvalue.StringExact("blue")),
				statecheck.ExpectKnownValue(stateDS, tfjsonpath.New("green_weight"), knownvalue.Int64Exact(100)),
			},
		}},
	})
}

// TestAccProvider_invalidConfiguration: bad provider settings are reported
// on the attribute, before any AWS call.
func TestAccProvider_invalidConfiguration(t *testing.T) {
	t.Parallel()
	ds := `data "bluegreen_listener_state" "test" { listener_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/a/0123456789abcdef/0123456789abcdef" }`
	cases := []struct{ name, provider, err string }{
		{"region", `region = "nowhere"`, `Invalid region`},
		{"endpoint", `endpoints { elbv2 = "localhost:4566" }`, `Invalid elbv2`},
		{"assume role duration", `assume_role {
    role_arn = "arn:aws:iam::123456789012:role/deployer"
    duration = "forever"
  }`, `Invalid duration`},
		{"assume role arn", `assume_role { role_arn = "deployer" }`, `Invalid role arn`},
		{"max retries", `max_retries = 1000`, `max_retries`},
		{"both listener and rule", ``, `Invalid Attribute Combination`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fmt.Sprintf("provider \"bluegreen\" {\n  %s\n}\n%s", tc.provider, ds)
			if tc.name == "both listener and rule" {
				cfg = `data "bluegreen_listener_state" "test" {
  listener_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/a/0123456789abcdef/0123456789abcdef"
  rule_arn     = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/a/0123456789abcdef/0123456789abcdef/0123456789abcdef"
}`
			}
			resource.ParallelTest(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps:                    []resource.TestStep{{Config: cfg, PlanOnly: true, ExpectError: regexp.MustCompile(tc.err)}},
			})
		})
	}
}

// TestSummarizeForward covers every forward shape without the CLI.
func TestSummarizeForward(t *testing.T) {
	const b, g, o = "arn-blue", "arn-green", "arn-other"
	ft := func(arn string, w int32) alb.ForwardTarget { return alb.ForwardTarget{TargetGroupARN: arn, Weight: w} }
	cases := []struct {
		name         string
		in           []alb.ForwardTarget
		blue, green  int32
		other        int32
		active, idle string
	}{
		{"no forward (redirect, fixed response)", nil, 0, 0, 0, "none", ""},
		{"single blue", []alb.ForwardTarget{ft(b, 1)}, 100, 0, 0, "blue", "green"},
		{"single blue at weight 0", []alb.ForwardTarget{ft(b, 0)}, 0, 0, 0, "none", ""},
		{"both zero", []alb.ForwardTarget{ft(b, 0), ft(g, 0)}, 0, 0, 0, "none", ""},
		{"all green", []alb.ForwardTarget{ft(b, 0), ft(g, 100)}, 0, 100, 0, "green", "blue"},
		{"split", []alb.ForwardTarget{ft(b, 80), ft(g, 20)}, 80, 20, 0, "split", ""},
		{"blue and a third group", []alb.ForwardTarget{ft(b, 50), ft(o, 50)}, 50, 0, 50, "split", ""},
		{"blue with a third group at 0", []alb.ForwardTarget{ft(b, 50), ft(o, 0)}, 50, 0, 0, "blue", "green"},
		{"only a third group", []alb.ForwardTarget{ft(o, 1)}, 0, 0, 100, "none", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := summarizeForward(tc.in, b, g)
			if s.Weights.Blue != tc.blue || s.Weights.Green != tc.green || s.Other != tc.other || s.Active != tc.active || s.Idle != tc.idle {
				t.Errorf("got blue %d green %d other %d active %q idle %q, want %d %d %d %q %q",
					s.Weights.Blue, s.Weights.Green, s.Other, s.Active, s.Idle, tc.blue, tc.green, tc.other, tc.active, tc.idle)
			}
		})
	}
}

// TestAccListenerStateDataSource_everyForwardShape reads listeners whose
// default action is each shape the data source meets, against the sandbox
// (issue 17: weight 0 read as blue 100, a third group read as blue,
// redirect and fixed response unreadable).
func TestAccListenerStateDataSource_everyForwardShape(t *testing.T) {
	env := newTestSandbox(t)
	testAccPreCheck(t)
	ctx := context.Background()
	api := env.Clients.ELBv2
	a := createALB(t, env.Clients.ELBv2, "ds-shapes", 80, 100, 0)
	other, err := api.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: aws.String("ds-shapes-other"), Port: aws.Int32(8080),
		Protocol: "HTTP", VpcId: aws.String("vpc-0123456789abcdef0")})
	if err != nil {
		t.Fatal(err)
	}
	otherARN := aws.ToString(other.TargetGroups[0].TargetGroupArn)
	tuple := func(arn string, w int32) elbv2types.TargetGroupTuple {
		return elbv2types.TargetGroupTuple{TargetGroupArn: aws.String(arn), Weight: aws.Int32(w)}
	}
	fwd := func(ts ...elbv2types.TargetGroupTuple) elbv2types.Action {
		return elbv2types.Action{Type: "forward", ForwardConfig: &elbv2types.ForwardActionConfig{TargetGroups: ts}}
	}
	shapes := []struct {
		name   string
		action elbv2types.Action
		checks map[string]knownvalue.Check
	}{
		{"zero", fwd(tuple(a.BlueARN, 0)), map[string]knownvalue.Check{
			"active_color": knownvalue.StringExact("none"), "blue_weight": knownvalue.Int64Exact(0), "has_forward": knownvalue.Bool(true)}},
		{"third", fwd(tuple(a.BlueARN, 50), tuple(otherARN, 50)), map[string]knownvalue.Check{
			"active_color": knownvalue.StringExact("split"), "blue_weight": knownvalue.Int64Exact(50), "other_weight": knownvalue.Int64Exact(50),
			"idle_color": knownvalue.StringExact("")}},
		{"fixed", elbv2types.Action{Type: "fixed-response", FixedResponseConfig: &elbv2types.FixedResponseActionConfig{StatusCode: aws.String("503")}},
			map[string]knownvalue.Check{"active_color": knownvalue.StringExact("none"), "has_forward": knownvalue.Bool(false),
				"target_groups": knownvalue.ListSizeExact(0)}},
		{"redirect", elbv2types.Action{Type: "redirect", RedirectConfig: &elbv2types.RedirectActionConfig{StatusCode: "HTTP_301", Host: aws.String("example.com")}},
			map[string]knownvalue.Check{"active_color": knownvalue.StringExact("none"), "has_forward": knownvalue.Bool(false)}},
		{"single", elbv2types.Action{Type: "forward", TargetGroupArn: aws.String(a.GreenARN)}, map[string]knownvalue.Check{
			"active_color": knownvalue.StringExact("green"), "green_weight": knownvalue.Int64Exact(100), "idle_color": knownvalue.StringExact("blue")}},
	}
	var cfg strings.Builder
	var checks []statecheck.StateCheck
	for i, s := range shapes {
		l, err := api.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: aws.String(a.LoadBalancerARN), Port: aws.Int32(int32(8100 + i)),
			Protocol: "HTTP", DefaultActions: []elbv2types.Action{s.action}})
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		fmt.Fprintf(&cfg, "data \"bluegreen_listener_state\" %q { listener_arn = %q }\n", s.name, aws.ToString(l.Listeners[0].ListenerArn))
		for attr, c := range s.checks {
			checks = append(checks, statecheck.ExpectKnownValue("data.bluegreen_listener_state."+s.name, tfjsonpath.New(attr), c))
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps:                    []resource.TestStep{{Config: cfg.String(), ConfigStateChecks: checks}},
	})
}
