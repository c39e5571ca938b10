package provider

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/miekg/dns"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
	sbr53 "github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/route53"
)

const (
	dnsRes     = "bluegreen_dns_switch.app"
	dnsName    = "app.example.com"
	dnsBlueLB  = "blue-1234567890.us-east-1.elb.amazonaws.com"
	dnsGreenLB = "green-0987654321.us-east-1.elb.amazonaws.com"
	dnsELBZone = "Z35SXDOTRQ7X7K"
)

// dnsEnv is a test's own sandbox with a hosted zone and a Route 53 health
// check per color (both healthy), no load balancer at all: a DNS switch
// needs none.
type dnsEnv struct {
	*testEnv
	zone, hcBlue, hcGreen string
}

// dnsRoute53Options is the sandbox Route 53 of the DNS switch tests: a change
// stays PENDING for 20 s (set explicitly, shorter than AWS's 60 s default, so
// that Settle really waits for INSYNC) on the fake clock, which makes the
// wait — and every TTL hold — take no real time; and the DNS server on.
var dnsRoute53Options = sandbox.Route53Options{ChangeDelay: 20 * time.Second, DNSAddr: "127.0.0.1:0"}

func newDNSEnv(t *testing.T, opts ...testEnvOption) *dnsEnv {
	t.Helper()
	env := newTestSandbox(t, append([]testEnvOption{withRoute53(dnsRoute53Options)}, opts...)...)
	return setupDNSZone(t, env)
}

func setupDNSZone(t *testing.T, env *testEnv) *dnsEnv {
	t.Helper()
	api := env.Clients.Route53()
	ctx := context.Background()
	z, err := api.CreateHostedZone(ctx, &r53.CreateHostedZoneInput{Name: aws.String("example.com"), CallerReference: aws.String(t.Name())})
	if err != nil {
		t.Fatal(err)
	}
	e := &dnsEnv{testEnv: env, zone: strings.TrimPrefix(aws.ToString(z.HostedZone.Id), "/hostedzone/")}
	for _, c := range []struct {
		id *string
		lb string
	}{{&e.hcBlue, dnsBlueLB}, {&e.hcGreen, dnsGreenLB}} {
		hc, err := api.CreateHealthCheck(ctx, &r53.CreateHealthCheckInput{CallerReference: aws.String(strings.SplitN(c.lb, ".", 2)[0]),
			HealthCheckConfig: &r53types.HealthCheckConfig{Type: r53types.HealthCheckTypeHttp, FullyQualifiedDomainName: aws.String(c.lb), ResourcePath: aws.String("/healthz")}})
		if err != nil {
			t.Fatal(err)
		}
		*c.id = aws.ToString(hc.HealthCheck.Id)
	}
	return e
}

// config is the switch with both colors aliased to their load balancers,
// each with its health check; extra goes inside the resource.
func (e *dnsEnv) config(color, extra string) string {
	return fmt.Sprintf(`
resource "bluegreen_dns_switch" "app" {
  zone_id      = %q
  name         = %q
  active_color = %q
  blue = {
    set_identifier  = "blue"
    alias           = { name = %q, zone_id = %q }
    health_check_id = %q
  }
  green = {
    set_identifier  = "green"
    alias           = { name = %q, zone_id = %q }
    health_check_id = %q
  }
%s
}
`, e.zone, dnsName, color, dnsBlueLB, dnsELBZone, e.hcBlue, dnsGreenLB, dnsELBZone, e.hcGreen, extra)
}

// records reads the real weights of the blue and green record sets.
func (e *dnsEnv) records(t *testing.T) (blue, green int64, found int) {
	t.Helper()
	blue, green, found, err := e.recordsErr()
	if err != nil {
		t.Fatal(err)
	}
	return blue, green, found
}

// recordsErr is records for goroutines other than the test's.
func (e *dnsEnv) recordsErr() (blue, green int64, found int, err error) {
	out, err := e.Clients.Route53().ListResourceRecordSets(context.Background(), &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String(e.zone)})
	if err != nil {
		return 0, 0, 0, err
	}
	for _, s := range out.ResourceRecordSets {
		if aws.ToString(s.Name) != dnsName+"." {
			continue
		}
		switch aws.ToString(s.SetIdentifier) {
		case "blue":
			blue, found = aws.ToInt64(s.Weight), found+1
		case "green":
			green, found = aws.ToInt64(s.Weight), found+1
		}
	}
	return blue, green, found, nil
}

