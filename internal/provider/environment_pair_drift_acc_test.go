package provider

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
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

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/envpair"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
)

// injectFault adds a sandbox fault that is removed when the test ends.
func injectFault(t *testing.T, env *testEnv, f sandbox.Fault) string {
	t.Helper()
	id, err := env.Sandbox.InjectFault(f)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Sandbox.RemoveFault(id) })
	return id
}

// colorView is what AWS holds for one color, in the terms the pair manages.
type colorView struct {
	ARN             string
	Interval, Dereg int32
	Tags            map[string]string
	Targets         []string
	Exists          bool
}

func viewGroup(t *testing.T, env *testEnv, arn string) colorView {
	t.Helper()
	ctx := context.Background()
	api := env.Clients.ELBv2
	out, err := api.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{arn}})
	if err != nil || len(out.TargetGroups) == 0 {
		return colorView{ARN: arn}
	}
	v := colorView{ARN: arn, Exists: true, Interval: aws.ToInt32(out.TargetGroups[0].HealthCheckIntervalSeconds), Tags: map[string]string{}}
	at, err := api.DescribeTargetGroupAttributes(ctx, &elbv2.DescribeTargetGroupAttributesInput{TargetGroupArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range at.Attributes {
		if aws.ToString(a.Key) == "deregistration_delay.timeout_seconds" {
			n, err := strconv.Atoi(aws.ToString(a.Value))
			if err != nil {
				t.Fatalf("deregistration delay %q: %v", aws.ToString(a.Value), err)
			}
			v.Dereg = int32(n)
		}
	}
	tg, err := api.DescribeTags(ctx, &elbv2.DescribeTagsInput{ResourceArns: []string{arn}})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range tg.TagDescriptions {
		for _, x := range d.Tags {
			v.Tags[aws.ToString(x.Key)] = aws.ToString(x.Value)
		}
	}
	th, err := api.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range th.TargetHealthDescriptions {
		if d.TargetHealth != nil && d.TargetHealth.State == elbv2types.TargetHealthStateEnumDraining {
			continue
		}
		v.Targets = append(v.Targets, aws.ToString(d.Target.Id))
	}
	return v
}

func stateARN(s *terraform.State, addr, color string) string {
	r, ok := s.RootModule().Resources[addr]
	if !ok {
		return ""
	}
	return r.Primary.Attributes[color+".target_group_arn"]
}

const driftBody = `
  health_check = { interval = "30s" }
  deregistration_delay = "60s"
  tags = { team = "web" }
  blue  = { version = "1" }
  green = { version = "2" }
`

// checkBothColors checks in AWS that both colors hold interval, dereg and
// exactly the user tags want (plus the pair's own).
func checkBothColors(t *testing.T, env *testEnv, interval, dereg int32, want map[string]string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for _, color := range envpair.Colors {
			v := viewGroup(t, env, stateARN(s, pairRes, color))
			if !v.Exists {
				return fmt.Errorf("%s group %s does not exist", color, v.ARN)
			}
			if v.Interval != interval || v.Dereg != dereg {
				return fmt.Errorf("%s: interval %d dereg %d, want %d %d", color, v.Interval, v.Dereg, interval, dereg)
			}
			user := map[string]string{}
			for k, x := range v.Tags {
				if len(k) < 10 || k[:10] != "bluegreen:" {
					user[k] = x
				}
			}
			if fmt.Sprint(user) != fmt.Sprint(want) {
				return fmt.Errorf("%s: tags %v, want %v", color, user, want)
			}
		}
		return nil
	}
}

// TestAccEnvironmentPair_greenDriftShownAndFixed: a health check, attribute
// and tag change made to green only, outside Terraform, shows in the plan
// (an update) and the apply makes both colors equal to the configuration.
// Before the fix, state was read from blue only: "No changes", and a warning
// promising what no apply did (issue 17).
func TestAccEnvironmentPair_greenDriftShownAndFixed(t *testing.T) {
	env := newTestSandbox(t)
	testAccPreCheck(t)
	ctx := context.Background()
	api := env.Clients.ELBv2
	var green string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{
				Config: pairCfg("gdrift", driftBody),
				Check: func(s *terraform.State) error {
					green = stateARN(s, pairRes, "green")
					return checkBothColors(t, env, 30, 60, map[string]string{"team": "web"})(s)
				},
			},
			{
				PreConfig: func() {
					if _, err := api.ModifyTargetGroup(ctx, &elbv2.ModifyTargetGroupInput{TargetGroupArn: aws.String(green), HealthCheckIntervalSeconds: aws.Int32(10)}); err != nil {
						t.Fatal(err)
					}
					if _, err := api.ModifyTargetGroupAttributes(ctx, &elbv2.ModifyTargetGroupAttributesInput{TargetGroupArn: aws.String(green),
						Attributes: []elbv2types.TargetGroupAttribute{{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String("5")}}}); err != nil {
						t.Fatal(err)
					}
					if _, err := api.AddTags(ctx, &elbv2.AddTagsInput{ResourceArns: []string{green}, Tags: []elbv2types.Tag{{Key: aws.String("oob"), Value: aws.String("1")}}}); err != nil {
						t.Fatal(err)
					}
				},
				Config:             pairCfg("gdrift", driftBody),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: pairCfg("gdrift", driftBody),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(pairRes, plancheck.ResourceActionUpdate),
				}},
				Check: checkBothColors(t, env, 30, 60, map[string]string{"team": "web"}),
			},
		},
	})
}

