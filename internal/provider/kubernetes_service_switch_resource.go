package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/kubeclient"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/kubeservice"
)

// bluegreen_kubernetes_service_switch: the switch layer (switch_*.go) over
// the Service selector router (internal/traffic/kubeservice): the classic
// "change color: blue to color: green" switch, gated by the receiving
// color's ready Pods and rolled back when they stop being ready.

var (
	_ resource.ResourceWithConfigure      = (*kubeServiceSwitchResource)(nil)
	_ resource.ResourceWithImportState    = (*kubeServiceSwitchResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*kubeServiceSwitchResource)(nil)
	_ resource.ResourceWithValidateConfig = (*kubeServiceSwitchResource)(nil)
)

// NewKubernetesServiceSwitchResource is the bluegreen_kubernetes_service_switch resource.
func NewKubernetesServiceSwitchResource() resource.Resource { return &kubeServiceSwitchResource{} }

type kubeServiceSwitchResource struct{ data *providerData }

const kubeServiceSwitchName = "bluegreen_kubernetes_service_switch"

// Defaults of the selector: `color: blue` / `color: green`.
const (
	defaultSelectorKey = "color"
	defaultBlueValue   = "blue"
	defaultGreenValue  = "green"
)

var kubeServiceNouns = switchNouns{Point: "service", Weights: "selector labels"}

type kubeServiceSwitchModel struct {
	switchModel
	ID           types.String       `tfsdk:"id"`
	OwnerID      types.String       `tfsdk:"owner_id"`
	Namespace    types.String       `tfsdk:"namespace"`
	Service      types.String       `tfsdk:"service"`
	SelectorKey  types.String       `tfsdk:"selector_key"`
	BlueValue    types.String       `tfsdk:"blue_value"`
	GreenValue   types.String       `tfsdk:"green_value"`
	PodReadiness *podReadinessModel `tfsdk:"pod_readiness"`
}

func (r *kubeServiceSwitchResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_kubernetes_service_switch"
}

