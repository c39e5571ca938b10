package provider

// bluegreen_dns_switch: Route 53 weighted DNS between two endpoints
// (typically the load balancers of two complete stacks), on the switch
// layer. This file is what is Route 53's own: the schema of the record sets,
// adoption and creation, the pre-flight, import and destroy. Strategy,
// rollback_on, bake, on_interrupt, state and diagnostics come from
// switch_layer.go / switch_apply.go.
//
// Decisions (also in the resource's description):
//   - Create adopts existing weighted record sets with the two set
//     identifiers, with their weights: the plan shows the path from them. If
//     neither exists it creates both in one batch, all traffic on
//     active_color at once (no shift: nothing was served before), after the
//     pre-flight check of active_color passes. If only one exists, the
//     other is created with weight 0.
//   - The shape (alias target or values, TTL, health check) follows the
//     configuration; it is written in one batch, keeping the weights. The
//     target of a color that receives traffic is never changed: that would
//     move traffic unchecked (refused at plan time and at apply).
//   - Every step is settled before it is verified and held: the change is
//     INSYNC on every Route 53 name server and one TTL has passed, so the
//     step's checks judge resolvers that really see the step's weights. The
//     restore of a rollback is written and verified without that hold (its
//     budget is DefaultRestoreTimeout); resolvers follow within one TTL.
//   - Destroy leaves the record sets where they are, so traffic does not
//     move, unless delete_records_on_destroy = true.

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/route53health"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/route53"
)

var (
	_ resource.ResourceWithConfigure      = (*dnsSwitchResource)(nil)
	_ resource.ResourceWithUpgradeState   = (*dnsSwitchResource)(nil)
	_ resource.ResourceWithImportState    = (*dnsSwitchResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*dnsSwitchResource)(nil)
	_ resource.ResourceWithValidateConfig = (*dnsSwitchResource)(nil)
)

// NewDNSSwitchResource is the bluegreen_dns_switch resource.
func NewDNSSwitchResource() resource.Resource { return &dnsSwitchResource{} }

type dnsSwitchResource struct{ data *providerData }

// Defaults and allowances of the DNS switch.
const (
	// defaultDNSTTL is the TTL of plain (non-alias) record sets when ttl is unset.
	defaultDNSTTL = 60
	// route53Propagation is AWS's documented time for a change to reach
	// every Route 53 name server (INSYNC), the settle allowance per write.
	route53Propagation = 60 * time.Second
)

var dnsNouns = switchNouns{Point: "record set", Weights: "record weights"}

type dnsSwitchModel struct {
	switchModel
	ID                     types.String   `tfsdk:"id"`
	ZoneID                 types.String   `tfsdk:"zone_id"`
	Name                   types.String   `tfsdk:"name"`
	Type                   types.String   `tfsdk:"type"`
	TTL                    types.Int64    `tfsdk:"ttl"`
	Blue                   *dnsColorModel `tfsdk:"blue"`
	Green                  *dnsColorModel `tfsdk:"green"`
	DeleteRecordsOnDestroy types.Bool     `tfsdk:"delete_records_on_destroy"`
}

type dnsColorModel struct {
	SetIdentifier types.String   `tfsdk:"set_identifier"`
	Alias         *dnsAliasModel `tfsdk:"alias"`
	Records       types.Set      `tfsdk:"records"`
	HealthCheckID types.String   `tfsdk:"health_check_id"`
}

type dnsAliasModel struct {
	Name                 types.String `tfsdk:"name"`
	ZoneID               types.String `tfsdk:"zone_id"`
	EvaluateTargetHealth types.Bool   `tfsdk:"evaluate_target_health"`
}

func (r *dnsSwitchResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_dns_switch"
}

func dnsColorSchema(color string) schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		Required: true,
		MarkdownDescription: fmt.Sprintf("The %s endpoint: its weighted record set, with exactly one of `alias` and `records`. "+
			"Changing its target (alias or records) while it receives traffic is refused: move traffic away first.", color),
		Attributes: map[string]schema.Attribute{
			"set_identifier": schema.StringAttribute{
				Required: true,
				MarkdownDescription: fmt.Sprintf("Set identifier of the %s weighted record set, 1–128 characters, no default; must differ from "+
					"the other color's. An existing record set with it is adopted. Changing it replaces the switch.", color),
				Validators:    []validator.String{stringvalidator.LengthBetween(1, 128)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"alias": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "Alias target (e.g. a load balancer: `aws_lb.x.dns_name` and `aws_lb.x.zone_id`). Exactly one of " +
					"`alias` and `records`. Resolvers cache alias answers for Route 53's alias TTL, 60 s.",
				Attributes: map[string]schema.Attribute{
					"name": schema.StringAttribute{
						Required: true, MarkdownDescription: "DNS name of the alias target, no default; case and a trailing dot do not matter.",
						Validators: []validator.String{stringvalidator.LengthBetween(1, 1024)},
					},
					"zone_id": schema.StringAttribute{
						Required: true, MarkdownDescription: "Hosted zone ID of the alias target (for a load balancer, its canonical hosted zone ID), no default.",
						Validators: []validator.String{stringvalidator.LengthBetween(1, 32)},
					},
					"evaluate_target_health": schema.BoolAttribute{
						Optional: true, Computed: true, Default: booldefault.StaticBool(false),
						MarkdownDescription: "Whether Route 53 checks the alias target's health before answering it. Default `false`.",
					},
				},
			},
			"records": schema.SetAttribute{
				ElementType: types.StringType, Optional: true,
				MarkdownDescription: "Plain values of the record set (IPv4 for `A`, IPv6 for `AAAA`, one host name for `CNAME`), 1–100; " +
					"no default. Exactly one of `alias` and `records`. Cached for `ttl`.",
				Validators: []validator.Set{setvalidator.SizeBetween(1, 100)},
			},
			"health_check_id": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Route 53 health check of this endpoint, attached to its record set (Route 53 stops answering it " +
					"when unhealthy) and used as the pre-flight check when traffic moves to this color: more than 18 % of " +
					"Route 53's checkers must report it healthy (GetHealthCheckStatus). Default: none.",
			},
		},
	}
}

