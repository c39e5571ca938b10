// Package metricmath judges a deployment by any CloudWatch metric-math
// expression: one GetMetricData call per evaluation with the given metrics
// (MetricStat queries, not returned) and one expression over their ids (the
// result), whose values in the window are reduced to one number (Reducer:
// the newest value by default, or avg, min, max, sum) and compared with Min
// and/or Max (inclusive; at least one required).
//
// Timing follows package cloudwatchmetrics: only whole periods at least
// PublicationDelay (default 1m) past their end are read — CloudWatch makes a
// period readable some time after it ends, and the newest one is incomplete
// until then — so the window is [end − Window, end) with end =
// cloudwatchmetrics.PublishedThrough(now, delay) truncated to the period.
//
// Evaluate returns one result, "cloudwatch" (or "cloudwatch:<name>"):
//
//	reduced value > Max or < Min                         fail
//	otherwise                                            pass
//	no value in the window (no data, or every period's   inconclusive
//	  result NaN/±Inf, which CloudWatch drops)
//	the same while the first whole period since the      pending
//	  check began watching is not yet published
//	API error, result not Complete, result missing       error
//
// What it does not do: Metrics Insights (SELECT …) queries, cross-account
// metrics, or paging (a window holds at most a few hundred periods, far below
// GetMetricData's per-call limit).
package metricmath

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/cloudwatchmetrics"
)

// CheckName is the Name() of the check ("cloudwatch", or
// "cloudwatch:<name>" as its result's Check).
const CheckName = "cloudwatch"

// ResultID is the id of the expression query.
const ResultID = "result"

// Defaults.
const (
	DefaultPeriod = time.Minute
	DefaultWindow = 5 * time.Minute
)

// Reducers.
const (
	ReduceLast = "last"
	ReduceAvg  = "avg"
	ReduceMin  = "min"
	ReduceMax  = "max"
	ReduceSum  = "sum"
)

// Reducers lists the valid Reducer values.
var Reducers = []string{ReduceLast, ReduceAvg, ReduceMin, ReduceMax, ReduceSum}

