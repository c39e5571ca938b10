package provider

import (
	"context"
	"crypto/x509"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsarn"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsclient"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/httpcheck"
)

// stringCheck adapts a func(value) error into a framework string validator
// that reports on the attribute, skipping null and unknown values (checked
// again at apply time when they become known).
type stringCheck struct {
	desc  string
	check func(string) error
}

func (v stringCheck) Description(context.Context) string         { return v.desc }
func (v stringCheck) MarkdownDescription(context.Context) string { return v.desc }
func (v stringCheck) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+lastStep(req.Path.String()),
			fmt.Sprintf("Attribute %s value %q is not valid: %s.", req.Path, req.ConfigValue.ValueString(), err))
	}
}

func lastStep(p string) string {
	if i := strings.LastIndex(p, "."); i >= 0 {
		p = p[i+1:]
	}
	return strings.ReplaceAll(p, "_", " ")
}

type regionValidator struct{}

func (regionValidator) Description(context.Context) string { return "must be an AWS region name" }
func (v regionValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}
func (regionValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	stringCheck{check: func(s string) error {
		if !awsclient.ValidRegion(s) {
			return fmt.Errorf("expected an AWS region name such as us-east-1 or eu-central-2")
		}
		return nil
	}}.ValidateString(ctx, req, resp)
}

type urlValidator struct{}

func (urlValidator) Description(context.Context) string { return "must be an http(s) URL" }
func (v urlValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}
func (urlValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	stringCheck{check: func(s string) error {
		if err := awsclient.ValidEndpoint(s); err != nil {
			return fmt.Errorf("expected an absolute http:// or https:// URL (%v)", err)
		}
		// "http://:8080" has a port but no host name.
		if u, _ := url.Parse(s); u.Hostname() == "" {
			return fmt.Errorf("expected an absolute http:// or https:// URL with a host name, e.g. http://127.0.0.1:8080/health")
		}
		return nil
	}}.ValidateString(ctx, req, resp)
}

// arnValidator checks the ARN shape and, when set, the service and resource prefix.
type arnValidator struct {
	service  string
	resource string // prefix of the resource part, e.g. "targetgroup/"
}

func (v arnValidator) Description(context.Context) string {
	if v.resource != "" {
		return fmt.Sprintf("must be an ARN of an %s %s", v.service, strings.TrimSuffix(v.resource, "/"))
	}
	return "must be an ARN"
}
func (v arnValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (v arnValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	stringCheck{check: func(s string) error { return awsarn.Check(s, v.service, v.resource) }}.ValidateString(ctx, req, resp)
}

type sessionNameValidator struct{}

var sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

func (sessionNameValidator) Description(context.Context) string {
	return "2–64 characters of letters, digits and +=,.@_-"
}
func (v sessionNameValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}
func (v sessionNameValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	stringCheck{check: func(s string) error {
		if !sessionNamePattern.MatchString(s) {
			return fmt.Errorf("expected %s", v.Description(ctx))
		}
		return nil
	}}.ValidateString(ctx, req, resp)
}

// durationValidator checks a Go duration string against an inclusive range
// (a zero bound is not checked).
type durationValidator struct{ min, max time.Duration }

func (v durationValidator) Description(context.Context) string {
	switch {
	case v.min > 0 && v.max > 0:
		return fmt.Sprintf("a Go duration string between %s and %s", v.min, v.max)
	case v.max > 0:
		return fmt.Sprintf("a Go duration string of at most %s", v.max)
	case v.min > 0:
		return fmt.Sprintf("a Go duration string of at least %s", v.min)
	}
	return "a Go duration string such as 30s or 5m"
}
func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (v durationValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	stringCheck{check: func(s string) error {
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("expected a Go duration string such as \"30s\", \"5m\" or \"1h30m\"")
		}
		if d < 0 || (v.min > 0 && d < v.min) || (v.max > 0 && d > v.max) {
			return fmt.Errorf("expected %s, got %s", v.Description(ctx), d)
		}
		return nil
	}}.ValidateString(ctx, req, resp)
}

