package provider

import (
	"context"
	"fmt"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/alb"
)

// A rollback must move every client back, sticky ones too. With group
// stickiness on, ALB keeps a client on the group its AWSALBTG cookie names
// for the whole duration, and AWS documents no exception for a group whose
// weight is 0 — so writing blue=100 green=0 alone would leave the clients
// stuck to the bad color there. The ALB router's SetRestore writes the
// restore with group stickiness off (see internal/traffic/alb/restore.go);
// it stays off until the next apply turns it on again with its first write
// (state records it off, so the next plan shows the change), and
// last_shift.reason says so.

var _ rollout.RestoreRouter = guardedRouter{}

// SetRestore is the restore write, owner-checked like every write of the
// switch.
func (g guardedRouter) SetRestore(ctx context.Context, w traffic.Weights) error {
	if err := g.check(ctx); err != nil {
		return err
	}
	return g.Router.SetRestore(ctx, w)
}

// noteStickyRestore adds to an outcome's reason that its restore turned
// group stickiness off, when a restore write did (even one whose read-back
// then failed: the write landed). managed: the switch's stickiness
// attribute is set, so its next apply turns stickiness on again; otherwise
// whoever manages it must.
func noteStickyRestore(out *rollout.Outcome, router *alb.Router, managed bool) {
	was, ok := router.StickinessSuspended()
	if !ok {
		return // no restore wrote, or none turned stickiness off
	}
	again := "the next apply turns it on again"
	if !managed {
		again = "this switch does not manage stickiness (no stickiness attribute): turn it on again where it is managed, " +
			"once the cookies for " + string(out.To) + " have expired"
	}
	out.Reason += fmt.Sprintf("; group stickiness (%s) turned off in the same write, so that clients stuck to %s follow the restored weights "+
		"at once (ALB keeps a client on its group for the stickiness duration, even at weight 0); %s",
		was.Duration, out.To, again)
}