func (r *dnsSwitchResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	common, commonBlocks := switchSchemaParts(ctx, "the endpoint receiving the new traffic")
	resp.Schema = schema.Schema{
		Version: checksSchemaVersion,
		MarkdownDescription: "Owns the weights of two Route 53 weighted record sets of one name — `blue` and `green`, typically " +
			"aliases to the load balancers of two complete stacks — and moves DNS traffic to `active_color` all at once, in " +
			"canary steps or linearly, checking the receiving endpoint before and during the shift and **rolling back by " +
			"itself** when a check fails.\n\n" +
			"Both weights are written in one `ChangeResourceRecordSets` batch (Route 53 applies it all-or-nothing). Each step " +
			"is settled before it is held and judged: the change is `INSYNC` on every Route 53 name server (`GetChange`) and " +
			"one TTL has passed (60 s for aliases), so cached answers from before the step have expired. Route 53 weights are " +
			"0–255; the switch writes percentages (0–100).\n\n" +
			"**Create** adopts existing weighted record sets with the two set identifiers (their weights are where the plan " +
			"starts); if neither exists it creates both in one batch with all traffic on `active_color` (no shift), after " +
			"the pre-flight check of `active_color` passes. **Destroy** leaves the record sets where they are (traffic does " +
			"not move) unless `delete_records_on_destroy = true`. A pre-flight check is required to move traffic: the " +
			"receiving color's `health_check_id` and/or an `http` check in `rollback_on`.\n\n" +
			"Nothing else should write these record sets: do not also manage them with `aws_route53_record`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "`<zone_id>/<name>/<type>/<blue set_identifier>/<green set_identifier>`, also the import ID.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"zone_id": schema.StringAttribute{
				Required: true, MarkdownDescription: "Hosted zone of the record (`Z…`; a `/hostedzone/` prefix is accepted), no default. Changing it replaces the switch (adding or removing the prefix does not).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIf(differsAfter(canonicalZoneID),
					"Another hosted zone replaces the switch.", "Another hosted zone replaces the switch.")}, Validators: []validator.String{stringvalidator.LengthBetween(1, 64)},
			},
			"name": schema.StringAttribute{
				Required: true, MarkdownDescription: "Record name, e.g. `app.example.com`, no default; case and a trailing dot do not matter. Changing it replaces the switch (changing its case or the trailing dot does not).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIf(differsAfter(route53.CanonicalName),
					"Another record name replaces the switch.", "Another record name replaces the switch.")}, Validators: []validator.String{stringvalidator.LengthBetween(1, 1024)},
			},
			"type": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("A"),
				MarkdownDescription: "Record type: `A` (default), `AAAA` or `CNAME`. Changing it replaces the switch.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:          []validator.String{stringvalidator.OneOf("A", "AAAA", "CNAME")},
			},
			"ttl": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("TTL of plain `records`, in seconds, 0–172800; default `%d`. Route 53 requires the "+
					"same TTL on every weighted record set of a name. Ignored for aliases (Route 53 answers them with a 60 s TTL). "+
					"Each step holds one TTL after the change is INSYNC.", defaultDNSTTL),
				Validators: []validator.Int64{int64validator.Between(0, 172800)},
			},
			"blue":  dnsColorSchema("blue"),
			"green": dnsColorSchema("green"),
			"delete_records_on_destroy": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Delete both record sets when the switch is destroyed (the name then stops resolving, unless " +
					"other records serve it). Default `false`: destroy leaves them, and the traffic, where they are.",
			},
		},
		Blocks: commonBlocks,
	}
	for k, v := range common {
		resp.Schema.Attributes[k] = v
	}
	markRefusedChecks(resp.Schema.Attributes, "**Not available on `bluegreen_dns_switch`** (refused at plan time): it reads one ALB's target groups or metrics; "+
		"metrics of two load balancers (the color-aware `LoadBalancer` dimension) are a later step. Use `http` or `prometheus`.")
	resp.Schema.Attributes["blue_weight"] = schema.Int64Attribute{Computed: true,
		MarkdownDescription: "Weight of the blue record set as read from Route 53 (0–255; the switch writes percentages: 0–100)."}
	resp.Schema.Attributes["green_weight"] = schema.Int64Attribute{Computed: true,
		MarkdownDescription: "Weight of the green record set as read from Route 53 (0–255; the switch writes percentages: 0–100)."}
	nameNestedPaths(resp.Schema.Attributes)
}

func (r *dnsSwitchResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredAWSData(req.ProviderData, "bluegreen_dns_switch", &resp.Diagnostics)
}

func (r *dnsSwitchResource) clock() clock.Clock {
	if r.data != nil && r.data.deps.Clock != nil {
		return r.data.deps.Clock
	}
	return clock.Real{}
}

func (m *dnsSwitchModel) color(c traffic.Color) *dnsColorModel {
	if c == traffic.Blue {
		return m.Blue
	}
	return m.Green
}

func (m *dnsSwitchModel) recordType() string {
	if known(m.Type) {
		return m.Type.ValueString()
	}
	return "A"
}