// wholeSecondsValidator checks a duration string that AWS takes in whole
// seconds, within [min, max] (or exactly zero when allowZero).
type wholeSecondsValidator struct {
	min, max  time.Duration
	allowZero bool
}

func (v wholeSecondsValidator) Description(context.Context) string {
	s := fmt.Sprintf("whole seconds from %s to %s", v.min, v.max)
	if v.allowZero {
		s = "0s or " + s
	}
	return s
}
func (v wholeSecondsValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}
func (v wholeSecondsValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	stringCheck{check: func(s string) error {
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("expected a Go duration string such as \"30s\" or \"5m\"")
		}
		if d%time.Second != 0 {
			return fmt.Errorf("expected whole seconds, got %s", d)
		}
		if v.allowZero && d == 0 {
			return nil
		}
		if d < v.min || d > v.max {
			return fmt.Errorf("expected %s, got %s", v.Description(ctx), d)
		}
		return nil
	}}.ValidateString(ctx, req, resp)
}

// reservedTagKeys rejects tag keys the provider manages itself, and keys AWS reserves.
type reservedTagKeys struct{}

func (reservedTagKeys) Description(context.Context) string {
	return "tag keys must not start with bluegreen: or aws:"
}
func (v reservedTagKeys) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (reservedTagKeys) ValidateMap(_ context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	validateAWSTags(req.Path, req.ConfigValue, &resp.Diagnostics) // tag_validators.go
	for k := range req.ConfigValue.Elements() {
		if strings.HasPrefix(k, "bluegreen:") || strings.HasPrefix(strings.ToLower(k), "aws:") {
			resp.Diagnostics.AddAttributeError(req.Path.AtMapKey(k), "Reserved tag key",
				fmt.Sprintf("Tag key %q is reserved: keys starting with bluegreen: are set by the provider and aws: by AWS.", k))
		}
	}
}

// regexValidator checks that a string compiles as a Go (RE2) regular expression.
type regexValidator struct{}

