package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/alb"
)

// The preview route of bluegreen_listener_switch (the test listener of
// CodeDeploy and ECS, the preview service of Argo Rollouts): a listener rule
// the switch creates and owns that forwards every request carrying its
// condition to one color —
//
//   - the idle color while traffic is all on one color, so that the next
//     release, deployed to the idle twin, can be tried (by a health gate, a
//     smoke test, a person) through the real load balancer before any
//     production request reaches it;
//   - the receiving color from before the pre-flight of a shift until the
//     shift ends (the idle color then already, unless the preview route had
//     drifted), so the switch's own http checks can test it through the
//     preview route;
//   - after a completed shift the now idle old color, after a rollback the
//     color rolled back from (idle again); while parked at a share
//     (traffic_percent) the receiving color.
//
// Preview is ALB only: a Network Load Balancer has no listener rules.

type previewModel struct {
	ListenerARN  types.String        `tfsdk:"listener_arn"`
	Priority     types.Int64         `tfsdk:"priority"`
	HTTPHeader   *previewHeaderModel `tfsdk:"http_header"`
	QueryString  *previewQueryModel  `tfsdk:"query_string"`
	PathPatterns types.List          `tfsdk:"path_patterns"`
}

type previewHeaderModel struct {
	Name   types.String `tfsdk:"name"`
	Values types.List   `tfsdk:"values"`
}

type previewQueryModel struct {
	Key   types.String `tfsdk:"key"`
	Value types.String `tfsdk:"value"`
}

// previewErrorSummary starts the summary of every preview error.
const previewErrorSummary = "Preview route"

var headerNameRE = regexp.MustCompile(`^[A-Za-z0-9!#$%&'*+.^_|~-]{1,40}$`)

// previewAttributes are the listener switch's preview attributes.
func previewAttributes() map[string]schema.Attribute {
	values := []validator.List{listvalidator.SizeBetween(1, 5), listvalidator.ValueStringsAre(stringvalidator.LengthBetween(1, 128))}
	return map[string]schema.Attribute{
		"preview": schema.SingleNestedAttribute{
			Optional: true,
			MarkdownDescription: "A preview route (ALB only): a listener rule the switch creates and owns that forwards **every** request " +
				"matching its one condition to a single color — the idle color while all traffic is on one color, the receiving color " +
				"from before the pre-flight of a shift until it ends, the now idle old color after it completes, the color rolled back " +
				"from after a rollback, the receiving color while parked at a share. Health gates, the switch's own `rollback_on.http` " +
				"checks and smoke tests reach the new release through the real load balancer with it (send the header or query " +
				"string) before any production request does — what CodeDeploy's test listener and Argo Rollouts' preview service " +
				"do. Exactly one of `http_header`, `query_string` and `path_patterns` is required. Read back on every refresh: a rule " +
				"deleted or edited by hand shows as a diff and the next apply repairs it; destroy (or removing `preview`) deletes it.",
			Attributes: map[string]schema.Attribute{
				"listener_arn": schema.StringAttribute{
					Optional: true,
					MarkdownDescription: "ALB listener the rule is created on. Default: the switch's listener (`listener_arn` or " +
						"`rule.listener_arn`). Give a second listener of the load balancer (e.g. port 8080, whose default action can " +
						"be a fixed 404 response) for a test listener as CodeDeploy has; `path_patterns = [\"/*\"]` then sends all of its " +
						"requests to the preview color. Network Load Balancer listeners are refused: they have no rules; and with an NLB `listener_arn` so is any listener " +
						"(its target groups belong to that NLB).",
					Validators: []validator.String{arnValidator{service: "elasticloadbalancing", resource: "listener/"}},
				},
				"priority": schema.Int64Attribute{
					Required:            true,
					MarkdownDescription: "Priority of the preview rule, 1–50000. It must be lower than (evaluated before) any rule that would catch the same requests.",
					Validators:          []validator.Int64{int64validator.Between(1, 50000)},
				},
				"http_header": schema.SingleNestedAttribute{
					Optional:            true,
					MarkdownDescription: "Requests with this header (any of `values`; case-insensitive, `*` and `?` wildcards) take the preview route.",
					Attributes: map[string]schema.Attribute{
						"name": schema.StringAttribute{Required: true, MarkdownDescription: "Header name, e.g. `X-Preview`, up to 40 characters.",
							Validators: []validator.String{stringvalidator.RegexMatches(headerNameRE, "must be an HTTP header name of 1-40 characters")}},
						"values": schema.ListAttribute{ElementType: types.StringType, Required: true,
							MarkdownDescription: "Values that match, 1–5 of 1–128 characters, e.g. `[\"1\"]`.", Validators: values},
					},
				},
				"query_string": schema.SingleNestedAttribute{
					Optional:            true,
					MarkdownDescription: "Requests with this query string pair (case-insensitive, `*` and `?` wildcards) take the preview route, e.g. `?preview=1`.",
					Attributes: map[string]schema.Attribute{
						"key": schema.StringAttribute{Optional: true, MarkdownDescription: "Query string key, e.g. `preview`. Omitted: the value under any key.",
							Validators: []validator.String{stringvalidator.LengthBetween(1, 128)}},
						"value": schema.StringAttribute{Required: true, MarkdownDescription: "Query string value, e.g. `1`.",
							Validators: []validator.String{stringvalidator.LengthBetween(1, 128)}},
					},
				},
				"path_patterns": schema.ListAttribute{
					ElementType: types.StringType, Optional: true,
					MarkdownDescription: "Path patterns, 1–5 of 1–128 characters: for a test listener of its own, `[\"/*\"]`.",
					Validators:          values,
				},
			},
		},
		"preview_rule_arn": schema.StringAttribute{
			Computed: true, MarkdownDescription: "ARN of the preview rule the switch owns (tag `bluegreen:switch` = `owner_id`, and `bluegreen:preview` = `true`: an environment pair does not count the color it reaches as serving); empty when it was deleted outside Terraform.",
		},
		"preview_color": schema.StringAttribute{
			Computed: true, MarkdownDescription: "The color the preview route forwards to, as read back; empty when it forwards to neither color alone (edited outside Terraform) or is gone.",
		},
	}
}

