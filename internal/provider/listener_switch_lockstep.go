package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/alb"
)

// Several listeners or rules in lockstep (bluegreen_listener_switch `also`):
// the switch's main point (listener_arn) and every point of `also` forward to
// the same blue and green target groups and move together through one
// alb.Lockstep: every step writes all of them and reads all of them back, a
// failed write on one writes the others back, and a rollback restores all.
// The switch owns each point as it owns its main one (owner tag), records
// each point's real weights in `points`, and reports points that disagree as
// drifted; the next apply first writes the main point's weights to the
// others (alb.Lockstep.Align), then shifts.

// alsoModel is one element of `also`: exactly one of listener_arn and rule_arn.
type alsoModel struct {
	ListenerARN types.String `tfsdk:"listener_arn"`
	RuleARN     types.String `tfsdk:"rule_arn"`
}

var pointAttrTypes = map[string]attr.Type{"arn": types.StringType, "blue_weight": types.Int64Type, "green_weight": types.Int64Type}

func (a alsoModel) arn() types.String {
	if !a.RuleARN.IsNull() {
		return a.RuleARN
	}
	return a.ListenerARN
}

// addLockstepAttributes adds `also` and `points` to the listener switch's schema.
func addLockstepAttributes(attrs map[string]schema.Attribute) {
	attrs["also"] = schema.ListNestedAttribute{
		Optional: true,
		MarkdownDescription: "More points that forward to the same blue and green target groups and move **in lockstep** with " +
			"`listener_arn`: e.g. the HTTPS listener and a second port, or several host rules. Each element names exactly one of " +
			"`listener_arn` (that listener's default action) or `rule_arn` (an existing listener rule, not one the switch creates). " +
			"Every step writes every point and reads every point back before its hold; if one point's write fails, the points " +
			"already written are written back to their previous weights, so the step moved nothing; a rollback restores every point. " +
			"The switch owns each point as it owns `listener_arn` (tag `bluegreen:switch`): a point another switch owns is refused, " +
			"and so is a point named twice or equal to `listener_arn`. Each point's forward must name blue and/or green only. " +
			"`points` shows what each point really forwards; when they disagree (another writer changed one) the switch is " +
			"`drifted` and the next apply first writes the weights of `listener_arn` to the others — no color gets a share it does not " +
			"already get on `listener_arn` — then shifts. Only with `listener_arn` (not with `rule`). Removing a point releases it " +
			"(its owner tag) and leaves its forward as it is.",
		Validators: []validator.List{listvalidator.SizeAtLeast(1)},
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"listener_arn": schema.StringAttribute{
				Optional: true, MarkdownDescription: "A listener whose default action forwards to blue and green: an ALB listener, or with an NLB `listener_arn` another NLB listener (a target group belongs to one kind of load balancer).",
				Validators: []validator.String{lbListenerARNValidator{}},
			},
			"rule_arn": schema.StringAttribute{
				Optional: true, MarkdownDescription: "An existing listener rule (not a listener's default rule) whose forward goes to blue and green.",
				Validators: []validator.String{arnValidator{service: "elasticloadbalancing", resource: "listener-rule/app/"}},
			},
		}},
	}
	attrs["points"] = schema.ListNestedAttribute{
		Computed: true,
		MarkdownDescription: "With `also`: every point the switch moves, `listener_arn` first, and the weights it really forwards, " +
			"read on every refresh and after every apply (null weights: the point could not be read). Null without `also`.",
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"arn":          schema.StringAttribute{Computed: true, MarkdownDescription: "Listener or rule ARN."},
			"blue_weight":  schema.Int64Attribute{Computed: true, MarkdownDescription: "Forward weight of blue on this point."},
			"green_weight": schema.Int64Attribute{Computed: true, MarkdownDescription: "Forward weight of green on this point."},
		}},
	}
}

