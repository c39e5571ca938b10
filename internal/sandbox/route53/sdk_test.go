package route53_test

// These tests drive the sandbox's Route 53 through the sandbox's HTTP server
// with the real aws-sdk-go-v2 route53 client, so every request is routed,
// decoded, validated and answered exactly as the SDK sends and reads it.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/smithy-go"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
)

// fakeNow is a settable clock for the sandbox.
type fakeNow struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeNow) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeNow) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.t = f.t.Add(d)
}

func startSandbox(t *testing.T, o sandbox.Options) *sandbox.Server {
	t.Helper()
	s, err := sandbox.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func client(t *testing.T, s *sandbox.Server) *r53.Client {
	t.Helper()
	return r53.New(r53.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint:     aws.String(s.URL()),
		RetryMaxAttempts: 1,
	})
}

func apiError(t *testing.T, err error) smithy.APIError {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want an AWS API error, got %v", err)
	}
	return ae
}

func createZone(ctx context.Context, t *testing.T, c *r53.Client, name string) string {
	t.Helper()
	out, err := c.CreateHostedZone(ctx, &r53.CreateHostedZoneInput{Name: aws.String(name), CallerReference: aws.String(name + time.Now().String())})
	if err != nil {
		t.Fatalf("CreateHostedZone: %v", err)
	}
	return strings.TrimPrefix(*out.HostedZone.Id, "/hostedzone/")
}

func weighted(name, setID string, weight int64, value string) *types.ResourceRecordSet {
	return &types.ResourceRecordSet{
		Name: aws.String(name), Type: types.RRTypeA, SetIdentifier: aws.String(setID), Weight: aws.Int64(weight),
		TTL: aws.Int64(60), ResourceRecords: []types.ResourceRecord{{Value: aws.String(value)}},
	}
}

func change(action types.ChangeAction, rrs *types.ResourceRecordSet) types.Change {
	return types.Change{Action: action, ResourceRecordSet: rrs}
}

func changeBatch(ctx context.Context, c *r53.Client, zone string, changes ...types.Change) (*r53.ChangeResourceRecordSetsOutput, error) {
	return c.ChangeResourceRecordSets(ctx, &r53.ChangeResourceRecordSetsInput{
		HostedZoneId: aws.String(zone), ChangeBatch: &types.ChangeBatch{Changes: changes},
	})
}

func listRecords(ctx context.Context, t *testing.T, c *r53.Client, zone string) []types.ResourceRecordSet {
	t.Helper()
	var all []types.ResourceRecordSet
	p := r53.NewListResourceRecordSetsPaginator(c, &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String(zone), MaxItems: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListResourceRecordSets: %v", err)
		}
		all = append(all, out.ResourceRecordSets...)
	}
	return all
}

