package provider

import (
	"bytes"
	"context"
	"fmt"
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
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/testenv"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/nginx"
)

// Acceptance tests of bluegreen_nginx_switch against a real Nginx
// (internal/testsupport/testenv), with the CLI under test. The fake-clock factories make
// holds and bakes take no time; what each step really did is observed by a
// recorder the rollback_on http check calls during every hold: it reads the
// owned file and sends requests through Nginx, counting colors.

const nginxRes = "bluegreen_nginx_switch.test"

type nginxEnv struct {
	ngx *testenv.Nginx
}

func startNginxEnv(t *testing.T) *nginxEnv {
	t.Helper()
	testAccPreCheck(t)
	return &nginxEnv{ngx: testenv.StartNginx(t, testenv.NginxOptions{BlueBackends: 1, GreenBackends: 1, Upstream: "app"})}
}

// config renders the switch with active color and extra HCL.
func (e *nginxEnv) config(active, extra string) string {
	n := e.ngx
	q := func(s []string) string {
		b, _ := jsonStrings(s)
		return b
	}
	cmd := func(tail ...string) string {
		parts := append([]string{n.Bin}, n.Args()...)
		return q(append(parts, tail...))
	}
	return fmt.Sprintf(`
resource "bluegreen_nginx_switch" "test" {
  file           = %q
  upstream       = "app"
  blue_servers   = %s
  green_servers  = %s
  server_params  = ["max_fails=0"]
  test_command   = %s
  reload_command = %s
  pid_file       = %q
  confirm_timeout = "10s"
  active_color   = %q
%s
}
`, n.IncludeFile, q(n.Blue), q(n.Green), cmd("-t", "-q"), cmd("-s", "reload"), n.PIDFile, active, extra)
}

func jsonStrings(s []string) (string, error) {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	return "[" + strings.Join(q, ", ") + "]", nil
}

// reloads counts the reloads the Nginx master logged (SIGHUP, at notice).
func (e *nginxEnv) reloads() int {
	return strings.Count(e.ngx.Log(), "(SIGHUP) received")
}

