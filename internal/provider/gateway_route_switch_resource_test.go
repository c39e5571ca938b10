package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/testenv"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/gatewayroute"
)

// routeSwitch is a switch named name on HTTPRoute "web" rule "main".
func (kt *kubeTest) routeSwitch(name, color, body string) string {
	return fmt.Sprintf(`
resource "bluegreen_gateway_route_switch" %q {
  namespace     = %q
  route         = "web"
  rule_name     = "main"
  blue_service  = { name = "web-blue", port = 80 }
  green_service = { name = "web-green", port = 80 }
  active_color  = %q
%s
}
`, name, kt.NS, color, body)
}

// gatewaySetup creates the blue and green Services, two ready Pods of each
// color and route "web" sending everything to blue.
func (kt *kubeTest) gatewaySetup() {
	kt.createService("web-blue", blueSelector)
	kt.createService("web-green", greenSelector)
	kt.createPods(traffic.Blue, 2, true)
	kt.createPods(traffic.Green, 2, true)
	kt.createRoute("web", 100, 0)
}

// weightLog records the route's weights as the API server stores them, read
// at given virtual times during an apply.
type weightLog struct {
	mu   sync.Mutex
	seen []string
}

func (l *weightLog) observe(kt *kubeTest, offsets ...time.Duration) {
	l.mu.Lock()
	l.seen = nil
	l.mu.Unlock()
	for _, d := range offsets {
		kt.at(d, "reading the route", func(ctx context.Context) error {
			w, err := kt.routeWeights(ctx, "web")
			if err != nil {
				return err
			}
			l.mu.Lock()
			l.seen = append(l.seen, fmt.Sprintf("%d/%d@%s", w.Blue, w.Green, d))
			l.mu.Unlock()
			return nil
		})
	}
}

func (l *weightLog) expect(want ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		l.mu.Lock()
		defer l.mu.Unlock()
		if strings.Join(l.seen, " ") != strings.Join(want, " ") {
			return fmt.Errorf("route weights observed during the apply: %v, want %v", l.seen, want)
		}
		return nil
	}
}

// routeWrites decodes the weights of every write of route web the provider
// made (through the proxy), e.g. ["90/10", "50/50", "0/100"]; writes that
// only mark the owner are left out.
func (kt *kubeTest) routeWrites() []string {
	var out []string
	var prev string
	for _, w := range kt.Proxy.Writes("/httproutes/web") {
		var obj unstructured.Unstructured
		if err := json.Unmarshal(w.Body, &obj.Object); err != nil {
			out = append(out, "undecodable: "+err.Error())
			continue
		}
		ws, err := ruleWeights(&obj)
		if err != nil {
			out = append(out, err.Error())
			continue
		}
		s := fmt.Sprintf("%d/%d", ws.Blue, ws.Green)
		if s != prev {
			out = append(out, s)
		}
		prev = s
	}
	return out
}

func (kt *kubeTest) expectRouteWrites(want ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		// The first logged write carries the weights the route had (the
		// owner mark, or the first step); the log starts after a Reset.
		if got := kt.routeWrites(); strings.Join(got, " ") != strings.Join(want, " ") {
			return fmt.Errorf("weights written to the route: %v, want %v", got, want)
		}
		return nil
	}
}

const routeRes = "bluegreen_gateway_route_switch.a"

