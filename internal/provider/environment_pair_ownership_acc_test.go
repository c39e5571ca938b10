package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/envpair"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
)

const pairRes = "bluegreen_environment_pair.test"

// pairCfg is a pair with the base settings of issue 17 (name, vpc_id,
// port 8080) plus body. The provider does not retry, so an injected fault
// fails the call it hits.
func pairCfg(name, body string) string {
	return fmt.Sprintf(`
provider "bluegreen" {
  max_retries = 0
}

resource "bluegreen_environment_pair" "test" {
  name   = %q
  vpc_id = "vpc-0123456789abcdef0"
  port   = 8080
%s
}
`, name, body)
}

// foreignGroup creates a target group the provider did not create (as a
// colleague or another tool would) and returns its ARN.
func foreignGroup(t *testing.T, env *testEnv, name string, port int32, tags map[string]string) string {
	t.Helper()
	in := &elbv2.CreateTargetGroupInput{
		Name: aws.String(name), Port: aws.Int32(port), Protocol: "HTTP",
		VpcId: aws.String("vpc-0123456789abcdef0"), TargetType: "ip",
	}
	for k, v := range tags {
		in.Tags = append(in.Tags, elbv2types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	out, err := env.Clients.ELBv2.CreateTargetGroup(context.Background(), in)
	if err != nil {
		t.Fatalf("creating the foreign group %s: %v", name, err)
	}
	arn := aws.ToString(out.TargetGroups[0].TargetGroupArn)
	t.Cleanup(func() {
		_, _ = env.Clients.ELBv2.DeleteTargetGroup(context.Background(), &elbv2.DeleteTargetGroupInput{TargetGroupArn: aws.String(arn)})
	})
	return arn
}

// isMutating reports whether an ELBv2 operation changes something.
func isMutating(op string) bool { return !strings.HasPrefix(op, "Describe") }

// mutatingCallsOn lists the calls in the sandbox's call log that change
// something and name one of arns in any parameter.
func mutatingCallsOn(env *testEnv, arns ...string) []string {
	var out []string
	for _, c := range env.Sandbox.Calls(sandbox.CallFilter{Service: "elbv2"}) {
		if !isMutating(c.Operation) {
			continue
		}
		for _, v := range c.Params {
			for _, a := range arns {
				if a != "" && strings.Contains(v, a) {
					out = append(out, fmt.Sprintf("%s(%s)", c.Operation, a))
				}
			}
		}
	}
	return out
}

// checkUntouched fails when any call changed one of arns, or one of them no
// longer exists.
func checkUntouched(env *testEnv, arns ...string) error {
	if calls := mutatingCallsOn(env, arns...); len(calls) > 0 {
		return fmt.Errorf("calls changed groups the pair does not own: %v", calls)
	}
	for _, a := range arns {
		if _, err := env.Clients.ELBv2.DescribeTargetGroups(context.Background(), &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{a}}); err != nil {
			return fmt.Errorf("foreign group %s: %v", a, err)
		}
	}
	return nil
}

// groupExists reports whether a target group with name exists, and its ARN.
func groupExists(env *testEnv, name string) (string, bool) {
	out, err := env.Clients.ELBv2.DescribeTargetGroups(context.Background(), &elbv2.DescribeTargetGroupsInput{Names: []string{name}})
	if err != nil || len(out.TargetGroups) == 0 {
		return "", false
	}
	return aws.ToString(out.TargetGroups[0].TargetGroupArn), true
}

func checkNoResource(addr string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		if s != nil && s.RootModule() != nil {
			if r, ok := s.RootModule().Resources[addr]; ok {
				return fmt.Errorf("%s is in state (%v) after a failed create", addr, r.Primary.Attributes)
			}
		}
		return nil
	}
}

