// Package routertest is the conformance suite every traffic router — and every
// fake of one — must pass before the engine may drive it. It checks, against
// the real system behind the router, the contract written on rollout.Router:
//
//   - Read after a successful Set(w) returns exactly w (the router normalises
//     its native form: ALB forward weights, Route 53 record weights, HAProxy
//     server weights, an Nginx upstream file, a Kubernetes selector);
//   - Set is all-or-nothing: when it returns an error, Read returns what was
//     there before the call (a router that needs several native writes undoes
//     its own partial write before returning);
//   - Set returns when the change is in effect, or the router implements
//     Settler and Settle returns when it is;
//   - a change made by another writer is visible to the next Read, and a later
//     Set overwrites it.
//
// It is test support: product code never imports it.
package routertest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// Router is the contract under test (the same method set as rollout.Router;
// declared here so that this package does not import the engine).
type Router interface {
	Read(ctx context.Context) (traffic.Weights, error)
	Set(ctx context.Context, w traffic.Weights) error
}

// Settler is the optional capability of routers whose writes take effect
// some time after Set returns (Route 53 INSYNC and TTL, an Nginx reload).
type Settler interface {
	Settle(ctx context.Context) error
}

// Subject is one router under test, wired to a real (or fake) system.
type Subject struct {
	// Router is the router under test.
	Router Router
	// Weights the router must round-trip exactly, in addition to the
	// percent-scale splits the engine writes (0/100, 10/90 … 100/0). Use it
	// for the router's own range (ALB 999, Route 53 255, HAProxy 256).
	Extra []traffic.Weights
	// Rejects are weights the router must refuse with an error and without
	// writing anything (out of its range, both zero where that is invalid).
	Rejects []traffic.Weights
	// OtherWriter changes the switch point behind the router's back, as a
	// person or another tool would, to the given weights.
	OtherWriter func(ctx context.Context, w traffic.Weights) error
	// FailNextSet makes the next Set fail part-way: after its first native
	// write when the router needs several, or at its only write otherwise
	// (the write must then not happen). It returns a function that clears
	// the fault. Nil skips the partial-write test (say why in the caller).
	FailNextSet func(t *testing.T) (clear func())
}

// Run runs the conformance suite. newSubject is called once per sub-test and
// must return a switch point freshly set to blue=100 green=0.
func Run(t *testing.T, newSubject func(t *testing.T) Subject) {
	t.Helper()
	ctx := func(t *testing.T) context.Context {
		c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		t.Cleanup(cancel)
		return c
	}
	t.Run("starts on blue", func(t *testing.T) {
		s := newSubject(t)
		mustRead(ctx(t), t, s, traffic.Weights{Blue: 100, Green: 0})
	})
	t.Run("round trip of every percent-scale split", func(t *testing.T) {
		s := newSubject(t)
		c := ctx(t)
		var all []traffic.Weights
		for _, p := range []int{0, 1, 10, 33, 50, 67, 90, 99, 100, 0} {
			all = append(all, traffic.Split(traffic.Green, p))
		}
		all = append(all, s.Extra...)
		for _, w := range all {
			mustSet(c, t, s, w)
			mustRead(c, t, s, w)
			// Reading twice changes nothing.
			mustRead(c, t, s, w)
		}
	})
	t.Run("setting the same weights again is harmless", func(t *testing.T) {
		s := newSubject(t)
		c := ctx(t)
		w := traffic.Split(traffic.Green, 25)
		mustSet(c, t, s, w)
		mustSet(c, t, s, w)
		mustRead(c, t, s, w)
	})
	t.Run("out of range is refused and writes nothing", func(t *testing.T) {
		s := newSubject(t)
		c := ctx(t)
		before := traffic.Split(traffic.Green, 40)
		mustSet(c, t, s, before)
		for _, w := range append([]traffic.Weights{{Blue: -1, Green: 1}}, s.Rejects...) {
			if err := s.Router.Set(c, w); err == nil {
				t.Fatalf("Set(%s) succeeded; the router must refuse it", w)
			}
			mustRead(c, t, s, before)
		}
	})
	t.Run("another writer is seen and then overwritten", func(t *testing.T) {
		s := newSubject(t)
		if s.OtherWriter == nil {
			t.Fatal("Subject.OtherWriter is required")
		}
		c := ctx(t)
		mustSet(c, t, s, traffic.Split(traffic.Green, 10))
		other := traffic.Split(traffic.Green, 70)
		if err := s.OtherWriter(c, other); err != nil {
			t.Fatalf("other writer: %v", err)
		}
		mustRead(c, t, s, other)
		mustSet(c, t, s, traffic.Split(traffic.Green, 20))
		mustRead(c, t, s, traffic.Split(traffic.Green, 20))
	})
	t.Run("a failed set leaves the previous weights", func(t *testing.T) {
		s := newSubject(t)
		if s.FailNextSet == nil {
			t.Skip("the subject cannot inject a failure part-way through Set")
		}
		c := ctx(t)
		before := traffic.Split(traffic.Green, 30)
		mustSet(c, t, s, before)
		clear := s.FailNextSet(t)
		err := s.Router.Set(c, traffic.Split(traffic.Green, 80))
		clear()
		if err == nil {
			t.Fatal("Set succeeded although a failure was injected")
		}
		mustRead(c, t, s, before)
		// And the router still works afterwards.
		mustSet(c, t, s, traffic.Split(traffic.Green, 80))
		mustRead(c, t, s, traffic.Split(traffic.Green, 80))
	})
	t.Run("a cancelled context stops Set without a half write", func(t *testing.T) {
		s := newSubject(t)
		c := ctx(t)
		before := traffic.Split(traffic.Green, 60)
		mustSet(c, t, s, before)
		cancelled, cancel := context.WithCancel(c)
		cancel()
		if err := s.Router.Set(cancelled, traffic.Split(traffic.Green, 5)); err == nil {
			// Allowed only if the write was complete.
			mustRead(c, t, s, traffic.Split(traffic.Green, 5))
			return
		} else if !errors.Is(err, context.Canceled) {
			t.Logf("Set on a cancelled context: %v", err)
		}
		mustRead(c, t, s, before)
	})
}

func mustSet(ctx context.Context, t *testing.T, s Subject, w traffic.Weights) {
	t.Helper()
	if err := s.Router.Set(ctx, w); err != nil {
		t.Fatalf("Set(%s): %v", w, err)
	}
	if st, ok := s.Router.(Settler); ok {
		if err := st.Settle(ctx); err != nil {
			t.Fatalf("Settle after Set(%s): %v", w, err)
		}
	}
}

func mustRead(ctx context.Context, t *testing.T, s Subject, want traffic.Weights) {
	t.Helper()
	got, err := s.Router.Read(ctx)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if got != want {
		t.Fatalf("Read = %s, want exactly %s", got, want)
	}
}
