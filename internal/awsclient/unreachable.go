package awsclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// PermanentErrorAttempts is how many attempts a request gets when the
// endpoint cannot be reached at all — connection refused, an invalid port, a
// host name that does not resolve. Such errors do not heal within a retry
// back-off (a restarting endpoint gets two more tries); throttling and 5xx
// answers keep the full MaxRetries.
const PermanentErrorAttempts = 3

// UnreachableError is a request that could not reach its endpoint, after
// PermanentErrorAttempts attempts (or at once, for a name that does not
// resolve). It names the endpoint and where it was configured, so that a
// typo in the provider's endpoints block is reported as one.
type UnreachableError struct {
	Service   string // e.g. "Elastic Load Balancing v2"
	Operation string // e.g. "DescribeListeners"
	Endpoint  string // the URL requested, scheme://host[:port]
	// Source says where the endpoint came from: `the provider's endpoints.elbv2`,
	// `AWS_ENDPOINT_URL`, or "" when the SDK resolved AWS's own endpoint.
	Source   string
	Attempts int
	Err      error
}

func (e *UnreachableError) Error() string {
	where := "AWS endpoint " + e.Endpoint
	if e.Source != "" {
		where = e.Endpoint + " (set by " + e.Source + ")"
	}
	tries := "1 attempt"
	if e.Attempts != 1 {
		tries = fmt.Sprintf("%d attempts", e.Attempts)
	}
	return fmt.Sprintf("%s %s: cannot reach %s: %s (gave up after %s: this does not heal by retrying; check the endpoint)",
		e.Service, e.Operation, where, reason(e.Err), tries)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// FromConfiguration reports whether the endpoint was set by the provider
// configuration or the environment rather than resolved by the SDK.
func (e *UnreachableError) FromConfiguration() bool { return e.Source != "" }

// permanent classifies an attempt's error: a refused connection, an invalid
// address or port, or a host that does not exist.
func permanent(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return true
	}
	var addr *net.AddrError
	return errors.As(err, &addr)
}

func reason(err error) string {
	var dns *net.DNSError
	var addr *net.AddrError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.As(err, &dns) && dns.IsNotFound:
		return fmt.Sprintf("host %q not found", dns.Name)
	case errors.As(err, &addr):
		return addr.Error()
	}
	return err.Error()
}

// giveUp is the retryable check that stops retries of an UnreachableError.
var giveUp = retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
	var u *UnreachableError
	if errors.As(err, &u) {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
})

type attemptsKey struct{}

// endpointSource says where a service's endpoint comes from.
func endpointSource(configured, providerKey, envService string) string {
	switch {
	case configured != "":
		return "the provider's endpoints." + providerKey
	case os.Getenv("AWS_ENDPOINT_URL_"+envService) != "":
		return "AWS_ENDPOINT_URL_" + envService
	case os.Getenv("AWS_ENDPOINT_URL") != "":
		return "AWS_ENDPOINT_URL"
	}
	return ""
}

// Logf receives one line per failed attempt (Config.Logf).
type Logf func(ctx context.Context, format string, args ...any)

// attemptWatch adds two middlewares to a client: one counting the attempts
// of each operation, and one inside the retry loop that logs every failed
// attempt (through logf, with the request's context) and turns the
// PermanentErrorAttempts-th unreachable-endpoint failure into an
// UnreachableError, which stops the retries.
func attemptWatch(service, source string, logf Logf) func(*middleware.Stack) error {
	if logf == nil {
		logf = func(context.Context, string, ...any) {}
	}
	return func(stack *middleware.Stack) error {
		err := stack.Initialize.Add(middleware.InitializeMiddlewareFunc("bluegreenAttemptCounter",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				return next.HandleInitialize(context.WithValue(ctx, attemptsKey{}, new(atomic.Int32)), in)
			}), middleware.Before)
		if err != nil {
			return err
		}
		return stack.Finalize.Insert(middleware.FinalizeMiddlewareFunc("bluegreenAttemptWatch",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				n := 1
				if c, ok := ctx.Value(attemptsKey{}).(*atomic.Int32); ok {
					n = int(c.Add(1))
				}
				out, md, err := next.HandleFinalize(ctx, in)
				if err == nil || ctx.Err() != nil {
					return out, md, err
				}
				op := awsmiddleware.GetOperationName(ctx)
				if permanent(err) {
					endpoint := ""
					if req, ok := in.Request.(*smithyhttp.Request); ok && req.URL != nil {
						endpoint = req.URL.Scheme + "://" + req.URL.Host
					}
					var dns *net.DNSError
					if n >= PermanentErrorAttempts || (errors.As(err, &dns) && dns.IsNotFound) {
						return out, md, &UnreachableError{Service: service, Operation: op, Endpoint: endpoint, Source: source, Attempts: n, Err: err}
					}
					logf(ctx, "%s %s: attempt %d of %d cannot reach %s: %s; retrying", service, op, n, PermanentErrorAttempts, endpoint, reason(err))
					return out, md, err
				}
				logf(ctx, "%s %s: attempt %d failed: %v; retrying if the error is retryable", service, op, n, err)
				return out, md, err
			}), "Retry", middleware.After)
	}
}
