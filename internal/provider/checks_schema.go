package provider

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/alarms"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/cloudwatchmetrics"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/datadog"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/httpcheck"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/metricmath"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/prometheus"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/targethealth"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// The checks schema is defined once here and used by the switch's
// rollback_on and by bluegreen_health_gate, so both accept exactly the same
// checks with the same meaning.

// checksModel is the checks themselves, shared by the gate and the switch.
type checksModel struct {
	TargetHealth *targetHealthCheckModel `tfsdk:"target_health"`
	Metrics      *metricsCheckModel      `tfsdk:"metrics"`
	AlarmNames   types.List              `tfsdk:"alarm_names"`
	HTTP         []httpCheckModel        `tfsdk:"http"`
	Prometheus   []prometheusCheckModel  `tfsdk:"prometheus"`
	Datadog      []datadogCheckModel     `tfsdk:"datadog"`
	CloudWatch   []cloudwatchCheckModel  `tfsdk:"cloudwatch"`
}

type cloudwatchCheckModel struct {
	Name         types.String            `tfsdk:"name"`
	Metrics      []cloudwatchMetricModel `tfsdk:"metrics"`
	Expression   types.String            `tfsdk:"expression"`
	Period       durationValue           `tfsdk:"period"`
	Window       durationValue           `tfsdk:"window"`
	Reducer      types.String            `tfsdk:"reducer"`
	Min          types.Float64           `tfsdk:"min"`
	Max          types.Float64           `tfsdk:"max"`
	InitialDelay durationValue           `tfsdk:"initial_delay"`
}

type cloudwatchMetricModel struct {
	ID         types.String `tfsdk:"id"`
	Namespace  types.String `tfsdk:"namespace"`
	MetricName types.String `tfsdk:"metric_name"`
	Dimensions types.Map    `tfsdk:"dimensions"`
	Stat       types.String `tfsdk:"stat"`
}

type datadogCheckModel struct {
	Name         types.String  `tfsdk:"name"`
	Query        types.String  `tfsdk:"query"`
	Min          types.Float64 `tfsdk:"min"`
	Max          types.Float64 `tfsdk:"max"`
	APIKey       types.String  `tfsdk:"api_key"`
	AppKey       types.String  `tfsdk:"app_key"`
	Site         types.String  `tfsdk:"site"`
	URL          types.String  `tfsdk:"url"`
	Window       durationValue `tfsdk:"window"`
	Reducer      types.String  `tfsdk:"reducer"`
	Timeout      durationValue `tfsdk:"timeout"`
	InitialDelay durationValue `tfsdk:"initial_delay"`
}

type httpCheckModel struct {
	Name               types.String  `tfsdk:"name"`
	URL                types.String  `tfsdk:"url"`
	Method             types.String  `tfsdk:"method"`
	Headers            types.Map     `tfsdk:"headers"`
	ExpectStatus       types.List    `tfsdk:"expect_status"`
	BodyRegex          types.String  `tfsdk:"body_regex"`
	JSONPath           types.String  `tfsdk:"json_path"`
	JSONValue          types.String  `tfsdk:"json_value"`
	Timeout            durationValue `tfsdk:"timeout"`
	InsecureSkipVerify types.Bool    `tfsdk:"insecure_skip_verify"`
	CACertPEM          types.String  `tfsdk:"ca_cert_pem"`
	InitialDelay       durationValue `tfsdk:"initial_delay"`
}

type prometheusCheckModel struct {
	Name         types.String  `tfsdk:"name"`
	URL          types.String  `tfsdk:"url"`
	Query        types.String  `tfsdk:"query"`
	Min          types.Float64 `tfsdk:"min"`
	Max          types.Float64 `tfsdk:"max"`
	Headers      types.Map     `tfsdk:"headers"`
	Timeout      durationValue `tfsdk:"timeout"`
	InitialDelay durationValue `tfsdk:"initial_delay"`
}

// rollbackOnModel is the switch's rollback_on: the checks plus how many bad
// evaluations make a breach.
type rollbackOnModel struct {
	checksModel
	EvaluationInterval durationValue `tfsdk:"evaluation_interval"`
	FailureThreshold   types.Int64   `tfsdk:"failure_threshold"`
	InconclusiveLimit  types.Int64   `tfsdk:"inconclusive_limit"`
	FailClosed         types.Bool    `tfsdk:"fail_closed"`
	// ColorValues are the user's per-color placeholders (check_templates.go).
	ColorValues *colorValuesModel `tfsdk:"color_values"`
	// colorValuesUnknown: color_values is unknown in the configuration
	// (decoded as absent), so its keys are not known yet.
	colorValuesUnknown bool
}

type targetHealthCheckModel struct {
	TargetGroupARN    types.String  `tfsdk:"target_group_arn"`
	MinHealthyPercent types.Float64 `tfsdk:"min_healthy_percent"`
	MinHealthyCount   types.Int64   `tfsdk:"min_healthy_count"`
}

type metricsCheckModel struct {
	LoadBalancerARN     types.String  `tfsdk:"load_balancer_arn"`
	TargetGroupARN      types.String  `tfsdk:"target_group_arn"`
	Max5xxRate          types.Float64 `tfsdk:"max_5xx_rate"`
	MaxP99Latency       durationValue `tfsdk:"max_p99_latency"`
	MinRequests         types.Int64   `tfsdk:"min_requests"`
	Window              durationValue `tfsdk:"window"`
	CompareToOtherColor types.Bool    `tfsdk:"compare_to_other_color"`
	OtherTargetGroupARN types.String  `tfsdk:"other_target_group_arn"`
	Max5xxRateIncrease  types.Float64 `tfsdk:"max_5xx_rate_increase"`
	MaxP99LatencyRatio  types.Float64 `tfsdk:"max_p99_latency_ratio"`
	MinRequestsOther    types.Int64   `tfsdk:"min_requests_other"`
	CountELB5xx         types.Bool    `tfsdk:"count_elb_5xx"`
}

// Defaults of the tolerance knobs.
const (
	defaultEvaluationInterval = 30 * time.Second
	defaultFailureThreshold   = 2
)

// durationAttribute is an optional Go duration attribute
// (durationValue: "60s" and "1m" are the same value, so rewriting
// one as the other is no change) within [min, max] (a zero bound is not
// checked).
func durationAttribute(desc string, min, max time.Duration) schema.StringAttribute {
	return schema.StringAttribute{Optional: true, CustomType: durationType{}, MarkdownDescription: desc,
		Validators: []validator.String{durationValidator{min: min, max: max}}}
}

