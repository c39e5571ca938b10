package cloudwatchmetrics

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
)

type series = map[string][]float64

func TestEvaluate_5xxRateIncrease(t *testing.T) {
	tests := []struct {
		name        string
		recv, other series
		max         float64
		minReq      int
		minOther    int
		verdict     checks.Verdict
		value       float64
		hasVal      bool
		detail      string
	}{
		{"3.1% vs 0.4% is +2.7 points, over +1",
			series{MetricRequestCount: {1000}, MetricTarget5XX: {31}}, series{MetricRequestCount: {1000}, MetricTarget5XX: {4}}, 0.01, 10, 0,
			checks.Fail, 0.027, true, "5xx rate 0.031 vs other color 0.004 (+0.027) > max +0.01 over 1m0s ending 11:59 UTC"},
		{"exactly +1 point passes despite float rounding",
			series{MetricRequestCount: {100}, MetricTarget5XX: {5}}, series{MetricRequestCount: {100}, MetricTarget5XX: {4}}, 0.01, 10, 0,
			checks.Pass, 0.01, true, "5xx rate 0.05 vs other color 0.04 (+0.01) <= max +0.01 over 1m0s ending 11:59 UTC"},
		{"both equally bad passes (baseline error rate)",
			series{MetricRequestCount: {200}, MetricTarget5XX: {20}}, series{MetricRequestCount: {800}, MetricTarget5XX: {80}}, 0.01, 10, 0,
			checks.Pass, 0, true, "5xx rate 0.1 vs other color 0.1 (+0) <= max +0.01"},
		{"receiving better is a negative increase",
			series{MetricRequestCount: {100}, MetricTarget5XX: {1}}, series{MetricRequestCount: {100}, MetricTarget5XX: {3}}, 0, 10, 0,
			checks.Pass, -0.02, true, "(-0.02) <= max +0"},
		{"any increase fails with max 0",
			series{MetricRequestCount: {100}, MetricTarget5XX: {1}}, series{MetricRequestCount: {100}}, 0, 10, 0,
			checks.Fail, 0.01, true, "5xx rate 0.01 vs other color 0 (+0.01) > max +0"},
		{"missing 5xx series count as zero on both colors",
			series{MetricRequestCount: {100}}, series{MetricRequestCount: {100}}, 0, 10, 0,
			checks.Pass, 0, true, "5xx rate 0 vs other color 0 (+0)"},
		{"buckets are summed per color",
			series{MetricRequestCount: {60, 40}, MetricTarget5XX: {1, 2}}, series{MetricRequestCount: {50, 50}, MetricTarget5XX: {0, 1}}, 0.01, 10, 0,
			checks.Fail, 0.02, true, "5xx rate 0.03 vs other color 0.01 (+0.02) > max +0.01"},
		{"other color too few requests (min_requests_other defaults to min_requests)",
			series{MetricRequestCount: {1000}, MetricTarget5XX: {500}}, series{MetricRequestCount: {20}}, 0.01, 50, 0,
			checks.Inconclusive, 0.5, true, "other color: only 20 requests over 1m0s ending 11:59 UTC (< min_requests_other 50)"},
		{"explicit lower min_requests_other lets a thin other color count",
			series{MetricRequestCount: {1000}, MetricTarget5XX: {10}}, series{MetricRequestCount: {20}}, 0.01, 50, 10,
			checks.Pass, 0.01, true, "<= max +0.01"},
		{"receiving color too few requests",
			series{MetricRequestCount: {5}, MetricTarget5XX: {5}}, series{MetricRequestCount: {1000}}, 0.01, 50, 0,
			checks.Inconclusive, 1, true, "receiving color: only 5 requests over 1m0s ending 11:59 UTC (< min_requests 50)"},
		{"other color without traffic (bake at 100%) is inconclusive",
			series{MetricRequestCount: {1000}, MetricTarget5XX: {0}}, series{}, 0.01, 10, 0,
			checks.Inconclusive, 0, false, "other color: no requests over 1m0s ending 11:59 UTC"},
		{"neither color short names both",
			series{MetricRequestCount: {3}}, series{}, 0.01, 10, 0,
			checks.Inconclusive, 0, false, "receiving color: only 3 requests over 1m0s ending 11:59 UTC (< min_requests 10); other color: no requests over 1m0s ending 11:59 UTC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cw := &fakeCW{values: tt.recv, other: tt.other}
			c, err := New(cw, Config{LoadBalancer: lbARN, TargetGroup: tgARN, CompareTo: otherARN, Max5xxRateIncrease: rate(tt.max),
				MinRequests: tt.minReq, MinRequestsOther: tt.minOther, Now: func() time.Time { return now }, Since: watchingForAnHour})
			if err != nil {
				t.Fatal(err)
			}
			rs := c.Evaluate(context.Background())
			if len(rs) != 1 || cw.calls != 1 {
				t.Fatalf("%d results from %d calls", len(rs), cw.calls)
			}
			r := rs[0]
			if r.Check != Max5xxRateIncreaseName || r.Verdict != tt.verdict || r.HasValue != tt.hasVal || !near(r.Value, tt.value) || !r.At.Equal(now) {
				t.Fatalf("result = %+v", r)
			}
			if r.Threshold != "<= +"+checks.FormatValue(tt.max) || !strings.Contains(r.Detail, tt.detail) {
				t.Fatalf("threshold %q detail %q, want detail containing %q", r.Threshold, r.Detail, tt.detail)
			}
		})
	}
}

