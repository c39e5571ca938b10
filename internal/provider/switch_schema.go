package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/cloudwatchmetrics"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// switchSchemaParts are the attributes and blocks every switch resource has
// (see switchModel). checkSubject says what the rollback_on checks judge by
// default. Everything is a nested attribute except timeouts, which stays the
// block terraform-plugin-framework-timeouts defines (as in HashiCorp's own
// providers: `timeouts { create = "45m" }`).
func switchSchemaParts(ctx context.Context, checkSubject string) (map[string]schema.Attribute, map[string]schema.Block) {
	checkAttrs := checksSchemaParts(checkSubject)
	for k, v := range rollbackOnTolerance() {
		checkAttrs[k] = v
	}
	attrs := map[string]schema.Attribute{
		"notifications": notificationsAttribute(),
		"active_color": schema.StringAttribute{
			Required: true,
			MarkdownDescription: "`blue` or `green`: the color that should receive 100 % of the traffic. Changing it shifts " +
				"traffic with `strategy`. After a rollback the state records the color that really serves, so the next plan shows this change again.",
			Validators: []validator.String{stringvalidator.OneOf("blue", "green")},
		},
		"bake_time": durationAttribute("How long the new color is watched at 100 % before the apply succeeds; a breach during it still rolls back. Go duration, default `0s`.", 0, 0),
		"on_interrupt": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: "What a timeout or a cancelled apply (Ctrl-C, a cancelled run) does mid-shift: `rollback` " +
				"(default) restores the weights from before the shift; `hold` leaves traffic where it is and records it.",
			Validators: []validator.String{stringvalidator.OneOf("rollback", "hold")},
		},
		"traffic_percent": schema.Int64Attribute{
			Optional: true,
			MarkdownDescription: "Share of the traffic `active_color` ends the apply with, 1–100; default `100` (all of it). Below " +
				"100 the shift **parks** there: it runs the strategy's steps below the share, then the share itself, with every " +
				"pre-flight and `rollback_on` check, holds it for `bake_time`, and ends with `status = \"partial\"`. Raising it later " +
				"(e.g. to `100`) continues from the parked share — only the steps above it run; lowering it, or changing " +
				"`active_color` back, is an orderly move back with the same checks (the other color receives). A review-and-promote " +
				"workflow: merge `traffic_percent = 10`, look at the new version under real traffic, then merge `100`.",
			Validators: []validator.Int64{int64validator.Between(1, 100)},
		},
		"blue_weight": schema.Int64Attribute{
			Computed: true, MarkdownDescription: "Forward weight of blue as read from AWS (0–999; the switch writes percentages: 0–100).",
		},
		"green_weight": schema.Int64Attribute{
			Computed: true, MarkdownDescription: "Forward weight of green as read from AWS.",
		},
		"status": schema.StringAttribute{
			Computed: true,
			MarkdownDescription: "`stable` (all traffic on `active_color`), `partial` (parked as configured: `active_color` has exactly " +
				"`traffic_percent` of the traffic), `rolled_back` (the last shift was rolled back; " +
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
		"strategy": schema.SingleNestedAttribute{
			Optional: true,
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
				"step_interval": durationAttribute("Canary and linear: how long each step before 100 % is held and watched. Go duration, default `1m`.", 0, 0),
			},
		},
		"rollback_on": schema.SingleNestedAttribute{
			Optional: true,
			MarkdownDescription: "Checks of the color receiving traffic, evaluated every `evaluation_interval` during every step " +
				"and the bake. `failure_threshold` consecutive failed evaluations of one check roll the shift back: the previous " +
				"weights are restored, state records `status = \"rolled_back\"` and the reason, and the apply fails with a " +
				"diagnostic naming the check, the measured value and the threshold.",
			Attributes: checkAttrs,
		},
	}
	blocks := map[string]schema.Block{
		"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true}),
	}
	return attrs, blocks
}

// validateSwitchConfig checks the router-neutral configuration; router are
// the router's own check placeholders (albPlaceholders), if any.
func validateSwitchConfig(ctx context.Context, m *switchModel, diags *diag.Diagnostics, router ...string) {
	if s := m.Strategy; s != nil && known(s.Type) {
		base := path.Root("strategy")
		switch s.Type.ValueString() {
		case rollout.StrategyCanary:
			if s.Steps.IsNull() {
				diags.AddAttributeError(base.AtName("steps"), "Canary without steps", "strategy.type = \"canary\" needs steps, e.g. [10, 50].")
			}
			if !s.StepPercent.IsNull() {
				diags.AddAttributeError(base.AtName("step_percent"), "Conflicting strategy attributes", "step_percent applies to linear only; a canary uses steps.")
			}
		case rollout.StrategyLinear:
			if s.StepPercent.IsNull() {
				diags.AddAttributeError(base.AtName("step_percent"), "Linear without step_percent", "strategy.type = \"linear\" needs step_percent, 1–99.")
			}
			if !s.Steps.IsNull() {
				diags.AddAttributeError(base.AtName("steps"), "Conflicting strategy attributes", "steps applies to canary only; linear uses step_percent.")
			}
		case rollout.StrategyAllAtOnce:
			if !s.Steps.IsNull() || !s.StepPercent.IsNull() {
				diags.AddAttributeError(base.AtName("type"), "Conflicting strategy attributes",
					"steps and step_percent do not apply to all_at_once; set type = \"canary\" or \"linear\".")
			}
		}
	}
	if diags.HasError() {
		return
	}
	// The engine's own validation (ascending steps, ranges), mapped to attributes.
	if m.Strategy != nil && (!listFullyKnown(m.Strategy.Steps) || m.Strategy.StepPercent.IsUnknown() || m.Strategy.Type.IsUnknown()) {
		return
	}
	st := expandStrategy(ctx, m.Strategy, diags)
	if _, err := rollout.PlanShift(st, traffic.Blue, traffic.Green, durationOr(m.BakeTime, 0)); err != nil && !reportedBySchema(err) {
		diags.AddAttributeError(strategyErrorPath(err), "Invalid strategy", err.Error())
	}
	if m.RollbackOn != nil {
		validateChecks(&m.RollbackOn.checksModel, path.Root("rollback_on"), diags)
		validatePlaceholders(ctx, &m.RollbackOn.checksModel, m.RollbackOn.ColorValues, !m.RollbackOn.colorValuesUnknown, path.Root("rollback_on"), router, true, diags)
		validateCheckTimeouts(m.RollbackOn, diags)
		warnMetricsLag(m, diags)
	}
}