// fileBytes returns the owned file's content.
func (e *nginxEnv) fileBytes(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(e.ngx.IncludeFile)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fileWeights parses the owned file.
func (e *nginxEnv) fileWeights() (traffic.Weights, *nginx.File, error) {
	b, err := os.ReadFile(e.ngx.IncludeFile)
	if err != nil {
		return traffic.Weights{}, nil, err
	}
	f, err := nginx.ParseFile(e.ngx.IncludeFile, b, "app", e.ngx.Blue, e.ngx.Green)
	if err != nil {
		return traffic.Weights{}, nil, err
	}
	w, err := f.Weights(e.ngx.IncludeFile)
	return w, f, err
}

// count sends n sequential requests through Nginx on fresh connections and
// counts the colors that answered. One worker: smooth weighted round robin
// answers exactly in proportion over any run of 100 requests.
func (e *nginxEnv) count(n int) (blue, green int, err error) {
	c := testenv.Client()
	for i := 0; i < n; i++ {
		color, err := testenv.GetColor(context.Background(), c, e.ngx.URL+"/")
		if err != nil {
			return blue, green, err
		}
		switch color {
		case "blue":
			blue++
		case "green":
			green++
		default:
			return blue, green, fmt.Errorf("answer from %q", color)
		}
	}
	return blue, green, nil
}

// expectTraffic checks that 100 requests through Nginx split exactly as want.
func (e *nginxEnv) expectTraffic(want traffic.Weights) resource.TestCheckFunc {
	return func(*terraform.State) error {
		b, g, err := e.count(100)
		if err != nil {
			return err
		}
		wb := int(100 * want.Blue / (want.Blue + want.Green))
		if b != wb || g != 100-wb {
			return fmt.Errorf("100 requests through nginx: %d blue, %d green; want %d/%d (%s)\n%s", b, g, wb, 100-wb, want, e.ngx.Log())
		}
		return nil
	}
}

// observation is what the recorder saw during one evaluation.
type observation struct {
	File        traffic.Weights
	Blue, Green int
	Err         error
}

// recorder is the rollback_on http check's server: on every evaluation it
// records the file's weights and 100 requests through Nginx, and answers
// 200, or 500 when the file gives the receiving color at least failAt %.
type recorder struct {
	env    *nginxEnv
	srv    *httptest.Server
	mu     sync.Mutex
	seen   []observation
	failAt float64 // 0: never fail
	to     traffic.Color
}

func newRecorder(t *testing.T, e *nginxEnv) *recorder {
	r := &recorder{env: e, to: traffic.Green}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fw, _, err := e.fileWeights()
		o := observation{File: fw, Err: err}
		if err == nil {
			o.Blue, o.Green, o.Err = e.count(100)
		}
		r.mu.Lock()
		r.seen = append(r.seen, o)
		fail := r.failAt > 0 && fw.Percent(r.to) >= r.failAt
		r.mu.Unlock()
		if fail {
			http.Error(w, "canary unhealthy", http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *recorder) observations() []observation {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]observation(nil), r.seen...)
}

func (r *recorder) reset() {
	r.mu.Lock()
	r.seen = nil
	r.mu.Unlock()
}

// rollbackOn is the rollback_on block calling the recorder.
func (r *recorder) rollbackOn() string {
	return fmt.Sprintf(`
  rollback_on = {
    evaluation_interval = "10s"
    failure_threshold   = 1
    http = [{
      url     = %q
      timeout = "5s"
    }]
  }`, r.srv.URL+"/check")
}

const nginxCanary = `
  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "1m"
  }
  bake_time = "30s"`

// TestAccNginxSwitch_canary: a create adopts the hand-written file (blue)
// and rewrites it as its own; a canary to green writes 90/10, then 50/50,
// then 0/100 — each step seen in the file and in exactly proportioned
// answers through Nginx during its hold — and ends with every request on
// green.
func TestAccNginxSwitch_canary(t *testing.T) {
	e := startNginxEnv(t)
	rec := newRecorder(t, e)
	var reloads int
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccFakeClockFactories,
		Steps: []resource.TestStep{
			{
				Config: e.config("blue", nginxCanary+rec.rollbackOn()),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(nginxRes, "blue_weight", "100"),
					resource.TestCheckResourceAttr(nginxRes, "green_weight", "0"),
					resource.TestCheckResourceAttr(nginxRes, "status", "stable"),
					resource.TestCheckResourceAttr(nginxRes, "id", e.ngx.IncludeFile),
					func(*terraform.State) error {
						b := e.fileBytes(t)
						if !bytes.Contains(b, []byte("Managed by terraform-provider-bluegreen")) ||
							!bytes.Contains(b, []byte("server "+e.ngx.Green[0]+" down max_fails=0;")) {
							return fmt.Errorf("the create did not write the switch's own file:\n%s", b)
						}
						return nil
					},
					e.expectTraffic(traffic.Weights{Blue: 100}),
				),
			},
			{
				PreConfig: func() { rec.reset(); reloads = e.reloads() },
				Config:    e.config("green", nginxCanary+rec.rollbackOn()),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(nginxRes, "blue_weight", "0"),
					resource.TestCheckResourceAttr(nginxRes, "green_weight", "100"),
					resource.TestCheckResourceAttr(nginxRes, "status", "stable"),
					resource.TestCheckResourceAttr(nginxRes, "last_shift.result", "succeeded"),
					resource.TestCheckResourceAttr(nginxRes, "last_shift.steps.#", "3"),
					e.expectTraffic(traffic.Weights{Green: 100}),
					func(*terraform.State) error {
						if n := e.reloads() - reloads; n != 3 {
							return fmt.Errorf("nginx was reloaded %d times for a 3-step canary, want one reload per step", n)
						}
						return nil
					},
					func(*terraform.State) error {
						// Every step, in order, in the file and in the answers.
						var got []string
						for _, o := range rec.observations() {
							if o.Err != nil {
								return fmt.Errorf("observation failed: %v", o.Err)
							}
							want := 100 * int(o.File.Green) / int(o.File.Blue+o.File.Green)
							if o.Green != want || o.Blue != 100-want {
								return fmt.Errorf("file %s but nginx answered %d blue / %d green of 100", o.File, o.Blue, o.Green)
							}
							s := fmt.Sprintf("%d/%d", o.File.Blue, o.File.Green)
							if len(got) == 0 || got[len(got)-1] != s {
								got = append(got, s)
							}
						}
						if strings.Join(got, " ") != "90/10 50/50 0/100" {
							return fmt.Errorf("steps observed during the holds: %v, want 90/10 50/50 0/100", got)
						}
						return nil
					},
				),
			},
		},
	})
}

