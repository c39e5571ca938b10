package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fakeRouter holds weights in memory and logs every write.
type fakeRouter struct {
	mu     sync.Mutex
	w      traffic.Weights
	writes []traffic.Weights
	onSet  func(traffic.Weights)
}

func (r *fakeRouter) Read(context.Context) (traffic.Weights, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.w, nil
}

func (r *fakeRouter) Set(_ context.Context, w traffic.Weights) error {
	r.mu.Lock()
	r.w = w
	r.writes = append(r.writes, w)
	f := r.onSet
	r.mu.Unlock()
	if f != nil {
		f(w)
	}
	return nil
}

// breachAt fails once the green share reaches percent.
type breachAt struct {
	r       *fakeRouter
	percent int32
}

func (c breachAt) Name() string { return "error_rate" }
func (c breachAt) Evaluate(context.Context) []checks.Result {
	w, _ := c.r.Read(context.Background())
	if w.Green >= c.percent {
		return []checks.Result{{Check: "error_rate", Verdict: checks.Fail, Value: 0.12, HasValue: true, Threshold: "<= 0.05", Detail: "5xx rate 0.12"}}
	}
	return []checks.Result{{Check: "error_rate", Verdict: checks.Pass, Value: 0, HasValue: true, Threshold: "<= 0.05"}}
}

type passCheck struct{}

func (passCheck) Name() string { return "target_health" }
func (passCheck) Evaluate(context.Context) []checks.Result {
	return []checks.Result{{Check: "target_health", Verdict: checks.Pass}}
}

var epoch = time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)

