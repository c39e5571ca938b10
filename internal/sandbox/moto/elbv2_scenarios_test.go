package moto

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// elbv2Operations are the operations the sandbox's ELBv2 serves; the
// scenarios must call each of them.
var elbv2Operations = []string{
	"CreateLoadBalancer", "DescribeLoadBalancers", "DeleteLoadBalancer",
	"DescribeLoadBalancerAttributes", "ModifyLoadBalancerAttributes",
	"CreateTargetGroup", "DescribeTargetGroups", "ModifyTargetGroup", "DeleteTargetGroup",
	"DescribeTargetGroupAttributes", "ModifyTargetGroupAttributes",
	"RegisterTargets", "DeregisterTargets", "DescribeTargetHealth",
	"CreateListener", "DescribeListeners", "ModifyListener", "DeleteListener",
	"CreateRule", "DescribeRules", "ModifyRule", "DeleteRule", "SetRulePriorities",
	"AddTags", "RemoveTags", "DescribeTags",
}

// Well-formed ARNs of resources that exist on neither side.
const (
	missingLB       = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/missing/0123456789abcdef"
	missingTG       = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/missing/0123456789abcdef"
	missingListener = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/missing/0123456789abcdef/0123456789abcdef"
	missingRule     = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/missing/0123456789abcdef/0123456789abcdef/0123456789abcdef"
)

// ---- setup helpers (each records its step) --------------------------------

func (r *run) createLB(step, name, sym string) string {
	out, err := r.b.elb.CreateLoadBalancer(r.ctx, &elb.CreateLoadBalancerInput{
		Name: aws.String(name), Subnets: r.b.net.subnets[:2],
	})
	if !r.rec(step, err, nil) {
		return ""
	}
	lb := out.LoadBalancers[0]
	arn := r.name(aws.ToString(lb.LoadBalancerArn), sym)
	// Scheme and the rest are compared once, in "load balancer lifecycle".
	r.steps[len(r.steps)-1].fields = map[string]string{"arn": sym, "name": aws.ToString(lb.LoadBalancerName), "type": string(lb.Type)}
	return arn
}

func lbFields(r *run, lb types.LoadBalancer) map[string]string {
	return map[string]string{
		"arn": r.sym(lb.LoadBalancerArn), "name": aws.ToString(lb.LoadBalancerName),
		"type": string(lb.Type), "scheme": string(lb.Scheme), "ipAddressType": string(lb.IpAddressType),
		"azs": strconv.Itoa(len(lb.AvailabilityZones)),
		// VpcId is not compared: the sandbox has no EC2 to derive it from the subnets.
	}
}

func (r *run) createTG(step, name, sym string, port int32) string {
	out, err := r.b.elb.CreateTargetGroup(r.ctx, tgInput(r, name, port))
	if !r.rec(step, err, nil) {
		return ""
	}
	arn := r.name(aws.ToString(out.TargetGroups[0].TargetGroupArn), sym)
	r.steps[len(r.steps)-1].fields = tgFields(r, out.TargetGroups[0])
	return arn
}

func tgInput(r *run, name string, port int32) *elb.CreateTargetGroupInput {
	return &elb.CreateTargetGroupInput{
		Name: aws.String(name), Protocol: types.ProtocolEnumHttp, Port: aws.Int32(port),
		VpcId: aws.String(r.b.net.vpcID), TargetType: types.TargetTypeEnumIp,
	}
}

func tgFields(r *run, tg types.TargetGroup) map[string]string {
	f := map[string]string{
		"arn": r.sym(tg.TargetGroupArn), "name": aws.ToString(tg.TargetGroupName),
		"protocol": string(tg.Protocol), "port": i32(tg.Port), "targetType": string(tg.TargetType),
		"hc.path": aws.ToString(tg.HealthCheckPath), "hc.protocol": string(tg.HealthCheckProtocol),
		"hc.port": aws.ToString(tg.HealthCheckPort), "hc.interval": i32(tg.HealthCheckIntervalSeconds),
		"hc.timeout": i32(tg.HealthCheckTimeoutSeconds), "hc.healthy": i32(tg.HealthyThresholdCount),
		"hc.unhealthy": i32(tg.UnhealthyThresholdCount), "hc.enabled": boolStr(aws.ToBool(tg.HealthCheckEnabled)),
		"vpc": boolStr(aws.ToString(tg.VpcId) == r.b.net.vpcID),
	}
	if tg.Matcher != nil {
		f["matcher"] = aws.ToString(tg.Matcher.HttpCode)
	}
	var lbs []string
	for _, a := range tg.LoadBalancerArns {
		lbs = append(lbs, r.sym(aws.String(a)))
	}
	f["lbs"] = strings.Join(lbs, ",")
	return f
}

func (r *run) createListener(step, lb, sym string, port int32, actions []types.Action) string {
	out, err := r.b.elb.CreateListener(r.ctx, &elb.CreateListenerInput{
		LoadBalancerArn: aws.String(lb), Port: aws.Int32(port), Protocol: types.ProtocolEnumHttp, DefaultActions: actions,
	})
	if !r.rec(step, err, nil) {
		return ""
	}
	arn := r.name(aws.ToString(out.Listeners[0].ListenerArn), sym)
	r.steps[len(r.steps)-1].fields = listenerFields(r, out.Listeners[0])
	return arn
}