// TestAccNginxSwitch_rollbackRestoresFileByteForByte: the http check fails
// at the 50 % step; the shift rolls back, the file from before the shift is
// back byte for byte (its generation token included) and every request
// goes to blue again.
func TestAccNginxSwitch_rollbackRestoresFileByteForByte(t *testing.T) {
	e := startNginxEnv(t)
	rec := newRecorder(t, e)
	rec.failAt = 50
	var before []byte
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccFakeClockFactories,
		Steps: []resource.TestStep{
			{
				Config: e.config("blue", nginxCanary+rec.rollbackOn()),
				Check:  func(*terraform.State) error { before = e.fileBytes(t); return nil },
			},
			{
				Config:      e.config("green", nginxCanary+rec.rollbackOn()),
				ExpectError: regexp.MustCompile(`(?s)Shift rolled back.*http.*500`),
			},
			{
				PreConfig: func() {
					if after := e.fileBytes(t); !bytes.Equal(before, after) {
						t.Fatalf("after the rollback the file is not the one from before the shift:\nbefore:\n%s\nafter:\n%s", before, after)
					}
					seen := map[string]bool{}
					for _, o := range rec.observations() {
						seen[o.File.String()] = true
					}
					if !seen[traffic.Split(traffic.Green, 50).String()] {
						t.Fatalf("the 50 %% step was never written: %v", rec.observations())
					}
				},
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(nginxRes, "status", "rolled_back"),
					resource.TestCheckResourceAttr(nginxRes, "active_color", "blue"),
					resource.TestCheckResourceAttr(nginxRes, "blue_weight", "100"),
					resource.TestCheckResourceAttr(nginxRes, "green_weight", "0"),
					resource.TestCheckResourceAttr(nginxRes, "last_shift.result", "rolled_back"),
					e.expectTraffic(traffic.Weights{Blue: 100}),
				),
			},
		},
	})
}

// TestAccNginxSwitch_nginxTestRefusal: a configuration Nginx rejects
// (nginx -t) is refused, the file stays byte for byte, traffic stays, and
// the state still says blue.
func TestAccNginxSwitch_nginxTestRefusal(t *testing.T) {
	e := startNginxEnv(t)
	var before []byte
	bad := strings.Replace(e.config("green", ""), `["max_fails=0"]`, `["max_fails=0", "no_such_parameter=1"]`, 1)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccFakeClockFactories,
		Steps: []resource.TestStep{
			{
				Config: e.config("blue", ""),
				Check:  func(*terraform.State) error { before = e.fileBytes(t); return nil },
			},
			{
				Config:      bad,
				ExpectError: regexp.MustCompile(`(?s)Nginx refused the new upstream configuration.*no_such_parameter.*previous file was\s+restored`),
			},
			{
				PreConfig: func() {
					if after := e.fileBytes(t); !bytes.Equal(before, after) {
						t.Fatalf("a refused configuration changed the file:\n%s", after)
					}
				},
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(nginxRes, "active_color", "blue"),
					resource.TestCheckResourceAttr(nginxRes, "blue_weight", "100"),
					resource.TestCheckResourceAttr(nginxRes, "status", "stable"),
					e.expectTraffic(traffic.Weights{Blue: 100}),
				),
			},
		},
	})
}

