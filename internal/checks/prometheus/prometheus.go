package prometheus

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/httpcheck"
)

// CheckName is the Name() of the check and the Check of its result
// ("prometheus", or "prometheus:<name>" when Config.Name is set).
const CheckName = "prometheus"

// QueryPath is the instant-query endpoint, appended to Config.URL.
const QueryPath = "/api/v1/query"

// maxBody bounds how much of a response is read (a vector of many series is
// an error anyway, but we still want to count it).
const maxBody = 4 << 20

// Config says what to query and the limits.
type Config struct {
	// Name, if set, makes the result's Check "prometheus:<name>".
	Name string
	// URL is the Prometheus base URL, possibly with a path prefix
	// ("http://prometheus:9090", "https://example.com/prometheus"); QueryPath
	// is appended unless URL already ends with it. Query parameters already
	// in URL are kept.
	URL string
	// Query is the PromQL expression, evaluated as an instant query at the
	// server's current time. It must yield a scalar or a single series.
	Query string
	// Method is GET (default) or POST (form-encoded; for long queries).
	Method string
	// Headers are sent with every request (Authorization, X-Scope-OrgID…).
	// SENSITIVE: never logged, redacted from every Result field and error.
	Headers map[string]string
	// Min and Max bound the value (inclusive); at least one is required.
	Min *float64
	Max *float64
	// Timeout bounds each attempt (default 5s).
	Timeout time.Duration
	// Retries of transport errors within one evaluation (nil: 2; 0: none).
	// A response, even a 5xx, is never retried.
	Retries *int
	// RetryWaitMin / RetryWaitMax bound the backoff (defaults 100ms / 1s).
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration
	// InsecureSkipVerify turns TLS verification off (default: verified).
	InsecureSkipVerify bool
	// CACertPEM adds trusted root certificates (PEM) to the system pool.
	CACertPEM string
	// Now stamps results; nil means time.Now.
	Now func() time.Time
}

// Check is a threshold on one PromQL instant query.
type Check struct {
	cfg       Config
	client    *httpcheck.Client
	method    string
	endpoint  string // URL of the query endpoint, with the query for GET
	form      []byte // POST body
	id        string
	threshold string
	query     string // the query on one line, for details
}

// New validates cfg: URL absolute http/https, a non-empty Query, Min and/or
// Max (not NaN, Min <= Max), method GET or POST, well-formed headers and a
// parseable CACertPEM.
func New(cfg Config) (*Check, error) {
	u, err := httpcheck.ValidateURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("prometheus check: %w", err)
	}
	if strings.TrimSpace(cfg.Query) == "" {
		return nil, errors.New("prometheus check: query is required")
	}
	if err := (checks.Bounds{Min: cfg.Min, Max: cfg.Max}).Validate("prometheus"); err != nil {
		return nil, err
	}
	method := strings.ToUpper(cfg.Method)
	if method == "" {
		method = http.MethodGet
	}
	if method != http.MethodGet && method != http.MethodPost {
		return nil, fmt.Errorf("prometheus check: method %q must be GET or POST", cfg.Method)
	}
	if err := httpcheck.ValidateHeaders(cfg.Headers); err != nil {
		return nil, fmt.Errorf("prometheus check: %w", err)
	}
	client, err := httpcheck.NewClient(httpcheck.ClientOptions{
		Timeout:            cfg.Timeout,
		Retries:            cfg.Retries,
		RetryWaitMin:       cfg.RetryWaitMin,
		RetryWaitMax:       cfg.RetryWaitMax,
		InsecureSkipVerify: cfg.InsecureSkipVerify,
		CACertPEM:          cfg.CACertPEM,
	})
	if err != nil {
		return nil, fmt.Errorf("prometheus check: %w", err)
	}

	ep := *u
	ep.Fragment, ep.RawFragment = "", ""
	if !strings.HasSuffix(strings.TrimSuffix(ep.Path, "/"), QueryPath) {
		ep.Path = strings.TrimSuffix(ep.Path, "/") + QueryPath
		ep.RawPath = ""
	}
	c := &Check{cfg: cfg, client: client, method: method, id: CheckName,
		query: strings.Join(strings.Fields(cfg.Query), " ")}
	if cfg.Name != "" {
		c.id = CheckName + ":" + cfg.Name
	}
	if method == http.MethodGet {
		q := ep.Query()
		q.Set("query", cfg.Query)
		ep.RawQuery = q.Encode()
	} else {
		c.form = []byte(url.Values{"query": {cfg.Query}}.Encode())
	}
	c.endpoint = ep.String()

	c.threshold = (checks.Bounds{Min: cfg.Min, Max: cfg.Max}).Threshold()
	return c, nil
}

