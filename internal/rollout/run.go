package rollout

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// Router reads and writes the forward weights of one switch point. The ALB
// listener and rule routers (internal/traffic/alb) implement it.
type Router interface {
	Read(ctx context.Context) (traffic.Weights, error)
	Set(ctx context.Context, w traffic.Weights) error
}

// RestoreRouter is a Router with a write of its own for a rollback's
// restore (optional): the engine restores through SetRestore instead of Set,
// same contract. The ALB router turns group stickiness off in that write, so
// that clients stuck to the color rolled back from follow the restored
// weights at once.
type RestoreRouter interface {
	SetRestore(ctx context.Context, w traffic.Weights) error
}

// Check is one health check; see package checks.
type Check interface {
	Name() string
	Evaluate(ctx context.Context) []checks.Result
}

// Clock is the time source; clock.Real and *clock.Fake implement it.
type Clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// InterruptPolicy says what a timeout or cancellation does.
type InterruptPolicy string

const (
	// InterruptRollback restores the weights from before the run (default).
	InterruptRollback InterruptPolicy = "rollback"
	// InterruptHold leaves traffic where it is.
	InterruptHold InterruptPolicy = "hold"
)

// Defaults applied to zero RunConfig fields.
const (
	DefaultEvaluationInterval = 30 * time.Second
	DefaultEvaluationTimeout  = 30 * time.Second
	DefaultFailureThreshold   = 2
	DefaultInconclusiveLimit  = 3
	DefaultErrorLimit         = 2
	DefaultRestoreAttempts    = 3
	DefaultRestoreBackoff     = time.Second
	DefaultRestoreTimeout     = 10 * time.Second
	DefaultVerifyRetryDelay   = time.Second
)

// Tolerance sentinels for InconclusiveLimit and ErrorLimit (0 means the
// default).
const (
	// ZeroTolerance: every inconclusive (or error) result counts as a failure.
	ZeroTolerance = -1
	// UnlimitedTolerance: inconclusive (or error) results never count as
	// failures — the opt-out from failing closed.
	UnlimitedTolerance = math.MaxInt
)

// RunConfig is everything Run needs. Zero values take the defaults above.
type RunConfig struct {
	Router Router
	// From and To default to the plan's; when set they must match it.
	From, To Color
	Plan     ShiftPlan
	// Preflight checks run once before any write; every result must pass.
	// At least one is required: the target health of the receiving color
	// (ALB fails open when a group has no healthy target).
	Preflight []Check
	// Checks are the rollback_on checks, evaluated during every hold.
	Checks []Check
	// EvaluationInterval is the cadence of Checks during holds.
	EvaluationInterval time.Duration
	// EvaluationTimeout bounds each check's Evaluate call.
	EvaluationTimeout time.Duration
	// FailureThreshold is how many consecutive failed evaluations of one
	// result trip a rollback.
	FailureThreshold int
	// InconclusiveLimit is how many consecutive inconclusive evaluations of
	// one result are tolerated; each one beyond counts as a failed evaluation.
	// 0 = DefaultInconclusiveLimit; ZeroTolerance; UnlimitedTolerance.
	InconclusiveLimit int
	// ErrorLimit is the same for error verdicts (could not measure).
	// 0 = DefaultErrorLimit; ZeroTolerance; UnlimitedTolerance (opt out of
	// failing closed).
	ErrorLimit int
	// Clock defaults to clock.Real.
	Clock Clock
	// Logger, when set, is called synchronously with every timeline event.
	Logger func(Event)
	// OnInterrupt is what a timeout or cancellation does (default rollback).
	OnInterrupt InterruptPolicy
	// RestoreAttempts, RestoreBackoff (doubling) and RestoreTimeout bound the
	// restore, which runs on a fresh context.
	RestoreAttempts int
	RestoreBackoff  time.Duration
	RestoreTimeout  time.Duration
	// VerifyRetryDelay is the pause before the one re-read allowed when the
	// weights read back after a write differ from those written.
	VerifyRetryDelay time.Duration
}

