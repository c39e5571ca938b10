package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/targethealth"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/alb"
)

// The lifecycle of bluegreen_listener_switch: plan, apply, read, delete.
// Every apply ends in recordTruth from weights read back from the listener
// or rule; a failure before any write leaves the prior state (or, on create,
// no resource).

func (m *listenerSwitchModel) nouns() switchNouns {
	if m.Rule != nil {
		return switchNouns{Point: "rule", Weights: "forward weights"}
	}
	return switchNouns{Point: "listener", Weights: "forward weights"}
}

// arnOf returns the ARN of color c in m.
func (m *listenerSwitchModel) arnOf(c traffic.Color) string {
	if c == traffic.Blue {
		return m.BlueTargetGroupARN.ValueString()
	}
	return m.GreenTargetGroupARN.ValueString()
}

// weightsByARN maps the target groups of a recorded state to their weights.
func (m *listenerSwitchModel) weightsByARN() map[string]int32 {
	w := m.weightsOf()
	if w == nil {
		return nil
	}
	return map[string]int32{m.BlueTargetGroupARN.ValueString(): w.Blue, m.GreenTargetGroupARN.ValueString(): w.Green}
}

// currentUnder re-expresses the weights recorded in prior in terms of the
// target groups of plan: a swap of the ARNs swaps the weights, a replaced
// group joins at 0. It also returns the groups that leave the switch and the
// weight they still hold.
func currentUnder(prior, plan *listenerSwitchModel) (w traffic.Weights, leaving map[string]int32, ok bool) {
	byARN := prior.weightsByARN()
	if byARN == nil {
		return traffic.Weights{}, nil, false
	}
	blue, green := plan.BlueTargetGroupARN.ValueString(), plan.GreenTargetGroupARN.ValueString()
	w = traffic.Weights{Blue: byARN[blue], Green: byARN[green]}
	leaving = map[string]int32{}
	for arn, weight := range byARN {
		if arn != blue && arn != green {
			leaving[arn] = weight
		}
	}
	return w, leaving, true
}

