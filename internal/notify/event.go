package notify

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// Schema names the payload format; it changes only with an incompatible change.
const Schema = "bluegreen.notification.v1"

// EventType is what happened.
type EventType string

const (
	// ShiftStarted: the engine started a shift (before its pre-flight).
	ShiftStarted EventType = "shift_started"
	// StepFinished: a step's hold ended (step.result says how: completed,
	// failed, interrupted, conflict).
	StepFinished EventType = "step_finished"
	// RollbackStarted: the shift stopped and the previous weights are being
	// restored (reason says why).
	RollbackStarted EventType = "rollback_started"
	// RollbackFinished: the restore ended (result "restored" or
	// "restore_failed"/"not_restored"; weights are the restored ones).
	RollbackFinished EventType = "rollback_finished"
	// ShiftFinished: the shift ended; result is the outcome (succeeded,
	// rolled_back, rollback_failed, preflight_failed, held, conflict).
	ShiftFinished EventType = "shift_finished"
)

// EventTypes are all event types, in the order a shift can emit them.
var EventTypes = []EventType{ShiftStarted, StepFinished, RollbackStarted, RollbackFinished, ShiftFinished}

// ValidEventType reports whether s names an event type.
func ValidEventType(s string) bool {
	for _, t := range EventTypes {
		if string(t) == s {
			return true
		}
	}
	return false
}

// Switch identifies the switch a shift belongs to. Terraform does not tell a
// provider the resource address, so the switch is named by its ID and the
// user's name.
type Switch struct {
	// ID is the switch's Terraform ID.
	ID string `json:"id"`
	// Name is the user's name for it ("" when not configured).
	Name string `json:"name,omitempty"`
	// Type is the resource type, e.g. "bluegreen_listener_switch".
	Type string `json:"type"`
}

// Shift describes the shift an event belongs to.
type Shift struct {
	// ID is unique per shift: events of one shift share it.
	ID   string `json:"id"`
	From string `json:"from"`
	To   string `json:"to"`
	// Strategy is the plan in words, e.g. "canary 10% → 50% → 100%, bake 1m".
	Strategy   string `json:"strategy"`
	StepsTotal int    `json:"steps_total"`
}

// Step is the step an event is about.
type Step struct {
	// Index is 1-based.
	Index   int    `json:"index"`
	Percent int    `json:"percent"`
	Result  string `json:"result"`
}

// Weights are the two colors' weights.
type Weights struct {
	Blue  int32 `json:"blue"`
	Green int32 `json:"green"`
}

// Event is one notification, as sent (JSON) to every target.
type Event struct {
	Schema string `json:"schema"`
	// ID identifies the delivery: "<shift id>-<sequence>". Receivers can
	// use it to drop a duplicate (a retry after a lost response).
	ID string `json:"id"`
	// Type is what happened.
	Type EventType `json:"event"`
	// Sequence numbers the shift's events from 1, in emission order.
	Sequence int       `json:"sequence"`
	Time     time.Time `json:"time"`
	Switch   Switch    `json:"switch"`
	Shift    Shift     `json:"shift"`
	// Step is set on step_finished.
	Step *Step `json:"step,omitempty"`
	// Weights: the weights the step wrote (step_finished), the baseline
	// being restored (rollback_started), the restored or found weights
	// (rollback_finished), the final weights read (shift_finished).
	Weights *Weights `json:"weights,omitempty"`
	// Result: step result (step_finished), restore result
	// (rollback_finished) or the shift's result (shift_finished).
	Result string `json:"result,omitempty"`
	// Cause is machine-readable (shift_finished of a failed shift):
	// check_failed, api_error, timeout, cancelled, preflight, …
	Cause string `json:"cause,omitempty"`
	// Reason is one human line: what stopped the shift or what a rollback did.
	Reason string `json:"reason,omitempty"`
}

// Body is the event's JSON encoding, as posted and published.
func (e Event) Body() ([]byte, error) { return json.Marshal(e) }

// ShiftEvents turns one shift's engine events into notifications. It is
// not safe for concurrent use; the engine emits events from one goroutine.
type ShiftEvents struct {
	sw    Switch
	shift Shift
	seq   int
	// stepWeights remembers each step's target weights (step_started) for
	// its step_finished.
	stepWeights map[int]traffic.Weights
	// baseline is what a rollback restores (rollback_started's weights).
	baseline *traffic.Weights
}

// NewShiftEvents starts the notifications of one shift. shiftID "" draws a
// random one.
func NewShiftEvents(sw Switch, shiftID string, plan rollout.ShiftPlan) *ShiftEvents {
	if shiftID == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		shiftID = hex.EncodeToString(b[:])
	}
	return &ShiftEvents{sw: sw, shift: Shift{ID: shiftID, From: string(plan.From), To: string(plan.To),
		Strategy: plan.String(), StepsTotal: len(plan.Steps)}, stepWeights: map[int]traffic.Weights{}}
}

func (s *ShiftEvents) next(t EventType, at time.Time) Event {
	s.seq++
	return Event{Schema: Schema, ID: fmt.Sprintf("%s-%d", s.shift.ID, s.seq), Type: t, Sequence: s.seq,
		Time: at.UTC(), Switch: s.sw, Shift: s.shift}
}

func weightsOf(w traffic.Weights) *Weights { return &Weights{Blue: w.Blue, Green: w.Green} }

// FromEngine maps an engine event to a notification; ok is false for the
// events that are not notified (reads, writes, evaluations, skipped steps,
// restore attempts, and run_finished, which Finished reports with the
// outcome).
func (s *ShiftEvents) FromEngine(e rollout.Event) (ev Event, ok bool) {
	switch e.Type {
	case rollout.EventRunStarted:
		return s.next(ShiftStarted, e.At), true
	case rollout.EventStepStarted:
		s.stepWeights[e.Step] = e.Weights
		return Event{}, false
	case rollout.EventStepFinished:
		ev = s.next(StepFinished, e.At)
		ev.Step = &Step{Index: e.Step, Percent: e.Percent, Result: string(e.StepResult)}
		if w, ok := s.stepWeights[e.Step]; ok {
			ev.Weights = weightsOf(w)
		}
		ev.Reason = e.Detail
		return ev, true
	case rollout.EventRollbackStarted:
		ev = s.next(RollbackStarted, e.At)
		ev.Weights = weightsOf(e.Weights)
		b := e.Weights
		s.baseline = &b
		ev.Reason = e.Detail
		return ev, true
	case rollout.EventRollbackFinished:
		ev = s.next(RollbackFinished, e.At)
		// The engine reports the restored weights, the weights it found
		// changed by someone else (and left), or none when restoring failed.
		switch {
		case e.Weights == (traffic.Weights{}):
			ev.Result = "restore_failed"
		case s.baseline != nil && e.Weights == *s.baseline:
			ev.Result = "restored"
		default:
			ev.Result = "not_restored"
		}
		if e.Weights != (traffic.Weights{}) {
			ev.Weights = weightsOf(e.Weights)
		}
		if ev.Result != "restored" {
			ev.Reason = e.Detail
		}
		return ev, true
	}
	return Event{}, false
}

// Finished is the shift_finished notification of an outcome.
func (s *ShiftEvents) Finished(o rollout.Outcome) Event {
	ev := s.next(ShiftFinished, o.FinishedAt)
	ev.Result, ev.Cause, ev.Reason = string(o.Result), string(o.Cause), o.Reason
	if o.FinalKnown {
		ev.Weights = weightsOf(o.Final)
	}
	return ev
}
