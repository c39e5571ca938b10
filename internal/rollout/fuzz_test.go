package rollout

import (
	"errors"
	"testing"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// fuzzTypes are the strategy types FuzzPlanShift picks from by a byte; the
// last entry is not a strategy, to keep the Type error path covered.
var fuzzTypes = []string{StrategyAllAtOnce, StrategyCanary, StrategyLinear, "blue_green"}

// fuzzColors are the colors FuzzPlanShift picks From and To from by a byte:
// the two real ones and a few near misses (Color.Valid is an exact match).
var fuzzColors = []Color{Blue, Green, "", "Blue", " green", "red"}

// maxPlanSteps bounds a plan: at most 99 steps below 100 (canary 1..99 or
// linear step 1) plus the final 100% step.
const maxPlanSteps = 100

// FuzzPlanShift checks PlanShift's invariants for arbitrary strategies:
// a plan's weights are exact, in range and sum to 100, the receiving
// percent is strictly increasing and ends at a single 100% Final step; an
// invalid input is a *ValidationError naming its field. Run with
//
//	go test -run '^$' -fuzz '^FuzzPlanShift$' -fuzztime 20s ./internal/rollout
func FuzzPlanShift(f *testing.F) {
	// typ, steps (each byte is an int8 percent), stepPercent, interval, bake, from, to
	f.Add(byte(0), []byte{}, 0, int64(0), int64(0), byte(0), byte(1))
	f.Add(byte(0), []byte{}, 0, int64(time.Minute), int64(10*time.Minute), byte(1), byte(0))
	f.Add(byte(1), []byte{10, 50}, 0, int64(5*time.Minute), int64(10*time.Minute), byte(0), byte(1))
	f.Add(byte(1), []byte{1, 99}, 0, int64(time.Second), int64(0), byte(1), byte(0))
	f.Add(byte(1), []byte{50, 50}, 0, int64(time.Second), int64(0), byte(0), byte(1))   // not ascending
	f.Add(byte(1), []byte{0, 100}, 0, int64(time.Second), int64(0), byte(0), byte(1))   // out of range
	f.Add(byte(1), []byte{0xff, 10}, 0, int64(time.Second), int64(0), byte(0), byte(1)) // -1
	f.Add(byte(1), []byte{}, 0, int64(time.Second), int64(0), byte(0), byte(1))         // no steps
	f.Add(byte(2), []byte{}, 25, int64(time.Minute), int64(time.Hour), byte(0), byte(1))
	f.Add(byte(2), []byte{}, 1, int64(0), int64(0), byte(1), byte(0))
	f.Add(byte(2), []byte{}, 99, int64(0), int64(0), byte(1), byte(0))
	f.Add(byte(2), []byte{}, 33, int64(time.Minute), int64(time.Hour), byte(0), byte(1))
	f.Add(byte(2), []byte{}, 100, int64(0), int64(0), byte(0), byte(1))
	f.Add(byte(2), []byte{}, -5, int64(0), int64(0), byte(0), byte(1))
	f.Add(byte(3), []byte{}, 10, int64(0), int64(0), byte(0), byte(1))
	f.Add(byte(0), []byte{}, 0, int64(-1), int64(0), byte(0), byte(1))
	f.Add(byte(0), []byte{}, 0, int64(0), int64(-1), byte(0), byte(1))
	f.Add(byte(1), []byte{10}, 0, int64(0), int64(0), byte(0), byte(0))
	f.Add(byte(1), []byte{10}, 0, int64(0), int64(0), byte(2), byte(1))
	f.Add(byte(1), []byte{10}, 0, int64(0), int64(0), byte(0), byte(5))

	f.Fuzz(func(t *testing.T, typ byte, rawSteps []byte, stepPercent int, interval, bake int64, fromSel, toSel byte) {
		steps := make([]int, len(rawSteps))
		for i, b := range rawSteps {
			steps[i] = int(int8(b)) // -128..127: below, inside and above 1–99
		}
		s := Strategy{
			Type:         fuzzTypes[int(typ)%len(fuzzTypes)],
			Steps:        steps,
			StepPercent:  stepPercent,
			StepInterval: time.Duration(interval),
		}
		from := fuzzColors[int(fromSel)%len(fuzzColors)]
		to := fuzzColors[int(toSel)%len(fuzzColors)]

		plan, err := PlanShift(s, from, to, time.Duration(bake))
		wantField := expectedInvalidField(s, from, to, time.Duration(bake))
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("PlanShift(%+v, %q, %q, %d) error %T %v, want *ValidationError", s, from, to, bake, err, err)
			}
			if ve.Field == "" {
				t.Fatalf("ValidationError with an empty Field: %v", ve)
			}
			if ve.Message == "" || err.Error() == "" {
				t.Fatalf("ValidationError with an empty message: %#v", ve)
			}
			if ve.Field != wantField {
				t.Fatalf("PlanShift(%+v, %q, %q, %d): error on field %q (%v), want %q", s, from, to, bake, ve.Field, err, wantField)
			}
			if ve.Index < -1 || (ve.Index >= 0 && (ve.Field != "Steps" || ve.Index >= len(s.Steps))) {
				t.Fatalf("ValidationError index %d out of range for field %s (%d steps): %v", ve.Index, ve.Field, len(s.Steps), err)
			}
			return
		}
		if wantField != "" {
			t.Fatalf("PlanShift(%+v, %q, %q, %d) accepted an input invalid in %s: %s", s, from, to, bake, wantField, plan)
		}

		if plan.From != from || plan.To != to || plan.Strategy != s.Type || plan.Bake != time.Duration(bake) {
			t.Fatalf("plan header %s %s→%s bake %s, want %s %s→%s bake %s", plan.Strategy, plan.From, plan.To, plan.Bake, s.Type, from, to, time.Duration(bake))
		}
		n := len(plan.Steps)
		if n == 0 || n > maxPlanSteps {
			t.Fatalf("plan has %d steps, want 1–%d: %s", n, maxPlanSteps, plan)
		}
		for i, st := range plan.Steps {
			if st.Index != i+1 {
				t.Fatalf("step %d has Index %d", i, st.Index)
			}
			w := st.Weights
			if w.Blue < 0 || w.Green < 0 || w.Blue > 100 || w.Green > 100 || w.Total() != 100 {
				t.Fatalf("step %d weights %s are not a percent split", st.Index, w)
			}
			if w.Total() != 100 {
				t.Fatalf("step %d weights %s sum to %d, want 100", st.Index, w, w.Total())
			}
			if st.Percent < 1 || st.Percent > 100 {
				t.Fatalf("step %d percent %d out of 1–100", st.Index, st.Percent)
			}
			if got := w.Of(to); int(got) != st.Percent {
				t.Fatalf("step %d: %s gets weight %d, want exactly the percent %d", st.Index, to, got, st.Percent)
			}
			if got := w.Of(from); int(got) != 100-st.Percent {
				t.Fatalf("step %d: %s gets weight %d, want 100-%d", st.Index, from, got, st.Percent)
			}
			if i > 0 && st.Percent <= plan.Steps[i-1].Percent {
				t.Fatalf("percents not strictly increasing: %v", plan.Percents())
			}
			last := i == n-1
			if st.Final != last {
				t.Fatalf("step %d Final=%v, want %v (%d steps)", st.Index, st.Final, last, n)
			}
			wantHold := s.StepInterval
			if last {
				wantHold = time.Duration(bake)
			}
			if st.Hold != wantHold {
				t.Fatalf("step %d hold %s, want %s", st.Index, st.Hold, wantHold)
			}
		}
		if last := plan.Steps[n-1]; last.Percent != 100 || !last.Final || last.Weights != traffic.Split(to, 100) {
			t.Fatalf("last step %+v, want 100%% to %s and Final", last, to)
		}
		switch s.Type {
		case StrategyAllAtOnce:
			if n != 1 {
				t.Fatalf("all_at_once plan has %d steps: %v", n, plan.Percents())
			}
		case StrategyCanary:
			if n != len(s.Steps)+1 {
				t.Fatalf("canary %v gave %v", s.Steps, plan.Percents())
			}
			for i, p := range s.Steps {
				if plan.Steps[i].Percent != p {
					t.Fatalf("canary %v gave %v", s.Steps, plan.Percents())
				}
			}
		case StrategyLinear:
			if want := (99 / s.StepPercent) + 1; n != want {
				t.Fatalf("linear %d gave %d steps %v, want %d", s.StepPercent, n, plan.Percents(), want)
			}
			for i := 0; i < n-1; i++ {
				if plan.Steps[i].Percent != (i+1)*s.StepPercent {
					t.Fatalf("linear %d gave %v", s.StepPercent, plan.Percents())
				}
			}
		}
		if err := plan.Validate(); err != nil {
			t.Fatalf("PlanShift output fails Validate: %v (%s)", err, plan)
		}
		_ = plan.String()
	})
}

// expectedInvalidField is an independent statement of PlanShift's input
// rules: the Field of the first violated one (in PlanShift's checking order),
// or "" for a valid input.
func expectedInvalidField(s Strategy, from, to Color, bake time.Duration) string {
	okColor := func(c Color) bool { return c == Blue || c == Green }
	switch {
	case !okColor(from):
		return "From"
	case !okColor(to) || from == to:
		return "To"
	case bake < 0:
		return "Bake"
	case s.StepInterval < 0:
		return "StepInterval"
	}
	switch s.Type {
	case StrategyAllAtOnce:
		return ""
	case StrategyCanary:
		if len(s.Steps) == 0 {
			return "Steps"
		}
		for i, p := range s.Steps {
			if p < 1 || p > 99 || (i > 0 && p <= s.Steps[i-1]) {
				return "Steps"
			}
		}
		return ""
	case StrategyLinear:
		if s.StepPercent < 1 || s.StepPercent > 99 {
			return "StepPercent"
		}
		return ""
	}
	return "Type"
}