// validatePreview checks what the schema cannot: one condition, an ALB
// listener, a priority the switch's own rule does not take.
func validatePreview(m *listenerSwitchModel, diags *diag.Diagnostics) {
	p := m.Preview
	if p == nil {
		return
	}
	conds := 0
	if p.HTTPHeader != nil {
		conds++
	}
	if p.QueryString != nil {
		conds++
	}
	if !p.PathPatterns.IsNull() {
		conds++
	}
	if conds != 1 {
		diags.AddAttributeError(path.Root("preview"), "Preview route needs exactly one condition",
			fmt.Sprintf("preview has %d of http_header, query_string and path_patterns; give exactly one (e.g. http_header = { name = \"X-Preview\", values = [\"1\"] }).", conds))
	}
	listener := p.ListenerARN
	if listener.IsNull() {
		if listener = m.ListenerARN; m.Rule != nil {
			listener = m.Rule.ListenerARN
		}
	}
	switch {
	case m.Rule == nil && known(m.ListenerARN) && isNLBListener(m.ListenerARN.ValueString()) && !p.ListenerARN.IsNull():
		diags.AddAttributeError(path.Root("preview"), "Preview route needs an Application Load Balancer",
			fmt.Sprintf("listener_arn %s is a Network Load Balancer listener: its target groups belong to that NLB, so a rule of "+
				"another load balancer's listener cannot forward to them. Remove preview (reach the idle color directly, or "+
				"through an NLB listener of its own).", m.ListenerARN.ValueString()))
	case known(listener) && isNLBListener(listener.ValueString()):
		diags.AddAttributeError(path.Root("preview"), "Preview route needs an Application Load Balancer",
			fmt.Sprintf("%s is a Network Load Balancer listener: NLB listeners have no rules, so there is no way to route some requests to "+
				"the idle color. Give preview.listener_arn an ALB listener (with an ALB listener_arn), or remove preview.", listener.ValueString()))
	}
	if rl := m.Rule; rl != nil && known(rl.Priority) && known(p.Priority) && rl.Priority.Equal(p.Priority) && known(listener) &&
		known(rl.ListenerARN) && rl.ListenerARN.ValueString() == listener.ValueString() {
		diags.AddAttributeError(path.Root("preview").AtName("priority"), "Preview rule priority taken",
			fmt.Sprintf("rule.priority and preview.priority are both %d on the same listener; give the preview rule another priority.", p.Priority.ValueInt64()))
	}
}

