package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/alb"
)

// oneListener is an in-memory listener for the ALB router.
type oneListener struct{ actions []elbv2types.Action }

func (l *oneListener) DescribeListeners(context.Context, *elasticloadbalancingv2.DescribeListenersInput, ...func(*elasticloadbalancingv2.Options)) (*elasticloadbalancingv2.DescribeListenersOutput, error) {
	return &elasticloadbalancingv2.DescribeListenersOutput{Listeners: []elbv2types.Listener{{ListenerArn: aws.String(stickyListener), DefaultActions: l.actions}}}, nil
}

func (l *oneListener) ModifyListener(_ context.Context, in *elasticloadbalancingv2.ModifyListenerInput, _ ...func(*elasticloadbalancingv2.Options)) (*elasticloadbalancingv2.ModifyListenerOutput, error) {
	l.actions = in.DefaultActions
	return &elasticloadbalancingv2.ModifyListenerOutput{}, nil
}

const (
	stickyListener = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2"
	stickyBlue     = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-blue/73e2d6bc24d8a067"
	stickyGreen    = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-green/2453ed029918f21f"
)

// TestNoteStickyRestore: the reason of a rollback whose restore turned group
// stickiness off says so, and who turns it on again; nothing is added when
// it did not.
func TestNoteStickyRestore(t *testing.T) {
	restore := func(sticky bool) *alb.Router {
		fc := &elbv2types.ForwardActionConfig{TargetGroups: []elbv2types.TargetGroupTuple{
			{TargetGroupArn: aws.String(stickyBlue), Weight: aws.Int32(50)}, {TargetGroupArn: aws.String(stickyGreen), Weight: aws.Int32(50)}}}
		if sticky {
			fc.TargetGroupStickinessConfig = &elbv2types.TargetGroupStickinessConfig{Enabled: aws.Bool(true), DurationSeconds: aws.Int32(3600)}
		}
		r := alb.NewListenerRouter(&oneListener{actions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumForward, ForwardConfig: fc}}},
			stickyListener, stickyBlue, stickyGreen)
		g := guardedRouter{Router: r, check: func(context.Context) error { return nil }}
		if err := g.SetRestore(context.Background(), traffic.Weights{Blue: 100}); err != nil {
			t.Fatal(err)
		}
		return r
	}
	rolledBack := func() rollout.Outcome {
		return rollout.Outcome{Result: rollout.ResultRolledBack, To: rollout.Green, Reason: "check failed; restored blue=100 green=0"}
	}
	tests := []struct {
		name    string
		out     rollout.Outcome
		sticky  bool
		managed bool
		want    string // "" = reason unchanged
	}{
		{"managed", rolledBack(), true, true, "group stickiness (1h0m0s) turned off in the same write, so that clients stuck to green follow the restored weights at once (ALB keeps a client on its group for the stickiness duration, even at weight 0); the next apply turns it on again"},
		{"unmanaged", rolledBack(), true, false, "this switch does not manage stickiness (no stickiness attribute): turn it on again where it is managed, once the cookies for green have expired"},
		{"no stickiness", rolledBack(), false, true, ""},
		{"restore written, read-back failed", rollout.Outcome{Result: rollout.ResultRollbackFailed, To: rollout.Green, Reason: "x"}, true, true, "group stickiness (1h0m0s) turned off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := tt.out
			before := out.Reason
			noteStickyRestore(&out, restore(tt.sticky), tt.managed)
			if tt.want == "" {
				if out.Reason != before {
					t.Fatalf("reason changed to %q", out.Reason)
				}
				return
			}
			if !strings.HasPrefix(out.Reason, before+"; ") || !strings.Contains(out.Reason, tt.want) {
				t.Fatalf("reason %q, want it to add %q", out.Reason, tt.want)
			}
		})
	}
}