// rollbackOnTolerance are the attributes that turn bad evaluations into a
// breach (the switch's rollback_on only; a gate simply keeps trying).
func rollbackOnTolerance() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"evaluation_interval": durationAttribute(
			fmt.Sprintf("How often the checks are evaluated, a Go duration from `1s` to `1h`. Default `%s`.", defaultEvaluationInterval),
			time.Second, time.Hour),
		"failure_threshold": schema.Int64Attribute{
			Optional:            true,
			MarkdownDescription: fmt.Sprintf("Consecutive failed evaluations of one check that count as a breach, 1–100. Default `%d`.", defaultFailureThreshold),
			Validators:          []validator.Int64{int64validator.Between(1, 100)},
		},
		"inconclusive_limit": schema.Int64Attribute{
			Optional: true,
			MarkdownDescription: fmt.Sprintf("Consecutive inconclusive evaluations of one check (e.g. fewer requests than "+
				"`min_requests`) that are tolerated; each one beyond counts as a failed evaluation. `0` = none tolerated. Default `%d`.",
				rollout.DefaultInconclusiveLimit),
			Validators: []validator.Int64{int64validator.Between(0, 1000)},
		},
		"fail_closed": schema.BoolAttribute{
			Optional: true,
			MarkdownDescription: fmt.Sprintf("When `true` (default), a check that cannot measure (API error, missing alarm) "+
				"%d times in a row counts as failed. `false` ignores such errors: only measured failures count.", rollout.DefaultErrorLimit),
		},
		"color_values": colorValuesAttribute(),
	}
}

// Lists of named checks.
const maxChecksPerKind = 20

// elementRequired explains why a required attribute of a list element is
// Optional in the schema: terraform-plugin-framework validates the
// attributes of a list element that is unknown at plan time (`http =
// [module.app.check]`) as if they were null, and would refuse it as missing
// url (terraform-plugin-framework issue #186). The provider checks them
// itself once the element is known.
const elementRequired = " (Checked by the provider, so that a whole check unknown at plan time, such as a module output, is accepted.)"

var checkNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]{0,62}$`)

func checkNameAttribute(kind string) schema.StringAttribute {
	return schema.StringAttribute{Optional: true,
		MarkdownDescription: "Name of the check, unique among the `" + kind + "` checks: a letter, then up to 62 letters, digits, `_`, `.` " +
			"or `-`. It names the check in results, diagnostics and `last_shift.reason` (`" + kind + ":<name>`). Default: `" + kind +
			"` when it is the only `" + kind + "` check, else its position in the list (`" + kind + ":0`, `" + kind + ":1`, …).",
		Validators: []validator.String{stringvalidator.RegexMatches(checkNamePattern,
			"must start with a letter and hold only letters, digits, _, . and - (at most 63 characters)")}}
}

