package provider

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/envpair"
)

var (
	_ resource.ResourceWithConfigure      = (*environmentPairResource)(nil)
	_ resource.ResourceWithImportState    = (*environmentPairResource)(nil)
	_ resource.ResourceWithValidateConfig = (*environmentPairResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*environmentPairResource)(nil)
)

// NewEnvironmentPairResource is the bluegreen_environment_pair resource.
func NewEnvironmentPairResource() resource.Resource { return &environmentPairResource{} }

type environmentPairResource struct{ data *providerData }

type environmentPairModel struct {
	ID                  types.String `tfsdk:"id"`
	Name                types.String `tfsdk:"name"`
	NamePrefix          types.String `tfsdk:"name_prefix"`
	VpcID               types.String `tfsdk:"vpc_id"`
	Port                types.Int64  `tfsdk:"port"`
	Protocol            types.String `tfsdk:"protocol"`
	TargetType          types.String `tfsdk:"target_type"`
	IPAddressType       types.String `tfsdk:"ip_address_type"`
	HealthCheck         types.Object `tfsdk:"health_check"`
	DeregistrationDelay types.String `tfsdk:"deregistration_delay"`
	SlowStart           types.String `tfsdk:"slow_start"`
	Tags                types.Map    `tfsdk:"tags"`
	Blue                types.Object `tfsdk:"blue"`
	Green               types.Object `tfsdk:"green"`
	ColorsDifferIn      types.List   `tfsdk:"colors_differ_in"`
	Deferred            types.List   `tfsdk:"deferred"`
}

type healthCheckModel struct {
	Path               types.String `tfsdk:"path"`
	Matcher            types.String `tfsdk:"matcher"`
	Interval           types.String `tfsdk:"interval"`
	Timeout            types.String `tfsdk:"timeout"`
	HealthyThreshold   types.Int64  `tfsdk:"healthy_threshold"`
	UnhealthyThreshold types.Int64  `tfsdk:"unhealthy_threshold"`
	Port               types.String `tfsdk:"port"`
	Protocol           types.String `tfsdk:"protocol"`
}

type colorModel struct {
	Version        types.String `tfsdk:"version"`
	Targets        types.Set    `tfsdk:"targets"`
	Name           types.String `tfsdk:"name"`
	TargetGroupARN types.String `tfsdk:"target_group_arn"`
	ARNSuffix      types.String `tfsdk:"arn_suffix"`
	// The color's own settings over the shared ones, and what its group has.
	HealthCheck         types.Object `tfsdk:"health_check"`
	DeregistrationDelay types.String `tfsdk:"deregistration_delay"`
	SlowStart           types.String `tfsdk:"slow_start"`
	Applied             types.Object `tfsdk:"applied"`
	Serving             types.Bool   `tfsdk:"serving"`
}

type targetModel struct {
	ID   types.String `tfsdk:"id"`
	Port types.Int64  `tfsdk:"port"`
}

var (
	targetAttrTypes = map[string]attr.Type{"id": types.StringType, "port": types.Int64Type}
	colorAttrTypes  = map[string]attr.Type{
		"version":              types.StringType,
		"targets":              types.SetType{ElemType: types.ObjectType{AttrTypes: targetAttrTypes}},
		"name":                 types.StringType,
		"target_group_arn":     types.StringType,
		"arn_suffix":           types.StringType,
		"health_check":         types.ObjectType{AttrTypes: healthCheckAttrTypes},
		"deregistration_delay": types.StringType,
		"slow_start":           types.StringType,
		"applied":              types.ObjectType{AttrTypes: appliedAttrTypes},
		"serving":              types.BoolType,
	}
	healthCheckAttrTypes = map[string]attr.Type{
		"path": types.StringType, "matcher": types.StringType, "interval": types.StringType,
		"timeout": types.StringType, "healthy_threshold": types.Int64Type, "unhealthy_threshold": types.Int64Type,
		"port": types.StringType, "protocol": types.StringType,
	}
	defaultHealthCheck = types.ObjectValueMust(healthCheckAttrTypes, map[string]attr.Value{
		"path": types.StringValue("/"), "matcher": types.StringValue("200"), "interval": types.StringValue("30s"),
		"timeout": types.StringValue("5s"), "healthy_threshold": types.Int64Value(5), "unhealthy_threshold": types.Int64Value(2),
		"port": types.StringValue("traffic-port"), "protocol": types.StringValue("HTTP"),
	})
)

