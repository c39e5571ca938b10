package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/alb"
)

// Several listeners in lockstep (bluegreen_listener_switch also): the main
// listener (port 80, standing for HTTPS) and a second port (8443) of one
// load balancer forward to the same blue and green groups; one switch moves
// both.

type lockstepALB struct {
	testALB
	SecondARN string // the second listener (port 8443)
}

// newLockstepALB is a load balancer with two listeners forwarding all traffic
// to blue, and one healthy target in each color.
func newLockstepALB(t *testing.T, env *testEnv, name string) lockstepALB {
	t.Helper()
	ctx := context.Background()
	api := env.Clients.ELBv2
	a := lockstepALB{testALB: createALB(t, api, name, 80, 100, 0)}
	l, err := api.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: aws.String(a.LoadBalancerARN), Port: aws.Int32(8443),
		Protocol: "HTTP", DefaultActions: []elbv2types.Action{forwardAction(a.BlueARN, 100, a.GreenARN, 0)}})
	if err != nil {
		t.Fatal(err)
	}
	a.SecondARN = aws.ToString(l.Listeners[0].ListenerArn)
	for i, tg := range []string{a.BlueARN, a.GreenARN} {
		ip := fmt.Sprintf("10.0.0.%d", i+1)
		if _, err := api.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: aws.String(tg),
			Targets: []elbv2types.TargetDescription{{Id: aws.String(ip)}}}); err != nil {
			t.Fatal(err)
		}
		if err := env.Sandbox.SetTargetHealth(tg, ip, 0, "healthy", "", ""); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// lockstepConfig moves both listeners. The provider does not retry, so an
// injected fault fails the call it hits.
func lockstepConfig(a lockstepALB, color, extra string) string {
	return fmt.Sprintf(`
provider "bluegreen" {
  max_retries = 0
}

resource "bluegreen_listener_switch" "test" {
  listener_arn           = %q
  also                   = [{ listener_arn = %q }]
  blue_target_group_arn  = %q
  green_target_group_arn = %q
  active_color           = %q
%s
}
`, a.ListenerARN, a.SecondARN, a.BlueARN, a.GreenARN, color, extra)
}

// splitOf is "blue/green" of a listener's forward, read from the sandbox.
func splitOf(env *testEnv, a lockstepALB, listener string) string {
	b, g, err := env.weights(testALB{ListenerARN: listener, BlueARN: a.BlueARN, GreenARN: a.GreenARN})
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("%d/%d", b, g)
}

// expectBoth checks both listeners' forwards in the sandbox and the
// switch's points in state.
func expectBoth(env *testEnv, a lockstepALB, split string) resource.TestCheckFunc {
	bw, gw, _ := strings.Cut(split, "/")
	return resource.ComposeAggregateTestCheckFunc(
		func(*terraform.State) error {
			for _, l := range []string{a.ListenerARN, a.SecondARN} {
				if got := splitOf(env, a, l); got != split {
					return fmt.Errorf("listener %s forwards %s, want %s", l, got, split)
				}
			}
			return nil
		},
		expectSwitchAttrs(map[string]string{"points.#": "2", "points.0.arn": a.ListenerARN, "points.1.arn": a.SecondARN,
			"points.0.blue_weight": bw, "points.0.green_weight": gw, "points.1.blue_weight": bw, "points.1.green_weight": gw}),
	)
}

// holdObserver is a rollback_on http check whose every evaluation (during
// each step's hold and the bake) records what both listeners forward at that
// moment. It fails while the main listener forwards failAt.
type holdObserver struct {
	mu     sync.Mutex
	seen   []string // "90/10 90/10": main listener, second listener
	failAt string
	// during, when set, runs at every evaluation with what the main
	// listener forwards (another writer acting during a hold).
	during func(main string)
	srv    *httptest.Server
}

