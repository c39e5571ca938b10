package sns_test

// These tests drive the sandbox's SNS through the real aws-sdk-go-v2 SNS
// client: every response decodes in the SDK and every error comes back as
// the SDK's modelled error type.

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/sns"
)

func start(t *testing.T) (*sandbox.Server, *awssns.Client) {
	t.Helper()
	s, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	c := awssns.New(awssns.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.URL()),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), RetryMaxAttempts: 1})
	return s, c
}

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err != nil {
		return "other: " + err.Error()
	}
	return "ok"
}

func TestSDK_topicsAndPublish(t *testing.T) {
	s, c := start(t)
	ctx := context.Background()
	out, err := c.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String("deploys")})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.TopicArn)
	if arn != "arn:aws:sns:us-east-1:123456789012:deploys" {
		t.Fatalf("topic ARN %s", arn)
	}
	again, err := c.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String("deploys")})
	if err != nil || aws.ToString(again.TopicArn) != arn {
		t.Fatalf("CreateTopic is not idempotent: %v %v", again, err)
	}
	pub, err := c.Publish(ctx, &awssns.PublishInput{TopicArn: aws.String(arn), Message: aws.String(`{"event":"shift_started"}`),
		Subject: aws.String("bluegreen web: shift_started"),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"event": {DataType: aws.String("String"), StringValue: aws.String("shift_started")},
			"step":  {DataType: aws.String("Number"), StringValue: aws.String("2")},
		}})
	if err != nil {
		t.Fatal(err)
	}
	msgs := s.SNS().Messages(arn)
	if len(msgs) != 1 || msgs[0].MessageID != aws.ToString(pub.MessageId) || msgs[0].Message != `{"event":"shift_started"}` ||
		msgs[0].Subject != "bluegreen web: shift_started" || msgs[0].Attributes["event"].StringValue != "shift_started" ||
		msgs[0].Attributes["step"].DataType != "Number" {
		t.Fatalf("messages %+v", msgs)
	}
	// The admin API shows the same.
	resp, err := http.Get(s.URL() + "/_sandbox/sns/messages?topicArn=" + arn)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Messages []sns.Message }
	_ = json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	if len(doc.Messages) != 1 || doc.Messages[0].MessageID != msgs[0].MessageID {
		t.Fatalf("admin messages %+v", doc)
	}
	attrs, err := c.GetTopicAttributes(ctx, &awssns.GetTopicAttributesInput{TopicArn: aws.String(arn)})
	if err != nil || attrs.Attributes["TopicArn"] != arn || attrs.Attributes["Owner"] != "123456789012" {
		t.Fatalf("attributes %v %v", attrs, err)
	}
	list, err := c.ListTopics(ctx, &awssns.ListTopicsInput{})
	if err != nil || len(list.Topics) != 1 || aws.ToString(list.Topics[0].TopicArn) != arn {
		t.Fatalf("list %v %v", list, err)
	}
	if _, err := c.DeleteTopic(ctx, &awssns.DeleteTopicInput{TopicArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteTopic(ctx, &awssns.DeleteTopicInput{TopicArn: aws.String(arn)}); err != nil {
		t.Fatalf("deleting a deleted topic: %v (AWS: idempotent)", err)
	}
	_, err = c.Publish(ctx, &awssns.PublishInput{TopicArn: aws.String(arn), Message: aws.String("x")})
	var nf *types.NotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("publish to a deleted topic: %v, want NotFoundException", err)
	}
	if calls := s.Calls(sandbox.CallFilter{Service: "sns", Operation: "Publish"}); len(calls) != 2 || calls[1].ErrorCode != "NotFound" || calls[1].Status != 404 {
		t.Fatalf("call log %+v", calls)
	}
}

