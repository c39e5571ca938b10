package alb

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"
)

const (
	listenerARN = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2"
	ruleARN     = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee"
	blueTG      = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-blue/73e2d6bc24d8a067"
	greenTG     = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-green/2453ed029918f21f"
	otherTG     = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/legacy/0000000000000001"
)

// fakeELB keeps one listener and one rule in memory, like ALB would, and
// records every call.
type fakeELB struct {
	mu            sync.Mutex
	listener      []types.Action
	rule          []types.Action
	ruleIsDefault bool
	calls         []string
	lastModify    []types.Action
	describeErr   error
	modifyErr     error
	// lostAnswer makes a modify apply the change and then fail with this
	// error, as a call whose answer never arrived does.
	lostAnswer error
}

func (f *fakeELB) DescribeListeners(_ context.Context, in *elbv2.DescribeListenersInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeListenersOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "DescribeListeners")
	if f.describeErr != nil {
		return nil, f.describeErr
	}
	if len(in.ListenerArns) != 1 || in.ListenerArns[0] != listenerARN {
		return &elbv2.DescribeListenersOutput{}, &smithy.GenericAPIError{Code: "ListenerNotFound", Message: "One or more listeners not found"}
	}
	return &elbv2.DescribeListenersOutput{Listeners: []types.Listener{{
		ListenerArn: aws.String(listenerARN), DefaultActions: clone(f.listener),
		Port: aws.Int32(443), Protocol: types.ProtocolEnumHttps,
	}}}, nil
}

func (f *fakeELB) ModifyListener(_ context.Context, in *elbv2.ModifyListenerInput, _ ...func(*elbv2.Options)) (*elbv2.ModifyListenerOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "ModifyListener")
	if f.modifyErr != nil {
		return nil, f.modifyErr
	}
	if in.Port != nil || in.Protocol != "" || in.Certificates != nil || in.SslPolicy != nil {
		panic("router must only send DefaultActions")
	}
	f.lastModify = clone(in.DefaultActions)
	f.listener = clone(in.DefaultActions)
	if f.lostAnswer != nil {
		return nil, f.lostAnswer
	}
	return &elbv2.ModifyListenerOutput{}, nil
}

func (f *fakeELB) DescribeRules(_ context.Context, in *elbv2.DescribeRulesInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeRulesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "DescribeRules")
	if len(in.RuleArns) != 1 || in.RuleArns[0] != ruleARN {
		return nil, &smithy.GenericAPIError{Code: "RuleNotFound", Message: "One or more rules not found"}
	}
	return &elbv2.DescribeRulesOutput{Rules: []types.Rule{{
		RuleArn: aws.String(ruleARN), Actions: clone(f.rule), Priority: aws.String("10"),
		IsDefault: aws.Bool(f.ruleIsDefault),
	}}}, nil
}

func (f *fakeELB) ModifyRule(_ context.Context, in *elbv2.ModifyRuleInput, _ ...func(*elbv2.Options)) (*elbv2.ModifyRuleOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "ModifyRule")
	if in.Conditions != nil {
		panic("router must not touch rule conditions")
	}
	if f.modifyErr != nil {
		return nil, f.modifyErr
	}
	f.lastModify = clone(in.Actions)
	f.rule = clone(in.Actions)
	if f.lostAnswer != nil {
		return nil, f.lostAnswer
	}
	return &elbv2.ModifyRuleOutput{}, nil
}

// clone copies actions deeply enough that the router cannot alias fake state.
func clone(in []types.Action) []types.Action {
	if in == nil {
		return nil
	}
	out := make([]types.Action, len(in))
	for i, a := range in {
		if a.ForwardConfig != nil {
			fc := *a.ForwardConfig
			fc.TargetGroups = append([]types.TargetGroupTuple(nil), fc.TargetGroups...)
			if fc.TargetGroupStickinessConfig != nil {
				sc := *fc.TargetGroupStickinessConfig
				fc.TargetGroupStickinessConfig = &sc
			}
			a.ForwardConfig = &fc
		}
		if a.AuthenticateOidcConfig != nil {
			oc := *a.AuthenticateOidcConfig
			a.AuthenticateOidcConfig = &oc
		}
		out[i] = a
	}
	return out
}

func fwd(tuples ...types.TargetGroupTuple) types.Action {
	return types.Action{Type: types.ActionTypeEnumForward, ForwardConfig: &types.ForwardActionConfig{TargetGroups: tuples}}
}

func tg(arn string, w int32) types.TargetGroupTuple {
	return types.TargetGroupTuple{TargetGroupArn: aws.String(arn), Weight: aws.Int32(w)}
}