func newHoldObserver(t *testing.T, env *testEnv, a lockstepALB) *holdObserver {
	o := &holdObserver{}
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		main := splitOf(env, a, a.ListenerARN)
		o.mu.Lock()
		o.seen = append(o.seen, main+" "+splitOf(env, a, a.SecondARN))
		fail, during := main == o.failAt, o.during
		o.mu.Unlock()
		if during != nil {
			during(main)
		}
		if fail {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "ok")
	}))
	t.Cleanup(o.srv.Close)
	return o
}

func (o *holdObserver) reset(failAt string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.seen, o.failAt = nil, failAt
}

// expectHolds checks that every evaluation saw both listeners at one split,
// and that the holds seen were exactly want, in order.
func (o *holdObserver) expectHolds(want ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		o.mu.Lock()
		defer o.mu.Unlock()
		var holds []string
		for _, s := range o.seen {
			main, second, _ := strings.Cut(s, " ")
			if main != second {
				return fmt.Errorf("during a hold the main listener forwarded %s and the second %s: not in lockstep (all: %v)", main, second, o.seen)
			}
			if len(holds) == 0 || holds[len(holds)-1] != main {
				holds = append(holds, main)
			}
		}
		if !slices.Equal(holds, want) {
			return fmt.Errorf("holds observed %v, want %v (evaluations: %v)", holds, want, o.seen)
		}
		return nil
	}
}

func canaryWith(o *holdObserver) string {
	return fmt.Sprintf(`
  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "1m"
  }
  bake_time = "1m"
  rollback_on = {
    http = [{
      url = "%s/health"
    }]
    evaluation_interval = "30s"
    failure_threshold   = 1
  }`, o.srv.URL)
}

// A canary moves both listeners together: at every hold both forward the
// same split (observed by the check during the hold), each step wrote both,
// the plan shows each point, and the owner tag is on both.
func TestAccLockstep_canaryMovesBothListeners(t *testing.T) {
	env := newTestSandbox(t)
	a := newLockstepALB(t, env, "ls-canary")
	o := newHoldObserver(t, env, a)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{
				Config: lockstepConfig(a, "blue", canaryWith(o)),
				Check: resource.ComposeAggregateTestCheckFunc(expectBoth(env, a, "100/0"),
					expectSwitchAttrs(map[string]string{"status": "stable"}),
					expectOwnedBySwitch(env, a.ListenerARN), expectOwnedBySwitch(env, a.SecondARN)),
			},
			{
				PreConfig: func() { env.Sandbox.ResetCalls(); o.reset("") },
				Config:    lockstepConfig(a, "green", canaryWith(o)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(switchRes, tfjsonpath.New("points"), knownvalue.ListExact([]knownvalue.Check{
						pointCheck(a.ListenerARN, 0, 100), pointCheck(a.SecondARN, 0, 100)})),
					plancheck.ExpectKnownValue(switchRes, tfjsonpath.New("planned_steps"), knownvalue.ListSizeExact(3)),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					expectBoth(env, a, "0/100"),
					expectSwitchAttrs(map[string]string{"status": "stable", "blue_weight": "0", "green_weight": "100", "last_shift.result": "succeeded"}),
					o.expectHolds("90/10", "50/50", "0/100"),
					expectListenerWrites(env, a, a.ListenerARN, "90/10", "50/50", "0/100"),
					expectListenerWrites(env, a, a.SecondARN, "90/10", "50/50", "0/100"),
				),
			},
			{Config: lockstepConfig(a, "green", canaryWith(o)), PlanOnly: true},
		},
	})
}

