package httpcheck

import (
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
)

var _ interface {
	Name() string
	Evaluate(context.Context) []checks.Result
} = (*Check)(nil)

const secret = "s3cr3t-T0ken-value-9f8e7d"

func serve(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func body(status int, b string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(status)
		_, _ = io.WriteString(w, b)
	}
}

func mustNew(t *testing.T, cfg Config) *Check {
	t.Helper()
	if cfg.RetryWaitMin == 0 {
		cfg.RetryWaitMin, cfg.RetryWaitMax = time.Millisecond, 5*time.Millisecond
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func evalOne(t *testing.T, c *Check) checks.Result {
	t.Helper()
	rs := c.Evaluate(t.Context())
	if len(rs) != 1 {
		t.Fatalf("got %d results, want 1: %v", len(rs), rs)
	}
	return rs[0]
}

func wantVerdict(t *testing.T, r checks.Result, v checks.Verdict, detailParts ...string) {
	t.Helper()
	if r.Verdict != v {
		t.Fatalf("verdict %s, want %s: %s", r.Verdict, v, r)
	}
	for _, p := range detailParts {
		if !strings.Contains(r.Detail, p) {
			t.Errorf("detail %q lacks %q", r.Detail, p)
		}
	}
}

func TestPassDefaults(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			t.Errorf("method %s", r.Method)
		}
		_, _ = io.WriteString(w, "ok\n  all\tgood")
	})
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := mustNew(t, Config{URL: srv.URL + "/healthz", Now: func() time.Time { return at }})
	if c.Name() != "http" {
		t.Errorf("Name %q", c.Name())
	}
	r := evalOne(t, c)
	wantVerdict(t, r, checks.Pass, "status 200, ", " ms", "body 13 bytes")
	assertNoBody(t, r, "ok", "all", "good")
	if r.Check != "http" || !r.HasValue || r.Value != 200 || r.Threshold != "status in [200]" || !r.At.Equal(at) {
		t.Errorf("result %+v", r)
	}
}

func TestNamedResult(t *testing.T) {
	srv := serve(t, body(200, "ok"))
	r := evalOne(t, mustNew(t, Config{Name: "api", URL: srv.URL}))
	if r.Check != "http:api" {
		t.Errorf("Check %q", r.Check)
	}
}

func TestStatusMismatchIsFailAndNotRetried(t *testing.T) {
	var n atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "upstream down")
	})
	r := evalOne(t, mustNew(t, Config{URL: srv.URL}))
	wantVerdict(t, r, checks.Fail, "status 503", "status not in [200]", "body 13 bytes")
	assertNoBody(t, r, "upstream", "down")
	if r.Value != 503 || !r.HasValue {
		t.Errorf("value %v %v", r.Value, r.HasValue)
	}
	if n.Load() != 1 {
		t.Errorf("server saw %d requests; a status is never retried", n.Load())
	}
}

func TestExpectStatusList(t *testing.T) {
	for _, code := range []int{204, 301, 418} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			srv := serve(t, func(w http.ResponseWriter, _ *http.Request) {
				if code == 301 {
					w.Header().Set("Location", "https://elsewhere.invalid/")
				}
				w.WriteHeader(code)
			})
			c := mustNew(t, Config{URL: srv.URL, ExpectStatus: []int{204, 301}})
			r := evalOne(t, c)
			if r.Threshold != "status in [204, 301]" {
				t.Errorf("threshold %q", r.Threshold)
			}
			want := checks.Pass
			if code == 418 {
				want = checks.Fail
			}
			wantVerdict(t, r, want)
			if r.Value != float64(code) {
				t.Errorf("value %v", r.Value)
			}
		})
	}
}

func TestSameOriginRedirectFollowed(t *testing.T) {
	var srv *httptest.Server
	srv = serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, srv.URL+"/new", http.StatusFound)
			return
		}
		_, _ = io.WriteString(w, "new")
	})
	r := evalOne(t, mustNew(t, Config{URL: srv.URL + "/old", BodyRegex: "^new$"}))
	wantVerdict(t, r, checks.Pass)
}

