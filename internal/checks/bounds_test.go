package checks

import "testing"

func TestBounds(t *testing.T) {
	one, five := 1.0, 5.0
	b := Bounds{Min: &one, Max: &five}
	if err := b.Validate("x"); err != nil {
		t.Fatal(err)
	}
	if got := b.Threshold(); got != "between 1 and 5" {
		t.Fatalf("threshold %q", got)
	}
	for _, tt := range []struct {
		v      float64
		want   Verdict
		suffix string
	}{{1, Pass, ""}, {5, Pass, ""}, {0.5, Fail, ", below min 1"}, {5.5, Fail, ", above max 5"}} {
		if v, s := b.Judge(tt.v); v != tt.want || s != tt.suffix {
			t.Errorf("Judge(%v) = %s %q, want %s %q", tt.v, v, s, tt.want, tt.suffix)
		}
	}
	if (Bounds{Max: &one}).Threshold() != "<= 1" || (Bounds{Min: &one}).Threshold() != ">= 1" {
		t.Fatal("one-ended thresholds")
	}
	if err := (Bounds{}).Validate("x"); err == nil || err.Error() != "x check needs min or max (or both)" {
		t.Fatalf("no bounds: %v", err)
	}
	if err := (Bounds{Min: &five, Max: &one}).Validate("x"); err == nil || err.Error() != "x check: min 5 is greater than max 1" {
		t.Fatalf("min > max: %v", err)
	}
}
