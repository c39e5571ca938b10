package provider

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsarn"
)

// These fuzz targets are plain unit tests: they call the validators directly
// and need neither TF_ACC nor a Terraform CLI. Run one with e.g.
//
//	go test -run '^$' -fuzz '^FuzzDurationValidators$' -fuzztime 20s ./internal/provider

// fuzzDurationValidators are the durationValidator configurations the schemas use.
var fuzzDurationValidators = []durationValidator{
	{},
	{min: time.Second, max: time.Hour},
	{min: 100 * time.Millisecond, max: 5 * time.Minute},
	{min: time.Millisecond},
	{min: time.Minute, max: time.Hour},
	{min: 15 * time.Minute, max: 12 * time.Hour},
	{max: time.Minute},
}

// fuzzWholeSecondsValidators are the wholeSecondsValidator configurations the schemas use.
var fuzzWholeSecondsValidators = []wholeSecondsValidator{
	{min: time.Second, max: 604800 * time.Second},
	{min: 5 * time.Second, max: 300 * time.Second},
	{min: 2 * time.Second, max: 120 * time.Second},
	{max: 3600 * time.Second},
	{min: 30 * time.Second, max: 900 * time.Second, allowZero: true},
}

// fuzzPaths are the attribute paths the validators are called with: the
// root "x" and a nested one (whose summary uses only the last step).
var fuzzPaths = []path.Path{
	path.Root("x"),
	path.Root("strategy").AtName("step_interval"),
}

// validateFuzzString runs v on s at p and checks the diagnostics' shape:
// at most one, an attribute error on p whose detail names p. It reports
// whether the value was accepted.
func validateFuzzString(t *testing.T, v validator.String, p path.Path, s string) bool {
	t.Helper()
	req := validator.StringRequest{Path: p, PathExpression: p.Expression(), ConfigValue: types.StringValue(s)}
	var resp validator.StringResponse
	v.ValidateString(context.Background(), req, &resp)
	diags := resp.Diagnostics
	if len(diags) == 0 {
		return true
	}
	if len(diags) != 1 || diags.ErrorsCount() != 1 {
		t.Fatalf("%T on %q: want one error diagnostic, got %v", v, s, diags)
	}
	d := diags[0]
	wp, ok := d.(diag.DiagnosticWithPath)
	if !ok || !wp.Path().Equal(p) {
		t.Fatalf("%T on %q: diagnostic %v is not an attribute error on %s", v, s, d, p)
	}
	if d.Summary() == "" {
		t.Fatalf("%T on %q: empty summary", v, s)
	}
	if want := "Attribute " + p.String() + " "; !strings.HasPrefix(d.Detail(), want) {
		t.Fatalf("%T on %q: detail %q does not name the attribute (want prefix %q)", v, s, d.Detail(), want)
	}
	return false
}

// FuzzDurationValidators feeds arbitrary strings to durationValidator and
// wholeSecondsValidator and checks that a value is accepted exactly when
// time.ParseDuration accepts it and it is within the validator's range
// (and whole seconds, for wholeSecondsValidator).
func FuzzDurationValidators(f *testing.F) {
	for _, s := range []string{
		"", "0", "0s", "30s", "5m", "1h30m", "1h", "12h", "12h0m1s", "15m", "14m59s",
		"100ms", "99ms", "1ms", "999us", "1.5s", "1.000000001s", "-1s", "-0s", "+5s",
		"1s", "604800s", "604801s", "168h", "3600s", "3601s", "29s", "30s", "900s",
		"2562047h47m16.854775807s", "2562047h47m16.854775808s", "9223372036854775807ns",
		"1e3s", ".5s", "5.s", "1h-1m", " 5s", "5s ", "5 s", "5S", "1d", "\x00", "5\u00b5s", "5μs",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, perr := time.ParseDuration(s)
		for _, p := range fuzzPaths {
			for _, v := range fuzzDurationValidators {
				want := perr == nil && d >= 0 && (v.min <= 0 || d >= v.min) && (v.max <= 0 || d <= v.max)
				if got := validateFuzzString(t, v, p, s); got != want {
					t.Fatalf("durationValidator%+v on %q (parsed %v, %v): accepted=%v, want %v", v, s, d, perr, got, want)
				}
			}
			for _, v := range fuzzWholeSecondsValidators {
				want := perr == nil && d%time.Second == 0 && ((v.allowZero && d == 0) || (d >= v.min && d <= v.max))
				if got := validateFuzzString(t, v, p, s); got != want {
					t.Fatalf("wholeSecondsValidator%+v on %q (parsed %v, %v): accepted=%v, want %v", v, s, d, perr, got, want)
				}
			}
		}
	})
}

