package moto

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/notify"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// The provider's SNS notification target publishes a rollback's events to
// moto and to the sandbox through the same SDK client setup; both accept
// every Publish and record the same documents in the same order.
func TestNotifySNSTargetAgainstMoto(t *testing.T) {
	m := startMoto(t)
	sb := startSandbox(t)
	ctx := context.Background()
	plan, err := rollout.PlanShift(rollout.Strategy{Type: "canary", Steps: []int{10}, StepInterval: time.Minute}, rollout.Blue, rollout.Green, 0)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)
	engine := []rollout.Event{
		{Type: rollout.EventRunStarted, At: at},
		{Type: rollout.EventStepStarted, At: at, Step: 1, Percent: 10, Weights: traffic.Weights{Blue: 90, Green: 10}},
		{Type: rollout.EventStepFinished, At: at.Add(time.Minute), Step: 1, Percent: 10, StepResult: rollout.StepFailed, Detail: "alarm web-5xx in ALARM"},
		{Type: rollout.EventRollbackStarted, At: at.Add(time.Minute), Weights: traffic.Weights{Blue: 100}, Detail: "alarm web-5xx in ALARM"},
		{Type: rollout.EventRollbackFinished, At: at.Add(time.Minute), Weights: traffic.Weights{Blue: 100}, Detail: "restored"},
	}
	outcome := rollout.Outcome{Result: rollout.ResultRolledBack, Cause: rollout.CauseCheckFailed, From: rollout.Blue, To: rollout.Green,
		Final: traffic.Weights{Blue: 100}, FinalKnown: true, FinishedAt: at.Add(time.Minute), Reason: "alarm web-5xx in ALARM"}

	published := map[string][]string{}
	for _, side := range []struct{ name, url string }{{"sandbox", sb.URL()}, {"moto", m.url}} {
		c := newSNSClient(side.url)
		for _, name := range []string{"deploys", "deploys.fifo"} {
			in := &awssns.CreateTopicInput{Name: aws.String(name)}
			if name == "deploys.fifo" {
				in.Attributes = map[string]string{"FifoTopic": "true"}
			}
			out, err := c.CreateTopic(ctx, in)
			if err != nil {
				t.Fatalf("%s: %v", side.name, err)
			}
			topic, err := notify.NewSNSTopic(c, aws.ToString(out.TopicArn), nil)
			if err != nil {
				t.Fatal(err)
			}
			d := notify.Start([]notify.Notifier{topic}, notify.Options{})
			events := notify.NewShiftEvents(notify.Switch{ID: "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/1/2", Name: "web",
				Type: "bluegreen_listener_switch"}, "shift-"+name, plan)
			for _, e := range engine {
				if n, ok := events.FromEngine(e); ok {
					d.Send(n)
				}
			}
			d.Send(events.Finished(outcome))
			if fs := d.Close(ctx); len(fs) != 0 {
				t.Fatalf("%s %s: %v", side.name, name, fs)
			}
			arn := aws.ToString(out.TopicArn)
			var got []string
			if side.name == "sandbox" {
				for _, msg := range sb.SNS().Messages(arn) {
					got = append(got, msg.Message)
				}
			} else if got, err = motoMessages(ctx, m.url, arn); err != nil {
				t.Fatal(err)
			}
			published[side.name+" "+name] = got
		}
	}
	for _, name := range []string{"deploys", "deploys.fifo"} {
		s, mo := published["sandbox "+name], published["moto "+name]
		if len(s) != 5 || len(mo) != len(s) {
			t.Fatalf("%s: sandbox recorded %d messages, moto %d; want 5 each", name, len(s), len(mo))
		}
		for i := range s {
			var e notify.Event
			if err := json.Unmarshal([]byte(s[i]), &e); err != nil || s[i] != mo[i] || e.Sequence != i+1 {
				t.Errorf("%s message %d: sandbox %s, moto %s", name, i, s[i], mo[i])
			}
		}
	}
}