// checksSchemaParts returns the attributes of the checks, defined once for
// the gate and the switch. subject says what the checks judge when no target
// group is given; "" means a target group is required.
func checksSchemaParts(subject string) map[string]schema.Attribute {
	defaultTG := "Default: " + subject + "."
	tgRequired := false
	if subject == "" {
		subject = "the given target group"
		defaultTG = "The target group of the color the gate checks."
		tgRequired = true
	}
	return map[string]schema.Attribute{
		"alarm_names": schema.ListAttribute{
			ElementType: types.StringType, Optional: true,
			MarkdownDescription: "CloudWatch alarms (1–100 names of 1–255 characters): any alarm in `ALARM` fails the evaluation. " +
				"Names may hold placeholders: `web-{{color}}-5xx` watches `web-green-5xx` while green receives traffic. " +
				"An alarm that cannot be read (missing, API error) is an error verdict (fail closed). `INSUFFICIENT_DATA` passes.",
			Validators: []validator.List{listvalidator.SizeBetween(1, 100), listvalidator.UniqueValues(), listvalidator.NoNullValues(),
				listvalidator.ValueStringsAre(stringvalidator.LengthBetween(1, 255))},
		},
		"http": schema.ListNestedAttribute{
			Optional: true,
			MarkdownDescription: fmt.Sprintf("HTTP checks, 1–%d, each an HTTP request per evaluation (go-retryablehttp; transport errors are retried within the "+
				"evaluation, a wrong status is a failed evaluation), e.g. `http = [{ name = \"health\", url = \"…\" }]`. Typical use: the new color's `/health` or `/version` "+
				"endpoint, reached directly rather than through the listener.", maxChecksPerKind),
			Validators: []validator.List{listvalidator.SizeBetween(1, maxChecksPerKind)},
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"name": checkNameAttribute("http"),
				"url": schema.StringAttribute{Optional: true, MarkdownDescription: "**Required.** Absolute `http://` or `https://` URL, " +
					"e.g. `http://web-{{color}}.internal:8080/health`." + placeholderNote + elementRequired,
					Validators: []validator.String{templatedURLValidator{}}},
				"method": schema.StringAttribute{Optional: true, MarkdownDescription: "HTTP method. Default `GET`.",
					Validators: []validator.String{stringvalidator.OneOf("GET", "HEAD", "POST", "PUT", "OPTIONS")}},
				"headers": schema.MapAttribute{ElementType: types.StringType, Optional: true, Sensitive: true,
					MarkdownDescription: "Request headers, e.g. `Authorization`. Sensitive: never logged, never shown in plans, redacted from results. " +
						"Values may hold placeholders (`X-Color = \"{{color}}\"`).",
					Validators: []validator.Map{headersValidator{}}},
				"expect_status": schema.ListAttribute{ElementType: types.Int64Type, Optional: true,
					MarkdownDescription: "Status codes that pass. Default `[200]`.",
					Validators:          []validator.List{listvalidator.SizeAtLeast(1), listvalidator.ValueInt64sAre(int64validator.Between(100, 599))}},
				"body_regex": schema.StringAttribute{Optional: true, MarkdownDescription: "Regular expression (RE2) the body must match. " +
					"Placeholders are substituted as literal text (`\"version\":\"{{version}}\"` matches the dots of `2.4.0` exactly).",
					Validators: []validator.String{templatedRegexValidator{}}},
				"json_path": schema.StringAttribute{Optional: true,
					MarkdownDescription: "Dotted path into a JSON body (`version`, `build.schema_version`, `items.0.name`) whose value must equal `json_value`.",
					Validators:          []validator.String{jsonPathValidator{}}},
				"json_value": schema.StringAttribute{Optional: true, MarkdownDescription: "Expected value at `json_path`, compared as text, e.g. `2.4.0` " +
					"or `{{version}}` (a `color_values` key)."},
				"timeout": durationAttribute("Timeout of one attempt, `100ms` to `5m`. Default `5s`.", 100*time.Millisecond, 5*time.Minute),
				"insecure_skip_verify": schema.BoolAttribute{Optional: true,
					MarkdownDescription: "Skip TLS certificate verification. Default `false`: certificates are verified; prefer `ca_cert_pem`."},
				"ca_cert_pem": schema.StringAttribute{Optional: true, MarkdownDescription: "Extra trusted CA certificates, PEM-encoded (e.g. an internal CA). Conflicts with `insecure_skip_verify = true`.",
					Validators: []validator.String{pemCertificatesValidator{}}},
				"initial_delay": initialDelayAttribute(),
			}},
		},
		"prometheus": schema.ListNestedAttribute{
			Optional: true,
			MarkdownDescription: fmt.Sprintf("Prometheus checks, 1–%d, each an instant query over the Prometheus HTTP API (`/api/v1/query`). The query must return a "+
				"scalar or a single series; an empty result is inconclusive.", maxChecksPerKind),
			Validators: []validator.List{listvalidator.SizeBetween(1, maxChecksPerKind)},
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"name": checkNameAttribute("prometheus"),
				"url": schema.StringAttribute{Optional: true, MarkdownDescription: "**Required.** Prometheus base URL, e.g. `http://prometheus:9090`." + elementRequired,
					Validators: []validator.String{templatedURLValidator{}}},
				"query": schema.StringAttribute{Optional: true, MarkdownDescription: "**Required.** PromQL expression, e.g. " +
					"`sum(rate(http_requests_total{color=\"{{color}}\",code=~\"5..\"}[1m])) / sum(rate(http_requests_total{color=\"{{color}}\"}[1m]))`." +
					placeholderNote + elementRequired,
					Validators: []validator.String{nonBlankValidator{what: "PromQL expression"}}},
				"min": schema.Float64Attribute{Optional: true, MarkdownDescription: "Smallest passing value (inclusive)."},
				"max": schema.Float64Attribute{Optional: true, MarkdownDescription: "Largest passing value (inclusive). At least one of `min` and `max` is required."},
				"headers": schema.MapAttribute{ElementType: types.StringType, Optional: true, Sensitive: true,
					MarkdownDescription: "Request headers (`Authorization`, `X-Scope-OrgID`). Sensitive.",
					Validators:          []validator.Map{headersValidator{}}},
				"timeout":       durationAttribute("Timeout of one attempt, `100ms` to `5m`. Default `5s`.", 100*time.Millisecond, 5*time.Minute),
				"initial_delay": initialDelayAttribute(),
			}},
		},
		"datadog":    datadogChecksAttribute(),
		"cloudwatch": cloudwatchChecksAttribute(),
		"target_health": schema.SingleNestedAttribute{
			Optional:            true,
			MarkdownDescription: "Healthy targets (ELBv2 DescribeTargetHealth) of " + subject + ". Draining targets are not counted.",
			Attributes: map[string]schema.Attribute{
				"target_group_arn": schema.StringAttribute{
					Required: tgRequired, Optional: !tgRequired,
					MarkdownDescription: "Target group to check. " + defaultTG,
					Validators:          []validator.String{arnValidator{service: "elasticloadbalancing", resource: "targetgroup/"}},
				},
				"min_healthy_percent": schema.Float64Attribute{
					Optional: true, MarkdownDescription: "Minimum share of registered targets that must be healthy, 0–100. Default `0` (not checked).",
					Validators: []validator.Float64{float64validator.Between(0, 100)},
				},
				"min_healthy_count": schema.Int64Attribute{
					Optional: true, MarkdownDescription: "Minimum number of healthy targets, at least 1. Default `1`.",
					Validators: []validator.Int64{int64validator.AtLeast(1)},
				},
			},
		},
		"metrics": schema.SingleNestedAttribute{
			Optional: true,
			MarkdownDescription: "CloudWatch `AWS/ApplicationELB` metrics of " + subject + " (one GetMetricData call per evaluation): " +
				"5xx rate = (`HTTPCode_Target_5XX_Count` + `TargetConnectionErrorCount`) / `RequestCount`, all `Sum` per `LoadBalancer`+`TargetGroup` " +
				"(plus the load balancer's `HTTPCode_ELB_5XX_Count` with `count_elb_5xx`), and `TargetResponseTime` p99. " +
				"Fewer than `min_requests` requests in the window is inconclusive, not a pass. At least one of `max_5xx_rate` and `max_p99_latency` is required.",
			Attributes: map[string]schema.Attribute{
				"load_balancer_arn": schema.StringAttribute{
					Required: tgRequired, Optional: !tgRequired,
					MarkdownDescription: "ALB whose metrics are read (the `LoadBalancer` dimension). Default: the load balancer of the switch's listener (required in a gate).",
					Validators:          []validator.String{arnValidator{service: "elasticloadbalancing", resource: "loadbalancer/app/"}},
				},
				"target_group_arn": schema.StringAttribute{
					Required: tgRequired, Optional: !tgRequired,
					MarkdownDescription: "Target group whose metrics are read (the `TargetGroup` dimension). " + defaultTG,
					Validators:          []validator.String{arnValidator{service: "elasticloadbalancing", resource: "targetgroup/"}},
				},
				"max_5xx_rate": schema.Float64Attribute{
					Optional: true, MarkdownDescription: "Largest acceptable share of failed requests, a fraction from 0 to 1 (`0.05` = 5 %): 5xx answered by the targets " +
						"plus connections to a target that could not be established (a crashed or stopped release; the client gets an ELB 502/503/504), " +
						"and with `count_elb_5xx` the load balancer's ELB 5xx.",
					Validators: []validator.Float64{float64validator.Between(0, 1)},
				},
				"max_p99_latency": durationAttribute("Largest acceptable p99 target response time, a Go duration such as `800ms`.", time.Millisecond, 0),
				"count_elb_5xx": schema.BoolAttribute{
					Optional: true,
					MarkdownDescription: "Count the load balancer's `HTTPCode_ELB_5XX_Count` (`Sum`, `LoadBalancer` dimension) as errors of the receiving color in `max_5xx_rate`, " +
						"in place of `TargetConnectionErrorCount` when larger. AWS publishes ELB-generated 5xx per load balancer only, never per target group, " +
						"so this is the only metric that sees a release that resets connections or times out after accepting them. " +
						"It counts every listener and rule of the load balancer: set it only when this switch is the load balancer's only forward. " +
						"Not used by `max_5xx_rate_increase` (ELB 5xx cannot be split between the colors). Default `false`.",
				},
				"min_requests": schema.Int64Attribute{
					Optional: true, MarkdownDescription: "Requests needed in the window for a verdict; fewer is inconclusive. Default `0`.",
					Validators: []validator.Int64{int64validator.AtLeast(0)},
				},
				"window": durationAttribute("How far back each evaluation looks, `1m` to `1h`, rounded up to whole minutes (ALB metrics have one-minute resolution). Default `1m`.",
					time.Minute, time.Hour),
				"compare_to_other_color": schema.BoolAttribute{
					Optional: true,
					MarkdownDescription: "Judge the color against the other color over the same window (same GetMetricData call) with " +
						"`max_5xx_rate_increase` and/or `max_p99_latency_ratio`. Prefer it to absolute thresholds when a shared dependency " +
						"can slow both colors or the baseline error rate varies with the time of day. It needs the other color to still " +
						"carry traffic, so it suits canary and linear steps; at 100 % (bake, all_at_once) the relative results are inconclusive. Default `false`.",
				},
				"other_target_group_arn": schema.StringAttribute{
					Optional:            true,
					MarkdownDescription: "The group to compare with. Default in a switch: the other color's group (required in a gate).",
					Validators:          []validator.String{arnValidator{service: "elasticloadbalancing", resource: "targetgroup/"}},
				},
				"max_5xx_rate_increase": schema.Float64Attribute{
					Optional: true, MarkdownDescription: "Largest acceptable increase of the 5xx rate over the other color, in fraction points (`0.01` = at most 1 point worse).",
					Validators: []validator.Float64{float64validator.Between(0, 1)},
				},
				"max_p99_latency_ratio": schema.Float64Attribute{
					Optional: true, MarkdownDescription: "Largest acceptable ratio of p99 latency to the other color's, at least 1 (`1.5` = at most 50 % slower).",
					Validators: []validator.Float64{float64validator.AtLeast(1)},
				},
				"min_requests_other": schema.Int64Attribute{
					Optional: true, MarkdownDescription: "Requests the other color needs in the window for a relative verdict; fewer is inconclusive. Default: `min_requests`.",
					Validators: []validator.Int64{int64validator.AtLeast(0)},
				},
			},
		},
	}
}

