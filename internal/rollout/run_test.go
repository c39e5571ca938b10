package rollout

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

var (
	allBlue  = traffic.Weights{Blue: 100}
	allGreen = traffic.Weights{Green: 100}
)

func TestRun_eachStrategyWritesItsSteps(t *testing.T) {
	const iv, bake = 4 * time.Minute, 6 * time.Minute
	tests := []struct {
		name      string
		s         Strategy
		wantSets  []traffic.Weights
		wantEvals []int // evaluations per step
	}{
		{"all at once", Strategy{Type: StrategyAllAtOnce}, []traffic.Weights{allGreen}, []int{6}},
		{"canary", Strategy{Type: StrategyCanary, Steps: []int{10, 50}, StepInterval: iv},
			[]traffic.Weights{{Blue: 90, Green: 10}, {Blue: 50, Green: 50}, allGreen}, []int{4, 4, 6}},
		{"linear", Strategy{Type: StrategyLinear, StepPercent: 40, StepInterval: iv},
			[]traffic.Weights{{Blue: 60, Green: 40}, {Blue: 20, Green: 80}, allGreen}, []int{4, 4, 6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewAutoFake(epoch)
			router := &fakeRouter{weights: allBlue}
			check := &fakeCheck{name: "metrics.max_5xx_rate", clk: clk}
			plan := mustPlan(t, tt.s, bake)
			out := Run(context.Background(), baseConfig(t, plan, router, clk, check))

			if out.Result != ResultSucceeded || out.Cause != CauseNone || out.Reason != "" {
				t.Fatalf("outcome: %s", out.Summary())
			}
			if !reflect.DeepEqual(router.sets, tt.wantSets) {
				t.Fatalf("writes = %v, want %v", router.sets, tt.wantSets)
			}
			if out.Final != allGreen || !out.FinalKnown || out.Initial != allBlue || !out.InitialKnown {
				t.Fatalf("initial %v final %v", out.Initial, out.Final)
			}
			if out.StepsCompleted != len(tt.wantSets) || out.StepsTotal != len(tt.wantSets) {
				t.Fatalf("steps %d/%d", out.StepsCompleted, out.StepsTotal)
			}
			if got, want := out.Duration(), plan.HoldDuration(); got != want {
				t.Fatalf("took %v of fake time, want the holds %v", got, want)
			}
			recs := out.StepRecords()
			if len(recs) != len(tt.wantSets) {
				t.Fatalf("records %+v", recs)
			}
			for i, rec := range recs {
				if rec.Result != StepCompleted || rec.Evaluations != tt.wantEvals[i] ||
					rec.Blue != tt.wantSets[i].Blue || rec.Green != tt.wantSets[i].Green ||
					rec.FinishedAt.Sub(rec.StartedAt) != plan.Steps[i].Hold {
					t.Fatalf("record %d = %+v", i, rec)
				}
			}
			// Every write is preceded by a read and followed by a verify read.
			for i, op := range router.ops {
				if strings.HasPrefix(op, "set") && (i == 0 || router.ops[i-1] != "read" || i+1 >= len(router.ops) || router.ops[i+1] != "read") {
					t.Fatalf("write not bracketed by reads: %v", router.ops)
				}
			}
		})
	}
}

func TestRun_allAtOnceIsThreeRouterCalls(t *testing.T) {
	clk := clock.NewAutoFake(epoch)
	router := &fakeRouter{weights: allBlue}
	out := Run(context.Background(), baseConfig(t, mustPlan(t, Strategy{Type: StrategyAllAtOnce}, time.Minute), router, clk))
	if !out.Succeeded() {
		t.Fatal(out.Summary())
	}
	if want := []string{"read", "set blue=0 green=100", "read"}; !reflect.DeepEqual(router.ops, want) {
		t.Fatalf("router calls = %v, want %v", router.ops, want)
	}
	want := []EventType{EventRunStarted, EventPreflight, EventWeightsRead, EventStepStarted, EventWeightsWritten,
		EventWeightsVerified, EventStepFinished, EventRunFinished}
	if got := eventTypes(out); !reflect.DeepEqual(got, want) {
		t.Fatalf("timeline %v, want %v", got, want)
	}
}

