package provider

// The switch layer: everything a switch resource does that is not about its
// router. A router's resource (ALB listener or rule, Route 53 record sets,
// HAProxy, Nginx) embeds switchModel, adds its own schema for
// what it points at, and drives the shift through runSwitch. The layer keeps
// the promises every switch makes, by construction:
//
//   - state is written on one path, from weights read back from the router
//     (recordTruth), whatever happened: success, refusal, error, timeout or
//     cancellation; nothing planned is ever saved as fact;
//   - the plan's path (planPath) is computed from the real weights, with the
//     same step-skipping rule the engine applies, so the plan is the apply;
//   - status is derived from the real weights and the last shift
//     (deriveStatus), never carried over blindly;
//   - every wait, the first read included, runs inside the operation's
//     timeout.

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/httpcheck"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// switchModel is the router-neutral part of every switch resource's model.
// Router resources embed it by value.
type switchModel struct {
	ActiveColor       types.String     `tfsdk:"active_color"`
	Strategy          *strategyModel   `tfsdk:"strategy"`
	BakeTime          durationValue    `tfsdk:"bake_time"`
	RollbackOn        *rollbackOnModel `tfsdk:"rollback_on"`
	OnInterrupt       types.String     `tfsdk:"on_interrupt"`
	TrafficPercent    types.Int64      `tfsdk:"traffic_percent"`
	Timeouts          timeouts.Value   `tfsdk:"timeouts"`
	BlueWeight        types.Int64      `tfsdk:"blue_weight"`
	GreenWeight       types.Int64      `tfsdk:"green_weight"`
	Status            types.String     `tfsdk:"status"`
	LastShift         types.Object     `tfsdk:"last_shift"`
	PlannedSteps      types.List       `tfsdk:"planned_steps"`
	WorstCaseDuration types.String     `tfsdk:"worst_case_duration"`
	Notifications     types.Object     `tfsdk:"notifications"`
}

// switchNouns name a router's switch point in diagnostics.
type switchNouns struct {
	// Point is what holds the weights: "listener", "rule", "record set".
	Point string
	// Weights is what the router calls them: "forward weights", "record weights".
	Weights string
}

// outcomeStatuses are the statuses a shift's outcome leaves, kept by Read
// while the weights stay as that shift left them.
var outcomeStatuses = map[string]bool{
	statusRolledBack: true, statusRollbackFailed: true, statusHeld: true, statusConflict: true,
}

// deriveStatus is the status of a switch whose router reads w, whose state
// says active, and whose previous state recorded prevWeights with
// prevStatus. An outcome status (rolled_back, held, …) stays while the
// weights are exactly what that outcome left; otherwise the weights decide:
// all traffic on active is stable, anything else is drifted.
// share is the traffic_percent active should have: below 100, exactly that
// share is partial (parked), anything else drifted.
func deriveStatus(w traffic.Weights, active traffic.Color, share int, prevWeights *traffic.Weights, prevStatus string) string {
	if prevWeights != nil && *prevWeights == w && outcomeStatuses[prevStatus] {
		return prevStatus
	}
	if share > 0 && share < 100 {
		if w.Percent(active) == float64(share) {
			return statusPartial
		}
		return statusDrifted
	}
	if w.Of(active) > 0 && w.Of(active.Other()) == 0 {
		return statusStable
	}
	return statusDrifted
}

// share is the configured traffic_percent (100 when not set or not known).
func (m *switchModel) share() int {
	if known(m.TrafficPercent) {
		if p := int(m.TrafficPercent.ValueInt64()); p >= 1 && p <= 100 {
			return p
		}
	}
	return 100
}

// settleOutcome turns a shift's report into what state records for a
// configuration that asks for share of the traffic on active: a successful
// shift to a share below 100 (forward, or back toward the other color) is
// partial, on the configured color.
func settleOutcome(rep outcomeReport, read traffic.Weights, active traffic.Color, share int) outcomeReport {
	if rep.Status != statusStable {
		return rep
	}
	rep.Active = active
	rep.Status = deriveStatus(read, active, share, nil, "")
	return rep
}

// weightsOf returns the weights state records, or nil when they are not known.
func (m *switchModel) weightsOf() *traffic.Weights {
	if !known(m.BlueWeight) || !known(m.GreenWeight) {
		return nil
	}
	return &traffic.Weights{Blue: int32(m.BlueWeight.ValueInt64()), Green: int32(m.GreenWeight.ValueInt64())}
}