// withDefaults validates cfg and returns a copy with defaults applied.
func (cfg RunConfig) withDefaults() (RunConfig, error) {
	if cfg.Router == nil {
		return cfg, errors.New("a router is required")
	}
	if err := cfg.Plan.Validate(); err != nil {
		return cfg, fmt.Errorf("plan: %w", err)
	}
	if cfg.From == "" {
		cfg.From = cfg.Plan.From
	}
	if cfg.To == "" {
		cfg.To = cfg.Plan.To
	}
	if cfg.From != cfg.Plan.From || cfg.To != cfg.Plan.To {
		return cfg, fmt.Errorf("From/To %s→%s do not match the plan's %s→%s", cfg.From, cfg.To, cfg.Plan.From, cfg.Plan.To)
	}
	if len(cfg.Preflight) == 0 {
		return cfg, errors.New("no pre-flight checks: a shift must first check that the receiving color has healthy targets")
	}
	for _, c := range append(append([]Check(nil), cfg.Preflight...), cfg.Checks...) {
		if c == nil {
			return cfg, errors.New("nil check")
		}
	}
	switch cfg.OnInterrupt {
	case "":
		cfg.OnInterrupt = InterruptRollback
	case InterruptRollback, InterruptHold:
	default:
		return cfg, fmt.Errorf("OnInterrupt %q: must be %q or %q", cfg.OnInterrupt, InterruptRollback, InterruptHold)
	}
	if cfg.EvaluationInterval <= 0 {
		cfg.EvaluationInterval = DefaultEvaluationInterval
	}
	if cfg.EvaluationTimeout <= 0 {
		cfg.EvaluationTimeout = DefaultEvaluationTimeout
	}
	if cfg.FailureThreshold <= 0 {
		cfg.FailureThreshold = DefaultFailureThreshold
	}
	cfg.InconclusiveLimit = tolerance(cfg.InconclusiveLimit, DefaultInconclusiveLimit)
	cfg.ErrorLimit = tolerance(cfg.ErrorLimit, DefaultErrorLimit)
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.RestoreAttempts <= 0 {
		cfg.RestoreAttempts = DefaultRestoreAttempts
	}
	if cfg.RestoreBackoff <= 0 {
		cfg.RestoreBackoff = DefaultRestoreBackoff
	}
	if cfg.RestoreTimeout <= 0 {
		cfg.RestoreTimeout = DefaultRestoreTimeout
	}
	if cfg.VerifyRetryDelay <= 0 {
		cfg.VerifyRetryDelay = DefaultVerifyRetryDelay
	}
	return cfg, nil
}