func (r *kubeServiceSwitchResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (r *kubeServiceSwitchResource) clock() clock.Clock {
	if r.data != nil && r.data.deps.Clock != nil {
		return r.data.deps.Clock
	}
	return clock.Real{}
}

func (r *kubeServiceSwitchResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	common, commonBlocks := switchSchemaParts(ctx, "the color receiving the new traffic")
	label := func(what, def string) schema.StringAttribute {
		return schema.StringAttribute{
			Optional: true, MarkdownDescription: what + fmt.Sprintf(" Default `%s`.", def),
			Validators: []validator.String{stringCheck{desc: "must be a valid label value", check: labelValueError}},
		}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Owns which color a Kubernetes Service sends its traffic to, by its **selector**: moving " +
			"`active_color` from blue to green changes the Service's `color: blue` to `color: green` (the label key and " +
			"values are yours to choose) once the green Pods are ready, watches the green Pods while it bakes, and " +
			"**puts `color: blue` back by itself** when they stop being ready (a crash loop) or a `rollback_on` check fails.\n\n" +
			"A selector has no weights: all traffic goes to one color, so the switch is **all at once by nature**. The plan " +
			"shows one step (100 %); a `canary` or `linear` strategy is refused at plan time — use " +
			"`bluegreen_gateway_route_switch` for weighted shifts.\n\n" +
			"**Hand-off:** the switch owns the managed key of the Service's selector (`selector_key`); every other key " +
			"(e.g. `app: web`) is left alone and is part of both colors' Pod selectors. A `kubernetes_service` that " +
			"creates the Service must ignore what the switch changes: `lifecycle { ignore_changes = [spec[0].selector] }`. " +
			"Updates use the Service's `resourceVersion`: a selector changed by another writer during a shift stops the " +
			"shift as a conflict, without overwriting it. The switch marks the Service with the annotation `" +
			kubeservice.OwnerAnnotation + "` (its `owner_id`), so a second switch on the same Service is refused.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "`<namespace>/<service>`, the import ID.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"owner_id": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The ID this switch marks the Service with (annotation `" + kubeservice.OwnerAnnotation + "`), so " +
					"that a second switch on the same Service is refused. Destroy removes the mark. An import takes the Service over " +
					"under a new ID at its first apply.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"namespace": schema.StringAttribute{
				Required: true, MarkdownDescription: "Namespace of the Service. Changing it replaces the switch (destroy leaves the old Service's selector as it is).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{stringCheck{desc: "must be a DNS-1123 label", check: dnsLabelError}},
			},
			"service": schema.StringAttribute{
				Required: true, MarkdownDescription: "Name of the Service whose selector the switch owns. Changing it replaces the switch.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{stringCheck{desc: "must be a DNS-1035 label", check: serviceNameError}},
			},
			"selector_key": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "The label key that tells the colors apart, in the Service's selector and on the Pods. Default `color`.",
				Validators:          []validator.String{stringCheck{desc: "must be a valid label key", check: labelKeyError}},
			},
			"blue_value":  label("Value of `selector_key` on the blue Pods.", defaultBlueValue),
			"green_value": label("Value of `selector_key` on the green Pods; must differ from `blue_value`.", defaultGreenValue),
			"pod_readiness": podReadinessAttribute("those the Service's selector selects with `selector_key` set to the receiving " +
				"color's value (the other keys of the selector as the Service has them)"),
		},
		Blocks: commonBlocks,
	}
	for k, v := range common {
		resp.Schema.Attributes[k] = v
	}
	rewordStrategy(resp.Schema.Attributes, func(string) string {
		return "Only `all_at_once` (the default) is possible: a Service selector sends all traffic to one " +
			"color. `canary` and `linear` are refused at plan time. The one step changes the selector, reads it back, and " +
			"holds for `bake_time` while `pod_readiness` and `rollback_on` are evaluated."
	})
	kubeSchemaWording(&resp.Schema, kubeServiceSwitchName, "`100` when the Service's selector selects blue (its `selector_key` "+
		"is `blue_value`), else `0`; a selector that selects neither color reads `0` for both. There are no other weights: the "+
		"selector sends all traffic to one color.")
	nameNestedPaths(resp.Schema.Attributes)
}

func dnsLabelError(s string) error     { return joinErrs(validation.IsDNS1123Label(s)) }
func serviceNameError(s string) error  { return joinErrs(validation.IsDNS1035Label(s)) }
func labelKeyError(s string) error     { return joinErrs(validation.IsQualifiedName(s)) }
func labelValueError(s string) error   { return joinErrs(validation.IsValidLabelValue(s)) }
func dnsSubdomainError(s string) error { return joinErrs(validation.IsDNS1123Subdomain(s)) }
func joinErrs(errs []string) error {
	if len(errs) == 0 {
		return nil
	}
	return errors.New(strings.Join(errs, "; "))
}

