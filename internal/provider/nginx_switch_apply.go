package provider

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/remote"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/nginx"
)

// The lifecycle of bluegreen_nginx_switch.
//
// An apply has up to three writes, each a full nginx write (render, rename,
// nginx -t, reload, confirm; the previous file back on any failure):
//
//  1. The first write, when the file does not exist: all traffic on
//     active_color, after that color's servers pass the pre-flight check. A
//     create over a missing file is this write and nothing else (no shift:
//     there was no traffic through the upstream to shift).
//  2. A reconfiguration, when the file's servers, server parameters or
//     directives are not the configuration's, or the file was written by
//     hand: the weights are kept as read, only the rest changes. A color's
//     servers may only change while it has weight 0 (refused at plan and
//     again here), so no request reaches an unchecked server.
//  3. The shift, by the switch layer (applySwitch): pre-flight of the
//     receiving servers, every step written, held and watched, rollback on a
//     failing check restoring the file from before the shift byte for byte.

var nginxNouns = switchNouns{Point: "upstream file", Weights: "upstream weights"}

func (r *nginxSwitchResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	defer nameNestedDiags(&resp.Diagnostics)
	if req.Plan.Raw.IsNull() {
		return // destroy: the file and the traffic stay where they are
	}
	var plan nginxSwitchModel
	partial, d := getPlan(ctx, req.Plan, &plan)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	if partial {
		planDecidedAtApply(ctx, resp)
		return
	}
	var prior *nginxSwitchModel
	if !req.State.Raw.IsNull() {
		prior = &nginxSwitchModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, prior)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	if known(plan.File) {
		plan.ID = plan.File
	}
	unknownPath := func() {
		plan.setPlanUnknown()
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	}
	if !plan.pathKnown() || !plan.routerConfigKnown() {
		unknownPath()
		return
	}
	to, _ := traffic.ParseColor(plan.ActiveColor.ValueString())

	var current traffic.Weights
	if prior != nil && prior.weightsOf() != nil {
		// Update: from the weights the refresh read.
		current = *prior.weightsOf()
		refuseLiveServerChange(&plan, prior, current, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
	} else {
		// Create (or a state without weights): read the file now.
		router, closeFn := plan.router(ctx, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
		w, err := router.Read(ctx)
		closeFn()
		var pe *nginx.ParseError
		switch {
		case errors.Is(err, fs.ErrNotExist):
			// The first write: all traffic on one color (firstColor).
			current = traffic.Split(plan.firstColor(to), 100)
		case errors.As(err, &pe):
			resp.Diagnostics.AddAttributeError(path.Root("file"), "Nginx upstream file cannot be adopted",
				fmt.Sprintf("%s.\n\nThe switch adopts an existing file's weights only when it holds the upstream %q with the configured "+
					"blue and green servers and nothing else. Fix or remove the file, or correct the configuration.", err, plan.Upstream.ValueString()))
			return
		case err != nil:
			// Unreadable now (host not reachable at plan time): the path is
			// decided at apply. A full shift must still fit the timeout.
			checkFullShiftBudget(ctx, &plan.switchModel, to, &resp.Diagnostics)
			if resp.Diagnostics.HasError() {
				return
			}
			resp.Diagnostics.AddWarning("Nginx upstream file not readable at plan time",
				fmt.Sprintf("%s. The shift's path is decided at apply, from the file as it is then.", err))
			unknownPath()
			return
		default:
			current = w
		}
	}
	planSwitch(ctx, &plan.switchModel, priorNginx(prior), &current, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// checkFullShiftBudget refuses a configuration whose full shift (all
// traffic from the other color) cannot fit the create timeout.
func checkFullShiftBudget(ctx context.Context, m *switchModel, to traffic.Color, diags *diag.Diagnostics) {
	st := expandStrategy(ctx, m.Strategy, diags)
	full, err := planPath(pathInputs{Current: traffic.Split(to.Other(), 100), To: to, Strategy: st,
		Bake: durationOr(m.BakeTime, 0), Budget: budgetOf(m)})
	if err != nil {
		return
	}
	timeout, which, d := m.timeoutFor(ctx, true)
	diags.Append(d...)
	checkBudget(full, timeout, which, diags)
}

// refuseLiveServerChange refuses a change of the servers of a color that
// receives traffic: its new servers would get requests without any check.
func refuseLiveServerChange(plan, prior *nginxSwitchModel, current traffic.Weights, diags *diag.Diagnostics) {
	for _, c := range []traffic.Color{traffic.Blue, traffic.Green} {
		if plan.serversOf(c).Equal(prior.serversOf(c)) || current.Of(c) == 0 {
			continue
		}
		diags.AddAttributeError(path.Root(string(c)+"_servers"), "Servers of a color that receives traffic",
			fmt.Sprintf("%s_servers changes while %s receives traffic (%s): the new servers would get requests without a pre-flight "+
				"check. Change the servers of the idle color (weight 0) only: first set active_color to %s and apply, then change %s_servers.",
				c, c, current, c.Other(), c))
	}
}

func (r *nginxSwitchResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer nameNestedDiags(&resp.Diagnostics)
	createSwitch(ctx, req, resp, r.apply)
}

func (r *nginxSwitchResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer nameNestedDiags(&resp.Diagnostics)
	updateSwitch(ctx, req, resp, r.apply)
}

// apply runs a create (prior == nil) or an update and returns the state to
// save; false means nothing was written and the prior state (or no
// resource) stays.
func (r *nginxSwitchResource) apply(ctx context.Context, plan, prior *nginxSwitchModel, diags *diag.Diagnostics) (*nginxSwitchModel, bool) {
	clk := r.clock()
	plan.ID = plan.File
	router, closeFn := plan.router(ctx, diags)
	defer closeFn()
	if diags.HasError() {
		return nil, false
	}
	to, _ := traffic.ParseColor(plan.ActiveColor.ValueString())
	timeout, _, d := plan.timeoutFor(ctx, prior == nil)
	diags.Append(d...)
	if diags.HasError() {
		return nil, false
	}
	pctx, cancel := clock.WithTimeout(ctx, clk, timeout)
	defer cancel()

	// The file as it is, read with the servers it was written with.
	reader := router
	if prior != nil {
		var pd diag.Diagnostics
		cfg := router.Config()
		cfg.Blue, cfg.Green = stringsOf(ctx, prior.BlueServers, &pd), stringsOf(ctx, prior.GreenServers, &pd)
		if rt, err := nginx.New(cfg); err == nil && !pd.HasError() {
			reader = rt
		}
	}
	st, err := reader.Describe(pctx)
	wrote := false
	var first *traffic.Weights
	switch {
	case errors.Is(err, fs.ErrNotExist) && prior != nil && prior.weightsOf() != nil && *prior.weightsOf() != (traffic.Weights{}):
		// Deleted by hand: Nginx still serves what it loaded last, the
		// weights state records. Write them back first (no traffic moves),
		// then shift from there with the strategy and the checks.
		w := *prior.weightsOf()
		if err := router.Set(pctx, w); err != nil {
			diags.AddError("Error writing "+nginxNouns.Point, fmt.Sprintf("%s was deleted; writing it back with the weights state records (%s): %s",
				router.Config().File, w, err))
			return nil, false
		}
		wrote, first = true, &w
	case errors.Is(err, fs.ErrNotExist):
		if !r.firstWrite(pctx, clk, plan, router, plan.firstColor(to), diags) {
			return nil, false
		}
		w := traffic.Split(plan.firstColor(to), 100)
		wrote, first = true, &w
	case err != nil:
		diags.AddError("Error reading "+nginxNouns.Point, err.Error())
		return nil, false
	default:
		if why := needsRewrite(&st.File, router.Config()); why != "" {
			if !reconfigure(pctx, router, &st.File, st.Weights, why, diags) {
				return nil, false
			}
			wrote = true
		}
	}

	// The shift gets what is left of the one timeout.
	sw := plan.switchModel
	if dl, has := pctx.Deadline(); has {
		remaining := dl.Sub(clk.Now())
		if remaining <= 0 {
			diags.AddError("Timed out", fmt.Sprintf("The %s timeout of %s ran out before the shift could start.", map[bool]string{true: "create", false: "update"}[prior == nil], timeout))
			return r.afterWrite(plan, prior, wrote, first, st, to)
		}
		sw.Timeouts = remainingTimeouts(remaining)
	}
	restoring := &restoringRouter{Router: router}
	state, ok := applySwitch(ctx, clk, &sw, priorNginx(prior), func(to traffic.Color, diags *diag.Diagnostics) switchTarget {
		pre, err := router.PreflightChecks(to, plan.preflightTemplate(ctx, clk.Now, diags))
		if err != nil {
			diags.AddAttributeError(path.Root(string(to)+"_servers"), "Pre-flight check cannot be built", err.Error())
		}
		preflight := make([]rollout.Check, 0, len(pre))
		for _, c := range pre {
			preflight = append(preflight, c)
		}
		set := expandRollbackOn(ctx, r.data, plan.RollbackOn, colorOnly, clk.Now, path.Root("rollback_on"), diags)
		return switchTarget{Nouns: nginxNouns, Router: restoring, Preflight: preflight, Checks: set, PlanFrom: fromState(priorNginx(prior)),
			Notify: notificationsFor(ctx, r.data, plan.Notifications, plan.ID.ValueString(), "bluegreen_nginx_switch", diags)}
	}, diags)
	if ok {
		out := *plan
		out.switchModel = state
		out.Timeouts = plan.Timeouts
		return &out, true
	}
	return r.afterWrite(plan, prior, wrote, first, st, to)
}

// afterWrite is the state when the shift could not start or read back: the
// weights of the first write or reconfiguration if one happened, else
// nothing to save.
func (r *nginxSwitchResource) afterWrite(plan, prior *nginxSwitchModel, wrote bool, first *traffic.Weights, st *nginx.State,
	to traffic.Color) (*nginxSwitchModel, bool) {
	if !wrote {
		return nil, false
	}
	out := *plan
	out.settleComputed(priorNginx(prior))
	w := st.Weights
	if first != nil {
		w = *first
	}
	out.recordTruth(w, deriveStatus(w, to, out.share(), nil, ""), to)
	return &out, true
}

// remainingTimeouts is a timeouts value whose create and update are d.
func remainingTimeouts(d time.Duration) timeouts.Value {
	v := types.StringValue(d.String())
	return timeouts.Value{Object: types.ObjectValueMust(map[string]attr.Type{"create": types.StringType, "update": types.StringType},
		map[string]attr.Value{"create": v, "update": v})}
}

// firstWrite creates the missing file with all traffic on to, after to's
// servers pass the pre-flight check once.
func (r *nginxSwitchResource) firstWrite(ctx context.Context, clk clock.Clock, plan *nginxSwitchModel, router *nginx.Router, to traffic.Color, diags *diag.Diagnostics) bool {
	pre, err := router.PreflightChecks(to, plan.preflightTemplate(ctx, clk.Now, diags))
	if err != nil {
		diags.AddAttributeError(path.Root(string(to)+"_servers"), "Pre-flight check cannot be built", err.Error())
		return false
	}
	cs := make([]rollout.Check, len(pre))
	for i, c := range pre {
		cs[i] = c
	}
	var bad []string
	for _, res := range rollout.Evaluate(ctx, clk, 0, cs) {
		if res.Verdict != checks.Pass {
			bad = append(bad, res.String())
		}
	}
	if len(bad) > 0 {
		diags.AddError("Pre-flight check refused the first write",
			fmt.Sprintf("%s does not exist yet; the first write would send all traffic through upstream %q to %s at once, but:\n  %s\n\n"+
				"Nothing was written.", router.Config().File, router.Config().Upstream, to, strings.Join(bad, "\n  ")))
		return false
	}
	if err := router.Set(ctx, traffic.Split(to, 100)); err != nil {
		diags.AddError("Nginx refused the first write", fmt.Sprintf("Writing %s with all traffic on %s: %s", router.Config().File, to, err))
		return false
	}
	return true
}

// reconfigure rewrites the file with the configured servers, parameters and
// directives, keeping the weights it holds.
func reconfigure(ctx context.Context, router *nginx.Router, f *nginx.File, w traffic.Weights, why string, diags *diag.Diagnostics) bool {
	cfg := router.Config()
	inFile := fileServers(f)
	for _, c := range []traffic.Color{traffic.Blue, traffic.Green} {
		want := cfg.Blue
		if c == traffic.Green {
			want = cfg.Green
		}
		if w.Of(c) > 0 && !slices.Equal(inFile[c], want) {
			diags.AddAttributeError(path.Root(string(c)+"_servers"), "Servers of a color that receives traffic",
				fmt.Sprintf("%s lists %s servers %v, not %v, and %s receives traffic (%s): the new servers would get requests "+
					"without a pre-flight check. Nothing was written.", cfg.File, c, inFile[c], want, c, w))
			return false
		}
	}
	if err := router.Set(ctx, w); err != nil {
		diags.AddError("Nginx refused the new upstream configuration",
			fmt.Sprintf("Rewriting %s (%s) with the same weights (%s): %s", cfg.File, why, w, err))
		return false
	}
	return true
}

// fileServers lists the servers of each color in f, in order.
func fileServers(f *nginx.File) map[traffic.Color][]string {
	out := map[traffic.Color][]string{}
	for _, s := range f.Servers {
		out[s.Color] = append(out[s.Color], s.Address)
	}
	return out
}

// needsRewrite says why file f is not what cfg would write ("" when it is):
// other servers per color (in order), other parameters or directives, or a
// file the switch did not write.
func needsRewrite(f *nginx.File, cfg nginx.Config) string {
	for _, s := range f.Servers {
		if s.Backup {
			return "a backup server"
		}
		if !slices.Equal(s.Params, cfg.ServerParams) && len(s.Params)+len(cfg.ServerParams) > 0 {
			return "server parameters"
		}
	}
	inFile := fileServers(f)
	switch {
	case !slices.Equal(inFile[traffic.Blue], cfg.Blue) || !slices.Equal(inFile[traffic.Green], cfg.Green):
		return "servers"
	case !slices.Equal(f.Directives, cfg.Directives) && len(f.Directives)+len(cfg.Directives) > 0:
		return "upstream directives"
	case f.Generation == "":
		return "a file not written by the switch"
	}
	return ""
}

// restoringRouter makes the engine's restore exact: the file from before
// the shift is remembered at the first write, and a write of its weights
// puts those bytes back (Restore) instead of rendering a new file. Every
// other write is the router's Set.
type restoringRouter struct {
	*nginx.Router
	mu       sync.Mutex
	captured bool
	base     []byte
	baseW    traffic.Weights
}

func (r *restoringRouter) Set(ctx context.Context, w traffic.Weights) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	cfg := r.Config()
	if !r.captured {
		r.captured = true
		if b, err := cfg.Host.ReadFile(ctx, cfg.File); err == nil {
			if f, err := nginx.ParseFile(cfg.File, b, cfg.Upstream, cfg.Blue, cfg.Green); err == nil {
				if bw, err := f.Weights(cfg.File); err == nil {
					r.base, r.baseW = b, bw
				}
			}
		}
	}
	if r.base != nil && w == r.baseW {
		return r.Restore(ctx, r.base)
	}
	return r.Router.Set(ctx, w)
}

func (r *nginxSwitchResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state nginxSwitchModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	router, closeFn := state.router(ctx, &resp.Diagnostics)
	defer closeFn()
	if resp.Diagnostics.HasError() {
		return
	}
	desc, err := router.Describe(ctx)
	switch {
	case errors.Is(err, fs.ErrNotExist) && state.weightsOf() != nil && *state.weightsOf() != (traffic.Weights{}):
		// Nginx keeps serving the upstream it loaded last: the weights in
		// state (unless it was reloaded since, which fails on a missing
		// include). Keep the switch, so that the next apply writes those
		// weights back and shifts from them with its strategy and checks,
		// rather than writing active_color at once as a first write does.
		resp.Diagnostics.AddWarning("Nginx upstream file gone",
			fmt.Sprintf("%s no longer exists. Nginx keeps serving the upstream it loaded last (%s, as state records, unless it was "+
				"reloaded since); status is \"drifted\". The next apply writes the file back with those weights, then shifts to "+
				"active_color with the strategy and checks.", state.File.ValueString(), *state.weightsOf()))
		state.Status = types.StringValue(statusDrifted)
		state.clearPath()
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
		return
	case errors.Is(err, fs.ErrNotExist):
		resp.Diagnostics.AddWarning("Nginx upstream file gone",
			fmt.Sprintf("%s no longer exists; the switch is removed from state. The next apply writes it again (all traffic on "+
				"active_color, after its pre-flight check).", state.File.ValueString()))
		resp.State.RemoveResource(ctx)
		return
	case err != nil:
		resp.Diagnostics.AddError("Error reading "+nginxNouns.Weights, fmt.Sprintf("%s.\n\nA hand edit the switch cannot read is "+
			"not adopted: fix the file (or put back what the switch wrote), then plan again.", err))
		return
	}
	state.ID = state.File
	readSwitch(&state.switchModel, desc.Weights)
	if why := needsRewrite(&desc.File, router.Config()); why != "" && state.Status.ValueString() == statusStable {
		// The weights are right but the rest of the file is not what the
		// switch wrote: drift too, so the next plan rewrites it.
		state.Status = types.StringValue(statusDrifted)
		resp.Diagnostics.AddWarning("Nginx upstream file edited outside Terraform",
			fmt.Sprintf("%s differs from the configuration (%s); status is \"drifted\" and the next apply rewrites it with the same weights.",
				state.File.ValueString(), why))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Delete leaves the file and the traffic where they are.
func (r *nginxSwitchResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}

// ImportState imports by the owned file's absolute path on the machine
// running Terraform. The upstream, each color's servers, the server
// parameters and the directives are read from the file (the "# blue:" and
// "# green:" markers the switch writes); a file on an SSH host is adopted by
// declaring the resource and applying instead (the create plans from the
// file's weights).
func (r *nginxSwitchResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	p := req.ID
	if !filepath.IsAbs(p) || filepath.Clean(p) != p {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("Import a bluegreen_nginx_switch by the absolute path of the file it "+
			"owns on the machine running Terraform, e.g. /etc/nginx/bluegreen/app.conf; got %q.", p))
		return
	}
	data, err := remote.Local{}.ReadFile(ctx, p)
	if err != nil {
		resp.Diagnostics.AddError("Error importing Nginx switch", fmt.Sprintf("reading %s: %s", p, err))
		return
	}
	d, err := nginx.Discover(p, data)
	if err != nil {
		resp.Diagnostics.AddError("Error importing Nginx switch", fmt.Sprintf("%s.\n\nTo adopt a file the switch did not write, "+
			"declare the resource and apply: the create reads its weights at plan time.", err))
		return
	}
	list := func(vals []string, nullIfEmpty bool) types.List {
		if len(vals) == 0 && nullIfEmpty {
			return types.ListNull(types.StringType)
		}
		elems := make([]attr.Value, len(vals))
		for i, v := range vals {
			elems[i] = types.StringValue(v)
		}
		return types.ListValueMust(types.StringType, elems)
	}
	for _, kv := range []struct {
		name string
		v    any
	}{
		{"id", p}, {"file", p}, {"upstream", d.Upstream},
		{"blue_servers", list(d.Blue, false)}, {"green_servers", list(d.Green, false)},
		{"server_params", list(d.ServerParams, true)}, {"upstream_directives", list(d.Directives, true)},
	} {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(kv.name), kv.v)...)
	}
}