// A check that fails at the second step rolls back both listeners.
func TestAccLockstep_rollbackRestoresBothListeners(t *testing.T) {
	env := newTestSandbox(t)
	a := newLockstepALB(t, env, "ls-rollback")
	o := newHoldObserver(t, env, a)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: lockstepConfig(a, "blue", canaryWith(o))},
			{
				PreConfig: func() {
					env.Sandbox.ResetCalls()
					o.reset("50/50") // the check fails at the second step
				},
				Config:      lockstepConfig(a, "green", canaryWith(o)),
				ExpectError: regexp.MustCompile(`Shift rolled back`),
			},
			{
				RefreshState:       true,
				ExpectNonEmptyPlan: true, // the configuration still asks for green
				Check: resource.ComposeAggregateTestCheckFunc(
					expectBoth(env, a, "100/0"),
					expectSwitchAttrs(map[string]string{"status": "rolled_back", "active_color": "blue", "blue_weight": "100", "green_weight": "0"}),
					o.expectHolds("90/10", "50/50"),
					expectListenerWrites(env, a, a.ListenerARN, "90/10", "50/50", "100/0"),
					expectListenerWrites(env, a, a.SecondARN, "90/10", "50/50", "100/0"),
				),
			},
		},
	})
}

// A fault on the second listener's write at the second step: the main
// listener, already written, is written back to the previous 90/10 before
// anything else happens (so the step moved nothing), then the shift rolls
// back both; state records what both forward.
func TestAccLockstep_faultOnSecondListenerUndoesTheFirst(t *testing.T) {
	env := newTestSandbox(t)
	a := newLockstepALB(t, env, "ls-fault")
	o := newHoldObserver(t, env, a)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: lockstepConfig(a, "blue", canaryWith(o))},
			{
				PreConfig: func() {
					env.Sandbox.ResetCalls()
					o.reset("")
					// ModifyListener calls of the shift: step 1 main (1),
					// second (2); step 2 main (3), second (4) ← fails.
					if _, err := env.Sandbox.InjectFault(sandbox.Fault{Service: sandbox.ServiceELBv2, Operation: "ModifyListener",
						Kind: sandbox.HTTP5xx, Times: 1, After: 3}); err != nil {
						t.Fatal(err)
					}
				},
				Config:      lockstepConfig(a, "green", canaryWith(o)),
				ExpectError: regexp.MustCompile(`(?s)Shift rolled back.*ServiceUnavailable`),
			},
			savedStateStep(env, a, lockstepConfig(a, "green", canaryWith(o)), "rolled_back"),
			{
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					expectBoth(env, a, "100/0"),
					expectSwitchAttrs(map[string]string{"status": "rolled_back", "blue_weight": "100", "green_weight": "0"}),
					o.expectHolds("90/10"),
					// The main listener: step 1, step 2, written back to
					// 90/10 when the second's write failed, then the
					// rollback. The second never took 50/50.
					expectListenerWrites(env, a, a.ListenerARN, "90/10", "50/50", "90/10", "100/0"),
					expectListenerWrites(env, a, a.SecondARN, "90/10", "100/0"),
				),
			},
		},
	})
}

// Another writer changes the second listener only: a refresh shows it (each
// point's weights, status drifted), the plan says the points disagree, and
// the next apply writes the main listener's weights to it.
func TestAccLockstep_driftOnOnePointIsShownAndRepaired(t *testing.T) {
	env := newTestSandbox(t)
	a := newLockstepALB(t, env, "ls-drift")
	cfg := lockstepConfig(a, "green", "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: cfg, Check: expectBoth(env, a, "0/100")},
			{
				PreConfig:          func() { writeListenerActions(t, env, a.SecondARN, forwardAction(a.BlueARN, 50, a.GreenARN, 50)) },
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: expectSwitchAttrs(map[string]string{"status": "drifted", "blue_weight": "0", "green_weight": "100",
					"points.0.blue_weight": "0", "points.0.green_weight": "100", "points.1.blue_weight": "50", "points.1.green_weight": "50"}),
			},
			{
				PreConfig: env.Sandbox.ResetCalls,
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(switchRes, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(switchRes, tfjsonpath.New("status"), knownvalue.StringExact("stable")),
					plancheck.ExpectKnownValue(switchRes, tfjsonpath.New("points"), knownvalue.ListExact([]knownvalue.Check{
						pointCheck(a.ListenerARN, 0, 100), pointCheck(a.SecondARN, 0, 100)})),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					expectBoth(env, a, "0/100"),
					expectSwitchAttrs(map[string]string{"status": "stable"}),
					expectListenerWrites(env, a, a.ListenerARN),
					expectListenerWrites(env, a, a.SecondARN, "0/100"),
				),
			},
			{Config: cfg, PlanOnly: true},
		},
	})
}

