// Package cloudwatchmetrics judges an ALB target group by its CloudWatch
// metrics in namespace AWS/ApplicationELB, dimensions LoadBalancer
// ("app/<name>/<id>") and TargetGroup ("targetgroup/<name>/<id>"):
//
//   - metrics.max_5xx_rate: HTTPCode_Target_5XX_Count (Sum) / RequestCount
//     (Sum) over the window, a fraction 0–1; fail when above Max5xxRate.
//   - metrics.max_p99_latency: TargetResponseTime p99, in seconds; fail when
//     above MaxP99Latency.
//
// Each evaluation makes exactly one GetMetricData call covering the window
// that ends at Now. The period is the window rounded up to whole minutes, so
// CloudWatch normally returns one datapoint per metric; when the window
// straddles period boundaries and more come back, counts are summed and the
// p99 is the largest of the returned p99s (conservative: percentiles cannot be
// merged).
//
// Fewer than MinRequests requests in the window — or no requests at all — is
// inconclusive, never a pass: a canary that received no traffic proved
// nothing. ALB publishes no 5xx datapoint when there were none, so a missing
// 5xx series counts as zero; a missing p99 series with enough requests is
// inconclusive. An API error, or a series CloudWatch reports as anything but
// Complete, is an error verdict for the results that depend on it.
package cloudwatchmetrics

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
)

// Names of the check and of its results.
const (
	CheckName         = "metrics"
	Max5xxRateName    = "metrics.max_5xx_rate"
	MaxP99LatencyName = "metrics.max_p99_latency"
)

// Namespace and metric names queried.
const (
	Namespace          = "AWS/ApplicationELB"
	MetricTarget5XX    = "HTTPCode_Target_5XX_Count"
	MetricRequestCount = "RequestCount"
	MetricResponseTime = "TargetResponseTime"
)

// DefaultWindow is used when Config.Window is zero.
const DefaultWindow = time.Minute

// GetMetricDataAPI is the part of the CloudWatch client this check uses.
type GetMetricDataAPI interface {
	GetMetricData(ctx context.Context, params *cloudwatch.GetMetricDataInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error)
}

var _ GetMetricDataAPI = (*cloudwatch.Client)(nil)