// checkID is how results, diagnostics and last_shift name the i-th check of
// a kind ("http", "prometheus") in a list of n: kind:name, or kind alone
// for the only, unnamed one, or kind:i.
func checkID(kind string, name types.String, i, n int) string {
	switch {
	case known(name):
		return kind + ":" + name.ValueString()
	case n == 1:
		return kind
	}
	return kind + ":" + strconv.Itoa(i)
}

// checkNameOf is the Config.Name of a check package for checkID (the
// packages prefix it with their kind).
func checkNameOf(kind string, name types.String, i, n int) string {
	return strings.TrimPrefix(strings.TrimPrefix(checkID(kind, name, i, n), kind), ":")
}

// validateCheckNames refuses two checks of one kind with the same name.
func validateCheckNames(kind string, names []types.String, at path.Path, diags *diag.Diagnostics) {
	seen := map[string]int{}
	for i, n := range names {
		if !known(n) {
			continue
		}
		if j, dup := seen[n.ValueString()]; dup {
			diags.AddAttributeError(at.AtName(kind).AtListIndex(i).AtName("name"), "Duplicate check name",
				fmt.Sprintf("%s[%d] and %s[%d] are both named %q: each %s check needs its own name (it tells their results apart).",
					kind, j, kind, i, n.ValueString(), kind))
			continue
		}
		seen[n.ValueString()] = i
	}
}