func TestRun_evaluationCadence(t *testing.T) {
	tests := []struct {
		name     string
		hold     time.Duration
		interval time.Duration
		want     []time.Duration
	}{
		{"hold not a multiple of the interval ends with an evaluation", 5 * time.Minute, 2 * time.Minute,
			[]time.Duration{2 * time.Minute, 4 * time.Minute, 5 * time.Minute}},
		{"interval longer than the hold", time.Minute, 5 * time.Minute, []time.Duration{time.Minute}},
		{"zero hold still evaluates once", 0, time.Minute, []time.Duration{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewAutoFake(epoch)
			check := &fakeCheck{name: "c", clk: clk}
			cfg := baseConfig(t, mustPlan(t, Strategy{Type: StrategyAllAtOnce}, tt.hold), &fakeRouter{weights: allBlue}, clk, check)
			cfg.EvaluationInterval = tt.interval
			if out := Run(context.Background(), cfg); !out.Succeeded() {
				t.Fatal(out.Summary())
			}
			if got := check.times(); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("evaluated at %v, want %v", got, tt.want)
			}
		})
	}

	t.Run("no checks still holds", func(t *testing.T) {
		clk := clock.NewAutoFake(epoch)
		out := Run(context.Background(), baseConfig(t, mustPlan(t, Strategy{Type: StrategyCanary, Steps: []int{20}, StepInterval: time.Minute}, 2*time.Minute),
			&fakeRouter{weights: allBlue}, clk))
		if !out.Succeeded() || out.Duration() != 3*time.Minute || countEvents(out, EventEvaluation) != 0 {
			t.Fatalf("%s; %d evaluations", out.Summary(), countEvents(out, EventEvaluation))
		}
	})
}

func TestRun_preflightRefusalWritesNothing(t *testing.T) {
	for _, v := range []checks.Verdict{checks.Fail, checks.Error, checks.Inconclusive} {
		t.Run(string(v), func(t *testing.T) {
			clk := clock.NewAutoFake(epoch)
			router := &fakeRouter{weights: allBlue}
			cfg := baseConfig(t, mustPlan(t, Strategy{Type: StrategyAllAtOnce}, time.Minute), router, clk)
			cfg.Preflight = []Check{healthy(clk), &fakeCheck{name: "target_health:green", clk: clk, verdicts: []checks.Verdict{v}}}
			out := Run(context.Background(), cfg)
			if out.Result != ResultPreflightFailed || out.Cause != CausePreflight {
				t.Fatalf("outcome %s", out.Summary())
			}
			if len(router.sets) != 0 || router.reads != 0 {
				t.Fatalf("router touched: %v", router.ops)
			}
			if out.FailedResult == nil || out.FailedResult.Check != "target_health:green" || len(out.PreflightResults) != 2 {
				t.Fatalf("failed result %+v, preflight %v", out.FailedResult, out.PreflightResults)
			}
			if !strings.HasPrefix(out.Reason, "pre-flight check target_health:green did not pass, nothing was written") {
				t.Fatalf("reason %q", out.Reason)
			}
		})
	}
}

func TestRun_invalidConfig(t *testing.T) {
	clk := clock.NewAutoFake(epoch)
	plan := mustPlan(t, Strategy{Type: StrategyAllAtOnce}, 0)
	tests := []struct {
		name string
		edit func(*RunConfig)
		want string
	}{
		{"no pre-flight", func(c *RunConfig) { c.Preflight = nil }, "no pre-flight checks"},
		{"no router", func(c *RunConfig) { c.Router = nil }, "a router is required"},
		{"colors disagree with plan", func(c *RunConfig) { c.From, c.To = Green, Blue }, "do not match the plan"},
		{"bad interrupt policy", func(c *RunConfig) { c.OnInterrupt = "pause" }, "OnInterrupt"},
		{"hand-built plan without 100%", func(c *RunConfig) { c.Plan.Steps[0].Percent = 50 }, "plan:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			router := &fakeRouter{weights: allBlue}
			cfg := baseConfig(t, plan, router, clk)
			cfg.Plan.Steps = append([]Step(nil), plan.Steps...)
			tt.edit(&cfg)
			out := Run(context.Background(), cfg)
			if out.Result != ResultPreflightFailed || out.Cause != CauseInvalidConfig || !strings.Contains(out.Reason, tt.want) {
				t.Fatalf("outcome %s", out.Summary())
			}
			if len(router.ops) != 0 {
				t.Fatal("router touched")
			}
		})
	}
}

