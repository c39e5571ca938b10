package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/envpair"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/alb"
)

var (
	_ datasource.DataSourceWithConfigure        = (*listenerStateDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*listenerStateDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig   = (*listenerStateDataSource)(nil)
)

// NewListenerStateDataSource is the bluegreen_listener_state data source.
func NewListenerStateDataSource() datasource.DataSource { return &listenerStateDataSource{} }

type listenerStateDataSource struct{ data *providerData }

type listenerStateModel struct {
	ListenerARN         types.String  `tfsdk:"listener_arn"`
	RuleARN             types.String  `tfsdk:"rule_arn"`
	BlueTargetGroupARN  types.String  `tfsdk:"blue_target_group_arn"`
	GreenTargetGroupARN types.String  `tfsdk:"green_target_group_arn"`
	BlueWeight          types.Int64   `tfsdk:"blue_weight"`
	GreenWeight         types.Int64   `tfsdk:"green_weight"`
	GreenPercent        types.Float64 `tfsdk:"green_percent"`
	BlueVersion         types.String  `tfsdk:"blue_version"`
	GreenVersion        types.String  `tfsdk:"green_version"`
	ActiveColor         types.String  `tfsdk:"active_color"`
	IdleColor           types.String  `tfsdk:"idle_color"`
	StickinessEnabled   types.Bool    `tfsdk:"stickiness_enabled"`
	StickinessDuration  types.String  `tfsdk:"stickiness_duration"`
	TargetGroups        types.List    `tfsdk:"target_groups"`
}

var forwardTargetAttrTypes = map[string]attr.Type{"arn": types.StringType, "weight": types.Int64Type}

func (d *listenerStateDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_listener_state"
}

func (d *listenerStateDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads the live forward weights and active color of an ALB listener's default action or of a " +
			"listener rule, so a module can compute the idle color and deploy the new version there.\n\n" +
			"Blue and green are the given target groups or, when not given, the forward's groups whose names end in " +
			"`-blue` and `-green` (as `bluegreen_environment_pair` names them).",
		Attributes: map[string]schema.Attribute{
			"listener_arn": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Listener whose default action is read. Exactly one of `listener_arn` and `rule_arn`.",
				Validators: []validator.String{arnValidator{service: "elasticloadbalancing", resource: "listener/app/"}},
			},
			"rule_arn": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Listener rule whose forward action is read.",
				Validators: []validator.String{arnValidator{service: "elasticloadbalancing", resource: "listener-rule/app/"}},
			},
			"blue_target_group_arn": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "Blue target group. Default: the forward's group named `*-blue`.",
				Validators:          []validator.String{arnValidator{service: "elasticloadbalancing", resource: "targetgroup/"}},
			},
			"green_target_group_arn": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "Green target group. Default: the forward's group named `*-green`.",
				Validators:          []validator.String{arnValidator{service: "elasticloadbalancing", resource: "targetgroup/"}},
			},
			"blue_weight":   schema.Int64Attribute{Computed: true, MarkdownDescription: "Blue's forward weight (0 when blue is not in the forward)."},
			"green_weight":  schema.Int64Attribute{Computed: true, MarkdownDescription: "Green's forward weight (0 when green is not in the forward)."},
			"green_percent": schema.Float64Attribute{Computed: true, MarkdownDescription: "Green's share of blue+green traffic, 0–100."},
			"blue_version": schema.StringAttribute{Computed: true,
				MarkdownDescription: "Version label of blue (the `bluegreen:version` tag `bluegreen_environment_pair` sets); null when untagged."},
			"green_version": schema.StringAttribute{Computed: true, MarkdownDescription: "Version label of green; null when untagged."},
			"active_color": schema.StringAttribute{Computed: true,
				MarkdownDescription: "`blue` or `green` when that color gets all the traffic, `split` when both get some, `none` when neither does."},
			"idle_color": schema.StringAttribute{Computed: true,
				MarkdownDescription: "The color with no traffic when `active_color` is blue or green — where the next version goes; empty otherwise."},
			"stickiness_enabled":  schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the forward's target-group stickiness is on."},
			"stickiness_duration": schema.StringAttribute{Computed: true, MarkdownDescription: "Stickiness duration (e.g. `1h0m0s`); empty when off."},
			"target_groups": schema.ListNestedAttribute{
				Computed: true, MarkdownDescription: "Every target group of the forward action with its weight, in AWS's order.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"arn":    schema.StringAttribute{Computed: true, MarkdownDescription: "Target group ARN."},
					"weight": schema.Int64Attribute{Computed: true, MarkdownDescription: "Forward weight, 0–999."},
				}},
			},
		},
	}
}

