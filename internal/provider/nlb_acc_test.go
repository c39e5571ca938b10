package provider

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/demoapp"
)

// Network Load Balancer switches, observed in real TCP connections: the
// sandbox's data plane serves the NLB's TCP listener on a loopback port and
// forwards each new connection to a demo app of the group the listener's
// weights choose. A connection carries one HTTP request whose answer names
// the colour (X-Demo-Color).

// nlbConnsPerLook is how many connections each look opens. With a 10 %
// canary the chance that none of them reaches green is 0.9^200 ≈ 7e-10.
const nlbConnsPerLook = 200

// nlbLook is what connections through the NLB met while the listener held
// some weights.
type nlbLook struct {
	blue, green int32          // the listener's weights at the time
	colors      map[string]int // answers by colour ("error" for a failed connection)
}

func (l nlbLook) String() string {
	return fmt.Sprintf("%d/%d: %v", l.blue, l.green, l.colors)
}

// nlbFixture is an NLB with a TCP listener forwarding to a blue and a green
// TCP target group of one demo app each, health-checked over TCP by the
// sandbox's data plane.
type nlbFixture struct {
	env                       *testEnv
	lb, listener, blue, green string
	addr                      string // where the data plane serves the listener
	blueApp, greenApp         *demoapp.App

	mu    sync.Mutex
	looks []nlbLook // one per distinct weights seen while the provider waited
	last  string
}

// newNLBFixture starts a sandbox with the data plane on and the NLB in it.
// Every time the provider's engine waits (a step's hold, an evaluation
// interval, the bake), the fixture looks at the traffic if the listener's
// weights changed since its last look.
func newNLBFixture(t *testing.T, name string) *nlbFixture {
	t.Helper()
	f := newNLBFixtureWithoutListener(t, name, false)
	// As a stack's own aws_lb_listener would leave it: all connections to
	// blue, green attached at weight 0 (so that it is health-checked).
	l, err := f.env.Clients.ELBv2.CreateListener(context.Background(), &elbv2.CreateListenerInput{LoadBalancerArn: aws.String(f.lb),
		Protocol: elbv2types.ProtocolEnumTcp, Port: aws.Int32(443),
		DefaultActions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumForward, ForwardConfig: &elbv2types.ForwardActionConfig{
			TargetGroups: []elbv2types.TargetGroupTuple{
				{TargetGroupArn: aws.String(f.blue), Weight: aws.Int32(100)},
				{TargetGroupArn: aws.String(f.green), Weight: aws.Int32(0)},
			}}}}})
	if err != nil {
		t.Fatal(err)
	}
	f.served(t, aws.ToString(l.Listeners[0].ListenerArn))
	f.waitHealthy(t)
	return f
}

// served records the NLB listener the fixture looks through.
func (f *nlbFixture) served(t *testing.T, listenerARN string) {
	t.Helper()
	addr, ok := f.env.Sandbox.ListenerAddr(listenerARN)
	if !ok {
		t.Fatalf("the data plane does not serve NLB listener %s", listenerARN)
	}
	f.mu.Lock()
	f.listener, f.addr = listenerARN, addr
	f.mu.Unlock()
}

