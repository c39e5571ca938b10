package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsarn"
)

// Network Load Balancer listeners in bluegreen_listener_switch.
//
// An NLB listener's default action takes the same weighted forward as an
// ALB's (0–999 per target group, written with ModifyListener; AWS blog
// "Network Load Balancers now support Weighted Target Groups"; "Listeners for
// your Network Load Balancers" in the NLB guide), so listener mode works
// unchanged through the ALB router. What an NLB does not have is refused at
// plan, naming the attribute:
//   - listener rules: an NLB listener has its default action only, so rule
//     mode (`rule`) cannot create one;
//   - target group stickiness on the forward: that is the ALB's cookie-based
//     group stickiness (API reference, TargetGroupStickinessConfig: "for a
//     rule"); a layer-4 NLB has no cookie to carry it;
//   - `rollback_on.metrics` on the NLB itself: the check reads the ALB's HTTP
//     metrics (AWS/ApplicationELB HTTPCode_Target_5XX_Count, RequestCount,
//     TargetResponseTime). An NLB publishes AWS/NetworkELB, which has no HTTP
//     status codes or per-request latency, so there is nothing faithful to
//     map the 5xx rate or p99 latency to. A metrics check of an ALB behind the
//     NLB (load_balancer_arn set to it) is allowed.
// Weights apply per new connection, not per request: long-lived connections
// stay where they are until they close.

const elbService = "elasticloadbalancing"

// isNLBListener reports whether arn is a Network Load Balancer listener ARN.
func isNLBListener(arn string) bool { return strings.Contains(arn, ":listener/net/") }

// lbListenerARNValidator accepts the listener ARN of an Application Load
// Balancer (listener/app/…) or of a Network Load Balancer (listener/net/…).
type lbListenerARNValidator struct{}

func (lbListenerARNValidator) Description(context.Context) string {
	return "must be the ARN of an ALB listener (listener/app/…) or an NLB listener (listener/net/…)"
}

func (v lbListenerARNValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (lbListenerARNValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	stringCheck{check: checkLBListenerARN}.ValidateString(ctx, req, resp)
}

func checkLBListenerARN(s string) error {
	if isNLBListener(s) {
		return awsarn.Check(s, elbService, "listener/net/")
	}
	if err := awsarn.Check(s, elbService, "listener/app/"); err != nil {
		return fmt.Errorf("%w (or an NLB listener, listener/net/…)", err)
	}
	return nil
}

// validateNLBSwitch refuses what a Network Load Balancer listener does not
// support (from ValidateConfig). It acts on known values only; Terraform
// validates the configuration again during apply, with the values known by
// then, so a listener created in the same apply is refused there, before the
// switch writes anything (TestAccNLB_refusedWhenListenerKnownOnlyAtApply).
func validateNLBSwitch(m *listenerSwitchModel, diags *diag.Diagnostics) {
	if rl := m.Rule; rl != nil && known(rl.ListenerARN) && isNLBListener(rl.ListenerARN.ValueString()) {
		diags.AddAttributeError(path.Root("rule").AtName("listener_arn"), "Rule mode on a Network Load Balancer",
			"rule.listener_arn is a Network Load Balancer listener (listener/net/…). NLB listeners have no rules, only a default "+
				"action, so the switch cannot create a rule there. Use listener_arn instead: the switch then owns the forward "+
				"weights of the listener's default action (NLBs accept weighted target groups on it).")
		return
	}
	if !known(m.ListenerARN) || !isNLBListener(m.ListenerARN.ValueString()) {
		return
	}
	if m.Stickiness != nil {
		diags.AddAttributeError(path.Root("stickiness"), "Target group stickiness on a Network Load Balancer",
			"listener_arn is a Network Load Balancer listener. stickiness is the ALB's cookie-based target group stickiness of a "+
				"forward; an NLB balances connections (layer 4) and has no group stickiness. Remove stickiness; for client "+
				"affinity to targets use the target group's own source-IP stickiness (aws_lb_target_group stickiness type "+
				"\"source_ip\"), which keeps a client on one target within a color.")
	}
	if rb := m.RollbackOn; rb != nil && rb.Metrics != nil && rb.Metrics.LoadBalancerARN.IsNull() {
		diags.AddAttributeError(path.Root("rollback_on").AtName("metrics"), "ALB metrics check on a Network Load Balancer",
			"listener_arn is a Network Load Balancer listener, and rollback_on.metrics reads the ALB's HTTP metrics "+
				"(AWS/ApplicationELB 5xx count, request count, response time). An NLB publishes AWS/NetworkELB metrics, which "+
				"have no HTTP status codes or request latency to judge. Use rollback_on.http (requests through the NLB or to the "+
				"receiving color), rollback_on.alarm_names (CloudWatch alarms on AWS/NetworkELB metrics such as TCP_Target_Reset_Count "+
				"or UnHealthyHostCount) or rollback_on.target_health; or set rollback_on.metrics.load_balancer_arn to an ALB "+
				"behind the NLB.")
	}
}