func (d *listenerStateDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("listener_arn"), path.MatchRoot("rule_arn")),
	}
}

func (d *listenerStateDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var blue, green types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("blue_target_group_arn"), &blue)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("green_target_group_arn"), &green)...)
	if known(blue) && known(green) && blue.ValueString() == green.ValueString() {
		resp.Diagnostics.AddAttributeError(path.Root("green_target_group_arn"), "Same target group for blue and green",
			"blue_target_group_arn and green_target_group_arn are the same ARN: give the two different target groups of the colors, or leave them unset to find the groups named *-blue and *-green.")
	}
}

func (d *listenerStateDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configuredAWSData(req.ProviderData, "data.bluegreen_listener_state", &resp.Diagnostics)
}

func (d *listenerStateDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m listenerStateModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	arn := m.ListenerARN.ValueString()
	if arn == "" {
		arn = m.RuleARN.ValueString()
	}
	targets, stick, err := alb.DescribeForward(ctx, d.data.Clients.ELBv2, arn)
	if err != nil {
		resp.Diagnostics.AddError("Error reading listener state", fmt.Sprintf("Reading the forward action of %s: %s", arn, err))
		return
	}
	blue, green := m.BlueTargetGroupARN.ValueString(), m.GreenTargetGroupARN.ValueString()
	for _, t := range targets {
		name := targetGroupName(t.TargetGroupARN)
		if blue == "" && strings.HasSuffix(name, "-blue") {
			blue = t.TargetGroupARN
		}
		if green == "" && strings.HasSuffix(name, "-green") {
			green = t.TargetGroupARN
		}
	}
	var w traffic.Weights
	single := len(targets) == 1
	elems := make([]attr.Value, 0, len(targets))
	for _, t := range targets {
		weight := t.Weight
		if single {
			weight = 100 // a single-group forward sends it everything
		}
		switch t.TargetGroupARN {
		case blue:
			w.Blue = weight
		case green:
			w.Green = weight
		}
		elems = append(elems, types.ObjectValueMust(forwardTargetAttrTypes, map[string]attr.Value{
			"arn": types.StringValue(t.TargetGroupARN), "weight": types.Int64Value(int64(t.Weight)),
		}))
	}
	var arns []string
	for _, a := range []string{blue, green} {
		if a != "" {
			arns = append(arns, a)
		}
	}
	labels, err := envpair.VersionLabels(ctx, d.data.Clients.ELBv2, arns)
	if err != nil {
		resp.Diagnostics.AddError("Error reading listener state", fmt.Sprintf("Reading the version labels of %s: %s", arn, err))
		return
	}
	m.BlueVersion = nullIfEmpty(labels[blue])
	m.GreenVersion = nullIfEmpty(labels[green])
	m.TargetGroups = types.ListValueMust(types.ObjectType{AttrTypes: forwardTargetAttrTypes}, elems)
	m.BlueTargetGroupARN = nullIfEmpty(blue)
	m.GreenTargetGroupARN = nullIfEmpty(green)
	m.BlueWeight = types.Int64Value(int64(w.Blue))
	m.GreenWeight = types.Int64Value(int64(w.Green))
	m.GreenPercent = types.Float64Value(w.GreenPercent())
	active, idle := "split", ""
	switch {
	case w.Total() == 0:
		active = "none"
	case w.Green == 0:
		active, idle = "blue", "green"
	case w.Blue == 0:
		active, idle = "green", "blue"
	}
	m.ActiveColor = types.StringValue(active)
	m.IdleColor = types.StringValue(idle)
	m.StickinessEnabled = types.BoolValue(stick.Enabled)
	m.StickinessDuration = types.StringValue("")
	if stick.Enabled {
		m.StickinessDuration = types.StringValue(stick.Duration.String())
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func targetGroupName(arn string) string {
	_, rest, ok := strings.Cut(arn, ":targetgroup/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	return name
}

func nullIfEmpty(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}
