package provider

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/demoapp"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/testenv"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/haproxy"
)

// Acceptance tests of bluegreen_haproxy_switch against a real HAProxy
// (internal/testsupport/testenv) started per test on loopback. HAProxy's own state is
// the witness: every weight the switch wrote is observed through a
// recording proxy in front of the Runtime API, which reads HAProxy's
// weights right after each write line.

const haproxyRes = "bluegreen_haproxy_switch.test"

func haproxySwitchConfig(address, color, body string) string {
	return fmt.Sprintf(`
resource "bluegreen_haproxy_switch" "test" {
  address      = %q
  backend      = "app"
  active_color = %q
%s
}
`, address, color, body)
}

const haproxyCanary = `
  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "2m"
  }
  bake_time = "1m"`

// haproxyWeights reads the color weights the running HAProxy has, with the
// router's own decoding (k·W sums), straight from the admin socket.
func haproxyWeights(t *testing.T, h *testenv.HAProxy) traffic.Weights {
	t.Helper()
	w, err := readHAProxy(h.AdminTCP)
	if err != nil {
		t.Fatalf("reading HAProxy: %v", err)
	}
	return w
}

func readHAProxy(address string) (traffic.Weights, error) {
	rt, err := haproxy.New(haproxy.Config{Address: address, Backend: "app"})
	if err != nil {
		return traffic.Weights{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return rt.Read(ctx)
}

func expectHAProxy(h *testenv.HAProxy, blue, green int32) resource.TestCheckFunc {
	return func(*terraform.State) error {
		w, err := readHAProxy(h.AdminTCP)
		if err != nil {
			return err
		}
		if w != (traffic.Weights{Blue: blue, Green: green}) {
			return fmt.Errorf("HAProxy runs %s, want blue=%d green=%d", w, blue, green)
		}
		return nil
	}
}

func haproxyStateChecks(blue, green int64, status, active string) []statecheck.StateCheck {
	return []statecheck.StateCheck{
		statecheck.ExpectKnownValue(haproxyRes, tfjsonpath.New("blue_weight"), knownvalue.Int64Exact(blue)),
		statecheck.ExpectKnownValue(haproxyRes, tfjsonpath.New("green_weight"), knownvalue.Int64Exact(green)),
		statecheck.ExpectKnownValue(haproxyRes, tfjsonpath.New("status"), knownvalue.StringExact(status)),
		statecheck.ExpectKnownValue(haproxyRes, tfjsonpath.New("active_color"), knownvalue.StringExact(active)),
	}
}

func haproxyAttrs(blue, green int, status, active string) resource.TestCheckFunc {
	return resource.ComposeTestCheckFunc(
		resource.TestCheckResourceAttr(haproxyRes, "blue_weight", fmt.Sprint(blue)),
		resource.TestCheckResourceAttr(haproxyRes, "green_weight", fmt.Sprint(green)),
		resource.TestCheckResourceAttr(haproxyRes, "status", status),
		resource.TestCheckResourceAttr(haproxyRes, "active_color", active),
	)
}

// runtimeRecorder is a TCP proxy in front of HAProxy's admin socket that
// logs every command line and, after each line that sets a weight, the
// weights HAProxy runs (read on its own connection once HAProxy answered).
type runtimeRecorder struct {
	Address string // ipv4@127.0.0.1:PORT, for the switch's address
	mu      sync.Mutex
	lines   []string
	after   []string
	errs    []string
	// afterReadBack, when set, runs once, right after HAProxy answered the
	// read-back that follows the first write (before the switch gets the
	// answer): another writer acting between two steps.
	afterReadBack func()
	lastWasSet    bool
}

func recordRuntimeAPI(t *testing.T, h *testenv.HAProxy) *runtimeRecorder {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	rec := &runtimeRecorder{Address: "ipv4@" + ln.Addr().String()}
	_, upstream, err := haproxy.ParseAddress(h.AdminTCP)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go rec.serve(c, upstream, h.AdminTCP)
		}
	}()
	return rec
}

