// Package datadog judges a deployment by a Datadog metrics query: one call
// per evaluation to Datadog's v1 query API,
//
//	GET <url>/api/v1/query?from=<unix s>&to=<unix s>&query=<query>
//	DD-API-KEY: <api key>
//	DD-APPLICATION-KEY: <application key>
//
// over the last Window (default 5m), whose single series is reduced to one
// number (Reducer: the last non-null point by default, or avg, min, max,
// sum) and compared with Min and/or Max (inclusive; at least one required).
// The base URL is "https://api." + Site (site "datadoghq.com" by default;
// "datadoghq.eu", "us3.datadoghq.com", "us5.datadoghq.com",
// "ap1.datadoghq.com", "ddog-gov.com"), or URL when given (a proxy, a test
// server).
//
// The response is the API's MetricsQueryResponse: {"status": "ok" | "error",
// "error": "…", "res_type": "time_series", "series": [{"metric", "scope",
// "expression", "pointlist": [[<ms>, <value or null>], …], …}], …}; a
// rejected request is an HTTP 4xx/5xx with {"errors": ["…"]}.
//
// Evaluate returns one result, "datadog" (or "datadog:<name>"):
//
//	one series, reduced value > Max or < Min   fail
//	one series, otherwise                      pass
//	no series, or only null points             inconclusive (no data in the window)
//	several series                             error (aggregate the query: sum:…, or drop "by {…}")
//	"status": "error"                          error, with the API's message
//	HTTP 4xx/5xx (403: wrong keys), non-API    error, with the API's "errors"
//	no response (refused, timeout, TLS)        error, after retries
//
// Verdicts are those of every check: a measured value outside the limits
// fails, missing data is inconclusive, anything that could not be measured is
// an error (the consumer's tolerance decides, failing closed by default).
//
// The keys are secrets: sent as headers only (never in the URL), never
// logged, and redacted from every Result field, including text the server
// echoes back. The HTTP side is httpcheck.Client (per-attempt Timeout,
// transport errors retried, a response never retried, same-origin
// redirects only).
package datadog
