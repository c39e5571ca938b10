package provider

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsclient"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/motoserver"
)

// plainRecordsConfig is a DNS switch over plain A records (no alias), with
// ttl and extra inside the resource; color is a literal or var.color.
func plainRecordsConfig(zone, color string, ttl int, hcBlue, hcGreen, extra string) string {
	hc := func(id string) string {
		if id == "" {
			return ""
		}
		return fmt.Sprintf(", health_check_id = %q", id)
	}
	return fmt.Sprintf(`
resource "bluegreen_dns_switch" "app" {
  zone_id      = %q
  name         = %q
  active_color = %s
  ttl          = %d
  blue  = { set_identifier = "blue", records = ["192.0.2.10"]%s }
  green = { set_identifier = "green", records = ["192.0.2.20"]%s }
%s
}
`, zone, dnsName, color, ttl, hc(hcBlue), hc(hcGreen), extra)
}

// TestAccDNSSwitch_sigint: Ctrl-C (SIGINT to the real CLI) at the 50/50 step
// of a DNS canary. With on_interrupt = "rollback" the record weights are
// restored and the saved state says rolled_back and why; with "hold" they
// stay at 50/50, state says held, and the next apply resumes with the last
// step only. Either way the next apply completes the shift. It runs on the
// real clock against a sandbox of its own whose changes are INSYNC at once,
// with a 1 s TTL, so each step settles in about a second.
func TestAccDNSSwitch_sigint(t *testing.T) {
	t.Parallel()
	for _, onInterrupt := range []string{"rollback", "hold"} {
		t.Run(onInterrupt, func(t *testing.T) {
			t.Parallel()
			testDNSSigint(t, onInterrupt)
		})
	}
}

