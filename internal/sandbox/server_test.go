package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// fakeClock is a settable clock for the rate limiter and call log.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func startTestServer(t *testing.T, o Options) *Server {
	t.Helper()
	s, err := Start(o)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func stsClient(s *Server) *sts.Client {
	return sts.New(sts.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(s.URL()),
		Credentials:      credentials.NewStaticCredentialsProvider("test", "test", ""),
		RetryMaxAttempts: 1,
	})
}

func postForm(t *testing.T, s *Server, form url.Values, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL()+"/", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	for k, v := range header {
		req.Header[k] = v
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func adminJSON(t *testing.T, s *Server, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = strings.NewReader(string(b))
	}
	req, err := http.NewRequest(method, s.URL()+path, r)
	if err != nil {
		t.Fatal(err)
	}
	resp, text := do(t, req)
	out := map[string]any{}
	if strings.TrimSpace(text) != "" {
		if err := json.Unmarshal([]byte(text), &out); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %v\n%s", method, path, err, text)
		}
	}
	return resp.StatusCode, out
}

func TestCheckLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:0":    true,
		"127.0.0.5:4566": true,
		"[::1]:4566":     true,
		"localhost:4566": true,
		":4566":          false,
		"0.0.0.0:4566":   false,
		"10.1.2.3:4566":  false,
		"example.com:80": false,
		"127.0.0.1":      false, // no port
	} {
		if err := checkLoopback(addr); (err == nil) != ok {
			t.Errorf("checkLoopback(%q) = %v, want ok=%v", addr, err, ok)
		}
	}
	if _, err := Start(Options{Addr: "0.0.0.0:0"}); err == nil || !strings.Contains(err.Error(), "AllowNonLoopback") {
		t.Errorf("Start on 0.0.0.0 without AllowNonLoopback: err = %v, want a refusal naming AllowNonLoopback", err)
	}
}

func TestSTSThroughSDK(t *testing.T) {
	s := startTestServer(t, Options{AccountID: "210987654321"})
	c := stsClient(s)
	ctx := context.Background()

	id, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	if got := aws.ToString(id.Account); got != "210987654321" {
		t.Errorf("Account = %q", got)
	}
	if got := aws.ToString(id.Arn); got != "arn:aws:iam::210987654321:user/sandbox" {
		t.Errorf("Arn = %q", got)
	}
	if aws.ToString(id.UserId) == "" {
		t.Error("UserId is empty")
	}

	role, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn:         aws.String("arn:aws:iam::210987654321:role/deployer"),
		RoleSessionName: aws.String("ci"),
	})
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	if got := aws.ToString(role.AssumedRoleUser.Arn); got != "arn:aws:sts::210987654321:assumed-role/deployer/ci" {
		t.Errorf("AssumedRoleUser.Arn = %q", got)
	}
	if role.Credentials == nil || aws.ToString(role.Credentials.SessionToken) == "" || role.Credentials.Expiration == nil {
		t.Errorf("Credentials = %+v", role.Credentials)
	}

	_, err = c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("not-an-arn"), RoleSessionName: aws.String("ci")})
	assertAPIError(t, err, "ValidationError")

	calls := s.Calls(CallFilter{Service: "sts"})
	if len(calls) != 3 || calls[0].Operation != "GetCallerIdentity" || calls[2].ErrorCode != "ValidationError" || calls[2].Status != 400 {
		t.Errorf("call log = %+v", calls)
	}
	if calls[1].Params["RoleArn"] != "arn:aws:iam::210987654321:role/deployer" {
		t.Errorf("AssumeRole params = %v", calls[1].Params)
	}
}