func TestSDK_hostedZoneLifecycle(t *testing.T) {
	ctx := context.Background()
	s := startSandbox(t, sandbox.Options{})
	c := client(t, s)

	out, err := c.CreateHostedZone(ctx, &r53.CreateHostedZoneInput{
		Name: aws.String("Example.COM"), CallerReference: aws.String("ref-1"),
		HostedZoneConfig: &types.HostedZoneConfig{Comment: aws.String("sandbox zone")},
	})
	if err != nil {
		t.Fatalf("CreateHostedZone: %v", err)
	}
	if *out.HostedZone.Name != "example.com." || !strings.HasPrefix(*out.HostedZone.Id, "/hostedzone/Z") ||
		*out.HostedZone.ResourceRecordSetCount != 2 || len(out.DelegationSet.NameServers) != 4 ||
		out.ChangeInfo.Status != types.ChangeStatusPending || !strings.HasPrefix(*out.Location, "https://route53.amazonaws.com/2013-04-01/hostedzone/Z") {
		t.Fatalf("CreateHostedZone answered %+v %+v %+v %v", *out.HostedZone, *out.DelegationSet, *out.ChangeInfo, aws.ToString(out.Location))
	}
	id := strings.TrimPrefix(*out.HostedZone.Id, "/hostedzone/")

	_, err = c.CreateHostedZone(ctx, &r53.CreateHostedZoneInput{Name: aws.String("other.com"), CallerReference: aws.String("ref-1")})
	if ae := apiError(t, err); ae.ErrorCode() != "HostedZoneAlreadyExists" {
		t.Fatalf("reused caller reference: %v", err)
	}

	got, err := c.GetHostedZone(ctx, &r53.GetHostedZoneInput{Id: out.HostedZone.Id}) // "/hostedzone/Z…" is accepted
	if err != nil || *got.HostedZone.Id != *out.HostedZone.Id || aws.ToString(got.HostedZone.Config.Comment) != "sandbox zone" {
		t.Fatalf("GetHostedZone: %v %+v", err, got)
	}
	for _, name := range []string{"b.example.org", "a.example.com", "example.net"} {
		createZone(ctx, t, c, name)
	}
	var names []string
	p := r53.NewListHostedZonesPaginator(c, &r53.ListHostedZonesInput{MaxItems: aws.Int32(3)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListHostedZones: %v", err)
		}
		for _, z := range page.HostedZones {
			names = append(names, *z.Name)
		}
	}
	if strings.Join(names, " ") != "example.com. b.example.org. a.example.com. example.net." {
		t.Fatalf("ListHostedZones (creation order, paged by 3) = %v", names)
	}
	byName, err := c.ListHostedZonesByName(ctx, &r53.ListHostedZonesByNameInput{DNSName: aws.String("example.com"), MaxItems: aws.Int32(2)})
	if err != nil {
		t.Fatalf("ListHostedZonesByName: %v", err)
	}
	names = nil
	for _, z := range byName.HostedZones {
		names = append(names, *z.Name)
	}
	if strings.Join(names, " ") != "example.com. a.example.com." || !byName.IsTruncated || aws.ToString(byName.NextDNSName) != "example.net." {
		t.Fatalf("ListHostedZonesByName from example.com = %v truncated=%v next=%v", names, byName.IsTruncated, aws.ToString(byName.NextDNSName))
	}

	if _, err := changeBatch(ctx, c, id, change(types.ChangeActionCreate, weighted("www.example.com", "blue", 1, "192.0.2.10"))); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteHostedZone(ctx, &r53.DeleteHostedZoneInput{Id: aws.String(id)})
	if ae := apiError(t, err); ae.ErrorCode() != "HostedZoneNotEmpty" {
		t.Fatalf("deleting a zone with records: %v", err)
	}
	if _, err := changeBatch(ctx, c, id, change(types.ChangeActionDelete, weighted("www.example.com", "blue", 1, "192.0.2.10"))); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteHostedZone(ctx, &r53.DeleteHostedZoneInput{Id: aws.String(id)}); err != nil {
		t.Fatalf("DeleteHostedZone: %v", err)
	}
	_, err = c.GetHostedZone(ctx, &r53.GetHostedZoneInput{Id: aws.String(id)})
	var nsz *types.NoSuchHostedZone
	if !errors.As(err, &nsz) || !strings.Contains(nsz.ErrorMessage(), id) {
		t.Fatalf("GetHostedZone after delete: %v", err)
	}
}

