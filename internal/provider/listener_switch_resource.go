package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsarn"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/envpair"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/alb"
)

var (
	_ resource.ResourceWithConfigure        = (*listenerSwitchResource)(nil)
	_ resource.ResourceWithUpgradeState     = (*listenerSwitchResource)(nil)
	_ resource.ResourceWithImportState      = (*listenerSwitchResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*listenerSwitchResource)(nil)
	_ resource.ResourceWithValidateConfig   = (*listenerSwitchResource)(nil)
	_ resource.ResourceWithConfigValidators = (*listenerSwitchResource)(nil)
)

// NewListenerSwitchResource is the bluegreen_listener_switch resource.
func NewListenerSwitchResource() resource.Resource { return &listenerSwitchResource{} }

type listenerSwitchResource struct{ data *providerData }

// Status values of a switch.
const (
	statusStable         = "stable"
	statusRolledBack     = "rolled_back"
	statusRollbackFailed = "rollback_failed"
	statusHeld           = "held"
	statusConflict       = "conflict"
	statusDrifted        = "drifted"
	// statusPartial: parked at traffic_percent below 100, as configured.
	statusPartial = "partial"
)

const defaultShiftTimeout = 30 * time.Minute

type listenerSwitchModel struct {
	switchModel
	ID                  types.String     `tfsdk:"id"`
	ListenerARN         types.String     `tfsdk:"listener_arn"`
	Rule                *ruleModel       `tfsdk:"rule"`
	RuleARN             types.String     `tfsdk:"rule_arn"`
	BlueTargetGroupARN  types.String     `tfsdk:"blue_target_group_arn"`
	GreenTargetGroupARN types.String     `tfsdk:"green_target_group_arn"`
	Stickiness          *stickinessModel `tfsdk:"stickiness"`
	Preflight           *preflightModel  `tfsdk:"preflight"`
	OwnerID             types.String     `tfsdk:"owner_id"`
	Also                []alsoModel      `tfsdk:"also"`   // listener_switch_lockstep.go
	Points              types.List       `tfsdk:"points"` // listener_switch_lockstep.go
	Preview             *previewModel    `tfsdk:"preview"`
	PreviewRuleARN      types.String     `tfsdk:"preview_rule_arn"`
	PreviewColor        types.String     `tfsdk:"preview_color"`
}

type ruleModel struct {
	ListenerARN  types.String `tfsdk:"listener_arn"`
	Priority     types.Int64  `tfsdk:"priority"`
	PathPatterns types.List   `tfsdk:"path_patterns"`
	HostHeaders  types.List   `tfsdk:"host_headers"`
}

type strategyModel struct {
	Type         types.String  `tfsdk:"type"`
	Steps        types.List    `tfsdk:"steps"`
	StepPercent  types.Int64   `tfsdk:"step_percent"`
	StepInterval durationValue `tfsdk:"step_interval"`
}

type stickinessModel struct {
	Enabled  types.Bool    `tfsdk:"enabled"`
	Duration durationValue `tfsdk:"duration"`
}

type preflightModel struct {
	MinHealthyCount   types.Int64   `tfsdk:"min_healthy_count"`
	MinHealthyPercent types.Float64 `tfsdk:"min_healthy_percent"`
}

var (
	stepRecordAttrTypes = map[string]attr.Type{
		"step": types.Int64Type, "percent": types.Int64Type, "blue_weight": types.Int64Type, "green_weight": types.Int64Type,
		"started_at": types.StringType, "finished_at": types.StringType, "result": types.StringType, "evaluations": types.Int64Type,
	}
	lastShiftAttrTypes = map[string]attr.Type{
		"from": types.StringType, "to": types.StringType, "started_at": types.StringType, "finished_at": types.StringType,
		"result": types.StringType, "reason": types.StringType,
		"steps": types.ListType{ElemType: types.ObjectType{AttrTypes: stepRecordAttrTypes}},
	}
	plannedStepAttrTypes = map[string]attr.Type{
		"percent": types.Int64Type, "blue_weight": types.Int64Type, "green_weight": types.Int64Type, "hold": types.StringType,
	}
)

func (r *listenerSwitchResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_listener_switch"
}

