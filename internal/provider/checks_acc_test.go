package provider

import (
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

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// TestAccListenerSwitch_rollbackOnHTTPMidCanary: the new color's /health
// answers 200 for the first step's evaluations, then 500; the shift rolls
// back at the second step.
func TestAccListenerSwitch_rollbackOnHTTPMidCanary(t *testing.T) {
	env := newTestSandbox(t)
	a := switchALB(t, env, "sw-http")
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) > 2 {
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, `{"status":"db down"}`)
			return
		}
		fmt.Fprint(w, `{"status":"ok"}`)
	}))
	defer srv.Close()
	cfg := fmt.Sprintf(`
  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "1m"
  }
  rollback_on = {
    http = [{
      url = "%s/health"
    }]
    evaluation_interval = "30s"
    failure_threshold   = 2
  }`, srv.URL)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: switchConfig(a, "blue", cfg)},
			{
				PreConfig:   func() { requests.Store(0); env.Sandbox.ResetCalls() },
				Config:      switchConfig(a, "green", cfg),
				ExpectError: regexp.MustCompile(`(?s)Shift rolled back.*http.*step 2/3 \(50%\).*500`),
			},
		},
	})
	if got := writtenWeights(env, a); len(got) != 3 || got[0] != "90/10" || got[1] != "50/50" || got[2] != "100/0" {
		t.Fatalf("weights written %v, want 90/10, 50/50 and the restore 100/0", got)
	}
}

// TestAccHealthGate_httpAndPrometheus: a gate with an HTTP check on a JSON
// version and a Prometheus error-rate query passes against test servers.
func TestAccHealthGate_httpAndPrometheus(t *testing.T) {
	env := newTestSandbox(t)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"version":"2.4.0","build":{"schema_version":7}}`)
	}))
	defer app.Close()
	prom := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"0.012"]}]}}`)
	}))
	defer prom.Close()
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
resource "bluegreen_health_gate" "test" {
  http = [{
    url        = "%s/version"
    json_path  = "version"
    json_value = "2.4.0"
  }]
  prometheus = [{
    url   = %q
    query = "sum(rate(http_requests_total{status=~\"5..\",color=\"green\"}[1m])) / sum(rate(http_requests_total{color=\"green\"}[1m]))"
    max   = 0.05
  }]
  consecutive_successes = 2
}`, app.URL, prom.URL),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(gateRes, tfjsonpath.New("attempts"), knownvalue.Int64Exact(2)),
				statecheck.ExpectKnownValue(gateRes, tfjsonpath.New("last_results"), knownvalue.ListSizeExact(2)),
			},
		}},
	})
}

func TestAccChecks_invalid(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, body, err string }{
		{"bad regex", `http = [{
    url        = "http://127.0.0.1:1/health"
    body_regex = "ok("
  }]`, `Invalid body regex`},
		{"json path without value", `http = [{
    url       = "http://127.0.0.1:1/version"
    json_path = "version"
  }]`, `json_path and json_value go together`},
		{"url not a url", `http = [{
    url = "/health"
  }]`, `Invalid url`},
		{"prometheus without threshold", `prometheus = [{
    url   = "http://127.0.0.1:9090"
    query = "up"
  }]`, `Prometheus check without a threshold`},
		{"prometheus min above max", `prometheus = [{
    url   = "http://127.0.0.1:9090"
    query = "up"
    min   = 2
    max   = 1
  }]`, `min greater than max`},
		{"no checks", `interval = "5s"`, `Health gate without checks`},
		{"status out of range", `http = [{
    url           = "http://127.0.0.1:1/"
    expect_status = [700]
  }]`, `expect_status`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      fmt.Sprintf("resource \"bluegreen_health_gate\" \"bad\" {\n  %s\n}\n", tc.body),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tc.err),
				}},
			})
		})
	}
}

// TestAccSensitiveHeaders_neverShown runs the real CLI against the built
// provider binary (dev_overrides), so that the plan and apply output and the
// provider's own TRACE logs (captured by Terraform in TF_LOG_PATH) can be
// searched: the header value reaches the server and appears nowhere else.
func TestAccSensitiveHeaders_neverShown(t *testing.T) {
	t.Parallel()
	testAccPreCheck(t)
	tfPath := cliPath(t)
	const secret = "s3cr3t-token-9f8e7d"
	var seen atomic.Bool
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer "+secret {
			seen.Store(true)
		}
		fmt.Fprint(w, "ok")
	}))
	defer app.Close()

	dir := t.TempDir()
	rc := devOverridesRC(t)
	work := filepath.Join(dir, "work")
	writeFile(t, filepath.Join(work, "main.tf"), fmt.Sprintf(`
