package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/kubeservice"
)

const kubeServiceRes = "bluegreen_kubernetes_service_switch.web"

// serviceSwitchConfig is a switch on Service "web" of the test's namespace.
func (kt *kubeTest) serviceSwitchConfig(color, body string) string {
	return kt.providerBlock() + serviceSwitchBlock("web", kt.NS, color, body)
}

// serviceSwitchBlock is switch name on Service "web" of namespace ns,
// without a provider block.
func serviceSwitchBlock(name, ns, color, body string) string {
	return fmt.Sprintf(`
resource "bluegreen_kubernetes_service_switch" %q {
  namespace    = %q
  service      = "web"
  active_color = %q
%s
}
`, name, ns, color, body)
}

func kubeServiceState(blue, green int64, status, active string) []statecheck.StateCheck {
	return []statecheck.StateCheck{
		statecheck.ExpectKnownValue(kubeServiceRes, tfjsonpath.New("blue_weight"), knownvalue.Int64Exact(blue)),
		statecheck.ExpectKnownValue(kubeServiceRes, tfjsonpath.New("green_weight"), knownvalue.Int64Exact(green)),
		statecheck.ExpectKnownValue(kubeServiceRes, tfjsonpath.New("status"), knownvalue.StringExact(status)),
		statecheck.ExpectKnownValue(kubeServiceRes, tfjsonpath.New("active_color"), knownvalue.StringExact(active)),
	}
}

func kubeServiceAttrs(blue, green int, status, active string) resource.TestCheckFunc {
	return resource.ComposeTestCheckFunc(
		resource.TestCheckResourceAttr(kubeServiceRes, "blue_weight", fmt.Sprint(blue)),
		resource.TestCheckResourceAttr(kubeServiceRes, "green_weight", fmt.Sprint(green)),
		resource.TestCheckResourceAttr(kubeServiceRes, "status", status),
		resource.TestCheckResourceAttr(kubeServiceRes, "active_color", active),
	)
}

// newServiceTest is a kubeTest with Service web selecting blue, blue ready
// Pods and green Pods (ready or not).
func newServiceTest(t *testing.T, blue, green int, greenReady bool) *kubeTest {
	t.Helper()
	kt := newKubeTest(t)
	kt.createService("web", blueSelector)
	kt.createPods(traffic.Blue, blue, true)
	kt.createPods(traffic.Green, green, greenReady)
	return kt
}

// refreshAfterShift is the step after a shift that did not land, with blue
// still the intended color: the refresh reads weights blue/green, status
// and last_shift.result; the Service selects sel; the provider has written
// the Service writes times since the proxy was last reset.
func (kt *kubeTest) refreshAfterShift(blue, green int, status, result string, sel map[string]string, writes int) resource.TestStep {
	return resource.TestStep{
		RefreshState:       true,
		ExpectNonEmptyPlan: true,
		Check: resource.ComposeTestCheckFunc(kubeServiceAttrs(blue, green, status, "blue"),
			resource.TestCheckResourceAttr(kubeServiceRes, "last_shift.result", result),
			kt.expectSelector("web", sel), kt.expectServiceWrites(writes)),
	}
}

var (
	blueSelector  = map[string]string{"app": "web", "color": "blue"}
	greenSelector = map[string]string{"app": "web", "color": "green"}
)

// serviceWrites counts the provider's writes of Service web.
func (kt *kubeTest) expectServiceWrites(n int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if got := kt.Proxy.Writes("/services/web"); len(got) != n {
			return fmt.Errorf("%d writes of the service, want %d: %v", len(got), n, got)
		}
		return nil
	}
}

