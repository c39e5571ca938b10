package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	sbcw "github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/cloudwatch"
	sbelbv2 "github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/elbv2"
)

// TestAccExamples applies the configurations under examples/ that can run
// against the sandbox — from an empty state, in one apply — then checks what
// they built and destroys them:
//
//   - the bluegreen part of the flagship (examples/blue-green-alb/bluegreen),
//     with the flagship's own aws_lb_listener block (the recommended shape)
//     and target registrations standing in for its Auto Scaling groups;
//   - the module example (examples/modules/bluegreen-service), bootstrapped
//     the way its header describes: the listener and groups exist, the
//     groups are imported, then three releases;
//   - every resource example and the data-source example, each with a
//     fixture file giving what the snippet refers to (the listener in the
//     recommended shape, environment pairs, variables).
//
// The parts of examples that need real AWS or the reader's network (VPC, ALB,
// ASGs, a smoke-test URL, Prometheus) are stood in for by the test: a
// sandbox load balancer, loopback HTTP servers the example's URLs are
// pointed at, a fake aws provider with hashicorp/aws's aws_lb_listener and
// aws_lb_target_group_attachment schema (fakeaws_acc_test.go), a healthy
// fleet (every registered target passes its health check, but only while a
// listener uses its group, as on AWS) and steady, error-free traffic that
// flows by the listener's weights as the test clock passes.
func TestAccExamples(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("blue-green-alb", func(t *testing.T) { testExampleFlagship(t, root) })
	t.Run("resources/bluegreen_environment_pair", func(t *testing.T) {
		testExampleSnippet(t, root, "resources/bluegreen_environment_pair", "", func(t *testing.T, env *testEnv, lbARN string) string {
			return ""
		}, func(env *testEnv) resource.TestCheckFunc {
			return resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("bluegreen_environment_pair.web", "blue.version", "2.3.1"),
				resource.TestCheckResourceAttr("bluegreen_environment_pair.web", "green.version", "2.4.0"),
				resource.TestCheckResourceAttrSet("bluegreen_environment_pair.web", "green.target_group_arn"),
			)
		})
	})
	t.Run("resources/bluegreen_listener_switch", func(t *testing.T) {
		testExampleSnippet(t, root, "resources/bluegreen_listener_switch", "web-green-5xx", func(t *testing.T, env *testEnv, lbARN string) string {
			return fixturePair("web", 2) + fixturePair("api", 2) + fixtureListener(lbARN, "web")
		}, func(env *testEnv) resource.TestCheckFunc {
			return resource.ComposeAggregateTestCheckFunc(
				// The canary ran to green; the rule-mode switch stays on blue.
				resource.TestCheckResourceAttr("bluegreen_listener_switch.web", "active_color", "green"),
				resource.TestCheckResourceAttr("bluegreen_listener_switch.web", "green_weight", "100"),
				resource.TestCheckResourceAttr("bluegreen_listener_switch.web", "status", "stable"),
				resource.TestCheckResourceAttr("bluegreen_listener_switch.api", "blue_weight", "100"),
				resource.TestCheckResourceAttrSet("bluegreen_listener_switch.api", "rule_arn"),
				listenerForwardIs(env, "aws_lb_listener.http", "bluegreen_environment_pair.web", 0, 100),
			)
		})
	})
	t.Run("data-sources/bluegreen_listener_state", func(t *testing.T) {
		testExampleSnippet(t, root, "data-sources/bluegreen_listener_state", "", func(t *testing.T, env *testEnv, lbARN string) string {
			return fixturePair("web", 2) + fixtureListener(lbARN, "web")
		}, func(env *testEnv) resource.TestCheckFunc {
			return resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("data.bluegreen_listener_state.web", "active_color", "blue"),
				resource.TestCheckResourceAttr("data.bluegreen_listener_state.web", "idle_color", "green"),
				resource.TestCheckOutput("traffic", "0% on green"),
			)
		})
	})
	t.Run("resources/bluegreen_health_gate", func(t *testing.T) {
		// The example's smoke-test URL and Prometheus server live in the
		// reader's network: the test serves both on loopback and points the
		// example's URLs at them. The app answers only with the token the
		// example sends as a sensitive header.
		app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/version" || r.Header.Get("Authorization") != "Bearer s3cret-token" {
				http.Error(w, "forbidden", http.StatusForbidden)
				return
			}
			fmt.Fprint(w, `{"version":"1.1.0"}`)
		}))
		t.Cleanup(app.Close)
		var promQueries atomic.Int64
		prom := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			promQueries.Add(1)
			fmt.Fprint(w, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1767603600,"0.012"]}]}}`)
		}))
		t.Cleanup(prom.Close)
		rewrite := strings.NewReplacer(
			"https://green.internal.example.com", app.URL,
			"http://prometheus.monitoring:9090", prom.URL,
		).Replace
		testExampleSnippetRewritten(t, root, "resources/bluegreen_health_gate", "", rewrite, func(t *testing.T, env *testEnv, lbARN string) string {
			return fixturePair("web", 2) + fixtureListener(lbARN, "web") + `
