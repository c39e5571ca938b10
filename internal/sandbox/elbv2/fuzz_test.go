package elbv2

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/awserr"
)

// fuzzActions are the implemented actions, sorted, plus one unknown action
// (InvalidAction path). FuzzServeQuery picks one by a byte, so a committed
// corpus entry names an action by its index here.
var fuzzActions = func() []string {
	out := make([]string, 0, len(handlers)+1)
	for a := range handlers {
		out = append(out, a)
	}
	sort.Strings(out)
	return append(out, "NoSuchAction")
}()

func fuzzActionIndex(name string) byte {
	for i, a := range fuzzActions {
		if a == name {
			return byte(i)
		}
	}
	panic("unknown action " + name)
}

// fuzzWorld is a fresh service with an ALB, two HTTP target groups, an
// HTTP:80 listener forwarding to the first and one path rule forwarding to
// the second. Placeholders in a fuzzed body are replaced by its ARNs, so the
// fuzzer reaches the code behind the ARN lookups.
type fuzzWorld struct {
	s                             *Service
	lb, tg1, tg2, lsn, rule, dflt string
}

func (w *fuzzWorld) replacer() *strings.Replacer {
	return strings.NewReplacer("$LB", w.lb, "$TG1", w.tg1, "$TG2", w.tg2, "$LSN", w.lsn, "$RULE", w.rule, "$DEFRULE", w.dflt)
}

func newFuzzWorld(t *testing.T) *fuzzWorld {
	t.Helper()
	now := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	w := &fuzzWorld{s: withTestVPCs(New(Options{Now: func() time.Time { return now }}))}
	do := func(action, elem string, kv ...string) string {
		v := vals(kv...)
		b, err := w.s.ServeQuery(action, v, "fuzz-setup")
		if err != nil {
			t.Fatalf("setup %s: %s: %s", action, err.Code, err.Message)
		}
		val := firstElement(b, elem)
		if val == "" {
			t.Fatalf("setup %s: no <%s> in %s", action, elem, b)
		}
		return val
	}
	w.lb = do("CreateLoadBalancer", "LoadBalancerArn", "Name", "alb", "Subnets.member.1", "subnet-1", "Subnets.member.2", "subnet-2")
	mkTG := func(name string) string {
		return do("CreateTargetGroup", "TargetGroupArn", "Name", name, "Protocol", "HTTP", "Port", "80", "VpcId", "vpc-1", "TargetType", "ip")
	}
	w.tg1, w.tg2 = mkTG("blue"), mkTG("green")
	w.lsn = do("CreateListener", "ListenerArn", "LoadBalancerArn", w.lb, "Port", "80", "Protocol", "HTTP",
		"DefaultActions.member.1.Type", "forward", "DefaultActions.member.1.TargetGroupArn", w.tg1)
	w.rule = do("CreateRule", "RuleArn", "ListenerArn", w.lsn, "Priority", "10",
		"Conditions.member.1.Field", "path-pattern", "Conditions.member.1.Values.member.1", "/api/*",
		"Actions.member.1.Type", "forward", "Actions.member.1.TargetGroupArn", w.tg2)
	for _, r := range w.s.Rules(w.lsn) {
		if r.IsDefault {
			w.dflt = r.ARN
		}
	}
	if w.dflt == "" {
		t.Fatal("setup: listener has no default rule")
	}
	return w
}

// firstElement returns the text of the first <name> element in an XML body.
func firstElement(b []byte, name string) string {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := d.Token()
		if err != nil {
			return ""
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == name {
			var s string
			if d.DecodeElement(&s, &se) != nil {
				return ""
			}
			return s
		}
	}
}

// checkWellFormed decodes b token by token (strict mode: matching tags,
// legal characters, valid entities) and requires exactly one root element
// named root with nothing but whitespace around it.
func checkWellFormed(b []byte, root string) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	depth, roots := 0, 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
				if roots > 1 {
					return fmt.Errorf("second root element <%s>", tk.Name.Local)
				}
				if tk.Name.Local != root {
					return fmt.Errorf("root element <%s>, want <%s>", tk.Name.Local, root)
				}
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(tk)) > 0 {
				return fmt.Errorf("text %q outside the root element", tk)
			}
		}
	}
	if roots != 1 || depth != 0 {
		return fmt.Errorf("%d root elements, unbalanced depth %d", roots, depth)
	}
	return nil
}

// checkResult applies FuzzServeQuery's response invariants to one call.
func checkResult(t *testing.T, what, action string, body []byte, err *awserr.Error) {
	t.Helper()
	if err != nil {
		if body != nil {
			t.Fatalf("%s: both a body and error %v", what, err)
		}
		if err.Code == "" || err.Message == "" || err.Status < 400 || err.Status > 599 {
			t.Fatalf("%s: malformed error code=%q status=%d message=%q", what, err.Code, err.Status, err.Message)
		}
		return
	}
	if e := checkWellFormed(body, action+"Response"); e != nil {
		t.Fatalf("%s: response is not well-formed XML: %v\n%s", what, e, body)
	}
}