func (r *runtimeRecorder) serve(c net.Conn, upstream, admin string) {
	defer c.Close()
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return
	}
	u, err := net.DialTimeout("tcp", upstream, 5*time.Second)
	if err != nil {
		r.fail(err)
		return
	}
	defer u.Close()
	if _, err := io.WriteString(u, line); err != nil {
		r.fail(err)
		return
	}
	answer, _ := io.ReadAll(u)
	line = strings.TrimSpace(line)
	var after string
	if strings.Contains(line, "set server") {
		w, err := readHAProxy(admin)
		if err != nil {
			r.fail(err)
		}
		after = fmt.Sprintf("%d/%d", w.Blue, w.Green)
	}
	r.mu.Lock()
	r.lines = append(r.lines, line)
	if after != "" {
		r.after = append(r.after, after)
	}
	var hook func()
	if r.lastWasSet && strings.HasPrefix(line, "show servers state") && r.afterReadBack != nil {
		hook, r.afterReadBack = r.afterReadBack, nil
	}
	r.lastWasSet = after != ""
	r.mu.Unlock()
	if hook != nil {
		hook()
	}
	_, _ = c.Write(answer)
}

func (r *runtimeRecorder) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err.Error())
}

// Writes are HAProxy's weights after each write line, "blue/green".
func (r *runtimeRecorder) Writes() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.after...)
}

func (r *runtimeRecorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines, r.after, r.errs, r.lastWasSet = nil, nil, nil, false
}

func (r *runtimeRecorder) expectWrites(want ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		if len(r.errs) > 0 {
			return fmt.Errorf("recording proxy: %v", r.errs)
		}
		if strings.Join(r.after, " ") != strings.Join(want, " ") {
			return fmt.Errorf("HAProxy ran %v after the switch's writes, want %v (lines: %q)", r.after, want, r.lines)
		}
		return nil
	}
}

// TestAccHAProxySwitch_canary: blue → green in canary steps; HAProxy runs
// 90/10, 50/50, 0/100 right after each write, the state file makes a reload
// keep 0/100, and the switch imports back by address|backend.
func TestAccHAProxySwitch_canary(t *testing.T) {
	skipUnlessAcc(t)
	h := testenv.StartHAProxy(t, testenv.HAProxyOptions{Blue: 2, Green: 3, StateFile: true})
	rec := recordRuntimeAPI(t, h)
	body := haproxyCanary + fmt.Sprintf("\n  state_file = %q", h.StateFile)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccFakeClockFactories,
		Steps: []resource.TestStep{
			{
				Config: haproxySwitchConfig(rec.Address, "blue", body),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					// Read from HAProxy at plan time: nothing to move.
					plancheck.ExpectKnownValue(haproxyRes, tfjsonpath.New("planned_steps"), knownvalue.ListSizeExact(0)),
					plancheck.ExpectKnownValue(haproxyRes, tfjsonpath.New("blue_weight"), knownvalue.Int64Exact(100)),
				}},
				ConfigStateChecks: append(haproxyStateChecks(100, 0, "stable", "blue"),
					statecheck.ExpectKnownValue(haproxyRes, tfjsonpath.New("id"), knownvalue.StringExact(rec.Address+"|app"))),
				Check: resource.ComposeTestCheckFunc(expectHAProxy(h, 100, 0), rec.expectWrites()),
			},
			{
				PreConfig: rec.Reset,
				Config:    haproxySwitchConfig(rec.Address, "green", body),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(haproxyRes, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(haproxyRes, tfjsonpath.New("planned_steps"), knownvalue.ListSizeExact(3)),
					plancheck.ExpectKnownValue(haproxyRes, tfjsonpath.New("planned_steps").AtSliceIndex(0).AtMapKey("green_weight"), knownvalue.Int64Exact(10)),
					plancheck.ExpectKnownValue(haproxyRes, tfjsonpath.New("planned_steps").AtSliceIndex(1).AtMapKey("blue_weight"), knownvalue.Int64Exact(50)),
					plancheck.ExpectKnownValue(haproxyRes, tfjsonpath.New("planned_steps").AtSliceIndex(2).AtMapKey("hold"), knownvalue.StringExact("1m0s")),
				}},
				ConfigStateChecks: append(haproxyStateChecks(0, 100, "stable", "green"),
					statecheck.ExpectKnownValue(haproxyRes, tfjsonpath.New("last_shift").AtMapKey("result"), knownvalue.StringExact("succeeded")),
					statecheck.ExpectKnownValue(haproxyRes, tfjsonpath.New("last_shift").AtMapKey("steps"), knownvalue.ListSizeExact(3))),
				Check: resource.ComposeTestCheckFunc(expectHAProxy(h, 0, 100), rec.expectWrites("90/10", "50/50", "0/100"),
					func(*terraform.State) error {
						// 2 blue and 3 green servers: the 10 % step is exact
						// (blue 90+90, green 7+7+6), as HAProxy itself says.
						out := h.MustCommand(t, "show servers state app")
						if !strings.Contains(out, "green3") {
							return fmt.Errorf("unexpected servers state: %s", out)
						}
						rt, _ := haproxy.New(haproxy.Config{Address: h.AdminTCP, Backend: "app", StateFile: h.StateFile})
						saved, err := rt.Persisted(context.Background())
						if err != nil || saved != traffic.Split(traffic.Green, 100) {
							return fmt.Errorf("state file restores %s (%v), want 0/100", saved, err)
						}
						return nil
					}),
			},
			{
				// A reload with the state file keeps the switch's weights:
				// nothing to do.
				PreConfig: func() {
					h.Reload(t)
					if w := haproxyWeights(t, h); w != traffic.Split(traffic.Green, 100) {
						t.Fatalf("after a reload with the state file HAProxy runs %s, want 0/100", w)
					}
				},
				Config:   haproxySwitchConfig(rec.Address, "green", body),
				PlanOnly: true,
			},
			{
				ResourceName:      haproxyRes,
				ImportState:       true,
				ImportStateId:     rec.Address + "|app",
				ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"last_shift", "planned_steps", "worst_case_duration", "timeouts", "strategy",
					"bake_time", "state_file"},
			},
		},
	})
}