func listenerFields(r *run, l types.Listener) map[string]string {
	f := map[string]string{
		"arn": r.sym(l.ListenerArn), "lb": r.sym(l.LoadBalancerArn),
		"port": i32(l.Port), "protocol": string(l.Protocol),
	}
	addActions(r, f, "action", l.DefaultActions)
	return f
}

// addActions records actions as type, weights per symbolic target group and
// stickiness — what the provider reads back.
func addActions(r *run, f map[string]string, prefix string, actions []types.Action) {
	for i, a := range actions {
		p := fmt.Sprintf("%s%d.", prefix, i+1)
		f[p+"type"] = string(a.Type)
		if a.ForwardConfig != nil {
			var ws []string
			for _, tg := range a.ForwardConfig.TargetGroups {
				ws = append(ws, r.sym(tg.TargetGroupArn)+":"+i32(tg.Weight))
			}
			sort.Strings(ws)
			f[p+"weights"] = strings.Join(ws, ",")
			if sc := a.ForwardConfig.TargetGroupStickinessConfig; sc != nil && aws.ToBool(sc.Enabled) {
				f[p+"stickiness"] = i32(sc.DurationSeconds)
			}
		} else if a.TargetGroupArn != nil {
			f[p+"weights"] = r.sym(a.TargetGroupArn) + ":1"
		}
		if a.FixedResponseConfig != nil {
			f[p+"status"] = aws.ToString(a.FixedResponseConfig.StatusCode)
		}
	}
}

func forward(tgs ...any) []types.Action {
	fc := &types.ForwardActionConfig{}
	for i := 0; i+1 < len(tgs); i += 2 {
		fc.TargetGroups = append(fc.TargetGroups, types.TargetGroupTuple{
			TargetGroupArn: aws.String(tgs[i].(string)), Weight: aws.Int32(int32(tgs[i+1].(int))),
		})
	}
	return []types.Action{{Type: types.ActionTypeEnumForward, ForwardConfig: fc}}
}

func sticky(seconds int32, actions []types.Action) []types.Action {
	actions[0].ForwardConfig.TargetGroupStickinessConfig = &types.TargetGroupStickinessConfig{
		Enabled: aws.Bool(true), DurationSeconds: aws.Int32(seconds),
	}
	return actions
}

func fixedResponse(code string) []types.Action {
	return []types.Action{{Type: types.ActionTypeEnumFixedResponse, FixedResponseConfig: &types.FixedResponseActionConfig{
		StatusCode: aws.String(code), ContentType: aws.String("text/plain"), MessageBody: aws.String("down"),
	}}}
}

func pathIs(p string) []types.RuleCondition {
	return []types.RuleCondition{{Field: aws.String("path-pattern"), PathPatternConfig: &types.PathPatternConditionConfig{Values: []string{p}}}}
}

func ruleFields(r *run, rule types.Rule) map[string]string {
	f := map[string]string{"arn": r.sym(rule.RuleArn), "priority": aws.ToString(rule.Priority), "default": boolStr(aws.ToBool(rule.IsDefault))}
	var conds []string
	for _, c := range rule.Conditions {
		vals := c.Values
		if c.PathPatternConfig != nil {
			vals = c.PathPatternConfig.Values
		}
		conds = append(conds, aws.ToString(c.Field)+"="+strings.Join(vals, "|"))
	}
	f["conditions"] = strings.Join(conds, ",")
	addActions(r, f, "action", rule.Actions)
	return f
}

func i32(p *int32) string {
	if p == nil {
		return "nil"
	}
	return strconv.Itoa(int(*p))
}

func boolStr(b bool) string { return strconv.FormatBool(b) }

func attrMap(keys []string, get func(string) (string, bool)) map[string]string {
	f := map[string]string{}
	for _, k := range keys {
		if v, ok := get(k); ok {
			f[k] = v
		} else {
			f[k] = "(absent)"
		}
	}
	return f
}

func tgAttrs(r *run, step, tg string, keys ...string) {
	out, err := r.b.elb.DescribeTargetGroupAttributes(r.ctx, &elb.DescribeTargetGroupAttributesInput{TargetGroupArn: aws.String(tg)})
	if err != nil {
		r.rec(step, err, nil)
		return
	}
	r.rec(step, nil, attrMap(keys, func(k string) (string, bool) {
		for _, a := range out.Attributes {
			if aws.ToString(a.Key) == k {
				return aws.ToString(a.Value), true
			}
		}
		return "", false
	}))
}

