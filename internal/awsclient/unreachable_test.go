package awsclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"

	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
)

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	return port
}

func unreachable(t *testing.T, endpoint string) *UnreachableError {
	t.Helper()
	return unreachableLogged(t, nil, endpoint)
}

// reqKey marks the context of the request under test.
type reqKey struct{}

func unreachableLogged(t *testing.T, logf Logf, endpoint string) *UnreachableError {
	t.Helper()
	ctx := context.WithValue(context.Background(), reqKey{}, true)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2", "")
	c, err := New(context.Background(), Config{Region: "us-east-1", Endpoints: Endpoints{ELBv2: endpoint}, Logf: logf})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ELBv2.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{})
	var u *UnreachableError
	if !errors.As(err, &u) {
		t.Fatalf("DescribeLoadBalancers against %s: %v (%T), want an UnreachableError", endpoint, err, err)
	}
	return u
}

// A refused connection is retried PermanentErrorAttempts times in all, not
// DefaultMaxRetries+1 (11) times over two minutes, and the error names the
// endpoint and the configuration that set it.
func TestUnreachable_connectionRefusedFailsFast(t *testing.T) {
	endpoint := "http://127.0.0.1:" + strconv.Itoa(closedPort(t))
	u := unreachable(t, endpoint)
	if u.Attempts != PermanentErrorAttempts || PermanentErrorAttempts >= DefaultMaxRetries {
		t.Fatalf("%d attempts, want %d", u.Attempts, PermanentErrorAttempts)
	}
	msg := u.Error()
	for _, want := range []string{"Elastic Load Balancing v2 DescribeLoadBalancers", endpoint, "the provider's endpoints.elbv2", "connection refused", "gave up after 3 attempts"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if !u.FromConfiguration() {
		t.Error("an endpoint from the provider configuration must be attributed to it")
	}
}

// While it retries, each failed attempt goes to Config.Logf with the
// request's context (the provider passes tflog), so a slow plan says why it
// is slow.
func TestUnreachable_attemptsAreLogged(t *testing.T) {
	var buf bytes.Buffer
	logf := func(ctx context.Context, format string, args ...any) {
		if ctx.Value(reqKey{}) != true {
			t.Error("the log hook must get the request's context")
		}
		fmt.Fprintf(&buf, format+"\n", args...)
	}
	endpoint := "http://127.0.0.1:" + strconv.Itoa(closedPort(t))
	_ = unreachableLogged(t, logf, endpoint)
	log := buf.String()
	for _, want := range []string{
		"Elastic Load Balancing v2 DescribeLoadBalancers: attempt 1 of 3 cannot reach " + endpoint + ": connection refused; retrying",
		"attempt 2 of 3 cannot reach",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

func TestUnreachable_invalidPort(t *testing.T) {
	u := unreachable(t, "http://127.0.0.1:99999")
	if u.Attempts != PermanentErrorAttempts || !strings.Contains(u.Error(), "invalid port") {
		t.Fatalf("%d attempts: %v", u.Attempts, u)
	}
}

func TestUnreachable_environmentIsNamed(t *testing.T) {
	if got := endpointSource("", "elbv2", "ELASTIC_LOAD_BALANCING_V2"); got != "" {
		t.Fatalf("no configuration: source %q", got)
	}
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
	if got := endpointSource("", "elbv2", "ELASTIC_LOAD_BALANCING_V2"); got != "AWS_ENDPOINT_URL" {
		t.Fatalf("source %q, want AWS_ENDPOINT_URL", got)
	}
	if got := endpointSource("http://x", "elbv2", "ELASTIC_LOAD_BALANCING_V2"); got != "the provider's endpoints.elbv2" {
		t.Fatalf("source %q", got)
	}
}
