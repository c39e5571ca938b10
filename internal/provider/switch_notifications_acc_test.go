package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/notify"
)

// notifConfig is a canary 10% → 50% → 100% with the matrix scenario's
// checks and the given notifications attribute.
func notifConfig(a testALB, alarm, color, notifications string) string {
	return switchConfig(a, color, fmt.Sprintf(`
  strategy {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "1m"
  }
  bake_time = "1m"
  rollback_on {
    alarm_names         = [%q]
    evaluation_interval = "30s"
    failure_threshold   = 1
  }
  notifications = %s`, alarm, notifications))
}

// webhookReceiver records what a webhook endpoint receives and checks every
// signature as a receiver would.
type webhookReceiver struct {
	mu     sync.Mutex
	events []notify.Event
	badSig int
	srv    *httptest.Server
}

func newWebhookReceiver(t *testing.T, secret string) *webhookReceiver {
	rc := &webhookReceiver{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var e notify.Event
		err := json.Unmarshal(body, &e)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if err != nil || !notify.Verify([]byte(secret), body, r.Header.Get(notify.SignatureHeader)) ||
			r.Header.Get(notify.EventHeader) != string(e.Type) {
			rc.badSig++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		rc.events = append(rc.events, e)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *webhookReceiver) types() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []string
	for _, e := range rc.events {
		out = append(out, string(e.Type))
	}
	return out
}

// A canary that rolls back reports every event, in order, to a signed
// webhook and to an SNS topic in the sandbox; the rollback is the apply's
// only error.
func TestAccNotifications_canaryRollbackNotifiesWebhookAndSNS(t *testing.T) {
	env, a, alarm := matrixScenario(t, "notif-rollback")
	ctx := context.Background()
	snsClient := awssns.New(awssns.Options{Region: "us-east-1", BaseEndpoint: aws.String(env.Sandbox.URL()),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	topic, err := snsClient.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String("deploys")})
	if err != nil {
		t.Fatal(err)
	}
	topicARN := aws.ToString(topic.TopicArn)
	rc := newWebhookReceiver(t, "s3cr3t")
	notifications := fmt.Sprintf(`{
    name     = "checkout-web"
    webhooks = [{ url = %q, secret = "s3cr3t" }]
    sns      = { topic_arn = %q }
  }`, rc.srv.URL+"/hooks/deploys", topicARN)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{
				Config: notifConfig(a, alarm, "blue", notifications),
				Check: func(*terraform.State) error {
					// Nothing moved, so nothing was notified.
					if got := rc.types(); len(got) != 0 {
						return fmt.Errorf("events without a shift: %v", got)
					}
					return nil
				},
			},
			{
				PreConfig: func() {
					if err := env.Sandbox.SetAlarmState(alarm, "ALARM", "notification test breach"); err != nil {
						t.Fatal(err)
					}
				},
				Config:      notifConfig(a, alarm, "green", notifications),
				ExpectError: regexp.MustCompile(`Shift rolled back`),
			},
		},
	})

	want := "shift_started step_finished rollback_started rollback_finished shift_finished"
	if got := strings.Join(rc.types(), " "); got != want || rc.badSig != 0 {
		t.Fatalf("webhook got %q (%d bad signatures), want %q", got, rc.badSig, want)
	}
	rc.mu.Lock()
	evs := rc.events
	rc.mu.Unlock()
	shiftID := evs[0].Shift.ID
	for i, e := range evs {
		if e.Sequence != i+1 || e.Shift.ID != shiftID || e.Switch.ID != a.ListenerARN || e.Switch.Name != "checkout-web" ||
			e.Switch.Type != "bluegreen_listener_switch" || e.Shift.From != "blue" || e.Shift.To != "green" || e.Shift.StepsTotal != 3 {
			t.Errorf("event %d: %+v", i, e)
		}
	}
	if s := evs[1].Step; s == nil || s.Index != 1 || s.Percent != 10 || s.Result != "failed" || evs[1].Weights == nil || *evs[1].Weights != (notify.Weights{Blue: 90, Green: 10}) {
		t.Errorf("step event %+v (step %+v)", evs[1], evs[1].Step)
	}
	if !strings.Contains(evs[2].Reason, alarm) || evs[3].Result != "restored" || *evs[3].Weights != (notify.Weights{Blue: 100}) {
		t.Errorf("rollback events %+v, %+v", evs[2], evs[3])
	}
	if last := evs[4]; last.Result != "rolled_back" || last.Cause != "check_failed" || *last.Weights != (notify.Weights{Blue: 100}) {
		t.Errorf("shift_finished %+v", last)
	}

	// The sandbox's SNS topic received the same documents, in the same order.
	msgs := env.Sandbox.SNS().Messages(topicARN)
	if len(msgs) != len(evs) {
		t.Fatalf("SNS got %d messages, want %d", len(msgs), len(evs))
	}
	for i, m := range msgs {
		var e notify.Event
		if err := json.Unmarshal([]byte(m.Message), &e); err != nil {
			t.Fatal(err)
		}
		if e.ID != evs[i].ID || m.Attributes["event"].StringValue != string(evs[i].Type) || m.Attributes["switch_id"].StringValue != a.ListenerARN ||
			!strings.HasPrefix(m.Subject, "bluegreen checkout-web: "+string(evs[i].Type)) {
			t.Errorf("SNS message %d: %+v, want event %s", i, m, evs[i].ID)
		}
	}
	if b, g, err := env.weights(a); err != nil || b != 100 || g != 0 {
		t.Fatalf("listener at blue=%d green=%d (%v) after the rollback, want 100/0", b, g, err)
	}
}

// A webhook that is down fails neither a rollback nor a shift: the rollback
// is the only error of its apply, and a good shift succeeds (with a warning
// about the notifications).
func TestAccNotifications_deadWebhookFailsNothing(t *testing.T) {
	env, a, alarm := matrixScenario(t, "notif-dead")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String() + "/hook"
	ln.Close() // connection refused from now on
	notifications := fmt.Sprintf(`{
    webhooks      = [{ url = %q, max_attempts = 2 }]
    event_timeout = "5s"
  }`, dead)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: notifConfig(a, alarm, "blue", notifications)},
			{
				PreConfig: func() {
					if err := env.Sandbox.SetAlarmState(alarm, "ALARM", "breach"); err != nil {
						t.Fatal(err)
					}
				},
				Config: notifConfig(a, alarm, "green", notifications),
				// The rollback is the error; the dead webhook is only ever a
				// warning (TestNotifications_failureIsAWarning).
				ExpectError: regexp.MustCompile(`Shift rolled back`),
			},
			{
				PreConfig: func() {
					if b, g, err := env.weights(a); err != nil || b != 100 || g != 0 {
						t.Fatalf("listener at blue=%d green=%d (%v) after the rollback, want 100/0", b, g, err)
					}
					if err := env.Sandbox.SetAlarmState(alarm, "OK", "recovered"); err != nil {
						t.Fatal(err)
					}
				},
				Config: notifConfig(a, alarm, "green", notifications),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("bluegreen_listener_switch.test", tfjsonpath.New("status"), knownvalue.StringExact("stable")),
					statecheck.ExpectKnownValue("bluegreen_listener_switch.test", tfjsonpath.New("green_weight"), knownvalue.Int64Exact(100)),
				},
			},
		},
	})
}
