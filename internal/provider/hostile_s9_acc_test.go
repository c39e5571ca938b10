package provider

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// Hostile pass (session 9) on park and promote. These tests drive the CLI
// (cliRun) because a TestStep's Check never runs when the step expects an
// error: state saved by a failed apply can only be read with `show -json`.

// parkCLI is a cliRun whose configuration takes the color and the share as
// variables.
func parkCLI(t *testing.T, env *testEnv, a testALB, extra string) *cliRun {
	t.Helper()
	r := newCLIRun(t, env, a, "rollback")
	writeFile(t, filepath.Join(r.work, "main.tf"), `terraform {
  required_providers {
    bluegreen = { source = "bluegreen-tf/bluegreen" }
  }
}
variable "color" { type = string }
variable "share" { type = number }
`+strings.Replace(switchConfig(a, "COLOR", extra+"\n  traffic_percent = var.share"), `"COLOR"`, "var.color", 1))
	return r
}

func (r *cliRun) applyShare(color string, share int) (string, error) {
	out, err := r.cmd("apply", "-auto-approve", "-no-color", "-var", "color="+color, "-var", fmt.Sprint("share=", share)).CombinedOutput()
	return string(out), err
}

// A promotion from a parked share that the pre-flight check refuses writes
// nothing: traffic stays exactly at the parked share, which the intent state
// keeps (green, 10 %) calls partial. The saved state must say partial — not
// "drifted", which claims someone else changed the weights.
func TestAccHostileS9_preflightRefusalWhileParkedKeepsPartial(t *testing.T) {
	t.Parallel()
	env := newTestSandbox(t, withRealClock())
	a := switchALB(t, env, "hs9-pf")
	r := parkCLI(t, env, a, `
  strategy = {
    type          = "canary"
    steps         = [5, 10, 50]
    step_interval = "1s"
  }`)
	if out, err := r.applyShare("blue", 100); err != nil {
		t.Fatalf("apply blue: %v\n%s", err, out)
	}
	if out, err := r.applyShare("green", 10); err != nil {
		t.Fatalf("park green 10: %v\n%s", err, out)
	}
	if err := env.Sandbox.SetTargetHealth(a.GreenARN, "10.0.0.2", 0, "unhealthy", "Target.FailedHealthChecks", "down"); err != nil {
		t.Fatal(err)
	}
	out, err := r.applyShare("green", 100)
	if err == nil || !strings.Contains(out, "Pre-flight check refused the shift") {
		t.Fatalf("promotion with green unhealthy should be refused by the pre-flight:\n%s", out)
	}
	if b, g := listenerWeights(t, env, a); b != 90 || g != 10 {
		t.Fatalf("listener %d/%d, want the parked 90/10 untouched", b, g)
	}
	st := r.switchState()
	expectNumber(t, st, "green_weight", 10)
	expectNumber(t, st, "traffic_percent", 10)
	if st["active_color"] != "green" || st["status"] != "partial" {
		t.Fatalf("state active_color=%v status=%v after a refused promotion from a parked 10 %%, want green/partial", st["active_color"], st["status"])
	}
}
