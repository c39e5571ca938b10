package alb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// Lockstep moves the forwards of several points — listener default actions
// and listener rules — that send traffic to the same blue and green target
// groups, together: real stacks forward one pair from more than one place
// (HTTPS and a second port, several host rules), and one switch must never
// leave them at different weights.
//
// The first point is the main one: its kind, ARN, action types and
// stickiness are what Describe reports. With one point a Lockstep is exactly
// that point's Router.
//
// Set writes every point in order. ALB has no transaction across listeners
// or rules, so when point k's write fails Set writes each of points 0..k-1
// back to the weights it had before (read by the Read or Describe that
// preceded the Set, or by Set itself), last written first, and returns the
// error: an error means nothing was written. If a write-back fails too, the
// error is a *LockstepError that says so and which point forwards what (read
// again), never a silent partial write.
//
// Read returns the weights every point agrees on. When they disagree (another
// writer changed one of them, or a write-back failed) it returns, with no
// error, the weights of the first point that differs from what the Lockstep
// last wrote, so that a caller comparing with what it wrote sees the change
// (the rollout engine then stops as for any other writer's change); Describe
// reports the disagreement as a *PointsError with each point's weights.
type Lockstep struct {
	points []*Router

	mu   sync.Mutex
	prev []State      // from the immediately preceding read of every point; consumed by Set
	seen []PointState // from the last read of every point; kept for Points
	// written is what the last successful Set (or Align) wrote to every point.
	written *traffic.Weights
}

// NewLockstep moves main and also in lockstep. main is the point reported by
// Kind and ARN.
func NewLockstep(main *Router, also ...*Router) *Lockstep {
	return &Lockstep{points: append([]*Router{main}, also...)}
}

// PointState is what was read from one point.
type PointState struct {
	Kind, ARN string
	// State is the point's forward, when it could be read.
	State State
	// Err is why the point could not be read (nil when it was). An
	// *UnsupportedActionError still carries the weights blue and green get.
	Err error
}

// Weights are the point's blue and green weights and whether they are known
// (read, or carried by an *UnsupportedActionError naming a foreign group).
func (p PointState) Weights() (traffic.Weights, bool) {
	if p.Err == nil {
		return p.State.Weights, true
	}
	var u *UnsupportedActionError
	if errors.As(p.Err, &u) && u.Weights.Total() > 0 {
		return u.Weights, true
	}
	return traffic.Weights{}, false
}

func (p PointState) String() string {
	if p.Err != nil {
		return fmt.Sprintf("%s %s: %v", p.Kind, p.ARN, p.Err)
	}
	return fmt.Sprintf("%s %s forwards %s", p.Kind, p.ARN, p.State.Weights)
}

// PointsError says that the points of a Lockstep do not agree: their weights
// differ, or a point other than the main one cannot be read. (An error of
// the main point is returned as it is.)
type PointsError struct {
	Points []PointState
}

// ErrPointsDisagree matches *PointsError with errors.Is.
var ErrPointsDisagree = errors.New("points disagree")

func (e *PointsError) Is(target error) bool { return target == ErrPointsDisagree }

// AllRead reports whether every point was read (they only disagree).
func (e *PointsError) AllRead() bool {
	for _, p := range e.Points {
		if p.Err != nil {
			return false
		}
	}
	return true
}

func (e *PointsError) Error() string {
	parts := make([]string, len(e.Points))
	for i, p := range e.Points {
		parts[i] = p.String()
	}
	what := "the points moved in lockstep do not agree"
	if !e.AllRead() {
		what = "not every point moved in lockstep can be read"
	}
	return what + ": " + strings.Join(parts, "; ")
}

// LockstepError is Set's error when a point's write failed: which point, and
// what became of the points written before it.
type LockstepError struct {
	// Failed is the point whose write failed, Err its error.
	Failed PointState
	Err    error
	// Restored are the points written back to their previous weights.
	Restored []PointState
	// NotRestored are the points whose write-back failed, each with the
	// weights read from it afterwards (or why it could not be read) and, in
	// RestoreErrs at the same index, why the write-back failed.
	NotRestored []PointState
	RestoreErrs []error
}