// validateChecks reports what the attribute validators cannot see: pairs of
// attributes that go together or exclude each other, and unique names.
func validateChecks(c *checksModel, at path.Path, diags *diag.Diagnostics) {
	if c == nil {
		return
	}
	if m := c.Metrics; m != nil {
		compare := m.CompareToOtherColor.ValueBool()
		relative := !m.Max5xxRateIncrease.IsNull() || !m.MaxP99LatencyRatio.IsNull()
		switch {
		case compare && !relative:
			diags.AddAttributeError(at.AtName("metrics").AtName("compare_to_other_color"), "Comparison without a relative threshold",
				"compare_to_other_color needs max_5xx_rate_increase, max_p99_latency_ratio or both.")
		case !compare && relative:
			diags.AddAttributeError(at.AtName("metrics").AtName("compare_to_other_color"), "Relative threshold without comparison",
				"max_5xx_rate_increase and max_p99_latency_ratio compare with the other color: set compare_to_other_color = true.")
		case !compare && m.Max5xxRate.IsNull() && m.MaxP99Latency.IsNull():
			diags.AddAttributeError(at.AtName("metrics"), "Metrics check without a threshold",
				"The metrics check needs max_5xx_rate, max_p99_latency or both (or compare_to_other_color with a relative threshold): without a threshold it can never fail.")
		}
		if !compare && !m.CompareToOtherColor.IsUnknown() {
			for _, setting := range []struct {
				name string
				v    attr.Value
			}{{"other_target_group_arn", m.OtherTargetGroupARN}, {"min_requests_other", m.MinRequestsOther}} {
				if name := setting.name; !setting.v.IsNull() {
					diags.AddAttributeError(at.AtName("metrics").AtName(name), "Comparison setting without comparison",
						name+" applies to the comparison with the other color only: set compare_to_other_color = true (with max_5xx_rate_increase or max_p99_latency_ratio), or remove it.")
				}
			}
		}
		if known(m.OtherTargetGroupARN) && known(m.TargetGroupARN) && m.OtherTargetGroupARN.ValueString() == m.TargetGroupARN.ValueString() {
			diags.AddAttributeError(at.AtName("metrics").AtName("other_target_group_arn"), "Same target group to compare with",
				"other_target_group_arn is target_group_arn itself: a comparison needs the other color's target group.")
		}
	}
	names := make([]types.String, len(c.HTTP))
	for i, h := range c.HTTP {
		names[i] = h.Name
		hp := at.AtName("http").AtListIndex(i)
		if h.URL.IsNull() {
			diags.AddAttributeError(hp.AtName("url"), "Missing URL",
				"An http check needs url: an absolute http:// or https:// URL, e.g. http://10.0.1.5:8080/health.")
		}
		if h.JSONPath.IsNull() != h.JSONValue.IsNull() {
			diags.AddAttributeError(hp.AtName("json_value"), "json_path and json_value go together",
				"Set both json_path and json_value (the value expected at the path), or neither.")
		}
		if known(h.Method) && strings.EqualFold(h.Method.ValueString(), "HEAD") && (!h.BodyRegex.IsNull() || !h.JSONPath.IsNull()) {
			diags.AddAttributeError(hp.AtName("method"), "HEAD request with a body check",
				"A HEAD response has no body for body_regex or json_path to match: use method = \"GET\" (the default), or remove body_regex and json_path.")
		}
		if h.InsecureSkipVerify.ValueBool() && !h.CACertPEM.IsNull() {
			diags.AddAttributeError(hp.AtName("insecure_skip_verify"), "Conflicting TLS settings",
				"insecure_skip_verify = true turns certificate verification off, so ca_cert_pem would never be used: keep ca_cert_pem and remove insecure_skip_verify (preferred), or remove ca_cert_pem.")
		}
	}
	validateCheckNames("http", names, at, diags)
	names = make([]types.String, len(c.Prometheus))
	for i, p := range c.Prometheus {
		names[i] = p.Name
		pp := at.AtName("prometheus").AtListIndex(i)
		if p.URL.IsNull() {
			diags.AddAttributeError(pp.AtName("url"), "Missing URL",
				"A prometheus check needs url: the Prometheus base URL, e.g. http://prometheus:9090.")
		}
		if p.Query.IsNull() {
			diags.AddAttributeError(pp.AtName("query"), "Missing query", "A prometheus check needs query (PromQL).")
		}
		if p.Min.IsNull() && p.Max.IsNull() {
			diags.AddAttributeError(pp, "Prometheus check without a threshold",
				"The prometheus check needs min, max or both.")
		}
		if known(p.Min) && known(p.Max) && p.Min.ValueFloat64() > p.Max.ValueFloat64() {
			diags.AddAttributeError(pp.AtName("min"), "min greater than max",
				fmt.Sprintf("min (%v) is greater than max (%v): no value could pass.", p.Min.ValueFloat64(), p.Max.ValueFloat64()))
		}
	}
	validateCheckNames("prometheus", names, at, diags)
	names = make([]types.String, len(c.Datadog))
	for i, d := range c.Datadog {
		names[i] = d.Name
		dp := at.AtName("datadog").AtListIndex(i)
		for _, req := range []struct {
			name, what string
			v          types.String
		}{{"query", "a metrics query, e.g. sum:trace.http.request.errors{service:web,color:{{color}}}.as_count()", d.Query},
			{"api_key", "a Datadog API key", d.APIKey}, {"app_key", "a Datadog application key", d.AppKey}} {
			if req.v.IsNull() {
				diags.AddAttributeError(dp.AtName(req.name), "Missing "+req.name, "A datadog check needs "+req.name+": "+req.what+".")
			}
		}
		if !d.Site.IsNull() && !d.URL.IsNull() {
			diags.AddAttributeError(dp.AtName("url"), "Conflicting Datadog endpoints",
				"Set site (the API is https://api.<site>) or url (a proxy or another endpoint), not both.")
		}
		if d.Min.IsNull() && d.Max.IsNull() {
			diags.AddAttributeError(dp, "Datadog check without a threshold", "The datadog check needs min, max or both.")
		}
		if known(d.Min) && known(d.Max) && d.Min.ValueFloat64() > d.Max.ValueFloat64() {
			diags.AddAttributeError(dp.AtName("min"), "min greater than max",
				fmt.Sprintf("min (%v) is greater than max (%v): no value could pass.", d.Min.ValueFloat64(), d.Max.ValueFloat64()))
		}
	}
	validateCheckNames("datadog", names, at, diags)
	names = make([]types.String, len(c.CloudWatch))
	for i, cw := range c.CloudWatch {
		names[i] = cw.Name
		cp := at.AtName("cloudwatch").AtListIndex(i)
		if cw.Expression.IsNull() {
			diags.AddAttributeError(cp.AtName("expression"), "Missing expression",
				"A cloudwatch check needs expression: CloudWatch metric math over the ids of its metrics, e.g. 100 * errors / requests.")
		}
		// A missing metrics list is refused by cloudwatchMetricsPresent: here
		// it may be one unknown until apply (unknown_parts.go makes it null).
		if cw.Min.IsNull() && cw.Max.IsNull() {
			diags.AddAttributeError(cp, "CloudWatch check without a threshold", "The cloudwatch check needs min, max or both.")
		}
		if known(cw.Min) && known(cw.Max) && cw.Min.ValueFloat64() > cw.Max.ValueFloat64() {
			diags.AddAttributeError(cp.AtName("min"), "min greater than max",
				fmt.Sprintf("min (%v) is greater than max (%v): no value could pass.", cw.Min.ValueFloat64(), cw.Max.ValueFloat64()))
		}
		ids := map[string]int{}
		for j, m := range cw.Metrics {
			mp := cp.AtName("metrics").AtListIndex(j)
			for _, req := range []struct {
				name string
				v    types.String
			}{{"id", m.ID}, {"namespace", m.Namespace}, {"metric_name", m.MetricName}, {"stat", m.Stat}} {
				if req.v.IsNull() {
					diags.AddAttributeError(mp.AtName(req.name), "Missing "+req.name, "Each metric of a cloudwatch check needs id, namespace, metric_name and stat.")
				}
			}
			if !known(m.ID) {
				continue
			}
			if k, dup := ids[m.ID.ValueString()]; dup {
				diags.AddAttributeError(mp.AtName("id"), "Duplicate metric id",
					fmt.Sprintf("metrics[%d] and metrics[%d] both have id %q: the expression refers to metrics by id.", k, j, m.ID.ValueString()))
			}
			ids[m.ID.ValueString()] = j
		}
	}
	validateCheckNames("cloudwatch", names, at, diags)
}

func stringMap(ctx context.Context, m types.Map, diags *diag.Diagnostics) map[string]string {
	if m.IsNull() || m.IsUnknown() {
		return nil
	}
	out := map[string]string{}
	diags.Append(m.ElementsAs(ctx, &out, false)...)
	return out
}

// checkTarget is what the checks of one color judge by default.
type checkTarget struct {
	// Color is the color the checks judge ("" in a health gate, which
	// substitutes no placeholders).
	Color traffic.Color
	// Values are the router's own placeholder values for Color
	// ({{target_group_arn}}…); User the user's (rollback_on.color_values).
	Values         map[string]string
	User           map[string]string
	TargetGroupARN string
	// OtherTargetGroupARN is the other color, for relative comparisons.
	OtherTargetGroupARN string
	// LoadBalancer is an ALB, listener or rule ARN (the metrics dimension is derived from it).
	LoadBalancer string
}

// colorTargets gives the checkTarget of each color.
type colorTargets func(traffic.Color) checkTarget

// colorOnly is the colorTargets of a router without defaults of its own.
func colorOnly(c traffic.Color) checkTarget { return checkTarget{Color: c} }

// checkSet is the checks turned into engine inputs.
type checkSet struct {
	// ByColor are the rollback_on checks built for each color receiving
	// traffic (placeholders substituted); runShift takes the receiving
	// color's. Checks are a router's own, already for the receiving color.
	ByColor            map[traffic.Color][]rollout.Check
	Checks             []rollout.Check
	EvaluationInterval time.Duration
	FailureThreshold   int
	InconclusiveLimit  int
	ErrorLimit         int
}

