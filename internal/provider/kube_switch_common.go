package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/podreadiness"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/kubeclient"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// What the two Kubernetes switches share: the pod_readiness check of the
// receiving color (pre-flight, and watched during every step and the bake),
// the refusal of the AWS-only checks, the plan (kubePlan: the owner check
// and the weights read at plan time, with each switch's own refusals) and
// the claim of the object at apply (kubeClaim).

// kubePlanReadTimeout bounds a read of the API server at plan time: an
// unreachable cluster then leaves the path to the apply instead of hanging
// the plan.
const kubePlanReadTimeout = 15 * time.Second

// podReadinessModel is the `pod_readiness` attribute.
type podReadinessModel struct {
	MinReadyCount   types.Int64   `tfsdk:"min_ready_count"`
	MinReadyPercent types.Float64 `tfsdk:"min_ready_percent"`
}

// podReadinessAttribute describes the check; whose says whose Pods are
// counted.
func podReadinessAttribute(whose string) schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		Optional: true,
		MarkdownDescription: "How many of the receiving color's Pods must be ready. Counted from the Pods themselves, as the " +
			"EndpointSlice controller counts them (Ready condition `True` and a pod IP, not terminating; Pods that " +
			"Succeeded or Failed are ignored), because no EndpointSlice exists yet for the color that is about to receive " +
			"traffic. The Pods are " + whose + ".\n\n" +
			"The check runs twice over: as the **pre-flight** (never skipped: without ready Pods no label or weight is " +
			"written) and **during every step and the bake**, with the `rollback_on` checks, on their `evaluation_interval`, " +
			"`failure_threshold` and `fail_closed` (their defaults without a `rollback_on` block), so a crash loop of the new " +
			"color rolls the shift back. Unset: at least 1 ready Pod.",
		Attributes: map[string]schema.Attribute{
			"min_ready_count": schema.Int64Attribute{
				Optional: true, MarkdownDescription: "Ready Pods the receiving color needs, at least 1. Default `1`.",
				Validators: []validator.Int64{int64validator.AtLeast(1)},
			},
			"min_ready_percent": schema.Float64Attribute{
				Optional: true, MarkdownDescription: "Share of the receiving color's Pods (not terminating) that must be ready, " +
					"in percent, 0–100. Default `0` (not checked).",
				Validators: []validator.Float64{float64validator.Between(0, 100)},
			},
		},
	}
}

// thresholds returns the check's minimum count and percent.
func (m *podReadinessModel) thresholds() (int, float64) {
	if m == nil {
		return 1, 0
	}
	n := 1
	if known(m.MinReadyCount) {
		n = int(m.MinReadyCount.ValueInt64())
	}
	return n, m.MinReadyPercent.ValueFloat64()
}

// withClock makes a readiness check time its results on the switch's clock.
func withClock(c *podreadiness.Check, clk clock.Clock) *podreadiness.Check {
	c.Now = clk.Now
	return c
}

// kubeSchemaWording says in Kubernetes terms what the shared switch schema
// says in ALB's, and marks the AWS-only checks as refused. what is the
// resource's name.
func kubeSchemaWording(s *schema.Schema, what, weightDoc string) {
	if a, ok := s.Attributes["blue_weight"].(schema.Int64Attribute); ok {
		a.MarkdownDescription = weightDoc
		s.Attributes["blue_weight"] = a
	}
	if a, ok := s.Attributes["green_weight"].(schema.Int64Attribute); ok {
		a.MarkdownDescription = "Weight of green as read from the API server, as `blue_weight`."
		s.Attributes["green_weight"] = a
	}
	markRefusedChecks(s.Attributes, "**Not available for `"+what+"`** (it reads AWS load balancers or CloudWatch): refused at plan time. "+
		"Use `pod_readiness`, `http` or `prometheus`.")
}