// TestAccNginxSwitch_driftAndUnparsableFile: a hand edit of the weights is
// drift (refresh reads it, the next apply moves traffic back); a hand edit
// that no longer parses is an error naming the file and line.
func TestAccNginxSwitch_driftAndUnparsableFile(t *testing.T) {
	e := startNginxEnv(t)
	cfg := e.config("blue", "")
	handEdit := func(content string) func() {
		return func() { writeFile(t, e.ngx.IncludeFile, content) }
	}
	split := fmt.Sprintf("upstream app {\n    server %s weight=3 max_fails=0;\n    server %s weight=1 max_fails=0;\n}\n", e.ngx.Blue[0], e.ngx.Green[0])
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccFakeClockFactories,
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				PreConfig:          handEdit(split),
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(nginxRes, "status", "drifted"),
					resource.TestCheckResourceAttr(nginxRes, "blue_weight", "3"),
					resource.TestCheckResourceAttr(nginxRes, "green_weight", "1"),
				),
			},
			{
				Config:             cfg,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: cfg,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(nginxRes, "status", "stable"),
					resource.TestCheckResourceAttr(nginxRes, "blue_weight", "100"),
					resource.TestCheckResourceAttr(nginxRes, "green_weight", "0"),
					e.expectTraffic(traffic.Weights{Blue: 100}),
				),
			},
			{
				// Same weights, other parameters: drift too; the apply rewrites the file.
				PreConfig:          handEdit(fmt.Sprintf("upstream app {\n    server %s weight=5 max_fails=7;\n    server %s down max_fails=7;\n}\n", e.ngx.Blue[0], e.ngx.Green[0])),
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(nginxRes, "status", "drifted"),
					resource.TestCheckResourceAttr(nginxRes, "blue_weight", "5"),
					resource.TestCheckResourceAttr(nginxRes, "green_weight", "0"),
				),
			},
			{
				Config: cfg,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(nginxRes, "status", "stable"),
					resource.TestCheckResourceAttr(nginxRes, "blue_weight", "5"),
					func(*terraform.State) error {
						if b := e.fileBytes(t); bytes.Contains(b, []byte("max_fails=7")) || !bytes.Contains(b, []byte("max_fails=0")) {
							return fmt.Errorf("the apply did not rewrite the hand-edited parameters:\n%s", b)
						}
						return nil
					},
					e.expectTraffic(traffic.Weights{Blue: 1}),
				),
			},
			{
				PreConfig:   handEdit(fmt.Sprintf("upstream app {\n    server %s weight=1\n}\n", e.ngx.Blue[0])),
				Config:      cfg,
				ExpectError: regexp.MustCompile(`(?s)Error reading upstream weights.*` + regexp.QuoteMeta(e.ngx.IncludeFile) + `:3:\s+directive\s+"server"\s+is\s+not\s+terminated`),
			},
			{
				// Put a readable file back so the test can destroy.
				PreConfig: handEdit(fmt.Sprintf("upstream app {\n    server %s;\n    server %s down;\n}\n", e.ngx.Blue[0], e.ngx.Green[0])),
				Config:    cfg,
			},
		},
	})
}

// TestAccNginxSwitch_importAndDestroyLeavesTraffic: import by file path
// reads the upstream, servers and weights from the file; destroying the
// switch leaves the file and the traffic as they are.
func TestAccNginxSwitch_importAndDestroyLeavesTraffic(t *testing.T) {
	e := startNginxEnv(t)
	var final []byte
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccFakeClockFactories,
		Steps: []resource.TestStep{
			{Config: e.config("green", "")},
			{
				ResourceName:      nginxRes,
				ImportState:       true,
				ImportStateId:     e.ngx.IncludeFile,
				ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"last_shift", "planned_steps", "worst_case_duration", "timeouts", "status",
					"test_command", "reload_command", "pid_file", "confirm_timeout"},
			},
			{
				Config: e.config("green", ""),
				Check:  func(*terraform.State) error { final = e.fileBytes(t); return nil },
			},
		},
		CheckDestroy: func(*terraform.State) error {
			if after := e.fileBytes(t); !bytes.Equal(final, after) {
				return fmt.Errorf("destroy changed the file:\n%s", after)
			}
			return e.expectTraffic(traffic.Weights{Green: 100})(nil)
		},
	})
}