func (e *dnsEnv) expectRecords(t *testing.T, blue, green int64) resource.TestCheckFunc {
	return func(*terraform.State) error {
		b, g, n := e.records(t)
		if n != 2 || b != blue || g != green {
			return fmt.Errorf("Route 53 has %d record sets, blue=%d green=%d; want both, %d/%d", n, b, g, blue, green)
		}
		return nil
	}
}

// writeByHand is another writer: both weights UPSERTed outside Terraform.
func (e *dnsEnv) writeByHand(t *testing.T, blue, green int64) {
	t.Helper()
	set := func(id string, w int64, lb, hc string) *r53types.ResourceRecordSet {
		return &r53types.ResourceRecordSet{Name: aws.String(dnsName), Type: r53types.RRTypeA, SetIdentifier: aws.String(id), Weight: aws.Int64(w),
			AliasTarget: &r53types.AliasTarget{DNSName: aws.String(lb), HostedZoneId: aws.String(dnsELBZone)}, HealthCheckId: aws.String(hc)}
	}
	if _, err := e.Clients.Route53().ChangeResourceRecordSets(context.Background(), &r53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(e.zone),
		ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{
			{Action: r53types.ChangeActionUpsert, ResourceRecordSet: set("blue", blue, dnsBlueLB, e.hcBlue)},
			{Action: r53types.ChangeActionUpsert, ResourceRecordSet: set("green", green, dnsGreenLB, e.hcGreen)},
		}}}); err != nil {
		t.Fatal(err)
	}
}

// writtenBatches are the weights of every ChangeResourceRecordSets call, as
// "blue/green", with the number of changes in each batch.
func (e *dnsEnv) writtenBatches() []string {
	var out []string
	for _, c := range e.Sandbox.Calls(sandbox.CallFilter{Service: "route53", Operation: "ChangeResourceRecordSets"}) {
		if c.Status != http.StatusOK {
			continue
		}
		w := map[string]string{}
		n := 0
		for i := 1; c.Params[fmt.Sprintf("Changes.%d.Action", i)] != ""; i++ {
			w[c.Params[fmt.Sprintf("Changes.%d.SetIdentifier", i)]] = c.Params[fmt.Sprintf("Changes.%d.Weight", i)]
			n++
		}
		out = append(out, fmt.Sprintf("%s/%s(%d)", w["blue"], w["green"], n))
	}
	return out
}

// noALBCalls checks that a configuration with only the DNS switch needs no
// load balancer: the provider never called ELBv2 or CloudWatch (since the
// last ResetCalls).
func (e *dnsEnv) noALBCalls(*terraform.State) error {
	for _, svc := range []string{"elbv2", "cloudwatch"} {
		if calls := e.Sandbox.Calls(sandbox.CallFilter{Service: svc}); len(calls) != 0 {
			return fmt.Errorf("a DNS-only configuration called %s: %s", svc, calls[0].Operation)
		}
	}
	return nil
}

func dnsChecks(blue, green int64, status string) []statecheck.StateCheck {
	return []statecheck.StateCheck{
		statecheck.ExpectKnownValue(dnsRes, tfjsonpath.New("blue_weight"), knownvalue.Int64Exact(blue)),
		statecheck.ExpectKnownValue(dnsRes, tfjsonpath.New("green_weight"), knownvalue.Int64Exact(green)),
		statecheck.ExpectKnownValue(dnsRes, tfjsonpath.New("status"), knownvalue.StringExact(status)),
	}
}

