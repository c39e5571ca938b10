package conformance

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/elbv2"
)

// stack is an ALB with a blue and a green target group and an HTTP:80
// listener forwarding 100/0 to them.
type stack struct {
	lb, blue, green, listener string
}

const (
	testVPC = elbv2.DefaultVPCID // the sandbox's default VPC
	subnetA = "subnet-0a1b2c3d4e5f60001"
	subnetB = "subnet-0a1b2c3d4e5f60002"
)

func createTG(t *testing.T, name string) string {
	t.Helper()
	out := must(elbc.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{
		Name:       aws.String(name),
		Protocol:   elbtypes.ProtocolEnumHttp,
		Port:       aws.Int32(8080),
		VpcId:      aws.String(testVPC),
		TargetType: elbtypes.TargetTypeEnumIp,
	}))(t)
	return aws.ToString(out.TargetGroups[0].TargetGroupArn)
}

func newStack(t *testing.T, prefix string) stack {
	t.Helper()
	lb := must(elbc.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{
		Name:    aws.String(uniq(prefix)),
		Subnets: []string{subnetA, subnetB},
	}))(t)
	st := stack{
		lb:    aws.ToString(lb.LoadBalancers[0].LoadBalancerArn),
		blue:  createTG(t, uniq(prefix+"-b")),
		green: createTG(t, uniq(prefix+"-g")),
	}
	l := must(elbc.CreateListener(ctx, &elb.CreateListenerInput{
		LoadBalancerArn: aws.String(st.lb),
		Port:            aws.Int32(80),
		Protocol:        elbtypes.ProtocolEnumHttp,
		DefaultActions:  forward(weighted{st.blue, 100}, weighted{st.green, 0}),
	}))(t)
	st.listener = aws.ToString(l.Listeners[0].ListenerArn)
	return st
}

type weighted struct {
	arn    string
	weight int32
}

func forward(tgs ...weighted) []elbtypes.Action {
	fc := &elbtypes.ForwardActionConfig{}
	for _, tg := range tgs {
		fc.TargetGroups = append(fc.TargetGroups, elbtypes.TargetGroupTuple{TargetGroupArn: aws.String(tg.arn), Weight: aws.Int32(tg.weight)})
	}
	return []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, ForwardConfig: fc}}
}

func forwardSticky(seconds int32, tgs ...weighted) []elbtypes.Action {
	a := forward(tgs...)
	a[0].ForwardConfig.TargetGroupStickinessConfig = &elbtypes.TargetGroupStickinessConfig{
		Enabled: aws.Bool(true), DurationSeconds: aws.Int32(seconds),
	}
	return a
}

func pathRule(path string) []elbtypes.RuleCondition {
	return []elbtypes.RuleCondition{{Field: aws.String("path-pattern"), PathPatternConfig: &elbtypes.PathPatternConditionConfig{Values: []string{path}}}}
}

// Well-formed ARNs of resources that do not exist.
const (
	missingLB       = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/missing/0123456789abcdef"
	missingTG       = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/missing/0123456789abcdef"
	missingListener = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/missing/0123456789abcdef/0123456789abcdef"
	missingRule     = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/missing/0123456789abcdef/0123456789abcdef/0123456789abcdef"
)