// ValidateConfig checks what the schema cannot: one target per color,
// distinct set identifiers, values of the record type, and the checks a DNS
// switch can run.
func (r *dnsSwitchResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	defer nameNestedDiags(&resp.Diagnostics)
	var m dnsSwitchModel
	partial, d := getConfig(ctx, req.Config, &m)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	if m.Blue != nil && m.Green != nil && known(m.Blue.SetIdentifier) && known(m.Green.SetIdentifier) &&
		m.Blue.SetIdentifier.ValueString() == m.Green.SetIdentifier.ValueString() {
		resp.Diagnostics.AddAttributeError(path.Root("green").AtName("set_identifier"), "Same set identifier for blue and green",
			fmt.Sprintf("blue and green both have set_identifier %q; each color needs its own weighted record set.", m.Blue.SetIdentifier.ValueString()))
	}
	typ := m.Type.ValueString()
	for _, c := range []traffic.Color{traffic.Blue, traffic.Green} {
		cm := m.color(c)
		if cm == nil {
			continue
		}
		at := path.Root(string(c))
		if cm.Alias != nil && !cm.Records.IsNull() {
			resp.Diagnostics.AddAttributeError(at, "Both alias and records", fmt.Sprintf("%s sets both alias and records; a record set is either an alias or plain values.", c))
		}
		if cm.Alias == nil && cm.Records.IsNull() && !partial { // an unknown alias decodes as absent
			resp.Diagnostics.AddAttributeError(at, "No target", fmt.Sprintf("%s needs alias = { name, zone_id } or records = [ … ].", c))
		}
		if cm.Alias != nil && typ == "CNAME" {
			resp.Diagnostics.AddAttributeError(at.AtName("alias"), "Alias of type CNAME",
				"An alias to a load balancer or another AWS resource answers A or AAAA queries; set type = \"A\" (or \"AAAA\") for an alias, or use records with a CNAME.")
		}
		if known(cm.Records) && known(m.Type) {
			var vals []types.String
			resp.Diagnostics.Append(cm.Records.ElementsAs(ctx, &vals, false)...)
			if typ == "CNAME" && len(vals) > 1 {
				resp.Diagnostics.AddAttributeError(at.AtName("records"), "CNAME with several values", "A CNAME record set has exactly one value.")
			}
			for _, v := range vals {
				if !known(v) {
					continue
				}
				if msg := checkRecordValue(typ, v.ValueString()); msg != "" {
					resp.Diagnostics.AddAttributeError(at.AtName("records"), "Invalid record value", msg)
				}
			}
		}
	}
	if !m.TTL.IsNull() && m.Blue != nil && m.Green != nil && m.Blue.Alias != nil && m.Green.Alias != nil {
		resp.Diagnostics.AddAttributeWarning(path.Root("ttl"), "ttl unused", "Both colors are aliases: Route 53 answers aliases with its own 60 s TTL; ttl applies to plain records only.")
	}
	if ro := m.RollbackOn; ro != nil {
		at := path.Root("rollback_on")
		refuse := func(name, why string) {
			resp.Diagnostics.AddAttributeError(at.AtName(name), "Check not available for a DNS switch", why)
		}
		if ro.TargetHealth != nil {
			refuse("target_health", "rollback_on.target_health reads an ALB target group; a DNS switch points at endpoints, not target groups. "+
				"Use the receiving color's health_check_id (Route 53's own checkers) or an http check of the endpoint.")
		}
		if ro.Metrics != nil {
			refuse("metrics", "rollback_on.metrics reads one ALB's CloudWatch metrics; a DNS switch moves traffic between two load balancers, "+
				"which needs the LoadBalancer dimension chosen per color. That color-aware metrics check is a later step; "+
				"until then use an http or prometheus check of the receiving endpoint.")
		}
		if !ro.AlarmNames.IsNull() {
			refuse("alarm_names", "rollback_on.alarm_names is not available on the DNS switch yet (its alarms are meant per ALB target group); "+
				"use an http or prometheus check of the receiving endpoint.")
		}
	}
	validateSwitchConfig(ctx, &m.switchModel, &resp.Diagnostics)
}

// checkRecordValue says what is wrong with v as a value of type typ.
func checkRecordValue(typ, v string) string {
	switch typ {
	case "A", "AAAA":
		a, err := netip.ParseAddr(v)
		if err != nil || (typ == "A") != a.Is4() {
			return fmt.Sprintf("%q is not an IPv%s address, as a record of type %s needs.", v, map[string]string{"A": "4", "AAAA": "6"}[typ], typ)
		}
	case "CNAME":
		if strings.ContainsAny(v, " \t") || v == "" {
			return fmt.Sprintf("%q is not a host name.", v)
		}
	}
	return ""
}

// pointKnown reports whether the record sets' identity and shape are known.
func (m *dnsSwitchModel) pointKnown() bool {
	if !known(m.ZoneID) || !known(m.Name) || m.Type.IsUnknown() || m.TTL.IsUnknown() || m.Blue == nil || m.Green == nil {
		return false
	}
	for _, c := range []*dnsColorModel{m.Blue, m.Green} {
		if !known(c.SetIdentifier) || c.Records.IsUnknown() || c.HealthCheckID.IsUnknown() || !listOrSetKnown(c.Records) {
			return false
		}
		if a := c.Alias; a != nil && (!known(a.Name) || !known(a.ZoneID) || a.EvaluateTargetHealth.IsUnknown()) {
			return false
		}
	}
	return true
}

func listOrSetKnown(s types.Set) bool {
	if s.IsUnknown() {
		return false
	}
	for _, e := range s.Elements() {
		if e.IsUnknown() {
			return false
		}
	}
	return true
}

