package metricmath

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
)

var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// sandboxCW is the sandbox's CloudWatch with, per color, one datapoint a
// minute from 12:00 to 12:09 of App/Errors and App/Requests: green's errors
// are errs[minute], blue's 0; requests are 100.
func sandboxCW(t *testing.T, errs [10]float64) (*cloudwatch.Client, *clock.Fake) {
	t.Helper()
	clk := clock.NewFake(start.Add(10 * time.Minute))
	srv, err := sandbox.Start(sandbox.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	cw := cloudwatch.New(cloudwatch.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL()),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	var data []types.MetricDatum
	for m := 0; m < 10; m++ {
		at := start.Add(time.Duration(m) * time.Minute)
		for _, color := range []string{"blue", "green"} {
			e := 0.0
			if color == "green" {
				e = errs[m]
			}
			dim := []types.Dimension{{Name: aws.String("Color"), Value: aws.String(color)}}
			data = append(data,
				types.MetricDatum{MetricName: aws.String("Errors"), Dimensions: dim, Timestamp: aws.Time(at), Value: aws.Float64(e), Unit: types.StandardUnitCount},
				types.MetricDatum{MetricName: aws.String("Requests"), Dimensions: dim, Timestamp: aws.Time(at), Value: aws.Float64(100), Unit: types.StandardUnitCount})
		}
	}
	if _, err := cw.PutMetricData(context.Background(), &cloudwatch.PutMetricDataInput{Namespace: aws.String("App"), MetricData: data}); err != nil {
		t.Fatal(err)
	}
	return cw, clk
}

func f(v float64) *float64 { return &v }

func errorRate(color string) Config {
	dims := map[string]string{"Color": color}
	return Config{Name: "error_rate", Expression: "100 * e / r", Max: f(1),
		Metrics: []Metric{{ID: "e", Namespace: "App", MetricName: "Errors", Dimensions: dims, Stat: "Sum"},
			{ID: "r", Namespace: "App", MetricName: "Requests", Dimensions: dims, Stat: "Sum"}}}
}

// TestAgainstSandbox: the expression over the sandbox's CloudWatch, judged
// on whole published minutes only (at 12:10:30 with the 1m delay: the five
// minutes 12:04–12:09).
func TestAgainstSandbox(t *testing.T) {
	// green: 0 % errors until 12:05, then 2, 3, 4, 5 % (12:05..12:08), and
	// 50 % in 12:09 — a minute not yet published at 12:10:30.
	cw, clk := sandboxCW(t, [10]float64{0, 0, 0, 0, 0, 2, 3, 4, 5, 50})
	clk.Advance(30 * time.Second)
	tests := []struct {
		name    string
		color   string
		reducer string
		verdict checks.Verdict
		value   float64
		detail  string
	}{
		{"green last", "green", "", checks.Fail, 5, "last of 5 values of 100 * e / r over 12:04:00–12:09:00 UTC = 5, above max 1"},
		{"green avg", "green", ReduceAvg, checks.Fail, 2.8, "avg of 5 values"},
		{"green min", "green", ReduceMin, checks.Pass, 0, "min of 5 values"},
		{"blue", "blue", "", checks.Pass, 0, "last of 5 values"},
		{"no data", "purple", "", checks.Inconclusive, 0, "no value of 100 * e / r"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := errorRate(tt.color)
			cfg.Reducer, cfg.Now, cfg.Since = tt.reducer, clk.Now, start
			c, err := New(cw, cfg)
			if err != nil {
				t.Fatal(err)
			}
			rs := c.Evaluate(context.Background())
			if len(rs) != 1 {
				t.Fatalf("%d results", len(rs))
			}
			r := rs[0]
			if r.Check != "cloudwatch:error_rate" || r.Verdict != tt.verdict || !strings.Contains(r.Detail, tt.detail) {
				t.Fatalf("%s", r)
			}
			if r.HasValue && (r.Value < tt.value-1e-9 || r.Value > tt.value+1e-9) {
				t.Fatalf("value %v, want %v", r.Value, tt.value)
			}
		})
	}
	t.Run("the API's refusal is an error verdict", func(t *testing.T) {
		cfg := errorRate("green")
		cfg.Expression, cfg.Now, cfg.Since = "e / (r - r)", clk.Now, start // every value ±Inf/NaN: dropped by CloudWatch
		c, _ := New(cw, cfg)
		if r := c.Evaluate(context.Background())[0]; r.Verdict != checks.Inconclusive {
			t.Fatalf("division by zero everywhere: %s", r)
		}
		cfg.Expression = "e +"
		c, _ = New(cw, cfg)
		if r := c.Evaluate(context.Background())[0]; r.Verdict != checks.Error || !strings.Contains(r.Detail, "GetMetricData") {
			t.Fatalf("malformed expression: %s", r)
		}
	})
}

