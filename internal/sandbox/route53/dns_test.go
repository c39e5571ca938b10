package route53_test

import (
	"context"
	"math"
	"net"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/miekg/dns"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/route53"
)

type dnsEnv struct {
	sb   *sandbox.Server
	api  *r53.Client
	zone string
}

func newDNSEnv(t *testing.T, o sandbox.Options) *dnsEnv {
	t.Helper()
	if o.Route53.ChangeDelay == 0 {
		o.Route53.ChangeDelay = -1 // INSYNC at once unless the test models propagation
	}
	o.Route53.DNSAddr = "127.0.0.1:0"
	sb := startSandbox(t, o)
	if sb.DNSAddr() == "" {
		t.Fatal("no DNS address")
	}
	e := &dnsEnv{sb: sb, api: client(t, sb)}
	e.zone = createZone(context.Background(), t, e.api, "example.com")
	return e
}

func (e *dnsEnv) upsert(t *testing.T, sets ...*types.ResourceRecordSet) {
	t.Helper()
	var ch []types.Change
	for _, s := range sets {
		ch = append(ch, change(types.ChangeActionUpsert, s))
	}
	if _, err := changeBatch(context.Background(), e.api, e.zone, ch...); err != nil {
		t.Fatal(err)
	}
}

func query(t *testing.T, addr, name string, qtype uint16, network string) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	c := &dns.Client{Net: network, Timeout: 5 * time.Second}
	in, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("DNS query %s %s: %v", name, dns.TypeToString[qtype], err)
	}
	return in
}

// shares queries name n times and counts the A answers by address.
func shares(t *testing.T, addr, name string, n int) map[string]int {
	t.Helper()
	out := map[string]int{}
	for range n {
		in := query(t, addr, name, dns.TypeA, "udp")
		if in.Rcode != dns.RcodeSuccess || len(in.Answer) != 1 {
			t.Fatalf("query %s: rcode %s, %d answers", name, dns.RcodeToString[in.Rcode], len(in.Answer))
		}
		out[in.Answer[0].(*dns.A).A.String()]++
	}
	return out
}

func TestDNS_weightedAnswersFollowTheWeights(t *testing.T) {
	e := newDNSEnv(t, sandbox.Options{})
	addr := e.sb.DNSAddr()
	blue, green := weighted("www.example.com", "blue", 200, "192.0.2.1"), weighted("www.example.com", "green", 55, "192.0.2.2")
	blue.TTL, green.TTL = aws.Int64(37), aws.Int64(37)
	e.upsert(t, blue, green)

	const n = 4000
	got := shares(t, addr, "www.example.com", n)
	if got["192.0.2.1"]+got["192.0.2.2"] != n {
		t.Fatalf("answers %v", got)
	}
	// Binomial: p = 55/255, σ = sqrt(p(1-p)/n) ≈ 0.65 %; allow 5σ.
	p := 55.0 / 255
	share := float64(got["192.0.2.2"]) / n
	if math.Abs(share-p) > 5*math.Sqrt(p*(1-p)/n) {
		t.Fatalf("green answered %.2f%% of %d queries, weights say %.2f%%", 100*share, n, 100*p)
	}
	in := query(t, addr, "WWW.Example.COM", dns.TypeA, "tcp")
	if !in.Authoritative || in.Answer[0].Header().Ttl != 37 || in.Answer[0].Header().Name != "WWW.Example.COM." {
		t.Fatalf("TCP answer %v", in)
	}

	// Weight 0 is never answered while another set has a positive weight.
	blue.Weight, green.Weight = aws.Int64(1), aws.Int64(0)
	e.upsert(t, blue, green)
	if got := shares(t, addr, "www.example.com", 300); got["192.0.2.2"] != 0 {
		t.Fatalf("weight 0 answered: %v", got)
	}
	// All zero: every set with equal probability.
	blue.Weight = aws.Int64(0)
	e.upsert(t, blue)
	got = shares(t, addr, "www.example.com", 400)
	if got["192.0.2.1"] < 120 || got["192.0.2.2"] < 120 {
		t.Fatalf("all weights 0 should answer both about equally: %v", got)
	}
}

