package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/haproxystats"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/remote"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/haproxy"
)

// bluegreen_haproxy_switch: the switch layer (switch_*.go) over the HAProxy
// Runtime API router (internal/traffic/haproxy), with HAProxy's own health
// checks as pre-flight and its own counters as a rollback check, so a shift
// behind HAProxy needs no cloud at all.

var (
	_ resource.ResourceWithConfigure      = (*haproxySwitchResource)(nil)
	_ resource.ResourceWithUpgradeState   = (*haproxySwitchResource)(nil)
	_ resource.ResourceWithImportState    = (*haproxySwitchResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*haproxySwitchResource)(nil)
	_ resource.ResourceWithValidateConfig = (*haproxySwitchResource)(nil)
)

// NewHAProxySwitchResource is the bluegreen_haproxy_switch resource.
func NewHAProxySwitchResource() resource.Resource { return &haproxySwitchResource{} }

type haproxySwitchResource struct{ data *providerData }

// Defaults of the HAProxy switch.
const (
	haproxyDefaultCommandTimeout = 10 * time.Second
	// haproxyPlanReadTimeout bounds the read of the weights at plan time
	// (create and import only): an unreachable HAProxy then leaves the path
	// to the apply instead of hanging the plan.
	haproxyPlanReadTimeout = 10 * time.Second
	haproxyDefaultStatsWin = time.Minute
)

var haproxyNouns = switchNouns{Point: "backend", Weights: "server weights"}

type haproxySwitchModel struct {
	switchModel
	ID           types.String           `tfsdk:"id"`
	Address      types.String           `tfsdk:"address"`
	Backend      types.String           `tfsdk:"backend"`
	BlueServers  types.List             `tfsdk:"blue_servers"`
	GreenServers types.List             `tfsdk:"green_servers"`
	BluePrefix   types.String           `tfsdk:"blue_prefix"`
	GreenPrefix  types.String           `tfsdk:"green_prefix"`
	StateFile    types.String           `tfsdk:"state_file"`
	Timeout      durationValue          `tfsdk:"command_timeout"`
	SSH          *sshModel              `tfsdk:"ssh"`
	Preflight    *haproxyPreflightModel `tfsdk:"preflight"`
	Stats        *haproxyStatsModel     `tfsdk:"haproxy_stats"`
}

type haproxyPreflightModel struct {
	MinUpCount   types.Int64   `tfsdk:"min_up_count"`
	MinUpPercent types.Float64 `tfsdk:"min_up_percent"`
}

type haproxyStatsModel struct {
	Max5xxRate   types.Float64 `tfsdk:"max_5xx_rate"`
	MaxErrorRate types.Float64 `tfsdk:"max_error_rate"`
	MinRequests  types.Int64   `tfsdk:"min_requests"`
	Window       durationValue `tfsdk:"window"`
}

func (r *haproxySwitchResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_haproxy_switch"
}

