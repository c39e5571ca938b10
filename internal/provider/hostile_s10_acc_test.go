package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/alb"
)

// hostileS10Config is a switch over the two listeners of a lockstep ALB with
// the given also and preview blocks.
func hostileS10Config(a lockstepALB, color, also, preview string) string {
	return fmt.Sprintf(`
provider "bluegreen" {
  max_retries = 0
}

resource "bluegreen_listener_switch" "test" {
  listener_arn           = %q
  blue_target_group_arn  = %q
  green_target_group_arn = %q
  active_color           = %q
%s
%s
}
`, a.ListenerARN, a.BlueARN, a.GreenARN, color, also, preview)
}

// ruleCount is how many non-default rules a listener has, with their owners.
func rulesOn(env *testEnv, listener string) map[string]string {
	r, err := previewRules(env, listener)
	if err != nil {
		return map[string]string{"error": err.Error()}
	}
	return r
}

func expectRuleCount(env *testEnv, listener string, n int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if r := rulesOn(env, listener); len(r) != n {
			return fmt.Errorf("listener %s has rules %v, want %d", listener, r, n)
		}
		return nil
	}
}

func expectOwner(env *testEnv, arn string, owned bool) resource.TestCheckFunc {
	return func(st *terraform.State) error {
		owner, err := alb.Owner(context.Background(), env.Clients.ELBv2, arn)
		if err != nil {
			return err
		}
		id := st.RootModule().Resources[switchRes].Primary.Attributes["owner_id"]
		if owned && owner != id {
			return fmt.Errorf("%s owner %q, want %q", arn, owner, id)
		}
		if !owned && owner != "" {
			return fmt.Errorf("%s still tagged owner %q", arn, owner)
		}
		return nil
	}
}

// also and preview changed in place, one at a time.
func TestAccHostileS10_alsoAndPreviewInPlace(t *testing.T) {
	env := newTestSandbox(t)
	a := newLockstepALB(t, env, "hs10a")
	also := fmt.Sprintf("  also = [{ listener_arn = %q }]", a.SecondARN)
	pMain := `  preview = {
    priority    = 10
    http_header = { name = "X-Preview", values = ["1"] }
  }`
	pSecond := fmt.Sprintf(`  preview = {
    priority      = 10
    listener_arn  = %q
    path_patterns = ["/*"]
  }`, a.SecondARN)
	pSecondQS := fmt.Sprintf(`  preview = {
    priority      = 30
    listener_arn  = %q
    query_string = { key = "p", value = "1" }
  }`, a.SecondARN)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		CheckDestroy: func(*terraform.State) error {
			for _, l := range []string{a.ListenerARN, a.SecondARN} {
				if r := rulesOn(env, l); len(r) != 0 {
					return fmt.Errorf("rules left on %s: %v", l, r)
				}
				if owner, err := alb.Owner(context.Background(), env.Clients.ELBv2, l); err != nil || owner != "" {
					return fmt.Errorf("after destroy %s is tagged owner %q (%v)", l, owner, err)
				}
			}
			return nil
		},
		Steps: []resource.TestStep{
			{Config: hostileS10Config(a, "blue", also, pMain),
				Check: resource.ComposeAggregateTestCheckFunc(expectBoth(env, a, "100/0"), expectRuleCount(env, a.ListenerARN, 1),
					expectOwner(env, a.SecondARN, true))},
			{Config: hostileS10Config(a, "blue", also, pSecond),
				Check: resource.ComposeAggregateTestCheckFunc(expectRuleCount(env, a.ListenerARN, 0), expectRuleCount(env, a.SecondARN, 1),
					expectSwitchAttrs(map[string]string{"preview_color": "green"}))},
			{Config: hostileS10Config(a, "blue", also, pSecondQS),
				Check: resource.ComposeAggregateTestCheckFunc(expectRuleCount(env, a.SecondARN, 1), expectSwitchAttrs(map[string]string{"preview.priority": "30"}))},
			{Config: hostileS10Config(a, "green", "", pSecondQS),
				Check: resource.ComposeAggregateTestCheckFunc(expectOwner(env, a.SecondARN, false),
					expectSwitchAttrs(map[string]string{"green_weight": "100", "preview_color": "blue"}),
					func(*terraform.State) error {
						if got := splitOf(env, a, a.SecondARN); got != "100/0" {
							return fmt.Errorf("released point forwards %s, want untouched 100/0", got)
						}
						return nil
					})},
			{Config: hostileS10Config(a, "green", also, pMain),
				Check: resource.ComposeAggregateTestCheckFunc(expectBoth(env, a, "0/100"), expectRuleCount(env, a.SecondARN, 0),
					expectRuleCount(env, a.ListenerARN, 1), expectOwner(env, a.SecondARN, true))},
			{Config: hostileS10Config(a, "blue", also, ""),
				Check: resource.ComposeAggregateTestCheckFunc(expectBoth(env, a, "100/0"), expectRuleCount(env, a.ListenerARN, 0),
					resource.TestCheckNoResourceAttr(switchRes, "preview_rule_arn"))},
		},
	})
}