func (r *kubeServiceSwitchResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	defer nameNestedDiags(&resp.Diagnostics)
	var m kubeServiceSwitchModel
	_, d := getConfig(ctx, req.Config, &m)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	if s := m.Strategy; s != nil && known(s.Type) && s.Type.ValueString() != rollout.StrategyAllAtOnce {
		resp.Diagnostics.AddAttributeError(path.Root("strategy").AtName("type"), "Strategy not possible with a Service selector",
			fmt.Sprintf("strategy.type = %q: a Service selector sends all traffic to one color — it has no weights, so it cannot "+
				"send 10 %% of the requests anywhere. %s shifts all at once (the default; remove strategy or set type = %q). "+
				"For canary or linear shifts, route through Gateway API with bluegreen_gateway_route_switch.",
				s.Type.ValueString(), kubeServiceSwitchName, rollout.StrategyAllAtOnce))
		return
	}
	if known(m.TrafficPercent) && m.TrafficPercent.ValueInt64() < 100 {
		resp.Diagnostics.AddAttributeError(path.Root("traffic_percent"), "Share not possible with a Service selector",
			fmt.Sprintf("traffic_percent = %d: a Service selector sends all traffic to one color, so a shift cannot park at a share. "+
				"Remove traffic_percent (or set 100); to park a canary for review, route through Gateway API with bluegreen_gateway_route_switch.",
				m.TrafficPercent.ValueInt64()))
		return
	}
	if known(m.SelectorKey) || known(m.BlueValue) || known(m.GreenValue) {
		if !m.SelectorKey.IsUnknown() && !m.BlueValue.IsUnknown() && !m.GreenValue.IsUnknown() && m.selectors().Blue[m.key()] == m.selectors().Green[m.key()] {
			resp.Diagnostics.AddAttributeError(path.Root("green_value"), "Both colors select the same Pods",
				fmt.Sprintf("blue_value and green_value are both %q: the colors must differ, or the selector could never tell them apart.", m.BlueValue.ValueString()))
		}
	}
	refuseAWSChecks(m.RollbackOn, kubeServiceSwitchName, &resp.Diagnostics)
	validateSwitchConfig(ctx, &m.switchModel, &resp.Diagnostics)
}

func (m *kubeServiceSwitchModel) key() string { return stringOr(m.SelectorKey, defaultSelectorKey) }

func (m *kubeServiceSwitchModel) selectors() kubeservice.Selectors {
	return kubeservice.KeySelectors(m.key(), stringOr(m.BlueValue, defaultBlueValue), stringOr(m.GreenValue, defaultGreenValue))
}

func (m *kubeServiceSwitchModel) id() string {
	return m.Namespace.ValueString() + "/" + m.Service.ValueString()
}

// pointKnown reports whether everything that names the Service and its
// colors is known.
func (m *kubeServiceSwitchModel) pointKnown() bool {
	return known(m.Namespace) && known(m.Service) && !m.SelectorKey.IsUnknown() && !m.BlueValue.IsUnknown() &&
		!m.GreenValue.IsUnknown() && m.PodReadiness.known()
}

// samePoint reports whether the weights in prior's state describe what
// plan's router reads.
func (m *kubeServiceSwitchModel) samePoint(prior *kubeServiceSwitchModel) bool {
	return prior.Namespace.Equal(m.Namespace) && prior.Service.Equal(m.Service) && prior.key() == m.key() &&
		prior.selectors().Blue[prior.key()] == m.selectors().Blue[m.key()] && prior.selectors().Green[prior.key()] == m.selectors().Green[m.key()]
}

func (m *kubeServiceSwitchModel) router(cs *kubeclient.Clients) (*kubeservice.Router, error) {
	return kubeservice.New(cs.Core, m.Namespace.ValueString(), m.Service.ValueString(), m.selectors())
}

func (m *kubeServiceSwitchModel) idAttrs() (id, ownerID *types.String) { return &m.ID, &m.OwnerID }

func (m *kubeServiceSwitchModel) object() (namespace, name string) {
	return m.Namespace.ValueString(), m.Service.ValueString()
}

func (m *kubeServiceSwitchModel) objectKnown() bool { return known(m.Namespace) && known(m.Service) }

var kubeServiceObject = kubeObject{
	switchName: kubeServiceSwitchName, attr: "service", kind: "Service", noun: "Service", kubectl: "service",
	owns: "its selector", annotation: kubeservice.OwnerAnnotation, importForm: "<namespace>/<service>", nameCheck: serviceNameError,
	notFound: kubeservice.ErrNotFound, invalid: "Invalid Kubernetes service switch configuration", readFailed: "Error reading service selector",
}

