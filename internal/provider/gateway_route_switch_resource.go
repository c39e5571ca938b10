package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/kubeclient"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/gatewayroute"
)

// bluegreen_gateway_route_switch: the switch layer (switch_*.go) over the
// Gateway API HTTPRoute router (internal/traffic/gatewayroute): the weights
// of one rule's two backendRefs, shifted all at once, in canary steps or
// linearly, gated and watched by the receiving color's ready Pods.

var (
	_ resource.ResourceWithConfigure      = (*gatewayRouteSwitchResource)(nil)
	_ resource.ResourceWithImportState    = (*gatewayRouteSwitchResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*gatewayRouteSwitchResource)(nil)
	_ resource.ResourceWithValidateConfig = (*gatewayRouteSwitchResource)(nil)
)

// NewGatewayRouteSwitchResource is the bluegreen_gateway_route_switch resource.
func NewGatewayRouteSwitchResource() resource.Resource { return &gatewayRouteSwitchResource{} }

type gatewayRouteSwitchResource struct{ data *providerData }

const gatewayRouteSwitchName = "bluegreen_gateway_route_switch"

var gatewayRouteNouns = switchNouns{Point: "route", Weights: "backendRef weights"}

type gatewayRouteSwitchModel struct {
	switchModel
	ID           types.String         `tfsdk:"id"`
	OwnerID      types.String         `tfsdk:"owner_id"`
	Namespace    types.String         `tfsdk:"namespace"`
	Route        types.String         `tfsdk:"route"`
	RuleName     types.String         `tfsdk:"rule_name"`
	RuleIndex    types.Int64          `tfsdk:"rule_index"`
	BlueService  *backendServiceModel `tfsdk:"blue_service"`
	GreenService *backendServiceModel `tfsdk:"green_service"`
	PodReadiness *podReadinessModel   `tfsdk:"pod_readiness"`
}

type backendServiceModel struct {
	Name      types.String `tfsdk:"name"`
	Namespace types.String `tfsdk:"namespace"`
	Port      types.Int64  `tfsdk:"port"`
}

func (r *gatewayRouteSwitchResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_gateway_route_switch"
}

func (r *gatewayRouteSwitchResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (r *gatewayRouteSwitchResource) clock() clock.Clock {
	if r.data != nil && r.data.deps.Clock != nil {
		return r.data.deps.Clock
	}
	return clock.Real{}
}

func backendServiceAttribute(color string) schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		Required: true,
		MarkdownDescription: "The " + color + " Service, as the rule's backendRef names it. The rule must have exactly one " +
			"backendRef to it, one to the other color's Service, and no other.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				Required: true, MarkdownDescription: "Service name.",
				Validators: []validator.String{stringCheck{desc: "must be a DNS-1035 label", check: serviceNameError}},
			},
			"namespace": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Service namespace (a cross-namespace backendRef needs a ReferenceGrant). Default: the route's.",
				Validators: []validator.String{stringCheck{desc: "must be a DNS-1123 label", check: dnsLabelError}},
			},
			"port": schema.Int64Attribute{
				Optional: true, MarkdownDescription: "Service port of the backendRef, to tell apart two refs to one Service. Unset: a ref with any port.",
				Validators: []validator.Int64{int64validator.Between(1, 65535)},
			},
		},
	}
}