// The world changes behind the switch: an also point's owner tag is taken
// off and the preview rule deleted; then the also listener is deleted and
// the user removes it from also.
func TestAccHostileS10_alsoWorldChanges(t *testing.T) {
	env := newTestSandbox(t)
	a := newLockstepALB(t, env, "hs10b")
	also := fmt.Sprintf("  also = [{ listener_arn = %q }]", a.SecondARN)
	pMain := `  preview = {
    priority    = 10
    http_header = { name = "X-Preview", values = ["1"] }
  }`
	var ruleARN string
	ctx := context.Background()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: hostileS10Config(a, "blue", also, pMain),
				Check: resource.ComposeAggregateTestCheckFunc(expectBoth(env, a, "100/0"),
					resource.TestCheckResourceAttrWith(switchRes, "preview_rule_arn", func(v string) error { ruleARN = v; return nil }))},
			{PreConfig: func() {
				if _, err := env.Clients.ELBv2.RemoveTags(ctx, &elbv2.RemoveTagsInput{ResourceArns: []string{a.SecondARN}, TagKeys: []string{alb.OwnerTagKey}}); err != nil {
					t.Fatal(err)
				}
				if _, err := env.Clients.ELBv2.DeleteRule(ctx, &elbv2.DeleteRuleInput{RuleArn: aws.String(ruleARN)}); err != nil {
					t.Fatal(err)
				}
			},
				Config: hostileS10Config(a, "green", also, pMain),
				Check: resource.ComposeAggregateTestCheckFunc(expectBoth(env, a, "0/100"), expectOwner(env, a.SecondARN, true),
					expectRuleCount(env, a.ListenerARN, 1))},
			{PreConfig: func() {
				if _, err := env.Clients.ELBv2.DeleteListener(ctx, &elbv2.DeleteListenerInput{ListenerArn: aws.String(a.SecondARN)}); err != nil {
					t.Fatal(err)
				}
			},
				Config: hostileS10Config(a, "green", "", pMain),
				Check:  resource.ComposeAggregateTestCheckFunc(resource.TestCheckNoResourceAttr(switchRes, "points.#"))},
		},
	})
}

// The also listener is deleted and the configuration still names it.
func TestAccHostileS10_alsoListenerDeleted(t *testing.T) {
	env := newTestSandbox(t)
	a := newLockstepALB(t, env, "hs10c")
	also := fmt.Sprintf("  also = [{ listener_arn = %q }]", a.SecondARN)
	ctx := context.Background()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: hostileS10Config(a, "blue", also, "")},
			{PreConfig: func() {
				if _, err := env.Clients.ELBv2.DeleteListener(ctx, &elbv2.DeleteListenerInput{ListenerArn: aws.String(a.SecondARN)}); err != nil {
					t.Fatal(err)
				}
			},
				Config:      hostileS10Config(a, "green", also, ""),
				ExpectError: regexp.MustCompile(`not found`)},
			{RefreshState: true, ExpectNonEmptyPlan: true,
				Check: resource.ComposeAggregateTestCheckFunc(expectSwitchAttrs(map[string]string{"blue_weight": "100", "active_color": "blue"}),
					func(*terraform.State) error {
						if got := splitOf(env, a, a.ListenerARN); got != "100/0" {
							return fmt.Errorf("main listener %s, want untouched 100/0", got)
						}
						return nil
					})},
			{Config: hostileS10Config(a, "green", "", ""), Check: expectSwitchAttrs(map[string]string{"green_weight": "100"})},
		},
	})
}

// preview + also + park + rollback.
func TestAccHostileS10_previewAlsoParkRollback(t *testing.T) {
	env := newTestSandbox(t)
	a := newLockstepALB(t, env, "hs10d")
	o := newHoldObserver(t, env, a)
	also := fmt.Sprintf("  also = [{ listener_arn = %q }]\n%s", a.SecondARN, canaryWith(o))
	pMain := `  preview = {
    priority    = 10
    http_header = { name = "X-Preview", values = ["1"] }
  }`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: hostileS10Config(a, "blue", also, pMain)},
			{Config: hostileS10Config(a, "green", also+"\n  traffic_percent = 10", pMain),
				Check: resource.ComposeAggregateTestCheckFunc(expectBoth(env, a, "90/10"),
					expectSwitchAttrs(map[string]string{"status": "partial", "preview_color": "green"}))},
			{PreConfig: func() { o.reset("50/50") },
				Config:      hostileS10Config(a, "green", also, pMain),
				ExpectError: regexp.MustCompile(`rolled back`)},
			{RefreshState: true, ExpectNonEmptyPlan: true,
				Check: resource.ComposeAggregateTestCheckFunc(expectBoth(env, a, "90/10"),
					expectSwitchAttrs(map[string]string{"status": "rolled_back", "preview_color": "green"}))},
			{PreConfig: func() { o.reset("") }, Config: hostileS10Config(a, "blue", also, pMain),
				Check: resource.ComposeAggregateTestCheckFunc(expectBoth(env, a, "100/0"),
					expectSwitchAttrs(map[string]string{"status": "stable", "preview_color": "green"}))},
		},
	})
}

