package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/demoapp"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/loadgen"
)

// trafficALB is a load balancer of the sandbox's data plane: one HTTP
// listener forwarding blue=100 green=0 to ip target groups whose targets are
// demo apps on loopback, and a fleet of clients (a cookie jar each) sending
// real requests through the listener.
type trafficALB struct {
	testALB
	Blue, Green *demoapp.Server
	Fleet       *loadgen.Fleet
}

// newTrafficALB builds it on env (newTestSandbox with withDataPlane). Target
// health is pinned healthy and the data plane's probes are off: a release
// that crashes mid-request can pass its health checks, and the probes would
// run on the wall clock. green configures the new release; greenDown closes
// it after registration (its port refuses connections); clients is the size
// of the fleet.
func newTrafficALB(t *testing.T, env *testEnv, name string, green demoapp.Config, greenDown bool, clients int) *trafficALB {
	t.Helper()
	ctx := context.Background()
	api := env.Clients.ELBv2
	env.Sandbox.SetHealthChecks(false)
	lb, err := api.CreateLoadBalancer(ctx, &elasticloadbalancingv2.CreateLoadBalancerInput{
		Name: aws.String(name), Subnets: []string{"subnet-0a000001", "subnet-0b000002"},
	})
	if err != nil {
		t.Fatal(err)
	}
	a := &trafficALB{testALB: testALB{LoadBalancerARN: aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)}}
	start := func(cfg demoapp.Config) *demoapp.Server {
		s, err := demoapp.New(cfg).Start("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	green.Version, green.Color = "v2", "green"
	a.Blue, a.Green = start(demoapp.Config{Version: "v1", Color: "blue"}), start(green)
	for _, c := range []struct {
		color string
		app   *demoapp.Server
		arn   *string
	}{{"blue", a.Blue, &a.BlueARN}, {"green", a.Green, &a.GreenARN}} {
		tg, err := api.CreateTargetGroup(ctx, &elasticloadbalancingv2.CreateTargetGroupInput{
			Name: aws.String(name + "-" + c.color), Port: aws.Int32(80), Protocol: elbv2types.ProtocolEnumHttp,
			VpcId: aws.String("vpc-0123456789abcdef0"), TargetType: elbv2types.TargetTypeEnumIp,
		})
		if err != nil {
			t.Fatal(err)
		}
		*c.arn = aws.ToString(tg.TargetGroups[0].TargetGroupArn)
		if _, err := api.RegisterTargets(ctx, &elasticloadbalancingv2.RegisterTargetsInput{TargetGroupArn: c.arn,
			Targets: []elbv2types.TargetDescription{{Id: aws.String("127.0.0.1"), Port: aws.Int32(int32(c.app.Port()))}}}); err != nil {
			t.Fatal(err)
		}
		if err := env.Sandbox.SetTargetHealth(*c.arn, "127.0.0.1", 0, "healthy", "", ""); err != nil {
			t.Fatal(err)
		}
	}
	if greenDown {
		if err := a.Green.Close(); err != nil {
			t.Fatal(err)
		}
	}
	l, err := api.CreateListener(ctx, &elasticloadbalancingv2.CreateListenerInput{
		LoadBalancerArn: aws.String(a.LoadBalancerARN), Port: aws.Int32(80), Protocol: elbv2types.ProtocolEnumHttp,
		DefaultActions: []elbv2types.Action{forwardAction(a.BlueARN, 100, a.GreenARN, 0)},
	})
	if err != nil {
		t.Fatal(err)
	}
	a.ListenerARN = aws.ToString(l.Listeners[0].ListenerArn)
	addr, ok := env.Sandbox.ListenerAddr(a.ListenerARN)
	if !ok {
		t.Fatal("the data plane serves no port for the listener")
	}
	if a.Fleet, err = loadgen.NewFleet(loadgen.FleetConfig{URL: "http://" + addr + "/", Clients: clients, TagHeader: "X-Demo-Color"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Fleet.Close)
	return a
}

// sendEverySecond makes the fleet send one round per second of the test's
// fake clock from now on (the clock moves when the provider's engine waits).
func (a *trafficALB) sendEverySecond(env *testEnv) {
	var tick func()
	tick = func() {
		a.Fleet.Round(context.Background())
		env.Clock.AfterFunc(time.Second, tick)
	}
	env.Clock.AfterFunc(time.Second, tick)
}

const crashMetricsConfig = `
  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "4m"
  }
  rollback_on = {
    metrics = {
      max_5xx_rate = 0.05
      min_requests = 10%s
    }
    evaluation_interval = "15s"
    failure_threshold   = 2
  }`

// testAccCrashRollback shifts to a green that fails for real under the
// fleet's traffic and expects the metrics check to roll it back at the first
// step (the first whole minute is published a minute after it ends, at
// T+2m, and fails at T+2m and T+2m15s).
func testAccCrashRollback(t *testing.T, name string, green demoapp.Config, greenDown bool, extra, wantDetail string) {
	env := newTestSandbox(t, withDataPlane())
	a := newTrafficALB(t, env, name, green, greenDown, 8)
	cfg := fmt.Sprintf(crashMetricsConfig, extra)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: switchConfig(a.testALB, "blue", cfg), ConfigStateChecks: weightChecks(100, 0, "stable")},
			{
				PreConfig: func() {
					env.Sandbox.ResetCalls()
					a.sendEverySecond(env)
				},
				Config:      switchConfig(a.testALB, "green", cfg),
				ExpectError: regexp.MustCompile(`(?s)Shift rolled back.*metrics\.max_5xx_rate failed 2\s+consecutive\s+evaluations at step 1/3 \(10%\): 5xx rate 1\b.*` + wantDetail),
			},
		},
	})
	if got := strings.Join(writtenWeights(env, a.testALB), " "); got != "90/10 100/0" {
		t.Fatalf("the apply wrote %s: want 90/10, then the restore to 100/0", got)
	}
	rep := a.Fleet.Report()
	if rep.ByStatus[502] == 0 {
		t.Fatalf("the clients saw no 502 (%v): the release did not fail for real", rep.ByStatus)
	}
	for _, ans := range a.Fleet.Round(context.Background()) {
		if !ans.OK() || ans.Tag != "blue" {
			t.Fatalf("after the rollback client %d got %d from %q (%v), want 200 from blue", ans.Client, ans.Status, ans.Tag, ans.Err)
		}
	}
	t.Logf("clients: %s, by status %v", rep.Stats, rep.ByStatus)
}

