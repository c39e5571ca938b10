// Package cloudwatchmetrics judges an ALB target group by its CloudWatch
// metrics in namespace AWS/ApplicationELB, dimensions LoadBalancer
// ("app/<name>/<id>") and TargetGroup ("targetgroup/<name>/<id>"):
//
//   - metrics.max_5xx_rate: the errors users of the color saw / RequestCount
//     (Sum) over the window, a fraction 0–1; fail when above Max5xxRate. The
//     errors are HTTPCode_Target_5XX_Count (Sum; 5xx the targets answered)
//     plus TargetConnectionErrorCount (Sum; connections to a target that
//     could not be established — a crashed or stopped release, which the
//     client sees as an ELB 502/503/504), both per LoadBalancer+TargetGroup.
//     With CountLoadBalancerELB5xx, the load balancer's
//     HTTPCode_ELB_5XX_Count (Sum) replaces the connection errors when
//     larger: AWS publishes ELB-generated 5xx per LoadBalancer (and
//     AvailabilityZone) only, never per target group, so it is the only
//     figure that counts a target that resets connections or times out
//     after the request was sent — and it counts every listener and rule of
//     the load balancer, so set it only when the switch is the load
//     balancer's only forward (see "Errors CloudWatch cannot attribute"
//     below).
//   - metrics.max_p99_latency: TargetResponseTime p99, in seconds; fail when
//     above MaxP99Latency.
//
// Each evaluation makes exactly one GetMetricData call covering the newest
// window CloudWatch has complete: whole minutes only, ending at least
// PublicationDelay (default 1m) before now — ALB sends its metrics per minute
// and CloudWatch publishes each minute after it ends (see timing.go and
// docs/guides/metrics-timing.md). The period is the window rounded up to whole
// minutes, so CloudWatch returns one datapoint per metric; should more come
// back, counts are summed and the p99 is the largest of the returned p99s
// (conservative: percentiles cannot be merged).
//
// Fewer than MinRequests requests in the window — or no requests at all — is
// inconclusive, never a pass: a canary that received no traffic proved
// nothing. Except while the data cannot be there yet: until the first whole
// minute after the check began watching (its first evaluation, or
// Config.Since) is published, too few requests is "pending" (not yet), which
// never counts toward a failure. A window with enough requests is judged at
// once, pass or fail, whenever it was published. ALB publishes no 5xx datapoint when there were none, so a missing
// 5xx series counts as zero; a missing p99 series with enough requests is
// inconclusive. An API error, or a series CloudWatch reports as anything but
// Complete, is an error verdict for the results that depend on it.
//
// # Relative comparison (green vs blue)
//
// With CompareTo set to the other color's target group (behind the same ALB),
// the receiving color is also judged against the other color over the same
// window, in the same single GetMetricData call (three more queries:
// RequestCount, HTTPCode_Target_5XX_Count and TargetResponseTime p99 of the
// other target group, as far as the thresholds need them):
//
//   - metrics.max_5xx_rate_increase: receiving 5xx rate minus the other
//     color's, in fraction points (0.01 = at most one point worse); fail when
//     above Max5xxRateIncrease. Negative when the receiving color is better.
//   - metrics.max_p99_latency_ratio: receiving p99 / other p99; fail when
//     above MaxP99LatencyRatio (1.5 = at most 50% slower).
//
// Absolute thresholds may be combined with relative ones; each configured
// threshold yields its own result, in the order max_5xx_rate,
// max_p99_latency, max_5xx_rate_increase, max_p99_latency_ratio.
//
// Prefer relative thresholds when what matters is "is the new version worse
// than the old one", not "is the service healthy":
//
//   - A shared dependency (database, downstream API, cache) that slows down
//     slows both colors: an absolute p99 limit fails and rolls back a release
//     that did nothing wrong, the ratio stays near 1 and passes.
//   - Baseline error rates and latencies that vary with time of day or load
//     are hard to pin to one absolute number; the other color is a baseline
//     measured at the same moment under the same conditions.
//
// # Errors CloudWatch cannot attribute
//
// ALB answers 502 when a target resets the connection or closes it with the
// request outstanding, 504 when it does not answer in time, 503 when the
// group has no target, 500 on internal errors. Of these only a connection
// that could not be established shows per target group
// (TargetConnectionErrorCount); the ELB-generated status codes
// (HTTPCode_ELB_5XX_Count, HTTPCode_ELB_502_Count, …) have the dimensions
// LoadBalancer and AvailabilityZone+LoadBalancer only ("CloudWatch metrics
// for your Application Load Balancer", Elastic Load Balancing User Guide).
// A release that accepts connections and then resets them is therefore
// invisible per target group: count it with CountLoadBalancerELB5xx (when
// the switch is the load balancer's only forward), or with an http check.
// Client-side failures (a client that gives up, 460) and errors in front of
// the load balancer (DNS, TLS to the client) never reach these metrics.
//
// Relative checks need the other color to still carry traffic. They suit
// canary and linear steps, where both colors serve at once; during the bake at
// 100% or with all_at_once the other color receives nothing, so relative
// results are inconclusive (use absolute thresholds there, or alongside).
// Either color with fewer requests than its minimum (MinRequests for the
// receiving color, MinRequestsOther for the other) is inconclusive, and so is
// a p99 ratio whose denominator is missing or zero. Because both colors are
// compared over the same short window, a low-traffic other color (e.g. 90% of
// traffic on the receiving color, 10% on the other) makes its figures noisy:
// set MinRequestsOther accordingly.
package cloudwatchmetrics

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsarn"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
)