// canaryRollback runs a canary 10% → 50% → 100% that breaches at 50% and
// rolls back, sending every notification to d. It returns the outcome.
func canaryRollback(t *testing.T, r *fakeRouter, ev *ShiftEvents, d *Dispatcher) rollout.Outcome {
	t.Helper()
	plan, err := rollout.PlanShift(rollout.Strategy{Type: "canary", Steps: []int{10, 50}, StepInterval: time.Minute}, rollout.Blue, rollout.Green, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if ev == nil {
		ev = NewShiftEvents(Switch{ID: "sw-1", Name: "web", Type: "bluegreen_listener_switch"}, "shift1", plan)
	}
	out := rollout.Run(context.Background(), rollout.RunConfig{
		Router: r, Plan: plan, Preflight: []rollout.Check{passCheck{}}, Checks: []rollout.Check{breachAt{r: r, percent: 50}},
		EvaluationInterval: 10 * time.Second, FailureThreshold: 1, Clock: clock.NewAutoFake(epoch),
		Logger: func(e rollout.Event) {
			if n, ok := ev.FromEngine(e); ok {
				d.Send(n)
			}
		},
	})
	d.Send(ev.Finished(out))
	return out
}

// receiver is an httptest webhook that records what it gets.
type receiver struct {
	mu     sync.Mutex
	bodies [][]byte
	heads  []http.Header
	srv    *httptest.Server
}

func newReceiver(t *testing.T, h func(w http.ResponseWriter, r *http.Request, body []byte) bool) *receiver {
	rc := &receiver{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if h != nil && !h(w, r, body) {
			return
		}
		rc.mu.Lock()
		rc.bodies = append(rc.bodies, body)
		rc.heads = append(rc.heads, r.Header.Clone())
		rc.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func webhook(t *testing.T, cfg WebhookConfig) *Webhook {
	t.Helper()
	w, err := NewWebhook(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// The documented way to verify a signature, written out without this
// package: what a receiver in another language does.
func verifyLikeAReceiver(secret string, body []byte, header string) bool {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	return hmac.Equal([]byte(want), []byte(header))
}

func TestWebhook_everyEventInOrderSignedAndGolden(t *testing.T) {
	rc := newReceiver(t, nil)
	d := Start([]Notifier{webhook(t, WebhookConfig{URL: rc.srv.URL + "/hook?token=abc", Secret: "s3cr3t"})}, Options{})
	r := &fakeRouter{w: traffic.Weights{Blue: 100}}
	out := canaryRollback(t, r, nil, d)
	if out.Result != rollout.ResultRolledBack {
		t.Fatalf("result %s, want rolled_back: %s", out.Result, out.Summary())
	}
	if fs := d.Close(context.Background()); len(fs) != 0 {
		t.Fatalf("failures: %v", fs)
	}

	var types []string
	var all bytes.Buffer
	for i, b := range rc.bodies {
		h := rc.heads[i]
		if !Verify([]byte("s3cr3t"), b, h.Get(SignatureHeader)) || !verifyLikeAReceiver("s3cr3t", b, h.Get(SignatureHeader)) {
			t.Errorf("event %d: signature %q does not verify", i, h.Get(SignatureHeader))
		}
		if Verify([]byte("wrong"), b, h.Get(SignatureHeader)) || Verify([]byte("s3cr3t"), append(b, ' '), h.Get(SignatureHeader)) {
			t.Errorf("event %d: signature verifies under a wrong secret or a changed body", i)
		}
		var e Event
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatal(err)
		}
		if e.Sequence != i+1 || h.Get(EventHeader) != string(e.Type) || h.Get(DeliveryHeader) != e.ID {
			t.Errorf("event %d: sequence %d, headers %s/%s for %s/%s", i, e.Sequence, h.Get(EventHeader), h.Get(DeliveryHeader), e.Type, e.ID)
		}
		types = append(types, string(e.Type))
		var pretty bytes.Buffer
		_ = json.Indent(&pretty, b, "", "  ")
		all.Write(pretty.Bytes())
		all.WriteString("\n")
	}
	want := "shift_started step_finished step_finished rollback_started rollback_finished shift_finished"
	if got := strings.Join(types, " "); got != want {
		t.Errorf("events %q, want %q", got, want)
	}
	// The restore really happened: the last write is the baseline.
	if last := r.writes[len(r.writes)-1]; last != (traffic.Weights{Blue: 100}) {
		t.Errorf("last write %s, want the baseline", last)
	}

	golden := "testdata/canary_rollback.golden.json"
	if *update {
		if err := os.WriteFile(golden, all.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want2, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(all.Bytes(), want2) {
		t.Errorf("bodies differ from %s (run with -update after checking the change):\n%s", golden, all.String())
	}
}

func TestWebhook_retriesAreBounded(t *testing.T) {
	for _, tc := range []struct {
		status   int
		attempts int
		want     int
	}{
		{http.StatusServiceUnavailable, 3, 3}, // retried up to the bound
		{http.StatusTooManyRequests, 2, 2},
		{http.StatusBadRequest, 3, 1}, // a client error is final
		{http.StatusFound, 3, 1},      // a redirect is an answer, never followed
	} {
		var mu sync.Mutex
		n := 0
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			n++
			mu.Unlock()
			if tc.status == http.StatusFound {
				w.Header().Set("Location", "http://192.0.2.1/elsewhere")
			}
			w.WriteHeader(tc.status)
		}))
		w := webhook(t, WebhookConfig{URL: srv.URL, Attempts: tc.attempts})
		err := w.Notify(context.Background(), Event{Type: ShiftStarted, ID: "x-1"}, []byte(`{}`))
		srv.Close()
		if err == nil || !strings.Contains(err.Error(), http.StatusText(tc.status)) {
			t.Errorf("status %d: error %v, want one naming the status", tc.status, err)
		}
		if n != tc.want {
			t.Errorf("status %d with %d attempts allowed: %d attempts, want %d", tc.status, tc.attempts, n, tc.want)
		}
	}
}

// A webhook that does not answer holds no step and no rollback: the engine
// returns — restore done — while the webhook is still blocked on its first
// request, and only then is the webhook let go.
func TestDispatcher_slowWebhookDoesNotDelayRollback(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	releasedByTest := false
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, body []byte) bool {
		select {
		case <-release:
			mu.Lock()
			releasedByTest = true
			mu.Unlock()
			return true
		case <-r.Context().Done(): // the dispatcher gave up on it
			return false
		}
	})
	// An event timeout far longer than the fake-clock run takes: if the
	// engine waited on the webhook, Run would return only after the webhook
	// gave up, and releasedByTest would stay false.
	d := Start([]Notifier{webhook(t, WebhookConfig{URL: rc.srv.URL, Attempts: 1, AttemptTimeout: 10 * time.Second})}, Options{EventTimeout: 10 * time.Second})
	r := &fakeRouter{w: traffic.Weights{Blue: 100}}
	out := canaryRollback(t, r, nil, d)
	if out.Result != rollout.ResultRolledBack {
		t.Fatalf("result %s: %s", out.Result, out.Summary())
	}
	r.mu.Lock()
	restored := r.w
	r.mu.Unlock()
	if restored != (traffic.Weights{Blue: 100}) {
		t.Fatalf("router at %s after Run, want the baseline restored", restored)
	}
	close(release) // only now does the webhook answer its first request
	if fs := d.Close(context.Background()); len(fs) != 0 {
		t.Fatalf("failures: %v", fs)
	}
	mu.Lock()
	defer mu.Unlock()
	if !releasedByTest || len(rc.bodies) != 6 {
		t.Fatalf("released by test %v, %d events received; want the webhook held until the rollback was over, then all 6 events", releasedByTest, len(rc.bodies))
	}
}

// A dead webhook costs one event's attempts; the rest are reported skipped,
// and Close reports every event as a failure.
func TestDispatcher_deadWebhookReportsEveryEvent(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String() + "/hook"
	ln.Close() // connection refused from now on
	good := newReceiver(t, nil)
	d := Start([]Notifier{webhook(t, WebhookConfig{URL: dead, Attempts: 2}), webhook(t, WebhookConfig{URL: good.srv.URL})}, Options{})
	out := canaryRollback(t, &fakeRouter{w: traffic.Weights{Blue: 100}}, nil, d)
	if out.Result != rollout.ResultRolledBack {
		t.Fatalf("result %s", out.Result)
	}
	fs := d.Close(context.Background())
	if len(fs) != 6 {
		t.Fatalf("%d failures, want 6 (every event to the dead webhook): %v", len(fs), fs)
	}
	if !strings.Contains(fs[0].Err.Error(), "after 2 attempt") || !strings.Contains(fs[1].Err.Error(), "skipped") {
		t.Errorf("failures %v: want the first after 2 attempts, the rest skipped", fs)
	}
	for _, f := range fs {
		if f.Target != "webhook "+strings.TrimSuffix(dead, "/hook")+"/…" { // the path may hold a token: never shown
			t.Errorf("failure for %s", f.Target)
		}
	}
	if len(good.bodies) != 6 {
		t.Errorf("the healthy webhook got %d events, want 6", len(good.bodies))
	}
}

// Close's context bounds the wait: what is in flight is cancelled, what is
// queued is reported as not sent.
func TestDispatcher_closeDeadline(t *testing.T) {
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, body []byte) bool {
		<-r.Context().Done()
		return false
	})
	d := Start([]Notifier{webhook(t, WebhookConfig{URL: rc.srv.URL, Attempts: 1, AttemptTimeout: time.Hour})}, Options{EventTimeout: time.Hour})
	canaryRollback(t, &fakeRouter{w: traffic.Weights{Blue: 100}}, nil, d)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	fs := d.Close(ctx)
	if len(fs) != 6 {
		t.Fatalf("%d failures, want 6: %v", len(fs), fs)
	}
	for _, f := range fs[1:] {
		if !strings.Contains(f.Err.Error(), "not sent") && !strings.Contains(f.Err.Error(), "skipped") {
			t.Errorf("failure %v: want not sent", f)
		}
	}
}

