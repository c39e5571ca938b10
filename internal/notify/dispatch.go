package notify

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Notifier is one notification target.
type Notifier interface {
	// Name identifies the target in diagnostics, without secrets.
	Name() string
	// Wants reports whether the target takes events of type t.
	Wants(t EventType) bool
	// Notify delivers one event (body is e's JSON) or says why it could not.
	Notify(ctx context.Context, e Event, body []byte) error
}

// DefaultEventTimeout bounds the delivery of one event to one target, all
// attempts included.
const DefaultEventTimeout = 15 * time.Second

// Options configure a Dispatcher.
type Options struct {
	// EventTimeout bounds one event's delivery to one target; 0 means
	// DefaultEventTimeout.
	EventTimeout time.Duration
}

// Failure is an event a target did not receive.
type Failure struct {
	Target string
	Event  EventType
	ID     string
	// Err says why: the target's error, "skipped: …" after an earlier
	// failure, or "not sent: …" when Close's context ended first.
	Err error
}

func (f Failure) String() string { return fmt.Sprintf("%s %s: %v", f.Event, f.ID, f.Err) }

// Dispatcher fans events out to targets without ever blocking its caller.
type Dispatcher struct {
	opts    Options
	queues  []*queue
	wg      sync.WaitGroup
	mu      sync.Mutex
	closed  bool
	failed  []Failure
	stopAll context.CancelFunc
	ctx     context.Context
}

// queue holds one target's pending events; its goroutine delivers them in order.
type queue struct {
	target  Notifier
	mu      sync.Mutex
	cond    *sync.Cond
	pending []pendingEvent
	closed  bool
	broken  error // the first failure: later events are skipped
}

type pendingEvent struct {
	e    Event
	body []byte
}

// Start starts one delivery goroutine per target.
func Start(targets []Notifier, opts Options) *Dispatcher {
	if opts.EventTimeout <= 0 {
		opts.EventTimeout = DefaultEventTimeout
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &Dispatcher{opts: opts, stopAll: cancel, ctx: ctx}
	for _, t := range targets {
		q := &queue{target: t}
		q.cond = sync.NewCond(&q.mu)
		d.queues = append(d.queues, q)
		d.wg.Add(1)
		go d.deliver(q)
	}
	return d
}

// Send queues e for every target that wants it and returns at once. Events
// sent after Close are dropped.
func (d *Dispatcher) Send(e Event) {
	if d == nil || len(d.queues) == 0 {
		return
	}
	d.mu.Lock()
	closed := d.closed
	d.mu.Unlock()
	if closed {
		return
	}
	body, err := e.Body()
	for _, q := range d.queues {
		if !q.target.Wants(e.Type) {
			continue
		}
		if err != nil {
			d.fail(Failure{Target: q.target.Name(), Event: e.Type, ID: e.ID, Err: fmt.Errorf("encoding the event: %w", err)})
			continue
		}
		q.mu.Lock()
		if !q.closed {
			q.pending = append(q.pending, pendingEvent{e: e, body: body})
			q.cond.Signal()
		}
		q.mu.Unlock()
	}
}

func (d *Dispatcher) fail(f Failure) {
	d.mu.Lock()
	d.failed = append(d.failed, f)
	d.mu.Unlock()
}

func (d *Dispatcher) deliver(q *queue) {
	defer d.wg.Done()
	for {
		q.mu.Lock()
		for len(q.pending) == 0 && !q.closed {
			q.cond.Wait()
		}
		if len(q.pending) == 0 {
			q.mu.Unlock()
			return
		}
		p := q.pending[0]
		q.pending = q.pending[1:]
		broken := q.broken
		q.mu.Unlock()

		if broken != nil {
			d.fail(Failure{Target: q.target.Name(), Event: p.e.Type, ID: p.e.ID, Err: fmt.Errorf("skipped: an earlier event to this target failed")})
			continue
		}
		if d.ctx.Err() != nil {
			d.fail(Failure{Target: q.target.Name(), Event: p.e.Type, ID: p.e.ID, Err: fmt.Errorf("not sent: the wait for notifications ended")})
			continue
		}
		ctx, cancel := context.WithTimeout(d.ctx, d.opts.EventTimeout)
		err := q.target.Notify(ctx, p.e, p.body)
		if err != nil && ctx.Err() != nil && d.ctx.Err() == nil {
			err = fmt.Errorf("no answer within %s: %w", d.opts.EventTimeout, err)
		}
		cancel()
		if err != nil {
			d.fail(Failure{Target: q.target.Name(), Event: p.e.Type, ID: p.e.ID, Err: err})
			q.mu.Lock()
			q.broken = err
			q.mu.Unlock()
		}
	}
}

// Close stops accepting events and waits until every queued event has been
// delivered or has failed, or until ctx ends — then the delivery in flight
// is cancelled and what is still queued is reported as not sent. It returns
// every failure, in the order they happened per target.
func (d *Dispatcher) Close(ctx context.Context) []Failure {
	if d == nil {
		return nil
	}
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	for _, q := range d.queues {
		q.mu.Lock()
		q.closed = true
		q.cond.Broadcast()
		q.mu.Unlock()
	}
	done := make(chan struct{})
	go func() { d.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		d.stopAll()
		<-done
	}
	d.stopAll()
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Failure(nil), d.failed...)
}

// Summarize groups failures by target, one line each, for a warning.
func Summarize(fs []Failure) map[string][]string {
	out := map[string][]string{}
	for _, f := range fs {
		out[f.Target] = append(out[f.Target], f.String())
	}
	return out
}