// Config says what to measure and the thresholds.
type Config struct {
	// LoadBalancer is the ALB ARN, the ARN of one of its listeners or rules,
	// or the "app/<name>/<id>" suffix.
	LoadBalancer string
	// TargetGroup is the target group ARN or its "targetgroup/<name>/<id>" suffix.
	TargetGroup string
	// Window is how far back each evaluation looks (default 1m; rounded up
	// to whole minutes, the resolution of ALB metrics).
	Window time.Duration
	// Max5xxRate is the largest acceptable 5xx fraction (0–1); nil skips it.
	Max5xxRate *float64
	// MaxP99Latency is the largest acceptable p99 response time; 0 skips it.
	MaxP99Latency time.Duration
	// MinRequests: fewer requests in the window make results inconclusive.
	MinRequests int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Check is a metrics check of one target group behind one ALB.
type Check struct {
	api   GetMetricDataAPI
	cfg   Config
	lb    string
	tg    string
	round time.Duration
}

// New validates cfg and derives the dimension values from the ARNs.
func New(api GetMetricDataAPI, cfg Config) (*Check, error) {
	lb, err := LoadBalancerARNSuffix(cfg.LoadBalancer)
	if err != nil {
		return nil, fmt.Errorf("metrics check load balancer: %w", err)
	}
	tg, err := TargetGroupARNSuffix(cfg.TargetGroup)
	if err != nil {
		return nil, fmt.Errorf("metrics check target group: %w", err)
	}
	if cfg.Max5xxRate == nil && cfg.MaxP99Latency == 0 {
		return nil, fmt.Errorf("metrics check needs max_5xx_rate or max_p99_latency")
	}
	if r := cfg.Max5xxRate; r != nil && (*r < 0 || *r > 1) {
		return nil, fmt.Errorf("max_5xx_rate %v out of range: it is a fraction between 0 and 1 (0.05 = 5%%)", *r)
	}
	if cfg.MaxP99Latency < 0 {
		return nil, fmt.Errorf("max_p99_latency %s must not be negative", cfg.MaxP99Latency)
	}
	if cfg.MinRequests < 0 {
		return nil, fmt.Errorf("min_requests %d must not be negative", cfg.MinRequests)
	}
	if cfg.Window < 0 {
		return nil, fmt.Errorf("window %s must not be negative", cfg.Window)
	}
	if cfg.Window == 0 {
		cfg.Window = DefaultWindow
	}
	round := cfg.Window.Truncate(time.Minute)
	if round < cfg.Window {
		round += time.Minute
	}
	return &Check{api: api, cfg: cfg, lb: lb, tg: tg, round: round}, nil
}

// Name is "metrics".
func (c *Check) Name() string { return CheckName }

// Window is the effective window (whole minutes).
func (c *Check) Window() time.Duration { return c.round }

const (
	idErrors   = "target5xx"
	idRequests = "requests"
	idP99      = "p99"
)

// Evaluate makes one GetMetricData call and returns one result per configured
// threshold.
func (c *Check) Evaluate(ctx context.Context) []checks.Result {
	now := time.Now
	if c.cfg.Now != nil {
		now = c.cfg.Now
	}
	end := now()
	start := end.Add(-c.round)
	queries := []types.MetricDataQuery{c.query(idRequests, MetricRequestCount, "Sum")}
	if c.cfg.Max5xxRate != nil {
		queries = append(queries, c.query(idErrors, MetricTarget5XX, "Sum"))
	}
	if c.cfg.MaxP99Latency > 0 {
		queries = append(queries, c.query(idP99, MetricResponseTime, "p99"))
	}
	out, err := c.api.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(start), EndTime: aws.Time(end), MetricDataQueries: queries,
	})
	if err != nil {
		return c.errored(end, fmt.Errorf("GetMetricData for %s %s: %w", c.lb, c.tg, err))
	}
	series := map[string]types.MetricDataResult{}
	for _, r := range out.MetricDataResults {
		series[aws.ToString(r.Id)] = r
	}
	requests, err := sum(series, idRequests)
	if err != nil {
		return c.errored(end, err)
	}

	var results []checks.Result
	if c.cfg.Max5xxRate != nil {
		results = append(results, c.rateResult(end, series, requests))
	}
	if c.cfg.MaxP99Latency > 0 {
		results = append(results, c.latencyResult(end, series, requests))
	}
	return results
}

func (c *Check) rateResult(at time.Time, series map[string]types.MetricDataResult, requests float64) checks.Result {
	maxRate := *c.cfg.Max5xxRate
	r := checks.Result{Check: Max5xxRateName, Threshold: "<= " + checks.FormatValue(maxRate), At: at}
	errs, err := sum(series, idErrors)
	if err != nil {
		return checks.Errored(Max5xxRateName, at, r.Threshold, err)
	}
	if requests > 0 {
		r.Value, r.HasValue = errs/requests, true
	}
	if msg, short := c.tooFewRequests(requests); short {
		r.Verdict, r.Detail = checks.Inconclusive, msg
		return r
	}
	r.Verdict = checks.Pass
	cmp := "<="
	if r.Value > maxRate {
		r.Verdict, cmp = checks.Fail, ">"
	}
	r.Detail = fmt.Sprintf("5xx rate %s (%s/%s requests) %s max %s over %s",
		checks.FormatValue(r.Value), checks.FormatValue(errs), checks.FormatValue(requests), cmp, checks.FormatValue(maxRate), c.round)
	return r
}

