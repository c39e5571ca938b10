package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/alarms"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/cloudwatchmetrics"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/targethealth"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
)

// The checks schema is defined once here and used by the switch's
// rollback_on and by bluegreen_health_gate, so both accept exactly the same
// checks with the same meaning.

// checksModel is the checks themselves, shared by the gate and the switch.
type checksModel struct {
	TargetHealth *targetHealthCheckModel `tfsdk:"target_health"`
	Metrics      *metricsCheckModel      `tfsdk:"metrics"`
	AlarmNames   types.List              `tfsdk:"alarm_names"`
}

// rollbackOnModel is the switch's rollback_on: the checks plus how many bad
// evaluations make a breach.
type rollbackOnModel struct {
	checksModel
	EvaluationInterval types.String `tfsdk:"evaluation_interval"`
	FailureThreshold   types.Int64  `tfsdk:"failure_threshold"`
	InconclusiveLimit  types.Int64  `tfsdk:"inconclusive_limit"`
	FailClosed         types.Bool   `tfsdk:"fail_closed"`
}

type targetHealthCheckModel struct {
	TargetGroupARN    types.String  `tfsdk:"target_group_arn"`
	MinHealthyPercent types.Float64 `tfsdk:"min_healthy_percent"`
	MinHealthyCount   types.Int64   `tfsdk:"min_healthy_count"`
}

type metricsCheckModel struct {
	LoadBalancerARN types.String  `tfsdk:"load_balancer_arn"`
	TargetGroupARN  types.String  `tfsdk:"target_group_arn"`
	Max5xxRate      types.Float64 `tfsdk:"max_5xx_rate"`
	MaxP99Latency   types.String  `tfsdk:"max_p99_latency"`
	MinRequests     types.Int64   `tfsdk:"min_requests"`
	Window          types.String  `tfsdk:"window"`
}

// Defaults of the tolerance knobs.
const (
	defaultEvaluationInterval = 30 * time.Second
	defaultFailureThreshold   = 2
)

// rollbackOnTolerance are the attributes that turn bad evaluations into a
// breach (the switch's rollback_on only; a gate simply keeps trying).
func rollbackOnTolerance() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"evaluation_interval": schema.StringAttribute{
			Optional:            true,
			MarkdownDescription: fmt.Sprintf("How often the checks are evaluated, a Go duration from `1s` to `1h`. Default `%s`.", defaultEvaluationInterval),
			Validators:          []validator.String{durationValidator{min: time.Second, max: time.Hour}},
		},
		"failure_threshold": schema.Int64Attribute{
			Optional:            true,
			MarkdownDescription: fmt.Sprintf("Consecutive failed evaluations of one check that count as a breach, 1–100. Default `%d`.", defaultFailureThreshold),
			Validators:          []validator.Int64{int64validator.Between(1, 100)},
		},
		"inconclusive_limit": schema.Int64Attribute{
			Optional: true,
			MarkdownDescription: fmt.Sprintf("Consecutive inconclusive evaluations of one check (e.g. fewer requests than "+
				"`min_requests`) that are tolerated; each one beyond counts as a failed evaluation. `0` = none tolerated. Default `%d`.",
				rollout.DefaultInconclusiveLimit),
			Validators: []validator.Int64{int64validator.Between(0, 1000)},
		},
		"fail_closed": schema.BoolAttribute{
			Optional: true,
			MarkdownDescription: fmt.Sprintf("When `true` (default), a check that cannot measure (API error, missing alarm) "+
				"%d times in a row counts as failed. `false` ignores such errors: only measured failures count.", rollout.DefaultErrorLimit),
		},
	}
}