var (
	pairNamePattern     = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9-]{0,24}[a-zA-Z0-9])?$`)
	vpcIDPattern        = regexp.MustCompile(`^vpc-([0-9a-f]{8}|[0-9a-f]{17})$`)
	matcherPattern      = regexp.MustCompile(`^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$`)
	healthCheckPortPatt = regexp.MustCompile(`^(traffic-port|[1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5])$`)
)

func (r *environmentPairResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_environment_pair"
}

func colorAttribute(color string) schema.SingleNestedAttribute {
	a := colorAttributeBase(color)
	for k, v := range colorSettingsAttributes(color) {
		a.Attributes[k] = v
	}
	return a
}

func colorAttributeBase(color string) schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		Optional: true,
		Computed: true,
		MarkdownDescription: fmt.Sprintf("The %s color: its version label, optionally its targets and settings of its own, "+
			"and what its group has (`applied`, `serving`). Its target group is `<name>-%s`.", color, color),
		PlanModifiers: []planmodifier.Object{objectplanmodifier.UseStateForUnknown()},
		Attributes: map[string]schema.Attribute{
			"version": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Label of the version this color runs, e.g. `2.4.0`, at most 256 characters. Stored as the target " +
					"group tag `bluegreen:version`; changing it changes nothing else.",
				Validators: []validator.String{stringvalidator.LengthAtMost(256)},
			},
			"targets": schema.SetNestedAttribute{
				Optional: true,
				MarkdownDescription: "Targets registered with this color's group. Unset, registration is not " +
					"managed (an ECS service or Auto Scaling group can register its own). Set, the group's " +
					"targets are made to match: missing ones registered, others deregistered (they drain for " +
					"`deregistration_delay`).",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id": schema.StringAttribute{
						Required:            true,
						MarkdownDescription: "Instance ID (target_type `instance`) or IP address (target_type `ip`) of the pair's `ip_address_type` family.",
						Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
					},
					"port": schema.Int64Attribute{
						Optional:            true,
						MarkdownDescription: "Port the target receives traffic on, 1–65535. Default: the pair's `port`.",
						Validators:          []validator.Int64{int64validator.Between(1, 65535)},
					},
				}},
			},
			"name": schema.StringAttribute{
				Computed: true, MarkdownDescription: "Target group name, `<name>-" + color + "`.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"target_group_arn": schema.StringAttribute{
				Computed: true, MarkdownDescription: "ARN of this color's target group.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"arn_suffix": schema.StringAttribute{
				Computed: true, MarkdownDescription: "ARN suffix (`targetgroup/<name>/<id>`), the CloudWatch `TargetGroup` dimension.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *environmentPairResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Twin ALB target groups, `<name>-blue` and `<name>-green`, created from one " +
			"specification so the two colors can never drift apart. Both colors are read on every refresh: a setting " +
			"changed on either color outside Terraform shows in the plan (`blue.applied`, `green.applied`).\n\n" +
			"**Idle color first.** A pair update never changes the settings (health check, deregistration delay, slow " +
			"start) of a color that serves traffic — a listener's default forward or a rule gives its group a weight above 0, " +
			"read from the load balancers that use the groups at every refresh (`blue.serving`, `green.serving`). A changed " +
			"setting goes to the idle color at once; for the serving color it is listed in `deferred` (the plan warns, naming the " +
			"color and the setting) and applied by the first apply after that color stops serving. A color's block can also give " +
			"it settings of its own over the shared ones (`blue = { health_check = { path = \"/healthz\" } }`). Tags, version " +
			"labels and targets are applied as configured.\n\n" +
			"**Ownership.** The pair changes and deletes only the groups it created (they carry its `id` in the " +
			"tag `bluegreen:pair-id`) or that were imported. A name already taken by another target group is an " +
			"apply error naming that group and the `terraform import` command; the pair never takes it over. A " +
			"create that fails half-way deletes the group it made, or, when it cannot, records exactly that group.\n\n" +
			"**Destroy.** Before deleting anything the pair checks both colors: when a listener or rule still " +
			"forwards to either group, it deletes neither and names the listener or rule. Destroy or retarget it " +
			"first (a `bluegreen_listener_switch` that references the pair is destroyed before it).\n\n" +
			"**Removing a color's block** (`green = {…}`) stops managing that color's version label and targets: " +
			"the plan shows them going to null, the apply removes the `bluegreen:version` tag and leaves the " +
			"registered targets as they are. The group itself stays part of the pair.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The pair's identity: a random token (`pair-…`) set at create and stored on both target " +
					"groups as the tag `bluegreen:pair-id`. It is the pair's proof of ownership: before every call that " +
					"changes or deletes a group, the pair checks that the group carries it, and it never adopts a group by " +
					"name. An imported pair keeps the identity its groups carry, or takes its name when they carry none.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "Name of the pair, 1–26 characters of letters, digits and hyphens, not starting or " +
					"ending with a hyphen (the target group names `<name>-green` must fit AWS's 32). Changing it replaces the pair. " +
					"Exactly one of `name` and `name_prefix` is set; with `name_prefix` it is computed.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIfConfigured(), stringplanmodifier.UseStateForUnknown()},
				Validators: []validator.String{stringvalidator.RegexMatches(pairNamePattern,
					"must be 1–26 letters, digits and hyphens, not starting or ending with a hyphen, so that <name>-green fits the 32-character target group name limit")},
			},
			"name_prefix": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Instead of `name`: the pair's name is this prefix followed by 8 generated lower-case letters and " +
					"digits, so that the groups are `<prefix><suffix>-blue` and `-green`. 1–18 letters, digits and hyphens, not " +
					"starting with a hyphen (AWS: a target group name is at most 32 alphanumerics and hyphens and neither starts nor " +
					"ends with a hyphen). A pair replaced under `lifecycle { create_before_destroy = true }` (a change of `port`, " +
					"`protocol`, `target_type`…) then gets new group names while the old groups still exist (for a pair a switch serves " +
					"traffic from, change the port through the idle color instead: guide *Changing the pair*). Changing it replaces the pair.",
				PlanModifiers: replace,
				Validators: []validator.String{stringvalidator.RegexMatches(namePrefixPattern,
					"must be 1–18 letters, digits and hyphens, not starting with a hyphen, so that <prefix><8 characters>-green fits the 32-character target group name limit")},
			},
			"vpc_id": schema.StringAttribute{
				Required: true, MarkdownDescription: "VPC of both target groups (`vpc-…`). Changing it replaces the pair.",
				PlanModifiers: replace,
				Validators:    []validator.String{stringvalidator.RegexMatches(vpcIDPattern, "must be a VPC ID such as vpc-0123456789abcdef0")},
			},
			"port": schema.Int64Attribute{
				Required: true, MarkdownDescription: "Port the targets receive traffic on, 1–65535. Changing it replaces the pair.",
				PlanModifiers: []planmodifier.Int64{int64planmodifier.RequiresReplace()},
				Validators:    []validator.Int64{int64validator.Between(1, 65535)},
			},
			"protocol": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("HTTP"),
				MarkdownDescription: "`HTTP` or `HTTPS`. Default `HTTP`. Changing it replaces the pair.",
				PlanModifiers:       replace,
				Validators:          []validator.String{stringvalidator.OneOf("HTTP", "HTTPS")},
			},
			"target_type": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("ip"),
				MarkdownDescription: "`ip` or `instance`. Default `ip`. Changing it replaces the pair.",
				PlanModifiers:       replace,
				Validators:          []validator.String{stringvalidator.OneOf("ip", "instance")},
			},
			"ip_address_type": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("ipv4"),
				MarkdownDescription: "`ipv4` or `ipv6`: the address family of the groups' IP targets. Default `ipv4`. " +
					"With target_type `ip`, every target must be an address of this family (checked at plan time). " +
					"Changing it replaces the pair.",
				PlanModifiers: replace,
				Validators:    []validator.String{stringvalidator.OneOf("ipv4", "ipv6")},
			},
			"health_check": schema.SingleNestedAttribute{
				Optional: true, Computed: true, Default: objectdefault.StaticValue(defaultHealthCheck),
				MarkdownDescription: "Health check of both groups. Defaults: path `/`, matcher `200`, interval `30s`, " +
					"timeout `5s`, healthy_threshold `5`, unhealthy_threshold `2`, port `traffic-port`, protocol `HTTP`.",
				Attributes: map[string]schema.Attribute{
					"path": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("/"),
						MarkdownDescription: "Path requested, starting with `/`, at most 1024 characters. Default `/`.",
						Validators: []validator.String{stringvalidator.LengthBetween(1, 1024),
							stringvalidator.RegexMatches(regexp.MustCompile(`^/`), "must start with /")}},
					"matcher": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("200"),
						MarkdownDescription: "HTTP codes that mean healthy: `200`, `200,202` or `200-299` (codes 200–499). Default `200`.",
						Validators: []validator.String{stringvalidator.RegexMatches(matcherPattern, "must be HTTP codes such as 200, 200,202 or 200-299"),
							matcherCodesValidator{}}},
					"interval": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("30s"),
						MarkdownDescription: "Time between checks of a target, whole seconds from `5s` to `300s`. Default `30s`.",
						Validators:          []validator.String{wholeSecondsValidator{min: 5 * time.Second, max: 300 * time.Second}}},
					"timeout": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("5s"),
						MarkdownDescription: "Time without a response that fails a check, whole seconds from `2s` to `120s`, shorter than `interval`. Default `5s`.",
						Validators:          []validator.String{wholeSecondsValidator{min: 2 * time.Second, max: 120 * time.Second}}},
					"healthy_threshold": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(5),
						MarkdownDescription: "Consecutive successes before a target is healthy, 2–10. Default `5`.",
						Validators:          []validator.Int64{int64validator.Between(2, 10)}},
					"unhealthy_threshold": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(2),
						MarkdownDescription: "Consecutive failures before a target is unhealthy, 2–10. Default `2`.",
						Validators:          []validator.Int64{int64validator.Between(2, 10)}},
					"port": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("traffic-port"),
						MarkdownDescription: "`traffic-port` or a port number 1–65535. Default `traffic-port`.",
						Validators:          []validator.String{stringvalidator.RegexMatches(healthCheckPortPatt, "must be traffic-port or a port number 1-65535")}},
					"protocol": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("HTTP"),
						MarkdownDescription: "`HTTP` or `HTTPS`. Default `HTTP`.",
						Validators:          []validator.String{stringvalidator.OneOf("HTTP", "HTTPS")}},
				},
			},
			"deregistration_delay": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("300s"),
				MarkdownDescription: "Connection draining: how long a deregistered target keeps its in-flight requests, " +
					"whole seconds from `0s` to `3600s`. Default `300s`.",
				Validators: []validator.String{wholeSecondsValidator{max: 3600 * time.Second}},
			},
			"slow_start": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("0s"),
				MarkdownDescription: "Ramp-up time of a new target, `0s` (off) or whole seconds from `30s` to `900s`. Default `0s`.",
				Validators:          []validator.String{wholeSecondsValidator{min: 30 * time.Second, max: 900 * time.Second, allowZero: true}},
			},
			"tags": schema.MapAttribute{
				ElementType: types.StringType, Optional: true,
				MarkdownDescription: "Tags of both target groups, merged over the provider's `default_tags`. The pair also " +
					"sets `bluegreen:pair`, `bluegreen:color` and `bluegreen:version` itself.",
				Validators: []validator.Map{reservedTagKeys{}},
			},
			"blue":     colorAttribute("blue"),
			"green":    colorAttribute("green"),
			"deferred": deferredAttribute(),
			"colors_differ_in": schema.ListAttribute{
				ElementType: types.StringType, Computed: true,
				MarkdownDescription: "Settings (`health_check`, `deregistration_delay`, `slow_start`, `tags`) in which the two " +
					"colors' groups differ in AWS, as read by the last refresh: non-empty while a change waits for the serving color " +
					"(`deferred`), when the colors have settings of their own, after a change made to one color outside Terraform, or " +
					"after an apply that stopped between the colors. The plan shows what the apply leaves: every idle color is set to " +
					"its configuration (even when the configuration happens to equal the other color), tags on both.",
			},
		},
	}
}

