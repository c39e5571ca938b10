package rollout

import (
	"fmt"
	"strings"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// Result is how a run ended.
type Result string

const (
	// ResultSucceeded: every step completed and the bake passed; traffic is
	// on To at the last step's share (100 %, or the share a parked shift
	// stops at).
	ResultSucceeded Result = "succeeded"
	// ResultRolledBack: the run stopped (check breach, API error, weights that
	// did not take, timeout, cancellation) and the weights from before the
	// run were restored and verified.
	ResultRolledBack Result = "rolled_back"
	// ResultRollbackFailed: the run stopped and restoring failed; Final holds
	// the last weights read (traffic may be split).
	ResultRollbackFailed Result = "rollback_failed"
	// ResultPreflightFailed: the run stopped before writing anything —
	// pre-flight checks refused, the weights could not be read or adopted,
	// the configuration was invalid, or ctx ended first. Traffic is untouched.
	ResultPreflightFailed Result = "preflight_failed"
	// ResultHeld: interrupted (timeout or cancellation) with OnInterrupt
	// "hold": traffic was left where it was.
	ResultHeld Result = "held"
	// ResultConflict: the weights changed outside this run (another writer);
	// the engine wrote nothing further, did not restore, and Final is what it
	// found.
	ResultConflict Result = "conflict"
)

// Cause is the machine-readable reason a run stopped ("" on success).
type Cause string

const (
	CauseNone           Cause = ""
	CauseInvalidConfig  Cause = "invalid_config"
	CausePreflight      Cause = "preflight"
	CauseCheckFailed    Cause = "check_failed"
	CauseAPIError       Cause = "api_error"
	CauseVerifyMismatch Cause = "verify_mismatch"
	CauseConflict       Cause = "conflict"
	CauseTimeout        Cause = "timeout"
	CauseCancelled      Cause = "cancelled"
)

// EventType names a timeline entry.
type EventType string

const (
	EventRunStarted       EventType = "run_started"
	EventPreflight        EventType = "preflight"
	EventWeightsRead      EventType = "weights_read"
	EventStepSkipped      EventType = "step_skipped"
	EventStepStarted      EventType = "step_started"
	EventWeightsWritten   EventType = "weights_written"
	EventWeightsVerified  EventType = "weights_verified"
	EventEvaluation       EventType = "evaluation"
	EventStepFinished     EventType = "step_finished"
	EventRollbackStarted  EventType = "rollback_started"
	EventRestoreAttempt   EventType = "restore_attempt"
	EventRollbackFinished EventType = "rollback_finished"
	EventRunFinished      EventType = "run_finished"
)

// StepResult is how one step ended.
type StepResult string

const (
	StepCompleted   StepResult = "completed"
	StepFailed      StepResult = "failed"      // check breach, API error, or weights that did not take
	StepInterrupted StepResult = "interrupted" // timeout or cancellation
	StepConflict    StepResult = "conflict"    // weights changed outside this run
	StepSkipped     StepResult = "skipped"     // the receiving color already had at least this share
)

// Event is one entry of the timeline. Fields that do not apply are zero.
type Event struct {
	At   time.Time
	Type EventType
	// Step is the 1-based plan step, 0 outside steps (pre-flight, rollback).
	Step       int
	StepsTotal int
	Percent    int
	// Weights: the target for step_started, written/read/verified weights for
	// weights_* events, the restored weights for rollback_finished.
	Weights traffic.Weights
	// Results of a pre-flight or an evaluation.
	Results []checks.Result
	// StepResult is set on step_finished and step_skipped.
	StepResult StepResult
	// Detail is a short human line (reasons, errors).
	Detail string
}

// String renders the event on one line for logs.
func (e Event) String() string {
	var b strings.Builder
	b.WriteString(string(e.Type))
	if e.Step > 0 {
		fmt.Fprintf(&b, " step %d/%d (%d%%)", e.Step, e.StepsTotal, e.Percent)
	}
	switch e.Type {
	case EventStepStarted, EventWeightsRead, EventWeightsWritten, EventWeightsVerified, EventRollbackFinished:
		if e.Weights != (traffic.Weights{}) || e.Type != EventRollbackFinished {
			b.WriteString(" " + e.Weights.String())
		}
	}
	if e.StepResult != "" {
		b.WriteString(" " + string(e.StepResult))
	}
	for _, r := range e.Results {
		fmt.Fprintf(&b, "; %s=%s", r.Check, r.Verdict)
	}
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	return b.String()
}

// Outcome is everything a run did, as data. Render it at the edge.
type Outcome struct {
	Result Result
	Cause  Cause
	From   Color
	To     Color
	// Initial are the weights read before the first write (zero and
	// InitialKnown false when the run stopped before reading).
	Initial      traffic.Weights
	InitialKnown bool
	// Final are the weights last read or verified; FinalKnown is false when
	// they were never read.
	Final      traffic.Weights
	FinalKnown bool
	StartedAt  time.Time
	FinishedAt time.Time
	// Reason is one line: what stopped the run, where, the measured value and
	// threshold, and what the rollback did. Empty on success.
	Reason string
	// FailedResult is the check result that stopped the run (breach or
	// pre-flight refusal), if any.
	FailedResult *checks.Result
	// PreflightResults are the pre-flight results.
	PreflightResults []checks.Result
	// Err is the underlying error for API failures and failed restores, so
	// callers can errors.As it (e.g. *alb.UnsupportedActionError).
	Err error
	// StepsCompleted counts steps whose hold finished; StepsTotal is the
	// plan's step count (skipped steps included).
	StepsCompleted int
	StepsTotal     int
	Timeline       []Event
}

// Succeeded reports Result == ResultSucceeded.
func (o Outcome) Succeeded() bool { return o.Result == ResultSucceeded }

// Duration is FinishedAt - StartedAt.
func (o Outcome) Duration() time.Duration { return o.FinishedAt.Sub(o.StartedAt) }

// Summary is one line for logs and diagnostics, e.g.
// "rolled_back blue→green after 1/3 steps in 4m10s: check … ; final blue=100 green=0".
func (o Outcome) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s→%s after %d/%d steps in %s", o.Result, o.From, o.To, o.StepsCompleted, o.StepsTotal, o.Duration())
	if o.Reason != "" {
		b.WriteString(": " + o.Reason)
	}
	if o.FinalKnown {
		b.WriteString("; final " + o.Final.String())
	}
	return b.String()
}