// warnMetricsLag warns when a step or the bake is shorter than the time ALB
// metrics need to judge it: CloudWatch publishes a minute about a minute
// after it ends, so the metrics check's first verdict on a step comes
// cloudwatchmetrics.JudgementLag(window) after it starts. A shorter hold
// moves on before the metrics could see it; it is judged (late) during the
// next step instead.
func warnMetricsLag(m *switchModel, diags *diag.Diagnostics) {
	mc := m.RollbackOn.Metrics
	if mc == nil || mc.Window.IsUnknown() || m.RollbackOn.EvaluationInterval.IsUnknown() {
		return
	}
	lag := cloudwatchmetrics.JudgementLag(durationOr(mc.Window, time.Minute)) + durationOr(m.RollbackOn.EvaluationInterval, defaultEvaluationInterval)
	explain := fmt.Sprintf("ALB metrics reach CloudWatch per minute, each about a minute after it ends, so rollback_on.metrics "+
		"first judges a step about %s after it starts (window, publication delay, one evaluation interval). ", lag)
	if s := m.Strategy; s != nil && known(s.Type) && s.Type.ValueString() != rollout.StrategyAllAtOnce && !s.StepInterval.IsUnknown() {
		if d := durationOr(s.StepInterval, time.Minute); d < lag {
			diags.AddAttributeWarning(path.Root("strategy").AtName("step_interval"), "Step shorter than the metrics can judge",
				explain+fmt.Sprintf("strategy.step_interval is %s: each step moves on before its metrics are published. Hold steps at "+
					"least %s, or add an http or prometheus check that sees errors at once.", d, lag))
		}
	}
	if !m.BakeTime.IsUnknown() {
		if d := durationOr(m.BakeTime, 0); d < lag {
			diags.AddAttributeWarning(path.Root("bake_time"), "Bake shorter than the metrics can judge",
				explain+fmt.Sprintf("bake_time is %s: the apply can succeed before the metrics of the full shift are published. "+
					"Bake at least %s, or add an http or prometheus check.", d, lag))
		}
	}
}

// validateCheckTimeouts refuses an http or prometheus check whose single
// attempt may take longer than the evaluation interval: evaluations would
// overlap the cadence the user asked for. Nothing is ever cut short
// silently; the engine's per-check budget covers every configured attempt.
func validateCheckTimeouts(r *rollbackOnModel, diags *diag.Diagnostics) {
	if r.EvaluationInterval.IsUnknown() {
		return
	}
	interval := durationOr(r.EvaluationInterval, defaultEvaluationInterval)
	check := func(kind string, i int, t durationValue) {
		if !known(t) {
			return
		}
		if d := durationOr(t, 0); d > interval {
			diags.AddAttributeError(path.Root("rollback_on").AtName(kind).AtListIndex(i).AtName("timeout"), "Check timeout longer than the evaluation interval",
				fmt.Sprintf("rollback_on.%s[%d].timeout is %s, longer than evaluation_interval %s: one attempt could outlast the time between "+
					"two evaluations. Lower the timeout or raise evaluation_interval.", kind, i, d, interval))
		}
	}
	for i, h := range r.HTTP {
		check("http", i, h.Timeout)
	}
	for i, p := range r.Prometheus {
		check("prometheus", i, p.Timeout)
	}
	for i, d := range r.Datadog {
		check("datadog", i, d.Timeout)
	}
}

// markRefusedChecks replaces, in a switch's schema attributes, the
// description of the rollback_on checks a router cannot run (they read an
// ALB or CloudWatch) by why, so the docs say what ValidateConfig refuses.
// The maps are the resource's own (switchSchemaParts builds fresh ones).
func markRefusedChecks(attrs map[string]schema.Attribute, why string) {
	ro, ok := attrs["rollback_on"].(schema.SingleNestedAttribute)
	if !ok {
		return
	}
	checks := make(map[string]schema.Attribute, len(ro.Attributes))
	for k, v := range ro.Attributes {
		switch a := v.(type) {
		case schema.SingleNestedAttribute:
			if k == "target_health" || k == "metrics" {
				a.MarkdownDescription = why
				v = a
			}
		case schema.ListAttribute:
			if k == "alarm_names" {
				a.MarkdownDescription = why
				v = a
			}
		}
		checks[k] = v
	}
	ro.Attributes = checks
	attrs["rollback_on"] = ro
}

// rewordStrategy rewrites the description of a switch's strategy.
func rewordStrategy(attrs map[string]schema.Attribute, f func(string) string) {
	if st, ok := attrs["strategy"].(schema.SingleNestedAttribute); ok {
		st.MarkdownDescription = f(st.MarkdownDescription)
		attrs["strategy"] = st
	}
}