func TestSDK_weightedRecordsAndChanges(t *testing.T) {
	ctx := context.Background()
	clock := &fakeNow{t: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	s := startSandbox(t, sandbox.Options{Now: clock.Now})
	c := client(t, s)
	zone := createZone(ctx, t, c, "example.com")

	alias := &types.ResourceRecordSet{
		Name: aws.String("app.example.com."), Type: types.RRTypeA, SetIdentifier: aws.String("green"), Weight: aws.Int64(0),
		AliasTarget: &types.AliasTarget{DNSName: aws.String("green-123.us-east-1.elb.amazonaws.com"), HostedZoneId: aws.String("Z35SXDOTRQ7X7K"), EvaluateTargetHealth: true},
	}
	blue := &types.ResourceRecordSet{
		Name: aws.String("app.example.com."), Type: types.RRTypeA, SetIdentifier: aws.String("blue"), Weight: aws.Int64(255),
		AliasTarget: &types.AliasTarget{DNSName: aws.String("blue-456.us-east-1.elb.amazonaws.com."), HostedZoneId: aws.String("Z35SXDOTRQ7X7K")},
	}
	out, err := changeBatch(ctx, c, zone, change(types.ChangeActionCreate, blue), change(types.ChangeActionCreate, alias))
	if err != nil {
		t.Fatalf("ChangeResourceRecordSets: %v", err)
	}
	if out.ChangeInfo.Status != types.ChangeStatusPending || !strings.HasPrefix(*out.ChangeInfo.Id, "/change/C") ||
		!out.ChangeInfo.SubmittedAt.Equal(clock.Now()) {
		t.Fatalf("ChangeInfo %+v", *out.ChangeInfo)
	}
	status := func() types.ChangeStatus {
		got, err := c.GetChange(ctx, &r53.GetChangeInput{Id: out.ChangeInfo.Id})
		if err != nil {
			t.Fatalf("GetChange: %v", err)
		}
		return got.ChangeInfo.Status
	}
	clock.Advance(59 * time.Second)
	if st := status(); st != types.ChangeStatusPending {
		t.Fatalf("59 s after the change: %s, want PENDING (default delay 60 s)", st)
	}
	clock.Advance(time.Second)
	if st := status(); st != types.ChangeStatusInsync {
		t.Fatalf("60 s after the change: %s, want INSYNC", st)
	}
	_, err = c.GetChange(ctx, &r53.GetChangeInput{Id: aws.String("CNOSUCHCHANGE")})
	var nsc *types.NoSuchChange
	if !errors.As(err, &nsc) {
		t.Fatalf("GetChange of an unknown ID: %v", err)
	}

	recs := listRecords(ctx, t, c, zone)
	if len(recs) != 4 {
		t.Fatalf("want SOA, NS and two weighted records, got %d: %+v", len(recs), recs)
	}
	// Route 53 order: name (labels reversed), type, set identifier.
	var order []string
	for _, r := range recs {
		order = append(order, fmt.Sprintf("%s/%s/%s", *r.Name, r.Type, aws.ToString(r.SetIdentifier)))
	}
	if strings.Join(order, " ") != "example.com./NS/ example.com./SOA/ app.example.com./A/blue app.example.com./A/green" {
		t.Fatalf("order %v", order)
	}
	g := recs[3]
	if *g.Weight != 0 || g.TTL != nil || g.AliasTarget == nil || *g.AliasTarget.DNSName != "green-123.us-east-1.elb.amazonaws.com." ||
		!g.AliasTarget.EvaluateTargetHealth || *g.AliasTarget.HostedZoneId != "Z35SXDOTRQ7X7K" || len(g.ResourceRecords) != 0 {
		t.Fatalf("green read back as %+v alias %+v", g, g.AliasTarget)
	}
	// Start at a record (name, type, identifier).
	from, err := c.ListResourceRecordSets(ctx, &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String(zone),
		StartRecordName: aws.String("app.example.com"), StartRecordType: types.RRTypeA, StartRecordIdentifier: aws.String("green")})
	if err != nil || len(from.ResourceRecordSets) != 1 || *from.ResourceRecordSets[0].SetIdentifier != "green" {
		t.Fatalf("ListResourceRecordSets from green: %v %+v", err, from)
	}

	// UPSERT both in one batch: the switch's write.
	b2, g2 := *blue, *alias
	b2.Weight, g2.Weight = aws.Int64(128), aws.Int64(127)
	if _, err := changeBatch(ctx, c, zone, change(types.ChangeActionUpsert, &b2), change(types.ChangeActionUpsert, &g2)); err != nil {
		t.Fatalf("UPSERT: %v", err)
	}
	recs = listRecords(ctx, t, c, zone)
	if *recs[2].Weight != 128 || *recs[3].Weight != 127 {
		t.Fatalf("after UPSERT: blue %d green %d", *recs[2].Weight, *recs[3].Weight)
	}
}