func TestDNS_healthChecksLeaveUnhealthySetsOut(t *testing.T) {
	e := newDNSEnv(t, sandbox.Options{})
	ctx := context.Background()
	hc, err := e.api.CreateHealthCheck(ctx, &r53.CreateHealthCheckInput{CallerReference: aws.String("g"),
		HealthCheckConfig: &types.HealthCheckConfig{Type: types.HealthCheckTypeTcp, IPAddress: aws.String("192.0.2.2"), Port: aws.Int32(80)}})
	if err != nil {
		t.Fatal(err)
	}
	blue, green := weighted("www.example.com", "blue", 1, "192.0.2.1"), weighted("www.example.com", "green", 254, "192.0.2.2")
	green.HealthCheckId = hc.HealthCheck.Id
	e.upsert(t, blue, green)
	if err := e.sb.SetRoute53HealthCheckStatus(*hc.HealthCheck.Id, false, ""); err != nil {
		t.Fatal(err)
	}
	if got := shares(t, e.sb.DNSAddr(), "www.example.com", 200); got["192.0.2.2"] != 0 {
		t.Fatalf("an unhealthy set was answered: %v", got)
	}
	// Nonzero-weighted sets all unhealthy: Route 53 considers the healthy
	// zero-weighted ones (the documented weighted + health check rules).
	blue.Weight = aws.Int64(0)
	e.upsert(t, blue)
	if got := shares(t, e.sb.DNSAddr(), "www.example.com", 50); got["192.0.2.1"] != 50 {
		t.Fatalf("zero-weighted healthy set not used when the weighted one fails: %v", got)
	}
	// Every set unhealthy: Route 53 answers as if all were healthy.
	hb, err := e.api.CreateHealthCheck(ctx, &r53.CreateHealthCheckInput{CallerReference: aws.String("b"),
		HealthCheckConfig: &types.HealthCheckConfig{Type: types.HealthCheckTypeTcp, IPAddress: aws.String("192.0.2.1"), Port: aws.Int32(80)}})
	if err != nil {
		t.Fatal(err)
	}
	blue.HealthCheckId = hb.HealthCheck.Id
	e.upsert(t, blue)
	if err := e.sb.SetRoute53HealthCheckStatus(*hb.HealthCheck.Id, false, ""); err != nil {
		t.Fatal(err)
	}
	if got := shares(t, e.sb.DNSAddr(), "www.example.com", 50); got["192.0.2.2"] != 50 {
		t.Fatalf("only unhealthy sets left: %v", got)
	}
}

func TestDNS_aliasesCNAMEsAndNegativeAnswers(t *testing.T) {
	e := newDNSEnv(t, sandbox.Options{})
	addr := e.sb.DNSAddr()
	e.upsert(t,
		&types.ResourceRecordSet{Name: aws.String("lb.example.com"), Type: types.RRTypeA, AliasTarget: &types.AliasTarget{
			DNSName: aws.String("web-1234567890.us-east-1.elb.amazonaws.com"), HostedZoneId: aws.String("Z35SXDOTRQ7X7K")}},
		&types.ResourceRecordSet{Name: aws.String("origin.example.com"), Type: types.RRTypeA, TTL: aws.Int64(120),
			ResourceRecords: []types.ResourceRecord{{Value: aws.String("192.0.2.50")}, {Value: aws.String("192.0.2.51")}}},
	)
	e.upsert(t,
		&types.ResourceRecordSet{Name: aws.String("apex-alias.example.com"), Type: types.RRTypeA, AliasTarget: &types.AliasTarget{
			DNSName: aws.String("origin.example.com"), HostedZoneId: aws.String(e.zone)}},
		&types.ResourceRecordSet{Name: aws.String("c.example.com"), Type: types.RRTypeCname, TTL: aws.Int64(10),
			ResourceRecords: []types.ResourceRecord{{Value: aws.String("origin.example.com")}}},
	)

	in := query(t, addr, "lb.example.com", dns.TypeA, "udp")
	want := route53.PlaceholderIPv4("web-1234567890.us-east-1.elb.amazonaws.com")
	if len(in.Answer) != 1 || !in.Answer[0].(*dns.A).A.Equal(want) || in.Answer[0].Header().Ttl != 60 {
		t.Fatalf("alias to an unknown load balancer: %v, want the placeholder %s with TTL 60", in.Answer, want)
	}
	in = query(t, addr, "apex-alias.example.com", dns.TypeA, "udp")
	if len(in.Answer) != 2 || in.Answer[0].Header().Name != "apex-alias.example.com." || in.Answer[0].Header().Ttl != 120 {
		t.Fatalf("alias to a record of the zone: %v", in.Answer)
	}
	in = query(t, addr, "c.example.com", dns.TypeA, "udp")
	if len(in.Answer) != 3 || in.Answer[0].Header().Rrtype != dns.TypeCNAME || in.Answer[1].(*dns.A).A.String() != "192.0.2.50" {
		t.Fatalf("CNAME chased in the zone: %v", in.Answer)
	}
	in = query(t, addr, "nothere.example.com", dns.TypeA, "udp")
	if in.Rcode != dns.RcodeNameError || len(in.Ns) != 1 || in.Ns[0].Header().Rrtype != dns.TypeSOA {
		t.Fatalf("missing name: %v", in)
	}
	in = query(t, addr, "origin.example.com", dns.TypeAAAA, "udp")
	if in.Rcode != dns.RcodeSuccess || len(in.Answer) != 0 || len(in.Ns) != 1 {
		t.Fatalf("NODATA: %v", in)
	}
	in = query(t, addr, "example.org", dns.TypeA, "udp")
	if in.Rcode != dns.RcodeRefused {
		t.Fatalf("a name outside every zone: %v", in)
	}
	in = query(t, addr, "example.com", dns.TypeNS, "udp")
	if len(in.Answer) != 4 {
		t.Fatalf("apex NS: %v", in.Answer)
	}
}

