package httpcheck

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Defaults of ClientOptions (and of the checks built on it).
const (
	DefaultTimeout      = 5 * time.Second
	DefaultRetries      = 2
	DefaultRetryWaitMin = 100 * time.Millisecond
	DefaultRetryWaitMax = time.Second
	// DefaultMaxBody is how much of a response body is read (1 MiB).
	DefaultMaxBody = 1 << 20
	// ExcerptBytes bounds the body excerpt shown in a Detail.
	ExcerptBytes = 120
)

// userAgent is sent unless the caller sets a User-Agent header.
const userAgent = "terraform-provider-bluegreen-healthcheck"

// maxRedirects matches net/http's default policy.
const maxRedirects = 10

// ClientOptions configures NewClient. The zero value is usable: 5s per
// attempt, 2 retries of transport errors, 100ms–1s backoff, TLS verified
// against the system roots.
type ClientOptions struct {
	// Timeout bounds each attempt (connect, TLS, headers and body); default 5s.
	Timeout time.Duration
	// Retries is how many times a transport error (refused, reset, timeout,
	// EOF) is retried within one Do; nil means 2, 0 disables retries. A
	// response — whatever its status — is never retried.
	Retries *int
	// RetryWaitMin and RetryWaitMax bound the exponential backoff between
	// retries (defaults 100ms and 1s).
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration
	// InsecureSkipVerify turns TLS certificate verification off.
	InsecureSkipVerify bool
	// CACertPEM holds extra trusted root certificates (PEM), added to the
	// system pool.
	CACertPEM string
}

// Client is the retrying HTTP client the HTTP-based checks share: a
// go-retryablehttp client that retries transport errors only, never logs,
// and follows redirects only within the same origin (scheme, host and port),
// so header values are never forwarded to another host.
type Client struct {
	rc      *retryablehttp.Client
	timeout time.Duration
	retries int
}

// NewClient validates opts and builds a client. It fails on a negative
// duration or retry count, RetryWaitMin > RetryWaitMax, or CACertPEM holding
// no parseable certificate.
func NewClient(opts ClientOptions) (*Client, error) {
	if opts.Timeout < 0 {
		return nil, fmt.Errorf("timeout %s must not be negative", opts.Timeout)
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	retries := DefaultRetries
	if opts.Retries != nil {
		retries = *opts.Retries
	}
	if retries < 0 {
		return nil, fmt.Errorf("retries %d must not be negative", retries)
	}
	if opts.RetryWaitMin < 0 || opts.RetryWaitMax < 0 {
		return nil, fmt.Errorf("retry waits must not be negative")
	}
	if opts.RetryWaitMin == 0 {
		opts.RetryWaitMin = DefaultRetryWaitMin
	}
	if opts.RetryWaitMax == 0 {
		opts.RetryWaitMax = max(DefaultRetryWaitMax, opts.RetryWaitMin)
	}
	if opts.RetryWaitMin > opts.RetryWaitMax {
		return nil, fmt.Errorf("retry_wait_min %s is greater than retry_wait_max %s", opts.RetryWaitMin, opts.RetryWaitMax)
	}

	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: opts.InsecureSkipVerify}
	if strings.TrimSpace(opts.CACertPEM) != "" {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM([]byte(opts.CACertPEM)) {
			return nil, errors.New("ca_cert_pem: no valid PEM-encoded certificate found")
		}
		tlsCfg.RootCAs = pool
	}

	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tlsCfg
	tr.MaxIdleConnsPerHost = 2

	rc := &retryablehttp.Client{
		HTTPClient: &http.Client{
			Transport:     tr,
			Timeout:       opts.Timeout,
			CheckRedirect: sameOriginRedirects,
		},
		// No logger: retryablehttp's default logs every request to stderr.
		Logger:         nil,
		RetryWaitMin:   opts.RetryWaitMin,
		RetryWaitMax:   opts.RetryWaitMax,
		RetryMax:       retries,
		CheckRetry:     TransportOnlyRetryPolicy,
		Backoff:        retryablehttp.DefaultBackoff,
		ErrorHandler:   keepAttempts,
		RequestLogHook: markAttempt,
	}
	return &Client{rc: rc, timeout: opts.Timeout, retries: retries}, nil
}

// Timeout is the effective per-attempt timeout.
func (c *Client) Timeout() time.Duration { return c.timeout }

// Retries is the effective number of retries of transport errors.
func (c *Client) Retries() int { return c.retries }