func TestEvaluate_p99LatencyRatio(t *testing.T) {
	enough := []float64{500}
	tests := []struct {
		name        string
		recv, other series
		verdict     checks.Verdict
		value       float64
		hasVal      bool
		detail      string
	}{
		{"2.25x over 1.5x fails",
			series{MetricRequestCount: enough, MetricResponseTime: {0.45}}, series{MetricRequestCount: enough, MetricResponseTime: {0.2}},
			checks.Fail, 2.25, true, "p99 latency 450ms vs other color 200ms (2.25x) > max 1.5x over 1m0s ending 11:59 UTC"},
		{"exactly 1.5x passes",
			series{MetricRequestCount: enough, MetricResponseTime: {0.45}}, series{MetricRequestCount: enough, MetricResponseTime: {0.3}},
			checks.Pass, 1.5, true, "p99 latency 450ms vs other color 300ms (1.5x) <= max 1.5x over 1m0s ending 11:59 UTC"},
		{"exactly 1.5x passes even when the float division lands above",
			series{MetricRequestCount: enough, MetricResponseTime: {0.27}}, series{MetricRequestCount: enough, MetricResponseTime: {0.18}},
			checks.Pass, 1.5, true, "p99 latency 270ms vs other color 180ms (1.5x) <= max 1.5x over 1m0s ending 11:59 UTC"},
		{"faster than the other color passes",
			series{MetricRequestCount: enough, MetricResponseTime: {0.1}}, series{MetricRequestCount: enough, MetricResponseTime: {0.4}},
			checks.Pass, 0.25, true, "(0.25x) <= max 1.5x"},
		{"largest bucket wins on both colors",
			series{MetricRequestCount: enough, MetricResponseTime: {0.1, 0.6}}, series{MetricRequestCount: enough, MetricResponseTime: {0.5, 0.2}},
			checks.Pass, 1.2, true, "p99 latency 600ms vs other color 500ms (1.2x)"},
		{"sub-millisecond latencies keep their precision",
			series{MetricRequestCount: enough, MetricResponseTime: {0.0009}}, series{MetricRequestCount: enough, MetricResponseTime: {0.0003}},
			checks.Fail, 3, true, "p99 latency 900µs vs other color 300µs (3x)"},
		{"other color p99 missing: ratio undefined",
			series{MetricRequestCount: enough, MetricResponseTime: {0.3}}, series{MetricRequestCount: enough},
			checks.Inconclusive, 0, false, "other color: no TargetResponseTime datapoints over 1m0s ending 11:59 UTC despite 500 requests, ratio undefined"},
		{"other color p99 zero: ratio undefined",
			series{MetricRequestCount: enough, MetricResponseTime: {0.3}}, series{MetricRequestCount: enough, MetricResponseTime: {0}},
			checks.Inconclusive, 0, false, "other color: p99 latency 0s over 1m0s ending 11:59 UTC, ratio undefined (receiving color p99 300ms)"},
		{"receiving p99 missing",
			series{MetricRequestCount: enough}, series{MetricRequestCount: enough, MetricResponseTime: {0.3}},
			checks.Inconclusive, 0, false, "receiving color: no TargetResponseTime datapoints over 1m0s ending 11:59 UTC despite 500 requests"},
		{"other color too few requests",
			series{MetricRequestCount: enough, MetricResponseTime: {9}}, series{MetricRequestCount: {7}, MetricResponseTime: {0.1}},
			checks.Inconclusive, 90, true, "other color: only 7 requests over 1m0s ending 11:59 UTC (< min_requests_other 50)"},
		{"receiving color too few requests",
			series{MetricRequestCount: {7}, MetricResponseTime: {9}}, series{MetricRequestCount: enough, MetricResponseTime: {0.1}},
			checks.Inconclusive, 90, true, "receiving color: only 7 requests"},
		{"other color without traffic",
			series{MetricRequestCount: enough, MetricResponseTime: {0.1}}, series{},
			checks.Inconclusive, 0, false, "other color: no requests over 1m0s ending 11:59 UTC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(&fakeCW{values: tt.recv, other: tt.other}, Config{LoadBalancer: lsnARN, TargetGroup: tgSuffix, CompareTo: otherSuffix,
				MaxP99LatencyRatio: 1.5, MinRequests: 50, Now: func() time.Time { return now }, Since: watchingForAnHour})
			if err != nil {
				t.Fatal(err)
			}
			rs := c.Evaluate(context.Background())
			if len(rs) != 1 {
				t.Fatalf("results %+v", rs)
			}
			r := rs[0]
			if r.Check != MaxP99LatencyRatioName || r.Verdict != tt.verdict || r.HasValue != tt.hasVal || !near(r.Value, tt.value) ||
				r.Threshold != "<= 1.5x" || !strings.Contains(r.Detail, tt.detail) {
				t.Fatalf("result = %+v, want %s value %v with %q", r, tt.verdict, tt.value, tt.detail)
			}
		})
	}
}