// newNLBFixtureWithoutListener is the NLB, its groups and apps, without a
// listener; withAWS adds the fake hashicorp/aws provider (aws_lb_listener).
func newNLBFixtureWithoutListener(t *testing.T, name string, withAWS bool) *nlbFixture {
	t.Helper()
	f := &nlbFixture{}
	env := newTestSandbox(t, func(c *testEnvConfig) {
		c.sandbox = func(o *sandbox.Options) {
			o.DataPlane = true
			o.HealthCheckTimeScale = 0.02 // a 5 s TCP health check interval runs every 100 ms
		}
		c.wrapClock = func(_ *testEnv, base clock.Clock) clock.Clock { return &nlbLookClock{Clock: base, f: f} }
		if withAWS {
			c.extra = map[string]func(env *testEnv) func() (tfprotov6.ProviderServer, error){
				"aws": func(env *testEnv) func() (tfprotov6.ProviderServer, error) {
					return providerserver.NewProtocol6WithError(&fakeAWSProvider{api: env.Clients.ELBv2})
				},
			}
		}
	})
	f.env = env
	ctx := context.Background()
	api := env.Clients.ELBv2
	lb, err := api.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String(name),
		Type: elbv2types.LoadBalancerTypeEnumNetwork, Subnets: []string{"subnet-0a000001"}})
	if err != nil {
		t.Fatal(err)
	}
	f.lb = aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)
	start := func(color, version string) (*demoapp.App, int32) {
		app := demoapp.New(demoapp.Config{Version: version, Color: color})
		srv, err := app.Start("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = srv.Close() })
		return app, int32(srv.Port())
	}
	var bluePort, greenPort int32
	f.blueApp, bluePort = start("blue", "1.0.0")
	f.greenApp, greenPort = start("green", "1.1.0")
	group := func(color string, port int32) string {
		out, err := api.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: aws.String(name + "-" + color),
			Protocol: elbv2types.ProtocolEnumTcp, Port: aws.Int32(port), VpcId: aws.String("vpc-0123456789abcdef0"),
			TargetType: elbv2types.TargetTypeEnumIp, HealthCheckProtocol: elbv2types.ProtocolEnumTcp,
			HealthCheckIntervalSeconds: aws.Int32(5), HealthCheckTimeoutSeconds: aws.Int32(2),
			HealthyThresholdCount: aws.Int32(2), UnhealthyThresholdCount: aws.Int32(2)})
		if err != nil {
			t.Fatal(err)
		}
		arn := aws.ToString(out.TargetGroups[0].TargetGroupArn)
		if _, err := api.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: aws.String(arn),
			Targets: []elbv2types.TargetDescription{{Id: aws.String("127.0.0.1")}}}); err != nil {
			t.Fatal(err)
		}
		return arn
	}
	f.blue, f.green = group("blue", bluePort), group("green", greenPort)
	return f
}

// waitHealthy waits (bounded) until the data plane's TCP health checks
// found both demo apps healthy: the switch's pre-flight needs it.
func (f *nlbFixture) waitHealthy(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		healthy := 0
		for _, tg := range []string{f.blue, f.green} {
			out, err := f.env.Clients.ELBv2.DescribeTargetHealth(context.Background(), &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg)})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range out.TargetHealthDescriptions {
				if d.TargetHealth.State == elbv2types.TargetHealthStateEnumHealthy {
					healthy++
				}
			}
		}
		if healthy == 2 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo apps did not become healthy under TCP health checks (%d of 2 healthy)", healthy)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// weights reads the listener's real blue and green weights.
func (f *nlbFixture) weights() (int32, int32, error) {
	return f.env.weights(testALB{ListenerARN: f.listener, BlueARN: f.blue, GreenARN: f.green})
}

// connect opens n new TCP connections through the NLB, one request each,
// and counts the answers by colour.
func (f *nlbFixture) connect(n int) map[string]int {
	colors := map[string]int{}
	for range n {
		colors[f.oneConnection()]++
	}
	return colors
}

func (f *nlbFixture) oneConnection() string {
	c, err := net.DialTimeout("tcp", f.addr, 10*time.Second)
	if err != nil {
		return "error"
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: nlb.example\r\nConnection: close\r\n\r\n"); err != nil {
		return "error"
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return "error"
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if col := resp.Header.Get("X-Demo-Color"); col != "" {
		return col
	}
	return "error"
}

// look records the traffic under the current weights, once per weights.
func (f *nlbFixture) look() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.addr == "" {
		return // no listener yet
	}
	b, g, err := f.weights()
	if err != nil {
		return
	}
	key := fmt.Sprintf("%d/%d", b, g)
	if key == f.last {
		return
	}
	f.last = key
	f.looks = append(f.looks, nlbLook{blue: b, green: g, colors: f.connect(nlbConnsPerLook)})
}

func (f *nlbFixture) takeLooks() []nlbLook {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.looks
	f.looks, f.last = nil, ""
	return out
}

// nlbLookClock is the provider's clock: before every wait it lets the
// fixture look at the traffic.
type nlbLookClock struct {
	clock.Clock
	f *nlbFixture
}