// TestAccMetricsRollback_crashedRelease: green's process is gone (its port
// refuses connections); clients get ELB 502s and green answers no 5xx of its
// own. TargetConnectionErrorCount of green's target group rolls it back with
// the default metrics check (the check that counted target 5xx alone let it
// through: see TestCrashingReleaseOnAWSMetrics).
func TestAccMetricsRollback_crashedRelease(t *testing.T) {
	testAccCrashRollback(t, "crash-down", demoapp.Config{}, true, "",
		`target connection errors [1-9]`)
}

// TestAccMetricsRollback_connectionResets: green accepts each request and
// resets the connection. No per target group metric sees it (AWS publishes
// ELB 5xx per load balancer only); with count_elb_5xx — the switch being the
// load balancer's only forward — the load balancer's HTTPCode_ELB_5XX_Count
// rolls it back.
func TestAccMetricsRollback_connectionResets(t *testing.T) {
	testAccCrashRollback(t, "crash-reset", demoapp.Config{ResetPercent: 100}, false, "\n      count_elb_5xx = true",
		`load balancer ELB 5xx [1-9]`)
}

// TestAccStickyRollback: with group stickiness on (duration 1h, as in the
// docs' example), a canary at 50 % sticks about half of 20 clients (a cookie
// jar each) to green. Green fails, the metrics check rolls back — and every
// client's next request is answered by blue: the restore wrote blue=100
// green=0 with group stickiness off in the same call. (The sandbox keeps a
// client on a group at weight 0 for the stickiness duration, as AWS
// documents it; a restore that wrote only the weights would leave them on
// green.) last_shift.reason says so, and state records stickiness off, so
// the next plan turns it on again.
func TestAccStickyRollback(t *testing.T) {
	env := newTestSandbox(t, withDataPlane())
	a := newTrafficALB(t, env, "sticky", demoapp.Config{FailPercent: 100}, false, 20)
	cfg := `
  stickiness = {
    enabled  = true
    duration = "1h"
  }
  strategy = {
    type          = "canary"
    steps         = [50]
    step_interval = "4m"
  }
  rollback_on = {
    metrics = {
      max_5xx_rate = 0.05
      min_requests = 10
    }
    evaluation_interval = "15s"
    failure_threshold   = 2
  }`
	// Each round of the shift: which color answered each client, at 50/50.
	var during [][]loadgen.Answer
	record := func() {
		var tick func()
		tick = func() {
			b, g, _ := env.weights(a.testALB)
			answers := a.Fleet.Round(context.Background())
			if b == 50 && g == 50 {
				during = append(during, answers)
			}
			env.Clock.AfterFunc(time.Second, tick)
		}
		env.Clock.AfterFunc(time.Second, tick)
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: switchConfig(a.testALB, "blue", cfg), ConfigStateChecks: weightChecks(100, 0, "stable")},
			{
				PreConfig:   func() { env.Sandbox.ResetCalls(); record() },
				Config:      switchConfig(a.testALB, "green", cfg),
				ExpectError: regexp.MustCompile(`(?s)Shift rolled back.*metrics\.max_5xx_rate.*restored blue=100 green=0; group\s+stickiness\s+\(1h0m0s\)\s+turned\s+off`),
			},
			{
				// State recorded the truth (stickiness off, the reason); the
				// next apply turns stickiness on again with its first write,
				// green still fails, and the restore turns it off again.
				Config:      switchConfig(a.testALB, "green", cfg),
				ExpectError: regexp.MustCompile(`(?s)Shift rolled back.*restored blue=100 green=0; group\s+stickiness`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(switchRes, plancheck.ResourceActionUpdate),
					expectPriorState(switchRes, "status", "rolled_back"),
					expectPriorStateNested(switchRes, "stickiness", "enabled", false),
					expectPriorStateNested(switchRes, "last_shift", "reason", regexp.MustCompile(`group stickiness \(1h0m0s\) turned off in the same write`)),
				}},
			},
		},
	})

	// The shift was sticky: at 50/50 every client kept its color, and some
	// were on green.
	if len(during) < 30 {
		t.Fatalf("only %d rounds at 50/50", len(during))
	}
	stuck := map[string]int{}
	for c := range a.Fleet.Clients() {
		first := during[0][c].Tag
		for i, round := range during {
			if round[c].Tag != first {
				t.Fatalf("client %d moved from %q to %q in round %d while stickiness was on", c, first, round[c].Tag, i)
			}
		}
		stuck[first]++
	}
	if stuck["green"] == 0 || stuck["blue"] == 0 {
		t.Fatalf("clients per color at 50/50: %v, want some on each", stuck)
	}
	// One request after the rollback: every client is on blue.
	for _, ans := range a.Fleet.Round(context.Background()) {
		if !ans.OK() || ans.Tag != "blue" {
			t.Fatalf("after the rollback client %d got %d from %q (%v), want blue: clients stuck to green stay there", ans.Client, ans.Status, ans.Tag, ans.Err)
		}
	}
	// The restore was one write: weights and stickiness off together.
	const stick = "DefaultActions.member.1.ForwardConfig.TargetGroupStickinessConfig.Enabled"
	var written []string
	for _, c := range env.Sandbox.Calls(sandbox.CallFilter{Service: "elbv2", Operation: "ModifyListener"}) {
		written = append(written, c.Params[stick])
	}
	if got := strings.Join(written, " "); got != "true false true false" {
		t.Fatalf("stickiness written %s: want on with each 50 %% step, off with each restore", got)
	}
	if got := strings.Join(writtenWeights(env, a.testALB), " "); got != "50/50 100/0 50/50 100/0" {
		t.Fatalf("weights written %s", got)
	}
	t.Logf("clients per color at 50/50: %v; %d rounds", stuck, len(during))
}

