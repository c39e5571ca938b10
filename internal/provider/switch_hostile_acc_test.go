package provider

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// Regression tests for what a second hostile pass found: a forward shared
// with a third group, import IDs the switch could never manage, and group
// stickiness that was written but never read back.

func writeListenerActions(t *testing.T, env *testEnv, listener string, actions ...elbv2types.Action) {
	t.Helper()
	if _, err := env.Clients.ELBv2.ModifyListener(context.Background(), &elbv2.ModifyListenerInput{
		ListenerArn: aws.String(listener), DefaultActions: actions}); err != nil {
		t.Fatal(err)
	}
}

func threeGroupForward(blue string, bw int32, green string, gw int32, third string, tw int32) elbv2types.Action {
	a := forwardAction(blue, bw, green, gw)
	a.ForwardConfig.TargetGroups = append(a.ForwardConfig.TargetGroups, elbv2types.TargetGroupTuple{TargetGroupArn: aws.String(third), Weight: aws.Int32(tw)})
	return a
}

func expectSwitchAttrs(want map[string]string) resource.TestCheckFunc {
	var checks []resource.TestCheckFunc
	for k, v := range want {
		checks = append(checks, resource.TestCheckResourceAttr(switchRes, k, v))
	}
	return resource.ComposeAggregateTestCheckFunc(checks...)
}

// Another writer adds a third group to the forward: state records what blue
// and green really get (not 0/0) as drifted; a change is refused at plan;
// once the forward is plain again the switch works.
func TestAccSwitchRegression_thirdGroupInForwardIsRecordedTruthfully(t *testing.T) {
	env := newTestSandbox(t)
	a := newRegressionALB(t, env, "rg-third")
	blue := regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, "blue", "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: blue},
			{
				PreConfig: func() {
					writeListenerActions(t, env, a.ListenerARN, threeGroupForward(a.BlueARN, 90, a.GreenARN, 0, a.ThirdARN, 10))
				},
				RefreshState: true,
				Check:        expectSwitchAttrs(map[string]string{"blue_weight": "90", "green_weight": "0", "status": "drifted"}),
			},
			{
				Config:      regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, "green", ""),
				ExpectError: regexp.MustCompile(`Listener action cannot be adopted`),
			},
			{
				PreConfig: func() {
					holdsAfterError(t, expectForward(env, a.ListenerARN, map[string]int32{a.BlueARN: 90, a.GreenARN: 0, a.ThirdARN: 10}))()
					writeListenerActions(t, env, a.ListenerARN, forwardAction(a.BlueARN, 100, a.GreenARN, 0))
				},
				Config: regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, "green", ""),
				Check: resource.ComposeAggregateTestCheckFunc(
					expectForward(env, a.ListenerARN, map[string]int32{a.BlueARN: 0, a.GreenARN: 100}),
					expectSwitchAttrs(map[string]string{"blue_weight": "0", "green_weight": "100", "status": "stable"}),
				),
			},
		},
	})
}

// An import ID the switch could never manage is refused at import: the same
// group twice, or groups that leave a third one in the forward.
func TestAccSwitchRegression_importRefusesWhatCannotBeManaged(t *testing.T) {
	env := newTestSandbox(t)
	a := newRegressionALB(t, env, "rg-imp")
	writeListenerActions(t, env, a.ListenerARN, forwardAction(a.BlueARN, 100, a.ThirdARN, 0))
	// Import-only steps: name the provider's source (no earlier apply has),
	// with its registry host, so that OpenTofu looks for the same provider.
	cfg := `terraform {
  required_providers {
    bluegreen = { source = "registry.terraform.io/bluegreen-tf/bluegreen" }
  }
}
` + regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, "blue", "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{
				Config: cfg, ResourceName: switchRes, ImportState: true,
				ImportStateId: fmt.Sprintf("%s,%s,%s", a.ListenerARN, a.BlueARN, a.BlueARN),
				ExpectError:   regexp.MustCompile(`blue and green are the same target group`),
			},
			{
				Config: cfg, ResourceName: switchRes, ImportState: true,
				ImportStateId: fmt.Sprintf("%s,%s,%s", a.ListenerARN, a.BlueARN, a.GreenARN),
				ExpectError:   regexp.MustCompile(`(?s)Cannot import switch.*neither blue nor green`),
			},
		},
	})
}

