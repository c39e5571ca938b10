// Package route53 is the sandbox's Amazon Route 53: hosted zones, resource
// record sets (simple and weighted, plain or alias), change batches with
// PENDING → INSYNC, and endpoint health checks, served over REST-XML exactly
// as aws-sdk-go-v2's route53 client sends it (paths under /2013-04-01/,
// documents in the https://route53.amazonaws.com/doc/2013-04-01/ namespace,
// 201 + Location for creations, IDs with or without their /hostedzone/,
// /change/ prefixes). The sandbox root package routes every request whose
// path starts with /2013-04-01/ here (Route 53 has one global endpoint; the
// SDK signs with service "route53"), so faults ("service": "route53"), rate
// limits and the call log work as for the other services. The call log
// flattens a change batch as Changes.N.Action/Name/Type/SetIdentifier/Weight/
// TTL/ResourceRecords.M/AliasTarget.DNSName.
//
// Operations: CreateHostedZone, GetHostedZone, ListHostedZones,
// ListHostedZonesByName, DeleteHostedZone, ChangeResourceRecordSets,
// ListResourceRecordSets, GetChange, CreateHealthCheck, GetHealthCheck,
// ListHealthChecks, GetHealthCheckStatus, DeleteHealthCheck. Others answer
// InvalidAction. Private zones (VPCs) and routing policies other than simple
// and weighted (latency, failover, geolocation, multivalue, CIDR,
// geoproximity, traffic policies) are refused with InvalidInput saying so.
//
// # Validation, as AWS does it
//
// Field constraints answer InvalidInput with AWS's "1 validation error
// detected: Value '256' at 'changeBatch.changes.1.member.resourceRecordSet.weight'
// failed to satisfy constraint: …" (weight 0–255, set identifier 1–128
// characters, TTL 0–2147483647, action and type enums). Everything else in a
// batch answers InvalidChangeBatch, with every problem of the batch in one
// bracketed, comma-separated message, as the SDKs and Terraform show it
// ("InvalidChangeBatch: [Tried to create resource record set
// [name='geo.mydomain.com.', type='A', set-identifier='Default'] but it
// already exists]", https://github.com/barnybug/cli53/issues/317):
//
//   - Tried to create resource record set [...] but it already exists
//   - Tried to delete resource record set [...] but it was not found /
//     but the values provided do not match the current values
//     (https://github.com/boto/boto/issues/2887)
//   - Invalid request: Missing field 'SetIdentifier' in Change with [Action=…,
//     Name=…, Type=…, SetIdentifier=null]; Expected exactly one of
//     [AliasTarget, all of [TTL, and ResourceRecords], or
//     TrafficPolicyInstanceId], but found none / more than one in Change with […]
//   - RRSet with DNS name x., type A, SetIdentifier s cannot be created as a
//     non-weighted set exists with the same name and type.
//     (https://github.com/kubernetes-sigs/external-dns/issues/3141), and the
//     converse "… cannot be created as other RRSets exist with the same name
//     and type." (https://github.com/chef-boneyard/route53/issues/100)
//   - RRSet with DNS name x. and type A, SetIdentifier s cannot be created as
//     weighted sets must contain the same TTL.
//     (https://github.com/hashicorp/terraform-provider-aws/issues/1961),
//     checked on the batch's final state
//   - name outside the zone, CNAME at the apex or next to other types, bad
//     A/AAAA/TXT values, an alias to a missing record of a sandbox zone.
//
// A batch is atomic: it is applied to a copy, change by change, and either
// every change applies or nothing does. An unknown health check ID answers
// NoSuchHealthCheck; NoSuchHostedZone, NoSuchChange, HostedZoneNotEmpty,
// HostedZoneAlreadyExists (caller reference reused), HealthCheckAlreadyExists
// and HealthCheckInUse are answered where AWS answers them.
//
// # Changes: PENDING, then INSYNC
//
// A change is PENDING for ChangeDelay after submission, then INSYNC, on the
// sandbox's clock (Options.Now), so tests on a fake clock see INSYNC without
// waiting. The default, DefaultChangeDelay = 60 s, is AWS's own figure:
// "Amazon Route 53 is designed to propagate updates you make to your DNS
// records to its world-wide network of authoritative DNS servers within 60
// seconds under normal conditions. A change is successfully propagated
// world-wide when the API call returns an INSYNC status listing." (Route 53
// FAQ, quoted at https://serverfault.com/questions/431853); users report
// "less than a minute" in practice (same thread). The API (ListResourceRecordSets)
// reflects a change at once, as Route 53's does.
//
// # DNS data plane
//
// StartDNS serves the zones as an authoritative DNS server (UDP and TCP on one
// loopback port; the sandbox starts it when Options.Route53.DNSAddr is set).
// It models what Route 53's name servers answer:
//
//   - weighted record sets: one set per query, chosen at random in
//     proportion to its weight, as Route 53 does ("weight for a specified
//     record / sum of the weights for all records", Route 53 Developer Guide,
//     Weighted routing). A weight-0 set is never answered while a set with a
//     positive weight is available; when all are 0, each is answered with
//     equal probability. Sets whose health check fails are left out; if every
//     nonzero set is unhealthy the zero-weighted healthy ones answer; if all
//     are unhealthy, all are used (the documented weighted + health check rules);
//   - propagation: while a change is PENDING, a query sees it with a
//     probability that grows linearly from 0 at submission to 1 at INSYNC
//     (a share of Route 53's many name servers has it), so "first answer
//     reflecting a change" comes before INSYNC and "every answer" at INSYNC;
//   - TTLs as written; alias answers carry the target record's TTL (same
//     sandbox) or 60 s (AWS resources, as Route 53 answers for ELB aliases);
//   - aliases: to a record of a sandbox zone, resolved there; to anything
//     else, through the AliasResolver (the sandbox resolves its own load
//     balancers to 127.0.0.1 when the ELBv2 data plane is on), or else to a
//     documented placeholder: PlaceholderIPv4 — a stable address in
//     192.0.2.0/24 (TEST-NET-1, RFC 5737, never routed) per target name, so
//     two targets give two different answers;
//   - CNAMEs chased inside the zone, a leading-label wildcard, NXDOMAIN and
//     NODATA with the SOA in the authority section, REFUSED outside every zone.
//
// Limits: one answer set per query (no EDNS client subnet, no per-resolver
// caching: every query is "fresh"); the data plane serves every load balancer
// on 127.0.0.1, so aliases to two sandbox load balancers resolve to the same
// address (the listener's port tells them apart).
//
// Health checks are not probed: they report healthy until
// Server.SetRoute53HealthCheckStatus (admin: POST
// /_sandbox/route53/health-check-status {"healthCheckId":…,"healthy":false})
// says otherwise; GetHealthCheckStatus reports the same observation from four
// checker regions.
package route53