func TestRun_verifyAfterWrite(t *testing.T) {
	t.Run("write that does not take is rolled back", func(t *testing.T) {
		clk := clock.NewAutoFake(epoch)
		router := &fakeRouter{weights: allBlue, ignoreWrites: true}
		out := Run(context.Background(), baseConfig(t, mustPlan(t, Strategy{Type: StrategyCanary, Steps: []int{10}, StepInterval: time.Minute}, 0), router, clk))
		if out.Result != ResultRolledBack || out.Cause != CauseVerifyMismatch {
			t.Fatalf("outcome %s", out.Summary())
		}
		want := "weights did not take effect at step 1/2 (10%): expected blue=90 green=10, read blue=100 green=0; restored blue=100 green=0"
		if out.Reason != want {
			t.Fatalf("reason\n %q\nwant\n %q", out.Reason, want)
		}
		// one re-read after VerifyRetryDelay before giving up
		if want := []string{"read", "set blue=90 green=10", "read", "read", "read"}; !reflect.DeepEqual(router.ops, want) {
			t.Fatalf("ops %v, want %v (restore finds the baseline, writes nothing)", router.ops, want)
		}
		if out.Final != allBlue {
			t.Fatalf("final %v", out.Final)
		}
	})

	t.Run("eventual consistency: second read matches", func(t *testing.T) {
		clk := clock.NewAutoFake(epoch)
		router := &fakeRouter{weights: allBlue}
		router.onRead = func(n int, w traffic.Weights) traffic.Weights {
			if n == 2 {
				return allBlue // stale once
			}
			return w
		}
		out := Run(context.Background(), baseConfig(t, mustPlan(t, Strategy{Type: StrategyAllAtOnce}, 0), router, clk))
		if !out.Succeeded() {
			t.Fatal(out.Summary())
		}
	})

	t.Run("another writer's weights are not overwritten", func(t *testing.T) {
		clk := clock.NewAutoFake(epoch)
		router := &fakeRouter{weights: allBlue}
		router.afterSet = func(n int, w traffic.Weights) {
			router.mu.Lock()
			router.weights = traffic.Weights{Blue: 7, Green: 3} // e.g. CodeDeploy, or a hand edit
			router.mu.Unlock()
		}
		out := Run(context.Background(), baseConfig(t, mustPlan(t, Strategy{Type: StrategyAllAtOnce}, 0), router, clk))
		if out.Result != ResultConflict || out.Cause != CauseConflict || out.Final != (traffic.Weights{Blue: 7, Green: 3}) {
			t.Fatalf("outcome %s", out.Summary())
		}
		if len(router.sets) != 1 || countEvents(out, EventRollbackStarted) != 0 {
			t.Fatalf("engine wrote over another writer: %v", router.ops)
		}
		if !strings.Contains(out.Reason, "weights changed outside this run at step 1/1 (100%, bake)") {
			t.Fatalf("reason %q", out.Reason)
		}
	})

	t.Run("change during a hold is detected before the next write", func(t *testing.T) {
		clk := clock.NewAutoFake(epoch)
		router := &fakeRouter{weights: allBlue}
		check := &fakeCheck{name: "c", clk: clk}
		check.onEvaluate = func(n int) {
			if n == 2 {
				router.mu.Lock()
				router.weights = allBlue // someone flipped it back by hand
				router.mu.Unlock()
			}
		}
		cfg := baseConfig(t, mustPlan(t, Strategy{Type: StrategyCanary, Steps: []int{10}, StepInterval: 2 * time.Minute}, time.Minute), router, clk, check)
		out := Run(context.Background(), cfg)
		// blue=100 is the baseline, hence "ours": rolling back finds it already restored.
		if out.Result != ResultRolledBack || out.Cause != CauseVerifyMismatch || len(router.sets) != 1 {
			t.Fatalf("outcome %s; ops %v", out.Summary(), router.ops)
		}
		if !strings.Contains(out.Reason, "changed during the previous hold at step 2/2") {
			t.Fatalf("reason %q", out.Reason)
		}
	})
}

