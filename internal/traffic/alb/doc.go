// Package alb is the traffic router for AWS Application Load Balancers: it
// reads and writes the forward weights between a blue and a green target group
// on a listener's default actions (NewListenerRouter) or on one listener rule
// (NewRuleRouter).
//
// The listener router works on Network Load Balancer listeners as well: an
// NLB listener's default action takes the same weighted forward (0–999 per
// group; AWS blog "Network Load Balancers now support Weighted Target
// Groups"), read and written with the same DescribeListeners and
// ModifyListener calls. NLBs have no listener rules, so NewRuleRouter is for
// ALBs only, and an NLB applies weights per connection, not per request.
//
// It talks to ELBv2 through narrow interfaces made of the SDK client's own
// method sets (ListenerAPI, RuleAPI), so *elasticloadbalancingv2.Client
// satisfies them and tests use small hand-written fakes. It knows nothing of
// the rollout engine or of Terraform.
//
// # Adoption (what Read accepts)
//
// The action list must contain exactly one forward action whose target groups
// are the blue group, the green group, or both. Anything else is refused with
// *UnsupportedActionError, whose message says what was found: a forward that
// includes any other target group, or no forward at all (fixed-response,
// redirect). Actions that run before the forward (authenticate-oidc,
// authenticate-cognito, jwt-validation) are allowed and preserved.
//
// # Weight scale
//
// Read returns the raw ALB weights of a two-group forward. A forward naming a
// single group — the legacy TargetGroupArn form, or a ForwardConfig with one
// tuple — has no meaningful weight (ALB reports 1, or nothing), so it reads as
// 100 for that group and 0 for the other: the percent scale the engine writes.
// A tuple in a two-group forward that carries no weight reads as 1, the
// weight ALB gives it. Only the ratio matters; see traffic.Weights.
//
// # Writing (what Set changes)
//
// Set rewrites only the forward action: it always sends a ForwardConfig
// naming both groups with explicit weights (0 allowed), never the legacy
// TargetGroupArn, and never drops a group, so a later Read returns exactly
// what was written. Every other action, each action's Order, and the forward's
// group stickiness are sent back unchanged — unless SetStickiness was called,
// in which case that stickiness is written in the same ModifyListener /
// ModifyRule call as the weights. Authenticate-OIDC actions come back from
// Describe without their client secret, so Set marks them
// UseExistingClientSecret (otherwise ALB would reject the write).
//
// ALB has no conditional write, so Set must start from a fresh copy of the
// action list. To keep a flip at three calls (read, write, verify-read), Set
// reuses the action list fetched by the Read or Describe that immediately
// preceded it on this router — the snapshot is consumed by that one Set and
// dropped by any failure. Without such a Read, Set describes first. The
// rollout engine always reads right before it writes.
//
// # Errors
//
// Set is all-or-nothing: ModifyListener and ModifyRule replace the whole
// action list at once, and when the call returns an error Set reads the
// action list back (on a context that ignores the caller's cancellation,
// bounded to 10 s). If the new weights are there — the request was applied
// but its answer was lost — Set returns nil; otherwise the error, and
// nothing was written.
//
// # Several points in lockstep
//
// Lockstep moves several listeners and rules that forward to the same blue
// and green groups as one switch point: Set writes each in order and, when
// one write fails, writes the ones before it back to their previous weights
// before returning the error (a write-back that fails too is reported as a
// *LockstepError naming each point and what it forwards). Describe reports
// points that disagree as a *PointsError; Read then returns the weights of
// the first point that differs from what the Lockstep last wrote, so that the
// rollout engine sees another writer's change on any point.
//
// Every error names the operation and the ARN ("modifying listener arn:…:
// …"). A listener or rule that no longer exists yields an error for which
// errors.Is(err, ErrNotFound) holds. The AWS client already retries throttling
// and transient faults; this package does not retry again.
package alb
