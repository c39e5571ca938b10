package elbv2

import (
	"encoding/xml"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/awserr"
)

// ---- helpers ---------------------------------------------------------------

func vals(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

func merge(a url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, v := range a {
		out[k] = append([]string(nil), v...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

func call(s *Service, action string, v url.Values) ([]byte, *awserr.Error) {
	v = merge(v, "Action", action, "Version", "2015-12-01")
	return s.ServeQuery(action, v, "rid-1")
}

func mustCall(t *testing.T, s *Service, action string, v url.Values) []byte {
	t.Helper()
	b, err := call(s, action, v)
	if err != nil {
		t.Fatalf("%s: unexpected error %s: %s", action, err.Code, err.Message)
	}
	return b
}

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var out T
	if err := xml.Unmarshal(b, &out); err != nil {
		t.Fatalf("unmarshal: %v\n%s", err, b)
	}
	return out
}

// XML views of the responses.
type xTuple struct {
	TargetGroupArn string `xml:"TargetGroupArn"`
	Weight         int32  `xml:"Weight"`
}

type xAction struct {
	Type           string   `xml:"Type"`
	Order          *int32   `xml:"Order"`
	TargetGroupArn *string  `xml:"TargetGroupArn"`
	TargetGroups   []xTuple `xml:"ForwardConfig>TargetGroups>member"`
	StickyEnabled  *bool    `xml:"ForwardConfig>TargetGroupStickinessConfig>Enabled"`
	StickyDuration *int32   `xml:"ForwardConfig>TargetGroupStickinessConfig>DurationSeconds"`
	FixedStatus    string   `xml:"FixedResponseConfig>StatusCode"`
	RedirectHost   string   `xml:"RedirectConfig>Host"`
}

type xListener struct {
	ListenerArn     string    `xml:"ListenerArn"`
	LoadBalancerArn string    `xml:"LoadBalancerArn"`
	Port            int32     `xml:"Port"`
	Protocol        string    `xml:"Protocol"`
	SslPolicy       string    `xml:"SslPolicy"`
	DefaultActions  []xAction `xml:"DefaultActions>member"`
}

type xCondition struct {
	Field       string   `xml:"Field"`
	Values      []string `xml:"Values>member"`
	PathValues  []string `xml:"PathPatternConfig>Values>member"`
	HostValues  []string `xml:"HostHeaderConfig>Values>member"`
	HeaderName  string   `xml:"HttpHeaderConfig>HttpHeaderName"`
	HeaderVals  []string `xml:"HttpHeaderConfig>Values>member"`
	QueryValues []struct {
		Key   string `xml:"Key"`
		Value string `xml:"Value"`
	} `xml:"QueryStringConfig>Values>member"`
}

type xRule struct {
	RuleArn    string       `xml:"RuleArn"`
	Priority   string       `xml:"Priority"`
	IsDefault  bool         `xml:"IsDefault"`
	Conditions []xCondition `xml:"Conditions>member"`
	Actions    []xAction    `xml:"Actions>member"`
}

type xTG struct {
	TargetGroupArn   string   `xml:"TargetGroupArn"`
	TargetGroupName  string   `xml:"TargetGroupName"`
	Port             int32    `xml:"Port"`
	HealthCheckPath  string   `xml:"HealthCheckPath"`
	Interval         int32    `xml:"HealthCheckIntervalSeconds"`
	Timeout          int32    `xml:"HealthCheckTimeoutSeconds"`
	HTTPCode         string   `xml:"Matcher>HttpCode"`
	LoadBalancerArns []string `xml:"LoadBalancerArns>member"`
}

type xAttr struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type xHealth struct {
	ID     string `xml:"Target>Id"`
	Port   int32  `xml:"Target>Port"`
	State  string `xml:"TargetHealth>State"`
	Reason string `xml:"TargetHealth>Reason"`
	Desc   string `xml:"TargetHealth>Description"`
}

type anyResult struct {
	XMLName   xml.Name
	Xmlns     string `xml:"xmlns,attr"`
	RequestID string `xml:"ResponseMetadata>RequestId"`
	LBs       []struct {
		Arn   string `xml:"LoadBalancerArn"`
		Name  string `xml:"LoadBalancerName"`
		DNS   string `xml:"DNSName"`
		State string `xml:"State>Code"`
		VpcID string `xml:"VpcId"`
	} `xml:"LoadBalancers>member"`
	TGs        []xTG       `xml:"TargetGroups>member"`
	Listeners  []xListener `xml:"Listeners>member"`
	Rules      []xRule     `xml:"Rules>member"`
	Attributes []xAttr     `xml:"Attributes>member"`
	Health     []xHealth   `xml:"TargetHealthDescriptions>member"`
	Tags       []struct {
		Arn  string  `xml:"ResourceArn"`
		Tags []xAttr `xml:"Tags>member"`
	} `xml:"TagDescriptions>member"`
	NextMarker string `xml:"NextMarker"`
}

// result unmarshals the <XResult> element of any response.
func result(t *testing.T, b []byte) anyResult {
	t.Helper()
	type envelopeXML struct {
		XMLName   xml.Name
		Xmlns     string `xml:"xmlns,attr"`
		Inner     []byte `xml:",innerxml"`
		RequestID string `xml:"ResponseMetadata>RequestId"`
	}
	env := decode[envelopeXML](t, b)
	var r anyResult
	// The result element is the first child; unmarshal it as the root.
	start := strings.Index(string(env.Inner), "<")
	end := strings.Index(string(env.Inner), "<ResponseMetadata>")
	if err := xml.Unmarshal(env.Inner[start:end], &r); err != nil {
		t.Fatalf("unmarshal result: %v\n%s", err, b)
	}
	r.Xmlns, r.RequestID = env.Xmlns, env.RequestID
	return r
}

// fixture: an ALB in vpc-1 with blue/green HTTP target groups and an HTTP:80
// listener forwarding to blue.
type fixture struct {
	s                      *Service
	now                    time.Time
	lb, blue, green, third string
	tcp, otherVPC          string
	listener, defaultRule  string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{now: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}
	f.s = withTestVPCs(New(Options{Now: func() time.Time { return f.now }}))
	r := result(t, mustCall(t, f.s, "CreateLoadBalancer", vals("Name", "alb", "Subnets.member.1", "subnet-1", "Subnets.member.2", "subnet-2")))
	f.lb = r.LBs[0].Arn
	mk := func(name, proto, vpc string) string {
		r := result(t, mustCall(t, f.s, "CreateTargetGroup", vals("Name", name, "Protocol", proto, "Port", "80", "VpcId", vpc, "TargetType", "ip")))
		return r.TGs[0].TargetGroupArn
	}
	f.blue, f.green, f.third = mk("blue", "HTTP", "vpc-1"), mk("green", "HTTP", "vpc-1"), mk("third", "HTTP", "vpc-1")
	f.tcp = mk("tcp-tg", "TCP", "vpc-1")
	f.otherVPC = mk("other-vpc", "HTTP", "vpc-2")
	r = result(t, mustCall(t, f.s, "CreateListener", vals("LoadBalancerArn", f.lb, "Port", "80", "Protocol", "HTTP",
		"DefaultActions.member.1.Type", "forward", "DefaultActions.member.1.TargetGroupArn", f.blue)))
	f.listener = r.Listeners[0].ListenerArn
	rs := result(t, mustCall(t, f.s, "DescribeRules", vals("ListenerArn", f.listener)))
	f.defaultRule = rs.Rules[0].RuleArn
	return f
}

func wantCode(t *testing.T, err *awserr.Error, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s, got success", code)
	}
	if err.Code != code || err.Status != 400 {
		t.Fatalf("want %s/400, got %s/%d: %s", code, err.Code, err.Status, err.Message)
	}
}

func forwardWeighted(prefix string, tgs ...string) []string {
	var kv []string
	kv = append(kv, prefix+".Type", "forward")
	for i := 0; i+1 < len(tgs); i += 2 {
		n := fmt.Sprint(i/2 + 1)
		kv = append(kv, prefix+".ForwardConfig.TargetGroups.member."+n+".TargetGroupArn", tgs[i])
		if tgs[i+1] != "" {
			kv = append(kv, prefix+".ForwardConfig.TargetGroups.member."+n+".Weight", tgs[i+1])
		}
	}
	return kv
}

// ---- validation table ------------------------------------------------------

func TestValidationErrors(t *testing.T) {
	type tc struct {
		name   string
		action string
		params func(f *fixture) url.Values
		code   string
		msg    string // substring of the message, optional
	}
	tg := func(kv ...string) func(*fixture) url.Values {
		return func(*fixture) url.Values {
			return merge(vals("Name", "tg-x", "Protocol", "HTTP", "Port", "80", "VpcId", "vpc-1"), kv...)
		}
	}
	lsn := func(kv ...string) func(*fixture) url.Values {
		return func(f *fixture) url.Values {
			return merge(vals("LoadBalancerArn", f.lb, "Port", "8080", "Protocol", "HTTP",
				"DefaultActions.member.1.Type", "forward", "DefaultActions.member.1.TargetGroupArn", f.green), kv...)
		}
	}
	fwd := func(build func(f *fixture) []string) func(*fixture) url.Values {
		return func(f *fixture) url.Values {
			return merge(vals("ListenerArn", f.listener), build(f)...)
		}
	}
	rule := func(kv ...string) func(*fixture) url.Values {
		return func(f *fixture) url.Values {
			return merge(vals("ListenerArn", f.listener, "Priority", "5",
				"Conditions.member.1.Field", "path-pattern", "Conditions.member.1.Values.member.1", "/a",
				"Actions.member.1.Type", "forward", "Actions.member.1.TargetGroupArn", f.green), kv...)
		}
	}
	cases := []tc{
		// target groups
		{"tg name missing", "CreateTargetGroup", func(*fixture) url.Values { return vals("Protocol", "HTTP", "Port", "80", "VpcId", "vpc-1") },
			codeValidation, "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null"},
		{"tg name too long", "CreateTargetGroup", tg("Name", strings.Repeat("a", 33)), codeValidation, "cannot be longer than '32' characters"},
		{"tg name bad chars", "CreateTargetGroup", tg("Name", "bad_name"), codeValidation, "alphanumeric"},
		{"tg name leading hyphen", "CreateTargetGroup", tg("Name", "-abc"), codeValidation, "cannot begin or end with '-'"},
		{"tg name trailing hyphen", "CreateTargetGroup", tg("Name", "abc-"), codeValidation, "cannot begin or end"},
		{"tg duplicate name other settings", "CreateTargetGroup", tg("Name", "blue", "Port", "81"), codeDuplicateTargetGroupName, "exists, but with different settings"},
		{"tg port 0", "CreateTargetGroup", tg("Port", "0"), codeValidation, "greater than or equal to 1"},
		{"tg port 65536", "CreateTargetGroup", tg("Port", "65536"), codeValidation, "less than or equal to 65535"},
		{"tg bad protocol", "CreateTargetGroup", tg("Protocol", "FTP"), codeValidation, "enum value set"},
		{"tg missing vpc", "CreateTargetGroup", func(*fixture) url.Values { return vals("Name", "x", "Protocol", "HTTP", "Port", "80") }, codeValidation, "VPC ID"},
		{"tg lambda with port", "CreateTargetGroup", func(*fixture) url.Values { return vals("Name", "x", "TargetType", "lambda", "Port", "80") }, codeValidation, "lambda"},
		{"hc interval 4", "CreateTargetGroup", tg("HealthCheckIntervalSeconds", "4"), codeValidation, "healthCheckIntervalSeconds"},
		{"hc interval 301", "CreateTargetGroup", tg("HealthCheckIntervalSeconds", "301"), codeValidation, "less than or equal to 300"},
		{"hc timeout 1", "CreateTargetGroup", tg("HealthCheckTimeoutSeconds", "1"), codeValidation, "healthCheckTimeoutSeconds"},
		{"hc timeout 121", "CreateTargetGroup", tg("HealthCheckTimeoutSeconds", "121"), codeValidation, "less than or equal to 120"},
		{"hc timeout >= interval", "CreateTargetGroup", tg("HealthCheckIntervalSeconds", "10", "HealthCheckTimeoutSeconds", "10"), codeValidation, "interval must be greater than the timeout"},
		{"hc healthy 1", "CreateTargetGroup", tg("HealthyThresholdCount", "1"), codeValidation, "healthyThresholdCount"},
		{"hc healthy 11", "CreateTargetGroup", tg("HealthyThresholdCount", "11"), codeValidation, "less than or equal to 10"},
		{"hc unhealthy 11", "CreateTargetGroup", tg("UnhealthyThresholdCount", "11"), codeValidation, "unhealthyThresholdCount"},
		{"matcher garbage", "CreateTargetGroup", tg("Matcher.HttpCode", "ok"), codeValidation, "not valid"},
		{"matcher out of range", "CreateTargetGroup", tg("Matcher.HttpCode", "200-600"), codeValidation, "200-499"},
		{"matcher bad list", "CreateTargetGroup", tg("Matcher.HttpCode", "200,"), codeValidation, ""},
		{"hc path without slash", "CreateTargetGroup", tg("HealthCheckPath", "health"), codeValidation, "must begin with '/'"},
		{"hc tcp on http tg", "CreateTargetGroup", tg("HealthCheckProtocol", "TCP"), codeValidation, ""},
		{"hc disabled on ip tg", "CreateTargetGroup", tg("HealthCheckEnabled", "false"), codeValidation, ""},
		{"modify tg hc interval 0", "ModifyTargetGroup", func(f *fixture) url.Values { return vals("TargetGroupArn", f.blue, "HealthCheckIntervalSeconds", "0") }, codeValidation, ""},
		{"modify tg timeout>interval", "ModifyTargetGroup", func(f *fixture) url.Values {
			return vals("TargetGroupArn", f.blue, "HealthCheckTimeoutSeconds", "40")
		}, codeValidation, "interval must be greater than the timeout"},
		{"modify unknown tg", "ModifyTargetGroup", func(f *fixture) url.Values {
			return vals("TargetGroupArn", strings.Replace(f.blue, f.blue[len(f.blue)-16:], "0000000000000000", 1), "HealthCheckPath", "/x")
		}, codeTargetGroupNotFound, ""},
		{"malformed tg arn", "DescribeTargetGroupAttributes", func(*fixture) url.Values { return vals("TargetGroupArn", "nope") }, codeValidation, "not a valid target group ARN"},
		// target group attributes
		{"attr lb_cookie 0", "ModifyTargetGroupAttributes", func(f *fixture) url.Values {
			return vals("TargetGroupArn", f.blue, "Attributes.member.1.Key", "stickiness.lb_cookie.duration_seconds", "Attributes.member.1.Value", "0")
		}, codeValidation, "1-604800"},
		{"attr lb_cookie 604801", "ModifyTargetGroupAttributes", func(f *fixture) url.Values {
			return vals("TargetGroupArn", f.blue, "Attributes.member.1.Key", "stickiness.lb_cookie.duration_seconds", "Attributes.member.1.Value", "604801")
		}, codeValidation, ""},
		{"attr dereg 3601", "ModifyTargetGroupAttributes", func(f *fixture) url.Values {
			return vals("TargetGroupArn", f.blue, "Attributes.member.1.Key", "deregistration_delay.timeout_seconds", "Attributes.member.1.Value", "3601")
		}, codeValidation, "0-3600"},
		{"attr slow start 10", "ModifyTargetGroupAttributes", func(f *fixture) url.Values {
			return vals("TargetGroupArn", f.blue, "Attributes.member.1.Key", "slow_start.duration_seconds", "Attributes.member.1.Value", "10")
		}, codeValidation, "30-900"},
		{"attr unknown key", "ModifyTargetGroupAttributes", func(f *fixture) url.Values {
			return vals("TargetGroupArn", f.blue, "Attributes.member.1.Key", "bogus.key", "Attributes.member.1.Value", "1")
		}, codeValidation, "not recognized"},
		{"attr stickiness type source_ip on http", "ModifyTargetGroupAttributes", func(f *fixture) url.Values {
			return vals("TargetGroupArn", f.blue, "Attributes.member.1.Key", "stickiness.type", "Attributes.member.1.Value", "source_ip")
		}, codeValidation, ""},
		{"attr bad algorithm", "ModifyTargetGroupAttributes", func(f *fixture) url.Values {
			return vals("TargetGroupArn", f.blue, "Attributes.member.1.Key", "load_balancing.algorithm.type", "Attributes.member.1.Value", "random")
		}, codeValidation, ""},
		{"attr app_cookie without name", "ModifyTargetGroupAttributes", func(f *fixture) url.Values {
			return vals("TargetGroupArn", f.blue, "Attributes.member.1.Key", "stickiness.enabled", "Attributes.member.1.Value", "true",
				"Attributes.member.2.Key", "stickiness.type", "Attributes.member.2.Value", "app_cookie")
		}, codeInvalidConfigurationRequest, ""},
		// load balancers
		{"lb name too long", "CreateLoadBalancer", func(*fixture) url.Values {
			return vals("Name", strings.Repeat("b", 33), "Subnets.member.1", "subnet-1", "Subnets.member.2", "subnet-2")
		}, codeValidation, "cannot be longer than '32' characters"},
		{"lb name internal-", "CreateLoadBalancer", func(*fixture) url.Values {
			return vals("Name", "internal-x", "Subnets.member.1", "subnet-1", "Subnets.member.2", "subnet-2")
		}, codeValidation, "internal-"},
		{"lb name hyphen", "CreateLoadBalancer", func(*fixture) url.Values {
			return vals("Name", "x-", "Subnets.member.1", "subnet-1", "Subnets.member.2", "subnet-2")
		}, codeValidation, ""},
		{"lb missing name", "CreateLoadBalancer", func(*fixture) url.Values { return vals("Subnets.member.1", "subnet-1") }, codeValidation, "Value null at 'name'"},
		{"alb one subnet", "CreateLoadBalancer", func(*fixture) url.Values { return vals("Name", "one", "Subnets.member.1", "subnet-1") }, codeValidation, "two different Availability Zones"},
		{"lb bad subnet", "CreateLoadBalancer", func(*fixture) url.Values { return vals("Name", "bad", "Type", "network", "Subnets.member.1", "sn-1") }, codeSubnetNotFound, ""},
		{"lb duplicate name", "CreateLoadBalancer", func(*fixture) url.Values {
			return vals("Name", "alb", "Scheme", "internal", "Subnets.member.1", "subnet-1", "Subnets.member.2", "subnet-2")
		}, codeDuplicateLoadBalancerName, "exists, but with different settings"},
		{"lb bad type", "CreateLoadBalancer", func(*fixture) url.Values { return vals("Name", "x", "Type", "classic", "Subnets.member.1", "subnet-1") }, codeValidation, "enum value set"},
		{"describe lb unknown name", "DescribeLoadBalancers", func(*fixture) url.Values { return vals("Names.member.1", "ghost") }, codeLoadBalancerNotFound, "ghost"},
		{"describe lb unknown arn", "DescribeLoadBalancers", func(f *fixture) url.Values {
			return vals("LoadBalancerArns.member.1", f.lb[:len(f.lb)-16]+"0000000000000000")
		}, codeLoadBalancerNotFound, ""},
		{"describe lb names and arns", "DescribeLoadBalancers", func(f *fixture) url.Values { return vals("Names.member.1", "alb", "LoadBalancerArns.member.1", f.lb) }, codeValidation, ""},
		{"describe lb page size 0", "DescribeLoadBalancers", func(*fixture) url.Values { return vals("PageSize", "0") }, codeValidation, "pageSize"},
		{"lb deletion protection", "DeleteLoadBalancer", func(f *fixture) url.Values {
			mustCall(t, f.s, "ModifyLoadBalancerAttributes", vals("LoadBalancerArn", f.lb, "Attributes.member.1.Key", "deletion_protection.enabled", "Attributes.member.1.Value", "true"))
			return vals("LoadBalancerArn", f.lb)
		}, codeOperationNotPermitted, "deletion protection"},
		// listeners
		{"listener port 0", "CreateListener", lsn("Port", "0"), codeValidation, "'port' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"listener port 65536", "CreateListener", lsn("Port", "65536"), codeValidation, "less than or equal to 65535"},
		{"listener duplicate port", "CreateListener", lsn("Port", "80"), codeDuplicateListener, "A listener already exists on this port"},
		{"listener TCP on ALB", "CreateListener", lsn("Protocol", "TCP"), codeValidation, "must be one of 'HTTPS, HTTP'"},
		{"listener HTTPS without cert", "CreateListener", lsn("Protocol", "HTTPS"), codeValidation, "certificate"},
		{"listener unknown LB", "CreateListener", func(f *fixture) url.Values {
			return merge(lsn()(f), "LoadBalancerArn", f.lb[:len(f.lb)-16]+"0000000000000000")
		}, codeLoadBalancerNotFound, ""},
		{"listener missing actions", "CreateListener", func(f *fixture) url.Values { return vals("LoadBalancerArn", f.lb, "Port", "81", "Protocol", "HTTP") }, codeValidation, "Value null at 'defaultActions'"},
		{"listener action type null", "CreateListener", func(f *fixture) url.Values {
			return vals("LoadBalancerArn", f.lb, "Port", "81", "Protocol", "HTTP", "DefaultActions.member.1.TargetGroupArn", f.blue)
		}, codeValidation, "Value null at 'defaultActions.1.member.type'"},
		{"listener unknown tg", "CreateListener", lsn("DefaultActions.member.1.TargetGroupArn", "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/ghost/0123456789abcdef"), codeTargetGroupNotFound, "ghost"},
		{"listener malformed tg arn", "CreateListener", lsn("DefaultActions.member.1.TargetGroupArn", "not-an-arn"), codeValidation, "not a valid target group ARN"},
		{"listener TCP tg on HTTP", "CreateListener", func(f *fixture) url.Values { return merge(lsn()(f), "DefaultActions.member.1.TargetGroupArn", f.tcp) }, codeIncompatibleProtocols, ""},
		{"listener tg other vpc", "CreateListener", func(f *fixture) url.Values {
			return merge(lsn()(f), "DefaultActions.member.1.TargetGroupArn", f.otherVPC)
		}, codeInvalidConfigurationRequest, "different VPC"},
		{"listener two terminal actions", "CreateListener", func(f *fixture) url.Values {
			return merge(lsn()(f), "DefaultActions.member.1.Order", "1",
				"DefaultActions.member.2.Type", "fixed-response", "DefaultActions.member.2.Order", "2", "DefaultActions.member.2.FixedResponseConfig.StatusCode", "200")
		}, codeInvalidLoadBalancerAction, ""},
		{"fixed response bad status", "CreateListener", func(f *fixture) url.Values {
			return vals("LoadBalancerArn", f.lb, "Port", "81", "Protocol", "HTTP", "DefaultActions.member.1.Type", "fixed-response",
				"DefaultActions.member.1.FixedResponseConfig.StatusCode", "302")
		}, codeValidation, "regular expression pattern"},
		{"redirect loop", "CreateListener", func(f *fixture) url.Values {
			return vals("LoadBalancerArn", f.lb, "Port", "81", "Protocol", "HTTP", "DefaultActions.member.1.Type", "redirect",
				"DefaultActions.member.1.RedirectConfig.StatusCode", "HTTP_301")
		}, codeInvalidLoadBalancerAction, "redirect loop"},
		{"describe listeners nothing", "DescribeListeners", func(*fixture) url.Values { return vals() }, codeValidation, ""},
		{"describe listeners unknown", "DescribeListeners", func(f *fixture) url.Values {
			return vals("ListenerArns.member.1", f.listener[:len(f.listener)-16]+"0000000000000000")
		}, codeListenerNotFound, ""},
		{"describe listeners unknown lb", "DescribeListeners", func(f *fixture) url.Values {
			return vals("LoadBalancerArn", f.lb[:len(f.lb)-16]+"0000000000000000")
		}, codeLoadBalancerNotFound, ""},
		{"modify listener port in use", "ModifyListener", func(f *fixture) url.Values {
			mustCall(t, f.s, "CreateListener", lsn()(f))
			return vals("ListenerArn", f.listener, "Port", "8080")
		}, codeValidation, "Listener port '8080' is already in use"},
		{"delete unknown listener", "DeleteListener", func(f *fixture) url.Values {
			return vals("ListenerArn", f.listener[:len(f.listener)-16]+"0000000000000000")
		}, codeListenerNotFound, ""},
		// forward actions
		{"weight 1000", "ModifyListener", fwd(func(f *fixture) []string {
			return forwardWeighted("DefaultActions.member.1", f.blue, "1000", f.green, "1")
		}), codeValidation, "between 0 and 999"},
		{"weight -1", "ModifyListener", fwd(func(f *fixture) []string {
			return forwardWeighted("DefaultActions.member.1", f.blue, "-1", f.green, "1")
		}), codeValidation, "between 0 and 999"},
		{"missing weight with two groups", "ModifyListener", fwd(func(f *fixture) []string {
			return forwardWeighted("DefaultActions.member.1", f.blue, "", f.green, "1")
		}), codeValidation, "between 0 and 999"},
		{"six target groups", "ModifyListener", fwd(func(f *fixture) []string {
			var arns []string
			for i := 0; i < 6; i++ {
				arns = append(arns, fmt.Sprintf("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/t%d/0123456789abcde%d", i, i), "1")
			}
			return forwardWeighted("DefaultActions.member.1", arns...)
		}), codeValidation, "more than '5'"},
		{"duplicate target group", "ModifyListener", fwd(func(f *fixture) []string {
			return forwardWeighted("DefaultActions.member.1", f.blue, "1", f.blue, "2")
		}), codeValidation, "more than once"},
		{"stickiness duration 0", "ModifyListener", fwd(func(f *fixture) []string {
			return append(forwardWeighted("DefaultActions.member.1", f.blue, "1", f.green, "1"),
				"DefaultActions.member.1.ForwardConfig.TargetGroupStickinessConfig.Enabled", "true",
				"DefaultActions.member.1.ForwardConfig.TargetGroupStickinessConfig.DurationSeconds", "0")
		}), codeValidation, "604800"},
		{"stickiness duration 604801", "ModifyListener", fwd(func(f *fixture) []string {
			return append(forwardWeighted("DefaultActions.member.1", f.blue, "1"),
				"DefaultActions.member.1.ForwardConfig.TargetGroupStickinessConfig.Enabled", "true",
				"DefaultActions.member.1.ForwardConfig.TargetGroupStickinessConfig.DurationSeconds", "604801")
		}), codeValidation, "604800"},
		{"stickiness enabled without duration", "ModifyListener", fwd(func(f *fixture) []string {
			return append(forwardWeighted("DefaultActions.member.1", f.blue, "1", f.green, "1"),
				"DefaultActions.member.1.ForwardConfig.TargetGroupStickinessConfig.Enabled", "true")
		}), codeValidation, "duration"},
		{"arn and forward config differ", "ModifyListener", fwd(func(f *fixture) []string {
			return append(forwardWeighted("DefaultActions.member.1", f.green, "1"), "DefaultActions.member.1.TargetGroupArn", f.blue)
		}), codeValidation, ""},
		{"forward without target group", "ModifyListener", fwd(func(f *fixture) []string { return []string{"DefaultActions.member.1.Type", "forward"} }),
			codeValidation, "target group ARN must be specified"},
		{"tg bound to another LB", "CreateListener", func(f *fixture) url.Values {
			r := result(t, mustCall(t, f.s, "CreateLoadBalancer", vals("Name", "alb2", "Subnets.member.1", "subnet-1", "Subnets.member.2", "subnet-2")))
			return vals("LoadBalancerArn", r.LBs[0].Arn, "Port", "80", "Protocol", "HTTP",
				"DefaultActions.member.1.Type", "forward", "DefaultActions.member.1.TargetGroupArn", f.blue)
		}, codeTargetGroupAssociationLimit, ""},
		// rules
		{"rule priority 0", "CreateRule", rule("Priority", "0"), codeValidation, "'priority' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"rule priority 50001", "CreateRule", rule("Priority", "50001"), codeValidation, "less than or equal to 50000"},
		{"rule priority missing", "CreateRule", func(f *fixture) url.Values { u := rule()(f); u.Del("Priority"); return u }, codeValidation, "Value null at 'priority'"},
		{"rule priority in use", "CreateRule", func(f *fixture) url.Values {
			mustCall(t, f.s, "CreateRule", rule()(f))
			return rule("Conditions.member.1.Values.member.1", "/b")(f)
		}, codePriorityInUse, "Priority '5' is currently in use"},
		{"rule unknown listener", "CreateRule", func(f *fixture) url.Values {
			return merge(rule()(f), "ListenerArn", f.listener[:len(f.listener)-16]+"0000000000000000")
		}, codeListenerNotFound, ""},
		{"rule no conditions", "CreateRule", func(f *fixture) url.Values {
			u := rule()(f)
			u.Del("Conditions.member.1.Field")
			u.Del("Conditions.member.1.Values.member.1")
			u.Set("Conditions", "")
			return u
		}, codeValidation, "at least one condition"},
		{"rule bad field", "CreateRule", rule("Conditions.member.1.Field", "cookie"), codeValidation, "must be one of"},
		{"rule two path values", "CreateRule", rule("Conditions.member.1.Values.member.2", "/c"), codeValidation, "too many values"},
		{"rule values and config", "CreateRule", rule("Conditions.member.1.PathPatternConfig.Values.member.1", "/c"), codeValidation, "both Values"},
		{"rule http-header without config", "CreateRule", rule("Conditions.member.2.Field", "http-header"), codeValidation, "HttpHeaderConfig"},
		{"rule query-string without value", "CreateRule", rule("Conditions.member.2.Field", "query-string", "Conditions.member.2.QueryStringConfig.Values.member.1.Key", "k"), codeValidation, "'Value' must be specified"},
		{"rule two path-pattern conditions", "CreateRule", rule("Conditions.member.2.Field", "path-pattern", "Conditions.member.2.Values.member.1", "/z"), codeValidation, "only have one"},
		{"rule weight 1000", "CreateRule", func(f *fixture) url.Values {
			u := rule()(f)
			u.Del("Actions.member.1.TargetGroupArn")
			return merge(u, forwardWeighted("Actions.member.1", f.blue, "1000")...)
		}, codeValidation, "between 0 and 999"},
		{"modify default rule", "ModifyRule", func(f *fixture) url.Values {
			return vals("RuleArn", f.defaultRule, "Conditions.member.1.Field", "path-pattern", "Conditions.member.1.Values.member.1", "/x")
		}, codeOperationNotPermitted, "cannot be modified"},
		{"delete default rule", "DeleteRule", func(f *fixture) url.Values { return vals("RuleArn", f.defaultRule) }, codeOperationNotPermitted, "cannot be deleted"},
		{"delete unknown rule", "DeleteRule", func(f *fixture) url.Values {
			return vals("RuleArn", f.defaultRule[:len(f.defaultRule)-16]+"0000000000000000")
		}, codeRuleNotFound, ""},
		{"describe unknown rule", "DescribeRules", func(f *fixture) url.Values {
			return vals("RuleArns.member.1", f.defaultRule[:len(f.defaultRule)-16]+"0000000000000000")
		}, codeRuleNotFound, ""},
		{"describe rules both", "DescribeRules", func(f *fixture) url.Values {
			return vals("RuleArns.member.1", f.defaultRule, "ListenerArn", f.listener)
		}, codeValidation, ""},
		{"set priorities default rule", "SetRulePriorities", func(f *fixture) url.Values {
			return vals("RulePriorities.member.1.RuleArn", f.defaultRule, "RulePriorities.member.1.Priority", "3")
		}, codeOperationNotPermitted, ""},
		{"set priorities out of range", "SetRulePriorities", func(f *fixture) url.Values {
			return vals("RulePriorities.member.1.RuleArn", f.defaultRule, "RulePriorities.member.1.Priority", "50001")
		}, codeValidation, "rulePriorities.1.member.priority"},
		// target groups in use, health
		{"delete tg used by listener", "DeleteTargetGroup", func(f *fixture) url.Values { return vals("TargetGroupArn", f.blue) }, codeResourceInUse, "currently in use by a listener or a rule"},
		{"delete tg used by rule", "DeleteTargetGroup", func(f *fixture) url.Values {
			mustCall(t, f.s, "CreateRule", rule()(f))
			return vals("TargetGroupArn", f.green)
		}, codeResourceInUse, ""},
		{"describe tg unknown name", "DescribeTargetGroups", func(*fixture) url.Values { return vals("Names.member.1", "ghost") }, codeTargetGroupNotFound, ""},
		{"describe tg unknown arn", "DescribeTargetGroups", func(f *fixture) url.Values {
			return vals("TargetGroupArns.member.1", f.blue[:len(f.blue)-16]+"0000000000000000")
		}, codeTargetGroupNotFound, ""},
		{"describe tg unknown lb", "DescribeTargetGroups", func(f *fixture) url.Values {
			return vals("LoadBalancerArn", f.lb[:len(f.lb)-16]+"0000000000000000")
		}, codeLoadBalancerNotFound, ""},
		{"register bad ip", "RegisterTargets", func(f *fixture) url.Values {
			return vals("TargetGroupArn", f.blue, "Targets.member.1.Id", "i-123")
		}, codeValidation, "not a valid"},
		{"register port 0", "RegisterTargets", func(f *fixture) url.Values {
			return vals("TargetGroupArn", f.blue, "Targets.member.1.Id", "10.0.0.1", "Targets.member.1.Port", "0")
		}, codeValidation, "targets.1.member.port"},
		{"register unknown tg", "RegisterTargets", func(f *fixture) url.Values {
			return vals("TargetGroupArn", f.blue[:len(f.blue)-16]+"0000000000000000", "Targets.member.1.Id", "10.0.0.1")
		}, codeTargetGroupNotFound, ""},
		{"health unknown tg", "DescribeTargetHealth", func(f *fixture) url.Values {
			return vals("TargetGroupArn", f.blue[:len(f.blue)-16]+"0000000000000000")
		}, codeTargetGroupNotFound, ""},
		// tags
		{"duplicate tag keys", "AddTags", func(f *fixture) url.Values {
			return vals("ResourceArns.member.1", f.lb, "Tags.member.1.Key", "a", "Tags.member.2.Key", "a")
		}, codeDuplicateTagKeys, ""},
		{"tags unknown resource", "DescribeTags", func(f *fixture) url.Values {
			return vals("ResourceArns.member.1", f.blue[:len(f.blue)-16]+"0000000000000000")
		}, codeTargetGroupNotFound, ""},
		{"tags missing", "AddTags", func(f *fixture) url.Values { return vals("ResourceArns.member.1", f.lb) }, codeValidation, "Value null at 'tags'"},
		{"too many tags", "AddTags", func(f *fixture) url.Values {
			u := vals("ResourceArns.member.1", f.lb)
			for i := 1; i <= 51; i++ {
				u.Set(fmt.Sprintf("Tags.member.%d.Key", i), fmt.Sprint("k", i))
			}
			return u
		}, codeTooManyTags, ""},
		// misc
		{"unknown action", "DescribeSSLPolicies", func(*fixture) url.Values { return vals() }, codeInvalidAction, "not valid for this web service"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			_, err := call(f.s, c.action, c.params(f))
			wantCode(t, err, c.code)
			if c.msg != "" && !strings.Contains(err.Message, c.msg) {
				t.Fatalf("message %q does not contain %q", err.Message, c.msg)
			}
		})
	}
}

// ---- happy paths -----------------------------------------------------------

func TestEnvelope(t *testing.T) {
	f := newFixture(t)
	b := mustCall(t, f.s, "DeleteRule", vals("RuleArn", result(t, mustCall(t, f.s, "CreateRule", vals("ListenerArn", f.listener, "Priority", "1",
		"Conditions.member.1.Field", "path-pattern", "Conditions.member.1.Values.member.1", "/a",
		"Actions.member.1.Type", "forward", "Actions.member.1.TargetGroupArn", f.green))).Rules[0].RuleArn))
	want := `<DeleteRuleResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><DeleteRuleResult/><ResponseMetadata><RequestId>rid-1</RequestId></ResponseMetadata></DeleteRuleResponse>`
	if string(b) != want {
		t.Fatalf("envelope = %s", b)
	}
	r := result(t, mustCall(t, f.s, "DescribeListeners", vals("LoadBalancerArn", f.lb)))
	if r.Xmlns != xmlNS || r.RequestID != "rid-1" {
		t.Fatalf("xmlns/request id = %q %q", r.Xmlns, r.RequestID)
	}
}

func TestARNsAndNames(t *testing.T) {
	f := newFixture(t)
	for arn, re := range map[string]interface{ MatchString(string) bool }{f.lb: reLBArn, f.blue: reTGArn, f.listener: reListenerArn, f.defaultRule: reRuleArn} {
		if !re.MatchString(arn) {
			t.Errorf("bad ARN %s", arn)
		}
	}
	lbID := strings.Split(f.lb, "/")[3]
	if !strings.HasPrefix(f.listener, "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/alb/"+lbID+"/") {
		t.Errorf("listener ARN %s", f.listener)
	}
	if !strings.HasPrefix(f.defaultRule, strings.Replace(f.listener, ":listener/", ":listener-rule/", 1)+"/") {
		t.Errorf("rule ARN %s", f.defaultRule)
	}
	r := result(t, mustCall(t, f.s, "DescribeLoadBalancers", vals("Names.member.1", "alb")))
	if lb := r.LBs[0]; !strings.HasPrefix(lb.DNS, "alb-") || !strings.HasSuffix(lb.DNS, ".us-east-1.elb.amazonaws.com") || lb.State != "active" || lb.VpcID != "vpc-1" {
		t.Errorf("lb = %+v", lb)
	}
}

func TestLegacyForwardReportedAsForwardConfig(t *testing.T) {
	f := newFixture(t)
	r := result(t, mustCall(t, f.s, "DescribeListeners", vals("ListenerArns.member.1", f.listener)))
	a := r.Listeners[0].DefaultActions[0]
	if a.Type != "forward" || a.TargetGroupArn == nil || *a.TargetGroupArn != f.blue || len(a.TargetGroups) != 1 ||
		a.TargetGroups[0].TargetGroupArn != f.blue || a.TargetGroups[0].Weight != 1 || a.StickyEnabled == nil || *a.StickyEnabled || a.Order != nil {
		t.Fatalf("action = %+v", a)
	}
	// A ForwardConfig with a single group also reports TargetGroupArn.
	mustCall(t, f.s, "ModifyListener", merge(vals("ListenerArn", f.listener), forwardWeighted("DefaultActions.member.1", f.green, "")...))
	r = result(t, mustCall(t, f.s, "DescribeListeners", vals("ListenerArns.member.1", f.listener)))
	a = r.Listeners[0].DefaultActions[0]
	if a.TargetGroupArn == nil || *a.TargetGroupArn != f.green || a.TargetGroups[0].Weight != 1 {
		t.Fatalf("single forward config = %+v", a)
	}
}

func TestWeightedForwardRoundTrip(t *testing.T) {
	f := newFixture(t)
	kv := append(forwardWeighted("DefaultActions.member.1", f.blue, "80", f.green, "20", f.third, "0"),
		"DefaultActions.member.1.ForwardConfig.TargetGroupStickinessConfig.Enabled", "true",
		"DefaultActions.member.1.ForwardConfig.TargetGroupStickinessConfig.DurationSeconds", "3600")
	r := result(t, mustCall(t, f.s, "ModifyListener", merge(vals("ListenerArn", f.listener), kv...)))
	check := func(a xAction) {
		t.Helper()
		if a.TargetGroupArn != nil || len(a.TargetGroups) != 3 || a.TargetGroups[0] != (xTuple{f.blue, 80}) ||
			a.TargetGroups[1] != (xTuple{f.green, 20}) || a.TargetGroups[2] != (xTuple{f.third, 0}) ||
			!*a.StickyEnabled || *a.StickyDuration != 3600 {
			t.Fatalf("weighted = %+v", a)
		}
	}
	check(r.Listeners[0].DefaultActions[0])
	r = result(t, mustCall(t, f.s, "DescribeListeners", vals("LoadBalancerArn", f.lb)))
	check(r.Listeners[0].DefaultActions[0])
	// the default rule mirrors the listener's default actions
	rs := result(t, mustCall(t, f.s, "DescribeRules", vals("ListenerArn", f.listener)))
	check(rs.Rules[0].Actions[0])
	// snapshot
	ls, ok := f.s.Listener(f.listener)
	if !ok || ls.Port != 80 || ls.Protocol != "HTTP" || ls.LoadBalancerARN != f.lb {
		t.Fatalf("snapshot = %+v", ls)
	}
	da := ls.DefaultActions[0]
	if len(da.TargetGroups) != 3 || da.TargetGroups[1] != (WeightedTargetGroup{f.green, 20}) || !da.StickinessEnabled || da.StickinessDurationSeconds != 3600 {
		t.Fatalf("snapshot action = %+v", da)
	}
	// every target group now reports the load balancer
	for _, tg := range []string{f.blue, f.green, f.third} {
		snap, _ := f.s.TargetGroup(tg)
		if len(snap.LoadBalancerARNs) != 1 || snap.LoadBalancerARNs[0] != f.lb {
			t.Fatalf("tg %s LBs = %v", tg, snap.LoadBalancerARNs)
		}
	}
	// single group with stickiness is fine
	mustCall(t, f.s, "ModifyListener", merge(vals("ListenerArn", f.listener), append(forwardWeighted("DefaultActions.member.1", f.blue, "1"),
		"DefaultActions.member.1.ForwardConfig.TargetGroupStickinessConfig.Enabled", "true",
		"DefaultActions.member.1.ForwardConfig.TargetGroupStickinessConfig.DurationSeconds", "1")...))
	// green/third are free again — after the eventual-consistency delay:
	// until then AWS still answers ResourceInUse.
	_, err := call(f.s, "DeleteTargetGroup", vals("TargetGroupArn", f.third))
	wantCode(t, err, codeResourceInUse)
	f.now = f.now.Add(DefaultReleaseDelay - time.Second)
	_, err = call(f.s, "DeleteTargetGroup", vals("TargetGroupArn", f.third))
	wantCode(t, err, codeResourceInUse)
	f.now = f.now.Add(time.Second)
	mustCall(t, f.s, "DeleteTargetGroup", vals("TargetGroupArn", f.third))
}

func TestRulesDefaultAndPriorities(t *testing.T) {
	f := newFixture(t)
	mk := func(prio, path string) string {
		return result(t, mustCall(t, f.s, "CreateRule", vals("ListenerArn", f.listener, "Priority", prio,
			"Conditions.member.1.Field", "path-pattern", "Conditions.member.1.PathPatternConfig.Values.member.1", path,
			"Conditions.member.2.Field", "http-header", "Conditions.member.2.HttpHeaderConfig.HttpHeaderName", "X-Env",
			"Conditions.member.2.HttpHeaderConfig.Values.member.1", "green",
			"Actions.member.1.Type", "forward", "Actions.member.1.TargetGroupArn", f.green,
			"Tags.member.1.Key", "rule", "Tags.member.1.Value", prio))).Rules[0].RuleArn
	}
	r5, r10 := mk("5", "/five/*"), mk("10", "/ten/*")
	rs := result(t, mustCall(t, f.s, "DescribeRules", vals("ListenerArn", f.listener))).Rules
	if len(rs) != 3 || rs[0].Priority != "5" || rs[1].Priority != "10" || rs[2].Priority != "default" || !rs[2].IsDefault || rs[0].IsDefault ||
		len(rs[2].Conditions) != 0 || rs[2].Actions[0].TargetGroups[0].TargetGroupArn != f.blue {
		t.Fatalf("rules = %+v", rs)
	}
	c := rs[0].Conditions
	if c[0].Field != "path-pattern" || c[0].PathValues[0] != "/five/*" || c[0].Values[0] != "/five/*" || c[1].HeaderName != "X-Env" || c[1].HeaderVals[0] != "green" {
		t.Fatalf("conditions = %+v", c)
	}
	// conflicting priority
	_, err := call(f.s, "SetRulePriorities", vals("RulePriorities.member.1.RuleArn", r5, "RulePriorities.member.1.Priority", "10"))
	wantCode(t, err, codePriorityInUse)
	// duplicate priority within the request
	_, err = call(f.s, "SetRulePriorities", vals("RulePriorities.member.1.RuleArn", r5, "RulePriorities.member.1.Priority", "7",
		"RulePriorities.member.2.RuleArn", r10, "RulePriorities.member.2.Priority", "7"))
	wantCode(t, err, codeValidation)
	// swap
	out := result(t, mustCall(t, f.s, "SetRulePriorities", vals("RulePriorities.member.1.RuleArn", r5, "RulePriorities.member.1.Priority", "10",
		"RulePriorities.member.2.RuleArn", r10, "RulePriorities.member.2.Priority", "5"))).Rules
	if len(out) != 2 || out[0].RuleArn != r5 || out[0].Priority != "10" {
		t.Fatalf("set priorities result = %+v", out)
	}
	snap := f.s.Rules(f.listener)
	if len(snap) != 3 || snap[0].ARN != r10 || snap[1].ARN != r5 || !snap[2].IsDefault || snap[0].Conditions[0].Values[0] != "/ten/*" ||
		snap[0].Conditions[1].HeaderName != "X-Env" {
		t.Fatalf("rule snapshot = %+v", snap)
	}
	// ModifyRule replaces actions only
	m := result(t, mustCall(t, f.s, "ModifyRule", merge(vals("RuleArn", r5), forwardWeighted("Actions.member.1", f.blue, "3", f.green, "7")...))).Rules[0]
	if m.Conditions[0].PathValues[0] != "/five/*" || len(m.Actions[0].TargetGroups) != 2 || m.Actions[0].TargetGroups[1].Weight != 7 {
		t.Fatalf("modified rule = %+v", m)
	}
	// rule tags
	tags := result(t, mustCall(t, f.s, "DescribeTags", vals("ResourceArns.member.1", r5))).Tags
	if len(tags) != 1 || tags[0].Tags[0] != (xAttr{"rule", "5"}) {
		t.Fatalf("rule tags = %+v", tags)
	}
	// delete listener removes its rules
	mustCall(t, f.s, "DeleteListener", vals("ListenerArn", f.listener))
	_, err = call(f.s, "DescribeRules", vals("RuleArns.member.1", r5))
	wantCode(t, err, codeRuleNotFound)
	if f.s.Rules(f.listener) != nil {
		t.Fatal("rules of deleted listener")
	}
	f.now = f.now.Add(DefaultReleaseDelay) // released with the listener: in use a moment longer
	mustCall(t, f.s, "DeleteTargetGroup", vals("TargetGroupArn", f.blue))
}

func TestTags(t *testing.T) {
	f := newFixture(t)
	mustCall(t, f.s, "AddTags", vals("ResourceArns.member.1", f.lb, "ResourceArns.member.2", f.blue,
		"Tags.member.1.Key", "team", "Tags.member.1.Value", "a", "Tags.member.2.Key", "env", "Tags.member.2.Value", "dev"))
	mustCall(t, f.s, "AddTags", vals("ResourceArns.member.1", f.lb, "Tags.member.1.Key", "team", "Tags.member.1.Value", "b"))
	mustCall(t, f.s, "RemoveTags", vals("ResourceArns.member.1", f.blue, "TagKeys.member.1", "env"))
	td := result(t, mustCall(t, f.s, "DescribeTags", vals("ResourceArns.member.1", f.lb, "ResourceArns.member.2", f.blue, "ResourceArns.member.3", f.listener))).Tags
	if len(td) != 3 || td[0].Arn != f.lb || len(td[0].Tags) != 2 || td[0].Tags[0] != (xAttr{"team", "b"}) ||
		len(td[1].Tags) != 1 || td[1].Tags[0] != (xAttr{"team", "a"}) || len(td[2].Tags) != 0 {
		t.Fatalf("tags = %+v", td)
	}
}

func TestTargetGroupDefaultsAndAttributes(t *testing.T) {
	f := newFixture(t)
	tg := result(t, mustCall(t, f.s, "DescribeTargetGroups", vals("Names.member.1", "blue"))).TGs[0]
	if tg.Interval != 30 || tg.Timeout != 5 || tg.HealthCheckPath != "/" || tg.HTTPCode != "200" || len(tg.LoadBalancerArns) != 1 {
		t.Fatalf("defaults = %+v", tg)
	}
	// same name + same settings is idempotent
	again := result(t, mustCall(t, f.s, "CreateTargetGroup", vals("Name", "blue", "Protocol", "HTTP", "Port", "80", "VpcId", "vpc-1", "TargetType", "ip"))).TGs[0]
	if again.TargetGroupArn != f.blue {
		t.Fatalf("idempotent create returned %s", again.TargetGroupArn)
	}
	attrs := result(t, mustCall(t, f.s, "ModifyTargetGroupAttributes", vals("TargetGroupArn", f.blue,
		"Attributes.member.1.Key", "stickiness.enabled", "Attributes.member.1.Value", "true",
		"Attributes.member.2.Key", "stickiness.lb_cookie.duration_seconds", "Attributes.member.2.Value", "604800",
		"Attributes.member.3.Key", "load_balancing.algorithm.type", "Attributes.member.3.Value", "least_outstanding_requests",
		"Attributes.member.4.Key", "slow_start.duration_seconds", "Attributes.member.4.Value", "30",
		"Attributes.member.5.Key", "deregistration_delay.timeout_seconds", "Attributes.member.5.Value", "0"))).Attributes
	m := map[string]string{}
	for _, a := range attrs {
		m[a.Key] = a.Value
	}
	want := map[string]string{"stickiness.enabled": "true", "stickiness.type": "lb_cookie", "stickiness.lb_cookie.duration_seconds": "604800",
		"load_balancing.algorithm.type": "least_outstanding_requests", "slow_start.duration_seconds": "30", "deregistration_delay.timeout_seconds": "0",
		"stickiness.app_cookie.duration_seconds": "86400", "load_balancing.cross_zone.enabled": "use_load_balancer_configuration"}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("attribute %s = %q, want %q", k, m[k], v)
		}
	}
	if len(attrs) < 10 {
		t.Errorf("ModifyTargetGroupAttributes returned %d attributes, want the full list", len(attrs))
	}
	// ModifyTargetGroup health check
	mt := result(t, mustCall(t, f.s, "ModifyTargetGroup", vals("TargetGroupArn", f.blue, "HealthCheckPath", "/ready",
		"HealthCheckIntervalSeconds", "10", "HealthCheckTimeoutSeconds", "2", "Matcher.HttpCode", "200,202"))).TGs[0]
	if mt.HealthCheckPath != "/ready" || mt.Interval != 10 || mt.Timeout != 2 || mt.HTTPCode != "200,202" {
		t.Fatalf("modified = %+v", mt)
	}
	snap, _ := f.s.TargetGroup(f.blue)
	if snap.HealthCheck.Path != "/ready" || snap.Attributes["stickiness.enabled"] != "true" || snap.Port != 80 || snap.VpcID != "vpc-1" || snap.Name != "blue" {
		t.Fatalf("tg snapshot = %+v", snap)
	}
	// NLB target group defaults
	nlb := result(t, mustCall(t, f.s, "DescribeTargetGroups", vals("TargetGroupArns.member.1", f.tcp))).TGs[0]
	if nlb.Timeout != 10 || nlb.HealthCheckPath != "" || nlb.HTTPCode != "" {
		t.Fatalf("tcp defaults = %+v", nlb)
	}
}

func TestTargetHealthLifecycle(t *testing.T) {
	f := newFixture(t)
	reg := func(tg string, ids ...string) {
		u := vals("TargetGroupArn", tg)
		for i, id := range ids {
			u.Set(fmt.Sprintf("Targets.member.%d.Id", i+1), id)
		}
		mustCall(t, f.s, "RegisterTargets", u)
	}
	health := func(tg string) []xHealth {
		return result(t, mustCall(t, f.s, "DescribeTargetHealth", vals("TargetGroupArn", tg))).Health
	}
	// green is not used by any load balancer: unused / Target.NotInUse
	reg(f.green, "10.0.1.1")
	if h := health(f.green); len(h) != 1 || h[0].State != "unused" || h[0].Reason != "Target.NotInUse" || h[0].Port != 80 {
		t.Fatalf("unused = %+v", h)
	}
	// blue is in use: initial / Elb.RegistrationInProgress
	reg(f.blue, "10.0.0.1", "10.0.0.2")
	h := health(f.blue)
	if len(h) != 2 || h[0].State != "initial" || h[0].Reason != "Elb.RegistrationInProgress" || h[0].Desc == "" {
		t.Fatalf("initial = %+v", h)
	}
	// admin health
	if err := f.s.SetTargetHealth(f.blue, "10.0.0.1", 0, "healthy", "", ""); err != nil {
		t.Fatal(err)
	}
	if err := f.s.SetTargetHealth(f.blue, "10.0.0.2", 80, "unhealthy", "Target.FailedHealthChecks", ""); err != nil {
		t.Fatal(err)
	}
	h = health(f.blue)
	if h[0].State != "healthy" || h[0].Reason != "" || h[1].State != "unhealthy" || h[1].Reason != "Target.FailedHealthChecks" || h[1].Desc != "Health checks failed" {
		t.Fatalf("after set = %+v", h)
	}
	for _, bad := range []func() error{
		func() error { return f.s.SetTargetHealth("arn:nope", "10.0.0.1", 0, "healthy", "", "") },
		func() error { return f.s.SetTargetHealth(f.blue, "10.9.9.9", 0, "healthy", "", "") },
		func() error { return f.s.SetTargetHealth(f.blue, "10.0.0.1", 81, "healthy", "", "") },
		func() error { return f.s.SetTargetHealth(f.blue, "10.0.0.1", 0, "great", "", "") },
	} {
		if bad() == nil {
			t.Fatal("SetTargetHealth accepted bad input")
		}
	}
	// explicit query for an unregistered target
	q := result(t, mustCall(t, f.s, "DescribeTargetHealth", vals("TargetGroupArn", f.blue, "Targets.member.1.Id", "10.7.7.7"))).Health
	if len(q) != 1 || q[0].State != "unused" || q[0].Reason != "Target.NotRegistered" {
		t.Fatalf("unregistered = %+v", q)
	}
	// deregistration drains for deregistration_delay (300s) then vanishes
	mustCall(t, f.s, "DeregisterTargets", vals("TargetGroupArn", f.blue, "Targets.member.1.Id", "10.0.0.1"))
	h = health(f.blue)
	if len(h) != 2 || h[0].State != "draining" || h[0].Reason != "Target.DeregistrationInProgress" {
		t.Fatalf("draining = %+v", h)
	}
	f.now = f.now.Add(301 * time.Second)
	if h = health(f.blue); len(h) != 1 || h[0].ID != "10.0.0.2" {
		t.Fatalf("after drain = %+v", h)
	}
	// not in use: deregistration is immediate; unknown targets are ignored
	mustCall(t, f.s, "DeregisterTargets", vals("TargetGroupArn", f.green, "Targets.member.1.Id", "10.0.1.1", "Targets.member.2.Id", "10.0.1.9"))
	if h = health(f.green); len(h) != 0 {
		t.Fatalf("green after deregister = %+v", h)
	}
	snap, _ := f.s.TargetGroup(f.blue)
	if len(snap.Targets) != 1 || snap.Targets[0].State != "unhealthy" || snap.Targets[0].Port != 80 {
		t.Fatalf("snapshot targets = %+v", snap.Targets)
	}
}

func TestPaginationAndDeleteLB(t *testing.T) {
	f := newFixture(t)
	for _, n := range []string{"b2", "b3"} {
		mustCall(t, f.s, "CreateLoadBalancer", vals("Name", n, "Type", "network", "Subnets.member.1", "subnet-9"))
	}
	var names []string
	marker := ""
	for i := 0; i < 5; i++ {
		u := vals("PageSize", "2")
		if marker != "" {
			u.Set("Marker", marker)
		}
		r := result(t, mustCall(t, f.s, "DescribeLoadBalancers", u))
		for _, lb := range r.LBs {
			names = append(names, lb.Name)
		}
		if marker = r.NextMarker; marker == "" {
			break
		}
	}
	if strings.Join(names, ",") != "alb,b2,b3" {
		t.Fatalf("pages = %v", names)
	}
	// deleting an LB removes its listeners and rules; deleting twice succeeds
	mustCall(t, f.s, "DeleteLoadBalancer", vals("LoadBalancerArn", f.lb))
	mustCall(t, f.s, "DeleteLoadBalancer", vals("LoadBalancerArn", f.lb))
	if _, ok := f.s.Listener(f.listener); ok || len(f.s.Listeners()) != 0 {
		t.Fatal("listener survived LB deletion")
	}
	_, err := call(f.s, "DeleteTargetGroup", vals("TargetGroupArn", f.blue))
	wantCode(t, err, codeResourceInUse) // released with the load balancer a moment ago
	f.s.SetReleaseDelay(-1)
	mustCall(t, f.s, "DeleteTargetGroup", vals("TargetGroupArn", f.blue))
	mustCall(t, f.s, "DeleteTargetGroup", vals("TargetGroupArn", f.blue)) // already gone: succeeds
}

func TestConcurrentUse(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				_, _ = call(f.s, "DescribeListeners", vals("LoadBalancerArn", f.lb))
				_, _ = call(f.s, "ModifyListener", merge(vals("ListenerArn", f.listener), forwardWeighted("DefaultActions.member.1", f.blue, fmt.Sprint(j), f.green, "1")...))
				_ = f.s.Listeners()
				_, _ = f.s.TargetGroup(f.blue)
			}
		}(i)
	}
	wg.Wait()
}