func (r *listenerSwitchResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	listenerARN := lbListenerARNValidator{} // ALB or NLB listener (listener_switch_nlb.go)
	tgARN := arnValidator{service: "elasticloadbalancing", resource: "targetgroup/"}
	common, commonBlocks := switchSchemaParts(ctx, "the target group receiving the new traffic")
	resp.Schema = schema.Schema{
		Version: checksSchemaVersion,
		MarkdownDescription: "Owns the forward weights between a blue and a green target group on an ALB or NLB listener's " +
			"default action (`listener_arn`) or on an ALB listener rule it creates and owns (`rule`), and moves traffic to " +
			"`active_color` — all at once, in canary steps or linearly — checking the receiving color before and " +
			"during the shift and **rolling back by itself** when a check fails.\n\n" +
			"Nothing else should write these weights: do not also manage them with `aws_lb_listener` " +
			"(give that resource `lifecycle { ignore_changes = [default_action] }`).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "The listener ARN, or the rule ARN in rule mode.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"listener_arn": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "ALB or NLB listener whose default action forwards to blue and green. Its forward (to one or both " +
					"of the groups) is adopted. Exactly one of `listener_arn` and `rule` is required. Changing it replaces the switch. " +
					"On an NLB weights apply per new connection; `rule`, `stickiness` and `rollback_on.metrics` are refused there.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{listenerARN},
			},
			"owner_id": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "Random ID this switch tags its listener or rule with (tag `bluegreen:switch`). A second switch " +
					"finding another ID there refuses to write, so two switches never fight over one forward. Removed from the listener on destroy.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"rule_arn": schema.StringAttribute{
				Computed: true, MarkdownDescription: "ARN of the rule the switch created (rule mode only).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"blue_target_group_arn": schema.StringAttribute{
				Required: true, MarkdownDescription: "Target group of the blue color, e.g. `bluegreen_environment_pair.x.blue.target_group_arn`.",
				Validators: []validator.String{tgARN},
			},
			"green_target_group_arn": schema.StringAttribute{
				Required: true, MarkdownDescription: "Target group of the green color. Must differ from `blue_target_group_arn`.",
				Validators: []validator.String{tgARN},
			},
			"rule": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "Rule mode: the switch creates a listener rule with these conditions whose forward it owns. " +
					"On destroy the rule is deleted (requests then fall through to the listener's other rules or default action).",
				Attributes: map[string]schema.Attribute{
					"listener_arn": schema.StringAttribute{
						Required: true, MarkdownDescription: "Listener the rule is created on. Changing it replaces the switch.",
						PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
						Validators:    []validator.String{listenerARN},
					},
					"priority": schema.Int64Attribute{
						Required: true, MarkdownDescription: "Rule priority, 1–50000 (lower is evaluated first).",
						Validators: []validator.Int64{int64validator.Between(1, 50000)},
					},
					"path_patterns": schema.ListAttribute{
						ElementType: types.StringType, Optional: true,
						MarkdownDescription: "Path patterns (`/api/*`), 1–5 of 1–128 characters; at least one of `path_patterns` and `host_headers` is required.",
						Validators: []validator.List{listvalidator.SizeBetween(1, 5),
							listvalidator.ValueStringsAre(stringvalidator.LengthBetween(1, 128))},
					},
					"host_headers": schema.ListAttribute{
						ElementType: types.StringType, Optional: true,
						MarkdownDescription: "Host headers (`api.example.com`, `*.example.com`), 1–5 of 1–128 characters.",
						Validators: []validator.List{listvalidator.SizeBetween(1, 5),
							listvalidator.ValueStringsAre(stringvalidator.LengthBetween(1, 128))},
					},
				},
			},
			"stickiness": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "Target-group stickiness of the forward (ALB group stickiness): a client keeps going to the " +
					"color it first reached for `duration`. Set, it is read back on every refresh (a change made outside Terraform shows as a " +
					"diff and the next apply writes the configured setting back). Never set, whatever the listener has is preserved. Removed " +
					"after being set, group stickiness is turned off (the ALB default) and no longer managed.",
				Attributes: map[string]schema.Attribute{
					"enabled": schema.BoolAttribute{Required: true, MarkdownDescription: "Turn group stickiness on or off."},
					"duration": schema.StringAttribute{
						Optional: true, CustomType: durationType{}, MarkdownDescription: "How long a client sticks, whole seconds from `1s` to `168h` (604800 s). Default `1h`.",
						Validators: []validator.String{wholeSecondsValidator{min: time.Second, max: 604800 * time.Second}},
					},
				},
			},
			"preflight": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "Pre-flight check of the receiving color before any weight is written. It is never skipped: " +
					"an ALB sends traffic to *all* targets of a group with no healthy target (fail-open), so shifting onto such a group is never safe.",
				Attributes: map[string]schema.Attribute{
					"min_healthy_count": schema.Int64Attribute{
						Optional: true, MarkdownDescription: "Healthy targets the receiving group needs, at least 1. Default `1`.",
						Validators: []validator.Int64{int64validator.AtLeast(1)},
					},
					"min_healthy_percent": schema.Float64Attribute{
						Optional: true, MarkdownDescription: "Healthy share of its registered targets, 0–100. Default `0` (not checked).",
						Validators: []validator.Float64{float64validator.Between(0, 100)},
					},
				},
			},
		},
	}
	for k, v := range common {
		resp.Schema.Attributes[k] = v
	}
	for k, v := range previewAttributes() { // listener_switch_preview.go
		resp.Schema.Attributes[k] = v
	}
	resp.Schema.Blocks = commonBlocks
	addLockstepAttributes(resp.Schema.Attributes)
	nameNestedPaths(resp.Schema.Attributes)
}