// previewListener is the listener the preview rule lives on.
func (m *listenerSwitchModel) previewListener() string {
	if m.Preview != nil && known(m.Preview.ListenerARN) {
		return m.Preview.ListenerARN.ValueString()
	}
	return m.listener()
}

func previewSpec(ctx context.Context, m *listenerSwitchModel, tags map[string]string, diags *diag.Diagnostics) alb.PreviewSpec {
	p := m.Preview
	s := alb.PreviewSpec{ListenerARN: m.previewListener(), Priority: int32(p.Priority.ValueInt64()), Tags: map[string]string{}}
	for k, v := range tags {
		s.Tags[k] = v
	}
	s.Tags[alb.OwnerTagKey] = m.OwnerID.ValueString()
	s.Tags[alb.PreviewTagKey] = "true"
	switch {
	case p.HTTPHeader != nil:
		s.Header = p.HTTPHeader.Name.ValueString()
		diags.Append(p.HTTPHeader.Values.ElementsAs(ctx, &s.HeaderValues, false)...)
	case p.QueryString != nil:
		s.Query = []alb.QueryPair{{Key: p.QueryString.Key.ValueString(), Value: p.QueryString.Value.ValueString()}}
	default:
		diags.Append(p.PathPatterns.ElementsAs(ctx, &s.PathPatterns, false)...)
	}
	return s
}

// previewColorFor is the color the preview route forwards to once the
// forward has weights w and the switch aims at to: the idle color when one
// color has all the traffic, the receiving color otherwise.
func previewColorFor(w traffic.Weights, to traffic.Color) traffic.Color {
	switch {
	case w.Blue > 0 && w.Green == 0:
		return traffic.Green
	case w.Green > 0 && w.Blue == 0:
		return traffic.Blue
	}
	return to
}

// planPreview plans the preview attributes: the rule ARN stays (unknown
// when the rule is to be created); the color is known when the plan moves
// nothing (where a shift leaves it depends on its outcome).
func planPreview(plan, prior *listenerSwitchModel) {
	if plan.Preview == nil {
		plan.PreviewRuleARN, plan.PreviewColor = types.StringNull(), types.StringNull()
		return
	}
	plan.PreviewRuleARN, plan.PreviewColor = types.StringUnknown(), types.StringUnknown()
	w := plan.weightsOf()
	if w == nil || !known(plan.Status) {
		// A shift runs: the rule may be deleted by hand during it (the
		// switch then creates a new one, with a new ARN), so neither the
		// ARN nor the color is known before it ends.
		return
	}
	if prior != nil && prior.Preview != nil && known(prior.PreviewRuleARN) && prior.PreviewRuleARN.ValueString() != "" &&
		prior.previewListener() == plan.previewListener() {
		plan.PreviewRuleARN = prior.PreviewRuleARN
	}
	to, _ := traffic.ParseColor(plan.ActiveColor.ValueString())
	plan.PreviewColor = types.StringValue(string(previewColorFor(*w, to)))
}

type previewImportKey struct{}