func TestCrossOriginRedirectNotFollowed(t *testing.T) {
	var sawSecret atomic.Bool
	other := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Api-Key") != "" {
			sawSecret.Store(true)
		}
	})
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/", http.StatusFound)
	})
	r := evalOne(t, mustNew(t, Config{URL: srv.URL, Headers: map[string]string{"X-Api-Key": secret}}))
	wantVerdict(t, r, checks.Fail, "status 302")
	if sawSecret.Load() {
		t.Error("header forwarded to another origin")
	}
}

func TestBodyRegex(t *testing.T) {
	srv := serve(t, body(200, `{"status":"degraded"}`))
	r := evalOne(t, mustNew(t, Config{URL: srv.URL, BodyRegex: `"status":\s*"ok"`}))
	wantVerdict(t, r, checks.Fail, `body does not match /"status":\s*"ok"/`, `body 21 bytes`)
	assertNoBody(t, r, "degraded")
	if r.Threshold != `status in [200], body matches /"status":\s*"ok"/` {
		t.Errorf("threshold %q", r.Threshold)
	}
	r = evalOne(t, mustNew(t, Config{URL: srv.URL, BodyRegex: `degraded|ok`}))
	wantVerdict(t, r, checks.Pass, "body matches /degraded|ok/")
}

func TestBodyNotJudgedOnWrongStatus(t *testing.T) {
	srv := serve(t, body(500, "<html>error</html>"))
	r := evalOne(t, mustNew(t, Config{URL: srv.URL, BodyRegex: "ok", JSONPath: "v", JSONValue: "1"}))
	wantVerdict(t, r, checks.Fail, "status not in [200]")
	if strings.Contains(r.Detail, "JSON") || strings.Contains(r.Detail, "does not match") {
		t.Errorf("body judged despite wrong status: %s", r.Detail)
	}
}

func TestJSONPath(t *testing.T) {
	const doc = `{"version":"2.4.0","build":{"schema_version":17,"ok":true,"tag":null},
	  "items":[{"name":"a"},{"name":"b","tags":["x","y"]}],"1":"key one"}`
	srv := serve(t, body(200, doc))
	cases := []struct {
		path, value string
		verdict     checks.Verdict
		detail      string
	}{
		{"version", "2.4.0", checks.Pass, `json version == "2.4.0"`},
		{"version", "2.5.0", checks.Fail, `json version is not "2.5.0"`},
		{"build.schema_version", "17", checks.Pass, `json build.schema_version == "17"`},
		{"build.ok", "true", checks.Pass, ""},
		{"build.tag", "null", checks.Pass, ""},
		{"items.0.name", "a", checks.Pass, `json items.0.name == "a"`},
		{"items.1.name", "b", checks.Pass, ""},
		{"items.1.tags", `["x","y"]`, checks.Pass, ""},
		{"$.items.1.tags.1", "y", checks.Pass, ""},
		{"1", "key one", checks.Pass, ""},
		{"build.missing", "x", checks.Fail, `json path build.missing: no key "missing" at build`},
		{"nope", "x", checks.Fail, `no key "nope" at the top level`},
		{"items.5.name", "x", checks.Fail, "index 5 out of range at items (2 items)"},
		{"items.first", "x", checks.Fail, `items is an array; "first" is not an index`},
		{"version.major", "2", checks.Fail, "version is a string, not an object or array"},
	}
	for _, tc := range cases {
		t.Run(tc.path+"="+tc.value, func(t *testing.T) {
			r := evalOne(t, mustNew(t, Config{URL: srv.URL, JSONPath: tc.path, JSONValue: tc.value}))
			wantVerdict(t, r, tc.verdict, tc.detail)
			if tc.verdict == checks.Fail {
				assertNoBody(t, r, "2.4.0", "key one") // the value found is never shown
			}
			if !strings.Contains(r.Threshold, fmt.Sprintf("json %s == %q", tc.path, tc.value)) {
				t.Errorf("threshold %q", r.Threshold)
			}
		})
	}
}

func TestJSONPathNonJSONBody(t *testing.T) {
	for name, b := range map[string]string{
		"html":     "<html>hello</html>",
		"trailing": `{"version":"1"} extra`,
		"empty":    "",
	} {
		t.Run(name, func(t *testing.T) {
			srv := serve(t, body(200, b))
			r := evalOne(t, mustNew(t, Config{URL: srv.URL, JSONPath: "version", JSONValue: "1"}))
			wantVerdict(t, r, checks.Fail, "body is not JSON")
		})
	}
}