// A shared dependency slows both colors: the absolute p99 limit fails, the
// ratio passes. Results come in the documented order.
func TestEvaluate_absoluteAndRelativeTogether(t *testing.T) {
	cw := &fakeCW{
		values: series{MetricRequestCount: {300}, MetricTarget5XX: {6}, MetricResponseTime: {2.2}},
		other:  series{MetricRequestCount: {700}, MetricTarget5XX: {14}, MetricResponseTime: {2.0}},
	}
	c, err := New(cw, Config{LoadBalancer: lbARN, TargetGroup: tgARN, CompareTo: otherARN,
		Max5xxRate: rate(0.05), MaxP99Latency: time.Second, Max5xxRateIncrease: rate(0.01), MaxP99LatencyRatio: 1.5,
		MinRequests: 100, Now: func() time.Time { return now }, Since: watchingForAnHour})
	if err != nil {
		t.Fatal(err)
	}
	rs := c.Evaluate(context.Background())
	if cw.calls != 1 {
		t.Fatalf("%d calls", cw.calls)
	}
	var got []string
	for _, r := range rs {
		got = append(got, r.Check+" "+string(r.Verdict))
	}
	want := []string{
		Max5xxRateName + " pass",
		MaxP99LatencyName + " fail",
		Max5xxRateIncreaseName + " pass",
		MaxP99LatencyRatioName + " pass",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("results %v, want %v\n%v", got, want, rs)
	}
	if !near(rs[3].Value, 1.1) || rs[3].Detail != "p99 latency 2.2s vs other color 2s (1.1x) <= max 1.5x over 1m0s ending 11:59 UTC" {
		t.Fatalf("ratio result %+v", rs[3])
	}
}