func (r *environmentPairResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	defer nameNestedDiags(&resp.Diagnostics)
	var m environmentPairModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validatePairTargets(ctx, m, &resp.Diagnostics)
	switch {
	case m.Name.IsNull() && m.NamePrefix.IsNull():
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Missing pair name",
			"Set name (the groups are <name>-blue and <name>-green) or name_prefix (a generated suffix follows it, which a "+
				"replacement under create_before_destroy needs).")
	case !m.Name.IsNull() && !m.NamePrefix.IsNull():
		resp.Diagnostics.AddAttributeError(path.Root("name_prefix"), "Both name and name_prefix set",
			"Set either name or name_prefix, not both.")
	}
	validateColorTimeouts(ctx, m, &resp.Diagnostics)
	if m.HealthCheck.IsNull() || m.HealthCheck.IsUnknown() {
		return
	}
	var hc healthCheckModel
	resp.Diagnostics.Append(m.HealthCheck.As(ctx, &hc, basetypes.ObjectAsOptions{UnhandledNullAsEmpty: true, UnhandledUnknownAsEmpty: true})...)
	interval := durationOr(hc.Interval, 30*time.Second)
	timeout := durationOr(hc.Timeout, 5*time.Second)
	if interval > 0 && timeout > 0 && timeout >= interval && !hc.Interval.IsUnknown() && !hc.Timeout.IsUnknown() {
		resp.Diagnostics.AddAttributeError(path.Root("health_check").AtName("timeout"), "Health check timeout not shorter than interval",
			fmt.Sprintf("health_check.timeout (%s) must be shorter than health_check.interval (%s): AWS rejects a timeout that is not.", timeout, interval))
	}
}

var instanceIDPattern = regexp.MustCompile(`^i-([0-9a-f]{8}|[0-9a-f]{17})$`)

// validatePairTargets checks that each color's target IDs are what
// target_type registers: instance IDs for "instance", IP addresses for "ip".
func validatePairTargets(ctx context.Context, m environmentPairModel, diags *diag.Diagnostics) {
	if m.TargetType.IsUnknown() {
		return
	}
	targetType := "ip"
	if !m.TargetType.IsNull() {
		targetType = m.TargetType.ValueString()
	}
	family := "ipv4"
	if known(m.IPAddressType) {
		family = m.IPAddressType.ValueString()
	}
	for _, color := range envpair.Colors {
		obj := m.Blue
		if color == "green" {
			obj = m.Green
		}
		if !known(obj) {
			continue
		}
		var c colorModel
		if d := obj.As(ctx, &c, basetypes.ObjectAsOptions{UnhandledNullAsEmpty: true, UnhandledUnknownAsEmpty: true}); d.HasError() || !known(c.Targets) {
			continue
		}
		for _, e := range c.Targets.Elements() {
			o, ok := e.(types.Object)
			if !ok || !known(o) {
				continue
			}
			id, ok := o.Attributes()["id"].(types.String)
			if !ok || !known(id) || id.ValueString() == "" {
				continue
			}
			at := path.Root(color).AtName("targets")
			switch addr, ipErr := netip.ParseAddr(id.ValueString()); {
			case targetType == "ip" && ipErr != nil:
				diags.AddAttributeError(at, "Target does not match target_type",
					fmt.Sprintf("%s.targets: id %q is not an IP address, but target_type = \"ip\" registers targets by IP address. "+
						"Use an IP address, or target_type = \"instance\" for EC2 instance IDs.", color, id.ValueString()))
			case targetType == "ip" && m.IPAddressType.IsUnknown():
			case targetType == "ip" && (family == "ipv6") != (addr.Is6() && !addr.Is4In6()):
				diags.AddAttributeError(at, "Target does not match ip_address_type",
					fmt.Sprintf("%s.targets: %q is not an %s address, but ip_address_type = %q: a target group registers addresses of one family only. "+
						"Set ip_address_type = %q, or use %s targets.", color, id.ValueString(), family, family, otherFamily(family), family))
			case targetType == "instance" && !instanceIDPattern.MatchString(id.ValueString()):
				diags.AddAttributeError(at, "Target does not match target_type",
					fmt.Sprintf("%s.targets: id %q is not an EC2 instance ID (i-0123456789abcdef0), but target_type = \"instance\" registers "+
						"targets by instance ID. Use an instance ID, or target_type = \"ip\" for IP addresses.", color, id.ValueString()))
			}
		}
	}
}