// preview on a rule-mode switch, at the rule's own priority, then moved.
func TestAccHostileS10_previewOnRuleMode(t *testing.T) {
	env := newTestSandbox(t)
	a := newLockstepALB(t, env, "hs10e")
	cfg := func(color string, prio int) string {
		return fmt.Sprintf(`
provider "bluegreen" {
  max_retries = 0
}
resource "bluegreen_listener_switch" "test" {
  blue_target_group_arn  = %q
  green_target_group_arn = %q
  active_color           = %q
  rule = {
    listener_arn  = %q
    priority      = 10
    path_patterns = ["/api/*"]
  }
  preview = {
    priority    = %d
    http_header = { name = "X-Preview", values = ["1"] }
  }
}
`, a.BlueARN, a.GreenARN, color, a.ListenerARN, prio)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		CheckDestroy: func(*terraform.State) error {
			if r := rulesOn(env, a.ListenerARN); len(r) != 1 {
				return fmt.Errorf("rules left: %v", r)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{Config: cfg("blue", 10), ExpectError: regexp.MustCompile(`Preview rule priority taken`)},
			{Config: cfg("blue", 5), Check: expectRuleCount(env, a.ListenerARN, 2)},
			{Config: cfg("green", 5), Check: expectRuleCount(env, a.ListenerARN, 2)},
			{Config: cfg("green", 10), ExpectError: regexp.MustCompile(`Preview rule priority taken`)},
			{PreConfig: func() {
				if _, err := env.Clients.ELBv2.CreateRule(context.Background(), &elbv2.CreateRuleInput{ListenerArn: aws.String(a.ListenerARN),
					Priority: aws.Int32(20), Conditions: []elbv2types.RuleCondition{{Field: aws.String("path-pattern"), Values: []string{"/foreign/*"}}},
					Actions: []elbv2types.Action{forwardAction(a.BlueARN, 1, a.GreenARN, 0)}}); err != nil {
					t.Fatal(err)
				}
			}, Config: cfg("green", 20), ExpectError: regexp.MustCompile(`.`)},
			{RefreshState: true, ExpectNonEmptyPlan: true, Check: func(st *terraform.State) error {
				t.Logf("rules after refused update: %v; attrs %v", rulesOn(env, a.ListenerARN), st.RootModule().Resources[switchRes].Primary.Attributes)
				return nil
			}},
			{Config: cfg("green", 7), Check: expectRuleCount(env, a.ListenerARN, 3)},
		},
	})
}

// Check settings changed in place without a traffic change never write the
// listener; color_values keys added and removed.
func TestAccHostileS10_checkSettingsInPlace(t *testing.T) {
	env := newTestSandbox(t)
	a := newLockstepALB(t, env, "hs10f")
	o := newHoldObserver(t, env, a)
	cfg := func(color, values, delay, elb string) string {
		return hostileS10Config(a, color, fmt.Sprintf(`
  rollback_on = {
    color_values = %s
    http = [{
      url           = "%s/{{color}}/{{version}}"
      initial_delay = %q
    }]
    metrics = {
      max_5xx_rate  = 0.5
      count_elb_5xx = %s
    }
    evaluation_interval = "30s"
  }`, values, o.srv.URL, delay, elb), "")
	}
	two := `{ blue = { version = "v1" }, green = { version = "v2" } }`
	three := `{ blue = { version = "v1", build = "1" }, green = { version = "v2", build = "2" } }`
	noWrites := func(n int) resource.TestCheckFunc {
		return func(*terraform.State) error {
			if got := writtenSplits(env, a.ListenerARN, a.BlueARN, a.GreenARN); len(got) != n {
				return fmt.Errorf("listener written %v, want %d writes", got, n)
			}
			return nil
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: cfg("blue", two, "0s", "false"), Check: noWrites(0)},
			{Config: cfg("blue", three, "1m", "true"), Check: noWrites(0)},
			{Config: cfg("blue", two, "30s", "false"), Check: noWrites(0)},
			{Config: cfg("blue", `{ blue = { version = "v1" } }`, "30s", "false"), ExpectError: regexp.MustCompile(`.`)},
			{Config: cfg("blue", `{ blue = { build = "1" }, green = { build = "2" } }`, "30s", "false"), ExpectError: regexp.MustCompile(`.`)},
			{Config: cfg("blue", two, "30s", "false"), Check: noWrites(0)},
		},
	})
}