func TestWebhook_eventFilterAndRedactedName(t *testing.T) {
	rc := newReceiver(t, nil)
	w := webhook(t, WebhookConfig{URL: rc.srv.URL + "/h?token=SECRET", Events: []EventType{RollbackStarted, ShiftFinished}})
	if strings.Contains(w.Name(), "SECRET") {
		t.Errorf("name %q shows the query", w.Name())
	}
	d := Start([]Notifier{w}, Options{})
	canaryRollback(t, &fakeRouter{w: traffic.Weights{Blue: 100}}, nil, d)
	if fs := d.Close(context.Background()); len(fs) != 0 {
		t.Fatal(fs)
	}
	var got []string
	for _, h := range rc.heads {
		got = append(got, h.Get(EventHeader))
		if h.Get(SignatureHeader) != "" {
			t.Errorf("signature sent without a secret")
		}
	}
	if strings.Join(got, " ") != "rollback_started shift_finished" {
		t.Errorf("events %v, want only the configured ones", got)
	}
	if _, err := NewWebhook(WebhookConfig{URL: "ftp://x"}); err == nil {
		t.Error("ftp URL accepted")
	}
	if _, err := NewWebhook(WebhookConfig{URL: "http://x", Events: []EventType{"step_started"}}); err == nil {
		t.Error("unknown event accepted")
	}
}

