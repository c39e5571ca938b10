package provider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// TestAccHealthGate_prometheusLastResultsShortAndRedacted: a passing
// prometheus check whose server echoes the sensitive header in a series
// label and a warning, and pads its response, leaves in last_results one
// short line: the query, the value, the label set and warnings clipped and
// the header value redacted — never the response itself.
func TestAccHealthGate_prometheusLastResultsShortAndRedacted(t *testing.T) {
	env := newTestSandbox(t)
	const token = "tok-prom-s3cr3t-4d2e"
	padding := strings.Repeat("x", 4000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{"tenant":%q,"pad":%q},"value":[1700000000,"0.01"]}]},"warnings":[%q]}`,
			r.Header.Get("Authorization"), padding, "echo "+r.Header.Get("Authorization")+" "+padding)
	}))
	defer srv.Close()
	cfg := fmt.Sprintf(`
resource "bluegreen_health_gate" "test" {
  prometheus = [{
    url     = %q
    query   = "sum(rate(errors[1m]))"
    headers = { Authorization = "Bearer %s" }
    max     = 0.05
  }]
}`, srv.URL, token)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{{
			Config: cfg,
			Check: func(s *terraform.State) error {
				attrs := s.RootModule().Resources[gateRes].Primary.Attributes
				line := attrs["last_results.0"]
				if attrs["last_results.#"] != "1" || !strings.HasPrefix(line, "prometheus pass (value 0.01") {
					return fmt.Errorf("last_results: %v", attrs["last_results.0"])
				}
				if strings.Contains(line, token) || strings.Contains(line, padding[:300]) {
					return fmt.Errorf("last_results[0] holds the secret or the padded response: %s", line)
				}
				if len(line) > 1000 {
					return fmt.Errorf("last_results[0] is %d bytes long: want a short excerpt", len(line))
				}
				return nil
			},
		}},
	})
}