// TestAccEnvironmentPair_foreignNameNeverRecorded: with a hand-made
// target group col-green (port 9999) already there, creating pair "col"
// fails with an error that names the existing group and the import command,
// records nothing, creates nothing, and no call — in this apply or the next
// — changes or deletes the foreign group (issue 17: "a failed create records
// a foreign group, and the next apply deletes it").
func TestAccEnvironmentPair_foreignNameNeverRecorded(t *testing.T) {
	env := newTestSandbox(t)
	testAccPreCheck(t)
	foreign := foreignGroup(t, env, "col-green", 9999, nil)
	env.Sandbox.ResetCalls()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{
				Config:      pairCfg("col", ""),
				ExpectError: regexp.MustCompile(`(?s)col-green\s+already\s+exists\s+\(` + regexp.QuoteMeta(foreign) + `\).*terraform\s+import`),
			},
			{
				// The next apply fails the same way: nothing was recorded.
				Config:      pairCfg("col", ""),
				ExpectError: regexp.MustCompile(`col-green\s+already\s+exists`),
			},
			{
				// Nothing in state, nothing created, the foreign group untouched.
				Config:   `# empty`,
				PlanOnly: true,
				Check: resource.ComposeTestCheckFunc(checkNoResource(pairRes), func(*terraform.State) error {
					if arn, ok := groupExists(env, "col-blue"); ok {
						return fmt.Errorf("col-blue was created (%s) though col-green was taken", arn)
					}
					return checkUntouched(env, foreign)
				}),
			},
		},
	})
	if err := checkUntouched(env, foreign); err != nil {
		t.Fatal(err)
	}
}

// TestAccEnvironmentPair_noSilentAdoption: groups with exactly the settings
// the pair would create (CreateTargetGroup would return them as if it had
// created them) are not taken over: the apply fails naming them, their
// registered targets stay, and the call log shows no change to them.
func TestAccEnvironmentPair_noSilentAdoption(t *testing.T) {
	env := newTestSandbox(t)
	testAccPreCheck(t)
	api := env.Clients.ELBv2
	ctx := context.Background()
	var foreign []string
	for _, color := range envpair.Colors {
		out, err := api.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{
			Name: aws.String("adopt-" + color), Port: aws.Int32(8080), Protocol: "HTTP", VpcId: aws.String("vpc-0123456789abcdef0"),
			TargetType: "ip", HealthCheckEnabled: aws.Bool(true), HealthCheckPath: aws.String("/"), HealthCheckPort: aws.String("traffic-port"),
			HealthCheckProtocol: "HTTP", HealthCheckIntervalSeconds: aws.Int32(30), HealthCheckTimeoutSeconds: aws.Int32(5),
			HealthyThresholdCount: aws.Int32(5), UnhealthyThresholdCount: aws.Int32(2), Matcher: &elbv2types.Matcher{HttpCode: aws.String("200")},
		})
		if err != nil {
			t.Fatal(err)
		}
		arn := aws.ToString(out.TargetGroups[0].TargetGroupArn)
		foreign = append(foreign, arn)
		t.Cleanup(func() {
			_, _ = api.DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: aws.String(arn)})
		})
		if _, err := api.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: aws.String(arn),
			Targets: []elbv2types.TargetDescription{{Id: aws.String("10.9.9.9")}}}); err != nil {
			t.Fatal(err)
		}
	}
	env.Sandbox.ResetCalls()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{{
			Config:      pairCfg("adopt", `blue = { targets = [{ id = "10.0.0.1" }] }`),
			ExpectError: regexp.MustCompile(`adopt-blue\s+already\s+exists`),
		}},
	})
	if err := checkUntouched(env, foreign...); err != nil {
		t.Fatal(err)
	}
	for _, arn := range foreign {
		th, err := api.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(arn)})
		if err != nil || len(th.TargetHealthDescriptions) != 1 || aws.ToString(th.TargetHealthDescriptions[0].Target.Id) != "10.9.9.9" {
			t.Fatalf("the foreign group's targets changed: %v %v", th, err)
		}
	}
}

