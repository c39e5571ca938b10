package provider

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

func w(b, g int32) traffic.Weights { return traffic.Weights{Blue: b, Green: g} }

func TestDeriveStatus(t *testing.T) {
	prev := w(100, 0)
	split := w(50, 50)
	tests := []struct {
		name       string
		read       traffic.Weights
		active     traffic.Color
		share      int
		prev       *traffic.Weights
		prevStatus string
		want       string
	}{
		{"all on active", w(100, 0), traffic.Blue, 100, nil, "", statusStable},
		{"all on active, adoption scale", w(1, 0), traffic.Blue, 100, nil, "", statusStable},
		{"all on the other color", w(0, 100), traffic.Blue, 100, nil, "", statusDrifted},
		{"split", w(50, 50), traffic.Blue, 100, nil, "", statusDrifted},
		{"nothing forwarded", w(0, 0), traffic.Blue, 100, nil, "", statusDrifted},
		{"rollback outcome kept while the weights stay", w(100, 0), traffic.Blue, 100, &prev, statusRolledBack, statusRolledBack},
		{"held outcome kept while the weights stay", split, traffic.Blue, 100, &split, statusHeld, statusHeld},
		{"held, then put back by hand: stable", w(100, 0), traffic.Blue, 100, &split, statusHeld, statusStable},
		{"drifted, then put back by hand: stable", w(100, 0), traffic.Blue, 100, &split, statusDrifted, statusStable},
		{"stable is never carried over", w(50, 50), traffic.Blue, 100, &split, statusStable, statusDrifted},
		{"parked at the share", w(90, 10), traffic.Green, 10, nil, "", statusPartial},
		{"parked share, adoption scale", w(900, 100), traffic.Green, 10, nil, "", statusPartial},
		{"another share than the parked one", w(80, 20), traffic.Green, 10, nil, "", statusDrifted},
		{"all on the color when a share is asked", w(0, 100), traffic.Green, 10, nil, "", statusDrifted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := deriveStatus(tt.read, tt.active, tt.share, tt.prev, tt.prevStatus); got != tt.want {
				t.Fatalf("deriveStatus = %q, want %q", got, tt.want)
			}
		})
	}
}

func canary(steps ...int) rollout.Strategy {
	return rollout.Strategy{Type: rollout.StrategyCanary, Steps: steps, StepInterval: time.Minute}
}

func TestPlanPath_fromRealWeights(t *testing.T) {
	b := evaluationBudget{Interval: 30 * time.Second, PerCheck: 30 * time.Second, Preflight: 30 * time.Second}
	tests := []struct {
		name     string
		current  traffic.Weights
		to       traffic.Color
		strategy rollout.Strategy
		percents []int
	}{
		{"already on the color: nothing to move", w(0, 100), traffic.Green, canary(10, 50), nil},
		{"already on the color at another scale", w(0, 1), traffic.Green, canary(10, 50), nil},
		{"full canary", w(100, 0), traffic.Green, canary(10, 50), []int{10, 50, 100}},
		{"resumed at 10 %: only the steps above run", w(90, 10), traffic.Green, canary(10, 50), []int{50, 100}},
		{"held at 50 %", w(50, 50), traffic.Green, canary(10, 50), []int{100}},
		{"back from a canary", w(50, 50), traffic.Blue, canary(10, 50), []int{100}},
		{"0/0 forward: everything", w(0, 0), traffic.Green, canary(10), []int{10, 100}},
		{"flip", w(100, 0), traffic.Green, rollout.Strategy{Type: rollout.StrategyAllAtOnce}, []int{100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := planPath(pathInputs{Current: tt.current, To: tt.to, Strategy: tt.strategy, Budget: b})
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, s := range p.Steps {
				got = append(got, s.Percent)
				if s.Weights != traffic.Split(tt.to, s.Percent) {
					t.Errorf("step %d%%: weights %s", s.Percent, s.Weights)
				}
			}
			if !slices.Equal(got, tt.percents) {
				t.Fatalf("steps %v, want %v", got, tt.percents)
			}
			if !p.Moving() && p.Worst != 0 {
				t.Fatalf("nothing to move but worst case %s", p.Worst)
			}
		})
	}
}