// refuseAWSChecks reports the rollback_on checks that exist for AWS load
// balancers only.
func refuseAWSChecks(rb *rollbackOnModel, what string, diags *diag.Diagnostics) {
	if rb == nil {
		return
	}
	at := path.Root("rollback_on")
	refuse := func(name, reads string) {
		diags.AddAttributeError(at.AtName(name), "Check not available on Kubernetes",
			fmt.Sprintf("rollback_on.%s reads %s, which exists for AWS load balancers only; %s switches Kubernetes traffic. "+
				"Use pod_readiness (ready Pods of the receiving color), rollback_on.http or rollback_on.prometheus instead.", name, reads, what))
	}
	if rb.TargetHealth != nil {
		refuse("target_health", "ELBv2 target health of a target group")
	}
	if rb.Metrics != nil {
		refuse("metrics", "CloudWatch AWS/ApplicationELB metrics")
	}
	if !rb.AlarmNames.IsNull() {
		refuse("alarm_names", "CloudWatch alarms")
	}
}

// podReadinessKnown reports whether the check's thresholds are known.
func (m *podReadinessModel) known() bool {
	return m == nil || (!m.MinReadyCount.IsUnknown() && !m.MinReadyPercent.IsUnknown())
}

// kubeCurrentAtPlan decides the weights a plan starts from: those the
// refreshed state holds when the switch point is the same, else a bounded
// read (nil when it cannot be read: the path is then decided at apply).
// creating switches never read at plan (the plan must not depend on the live
// world: another resource of the same apply may create or change the
// Service or route first).
func kubeCurrentAtPlan(ctx context.Context, prior *switchModel, samePoint bool, read func(ctx context.Context) (traffic.Weights, error)) (*traffic.Weights, error) {
	if prior == nil {
		return nil, nil
	}
	if samePoint {
		if w := prior.weightsOf(); w != nil {
			return w, nil
		}
	}
	rctx, cancel := context.WithTimeout(ctx, kubePlanReadTimeout)
	defer cancel()
	w, err := read(rctx)
	if err != nil {
		return nil, err
	}
	return &w, nil
}

// base is the switch layer's part of a switch model (promoted to the models
// that embed it).
func (m *switchModel) base() *switchModel { return m }

// kubeSwitchModel is what the plan, read and claim code the two Kubernetes
// switches share needs of their models (*gatewayRouteSwitchModel,
// *kubeServiceSwitchModel).
type kubeSwitchModel[M any] interface {
	*M
	base() *switchModel
	// idAttrs returns the model's id and owner_id attributes.
	idAttrs() (id, ownerID *types.String)
	// object returns the namespace and name of the object the switch owns.
	object() (namespace, name string)
	// objectKnown reports whether the namespace and name are known.
	objectKnown() bool
	id() string
	pointKnown() bool
	// samePoint reports whether the weights in prior's state describe what
	// the model's router reads.
	samePoint(prior *M) bool
}

// kubeObject names the object a Kubernetes switch owns, in its own words.
type kubeObject struct {
	switchName string // the resource type, e.g. bluegreen_gateway_route_switch
	importForm string // the import ID: "<namespace>/<route>"
	nameCheck  func(string) error
	attr       string // the attribute that names the object: "route"
	kind       string // its kind: "HTTPRoute"
	noun       string // as prose names it: "route" ("two switches on one route")
	kubectl    string // its kubectl resource name: "httproute"
	owns       string // what the switch owns of it: "its weights"
	annotation string // the owner annotation
	notFound   error  // what the router's errors match when the object is gone
	invalid    string // the summary of an invalid configuration
	readFailed string // the summary of a failed read: "Error reading route weights"
}

// ownedTitle is the summary of the refusal of an object another switch owns.
func (o kubeObject) ownedTitle() string {
	return strings.ToUpper(o.noun[:1]) + o.noun[1:] + " owned by another switch"
}