// Names of the check and of its results.
const (
	CheckName              = "metrics"
	Max5xxRateName         = "metrics.max_5xx_rate"
	MaxP99LatencyName      = "metrics.max_p99_latency"
	Max5xxRateIncreaseName = "metrics.max_5xx_rate_increase"
	MaxP99LatencyRatioName = "metrics.max_p99_latency_ratio"
)

// Namespace and metric names queried.
const (
	Namespace          = "AWS/ApplicationELB"
	MetricTarget5XX    = "HTTPCode_Target_5XX_Count"
	MetricRequestCount = "RequestCount"
	MetricResponseTime = "TargetResponseTime"
	// MetricTargetConnErrors is per LoadBalancer+TargetGroup.
	MetricTargetConnErrors = "TargetConnectionErrorCount"
	// MetricELB5XX is per LoadBalancer only (no TargetGroup dimension).
	MetricELB5XX = "HTTPCode_ELB_5XX_Count"
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
	// CountLoadBalancerELB5xx adds the load balancer's HTTPCode_ELB_5XX_Count
	// (LoadBalancer dimension: every listener and rule of it) to the errors
	// of max_5xx_rate, in place of TargetConnectionErrorCount when larger
	// (each connection error is also an ELB 5xx). For a switch that is the
	// load balancer's only forward: otherwise other services' ELB errors
	// count against this color.
	CountLoadBalancerELB5xx bool

	// CompareTo is the other color's target group ARN or
	// "targetgroup/<name>/<id>" suffix, behind the same LoadBalancer. Empty
	// means absolute mode only; set, it enables the relative thresholds below.
	CompareTo string
	// Max5xxRateIncrease is the largest acceptable increase of the receiving
	// color's 5xx rate over the other color's, in fraction points (0–1;
	// 0.01 = at most one point worse); nil skips it. Needs CompareTo.
	Max5xxRateIncrease *float64
	// MaxP99LatencyRatio is the largest acceptable receiving p99 / other p99
	// (>= 1, e.g. 1.5); 0 skips it. Needs CompareTo.
	MaxP99LatencyRatio float64
	// MinRequestsOther: fewer requests to the other color in the window make
	// the relative results inconclusive. 0 means MinRequests.
	MinRequestsOther int
	// PublicationDelay is how long after a minute ends its ALB metrics are
	// complete in CloudWatch; 0 means DefaultPublicationDelay (1m). Only
	// minutes this far in the past are judged.
	PublicationDelay time.Duration
	// Since is when the traffic to judge began (e.g. the weight shift).
	// Zero means the check's first evaluation. Until the first whole minute
	// after Since is published, too few requests is Pending, not
	// Inconclusive.
	Since time.Time
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Check is a metrics check of one target group behind one ALB.
type Check struct {
	api   GetMetricDataAPI
	cfg   Config
	lb    string
	tg    string
	other string // other color's TargetGroup dimension; "" in absolute mode
	round time.Duration
	delay time.Duration

	mu    sync.Mutex
	since time.Time // cfg.Since, or the first evaluation

	// currentMinute makes the check query [window before now, now] as it did
	// before it knew about CloudWatch's publication delay. Tests only: it
	// reproduces the behaviour that rolled back healthy releases on AWS.
	currentMinute bool
	// target5xxOnly counts HTTPCode_Target_5XX_Count alone, as the check did
	// before it counted connection errors and ELB 5xx. Tests only: it
	// reproduces the check that let a crashing release through.
	target5xxOnly bool
}

// New validates cfg and derives the dimension values from the ARNs.
func New(api GetMetricDataAPI, cfg Config) (*Check, error) {
	lb, err := awsarn.LoadBalancerSuffix(cfg.LoadBalancer)
	if err != nil {
		return nil, fmt.Errorf("metrics check load balancer: %w", err)
	}
	tg, err := awsarn.TargetGroupSuffix(cfg.TargetGroup)
	if err != nil {
		return nil, fmt.Errorf("metrics check target group: %w", err)
	}
	var other string
	relative := cfg.Max5xxRateIncrease != nil || cfg.MaxP99LatencyRatio != 0
	if cfg.CompareTo != "" {
		if other, err = awsarn.TargetGroupSuffix(cfg.CompareTo); err != nil {
			return nil, fmt.Errorf("compare_to_other_color: %w", err)
		}
		if other == tg {
			return nil, fmt.Errorf("compare_to_other_color %q is the checked target group itself: it must be the other color's target group", cfg.CompareTo)
		}
		if !relative {
			return nil, fmt.Errorf("compare_to_other_color needs max_5xx_rate_increase or max_p99_latency_ratio (absolute max_5xx_rate and max_p99_latency may be added, not substituted)")
		}
	} else {
		if cfg.Max5xxRateIncrease != nil {
			return nil, fmt.Errorf("max_5xx_rate_increase needs compare_to_other_color (the other color's target group)")
		}
		if cfg.MaxP99LatencyRatio != 0 {
			return nil, fmt.Errorf("max_p99_latency_ratio needs compare_to_other_color (the other color's target group)")
		}
		if cfg.MinRequestsOther != 0 {
			return nil, fmt.Errorf("min_requests_other needs compare_to_other_color (the other color's target group)")
		}
		if cfg.Max5xxRate == nil && cfg.MaxP99Latency == 0 {
			return nil, fmt.Errorf("metrics check needs max_5xx_rate or max_p99_latency")
		}
	}
	if r := cfg.Max5xxRateIncrease; r != nil && !(*r >= 0 && *r <= 1) {
		return nil, fmt.Errorf("max_5xx_rate_increase %v out of range: it is a difference of fractions between 0 and 1 (0.01 = at most 1 percentage point above the other color)", *r)
	}
	if r := cfg.MaxP99LatencyRatio; r != 0 && !(r >= 1) {
		return nil, fmt.Errorf("max_p99_latency_ratio %v must be at least 1 (1.5 = the receiving color's p99 at most 1.5 times the other color's; 0 leaves it unchecked)", r)
	}
	if cfg.MinRequestsOther < 0 {
		return nil, fmt.Errorf("min_requests_other %d must not be negative", cfg.MinRequestsOther)
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
	if cfg.MinRequestsOther == 0 {
		cfg.MinRequestsOther = cfg.MinRequests
	}
	if cfg.PublicationDelay < 0 {
		return nil, fmt.Errorf("publication delay %s must not be negative", cfg.PublicationDelay)
	}
	delay := cfg.PublicationDelay
	if delay == 0 {
		delay = DefaultPublicationDelay
	}
	return &Check{api: api, cfg: cfg, lb: lb, tg: tg, other: other, round: roundWindow(cfg.Window), delay: delay, since: cfg.Since}, nil
}

// Name is "metrics".
func (c *Check) Name() string { return CheckName }

// Window is the effective window (whole minutes).
func (c *Check) Window() time.Duration { return c.round }

// Query ids (lowercase first letter, as GetMetricData requires).
const (
	idErrors        = "target5xx"
	idRequests      = "requests"
	idP99           = "p99"
	idOtherErrors   = "other_target5xx"
	idOtherRequests = "other_requests"
	idOtherP99      = "other_p99"
	idConnErrors    = "target_conn_errors"
	idOtherConn     = "other_target_conn_errors"
	idELB5xx        = "elb5xx"
)

// epsilon absorbs floating-point rounding when a computed difference (absolute
// tolerance) or ratio (relative tolerance) is compared with its limit, so that
// e.g. 0.05 - 0.04 counts as exactly 0.01 and 0.45 / 0.3 as exactly 1.5.
const epsilon = 1e-9

func (c *Check) needErrors() bool {
	return c.cfg.Max5xxRate != nil || c.cfg.Max5xxRateIncrease != nil
}

func (c *Check) needP99() bool {
	return c.cfg.MaxP99Latency > 0 || c.cfg.MaxP99LatencyRatio > 0
}

// evaluation is what one Evaluate judges.
type evaluation struct {
	at         time.Time // when it was measured
	start, end time.Time // the window read
	settled    bool      // the first whole minute since the check began is published
	due        time.Time // when it will be, if not settled
}

// window decides which minutes an evaluation at now reads.
func (c *Check) window(now time.Time) evaluation {
	c.mu.Lock()
	if c.since.IsZero() {
		c.since = now
	}
	since := c.since
	c.mu.Unlock()
	e := evaluation{at: now, end: PublishedThrough(now, c.delay)}
	if c.currentMinute {
		e.end = now
		e.start = windowStart(now, c.round)
		e.settled = true
		return e
	}
	e.start = e.end.Add(-c.round)
	firstFullEnd := ceilMinute(since).Add(Period)
	e.settled = !e.end.Before(firstFullEnd)
	e.due = firstFullEnd.Add(c.delay)
	return e
}

// over renders the window read, e.g. "over 1m0s ending 11:59 UTC".
func (e evaluation) over(round time.Duration) string {
	return fmt.Sprintf("%s ending %s UTC", round, clockOf(e.end))
}

// short is the verdict for too little traffic, and its explanation.
func (c *Check) short(e evaluation, why string) (checks.Verdict, string) {
	if e.settled {
		return checks.Inconclusive, why
	}
	return checks.Pending, fmt.Sprintf("not yet: %s; CloudWatch publishes ALB metrics per minute, %s after the minute ends, so the first whole minute since the check began is judged from %s UTC",
		why, c.delay, e.due.UTC().Format("15:04:05"))
}

// Evaluate makes one GetMetricData call and returns one result per configured
// threshold.
func (c *Check) Evaluate(ctx context.Context) []checks.Result {
	now := time.Now
	if c.cfg.Now != nil {
		now = c.cfg.Now
	}
	ev := c.window(now())
	end, start := ev.at, ev.start
	queries := []types.MetricDataQuery{c.query(idRequests, c.tg, MetricRequestCount, "Sum")}
	if c.needErrors() {
		queries = append(queries, c.query(idErrors, c.tg, MetricTarget5XX, "Sum"))
		if !c.target5xxOnly {
			queries = append(queries, c.query(idConnErrors, c.tg, MetricTargetConnErrors, "Sum"))
		}
		if c.cfg.Max5xxRate != nil && c.cfg.CountLoadBalancerELB5xx && !c.target5xxOnly {
			queries = append(queries, c.query(idELB5xx, "", MetricELB5XX, "Sum"))
		}
	}
	if c.needP99() {
		queries = append(queries, c.query(idP99, c.tg, MetricResponseTime, "p99"))
	}
	if c.other != "" {
		queries = append(queries, c.query(idOtherRequests, c.other, MetricRequestCount, "Sum"))
		if c.cfg.Max5xxRateIncrease != nil {
			queries = append(queries, c.query(idOtherErrors, c.other, MetricTarget5XX, "Sum"))
			if !c.target5xxOnly {
				queries = append(queries, c.query(idOtherConn, c.other, MetricTargetConnErrors, "Sum"))
			}
		}
		if c.cfg.MaxP99LatencyRatio > 0 {
			queries = append(queries, c.query(idOtherP99, c.other, MetricResponseTime, "p99"))
		}
	}
	out, err := c.api.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(start), EndTime: aws.Time(ev.end), MetricDataQueries: queries,
	})
	if err != nil {
		target := c.tg
		if c.other != "" {
			target += " and " + c.other
		}
		return c.errored(end, fmt.Errorf("GetMetricData for %s %s: %w", c.lb, target, err))
	}
	series := map[string]types.MetricDataResult{}
	for _, r := range out.MetricDataResults {
		series[aws.ToString(r.Id)] = r
	}
	requests, err := sum(series, idRequests)
	if err != nil {
		return c.errored(end, err)
	}
	var otherRequests float64
	var otherErr error
	if c.other != "" {
		otherRequests, otherErr = sum(series, idOtherRequests)
	}

	var results []checks.Result
	if c.cfg.Max5xxRate != nil {
		results = append(results, c.rateResult(ev, series, requests))
	}
	if c.cfg.MaxP99Latency > 0 {
		results = append(results, c.latencyResult(ev, series, requests))
	}
	if c.cfg.Max5xxRateIncrease != nil {
		if otherErr != nil {
			results = append(results, checks.Errored(Max5xxRateIncreaseName, end, c.increaseThreshold(), otherErr))
		} else {
			results = append(results, c.rateIncreaseResult(ev, series, requests, otherRequests))
		}
	}
	if c.cfg.MaxP99LatencyRatio > 0 {
		if otherErr != nil {
			results = append(results, checks.Errored(MaxP99LatencyRatioName, end, c.ratioThreshold(), otherErr))
		} else {
			results = append(results, c.latencyRatioResult(ev, series, requests, otherRequests))
		}
	}
	return results
}