func (r *gatewayRouteSwitchResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	common, commonBlocks := switchSchemaParts(ctx, "the color receiving the new traffic")
	resp.Schema = schema.Schema{
		MarkdownDescription: "Owns the weights of one rule of a Gateway API `HTTPRoute` (`gateway.networking.k8s.io/v1`) " +
			"between its two backendRefs — the blue and the green Service — and moves traffic to `active_color` all at once, " +
			"in canary steps or linearly, on any Gateway API implementation. Before any weight is written the receiving color's " +
			"Pods must be ready (`pod_readiness`); they are watched, with the `rollback_on` checks, during every step and the " +
			"bake, and the previous weights are **restored by the switch itself** when a check fails.\n\n" +
			"**Hand-off:** the switch owns the two backendRefs' `weight`s of the rule; everything else of the route (matches, " +
			"filters, parents, other rules) stays yours. A `kubernetes_manifest` that creates the route must let the switch " +
			"own the weights: `computed_fields = [\"spec.rules\"]`. " +
			"The switch marks the route with the annotation `" + gatewayroute.OwnerAnnotation + "` holding its `owner_id`, " +
			"so a second switch on the same route is refused; destroy removes the mark and leaves the weights as they are. " +
			"Every write carries the route's `resourceVersion`: weights changed by another writer during a shift stop it as " +
			"a conflict, without overwriting them.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "`<namespace>/<route>`, the import ID.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"owner_id": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The ID this switch marks the route with (annotation `" + gatewayroute.OwnerAnnotation + "`). " +
					"An import takes the route over under a new ID at its first apply.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"namespace": schema.StringAttribute{
				Required: true, MarkdownDescription: "Namespace of the HTTPRoute. Changing it replaces the switch.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{stringCheck{desc: "must be a DNS-1123 label", check: dnsLabelError}},
			},
			"route": schema.StringAttribute{
				Required: true, MarkdownDescription: "Name of the HTTPRoute. Changing it replaces the switch.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{stringCheck{desc: "must be a DNS-1123 subdomain", check: dnsSubdomainError}},
			},
			"rule_name": schema.StringAttribute{
				Optional: true, MarkdownDescription: "The rule whose weights the switch owns, by its `name`. Conflicts with `rule_index`.",
			},
			"rule_index": schema.Int64Attribute{
				Optional: true, MarkdownDescription: "The rule whose weights the switch owns, by its 0-based position. Default `0` when `rule_name` is unset.",
				Validators: []validator.Int64{int64validator.AtLeast(0)},
			},
			"blue_service":  backendServiceAttribute("blue"),
			"green_service": backendServiceAttribute("green"),
			"pod_readiness": podReadinessAttribute("those the receiving color's Service selects (its selector is read at each " +
				"evaluation; a Service without a selector is an error verdict)"),
		},
		Blocks: commonBlocks,
	}
	for k, v := range common {
		resp.Schema.Attributes[k] = v
	}
	rewordStrategy(resp.Schema.Attributes, func(string) string {
		return "How traffic moves. Default: `all_at_once`.\n\n" +
			"Each step writes the receiving color's percent as its backendRef's weight and the rest as the other's (90/10 " +
			"for a 10 % canary; Gateway API shares are relative), reads the route back to verify, then holds for " +
			"`step_interval` while `pod_readiness` and `rollback_on` are evaluated. The last step (100 %) is held for `bake_time`."
	})
	kubeSchemaWording(&resp.Schema, gatewayRouteSwitchName, "Gateway API weight of blue's backendRef as read from the route "+
		"(0–1,000,000; a backendRef without a weight reads 1, the API's default). The switch writes percentages (0–100): "+
		"blue and green then add up to 100 and are the shares in percent.")
	nameNestedPaths(resp.Schema.Attributes)
}

func (r *gatewayRouteSwitchResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	defer nameNestedDiags(&resp.Diagnostics)
	var m gatewayRouteSwitchModel
	_, d := getConfig(ctx, req.Config, &m)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !m.RuleName.IsNull() && !m.RuleIndex.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("rule_index"), "Conflicting rule attributes",
			"Set rule_name or rule_index, not both: the rule is chosen by its name or by its position.")
	}
	if m.pointKnown() {
		if err := m.config("").Validate(); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("green_service"), "Invalid route switch configuration", err.Error())
		}
	}
	refuseAWSChecks(m.RollbackOn, gatewayRouteSwitchName, &resp.Diagnostics)
	validateSwitchConfig(ctx, &m.switchModel, &resp.Diagnostics)
}

func (b *backendServiceModel) backend() gatewayroute.Backend {
	if b == nil {
		return gatewayroute.Backend{}
	}
	return gatewayroute.Backend{Name: b.Name.ValueString(), Namespace: b.Namespace.ValueString(), Port: int32(b.Port.ValueInt64())}
}

func (b *backendServiceModel) known() bool {
	return b == nil || (!b.Name.IsUnknown() && !b.Namespace.IsUnknown() && !b.Port.IsUnknown())
}