type fakeAPI struct {
	out *cloudwatch.GetMetricDataOutput
}

func (f fakeAPI) GetMetricData(context.Context, *cloudwatch.GetMetricDataInput, ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	return f.out, nil
}

func TestIncompleteResultIsAnError(t *testing.T) {
	for name, out := range map[string]*cloudwatch.GetMetricDataOutput{
		"partial": {MetricDataResults: []types.MetricDataResult{{Id: aws.String(ResultID), StatusCode: types.StatusCodePartialData,
			Values: []float64{0}, Timestamps: []time.Time{start}, Messages: []types.MessageData{{Code: aws.String("MaxQueryTimeRangeExceed"), Value: aws.String("too long")}}}}},
		"missing": {},
	} {
		c, err := New(fakeAPI{out}, errorRate("green"))
		if err != nil {
			t.Fatal(err)
		}
		if r := c.Evaluate(context.Background())[0]; r.Verdict != checks.Error {
			t.Errorf("%s: %s", name, r)
		}
	}
}

func TestNewValidation(t *testing.T) {
	for name, mod := range map[string]func(*Config){
		"no metrics":    func(c *Config) { c.Metrics = nil },
		"bad id":        func(c *Config) { c.Metrics[0].ID = "E" },
		"result id":     func(c *Config) { c.Metrics[0].ID = ResultID },
		"duplicate id":  func(c *Config) { c.Metrics[1].ID = "e" },
		"no stat":       func(c *Config) { c.Metrics[0].Stat = "" },
		"no expression": func(c *Config) { c.Expression = " " },
		"no threshold":  func(c *Config) { c.Max = nil },
		"min > max":     func(c *Config) { c.Min = f(2) },
		"period":        func(c *Config) { c.Period = 90 * time.Second },
		"reducer":       func(c *Config) { c.Reducer = "p50" },
	} {
		cfg := errorRate("green")
		mod(&cfg)
		if _, err := New(fakeAPI{}, cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestPendingUntilTheFirstPeriodIsPublished: a color without data before
// the check began (no traffic before the shift) is "not yet" until the
// first whole period since then is published, then inconclusive; data is
// judged whenever it is there.
func TestPendingUntilTheFirstPeriodIsPublished(t *testing.T) {
	cw, clk := sandboxCW(t, [10]float64{})
	clk.Advance(30 * time.Second) // 12:10:30
	c, err := New(cw, Config{Name: "x", Expression: "100 * e / r", Max: f(1), Now: clk.Now,
		Metrics: []Metric{{ID: "e", Namespace: "App", MetricName: "Errors", Dimensions: map[string]string{"Color": "purple"}, Stat: "Sum"},
			{ID: "r", Namespace: "App", MetricName: "Requests", Dimensions: map[string]string{"Color": "purple"}, Stat: "Sum"}}})
	if err != nil {
		t.Fatal(err)
	}
	// Began at 12:10:30: the first whole minute 12:11–12:12 is published at 12:13.
	for _, step := range []time.Duration{0, time.Minute, 89 * time.Second} {
		clk.Advance(step)
		if r := c.Evaluate(context.Background())[0]; r.Verdict != checks.Pending || !strings.Contains(r.Detail, "12:13:00") {
			t.Fatalf("at %s: %s, want pending until 12:13:00", clk.Now().Format("15:04:05"), r)
		}
	}
	clk.Advance(time.Second) // 12:13:00
	if r := c.Evaluate(context.Background())[0]; r.Verdict != checks.Inconclusive {
		t.Fatalf("at 12:13: %s, want inconclusive", r)
	}
	// Green has data before the check began: judged at once.
	g, _ := New(cw, Config{Name: "g", Expression: "100 * e / r", Max: f(1), Now: clk.Now, Metrics: errorRate("green").Metrics})
	if r := g.Evaluate(context.Background())[0]; r.Verdict != checks.Pass {
		t.Fatalf("green: %s, want pass", r)
	}
}
