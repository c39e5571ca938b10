package dnsbench

import (
	"context"
	"math"
	"testing"
	"time"
)

// TestRun checks that the measurement measures: every flip sees its first
// new answer no later than its 99 % window, and canary shares sit within 5σ
// of the step's percent. No durations are asserted.
func TestRun(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	rep, err := Run(context.Background(), Options{ChangeDelay: 300 * time.Millisecond, Flips: 2, Window: 50, Samples: 1000, Percents: []int{10, 50}, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Flips) != 2 || rep.Flips[0].To != "green" || rep.Flips[1].To != "blue" {
		t.Fatalf("flips %+v", rep.Flips)
	}
	for _, f := range rep.Flips {
		if f.FirstAnswer <= 0 || f.FirstAnswer > f.P99 || f.Queries < 50 {
			t.Fatalf("flip %+v: the first new answer must come before the 99%% window closes", f)
		}
	}
	for _, s := range rep.Steps {
		if math.Abs(s.Share-float64(s.Percent)) > 5*s.Sigma {
			t.Fatalf("step %+v: share off by more than 5σ", s)
		}
	}
	if rep.SetCalls != 2 {
		t.Fatalf("Set should cost one ListResourceRecordSets and one ChangeResourceRecordSets, measured %.1f calls", rep.SetCalls)
	}
	t.Log("\n" + rep.Markdown())
}