func TestRun_consecutiveFailureSemantics(t *testing.T) {
	tests := []struct {
		name         string
		verdicts     []checks.Verdict
		threshold    int
		inconclusive int
		errors       int
		tripAt       int // evaluation number that trips, 0 = success
		cause        string
	}{
		{"fail pass fail does not trip threshold 2", verdicts("fail", "pass", "fail", "pass"), 2, 0, 0, 0, ""},
		{"fail fail trips threshold 2", verdicts("pass", "fail", "fail"), 2, 0, 0, 3, "failed 2 consecutive evaluations"},
		{"threshold 1 trips on the first fail", verdicts("pass", "pass", "fail"), 1, 0, 0, 3, "failed 1 consecutive evaluation "},
		{"inconclusive within tolerance neither counts nor resets", verdicts("fail", "inconclusive", "fail"), 2, 0, 0, 3, "failed 2"},
		{"inconclusive within default tolerance passes", verdicts("inconclusive", "inconclusive", "inconclusive", "pass"), 1, 0, 0, 0, ""},
		{"inconclusive beyond tolerance counts as failure", verdicts("inconclusive"), 1, 2, 0, 3, "was inconclusive 3 consecutive evaluations (tolerates 2)"},
		{"inconclusive beyond tolerance then threshold", verdicts("inconclusive"), 2, 1, 0, 3, "was inconclusive 3"},
		{"zero tolerance for inconclusive", verdicts("inconclusive"), 1, ZeroTolerance, 0, 1, "tolerates 0"},
		{"errors fail closed after the default limit", verdicts("error"), 1, 0, 0, DefaultErrorLimit + 1, "could not be evaluated 3 consecutive times (tolerates 2)"},
		{"error streak reset by a measurement", verdicts("error", "error", "pass", "error", "error", "pass"), 1, 0, 0, 0, ""},
		{"errors opted out never trip", verdicts("error"), 1, 0, UnlimitedTolerance, 0, ""},
		{"pass resets everything", verdicts("fail", "pass", "fail", "pass", "fail", "pass"), 2, 0, 0, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewAutoFake(epoch)
			router := &fakeRouter{weights: allBlue}
			check := &fakeCheck{name: "metrics.max_5xx_rate", clk: clk, verdicts: tt.verdicts}
			// One all-at-once step baked 6m, evaluated every minute: 6 evaluations.
			cfg := baseConfig(t, mustPlan(t, Strategy{Type: StrategyAllAtOnce}, 6*time.Minute), router, clk, check)
			cfg.FailureThreshold, cfg.InconclusiveLimit, cfg.ErrorLimit = tt.threshold, tt.inconclusive, tt.errors
			out := Run(context.Background(), cfg)
			if tt.tripAt == 0 {
				if !out.Succeeded() || len(check.ats) != 6 {
					t.Fatalf("want success after 6 evaluations, got %s after %d", out.Summary(), len(check.ats))
				}
				return
			}
			if out.Result != ResultRolledBack || out.Cause != CauseCheckFailed {
				t.Fatalf("want rollback, got %s", out.Summary())
			}
			if len(check.ats) != tt.tripAt {
				t.Fatalf("tripped after %d evaluations, want %d", len(check.ats), tt.tripAt)
			}
			if !strings.Contains(out.Reason, tt.cause) || out.FailedResult == nil || out.FailedResult.Check != "metrics.max_5xx_rate" {
				t.Fatalf("reason %q / failed %+v, want %q", out.Reason, out.FailedResult, tt.cause)
			}
			if router.current() != allBlue || out.Final != allBlue {
				t.Fatalf("not restored: %v", router.current())
			}
		})
	}
}

func TestRun_streaksAreKeyedPerResult(t *testing.T) {
	// Two checks failing alternately never give either two failures in a row.
	clk := clock.NewAutoFake(epoch)
	a := &fakeCheck{name: "a", clk: clk, verdicts: verdicts("fail", "pass", "fail", "pass")}
	b := &fakeCheck{name: "b", clk: clk, verdicts: verdicts("pass", "fail", "pass", "fail")}
	cfg := baseConfig(t, mustPlan(t, Strategy{Type: StrategyAllAtOnce}, 4*time.Minute), &fakeRouter{weights: allBlue}, clk, a, b)
	cfg.FailureThreshold = 2
	if out := Run(context.Background(), cfg); !out.Succeeded() {
		t.Fatal(out.Summary())
	}
}

func TestRun_breachReason(t *testing.T) {
	clk := clock.NewAutoFake(epoch)
	router := &fakeRouter{weights: allBlue}
	check := &fakeCheck{name: "metrics.max_5xx_rate", clk: clk}
	check.verdicts = verdicts("pass", "pass", "pass", "fail", "fail", "fail") // step 2 fails from its first evaluation
	cfg := baseConfig(t, mustPlan(t, Strategy{Type: StrategyCanary, Steps: []int{10, 50}, StepInterval: 3 * time.Minute}, 5*time.Minute), router, clk, check)
	cfg.FailureThreshold = 3
	out := Run(context.Background(), cfg)
	want := "check metrics.max_5xx_rate failed 3 consecutive evaluations at step 2/3 (50%): measured 0.12 > 0.05; restored blue=100 green=0"
	if out.Result != ResultRolledBack || out.Reason != want {
		t.Fatalf("reason\n %q\nwant\n %q", out.Reason, want)
	}
	if out.StepsCompleted != 1 || out.FailedResult.Value != 0.12 {
		t.Fatalf("steps %d failed %+v", out.StepsCompleted, out.FailedResult)
	}
	recs := out.StepRecords()
	if len(recs) != 2 || recs[0].Result != StepCompleted || recs[1].Result != StepFailed || recs[1].Evaluations != 3 {
		t.Fatalf("records %+v", recs)
	}
	tail := eventTypes(out)[len(out.Timeline)-5:]
	if want := []EventType{EventStepFinished, EventRollbackStarted, EventRestoreAttempt, EventRollbackFinished, EventRunFinished}; !reflect.DeepEqual(tail, want) {
		t.Fatalf("timeline tail %v", tail)
	}
	if !strings.HasPrefix(out.Summary(), "rolled_back blue→green after 1/3 steps in 6m0s: check metrics.max_5xx_rate") {
		t.Fatalf("summary %q", out.Summary())
	}
}

