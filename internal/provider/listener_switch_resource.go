package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
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
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/targethealth"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/alb"
)

var (
	_ resource.ResourceWithConfigure        = (*listenerSwitchResource)(nil)
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
)

const defaultShiftTimeout = 30 * time.Minute

type listenerSwitchModel struct {
	ID                  types.String     `tfsdk:"id"`
	ListenerARN         types.String     `tfsdk:"listener_arn"`
	Rule                *ruleModel       `tfsdk:"rule"`
	RuleARN             types.String     `tfsdk:"rule_arn"`
	BlueTargetGroupARN  types.String     `tfsdk:"blue_target_group_arn"`
	GreenTargetGroupARN types.String     `tfsdk:"green_target_group_arn"`
	ActiveColor         types.String     `tfsdk:"active_color"`
	Strategy            *strategyModel   `tfsdk:"strategy"`
	BakeTime            types.String     `tfsdk:"bake_time"`
	Stickiness          *stickinessModel `tfsdk:"stickiness"`
	Preflight           *preflightModel  `tfsdk:"preflight"`
	RollbackOn          *rollbackOnModel `tfsdk:"rollback_on"`
	OnInterrupt         types.String     `tfsdk:"on_interrupt"`
	Timeouts            timeouts.Value   `tfsdk:"timeouts"`
	BlueWeight          types.Int64      `tfsdk:"blue_weight"`
	GreenWeight         types.Int64      `tfsdk:"green_weight"`
	Status              types.String     `tfsdk:"status"`
	LastShift           types.Object     `tfsdk:"last_shift"`
	PlannedSteps        types.List       `tfsdk:"planned_steps"`
	WorstCaseDuration   types.String     `tfsdk:"worst_case_duration"`
}

type ruleModel struct {
	ListenerARN  types.String `tfsdk:"listener_arn"`
	Priority     types.Int64  `tfsdk:"priority"`
	PathPatterns types.List   `tfsdk:"path_patterns"`
	HostHeaders  types.List   `tfsdk:"host_headers"`
}

type strategyModel struct {
	Type         types.String `tfsdk:"type"`
	Steps        types.List   `tfsdk:"steps"`
	StepPercent  types.Int64  `tfsdk:"step_percent"`
	StepInterval types.String `tfsdk:"step_interval"`
}

