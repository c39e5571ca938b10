package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// The router-neutral plan, apply and read of a switch. A router resource
// computes the weights its plan starts from (planSwitch), builds its router
// and checks (switchTarget) and hands them to applySwitch; Read hands what it
// read to readSwitch.

// planSwitch fills the computed attributes of plan from the weights the apply
// will start from (nil: not known at plan time). creating selects the create
// timeout.
func planSwitch(ctx context.Context, plan, prior *switchModel, current *traffic.Weights, diags *diag.Diagnostics) {
	if current == nil || !plan.pathKnown() {
		plan.setPlanUnknown()
		return
	}
	to, _ := traffic.ParseColor(plan.ActiveColor.ValueString())
	st := expandStrategy(ctx, plan.Strategy, diags)
	p, err := planPath(pathInputs{Current: *current, To: to, Share: plan.share(), Strategy: st, Bake: durationOr(plan.BakeTime, 0), Budget: budgetOf(plan)})
	if err != nil {
		return // ValidateConfig reported it
	}
	if p.Moving() {
		timeout, which, d := plan.timeoutFor(ctx, prior == nil)
		diags.Append(d...)
		checkBudget(p, timeout, which, diags)
		want := traffic.Split(to, plan.share())
		plan.BlueWeight, plan.GreenWeight = types.Int64Value(int64(want.Blue)), types.Int64Value(int64(want.Green))
		plan.Status = types.StringUnknown()
		plan.LastShift = types.ObjectUnknown(lastShiftAttrTypes)
		plan.PlannedSteps = plannedStepsValue(p.Steps)
		plan.WorstCaseDuration = types.StringValue(formatWorst(p.Worst))
		return
	}
	plan.BlueWeight, plan.GreenWeight = types.Int64Value(int64(current.Blue)), types.Int64Value(int64(current.Green))
	// Nothing to move: the weights decide (a configuration that now asks for
	// what a rollback left acknowledges it: stable, or partial).
	plan.Status = types.StringValue(deriveStatus(*current, to, plan.share(), nil, ""))
	plan.LastShift = types.ObjectNull(lastShiftAttrTypes)
	plan.PlannedSteps, plan.WorstCaseDuration = emptyPlannedSteps(), types.StringValue("0s")
	if prior != nil {
		plan.LastShift = prior.LastShift
		// No path: keep whatever state holds (a refresh empties it), so a
		// plan with nothing to do is empty, refreshed or not.
		if !prior.PlannedSteps.IsNull() && !prior.WorstCaseDuration.IsNull() {
			plan.PlannedSteps, plan.WorstCaseDuration = prior.PlannedSteps, prior.WorstCaseDuration
		}
	}
}

// readSwitch records what Read found: the real weights, the status they
// mean, and no stale path.
func readSwitch(state *switchModel, read traffic.Weights) {
	readSwitchAs(state, read, "")
}

// readSwitchAs is readSwitch with the status given rather than derived
// (e.g. drifted when the router also sends traffic somewhere else).
func readSwitchAs(state *switchModel, read traffic.Weights, status string) {
	prevWeights := state.weightsOf()
	active, err := traffic.ParseColor(state.ActiveColor.ValueString())
	if err != nil {
		// Import: adopt what the router does (the color with more traffic).
		active, prevWeights = traffic.Blue, nil
		if read.Green > read.Blue {
			active = traffic.Green
		}
	}
	if status == "" {
		status = deriveStatus(read, active, state.share(), prevWeights, state.Status.ValueString())
	}
	state.recordTruth(read, status, active)
	state.clearPath()
	if state.LastShift.IsUnknown() {
		state.LastShift = types.ObjectNull(lastShiftAttrTypes)
	}
}

// switchTarget is what a router resource gives an apply, for the color that
// receives traffic.
type switchTarget struct {
	Nouns     switchNouns
	Router    rollout.Router
	Preflight []rollout.Check
	Checks    checkSet
	// PlanFrom are the weights the plan's path started from, when the plan
	// took them from state (nil: read at plan time, or not known): the apply
	// refuses to move from other weights even when the path looks the same.
	PlanFrom *traffic.Weights
	// Notify are the switch's notification targets (notificationsFor), nil for none.
	Notify *shiftNotify
}

