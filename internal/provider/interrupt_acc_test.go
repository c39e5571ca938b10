package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// These tests drive the real CLI against the built provider (dev_overrides)
// on the real clock (the provider runs in its own process: no fake clock can
// reach it), each against a sandbox of its own, in parallel, so that Terraform itself can be interrupted (SIGINT)
// or the provider process killed in the middle of a shift.

type cliRun struct {
	t        *testing.T
	tf, work string
	env      []string
	// sb is the test's sandbox; the provider process finds it through
	// AWS_ENDPOINT_URL in its own environment.
	sb *testEnv
}

func newCLIRun(t *testing.T, env *testEnv, a testALB, onInterrupt string) *cliRun {
	t.Helper()
	testAccPreCheck(t)
	r := &cliRun{t: t, tf: cliPath(t), work: t.TempDir(), sb: env}
	r.env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+devOverridesRC(t), "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1",
		"AWS_ENDPOINT_URL="+env.Sandbox.URL())
	cfg := `terraform {
  required_providers {
    bluegreen = { source = "bluegreen-tf/bluegreen" }
  }
}
variable "color" { type = string }
` + strings.Replace(switchConfig(a, "COLOR", fmt.Sprintf(`
  strategy = {
    type          = "canary"
    steps         = [50]
    step_interval = "6s"
  }
  bake_time    = "6s"
  on_interrupt = %q`, onInterrupt)), `"COLOR"`, "var.color", 1)
	writeFile(t, filepath.Join(r.work, "main.tf"), cfg)
	return r
}

func (r *cliRun) cmd(args ...string) *exec.Cmd {
	cmd := exec.Command(r.tf, args...)
	cmd.Dir, cmd.Env = r.work, r.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

func (r *cliRun) apply(color string) (string, error) {
	out, err := r.cmd("apply", "-auto-approve", "-no-color", "-var", "color="+color).CombinedOutput()
	return string(out), err
}

// switchState reads the switch from the saved state.
func (r *cliRun) switchState() map[string]any {
	r.t.Helper()
	out, err := r.cmd("show", "-json").Output()
	if err != nil {
		r.t.Fatalf("terraform show: %v", err)
	}
	var st struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Address string
					Values  map[string]any
				}
			} `json:"root_module"`
		}
	}
	if err := json.Unmarshal(out, &st); err != nil {
		r.t.Fatal(err)
	}
	for _, res := range st.Values.RootModule.Resources {
		if res.Address == switchRes {
			return res.Values
		}
	}
	r.t.Fatalf("%s not in state", switchRes)
	return nil
}

// startAndWaitForSplit starts an apply to green and returns once the
// sandbox shows the 50/50 step.
func (r *cliRun) startAndWaitForSplit(a testALB) (*exec.Cmd, *strings.Builder) {
	r.t.Helper()
	return r.startAndWaitFor(func() bool { b, g, _ := r.sb.weights(a); return b == 50 && g == 50 })
}

// startAndWaitFor starts the shift to green and returns once split reports
// that the 50/50 step is in place (everywhere it must be).
func (r *cliRun) startAndWaitFor(split func() bool) (*exec.Cmd, *strings.Builder) {
	r.t.Helper()
	cmd := r.cmd("apply", "-auto-approve", "-no-color", "-var", "color=green")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	if r.sb.waitFor(60*time.Second, split) {
		return cmd, &out
	}
	_ = cmd.Process.Kill()
	r.t.Fatalf("the shift never reached 50/50:\n%s", out.String())
	return nil, nil
}

// applyBlue puts all traffic on blue, the starting point of every scenario.
func (r *cliRun) applyBlue() {
	r.t.Helper()
	if out, err := r.apply("blue"); err != nil {
		r.t.Fatalf("apply blue: %v\n%s", err, out)
	}
}

// interruptAtSplit starts the shift to green, sends Terraform SIGINT (as
// Ctrl-C or a cancelled run does) at the 50/50 step, and expects the apply
// to fail.
func (r *cliRun) interruptAtSplit(a testALB) *strings.Builder {
	r.t.Helper()
	return r.interruptWhen(func() bool { b, g, _ := r.sb.weights(a); return b == 50 && g == 50 })
}

// interruptWhen is interruptAtSplit with the caller's test of the split.
func (r *cliRun) interruptWhen(split func() bool) *strings.Builder {
	r.t.Helper()
	cmd, out := r.startAndWaitFor(split)
	_ = syscall.Kill(cmd.Process.Pid, syscall.SIGINT)
	if err := cmd.Wait(); err == nil {
		r.t.Fatalf("an interrupted apply must fail:\n%s", out)
	}
	return out
}

func expectNumber(t *testing.T, v map[string]any, key string, want float64) {
	t.Helper()
	if got, _ := v[key].(float64); got != want {
		t.Fatalf("state %s = %v, want %v", key, v[key], want)
	}
}

// TestAccInterrupt_sigintRollsBack: Ctrl-C mid-shift restores the previous
// weights and the saved state says so; the next apply completes the shift.
func TestAccInterrupt_sigintRollsBack(t *testing.T) {
	t.Parallel()
	env := newTestSandbox(t, withRealClock()) // the CLI's provider runs on the real clock
	a := switchALB(t, env, "int-sigint")
	r := newCLIRun(t, env, a, "rollback")
	r.applyBlue()
	out := r.interruptAtSplit(a)
	if b, g := listenerWeights(t, env, a); b != 100 || g != 0 {
		t.Fatalf("after Ctrl-C the listener has blue=%d green=%d, want the previous 100/0:\n%s", b, g, out)
	}
	st := r.switchState()
	expectNumber(t, st, "blue_weight", 100)
	expectNumber(t, st, "green_weight", 0)
	if st["status"] != "rolled_back" || st["active_color"] != "blue" {
		t.Fatalf("state status=%v active_color=%v, want rolled_back/blue", st["status"], st["active_color"])
	}
	if !strings.Contains(fmt.Sprint(st["last_shift"]), "cancel") {
		t.Fatalf("last_shift does not say the shift was cancelled: %v", st["last_shift"])
	}
	if out, err := r.apply("green"); err != nil {
		t.Fatalf("the next apply should complete the shift: %v\n%s", err, out)
	}
	if b, g := listenerWeights(t, env, a); b != 0 || g != 100 {
		t.Fatalf("after the next apply the listener has blue=%d green=%d, want 0/100", b, g)
	}
}

