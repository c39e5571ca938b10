package rollout

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

func TestPlanShift_steps(t *testing.T) {
	const iv, bake = 5 * time.Minute, 10 * time.Minute
	tests := []struct {
		name     string
		s        Strategy
		from, to Color
		percents []int
		first    traffic.Weights
	}{
		{"all at once", Strategy{Type: StrategyAllAtOnce, StepInterval: iv}, Blue, Green, []int{100}, traffic.Weights{Green: 100}},
		{"canary", Strategy{Type: StrategyCanary, Steps: []int{10, 50}, StepInterval: iv}, Blue, Green, []int{10, 50, 100}, traffic.Weights{Blue: 90, Green: 10}},
		{"canary back to blue", Strategy{Type: StrategyCanary, Steps: []int{1, 99}, StepInterval: iv}, Green, Blue, []int{1, 99, 100}, traffic.Weights{Blue: 1, Green: 99}},
		{"linear 30", Strategy{Type: StrategyLinear, StepPercent: 30, StepInterval: iv}, Blue, Green, []int{30, 60, 90, 100}, traffic.Weights{Blue: 70, Green: 30}},
		{"linear 50", Strategy{Type: StrategyLinear, StepPercent: 50, StepInterval: iv}, Blue, Green, []int{50, 100}, traffic.Weights{Blue: 50, Green: 50}},
		{"linear 99", Strategy{Type: StrategyLinear, StepPercent: 99, StepInterval: iv}, Blue, Green, []int{99, 100}, traffic.Weights{Blue: 1, Green: 99}},
		{"irrelevant fields ignored", Strategy{Type: StrategyAllAtOnce, Steps: []int{500}, StepPercent: -3}, Blue, Green, []int{100}, traffic.Weights{Green: 100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := PlanShift(tt.s, tt.from, tt.to, bake)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Percents(); !reflect.DeepEqual(got, tt.percents) {
				t.Fatalf("percents = %v, want %v", got, tt.percents)
			}
			if p.Steps[0].Weights != tt.first {
				t.Fatalf("first weights = %v, want %v", p.Steps[0].Weights, tt.first)
			}
			for i, s := range p.Steps {
				last := i == len(p.Steps)-1
				wantHold := tt.s.StepInterval
				if last {
					wantHold = bake
				}
				if s.Index != i+1 || s.Final != last || s.Hold != wantHold || s.Weights != traffic.Split(tt.to, s.Percent) {
					t.Fatalf("step %d = %+v", i, s)
				}
			}
			if err := p.Validate(); err != nil {
				t.Fatalf("PlanShift output does not validate: %v", err)
			}
		})
	}
}

func TestPlanShift_validationNamesTheField(t *testing.T) {
	tests := []struct {
		name     string
		s        Strategy
		from, to Color
		bake     time.Duration
		field    string
		index    int
	}{
		{"unknown type", Strategy{Type: "blue_green"}, Blue, Green, 0, "Type", -1},
		{"empty type", Strategy{}, Blue, Green, 0, "Type", -1},
		{"canary without steps", Strategy{Type: StrategyCanary}, Blue, Green, 0, "Steps", -1},
		{"canary step 0", Strategy{Type: StrategyCanary, Steps: []int{0, 50}}, Blue, Green, 0, "Steps", 0},
		{"canary step 100", Strategy{Type: StrategyCanary, Steps: []int{10, 100}}, Blue, Green, 0, "Steps", 1},
		{"canary not ascending", Strategy{Type: StrategyCanary, Steps: []int{10, 50, 50}}, Blue, Green, 0, "Steps", 2},
		{"canary descending", Strategy{Type: StrategyCanary, Steps: []int{50, 10}}, Blue, Green, 0, "Steps", 1},
		{"linear 0", Strategy{Type: StrategyLinear}, Blue, Green, 0, "StepPercent", -1},
		{"linear 100", Strategy{Type: StrategyLinear, StepPercent: 100}, Blue, Green, 0, "StepPercent", -1},
		{"negative interval", Strategy{Type: StrategyLinear, StepPercent: 10, StepInterval: -time.Second}, Blue, Green, 0, "StepInterval", -1},
		{"negative bake", Strategy{Type: StrategyAllAtOnce}, Blue, Green, -time.Second, "Bake", -1},
		{"same color", Strategy{Type: StrategyAllAtOnce}, Green, Green, 0, "To", -1},
		{"bad color", Strategy{Type: StrategyAllAtOnce}, "red", Green, 0, "From", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := PlanShift(tt.s, tt.from, tt.to, tt.bake)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error = %v, want *ValidationError", err)
			}
			if ve.Field != tt.field || ve.Index != tt.index {
				t.Fatalf("field %s[%d], want %s[%d] (%v)", ve.Field, ve.Index, tt.field, tt.index, err)
			}
		})
	}
}

func TestShiftPlan_worstCaseDuration(t *testing.T) {
	p := mustPlan(t, Strategy{Type: StrategyCanary, Steps: []int{10, 50}, StepInterval: 5 * time.Minute}, 10*time.Minute)
	if got := p.HoldDuration(); got != 20*time.Minute {
		t.Fatalf("HoldDuration = %v", got)
	}
	// holds 20m; evaluations every 2m: 3 + 3 + 5 = 11, plus pre-flight, each
	// up to 10s; plus the restore budget.
	want := 20*time.Minute + 12*10*time.Second + DefaultRestoreTimeout
	if got := p.WorstCaseDuration(2*time.Minute, 10*time.Second); got != want {
		t.Fatalf("WorstCaseDuration = %v, want %v", got, want)
	}
	if n := EvaluationsPerStep(0, time.Minute); n != 1 {
		t.Fatalf("a zero hold still gets one evaluation, got %d", n)
	}
	if s := p.String(); s != "canary blue→green: 10% for 5m0s, 50% for 5m0s, 100% bake 10m0s" {
		t.Fatalf("String = %q", s)
	}
}