// TestAccGatewayRouteSwitch_canaryAndRollback: a canary to green is observed
// in the route's weights at each step (read from the API server during the
// holds, and in the log of the provider's writes); a canary back to blue
// rolls back when the blue Pods crash-loop during its second step, and the
// route sends everything to green again.
func TestAccGatewayRouteSwitch_canaryAndRollback(t *testing.T) {
	kt := newKubeTest(t)
	kt.gatewaySetup()
	canary := `
  bake_time = "1m"
  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "1m"
  }
  rollback_on = {
    evaluation_interval = "20s"
    failure_threshold   = 2
  }`
	var seen weightLog
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: kt.Factories,
		CheckDestroy: func(*terraform.State) error {
			owner, err := gatewayroute.Owner(context.Background(), kt.Kube.Dynamic, kt.NS, "web")
			if err != nil || owner != "" {
				return fmt.Errorf("after destroy the route's owner mark is %q (%v), want none", owner, err)
			}
			return kt.expectRoute("web", 0, 100)(nil)
		},
		Steps: []resource.TestStep{
			{
				Config: kt.providerBlock() + kt.routeSwitch("a", "blue", canary),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(routeRes, tfjsonpath.New("blue_weight"), knownvalue.Int64Exact(100)),
					statecheck.ExpectKnownValue(routeRes, tfjsonpath.New("status"), knownvalue.StringExact("stable")),
					statecheck.ExpectKnownValue(routeRes, tfjsonpath.New("id"), knownvalue.StringExact(kt.NS+"/web")),
				},
				Check: resource.ComposeTestCheckFunc(kt.expectRoute("web", 100, 0), kt.expectOwnerIsState(routeRes)),
			},
			{
				PreConfig: func() {
					kt.Proxy.Reset()
					seen.observe(kt, 30*time.Second, 90*time.Second, 150*time.Second)
				},
				Config: kt.providerBlock() + kt.routeSwitch("a", "green", canary),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(routeRes, tfjsonpath.New("planned_steps"), knownvalue.ListSizeExact(3)),
					plancheck.ExpectKnownValue(routeRes, tfjsonpath.New("planned_steps").AtSliceIndex(0).AtMapKey("green_weight"), knownvalue.Int64Exact(10)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(routeRes, tfjsonpath.New("green_weight"), knownvalue.Int64Exact(100)),
					statecheck.ExpectKnownValue(routeRes, tfjsonpath.New("status"), knownvalue.StringExact("stable")),
					statecheck.ExpectKnownValue(routeRes, tfjsonpath.New("last_shift").AtMapKey("steps"), knownvalue.ListSizeExact(3)),
				},
				Check: resource.ComposeTestCheckFunc(
					seen.expect("90/10@30s", "50/50@1m30s", "0/100@2m30s"),
					kt.expectRouteWrites("90/10", "50/50", "0/100"),
					kt.expectRoute("web", 0, 100)),
			},
			{
				PreConfig: func() {
					kt.Proxy.Reset()
					seen.observe(kt, 30*time.Second, 65*time.Second)
					kt.at(70*time.Second, "crash-looping the blue pods", func(ctx context.Context) error {
						return kt.setPodsReady(ctx, traffic.Blue, false)
					})
				},
				Config:      kt.providerBlock() + kt.routeSwitch("a", "blue", canary),
				ExpectError: regexp.MustCompile(`(?s)Shift rolled back.*pod_readiness.*step\s+2/3\s+\(50%\).*CrashLoopBackOff.*restored\s+blue=0\s+green=100`),
			},
			{
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeTestCheckFunc(
					// 10/90 in the first step, 50/50 in the second; the
					// second failed evaluation (100 s) restores green.
					seen.expect("10/90@30s", "50/50@1m5s"),
					kt.expectRouteWrites("10/90", "50/50", "0/100"),
					kt.expectRoute("web", 0, 100),
					resource.TestCheckResourceAttr(routeRes, "status", "rolled_back"),
					resource.TestCheckResourceAttr(routeRes, "active_color", "green"),
					resource.TestCheckResourceAttr(routeRes, "last_shift.result", "rolled_back")),
			},
		},
	})
}

// expectOwnerIsState checks that the route carries the switch's owner_id.
func (kt *kubeTest) expectOwnerIsState(address string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[address]
		if !ok {
			return fmt.Errorf("%s not in state", address)
		}
		owner, err := gatewayroute.Owner(context.Background(), kt.Kube.Dynamic, kt.NS, "web")
		if err != nil {
			return err
		}
		if id := rs.Primary.Attributes["owner_id"]; id == "" || owner != id {
			return fmt.Errorf("route owner mark %q, switch owner_id %q", owner, id)
		}
		return nil
	}
}

