package prometheus

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
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

const secret = "prom-s3cr3t-b34rer-token-77"

// Queries from a classic rollback script.
const (
	errorRateQuery = `sum(rate(http_requests_total{status=~"5..",color="green"}[1m])) / sum(rate(http_requests_total{color="green"}[1m]))`
	p99Query       = `histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket{color="green"}[1m])) by (le))`
)

func f(v float64) *float64 { return &v }

// fakeProm speaks the Prometheus HTTP API under an optional path prefix:
// answers maps a query to (status code, JSON body).
type fakeProm struct {
	t       *testing.T
	prefix  string
	answers map[string]answer

	mu      sync.Mutex
	headers http.Header
	methods []string
	calls   atomic.Int32
}

type answer struct {
	code int
	body string
}

func vector(samples ...string) answer {
	return answer{200, `{"status":"success","data":{"resultType":"vector","result":[` + strings.Join(samples, ",") + `]}}`}
}

func series(labels, value string) string {
	return `{"metric":{` + labels + `},"value":[1767268800.123,"` + value + `"]}`
}

func (p *fakeProm) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.calls.Add(1)
	p.mu.Lock()
	p.headers = r.Header.Clone()
	p.methods = append(p.methods, r.Method)
	p.mu.Unlock()
	if r.URL.Path != p.prefix+"/api/v1/query" {
		w.WriteHeader(404)
		_, _ = io.WriteString(w, "404 page not found\n")
		return
	}
	if err := r.ParseForm(); err != nil {
		p.t.Errorf("parse form: %v", err)
	}
	q := r.Form.Get("query")
	a, ok := p.answers[q]
	if !ok {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		msg, _ := json.Marshal(fmt.Sprintf(`invalid parameter "query": 1:%d: parse error: unclosed left parenthesis`, len(q)))
		_, _ = fmt.Fprintf(w, `{"status":"error","errorType":"bad_data","error":%s}`, msg)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.code)
	_, _ = io.WriteString(w, a.body)
}

func newProm(t *testing.T, prefix string, answers map[string]answer) (*fakeProm, *httptest.Server) {
	p := &fakeProm{t: t, prefix: prefix, answers: answers}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, srv
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
		t.Fatalf("got %d results: %v", len(rs), rs)
	}
	return rs[0]
}

func want(t *testing.T, r checks.Result, v checks.Verdict, parts ...string) {
	t.Helper()
	if r.Verdict != v {
		t.Fatalf("verdict %s, want %s: %s", r.Verdict, v, r)
	}
	for _, p := range parts {
		if !strings.Contains(r.Detail, p) {
			t.Errorf("detail %q lacks %q", r.Detail, p)
		}
	}
}

func TestRollbackScriptQueries(t *testing.T) {
	answers := map[string]answer{
		errorRateQuery: vector(series(``, "0.012")),
		p99Query:       vector(series(``, "1.7")),
	}
	_, srv := newProm(t, "", answers)
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

	r := evalOne(t, mustNew(t, Config{Name: "error_rate", URL: srv.URL, Query: errorRateQuery, Max: f(0.05), Now: func() time.Time { return at }}))
	want(t, r, checks.Pass, "query "+errorRateQuery+" returned 0.012")
	if r.Check != "prometheus:error_rate" || r.Value != 0.012 || !r.HasValue || r.Threshold != "<= 0.05" || !r.At.Equal(at) {
		t.Errorf("result %+v", r)
	}

	c := mustNew(t, Config{URL: srv.URL + "/", Query: p99Query, Max: f(1)})
	if c.Name() != "prometheus" {
		t.Errorf("Name %q", c.Name())
	}
	r = evalOne(t, c)
	want(t, r, checks.Fail, "returned 1.7, above max 1", "histogram_quantile(0.99")
	if r.Check != "prometheus" || r.Value != 1.7 || r.Threshold != "<= 1" {
		t.Errorf("result %+v", r)
	}
}

