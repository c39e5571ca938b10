// Package sandbox is a local AWS stand-in for the provider's tests and demo:
// one loopback HTTP port that speaks the wire protocols aws-sdk-go-v2 uses,
// with AWS's validation rules and error codes, plus an admin API to steer it.
//
// It serves
//   - Elastic Load Balancing v2 (package elbv2) over awsQuery: form POSTs
//     with Version=2015-12-01;
//   - SNS (package sns) over awsQuery (Version=2010-03-31): topics and
//     Publish, every accepted message kept for tests
//     (GET /_sandbox/sns/messages?topicArn=…, Server.SNS().Messages);
//   - STS (package sts) over awsQuery (Version=2011-06-15): GetCallerIdentity (always
//     arn:aws:iam::<account>:user/sandbox) and AssumeRole (fake credentials);
//   - CloudWatch (package cloudwatch) over Smithy RPC v2 CBOR, the protocol
//     of aws-sdk-go-v2's CloudWatch client: POST
//     /service/GraniteServiceVersion20100801/operation/<Operation> with
//     "Smithy-Protocol: rpc-v2-cbor". CloudWatch's older awsQuery and JSON 1.0
//     protocols are not served;
//   - Route 53 (package route53) over REST-XML: every path under /2013-04-01/
//     (hosted zones, weighted record sets, PENDING→INSYNC changes, health
//     checks), plus, with Options.Route53.DNSAddr, an authoritative DNS
//     server answering the zones (route53.go; see package route53).
//
// awsQuery requests are routed by Version, or, when Version is missing, by
// the service in the SigV4 credential scope (elasticloadbalancing, sts, sns).
// Signatures are not checked: any credentials work (use "test"/"test").
// Every response carries an x-amzn-RequestId header. Requests it cannot
// route get a 400 that says what the sandbox expected.
//
// Start it in-process with Start (tests do this in TestMain) or run
// ./cmd/bluegreen-sandbox. Point the SDK at URL() with
// BaseEndpoint or AWS_ENDPOINT_URL.
//
// # Admin API
//
// Everything an AWS API cannot do — and tests need — is available both as
// methods on *Server and as JSON over HTTP under the reserved prefix
// /_sandbox/ on the same port. Errors are {"error": "…"} (plus "code" when a
// service returned an AWS error code) with status 400, or 404 for unknown
// resources and paths.
//
//	GET    /_sandbox/health
//	       → 200 {"status":"ok","url":"http://127.0.0.1:4566","region":"us-east-1","accountId":"123456789012"}
//
//	POST   /_sandbox/elbv2/target-health                       (Server.SetTargetHealth)
//	       {"targetGroupArn":"arn:…","targetId":"10.0.0.5","port":8080,
//	        "state":"unhealthy","reason":"Target.FailedHealthChecks","description":"…"}
//	       → 200 {"ok":true}; 400 {"error":…} for an unknown target group,
//	       an unregistered target or an unknown state/reason.
//	       state is a TargetHealthStateEnum value (healthy, unhealthy, initial,
//	       draining, unused, unavailable); reason a TargetHealthReasonEnum value
//	       (e.g. Target.FailedHealthChecks); port 0 matches the target on any port.
//	       The state is pinned: it is reported (and, with the data plane on,
//	       used for routing) until cleared, whatever health checks find.
//
//	DELETE /_sandbox/elbv2/target-health                       (Server.ClearTargetHealth)
//	       {"targetGroupArn":"arn:…","targetId":"10.0.0.5","port":8080}
//	       → 200 {"ok":true}: removes the pin; the target reports its computed
//	       state again (initial/unused, or what the data plane's checks found).
//
//	POST   /_sandbox/cloudwatch/metrics                        (Server.PublishMetrics)
//	       {"datapoints":[{"namespace":"AWS/ApplicationELB","metricName":"RequestCount",
//	         "dimensions":{"LoadBalancer":"app/web/50dc6c495c0c9188","TargetGroup":"targetgroup/web-green/73e2d6bc24d8a067"},
//	         "timestamp":"2026-11-23T10:00:00Z","values":[120],"unit":"Count"}]}
//	       → 200 {"published":1}. "value": 1.5 may replace "values"; timestamp
//	       defaults to now.
//
//	POST   /_sandbox/ec2/vpcs                                  (Server.AddVPC)
//	       {"region":"us-west-2","vpcId":"vpc-0fedcba9876543210"}
//	       → 200 {"vpcs":["vpc-0123456789abcdef0","vpc-0fedcba9876543210"]}: the
//	       VPC exists in that region ("" = the sandbox's) from now on, so
//	       CreateTargetGroup accepts it. Every region has the default VPC
//	       vpc-0123456789abcdef0 (elbv2.DefaultVPCID).
//	GET    /_sandbox/ec2/vpcs?region=us-west-2 → 200 {"vpcs":[…]}
//
//	GET    /_sandbox/dataplane/metrics-delay   → 200 {"dataPlane":true,"delay":"1m0s","period":"1m0s"}
//	PUT    /_sandbox/dataplane/metrics-delay   {"delay":"10s"}   (Server.SetMetricsDelay)
//	       → 200 {…}; "0s" restores the default (60 s, as on AWS), "none"
//	       publishes each minute as soon as it ends; 409 when the data plane is off.
//
//	POST   /_sandbox/cloudwatch/alarm-state                    (Server.SetAlarmState)
//	       {"alarmName":"web-green-5xx","state":"ALARM","reason":"test"}
//	       → 200 {"ok":true}; 404 {"error":…,"code":"ResourceNotFound"} for unknown alarms.
//
//	POST   /_sandbox/faults                                    (Server.InjectFault)
//	       {"service":"elbv2","operation":"ModifyListener","kind":"Throttle","times":2}
//	       {"kind":"Latency","latency":"1.5s","rate":0.5}
//	       {"service":"cloudwatch","kind":"HTTP5xx","status":500,"times":1}
//	       {"operation":"DescribeTargetHealth","kind":"ConnReset","times":1}
//	       → 201 {"id":"fault-3"}
//	GET    /_sandbox/faults        → 200 {"faults":[{"id":"fault-3",…,"remaining":1,"injected":0}]}
//	DELETE /_sandbox/faults        → 204 (Server.ClearFaults)
//	DELETE /_sandbox/faults/{id}   → 204, 404 if not active (Server.RemoveFault)
//
//	PUT    /_sandbox/rate-limits                               (Server.SetRateLimit)
//	       {"service":"elbv2","operation":"DescribeTargetHealth","perSecond":5,"burst":10}
//	       → 200 {"rateLimits":[…]}; perSecond 0 removes that limit.
//	GET    /_sandbox/rate-limits   → 200 {"rateLimits":[…]}
//	DELETE /_sandbox/rate-limits   → 204 (Server.ClearRateLimits)
//
//	GET    /_sandbox/calls?service=elbv2&operation=ModifyListener   (Server.Calls)
//	       → 200 {"calls":[{"time":…,"service":"elbv2","operation":"ModifyListener",
//	         "params":{"ListenerArn":"arn:…","DefaultActions.member.1.Type":"forward",…},
//	         "status":400,"errorCode":"Throttling","fault":"Throttle","faultId":"fault-1",
//	         "requestId":"…","durationNs":81234}]}
//	DELETE /_sandbox/calls         → 204 (Server.ResetCalls)
//
//	GET    /_sandbox/dataplane/listeners                       (Server.DataPlaneListeners)
//	       → 200 {"enabled":true,"listeners":[{"listenerArn":"arn:…","loadBalancerArn":"arn:…",
//	         "port":80,"protocol":"HTTP","address":"127.0.0.1:10080","url":"http://127.0.0.1:10080"}]}
//	       ({"enabled":false,"listeners":[]} when the data plane is off)
//	GET    /_sandbox/dataplane/health-checks → 200 {"dataPlane":true,"enabled":true}
//	PUT    /_sandbox/dataplane/health-checks {"enabled":false}  (Server.SetHealthChecks)
//	       → 200 {"dataPlane":true,"enabled":false}; 409 when the data plane is off
//	POST   /_sandbox/dataplane/flush-metrics                   (Server.FlushDataPlaneMetrics)
//	       → 200 {"ok":true}; 409 when the data plane is off
//
// # Faults
//
// A Fault matches calls by service ("elbv2", "cloudwatch", "sts", "sns"; "" = any;
// "elasticloadbalancing" and "monitoring" are accepted as aliases) and
// operation ("" = any), affects Times calls (0 = until removed) with
// probability Rate (0 = always), in injection order: every matching Latency
// fault adds its delay, then the first matching fault of another kind acts.
//   - Throttle: AWS's Throttling error, HTTP 400, "Rate exceeded" (awsQuery
//     ErrorResponse, or CBOR __type "Throttling" for CloudWatch). The SDKs'
//     standard retryers retry it.
//   - HTTP5xx: 503 ServiceUnavailable by default, 500 InternalFailure, or
//     another 5xx status as ServiceUnavailable.
//   - Latency: sleeps, then proceeds; it stops waiting (and answers nothing)
//     when the client gives up or the server closes.
//   - ConnReset: reads the request, then closes the connection with
//     SO_LINGER 0, so the client sees a TCP RST ("connection reset by peer").
//
// Rate limits are token buckets per operation; calls over the limit get the
// same Throttling error. Faults are checked before rate limits; neither
// applies to the admin API.
//
// # Call log
//
// Every AWS API call is logged before its response is sent: service,
// operation, flattened parameters (awsQuery keys as sent; CBOR bodies decoded
// with cloudwatch.DecodeParams and flattened as "a.b" / "a.1"), time, HTTP
// status (0 when no response was sent), AWS error code, and the fault
// injected if any (rate-limit rejections show fault "Throttle" with faultId
// "rate-limit"). The newest 10000 calls are kept.
//
// # Data plane
//
// With Options.DataPlane (default off) the sandbox also carries traffic, so
// that a blue/green switch through the ELBv2 API moves real requests (what
// the load balancer decides for each request is package dataplane):
//
// Listeners. Every listener with protocol HTTP gets a loopback port as soon
// as CreateListener answers (the ELBv2 emulation calls a change hook after
// every state-changing operation): 127.0.0.1:(ListenerPortBase + port), e.g.
// ListenerPortBase 10000 serves port 80 on 127.0.0.1:10080. With
// ListenerPortBase 0 (default), or when the mapped port is taken or above
// 65535, the listener gets a free port instead (logged). Find it with
// Server.ListenerAddr(listenerARN) or GET /_sandbox/dataplane/listeners.
// DeleteListener, DeleteLoadBalancer or a ModifyListener to HTTPS closes the
// port and drops its connections; a ModifyListener to another port reopens
// it at the new mapped port (free ports stay as they are). Close stops all.
// HTTPS listeners are not served (no TLS termination).
//
// Options.LoadBalancerAddresses gives each load balancer its own loopback
// address instead (127.0.0.2, 127.0.0.3, … in the order their first listener
// opens; Linux routes all of 127.0.0.0/8 to loopback), a listener port
// keeping the local port the first load balancer got for it: two stacks'
// port 80 then differ only by address, and a Route 53 alias to a load
// balancer answers its address (see route53.go), so a DNS answer names a
// stack. An address that cannot be bound falls back to 127.0.0.1.
//
// Routing. A request is matched against the listener's rules in priority
// order, then the default action (read live from the control plane, so
// ModifyListener/ModifyRule apply to the next request). Conditions: all of a
// rule's conditions must match, any of a condition's values:
//   - host-header: Host without port, case-insensitive, * and ? wildcards;
//   - path-pattern: URL path (no query string), case-sensitive, * and ?;
//   - http-header: the named header (any of its values), case-insensitive, * and ?;
//   - http-request-method: exact, case-sensitive;
//   - query-string: key/value pairs, case-insensitive, * and ?; no key
//     matches the value under any key;
//   - source-ip: CIDRs against the TCP peer address (not X-Forwarded-For).
//
// RegexValues are matched as Go RE2 expressions (unanchored). Actions:
// authenticate-oidc/-cognito and jwt-validation are skipped (requests pass
// as authenticated); fixed-response answers the status, content type
// (default text/plain) and body; redirect answers 301/302 with a Location
// built from the redirect config, #{protocol}, #{host} (Host without port),
// #{port} (the listener's AWS port, not the local one), #{path} (without its
// leading "/") and #{query} substituted, and the port left out when it is the
// protocol's default; forward picks a target group at random in proportion
// to the weights (0-999; weight 0 is never chosen; all 0 → 503).
//
// Target group stickiness: when the forward's TargetGroupStickinessConfig is
// enabled, the answer sets the cookie AWSALBTG (Path=/, Max-Age = the
// duration) naming the chosen group — an opaque value, base64url of
// "<unix expiry>|<group ARN>". A later request carrying an unexpired cookie
// for a group still in that forward goes to that group — at any weight, 0
// included: AWS documents the duration as the time a client is routed to the
// same group and no exception for weight 0 (see dataplane.StickyGroup) —
// otherwise it is routed by weight and gets a new cookie. With group
// stickiness off, cookies are ignored and none is set. AWSALBTGCORS and
// target-level stickiness (AWSALB/app cookies, the stickiness.* target group
// attributes) are not emulated.
//
// Targets: round robin among the group's healthy targets; when none is
// healthy, among all of them (fail-open, as ALB does); draining targets get
// no new requests; no targets at all → 503. Only targets whose Id is a
// loopback IP address (127.0.0.0/8, ::1) are reached, on the registered port
// (or the group's); any other target answers 502 and fails health checks —
// the sandbox never sends traffic off the machine. Requests are proxied with
// net/http/httputil.ReverseProxy, keeping the client's Host header and adding
// X-Forwarded-For (appended), X-Forwarded-Proto, X-Forwarded-Port (the
// listener's AWS port) and X-Amzn-Trace-Id. Errors generated by the load
// balancer carry "Server: awselb/2.0": 502 when the target cannot be reached
// or breaks the exchange, 504 when it does not answer with headers within
// DataPlaneIdleTimeout (default 60 s; the load balancer's
// idle_timeout.timeout_seconds attribute is not read) or cannot be connected
// to within 10 s, 503 when there is nothing to route to.
//
// Health checks. Each target group used by a listener or rule of a load
// balancer (others keep reporting unused) is probed every
// HealthCheckIntervalSeconds × HealthCheckTimeScale: GET
// <HealthCheckProtocol>://<ip>:<port><HealthCheckPath> (port traffic-port or
// a number; HTTPS does not verify certificates; redirects are not followed;
// User-Agent ELB-HealthChecker/2.0), timing out after
// HealthCheckTimeoutSeconds × HealthCheckTimeScale, and the status matched
// against the matcher ("200", "200-299", "200,202"). A target starts
// initial (Elb.RegistrationInProgress, then Elb.InitialHealthChecking),
// becomes healthy after HealthyThresholdCount consecutive successes and
// unhealthy after UnhealthyThresholdCount consecutive failures (reason
// Target.ResponseCodeMismatch, Target.Timeout or Target.FailedHealthChecks
// for refused/broken connections), and healthy again after
// HealthyThresholdCount successes. Deregistered targets drain as before
// (deregistration_delay on the Options.Now clock) and are not probed; a
// group no longer used by any load balancer goes back to unused, and starts
// from initial when attached again. HealthCheckTimeScale (default 1.0) makes
// demos and tests fast: 0.1 turns a 5 s interval into 0.5 s and a 2 s timeout
// into 0.2 s; it affects nothing else.
//
// Admin pins win over health checks: a SetTargetHealth state is reported and
// used for routing until ClearTargetHealth (or re-registration after
// deregistration); checks keep running underneath, and their state shows
// once the pin is cleared. Server.SetHealthChecks(false) stops probing
// altogether: every target keeps the state it has (tests that want only
// pinned states can switch checks off first).
//
// Metrics, from the real traffic, into the CloudWatch store under
// AWS/ApplicationELB with dimension values as AWS forms them from the ARNs
// (LoadBalancer "app/<name>/<id>", TargetGroup "targetgroup/<name>/<id>"),
// timestamped with Options.Now:
//   - per {LoadBalancer} and per {LoadBalancer, TargetGroup}: RequestCount
//     (the TargetGroup variant for forwarded requests only),
//     HTTPCode_Target_2XX/3XX/4XX/5XX_Count and TargetResponseTime (seconds
//     to the target's response headers; every raw value is kept, so
//     percentiles such as p99 work) for answers from targets;
//   - per {LoadBalancer}: HTTPCode_ELB_3XX/4XX/5XX_Count for answers the load
//     balancer generated (redirects, fixed responses, errors; 460 when the
//     client went away) and HTTPCode_ELB_500/502/503/504_Count — never per
//     target group, as on AWS: a target that accepts a connection and then
//     resets it (502) or does not answer in time (504) shows only here;
//   - per {LoadBalancer} and per {LoadBalancer, TargetGroup}:
//     TargetConnectionErrorCount for each request whose connection to the
//     target could not be established (refused: 502; connect timeout: 504);
//   - per {LoadBalancer, TargetGroup}, after every health check round:
//     HealthyHostCount and UnHealthyHostCount.
//
// As AWS does, request counts are only published when non-zero (host counts
// are published every round, zeros included).
//
// # Metrics timing
//
// Request metrics arrive as ALB delivers them: "Elastic Load Balancing
// measures and sends its metrics in 60-second intervals" (ELB User Guide,
// "CloudWatch metrics for your Application Load Balancer"), so each minute
// is one datapoint per metric and dimension set, timestamped at the minute's
// start; and a minute is readable only once it has ended and
// Options.MetricsDelay has passed (default DefaultMetricsDelay, 60 s). AWS
// documents no figure for that delay; the 60 s are what users of these
// metrics report: 1-minute CloudWatch metrics become available about two
// minutes after their timestamp (Datadog, "Cloud Metric Delay"), and the
// newest ALB minute is "incomplete and volatile" before that (Netflix Atlas
// PR 1300, which reads ALB metrics 2 minutes late to avoid partial data). So
// requests made at 12:00:10 and 12:00:50 are one datapoint "12:00" that
// GetMetricData returns from 12:02:00 on. The sandbox publishes a minute
// complete, never partially: a reader that reads too early sees nothing, not
// a partial value. A check that reads the minute in progress (as the metrics
// check once did) sees no requests at all, as on AWS.
//
// Change the delay per sandbox with Options.MetricsDelay, at run time with
// Server.SetMetricsDelay or PUT /_sandbox/dataplane/metrics-delay
// {"delay":"10s"} ("0s" restores the default, "none" = NoMetricsDelay
// publishes each minute as soon as it ends; GET returns the current value).
// Tests that shorten it must do so explicitly. Server.FlushDataPlaneMetrics
// (POST /_sandbox/dataplane/flush-metrics) publishes everything buffered at
// once, the minute in progress included — something AWS cannot do, for tests
// about metric values rather than timing. Datapoints published through the
// admin API (PublishMetrics) are stored as given, at once, like PutMetricData.
//
// Not emulated: TLS (HTTPS listeners are not served; HTTPS target groups
// are proxied to over plain HTTP, though HTTPS health checks use TLS), HTTP/2
// to clients or targets, instance and Lambda targets, Availability Zone
// dimensions and cross-zone behaviour, slow start, the
// least_outstanding_requests and weighted_random algorithms (always round
// robin), connection draining of in-flight requests on listener deletion,
// access logs, WAF, and the LCU/ProcessedBytes/ActiveConnectionCount metrics.
//
// The demo application used as blue/green targets is package
// internal/testsupport/demoapp (command cmd/bluegreen-demo-app).
//
// # Fidelity checks
//
// The conformance tests (internal/sandbox/conformance) drive the sandbox with
// the real aws-sdk-go-v2 clients: every validation rule above comes back as
// AWS's error code through the SDK, and injected faults are retried (or not)
// by the SDK's standard retryer as real ones would be.
//
// The differential suite (internal/sandbox/moto) starts moto 5.2.1
// (`python3 -m moto.server`), runs the same SDK call sequences against moto
// and a fresh sandbox — every ELBv2 operation the sandbox serves, valid and
// invalid inputs — and compares each step: success or AWS error code, and key
// fields of successes (weights, stickiness, priorities, health states, tags,
// attributes read back). CloudWatch is compared too: moto does not speak RPC
// v2 CBOR, so the CloudWatch client talks awsQuery to moto (its Protocol
// option switched, test code only) and CBOR to the sandbox, and error codes
// are compared as the wire codes AWS sends (InvalidParameterValue, not the
// SDK's shape name InvalidParameterValueException). Every disagreement must
// be listed in knownDifferences with the AWS documentation showing moto is
// wrong; anything else fails the suite. Without moto the suite skips, unless
// BLUEGREEN_REQUIRE_MOTO=1 (CI) makes that a failure.
//
//	go test -race ./internal/sandbox/...
//	BLUEGREEN_REQUIRE_MOTO=1 go test -v -run TestDifferential ./internal/sandbox/moto
//
// Requests are served in the region of their SigV4 credential scope (ARNs,
// names and listings per region; CloudWatch alarm ARNs in that region and
// Options.AccountID; CloudWatch metrics and alarms themselves are shared by
// all regions). A data plane target that is one of the sandbox's own ports
// (a listener's, or the API's) answers 502 and fails its health checks
// instead of looping requests through the load balancer.
//
// The sandbox deliberately does not: check signatures or IAM, model VPCs
// beyond their existence, subnets or security groups beyond syntax, carry traffic unless the data
// plane is on (and then only on loopback), or persist state across restarts.
package sandbox