func TestLargeBodyReadOnlyToLimit(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"v":"`)
		_, _ = w.Write([]byte(strings.Repeat("a", 3<<20)))
		_, _ = io.WriteString(w, `"}`)
	})
	r := evalOne(t, mustNew(t, Config{URL: srv.URL, JSONPath: "v", JSONValue: "x"}))
	wantVerdict(t, r, checks.Fail, "larger than 1048576 bytes", "only the first 1048576 read")
	if len(r.Detail) > 400 {
		t.Errorf("detail too long (%d bytes): %s", len(r.Detail), r.Detail)
	}
	assertNoBody(t, r, "aaaa")
}

func TestExcerpt(t *testing.T) {
	long := strings.Repeat("é", 200)
	got := Excerpt([]byte("line1\r\nline2\x00\x1b[31m   "+long), nil)
	if len(got) > ExcerptBytes {
		t.Errorf("excerpt %d bytes", len(got))
	}
	if strings.ContainsAny(got, "\r\n\x00\x1b") || !strings.HasPrefix(got, "line1 line2 [31m é") || !strings.HasSuffix(got, "…") {
		t.Errorf("excerpt %q", got)
	}
	if got := Excerpt([]byte("\xff\xfeok"), nil); got != "\uFFFDok" {
		t.Errorf("invalid utf8 excerpt %q", got)
	}
}

func quietLog() *log.Logger { return log.New(io.Discard, "", 0) }

func pemOf(srv *httptest.Server) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
}

func TestTLS(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewUnstartedServer(func() http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) { n.Add(1); _, _ = io.WriteString(w, "secure") }
	}())
	srv.Config.ErrorLog = quietLog() // handshake failures are expected here
	srv.StartTLS()
	t.Cleanup(srv.Close)

	t.Run("self-signed fails by default, not retried", func(t *testing.T) {
		r := evalOne(t, mustNew(t, Config{URL: srv.URL}))
		wantVerdict(t, r, checks.Error, "certificate")
		if r.HasValue || strings.Contains(r.Detail, "attempts") {
			t.Errorf("result %s", r)
		}
		if n.Load() != 0 {
			t.Errorf("handler reached")
		}
	})
	t.Run("CACertPEM", func(t *testing.T) {
		r := evalOne(t, mustNew(t, Config{URL: srv.URL, CACertPEM: pemOf(srv), BodyRegex: "secure"}))
		wantVerdict(t, r, checks.Pass)
	})
	t.Run("InsecureSkipVerify", func(t *testing.T) {
		r := evalOne(t, mustNew(t, Config{URL: srv.URL, InsecureSkipVerify: true}))
		wantVerdict(t, r, checks.Pass)
	})
}

func TestSlowServerTimesOut(t *testing.T) {
	release := make(chan struct{})
	var n atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	retries := 1
	c := mustNew(t, Config{URL: srv.URL + "/slow?token=abc", Timeout: 50 * time.Millisecond, Retries: &retries})
	start := time.Now()
	r := evalOne(t, c)
	wantVerdict(t, r, checks.Error, "timed out (timeout 50ms per attempt)", "after 2 attempts", "GET "+srv.URL+"/slow")
	if strings.Contains(r.Detail, "token=abc") {
		t.Errorf("query shown in detail: %s", r.Detail)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("took %s", el)
	}
	if n.Load() != 2 {
		t.Errorf("server saw %d attempts, want 2", n.Load())
	}
}

func TestCallerContextCancelled(t *testing.T) {
	srv := serve(t, body(200, "ok"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	rs := mustNew(t, Config{URL: srv.URL}).Evaluate(ctx)
	wantVerdict(t, rs[0], checks.Error, "evaluation cancelled: context canceled")
}

func TestBodyStallTimesOut(t *testing.T) {
	release := make(chan struct{})
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		_, _ = io.WriteString(w, "partial")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	r := evalOne(t, mustNew(t, Config{URL: srv.URL, Timeout: 100 * time.Millisecond}))
	wantVerdict(t, r, checks.Error, "reading response body (status 200): timed out (timeout 100ms per attempt)")
}

// resetFirst hijacks and closes the first n connections before answering.
func resetFirst(t *testing.T, n int32, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	var seen atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if seen.Add(1) <= n {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Errorf("hijack: %v", err)
				return
			}
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // RST rather than FIN
			}
			_ = conn.Close()
			return
		}
		h(w, r)
	})
	return srv, &seen
}