// A point another switch owns is refused; a point named twice, or equal to
// listener_arn, is refused before anything is planned; also needs
// listener_arn.
func TestAccLockstep_refusals(t *testing.T) {
	env := newTestSandbox(t)
	a := newLockstepALB(t, env, "ls-refuse")
	other := fmt.Sprintf(`
resource "bluegreen_listener_switch" "other" {
  listener_arn           = %q
  blue_target_group_arn  = %q
  green_target_group_arn = %q
  active_color           = "blue"
}
`, a.SecondARN, a.BlueARN, a.GreenARN)
	twice := strings.Replace(lockstepConfig(a, "blue", ""), fmt.Sprintf("[{ listener_arn = %q }]", a.SecondARN),
		fmt.Sprintf("[{ listener_arn = %q }, { listener_arn = %q }]", a.SecondARN, a.SecondARN), 1)
	main := strings.Replace(lockstepConfig(a, "blue", ""), fmt.Sprintf("[{ listener_arn = %q }]", a.SecondARN),
		fmt.Sprintf("[{ listener_arn = %q }]", a.ListenerARN), 1)
	both := strings.Replace(lockstepConfig(a, "blue", ""), fmt.Sprintf("[{ listener_arn = %q }]", a.SecondARN),
		fmt.Sprintf("[{ listener_arn = %q, rule_arn = %q }]", a.SecondARN, strings.Replace(a.ListenerARN, ":listener/", ":listener-rule/", 1)+"/0123456789abcdef"), 1)
	// A listener whose forward also sends traffic to a third group.
	ctx := context.Background()
	third, err := env.Clients.ELBv2.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: aws.String("ls-refuse-third"), Port: aws.Int32(8080),
		Protocol: "HTTP", VpcId: aws.String("vpc-0123456789abcdef0")})
	if err != nil {
		t.Fatal(err)
	}
	mixed, err := env.Clients.ELBv2.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: aws.String(a.LoadBalancerARN), Port: aws.Int32(9000),
		Protocol: "HTTP", DefaultActions: []elbv2types.Action{threeGroupForward(a.BlueARN, 50, a.GreenARN, 0, aws.ToString(third.TargetGroups[0].TargetGroupArn), 50)}})
	if err != nil {
		t.Fatal(err)
	}
	foreign := strings.Replace(lockstepConfig(a, "blue", ""), fmt.Sprintf("[{ listener_arn = %q }]", a.SecondARN),
		fmt.Sprintf("[{ listener_arn = %q }]", aws.ToString(mixed.Listeners[0].ListenerArn)), 1)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: foreign, ExpectError: regexp.MustCompile(`Point cannot be moved in lockstep`)},
			{Config: twice, ExpectError: regexp.MustCompile(`Point named twice`)},
			{Config: main, ExpectError: regexp.MustCompile(`Point named twice`)},
			{Config: both, ExpectError: regexp.MustCompile(`Exactly one of listener_arn and rule_arn`)},
			{Config: other, Check: expectOwnedBySwitch(env, a.SecondARN)},
			{Config: other + lockstepConfig(a, "blue", ""), ExpectError: regexp.MustCompile(`owned by another switch`)},
		},
	})
}

func pointCheck(arn string, blue, green int64) knownvalue.Check {
	return knownvalue.ObjectExact(map[string]knownvalue.Check{"arn": knownvalue.StringExact(arn),
		"blue_weight": knownvalue.Int64Exact(blue), "green_weight": knownvalue.Int64Exact(green)})
}