// The pair: name <-> name_prefix, per-color settings back and forth while a
// color serves.
func TestAccHostileS10_pairBackAndForth(t *testing.T) {
	env := newTestSandbox(t)
	_, listener := idleFirstLB(t, env, "hs10p", 80)
	pair := func(naming, blueOwn string) string {
		return fmt.Sprintf(`
resource "bluegreen_environment_pair" "test" {
  %s
  vpc_id               = "vpc-0123456789abcdef0"
  port                 = 8080
  health_check         = { path = "/", interval = "10s" }
  deregistration_delay = "30s"
  blue  = { version = "1.0.0", targets = [{ id = "10.0.0.1" }]%s }
  green = { version = "2.0.0", targets = [{ id = "10.0.0.2" }] }
}
`, naming, blueOwn)
	}
	withSwitch := func(naming, blueOwn, active string) string {
		return pair(naming, blueOwn) + fmt.Sprintf(`
resource "bluegreen_listener_switch" "test" {
  rule = {
    listener_arn  = %q
    priority      = 10
    path_patterns = ["/*"]
  }
  blue_target_group_arn  = bluegreen_environment_pair.test.blue.target_group_arn
  green_target_group_arn = bluegreen_environment_pair.test.green.target_group_arn
  active_color           = %q
}
`, listener, active)
	}
	groups := func(n int) resource.TestCheckFunc {
		return func(*terraform.State) error {
			if got := len(env.Sandbox.ELBv2().TargetGroups()); got != n {
				return fmt.Errorf("%d target groups in the sandbox, want %d", got, n)
			}
			return nil
		}
	}
	dereg := func(color string, want string) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			arn := s.RootModule().Resources[pairRes].Primary.Attributes[color+".target_group_arn"]
			tg, _ := env.Sandbox.ELBv2().TargetGroup(arn)
			if got := tg.Attributes["deregistration_delay.timeout_seconds"]; got != want {
				return fmt.Errorf("%s deregistration delay %q in AWS, want %q", color, got, want)
			}
			return nil
		}
	}
	own := `, deregistration_delay = "5s"`
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: pair(`name = "hs10p"`, ""), Check: groups(2)},
			{Config: pair(`name_prefix = "hs10p-"`, ""), Check: groups(2)},
			{Config: pair(`name = "hs10p"`, own), Check: resource.ComposeAggregateTestCheckFunc(groups(2), dereg("blue", "5"))},
			{PreConfig: func() {
				for _, tg := range env.Sandbox.ELBv2().TargetGroups() {
					for _, tgt := range tg.Targets {
						if err := env.Sandbox.SetTargetHealth(tg.ARN, tgt.ID, 0, "healthy", "", ""); err != nil {
							t.Fatal(err)
						}
					}
				}
			}, Config: withSwitch(`name = "hs10p"`, own, "blue"), Check: dereg("blue", "5")},
			{Config: withSwitch(`name = "hs10p"`, "", "blue"), Check: dereg("blue", "5")},
			{Config: withSwitch(`name = "hs10p"`, own, "blue"), Check: resource.ComposeAggregateTestCheckFunc(dereg("blue", "5"),
				resource.TestCheckResourceAttr(pairRes, "deferred.#", "0"))},
			{Config: withSwitch(`name = "hs10p"`, "", "blue"), Check: dereg("blue", "5")},
			{Config: withSwitch(`name = "hs10p"`, "", "green"), ExpectNonEmptyPlan: true},
			{Config: withSwitch(`name = "hs10p"`, "", "green"), Check: resource.ComposeAggregateTestCheckFunc(dereg("blue", "30"),
				resource.TestCheckResourceAttr(pairRes, "deferred.#", "0"))},
		},
	})
}