func TestRun_rollbackOnAPIError(t *testing.T) {
	tests := []struct {
		name    string
		setErr  map[int]error
		readErr map[int]error
		reason  string
	}{
		{"write fails", map[int]error{2: errThrottled}, nil, "writing weights at step 2/3 (50%) failed: api error Throttling"},
		{"verify read fails", nil, map[int]error{4: errThrottled}, "reading back weights at step 2/3 (50%) failed"},
		{"pre-step read fails", nil, map[int]error{3: errThrottled}, "reading weights at step 2/3 (50%) failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewAutoFake(epoch)
			router := &fakeRouter{weights: allBlue, setErr: tt.setErr, readErr: tt.readErr}
			out := Run(context.Background(), baseConfig(t, mustPlan(t, Strategy{Type: StrategyCanary, Steps: []int{10, 50}, StepInterval: time.Minute}, time.Minute), router, clk))
			if out.Result != ResultRolledBack || out.Cause != CauseAPIError || !errors.Is(out.Err, errThrottled) {
				t.Fatalf("outcome %s (err %v)", out.Summary(), out.Err)
			}
			if !strings.HasPrefix(out.Reason, tt.reason) || router.current() != allBlue {
				t.Fatalf("reason %q, weights %v", out.Reason, router.current())
			}
		})
	}

	t.Run("baseline read fails: nothing written", func(t *testing.T) {
		clk := clock.NewAutoFake(epoch)
		router := &fakeRouter{weights: allBlue, readErr: map[int]error{1: errThrottled}}
		out := Run(context.Background(), baseConfig(t, mustPlan(t, Strategy{Type: StrategyAllAtOnce}, 0), router, clk))
		if out.Result != ResultPreflightFailed || out.Cause != CauseAPIError || len(router.sets) != 0 || out.FinalKnown {
			t.Fatalf("outcome %s", out.Summary())
		}
	})
}

func TestRun_interrupts(t *testing.T) {
	canary := Strategy{Type: StrategyCanary, Steps: []int{10, 50}, StepInterval: 5 * time.Minute}
	tests := []struct {
		name      string
		policy    InterruptPolicy
		timeout   bool
		at        time.Duration
		result    Result
		cause     Cause
		reason    string
		wantFinal traffic.Weights
	}{
		{"timeout mid-hold rolls back", "", true, 7 * time.Minute, ResultRolledBack, CauseTimeout,
			"timed out at step 2/3 (50%); restored blue=100 green=0", allBlue},
		{"cancellation mid-hold rolls back on a fresh context", InterruptRollback, false, 90 * time.Second, ResultRolledBack, CauseCancelled,
			"cancelled at step 1/3 (10%); restored blue=100 green=0", allBlue},
		{"hold leaves traffic where it is", InterruptHold, false, 7 * time.Minute, ResultHeld, CauseCancelled,
			"cancelled at step 2/3 (50%); holding traffic where it is (on_interrupt = hold)", traffic.Weights{Blue: 50, Green: 50}},
		{"timeout during the bake rolls back from 100%", "", true, 12 * time.Minute, ResultRolledBack, CauseTimeout,
			"timed out at step 3/3 (100%, bake); restored blue=100 green=0", allBlue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewAutoFake(epoch)
			router := &fakeRouter{weights: allBlue}
			check := &fakeCheck{name: "c", clk: clk}
			var ctx context.Context
			var cancel context.CancelFunc
			if tt.timeout {
				ctx, cancel = clock.WithTimeout(context.Background(), clk, tt.at)
			} else {
				ctx, cancel = context.WithCancel(context.Background())
				clk.AfterFunc(tt.at, cancel)
			}
			defer cancel()
			cfg := baseConfig(t, mustPlan(t, canary, 10*time.Minute), router, clk, check)
			cfg.OnInterrupt = tt.policy
			out := Run(ctx, cfg)
			if out.Result != tt.result || out.Cause != tt.cause || out.Reason != tt.reason {
				t.Fatalf("got %s / %s / %q\nwant %s / %s / %q", out.Result, out.Cause, out.Reason, tt.result, tt.cause, tt.reason)
			}
			if ctx.Err() == nil {
				t.Fatal("test bug: ctx should be done")
			}
			if router.current() != tt.wantFinal || out.Final != tt.wantFinal {
				t.Fatalf("weights %v final %v, want %v", router.current(), out.Final, tt.wantFinal)
			}
			if out.FinishedAt.Sub(epoch) != tt.at {
				t.Fatalf("finished at +%v, want +%v (no fake time passes restoring)", out.FinishedAt.Sub(epoch), tt.at)
			}
			if tt.result == ResultRolledBack {
				last := len(router.sets) - 1
				if router.sets[last] != allBlue || router.setCtxErrs[last] != nil {
					t.Fatalf("restore write %v saw ctx err %v; it must use a fresh context", router.sets[last], router.setCtxErrs[last])
				}
			}
			if tt.result == ResultHeld && len(router.sets) != 2 {
				t.Fatalf("hold must not write: %v", router.ops)
			}
		})
	}

	t.Run("cancelled before start writes nothing", func(t *testing.T) {
		clk := clock.NewAutoFake(epoch)
		router := &fakeRouter{weights: allBlue}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		out := Run(ctx, baseConfig(t, mustPlan(t, canary, 0), router, clk))
		if out.Result != ResultPreflightFailed || out.Cause != CauseCancelled || len(router.ops) != 0 {
			t.Fatalf("outcome %s ops %v", out.Summary(), router.ops)
		}
	})
}