// Values AWS refuses are refused here too: tags outside AWS's pattern,
// publicly routable ip targets, more than 1000 targets in a group.
func TestAWSRefusals(t *testing.T) {
	f := newFixture(t)
	for _, bad := range []string{"semi;colon", "a*b", "quote\"", "tab\t"} {
		_, err := call(f.s, "AddTags", vals("ResourceArns.member.1", f.blue, "Tags.member.1.Key", bad, "Tags.member.1.Value", "v"))
		wantCode(t, err, codeValidation)
		_, err = call(f.s, "AddTags", vals("ResourceArns.member.1", f.blue, "Tags.member.1.Key", "k", "Tags.member.1.Value", bad))
		wantCode(t, err, codeValidation)
	}
	mustCall(t, f.s, "AddTags", vals("ResourceArns.member.1", f.blue, "Tags.member.1.Key", "Équipe Ops:prod/x=1+2-3@a_b.c", "Tags.member.1.Value", "  ünïcödé 42 "))

	for _, public := range []string{"8.8.8.8", "52.95.110.1", "172.32.0.1", "100.128.0.1"} {
		_, err := call(f.s, "RegisterTargets", vals("TargetGroupArn", f.blue, "Targets.member.1.Id", public, "Targets.member.1.Port", "80"))
		wantCode(t, err, codeInvalidTarget)
	}
	for _, private := range []string{"10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1", "127.0.0.1"} {
		mustCall(t, f.s, "RegisterTargets", vals("TargetGroupArn", f.blue, "Targets.member.1.Id", private, "Targets.member.1.Port", "80"))
	}

	v := vals("TargetGroupArn", f.green)
	for i := range maxTargetsPerGroup {
		n := strconv.Itoa(i + 1)
		v.Set("Targets.member."+n+".Id", fmt.Sprintf("10.0.%d.%d", i/250, i%250+1))
		v.Set("Targets.member."+n+".Port", "80")
	}
	mustCall(t, f.s, "RegisterTargets", v)
	_, err := call(f.s, "RegisterTargets", vals("TargetGroupArn", f.green, "Targets.member.1.Id", "10.9.9.9", "Targets.member.1.Port", "80"))
	wantCode(t, err, codeTooManyTargets)
	mustCall(t, f.s, "RegisterTargets", vals("TargetGroupArn", f.green, "Targets.member.1.Id", "10.0.0.1", "Targets.member.1.Port", "80")) // already there
}

