package provider

import (
	"context"
	"fmt"
	"log"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsclient"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/demoapp"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/loadgen"
)

// newDataPlaneSandbox is newTestSandbox with the sandbox's data plane on:
// its listeners carry real requests to loopback targets, health-checked
// (intervals scaled by 0.05) on the wall clock, which the provider shares.
func newDataPlaneSandbox(t *testing.T) *testEnv {
	t.Helper()
	skipUnlessAcc(t)
	calls := newCallNotifier()
	srv, err := sandbox.Start(sandbox.Options{Logger: log.New(calls, "", 0), DataPlane: true, HealthCheckTimeScale: 0.05})
	if err != nil {
		t.Fatalf("starting the sandbox: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	clients, err := awsclient.New(context.Background(), awsclient.Config{Region: "us-east-1", Endpoints: awsclient.Endpoints{
		ELBv2: srv.URL(), CloudWatch: srv.URL(), STS: srv.URL(), Route53: srv.URL(),
	}})
	if err != nil {
		t.Fatalf("building test clients: %v", err)
	}
	env := &testEnv{Sandbox: srv, Clients: clients, calls: calls}
	deps := Deps{Endpoint: srv.URL(), Clock: clock.Real{}}
	env.Factories = map[string]func() (tfprotov6.ProviderServer, error){
		"bluegreen": func() (tfprotov6.ProviderServer, error) {
			return providerserver.NewProtocol6WithError(NewTestProvider("test", deps)())()
		},
	}
	return env
}

// TestAccPairIdleFirst_portChangeZeroDowntime: the documented procedure for
// a port change (guide "Changing port or protocol with zero downtime"),
// under load through the sandbox ALB's data plane. The pair on the old port
// serves through a switch; a second pair on the new port (name_prefix)
// replaces the idle color's group, a checked shift moves traffic to it, then
// the other color follows and the old pair is destroyed. Every request of
// the load, from before the first apply to after the old pair is gone, must
// succeed, and the new port's app must be what serves at the end.
func TestAccPairIdleFirst_portChangeZeroDowntime(t *testing.T) {
	env := newDataPlaneSandbox(t)
	_, listener := idleFirstLB(t, env, "port-chg", 80)
	oldApp, newApp := demoapp.New(demoapp.Config{Version: "v1", Color: "old-port"}), demoapp.New(demoapp.Config{Version: "v1", Color: "new-port"})
	oldSrv, err := oldApp.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { oldSrv.Close() })
	newSrv, err := newApp.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { newSrv.Close() })

	pairHCL := func(label, naming string, port int) string {
		return fmt.Sprintf(`
resource "bluegreen_environment_pair" %q {
  %s
  vpc_id               = "vpc-0123456789abcdef0"
  port                 = %d
  deregistration_delay = "0s"
  health_check         = { path = "/health", interval = "5s", timeout = "2s", healthy_threshold = 2 }
  blue  = { targets = [{ id = "127.0.0.1" }] }
  green = { targets = [{ id = "127.0.0.1" }] }
  # Destroyed only after the switch stops using it (step 3).
  lifecycle {
    create_before_destroy = true
  }
}
`, label, naming, port)
	}
	switchHCL := func(blue, green, active string) string {
		return fmt.Sprintf(`
resource "bluegreen_listener_switch" "test" {
  rule = {
    listener_arn  = %q
    priority      = 10
    path_patterns = ["/*"]
  }
  blue_target_group_arn  = bluegreen_environment_pair.%s.blue.target_group_arn
  green_target_group_arn = bluegreen_environment_pair.%s.green.target_group_arn
  active_color           = %q
  timeouts {
    create = "2m"
    update = "2m"
  }
}
`, listener, blue, green, active)
	}
	oldPair := pairHCL("web", `name = "web"`, oldSrv.Port())
	newPair := pairHCL("web_next", `name_prefix = "web-"`, newSrv.Port())

	var (
		mu     sync.Mutex
		report loadgen.Report
		runErr error
		cancel context.CancelFunc
		done   = make(chan struct{})
	)
	startLoad := func() {
		addr, ok := env.Sandbox.ListenerAddr(listener)
		if !ok {
			t.Fatal("the listener is not served by the data plane")
		}
		var ctx context.Context
		ctx, cancel = context.WithCancel(context.Background())
		go func() {
			defer close(done)
			rep, err := loadgen.Run(ctx, loadgen.Config{URL: "http://" + addr + "/", Concurrency: 4, Rate: 200, Duration: 10 * time.Minute})
			mu.Lock()
			report, runErr = rep, err
			mu.Unlock()
		}()
		t.Cleanup(cancel)
	}
	stopLoad := func(*terraform.State) error {
		cancel()
		<-done
		mu.Lock()
		defer mu.Unlock()
		if runErr != nil && !strings.Contains(runErr.Error(), "context canceled") {
			return fmt.Errorf("load generator: %v", runErr)
		}
		t.Logf("load during the port change: %s; old port app %d requests, new port app %d", report.Stats, oldApp.Requests(), newApp.Requests())
		if report.Failures != 0 {
			return fmt.Errorf("%d of %d requests failed during the port change (by status: %v)", report.Failures, report.Requests, report.ByStatus)
		}
		if report.Requests < 100 {
			return fmt.Errorf("only %d requests were sent: the load did not run through the change", report.Requests)
		}
		if report.ByStatus[200] != report.Requests {
			return fmt.Errorf("not every request reached an app: %v", report.ByStatus)
		}
		if oldApp.Requests() == 0 || newApp.Requests() == 0 {
			return fmt.Errorf("old port app served %d, new port app %d: traffic did not move from one to the other", oldApp.Requests(), newApp.Requests())
		}
		return nil
	}
	servedBy := func(app *demoapp.App) resource.TestCheckFunc {
		return func(*terraform.State) error {
			before := app.Requests()
			addr, _ := env.Sandbox.ListenerAddr(listener)
			rep, err := loadgen.Run(context.Background(), loadgen.Config{URL: "http://" + addr + "/", MaxRequests: 20})
			if err != nil {
				return err
			}
			if got := app.Requests() - before; got < 20 || rep.Failures > 0 {
				return fmt.Errorf("%d of 20 requests reached the %s app (%s)", got, app.Color(), rep.Stats)
			}
			return nil
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{
				// Before: one pair on the old port, blue serving.
				Config: oldPair + switchHCL("web", "web", "blue"),
				Check:  servedBy(oldApp),
			},
			{
				// 1. A pair on the new port; the idle color (green) of the
				// switch moves to its group (weight 0: no request moves).
				PreConfig: startLoad,
				Config:    oldPair + newPair + switchHCL("web", "web_next", "blue"),
				Check:     servedBy(oldApp),
			},
			{
				// 2. The checked shift to the new port's group.
				Config: oldPair + newPair + switchHCL("web", "web_next", "green"),
				Check:  servedBy(newApp),
			},
			{
				// 3. Blue follows (idle now); the old pair goes.
				Config: newPair + switchHCL("web_next", "web_next", "green"),
				Check:  resource.ComposeTestCheckFunc(servedBy(newApp), stopLoad),
			},
		},
	})
}