// TransportOnlyRetryPolicy is a retryablehttp.CheckRetry that retries
// transport errors (refused, reset, EOF, per-attempt timeout) but never a
// response, whatever its status: a 503 is a measurement, not a glitch. It
// does not retry when the caller's context is done, nor errors that cannot
// heal (certificate verification, bad scheme, too many redirects).
func TransportOnlyRetryPolicy(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err == nil {
		return false, nil
	}
	return retryablehttp.ErrorPropagatedRetryPolicy(ctx, resp, err)
}

func sameOriginRedirects(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	first := via[0].URL
	if req.URL.Scheme != first.Scheme || req.URL.Host != first.Host {
		// Judge the redirect response itself rather than carry the
		// (sensitive) headers to another origin.
		return http.ErrUseLastResponse
	}
	return nil
}

// attemptsError carries how many attempts were made.
type attemptsError struct {
	attempts int
	err      error
}

func (e *attemptsError) Error() string { return e.err.Error() }
func (e *attemptsError) Unwrap() error { return e.err }

func keepAttempts(resp *http.Response, err error, numTries int) (*http.Response, error) {
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err == nil {
		err = errors.New("request failed")
	}
	return nil, &attemptsError{attempts: numTries, err: err}
}

type attemptKey struct{}

// attemptState records, per Do, when the latest attempt started and how many
// were made (written by the request hook, read after Do returns).
type attemptState struct {
	start atomic.Pointer[time.Time]
	n     atomic.Int32
}

func markAttempt(_ retryablehttp.Logger, req *http.Request, _ int) {
	if st, ok := req.Context().Value(attemptKey{}).(*attemptState); ok {
		now := time.Now()
		st.start.Store(&now)
		st.n.Add(1)
	}
}

// Request is one HTTP request made by Do.
type Request struct {
	Method string // default GET
	URL    string
	// Headers are sent as given (a "Host" entry sets the Host). Their values
	// are treated as secrets: they are redacted from errors Do returns.
	Headers map[string]string
	// Body and ContentType, if set, are sent with the request (rewound for
	// each attempt).
	Body        []byte
	ContentType string
	// MaxBody bounds how much of the response body is read (default 1 MiB).
	MaxBody int64
}

// Response is what Do read.
type Response struct {
	StatusCode int
	Header     http.Header
	// Body holds at most MaxBody bytes; Truncated says more were available.
	Body      []byte
	Truncated bool
	// Latency is from the start of the final attempt to the end of the body.
	Latency time.Duration
	// Attempts is how many attempts were made (1 without retries).
	Attempts int
}

// Do sends req, retrying transport errors, and reads the response body. An
// error means no complete response was obtained; its message names the
// method, the URL without userinfo or query, the cause and the number of
// attempts, and never contains a header value.
func (c *Client) Do(ctx context.Context, req Request) (*Response, error) {
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	st := &attemptState{}
	ctx = context.WithValue(ctx, attemptKey{}, st)
	var body any
	if req.Body != nil {
		body = req.Body
	}
	rr, err := retryablehttp.NewRequestWithContext(ctx, method, req.URL, body)
	if err != nil {
		return nil, c.describe(ctx, method, req, 0, "", err)
	}
	rr.Header.Set("User-Agent", userAgent)
	if req.ContentType != "" {
		rr.Header.Set("Content-Type", req.ContentType)
	}
	for k, v := range req.Headers {
		if http.CanonicalHeaderKey(k) == "Host" {
			rr.Host = v
			continue
		}
		rr.Header.Set(k, v)
	}

	resp, err := c.rc.Do(rr)
	attempts := int(st.n.Load())
	if err != nil {
		var ae *attemptsError
		if errors.As(err, &ae) {
			attempts = ae.attempts
		}
		return nil, c.describe(ctx, method, req, attempts, "", err)
	}
	defer resp.Body.Close()

	limit := req.MaxBody
	if limit <= 0 {
		limit = DefaultMaxBody
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, c.describe(ctx, method, req, attempts, fmt.Sprintf("reading response body (status %d): ", resp.StatusCode), err)
	}
	out := &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: b, Attempts: max(attempts, 1)}
	if int64(len(b)) > limit {
		out.Body, out.Truncated = b[:limit], true
	}
	if start := st.start.Load(); start != nil {
		out.Latency = time.Since(*start)
	}
	return out, nil
}