func otherFamily(f string) string {
	if f == "ipv6" {
		return "ipv4"
	}
	return "ipv6"
}

// durationLike is a Go duration attribute's value: durationValue, or a
// plain types.String.
type durationLike interface {
	IsNull() bool
	IsUnknown() bool
	ValueString() string
}

// durationOr parses a known duration attribute, returning def when null and 0 when unknown or invalid.
func durationOr(v durationLike, def time.Duration) time.Duration {
	if v.IsNull() {
		return def
	}
	if v.IsUnknown() {
		return 0
	}
	d, err := time.ParseDuration(v.ValueString())
	if err != nil {
		return 0
	}
	return d
}

func (r *environmentPairResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredAWSData(req.ProviderData, "bluegreen_environment_pair", &resp.Diagnostics)
}

func (r *environmentPairResource) expand(ctx context.Context, m environmentPairModel, diags *diag.Diagnostics) envpair.Spec {
	s := envpair.Spec{
		ID:            m.ID.ValueString(),
		Name:          m.Name.ValueString(),
		VpcID:         m.VpcID.ValueString(),
		Port:          int32(m.Port.ValueInt64()),
		Protocol:      m.Protocol.ValueString(),
		TargetType:    m.TargetType.ValueString(),
		IPAddressType: m.IPAddressType.ValueString(),
		Colors:        map[string]envpair.ColorSpec{},
		Tags:          map[string]string{},
	}
	if s.IPAddressType == "" {
		s.IPAddressType = "ipv4"
	}
	var hc healthCheckModel
	if known(m.HealthCheck) {
		diags.Append(m.HealthCheck.As(ctx, &hc, basetypes.ObjectAsOptions{UnhandledNullAsEmpty: true, UnhandledUnknownAsEmpty: true})...)
	}
	s.HealthCheck = envpair.HealthCheck{
		Path: hc.Path.ValueString(), Matcher: hc.Matcher.ValueString(),
		Interval: durationOr(hc.Interval, 30*time.Second), Timeout: durationOr(hc.Timeout, 5*time.Second),
		HealthyThreshold: int32(hc.HealthyThreshold.ValueInt64()), UnhealthyThreshold: int32(hc.UnhealthyThreshold.ValueInt64()),
		Port: hc.Port.ValueString(), Protocol: hc.Protocol.ValueString(),
	}
	s.DeregistrationDelay = durationOr(m.DeregistrationDelay, 300*time.Second)
	s.SlowStart = durationOr(m.SlowStart, 0)
	if r.data != nil {
		for k, v := range r.data.DefaultTags {
			s.Tags[k] = v
		}
	}
	if known(m.Tags) {
		for k, v := range m.Tags.Elements() {
			if sv, ok := v.(types.String); ok && known(sv) {
				s.Tags[k] = sv.ValueString()
			}
		}
	}
	for color, obj := range map[string]types.Object{"blue": m.Blue, "green": m.Green} {
		cs := envpair.ColorSpec{}
		if known(obj) {
			var c colorModel
			diags.Append(obj.As(ctx, &c, basetypes.ObjectAsOptions{UnhandledUnknownAsEmpty: true, UnhandledNullAsEmpty: true})...)
			cs.Version = c.Version.ValueString()
			cs.Settings = colorOverride(ctx, m, color, diags)
			if known(c.Targets) {
				var ts []targetModel
				diags.Append(c.Targets.ElementsAs(ctx, &ts, false)...)
				cs.Targets = []envpair.Target{}
				for _, t := range ts {
					port := int32(t.Port.ValueInt64())
					if t.Port.IsNull() {
						port = s.Port
					}
					cs.Targets = append(cs.Targets, envpair.Target{ID: t.ID.ValueString(), Port: port})
				}
			}
		}
		s.Colors[color] = cs
	}
	return s
}

// stateARNs are the groups the state records: the groups the pair owns.
func stateARNs(ctx context.Context, m environmentPairModel, diags *diag.Diagnostics) envpair.ARNs {
	out := envpair.ARNs{}
	for color, obj := range map[string]types.Object{"blue": m.Blue, "green": m.Green} {
		if !known(obj) {
			continue
		}
		var c colorModel
		diags.Append(obj.As(ctx, &c, basetypes.ObjectAsOptions{UnhandledUnknownAsEmpty: true, UnhandledNullAsEmpty: true})...)
		if known(c.TargetGroupARN) {
			out[color] = c.TargetGroupARN.ValueString()
		}
	}
	return out
}