func TestRun_restoreRetry(t *testing.T) {
	t.Run("first restore write fails, second succeeds", func(t *testing.T) {
		clk := clock.NewAutoFake(epoch)
		// Set #1 = 100% green; set #2 = first restore (fails); set #3 = second restore.
		router := &fakeRouter{weights: allBlue, setErr: map[int]error{2: errThrottled}}
		check := &fakeCheck{name: "c", clk: clk, verdicts: verdicts("fail")}
		out := Run(context.Background(), baseConfig(t, mustPlan(t, Strategy{Type: StrategyAllAtOnce}, time.Minute), router, clk, check))
		if out.Result != ResultRolledBack || router.current() != allBlue || len(router.sets) != 3 {
			t.Fatalf("outcome %s ops %v", out.Summary(), router.ops)
		}
		if n := countEvents(out, EventRestoreAttempt); n != 2 {
			t.Fatalf("%d restore attempts", n)
		}
		// breach at +1m, then one backoff of 1s before the second attempt.
		if d := out.FinishedAt.Sub(epoch); d != time.Minute+DefaultRestoreBackoff {
			t.Fatalf("finished at +%v", d)
		}
	})

	t.Run("restore keeps failing", func(t *testing.T) {
		clk := clock.NewAutoFake(epoch)
		router := &fakeRouter{weights: allBlue, setErr: map[int]error{2: errThrottled, 3: errThrottled, 4: errThrottled, 5: errThrottled}}
		check := &fakeCheck{name: "c", clk: clk, verdicts: verdicts("fail")}
		out := Run(context.Background(), baseConfig(t, mustPlan(t, Strategy{Type: StrategyAllAtOnce}, time.Minute), router, clk, check))
		if out.Result != ResultRollbackFailed || out.Cause != CauseCheckFailed {
			t.Fatalf("outcome %s", out.Summary())
		}
		if len(router.sets) != 1+DefaultRestoreAttempts || !errors.Is(out.Err, errThrottled) {
			t.Fatalf("sets %v err %v", router.sets, out.Err)
		}
		if !strings.Contains(out.Reason, "; restore failed after 3 attempts: writing blue=100 green=0: api error Throttling") {
			t.Fatalf("reason %q", out.Reason)
		}
		if !out.FinalKnown || out.Final != allGreen {
			t.Fatalf("final should be the last weights read, got %v", out.Final)
		}
		// backoff 1s then 2s
		if d := out.FinishedAt.Sub(epoch); d != time.Minute+3*time.Second {
			t.Fatalf("finished at +%v", d)
		}
	})

	t.Run("restore budget bounds the attempts", func(t *testing.T) {
		clk := clock.NewAutoFake(epoch)
		router := &fakeRouter{weights: allBlue, setErr: map[int]error{2: errThrottled, 3: errThrottled, 4: errThrottled}}
		check := &fakeCheck{name: "c", clk: clk, verdicts: verdicts("fail")}
		cfg := baseConfig(t, mustPlan(t, Strategy{Type: StrategyAllAtOnce}, time.Minute), router, clk, check)
		cfg.RestoreAttempts, cfg.RestoreBackoff, cfg.RestoreTimeout = 5, 4*time.Second, 10*time.Second
		out := Run(context.Background(), cfg)
		// attempts at +0s, +4s; the 8s backoff would end past the 10s budget.
		if out.Result != ResultRollbackFailed || len(router.sets) != 3 || !strings.Contains(out.Reason, "restore budget of 10s exhausted") {
			t.Fatalf("outcome %s ops %v", out.Summary(), router.ops)
		}
		if d := out.FinishedAt.Sub(epoch); d != time.Minute+10*time.Second {
			t.Fatalf("finished at +%v", d)
		}
	})
}

