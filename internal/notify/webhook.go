package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Headers every webhook request carries.
const (
	// SignatureHeader carries "sha256=" + hex(HMAC-SHA256(secret, body)),
	// present when a secret is configured.
	SignatureHeader = "X-Bluegreen-Signature-256"
	// EventHeader carries the event type.
	EventHeader = "X-Bluegreen-Event"
	// DeliveryHeader carries the event ID (the same on every attempt).
	DeliveryHeader = "X-Bluegreen-Delivery"
)

// Webhook defaults.
const (
	DefaultWebhookAttempts = 3
	DefaultAttemptTimeout  = 5 * time.Second
	webhookRetryWaitMin    = 200 * time.Millisecond
	webhookRetryWaitMax    = 2 * time.Second
)

// Sign returns the SignatureHeader value for body under secret.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether header (the SignatureHeader value) is the
// signature of body under secret, in constant time.
func Verify(secret, body []byte, header string) bool {
	got, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return false
	}
	sig, err := hex.DecodeString(got)
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return hmac.Equal(sig, m.Sum(nil))
}

// WebhookConfig configures a webhook target.
type WebhookConfig struct {
	URL string
	// Secret signs every body; "" sends no signature header.
	Secret string
	// Events are the event types sent; empty means all.
	Events []EventType
	// Attempts bounds the attempts per event (first try included); 0 means
	// DefaultWebhookAttempts.
	Attempts int
	// AttemptTimeout bounds one attempt; 0 means DefaultAttemptTimeout.
	AttemptTimeout time.Duration
	// UserAgent is sent as User-Agent.
	UserAgent string
}

// Webhook posts events to an HTTP(S) endpoint.
type Webhook struct {
	cfg    WebhookConfig
	name   string
	client *retryablehttp.Client
}

// NewWebhook validates cfg and builds the target.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("webhook URL %q must be an absolute http or https URL", cfg.URL)
	}
	if cfg.Attempts < 0 || cfg.AttemptTimeout < 0 {
		return nil, errors.New("webhook attempts and attempt timeout must not be negative")
	}
	if cfg.Attempts == 0 {
		cfg.Attempts = DefaultWebhookAttempts
	}
	if cfg.AttemptTimeout == 0 {
		cfg.AttemptTimeout = DefaultAttemptTimeout
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "terraform-provider-bluegreen"
	}
	for _, e := range cfg.Events {
		if !ValidEventType(string(e)) {
			return nil, fmt.Errorf("unknown event type %q", e)
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 2
	w := &Webhook{cfg: cfg, name: "webhook " + redactURL(u)}
	w.client = &retryablehttp.Client{
		HTTPClient: &http.Client{
			Transport: tr,
			Timeout:   cfg.AttemptTimeout,
			// A redirect is an answer, not a place to send the signed body.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		Logger:       nil, // retryablehttp's default logs every request to stderr
		RetryWaitMin: webhookRetryWaitMin,
		RetryWaitMax: webhookRetryWaitMax,
		RetryMax:     cfg.Attempts - 1,
		CheckRetry:   webhookRetryPolicy,
		Backoff:      retryablehttp.DefaultBackoff,
		ErrorHandler: func(resp *http.Response, err error, attempts int) (*http.Response, error) {
			if resp != nil {
				_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
				resp.Body.Close()
			}
			if err == nil && resp != nil {
				err = fmt.Errorf("HTTP %s", resp.Status)
			}
			return nil, fmt.Errorf("%w (after %d attempt(s))", err, attempts)
		},
	}
	return w, nil
}

// webhookRetryPolicy retries transport errors, 408, 429 and 5xx (not 501),
// and nothing once ctx is done.
func webhookRetryPolicy(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if resp != nil && resp.StatusCode == http.StatusRequestTimeout {
		return true, nil
	}
	return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
}

// redactURL drops credentials, query and fragment (they may hold tokens),
// and the path: Slack, Discord and Teams incoming webhooks carry their secret
// in it ("/services/T…/B…/<token>"). What is left names the receiver.
func redactURL(u *url.URL) string {
	c := *u
	c.User, c.RawQuery, c.Fragment, c.RawFragment = nil, "", "", ""
	path := c.EscapedPath()
	c.Path, c.RawPath = "", ""
	if path != "" && path != "/" {
		return c.String() + "/…"
	}
	return c.String() + path
}

// Name identifies the target in diagnostics, without secrets.
func (w *Webhook) Name() string { return w.name }

// Wants reports whether the webhook is configured for t.
func (w *Webhook) Wants(t EventType) bool { return wants(w.cfg.Events, t) }

func wants(list []EventType, t EventType) bool {
	if len(list) == 0 {
		return true
	}
	for _, e := range list {
		if e == t {
			return true
		}
	}
	return false
}

// Notify posts body. Success is any 2xx answer.
func (w *Webhook) Notify(ctx context.Context, e Event, body []byte) error {
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, w.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", w.cfg.UserAgent)
	req.Header.Set(EventHeader, string(e.Type))
	req.Header.Set(DeliveryHeader, e.ID)
	if w.cfg.Secret != "" {
		req.Header.Set(SignatureHeader, Sign([]byte(w.cfg.Secret), body))
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return scrub(err, w.cfg.URL, w.name)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("HTTP %s", resp.Status)
	}
	return nil
}

// scrub replaces the full URL (which may hold a token in its query) in an
// error's text by the redacted one.
func scrub(err error, full, redacted string) error {
	msg := err.Error()
	if strings.Contains(msg, full) {
		return errors.New(strings.ReplaceAll(msg, full, strings.TrimPrefix(redacted, "webhook ")))
	}
	return err
}