func (m *gatewayRouteSwitchModel) config(owner string) gatewayroute.Config {
	return gatewayroute.Config{
		Namespace: m.Namespace.ValueString(), Route: m.Route.ValueString(),
		RuleName: m.RuleName.ValueString(), RuleIndex: int(m.RuleIndex.ValueInt64()),
		Blue: m.BlueService.backend(), Green: m.GreenService.backend(), Owner: owner,
	}
}

func (m *gatewayRouteSwitchModel) id() string {
	return m.Namespace.ValueString() + "/" + m.Route.ValueString()
}

func (m *gatewayRouteSwitchModel) pointKnown() bool {
	return known(m.Namespace) && known(m.Route) && !m.RuleName.IsUnknown() && !m.RuleIndex.IsUnknown() &&
		m.BlueService != nil && m.GreenService != nil && m.BlueService.known() && m.GreenService.known() && m.PodReadiness.known()
}

func (m *gatewayRouteSwitchModel) samePoint(prior *gatewayRouteSwitchModel) bool {
	return prior.config("") == m.config("")
}

func (m *gatewayRouteSwitchModel) idAttrs() (id, ownerID *types.String) { return &m.ID, &m.OwnerID }

func (m *gatewayRouteSwitchModel) object() (namespace, name string) {
	return m.Namespace.ValueString(), m.Route.ValueString()
}

func (m *gatewayRouteSwitchModel) objectKnown() bool { return known(m.Namespace) && known(m.Route) }

var gatewayRouteObject = kubeObject{
	switchName: gatewayRouteSwitchName, attr: "route", kind: "HTTPRoute", noun: "route", kubectl: "httproute",
	owns: "its weights", annotation: gatewayroute.OwnerAnnotation, importForm: "<namespace>/<route>", nameCheck: dnsSubdomainError,
	notFound: gatewayroute.ErrNotFound, invalid: "Invalid route switch configuration", readFailed: "Error reading route weights",
}

func (r *gatewayRouteSwitchResource) kube() kubeSwitch[gatewayRouteSwitchModel, *gatewayRouteSwitchModel] {
	return kubeSwitch[gatewayRouteSwitchModel, *gatewayRouteSwitchModel]{
		data: r.data, obj: gatewayRouteObject,
		owner: func(ctx context.Context, cs *kubeclient.Clients, namespace, name string) (string, error) {
			return gatewayroute.Owner(ctx, cs.Dynamic, namespace, name)
		},
		router: func(cs *kubeclient.Clients, m *gatewayRouteSwitchModel) (rollout.Router, error) {
			return gatewayroute.New(cs.Dynamic, m.config(""))
		},
		refuseUnread: func(err error, diags *diag.Diagnostics) bool {
			var re *gatewayroute.RuleError
			if errors.As(err, &re) {
				diags.AddAttributeError(path.Root("route"), "Route rule cannot be managed", err.Error())
				return true
			}
			return false
		},
		// An imported switch: the import ID does not name the backends.
		unnamed: func(m *gatewayRouteSwitchModel) bool { return m.BlueService == nil || m.GreenService == nil },
	}
}

func (r *gatewayRouteSwitchResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy: the weights stay where they are
	}
	r.kube().modifyPlan(ctx, req, resp)
}

func (r *gatewayRouteSwitchResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer nameNestedDiags(&resp.Diagnostics)
	createSwitch(ctx, req, resp, r.apply)
}

func (r *gatewayRouteSwitchResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer nameNestedDiags(&resp.Diagnostics)
	updateSwitch(ctx, req, resp, r.apply)
}