// expectPriorStateNested checks attribute.key of a resource in the plan's
// prior state: an exact value, or a *regexp.Regexp a string must match.
func expectPriorStateNested(address, attribute, key string, want any) plancheck.PlanCheck {
	return nestedPriorStateCheck{address: address, attribute: attribute, key: key, want: want}
}

type nestedPriorStateCheck struct {
	address, attribute, key string
	want                    any
}

func (c nestedPriorStateCheck) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	if req.Plan.PriorState == nil || req.Plan.PriorState.Values == nil {
		resp.Error = fmt.Errorf("plan has no prior state")
		return
	}
	for _, r := range req.Plan.PriorState.Values.RootModule.Resources {
		if r.Address != c.address {
			continue
		}
		obj, _ := r.AttributeValues[c.attribute].(map[string]any)
		got := obj[c.key]
		if re, ok := c.want.(*regexp.Regexp); ok {
			if s, _ := got.(string); !re.MatchString(s) {
				resp.Error = fmt.Errorf("%s.%s.%s in prior state is %q, want a match of %s", c.address, c.attribute, c.key, got, re)
			}
			return
		}
		if got != c.want {
			resp.Error = fmt.Errorf("%s.%s.%s in prior state is %v (%T), want %v", c.address, c.attribute, c.key, got, got, c.want)
		}
		return
	}
	resp.Error = fmt.Errorf("%s not in prior state", c.address)
}
