package dnsbench

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
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
	rep, err := Run(context.Background(), Options{ChangeDelay: 300 * time.Millisecond, Flips: 2, Window: 50, Samples: 1000, Percents: []int{10, 50}, PollInterval: 50 * time.Millisecond, EngineShifts: 1})
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
	if rep.FirstCanaryStep != 10 || rep.FirstCanaryAnswer <= 0 {
		t.Fatalf("the first canary step (from 0 %%) has no first-answer time: %+v", rep)
	}
	// The engine's canary: three steps, each one batch written and read
	// before (except the first) and after, with at least one GetChange poll.
	if rep.EngineSteps != 3 || rep.EngineCalls["ChangeResourceRecordSets"] != 1 || rep.EngineCalls["GetChange"] < 1 ||
		rep.EngineCalls["ListResourceRecordSets"] < 2 {
		t.Fatalf("engine calls per step %v over %d steps", rep.EngineCalls, rep.EngineSteps)
	}
	t.Log("\n" + rep.Markdown())
}

// WriteSection appends the DNS section once and replaces it on the next run,
// leaving the rest of the page alone.
func TestWriteSection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "benchmarks.md.tmpl")
	if err := os.WriteFile(path, []byte("# Benchmarks\n\n| ALB | rows |\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, share := range []float64{9.5, 10.25} {
		rep := Report{ChangeDelay: 10 * time.Second, Steps: []Step{{Percent: 10, Share: share, Samples: 100, Sigma: 3}}}
		if err := rep.WriteSection(path); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	if !strings.HasPrefix(text, "# Benchmarks\n\n| ALB | rows |\n\n"+sectionStart) || strings.Count(text, sectionStart) != 1 ||
		strings.Contains(text, "9.50 %") || !strings.Contains(text, "10.25 %") || !strings.HasSuffix(text, sectionEnd+"\n") {
		t.Fatalf("page after two runs:\n%s", text)
	}
}