// applyWithPreview is the apply of a listener switch: the shift (apply,
// which points the preview route at the receiving color before its
// pre-flight), then the preview route pointed where the weights read back
// say. It never writes production weights itself.
func (r *listenerSwitchResource) applyWithPreview(ctx context.Context, plan, prior *listenerSwitchModel, diags *diag.Diagnostics) (*listenerSwitchModel, bool) {
	priorARN := ""
	if prior != nil && known(prior.PreviewRuleARN) && prior.Preview != nil {
		priorARN = prior.PreviewRuleARN.ValueString()
	}
	if plan.Preview == nil {
		plan.PreviewRuleARN, plan.PreviewColor = types.StringNull(), types.StringNull()
		st, ok := r.apply(ctx, plan, prior, diags)
		if priorARN != "" && r.deletePreviewRule(ctx, priorARN, prior.OwnerID.ValueString(), diags) && !ok {
			prior.PreviewRuleARN, prior.PreviewColor = types.StringNull(), types.StringNull()
		}
		return st, ok
	}
	plan.PreviewRuleARN, plan.PreviewColor = types.StringValue(priorARN), types.StringValue("")
	if prior != nil && known(prior.PreviewColor) {
		plan.PreviewColor = prior.PreviewColor
	}
	if prior != nil && prior.OwnerID.ValueString() == "" {
		ctx = context.WithValue(ctx, previewImportKey{}, true)
	}
	aim, _ := traffic.ParseColor(plan.ActiveColor.ValueString()) // the color this apply shifts to
	st, ok := r.apply(ctx, plan, prior, diags)
	if !ok {
		r.undoPreview(ctx, plan, prior, priorARN, diags)
		return st, ok
	}
	rctx, cancel := ioContext(ctx)
	defer cancel()
	w := st.weightsOf()
	if w == nil || hasPreviewError(*diags) {
		// Weights unknown, or the preview route could not be written
		// before the shift: record what it forwards to, write nothing.
		r.readPreviewInto(rctx, st, diags)
		return st, true
	}
	to, _ := traffic.ParseColor(st.ActiveColor.ValueString())
	if st.Status.ValueString() == statusHeld && aim != "" {
		// Held mid-shift (active_color records the color it came from):
		// the shift has not ended, the next apply resumes it, and the
		// preview route stays on the color receiving traffic.
		to = aim
	}
	r.pointPreview(rctx, st, previewColorFor(*w, to), diags)
	return st, true
}

// previewBeforeShift points the preview route at the receiving color before
// the pre-flight of a shift (before any production write). false: it could
// not, and nothing of production was written for the shift.
func (r *listenerSwitchResource) previewBeforeShift(ctx context.Context, plan *listenerSwitchModel, to traffic.Color, diags *diag.Diagnostics) bool {
	if plan.Preview == nil {
		return true
	}
	return r.pointPreview(ctx, plan, to, diags)
}

func hasPreviewError(diags diag.Diagnostics) bool {
	for _, d := range diags.Errors() {
		if strings.HasPrefix(d.Summary(), previewErrorSummary) {
			return true
		}
	}
	return false
}