func (r *listenerSwitchResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	defer nameNestedDiags(&resp.Diagnostics)
	if req.Plan.Raw.IsNull() || r.data == nil {
		return // destroy, or the provider is not configured yet
	}
	var plan listenerSwitchModel
	partial, d := getPlan(ctx, req.Plan, &plan)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	if partial {
		planDecidedAtApply(ctx, resp)
		return
	}
	var prior *listenerSwitchModel
	if !req.State.Raw.IsNull() {
		prior = &listenerSwitchModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, prior)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	arnsKnown := known(plan.BlueTargetGroupARN) && known(plan.GreenTargetGroupARN)
	if !plan.pathKnown() || !arnsKnown {
		plan.setPlanUnknown()
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	to, _ := traffic.ParseColor(plan.ActiveColor.ValueString())

	// The weights the apply will start from, in terms of the planned groups.
	var current traffic.Weights
	switch {
	case prior != nil:
		cur, leaving, ok := currentUnder(prior, &plan)
		if !ok {
			plan.setPlanUnknown()
			resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
			return
		}
		for arn, weight := range leaving {
			if weight > 0 {
				attr := "blue_target_group_arn"
				if arn == prior.GreenTargetGroupARN.ValueString() {
					attr = "green_target_group_arn"
				}
				resp.Diagnostics.AddAttributeError(path.Root(attr), "Target group still receives traffic",
					fmt.Sprintf("%s replaces target group %s, which receives weight %d on the %s. A target group only gets or loses "+
						"traffic through a checked shift: first set active_color to the other color and apply, then replace it.",
						attr, arn, weight, prior.nouns().Point))
				return
			}
		}
		current = cur
	case plan.Rule != nil:
		// A new rule forwards everything to one color at once (after its
		// pre-flight; firstColor): active_color, or the other color when
		// parking at a share, which then arrives through the checked steps.
		current = traffic.Split(plan.firstColor(to), 100)
	case known(plan.ListenerARN):
		// A new switch on an existing listener: the path depends on the
		// listener's weights when the apply runs, and the plan must not
		// depend on the live world (Terraform plans each resource again
		// during the apply and requires the same answer; another resource
		// of the same apply may move the weights in between). The path is
		// decided at apply; a full shift must fit the timeout, since it may
		// be what the apply finds. A forward that cannot be adopted is
		// still refused here when it can be read.
		if ts, _, err := alb.DescribeForward(ctx, r.data.Clients.ELBv2, plan.ListenerARN.ValueString()); err == nil {
			if _, problem := adoptable(ts, plan.BlueTargetGroupARN.ValueString(), plan.GreenTargetGroupARN.ValueString()); problem != "" {
				resp.Diagnostics.AddAttributeError(path.Root("listener_arn"), "Listener action cannot be adopted",
					fmt.Sprintf("listener %s: %s. Only a forward to the blue and/or green target group can be adopted.", plan.ListenerARN.ValueString(), problem))
				return
			}
		}
		st := expandStrategy(ctx, plan.Strategy, &resp.Diagnostics)
		if full, perr := planPath(pathInputs{Current: traffic.Split(to.Other(), 100), To: to, Strategy: st,
			Bake: durationOr(plan.BakeTime, 0), Budget: budgetOf(&plan.switchModel)}); perr == nil {
			timeout, which, d := plan.timeoutFor(ctx, true)
			resp.Diagnostics.Append(d...)
			checkBudget(full, timeout, which, &resp.Diagnostics)
			if resp.Diagnostics.HasError() {
				return
			}
		}
		r.checkOwnerAtPlan(ctx, &plan, prior, &resp.Diagnostics)
		plan.setPlanUnknown()
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	default:
		plan.setPlanUnknown()
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	r.checkOwnerAtPlan(ctx, &plan, prior, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if prior != nil && prior.OwnerID.ValueString() == "" {
		// Imported (or from before owner tags): the apply claims the
		// listener, so the plan says the ID is decided then.
		plan.OwnerID = types.StringUnknown()
	}

	planSwitch(ctx, &plan.switchModel, priorSwitch(prior), &current, &resp.Diagnostics)
	r.planPoints(ctx, &plan, prior, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	planPreview(&plan, prior)
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	plannedPreviewARN := plan.PreviewRuleARN
	if prior != nil && plan.Preview != nil && known(plan.PreviewRuleARN) && !resp.Plan.Raw.Equal(req.State.Raw) {
		// An apply will run, and it makes the preview rule exist: deleted
		// by hand after this plan, it is created again with a new ARN.
		plan.PreviewRuleARN = types.StringUnknown()
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	}
	if prior != nil && prior.Status.ValueString() == statusDrifted && !resp.Plan.Raw.Equal(req.State.Raw) {
		// Drifted: if another writer added a group to the forward, the
		// apply could not write; say so now rather than at apply.
		if ts, _, err := alb.DescribeForward(ctx, r.data.Clients.ELBv2, prior.ID.ValueString()); err == nil {
			if _, problem := adoptable(ts, plan.BlueTargetGroupARN.ValueString(), plan.GreenTargetGroupARN.ValueString()); problem != "" {
				// Nothing asked of the switch but a repair it cannot make:
				// no change planned, and a warning (every plan of the
				// workspace is not blocked by someone else's listener edit).
				probe := plan
				probe.ID, probe.RuleARN, probe.OwnerID = prior.ID, prior.RuleARN, prior.OwnerID
				probe.BlueWeight, probe.GreenWeight, probe.Status = prior.BlueWeight, prior.GreenWeight, prior.Status
				probe.LastShift, probe.PlannedSteps, probe.WorstCaseDuration = prior.LastShift, prior.PlannedSteps, prior.WorstCaseDuration
				probe.Points, probe.PreviewRuleARN = prior.Points, plannedPreviewARN
				resp.Diagnostics.Append(resp.Plan.Set(ctx, &probe)...)
				if resp.Plan.Raw.Equal(req.State.Raw) {
					resp.Diagnostics.AddWarning(fmt.Sprintf("%s cannot be managed until its forward is fixed", capitalize(prior.nouns().Point)),
						fmt.Sprintf("%s %s: %s. The switch records what blue and green get (status drifted) and changes nothing; remove "+
							"the other group from the forward (outside this switch) to manage it again.", prior.nouns().Point, prior.ID.ValueString(), problem))
					return
				}
				resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
				resp.Diagnostics.AddAttributeError(path.Root("listener_arn"), fmt.Sprintf("%s action cannot be adopted", capitalize(prior.nouns().Point)),
					fmt.Sprintf("%s %s: %s. Only a forward to the blue and/or green target group can be managed: remove the other "+
						"group from the forward (outside this switch), then apply again.", prior.nouns().Point, prior.ID.ValueString(), problem))
			}
		}
	}
}

// adoptable turns a forward's target groups into blue/green weights, as the
// router adopts them (alb.ColorWeights), or says why it cannot be adopted.
func adoptable(ts []alb.ForwardTarget, blue, green string) (traffic.Weights, string) {
	if len(ts) == 0 {
		return traffic.Weights{}, "it has no forward"
	}
	w, foreign, _ := alb.ColorWeights(ts, blue, green)
	if len(foreign) > 0 {
		return w, fmt.Sprintf("its forward includes target group %s, which is neither blue nor green", foreign[0].TargetGroupARN)
	}
	return w, ""
}

// checkOwnerAtPlan refuses, at plan time, a listener another switch owns.
func (r *listenerSwitchResource) checkOwnerAtPlan(ctx context.Context, plan, prior *listenerSwitchModel, diags *diag.Diagnostics) {
	r.checkAlsoAtPlan(ctx, plan, prior, diags)
	if plan.Rule != nil || !known(plan.ListenerARN) {
		return
	}
	id := ""
	if prior != nil {
		id = prior.OwnerID.ValueString()
	}
	owner, err := alb.Owner(ctx, r.data.Clients.ELBv2, plan.ListenerARN.ValueString())
	if err != nil || owner == "" || owner == id || (prior != nil && id == "") {
		return // unreadable here is decided at apply; an imported switch claims it at apply
	}
	report := diags.AddAttributeError
	if prior == nil {
		// A create may be the replacement of a tainted switch whose destroy,
		// later in this apply, removes the tag: decided at apply (Claim).
		report = diags.AddAttributeWarning
	}
	report(path.Root("listener_arn"), "Listener owned by another switch",
		fmt.Sprintf("Listener %s is tagged %s = %q: another bluegreen_listener_switch owns its forward weights. Two switches on one "+
			"listener would fight over its traffic. Remove the other switch (its destroy removes the tag), or, if it no longer exists, "+
			"remove the tag: aws elbv2 remove-tags --resource-arns %s --tag-keys %s",
			plan.ListenerARN.ValueString(), alb.OwnerTagKey, owner, plan.ListenerARN.ValueString(), alb.OwnerTagKey))
}

// guardedRouter checks ownership before every write.
type guardedRouter struct {
	*alb.Lockstep
	check func(ctx context.Context) error
}

func (g guardedRouter) Set(ctx context.Context, w traffic.Weights) error {
	if err := g.check(ctx); err != nil {
		return err
	}
	return g.Lockstep.Set(ctx, w)
}

func (r *listenerSwitchResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer nameNestedDiags(&resp.Diagnostics)
	createSwitch(ctx, req, resp, r.applyWithPreview)
}

func (r *listenerSwitchResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer nameNestedDiags(&resp.Diagnostics)
	updateSwitch(ctx, req, resp, r.applyWithPreview)
}

// apply runs a create (prior == nil) or an update. It returns the state to
// save and whether anything should be saved: false means nothing was
// written, so the prior state (or no resource) stays.
func (r *listenerSwitchResource) apply(ctx context.Context, plan, prior *listenerSwitchModel, diags *diag.Diagnostics) (*listenerSwitchModel, bool) {
	clk := r.clock()
	timeout, which, d := plan.timeoutFor(ctx, prior == nil)
	diags.Append(d...)
	if diags.HasError() {
		return nil, false
	}
	// Everything below, the first read included, is bounded by the timeout.
	ctx, cancel := clock.WithTimeout(ctx, clk, timeout)
	defer cancel()
	api := r.data.Clients.ELBv2
	n := plan.nouns()
	to, _ := traffic.ParseColor(plan.ActiveColor.ValueString())
	written := false

	// Identity and ownership.
	if prior != nil {
		plan.ID, plan.RuleARN, plan.OwnerID = prior.ID, prior.RuleARN, prior.OwnerID
	} else {
		plan.RuleARN = types.StringValue("")
		plan.ID = plan.ListenerARN
	}
	if !known(plan.OwnerID) || plan.OwnerID.ValueString() == "" {
		plan.OwnerID = types.StringValue(alb.NewOwnerID())
	}
	owner := plan.OwnerID.ValueString()

	switch {
	case plan.Rule != nil && prior == nil:
		arn, ok := r.createRule(ctx, plan, plan.firstColor(to), owner, diags)
		if !ok {
			return nil, false
		}
		plan.RuleARN, plan.ID = types.StringValue(arn), types.StringValue(arn)
		written = true
	case plan.Rule != nil:
		spec := ruleSpec(ctx, *plan, r.data.DefaultTags, diags)
		condChanged := prior.Rule == nil || !plan.Rule.PathPatterns.Equal(prior.Rule.PathPatterns) || !plan.Rule.HostHeaders.Equal(prior.Rule.HostHeaders)
		prioChanged := prior.Rule == nil || !plan.Rule.Priority.Equal(prior.Rule.Priority)
		if condChanged || prioChanged {
			if err := alb.CheckOwner(ctx, api, plan.RuleARN.ValueString(), owner); err != nil && errors.Is(err, alb.ErrOwnedByOther) {
				diags.AddAttributeError(path.Root("rule"), "Rule owned by another switch", err.Error())
				return nil, false
			}
			if err := alb.UpdateRule(ctx, api, plan.RuleARN.ValueString(), spec, prioChanged, condChanged); err != nil {
				diags.AddAttributeError(path.Root("rule"), "Error updating listener rule", err.Error())
				return nil, false
			}
			written = true
		}
	}
	point := plan.ID.ValueString()
	claim := alb.Claim
	if prior != nil && prior.OwnerID.ValueString() == "" {
		// Imported: an import says "this switch is the one". It takes the
		// point over under a new owner ID, so that whichever switch owned it
		// before is refused from now on (never two owners with one ID).
		claim = alb.TakeOver
	}
	if err := claim(ctx, api, point, owner); err != nil {
		if errors.Is(err, alb.ErrOwnedByOther) {
			diags.AddAttributeError(path.Root("listener_arn"), fmt.Sprintf("%s owned by another switch", capitalize(n.Point)), err.Error())
		} else {
			diags.AddError("Error claiming "+n.Point, err.Error())
		}
		return r.finish(ctx, plan, prior, written, nil, diags)
	}
	if !r.claimAlso(ctx, plan, prior, claim, owner, diags) {
		return r.finish(ctx, plan, prior, written, nil, diags)
	}
	if prior != nil && !prior.OwnerID.Equal(plan.OwnerID) {
		prior.OwnerID = plan.OwnerID // claimed now (an imported switch): keep it even if nothing else lands
	}

	router := r.routerFor(*plan)
	guarded := guardedRouter{Lockstep: router, check: func(ctx context.Context) error { return r.checkOwners(ctx, plan, point, owner) }}
	if prior != nil {
		var leaving []string
		for _, a := range []string{prior.BlueTargetGroupARN.ValueString(), prior.GreenTargetGroupARN.ValueString()} {
			if a != plan.BlueTargetGroupARN.ValueString() && a != plan.GreenTargetGroupARN.ValueString() {
				leaving = append(leaving, a)
			}
		}
		if len(leaving) > 0 {
			did, err := router.Retarget(ctx, leaving)
			written = written || did
			if err != nil {
				diags.AddError("Cannot replace target group", err.Error())
				return r.finish(ctx, plan, prior, written, nil, diags)
			}
		}
	}
	// Removing the stickiness attribute turns group stickiness off (the ALB
	// default) and stops managing it; never set, it is left as it is.
	unstick := plan.Stickiness == nil && prior != nil && prior.Stickiness != nil
	if unstick {
		_ = router.SetStickiness(false, 0)
	}
	if s := plan.Stickiness; s != nil {
		if err := router.SetStickiness(s.Enabled.ValueBool(), durationOr(s.Duration, time.Hour)); err != nil {
			diags.AddAttributeError(path.Root("stickiness"), "Invalid stickiness", err.Error())
			return r.finish(ctx, plan, prior, written, nil, diags)
		}
	}
	if !alignPoints(ctx, router, &written, diags) {
		return r.finish(ctx, plan, prior, written, nil, diags)
	}
	cur, err := router.Describe(ctx)
	if err != nil {
		r.describeError(err, n, diags)
		return r.finish(ctx, plan, prior, written, nil, diags)
	}
	// The weights the plan started from, in terms of the planned groups.
	var planFrom *traffic.Weights
	if prior != nil {
		if w, _, ok := currentUnder(prior, plan); ok {
			planFrom = &w
		}
	}
	st := expandStrategy(ctx, plan.Strategy, diags)
	budget := budgetOf(&plan.switchModel)
	p, err := planPath(pathInputs{Current: cur.Weights, To: to, Share: plan.share(), Strategy: st, Bake: durationOr(plan.BakeTime, 0), Budget: budget})
	if err != nil {
		diags.AddAttributeError(strategyErrorPath(err), "Invalid strategy", err.Error())
		return r.finish(ctx, plan, prior, written, nil, diags)
	}
	switch {
	case plan.PlannedSteps.IsUnknown():
		checkBudget(p, timeout, which, diags) // unknown at plan time: checked before the first write
	case !pathMatchesPlan(plan.Status, plan.PlannedSteps, p, planFrom, cur.Weights):
		diags.AddError(fmt.Sprintf("%s changed since the plan", capitalize(n.Point)),
			fmt.Sprintf("The plan was made from other weights than the %s has now (%s): the path it showed is not the path this apply "+
				"would take, so nothing was moved. Run plan again.", n.Point, cur.Weights))
	}
	if diags.HasError() || (p.Moving() && !r.previewBeforeShift(ctx, plan, to, diags)) {
		return r.finish(ctx, plan, prior, written, nil, diags)
	}
	stickinessChanged := (plan.Stickiness != nil && (cur.Stickiness.Enabled != plan.Stickiness.Enabled.ValueBool() ||
		(plan.Stickiness.Enabled.ValueBool() && cur.Stickiness.Duration != durationOr(plan.Stickiness.Duration, time.Hour)))) ||
		(unstick && cur.Stickiness.Enabled)
	if cur.SingleGroup || (stickinessChanged && !p.Moving()) {
		// Attach both groups (weights unchanged), so ALB health-checks the
		// idle group's targets; or write a stickiness change alone.
		if err := guarded.Set(ctx, cur.Weights); err != nil {
			diags.AddError("Error writing "+n.Point, fmt.Sprintf("writing %s (weights unchanged): %s", n.Point, err))
			return r.finish(ctx, plan, prior, true, nil, diags)
		}
		written = true
	}
	if !p.Moving() {
		return r.finish(ctx, plan, prior, written, nil, diags)
	}

	receiving := plan.arnOf(p.Plan.To) // active_color, or the other color when a parked share moves back
	targets := func(c traffic.Color) checkTarget {
		return checkTarget{Color: c, Values: albValues(plan.arnOf(c), plan.listener()), TargetGroupARN: plan.arnOf(c), OtherTargetGroupARN: plan.arnOf(c.Other()),
			LoadBalancer: plan.listener()}
	}
	checkSet := expandRollbackOn(ctx, r.data, plan.RollbackOn, targets, clk.Now, path.Root("rollback_on"), diags)
	if diags.HasError() {
		return r.finish(ctx, plan, prior, written, nil, diags)
	}
	pre := targethealth.New(api, receiving, 1, 0)
	pre.Now = clk.Now
	if pf := plan.Preflight; pf != nil {
		if !pf.MinHealthyCount.IsNull() {
			pre.MinHealthyCount = int(pf.MinHealthyCount.ValueInt64())
		}
		pre.MinHealthyPercent = pf.MinHealthyPercent.ValueFloat64()
	}
	out := runShift(ctx, shiftRun{Router: guarded, Plan: p.Plan, Preflight: []rollout.Check{pre}, Checks: checkSet,
		Budget: budget, OnInterrupt: plan.OnInterrupt.ValueString(), Clock: clk, Warnings: diags,
		Notify: notificationsFor(ctx, r.data, plan.Notifications, plan.ID.ValueString(), "bluegreen_listener_switch", diags)})
	noteStickyRestore(&out, router, plan.Stickiness != nil) // listener_switch_sticky.go
	if out.InitialKnown || out.Result != rollout.ResultPreflightFailed {
		written = true
	}
	return r.finish(ctx, plan, prior, written, &out, diags)
}

func (r *listenerSwitchResource) describeError(err error, n switchNouns, diags *diag.Diagnostics) {
	var unsupported *alb.UnsupportedActionError
	if errors.As(err, &unsupported) {
		diags.AddAttributeError(path.Root("listener_arn"), "Listener action cannot be adopted", err.Error())
		return
	}
	diags.AddError("Error reading "+n.Point+" weights", err.Error())
}

// finish is the one path that turns an apply into state: it reads the
// forward back (on a fresh, bounded context: the operation's may be done)
// and records what it read. out is the shift's outcome, if one ran.
func (r *listenerSwitchResource) finish(ctx context.Context, plan, prior *listenerSwitchModel, written bool, out *rollout.Outcome,
	diags *diag.Diagnostics) (*listenerSwitchModel, bool) {
	n := plan.nouns()
	to, _ := traffic.ParseColor(plan.ActiveColor.ValueString())
	rctx, cancel := ioContext(ctx)
	defer cancel()
	router := r.routerFor(*plan)
	cur, err := router.Describe(rctx)
	plan.Points = pointsValue(plan, router)
	read := cur.Weights
	if driftW, title, drifted := driftedRead(cur, err, n); drifted {
		// Another writer added a group to the forward: record what blue and
		// green really get, as drifted (or the points of also disagree).
		diags.AddWarning(title, err.Error())
		state := *plan
		state.settleComputed(priorSwitch(prior))
		if out != nil {
			state.LastShift = lastShiftValue(*out)
		} else if prior != nil {
			state.LastShift = prior.LastShift
		}
		active := to
		switch {
		case out != nil:
			rep := reportOutcome(*out, driftW, n)
			active = state.keepPriorIntent(priorSwitch(prior), rep.Active)
			if rep.Summary != "" {
				diags.AddError(rep.Summary, rep.Detail)
			}
		case diags.HasError() && prior != nil:
			active = state.keepPriorIntent(&prior.switchModel, active)
		}
		if prior != nil {
			state.Stickiness = prior.Stickiness
		}
		state.recordTruth(driftW, statusDrifted, active)
		return &state, true
	}
	if err != nil {
		switch {
		case out != nil && out.FinalKnown:
			read = out.Final // the engine's last read back
		case out != nil && out.Result != rollout.ResultPreflightFailed:
			// The shift wrote and nothing has read the forward since.
			st := recordUnread(&plan.switchModel, priorSwitch(prior), out, n, err, diags)
			state := *plan
			state.settleComputed(priorSwitch(prior))
			state.switchModel = st
			if prior != nil {
				state.Stickiness = prior.Stickiness
			}
			return &state, true
		case !written:
			// Nothing was written and nothing can be read: the prior
			// state (or no resource) stays.
			if !diags.HasError() {
				diags.AddError("Error reading "+n.Point+" weights", err.Error())
			}
			r.abandon(ctx, plan, prior)
			return nil, false
		case prior != nil && prior.weightsOf() != nil:
			diags.AddError("Could not read back the "+n.Point,
				fmt.Sprintf("%s. Something was written, so state keeps the last weights known (%s) and the next refresh reads "+
					"them again; check the %s.", err, *prior.weightsOf(), n.Point))
			read = *prior.weightsOf()
		default:
			// A create that wrote (a rule, an attach) but cannot read back:
			// record the switch so that destroy can clean up, with no
			// weights rather than invented ones.
			diags.AddError("Could not read back the "+n.Point,
				fmt.Sprintf("%s. The %s was written but its weights could not be read: state records no weights; the next "+
					"refresh reads them.", err, n.Point))
			state := *plan
			state.settleComputed(nil)
			state.BlueWeight, state.GreenWeight = types.Int64Null(), types.Int64Null()
			state.Status = types.StringValue(statusDrifted)
			state.LastShift = types.ObjectNull(lastShiftAttrTypes)
			return &state, true
		}
	}
	if !written && diags.HasError() && prior == nil {
		r.abandon(ctx, plan, prior)
		return nil, false // a create that wrote nothing leaves no resource
	}
	state := *plan
	state.settleComputed(priorSwitch(prior))
	if err == nil {
		state.recordStickiness(cur.Stickiness)
	} else if prior != nil {
		state.Stickiness = prior.Stickiness // not read back: the last known
	}
	if out != nil {
		state.LastShift = lastShiftValue(*out)
		rep := settleOutcome(reportOutcome(*out, read, n), read, to, plan.share())
		if rep.Status != statusStable && rep.Status != statusPartial {
			rep = state.settleFailure(priorSwitch(prior), rep, read)
		}
		state.recordTruth(read, rep.Status, rep.Active)
		if rep.Summary != "" {
			diags.AddError(rep.Summary, rep.Detail)
		}
		if rep.Status == statusStable && read != traffic.Split(to, 100) && read.Of(to.Other()) != 0 {
			state.Status = types.StringValue(statusDrifted)
		}
		return &state, true
	}
	active := to
	if diags.HasError() && prior != nil {
		// The apply failed before any shift: the prior color still serves.
		active = state.keepPriorIntent(&prior.switchModel, active)
		state.LastShift = prior.LastShift
	}
	state.recordTruth(read, deriveStatus(read, active, state.share(), nil, ""), active)
	return &state, true
}

// abandon undoes a create's claim when the create leaves no resource, so
// that the owner tag of a switch that does not exist never blocks the next.
func (r *listenerSwitchResource) abandon(ctx context.Context, plan, prior *listenerSwitchModel) {
	if prior != nil || plan.Rule != nil || !known(plan.ListenerARN) {
		return
	}
	rctx, cancel := ioContext(ctx)
	defer cancel()
	r.releaseAlso(rctx, plan, nil)
	_ = alb.Release(rctx, r.data.Clients.ELBv2, plan.ListenerARN.ValueString(), plan.OwnerID.ValueString())
}

func priorSwitch(m *listenerSwitchModel) *switchModel {
	if m == nil {
		return nil
	}
	return &m.switchModel
}

// createRule creates the owned rule. A receiving group no load balancer uses
// has never been health-checked (its targets report "unused"): the rule is
// first created with a condition no request carries, so that ALB starts
// checking the group's targets while no traffic reaches it, and only gets
// its real conditions once they pass the pre-flight check.
func (r *listenerSwitchResource) createRule(ctx context.Context, plan *listenerSwitchModel, to traffic.Color, owner string, diags *diag.Diagnostics) (string, bool) {
	api := r.data.Clients.ELBv2
	spec := ruleSpec(ctx, *plan, r.data.DefaultTags, diags)
	if spec.Tags == nil {
		spec.Tags = map[string]string{}
	} else {
		t := map[string]string{}
		for k, v := range spec.Tags {
			t[k] = v
		}
		spec.Tags = t
	}
	spec.Tags[alb.OwnerTagKey] = owner
	receiving := plan.arnOf(to)
	attached, registered, err := alb.TargetGroupAttachment(ctx, api, receiving)
	if err != nil {
		diags.AddError("Error reading target group", fmt.Sprintf("creating switch rule: %s", err))
		return "", false
	}
	if registered == 0 {
		diags.AddError("Pre-flight check refused the rule",
			fmt.Sprintf("The new rule would send traffic to %s at once, but its target group %s has no registered targets. No rule was created.", to, receiving))
		return "", false
	}
	pre := targethealth.New(api, receiving, 1, 0)
	if pf := plan.Preflight; pf != nil {
		if !pf.MinHealthyCount.IsNull() {
			pre.MinHealthyCount = int(pf.MinHealthyCount.ValueInt64())
		}
		pre.MinHealthyPercent = pf.MinHealthyPercent.ValueFloat64()
	}
	if attached {
		if bad := checks.FirstNotPassing(rollout.Evaluate(ctx, r.clock(), 0, []rollout.Check{pre})); bad != nil {
			diags.AddError("Pre-flight check refused the rule",
				fmt.Sprintf("The new rule would send traffic to %s at once, but %s. No rule was created.", to, bad))
			return "", false
		}
		arn, err := alb.CreateRule(ctx, api, spec, plan.BlueTargetGroupARN.ValueString(), plan.GreenTargetGroupARN.ValueString(), traffic.Split(to, 100))
		if err != nil {
			diags.AddAttributeError(path.Root("rule"), "Error creating listener rule", err.Error())
			return "", false
		}
		return arn, true
	}
	staged := spec
	staged.PathPatterns, staged.HostHeaders = nil, nil
	staged.StageHeader = alb.StageHeaderName
	staged.StageValue = owner
	arn, err := alb.CreateRule(ctx, api, staged, plan.BlueTargetGroupARN.ValueString(), plan.GreenTargetGroupARN.ValueString(), traffic.Split(to, 100))
	if err != nil {
		diags.AddAttributeError(path.Root("rule"), "Error creating listener rule", err.Error())
		return "", false
	}
	clk := r.clock()
	var last string
	for {
		bad := checks.FirstNotPassing(rollout.Evaluate(ctx, clk, 0, []rollout.Check{pre}))
		if bad == nil {
			break
		}
		last = bad.String()
		if err := clk.Sleep(ctx, 5*time.Second); err != nil {
			dctx, cancel := ioContext(ctx)
			derr := alb.DeleteRule(dctx, api, arn)
			cancel()
			detail := fmt.Sprintf("The %s target group %s was not used by any load balancer, so the rule was first created with a condition "+
				"no request carries (header %s) to have ALB health-check its targets; they did not pass the pre-flight check before the "+
				"timeout (last: %s). The staged rule was deleted; no request reached %s.", to, receiving, alb.StageHeaderName, last, to)
			if derr != nil {
				detail += fmt.Sprintf(" Deleting the staged rule failed: %s — delete rule %s by hand.", derr, arn)
			}
			diags.AddError("Pre-flight check refused the rule", detail)
			return "", false
		}
	}
	if err := alb.UpdateRule(ctx, api, arn, spec, false, true); err != nil {
		diags.AddAttributeError(path.Root("rule"), "Error updating listener rule", err.Error())
		return arn, true // the staged rule exists: record it so destroy removes it
	}
	return arn, true
}

func (r *listenerSwitchResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state listenerSwitchModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	router := r.routerFor(state)
	cur, err := router.Describe(ctx)
	state.Points = pointsValue(&state, router)
	var unsupported *alb.UnsupportedActionError
	status := ""
	switch {
	case errors.Is(err, alb.ErrPointsDisagree):
		// Another writer changed one of the points of also (or one is gone):
		// the main point's weights, drifted; points shows each.
		resp.Diagnostics.AddWarning("Points moved in lockstep disagree", err.Error())
		state.recordStickiness(cur.Stickiness)
		status = statusDrifted
	case errors.Is(err, alb.ErrNotFound):
		resp.Diagnostics.AddWarning("Switch target gone", fmt.Sprintf("%s; the switch is removed from state.", err))
		resp.State.RemoveResource(ctx)
		return
	case errors.As(err, &unsupported):
		// Someone replaced the forward (e.g. with a fixed response: neither
		// color gets traffic) or added a group to it (recorded with what
		// blue and green really get). Drifted; the next apply refuses to
		// adopt the action and says why, and destroy still works.
		resp.Diagnostics.AddWarning(fmt.Sprintf("%s no longer forwards to blue and green only", capitalize(state.nouns().Point)), err.Error())
		cur = alb.State{Weights: unsupported.Weights}
		status = statusDrifted
	case err != nil:
		resp.Diagnostics.AddError("Error reading "+state.nouns().Point+" weights", fmt.Sprintf("reading switch %s: %s", state.ID.ValueString(), err))
		return
	default:
		state.recordStickiness(cur.Stickiness)
	}
	if state.Rule != nil && known(state.RuleARN) && state.RuleARN.ValueString() != "" {
		if info, err := alb.ReadRule(ctx, r.data.Clients.ELBv2, state.RuleARN.ValueString()); err == nil {
			state.Rule.Priority = types.Int64Value(int64(info.Priority))
			state.Rule.PathPatterns = stringListOrNull(info.PathPatterns, state.Rule.PathPatterns)
			state.Rule.HostHeaders = stringListOrNull(info.HostHeaders, state.Rule.HostHeaders)
		}
	}
	r.readPreview(ctx, &state, &resp.Diagnostics)
	readSwitchAs(&state.switchModel, cur.Weights, status)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Delete leaves traffic where it is: destroying the switch does not move a
// request. In rule mode the rule the switch created is deleted; in listener
// mode the owner tag is removed.
func (r *listenerSwitchResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state listenerSwitchModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	api := r.data.Clients.ELBv2
	if arn := state.PreviewRuleARN; known(arn) && arn.ValueString() != "" && !r.deletePreviewRule(ctx, arn.ValueString(), state.OwnerID.ValueString(), &resp.Diagnostics) {
		return
	}
	if state.Rule != nil && known(state.RuleARN) && state.RuleARN.ValueString() != "" {
		if err := alb.DeleteRule(ctx, api, state.RuleARN.ValueString()); err != nil {
			resp.Diagnostics.AddError("Error deleting listener rule", err.Error())
		}
		return
	}
	r.releaseAlso(ctx, &state, &resp.Diagnostics)
	if id := state.OwnerID.ValueString(); id != "" {
		if err := alb.Release(ctx, api, state.ListenerARN.ValueString(), id); err != nil && !errors.Is(err, alb.ErrNotFound) {
			resp.Diagnostics.AddWarning("Owner tag not removed", fmt.Sprintf("%s. Remove tag %s from the listener by hand before "+
				"another switch takes it over.", err, alb.OwnerTagKey))
		}
	}
}

// recordStickiness records the forward's group stickiness read back, when the
// switch manages it (the stickiness attribute is set). A duration equal to
// the configured one keeps the configured spelling; while stickiness is off
// the configured duration is kept (ALB ignores it).
func (m *listenerSwitchModel) recordStickiness(read alb.Stickiness) {
	s := m.Stickiness
	if s == nil {
		return
	}
	out := &stickinessModel{Enabled: types.BoolValue(read.Enabled), Duration: s.Duration}
	if read.Enabled && (s.Duration.IsNull() || s.Duration.IsUnknown() || durationOr(s.Duration, time.Hour) != read.Duration) {
		if s.Duration.IsNull() && read.Duration == time.Hour {
			out.Duration = s.Duration // the default
		} else {
			out.Duration = durationString(read.Duration.String())
		}
	}
	m.Stickiness = out
}