func setTGAttr(r *run, step, tg string, kv ...string) {
	var attrs []types.TargetGroupAttribute
	for i := 0; i+1 < len(kv); i += 2 {
		attrs = append(attrs, types.TargetGroupAttribute{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	_, err := r.b.elb.ModifyTargetGroupAttributes(r.ctx, &elb.ModifyTargetGroupAttributesInput{TargetGroupArn: aws.String(tg), Attributes: attrs})
	r.rec(step, err, nil)
}

func (r *run) describeListener(step, arn string) {
	out, err := r.b.elb.DescribeListeners(r.ctx, &elb.DescribeListenersInput{ListenerArns: []string{arn}})
	if err != nil || len(out.Listeners) != 1 {
		r.rec(step, err, map[string]string{"count": countOf(out)})
		return
	}
	r.rec(step, nil, listenerFields(r, out.Listeners[0]))
}

func countOf(out *elb.DescribeListenersOutput) string {
	if out == nil {
		return "0"
	}
	return strconv.Itoa(len(out.Listeners))
}

func (r *run) modifyListener(step, arn string, actions []types.Action) {
	_, err := r.b.elb.ModifyListener(r.ctx, &elb.ModifyListenerInput{ListenerArn: aws.String(arn), DefaultActions: actions})
	r.rec(step, err, nil)
}

// ---- scenarios ---------------------------------------------------------------

func elbv2Scenarios() []scenario {
	return []scenario{
		{"load balancer lifecycle", func(r *run) {
			lb := r.createLB("create", "d-lb-life", "lb")
			again, err := r.b.elb.CreateLoadBalancer(r.ctx, &elb.CreateLoadBalancerInput{Name: aws.String("d-lb-life"), Subnets: r.b.net.subnets[:2]})
			if err == nil {
				r.rec("create again with the same settings", nil, map[string]string{"arn": r.sym(again.LoadBalancers[0].LoadBalancerArn)})
			} else {
				r.rec("create again with the same settings", err, nil)
			}

			out, err := r.b.elb.DescribeLoadBalancers(r.ctx, &elb.DescribeLoadBalancersInput{Names: []string{"d-lb-life"}})
			if r.rec("describe by name", err, nil) {
				r.steps[len(r.steps)-1].fields = map[string]string{"count": strconv.Itoa(len(out.LoadBalancers))}
				if len(out.LoadBalancers) == 1 {
					r.steps[len(r.steps)-1].fields = lbFields(r, out.LoadBalancers[0])
				}
			}
			_, err = r.b.elb.DescribeLoadBalancers(r.ctx, &elb.DescribeLoadBalancersInput{Names: []string{"d-no-such-lb"}})
			r.rec("describe an unknown name", err, nil)
			_, err = r.b.elb.DescribeLoadBalancers(r.ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{missingLB}})
			r.rec("describe an unknown ARN", err, nil)

			_, err = r.b.elb.ModifyLoadBalancerAttributes(r.ctx, &elb.ModifyLoadBalancerAttributesInput{LoadBalancerArn: aws.String(lb),
				Attributes: []types.LoadBalancerAttribute{{Key: aws.String("idle_timeout.timeout_seconds"), Value: aws.String("120")}}})
			r.rec("set idle timeout 120", err, nil)
			attrs, err := r.b.elb.DescribeLoadBalancerAttributes(r.ctx, &elb.DescribeLoadBalancerAttributesInput{LoadBalancerArn: aws.String(lb)})
			if err != nil {
				r.rec("read attributes", err, nil)
			} else {
				r.rec("read attributes", nil, attrMap([]string{"idle_timeout.timeout_seconds", "deletion_protection.enabled"}, func(k string) (string, bool) {
					for _, a := range attrs.Attributes {
						if aws.ToString(a.Key) == k {
							return aws.ToString(a.Value), true
						}
					}
					return "", false
				}))
			}
			_, err = r.b.elb.ModifyLoadBalancerAttributes(r.ctx, &elb.ModifyLoadBalancerAttributesInput{LoadBalancerArn: aws.String(lb),
				Attributes: []types.LoadBalancerAttribute{{Key: aws.String("idle_timeout.timeout_seconds"), Value: aws.String("0")}}})
			r.rec("set idle timeout 0", err, nil)
			_, err = r.b.elb.ModifyLoadBalancerAttributes(r.ctx, &elb.ModifyLoadBalancerAttributesInput{LoadBalancerArn: aws.String(lb),
				Attributes: []types.LoadBalancerAttribute{{Key: aws.String("no.such.attribute"), Value: aws.String("1")}}})
			r.rec("set an unknown attribute", err, nil)
			_, err = r.b.elb.ModifyLoadBalancerAttributes(r.ctx, &elb.ModifyLoadBalancerAttributesInput{LoadBalancerArn: aws.String(missingLB),
				Attributes: []types.LoadBalancerAttribute{{Key: aws.String("idle_timeout.timeout_seconds"), Value: aws.String("60")}}})
			r.rec("set attributes of an unknown load balancer", err, nil)
			_, err = r.b.elb.DescribeLoadBalancerAttributes(r.ctx, &elb.DescribeLoadBalancerAttributesInput{LoadBalancerArn: aws.String(missingLB)})
			r.rec("read attributes of an unknown load balancer", err, nil)

			_, err = r.b.elb.DeleteLoadBalancer(r.ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(lb)})
			r.rec("delete", err, nil)
			_, err = r.b.elb.DescribeLoadBalancers(r.ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{lb}})
			r.rec("describe after delete", err, nil)
			_, err = r.b.elb.DeleteLoadBalancer(r.ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(lb)})
			r.rec("delete again", err, nil)
		}},

		{"load balancer validation", func(r *run) {
			for _, c := range []struct{ step, name string }{
				{"name of 33 characters", strings.Repeat("a", 33)},
				{"name with an underscore", "d_lb"},
				{"name starting with a hyphen", "-dlb"},
				{"name starting with internal-", "internal-dlb"},
			} {
				_, err := r.b.elb.CreateLoadBalancer(r.ctx, &elb.CreateLoadBalancerInput{Name: aws.String(c.name), Subnets: r.b.net.subnets[:2]})
				r.rec(c.step, err, nil)
			}
			_, err := r.b.elb.CreateLoadBalancer(r.ctx, &elb.CreateLoadBalancerInput{Name: aws.String("d-one-subnet"), Subnets: r.b.net.subnets[:1]})
			r.rec("application load balancer in one subnet", err, nil)
			_, err = r.b.elb.CreateLoadBalancer(r.ctx, &elb.CreateLoadBalancerInput{Name: aws.String("d-bad-scheme"), Subnets: r.b.net.subnets[:2], Scheme: "public"})
			r.rec("unknown scheme", err, nil)
		}},

		{"target group lifecycle", func(r *run) {
			tg := r.createTG("create", "d-tg-life", "tg", 8080)
			out, err := r.b.elb.CreateTargetGroup(r.ctx, tgInput(r, "d-tg-life", 8080))
			f := map[string]string{}
			if err == nil {
				f["arn"] = r.sym(out.TargetGroups[0].TargetGroupArn)
			}
			r.rec("create again with the same settings", err, f)
			_, err = r.b.elb.CreateTargetGroup(r.ctx, tgInput(r, "d-tg-life", 9090))
			r.rec("create again with another port", err, nil)

			d, err := r.b.elb.DescribeTargetGroups(r.ctx, &elb.DescribeTargetGroupsInput{Names: []string{"d-tg-life"}})
			if err != nil || len(d.TargetGroups) != 1 {
				r.rec("describe by name", err, nil)
			} else {
				r.rec("describe by name", nil, tgFields(r, d.TargetGroups[0]))
			}
			_, err = r.b.elb.DescribeTargetGroups(r.ctx, &elb.DescribeTargetGroupsInput{Names: []string{"d-no-such-tg"}})
			r.rec("describe an unknown name", err, nil)
			_, err = r.b.elb.DescribeTargetGroups(r.ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{missingTG}})
			r.rec("describe an unknown ARN", err, nil)

			m, err := r.b.elb.ModifyTargetGroup(r.ctx, &elb.ModifyTargetGroupInput{TargetGroupArn: aws.String(tg),
				HealthCheckPath: aws.String("/healthz"), HealthCheckIntervalSeconds: aws.Int32(10),
				HealthCheckTimeoutSeconds: aws.Int32(5), HealthyThresholdCount: aws.Int32(3),
				Matcher: &types.Matcher{HttpCode: aws.String("200-299")}})
			if err != nil || len(m.TargetGroups) != 1 {
				r.rec("modify health check", err, nil)
			} else {
				r.rec("modify health check", nil, tgFields(r, m.TargetGroups[0]))
			}
			_, err = r.b.elb.ModifyTargetGroup(r.ctx, &elb.ModifyTargetGroupInput{TargetGroupArn: aws.String(missingTG), HealthCheckPath: aws.String("/")})
			r.rec("modify an unknown target group", err, nil)

			keys := []string{"deregistration_delay.timeout_seconds", "stickiness.enabled", "stickiness.type",
				"stickiness.lb_cookie.duration_seconds", "slow_start.duration_seconds", "load_balancing.algorithm.type"}
			tgAttrs(r, "default attributes", tg, keys...)
			setTGAttr(r, "set draining, stickiness and slow start", tg,
				"deregistration_delay.timeout_seconds", "30", "stickiness.enabled", "true",
				"stickiness.lb_cookie.duration_seconds", "3600", "slow_start.duration_seconds", "60")
			tgAttrs(r, "read attributes back", tg, keys...)
			setTGAttr(r, "stickiness duration 0", tg, "stickiness.lb_cookie.duration_seconds", "0")
			setTGAttr(r, "stickiness duration 604801", tg, "stickiness.lb_cookie.duration_seconds", "604801")
			setTGAttr(r, "stickiness duration 604800", tg, "stickiness.lb_cookie.duration_seconds", "604800")
			setTGAttr(r, "deregistration delay 3601", tg, "deregistration_delay.timeout_seconds", "3601")
			setTGAttr(r, "slow start 10 (below 30)", tg, "slow_start.duration_seconds", "10")
			setTGAttr(r, "unknown attribute", tg, "no.such.attribute", "1")
			setTGAttr(r, "attributes of an unknown target group", missingTG, "stickiness.enabled", "true")
			_, err = r.b.elb.DescribeTargetGroupAttributes(r.ctx, &elb.DescribeTargetGroupAttributesInput{TargetGroupArn: aws.String(missingTG)})
			r.rec("read attributes of an unknown target group", err, nil)

			_, err = r.b.elb.DeleteTargetGroup(r.ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: aws.String(tg)})
			r.rec("delete", err, nil)
			_, err = r.b.elb.DescribeTargetGroups(r.ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{tg}})
			r.rec("describe after delete", err, nil)
		}},

		{"target group validation", func(r *run) {
			n := 0
			try := func(step string, mutate func(in *elb.CreateTargetGroupInput)) {
				n++
				in := tgInput(r, fmt.Sprintf("d-tg-val-%d", n), 80)
				mutate(in)
				_, err := r.b.elb.CreateTargetGroup(r.ctx, in)
				r.rec(step, err, nil)
			}
			try("name of 33 characters", func(in *elb.CreateTargetGroupInput) { in.Name = aws.String(strings.Repeat("t", 33)) })
			try("name with an underscore", func(in *elb.CreateTargetGroupInput) { in.Name = aws.String("d_tg") })
			try("name ending with a hyphen", func(in *elb.CreateTargetGroupInput) { in.Name = aws.String("dtg-") })
			try("port 0", func(in *elb.CreateTargetGroupInput) { in.Port = aws.Int32(0) })
			try("port 65536", func(in *elb.CreateTargetGroupInput) { in.Port = aws.Int32(65536) })
			try("unknown protocol", func(in *elb.CreateTargetGroupInput) { in.Protocol = "FTP" })
			try("no VPC for an ip target group", func(in *elb.CreateTargetGroupInput) { in.VpcId = nil })
			try("a VPC that does not exist", func(in *elb.CreateTargetGroupInput) { in.VpcId = aws.String("vpc-0fedcba9876543210") })
			try("health check timeout above the interval", func(in *elb.CreateTargetGroupInput) {
				in.HealthCheckIntervalSeconds, in.HealthCheckTimeoutSeconds = aws.Int32(5), aws.Int32(10)
			})
			try("healthy threshold 1", func(in *elb.CreateTargetGroupInput) { in.HealthyThresholdCount = aws.Int32(1) })
			try("health check interval 301", func(in *elb.CreateTargetGroupInput) { in.HealthCheckIntervalSeconds = aws.Int32(301) })
			try("matcher 700", func(in *elb.CreateTargetGroupInput) { in.Matcher = &types.Matcher{HttpCode: aws.String("700")} })
		}},

		{"targets and health", func(r *run) {
			tg := r.createTG("create target group", "d-tg-health", "tg", 8080)
			_, err := r.b.elb.RegisterTargets(r.ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(tg), Targets: []types.TargetDescription{
				{Id: aws.String("10.0.1.5")}, {Id: aws.String("10.0.1.6"), Port: aws.Int32(9090)},
			}})
			r.rec("register two targets", err, nil)
			health := func(step string) {
				out, err := r.b.elb.DescribeTargetHealth(r.ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg)})
				if err != nil {
					r.rec(step, err, nil)
					return
				}
				f := map[string]string{"count": strconv.Itoa(len(out.TargetHealthDescriptions))}
				for _, d := range out.TargetHealthDescriptions {
					k := aws.ToString(d.Target.Id) + ":" + i32(d.Target.Port)
					f[k] = "registered"
					if d.TargetHealth != nil {
						f[k+".state"] = string(d.TargetHealth.State)
						f[k+".reason"] = string(d.TargetHealth.Reason)
					}
				}
				r.rec(step, nil, f)
			}
			health("describe target health")
			_, err = r.b.elb.DeregisterTargets(r.ctx, &elb.DeregisterTargetsInput{TargetGroupArn: aws.String(tg), Targets: []types.TargetDescription{
				{Id: aws.String("10.0.1.6"), Port: aws.Int32(9090)},
			}})
			r.rec("deregister one target", err, nil)
			health("describe target health after deregistering")
			_, err = r.b.elb.RegisterTargets(r.ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(missingTG), Targets: []types.TargetDescription{{Id: aws.String("10.0.1.7")}}})
			r.rec("register with an unknown target group", err, nil)
			_, err = r.b.elb.DeregisterTargets(r.ctx, &elb.DeregisterTargetsInput{TargetGroupArn: aws.String(missingTG), Targets: []types.TargetDescription{{Id: aws.String("10.0.1.7")}}})
			r.rec("deregister from an unknown target group", err, nil)
			_, err = r.b.elb.DescribeTargetHealth(r.ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(missingTG)})
			r.rec("health of an unknown target group", err, nil)
			_, err = r.b.elb.RegisterTargets(r.ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(tg), Targets: []types.TargetDescription{{Id: aws.String("10.0.1.8"), Port: aws.Int32(70000)}}})
			r.rec("register a target on port 70000", err, nil)
			_, err = r.b.elb.RegisterTargets(r.ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(tg), Targets: []types.TargetDescription{{Id: aws.String("8.8.8.8"), Port: aws.Int32(80)}}})
			r.rec("register a publicly routable ip target", err, nil)
		}},

		{"network load balancer weighted forward", func(r *run) {
			// NLB listeners take weighted target groups on their default
			// action (AWS blog "Network Load Balancers now support Weighted
			// Target Groups"); they have no rules and no group stickiness.
			nlbOut, err := r.b.elb.CreateLoadBalancer(r.ctx, &elb.CreateLoadBalancerInput{Name: aws.String("d-nlb"),
				Type: types.LoadBalancerTypeEnumNetwork, Subnets: r.b.net.subnets[:1]})
			if !r.rec("create network load balancer", err, nil) {
				return
			}
			lb := r.name(aws.ToString(nlbOut.LoadBalancers[0].LoadBalancerArn), "nlb")
			r.steps[len(r.steps)-1].fields = map[string]string{"arn": "nlb", "type": string(nlbOut.LoadBalancers[0].Type)}
			tcp := func(step, name, sym string) string {
				in := tgInput(r, name, 8080)
				in.Protocol = types.ProtocolEnumTcp
				out, err := r.b.elb.CreateTargetGroup(r.ctx, in)
				if !r.rec(step, err, nil) {
					return ""
				}
				r.steps[len(r.steps)-1].fields = map[string]string{"protocol": string(out.TargetGroups[0].Protocol)}
				return r.name(aws.ToString(out.TargetGroups[0].TargetGroupArn), sym)
			}
			blue, green := tcp("create TCP blue", "d-nlb-blue", "nblue"), tcp("create TCP green", "d-nlb-green", "ngreen")
			web := r.createTG("create HTTP group", "d-nlb-web", "nweb", 8080)
			lo, err := r.b.elb.CreateListener(r.ctx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(lb), Port: aws.Int32(443),
				Protocol: types.ProtocolEnumTcp, DefaultActions: forward(blue, 100, green, 0)})
			if !r.rec("create TCP listener 100/0", err, nil) {
				return
			}
			l := r.name(aws.ToString(lo.Listeners[0].ListenerArn), "nlistener")
			r.steps[len(r.steps)-1].fields = listenerFields(r, lo.Listeners[0])
			r.modifyListener("shift to 30/70", l, forward(blue, 30, green, 70))
			r.describeListener("read the NLB weights back", l)
			r.modifyListener("weight 1000 on an NLB", l, forward(blue, 1000, green, 0))
			r.modifyListener("group stickiness on an NLB forward", l, sticky(300, forward(blue, 50, green, 50)))
			r.modifyListener("HTTP group on a TCP listener", l, forward(blue, 50, web, 50))
			_, err = r.b.elb.CreateRule(r.ctx, &elb.CreateRuleInput{ListenerArn: aws.String(l), Priority: aws.Int32(10),
				Conditions: pathIs("/api/*"), Actions: forward(green, 1)})
			r.rec("rule on an NLB listener", err, nil)
			rules, err := r.b.elb.DescribeRules(r.ctx, &elb.DescribeRulesInput{ListenerArn: aws.String(l)})
			f := map[string]string{}
			if err == nil {
				f["count"] = strconv.Itoa(len(rules.Rules))
			}
			r.rec("rules of the NLB listener", err, f)
			r.describeListener("NLB weights unchanged after rejected writes", l)
		}},
		{"listener weighted forward", func(r *run) {
			lb := r.createLB("create load balancer", "d-lb-fwd", "lb")
			blue := r.createTG("create blue", "d-fwd-blue", "blue", 8080)
			green := r.createTG("create green", "d-fwd-green", "green", 8080)
			var extra []any
			for i := 1; i <= 4; i++ {
				extra = append(extra, r.createTG(fmt.Sprintf("create extra %d", i), fmt.Sprintf("d-fwd-x%d", i), fmt.Sprintf("x%d", i), 8080), 1)
			}
			l := r.createListener("create listener 100/0", lb, "listener", 80, forward(blue, 100, green, 0))

			out, err := r.b.elb.DescribeListeners(r.ctx, &elb.DescribeListenersInput{LoadBalancerArn: aws.String(lb)})
			if err != nil || len(out.Listeners) != 1 {
				r.rec("describe listeners of the load balancer", err, map[string]string{"count": countOf(out)})
			} else {
				r.rec("describe listeners of the load balancer", nil, listenerFields(r, out.Listeners[0]))
			}
			r.modifyListener("shift to 60/40 with stickiness 300s", l, sticky(300, forward(blue, 60, green, 40)))
			r.describeListener("read weights back", l)

			r.modifyListener("weight 1000", l, forward(blue, 1000, green, 0))
			r.modifyListener("weight -1", l, forward(blue, -1, green, 1))
			r.modifyListener("six target groups", l, forward(append([]any{blue, 1, green, 1}, extra...)...))
			r.modifyListener("stickiness 0", l, sticky(0, forward(blue, 50, green, 50)))
			r.modifyListener("stickiness 604801", l, sticky(604801, forward(blue, 50, green, 50)))
			r.modifyListener("unknown target group in the forward", l, forward(blue, 50, missingTG, 50))
			r.describeListener("weights unchanged after rejected writes", l)
			r.modifyListener("weights 999/0", l, forward(blue, 999, green, 0))
			r.modifyListener("weights 0/0", l, forward(blue, 0, green, 0))
			r.modifyListener("back to 60/40", l, forward(blue, 60, green, 40))

			_, err = r.b.elb.DeleteTargetGroup(r.ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: aws.String(blue)})
			r.rec("delete a target group in use", err, nil)
			d, err := r.b.elb.DescribeTargetGroups(r.ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{blue}})
			if err != nil {
				r.rec("target group shows its load balancer", err, nil)
			} else {
				r.rec("target group shows its load balancer", nil, map[string]string{"lbs": tgFields(r, d.TargetGroups[0])["lbs"]})
			}
			d, err = r.b.elb.DescribeTargetGroups(r.ctx, &elb.DescribeTargetGroupsInput{LoadBalancerArn: aws.String(lb)})
			if err != nil {
				r.rec("target groups of the load balancer", err, nil)
			} else {
				var names []string
				for _, tg := range d.TargetGroups {
					names = append(names, r.sym(tg.TargetGroupArn))
				}
				sort.Strings(names)
				r.rec("target groups of the load balancer", nil, map[string]string{"tgs": strings.Join(names, ",")})
			}

			r.createListener("duplicate port 80", lb, "dup", 80, forward(blue, 1))
			r.createListener("listener on an unknown load balancer", missingLB, "nolb", 81, forward(blue, 1))
			r.createListener("listener port 0", lb, "port0", 0, forward(blue, 1))
			r.modifyListener("modify an unknown listener", missingListener, forward(blue, 1))
			r.describeListener("describe an unknown listener", missingListener)
			_, err = r.b.elb.DescribeListeners(r.ctx, &elb.DescribeListenersInput{LoadBalancerArn: aws.String(missingLB)})
			r.rec("listeners of an unknown load balancer", err, nil)

			_, err = r.b.elb.ModifyListener(r.ctx, &elb.ModifyListenerInput{ListenerArn: aws.String(l), Port: aws.Int32(8080)})
			r.rec("move the listener to port 8080", err, nil)
			r.describeListener("read the port back", l)
			l2 := r.createListener("second listener with a fixed response", lb, "listener2", 8081, fixedResponse("503"))
			_, err = r.b.elb.ModifyListener(r.ctx, &elb.ModifyListenerInput{ListenerArn: aws.String(l2), Port: aws.Int32(8080)})
			r.rec("move the second listener onto port 8080", err, nil)
			_, err = r.b.elb.DeleteListener(r.ctx, &elb.DeleteListenerInput{ListenerArn: aws.String(l2)})
			r.rec("delete the second listener", err, nil)
			_, err = r.b.elb.DeleteListener(r.ctx, &elb.DeleteListenerInput{ListenerArn: aws.String(l2)})
			r.rec("delete it again", err, nil)

			_, err = r.b.elb.DeleteLoadBalancer(r.ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(lb)})
			r.rec("delete the load balancer", err, nil)
			r.describeListener("its listener is gone", l)
			_, err = r.b.elb.DeleteTargetGroup(r.ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: aws.String(blue)})
			r.rec("delete the freed target group", err, nil)
		}},

		{"rules", func(r *run) {
			lb := r.createLB("create load balancer", "d-lb-rules", "lb")
			blue := r.createTG("create blue", "d-rule-blue", "blue", 8080)
			green := r.createTG("create green", "d-rule-green", "green", 8080)
			l := r.createListener("create listener", lb, "listener", 80, forward(blue, 100, green, 0))

			create := func(step, sym string, prio int32, path string, actions []types.Action) string {
				out, err := r.b.elb.CreateRule(r.ctx, &elb.CreateRuleInput{ListenerArn: aws.String(l), Priority: aws.Int32(prio), Conditions: pathIs(path), Actions: actions})
				if !r.rec(step, err, nil) {
					return ""
				}
				arn := r.name(aws.ToString(out.Rules[0].RuleArn), sym)
				r.steps[len(r.steps)-1].fields = ruleFields(r, out.Rules[0])
				return arn
			}
			r1 := create("create rule 10", "rule10", 10, "/api/*", forward(blue, 50, green, 50))
			create("priority 10 again", "dup", 10, "/other/*", forward(blue, 1))
			create("priority 0", "p0", 0, "/zero/*", forward(blue, 1))
			create("priority 50001", "pmax", 50001, "/big/*", forward(blue, 1))
			create("weight 1000 in a rule", "w1000", 11, "/w/*", forward(blue, 1000))
			_, err := r.b.elb.CreateRule(r.ctx, &elb.CreateRuleInput{ListenerArn: aws.String(l), Priority: aws.Int32(12), Actions: forward(blue, 1)})
			r.rec("rule without conditions", err, nil)
			_, err = r.b.elb.CreateRule(r.ctx, &elb.CreateRuleInput{ListenerArn: aws.String(missingListener), Priority: aws.Int32(13), Conditions: pathIs("/x"), Actions: forward(blue, 1)})
			r.rec("rule on an unknown listener", err, nil)
			r2 := create("create rule 20", "rule20", 20, "/b/*", fixedResponse("404"))

			rules, err := r.b.elb.DescribeRules(r.ctx, &elb.DescribeRulesInput{ListenerArn: aws.String(l)})
			var defaultRule string
			if err != nil {
				r.rec("describe the listener's rules", err, nil)
			} else {
				f := map[string]string{}
				for _, rule := range rules.Rules {
					if aws.ToBool(rule.IsDefault) {
						defaultRule = r.name(aws.ToString(rule.RuleArn), "default-rule")
					}
					switch r.sym(rule.RuleArn) {
					case "rule10", "rule20", "default-rule":
					default:
						continue // accepted by one side only: already reported where it was created
					}
					for k, v := range ruleFields(r, rule) {
						f[aws.ToString(rule.Priority)+"."+k] = v
					}
				}
				r.rec("describe the listener's rules", nil, f)
			}

			_, err = r.b.elb.ModifyRule(r.ctx, &elb.ModifyRuleInput{RuleArn: aws.String(r1), Actions: sticky(60, forward(blue, 10, green, 90))})
			r.rec("shift the rule to 10/90", err, nil)
			got, err := r.b.elb.DescribeRules(r.ctx, &elb.DescribeRulesInput{RuleArns: []string{r1}})
			if err != nil || len(got.Rules) != 1 {
				r.rec("read the rule back", err, nil)
			} else {
				r.rec("read the rule back", nil, ruleFields(r, got.Rules[0]))
			}
			_, err = r.b.elb.ModifyRule(r.ctx, &elb.ModifyRuleInput{RuleArn: aws.String(r1), Actions: forward(blue, 1, green, 1000)})
			r.rec("rule weight 1000", err, nil)
			_, err = r.b.elb.ModifyRule(r.ctx, &elb.ModifyRuleInput{RuleArn: aws.String(missingRule), Actions: forward(blue, 1)})
			r.rec("modify an unknown rule", err, nil)
			_, err = r.b.elb.DescribeRules(r.ctx, &elb.DescribeRulesInput{RuleArns: []string{missingRule}})
			r.rec("describe an unknown rule", err, nil)
			_, err = r.b.elb.DescribeRules(r.ctx, &elb.DescribeRulesInput{ListenerArn: aws.String(missingListener)})
			r.rec("rules of an unknown listener", err, nil)

			prio := func(step string, pairs ...any) {
				var in []types.RulePriorityPair
				for i := 0; i+1 < len(pairs); i += 2 {
					in = append(in, types.RulePriorityPair{RuleArn: aws.String(pairs[i].(string)), Priority: aws.Int32(int32(pairs[i+1].(int)))})
				}
				out, err := r.b.elb.SetRulePriorities(r.ctx, &elb.SetRulePrioritiesInput{RulePriorities: in})
				f := map[string]string{}
				if err == nil {
					for _, rule := range out.Rules {
						f[r.sym(rule.RuleArn)] = aws.ToString(rule.Priority)
					}
				}
				r.rec(step, err, f)
			}
			prio("swap priorities 10 and 20", r1, 20, r2, 10)
			prio("move a rule onto a priority in use", r1, 10)
			prio("priorities of an unknown rule", missingRule, 30)
			prio("priority of the default rule", defaultRule, 40)

			_, err = r.b.elb.DeleteRule(r.ctx, &elb.DeleteRuleInput{RuleArn: aws.String(defaultRule)})
			r.rec("delete the default rule", err, nil)
			_, err = r.b.elb.DeleteRule(r.ctx, &elb.DeleteRuleInput{RuleArn: aws.String(r1)})
			r.rec("delete a rule", err, nil)
			_, err = r.b.elb.DeleteRule(r.ctx, &elb.DeleteRuleInput{RuleArn: aws.String(r1)})
			r.rec("delete it again", err, nil)
			_, err = r.b.elb.DeleteTargetGroup(r.ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: aws.String(green)})
			r.rec("delete a target group only the default action uses", err, nil)
		}},

		{"tags", func(r *run) {
			lb := r.createLB("create load balancer", "d-lb-tags", "lb")
			out, err := r.b.elb.CreateTargetGroup(r.ctx, func() *elb.CreateTargetGroupInput {
				in := tgInput(r, "d-tg-tags", 80)
				in.Tags = []types.Tag{{Key: aws.String("color"), Value: aws.String("blue")}}
				return in
			}())
			tg := ""
			if r.rec("create a target group with tags", err, nil) {
				tg = r.name(aws.ToString(out.TargetGroups[0].TargetGroupArn), "tg")
			}
			tag := func(step, arn string, kv ...string) {
				var tags []types.Tag
				for i := 0; i+1 < len(kv); i += 2 {
					tags = append(tags, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
				}
				_, err := r.b.elb.AddTags(r.ctx, &elb.AddTagsInput{ResourceArns: []string{arn}, Tags: tags})
				r.rec(step, err, nil)
			}
			describe := func(step string, arns ...string) {
				out, err := r.b.elb.DescribeTags(r.ctx, &elb.DescribeTagsInput{ResourceArns: arns})
				f := map[string]string{}
				if err == nil {
					for _, d := range out.TagDescriptions {
						var kv []string
						for _, t := range d.Tags {
							kv = append(kv, aws.ToString(t.Key)+"="+aws.ToString(t.Value))
						}
						sort.Strings(kv)
						f[r.sym(d.ResourceArn)] = strings.Join(kv, ",")
					}
				}
				r.rec(step, err, f)
			}
			tag("tag the load balancer", lb, "env", "prod", "team", "web")
			tag("overwrite a tag", lb, "env", "staging")
			describe("describe tags", lb, tg)
			_, err = r.b.elb.RemoveTags(r.ctx, &elb.RemoveTagsInput{ResourceArns: []string{lb}, TagKeys: []string{"team"}})
			r.rec("remove a tag", err, nil)
			describe("describe after removing", lb)
			tag("tag an unknown load balancer", missingLB, "a", "b")
			tag("tag an unknown target group", missingTG, "a", "b")
			describe("tags of an unknown load balancer", missingLB)
			_, err = r.b.elb.RemoveTags(r.ctx, &elb.RemoveTagsInput{ResourceArns: []string{missingTG}, TagKeys: []string{"a"}})
			r.rec("untag an unknown target group", err, nil)
			var many []string
			for i := 0; i < 51; i++ {
				many = append(many, fmt.Sprintf("k%02d", i), "v")
			}
			tag("51 tags", tg, many...)
			tag("a tag key of 129 characters", lb, strings.Repeat("k", 129), "v")
			tag("a tag key outside the tag pattern", lb, "team;ops", "v")
			tag("a tag value outside the tag pattern", lb, "team", "a*b")
		}},
	}
}