// recordTruth is the one place a switch's weights, status and active color
// are written into a model that becomes state: from weights read back from
// the router.
func (m *switchModel) recordTruth(read traffic.Weights, status string, active traffic.Color) {
	m.BlueWeight = types.Int64Value(int64(read.Blue))
	m.GreenWeight = types.Int64Value(int64(read.Green))
	m.Status = types.StringValue(status)
	m.ActiveColor = types.StringValue(string(active))
}

// settleComputed replaces what the plan left unknown by what is now known,
// so that state never holds an unknown value.
func (m *switchModel) settleComputed(prior *switchModel) {
	if m.LastShift.IsUnknown() {
		if prior != nil && !prior.LastShift.IsUnknown() {
			m.LastShift = prior.LastShift
		} else {
			m.LastShift = types.ObjectNull(lastShiftAttrTypes)
		}
	}
	if m.PlannedSteps.IsUnknown() {
		m.PlannedSteps = emptyPlannedSteps()
	}
	if m.WorstCaseDuration.IsUnknown() {
		m.WorstCaseDuration = types.StringValue("0s")
	}
}

func emptyPlannedSteps() types.List {
	return types.ListValueMust(types.ObjectType{AttrTypes: plannedStepAttrTypes}, []attr.Value{})
}

// clearPath is what Read does to the plan-only attributes: a path belongs to
// the plan that showed it, so the next plan shows its own path in full.
func (m *switchModel) clearPath() {
	m.PlannedSteps = emptyPlannedSteps()
	m.WorstCaseDuration = types.StringValue("0s")
}

// pathInputs are what the plan's path depends on, all known.
type pathInputs struct {
	Current traffic.Weights
	To      traffic.Color
	// Share is the percent of the traffic To should end with (0 or 100:
	// all of it). Below 100 the shift parks there.
	Share    int
	Strategy rollout.Strategy
	Bake     time.Duration
	Budget   evaluationBudget
}

// evaluationBudget says how long evaluations may take.
type evaluationBudget struct {
	// Checks reports whether any rollback_on check is configured.
	Checks   bool
	Interval time.Duration
	// Timeout bounds one evaluation of all checks; PerCheck one check.
	Timeout  time.Duration
	PerCheck time.Duration
	// Preflight bounds the pre-flight evaluation.
	Preflight time.Duration
	// InitialDelay is the longest initial_delay of a check: the engine holds
	// the final step until it has passed since the first traffic.
	InitialDelay time.Duration
}

// shiftPath is the path a shift will take from the real weights.
type shiftPath struct {
	Plan  rollout.ShiftPlan
	Steps []rollout.Step // the steps that will run (the engine skips the rest)
	Worst time.Duration
}

// Moving reports whether the path writes any weight.
func (p shiftPath) Moving() bool { return len(p.Steps) > 0 }

// planPath computes the path from in.Current to all traffic on in.To. A
// step is skipped when the receiving color already has at least its share —
// the engine's own rule, so the plan lists exactly the steps the apply runs.
// Nothing to move is an empty path of zero duration.
//
// With a Share below 100 the path ends at that share (held for the bake):
// the strategy's steps below it, then the share. From above the share the
// path moves back: the other color receives, through the strategy's steps,
// up to 100 − Share.
func planPath(in pathInputs) (shiftPath, error) {
	if in.Share > 0 && in.Share < 100 {
		return planPartialPath(in)
	}
	want := traffic.Split(in.To, 100)
	if in.Current == want || (in.Current.Of(in.To) > 0 && in.Current.Of(in.To.Other()) == 0) {
		return shiftPath{}, nil
	}
	plan, err := rollout.PlanShift(in.Strategy, in.To.Other(), in.To, in.Bake)
	if err != nil {
		return shiftPath{}, err
	}
	cur := in.Current.Percent(in.To)
	var steps []rollout.Step
	for _, s := range plan.Steps {
		if float64(s.Percent) > cur {
			steps = append(steps, s)
		}
	}
	return shiftPath{Plan: plan, Steps: steps, Worst: worstCase(steps, in.Budget)}, nil
}

