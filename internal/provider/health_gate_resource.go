package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
)

var (
	_ resource.ResourceWithConfigure      = (*healthGateResource)(nil)
	_ resource.ResourceWithUpgradeState   = (*healthGateResource)(nil)
	_ resource.ResourceWithValidateConfig = (*healthGateResource)(nil)
)

// NewHealthGateResource is the bluegreen_health_gate resource.
func NewHealthGateResource() resource.Resource { return &healthGateResource{} }

type healthGateResource struct{ data *providerData }

const (
	defaultGateInterval = 10 * time.Second
	defaultGateTimeout  = 10 * time.Minute
)

type healthGateModel struct {
	checksModel
	ID                   types.String   `tfsdk:"id"`
	Interval             durationValue  `tfsdk:"interval"`
	ConsecutiveSuccesses types.Int64    `tfsdk:"consecutive_successes"`
	Triggers             types.Map      `tfsdk:"triggers"`
	Timeouts             timeouts.Value `tfsdk:"timeouts"`
	PassedAt             types.String   `tfsdk:"passed_at"`
	Attempts             types.Int64    `tfsdk:"attempts"`
	LastResults          types.List     `tfsdk:"last_results"`
}

func (r *healthGateResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_health_gate"
}

func (r *healthGateResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := checksSchemaParts("")
	blocks := map[string]schema.Block{}
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	// No UseStateForUnknown: every update runs the gate again and records a
	// new pass time, so id is unknown in the plan of any update (keeping the
	// old value made Terraform report an inconsistent result).
	attrs["id"] = schema.StringAttribute{Computed: true, MarkdownDescription: "The time the gate last passed (RFC 3339); changes whenever the gate runs again."}
	attrs["interval"] = durationAttribute(fmt.Sprintf("Time between evaluation rounds, a Go duration from `1s` to `1h`. Default `%s`.", defaultGateInterval),
		time.Second, time.Hour)
	attrs["consecutive_successes"] = schema.Int64Attribute{
		Optional:            true,
		MarkdownDescription: "Rounds in a row in which every check passes before the gate opens, 1–100. An inconclusive, failed or errored result resets the count. Default `1`.",
		Validators:          []validator.Int64{int64validator.Between(1, 100)},
	}
	attrs["triggers"] = schema.MapAttribute{
		ElementType: types.StringType, Optional: true,
		MarkdownDescription: "Arbitrary values that re-run the gate when they change, e.g. `{ version = var.green_version }`: " +
			"a new version must pass the gate again before the switch that depends on it moves traffic.",
		PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplace()},
	}
	attrs["passed_at"] = computed("RFC 3339 time the gate opened.")
	attrs["attempts"] = schema.Int64Attribute{Computed: true, MarkdownDescription: "Evaluation rounds it took."}
	attrs["last_results"] = schema.ListAttribute{ElementType: types.StringType, Computed: true,
		MarkdownDescription: "One line per check result of the last round: check, verdict, value (e.g. the status code) and " +
			"threshold, with latency and the reason of the verdict in terms of the configuration. No response content is " +
			"ever kept here (no body excerpt, no value read from a body) and header values never appear: results reach " +
			"state, plans and logs."}
	blocks["timeouts"] = timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true})
	resp.Schema = schema.Schema{
		Version: checksSchemaVersion,
		MarkdownDescription: "Blocks the apply until every configured check passes `consecutive_successes` rounds in a row, " +
			"evaluating every `interval`, or fails when the create timeout (default 10m) runs out with a diagnostic listing " +
			"each check's last result. Put it in front of a `bluegreen_listener_switch` with `depends_on`; use `triggers` " +
			"to re-run it for a new version. Read never re-runs the checks, and destroying it does nothing.",
		Attributes: attrs,
		Blocks:     blocks,
	}
	nameNestedPaths(resp.Schema.Attributes)
}

func (r *healthGateResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (r *healthGateResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	defer nameNestedDiags(&resp.Diagnostics)
	var m healthGateModel
	partial, d := getConfig(ctx, req.Config, &m)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	// An unknown check (its whole object or list unknown at plan) may be
	// the one check the gate has: decided when it is known.
	if !partial && m.TargetHealth == nil && m.Metrics == nil && m.AlarmNames.IsNull() && len(m.HTTP) == 0 && len(m.Prometheus) == 0 && len(m.Datadog) == 0 &&
		len(m.CloudWatch) == 0 {
		resp.Diagnostics.AddError("Health gate without checks",
			"A bluegreen_health_gate needs at least one check: target_health, metrics, alarm_names, http, prometheus, datadog or cloudwatch.")
	}
	if mt := m.Metrics; mt != nil && mt.CompareToOtherColor.ValueBool() && mt.OtherTargetGroupARN.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("metrics").AtName("other_target_group_arn"), "Missing target group to compare with",
			"compare_to_other_color in a gate needs other_target_group_arn (a gate has no other color).")
	}
	validateChecks(&m.checksModel, path.Empty(), &resp.Diagnostics)
	validatePlaceholders(ctx, &m.checksModel, nil, true, path.Empty(), nil, false, &resp.Diagnostics)
	validateNoInitialDelay(&m.checksModel, &resp.Diagnostics)
	validateGateTiming(ctx, m, &resp.Diagnostics)
}

