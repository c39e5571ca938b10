package provider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// gateHTTPServer answers /health with a JSON document that echoes the
// request's Authorization header with "/" escaped as "\/" (as PHP's
// json_encode does): an encoding no redaction list anticipates.
func gateHTTPServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		auth := strings.ReplaceAll(r.Header.Get("Authorization"), "/", `\/`)
		fmt.Fprintf(w, `{"version":"2.4.0","echo":{"Authorization":"%s"},"note":"body-marker-7c1"}`, auth)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func gateHTTPConfig(url, httpExtra, gateExtra string) string {
	return fmt.Sprintf(`
resource "bluegreen_health_gate" "test" {
  http = [{
    url = %q
%s
  }]
  interval              = "1s"
  consecutive_successes = 1
%s
}
`, url, httpExtra, gateExtra)
}

// TestAccHealthGate_updateEachAttributeInPlace changes every gate attribute
// (other than triggers, which replaces it) in place, one per step. Each
// update runs the gate again; before the fix, id kept its planned (prior)
// value and was then overwritten with the new pass time: "Provider produced
// inconsistent result after apply" (issue 10 item 3).
func TestAccHealthGate_updateEachAttributeInPlace(t *testing.T) {
	env := newTestSandbox(t)
	srv := gateHTTPServer(t)
	u1, u2 := srv.URL+"/health", srv.URL+"/health?v=2"
	steps := []struct{ name, url, httpExtra, gateExtra string }{
		{"base", u1, ``, ``},
		{"interval", u1, ``, `interval_override = "2s"`},
		{"consecutive_successes", u1, ``, `cs_override = 2`},
		{"http.url", u2, ``, ``},
		{"http.method", u2, `method = "POST"`, ``},
		{"http.headers", u2, `headers = { Authorization = "Bearer a/b/c" }`, ``},
		{"http.expect_status", u2, `expect_status = [200, 204]`, ``},
		{"http.body_regex", u2, `body_regex = "version"`, ``},
		{"http.json_path+json_value", u2, `json_path = "version"
    json_value = "2.4.0"`, ``},
		{"http.timeout", u2, `timeout = "3s"`, ``},
		{"timeouts", u2, ``, `timeouts {
    create = "5m"
    update = "4m"
  }`},
	}
	var ts []resource.TestStep
	for i, s := range steps {
		cfg := gateHTTPConfig(s.url, s.httpExtra, "")
		switch {
		case strings.HasPrefix(s.gateExtra, "interval_override"):
			cfg = strings.Replace(cfg, `interval              = "1s"`, `interval              = "2s"`, 1)
		case strings.HasPrefix(s.gateExtra, "cs_override"):
			cfg = strings.Replace(cfg, "consecutive_successes = 1", "consecutive_successes = 2", 1)
		default:
			cfg = gateHTTPConfig(s.url, s.httpExtra, s.gateExtra)
		}
		step := resource.TestStep{Config: cfg}
		if i > 0 {
			step.ConfigPlanChecks = resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(gateRes, plancheck.ResourceActionUpdate),
				plancheck.ExpectUnknownValue(gateRes, tfjsonpath.New("id")),
			}}
		}
		ts = append(ts, step)
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps:                    ts,
	})
}

// TestAccHealthGate_lastResultsHoldNoBody: the gate's last_results (state,
// plan, logs) keep status, latency and verdict only — no response content —
// so a server echoing the sensitive Authorization header in an unexpected
// encoding (JSON with "\/") cannot leak it (issue 17).
func TestAccHealthGate_lastResultsHoldNoBody(t *testing.T) {
	env := newTestSandbox(t)
	srv := gateHTTPServer(t)
	const token = "tok/abc/s3cr3t-gate-9f8e"
	cfg := gateHTTPConfig(srv.URL+"/health", `headers = { Authorization = "Bearer `+token+`" }
    json_path  = "version"
    json_value = "2.4.0"`, ``)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{{
			Config: cfg,
			Check: func(s *terraform.State) error {
				attrs := s.RootModule().Resources[gateRes].Primary.Attributes
				if attrs["last_results.#"] != "1" {
					return fmt.Errorf("last_results: %v", attrs)
				}
				line := attrs["last_results.0"]
				if !regexp.MustCompile(`^http pass \(value 200, .*status 200, \d+ ms`).MatchString(line) {
					return fmt.Errorf("last_results[0] = %q: want status, latency and verdict", line)
				}
				for k, v := range attrs {
					if !strings.HasPrefix(k, "last_results") {
						continue
					}
					for _, bad := range []string{"s3cr3t", `abc\/`, "body-marker-7c1", "echo"} {
						if strings.Contains(v, bad) {
							return fmt.Errorf("%s holds response content %q: %s", k, bad, v)
						}
					}
				}
				return nil
			},
		}},
	})
}