// applySwitch runs a create (prior == nil) or update of a switch whose router
// needs nothing but Read and Set: it reads the weights inside the operation's
// timeout, refuses a path other than the plan's, runs the shift, reads back,
// and returns the state to save — false when nothing was written and nothing
// could be read, so the prior state (or no resource) stays.
func applySwitch(ctx context.Context, clk clock.Clock, plan, prior *switchModel,
	target func(to traffic.Color, diags *diag.Diagnostics) switchTarget, diags *diag.Diagnostics) (switchModel, bool) {
	timeout, which, d := plan.timeoutFor(ctx, prior == nil)
	diags.Append(d...)
	if diags.HasError() {
		return switchModel{}, false
	}
	ctx, cancel := clock.WithTimeout(ctx, clk, timeout)
	defer cancel()
	to, _ := traffic.ParseColor(plan.ActiveColor.ValueString())
	tgt := target(to, diags)
	if diags.HasError() {
		return switchModel{}, false
	}
	n := tgt.Nouns
	cur, err := tgt.Router.Read(ctx)
	if err != nil {
		diags.AddError("Error reading "+n.Point+" weights", err.Error())
		return switchModel{}, false
	}
	budget := budgetOf(plan)
	p, err := planPath(pathInputs{Current: cur, To: to, Share: plan.share(), Strategy: expandStrategy(ctx, plan.Strategy, diags),
		Bake: durationOr(plan.BakeTime, 0), Budget: budget})
	if err != nil {
		diags.AddAttributeError(strategyErrorPath(err), "Invalid strategy", err.Error())
		return switchModel{}, false
	}
	switch {
	case plan.PlannedSteps.IsUnknown():
		checkBudget(p, timeout, which, diags)
	case !pathMatchesPlan(plan.Status, plan.PlannedSteps, p, tgt.PlanFrom, cur):
		diags.AddError(fmt.Sprintf("%s changed since the plan", capitalize(n.Point)),
			fmt.Sprintf("The plan was made from other weights than the %s has now (%s): the path it showed is not the path this apply "+
				"would take, so nothing was moved. Run plan again.", n.Point, cur))
	}
	if diags.HasError() {
		return switchModel{}, false
	}
	var out *rollout.Outcome
	if p.Moving() {
		o := runShift(ctx, shiftRun{Router: tgt.Router, Plan: p.Plan, Preflight: tgt.Preflight, Checks: tgt.Checks,
			Budget: budget, OnInterrupt: plan.OnInterrupt.ValueString(), Clock: clk, Notify: tgt.Notify, Warnings: diags})
		out = &o
	}
	rctx, rcancel := ioContext(ctx)
	defer rcancel()
	read, err := tgt.Router.Read(rctx)
	if err != nil {
		switch {
		case out == nil:
			diags.AddError("Error reading "+n.Point+" weights", err.Error())
			return switchModel{}, false
		case out.FinalKnown:
			read = out.Final
		case out.Result != rollout.ResultPreflightFailed:
			// The shift wrote, and nothing has read the router since.
			return recordUnread(plan, prior, out, n, err, diags), true
		default:
			read = cur // the shift never wrote: the weights read before it
		}
	}
	state := *plan
	state.settleComputed(prior)
	if out == nil {
		state.recordTruth(read, deriveStatus(read, to, plan.share(), nil, ""), to)
		return state, true
	}
	state.LastShift = lastShiftValue(*out)
	rep := settleOutcome(reportOutcome(*out, read, n), read, to, plan.share())
	if rep.Status != statusStable && rep.Status != statusPartial {
		rep = state.settleFailure(prior, rep, read)
	}
	state.recordTruth(read, rep.Status, rep.Active)
	if rep.Status == statusStable && read.Of(to.Other()) != 0 {
		state.Status = types.StringValue(statusDrifted)
	}
	if rep.Summary != "" {
		diags.AddError(rep.Summary, rep.Detail)
	}
	return state, true
}

// switchApplyFunc is a switch resource's create (prior == nil) or update: it
// returns the state to save, or false when nothing was written and nothing
// read, so the prior state (or no resource) stays.
type switchApplyFunc[M any] func(ctx context.Context, plan, prior *M, diags *diag.Diagnostics) (*M, bool)

// createSwitch is the Create of every switch resource.
func createSwitch[M any](ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse, apply switchApplyFunc[M]) {
	defer nameNestedDiags(&resp.Diagnostics)
	var plan M
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if st, ok := apply(ctx, &plan, nil, &resp.Diagnostics); ok {
		resp.Diagnostics.Append(resp.State.Set(ctx, st)...)
	}
}

// updateSwitch is the Update of every switch resource.
func updateSwitch[M any](ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse, apply switchApplyFunc[M]) {
	defer nameNestedDiags(&resp.Diagnostics)
	var plan, prior M
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	st, ok := apply(ctx, &plan, &prior, &resp.Diagnostics)
	if !ok {
		st = &prior // nothing was written: the prior state is still the truth
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, st)...)
}

// fromState are the weights an update's plan started from when it took them
// from the refreshed state (nil on create).
func fromState(prior *switchModel) *traffic.Weights {
	if prior == nil {
		return nil
	}
	return prior.weightsOf()
}

// recordUnread is the state of a shift that wrote and whose weights could
// not be read back since (neither by the engine nor after it): no weights
// rather than ones that are no longer true, status drifted, the outcome's
// diagnostic and why; the next refresh reads the real weights.
func recordUnread(plan, prior *switchModel, out *rollout.Outcome, n switchNouns, err error, diags *diag.Diagnostics) switchModel {
	state := *plan
	state.settleComputed(prior)
	state.LastShift = lastShiftValue(*out)
	rep := reportOutcome(*out, traffic.Weights{}, n)
	active := state.keepPriorIntent(prior, rep.Active)
	state.BlueWeight, state.GreenWeight = types.Int64Null(), types.Int64Null()
	state.Status = types.StringValue(statusDrifted)
	state.ActiveColor = types.StringValue(string(active))
	summary := rep.Summary
	if summary == "" {
		summary = "Could not read back the " + n.Point
	}
	diags.AddError(summary, fmt.Sprintf("%s\n\nThe %s was written during the shift and its %s could not be read back since (%s): state records "+
		"no weights and status \"drifted\"; the next refresh reads them.", rep.Detail, n.Point, n.Weights, err))
	return state
}