func (r *haproxySwitchResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (r *haproxySwitchResource) clock() clock.Clock {
	if r.data != nil && r.data.deps.Clock != nil {
		return r.data.deps.Clock
	}
	return clock.Real{}
}

func (r *haproxySwitchResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	common, commonBlocks := switchSchemaParts(ctx, "the color receiving the new traffic")
	serverName := stringvalidator.RegexMatches(haproxyNamePattern, "HAProxy names contain only letters, digits, '-', '_', '.' and ':'")
	resp.Schema = schema.Schema{
		Version: checksSchemaVersion,
		MarkdownDescription: "Owns the share of traffic between the blue and the green servers of one HAProxy backend and moves " +
			"it to `active_color` — all at once, in canary steps or linearly — by changing server weights through HAProxy's " +
			"Runtime API (the admin stats socket): **no reload**, no dropped connection. The receiving color's servers must be UP " +
			"in HAProxy's own health checks before any weight is written, and `rollback_on` and `haproxy_stats` watch the shift " +
			"and **roll it back by itself** when a check fails.\n\n" +
			"No AWS account is involved; the socket is reached directly (TCP or a unix socket on this machine) or through `ssh` " +
			"on the load balancer. Nothing else should write these servers' weights while the switch manages them.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "`<address>|<backend>`, the import ID.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"address": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "HAProxy's Runtime API socket, as seen from where the switch connects (this machine, or the " +
					"`ssh` host): `ipv4@HOST:PORT`, `ipv6@[HOST]:PORT`, `HOST:PORT`, `unix@/PATH` or `/PATH`. It must be a " +
					"`stats socket … level admin` (a `level user` or `operator` socket is refused when the first weight is written). " +
					"Over `ssh`, a unix socket is opened by sshd's stream-local forwarding as the SSH user.",
				Validators: []validator.String{haproxyAddressValidator{}},
			},
			"backend": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The backend holding the servers of both colors, e.g. `app`. Servers of neither color must " +
					"have weight 0. Changing it replaces the switch (destroy leaves the old backend's traffic where it is).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{serverName},
			},
			"blue_servers": schema.ListAttribute{
				ElementType: types.StringType, Optional: true,
				MarkdownDescription: "Names of the blue servers in `backend`. Set both `blue_servers` and `green_servers`, or " +
					"neither (then colors come from `blue_prefix` / `green_prefix`).",
				Validators: []validator.List{listvalidator.SizeAtLeast(1), listvalidator.UniqueValues(), listvalidator.NoNullValues(),
					listvalidator.ValueStringsAre(serverName)},
			},
			"green_servers": schema.ListAttribute{
				ElementType: types.StringType, Optional: true,
				MarkdownDescription: "Names of the green servers in `backend`; none may also be blue.",
				Validators: []validator.List{listvalidator.SizeAtLeast(1), listvalidator.UniqueValues(), listvalidator.NoNullValues(),
					listvalidator.ValueStringsAre(serverName)},
			},
			"blue_prefix": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Without server lists, a server whose name starts with this prefix is blue. Default `blue` " +
					"(`blue1`, `blue-a`, …). Neither prefix may be a prefix of the other.",
				Validators: []validator.String{serverName},
			},
			"green_prefix": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Without server lists, a server whose name starts with this prefix is green. Default `green`.",
				Validators:          []validator.String{serverName},
			},
			"state_file": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Absolute path, on the HAProxy host, of the file HAProxy's global `server-state-file` names. " +
					"When set, every successful weight write saves `show servers state` there (temporary file, then rename), so " +
					"a reload or restart with `load-server-state-from-file global` comes back with the switch's weights; a failure " +
					"to save undoes the write. Unset (default), runtime weights vanish at the next reload and the next refresh " +
					"reports the configuration's weights as drift. Read warns when the file would restore other weights than " +
					"HAProxy runs.",
				Validators: []validator.String{absolutePathValidator{}},
			},
			"command_timeout": schema.StringAttribute{
				Optional: true, CustomType: durationType{},
				MarkdownDescription: fmt.Sprintf("Bound of one Runtime API command line (connect, send, read the answer), a Go "+
					"duration from `1s` to `5m`. Default `%s`.", haproxyDefaultCommandTimeout),
				Validators: []validator.String{durationValidator{min: time.Second, max: 5 * time.Minute}},
			},
			"ssh": sshAttribute("Reach the admin socket through SSH on the HAProxy host; `state_file` is written over the same connection "+
				"with `cat` and `mv`.", "the commands that write `state_file` (not the socket: the SSH user itself must be able to open it)"),
			"preflight": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "Pre-flight check of the receiving color before any weight is written, from HAProxy's own " +
					"health checks (`show stat`). It is never skipped. A server counts as UP when its status starts with `UP`; " +
					"DOWN, MAINT, DRAIN, NOLB and `no check` (a server line without `check`: HAProxy proves nothing) do not.",
				Attributes: map[string]schema.Attribute{
					"min_up_count": schema.Int64Attribute{
						Optional: true, MarkdownDescription: "Servers of the receiving color that must be UP, at least 1. Default `1`.",
						Validators: []validator.Int64{int64validator.AtLeast(1)},
					},
					"min_up_percent": schema.Float64Attribute{
						Optional: true, MarkdownDescription: "Share of the receiving color's servers that must be UP, in percent, 0–100. Default `0` (not checked).",
						Validators: []validator.Float64{float64validator.Between(0, 100)},
					},
				},
			},
			"haproxy_stats": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "A rollback check from HAProxy's own counters (`show stat`) of the receiving color's servers, " +
					"no CloudWatch or Prometheus needed. It runs with the `rollback_on` checks, on its `evaluation_interval`, " +
					"`failure_threshold`, `inconclusive_limit` and `fail_closed` (their defaults when there is no `rollback_on` " +
					"block). The first evaluation of a shift takes the baseline (inconclusive); later ones judge the counter " +
					"deltas over `window`. Counters that went back (a reload, `clear counters`) start a new baseline. At least one " +
					"of `max_5xx_rate` and `max_error_rate` is required.",
				Attributes: map[string]schema.Attribute{
					"max_5xx_rate": schema.Float64Attribute{
						Optional: true, MarkdownDescription: "Largest acceptable share of 5xx responses of the color's servers, a fraction 0–1 (`0.05` = 5 %). Unset: not judged.",
						Validators: []validator.Float64{float64validator.Between(0, 1)},
					},
					"max_error_rate": schema.Float64Attribute{
						Optional: true, MarkdownDescription: "Largest acceptable share of connection and response errors " +
							"(`econ` + `eresp` over responses + `econ` + `eresp`), a fraction 0–1. Unset: not judged.",
						Validators: []validator.Float64{float64validator.Between(0, 1)},
					},
					"min_requests": schema.Int64Attribute{
						Optional: true, MarkdownDescription: "Requests the color's servers need in the window for a verdict; fewer is inconclusive. Default `1`.",
						Validators: []validator.Int64{int64validator.AtLeast(1)},
					},
					"window": schema.StringAttribute{
						Optional: true, CustomType: durationType{}, MarkdownDescription: "How far back each evaluation's deltas reach, a Go duration " +
							"from `1s` to `1h`. Default `1m`; the deltas never reach before the shift's first evaluation.",
						Validators: []validator.String{durationValidator{min: time.Second, max: time.Hour}},
					},
				},
			},
		},
	}
	for k, v := range common {
		resp.Schema.Attributes[k] = v
	}
	resp.Schema.Blocks = commonBlocks
	haproxySchemaWording(&resp.Schema)
	nameNestedPaths(resp.Schema.Attributes)
}

