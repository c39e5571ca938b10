package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
)

// TestAccSwitchRandomized is the stateful randomized test of the switch's
// promises. It drives the real CLI and the built provider against the
// sandbox through a long random sequence — configuration changes (color,
// strategy, target groups swapped or replaced, listener ↔ rule, a rival
// switch on the same listener), out-of-band writers, faults at random calls,
// Ctrl-C at random moments, imports into empty state — and after every step
// asserts the invariants a user can hold us to:
//
//  1. state equals the real forward (the weights of the groups state names);
//  2. the CLI never reports "inconsistent result", "invalid result object",
//     a value conversion error or a panic;
//  3. an apply whose plan showed no traffic change writes no weight change;
//  4. an apply whose plan showed a path writes that path's steps in order
//     (and, if it stops, only the restore of the weights it started from);
//  5. never two switches in state on one listener;
//  6. after an apply that succeeded, the next plan is empty.
//
// BLUEGREEN_SEED replays a sequence (the seed is printed); BLUEGREEN_RANDOM_STEPS
// sets its length (default 150 per CLI: make test runs it with both).
func TestAccSwitchRandomized(t *testing.T) {
	t.Parallel()
	env := newTestSandbox(t, withRealClock()) // the CLI's provider runs on the real clock
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("BLUEGREEN_SEED"); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("BLUEGREEN_SEED: %v", err)
		}
		seed = s
	}
	steps := 150
	if v := os.Getenv("BLUEGREEN_RANDOM_STEPS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("BLUEGREEN_RANDOM_STEPS: %v", err)
		}
		steps = n
	}
	t.Logf("seed %d — replay with BLUEGREEN_SEED=%d RUN=TestAccSwitchRandomized make testacc", seed, seed)
	w := newRandomWorld(t, env, seed)
	for i := 1; i <= steps; i++ {
		w.step(i)
		if t.Failed() {
			t.Fatalf("invariant violated at step %d (seed %d); history:\n%s", i, seed, strings.Join(w.history, "\n"))
		}
	}
	t.Logf("%d steps, actions: %v", steps, w.counts)
}

type randomWorld struct {
	sb       *testEnv // this test's sandbox
	t        *testing.T
	rng      *rand.Rand
	api      *elbv2.Client
	tf       string
	work     string
	env      []string
	alb      testALB
	groups   []string // three target groups, all with a healthy target
	bad      atomic.Bool
	checkURL string
	history  []string
	counts   map[string]int
	cfg      randomConfig
	applied  randomConfig // the last configuration an apply accepted
}

type randomConfig struct {
	Rule         bool
	Blue, Green  string
	Active       string
	Strategy     string
	Interval     string
	Bake         string
	OnInterrupt  string
	HTTPCheck    bool
	Rival        bool
	RulePriority int
	// NoRetries sets the provider's max_retries to 0, so that an injected
	// fault surfaces instead of being absorbed by the SDK's retries.
	NoRetries bool
}

func newRandomWorld(t *testing.T, env *testEnv, seed uint64) *randomWorld {
	w := &randomWorld{t: t, sb: env, rng: rand.New(rand.NewPCG(seed, 0x5eed)), api: env.Clients.ELBv2, tf: cliPath(t), work: t.TempDir(),
		counts: map[string]int{}}
	w.env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+devOverridesRC(t), "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1",
		"AWS_ENDPOINT_URL="+env.Sandbox.URL())
	name := fmt.Sprintf("rnd%s%d", strings.TrimSuffix(filepath.Base(w.tf), ".exe")[:2], seed%100000)
	w.alb = createALB(t, env.Clients.ELBv2, name, 9000+int32(seed%900), 100, 0)
	ctx := context.Background()
	third, err := w.api.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: aws.String(name + "-third"), Port: aws.Int32(8080),
		Protocol: "HTTP", VpcId: aws.String("vpc-0123456789abcdef0")})
	if err != nil {
		t.Fatal(err)
	}
	w.groups = []string{w.alb.BlueARN, w.alb.GreenARN, aws.ToString(third.TargetGroups[0].TargetGroupArn)}
	for i, tg := range w.groups {
		ip := fmt.Sprintf("10.0.%d.%d", seed%200, i+1)
		if _, err := w.api.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: aws.String(tg),
			Targets: []elbv2types.TargetDescription{{Id: aws.String(ip)}}}); err != nil {
			t.Fatal(err)
		}
		if err := env.Sandbox.SetTargetHealth(tg, ip, 0, "healthy", "", ""); err != nil {
			t.Fatal(err)
		}
	}
	// The third group must be used by the load balancer to be health-checked
	// like the others: a rule that no request matches uses it.
	if _, err := w.api.CreateRule(ctx, &elbv2.CreateRuleInput{ListenerArn: aws.String(w.alb.ListenerARN), Priority: aws.Int32(40000),
		Conditions: []elbv2types.RuleCondition{{Field: aws.String("path-pattern"), PathPatternConfig: &elbv2types.PathPatternConditionConfig{Values: []string{"/never-" + name}}}},
		Actions:    []elbv2types.Action{{Type: elbv2types.ActionTypeEnumForward, TargetGroupArn: aws.String(w.groups[2])}}}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		if w.bad.Load() {
			rw.WriteHeader(http.StatusInternalServerError)
			return
		}
		_, _ = rw.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	w.checkURL = srv.URL
	w.cfg = randomConfig{Blue: w.groups[0], Green: w.groups[1], Active: "blue", Strategy: "all_at_once", Interval: "0s", Bake: "0s",
		OnInterrupt: "rollback", RulePriority: 100}
	w.applied = w.cfg
	return w
}