// StepRecord is the compact per-step form of the timeline, small enough to
// keep in Terraform state (last_shift.steps).
type StepRecord struct {
	Step        int
	Percent     int
	Blue        int32
	Green       int32
	StartedAt   time.Time // zero for skipped steps
	FinishedAt  time.Time // zero when the run ended inside the step without finishing it
	Result      StepResult
	Evaluations int
}

// StepRecords compacts the outcome's timeline; see CompactTimeline.
func (o Outcome) StepRecords() []StepRecord { return CompactTimeline(o.Timeline) }

// CompactTimeline turns a timeline into one record per step that was started
// or skipped, in order.
func CompactTimeline(events []Event) []StepRecord {
	var out []StepRecord
	index := map[int]int{}
	for _, e := range events {
		switch e.Type {
		case EventStepSkipped:
			index[e.Step] = len(out)
			out = append(out, StepRecord{Step: e.Step, Percent: e.Percent, Blue: e.Weights.Blue, Green: e.Weights.Green, Result: StepSkipped})
		case EventStepStarted:
			index[e.Step] = len(out)
			out = append(out, StepRecord{Step: e.Step, Percent: e.Percent, Blue: e.Weights.Blue, Green: e.Weights.Green, StartedAt: e.At})
		case EventEvaluation:
			if i, ok := index[e.Step]; ok {
				out[i].Evaluations++
			}
		case EventStepFinished:
			if i, ok := index[e.Step]; ok {
				out[i].FinishedAt = e.At
				out[i].Result = e.StepResult
			}
		}
	}
	return out
}
