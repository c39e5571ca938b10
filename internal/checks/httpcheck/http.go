package httpcheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
)

// CheckName is the Name() of the check and the Check of its result ("http",
// or "http:<name>" when Config.Name is set).
const CheckName = "http"

// Config says what to request and what response passes.
type Config struct {
	// Name, if set, makes the result's Check "http:<name>" (to tell several
	// HTTP checks apart).
	Name string
	// URL is the absolute http or https URL to request.
	URL string
	// Method is the HTTP method (default GET). No request body is sent.
	Method string
	// Headers are sent with every request. They are SENSITIVE: never logged
	// and redacted from every Result field and error (also when a server
	// echoes them in its body).
	Headers map[string]string
	// ExpectStatus lists the passing status codes (default [200]).
	ExpectStatus []int
	// BodyRegex, if set, must match the body (RE2 syntax, Go regexp).
	BodyRegex string
	// JSONPath, if set, is a dotted path into the JSON body ("version",
	// "build.schema_version", "items.0.name"; an all-digit segment indexes an
	// array). The value found, rendered as text (strings as is, numbers as
	// written, true/false/null, objects and arrays as compact JSON), must
	// equal JSONValue. Both or neither must be set.
	JSONPath  string
	JSONValue string
	// Timeout bounds each attempt (default 5s).
	Timeout time.Duration
	// InsecureSkipVerify turns TLS verification off (default: verified).
	InsecureSkipVerify bool
	// CACertPEM adds trusted root certificates (PEM) to the system pool.
	CACertPEM string
	// Retries is how many times a transport error is retried within one
	// evaluation (nil: 2; 0: none). A response is never retried.
	Retries *int
	// RetryWaitMin / RetryWaitMax bound the backoff between retries
	// (defaults 100ms / 1s).
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration
	// Now stamps results; nil means time.Now.
	Now func() time.Time
}

// Check is an HTTP health check of one URL.
type Check struct {
	cfg       Config
	client    *Client
	method    string
	expect    []int
	re        *regexp.Regexp
	path      []string
	id        string
	threshold string
}

// New validates cfg and builds the check: URL absolute http/https, method an
// HTTP token, header names and values well-formed, status codes 100–599,
// BodyRegex compiling, JSONPath well-formed, CACertPEM parsing.
func New(cfg Config) (*Check, error) {
	if _, err := ValidateURL(cfg.URL); err != nil {
		return nil, fmt.Errorf("http check: %w", err)
	}
	method := cfg.Method
	if method == "" {
		method = http.MethodGet
	}
	if !IsToken(method) {
		return nil, fmt.Errorf("http check: method %q is not a valid HTTP method token", method)
	}
	if err := ValidateHeaders(cfg.Headers); err != nil {
		return nil, fmt.Errorf("http check: %w", err)
	}
	expect := slices.Clone(cfg.ExpectStatus)
	if len(expect) == 0 {
		expect = []int{http.StatusOK}
	}
	for _, s := range expect {
		if s < 100 || s > 599 {
			return nil, fmt.Errorf("http check: expect_status %d is not an HTTP status code (100-599)", s)
		}
	}
	c := &Check{cfg: cfg, method: method, expect: expect, id: CheckName}
	if cfg.Name != "" {
		c.id = CheckName + ":" + cfg.Name
	}
	if cfg.BodyRegex != "" {
		re, err := regexp.Compile(cfg.BodyRegex)
		if err != nil {
			return nil, fmt.Errorf("http check: body_regex does not compile: %w", err)
		}
		c.re = re
	}
	switch {
	case cfg.JSONPath != "" && cfg.JSONValue == "":
		return nil, errors.New("http check: json_value is required with json_path")
	case cfg.JSONPath == "" && cfg.JSONValue != "":
		return nil, errors.New("http check: json_path is required with json_value")
	case cfg.JSONPath != "":
		p, err := parsePath(cfg.JSONPath)
		if err != nil {
			return nil, fmt.Errorf("http check: %w", err)
		}
		c.path = p
	}
	if method == http.MethodHead && (c.re != nil || c.path != nil) {
		return nil, errors.New("http check: a HEAD response has no body to match body_regex or json_path against")
	}
	client, err := NewClient(ClientOptions{
		Timeout:            cfg.Timeout,
		Retries:            cfg.Retries,
		RetryWaitMin:       cfg.RetryWaitMin,
		RetryWaitMax:       cfg.RetryWaitMax,
		InsecureSkipVerify: cfg.InsecureSkipVerify,
		CACertPEM:          cfg.CACertPEM,
	})
	if err != nil {
		return nil, fmt.Errorf("http check: %w", err)
	}
	c.client = client

	th := []string{"status in " + formatCodes(expect)}
	if c.re != nil {
		th = append(th, "body matches /"+c.re.String()+"/")
	}
	if c.path != nil {
		th = append(th, fmt.Sprintf("json %s == %q", cfg.JSONPath, cfg.JSONValue))
	}
	c.threshold = strings.Join(th, ", ")
	return c, nil
}

// Name is "http".
func (c *Check) Name() string { return CheckName }