variable "smoke_test_token" {
  type      = string
  sensitive = true
  default   = "s3cret-token"
}
`
		}, func(env *testEnv) resource.TestCheckFunc {
			return resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("bluegreen_health_gate.green", "last_results.#", "3"),
				resource.TestCheckResourceAttr("bluegreen_listener_switch.web", "active_color", "green"),
				resource.TestCheckResourceAttr("bluegreen_listener_switch.web", "green_weight", "100"),
				listenerForwardIs(env, "aws_lb_listener.http", "bluegreen_environment_pair.web", 0, 100),
				func(*terraform.State) error {
					if promQueries.Load() == 0 {
						return fmt.Errorf("the Prometheus checks never queried")
					}
					return nil
				},
			)
		})
	})
	t.Run("modules/bluegreen-service", func(t *testing.T) { testExampleModule(t, root) })
}

// TestAccExampleImports adopts an existing stack with the import {} blocks of
// examples/resources/*/import-by-string-id.tf (the ARNs in them replaced by
// the sandbox's), in one apply that also runs the switch example's canary.
func TestAccExampleImports(t *testing.T) {
	root, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	env, lbARN := newExamplesEnv(t)
	putOKAlarm(t, env, "web-green-5xx")
	ctx := context.Background()
	api := env.Clients.ELBv2
	tgs := map[string]string{}
	for _, name := range []string{"web-blue", "web-green", "api-blue", "api-green"} {
		out, err := api.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{
			Name: aws.String(name), Port: aws.Int32(8080), Protocol: "HTTP", VpcId: aws.String("vpc-0123456789abcdef0"), TargetType: "ip",
		})
		if err != nil {
			t.Fatal(err)
		}
		tgs[name] = aws.ToString(out.TargetGroups[0].TargetGroupArn)
	}
	l, err := api.CreateListener(ctx, &elbv2.CreateListenerInput{
		LoadBalancerArn: aws.String(lbARN), Port: aws.Int32(80), Protocol: "HTTP",
		DefaultActions: []elbv2types.Action{forwardAction(tgs["web-blue"], 100, tgs["web-green"], 0)},
	})
	if err != nil {
		t.Fatal(err)
	}
	listenerARN := aws.ToString(l.Listeners[0].ListenerArn)
	rule, err := api.CreateRule(ctx, &elbv2.CreateRuleInput{
		ListenerArn: aws.String(listenerARN), Priority: aws.Int32(100),
		Conditions: []elbv2types.RuleCondition{{Field: aws.String("path-pattern"), PathPatternConfig: &elbv2types.PathPatternConditionConfig{Values: []string{"/api/*"}}}},
		Actions:    []elbv2types.Action{forwardAction(tgs["api-blue"], 100, tgs["api-green"], 0)},
	})
	if err != nil {
		t.Fatal(err)
	}
	ruleARN := aws.ToString(rule.Rules[0].RuleArn)

	work := t.TempDir()
	copyExample := func(dir, file string, replace func(string) string) {
		raw, err := os.ReadFile(filepath.Join(root, dir, file))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(work, strings.ReplaceAll(dir, "/", "_")+"_"+file), []byte(replace(string(raw))), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	arns := regexp.MustCompile(`"arn:aws:elasticloadbalancing:[^"]*:(listener|listener-rule)/[^"]*"`)
	copyExample("resources/bluegreen_listener_switch", "resource.tf", func(s string) string { return s })
	copyExample("resources/bluegreen_listener_switch", "import-by-string-id.tf", func(s string) string {
		return arns.ReplaceAllStringFunc(s, func(m string) string {
			if strings.Contains(m, ":listener-rule/") {
				return fmt.Sprintf("%q", ruleARN)
			}
			return fmt.Sprintf("%q", listenerARN)
		})
	})
	copyExample("resources/bluegreen_environment_pair", "import-by-string-id.tf", func(s string) string { return s })
	fixture := fixtureProviders("registry.terraform.io") + fixturePair("web", 2) + fixturePair("api", 2) + fixtureListener(lbARN, "web") + fmt.Sprintf(`
import {
  to = bluegreen_environment_pair.api
  id = "api"
}

import {
  to = aws_lb_listener.http
  id = %q
}
`, listenerARN)
	if err := os.WriteFile(filepath.Join(work, "fixture_test.tf"), []byte(fixture), 0o644); err != nil {
		t.Fatal(err)
	}
	a := testALB{ListenerARN: listenerARN, BlueARN: tgs["web-blue"], GreenARN: tgs["web-green"]}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{{
			ConfigDirectory: config.StaticDirectory(work),
			Check: resource.ComposeAggregateTestCheckFunc(
				// Adopted, not re-created.
				resource.TestCheckResourceAttr("bluegreen_environment_pair.web", "blue.target_group_arn", tgs["web-blue"]),
				resource.TestCheckResourceAttr("bluegreen_environment_pair.api", "green.target_group_arn", tgs["api-green"]),
				resource.TestCheckResourceAttr("bluegreen_listener_switch.web", "listener_arn", listenerARN),
				resource.TestCheckResourceAttr("bluegreen_listener_switch.api", "rule_arn", ruleARN),
				// And the same apply ran the canary to green.
				resource.TestCheckResourceAttr("bluegreen_listener_switch.web", "active_color", "green"),
				func(*terraform.State) error {
					b, g, err := env.weights(a)
					if err != nil || b != 0 || g != 100 {
						return fmt.Errorf("listener weights blue=%d green=%d (%v), want 0/100", b, g, err)
					}
					return nil
				},
			),
		}},
	})
}

// examplesNamespace is the registry namespace the tests serve providers
// under (make testacc sets TF_ACC_PROVIDER_NAMESPACE=bluegreen-tf).
func examplesNamespace() string {
	if ns := os.Getenv("TF_ACC_PROVIDER_NAMESPACE"); ns != "" {
		return ns
	}
	return "hashicorp"
}

// newExamplesEnv is a sandbox with a healthy fleet, steady traffic, a load
// balancer, and the fake aws provider.
func newExamplesEnv(t *testing.T) (*testEnv, string) {
	t.Helper()
	tr := &trafficSim{}
	env := newTestSandbox(t, func(c *testEnvConfig) {
		c.wrapClock = func(env *testEnv, base clock.Clock) clock.Clock {
			tr.env, tr.until = env, testClockStart
			return &trafficClock{Clock: base, sim: tr}
		}
		c.extra = map[string]func(env *testEnv) func() (tfprotov6.ProviderServer, error){
			"aws": func(env *testEnv) func() (tfprotov6.ProviderServer, error) {
				return providerserver.NewProtocol6WithError(&fakeAWSProvider{api: env.Clients.ELBv2})
			},
		}
	})
	healthyFleet(env)
	lb, err := env.Clients.ELBv2.CreateLoadBalancer(context.Background(), &elbv2.CreateLoadBalancerInput{
		Name: aws.String("web"), Subnets: []string{"subnet-0a000001", "subnet-0b000002"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return env, aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)
}

// healthyFleet makes every registered target pass its health checks: after
// each change the sandbox records it as checked healthy, which
// DescribeTargetHealth reports only while a listener uses the target's group
// (otherwise it reports unused, as AWS does).
func healthyFleet(env *testEnv) {
	svc := env.Sandbox.ELBv2()
	svc.SetOnChange(func(string) {
		for _, tg := range svc.TargetGroups() {
			for _, tgt := range tg.Targets {
				_ = svc.SetCheckedHealth(tg.ARN, tgt.ID, 0, "healthy", "", "")
			}
		}
	})
}

// trafficSim publishes steady, error-free ALB traffic — 1000 requests per 10 s
// per listener, split by the forward's weights — for the time that passed
// on the test clock, into the sandbox's CloudWatch.
type trafficSim struct {
	mu    sync.Mutex
	env   *testEnv
	until time.Time
}

func (s *trafficSim) flow(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	svc := s.env.Sandbox.ELBv2()
	for ; !s.until.Add(10 * time.Second).After(now); s.until = s.until.Add(10 * time.Second) {
		for _, l := range svc.Listeners() {
			acts := append([]sbelbv2.ActionSnapshot(nil), l.DefaultActions...)
			for _, r := range svc.Rules(l.ARN) {
				if !r.IsDefault {
					acts = append(acts, r.Actions...)
				}
			}
			lb := strings.SplitN(l.LoadBalancerARN, ":loadbalancer/", 2)[1]
			for _, a := range acts {
				var total int32
				for _, tg := range a.TargetGroups {
					total += tg.Weight
				}
				for _, tg := range a.TargetGroups {
					if tg.Weight == 0 || total == 0 {
						continue
					}
					dims := map[string]string{"LoadBalancer": lb, "TargetGroup": "targetgroup/" + strings.SplitN(tg.TargetGroupARN, ":targetgroup/", 2)[1]}
					n := float64(1000 * tg.Weight / total)
					s.env.Sandbox.PublishMetrics(
						sbcw.Datapoint{Namespace: "AWS/ApplicationELB", MetricName: "RequestCount", Dimensions: dims, Timestamp: s.until, Values: []float64{n}, Unit: "Count"},
						sbcw.Datapoint{Namespace: "AWS/ApplicationELB", MetricName: "HTTPCode_Target_5XX_Count", Dimensions: dims, Timestamp: s.until, Values: []float64{0}, Unit: "Count"},
						sbcw.Datapoint{Namespace: "AWS/ApplicationELB", MetricName: "TargetResponseTime", Dimensions: dims, Timestamp: s.until, Values: []float64{0.05}, Unit: "Seconds"},
					)
				}
			}
		}
	}
}

// trafficClock is the provider's clock in the examples test: the shared fake
// clock, and traffic flows for each interval a Sleep lets pass.
type trafficClock struct {
	clock.Clock
	sim *trafficSim
}

func (c *trafficClock) Sleep(ctx context.Context, d time.Duration) error {
	err := c.Clock.Sleep(ctx, d)
	c.sim.flow(c.Now())
	return err
}

// fixturePair is an environment pair with n IP targets per color.
func fixturePair(name string, n int) string {
	targets := func(octet int) string {
		var b strings.Builder
		for i := 1; i <= n; i++ {
			fmt.Fprintf(&b, "{ id = \"10.0.%d.%d\" }, ", octet, i)
		}
		return b.String()
	}
	return fmt.Sprintf(`
resource "bluegreen_environment_pair" %[1]q {
  name   = %[1]q
  vpc_id = "vpc-0123456789abcdef0"
  port   = 8080
  blue   = { version = "1.0.0", targets = [%[2]s] }
  green  = { version = "1.1.0", targets = [%[3]s] }
}
`, name, targets(1), targets(2))
}

// fixtureListener is aws_lb_listener.http in the recommended shape: a
// forward to both groups of a pair, blue 100 and green 0, default action
// ignored.
func fixtureListener(lbARN, pair string) string {
	return fmt.Sprintf(`
resource "aws_lb_listener" "http" {
  load_balancer_arn = %q
  port              = 80
  protocol          = "HTTP"
  default_action {
    type = "forward"
    forward {
      target_group {
        arn    = bluegreen_environment_pair.%[2]s.blue.target_group_arn
        weight = 100
      }
      target_group {
        arn    = bluegreen_environment_pair.%[2]s.green.target_group_arn
        weight = 0
      }
    }
  }
  lifecycle {
    ignore_changes = [default_action]
  }
}
`, lbARN, pair)
}

// fixtureProviders declares the providers. host "" leaves the registry host
// to the CLI (registry.opentofu.org for OpenTofu), as the examples' modules
// do; plugin-testing serves its providers on registry.terraform.io only.
func fixtureProviders(host string) string {
	ns := examplesNamespace()
	if host != "" {
		ns = host + "/" + ns
	}
	return fmt.Sprintf(`
terraform {
  required_providers {
    aws       = { source = "%[1]s/aws" }
    bluegreen = { source = "%[1]s/bluegreen" }
  }
}

variable "green_version" {
  type    = string
  default = "1.1.0"
}
`, ns)
}

// testExampleSnippet applies one example directory with a fixture file,
// in one apply from an empty state, checks it, re-plans to an empty plan,
// and destroys it.
func testExampleSnippet(t *testing.T, root, dir, alarm string, fixture func(*testing.T, *testEnv, string) string, check func(*testEnv) resource.TestCheckFunc) {
	t.Helper()
	testExampleSnippetRewritten(t, root, dir, alarm, func(s string) string { return s }, fixture, check)
}

// testExampleSnippetRewritten is testExampleSnippet with the example's text
// passed through rewrite (e.g. its URLs pointed at test servers).
func testExampleSnippetRewritten(t *testing.T, root, dir, alarm string, rewrite func(string) string, fixture func(*testing.T, *testEnv, string) string, check func(*testEnv) resource.TestCheckFunc) {
	t.Helper()
	env, lbARN := newExamplesEnv(t)
	if alarm != "" {
		putOKAlarm(t, env, alarm)
	}
	work := t.TempDir()
	files, err := filepath.Glob(filepath.Join(root, dir, "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .tf files in examples/%s: %v", dir, err)
	}
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), "import") {
			continue // import {} blocks adopt existing objects: TestAccExampleImports
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(work, filepath.Base(f)), []byte(rewrite(string(raw))), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(work, "fixture_test.tf"), []byte(fixtureProviders("registry.terraform.io")+fixture(t, env, lbARN)), 0o644); err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{ConfigDirectory: config.StaticDirectory(work), Check: check(env)},
		},
	})
}

func putOKAlarm(t *testing.T, env *testEnv, name string) {
	t.Helper()
	if _, err := env.Clients.CloudWatch.PutMetricAlarm(context.Background(), &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String(name), Namespace: aws.String("AWS/ApplicationELB"), MetricName: aws.String("HTTPCode_Target_5XX_Count"),
		Statistic: cwtypes.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(10),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold,
	}); err != nil {
		t.Fatal(err)
	}
	if err := env.Sandbox.SetAlarmState(name, "OK", "examples test"); err != nil {
		t.Fatal(err)
	}
}

// flagshipListener returns the aws_lb_listener "http" block of the
// flagship's main.tf, as written there, on the test's load balancer.
func flagshipListener(t *testing.T, root, lbARN string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "blue-green-alb", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?ms)^resource "aws_lb_listener" "http" \{\n.*?^\}\n`).Find(raw)
	if m == nil {
		t.Fatal(`examples/blue-green-alb/main.tf has no resource "aws_lb_listener" "http" block`)
	}
	block := string(m)
	if !strings.Contains(block, "aws_lb.web.arn") {
		t.Fatal("the flagship's listener no longer uses aws_lb.web.arn; update this test")
	}
	return strings.Replace(block, "aws_lb.web.arn", fmt.Sprintf("%q", lbARN), 1)
}