func tolerance(v, def int) int {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

// Run executes the plan; see the package documentation for every rule it
// follows. It never returns early on ctx: an interrupted run still restores
// (on a fresh context) and reports.
func Run(ctx context.Context, cfg RunConfig) Outcome {
	cfg, err := cfg.withDefaults()
	if err != nil {
		now := time.Now()
		if cfg.Clock != nil {
			now = cfg.Clock.Now()
		}
		return Outcome{
			Result: ResultPreflightFailed, Cause: CauseInvalidConfig, From: cfg.From, To: cfg.To,
			StartedAt: now, FinishedAt: now, StepsTotal: len(cfg.Plan.Steps),
			Reason: "invalid run configuration: " + err.Error(), Err: err,
		}
	}
	r := &runner{
		cfg:     cfg,
		clk:     cfg.Clock,
		tracker: newTracker(cfg.FailureThreshold, cfg.InconclusiveLimit, cfg.ErrorLimit),
		written: map[traffic.Weights]bool{},
	}
	r.out = Outcome{From: cfg.From, To: cfg.To, StepsTotal: len(cfg.Plan.Steps), StartedAt: r.clk.Now()}
	r.run(ctx)
	r.out.FinishedAt = r.clk.Now()
	r.emit(Event{Type: EventRunFinished, Detail: r.out.Summary()})
	return r.out
}

type runner struct {
	cfg          RunConfig
	clk          Clock
	tracker      *tracker
	out          Outcome
	baseline     traffic.Weights
	lastVerified traffic.Weights
	written      map[traffic.Weights]bool
	// firstTraffic is when the receiving color got traffic in this run: the
	// run's start when it already had some, else its first write. Initial
	// delays count from it.
	firstTraffic time.Time
}

// stop says why the run cannot continue.
type stop struct {
	cause  Cause
	reason string
	result *checks.Result
	err    error
	found  traffic.Weights // for conflicts
	// foundUnknown: the conflict's weights could not be read.
	foundUnknown bool
	step         StepResult
}

func (r *runner) emit(e Event) {
	e.At = r.clk.Now()
	if e.Step > 0 {
		e.StepsTotal = len(r.cfg.Plan.Steps)
	}
	r.out.Timeline = append(r.out.Timeline, e)
	if r.cfg.Logger != nil {
		r.cfg.Logger(e)
	}
}

func (r *runner) run(ctx context.Context) {
	r.emit(Event{Type: EventRunStarted, Detail: r.cfg.Plan.String()})

	if s := r.preflight(ctx); s != nil {
		r.endBeforeWrite(s)
		return
	}
	base, err := r.cfg.Router.Read(ctx)
	if err != nil {
		r.endBeforeWrite(r.apiStop(ctx, "reading current weights", err, ""))
		return
	}
	r.baseline, r.lastVerified = base, base
	r.out.Initial, r.out.InitialKnown = base, true
	r.setFinal(base)
	r.emit(Event{Type: EventWeightsRead, Weights: base, Detail: "weights before the shift"})
	if base.Of(r.cfg.To) > 0 {
		r.firstTraffic = r.out.StartedAt
	}

	current := base.Percent(r.cfg.To)
	first := true
	for _, step := range r.cfg.Plan.Steps {
		if float64(step.Percent) <= current {
			r.emit(Event{Type: EventStepSkipped, Step: step.Index, Percent: step.Percent, Weights: step.Weights, StepResult: StepSkipped,
				Detail: fmt.Sprintf("%s already receives %s%%", r.cfg.To, checks.FormatValue(current))})
			continue
		}
		if s := r.step(ctx, step, first); s != nil {
			r.emit(Event{Type: EventStepFinished, Step: step.Index, Percent: step.Percent, StepResult: s.step, Detail: s.reason})
			r.end(s)
			return
		}
		first = false
		r.out.StepsCompleted++
		r.emit(Event{Type: EventStepFinished, Step: step.Index, Percent: step.Percent, StepResult: StepCompleted})
	}
	r.out.Result = ResultSucceeded
}

// preflight evaluates the pre-flight checks once; any non-pass refuses.
func (r *runner) preflight(ctx context.Context) *stop {
	if ctx.Err() != nil {
		return r.interruptStop(ctx, "before pre-flight")
	}
	results := r.evaluate(ctx, r.cfg.Preflight)
	r.out.PreflightResults = results
	r.emit(Event{Type: EventPreflight, Results: results})
	if ctx.Err() != nil {
		return r.interruptStop(ctx, "during pre-flight")
	}
	if bad := checks.FirstNotPassing(results); bad != nil {
		return &stop{cause: CausePreflight, result: bad,
			reason: fmt.Sprintf("pre-flight check %s did not pass, nothing was written: %s", bad.Check, resultLine(*bad))}
	}
	return nil
}

// step writes one step's weights, verifies them and holds.
func (r *runner) step(ctx context.Context, step Step, first bool) *stop {
	where := r.where(step)
	r.emit(Event{Type: EventStepStarted, Step: step.Index, Percent: step.Percent, Weights: step.Weights})
	if !first {
		// Read right before writing: detects outside changes made during
		// the previous hold and gives the router a fresh action list.
		cur, err := r.cfg.Router.Read(ctx)
		if err != nil {
			return r.apiStop(ctx, "reading weights", err, where)
		}
		r.setFinal(cur)
		if cur != r.lastVerified {
			return r.unexpected(cur, r.lastVerified, "changed during the previous hold", where)
		}
	}
	if ctx.Err() != nil {
		return r.interruptStop(ctx, where)
	}
	r.written[step.Weights] = true
	// Once a write succeeds the last read no longer says what the router
	// has, until the next read; a failed write wrote nothing (the router
	// contract), so the last read still holds.
	known := r.out.FinalKnown
	r.out.FinalKnown = false
	if err := r.cfg.Router.Set(ctx, step.Weights); err != nil {
		r.out.FinalKnown = known
		if errors.Is(err, traffic.ErrConflict) {
			return r.conflictOnWrite(ctx, err, where)
		}
		return r.apiStop(ctx, "writing weights", err, where)
	}
	r.emit(Event{Type: EventWeightsWritten, Step: step.Index, Percent: step.Percent, Weights: step.Weights})
	if r.firstTraffic.IsZero() && step.Weights.Of(r.cfg.To) > 0 {
		r.firstTraffic = r.clk.Now()
	}

	got, err := r.cfg.Router.Read(ctx)
	if err != nil {
		return r.apiStop(ctx, "reading back weights", err, where)
	}
	r.setFinal(got)
	if got != step.Weights {
		// One re-read after a short pause before calling it a mismatch.
		if err := r.clk.Sleep(ctx, r.cfg.VerifyRetryDelay); err != nil {
			return r.interruptStop(ctx, where)
		}
		if got, err = r.cfg.Router.Read(ctx); err != nil {
			return r.apiStop(ctx, "reading back weights", err, where)
		}
		r.setFinal(got)
		if got != step.Weights {
			return r.unexpected(got, step.Weights, "did not take effect", where)
		}
	}
	r.lastVerified = got
	r.emit(Event{Type: EventWeightsVerified, Step: step.Index, Percent: step.Percent, Weights: got})
	return r.hold(ctx, step, where)
}

// hold waits out the step's hold, evaluating checks on the cadence.
func (r *runner) hold(ctx context.Context, step Step, where string) *stop {
	if len(r.cfg.Checks) == 0 {
		if err := r.clk.Sleep(ctx, step.Hold); err != nil {
			return r.interruptStop(ctx, where)
		}
		return nil
	}
	start := r.clk.Now()
	holdFor := r.holdLength(step, start)
	for k := 1; ; k++ {
		offset := min(time.Duration(k)*r.cfg.EvaluationInterval, holdFor)
		if wait := start.Add(offset).Sub(r.clk.Now()); wait > 0 {
			if err := r.clk.Sleep(ctx, wait); err != nil {
				return r.interruptStop(ctx, where)
			}
		}
		results := r.evaluateHold(ctx)
		if ctx.Err() != nil {
			return r.interruptStop(ctx, where) // results of a cancelled evaluation mean nothing
		}
		r.emit(Event{Type: EventEvaluation, Step: step.Index, Percent: step.Percent, Results: results})
		if t := r.tracker.observe(results); t != nil {
			res := t.result
			return &stop{cause: CauseCheckFailed, result: &res, step: StepFailed,
				reason: fmt.Sprintf("%s %s: %s", t.describe(), where, resultLine(res))}
		}
		if offset >= holdFor {
			return nil
		}
	}
}

// evaluate runs one round of checks (see Evaluate).
func (r *runner) evaluate(ctx context.Context, cs []Check) []checks.Result {
	return Evaluate(ctx, r.clk, r.cfg.EvaluationTimeout, cs)
}

// where renders "at step 2/3 (50%)".
func (r *runner) where(step Step) string {
	s := fmt.Sprintf("at step %d/%d (%d%%", step.Index, len(r.cfg.Plan.Steps), step.Percent)
	if step.Final {
		s += ", bake"
	}
	return s + ")"
}

func (r *runner) setFinal(w traffic.Weights) { r.out.Final, r.out.FinalKnown = w, true }

func (r *runner) ours(w traffic.Weights) bool { return w == r.baseline || r.written[w] }

// unexpected handles weights that are not what we expected. Weights this run
// wrote (or the baseline) mean our own write did not take: roll back. Any
// other weights mean another writer: stop without touching anything.
func (r *runner) unexpected(found, expected traffic.Weights, what, where string) *stop {
	if r.ours(found) {
		return &stop{cause: CauseVerifyMismatch, found: found, step: StepFailed,
			reason: fmt.Sprintf("weights %s %s: expected %s, read %s", what, where, expected, found)}
	}
	return &stop{cause: CauseConflict, found: found, step: StepConflict,
		reason: fmt.Sprintf("weights changed outside this run %s: expected %s, found %s; not overwriting another writer's change", where, expected, found)}
}

// conflictOnWrite handles a write the router refused because another writer
// changed the weights since it read them (traffic.ErrConflict): a conflict,
// never retried and never rolled back over. What the other writer left is
// read for the outcome.
func (r *runner) conflictOnWrite(ctx context.Context, err error, where string) *stop {
	s := &stop{cause: CauseConflict, err: err, step: StepConflict, foundUnknown: true,
		reason: fmt.Sprintf("writing weights %s refused: %v; not overwriting another writer's change", where, err)}
	rctx, cancel := clock.WithTimeout(context.WithoutCancel(ctx), r.clk, r.cfg.RestoreTimeout)
	defer cancel()
	if found, rerr := r.cfg.Router.Read(rctx); rerr == nil {
		s.found, s.foundUnknown = found, false
	}
	return s
}

func (r *runner) apiStop(ctx context.Context, op string, err error, where string) *stop {
	if ctx.Err() != nil {
		return r.interruptStop(ctx, where)
	}
	reason := op + " failed"
	if where != "" {
		reason = op + " " + where + " failed"
	}
	return &stop{cause: CauseAPIError, err: err, step: StepFailed, reason: reason + ": " + err.Error()}
}

func (r *runner) interruptStop(ctx context.Context, where string) *stop {
	if where == "" {
		where = "before any write"
	}
	if errors.Is(context.Cause(ctx), context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &stop{cause: CauseTimeout, step: StepInterrupted, reason: "timed out " + where, err: context.Cause(ctx)}
	}
	return &stop{cause: CauseCancelled, step: StepInterrupted, reason: "cancelled " + where, err: context.Cause(ctx)}
}

// endBeforeWrite records a stop that happened before any write.
func (r *runner) endBeforeWrite(s *stop) {
	r.out.Result = ResultPreflightFailed
	r.out.Cause, r.out.Reason, r.out.FailedResult, r.out.Err = s.cause, s.reason, s.result, s.err
}

// end decides between conflict, hold and rollback.
func (r *runner) end(s *stop) {
	r.out.Cause, r.out.FailedResult, r.out.Err = s.cause, s.result, s.err
	switch {
	case s.cause == CauseConflict:
		r.out.Result, r.out.Reason = ResultConflict, s.reason
		if s.foundUnknown {
			r.out.FinalKnown = false // what the other writer left is not known
		} else {
			r.setFinal(s.found)
		}
	case (s.cause == CauseTimeout || s.cause == CauseCancelled) && r.cfg.OnInterrupt == InterruptHold:
		r.out.Result = ResultHeld
		r.out.Reason = s.reason + "; holding traffic where it is (on_interrupt = hold)"
		r.readFinal()
	default:
		r.rollback(s)
	}
}

// readFinal does one best-effort read on a fresh, bounded context.
func (r *runner) readFinal() {
	ctx, cancel := clock.WithTimeout(context.Background(), r.clk, r.cfg.RestoreTimeout)
	defer cancel()
	if w, err := r.cfg.Router.Read(ctx); err == nil {
		r.setFinal(w)
		r.emit(Event{Type: EventWeightsRead, Weights: w, Detail: "weights left in place"})
	}
}

// rollback restores the baseline weights on a fresh context (the run's ctx
// may be done), with bounded retries, and verifies with a read.
func (r *runner) rollback(s *stop) {
	r.emit(Event{Type: EventRollbackStarted, Weights: r.baseline, Detail: s.reason})
	ctx, cancel := clock.WithTimeout(context.Background(), r.clk, r.cfg.RestoreTimeout)
	defer cancel()

	var lastErr error
	attempts := 0
	for attempt := 1; attempt <= r.cfg.RestoreAttempts; attempt++ {
		if attempt > 1 {
			backoff := r.cfg.RestoreBackoff << (attempt - 2)
			if err := r.clk.Sleep(ctx, backoff); err != nil {
				lastErr = fmt.Errorf("restore budget of %s exhausted (last error: %v)", r.cfg.RestoreTimeout, lastErr)
				break
			}
		}
		attempts = attempt
		done, found, err := r.restoreOnce(ctx)
		r.emit(Event{Type: EventRestoreAttempt, Weights: found, Detail: attemptDetail(attempt, done, err)})
		if err != nil {
			lastErr = err
			if ctx.Err() != nil {
				break
			}
			continue
		}
		if !done { // someone else's weights: do not overwrite
			r.out.Result = ResultConflict
			r.out.Reason = fmt.Sprintf("%s; not restoring: weights changed outside this run (found %s)", s.reason, found)
			r.emit(Event{Type: EventRollbackFinished, Weights: found, Detail: "not restored: weights changed outside this run"})
			return
		}
		r.out.Result = ResultRolledBack
		r.out.Reason = fmt.Sprintf("%s; restored %s", s.reason, r.baseline)
		r.emit(Event{Type: EventRollbackFinished, Weights: r.baseline, Detail: "restored"})
		return
	}
	r.out.Result = ResultRollbackFailed
	r.out.Reason = fmt.Sprintf("%s; restore failed after %d attempt%s: %v", s.reason, attempts, plural(attempts), lastErr)
	if r.out.Err == nil {
		r.out.Err = lastErr
	} else {
		r.out.Err = errors.Join(r.out.Err, lastErr)
	}
	r.emit(Event{Type: EventRollbackFinished, Detail: "restore failed: " + fmt.Sprint(lastErr)})
}

// restoreOnce reads, writes the baseline if the current weights are ours, and
// verifies. done=false with err=nil means the weights are someone else's.
func (r *runner) restoreOnce(ctx context.Context) (done bool, found traffic.Weights, err error) {
	cur, err := r.cfg.Router.Read(ctx)
	if err != nil {
		return false, traffic.Weights{}, fmt.Errorf("reading weights: %w", err)
	}
	r.setFinal(cur)
	if cur == r.baseline {
		return true, cur, nil
	}
	if !r.ours(cur) {
		return false, cur, nil
	}
	r.out.FinalKnown = false // as for a step's write
	set := r.cfg.Router.Set
	if rr, ok := r.cfg.Router.(RestoreRouter); ok {
		set = rr.SetRestore
	}
	if err := set(ctx, r.baseline); err != nil {
		r.out.FinalKnown = true // cur, read just before: a failed write wrote nothing
		return false, cur, fmt.Errorf("writing %s: %w", r.baseline, err)
	}
	got, err := r.cfg.Router.Read(ctx)
	if err != nil {
		return false, cur, fmt.Errorf("reading back restored weights: %w", err)
	}
	r.setFinal(got)
	if got != r.baseline {
		return false, got, fmt.Errorf("restored weights did not take effect: wrote %s, read %s", r.baseline, got)
	}
	return true, got, nil
}

func attemptDetail(attempt int, done bool, err error) string {
	switch {
	case err != nil:
		return fmt.Sprintf("attempt %d failed: %v", attempt, err)
	case done:
		return fmt.Sprintf("attempt %d restored", attempt)
	}
	return fmt.Sprintf("attempt %d found weights this run did not write", attempt)
}

// resultLine is the part of a reason that shows the measurement.
func resultLine(r checks.Result) string {
	if r.Detail != "" {
		return r.Detail
	}
	s := string(r.Verdict)
	if r.HasValue {
		s += " measured " + checks.FormatValue(r.Value)
	}
	if r.Threshold != "" {
		s += ", threshold " + r.Threshold
	}
	return s
}