// pointPreview makes the preview rule exist, with the configured priority
// and condition, forwarding to c; m's preview attributes record what is
// true afterwards, also when it fails.
func (r *listenerSwitchResource) pointPreview(ctx context.Context, m *listenerSwitchModel, c traffic.Color, diags *diag.Diagnostics) bool {
	api := r.data.Clients.ELBv2
	owner := m.OwnerID.ValueString()
	blue, green := m.BlueTargetGroupARN.ValueString(), m.GreenTargetGroupARN.ValueString()
	fail := func(detail string) bool {
		diags.AddAttributeError(path.Root("preview"), previewErrorSummary+" not written", detail)
		return false
	}
	var sd diag.Diagnostics
	spec := previewSpec(ctx, m, r.data.DefaultTags, &sd)
	if sd.HasError() {
		diags.Append(sd...)
		return fail("the preview condition could not be read from the configuration")
	}
	arn := ""
	if known(m.PreviewRuleARN) {
		arn = m.PreviewRuleARN.ValueString()
	}
	var info alb.PreviewRuleInfo
	if arn != "" {
		i, err := alb.ReadPreviewRule(ctx, api, arn)
		switch {
		case errors.Is(err, alb.ErrNotFound):
			arn = "" // deleted outside Terraform: created again
		case err != nil:
			return fail(fmt.Sprintf("reading preview rule %s: %s", arn, err))
		case i.ListenerARN != spec.ListenerARN:
			// preview.listener_arn changed: a rule cannot move.
			if !r.deletePreviewRule(ctx, arn, owner, diags) {
				return false
			}
			arn = ""
		default:
			info = i
		}
	}
	m.PreviewRuleARN, m.PreviewColor = types.StringValue(arn), types.StringValue(string(info.Color(blue, green)))
	if arn == "" {
		found, ok, err := alb.RuleAtPriority(ctx, api, spec.ListenerARN, spec.Priority)
		if err != nil {
			return fail(err.Error())
		}
		if !ok {
			created, err := alb.CreatePreviewRule(ctx, api, spec, blue, green, c)
			if err != nil {
				return fail(err.Error())
			}
			m.PreviewRuleARN, m.PreviewColor = types.StringValue(created), types.StringValue(string(c))
			return true
		}
		// A rule at the priority: adopt it if it is this switch's (state
		// lost after a create) or the switch is being imported and the rule
		// forwards to blue and green only; otherwise refuse.
		tagged, err := alb.Owner(ctx, api, found.ARN)
		if err != nil {
			return fail(err.Error())
		}
		_, foreign, _ := alb.ColorWeights(found.Forward, blue, green)
		importing, _ := ctx.Value(previewImportKey{}).(bool)
		if tagged != owner && (!importing || tagged == "" || len(foreign) > 0 || len(found.Forward) == 0) {
			return fail(fmt.Sprintf("priority %d of listener %s is taken by rule %s, which this switch does not own (tag %s = %q). "+
				"Give preview.priority a free priority.", spec.Priority, spec.ListenerARN, found.ARN, alb.OwnerTagKey, tagged))
		}
		if tagged != owner {
			if err := alb.TakeOver(ctx, api, found.ARN, owner); err != nil {
				return fail(err.Error())
			}
		}
		arn, info = found.ARN, found
		m.PreviewRuleARN, m.PreviewColor = types.StringValue(arn), types.StringValue(string(info.Color(blue, green)))
	}
	switch tagged, err := alb.Owner(ctx, api, arn); {
	case err != nil:
		return fail(err.Error())
	case tagged == "":
		// The rule state records, its owner tag taken off by hand: tagged
		// again (without it destroy would leave the rule in place).
		if err := alb.Claim(ctx, api, arn, owner); err != nil {
			return fail(err.Error())
		}
	case tagged != owner:
		return fail((&alb.OwnedByOtherError{ARN: arn, Owner: tagged, Want: owner}).Error())
	}
	if isPreview, err := alb.IsPreviewRule(ctx, api, arn); err != nil || !isPreview {
		// Adopted, or created before the marker existed.
		if err := alb.MarkPreviewRule(ctx, api, arn); err != nil {
			return fail(err.Error())
		}
	}
	if !spec.SameCondition(info) {
		if err := alb.ConditionPreviewRule(ctx, api, arn, spec, info); err != nil {
			return fail(err.Error())
		}
	}
	if info.Color(blue, green) == c {
		return true
	}
	if err := alb.PointPreviewRule(ctx, api, arn, blue, green, c); err != nil {
		// The write may have landed (a lost answer): record what is there.
		if back, rerr := alb.ReadPreviewRule(ctx, api, arn); rerr == nil {
			m.PreviewColor = types.StringValue(string(back.Color(blue, green)))
			if back.Color(blue, green) == c {
				return true
			}
		}
		return fail(err.Error())
	}
	m.PreviewColor = types.StringValue(string(c))
	return true
}

// readPreviewInto records the preview rule's color as read back.
func (r *listenerSwitchResource) readPreviewInto(ctx context.Context, m *listenerSwitchModel, diags *diag.Diagnostics) {
	arn := m.PreviewRuleARN.ValueString()
	if !known(m.PreviewRuleARN) || arn == "" {
		m.PreviewRuleARN, m.PreviewColor = types.StringValue(""), types.StringValue("")
		return
	}
	info, err := alb.ReadPreviewRule(ctx, r.data.Clients.ELBv2, arn)
	switch {
	case errors.Is(err, alb.ErrNotFound):
		m.PreviewRuleARN, m.PreviewColor = types.StringValue(""), types.StringValue("")
	case err != nil:
		diags.AddWarning("Preview rule not read back", fmt.Sprintf("%s; preview_color keeps its last known value.", err))
		if !known(m.PreviewColor) {
			m.PreviewColor = types.StringValue("")
		}
	default:
		m.PreviewColor = types.StringValue(string(info.Color(m.BlueTargetGroupARN.ValueString(), m.GreenTargetGroupARN.ValueString())))
	}
}

