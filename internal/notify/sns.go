package notify

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
)

// SNSPublisher is the part of the SNS client a topic target uses.
type SNSPublisher interface {
	Publish(ctx context.Context, in *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// SNSTopic publishes events to an Amazon SNS topic.
type SNSTopic struct {
	client SNSPublisher
	arn    string
	events []EventType
}

// NewSNSTopic builds a topic target. events empty means all. The client's
// own retryer bounds the attempts; the dispatcher's EventTimeout bounds
// them in time.
func NewSNSTopic(client SNSPublisher, topicARN string, events []EventType) (*SNSTopic, error) {
	if client == nil {
		return nil, fmt.Errorf("SNS topic %s: no SNS client", topicARN)
	}
	if !strings.HasPrefix(topicARN, "arn:") || strings.Count(topicARN, ":") != 5 {
		return nil, fmt.Errorf("SNS topic ARN %q is not an ARN (arn:aws:sns:<region>:<account>:<name>)", topicARN)
	}
	for _, e := range events {
		if !ValidEventType(string(e)) {
			return nil, fmt.Errorf("unknown event type %q", e)
		}
	}
	return &SNSTopic{client: client, arn: topicARN, events: events}, nil
}

// Name identifies the target in diagnostics.
func (s *SNSTopic) Name() string { return "SNS topic " + s.arn }

// Wants reports whether the topic is configured for t.
func (s *SNSTopic) Wants(t EventType) bool { return wants(s.events, t) }

// maxSubject: SNS subjects are ASCII, at most 100 characters, without line
// breaks or control characters.
const maxSubject = 100

// Subject is the SNS Subject (e-mail subscriptions show it) of an event.
func Subject(e Event) string {
	who := e.Switch.Name
	if who == "" {
		who = e.Switch.ID
	}
	s := fmt.Sprintf("bluegreen %s: %s", who, e.Type)
	if e.Result != "" {
		s += " " + e.Result
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r >= 0x20 && r < 0x7f {
			b = append(b, byte(r))
		} else {
			b = append(b, '?')
		}
	}
	if len(b) > maxSubject {
		b = b[:maxSubject]
	}
	return string(b)
}

// Notify publishes body as the message, with the attributes event,
// switch_id and (when set) result for subscription filter policies. A FIFO
// topic gets the switch ID as message group (events stay in order) and the
// event ID as deduplication ID.
func (s *SNSTopic) Notify(ctx context.Context, e Event, body []byte) error {
	attrs := map[string]snstypes.MessageAttributeValue{
		"event":     {DataType: aws.String("String"), StringValue: aws.String(string(e.Type))},
		"switch_id": {DataType: aws.String("String"), StringValue: aws.String(e.Switch.ID)},
	}
	if e.Result != "" {
		attrs["result"] = snstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(e.Result)}
	}
	in := &sns.PublishInput{TopicArn: aws.String(s.arn), Message: aws.String(string(body)), Subject: aws.String(Subject(e)),
		MessageAttributes: attrs}
	if strings.HasSuffix(s.arn, ".fifo") {
		in.MessageGroupId, in.MessageDeduplicationId = aws.String(e.Switch.ID), aws.String(e.ID)
	}
	_, err := s.client.Publish(ctx, in)
	return err
}