// TestAccHAProxySwitch_rollbackOnHTTPCheck: a failing http check at the 50 %
// step rolls back; HAProxy runs 100/0 again and state says rolled_back.
func TestAccHAProxySwitch_rollbackOnHTTPCheck(t *testing.T) {
	skipUnlessAcc(t)
	h := testenv.StartHAProxy(t, testenv.HAProxyOptions{})
	rec := recordRuntimeAPI(t, h)
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "v2 is broken", http.StatusInternalServerError)
	}))
	t.Cleanup(bad.Close)
	body := fmt.Sprintf(`
  strategy = {
    type          = "canary"
    steps         = [50]
    step_interval = "1m"
  }
  rollback_on = {
    evaluation_interval = "10s"
    failure_threshold   = 2
    http = [{
      url     = "%s/health"
      timeout = "1s"
    }]
  }`, bad.URL)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccFakeClockFactories,
		Steps: []resource.TestStep{
			{Config: haproxySwitchConfig(rec.Address, "blue", body), ConfigStateChecks: haproxyStateChecks(100, 0, "stable", "blue")},
			{
				PreConfig:   rec.Reset,
				Config:      haproxySwitchConfig(rec.Address, "green", body),
				ExpectError: regexp.MustCompile(`(?s)Shift rolled back.*http.*500`),
			},
			{
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeTestCheckFunc(haproxyAttrs(100, 0, "rolled_back", "blue"),
					resource.TestCheckResourceAttr(haproxyRes, "last_shift.result", "rolled_back"),
					resource.TestMatchResourceAttr(haproxyRes, "last_shift.reason", regexp.MustCompile(`http`)),
					expectHAProxy(h, 100, 0), rec.expectWrites("50/50", "100/0")),
			},
		},
	})
}

// driveLoad sends requests through HAProxy's frontend until stopped (at
// most 60 s or 30000 requests), so that HAProxy's counters move.
func driveLoad(t *testing.T, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	go func() {
		defer close(done)
		for i := 0; i < 30000 && ctx.Err() == nil; i++ {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if resp, err := client.Do(req); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			}
			select {
			case <-ctx.Done():
			case <-time.After(3 * time.Millisecond):
			}
		}
	}()
}