// TestAccInterrupt_holdKeepsWeightsAndResumes: with on_interrupt = "hold"
// Ctrl-C leaves the split, state records it, and the next apply resumes from
// the real weights (the 50 % step is not repeated).
func TestAccInterrupt_holdKeepsWeightsAndResumes(t *testing.T) {
	t.Parallel()
	env := newTestSandbox(t, withRealClock()) // the CLI's provider runs on the real clock
	a := switchALB(t, env, "int-hold")
	r := newCLIRun(t, env, a, "hold")
	r.applyBlue()
	r.interruptAtSplit(a)
	if b, g := listenerWeights(t, env, a); b != 50 || g != 50 {
		t.Fatalf("with hold the listener has blue=%d green=%d, want 50/50 left as it was", b, g)
	}
	st := r.switchState()
	expectNumber(t, st, "blue_weight", 50)
	expectNumber(t, st, "green_weight", 50)
	if st["status"] != "held" {
		t.Fatalf("state status=%v, want held", st["status"])
	}
	env.Sandbox.ResetCalls()
	if out, err := r.apply("green"); err != nil {
		t.Fatalf("the next apply should finish the shift: %v\n%s", err, out)
	}
	if got := writtenWeights(env, a); len(got) != 1 || got[0] != "0/100" {
		t.Fatalf("the resumed shift wrote %v, want only 0/100 (resuming from 50/50)", got)
	}
}

// TestAccInterrupt_providerKilled: the provider process dies mid-shift. The
// next plan shows the true weights as drift and the next apply completes.
func TestAccInterrupt_providerKilled(t *testing.T) {
	t.Parallel()
	env := newTestSandbox(t, withRealClock()) // the CLI's provider runs on the real clock
	a := switchALB(t, env, "int-kill")
	r := newCLIRun(t, env, a, "rollback")
	r.applyBlue()
	cmd, out := r.startAndWaitForSplit(a)
	// The provider is the only terraform-provider-bluegreen process in the
	// group Terraform leads.
	kill := exec.Command("pkill", "-KILL", "-g", fmt.Sprint(cmd.Process.Pid), "-f", "terraform-provider-bluegreen")
	if b, err := kill.CombinedOutput(); err != nil {
		t.Fatalf("pkill: %v %s", err, b)
	}
	if err := cmd.Wait(); err == nil {
		t.Fatalf("an apply whose provider died must fail:\n%s", out)
	}
	if b, g := listenerWeights(t, env, a); b != 50 || g != 50 {
		t.Fatalf("the killed provider could not restore: expected 50/50 left, got %d/%d", b, g)
	}
	plan, err := r.cmd("plan", "-no-color", "-var", "color=green", "-detailed-exitcode").CombinedOutput()
	if code := exitCode(err); code != 2 {
		t.Fatalf("plan exit code %d, want 2 (changes):\n%s", code, plan)
	}
	if !strings.Contains(string(plan), "blue_weight") || !strings.Contains(string(plan), "50 -> 0") {
		t.Fatalf("the plan does not show the real 50/50 weights moving on:\n%s", plan)
	}
	if out, err := r.apply("green"); err != nil {
		t.Fatalf("the next apply should complete: %v\n%s", err, out)
	}
	if b, g := listenerWeights(t, env, a); b != 0 || g != 100 {
		t.Fatalf("after the next apply the listener has blue=%d green=%d, want 0/100", b, g)
	}
}

// TestAccConcurrentWriter: someone changes the listener during a hold. The
// shift stops, does not restore over the other writer, and says so.
func TestAccConcurrentWriter(t *testing.T) {
	t.Parallel()
	env := newTestSandbox(t, withRealClock()) // the CLI's provider runs on the real clock
	a := switchALB(t, env, "int-writer")
	r := newCLIRun(t, env, a, "rollback")
	r.applyBlue()
	cmd, out := r.startAndWaitForSplit(a)
	if _, err := env.Clients.ELBv2.ModifyListener(context.Background(), &elbv2.ModifyListenerInput{
		ListenerArn:    aws.String(a.ListenerARN),
		DefaultActions: []elbv2types.Action{forwardAction(a.BlueARN, 80, a.GreenARN, 20)},
	}); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil {
		t.Fatalf("the shift must stop when someone else changes the listener:\n%s", out)
	}
	if !strings.Contains(out.String(), "Listener changed by someone else") {
		t.Fatalf("the diagnostic does not say someone else changed the listener:\n%s", out)
	}
	if b, g := listenerWeights(t, env, a); b != 80 || g != 20 {
		t.Fatalf("the other writer's 80/20 was overwritten: %d/%d", b, g)
	}
	st := r.switchState()
	expectNumber(t, st, "blue_weight", 80)
	expectNumber(t, st, "green_weight", 20)
	if st["status"] != "conflict" {
		t.Fatalf("state status=%v, want conflict", st["status"])
	}
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}
