package cloudwatchmetrics

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
)

const (
	lbARN    = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188"
	lsnARN   = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2"
	ruleARN  = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee"
	tgARN    = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-green/2453ed029918f21f"
	lbSuffix = "app/web/50dc6c495c0c9188"
	tgSuffix = "targetgroup/web-green/2453ed029918f21f"

	otherARN    = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-blue/943f017f100becff"
	otherSuffix = "targetgroup/web-blue/943f017f100becff"
)

var _ interface {
	Name() string
	Evaluate(context.Context) []checks.Result
} = (*Check)(nil)

var now = time.Date(2026, 3, 1, 12, 0, 30, 0, time.UTC)

// watchingForAnHour as Config.Since: the check has been watching long enough
// that every minute it reads is settled (too little traffic is inconclusive,
// not pending).
var watchingForAnHour = now.Add(-time.Hour)

// fakeCW answers from fixed series and records the request. Queries whose
// TargetGroup dimension is otherSuffix are answered from other/otherStatus,
// all others from values/status.
type fakeCW struct {
	values      map[string][]float64 // by metric name
	status      map[string]types.StatusCode
	other       map[string][]float64 // by metric name, for otherSuffix
	otherStatus map[string]types.StatusCode
	err         error
	calls       int
	last        *cloudwatch.GetMetricDataInput
}

func (f *fakeCW) GetMetricData(_ context.Context, in *cloudwatch.GetMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	f.calls++
	f.last = in
	if f.err != nil {
		return nil, f.err
	}
	out := &cloudwatch.GetMetricDataOutput{}
	for _, q := range in.MetricDataQueries {
		name := aws.ToString(q.MetricStat.Metric.MetricName)
		values, status := f.values, f.status
		if dimensions(q)["TargetGroup"] == otherSuffix {
			values, status = f.other, f.otherStatus
		}
		vals, ok := values[name]
		if !ok {
			continue // CloudWatch returns an empty series; omitting it is also tolerated
		}
		st := types.StatusCodeComplete
		if s, ok := status[name]; ok {
			st = s
		}
		out.MetricDataResults = append(out.MetricDataResults, types.MetricDataResult{Id: q.Id, Values: vals, StatusCode: st})
	}
	return out, nil
}

func rate(v float64) *float64 { return &v }

func dimensions(q types.MetricDataQuery) map[string]string {
	dims := map[string]string{}
	for _, d := range q.MetricStat.Metric.Dimensions {
		dims[aws.ToString(d.Name)] = aws.ToString(d.Value)
	}
	return dims
}

func TestEvaluate_5xxRateMath(t *testing.T) {
	tests := []struct {
		name    string
		values  map[string][]float64
		max     float64
		minReq  int
		verdict checks.Verdict
		value   float64
		hasVal  bool
		detail  string
	}{
		{"12 of 100 over 0.05 fails", map[string][]float64{MetricRequestCount: {100}, MetricTarget5XX: {12}}, 0.05, 10,
			checks.Fail, 0.12, true, "5xx rate 0.12 (12/100 requests) > max 0.05 over 1m0s ending 11:59 UTC"},
		{"5 of 100 at exactly 0.05 passes", map[string][]float64{MetricRequestCount: {100}, MetricTarget5XX: {5}}, 0.05, 10,
			checks.Pass, 0.05, true, "<= max 0.05"},
		{"missing 5xx series counts as zero", map[string][]float64{MetricRequestCount: {400}}, 0, 0,
			checks.Pass, 0, true, "0/400 requests"},
		{"several buckets are summed", map[string][]float64{MetricRequestCount: {60, 40}, MetricTarget5XX: {1, 2}}, 0.05, 10,
			checks.Pass, 0.03, true, "(3/100 requests)"},
		{"below min_requests is inconclusive, not pass", map[string][]float64{MetricRequestCount: {12}, MetricTarget5XX: {0}}, 0.05, 100,
			checks.Inconclusive, 0, true, "only 12 requests over 1m0s ending 11:59 UTC (< min_requests 100)"},
		{"below min_requests is inconclusive even when failing", map[string][]float64{MetricRequestCount: {10}, MetricTarget5XX: {10}}, 0.05, 100,
			checks.Inconclusive, 1, true, "min_requests"},
		{"no traffic at all is inconclusive", map[string][]float64{}, 0.05, 0,
			checks.Inconclusive, 0, false, "no requests over 1m0s ending 11:59 UTC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cw := &fakeCW{values: tt.values}
			c, err := New(cw, Config{LoadBalancer: lbARN, TargetGroup: tgARN, Max5xxRate: rate(tt.max), MinRequests: tt.minReq,
				Now: func() time.Time { return now }, Since: watchingForAnHour})
			if err != nil {
				t.Fatal(err)
			}
			rs := c.Evaluate(context.Background())
			if len(rs) != 1 || cw.calls != 1 {
				t.Fatalf("%d results from %d calls", len(rs), cw.calls)
			}
			r := rs[0]
			if r.Check != Max5xxRateName || r.Verdict != tt.verdict || r.HasValue != tt.hasVal || !near(r.Value, tt.value) {
				t.Fatalf("result = %+v", r)
			}
			if r.Threshold != "<= "+checks.FormatValue(tt.max) || !strings.Contains(r.Detail, tt.detail) {
				t.Fatalf("threshold %q detail %q, want detail containing %q", r.Threshold, r.Detail, tt.detail)
			}
		})
	}
}