func TestDNS_aliasToASandboxLoadBalancerWithTheDataPlane(t *testing.T) {
	e := newDNSEnv(t, sandbox.Options{DataPlane: true})
	ctx := context.Background()
	elb := newELBClient(t, e.sb)
	dnsName, err := createLoadBalancerWithListener(ctx, elb, "web")
	if err != nil {
		t.Fatal(err)
	}
	e.upsert(t, &types.ResourceRecordSet{Name: aws.String("web.example.com"), Type: types.RRTypeA, AliasTarget: &types.AliasTarget{
		DNSName: aws.String(dnsName), HostedZoneId: aws.String("Z35SXDOTRQ7X7K")}})
	in := query(t, e.sb.DNSAddr(), "web.example.com", dns.TypeA, "udp")
	if len(in.Answer) != 1 || !in.Answer[0].(*dns.A).A.Equal(net.IPv4(127, 0, 0, 1)) {
		t.Fatalf("alias to sandbox load balancer %s: %v, want 127.0.0.1 (the data plane)", dnsName, in.Answer)
	}
}

func TestDNS_pendingChangesReachAGrowingShareOfQueries(t *testing.T) {
	clock := &fakeNow{t: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	e := newDNSEnv(t, sandbox.Options{Now: clock.Now, Route53: sandbox.Route53Options{ChangeDelay: 40 * time.Second}})
	addr := e.sb.DNSAddr()
	e.upsert(t, weighted("www.example.com", "blue", 1, "192.0.2.1"), weighted("www.example.com", "green", 0, "192.0.2.2"))
	clock.Advance(40 * time.Second) // INSYNC
	if got := shares(t, addr, "www.example.com", 50); got["192.0.2.1"] != 50 {
		t.Fatalf("before the flip: %v", got)
	}
	e.upsert(t, weighted("www.example.com", "blue", 0, "192.0.2.1"), weighted("www.example.com", "green", 1, "192.0.2.2"))
	if got := shares(t, addr, "www.example.com", 50); got["192.0.2.2"] != 0 {
		t.Fatalf("at submission no name server has the change yet: %v", got)
	}
	clock.Advance(20 * time.Second) // half-way: about half of the queries see it
	got := shares(t, addr, "www.example.com", 1000)
	if got["192.0.2.2"] < 400 || got["192.0.2.2"] > 600 {
		t.Fatalf("half-way through propagation: %v", got)
	}
	clock.Advance(20 * time.Second) // INSYNC: every query
	if got := shares(t, addr, "www.example.com", 50); got["192.0.2.2"] != 50 {
		t.Fatalf("after INSYNC: %v", got)
	}
}

func newELBClient(t *testing.T, s *sandbox.Server) *elb.Client {
	t.Helper()
	return elb.New(elb.Options{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(s.URL()), RetryMaxAttempts: 1})
}

// createLoadBalancerWithListener creates an ALB with an HTTP listener
// answering a fixed response, and returns the ALB's DNS name.
func createLoadBalancerWithListener(ctx context.Context, c *elb.Client, name string) (string, error) {
	lb, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String(name), Subnets: []string{"subnet-aaaa1111", "subnet-bbbb2222"}})
	if err != nil {
		return "", err
	}
	_, err = c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn,
		Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumFixedResponse,
			FixedResponseConfig: &elbtypes.FixedResponseActionConfig{StatusCode: aws.String("200")}}}})
	return aws.ToString(lb.LoadBalancers[0].DNSName), err
}