func TestEvaluate_compareOneCallBothTargetGroups(t *testing.T) {
	idPattern := regexp.MustCompile(`^[a-z][a-zA-Z0-9_]*$`)
	tests := []struct {
		name string
		cfg  Config
		want map[string]string // query id -> TargetGroup/metric/stat
	}{
		{"all four thresholds", Config{Max5xxRate: rate(0.05), MaxP99Latency: time.Second, Max5xxRateIncrease: rate(0.01), MaxP99LatencyRatio: 1.5},
			map[string]string{
				idRequests:      tgSuffix + " RequestCount Sum",
				idErrors:        tgSuffix + " HTTPCode_Target_5XX_Count Sum",
				idP99:           tgSuffix + " TargetResponseTime p99",
				idOtherRequests: otherSuffix + " RequestCount Sum",
				idOtherErrors:   otherSuffix + " HTTPCode_Target_5XX_Count Sum",
				idOtherP99:      otherSuffix + " TargetResponseTime p99",
				idConnErrors:    tgSuffix + " TargetConnectionErrorCount Sum",
				idOtherConn:     otherSuffix + " TargetConnectionErrorCount Sum",
			}},
		{"ratio only queries no 5xx", Config{MaxP99LatencyRatio: 2},
			map[string]string{
				idRequests:      tgSuffix + " RequestCount Sum",
				idP99:           tgSuffix + " TargetResponseTime p99",
				idOtherRequests: otherSuffix + " RequestCount Sum",
				idOtherP99:      otherSuffix + " TargetResponseTime p99",
			}},
		{"increase with absolute p99 queries no other p99", Config{Max5xxRateIncrease: rate(0), MaxP99Latency: time.Second},
			map[string]string{
				idRequests:      tgSuffix + " RequestCount Sum",
				idErrors:        tgSuffix + " HTTPCode_Target_5XX_Count Sum",
				idP99:           tgSuffix + " TargetResponseTime p99",
				idOtherRequests: otherSuffix + " RequestCount Sum",
				idOtherErrors:   otherSuffix + " HTTPCode_Target_5XX_Count Sum",
				idConnErrors:    tgSuffix + " TargetConnectionErrorCount Sum",
				idOtherConn:     otherSuffix + " TargetConnectionErrorCount Sum",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cw := &fakeCW{values: series{MetricRequestCount: {100}}, other: series{MetricRequestCount: {100}}}
			cfg := tt.cfg
			cfg.LoadBalancer, cfg.TargetGroup, cfg.CompareTo = ruleARN, tgARN, otherARN
			cfg.Window, cfg.Now = 90*time.Second, func() time.Time { return now }
			c, err := New(cw, cfg)
			if err != nil {
				t.Fatal(err)
			}
			for i := 1; i <= 2; i++ {
				c.Evaluate(context.Background())
				if cw.calls != i {
					t.Fatalf("%d calls after %d evaluations", cw.calls, i)
				}
			}
			in := cw.last
			if !in.EndTime.Equal(at("11:59:00")) || !in.StartTime.Equal(at("11:57:00")) {
				t.Fatalf("window %v – %v, want the same 2m for both colors", in.StartTime, in.EndTime)
			}
			got := map[string]string{}
			for _, q := range in.MetricDataQueries {
				id := aws.ToString(q.Id)
				if !idPattern.MatchString(id) {
					t.Errorf("query id %q is not a valid GetMetricData id", id)
				}
				if _, dup := got[id]; dup {
					t.Fatalf("duplicate query id %q", id)
				}
				m := q.MetricStat.Metric
				dims := dimensions(q)
				if aws.ToString(m.Namespace) != Namespace || aws.ToInt32(q.MetricStat.Period) != 120 ||
					dims["LoadBalancer"] != lbSuffix || len(dims) != 2 || !aws.ToBool(q.ReturnData) {
					t.Fatalf("query %s: %+v dims %v", id, q.MetricStat, dims)
				}
				got[id] = dims["TargetGroup"] + " " + aws.ToString(m.MetricName) + " " + aws.ToString(q.MetricStat.Stat)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("queries %v, want %v", keys(got), keys(tt.want))
			}
			for id, w := range tt.want {
				if got[id] != w {
					t.Errorf("query %s = %q, want %q", id, got[id], w)
				}
			}
		})
	}
}