// flatten writes what AWS reports into the model, keeping the user's
// spelling where AWS's is equivalent (a target without a port, unmanaged
// targets, tags that come from default_tags). Shared settings come from
// Pair.Observed: a value either color reports differently from prior shows.
// A color whose group is missing keeps its configured version and targets
// and has no ARN, so the next plan creates its group again.
func (r *environmentPairResource) flatten(ctx context.Context, p *envpair.Pair, prior environmentPairModel, serving map[string]bool, diags *diag.Diagnostics) environmentPairModel {
	m := prior
	spec := p.Observed(r.expand(ctx, prior, diags))
	// The shared settings are the configuration's (each color's group has
	// its own, in <color>.applied); read from AWS only on import.
	imported := !known(prior.HealthCheck)
	m.Name = types.StringValue(prior.Name.ValueString())
	m.VpcID = types.StringValue(spec.VpcID)
	m.Port = types.Int64Value(int64(spec.Port))
	m.Protocol = types.StringValue(spec.Protocol)
	m.TargetType = types.StringValue(spec.TargetType)
	m.IPAddressType = types.StringValue(spec.IPAddressType)
	if imported {
		hc := spec.HealthCheck
		var hcv diag.Diagnostics
		m.HealthCheck, hcv = types.ObjectValue(healthCheckAttrTypes, map[string]attr.Value{
			"path": types.StringValue(hc.Path), "matcher": types.StringValue(hc.Matcher),
			"interval":          types.StringValue(keepDuration(prior.HealthCheck, "interval", hc.Interval)),
			"timeout":           types.StringValue(keepDuration(prior.HealthCheck, "timeout", hc.Timeout)),
			"healthy_threshold": types.Int64Value(int64(hc.HealthyThreshold)), "unhealthy_threshold": types.Int64Value(int64(hc.UnhealthyThreshold)),
			"port": types.StringValue(hc.Port), "protocol": types.StringValue(hc.Protocol),
		})
		diags.Append(hcv...)
		m.DeregistrationDelay = types.StringValue(sameDuration(prior.DeregistrationDelay, spec.DeregistrationDelay))
		m.SlowStart = types.StringValue(sameDuration(prior.SlowStart, spec.SlowStart))
	}

	// Tags: what AWS has, minus what default_tags supplies unchanged.
	userTags := map[string]attr.Value{}
	for k, v := range spec.Tags {
		if r.data != nil {
			if dv, ok := r.data.DefaultTags[k]; ok && dv == v && !priorHasTag(prior.Tags, k) {
				continue
			}
		}
		userTags[k] = types.StringValue(v)
	}
	if len(userTags) == 0 && prior.Tags.IsNull() {
		m.Tags = types.MapNull(types.StringType)
	} else {
		m.Tags = types.MapValueMust(types.StringType, userTags)
	}

	var differ []attr.Value
	for _, d := range p.Drift() {
		differ = append(differ, types.StringValue(d))
	}
	m.ColorsDifferIn = types.ListValueMust(types.StringType, differ)

	applied, servingNow := map[string]envpair.Settings{}, map[string]bool{}
	for _, color := range envpair.Colors {
		g, present := p.Groups[color]
		var priorColor colorModel
		priorObj := prior.Blue
		if color == "green" {
			priorObj = prior.Green
		}
		imported := true
		if known(priorObj) {
			diags.Append(priorObj.As(ctx, &priorColor, basetypes.ObjectAsOptions{UnhandledUnknownAsEmpty: true, UnhandledNullAsEmpty: true})...)
			imported = !known(priorColor.TargetGroupARN) && present
		}
		if priorColor.Targets.IsNull() || priorColor.Targets.IsUnknown() {
			priorColor.Targets = types.SetNull(types.ObjectType{AttrTypes: targetAttrTypes})
		}
		var obj types.Object
		var d diag.Diagnostics
		own := colorOwnValues(priorColor)
		isServing := types.BoolValue(serving[color])
		if serving == nil {
			isServing = priorColor.Serving
			if isServing.IsUnknown() || isServing.IsNull() {
				isServing = types.BoolValue(false)
			}
		}
		if !present {
			version := priorColor.Version
			if version.IsUnknown() {
				version = types.StringNull()
			}
			vals := map[string]attr.Value{
				"version": version, "targets": priorColor.Targets,
				"name":             types.StringValue(envpair.GroupName(m.Name.ValueString(), color)),
				"target_group_arn": types.StringNull(), "arn_suffix": types.StringNull(),
				"applied": types.ObjectNull(appliedAttrTypes), "serving": types.BoolValue(false),
			}
			for k, v := range own {
				vals[k] = v
			}
			obj, d = types.ObjectValue(colorAttrTypes, vals)
		} else {
			version := types.StringNull()
			if g.Version != "" {
				version = types.StringValue(g.Version)
			}
			targets := types.SetNull(types.ObjectType{AttrTypes: targetAttrTypes})
			managed := !priorColor.Targets.IsNull()
			if managed || (imported && len(g.Targets) > 0) {
				targets = flattenTargets(ctx, g.Targets, priorColor.Targets, spec.Port, diags)
			}
			vals := map[string]attr.Value{
				"version": version, "targets": targets, "name": types.StringValue(g.Name),
				"target_group_arn": types.StringValue(g.TargetGroupARN), "arn_suffix": types.StringValue(g.ARNSuffix),
				"applied": settingsObject(g.Settings()), "serving": isServing,
			}
			for k, v := range own {
				vals[k] = v
			}
			obj, d = types.ObjectValue(colorAttrTypes, vals)
			applied[color] = g.Settings()
			if isServing.ValueBool() {
				servingNow[color] = true
			}
		}
		diags.Append(d...)
		if color == "blue" {
			m.Blue = obj
		} else {
			m.Green = obj
		}
	}
	desired := map[string]envpair.Settings{}
	for _, color := range envpair.Colors {
		if d, ok := desiredSettings(ctx, m, color, diags); ok {
			desired[color] = d
		}
	}
	m.Deferred = types.ListValueMust(deferredType, deferredEntries(servingNow, applied, desired))
	return m
}

// colorOwnValues are a color's own settings as configured (null when its
// block gives none, or there is no block).
func colorOwnValues(c colorModel) map[string]attr.Value {
	out := map[string]attr.Value{
		"health_check": types.ObjectNull(healthCheckAttrTypes), "deregistration_delay": types.StringNull(), "slow_start": types.StringNull(),
	}
	if !c.HealthCheck.IsNull() && !c.HealthCheck.IsUnknown() {
		out["health_check"] = c.HealthCheck
	}
	if !c.DeregistrationDelay.IsNull() && !c.DeregistrationDelay.IsUnknown() {
		out["deregistration_delay"] = c.DeregistrationDelay
	}
	if !c.SlowStart.IsNull() && !c.SlowStart.IsUnknown() {
		out["slow_start"] = c.SlowStart
	}
	return out
}

func priorHasTag(tags types.Map, k string) bool {
	if tags.IsNull() || tags.IsUnknown() {
		return false
	}
	_, ok := tags.Elements()[k]
	return ok
}