// haproxySchemaWording says in HAProxy's terms what the shared switch schema
// says in ALB's (the parts copied from switchSchemaParts are fresh maps, so
// this changes no other resource's schema).
func haproxySchemaWording(s *schema.Schema) {
	if a, ok := s.Attributes["blue_weight"].(schema.Int64Attribute); ok {
		a.MarkdownDescription = fmt.Sprintf("Color weight of blue as read from HAProxy (`show servers state`): the sum of the blue "+
			"servers' weights divided by min(blue servers, green servers), 0–%d (when another writer left sums that do not divide, "+
			"the raw sums: the share they give is still the true one). The switch writes percentages (0–100): blue and "+
			"green then add up to 100 and are the color shares in percent.", haproxy.MaxWeight)
		s.Attributes["blue_weight"] = a
	}
	if a, ok := s.Attributes["green_weight"].(schema.Int64Attribute); ok {
		a.MarkdownDescription = "Color weight of green as read from HAProxy, as `blue_weight`."
		s.Attributes["green_weight"] = a
	}
	rewordStrategy(s.Attributes, func(string) string {
		return "How traffic moves. Default: `all_at_once`.\n\n" +
			"Each step writes the receiving color's percent as its color weight and the rest to the other color (90/10 for a " +
			"10 % canary, spread over each color's servers so the share is exact), reads `show servers state` back to verify " +
			"HAProxy took every weight, then holds for `step_interval` while `rollback_on` and `haproxy_stats` are evaluated. " +
			"The last step (100 %) is held for `bake_time`."
	})
	markRefusedChecks(s.Attributes, "**Not available for `bluegreen_haproxy_switch`** (it reads AWS load balancers or CloudWatch): refused "+
		"at plan time. Use `haproxy_stats`, `http` or `prometheus`.")
}

func (r *haproxySwitchResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	defer nameNestedDiags(&resp.Diagnostics)
	var m haproxySwitchModel
	_, d := getConfig(ctx, req.Config, &m)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateHAProxyConfig(&m, &resp.Diagnostics)
	validateSwitchConfig(ctx, &m.switchModel, &resp.Diagnostics)
}

