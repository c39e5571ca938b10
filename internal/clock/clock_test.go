package clock

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func TestAutoFake_sleepJumpsTimeAndFiresCallbacksInOrder(t *testing.T) {
	c := NewAutoFake(epoch)
	var got []string
	c.AfterFunc(3*time.Second, func() { got = append(got, "b@"+c.Now().Sub(epoch).String()) })
	c.AfterFunc(time.Second, func() { got = append(got, "a@"+c.Now().Sub(epoch).String()) })
	stop := c.AfterFunc(2*time.Second, func() { got = append(got, "stopped") })
	if !stop() {
		t.Fatal("stop of a pending callback should report true")
	}
	if err := c.Sleep(context.Background(), 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if want := []string{"a@1s", "b@3s"}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("callbacks = %v, want %v", got, want)
	}
	if d := c.Now().Sub(epoch); d != 10*time.Second {
		t.Fatalf("now = +%v, want +10s", d)
	}
}

func TestAutoFake_sleepStopsWhenCallbackCancelsContext(t *testing.T) {
	c := NewAutoFake(epoch)
	ctx, cancel := WithTimeout(context.Background(), c, 90*time.Second)
	defer cancel()
	err := c.Sleep(ctx, 5*time.Minute)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Sleep error = %v, want DeadlineExceeded", err)
	}
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("ctx.Err() = %v, want DeadlineExceeded", ctx.Err())
	}
	if d := c.Now().Sub(epoch); d != 90*time.Second {
		t.Fatalf("now = +%v, want +1m30s (the timeout), not the full sleep", d)
	}
	if err := c.Sleep(ctx, time.Second); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Sleep on a done ctx = %v", err)
	}
}

func TestWithTimeout_cancelIsNotDeadline(t *testing.T) {
	c := NewAutoFake(epoch)
	ctx, cancel := WithTimeout(context.Background(), c, time.Minute)
	cancel()
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Fatalf("Err = %v, want Canceled", ctx.Err())
	}
	if c.Pending() != 0 {
		t.Fatalf("cancel should unschedule the timeout, %d pending", c.Pending())
	}
	if _, ok := ctx.Deadline(); ok {
		t.Fatal("a virtual timeout must not report a Deadline")
	}
}

func TestWithTimeout_realClockIsStdlib(t *testing.T) {
	ctx, cancel := WithTimeout(context.Background(), Real{}, time.Hour)
	defer cancel()
	if _, ok := ctx.Deadline(); !ok {
		t.Fatal("real clock timeout should carry a deadline")
	}
}

func TestManualFake_advanceWakesSleepersRaceFree(t *testing.T) {
	c := NewFake(epoch)
	const n = 8
	var wg sync.WaitGroup
	woke := make(chan time.Duration, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := time.Duration(i+1) * time.Second
			if err := c.Sleep(context.Background(), d); err != nil {
				t.Error(err)
			}
			woke <- d
		}()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.BlockUntilSleepers(ctx, n); err != nil {
		t.Fatal(err)
	}
	c.Advance(4 * time.Second)
	for range 4 {
		<-woke
	}
	select {
	case d := <-woke:
		t.Fatalf("sleeper for %v woke after only 4s", d)
	default:
	}
	c.Advance(time.Hour)
	wg.Wait()
	if d := c.Now().Sub(epoch); d != time.Hour+4*time.Second {
		t.Fatalf("now = +%v", d)
	}
}

func TestManualFake_sleepReturnsOnCancel(t *testing.T) {
	c := NewFake(epoch)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Sleep(ctx, time.Hour) }()
	bctx, bcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer bcancel()
	if err := c.BlockUntilSleepers(bctx, 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep = %v, want Canceled", err)
	}
	if c.Pending() != 0 {
		t.Fatalf("cancelled sleeper left %d pending", c.Pending())
	}
}

func TestReal_sleepHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (Real{}).Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep = %v", err)
	}
	if err := (Real{}).Sleep(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
}
