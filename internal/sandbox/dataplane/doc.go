// Package dataplane is what the sandbox's Application Load Balancer decides
// for one request, without sockets or state: whether a rule's conditions
// match (host, path, header, query string, method, source IP; globs and
// regular expressions), which action of a rule routes (forward, fixed
// response, redirect), which target group a weighted forward picks, the
// AWSALBTG stickiness cookie, and the bodies of fixed responses and
// redirects. Package sandbox runs the listeners, proxies to targets, health
// checks the targets and publishes the metrics, and asks this package what
// to do with each request.
package dataplane