func assertAPIError(t *testing.T, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want API error %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("error code = %s (%s), want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
}

func TestRouting(t *testing.T) {
	s := startTestServer(t, Options{})

	t.Run("version decides the service", func(t *testing.T) {
		resp, body := postForm(t, s, url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}}, nil)
		if resp.StatusCode != 200 || !strings.Contains(body, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">`) {
			t.Fatalf("status %d body %s", resp.StatusCode, body)
		}
		if resp.Header.Get("x-amzn-RequestId") == "" || !strings.Contains(body, resp.Header.Get("x-amzn-RequestId")) {
			t.Errorf("request id header %q not in body", resp.Header.Get("x-amzn-RequestId"))
		}
	})
	t.Run("SigV4 scope decides when Version is missing", func(t *testing.T) {
		h := http.Header{"Authorization": {"AWS4-HMAC-SHA256 Credential=test/20261123/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00"}}
		resp, body := postForm(t, s, url.Values{"Action": {"GetCallerIdentity"}}, h)
		if resp.StatusCode != 200 || !strings.Contains(body, "<Account>123456789012</Account>") {
			t.Fatalf("status %d body %s", resp.StatusCode, body)
		}
	})
	t.Run("unknown STS action", func(t *testing.T) {
		resp, body := postForm(t, s, url.Values{"Action": {"GetSessionTokenX"}, "Version": {"2011-06-15"}}, nil)
		if resp.StatusCode != 400 || !strings.Contains(body, "<Code>InvalidAction</Code>") || !strings.Contains(body, "<Type>Sender</Type>") {
			t.Fatalf("status %d body %s", resp.StatusCode, body)
		}
	})
	t.Run("CloudWatch over awsQuery is refused clearly", func(t *testing.T) {
		resp, body := postForm(t, s, url.Values{"Action": {"ListMetrics"}, "Version": {"2010-08-01"}}, nil)
		if resp.StatusCode != 400 || !strings.Contains(body, "RPC v2 CBOR") {
			t.Fatalf("status %d body %s", resp.StatusCode, body)
		}
	})
	t.Run("unknown service version", func(t *testing.T) {
		resp, body := postForm(t, s, url.Values{"Action": {"DescribeLoadBalancers"}, "Version": {"2012-06-01"}}, nil)
		if resp.StatusCode != 400 || !strings.Contains(body, "2015-12-01") {
			t.Fatalf("status %d body %s", resp.StatusCode, body)
		}
	})
	t.Run("not an AWS request", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, s.URL()+"/things", strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		resp, body := do(t, req)
		if resp.StatusCode != 400 || !strings.Contains(body, "/_sandbox/health") {
			t.Fatalf("status %d body %s", resp.StatusCode, body)
		}
	})
	t.Run("Smithy RPC v2 for another service", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, s.URL()+"/service/AmazonSQS/operation/ListQueues", nil)
		req.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
		resp, _ := do(t, req)
		if resp.StatusCode != 404 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
	t.Run("unknown admin path", func(t *testing.T) {
		code, body := adminJSON(t, s, http.MethodGet, "/_sandbox/nope", nil)
		if code != 404 || !strings.Contains(body["error"].(string), "/_sandbox/health") {
			t.Fatalf("status %d body %v", code, body)
		}
	})
	unknown := s.Calls(CallFilter{Service: "unknown"})
	if len(unknown) < 2 {
		t.Errorf("unroutable requests missing from the call log: %+v", unknown)
	}
}

func TestHealth(t *testing.T) {
	s := startTestServer(t, Options{})
	code, body := adminJSON(t, s, http.MethodGet, "/_sandbox/health", nil)
	if code != 200 || body["status"] != "ok" || body["url"] != s.URL() {
		t.Fatalf("health: %d %v", code, body)
	}
}