func testExampleFlagship(t *testing.T, root string) {
	t.Parallel()
	cli := cliPath(t)
	env, lbARN := newExamplesEnv(t)
	putOKAlarm(t, env, "web-target-5xx")
	dir := t.TempDir()
	main := fixtureProviders("") + fmt.Sprintf(`
variable "active_color" {
  type    = string
  default = "blue"
}

module "bluegreen" {
  source       = %q
  name         = "web"
  vpc_id       = "vpc-0123456789abcdef0"
  listener_arn = aws_lb_listener.http.arn
  active_color = var.active_color
  versions     = { blue = "2.3.1", green = "2.4.0" }
  fleets = {
    blue  = join(",", aws_lb_target_group_attachment.blue[*].id)
    green = join(",", aws_lb_target_group_attachment.green[*].id)
  }
  alarm_names = ["web-target-5xx"]
}

# What the flagship's Auto Scaling groups do: register two instances with
# their color's group.
resource "aws_lb_target_group_attachment" "blue" {
  count            = 2
  target_group_arn = module.bluegreen.blue_target_group_arn
  target_id        = "i-0b1000000000000${count.index}"
}

resource "aws_lb_target_group_attachment" "green" {
  count            = 2
  target_group_arn = module.bluegreen.green_target_group_arn
  target_id        = "i-0c2000000000000${count.index}"
}

output "status" {
  value = module.bluegreen.status
}

`, filepath.Join(root, "blue-green-alb", "bluegreen")) + flagshipListener(t, root, lbARN)
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	tf := newReattachedCLI(t, cli, dir, env.Factories)
	tf.run("init", "-input=false")

	// First contact: everything from an empty state in one apply. Both gates
	// pass (green's targets are health-checked because the listener forwards
	// to green at weight 0) and the switch adopts the listener on blue
	// without moving traffic.
	tf.run("apply", "-auto-approve", "-input=false")
	pair := tf.pairARNs("module.bluegreen.bluegreen_environment_pair.this")
	listener := tf.stateAttr("aws_lb_listener.http", "arn")
	a := testALB{ListenerARN: listener, BlueARN: pair[0], GreenARN: pair[1]}
	expectEnvWeights(t, env, a, 100, 0)
	tf.expectOutput("status", "active_color", "blue")
	// The next plan is empty: the switch owns the weights and the listener
	// ignores them.
	tf.expectEmptyPlan()

	// The release: the canary to green, watched by the metrics and the alarm.
	tf.run("apply", "-auto-approve", "-input=false", "-var=active_color=green")
	expectEnvWeights(t, env, a, 0, 100)
	tf.expectOutput("status", "active_color", "green")
	tf.expectOutput("status", "status", "stable")
	tf.expectEmptyPlan("-var=active_color=green")

	tf.run("destroy", "-auto-approve", "-input=false", "-var=active_color=green")
	if _, ok := env.Sandbox.ELBv2().Listener(listener); ok {
		t.Errorf("destroy left the listener %s", listener)
	}
	for _, arn := range pair {
		if _, ok := env.Sandbox.ELBv2().TargetGroup(arn); ok {
			t.Errorf("destroy left the target group %s", arn)
		}
	}
}