// kubeSwitch is what the two Kubernetes switches' Terraform operations
// share (plan, read, import), with each resource's own reads and refusals.
type kubeSwitch[M any, P kubeSwitchModel[M]] struct {
	data *providerData
	obj  kubeObject
	// owner reads the owner ID marked on the object ("" when none).
	owner func(ctx context.Context, cs *kubeclient.Clients, namespace, name string) (string, error)
	// router is the model's router, without an owner (for reading).
	router func(cs *kubeclient.Clients, m P) (rollout.Router, error)
	// refuseUnread, when set, reports a read error at plan time that
	// refuses the plan (true) instead of leaving the path to the apply.
	refuseUnread func(err error, diags *diag.Diagnostics) bool
	// refuseCurrent, when set, reports weights the switch cannot start from
	// (true).
	refuseCurrent func(plan P, current traffic.Weights, diags *diag.Diagnostics) bool
	// unnamed, when set, reports a state that does not name all the
	// router needs yet (just imported): Read then leaves the weights null.
	unnamed func(state P) bool
}

// priorKubeSwitch is prior's switch layer part (nil without a prior).
func priorKubeSwitch[M any, P kubeSwitchModel[M]](prior P) *switchModel {
	if prior == nil {
		return nil
	}
	return prior.base()
}