func planPartialPath(in pathInputs) (shiftPath, error) {
	to, target, cur := in.To, in.Share, in.Current.Percent(in.To)
	if cur == float64(target) {
		return shiftPath{}, nil
	}
	if cur > float64(target) {
		to, target, cur = in.To.Other(), 100-in.Share, 100-cur
	}
	plan, err := rollout.PlanShift(in.Strategy, to.Other(), to, in.Bake)
	if err != nil {
		return shiftPath{}, err
	}
	var all []rollout.Step
	for _, s := range plan.Steps {
		if s.Final || s.Percent >= target {
			break
		}
		all = append(all, s)
	}
	all = append(all, rollout.Step{Index: len(all) + 1, Percent: target, Weights: traffic.Split(to, target), Hold: in.Bake, Final: true})
	plan.Steps = all
	var steps []rollout.Step
	for _, s := range all {
		if float64(s.Percent) > cur {
			steps = append(steps, s)
		}
	}
	return shiftPath{Plan: plan, Steps: steps, Worst: worstCase(steps, in.Budget)}, nil
}

// firstColor is the color a switch's very first write (nothing exists yet:
// no file, no record sets) puts all traffic on: active_color, or — when the
// configuration parks it at a share below 100 — the other color, so that
// active_color receives its share through the strategy's checked steps, as
// from any all-on-one start, and never all the traffic at once.
func (m *switchModel) firstColor(to traffic.Color) traffic.Color {
	if m.share() < 100 {
		return to.Other()
	}
	return to
}

// keepPriorIntent records, after a shift that did not reach the configured
// color and share (rolled back, held, refused, failed), the color and share
// that still hold: the prior state's (on create, none), so that the next plan
// shows the change again rather than a planned value saved as fact.
func (m *switchModel) keepPriorIntent(prior *switchModel, fallback traffic.Color) traffic.Color {
	if prior == nil {
		m.TrafficPercent = types.Int64Null()
		return fallback
	}
	m.TrafficPercent = prior.TrafficPercent
	if c, err := traffic.ParseColor(prior.ActiveColor.ValueString()); err == nil {
		return c
	}
	return fallback
}

// settleFailure records a shift that did not reach the configured color and
// share: the intent that still holds (keepPriorIntent), and — unless the
// shift left an outcome status of its own (rolled_back, held, …) — the status
// the weights mean for that intent (a refused promotion from a parked share
// leaves the parked share: partial, not drifted).
func (m *switchModel) settleFailure(prior *switchModel, rep outcomeReport, read traffic.Weights) outcomeReport {
	rep.Active = m.keepPriorIntent(prior, rep.Active)
	if !outcomeStatuses[rep.Status] {
		rep.Status = deriveStatus(read, rep.Active, m.share(), nil, "")
	}
	return rep
}

// worstCase is how long the steps can take: the pre-flight, every write and
// read back, and every hold run to their end — the final one at least until
// the longest initial delay has passed since the first step (the engine's
// rule: every check judges once; the holds before it count toward the
// delay, as they are spent after the first traffic); every evaluation takes its
// whole budget E (only when checks are configured); and a rollback at the
// very end uses the whole restore budget. Within a hold of n evaluations at
// interval I, evaluation k starts at k·I or when the previous one ends,
// whichever is later, so the step lasts max(hold + E, I + n·E). It saturates
// instead of overflowing.
func worstCase(steps []rollout.Step, b evaluationBudget) time.Duration {
	const perWrite = 2 * time.Second // write + read back, generously
	d := satAdd(b.Preflight, 0)
	var held time.Duration // holds before this step
	for _, s := range steps {
		d = satAdd(d, perWrite)
		hold := s.Hold
		if s.Final && b.Checks && b.InitialDelay > held {
			hold = max(hold, b.InitialDelay-held)
		}
		held = satAdd(held, s.Hold)
		if b.Checks {
			n := int64(rollout.EvaluationsPerStep(hold, b.Interval))
			hold = max(satAdd(hold, b.Timeout), satAdd(min(b.Interval, hold), satMul(b.Timeout, n)))
		}
		d = satAdd(d, hold)
	}
	return satAdd(d, rollout.DefaultRestoreTimeout)
}

func satAdd(a, b time.Duration) time.Duration {
	if a > 0 && b > math.MaxInt64-a {
		return math.MaxInt64
	}
	return a + b
}

func satMul(a time.Duration, n int64) time.Duration {
	if a == 0 || n == 0 {
		return 0
	}
	if a > math.MaxInt64/time.Duration(n) {
		return math.MaxInt64
	}
	return a * time.Duration(n)
}