// TestAccNginxSwitch_refusals: ALB-only checks, credentials-less ssh, a
// server in both colors and a live color's server change are refused at plan
// time.
func TestAccNginxSwitch_refusals(t *testing.T) {
	e := startNginxEnv(t)
	other := testenv.ColorBackend(t, "blue", 9)
	cases := []struct{ extra, err string }{
		{"rollback_on = {\n target_health = {}\n}", `rollback_on\.target_health reads ALB target group health`},
		{"rollback_on = {\n alarm_names = [\"x\"]\n}", `rollback_on\.alarm_names reads CloudWatch alarms`},
		{"rollback_on = {\n metrics = {\n max_5xx_rate = 0.1\n }\n}", `rollback_on\.metrics reads ALB CloudWatch metrics`},
		{"ssh = {\n host = \"127.0.0.1\"\n user = \"x\"\n insecure_ignore_host_key = true\n}", `needs private_key, password or both`},
		{"ssh = {\n host = \"127.0.0.1\"\n user = \"x\"\n password = \"p\"\n}", `needs host_key or known_hosts`},
	}
	steps := []resource.TestStep{}
	for _, c := range cases {
		steps = append(steps, resource.TestStep{Config: e.config("blue", c.extra), PlanOnly: true, ExpectError: regexp.MustCompile(c.err)})
	}
	both := strings.Replace(e.config("blue", ""), fmt.Sprintf("green_servers  = [%q]", e.ngx.Green[0]),
		fmt.Sprintf("green_servers  = [%q]", e.ngx.Blue[0]), 1)
	steps = append(steps,
		resource.TestStep{Config: both, PlanOnly: true, ExpectError: regexp.MustCompile(`listed twice`)},
		resource.TestStep{Config: e.config("blue", "")},
		resource.TestStep{
			Config:      strings.Replace(e.config("blue", ""), fmt.Sprintf("blue_servers   = [%q]", e.ngx.Blue[0]), fmt.Sprintf("blue_servers   = [%q]", other), 1),
			ExpectError: regexp.MustCompile(`(?s)Servers of a color that receives traffic.*first set active_color to green`),
		},
	)
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: testAccFakeClockFactories, Steps: steps})
}

// TestAccNginxSwitch_sshFirstWrite: over SSH (a real sshd on loopback,
// pinned host key), a create over a missing file writes it with all traffic
// on green after green's pre-flight; a flip to blue goes through the same
// connection.
func TestAccNginxSwitch_sshFirstWrite(t *testing.T) {
	e := startNginxEnv(t)
	sshd := testenv.StartSSHD(t)
	host, port, _ := strings.Cut(sshd.Addr, ":")
	ssh := fmt.Sprintf(`
  ssh = {
    host        = %q
    port        = %s
    user        = %q
    private_key = %q
    host_key    = %q
  }`, host, port, sshd.User, sshd.ClientKeyPEM, sshd.HostKey)
	if err := os.Remove(e.ngx.IncludeFile); err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccFakeClockFactories,
		Steps: []resource.TestStep{
			{
				Config: e.config("green", ssh),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(nginxRes, "green_weight", "100"),
					resource.TestCheckResourceAttr(nginxRes, "blue_weight", "0"),
					resource.TestCheckResourceAttr(nginxRes, "status", "stable"),
					e.expectTraffic(traffic.Weights{Green: 100}),
				),
			},
			{
				Config: e.config("blue", ssh),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(nginxRes, "blue_weight", "100"),
					resource.TestCheckResourceAttr(nginxRes, "last_shift.result", "succeeded"),
					e.expectTraffic(traffic.Weights{Blue: 100}),
				),
			},
		},
	})
}