func (c *nlbLookClock) Sleep(ctx context.Context, d time.Duration) error {
	c.f.look()
	return c.Clock.Sleep(ctx, d)
}

// checkShare checks that connections split as the weights say: every one
// to the only weighted colour, or, with both weighted, some to each and
// green's share within 0.15 of its weight share (more than four standard
// deviations for 200 connections); no failed connection.
func checkShare(l nlbLook) error {
	total := 0
	for _, n := range l.colors {
		total += n
	}
	if l.colors["error"] > 0 || total != nlbConnsPerLook {
		return fmt.Errorf("at %s: failed connections", l)
	}
	want := float64(l.green) / float64(l.blue+l.green)
	got := float64(l.colors["green"]) / float64(total)
	switch {
	case l.green == 0 && l.colors["green"] != 0, l.blue == 0 && l.colors["blue"] != 0:
		return fmt.Errorf("at %s: a colour of weight 0 got connections", l)
	case l.blue > 0 && l.green > 0 && (l.colors["blue"] == 0 || l.colors["green"] == 0):
		return fmt.Errorf("at %s: a weighted colour got no connection", l)
	case math.Abs(got-want) > 0.15:
		return fmt.Errorf("at %s: green got %.2f of the connections, want about %.2f", l, got, want)
	}
	return nil
}

// expectAllTo checks, with fresh connections, that every one reaches color.
func (f *nlbFixture) expectAllTo(color string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if got := f.connect(50); got[color] != 50 {
			return fmt.Errorf("new connections through the NLB answered by %v, want all 50 by %s", got, color)
		}
		return nil
	}
}

func (f *nlbFixture) config(color, extra string) string {
	return regressionConfig(f.listener, f.blue, f.green, color, extra)
}

// A canary 10 % → 50 % → 100 % on an NLB listener: at each step real TCP
// connections split by the step's weights, and afterwards all go to green.
func TestAccNLB_canaryObservedInConnections(t *testing.T) {
	f := newNLBFixture(t, "nlb-canary")
	extra := fmt.Sprintf(`
  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "1m"
  }
  bake_time = "1m"
  rollback_on = {
    http                = [{ url = "http://%s/" }]
    evaluation_interval = "30s"
  }`, f.greenAppAddr(t))
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: f.env.Factories,
		Steps: []resource.TestStep{
			{
				Config: f.config("blue", extra),
				Check: resource.ComposeAggregateTestCheckFunc(
					expectSwitchAttrs(map[string]string{"status": "stable", "blue_weight": "100", "green_weight": "0"}),
					f.expectAllTo("blue"),
				),
			},
			{
				PreConfig: func() { f.takeLooks() },
				Config:    f.config("green", extra),
				Check: resource.ComposeAggregateTestCheckFunc(
					expectSwitchAttrs(map[string]string{"status": "stable", "blue_weight": "0", "green_weight": "100",
						"last_shift.result": "succeeded"}),
					func(*terraform.State) error {
						looks := f.takeLooks()
						var seen []string
						for _, l := range looks {
							if err := checkShare(l); err != nil {
								return err
							}
							seen = append(seen, fmt.Sprintf("%d/%d", l.blue, l.green))
						}
						// The engine waits at each step and in the bake: each
						// split was seen in real connections.
						if got := strings.Join(seen, " "); got != "90/10 50/50 0/100" {
							return fmt.Errorf("weights seen while the provider waited: %q, want \"90/10 50/50 0/100\" (looks: %v)", got, looks)
						}
						return nil
					},
					f.expectAllTo("green"),
				),
			},
			{
				// The listener state data source reads an NLB listener too.
				Config: f.config("green", extra) + fmt.Sprintf(`
data "bluegreen_listener_state" "test" {
  listener_arn           = %q
  blue_target_group_arn  = %q
  green_target_group_arn = %q
}`, f.listener, f.blue, f.green),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(stateDS, tfjsonpath.New("blue_weight"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue(stateDS, tfjsonpath.New("green_weight"), knownvalue.Int64Exact(100)),
					statecheck.ExpectKnownValue(stateDS, tfjsonpath.New("active_color"), knownvalue.StringExact("green")),
				},
			},
			{
				// An NLB listener's switch imports by the listener ARN.
				ResourceName:      switchRes,
				ImportState:       true,
				ImportStateId:     f.listener,
				ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"last_shift", "planned_steps", "worst_case_duration", "timeouts", "owner_id",
					"rule_arn", "strategy", "bake_time", "rollback_on"},
			},
		},
	})
}