// newCLIRunWith is newCLIRun with also and preview.
func newCLIRunWith(t *testing.T, env *testEnv, a lockstepALB, onInterrupt string) *cliRun {
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
` + strings.Replace(switchConfig(a.testALB, "COLOR", fmt.Sprintf(`
  also = [{ listener_arn = %q }]
  preview = {
    priority    = 10
    http_header = { name = "X-Preview", values = ["1"] }
  }
  strategy = {
    type          = "canary"
    steps         = [50]
    step_interval = "6s"
  }
  bake_time    = "6s"
  on_interrupt = %q`, a.SecondARN, onInterrupt)), `"COLOR"`, "var.color", 1)
	writeFile(t, filepath.Join(r.work, "main.tf"), cfg)
	return r
}

func TestAccHostileS10_interruptAlsoPreview(t *testing.T) {
	for _, mode := range []string{"hold", "rollback"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			env := newTestSandbox(t, withRealClock())
			a := newLockstepALB(t, env, "hs10i"+mode[:1])
			r := newCLIRunWith(t, env, a, mode)
			r.applyBlue()
			// Interrupt once the step is written to both points: a SIGINT
			// between the two writes ends the step with both written back
			// (all or nothing), which is not the case under test here.
			out := r.interruptWhen(func() bool {
				return splitOf(env, a, a.ListenerARN) == "50/50" && splitOf(env, a, a.SecondARN) == "50/50"
			})
			want := map[string]string{"hold": "50/50", "rollback": "100/0"}[mode]
			for _, l := range []string{a.ListenerARN, a.SecondARN} {
				if got := splitOf(env, a, l); got != want {
					t.Fatalf("after Ctrl-C listener %s forwards %s, want %s\n%s", l, got, want, out)
				}
			}
			st := r.switchState()
			t.Logf("state after Ctrl-C: status=%v preview_color=%v points=%v", st["status"], st["preview_color"], st["points"])
			for _, p := range st["points"].([]any) {
				pm := p.(map[string]any)
				if fmt.Sprintf("%v/%v", pm["blue_weight"], pm["green_weight"]) != want {
					t.Fatalf("state point %v, want %s", pm, want)
				}
			}
			// Held mid-shift to green, or rolled back from green: the
			// preview route reaches green (the receiving color until the
			// shift ends; the color rolled back from), in state and in AWS.
			info, err := alb.ReadPreviewRule(context.Background(), env.Clients.ELBv2, fmt.Sprint(st["preview_rule_arn"]))
			if err != nil {
				t.Fatal(err)
			}
			if got := info.Color(a.BlueARN, a.GreenARN); st["preview_color"] != "green" || got != "green" {
				t.Fatalf("after Ctrl-C (%s) preview_color is %v in state and the rule forwards to %q, want green", mode, st["preview_color"], got)
			}
			if out, err := r.apply("green"); err != nil {
				t.Fatalf("the next apply should complete: %v\n%s", err, out)
			}
			for _, l := range []string{a.ListenerARN, a.SecondARN} {
				if got := splitOf(env, a, l); got != "0/100" {
					t.Fatalf("listener %s forwards %s, want 0/100", l, got)
				}
			}
			plan, err := r.cmd("plan", "-no-color", "-var", "color=green", "-detailed-exitcode").CombinedOutput()
			if code := exitCode(err); code != 0 {
				t.Fatalf("plan after a completed apply: exit %d\n%s", code, plan)
			}
			if st := r.switchState(); st["preview_color"] != "blue" {
				t.Fatalf("preview_color %v, want blue", st["preview_color"])
			}
		})
	}
}

// NLB listeners in lockstep; preview on an NLB is refused at plan.
func TestAccHostileS10_nlbAlso(t *testing.T) {
	f := newNLBFixture(t, "hs10n")
	l, err := f.env.Clients.ELBv2.CreateListener(context.Background(), &elbv2.CreateListenerInput{LoadBalancerArn: aws.String(f.lb),
		Protocol: elbv2types.ProtocolEnumTcp, Port: aws.Int32(8443),
		DefaultActions: []elbv2types.Action{forwardAction(f.blue, 100, f.green, 0)}})
	if err != nil {
		t.Fatal(err)
	}
	second := aws.ToString(l.Listeners[0].ListenerArn)
	a := lockstepALB{testALB: testALB{ListenerARN: f.listener, BlueARN: f.blue, GreenARN: f.green}, SecondARN: second}
	also := fmt.Sprintf(`also = [{ listener_arn = %q }]
  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "1m"
  }`, second)
	other := createALB(t, f.env.Clients.ELBv2, "hs10n-alb", 80, 100, 0)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: f.env.Factories,
		Steps: []resource.TestStep{
			{Config: f.config("blue", fmt.Sprintf("also = [{ listener_arn = %q }]", other.ListenerARN)),
				ExpectError: regexp.MustCompile(`Points on different kinds of load balancer`)},
			{Config: regressionConfig(other.ListenerARN, other.BlueARN, other.GreenARN, "blue", fmt.Sprintf("also = [{ listener_arn = %q }]", second)),
				ExpectError: regexp.MustCompile(`Points on different kinds of load balancer`)},
			{Config: f.config("blue", fmt.Sprintf("also = [{ rule_arn = %q }]", strings.Replace(other.ListenerARN, ":listener/", ":listener-rule/", 1)+"/0123456789abcdef")),
				ExpectError: regexp.MustCompile(`Rule point with a Network Load Balancer`)},
			{Config: f.config("blue", also), Check: expectBoth(f.env, a, "100/0")},
			{Config: f.config("green", also), Check: resource.ComposeAggregateTestCheckFunc(expectBoth(f.env, a, "0/100"), f.expectAllTo("green"))},
			{Config: f.config("green", also+`
  preview = {
    priority      = 10
    path_patterns = ["/*"]
  }`), ExpectError: regexp.MustCompile(`(?i)network load balancer`)},
			{Config: f.config("blue", also+"\n  traffic_percent = 50"), Check: expectBoth(f.env, a, "50/50")},
			{Config: f.config("blue", ""), Check: resource.ComposeAggregateTestCheckFunc(expectOwner(f.env, second, false),
				func(*terraform.State) error {
					if got := splitOf(f.env, a, second); got != "50/50" {
						return fmt.Errorf("released NLB point forwards %s, want 50/50 left", got)
					}
					return nil
				})},
		},
	})
}

// The switch is removed from state (not destroyed) and created again from
// the same configuration: the new switch is refused (the listener and the
// point are owned by the forgotten one) and creates nothing, no second
// preview rule, moves nothing; import then adopts everything.
func TestAccHostileS10_stateRmThenCreateAgain(t *testing.T) {
	env := newTestSandbox(t)
	a := newLockstepALB(t, env, "hs10s")
	also := fmt.Sprintf("  also = [{ listener_arn = %q }]", a.SecondARN)
	pMain := `  preview = {
    priority    = 10
    http_header = { name = "X-Preview", values = ["1"] }
  }`
	removed := `
