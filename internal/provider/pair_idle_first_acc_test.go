package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// idleFirstLB is a load balancer whose listener answers 404 by default: the
// switch (rule mode) forwards to the pair's groups through a rule.
func idleFirstLB(t *testing.T, env *testEnv, name string, port int32) (lbARN, listenerARN string) {
	t.Helper()
	ctx := context.Background()
	api := env.Clients.ELBv2
	lb, err := api.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String(name), Subnets: []string{"subnet-0a000001", "subnet-0b000002"}})
	if err != nil {
		t.Fatal(err)
	}
	lbARN = aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)
	l, err := api.CreateListener(ctx, &elbv2.CreateListenerInput{
		LoadBalancerArn: aws.String(lbARN), Port: aws.Int32(port), Protocol: "HTTP",
		DefaultActions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumFixedResponse,
			FixedResponseConfig: &elbv2types.FixedResponseActionConfig{StatusCode: aws.String("404")}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return lbARN, aws.ToString(l.Listeners[0].ListenerArn)
}

// groupHealthPath is a group's health check path as the sandbox holds it.
func groupHealthPath(env *testEnv, s *terraform.State, color string) (string, error) {
	arn := s.RootModule().Resources[pairRes].Primary.Attributes[color+".target_group_arn"]
	tg, ok := env.Sandbox.ELBv2().TargetGroup(arn)
	if !ok {
		return "", fmt.Errorf("%s group %s not in the sandbox", color, arn)
	}
	return tg.HealthCheck.Path, nil
}

func expectHealthPaths(env *testEnv, blue, green string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for color, want := range map[string]string{"blue": blue, "green": green} {
			got, err := groupHealthPath(env, s, color)
			if err != nil {
				return err
			}
			if got != want {
				return fmt.Errorf("%s's group has health check path %q in AWS, want %q", color, got, want)
			}
		}
		return nil
	}
}