// IDPattern is CloudWatch's rule for a query id.
var IDPattern = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]*$`)

// GetMetricDataAPI is the part of the CloudWatch client the check uses.
type GetMetricDataAPI interface {
	GetMetricData(ctx context.Context, params *cloudwatch.GetMetricDataInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error)
}

var _ GetMetricDataAPI = (*cloudwatch.Client)(nil)

// Metric is one metric the expression uses, by its id.
type Metric struct {
	ID         string
	Namespace  string
	MetricName string
	Dimensions map[string]string
	// Stat is a CloudWatch statistic: Sum, Average, Minimum, Maximum,
	// SampleCount or a percentile such as p99.
	Stat string
}

// Config says what to query and the limits.
type Config struct {
	Name       string
	Metrics    []Metric
	Expression string
	// Period of the metrics (default 1m); Window how far back (default 5m,
	// rounded up to whole periods); PublicationDelay as in
	// cloudwatchmetrics (default 1m).
	Period           time.Duration
	Window           time.Duration
	PublicationDelay time.Duration
	Reducer          string
	Min, Max         *float64
	// Since is when the traffic to judge began; zero means the check's
	// first evaluation. Until the first whole period after it is published,
	// no value in the window is Pending (the data cannot exist yet: a color
	// that had no traffic before the shift has no requests to divide by),
	// not Inconclusive — as the metrics check does.
	Since time.Time
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Check is a threshold on one metric-math expression.
type Check struct {
	api       GetMetricDataAPI
	cfg       Config
	id        string
	threshold string
	queries   []types.MetricDataQuery

	mu    sync.Mutex
	since time.Time // cfg.Since, or the first evaluation
}

// New validates cfg: 1–10 metrics with unique ids matching IDPattern (not
// "result"), namespace, metric name and statistic each; an expression; a
// period of 1, 5, 10, 30 s or a multiple of 60 s; a known reducer; Min
// and/or Max, Min <= Max.
func New(api GetMetricDataAPI, cfg Config) (*Check, error) {
	if len(cfg.Metrics) == 0 || len(cfg.Metrics) > 10 {
		return nil, errors.New("cloudwatch check: 1 to 10 metrics are required")
	}
	if strings.TrimSpace(cfg.Expression) == "" {
		return nil, errors.New("cloudwatch check: expression is required")
	}
	if err := (checks.Bounds{Min: cfg.Min, Max: cfg.Max}).Validate("cloudwatch"); err != nil {
		return nil, err
	}
	if cfg.Period == 0 {
		cfg.Period = DefaultPeriod
	}
	if p := cfg.Period; !(p == time.Second || p == 5*time.Second || p == 10*time.Second || p == 30*time.Second || (p >= time.Minute && p%time.Minute == 0)) {
		return nil, fmt.Errorf("cloudwatch check: period %s must be 1s, 5s, 10s, 30s or a multiple of 1m", p)
	}
	if cfg.Window == 0 {
		cfg.Window = DefaultWindow
	}
	if r := cfg.Window % cfg.Period; r != 0 {
		cfg.Window += cfg.Period - r
	}
	if cfg.PublicationDelay == 0 {
		cfg.PublicationDelay = cloudwatchmetrics.DefaultPublicationDelay
	}
	if cfg.Reducer == "" {
		cfg.Reducer = ReduceLast
	}
	if !slices.Contains(Reducers, cfg.Reducer) {
		return nil, fmt.Errorf("cloudwatch check: reducer %q must be one of %s", cfg.Reducer, strings.Join(Reducers, ", "))
	}
	c := &Check{api: api, cfg: cfg, id: CheckName, since: cfg.Since}
	if cfg.Name != "" {
		c.id = CheckName + ":" + cfg.Name
	}
	seen := map[string]bool{}
	for _, m := range cfg.Metrics {
		switch {
		case !IDPattern.MatchString(m.ID) || m.ID == ResultID:
			return nil, fmt.Errorf("cloudwatch check: metric id %q must start with a lowercase letter and hold only letters, digits and _ (and not be %q)", m.ID, ResultID)
		case seen[m.ID]:
			return nil, fmt.Errorf("cloudwatch check: metric id %q is used twice", m.ID)
		case m.Namespace == "" || m.MetricName == "" || m.Stat == "":
			return nil, fmt.Errorf("cloudwatch check: metric %s needs namespace, metric_name and stat", m.ID)
		}
		seen[m.ID] = true
		names := make([]string, 0, len(m.Dimensions))
		for k := range m.Dimensions {
			names = append(names, k)
		}
		sort.Strings(names)
		dims := make([]types.Dimension, 0, len(names))
		for _, k := range names {
			dims = append(dims, types.Dimension{Name: aws.String(k), Value: aws.String(m.Dimensions[k])})
		}
		c.queries = append(c.queries, types.MetricDataQuery{Id: aws.String(m.ID), ReturnData: aws.Bool(false),
			MetricStat: &types.MetricStat{Metric: &types.Metric{Namespace: aws.String(m.Namespace), MetricName: aws.String(m.MetricName),
				Dimensions: dims}, Period: aws.Int32(int32(cfg.Period / time.Second)), Stat: aws.String(m.Stat)}})
	}
	c.queries = append(c.queries, types.MetricDataQuery{Id: aws.String(ResultID), Expression: aws.String(cfg.Expression),
		ReturnData: aws.Bool(true), Label: aws.String(cfg.Expression)})
	c.threshold = (checks.Bounds{Min: cfg.Min, Max: cfg.Max}).Threshold()
	return c, nil
}

// Name is "cloudwatch".
func (c *Check) Name() string { return CheckName }

// Evaluate reads the window's values of the expression and judges them.
func (c *Check) Evaluate(ctx context.Context) []checks.Result {
	now := time.Now
	if c.cfg.Now != nil {
		now = c.cfg.Now
	}
	at := now()
	c.mu.Lock()
	if c.since.IsZero() {
		c.since = at
	}
	since := c.since
	c.mu.Unlock()
	end := cloudwatchmetrics.PublishedThrough(at, c.cfg.PublicationDelay).Truncate(c.cfg.Period)
	start := end.Add(-c.cfg.Window)
	r := checks.Result{Check: c.id, Threshold: c.threshold, At: at}
	over := fmt.Sprintf("%s over %s–%s UTC", c.cfg.Expression, start.UTC().Format("15:04:05"), end.UTC().Format("15:04:05"))
	out, err := c.api.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{StartTime: aws.Time(start), EndTime: aws.Time(end),
		MetricDataQueries: c.queries, ScanBy: types.ScanByTimestampAscending})
	if err != nil {
		return []checks.Result{checks.Errored(c.id, at, c.threshold, fmt.Errorf("GetMetricData for %s: %w", over, err))}
	}
	var res *types.MetricDataResult
	for i := range out.MetricDataResults {
		if aws.ToString(out.MetricDataResults[i].Id) == ResultID {
			res = &out.MetricDataResults[i]
		}
	}
	switch {
	case res == nil:
		return []checks.Result{checks.Errored(c.id, at, c.threshold, fmt.Errorf("GetMetricData returned no result for %s", over))}
	case res.StatusCode != "" && res.StatusCode != types.StatusCodeComplete:
		msg := fmt.Sprintf("GetMetricData returned %s for %s", res.StatusCode, over)
		for _, m := range res.Messages {
			msg += ": " + aws.ToString(m.Code) + " " + aws.ToString(m.Value)
		}
		return []checks.Result{checks.Errored(c.id, at, c.threshold, errors.New(msg))}
	}
	v, n, ok := reduce(res.Timestamps, res.Values, c.cfg.Reducer)
	if !ok {
		r.Verdict = checks.Inconclusive
		r.Detail = "no value of " + over + " (no data in the window)"
		firstEnd := since.Truncate(c.cfg.Period)
		if !firstEnd.Equal(since) {
			firstEnd = firstEnd.Add(c.cfg.Period)
		}
		if firstEnd = firstEnd.Add(c.cfg.Period); end.Before(firstEnd) {
			r.Verdict = checks.Pending
			r.Detail = fmt.Sprintf("not yet: no value of %s; the first whole period since the check began watching is published at %s UTC",
				over, firstEnd.Add(c.cfg.PublicationDelay).UTC().Format("15:04:05"))
		}
		return []checks.Result{r}
	}
	r.Value, r.HasValue, r.Verdict = v, true, checks.Pass
	detail := fmt.Sprintf("%s of %d value%s of %s = %s", c.cfg.Reducer, n, map[bool]string{true: "", false: "s"}[n == 1], over,
		strconv.FormatFloat(v, 'g', 6, 64))
	verdict, crossed := (checks.Bounds{Min: c.cfg.Min, Max: c.cfg.Max}).Judge(v)
	r.Verdict, detail = verdict, detail+crossed
	r.Detail = detail
	return []checks.Result{r}
}

// reduce applies reducer to values; "last" takes the newest by timestamp.
func reduce(ts []time.Time, values []float64, reducer string) (v float64, n int, ok bool) {
	if len(values) == 0 {
		return 0, 0, false
	}
	switch reducer {
	case ReduceAvg, ReduceSum:
		for _, x := range values {
			v += x
		}
		if reducer == ReduceAvg {
			v /= float64(len(values))
		}
	case ReduceMin:
		v = slices.Min(values)
	case ReduceMax:
		v = slices.Max(values)
	default:
		newest := 0
		for i := range values {
			if i < len(ts) && newest < len(ts) && ts[i].After(ts[newest]) {
				newest = i
			}
		}
		v = values[newest]
	}
	return v, len(values), true
}