func testDNSSigint(t *testing.T, onInterrupt string) {
	testAccPreCheck(t)
	tf := cliPath(t)
	calls := newCallNotifier()
	sb, err := sandbox.Start(sandbox.Options{Route53: sandbox.Route53Options{ChangeDelay: -1}, Logger: log.New(calls, "", 0)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	clients, err := awsclient.New(context.Background(), awsclient.Config{Region: "us-east-1", Endpoints: awsclient.Endpoints{Route53: sb.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	env := &testEnv{Sandbox: sb, Clients: clients, calls: calls}
	e := setupDNSZone(t, env)
	r := &cliRun{t: t, tf: tf, work: t.TempDir()}
	r.env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+devOverridesRC(t), "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "AWS_ENDPOINT_URL="+sb.URL())
	writeFile(t, filepath.Join(r.work, "main.tf"), `terraform {
  required_providers {
    bluegreen = { source = "bluegreen-tf/bluegreen" }
  }
}
variable "color" { type = string }
`+plainRecordsConfig(e.zone, "var.color", 1, e.hcBlue, e.hcGreen, fmt.Sprintf(`
  strategy = {
    type          = "canary"
    steps         = [50]
    step_interval = "6s"
  }
  bake_time    = "6s"
  on_interrupt = %q`, onInterrupt)))
	if out, err := r.apply("blue"); err != nil {
		t.Fatalf("apply blue: %v\n%s", err, out)
	}
	cmd := r.cmd("apply", "-auto-approve", "-no-color", "-var", "color=green")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Read the sandbox's records directly: a Route 53 call would itself wake
	// waitFor.
	split := env.waitFor(60*time.Second, func() bool {
		sets, err := sb.Route53().RecordSets(e.zone)
		if err != nil {
			return false
		}
		var b, g int64 = -1, -1
		for _, s := range sets {
			if s.Name == dnsName+"." && s.Weight != nil {
				switch s.SetIdentifier {
				case "blue":
					b = *s.Weight
				case "green":
					g = *s.Weight
				}
			}
		}
		return b == 50 && g == 50
	})
	if !split {
		_ = cmd.Process.Kill()
		t.Fatalf("the shift never reached 50/50:\n%s", out.String())
	}
	_ = syscall.Kill(cmd.Process.Pid, syscall.SIGINT)
	if err := cmd.Wait(); err == nil {
		t.Fatalf("an interrupted apply must fail:\n%s", out.String())
	}
	st := cliResourceValues(t, r, dnsRes)
	want, status := int64(100), "rolled_back"
	if onInterrupt == "hold" {
		want, status = 50, "held"
	}
	if b, g, _ := e.records(t); b != want || g != 100-want {
		t.Fatalf("after Ctrl-C (on_interrupt = %s) Route 53 has blue=%d green=%d, want %d/%d:\n%s", onInterrupt, b, g, want, 100-want, out.String())
	}
	expectNumber(t, st, "blue_weight", float64(want))
	expectNumber(t, st, "green_weight", float64(100-want))
	if st["status"] != status || st["active_color"] != "blue" {
		t.Fatalf("state status=%v active_color=%v, want %s/blue", st["status"], st["active_color"], status)
	}
	if !strings.Contains(fmt.Sprint(st["last_shift"]), "cancel") {
		t.Fatalf("last_shift does not say the shift was cancelled: %v", st["last_shift"])
	}
	sb.ResetCalls()
	if out, err := r.apply("green"); err != nil {
		t.Fatalf("the next apply should complete the shift: %v\n%s", err, out)
	}
	if b, g, _ := e.records(t); b != 0 || g != 100 {
		t.Fatalf("after the next apply Route 53 has blue=%d green=%d, want 0/100", b, g)
	}
	wrote := (&dnsEnv{testEnv: &testEnv{Sandbox: sb}}).writtenBatches()
	wantWrites := "50/50(2) 0/100(2)"
	if onInterrupt == "hold" {
		wantWrites = "0/100(2)" // resumed from the held 50/50
	}
	if strings.Join(wrote, " ") != wantWrites {
		t.Fatalf("the next apply wrote %v, want %s", wrote, wantWrites)
	}
}

// cliResourceValues reads one resource's values from the saved state.
func cliResourceValues(t *testing.T, r *cliRun, address string) map[string]any {
	t.Helper()
	raw, err := r.cmd("show", "-json").Output()
	if err != nil {
		t.Fatalf("show: %v", err)
	}
	v, ok := showValues(t, raw, address)
	if !ok {
		t.Fatalf("%s not in state", address)
	}
	return v
}

// TestAccDNSSwitch_moto runs the flip and a canary with moto, an independent
// emulator, as the Route 53 endpoint: the provider must not depend on
// sandbox quirks. The configuration has only the DNS switch and an http
// check (its pre-flight): no load balancer anywhere.
func TestAccDNSSwitch_moto(t *testing.T) {
	env := newTestSandbox(t)
	testAccPreCheck(t)
	if _, err := motoserver.Version(); err != nil {
		if motoserver.Required() {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	moto, err := motoserver.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer moto.Close()
	ctx := context.Background()
	clients, err := awsclient.New(ctx, awsclient.Config{Region: "us-east-1", Endpoints: awsclient.Endpoints{Route53: moto.URL}})
	if err != nil {
		t.Fatal(err)
	}
	api := clients.Route53()
	z, err := api.CreateHostedZone(ctx, &r53.CreateHostedZoneInput{Name: aws.String("example.com"), CallerReference: aws.String("moto-dns")})
	if err != nil {
		t.Fatal(err)
	}
	zone := strings.TrimPrefix(aws.ToString(z.HostedZone.Id), "/hostedzone/")
	healthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }))
	t.Cleanup(healthy.Close)
	cfg := func(color, strategy string) string {
		return fmt.Sprintf(`
provider "bluegreen" {
  endpoints {
    route53 = %q
  }
}
`, moto.URL) + plainRecordsConfig(zone, fmt.Sprintf("%q", color), 60, "", "", strategy+fmt.Sprintf(`
  rollback_on = {
    http = [{ url = %q }]
  }`, healthy.URL))
	}
	motoWeights := func(blue, green int64) resource.TestCheckFunc {
		return func(*terraform.State) error {
			out, err := api.ListResourceRecordSets(ctx, &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String(zone)})
			if err != nil {
				return err
			}
			got := map[string]int64{}
			for _, s := range out.ResourceRecordSets {
				if s.Type == r53types.RRTypeA && aws.ToString(s.SetIdentifier) != "" {
					got[aws.ToString(s.SetIdentifier)] = aws.ToInt64(s.Weight)
				}
			}
			if len(got) != 2 || got["blue"] != blue || got["green"] != green {
				return fmt.Errorf("moto has weighted record sets %v, want blue=%d green=%d", got, blue, green)
			}
			return nil
		}
	}
	canary := `
  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "1m"
  }`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: cfg("blue", ""), ConfigStateChecks: dnsChecks(100, 0, "stable"), Check: motoWeights(100, 0)},
			{Config: cfg("green", ""), ConfigStateChecks: dnsChecks(0, 100, "stable"), Check: motoWeights(0, 100)},
			{
				Config: cfg("blue", canary),
				ConfigStateChecks: append(dnsChecks(100, 0, "stable"),
					statecheck.ExpectKnownValue(dnsRes, tfjsonpath.New("last_shift").AtMapKey("steps"), knownvalue.ListExact([]knownvalue.Check{
						stepCheck(10, 10, 90), stepCheck(50, 50, 50), stepCheck(100, 100, 0),
					}))),
				Check: motoWeights(100, 0),
			},
			{Config: cfg("blue", canary), PlanOnly: true},
		},
	})
}