// TestAccDNSSwitch_flip: the create makes both record sets in one batch with
// all traffic on blue (no shift); the flip writes 0/100 in one batch of two
// changes; a second plan is empty; destroy leaves the record sets.
func TestAccDNSSwitch_flip(t *testing.T) {
	e := newDNSEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories,
		CheckDestroy: func(*terraform.State) error {
			if b, g, n := e.records(t); n != 2 || b != 0 || g != 100 {
				return fmt.Errorf("destroy moved or deleted the record sets: %d found, %d/%d", n, b, g)
			}
			return e.noALBCalls(nil)
		},
		Steps: []resource.TestStep{
			{
				PreConfig:         func() { e.Sandbox.ResetCalls() },
				Config:            e.config("blue", ""),
				ConfigStateChecks: append(dnsChecks(100, 0, "stable"), statecheck.ExpectKnownValue(dnsRes, tfjsonpath.New("id"), knownvalue.StringExact(e.zone+"/"+dnsName+"/A/blue/green"))),
				Check: resource.ComposeTestCheckFunc(e.expectRecords(t, 100, 0), e.noALBCalls, func(*terraform.State) error {
					if got := e.writtenBatches(); len(got) != 1 || got[0] != "100/0(2)" {
						return fmt.Errorf("the create wrote %v, want one batch creating both record sets at 100/0", got)
					}
					return nil
				}),
			},
			{
				PreConfig: func() { e.Sandbox.ResetCalls() },
				Config:    e.config("green", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(dnsRes, tfjsonpath.New("planned_steps"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"percent": knownvalue.Int64Exact(100), "green_weight": knownvalue.Int64Exact(100)}),
					})),
					// pre-flight (30 s), one write (2 s), its settle (60 s propagation + 5 s poll + the 60 s alias TTL) and the restore (10 s)
					plancheck.ExpectKnownValue(dnsRes, tfjsonpath.New("worst_case_duration"), knownvalue.StringExact("2m47s")),
				}},
				ConfigStateChecks: dnsChecks(0, 100, "stable"),
				Check: resource.ComposeTestCheckFunc(e.expectRecords(t, 0, 100), e.noALBCalls, func(*terraform.State) error {
					if got := e.writtenBatches(); len(got) != 1 || got[0] != "0/100(2)" {
						return fmt.Errorf("the flip wrote %v, want one batch of both record sets at 0/100", got)
					}
					if n := len(e.Sandbox.Calls(sandbox.CallFilter{Service: "route53", Operation: "GetChange"})); n == 0 {
						return fmt.Errorf("the flip never asked GetChange whether its change was INSYNC")
					}
					return nil
				}),
			},
			{Config: e.config("green", ""), PlanOnly: true},
		},
	})
}

// dnsSampler counts, at the start of every hold (a Sleep of the step
// interval or the bake time — distinct from the settle's poll and TTL
// sleeps), which color the sandbox's DNS server answers for fresh queries.
type dnsSampler struct {
	clock.Clock
	addr  func() string
	holds map[time.Duration]bool
	n     int
	mu    sync.Mutex
	seen  []float64 // green share per hold, in order
	err   error
}

func (s *dnsSampler) Sleep(ctx context.Context, d time.Duration) error {
	if s.holds[d] {
		share, err := greenShare(s.addr(), s.n)
		s.mu.Lock()
		s.seen = append(s.seen, share)
		if err != nil && s.err == nil {
			s.err = err
		}
		s.mu.Unlock()
	}
	return s.Clock.Sleep(ctx, d)
}

func greenShare(addr string, n int) (float64, error) {
	c := &dns.Client{Timeout: 5 * time.Second}
	blueIP, greenIP := sbr53.PlaceholderIPv4(dnsBlueLB).String(), sbr53.PlaceholderIPv4(dnsGreenLB).String()
	green := 0
	for range n {
		m := new(dns.Msg)
		m.SetQuestion(dnsName+".", dns.TypeA)
		in, _, err := c.Exchange(m, addr)
		if err != nil {
			return 0, err
		}
		if len(in.Answer) != 1 {
			return 0, fmt.Errorf("%d answers for %s, want 1: %v", len(in.Answer), dnsName, in)
		}
		switch ip := in.Answer[0].(*dns.A).A.String(); ip {
		case greenIP:
			green++
		case blueIP:
		default:
			return 0, fmt.Errorf("answer %s is neither blue (%s) nor green (%s)", ip, blueIP, greenIP)
		}
	}
	return float64(green) / float64(n), nil
}