// validateAlso checks `also` as far as it is known: one ARN per element, no
// point twice, none equal to listener_arn, and not with `rule`.
func validateAlso(m *listenerSwitchModel, diags *diag.Diagnostics) {
	if len(m.Also) == 0 {
		return
	}
	if m.Rule != nil {
		diags.AddAttributeError(path.Root("also"), "also needs listener_arn",
			"also moves existing listeners or rules in lockstep with the switch's listener_arn; it cannot be combined with rule "+
				"(a rule the switch creates starts with all traffic on one color, which the other points would have to follow unchecked).")
		return
	}
	seen := map[string]string{}
	if known(m.ListenerARN) {
		seen[strings.ToLower(m.ListenerARN.ValueString())] = "listener_arn"
	}
	for i, a := range m.Also {
		p := path.Root("also").AtListIndex(i)
		if a.ListenerARN.IsUnknown() || a.RuleARN.IsUnknown() {
			continue
		}
		if a.ListenerARN.IsNull() == a.RuleARN.IsNull() {
			diags.AddAttributeError(p, "Exactly one of listener_arn and rule_arn",
				fmt.Sprintf("also[%d] must name exactly one point: listener_arn (a listener's default action) or rule_arn (a listener rule).", i))
			continue
		}
		arn := a.arn().ValueString()
		if known(m.ListenerARN) {
			mainNLB := isNLBListener(m.ListenerARN.ValueString())
			switch {
			case mainNLB && !a.RuleARN.IsNull():
				diags.AddAttributeError(p.AtName("rule_arn"), "Rule point with a Network Load Balancer",
					fmt.Sprintf("also[%d] is a listener rule, but listener_arn is a Network Load Balancer listener: its target groups "+
						"cannot be forwarded to by an ALB rule. Name other NLB listeners of the same groups instead.", i))
				continue
			case !a.ListenerARN.IsNull() && isNLBListener(arn) != mainNLB:
				diags.AddAttributeError(p.AtName("listener_arn"), "Points on different kinds of load balancer",
					fmt.Sprintf("also[%d] (%s) and listener_arn (%s) are not both ALB or both NLB listeners: a target group belongs "+
						"to one kind of load balancer, so they cannot forward to the same blue and green groups.", i, arn, m.ListenerARN.ValueString()))
				continue
			}
		}
		if first, dup := seen[strings.ToLower(arn)]; dup {
			diags.AddAttributeError(p, "Point named twice",
				fmt.Sprintf("also[%d] names %s, which %s already names: each point is moved once.", i, arn, first))
			continue
		}
		seen[strings.ToLower(arn)] = fmt.Sprintf("also[%d]", i)
	}
}

// alsoARNs are the ARNs of `also`, in order.
func (m *listenerSwitchModel) alsoARNs() []string {
	out := make([]string, len(m.Also))
	for i, a := range m.Also {
		out[i] = a.arn().ValueString()
	}
	return out
}

// lockstep builds the router of the switch: main alone, or main with the
// points of `also`.
func (r *listenerSwitchResource) lockstep(main *alb.Router, m listenerSwitchModel) *alb.Lockstep {
	blue, green := m.BlueTargetGroupARN.ValueString(), m.GreenTargetGroupARN.ValueString()
	var also []*alb.Router
	for _, a := range m.Also {
		if !a.RuleARN.IsNull() {
			also = append(also, alb.NewRuleRouter(r.data.Clients.ELBv2, a.RuleARN.ValueString(), blue, green))
		} else {
			also = append(also, alb.NewListenerRouter(r.data.Clients.ELBv2, a.ListenerARN.ValueString(), blue, green))
		}
	}
	return alb.NewLockstep(main, also...)
}

// pointsValue is `points` from what router last read (null without `also`).
func pointsValue(m *listenerSwitchModel, router *alb.Lockstep) types.List {
	elemType := types.ObjectType{AttrTypes: pointAttrTypes}
	if len(m.Also) == 0 {
		return types.ListNull(elemType)
	}
	ps := router.Points()
	if len(ps) == 0 {
		return types.ListUnknown(elemType)
	}
	elems := make([]attr.Value, len(ps))
	for i, p := range ps {
		blue, green := types.Int64Null(), types.Int64Null()
		if w, ok := p.Weights(); ok {
			blue, green = types.Int64Value(int64(w.Blue)), types.Int64Value(int64(w.Green))
		}
		elems[i] = types.ObjectValueMust(pointAttrTypes, map[string]attr.Value{"arn": types.StringValue(p.ARN), "blue_weight": blue, "green_weight": green})
	}
	return types.ListValueMust(elemType, elems)
}

// driftedRead tells the finish of an apply what to record when the read back
// is not one forward to blue and green: another writer added a group to the
// main point's forward (what blue and green get there), or the points of
// `also` disagree or cannot all be read (the main point's weights; `points`
// shows each). ok is false for any other error.
func driftedRead(cur alb.State, err error, n switchNouns) (w traffic.Weights, title string, ok bool) {
	var unsupported *alb.UnsupportedActionError
	switch {
	case errors.As(err, &unsupported):
		return unsupported.Weights, fmt.Sprintf("%s no longer forwards to blue and green only", capitalize(n.Point)), true
	case errors.Is(err, alb.ErrPointsDisagree):
		return cur.Weights, "Points moved in lockstep disagree", true
	}
	return traffic.Weights{}, "", false
}

