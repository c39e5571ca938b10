// Package httpcheck is the HTTP health check: one request to a URL per
// evaluation, judged by status code and, optionally, by the body (a regular
// expression, and/or one value at a dotted JSON path such as "version",
// "build.schema_version" or "items.0.name" compared as text, e.g. "/version
// reports 2.4.0").
//
// Evaluate returns one result, "http" (or "http:<name>"), whose Value is the
// status code:
//
//	no response (refused, reset, timeout, TLS   error  — after retries
//	verification failure, cancelled context)
//	status not in ExpectStatus (default [200])  fail   — body not judged
//	body does not match BodyRegex               fail
//	JSON path missing / body not JSON / value   fail
//	differs from JSONValue
//	otherwise                                   pass
//
// Detail is one line: status, latency in ms, the verdict's reasons in terms
// of the configuration (status set, body_regex, json_path/json_value) and the
// body's size. No content of the body is ever put in a Result — not an
// excerpt, not the value found at json_path — because results reach state,
// plans and logs, and a body may echo a request header in any encoding.
// Only the first 1 MiB of a body is read.
//
// Transport: go-retryablehttp with a per-attempt Timeout (default 5s),
// Retries (default 2) of transport errors only — a response is a measurement,
// so a 503 is a failed evaluation, never retried — and a small backoff
// (RetryWaitMin/Max, default 100ms/1s). Nothing else waits; the consumer owns
// the cadence. TLS is verified unless InsecureSkipVerify; CACertPEM adds
// trusted roots. Redirects are followed within the same origin only; a
// redirect to another scheme, host or port is judged as the 3xx it is, so
// header values never travel to another host.
//
// Headers are secrets (API keys, bearer tokens). They are sent and nothing
// more: the client has no logger (retryablehttp's default one is disabled),
// and header values are redacted from every error the client returns. They
// cannot reach a Result through the body, as no body content is kept there
// (redaction at the source, not by recognising encodings). Errors and details
// show the URL without userinfo or query string.
//
// What it does not do: send a request body, follow cross-origin redirects,
// authenticate other than through Headers, parse JSONPath beyond dotted keys
// and array indexes (no wildcards, filters, or keys containing dots), or
// judge latency (the latency in Detail is informational).
//
// The package also exports the pieces other HTTP-based checks (the
// Prometheus check) build on: Client / NewClient / ClientOptions with the
// same transport-only retry policy, ValidateURL, ValidateHeaders, Redact,
// Excerpt and SafeURL.
package httpcheck