func TestEvaluate_p99Threshold(t *testing.T) {
	tests := []struct {
		name    string
		values  map[string][]float64
		verdict checks.Verdict
		detail  string
	}{
		{"under the limit", map[string][]float64{MetricRequestCount: {500}, MetricResponseTime: {0.2}}, checks.Pass, "p99 latency 200ms <= max 500ms"},
		{"over the limit", map[string][]float64{MetricRequestCount: {500}, MetricResponseTime: {1.25}}, checks.Fail, "p99 latency 1.25s > max 500ms"},
		{"largest bucket wins", map[string][]float64{MetricRequestCount: {500}, MetricResponseTime: {0.1, 0.7}}, checks.Fail, "700ms > max"},
		{"no datapoints with traffic is inconclusive", map[string][]float64{MetricRequestCount: {500}}, checks.Inconclusive, "no TargetResponseTime datapoints"},
		{"too few requests", map[string][]float64{MetricRequestCount: {3}, MetricResponseTime: {9}}, checks.Inconclusive, "only 3 requests"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(&fakeCW{values: tt.values}, Config{LoadBalancer: lsnARN, TargetGroup: tgSuffix,
				MaxP99Latency: 500 * time.Millisecond, MinRequests: 50, Now: func() time.Time { return now }, Since: watchingForAnHour})
			if err != nil {
				t.Fatal(err)
			}
			r := c.Evaluate(context.Background())[0]
			if r.Check != MaxP99LatencyName || r.Verdict != tt.verdict || !strings.Contains(r.Detail, tt.detail) || r.Threshold != "<= 500ms" {
				t.Fatalf("result = %+v, want %s with %q", r, tt.verdict, tt.detail)
			}
		})
	}
}