// TestAccEnvironmentPair_halfUpdateConverges: an update that fails between
// the colors (blue modified, green's call refused) leaves a plan that still
// shows the change, and the next apply finishes it on both.
func TestAccEnvironmentPair_halfUpdateConverges(t *testing.T) {
	env := newTestSandbox(t)
	testAccPreCheck(t)
	changed := `
  health_check = { interval = "15s" }
  deregistration_delay = "60s"
  tags = { team = "web" }
  blue  = { version = "1" }
  green = { version = "2" }
`
	var fault string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: pairCfg("halfup", driftBody)},
			{
				PreConfig: func() {
					fault = injectFault(t, env, sandbox.Fault{Service: "elbv2", Operation: "ModifyTargetGroup", Kind: sandbox.HTTP5xx, Status: 500, After: 1})
				},
				Config:      pairCfg("halfup", changed),
				ExpectError: regexp.MustCompile(`modifying\s+target\s+group\s+halfup-green`),
			},
			{
				PreConfig:          func() { env.Sandbox.RemoveFault(fault) },
				Config:             pairCfg("halfup", changed),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: pairCfg("halfup", changed),
				Check:  checkBothColors(t, env, 15, 60, map[string]string{"team": "web"}),
			},
		},
	})
}

// TestAccEnvironmentPair_removingGreenBlockIsVisible: removing green = {…}
// stops managing green's version label and targets, and the plan says so:
// version and targets go to null; the apply removes the version tag and
// leaves the registered targets alone (issue 17: "a silent no-op").
func TestAccEnvironmentPair_removingGreenBlockIsVisible(t *testing.T) {
	env := newTestSandbox(t)
	testAccPreCheck(t)
	with := `
  blue  = { version = "1" }
  green = {
    version = "2"
    targets = [{ id = "10.0.0.5" }]
  }
`
	without := `
  blue  = { version = "1" }
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: pairCfg("rmgreen", with)},
			{
				Config: pairCfg("rmgreen", without),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(pairRes, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(pairRes, tfjsonpath.New("green").AtMapKey("version"), knownvalue.Null()),
					plancheck.ExpectKnownValue(pairRes, tfjsonpath.New("green").AtMapKey("targets"), knownvalue.Null()),
				}},
				Check: func(s *terraform.State) error {
					v := viewGroup(t, env, stateARN(s, pairRes, "green"))
					if _, ok := v.Tags[envpair.TagVersion]; ok {
						return fmt.Errorf("green still carries %s: %v", envpair.TagVersion, v.Tags)
					}
					if fmt.Sprint(v.Targets) != "[10.0.0.5]" {
						return fmt.Errorf("green's targets changed to %v; unmanaged targets are left alone", v.Targets)
					}
					return nil
				},
			},
		},
	})
}

// TestAccEnvironmentPair_missingColorRecreated: a color deleted outside
// Terraform keeps the pair in state with the other color; the plan shows an
// update and the apply creates the missing group again.
func TestAccEnvironmentPair_missingColorRecreated(t *testing.T) {
	env := newTestSandbox(t)
	testAccPreCheck(t)
	var green string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{
				Config: pairCfg("missing", driftBody),
				Check:  func(s *terraform.State) error { green = stateARN(s, pairRes, "green"); return nil },
			},
			{
				PreConfig: func() {
					if _, err := env.Clients.ELBv2.DeleteTargetGroup(context.Background(), &elbv2.DeleteTargetGroupInput{TargetGroupArn: aws.String(green)}); err != nil {
						t.Fatal(err)
					}
				},
				Config: pairCfg("missing", driftBody),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(pairRes, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(pairRes, tfjsonpath.New("green").AtMapKey("target_group_arn")),
				}},
				Check: func(s *terraform.State) error {
					if g := stateARN(s, pairRes, "green"); g == green || g == "" {
						return fmt.Errorf("green was not created again: %q", g)
					}
					return checkBothColors(t, env, 30, 60, map[string]string{"team": "web"})(s)
				},
			},
		},
	})
}

// TestAccEnvironmentPair_partialCreateUndone: green's create fails after
// blue was made; the create deletes blue again and records nothing (issue
// 17: "a partial create orphans what it created").
func TestAccEnvironmentPair_partialCreateUndone(t *testing.T) {
	env := newTestSandbox(t)
	testAccPreCheck(t)
	var fault string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					fault = injectFault(t, env, sandbox.Fault{Service: "elbv2", Operation: "CreateTargetGroup", Kind: sandbox.HTTP5xx, Status: 500, After: 1})
				},
				Config:      pairCfg("pundo", driftBody),
				ExpectError: regexp.MustCompile(`creating\s+target\s+group\s+pundo-green`),
			},
			{
				// No resource was left in state: the apply creates it.
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(pairRes, plancheck.ResourceActionCreate),
				}},
				PreConfig: func() {
					env.Sandbox.RemoveFault(fault)
					if arn, ok := groupExists(env, "pundo-blue"); ok {
						t.Errorf("pundo-blue (%s) was left behind, outside state", arn)
					}
				},
				Config: pairCfg("pundo", driftBody),
				Check:  checkBothColors(t, env, 30, 60, map[string]string{"team": "web"}),
			},
		},
	})
}

// TestAccEnvironmentPair_partialCreateRecorded: when the undo fails too,
// the create records exactly the group it made (tainted), and the next
// apply deletes it before creating the pair: nothing is orphaned.
func TestAccEnvironmentPair_partialCreateRecorded(t *testing.T) {
	env := newTestSandbox(t)
	testAccPreCheck(t)
	var faults []string
	var orphan string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					faults = append(faults,
						injectFault(t, env, sandbox.Fault{Service: "elbv2", Operation: "CreateTargetGroup", Kind: sandbox.HTTP5xx, Status: 500, After: 1}),
						injectFault(t, env, sandbox.Fault{Service: "elbv2", Operation: "DeleteTargetGroup", Kind: sandbox.HTTP5xx, Status: 500}))
				},
				Config:      pairCfg("precord", driftBody),
				ExpectError: regexp.MustCompile(`(?s)creating\s+target\s+group\s+precord-green.*recorded\s+in\s+state`),
			},
			{
				PreConfig: func() {
					for _, f := range faults {
						env.Sandbox.RemoveFault(f)
					}
					arn, ok := groupExists(env, "precord-blue")
					if !ok {
						t.Fatal("precord-blue does not exist: the undo was meant to fail")
					}
					orphan = arn
				},
				Config: pairCfg("precord", driftBody),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(pairRes, plancheck.ResourceActionReplace),
				}},
				Check: func(s *terraform.State) error {
					if v := viewGroup(t, env, orphan); v.Exists {
						return fmt.Errorf("the recorded group %s still exists: the replacement should have deleted it", orphan)
					}
					return checkBothColors(t, env, 30, 60, map[string]string{"team": "web"})(s)
				},
			},
		},
	})
}

// TestAccEnvironmentPair_configEqualToOneColorStillFixesTheOther: blue's
// interval is changed outside Terraform, and the configuration is then
// changed to that same value. Blue already matches, but green does not: the
// plan must still update the pair (colors_differ_in), and the apply sets
// both.
func TestAccEnvironmentPair_configEqualToOneColorStillFixesTheOther(t *testing.T) {
	env := newTestSandbox(t)
	testAccPreCheck(t)
	var blue string
	to15 := strings.Replace(driftBody, `interval = "30s"`, `interval = "15s"`, 1)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{
				Config: pairCfg("onecolor", driftBody),
				Check:  func(s *terraform.State) error { blue = stateARN(s, pairRes, "blue"); return nil },
			},
			{
				PreConfig: func() {
					if _, err := env.Clients.ELBv2.ModifyTargetGroup(context.Background(), &elbv2.ModifyTargetGroupInput{
						TargetGroupArn: aws.String(blue), HealthCheckIntervalSeconds: aws.Int32(15)}); err != nil {
						t.Fatal(err)
					}
				},
				Config: pairCfg("onecolor", to15),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(pairRes, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(pairRes, tfjsonpath.New("colors_differ_in"), knownvalue.ListExact([]knownvalue.Check{})),
				},
				Check: checkBothColors(t, env, 15, 60, map[string]string{"team": "web"}),
			},
		},
	})
}