func (w *randomWorld) logf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	w.history = append(w.history, line)
	w.t.Log(line)
}

func (w *randomWorld) pickConfig() randomConfig {
	c := w.cfg
	r := w.rng
	switch r.IntN(6) {
	case 0: // swap the groups
		c.Blue, c.Green = c.Green, c.Blue
	case 1: // replace one group by the third: the idle one, or now and then the serving one (refused)
		idleIsBlue := c.Active == "green"
		if r.IntN(5) == 0 {
			idleIsBlue = !idleIsBlue
		}
		for _, g := range w.groups {
			if g != c.Blue && g != c.Green {
				if idleIsBlue {
					c.Blue = g
				} else {
					c.Green = g
				}
				break
			}
		}
	}
	if r.IntN(3) > 0 {
		c.Active = []string{"blue", "green"}[r.IntN(2)]
	}
	c.Strategy = []string{"all_at_once", "canary", "linear"}[r.IntN(3)]
	c.Interval = []string{"0s", "1s"}[r.IntN(2)]
	c.Bake = []string{"0s", "0s", "1s"}[r.IntN(3)]
	c.OnInterrupt = []string{"rollback", "rollback", "hold"}[r.IntN(3)]
	c.HTTPCheck = r.IntN(3) == 0
	if r.IntN(12) == 0 {
		c.Rule = !c.Rule
	}
	if c.Rule && r.IntN(6) == 0 {
		c.RulePriority = 100 + r.IntN(5)
	}
	c.Rival, c.NoRetries = false, false
	return c
}

func (c randomConfig) hcl(w *randomWorld) string {
	var b strings.Builder
	b.WriteString("terraform {\n  required_providers {\n    bluegreen = { source = \"bluegreen-tf/bluegreen\" }\n  }\n}\n")
	if c.NoRetries {
		b.WriteString("provider \"bluegreen\" {\n  max_retries = 0\n}\n")
	}
	body := func(name, listener string, rule bool) {
		fmt.Fprintf(&b, "resource \"bluegreen_listener_switch\" %q {\n", name)
		if rule {
			fmt.Fprintf(&b, "  rule = {\n    listener_arn = %q\n    priority = %d\n    path_patterns = [\"/rnd/*\"]\n  }\n", listener, c.RulePriority)
		} else {
			fmt.Fprintf(&b, "  listener_arn = %q\n", listener)
		}
		fmt.Fprintf(&b, "  blue_target_group_arn = %q\n  green_target_group_arn = %q\n  active_color = %q\n", c.Blue, c.Green, c.Active)
		switch c.Strategy {
		case "canary":
			fmt.Fprintf(&b, "  strategy = {\n    type = \"canary\"\n    steps = [10, 50]\n    step_interval = %q\n  }\n", c.Interval)
		case "linear":
			fmt.Fprintf(&b, "  strategy = {\n    type = \"linear\"\n    step_percent = 40\n    step_interval = %q\n  }\n", c.Interval)
		}
		fmt.Fprintf(&b, "  bake_time = %q\n  on_interrupt = %q\n", c.Bake, c.OnInterrupt)
		if c.HTTPCheck {
			fmt.Fprintf(&b, "  rollback_on = {\n    http = [{\n      url = %q\n      timeout = \"1s\"\n    }]\n    evaluation_interval = \"1s\"\n    failure_threshold = 1\n  }\n", w.checkURL)
		}
		b.WriteString("  timeouts {\n    create = \"2m\"\n    update = \"2m\"\n  }\n}\n")
	}
	body("sw", w.alb.ListenerARN, c.Rule)
	if c.Rival {
		body("rival", w.alb.ListenerARN, false)
	}
	return b.String()
}