func (c *Check) latencyResult(at time.Time, series map[string]types.MetricDataResult, requests float64) checks.Result {
	limit := c.cfg.MaxP99Latency
	r := checks.Result{Check: MaxP99LatencyName, Threshold: "<= " + limit.String(), At: at}
	s, ok := series[idP99]
	if ok && s.StatusCode != "" && s.StatusCode != types.StatusCodeComplete {
		return checks.Errored(MaxP99LatencyName, at, r.Threshold, statusError(s))
	}
	if ok && len(s.Values) > 0 {
		r.Value, r.HasValue = s.Values[0], true
		for _, v := range s.Values[1:] {
			r.Value = max(r.Value, v)
		}
	}
	if msg, short := c.tooFewRequests(requests); short {
		r.Verdict, r.Detail = checks.Inconclusive, msg
		return r
	}
	if !r.HasValue {
		r.Verdict = checks.Inconclusive
		r.Detail = fmt.Sprintf("no %s datapoints over %s despite %s requests", MetricResponseTime, c.round, checks.FormatValue(requests))
		return r
	}
	p99 := time.Duration(r.Value * float64(time.Second)).Round(time.Millisecond)
	r.Verdict = checks.Pass
	cmp := "<="
	if r.Value > limit.Seconds() {
		r.Verdict, cmp = checks.Fail, ">"
	}
	r.Detail = fmt.Sprintf("p99 latency %s %s max %s over %s", p99, cmp, limit, c.round)
	return r
}

// tooFewRequests explains an inconclusive result, if it is one.
func (c *Check) tooFewRequests(requests float64) (string, bool) {
	switch {
	case requests == 0:
		return fmt.Sprintf("no requests over %s", c.round), true
	case requests < float64(c.cfg.MinRequests):
		return fmt.Sprintf("only %s requests over %s (< min_requests %d)", checks.FormatValue(requests), c.round, c.cfg.MinRequests), true
	}
	return "", false
}

func (c *Check) errored(at time.Time, err error) []checks.Result {
	var rs []checks.Result
	if c.cfg.Max5xxRate != nil {
		rs = append(rs, checks.Errored(Max5xxRateName, at, "<= "+checks.FormatValue(*c.cfg.Max5xxRate), err))
	}
	if c.cfg.MaxP99Latency > 0 {
		rs = append(rs, checks.Errored(MaxP99LatencyName, at, "<= "+c.cfg.MaxP99Latency.String(), err))
	}
	return rs
}

func (c *Check) query(id, metric, stat string) types.MetricDataQuery {
	return types.MetricDataQuery{
		Id: aws.String(id),
		MetricStat: &types.MetricStat{
			Metric: &types.Metric{
				Namespace:  aws.String(Namespace),
				MetricName: aws.String(metric),
				Dimensions: []types.Dimension{
					{Name: aws.String("LoadBalancer"), Value: aws.String(c.lb)},
					{Name: aws.String("TargetGroup"), Value: aws.String(c.tg)},
				},
			},
			Period: aws.Int32(int32(c.round / time.Second)),
			Stat:   aws.String(stat),
		},
		ReturnData: aws.Bool(true),
	}
}

// sum adds a count series; a missing series is zero (ALB publishes no
// datapoint for a count that stayed at zero).
func sum(series map[string]types.MetricDataResult, id string) (float64, error) {
	s, ok := series[id]
	if !ok {
		return 0, nil
	}
	if s.StatusCode != "" && s.StatusCode != types.StatusCodeComplete {
		return 0, statusError(s)
	}
	var total float64
	for _, v := range s.Values {
		total += v
	}
	return total, nil
}

func statusError(s types.MetricDataResult) error {
	msg := fmt.Sprintf("CloudWatch returned %s for %s", s.StatusCode, aws.ToString(s.Id))
	for _, m := range s.Messages {
		msg += ": " + aws.ToString(m.Value)
	}
	return fmt.Errorf("%s", msg)
}
