package targethealth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
)

const tgARN = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-green/2453ed029918f21f"

// The engine's Check interface, restated: this package must satisfy it
// without importing the engine.
var _ interface {
	Name() string
	Evaluate(context.Context) []checks.Result
} = (*Check)(nil)

type fakeAPI struct {
	states []types.TargetHealthStateEnum
	err    error
	asked  string
}

func (f *fakeAPI) DescribeTargetHealth(_ context.Context, in *elbv2.DescribeTargetHealthInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeTargetHealthOutput, error) {
	f.asked = aws.ToString(in.TargetGroupArn)
	if f.err != nil {
		return nil, f.err
	}
	out := &elbv2.DescribeTargetHealthOutput{}
	for i, s := range f.states {
		out.TargetHealthDescriptions = append(out.TargetHealthDescriptions, types.TargetHealthDescription{
			Target:       &types.TargetDescription{Id: aws.String("10.0.0." + string(rune('1'+i))), Port: aws.Int32(80)},
			TargetHealth: &types.TargetHealth{State: s},
		})
	}
	return out, nil
}

func TestEvaluate_counts(t *testing.T) {
	const (
		healthy   = types.TargetHealthStateEnumHealthy
		unhealthy = types.TargetHealthStateEnumUnhealthy
		initial   = types.TargetHealthStateEnumInitial
		draining  = types.TargetHealthStateEnumDraining
		unused    = types.TargetHealthStateEnumUnused
	)
	tests := []struct {
		name       string
		states     []types.TargetHealthStateEnum
		minCount   int
		minPercent float64
		verdict    checks.Verdict
		value      float64
		detail     []string
	}{
		{"one healthy is enough by default", []types.TargetHealthStateEnum{healthy, unhealthy}, 0, 0, checks.Pass, 1,
			[]string{"1/2 registered targets healthy (50%)", "1 unhealthy"}},
		{"zero registered fails", nil, 1, 0, checks.Fail, 0, []string{"no registered targets"}},
		{"only draining targets count as zero registered", []types.TargetHealthStateEnum{draining, draining}, 1, 0, checks.Fail, 0,
			[]string{"no registered targets", "(2 draining)"}},
		{"none healthy fails even with min count 0", []types.TargetHealthStateEnum{initial, unhealthy}, 0, 0, checks.Fail, 0,
			[]string{"0/2", "need >= 1 healthy"}},
		{"min count not met", []types.TargetHealthStateEnum{healthy, unhealthy, unhealthy}, 2, 0, checks.Fail, 1,
			[]string{"1/3", "need >= 2 healthy"}},
		{"draining excluded from the percentage", []types.TargetHealthStateEnum{healthy, healthy, draining, unhealthy}, 1, 60, checks.Pass, 2,
			[]string{"2/3 registered targets healthy (66.67%)", "1 draining"}},
		{"percent not met", []types.TargetHealthStateEnum{healthy, unhealthy, unhealthy, initial}, 1, 50, checks.Fail, 1,
			[]string{"1/4 registered targets healthy (25%)", "need >= 1 healthy, >= 50%"}},
		{"unused targets explained", []types.TargetHealthStateEnum{unused}, 1, 0, checks.Fail, 0,
			[]string{"group not attached to a load balancer"}},
	}
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &fakeAPI{states: tt.states}
			c := New(api, tgARN, tt.minCount, tt.minPercent)
			c.Now = func() time.Time { return at }
			rs := c.Evaluate(context.Background())
			if len(rs) != 1 {
				t.Fatalf("%d results", len(rs))
			}
			r := rs[0]
			if r.Check != "target_health" || r.Verdict != tt.verdict || !r.HasValue || r.Value != tt.value || !r.At.Equal(at) {
				t.Fatalf("result = %+v", r)
			}
			for _, want := range tt.detail {
				if !strings.Contains(r.Detail, want) {
					t.Errorf("detail %q lacks %q", r.Detail, want)
				}
			}
			if api.asked != tgARN {
				t.Errorf("asked about %q", api.asked)
			}
		})
	}
}

func TestEvaluate_apiErrorIsErrorVerdict(t *testing.T) {
	c := New(&fakeAPI{err: errors.New("Throttling: rate exceeded")}, tgARN, 1, 0)
	r := c.Evaluate(context.Background())[0]
	if r.Verdict != checks.Error || !strings.Contains(r.Detail, "Throttling") || !strings.Contains(r.Detail, tgARN) {
		t.Fatalf("result = %+v", r)
	}
}