func TestFaultTable(t *testing.T) {
	s := startTestServer(t, Options{})
	for _, bad := range []Fault{
		{Kind: "Explode"},
		{Kind: Latency},
		{Kind: HTTP5xx, Status: 404},
		{Kind: Throttle, Times: -1},
		{Kind: Throttle, Rate: 1.5},
		{Kind: Throttle, Service: "s3"},
	} {
		if _, err := s.InjectFault(bad); err == nil {
			t.Errorf("InjectFault(%+v) accepted", bad)
		}
	}

	lat, _ := s.InjectFault(Fault{Service: "elasticloadbalancing", Kind: Latency, Latency: time.Millisecond, Times: 1})
	thr, _ := s.InjectFault(Fault{Service: "elbv2", Operation: "ModifyListener", Kind: Throttle, Times: 2})
	always, _ := s.InjectFault(Fault{Service: "cloudwatch", Kind: HTTP5xx})

	p := s.faults.take("elbv2", "DescribeListeners")
	if p.latency != time.Millisecond || p.terminal != nil {
		t.Errorf("DescribeListeners plan = %+v", p)
	}
	for i := 0; i < 2; i++ {
		if p := s.faults.take("elbv2", "ModifyListener"); p.terminal == nil || p.terminal.id != thr || p.latency != 0 {
			t.Errorf("ModifyListener #%d plan = %+v", i+1, p)
		}
	}
	if p := s.faults.take("elbv2", "ModifyListener"); p.terminal != nil {
		t.Errorf("throttle fault outlived Times: %+v", p)
	}
	for i := 0; i < 3; i++ {
		if p := s.faults.take("cloudwatch", "GetMetricData"); p.terminal == nil || p.terminal.Status != 503 {
			t.Errorf("unlimited 5xx plan = %+v", p)
		}
	}
	if fs := s.Faults(); len(fs) != 1 || fs[0].ID != always || fs[0].Injected != 3 {
		t.Errorf("active faults = %+v (latency %s and throttle %s should be used up)", fs, lat, thr)
	}

	// Rate: a fault with Rate 0.5 fires when the dice say so, and Times
	// counts only the calls it actually hit.
	s.ClearFaults()
	dice := []float64{0.9, 0.1, 0.7, 0.2}
	s.faults.rand = func() float64 { d := dice[0]; dice = dice[1:]; return d }
	_, _ = s.InjectFault(Fault{Kind: ConnReset, Rate: 0.5, Times: 2})
	var hits []bool
	for range 4 {
		hits = append(hits, s.faults.take("sts", "GetCallerIdentity").terminal != nil)
	}
	if want := []bool{false, true, false, true}; !equalBools(hits, want) {
		t.Errorf("hits = %v, want %v", hits, want)
	}
	if len(s.Faults()) != 0 {
		t.Errorf("fault with Times 2 still active after 2 hits: %+v", s.Faults())
	}
}