// forReceiving returns the checks to run while color receives traffic.
func (s checkSet) forReceiving(color traffic.Color) []rollout.Check {
	return append(append([]rollout.Check(nil), s.ByColor[color]...), s.Checks...)
}

// expandRollbackOn builds the rollback_on checks, for each color, and the
// tolerance knobs. Both colors are built (and so checked) before any shift:
// one configuration serves both directions.
func expandRollbackOn(ctx context.Context, d *providerData, c *rollbackOnModel, targets colorTargets, now func() time.Time, at path.Path, diags *diag.Diagnostics) checkSet {
	set := checkSet{EvaluationInterval: defaultEvaluationInterval, FailureThreshold: defaultFailureThreshold}
	if c == nil {
		return set
	}
	set.ByColor = map[traffic.Color][]rollout.Check{}
	for _, color := range []traffic.Color{traffic.Blue, traffic.Green} {
		t := targets(color)
		t.User = c.ColorValues.of(ctx, color, diags)
		set.ByColor[color] = expandChecks(ctx, d, &c.checksModel, t, now, at, diags)
		if diags.HasError() {
			return set
		}
	}
	if v := durationOr(c.EvaluationInterval, defaultEvaluationInterval); v > 0 {
		set.EvaluationInterval = v
	}
	if !c.FailureThreshold.IsNull() {
		set.FailureThreshold = int(c.FailureThreshold.ValueInt64())
	}
	if !c.InconclusiveLimit.IsNull() {
		set.InconclusiveLimit = int(c.InconclusiveLimit.ValueInt64())
		if set.InconclusiveLimit == 0 {
			set.InconclusiveLimit = rollout.ZeroTolerance
		}
	}
	if !c.FailClosed.IsNull() && !c.FailClosed.ValueBool() {
		set.ErrorLimit = rollout.UnlimitedTolerance
	}
	return set
}

// expandChecks builds the checks of c against target.
func expandChecks(ctx context.Context, d *providerData, c *checksModel, target checkTarget, now func() time.Time, at path.Path, diags *diag.Diagnostics) []rollout.Check {
	var out []rollout.Check
	vals := valuesFor(target.Color, target.Values, target.User)
	// sub substitutes the placeholders of one attribute value for target.Color.
	sub := func(p path.Path, s string, quote func(string) string) string {
		v, err := vals.expand(s, quote)
		if err != nil {
			diags.AddAttributeError(p, "Invalid placeholder", fmt.Sprintf("Attribute %s, for %s: %s.", p, colorName(target.Color), err))
		}
		return v
	}
	subMap := func(p path.Path, m map[string]string) map[string]string {
		for k, v := range m {
			m[k] = sub(p, v, nil)
		}
		return m
	}
	if (c.TargetHealth != nil || c.Metrics != nil || !c.AlarmNames.IsNull()) && !d.needAWS("The "+at.String()+" target_health, metrics and alarm_names checks", diags) {
		return nil
	}
	if th := c.TargetHealth; th != nil {
		tg := target.TargetGroupARN
		if !th.TargetGroupARN.IsNull() {
			tg = th.TargetGroupARN.ValueString()
		}
		chk := targethealth.New(d.Clients.ELBv2, tg, int(th.MinHealthyCount.ValueInt64()), th.MinHealthyPercent.ValueFloat64())
		chk.Now = now
		out = append(out, chk)
	}
	if m := c.Metrics; m != nil {
		cfg := cloudwatchmetrics.Config{
			LoadBalancer:  target.LoadBalancer,
			TargetGroup:   target.TargetGroupARN,
			Window:        durationOr(m.Window, time.Minute),
			MaxP99Latency: durationOr(m.MaxP99Latency, 0),
			MinRequests:   int(m.MinRequests.ValueInt64()),
			Now:           now,
			// ELB 5xx exist per load balancer only (see count_elb_5xx).
			CountLoadBalancerELB5xx: m.CountELB5xx.ValueBool(),
		}
		if !m.LoadBalancerARN.IsNull() {
			cfg.LoadBalancer = m.LoadBalancerARN.ValueString()
		}
		if !m.TargetGroupARN.IsNull() {
			cfg.TargetGroup = m.TargetGroupARN.ValueString()
		}
		if !m.Max5xxRate.IsNull() {
			r := m.Max5xxRate.ValueFloat64()
			cfg.Max5xxRate = &r
		}
		if m.CompareToOtherColor.ValueBool() {
			cfg.CompareTo = target.OtherTargetGroupARN
			if !m.OtherTargetGroupARN.IsNull() {
				cfg.CompareTo = m.OtherTargetGroupARN.ValueString()
			}
			if !m.Max5xxRateIncrease.IsNull() {
				v := m.Max5xxRateIncrease.ValueFloat64()
				cfg.Max5xxRateIncrease = &v
			}
			cfg.MaxP99LatencyRatio = m.MaxP99LatencyRatio.ValueFloat64()
			cfg.MinRequestsOther = int(m.MinRequestsOther.ValueInt64())
		}
		chk, err := cloudwatchmetrics.New(d.Clients.CloudWatch, cfg)
		if err != nil {
			diags.AddAttributeError(at.AtName("metrics"), "Invalid metrics check", err.Error())
		} else {
			out = append(out, chk)
		}
	}
	if !c.AlarmNames.IsNull() && !c.AlarmNames.IsUnknown() {
		var names []string
		diags.Append(c.AlarmNames.ElementsAs(ctx, &names, false)...)
		for i, n := range names {
			names[i] = sub(at.AtName("alarm_names").AtListIndex(i), n, nil)
		}
		chk := alarms.New(d.Clients.CloudWatch, names)
		chk.Now = now
		out = append(out, chk)
	}
	for i, h := range c.HTTP {
		hp := at.AtName("http").AtListIndex(i)
		cfg := httpcheck.Config{
			Name: checkNameOf("http", h.Name, i, len(c.HTTP)),
			URL:  sub(hp.AtName("url"), h.URL.ValueString(), nil), Method: h.Method.ValueString(),
			Headers:   subMap(hp.AtName("headers"), stringMap(ctx, h.Headers, diags)),
			BodyRegex: sub(hp.AtName("body_regex"), h.BodyRegex.ValueString(), regexp.QuoteMeta), JSONPath: h.JSONPath.ValueString(),
			JSONValue: sub(hp.AtName("json_value"), h.JSONValue.ValueString(), nil),
			Timeout:   durationOr(h.Timeout, httpcheck.DefaultTimeout), InsecureSkipVerify: h.InsecureSkipVerify.ValueBool(),
			CACertPEM: h.CACertPEM.ValueString(), Now: now,
		}
		if known(h.ExpectStatus) {
			var codes []int64
			diags.Append(h.ExpectStatus.ElementsAs(ctx, &codes, false)...)
			for _, c := range codes {
				cfg.ExpectStatus = append(cfg.ExpectStatus, int(c))
			}
		}
		chk, err := httpcheck.New(cfg)
		out = addBuiltCheck(out, diags, hp, checkID("http", h.Name, i, len(c.HTTP)), forColor(target.Color), chk, err, h.InitialDelay)
	}
	for i, p := range c.Prometheus {
		pp := at.AtName("prometheus").AtListIndex(i)
		cfg := prometheus.Config{
			Name: checkNameOf("prometheus", p.Name, i, len(c.Prometheus)),
			URL:  sub(pp.AtName("url"), p.URL.ValueString(), nil), Query: sub(pp.AtName("query"), p.Query.ValueString(), nil),
			Headers: subMap(pp.AtName("headers"), stringMap(ctx, p.Headers, diags)),
			Timeout: durationOr(p.Timeout, httpcheck.DefaultTimeout), Now: now,
		}
		cfg.Min, cfg.Max = optFloat(p.Min), optFloat(p.Max)
		chk, err := prometheus.New(cfg)
		out = addBuiltCheck(out, diags, pp, checkID("prometheus", p.Name, i, len(c.Prometheus)), forColor(target.Color), chk, err, p.InitialDelay)
	}
	for i, dc := range c.Datadog {
		dp := at.AtName("datadog").AtListIndex(i)
		cfg := datadog.Config{
			Name: checkNameOf("datadog", dc.Name, i, len(c.Datadog)), Site: dc.Site.ValueString(),
			URL: sub(dp.AtName("url"), dc.URL.ValueString(), nil), Query: sub(dp.AtName("query"), dc.Query.ValueString(), nil),
			Window: durationOr(dc.Window, datadog.DefaultWindow), Reducer: dc.Reducer.ValueString(),
			APIKey: dc.APIKey.ValueString(), AppKey: dc.AppKey.ValueString(),
			Timeout: durationOr(dc.Timeout, httpcheck.DefaultTimeout), Now: now,
		}
		cfg.Min, cfg.Max = optFloat(dc.Min), optFloat(dc.Max)
		chk, err := datadog.New(cfg)
		out = addBuiltCheck(out, diags, dp, checkID("datadog", dc.Name, i, len(c.Datadog)), forColor(target.Color), chk, err, dc.InitialDelay)
	}
	for i, cw := range c.CloudWatch {
		cp := at.AtName("cloudwatch").AtListIndex(i)
		cfg := metricmath.Config{
			Name: checkNameOf("cloudwatch", cw.Name, i, len(c.CloudWatch)), Expression: cw.Expression.ValueString(),
			Period: durationOr(cw.Period, metricmath.DefaultPeriod), Window: durationOr(cw.Window, metricmath.DefaultWindow),
			Reducer: cw.Reducer.ValueString(), Now: now,
		}
		for j, m := range cw.Metrics {
			cfg.Metrics = append(cfg.Metrics, metricmath.Metric{ID: m.ID.ValueString(), Namespace: m.Namespace.ValueString(),
				MetricName: m.MetricName.ValueString(), Stat: m.Stat.ValueString(),
				Dimensions: subMap(cp.AtName("metrics").AtListIndex(j).AtName("dimensions"), stringMap(ctx, m.Dimensions, diags))})
		}
		cfg.Min, cfg.Max = optFloat(cw.Min), optFloat(cw.Max)
		if !d.needAWS("The "+at.String()+" cloudwatch check", diags) {
			return nil
		}
		chk, err := metricmath.New(d.Clients.CloudWatch, cfg)
		out = addBuiltCheck(out, diags, cp, checkID("cloudwatch", cw.Name, i, len(c.CloudWatch)), forColor(target.Color), chk, err, cw.InitialDelay)
	}
	return out
}