type stickinessModel struct {
	Enabled  types.Bool   `tfsdk:"enabled"`
	Duration types.String `tfsdk:"duration"`
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
	checkAttrs, checkBlocks := checksSchemaParts("the target group receiving the new traffic")
	for k, v := range rollbackOnTolerance() {
		checkAttrs[k] = v
	}
	listenerARN := arnValidator{service: "elasticloadbalancing", resource: "listener/app/"}
	tgARN := arnValidator{service: "elasticloadbalancing", resource: "targetgroup/"}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Owns the forward weights between a blue and a green target group on an ALB listener's " +
			"default action (`listener_arn`) or on a listener rule it creates and owns (`rule`), and moves traffic to " +
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
				MarkdownDescription: "ALB listener whose default action forwards to blue and green. Its forward (to one or both " +
					"of the groups) is adopted. Exactly one of `listener_arn` and `rule` is required. Changing it replaces the switch.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{listenerARN},
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
			"active_color": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "`blue` or `green`: the color that should receive 100 % of the traffic. Changing it shifts " +
					"traffic with `strategy`. After a rollback the state records the color that really serves, so the next plan shows this change again.",
				Validators: []validator.String{stringvalidator.OneOf("blue", "green")},
			},
			"bake_time": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "How long the new color is watched at 100 % before the apply succeeds; a breach during it still rolls back. Go duration, default `0s`.",
				Validators:          []validator.String{durationValidator{}},
			},
			"on_interrupt": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "What a timeout or a cancelled apply (Ctrl-C, a cancelled run) does mid-shift: `rollback` " +
					"(default) restores the weights from before the shift; `hold` leaves traffic where it is and records it.",
				Validators: []validator.String{stringvalidator.OneOf("rollback", "hold")},
			},
			"blue_weight": schema.Int64Attribute{
				Computed: true, MarkdownDescription: "Forward weight of blue as read from AWS (0–999; the switch writes percentages: 0–100).",
			},
			"green_weight": schema.Int64Attribute{
				Computed: true, MarkdownDescription: "Forward weight of green as read from AWS.",
			},
			"status": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "`stable` (all traffic on `active_color`), `rolled_back` (the last shift was rolled back; " +
					"`active_color` in state is the color still serving), `rollback_failed` (the restore failed: traffic may be split), " +
					"`held` (interrupted with `on_interrupt = \"hold\"`), `conflict` (someone else changed the weights mid-shift) or " +
					"`drifted` (weights found changed outside Terraform).",
			},
			"worst_case_duration": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "Longest the planned shift can take (every hold, evaluation and a final restore). A worst case " +
					"longer than the create/update timeout is a plan-time error.",
			},
			"planned_steps": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The path of the shift this plan will run: each step's percent for the receiving color, the exact weights and how long it is held. Empty when no shift is needed.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"percent":      schema.Int64Attribute{Computed: true, MarkdownDescription: "Share of the receiving color, 1–100."},
					"blue_weight":  schema.Int64Attribute{Computed: true, MarkdownDescription: "Blue weight written."},
					"green_weight": schema.Int64Attribute{Computed: true, MarkdownDescription: "Green weight written."},
					"hold":         schema.StringAttribute{Computed: true, MarkdownDescription: "How long the step is held and watched (bake time for the last)."},
				}},
			},
			"last_shift": schema.SingleNestedAttribute{
				Computed:            true,
				MarkdownDescription: "What the last shift did, kept in state even when it rolled back.",
				Attributes: map[string]schema.Attribute{
					"from":        schema.StringAttribute{Computed: true, MarkdownDescription: "Color traffic moved from."},
					"to":          schema.StringAttribute{Computed: true, MarkdownDescription: "Color traffic moved to."},
					"started_at":  schema.StringAttribute{Computed: true, MarkdownDescription: "RFC 3339 start time."},
					"finished_at": schema.StringAttribute{Computed: true, MarkdownDescription: "RFC 3339 end time."},
					"result": schema.StringAttribute{Computed: true, MarkdownDescription: "`succeeded`, `rolled_back`, `rollback_failed`, " +
						"`preflight_failed`, `held` or `conflict`."},
					"reason": schema.StringAttribute{Computed: true, MarkdownDescription: "Why it stopped: check, measured value, threshold and step. Empty on success."},
					"steps": schema.ListNestedAttribute{
						Computed: true, MarkdownDescription: "One record per step.",
						NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
							"step":         schema.Int64Attribute{Computed: true, MarkdownDescription: "1-based step number."},
							"percent":      schema.Int64Attribute{Computed: true, MarkdownDescription: "Share of the receiving color."},
							"blue_weight":  schema.Int64Attribute{Computed: true, MarkdownDescription: "Blue weight of the step."},
							"green_weight": schema.Int64Attribute{Computed: true, MarkdownDescription: "Green weight of the step."},
							"started_at":   schema.StringAttribute{Computed: true, MarkdownDescription: "RFC 3339; empty for a skipped step."},
							"finished_at":  schema.StringAttribute{Computed: true, MarkdownDescription: "RFC 3339; empty when the step did not finish."},
							"result":       schema.StringAttribute{Computed: true, MarkdownDescription: "`completed`, `failed`, `interrupted`, `conflict` or `skipped`."},
							"evaluations":  schema.Int64Attribute{Computed: true, MarkdownDescription: "Check evaluations during the step."},
						}},
					},
				},
			},
		},
		Blocks: map[string]schema.Block{
			"rule": schema.SingleNestedBlock{
				MarkdownDescription: "Rule mode: the switch creates a listener rule with these conditions whose forward it owns. " +
					"On destroy the rule is deleted (requests then fall through to the listener's other rules or default action).",
				Attributes: map[string]schema.Attribute{
					"listener_arn": schema.StringAttribute{
						Optional: true, MarkdownDescription: "Listener the rule is created on. Required in the block. Changing it replaces the switch.",
						PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
						Validators:    []validator.String{listenerARN},
					},
					"priority": schema.Int64Attribute{
						Optional: true, MarkdownDescription: "Rule priority, 1–50000 (lower is evaluated first). Required in the block.",
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
			"strategy": schema.SingleNestedBlock{
				MarkdownDescription: "How traffic moves. Default: `all_at_once`.\n\n" +
					"Each step writes the receiving color's percent as its weight and the rest to the other color " +
					"(weights 90/10 for a 10 % canary), re-reads the listener to verify the write took effect, then holds for " +
					"`step_interval` while `rollback_on` is evaluated. The last step (100 %) is held for `bake_time`.",
				Attributes: map[string]schema.Attribute{
					"type": schema.StringAttribute{
						Optional: true, MarkdownDescription: "`all_at_once` (default), `canary` or `linear`.",
						Validators: []validator.String{stringvalidator.OneOf(rollout.StrategyAllAtOnce, rollout.StrategyCanary, rollout.StrategyLinear)},
					},
					"steps": schema.ListAttribute{
						ElementType: types.Int64Type, Optional: true,
						MarkdownDescription: "Canary only: percentages for the receiving color before 100, strictly ascending, each 1–99, e.g. `[10, 50]`.",
						Validators:          []validator.List{listvalidator.SizeBetween(1, 20), listvalidator.NoNullValues()},
					},
					"step_percent": schema.Int64Attribute{
						Optional: true, MarkdownDescription: "Linear only: percentage added per step, 1–99 (`25` → 25, 50, 75, 100).",
						Validators: []validator.Int64{int64validator.Between(1, 99)},
					},
					"step_interval": schema.StringAttribute{
						Optional: true, MarkdownDescription: "Canary and linear: how long each step before 100 % is held and watched. Go duration, default `1m`.",
						Validators: []validator.String{durationValidator{}},
					},
				},
			},
			"stickiness": schema.SingleNestedBlock{
				MarkdownDescription: "Target-group stickiness of the forward (ALB group stickiness): a client keeps going to the " +
					"color it first reached for `duration`. Unset, whatever the listener has is preserved.",
				Attributes: map[string]schema.Attribute{
					"enabled": schema.BoolAttribute{Optional: true, MarkdownDescription: "Turn group stickiness on or off. Required in the block."},
					"duration": schema.StringAttribute{
						Optional: true, MarkdownDescription: "How long a client sticks, whole seconds from `1s` to `168h` (604800 s). Default `1h`.",
						Validators: []validator.String{wholeSecondsValidator{min: time.Second, max: 604800 * time.Second}},
					},
				},
			},
			"preflight": schema.SingleNestedBlock{
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
			"rollback_on": schema.SingleNestedBlock{
				MarkdownDescription: "Checks of the color receiving traffic, evaluated every `evaluation_interval` during every step " +
					"and the bake. `failure_threshold` consecutive failed evaluations of one check roll the shift back: the previous " +
					"weights are restored, state records `status = \"rolled_back\"` and the reason, and the apply fails with a " +
					"diagnostic naming the check, the measured value and the threshold.",
				Attributes: checkAttrs,
				Blocks:     checkBlocks,
			},
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true}),
		},
	}
}

