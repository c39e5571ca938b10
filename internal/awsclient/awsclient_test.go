package awsclient

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/smithy-go"
)

// Real regions of every partition, as AWS names them.
var realRegions = map[string][]string{
	"aws": {"us-east-1", "us-west-2", "eu-central-2", "eu-south-2", "ap-southeast-5", "ap-southeast-7",
		"ap-east-2", "ca-west-1", "mx-central-1", "il-central-1", "me-central-1", "af-south-1", "sa-east-1"},
	"aws-cn":     {"cn-north-1", "cn-northwest-1"},
	"aws-eusc":   {"eusc-de-east-1"},
	"aws-iso":    {"us-iso-east-1", "us-iso-west-1"},
	"aws-iso-b":  {"us-isob-east-1", "us-isob-west-1"},
	"aws-iso-e":  {"eu-isoe-west-1"},
	"aws-iso-f":  {"us-isof-east-1", "us-isof-south-1"},
	"aws-us-gov": {"us-gov-east-1", "us-gov-west-1"},
}

func TestValidRegionEveryPartition(t *testing.T) {
	for partition, regions := range realRegions {
		for _, r := range regions {
			if !ValidRegion(r) {
				t.Errorf("ValidRegion(%q) = false, want true (partition %s)", r, partition)
			}
			if got := PartitionOf(r); got != partition {
				t.Errorf("PartitionOf(%q) = %q, want %q", r, got, partition)
			}
		}
	}
	// Not launched yet, but the partition's pattern admits it.
	for r, partition := range map[string]string{"ap-southeast-9": "aws", "eusc-de-west-2": "aws-eusc", "us-gov-central-1": "aws-us-gov"} {
		if got := PartitionOf(r); got != partition {
			t.Errorf("PartitionOf(%q) = %q, want %q", r, got, partition)
		}
	}
}

func TestValidRegionRejects(t *testing.T) {
	for _, r := range []string{"", "us-east", "US-EAST-1", "us-east-1 ", "useast1", "eu-west-1a", "xx-east-1",
		"eusc-fr-east-1", "us-east-1.amazonaws.com", "http://us-east-1", "us--1"} {
		if ValidRegion(r) {
			t.Errorf("ValidRegion(%q) = true, want false", r)
		}
	}
}