// validateHAProxyConfig reports what the attribute validators cannot see.
func validateHAProxyConfig(m *haproxySwitchModel, diags *diag.Diagnostics) {
	if m.BlueServers.IsNull() != m.GreenServers.IsNull() && !m.BlueServers.IsUnknown() && !m.GreenServers.IsUnknown() {
		diags.AddAttributeError(path.Root("green_servers"), "Server lists go together",
			"Set both blue_servers and green_servers, or neither (colors then come from blue_prefix and green_prefix).")
	}
	if !m.BlueServers.IsNull() && (!m.BluePrefix.IsNull() || !m.GreenPrefix.IsNull()) {
		diags.AddAttributeError(path.Root("blue_prefix"), "Server lists and prefixes conflict",
			"With blue_servers and green_servers the prefixes are not used: remove blue_prefix and green_prefix.")
	}
	if listFullyKnown(m.BlueServers) && listFullyKnown(m.GreenServers) {
		seen := map[string]bool{}
		for _, e := range m.BlueServers.Elements() {
			if s, ok := e.(types.String); ok {
				seen[s.ValueString()] = true
			}
		}
		for _, e := range m.GreenServers.Elements() {
			if s, ok := e.(types.String); ok && seen[s.ValueString()] {
				diags.AddAttributeError(path.Root("green_servers"), "Server in both colors",
					fmt.Sprintf("Server %q is listed in blue_servers and green_servers: a server belongs to one color.", s.ValueString()))
			}
		}
	}
	if known(m.BluePrefix) || known(m.GreenPrefix) {
		b, g := stringOr(m.BluePrefix, "blue"), stringOr(m.GreenPrefix, "green")
		if !m.BluePrefix.IsUnknown() && !m.GreenPrefix.IsUnknown() && (strings.HasPrefix(b, g) || strings.HasPrefix(g, b)) {
			diags.AddAttributeError(path.Root("green_prefix"), "Overlapping prefixes",
				fmt.Sprintf("blue_prefix %q and green_prefix %q overlap (one starts with the other), so a server could be both colors.", b, g))
		}
	}
	if s := m.SSH; s != nil {
		s.validate("the HAProxy host", diags)
	}
	if st := m.Stats; st != nil && st.Max5xxRate.IsNull() && st.MaxErrorRate.IsNull() {
		diags.AddAttributeError(path.Root("haproxy_stats"), "HAProxy stats check without a threshold",
			"haproxy_stats needs max_5xx_rate, max_error_rate or both: without a threshold it can never fail.")
	}
	if rb := m.RollbackOn; rb != nil {
		at := path.Root("rollback_on")
		refuse := func(name, what string) {
			diags.AddAttributeError(at.AtName(name), "Check not available behind HAProxy",
				fmt.Sprintf("rollback_on.%s reads %s, which exists for AWS load balancers only; bluegreen_haproxy_switch drives an "+
					"HAProxy backend. Use haproxy_stats (5xx and connection-error shares from HAProxy's own counters), "+
					"rollback_on.http or rollback_on.prometheus instead.", name, what))
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
}

func stringOr(v types.String, def string) string {
	if known(v) {
		return v.ValueString()
	}
	return def
}

// host builds the Host the switch reaches HAProxy through. The caller closes
// it (closeHost) at the end of the operation.
func (m *haproxySwitchModel) host() (remote.Host, error) {
	s := m.SSH
	if s == nil {
		return remote.Local{}, nil
	}
	return s.connect()
}

// closeHost closes an SSH connection (a no-op for the local host).
func closeHost(h remote.Host) {
	if c, ok := h.(interface{ Close() error }); ok {
		_ = c.Close()
	}
}

// connectionKnown reports whether everything needed to reach HAProxy is known.
func (m *haproxySwitchModel) connectionKnown() bool {
	if !known(m.Address) || !known(m.Backend) || m.StateFile.IsUnknown() || m.Timeout.IsUnknown() ||
		!listFullyKnown(m.BlueServers) || !listFullyKnown(m.GreenServers) || m.BluePrefix.IsUnknown() || m.GreenPrefix.IsUnknown() {
		return false
	}
	if s := m.SSH; s != nil {
		for _, v := range []interface{ IsUnknown() bool }{s.Host, s.Port, s.User, s.PrivateKey, s.Passphrase, s.Password,
			s.HostKey, s.KnownHosts, s.InsecureIgnoreHostKey, s.Sudo} {
			if v.IsUnknown() {
				return false
			}
		}
	}
	return true
}

// router builds the router of m and the host it runs through; close the
// host with closeHost when done.
func (m *haproxySwitchModel) router(ctx context.Context) (*haproxy.Router, remote.Host, error) {
	h, err := m.host()
	if err != nil {
		return nil, nil, err
	}
	cfg := haproxy.Config{
		Host: h, Address: m.Address.ValueString(), Backend: m.Backend.ValueString(),
		BluePrefix: m.BluePrefix.ValueString(), GreenPrefix: m.GreenPrefix.ValueString(),
		StateFile: m.StateFile.ValueString(), Timeout: durationOr(m.Timeout, haproxyDefaultCommandTimeout),
	}
	var d diag.Diagnostics
	if known(m.BlueServers) {
		d.Append(m.BlueServers.ElementsAs(ctx, &cfg.BlueServers, false)...)
	}
	if known(m.GreenServers) {
		d.Append(m.GreenServers.ElementsAs(ctx, &cfg.GreenServers, false)...)
	}
	if d.HasError() {
		closeHost(h)
		return nil, nil, fmt.Errorf("server lists: %v", d)
	}
	rt, err := haproxy.New(cfg)
	if err != nil {
		closeHost(h)
		return nil, nil, err
	}
	return rt, h, nil
}

func (r *haproxySwitchResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	defer nameNestedDiags(&resp.Diagnostics)
	if req.Plan.Raw.IsNull() {
		return // destroy: nothing moves
	}
	var plan haproxySwitchModel
	partial, d := getPlan(ctx, req.Plan, &plan)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	if partial {
		planDecidedAtApply(ctx, resp)
		return
	}
	var prior *haproxySwitchModel
	if !req.State.Raw.IsNull() {
		prior = &haproxySwitchModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, prior)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	if known(plan.Address) && known(plan.Backend) {
		plan.ID = types.StringValue(haproxyImportID(plan.Address.ValueString(), plan.Backend.ValueString()))
	}
	if !plan.pathKnown() || !plan.connectionKnown() {
		plan.setPlanUnknown()
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	// The weights the apply starts from: those the refreshed state holds,
	// or (create, import) those HAProxy runs now, when it can be reached.
	var current *traffic.Weights
	if prior != nil && sameTarget(prior, &plan) {
		current = prior.weightsOf()
	}
	if current == nil {
		if w, err := r.readAtPlan(ctx, &plan); err == nil {
			current = &w
		} else {
			tflog.Warn(ctx, "HAProxy not readable at plan time; the path is decided at apply", map[string]any{"error": err.Error()})
			// Unreadable now: decided at apply. A full shift must still
			// fit the timeout, since it may be what the apply finds.
			to, _ := traffic.ParseColor(plan.ActiveColor.ValueString())
			st := expandStrategy(ctx, plan.Strategy, &resp.Diagnostics)
			if full, perr := planPath(pathInputs{Current: traffic.Split(to.Other(), 100), To: to, Strategy: st,
				Bake: durationOr(plan.BakeTime, 0), Budget: budgetOf(&plan.switchModel)}); perr == nil {
				timeout, which, d := plan.timeoutFor(ctx, prior == nil)
				resp.Diagnostics.Append(d...)
				checkBudget(full, timeout, which, &resp.Diagnostics)
				if resp.Diagnostics.HasError() {
					return
				}
			}
		}
	}
	planSwitch(ctx, &plan.switchModel, priorHAProxySwitch(prior), current, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// sameTarget reports whether plan reaches the same HAProxy and sorts its
// servers into colors as prior did, so the weights in state still describe
// what the apply will find. Otherwise the plan reads HAProxy again.
func sameTarget(prior, plan *haproxySwitchModel) bool {
	return prior.Address.Equal(plan.Address) && prior.Backend.Equal(plan.Backend) &&
		prior.BlueServers.Equal(plan.BlueServers) && prior.GreenServers.Equal(plan.GreenServers) &&
		prior.BluePrefix.Equal(plan.BluePrefix) && prior.GreenPrefix.Equal(plan.GreenPrefix) &&
		(prior.SSH == nil) == (plan.SSH == nil) &&
		(prior.SSH == nil || prior.SSH.Host.Equal(plan.SSH.Host) && prior.SSH.Port.Equal(plan.SSH.Port))
}

// readAtPlan reads the weights HAProxy runs now, bounded, closing the
// connection after.
func (r *haproxySwitchResource) readAtPlan(ctx context.Context, m *haproxySwitchModel) (traffic.Weights, error) {
	rt, h, err := m.router(ctx)
	if err != nil {
		return traffic.Weights{}, err
	}
	defer closeHost(h)
	ctx, cancel := context.WithTimeout(ctx, haproxyPlanReadTimeout)
	defer cancel()
	return rt.Read(ctx)
}

func priorHAProxySwitch(m *haproxySwitchModel) *switchModel {
	if m == nil {
		return nil
	}
	return &m.switchModel
}

func (r *haproxySwitchResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer nameNestedDiags(&resp.Diagnostics)
	createSwitch(ctx, req, resp, r.apply)
}

func (r *haproxySwitchResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer nameNestedDiags(&resp.Diagnostics)
	updateSwitch(ctx, req, resp, r.apply)
}

// apply runs a create (prior == nil) or an update through the switch layer.
// The SSH connection, if any, is closed when it returns.
func (r *haproxySwitchResource) apply(ctx context.Context, plan, prior *haproxySwitchModel, diags *diag.Diagnostics) (*haproxySwitchModel, bool) {
	clk := r.clock()
	var host remote.Host
	defer func() {
		if host != nil {
			closeHost(host)
		}
	}()
	target := func(to traffic.Color, diags *diag.Diagnostics) switchTarget {
		rt, h, err := plan.router(ctx)
		if err != nil {
			diags.AddAttributeError(path.Root("address"), "Invalid HAProxy switch configuration", err.Error())
			return switchTarget{}
		}
		host = h
		set := expandRollbackOn(ctx, r.data, plan.RollbackOn, colorOnly, clk.Now, path.Root("rollback_on"), diags)
		if st := plan.Stats; st != nil {
			set.Checks = append(set.Checks, statsCheck(st, rt, to, clk.Now))
		}
		pre := &haproxystats.ServersUp{Source: rt, Color: to, MinUpCount: 1, Now: clk.Now}
		if pf := plan.Preflight; pf != nil {
			if known(pf.MinUpCount) {
				pre.MinUpCount = int(pf.MinUpCount.ValueInt64())
			}
			pre.MinUpPercent = pf.MinUpPercent.ValueFloat64()
		}
		var from *traffic.Weights
		if prior != nil && sameTarget(prior, plan) {
			from = prior.weightsOf() // the plan started from state (see ModifyPlan)
		}
		return switchTarget{Nouns: haproxyNouns, Router: rt, Preflight: []rollout.Check{pre}, Checks: set, PlanFrom: from,
			Notify: notificationsFor(ctx, r.data, plan.Notifications, plan.ID.ValueString(), "bluegreen_haproxy_switch", diags)}
	}
	sm, ok := applySwitch(ctx, clk, &plan.switchModel, priorHAProxySwitch(prior), target, diags)
	if !ok {
		return nil, false
	}
	state := *plan
	state.switchModel = sm
	state.ID = types.StringValue(haproxyImportID(plan.Address.ValueString(), plan.Backend.ValueString()))
	return &state, true
}

// statsCheck is haproxy_stats as a check of color to.
func statsCheck(st *haproxyStatsModel, src haproxystats.Source, to traffic.Color, now func() time.Time) *haproxystats.Counters {
	c := &haproxystats.Counters{Source: src, Color: to, MinRequests: 1, Window: durationOr(st.Window, haproxyDefaultStatsWin), Now: now}
	if known(st.Max5xxRate) {
		v := st.Max5xxRate.ValueFloat64()
		c.MaxErrorRate = &v
	}
	if known(st.MaxErrorRate) {
		v := st.MaxErrorRate.ValueFloat64()
		c.MaxConnErrorRate = &v
	}
	if known(st.MinRequests) {
		c.MinRequests = st.MinRequests.ValueInt64()
	}
	return c
}

func (r *haproxySwitchResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state haproxySwitchModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	rt, h, err := state.router(ctx)
	if err != nil {
		resp.Diagnostics.AddError("Invalid HAProxy switch configuration", err.Error())
		return
	}
	defer closeHost(h)
	read, err := rt.Read(ctx)
	switch {
	case errors.Is(err, haproxy.ErrNoBackend):
		resp.Diagnostics.AddWarning("Switch target gone", fmt.Sprintf("%s; the switch is removed from state.", err))
		resp.State.RemoveResource(ctx)
		return
	case err != nil && !known(state.ActiveColor) && state.SSH == nil:
		// Just imported: the import ID carries no SSH settings, so HAProxy
		// may only be reachable with the configuration's ssh. Keep
		// the weights unknown (null); the next plan reads them with it.
		resp.Diagnostics.AddWarning("HAProxy not reachable at import",
			fmt.Sprintf("%s\n\nThe switch is imported without weights; the next plan reads them with the configuration's connection "+
				"settings (ssh cannot be part of the import ID).", err))
		state.clearPath()
		state.LastShift = types.ObjectNull(lastShiftAttrTypes)
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
		return
	case err != nil:
		resp.Diagnostics.AddError("Error reading backend weights", fmt.Sprintf("reading switch %s: %s", state.ID.ValueString(), err))
		return
	}
	readSwitch(&state.switchModel, read)
	if known(state.StateFile) && state.StateFile.ValueString() != "" {
		if saved, perr := rt.Persisted(ctx); perr == nil && saved != read {
			resp.Diagnostics.AddWarning("HAProxy's state file would restore other weights",
				fmt.Sprintf("HAProxy runs %s, but %s would bring back %s at the next reload or restart: someone changed the weights "+
					"outside this switch (or the file was rewritten). The next apply that moves traffic saves the file again.",
					read, state.StateFile.ValueString(), saved))
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Delete leaves traffic where it is: destroying the switch does not move a
// request, and no weight is written.
func (r *haproxySwitchResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}

// haproxyImportID is "<address>|<backend>".
func haproxyImportID(address, backend string) string { return address + "|" + backend }

// parseHAProxyImportID accepts "<address>|<backend>" and "<address>/<backend>".
// HAProxy names cannot contain '/' or '|', so splitting at the last one is
// unambiguous even for a unix socket path: "unix@/run/haproxy/admin.sock/app"
// is the socket /run/haproxy/admin.sock and the backend app.
func parseHAProxyImportID(id string) (address, backend string, err error) {
	i := strings.LastIndex(id, "|")
	if i < 0 {
		i = strings.LastIndex(id, "/")
	}
	if i <= 0 || i == len(id)-1 {
		return "", "", fmt.Errorf("import ID %q: want <address>|<backend> or <address>/<backend>, e.g. "+
			"ipv4@127.0.0.1:9999|app or unix@/run/haproxy/admin.sock|app", id)
	}
	address, backend = id[:i], id[i+1:]
	if _, _, err := haproxy.ParseAddress(address); err != nil {
		return "", "", fmt.Errorf("import ID %q: %w", id, err)
	}
	if !haproxyNamePattern.MatchString(backend) {
		return "", "", fmt.Errorf("import ID %q: backend %q: HAProxy names contain only letters, digits, '-', '_', '.' and ':'", id, backend)
	}
	return address, backend, nil
}

// ImportState imports by "<address>|<backend>" (or "<address>/<backend>").
// Colors are taken from the default prefixes until the configuration says
// otherwise; active_color is the color with more traffic.
func (r *haproxySwitchResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	address, backend, err := parseHAProxyImportID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), haproxyImportID(address, backend))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("address"), address)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("backend"), backend)...)
}

// haproxyNamePattern is what HAProxy accepts as a proxy or server name.
var haproxyNamePattern = regexp.MustCompile(`^[A-Za-z0-9_.:-]+$`)

// haproxyAddressValidator accepts the Runtime API address forms the router
// takes.
type haproxyAddressValidator struct{}

func (haproxyAddressValidator) Description(context.Context) string {
	return "must be ipv4@HOST:PORT, ipv6@[HOST]:PORT, HOST:PORT, unix@/PATH or /PATH"
}
func (v haproxyAddressValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}
func (v haproxyAddressValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	stringCheck{desc: v.Description(ctx), check: func(s string) error {
		_, _, err := haproxy.ParseAddress(s)
		return err
	}}.ValidateString(ctx, req, resp)
}

// UpgradeState upgrades state of schema version 0 (see checksStateUpgraders).
func (r *haproxySwitchResource) UpgradeState(ctx context.Context) map[int64]resource.StateUpgrader {
	return checksStateUpgraders(ctx, r, "rollback_on")
}