func (c *Check) rateResult(ev evaluation, series map[string]types.MetricDataResult, requests float64) checks.Result {
	maxRate := *c.cfg.Max5xxRate
	r := checks.Result{Check: Max5xxRateName, Threshold: "<= " + checks.FormatValue(maxRate), At: ev.at}
	counted, err := c.errorsOf(series, idErrors, idConnErrors, c.cfg.CountLoadBalancerELB5xx)
	if err != nil {
		return checks.Errored(Max5xxRateName, ev.at, r.Threshold, err)
	}
	errs := counted.total
	if requests > 0 {
		r.Value, r.HasValue = errs/requests, true
	}
	if msg, short := c.tooFewRequests(ev, requests); short {
		r.Verdict, r.Detail = c.short(ev, msg)
		return r
	}
	r.Verdict = checks.Pass
	cmp := "<="
	if r.Value > maxRate {
		r.Verdict, cmp = checks.Fail, ">"
	}
	r.Detail = fmt.Sprintf("5xx rate %s (%s/%s requests%s) %s max %s over %s",
		checks.FormatValue(r.Value), checks.FormatValue(errs), checks.FormatValue(requests), counted.parts(), cmp, checks.FormatValue(maxRate), ev.over(c.round))
	return r
}

// errorCount is what max_5xx_rate counted, by source.
type errorCount struct {
	target5xx, connErrors, elb5xx float64
	withConn, withELB             bool
	total                         float64
}