// fuzzARNKinds are the (service, resource prefix) pairs awsarn.Check is called with.
var fuzzARNKinds = []struct{ service, resource string }{
	{"", ""},
	{"iam", ""},
	{"elasticloadbalancing", "targetgroup/"},
	{"elasticloadbalancing", "loadbalancer/app/"},
	{"elasticloadbalancing", "listener/app/"},
	{"elasticloadbalancing", "listener-rule/app/"},
}

// FuzzCheckARN feeds arbitrary strings to awsarn.Check (and arnValidator): no
// panic, accepted values are ARNs ("arn:<partition>:<service>:<region>:<account>:<resource>")
// of the requested service and resource prefix, and the validator agrees
// with awsarn.Check.
func FuzzCheckARN(f *testing.F) {
	for _, s := range []string{
		"",
		"arn:",
		"arn:aws:iam::123456789012:role/deploy",
		"arn:aws-us-gov:iam::123456789012:role/deploy",
		"arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/0123456789abcdef",
		"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/alb/0123456789abcdef",
		"arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/alb/0123456789abcdef/fedcba9876543210",
		"arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/alb/0123456789abcdef/fedcba9876543210/0011223344556677",
		"arn:aws:elasticloadbalancing:us-east-1:12345678901:targetgroup/blue/1",
		"arn:aws:elasticloadbalancing:us-east-1::targetgroup/blue/1",
		"arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/",
		"arn:aws:elasticloadbalancing:us-east-1:123456789012:",
		"arn:aws:ELB:us-east-1:123456789012:targetgroup/x",
		"ARN:aws:iam::123456789012:role/x",
		"arn:aws:iam::123456789012:role/x\n",
		" arn:aws:iam::123456789012:role/x",
	} {
		f.Add(s, uint8(2))
	}
	f.Fuzz(func(t *testing.T, s string, kindSel uint8) {
		k := fuzzARNKinds[int(kindSel)%len(fuzzARNKinds)]
		err := awsarn.Check(s, k.service, k.resource)
		if err == nil {
			if !strings.HasPrefix(s, "arn:") {
				t.Fatalf("awsarn.Check(%q, %q, %q) accepted a value not starting with arn:", s, k.service, k.resource)
			}
			parts := strings.SplitN(s, ":", 6)
			if len(parts) != 6 || !strings.HasPrefix(parts[1], "aws") || parts[2] == "" || parts[5] == "" {
				t.Fatalf("awsarn.Check(%q, %q, %q) accepted a value that is not arn:<partition>:<service>:<region>:<account>:<resource>", s, k.service, k.resource)
			}
			if acct := parts[4]; acct != "" && len(acct) != 12 {
				t.Fatalf("awsarn.Check(%q) accepted account %q", s, acct)
			}
			if k.service != "" && parts[2] != k.service {
				t.Fatalf("awsarn.Check(%q, %q, %q) accepted service %q", s, k.service, k.resource, parts[2])
			}
			if !strings.HasPrefix(parts[5], k.resource) {
				t.Fatalf("awsarn.Check(%q, %q, %q) accepted resource %q", s, k.service, k.resource, parts[5])
			}
			if strings.ContainsAny(s, "\n") {
				t.Fatalf("awsarn.Check(%q) accepted a multi-line value", s)
			}
		} else if err.Error() == "" {
			t.Fatalf("awsarn.Check(%q) returned an empty error", s)
		}
		v := arnValidator{service: k.service, resource: k.resource}
		if got := validateFuzzString(t, v, path.Root("x"), s); got != (err == nil) {
			t.Fatalf("arnValidator%+v on %q accepted=%v, awsarn.Check error %v", v, s, got, err)
		}
	})
}