// TestAccHAProxySwitch_rollbackOnHAProxyStats: green answers 500 to real
// requests (its health check stays green); HAProxy's own counters show it
// and the shift rolls back with no CloudWatch or Prometheus. Real clock:
// the counters need real requests between evaluations.
func TestAccHAProxySwitch_rollbackOnHAProxyStats(t *testing.T) {
	skipUnlessAcc(t)
	h := testenv.StartHAProxy(t, testenv.HAProxyOptions{})
	rec := recordRuntimeAPI(t, h)
	body := `
  strategy = {
    type          = "canary"
    steps         = [50]
    step_interval = "20s"
  }
  rollback_on = {
    evaluation_interval = "1s"
    failure_threshold   = 1
  }
  haproxy_stats = {
    max_5xx_rate = 0.1
    min_requests = 5
    window       = "1s"
  }`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: haproxySwitchConfig(rec.Address, "blue", body), ConfigStateChecks: haproxyStateChecks(100, 0, "stable", "blue")},
			{
				PreConfig: func() {
					for _, g := range h.Green {
						g.App.SetBehaviour(demoapp.Behaviour{FailPercent: 100, Healthy: true})
					}
					driveLoad(t, h.URL)
					rec.Reset()
				},
				Config:      haproxySwitchConfig(rec.Address, "green", body),
				ExpectError: regexp.MustCompile(`(?s)Shift rolled back.*haproxy_stats\.5xx_rate`),
			},
			{
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeTestCheckFunc(haproxyAttrs(100, 0, "rolled_back", "blue"),
					expectHAProxy(h, 100, 0), rec.expectWrites("50/50", "100/0")),
			},
		},
	})
}

// TestAccHAProxySwitch_preflightRefusesDownColor: green's servers fail
// HAProxy's health checks; the shift is refused before any write.
func TestAccHAProxySwitch_preflightRefusesDownColor(t *testing.T) {
	skipUnlessAcc(t)
	h := testenv.StartHAProxy(t, testenv.HAProxyOptions{})
	rec := recordRuntimeAPI(t, h)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccFakeClockFactories,
		Steps: []resource.TestStep{
			{Config: haproxySwitchConfig(rec.Address, "blue", ""), ConfigStateChecks: haproxyStateChecks(100, 0, "stable", "blue")},
			{
				PreConfig: func() {
					for _, g := range h.Green {
						g.App.SetHealthy(false)
					}
					h.WaitServerState(t, "app", "green1", 0)
					h.WaitServerState(t, "app", "green2", 0)
					rec.Reset()
				},
				Config:      haproxySwitchConfig(rec.Address, "green", ""),
				ExpectError: regexp.MustCompile(`(?s)Pre-flight check refused the shift.*0/2 green servers UP`),
			},
			{
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeTestCheckFunc(haproxyAttrs(100, 0, "stable", "blue"),
					resource.TestCheckResourceAttr(haproxyRes, "last_shift.result", "preflight_failed"),
					expectHAProxy(h, 100, 0), rec.expectWrites()),
			},
		},
	})
}

// TestAccHAProxySwitch_driftAfterReload: without a state file a reload
// brings back the configuration's weights; refresh reports the drift and
// the next apply puts green back.
func TestAccHAProxySwitch_driftAfterReload(t *testing.T) {
	skipUnlessAcc(t)
	h := testenv.StartHAProxy(t, testenv.HAProxyOptions{})
	cfg := haproxySwitchConfig(h.AdminTCP, "green", "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccFakeClockFactories,
		Steps: []resource.TestStep{
			{Config: cfg, ConfigStateChecks: haproxyStateChecks(0, 100, "stable", "green"), Check: expectHAProxy(h, 0, 100)},
			{
				PreConfig: func() {
					h.Reload(t)
					if w := haproxyWeights(t, h); w != traffic.Split(traffic.Blue, 100) {
						t.Fatalf("the reload did not bring back the configuration's 100/0: %s", w)
					}
				},
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check:              haproxyAttrs(100, 0, "drifted", "green"),
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(haproxyRes, tfjsonpath.New("planned_steps"), knownvalue.ListSizeExact(1)),
				}},
				ConfigStateChecks: haproxyStateChecks(0, 100, "stable", "green"),
				Check:             expectHAProxy(h, 0, 100),
			},
		},
	})
}