func flattenTargets(ctx context.Context, read []envpair.Target, prior types.Set, groupPort int32, diags *diag.Diagnostics) types.Set {
	priorPortless := map[string]bool{}
	if !prior.IsNull() && !prior.IsUnknown() {
		var ts []targetModel
		diags.Append(prior.ElementsAs(ctx, &ts, false)...)
		for _, t := range ts {
			if t.Port.IsNull() {
				priorPortless[t.ID.ValueString()] = true
			}
		}
	}
	elems := make([]attr.Value, 0, len(read))
	for _, t := range read {
		port := types.Int64Value(int64(t.Port))
		// Imported (no prior): the group's port reads as "not set".
		if t.Port == groupPort && (priorPortless[t.ID] || prior.IsNull() || prior.IsUnknown()) {
			port = types.Int64Null()
		}
		elems = append(elems, types.ObjectValueMust(targetAttrTypes, map[string]attr.Value{"id": types.StringValue(t.ID), "port": port}))
	}
	s, d := types.SetValue(types.ObjectType{AttrTypes: targetAttrTypes}, elems)
	diags.Append(d...)
	return s
}

// sameDuration keeps the user's spelling ("5m") when it means the AWS value (300 s).
func sameDuration(prior types.String, got time.Duration) string {
	if !prior.IsNull() && !prior.IsUnknown() {
		if d, err := time.ParseDuration(prior.ValueString()); err == nil && d == got {
			return prior.ValueString()
		}
	}
	return fmt.Sprintf("%ds", int64(got/time.Second))
}

func keepDuration(prior types.Object, name string, got time.Duration) string {
	if !prior.IsNull() && !prior.IsUnknown() {
		if v, ok := prior.Attributes()[name].(types.String); ok {
			return sameDuration(v, got)
		}
	}
	return sameDuration(types.StringNull(), got)
}

// ModifyPlan makes the plan say what the apply does to each color:
//   - colors that differ in AWS (colors_differ_in not empty) are planned to
//     be made equal: an update, whatever the configuration says;
//   - a color whose block is removed from the configuration stops being
//     managed: its version label and targets are planned as null (the apply
//     removes the version tag and leaves the targets alone);
//   - a color whose group is missing (deleted outside Terraform, or a create
//     that could only make one) is planned with an unknown ARN: the apply
//     creates its group again;
//   - the total tag count (default_tags + tags + the pair's own) is checked
//     against AWS's 50 per target group.
func (r *environmentPairResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	defer nameNestedDiags(&resp.Diagnostics)
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan, config environmentPairModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.checkTagCount(config, &resp.Diagnostics)
	if req.State.Raw.IsNull() {
		return
	}
	var state environmentPairModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	warnServingReplaced(plan, state, &resp.Diagnostics)
	planned := map[string]envpair.Settings{}
	desired := map[string]envpair.Settings{}
	servingAt := map[string]bool{}
	allKnown := true
	for _, color := range envpair.Colors {
		cfgObj, stObj := config.Blue, state.Blue
		if color == "green" {
			cfgObj, stObj = config.Green, state.Green
		}
		var st colorModel
		if known(stObj) {
			resp.Diagnostics.Append(stObj.As(ctx, &st, basetypes.ObjectAsOptions{UnhandledNullAsEmpty: true, UnhandledUnknownAsEmpty: true})...)
		}
		if !known(st.TargetGroupARN) && !known(st.Name) {
			allKnown = false
			continue
		}
		version, targets := attr.Value(types.StringNull()), attr.Value(types.SetNull(types.ObjectType{AttrTypes: targetAttrTypes}))
		own := colorOwnValues(colorModel{HealthCheck: types.ObjectNull(healthCheckAttrTypes)})
		if !cfgObj.IsNull() {
			if cfgObj.IsUnknown() {
				allKnown = false
				continue
			}
			a := cfgObj.Attributes()
			version, targets = a["version"], a["targets"]
			for _, k := range []string{"health_check", "deregistration_delay", "slow_start"} {
				own[k] = a[k]
			}
		}
		arn, suffix := attr.Value(st.TargetGroupARN), attr.Value(st.ARNSuffix)
		// What the apply leaves the color's group with: its configuration,
		// unless it serves (as the refresh read), when it keeps what it has.
		serving := known(st.Serving) && st.Serving.ValueBool()
		servingAt[color] = serving
		want, wantKnown := desiredSettings(ctx, config, color, &resp.Diagnostics)
		if wantKnown {
			// The plan's shared values carry the defaults the config omits.
			want, wantKnown = desiredSettings(ctx, withColor(plan, color, cfgObj), color, &resp.Diagnostics)
		}
		had, hadKnown := settingsFromObject(st.Applied)
		applied := types.ObjectUnknown(appliedAttrTypes)
		switch {
		case !known(st.TargetGroupARN):
			arn, suffix = types.StringUnknown(), types.StringUnknown()
			serving, servingAt[color] = false, false
			allKnown = false
		case serving && hadKnown:
			applied = st.Applied
			planned[color] = had
		case serving:
			allKnown = false
		case wantKnown:
			applied = settingsObject(want)
			planned[color] = want
		default:
			allKnown = false
		}
		if wantKnown {
			desired[color] = want
		} else {
			allKnown = false
		}
		vals := map[string]attr.Value{
			"version": version, "targets": targets,
			"name":             types.StringValue(envpair.GroupName(plan.Name.ValueString(), color)),
			"target_group_arn": arn, "arn_suffix": suffix,
			"applied": applied, "serving": types.BoolValue(serving),
		}
		for k, v := range own {
			vals[k] = v
		}
		obj, d := types.ObjectValue(colorAttrTypes, vals)
		resp.Diagnostics.Append(d...)
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root(color), obj)...)
	}
	if !allKnown {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("deferred"), types.ListUnknown(deferredType))...)
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("colors_differ_in"), types.ListUnknown(types.StringType))...)
		return
	}
	entries := deferredEntries(servingAt, planned, desired)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("deferred"), types.ListValueMust(deferredType, entries))...)
	deferredWarning(entries, &resp.Diagnostics)
	// Colors that differ after the apply: in the settings a serving color
	// keeps, and in what no update changes (port, protocol…). Tags are made
	// equal. Planning a change here makes the update.
	differ := []attr.Value{}
	for _, name := range settingsDiffer(planned["blue"], planned["green"]) {
		differ = append(differ, types.StringValue(name))
	}
	for _, v := range state.ColorsDifferIn.Elements() {
		if sv, ok := v.(types.String); ok && strings.HasPrefix(sv.ValueString(), "port/") {
			differ = append(differ, sv)
		}
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("colors_differ_in"), types.ListValueMust(types.StringType, differ))...)
}

