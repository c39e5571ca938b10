package alb

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

func TestListenerRouter_readAdoption(t *testing.T) {
	tests := []struct {
		name       string
		actions    []types.Action
		want       traffic.Weights
		single     bool
		stickiness Stickiness
	}{
		{
			name:    "legacy TargetGroupArn to blue reads as 100/0",
			actions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: aws.String(blueTG)}},
			want:    traffic.Weights{Blue: 100}, single: true,
		},
		{
			name: "single tuple with ALB's weight 1 plus legacy field reads as 100/0",
			actions: []types.Action{{
				Type: types.ActionTypeEnumForward, TargetGroupArn: aws.String(greenTG),
				ForwardConfig: &types.ForwardActionConfig{TargetGroups: []types.TargetGroupTuple{tg(greenTG, 1)}},
			}},
			want: traffic.Weights{Green: 100}, single: true,
		},
		{
			name:    "two groups read raw weights",
			actions: []types.Action{fwd(tg(greenTG, 3), tg(blueTG, 997))},
			want:    traffic.Weights{Blue: 997, Green: 3},
		},
		{
			name: "tuple without weight in a two-group forward reads as 1",
			actions: []types.Action{fwd(types.TargetGroupTuple{TargetGroupArn: aws.String(blueTG)},
				tg(greenTG, 0))},
			want: traffic.Weights{Blue: 1, Green: 0},
		},
		{
			name: "stickiness and a preceding authenticate action are reported",
			actions: []types.Action{
				{Type: types.ActionTypeEnumAuthenticateCognito, Order: aws.Int32(1)},
				{Type: types.ActionTypeEnumForward, Order: aws.Int32(2), ForwardConfig: &types.ForwardActionConfig{
					TargetGroups:                []types.TargetGroupTuple{tg(blueTG, 50), tg(greenTG, 50)},
					TargetGroupStickinessConfig: &types.TargetGroupStickinessConfig{Enabled: aws.Bool(true), DurationSeconds: aws.Int32(300)},
				}},
			},
			want:       traffic.Weights{Blue: 50, Green: 50},
			stickiness: Stickiness{Enabled: true, Duration: 5 * time.Minute},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeELB{listener: tt.actions}
			r := NewListenerRouter(f, listenerARN, blueTG, greenTG)
			st, err := r.Describe(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if st.Weights != tt.want || st.SingleGroup != tt.single || st.Stickiness != tt.stickiness {
				t.Fatalf("state = %+v, want weights %v single %v stickiness %+v", st, tt.want, tt.single, tt.stickiness)
			}
		})
	}
}

func TestListenerRouter_refusesWhatItCannotManage(t *testing.T) {
	tests := []struct {
		name     string
		actions  []types.Action
		problem  string
		mentions []string
	}{
		{
			name:     "forward including a foreign target group",
			actions:  []types.Action{fwd(tg(blueTG, 90), tg(otherTG, 10))},
			problem:  "other than blue and green",
			mentions: []string{otherTG, "[forward]"},
		},
		{
			name:     "legacy forward to a foreign target group",
			actions:  []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: aws.String(otherTG)}},
			problem:  "other than blue and green",
			mentions: []string{otherTG},
		},
		{
			name: "fixed response",
			actions: []types.Action{{Type: types.ActionTypeEnumFixedResponse,
				FixedResponseConfig: &types.FixedResponseActionConfig{StatusCode: aws.String("503")}}},
			problem:  "no forward action",
			mentions: []string{"[fixed-response]"},
		},
		{
			name:     "redirect after authentication",
			actions:  []types.Action{{Type: types.ActionTypeEnumAuthenticateOidc}, {Type: types.ActionTypeEnumRedirect}},
			problem:  "no forward action",
			mentions: []string{"[authenticate-oidc, redirect]"},
		},
		{
			name:    "forward with no target group",
			actions: []types.Action{{Type: types.ActionTypeEnumForward}},
			problem: "names no target group",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeELB{listener: tt.actions}
			r := NewListenerRouter(f, listenerARN, blueTG, greenTG)
			_, err := r.Read(context.Background())
			var ue *UnsupportedActionError
			if !errors.As(err, &ue) {
				t.Fatalf("Read error = %v, want *UnsupportedActionError", err)
			}
			msg := err.Error()
			for _, want := range append([]string{tt.problem, listenerARN, blueTG, greenTG}, tt.mentions...) {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not mention %q", msg, want)
				}
			}
			if err := r.Set(context.Background(), traffic.Weights{Blue: 0, Green: 100}); !errors.As(err, &ue) {
				t.Fatalf("Set error = %v, want *UnsupportedActionError", err)
			}
			for _, c := range f.calls {
				if c == "ModifyListener" {
					t.Fatal("router wrote to a listener it refused")
				}
			}
		})
	}
}