func listenerStickiness(env *testEnv, listener string) (bool, int32, error) {
	out, err := env.Clients.ELBv2.DescribeListeners(context.Background(), &elbv2.DescribeListenersInput{ListenerArns: []string{listener}})
	if err != nil {
		return false, 0, err
	}
	for _, act := range out.Listeners[0].DefaultActions {
		if fc := act.ForwardConfig; fc != nil && fc.TargetGroupStickinessConfig != nil {
			return aws.ToBool(fc.TargetGroupStickinessConfig.Enabled), aws.ToInt32(fc.TargetGroupStickinessConfig.DurationSeconds), nil
		}
	}
	return false, 0, nil
}

func expectStickiness(env *testEnv, listener string, enabled bool, seconds int32) resource.TestCheckFunc {
	return func(*terraform.State) error {
		on, d, err := listenerStickiness(env, listener)
		if err != nil {
			return err
		}
		if on != enabled || (enabled && d != seconds) {
			return fmt.Errorf("listener stickiness enabled=%v duration=%ds, want enabled=%v duration=%ds", on, d, enabled, seconds)
		}
		return nil
	}
}

// Group stickiness is read back: a change behind the switch's back shows in
// state and the next apply puts the configured setting back; removing the
// attribute turns stickiness off, as the plan says.
func TestAccSwitchRegression_stickinessIsReadBack(t *testing.T) {
	env := newTestSandbox(t)
	a := newRegressionALB(t, env, "rg-stick")
	sticky := regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, "blue", `  stickiness = {
    enabled  = true
    duration = "1h"
  }`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: sticky, Check: expectStickiness(env, a.ListenerARN, true, 3600)},
			{
				PreConfig: func() {
					act := forwardAction(a.BlueARN, 100, a.GreenARN, 0)
					act.ForwardConfig.TargetGroupStickinessConfig = &elbv2types.TargetGroupStickinessConfig{Enabled: aws.Bool(true), DurationSeconds: aws.Int32(60)}
					writeListenerActions(t, env, a.ListenerARN, act)
				},
				RefreshState:       true,
				ExpectNonEmptyPlan: true, // the drift: the next apply puts 1h back
				Check:              expectSwitchAttrs(map[string]string{"stickiness.enabled": "true", "stickiness.duration": "1m0s"}),
			},
			{
				Config: sticky,
				Check: resource.ComposeAggregateTestCheckFunc(expectStickiness(env, a.ListenerARN, true, 3600),
					expectSwitchAttrs(map[string]string{"stickiness.enabled": "true", "stickiness.duration": "1h"})),
			},
			{
				Config: regressionConfig(a.ListenerARN, a.BlueARN, a.GreenARN, "blue", ""),
				Check:  expectStickiness(env, a.ListenerARN, false, 0),
			},
		},
	})
}

// A saved all-at-once plan from 100/0 applied after another writer set
// 50/50: the path looks the same (one step to 100 %), but the plan was made
// from other weights, so the apply refuses and the other writer's weights
// stay.
func TestAccSwitchRegression_savedPlanRefusesWeightsChangedSincePlan(t *testing.T) {
	t.Parallel()
	env := newTestSandbox(t, withRealClock()) // the CLI's provider runs on the real clock
	a := switchALB(t, env, "rg-saved")
	r := newCLIRun(t, env, a, "rollback")
	r.applyBlue()
	writeFile(t, filepath.Join(r.work, "main.tf"), `terraform {
  required_providers {
    bluegreen = { source = "bluegreen-tf/bluegreen" }
  }
}
variable "color" { type = string }
`+strings.Replace(switchConfig(a, "COLOR", ""), `"COLOR"`, "var.color", 1))
	if out, err := r.cmd("plan", "-no-color", "-var", "color=green", "-out", "green.plan").CombinedOutput(); err != nil {
		t.Fatalf("plan: %v\n%s", err, out)
	}
	if _, err := env.Clients.ELBv2.ModifyListener(context.Background(), &elbv2.ModifyListenerInput{ListenerArn: aws.String(a.ListenerARN),
		DefaultActions: []elbv2types.Action{forwardAction(a.BlueARN, 50, a.GreenARN, 50)}}); err != nil {
		t.Fatal(err)
	}
	out, err := r.cmd("apply", "-no-color", "green.plan").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "changed since the plan") {
		t.Fatalf("the saved plan was applied over another writer's weights (err=%v):\n%s", err, out)
	}
	if b, g := listenerWeights(t, env, a); b != 50 || g != 50 {
		t.Fatalf("the other writer's 50/50 was overwritten: %d/%d", b, g)
	}
}