removed {
  from = bluegreen_listener_switch.test
  lifecycle {
    destroy = false
  }
}
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: hostileS10Config(a, "blue", also, pMain), Check: expectRuleCount(env, a.ListenerARN, 1)},
			{Config: `provider "bluegreen" {}` + removed},
			{Config: hostileS10Config(a, "green", also, pMain), ExpectError: regexp.MustCompile(`.`)},
			{Config: `provider "bluegreen" {}`, Check: resource.ComposeAggregateTestCheckFunc(expectRuleCount(env, a.ListenerARN, 1),
				func(*terraform.State) error {
					for _, l := range []string{a.ListenerARN, a.SecondARN} {
						if got := splitOf(env, a, l); got != "100/0" {
							return fmt.Errorf("%s forwards %s after a refused create, want 100/0", l, got)
						}
					}
					return nil
				})},
		},
	})
}

// The preview rule is deleted by hand during a hold of the shift (and, the
// second time, the shift rolls back): the switch ends with a rule of its own
// on the color the documentation names, and state says so.
func TestAccHostileS10_previewDeletedMidShift(t *testing.T) {
	env := newTestSandbox(t)
	a := newLockstepALB(t, env, "hs10m")
	o := newHoldObserver(t, env, a)
	also := fmt.Sprintf("  also = [{ listener_arn = %q }]\n%s", a.SecondARN, canaryWith(o))
	pMain := `  preview = {
    priority    = 10
    http_header = { name = "X-Preview", values = ["1"] }
  }`
	deleteOnce := func() {
		var once sync.Once
		o.mu.Lock()
		o.during = func(string) {
			once.Do(func() {
				for arn := range rulesOn(env, a.ListenerARN) {
					if _, err := env.Clients.ELBv2.DeleteRule(context.Background(), &elbv2.DeleteRuleInput{RuleArn: aws.String(arn)}); err != nil {
						t.Error(err)
					}
				}
			})
		}
		o.mu.Unlock()
	}
	previewIs := func(color string) resource.TestCheckFunc {
		return func(st *terraform.State) error {
			attrs := st.RootModule().Resources[switchRes].Primary.Attributes
			info, err := alb.ReadPreviewRule(context.Background(), env.Clients.ELBv2, attrs["preview_rule_arn"])
			if err != nil {
				return fmt.Errorf("preview rule %q: %w", attrs["preview_rule_arn"], err)
			}
			if got := info.Color(a.BlueARN, a.GreenARN); got != traffic.Color(color) || attrs["preview_color"] != color {
				return fmt.Errorf("preview rule forwards to %q, state says %q, want %s", got, attrs["preview_color"], color)
			}
			return nil
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: hostileS10Config(a, "blue", also, pMain), Check: previewIs("green")},
			{PreConfig: func() { o.reset(""); deleteOnce() }, Config: hostileS10Config(a, "green", also, pMain),
				Check: resource.ComposeAggregateTestCheckFunc(expectBoth(env, a, "0/100"), previewIs("blue"), expectRuleCount(env, a.ListenerARN, 1))},
			{PreConfig: func() { o.reset("10/90"); deleteOnce() }, Config: hostileS10Config(a, "blue", also, pMain),
				ExpectError: regexp.MustCompile(`rolled back`)},
			{RefreshState: true, ExpectNonEmptyPlan: true,
				Check: resource.ComposeAggregateTestCheckFunc(expectBoth(env, a, "0/100"), expectRuleCount(env, a.ListenerARN, 1), previewIs("blue"))},
			{PreConfig: func() { o.reset(""); o.mu.Lock(); o.during = nil; o.mu.Unlock() }, Config: hostileS10Config(a, "green", also, pMain),
				Check: resource.ComposeAggregateTestCheckFunc(expectBoth(env, a, "0/100"), expectRuleCount(env, a.ListenerARN, 1), previewIs("blue"))},
		},
	})
}

