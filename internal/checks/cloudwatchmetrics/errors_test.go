package cloudwatchmetrics

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
)

// TestEvaluate_errorsUsersSee: max_5xx_rate counts target 5xx plus target
// connection errors, and with CountLoadBalancerELB5xx the load balancer's ELB
// 5xx in place of the connection errors when larger (never both: each
// connection error is also an ELB 5xx).
func TestEvaluate_errorsUsersSee(t *testing.T) {
	now := at("12:00:30")
	tests := []struct {
		name    string
		values  map[string][]float64
		withELB bool
		verdict checks.Verdict
		value   float64
		detail  string
	}{
		{"connection errors count", map[string][]float64{MetricRequestCount: {100}, MetricTarget5XX: {1}, MetricTargetConnErrors: {9}}, false,
			checks.Fail, 0.1, "5xx rate 0.1 (10/100 requests; target 5xx 1, target connection errors 9) > max 0.05"},
		{"ELB 5xx of the load balancer ignored without the setting", map[string][]float64{MetricRequestCount: {100}, MetricELB5XX: {40}}, false,
			checks.Pass, 0, "5xx rate 0 (0/100 requests) <= max 0.05"},
		{"ELB 5xx counted with the setting", map[string][]float64{MetricRequestCount: {100}, MetricTarget5XX: {2}, MetricELB5XX: {40}}, true,
			checks.Fail, 0.42, "5xx rate 0.42 (42/100 requests; target 5xx 2, target connection errors 0, load balancer ELB 5xx 40 (counted in place of the connection errors)) > max 0.05"},
		{"connection errors not counted twice", map[string][]float64{MetricRequestCount: {100}, MetricTargetConnErrors: {30}, MetricELB5XX: {30}}, true,
			checks.Fail, 0.3, "(30/100 requests;"},
		{"connection errors above ELB 5xx win", map[string][]float64{MetricRequestCount: {100}, MetricTargetConnErrors: {3}, MetricELB5XX: {1}}, true,
			checks.Pass, 0.03, "(3/100 requests;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cw := &fakeCW{values: tt.values}
			c, err := New(cw, Config{LoadBalancer: ruleARN, TargetGroup: tgARN, Max5xxRate: rate(0.05), MinRequests: 10,
				CountLoadBalancerELB5xx: tt.withELB, Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			r := c.Evaluate(context.Background())[0]
			if r.Verdict != tt.verdict || !near(r.Value, tt.value) || !strings.Contains(r.Detail, tt.detail) {
				t.Fatalf("%s value %v detail %q; want %s %v containing %q", r.Verdict, r.Value, r.Detail, tt.verdict, tt.value, tt.detail)
			}
			elbQueried := false
			for _, q := range cw.last.MetricDataQueries {
				if aws.ToString(q.MetricStat.Metric.MetricName) == MetricELB5XX {
					elbQueried = true
					if d := dimensions(q); len(d) != 1 || d["LoadBalancer"] != lbSuffix {
						t.Fatalf("ELB 5xx dimensions %v: AWS publishes it per LoadBalancer only", d)
					}
				}
			}
			if elbQueried != tt.withELB {
				t.Fatalf("ELB 5xx queried %v, want %v", elbQueried, tt.withELB)
			}
		})
	}
}

// TestEvaluate_target5xxOnlyMissesConnectionErrors: the check as it was
// passes a color whose every failure is a connection error.
func TestEvaluate_target5xxOnlyMissesConnectionErrors(t *testing.T) {
	now := at("12:00:30")
	cw := &fakeCW{values: map[string][]float64{MetricRequestCount: {100}, MetricTargetConnErrors: {100}}}
	cfg := Config{LoadBalancer: ruleARN, TargetGroup: tgARN, Max5xxRate: rate(0.05), Now: func() time.Time { return now }}
	old, err := NewTarget5xxOnly(cw, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r := old.Evaluate(context.Background())[0]; r.Verdict != checks.Pass {
		t.Fatalf("old metric set: %s, want a pass (it cannot see connection errors)", r)
	}
	cur, err := New(cw, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r := cur.Evaluate(context.Background())[0]; r.Verdict != checks.Fail || !near(r.Value, 1) {
		t.Fatalf("current metric set: %s, want a fail at 1", r)
	}
}

// TestEvaluate_increaseCountsConnectionErrorsOfBothColors: the relative
// threshold counts each color's target 5xx and connection errors (ELB 5xx
// cannot be split between colors and are left out).
func TestEvaluate_increaseCountsConnectionErrorsOfBothColors(t *testing.T) {
	now := at("12:00:30")
	cw := &fakeCW{
		values: map[string][]float64{MetricRequestCount: {100}, MetricTargetConnErrors: {10}, MetricELB5XX: {50}},
		other:  map[string][]float64{MetricRequestCount: {100}, MetricTarget5XX: {2}, MetricTargetConnErrors: {1}},
	}
	c, err := New(cw, Config{LoadBalancer: ruleARN, TargetGroup: tgARN, CompareTo: otherARN, Max5xxRateIncrease: rate(0.05),
		CountLoadBalancerELB5xx: true, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	r := c.Evaluate(context.Background())[0]
	if r.Verdict != checks.Fail || !near(r.Value, 0.07) {
		t.Fatalf("%s, want a fail at 0.1 - 0.03 = 0.07", r)
	}
}