// TestAccDNSSwitch_canaryObservedInDNS: during every hold of a 10 → 50 → 100
// canary — after the step has settled — fresh resolutions through the
// sandbox's DNS server answer green in the step's share: within 6 standard
// deviations of n = 2000 binomial draws (a false alarm about once in 500
// million runs), and exactly all green during the bake. The weights written
// per step come from the sandbox's call log, one batch each.
func TestAccDNSSwitch_canaryObservedInDNS(t *testing.T) {
	const stepInterval, bake = 7 * time.Minute, 3 * time.Minute
	var sampler *dnsSampler
	e := newDNSEnv(t, func(c *testEnvConfig) {
		c.wrapClock = func(env *testEnv, c clock.Clock) clock.Clock {
			sampler = &dnsSampler{Clock: c, addr: env.Sandbox.DNSAddr, holds: map[time.Duration]bool{stepInterval: true, bake: true}, n: 2000}
			return sampler
		}
	})
	canary := `
  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "7m"
  }
  bake_time = "3m"`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories,
		Steps: []resource.TestStep{
			{Config: e.config("blue", canary), ConfigStateChecks: dnsChecks(100, 0, "stable")},
			{
				PreConfig: func() {
					e.Sandbox.ResetCalls()
					sampler.mu.Lock()
					sampler.seen, sampler.err = nil, nil
					sampler.mu.Unlock()
				},
				Config: e.config("green", canary),
				ConfigStateChecks: append(dnsChecks(0, 100, "stable"),
					statecheck.ExpectKnownValue(dnsRes, tfjsonpath.New("last_shift").AtMapKey("steps"), knownvalue.ListExact([]knownvalue.Check{
						stepCheck(10, 90, 10), stepCheck(50, 50, 50), stepCheck(100, 0, 100),
					}))),
				Check: func(*terraform.State) error {
					if got := e.writtenBatches(); strings.Join(got, " ") != "90/10(2) 50/50(2) 0/100(2)" {
						return fmt.Errorf("weights written per step: %v, want 90/10 50/50 0/100, one batch of both record sets each", got)
					}
					sampler.mu.Lock()
					defer sampler.mu.Unlock()
					if sampler.err != nil {
						return sampler.err
					}
					want := []float64{0.10, 0.50, 1}
					if len(sampler.seen) != len(want) {
						return fmt.Errorf("sampled %d holds (%v), want %d", len(sampler.seen), sampler.seen, len(want))
					}
					for i, q := range want {
						bound := 6 * math.Sqrt(q*(1-q)/float64(sampler.n))
						if got := sampler.seen[i]; math.Abs(got-q) > bound {
							return fmt.Errorf("hold %d: %.2f%% of %d fresh answers were green, want %.0f%% ± %.2f%%", i+1, 100*got, sampler.n, 100*q, 100*bound)
						}
					}
					return nil
				},
			},
		},
	})
}

// TestAccDNSSwitch_rollbackOnFailingHTTPCheck: the green endpoint fails its
// http check as soon as it gets DNS weight; the shift rolls back, the record
// sets are restored to 100/0 and state says rolled_back with the reason.
func TestAccDNSSwitch_rollbackOnFailingHTTPCheck(t *testing.T) {
	e := newDNSEnv(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if _, g, _, err := e.recordsErr(); err != nil || g > 0 {
			http.Error(w, "green is failing", http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	extra := fmt.Sprintf(`
  strategy = {
    type          = "canary"
    steps         = [10]
    step_interval = "5m"
  }
  rollback_on = {
    http = [{ url = %q }]
  }`, srv.URL)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories,
		Steps: []resource.TestStep{
			{Config: e.config("blue", extra), ConfigStateChecks: dnsChecks(100, 0, "stable")},
			{
				PreConfig:   func() { e.Sandbox.ResetCalls() },
				Config:      e.config("green", extra),
				ExpectError: regexp.MustCompile(`Shift rolled back(.|\n)*http`),
			},
			{
				Config: e.config("blue", extra),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					expectPriorState(dnsRes, "status", "rolled_back"),
					expectPriorState(dnsRes, "active_color", "blue"),
					expectPriorState(dnsRes, "blue_weight", float64(100)),
				}},
				ConfigStateChecks: dnsChecks(100, 0, "stable"),
				Check: resource.ComposeTestCheckFunc(e.expectRecords(t, 100, 0), func(*terraform.State) error {
					if got := e.writtenBatches(); strings.Join(got, " ") != "90/10(2) 100/0(2)" {
						return fmt.Errorf("written: %v, want the 10 %% step and its restore", got)
					}
					return nil
				}),
			},
		},
	})
}