// placeholderNote tells where a check attribute's placeholders come from.
const placeholderNote = " In a switch, placeholders are replaced for the color receiving traffic: `{{color}}` (`blue` or `green`), " +
	"`{{other_color}}`, the router's own (the listener switch: `{{target_group_arn}}`, `{{target_group_name}}`, " +
	"`{{target_group}}` = `targetgroup/<name>/<id>`, `{{load_balancer}}` = `app/<name>/<id>`) and the keys of `rollback_on.color_values`. Written `{{name}}`, " +
	"which HCL leaves alone (`${…}` would be Terraform interpolation)."

func initialDelayAttribute() schema.StringAttribute {
	return durationAttribute("Switch only: the check does not judge the receiving color before this long after its first traffic in "+
		"the shift (Argo Rollouts' `initialDelay`), e.g. for a query over `rate(…[5m])` that needs that much data; until then its "+
		"result is `pending`. If the steps and the bake would end sooner, the bake lasts until every check has judged once; "+
		"`worst_case_duration` counts it. A Go duration up to `1h`. Default `0s`.", 0, time.Hour)
}

// delayed gives chk its initial_delay, if any (the engine honours it during
// holds; pre-flights judge at once).
// addBuiltCheck appends a check built for one color, delayed by its
// initial_delay, or says at the check's attribute why it could not be built.
func addBuiltCheck(out []rollout.Check, diags *diag.Diagnostics, at path.Path, id, color string, chk rollout.Check, err error, delay durationValue) []rollout.Check {
	if err != nil {
		kind, _, _ := strings.Cut(id, ":")
		diags.AddAttributeError(at, "Invalid "+kind+" check", id+color+": "+err.Error())
		return out
	}
	return append(out, delayed(chk, id, delay))
}

func delayed(chk rollout.Check, id string, d durationValue) rollout.Check {
	if v := durationOr(d, 0); v > 0 {
		return rollout.WithInitialDelay(chk, id, v)
	}
	return chk
}

func colorName(c traffic.Color) string {
	if c == "" {
		return "a health gate (no placeholders)"
	}
	return "the shift to " + string(c)
}

func forColor(c traffic.Color) string {
	if c == "" {
		return ""
	}
	return " (for " + string(c) + ")"
}

