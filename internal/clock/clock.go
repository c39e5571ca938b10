// Package clock is the time source for everything in the provider that waits:
// the rollout engine's step holds and evaluation cadence, restore back-off, and
// the health gate. Code that waits takes a Clock instead of calling time.Sleep,
// so tests (and the provider's test constructor) can swap in a Fake and run
// hours of holds in microseconds, deterministically and without data races.
//
// Real is the wall clock. Fake is a virtual clock with two modes:
//
//   - NewFake: time moves only when a test calls Advance. Sleepers block until
//     then; BlockUntilSleepers lets the test wait for the code under test to
//     reach its wait before advancing.
//   - NewAutoFake: every Sleep jumps virtual time straight to its own deadline
//     (firing due AfterFunc callbacks in deadline order on the way), so code
//     that only waits through Sleep runs to completion synchronously. This is
//     the mode for engine tests and for in-process acceptance tests, where no
//     test goroutine is around to drive the clock.
//
// The package deliberately offers no Timer channels: a channel can be received
// from without the clock knowing, which makes auto-advancing impossible. Wait
// with Sleep; schedule with AfterFunc; bound work with WithTimeout.
package clock

import (
	"context"
	"time"
)

// Clock is the set of time operations the provider's waiting code uses.
// Consumers may declare a narrower interface of their own; Real and *Fake
// satisfy this one.
type Clock interface {
	// Now returns the current time on this clock.
	Now() time.Time
	// Sleep blocks until d has elapsed on this clock or ctx is done, whichever
	// comes first. It returns nil when d elapsed and context.Cause(ctx) when
	// ctx ended first. A d <= 0 returns at once (still reporting a done ctx).
	Sleep(ctx context.Context, d time.Duration) error
	// AfterFunc calls f once d has elapsed on this clock. The returned stop
	// function cancels the call; it reports whether it stopped f from running.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// Real is the wall clock.
type Real struct{}

var _ Clock = Real{}

// Now returns time.Now().
func (Real) Now() time.Time { return time.Now() }

// Sleep waits on a real timer or ctx.
func (Real) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return context.Cause(ctx)
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// AfterFunc wraps time.AfterFunc.
func (Real) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// WithTimeout is context.WithTimeout measured on c. With Real it is exactly
// context.WithTimeout. With any other clock the returned context is cancelled
// when d elapses on c; its Err() then reports context.DeadlineExceeded and
// context.Cause reports context.DeadlineExceeded, so callers can tell a timeout
// from a cancellation the same way for both. It does not report a Deadline():
// a virtual deadline would mislead real network code that reads it.
func WithTimeout(ctx context.Context, c Clock, d time.Duration) (context.Context, context.CancelFunc) {
	if c == nil {
		c = Real{}
	}
	if _, ok := c.(Real); ok {
		return context.WithTimeout(ctx, d)
	}
	inner, cancel := context.WithCancelCause(ctx)
	tc := &timeoutCtx{Context: inner}
	if d <= 0 {
		cancel(context.DeadlineExceeded)
		return tc, func() { cancel(context.Canceled) }
	}
	stop := c.AfterFunc(d, func() { cancel(context.DeadlineExceeded) })
	return tc, func() {
		stop()
		cancel(context.Canceled)
	}
}

// timeoutCtx makes Err() say DeadlineExceeded when the virtual timeout fired,
// matching what context.WithTimeout reports.
type timeoutCtx struct{ context.Context }

func (c *timeoutCtx) Err() error {
	err := c.Context.Err()
	if err != nil && context.Cause(c.Context) == context.DeadlineExceeded {
		return context.DeadlineExceeded
	}
	return err
}
