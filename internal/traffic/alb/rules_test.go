package alb

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

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

func TestColorWeights(t *testing.T) {
	const otherTG = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-canary/0123456789abcdef"
	cases := []struct {
		name    string
		in      []ForwardTarget
		want    traffic.Weights
		foreign []ForwardTarget
		twice   string
	}{
		{"both", []ForwardTarget{{blueTG, 90}, {greenTG, 10}}, traffic.Weights{Blue: 90, Green: 10}, nil, ""},
		{"single group carries all", []ForwardTarget{{greenTG, 1}}, traffic.Weights{Green: 100}, nil, ""},
		{"a third group", []ForwardTarget{{blueTG, 5}, {otherTG, 7}}, traffic.Weights{Blue: 5}, []ForwardTarget{{otherTG, 7}}, ""},
		{"only a third group, on the percent scale", []ForwardTarget{{otherTG, 1}}, traffic.Weights{}, []ForwardTarget{{otherTG, 100}}, ""},
		{"blue twice", []ForwardTarget{{blueTG, 1}, {blueTG, 2}}, traffic.Weights{Blue: 2}, nil, blueTG},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, foreign, twice := ColorWeights(tc.in, blueTG, greenTG)
			if w != tc.want || !slices.Equal(foreign, tc.foreign) || twice != tc.twice {
				t.Fatalf("ColorWeights = %v, %v, %q; want %v, %v, %q", w, foreign, twice, tc.want, tc.foreign, tc.twice)
			}
		})
	}
}

func TestDescribeForwardWithoutForwardIsErrNoForward(t *testing.T) {
	api := &fakeELB{listener: []types.Action{{Type: types.ActionTypeEnumRedirect}}}
	if _, _, err := DescribeForward(context.Background(), api, listenerARN); !errors.Is(err, ErrNoForward) {
		t.Fatalf("err = %v, want ErrNoForward", err)
	}
}