// The green app answers 500 to every request (its TCP health checks pass):
// the http check against green fails at the first canary step (twice in a
// row, 30 s apart, so the provider waits once at 90/10 and the traffic is
// seen there), the switch rolls back, and new connections are all on blue
// again.
func TestAccNLB_rollbackOnHTTPCheckOfGreen(t *testing.T) {
	f := newNLBFixture(t, "nlb-rollback")
	extra := fmt.Sprintf(`
  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "1m"
  }
  rollback_on = {
    http                = [{ url = "http://%s/" }]
    evaluation_interval = "30s"
    failure_threshold   = 2
  }`, f.greenAppAddr(t))
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: f.env.Factories,
		Steps: []resource.TestStep{
			{Config: f.config("blue", extra), Check: f.expectAllTo("blue")},
			{
				PreConfig: func() {
					f.takeLooks()
					f.greenApp.SetBehaviour(demoapp.Behaviour{FailPercent: 100, Healthy: true})
				},
				Config:      f.config("green", extra),
				ExpectError: regexp.MustCompile(`(?s)Shift rolled back.*http.*500`),
			},
			{
				// What the rollback left, before anything else runs.
				PreConfig: func() {
					looks := f.takeLooks()
					if len(looks) == 0 || looks[0].blue != 90 || looks[0].green != 10 || looks[0].colors["green"] == 0 {
						t.Errorf("the canary step was not seen in connections (looks: %v): green never received traffic", looks)
					}
					for _, l := range looks {
						if l.colors["error"] > 0 {
							t.Errorf("failed connections at %s", l)
						}
					}
					if b, g, err := f.weights(); err != nil || b != 100 || g != 0 {
						t.Errorf("listener weights after the rollback: %d/%d (%v), want 100/0", b, g, err)
					}
					if got := f.connect(50); got["blue"] != 50 {
						t.Errorf("after the rollback new connections answered by %v, want all 50 by blue", got)
					}
				},
				Config: f.config("blue", extra),
				Check: resource.ComposeAggregateTestCheckFunc(
					expectSwitchAttrs(map[string]string{"blue_weight": "100", "green_weight": "0"}),
					f.expectAllTo("blue"),
				),
			},
		},
	})
}

// greenAppAddr is the green demo app's own address (what the http check
// probes: the receiving colour directly, not through the NLB).
func (f *nlbFixture) greenAppAddr(t *testing.T) string {
	t.Helper()
	out, err := f.env.Clients.ELBv2.DescribeTargetGroups(context.Background(), &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{f.green}})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("127.0.0.1:%d", aws.ToInt32(out.TargetGroups[0].Port))
}

// What an NLB listener does not support is refused at plan, on the
// attribute, before anything is written.
func TestAccNLB_refusedAtPlan(t *testing.T) {
	env := newTestSandbox(t)
	const nlbListener = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/net/edge/50dc6c495c0c9188/f2f7dc8efc522ab2"
	const blue = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/edge-blue/73e2d6bc24d8a067"
	const green = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/edge-green/73e2d6bc24d8a068"
	rule := fmt.Sprintf(`
resource "bluegreen_listener_switch" "test" {
  rule = {
    listener_arn  = %q
    priority      = 10
    path_patterns = ["/api/*"]
  }
  blue_target_group_arn  = %q
  green_target_group_arn = %q
  active_color           = "blue"
}
`, nlbListener, blue, green)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: rule, PlanOnly: true, ExpectError: regexp.MustCompile(`Rule mode on a Network Load Balancer`)},
			{
				Config:      regressionConfig(nlbListener, blue, green, "blue", `stickiness = { enabled = true, duration = "1h" }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Target group stickiness on a Network Load Balancer`),
			},
			{
				Config:      regressionConfig(nlbListener, blue, green, "blue", `rollback_on = { metrics = { max_5xx_rate = 0.01 } }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`ALB metrics check on a Network Load Balancer`),
			},
			{
				// A listener of some other kind still gets the ARN diagnostic.
				Config:      regressionConfig(strings.Replace(nlbListener, "/net/", "/gwy/", 1), blue, green, "blue", ""),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)listener/app/.*NLB listener,\s+listener/net/`),
			},
		},
	})
}