// testExampleModule applies examples/modules/bluegreen-service the way its
// header says it bootstraps: the listener (recommended shape) and the
// <name>-blue/<name>-green groups exist, and the root module imports the
// groups into the module's pair. The first apply deploys app_version to the
// idle color and promotes it; re-applying the same version moves nothing; a
// new version goes to the other color and is promoted.
func testExampleModule(t *testing.T, root string) {
	t.Parallel()
	cli := cliPath(t)
	env, lbARN := newExamplesEnv(t)
	ctx := context.Background()
	api := env.Clients.ELBv2
	tgs := map[string]string{}
	for _, color := range []string{"blue", "green"} {
		out, err := api.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{
			Name: aws.String("payments-" + color), Port: aws.Int32(8080), Protocol: "HTTP", TargetType: "ip",
			VpcId: aws.String("vpc-0123456789abcdef0"),
		})
		if err != nil {
			t.Fatal(err)
		}
		tgs[color] = aws.ToString(out.TargetGroups[0].TargetGroupArn)
	}
	l, err := api.CreateListener(ctx, &elbv2.CreateListenerInput{
		LoadBalancerArn: aws.String(lbARN), Port: aws.Int32(80), Protocol: "HTTP",
		DefaultActions: []elbv2types.Action{forwardAction(tgs["blue"], 100, tgs["green"], 0)},
	})
	if err != nil {
		t.Fatal(err)
	}
	a := testALB{ListenerARN: aws.ToString(l.Listeners[0].ListenerArn), BlueARN: tgs["blue"], GreenARN: tgs["green"]}
	dir := t.TempDir()
	main := fixtureProviders("") + fmt.Sprintf(`
variable "app_version" {
  type = string
}

import {
  to = module.payments.bluegreen_environment_pair.this
  id = "payments"
}

module "payments" {
  source       = %q
  name         = "payments"
  listener_arn = %q
  vpc_id       = "vpc-0123456789abcdef0"
  app_version  = var.app_version
  promote      = true
  targets      = { blue = ["10.0.1.10", "10.0.2.10"], green = ["10.0.1.20", "10.0.2.20"] }
}

output "live_color" {
  value = module.payments.live_color
}
`, filepath.Join(root, "modules", "bluegreen-service"), a.ListenerARN)
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	tf := newReattachedCLI(t, cli, dir, env.Factories)
	tf.run("init", "-input=false")
	liveColor := func() string {
		var v string
		if err := json.Unmarshal([]byte(tf.run("output", "-json", "live_color")), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}

	// 2.4.0 goes to the idle color (green) and is promoted.
	tf.run("apply", "-auto-approve", "-input=false", "-var=app_version=2.4.0")
	expectEnvWeights(t, env, a, 0, 100)
	if c := liveColor(); c != "green" {
		t.Fatalf("live_color = %q after the first release, want green", c)
	}
	if v := tf.resourceValues("module.payments.bluegreen_environment_pair.this")["green"].(map[string]any)["version"]; v != "2.4.0" {
		t.Fatalf("green runs %v, want 2.4.0", v)
	}
	// The import found blue, serving, with another health check than the
	// module's: it waited for blue (idle color first). The promotion made
	// blue idle, so this apply gives it to blue; nothing moves.
	tf.run("apply", "-auto-approve", "-input=false", "-var=app_version=2.4.0")
	expectEnvWeights(t, env, a, 0, 100)
	// The live color runs the wanted version: nothing moves.
	tf.expectEmptyPlan("-var=app_version=2.4.0")

	// 2.5.0 goes to blue, now idle, and is promoted.
	tf.run("apply", "-auto-approve", "-input=false", "-var=app_version=2.5.0")
	expectEnvWeights(t, env, a, 100, 0)
	if c := liveColor(); c != "blue" {
		t.Fatalf("live_color = %q after the second release, want blue", c)
	}
	tf.expectEmptyPlan("-var=app_version=2.5.0")

	// The listener is not the module's: point it elsewhere first, or AWS
	// refuses to delete the groups it forwards to (ResourceInUse).
	if _, err := api.ModifyListener(ctx, &elbv2.ModifyListenerInput{ListenerArn: aws.String(a.ListenerARN),
		DefaultActions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumFixedResponse,
			FixedResponseConfig: &elbv2types.FixedResponseActionConfig{StatusCode: aws.String("503")}}}}); err != nil {
		t.Fatal(err)
	}
	// -refresh=false: the module's live-color read would fail on a listener
	// that no longer forwards to the pair (the module header says so).
	tf.run("destroy", "-auto-approve", "-input=false", "-refresh=false", "-var=app_version=2.5.0")
	for _, arn := range tgs {
		if _, ok := env.Sandbox.ELBv2().TargetGroup(arn); ok {
			t.Errorf("destroy left the target group %s", arn)
		}
	}
}