// TestPartitionsMatchSDK compares the mirrored table with the partitions.json
// of the aws-sdk-go-v2 this module builds with, so an SDK update that adds a
// partition or region fails here instead of rejecting a user's region.
func TestPartitionsMatchSDK(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-sdk-go-v2").Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		t.Skipf("cannot locate the aws-sdk-go-v2 module source (go list: %v)", err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "internal", "endpoints", "awsrulesfn", "partitions.json"))
	if err != nil {
		t.Skipf("the SDK's partitions.json is not in the module cache: %v", err)
	}
	var doc struct {
		Partitions []struct {
			ID          string                     `json:"id"`
			RegionRegex string                     `json:"regionRegex"`
			Regions     map[string]json.RawMessage `json:"regions"`
		} `json:"partitions"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var want []Partition
	for _, p := range doc.Partitions {
		var regions []string
		for r := range p.Regions {
			regions = append(regions, r)
		}
		sort.Strings(regions)
		want = append(want, Partition{ID: p.ID, RegionRegex: p.RegionRegex, Regions: regions})
	}
	if !reflect.DeepEqual(Partitions, want) {
		t.Fatalf("the partition table differs from the SDK's partitions.json; update regions.go:\n got %+v\nwant %+v", Partitions, want)
	}
}

func TestValidEndpoint(t *testing.T) {
	for s, ok := range map[string]bool{
		"http://127.0.0.1:4566": true, "https://elasticloadbalancing.eu-west-1.amazonaws.com": true,
		"ftp://x": false, "http://": false, "127.0.0.1:4566": false, "": false,
	} {
		if err := ValidEndpoint(s); (err == nil) != ok {
			t.Errorf("ValidEndpoint(%q) = %v, want ok=%v", s, err, ok)
		}
	}
}

func cleanEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2",
		"AWS_ENDPOINT_URL_ROUTE_53", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_CLOUDWATCH", "AWS_SESSION_TOKEN"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("AWS_REGION", "")
	os.Unsetenv("AWS_REGION")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
}

func TestNewRequiresRegion(t *testing.T) {
	cleanEnv(t)
	_, err := New(context.Background(), Config{})
	if err == nil || !strings.Contains(err.Error(), "no AWS region") {
		t.Fatalf("New without a region: err = %v, want 'no AWS region'", err)
	}
}

// recorder is an HTTP server that remembers every request and answers with a
// fixed status and body.
type recorder struct {
	srv      *httptest.Server
	requests atomic.Int64
	agents   chan string
}

func newRecorder(t *testing.T, status int, body string) *recorder {
	t.Helper()
	r := &recorder{agents: make(chan string, 64)}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.requests.Add(1)
		_, _ = io.Copy(io.Discard, req.Body)
		select {
		case r.agents <- req.Header.Get("User-Agent"):
		default:
		}
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

const describeLBsXML = `<DescribeLoadBalancersResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">
<DescribeLoadBalancersResult><LoadBalancers/></DescribeLoadBalancersResult>
<ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></DescribeLoadBalancersResponse>`

func TestNewEndpointsRegionAndUserAgent(t *testing.T) {
	cleanEnv(t)
	rec := newRecorder(t, 200, describeLBsXML)
	c, err := New(context.Background(), Config{Region: "eusc-de-east-1", ProviderVersion: "1.2.3",
		Endpoints: Endpoints{ELBv2: rec.srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Region != "eusc-de-east-1" {
		t.Errorf("Region = %q", c.Region)
	}
	if _, err := c.ELBv2.DescribeLoadBalancers(context.Background(), &elbv2.DescribeLoadBalancersInput{}); err != nil {
		t.Fatalf("DescribeLoadBalancers against the endpoint override: %v", err)
	}
	if ua := <-rec.agents; !strings.Contains(ua, UserAgentKey+"/1.2.3") {
		t.Errorf("User-Agent %q does not name %s/1.2.3", ua, UserAgentKey)
	}
}

func TestMaxRetries(t *testing.T) {
	cleanEnv(t)
	throttled := `<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r</RequestId></ErrorResponse>`
	for _, n := range []int{0, 2} {
		rec := newRecorder(t, 400, throttled)
		c, err := New(context.Background(), Config{Region: "us-east-1", MaxRetries: &n, Endpoints: Endpoints{ELBv2: rec.srv.URL}})
		if err != nil {
			t.Fatal(err)
		}
		// Adaptive mode sleeps between attempts; a short context would turn
		// that into a cancellation, so this test only uses small counts.
		_, err = c.ELBv2.DescribeLoadBalancers(context.Background(), &elbv2.DescribeLoadBalancersInput{})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "Throttling" {
			t.Fatalf("max_retries=%d: err = %v, want Throttling", n, err)
		}
		if got := rec.requests.Load(); got != int64(n+1) {
			t.Errorf("max_retries=%d: %d attempts, want %d", n, got, n+1)
		}
	}
}

func TestRoute53ClientIsLazyAndHonoursItsEndpoint(t *testing.T) {
	cleanEnv(t)
	body := `<?xml version="1.0"?><ListHostedZonesResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><HostedZones/><IsTruncated>false</IsTruncated><MaxItems>100</MaxItems></ListHostedZonesResponse>`
	rec := newRecorder(t, 200, body)
	c, err := New(context.Background(), Config{Region: "us-east-1", Endpoints: Endpoints{Route53: rec.srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	if c.route53 != nil {
		t.Fatal("the Route 53 client was built before anything asked for it")
	}
	r1 := c.Route53()
	if r1 == nil || c.Route53() != r1 {
		t.Fatal("Route53() must build one client and return it every time")
	}
	if _, err := r1.ListHostedZones(context.Background(), &route53.ListHostedZonesInput{}); err != nil {
		t.Fatalf("ListHostedZones against endpoints.route53: %v", err)
	}
	if rec.requests.Load() != 1 {
		t.Fatalf("endpoints.route53 got %d requests, want 1", rec.requests.Load())
	}
}