// TestAccKubernetesServiceSwitch_flip: a canary strategy is refused at plan
// (a selector has no weights); the flip to green is refused by the pre-flight
// while no green Pod is ready (nothing written); once they are ready the
// selector flips, keeping the keys the switch does not manage; import reads
// the switch back.
func TestAccKubernetesServiceSwitch_flip(t *testing.T) {
	kt := newServiceTest(t, 2, 2, false)
	readiness := `
  pod_readiness = { min_ready_count = 2 }
  bake_time = "1m"`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: kt.Factories,
		Steps: []resource.TestStep{
			{
				Config: kt.serviceSwitchConfig("green", readiness+`
  strategy = {
    type  = "canary"
    steps = [10]
  }`),
				ExpectError: regexp.MustCompile(`(?s)Strategy not possible with a Service selector.*no\s+weights`),
			},
			{
				Config:      kt.serviceSwitchConfig("green", readiness+"\n  traffic_percent = 10"),
				ExpectError: regexp.MustCompile(`(?s)Share not possible with a Service selector.*cannot\s+park`),
			},
			{
				Config: kt.serviceSwitchConfig("blue", `
  rollback_on = {
    alarm_names = ["web-5xx"]
  }`),
				ExpectError: regexp.MustCompile(`(?s)Check not available on Kubernetes.*CloudWatch\s+alarms.*pod_readiness`),
			},
			{
				// Create: the Service selects blue already, nothing moves.
				Config: kt.serviceSwitchConfig("blue", readiness),
				ConfigStateChecks: append(kubeServiceState(100, 0, "stable", "blue"),
					statecheck.ExpectKnownValue(kubeServiceRes, tfjsonpath.New("id"), knownvalue.StringExact(kt.NS+"/web"))),
				// One write: the owner mark; the selector is untouched.
				Check: resource.ComposeTestCheckFunc(kt.expectSelector("web", blueSelector), kt.expectServiceWrites(1), kt.expectServiceOwner(true)),
			},
			{
				Config: kt.serviceSwitchConfig("green", readiness),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					// All at once by nature: one step, 100 %.
					plancheck.ExpectKnownValue(kubeServiceRes, tfjsonpath.New("planned_steps"), knownvalue.ListSizeExact(1)),
					plancheck.ExpectKnownValue(kubeServiceRes, tfjsonpath.New("planned_steps").AtSliceIndex(0).AtMapKey("green_weight"), knownvalue.Int64Exact(100)),
				}},
				ExpectError: regexp.MustCompile(`(?s)Pre-flight check refused the shift.*0/2\s+pods\s+of\s+color\s+green.*CrashLoopBackOff`),
			},
			kt.refreshAfterShift(100, 0, "stable", "preflight_failed", blueSelector, 1),
			{
				PreConfig: func() {
					if err := kt.setPodsReady(context.Background(), traffic.Green, true); err != nil {
						t.Fatal(err)
					}
				},
				Config: kt.serviceSwitchConfig("green", readiness),
				ConfigStateChecks: append(kubeServiceState(0, 100, "stable", "green"),
					statecheck.ExpectKnownValue(kubeServiceRes, tfjsonpath.New("last_shift").AtMapKey("result"), knownvalue.StringExact("succeeded"))),
				Check: resource.ComposeTestCheckFunc(kt.expectSelector("web", greenSelector), kt.expectServiceWrites(2)),
			},
			{
				ResourceName:      kubeServiceRes,
				ImportState:       true,
				ImportStateId:     kt.NS + "/web",
				ImportStateVerify: true,
				// The owner ID is given at the import's first apply.
				ImportStateVerifyIgnore: []string{"last_shift", "planned_steps", "worst_case_duration", "timeouts", "bake_time",
					"pod_readiness", "owner_id"},
			},
		},
	})
}

// TestAccKubernetesServiceSwitch_rollbackWhenReadinessDrops: the green Pods
// crash-loop 45 s into the bake; the pod readiness check fails twice and the
// switch puts the blue selector back by itself.
func TestAccKubernetesServiceSwitch_rollbackWhenReadinessDrops(t *testing.T) {
	kt := newServiceTest(t, 2, 2, true)
	body := `
  bake_time = "3m"
  rollback_on = {
    evaluation_interval = "10s"
    failure_threshold   = 2
  }`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: kt.Factories,
		Steps: []resource.TestStep{
			{Config: kt.serviceSwitchConfig("blue", body), ConfigStateChecks: kubeServiceState(100, 0, "stable", "blue")},
			{
				PreConfig: func() {
					kt.Proxy.Reset()
					kt.at(45*time.Second, "crash-looping the green pods", func(ctx context.Context) error {
						// The flip happened before: the Service selects green now.
						if sel, err := kt.selector(ctx, "web"); err != nil || sel["color"] != "green" {
							return fmt.Errorf("during the bake the service selects %v (%v), want green", sel, err)
						}
						return kt.setPodsReady(ctx, traffic.Green, false)
					})
				},
				Config:      kt.serviceSwitchConfig("green", body),
				ExpectError: regexp.MustCompile(`(?s)Shift rolled back.*pod_readiness.*0/2\s+pods\s+of\s+color\s+green.*CrashLoopBackOff.*restored\s+blue=100`),
			},
			// The flip and the restore, nothing else.
			kt.refreshAfterShift(100, 0, "rolled_back", "rolled_back", blueSelector, 2),
		},
	})
}