func TestConnectionResetRetried(t *testing.T) {
	srv, seen := resetFirst(t, 1, body(200, "ok"))
	r := evalOne(t, mustNew(t, Config{URL: srv.URL}))
	wantVerdict(t, r, checks.Pass, "(attempt 2)")
	if seen.Load() != 2 {
		t.Errorf("server saw %d requests, want 2", seen.Load())
	}
}

func TestRetriesExhausted(t *testing.T) {
	srv, seen := resetFirst(t, 100, body(200, "ok"))
	r := evalOne(t, mustNew(t, Config{URL: srv.URL})) // default 2 retries
	wantVerdict(t, r, checks.Error, "after 3 attempts")
	if seen.Load() != 3 {
		t.Errorf("server saw %d requests, want 3", seen.Load())
	}
	zero := 0
	srv2, seen2 := resetFirst(t, 100, body(200, "ok"))
	r = evalOne(t, mustNew(t, Config{URL: srv2.URL, Retries: &zero}))
	wantVerdict(t, r, checks.Error)
	if seen2.Load() != 1 {
		t.Errorf("server saw %d requests with retries 0, want 1", seen2.Load())
	}
}

func TestConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	r := evalOne(t, mustNew(t, Config{URL: "http://" + addr + "/health", Headers: map[string]string{"Authorization": "Bearer " + secret}}))
	wantVerdict(t, r, checks.Error, "GET http://"+addr+"/health", "refused", "after 3 attempts")
	assertNoSecret(t, r)
}

func assertNoSecret(t *testing.T, rs ...checks.Result) {
	t.Helper()
	for _, r := range rs {
		for field, s := range map[string]string{"Check": r.Check, "Detail": r.Detail, "Threshold": r.Threshold, "String()": r.String(), "%+v": fmt.Sprintf("%+v", r)} {
			if strings.Contains(s, secret) || strings.Contains(s, secret[:12]) {
				t.Errorf("secret leaked in %s: %s", field, s)
			}
		}
	}
}

// assertNoBody fails when any part of a response body shows in a result.
func assertNoBody(t *testing.T, r checks.Result, bodyParts ...string) {
	t.Helper()
	for _, p := range bodyParts {
		for field, s := range map[string]string{"Detail": r.Detail, "String()": r.String()} {
			if strings.Contains(s, p) {
				t.Errorf("response body content %q in %s: %s", p, field, s)
			}
		}
	}
}

// TestEscapedEchoNeverLeaks: a server that echoes request headers as JSON
// with "/" escaped as "\/" (as PHP's json_encode does) writes the secret in
// an encoding no redaction list anticipates. No body content reaches a
// result, whatever the verdict, so it cannot leak (issue 17).
func TestEscapedEchoNeverLeaks(t *testing.T) {
	const slashy = "tok/abc/" + secret
	escaped := strings.ReplaceAll(slashy, "/", `\/`)
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+slashy {
			t.Errorf("header not sent: %q", r.Header.Get("Authorization"))
		}
		if r.URL.Query().Get("fail") != "" {
			w.WriteHeader(500)
		}
		fmt.Fprintf(w, `{"headers":{"Authorization":"Bearer %s"}}`, escaped)
	})
	h := map[string]string{"Authorization": "Bearer " + slashy}
	for _, cfg := range []Config{
		{URL: srv.URL, Headers: h},
		{URL: srv.URL + "?fail=1", Headers: h},
		{URL: srv.URL, Headers: h, BodyRegex: "nomatch"},
		{URL: srv.URL, Headers: h, JSONPath: "headers", JSONValue: "x"},
		{URL: srv.URL, Headers: h, JSONPath: "headers.Authorization", JSONValue: "x"},
	} {
		r := evalOne(t, mustNew(t, cfg))
		assertNoSecret(t, r)
		assertNoBody(t, r, "abc", `\/`, "Bearer")
	}
}