func TestListenerRouter_setPreservesEverythingButWeights(t *testing.T) {
	oidc := &types.AuthenticateOidcActionConfig{
		Issuer: aws.String("https://idp.example"), ClientId: aws.String("client"),
		AuthorizationEndpoint: aws.String("https://idp.example/auth"), TokenEndpoint: aws.String("https://idp.example/token"),
		UserInfoEndpoint: aws.String("https://idp.example/userinfo"),
	}
	f := &fakeELB{listener: []types.Action{
		{Type: types.ActionTypeEnumAuthenticateOidc, Order: aws.Int32(1), AuthenticateOidcConfig: oidc},
		{Type: types.ActionTypeEnumForward, Order: aws.Int32(5), TargetGroupArn: aws.String(blueTG),
			ForwardConfig: &types.ForwardActionConfig{
				TargetGroups:                []types.TargetGroupTuple{tg(blueTG, 1)},
				TargetGroupStickinessConfig: &types.TargetGroupStickinessConfig{Enabled: aws.Bool(true), DurationSeconds: aws.Int32(3600)},
			}},
	}}
	r := NewListenerRouter(f, listenerARN, blueTG, greenTG)
	ctx := context.Background()
	if _, err := r.Read(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.Set(ctx, traffic.Weights{Blue: 90, Green: 10}); err != nil {
		t.Fatal(err)
	}
	got, err := r.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got != (traffic.Weights{Blue: 90, Green: 10}) {
		t.Fatalf("read back %v", got)
	}
	if want := []string{"DescribeListeners", "ModifyListener", "DescribeListeners"}; !reflect.DeepEqual(f.calls, want) {
		t.Fatalf("calls = %v, want %v (Set reuses the preceding Read)", f.calls, want)
	}

	sent := f.lastModify
	if len(sent) != 2 {
		t.Fatalf("sent %d actions, want 2", len(sent))
	}
	auth, forward := sent[0], sent[1]
	if auth.Type != types.ActionTypeEnumAuthenticateOidc || aws.ToInt32(auth.Order) != 1 ||
		aws.ToString(auth.AuthenticateOidcConfig.Issuer) != "https://idp.example" {
		t.Fatalf("authenticate action changed: %+v", auth)
	}
	if !aws.ToBool(auth.AuthenticateOidcConfig.UseExistingClientSecret) {
		t.Fatal("OIDC action without a client secret must be sent with UseExistingClientSecret")
	}
	if oidc.UseExistingClientSecret != nil {
		t.Fatal("router mutated the action it read")
	}
	if aws.ToInt32(forward.Order) != 5 || forward.TargetGroupArn != nil {
		t.Fatalf("forward Order/TargetGroupArn wrong: order %v tg %v", aws.ToInt32(forward.Order), forward.TargetGroupArn)
	}
	sc := forward.ForwardConfig.TargetGroupStickinessConfig
	if sc == nil || !aws.ToBool(sc.Enabled) || aws.ToInt32(sc.DurationSeconds) != 3600 {
		t.Fatalf("stickiness not preserved: %+v", sc)
	}
	if n := len(forward.ForwardConfig.TargetGroups); n != 2 {
		t.Fatalf("forward has %d groups, want both", n)
	}

	// A flip to 0/100 still names both groups, so the next read is stable.
	if err := r.Set(ctx, traffic.Weights{Blue: 0, Green: 100}); err != nil {
		t.Fatal(err)
	}
	st, err := r.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Weights != (traffic.Weights{Blue: 0, Green: 100}) || st.SingleGroup {
		t.Fatalf("after flip: %+v", st)
	}
}

func TestListenerRouter_setStickinessRidesAlongWithWeights(t *testing.T) {
	tests := []struct {
		name        string
		enabled     bool
		duration    time.Duration
		wantErr     string
		wantEnabled bool
		wantSeconds *int32
	}{
		{name: "enable one hour", enabled: true, duration: time.Hour, wantEnabled: true, wantSeconds: aws.Int32(3600)},
		{name: "disable drops duration", enabled: false, duration: time.Hour, wantEnabled: false},
		{name: "zero duration rejected", enabled: true, duration: 0, wantErr: "out of range"},
		{name: "over seven days rejected", enabled: true, duration: 604801 * time.Second, wantErr: "out of range"},
		{name: "fractional seconds rejected", enabled: true, duration: 1500 * time.Millisecond, wantErr: "whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeELB{listener: []types.Action{fwd(tg(blueTG, 100), tg(greenTG, 0))}}
			r := NewListenerRouter(f, listenerARN, blueTG, greenTG)
			err := r.SetStickiness(tt.enabled, tt.duration)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("SetStickiness = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Set(context.Background(), traffic.Weights{Blue: 50, Green: 50}); err != nil {
				t.Fatal(err)
			}
			if want := []string{"DescribeListeners", "ModifyListener"}; !reflect.DeepEqual(f.calls, want) {
				t.Fatalf("calls = %v, want %v (one modify carries weights and stickiness)", f.calls, want)
			}
			sc := f.lastModify[0].ForwardConfig.TargetGroupStickinessConfig
			if sc == nil || aws.ToBool(sc.Enabled) != tt.wantEnabled || !reflect.DeepEqual(sc.DurationSeconds, tt.wantSeconds) {
				t.Fatalf("stickiness sent = %+v", sc)
			}
		})
	}
}