// modifyPlan plans a create or an update (not a destroy): the owner check,
// then the path from the weights in the refreshed state when the switch
// point is unchanged, else from a bounded read, else decided at apply.
func (k kubeSwitch[M, P]) modifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	defer nameNestedDiags(&resp.Diagnostics)
	plan := P(new(M))
	partial, d := getPlan(ctx, req.Plan, plan)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	if partial {
		planDecidedAtApply(ctx, resp)
		return
	}
	var prior P
	if !req.State.Raw.IsNull() {
		prior = P(new(M))
		resp.Diagnostics.Append(req.State.Get(ctx, prior)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	id, ownerID := plan.idAttrs()
	if plan.objectKnown() {
		*id = types.StringValue(plan.id())
	}
	if prior != nil {
		if _, priorOwner := prior.idAttrs(); priorOwner.ValueString() == "" {
			// Imported: the apply takes the object over under a new ID.
			*ownerID = types.StringUnknown()
		}
	}
	sw := plan.base()
	if !sw.pathKnown() || !plan.pointKnown() {
		sw.setPlanUnknown()
		resp.Diagnostics.Append(resp.Plan.Set(ctx, plan)...)
		return
	}
	k.checkOwnerAtPlan(ctx, plan, prior, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	to, _ := traffic.ParseColor(sw.ActiveColor.ValueString())
	current, err := kubeCurrentAtPlan(ctx, priorKubeSwitch(prior), prior != nil && plan.samePoint((*M)(prior)), func(ctx context.Context) (traffic.Weights, error) {
		cs, err := k.data.kubeClients()
		if err != nil {
			return traffic.Weights{}, err
		}
		rt, err := k.router(cs, plan)
		if err != nil {
			return traffic.Weights{}, err
		}
		return rt.Read(ctx)
	})
	if current == nil {
		if k.refuseUnread != nil && k.refuseUnread(err, &resp.Diagnostics) {
			return
		}
		if err != nil {
			tflog.Warn(ctx, k.obj.kind+" not readable at plan time; the path is decided at apply", map[string]any{"error": err.Error()})
		}
		// Decided at apply; a full shift must still fit the timeout.
		checkFullShiftBudget(ctx, sw, to, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
		sw.setPlanUnknown()
		resp.Diagnostics.Append(resp.Plan.Set(ctx, plan)...)
		return
	}
	if k.refuseCurrent != nil && k.refuseCurrent(plan, *current, &resp.Diagnostics) {
		return
	}
	planSwitch(ctx, sw, priorKubeSwitch(prior), current, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, plan)...)
}

// checkOwnerAtPlan refuses, at plan time, an object another switch owns.
func (k kubeSwitch[M, P]) checkOwnerAtPlan(ctx context.Context, plan, prior P, diags *diag.Diagnostics) {
	cs, err := k.data.kubeClients()
	if err != nil {
		return // decided at apply
	}
	id := ""
	if prior != nil {
		_, priorOwner := prior.idAttrs()
		id = priorOwner.ValueString()
	}
	ns, name := plan.object()
	rctx, cancel := context.WithTimeout(ctx, kubePlanReadTimeout)
	defer cancel()
	owner, err := k.owner(rctx, cs, ns, name)
	if err != nil || owner == "" || owner == id || (prior != nil && id == "") {
		return // unreadable here is decided at apply; an imported switch takes it over at apply
	}
	report := diags.AddAttributeError
	if prior == nil {
		// A create may be the replacement of a switch whose destroy, later
		// in this apply, removes the mark: decided at apply (Claim).
		report = diags.AddAttributeWarning
	}
	o := k.obj
	report(path.Root(o.attr), o.ownedTitle(),
		fmt.Sprintf("%s %s is annotated %s = %q: another %s owns %s. Two switches on one %s would fight over "+
			"its traffic. Remove the other switch (its destroy removes the annotation), or, if it no longer exists, remove the "+
			"annotation: kubectl -n %s annotate %s %s %s-",
			o.kind, plan.id(), o.annotation, owner, o.switchName, o.owns, o.noun, ns, o.kubectl, name, o.annotation))
}

// kubeClaim gives plan its owner ID and marks the object with it: a switch
// keeps the ID it has; a new one claims the object under a fresh ID, which
// fails when another switch owns it; an imported one (prior without an
// owner ID) takes it over under a fresh ID, so that whichever switch owned
// it before is refused from now on. mark writes the mark (takeOver: whoever
// owned the object). Once the mark is written, prior holds the owner ID
// too, to keep it even if nothing else lands.
func kubeClaim[M any, P kubeSwitchModel[M]](ctx context.Context, plan, prior P, newID func() string,
	mark func(ctx context.Context, owner string, takeOver bool) error) (string, error) {
	_, ownerID := plan.idAttrs()
	takeOver := false
	var priorOwner *types.String
	if prior != nil {
		_, priorOwner = prior.idAttrs()
	}
	switch {
	case priorOwner != nil && priorOwner.ValueString() != "":
		*ownerID = *priorOwner
	default:
		takeOver = priorOwner != nil
		*ownerID = types.StringValue(newID())
	}
	owner := ownerID.ValueString()
	cctx, cancel := ioContext(ctx)
	err := mark(cctx, owner, takeOver)
	cancel()
	if err != nil {
		return "", err
	}
	if priorOwner != nil && !priorOwner.Equal(*ownerID) {
		*priorOwner = *ownerID // claimed now (an imported switch)
	}
	return owner, nil
}

// read is the Read of a Kubernetes switch: the weights as the object has
// them now. A switch whose object is gone leaves the state.
func (k kubeSwitch[M, P]) read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	state := P(new(M))
	resp.Diagnostics.Append(req.State.Get(ctx, state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	cs := k.data.needKube(k.obj.switchName, &resp.Diagnostics)
	if cs == nil {
		return
	}
	sw := state.base()
	if k.unnamed != nil && k.unnamed(state) {
		// Just imported: the import ID does not name all the router needs.
		// Keep the weights unknown (null); the next plan reads them with
		// the configuration's.
		sw.clearPath()
		sw.LastShift = types.ObjectNull(lastShiftAttrTypes)
		resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
		return
	}
	rt, err := k.router(cs, state)
	if err != nil {
		resp.Diagnostics.AddError(k.obj.invalid, err.Error())
		return
	}
	w, err := rt.Read(ctx)
	switch {
	case errors.Is(err, k.obj.notFound):
		resp.Diagnostics.AddWarning("Switch target gone", fmt.Sprintf("%s; the switch is removed from state.", err))
		resp.State.RemoveResource(ctx)
		return
	case err != nil:
		resp.Diagnostics.AddError(k.obj.readFailed, fmt.Sprintf("reading switch %s: %s", state.id(), err))
		return
	}
	id, _ := state.idAttrs()
	*id = types.StringValue(state.id())
	readSwitch(sw, w)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

// importState imports by "<namespace>/<name>"; the first apply takes the
// object over under a new owner ID.
func (o kubeObject) importState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	ns, name, err := parseKubeImportID(req.ID, o.importForm, o.nameCheck)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), ns+"/"+name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("namespace"), ns)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(o.attr), name)...)
}