// apply claims the route (or takes it over after an import), then runs a
// create (prior == nil) or an update through the switch layer with a router
// that refuses to write a route another switch has claimed.
func (r *gatewayRouteSwitchResource) apply(ctx context.Context, plan, prior *gatewayRouteSwitchModel, diags *diag.Diagnostics) (*gatewayRouteSwitchModel, bool) {
	clk := r.clock()
	plan.ID = types.StringValue(plan.id())
	cs := r.data.needKube(gatewayRouteSwitchName, diags)
	if cs == nil {
		return nil, false
	}
	rt, err := gatewayroute.New(cs.Dynamic, plan.config(""))
	if err != nil {
		diags.AddAttributeError(path.Root("route"), "Invalid route switch configuration", err.Error())
		return nil, false
	}
	// An import says "this switch is the one": it takes the route over.
	owner, err := kubeClaim(ctx, plan, prior, gatewayroute.NewOwnerID, func(ctx context.Context, owner string, takeOver bool) error {
		if takeOver {
			return gatewayroute.TakeOver(ctx, cs.Dynamic, plan.Namespace.ValueString(), plan.Route.ValueString(), owner)
		}
		return gatewayroute.Claim(ctx, cs.Dynamic, plan.Namespace.ValueString(), plan.Route.ValueString(), owner)
	})
	switch {
	case errors.Is(err, gatewayroute.ErrOwnedByOther):
		diags.AddAttributeError(path.Root("route"), "Route owned by another switch", err.Error())
		return nil, false
	case errors.Is(err, gatewayroute.ErrNotFound):
		diags.AddAttributeError(path.Root("route"), "HTTPRoute not found",
			fmt.Sprintf("%s. Create the route first (with backendRefs to both Services); the switch only changes the weights of an existing route.", err))
		return nil, false
	case err != nil:
		diags.AddError("Error claiming route", err.Error())
		return nil, false
	}
	rt.OwnedBy(owner)
	minCount, minPercent := plan.PodReadiness.thresholds()
	target := func(to traffic.Color, diags *diag.Diagnostics) switchTarget {
		set := expandRollbackOn(ctx, r.data, plan.RollbackOn, colorOnly, clk.Now, path.Root("rollback_on"), diags)
		watch, err := rt.ReadinessCheck(cs.Core, to, minCount, minPercent)
		if err != nil {
			diags.AddError("Invalid route switch configuration", err.Error())
			return switchTarget{}
		}
		pre, _ := rt.ReadinessCheck(cs.Core, to, minCount, minPercent)
		set.Checks = append(set.Checks, withClock(watch, clk))
		return switchTarget{Nouns: gatewayRouteNouns, Router: rt, Preflight: []rollout.Check{withClock(pre, clk)}, Checks: set,
			Notify: notificationsFor(ctx, r.data, plan.Notifications, plan.ID.ValueString(), "bluegreen_gateway_route_switch", diags)}
	}
	sm, ok := applySwitch(ctx, clk, &plan.switchModel, priorKubeSwitch(prior), target, diags)
	if !ok {
		if prior == nil {
			r.release(ctx, cs, plan) // a create that leaves no resource leaves no mark
		}
		return nil, false
	}
	state := *plan
	state.switchModel = sm
	return &state, true
}

func (r *gatewayRouteSwitchResource) release(ctx context.Context, cs *kubeclient.Clients, m *gatewayRouteSwitchModel) {
	rctx, cancel := ioContext(ctx)
	defer cancel()
	_ = gatewayroute.Release(rctx, cs.Dynamic, m.Namespace.ValueString(), m.Route.ValueString(), m.OwnerID.ValueString())
}

func (r *gatewayRouteSwitchResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	r.kube().read(ctx, req, resp)
}

// Delete leaves the weights where they are and removes the owner mark.
func (r *gatewayRouteSwitchResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state gatewayRouteSwitchModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || state.OwnerID.ValueString() == "" {
		return
	}
	cs, err := r.data.kubeClients()
	if err != nil {
		// Destroy is not blocked: the switch goes, the mark may stay.
		resp.Diagnostics.AddWarning("Owner annotation not removed", fmt.Sprintf("The Kubernetes client could not be built (%s). "+
			"Remove annotation %s from route %s by hand before another switch takes it over.", err, gatewayroute.OwnerAnnotation, state.id()))
		return
	}
	err = gatewayroute.Release(ctx, cs.Dynamic, state.Namespace.ValueString(), state.Route.ValueString(), state.OwnerID.ValueString())
	if err != nil && !errors.Is(err, gatewayroute.ErrNotFound) {
		resp.Diagnostics.AddWarning("Owner annotation not removed", fmt.Sprintf("%s. Remove annotation %s from the route by hand "+
			"before another switch takes it over.", err, gatewayroute.OwnerAnnotation))
	}
}

// ImportState imports by "<namespace>/<route>"; the backends come from the
// configuration at the next plan, and the first apply takes the route over.
func (r *gatewayRouteSwitchResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	gatewayRouteObject.importState(ctx, req, resp)
}