// warnServingReplaced says, at plan time, that a change which replaces the
// pair (new groups) cannot go through while a color serves: the apply would
// stop at deleting the serving group (or at the switch, which refuses to
// drop it), and the way is the idle color.
func warnServingReplaced(plan, state environmentPairModel, diags *diag.Diagnostics) {
	var changed []string
	for name, pair := range map[string][2]attr.Value{
		"name": {plan.Name, state.Name}, "name_prefix": {plan.NamePrefix, state.NamePrefix}, "vpc_id": {plan.VpcID, state.VpcID},
		"port": {plan.Port, state.Port}, "protocol": {plan.Protocol, state.Protocol}, "target_type": {plan.TargetType, state.TargetType},
		"ip_address_type": {plan.IPAddressType, state.IPAddressType},
	} {
		if !pair[0].IsUnknown() && !pair[0].IsNull() && !pair[0].Equal(pair[1]) || name == "name_prefix" && pair[0].IsNull() && !pair[1].IsNull() {
			changed = append(changed, name)
		}
	}
	if len(changed) == 0 {
		return
	}
	sort.Strings(changed)
	for _, color := range envpair.Colors {
		if colorServing(state, color) {
			diags.AddWarning("Replacing the pair while "+color+" serves",
				fmt.Sprintf("A change of %s replaces both target groups, and %s receives traffic (as read by this plan's refresh). "+
					"The apply cannot delete a group a listener or rule forwards to, and a bluegreen_listener_switch refuses to drop "+
					"the serving group: it will stop there and change no traffic. Change %s through the idle color instead: a second "+
					"pair with the new settings takes the idle color's place in the switch, a checked shift moves the traffic, the other "+
					"color follows (guide \"Changing the pair\").", strings.Join(changed, ", "), color, strings.Join(changed, ", ")))
			return
		}
	}
}

// withColor is m with its color block as configured (own settings), for
// desiredSettings over the plan's shared values.
func withColor(m environmentPairModel, color string, cfg types.Object) environmentPairModel {
	if color == "green" {
		m.Green = cfg
	} else {
		m.Blue = cfg
	}
	return m
}

// settingsDiffer names the groups of settings (as colors_differ_in does) in
// which a and b differ.
func settingsDiffer(a, b envpair.Settings) []string {
	var out []string
	if a.HealthCheck != b.HealthCheck {
		out = append(out, "health_check")
	}
	if a.DeregistrationDelay != b.DeregistrationDelay {
		out = append(out, "deregistration_delay")
	}
	if a.SlowStart != b.SlowStart {
		out = append(out, "slow_start")
	}
	return out
}

// checkTagCount rejects more tags than AWS allows on a target group,
// counting default_tags and the tags the pair sets itself.
func (r *environmentPairResource) checkTagCount(config environmentPairModel, diags *diag.Diagnostics) {
	if config.Tags.IsUnknown() {
		return
	}
	all := map[string]bool{}
	if r.data != nil {
		for k := range r.data.DefaultTags {
			all[k] = true
		}
	}
	for k := range config.Tags.Elements() {
		all[k] = true
	}
	if limit := envpair.MaxTags - envpair.SystemTags; len(all) > limit {
		diags.AddAttributeError(path.Root("tags"), "Too many tags",
			fmt.Sprintf("The pair's target groups would carry %d tags of yours (tags merged over the provider's default_tags) plus "+
				"the pair's own %d (%s, %s, %s, %s), more than the %d AWS allows on a target group. Use at most %d.",
				len(all), envpair.SystemTags, envpair.TagPair, envpair.TagColor, envpair.TagVersion, envpair.TagOwner, envpair.MaxTags, limit))
	}
}

func (r *environmentPairResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer nameNestedDiags(&resp.Diagnostics)
	var plan environmentPairModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ID = types.StringValue(envpair.NewID())
	if !known(plan.Name) {
		plan.Name = types.StringValue(envpair.GeneratedName(plan.NamePrefix.ValueString()))
	}
	spec := r.expand(ctx, plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	api := r.data.Clients.ELBv2
	p, err := envpair.Create(ctx, api, spec)
	if err != nil {
		var partial *envpair.PartialCreateError
		resp.Diagnostics.AddError("Error creating environment pair", pairErrorDetail("Creating", spec.Name, err))
		if errors.As(err, &partial) {
			// Record exactly the groups that exist, so nothing is orphaned:
			// the resource is tainted and the next apply deletes them.
			got, rerr := envpair.Read(ctx, api, spec.ID, spec.Name, partial.Created)
			if rerr != nil {
				got = &envpair.Pair{Groups: map[string]envpair.Group{}}
				for color, arn := range partial.Created {
					got.Groups[color] = envpair.Group{Color: color, Name: envpair.GroupName(spec.Name, color), TargetGroupARN: arn,
						ARNSuffix: envpair.ARNSuffix(arn), Shared: spec}
				}
			}
			resp.Diagnostics.Append(resp.State.Set(ctx, r.flatten(ctx, got, plan, map[string]bool{}, &resp.Diagnostics))...)
		}
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, r.flatten(ctx, p, plan, map[string]bool{}, &resp.Diagnostics))...)
}

// pairErrorDetail explains a pair error, with the way out for the errors a
// user can act on.
func pairErrorDetail(verb, name string, err error) string {
	var taken *envpair.NameTakenError
	var notOwned *envpair.NotOwnedError
	var partial *envpair.PartialCreateError
	s := fmt.Sprintf("%s the target groups of pair %q failed: %s.", verb, name, err)
	switch {
	case errors.As(err, &taken):
		s += fmt.Sprintf("\n\nThe pair never takes over a target group it did not create, and nothing was changed on %s. "+
			"Choose another name, delete that group, or, if it is the other color of this very pair made earlier, import "+
			"the pair:\n\n  terraform import <address of this resource> %s\n\n(both %s and %s must exist). No call was made on the existing group.",
			taken.ARN, name, envpair.GroupName(name, "blue"), envpair.GroupName(name, "green"))
	case errors.As(err, &notOwned):
		s += "\n\nThe group in state no longer carries this pair's identity (tag " + envpair.TagOwner + "), so the pair refuses " +
			"to change or delete it. If it is yours, set the tag to the pair's id; otherwise remove the pair from state " +
			"(terraform state rm) and create it under another name."
	case errors.As(err, &partial):
		s += "\n\nThe groups listed were created and could not be removed again: they are recorded in state (the resource " +
			"is tainted) and the next apply deletes them before creating the pair again."
	}
	return s
}

