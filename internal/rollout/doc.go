// Package rollout is the blue-green engine: it turns a strategy into steps,
// drives a traffic Router through them while evaluating Checks, and rolls back
// by itself. It is pure Go: it talks to the Router, Check and Clock
// interfaces it declares, never to AWS or Terraform, and never sleeps on real
// time when given a fake clock (internal/clock). The provider converts
// Terraform values into a RunConfig and renders the Outcome; routers and
// checks do not import this package.
//
// # Strategy → steps (PlanShift)
//
//   - all_at_once: [100].
//   - canary: Steps, strictly ascending, each 1–99, then 100.
//   - linear: StepPercent p in 1–99 → p, 2p, … (below 100), then 100.
//
// Each step before the last is held for StepInterval; the final 100% step is
// held for the bake time. Percents are the receiving color's share and map to
// weights exactly: receiving = percent, other = 100 - percent (10% to green is
// blue=90 green=10; 100% is blue=0 green=100 — both groups stay in the
// forward). Invalid input yields *ValidationError whose Field names the
// Strategy field (Type, Steps, StepPercent, StepInterval) or Bake/From/To, with
// Index for a Steps element. ShiftPlan.WorstCaseDuration gives the plan-time
// upper bound: all holds, every evaluation taking its full timeout, plus the
// restore budget.
//
// # Run
//
//  1. Pre-flight. Every Preflight check (at least one is required: target
//     health of the receiving color, because an ALB fails open and routes to
//     every target of a group with none healthy) is evaluated once; any
//     result that is not pass stops the run with ResultPreflightFailed and no
//     write at all.
//  2. Baseline. The router is read; those weights are what a rollback
//     restores. Steps whose percent the receiving color already has are
//     skipped (an adopted listener at 30% green starts at the 50% step); a
//     listener already at 100% is a success with no write.
//  3. Each step: read (steps after the first — this detects outside changes
//     made during the previous hold and gives the router a fresh action
//     list), write, read back. An all-at-once flip is therefore three router
//     calls: read, write, verify. If the read-back differs, the engine waits
//     VerifyRetryDelay and reads once more before deciding (see "Weights that
//     are not ours").
//  4. Hold. With checks, they are evaluated at every EvaluationInterval from
//     the verified write and once at the hold's end (a hold of 5m with a 2m
//     interval evaluates at 2m, 4m and 5m; a zero hold evaluates once, at
//     once). Without checks the step simply waits. Each Evaluate is bounded
//     by EvaluationTimeout.
//     A check with an initial delay (WithInitialDelay, Argo's initialDelay)
//     is not evaluated before the receiving color's first traffic in the run
//     (its first write, or the run's start when it already had traffic) plus
//     the delay; a pending result stands in for it. The final step is held
//     at least until every delayed check is due, so none ends the run without
//     having judged the color once.
//  5. After the 100% step's bake: ResultSucceeded.
//
// # Counting verdicts
//
// Counts are kept per result key (checks.Result.Check, e.g.
// "metrics.max_5xx_rate") and carry across step boundaries. A rollback trips
// when one key's failed count reaches FailureThreshold (default 2):
//
//	verdict        failed count         inconclusive run   error run
//	pass           reset                reset              reset
//	fail           +1                   reset              reset
//	inconclusive   +1 only beyond       +1                 reset
//	               InconclusiveLimit
//	error          +1 only beyond       unchanged          +1
//	               ErrorLimit
//	pending        unchanged            unchanged          unchanged
//	(not yet: e.g. a CloudWatch minute not published)
//
// So "fail, pass, fail" never trips a threshold of 2, while "fail,
// inconclusive, fail" does: an inconclusive or error result within its
// tolerance neither proves health nor breaks a run of failures.
//
// A step therefore tolerates InconclusiveLimit consecutive inconclusive
// evaluations of a result (default 3; e.g. too few requests at a 10% canary);
// each one beyond counts as a failed evaluation, so with the defaults a result
// that stays inconclusive rolls back on its 5th evaluation. Error verdicts
// (could not measure: API errors, missing alarms) work the same with ErrorLimit
// (default 2): the engine fails closed. UnlimitedTolerance opts out (errors or
// inconclusive results then never count); ZeroTolerance counts every one. A
// result with an unknown verdict, and a check that returns no results, count
// as errors.
//
// # What stops a run, and what happens then
//
//	trigger                                   Cause            Result
//	failure threshold reached                 check_failed     rolled_back
//	router error (Set or Read)                api_error        rolled_back
//	write did not take (read-back = ours)     verify_mismatch  rolled_back
//	ctx deadline                              timeout          rolled_back, or held
//	ctx cancelled                             cancelled        rolled_back, or held
//	weights changed by someone else           conflict         conflict
//	write refused: traffic.ErrConflict        conflict         conflict
//
// Cause always names the trigger; when a rollback's own read finds another
// writer's weights, Result becomes conflict with the trigger kept as Cause.
// "held" applies when OnInterrupt is "hold": traffic stays where it is and
// Final is read on a fresh context. A failed restore yields rollback_failed.
// Anything that stops the run before its first write (including a failed
// baseline read, an unadoptable listener, an invalid RunConfig, or a ctx
// that ended during pre-flight) yields preflight_failed: traffic untouched.
//
// # Weights that are not ours
//
// The engine only overwrites weights it wrote itself during this run, or the
// baseline. When a read-back or a pre-step read shows other weights, another
// writer (a hand edit, CodeDeploy, another Terraform resource) is at work: the
// engine stops, writes nothing more, does not restore, and reports
// ResultConflict with Final = what it found. When the read shows weights this
// run wrote (the write did not take, or was undone to the baseline), it rolls
// back normally.
//
// # Restore
//
// A rollback restores the baseline on a fresh context detached from the
// run's ctx (context.WithoutCancel semantics: the original ctx may already be
// cancelled or past its deadline), bounded by RestoreTimeout (default 10s,
// measured on the run's clock). Each attempt reads; if the weights are
// already the baseline it is done; if they are not ours it stops (conflict);
// otherwise it writes the baseline and verifies with a read. Up to
// RestoreAttempts (default 3) attempts, with a back-off of RestoreBackoff
// (default 1s) doubling between them (1s, 2s). The restore is not gradual:
// traffic goes back in one write.
//
// # Outcome
//
// Outcome is data: Result, Cause, From/To, Initial and Final weights (Final
// as last read or verified), StartedAt/FinishedAt, Reason (one line naming
// the check, step, measurement and threshold, and what the rollback did, e.g.
// "check metrics.max_5xx_rate failed 3 consecutive evaluations at step 2/3
// (50%): 5xx rate 0.12 (12/100 requests) > max 0.05 over 1m0s; restored
// blue=100 green=0"), FailedResult, Err (errors.As-able, e.g.
// *alb.UnsupportedActionError), StepsCompleted/StepsTotal and the Timeline of
// Events. Logger, when set, receives each Event as it happens (the provider
// forwards them to tflog). Summary renders one line for logs;
// StepRecords/CompactTimeline give the per-step form kept in state.
//
// WaitForGate (gate.go) is the health gate's loop: the same checks, evaluated
// until enough consecutive rounds pass.
package rollout