// parts renders the sources for a detail, e.g. "; target 5xx 2,
// connection errors 40".
func (e errorCount) parts() string {
	if e.connErrors == 0 && !e.withELB {
		return "" // target 5xx alone
	}
	s := "; target 5xx " + checks.FormatValue(e.target5xx)
	if e.withConn {
		s += ", target connection errors " + checks.FormatValue(e.connErrors)
	}
	if e.withELB {
		s += ", load balancer ELB 5xx " + checks.FormatValue(e.elb5xx)
		if e.elb5xx >= e.connErrors {
			s += " (counted in place of the connection errors)"
		}
	}
	return s
}

// errorsOf counts the errors of one color: target 5xx plus connection
// errors, or plus the load balancer's ELB 5xx when withELB and larger (every
// connection error is also an ELB 5xx, so adding both would count it twice).
func (c *Check) errorsOf(series map[string]types.MetricDataResult, target5xxID, connID string, withELB bool) (errorCount, error) {
	var e errorCount
	var err error
	if e.target5xx, err = sum(series, target5xxID); err != nil {
		return e, err
	}
	e.total = e.target5xx
	if c.target5xxOnly {
		return e, nil
	}
	e.withConn = true
	if e.connErrors, err = sum(series, connID); err != nil {
		return e, err
	}
	extra := e.connErrors
	if withELB {
		e.withELB = true
		if e.elb5xx, err = sum(series, idELB5xx); err != nil {
			return e, err
		}
		extra = max(extra, e.elb5xx)
	}
	e.total += extra
	return e, nil
}

