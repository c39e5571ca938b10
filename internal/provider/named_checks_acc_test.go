package provider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// Several checks of one kind each keep their own name: the one that fails
// is named in the rollback (http:version), the passing ones are not blamed,
// and an unnamed check among several is named by its position
// (prometheus:1).
func TestAccListenerSwitch_namedCheckLists(t *testing.T) {
	env := newTestSandbox(t)
	a := switchALB(t, env, "sw-named")
	var health, version, prom atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/health":
			health.Add(1)
			fmt.Fprint(w, "ok")
		case "/version":
			if version.Add(1) > 2 {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			fmt.Fprint(w, `{"version":"2.4.0"}`)
		case "/api/v1/query":
			prom.Add(1)
			fmt.Fprint(w, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"0.01"]}]}}`)
		}
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
      name = "health"
      url  = "%[1]s/health"
      }, {
      name       = "version"
      url        = "%[1]s/version"
      json_path  = "version"
      json_value = "2.4.0"
    }]
    prometheus = [{
      name  = "errors"
      url   = "%[1]s"
      query = "sum(rate(errors[1m]))"
      max   = 0.05
      }, {
      url   = "%[1]s"
      query = "sum(rate(slow[1m]))"
      max   = 0.05
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
				PreConfig:   func() { health.Store(0); version.Store(0); prom.Store(0) },
				Config:      switchConfig(a, "green", cfg),
				ExpectError: regexp.MustCompile(`(?s)Shift rolled back.*check http:version failed 2 consecutive`),
			},
			{
				// State records the reason naming the check.
				RefreshState:       true,
				ExpectNonEmptyPlan: true, // the switch still wants green
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(switchRes, "status", "rolled_back"),
					resource.TestMatchResourceAttr(switchRes, "last_shift.reason", regexp.MustCompile(`check http:version failed`))),
			},
		},
	})
	if health.Load() == 0 || prom.Load() < 2 {
		t.Fatalf("not every check ran: health %d, prometheus %d requests", health.Load(), prom.Load())
	}
}
