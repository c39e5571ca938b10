// Package route53health checks a Route 53 health check through
// GetHealthCheckStatus: what Route 53's own checkers observe of an endpoint
// (typically the load balancer a weighted record set points at).
//
// Route 53 considers an endpoint healthy when more than 18 % of its checkers
// report it healthy ("If more than 18% of health checkers report that an
// endpoint is healthy, Route 53 considers it healthy", Route 53 Developer
// Guide, How Route 53 determines whether a health check is healthy). The
// check applies the same rule, so it passes exactly when Route 53 would
// answer the record set. One result, "route53_health_check:<id>":
//
//	more than 18 % of observations start with "Success"   pass
//	18 % or fewer                                          fail
//	no observations yet                                    inconclusive
//	API error (unknown ID, throttling)                     error
//
// Calculated and CloudWatch-alarm health checks report their status through
// the same call, so they are judged the same way.
package route53health

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
)

// CheckName is the Name() of the check.
const CheckName = "route53_health_check"

// HealthyShare is the share of checkers above which Route 53 considers an
// endpoint healthy.
const HealthyShare = 0.18

// Threshold is the human form shown with every result.
const Threshold = "> 18% of checkers healthy"

// API is the part of the Route 53 client the check uses.
type API interface {
	GetHealthCheckStatus(ctx context.Context, params *r53.GetHealthCheckStatusInput, optFns ...func(*r53.Options)) (*r53.GetHealthCheckStatusOutput, error)
}

var _ API = (*r53.Client)(nil)

// Check judges one health check.
type Check struct {
	API API
	ID  string
	// Now stamps results; nil means time.Now.
	Now func() time.Time
}

// New returns a check of health check id.
func New(api API, id string) *Check { return &Check{API: api, ID: id} }

// Name is "route53_health_check".
func (c *Check) Name() string { return CheckName }

// Evaluate returns one result.
func (c *Check) Evaluate(ctx context.Context) []checks.Result {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	at := now()
	id := CheckName + ":" + c.ID
	out, err := c.API.GetHealthCheckStatus(ctx, &r53.GetHealthCheckStatusInput{HealthCheckId: aws.String(c.ID)})
	if err != nil {
		return []checks.Result{checks.Errored(id, at, Threshold, fmt.Errorf("reading Route 53 health check %s: %w", c.ID, err))}
	}
	r := checks.Result{Check: id, Threshold: Threshold, At: at}
	n := len(out.HealthCheckObservations)
	if n == 0 {
		r.Verdict = checks.Inconclusive
		r.Detail = fmt.Sprintf("Route 53 health check %s has no observations yet", c.ID)
		return []checks.Result{r}
	}
	healthy := 0
	var lastBad string
	for _, o := range out.HealthCheckObservations {
		status := ""
		if o.StatusReport != nil {
			status = aws.ToString(o.StatusReport.Status)
		}
		if strings.HasPrefix(status, "Success") {
			healthy++
		} else if lastBad == "" {
			lastBad = fmt.Sprintf("%s: %s", o.Region, status)
		}
	}
	share := float64(healthy) / float64(n)
	r.Value, r.HasValue = 100*share, true
	r.Detail = fmt.Sprintf("%d of %d Route 53 checkers report health check %s healthy", healthy, n, c.ID)
	if share > HealthyShare {
		r.Verdict = checks.Pass
	} else {
		r.Verdict = checks.Fail
		if lastBad != "" {
			r.Detail += " (" + lastBad + ")"
		}
	}
	return []checks.Result{r}
}