// expectListenerWrites checks the splits every successful ModifyListener on
// listener wrote since the call log was reset.
func expectListenerWrites(env *testEnv, a lockstepALB, listener string, want ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got := writtenSplits(env, listener, a.BlueARN, a.GreenARN)
		if !slices.Equal(got, want) {
			return fmt.Errorf("listener %s was written %v, want %v", listener, got, want)
		}
		return nil
	}
}

// expectOwnedBySwitch checks that listener carries the owner tag.
func expectOwnedBySwitch(env *testEnv, listener string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		owner, err := alb.Owner(context.Background(), env.Clients.ELBv2, listener)
		if err != nil {
			return err
		}
		if owner == "" {
			return fmt.Errorf("listener %s has no %s tag", listener, alb.OwnerTagKey)
		}
		return nil
	}
}

// Three points — the main listener, the second port and a path rule on the
// main listener — move together; all at once here.
func TestAccLockstep_listenerSecondPortAndRule(t *testing.T) {
	env := newTestSandbox(t)
	a := newLockstepALB(t, env, "ls-rule")
	ctx := context.Background()
	r, err := env.Clients.ELBv2.CreateRule(ctx, &elbv2.CreateRuleInput{ListenerArn: aws.String(a.ListenerARN), Priority: aws.Int32(10),
		Conditions: []elbv2types.RuleCondition{{Field: aws.String("path-pattern"),
			PathPatternConfig: &elbv2types.PathPatternConditionConfig{Values: []string{"/api/*"}}}},
		Actions: []elbv2types.Action{forwardAction(a.BlueARN, 100, a.GreenARN, 0)}})
	if err != nil {
		t.Fatal(err)
	}
	rule := aws.ToString(r.Rules[0].RuleArn)
	cfg := func(color string) string {
		return strings.Replace(lockstepConfig(a, color, ""), fmt.Sprintf("[{ listener_arn = %q }]", a.SecondARN),
			fmt.Sprintf("[{ listener_arn = %q }, { rule_arn = %q }]", a.SecondARN, rule), 1)
	}
	ruleIs := func(split string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			ts, _, err := alb.DescribeForward(context.Background(), env.Clients.ELBv2, rule)
			if err != nil {
				return err
			}
			w, _, _ := alb.ColorWeights(ts, a.BlueARN, a.GreenARN)
			if got := fmt.Sprintf("%d/%d", w.Blue, w.Green); got != split {
				return fmt.Errorf("rule forwards %s, want %s", got, split)
			}
			return nil
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{
				Config: cfg("blue"),
				Check: resource.ComposeAggregateTestCheckFunc(ruleIs("100/0"), expectOwnedBySwitch(env, rule),
					expectSwitchAttrs(map[string]string{"points.#": "3", "points.2.arn": rule, "points.2.blue_weight": "100"})),
			},
			{
				Config: cfg("green"),
				Check: resource.ComposeAggregateTestCheckFunc(ruleIs("0/100"),
					func(*terraform.State) error {
						for _, l := range []string{a.ListenerARN, a.SecondARN} {
							if got := splitOf(env, a, l); got != "0/100" {
								return fmt.Errorf("listener %s forwards %s, want 0/100", l, got)
							}
						}
						return nil
					},
					expectSwitchAttrs(map[string]string{"status": "stable", "points.#": "3", "points.2.green_weight": "100", "points.1.green_weight": "100"})),
			},
			{Config: cfg("green"), PlanOnly: true},
			{
				// Removing the rule from also releases it and leaves its
				// forward as it is.
				Config: lockstepConfig(a, "green", ""),
				Check: resource.ComposeAggregateTestCheckFunc(ruleIs("0/100"), expectSwitchAttrs(map[string]string{"points.#": "2"}),
					func(*terraform.State) error {
						if owner, err := alb.Owner(context.Background(), env.Clients.ELBv2, rule); err != nil || owner != "" {
							return fmt.Errorf("rule owner after removal from also = %q, %v; want no tag", owner, err)
						}
						return nil
					}),
			},
		},
	})
}