func TestMinMaxThresholds(t *testing.T) {
	_, srv := newProm(t, "", map[string]answer{
		"up":    vector(series(`"__name__":"up","job":"green"`, "1")),
		"zero":  vector(series(``, "0")),
		"three": vector(series(``, "3")),
		"six":   vector(series(``, "6")),
		"edge":  vector(series(``, "0.0500000001")),
		"inf":   vector(series(``, "+Inf")),
		"ninf":  vector(series(``, "-Inf")),
	})
	cases := []struct {
		query     string
		min, max  *float64
		verdict   checks.Verdict
		threshold string
		detail    string
	}{
		{"up", f(1), nil, checks.Pass, ">= 1", `series up{job="green"} returned 1`},
		{"zero", f(1), nil, checks.Fail, ">= 1", "returned 0, below min 1"},
		{"three", f(1), f(5), checks.Pass, "between 1 and 5", "returned 3"},
		{"six", f(1), f(5), checks.Fail, "between 1 and 5", "returned 6, above max 5"},
		{"zero", f(1), f(5), checks.Fail, "between 1 and 5", "below min 1"},
		{"three", f(3), f(3), checks.Pass, "between 3 and 3", ""},
		{"edge", nil, f(0.05), checks.Fail, "<= 0.05", "returned 0.0500000001, above max 0.05"},
		{"inf", nil, f(1), checks.Fail, "<= 1", "returned +Inf"},
		{"inf", f(1), nil, checks.Pass, ">= 1", ""},
		{"ninf", f(0), nil, checks.Fail, ">= 0", "returned -Inf"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s %s", tc.query, tc.threshold), func(t *testing.T) {
			r := evalOne(t, mustNew(t, Config{URL: srv.URL, Query: tc.query, Min: tc.min, Max: tc.max}))
			want(t, r, tc.verdict, tc.detail)
			if r.Threshold != tc.threshold || !r.HasValue {
				t.Errorf("result %+v", r)
			}
		})
	}
}

func TestScalar(t *testing.T) {
	_, srv := newProm(t, "/prom", map[string]answer{
		"scalar(up)": {200, `{"status":"success","data":{"resultType":"scalar","result":[1767268800.5,"0.25"]}}`},
	})
	r := evalOne(t, mustNew(t, Config{URL: srv.URL + "/prom", Query: "scalar(up)", Max: f(0.1)}))
	want(t, r, checks.Fail, "returned 0.25, above max 0.1")
	if r.Value != 0.25 {
		t.Errorf("value %v", r.Value)
	}
}

func TestPathPrefixAndQueryParams(t *testing.T) {
	var gotURL atomic.Pointer[string]
	p := &fakeProm{prefix: "/mimir/prometheus", answers: map[string]answer{"up": vector(series(``, "1"))}}
	p.t = t
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := r.URL.String()
		gotURL.Store(&u)
		p.ServeHTTP(w, r)
	}))
	defer srv.Close()
	for _, base := range []string{"/mimir/prometheus?tenant=a", "/mimir/prometheus/?tenant=a", "/mimir/prometheus/api/v1/query?tenant=a"} {
		r := evalOne(t, mustNew(t, Config{URL: srv.URL + base, Query: "up", Min: f(1)}))
		want(t, r, checks.Pass)
		if u := *gotURL.Load(); !strings.Contains(u, "tenant=a") || !strings.Contains(u, "query=up") {
			t.Errorf("request URL %s", u)
		}
	}
}

func TestPOST(t *testing.T) {
	p, srv := newProm(t, "", map[string]answer{errorRateQuery: vector(series(``, "0"))})
	r := evalOne(t, mustNew(t, Config{URL: srv.URL, Query: errorRateQuery, Max: f(0.05), Method: "post"}))
	want(t, r, checks.Pass)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.methods[0] != "POST" || p.headers.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Errorf("method %v content type %q", p.methods, p.headers.Get("Content-Type"))
	}
}

func TestEmptyVectorInconclusive(t *testing.T) {
	_, srv := newProm(t, "", map[string]answer{"absent_metric": vector()})
	r := evalOne(t, mustNew(t, Config{URL: srv.URL, Query: "absent_metric", Max: f(1)}))
	want(t, r, checks.Inconclusive, "query absent_metric returned no series")
	if r.HasValue {
		t.Errorf("HasValue for empty result")
	}
}

