package provider

// Color-aware checks: a check is written once, for whichever color receives
// traffic. Its URL, headers, query, expected JSON value and alarm names may
// hold placeholders — {{color}}, {{other_color}}, a router's own values
// ({{target_group_arn}} on ALB) and the keys of rollback_on.color_values —
// that are substituted for the receiving color when a shift builds its
// checks.
//
// Why {{name}}: in HCL "${…}" is Terraform interpolation and "%{…}" a
// template directive, so both would need escaping ("$${color}"). Single
// braces collide with PromQL label matchers (up{job="x"}) and Datadog tag
// filters ({service:web}); double braces are never valid PromQL, are what
// Argo Rollouts' analysis templates ({{args.service}}) and Datadog monitor
// messages use, and need no escaping in HCL.

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsarn"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// Placeholders every switch offers.
const (
	phColor      = "color"
	phOtherColor = "other_color"
)

// Placeholders of the ALB switch (bluegreen_listener_switch).
const (
	phTargetGroupARN  = "target_group_arn"
	phTargetGroupName = "target_group_name"
	phTargetGroup     = "target_group"
	phLoadBalancer    = "load_balancer"
)

// albPlaceholders are the placeholders the listener switch adds.
var albPlaceholders = []string{phTargetGroupARN, phTargetGroupName, phTargetGroup, phLoadBalancer}

// placeholderPattern matches one placeholder, spaces inside allowed:
// {{color}}, {{ color }}.
var placeholderPattern = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)

// colorValueKeyPattern is what a color_values key may be.
var colorValueKeyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// placeholderNames returns the names of the placeholders in s, in order, and
// whether s holds a "{{" or "}}" that is not part of a placeholder (a typo
// such as "{{color}" would otherwise be sent as is).
func placeholderNames(s string) (names []string, stray bool) {
	for _, m := range placeholderPattern.FindAllStringSubmatch(s, -1) {
		names = append(names, m[1])
	}
	rest := placeholderPattern.ReplaceAllString(s, "")
	return names, strings.Contains(rest, "{{") || strings.Contains(rest, "}}")
}

// withSamplePlaceholders replaces every placeholder by a neutral word, so a
// format check (URL, regular expression) judges the text around them.
func withSamplePlaceholders(s string) string {
	return placeholderPattern.ReplaceAllString(s, "blue")
}

// colorValues are the placeholder values of one color.
type colorValues map[string]string

// expand substitutes every placeholder in s. quote, when set, is applied to
// each value (regexp.QuoteMeta for body_regex). An unknown placeholder is an
// error naming it and the known ones.
func (v colorValues) expand(s string, quote func(string) string) (string, error) {
	var unknown []string
	out := placeholderPattern.ReplaceAllStringFunc(s, func(m string) string {
		name := placeholderPattern.FindStringSubmatch(m)[1]
		val, ok := v[name]
		if !ok {
			unknown = append(unknown, "{{"+name+"}}")
			return m
		}
		if quote != nil {
			return quote(val)
		}
		return val
	})
	if len(unknown) > 0 {
		return s, fmt.Errorf("unknown placeholder %s (known: %s)", strings.Join(unknown, ", "), v.known())
	}
	return out, nil
}