// alignPoints writes the main point's weights to every point of `also` that
// forwards other weights, before anything else moves (see alb.Lockstep.Align).
// It returns false when the apply must stop.
func alignPoints(ctx context.Context, router *alb.Lockstep, written *bool, diags *diag.Diagnostics) bool {
	did, err := router.Align(ctx)
	*written = *written || did
	if err != nil {
		diags.AddAttributeError(path.Root("also"), "Cannot move the points in lockstep", err.Error())
		return false
	}
	if did {
		diags.AddWarning("Points aligned before the shift",
			fmt.Sprintf("The points moved in lockstep disagreed; every point now forwards what %s %s forwards, and the shift starts from there.",
				router.Kind(), router.ARN()))
	}
	return true
}

// claimAlso claims every point of `also` with claim (alb.Claim, or
// alb.TakeOver for an imported switch) and releases the points the
// configuration no longer names. It returns false when a point cannot be
// claimed.
func (r *listenerSwitchResource) claimAlso(ctx context.Context, plan, prior *listenerSwitchModel,
	claim func(context.Context, alb.TagAPI, string, string) error, owner string, diags *diag.Diagnostics) bool {
	api := r.data.Clients.ELBv2
	for i, arn := range plan.alsoARNs() {
		if err := claim(ctx, api, arn, owner); err != nil {
			p := path.Root("also").AtListIndex(i)
			if errors.Is(err, alb.ErrOwnedByOther) {
				diags.AddAttributeError(p, "Point owned by another switch", err.Error())
			} else {
				diags.AddAttributeError(p, "Error claiming point", err.Error())
			}
			return false
		}
	}
	if prior != nil {
		keep := map[string]bool{plan.ID.ValueString(): true}
		for _, a := range plan.alsoARNs() {
			keep[a] = true
		}
		for _, arn := range prior.alsoARNs() {
			if !keep[arn] {
				if err := alb.Release(ctx, api, arn, owner); err != nil && !errors.Is(err, alb.ErrNotFound) {
					diags.AddWarning("Owner tag not removed", fmt.Sprintf("%s is no longer moved by this switch, but: %s. Remove tag %s by hand.",
						arn, err, alb.OwnerTagKey))
				}
			}
		}
	}
	return true
}

// checkOwners is the guard before every write: every point is still this
// switch's.
func (r *listenerSwitchResource) checkOwners(ctx context.Context, plan *listenerSwitchModel, point, owner string) error {
	api := r.data.Clients.ELBv2
	for _, arn := range append([]string{point}, plan.alsoARNs()...) {
		if err := alb.CheckOwner(ctx, api, arn, owner); err != nil {
			return err
		}
	}
	return nil
}

// releaseAlso removes the owner tag of every point of `also` (destroy, or a
// create that leaves no resource).
func (r *listenerSwitchResource) releaseAlso(ctx context.Context, m *listenerSwitchModel, diags *diag.Diagnostics) {
	id := m.OwnerID.ValueString()
	if id == "" || !known(m.OwnerID) {
		return
	}
	for _, arn := range m.alsoARNs() {
		if err := alb.Release(ctx, r.data.Clients.ELBv2, arn, id); err != nil && !errors.Is(err, alb.ErrNotFound) && diags != nil {
			diags.AddWarning("Owner tag not removed", fmt.Sprintf("%s. Remove tag %s from %s by hand before another switch takes it over.",
				err, alb.OwnerTagKey, arn))
		}
	}
}