func (e *LockstepError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v", e.Err)
	if len(e.Restored) > 0 {
		names := make([]string, len(e.Restored))
		for i, p := range e.Restored {
			names[i] = fmt.Sprintf("%s %s (%s)", p.Kind, p.ARN, p.State.Weights)
		}
		fmt.Fprintf(&b, "; written back to its previous weights: %s", strings.Join(names, ", "))
	}
	for i, p := range e.NotRestored {
		fmt.Fprintf(&b, "; writing %s %s back FAILED (%v): ", p.Kind, p.ARN, e.RestoreErrs[i])
		if w, ok := p.Weights(); ok {
			fmt.Fprintf(&b, "it forwards %s now", w)
		} else {
			fmt.Fprintf(&b, "its weights could not be read (%v)", p.Err)
		}
	}
	return b.String()
}

// Unwrap returns the failed write's error.
func (e *LockstepError) Unwrap() error { return e.Err }

// Undone reports whether every point written before the failure was written
// back: the error then means that nothing was written.
func (e *LockstepError) Undone() bool { return len(e.NotRestored) == 0 }

// Kind is the main point's kind.
func (l *Lockstep) Kind() string { return l.points[0].Kind() }

// ARN is the main point's ARN.
func (l *Lockstep) ARN() string { return l.points[0].ARN() }

// Len is the number of points.
func (l *Lockstep) Len() int { return len(l.points) }

// Points returns what the last Describe or Read found at each point, main
// first (nil before any).
func (l *Lockstep) Points() []PointState {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]PointState(nil), l.seen...)
}

// SetStickiness makes every later Set write this group stickiness on every
// point (see Router.SetStickiness).
func (l *Lockstep) SetStickiness(enabled bool, duration time.Duration) error {
	for _, p := range l.points {
		if err := p.SetStickiness(enabled, duration); err != nil {
			return err
		}
	}
	return nil
}

// Retarget runs Router.Retarget on every point; it stops at the first error.
func (l *Lockstep) Retarget(ctx context.Context, leaving []string) (bool, error) {
	wrote := false
	for _, p := range l.points {
		did, err := p.Retarget(ctx, leaving)
		wrote = wrote || did
		if err != nil {
			return wrote, err
		}
	}
	return wrote, nil
}