func TestNaNInconclusive(t *testing.T) {
	_, srv := newProm(t, "", map[string]answer{
		errorRateQuery: {200, `{"status":"success","data":{"resultType":"vector","result":[` + series(``, "NaN") +
			`]},"warnings":["PromQL info: metric might not be a counter"]}`},
	})
	r := evalOne(t, mustNew(t, Config{URL: srv.URL, Query: errorRateQuery, Max: f(0.05)}))
	want(t, r, checks.Inconclusive, "returned NaN", "warnings: PromQL info")
	if r.HasValue {
		t.Errorf("NaN must not be a value: %+v", r)
	}
}

func TestMultiSeriesError(t *testing.T) {
	_, srv := newProm(t, "", map[string]answer{
		"rate(x[1m])": vector(series(`"code":"500"`, "1"), series(`"code":"502"`, "2"), series(`"code":"503"`, "3"), series(`"code":"504"`, "4")),
	})
	r := evalOne(t, mustNew(t, Config{URL: srv.URL, Query: "rate(x[1m])", Max: f(1)}))
	want(t, r, checks.Error, "query returned 4 series; aggregate it, e.g. with sum() or max()", `{code="500"}`, "…", "query: rate(x[1m])")
	if r.HasValue {
		t.Error("HasValue")
	}
}