// Name is "prometheus".
func (c *Check) Name() string { return CheckName }

// Threshold is the human form of the limits: "<= 0.05", ">= 1" or
// "between 1 and 5".
func (c *Check) Threshold() string { return c.threshold }

// apiResponse is the envelope of every Prometheus HTTP API response.
type apiResponse struct {
	Status    string   `json:"status"`
	ErrorType string   `json:"errorType"`
	Error     string   `json:"error"`
	Warnings  []string `json:"warnings"`
	Data      *struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	} `json:"data"`
}

type vectorSample struct {
	Metric    map[string]string `json:"metric"`
	Value     *sample           `json:"value"`
	Histogram json.RawMessage   `json:"histogram"`
}

// sample is [<unix time>, "<value>"].
type sample struct {
	Value float64
}

func (s *sample) UnmarshalJSON(b []byte) error {
	var pair []json.RawMessage
	if err := json.Unmarshal(b, &pair); err != nil {
		return err
	}
	if len(pair) != 2 {
		return fmt.Errorf("sample has %d elements, want [time, \"value\"]", len(pair))
	}
	var ts float64
	if err := json.Unmarshal(pair[0], &ts); err != nil {
		return fmt.Errorf("sample time: %w", err)
	}
	var v string
	if err := json.Unmarshal(pair[1], &v); err != nil {
		return fmt.Errorf("sample value is not a string: %w", err)
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return fmt.Errorf("sample value %q is not a number", httpcheck.Clip(v, 40))
	}
	s.Value = f
	return nil
}

// Evaluate runs the query once and returns one result.
func (c *Check) Evaluate(ctx context.Context) []checks.Result {
	now := time.Now
	if c.cfg.Now != nil {
		now = c.cfg.Now
	}
	at := now()
	r := checks.Result{Check: c.id, Threshold: c.threshold, At: at}
	errored := func(format string, args ...any) []checks.Result {
		r.Verdict = checks.Error
		r.Detail = httpcheck.Redact(fmt.Sprintf(format, args...)+"; query: "+c.query, c.cfg.Headers)
		return []checks.Result{r}
	}

	req := httpcheck.Request{Method: c.method, URL: c.endpoint, Headers: c.cfg.Headers, MaxBody: maxBody}
	if c.form != nil {
		req.Body, req.ContentType = c.form, "application/x-www-form-urlencoded"
	}
	resp, err := c.client.Do(ctx, req)
	if err != nil {
		return errored("%v", err)
	}

	var api apiResponse
	dec := json.NewDecoder(bytes.NewReader(resp.Body))
	perr := dec.Decode(&api)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		if perr == nil && api.Status == "error" {
			return errored("HTTP %d, %s", resp.StatusCode, c.apiError(api))
		}
		return errored("HTTP %d%s", resp.StatusCode, c.bodyNote(resp))
	}
	if perr != nil {
		if resp.Truncated {
			return errored("response larger than %d bytes", maxBody)
		}
		return errored("response is not Prometheus API JSON (%s)%s", httpcheck.Clip(perr.Error(), 80), c.bodyNote(resp))
	}
	switch api.Status {
	case "success":
	case "error":
		return errored("%s", c.apiError(api))
	default:
		return errored("unexpected response status %q%s", httpcheck.Clip(api.Status, 40), c.bodyNote(resp))
	}
	if api.Data == nil {
		return errored("response has no data%s", c.bodyNote(resp))
	}

	var v float64
	var labels string
	switch rt := api.Data.ResultType; rt {
	case "vector":
		var vec []vectorSample
		if err := json.Unmarshal(api.Data.Result, &vec); err != nil {
			return errored("bad vector result: %s", httpcheck.Clip(err.Error(), 80))
		}
		switch {
		case len(vec) == 0:
			r.Verdict = checks.Inconclusive
			r.Detail = c.withWarnings(fmt.Sprintf("query %s returned no series", c.query), api.Warnings)
			return []checks.Result{r}
		case len(vec) > 1:
			return errored("query returned %d series; aggregate it, e.g. with sum() or max() (series: %s)",
				len(vec), c.clip(seriesList(vec, 3)))
		}
		if vec[0].Value == nil {
			if len(vec[0].Histogram) > 0 {
				return errored("query returned a native histogram; query a number from it, e.g. with histogram_quantile()")
			}
			return errored("query returned a series without a value")
		}
		v, labels = vec[0].Value.Value, formatLabels(vec[0].Metric)
	case "scalar":
		var s sample
		if err := json.Unmarshal(api.Data.Result, &s); err != nil {
			return errored("bad scalar result: %s", httpcheck.Clip(err.Error(), 80))
		}
		v = s.Value
	case "matrix":
		return errored("query returned a range vector (matrix), which an instant threshold cannot judge; " +
			"drop the [range] selector or reduce it, e.g. with rate() or max_over_time()")
	default:
		return errored("query returned result type %q, which is not supported; the query must return an instant vector or a scalar", httpcheck.Clip(rt, 40))
	}

	subject := "query " + c.query
	if labels != "" && labels != "{}" {
		subject += " series " + c.clip(labels)
	}
	if math.IsNaN(v) {
		r.Verdict = checks.Inconclusive
		r.Detail = c.withWarnings(subject+" returned NaN (e.g. 0/0 when there was no traffic)", api.Warnings)
		return []checks.Result{r}
	}
	r.Value, r.HasValue = v, true
	r.Verdict = checks.Pass
	detail := subject + " returned " + c.show(v)
	verdict, crossed := (checks.Bounds{Min: c.cfg.Min, Max: c.cfg.Max}).Judge(v)
	r.Verdict, detail = verdict, detail+crossed
	r.Detail = c.withWarnings(detail, api.Warnings)
	return []checks.Result{r}
}

