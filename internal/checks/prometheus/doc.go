// Package prometheus judges a deployment by a PromQL expression: one instant
// query per evaluation over the Prometheus HTTP API (GET, or POST form, to
// <url>/api/v1/query; the URL may carry a path prefix such as /prometheus, as
// behind Mimir, Thanos or a reverse proxy), its single value compared with
// Min and/or Max (inclusive; at least one required).
//
// Evaluate returns one result, "prometheus" (or "prometheus:<name>"):
//
//	vector of one series, or scalar
//	  value > Max or < Min                    fail
//	  otherwise (±Inf compared normally)      pass
//	  NaN (e.g. 0/0 with no traffic)          inconclusive
//	empty vector                              inconclusive ("query returned no series")
//	vector of N > 1 series                    error (aggregate it: sum(), max())
//	matrix, string, native histogram          error (not an instant number)
//	{"status":"error", errorType, error}      error, with errorType and error
//	HTTP 4xx/5xx, non-API body                error
//	no response (refused, timeout, TLS)       error, after retries
//
// Threshold reads "<= 0.05", ">= 1" or "between 1 and 5". Detail names the
// query (queries are not secret), the series labels if any, the value, and
// any warnings Prometheus returned.
//
// The HTTP side is httpcheck.Client: per-attempt Timeout (default 5s),
// transport errors retried (Retries, default 2) but never a response — a 503
// from Prometheus is an error verdict for this evaluation, and the consumer's
// tolerance decides what it means. TLS is verified unless InsecureSkipVerify;
// CACertPEM adds roots. Headers (Authorization, X-Scope-OrgID…) are sent and
// treated as secrets: nothing is logged, and their values are redacted from
// every Result field, including text the server echoes back.
//
// What it does not do: range queries, evaluation at a past time, judging
// several series (aggregate in PromQL instead), or any waiting and
// consecutive-count logic — that belongs to the consumer.
//
// # Example: a classic rollback script
//
// A shell script that rolls green back when its 5xx rate exceeds 5% or its
// p99 latency exceeds one second becomes two checks:
//
//	errRate, err := prometheus.New(prometheus.Config{
//		Name:  "error_rate",
//		URL:   "http://prometheus.monitoring:9090",
//		Query: `sum(rate(http_requests_total{status=~"5..",color="green"}[1m])) / sum(rate(http_requests_total{color="green"}[1m]))`,
//		Max:   ptr(0.05), // fail above 5%
//	})
//	...
//	p99, err := prometheus.New(prometheus.Config{
//		Name:  "p99_latency",
//		URL:   "http://prometheus.monitoring:9090",
//		Query: `histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket{color="green"}[1m])) by (le))`,
//		Max:   ptr(1), // seconds
//	})
//	...
//	for _, r := range append(errRate.Evaluate(ctx), p99.Evaluate(ctx)...) {
//		fmt.Println(r) // prometheus:error_rate pass (value 0.012, threshold <= 0.05): query … returned 0.012
//	}
//
// With no green traffic the error-rate query divides 0 by 0: NaN, so the
// result is inconclusive rather than a pass.
package prometheus
