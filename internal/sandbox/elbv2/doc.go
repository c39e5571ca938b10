// Package elbv2 is an in-memory emulation of the Elastic Load Balancing v2
// (API version 2015-12-01, awsQuery protocol) control plane, used as a test
// sandbox. It speaks the wire format aws-sdk-go-v2 sends and decodes:
// ServeQuery takes the decoded form values and returns the complete XML
// response document or an *awserr.Error (code, message, HTTP status).
//
// # Operations
//
// Implemented:
//
//   - Load balancers: CreateLoadBalancer (application, network, gateway;
//     Subnets or SubnetMappings; idempotent for identical settings),
//     DescribeLoadBalancers (LoadBalancerArns | Names, Marker/PageSize),
//     DeleteLoadBalancer (also deletes its listeners and rules; a missing LB
//     succeeds, as AWS documents), DescribeLoadBalancerAttributes,
//     ModifyLoadBalancerAttributes (AWS default attribute lists per type).
//   - Target groups: CreateTargetGroup (idempotent for identical settings),
//     DescribeTargetGroups (TargetGroupArns | Names | LoadBalancerArn,
//     Marker/PageSize, sorted by name), ModifyTargetGroup (health check
//     settings), DeleteTargetGroup (a missing TG succeeds),
//     DescribeTargetGroupAttributes, ModifyTargetGroupAttributes (returns the
//     full attribute list with AWS defaults per protocol / target type).
//   - Targets: RegisterTargets, DeregisterTargets, DescribeTargetHealth.
//   - Listeners: CreateListener (idempotent for identical settings on the same
//     port), DescribeListeners (LoadBalancerArn | ListenerArns, Marker/PageSize),
//     ModifyListener, DeleteListener.
//   - Rules: CreateRule, DescribeRules (ListenerArn | RuleArns, includes the
//     default rule: Priority "default", IsDefault true, no conditions, the
//     listener's default actions), ModifyRule, DeleteRule, SetRulePriorities.
//   - Tags: AddTags, RemoveTags, DescribeTags for load balancers, target
//     groups, listeners and rules (Tags on Create* too).
//
// Any other action returns InvalidAction (HTTP 400), e.g. DescribeSSLPolicies,
// DescribeAccountLimits, listener certificates/attributes, trust stores,
// SetSubnets, SetSecurityGroups, SetIpAddressType, capacity reservations.
//
// # Actions and conditions
//
// forward (legacy TargetGroupArn and ForwardConfig with weights and
// TargetGroupStickinessConfig), fixed-response and redirect are modelled.
// Descriptions echo forward actions the way AWS does: ForwardConfig is always
// present (weight 1 for a group sent without a weight, stickiness
// Enabled=false when not sent; DurationSeconds echoed as sent) and
// TargetGroupArn is reported whenever the action has exactly one target group.
// Order is echoed only when sent. Redirect components are reported with AWS's
// defaults (#{protocol}, #{host}, #{port}, /#{path}, #{query}).
// authenticate-oidc, authenticate-cognito and jwt-validation are stored and
// echoed verbatim (ClientSecret omitted), not interpreted. Rule Transforms and
// listener MutualAuthentication are echoed verbatim.
// Conditions: path-pattern and host-header (Values or *Config; described with
// both Values and the *Config, as AWS does), http-header, http-request-method,
// query-string, source-ip; RegexValues are stored and echoed.
//
// # Validations (error code, HTTP 400)
//
//   - Missing required members, out-of-range integers, bad enums and patterns:
//     ValidationError "N validation error(s) detected: Value null at 'name'
//     failed to satisfy constraint: Member must not be null; ..." (Coral style).
//     Ranges: ports 1-65535, rule priority 1-50000, action order 1-50000,
//     health check interval 5-300, timeout 2-120, thresholds 2-10, PageSize
//     1-400, fixed-response StatusCode ^(2|4|5)\d\d$, redirect StatusCode.
//   - Malformed ARNs: ValidationError "'x' is not a valid ... ARN".
//   - Unknown resources: LoadBalancerNotFound, TargetGroupNotFound,
//     ListenerNotFound, RuleNotFound (Describe* by names/ARNs too).
//   - Load balancer names (<=32, alphanumerics/hyphens, no leading/trailing
//     hyphen, no "internal-" prefix): ValidationError; same name with other
//     settings: DuplicateLoadBalancerName; ALB with fewer than two subnets:
//     ValidationError; subnet IDs not starting "subnet-": SubnetNotFound;
//     DeleteLoadBalancer with deletion_protection.enabled=true:
//     OperationNotPermitted.
//   - Target group names (same rules, no internal- check): ValidationError;
//     same name with other settings: DuplicateTargetGroupName; protocol/port/
//     VpcId required except for lambda (forbidden there); health check:
//     timeout < interval (HTTP/HTTPS/lambda) or <= interval (others), TCP
//     health checks not allowed on HTTP/HTTPS groups, path must start with
//     "/", HealthCheckEnabled=false only for lambda, matcher HttpCode syntax
//     ("200", "200-299", "200,202") and range 200-499 (ALB) / 200-599 (NLB) /
//     200-399 (GENEVE), GrpcCode 0-99 only with ProtocolVersion GRPC.
//   - Target group attributes: unknown key, deregistration delay 0-3600,
//     slow start 0 or 30-900, stickiness.lb_cookie/app_cookie duration
//     1-604800, stickiness.type per protocol, algorithm type, booleans:
//     ValidationError; app_cookie without cookie name and anomaly mitigation
//     without weighted_random: InvalidConfigurationRequest.
//   - Listeners: protocol per LB type ("Listener protocol 'TCP' must be one of
//     'HTTPS, HTTP'"), port/protocol required (forbidden on gateway LBs),
//     HTTPS/TLS need exactly one certificate: ValidationError; same port on the
//     same LB with other settings: DuplicateListener; ModifyListener to a used
//     port: ValidationError "Listener port 'N' is already in use"; more than 50
//     listeners: TooManyListeners.
//   - Actions: exactly one routing action (forward/fixed-response/redirect),
//     last in order; Order required and unique with several actions;
//     fixed-response/redirect only on ALBs; authenticate-* only on HTTPS
//     listeners; redirect must change protocol, host, port or path and cannot
//     go HTTPS->HTTP: InvalidLoadBalancerAction (ordering/required-config
//     problems: ValidationError).
//   - forward: 1-5 target groups, no group twice, weights 0-999 and required
//     when there are several groups ("The weight for each target group must be
//     between 0 and 999, inclusive"), TargetGroupArn plus ForwardConfig must
//     name the same single group, stickiness DurationSeconds 1-604800 and
//     required when enabled: ValidationError. Unknown group:
//     TargetGroupNotFound. Protocol mismatch (e.g. TCP group on an HTTP
//     listener, lambda group on an NLB): IncompatibleProtocols. Group already
//     used by another load balancer: TargetGroupAssociationLimit. Group in a
//     different VPC than the LB: InvalidConfigurationRequest.
//   - Network Load Balancers (nlb.go): weighted forwards to up to five
//     groups, weights 0–999, on the listener's default action; enabled
//     target group stickiness on the forward and CreateRule on the listener:
//     ValidationError (wording the sandbox's own); listener/target group
//     protocols as in "Listeners for your Network Load Balancers" (TCP_UDP
//     and TCP_QUIC listeners only to groups of their own protocol):
//     IncompatibleProtocols.
//   - Rules: priority in use: PriorityInUse; at least one condition and one
//     action; condition field names, Values only for host-header/path-pattern
//     (max 1 value there), not both Values and *Config, one host-header/
//     path-pattern/http-request-method/source-ip per rule, <=5 condition values,
//     128-char values, header name <=40, method charset, query-string Value
//     required, source-ip CIDRs: ValidationError; more than 100 rules per LB:
//     TooManyRules. Default rule: ModifyRule/DeleteRule/SetRulePriorities ->
//     OperationNotPermitted. SetRulePriorities: duplicate priority or rule in
//     the request: ValidationError; clash with an unchanged rule: PriorityInUse.
//   - DeleteTargetGroup while any listener default action or rule forwards to
//     it: ResourceInUse "Target group 'arn' is currently in use by a listener or
//     a rule" — and, for Options.ReleaseDelay (DefaultReleaseDelay, 5 s) after
//     the last listener or rule let go of it, still ResourceInUse (see
//     "Eventual consistency").
//   - CreateTargetGroup with a VpcId that does not exist in the request's
//     region: ValidationError "The VPC ID 'vpc-…' is not found" (moto's and
//     AWS's wording). Every region has DefaultVPCID; AddVPC adds others.
//   - Targets: ip targets must be IP addresses of the group's family; IPv4
//     ones must be private — 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16
//     (RFC 1918) or 100.64.0.0/10 (RFC 6598) — "You can't specify publicly
//     routable IP addresses" (CreateTargetGroup, TargetType): InvalidTarget.
//     127.0.0.0/8 is allowed too, as the data plane reaches only loopback
//     targets (AWS would refuse it). At most 1000 targets per group (the
//     documented quota "Targets per target group per Region"): TooManyTargets.
//     Lambda targets take no port and a group holds one function
//     (TooManyTargets).
//   - Tags: DuplicateTagKeys, "aws:" prefix (ValidationError), keys and values
//     outside the pattern ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$ (API_Tag), keys over
//     128 and values over 256 characters (ValidationError), more than 50 tags
//     (TooManyTags), more than 20 resources (ValidationError).
//
// # Regions
//
// The region of a request is the one in its SigV4 credential scope (the
// region the SDK client is configured for): ARNs are minted in it, names
// are unique within it, listings show only its resources, and an ARN of
// another region names nothing (LoadBalancerNotFound, TargetGroupNotFound,
// …), as each AWS region is its own API. Admin calls see every region.
//
// # Eventual consistency
//
// AWS APIs are eventually consistent; for target groups this shows as
// DeleteTargetGroup answering ResourceInUse for a while after the listener
// or rule that used the group was changed or deleted — why the AWS provider
// and the AWS Load Balancer Controller retry that call
// (hashicorp/terraform-provider-aws#636,
// kubernetes-sigs/aws-load-balancer-controller#3037). The sandbox answers
// ResourceInUse for ReleaseDelay (default 5 s, on Options.Now's clock) after
// a group is released; SetReleaseDelay(-1) turns it off.
//
// Messages follow AWS wording where it is publicly documented or widely
// quoted; others are best-effort paraphrases. Error codes are the point.
//
// # Simplifications (not emulated)
//
//   - No EC2: subnets are not looked up. Each subnet is placed in its own
//     Availability Zone in request order ({region}a, {region}b, ...). A load
//     balancer's VpcId is learnt from the first target group it forwards to
//     (empty until then); later target groups must be in that VPC.
//   - CreateLoadBalancer reports State "provisioning"; every later description
//     reports "active". Security groups are echoed, no default group is added.
//   - Certificates, SSL policies (any "ELBSecurityPolicy-*" name; default
//     ELBSecurityPolicy-2016-08), ACM/IAM, Cognito/OIDC settings are not
//     verified. Instance IDs are not verified.
//   - Target health is not probed by this package. A newly registered target
//     reports initial/Elb.RegistrationInProgress while its group is used by a
//     load balancer, unused/Target.NotInUse otherwise (unavailable/
//     Target.HealthCheckDisabled when health checks are disabled), until the
//     admin call SetTargetHealth sets a state. The sandbox data plane (package
//     sandbox, Options.DataPlane) probes real targets and reports what it
//     finds through SetCheckedHealth. Precedence: draining, then a
//     SetTargetHealth pin (until ClearTargetHealth or re-registration after
//     deregistration), then unused when no load balancer uses the group, then
//     the checked state. DescribeTargetHealth for an unregistered target
//     reports unused/Target.NotRegistered.
//   - Deregistered targets report draining/Target.DeregistrationInProgress for
//     deregistration_delay.timeout_seconds (Options.Now clock) when the group is
//     in use, then vanish; otherwise they vanish at once.
//   - Quotas other than those listed above, IPv6/dual-stack subtleties,
//     gateway-specific behaviour and listener attributes are not modelled.
//     Markers are opaque offsets. Ordering: load balancers and listeners in
//     creation order, target groups by name, rules by priority (default last).
//
// # Admin and snapshots
//
// SetTargetHealth sets (pins) the health a target reports; ClearTargetHealth
// removes the pin. Listener, Listeners, TargetGroup, TargetGroups and Rules
// return typed, read-only copies for the data plane and tests. SetOnChange
// registers a hook run after every state-changing operation;
// SetCheckedHealth and ResetCheckedHealth record health-check results. All
// methods are safe for concurrent use (one mutex).
package elbv2
