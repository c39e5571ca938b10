// Package conformance drives the sandbox with the real aws-sdk-go-v2
// clients (ELBv2, CloudWatch, STS), the way the provider will: every
// validation rule must come back as AWS's error code through the SDK, and
// injected faults must look to the SDK's retryer like the real thing.
package conformance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/smithy-go"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
)

var (
	srv  *sandbox.Server
	elbc *elb.Client
	cwc  *cloudwatch.Client
)

func TestMain(m *testing.M) {
	s, err := sandbox.Start(sandbox.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting the sandbox:", err)
		os.Exit(1)
	}
	srv = s
	elbc = newELB(nil)
	cwc = newCloudWatch()
	code := m.Run()
	if err := s.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "closing the sandbox:", err)
		code = 1
	}
	os.Exit(code)
}

var staticCreds = credentials.NewStaticCredentialsProvider("test", "test", "")

// newELB is an ELBv2 client for the sandbox: static credentials, the
// sandbox endpoint and the SDK's standard retryer (3 attempts) with its
// backoff capped so retried faults don't slow the suite down. httpClient
// may be nil.
func newELB(httpClient aws.HTTPClient) *elb.Client {
	return elb.New(elb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL()),
		Credentials:  staticCreds,
		Retryer:      fastRetryer(),
		HTTPClient:   httpClient,
	})
}

func newCloudWatch() *cloudwatch.Client {
	return cloudwatch.New(cloudwatch.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL()),
		Credentials:  staticCreds,
		Retryer:      fastRetryer(),
	})
}

func fastRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxBackoff = 20 * time.Millisecond
	})
}

var nameSeq atomic.Int64

// uniq returns a resource name unique within this test binary, at most 32
// characters (the ELBv2 limit).
func uniq(prefix string) string {
	n := fmt.Sprintf("%s-%d", prefix, nameSeq.Add(1))
	if len(n) > 32 {
		n = n[len(n)-32:]
		n = strings.TrimLeft(n, "-")
	}
	return n
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("call succeeded, want AWS error %s", code)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want AWS error %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("error code %s (%q), want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
}

// must(call(…))(t) returns call's result, failing the test on an error.
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

var ctx = context.Background()
