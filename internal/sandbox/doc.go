// Package sandbox is a local AWS stand-in for the provider's tests and demo:
// one loopback HTTP port that speaks the wire protocols aws-sdk-go-v2 uses,
// with AWS's validation rules and error codes, plus an admin API to steer it.
//
// It serves
//   - Elastic Load Balancing v2 (package elbv2) over awsQuery: form POSTs
//     with Version=2015-12-01;
//   - STS over awsQuery (Version=2011-06-15): GetCallerIdentity (always
//     arn:aws:iam::<account>:user/sandbox) and AssumeRole (fake credentials);
//   - CloudWatch (package cloudwatch) over Smithy RPC v2 CBOR, the protocol
//     of aws-sdk-go-v2's CloudWatch client: POST
//     /service/GraniteServiceVersion20100801/operation/<Operation> with
//     "Smithy-Protocol: rpc-v2-cbor". CloudWatch's older awsQuery and JSON 1.0
//     protocols are not served.
//
// awsQuery requests are routed by Version, or, when Version is missing, by
// the service in the SigV4 credential scope (elasticloadbalancing, sts).
// Signatures are not checked: any credentials work (use "test"/"test").
// Every response carries an x-amzn-RequestId header. Requests it cannot
// route get a 400 that says what the sandbox expected.
//
// Start it in-process with Start (tests do this in TestMain) or run
// ./internal/sandbox/cmd/bluegreen-sandbox. Point the SDK at URL() with
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
//
//	POST   /_sandbox/cloudwatch/metrics                        (Server.PublishMetrics)
//	       {"datapoints":[{"namespace":"AWS/ApplicationELB","metricName":"RequestCount",
//	         "dimensions":{"LoadBalancer":"app/web/50dc6c495c0c9188","TargetGroup":"targetgroup/web-green/73e2d6bc24d8a067"},
//	         "timestamp":"2026-11-23T10:00:00Z","values":[120],"unit":"Count"}]}
//	       → 200 {"published":1}. "value": 1.5 may replace "values"; timestamp
//	       defaults to now.
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
// # Faults
//
// A Fault matches calls by service ("elbv2", "cloudwatch", "sts"; "" = any;
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
// The sandbox deliberately does not: check signatures or IAM, model VPCs,
// subnets or security groups beyond syntax, carry traffic (yet), or persist
// state across restarts.
package sandbox
