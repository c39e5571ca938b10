package route53health

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsclient"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
)

// TestCheck_sandbox judges a sandbox health check as its checkers report it:
// healthy passes, unhealthy fails with the checker's reason, an unknown ID
// is an error (never a pass).
func TestCheck_sandbox(t *testing.T) {
	sb, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	noRetries := 0
	c, err := awsclient.New(context.Background(), awsclient.Config{Region: "us-east-1", MaxRetries: &noRetries, Endpoints: awsclient.Endpoints{Route53: sb.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	api := c.Route53()
	ctx := context.Background()
	hc, err := api.CreateHealthCheck(ctx, &r53.CreateHealthCheckInput{CallerReference: aws.String("hc"),
		HealthCheckConfig: &types.HealthCheckConfig{Type: types.HealthCheckTypeHttp, FullyQualifiedDomainName: aws.String("green.example.com"), ResourcePath: aws.String("/")}})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(hc.HealthCheck.Id)
	chk := New(api, id)
	if r := chk.Evaluate(ctx); len(r) != 1 || r[0].Verdict != checks.Pass || r[0].Value != 100 {
		t.Fatalf("healthy: %v", r)
	}
	if err := sb.SetRoute53HealthCheckStatus(id, false, ""); err != nil {
		t.Fatal(err)
	}
	if r := chk.Evaluate(ctx); len(r) != 1 || r[0].Verdict != checks.Fail || r[0].Value != 0 {
		t.Fatalf("unhealthy: %v", r)
	}
	if r := New(api, "00000000-0000-0000-0000-000000000000").Evaluate(ctx); len(r) != 1 || r[0].Verdict != checks.Error {
		t.Fatalf("unknown ID: %v", r)
	}
}

type fakeAPI struct{ healthy, total int }

func (f fakeAPI) GetHealthCheckStatus(context.Context, *r53.GetHealthCheckStatusInput, ...func(*r53.Options)) (*r53.GetHealthCheckStatusOutput, error) {
	out := &r53.GetHealthCheckStatusOutput{}
	for i := range f.total {
		s := "Failure: Connection timed out."
		if i < f.healthy {
			s = "Success: HTTP Status Code 200, OK"
		}
		out.HealthCheckObservations = append(out.HealthCheckObservations, types.HealthCheckObservation{
			Region: types.HealthCheckRegionUsEast1, StatusReport: &types.StatusReport{Status: aws.String(s), CheckedTime: aws.Time(time.Now())}})
	}
	return out, nil
}

// TestCheck_eighteenPercentRule applies Route 53's own rule: healthy when
// more than 18 % of the checkers say so.
func TestCheck_eighteenPercentRule(t *testing.T) {
	for _, c := range []struct {
		healthy, total int
		want           checks.Verdict
	}{
		{0, 8, checks.Fail}, {1, 8, checks.Fail}, {2, 8, checks.Pass}, {1, 6, checks.Fail}, {9, 50, checks.Fail},
		{10, 50, checks.Pass}, {8, 8, checks.Pass}, {0, 0, checks.Inconclusive},
	} {
		t.Run(fmt.Sprintf("%d_of_%d", c.healthy, c.total), func(t *testing.T) {
			r := New(fakeAPI{c.healthy, c.total}, "hc").Evaluate(context.Background())
			if len(r) != 1 || r[0].Verdict != c.want {
				t.Fatalf("%d of %d healthy: %v, want %s", c.healthy, c.total, r, c.want)
			}
		})
	}
}