// An imported switch adopts also on the apply after the import (here the
// same apply, through an import block): it takes every point over (owner
// tag) and shows it.
func TestAccLockstep_importThenAdoptAlso(t *testing.T) {
	env := newTestSandbox(t)
	a := newLockstepALB(t, env, "ls-import")
	cfg := fmt.Sprintf(`
import {
  to = bluegreen_listener_switch.test
  id = %q
}
`, a.ListenerARN) + lockstepConfig(a, "blue", "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(switchRes, plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(expectBoth(env, a, "100/0"),
					expectOwnedBySwitch(env, a.ListenerARN), expectOwnedBySwitch(env, a.SecondARN)),
			},
			{Config: cfg, PlanOnly: true},
		},
	})
}

// When the write-back fails too (and so does every later write), nothing is
// hidden: the error names the point that could not be written back and what
// it forwards, and state records each point's real weights as drifted.
func TestAccLockstep_failedWriteBackIsRecordedTruthfully(t *testing.T) {
	env := newTestSandbox(t)
	a := newLockstepALB(t, env, "ls-undo")
	o := newHoldObserver(t, env, a)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: lockstepConfig(a, "blue", canaryWith(o))},
			{
				PreConfig: func() {
					// From the second listener's write at the second step on,
					// every ModifyListener fails: the main listener stays at
					// 50/50, the second at 90/10, and the rollback cannot
					// write either.
					if _, err := env.Sandbox.InjectFault(sandbox.Fault{Service: sandbox.ServiceELBv2, Operation: "ModifyListener",
						Kind: sandbox.HTTP5xx, After: 3}); err != nil {
						t.Fatal(err)
					}
				},
				Config:      lockstepConfig(a, "green", canaryWith(o)),
				ExpectError: regexp.MustCompile(`(?s)back\s+FAILED.*forwards\s+blue=50\s+green=50\s+now`),
			},
			savedStateStep(env, a, lockstepConfig(a, "green", canaryWith(o)), "drifted"),
			{
				PreConfig:          env.Sandbox.ClearFaults,
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					func(*terraform.State) error {
						if m, s := splitOf(env, a, a.ListenerARN), splitOf(env, a, a.SecondARN); m != "50/50" || s != "90/10" {
							return fmt.Errorf("listeners forward %s and %s, want 50/50 and 90/10", m, s)
						}
						return nil
					},
					expectSwitchAttrs(map[string]string{"status": "drifted", "blue_weight": "50", "green_weight": "50",
						"points.0.blue_weight": "50", "points.0.green_weight": "50", "points.1.blue_weight": "90", "points.1.green_weight": "10"}),
				),
			},
			{
				// Once AWS answers again, the next apply aligns the points and
				// finishes the shift.
				Config: lockstepConfig(a, "green", canaryWith(o)),
				Check: resource.ComposeAggregateTestCheckFunc(expectBoth(env, a, "0/100"),
					expectSwitchAttrs(map[string]string{"status": "stable"})),
			},
		},
	})
}

// savedPointsMatchSandbox checks the state a failed apply saved (the prior
// state of the next plan, before any refresh): its status, and each point's
// weights equal to what the listener forwards in the sandbox.
type savedPointsMatchSandbox struct {
	env    *testEnv
	a      lockstepALB
	status string
}