// TestAccHAProxySwitch_conflict: someone else sets the weights between two
// canary steps; the switch stops without overwriting them and says so.
func TestAccHAProxySwitch_conflict(t *testing.T) {
	skipUnlessAcc(t)
	h := testenv.StartHAProxy(t, testenv.HAProxyOptions{})
	rec := recordRuntimeAPI(t, h)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccFakeClockFactories,
		Steps: []resource.TestStep{
			{Config: haproxySwitchConfig(rec.Address, "blue", haproxyCanary), ConfigStateChecks: haproxyStateChecks(100, 0, "stable", "blue")},
			{
				PreConfig: func() {
					rec.Reset()
					rec.mu.Lock()
					rec.afterReadBack = func() {
						for _, cmd := range []string{"set server app/blue1 weight 80", "set server app/blue2 weight 80",
							"set server app/green1 weight 20", "set server app/green2 weight 20"} {
							if _, err := h.Command(cmd); err != nil {
								rec.fail(err)
							}
						}
					}
					rec.mu.Unlock()
				},
				Config:      haproxySwitchConfig(rec.Address, "green", haproxyCanary),
				ExpectError: regexp.MustCompile(`(?s)Backend changed by someone else.*found blue=80\s+green=20.*nothing was\s+restored`),
			},
			{
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeTestCheckFunc(haproxyAttrs(80, 20, "conflict", "blue"),
					expectHAProxy(h, 80, 20), rec.expectWrites("90/10")),
			},
		},
	})
}

// TestAccHAProxySwitch_remapReadsHAProxy: when the configuration sorts the
// servers into colors differently, the weights in state no longer describe
// the backend: the plan reads HAProxy again and shows the real move.
func TestAccHAProxySwitch_remapReadsHAProxy(t *testing.T) {
	skipUnlessAcc(t)
	h := testenv.StartHAProxy(t, testenv.HAProxyOptions{})
	swapped := `
  blue_prefix  = "green"
  green_prefix = "blue"`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccFakeClockFactories,
		Steps: []resource.TestStep{
			{Config: haproxySwitchConfig(h.AdminTCP, "blue", ""), ConfigStateChecks: haproxyStateChecks(100, 0, "stable", "blue")},
			{
				// The servers named green* are now "blue": they have weight 0.
				Config: haproxySwitchConfig(h.AdminTCP, "blue", swapped),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(haproxyRes, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(haproxyRes, tfjsonpath.New("planned_steps"), knownvalue.ListSizeExact(1)),
				}},
				ConfigStateChecks: haproxyStateChecks(100, 0, "stable", "blue"),
				// Read with the default prefixes: the green* servers carry it all.
				Check: expectHAProxy(h, 0, 100),
			},
		},
	})
}

