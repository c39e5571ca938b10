package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/podreadiness"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// What the two Kubernetes switches share: the pod_readiness check of the
// receiving color (pre-flight, and watched during every step and the bake),
// the refusal of the AWS-only checks, and reading the weights at plan time.

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