func (c *Check) latencyResult(ev evaluation, series map[string]types.MetricDataResult, requests float64) checks.Result {
	limit := c.cfg.MaxP99Latency
	r := checks.Result{Check: MaxP99LatencyName, Threshold: "<= " + limit.String(), At: ev.at}
	s, ok := series[idP99]
	if ok && s.StatusCode != "" && s.StatusCode != types.StatusCodeComplete {
		return checks.Errored(MaxP99LatencyName, ev.at, r.Threshold, statusError(s))
	}
	if ok && len(s.Values) > 0 {
		r.Value, r.HasValue = s.Values[0], true
		for _, v := range s.Values[1:] {
			r.Value = max(r.Value, v)
		}
	}
	if msg, short := c.tooFewRequests(ev, requests); short {
		r.Verdict, r.Detail = c.short(ev, msg)
		return r
	}
	if !r.HasValue {
		r.Verdict = checks.Inconclusive
		r.Detail = fmt.Sprintf("no %s datapoints over %s despite %s requests", MetricResponseTime, ev.over(c.round), checks.FormatValue(requests))
		return r
	}
	p99 := time.Duration(r.Value * float64(time.Second)).Round(time.Millisecond)
	r.Verdict = checks.Pass
	cmp := "<="
	if r.Value > limit.Seconds() {
		r.Verdict, cmp = checks.Fail, ">"
	}
	r.Detail = fmt.Sprintf("p99 latency %s %s max %s over %s", p99, cmp, limit, ev.over(c.round))
	return r
}