// TestAccHAProxySwitch_import: a create adopts a backend split 70/30 (read
// at plan time); an import (both ID forms) reads the real split and takes
// the color with more traffic as active; a malformed ID is refused.
func TestAccHAProxySwitch_import(t *testing.T) {
	skipUnlessAcc(t)
	h := testenv.StartHAProxy(t, testenv.HAProxyOptions{GreenPercent: 30})
	address := "unix@" + h.AdminUnix
	setSplit := func(blue, green int) {
		for _, s := range []string{"blue1", "blue2"} {
			h.MustCommand(t, fmt.Sprintf("set server app/%s weight %d", s, blue))
		}
		for _, s := range []string{"green1", "green2"} {
			h.MustCommand(t, fmt.Sprintf("set server app/%s weight %d", s, green))
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccFakeClockFactories,
		Steps: []resource.TestStep{
			{
				Config: haproxySwitchConfig(address, "blue", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(haproxyRes, plancheck.ResourceActionCreate),
					// HAProxy was read at plan time: 70/30 → one step to 100/0.
					plancheck.ExpectKnownValue(haproxyRes, tfjsonpath.New("planned_steps"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{"percent": knownvalue.Int64Exact(100), "blue_weight": knownvalue.Int64Exact(100),
							"green_weight": knownvalue.Int64Exact(0), "hold": knownvalue.StringExact("0s")}),
					})),
				}},
				ConfigStateChecks: haproxyStateChecks(100, 0, "stable", "blue"),
				Check:             expectHAProxy(h, 100, 0),
			},
			{
				PreConfig:     func() { setSplit(30, 70) },
				ResourceName:  haproxyRes,
				ImportState:   true,
				ImportStateId: address + "/app",
				ImportStateCheck: func(s []*terraform.InstanceState) error {
					if len(s) != 1 {
						return fmt.Errorf("imported %d instances", len(s))
					}
					a := s[0].Attributes
					for k, want := range map[string]string{"blue_weight": "30", "green_weight": "70", "active_color": "green",
						"status": "drifted", "address": address, "backend": "app", "id": address + "|app"} {
						if a[k] != want {
							return fmt.Errorf("imported %s = %q, want %q", k, a[k], want)
						}
					}
					return nil
				},
			},
			{
				PreConfig:               func() { setSplit(100, 0) },
				ResourceName:            haproxyRes,
				ImportState:             true,
				ImportStateId:           address + "|app",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"last_shift", "planned_steps", "worst_case_duration", "timeouts"},
			},
			{
				// HAProxy not reachable from here (over SSH the ID cannot
				// carry credentials): imported without weights, which the
				// next plan reads with the configuration's connection.
				ResourceName:  haproxyRes,
				ImportState:   true,
				ImportStateId: "unix@" + filepath.Join(h.Dir, "missing.sock") + "|app",
				ImportStateCheck: func(s []*terraform.InstanceState) error {
					a := s[0].Attributes
					if a["blue_weight"] != "" || a["green_weight"] != "" || a["active_color"] != "" || a["backend"] != "app" {
						return fmt.Errorf("unreachable import recorded weights %q/%q active %q backend %q",
							a["blue_weight"], a["green_weight"], a["active_color"], a["backend"])
					}
					return nil
				},
			},
			{
				ResourceName:  haproxyRes,
				ImportState:   true,
				ImportStateId: "app",
				ExpectError:   regexp.MustCompile(`Invalid import ID`),
			},
		},
	})
}

// TestAccHAProxySwitch_invalidConfig: ALB-only checks and unsafe SSH
// settings are refused at plan time, before HAProxy is contacted.
func TestAccHAProxySwitch_invalidConfig(t *testing.T) {
	skipUnlessAcc(t)
	cases := []struct{ body, err string }{
		{`rollback_on = {
    target_health = {}
  }`, `(?s)Check not available behind HAProxy.*target_health`},
		{`rollback_on = {
    alarm_names = ["x"]
  }`, `(?s)Check not available behind HAProxy.*CloudWatch alarms`},
		{`rollback_on = {
    metrics = {
      max_5xx_rate = 0.1
    }
  }`, `(?s)Check not available behind HAProxy.*metrics`},
		{`haproxy_stats = {}`, `HAProxy stats check without a threshold`},
		{`ssh = {
    host        = "127.0.0.1"
    user        = "ops"
    private_key = "x"
  }`, `No SSH host key check`},
		{`blue_servers = ["a"]`, `Server lists go together`},
		{`blue_servers = ["a"]
  green_servers = ["a"]`, `Server in both colors`},
		{`blue_prefix = "g"`, `Overlapping prefixes`},
		{`state_file = "relative/path"`, `absolute path`},
	}
	var steps []resource.TestStep
	for _, tc := range cases {
		steps = append(steps, resource.TestStep{
			Config: haproxySwitchConfig("ipv4@127.0.0.1:1", "green", "  "+tc.body), PlanOnly: true,
			ExpectError: regexp.MustCompile(tc.err),
		})
	}
	steps = append(steps, resource.TestStep{
		Config: strings.Replace(haproxySwitchConfig("ipv4@127.0.0.1:1", "green", ""), `"ipv4@127.0.0.1:1"`, `"tcp://lb:9999"`, 1), PlanOnly: true,
		ExpectError: regexp.MustCompile(`(?s)Invalid address.*unix@/path`),
	})
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
}