func (w *randomWorld) cmd(args ...string) *exec.Cmd {
	cmd := exec.Command(w.tf, args...)
	cmd.Dir, cmd.Env = w.work, w.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

func (w *randomWorld) run(args ...string) (string, int) {
	out, err := w.cmd(args...).CombinedOutput()
	return string(out), exitCode(err)
}

var forbiddenOutput = regexp.MustCompile(`(?i)inconsistent result|invalid result object|value conversion error|panic:|unknown value for|plugin did not respond|Provider produced`)

func (w *randomWorld) checkOutput(what, out string) {
	if m := forbiddenOutput.FindString(out); m != "" {
		w.t.Errorf("%s: the CLI reported %q:\n%s", what, m, out)
	}
}

// step runs one random action and checks the invariants.
func (w *randomWorld) step(i int) {
	w.sb.Sandbox.ClearFaults()
	action := w.pickAction()
	w.counts[action]++
	switch action {
	case "apply":
		w.cfg = w.pickConfig()
		w.bad.Store(w.rng.IntN(5) == 0)
		w.logf("step %d: apply %+v bad=%v", i, w.cfg, w.bad.Load())
		w.planAndApply(i, nil)
	case "fault":
		w.cfg = w.pickConfig()
		ops := []string{"DescribeListeners", "ModifyListener", "DescribeRules", "ModifyRule", "DescribeTags", "AddTags", "DescribeTargetHealth", "CreateRule"}
		op := ops[w.rng.IntN(len(ops))]
		kind := []sandbox.FaultKind{sandbox.Throttle, sandbox.HTTP5xx, sandbox.ConnReset}[w.rng.IntN(3)]
		f := sandbox.Fault{Service: "elbv2", Operation: op, Kind: kind, Times: 1 + w.rng.IntN(12), After: w.rng.IntN(4)}
		w.cfg.NoRetries = w.rng.IntN(3) > 0
		w.logf("step %d: apply %+v with fault %+v", i, w.cfg, f)
		w.planAndApply(i, &f)
	case "interrupt":
		w.cfg = w.pickConfig()
		w.cfg.Interval, w.cfg.Strategy = "2s", "canary"
		delay := time.Duration(200+w.rng.IntN(3500)) * time.Millisecond
		w.logf("step %d: apply %+v, SIGINT after %s", i, w.cfg, delay)
		w.interrupt(i, delay)
	case "oob-weights":
		w.outOfBandWeights(i)
	case "oob-foreign":
		w.outOfBandForeign(i)
	case "import":
		w.reimport(i)
	case "rival":
		w.cfg = w.pickConfig()
		w.cfg.Rule, w.cfg.Rival = false, true
		w.logf("step %d: apply with a rival switch on the same listener", i)
		w.planAndApply(i, nil)
		w.cfg.Rival = false
	}
	w.sb.Sandbox.ClearFaults()
	w.checkState(fmt.Sprintf("step %d (%s)", i, action))
	w.checkOneOwner(fmt.Sprintf("step %d (%s)", i, action))
}

func (w *randomWorld) pickAction() string {
	if len(w.history) == 0 {
		return "apply"
	}
	n := w.rng.IntN(100)
	switch {
	case n < 50:
		return "apply"
	case n < 62:
		return "fault"
	case n < 72:
		return "interrupt"
	case n < 80:
		return "oob-weights"
	case n < 85:
		return "oob-foreign"
	case n < 93:
		return "import"
	}
	return "rival"
}

// planAndApply saves a plan, applies exactly that plan, and checks the
// writes against it.
func (w *randomWorld) planAndApply(i int, fault *sandbox.Fault) {
	writeFile(w.t, filepath.Join(w.work, "main.tf"), w.cfg.hcl(w))
	out, code := w.run("plan", "-no-color", "-input=false", "-out=step.tfplan")
	w.checkOutput("plan", out)
	if code != 0 {
		w.logf("  plan failed: %s", firstError(out))
		w.cfg = w.applied // the refused configuration never landed
		// Nothing was applied: what state must equal now is a refresh.
		out, _ = w.run("apply", "-refresh-only", "-auto-approve", "-no-color", "-input=false")
		w.checkOutput("refresh", out)
		return
	}
	planJSON, code := w.run("show", "-json", "step.tfplan")
	if code != 0 {
		w.t.Fatalf("show plan: %s", planJSON)
	}
	pc := parsePlannedSwitch(w.t, planJSON)
	before := w.forwardShares()
	if fault != nil {
		if _, err := w.sb.Sandbox.InjectFault(*fault); err != nil {
			w.t.Fatal(err)
		}
	}
	w.sb.Sandbox.ResetCalls()
	out, code = w.run("apply", "-no-color", "-input=false", "step.tfplan")
	w.sb.Sandbox.ClearFaults()
	w.checkOutput("apply", out)
	w.logf("  apply exit %d %s", code, firstError(out))
	w.checkWrites(pc, before)
	if code == 0 {
		w.applied = w.cfg
	}
	if code == 0 && fault == nil {
		w.expectEmptyPlan()
	}
}

func (w *randomWorld) interrupt(i int, delay time.Duration) {
	writeFile(w.t, filepath.Join(w.work, "main.tf"), w.cfg.hcl(w))
	cmd := w.cmd("apply", "-auto-approve", "-no-color", "-input=false")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	time.Sleep(delay)
	_ = syscall.Kill(cmd.Process.Pid, syscall.SIGINT)
	err := cmd.Wait()
	w.checkOutput("interrupted apply", out.String())
	w.logf("  interrupted apply exit %d %s", exitCode(err), firstError(out.String()))
}

// outOfBandWeights writes a random split on the switch's point behind
// Terraform's back, as a person with the console would.
func (w *randomWorld) outOfBandWeights(i int) {
	st := w.switchInState("sw")
	if st == nil {
		w.logf("step %d: out-of-band weights skipped (no switch)", i)
		return
	}
	blue, green := str(st["blue_target_group_arn"]), str(st["green_target_group_arn"])
	p := []int32{0, 30, 50, 100}[w.rng.IntN(4)]
	w.logf("step %d: out-of-band writer sets green to %d%%", i, p)
	w.writeForward(st, []elbv2types.Action{forwardAction(blue, 100-p, green, p)})
	out, _ := w.run("apply", "-refresh-only", "-auto-approve", "-no-color")
	w.checkOutput("refresh", out)
}

// outOfBandForeign replaces the forward with one the switch cannot adopt,
// checks that an apply refuses it and keeps state true, then puts a plain
// forward back.
func (w *randomWorld) outOfBandForeign(i int) {
	st := w.switchInState("sw")
	if st == nil {
		w.logf("step %d: out-of-band foreign skipped (no switch)", i)
		return
	}
	blue, green := str(st["blue_target_group_arn"]), str(st["green_target_group_arn"])
	third := ""
	for _, g := range w.groups {
		if g != blue && g != green {
			third = g
		}
	}
	w.logf("step %d: out-of-band writer adds a third group to the forward", i)
	w.writeForward(st, []elbv2types.Action{{Type: elbv2types.ActionTypeEnumForward, ForwardConfig: &elbv2types.ForwardActionConfig{
		TargetGroups: []elbv2types.TargetGroupTuple{{TargetGroupArn: aws.String(blue), Weight: aws.Int32(50)},
			{TargetGroupArn: aws.String(green), Weight: aws.Int32(0)}, {TargetGroupArn: aws.String(third), Weight: aws.Int32(50)}}}}})
	w.planAndApply(i, nil)
	w.checkState(fmt.Sprintf("step %d (foreign forward)", i))
	if now := w.switchInState("sw"); now != nil && str(now["rule_arn"]) != str(st["rule_arn"]) {
		// The apply replaced the rule (a tainted create is replaced):
		// the rule with the third group is gone with it.
		w.logf("  the apply replaced rule %s by %s: nothing to put back", str(st["rule_arn"]), str(now["rule_arn"]))
	} else {
		w.logf("  the person puts a plain forward back")
		w.writeForward(st, []elbv2types.Action{forwardAction(blue, 100, green, 0)})
	}
	out, _ := w.run("apply", "-refresh-only", "-auto-approve", "-no-color")
	w.checkOutput("refresh", out)
}

func (w *randomWorld) writeForward(st map[string]any, actions []elbv2types.Action) {
	ctx := context.Background()
	var err error
	if arn := str(st["rule_arn"]); arn != "" {
		_, err = w.api.ModifyRule(ctx, &elbv2.ModifyRuleInput{RuleArn: aws.String(arn), Actions: actions})
	} else {
		_, err = w.api.ModifyListener(ctx, &elbv2.ModifyListenerInput{ListenerArn: aws.String(str(st["listener_arn"])), DefaultActions: actions})
	}
	if err != nil {
		w.t.Fatalf("out-of-band write: %v", err)
	}
}

// reimport removes the switch from state and imports it again.
func (w *randomWorld) reimport(i int) {
	st := w.switchInState("sw")
	if st == nil {
		w.logf("step %d: import skipped (no switch)", i)
		return
	}
	id := str(st["id"])
	if w.rng.IntN(2) == 0 || !strings.Contains(str(st["blue_target_group_arn"]), "-blue/") || !strings.Contains(str(st["green_target_group_arn"]), "-green/") {
		id += "," + str(st["blue_target_group_arn"]) + "," + str(st["green_target_group_arn"])
	}
	w.logf("step %d: state rm, then import %s", i, id)
	if out, code := w.run("state", "rm", "-no-color", "bluegreen_listener_switch.sw"); code != 0 {
		w.t.Fatalf("state rm: %s", out)
	}
	out, code := w.run("import", "-no-color", "-input=false", "bluegreen_listener_switch.sw", id)
	w.checkOutput("import", out)
	w.logf("  import exit %d %s", code, firstError(out))
}

// plannedSwitch is what a saved plan says the apply will do to the switch.
type plannedSwitch struct {
	present       bool
	beforeWeights [2]float64
	afterWeights  [2]float64
	afterKnown    bool
	statusUnknown bool
	steps         []int // planned percents of the receiving color
	stepsKnown    bool
	active        string
	blueARN       string
	greenARN      string
	replace       bool
	create        bool
}

func parsePlannedSwitch(t *testing.T, planJSON string) plannedSwitch {
	var p struct {
		ResourceChanges []struct {
			Address string
			Change  struct {
				Actions      []string
				Before       map[string]any
				After        map[string]any
				AfterUnknown map[string]any `json:"after_unknown"`
			}
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(planJSON), &p); err != nil {
		t.Fatalf("plan JSON: %v", err)
	}
	var ps plannedSwitch
	for _, rc := range p.ResourceChanges {
		if rc.Address != "bluegreen_listener_switch.sw" {
			continue
		}
		ps.present = true
		ps.create = slices.Contains(rc.Change.Actions, "create")
		ps.replace = ps.create && slices.Contains(rc.Change.Actions, "delete")
		if rc.Change.Before != nil {
			ps.beforeWeights = [2]float64{num(rc.Change.Before["blue_weight"]), num(rc.Change.Before["green_weight"])}
		}
		a := rc.Change.After
		_, bu := rc.Change.AfterUnknown["blue_weight"]
		ps.afterKnown = !bu && a["blue_weight"] != nil
		ps.afterWeights = [2]float64{num(a["blue_weight"]), num(a["green_weight"])}
		_, ps.statusUnknown = rc.Change.AfterUnknown["status"]
		_, su := rc.Change.AfterUnknown["planned_steps"]
		ps.stepsKnown = !su
		if steps, ok := a["planned_steps"].([]any); ok {
			for _, s := range steps {
				ps.steps = append(ps.steps, int(num(s.(map[string]any)["percent"])))
			}
		}
		ps.active = str(a["active_color"])
		ps.blueARN, ps.greenARN = str(a["blue_target_group_arn"]), str(a["green_target_group_arn"])
	}
	return ps
}

// forwardShares reads the share (percent) of each group in the forward of
// the switch's point (listener, or the rule in rule mode).
func (w *randomWorld) forwardShares() map[string]float64 {
	st := w.switchInState("sw")
	arn := w.alb.ListenerARN
	if st != nil && str(st["rule_arn"]) != "" {
		arn = str(st["rule_arn"])
	}
	ts, _, err := describeForwardForTest(w.sb, arn)
	if err != nil {
		return nil
	}
	return shares(ts)
}

type tgWeight struct {
	arn    string
	weight int32
}

func describeForwardForTest(env *testEnv, arn string) ([]tgWeight, bool, error) {
	ctx := context.Background()
	api := env.Clients.ELBv2
	var actions []elbv2types.Action
	if strings.Contains(arn, ":listener-rule/") {
		out, err := api.DescribeRules(ctx, &elbv2.DescribeRulesInput{RuleArns: []string{arn}})
		if err != nil {
			return nil, false, err
		}
		actions = out.Rules[0].Actions
	} else {
		out, err := api.DescribeListeners(ctx, &elbv2.DescribeListenersInput{ListenerArns: []string{arn}})
		if err != nil {
			return nil, false, err
		}
		actions = out.Listeners[0].DefaultActions
	}
	for _, a := range actions {
		if a.Type != elbv2types.ActionTypeEnumForward {
			continue
		}
		var ts []tgWeight
		if a.ForwardConfig != nil {
			for _, tg := range a.ForwardConfig.TargetGroups {
				wt := int32(1)
				if tg.Weight != nil {
					wt = *tg.Weight
				}
				ts = append(ts, tgWeight{aws.ToString(tg.TargetGroupArn), wt})
			}
		}
		if len(ts) == 0 && a.TargetGroupArn != nil {
			ts = []tgWeight{{aws.ToString(a.TargetGroupArn), 1}}
		}
		return ts, true, nil
	}
	return nil, false, nil
}

func shares(ts []tgWeight) map[string]float64 {
	var total int32
	for _, t := range ts {
		total += t.weight
	}
	out := map[string]float64{}
	for _, t := range ts {
		if total > 0 {
			out[t.arn] += float64(t.weight) * 100 / float64(total)
		}
	}
	return out
}

var forwardParam = regexp.MustCompile(`^(?:DefaultActions|Actions)\.member\.(\d+)\.ForwardConfig\.TargetGroups\.member\.(\d+)\.(TargetGroupArn|Weight)$`)

// writtenShares turns the call log's successful forward writes into the
// shares each wrote, in order.
func writtenShares(env *testEnv) []map[string]float64 {
	var out []map[string]float64
	for _, c := range env.Sandbox.Calls(sandbox.CallFilter{Service: "elbv2"}) {
		if (c.Operation != "ModifyListener" && c.Operation != "ModifyRule" && c.Operation != "CreateRule") || c.ErrorCode != "" || c.Status != 200 {
			continue
		}
		byIdx := map[string]*tgWeight{}
		for k, v := range c.Params {
			m := forwardParam.FindStringSubmatch(k)
			if m == nil {
				continue
			}
			key := m[1] + "/" + m[2]
			if byIdx[key] == nil {
				byIdx[key] = &tgWeight{weight: 1}
			}
			if m[3] == "TargetGroupArn" {
				byIdx[key].arn = v
			} else {
				n, _ := strconv.Atoi(v)
				byIdx[key].weight = int32(n)
			}
		}
		if len(byIdx) == 0 {
			continue // a conditions or priority change
		}
		keys := make([]string, 0, len(byIdx))
		for k := range byIdx {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var ts []tgWeight
		for _, k := range keys {
			ts = append(ts, *byIdx[k])
		}
		out = append(out, shares(ts))
	}
	return out
}

func sameShares(a, b map[string]float64) bool {
	for k, v := range a {
		if v != 0 && b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if v != 0 && a[k] != v {
			return false
		}
	}
	return true
}

// checkWrites holds the writes of an apply to its plan.
func (w *randomWorld) checkWrites(pc plannedSwitch, before map[string]float64) {
	if !pc.present || pc.create {
		return
	}
	writes := writtenShares(w.sb)
	noChange := pc.afterKnown && !pc.statusUnknown && pc.afterWeights == pc.beforeWeights
	if noChange {
		for _, s := range writes {
			if !sameShares(s, before) {
				w.t.Errorf("the plan showed no traffic change, but the apply wrote %v (before: %v)", s, before)
			}
		}
		return
	}
	if !pc.statusUnknown || !pc.stepsKnown {
		return // the path was decided at apply (unknown inputs)
	}
	receiving := pc.blueARN
	if pc.active == "green" {
		receiving = pc.greenARN
	}
	next := 0
	prev := before
	restoring := false
	for _, s := range writes {
		if sameShares(s, prev) {
			continue // attaching a group or stickiness: no traffic moves
		}
		if sameShares(s, before) {
			restoring = true // the rollback to the weights the apply started from
			prev = s
			continue
		}
		if restoring {
			w.t.Errorf("after restoring %v the apply wrote %v", before, s)
			return
		}
		got := int(s[receiving] + 0.5)
		for next < len(pc.steps) && pc.steps[next] != got {
			next++
		}
		if next == len(pc.steps) {
			w.t.Errorf("the apply wrote %v (%d%% to %s), not a step of the planned path %v", s, got, pc.active, pc.steps)
			return
		}
		next++
		prev = s
	}
}

// expectEmptyPlan: after an apply that succeeded, nothing is left to do.
func (w *randomWorld) expectEmptyPlan() {
	out, code := w.run("plan", "-no-color", "-input=false", "-detailed-exitcode")
	w.checkOutput("plan after apply", out)
	if code == 2 {
		st := w.switchInState("sw")
		status := ""
		if st != nil {
			status = str(st["status"])
		}
		if status == statusStable || status == "" {
			w.t.Errorf("after a successful apply the next plan is not empty:\n%s", out)
		}
	}
}

// checkState: state equals the real forward.
func (w *randomWorld) checkState(what string) {
	st := w.switchInState("sw")
	if st == nil {
		return
	}
	point := str(st["rule_arn"])
	if point == "" {
		point = str(st["listener_arn"])
	}
	ts, hasForward, err := describeForwardForTest(w.sb, point)
	if err != nil {
		w.t.Errorf("%s: reading the real forward of %s: %v", what, point, err)
		return
	}
	blue, green := str(st["blue_target_group_arn"]), str(st["green_target_group_arn"])
	var real [2]float64
	foreign := !hasForward
	for _, tw := range ts {
		wt := float64(tw.weight)
		if len(ts) == 1 {
			wt = 100
		}
		switch tw.arn {
		case blue:
			real[0] = wt
		case green:
			real[1] = wt
		default:
			foreign = true
		}
	}
	if foreign && len(ts) < 2 {
		real = [2]float64{0, 0} // no forward, or one to another group only
	}
	if st["blue_weight"] == nil && st["green_weight"] == nil {
		// A create that wrote (a rule) but could not read it back records
		// no weights rather than invented ones, as drifted; the next
		// refresh reads them. Claiming nothing is not a lie.
		if status := str(st["status"]); status != statusDrifted {
			w.t.Errorf("%s: state records no weights with status %q, want %q", what, status, statusDrifted)
		}
		return
	}
	got := [2]float64{num(st["blue_weight"]), num(st["green_weight"])}
	if got != real {
		w.t.Errorf("%s: state says blue=%v green=%v, the %s forwards %v (groups blue=%s green=%s)", what, got[0], got[1], point, ts, blue, green)
	}
	status := str(st["status"])
	if foreign && status != statusDrifted {
		w.t.Errorf("%s: the %s also forwards to another group (%v) but status is %q, not drifted", what, point, ts, status)
	}
	if status == statusStable {
		active := str(st["active_color"])
		idx := 0
		if active == "green" {
			idx = 1
		}
		if real[idx] == 0 || real[1-idx] != 0 {
			w.t.Errorf("%s: status stable but the forward does not send everything to %s: %v", what, active, real)
		}
	}
}

// checkOneOwner: never two switches in state on one listener.
func (w *randomWorld) checkOneOwner(what string) {
	n := 0
	for _, name := range []string{"sw", "rival"} {
		if st := w.switchInState(name); st != nil && str(st["listener_arn"]) == w.alb.ListenerARN && str(st["rule_arn"]) == "" {
			n++
		}
	}
	if n > 1 {
		w.t.Errorf("%s: two switches in state own listener %s", what, w.alb.ListenerARN)
	}
}

func (w *randomWorld) switchInState(name string) map[string]any {
	out, err := w.cmd("show", "-json").Output()
	if err != nil {
		w.t.Fatalf("terraform show: %v", err)
	}
	v, _ := showValues(w.t, out, "bluegreen_listener_switch."+name)
	return v
}

func firstError(out string) string {
	i := strings.Index(out, "Error: ")
	if i < 0 {
		return ""
	}
	line := out[i:]
	if j := strings.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	return "— " + line
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func num(v any) float64 {
	f, _ := v.(float64)
	return f
}
