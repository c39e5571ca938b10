// Package alarms checks named CloudWatch alarms through DescribeAlarms.
//
// Each named alarm yields one result, "alarm:<name>":
//
//	ALARM              fail
//	OK                 pass
//	INSUFFICIENT_DATA  pass by default (the alarm is not alarming; a fresh
//	                   target group often has no data yet) — set
//	                   InsufficientData to checks.Inconclusive to be stricter
//	name not found     error (a typo must not read as healthy)
//	API error          error for every name
//
// Unreadable alarms are therefore "error", not "fail": the consumer decides.
// The rollout engine tolerates ErrorLimit consecutive errors and then counts
// each further one as a failed evaluation (fail closed) unless the user opts
// out (rollout.UnlimitedTolerance).
//
// Metric and composite alarms are both looked up (DescribeAlarms returns only
// metric alarms unless asked). Names are sent in batches of 100, following
// NextToken, so one evaluation costs one call for up to 100 alarms.
package alarms

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
)

// CheckName is the Name() of the check; results are "alarm:<name>".
const CheckName = "alarms"

// ResultPrefix starts every result's Check field.
const ResultPrefix = "alarm:"

// Threshold is the human form shown with every result.
const Threshold = "not ALARM"

const batchSize = 100 // DescribeAlarms accepts at most 100 AlarmNames

// DescribeAlarmsAPI is the part of the CloudWatch client this check uses.
type DescribeAlarmsAPI interface {
	DescribeAlarms(ctx context.Context, params *cloudwatch.DescribeAlarmsInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error)
}

var _ DescribeAlarmsAPI = (*cloudwatch.Client)(nil)

// Check watches a set of alarms.
type Check struct {
	API   DescribeAlarmsAPI
	Names []string
	// InsufficientData is the verdict for an alarm in INSUFFICIENT_DATA
	// (default checks.Pass).
	InsufficientData checks.Verdict
	// Now stamps results; nil means time.Now.
	Now func() time.Time
}

// New returns a check of the named alarms (duplicates are ignored).
func New(api DescribeAlarmsAPI, names []string) *Check {
	seen := map[string]bool{}
	var uniq []string
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			uniq = append(uniq, n)
		}
	}
	return &Check{API: api, Names: uniq}
}

// Name is "alarms".
func (c *Check) Name() string { return CheckName }

type alarmState struct {
	state  types.StateValue
	reason string
	since  *time.Time
}

// Evaluate returns one result per alarm name, in the order given.
func (c *Check) Evaluate(ctx context.Context) []checks.Result {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	at := now()
	found, err := c.describe(ctx)
	results := make([]checks.Result, 0, len(c.Names))
	for _, name := range c.Names {
		id := ResultPrefix + name
		if err != nil {
			results = append(results, checks.Errored(id, at, Threshold, err))
			continue
		}
		a, ok := found[name]
		if !ok {
			results = append(results, checks.Errored(id, at, Threshold,
				fmt.Errorf("alarm %q not found (looked for metric and composite alarms)", name)))
			continue
		}
		r := checks.Result{Check: id, Threshold: Threshold, At: at}
		switch a.state {
		case types.StateValueAlarm:
			r.Verdict = checks.Fail
		case types.StateValueOk:
			r.Verdict = checks.Pass
		case types.StateValueInsufficientData:
			r.Verdict = c.InsufficientData
			if r.Verdict == "" {
				r.Verdict = checks.Pass
			}
		default:
			r.Verdict = checks.Error
		}
		r.Detail = fmt.Sprintf("alarm %s is %s", name, a.state)
		if a.since != nil {
			r.Detail += " since " + a.since.UTC().Format(time.RFC3339)
		}
		if a.reason != "" && r.Verdict != checks.Pass {
			r.Detail += ": " + truncate(a.reason, 160)
		}
		results = append(results, r)
	}
	return results
}

func (c *Check) describe(ctx context.Context) (map[string]alarmState, error) {
	found := map[string]alarmState{}
	for start := 0; start < len(c.Names); start += batchSize {
		batch := c.Names[start:min(start+batchSize, len(c.Names))]
		in := &cloudwatch.DescribeAlarmsInput{
			AlarmNames: batch,
			AlarmTypes: []types.AlarmType{types.AlarmTypeMetricAlarm, types.AlarmTypeCompositeAlarm},
		}
		for {
			out, err := c.API.DescribeAlarms(ctx, in)
			if err != nil {
				return nil, fmt.Errorf("describing alarms: %w", err)
			}
			for _, a := range out.MetricAlarms {
				found[aws.ToString(a.AlarmName)] = alarmState{a.StateValue, aws.ToString(a.StateReason), a.StateUpdatedTimestamp}
			}
			for _, a := range out.CompositeAlarms {
				found[aws.ToString(a.AlarmName)] = alarmState{a.StateValue, aws.ToString(a.StateReason), a.StateUpdatedTimestamp}
			}
			for _, a := range out.LogAlarms {
				found[aws.ToString(a.AlarmName)] = alarmState{a.StateValue, aws.ToString(a.StateReason), a.StateUpdatedTimestamp}
			}
			if aws.ToString(out.NextToken) == "" {
				break
			}
			in.NextToken = out.NextToken
		}
	}
	return found, nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