func equalBools(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestInjectedFaultsOverHTTP(t *testing.T) {
	s := startTestServer(t, Options{})
	c := stsClient(s)
	ctx := context.Background()

	code, body := adminJSON(t, s, http.MethodPost, "/_sandbox/faults", map[string]any{"service": "sts", "operation": "GetCallerIdentity", "kind": "Throttle", "times": 1})
	if code != 201 || body["id"] == "" {
		t.Fatalf("POST /_sandbox/faults: %d %v", code, body)
	}
	_, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	assertAPIError(t, err, "Throttling")
	if _, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("second call after a times=1 fault: %v", err)
	}

	code, body = adminJSON(t, s, http.MethodPost, "/_sandbox/faults", map[string]any{"kind": "HTTP5xx", "status": 500})
	if code != 201 {
		t.Fatalf("POST 5xx fault: %d %v", code, body)
	}
	id := body["id"].(string)
	_, err = c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	assertAPIError(t, err, "InternalFailure")
	var re interface{ HTTPStatusCode() int }
	if !errors.As(err, &re) || re.HTTPStatusCode() != 500 {
		t.Errorf("status of injected 500: %v", err)
	}

	code, body = adminJSON(t, s, http.MethodGet, "/_sandbox/faults", nil)
	if faults, _ := body["faults"].([]any); code != 200 || len(faults) != 1 {
		t.Fatalf("GET faults: %d %v", code, body)
	}
	if code, _ := adminJSON(t, s, http.MethodDelete, "/_sandbox/faults/"+id, nil); code != 204 {
		t.Fatalf("DELETE fault: %d", code)
	}
	if code, _ := adminJSON(t, s, http.MethodDelete, "/_sandbox/faults/"+id, nil); code != 404 {
		t.Fatalf("DELETE fault twice: %d", code)
	}
	if code, body := adminJSON(t, s, http.MethodPost, "/_sandbox/faults", map[string]any{"kind": "Latency", "latency": "soon"}); code != 400 || !strings.Contains(body["error"].(string), "duration") {
		t.Fatalf("bad latency: %d %v", code, body)
	}
	if code, body := adminJSON(t, s, http.MethodPost, "/_sandbox/faults", map[string]any{"kind": "Throttle", "operaton": "x"}); code != 400 || !strings.Contains(body["error"].(string), "operaton") {
		t.Fatalf("unknown field: %d %v", code, body)
	}

	// The call log over HTTP, filtered.
	code, body = adminJSON(t, s, http.MethodGet, "/_sandbox/calls?service=sts&operation=GetCallerIdentity", nil)
	calls, _ := body["calls"].([]any)
	if code != 200 || len(calls) != 3 {
		t.Fatalf("GET calls: %d %v", code, body)
	}
	first := calls[0].(map[string]any)
	if first["errorCode"] != "Throttling" || first["fault"] != "Throttle" || first["status"] != float64(400) {
		t.Errorf("first call = %v", first)
	}
	if code, _ := adminJSON(t, s, http.MethodDelete, "/_sandbox/calls", nil); code != 204 {
		t.Fatalf("DELETE calls: %d", code)
	}
	if n := len(s.Calls(CallFilter{})); n != 0 {
		t.Errorf("%d calls after reset", n)
	}
}

// callSignal is a Logger output that wakes waiters at every line (one per
// call recorded), so a test waits for a call without polling.
type callSignal struct {
	mu sync.Mutex
	ch chan struct{}
}

func newCallSignal() *callSignal { return &callSignal{ch: make(chan struct{})} }

func (c *callSignal) Write(p []byte) (int, error) {
	c.mu.Lock()
	close(c.ch)
	c.ch = make(chan struct{})
	c.mu.Unlock()
	return len(p), nil
}

// waitFor reports whether cond holds, checking it after each line logged;
// limit (real time) only bounds a broken test.
func (c *callSignal) waitFor(limit time.Duration, cond func() bool) bool {
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for {
		c.mu.Lock()
		next := c.ch
		c.mu.Unlock()
		if cond() {
			return true
		}
		select {
		case <-next:
		case <-timer.C:
			return cond()
		}
	}
}

func TestConnResetAndLatency(t *testing.T) {
	logged := newCallSignal()
	s := startTestServer(t, Options{Logger: log.New(logged, "", 0)})
	ctx := context.Background()
	c := stsClient(s) // one attempt: the raw failure is visible

	if _, err := s.InjectFault(Fault{Service: "sts", Kind: ConnReset, Times: 1}); err != nil {
		t.Fatal(err)
	}
	_, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("after ConnReset: err = %v, want connection reset", err)
	}

	if _, err := s.InjectFault(Fault{Service: "sts", Kind: Latency, Latency: 5 * time.Second, Times: 1}); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.GetCallerIdentity(short, &sts.GetCallerIdentityInput{})
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("latency beyond the deadline: err = %v", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("client waited %v", time.Since(start))
	}
	// The server stops waiting once the client has gone.
	if !logged.waitFor(2*time.Second, func() bool { return len(s.Calls(CallFilter{Service: "sts"})) == 2 }) {
		t.Fatalf("latency call not logged after the client gave up: %+v", s.Calls(CallFilter{Service: "sts"}))
	}
	if calls := s.Calls(CallFilter{Service: "sts"}); calls[0].Fault != ConnReset || calls[0].Status != 0 || calls[1].Fault != Latency || calls[1].Status != 0 {
		t.Errorf("calls = %+v", calls)
	}

	// Latency shorter than the deadline just delays the answer.
	if _, err := s.InjectFault(Fault{Kind: Latency, Latency: 50 * time.Millisecond, Times: 1}); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	if _, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("answered after %v, before the injected latency", d)
	}
}

