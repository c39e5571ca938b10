package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsclient"
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
		return nil
	}}.ValidateString(ctx, req, resp)
}

// arnValidator checks the ARN shape and, when set, the service and resource prefix.
type arnValidator struct {
	service  string
	resource string // prefix of the resource part, e.g. "targetgroup/"
}

var arnPattern = regexp.MustCompile(`^arn:aws[a-z-]*:([a-z0-9-]+):([a-z0-9-]*):(\d{12})?:(.+)$`)

func (v arnValidator) Description(context.Context) string {
	if v.resource != "" {
		return fmt.Sprintf("must be an ARN of an %s %s", v.service, strings.TrimSuffix(v.resource, "/"))
	}
	return "must be an ARN"
}
func (v arnValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (v arnValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	stringCheck{check: func(s string) error { return checkARN(s, v.service, v.resource) }}.ValidateString(ctx, req, resp)
}

func checkARN(s, service, resource string) error {
	m := arnPattern.FindStringSubmatch(s)
	if m == nil {
		return fmt.Errorf("expected an ARN of the form arn:aws:%s:<region>:<account>:%s…", orAny(service), resource)
	}
	if service != "" && m[1] != service {
		return fmt.Errorf("expected an ARN of service %q, got %q", service, m[1])
	}
	if resource != "" && !strings.HasPrefix(m[4], resource) {
		return fmt.Errorf("expected a resource of the form %s…, got %q", resource, m[4])
	}
	return nil
}

func orAny(s string) string {
	if s == "" {
		return "<service>"
	}
	return s
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
	for k := range req.ConfigValue.Elements() {
		if strings.HasPrefix(k, "bluegreen:") || strings.HasPrefix(strings.ToLower(k), "aws:") {
			resp.Diagnostics.AddAttributeError(req.Path.AtMapKey(k), "Reserved tag key",
				fmt.Sprintf("Tag key %q is reserved: keys starting with bluegreen: are set by the provider and aws: by AWS.", k))
		}
		if len(k) == 0 || len(k) > 128 {
			resp.Diagnostics.AddAttributeError(req.Path.AtMapKey(k), "Invalid tag key",
				fmt.Sprintf("Tag key %q must be 1–128 characters long.", k))
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
