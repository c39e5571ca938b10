package envpair

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// servingLB makes a load balancer with one listener whose default action is
// def, and returns the listener's ARN.
func servingLB(t *testing.T, api *elbv2.Client, name string, def types.Action) string {
	t.Helper()
	ctx := context.Background()
	lb, err := api.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String(name), Subnets: []string{"subnet-0a000001", "subnet-0b000002"}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := api.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn,
		Port: aws.Int32(80), Protocol: "HTTP", DefaultActions: []types.Action{def}})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(l.Listeners[0].ListenerArn)
}

func forward(ws map[string]int32) types.Action {
	var ts []types.TargetGroupTuple
	for arn, w := range ws {
		ts = append(ts, types.TargetGroupTuple{TargetGroupArn: aws.String(arn), Weight: aws.Int32(w)})
	}
	return types.Action{Type: types.ActionTypeEnumForward, ForwardConfig: &types.ForwardActionConfig{TargetGroups: ts}}
}

// TestServing: a color serves when a listener's default forward or a rule
// gives its group a weight above 0 — on any load balancer using it; weight 0
// is idle; a single-group forward (TargetGroupArn) serves.
func TestServing(t *testing.T) {
	_, api := startSandbox(t)
	ctx := context.Background()
	p, err := Create(ctx, api, testSpec("srv"))
	if err != nil {
		t.Fatal(err)
	}
	arns := ARNs{"blue": p.Groups["blue"].TargetGroupARN, "green": p.Groups["green"].TargetGroupARN}
	got := func() map[string]int {
		t.Helper()
		s, err := Serving(ctx, api, arns)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for c, fs := range s {
			out[c] = len(fs)
		}
		return out
	}
	if s := got(); len(s) != 0 {
		t.Fatalf("no load balancer uses the groups, yet serving %v", s)
	}
	l1 := servingLB(t, api, "srv-one", forward(map[string]int32{arns["blue"]: 100, arns["green"]: 0}))
	if s := got(); s["blue"] != 1 || s["green"] != 0 {
		t.Fatalf("blue 100 / green 0: serving %v, want blue only", s)
	}
	// A rule of a second listener gives green a share (a target group
	// belongs to one load balancer at most).
	ls, err := api.DescribeListeners(ctx, &elbv2.DescribeListenersInput{ListenerArns: []string{l1}})
	if err != nil {
		t.Fatal(err)
	}
	second, err := api.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: ls.Listeners[0].LoadBalancerArn,
		Port: aws.Int32(8081), Protocol: "HTTP", DefaultActions: []types.Action{{Type: types.ActionTypeEnumFixedResponse,
			FixedResponseConfig: &types.FixedResponseActionConfig{StatusCode: aws.String("404")}}}})
	if err != nil {
		t.Fatal(err)
	}
	l2 := aws.ToString(second.Listeners[0].ListenerArn)
	rule, err := api.CreateRule(ctx, &elbv2.CreateRuleInput{ListenerArn: aws.String(l2), Priority: aws.Int32(5),
		Conditions: []types.RuleCondition{{Field: aws.String("path-pattern"), Values: []string{"/api/*"}}},
		Actions:    []types.Action{forward(map[string]int32{arns["blue"]: 90, arns["green"]: 10})}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Serving(ctx, api, arns)
	if err != nil {
		t.Fatal(err)
	}
	if len(s["blue"]) != 2 || len(s["green"]) != 1 || s["green"][0].Kind != "rule" || s["green"][0].Weight != 10 {
		t.Fatalf("parked rule: serving %+v, want blue on the listener and the rule, green on the rule at 10", s)
	}
	if d := DescribeForwards(s["green"]); !regexp.MustCompile(`^rule arn:.*listener-rule/.* \(weight 10\)$`).MatchString(d) {
		t.Fatalf("DescribeForwards = %q", d)
	}
	// The rule gives green everything; the listener forwards to green alone.
	if _, err := api.ModifyRule(ctx, &elbv2.ModifyRuleInput{RuleArn: rule.Rules[0].RuleArn,
		Actions: []types.Action{forward(map[string]int32{arns["blue"]: 0, arns["green"]: 100})}}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.ModifyListener(ctx, &elbv2.ModifyListenerInput{ListenerArn: aws.String(l1),
		DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: aws.String(arns["green"])}}}); err != nil {
		t.Fatal(err)
	}
	if s := got(); s["blue"] != 0 || s["green"] != 2 {
		t.Fatalf("all on green: serving %v, want green only (listener and rule)", s)
	}
	// A missing group is not an error: it serves nothing.
	gone := arns["blue"][:len(arns["blue"])-4] + "0000"
	if _, err := Serving(ctx, api, ARNs{"blue": gone}); err != nil {
		t.Fatalf("a group that does not exist: %v", err)
	}
}

// TestUpdateHoldsAColor: a color on Hold keeps its health check and
// attributes; the other gets its settings (its own over the shared ones).
func TestUpdateHoldsAColor(t *testing.T) {
	_, api := startSandbox(t)
	ctx := context.Background()
	s := testSpec("hold")
	p, err := Create(ctx, api, s)
	if err != nil {
		t.Fatal(err)
	}
	arns := ARNs{"blue": p.Groups["blue"].TargetGroupARN, "green": p.Groups["green"].TargetGroupARN}
	s.HealthCheck.Path = "/healthz"
	s.DeregistrationDelay = 30 * time.Second
	own := s.Shared()
	own.SlowStart = 60 * time.Second
	s.Colors["blue"] = ColorSpec{Version: "1", Hold: true}
	s.Colors["green"] = ColorSpec{Settings: &own}
	got, err := Update(ctx, api, s, arns)
	if err != nil {
		t.Fatal(err)
	}
	b, g := got.Groups["blue"].Settings(), got.Groups["green"].Settings()
	if b.HealthCheck.Path != "/" || b.DeregistrationDelay != 300*time.Second || b.SlowStart != 0 {
		t.Fatalf("blue on hold changed: %+v", b)
	}
	if g != own {
		t.Fatalf("green has %+v, want %+v", g, own)
	}
	d := b.Diff(g)
	want := []string{"health_check.path", "deregistration_delay", "slow_start"}
	if len(d) != len(want) {
		t.Fatalf("Diff = %+v, want settings %v", d, want)
	}
	for i, x := range d {
		if x.Setting != want[i] {
			t.Fatalf("Diff[%d] = %+v, want %s", i, x, want[i])
		}
	}
	if d[0].From != "/" || d[0].To != "/healthz" || d[1].From != "300s" || d[1].To != "30s" {
		t.Fatalf("Diff values: %+v", d)
	}
}

func TestGeneratedName(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		n := GeneratedName("web-")
		if !regexp.MustCompile(`^web-[a-z0-9]{8}$`).MatchString(n) || seen[n] {
			t.Fatalf("GeneratedName = %q (seen before: %v)", n, seen[n])
		}
		seen[n] = true
	}
	// The longest prefix still fits AWS's 32 characters with "-green".
	if n := GeneratedName("abcdefghijklmnopqr") + "-green"; len(n) != 32 {
		t.Fatalf("%q has %d characters", n, len(n))
	}
}
