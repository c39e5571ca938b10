package elbv2

import "github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/awserr"

// Network Load Balancer specifics of the control plane.
//
// What the sandbox relies on (AWS documentation, by title):
//   - "Listeners for your Network Load Balancers" (Elastic Load Balancing,
//     Network Load Balancers guide): listener protocols TCP, TLS, UDP,
//     TCP_UDP, QUIC, TCP_QUIC; a TCP_UDP listener needs TCP_UDP target groups,
//     a TCP_QUIC listener TCP_QUIC ones; the default action forwards to one
//     target group or distributes connections among several by weight (0–999
//     each, a group of weight 0 gets no traffic); after a weight change new
//     connections follow the new weights and existing connections are not
//     affected. The listener has its default action only: the rule it
//     describes is the default one, with no conditions.
//   - AWS blog "Network Load Balancers now support Weighted Target Groups":
//     weights 0–999 per group, set with ModifyListener's forward ForwardConfig.
//   - API reference, TargetGroupStickinessConfig: "Information about the
//     target group stickiness for a rule". Target group stickiness is the
//     ALB's cookie-based stickiness between the groups of a forward (ALB
//     guide, "Listeners for your Application Load Balancers", forward
//     actions); an NLB is a layer-4 load balancer with no cookie to carry it,
//     and its guide documents no group stickiness on forwards (an NLB target
//     group has source-IP stickiness as a target group attribute instead).
//
// The documentation gives no error text for a rule on an NLB listener or for
// enabled group stickiness on an NLB forward: the codes below follow what AWS
// answers for the neighbouring NLB refusals quoted in public issues
// (ValidationError "You cannot specify a target group weight on load
// balancers of type 'network'", before weighted groups existed on NLBs), and
// the wording is the sandbox's own.

// rulesSupported refuses listener rules on a load balancer that has none
// (Network and Gateway Load Balancers route by their default action only).
func rulesSupported(lb *loadBalancer) *awserr.Error {
	if lb.typ == lbTypeApplication {
		return nil
	}
	return validation("You cannot create rules on listeners of load balancers of type '%s'", lb.typ)
}

// nlbForwardStickiness refuses enabled target group stickiness on a forward
// of a Network Load Balancer listener; a disabled stickiness config (what
// DescribeListeners reports and clients send back unchanged) is accepted.
func nlbForwardStickiness(a *action, lb *loadBalancer) *awserr.Error {
	if lb == nil || lb.typ != lbTypeNetwork {
		return nil
	}
	if a.stickEnabled != nil && *a.stickEnabled {
		return validation("You cannot enable target group stickiness on load balancers of type '%s'", lb.typ)
	}
	return nil
}