func TestSDK_publishValidation(t *testing.T) {
	_, c := start(t)
	ctx := context.Background()
	out, err := c.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String("t")})
	if err != nil {
		t.Fatal(err)
	}
	arn := out.TopicArn
	str := func(v string) types.MessageAttributeValue {
		return types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
	}
	many := map[string]types.MessageAttributeValue{}
	for _, k := range strings.Split("a b c d e f g h i j k", " ") {
		many[k] = str("v")
	}
	for _, tc := range []struct {
		name string
		in   *awssns.PublishInput
		want string
	}{
		{"no topic", &awssns.PublishInput{Message: aws.String("x")}, "InvalidParameter"},
		{"malformed ARN", &awssns.PublishInput{TopicArn: aws.String("deploys"), Message: aws.String("x")}, "InvalidParameter"},
		{"unknown topic", &awssns.PublishInput{TopicArn: aws.String("arn:aws:sns:us-east-1:123456789012:nope"), Message: aws.String("x")}, "NotFound"},
		{"empty message", &awssns.PublishInput{TopicArn: arn, Message: aws.String("")}, "InvalidParameter"},
		{"message of 256 KiB", &awssns.PublishInput{TopicArn: arn, Message: aws.String(strings.Repeat("x", sns.MaxMessageBytes))}, "ok"},
		{"message over 256 KiB", &awssns.PublishInput{TopicArn: arn, Message: aws.String(strings.Repeat("x", sns.MaxMessageBytes+1))}, "InvalidParameter"},
		{"subject of 100", &awssns.PublishInput{TopicArn: arn, Message: aws.String("x"), Subject: aws.String(strings.Repeat("s", 100))}, "ok"},
		{"subject of 101", &awssns.PublishInput{TopicArn: arn, Message: aws.String("x"), Subject: aws.String(strings.Repeat("s", 101))}, "InvalidParameter"},
		{"subject with a line break", &awssns.PublishInput{TopicArn: arn, Message: aws.String("x"), Subject: aws.String("a\nb")}, "InvalidParameter"},
		{"structure xml", &awssns.PublishInput{TopicArn: arn, Message: aws.String("x"), MessageStructure: aws.String("xml")}, "InvalidParameter"},
		{"attribute type Date", &awssns.PublishInput{TopicArn: arn, Message: aws.String("x"),
			MessageAttributes: map[string]types.MessageAttributeValue{"a": {DataType: aws.String("Date"), StringValue: aws.String("x")}}}, "ParameterValueInvalid"},
		{"Number attribute not a number", &awssns.PublishInput{TopicArn: arn, Message: aws.String("x"),
			MessageAttributes: map[string]types.MessageAttributeValue{"a": {DataType: aws.String("Number"), StringValue: aws.String("ten")}}}, "ParameterValueInvalid"},
		{"11 attributes", &awssns.PublishInput{TopicArn: arn, Message: aws.String("x"), MessageAttributes: many}, "ParameterValueInvalid"},
		{"dedup ID on a standard topic", &awssns.PublishInput{TopicArn: arn, Message: aws.String("x"), MessageDeduplicationId: aws.String("d")}, "InvalidParameter"},
	} {
		_, err := c.Publish(ctx, tc.in)
		if got := code(err); got != tc.want {
			t.Errorf("%s: %s (%v), want %s", tc.name, got, err, tc.want)
		}
	}
}

func TestSDK_fifoTopic(t *testing.T) {
	s, c := start(t)
	ctx := context.Background()
	_, err := c.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String("deploys"), Attributes: map[string]string{"FifoTopic": "true"}})
	if code(err) != "InvalidParameter" {
		t.Fatalf("FIFO topic without .fifo: %v", err)
	}
	out, err := c.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String("deploys.fifo"), Attributes: map[string]string{"FifoTopic": "true"}})
	if err != nil {
		t.Fatal(err)
	}
	arn := out.TopicArn
	_, err = c.Publish(ctx, &awssns.PublishInput{TopicArn: arn, Message: aws.String("x"), MessageDeduplicationId: aws.String("d1")})
	if code(err) != "InvalidParameter" {
		t.Fatalf("no group: %v", err)
	}
	_, err = c.Publish(ctx, &awssns.PublishInput{TopicArn: arn, Message: aws.String("x"), MessageGroupId: aws.String("g")})
	if code(err) != "InvalidParameter" {
		t.Fatalf("no dedup ID without content-based deduplication: %v", err)
	}
	p1, err := c.Publish(ctx, &awssns.PublishInput{TopicArn: arn, Message: aws.String("x"), MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("d1")})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := c.Publish(ctx, &awssns.PublishInput{TopicArn: arn, Message: aws.String("y"), MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("d1")})
	if err != nil || aws.ToString(p2.MessageId) != aws.ToString(p1.MessageId) {
		t.Fatalf("a repeated deduplication ID: %v %v, want the first message's ID", p2, err)
	}
	p3, err := c.Publish(ctx, &awssns.PublishInput{TopicArn: arn, Message: aws.String("z"), MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("d2")})
	if err != nil || aws.ToString(p3.SequenceNumber) <= aws.ToString(p1.SequenceNumber) {
		t.Fatalf("sequence numbers %v then %v (%v)", p1.SequenceNumber, p3.SequenceNumber, err)
	}
	if n := len(s.SNS().Messages(aws.ToString(arn))); n != 2 {
		t.Fatalf("%d messages stored, want 2 (the duplicate is dropped)", n)
	}
}
