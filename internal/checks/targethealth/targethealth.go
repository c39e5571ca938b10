// Package targethealth checks that an ELBv2 target group has enough healthy
// targets, through DescribeTargetHealth.
//
// Counting: every target DescribeTargetHealth lists is "registered" except
// those in state draining (being deregistered: they take no new connections
// and are on their way out, so they count neither for nor against). Healthy
// means state healthy. Everything else — initial, unhealthy,
// unhealthy.draining, unused (group not attached to a load balancer, or the
// target's zone not enabled: ALB does not health-check it), unavailable
// (health checks disabled) — is registered but not healthy.
//
// The check passes when there is at least one registered target, the healthy
// count is at least MinHealthyCount (never less than 1: an ALB routes to all
// targets of a group that has none healthy — it fails open — so zero healthy
// is never acceptable), and the healthy share of registered targets is at
// least MinHealthyPercent (0–100). Zero registered targets is a fail. An API
// error is an error verdict.
package targethealth

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
)

// CheckName is the Name() of the check and the Check field of its result.
const CheckName = "target_health"

// DescribeTargetHealthAPI is the part of the ELBv2 client this check uses.
type DescribeTargetHealthAPI interface {
	DescribeTargetHealth(ctx context.Context, params *elbv2.DescribeTargetHealthInput, optFns ...func(*elbv2.Options)) (*elbv2.DescribeTargetHealthOutput, error)
}

var _ DescribeTargetHealthAPI = (*elbv2.Client)(nil)

// Check is a target-health check of one target group.
type Check struct {
	API               DescribeTargetHealthAPI
	TargetGroupARN    string
	MinHealthyCount   int     // values below 1 mean 1
	MinHealthyPercent float64 // 0–100; 0 means no percentage requirement
	// Now stamps results; nil means time.Now. Set it to a clock's Now in tests.
	Now func() time.Time
}

// New returns a check of targetGroupARN.
func New(api DescribeTargetHealthAPI, targetGroupARN string, minHealthyCount int, minHealthyPercent float64) *Check {
	return &Check{API: api, TargetGroupARN: targetGroupARN, MinHealthyCount: minHealthyCount, MinHealthyPercent: minHealthyPercent}
}

// Name is "target_health".
func (c *Check) Name() string { return CheckName }

// Counts is what one DescribeTargetHealth call found.
type Counts struct {
	Registered int            // all listed targets except draining ones
	Healthy    int            // state healthy
	ByState    map[string]int // every listed target by state, draining included
}

// Percent is the healthy share of registered targets, 0–100.
func (n Counts) Percent() float64 {
	if n.Registered == 0 {
		return 0
	}
	return float64(n.Healthy) * 100 / float64(n.Registered)
}

// Count classifies target health descriptions as documented in the package.
func Count(descs []types.TargetHealthDescription) Counts {
	n := Counts{ByState: map[string]int{}}
	for _, d := range descs {
		state := "unknown"
		if d.TargetHealth != nil && d.TargetHealth.State != "" {
			state = string(d.TargetHealth.State)
		}
		n.ByState[state]++
		if state == string(types.TargetHealthStateEnumDraining) {
			continue
		}
		n.Registered++
		if state == string(types.TargetHealthStateEnumHealthy) {
			n.Healthy++
		}
	}
	return n
}

// Evaluate calls DescribeTargetHealth once and returns one result whose value
// is the healthy count.
func (c *Check) Evaluate(ctx context.Context) []checks.Result {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	minCount := max(c.MinHealthyCount, 1)
	threshold := fmt.Sprintf(">= %d healthy", minCount)
	if c.MinHealthyPercent > 0 {
		threshold += fmt.Sprintf(", >= %s%%", checks.FormatValue(c.MinHealthyPercent))
	}
	out, err := c.API.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(c.TargetGroupARN)})
	if err != nil {
		return []checks.Result{checks.Errored(CheckName, now(), threshold,
			fmt.Errorf("describing target health of %s: %w", c.TargetGroupARN, err))}
	}
	n := Count(out.TargetHealthDescriptions)
	r := checks.Result{
		Check: CheckName, Value: float64(n.Healthy), HasValue: true,
		Threshold: threshold, At: now(), Verdict: checks.Pass,
	}
	switch {
	case n.Registered == 0:
		r.Verdict = checks.Fail
		r.Detail = "no registered targets in " + c.TargetGroupARN
		if d := n.ByState[string(types.TargetHealthStateEnumDraining)]; d > 0 {
			r.Detail += fmt.Sprintf(" (%d draining)", d)
		}
		return []checks.Result{r}
	case n.Healthy < minCount, n.Percent() < c.MinHealthyPercent:
		r.Verdict = checks.Fail
	}
	r.Detail = fmt.Sprintf("%d/%d registered targets healthy (%s%%)", n.Healthy, n.Registered, checks.FormatValue(n.Percent()))
	if others := describeOthers(n); others != "" {
		r.Detail += "; " + others
	}
	if r.Verdict == checks.Fail {
		r.Detail += "; need " + threshold
	}
	return []checks.Result{r}
}

// describeOthers lists non-healthy states with a hint for the surprising ones.
func describeOthers(n Counts) string {
	hints := map[string]string{
		string(types.TargetHealthStateEnumUnused):      " (not health-checked: group not attached to a load balancer, or zone not enabled)",
		string(types.TargetHealthStateEnumUnavailable): " (health checks disabled)",
	}
	var states []string
	for s := range n.ByState {
		if s != string(types.TargetHealthStateEnumHealthy) {
			states = append(states, s)
		}
	}
	sort.Strings(states)
	parts := make([]string, 0, len(states))
	for _, s := range states {
		parts = append(parts, fmt.Sprintf("%d %s%s", n.ByState[s], s, hints[s]))
	}
	return strings.Join(parts, ", ")
}