// The NLB listener is created in the same apply (hashicorp/aws's
// aws_lb_listener, here the test's stand-in): its ARN is unknown at the
// first plan, so the refusal comes at apply, from the final plan, before
// the switch writes anything. The same listener then works in listener mode.
func TestAccNLB_refusedWhenListenerKnownOnlyAtApply(t *testing.T) {
	env := newTestSandbox(t, func(c *testEnvConfig) {
		c.extra = map[string]func(env *testEnv) func() (tfprotov6.ProviderServer, error){
			"aws": func(env *testEnv) func() (tfprotov6.ProviderServer, error) {
				return providerserver.NewProtocol6WithError(&fakeAWSProvider{api: env.Clients.ELBv2})
			},
		}
	})
	healthyFleet(env)
	ctx := context.Background()
	api := env.Clients.ELBv2
	lb, err := api.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("nlb-late"),
		Type: elbv2types.LoadBalancerTypeEnumNetwork, Subnets: []string{"subnet-0a000001"}})
	if err != nil {
		t.Fatal(err)
	}
	lbARN := aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)
	var groups []string
	for i, color := range []string{"blue", "green"} {
		out, err := api.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: aws.String("nlb-late-" + color),
			Protocol: elbv2types.ProtocolEnumTcp, Port: aws.Int32(8080), VpcId: aws.String("vpc-0123456789abcdef0"),
			TargetType: elbv2types.TargetTypeEnumIp})
		if err != nil {
			t.Fatal(err)
		}
		arn := aws.ToString(out.TargetGroups[0].TargetGroupArn)
		if _, err := api.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: aws.String(arn),
			Targets: []elbv2types.TargetDescription{{Id: aws.String(fmt.Sprintf("10.0.%d.1", i+1))}}}); err != nil {
			t.Fatal(err)
		}
		groups = append(groups, arn)
	}
	blue, green := groups[0], groups[1]
	listener := fmt.Sprintf(`
resource "aws_lb_listener" "tcp" {
  load_balancer_arn = %q
  port              = 443
  protocol          = "TCP"
  default_action {
    type = "forward"
    forward {
      target_group {
        arn    = %[2]q
        weight = 100
      }
      target_group {
        arn    = %[3]q
        weight = 0
      }
    }
  }
  lifecycle {
    ignore_changes = [default_action]
  }
}
`, lbARN, blue, green)
	ruleMode := listener + fmt.Sprintf(`
resource "bluegreen_listener_switch" "test" {
  rule = {
    listener_arn  = aws_lb_listener.tcp.arn
    priority      = 10
    path_patterns = ["/api/*"]
  }
  blue_target_group_arn  = %q
  green_target_group_arn = %q
  active_color           = "green"
}
`, blue, green)
	listenerMode := func(extra string) string {
		return listener + fmt.Sprintf(`
resource "bluegreen_listener_switch" "test" {
  listener_arn           = aws_lb_listener.tcp.arn
  blue_target_group_arn  = %q
  green_target_group_arn = %q
  active_color           = "green"
  strategy = {
    type          = "canary"
    steps         = [25]
    step_interval = "1m"
  }
%s
}
`, blue, green, extra)
	}
	// nothingWritten: the NLB listener has its default rule only, no
	// switch's tag, and still all connections on blue.
	nothingWritten := func() {
		out, err := api.DescribeListeners(ctx, &elbv2.DescribeListenersInput{LoadBalancerArn: aws.String(lbARN)})
		if err != nil || len(out.Listeners) != 1 {
			t.Errorf("listeners of the NLB: %v, %v", out, err)
			return
		}
		l := aws.ToString(out.Listeners[0].ListenerArn)
		rules, err := api.DescribeRules(ctx, &elbv2.DescribeRulesInput{ListenerArn: aws.String(l)})
		if err != nil || len(rules.Rules) != 1 {
			t.Errorf("rules of the NLB listener after the refused apply: %v (err %v), want the default rule only", rules, err)
		}
		tags, err := api.DescribeTags(ctx, &elbv2.DescribeTagsInput{ResourceArns: []string{l}})
		if err != nil {
			t.Error(err)
		} else {
			for _, td := range tags.TagDescriptions {
				for _, tag := range td.Tags {
					if strings.HasPrefix(aws.ToString(tag.Key), "bluegreen:") {
						t.Errorf("the refused switch tagged the listener: %s=%s", aws.ToString(tag.Key), aws.ToString(tag.Value))
					}
				}
			}
		}
		if b, g, err := env.weights(testALB{ListenerARN: l, BlueARN: blue, GreenARN: green}); err != nil || b != 100 || g != 0 {
			t.Errorf("weights after the refused apply: %d/%d (%v), want 100/0", b, g, err)
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: ruleMode, ExpectError: regexp.MustCompile(`Rule mode on a Network Load Balancer`)},
			{
				PreConfig:   nothingWritten,
				Config:      listenerMode(`stickiness = { enabled = true }`),
				ExpectError: regexp.MustCompile(`Target group stickiness on a Network Load Balancer`),
			},
			{
				PreConfig: nothingWritten,
				Config:    listenerMode(""),
				Check: resource.ComposeAggregateTestCheckFunc(
					expectSwitchAttrs(map[string]string{"status": "stable", "blue_weight": "0", "green_weight": "100",
						"last_shift.result": "succeeded", "last_shift.steps.#": "2", "last_shift.steps.0.green_weight": "25"}),
				),
			},
		},
	})
}