// formatWorst renders a worst case; the saturated value says so.
func formatWorst(d time.Duration) string {
	if d == math.MaxInt64 {
		return "unbounded"
	}
	return d.Round(time.Second).String()
}

// plannedStepsValue renders steps for planned_steps.
func plannedStepsValue(steps []rollout.Step) types.List {
	vals := make([]attr.Value, 0, len(steps))
	for _, s := range steps {
		vals = append(vals, types.ObjectValueMust(plannedStepAttrTypes, map[string]attr.Value{
			"percent": types.Int64Value(int64(s.Percent)), "blue_weight": types.Int64Value(int64(s.Weights.Blue)),
			"green_weight": types.Int64Value(int64(s.Weights.Green)), "hold": types.StringValue(s.Hold.String()),
		}))
	}
	return types.ListValueMust(types.ObjectType{AttrTypes: plannedStepAttrTypes}, vals)
}

// pathKnown reports whether everything the path depends on is known in m.
func (m *switchModel) pathKnown() bool {
	if !known(m.ActiveColor) || m.BakeTime.IsUnknown() || m.OnInterrupt.IsUnknown() {
		return false
	}
	if s := m.Strategy; s != nil {
		if s.Type.IsUnknown() || !listFullyKnown(s.Steps) || s.StepPercent.IsUnknown() || s.StepInterval.IsUnknown() {
			return false
		}
	}
	if r := m.RollbackOn; r != nil && r.EvaluationInterval.IsUnknown() {
		return false
	}
	return true
}

// setPlanUnknown marks every attribute the apply decides as unknown.
func (m *switchModel) setPlanUnknown() {
	m.PlannedSteps = types.ListUnknown(types.ObjectType{AttrTypes: plannedStepAttrTypes})
	m.WorstCaseDuration = types.StringUnknown()
	m.BlueWeight, m.GreenWeight = types.Int64Unknown(), types.Int64Unknown()
	m.Status = types.StringUnknown()
	m.LastShift = types.ObjectUnknown(lastShiftAttrTypes)
}

// budgetOf derives the evaluation budget from the configuration: no hidden
// cut — an evaluation may take as long as its slowest check can.
func budgetOf(m *switchModel) evaluationBudget {
	b := evaluationBudget{Interval: defaultEvaluationInterval, PerCheck: rollout.DefaultEvaluationTimeout,
		Preflight: rollout.DefaultEvaluationTimeout}
	if r := m.RollbackOn; r != nil {
		b.Interval = durationOr(r.EvaluationInterval, defaultEvaluationInterval)
		b.Checks = r.any()
		b.PerCheck, b.Timeout = r.evaluationTimes()
		b.PerCheck = max(b.PerCheck, rollout.DefaultEvaluationTimeout)
		for _, h := range r.HTTP {
			b.InitialDelay = max(b.InitialDelay, durationOr(h.InitialDelay, 0))
		}
		for _, p := range r.Prometheus {
			b.InitialDelay = max(b.InitialDelay, durationOr(p.InitialDelay, 0))
		}
		for _, d := range r.Datadog {
			b.InitialDelay = max(b.InitialDelay, durationOr(d.InitialDelay, 0))
		}
		for _, cw := range r.CloudWatch {
			b.InitialDelay = max(b.InitialDelay, durationOr(cw.InitialDelay, 0))
		}
	}
	return b
}

// timeoutFor returns the create or update timeout of m.
func (m *switchModel) timeoutFor(ctx context.Context, creating bool) (time.Duration, string, diag.Diagnostics) {
	if creating {
		d, diags := m.Timeouts.Create(ctx, defaultShiftTimeout)
		return d, "create", diags
	}
	d, diags := m.Timeouts.Update(ctx, defaultShiftTimeout)
	return d, "update", diags
}

// checkBudget reports a path that cannot finish within the timeout.
func checkBudget(p shiftPath, timeout time.Duration, which string, diags *diag.Diagnostics) {
	if p.Worst <= timeout {
		return
	}
	diags.AddAttributeError(path.Root("timeouts").AtName(which), "Shift cannot finish within the timeout",
		fmt.Sprintf("The planned shift (%s; %d step(s) to run) can take up to %s in the worst case, longer than the %s timeout of %s. "+
			"Raise timeouts.%s, or shorten strategy.step_interval, bake_time or the number of steps.",
			p.Plan, len(p.Steps), formatWorst(p.Worst), which, timeout, which))
}