// Threshold is the human form of what passes, e.g. `status in [200], json
// version == "2.4.0"`.
func (c *Check) Threshold() string { return c.threshold }

// Evaluate makes one request (retrying transport errors) and returns one
// result: Value is the status code. Error when no response was obtained; Fail
// on an unexpected status or, with an expected status, a body that does not
// match; Pass otherwise.
func (c *Check) Evaluate(ctx context.Context) []checks.Result {
	now := time.Now
	if c.cfg.Now != nil {
		now = c.cfg.Now
	}
	at := now()
	resp, err := c.client.Do(ctx, Request{Method: c.method, URL: c.cfg.URL, Headers: c.cfg.Headers})
	if err != nil {
		return []checks.Result{checks.Errored(c.id, at, c.threshold, err)}
	}
	r := checks.Result{
		Check: c.id, Verdict: checks.Pass, Value: float64(resp.StatusCode), HasValue: true,
		Threshold: c.threshold, At: at,
	}
	var findings []string
	fail := func(s string) {
		r.Verdict = checks.Fail
		findings = append(findings, s)
	}
	if !slices.Contains(c.expect, resp.StatusCode) {
		fail("status not in " + formatCodes(c.expect))
	} else {
		if c.re != nil {
			if c.re.Match(resp.Body) {
				findings = append(findings, "body matches /"+c.re.String()+"/")
			} else {
				fail("body does not match /" + c.re.String() + "/")
			}
		}
		if c.path != nil {
			// Only what the configuration says is shown: never a value
			// read from the body (it may echo a sensitive header).
			got, err := lookup(resp.Body, resp.Truncated, c.path)
			switch {
			case err != nil:
				fail(err.Error())
			case got != c.cfg.JSONValue:
				fail(fmt.Sprintf("json %s is not %q", c.cfg.JSONPath, c.cfg.JSONValue))
			default:
				findings = append(findings, fmt.Sprintf("json %s == %q", c.cfg.JSONPath, c.cfg.JSONValue))
			}
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "status %d, %d ms", resp.StatusCode, resp.Latency.Milliseconds())
	if resp.Attempts > 1 {
		fmt.Fprintf(&b, " (attempt %d)", resp.Attempts)
	}
	if len(findings) > 0 {
		b.WriteString(": " + strings.Join(findings, "; "))
	}
	// No content of the response body is ever put in a result (results
	// reach state, plans and logs): its size only.
	switch {
	case len(resp.Body) == 0:
		b.WriteString("; empty body")
	case resp.Truncated:
		fmt.Fprintf(&b, "; body over %d bytes, only the first %d read", DefaultMaxBody, DefaultMaxBody)
	default:
		fmt.Fprintf(&b, "; body %d bytes", len(resp.Body))
	}
	r.Detail = b.String()
	return []checks.Result{r}
}

func formatCodes(codes []int) string {
	s := make([]string, len(codes))
	for i, c := range codes {
		s[i] = strconv.Itoa(c)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// parsePath splits a dotted JSON path. A leading "$." or "." is accepted.
func parsePath(p string) ([]string, error) {
	q := strings.TrimPrefix(strings.TrimPrefix(p, "$"), ".")
	if q == "" {
		return nil, fmt.Errorf("json_path %q is empty", p)
	}
	segs := strings.Split(q, ".")
	for _, s := range segs {
		if s == "" {
			return nil, fmt.Errorf("json_path %q has an empty segment (use dots between keys, e.g. build.version or items.0.name)", p)
		}
	}
	return segs, nil
}

// lookup decodes body and walks path, returning the value as text.
func lookup(body []byte, truncated bool, path []string) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if truncated {
			return "", fmt.Errorf("body is larger than %d bytes; cannot read json path %s", DefaultMaxBody, strings.Join(path, "."))
		}
		// The decoder's message quotes the body: not shown.
		return "", errors.New("body is not JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", errors.New("body is not JSON (data after the JSON value)")
	}
	for i, seg := range path {
		at := strings.Join(path[:i], ".")
		if at == "" {
			at = "the top level"
		}
		switch cur := v.(type) {
		case map[string]any:
			next, ok := cur[seg]
			if !ok {
				return "", fmt.Errorf("json path %s: no key %q at %s", strings.Join(path, "."), seg, at)
			}
			v = next
		case []any:
			n, err := strconv.Atoi(seg)
			if err != nil || n < 0 {
				return "", fmt.Errorf("json path %s: %s is an array; %q is not an index", strings.Join(path, "."), at, seg)
			}
			if n >= len(cur) {
				return "", fmt.Errorf("json path %s: index %d out of range at %s (%d items)", strings.Join(path, "."), n, at, len(cur))
			}
			v = cur[n]
		default:
			return "", fmt.Errorf("json path %s: %s is %s, not an object or array", strings.Join(path, "."), at, jsonKind(cur))
		}
	}
	switch t := v.(type) {
	case string:
		return t, nil
	case json.Number:
		return t.String(), nil
	case bool:
		return strconv.FormatBool(t), nil
	case nil:
		return "null", nil
	default:
		b, err := json.Marshal(t)
		if err != nil {
			return "", err
		}
		return string(b), nil
	}
}

func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("%T", v)
}
