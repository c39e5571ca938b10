package checks

import (
	"errors"
	"testing"
	"time"
)

func TestResult_String(t *testing.T) {
	tests := []struct {
		r    Result
		want string
	}{
		{
			Result{Check: "metrics.max_5xx_rate", Verdict: Fail, Value: 0.12, HasValue: true, Threshold: "<= 0.05",
				Detail: "5xx rate 0.12 (12/100 requests) > max 0.05 over 1m0s"},
			"metrics.max_5xx_rate fail (value 0.12, threshold <= 0.05): 5xx rate 0.12 (12/100 requests) > max 0.05 over 1m0s",
		},
		{Result{Check: "alarm:cpu", Verdict: Pass}, "alarm:cpu pass"},
		{Errored("alarm:x", time.Time{}, "not ALARM", errors.New("not found")), "alarm:x error (threshold not ALARM): not found"},
	}
	for _, tt := range tests {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("String() =\n %q\nwant\n %q", got, tt.want)
		}
	}
}

func TestFirstNotPassing(t *testing.T) {
	rs := []Result{{Check: "a", Verdict: Pass}, {Check: "b", Verdict: Inconclusive}}
	if r := FirstNotPassing(rs); r == nil || r.Check != "b" {
		t.Fatalf("FirstNotPassing = %v", r)
	}
	if FirstNotPassing(rs[:1]) != nil {
		t.Fatal("all pass")
	}
}