// outcomeReport turns a shift's outcome into the status and active color to
// record and the diagnostic to show. It is pure: the router's nouns come in,
// text comes out.
type outcomeReport struct {
	Status  string
	Active  traffic.Color
	Summary string // "" when the shift succeeded
	Detail  string
}

func reportOutcome(o rollout.Outcome, final traffic.Weights, n switchNouns) outcomeReport {
	to, from := o.To, o.From
	switch o.Result {
	case rollout.ResultSucceeded:
		return outcomeReport{Status: statusStable, Active: to}
	case rollout.ResultPreflightFailed:
		rep := outcomeReport{Active: from}
		rep.Status = deriveStatus(final, from, 100, nil, "")
		switch o.Cause {
		case rollout.CauseCancelled, rollout.CauseTimeout:
			rep.Summary = "Shift interrupted before any weight was written"
			rep.Detail = fmt.Sprintf("The shift %s→%s stopped %s: %s. No %s were written; traffic stays as read (%s).",
				from, to, map[rollout.Cause]string{rollout.CauseCancelled: "because the apply was cancelled", rollout.CauseTimeout: "because the timeout ran out"}[o.Cause],
				o.Reason, n.Weights, final)
		case rollout.CausePreflight:
			rep.Summary = "Pre-flight check refused the shift"
			rep.Detail = fmt.Sprintf("Traffic was not moved to %s: %s\n\nThe receiving color must pass its pre-flight checks before it "+
				"receives traffic. No %s were changed (%s).", to, o.Reason, n.Weights, final)
		default:
			rep.Summary = "Shift could not start"
			rep.Detail = fmt.Sprintf("The shift %s→%s could not start: %s. No %s were changed (%s).", from, to, o.Reason, n.Weights, final)
		}
		return rep
	case rollout.ResultRolledBack:
		return outcomeReport{Status: statusRolledBack, Active: from, Summary: "Shift rolled back",
			Detail: fmt.Sprintf("The shift %s→%s was rolled back: %s\n\nTraffic is back on %s (%s). State records status = \"rolled_back\" and "+
				"last_shift.reason; the next plan shows the switch still wanting %s.", from, to, o.Reason, from, final, to)}
	case rollout.ResultHeld:
		return outcomeReport{Status: statusHeld, Active: from, Summary: "Shift interrupted and held",
			Detail: fmt.Sprintf("The shift %s→%s was interrupted and traffic was left where it was (on_interrupt = \"hold\"): %s. "+
				"Traffic is at %s; the next apply resumes from these weights.", from, to, o.Reason, final)}
	case rollout.ResultConflict:
		return outcomeReport{Status: statusConflict, Active: from, Summary: fmt.Sprintf("%s changed by someone else", capitalize(n.Point)),
			Detail: fmt.Sprintf("The shift %s→%s stopped: %s\n\nAnother writer changed the %s during the shift; nothing was restored. "+
				"State records what was found (%s).", from, to, o.Reason, n.Weights, final)}
	default:
		return outcomeReport{Status: statusRollbackFailed, Active: from, Summary: "Rollback failed",
			Detail: fmt.Sprintf("The shift %s→%s failed and restoring the previous weights also failed: %s\n\n"+
				"Traffic may be split (last read: %s). Check the %s now; the next apply starts from the real weights.", from, to, o.Reason, final, n.Point)}
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// any reports whether at least one check is configured.
func (c *checksModel) any() bool {
	return c.TargetHealth != nil || c.Metrics != nil || (!c.AlarmNames.IsNull() && len(c.AlarmNames.Elements()) > 0) ||
		len(c.HTTP) > 0 || len(c.Prometheus) > 0 || len(c.Datadog) > 0 || len(c.CloudWatch) > 0
}

// evaluationTimes are the longest one check of c can take (the engine's
// per-check EvaluationTimeout: no check is ever cut short of its own
// configured attempts) and the longest one evaluation of all of them can take
// (the engine runs the checks of an evaluation concurrently: the slowest).
// An HTTP-based check makes up to 1+DefaultRetries attempts of its timeout
// with backoff in between; AWS checks are bounded by
// rollout.DefaultEvaluationTimeout.
func (c *checksModel) evaluationTimes() (perCheck, total time.Duration) {
	add := func(d time.Duration) {
		perCheck = max(perCheck, d)
		total = perCheck
	}
	for _, on := range []bool{c.TargetHealth != nil, c.Metrics != nil, !c.AlarmNames.IsNull(), len(c.CloudWatch) > 0} {
		if on {
			add(rollout.DefaultEvaluationTimeout)
		}
	}
	attempts := func(t time.Duration) time.Duration {
		return satAdd(satMul(t, 1+httpcheck.DefaultRetries), satMul(httpcheck.DefaultRetryWaitMax, httpcheck.DefaultRetries))
	}
	for _, h := range c.HTTP {
		add(attempts(durationOr(h.Timeout, httpcheck.DefaultTimeout)))
	}
	for _, p := range c.Prometheus {
		add(attempts(durationOr(p.Timeout, httpcheck.DefaultTimeout)))
	}
	for _, d := range c.Datadog {
		add(attempts(durationOr(d.Timeout, httpcheck.DefaultTimeout)))
	}
	return perCheck, total
}

// shiftRun is one shift for the engine, router-neutral.
type shiftRun struct {
	Router      rollout.Router
	Plan        rollout.ShiftPlan
	Preflight   []rollout.Check
	Checks      checkSet
	Budget      evaluationBudget
	OnInterrupt string
	Clock       rollout.Clock
	// Notify, when set, reports the shift's events (switch_notifications.go);
	// delivery failures become warnings in Warnings.
	Notify   *shiftNotify
	Warnings *diag.Diagnostics
}

// runShift runs the engine, logging every event with structured fields.
// ctx carries the operation's deadline: the engine's own restore runs on a
// fresh, bounded context after it.
func runShift(ctx context.Context, sr shiftRun) rollout.Outcome {
	notifyEvent, finishNotify := startNotifications(sr.Notify, sr.Plan)
	onInterrupt := rollout.InterruptRollback
	if sr.OnInterrupt == "hold" {
		onInterrupt = rollout.InterruptHold
	}
	out := rollout.Run(ctx, rollout.RunConfig{
		Router:             sr.Router,
		Plan:               sr.Plan,
		Preflight:          sr.Preflight,
		Checks:             sr.Checks.forReceiving(sr.Plan.To),
		EvaluationInterval: sr.Checks.EvaluationInterval,
		EvaluationTimeout:  sr.Budget.PerCheck,
		FailureThreshold:   sr.Checks.FailureThreshold,
		InconclusiveLimit:  sr.Checks.InconclusiveLimit,
		ErrorLimit:         sr.Checks.ErrorLimit,
		Clock:              sr.Clock,
		OnInterrupt:        onInterrupt,
		Logger: func(e rollout.Event) {
			tflog.Info(ctx, e.String(), map[string]any{
				"event": string(e.Type), "step": e.Step, "percent": e.Percent,
				"blue_weight": e.Weights.Blue, "green_weight": e.Weights.Green,
			})
			notifyEvent(e) // never blocks: delivery runs beside the engine
		},
	})
	tflog.Info(ctx, "shift finished", map[string]any{"summary": out.Summary()})
	finishNotify(ctx, out, sr.Warnings)
	return out
}

// pathMatchesPlan reports whether the path the apply is about to take is the
// one its plan showed. A plan that moves traffic leaves status unknown and
// lists its steps; a plan that moves nothing has a known status (and
// planned_steps may still hold the last path, which a refresh empties).
// from are the weights the plan started from (nil when it read none) and cur
// what the apply found: the same path from other weights is still another
// writer's change (an all-at-once move from 50/50 looks like one from 100/0)
// and is refused rather than overwritten.
func pathMatchesPlan(plannedStatus types.String, plannedSteps types.List, p shiftPath, from *traffic.Weights, cur traffic.Weights) bool {
	if from != nil && *from != cur {
		return false
	}
	if !plannedStatus.IsUnknown() {
		return !p.Moving()
	}
	return p.Moving() && plannedSteps.Equal(plannedStepsValue(p.Steps))
}

// ioContext bounds one read or cleanup call after the operation's own context
// may be done (cancelled, timed out): a fresh context, on the real clock —
// it bounds network I/O, not a shift, so a test's fake clock jumping over
// another resource's hold must not cut it short.
func ioContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), rollout.DefaultRestoreTimeout)
}