terraform {
  required_providers {
    bluegreen = { source = "bluegreen-tf/bluegreen" }
  }
}
resource "bluegreen_health_gate" "test" {
  http = [{
    url     = "%s/health"
    headers = { Authorization = "Bearer %s" }
  }]
}
`, app.URL, secret))
	logPath := filepath.Join(dir, "trace.log")
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "TF_LOG=TRACE", "TF_LOG_PATH="+logPath, "CHECKPOINT_DISABLE=1")
	var output strings.Builder
	for _, args := range [][]string{{"plan", "-no-color"}, {"apply", "-auto-approve", "-no-color"}, {"show", "-no-color"}} {
		cmd := exec.Command(tfPath, args...)
		cmd.Dir, cmd.Env = work, env
		out, err := cmd.CombinedOutput()
		output.Write(out)
		if err != nil {
			t.Fatalf("terraform %s: %v\n%s", args[0], err, out)
		}
	}
	if !seen.Load() {
		t.Fatal("the Authorization header never reached the server")
	}
	if strings.Contains(output.String(), secret) {
		t.Fatalf("the header value appears in the CLI output:\n%s", output.String())
	}
	if !strings.Contains(output.String(), "(sensitive value)") {
		t.Fatalf("the plan does not show headers as sensitive:\n%s", output.String())
	}
	logs, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(logs), "health gate round") {
		t.Fatal("the TRACE log holds no provider log lines: the test would prove nothing")
	}
	if strings.Contains(string(logs), secret) {
		i := strings.Index(string(logs), secret)
		t.Fatalf("the header value appears in the TRACE log: …%s…", string(logs)[max(0, i-300):i+len(secret)])
	}
}

var (
	providerBinOnce sync.Once
	providerBinDir  string
	providerBinErr  error
)

// devOverridesRC builds the provider binary once per test run and returns a
// CLI configuration that installs it through dev_overrides, for tests that
// run the terraform binary themselves.
func devOverridesRC(t *testing.T) string {
	t.Helper()
	providerBinOnce.Do(func() {
		// Shared by every test of the run (built once), so not t.TempDir();
		// TestMain removes it.
		providerBinDir, providerBinErr = os.MkdirTemp("", "bluegreen-provider-") //nolint:usetesting
		if providerBinErr != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", filepath.Join(providerBinDir, "terraform-provider-bluegreen"), "../..").CombinedOutput()
		if err != nil {
			providerBinErr = fmt.Errorf("building the provider: %v\n%s", err, out)
		}
	})
	if providerBinErr != nil {
		t.Fatal(providerBinErr)
	}
	rc := filepath.Join(t.TempDir(), "terraformrc")
	writeFile(t, rc, fmt.Sprintf(`provider_installation {
  dev_overrides {
    "registry.terraform.io/bluegreen-tf/bluegreen" = %q
    "registry.opentofu.org/bluegreen-tf/bluegreen" = %q
  }
  direct {}
}
`, providerBinDir, providerBinDir))
	return rc
}

// TestAccExamples_validate validates the example module and the demo stack
// with the real CLI (the other examples need the aws provider).
func TestAccExamples_validate(t *testing.T) {
	t.Parallel()
	testAccPreCheck(t)
	tfPath := cliPath(t)
	rc := devOverridesRC(t)
	for _, dir := range []string{"../../examples/modules/bluegreen-service", "../../examples/demo", "../../examples/demo/dns"} {
		cmd := exec.Command(tfPath, "validate", "-no-color")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: terraform validate: %v\n%s", dir, err, out)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