// show renders v with 6 significant digits, or exactly when rounding would
// make it look like it sits on the other side of a limit.
func (c *Check) show(v float64) string {
	s := strconv.FormatFloat(v, 'g', 6, 64)
	p, _ := strconv.ParseFloat(s, 64)
	for _, lim := range []*float64{c.cfg.Min, c.cfg.Max} {
		if lim != nil && (cmp(v, *lim) != cmp(p, *lim)) {
			return checks.FormatNumber(v)
		}
	}
	return s
}

func cmp(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (c *Check) withWarnings(detail string, warnings []string) string {
	if len(warnings) > 0 {
		detail += "; warnings: " + c.clip(strings.Join(warnings, "; "))
	}
	return httpcheck.Redact(detail, c.cfg.Headers)
}

// apiError renders an error payload: "Prometheus error bad_data: …".
func (c *Check) apiError(api apiResponse) string {
	s := "Prometheus error"
	if api.ErrorType != "" {
		s += " " + c.clip(api.ErrorType)
	}
	if api.Error != "" {
		s += ": " + c.clip(api.Error)
	}
	return s
}

// clip makes server-provided text safe and short for a Detail.
func (c *Check) clip(s string) string {
	return httpcheck.Clip(strings.Join(strings.Fields(httpcheck.Redact(s, c.cfg.Headers)), " "), 200)
}

func (c *Check) bodyNote(resp *httpcheck.Response) string {
	if len(resp.Body) == 0 {
		return ", empty body"
	}
	return "; body: " + httpcheck.Excerpt(resp.Body, c.cfg.Headers)
}

func seriesList(vec []vectorSample, n int) string {
	var parts []string
	for i, s := range vec {
		if i == n {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, formatLabels(s.Metric))
	}
	return strings.Join(parts, ", ")
}

// formatLabels renders a label set the way Prometheus does:
// name{a="1", b="2"}.
func formatLabels(m map[string]string) string {
	name := m["__name__"]
	keys := make([]string, 0, len(m))
	for k := range m {
		if k != "__name__" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + strconv.Quote(m[k])
	}
	return name + "{" + strings.Join(parts, ", ") + "}"
}