// TestAccDNSSwitch_driftAndImport: weights changed by hand show as drift and
// the next apply moves them back through a checked shift; the switch
// imports by zone/name/type/blue/green with nothing to change afterwards.
func TestAccDNSSwitch_driftAndImport(t *testing.T) {
	e := newDNSEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories,
		Steps: []resource.TestStep{
			{Config: e.config("blue", ""), ConfigStateChecks: dnsChecks(100, 0, "stable")},
			{
				PreConfig:          func() { e.writeByHand(t, 70, 30) },
				Config:             e.config("blue", ""),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: e.config("blue", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					expectPriorState(dnsRes, "status", "drifted"),
					expectPriorState(dnsRes, "green_weight", float64(30)),
				}},
				ConfigStateChecks: dnsChecks(100, 0, "stable"),
				Check:             e.expectRecords(t, 100, 0),
			},
			{
				ResourceName:            dnsRes,
				ImportState:             true,
				ImportStateId:           e.zone + "/" + dnsName + "/A/blue/green",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"last_shift", "planned_steps", "worst_case_duration", "timeouts"},
			},
		},
	})
}

// TestAccDNSSwitch_adoptsExistingRecords: weighted record sets made by hand
// at 80/20 are adopted with their weights: the plan's path starts from them.
func TestAccDNSSwitch_adoptsExistingRecords(t *testing.T) {
	e := newDNSEnv(t)
	e.writeByHand(t, 80, 20)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories,
		Steps: []resource.TestStep{{
			PreConfig: func() { e.Sandbox.ResetCalls() },
			Config:    e.config("green", ""),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectKnownValue(dnsRes, tfjsonpath.New("planned_steps"), knownvalue.ListSizeExact(1)),
			}},
			ConfigStateChecks: dnsChecks(0, 100, "stable"),
			Check: resource.ComposeTestCheckFunc(e.expectRecords(t, 0, 100), func(*terraform.State) error {
				if got := e.writtenBatches(); strings.Join(got, " ") != "0/100(2)" {
					return fmt.Errorf("written: %v, want only the shift's 0/100 (the adopted shape already matches)", got)
				}
				return nil
			}),
		}},
	})
}

// TestAccDNSSwitch_refusedAtPlan: what a DNS switch cannot do is refused at
// plan time, before anything is written.
func TestAccDNSSwitch_refusedAtPlan(t *testing.T) {
	e := newDNSEnv(t)
	noHC := func(color string, rollbackOn string) string {
		return fmt.Sprintf(`
resource "bluegreen_dns_switch" "app" {
  zone_id      = %q
  name         = %q
  active_color = %q
  blue  = { set_identifier = "blue", alias = { name = %q, zone_id = %q }, health_check_id = %q }
  green = { set_identifier = "green", alias = { name = %q, zone_id = %q } }
%s
}
`, e.zone, dnsName, color, dnsBlueLB, dnsELBZone, e.hcBlue, dnsGreenLB, dnsELBZone, rollbackOn)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories,
		Steps: []resource.TestStep{
			{Config: e.config("blue", `
  rollback_on = {
    metrics = { max_5xx_rate = 0.01 }
  }`), PlanOnly: true, ExpectError: regexp.MustCompile(`Check not available for a DNS switch(.|\n)*LoadBalancer(.|\n)*later step`)},
			{Config: e.config("blue", `
  rollback_on = {
    target_health = { min_healthy_count = 1 }
  }`), PlanOnly: true, ExpectError: regexp.MustCompile(`Check not available for a DNS switch`)},
			{Config: noHC("blue", ""), ConfigStateChecks: dnsChecks(100, 0, "stable")},
			{Config: noHC("green", ""), ExpectError: regexp.MustCompile(`Pre-flight check required`)},
			{
				Config:      strings.Replace(e.config("blue", ""), dnsBlueLB, "other-1111111111.us-east-1.elb.amazonaws.com", 1),
				ExpectError: regexp.MustCompile(`Record set still receives traffic`),
			},
			{
				PreConfig: holdsAfterError(t, e.expectRecords(t, 100, 0)),
				// Without settling, this canary fits 5m (2m46s); each of its
				// three steps also settles (60 s + 5 s + the 60 s alias TTL).
				Config: e.config("green", `
  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "1m"
  }
  timeouts {
    update = "5m"
  }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Shift cannot finish within the timeout(.|\n)*9m1s`),
			},
		},
	})
	if b, g, _ := e.records(t); b != 100 || g != 0 {
		t.Fatalf("a refused plan moved traffic: %d/%d", b, g)
	}
}

