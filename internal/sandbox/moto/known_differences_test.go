package moto

// AWS documentation the entries below cite.
const (
	apiRef = "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/"
	albUG  = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/"
	cwRef  = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/"
	nlbUG  = "https://docs.aws.amazon.com/elasticloadbalancing/latest/network/"
	nlbWTG = "https://aws.amazon.com/blogs/networking-and-content-delivery/network-load-balancers-now-support-weighted-target-groups"
)

// knownDifferences lists the steps where moto 5.2.1 and the sandbox
// disagree because moto does not do what AWS does. Keys are
// "service:scenario/step"; each value says what AWS does and cites the
// documentation that settles it. A disagreement not listed here fails the
// suite, and so does an entry that no longer differs.
//
// Most of moto's deviations are missing validation: it accepts values the
// AWS API reference puts out of range. Where one accepted bad write makes a
// later read-back differ too, the later entry says so.
var knownDifferences = map[string]string{
	// ---- load balancers ----
	"elbv2:load balancer lifecycle/create again with the same settings": "AWS: \"This operation is idempotent ... If you attempt to create multiple load balancers with the same settings, each call succeeds\" " +
		"(" + apiRef + "API_CreateLoadBalancer.html), i.e. the same load balancer comes back; moto replaces it with a new ARN.",
	"elbv2:load balancer lifecycle/describe by name": "moto's replacement ARN from the step above, and moto leaves Scheme empty where AWS reports the default " +
		"\"internet-facing\" (\"The default is an Internet-facing load balancer\", " + apiRef + "API_CreateLoadBalancer.html).",
	"elbv2:load balancer lifecycle/set idle timeout 0": "AWS: idle_timeout.timeout_seconds \"The valid range is 1-4000 seconds\" (" + apiRef + "API_LoadBalancerAttribute.html); moto accepts 0.",
	"elbv2:load balancer lifecycle/set an unknown attribute": "Both reject the key; AWS answers ValidationError \"Load balancer attribute key '…' is not recognized\" " +
		"(the supported keys are listed in " + apiRef + "API_LoadBalancerAttribute.html; AWS's actual answer is quoted in " +
		"https://github.com/hashicorp/terraform-provider-aws/issues/23971 and, as CloudTrail shows it, in " +
		"https://github.com/crossplane-contrib/provider-upjet-aws/issues/2075); moto answers InvalidConfigurationRequest.",
	"elbv2:load balancer validation/name of 33 characters":        "AWS: the name \"can have a maximum of 32 characters\" (" + apiRef + "API_CreateLoadBalancer.html); moto accepts 33.",
	"elbv2:load balancer validation/name with an underscore":      "AWS: the name \"must contain only alphanumeric characters or hyphens\" (" + apiRef + "API_CreateLoadBalancer.html); moto accepts '_'.",
	"elbv2:load balancer validation/name starting with a hyphen":  "AWS: the name \"must not begin or end with a hyphen\" (" + apiRef + "API_CreateLoadBalancer.html); moto accepts it.",
	"elbv2:load balancer validation/name starting with internal-": "AWS: the name \"must not begin with 'internal-'\" (" + apiRef + "API_CreateLoadBalancer.html); moto accepts it.",
	"elbv2:load balancer validation/application load balancer in one subnet": "AWS: \"[Application Load Balancers] You must specify subnets from at least two Availability Zones\" " +
		"(" + apiRef + "API_CreateLoadBalancer.html); moto accepts one subnet.",
	"elbv2:load balancer validation/unknown scheme": "AWS: Scheme valid values are internet-facing | internal (" + apiRef + "API_CreateLoadBalancer.html); moto accepts \"public\".",

	// ---- target groups ----
	"elbv2:target group lifecycle/create again with the same settings": "AWS: \"This operation is idempotent ... If you attempt to create multiple target groups with the same settings, each call succeeds\" " +
		"(" + apiRef + "API_CreateTargetGroup.html); moto answers DuplicateTargetGroupName.",
	"elbv2:target group lifecycle/default attributes": "AWS: stickiness.lb_cookie.duration_seconds \"The default value is 1 day (86400 seconds)\" and is returned with the other attributes " +
		"(" + apiRef + "API_TargetGroupAttribute.html); moto omits it.",
	"elbv2:target group lifecycle/stickiness duration 0":      "AWS: stickiness.lb_cookie.duration_seconds \"The range is 1 second to 1 week (604800 seconds)\" (" + apiRef + "API_TargetGroupAttribute.html); moto accepts 0.",
	"elbv2:target group lifecycle/stickiness duration 604801": "AWS: stickiness.lb_cookie.duration_seconds \"The range is 1 second to 1 week (604800 seconds)\" (" + apiRef + "API_TargetGroupAttribute.html); moto accepts 604801.",
	"elbv2:target group lifecycle/slow start 10 (below 30)":   "AWS: slow_start.duration_seconds \"The range is 30-900 seconds (15 minutes). The default is 0 seconds (disabled)\" (" + apiRef + "API_TargetGroupAttribute.html); moto accepts 10.",
	"elbv2:target group lifecycle/unknown attribute": "AWS accepts only the attribute keys listed in " + apiRef + "API_TargetGroupAttribute.html and rejects others " +
		"(ValidationError \"… is not recognized\", as for load balancer attributes); moto stores any key.",
	"elbv2:target group validation/port 65536":                "AWS: Port \"Valid Range: Minimum value of 1. Maximum value of 65535\" (" + apiRef + "API_CreateTargetGroup.html); moto accepts 65536.",
	"elbv2:target group validation/healthy threshold 1":       "AWS: HealthyThresholdCount \"Valid Range: Minimum value of 2. Maximum value of 10\" (" + apiRef + "API_CreateTargetGroup.html); moto accepts 1.",
	"elbv2:target group validation/health check interval 301": "AWS: HealthCheckIntervalSeconds \"Valid Range: Minimum value of 5. Maximum value of 300\" (" + apiRef + "API_CreateTargetGroup.html); moto accepts 301.",
	"elbv2:target group validation/matcher 700":               "AWS: \"For Application Load Balancers, you can specify values between 200 and 499\" (" + apiRef + "API_Matcher.html); moto accepts 700.",

	// ---- targets ----
	"elbv2:targets and health/describe target health": "AWS: state \"unused\" / reason Target.NotInUse: \"The target group is not used by any load balancer\" " +
		"(" + apiRef + "API_TargetHealth.html); the group here is attached to no load balancer, yet moto reports every target healthy.",
	"elbv2:targets and health/describe target health after deregistering": "Same as the step above: moto reports healthy where AWS reports unused/Target.NotInUse (" + apiRef + "API_TargetHealth.html).",
	"elbv2:targets and health/register a target on port 70000":            "AWS: TargetDescription Port \"Valid Range: Minimum value of 1. Maximum value of 65535\" (" + apiRef + "API_TargetDescription.html); moto accepts 70000.",

	// ---- network load balancers ----
	"elbv2:network load balancer weighted forward/weight 1000 on an NLB": "AWS: NLB target group weights are \"integers, with valid values from 0 – 999\" " +
		"(" + nlbWTG + "; TargetGroupTuple Weight \"The range is 0 to 999\", " + apiRef + "API_TargetGroupTuple.html); moto accepts 1000.",
	"elbv2:network load balancer weighted forward/group stickiness on an NLB forward": "Target group stickiness is the ALB's cookie-based stickiness of a forward action " +
		"(" + albUG + "load-balancer-listeners.html, forward actions; " + apiRef + "API_TargetGroupStickinessConfig.html: \"for a rule\"); the NLB guide describes " +
		"weighted target groups on listeners without it (" + nlbUG + "load-balancer-listeners.html) and offers stickiness only as the source_ip target group attribute " +
		"(" + nlbUG + "edit-target-group-attributes.html). The sandbox refuses it with ValidationError (its own wording: the documentation quotes no message); moto accepts it.",
	"elbv2:network load balancer weighted forward/HTTP group on a TCP listener": "AWS: a TCP listener forwards to TCP or TCP_UDP target groups " +
		"(" + nlbUG + "load-balancer-target-groups.html, routing configuration) and CreateListener/ModifyListener answer IncompatibleProtocols otherwise " +
		"(" + apiRef + "API_ModifyListener.html, Errors); moto accepts an HTTP group.",
	"elbv2:network load balancer weighted forward/rule on an NLB listener": "AWS: an NLB listener routes by its default action only (" + nlbUG + "load-balancer-listeners.html, " +
		"default actions); listener rules with conditions are an ALB feature (" + albUG + "listener-rules.html). The sandbox refuses CreateRule with ValidationError " +
		"(its own wording); moto creates the rule.",
	"elbv2:network load balancer weighted forward/rules of the NLB listener":                   "Consequence of the step above: moto created a rule on the NLB listener, so it lists two rules where AWS has only the default rule.",
	"elbv2:network load balancer weighted forward/NLB weights unchanged after rejected writes": "Consequence of the steps above: moto applied the writes AWS rejects, so its listener no longer holds 30/70.",

	// ---- listeners and weighted forwards ----
	"elbv2:listener weighted forward/delete the freed target group": "Eventual consistency: a target group released by its last listener or rule a moment ago still answers " +
		"ResourceInUse to DeleteTargetGroup on AWS for a while, which is why the AWS provider and the AWS Load Balancer Controller retry that call " +
		"(https://github.com/hashicorp/terraform-provider-aws/issues/636, https://github.com/kubernetes-sigs/aws-load-balancer-controller/issues/3037; " +
		"the API is eventually consistent: " + apiRef + "API_DeleteTargetGroup.html lists ResourceInUse); the sandbox models it for " +
		"elbv2.DefaultReleaseDelay (5s), moto deletes at once.",
	"elbv2:targets and health/register a publicly routable ip target": "AWS: for target type ip \"You can't specify publicly routable IP addresses\": " +
		"only the VPC's subnets, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 (RFC 1918) and 100.64.0.0/10 (RFC 6598) (" + apiRef + "API_CreateTargetGroup.html, TargetType; " +
		albUG + "load-balancer-target-groups.html#target-type); the sandbox answers InvalidTarget, moto registers 8.8.8.8.",
	"elbv2:tags/a tag key outside the tag pattern":   "AWS: Tag Key \"Pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$\" (" + apiRef + "API_Tag.html); moto accepts ';'.",
	"elbv2:tags/a tag value outside the tag pattern": "AWS: Tag Value \"Pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$\" (" + apiRef + "API_Tag.html); moto accepts '*'.",
	"elbv2:listener weighted forward/weight 1000":    "AWS: TargetGroupTuple Weight \"The range is 0 to 999\" (" + apiRef + "API_TargetGroupTuple.html); moto accepts 1000.",
	"elbv2:listener weighted forward/weight -1":      "AWS: TargetGroupTuple Weight \"The range is 0 to 999\" (" + apiRef + "API_TargetGroupTuple.html); moto accepts -1.",
	"elbv2:listener weighted forward/six target groups": "AWS: a forward action routes to at most five target groups (\"Target groups per action: 5\", " + albUG + "load-balancer-limits.html; " +
		"forward actions in " + albUG + "load-balancer-listeners.html); moto accepts six.",
	"elbv2:listener weighted forward/stickiness 0":      "AWS: TargetGroupStickinessConfig DurationSeconds \"The range is 1-604800 seconds (7 days)\" (" + apiRef + "API_TargetGroupStickinessConfig.html); moto accepts 0.",
	"elbv2:listener weighted forward/stickiness 604801": "AWS: TargetGroupStickinessConfig DurationSeconds \"The range is 1-604800 seconds (7 days)\" (" + apiRef + "API_TargetGroupStickinessConfig.html); moto accepts 604801.",
	"elbv2:listener weighted forward/unknown target group in the forward": "AWS: ModifyListener fails with TargetGroupNotFound \"The specified target group does not exist\" " +
		"(" + apiRef + "API_ModifyListener.html, Errors); moto accepts an ARN of no target group.",
	"elbv2:listener weighted forward/weights unchanged after rejected writes": "Consequence of the steps above: moto applied the invalid writes AWS rejects, so its listener no longer holds 60/40 with stickiness.",
	"elbv2:listener weighted forward/duplicate port 80": "AWS: CreateListener fails with DuplicateListener \"A listener with the specified port already exists\" " +
		"(" + apiRef + "API_CreateListener.html, Errors); moto creates a second listener on port 80.",
	"elbv2:listener weighted forward/move the second listener onto port 8080": "AWS refuses to move a listener onto a port another listener of the load balancer uses " +
		"(ModifyListener lists DuplicateListener \"A listener with the specified port already exists\", " + apiRef + "API_ModifyListener.html); " +
		"what AWS actually answers is ValidationError \"Listener port 'N' is already in use\" (quoted from AWS in " +
		"https://github.com/hashicorp/terraform/issues/26407 and https://github.com/aws/aws-cdk/issues/13901), which the sandbox returns. moto moves it.",
	"elbv2:listener weighted forward/listener port 0": "AWS: Port \"Valid Range: Minimum value of 1. Maximum value of 65535\" (" + apiRef + "API_CreateListener.html); moto accepts 0.",

	// ---- rules ----
	"elbv2:rules/priority 0":            "AWS: Priority \"Valid Range: Minimum value of 1. Maximum value of 50000\" (" + apiRef + "API_CreateRule.html); moto accepts 0.",
	"elbv2:rules/priority 50001":        "AWS: Priority \"Valid Range: Minimum value of 1. Maximum value of 50000\" (" + apiRef + "API_CreateRule.html); moto accepts 50001.",
	"elbv2:rules/weight 1000 in a rule": "AWS: TargetGroupTuple Weight \"The range is 0 to 999\" (" + apiRef + "API_TargetGroupTuple.html); moto accepts 1000.",
	"elbv2:rules/rule weight 1000":      "AWS: TargetGroupTuple Weight \"The range is 0 to 999\" (" + apiRef + "API_TargetGroupTuple.html); moto accepts 1000 in ModifyRule.",
	"elbv2:rules/swap priorities 10 and 20": "AWS: \"You can reorder the rules as long as there are no priority conflicts in the new order\" (" + apiRef + "API_SetRulePriorities.html); " +
		"swapping two rules in one call leaves no conflict, but moto checks each pair against the old order and answers PriorityInUse.",
	"elbv2:rules/priority of the default rule": "AWS: the default rule has no priority of its own — \"The default rule is evaluated last\" and it \"can't have conditions\" " +
		"(" + albUG + "load-balancer-listeners.html#listener-rules); SetRulePriorities lists OperationNotPermitted for this (" + apiRef + "API_SetRulePriorities.html). " +
		"moto gives the default rule priority 40.",
	"elbv2:rules/delete the default rule": "AWS: DeleteRule answers OperationNotPermitted for the default rule (" + apiRef + "API_DeleteRule.html, Errors; " +
		"the default rule is deleted only with its listener, " + albUG + "load-balancer-listeners.html#listener-rules); moto fails with HTTP 500.",
	"elbv2:rules/delete it again": "AWS: DeleteRule of a rule that no longer exists fails with RuleNotFound \"The specified rule does not exist\" (" + apiRef + "API_DeleteRule.html, Errors); moto succeeds.",

	// ---- tags ----
	"elbv2:tags/tags of an unknown load balancer": "AWS: DescribeTags fails with LoadBalancerNotFound \"The specified load balancer does not exist\" (" + apiRef + "API_DescribeTags.html, Errors); moto returns an empty tag set.",
	"elbv2:tags/51 tags": "AWS: AddTags fails with TooManyTags \"You've reached the limit on the number of tags for this resource\" (" + apiRef + "API_AddTags.html, Errors); " +
		"the limit is 50 tags per resource (" + albUG + "load-balancer-limits.html). moto accepts 51.",
	"elbv2:tags/a tag key of 129 characters": "AWS: Tag Key \"Length Constraints: Minimum length of 1. Maximum length of 128\" (" + apiRef + "API_Tag.html); moto accepts 129.",

	// ---- CloudWatch (sandbox over RPC v2 CBOR, moto over awsQuery) ----
	"cloudwatch:metrics/put into a reserved AWS/ namespace": "AWS: \"To avoid conflicts with AWS service namespaces, you should not specify a namespace that begins with AWS/\" " +
		"(" + cwRef + "API_PutMetricData.html); AWS enforces it with InvalidParameterValue \"The value AWS/… for parameter Namespace is invalid\" " +
		"(quoted from AWS in https://github.com/boto/boto3/issues/1847). moto accepts it.",
	"cloudwatch:metrics/list metrics": "AWS: a metric is identified by namespace, name and dimensions (" +
		"https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Metric) and ListMetrics lists each metric once " +
		"(" + cwRef + "API_ListMetrics.html); moto lists the same metric once per datapoint (3 for 3 values).",
	"cloudwatch:metrics/metric math arithmetic": "AWS evaluates metric math expressions (arithmetic, FILL, …) in GetMetricData " +
		"(" + cwRef + "API_MetricDataQuery.html, Expression; https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html); " +
		"moto 5.2.1 only returns the values of a query whose id is the whole expression, and an empty series otherwise.",
	"cloudwatch:metrics/duplicate query ids": "AWS: Id \"must be unique within a single call to GetMetricData\" " +
		"(" + cwRef + "API_MetricDataQuery.html, Id; ValidationError); moto accepts two queries with the same Id.",
	"cloudwatch:alarms/describe by name": "AWS: \"When this operation creates an alarm, the alarm state is immediately set to INSUFFICIENT_DATA\" " +
		"(" + cwRef + "API_PutMetricAlarm.html); moto creates alarms in OK.",
	"cloudwatch:alarms/alarms by prefix": "Same as \"describe by name\": the untouched alarm is INSUFFICIENT_DATA in AWS (" + cwRef + "API_PutMetricAlarm.html), OK in moto.",
}