func TestListenerRouter_snapshotIsUsedOnce(t *testing.T) {
	f := &fakeELB{listener: []types.Action{fwd(tg(blueTG, 100), tg(greenTG, 0))}}
	r := NewListenerRouter(f, listenerARN, blueTG, greenTG)
	ctx := context.Background()
	_, _ = r.Read(ctx)
	_ = r.Set(ctx, traffic.Weights{Blue: 50, Green: 50})
	_ = r.Set(ctx, traffic.Weights{Blue: 0, Green: 100})
	want := []string{"DescribeListeners", "ModifyListener", "DescribeListeners", "ModifyListener"}
	if !reflect.DeepEqual(f.calls, want) {
		t.Fatalf("calls = %v, want %v", f.calls, want)
	}
}

func TestListenerRouter_errorsNameOperationAndARN(t *testing.T) {
	ctx := context.Background()
	f := &fakeELB{listener: []types.Action{fwd(tg(blueTG, 100), tg(greenTG, 0))},
		modifyErr: &smithy.GenericAPIError{Code: "ValidationError", Message: "bad"}}
	r := NewListenerRouter(f, listenerARN, blueTG, greenTG)
	err := r.Set(ctx, traffic.Weights{Blue: 1, Green: 1})
	if err == nil || !strings.HasPrefix(err.Error(), "modifying listener "+listenerARN+": ") {
		t.Fatalf("Set error = %v", err)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationError" {
		t.Fatal("API error should stay reachable with errors.As")
	}

	gone := NewListenerRouter(f, listenerARN+"0", blueTG, greenTG)
	_, err = gone.Read(ctx)
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "describing listener") {
		t.Fatalf("Read of a missing listener = %v, want ErrNotFound", err)
	}

	if err := r.Set(ctx, traffic.Weights{Blue: 1000}); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Fatalf("Set(1000) = %v", err)
	}
}

func TestRuleRouter(t *testing.T) {
	ctx := context.Background()
	f := &fakeELB{rule: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: aws.String(greenTG)}}}
	r := NewRuleRouter(f, ruleARN, blueTG, greenTG)
	if r.Kind() != "rule" || r.ARN() != ruleARN {
		t.Fatal("Kind/ARN")
	}
	w, err := r.Read(ctx)
	if err != nil || w != (traffic.Weights{Green: 100}) {
		t.Fatalf("Read = %v, %v", w, err)
	}
	if err := r.Set(ctx, traffic.Weights{Blue: 100, Green: 0}); err != nil {
		t.Fatal(err)
	}
	if w, _ := r.Read(ctx); w != (traffic.Weights{Blue: 100}) {
		t.Fatalf("after Set read %v", w)
	}
	if want := []string{"DescribeRules", "ModifyRule", "DescribeRules"}; !reflect.DeepEqual(f.calls, want) {
		t.Fatalf("calls = %v", f.calls)
	}

	f.rule = []types.Action{fwd(tg(blueTG, 1), tg(otherTG, 1))}
	var ue *UnsupportedActionError
	if _, err := r.Read(ctx); !errors.As(err, &ue) || ue.Kind != "rule" || ue.ForeignTargetGroups[0] != otherTG {
		t.Fatalf("foreign TG on rule: %v", err)
	}

	f.ruleIsDefault = true
	if _, err := r.Read(ctx); err == nil || !strings.Contains(err.Error(), "default rule") {
		t.Fatalf("default rule: %v", err)
	}

	_, err = NewRuleRouter(f, ruleARN+"x", blueTG, greenTG).Read(ctx)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing rule: %v", err)
	}
}
