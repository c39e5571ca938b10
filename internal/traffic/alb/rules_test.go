package alb

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

func TestListenerARNOfRule(t *testing.T) {
	cases := map[string]string{
		"arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee": "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2",
		"arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2":                       "",
		"not an arn": "",
	}
	for in, want := range cases {
		if got := ListenerARNOfRule(in); got != want {
			t.Errorf("ListenerARNOfRule(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDescribeForward(t *testing.T) {
	cases := []struct {
		name    string
		actions []types.Action
		want    []ForwardTarget
		sticky  bool
		wantErr bool
	}{
		{"weighted", []types.Action{fwd(tg(blueTG, 90), tg(greenTG, 10))},
			[]ForwardTarget{{blueTG, 90}, {greenTG, 10}}, false, false},
		{"legacy single group", []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: aws.String(blueTG)}},
			[]ForwardTarget{{blueTG, 1}}, false, false},
		{"sticky", []types.Action{{Type: types.ActionTypeEnumForward, ForwardConfig: &types.ForwardActionConfig{
			TargetGroups:                []types.TargetGroupTuple{tg(blueTG, 1)},
			TargetGroupStickinessConfig: &types.TargetGroupStickinessConfig{Enabled: aws.Bool(true), DurationSeconds: aws.Int32(60)},
		}}}, []ForwardTarget{{blueTG, 1}}, true, false},
		{"no forward", []types.Action{{Type: types.ActionTypeEnumFixedResponse}}, nil, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := &fakeELB{listener: tc.actions}
			got, st, err := DescribeForward(context.Background(), api, listenerARN)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
			if st.Enabled != tc.sticky {
				t.Fatalf("stickiness %+v, want enabled=%v", st, tc.sticky)
			}
		})
	}
}
