package route53

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/miekg/dns"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/route53"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// TestRouter_settledStepsAreWhatDNSAnswers drives the router through a
// canary and checks, through the sandbox's DNS server, that once Settle has
// returned every fresh resolution comes from the new weights: the share of
// green answers is the step's percent (within 5σ), and after the last step
// only green answers.
func TestRouter_settledStepsAreWhatDNSAnswers(t *testing.T) {
	fake := clock.NewAutoFake(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	sb, err := sandbox.Start(sandbox.Options{Now: fake.Now, Route53: sandbox.Route53Options{DNSAddr: "127.0.0.1:0"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	api := newClient(t, sb.URL())
	ctx := context.Background()
	z, err := api.CreateHostedZone(ctx, &r53.CreateHostedZoneInput{Name: aws.String("example.com"), CallerReference: aws.String("dns")})
	if err != nil {
		t.Fatal(err)
	}
	zone := strings.TrimPrefix(*z.HostedZone.Id, "/hostedzone/")
	if _, err := api.ChangeResourceRecordSets(ctx, &r53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(zone),
		ChangeBatch: &types.ChangeBatch{Changes: []types.Change{
			{Action: types.ChangeActionCreate, ResourceRecordSet: aliasSet("blue", 100, blueLB, nil)},
			{Action: types.ChangeActionCreate, ResourceRecordSet: aliasSet("green", 0, greenLB, nil)},
		}}}); err != nil {
		t.Fatal(err)
	}
	r, err := New(api, Config{ZoneID: zone, Name: recordName, BlueSetIdentifier: "blue", GreenSetIdentifier: "green", Clock: fake})
	if err != nil {
		t.Fatal(err)
	}
	greenIP := route53.PlaceholderIPv4(greenLB).String() // the DNS server's documented answer for an unknown load balancer
	c := &dns.Client{Timeout: 5 * time.Second}
	greenShare := func(n int) float64 {
		green := 0
		for range n {
			m := new(dns.Msg)
			m.SetQuestion(recordName, dns.TypeA)
			in, _, err := c.Exchange(m, sb.DNSAddr())
			if err != nil || len(in.Answer) != 1 {
				t.Fatalf("resolving %s: %v %v", recordName, err, in)
			}
			if in.Answer[0].(*dns.A).A.String() == greenIP {
				green++
			}
		}
		return float64(green) / float64(n)
	}
	for _, p := range []int{10, 50, 100} {
		if err := r.Set(ctx, traffic.Split(traffic.Green, p)); err != nil {
			t.Fatal(err)
		}
		if err := r.Settle(ctx); err != nil {
			t.Fatal(err)
		}
		const n = 1500
		q := float64(p) / 100
		got := greenShare(n)
		if math.Abs(got-q) > 5*math.Sqrt(q*(1-q)/n)+1e-9 {
			t.Fatalf("after the %d%% step settled, %.1f%% of %d answers were green", p, 100*got, n)
		}
	}
}
