package datadog

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
)

const (
	apiKey = "dd-api-s3cr3t-0a1b2c3d4e5f"
	appKey = "dd-app-s3cr3t-9f8e7d6c5b4a"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// okBody is a v1 /api/v1/query response in Datadog's format (as the API
// reference documents MetricsQueryResponse), one series per scope.
func okBody(query string, series ...string) string {
	return fmt.Sprintf(`{"status":"ok","res_type":"time_series","resp_version":1,"query":%q,"message":"","error":"",`+
		`"from_date":%d,"to_date":%d,"group_by":[],"series":[%s],"values":[],"times":[]}`,
		query, now.Add(-5*time.Minute).UnixMilli(), now.UnixMilli(), strings.Join(series, ","))
}

func oneSeries(scope string, points ...string) string {
	return fmt.Sprintf(`{"unit":null,"query_index":0,"aggr":"sum","metric":"trace.http.request.errors","tag_set":[],`+
		`"expression":"sum:trace.http.request.errors{%s}.as_count()","scope":%q,"interval":60,"length":%d,`+
		`"start":%d,"end":%d,"pointlist":[%s],"display_name":"trace.http.request.errors","attributes":{}}`,
		scope, scope, len(points), now.Add(-5*time.Minute).UnixMilli(), now.UnixMilli(), strings.Join(points, ","))
}

func pt(minAgo int, v string) string {
	return fmt.Sprintf("[%d.0,%s]", now.Add(-time.Duration(minAgo)*time.Minute).UnixMilli(), v)
}

type recorded struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func server(t *testing.T, code int, body string) (*httptest.Server, *recorded) {
	t.Helper()
	rec := &recorded{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, r.Clone(context.Background()))
		rec.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, rec
}

func f(v float64) *float64 { return &v }

func newCheck(t *testing.T, url string, mod func(*Config)) *Check {
	t.Helper()
	retries := 0
	cfg := Config{Name: "errors", URL: url, Query: "sum:trace.http.request.errors{service:web,color:green}.as_count()",
		Max: f(5), APIKey: apiKey, AppKey: appKey, Retries: &retries, Now: func() time.Time { return now }}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func one(t *testing.T, c *Check) checks.Result {
	t.Helper()
	rs := c.Evaluate(context.Background())
	if len(rs) != 1 {
		t.Fatalf("%d results", len(rs))
	}
	for _, s := range []string{rs[0].Detail, rs[0].Threshold, rs[0].String()} {
		if strings.Contains(s, "s3cr3t") {
			t.Fatalf("a key leaked into the result: %s", s)
		}
	}
	return rs[0]
}

// TestRequest: GET /api/v1/query with from/to (seconds) covering the window,
// the query, and the keys as headers only.
func TestRequest(t *testing.T) {
	srv, rec := server(t, 200, okBody("q", oneSeries("color:green,service:web", pt(1, "1.0"))))
	c := newCheck(t, srv.URL+"/", func(c *Config) { c.Window = 10 * time.Minute })
	one(t, c)
	r := rec.reqs[0]
	if r.Method != http.MethodGet || r.URL.Path != "/api/v1/query" {
		t.Fatalf("%s %s", r.Method, r.URL.Path)
	}
	q := r.URL.Query()
	if q.Get("from") != fmt.Sprint(now.Add(-10*time.Minute).Unix()) || q.Get("to") != fmt.Sprint(now.Unix()) ||
		q.Get("query") != "sum:trace.http.request.errors{service:web,color:green}.as_count()" {
		t.Fatalf("query string %v", q)
	}
	if r.Header.Get(APIKeyHeader) != apiKey || r.Header.Get(AppKeyHeader) != appKey {
		t.Fatalf("headers %v", r.Header)
	}
	if strings.Contains(r.URL.RawQuery, "s3cr3t") {
		t.Fatalf("a key is in the URL: %s", r.URL)
	}
}

func TestSiteURL(t *testing.T) {
	for site, want := range map[string]string{"": "https://api.datadoghq.com/api/v1/query", "datadoghq.eu": "https://api.datadoghq.eu/api/v1/query",
		"us5.datadoghq.com": "https://api.us5.datadoghq.com/api/v1/query"} {
		c, err := New(Config{Site: site, Query: "q", Max: f(1), APIKey: "a", AppKey: "b"})
		if err != nil || c.endpoint.String() != want {
			t.Fatalf("site %q: %v %v, want %s", site, c, err, want)
		}
	}
	if _, err := New(Config{Site: "https://api.datadoghq.com", Query: "q", Max: f(1), APIKey: "a", AppKey: "b"}); err == nil {
		t.Fatal("a URL given as site was accepted")
	}
}

func TestVerdicts(t *testing.T) {
	green := "color:green,service:web"
	tests := []struct {
		name    string
		code    int
		body    string
		reducer string
		verdict checks.Verdict
		value   float64
		detail  string
	}{
		{"last point passes", 200, okBody("q", oneSeries(green, pt(3, "9.0"), pt(2, "7.0"), pt(1, "2.0"))), "", checks.Pass, 2, "last of 3 points in the last 5m0s = 2"},
		{"last skips null", 200, okBody("q", oneSeries(green, pt(2, "9.0"), pt(1, "null"))), "", checks.Fail, 9, "above max 5"},
		{"avg fails", 200, okBody("q", oneSeries(green, pt(3, "9.0"), pt(2, "7.0"), pt(1, "2.0"))), ReduceAvg, checks.Fail, 6, "avg of 3 points"},
		{"max", 200, okBody("q", oneSeries(green, pt(2, "1.0"), pt(1, "4.5"))), ReduceMax, checks.Pass, 4.5, "max of 2"},
		{"sum", 200, okBody("q", oneSeries(green, pt(2, "3.0"), pt(1, "4.0"))), ReduceSum, checks.Fail, 7, "sum of 2"},
		{"no series", 200, okBody("q"), "", checks.Inconclusive, 0, "no series"},
		{"only nulls", 200, okBody("q", oneSeries(green, pt(2, "null"), pt(1, "null"))), "", checks.Inconclusive, 0, "no data points"},
		{"several series", 200, okBody("q", oneSeries(green, pt(1, "1")), oneSeries("color:blue,service:web", pt(1, "1"))), "", checks.Error, 0, "returned 2 series"},
		{"status error", 200, `{"status":"error","error":"Rate limit of 300 requests in 3600 seconds reached","series":[]}`, "", checks.Error, 0, "Datadog error: Rate limit"},
		{"forbidden", 403, `{"errors":["Forbidden"]}`, "", checks.Error, 0, "HTTP 403, Datadog: Forbidden (check api_key, app_key and site"},
		{"bad query", 400, `{"errors":["Error parsing query: unable to parse sum:: Rule 'scope_expr' didn't match"]}`, "", checks.Error, 0, "HTTP 400, Datadog: Error parsing query"},
		{"not JSON", 502, `<html>bad gateway</html>`, "", checks.Error, 0, "HTTP 502; body: <html>bad gateway</html>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := server(t, tt.code, tt.body)
			r := one(t, newCheck(t, srv.URL, func(c *Config) { c.Reducer = tt.reducer }))
			if r.Verdict != tt.verdict || !strings.Contains(r.Detail, tt.detail) || r.Check != "datadog:errors" {
				t.Fatalf("%s: %s", tt.name, r)
			}
			if tt.verdict == checks.Pass || tt.verdict == checks.Fail {
				if !r.HasValue || r.Value != tt.value {
					t.Fatalf("value %v (has %v), want %v", r.Value, r.HasValue, tt.value)
				}
			}
		})
	}
}

// TestKeysNeverShown: a server echoing both keys in every field a result
// could show leaves them out of the result.
func TestKeysNeverShown(t *testing.T) {
	echo := "keys " + apiKey + " and " + appKey
	for name, body := range map[string]struct {
		code int
		body string
	}{
		"errors": {403, fmt.Sprintf(`{"errors":[%q]}`, echo)},
		"error":  {200, fmt.Sprintf(`{"status":"error","error":%q}`, echo)},
		"scope":  {200, okBody("q", oneSeries(echo, pt(1, "1")))},
		"body":   {500, echo},
	} {
		t.Run(name, func(t *testing.T) {
			srv, _ := server(t, body.code, body.body)
			one(t, newCheck(t, srv.URL, nil)) // one() fails on a leaked key
		})
	}
}

func TestNewValidation(t *testing.T) {
	base := Config{Query: "q", Max: f(1), APIKey: "a", AppKey: "b"}
	for name, mod := range map[string]func(*Config){
		"no query":     func(c *Config) { c.Query = " " },
		"no keys":      func(c *Config) { c.AppKey = "" },
		"no threshold": func(c *Config) { c.Max = nil },
		"min > max":    func(c *Config) { c.Min = f(2) },
		"reducer":      func(c *Config) { c.Reducer = "median" },
		"url":          func(c *Config) { c.URL = "ftp://x" },
	} {
		cfg := base
		mod(&cfg)
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