// TestAccPairIdleFirst_healthCheckWaitsForServingColor: while blue serves,
// a new health_check.path goes to green at once and waits for blue (the plan
// lists it in deferred); the shift to green makes blue idle, and the next
// apply gives blue the new path. Blue's group is read from the sandbox after
// every step.
func TestAccPairIdleFirst_healthCheckWaitsForServingColor(t *testing.T) {
	env := newTestSandbox(t)
	_, listener := idleFirstLB(t, env, "idle-hc", 80)
	pair := func(path string) string {
		return fmt.Sprintf(`
resource "bluegreen_environment_pair" "test" {
  name         = "idle-hc"
  vpc_id       = "vpc-0123456789abcdef0"
  port         = 8080
  health_check = { path = %q, interval = "10s" }
  blue  = { version = "1.0.0", targets = [{ id = "10.0.0.1" }] }
  green = { version = "2.0.0", targets = [{ id = "10.0.0.2" }] }
}
`, path)
	}
	withSwitch := func(path, active string) string {
		return pair(path) + fmt.Sprintf(`
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
	pinHealthy := func() {
		st := env.Sandbox.ELBv2()
		for _, tg := range st.TargetGroups() {
			for _, tgt := range tg.Targets {
				if err := env.Sandbox.SetTargetHealth(tg.ARN, tgt.ID, 0, "healthy", "", ""); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	deferredPath := knownvalue.ListExact([]knownvalue.Check{knownvalue.ObjectExact(map[string]knownvalue.Check{
		"color": knownvalue.StringExact("blue"), "setting": knownvalue.StringExact("health_check.path"),
		"applied": knownvalue.StringExact("/"), "wanted": knownvalue.StringExact("/healthz"),
	})})
	applied := func(color string) tfjsonpath.Path {
		return tfjsonpath.New(color).AtMapKey("applied").AtMapKey("health_check").AtMapKey("path")
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: pair("/"), Check: expectHealthPaths(env, "/", "/")},
			{
				// Blue serves through the switch's rule.
				PreConfig: pinHealthy,
				Config:    withSwitch("/", "blue"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(switchRes, tfjsonpath.New("blue_weight"), knownvalue.Int64Exact(100)),
				},
			},
			{
				// v2 introduces /healthz: green gets it, blue keeps "/".
				Config: withSwitch("/healthz", "blue"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(pairRes, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(pairRes, tfjsonpath.New("blue").AtMapKey("serving"), knownvalue.Bool(true)),
					plancheck.ExpectKnownValue(pairRes, tfjsonpath.New("green").AtMapKey("serving"), knownvalue.Bool(false)),
					plancheck.ExpectKnownValue(pairRes, applied("blue"), knownvalue.StringExact("/")),
					plancheck.ExpectKnownValue(pairRes, applied("green"), knownvalue.StringExact("/healthz")),
					plancheck.ExpectKnownValue(pairRes, tfjsonpath.New("deferred"), deferredPath),
				}},
				Check: expectHealthPaths(env, "/", "/healthz"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(pairRes, tfjsonpath.New("health_check").AtMapKey("path"), knownvalue.StringExact("/healthz")),
					statecheck.ExpectKnownValue(pairRes, tfjsonpath.New("deferred"), deferredPath),
					statecheck.ExpectKnownValue(pairRes, tfjsonpath.New("colors_differ_in"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("health_check")})),
				},
			},
			{
				// The shift: blue still serves when this apply's refresh
				// runs, so the pair changes nothing; afterwards blue is
				// idle and the next plan gives it the path.
				Config: withSwitch("/healthz", "green"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(pairRes, plancheck.ResourceActionNoop)},
					PostApplyPostRefresh: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(pairRes, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(pairRes, tfjsonpath.New("blue").AtMapKey("serving"), knownvalue.Bool(false)),
						plancheck.ExpectKnownValue(pairRes, tfjsonpath.New("green").AtMapKey("serving"), knownvalue.Bool(true)),
						plancheck.ExpectKnownValue(pairRes, applied("blue"), knownvalue.StringExact("/healthz")),
						plancheck.ExpectKnownValue(pairRes, tfjsonpath.New("deferred"), knownvalue.ListExact([]knownvalue.Check{})),
					},
				},
				ExpectNonEmptyPlan: true,
				Check:              expectHealthPaths(env, "/", "/healthz"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(switchRes, tfjsonpath.New("green_weight"), knownvalue.Int64Exact(100)),
				},
			},
			{
				// The first apply after the shift gives blue the path.
				Config: withSwitch("/healthz", "green"),
				Check:  expectHealthPaths(env, "/healthz", "/healthz"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(pairRes, tfjsonpath.New("deferred"), knownvalue.ListExact([]knownvalue.Check{})),
					statecheck.ExpectKnownValue(pairRes, tfjsonpath.New("colors_differ_in"), knownvalue.ListExact([]knownvalue.Check{})),
					statecheck.ExpectKnownValue(pairRes, applied("blue"), knownvalue.StringExact("/healthz")),
				},
			},
		},
	})
}

// TestAccPairIdleFirst_namePrefixAllowsCreateBeforeDestroy: a pair named by
// name_prefix is replaced (port change) under create_before_destroy: the new
// groups get names of their own while the old ones exist, and the old ones
// are deleted afterwards. With a fixed name the same change cannot create
// the new groups (the names are taken) and changes nothing.
func TestAccPairIdleFirst_namePrefixAllowsCreateBeforeDestroy(t *testing.T) {
	env := newTestSandbox(t)
	cfg := func(naming string, port int) string {
		return fmt.Sprintf(`
resource "bluegreen_environment_pair" "test" {
  %s
  vpc_id = "vpc-0123456789abcdef0"
  port   = %d
  blue   = { targets = [{ id = "10.0.0.1" }] }
  green  = { targets = [{ id = "10.0.0.2" }] }
  lifecycle {
    create_before_destroy = true
  }
}
`, naming, port)
	}
	var first map[string]string
	remember := func(s *terraform.State) error {
		a := s.RootModule().Resources[pairRes].Primary.Attributes
		first = map[string]string{"name": a["name"], "blue": a["blue.target_group_arn"], "green": a["green.target_group_arn"]}
		if !regexp.MustCompile(`^cbd-[a-z0-9]{8}$`).MatchString(a["name"]) || a["blue.name"] != a["name"]+"-blue" {
			return fmt.Errorf("name %q, blue group %q: want cbd-<8 generated characters> and <name>-blue", a["name"], a["blue.name"])
		}
		return nil
	}
	replaced := func(s *terraform.State) error {
		a := s.RootModule().Resources[pairRes].Primary.Attributes
		if a["name"] == first["name"] || !strings.HasPrefix(a["name"], "cbd-") {
			return fmt.Errorf("the replacement is named %q (the first pair %q)", a["name"], first["name"])
		}
		for _, c := range []string{"blue", "green"} {
			if _, ok := env.Sandbox.ELBv2().TargetGroup(first[c]); ok {
				return fmt.Errorf("the old %s group %s still exists", c, first[c])
			}
			tg, ok := env.Sandbox.ELBv2().TargetGroup(a[c+".target_group_arn"])
			if !ok || tg.Port != 9090 {
				return fmt.Errorf("the new %s group %s: exists %v, port %d", c, a[c+".target_group_arn"], ok, tg.Port)
			}
		}
		return nil
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: cfg(`name_prefix = "cbd-"`, 8080), Check: remember},
			{
				Config: cfg(`name_prefix = "cbd-"`, 9090),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(pairRes, plancheck.ResourceActionCreateBeforeDestroy),
				}},
				Check: replaced,
			},
			{Config: cfg(`name = "cbdfixed"`, 8080)},
			{
				Config:      cfg(`name = "cbdfixed"`, 9090),
				ExpectError: regexp.MustCompile(`(?s)cbdfixed-blue already exists.*this pair did not create it`),
			},
			{
				// What the failed replacement left: the first groups, alone.
				PreConfig: func() {
					for _, c := range []string{"blue", "green"} {
						if arn, ok := groupExists(env, "cbdfixed-"+c); !ok {
							t.Fatalf("cbdfixed-%s is gone after the refused replacement", c)
						} else if tg, _ := env.Sandbox.ELBv2().TargetGroup(arn); tg.Port != 8080 {
							t.Fatalf("cbdfixed-%s has port %d, want 8080", c, tg.Port)
						}
					}
				},
				Config: cfg(`name = "cbdfixed"`, 8080),
			},
		},
	})
}

// TestAccPairIdleFirst_colorOwnSettings: a color's block gives its group
// settings of its own over the shared ones (green checks /healthz while
// blue keeps /); removing them gives the color the shared values again.
func TestAccPairIdleFirst_colorOwnSettings(t *testing.T) {
	env := newTestSandbox(t)
	cfg := func(greenOwn string) string {
		return fmt.Sprintf(`
resource "bluegreen_environment_pair" "test" {
  name                 = "own-set"
  vpc_id               = "vpc-0123456789abcdef0"
  port                 = 8080
  health_check         = { path = "/", interval = "10s" }
  deregistration_delay = "30s"
  blue  = { version = "1.0.0" }
  green = { version = "2.0.0"%s }
}
`, greenOwn)
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
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{
				Config: cfg(`, health_check = { path = "/healthz" }, deregistration_delay = "5s"`),
				Check:  resource.ComposeTestCheckFunc(expectHealthPaths(env, "/", "/healthz"), dereg("blue", "30"), dereg("green", "5")),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(pairRes, tfjsonpath.New("green").AtMapKey("applied").AtMapKey("health_check").AtMapKey("interval"), knownvalue.StringExact("10s")),
					statecheck.ExpectKnownValue(pairRes, tfjsonpath.New("colors_differ_in"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("health_check"), knownvalue.StringExact("deregistration_delay")})),
					statecheck.ExpectKnownValue(pairRes, tfjsonpath.New("deferred"), knownvalue.ListExact([]knownvalue.Check{})),
				},
			},
			{
				Config: cfg(""),
				Check:  resource.ComposeTestCheckFunc(expectHealthPaths(env, "/", "/"), dereg("green", "30")),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(pairRes, tfjsonpath.New("colors_differ_in"), knownvalue.ListExact([]knownvalue.Check{})),
				},
			},
		},
	})
}

// TestAccPairIdleFirst_planNamesWhatIsDeferred runs the CLI as a user does
// and reads the plan's text: while blue serves (a listener made outside
// Terraform forwards to it), a new health_check.path shows as a change of
// green's applied settings, a deferred entry for blue, and a warning naming
// blue and the setting.
func TestAccPairIdleFirst_planNamesWhatIsDeferred(t *testing.T) {
	t.Parallel()
	env := newTestSandbox(t)
	cli := cliPath(t)
	dir := t.TempDir()
	main := fmt.Sprintf(`
terraform {
  required_providers {
    bluegreen = { source = "%s/bluegreen" }
  }
}

variable "path" {
  type = string
}

variable "port" {
  type    = number
  default = 8080
}

resource "bluegreen_environment_pair" "web" {
  name         = "planout"
  vpc_id       = "vpc-0123456789abcdef0"
  port         = var.port
  health_check = { path = var.path }
  blue         = { version = "1.0.0" }
  green        = { version = "2.0.0" }
}
`, examplesNamespace())
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	tf := newReattachedCLI(t, cli, dir, env.Factories)
	tf.run("init", "-input=false")
	tf.run("apply", "-auto-approve", "-input=false", "-var=path=/")
	blue, _ := groupExists(env, "planout-blue")
	green, _ := groupExists(env, "planout-green")
	lbARN, listener := idleFirstLB(t, env, "planout", 80)
	_ = lbARN
	if _, err := env.Clients.ELBv2.ModifyListener(context.Background(), &elbv2.ModifyListenerInput{ListenerArn: aws.String(listener),
		DefaultActions: []elbv2types.Action{forwardAction(blue, 100, green, 0)}}); err != nil {
		t.Fatal(err)
	}
	out := tf.run("plan", "-input=false", "-var=path=/healthz")
	t.Logf("plan:\n%s", out)
	for _, want := range []string{
		`(?s)~ green\s+= \{.*~ applied\s+= \{.*~ health_check\s+= \{.*~ path\s+= "/" -> "/healthz"`,
		`(?s)~ deferred\s+= \[.*\+ applied = "/".*\+ color\s+= "blue".*\+ setting = "health_check.path".*\+ wanted\s+= "/healthz"`,
		`Warning: Change deferred for blue: it serves traffic`,
		`health_check\.path "/" → "/healthz"`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("the plan does not show %s", want)
		}
	}
	if strings.Contains(out, "Change deferred for green") {
		t.Error("the plan defers the idle color too")
	}
	// A port change replaces both groups: the plan warns that it cannot go
	// through while blue serves, and names the way.
	out = tf.run("plan", "-input=false", "-var=path=/", "-var=port=8090")
	if !regexp.MustCompile(`(?s)Warning: Replacing the pair while blue serves.*A change of port replaces both target\s+groups.*through the idle\s+color`).MatchString(out) {
		t.Errorf("the plan of a port change while blue serves does not warn:\n%s", out)
	}
	if _, err := env.Clients.ELBv2.ModifyListener(context.Background(), &elbv2.ModifyListenerInput{ListenerArn: aws.String(listener),
		DefaultActions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumFixedResponse,
			FixedResponseConfig: &elbv2types.FixedResponseActionConfig{StatusCode: aws.String("404")}}}}); err != nil {
		t.Fatal(err)
	}
	tf.run("destroy", "-auto-approve", "-input=false", "-var=path=/healthz")
}

// TestAccPairIdleFirst_colorTimeoutChecked: a color's own interval is checked
// against the shared timeout (and the other way round) at plan time.
func TestAccPairIdleFirst_colorTimeoutChecked(t *testing.T) {
	cfg := func(green string) string {
		return fmt.Sprintf(`
resource "bluegreen_environment_pair" "test" {
  name         = "own-timeout"
  vpc_id       = "vpc-0123456789abcdef0"
  port         = 8080
  health_check = { interval = "30s", timeout = "10s" }
  green        = { health_check = %s }
}
`, green)
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: cfg(`{ interval = "10s" }`), PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)green's\s+health\s+check\s+would\s+have\s+timeout\s+10s\s+and\s+interval\s+10s`)},
			{Config: cfg(`{ timeout = "30s" }`), PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)green's\s+health\s+check\s+would\s+have\s+timeout\s+30s\s+and\s+interval\s+30s`)},
			{Config: cfg(`{ interval = "15s" }`), PlanOnly: true, ExpectNonEmptyPlan: true},
		},
	})
}

// TestAccPairIdleFirst_stateFromBeforeIsRead: a state saved by the provider
// before the idle-first attributes existed (no name_prefix, deferred, and
// no applied, serving or own settings in the colors) is read without an
// upgrade: the refresh fills them in and the plan of the unchanged
// configuration is empty.
func TestAccPairIdleFirst_stateFromBeforeIsRead(t *testing.T) {
	t.Parallel()
	env := newTestSandbox(t)
	cli := cliPath(t)
	dir := t.TempDir()
	main := fmt.Sprintf(`
terraform {
  required_providers {
    bluegreen = { source = "%s/bluegreen" }
  }
}

resource "bluegreen_environment_pair" "web" {
  name         = "oldstate"
  vpc_id       = "vpc-0123456789abcdef0"
  port         = 8080
  health_check = { path = "/health" }
  blue         = { version = "1.0.0", targets = [{ id = "10.0.0.1" }] }
  green        = { version = "2.0.0" }
}
`, examplesNamespace())
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	tf := newReattachedCLI(t, cli, dir, env.Factories)
	tf.run("init", "-input=false")
	tf.run("apply", "-auto-approve", "-input=false")
	statePath := filepath.Join(dir, "terraform.tfstate")
	raw, err := os.ReadFile(statePath)
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	attrs := st["resources"].([]any)[0].(map[string]any)["instances"].([]any)[0].(map[string]any)["attributes"].(map[string]any)
	delete(attrs, "name_prefix")
	delete(attrs, "deferred")
	for _, c := range []string{"blue", "green"} {
		col := attrs[c].(map[string]any)
		for _, k := range []string{"health_check", "deregistration_delay", "slow_start", "applied", "serving"} {
			if _, ok := col[k]; !ok {
				t.Fatalf("%s.%s not in the state this provider writes", c, k)
			}
			delete(col, k)
		}
	}
	st["serial"] = st["serial"].(float64) + 1
	old, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(statePath, old, 0o644); err != nil {
		t.Fatal(err)
	}
	tf.expectEmptyPlan()
	tf.run("apply", "-auto-approve", "-input=false", "-refresh-only")
	show := tf.resourceValues("bluegreen_environment_pair.web")
	blue := show["blue"].(map[string]any)
	if blue["serving"] != false || blue["applied"].(map[string]any)["health_check"].(map[string]any)["path"] != "/health" {
		t.Fatalf("after the refresh blue is %v", blue)
	}
	tf.expectEmptyPlan()
	tf.run("destroy", "-auto-approve", "-input=false")
}