// checksSchemaParts returns the attributes and blocks of the checks, defined
// once for the gate and the switch. subject says what the checks judge when
// no target group is given; "" means a target group is required.
func checksSchemaParts(subject string) (map[string]schema.Attribute, map[string]schema.Block) {
	defaultTG := "Default: " + subject + "."
	if subject == "" {
		subject = "the given target group"
		defaultTG = "Required."
	}
	attrs := map[string]schema.Attribute{
		"alarm_names": schema.ListAttribute{
			ElementType: types.StringType, Optional: true,
			MarkdownDescription: "CloudWatch alarms (1–100 names): any alarm in `ALARM` fails the evaluation. " +
				"An alarm that cannot be read (missing, API error) is an error verdict (fail closed). `INSUFFICIENT_DATA` passes.",
			Validators: []validator.List{listvalidator.SizeBetween(1, 100), listvalidator.UniqueValues()},
		},
	}
	blocks := map[string]schema.Block{
		"target_health": schema.SingleNestedBlock{
			MarkdownDescription: "Healthy targets (ELBv2 DescribeTargetHealth) of " + subject + ". Draining targets are not counted.",
			Attributes: map[string]schema.Attribute{
				"target_group_arn": schema.StringAttribute{
					Optional:            true,
					MarkdownDescription: "Target group to check. " + defaultTG,
					Validators:          []validator.String{arnValidator{service: "elasticloadbalancing", resource: "targetgroup/"}},
				},
				"min_healthy_percent": schema.Float64Attribute{
					Optional: true, MarkdownDescription: "Minimum share of registered targets that must be healthy, 0–100. Default `0` (not checked).",
					Validators: []validator.Float64{float64validator.Between(0, 100)},
				},
				"min_healthy_count": schema.Int64Attribute{
					Optional: true, MarkdownDescription: "Minimum number of healthy targets, at least 1. Default `1`.",
					Validators: []validator.Int64{int64validator.AtLeast(1)},
				},
			},
		},
		"metrics": schema.SingleNestedBlock{
			MarkdownDescription: "CloudWatch `AWS/ApplicationELB` metrics of " + subject + " (one GetMetricData call per evaluation): " +
				"5xx rate = `HTTPCode_Target_5XX_Count` / `RequestCount`, and `TargetResponseTime` p99. " +
				"Fewer than `min_requests` requests in the window is inconclusive, not a pass. At least one of `max_5xx_rate` and `max_p99_latency` is required.",
			Attributes: map[string]schema.Attribute{
				"load_balancer_arn": schema.StringAttribute{
					Optional:            true,
					MarkdownDescription: "ALB whose metrics are read (the `LoadBalancer` dimension). Default: the load balancer of the switch's listener (required in a gate).",
					Validators:          []validator.String{arnValidator{service: "elasticloadbalancing", resource: "loadbalancer/app/"}},
				},
				"target_group_arn": schema.StringAttribute{
					Optional:            true,
					MarkdownDescription: "Target group whose metrics are read (the `TargetGroup` dimension). " + defaultTG,
					Validators:          []validator.String{arnValidator{service: "elasticloadbalancing", resource: "targetgroup/"}},
				},
				"max_5xx_rate": schema.Float64Attribute{
					Optional: true, MarkdownDescription: "Largest acceptable share of target 5xx responses, a fraction from 0 to 1 (`0.05` = 5 %).",
					Validators: []validator.Float64{float64validator.Between(0, 1)},
				},
				"max_p99_latency": schema.StringAttribute{
					Optional: true, MarkdownDescription: "Largest acceptable p99 target response time, a Go duration such as `800ms`.",
					Validators: []validator.String{durationValidator{min: time.Millisecond}},
				},
				"min_requests": schema.Int64Attribute{
					Optional: true, MarkdownDescription: "Requests needed in the window for a verdict; fewer is inconclusive. Default `0`.",
					Validators: []validator.Int64{int64validator.AtLeast(0)},
				},
				"window": schema.StringAttribute{
					Optional: true, MarkdownDescription: "How far back each evaluation looks, `1m` to `1h`, rounded up to whole minutes (ALB metrics have one-minute resolution). Default `1m`.",
					Validators: []validator.String{durationValidator{min: time.Minute, max: time.Hour}},
				},
			},
		},
	}
	return attrs, blocks
}

// validateChecks reports what the attribute validators cannot see: a metrics
// block with no threshold.
func validateChecks(c *checksModel, at path.Path, diags *diag.Diagnostics) {
	if c == nil || c.Metrics == nil {
		return
	}
	m := c.Metrics
	if m.Max5xxRate.IsNull() && m.MaxP99Latency.IsNull() {
		diags.AddAttributeError(at.AtName("metrics"), "Metrics check without a threshold",
			"The metrics block needs max_5xx_rate, max_p99_latency or both: without a threshold it can never fail.")
	}
}