func (r *listenerSwitchResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.ExactlyOneOf(path.MatchRoot("listener_arn"), path.MatchRoot("rule")),
	}
}

func (r *listenerSwitchResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

// strategy expands the strategy block (nil → all at once).
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
	var m listenerSwitchModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if known(m.BlueTargetGroupARN) && known(m.GreenTargetGroupARN) && m.BlueTargetGroupARN.ValueString() == m.GreenTargetGroupARN.ValueString() {
		resp.Diagnostics.AddAttributeError(path.Root("green_target_group_arn"), "Same target group for blue and green",
			"blue_target_group_arn and green_target_group_arn are the same ARN; a blue-green switch needs two different target groups.")
	}
	if rl := m.Rule; rl != nil {
		base := path.Root("rule")
		if rl.ListenerARN.IsNull() {
			resp.Diagnostics.AddAttributeError(base.AtName("listener_arn"), "Missing rule listener", "The rule block needs listener_arn: the listener to create the rule on.")
		}
		if rl.Priority.IsNull() {
			resp.Diagnostics.AddAttributeError(base.AtName("priority"), "Missing rule priority", "The rule block needs priority, 1–50000.")
		}
		if rl.PathPatterns.IsNull() && rl.HostHeaders.IsNull() {
			resp.Diagnostics.AddAttributeError(base, "Rule without conditions",
				"The rule block needs path_patterns, host_headers or both: AWS requires at least one condition on a non-default rule.")
		}
	}
	if s := m.Stickiness; s != nil && s.Enabled.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("stickiness").AtName("enabled"), "Missing stickiness enabled",
			"The stickiness block needs enabled = true or false.")
	}
	if s := m.Strategy; s != nil && known(s.Type) {
		base := path.Root("strategy")
		switch s.Type.ValueString() {
		case rollout.StrategyCanary:
			if s.Steps.IsNull() {
				resp.Diagnostics.AddAttributeError(base.AtName("steps"), "Canary without steps", "strategy.type = \"canary\" needs steps, e.g. [10, 50].")
			}
			if !s.StepPercent.IsNull() {
				resp.Diagnostics.AddAttributeError(base.AtName("step_percent"), "Conflicting strategy attributes", "step_percent applies to linear only; a canary uses steps.")
			}
		case rollout.StrategyLinear:
			if s.StepPercent.IsNull() {
				resp.Diagnostics.AddAttributeError(base.AtName("step_percent"), "Linear without step_percent", "strategy.type = \"linear\" needs step_percent, 1–99.")
			}
			if !s.Steps.IsNull() {
				resp.Diagnostics.AddAttributeError(base.AtName("steps"), "Conflicting strategy attributes", "steps applies to canary only; linear uses step_percent.")
			}
		case rollout.StrategyAllAtOnce:
			if !s.Steps.IsNull() || !s.StepPercent.IsNull() {
				resp.Diagnostics.AddAttributeError(base.AtName("type"), "Conflicting strategy attributes",
					"steps and step_percent do not apply to all_at_once; set type = \"canary\" or \"linear\".")
			}
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	// The engine's own validation (ascending steps, ranges), mapped to attributes.
	if m.Strategy != nil && (!listFullyKnown(m.Strategy.Steps) || m.Strategy.StepPercent.IsUnknown() || m.Strategy.Type.IsUnknown()) {
		return
	}
	st := expandStrategy(ctx, m.Strategy, &resp.Diagnostics)
	if _, err := rollout.PlanShift(st, traffic.Blue, traffic.Green, durationOr(m.BakeTime, 0)); err != nil && !reportedBySchema(err) {
		resp.Diagnostics.AddAttributeError(strategyErrorPath(err), "Invalid strategy", err.Error())
	}
	if m.RollbackOn != nil {
		validateChecks(&m.RollbackOn.checksModel, path.Root("rollback_on"), &resp.Diagnostics)
	}
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

// desiredWeights are the weights of all traffic on color.
func desiredWeights(color string) traffic.Weights {
	c, _ := traffic.ParseColor(color)
	return traffic.Split(c, 100)
}

// ModifyPlan shows the path of the shift (planned_steps), its worst-case
// duration, and the weights the apply will leave; a worst case longer than
// the timeout is an error here, before anything moves.
func (r *listenerSwitchResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	var plan listenerSwitchModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !known(plan.ActiveColor) {
		return
	}
	var state *listenerSwitchModel
	if !req.State.Raw.IsNull() {
		state = &listenerSwitchModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
	}
	if plan.Strategy != nil && (!listFullyKnown(plan.Strategy.Steps) || plan.Strategy.StepPercent.IsUnknown()) {
		return
	}
	want := desiredWeights(plan.ActiveColor.ValueString())
	to, _ := traffic.ParseColor(plan.ActiveColor.ValueString())
	from := to.Other()
	var current *traffic.Weights
	if state != nil && known(state.BlueWeight) && known(state.GreenWeight) {
		current = &traffic.Weights{Blue: int32(state.BlueWeight.ValueInt64()), Green: int32(state.GreenWeight.ValueInt64())}
	}
	moving := current == nil || *current != want
	st := expandStrategy(ctx, plan.Strategy, &resp.Diagnostics)
	bake := durationOr(plan.BakeTime, 0)
	shift, err := rollout.PlanShift(st, from, to, bake)
	if err != nil {
		return // ValidateConfig reported it
	}
	evalInterval := defaultEvaluationInterval
	if plan.RollbackOn != nil {
		evalInterval = durationOr(plan.RollbackOn.EvaluationInterval, defaultEvaluationInterval)
	}
	worst := shift.WorstCaseDuration(evalInterval, 0)

	if !moving && state != nil {
		// Nothing to shift: keep what state says so the plan stays empty.
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("planned_steps"), state.PlannedSteps)...)
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("worst_case_duration"), state.WorstCaseDuration)...)
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("blue_weight"), state.BlueWeight)...)
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("green_weight"), state.GreenWeight)...)
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("status"), state.Status)...)
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("last_shift"), state.LastShift)...)
		return
	}

	timeout, d := plan.Timeouts.Update(ctx, defaultShiftTimeout)
	which := "update"
	if state == nil {
		timeout, d = plan.Timeouts.Create(ctx, defaultShiftTimeout)
		which = "create"
	}
	resp.Diagnostics.Append(d...)
	if worst > timeout {
		resp.Diagnostics.AddAttributeError(path.Root("timeouts").AtName(which), "Shift cannot finish within the timeout",
			fmt.Sprintf("The planned shift (%s) can take up to %s in the worst case, longer than the %s timeout of %s. "+
				"Raise timeouts.%s, or shorten strategy.step_interval, bake_time or the number of steps.",
				shift, worst.Round(time.Second), which, timeout, which))
		return
	}
	steps := make([]attr.Value, 0, len(shift.Steps))
	for _, s := range shift.Steps {
		steps = append(steps, types.ObjectValueMust(plannedStepAttrTypes, map[string]attr.Value{
			"percent": types.Int64Value(int64(s.Percent)), "blue_weight": types.Int64Value(int64(s.Weights.Blue)),
			"green_weight": types.Int64Value(int64(s.Weights.Green)), "hold": types.StringValue(s.Hold.String()),
		}))
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("planned_steps"),
		types.ListValueMust(types.ObjectType{AttrTypes: plannedStepAttrTypes}, steps))...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("worst_case_duration"), types.StringValue(worst.Round(time.Second).String()))...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("blue_weight"), types.Int64Value(int64(want.Blue)))...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("green_weight"), types.Int64Value(int64(want.Green)))...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("status"), types.StringUnknown())...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("last_shift"), types.ObjectUnknown(lastShiftAttrTypes))...)
}