// tooFewRequests explains an inconclusive result, if it is one.
func (c *Check) tooFewRequests(ev evaluation, requests float64) (string, bool) {
	return shortOf(requests, c.cfg.MinRequests, "min_requests", ev.over(c.round))
}

func shortOf(requests float64, minimum int, field string, window string) (string, bool) {
	switch {
	case requests == 0:
		return fmt.Sprintf("no requests over %s", window), true
	case requests < float64(minimum):
		return fmt.Sprintf("only %s requests over %s (< %s %d)", checks.FormatValue(requests), window, field, minimum), true
	}
	return "", false
}

// bothShort explains why a relative result is inconclusive for lack of
// traffic on either color, naming which.
func (c *Check) bothShort(ev evaluation, requests, otherRequests float64) (string, bool) {
	var why []string
	if msg, short := c.tooFewRequests(ev, requests); short {
		why = append(why, "receiving color: "+msg)
	}
	if msg, short := shortOf(otherRequests, c.cfg.MinRequestsOther, "min_requests_other", ev.over(c.round)); short {
		why = append(why, "other color: "+msg)
	}
	return strings.Join(why, "; "), len(why) > 0
}

func (c *Check) increaseThreshold() string {
	return "<= " + signed(*c.cfg.Max5xxRateIncrease)
}