// routerFor builds the Route 53 router of m, settling on clk.
func (r *dnsSwitchResource) routerFor(m *dnsSwitchModel) (*route53.Router, error) {
	return route53.New(r.data.Clients.Route53(), route53.Config{
		ZoneID: m.ZoneID.ValueString(), Name: m.Name.ValueString(), Type: r53types.RRType(m.recordType()),
		BlueSetIdentifier: m.Blue.SetIdentifier.ValueString(), GreenSetIdentifier: m.Green.SetIdentifier.ValueString(),
		Clock: r.clock(),
	})
}

// want is the record set the configuration describes for color c, with weight.
func (m *dnsSwitchModel) want(ctx context.Context, c traffic.Color, weight int32) route53.Record {
	cm := m.color(c)
	rec := route53.Record{SetIdentifier: cm.SetIdentifier.ValueString(), Weight: int64(weight)}
	if known(cm.HealthCheckID) && cm.HealthCheckID.ValueString() != "" {
		rec.HealthCheckID = aws.String(cm.HealthCheckID.ValueString())
	}
	if a := cm.Alias; a != nil {
		rec.Alias = &r53types.AliasTarget{DNSName: aws.String(a.Name.ValueString()), HostedZoneId: aws.String(a.ZoneID.ValueString()),
			EvaluateTargetHealth: a.EvaluateTargetHealth.ValueBool()}
		return rec
	}
	ttl := int64(defaultDNSTTL)
	if known(m.TTL) {
		ttl = m.TTL.ValueInt64()
	}
	rec.TTL = aws.Int64(ttl)
	_ = cm.Records.ElementsAs(ctx, &rec.Values, false)
	return rec
}

// settleAllowance is how long settling one write may take: propagation to
// every name server (AWS: within 60 s), one poll, and the longest TTL.
func (m *dnsSwitchModel) settleAllowance(ctx context.Context) time.Duration {
	ttl := max(m.want(ctx, traffic.Blue, 0).EffectiveTTL(), m.want(ctx, traffic.Green, 0).EffectiveTTL())
	return route53Propagation + route53.DefaultPollInterval + ttl
}