// validateGateTiming rejects a gate that cannot pass before its timeout: the
// first round runs at once, then one every interval, so passing takes at
// least (consecutive_successes - 1) × interval.
func validateGateTiming(ctx context.Context, m healthGateModel, diags *diag.Diagnostics) {
	if m.Interval.IsUnknown() || m.ConsecutiveSuccesses.IsUnknown() || m.Timeouts.IsUnknown() {
		return
	}
	interval := durationOr(m.Interval, defaultGateInterval)
	if interval <= 0 {
		return // reported by the interval validator
	}
	n := int64(1)
	if !m.ConsecutiveSuccesses.IsNull() {
		n = max(m.ConsecutiveSuccesses.ValueInt64(), 1)
	}
	shortest := satMul(interval, n-1)
	for _, t := range []struct {
		name string
		get  func(context.Context, time.Duration) (time.Duration, diag.Diagnostics)
	}{{"create", m.Timeouts.Create}, {"update", m.Timeouts.Update}} {
		name, get := t.name, t.get
		timeout := defaultGateTimeout // no timeouts block, or this one unset: the default applies, and is checked too
		if !m.Timeouts.IsNull() {
			if v, ok := m.Timeouts.Attributes()[name].(types.String); ok && v.IsUnknown() {
				continue
			}
			var d diag.Diagnostics
			if timeout, d = get(ctx, defaultGateTimeout); d.HasError() {
				continue // reported by the timeouts validator
			}
		}
		if shortest >= timeout {
			diags.AddAttributeError(path.Root("timeouts").AtName(name), "Gate cannot pass within the timeout",
				fmt.Sprintf("consecutive_successes = %d rounds, one every interval (%s), take at least %s, but timeouts.%s is %s: "+
					"the gate could never pass. Raise timeouts.%s above %s, or lower interval or consecutive_successes.",
					n, interval, shortest, name, timeout, name, shortest))
		}
	}
}

func (r *healthGateResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer nameNestedDiags(&resp.Diagnostics)
	var plan healthGateModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, defaultGateTimeout)
	resp.Diagnostics.Append(d...)
	if r.wait(ctx, &plan, timeout, &resp.Diagnostics) {
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	}
}

// wait runs the gate; on success it fills the computed attributes of m.
func (r *healthGateResource) wait(ctx context.Context, plan *healthGateModel, timeout time.Duration, diags *diag.Diagnostics) bool {
	clk := clock.Clock(clock.Real{})
	if r.data.deps.Clock != nil {
		clk = r.data.deps.Clock
	}
	cs := expandChecks(ctx, r.data, &plan.checksModel, checkTarget{}, clk.Now, path.Empty(), diags)
	if diags.HasError() {
		return false
	}
	gctx, cancel := clock.WithTimeout(ctx, clk, timeout)
	defer cancel()
	out := rollout.WaitForGate(gctx, rollout.GateConfig{
		Checks:               cs,
		Interval:             durationOr(plan.Interval, defaultGateInterval),
		ConsecutiveSuccesses: int(max(plan.ConsecutiveSuccesses.ValueInt64(), 1)),
		Clock:                clk,
		Logger: func(round int, passed bool, results []checks.Result) {
			tflog.Info(ctx, "health gate round", map[string]any{"round": round, "passed": passed, "results": resultLines(results)})
		},
	})
	if !out.Passed {
		diags.AddError("Health gate did not pass",
			fmt.Sprintf("%s. Last result of every check:\n  %s", out.Err, strings.Join(resultLines(out.LastResults), "\n  ")))
		return false
	}
	plan.PassedAt = types.StringValue(out.PassedAt.UTC().Format(time.RFC3339))
	plan.ID = plan.PassedAt
	plan.Attempts = types.Int64Value(int64(out.Attempts))
	plan.LastResults = stringList(resultLines(out.LastResults))
	return true
}

func resultLines(rs []checks.Result) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.String()
	}
	return out
}

func stringList(ss []string) types.List {
	elems := make([]attr.Value, len(ss))
	for i, s := range ss {
		elems[i] = types.StringValue(s)
	}
	return types.ListValueMust(types.StringType, elems)
}

// Read does not re-run the checks: a gate records that it passed.
func (r *healthGateResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state healthGateModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update runs the gate again with the changed checks (a change of triggers
// replaces the gate, which runs it too).
func (r *healthGateResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer nameNestedDiags(&resp.Diagnostics)
	var plan healthGateModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Update(ctx, defaultGateTimeout)
	resp.Diagnostics.Append(d...)
	if r.wait(ctx, &plan, timeout, &resp.Diagnostics) {
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	}
}

func (r *healthGateResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}

// UpgradeState upgrades state of schema version 0 (see checksStateUpgraders).
func (r *healthGateResource) UpgradeState(ctx context.Context) map[int64]resource.StateUpgrader {
	return checksStateUpgraders(ctx, r, "")
}