// TestAccKubernetesServiceSwitch_drift: someone flips the selector by hand;
// refresh reports drifted and the next apply flips it back (gated by the
// blue Pods). A selector of neither color is refused at plan, naming the
// fix.
func TestAccKubernetesServiceSwitch_drift(t *testing.T) {
	kt := newServiceTest(t, 1, 1, true)
	cfg := kt.serviceSwitchConfig("blue", "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: kt.Factories,
		Steps: []resource.TestStep{
			{Config: cfg, ConfigStateChecks: kubeServiceState(100, 0, "stable", "blue")},
			{
				PreConfig: func() {
					if err := kt.setSelector(context.Background(), "web", greenSelector); err != nil {
						t.Fatal(err)
					}
				},
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check:              kubeServiceAttrs(0, 100, "drifted", "blue"),
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(kubeServiceRes, tfjsonpath.New("planned_steps"), knownvalue.ListSizeExact(1)),
					plancheck.ExpectKnownValue(kubeServiceRes, tfjsonpath.New("planned_steps").AtSliceIndex(0).AtMapKey("blue_weight"), knownvalue.Int64Exact(100)),
				}},
				ConfigStateChecks: kubeServiceState(100, 0, "stable", "blue"),
				Check:             kt.expectSelector("web", blueSelector),
			},
			{
				PreConfig: func() {
					if err := kt.setSelector(context.Background(), "web", map[string]string{"app": "web", "color": "canary"}); err != nil {
						t.Fatal(err)
					}
				},
				Config:      cfg,
				ExpectError: regexp.MustCompile(`(?s)Service selects neither color.*kubectl\s+-n\s+\S+\s+patch\s+service\s+web`),
			},
		},
	})
}

// TestAccKubernetesServiceSwitch_concurrentWriter: another writer changes the
// selector between the switch's read and its write. The API server refuses
// the switch's update (stale resourceVersion); the switch reports a conflict
// and leaves the other writer's selector alone — no retry over it, no
// "restore" over it.
func TestAccKubernetesServiceSwitch_concurrentWriter(t *testing.T) {
	kt := newServiceTest(t, 1, 1, true)
	// The other writer flips to green itself: the very weights the switch
	// was writing. Rolling back "its own" write would overwrite them.
	other := greenSelector
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: kt.Factories,
		Steps: []resource.TestStep{
			{Config: kt.serviceSwitchConfig("blue", ""), ConfigStateChecks: kubeServiceState(100, 0, "stable", "blue")},
			{
				PreConfig: func() {
					kt.Proxy.Reset()
					kt.Proxy.OnWrite(func(w kubeWrite) bool {
						if w.Method != "PUT" || !strings.HasSuffix(w.Path, "/services/web") {
							return false
						}
						obj, _, err := scheme.Codecs.UniversalDeserializer().Decode(w.Body, nil, nil)
						if svc, ok := obj.(*corev1.Service); err != nil || !ok || svc.Spec.Selector["color"] != "green" {
							t.Errorf("first write of the service: %v, %T %v", err, obj, obj)
						}
						if err := kt.setSelector(context.Background(), "web", other); err != nil {
							t.Errorf("the other writer: %v", err)
						}
						return true
					})
				},
				Config:      kt.serviceSwitchConfig("green", ""),
				ExpectError: regexp.MustCompile(`(?s)Service changed by someone else.*selector\s+changed\s+by\s+another\s+writer.*resourceVersion.*found\s+\{color=green\}.*nothing\s+was\s+restored`),
			},
			// The one refused write; the switch wrote nothing after it.
			kt.refreshAfterShift(0, 100, "conflict", "conflict", other, 1),
		},
	})
}