// TestAccGatewayRouteSwitch_ownershipAndImport: a second switch on the same
// route is refused; importing the route into it takes the route over at its
// first apply, after which the first switch is refused at plan.
func TestAccGatewayRouteSwitch_ownershipAndImport(t *testing.T) {
	kt := newKubeTest(t)
	kt.gatewaySetup()
	both := kt.providerBlock() + kt.routeSwitch("a", "blue", "") + kt.routeSwitch("b", "blue", "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: kt.Factories,
		Steps: []resource.TestStep{
			{
				Config: kt.providerBlock() + kt.routeSwitch("a", "blue", ""),
				Check:  kt.expectOwnerIsState(routeRes),
			},
			{
				Config:      both,
				ExpectError: regexp.MustCompile(`(?s)Route owned by another switch.*is\s+owned\s+by\s+another\s+switch`),
			},
			{
				// An import block takes the route into the second switch;
				// its first apply takes the route over (nothing moves), and
				// from then on the first switch is refused at plan.
				Config: both + fmt.Sprintf(`
import {
  to = bluegreen_gateway_route_switch.b
  id = "%s/web"
}
`, kt.NS),
				ExpectError: regexp.MustCompile(`(?s)Route owned by another switch.*kubectl\s+-n\s+\S+\s+annotate\s+httproute\s+web`),
			},
			{
				// Someone edits the weights by hand; the owner's next plan
				// starts from them (drifted) and puts them back. The first
				// switch goes (its destroy leaves the new owner's mark).
				PreConfig: func() {
					ctx := context.Background()
					obj, err := kt.Kube.Dynamic.Resource(testenv.HTTPRouteGVR).Namespace(kt.NS).Get(ctx, "web", metav1.GetOptions{})
					if err != nil {
						t.Fatal(err)
					}
					rules, _, _ := unstructured.NestedSlice(obj.Object, "spec", "rules")
					refs := rules[0].(map[string]any)["backendRefs"].([]any)
					refs[0].(map[string]any)["weight"] = int64(70)
					refs[1].(map[string]any)["weight"] = int64(30)
					if err := unstructured.SetNestedSlice(obj.Object, rules, "spec", "rules"); err != nil {
						t.Fatal(err)
					}
					if _, err := kt.Kube.Dynamic.Resource(testenv.HTTPRouteGVR).Namespace(kt.NS).Update(ctx, obj, metav1.UpdateOptions{}); err != nil {
						t.Fatal(err)
					}
				},
				Config: kt.providerBlock() + kt.routeSwitch("b", "blue", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					expectPriorState("bluegreen_gateway_route_switch.b", "status", "drifted"),
					expectPriorState("bluegreen_gateway_route_switch.b", "green_weight", float64(30)),
					plancheck.ExpectKnownValue("bluegreen_gateway_route_switch.b", tfjsonpath.New("planned_steps"), knownvalue.ListSizeExact(1)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("bluegreen_gateway_route_switch.b", tfjsonpath.New("status"), knownvalue.StringExact("stable")),
					statecheck.ExpectKnownValue("bluegreen_gateway_route_switch.b", tfjsonpath.New("blue_weight"), knownvalue.Int64Exact(100)),
				},
				Check: resource.ComposeTestCheckFunc(kt.expectRoute("web", 100, 0), kt.expectOwnerIsState("bluegreen_gateway_route_switch.b")),
			},
		},
	})
}

// TestAccGatewayRouteSwitch_concurrentWriter: another writer moves the
// weights between the switch's read and its write of the canary's second
// step. The API server refuses the switch's update (stale resourceVersion);
// the switch stops as a conflict and leaves the other writer's weights.
func TestAccGatewayRouteSwitch_concurrentWriter(t *testing.T) {
	kt := newKubeTest(t)
	kt.gatewaySetup()
	canary := `
  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "1m"
  }`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: kt.Factories,
		Steps: []resource.TestStep{
			{Config: kt.providerBlock() + kt.routeSwitch("a", "blue", canary), Check: kt.expectRoute("web", 100, 0)},
			{
				PreConfig: func() {
					kt.Proxy.Reset()
					kt.Proxy.OnWrite(func(w kubeWrite) bool {
						var obj unstructured.Unstructured
						if w.Method != "PUT" || !strings.HasSuffix(w.Path, "/httproutes/web") || json.Unmarshal(w.Body, &obj.Object) != nil {
							return false
						}
						if ws, err := ruleWeights(&obj); err != nil || ws != (traffic.Weights{Blue: 50, Green: 50}) {
							return false
						}
						ctx := context.Background()
						cur, err := kt.Kube.Dynamic.Resource(testenv.HTTPRouteGVR).Namespace(kt.NS).Get(ctx, "web", metav1.GetOptions{})
						if err != nil {
							t.Errorf("the other writer: %v", err)
							return true
						}
						rules, _, _ := unstructured.NestedSlice(cur.Object, "spec", "rules")
						refs := rules[0].(map[string]any)["backendRefs"].([]any)
						refs[0].(map[string]any)["weight"] = int64(80)
						refs[1].(map[string]any)["weight"] = int64(20)
						_ = unstructured.SetNestedSlice(cur.Object, rules, "spec", "rules")
						if _, err := kt.Kube.Dynamic.Resource(testenv.HTTPRouteGVR).Namespace(kt.NS).Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
							t.Errorf("the other writer: %v", err)
						}
						return true
					})
				},
				Config:      kt.providerBlock() + kt.routeSwitch("a", "green", canary),
				ExpectError: regexp.MustCompile(`(?s)Route changed by someone else.*weights\s+changed\s+by\s+another\s+writer.*resourceVersion.*found\s+blue=80\s+green=20.*nothing\s+was\s+restored`),
			},
			{
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeTestCheckFunc(
					kt.expectRoute("web", 80, 20),
					// 90/10, then the refused 50/50; nothing after it.
					kt.expectRouteWrites("90/10", "50/50"),
					resource.TestCheckResourceAttr(routeRes, "status", "conflict"),
					resource.TestCheckResourceAttr(routeRes, "active_color", "blue"),
					resource.TestCheckResourceAttr(routeRes, "last_shift.result", "conflict")),
			},
		},
	})
}