func TestRun_skipsStepsAlreadyPassed(t *testing.T) {
	canary := Strategy{Type: StrategyCanary, Steps: []int{10, 50}, StepInterval: time.Minute}
	t.Run("adopted mid-shift", func(t *testing.T) {
		clk := clock.NewAutoFake(epoch)
		router := &fakeRouter{weights: traffic.Weights{Blue: 70, Green: 30}}
		out := Run(context.Background(), baseConfig(t, mustPlan(t, canary, 0), router, clk))
		if !out.Succeeded() || !reflect.DeepEqual(router.sets, []traffic.Weights{{Blue: 50, Green: 50}, allGreen}) {
			t.Fatalf("outcome %s writes %v", out.Summary(), router.sets)
		}
		recs := out.StepRecords()
		if len(recs) != 3 || recs[0].Result != StepSkipped || recs[1].Result != StepCompleted {
			t.Fatalf("records %+v", recs)
		}
	})
	t.Run("already there", func(t *testing.T) {
		clk := clock.NewAutoFake(epoch)
		router := &fakeRouter{weights: traffic.Weights{Green: 1}}
		out := Run(context.Background(), baseConfig(t, mustPlan(t, canary, time.Hour), router, clk))
		if !out.Succeeded() || len(router.sets) != 0 || out.StepsCompleted != 0 || out.Duration() != 0 {
			t.Fatalf("outcome %s writes %v", out.Summary(), router.sets)
		}
	})
}

func TestRun_loggerSeesEveryEvent(t *testing.T) {
	clk := clock.NewAutoFake(epoch)
	var logged []Event
	cfg := baseConfig(t, mustPlan(t, Strategy{Type: StrategyAllAtOnce}, 2*time.Minute), &fakeRouter{weights: allBlue}, clk, &fakeCheck{name: "c", clk: clk})
	cfg.Logger = func(e Event) { logged = append(logged, e) }
	out := Run(context.Background(), cfg)
	if !reflect.DeepEqual(logged, out.Timeline) {
		t.Fatalf("logger saw %d events, timeline has %d", len(logged), len(out.Timeline))
	}
	for _, e := range logged {
		if e.String() == "" || e.At.IsZero() {
			t.Fatalf("event %+v", e)
		}
	}
	if s := logged[3].String(); s != "step_started step 1/1 (100%) blue=0 green=100" {
		t.Fatalf("event string %q", s)
	}
}

// TestRun_manualClockDrivenByTest shows the engine blocking on a manual fake
// clock while the test advances time, race-free.
func TestRun_manualClockDrivenByTest(t *testing.T) {
	clk := clock.NewFake(epoch)
	router := &fakeRouter{weights: allBlue}
	cfg := baseConfig(t, mustPlan(t, Strategy{Type: StrategyCanary, Steps: []int{25}, StepInterval: time.Minute}, time.Minute), router, clk)
	done := make(chan Outcome, 1)
	go func() { done <- Run(context.Background(), cfg) }()

	wait, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := clk.BlockUntilSleepers(wait, 1); err != nil {
		t.Fatal(err)
	}
	if w := router.current(); w != (traffic.Weights{Blue: 75, Green: 25}) {
		t.Fatalf("during step 1: %v", w)
	}
	clk.Advance(time.Minute)
	if err := clk.BlockUntilSleepers(wait, 1); err != nil {
		t.Fatal(err)
	}
	if w := router.current(); w != allGreen {
		t.Fatalf("during bake: %v", w)
	}
	clk.Advance(time.Minute)
	if out := <-done; !out.Succeeded() || out.Duration() != 2*time.Minute {
		t.Fatal(out.Summary())
	}
}

