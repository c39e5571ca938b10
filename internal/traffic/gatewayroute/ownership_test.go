package gatewayroute

import (
	"context"
	"errors"
	"testing"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/testenv"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/routertest"
)

// TestOwnership_twoSwitchesNeverWriteOneRoute: the first claim wins, a
// second owner is refused, a router with another owner refuses to write
// even when its Read came before the claim, an explicit take-over moves the
// mark, and Release removes only one's own mark.
func TestOwnership_twoSwitchesNeverWriteOneRoute(t *testing.T) {
	kube := testenv.Kube(t)
	ctx := context.Background()
	ns := kube.Namespace(t)
	createRoute(t, kube.Dynamic, ns, rule("main", "/", ref("web-blue", 80, 100), ref("web-green", 80, 0)))
	a, b := NewOwnerID(), NewOwnerID()

	cfgB := webConfig(ns)
	cfgB.Owner = b
	rb, err := New(kube.Dynamic, cfgB)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rb.Read(ctx); err != nil { // b's base has no mark yet
		t.Fatal(err)
	}
	if err := Claim(ctx, kube.Dynamic, ns, "web", a); err != nil {
		t.Fatalf("first claim: %v", err)
	}
	if err := Claim(ctx, kube.Dynamic, ns, "web", a); err != nil {
		t.Fatalf("claim again by the owner: %v", err)
	}
	if err := Claim(ctx, kube.Dynamic, ns, "web", b); !errors.Is(err, ErrOwnedByOther) {
		t.Fatalf("second owner's claim = %v, want ErrOwnedByOther", err)
	}
	// b read before a's claim: its write must not slip through.
	if err := rb.Set(ctx, traffic.Weights{Blue: 50, Green: 50}); err == nil {
		t.Fatal("a router of another owner wrote the route")
	}
	if _, err := rb.Read(ctx); err != nil {
		t.Fatal(err)
	}
	if err := rb.Set(ctx, traffic.Weights{Blue: 50, Green: 50}); !errors.Is(err, ErrOwnedByOther) {
		t.Fatalf("Set by another owner after a fresh Read = %v, want ErrOwnedByOther", err)
	}
	if got := storedWeights(t, kube.Dynamic, ns, 0); got["web-blue"] != 100 || got["web-green"] != 0 {
		t.Fatalf("weights changed: %v", got)
	}
	cfgA := webConfig(ns)
	cfgA.Owner = a
	ra, err := New(kube.Dynamic, cfgA)
	if err != nil {
		t.Fatal(err)
	}
	if err := ra.Set(ctx, traffic.Weights{Blue: 50, Green: 50}); err != nil {
		t.Fatalf("owner's Set: %v", err)
	}
	if err := Release(ctx, kube.Dynamic, ns, "web", b); err != nil {
		t.Fatal(err)
	}
	if owner, err := Owner(ctx, kube.Dynamic, ns, "web"); err != nil || owner != a {
		t.Fatalf("after another's release the owner is %q (%v), want %q", owner, err, a)
	}
	if err := TakeOver(ctx, kube.Dynamic, ns, "web", b); err != nil {
		t.Fatal(err)
	}
	if _, err := ra.Read(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ra.Set(ctx, traffic.Weights{Blue: 100}); !errors.Is(err, ErrOwnedByOther) {
		t.Fatalf("former owner's Set after a take-over = %v, want ErrOwnedByOther", err)
	}
	if err := Release(ctx, kube.Dynamic, ns, "web", b); err != nil {
		t.Fatal(err)
	}
	if owner, err := Owner(ctx, kube.Dynamic, ns, "web"); err != nil || owner != "" {
		t.Fatalf("after release the owner is %q (%v)", owner, err)
	}
}

// TestRouter_conformanceWhenOwned: a router with an owner, on a route it has
// claimed, keeps the whole router contract (the ownership check is on the
// copy it writes and never gets in the way of its own writes).
func TestRouter_conformanceWhenOwned(t *testing.T) {
	kube := testenv.Kube(t)
	routertest.Run(t, func(t *testing.T) routertest.Subject {
		ns := kube.Namespace(t)
		createRoute(t, kube.Dynamic, ns, rule("main", "/", ref("web-blue", 80, 100), ref("web-green", 80, 0)))
		owner := NewOwnerID()
		if err := Claim(context.Background(), kube.Dynamic, ns, "web", owner); err != nil {
			t.Fatal(err)
		}
		dyn, armed := faultyClient(t, kube.Config)
		cfg := webConfig(ns)
		cfg.Owner = owner
		r, err := New(dyn, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return routertest.Subject{
			Router:  r,
			Extra:   []traffic.Weights{{Blue: 1, Green: 1}, {Blue: 0, Green: 1}},
			Rejects: []traffic.Weights{{}, {Blue: MaxWeight + 1}},
			OtherWriter: func(ctx context.Context, w traffic.Weights) error {
				return setBehindTheRoutersBack(ctx, kube.Dynamic, ns, 0, w)
			},
			FailNextSet: func(t *testing.T) func() {
				armed.Store(true)
				return func() { armed.Store(false) }
			},
		}
	})
}