// FuzzServeQuery sends one arbitrary awsQuery request (an action picked by a
// byte, a form-encoded body) to a service holding an ALB, two target groups,
// a listener and a rule; "$LB", "$TG1", "$TG2", "$LSN", "$RULE" and
// "$DEFRULE" in the body become their ARNs. A success must be well-formed
// XML, a failure an AWS error with a code and a 4xx/5xx status; afterwards
// every Describe call and the snapshot API must still work on what is left.
// Run with
//
//	go test -run '^$' -fuzz '^FuzzServeQuery$' -fuzztime 20s ./internal/sandbox/elbv2
func FuzzServeQuery(f *testing.F) {
	seeds := []struct{ action, body string }{
		{"CreateLoadBalancer", "Name=alb2&Subnets.member.1=subnet-1&Subnets.member.2=subnet-2&Tags.member.1.Key=env&Tags.member.1.Value=prod"},
		{"CreateLoadBalancer", "Name=nlb&Type=network&Scheme=internal&SubnetMappings.member.1.SubnetId=subnet-1"},
		{"DescribeLoadBalancers", "LoadBalancerArns.member.1=$LB"},
		{"DescribeLoadBalancers", "Names.member.1=alb&PageSize=1"},
		{"DeleteLoadBalancer", "LoadBalancerArn=$LB"},
		{"DescribeLoadBalancerAttributes", "LoadBalancerArn=$LB"},
		{"ModifyLoadBalancerAttributes", "LoadBalancerArn=$LB&Attributes.member.1.Key=idle_timeout.timeout_seconds&Attributes.member.1.Value=120"},
		{"CreateTargetGroup", "Name=tg3&Protocol=HTTP&Port=8080&VpcId=vpc-1&TargetType=ip&HealthCheckIntervalSeconds=10&HealthCheckTimeoutSeconds=5&Matcher.HttpCode=200-299"},
		{"CreateTargetGroup", "Name=fn&TargetType=lambda"},
		{"DescribeTargetGroups", "TargetGroupArns.member.1=$TG1&TargetGroupArns.member.2=$TG2"},
		{"DescribeTargetGroups", "LoadBalancerArn=$LB&PageSize=1&Marker=73627x"},
		{"ModifyTargetGroup", "TargetGroupArn=$TG1&HealthCheckPath=/healthz&Matcher.HttpCode=200"},
		{"DeleteTargetGroup", "TargetGroupArn=$TG2"},
		{"DescribeTargetGroupAttributes", "TargetGroupArn=$TG1"},
		{"ModifyTargetGroupAttributes", "TargetGroupArn=$TG1&Attributes.member.1.Key=deregistration_delay.timeout_seconds&Attributes.member.1.Value=30"},
		{"RegisterTargets", "TargetGroupArn=$TG1&Targets.member.1.Id=10.0.0.1&Targets.member.1.Port=8080&Targets.member.2.Id=10.0.0.2"},
		{"DeregisterTargets", "TargetGroupArn=$TG1&Targets.member.1.Id=10.0.0.1&Targets.member.1.Port=8080"},
		{"DescribeTargetHealth", "TargetGroupArn=$TG1&Targets.member.1.Id=10.0.0.1"},
		{"CreateListener", "LoadBalancerArn=$LB&Port=8080&Protocol=HTTP&DefaultActions.member.1.Type=fixed-response&DefaultActions.member.1.FixedResponseConfig.StatusCode=503&DefaultActions.member.1.FixedResponseConfig.MessageBody=%3Cdown%3E"},
		{"DescribeListeners", "LoadBalancerArn=$LB"},
		{"DescribeListeners", "ListenerArns.member.1=$LSN"},
		{"ModifyListener", "ListenerArn=$LSN&DefaultActions.member.1.Type=forward" +
			"&DefaultActions.member.1.ForwardConfig.TargetGroups.member.1.TargetGroupArn=$TG1&DefaultActions.member.1.ForwardConfig.TargetGroups.member.1.Weight=90" +
			"&DefaultActions.member.1.ForwardConfig.TargetGroups.member.2.TargetGroupArn=$TG2&DefaultActions.member.1.ForwardConfig.TargetGroups.member.2.Weight=10" +
			"&DefaultActions.member.1.ForwardConfig.TargetGroupStickinessConfig.Enabled=true&DefaultActions.member.1.ForwardConfig.TargetGroupStickinessConfig.DurationSeconds=300"},
		{"ModifyListener", "ListenerArn=$LSN&DefaultActions.member.1.Type=redirect&DefaultActions.member.1.RedirectConfig.StatusCode=HTTP_301&DefaultActions.member.1.RedirectConfig.Protocol=HTTPS&DefaultActions.member.1.RedirectConfig.Port=443"},
		{"DeleteListener", "ListenerArn=$LSN"},
		{"CreateRule", "ListenerArn=$LSN&Priority=5&Conditions.member.1.Field=host-header&Conditions.member.1.HostHeaderConfig.Values.member.1=a.example.com" +
			"&Actions.member.1.Type=forward&Actions.member.1.TargetGroupArn=$TG2"},
		{"CreateRule", "ListenerArn=$LSN&Priority=6&Conditions.member.1.Field=query-string&Conditions.member.1.QueryStringConfig.Values.member.1.Key=v&Conditions.member.1.QueryStringConfig.Values.member.1.Value=2" +
			"&Actions.member.1.Type=authenticate-oidc&Actions.member.1.Order=1&Actions.member.1.AuthenticateOidcConfig.Issuer=https://idp" +
			"&Actions.member.2.Type=fixed-response&Actions.member.2.Order=2&Actions.member.2.FixedResponseConfig.StatusCode=200"},
		{"DescribeRules", "ListenerArn=$LSN"},
		{"DescribeRules", "RuleArns.member.1=$RULE&RuleArns.member.2=$DEFRULE"},
		{"ModifyRule", "RuleArn=$RULE&Conditions.member.1.Field=http-header&Conditions.member.1.HttpHeaderConfig.HttpHeaderName=X-Color&Conditions.member.1.HttpHeaderConfig.Values.member.1=green"},
		{"ModifyRule", "RuleArn=$DEFRULE&Actions.member.1.Type=forward&Actions.member.1.TargetGroupArn=$TG2"},
		{"DeleteRule", "RuleArn=$RULE"},
		{"DeleteRule", "RuleArn=$DEFRULE"},
		{"SetRulePriorities", "RulePriorities.member.1.RuleArn=$RULE&RulePriorities.member.1.Priority=3"},
		{"AddTags", "ResourceArns.member.1=$LB&ResourceArns.member.2=$TG1&Tags.member.1.Key=env&Tags.member.1.Value=blue"},
		{"RemoveTags", "ResourceArns.member.1=$TG1&TagKeys.member.1=env"},
		{"DescribeTags", "ResourceArns.member.1=$LB&ResourceArns.member.2=$TG1&ResourceArns.member.3=$LSN&ResourceArns.member.4=$RULE"},
		{"ModifyListener", "ListenerArn=$LSN&DefaultActions.member.0.Type=forward&DefaultActions.member.99999999999999999999.Type=forward"},
		{"NoSuchAction", "Action=NoSuchAction&Version=2015-12-01"},
	}
	for _, sd := range seeds {
		f.Add(fuzzActionIndex(sd.action), sd.body)
	}
	f.Fuzz(func(t *testing.T, sel byte, raw string) {
		action := fuzzActions[int(sel)%len(fuzzActions)]
		w := newFuzzWorld(t)
		q, perr := url.ParseQuery(w.replacer().Replace(raw))
		if perr != nil {
			t.Skip("unparsable body")
		}
		body, err := w.s.ServeQuery(action, q, "fuzz")
		checkResult(t, action, action, body, err)

		// Whatever the call did, the service must still describe its state.
		for _, c := range []struct {
			action string
			kv     []string
		}{
			{"DescribeLoadBalancers", nil},
			{"DescribeTargetGroups", nil},
			{"DescribeListeners", []string{"LoadBalancerArn", w.lb}},
			{"DescribeRules", []string{"ListenerArn", w.lsn}},
			{"DescribeLoadBalancerAttributes", []string{"LoadBalancerArn", w.lb}},
			{"DescribeTargetGroupAttributes", []string{"TargetGroupArn", w.tg1}},
			{"DescribeTargetHealth", []string{"TargetGroupArn", w.tg1}},
			{"DescribeTargetHealth", []string{"TargetGroupArn", w.tg2}},
			{"DescribeTags", []string{"ResourceArns.member.1", w.lb, "ResourceArns.member.2", w.tg1, "ResourceArns.member.3", w.lsn, "ResourceArns.member.4", w.rule}},
		} {
			b, e := w.s.ServeQuery(c.action, vals(c.kv...), "fuzz-after")
			checkResult(t, "after "+action+": "+c.action, c.action, b, e)
		}
		for _, l := range w.s.Listeners() {
			_ = w.s.Rules(l.ARN)
		}
		_, _ = w.s.TargetGroup(w.tg1)
		_, _ = w.s.TargetGroup(w.tg2)
	})
}