// checkTarget is what the checks judge by default.
type checkTarget struct {
	TargetGroupARN string
	// LoadBalancer is an ALB, listener or rule ARN (the metrics dimension is derived from it).
	LoadBalancer string
}

// checkSet is a checks block turned into engine inputs.
type checkSet struct {
	Checks             []rollout.Check
	EvaluationInterval time.Duration
	FailureThreshold   int
	InconclusiveLimit  int
	ErrorLimit         int
}

// expandRollbackOn builds the rollback_on checks and tolerance knobs.
func expandRollbackOn(ctx context.Context, d *providerData, c *rollbackOnModel, target checkTarget, now func() time.Time, at path.Path, diags *diag.Diagnostics) checkSet {
	set := checkSet{EvaluationInterval: defaultEvaluationInterval, FailureThreshold: defaultFailureThreshold}
	if c == nil {
		return set
	}
	set.Checks = expandChecks(ctx, d, &c.checksModel, target, now, at, diags)
	if v := durationOr(c.EvaluationInterval, defaultEvaluationInterval); v > 0 {
		set.EvaluationInterval = v
	}
	if !c.FailureThreshold.IsNull() {
		set.FailureThreshold = int(c.FailureThreshold.ValueInt64())
	}
	if !c.InconclusiveLimit.IsNull() {
		set.InconclusiveLimit = int(c.InconclusiveLimit.ValueInt64())
		if set.InconclusiveLimit == 0 {
			set.InconclusiveLimit = rollout.ZeroTolerance
		}
	}
	if !c.FailClosed.IsNull() && !c.FailClosed.ValueBool() {
		set.ErrorLimit = rollout.UnlimitedTolerance
	}
	return set
}

// expandChecks builds the checks of a checks block against target.
func expandChecks(ctx context.Context, d *providerData, c *checksModel, target checkTarget, now func() time.Time, at path.Path, diags *diag.Diagnostics) []rollout.Check {
	var out []rollout.Check
	if th := c.TargetHealth; th != nil {
		tg := target.TargetGroupARN
		if !th.TargetGroupARN.IsNull() {
			tg = th.TargetGroupARN.ValueString()
		}
		chk := targethealth.New(d.Clients.ELBv2, tg, int(th.MinHealthyCount.ValueInt64()), th.MinHealthyPercent.ValueFloat64())
		chk.Now = now
		out = append(out, chk)
	}
	if m := c.Metrics; m != nil {
		cfg := cloudwatchmetrics.Config{
			LoadBalancer:  target.LoadBalancer,
			TargetGroup:   target.TargetGroupARN,
			Window:        durationOr(m.Window, time.Minute),
			MaxP99Latency: durationOr(m.MaxP99Latency, 0),
			MinRequests:   int(m.MinRequests.ValueInt64()),
			Now:           now,
		}
		if !m.LoadBalancerARN.IsNull() {
			cfg.LoadBalancer = m.LoadBalancerARN.ValueString()
		}
		if !m.TargetGroupARN.IsNull() {
			cfg.TargetGroup = m.TargetGroupARN.ValueString()
		}
		if !m.Max5xxRate.IsNull() {
			r := m.Max5xxRate.ValueFloat64()
			cfg.Max5xxRate = &r
		}
		chk, err := cloudwatchmetrics.New(d.Clients.CloudWatch, cfg)
		if err != nil {
			diags.AddAttributeError(at.AtName("metrics"), "Invalid metrics check", err.Error())
		} else {
			out = append(out, chk)
		}
	}
	if !c.AlarmNames.IsNull() && !c.AlarmNames.IsUnknown() {
		var names []string
		diags.Append(c.AlarmNames.ElementsAs(ctx, &names, false)...)
		chk := alarms.New(d.Clients.CloudWatch, names)
		chk.Now = now
		out = append(out, chk)
	}
	return out
}