func TestWorstCase_countsOnlyWhatIsConfigured(t *testing.T) {
	flip := []rollout.Step{{Index: 1, Percent: 100, Final: true}}
	noChecks := evaluationBudget{Interval: 30 * time.Second, PerCheck: 30 * time.Second, Preflight: 30 * time.Second}
	got := worstCase(flip, noChecks)
	// Pre-flight, one write and read back, a restore: no evaluations.
	if want := 30*time.Second + 2*time.Second + rollout.DefaultRestoreTimeout; got != want {
		t.Fatalf("plain flip worst case %s, want %s", got, want)
	}
	withChecks := noChecks
	withChecks.Checks, withChecks.Timeout = true, 17*time.Second
	if got2 := worstCase(flip, withChecks); got2 != got+17*time.Second {
		t.Fatalf("flip with checks %s, want %s (one evaluation more)", got2, got+17*time.Second)
	}
	// A 1 % linear canary of 1 s steps with no checks is short.
	lin, err := planPath(pathInputs{Current: w(100, 0), To: traffic.Green,
		Strategy: rollout.Strategy{Type: rollout.StrategyLinear, StepPercent: 1, StepInterval: time.Second}, Budget: noChecks})
	if err != nil {
		t.Fatal(err)
	}
	if lin.Worst > 10*time.Minute {
		t.Fatalf("1%% linear canary of 1s steps without checks: worst case %s", lin.Worst)
	}
}