func TestEvaluate_oneCallWithTheRightQuery(t *testing.T) {
	cw := &fakeCW{values: map[string][]float64{MetricRequestCount: {100}, MetricTarget5XX: {0}, MetricResponseTime: {0.1}}}
	c, err := New(cw, Config{LoadBalancer: ruleARN, TargetGroup: tgARN, Window: 90 * time.Second,
		Max5xxRate: rate(0.01), MaxP99Latency: time.Second, Now: func() time.Time { return now }, Since: watchingForAnHour})
	if err != nil {
		t.Fatal(err)
	}
	rs := c.Evaluate(context.Background())
	if cw.calls != 1 || len(rs) != 2 {
		t.Fatalf("calls %d results %d", cw.calls, len(rs))
	}
	in := cw.last
	// At 12:00:30 the newest minute complete (1m after it ends) is
	// 11:58–11:59; 90s is rounded up to 2m.
	if !in.EndTime.Equal(at("11:59:00")) || !in.StartTime.Equal(at("11:57:00")) {
		t.Fatalf("window %v – %v, want 11:57–11:59 (2m of published minutes)", in.StartTime, in.EndTime)
	}
	stats := map[string]string{}
	for _, q := range in.MetricDataQueries {
		m := q.MetricStat.Metric
		if aws.ToString(m.Namespace) != "AWS/ApplicationELB" || aws.ToInt32(q.MetricStat.Period) != 120 {
			t.Fatalf("query %+v", q.MetricStat)
		}
		dims := map[string]string{}
		for _, d := range m.Dimensions {
			dims[aws.ToString(d.Name)] = aws.ToString(d.Value)
		}
		if dims["LoadBalancer"] != lbSuffix || dims["TargetGroup"] != tgSuffix || len(dims) != 2 {
			t.Fatalf("dimensions %v", dims)
		}
		stats[aws.ToString(m.MetricName)] = aws.ToString(q.MetricStat.Stat)
	}
	want := map[string]string{MetricRequestCount: "Sum", MetricTarget5XX: "Sum", MetricTargetConnErrors: "Sum", MetricResponseTime: "p99"}
	if len(stats) != len(want) {
		t.Fatalf("stats %v", stats)
	}
	for k, v := range want {
		if stats[k] != v {
			t.Fatalf("stat of %s = %q, want %q", k, stats[k], v)
		}
	}
}

func TestEvaluate_errorsAreErrorVerdicts(t *testing.T) {
	cfg := Config{LoadBalancer: lbSuffix, TargetGroup: tgSuffix, Max5xxRate: rate(0.1), MaxP99Latency: time.Second}
	c, _ := New(&fakeCW{err: errors.New("AccessDenied")}, cfg)
	rs := c.Evaluate(context.Background())
	if len(rs) != 2 || rs[0].Verdict != checks.Error || rs[1].Verdict != checks.Error || !strings.Contains(rs[0].Detail, "AccessDenied") {
		t.Fatalf("results %+v", rs)
	}
	c, _ = New(&fakeCW{values: map[string][]float64{MetricRequestCount: {10}, MetricTarget5XX: {0}},
		status: map[string]types.StatusCode{MetricTarget5XX: types.StatusCodeForbidden}}, cfg)
	rs = c.Evaluate(context.Background())
	if rs[0].Verdict != checks.Error || !strings.Contains(rs[0].Detail, "Forbidden") {
		t.Fatalf("partial status: %+v", rs[0])
	}
}

func TestNew_validation(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no thresholds", Config{LoadBalancer: lbARN, TargetGroup: tgARN}, "needs max_5xx_rate or max_p99_latency"},
		{"rate as percent", Config{LoadBalancer: lbARN, TargetGroup: tgARN, Max5xxRate: rate(5)}, "fraction between 0 and 1"},
		{"network load balancer", Config{LoadBalancer: "arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/net/n/1", TargetGroup: tgARN, Max5xxRate: rate(0)}, "not an Application Load Balancer"},
		{"target group ARN wrong", Config{LoadBalancer: lbARN, TargetGroup: lbARN, Max5xxRate: rate(0)}, "not a target group ARN"},
	}
	for _, tt := range tests {
		if _, err := New(&fakeCW{}, tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func near(a, b float64) bool { d := a - b; return d < 1e-9 && d > -1e-9 }

// at is a time of the test day (the day of now), e.g. at("11:59:00").
func at(clock string) time.Time {
	t, err := time.Parse(time.TimeOnly, clock)
	if err != nil {
		panic(err)
	}
	y, m, d := now.Date()
	return time.Date(y, m, d, t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
}

func TestWindowStart(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.TimeOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		end    string
		window time.Duration
		want   string
	}{
		{"12:33:34", time.Minute, "12:33:00"}, // never older than the window
		{"12:33:00", time.Minute, "12:32:00"}, // aligned: the full window
		{"12:33:34", 5 * time.Minute, "12:29:00"},
	}
	for _, c := range cases {
		if got := windowStart(at(c.end), c.window); !got.Equal(at(c.want)) {
			t.Errorf("windowStart(%s, %s) = %s, want %s", c.end, c.window, got.Format(time.TimeOnly), c.want)
		}
	}
}