func (r *kubeServiceSwitchResource) kube() kubeSwitch[kubeServiceSwitchModel, *kubeServiceSwitchModel] {
	return kubeSwitch[kubeServiceSwitchModel, *kubeServiceSwitchModel]{
		data: r.data, obj: kubeServiceObject,
		owner: func(ctx context.Context, cs *kubeclient.Clients, namespace, name string) (string, error) {
			return kubeservice.Owner(ctx, cs.Core, namespace, name)
		},
		router: func(cs *kubeclient.Clients, m *kubeServiceSwitchModel) (rollout.Router, error) { return m.router(cs) },
		refuseCurrent: func(plan *kubeServiceSwitchModel, current traffic.Weights, diags *diag.Diagnostics) bool {
			if _, ok := current.ActiveColor(); ok {
				return false
			}
			diags.AddAttributeError(path.Root("service"), "Service selects neither color", neitherColorDetail(plan.id(), plan.selectors()))
			return true
		},
	}
}

func (r *kubeServiceSwitchResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy: the selector stays as it is
	}
	r.kube().modifyPlan(ctx, req, resp)
}

func neitherColorDetail(id string, sel kubeservice.Selectors) string {
	var key, blue, green string
	for k, v := range sel.Blue {
		key, blue = k, v
	}
	green = sel.Green[key]
	return fmt.Sprintf("The selector of Service %s has no %s label with the blue value %q or the green value %q (someone changed it, "+
		"or the Service never had it), so the switch cannot tell which color serves and will not guess: nothing is written.\n\n"+
		"Give the Service's selector %s=%s or %s=%s (for example kubectl -n %s patch service %s -p "+
		"'{\"spec\":{\"selector\":{\"%s\":\"%s\"}}}'), or correct selector_key, blue_value and green_value; then plan again.",
		id, key, blue, green, key, blue, key, green, strings.Split(id, "/")[0], strings.Split(id, "/")[1], key, blue)
}

func (r *kubeServiceSwitchResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer nameNestedDiags(&resp.Diagnostics)
	createSwitch(ctx, req, resp, r.apply)
}

func (r *kubeServiceSwitchResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer nameNestedDiags(&resp.Diagnostics)
	updateSwitch(ctx, req, resp, r.apply)
}