func (r *environmentPairResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state environmentPairModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := state.Name.ValueString()
	if name == "" {
		name = state.ID.ValueString()
		state.Name = types.StringValue(name)
	}
	api := r.data.Clients.ELBv2
	arns := stateARNs(ctx, state, &resp.Diagnostics)
	if len(arns) == 0 && state.ID.IsNull() {
		// Import: the only time the pair finds its groups by name.
		got, id, err := envpair.Resolve(ctx, api, name)
		if err != nil {
			resp.Diagnostics.AddError("Error importing environment pair",
				fmt.Sprintf("Importing pair %q needs both target groups %s and %s: %s",
					name, envpair.GroupName(name, "blue"), envpair.GroupName(name, "green"), err))
			return
		}
		arns = got
		state.ID = types.StringValue(id)
	}
	p, err := envpair.Read(ctx, api, state.ID.ValueString(), name, arns)
	var nf *envpair.NotFoundError
	if errors.As(err, &nf) {
		resp.Diagnostics.AddWarning("Environment pair gone",
			fmt.Sprintf("Neither group of pair %q exists any more (%s), so the pair is removed from state and will be created again.", name, err))
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading environment pair", fmt.Sprintf("Reading pair %q: %s", name, err))
		return
	}
	live := envpair.ARNs{}
	for color, g := range p.Groups {
		live[color] = g.TargetGroupARN
	}
	fwd, err := envpair.Serving(ctx, api, live)
	if err != nil {
		resp.Diagnostics.AddError("Error reading environment pair",
			fmt.Sprintf("Reading which colors of pair %q receive traffic (the forwards of the load balancers using its groups): %s", name, err))
		return
	}
	serving := map[string]bool{}
	for color := range fwd {
		serving[color] = true
	}
	for _, color := range p.Missing {
		resp.Diagnostics.AddWarning("A color of the environment pair is missing",
			fmt.Sprintf("The %s group of pair %q (%s) no longer exists. The pair keeps the other color; the next apply creates %s again "+
				"(or, when the pair is destroyed, deletes the other color).", color, name, envpair.GroupName(name, color), envpair.GroupName(name, color)))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, r.flatten(ctx, p, state, serving, &resp.Diagnostics))...)
}

func (r *environmentPairResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer nameNestedDiags(&resp.Diagnostics)
	var plan, state environmentPairModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ID = state.ID
	spec := r.expand(ctx, plan, &resp.Diagnostics)
	arns := stateARNs(ctx, state, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	api := r.data.Clients.ELBv2
	// Idle color first: a color that serves — as the plan's refresh read
	// it, or now — keeps its settings (Hold). A color whose settings the
	// plan changes (its planned applied differs from the state's) and that
	// began serving since the plan is never written: the update stops
	// before any change.
	fwd, err := envpair.Serving(ctx, api, arns)
	if err != nil {
		resp.Diagnostics.AddError("Error updating environment pair",
			fmt.Sprintf("Reading which colors of pair %q receive traffic before changing them: %s. Nothing was changed.", spec.Name, err))
		return
	}
	for _, color := range envpair.Colors {
		planned, okP := settingsFromObject(colorApplied(plan, color))
		had, okS := settingsFromObject(colorApplied(state, color))
		changes := !okP || !okS || len(had.Diff(planned)) > 0
		servingNow := len(fwd[color]) > 0
		if changes && servingNow {
			resp.Diagnostics.AddError("A color began serving since the plan",
				fmt.Sprintf("The plan changes the settings of %s (%s), which it made while %s received no traffic; %s now receives "+
					"traffic from %s. A pair update never changes the serving color, so nothing was changed. Plan again: the "+
					"change then waits for %s (deferred) and goes to the idle color.",
					color, envpair.GroupName(spec.Name, color), color, color, envpair.DescribeForwards(fwd[color]), color))
		}
		cs := spec.Colors[color]
		cs.Hold = servingNow || colorServing(plan, color)
		spec.Colors[color] = cs
	}
	if resp.Diagnostics.HasError() {
		return
	}
	arns, err = envpair.CreateMissing(ctx, api, spec, arns)
	var p *envpair.Pair
	if err == nil {
		p, err = envpair.Update(ctx, api, spec, arns)
	}
	if err != nil {
		resp.Diagnostics.AddError("Error updating environment pair", pairErrorDetail("Updating", spec.Name, err))
		// State keeps the prior values (the next plan shows what is still to
		// do), plus any group this update created, so nothing is orphaned.
		if got, rerr := envpair.Read(ctx, api, spec.ID, spec.Name, arns); rerr == nil {
			resp.Diagnostics.Append(resp.State.Set(ctx, r.flatten(ctx, got, state, nil, &resp.Diagnostics))...)
		}
		return
	}
	// serving stays what the plan said (the refresh's reading): the next
	// refresh reads it again.
	resp.Diagnostics.Append(resp.State.Set(ctx, r.flatten(ctx, p, plan, nil, &resp.Diagnostics))...)
}

// colorServing is a color's `serving` in m (false when absent or unknown).
func colorServing(m environmentPairModel, color string) bool {
	obj := m.Blue
	if color == "green" {
		obj = m.Green
	}
	if !known(obj) {
		return false
	}
	b, _ := obj.Attributes()["serving"].(types.Bool)
	return known(b) && b.ValueBool()
}

// colorApplied is a color's `applied` object in m (null when absent).
func colorApplied(m environmentPairModel, color string) types.Object {
	obj := m.Blue
	if color == "green" {
		obj = m.Green
	}
	if !known(obj) {
		return types.ObjectNull(appliedAttrTypes)
	}
	o, _ := obj.Attributes()["applied"].(types.Object)
	return o
}

func (r *environmentPairResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state environmentPairModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	arns := stateARNs(ctx, state, &resp.Diagnostics)
	if c := r.data.deps.Clock; c != nil {
		ctx = envpair.WithSleep(ctx, c.Sleep)
	}
	err := envpair.Delete(ctx, r.data.Clients.ELBv2, state.ID.ValueString(), state.Name.ValueString(), arns)
	var inUse *envpair.InUseError
	switch {
	case errors.As(err, &inUse):
		resp.Diagnostics.AddError("Target group still in use",
			fmt.Sprintf("Deleting pair %q: %s.\n\nNeither group was deleted and the pair stays in state. Retarget or destroy "+
				"the listener, rule or bluegreen_listener_switch named above first, then apply again.", state.Name.ValueString(), err))
	case err != nil:
		resp.Diagnostics.AddError("Error deleting environment pair", pairErrorDetail("Deleting", state.Name.ValueString(), err))
	}
}

// ImportState imports a pair by its name (the target groups <name>-blue and <name>-green).
func (r *environmentPairResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !pairNamePattern.MatchString(req.ID) {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("Import a bluegreen_environment_pair by its name (the groups <name>-blue and <name>-green), got %q.", req.ID))
		return
	}
	resource.ImportStatePassthroughID(ctx, path.Root("name"), req, resp)
}