func (c *Check) ratioThreshold() string {
	return "<= " + checks.FormatValue(c.cfg.MaxP99LatencyRatio) + "x"
}

// rateIncreaseResult judges the receiving color's 5xx rate minus the other
// color's.
func (c *Check) rateIncreaseResult(ev evaluation, series map[string]types.MetricDataResult, requests, otherRequests float64) checks.Result {
	limit := *c.cfg.Max5xxRateIncrease
	r := checks.Result{Check: Max5xxRateIncreaseName, Threshold: c.increaseThreshold(), At: ev.at}
	// ELB 5xx are never per target group: they cannot be split between the
	// colors, so the comparison counts target 5xx and connection errors.
	counted, err := c.errorsOf(series, idErrors, idConnErrors, false)
	if err != nil {
		return checks.Errored(Max5xxRateIncreaseName, ev.at, r.Threshold, err)
	}
	otherCounted, err := c.errorsOf(series, idOtherErrors, idOtherConn, false)
	if err != nil {
		return checks.Errored(Max5xxRateIncreaseName, ev.at, r.Threshold, err)
	}
	errs, otherErrs := counted.total, otherCounted.total
	var rate, otherRate float64
	if requests > 0 && otherRequests > 0 {
		rate, otherRate = errs/requests, otherErrs/otherRequests
		r.Value, r.HasValue = rate-otherRate, true
	}
	if msg, short := c.bothShort(ev, requests, otherRequests); short {
		r.Verdict, r.Detail = c.short(ev, msg)
		return r
	}
	r.Verdict = checks.Pass
	cmp := "<="
	if r.Value > limit+epsilon {
		r.Verdict, cmp = checks.Fail, ">"
	}
	r.Detail = fmt.Sprintf("5xx rate %s vs other color %s (%s) %s max %s over %s",
		checks.FormatValue(rate), checks.FormatValue(otherRate), signed(r.Value), cmp, signed(limit), ev.over(c.round))
	return r
}

// latencyRatioResult judges the receiving color's p99 divided by the other
// color's.
func (c *Check) latencyRatioResult(ev evaluation, series map[string]types.MetricDataResult, requests, otherRequests float64) checks.Result {
	limit := c.cfg.MaxP99LatencyRatio
	r := checks.Result{Check: MaxP99LatencyRatioName, Threshold: c.ratioThreshold(), At: ev.at}
	p99, ok, err := maxOf(series, idP99)
	if err != nil {
		return checks.Errored(MaxP99LatencyRatioName, ev.at, r.Threshold, err)
	}
	otherP99, otherOK, err := maxOf(series, idOtherP99)
	if err != nil {
		return checks.Errored(MaxP99LatencyRatioName, ev.at, r.Threshold, err)
	}
	if ok && otherOK && otherP99 > 0 {
		r.Value, r.HasValue = p99/otherP99, true
	}
	if msg, short := c.bothShort(ev, requests, otherRequests); short {
		r.Verdict, r.Detail = c.short(ev, msg)
		return r
	}
	switch {
	case !ok:
		r.Verdict = checks.Inconclusive
		r.Detail = fmt.Sprintf("receiving color: no %s datapoints over %s despite %s requests", MetricResponseTime, ev.over(c.round), checks.FormatValue(requests))
		return r
	case !otherOK:
		r.Verdict = checks.Inconclusive
		r.Detail = fmt.Sprintf("other color: no %s datapoints over %s despite %s requests, ratio undefined", MetricResponseTime, ev.over(c.round), checks.FormatValue(otherRequests))
		return r
	case otherP99 <= 0:
		r.Verdict = checks.Inconclusive
		r.Detail = fmt.Sprintf("other color: p99 latency %s over %s, ratio undefined (receiving color p99 %s)", latency(otherP99), ev.over(c.round), latency(p99))
		return r
	}
	r.Verdict = checks.Pass
	cmp := "<="
	if r.Value > limit*(1+epsilon) {
		r.Verdict, cmp = checks.Fail, ">"
	}
	r.Detail = fmt.Sprintf("p99 latency %s vs other color %s (%sx) %s max %sx over %s",
		latency(p99), latency(otherP99), checks.FormatValue(r.Value), cmp, checks.FormatValue(limit), ev.over(c.round))
	return r
}