// TestAccHAProxySwitch_sshUnixSocket: the switch reaches the admin unix
// socket through a real sshd (host key pinned), shifts in canary steps,
// pre-flights and saves the state file over the same connection.
func TestAccHAProxySwitch_sshUnixSocket(t *testing.T) {
	skipUnlessAcc(t)
	h := testenv.StartHAProxy(t, testenv.HAProxyOptions{StateFile: true})
	sshd := testenv.StartSSHD(t)
	host, port, _ := net.SplitHostPort(sshd.Addr)
	body := haproxyCanary + fmt.Sprintf(`
  state_file = %q
  ssh = {
    host        = %q
    port        = %s
    user        = %q
    private_key = %q
    host_key    = %q
  }
  preflight = {
    min_up_percent = 100
  }`, h.StateFile, host, port, sshd.User, sshd.ClientKeyPEM, sshd.HostKey)
	address := "unix@" + h.AdminUnix
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccFakeClockFactories,
		Steps: []resource.TestStep{
			{Config: haproxySwitchConfig(address, "blue", body), ConfigStateChecks: haproxyStateChecks(100, 0, "stable", "blue")},
			{
				Config: haproxySwitchConfig(address, "green", body),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(haproxyRes, tfjsonpath.New("planned_steps"), knownvalue.ListSizeExact(3)),
				}},
				ConfigStateChecks: haproxyStateChecks(0, 100, "stable", "green"),
				Check: resource.ComposeTestCheckFunc(expectHAProxy(h, 0, 100), func(*terraform.State) error {
					b, err := os.ReadFile(h.StateFile)
					if err != nil {
						return err
					}
					rt, _ := haproxy.New(haproxy.Config{Address: h.AdminTCP, Backend: "app", StateFile: h.StateFile})
					if saved, err := rt.Persisted(context.Background()); err != nil || saved != traffic.Split(traffic.Green, 100) {
						return fmt.Errorf("state file written over SSH restores %s (%v), want 0/100:\n%s", saved, err, b)
					}
					return nil
				}),
			},
			{
				// A wrong pinned host key is refused: nothing is read or written.
				Config:      strings.Replace(haproxySwitchConfig(address, "blue", body), sshd.HostKey, otherHostKey(t, sshd), 1),
				ExpectError: regexp.MustCompile(`(?i)host key`),
			},
		},
	})
	if w := haproxyWeights(t, h); w != traffic.Split(traffic.Green, 100) {
		t.Fatalf("after the refused connection HAProxy runs %s, want 0/100 untouched", w)
	}
}

func otherHostKey(t *testing.T, s *testenv.SSHD) string {
	k, _ := s.OtherHostKey(t)
	return k
}

// haproxyCLI runs the real CLI against the built provider (dev_overrides) on
// the real clock, so that Terraform itself can be interrupted.
type haproxyCLI struct {
	t        *testing.T
	tf, work string
	env      []string
}

func newHAProxyCLI(t *testing.T, address, onInterrupt string) *haproxyCLI {
	t.Helper()
	skipUnlessAcc(t)
	r := &haproxyCLI{t: t, tf: cliPath(t), work: t.TempDir()}
	r.env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+devOverridesRC(t), "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
	cfg := `terraform {
  required_providers {
    bluegreen = { source = "bluegreen-tf/bluegreen" }
  }
}
variable "color" { type = string }
` + strings.Replace(haproxySwitchConfig(address, "COLOR", fmt.Sprintf(`
  strategy = {
    type          = "canary"
    steps         = [50]
    step_interval = "30s"
  }
  on_interrupt = %q`, onInterrupt)), `"COLOR"`, "var.color", 1)
	writeFile(t, filepath.Join(r.work, "main.tf"), cfg)
	return r
}

func (r *haproxyCLI) cmd(args ...string) *exec.Cmd {
	cmd := exec.Command(r.tf, args...)
	cmd.Dir, cmd.Env = r.work, r.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

func (r *haproxyCLI) apply(color string) {
	r.t.Helper()
	if out, err := r.cmd("apply", "-auto-approve", "-no-color", "-var", "color="+color).CombinedOutput(); err != nil {
		r.t.Fatalf("apply %s: %v\n%s", color, err, out)
	}
}

func (r *haproxyCLI) state() map[string]any {
	r.t.Helper()
	out, err := r.cmd("show", "-json").Output()
	if err != nil {
		r.t.Fatalf("show: %v", err)
	}
	var st struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Address string
					Values  map[string]any
				}
			} `json:"root_module"`
		}
	}
	if err := json.Unmarshal(out, &st); err != nil {
		r.t.Fatal(err)
	}
	for _, res := range st.Values.RootModule.Resources {
		if res.Address == haproxyRes {
			return res.Values
		}
	}
	r.t.Fatalf("%s not in state", haproxyRes)
	return nil
}