// TestAccNginxSwitch_preflightRefusesDeadServers: the receiving color's
// server does not answer: nothing is written.
func TestAccNginxSwitch_preflightRefusesDeadServers(t *testing.T) {
	e := startNginxEnv(t)
	var before []byte
	dead := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	withDeadGreen := func(active string) string {
		return strings.Replace(e.config(active, ""), fmt.Sprintf("green_servers  = [%q]", e.ngx.Green[0]), fmt.Sprintf("green_servers  = [%q]", dead), 1)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccFakeClockFactories,
		Steps: []resource.TestStep{
			{
				// Green idle: its servers can change (the file is rewritten, green stays down).
				PreConfig: func() {
					writeFile(t, e.ngx.IncludeFile, fmt.Sprintf("upstream app {\n    server %s;\n    server %s down;\n}\n", e.ngx.Blue[0], dead))
				},
				Config: withDeadGreen("blue"),
				Check:  func(*terraform.State) error { before = e.fileBytes(t); return nil },
			},
			{
				Config:      withDeadGreen("green"),
				ExpectError: regexp.MustCompile(`(?s)Pre-flight check refused the shift.*nginx:green:` + regexp.QuoteMeta(dead)),
			},
			{
				PreConfig: func() {
					if !bytes.Equal(before, e.fileBytes(t)) {
						t.Fatal("a refused pre-flight changed the file")
					}
				},
				Config: withDeadGreen("blue"),
				Check:  e.expectTraffic(traffic.Weights{Blue: 100}),
			},
		},
	})
}

// TestAccNginxSwitch_sigintRestoresFile: Ctrl-C (SIGINT to the real CLI)
// during the 50 % hold restores the file from before the shift byte for
// byte, and state says rolled_back; on_interrupt = "hold" keeps the split.
func TestAccNginxSwitch_sigintRestoresFile(t *testing.T) {
	t.Parallel()
	for _, policy := range []string{"rollback", "hold"} {
		t.Run(policy, func(t *testing.T) {
			t.Parallel()
			e := startNginxEnv(t)
			tf := cliPath(t)
			work := t.TempDir()
			env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+devOverridesRC(t), "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
			cfg := `terraform {
  required_providers {
    bluegreen = { source = "bluegreen-tf/bluegreen" }
  }
}
variable "color" { type = string }
` + strings.Replace(e.config("COLOR", fmt.Sprintf(`
  strategy = {
    type          = "canary"
    steps         = [50]
    step_interval = "60s"
  }
  on_interrupt = %q`, policy)), `"COLOR"`, "var.color", 1)
			writeFile(t, filepath.Join(work, "main.tf"), cfg)
			run := func(args ...string) *execCmd { return newExecCmd(tf, work, env, args...) }
			if out, err := run("apply", "-auto-approve", "-no-color", "-var", "color=blue").combined(); err != nil {
				t.Fatalf("apply blue: %v\n%s", err, out)
			}
			before := e.fileBytes(t)
			cmd := newExecCmd(tf, work, append(env[:len(env):len(env)], "TF_LOG_PROVIDER=INFO"), "apply", "-auto-approve", "-no-color", "-var", "color=green")
			if err := cmd.start(); err != nil {
				t.Fatal(err)
			}
			// Interrupt once the 50 % step is written, live and verified
			// (the engine logs it): an interrupt during the write itself is
			// undone by the router before the engine decides anything.
			deadline := time.Now().Add(60 * time.Second)
			for !strings.Contains(cmd.output(), "weights_verified step 1/2 (50%)") {
				if time.Now().After(deadline) {
					_ = cmd.kill()
					t.Fatalf("the shift never wrote 50/50:\n%s", cmd.output())
				}
				time.Sleep(20 * time.Millisecond)
			}
			_ = syscall.Kill(cmd.pid(), syscall.SIGINT)
			if err := cmd.wait(); err == nil {
				t.Fatalf("an interrupted apply must fail:\n%s", cmd.output())
			}
			st := nginxStateValues(t, run("show", "-json"), nginxRes)
			if policy == "rollback" {
				if after := e.fileBytes(t); !bytes.Equal(before, after) {
					t.Fatalf("after Ctrl-C the file is not the one from before the shift:\n%s\n%s", after, cmd.output())
				}
				if st["status"] != "rolled_back" || st["active_color"] != "blue" {
					t.Fatalf("state status=%v active_color=%v, want rolled_back/blue", st["status"], st["active_color"])
				}
				if err := e.expectTraffic(traffic.Weights{Blue: 100})(nil); err != nil {
					t.Fatal(err)
				}
			} else {
				if st["status"] != "held" || st["green_weight"] != float64(50) {
					t.Fatalf("state status=%v green_weight=%v, want held/50", st["status"], st["green_weight"])
				}
				if w, _, err := e.fileWeights(); err != nil || w != traffic.Split(traffic.Green, 50) {
					t.Fatalf("with hold the file says %s, %v; want 50/50", w, err)
				}
				if err := e.expectTraffic(traffic.Split(traffic.Green, 50))(nil); err != nil {
					t.Fatal(err)
				}
			}
			if !strings.Contains(fmt.Sprint(st["last_shift"]), "cancel") {
				t.Fatalf("last_shift does not say the shift was cancelled: %v", st["last_shift"])
			}
		})
	}
}