func TestEvaluate_compareErrors(t *testing.T) {
	cfg := Config{LoadBalancer: lbSuffix, TargetGroup: tgSuffix, CompareTo: otherSuffix,
		Max5xxRate: rate(0.1), Max5xxRateIncrease: rate(0.01), MaxP99LatencyRatio: 1.5}

	c, _ := New(&fakeCW{err: errors.New("AccessDenied")}, cfg)
	rs := c.Evaluate(context.Background())
	if len(rs) != 3 {
		t.Fatalf("results %+v", rs)
	}
	for i, name := range []string{Max5xxRateName, Max5xxRateIncreaseName, MaxP99LatencyRatioName} {
		if rs[i].Check != name || rs[i].Verdict != checks.Error || !strings.Contains(rs[i].Detail, "AccessDenied") || !strings.Contains(rs[i].Detail, otherSuffix) {
			t.Fatalf("result %d = %+v", i, rs[i])
		}
	}
	if rs[1].Threshold != "<= +0.01" || rs[2].Threshold != "<= 1.5x" {
		t.Fatalf("thresholds %q %q", rs[1].Threshold, rs[2].Threshold)
	}

	// The other color's request count is partial: the absolute result still
	// stands, the relative ones are errors.
	ok := series{MetricRequestCount: {100}, MetricTarget5XX: {0}, MetricResponseTime: {0.1}}
	c, _ = New(&fakeCW{values: ok, other: ok, otherStatus: map[string]types.StatusCode{MetricRequestCount: types.StatusCodePartialData}}, cfg)
	rs = c.Evaluate(context.Background())
	if rs[0].Verdict != checks.Pass || rs[1].Verdict != checks.Error || rs[2].Verdict != checks.Error || !strings.Contains(rs[1].Detail, "PartialData for other_requests") {
		t.Fatalf("other requests partial: %v", rs)
	}

	// Only the other color's p99 is forbidden: only the ratio is an error.
	c, _ = New(&fakeCW{values: ok, other: ok, otherStatus: map[string]types.StatusCode{MetricResponseTime: types.StatusCodeForbidden}}, cfg)
	rs = c.Evaluate(context.Background())
	if rs[0].Verdict != checks.Pass || rs[1].Verdict != checks.Pass || rs[2].Verdict != checks.Error || !strings.Contains(rs[2].Detail, "Forbidden for other_p99") {
		t.Fatalf("other p99 forbidden: %v", rs)
	}

	// The other color's 5xx series is partial: only the increase is an error.
	c, _ = New(&fakeCW{values: ok, other: ok, otherStatus: map[string]types.StatusCode{MetricTarget5XX: types.StatusCodePartialData}}, cfg)
	rs = c.Evaluate(context.Background())
	if rs[0].Verdict != checks.Pass || rs[1].Verdict != checks.Error || rs[2].Verdict != checks.Pass {
		t.Fatalf("other 5xx partial: %v", rs)
	}
}