// interruptAtSplit starts the shift to green and sends Terraform SIGINT (as
// Ctrl-C does) once HAProxy runs the 50/50 step.
func (r *haproxyCLI) interruptAtSplit(h *testenv.HAProxy) string {
	r.t.Helper()
	cmd := r.cmd("apply", "-auto-approve", "-no-color", "-var", "color=green")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		if w, err := readHAProxy(h.AdminTCP); err == nil && w == (traffic.Weights{Blue: 50, Green: 50}) {
			break
		}
		if time.Now().After(deadline) {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			_ = cmd.Wait()
			r.t.Fatalf("the shift never reached 50/50:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = syscall.Kill(cmd.Process.Pid, syscall.SIGINT)
	if err := cmd.Wait(); err == nil {
		r.t.Fatalf("an interrupted apply must fail:\n%s", out.String())
	}
	return out.String()
}

// TestAccHAProxySwitch_ctrlCRestores: Ctrl-C mid-shift restores 100/0 in
// HAProxy and the saved state says rolled_back; with on_interrupt = "hold"
// the split stays and is recorded as held.
func TestAccHAProxySwitch_ctrlCRestores(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		onInterrupt, status string
		want                traffic.Weights
	}{
		{"rollback", "rolled_back", traffic.Weights{Blue: 100, Green: 0}},
		{"hold", "held", traffic.Weights{Blue: 50, Green: 50}},
	} {
		t.Run(tc.onInterrupt, func(t *testing.T) {
			t.Parallel()
			skipUnlessAcc(t)
			h := testenv.StartHAProxy(t, testenv.HAProxyOptions{})
			r := newHAProxyCLI(t, h.AdminTCP, tc.onInterrupt)
			r.apply("blue")
			out := r.interruptAtSplit(h)
			if w := haproxyWeights(t, h); w != tc.want {
				t.Fatalf("after Ctrl-C HAProxy runs %s, want %s:\n%s", w, tc.want, out)
			}
			st := r.state()
			if st["status"] != tc.status || st["active_color"] != "blue" ||
				st["blue_weight"] != float64(tc.want.Blue) || st["green_weight"] != float64(tc.want.Green) {
				t.Fatalf("state status=%v active=%v weights=%v/%v, want %s blue %s", st["status"], st["active_color"],
					st["blue_weight"], st["green_weight"], tc.status, tc.want)
			}
		})
	}
}

func TestParseHAProxyImportID(t *testing.T) {
	for _, tc := range []struct{ id, address, backend, err string }{
		{"ipv4@127.0.0.1:9999|app", "ipv4@127.0.0.1:9999", "app", ""},
		{"ipv4@127.0.0.1:9999/app", "ipv4@127.0.0.1:9999", "app", ""},
		{"unix@/run/haproxy/admin.sock|app", "unix@/run/haproxy/admin.sock", "app", ""},
		{"unix@/run/haproxy/admin.sock/app", "unix@/run/haproxy/admin.sock", "app", ""},
		{"/run/haproxy/admin.sock/be-1.x:y", "/run/haproxy/admin.sock", "be-1.x:y", ""},
		{"app", "", "", "want <address>|<backend>"},
		{"ipv4@127.0.0.1:9999|", "", "", "want <address>|<backend>"},
		{"|app", "", "", "want <address>|<backend>"},
		{"lb:notaport:x|app", "", "", "runtime API address"},
		{"unix@/run/admin.sock|a b", "", "", "HAProxy names"},
	} {
		a, b, err := parseHAProxyImportID(tc.id)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.id, err, tc.err)
			}
			continue
		}
		if err != nil || a != tc.address || b != tc.backend {
			t.Errorf("%q: got %q %q %v, want %q %q", tc.id, a, b, err, tc.address, tc.backend)
		}
		if got := haproxyImportID(a, b); !strings.HasSuffix(got, "|"+b) {
			t.Errorf("%q: ID %q", tc.id, got)
		}
	}
}
