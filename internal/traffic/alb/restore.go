package alb

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// # Restores and group stickiness
//
// With group stickiness on, ALB sends a client that holds an AWSALBTG cookie
// to the group named in it for the stickiness duration: AWS documents the
// duration as "the time period, in seconds, during which requests from a
// client should be routed to the same target group"
// (TargetGroupStickinessConfig, Elastic Load Balancing API Reference) and
// documents no exception for a group whose weight drops to 0. A rollback that
// only writes blue=100 green=0 would leave every client stuck to green on
// the release it rolled back from — for up to the duration (the docs'
// example: 1h).
//
// SetRestore therefore writes the restored weights with group stickiness
// turned off, in the same ModifyListener/ModifyRule call: with it off the
// cookie is ignored, so every client's next request follows the weights.
// It stays off after the restore: turned back on, an unexpired cookie for
// the rolled-back color would pull its client straight back there. The
// next write that carries SetStickiness (the switch's next apply) turns it
// on again. StickinessSuspended says what a restore turned off.

// SetRestore writes w as a rollback's restore: like Set, and with the
// forward's group stickiness turned off when it is on (see above). The
// router keeps it off for later writes until SetStickiness is called again.
// It honours the router contract like Set: Read afterwards returns exactly w.
func (r *Router) SetRestore(ctx context.Context, w traffic.Weights) error {
	return r.set(ctx, w, true)
}

// StickinessSuspended returns the group stickiness a restore write turned
// off, and false when no restore did.
func (r *Router) StickinessSuspended() (Stickiness, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.suspended == nil {
		return Stickiness{}, false
	}
	return *r.suspended, true
}

// unstick turns the group stickiness of the forward at index off in actions
// (already a patched copy) and returns what was on, or nil when it was off.
func unstick(actions []types.Action, index int) *Stickiness {
	fc := actions[index].ForwardConfig
	if fc == nil || fc.TargetGroupStickinessConfig == nil || !aws.ToBool(fc.TargetGroupStickinessConfig.Enabled) {
		return nil
	}
	was := &Stickiness{Enabled: true, Duration: time.Duration(aws.ToInt32(fc.TargetGroupStickinessConfig.DurationSeconds)) * time.Second}
	fc.TargetGroupStickinessConfig = &types.TargetGroupStickinessConfig{Enabled: aws.Bool(false)}
	return was
}

// noteUnstuck records a restore that turned stickiness off (r.mu held), and
// makes later writes keep it off.
func (r *Router) noteUnstuck(was *Stickiness) {
	if was == nil {
		return
	}
	r.suspended = was
	r.stickiness = &Stickiness{}
}