func TestCloseCancelsInjectedLatency(t *testing.T) {
	s, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.InjectFault(Fault{Kind: Latency, Latency: time.Minute}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := stsClient(s).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		done <- err
	}()
	for len(s.Faults()) == 0 || s.Faults()[0].Injected == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Close took %v", d)
	}
	if err := <-done; err == nil {
		t.Error("call during Close succeeded")
	}
}

func TestRateLimit(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	s := startTestServer(t, Options{Now: clock.Now})
	c := stsClient(s)
	ctx := context.Background()

	if err := s.SetRateLimit("s3", "", 1, 1); err == nil {
		t.Error("rate limit for an unknown service accepted")
	}
	if err := s.SetRateLimit("sts", "", 1, 0); err == nil {
		t.Error("burst 0 accepted")
	}
	code, body := adminJSON(t, s, http.MethodPut, "/_sandbox/rate-limits", map[string]any{"service": "sts", "operation": "GetCallerIdentity", "perSecond": 1, "burst": 2})
	if code != 200 {
		t.Fatalf("PUT rate-limits: %d %v", code, body)
	}
	call := func() error {
		_, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		return err
	}
	for i := 0; i < 2; i++ {
		if err := call(); err != nil {
			t.Fatalf("call %d within burst: %v", i+1, err)
		}
	}
	assertAPIError(t, call(), "Throttling")
	// Other operations have their own buckets.
	if _, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), RoleSessionName: aws.String("s1")}); err != nil {
		t.Fatalf("AssumeRole under a GetCallerIdentity limit: %v", err)
	}
	clock.Advance(time.Second)
	if err := call(); err != nil {
		t.Fatalf("after 1s refill: %v", err)
	}
	assertAPIError(t, call(), "Throttling")

	throttled := 0
	for _, c := range s.Calls(CallFilter{Operation: "GetCallerIdentity"}) {
		if c.FaultID == rateLimitFaultID {
			throttled++
		}
	}
	if throttled != 2 {
		t.Errorf("%d rate-limited calls logged, want 2", throttled)
	}

	if code, _ := adminJSON(t, s, http.MethodDelete, "/_sandbox/rate-limits", nil); code != 204 {
		t.Fatalf("DELETE rate-limits: %d", code)
	}
	if err := call(); err != nil {
		t.Fatalf("after clearing limits: %v", err)
	}
}

func TestCallLogIsBounded(t *testing.T) {
	s := startTestServer(t, Options{})
	s.calls.max = 3
	for i := 0; i < 5; i++ {
		s.record(Call{Operation: string(rune('a' + i))}, 0)
	}
	got := ""
	for _, c := range s.Calls(CallFilter{}) {
		got += c.Operation
	}
	if got != "cde" {
		t.Errorf("kept %q, want the newest three", got)
	}
}

func TestFlattenCBORParams(t *testing.T) {
	out := map[string]string{}
	flattenInto(out, "MetricData", []any{
		map[string]any{"MetricName": "RequestCount", "Value": 3.0, "Dimensions": []any{map[string]any{"Name": "TargetGroup", "Value": "tg"}}},
	})
	want := map[string]string{
		"MetricData.1.MetricName":         "RequestCount",
		"MetricData.1.Value":              "3",
		"MetricData.1.Dimensions.1.Name":  "TargetGroup",
		"MetricData.1.Dimensions.1.Value": "tg",
	}
	for k, v := range want {
		if out[k] != v {
			t.Errorf("%s = %q, want %q (all: %v)", k, out[k], v, out)
		}
	}
}
