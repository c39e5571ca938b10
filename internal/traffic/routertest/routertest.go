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
	// AllOrNothing marks a router that can only send all traffic to one
	// color (a Kubernetes Service selector). Round trips then use blue=100
	// green=0 and blue=0 green=100 only, the sub-tests that write splits
	// write all-or-nothing weights instead, and every percent-scale split
	// (1 … 99) must be refused without a write.
	AllOrNothing bool
}

// pick returns Split(Green, split) — or Split(Green, allOrNothing), which
// must be 0 or 100, when the subject is AllOrNothing.
func (s Subject) pick(split, allOrNothing int) traffic.Weights {
	if s.AllOrNothing {
		return traffic.Split(traffic.Green, allOrNothing)
	}
	return traffic.Split(traffic.Green, split)
}

// percents are the engine's percent-scale splits the suite round-trips.
var percents = []int{0, 1, 10, 33, 50, 67, 90, 99, 100, 0}

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
		for _, p := range percents {
			if s.AllOrNothing && p != 0 && p != 100 {
				continue
			}
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
		w := s.pick(25, 100)
		mustSet(c, t, s, w)
		mustSet(c, t, s, w)
		mustRead(c, t, s, w)
	})
	t.Run("out of range is refused and writes nothing", func(t *testing.T) {
		s := newSubject(t)
		c := ctx(t)
		before := s.pick(40, 100)
		mustSet(c, t, s, before)
		rejects := append([]traffic.Weights{{Blue: -1, Green: 1}}, s.Rejects...)
		if s.AllOrNothing {
			for _, p := range percents {
				if p != 0 && p != 100 {
					rejects = append(rejects, traffic.Split(traffic.Green, p))
				}
			}
		}
		for _, w := range rejects {
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
		mustSet(c, t, s, s.pick(10, 0))
		other := s.pick(70, 100)
		if err := s.OtherWriter(c, other); err != nil {
			t.Fatalf("other writer: %v", err)
		}
		mustRead(c, t, s, other)
		mustSet(c, t, s, s.pick(20, 0))
		mustRead(c, t, s, s.pick(20, 0))
	})
	t.Run("a failed set leaves the previous weights", func(t *testing.T) {
		s := newSubject(t)
		if s.FailNextSet == nil {
			t.Skip("the subject cannot inject a failure part-way through Set")
		}
		c := ctx(t)
		before := s.pick(30, 0)
		mustSet(c, t, s, before)
		clear := s.FailNextSet(t)
		err := s.Router.Set(c, s.pick(80, 100))
		clear()
		if err == nil {
			t.Fatal("Set succeeded although a failure was injected")
		}
		mustRead(c, t, s, before)
		// And the router still works afterwards.
		mustSet(c, t, s, s.pick(80, 100))
		mustRead(c, t, s, s.pick(80, 100))
	})
	t.Run("a cancelled context stops Set without a half write", func(t *testing.T) {
		s := newSubject(t)
		c := ctx(t)
		before := s.pick(60, 100)
		mustSet(c, t, s, before)
		cancelled, cancel := context.WithCancel(c)
		cancel()
		if err := s.Router.Set(cancelled, s.pick(5, 0)); err == nil {
			// Allowed only if the write was complete.
			mustRead(c, t, s, s.pick(5, 0))
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