func (v colorValues) known() string {
	names := make([]string, 0, len(v))
	for k := range v {
		names = append(names, "{{"+k+"}}")
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// valuesFor are the placeholder values of color c: the color names, the
// router's own (extra, already for c) and the user's color_values of c.
func valuesFor(c traffic.Color, extra, user map[string]string) colorValues {
	v := colorValues{}
	for k, s := range user {
		v[k] = s
	}
	for k, s := range extra {
		v[k] = s
	}
	if c != "" {
		v[phColor], v[phOtherColor] = string(c), string(c.Other())
	}
	return v
}

// albValues are the listener switch's placeholders for a color whose target
// group is arn, behind the load balancer of listener (a listener or rule
// ARN).
func albValues(arn, listener string) map[string]string {
	out := map[string]string{phTargetGroupARN: arn}
	if lb, err := awsarn.LoadBalancerSuffix(listener); err == nil {
		out[phLoadBalancer] = lb
	}
	if name := awsarn.TargetGroupName(arn); name != "" {
		out[phTargetGroupName] = name
	}
	if dim, err := awsarn.TargetGroupSuffix(arn); err == nil {
		out[phTargetGroup] = dim
	}
	return out
}

// colorValuesModel is rollback_on.color_values.
type colorValuesModel struct {
	Blue  types.Map `tfsdk:"blue"`
	Green types.Map `tfsdk:"green"`
}

func (m *colorValuesModel) of(ctx context.Context, c traffic.Color, diags *diag.Diagnostics) map[string]string {
	if m == nil {
		return nil
	}
	if c == traffic.Green {
		return stringMap(ctx, m.Green, diags)
	}
	return stringMap(ctx, m.Blue, diags)
}

func colorValuesAttribute() schema.SingleNestedAttribute {
	mapAttr := func(color string) schema.MapAttribute {
		return schema.MapAttribute{ElementType: types.StringType, Required: true,
			MarkdownDescription: "Values of the placeholders when " + color + " receives traffic, e.g. `{ version = \"2.4.0\" }`.",
			Validators:          []validator.Map{mapvalidator.SizeBetween(1, 50), mapvalidator.KeysAre(colorValueKeyValidator{})}}
	}
	return schema.SingleNestedAttribute{
		Optional: true,
		MarkdownDescription: "Your own per-color placeholders for the checks: each key `k` is written `{{k}}` in a check and " +
			"replaced by the receiving color's value, e.g. `color_values = { blue = { version = var.versions.blue }, green = { version = var.versions.green } }` " +
			"with `json_value = \"{{version}}\"`. Both colors need the same keys (one configuration serves blue→green and green→blue); a key is a lowercase " +
			"letter, then letters, digits or `_`, and cannot be a built-in placeholder (`color`, `other_color`, the router's own). " +
			"The switch does not know which version a color runs — your configuration does — so `{{version}}` is one of these.",
		Attributes: map[string]schema.Attribute{"blue": mapAttr("blue"), "green": mapAttr("green")},
	}
}

type colorValueKeyValidator struct{}

func (colorValueKeyValidator) Description(context.Context) string {
	return "a lowercase letter, then up to 62 lowercase letters, digits or _"
}
func (v colorValueKeyValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}
func (colorValueKeyValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if !known(req.ConfigValue) {
		return
	}
	k := req.ConfigValue.ValueString()
	switch {
	case !colorValueKeyPattern.MatchString(k):
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid placeholder name",
			fmt.Sprintf("Attribute %s: key %q: a placeholder name is a lowercase letter, then up to 62 lowercase letters, digits or _ (e.g. version).", req.Path, k))
	case k == phColor || k == phOtherColor || k == phTargetGroupARN || k == phTargetGroupName || k == phTargetGroup || k == phLoadBalancer:
		resp.Diagnostics.AddAttributeError(req.Path, "Placeholder name taken",
			fmt.Sprintf("Attribute %s: {{%s}} is a built-in placeholder the switch fills itself; choose another name.", req.Path, k))
	}
}

// placeholderScope is what placeholders a configuration may use.
type placeholderScope struct {
	// Switch is false in a health gate, which judges one given color and
	// has nothing to substitute.
	Switch bool
	// Router are the router's own placeholders (albPlaceholders).
	Router []string
	// User are the color_values keys; UserKnown is false when they are not
	// known at plan time (then user names are not checked).
	User      map[string]bool
	UserKnown bool
}

func (s placeholderScope) allows(name string) bool {
	if !s.Switch {
		return false
	}
	if name == phColor || name == phOtherColor || s.User[name] || !s.UserKnown {
		return true
	}
	for _, r := range s.Router {
		if r == name {
			return true
		}
	}
	return false
}

func (s placeholderScope) list() string {
	names := []string{"{{" + phColor + "}}", "{{" + phOtherColor + "}}"}
	for _, r := range s.Router {
		names = append(names, "{{"+r+"}}")
	}
	var user []string
	for k := range s.User {
		user = append(user, "{{"+k+"}}")
	}
	sort.Strings(user)
	return strings.Join(append(names, user...), ", ")
}

// validateTemplate reports the placeholders of one attribute value that the
// scope does not know, and stray braces.
func (s placeholderScope) validateTemplate(p path.Path, what, value string, diags *diag.Diagnostics) {
	names, stray := placeholderNames(value)
	if stray {
		diags.AddAttributeError(p, "Malformed placeholder",
			fmt.Sprintf("Attribute %s: %s holds \"{{\" or \"}}\" that is not a placeholder such as {{color}}: close it (\"{{color}}\") or remove the braces.", p, what))
	}
	for _, n := range names {
		if s.allows(n) {
			continue
		}
		if !s.Switch {
			diags.AddAttributeError(p, "Placeholder in a health gate",
				fmt.Sprintf("Attribute %s: %s uses {{%s}}, but a health gate judges one color you name yourself and substitutes nothing: "+
					"write the value (e.g. with Terraform interpolation, \"${var.color}\"). Placeholders work in a switch's rollback_on.", p, what, n))
			continue
		}
		diags.AddAttributeError(p, "Unknown placeholder",
			fmt.Sprintf("Attribute %s: %s uses {{%s}}, which this switch does not know. Known placeholders: %s. Add %q to both "+
				"rollback_on.color_values.blue and .green to define it for each color.", p, what, n, s.list(), n))
	}
}

// validatePlaceholders checks every templated attribute of c (at is the
// checks' path) and, when given, the color_values they may use; cvKnown is
// false when color_values is unknown at plan time (its keys are then not
// checked against: the apply builds every check for both colors first).
func validatePlaceholders(ctx context.Context, c *checksModel, cv *colorValuesModel, cvKnown bool, at path.Path, router []string, isSwitch bool, diags *diag.Diagnostics) {
	if c == nil {
		return
	}
	scope := placeholderScope{Switch: isSwitch, Router: router, User: map[string]bool{}, UserKnown: cvKnown}
	if cv != nil {
		scope.UserKnown = validateColorValueKeys(cv, at.AtName("color_values"), diags)
		for k := range cv.Blue.Elements() {
			scope.User[k] = true
		}
	}
	str := func(p path.Path, what string, v types.String) {
		if known(v) {
			scope.validateTemplate(p, what, v.ValueString(), diags)
		}
	}
	mapValues := func(p path.Path, noun string, m types.Map) {
		if !known(m) {
			return
		}
		for k, e := range m.Elements() {
			if s, ok := e.(types.String); ok && known(s) {
				scope.validateTemplate(p, fmt.Sprintf("the value of %s %q", noun, k), s.ValueString(), diags)
			}
		}
	}
	headers := func(p path.Path, m types.Map) { mapValues(p, "header", m) }
	for i, h := range c.HTTP {
		hp := at.AtName("http").AtListIndex(i)
		str(hp.AtName("url"), "url", h.URL)
		str(hp.AtName("json_value"), "json_value", h.JSONValue)
		str(hp.AtName("body_regex"), "body_regex", h.BodyRegex)
		headers(hp.AtName("headers"), h.Headers)
	}
	for i, p := range c.Prometheus {
		pp := at.AtName("prometheus").AtListIndex(i)
		str(pp.AtName("url"), "url", p.URL)
		str(pp.AtName("query"), "query", p.Query)
		headers(pp.AtName("headers"), p.Headers)
	}
	for i, d := range c.Datadog {
		dp := at.AtName("datadog").AtListIndex(i)
		str(dp.AtName("url"), "url", d.URL)
		str(dp.AtName("query"), "query", d.Query)
	}
	for i, cw := range c.CloudWatch {
		for j, m := range cw.Metrics {
			mapValues(at.AtName("cloudwatch").AtListIndex(i).AtName("metrics").AtListIndex(j).AtName("dimensions"), "dimension", m.Dimensions)
		}
	}
	if known(c.AlarmNames) {
		for i, e := range c.AlarmNames.Elements() {
			if s, ok := e.(types.String); ok {
				str(at.AtName("alarm_names").AtListIndex(i), "the alarm name", s)
			}
		}
	}
}

// validateColorValueKeys requires the same keys for both colors; it returns
// false when the keys are not known yet.
func validateColorValueKeys(cv *colorValuesModel, at path.Path, diags *diag.Diagnostics) bool {
	if !known(cv.Blue) || !known(cv.Green) {
		return false
	}
	missing := func(in, of types.Map, color, other string) {
		var keys []string
		for k := range of.Elements() {
			if _, ok := in.Elements()[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		if len(keys) > 0 {
			diags.AddAttributeError(at.AtName(color), "Placeholder defined for one color only",
				fmt.Sprintf("Attribute %s: %s defines %s but %s does not: one configuration serves both directions, so both colors need "+
					"the same keys.", at.AtName(color), other, strings.Join(keys, ", "), color))
		}
	}
	missing(cv.Blue, cv.Green, "blue", "green")
	missing(cv.Green, cv.Blue, "green", "blue")
	return true
}

// templatedURLValidator checks an absolute http(s) URL whose placeholders
// are replaced by a sample word (their values are checked when substituted).
type templatedURLValidator struct{}

func (templatedURLValidator) Description(context.Context) string {
	return "must be an http(s) URL (placeholders such as {{color}} allowed)"
}
func (v templatedURLValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}
func (templatedURLValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if known(req.ConfigValue) {
		s := req.ConfigValue.ValueString()
		if strings.HasPrefix(strings.TrimSpace(s), "{{") {
			// The scheme and host come from a placeholder ("{{base_url}}/health"):
			// judged once substituted, for both colors, before any shift.
			return
		}
		req.ConfigValue = types.StringValue(withSamplePlaceholders(s))
	}
	urlValidator{}.ValidateString(ctx, req, resp)
}

// templatedRegexValidator is regexValidator over a body_regex whose
// placeholders are replaced by a sample word.
type templatedRegexValidator struct{}

func (templatedRegexValidator) Description(context.Context) string {
	return "must be a valid RE2 regular expression (placeholders such as {{version}} allowed)"
}
func (v templatedRegexValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}
func (templatedRegexValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if known(req.ConfigValue) {
		req.ConfigValue = types.StringValue(withSamplePlaceholders(req.ConfigValue.ValueString()))
	}
	regexValidator{}.ValidateString(ctx, req, resp)
}

// validateNoInitialDelay refuses initial_delay in a health gate: a gate
// judges a color before it receives traffic, so there is no first traffic to
// count from.
func validateNoInitialDelay(c *checksModel, diags *diag.Diagnostics) {
	refuse := func(kind string, i int, d durationValue) {
		if !d.IsNull() {
			p := path.Root(kind).AtListIndex(i).AtName("initial_delay")
			diags.AddAttributeError(p, "initial_delay in a health gate",
				fmt.Sprintf("Attribute %s: initial_delay counts from the receiving color's first traffic during a switch's shift; a gate "+
					"has no traffic to count from. Remove it, or raise the gate's consecutive_successes and interval to wait longer.", p))
		}
	}
	for i, h := range c.HTTP {
		refuse("http", i, h.InitialDelay)
	}
	for i, p := range c.Prometheus {
		refuse("prometheus", i, p.InitialDelay)
	}
	for i, d := range c.Datadog {
		refuse("datadog", i, d.InitialDelay)
	}
	for i, cw := range c.CloudWatch {
		refuse("cloudwatch", i, cw.InitialDelay)
	}
}

// colorValuesMarker is a model whose rollback_on.color_values can be unknown
// at plan time (every switch, through switchModel).
type colorValuesMarker interface{ markColorValuesUnknown() }

func (m *switchModel) markColorValuesUnknown() {
	if m.RollbackOn != nil {
		m.RollbackOn.colorValuesUnknown = true
	}
}

// colorValuesUnknownIn reports whether a configuration's
// rollback_on.color_values (or rollback_on itself) is unknown.
func colorValuesUnknownIn(raw tftypes.Value) bool {
	for _, p := range []*tftypes.AttributePath{
		tftypes.NewAttributePath().WithAttributeName("rollback_on"),
		tftypes.NewAttributePath().WithAttributeName("rollback_on").WithAttributeName("color_values"),
	} {
		v, _, err := tftypes.WalkAttributePath(raw, p)
		if err != nil {
			return false
		}
		if tv, ok := v.(tftypes.Value); ok && !tv.IsKnown() {
			return true
		}
	}
	return false
}