type fakePublisher struct {
	mu  sync.Mutex
	ins []*sns.PublishInput
	err error
}

func (p *fakePublisher) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ins = append(p.ins, in)
	return &sns.PublishOutput{MessageId: aws.String("m")}, p.err
}

func TestSNSTopic_publishesBodyWithAttributes(t *testing.T) {
	p := &fakePublisher{}
	topic, err := NewSNSTopic(p, "arn:aws:sns:us-east-1:123456789012:deploys.fifo", nil)
	if err != nil {
		t.Fatal(err)
	}
	d := Start([]Notifier{topic}, Options{})
	canaryRollback(t, &fakeRouter{w: traffic.Weights{Blue: 100}}, nil, d)
	if fs := d.Close(context.Background()); len(fs) != 0 {
		t.Fatal(fs)
	}
	if len(p.ins) != 6 {
		t.Fatalf("%d publishes, want 6", len(p.ins))
	}
	last := p.ins[5]
	var e Event
	if err := json.Unmarshal([]byte(aws.ToString(last.Message)), &e); err != nil {
		t.Fatal(err)
	}
	if e.Type != ShiftFinished || e.Result != "rolled_back" || aws.ToString(last.MessageAttributes["result"].StringValue) != "rolled_back" ||
		aws.ToString(last.MessageAttributes["event"].StringValue) != "shift_finished" || aws.ToString(last.Subject) != "bluegreen web: shift_finished rolled_back" ||
		aws.ToString(last.MessageGroupId) != "sw-1" || aws.ToString(last.MessageDeduplicationId) != e.ID {
		t.Errorf("publish %+v of %+v", last, e)
	}
	if _, err := NewSNSTopic(p, "deploys", nil); err == nil {
		t.Error("a topic name accepted as an ARN")
	}
	p.err = errors.New("AuthorizationError")
	if err := topic.Notify(context.Background(), e, []byte("{}")); err == nil {
		t.Error("publish error swallowed")
	}
}

func TestSubject_isShortASCII(t *testing.T) {
	s := Subject(Event{Type: ShiftFinished, Result: "rolled_back", Switch: Switch{Name: strings.Repeat("é\n", 80)}})
	if len(s) > 100 {
		t.Errorf("subject of %d bytes", len(s))
	}
	for _, r := range s {
		if r < 0x20 || r >= 0x7f {
			t.Fatalf("subject %q has a non-ASCII or control character", s)
		}
	}
}