// TestValidationRulesThroughSDK shows each rule of DESIGN §5 rejected with
// AWS's error code, as the SDK reports it (smithy.APIError.ErrorCode).
func TestValidationRulesThroughSDK(t *testing.T) {
	st := newStack(t, "val")
	extra := make([]weighted, 6)
	for i := range extra {
		extra[i] = weighted{createTG(t, uniq("val-x")), 1}
	}

	cases := []struct {
		name string
		code string
		call func() error
	}{
		{"forward weight 1000", "ValidationError", func() error {
			_, err := elbc.ModifyListener(ctx, &elb.ModifyListenerInput{ListenerArn: aws.String(st.listener),
				DefaultActions: forward(weighted{st.blue, 1000}, weighted{st.green, 0})})
			return err
		}},
		{"forward weight -1", "ValidationError", func() error {
			_, err := elbc.ModifyListener(ctx, &elb.ModifyListenerInput{ListenerArn: aws.String(st.listener),
				DefaultActions: forward(weighted{st.blue, -1}, weighted{st.green, 0})})
			return err
		}},
		{"six target groups in one forward action", "ValidationError", func() error {
			_, err := elbc.ModifyListener(ctx, &elb.ModifyListenerInput{ListenerArn: aws.String(st.listener),
				DefaultActions: forward(extra...)})
			return err
		}},
		{"stickiness duration 0", "ValidationError", func() error {
			_, err := elbc.ModifyListener(ctx, &elb.ModifyListenerInput{ListenerArn: aws.String(st.listener),
				DefaultActions: forwardSticky(0, weighted{st.blue, 50}, weighted{st.green, 50})})
			return err
		}},
		{"stickiness duration 604801", "ValidationError", func() error {
			_, err := elbc.ModifyListener(ctx, &elb.ModifyListenerInput{ListenerArn: aws.String(st.listener),
				DefaultActions: forwardSticky(604801, weighted{st.blue, 50}, weighted{st.green, 50})})
			return err
		}},
		{"target group stickiness.lb_cookie.duration_seconds 0", "ValidationError", func() error {
			_, err := elbc.ModifyTargetGroupAttributes(ctx, &elb.ModifyTargetGroupAttributesInput{TargetGroupArn: aws.String(st.blue),
				Attributes: []elbtypes.TargetGroupAttribute{{Key: aws.String("stickiness.lb_cookie.duration_seconds"), Value: aws.String("0")}}})
			return err
		}},
		{"target group stickiness.lb_cookie.duration_seconds 604801", "ValidationError", func() error {
			_, err := elbc.ModifyTargetGroupAttributes(ctx, &elb.ModifyTargetGroupAttributesInput{TargetGroupArn: aws.String(st.blue),
				Attributes: []elbtypes.TargetGroupAttribute{{Key: aws.String("stickiness.lb_cookie.duration_seconds"), Value: aws.String("604801")}}})
			return err
		}},
		{"delete a target group a listener uses", "ResourceInUse", func() error {
			_, err := elbc.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: aws.String(st.green)})
			return err
		}},
		{"target group name of 33 characters", "ValidationError", func() error {
			_, err := elbc.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String(strings.Repeat("a", 33)),
				Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80), VpcId: aws.String(testVPC)})
			return err
		}},
		{"unknown target group", "TargetGroupNotFound", func() error {
			_, err := elbc.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{missingTG}})
			return err
		}},
		{"unknown target group in a forward action", "TargetGroupNotFound", func() error {
			_, err := elbc.ModifyListener(ctx, &elb.ModifyListenerInput{ListenerArn: aws.String(st.listener),
				DefaultActions: forward(weighted{st.blue, 1}, weighted{missingTG, 1})})
			return err
		}},
		{"unknown listener", "ListenerNotFound", func() error {
			_, err := elbc.DescribeListeners(ctx, &elb.DescribeListenersInput{ListenerArns: []string{missingListener}})
			return err
		}},
		{"modify an unknown listener", "ListenerNotFound", func() error {
			_, err := elbc.ModifyListener(ctx, &elb.ModifyListenerInput{ListenerArn: aws.String(missingListener),
				DefaultActions: forward(weighted{st.blue, 1})})
			return err
		}},
		{"unknown load balancer", "LoadBalancerNotFound", func() error {
			_, err := elbc.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{missingLB}})
			return err
		}},
		{"listener on an unknown load balancer", "LoadBalancerNotFound", func() error {
			_, err := elbc.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(missingLB),
				Port: aws.Int32(81), Protocol: elbtypes.ProtocolEnumHttp, DefaultActions: forward(weighted{st.blue, 1})})
			return err
		}},
		{"unknown rule", "RuleNotFound", func() error {
			_, err := elbc.DescribeRules(ctx, &elb.DescribeRulesInput{RuleArns: []string{missingRule}})
			return err
		}},
		{"modify an unknown rule", "RuleNotFound", func() error {
			_, err := elbc.ModifyRule(ctx, &elb.ModifyRuleInput{RuleArn: aws.String(missingRule), Actions: forward(weighted{st.blue, 1})})
			return err
		}},
		{"duplicate listener port", "DuplicateListener", func() error {
			_, err := elbc.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(st.lb),
				Port: aws.Int32(80), Protocol: elbtypes.ProtocolEnumHttp, DefaultActions: forward(weighted{st.blue, 1})})
			return err
		}},
		{"rule priority in use", "PriorityInUse", func() error {
			for _, path := range []string{"/a/*", "/b/*"} {
				if _, err := elbc.CreateRule(ctx, &elb.CreateRuleInput{ListenerArn: aws.String(st.listener), Priority: aws.Int32(10),
					Conditions: pathRule(path), Actions: forward(weighted{st.blue, 1}, weighted{st.green, 1})}); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantCode(t, c.call(), c.code)
		})
	}

	// None of the rejected writes changed the listener.
	out := must(elbc.DescribeListeners(ctx, &elb.DescribeListenersInput{ListenerArns: []string{st.listener}}))(t)
	got := weightsOf(out.Listeners[0].DefaultActions)
	if got[st.blue] != 100 || got[st.green] != 0 || len(got) != 2 {
		t.Errorf("listener weights after rejected writes = %v, want blue 100 green 0", got)
	}
}