func TestMatrixError(t *testing.T) {
	_, srv := newProm(t, "", map[string]answer{
		"up[5m]": {200, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"job":"a"},"values":[[1767268800,"1"],[1767268815,"1"]]}]}}`},
	})
	r := evalOne(t, mustNew(t, Config{URL: srv.URL, Query: "up[5m]", Min: f(1)}))
	want(t, r, checks.Error, "range vector (matrix)", "instant threshold")
}

func TestOtherResultShapes(t *testing.T) {
	_, srv := newProm(t, "", map[string]answer{
		`"str"`: {200, `{"status":"success","data":{"resultType":"string","result":[1767268800,"str"]}}`},
		"hist":  {200, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"histogram":[1767268800,{"count":"2","sum":"1"}]}]}}`},
		"bad":   {200, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1767268800,"abc"]}]}}`},
		"html":  {200, `<html>login</html>`},
		"nodat": {200, `{"status":"success"}`},
	})
	for q, wantDetail := range map[string]string{
		`"str"`: `result type "string"`,
		"hist":  "native histogram",
		"bad":   `sample value "abc" is not a number`,
		"html":  "not Prometheus API JSON",
		"nodat": "no data",
	} {
		t.Run(q, func(t *testing.T) {
			r := evalOne(t, mustNew(t, Config{URL: srv.URL, Query: q, Max: f(1)}))
			want(t, r, checks.Error, wantDetail)
		})
	}
}

func TestErrorPayload(t *testing.T) {
	_, srv := newProm(t, "", map[string]answer{
		"timeout_ok": {200, `{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}`},
		"exec":       {422, `{"status":"error","errorType":"execution","error":"many-to-many matching not allowed"}`},
	})
	r := evalOne(t, mustNew(t, Config{URL: srv.URL, Query: "sum(rate(x[1m]", Max: f(1)}))
	want(t, r, checks.Error, "HTTP 400", "HTTP 400, Prometheus error bad_data: invalid parameter \"query\": 1:14: parse error")
	r = evalOne(t, mustNew(t, Config{URL: srv.URL, Query: "exec", Max: f(1)}))
	want(t, r, checks.Error, "HTTP 422, Prometheus error execution: many-to-many matching not allowed")
	r = evalOne(t, mustNew(t, Config{URL: srv.URL, Query: "timeout_ok", Max: f(1)}))
	want(t, r, checks.Error, "Prometheus error timeout: query timed out")
}

func TestHTTPErrorsNotRetried(t *testing.T) {
	p, srv := newProm(t, "", map[string]answer{
		"up":  {500, "internal error\n"},
		"bad": {503, `{"status":"error","errorType":"unavailable","error":"TSDB not ready"}`},
	})
	r := evalOne(t, mustNew(t, Config{URL: srv.URL, Query: "up", Min: f(1)}))
	want(t, r, checks.Error, "HTTP 500; body: internal error", "query: up")
	r = evalOne(t, mustNew(t, Config{URL: srv.URL, Query: "bad", Min: f(1)}))
	want(t, r, checks.Error, "HTTP 503, Prometheus error unavailable: TSDB not ready")
	if n := p.calls.Load(); n != 2 {
		t.Errorf("server saw %d calls; HTTP errors must not be retried", n)
	}
	r = evalOne(t, mustNew(t, Config{URL: srv.URL + "/wrong", Query: "up", Min: f(1)}))
	want(t, r, checks.Error, "HTTP 404; body: 404 page not found")
}

func TestTransportErrorRetried(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	one := 1
	r := evalOne(t, mustNew(t, Config{URL: "http://" + addr, Query: "up", Min: f(1), Retries: &one}))
	want(t, r, checks.Error, "GET http://"+addr+"/api/v1/query: ", "refused", "after 2 attempts", "query: up")
	if strings.Contains(r.Detail, "query=") {
		t.Errorf("URL query string in detail: %s", r.Detail)
	}
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	zero := 0
	r := evalOne(t, mustNew(t, Config{URL: srv.URL, Query: "up", Min: f(1), Timeout: 50 * time.Millisecond, Retries: &zero}))
	want(t, r, checks.Error, "timed out (timeout 50ms per attempt)")
}

func TestHeadersSentNotLeaked(t *testing.T) {
	echo := func(code int) answer {
		// A misbehaving proxy echoing credentials in its error message.
		return answer{code, `{"status":"error","errorType":"bad_data","error":"unauthorized: Bearer ` + secret + `"}`}
	}
	p, srv := newProm(t, "", map[string]answer{
		"ok":    vector(series(`"tenant":"`+secret+`"`, "0.2")),
		"e200":  echo(200),
		"e401":  echo(401),
		"plain": {502, "bad gateway for token " + secret},
		"warn":  {200, `{"status":"success","data":{"resultType":"scalar","result":[1,"1"]},"warnings":["token ` + secret + `"]}`},
		"multi": vector(series(`"k":"`+secret+`"`, "1"), series(`"k":"b"`, "2")),
	})
	headers := map[string]string{"Authorization": "Bearer " + secret, "X-Scope-OrgID": "tenant-" + secret}
	for _, q := range []string{"ok", "e200", "e401", "plain", "warn", "multi"} {
		r := evalOne(t, mustNew(t, Config{URL: srv.URL, Query: q, Max: f(0.1), Headers: headers}))
		for field, s := range map[string]string{"Detail": r.Detail, "Threshold": r.Threshold, "Check": r.Check, "String()": r.String()} {
			if strings.Contains(s, secret) {
				t.Errorf("%s: secret in %s: %s", q, field, s)
			}
		}
		if q != "ok" && r.Verdict == checks.Pass {
			t.Errorf("%s: verdict %s", q, r.Verdict)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.headers.Get("Authorization") != "Bearer "+secret || p.headers.Get("X-Scope-OrgID") != "tenant-"+secret {
		t.Errorf("headers not sent: %v", p.headers)
	}
}

func TestNewValidation(t *testing.T) {
	u := "http://prometheus:9090"
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no url", Config{Query: "up", Max: f(1)}, "url is required"},
		{"bad scheme", Config{URL: "prometheus:9090", Query: "up", Max: f(1)}, "scheme http or https"},
		{"no query", Config{URL: u, Query: "  ", Max: f(1)}, "query is required"},
		{"no limits", Config{URL: u, Query: "up"}, "needs min or max"},
		{"nan", Config{URL: u, Query: "up", Max: f(math.NaN())}, "NaN"},
		{"min > max", Config{URL: u, Query: "up", Min: f(5), Max: f(1)}, "min 5 is greater than max 1"},
		{"method", Config{URL: u, Query: "up", Max: f(1), Method: "PUT"}, "GET or POST"},
		{"header", Config{URL: u, Query: "up", Max: f(1), Headers: map[string]string{"Authorization": "x\n" + secret}}, `header "Authorization"`},
		{"pem", Config{URL: u, Query: "up", Max: f(1), CACertPEM: "garbage"}, "ca_cert_pem"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want containing %q", err, tc.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("secret in error %v", err)
			}
		})
	}
}