func expectEnvWeights(t *testing.T, env *testEnv, a testALB, blue, green int32) {
	t.Helper()
	b, g, err := env.weights(a)
	if err != nil {
		t.Fatal(err)
	}
	if b != blue || g != green {
		t.Fatalf("the sandbox listener forwards blue=%d green=%d, want blue=%d green=%d", b, g, blue, green)
	}
}

// reattachedCLI runs the Terraform/OpenTofu CLI in a directory of its own
// against providers served from this test process (TF_REATTACH_PROVIDERS),
// as plugin-testing does, but with a full terraform init, so that local
// modules are installed (plugin-testing's init sees only the provider
// configuration).
type reattachedCLI struct {
	t        *testing.T
	cli, dir string
	reattach string
}

func newReattachedCLI(t *testing.T, cli, dir string, factories map[string]func() (tfprotov6.ProviderServer, error)) *reattachedCLI {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	type addr struct{ Network, String string }
	type rc struct {
		Protocol        string
		ProtocolVersion int
		Pid             int
		Test            bool
		Addr            addr
	}
	reattach := map[string]rc{}
	var closers []chan struct{}
	for name, f := range factories {
		srv, err := f()
		if err != nil {
			t.Fatal(err)
		}
		cfgCh := make(chan *plugin.ReattachConfig)
		closeCh := make(chan struct{})
		closers = append(closers, closeCh)
		go func() {
			err := tf6server.Serve("registry.terraform.io/"+examplesNamespace()+"/"+name, func() tfprotov6.ProviderServer { return srv },
				tf6server.WithDebug(ctx, cfgCh, closeCh), tf6server.WithGoPluginLogger(hclog.NewNullLogger()),
				tf6server.WithLoggingSink(t))
			if err != nil {
				t.Errorf("serving %s: %v", name, err)
			}
		}()
		c := <-cfgCh
		// Both registry hosts: Terraform resolves "ns/name" on
		// registry.terraform.io, OpenTofu on registry.opentofu.org.
		for _, host := range []string{"registry.terraform.io", "registry.opentofu.org"} {
			reattach[host+"/"+examplesNamespace()+"/"+name] = rc{
				Protocol: string(c.Protocol), ProtocolVersion: c.ProtocolVersion, Pid: c.Pid, Test: true,
				Addr: addr{Network: c.Addr.Network(), String: c.Addr.String()},
			}
		}
	}
	t.Cleanup(func() {
		cancel()
		for _, c := range closers {
			<-c
		}
	})
	raw, err := json.Marshal(reattach)
	if err != nil {
		t.Fatal(err)
	}
	return &reattachedCLI{t: t, cli: cli, dir: dir, reattach: string(raw)}
}

