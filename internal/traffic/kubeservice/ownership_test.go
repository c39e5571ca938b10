package kubeservice

import (
	"context"
	"errors"
	"testing"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/testenv"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/routertest"
)

// TestOwnership_twoSwitchesNeverFlipOneService: the first claim wins, a
// second owner is refused, a router of another owner refuses to write even
// when its Read came before the claim, an explicit take-over moves the mark,
// and Release removes only one's own mark.
func TestOwnership_twoSwitchesNeverFlipOneService(t *testing.T) {
	kube := testenv.Kube(t)
	ctx := context.Background()
	ns := newService(t, kube)
	api := kube.Core.CoreV1()
	a, b := NewOwnerID(), NewOwnerID()
	rb, err := New(api, ns, "web", colorKey)
	if err != nil {
		t.Fatal(err)
	}
	rb.OwnedBy(b)
	if _, err := rb.Read(ctx); err != nil { // b's base has no mark yet
		t.Fatal(err)
	}
	if err := Claim(ctx, api, ns, "web", a); err != nil {
		t.Fatalf("first claim: %v", err)
	}
	if err := Claim(ctx, api, ns, "web", b); !errors.Is(err, ErrOwnedByOther) {
		t.Fatalf("second owner's claim = %v, want ErrOwnedByOther", err)
	}
	if err := rb.Set(ctx, traffic.Weights{Green: 100}); err == nil {
		t.Fatal("a router of another owner flipped the service")
	}
	if _, err := rb.Read(ctx); err != nil {
		t.Fatal(err)
	}
	if err := rb.Set(ctx, traffic.Weights{Green: 100}); !errors.Is(err, ErrOwnedByOther) {
		t.Fatalf("Set by another owner after a fresh Read = %v, want ErrOwnedByOther", err)
	}
	ra, err := New(api, ns, "web", colorKey)
	if err != nil {
		t.Fatal(err)
	}
	ra.OwnedBy(a)
	if w, _ := ra.Read(ctx); w != (traffic.Weights{Blue: 100}) {
		t.Fatalf("the refused writes changed the selector: %s", w)
	}
	if err := ra.Set(ctx, traffic.Weights{Green: 100}); err != nil {
		t.Fatalf("owner's Set: %v", err)
	}
	if err := Release(ctx, api, ns, "web", b); err != nil {
		t.Fatal(err)
	}
	if owner, err := Owner(ctx, api, ns, "web"); err != nil || owner != a {
		t.Fatalf("after another's release the owner is %q (%v), want %q", owner, err, a)
	}
	if err := TakeOver(ctx, api, ns, "web", b); err != nil {
		t.Fatal(err)
	}
	if _, err := ra.Read(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ra.Set(ctx, traffic.Weights{Blue: 100}); !errors.Is(err, ErrOwnedByOther) {
		t.Fatalf("former owner's Set after a take-over = %v, want ErrOwnedByOther", err)
	}
	if err := Release(ctx, api, ns, "web", b); err != nil {
		t.Fatal(err)
	}
	if owner, err := Owner(ctx, api, ns, "web"); err != nil || owner != "" {
		t.Fatalf("after release the owner is %q (%v)", owner, err)
	}
}

// TestRouter_conformanceWhenOwned: an owned router on a Service it claimed
// keeps the whole router contract.
func TestRouter_conformanceWhenOwned(t *testing.T) {
	kube := testenv.Kube(t)
	routertest.Run(t, func(t *testing.T) routertest.Subject {
		ns := newService(t, kube)
		owner := NewOwnerID()
		if err := Claim(context.Background(), kube.Core.CoreV1(), ns, "web", owner); err != nil {
			t.Fatal(err)
		}
		core, armed := faultyClient(t, kube.Config)
		r, err := New(core.CoreV1(), ns, "web", colorKey)
		if err != nil {
			t.Fatal(err)
		}
		r.OwnedBy(owner)
		return routertest.Subject{
			Router:       r,
			AllOrNothing: true,
			Rejects:      []traffic.Weights{{}, {Blue: 1}, {Blue: 100, Green: 100}},
			OtherWriter: func(ctx context.Context, w traffic.Weights) error {
				c, _ := w.ActiveColor()
				return setColorBehindTheRoutersBack(ctx, kube.Core, ns, string(c))
			},
			FailNextSet: func(t *testing.T) func() {
				armed.Store(true)
				return func() { armed.Store(false) }
			},
		}
	})
}