func (r *listenerSwitchResource) clock() clock.Clock {
	if c := r.data.deps.Clock; c != nil {
		return c
	}
	return clock.Real{}
}

// routerFor builds the router of a switch (listener or owned rule).
func (r *listenerSwitchResource) routerFor(m listenerSwitchModel) *alb.Router {
	blue, green := m.BlueTargetGroupARN.ValueString(), m.GreenTargetGroupARN.ValueString()
	if m.Rule != nil || (known(m.RuleARN) && m.RuleARN.ValueString() != "") {
		return alb.NewRuleRouter(r.data.Clients.ELBv2, m.RuleARN.ValueString(), blue, green)
	}
	return alb.NewListenerRouter(r.data.Clients.ELBv2, m.ListenerARN.ValueString(), blue, green)
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

// shift moves traffic to the planned active color, writing the truth into
// plan (which becomes the new state) whatever happens.
func (r *listenerSwitchResource) shift(ctx context.Context, plan *listenerSwitchModel, timeout time.Duration, action string, diags *diag.Diagnostics) {
	clk := r.clock()
	router := r.routerFor(*plan)
	if s := plan.Stickiness; s != nil {
		if err := router.SetStickiness(s.Enabled.ValueBool(), durationOr(s.Duration, time.Hour)); err != nil {
			diags.AddAttributeError(path.Root("stickiness"), "Invalid stickiness", err.Error())
			return
		}
	}
	current, err := router.Describe(ctx)
	if err != nil {
		var unsupported *alb.UnsupportedActionError
		if errors.As(err, &unsupported) {
			diags.AddAttributeError(path.Root("listener_arn"), "Listener action cannot be adopted", err.Error())
		} else {
			diags.AddError("Error reading listener weights", fmt.Sprintf("%s switch: %s", action, err))
		}
		return
	}
	to, _ := traffic.ParseColor(plan.ActiveColor.ValueString())
	want := desiredWeights(plan.ActiveColor.ValueString())
	stickinessChanged := plan.Stickiness != nil && (current.Stickiness.Enabled != plan.Stickiness.Enabled.ValueBool() ||
		(plan.Stickiness.Enabled.ValueBool() && current.Stickiness.Duration != durationOr(plan.Stickiness.Duration, time.Hour)))
	if current.SingleGroup && current.Weights.Percent(to) != 100 {
		// Adopting a plain single-group forward: attach the other group at
		// weight 0 first, so ALB starts health-checking its targets (targets
		// of a group no listener uses stay "unused").
		if err := router.Set(ctx, current.Weights); err != nil {
			diags.AddError("Error writing listener", fmt.Sprintf("%s switch: attaching both target groups: %s", action, err))
			return
		}
		current.SingleGroup = false
	}
	if current.Weights.Percent(to) == 100 {
		// No move needed (e.g. a first create adopting a listener already on
		// active_color). Write only a stickiness change.
		if stickinessChanged || current.SingleGroup {
			if err := router.Set(ctx, current.Weights); err != nil {
				diags.AddError("Error writing listener", fmt.Sprintf("%s switch: %s", action, err))
				return
			}
		}
		r.setWeights(plan, current.Weights, statusStable)
		if plan.LastShift.IsUnknown() {
			plan.LastShift = types.ObjectNull(lastShiftAttrTypes)
		}
		return
	}

	st := expandStrategy(ctx, plan.Strategy, diags)
	shiftPlan, err := rollout.PlanShift(st, to.Other(), to, durationOr(plan.BakeTime, 0))
	if err != nil {
		diags.AddAttributeError(strategyErrorPath(err), "Invalid strategy", err.Error())
		return
	}
	receiving := plan.BlueTargetGroupARN.ValueString()
	if to == traffic.Green {
		receiving = plan.GreenTargetGroupARN.ValueString()
	}
	other := plan.GreenTargetGroupARN.ValueString()
	if to == traffic.Green {
		other = plan.BlueTargetGroupARN.ValueString()
	}
	target := checkTarget{TargetGroupARN: receiving, OtherTargetGroupARN: other, LoadBalancer: plan.listener()}
	checkSet := expandRollbackOn(ctx, r.data, plan.RollbackOn, target, clk.Now, path.Root("rollback_on"), diags)
	if diags.HasError() {
		return
	}
	pre := targethealth.New(r.data.Clients.ELBv2, receiving, 1, 0)
	pre.Now = clk.Now
	if p := plan.Preflight; p != nil {
		pre.MinHealthyCount = int(p.MinHealthyCount.ValueInt64())
		pre.MinHealthyPercent = p.MinHealthyPercent.ValueFloat64()
	}
	onInterrupt := rollout.InterruptRollback
	if plan.OnInterrupt.ValueString() == "hold" {
		onInterrupt = rollout.InterruptHold
	}
	runCtx, cancel := clock.WithTimeout(ctx, clk, timeout)
	defer cancel()
	out := rollout.Run(runCtx, rollout.RunConfig{
		Router:             router,
		Plan:               shiftPlan,
		Preflight:          []rollout.Check{pre},
		Checks:             checkSet.Checks,
		EvaluationInterval: checkSet.EvaluationInterval,
		FailureThreshold:   checkSet.FailureThreshold,
		InconclusiveLimit:  checkSet.InconclusiveLimit,
		ErrorLimit:         checkSet.ErrorLimit,
		Clock:              clk,
		OnInterrupt:        onInterrupt,
		Logger: func(e rollout.Event) {
			tflog.Info(ctx, e.String(), map[string]any{
				"event": string(e.Type), "step": e.Step, "percent": e.Percent,
				"blue_weight": e.Weights.Blue, "green_weight": e.Weights.Green,
			})
		},
	})
	tflog.Info(ctx, "shift finished", map[string]any{"summary": out.Summary()})
	plan.LastShift = lastShiftValue(out)

	final := current.Weights
	if out.FinalKnown {
		final = out.Final
	}
	switch out.Result {
	case rollout.ResultSucceeded:
		r.setWeights(plan, final, statusStable)
		return
	case rollout.ResultPreflightFailed:
		r.setWeights(plan, final, statusStable)
		plan.ActiveColor = types.StringValue(string(to.Other()))
		diags.AddError("Pre-flight check refused the shift",
			fmt.Sprintf("Traffic was not moved to %s: %s\n\nThe %s target group must have healthy targets before it "+
				"receives traffic (an ALB fails open to all targets of a group with none healthy). Nothing was changed.",
				to, out.Reason, to))
	case rollout.ResultRolledBack:
		r.setWeights(plan, final, statusRolledBack)
		plan.ActiveColor = types.StringValue(string(to.Other()))
		diags.AddError("Shift rolled back", fmt.Sprintf("The shift %s→%s was rolled back: %s\n\n"+
			"Traffic is back on %s (%s). State records status = \"rolled_back\" and last_shift.reason; "+
			"the next plan shows the switch still wanting %s.", to.Other(), to, out.Reason, to.Other(), final, to))
	case rollout.ResultHeld:
		r.setWeights(plan, final, statusHeld)
		plan.ActiveColor = types.StringValue(string(to.Other()))
		diags.AddError("Shift interrupted and held", fmt.Sprintf("The shift %s→%s was interrupted and traffic was left where it was "+
			"(on_interrupt = \"hold\"): %s. The next apply resumes from these weights.", to.Other(), to, final))
	case rollout.ResultConflict:
		r.setWeights(plan, final, statusConflict)
		plan.ActiveColor = types.StringValue(string(to.Other()))
		diags.AddError("Listener changed by someone else", fmt.Sprintf("The shift %s→%s stopped: %s\n\n"+
			"Another writer changed the forward weights during the shift; nothing was restored. State records what was found (%s).",
			to.Other(), to, out.Reason, final))
	default: // rollback_failed
		r.setWeights(plan, final, statusRollbackFailed)
		plan.ActiveColor = types.StringValue(string(to.Other()))
		diags.AddError("Rollback failed", fmt.Sprintf("The shift %s→%s failed and restoring the previous weights also failed: %s\n\n"+
			"Traffic may be split (last read: %s). Check the listener now; the next apply starts from the real weights.",
			to.Other(), to, out.Reason, final))
	}
	_ = want
}

func (r *listenerSwitchResource) setWeights(m *listenerSwitchModel, w traffic.Weights, status string) {
	m.BlueWeight = types.Int64Value(int64(w.Blue))
	m.GreenWeight = types.Int64Value(int64(w.Green))
	m.Status = types.StringValue(status)
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

func (r *listenerSwitchResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan listenerSwitchModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, defaultShiftTimeout)
	resp.Diagnostics.Append(d...)
	plan.RuleARN = types.StringValue("")
	if plan.Rule != nil {
		// A new rule takes traffic at once, on active_color. If that group is
		// already attached somewhere, its targets must pass pre-flight. If it
		// is not, ALB has never health-checked its targets (they report
		// "unused"): require registered targets and say that checks start now.
		to, _ := traffic.ParseColor(plan.ActiveColor.ValueString())
		spec := ruleSpec(ctx, plan, r.data.DefaultTags, &resp.Diagnostics)
		receiving := map[traffic.Color]string{
			traffic.Blue: plan.BlueTargetGroupARN.ValueString(), traffic.Green: plan.GreenTargetGroupARN.ValueString(),
		}[to]
		attached, registered, err := alb.TargetGroupAttachment(ctx, r.data.Clients.ELBv2, receiving)
		if err != nil {
			resp.Diagnostics.AddError("Error reading target group", fmt.Sprintf("creating switch rule: %s", err))
			return
		}
		switch {
		case registered == 0:
			resp.Diagnostics.AddError("Pre-flight check refused the rule",
				fmt.Sprintf("The new rule would send traffic to %s at once, but its target group %s has no registered targets. No rule was created.", to, receiving))
			return
		case !attached:
			resp.Diagnostics.AddWarning("Targets not health-checked yet",
				fmt.Sprintf("The %s target group was not used by any load balancer, so ALB had not health-checked its %d targets; "+
					"checks start now that the rule uses it. Put a bluegreen_health_gate between the rule and the first traffic "+
					"if the targets may not be ready.", to, registered))
		default:
			pre := targethealth.New(r.data.Clients.ELBv2, receiving, 1, 0)
			for _, res := range pre.Evaluate(ctx) {
				if res.Verdict != "pass" {
					resp.Diagnostics.AddError("Pre-flight check refused the rule",
						fmt.Sprintf("The new rule would send traffic to %s at once, but %s. No rule was created.", to, res))
					return
				}
			}
		}
		arn, err := alb.CreateRule(ctx, r.data.Clients.ELBv2, spec, plan.BlueTargetGroupARN.ValueString(),
			plan.GreenTargetGroupARN.ValueString(), desiredWeights(plan.ActiveColor.ValueString()))
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("rule"), "Error creating listener rule", err.Error())
			return
		}
		plan.RuleARN = types.StringValue(arn)
		plan.ID = types.StringValue(arn)
	} else {
		plan.ID = plan.ListenerARN
	}
	r.shift(ctx, &plan, timeout, "creating", &resp.Diagnostics)
	if plan.BlueWeight.IsUnknown() {
		// Nothing could be read: record no weights rather than guesses.
		if plan.Rule == nil {
			return
		}
		plan.BlueWeight, plan.GreenWeight, plan.Status = types.Int64Null(), types.Int64Null(), types.StringNull()
	}
	if plan.LastShift.IsUnknown() {
		plan.LastShift = types.ObjectNull(lastShiftAttrTypes)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *listenerSwitchResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state listenerSwitchModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Update(ctx, defaultShiftTimeout)
	resp.Diagnostics.Append(d...)
	plan.RuleARN = state.RuleARN
	plan.ID = state.ID
	if plan.Rule != nil && state.Rule != nil {
		spec := ruleSpec(ctx, plan, r.data.DefaultTags, &resp.Diagnostics)
		condChanged := !plan.Rule.PathPatterns.Equal(state.Rule.PathPatterns) || !plan.Rule.HostHeaders.Equal(state.Rule.HostHeaders)
		prioChanged := !plan.Rule.Priority.Equal(state.Rule.Priority)
		if err := alb.UpdateRule(ctx, r.data.Clients.ELBv2, plan.RuleARN.ValueString(), spec, prioChanged, condChanged); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("rule"), "Error updating listener rule", err.Error())
			return
		}
	}
	r.shift(ctx, &plan, timeout, "updating", &resp.Diagnostics)
	if plan.BlueWeight.IsUnknown() {
		// The weights could not be read: keep the previous truth.
		plan.BlueWeight, plan.GreenWeight, plan.Status, plan.ActiveColor = state.BlueWeight, state.GreenWeight, state.Status, state.ActiveColor
	}
	if plan.LastShift.IsUnknown() {
		plan.LastShift = state.LastShift
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *listenerSwitchResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state listenerSwitchModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	router := r.routerFor(state)
	cur, err := router.Describe(ctx)
	if errors.Is(err, alb.ErrNotFound) {
		resp.Diagnostics.AddWarning("Switch target gone", fmt.Sprintf("%s; the switch is removed from state.", err))
		resp.State.RemoveResource(ctx)
		return
	}
	var unsupported *alb.UnsupportedActionError
	if errors.As(err, &unsupported) {
		// Someone replaced the forward (e.g. with a fixed response): neither
		// color gets traffic. Report that truthfully; the next apply refuses
		// to adopt the action and says why, and destroy still works.
		resp.Diagnostics.AddWarning("Listener no longer forwards to blue and green", err.Error())
		state.BlueWeight, state.GreenWeight = types.Int64Value(0), types.Int64Value(0)
		state.Status = types.StringValue(statusDrifted)
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading listener weights", fmt.Sprintf("reading switch %s: %s", state.ID.ValueString(), err))
		return
	}
	if state.Rule != nil && known(state.RuleARN) {
		info, err := alb.ReadRule(ctx, r.data.Clients.ELBv2, state.RuleARN.ValueString())
		if err == nil {
			state.Rule.Priority = types.Int64Value(int64(info.Priority))
			state.Rule.PathPatterns = stringListOrNull(info.PathPatterns, state.Rule.PathPatterns)
			state.Rule.HostHeaders = stringListOrNull(info.HostHeaders, state.Rule.HostHeaders)
		}
	}
	prevBlue, prevGreen := state.BlueWeight, state.GreenWeight
	state.BlueWeight = types.Int64Value(int64(cur.Weights.Blue))
	state.GreenWeight = types.Int64Value(int64(cur.Weights.Green))
	if state.ActiveColor.IsNull() {
		// Import: adopt what the listener does.
		if c, ok := cur.Weights.ActiveColor(); ok {
			state.ActiveColor = types.StringValue(string(c))
			state.Status = types.StringValue(statusStable)
		}
	} else if !prevBlue.Equal(state.BlueWeight) || !prevGreen.Equal(state.GreenWeight) {
		if cur.Weights != desiredWeights(state.ActiveColor.ValueString()) {
			state.Status = types.StringValue(statusDrifted)
		}
	}
	if state.Status.IsNull() {
		state.Status = types.StringValue(statusDrifted)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
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

// Delete leaves traffic where it is: destroying the switch does not move a
// request. In rule mode the rule the switch created is deleted.
func (r *listenerSwitchResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state listenerSwitchModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if state.Rule != nil && known(state.RuleARN) && state.RuleARN.ValueString() != "" {
		if err := alb.DeleteRule(ctx, r.data.Clients.ELBv2, state.RuleARN.ValueString()); err != nil {
			resp.Diagnostics.AddError("Error deleting listener rule", err.Error())
		}
	}
}

// ImportState imports by listener ARN (listener mode) or rule ARN (rule mode).
func (r *listenerSwitchResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := req.ID
	switch {
	case checkARN(id, "elasticloadbalancing", "listener/app/") == nil:
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("listener_arn"), id)...)
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("rule_arn"), "")...)
	case checkARN(id, "elasticloadbalancing", "listener-rule/app/") == nil:
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("rule_arn"), id)...)
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("rule"), &ruleModel{
			ListenerARN: types.StringValue(alb.ListenerARNOfRule(id)), Priority: types.Int64Null(),
			PathPatterns: types.ListNull(types.StringType), HostHeaders: types.ListNull(types.StringType),
		})...)
	default:
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf(
			"Import a bluegreen_listener_switch by its ALB listener ARN or, for a rule it owns, the rule ARN; got %q.", id))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	// The target groups come from the forward action.
	blue, green, err := importTargetGroups(ctx, r.data, id)
	if err != nil {
		resp.Diagnostics.AddError("Error importing switch", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("blue_target_group_arn"), blue)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("green_target_group_arn"), green)...)
}

// importTargetGroups finds blue and green in the forward of a listener or
// rule: by the bluegreen:color tag the environment pair sets, else by a
// -blue / -green name suffix.
func importTargetGroups(ctx context.Context, d *providerData, arn string) (string, string, error) {
	groups, err := alb.ForwardTargetGroups(ctx, d.Clients.ELBv2, arn)
	if err != nil {
		return "", "", err
	}
	var blue, green string
	for _, g := range groups {
		switch {
		case strings.Contains(g, "-blue/"):
			blue = g
		case strings.Contains(g, "-green/"):
			green = g
		}
	}
	if blue == "" || green == "" {
		return "", "", fmt.Errorf("%s forwards to %v: import needs a forward to two target groups named <name>-blue and <name>-green "+
			"(as bluegreen_environment_pair creates them)", arn, groups)
	}
	return blue, green, nil
}