func (r *listenerSwitchResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.ExactlyOneOf(path.MatchRoot("listener_arn"), path.MatchRoot("rule")),
	}
}

func (r *listenerSwitchResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredAWSData(req.ProviderData, "bluegreen_listener_switch", &resp.Diagnostics)
}

// expandStrategy expands strategy (nil → all at once).
func expandStrategy(ctx context.Context, s *strategyModel, diags *diag.Diagnostics) rollout.Strategy {
	st := rollout.Strategy{Type: rollout.StrategyAllAtOnce, StepInterval: time.Minute}
	if s == nil {
		return st
	}
	if !s.Type.IsNull() {
		st.Type = s.Type.ValueString()
	}
	if !s.Steps.IsNull() && !s.Steps.IsUnknown() {
		var steps []types.Int64 // a null step is reported by the attribute's validator
		diags.Append(s.Steps.ElementsAs(ctx, &steps, false)...)
		for _, v := range steps {
			if known(v) {
				st.Steps = append(st.Steps, int(v.ValueInt64()))
			}
		}
	}
	st.StepPercent = int(s.StepPercent.ValueInt64())
	st.StepInterval = durationOr(s.StepInterval, time.Minute)
	return st
}

// listFullyKnown reports whether l and each of its elements are known.
func listFullyKnown(l types.List) bool {
	if l.IsUnknown() {
		return false
	}
	for _, e := range l.Elements() {
		if e.IsUnknown() {
			return false
		}
	}
	return true
}

func (r *listenerSwitchResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	defer nameNestedDiags(&resp.Diagnostics)
	var m listenerSwitchModel
	_, d := getConfig(ctx, req.Config, &m)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	if known(m.BlueTargetGroupARN) && known(m.GreenTargetGroupARN) && strings.EqualFold(m.BlueTargetGroupARN.ValueString(), m.GreenTargetGroupARN.ValueString()) {
		resp.Diagnostics.AddAttributeError(path.Root("green_target_group_arn"), "Same target group for blue and green",
			"blue_target_group_arn and green_target_group_arn are the same ARN; a blue-green switch needs two different target groups.")
	}
	if rl := m.Rule; rl != nil && rl.PathPatterns.IsNull() && rl.HostHeaders.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("rule"), "Rule without conditions",
			"rule needs path_patterns, host_headers or both: AWS requires at least one condition on a non-default rule.")
	}
	validateAlso(&m, &resp.Diagnostics)
	validatePreview(&m, &resp.Diagnostics)
	validateSwitchConfig(ctx, &m.switchModel, &resp.Diagnostics, albPlaceholders...)
	validateNLBSwitch(&m, &resp.Diagnostics)
}

// reportedBySchema reports whether the attribute validators already reject
// what err is about (type, step_percent, step_interval and bake_time have
// their own; only the canary steps are checked by the engine alone), so the
// user sees one error per mistake.
func reportedBySchema(err error) bool {
	var ve *rollout.ValidationError
	if !errors.As(err, &ve) {
		return false
	}
	switch ve.Field {
	case "Type", "StepPercent", "StepInterval", "Bake":
		return true
	}
	return false
}