// apply runs a create (prior == nil) or an update through the switch layer.
func (r *kubeServiceSwitchResource) apply(ctx context.Context, plan, prior *kubeServiceSwitchModel, diags *diag.Diagnostics) (*kubeServiceSwitchModel, bool) {
	clk := r.clock()
	plan.ID = types.StringValue(plan.id())
	cs := r.data.needKube(kubeServiceSwitchName, diags)
	if cs == nil {
		return nil, false
	}
	rt, err := plan.router(cs)
	if err != nil {
		diags.AddAttributeError(path.Root("service"), "Invalid Kubernetes service switch configuration", err.Error())
		return nil, false
	}
	// A selector of neither color is refused before anything runs: the
	// switch would have no color to restore on a rollback.
	rctx, cancel := ioContext(ctx)
	st, err := rt.Describe(rctx)
	cancel()
	switch {
	case errors.Is(err, kubeservice.ErrNotFound):
		diags.AddAttributeError(path.Root("service"), "Service not found",
			fmt.Sprintf("%s. Create the Service first (e.g. kubernetes_service with selector %s=%s and "+
				"lifecycle { ignore_changes = [spec[0].selector] }); the switch only changes the selector of an existing Service.",
				err, plan.key(), plan.selectors().Blue[plan.key()]))
		return nil, false
	case err != nil:
		diags.AddError("Error reading service selector", err.Error())
		return nil, false
	case st.Color == "":
		diags.AddAttributeError(path.Root("service"), "Service selects neither color", neitherColorDetail(plan.id(), plan.selectors()))
		return nil, false
	}
	// Ownership: claim the Service (an import takes it over under a new ID).
	owner, err := kubeClaim(ctx, plan, prior, kubeservice.NewOwnerID, func(ctx context.Context, owner string, takeOver bool) error {
		if takeOver {
			return kubeservice.TakeOver(ctx, cs.Core, plan.Namespace.ValueString(), plan.Service.ValueString(), owner)
		}
		return kubeservice.Claim(ctx, cs.Core, plan.Namespace.ValueString(), plan.Service.ValueString(), owner)
	})
	switch {
	case errors.Is(err, kubeservice.ErrOwnedByOther):
		diags.AddAttributeError(path.Root("service"), "Service owned by another switch", err.Error())
		return nil, false
	case err != nil:
		diags.AddError("Error claiming service", err.Error())
		return nil, false
	}
	rt.OwnedBy(owner)
	minCount, minPercent := plan.PodReadiness.thresholds()
	target := func(to traffic.Color, diags *diag.Diagnostics) switchTarget {
		set := expandRollbackOn(ctx, r.data, plan.RollbackOn, colorOnly, clk.Now, path.Root("rollback_on"), diags)
		set.Checks = append(set.Checks, withClock(rt.ReadinessCheck(to, minCount, minPercent), clk))
		pre := withClock(rt.ReadinessCheck(to, minCount, minPercent), clk)
		return switchTarget{Nouns: kubeServiceNouns, Router: rt, Preflight: []rollout.Check{pre}, Checks: set,
			Notify: notificationsFor(ctx, r.data, plan.Notifications, plan.ID.ValueString(), "bluegreen_kubernetes_service_switch", diags)}
	}
	sm, ok := applySwitch(ctx, clk, &plan.switchModel, priorKubeSwitch(prior), target, diags)
	if !ok {
		if prior == nil { // a create that leaves no resource leaves no mark
			rctx, cancel := ioContext(ctx)
			_ = kubeservice.Release(rctx, cs.Core, plan.Namespace.ValueString(), plan.Service.ValueString(), owner)
			cancel()
		}
		return nil, false
	}
	state := *plan
	state.switchModel = sm
	return &state, true
}

func (r *kubeServiceSwitchResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	r.kube().read(ctx, req, resp)
}

// Delete leaves the selector as it is (destroying the switch does not move a
// request) and removes the owner mark.
func (r *kubeServiceSwitchResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state kubeServiceSwitchModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || state.OwnerID.ValueString() == "" {
		return
	}
	cs, err := r.data.kubeClients()
	if err == nil {
		err = kubeservice.Release(ctx, cs.Core, state.Namespace.ValueString(), state.Service.ValueString(), state.OwnerID.ValueString())
	}
	if err != nil && !errors.Is(err, kubeservice.ErrNotFound) {
		resp.Diagnostics.AddWarning("Owner annotation not removed", fmt.Sprintf("%s. Remove annotation %s from service %s by hand "+
			"before another switch takes it over.", err, kubeservice.OwnerAnnotation, state.id()))
	}
}

// ImportState imports by "<namespace>/<service>". The colors are
// `color: blue` / `color: green` until the configuration says otherwise;
// active_color is the color the selector selects. The first apply takes the
// Service over under a new owner ID.
func (r *kubeServiceSwitchResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	kubeServiceObject.importState(ctx, req, resp)
}

// parseKubeImportID splits "<namespace>/<name>".
func parseKubeImportID(id, form string, nameCheck func(string) error) (namespace, name string, err error) {
	ns, n, ok := strings.Cut(id, "/")
	if !ok || ns == "" || n == "" || strings.Contains(n, "/") {
		return "", "", fmt.Errorf("import ID %q: want %s, e.g. prod/web", id, form)
	}
	if err := dnsLabelError(ns); err != nil {
		return "", "", fmt.Errorf("import ID %q: namespace %q: %w", id, ns, err)
	}
	if err := nameCheck(n); err != nil {
		return "", "", fmt.Errorf("import ID %q: name %q: %w", id, n, err)
	}
	return ns, n, nil
}
