package rollout

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
)

// GateConfig is what WaitForGate needs.
type GateConfig struct {
	Checks []Check
	// Interval is the time between evaluation rounds (default 10s).
	Interval time.Duration
	// ConsecutiveSuccesses is how many rounds in a row must pass (default 1).
	ConsecutiveSuccesses int
	// EvaluationTimeout bounds one check's Evaluate (default DefaultEvaluationTimeout).
	EvaluationTimeout time.Duration
	Clock             Clock
	// Logger, when set, is called after every round with its results.
	Logger func(round int, passed bool, results []checks.Result)
}

// GateOutcome says how a gate ended.
type GateOutcome struct {
	Passed   bool
	PassedAt time.Time
	// Attempts is the number of evaluation rounds.
	Attempts int
	// Streak is the number of passing rounds in a row at the end.
	Streak int
	// LastResults are the results of the last round, one or more per check.
	LastResults []checks.Result
	// Err is why the gate stopped without passing (timeout, cancellation).
	Err error
}

// WaitForGate evaluates every check each Interval (one round is Evaluate, as
// in a rollout's holds) until ConsecutiveSuccesses rounds in a row pass —
// every result of a round must be a pass; an inconclusive, failed or error
// result, or a check that returns none, resets the streak — or ctx ends.
func WaitForGate(ctx context.Context, cfg GateConfig) GateOutcome {
	if cfg.Interval <= 0 {
		cfg.Interval = 10 * time.Second
	}
	if cfg.ConsecutiveSuccesses <= 0 {
		cfg.ConsecutiveSuccesses = 1
	}
	if cfg.EvaluationTimeout <= 0 {
		cfg.EvaluationTimeout = DefaultEvaluationTimeout
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	var out GateOutcome
	if len(cfg.Checks) == 0 {
		out.Err = errors.New("the gate has no checks")
		return out
	}
	for {
		if err := ctx.Err(); err != nil {
			out.Err = gateStopped(ctx, out)
			return out
		}
		out.Attempts++
		results := Evaluate(ctx, cfg.Clock, cfg.EvaluationTimeout, cfg.Checks)
		passed := checks.FirstNotPassing(results) == nil
		out.LastResults = results
		if passed {
			out.Streak++
		} else {
			out.Streak = 0
		}
		if cfg.Logger != nil {
			cfg.Logger(out.Attempts, passed, results)
		}
		if out.Streak >= cfg.ConsecutiveSuccesses {
			out.Passed = true
			out.PassedAt = cfg.Clock.Now()
			return out
		}
		if err := cfg.Clock.Sleep(ctx, cfg.Interval); err != nil {
			out.Err = gateStopped(ctx, out)
			return out
		}
	}
}

func gateStopped(ctx context.Context, out GateOutcome) error {
	why := "cancelled"
	if errors.Is(context.Cause(ctx), context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		why = "timed out"
	}
	return fmt.Errorf("gate %s after %d attempts (%d passing in a row)", why, out.Attempts, out.Streak)
}