func (regexValidator) Description(context.Context) string {
	return "must be a valid RE2 regular expression"
}
func (v regexValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (regexValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	stringCheck{check: func(s string) error {
		if _, err := regexp.Compile(s); err != nil {
			return fmt.Errorf("not a valid regular expression (RE2 syntax): %v", err)
		}
		return nil
	}}.ValidateString(ctx, req, resp)
}

// externalIDValidator checks an STS external ID: 2–1224 characters of
// letters, digits and +=,.@:/-.
type externalIDValidator struct{}

var externalIDPattern = regexp.MustCompile(`^[\w+=,.@:/-]+$`) // and 2–1224 long (RE2 caps {n,m} at 1000)

func (externalIDValidator) Description(context.Context) string {
	return "2–1224 characters of letters, digits and +=,.@:/_-"
}
func (v externalIDValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}
func (v externalIDValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	stringCheck{check: func(s string) error {
		if len(s) < 2 || len(s) > 1224 || !externalIDPattern.MatchString(s) {
			return fmt.Errorf("expected %s", v.Description(ctx))
		}
		return nil
	}}.ValidateString(ctx, req, resp)
}

// matcherCodesValidator checks the codes of a well-formed health check
// matcher ("200", "200,202", "200-299"): each from 200 to 499, ranges
// ascending. The syntax itself is checked by a regex validator.
type matcherCodesValidator struct{}

func (matcherCodesValidator) Description(context.Context) string {
	return "HTTP codes from 200 to 499; a range low-high must be ascending"
}
func (v matcherCodesValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}
func (v matcherCodesValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if !matcherPattern.MatchString(req.ConfigValue.ValueString()) {
		return // reported by the regex validator
	}
	stringCheck{check: func(s string) error {
		for _, part := range strings.Split(s, ",") {
			lo, hi, isRange := strings.Cut(part, "-")
			if !isRange {
				hi = lo
			}
			a, _ := strconv.Atoi(lo)
			b, _ := strconv.Atoi(hi)
			if a < 200 || a > 499 || b < 200 || b > 499 {
				return fmt.Errorf("%s is out of range: an ALB health check matcher takes HTTP codes from 200 to 499", part)
			}
			if a > b {
				return fmt.Errorf("the range %s is reversed: write it low-high, e.g. %d-%d", part, b, a)
			}
		}
		return nil
	}}.ValidateString(ctx, req, resp)
}

// nonBlankValidator rejects empty and whitespace-only strings.
type nonBlankValidator struct{ what string }

func (v nonBlankValidator) Description(context.Context) string {
	return "must be a non-blank " + v.what
}
func (v nonBlankValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (v nonBlankValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	stringCheck{check: func(s string) error {
		if strings.TrimSpace(s) == "" {
			return fmt.Errorf("expected a non-blank %s", v.what)
		}
		return nil
	}}.ValidateString(ctx, req, resp)
}

// jsonPathValidator checks the dotted JSON path of an http check
// ("version", "build.version", "items.0.name"; a leading "$." is allowed).
type jsonPathValidator struct{}

func (jsonPathValidator) Description(context.Context) string {
	return "a dotted path of keys and list indexes such as build.version or items.0.name"
}
func (v jsonPathValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (v jsonPathValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	stringCheck{check: func(s string) error {
		q := strings.TrimPrefix(strings.TrimPrefix(s, "$"), ".")
		if q == "" || slices.Contains(strings.Split(q, "."), "") {
			return fmt.Errorf("expected %s, without empty segments", v.Description(ctx))
		}
		return nil
	}}.ValidateString(ctx, req, resp)
}

// pemCertificatesValidator checks that a string holds at least one
// PEM-encoded X.509 certificate.
type pemCertificatesValidator struct{}

func (pemCertificatesValidator) Description(context.Context) string {
	return "one or more PEM-encoded X.509 certificates (-----BEGIN CERTIFICATE-----)"
}
func (v pemCertificatesValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}
func (v pemCertificatesValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	// Not stringCheck: the value is not repeated in the detail.
	if !x509.NewCertPool().AppendCertsFromPEM([]byte(req.ConfigValue.ValueString())) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+lastStep(req.Path.String()),
			fmt.Sprintf("Attribute %s holds no valid certificate: expected %s.", req.Path, v.Description(ctx)))
	}
}

// headersValidator checks request header names (HTTP tokens) and values (no
// control characters). Values are never shown: headers are sensitive.
type headersValidator struct{}

func (headersValidator) Description(context.Context) string {
	return "header names must be HTTP tokens (letters, digits and !#$%&'*+-.^_`|~) and values must not contain control characters"
}
func (v headersValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (headersValidator) ValidateMap(_ context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	validateNoNullValues(req.Path, req.ConfigValue, "header", &resp.Diagnostics) // tag_validators.go
	for k, e := range req.ConfigValue.Elements() {
		if !httpcheck.IsToken(k) {
			resp.Diagnostics.AddAttributeError(req.Path, "Invalid header name",
				fmt.Sprintf("Attribute %s: header name %q is not a valid HTTP header name: use letters, digits and !#$%%&'*+-.^_`|~, "+
					"without spaces or colons (e.g. Authorization, X-Scope-OrgID).", req.Path, k))
			continue
		}
		if s, ok := e.(types.String); ok && known(s) {
			if err := httpcheck.ValidateHeaders(map[string]string{k: s.ValueString()}); err != nil {
				resp.Diagnostics.AddAttributeError(req.Path, "Invalid header value",
					fmt.Sprintf("Attribute %s: the value of header %q contains a control character (value not shown); "+
						"header values may contain printable characters and tabs only.", req.Path, k))
			}
		}
	}
}
