package moto

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/sns"
)

// snsClients holds each backend's SNS client (beside backend, as for Route 53).
var snsClients = map[*backend]*awssns.Client{}

func snsOf(r *run) *awssns.Client { return snsClients[r.b] }

func newSNSClient(url string) *awssns.Client {
	return awssns.New(awssns.Options{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), RetryMaxAttempts: 1})
}

// snsOperations are the SNS operations the sandbox serves; every one must
// be exercised by a scenario.
var snsOperations = []string{"CreateTopic", "DeleteTopic", "ListTopics", "GetTopicAttributes", "Publish"}

func snsScenarios() []scenario {
	str := func(v string) types.MessageAttributeValue {
		return types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
	}
	publish := func(r *run, step string, in *awssns.PublishInput) *awssns.PublishOutput {
		out, err := snsOf(r).Publish(r.ctx, in)
		var f map[string]string
		if err == nil {
			f = map[string]string{"hasMessageId": fmt.Sprint(aws.ToString(out.MessageId) != ""), "hasSequenceNumber": fmt.Sprint(out.SequenceNumber != nil)}
		}
		r.rec(step, err, f)
		return out
	}
	return []scenario{
		{"topics", func(r *run) {
			c := snsOf(r)
			out, err := c.CreateTopic(r.ctx, &awssns.CreateTopicInput{Name: aws.String("deploys")})
			var f map[string]string
			if err == nil {
				f = map[string]string{"arn": aws.ToString(out.TopicArn)}
			}
			r.rec("create", err, f)
			again, err := c.CreateTopic(r.ctx, &awssns.CreateTopicInput{Name: aws.String("deploys")})
			f = nil
			if err == nil {
				f = map[string]string{"arn": aws.ToString(again.TopicArn)}
			}
			r.rec("create again (idempotent)", err, f)
			for _, bad := range []string{"dots.not.allowed", strings.Repeat("n", 257), "spa ce"} {
				_, err = c.CreateTopic(r.ctx, &awssns.CreateTopicInput{Name: aws.String(bad)})
				r.rec("create "+bad[:min(len(bad), 12)], err, nil)
			}
			_, err = c.CreateTopic(r.ctx, &awssns.CreateTopicInput{Name: aws.String("deploys2"), Attributes: map[string]string{"FifoTopic": "true"}})
			r.rec("FIFO topic without .fifo", err, nil)
			g, err := c.GetTopicAttributes(r.ctx, &awssns.GetTopicAttributesInput{TopicArn: out.TopicArn})
			f = nil
			if err == nil {
				f = map[string]string{"TopicArn": g.Attributes["TopicArn"], "Owner": g.Attributes["Owner"], "DisplayName": g.Attributes["DisplayName"]}
			}
			r.rec("get attributes", err, f)
			_, err = c.GetTopicAttributes(r.ctx, &awssns.GetTopicAttributesInput{TopicArn: aws.String("arn:aws:sns:us-east-1:123456789012:nope")})
			r.rec("get attributes of an unknown topic", err, nil)
			l, err := c.ListTopics(r.ctx, &awssns.ListTopicsInput{})
			f = nil
			if err == nil {
				var arns []string
				for _, t := range l.Topics {
					arns = append(arns, aws.ToString(t.TopicArn))
				}
				sort.Strings(arns)
				f = map[string]string{"topics": strings.Join(arns, " ")}
			}
			r.rec("list", err, f)
			_, err = c.DeleteTopic(r.ctx, &awssns.DeleteTopicInput{TopicArn: out.TopicArn})
			r.rec("delete", err, nil)
			_, err = c.DeleteTopic(r.ctx, &awssns.DeleteTopicInput{TopicArn: out.TopicArn})
			r.rec("delete again (idempotent)", err, nil)
			l, err = c.ListTopics(r.ctx, &awssns.ListTopicsInput{})
			f = nil
			if err == nil {
				f = map[string]string{"count": fmt.Sprint(len(l.Topics))}
			}
			r.rec("list after delete", err, f)
		}},
		{"publish", func(r *run) {
			c := snsOf(r)
			out, err := c.CreateTopic(r.ctx, &awssns.CreateTopicInput{Name: aws.String("shifts")})
			r.rec("create", err, nil)
			arn := out.TopicArn
			publish(r, "publish", &awssns.PublishInput{TopicArn: arn, Message: aws.String(`{"event":"shift_started"}`), Subject: aws.String("bluegreen web: shift_started"),
				MessageAttributes: map[string]types.MessageAttributeValue{"event": str("shift_started"), "switch_id": str("sw-1"),
					"step": {DataType: aws.String("Number"), StringValue: aws.String("2")}}})
			publish(r, "to an unknown topic", &awssns.PublishInput{TopicArn: aws.String("arn:aws:sns:us-east-1:123456789012:nope"), Message: aws.String("x")})
			publish(r, "message of 256 KiB", &awssns.PublishInput{TopicArn: arn, Message: aws.String(strings.Repeat("x", sns.MaxMessageBytes))})
			publish(r, "message over 256 KiB", &awssns.PublishInput{TopicArn: arn, Message: aws.String(strings.Repeat("x", sns.MaxMessageBytes+1))})
			publish(r, "subject of 100", &awssns.PublishInput{TopicArn: arn, Message: aws.String("x"), Subject: aws.String(strings.Repeat("s", 100))})
			publish(r, "subject of 101", &awssns.PublishInput{TopicArn: arn, Message: aws.String("x"), Subject: aws.String(strings.Repeat("s", 101))})
			publish(r, "message structure xml", &awssns.PublishInput{TopicArn: arn, Message: aws.String("x"), MessageStructure: aws.String("xml")})
			publish(r, "attribute type Date", &awssns.PublishInput{TopicArn: arn, Message: aws.String("x"),
				MessageAttributes: map[string]types.MessageAttributeValue{"a": {DataType: aws.String("Date"), StringValue: aws.String("x")}}})
			publish(r, "Number attribute that is not a number", &awssns.PublishInput{TopicArn: arn, Message: aws.String("x"),
				MessageAttributes: map[string]types.MessageAttributeValue{"a": {DataType: aws.String("Number"), StringValue: aws.String("ten")}}})
			publish(r, "deduplication ID on a standard topic", &awssns.PublishInput{TopicArn: arn, Message: aws.String("x"), MessageDeduplicationId: aws.String("d")})
		}},
		{"fifo", func(r *run) {
			c := snsOf(r)
			out, err := c.CreateTopic(r.ctx, &awssns.CreateTopicInput{Name: aws.String("shifts.fifo"), Attributes: map[string]string{"FifoTopic": "true"}})
			r.rec("create", err, nil)
			arn := out.TopicArn
			publish(r, "without a deduplication ID", &awssns.PublishInput{TopicArn: arn, Message: aws.String("x"), MessageGroupId: aws.String("g")})
			publish(r, "with group and deduplication ID", &awssns.PublishInput{TopicArn: arn, Message: aws.String("x"), MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("d1")})
		}},
	}
}