func strategyErrorPath(err error) path.Path {
	var ve *rollout.ValidationError
	base := path.Root("strategy")
	if !errors.As(err, &ve) {
		return base
	}
	switch ve.Field {
	case "Steps":
		if ve.Index >= 0 {
			return base.AtName("steps").AtListIndex(ve.Index)
		}
		return base.AtName("steps")
	case "StepPercent":
		return base.AtName("step_percent")
	case "StepInterval":
		return base.AtName("step_interval")
	case "Bake":
		return path.Root("bake_time")
	}
	return base.AtName("type")
}

func known(v interface {
	IsNull() bool
	IsUnknown() bool
}) bool {
	return !v.IsNull() && !v.IsUnknown()
}

func (r *listenerSwitchResource) clock() clock.Clock {
	if c := r.data.deps.Clock; c != nil {
		return c
	}
	return clock.Real{}
}

// routerFor builds the router of a switch (listener or owned rule, and the
// points of `also` in lockstep).
func (r *listenerSwitchResource) routerFor(m listenerSwitchModel) *alb.Lockstep {
	blue, green := m.BlueTargetGroupARN.ValueString(), m.GreenTargetGroupARN.ValueString()
	if m.Rule != nil || (known(m.RuleARN) && m.RuleARN.ValueString() != "") {
		return r.lockstep(alb.NewRuleRouter(r.data.Clients.ELBv2, m.RuleARN.ValueString(), blue, green), m)
	}
	return r.lockstep(alb.NewListenerRouter(r.data.Clients.ELBv2, m.ListenerARN.ValueString(), blue, green), m)
}

func (m listenerSwitchModel) listener() string {
	if m.Rule != nil {
		return m.Rule.ListenerARN.ValueString()
	}
	return m.ListenerARN.ValueString()
}

