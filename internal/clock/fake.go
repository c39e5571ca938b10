package clock

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Fake is a virtual clock for tests. It is safe for concurrent use.
//
// Scheduled work (AfterFunc callbacks and, in manual mode, sleepers) fires in
// deadline order, ties in the order it was scheduled. Callbacks run
// synchronously on the goroutine that moves time (Advance, or Sleep in auto
// mode), with no lock held, so a callback may call Now or AfterFunc, or cancel
// a context; it must not call Sleep or Advance on the same clock.
type Fake struct {
	// advance serialises whole time moves so callbacks fire in order even
	// when several goroutines move time.
	advance sync.Mutex

	mu       sync.Mutex
	cond     *sync.Cond // signalled when sleepers change
	now      time.Time
	auto     bool
	seq      uint64
	pending  []*scheduled
	sleepers int
}

type scheduled struct {
	at      time.Time
	seq     uint64
	fn      func()        // AfterFunc callback, or nil
	wake    chan struct{} // manual-mode sleeper, or nil
	stopped bool
}

var _ Clock = (*Fake)(nil)

// NewFake returns a manual fake clock set to start: time moves only by Advance.
func NewFake(start time.Time) *Fake {
	f := &Fake{now: start}
	f.cond = sync.NewCond(&f.mu)
	return f
}

// NewAutoFake returns an auto-advancing fake clock set to start: each Sleep
// moves virtual time forward to its own deadline (or to the moment ctx is
// cancelled by a due callback) and returns without blocking. Every Sleep call
// sees at least d pass between its start and its return.
func NewAutoFake(start time.Time) *Fake {
	f := NewFake(start)
	f.auto = true
	return f
}

// Now returns the virtual time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// AfterFunc schedules fn at Now()+d. A d <= 0 schedules fn for the next time
// the clock moves (Advance(0) or any Sleep fires it).
func (f *Fake) AfterFunc(d time.Duration, fn func()) func() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.scheduleLocked(d, fn, nil)
	return func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		if s.stopped {
			return false
		}
		s.stopped = true
		f.removeLocked(s)
		return true
	}
}

// Sleep waits d of virtual time. In auto mode it advances the clock itself; in
// manual mode it blocks until Advance moves time past its deadline or ctx ends.
func (f *Fake) Sleep(ctx context.Context, d time.Duration) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if f.auto {
		f.advance.Lock()
		defer f.advance.Unlock()
		f.mu.Lock()
		target := f.now.Add(max(d, 0))
		f.mu.Unlock()
		if f.runUntil(target, ctx) {
			return context.Cause(ctx)
		}
		return nil
	}
	if d <= 0 {
		return nil
	}
	f.mu.Lock()
	s := f.scheduleLocked(d, nil, make(chan struct{}))
	f.sleepers++
	f.cond.Broadcast()
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		if !s.stopped { // woken by ctx, not by time: unschedule
			s.stopped = true
			f.removeLocked(s)
			f.sleepers--
			f.cond.Broadcast()
		}
		f.mu.Unlock()
	}()
	select {
	case <-s.wake:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// Advance moves virtual time forward by d, firing due callbacks and waking due
// sleepers in deadline order. It works in both modes.
func (f *Fake) Advance(d time.Duration) {
	f.advance.Lock()
	defer f.advance.Unlock()
	f.mu.Lock()
	target := f.now.Add(max(d, 0))
	f.mu.Unlock()
	f.runUntil(target, nil)
}

// BlockUntilSleepers blocks (in real time) until at least n goroutines are
// blocked in Sleep on this manual clock, or ctx ends. Use it to know that the
// code under test has reached its wait before calling Advance.
func (f *Fake) BlockUntilSleepers(ctx context.Context, n int) error {
	stop := context.AfterFunc(ctx, func() {
		f.mu.Lock()
		f.cond.Broadcast()
		f.mu.Unlock()
	})
	defer stop()
	f.mu.Lock()
	defer f.mu.Unlock()
	for f.sleepers < n {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		f.cond.Wait()
	}
	return nil
}

// Pending reports how many callbacks and sleepers are scheduled.
func (f *Fake) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.pending)
}

// runUntil fires everything due up to target, in order, and leaves the clock
// at target. When ctx is non-nil and becomes done after a callback, it stops
// there (the clock stays at that callback's time) and reports true.
func (f *Fake) runUntil(target time.Time, ctx context.Context) bool {
	for {
		f.mu.Lock()
		if len(f.pending) == 0 || f.pending[0].at.After(target) {
			if target.After(f.now) {
				f.now = target
			}
			f.mu.Unlock()
			return false
		}
		s := f.pending[0]
		f.pending = f.pending[1:]
		s.stopped = true
		if s.wake != nil {
			// Counted out while the lock is held, so BlockUntilSleepers
			// never sees a sleeper that time has already released.
			f.sleepers--
			f.cond.Broadcast()
		}
		if s.at.After(f.now) {
			f.now = s.at
		}
		f.mu.Unlock()
		if s.wake != nil {
			close(s.wake)
		}
		if s.fn != nil {
			s.fn()
		}
		if ctx != nil && ctx.Err() != nil {
			return true
		}
	}
}

func (f *Fake) scheduleLocked(d time.Duration, fn func(), wake chan struct{}) *scheduled {
	f.seq++
	s := &scheduled{at: f.now.Add(max(d, 0)), seq: f.seq, fn: fn, wake: wake}
	i := sort.Search(len(f.pending), func(i int) bool {
		p := f.pending[i]
		return p.at.After(s.at) || (p.at.Equal(s.at) && p.seq > s.seq)
	})
	f.pending = append(f.pending, nil)
	copy(f.pending[i+1:], f.pending[i:])
	f.pending[i] = s
	return s
}

func (f *Fake) removeLocked(s *scheduled) {
	for i, p := range f.pending {
		if p == s {
			f.pending = append(f.pending[:i], f.pending[i+1:]...)
			return
		}
	}
}