// motoMessages reads the messages moto's topics received, through moto's
// model dump (GET /moto-api/data.json: sns.Topic.sent_notifications holds
// [message_id, message, subject, attributes, group_id] per publish).
func motoMessages(ctx context.Context, motoURL, topicARN string) ([]string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, motoURL+"/moto-api/data.json", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var doc struct {
		SNS struct {
			Topic []struct {
				Arn               string  `json:"arn"`
				SentNotifications [][]any `json:"sent_notifications"`
			} `json:"Topic"`
		} `json:"sns"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		return nil, err
	}
	var out []string
	for _, t := range doc.SNS.Topic {
		if t.Arn != topicARN {
			continue
		}
		for _, n := range t.SentNotifications {
			if len(n) > 1 {
				out = append(out, fmt.Sprint(n[1]))
			}
		}
	}
	return out, nil
}

func TestDifferentialSNSAgainstMoto(t *testing.T) {
	m := startMoto(t)
	sb := startSandbox(t)
	ctx := context.Background()
	sandboxSide, motoSide := &backend{name: "sandbox"}, &backend{name: "moto"}
	snsClients[sandboxSide], snsClients[motoSide] = newSNSClient(sb.URL()), newSNSClient(m.url)
	t.Cleanup(func() { delete(snsClients, sandboxSide); delete(snsClients, motoSide) })

	ds, compared := compare(ctx, "sns", snsScenarios(), sandboxSide, motoSide)
	report(t, "sns", ds, compared)

	served := map[string]bool{}
	for _, c := range sb.Calls(sandbox.CallFilter{Service: "sns"}) {
		served[c.Operation] = true
	}
	for _, op := range snsOperations {
		if !served[op] {
			t.Errorf("no scenario calls sns %s", op)
		}
	}

	// What was accepted is what each side recorded: the same messages, in order.
	arn := "arn:aws:sns:us-east-1:123456789012:shifts"
	var fromSandbox []string
	for _, msg := range sb.SNS().Messages(arn) {
		fromSandbox = append(fromSandbox, msg.Message)
	}
	fromMoto, err := motoMessages(ctx, m.url, arn)
	if err != nil {
		t.Fatal(err)
	}
	if len(fromSandbox) == 0 || strings.Join(fromSandbox, "\x00") != strings.Join(fromMoto, "\x00") {
		t.Errorf("published messages differ: sandbox %d %.60q…, moto %d %.60q…", len(fromSandbox), fromSandbox, len(fromMoto), fromMoto)
	}
}

const snsRef = "https://docs.aws.amazon.com/sns/latest/api/"

// knownSNSDifferences: where moto 5.2.1 does not answer as AWS does.
var knownSNSDifferences = map[string]string{
	"sns:publish/attribute type Date": "AWS answers an invalid message attribute with InvalidParameterValue, whose wire code is ParameterValueInvalid " +
		"(" + snsRef + "API_Publish.html, Errors: \"InvalidParameterValue: Indicates that a request parameter does not comply with the associated constraints\"; " +
		"the code is the awsQueryError of InvalidParameterValueException in the SNS model, aws-sdk-go-v2 service/sns types.InvalidParameterValueException.ErrorCode). " +
		"The exact answer for this attribute, \"Error Code: ParameterValueInvalid\", is quoted in https://github.com/localstack/localstack/issues/7109. " +
		"moto answers InvalidParameter (its own message even names ParameterValueInvalid).",
	"sns:publish/Number attribute that is not a number": "Same as \"attribute type Date\": an attribute that breaks its constraints is ParameterValueInvalid on AWS " +
		"(" + snsRef + "API_Publish.html, Errors, InvalidParameterValue); moto answers InvalidParameter with \"An error occurred (ParameterValueInvalid)\" in the message.",
	"sns:fifo/with group and deduplication ID": "AWS: PublishResult SequenceNumber \"This response element applies only to FIFO (first-in-first-out) topics. " +
		"The sequence number is a large, non-consecutive number that Amazon SNS assigns to each message\" (" + snsRef + "API_Publish.html, Response Elements); " +
		"moto returns no SequenceNumber.",
}

func init() {
	for k, v := range knownSNSDifferences {
		knownDifferences[k] = v
	}
}