// A saved plan that moves no traffic (the preview priority changes); the
// preview rule is deleted by hand between plan and apply.
func TestAccHostileS10_previewDeletedBetweenPlanAndApply(t *testing.T) {
	t.Parallel()
	env := newTestSandbox(t, withRealClock())
	a := newLockstepALB(t, env, "hs10q")
	r := newCLIRunWith(t, env, a, "rollback")
	r.applyBlue()
	arn := fmt.Sprint(r.switchState()["preview_rule_arn"])
	main := filepath.Join(r.work, "main.tf")
	b, err := os.ReadFile(main)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, main, strings.Replace(string(b), "priority    = 10", "priority    = 11", 1))
	if out, err := r.cmd("plan", "-no-color", "-var", "color=blue", "-out", "p").CombinedOutput(); err != nil {
		t.Fatalf("plan: %v\n%s", err, out)
	}
	if _, err := env.Clients.ELBv2.DeleteRule(context.Background(), &elbv2.DeleteRuleInput{RuleArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	out, err := r.cmd("apply", "-no-color", "p").CombinedOutput()
	if err != nil {
		t.Fatalf("apply of the saved plan: %v\n%s", err, out)
	}
	st := r.switchState()
	if st["preview_rule_arn"] == arn || st["preview_color"] != "green" {
		t.Fatalf("state preview_rule_arn=%v preview_color=%v, want a new rule to green", st["preview_rule_arn"], st["preview_color"])
	}
}

// A saved plan that moves no traffic (bake_time changes); another writer
// changes the also point between plan and apply.
func TestAccHostileS10_pointChangedBetweenPlanAndApply(t *testing.T) {
	t.Parallel()
	env := newTestSandbox(t, withRealClock())
	a := newLockstepALB(t, env, "hs10r")
	r := newCLIRunWith(t, env, a, "rollback")
	r.applyBlue()
	main := filepath.Join(r.work, "main.tf")
	b, err := os.ReadFile(main)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, main, strings.Replace(string(b), `bake_time    = "6s"`, `bake_time    = "7s"`, 1))
	if out, err := r.cmd("plan", "-no-color", "-var", "color=blue", "-out", "p").CombinedOutput(); err != nil {
		t.Fatalf("plan: %v\n%s", err, out)
	}
	if _, err := env.Clients.ELBv2.ModifyListener(context.Background(), &elbv2.ModifyListenerInput{ListenerArn: aws.String(a.SecondARN),
		DefaultActions: []elbv2types.Action{forwardAction(a.BlueARN, 50, a.GreenARN, 50)}}); err != nil {
		t.Fatal(err)
	}
	out, err := r.cmd("apply", "-no-color", "p").CombinedOutput()
	t.Logf("apply: %v\n%s", err, out)
	if strings.Contains(string(out), "inconsistent result") {
		t.Fatalf("inconsistent result")
	}
	st := r.switchState()
	t.Logf("state: status=%v points=%v", st["status"], st["points"])
	for i, p := range st["points"].([]any) {
		pm := p.(map[string]any)
		l := []string{a.ListenerARN, a.SecondARN}[i]
		if got := fmt.Sprintf("%v/%v", pm["blue_weight"], pm["green_weight"]); got != splitOf(env, a, l) {
			t.Fatalf("state point %d %s, AWS %s", i, got, splitOf(env, a, l))
		}
	}
}