func TestHeadersSentNeverShown(t *testing.T) {
	var mu sync.Mutex
	var got http.Header
	var host string
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got, host = r.Header.Clone(), r.Host
		mu.Unlock()
		// A server echoing request headers (like httpbin /headers), in
		// plain and JSON-escaped form, at status pass and fail.
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("fail") != "" {
			w.WriteHeader(500)
		}
		fmt.Fprintf(w, `{"auth":%q,"key":"%s","raw":"%s"}`, r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"), r.Header.Get("X-Odd"))
	})
	headers := map[string]string{
		"Authorization": "Bearer " + secret,
		"X-Api-Key":     secret,
		"X-Odd":         `q"` + secret + `&<`,
		"Host":          "app.example.com",
	}
	for _, cfg := range []Config{
		{URL: srv.URL, Headers: headers},
		{URL: srv.URL + "?fail=1", Headers: headers},
		{URL: srv.URL, Headers: headers, BodyRegex: "nomatch"},
		{URL: srv.URL, Headers: headers, JSONPath: "key", JSONValue: "x"},
		{URL: srv.URL, Headers: headers, JSONPath: "auth", JSONValue: "Bearer " + "other"},
		{URL: srv.URL, Headers: headers, JSONPath: "key.x", JSONValue: "x"},
	} {
		r := evalOne(t, mustNew(t, cfg))
		if r.Verdict == checks.Error {
			t.Fatalf("unexpected error: %s", r)
		}
		assertNoSecret(t, r)
		assertNoBody(t, r, `"auth"`, `"raw"`)
	}
	mu.Lock()
	defer mu.Unlock()
	if got.Get("Authorization") != "Bearer "+secret || got.Get("X-Api-Key") != secret {
		t.Errorf("server saw headers %v", got)
	}
	if host != "app.example.com" {
		t.Errorf("server saw Host %q", host)
	}
}

func TestNewValidation(t *testing.T) {
	ok := "http://example.com/health"
	neg := -1
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no url", Config{}, "url is required"},
		{"relative", Config{URL: "/health"}, "scheme http or https"},
		{"ftp", Config{URL: "ftp://example.com/"}, "scheme http or https"},
		{"no host", Config{URL: "http:///x"}, "no host"},
		{"bad method", Config{URL: ok, Method: "GE T"}, "method"},
		{"bad header name", Config{URL: ok, Headers: map[string]string{"X Bad": "v"}}, "header name"},
		{"bad header value", Config{URL: ok, Headers: map[string]string{"X-Key": secret + "\r\nEvil: 1"}}, `header "X-Key" has an invalid value`},
		{"bad status", Config{URL: ok, ExpectStatus: []int{200, 999}}, "expect_status 999"},
		{"bad regex", Config{URL: ok, BodyRegex: "(unclosed"}, "body_regex does not compile"},
		{"path without value", Config{URL: ok, JSONPath: "v"}, "json_value is required"},
		{"value without path", Config{URL: ok, JSONValue: "v"}, "json_path is required"},
		{"empty segment", Config{URL: ok, JSONPath: "a..b", JSONValue: "1"}, "empty segment"},
		{"head with body check", Config{URL: ok, Method: "HEAD", BodyRegex: "x"}, "HEAD"},
		{"bad pem", Config{URL: ok, CACertPEM: "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n"}, "ca_cert_pem"},
		{"negative timeout", Config{URL: ok, Timeout: -time.Second}, "timeout"},
		{"negative retries", Config{URL: ok, Retries: &neg}, "retries"},
		{"waits", Config{URL: ok, RetryWaitMin: 2 * time.Second, RetryWaitMax: time.Second}, "retry_wait_min"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want containing %q", err, tc.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("secret in error: %v", err)
			}
		})
	}
	c, err := New(Config{URL: "https://user:pw@example.com:8443/x?y=1", Method: "PROPFIND"})
	if err != nil {
		t.Fatal(err)
	}
	if c.client.Timeout() != DefaultTimeout || c.client.Retries() != DefaultRetries ||
		c.client.rc.RetryWaitMin != DefaultRetryWaitMin || c.client.rc.RetryWaitMax != DefaultRetryWaitMax {
		t.Errorf("defaults: %s %d %s %s", c.client.Timeout(), c.client.Retries(), c.client.rc.RetryWaitMin, c.client.rc.RetryWaitMax)
	}
}

func TestSafeURL(t *testing.T) {
	if got := SafeURL("https://user:pw@example.com:8443/a/b?token=x#f"); got != "https://example.com:8443/a/b" {
		t.Errorf("SafeURL %q", got)
	}
}