func weightsOf(actions []elbtypes.Action) map[string]int32 {
	out := map[string]int32{}
	for _, a := range actions {
		if a.ForwardConfig == nil {
			continue
		}
		for _, tg := range a.ForwardConfig.TargetGroups {
			out[aws.ToString(tg.TargetGroupArn)] = aws.ToInt32(tg.Weight)
		}
	}
	return out
}

// TestWeightedForwardRoundTrip is the provider's core write: shift weights
// (with stickiness) and read them back.
func TestWeightedForwardRoundTrip(t *testing.T) {
	st := newStack(t, "rt")
	must(elbc.ModifyListener(ctx, &elb.ModifyListenerInput{ListenerArn: aws.String(st.listener),
		DefaultActions: forwardSticky(3600, weighted{st.blue, 90}, weighted{st.green, 10})}))(t)
	out := must(elbc.DescribeListeners(ctx, &elb.DescribeListenersInput{LoadBalancerArn: aws.String(st.lb)}))(t)
	if len(out.Listeners) != 1 {
		t.Fatalf("%d listeners", len(out.Listeners))
	}
	a := out.Listeners[0].DefaultActions
	if got := weightsOf(a); got[st.blue] != 90 || got[st.green] != 10 {
		t.Errorf("weights = %v", got)
	}
	sc := a[0].ForwardConfig.TargetGroupStickinessConfig
	if sc == nil || !aws.ToBool(sc.Enabled) || aws.ToInt32(sc.DurationSeconds) != 3600 {
		t.Errorf("stickiness = %+v", sc)
	}

	// The same through a rule.
	rule := must(elbc.CreateRule(ctx, &elb.CreateRuleInput{ListenerArn: aws.String(st.listener), Priority: aws.Int32(5),
		Conditions: pathRule("/api/*"), Actions: forward(weighted{st.blue, 0}, weighted{st.green, 100})}))(t)
	ruleARN := aws.ToString(rule.Rules[0].RuleArn)
	must(elbc.ModifyRule(ctx, &elb.ModifyRuleInput{RuleArn: aws.String(ruleARN), Actions: forward(weighted{st.blue, 25}, weighted{st.green, 75})}))(t)
	rules := must(elbc.DescribeRules(ctx, &elb.DescribeRulesInput{RuleArns: []string{ruleARN}}))(t)
	if got := weightsOf(rules.Rules[0].Actions); got[st.blue] != 25 || got[st.green] != 75 {
		t.Errorf("rule weights = %v", got)
	}
}