func TestNew_compareValidation(t *testing.T) {
	base := func(mod func(*Config)) Config {
		c := Config{LoadBalancer: lbARN, TargetGroup: tgARN, CompareTo: otherARN}
		mod(&c)
		return c
	}
	tests := []struct {
		name string
		cfg  Config
		want string // "" = valid
	}{
		{"compare without relative threshold", base(func(c *Config) {}), "compare_to_other_color needs max_5xx_rate_increase or max_p99_latency_ratio"},
		{"compare with only absolute thresholds", base(func(c *Config) { c.Max5xxRate = rate(0.05); c.MaxP99Latency = time.Second }),
			"compare_to_other_color needs max_5xx_rate_increase or max_p99_latency_ratio"},
		{"compare to itself", base(func(c *Config) { c.CompareTo = tgSuffix; c.MaxP99LatencyRatio = 1.5 }), "compare_to_other_color"},
		{"compare to a non target group", base(func(c *Config) { c.CompareTo = lbARN; c.MaxP99LatencyRatio = 1.5 }), "compare_to_other_color: "},
		{"ratio below 1", base(func(c *Config) { c.MaxP99LatencyRatio = 0.9 }), "max_p99_latency_ratio 0.9 must be at least 1"},
		{"negative ratio", base(func(c *Config) { c.MaxP99LatencyRatio = -2 }), "max_p99_latency_ratio -2 must be at least 1"},
		{"increase above 1", base(func(c *Config) { c.Max5xxRateIncrease = rate(2) }), "max_5xx_rate_increase 2 out of range"},
		{"negative increase", base(func(c *Config) { c.Max5xxRateIncrease = rate(-0.01) }), "max_5xx_rate_increase -0.01 out of range"},
		{"negative min_requests_other", base(func(c *Config) { c.MaxP99LatencyRatio = 1.5; c.MinRequestsOther = -1 }), "min_requests_other -1 must not be negative"},
		{"increase without compare", base(func(c *Config) { c.CompareTo = ""; c.Max5xxRate = rate(0.05); c.Max5xxRateIncrease = rate(0.01) }),
			"max_5xx_rate_increase needs compare_to_other_color"},
		{"ratio without compare", base(func(c *Config) { c.CompareTo = ""; c.Max5xxRate = rate(0.05); c.MaxP99LatencyRatio = 1.5 }),
			"max_p99_latency_ratio needs compare_to_other_color"},
		{"min_requests_other without compare", base(func(c *Config) { c.CompareTo = ""; c.Max5xxRate = rate(0.05); c.MinRequestsOther = 5 }),
			"min_requests_other needs compare_to_other_color"},
		{"ratio exactly 1", base(func(c *Config) { c.MaxP99LatencyRatio = 1 }), ""},
		{"increase 0 and 1 are the bounds", base(func(c *Config) { c.Max5xxRateIncrease = rate(0) }), ""},
		{"increase 1", base(func(c *Config) { c.Max5xxRateIncrease = rate(1) }), ""},
		{"relative with absolute", base(func(c *Config) { c.Max5xxRate = rate(0.05); c.MaxP99LatencyRatio = 1.5 }), ""},
		{"compare by suffix", base(func(c *Config) { c.CompareTo = otherSuffix; c.Max5xxRateIncrease = rate(0.01) }), ""},
	}
	for _, tt := range tests {
		_, err := New(&fakeCW{}, tt.cfg)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: New = %v, want valid", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: New = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestNew_minRequestsOtherDefault(t *testing.T) {
	c, err := New(&fakeCW{}, Config{LoadBalancer: lbARN, TargetGroup: tgARN, CompareTo: otherARN, MaxP99LatencyRatio: 1.5, MinRequests: 40})
	if err != nil || c.cfg.MinRequestsOther != 40 {
		t.Fatalf("New = %v, min_requests_other %d, want 40", err, c.cfg.MinRequestsOther)
	}
	c, err = New(&fakeCW{}, Config{LoadBalancer: lbARN, TargetGroup: tgARN, CompareTo: otherARN, MaxP99LatencyRatio: 1.5, MinRequests: 40, MinRequestsOther: 5})
	if err != nil || c.cfg.MinRequestsOther != 5 {
		t.Fatalf("New = %v, min_requests_other %d, want 5", err, c.cfg.MinRequestsOther)
	}
}

func keys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