// Describe reads every point. When they agree it returns the main point's
// state — with SingleGroup true if any point names one group only, and the
// first stickiness that differs from the main point's, if any does, so that
// a managed stickiness changed on one point shows. An error of the main point
// is returned as it is; otherwise, when the points disagree or one cannot be
// read, the main point's state with a *PointsError.
func (l *Lockstep) Describe(ctx context.Context) (State, error) {
	if len(l.points) == 1 {
		st, err := l.points[0].Describe(ctx)
		l.mu.Lock()
		l.seen, l.prev = []PointState{{Kind: l.Kind(), ARN: l.ARN(), State: st, Err: err}}, nil
		l.mu.Unlock()
		return st, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.prev = nil
	seen := make([]PointState, len(l.points))
	for i, p := range l.points {
		st, err := p.Describe(ctx)
		seen[i] = PointState{Kind: p.Kind(), ARN: p.ARN(), State: st, Err: err}
	}
	l.seen = seen
	main := seen[0]
	if main.Err != nil {
		return State{}, main.Err
	}
	out := main.State
	disagree := false
	for _, p := range seen[1:] {
		if p.Err != nil || p.State.Weights != main.State.Weights {
			disagree = true
			continue
		}
		out.SingleGroup = out.SingleGroup || p.State.SingleGroup
		if p.State.Stickiness != main.State.Stickiness && out.Stickiness == main.State.Stickiness {
			out.Stickiness = p.State.Stickiness
		}
	}
	if disagree {
		return main.State, &PointsError{Points: append([]PointState(nil), seen...)}
	}
	prev := make([]State, len(seen))
	for i, p := range seen {
		prev[i] = p.State
	}
	l.prev = prev
	return out, nil
}

// Read returns the weights every point agrees on or, when they disagree, the
// weights of the first point that differs from what this Lockstep last wrote
// (from the main point's, before any write): a real point's weights that show
// the caller the change. A point that cannot be read is an error.
func (l *Lockstep) Read(ctx context.Context) (traffic.Weights, error) {
	st, err := l.Describe(ctx)
	var pe *PointsError
	if errors.As(err, &pe) && pe.AllRead() {
		l.mu.Lock()
		// Set may still undo to each point's own weights.
		l.prev = make([]State, len(pe.Points))
		for i, p := range pe.Points {
			l.prev[i] = p.State
		}
		ref := st.Weights
		if l.written != nil {
			ref = *l.written
		}
		l.mu.Unlock()
		for _, p := range pe.Points {
			if p.State.Weights != ref {
				return p.State.Weights, nil
			}
		}
	}
	return st.Weights, err
}

// restoreTimeout bounds the write-back of the points written before a failed
// write, on a context that ignores the caller's cancellation.
const restoreTimeout = 30 * time.Second

// Set writes w to every point, or to none (see the type doc).
func (l *Lockstep) Set(ctx context.Context, w traffic.Weights) error {
	return l.set(ctx, w, false)
}

// SetRestore is a rollback's restore write (see Router.SetRestore): every
// point's forward gets w with group stickiness off, or none does.
func (l *Lockstep) SetRestore(ctx context.Context, w traffic.Weights) error {
	return l.set(ctx, w, true)
}

// StickinessSuspended returns the group stickiness a restore write turned off
// on any point, and false when no restore did.
func (l *Lockstep) StickinessSuspended() (Stickiness, bool) {
	for _, p := range l.points {
		if st, ok := p.StickinessSuspended(); ok {
			return st, true
		}
	}
	return Stickiness{}, false
}

func (l *Lockstep) set(ctx context.Context, w traffic.Weights, restore bool) error {
	write := func(ctx context.Context, p *Router) error {
		if restore {
			return p.SetRestore(ctx, w)
		}
		return p.Set(ctx, w)
	}
	if len(l.points) == 1 {
		return write(ctx, l.points[0])
	}
	if err := ValidateWeights(w); err != nil {
		return fmt.Errorf("modifying %d points in lockstep: %w", len(l.points), err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	prev := l.prev
	l.prev = nil
	if prev == nil {
		prev = make([]State, len(l.points))
		for i, p := range l.points {
			st, err := p.Describe(ctx)
			if err != nil {
				return err // nothing written yet
			}
			prev[i] = st
		}
	}
	for i, p := range l.points {
		if err := write(ctx, p); err != nil {
			return l.undo(ctx, i, prev, err)
		}
	}
	l.written = &w
	return nil
}

// undo writes points 0..failed-1 back to prev, last written first, and
// returns the failed write's error with what became of them.
func (l *Lockstep) undo(ctx context.Context, failed int, prev []State, err error) error {
	f := l.points[failed]
	e := &LockstepError{Failed: PointState{Kind: f.Kind(), ARN: f.ARN(), State: prev[failed]}, Err: err}
	if failed == 0 {
		return err // nothing was written: the point's own error
	}
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), restoreTimeout)
	defer cancel()
	for j := failed - 1; j >= 0; j-- {
		p := l.points[j]
		ps := PointState{Kind: p.Kind(), ARN: p.ARN(), State: prev[j]}
		if uerr := p.Set(uctx, prev[j].Weights); uerr != nil {
			// Say what the point forwards now, read again.
			now := PointState{Kind: ps.Kind, ARN: ps.ARN}
			now.State, now.Err = p.Describe(uctx)
			e.NotRestored = append(e.NotRestored, now)
			e.RestoreErrs = append(e.RestoreErrs, fmt.Errorf("wanted %s: %w", prev[j].Weights, uerr))
			continue
		}
		e.Restored = append(e.Restored, ps)
	}
	return e
}

// Align writes the main point's weights to every other point that forwards
// other weights, so that a shift starts from one position; it reports
// whether it wrote. The main point's weights are those its traffic already
// gets: no color receives a share it does not already receive on the main
// point. Points that cannot be read are an error, and nothing is written.
func (l *Lockstep) Align(ctx context.Context) (bool, error) {
	if len(l.points) == 1 {
		return false, nil
	}
	st, err := l.Describe(ctx)
	var pe *PointsError
	if err == nil || !errors.As(err, &pe) {
		return false, err
	}
	if !pe.AllRead() {
		return false, err
	}
	wrote := false
	for i, p := range l.points[1:] {
		if pe.Points[i+1].State.Weights == st.Weights {
			continue
		}
		if err := p.Set(ctx, st.Weights); err != nil {
			return wrote, fmt.Errorf("aligning %s %s with %s %s (%s): %w", p.Kind(), p.ARN(), l.Kind(), l.ARN(), st.Weights, err)
		}
		wrote = true
	}
	l.mu.Lock()
	l.written = &st.Weights
	l.mu.Unlock()
	return wrote, nil
}