// maxOf returns the largest value of a series (the conservative merge of
// percentiles), and whether there was any.
func maxOf(series map[string]types.MetricDataResult, id string) (float64, bool, error) {
	s, ok := series[id]
	if !ok {
		return 0, false, nil
	}
	if s.StatusCode != "" && s.StatusCode != types.StatusCodeComplete {
		return 0, false, statusError(s)
	}
	if len(s.Values) == 0 {
		return 0, false, nil
	}
	v := s.Values[0]
	for _, w := range s.Values[1:] {
		v = max(v, w)
	}
	return v, true, nil
}

// latency renders seconds as a duration, to the millisecond (to the
// microsecond below one millisecond, where ratios still make sense).
func latency(seconds float64) time.Duration {
	d := time.Duration(seconds * float64(time.Second))
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(time.Millisecond)
}

// signed renders a difference with its sign, e.g. "+0.01", "-0.003".
func signed(v float64) string {
	if v >= 0 {
		return "+" + checks.FormatValue(v)
	}
	return checks.FormatValue(v)
}

func (c *Check) errored(at time.Time, err error) []checks.Result {
	var rs []checks.Result
	if c.cfg.Max5xxRate != nil {
		rs = append(rs, checks.Errored(Max5xxRateName, at, "<= "+checks.FormatValue(*c.cfg.Max5xxRate), err))
	}
	if c.cfg.MaxP99Latency > 0 {
		rs = append(rs, checks.Errored(MaxP99LatencyName, at, "<= "+c.cfg.MaxP99Latency.String(), err))
	}
	if c.cfg.Max5xxRateIncrease != nil {
		rs = append(rs, checks.Errored(Max5xxRateIncreaseName, at, c.increaseThreshold(), err))
	}
	if c.cfg.MaxP99LatencyRatio > 0 {
		rs = append(rs, checks.Errored(MaxP99LatencyRatioName, at, c.ratioThreshold(), err))
	}
	return rs
}

// query reads one metric of a target group behind the load balancer, or of
// the load balancer alone when targetGroup is "".
func (c *Check) query(id, targetGroup, metric, stat string) types.MetricDataQuery {
	dims := []types.Dimension{{Name: aws.String("LoadBalancer"), Value: aws.String(c.lb)}}
	if targetGroup != "" {
		dims = append(dims, types.Dimension{Name: aws.String("TargetGroup"), Value: aws.String(targetGroup)})
	}
	return types.MetricDataQuery{
		Id: aws.String(id),
		MetricStat: &types.MetricStat{
			Metric: &types.Metric{
				Namespace:  aws.String(Namespace),
				MetricName: aws.String(metric),
				Dimensions: dims,
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

// windowStart is where an evaluation's query starts: window before end,
// rounded UP to the minute. CloudWatch rounds a StartTime down to the minute,
// which would stretch the window by up to a minute of older data — traffic
// from before a shift, diluting the new color's error rate. Rounding up means
// an evaluation never looks further back than window (early in a minute it
// sees less, and min_requests makes a thin window inconclusive, not a pass).
func windowStart(end time.Time, window time.Duration) time.Time {
	start := end.Add(-window)
	if t := start.Truncate(time.Minute); !t.Equal(start) {
		start = t.Add(time.Minute)
	}
	return start
}
