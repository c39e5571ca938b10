package route53

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsclient"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/routertest"
)

const (
	recordName = "app.example.com."
	blueLB     = "blue-1234567890.us-east-1.elb.amazonaws.com."
	greenLB    = "green-0987654321.us-east-1.elb.amazonaws.com."
	elbZone    = "Z35SXDOTRQ7X7K"
)

// newClient builds the provider's own Route 53 client (internal/awsclient)
// against endpoint, without retries so that an injected fault fails at once.
func newClient(t *testing.T, endpoint string) *r53.Client {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	noRetries := 0
	c, err := awsclient.New(context.Background(), awsclient.Config{Region: "us-east-1", MaxRetries: &noRetries,
		Endpoints: awsclient.Endpoints{Route53: endpoint}})
	if err != nil {
		t.Fatal(err)
	}
	return c.Route53()
}

// env is a sandbox with a zone holding blue (weight 100, alias to the blue
// load balancer) and green (weight 0, alias to the green one, with a health
// check) weighted record sets.
type env struct {
	sb     *sandbox.Server
	api    *r53.Client
	zone   string
	clock  *clock.Fake
	hcID   string
	router *Router
}

func newEnv(t *testing.T) *env {
	t.Helper()
	fake := clock.NewAutoFake(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	sb, err := sandbox.Start(sandbox.Options{Now: fake.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	e := &env{sb: sb, api: newClient(t, sb.URL()), clock: fake}
	ctx := context.Background()
	z, err := e.api.CreateHostedZone(ctx, &r53.CreateHostedZoneInput{Name: aws.String("example.com"), CallerReference: aws.String(t.Name())})
	if err != nil {
		t.Fatal(err)
	}
	e.zone = strings.TrimPrefix(*z.HostedZone.Id, "/hostedzone/")
	hc, err := e.api.CreateHealthCheck(ctx, &r53.CreateHealthCheckInput{CallerReference: aws.String(fmt.Sprint("green-", time.Now().UnixNano())),
		HealthCheckConfig: &types.HealthCheckConfig{Type: types.HealthCheckTypeHttp, FullyQualifiedDomainName: aws.String(strings.TrimSuffix(greenLB, ".")), ResourcePath: aws.String("/healthz")}})
	if err != nil {
		t.Fatal(err)
	}
	e.hcID = *hc.HealthCheck.Id
	e.write(t, 100, 0)
	e.router, err = New(e.api, Config{ZoneID: "/hostedzone/" + e.zone, Name: "App.Example.com", BlueSetIdentifier: "blue", GreenSetIdentifier: "green", Clock: fake})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func aliasSet(id string, weight int64, target string, hc *string) *types.ResourceRecordSet {
	return &types.ResourceRecordSet{Name: aws.String(recordName), Type: types.RRTypeA, SetIdentifier: aws.String(id), Weight: aws.Int64(weight),
		AliasTarget: &types.AliasTarget{DNSName: aws.String(target), HostedZoneId: aws.String(elbZone), EvaluateTargetHealth: true}, HealthCheckId: hc}
}

// write is the other writer: both record sets UPSERTed behind the router's back.
func (e *env) write(t *testing.T, blue, green int64) {
	t.Helper()
	_, err := e.api.ChangeResourceRecordSets(context.Background(), &r53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(e.zone),
		ChangeBatch: &types.ChangeBatch{Changes: []types.Change{
			{Action: types.ChangeActionUpsert, ResourceRecordSet: aliasSet("blue", blue, blueLB, nil)},
			{Action: types.ChangeActionUpsert, ResourceRecordSet: aliasSet("green", green, greenLB, aws.String(e.hcID))},
		}}})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRouter_conformanceSandbox(t *testing.T) {
	routertest.Run(t, func(t *testing.T) routertest.Subject {
		e := newEnv(t)
		return routertest.Subject{
			Router: e.router,
			Extra: []traffic.Weights{{Blue: 255, Green: 0}, {Blue: 0, Green: 255}, {Blue: 255, Green: 255},
				{Blue: 1, Green: 254}, {Blue: 3, Green: 7}},
			Rejects: []traffic.Weights{{Blue: 256, Green: 0}, {Blue: 0, Green: 256}, {Blue: 0, Green: 0}},
			OtherWriter: func(ctx context.Context, w traffic.Weights) error {
				e.write(t, int64(w.Blue), int64(w.Green))
				return nil
			},
			// Set is one ChangeResourceRecordSets batch, which Route 53
			// applies all-or-nothing: there is no "part-way" to fail at, so
			// a partial write is moot. The fault fails that one write and
			// the suite checks that nothing changed.
			FailNextSet: func(t *testing.T) func() {
				id, err := e.sb.InjectFault(sandbox.Fault{Service: "route53", Operation: "ChangeResourceRecordSets", Kind: sandbox.HTTP5xx})
				if err != nil {
					t.Fatal(err)
				}
				return func() { e.sb.RemoveFault(id) }
			},
		}
	})
}

func TestRouter_setPreservesShapeInOneBatch(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	before, err := e.router.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if before.Green.Alias == nil || aws.ToString(before.Green.Alias.DNSName) != greenLB || aws.ToString(before.Green.HealthCheckID) != e.hcID ||
		before.TTL() != AliasTTL {
		t.Fatalf("adopted shape %+v", before)
	}
	e.sb.ResetCalls()
	if err := e.router.Set(ctx, traffic.Weights{Blue: 90, Green: 10}); err != nil {
		t.Fatal(err)
	}
	calls := e.sb.Calls(sandbox.CallFilter{Service: "route53", Operation: "ChangeResourceRecordSets"})
	if len(calls) != 1 {
		t.Fatalf("want one ChangeResourceRecordSets batch, got %d", len(calls))
	}
	p := calls[0].Params
	if p["Changes.1.Action"] != "UPSERT" || p["Changes.1.SetIdentifier"] != "blue" || p["Changes.1.Weight"] != "90" ||
		p["Changes.2.Action"] != "UPSERT" || p["Changes.2.SetIdentifier"] != "green" || p["Changes.2.Weight"] != "10" {
		t.Fatalf("batch %v", p)
	}
	after, err := e.router.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, a := before, after
	b.Weights, b.Blue.Weight, b.Green.Weight = traffic.Weights{}, 0, 0
	a.Weights, a.Blue.Weight, a.Green.Weight = traffic.Weights{}, 0, 0
	if render(a) != render(b) {
		t.Fatalf("Set changed more than the weights:\nbefore %s\nafter  %s", render(b), render(a))
	}
}

func render(s State) string {
	r := func(x Record) string {
		out := x.SetIdentifier + " ttl=" + time.Duration(aws.ToInt64(x.TTL)).String() + " hc=" + aws.ToString(x.HealthCheckID) + " values=" + strings.Join(x.Values, ",")
		if x.Alias != nil {
			out += " alias=" + aws.ToString(x.Alias.DNSName) + "/" + aws.ToString(x.Alias.HostedZoneId)
			if x.Alias.EvaluateTargetHealth {
				out += "/eth"
			}
		}
		return out
	}
	return r(s.Blue) + " | " + r(s.Green)
}

func TestRouter_plainRecordsKeepTTLAndValues(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	plain := func(id string, w int64, ip string) *types.ResourceRecordSet {
		return &types.ResourceRecordSet{Name: aws.String("api.example.com"), Type: types.RRTypeA, SetIdentifier: aws.String(id), Weight: aws.Int64(w),
			TTL: aws.Int64(30), ResourceRecords: []types.ResourceRecord{{Value: aws.String(ip)}, {Value: aws.String(ip + "0")}}}
	}
	if _, err := e.api.ChangeResourceRecordSets(ctx, &r53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(e.zone),
		ChangeBatch: &types.ChangeBatch{Changes: []types.Change{
			{Action: types.ChangeActionCreate, ResourceRecordSet: plain("b", 1, "192.0.2.1")},
			{Action: types.ChangeActionCreate, ResourceRecordSet: plain("g", 0, "192.0.2.2")},
		}}}); err != nil {
		t.Fatal(err)
	}
	r, err := New(e.api, Config{ZoneID: e.zone, Name: "api.example.com", BlueSetIdentifier: "b", GreenSetIdentifier: "g", Clock: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Set(ctx, traffic.Weights{Blue: 0, Green: 255}); err != nil {
		t.Fatal(err)
	}
	st, err := r.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Weights != (traffic.Weights{Blue: 0, Green: 255}) || aws.ToInt64(st.Green.TTL) != 30 ||
		strings.Join(st.Green.Values, ",") != "192.0.2.2,192.0.2.20" || st.Green.Alias != nil || st.TTL() != 30*time.Second {
		t.Fatalf("after Set: %+v", st)
	}

	// Settle: INSYNC (the sandbox's default 60 s, polled every 5 s on the
	// fake clock), then one TTL (30 s).
	e.sb.ResetCalls()
	start := e.clock.Now()
	if err := r.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	waited := e.clock.Now().Sub(start)
	if waited < 60*time.Second+30*time.Second || waited >= 60*time.Second+DefaultPollInterval+30*time.Second {
		t.Fatalf("Settle waited %s of virtual time; want INSYNC after 60 s (polled every %s) plus one 30 s TTL", waited, DefaultPollInterval)
	}
	polls := len(e.sb.Calls(sandbox.CallFilter{Service: "route53", Operation: "GetChange"}))
	if polls != 13 {
		t.Fatalf("GetChange polls: %d, want 13 (at 0, 5, …, 60 s)", polls)
	}
	if r.PendingChange() != "" {
		t.Fatal("the change is still pending after Settle")
	}
	if err := r.Settle(ctx); err != nil || e.clock.Now().Sub(start) != waited {
		t.Fatalf("a second Settle without a Set must return at once: %v", err)
	}
}

func TestRouter_settleStopsWithContext(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.router.Set(ctx, traffic.Split(traffic.Green, 10)); err != nil {
		t.Fatal(err)
	}
	short, cancel := clock.WithTimeout(ctx, e.clock, 20*time.Second)
	defer cancel()
	err := e.router.Settle(short)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Settle with a 20 s deadline on a 60 s change: %v", err)
	}
	if e.router.PendingChange() == "" {
		t.Fatal("the unsettled change was forgotten")
	}
}

func TestRouter_refusesWhatItCannotManage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	put := func(rrs ...*types.ResourceRecordSet) {
		t.Helper()
		var ch []types.Change
		for _, r := range rrs {
			ch = append(ch, types.Change{Action: types.ChangeActionCreate, ResourceRecordSet: r})
		}
		if _, err := e.api.ChangeResourceRecordSets(ctx, &r53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(e.zone),
			ChangeBatch: &types.ChangeBatch{Changes: ch}}); err != nil {
			t.Fatal(err)
		}
	}
	simple := &types.ResourceRecordSet{Name: aws.String("simple.example.com"), Type: types.RRTypeA, TTL: aws.Int64(60),
		ResourceRecords: []types.ResourceRecord{{Value: aws.String("192.0.2.9")}}}
	put(simple)
	third := aliasSet("canary", 5, "canary-1.us-east-1.elb.amazonaws.com", nil)
	three := *third
	three.Name = aws.String("three.example.com")
	b, g := *aliasSet("blue", 1, blueLB, nil), *aliasSet("green", 1, greenLB, nil)
	b.Name, g.Name = aws.String("three.example.com"), aws.String("three.example.com")
	put(&b, &g, &three)
	onlyBlue := *aliasSet("blue", 1, blueLB, nil)
	onlyBlue.Name = aws.String("half.example.com")
	put(&onlyBlue)

	tests := []struct {
		name, zone, record string
		is                 error
		as                 any
		msg                string
	}{
		{"no such record", e.zone, "missing.example.com", ErrNotFound, nil, "record missing.example.com. A in hosted zone " + e.zone + " not found"},
		{"no such zone", "ZNOSUCHZONE", "app.example.com", ErrNotFound, nil, "hosted zone ZNOSUCHZONE not found"},
		{"a simple record", e.zone, "simple.example.com", nil, &UnsupportedRecordError{}, "it is a simple record set, not a weighted one"},
		{"a third weighted record", e.zone, "three.example.com", nil, &UnsupportedRecordError{}, `it has weighted record sets other than blue ("blue") and green ("green"): ["canary"]`},
		{"one color missing", e.zone, "half.example.com", ErrNotFound, nil, `the green weighted record set (set identifier "green") of half.example.com. A`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := New(e.api, Config{ZoneID: tt.zone, Name: tt.record, BlueSetIdentifier: "blue", GreenSetIdentifier: "green", Clock: e.clock})
			if err != nil {
				t.Fatal(err)
			}
			e.sb.ResetCalls()
			for _, op := range []func() error{
				func() error { _, err := r.Read(ctx); return err },
				func() error { return r.Set(ctx, traffic.Split(traffic.Green, 50)) },
			} {
				err := op()
				if err == nil {
					t.Fatal("accepted")
				}
				if tt.is != nil && !errors.Is(err, tt.is) {
					t.Fatalf("%v is not %v", err, tt.is)
				}
				if _, ok := tt.as.(*UnsupportedRecordError); ok {
					var ue *UnsupportedRecordError
					if !errors.As(err, &ue) {
						t.Fatalf("%v is not an UnsupportedRecordError", err)
					}
				}
				if !strings.Contains(err.Error(), tt.msg) {
					t.Fatalf("error %q does not say %q", err, tt.msg)
				}
			}
			if n := len(e.sb.Calls(sandbox.CallFilter{Service: "route53", Operation: "ChangeResourceRecordSets"})); n != 0 {
				t.Fatalf("a refused Set wrote %d batches", n)
			}
		})
	}
}

func TestNew_validatesConfig(t *testing.T) {
	for _, c := range []Config{
		{Name: "a.example.com", BlueSetIdentifier: "b", GreenSetIdentifier: "g"},
		{ZoneID: "Z1", BlueSetIdentifier: "b", GreenSetIdentifier: "g"},
		{ZoneID: "Z1", Name: "a.example.com", BlueSetIdentifier: "b"},
		{ZoneID: "Z1", Name: "a.example.com", BlueSetIdentifier: "x", GreenSetIdentifier: "x"},
		{ZoneID: "Z1", Name: "a.example.com", BlueSetIdentifier: strings.Repeat("b", 129), GreenSetIdentifier: "g"},
	} {
		if _, err := New(nil, c); err == nil {
			t.Errorf("New(%+v) accepted", c)
		}
	}
}