func TestWorstCase_neverOverflows(t *testing.T) {
	huge := 2562047 * time.Hour
	p, err := planPath(pathInputs{Current: w(100, 0), To: traffic.Green, Bake: huge,
		Strategy: rollout.Strategy{Type: rollout.StrategyLinear, StepPercent: 1, StepInterval: huge},
		Budget:   evaluationBudget{Checks: true, Interval: time.Second, Timeout: time.Hour, PerCheck: time.Hour, Preflight: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Worst <= 0 || p.Worst != math.MaxInt64 {
		t.Fatalf("worst case %d, want saturated at MaxInt64", p.Worst)
	}
	if formatWorst(p.Worst) != "unbounded" {
		t.Fatalf("formatWorst = %q", formatWorst(p.Worst))
	}
	if d := satAdd(math.MaxInt64-1, 5); d != math.MaxInt64 {
		t.Fatalf("satAdd overflowed to %d", d)
	}
	if d := satMul(time.Hour, math.MaxInt64/2); d != math.MaxInt64 {
		t.Fatalf("satMul overflowed to %d", d)
	}
}

func TestCurrentUnder_swapAndReplace(t *testing.T) {
	model := func(blue, green string, bw, gw int64) *listenerSwitchModel {
		m := &listenerSwitchModel{BlueTargetGroupARN: types.StringValue(blue), GreenTargetGroupARN: types.StringValue(green)}
		m.BlueWeight, m.GreenWeight = types.Int64Value(bw), types.Int64Value(gw)
		return m
	}
	prior := model("X", "Y", 100, 0)
	// Swapping the ARNs swaps the weights: traffic stays on X, now "green".
	cur, leaving, ok := currentUnder(prior, model("Y", "X", 0, 0))
	if !ok || cur != w(0, 100) || len(leaving) != 0 {
		t.Fatalf("swap: %s %v %v", cur, leaving, ok)
	}
	// Replacing the idle group: it joins at 0 and Y leaves with 0.
	cur, leaving, _ = currentUnder(prior, model("X", "Z", 0, 0))
	if cur != w(100, 0) || leaving["Y"] != 0 || len(leaving) != 1 {
		t.Fatalf("replace idle: %s %v", cur, leaving)
	}
	// Replacing the serving group: X leaves holding 100.
	cur, leaving, _ = currentUnder(prior, model("Z", "Y", 0, 0))
	if cur != w(0, 0) || leaving["X"] != 100 {
		t.Fatalf("replace serving: %s %v", cur, leaving)
	}
}

func TestReportOutcome(t *testing.T) {
	n := switchNouns{Point: "record set", Weights: "record weights"}
	base := rollout.Outcome{From: traffic.Blue, To: traffic.Green}
	tests := []struct {
		name    string
		result  rollout.Result
		cause   rollout.Cause
		final   traffic.Weights
		status  string
		active  traffic.Color
		summary string
	}{
		{"success", rollout.ResultSucceeded, "", w(0, 100), statusStable, traffic.Green, ""},
		{"pre-flight refusal", rollout.ResultPreflightFailed, rollout.CausePreflight, w(100, 0), statusStable, traffic.Blue, "Pre-flight check refused the shift"},
		{"Ctrl-C during pre-flight is an interruption, not a refusal", rollout.ResultPreflightFailed, rollout.CauseCancelled, w(100, 0), statusStable, traffic.Blue,
			"Shift interrupted before any weight was written"},
		{"timeout before any write", rollout.ResultPreflightFailed, rollout.CauseTimeout, w(100, 0), statusStable, traffic.Blue,
			"Shift interrupted before any weight was written"},
		{"rolled back", rollout.ResultRolledBack, rollout.CauseCheckFailed, w(100, 0), statusRolledBack, traffic.Blue, "Shift rolled back"},
		{"held", rollout.ResultHeld, rollout.CauseCancelled, w(50, 50), statusHeld, traffic.Blue, "Shift interrupted and held"},
		{"conflict names the router's noun", rollout.ResultConflict, rollout.CauseConflict, w(30, 70), statusConflict, traffic.Blue, "Record set changed by someone else"},
		{"rollback failed", rollout.ResultRollbackFailed, rollout.CauseAPIError, w(50, 50), statusRollbackFailed, traffic.Blue, "Rollback failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := base
			o.Result, o.Cause, o.Reason = tt.result, tt.cause, "because"
			rep := reportOutcome(o, tt.final, n)
			if rep.Status != tt.status || rep.Active != tt.active || rep.Summary != tt.summary {
				t.Fatalf("got %+v", rep)
			}
			if tt.summary != "" && !strings.Contains(rep.Detail, "because") {
				t.Fatalf("detail does not carry the reason: %q", rep.Detail)
			}
			if strings.Contains(rep.Detail, "listener") {
				t.Fatalf("detail uses ALB words for a record set: %q", rep.Detail)
			}
		})
	}
}

func TestPathMatchesPlan(t *testing.T) {
	p, _ := planPath(pathInputs{Current: w(100, 0), To: traffic.Green, Strategy: canary(10)})
	none := shiftPath{}
	if !pathMatchesPlan(types.StringValue("stable"), emptyPlannedSteps(), none, nil, w(100, 0)) {
		t.Fatal("no move planned, none found")
	}
	if pathMatchesPlan(types.StringValue("stable"), emptyPlannedSteps(), p, nil, w(100, 0)) {
		t.Fatal("a plan that moved nothing must not let the apply move traffic")
	}
	from := w(100, 0)
	if !pathMatchesPlan(types.StringUnknown(), plannedStepsValue(p.Steps), p, &from, w(100, 0)) {
		t.Fatal("same path")
	}
	// All at once from 50/50 is the same one-step path as from 100/0: still
	// another writer's change, refused.
	all, _ := planPath(pathInputs{Current: w(100, 0), To: traffic.Green, Strategy: rollout.Strategy{Type: rollout.StrategyAllAtOnce}})
	half, _ := planPath(pathInputs{Current: w(50, 50), To: traffic.Green, Strategy: rollout.Strategy{Type: rollout.StrategyAllAtOnce}})
	if !plannedStepsValue(all.Steps).Equal(plannedStepsValue(half.Steps)) {
		t.Fatal("test premise: the two all-at-once paths should look the same")
	}
	if pathMatchesPlan(types.StringUnknown(), plannedStepsValue(all.Steps), half, &from, w(50, 50)) {
		t.Fatal("weights changed since the plan must be refused even when the path looks the same")
	}
	resumed, _ := planPath(pathInputs{Current: w(90, 10), To: traffic.Green, Strategy: canary(10)})
	if pathMatchesPlan(types.StringUnknown(), plannedStepsValue(p.Steps), resumed, nil, w(90, 10)) {
		t.Fatal("a different path must be refused")
	}
}

// A step or bake shorter than AWS-timed ALB metrics can judge is a plan-time
// warning naming the attribute.
func TestWarnMetricsLag(t *testing.T) {
	m := &switchModel{
		Strategy: &strategyModel{Type: types.StringValue("canary"), StepInterval: durationString("1m"),
			Steps: types.ListNull(types.Int64Type), StepPercent: types.Int64Null()},
		BakeTime: durationString("0s"),
		RollbackOn: &rollbackOnModel{EvaluationInterval: durationString("15s"),
			checksModel: checksModel{Metrics: &metricsCheckModel{Window: durationString("1m")}, AlarmNames: types.ListNull(types.StringType)}},
	}
	var diags diag.Diagnostics
	warnMetricsLag(m, &diags)
	if diags.WarningsCount() != 2 || diags.HasError() {
		t.Fatalf("want two warnings (step_interval, bake_time), got %v", diags)
	}
	m.Strategy.StepInterval, m.BakeTime = durationString("4m"), durationString("4m")
	diags = nil
	warnMetricsLag(m, &diags)
	if len(diags) != 0 {
		t.Fatalf("steps long enough: %v", diags)
	}
}

// A parked share: the path runs the strategy's steps below the share, then
// the share held for the bake; raising it continues from there; lowering it
// moves back with the other color receiving.
func TestPlanPathParksAndPromotes(t *testing.T) {
	percents := func(p shiftPath) []int {
		var out []int
		for _, s := range p.Steps {
			out = append(out, s.Percent)
		}
		return out
	}
	bake := 5 * time.Minute
	park, err := planPath(pathInputs{Current: w(100, 0), To: traffic.Green, Share: 10, Strategy: canary(5, 10, 50), Bake: bake})
	if err != nil {
		t.Fatal(err)
	}
	if got := percents(park); !slices.Equal(got, []int{5, 10}) || park.Plan.To != traffic.Green {
		t.Fatalf("park at 10: steps %v to %s, want [5 10] to green", got, park.Plan.To)
	}
	if last := park.Steps[len(park.Steps)-1]; !last.Final || last.Hold != bake || last.Weights != w(90, 10) {
		t.Fatalf("the parked step must be final, held for the bake, at 90/10: %+v", last)
	}
	promote, _ := planPath(pathInputs{Current: w(90, 10), To: traffic.Green, Strategy: canary(5, 10, 50), Bake: bake})
	if got := percents(promote); !slices.Equal(got, []int{50, 100}) {
		t.Fatalf("promote from 10: steps %v, want [50 100] (nothing at or below 10 rewritten)", got)
	}
	back, _ := planPath(pathInputs{Current: w(50, 50), To: traffic.Green, Share: 10, Strategy: canary(5, 10, 50), Bake: bake})
	if got := percents(back); back.Plan.To != traffic.Blue || !slices.Equal(got, []int{90}) || back.Steps[0].Weights != w(90, 10) {
		t.Fatalf("back from 50 to 10: steps %v to %s, want [90] (blue's share) to blue at 90/10", got, back.Plan.To)
	}
	if p, _ := planPath(pathInputs{Current: w(90, 10), To: traffic.Green, Share: 10, Strategy: canary(50)}); p.Moving() {
		t.Fatalf("already parked at 10: nothing to move, got %v", percents(p))
	}
	if p, _ := planPath(pathInputs{Current: w(100, 0), To: traffic.Green, Share: 30, Strategy: rollout.Strategy{Type: rollout.StrategyAllAtOnce}}); !slices.Equal(percents(p), []int{30}) {
		t.Fatalf("all at once to a share: %v, want [30]", percents(p))
	}
	if err := park.Plan.Validate(); err != nil {
		t.Fatalf("the engine must accept a parked plan: %v", err)
	}
}
