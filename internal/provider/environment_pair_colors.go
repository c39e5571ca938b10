package provider

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/envpair"
)

// Idle color first: each color's group has the settings of its own
// (health check, deregistration delay, slow start). A color that receives
// traffic (serving) keeps the settings it has when the configuration
// changes; the change is recorded in `deferred` and made by the first apply
// after the color stops serving. The idle color gets it at once.

var (
	appliedAttrTypes = map[string]attr.Type{
		"health_check":         types.ObjectType{AttrTypes: healthCheckAttrTypes},
		"deregistration_delay": types.StringType,
		"slow_start":           types.StringType,
	}
	deferredAttrTypes = map[string]attr.Type{
		"color": types.StringType, "setting": types.StringType, "applied": types.StringType, "wanted": types.StringType,
	}
	deferredType = types.ObjectType{AttrTypes: deferredAttrTypes}
)

// namePrefixPattern: a target group name is at most 32 alphanumerics and
// hyphens, not starting or ending with a hyphen; the prefix is followed by
// envpair.SuffixLen generated characters and "-green".
var namePrefixPattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9-]{0,17}$`)

// colorSettingsAttributes are a color's own settings (overrides over the
// shared ones) and what its group has (applied, serving).
func colorSettingsAttributes(color string) map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"health_check": schema.SingleNestedAttribute{
			Optional: true,
			MarkdownDescription: fmt.Sprintf("Health check settings of %s's group only, over the shared `health_check` "+
				"(each one given here replaces the shared value for %s). Like a shared change, a change here waits while %s serves.", color, color, color),
			Attributes: map[string]schema.Attribute{
				"path": schema.StringAttribute{Optional: true, MarkdownDescription: "As `health_check.path`.",
					Validators: []validator.String{stringvalidator.LengthBetween(1, 1024),
						stringvalidator.RegexMatches(regexp.MustCompile(`^/`), "must start with /")}},
				"matcher": schema.StringAttribute{Optional: true, MarkdownDescription: "As `health_check.matcher`.",
					Validators: []validator.String{stringvalidator.RegexMatches(matcherPattern, "must be HTTP codes such as 200, 200,202 or 200-299"),
						matcherCodesValidator{}}},
				"interval": schema.StringAttribute{Optional: true, MarkdownDescription: "As `health_check.interval`.",
					Validators: []validator.String{wholeSecondsValidator{min: 5 * time.Second, max: 300 * time.Second}}},
				"timeout": schema.StringAttribute{Optional: true, MarkdownDescription: "As `health_check.timeout`.",
					Validators: []validator.String{wholeSecondsValidator{min: 2 * time.Second, max: 120 * time.Second}}},
				"healthy_threshold": schema.Int64Attribute{Optional: true, MarkdownDescription: "As `health_check.healthy_threshold`.",
					Validators: []validator.Int64{int64validator.Between(2, 10)}},
				"unhealthy_threshold": schema.Int64Attribute{Optional: true, MarkdownDescription: "As `health_check.unhealthy_threshold`.",
					Validators: []validator.Int64{int64validator.Between(2, 10)}},
				"port": schema.StringAttribute{Optional: true, MarkdownDescription: "As `health_check.port`.",
					Validators: []validator.String{stringvalidator.RegexMatches(healthCheckPortPatt, "must be traffic-port or a port number 1-65535")}},
				"protocol": schema.StringAttribute{Optional: true, MarkdownDescription: "As `health_check.protocol`.",
					Validators: []validator.String{stringvalidator.OneOf("HTTP", "HTTPS")}},
			},
		},
		"deregistration_delay": schema.StringAttribute{
			Optional: true, MarkdownDescription: fmt.Sprintf("%s's own `deregistration_delay`, over the shared one.", color),
			Validators: []validator.String{wholeSecondsValidator{max: 3600 * time.Second}},
		},
		"slow_start": schema.StringAttribute{
			Optional: true, MarkdownDescription: fmt.Sprintf("%s's own `slow_start`, over the shared one.", color),
			Validators: []validator.String{wholeSecondsValidator{min: 30 * time.Second, max: 900 * time.Second, allowZero: true}},
		},
		"applied": schema.SingleNestedAttribute{
			Computed: true,
			MarkdownDescription: fmt.Sprintf("What %s's group has in AWS: its health check, deregistration delay and slow start "+
				"(durations in seconds). Equal to the configuration unless a change waits while %s serves (see `deferred`).", color, color),
			PlanModifiers: []planmodifier.Object{objectplanmodifier.UseStateForUnknown()},
			Attributes: map[string]schema.Attribute{
				"health_check": schema.SingleNestedAttribute{Computed: true, MarkdownDescription: "The group's health check.",
					Attributes: map[string]schema.Attribute{
						"path": schema.StringAttribute{Computed: true}, "matcher": schema.StringAttribute{Computed: true},
						"interval": schema.StringAttribute{Computed: true}, "timeout": schema.StringAttribute{Computed: true},
						"healthy_threshold": schema.Int64Attribute{Computed: true}, "unhealthy_threshold": schema.Int64Attribute{Computed: true},
						"port": schema.StringAttribute{Computed: true}, "protocol": schema.StringAttribute{Computed: true},
					}},
				"deregistration_delay": schema.StringAttribute{Computed: true, MarkdownDescription: "The group's deregistration delay."},
				"slow_start":           schema.StringAttribute{Computed: true, MarkdownDescription: "The group's slow start."},
			},
		},
		"serving": schema.BoolAttribute{
			Computed: true,
			MarkdownDescription: fmt.Sprintf("Whether %s's group receives traffic, as read by the last refresh: a listener's default "+
				"forward or a rule of a load balancer using the group gives it a weight above 0. While it does, a change of %s's "+
				"settings waits (see `deferred`).", color, color),
			PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
		},
	}
}

func deferredAttribute() schema.ListNestedAttribute {
	return schema.ListNestedAttribute{
		Computed: true,
		MarkdownDescription: "Settings the configuration changes that wait for a color that serves traffic: one entry per " +
			"color and setting (`setting` such as `health_check.path`, the `applied` value the group keeps, the `wanted` value " +
			"it gets). The idle color gets a change at once; the serving color keeps what it has until it stops serving, and the " +
			"first apply after that (the next refresh sees it idle) applies it. Empty when every color has its configuration.",
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"color":   schema.StringAttribute{Computed: true, MarkdownDescription: "`blue` or `green`."},
			"setting": schema.StringAttribute{Computed: true, MarkdownDescription: "The setting, e.g. `health_check.path`."},
			"applied": schema.StringAttribute{Computed: true, MarkdownDescription: "The value the color's group has."},
			"wanted":  schema.StringAttribute{Computed: true, MarkdownDescription: "The value the configuration gives it."},
		}},
	}
}

// settingsObject is an `applied` value: durations in whole seconds.
func settingsObject(s envpair.Settings) types.Object {
	hc := s.HealthCheck
	return types.ObjectValueMust(appliedAttrTypes, map[string]attr.Value{
		"health_check": types.ObjectValueMust(healthCheckAttrTypes, map[string]attr.Value{
			"path": types.StringValue(hc.Path), "matcher": types.StringValue(hc.Matcher),
			"interval": types.StringValue(secondsString(hc.Interval)), "timeout": types.StringValue(secondsString(hc.Timeout)),
			"healthy_threshold": types.Int64Value(int64(hc.HealthyThreshold)), "unhealthy_threshold": types.Int64Value(int64(hc.UnhealthyThreshold)),
			"port": types.StringValue(hc.Port), "protocol": types.StringValue(hc.Protocol),
		}),
		"deregistration_delay": types.StringValue(secondsString(s.DeregistrationDelay)),
		"slow_start":           types.StringValue(secondsString(s.SlowStart)),
	})
}

func secondsString(d time.Duration) string { return strconv.FormatInt(int64(d/time.Second), 10) + "s" }

// settingsFromObject reads an `applied` value back; ok is false when it is
// null, unknown or partly unknown.
func settingsFromObject(o types.Object) (envpair.Settings, bool) {
	if !known(o) {
		return envpair.Settings{}, false
	}
	a := o.Attributes()
	hco, _ := a["health_check"].(types.Object)
	if !known(hco) {
		return envpair.Settings{}, false
	}
	h := hco.Attributes()
	str := func(m map[string]attr.Value, k string) (string, bool) {
		v, _ := m[k].(types.String)
		return v.ValueString(), known(v)
	}
	num := func(k string) (int32, bool) {
		v, _ := h[k].(types.Int64)
		return int32(v.ValueInt64()), known(v)
	}
	dur := func(m map[string]attr.Value, k string) (time.Duration, bool) {
		s, ok := str(m, k)
		d, err := time.ParseDuration(s)
		return d, ok && err == nil
	}
	var s envpair.Settings
	oks := []bool{}
	var ok bool
	s.HealthCheck.Path, ok = str(h, "path")
	oks = append(oks, ok)
	s.HealthCheck.Matcher, ok = str(h, "matcher")
	oks = append(oks, ok)
	s.HealthCheck.Interval, ok = dur(h, "interval")
	oks = append(oks, ok)
	s.HealthCheck.Timeout, ok = dur(h, "timeout")
	oks = append(oks, ok)
	s.HealthCheck.HealthyThreshold, ok = num("healthy_threshold")
	oks = append(oks, ok)
	s.HealthCheck.UnhealthyThreshold, ok = num("unhealthy_threshold")
	oks = append(oks, ok)
	s.HealthCheck.Port, ok = str(h, "port")
	oks = append(oks, ok)
	s.HealthCheck.Protocol, ok = str(h, "protocol")
	oks = append(oks, ok)
	s.DeregistrationDelay, ok = dur(a, "deregistration_delay")
	oks = append(oks, ok)
	s.SlowStart, ok = dur(a, "slow_start")
	oks = append(oks, ok)
	for _, ok := range oks {
		if !ok {
			return envpair.Settings{}, false
		}
	}
	return s, true
}

// desiredSettings is what the configuration gives a color: the shared
// settings of m with the color's own over them. ok is false when a value is
// unknown.
func desiredSettings(ctx context.Context, m environmentPairModel, color string, diags *diag.Diagnostics) (envpair.Settings, bool) {
	if m.HealthCheck.IsUnknown() || m.DeregistrationDelay.IsUnknown() || m.SlowStart.IsUnknown() {
		return envpair.Settings{}, false
	}
	var hc healthCheckModel
	if !m.HealthCheck.IsNull() {
		diags.Append(m.HealthCheck.As(ctx, &hc, basetypes.ObjectAsOptions{UnhandledNullAsEmpty: true, UnhandledUnknownAsEmpty: true})...)
		if !known(m.HealthCheck) {
			return envpair.Settings{}, false
		}
	}
	or := func(v types.String, def string) string {
		if v.IsNull() || v.ValueString() == "" {
			return def
		}
		return v.ValueString()
	}
	orInt := func(v types.Int64, def int64) int32 {
		if v.IsNull() {
			return int32(def)
		}
		return int32(v.ValueInt64())
	}
	s := envpair.Settings{
		HealthCheck: envpair.HealthCheck{
			Path: or(hc.Path, "/"), Matcher: or(hc.Matcher, "200"),
			Interval: durationOr(hc.Interval, 30*time.Second), Timeout: durationOr(hc.Timeout, 5*time.Second),
			HealthyThreshold: orInt(hc.HealthyThreshold, 5), UnhealthyThreshold: orInt(hc.UnhealthyThreshold, 2),
			Port: or(hc.Port, "traffic-port"), Protocol: or(hc.Protocol, "HTTP"),
		},
		DeregistrationDelay: durationOr(m.DeregistrationDelay, 300*time.Second),
		SlowStart:           durationOr(m.SlowStart, 0),
	}
	obj := m.Blue
	if color == "green" {
		obj = m.Green
	}
	if obj.IsUnknown() {
		return envpair.Settings{}, false
	}
	if obj.IsNull() {
		return s, true
	}
	a := obj.Attributes()
	if v, ok := a["deregistration_delay"].(types.String); ok && !v.IsNull() {
		if v.IsUnknown() {
			return envpair.Settings{}, false
		}
		s.DeregistrationDelay = durationOr(v, s.DeregistrationDelay)
	}
	if v, ok := a["slow_start"].(types.String); ok && !v.IsNull() {
		if v.IsUnknown() {
			return envpair.Settings{}, false
		}
		s.SlowStart = durationOr(v, s.SlowStart)
	}
	o, _ := a["health_check"].(types.Object)
	if o.IsNull() {
		return s, true
	}
	if o.IsUnknown() {
		return envpair.Settings{}, false
	}
	for k, v := range o.Attributes() {
		if v.IsNull() {
			continue
		}
		if v.IsUnknown() {
			return envpair.Settings{}, false
		}
		switch x := v.(type) {
		case types.String:
			switch k {
			case "path":
				s.HealthCheck.Path = x.ValueString()
			case "matcher":
				s.HealthCheck.Matcher = x.ValueString()
			case "interval":
				s.HealthCheck.Interval = durationOr(x, s.HealthCheck.Interval)
			case "timeout":
				s.HealthCheck.Timeout = durationOr(x, s.HealthCheck.Timeout)
			case "port":
				s.HealthCheck.Port = x.ValueString()
			case "protocol":
				s.HealthCheck.Protocol = x.ValueString()
			}
		case types.Int64:
			switch k {
			case "healthy_threshold":
				s.HealthCheck.HealthyThreshold = int32(x.ValueInt64())
			case "unhealthy_threshold":
				s.HealthCheck.UnhealthyThreshold = int32(x.ValueInt64())
			}
		}
	}
	return s, true
}

// colorOverride is the color's own settings when its block gives any.
func colorOverride(ctx context.Context, m environmentPairModel, color string, diags *diag.Diagnostics) *envpair.Settings {
	obj := m.Blue
	if color == "green" {
		obj = m.Green
	}
	if !known(obj) {
		return nil
	}
	a := obj.Attributes()
	given := false
	for _, k := range []string{"health_check", "deregistration_delay", "slow_start"} {
		if v, ok := a[k]; ok && !v.IsNull() {
			given = true
		}
	}
	if !given {
		return nil
	}
	s, ok := desiredSettings(ctx, m, color, diags)
	if !ok {
		return nil
	}
	return &s
}

// deferredEntries lists, for each serving color, the settings in which what
// its group has (applied) differs from what the configuration gives it.
func deferredEntries(serving map[string]bool, applied, desired map[string]envpair.Settings) []attr.Value {
	out := []attr.Value{}
	for _, color := range envpair.Colors {
		a, okA := applied[color]
		d, okD := desired[color]
		if !serving[color] || !okA || !okD {
			continue
		}
		for _, x := range a.Diff(d) {
			out = append(out, types.ObjectValueMust(deferredAttrTypes, map[string]attr.Value{
				"color": types.StringValue(color), "setting": types.StringValue(x.Setting),
				"applied": types.StringValue(x.From), "wanted": types.StringValue(x.To),
			}))
		}
	}
	return out
}

// deferredWarning says in the plan what waits for which color.
func deferredWarning(entries []attr.Value, diags *diag.Diagnostics) {
	by := map[string][]string{}
	for _, e := range entries {
		a := e.(types.Object).Attributes()
		c := a["color"].(types.String).ValueString()
		by[c] = append(by[c], fmt.Sprintf("%s %s → %s", a["setting"].(types.String).ValueString(),
			strconv.Quote(a["applied"].(types.String).ValueString()), strconv.Quote(a["wanted"].(types.String).ValueString())))
	}
	colors := make([]string, 0, len(by))
	for c := range by {
		colors = append(colors, c)
	}
	sort.Strings(colors)
	for _, c := range colors {
		diags.AddWarning(fmt.Sprintf("Change deferred for %s: it serves traffic", c),
			fmt.Sprintf("%s receives traffic (as read by this plan's refresh), so this apply leaves its settings as they are: %s. "+
				"The other color gets its configuration now. The first apply after %s stops serving (a shift makes it idle) "+
				"applies the change to %s; until then the pair's `deferred` lists it.", c, strings.Join(by[c], ", "), c, c))
	}
}

// validateColorTimeouts checks, for a color with a health check of its own,
// that its timeout (its own or the shared one) is shorter than its interval.
func validateColorTimeouts(ctx context.Context, m environmentPairModel, diags *diag.Diagnostics) {
	for _, color := range envpair.Colors {
		obj := m.Blue
		if color == "green" {
			obj = m.Green
		}
		if !known(obj) {
			continue
		}
		own, _ := obj.Attributes()["health_check"].(types.Object)
		if !known(own) {
			continue
		}
		a := own.Attributes()
		oi, _ := a["interval"].(types.String)
		ot, _ := a["timeout"].(types.String)
		if oi.IsNull() && ot.IsNull() {
			continue
		}
		s, ok := desiredSettings(ctx, m, color, diags)
		if !ok || s.HealthCheck.Interval <= 0 || s.HealthCheck.Timeout <= 0 {
			continue
		}
		if s.HealthCheck.Timeout >= s.HealthCheck.Interval {
			diags.AddAttributeError(path.Root(color).AtName("health_check"), "Health check timeout not shorter than interval",
				fmt.Sprintf("%s's health check would have timeout %s and interval %s (its own settings over the shared ones): "+
					"the timeout must be shorter than the interval, or AWS rejects it.", color, s.HealthCheck.Timeout, s.HealthCheck.Interval))
		}
	}
}