// A pending verdict ("not yet": CloudWatch has not published the minute)
// never counts toward a rollback, however long it lasts.
func TestRun_pendingNeverTrips(t *testing.T) {
	clk := clock.NewAutoFake(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
	router := &pendingRouter{}
	plan, err := PlanShift(Strategy{Type: StrategyCanary, Steps: []int{10}, StepInterval: 10 * time.Minute}, Blue, Green, 0)
	if err != nil {
		t.Fatal(err)
	}
	pending := checkFunc{name: "metrics", fn: func() []checks.Result {
		return []checks.Result{{Check: "metrics", Verdict: checks.Pending, Detail: "minute not published yet"}}
	}}
	pass := checkFunc{name: "health", fn: func() []checks.Result { return []checks.Result{{Check: "health", Verdict: checks.Pass}} }}
	out := Run(context.Background(), RunConfig{Router: router, Plan: plan, Preflight: []Check{pass}, Checks: []Check{pending},
		EvaluationInterval: 15 * time.Second, Clock: clk, InconclusiveLimit: ZeroTolerance, ErrorLimit: ZeroTolerance})
	if out.Result != ResultSucceeded {
		t.Fatalf("result %s: %s", out.Result, out.Reason)
	}
}

type checkFunc struct {
	name string
	fn   func() []checks.Result
}

func (c checkFunc) Name() string                             { return c.name }
func (c checkFunc) Evaluate(context.Context) []checks.Result { return c.fn() }

type pendingRouter struct{ w traffic.Weights }

func (r *pendingRouter) Read(context.Context) (traffic.Weights, error) {
	if r.w.Total() == 0 {
		r.w = traffic.Weights{Blue: 100}
	}
	return r.w, nil
}
func (r *pendingRouter) Set(_ context.Context, w traffic.Weights) error { r.w = w; return nil }

// TestRun_writeRefusedAsConflict: a router that refuses a write because
// another writer changed the weights since it read them (traffic.ErrConflict,
// e.g. a Kubernetes resourceVersion conflict) ends the run as a conflict:
// no retry, no restore over the other writer's change.
func TestRun_writeRefusedAsConflict(t *testing.T) {
	clk := clock.NewAutoFake(epoch)
	other := traffic.Weights{Blue: 70, Green: 30}
	router := &fakeRouter{weights: allBlue}
	// The second step's write is refused: the other writer got in between
	// the engine's pre-step read and the write.
	router.setErr = map[int]error{2: errors.Join(errors.New("route ns/web rule 0"), traffic.ErrConflict)}
	router.onRead = func(int, traffic.Weights) traffic.Weights {
		if len(router.sets) == 2 {
			return other
		}
		return router.weights
	}
	st := Strategy{Type: StrategyCanary, Steps: []int{10, 50}, StepInterval: time.Minute}
	out := Run(context.Background(), baseConfig(t, mustPlan(t, st, 0), router, clk))
	if out.Result != ResultConflict || out.Cause != CauseConflict {
		t.Fatalf("outcome %s, want conflict", out.Summary())
	}
	if !errors.Is(out.Err, traffic.ErrConflict) || out.Final != other || !out.FinalKnown {
		t.Fatalf("err %v final %s (known %v), want the conflict error and the other writer's %s", out.Err, out.Final, out.FinalKnown, other)
	}
	if len(router.sets) != 2 {
		t.Fatalf("sets %v: the engine wrote again after the conflict", router.sets)
	}
	if !strings.Contains(out.Reason, "not overwriting another writer's change") {
		t.Fatalf("reason %q", out.Reason)
	}
}

// A step written but never read back, and a restore that cannot read either:
// the outcome does not claim the weights read before the write.
func TestRun_finalUnknownAfterAnUnreadWrite(t *testing.T) {
	clk := clock.NewAutoFake(epoch)
	// Read #1 = before the shift; read #2 = the step's read-back (fails), and
	// every read after it fails too.
	router := &fakeRouter{weights: allBlue, readErr: map[int]error{2: errThrottled, 3: errThrottled, 4: errThrottled, 5: errThrottled, 6: errThrottled, 7: errThrottled}}
	out := Run(context.Background(), baseConfig(t, mustPlan(t, Strategy{Type: StrategyAllAtOnce}, time.Minute), router, clk))
	if out.Result != ResultRollbackFailed {
		t.Fatalf("outcome %s", out.Summary())
	}
	if out.FinalKnown {
		t.Fatalf("final claimed known (%s) although the router was written and never read back (it has %s)", out.Final, router.current())
	}
}