// undoPreview runs when an apply leaves the prior state (or no resource): a
// preview rule created by it is deleted, a moved one pointed back; what
// cannot be undone is recorded in prior.
func (r *listenerSwitchResource) undoPreview(ctx context.Context, plan, prior *listenerSwitchModel, priorARN string, diags *diag.Diagnostics) {
	rctx, cancel := ioContext(ctx)
	defer cancel()
	arn := plan.PreviewRuleARN.ValueString()
	switch {
	case arn != "" && arn != priorARN:
		if !r.deletePreviewRule(rctx, arn, plan.OwnerID.ValueString(), diags) && prior != nil {
			prior.PreviewRuleARN = plan.PreviewRuleARN
			r.readPreviewInto(rctx, prior, diags)
		}
	case prior != nil && arn != "" && !plan.PreviewColor.Equal(prior.PreviewColor):
		back, _ := traffic.ParseColor(prior.PreviewColor.ValueString())
		if back == "" || !r.pointPreview(rctx, prior, back, diags) {
			r.readPreviewInto(rctx, prior, diags)
		}
	}
}

// deletePreviewRule deletes the preview rule if this switch owns it; false
// when it is still there.
func (r *listenerSwitchResource) deletePreviewRule(ctx context.Context, arn, owner string, diags *diag.Diagnostics) bool {
	api := r.data.Clients.ELBv2
	tagged, err := alb.Owner(ctx, api, arn)
	switch {
	case errors.Is(err, alb.ErrNotFound):
		return true
	case err != nil:
		diags.AddError(previewErrorSummary+" rule not deleted", err.Error())
		return false
	case tagged != owner && tagged != "": // untagged: the rule state records, its tag taken off by hand
		diags.AddWarning(previewErrorSummary+" rule not deleted", fmt.Sprintf("Rule %s is tagged %s = %q, not this switch's %q: "+
			"another switch owns it now, so it was left in place.", arn, alb.OwnerTagKey, tagged, owner))
		return true // not ours: no longer this switch's to record
	}
	if err := alb.DeleteRule(ctx, api, arn); err != nil {
		diags.AddError(previewErrorSummary+" rule not deleted", err.Error())
		return false
	}
	return true
}

// readPreview is Read's part: the rule's priority, condition and color as
// they are, so that a hand edit shows as a diff and the next apply repairs it.
func (r *listenerSwitchResource) readPreview(ctx context.Context, state *listenerSwitchModel, diags *diag.Diagnostics) {
	p := state.Preview
	if p == nil || !known(state.PreviewRuleARN) || state.PreviewRuleARN.ValueString() == "" {
		return
	}
	info, err := alb.ReadPreviewRule(ctx, r.data.Clients.ELBv2, state.PreviewRuleARN.ValueString())
	switch {
	case errors.Is(err, alb.ErrNotFound):
		state.PreviewRuleARN, state.PreviewColor = types.StringValue(""), types.StringValue("")
		return
	case err != nil:
		diags.AddWarning("Preview rule not read back", err.Error())
		return
	}
	state.PreviewColor = types.StringValue(string(info.Color(state.BlueTargetGroupARN.ValueString(), state.GreenTargetGroupARN.ValueString())))
	p.Priority = types.Int64Value(int64(info.Priority))
	strs := func(vs []string) types.List {
		elems := make([]attr.Value, len(vs))
		for i, v := range vs {
			elems[i] = types.StringValue(v)
		}
		return types.ListValueMust(types.StringType, elems)
	}
	oldHeader := p.HTTPHeader
	p.HTTPHeader, p.QueryString, p.PathPatterns = nil, nil, types.ListNull(types.StringType)
	if info.Other > 0 {
		return // not the one condition the switch writes: all of it shows as to be written
	}
	switch {
	case info.Header != "":
		name := types.StringValue(info.Header)
		if oldHeader != nil && strings.EqualFold(oldHeader.Name.ValueString(), info.Header) {
			name = oldHeader.Name // ALB may change the case; it matches either way
		}
		p.HTTPHeader = &previewHeaderModel{Name: name, Values: strs(info.HeaderValues)}
	case len(info.Query) == 1:
		key := types.StringNull()
		if info.Query[0].Key != "" {
			key = types.StringValue(info.Query[0].Key)
		}
		p.QueryString = &previewQueryModel{Key: key, Value: types.StringValue(info.Query[0].Value)}
	case len(info.PathPatterns) > 0:
		p.PathPatterns = strs(info.PathPatterns)
	}
}
