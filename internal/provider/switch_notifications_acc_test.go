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
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/notify"
)

// notifConfig is a canary 10% → 50% → 100% with the matrix scenario's
// checks and the given notifications attribute.
func notifConfig(a testALB, alarm, color, notifications string) string {
	return switchConfig(a, color, fmt.Sprintf(`
  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "1m"
  }
  bake_time = "1m"
  rollback_on = {
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

// breachClock puts the alarm into ALARM the first time the provider reads
// its clock after at: a breach that starts during a given step, on the
// test's fake time.
type breachClock struct {
	clock.Clock
	at     time.Time
	once   sync.Once
	breach func()
}

func (c *breachClock) Now() time.Time {
	t := c.Clock.Now()
	if t.After(c.at) {
		c.once.Do(c.breach)
	}
	return t
}

// notifScenario is an ALB on blue with healthy targets on both colors and
// an alarm in OK; with breachAfter > 0 the alarm goes into ALARM once the
// provider's clock passes testClockStart + breachAfter.
func notifScenario(t *testing.T, name string, breachAfter time.Duration) (*testEnv, testALB, string) {
	t.Helper()
	alarm := name + "-alarm"
	env := newTestSandbox(t, func(c *testEnvConfig) {
		if breachAfter > 0 {
			c.wrapClock = func(env *testEnv, base clock.Clock) clock.Clock {
				return &breachClock{Clock: base, at: testClockStart.Add(breachAfter), breach: func() {
					if err := env.Sandbox.SetAlarmState(alarm, "ALARM", "breach during the second step"); err != nil {
						t.Error(err)
					}
				}}
			}
		}
	})
	ctx := context.Background()
	api := env.Clients.ELBv2
	a := createALB(t, api, name, 80, 1, 0)
	if _, err := api.ModifyListener(ctx, &elbv2.ModifyListenerInput{ListenerArn: aws.String(a.ListenerARN),
		DefaultActions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumForward, TargetGroupArn: aws.String(a.BlueARN)}}}); err != nil {
		t.Fatal(err)
	}
	for i, tg := range []string{a.BlueARN, a.GreenARN} {
		ip := fmt.Sprintf("10.0.0.%d", i+1)
		if _, err := api.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: aws.String(tg),
			Targets: []elbv2types.TargetDescription{{Id: aws.String(ip)}}}); err != nil {
			t.Fatal(err)
		}
		if err := env.Sandbox.SetTargetHealth(tg, ip, 0, "healthy", "", ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := env.Clients.CloudWatch.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String(alarm), Namespace: aws.String("AWS/ApplicationELB"), MetricName: aws.String("HTTPCode_Target_5XX_Count"),
		Statistic: cwtypes.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(10),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold,
	}); err != nil {
		t.Fatal(err)
	}
	if err := env.Sandbox.SetAlarmState(alarm, "OK", "quiet"); err != nil {
		t.Fatal(err)
	}
	return env, a, alarm
}

// A canary 10% → 50% → 100% whose alarm fires during the 50% step reports
// every event, in order, to a signed webhook and to an SNS topic in the
// sandbox; the rollback is the apply's only error.
func TestAccNotifications_canaryRollbackNotifiesWebhookAndSNS(t *testing.T) {
	// Step 1 holds from 0 to 1m on the fake clock; the breach starts just after.
	env, a, alarm := notifScenario(t, "notif-rollback", 61*time.Second)
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
				Config:      notifConfig(a, alarm, "green", notifications),
				ExpectError: regexp.MustCompile(`Shift rolled back`),
			},
		},
	})

	want := "shift_started step_finished step_finished rollback_started rollback_finished shift_finished"
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
	for i, want := range []struct {
		index, percent int
		result         string
		w              notify.Weights
	}{{1, 10, "completed", notify.Weights{Blue: 90, Green: 10}}, {2, 50, "failed", notify.Weights{Blue: 50, Green: 50}}} {
		e := evs[1+i]
		if s := e.Step; s == nil || s.Index != want.index || s.Percent != want.percent || s.Result != want.result || e.Weights == nil || *e.Weights != want.w {
			t.Errorf("step event %d: %+v (step %+v)", i+1, e, e.Step)
		}
	}
	if !strings.Contains(evs[3].Reason, alarm) || evs[4].Result != "restored" || *evs[4].Weights != (notify.Weights{Blue: 100}) {
		t.Errorf("rollback events %+v, %+v", evs[3], evs[4])
	}
	if last := evs[5]; last.Result != "rolled_back" || last.Cause != "check_failed" || *last.Weights != (notify.Weights{Blue: 100}) {
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
	env, a, alarm := notifScenario(t, "notif-dead", 0)
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