func TestSDK_validation(t *testing.T) {
	ctx := context.Background()
	s := startSandbox(t, sandbox.Options{})
	c := client(t, s)
	zone := createZone(ctx, t, c, "example.com")
	if _, err := changeBatch(ctx, c, zone,
		change(types.ChangeActionCreate, weighted("www.example.com", "blue", 100, "192.0.2.1")),
		change(types.ChangeActionCreate, &types.ResourceRecordSet{Name: aws.String("plain.example.com"), Type: types.RRTypeA,
			TTL: aws.Int64(300), ResourceRecords: []types.ResourceRecord{{Value: aws.String("192.0.2.2")}}})); err != nil {
		t.Fatal(err)
	}
	before := listRecords(ctx, t, c, zone)

	long := strings.Repeat("x", 129)
	tests := []struct {
		name    string
		changes []types.Change
		code    string
		message string // substring
	}{
		{"weight above 255", []types.Change{change(types.ChangeActionUpsert, weighted("www.example.com", "blue", 256, "192.0.2.1"))},
			"InvalidInput", "Value '256' at 'changeBatch.changes.1.member.resourceRecordSet.weight' failed to satisfy constraint: Member must have value less than or equal to 255"},
		{"negative weight", []types.Change{change(types.ChangeActionUpsert, weighted("www.example.com", "blue", -1, "192.0.2.1"))},
			"InvalidInput", "Member must have value greater than or equal to 0"},
		{"set identifier longer than 128", []types.Change{change(types.ChangeActionCreate, weighted("www.example.com", long, 1, "192.0.2.1"))},
			"InvalidInput", "'changeBatch.changes.1.member.resourceRecordSet.setIdentifier' failed to satisfy constraint: Member must have length less than or equal to 128"},
		{"weight without set identifier", []types.Change{change(types.ChangeActionCreate, &types.ResourceRecordSet{Name: aws.String("w.example.com"), Type: types.RRTypeA,
			Weight: aws.Int64(1), TTL: aws.Int64(60), ResourceRecords: []types.ResourceRecord{{Value: aws.String("192.0.2.1")}}})},
			"InvalidChangeBatch", "Invalid request: Missing field 'SetIdentifier' in Change with [Action=CREATE, Name=w.example.com., Type=A, SetIdentifier=null]"},
		{"set identifier without weight", []types.Change{change(types.ChangeActionCreate, &types.ResourceRecordSet{Name: aws.String("w.example.com"), Type: types.RRTypeA,
			SetIdentifier: aws.String("x"), TTL: aws.Int64(60), ResourceRecords: []types.ResourceRecord{{Value: aws.String("192.0.2.1")}}})},
			"InvalidChangeBatch", "but found none in Change with [Action=CREATE, Name=w.example.com., Type=A, SetIdentifier=x]"},
		{"alias and TTL", []types.Change{change(types.ChangeActionCreate, &types.ResourceRecordSet{Name: aws.String("w.example.com"), Type: types.RRTypeA,
			TTL: aws.Int64(60), AliasTarget: &types.AliasTarget{DNSName: aws.String("x.elb.amazonaws.com"), HostedZoneId: aws.String("Z35SXDOTRQ7X7K")}})},
			"InvalidChangeBatch", "Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found more than one"},
		{"neither alias nor records", []types.Change{change(types.ChangeActionCreate, &types.ResourceRecordSet{Name: aws.String("w.example.com"), Type: types.RRTypeA})},
			"InvalidChangeBatch", "but found none in Change with [Action=CREATE, Name=w.example.com., Type=A, SetIdentifier=null]"},
		{"create existing", []types.Change{change(types.ChangeActionCreate, weighted("www.example.com", "blue", 7, "192.0.2.1"))},
			"InvalidChangeBatch", "[Tried to create resource record set [name='www.example.com.', type='A', set-identifier='blue'] but it already exists]"},
		{"delete missing", []types.Change{change(types.ChangeActionDelete, weighted("www.example.com", "green", 7, "192.0.2.1"))},
			"InvalidChangeBatch", "[Tried to delete resource record set [name='www.example.com.', type='A', set-identifier='green'] but it was not found]"},
		{"delete with other values", []types.Change{change(types.ChangeActionDelete, weighted("www.example.com", "blue", 99, "192.0.2.1"))},
			"InvalidChangeBatch", "but the values provided do not match the current values"},
		{"weighted next to a simple record", []types.Change{change(types.ChangeActionCreate, weighted("plain.example.com", "blue", 1, "192.0.2.3"))},
			"InvalidChangeBatch", "RRSet with DNS name plain.example.com., type A, SetIdentifier blue cannot be created as a non-weighted set exists with the same name and type."},
		{"simple next to weighted records", []types.Change{change(types.ChangeActionCreate, &types.ResourceRecordSet{Name: aws.String("www.example.com"), Type: types.RRTypeA,
			TTL: aws.Int64(60), ResourceRecords: []types.ResourceRecord{{Value: aws.String("192.0.2.1")}}})},
			"InvalidChangeBatch", "RRSet with DNS name www.example.com., type A cannot be created as other RRSets exist with the same name and type."},
		{"weighted sets with different TTLs", []types.Change{change(types.ChangeActionCreate, &types.ResourceRecordSet{Name: aws.String("www.example.com"), Type: types.RRTypeA,
			SetIdentifier: aws.String("green"), Weight: aws.Int64(1), TTL: aws.Int64(300), ResourceRecords: []types.ResourceRecord{{Value: aws.String("192.0.2.1")}}})},
			"InvalidChangeBatch", "cannot be created as weighted sets must contain the same TTL"},
		{"name outside the zone", []types.Change{change(types.ChangeActionCreate, weighted("www.example.org", "blue", 1, "192.0.2.1"))},
			"InvalidChangeBatch", "RRSet with DNS name www.example.org. is not permitted in zone example.com."},
		{"bad IPv4", []types.Change{change(types.ChangeActionCreate, weighted("v.example.com", "blue", 1, "300.1.2.3"))},
			"InvalidChangeBatch", "ARRDATAIllegalIPv4Address"},
		{"CNAME at apex", []types.Change{change(types.ChangeActionCreate, &types.ResourceRecordSet{Name: aws.String("example.com"), Type: types.RRTypeCname,
			TTL: aws.Int64(60), ResourceRecords: []types.ResourceRecord{{Value: aws.String("x.example.net")}}})},
			"InvalidChangeBatch", "RRSet of type CNAME with DNS name example.com. is not permitted at apex in zone example.com."},
		{"alias to a missing record of a sandbox zone", []types.Change{change(types.ChangeActionCreate, &types.ResourceRecordSet{Name: aws.String("a.example.com"), Type: types.RRTypeA,
			AliasTarget: &types.AliasTarget{DNSName: aws.String("nothere.example.com"), HostedZoneId: aws.String(zone)}})},
			"InvalidChangeBatch", "but that target was not found"},
		{"batch is atomic: a valid change with an invalid one", []types.Change{
			change(types.ChangeActionUpsert, weighted("www.example.com", "blue", 5, "192.0.2.1")),
			change(types.ChangeActionDelete, weighted("www.example.com", "green", 5, "192.0.2.1"))},
			"InvalidChangeBatch", "but it was not found"},
		{"every problem is reported", []types.Change{
			change(types.ChangeActionCreate, weighted("www.example.com", "blue", 7, "192.0.2.1")),
			change(types.ChangeActionDelete, weighted("www.example.com", "green", 7, "192.0.2.1"))},
			"InvalidChangeBatch", "but it already exists, Tried to delete resource record set [name='www.example.com.', type='A', set-identifier='green'] but it was not found]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := changeBatch(ctx, c, zone, tt.changes...)
			if err == nil {
				t.Fatal("accepted")
			}
			ae := apiError(t, err)
			if ae.ErrorCode() != tt.code || !strings.Contains(ae.ErrorMessage(), tt.message) {
				t.Fatalf("got %s: %s\nwant %s containing %q", ae.ErrorCode(), ae.ErrorMessage(), tt.code, tt.message)
			}
			if tt.code == "InvalidChangeBatch" {
				var icb *types.InvalidChangeBatch
				if !errors.As(err, &icb) {
					t.Fatalf("the SDK did not decode a *types.InvalidChangeBatch: %T", err)
				}
			}
			after := listRecords(ctx, t, c, zone)
			if render(after) != render(before) {
				t.Fatalf("a refused batch changed the zone:\nbefore %v\nafter  %v", render(before), render(after))
			}
		})
	}

	_, err := changeBatch(ctx, c, "ZNOSUCHZONE", change(types.ChangeActionUpsert, weighted("www.example.com", "blue", 5, "192.0.2.1")))
	if ae := apiError(t, err); ae.ErrorCode() != "NoSuchHostedZone" {
		t.Fatalf("unknown zone: %v", err)
	}
	_, err = changeBatch(ctx, c, zone, change(types.ChangeActionUpsert, &types.ResourceRecordSet{Name: aws.String("www.example.com"), Type: types.RRTypeA,
		SetIdentifier: aws.String("blue"), Weight: aws.Int64(1), TTL: aws.Int64(60), HealthCheckId: aws.String("3f0e1b57-0000-4000-8000-000000000000"),
		ResourceRecords: []types.ResourceRecord{{Value: aws.String("192.0.2.1")}}}))
	if ae := apiError(t, err); ae.ErrorCode() != "NoSuchHealthCheck" {
		t.Fatalf("unknown health check: %v", err)
	}
}

