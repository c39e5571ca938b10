package provider

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsclient"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/route53"
)

// TestSettlingRouter (no TF_ACC): a step's Set returns only once the change
// is INSYNC and one TTL has passed on the clock; the restore (the weights
// first read) is written and returns without that hold.
func TestSettlingRouter(t *testing.T) {
	start := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	fake := clock.NewAutoFake(start)
	sb, err := sandbox.Start(sandbox.Options{Now: fake.Now, Route53: sandbox.Route53Options{ChangeDelay: 20 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	c, err := awsclient.New(context.Background(), awsclient.Config{Region: "us-east-1", Endpoints: awsclient.Endpoints{Route53: sb.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	z, err := c.Route53().CreateHostedZone(ctx, &r53.CreateHostedZoneInput{Name: aws.String("example.com"), CallerReference: aws.String("z")})
	if err != nil {
		t.Fatal(err)
	}
	rt, err := route53.New(c.Route53(), route53.Config{ZoneID: aws.ToString(z.HostedZone.Id), Name: "app.example.com", BlueSetIdentifier: "b",
		GreenSetIdentifier: "g", Clock: fake})
	if err != nil {
		t.Fatal(err)
	}
	ttl := aws.Int64(30)
	if err := rt.Write(ctx, route53.Record{SetIdentifier: "b", Weight: 100, TTL: ttl, Values: []string{"192.0.2.1"}},
		route53.Record{SetIdentifier: "g", Weight: 0, TTL: ttl, Values: []string{"192.0.2.2"}}); err != nil {
		t.Fatal(err)
	}
	if err := rt.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	s := &settlingRouter{r: rt}
	if _, err := s.Read(ctx); err != nil {
		t.Fatal(err)
	}
	before := fake.Now()
	if err := s.Set(ctx, traffic.Split(traffic.Green, 10)); err != nil {
		t.Fatal(err)
	}
	if waited := fake.Now().Sub(before); waited < 20*time.Second+30*time.Second {
		t.Fatalf("a step's Set returned after %s of clock, want at least the 20 s change delay and the 30 s TTL", waited)
	}
	if id := rt.PendingChange(); id != "" {
		t.Fatalf("change %s still pending after a step's Set", id)
	}
	before = fake.Now()
	if err := s.Set(ctx, traffic.Split(traffic.Blue, 100)); err != nil {
		t.Fatal(err)
	}
	if waited := fake.Now().Sub(before); waited != 0 || rt.PendingChange() == "" {
		t.Fatalf("the restore waited %s (pending %q), want it written and returned at once", waited, rt.PendingChange())
	}
	if w, err := s.Read(ctx); err != nil || w != traffic.Split(traffic.Blue, 100) {
		t.Fatalf("after the restore: %s %v", w, err)
	}
}

// TestCheckRecordValue (no TF_ACC): values must fit the record type.
func TestCheckRecordValue(t *testing.T) {
	for _, c := range []struct {
		typ, v string
		ok     bool
	}{
		{"A", "192.0.2.1", true}, {"A", "2001:db8::1", false}, {"A", "web.example.com", false},
		{"AAAA", "2001:db8::1", true}, {"AAAA", "192.0.2.1", false}, {"CNAME", "web.example.com", true}, {"CNAME", "a b", false},
	} {
		if msg := checkRecordValue(c.typ, c.v); (msg == "") != c.ok {
			t.Errorf("checkRecordValue(%s, %q) = %q, want ok=%v", c.typ, c.v, msg, c.ok)
		}
	}
}

// TestDNSImportIDFormat (no TF_ACC): the ID the resource writes is the ID
// import takes.
func TestDNSImportIDFormat(t *testing.T) {
	m := &dnsSwitchModel{ZoneID: types.StringValue("/hostedzone/Z123"), Name: types.StringValue("app.example.com."), Type: types.StringValue("AAAA"),
		Blue: &dnsColorModel{SetIdentifier: types.StringValue("b")}, Green: &dnsColorModel{SetIdentifier: types.StringValue("g")}}
	if got := dnsID(m); got != "Z123/app.example.com/AAAA/b/g" || len(strings.Split(got, "/")) != 5 {
		t.Fatalf("dnsID = %q", got)
	}
}
