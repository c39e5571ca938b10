// Package checks holds the result types every health check returns, and its
// subpackages implement the checks: targethealth (ELBv2 DescribeTargetHealth),
// cloudwatchmetrics (ALB metrics through one GetMetricData call) and alarms
// (CloudWatch DescribeAlarms). HTTP and Prometheus checks drop in the same way.
//
// A check is anything with
//
//	Name() string
//	Evaluate(ctx context.Context) []checks.Result
//
// The consumer (the rollout engine, the health gate) declares that interface;
// this package does not, and no check imports its consumer. One check may
// return several results (the metrics check returns the 5xx rate and the p99
// latency). Evaluate never returns a Go error: a check that could not measure
// says so with Verdict Error and a Detail, so every outcome is data that
// diagnostics and state can show.
//
// Verdicts keep "could not measure" apart from "measured bad":
//
//	pass          measured, within threshold
//	fail          measured, outside threshold
//	inconclusive  measured, but not enough to judge (e.g. too few requests)
//	error         could not measure (API error, missing alarm, bad response)
//	pending       not yet: the data that will judge this is not published yet
//	              (e.g. CloudWatch has not published the minutes since traffic
//	              moved); neither health nor a failure
//
// What to do with inconclusive and error results is the consumer's policy
// (the engine tolerates a configured number in a row, then counts them as
// failures: fail closed).
//
// Checks talk to AWS through narrow interfaces made of the SDK clients' own
// method sets, so tests use small fakes. They know nothing of Terraform.
package checks

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Verdict is the judgement of one result.
type Verdict string

const (
	Pass         Verdict = "pass"
	Fail         Verdict = "fail"
	Inconclusive Verdict = "inconclusive"
	Error        Verdict = "error"
	// Pending means "not yet": the data that will judge this result has not
	// been published yet (ALB metrics reach CloudWatch per minute, about a
	// minute after the minute ends). It never proves health and never
	// counts toward a failure; a consumer keeps waiting, bounded by its own
	// deadline.
	Pending Verdict = "pending"
)

// Result is one measurement and its judgement.
type Result struct {
	// Check names what was measured, e.g. "metrics.max_5xx_rate",
	// "target_health", "alarm:my-alarm". Consumers key consecutive counts on it.
	Check   string
	Verdict Verdict
	// Value is the measured value when HasValue is true.
	Value    float64
	HasValue bool
	// Threshold is the human form of the limit, e.g. "<= 0.05", ">= 2 healthy".
	Threshold string
	// Detail is one short line explaining the verdict.
	Detail string
	// At is when the measurement was taken.
	At time.Time
}

// String renders the result on one line for diagnostics and logs, e.g.
// `metrics.max_5xx_rate fail (value 0.12, threshold <= 0.05): 5xx rate 0.12 …`.
func (r Result) String() string {
	var b strings.Builder
	b.WriteString(r.Check)
	b.WriteByte(' ')
	b.WriteString(string(r.Verdict))
	var parts []string
	if r.HasValue {
		parts = append(parts, "value "+FormatValue(r.Value))
	}
	if r.Threshold != "" {
		parts = append(parts, "threshold "+r.Threshold)
	}
	if len(parts) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(parts, ", "))
	}
	if r.Detail != "" {
		b.WriteString(": ")
		b.WriteString(r.Detail)
	}
	return b.String()
}

// FormatValue renders a measured value compactly (up to 4 significant
// decimals, no trailing zeros).
func FormatValue(v float64) string {
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// FirstNotPassing returns the first result that did not pass, or nil.
func FirstNotPassing(results []Result) *Result {
	for i := range results {
		if results[i].Verdict != Pass {
			r := results[i]
			return &r
		}
	}
	return nil
}

// Errored builds an Error-verdict result for a check that could not measure.
func Errored(check string, at time.Time, threshold string, err error) Result {
	return Result{Check: check, Verdict: Error, Threshold: threshold, Detail: err.Error(), At: at}
}