func (r *reattachedCLI) cmd(args ...string) *exec.Cmd {
	c := exec.Command(r.cli, args...)
	c.Dir = r.dir
	c.Env = append(os.Environ(), "TF_REATTACH_PROVIDERS="+r.reattach, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
	return c
}

func (r *reattachedCLI) run(args ...string) string {
	r.t.Helper()
	out, err := r.cmd(append(args, "-no-color")...).CombinedOutput()
	if err != nil {
		r.t.Fatalf("%s %s: %v\n%s", filepath.Base(r.cli), strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (r *reattachedCLI) expectEmptyPlan(args ...string) {
	r.t.Helper()
	out, err := r.cmd(append([]string{"plan", "-input=false", "-no-color", "-detailed-exitcode"}, args...)...).CombinedOutput()
	if err != nil {
		r.t.Fatalf("the plan after the apply is not empty (%v):\n%s", err, out)
	}
}

func (r *reattachedCLI) show() map[string]any {
	r.t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(r.run("show", "-json")), &v); err != nil {
		r.t.Fatal(err)
	}
	return v
}

// resourceValues finds a resource in `show -json` by address.
func (r *reattachedCLI) resourceValues(address string) map[string]any {
	r.t.Helper()
	var walk func(m map[string]any) map[string]any
	walk = func(m map[string]any) map[string]any {
		rs, _ := m["resources"].([]any)
		for _, x := range rs {
			res := x.(map[string]any)
			if res["address"] == address {
				return res["values"].(map[string]any)
			}
		}
		cs, _ := m["child_modules"].([]any)
		for _, c := range cs {
			if v := walk(c.(map[string]any)); v != nil {
				return v
			}
		}
		return nil
	}
	st := r.show()
	v, _ := st["values"].(map[string]any)
	if v == nil {
		r.t.Fatalf("empty state")
	}
	root := v["root_module"].(map[string]any)
	if found := walk(root); found != nil {
		return found
	}
	r.t.Fatalf("%s not in state", address)
	return nil
}

func (r *reattachedCLI) stateAttr(address, attr string) string {
	r.t.Helper()
	return fmt.Sprint(r.resourceValues(address)[attr])
}

func (r *reattachedCLI) pairARNs(address string) [2]string {
	r.t.Helper()
	v := r.resourceValues(address)
	return [2]string{
		fmt.Sprint(v["blue"].(map[string]any)["target_group_arn"]),
		fmt.Sprint(v["green"].(map[string]any)["target_group_arn"]),
	}
}

func (r *reattachedCLI) expectOutput(name, key, want string) {
	r.t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(r.run("output", "-json", name)), &v); err != nil {
		r.t.Fatal(err)
	}
	if got := fmt.Sprint(v[key]); got != want {
		r.t.Fatalf("output %s.%s = %q, want %q (%v)", name, key, got, want, v)
	}
}

// listenerForwardIs checks the sandbox listener of a state resource forwards
// to the pair's groups with the given weights.
func listenerForwardIs(env *testEnv, listener, pair string, blue, green int32) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		l, ok := s.RootModule().Resources[listener]
		if !ok {
			return fmt.Errorf("%s not in state", listener)
		}
		p, ok := findResource(s, pair)
		if !ok {
			return fmt.Errorf("%s not in state", pair)
		}
		a := testALB{ListenerARN: l.Primary.ID, BlueARN: p.Primary.Attributes["blue.target_group_arn"], GreenARN: p.Primary.Attributes["green.target_group_arn"]}
		b, g, err := env.weights(a)
		if err != nil {
			return err
		}
		if b != blue || g != green {
			return fmt.Errorf("the sandbox listener forwards blue=%d green=%d, want blue=%d green=%d", b, g, blue, green)
		}
		return nil
	}
}

// findResource finds a resource by its full address, in any module.
func findResource(s *terraform.State, address string) (*terraform.ResourceState, bool) {
	for _, m := range s.Modules {
		prefix := strings.Join(m.Path[1:], ".")
		for k, r := range m.Resources {
			addr := k
			if len(m.Path) > 1 {
				addr = "module." + strings.ReplaceAll(prefix, ".", ".module.") + "." + k
			}
			if addr == address {
				return r, true
			}
		}
	}
	return nil, false
}