// checkAlsoAtPlan refuses, at plan time, a point of `also` another switch
// owns or whose forward cannot be adopted, and says when the points
// disagree: the plan starts from the main point's weights, which the apply
// first writes to the others.
func (r *listenerSwitchResource) checkAlsoAtPlan(ctx context.Context, plan, prior *listenerSwitchModel, diags *diag.Diagnostics) {
	if len(plan.Also) == 0 || r.data == nil || r.data.Clients == nil {
		return
	}
	validateAlso(plan, diags)
	id := ""
	if prior != nil {
		id = prior.OwnerID.ValueString()
	}
	api := r.data.Clients.ELBv2
	blue, green := plan.BlueTargetGroupARN.ValueString(), plan.GreenTargetGroupARN.ValueString()
	// A new switch: what the main listener forwards now, to say at plan time
	// which points the apply will align with it (an update says so in
	// planPoints, from the refreshed state).
	var mainNow *traffic.Weights
	if prior == nil && known(plan.ListenerARN) && known(plan.BlueTargetGroupARN) && known(plan.GreenTargetGroupARN) {
		if ts, _, err := alb.DescribeForward(ctx, api, plan.ListenerARN.ValueString()); err == nil {
			if w, problem := adoptable(ts, blue, green); problem == "" {
				mainNow = &w
			}
		}
	}
	var differ []string
	defer func() {
		if len(differ) > 0 {
			diags.AddWarning("Points moved in lockstep disagree",
				fmt.Sprintf("%s forwards %s, but %s. The apply first writes %s to every point, then shifts from there.",
					plan.ListenerARN.ValueString(), *mainNow, strings.Join(differ, "; "), *mainNow))
		}
	}()
	for i, a := range plan.Also {
		if !known(a.arn()) {
			continue
		}
		arn, p := a.arn().ValueString(), path.Root("also").AtListIndex(i)
		if owner, err := alb.Owner(ctx, api, arn); err == nil && owner != "" && owner != id && !(prior != nil && id == "") {
			report := diags.AddAttributeError
			if prior == nil {
				report = diags.AddAttributeWarning // the replacement of a tainted switch: decided at apply
			}
			report(p, "Point owned by another switch", fmt.Sprintf("%s is tagged %s = %q: another bluegreen_listener_switch owns its "+
				"forward weights. Remove the other switch (its destroy removes the tag), or, if it no longer exists, remove the tag: "+
				"aws elbv2 remove-tags --resource-arns %s --tag-keys %s", arn, alb.OwnerTagKey, owner, arn, alb.OwnerTagKey))
		}
		if known(plan.BlueTargetGroupARN) && known(plan.GreenTargetGroupARN) {
			if ts, _, err := alb.DescribeForward(ctx, api, arn); err == nil {
				w, problem := adoptable(ts, blue, green)
				if problem != "" {
					diags.AddAttributeError(p, "Point cannot be moved in lockstep",
						fmt.Sprintf("%s: %s. Every point of also must forward to the blue and/or green target group only.", arn, problem))
				} else if mainNow != nil && w != *mainNow {
					differ = append(differ, fmt.Sprintf("%s forwards %s", arn, w))
				}
			}
		}
	}
}

// planPoints fills the planned `points`: every point at the weights the plan
// ends with, and says when they disagree now (state, or a point newly named).
func (r *listenerSwitchResource) planPoints(ctx context.Context, plan, prior *listenerSwitchModel, diags *diag.Diagnostics) {
	elemType := types.ObjectType{AttrTypes: pointAttrTypes}
	if len(plan.Also) == 0 {
		plan.Points = types.ListNull(elemType)
		return
	}
	arns := append([]string{plan.ListenerARN.ValueString()}, plan.alsoARNs()...)
	if !known(plan.ListenerARN) || !known(plan.BlueWeight) || !known(plan.GreenWeight) {
		plan.Points = types.ListUnknown(elemType)
		return
	}
	for _, a := range plan.Also {
		if !known(a.arn()) {
			plan.Points = types.ListUnknown(elemType)
			return
		}
	}
	elems := make([]attr.Value, len(arns))
	for i, arn := range arns {
		elems[i] = types.ObjectValueMust(pointAttrTypes, map[string]attr.Value{"arn": types.StringValue(arn),
			"blue_weight": plan.BlueWeight, "green_weight": plan.GreenWeight})
	}
	plan.Points = types.ListValueMust(elemType, elems)
	// What each point forwards now, as far as state knows (refreshed) or,
	// for a point state does not list, as read now.
	if prior == nil || r.data == nil || r.data.Clients == nil {
		return
	}
	main := prior.weightsOf()
	if main == nil {
		return
	}
	now := map[string]string{}
	var priorPoints []struct {
		ARN   types.String `tfsdk:"arn"`
		Blue  types.Int64  `tfsdk:"blue_weight"`
		Green types.Int64  `tfsdk:"green_weight"`
	}
	if known(prior.Points) {
		diags.Append(prior.Points.ElementsAs(ctx, &priorPoints, false)...)
	}
	for _, p := range priorPoints {
		if known(p.Blue) && known(p.Green) {
			now[p.ARN.ValueString()] = traffic.Weights{Blue: int32(p.Blue.ValueInt64()), Green: int32(p.Green.ValueInt64())}.String()
		} else {
			now[p.ARN.ValueString()] = "unreadable"
		}
	}
	blue, green := plan.BlueTargetGroupARN.ValueString(), plan.GreenTargetGroupARN.ValueString()
	var differ []string
	for _, arn := range arns[1:] {
		w, ok := now[arn]
		if !ok {
			if ts, _, err := alb.DescribeForward(ctx, r.data.Clients.ELBv2, arn); err == nil {
				if cw, problem := adoptable(ts, blue, green); problem == "" {
					w = cw.String()
				}
			}
		}
		if w != "" && w != main.String() {
			differ = append(differ, fmt.Sprintf("%s forwards %s", arn, w))
		}
	}
	if len(differ) > 0 {
		diags.AddWarning("Points moved in lockstep disagree",
			fmt.Sprintf("%s forwards %s, but %s. The apply first writes %s to every point, then runs the planned path from there.",
				plan.ListenerARN.ValueString(), *main, strings.Join(differ, "; "), *main))
	}
}