func ruleSpec(ctx context.Context, m listenerSwitchModel, tags map[string]string, diags *diag.Diagnostics) alb.RuleSpec {
	s := alb.RuleSpec{ListenerARN: m.Rule.ListenerARN.ValueString(), Priority: int32(m.Rule.Priority.ValueInt64()), Tags: tags}
	if known(m.Rule.PathPatterns) {
		diags.Append(m.Rule.PathPatterns.ElementsAs(ctx, &s.PathPatterns, false)...)
	}
	if known(m.Rule.HostHeaders) {
		diags.Append(m.Rule.HostHeaders.ElementsAs(ctx, &s.HostHeaders, false)...)
	}
	return s
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func lastShiftValue(o rollout.Outcome) types.Object {
	var steps []attr.Value
	for _, s := range o.StepRecords() {
		steps = append(steps, types.ObjectValueMust(stepRecordAttrTypes, map[string]attr.Value{
			"step": types.Int64Value(int64(s.Step)), "percent": types.Int64Value(int64(s.Percent)),
			"blue_weight": types.Int64Value(int64(s.Blue)), "green_weight": types.Int64Value(int64(s.Green)),
			"started_at": types.StringValue(rfc3339(s.StartedAt)), "finished_at": types.StringValue(rfc3339(s.FinishedAt)),
			"result": types.StringValue(string(s.Result)), "evaluations": types.Int64Value(int64(s.Evaluations)),
		}))
	}
	return types.ObjectValueMust(lastShiftAttrTypes, map[string]attr.Value{
		"from": types.StringValue(string(o.From)), "to": types.StringValue(string(o.To)),
		"started_at": types.StringValue(rfc3339(o.StartedAt)), "finished_at": types.StringValue(rfc3339(o.FinishedAt)),
		"result": types.StringValue(string(o.Result)), "reason": types.StringValue(o.Reason),
		"steps": types.ListValueMust(types.ObjectType{AttrTypes: stepRecordAttrTypes}, steps),
	})
}

func stringListOrNull(vals []string, prior types.List) types.List {
	if len(vals) == 0 && prior.IsNull() {
		return prior
	}
	elems := make([]attr.Value, len(vals))
	for i, v := range vals {
		elems[i] = types.StringValue(v)
	}
	return types.ListValueMust(types.StringType, elems)
}

// ImportState imports by listener ARN (listener mode) or rule ARN (rule
// mode). The target groups come from the forward: by the bluegreen:color tag
// or -blue / -green name the environment pair gives them; for other groups
// the ID names them: "<listener or rule ARN>,<blue target group ARN>,<green
// target group ARN>".
func (r *listenerSwitchResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	parts := strings.Split(req.ID, ",")
	id := strings.TrimSpace(parts[0])
	if len(parts) != 1 && len(parts) != 3 {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf(
			"Import a bluegreen_listener_switch by its listener or rule ARN, optionally followed by the blue and the green target group ARN "+
				"(\"<arn>,<blue target group arn>,<green target group arn>\"); got %q.", req.ID))
		return
	}
	switch {
	case checkLBListenerARN(id) == nil:
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("listener_arn"), id)...)
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("rule_arn"), "")...)
	case awsarn.Check(id, "elasticloadbalancing", "listener-rule/app/") == nil:
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("rule_arn"), id)...)
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("rule"), &ruleModel{
			ListenerARN: types.StringValue(awsarn.ListenerOfRule(id)), Priority: types.Int64Null(),
			PathPatterns: types.ListNull(types.StringType), HostHeaders: types.ListNull(types.StringType),
		})...)
	default:
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf(
			"Import a bluegreen_listener_switch by its ALB or NLB listener ARN or, for a rule it owns, the rule ARN; got %q.", id))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	var blue, green string
	if len(parts) == 3 {
		blue, green = strings.TrimSpace(parts[1]), strings.TrimSpace(parts[2])
		for _, a := range []string{blue, green} {
			if err := awsarn.Check(a, "elasticloadbalancing", "targetgroup/"); err != nil {
				resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("target group %q: %s", a, err))
				return
			}
		}
	} else {
		var err error
		if blue, green, err = importTargetGroups(ctx, r.data, id); err != nil {
			resp.Diagnostics.AddError("Error importing switch", err.Error())
			return
		}
	}
	if strings.EqualFold(blue, green) {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("blue and green are the same target group (%s): a switch needs two.", blue))
		return
	}
	// Refuse what the switch could never manage, rather than import a
	// switch whose every plan fails.
	if r.data == nil || r.data.Clients == nil {
		// Not configured for AWS: nothing to look at; the refresh that
		// follows an import reads the forward.
	} else if ts, _, err := alb.DescribeForward(ctx, r.data.Clients.ELBv2, id); err == nil {
		if _, problem := adoptable(ts, blue, green); problem != "" {
			resp.Diagnostics.AddError("Cannot import switch", fmt.Sprintf("%s: %s. Only a forward to the blue and/or green target group "+
				"(%s, %s) can be managed; fix the forward or name the right groups in the import ID.", id, problem, blue, green))
			return
		}
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("blue_target_group_arn"), blue)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("green_target_group_arn"), green)...)
}

// importTargetGroups finds blue and green in the forward of a listener or
// rule by the -blue / -green name suffix bluegreen_environment_pair gives them.
func importTargetGroups(ctx context.Context, d *providerData, arn string) (string, string, error) {
	groups, err := alb.ForwardTargetGroups(ctx, d.Clients.ELBv2, arn)
	if err != nil {
		return "", "", err
	}
	blue, green, ok := colorsByName(groups)
	if !ok {
		return "", "", fmt.Errorf("%s forwards to %v: the colors cannot be told from the names (<name>-blue and <name>-green, "+
			"as bluegreen_environment_pair creates them); import with \"%s,<blue target group arn>,<green target group arn>\"", arn, groups, arn)
	}
	return blue, green, nil
}

// colorsByName tells blue and green among a forward's target group ARNs by
// the -blue / -green name suffix bluegreen_environment_pair gives them. It
// fails when either color has no group, or more than one.
func colorsByName(groups []string) (blue, green string, ok bool) {
	blue, green = envpair.ColorsByName(groups)
	return blue, green, blue != "" && green != ""
}

// UpgradeState upgrades state of schema version 0 (see checksStateUpgraders).
func (r *listenerSwitchResource) UpgradeState(ctx context.Context) map[int64]resource.StateUpgrader {
	return checksStateUpgraders(ctx, r, "rollback_on")
}