// withTestVPCs adds the VPCs these tests name (besides DefaultVPCID).
func withTestVPCs(s *Service) *Service {
	for _, id := range []string{"vpc-1", "vpc-2", "vpc-9", "vpc-123", "vpc-0a1b2c3d"} {
		if err := s.AddVPC("", id); err != nil {
			panic(err)
		}
	}
	return s
}

func TestVPCMustExist(t *testing.T) {
	s := New(Options{})
	create := func(vpc string) *awserr.Error {
		_, err := call(s, "CreateTargetGroup", vals("Name", "tg-"+strings.TrimPrefix(vpc, "vpc-"), "Protocol", "HTTP", "Port", "80", "VpcId", vpc, "TargetType", "ip"))
		return err
	}
	for _, missing := range []string{"not-a-vpc", "vpc-1", "vpc-0a1b2c3d"} {
		err := create(missing)
		wantCode(t, err, codeValidation)
		if !strings.Contains(err.Message, "The VPC ID '"+missing+"' is not found") {
			t.Fatalf("message %q", err.Message)
		}
	}
	if err := create(DefaultVPCID); err != nil {
		t.Fatalf("default VPC: %v", err)
	}
	if err := s.AddVPC("", "not-a-vpc"); err == nil {
		t.Fatal("AddVPC accepted a malformed id")
	}
	if err := s.AddVPC("us-east-1", "vpc-0a1b2c3d"); err != nil {
		t.Fatal(err)
	}
	if err := create("vpc-0a1b2c3d"); err != nil {
		t.Fatalf("added VPC: %v", err)
	}
	if got := s.VPCs(""); len(got) != 2 || got[0] != DefaultVPCID || got[1] != "vpc-0a1b2c3d" {
		t.Fatalf("VPCs = %v", got)
	}
	if got := s.VPCs("eu-west-1"); len(got) != 1 {
		t.Fatalf("eu-west-1 VPCs = %v: an added VPC belongs to its region only", got)
	}
}