func (c savedPointsMatchSandbox) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	if req.Plan.PriorState == nil || req.Plan.PriorState.Values == nil {
		resp.Error = fmt.Errorf("the plan has no prior state")
		return
	}
	for _, r := range req.Plan.PriorState.Values.RootModule.Resources {
		if r.Address != switchRes {
			continue
		}
		if got, _ := r.AttributeValues["status"].(string); got != c.status {
			resp.Error = fmt.Errorf("saved status = %q, want %q", got, c.status)
			return
		}
		points, _ := r.AttributeValues["points"].([]any)
		if len(points) != 2 {
			resp.Error = fmt.Errorf("saved points = %v, want 2", r.AttributeValues["points"])
			return
		}
		for i, l := range []string{c.a.ListenerARN, c.a.SecondARN} {
			p, _ := points[i].(map[string]any)
			b, _ := p["blue_weight"].(float64)
			g, _ := p["green_weight"].(float64)
			if p["arn"] != l || fmt.Sprintf("%v/%v", b, g) != splitOf(c.env, c.a, l) {
				resp.Error = fmt.Errorf("saved point %d = %v, the sandbox has %s forwarding %s", i, p, l, splitOf(c.env, c.a, l))
				return
			}
		}
		return
	}
	resp.Error = fmt.Errorf("%s not in the prior state", switchRes)
}

// savedStateStep is a plan-only step that checks the state the previous
// (failed) apply saved, before refreshing it.
func savedStateStep(env *testEnv, a lockstepALB, config, status string) resource.TestStep {
	return resource.TestStep{
		PreConfig:          env.Sandbox.ClearFaults,
		Config:             config,
		PlanOnly:           true,
		ExpectNonEmptyPlan: true,
		ConfigPlanChecks: resource.ConfigPlanChecks{
			PostApplyPreRefresh: []plancheck.PlanCheck{savedPointsMatchSandbox{env: env, a: a, status: status}},
		},
	}
}

// A point that disagrees with listener_arn when the switch is created is
// aligned with it (the main listener is not written) before anything moves.
func TestAccLockstep_createAlignsADisagreeingPoint(t *testing.T) {
	env := newTestSandbox(t)
	a := newLockstepALB(t, env, "ls-create")
	writeListenerActions(t, env, a.SecondARN, forwardAction(a.BlueARN, 70, a.GreenARN, 30))
	env.Sandbox.ResetCalls()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{
				Config: lockstepConfig(a, "blue", ""),
				Check: resource.ComposeAggregateTestCheckFunc(expectBoth(env, a, "100/0"),
					expectSwitchAttrs(map[string]string{"status": "stable"}),
					expectListenerWrites(env, a, a.ListenerARN),
					expectListenerWrites(env, a, a.SecondARN, "100/0")),
			},
			{Config: lockstepConfig(a, "blue", ""), PlanOnly: true},
		},
	})
}

// Another writer changes the second listener during the first hold: the
// shift stops without overwriting it (a conflict, as on one listener), and
// state records each point's real weights, drifted.
func TestAccLockstep_otherWriterOnOnePointMidShift(t *testing.T) {
	env := newTestSandbox(t)
	a := newLockstepALB(t, env, "ls-conflict")
	o := newHoldObserver(t, env, a)
	var once sync.Once
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: lockstepConfig(a, "blue", canaryWith(o))},
			{
				PreConfig: func() {
					env.Sandbox.ResetCalls()
					o.mu.Lock()
					o.during = func(main string) {
						if main == "90/10" {
							once.Do(func() { writeListenerActions(t, env, a.SecondARN, forwardAction(a.BlueARN, 30, a.GreenARN, 70)) })
						}
					}
					o.mu.Unlock()
				},
				Config:      lockstepConfig(a, "green", canaryWith(o)),
				ExpectError: regexp.MustCompile(`(?i)changed by someone else`),
			},
			savedStateStep(env, a, lockstepConfig(a, "green", canaryWith(o)), "drifted"),
			{
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					expectSwitchAttrs(map[string]string{"status": "drifted", "blue_weight": "90", "green_weight": "10",
						"points.0.blue_weight": "90", "points.1.blue_weight": "30", "points.1.green_weight": "70"}),
					// Nothing was written after the other writer's change.
					expectListenerWrites(env, a, a.ListenerARN, "90/10"),
					expectListenerWrites(env, a, a.SecondARN, "90/10", "30/70"),
				),
			},
		},
	})
}