// ModifyPlan computes the path from the weights the apply will start from:
// the prior state's, the adopted record sets', or all on active_color for
// record sets the create will make.
func (r *dnsSwitchResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	defer nameNestedDiags(&resp.Diagnostics)
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	var plan dnsSwitchModel
	partial, d := getPlan(ctx, req.Plan, &plan)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	if partial {
		planDecidedAtApply(ctx, resp)
		return
	}
	var prior *dnsSwitchModel
	if !req.State.Raw.IsNull() {
		prior = &dnsSwitchModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, prior)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	if prior != nil && plan.pointKnown() {
		if other := replacedRecords(prior, &plan); other != "" {
			// A replacement: the old switch is destroyed and a new one
			// created, over other record sets.
			if !prior.DeleteRecordsOnDestroy.ValueBool() {
				if known(plan.Type) && plan.Type.ValueString() != prior.recordType() {
					resp.Diagnostics.AddAttributeError(path.Root("type"), "Record sets would be left behind",
						fmt.Sprintf("Changing type replaces the switch: its %s record sets (%s) would keep answering, unmanaged, next to "+
							"the new %s ones (or conflict with them). Set delete_records_on_destroy = true and apply first, so that the "+
							"replacement deletes them; or delete them yourself and remove the switch from state.", prior.recordType(), dnsID(prior), plan.Type.ValueString()))
					return
				}
				resp.Diagnostics.AddWarning("Old record sets stay", fmt.Sprintf("Changing %s replaces the switch; delete_records_on_destroy "+
					"is false, so the record sets %s keep answering as they are, no longer managed.", other, dnsID(prior)))
			}
			prior = nil
		}
	}
	unknownPath := func() {
		plan.setPlanUnknown()
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	}
	if !plan.pathKnown() || !plan.pointKnown() {
		unknownPath()
		return
	}
	to, _ := traffic.ParseColor(plan.ActiveColor.ValueString())
	var current traffic.Weights
	creating := false
	if prior != nil {
		w := prior.weightsOf()
		if w == nil || *w == (traffic.Weights{}) {
			// Unknown, or every record set at weight 0 (or one deleted by
			// hand): which color really answers depends on which record sets
			// exist; the apply reads them and starts from there.
			if w != nil {
				r.checkFullShiftBudget(ctx, &plan, to, &resp.Diagnostics)
			}
			if !resp.Diagnostics.HasError() {
				unknownPath()
			}
			return
		}
		current = *w
		for _, c := range []traffic.Color{traffic.Blue, traffic.Green} {
			if current.Of(c) > 0 && prior.color(c) != nil && !prior.want(ctx, c, 0).SameTarget(plan.want(ctx, c, 0)) {
				movingTargetError(c, current.Of(c), &resp.Diagnostics)
			}
		}
	} else {
		router, err := r.routerFor(&plan)
		if err != nil {
			resp.Diagnostics.AddError("Invalid record", err.Error())
			return
		}
		st, found, err := router.Existing(ctx)
		var unsupported *route53.UnsupportedRecordError
		switch {
		case errors.As(err, &unsupported):
			resp.Diagnostics.AddAttributeError(path.Root("name"), "Record cannot be adopted", err.Error())
			return
		case err != nil:
			// Unreadable now (a zone created by this apply, no permission at
			// plan time): decided at apply; a full shift must fit the timeout.
			r.checkFullShiftBudget(ctx, &plan, to, &resp.Diagnostics)
			if !resp.Diagnostics.HasError() {
				unknownPath()
			}
			return
		}
		switch {
		case !found[0] && !found[1]:
			current, creating = traffic.Split(plan.firstColor(to), 100), true
		default:
			current = effectiveWeights(st.Weights, found)
			for i, c := range []traffic.Color{traffic.Blue, traffic.Green} {
				have := st.Blue
				if c == traffic.Green {
					have = st.Green
				}
				if found[i] && current.Of(c) > 0 && !have.SameTarget(plan.want(ctx, c, 0)) {
					movingTargetError(c, current.Of(c), &resp.Diagnostics)
				}
			}
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	planSwitch(ctx, &plan.switchModel, priorSwitchDNS(prior), &current, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	st := expandStrategy(ctx, plan.Strategy, &resp.Diagnostics)
	p, err := planPath(pathInputs{Current: current, To: to, Share: plan.share(), Strategy: st, Bake: durationOr(plan.BakeTime, 0), Budget: budgetOf(&plan.switchModel)})
	if err == nil && p.Moving() {
		r.requirePreflight(&plan, to, "moving traffic to "+string(to), &resp.Diagnostics)
		// Every step also settles (INSYNC and one TTL) before its hold: the
		// worst case includes it (the layer's worstCase does not know it).
		// (When the layer's worstCase learns a per-router settle allowance,
		// this addition goes.)
		base := p.Worst
		p.Worst = satAdd(p.Worst, satMul(plan.settleAllowance(ctx), int64(len(p.Steps))))
		plan.WorstCaseDuration = types.StringValue(formatWorst(p.Worst))
		timeout, which, d := plan.timeoutFor(ctx, prior == nil)
		resp.Diagnostics.Append(d...)
		if !resp.Diagnostics.HasError() && base <= timeout { // planSwitch reported a base already over it
			checkBudget(p, timeout, which, &resp.Diagnostics)
		}
	}
	if creating {
		first := plan.firstColor(to)
		r.requirePreflight(&plan, first, "creating the record sets with all traffic on "+string(first), &resp.Diagnostics)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

func movingTargetError(c traffic.Color, weight int32, diags *diag.Diagnostics) {
	diags.AddAttributeError(path.Root(string(c)), "Record set still receives traffic",
		fmt.Sprintf("The %s record set receives weight %d; changing its target (alias or records) would move that traffic without any "+
			"check. First set active_color to the other color and apply, then change %s's target.", c, weight, c))
}

// checkFullShiftBudget is the plan-time check when the weights cannot be
// read: the apply may find a full shift to make.
func (r *dnsSwitchResource) checkFullShiftBudget(ctx context.Context, plan *dnsSwitchModel, to traffic.Color, diags *diag.Diagnostics) {
	st := expandStrategy(ctx, plan.Strategy, diags)
	full, err := planPath(pathInputs{Current: traffic.Split(to.Other(), 100), To: to, Strategy: st,
		Bake: durationOr(plan.BakeTime, 0), Budget: budgetOf(&plan.switchModel)})
	if err != nil {
		return
	}
	full.Worst = satAdd(full.Worst, satMul(plan.settleAllowance(ctx), int64(len(full.Steps))))
	timeout, which, d := plan.timeoutFor(ctx, true)
	diags.Append(d...)
	checkBudget(full, timeout, which, diags)
}

// hasPreflight reports whether moving traffic to color to has a pre-flight check.
func (m *dnsSwitchModel) hasPreflight(to traffic.Color) bool {
	cm := m.color(to)
	return (cm != nil && known(cm.HealthCheckID) && cm.HealthCheckID.ValueString() != "") || (m.RollbackOn != nil && m.RollbackOn.HTTP != nil)
}

func (r *dnsSwitchResource) requirePreflight(m *dnsSwitchModel, to traffic.Color, what string, diags *diag.Diagnostics) {
	if m.hasPreflight(to) {
		return
	}
	diags.AddAttributeError(path.Root(string(to)).AtName("health_check_id"), "Pre-flight check required",
		fmt.Sprintf("This plan is %s, but nothing checks %s before it receives traffic. A DNS switch needs a pre-flight check of the "+
			"receiving endpoint: set %s.health_check_id (a Route 53 health check of it) and/or an http check in rollback_on "+
			"(run once before any weight is written, then during every step).", what, to, to))
}

// preflight is the receiving color's pre-flight: its Route 53 health check
// and the http check of rollback_on.
func (r *dnsSwitchResource) preflight(ctx context.Context, m *dnsSwitchModel, to traffic.Color, diags *diag.Diagnostics) []rollout.Check {
	var out []rollout.Check
	clk := r.clock()
	if cm := m.color(to); cm != nil && known(cm.HealthCheckID) && cm.HealthCheckID.ValueString() != "" {
		hc := route53health.New(r.data.Clients.Route53(), cm.HealthCheckID.ValueString())
		hc.Now = clk.Now
		out = append(out, hc)
	}
	if m.RollbackOn != nil && m.RollbackOn.HTTP != nil {
		out = append(out, expandChecks(ctx, r.data, &checksModel{HTTP: m.RollbackOn.HTTP},
			checkTarget{Color: to, User: m.RollbackOn.ColorValues.of(ctx, to, diags)}, clk.Now, path.Root("rollback_on"), diags)...)
	}
	return out
}

// settlingRouter makes a step's Set return once the step is served: the
// change is INSYNC and one TTL has passed (Router.Settle), so the engine's
// read-back, hold and checks start after resolvers see the step. The engine
// marks a step's weights as its own before Set, so a Set that wrote but
// could not settle (an error, a cancellation) is restored like any other.
// The restore (writing the weights the shift started from, the first
// weights read through this router) is not held: its budget is the engine's
// restore timeout, and the API serves it at once; resolvers follow within
// one TTL, as the rollback diagnostic says.
type settlingRouter struct {
	r *route53.Router

	mu       sync.Mutex
	baseline *traffic.Weights
}

func (s *settlingRouter) Read(ctx context.Context) (traffic.Weights, error) {
	w, err := s.r.Read(ctx)
	if err == nil {
		s.mu.Lock()
		if s.baseline == nil {
			b := w
			s.baseline = &b
		}
		s.mu.Unlock()
	}
	return w, err
}

func (s *settlingRouter) Set(ctx context.Context, w traffic.Weights) error {
	if err := s.r.Set(ctx, w); err != nil {
		return err
	}
	s.mu.Lock()
	restore := s.baseline != nil && *s.baseline == w
	s.mu.Unlock()
	if restore {
		return nil
	}
	if err := s.r.Settle(ctx); err != nil {
		return fmt.Errorf("weights %s written, but not yet served by every name server: %w", w, err)
	}
	return nil
}

func (r *dnsSwitchResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer nameNestedDiags(&resp.Diagnostics)
	var plan dnsSwitchModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if st, ok := r.apply(ctx, &plan, nil, &resp.Diagnostics); ok {
		resp.Diagnostics.Append(resp.State.Set(ctx, st)...)
	}
}

func (r *dnsSwitchResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer nameNestedDiags(&resp.Diagnostics)
	var plan, prior dnsSwitchModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	st, ok := r.apply(ctx, &plan, &prior, &resp.Diagnostics)
	if !ok {
		st = &prior // nothing was written: the prior state is still the truth
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, st)...)
}

func dnsID(m *dnsSwitchModel) string {
	return strings.Join([]string{canonicalZoneID(m.ZoneID.ValueString()), strings.TrimSuffix(route53.CanonicalName(m.Name.ValueString()), "."),
		m.recordType(), m.Blue.SetIdentifier.ValueString(), m.Green.SetIdentifier.ValueString()}, "/")
}

// apply runs a create (prior == nil) or an update: the record sets first
// (created, or their shape written, in one batch), then the shift through
// the switch layer. Everything, the first read included, is bounded by the
// operation's timeout.
func (r *dnsSwitchResource) apply(ctx context.Context, plan, prior *dnsSwitchModel, diags *diag.Diagnostics) (*dnsSwitchModel, bool) {
	clk := r.clock()
	timeout, _, d := plan.timeoutFor(ctx, prior == nil)
	diags.Append(d...)
	if diags.HasError() {
		return nil, false
	}
	ctx, cancel := clock.WithTimeout(ctx, clk, timeout)
	defer cancel()
	if !known(plan.Type) {
		plan.Type = types.StringValue("A")
	}
	plan.ID = types.StringValue(dnsID(plan))
	if prior != nil && known(prior.ID) {
		plan.ID = prior.ID // the same record sets (any other change replaces the switch)
	}
	router, err := r.routerFor(plan)
	if err != nil {
		diags.AddError("Invalid record", err.Error())
		return nil, false
	}
	to, _ := traffic.ParseColor(plan.ActiveColor.ValueString())
	wrote := r.syncRecords(ctx, plan, router, plan.firstColor(to), diags)
	if diags.HasError() {
		return r.recordWithoutShift(ctx, plan, prior, router, wrote, diags)
	}
	sr := &settlingRouter{r: router}
	state, ok := applySwitch(ctx, clk, &plan.switchModel, priorSwitchDNS(prior), func(to traffic.Color, diags *diag.Diagnostics) switchTarget {
		checkSet := expandRollbackOn(ctx, r.data, plan.RollbackOn, colorOnly, clk.Now, path.Root("rollback_on"), diags)
		return switchTarget{Nouns: dnsNouns, Router: sr, Preflight: r.preflight(ctx, plan, to, diags), Checks: checkSet,
			PlanFrom: fromState(priorSwitchDNS(prior)),
			Notify:   notificationsFor(ctx, r.data, plan.Notifications, plan.ID.ValueString(), "bluegreen_dns_switch", diags)}
	}, diags)
	if !ok {
		return r.recordWithoutShift(ctx, plan, prior, router, wrote, diags)
	}
	out := *plan
	out.switchModel = state
	if state.Status.ValueString() == statusRolledBack {
		diags.AddWarning("Resolvers follow the rollback within one TTL",
			fmt.Sprintf("The record weights were restored; Route 53 serves them on every name server within about %s, and resolvers that "+
				"cached an answer of %s keep it for up to one TTL (%s).", route53Propagation, to, max(plan.want(ctx, traffic.Blue, 0).EffectiveTTL(),
				plan.want(ctx, traffic.Green, 0).EffectiveTTL())))
	}
	return &out, true
}

// recordWithoutShift is the state of an apply that stopped before the shift
// (or whose shift could not start): what the record sets hold now when
// anything was written, else the prior state (or no resource).
func (r *dnsSwitchResource) recordWithoutShift(ctx context.Context, plan, prior *dnsSwitchModel, router *route53.Router, wrote bool,
	diags *diag.Diagnostics) (*dnsSwitchModel, bool) {
	if !wrote {
		return nil, false
	}
	rctx, cancel := ioContext(ctx)
	defer cancel()
	st, _, err := router.Existing(rctx)
	if err != nil {
		diags.AddWarning("Could not read back the record sets", fmt.Sprintf("%s; the next refresh reads them again.", err))
		if prior == nil {
			return nil, false
		}
		return prior, true
	}
	state := *plan
	var ps *switchModel
	active := traffic.Color(plan.ActiveColor.ValueString())
	if prior != nil {
		ps = &prior.switchModel
		active = state.keepPriorIntent(ps, active)
		state.LastShift = prior.LastShift
	}
	state.settleComputed(ps)
	state.recordTruth(st.Weights, deriveStatus(st.Weights, active, state.share(), nil, ""), active)
	return &state, true
}

// syncRecords makes the record sets what the configuration says, keeping
// their weights, in one batch: it creates missing ones (both: all traffic
// on to, after its pre-flight passes; one: weight 0) and rewrites a shape
// that differs. It refuses to change the target of a color that receives
// traffic. It reports whether it wrote.
func (r *dnsSwitchResource) syncRecords(ctx context.Context, plan *dnsSwitchModel, router *route53.Router, to traffic.Color, diags *diag.Diagnostics) bool {
	st, found, err := router.Existing(ctx)
	if err != nil {
		diags.AddError("Error reading record sets", err.Error())
		return false
	}
	weights := effectiveWeights(st.Weights, found)
	if !found[0] && !found[1] {
		weights = traffic.Split(to, 100)
		if !r.runPreflight(ctx, plan, to, diags) {
			return false
		}
	}
	want := [2]route53.Record{plan.want(ctx, traffic.Blue, weights.Blue), plan.want(ctx, traffic.Green, weights.Green)}
	have := [2]route53.Record{st.Blue, st.Green}
	change := false
	for i, c := range []traffic.Color{traffic.Blue, traffic.Green} {
		switch {
		case !found[i]:
			change = true
		case !have[i].SameTarget(want[i]) && weights.Of(c) > 0:
			movingTargetError(c, weights.Of(c), diags)
			return false
		case !have[i].SameShape(want[i]):
			change = true
		}
	}
	if !change && weights == st.Weights {
		return false
	}
	if err := router.Write(ctx, want[0], want[1]); err != nil {
		diags.AddError("Error writing record sets", err.Error())
		return false
	}
	if err := router.Settle(ctx); err != nil {
		diags.AddError("Record sets written but not yet served", fmt.Sprintf("%s. The record sets are written; the next apply continues from them.", err))
	}
	return true
}

// runPreflight evaluates the pre-flight of color to once; every result must pass.
func (r *dnsSwitchResource) runPreflight(ctx context.Context, plan *dnsSwitchModel, to traffic.Color, diags *diag.Diagnostics) bool {
	pre := r.preflight(ctx, plan, to, diags)
	if diags.HasError() {
		return false
	}
	if len(pre) == 0 {
		r.requirePreflight(plan, to, "creating the record sets with all traffic on "+string(to), diags)
		return false
	}
	if bad := checks.FirstNotPassing(rollout.Evaluate(ctx, r.clock(), 0, pre)); bad != nil {
		diags.AddError("Pre-flight check refused the record sets",
			fmt.Sprintf("The new record sets would send all traffic to %s at once, but %s. No record set was created.", to, bad))
		return false
	}
	return true
}

func priorSwitchDNS(m *dnsSwitchModel) *switchModel {
	if m == nil {
		return nil
	}
	return &m.switchModel
}

// Read records the real weights (drift) and the record sets' shape. Both
// record sets gone removes the switch from state; one gone reads as weight 0
// (the next apply recreates it with weight 0).
func (r *dnsSwitchResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state dnsSwitchModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if state.Blue == nil || state.Green == nil {
		resp.Diagnostics.AddError("Invalid state", "the switch's state has no blue or green record set; import it again.")
		return
	}
	router, err := r.routerFor(&state)
	if err != nil {
		resp.Diagnostics.AddError("Invalid record", err.Error())
		return
	}
	st, found, err := router.Existing(ctx)
	switch {
	case errors.Is(err, route53.ErrNotFound) || (err == nil && !found[0] && !found[1]):
		what := "record " + router.Config().Name + " " + state.recordType()
		if err != nil {
			what = err.Error()
		}
		resp.Diagnostics.AddWarning("Switch target gone", fmt.Sprintf("%s: not found; the switch is removed from state.", what))
		resp.State.RemoveResource(ctx)
		return
	case err != nil:
		resp.Diagnostics.AddError("Error reading record sets", err.Error())
		return
	}
	for i, c := range []traffic.Color{traffic.Blue, traffic.Green} {
		if !found[i] {
			resp.Diagnostics.AddWarning(fmt.Sprintf("The %s record set is gone", c), fmt.Sprintf("Set identifier %q of %s no longer exists; "+
				"it reads as weight 0 and the next apply creates it again (with weight 0).", state.color(c).SetIdentifier.ValueString(), router.Config().Name))
			continue
		}
		rec := st.Blue
		if c == traffic.Green {
			rec = st.Green
		}
		readShape(ctx, &state, state.color(c), rec)
	}
	if state.DeleteRecordsOnDestroy.IsNull() {
		state.DeleteRecordsOnDestroy = types.BoolValue(false)
	}
	if !known(state.Type) {
		state.Type = types.StringValue(state.recordType())
	}
	state.ID = types.StringValue(dnsID(&state))
	readSwitch(&state.switchModel, st.Weights)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// readShape writes what a record set really is into the color's state,
// keeping the configuration's spelling where Route 53 means the same thing.
func readShape(ctx context.Context, m *dnsSwitchModel, cm *dnsColorModel, rec route53.Record) {
	cm.HealthCheckID = types.StringNull()
	if id := aws.ToString(rec.HealthCheckID); id != "" {
		cm.HealthCheckID = types.StringValue(id)
	}
	if a := rec.Alias; a != nil {
		prev := cm.Alias
		cm.Alias = &dnsAliasModel{Name: types.StringValue(strings.TrimSuffix(aws.ToString(a.DNSName), ".")),
			ZoneID: types.StringValue(aws.ToString(a.HostedZoneId)), EvaluateTargetHealth: types.BoolValue(a.EvaluateTargetHealth)}
		if prev != nil && known(prev.Name) && route53.CanonicalName(prev.Name.ValueString()) == route53.CanonicalName(aws.ToString(a.DNSName)) {
			cm.Alias.Name = prev.Name
		}
		cm.Records = types.SetNull(types.StringType)
		return
	}
	cm.Alias = nil
	var prevVals []string
	if known(cm.Records) {
		_ = cm.Records.ElementsAs(ctx, &prevVals, false)
	}
	if !(route53.Record{Values: prevVals}).SameTarget(route53.Record{Values: rec.Values}) {
		vals := make([]attr.Value, len(rec.Values))
		for i, v := range rec.Values {
			vals[i] = types.StringValue(v)
		}
		cm.Records = types.SetValueMust(types.StringType, vals)
	}
	if ttl := aws.ToInt64(rec.TTL); !(m.TTL.IsNull() && ttl == defaultDNSTTL) {
		m.TTL = types.Int64Value(ttl)
	}
}

// Delete leaves the record sets, and so the traffic, where they are, unless
// delete_records_on_destroy is set.
func (r *dnsSwitchResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state dnsSwitchModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !state.DeleteRecordsOnDestroy.ValueBool() || state.Blue == nil || state.Green == nil {
		return
	}
	router, err := r.routerFor(&state)
	if err != nil {
		resp.Diagnostics.AddError("Invalid record", err.Error())
		return
	}
	if err := router.Delete(ctx); err != nil {
		resp.Diagnostics.AddError("Error deleting record sets", err.Error())
	}
}

// ImportState imports by "<zone_id>/<name>/<type>/<blue set_identifier>/<green
// set_identifier>"; Read fills in the record sets' shape and weights, and
// active_color is the color with more weight.
func (r *dnsSwitchResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	parts := strings.Split(req.ID, "/")
	if len(parts) != 5 || slicesContainEmpty(parts) {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf(
			"Import a bluegreen_dns_switch by \"<zone_id>/<name>/<type>/<blue set_identifier>/<green set_identifier>\", "+
				"e.g. \"Z0123456789ABC/app.example.com/A/blue/green\" (set identifiers containing \"/\" cannot be imported this way); got %q.", req.ID))
		return
	}
	typ := strings.ToUpper(parts[2])
	if typ != "A" && typ != "AAAA" && typ != "CNAME" {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("record type %q: a DNS switch manages A, AAAA or CNAME records.", parts[2]))
		return
	}
	color := func(id string) *dnsColorModel {
		return &dnsColorModel{SetIdentifier: types.StringValue(id), Records: types.SetNull(types.StringType), HealthCheckID: types.StringNull()}
	}
	for _, a := range []struct {
		p path.Path
		v any
	}{
		{path.Root("id"), req.ID}, {path.Root("zone_id"), parts[0]}, {path.Root("name"), parts[1]}, {path.Root("type"), typ},
		{path.Root("blue"), color(parts[3])}, {path.Root("green"), color(parts[4])},
		{path.Root("delete_records_on_destroy"), false},
	} {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, a.p, a.v)...)
	}
}

func slicesContainEmpty(ss []string) bool {
	for _, s := range ss {
		if strings.TrimSpace(s) == "" {
			return true
		}
	}
	return false
}

// effectiveWeights are the weights that give the answers Route 53 gives now.
// Route 53 answers weight-0 record sets only when every set of the name has
// weight 0, and then with equal probability: one existing set at 0 gets all
// the traffic, two get half each. Writing these weights moves no answer.
func effectiveWeights(w traffic.Weights, found [2]bool) traffic.Weights {
	if w != (traffic.Weights{}) {
		return w
	}
	switch {
	case found[0] && found[1]:
		return traffic.Weights{Blue: 50, Green: 50}
	case found[0]:
		return traffic.Split(traffic.Blue, 100)
	case found[1]:
		return traffic.Split(traffic.Green, 100)
	}
	return w
}

// canonicalZoneID is a hosted zone ID without the /hostedzone/ prefix.
func canonicalZoneID(id string) string {
	return strings.TrimPrefix(strings.TrimSpace(id), "/hostedzone/")
}

// differsAfter is a RequiresReplaceIf condition: replace only when the state
// and plan values differ once canonicalized (a respelling is an update).
func differsAfter(canon func(string) string) stringplanmodifier.RequiresReplaceIfFunc {
	return func(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
		resp.RequiresReplace = !known(req.PlanValue) || canon(req.StateValue.ValueString()) != canon(req.PlanValue.ValueString())
	}
}

// replacedRecords names what makes plan a switch over other record sets than
// prior's ("" when they are the same record sets).
func replacedRecords(prior, plan *dnsSwitchModel) string {
	switch {
	case canonicalZoneID(prior.ZoneID.ValueString()) != canonicalZoneID(plan.ZoneID.ValueString()):
		return "zone_id"
	case route53.CanonicalName(prior.Name.ValueString()) != route53.CanonicalName(plan.Name.ValueString()):
		return "name"
	case known(plan.Type) && prior.recordType() != plan.Type.ValueString():
		return "type"
	case prior.Blue != nil && plan.Blue != nil && !prior.Blue.SetIdentifier.Equal(plan.Blue.SetIdentifier):
		return "blue.set_identifier"
	case prior.Green != nil && plan.Green != nil && !prior.Green.SetIdentifier.Equal(plan.Green.SetIdentifier):
		return "green.set_identifier"
	}
	return ""
}

// UpgradeState upgrades state of schema version 0 (see checksStateUpgraders).
func (r *dnsSwitchResource) UpgradeState(ctx context.Context) map[int64]resource.StateUpgrader {
	return checksStateUpgraders(ctx, r, "rollback_on")
}