func TestSDK_healthChecks(t *testing.T) {
	ctx := context.Background()
	s := startSandbox(t, sandbox.Options{})
	c := client(t, s)
	zone := createZone(ctx, t, c, "example.com")
	cfg := &types.HealthCheckConfig{Type: types.HealthCheckTypeHttp, IPAddress: aws.String("192.0.2.44"), ResourcePath: aws.String("/healthz")}
	out, err := c.CreateHealthCheck(ctx, &r53.CreateHealthCheckInput{CallerReference: aws.String("hc-green"), HealthCheckConfig: cfg})
	if err != nil {
		t.Fatalf("CreateHealthCheck: %v", err)
	}
	hc := out.HealthCheck
	if *hc.HealthCheckConfig.Port != 80 || *hc.HealthCheckConfig.RequestInterval != 30 || *hc.HealthCheckConfig.FailureThreshold != 3 || *hc.HealthCheckVersion != 1 {
		t.Fatalf("defaults not applied: %+v", *hc.HealthCheckConfig)
	}
	again, err := c.CreateHealthCheck(ctx, &r53.CreateHealthCheckInput{CallerReference: aws.String("hc-green"), HealthCheckConfig: cfg})
	if err != nil || *again.HealthCheck.Id != *hc.Id {
		t.Fatalf("CreateHealthCheck is idempotent per caller reference: %v", err)
	}
	_, err = c.CreateHealthCheck(ctx, &r53.CreateHealthCheckInput{CallerReference: aws.String("hc-green"),
		HealthCheckConfig: &types.HealthCheckConfig{Type: types.HealthCheckTypeTcp, IPAddress: aws.String("192.0.2.44"), Port: aws.Int32(81)}})
	var exists *types.HealthCheckAlreadyExists
	if !errors.As(err, &exists) {
		t.Fatalf("same reference, other config: %v", err)
	}

	status := func() string {
		st, err := c.GetHealthCheckStatus(ctx, &r53.GetHealthCheckStatusInput{HealthCheckId: hc.Id})
		if err != nil || len(st.HealthCheckObservations) == 0 {
			t.Fatalf("GetHealthCheckStatus: %v", err)
		}
		return *st.HealthCheckObservations[0].StatusReport.Status
	}
	if got := status(); !strings.HasPrefix(got, "Success") {
		t.Fatalf("new health check: %q", got)
	}
	if err := s.SetRoute53HealthCheckStatus(*hc.Id, false, ""); err != nil {
		t.Fatal(err)
	}
	if got := status(); !strings.HasPrefix(got, "Failure") {
		t.Fatalf("after SetRoute53HealthCheckStatus(false): %q", got)
	}

	rrs := weighted("www.example.com", "green", 10, "192.0.2.44")
	rrs.HealthCheckId = hc.Id
	if _, err := changeBatch(ctx, c, zone, change(types.ChangeActionCreate, rrs)); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteHealthCheck(ctx, &r53.DeleteHealthCheckInput{HealthCheckId: hc.Id})
	var inUse *types.HealthCheckInUse
	if !errors.As(err, &inUse) {
		t.Fatalf("deleting a health check a record uses: %v", err)
	}
	if _, err := changeBatch(ctx, c, zone, change(types.ChangeActionDelete, rrs)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteHealthCheck(ctx, &r53.DeleteHealthCheckInput{HealthCheckId: hc.Id}); err != nil {
		t.Fatalf("DeleteHealthCheck: %v", err)
	}
	_, err = c.GetHealthCheck(ctx, &r53.GetHealthCheckInput{HealthCheckId: hc.Id})
	var nshc *types.NoSuchHealthCheck
	if !errors.As(err, &nshc) {
		t.Fatalf("GetHealthCheck after delete: %v", err)
	}
}

func TestSDK_faultsAndCallLog(t *testing.T) {
	ctx := context.Background()
	s := startSandbox(t, sandbox.Options{})
	c := client(t, s)
	zone := createZone(ctx, t, c, "example.com")
	if _, err := s.InjectFault(sandbox.Fault{Service: "route53", Operation: "ChangeResourceRecordSets", Kind: sandbox.Throttle, Times: 1}); err != nil {
		t.Fatal(err)
	}
	_, err := changeBatch(ctx, c, zone, change(types.ChangeActionCreate, weighted("www.example.com", "blue", 42, "192.0.2.1")))
	if ae := apiError(t, err); ae.ErrorCode() != "Throttling" {
		t.Fatalf("injected throttle: %v", err)
	}
	if len(listRecords(ctx, t, c, zone)) != 2 {
		t.Fatal("a throttled batch was applied")
	}
	if _, err := s.InjectFault(sandbox.Fault{Service: "route53", Operation: "GetChange", Kind: sandbox.HTTP5xx, Times: 1}); err != nil {
		t.Fatal(err)
	}
	out, err := changeBatch(ctx, c, zone, change(types.ChangeActionCreate, weighted("www.example.com", "blue", 42, "192.0.2.1")))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetChange(ctx, &r53.GetChangeInput{Id: out.ChangeInfo.Id})
	if ae := apiError(t, err); ae.ErrorCode() != "ServiceUnavailable" {
		t.Fatalf("injected 503: %v", err)
	}

	calls := s.Calls(sandbox.CallFilter{Service: "route53", Operation: "ChangeResourceRecordSets"})
	if len(calls) != 2 {
		t.Fatalf("want 2 ChangeResourceRecordSets calls, got %+v", calls)
	}
	if calls[0].Fault != sandbox.Throttle || calls[0].ErrorCode != "Throttling" || calls[1].Status != 200 {
		t.Fatalf("call log %+v", calls)
	}
	p := calls[1].Params
	if p["Id"] != zone || p["Changes.1.Action"] != "CREATE" || p["Changes.1.Weight"] != "42" || p["Changes.1.SetIdentifier"] != "blue" ||
		p["Changes.1.ResourceRecords.1"] != "192.0.2.1" {
		t.Fatalf("call params %v", p)
	}
	if n := len(s.Calls(sandbox.CallFilter{Service: "route53", Operation: "CreateHostedZone"})); n != 1 {
		t.Fatalf("CreateHostedZone calls: %d", n)
	}

	// Rate limits apply to Route 53 like to the other services.
	if err := s.SetRateLimit("route53", "GetChange", 0.001, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetChange(ctx, &r53.GetChangeInput{Id: out.ChangeInfo.Id}); err != nil {
		t.Fatalf("first GetChange within the burst: %v", err)
	}
	_, err = c.GetChange(ctx, &r53.GetChangeInput{Id: out.ChangeInfo.Id})
	if ae := apiError(t, err); ae.ErrorCode() != "Throttling" {
		t.Fatalf("GetChange beyond the rate limit: %v", err)
	}
}

// render prints record sets by value, for comparisons.
func render(recs []types.ResourceRecordSet) string {
	var b strings.Builder
	for _, r := range recs {
		fmt.Fprintf(&b, "%s %s id=%s w=%d ttl=%d hc=%s", aws.ToString(r.Name), r.Type, aws.ToString(r.SetIdentifier),
			aws.ToInt64(r.Weight), aws.ToInt64(r.TTL), aws.ToString(r.HealthCheckId))
		for _, v := range r.ResourceRecords {
			fmt.Fprintf(&b, " %s", aws.ToString(v.Value))
		}
		if a := r.AliasTarget; a != nil {
			fmt.Fprintf(&b, " alias=%s/%s/%v", aws.ToString(a.HostedZoneId), aws.ToString(a.DNSName), a.EvaluateTargetHealth)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestAdmin_route53Endpoints(t *testing.T) {
	ctx := context.Background()
	s := startSandbox(t, sandbox.Options{Route53: sandbox.Route53Options{DNSAddr: "127.0.0.1:0", ChangeDelay: 5 * time.Second}})
	c := client(t, s)
	hc, err := c.CreateHealthCheck(ctx, &r53.CreateHealthCheckInput{CallerReference: aws.String("admin"),
		HealthCheckConfig: &types.HealthCheckConfig{Type: types.HealthCheckTypeTcp, IPAddress: aws.String("192.0.2.9"), Port: aws.Int32(443)}})
	if err != nil {
		t.Fatal(err)
	}
	post := func(body string) (int, string) {
		resp, err := http.Post(s.URL()+"/_sandbox/route53/health-check-status", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post(`{"healthCheckId":"` + *hc.HealthCheck.Id + `","healthy":false,"reason":"Failure: Connection timed out"}`); code != 200 {
		t.Fatalf("admin: %d %s", code, body)
	}
	st, err := c.GetHealthCheckStatus(ctx, &r53.GetHealthCheckStatusInput{HealthCheckId: hc.HealthCheck.Id})
	if err != nil || *st.HealthCheckObservations[0].StatusReport.Status != "Failure: Connection timed out" {
		t.Fatalf("status after the admin call: %v %+v", err, st)
	}
	if code, body := post(`{"healthCheckId":"nope","healthy":true}`); code != 404 || !strings.Contains(body, "NoSuchHealthCheck") {
		t.Fatalf("unknown health check: %d %s", code, body)
	}
	if code, _ := post(`{"healthCheckId":"x"}`); code != 400 {
		t.Fatalf("missing healthy: %d", code)
	}
	resp, err := http.Get(s.URL() + "/_sandbox/route53/dns")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var info struct {
		Addr        string `json:"addr"`
		ChangeDelay string `json:"changeDelay"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil || info.Addr != s.DNSAddr() || info.ChangeDelay != "5s" {
		t.Fatalf("GET /_sandbox/route53/dns: %v %+v", err, info)
	}
}