// TestAccNLB_example applies examples/nlb-tcp as written (its aws_lb_listener
// by the test's stand-in for hashicorp/aws), on the sandbox's NLB with a
// demo app per color: first on blue, then a canary to green seen in real
// TCP connections at each step.
func TestAccNLB_example(t *testing.T) {
	f := newNLBFixtureWithoutListener(t, "nlb-example", true)
	raw, err := os.ReadFile(filepath.Join("..", "..", "examples", "nlb-tcp", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	if err := os.WriteFile(filepath.Join(work, "main.tf"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "fixture_test.tf"), []byte(fixtureProviders("registry.terraform.io")), 0o644); err != nil {
		t.Fatal(err)
	}
	vars := func(color string) config.Variables {
		return config.Variables{
			"nlb_arn": config.StringVariable(f.lb), "blue_target_group_arn": config.StringVariable(f.blue),
			"green_target_group_arn": config.StringVariable(f.green),
			"green_smoke_url":        config.StringVariable("http://" + f.greenAppAddr(t) + "/"),
			"active_color":           config.StringVariable(color),
		}
	}
	const sw = "bluegreen_listener_switch.tcp"
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: f.env.Factories,
		Steps: []resource.TestStep{
			{
				ConfigDirectory: config.StaticDirectory(work),
				ConfigVariables: vars("blue"),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(sw, "status", "stable"),
					resource.TestCheckOutput("weights", "100/0"),
					func(s *terraform.State) error {
						f.served(t, s.RootModule().Resources["aws_lb_listener.tcp"].Primary.Attributes["arn"])
						f.waitHealthy(t)
						return nil
					},
					f.expectAllTo("blue"),
				),
			},
			{
				PreConfig:       func() { f.takeLooks() },
				ConfigDirectory: config.StaticDirectory(work),
				ConfigVariables: vars("green"),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(sw, "status", "stable"),
					resource.TestCheckOutput("weights", "0/100"),
					func(*terraform.State) error {
						looks := f.takeLooks()
						var seen []string
						for _, l := range looks {
							if err := checkShare(l); err != nil {
								return err
							}
							seen = append(seen, fmt.Sprintf("%d/%d", l.blue, l.green))
						}
						if got := strings.Join(seen, " "); got != "90/10 50/50 0/100" {
							return fmt.Errorf("weights seen in connections: %q, want \"90/10 50/50 0/100\" (looks: %v)", got, looks)
						}
						return nil
					},
					f.expectAllTo("green"),
				),
			},
		},
	})
}
