package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func testAccPairConfig(name, interval, greenVersion string) string {
	return fmt.Sprintf(`
resource "bluegreen_environment_pair" "test" {
  name   = %[1]q
  vpc_id = "vpc-0123456789abcdef0"
  port   = 8080

  health_check = {
    path     = "/health"
    interval = %[2]q
  }
  deregistration_delay = "30s"
  tags = { service = "web" }

  blue = {
    version = "1.0.0"
    targets = [{ id = "10.0.0.1" }, { id = "10.0.0.2", port = 9090 }]
  }
  green = {
    version = %[3]q
  }
}
`, name, interval, greenVersion)
}

// TestAccEnvironmentPair_basic proves create, an in-place update applied to
// both colors, and import by name.
func TestAccEnvironmentPair_basic(t *testing.T) {
	env := newTestSandbox(t)
	const res = "bluegreen_environment_pair.test"
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{
				Config: testAccPairConfig("pair-basic", "30s", "2.0.0"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("blue").AtMapKey("name"), knownvalue.StringExact("pair-basic-blue")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("green").AtMapKey("name"), knownvalue.StringExact("pair-basic-green")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("green").AtMapKey("arn_suffix"), knownvalue.StringRegexp(regexp.MustCompile(`^targetgroup/pair-basic-green/[0-9a-f]+$`))),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("green").AtMapKey("version"), knownvalue.StringExact("2.0.0")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("health_check").AtMapKey("matcher"), knownvalue.StringExact("200")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("blue").AtMapKey("targets"), knownvalue.SetExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{"id": knownvalue.StringExact("10.0.0.1"), "port": knownvalue.Null()}),
						knownvalue.ObjectExact(map[string]knownvalue.Check{"id": knownvalue.StringExact("10.0.0.2"), "port": knownvalue.Int64Exact(9090)}),
					})),
				},
				Check: testAccCheckPairHealthInterval(env, "pair-basic", 30),
			},
			{
				Config: testAccPairConfig("pair-basic", "15s", "2.1.0"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("green").AtMapKey("version"), knownvalue.StringExact("2.1.0")),
				},
				Check: testAccCheckPairHealthInterval(env, "pair-basic", 15),
			},
			{
				ResourceName:                         res,
				ImportState:                          true,
				ImportStateId:                        "pair-basic",
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "name",
			},
		},
	})
}

// testAccCheckPairHealthInterval checks in AWS (the sandbox) that both colors
// got the shared health check interval.
func testAccCheckPairHealthInterval(env *testEnv, name string, seconds int32) resource.TestCheckFunc {
	return func(*terraform.State) error {
		out, err := env.Clients.ELBv2.DescribeTargetGroups(context.Background(), &elbv2.DescribeTargetGroupsInput{
			Names: []string{name + "-blue", name + "-green"},
		})
		if err != nil {
			return err
		}
		for _, tg := range out.TargetGroups {
			if got := aws.ToInt32(tg.HealthCheckIntervalSeconds); got != seconds {
				return fmt.Errorf("%s: health check interval %d, want %d", aws.ToString(tg.TargetGroupName), got, seconds)
			}
		}
		return nil
	}
}

func TestAccEnvironmentPair_invalid(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, body, err string }{
		{"name too long", `name = "abcdefghijklmnopqrstuvwxyz0"`, `Invalid Attribute Value Match`},
		{"timeout not shorter than interval", `name = "x"
  health_check = { interval = "5s", timeout = "5s" }`, `Health check timeout not shorter than interval`},
		{"bad matcher", `name = "x"
  health_check = { matcher = "ok" }`, `must be HTTP codes`},
		{"fractional seconds", `name = "x"
  deregistration_delay = "1.5s"`, `Invalid deregistration delay`},
		{"slow start out of range", `name = "x"
  slow_start = "10s"`, `Invalid slow start`},
		{"reserved tag", `name = "x"
  tags = { "bluegreen:color" = "red" }`, `Reserved tag key`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: fmt.Sprintf(`
resource "bluegreen_environment_pair" "bad" {
  %s
  vpc_id = "vpc-0123456789abcdef0"
  port   = 80
}`, tc.body),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tc.err),
				}},
			})
		})
	}
}