// TestAccDNSSwitch_unhealthyReceivingColorRefused: green's Route 53 health
// check reports unhealthy, so the pre-flight refuses the shift and nothing
// is written; once healthy, the same apply flips.
func TestAccDNSSwitch_unhealthyReceivingColorRefused(t *testing.T) {
	e := newDNSEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories,
		Steps: []resource.TestStep{
			{Config: e.config("blue", ""), ConfigStateChecks: dnsChecks(100, 0, "stable")},
			{
				PreConfig: func() {
					if err := e.Sandbox.SetRoute53HealthCheckStatus(e.hcGreen, false, ""); err != nil {
						t.Fatal(err)
					}
					e.Sandbox.ResetCalls()
				},
				Config:      e.config("green", ""),
				ExpectError: regexp.MustCompile(`Pre-flight check refused the shift(.|\n)*route53_health_check`),
			},
			{
				PreConfig: func() {
					if got := e.writtenBatches(); len(got) != 0 {
						t.Fatalf("a refused pre-flight wrote %v", got)
					}
					if err := e.Sandbox.SetRoute53HealthCheckStatus(e.hcGreen, true, ""); err != nil {
						t.Fatal(err)
					}
				},
				Config:            e.config("green", ""),
				ConfigStateChecks: dnsChecks(0, 100, "stable"),
				Check:             e.expectRecords(t, 0, 100),
			},
		},
	})
}

// TestAccDNSSwitch_reshapeIdleAndDeleteOnDestroy: the idle color's target is
// rewritten (one batch, weights kept) without a shift; with
// delete_records_on_destroy the destroy deletes both record sets.
func TestAccDNSSwitch_reshapeIdleAndDeleteOnDestroy(t *testing.T) {
	e := newDNSEnv(t)
	const otherLB = "green2-5555555555.us-east-1.elb.amazonaws.com"
	del := `
  delete_records_on_destroy = true`
	greenTarget := func() (string, error) {
		out, err := e.Clients.Route53().ListResourceRecordSets(context.Background(), &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String(e.zone)})
		if err != nil {
			return "", err
		}
		for _, s := range out.ResourceRecordSets {
			if aws.ToString(s.SetIdentifier) == "green" && s.AliasTarget != nil {
				return strings.TrimSuffix(aws.ToString(s.AliasTarget.DNSName), "."), nil
			}
		}
		return "", fmt.Errorf("no green alias record set")
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories,
		CheckDestroy: func(*terraform.State) error {
			if _, _, n, err := e.recordsErr(); err != nil || n != 0 {
				return fmt.Errorf("after destroy with delete_records_on_destroy, %d record sets remain (%v)", n, err)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{Config: e.config("blue", del), ConfigStateChecks: dnsChecks(100, 0, "stable")},
			{
				PreConfig:         func() { e.Sandbox.ResetCalls() },
				Config:            strings.Replace(e.config("blue", del), dnsGreenLB, otherLB, 1),
				ConfigStateChecks: dnsChecks(100, 0, "stable"),
				Check: resource.ComposeTestCheckFunc(e.expectRecords(t, 100, 0), func(*terraform.State) error {
					if got := e.writtenBatches(); strings.Join(got, " ") != "100/0(2)" {
						return fmt.Errorf("written: %v, want one batch of both record sets, weights kept", got)
					}
					if got, err := greenTarget(); err != nil || got != otherLB {
						return fmt.Errorf("green points at %q (%v), want %s", got, err, otherLB)
					}
					return nil
				}),
			},
		},
	})
}