// The preview rule's owner tag is taken off by hand; the next refresh and
// shift must neither leave two preview rules nor fail with a bug.
func TestAccHostileS10_previewTagRemoved(t *testing.T) {
	env := newTestSandbox(t)
	a := newLockstepALB(t, env, "hs10t")
	pMain := `  preview = {
    priority    = 10
    http_header = { name = "X-Preview", values = ["1"] }
  }`
	var ruleARN string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		CheckDestroy: func(*terraform.State) error {
			if r := rulesOn(env, a.ListenerARN); len(r) != 0 {
				return fmt.Errorf("destroy left rules %v", r)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{Config: hostileS10Config(a, "blue", "", pMain),
				Check: resource.TestCheckResourceAttrWith(switchRes, "preview_rule_arn", func(v string) error { ruleARN = v; return nil })},
			{PreConfig: func() {
				if _, err := env.Clients.ELBv2.RemoveTags(context.Background(), &elbv2.RemoveTagsInput{ResourceArns: []string{ruleARN}, TagKeys: []string{alb.OwnerTagKey}}); err != nil {
					t.Fatal(err)
				}
			}, Config: hostileS10Config(a, "green", "", pMain),
				Check: resource.ComposeAggregateTestCheckFunc(expectOwnedPreviewRule(env, a.ListenerARN),
					expectSwitchAttrs(map[string]string{"preview_color": "blue", "green_weight": "100"}))},
			{PreConfig: func() {
				// Taken off again; then destroy (CheckDestroy: no rule left).
				if _, err := env.Clients.ELBv2.RemoveTags(context.Background(), &elbv2.RemoveTagsInput{ResourceArns: []string{ruleARN}, TagKeys: []string{alb.OwnerTagKey}}); err != nil {
					t.Fatal(err)
				}
			}, Config: hostileS10Config(a, "green", "", pMain)},
		},
	})
}

// A point added to also in the same apply as a shift moves with it; a point
// removed in the same apply as a shift is left as it was.
func TestAccHostileS10_alsoChangedWithShift(t *testing.T) {
	env := newTestSandbox(t)
	a := newLockstepALB(t, env, "hs10w")
	also := fmt.Sprintf("  also = [{ listener_arn = %q }]", a.SecondARN)
	canary := `
  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "1m"
  }`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: hostileS10Config(a, "blue", canary, "")},
			{Config: hostileS10Config(a, "green", also+canary, ""), Check: expectBoth(env, a, "0/100")},
			{Config: hostileS10Config(a, "blue", canary, ""), Check: resource.ComposeAggregateTestCheckFunc(
				expectOwner(env, a.SecondARN, false),
				func(*terraform.State) error {
					if m, s := splitOf(env, a, a.ListenerARN), splitOf(env, a, a.SecondARN); m != "100/0" || s != "0/100" {
						return fmt.Errorf("main %s second %s, want 100/0 and the released point left at 0/100", m, s)
					}
					return nil
				})},
		},
	})
}

// A switch with a preview route: its preview rule forwards test requests to
// the idle color, which must not make the pair treat that color as serving
// (idle-first would then defer every change for both colors).
func TestAccHostileS10_pairWithPreviewIdleFirst(t *testing.T) {
	env := newTestSandbox(t)
	_, listener := idleFirstLB(t, env, "hs10pp", 80)
	cfg := func(path string) string {
		return fmt.Sprintf(`
resource "bluegreen_environment_pair" "test" {
  name         = "hs10pp"
  vpc_id       = "vpc-0123456789abcdef0"
  port         = 8080
  health_check = { path = %q, interval = "10s" }
  blue  = { version = "1.0.0", targets = [{ id = "10.0.0.1" }] }
  green = { version = "2.0.0", targets = [{ id = "10.0.0.2" }] }
}
resource "bluegreen_listener_switch" "test" {
  rule = {
    listener_arn  = %q
    priority      = 10
    path_patterns = ["/*"]
  }
  preview = {
    priority    = 5
    http_header = { name = "X-Preview", values = ["1"] }
  }
  blue_target_group_arn  = bluegreen_environment_pair.test.blue.target_group_arn
  green_target_group_arn = bluegreen_environment_pair.test.green.target_group_arn
  active_color           = "blue"
}
`, path, listener)
	}
	pin := func() {
		for _, tg := range env.Sandbox.ELBv2().TargetGroups() {
			for _, tgt := range tg.Targets {
				_ = env.Sandbox.SetTargetHealth(tg.ARN, tgt.ID, 0, "healthy", "", "")
			}
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: `
resource "bluegreen_environment_pair" "test" {
  name         = "hs10pp"
  vpc_id       = "vpc-0123456789abcdef0"
  port         = 8080
  health_check = { path = "/", interval = "10s" }
  blue  = { version = "1.0.0", targets = [{ id = "10.0.0.1" }] }
  green = { version = "2.0.0", targets = [{ id = "10.0.0.2" }] }
}`},
			{PreConfig: pin, Config: cfg("/")},
			{Config: cfg("/healthz"), Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr(pairRes, "green.serving", "false"),
				resource.TestCheckResourceAttr(pairRes, "blue.serving", "true"),
				expectHealthPaths(env, "/", "/healthz"))},
		},
	})
}