func datadogChecksAttribute() schema.ListNestedAttribute {
	return schema.ListNestedAttribute{
		Optional: true,
		MarkdownDescription: fmt.Sprintf("Datadog metrics query checks, 1–%d, each one call per evaluation to Datadog's v1 query API "+
			"(`GET /api/v1/query?from=&to=&query=`) over the last `window`; the query must return one series, whose points are reduced "+
			"to one value (`reducer`) and compared with `min`/`max`. No series or only null points is inconclusive; several series, "+
			"an API error or wrong keys is an error.", maxChecksPerKind),
		Validators: []validator.List{listvalidator.SizeBetween(1, maxChecksPerKind)},
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"name": checkNameAttribute("datadog"),
			"query": schema.StringAttribute{Optional: true, MarkdownDescription: "**Required.** Datadog metrics query returning one series, e.g. " +
				"`sum:trace.http.request.errors{service:web,color:{{color}}}.as_count()`." + placeholderNote + elementRequired,
				Validators: []validator.String{nonBlankValidator{what: "Datadog metrics query"}}},
			"min": schema.Float64Attribute{Optional: true, MarkdownDescription: "Smallest passing value (inclusive)."},
			"max": schema.Float64Attribute{Optional: true, MarkdownDescription: "Largest passing value (inclusive). At least one of `min` and `max` is required."},
			"api_key": schema.StringAttribute{Optional: true, Sensitive: true,
				MarkdownDescription: "**Required.** Datadog API key, sent as `DD-API-KEY`. Sensitive: never logged, never shown, redacted from results." + elementRequired},
			"app_key": schema.StringAttribute{Optional: true, Sensitive: true,
				MarkdownDescription: "**Required.** Datadog application key with the `timeseries_query` permission, sent as `DD-APPLICATION-KEY`. Sensitive." + elementRequired},
			"site": schema.StringAttribute{Optional: true,
				MarkdownDescription: "Datadog site: `datadoghq.com` (default), `datadoghq.eu`, `us3.datadoghq.com`, `us5.datadoghq.com`, `ap1.datadoghq.com`, `ddog-gov.com`; the API is `https://api.<site>`. Conflicts with `url`.",
				Validators:          []validator.String{stringvalidator.RegexMatches(regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*\.[a-z]{2,}$`), "must be a Datadog site such as datadoghq.com")}},
			"url": schema.StringAttribute{Optional: true,
				MarkdownDescription: "API base URL instead of `site`, e.g. a proxy; `/api/v1/query` is appended.",
				Validators:          []validator.String{templatedURLValidator{}}},
			"window": durationAttribute(fmt.Sprintf("How far back each evaluation queries (`from` = now − window), `1m` to `1h`. Default `%s`.", datadog.DefaultWindow),
				time.Minute, time.Hour),
			"reducer": schema.StringAttribute{Optional: true,
				MarkdownDescription: "How the series' non-null points become one value: `last` (default, the most recent point), `avg`, `min`, `max` or `sum`.",
				Validators:          []validator.String{stringvalidator.OneOf(datadog.Reducers...)}},
			"timeout":       durationAttribute("Timeout of one attempt, `100ms` to `5m`. Default `5s`.", 100*time.Millisecond, 5*time.Minute),
			"initial_delay": initialDelayAttribute(),
		}},
	}
}

func cloudwatchChecksAttribute() schema.ListNestedAttribute {
	return schema.ListNestedAttribute{
		Optional: true,
		MarkdownDescription: fmt.Sprintf("CloudWatch metric-math checks, 1–%d, each one GetMetricData call per evaluation: the `metrics` "+
			"(by `id`) and one `expression` over them (CloudWatch metric math), whose values in the last `window` are reduced to one "+
			"number (`reducer`) and compared with `min`/`max`. Only whole periods at least a minute past their end are read "+
			"(CloudWatch publishes a period about a minute after it ends; the newest one is incomplete until then). No value in the "+
			"window is inconclusive — pending (not yet, never a failure) while the first whole period since the check began is not published; an API error or an incomplete result is an error. Dimension values take placeholders, e.g. "+
			"`TargetGroup = \"{{target_group}}\"` or `Color = \"{{color}}\"`.", maxChecksPerKind),
		Validators: []validator.List{listvalidator.SizeBetween(1, maxChecksPerKind), cloudwatchMetricsPresent{}},
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"name": checkNameAttribute("cloudwatch"),
			"metrics": schema.ListNestedAttribute{Optional: true,
				MarkdownDescription: "**Required.** The metrics the expression uses, 1–10." + elementRequired,
				Validators:          []validator.List{listvalidator.SizeBetween(1, 10)},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id": schema.StringAttribute{Optional: true, MarkdownDescription: "**Required.** Id the expression refers to: a lowercase letter, then letters, digits or `_` (not `result`).",
						Validators: []validator.String{stringvalidator.RegexMatches(metricmath.IDPattern, "must start with a lowercase letter and hold only letters, digits and _"),
							stringvalidator.NoneOf(metricmath.ResultID)}},
					"namespace":   schema.StringAttribute{Optional: true, MarkdownDescription: "**Required.** e.g. `AWS/ApplicationELB` or your own."},
					"metric_name": schema.StringAttribute{Optional: true, MarkdownDescription: "**Required.** e.g. `HTTPCode_Target_5XX_Count`."},
					"dimensions": schema.MapAttribute{ElementType: types.StringType, Optional: true,
						MarkdownDescription: "Dimensions (exact match), e.g. `{ LoadBalancer = \"{{load_balancer}}\", TargetGroup = \"{{target_group}}\" }`." + placeholderNote},
					"stat": schema.StringAttribute{Optional: true, MarkdownDescription: "**Required.** `Sum`, `Average`, `Minimum`, `Maximum`, `SampleCount` or a percentile such as `p99`."},
				}},
			},
			"expression": schema.StringAttribute{Optional: true,
				MarkdownDescription: "**Required.** Metric math over the metrics' ids, e.g. `100 * errors / requests`." + elementRequired,
				Validators:          []validator.String{nonBlankValidator{what: "metric math expression"}}},
			"period": durationAttribute("Period of the metrics: `1s`, `5s`, `10s`, `30s` or a multiple of `1m`. Default `1m`.", time.Second, time.Hour),
			"window": durationAttribute("How far back each evaluation reads, rounded up to whole periods, `1m` to `1h`. Default `5m`.", time.Minute, time.Hour),
			"reducer": schema.StringAttribute{Optional: true,
				MarkdownDescription: "How the expression's values in the window become one: `last` (default, the newest period), `avg`, `min`, `max` or `sum`.",
				Validators:          []validator.String{stringvalidator.OneOf(metricmath.Reducers...)}},
			"min":           schema.Float64Attribute{Optional: true, MarkdownDescription: "Smallest passing value (inclusive)."},
			"max":           schema.Float64Attribute{Optional: true, MarkdownDescription: "Largest passing value (inclusive). At least one of `min` and `max` is required."},
			"initial_delay": initialDelayAttribute(),
		}},
	}
}

// optFloat is a check threshold: nil when not set.
func optFloat(v types.Float64) *float64 {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	f := v.ValueFloat64()
	return &f
}