// TestAccKubernetesProvider_configurations: the provider reaches the API
// server through a kubeconfig and a named context (client certificate),
// through host, token and CA, and says which attribute to set when nothing
// is configured.
func TestAccKubernetesProvider_configurations(t *testing.T) {
	kt := newServiceTest(t, 1, 0, true)
	kubeconfig := kt.Kube.Kubeconfig(t)
	sw := serviceSwitchBlock("web", kt.NS, "blue", "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: kt.Factories,
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
provider "bluegreen" {
  kubernetes = {
    config_path    = %q
    config_context = "cert"
  }
}
`, kubeconfig) + sw,
				ConfigStateChecks: kubeServiceState(100, 0, "stable", "blue"),
			},
			{
				Config: fmt.Sprintf(`
provider "bluegreen" {
  kubernetes = {
    host                   = %q
    token                  = %q
    cluster_ca_certificate = <<-EOT
%s
    EOT
  }
}
`, kt.Kube.Host, kt.Kube.Token, strings.TrimSpace(string(kt.Kube.CAPEM))) + sw,
				ConfigStateChecks: kubeServiceState(100, 0, "stable", "blue"),
			},
			{
				Config:      sw,
				ExpectError: regexp.MustCompile(`(?s)Kubernetes is not configured.*bluegreen_kubernetes_service_switch.*kubernetes\s+attribute`),
			},
		},
	})
}

// TestAccKubernetesServiceSwitch_ctrlC: Ctrl-C during the bake puts the blue
// selector back and the saved state says rolled_back; with on_interrupt =
// "hold" the green selector stays and is recorded as held. The real CLI runs
// the built provider on the real clock, so Terraform itself is interrupted,
// without any AWS region or credentials in its environment.
func TestAccKubernetesServiceSwitch_ctrlC(t *testing.T) {
	for _, tc := range []struct {
		onInterrupt, status string
		want                map[string]string
		blue, green         float64
	}{
		{"rollback", "rolled_back", blueSelector, 100, 0},
		{"hold", "held", greenSelector, 0, 100},
	} {
		t.Run(tc.onInterrupt, func(t *testing.T) {
			t.Parallel()
			kt := newServiceTest(t, 1, 1, true)
			work := t.TempDir()
			// No AWS region anywhere: a configuration with only Kubernetes
			// switches must not need one.
			var env []string
			for _, kv := range os.Environ() {
				if !strings.HasPrefix(kv, "AWS_") {
					env = append(env, kv)
				}
			}
			env = append(env, "TF_CLI_CONFIG_FILE="+devOverridesRC(t), "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1",
				"AWS_CONFIG_FILE="+filepath.Join(work, "no-aws-config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(work, "no-aws-credentials"))
			writeFile(t, filepath.Join(work, "main.tf"), fmt.Sprintf(`
terraform {
  required_providers {
    bluegreen = { source = "bluegreen-tf/bluegreen" }
  }
}
variable "color" { type = string }
provider "bluegreen" {
  kubernetes = {
    host                   = %q
    token                  = %q
    cluster_ca_certificate = <<-EOT
%s
    EOT
  }
}
resource "bluegreen_kubernetes_service_switch" "web" {
  namespace    = %q
  service      = "web"
  active_color = var.color
  bake_time    = "10m"
  on_interrupt = %q
}
`, kt.Kube.Host, kt.Kube.Token, strings.TrimSpace(string(kt.Kube.CAPEM)), kt.NS, tc.onInterrupt))
			tf := cliPath(t)
			cmd := func(args ...string) *exec.Cmd {
				c := exec.Command(tf, args...)
				c.Dir, c.Env = work, env
				c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
				return c
			}
			if out, err := cmd("apply", "-auto-approve", "-no-color", "-var", "color=blue").CombinedOutput(); err != nil {
				t.Fatalf("apply blue: %v\n%s", err, out)
			}
			apply := cmd("apply", "-auto-approve", "-no-color", "-var", "color=green")
			var out strings.Builder
			apply.Stdout, apply.Stderr = &out, &out
			if err := apply.Start(); err != nil {
				t.Fatal(err)
			}
			// Wait (in real time: the CLI runs on the real clock) for the
			// flip, then interrupt the bake as Ctrl-C does.
			deadline := time.Now().Add(90 * time.Second)
			for {
				if sel, err := kt.selector(context.Background(), "web"); err == nil && sel["color"] == "green" {
					break
				}
				if time.Now().After(deadline) {
					_ = syscall.Kill(-apply.Process.Pid, syscall.SIGKILL)
					_ = apply.Wait()
					t.Fatalf("the selector never flipped to green:\n%s", out.String())
				}
				time.Sleep(50 * time.Millisecond)
			}
			_ = syscall.Kill(apply.Process.Pid, syscall.SIGINT)
			if err := apply.Wait(); err == nil {
				t.Fatalf("an interrupted apply must fail:\n%s", out.String())
			}
			if err := kt.expectSelector("web", tc.want)(nil); err != nil {
				t.Fatalf("after Ctrl-C: %v\n%s", err, out.String())
			}
			show, err := cmd("show", "-json").Output()
			if err != nil {
				t.Fatalf("show: %v", err)
			}
			var st struct {
				Values struct {
					RootModule struct {
						Resources []struct{ Values map[string]any } `json:"resources"`
					} `json:"root_module"`
				} `json:"values"`
			}
			if err := json.Unmarshal(show, &st); err != nil || len(st.Values.RootModule.Resources) != 1 {
				t.Fatalf("state: %v\n%s", err, show)
			}
			v := st.Values.RootModule.Resources[0].Values
			if v["status"] != tc.status || v["active_color"] != "blue" || v["blue_weight"] != tc.blue || v["green_weight"] != tc.green {
				t.Fatalf("state status=%v active=%v weights=%v/%v, want %s, blue, %v/%v", v["status"], v["active_color"],
					v["blue_weight"], v["green_weight"], tc.status, tc.blue, tc.green)
			}
		})
	}
}

// expectServiceOwner checks whether Service web carries the switch's
// owner_id as its owner mark (or no mark at all).
func (kt *kubeTest) expectServiceOwner(marked bool) resource.TestCheckFunc {
	return kt.expectServiceOwnerIs(kubeServiceRes, marked)
}

func (kt *kubeTest) expectServiceOwnerIs(address string, marked bool) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		owner, err := kubeservice.Owner(context.Background(), kt.Kube.Core.CoreV1(), kt.NS, "web")
		if err != nil {
			return err
		}
		if !marked {
			if owner != "" {
				return fmt.Errorf("service web still carries owner mark %q", owner)
			}
			return nil
		}
		rs, ok := s.RootModule().Resources[address]
		if !ok {
			return fmt.Errorf("%s not in state", address)
		}
		if id := rs.Primary.Attributes["owner_id"]; id == "" || owner != id {
			return fmt.Errorf("service owner mark %q, switch owner_id %q", owner, id)
		}
		return nil
	}
}

// TestAccKubernetesServiceSwitch_ownership: a second switch on the same
// Service is refused at apply without touching the selector; importing the
// Service into it takes the Service over at its first apply, after which the
// first switch is refused at plan; destroy removes the owner mark and leaves
// the selector where it is.
func TestAccKubernetesServiceSwitch_ownership(t *testing.T) {
	kt := newServiceTest(t, 1, 1, true)
	second := serviceSwitchBlock("other", kt.NS, "green", "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: kt.Factories,
		CheckDestroy:             resource.ComposeTestCheckFunc(kt.expectServiceOwner(false), kt.expectSelector("web", greenSelector)),
		Steps: []resource.TestStep{
			{Config: kt.serviceSwitchConfig("blue", ""), Check: kt.expectServiceOwner(true)},
			{
				Config:      kt.serviceSwitchConfig("blue", "") + second,
				ExpectError: regexp.MustCompile(`(?s)Service owned by another switch.*is\s+owned\s+by\s+another\s+switch`),
			},
			{
				Config:            kt.serviceSwitchConfig("green", ""),
				ConfigStateChecks: kubeServiceState(0, 100, "stable", "green"),
				Check:             resource.ComposeTestCheckFunc(kt.expectSelector("web", greenSelector), kt.expectServiceOwner(true)),
			},
			{
				Config: kt.serviceSwitchConfig("green", "") + second + fmt.Sprintf(`
import {
  to = bluegreen_kubernetes_service_switch.other
  id = "%s/web"
}
`, kt.NS),
				ExpectError: regexp.MustCompile(`(?s)Service owned by another switch.*kubectl\s+-n\s+\S+\s+annotate\s+service\s+web`),
			},
			{
				Config: kt.providerBlock() + second,
				Check: resource.ComposeTestCheckFunc(kt.expectSelector("web", greenSelector),
					kt.expectServiceOwnerIs("bluegreen_kubernetes_service_switch.other", true),
					resource.TestCheckResourceAttr("bluegreen_kubernetes_service_switch.other", "status", "stable")),
			},
		},
	})
}
