package rollout

import (
	"fmt"
	"strings"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// Color is a side of the pair; see traffic.Color.
type Color = traffic.Color

// The two colors, re-exported for callers that only import the engine.
const (
	Blue  = traffic.Blue
	Green = traffic.Green
)

// Strategy types.
const (
	StrategyAllAtOnce = "all_at_once"
	StrategyCanary    = "canary"
	StrategyLinear    = "linear"
)

// Strategy says how traffic moves from one color to the other.
type Strategy struct {
	// Type is all_at_once, canary or linear.
	Type string
	// Steps are the canary percents for the receiving color: strictly
	// ascending, each 1–99. 100 is appended. Ignored by other types.
	Steps []int
	// StepPercent is the linear increment, 1–99: p, 2p, … below 100, then
	// 100. Ignored by other types.
	StepPercent int
	// StepInterval is how long each step before the last is held (and
	// watched). Ignored by all_at_once.
	StepInterval time.Duration
}

// Step is one weight change and the hold that follows it.
type Step struct {
	// Index is 1-based.
	Index int
	// Percent is the receiving color's share, 1–100.
	Percent int
	// Weights are the exact forward weights written: receiving = Percent,
	// other = 100 - Percent.
	Weights traffic.Weights
	// Hold is how long the step is held while checks are evaluated: the
	// strategy's StepInterval, or the bake time for the final 100% step.
	Hold time.Duration
	// Final marks the last step: 100 %, or the share a parked shift stops
	// at (held for the bake like the 100 % step).
	Final bool
}

// ShiftPlan is the list of steps for moving traffic From one color To the
// other.
type ShiftPlan struct {
	From, To Color
	Strategy string
	Steps    []Step
	Bake     time.Duration
}

// ValidationError reports an invalid strategy or plan input. Field is the Go
// field name (Type, Steps, StepPercent, StepInterval, Bake, From, To) so the
// provider can map it to an attribute path; Index is the position within
// Steps, or -1.
type ValidationError struct {
	Field   string
	Index   int
	Message string
}

func (e *ValidationError) Error() string {
	if e.Index >= 0 {
		return fmt.Sprintf("%s[%d]: %s", e.Field, e.Index, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Field, e.Message)
}

func invalid(field string, index int, format string, args ...any) error {
	return &ValidationError{Field: field, Index: index, Message: fmt.Sprintf(format, args...)}
}

// PlanShift validates s and expands it into steps moving traffic from → to.
// Fields that do not apply to s.Type are ignored (the provider's schema
// rejects conflicting attributes).
func PlanShift(s Strategy, from, to Color, bake time.Duration) (ShiftPlan, error) {
	if !from.Valid() {
		return ShiftPlan{}, invalid("From", -1, "%q is not a color: must be %q or %q", from, Blue, Green)
	}
	if !to.Valid() {
		return ShiftPlan{}, invalid("To", -1, "%q is not a color: must be %q or %q", to, Blue, Green)
	}
	if from == to {
		return ShiftPlan{}, invalid("To", -1, "shift must move traffic to the other color, but From and To are both %q", to)
	}
	if bake < 0 {
		return ShiftPlan{}, invalid("Bake", -1, "bake time %s must not be negative", bake)
	}
	if s.StepInterval < 0 {
		return ShiftPlan{}, invalid("StepInterval", -1, "step interval %s must not be negative", s.StepInterval)
	}
	var percents []int
	switch s.Type {
	case StrategyAllAtOnce:
	case StrategyCanary:
		if len(s.Steps) == 0 {
			return ShiftPlan{}, invalid("Steps", -1, "a canary strategy needs at least one step percent below 100, e.g. [10, 50]")
		}
		for i, p := range s.Steps {
			if p < 1 || p > 99 {
				return ShiftPlan{}, invalid("Steps", i, "%d is out of range: each canary step is a percent from 1 to 99 (100 is always the last step and is added for you)", p)
			}
			if i > 0 && p <= s.Steps[i-1] {
				return ShiftPlan{}, invalid("Steps", i, "%d does not exceed the previous step %d: canary steps must be strictly ascending", p, s.Steps[i-1])
			}
			percents = append(percents, p)
		}
	case StrategyLinear:
		if s.StepPercent < 1 || s.StepPercent > 99 {
			return ShiftPlan{}, invalid("StepPercent", -1, "%d is out of range: the linear step percent must be from 1 to 99", s.StepPercent)
		}
		for p := s.StepPercent; p < 100; p += s.StepPercent {
			percents = append(percents, p)
		}
	default:
		return ShiftPlan{}, invalid("Type", -1, "%q is not a strategy: must be %s, %s or %s", s.Type, StrategyAllAtOnce, StrategyCanary, StrategyLinear)
	}
	plan := ShiftPlan{From: from, To: to, Strategy: s.Type, Bake: bake}
	for _, p := range percents {
		plan.Steps = append(plan.Steps, Step{Index: len(plan.Steps) + 1, Percent: p, Weights: traffic.Split(to, p), Hold: s.StepInterval})
	}
	plan.Steps = append(plan.Steps, Step{Index: len(plan.Steps) + 1, Percent: 100, Weights: traffic.Split(to, 100), Hold: bake, Final: true})
	return plan, nil
}

// Validate checks a plan built by hand (PlanShift output always passes).
func (p ShiftPlan) Validate() error {
	if !p.From.Valid() || !p.To.Valid() || p.From == p.To {
		return invalid("To", -1, "plan must move traffic between blue and green, got %q → %q", p.From, p.To)
	}
	if len(p.Steps) == 0 {
		return invalid("Steps", -1, "plan has no steps")
	}
	for i, s := range p.Steps {
		if s.Percent < 1 || s.Percent > 100 || (i > 0 && s.Percent <= p.Steps[i-1].Percent) {
			return invalid("Steps", i, "step percents must be strictly ascending within 1–100, got %d", s.Percent)
		}
		if s.Weights != traffic.Split(p.To, s.Percent) {
			return invalid("Steps", i, "weights %s do not match %d%% to %s", s.Weights, s.Percent, p.To)
		}
		if s.Hold < 0 {
			return invalid("Steps", i, "hold %s must not be negative", s.Hold)
		}
	}
	if last := p.Steps[len(p.Steps)-1]; last.Percent != 100 && !last.Final {
		return invalid("Steps", len(p.Steps)-1, "the last step must send 100%% to %s (or be marked Final: a parked share), got %d%%", p.To, last.Percent)
	}
	return nil
}

// Percents lists the receiving color's share at each step, e.g. [10 50 100].
func (p ShiftPlan) Percents() []int {
	out := make([]int, len(p.Steps))
	for i, s := range p.Steps {
		out[i] = s.Percent
	}
	return out
}

// HoldDuration is the sum of all holds (step intervals plus bake).
func (p ShiftPlan) HoldDuration() time.Duration {
	var d time.Duration
	for _, s := range p.Steps {
		d += s.Hold
	}
	return d
}

// EvaluationsPerStep is how many times checks are evaluated during a hold:
// one at each evaluation interval and one at the end of the hold (never
// fewer than one, even for a zero hold).
func EvaluationsPerStep(hold, evalInterval time.Duration) int {
	if evalInterval <= 0 {
		evalInterval = DefaultEvaluationInterval
	}
	if hold <= 0 {
		return 1
	}
	return int((hold + evalInterval - 1) / evalInterval)
}

// WorstCaseDuration is how long Run can take for this plan when checks are
// configured: every hold runs to its end, the pre-flight and every
// evaluation take the full evalTimeout (0 means DefaultEvaluationTimeout),
// and a rollback at the very end uses the whole restore budget
// (DefaultRestoreTimeout). Show it at plan time and compare it with the
// apply timeout.
func (p ShiftPlan) WorstCaseDuration(evalInterval, evalTimeout time.Duration) time.Duration {
	if evalTimeout <= 0 {
		evalTimeout = DefaultEvaluationTimeout
	}
	d := evalTimeout // pre-flight
	for _, s := range p.Steps {
		d += s.Hold + time.Duration(EvaluationsPerStep(s.Hold, evalInterval))*evalTimeout
	}
	return d + DefaultRestoreTimeout
}

// String renders the plan compactly, e.g.
// "canary blue→green: 10% for 5m0s, 50% for 5m0s, 100% bake 10m0s".
func (p ShiftPlan) String() string {
	parts := make([]string, len(p.Steps))
	for i, s := range p.Steps {
		if s.Final {
			parts[i] = fmt.Sprintf("%d%% bake %s", s.Percent, s.Hold)
		} else {
			parts[i] = fmt.Sprintf("%d%% for %s", s.Percent, s.Hold)
		}
	}
	return fmt.Sprintf("%s %s→%s: %s", p.Strategy, p.From, p.To, strings.Join(parts, ", "))
}