// describe turns a transport error into a message fit for a Result Detail.
// ctx is the caller's context: when it ended, that is the cause, not the
// per-attempt timeout.
func (c *Client) describe(ctx context.Context, method string, req Request, attempts int, stage string, err error) error {
	cause := err
	var ue *url.Error
	if errors.As(err, &ue) {
		cause = ue.Err
	}
	var msg string
	var ne net.Error
	switch {
	case ctx.Err() != nil:
		msg = "evaluation cancelled: " + context.Cause(ctx).Error()
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		msg = fmt.Sprintf("timed out (timeout %s per attempt)", c.timeout)
		if s := cause.Error(); !strings.Contains(s, "context deadline exceeded") {
			msg += ": " + s
		}
	default:
		msg = cause.Error()
	}
	s := fmt.Sprintf("%s %s: %s%s", method, SafeURL(req.URL), stage, msg)
	if attempts > 1 {
		s += fmt.Sprintf(" (after %d attempts)", attempts)
	}
	return errors.New(Redact(s, req.Headers))
}

// SafeURL renders raw without userinfo, query or fragment (they may carry
// credentials); unparseable input renders as "<invalid URL>".
func SafeURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<invalid URL>"
	}
	v := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	return v.String()
}

// ValidateURL checks that raw is an absolute http or https URL with a host.
func ValidateURL(raw string) (*url.URL, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, errors.New("url is required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("url %s does not parse", SafeURL(raw))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("url %s must be absolute with scheme http or https", SafeURL(raw))
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("url %s has no host", SafeURL(raw))
	}
	return u, nil
}

// ValidateHeaders checks header names (HTTP tokens) and values (no control
// characters). Errors name the header, never its value.
func ValidateHeaders(h map[string]string) error {
	for k, v := range h {
		if !IsToken(k) {
			return fmt.Errorf("header name %q is not a valid HTTP token", k)
		}
		for i := 0; i < len(v); i++ {
			if b := v[i]; (b < 0x20 && b != '\t') || b == 0x7f {
				return fmt.Errorf("header %q has an invalid value (control character; value not shown)", k)
			}
		}
	}
	return nil
}

// IsToken reports whether s is a non-empty RFC 9110 token (method and header
// names).
func IsToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		switch {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0:
		default:
			return false
		}
	}
	return true
}

const redacted = "[redacted]"

// minFieldSecret is the shortest whitespace-separated part of a header value
// redacted on its own (the "abc…" of "Bearer abc…").
const minFieldSecret = 8

// secretsOf lists the strings to redact for headers: each value, its JSON
// string escaping and, for values with spaces, each long part.
func secretsOf(headers map[string]string) []string {
	var out []string
	for _, v := range headers {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		out = append(out, v)
		if q := jsonEscape(v); q != v {
			out = append(out, q)
		}
		if f := strings.Fields(v); len(f) > 1 {
			for _, p := range f {
				if len(p) >= minFieldSecret {
					out = append(out, p)
				}
			}
		}
	}
	// Longest first so a value containing another is replaced whole.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && len(out[j]) > len(out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func jsonEscape(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '<' || r == '>' || r == '&' || r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Redact replaces every header value in headers (and, for values such as
// "Bearer <token>", their long parts) found in s with "[redacted]". Use it on
// any text that came from the server or the network before showing it.
func Redact(s string, headers map[string]string) string {
	for _, sec := range secretsOf(headers) {
		s = strings.ReplaceAll(s, sec, redacted)
	}
	return s
}

// Excerpt renders the start of body for a Detail: header values redacted,
// whitespace and control characters collapsed to single spaces, invalid
// UTF-8 replaced, at most ExcerptBytes bytes (ending in "…" when cut).
func Excerpt(body []byte, headers map[string]string) string {
	// Redact before cutting so a secret cannot survive half-cut; a window
	// much larger than the excerpt leaves room for collapsed whitespace.
	const window = 16 << 10
	if len(body) > window {
		body = body[:window]
	}
	s := strings.ToValidUTF8(string(body), "\uFFFD")
	s = Redact(s, headers)
	var b strings.Builder
	space := false
	for _, r := range s {
		if r <= ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
		if b.Len() > ExcerptBytes*2 {
			break
		}
	}
	return Clip(b.String(), ExcerptBytes)
}

// Clip shortens s to at most n bytes on a rune boundary, ending in "…" when
// cut.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ell = "…"
	cut := n - len(ell)
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ell
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
