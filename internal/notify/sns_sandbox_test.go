package notify

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// Against the sandbox's SNS with the real SDK client: throttled publishes
// are retried by the SDK and delivered; a topic that keeps failing costs
// one event's attempts and is reported, the rest skipped.
func TestSNSTopic_againstSandboxFaults(t *testing.T) {
	sb, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	c := awssns.New(awssns.Options{Region: "us-east-1", BaseEndpoint: aws.String(sb.URL()),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		Retryer:     retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts, o.MaxBackoff = 3, 50*time.Millisecond })})
	out, err := c.CreateTopic(context.Background(), &awssns.CreateTopicInput{Name: aws.String("deploys")})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.TopicArn)
	topic, err := NewSNSTopic(c, arn, nil)
	if err != nil {
		t.Fatal(err)
	}

	if _, err := sb.InjectFault(sandbox.Fault{Service: "sns", Operation: "Publish", Kind: sandbox.Throttle, Times: 2}); err != nil {
		t.Fatal(err)
	}
	d := Start([]Notifier{topic}, Options{})
	canaryRollback(t, &fakeRouter{w: traffic.Weights{Blue: 100}}, nil, d)
	if fs := d.Close(context.Background()); len(fs) != 0 {
		t.Fatalf("failures after two throttles: %v", fs)
	}
	if n := len(sb.SNS().Messages(arn)); n != 6 {
		t.Fatalf("%d messages, want 6", n)
	}
	if calls := sb.Calls(sandbox.CallFilter{Service: "sns", Operation: "Publish"}); len(calls) != 8 || calls[0].Fault != sandbox.Throttle {
		t.Fatalf("%d Publish calls (want 6 + 2 throttled)", len(calls))
	}

	sb.ResetCalls()
	if _, err := sb.InjectFault(sandbox.Fault{Service: "sns", Operation: "Publish", Kind: sandbox.HTTP5xx, Status: 500}); err != nil {
		t.Fatal(err)
	}
	d = Start([]Notifier{topic}, Options{})
	canaryRollback(t, &fakeRouter{w: traffic.Weights{Blue: 100}}, nil, d)
	fs := d.Close(context.Background())
	if len(fs) != 6 || !strings.Contains(fs[0].Err.Error(), "InternalFailure") || !strings.Contains(fs[1].Err.Error(), "skipped") {
		t.Fatalf("failures %v: want the first event's error, then 5 skipped", fs)
	}
	if calls := sb.Calls(sandbox.CallFilter{Service: "sns", Operation: "Publish"}); len(calls) != 3 {
		t.Fatalf("%d Publish calls, want 3 (one event, the SDK's 3 attempts)", len(calls))
	}
}