// execCmd runs the CLI in its own process group, collecting its output.
type execCmd struct {
	cmd *exec.Cmd
	out *lockedBuffer
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newExecCmd(bin, dir string, env []string, args ...string) *execCmd {
	c := exec.Command(bin, args...)
	c.Dir, c.Env = dir, env
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out := &lockedBuffer{}
	c.Stdout, c.Stderr = out, out
	return &execCmd{cmd: c, out: out}
}

func (c *execCmd) start() error   { return c.cmd.Start() }
func (c *execCmd) wait() error    { return c.cmd.Wait() }
func (c *execCmd) pid() int       { return c.cmd.Process.Pid }
func (c *execCmd) kill() error    { return c.cmd.Process.Kill() }
func (c *execCmd) output() string { return c.out.String() }
func (c *execCmd) combined() (string, error) {
	err := c.cmd.Run()
	return c.out.String(), err
}

// cliResourceValues runs `show -json` and returns the values of address.
func nginxStateValues(t *testing.T, show *execCmd, address string) map[string]any {
	t.Helper()
	out, err := show.combined()
	if err != nil {
		t.Fatalf("show -json: %v\n%s", err, out)
	}
	v, ok := showValues(t, []byte(out), address)
	if !ok {
		t.Fatalf("%s not in state:\n%s", address, out)
	}
	return v
}

// TestAccNginxSwitch_firstWriteRefusedByPreflight: a create over a missing
// file whose active color does not answer writes nothing and creates nothing.
func TestAccNginxSwitch_firstWriteRefusedByPreflight(t *testing.T) {
	e := startNginxEnv(t)
	dead := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	if err := os.Remove(e.ngx.IncludeFile); err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(e.config("green", ""), fmt.Sprintf("green_servers  = [%q]", e.ngx.Green[0]), fmt.Sprintf("green_servers  = [%q]", dead), 1)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccFakeClockFactories,
		Steps: []resource.TestStep{{
			Config:      cfg,
			ExpectError: regexp.MustCompile(`(?s)Pre-flight check refused the first write.*Nothing was written`),
		}},
		CheckDestroy: func(*terraform.State) error {
			if _, err := os.Stat(e.ngx.IncludeFile); !os.IsNotExist(err) {
				return fmt.Errorf("a refused first write left a file: %v", err)
			}
			return nil
		},
	})
}