// TestAccEnvironmentPair_sameNameTwice: a second pair with the same name
// (here in the same configuration; two configurations behave the same, as
// each only knows its own state) fails clearly, and nothing it does changes
// the first pair's groups; removing it from the configuration leaves the
// first pair intact.
func TestAccEnvironmentPair_sameNameTwice(t *testing.T) {
	env := newTestSandbox(t)
	testAccPreCheck(t)
	first := pairCfg("twice", `blue = { version = "1" }`)
	second := first + `
resource "bluegreen_environment_pair" "second" {
  name       = "twice"
  vpc_id     = "vpc-0123456789abcdef0"
  port       = 8080
  depends_on = [bluegreen_environment_pair.test]
}
`
	var owned []string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{
				Config: first,
				Check: func(s *terraform.State) error {
					a := s.RootModule().Resources[pairRes].Primary.Attributes
					owned = []string{a["blue.target_group_arn"], a["green.target_group_arn"]}
					env.Sandbox.ResetCalls()
					return nil
				},
			},
			{
				Config:      second,
				ExpectError: regexp.MustCompile(`(?s)twice-blue\s+already\s+exists.*did\s+not\s+create\s+it.*belongs\s+to\s+pair\s+pair-`),
			},
			{
				Config: first,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(pairRes, plancheck.ResourceActionNoop),
				}},
				Check: func(*terraform.State) error { return checkUntouched(env, owned...) },
			},
		},
	})
}

// TestAccEnvironmentPair_destroyInUseDeletesNeither: a listener forwards to
// one color only (blue, as in issue 17, then green); changing port (a
// replacement) must fail before deleting either color, naming the listener.
// Before the fix, the other color was deleted, the next plan dropped the
// pair while the used color served, and the apply after failed with
// DuplicateTargetGroupName (issue 17).
func TestAccEnvironmentPair_destroyInUseDeletesNeither(t *testing.T) {
	t.Parallel()
	for i, used := range envpair.Colors {
		t.Run(used, func(t *testing.T) { testDestroyInUse(t, newTestSandbox(t), "inuse"+used[:1], i) })
	}
}

func testDestroyInUse(t *testing.T, env *testEnv, name string, usedIdx int) {
	ctx := context.Background()
	api := env.Clients.ELBv2
	var listenerARN string
	var arns []string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{
				Config: pairCfg(name, ""),
				Check: func(s *terraform.State) error {
					a := s.RootModule().Resources[pairRes].Primary.Attributes
					arns = []string{a["blue.target_group_arn"], a["green.target_group_arn"]}
					lb, err := api.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String(name + "-lb"), Subnets: []string{"subnet-0a000001", "subnet-0b000002"}})
					if err != nil {
						return err
					}
					l, err := api.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn, Port: aws.Int32(8081), Protocol: "HTTP",
						DefaultActions: []elbv2types.Action{{Type: "forward", TargetGroupArn: aws.String(arns[usedIdx])}}})
					if err != nil {
						return err
					}
					listenerARN = aws.ToString(l.Listeners[0].ListenerArn)
					env.Sandbox.ResetCalls()
					return nil
				},
			},
			{
				Config:      strings.Replace(pairCfg(name, ""), "port   = 8080", "port   = 8090", 1),
				ExpectError: regexp.MustCompile(`(?s)` + name + `-` + envpair.Colors[usedIdx] + `\s.*is\s+used\s+by\s+listener\s+arn:.*Neither\s+group\s+was\s+deleted`),
			},
			{
				// Both colors still exist and are still in state: the plan
				// still replaces the pair (nothing was lost).
				PreConfig: func() {
					for _, a := range arns {
						if _, err := api.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{a}}); err != nil {
							t.Errorf("group %s was deleted: %v", a, err)
						}
					}
					if n := len(env.Sandbox.Calls(sandbox.CallFilter{Service: "elbv2", Operation: "DeleteTargetGroup"})); n != 0 {
						t.Errorf("%d DeleteTargetGroup calls were made while blue was in use", n)
					}
				},
				Config:             strings.Replace(pairCfg(name, ""), "port   = 8080", "port   = 8090", 1),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				// Once the listener lets go, the replacement goes through.
				PreConfig: func() {
					if _, err := api.DeleteListener(ctx, &elbv2.DeleteListenerInput{ListenerArn: aws.String(listenerARN)}); err != nil {
						t.Fatal(err)
					}
				},
				Config: strings.Replace(pairCfg(name, ""), "port   = 8080", "port   = 8090", 1),
			},
		},
	})
}
