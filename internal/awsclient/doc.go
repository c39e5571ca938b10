// Package awsclient builds the one set of AWS clients a provider instance
// shares between all its resources and data sources.
//
// Credentials come only from the AWS SDK's default chain (environment,
// shared config and profiles, SSO, web identity, instance and container
// roles), optionally wrapped by an STS AssumeRole. Endpoints can be set per
// service; the SDK's own AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>
// variables keep working when they are not.
//
// Every client retries in adaptive mode: throttling errors slow the client
// down (client-side rate limiting) instead of failing the apply, and the
// retry quota is disabled so a long, throttled rollout does not run out of
// retries half-way. Requests carry a user agent naming the provider and its
// version.
//
// The ELBv2, CloudWatch and STS clients are built with the set. The Route 53
// client is built on first use (Clients.Route53): only bluegreen_dns_switch
// (coming: weighted DNS records as the router) calls Route 53.
//
// ValidRegion accepts every region the AWS partitions accept (regions.go
// mirrors the SDK's partition metadata: aws, aws-cn, aws-us-gov, aws-eusc and
// the ISO partitions).
// An endpoint that cannot be reached at all — connection refused, an invalid
// port, a host name that does not resolve — is not retried 11 times over two
// minutes: it gets PermanentErrorAttempts (3) attempts (a name that does not
// resolve, one), then an *UnreachableError naming the service, operation,
// endpoint and where the endpoint was configured (the provider's endpoints
// block, AWS_ENDPOINT_URL…). Every failed attempt is reported to
// Config.Logf with the request's context (the provider passes tflog), so a
// slow plan says why it is slow.
//
// It deliberately knows nothing of Terraform: the provider package
// validates configuration and turns errors into diagnostics.
package awsclient
