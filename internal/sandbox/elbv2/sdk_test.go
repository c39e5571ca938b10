package elbv2

// This test serves ServeQuery over HTTP and drives it with the real
// aws-sdk-go-v2 ELBv2 client, proving that every response decodes in the SDK.

import (
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"
)

func newSDKClient(t *testing.T, svc *Service) *elb.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		body, aerr := svc.ServeQuery(r.Form.Get("Action"), r.Form, "req-1")
		w.Header().Set("Content-Type", "text/xml")
		if aerr != nil {
			type errXML struct {
				XMLName xml.Name `xml:"ErrorResponse"`
				Xmlns   string   `xml:"xmlns,attr"`
				Type    string   `xml:"Error>Type"`
				Code    string   `xml:"Error>Code"`
				Message string   `xml:"Error>Message"`
				ReqID   string   `xml:"RequestId"`
			}
			b, _ := xml.Marshal(errXML{Xmlns: xmlNS, Type: aerr.Fault(), Code: aerr.Code, Message: aerr.Message, ReqID: "req-1"})
			w.WriteHeader(aerr.Status)
			_, _ = w.Write(b)
			return
		}
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return elb.New(elb.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		BaseEndpoint:     aws.String(srv.URL),
		RetryMaxAttempts: 1,
	})
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestSDKRoundTrip(t *testing.T) {
	ctx := context.Background()
	svc := withTestVPCs(New(Options{}))
	c := newSDKClient(t, svc)

	lbOut, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{
		Name:    aws.String("my-alb"),
		Subnets: []string{"subnet-aaaa1111", "subnet-bbbb2222"},
		Tags:    []types.Tag{{Key: aws.String("env"), Value: aws.String("test")}},
	})
	if err != nil {
		t.Fatalf("CreateLoadBalancer: %v", err)
	}
	lb := lbOut.LoadBalancers[0]
	if !reLBArn.MatchString(*lb.LoadBalancerArn) || !strings.Contains(*lb.LoadBalancerArn, ":loadbalancer/app/my-alb/") {
		t.Fatalf("LB ARN %s", *lb.LoadBalancerArn)
	}
	if lb.State.Code != types.LoadBalancerStateEnumProvisioning || lb.Type != types.LoadBalancerTypeEnumApplication ||
		lb.Scheme != types.LoadBalancerSchemeEnumInternetFacing || len(lb.AvailabilityZones) != 2 || lb.CreatedTime == nil ||
		!strings.HasSuffix(*lb.DNSName, ".us-east-1.elb.amazonaws.com") || *lb.CanonicalHostedZoneId != "Z35SXDOTRQ7X7K" {
		t.Fatalf("LB = %+v", lb)
	}

	mkTG := func(name string) types.TargetGroup {
		out, err := c.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{
			Name: aws.String(name), Protocol: types.ProtocolEnumHttp, Port: aws.Int32(8080),
			VpcId: aws.String("vpc-123"), TargetType: types.TargetTypeEnumIp,
			HealthCheckPath: aws.String("/healthz"), Matcher: &types.Matcher{HttpCode: aws.String("200-299")},
		})
		if err != nil {
			t.Fatalf("CreateTargetGroup %s: %v", name, err)
		}
		return out.TargetGroups[0]
	}
	blue, green := mkTG("blue"), mkTG("green")
	if *blue.HealthCheckIntervalSeconds != 30 || *blue.HealthCheckTimeoutSeconds != 5 || *blue.HealthyThresholdCount != 5 ||
		*blue.UnhealthyThresholdCount != 2 || *blue.HealthCheckPort != "traffic-port" || blue.HealthCheckProtocol != types.ProtocolEnumHttp ||
		*blue.Matcher.HttpCode != "200-299" || *blue.HealthCheckPath != "/healthz" || *blue.ProtocolVersion != "HTTP1" ||
		!*blue.HealthCheckEnabled || blue.IpAddressType != types.TargetGroupIpAddressTypeEnumIpv4 {
		t.Fatalf("TG defaults = %+v", blue)
	}
	// Idempotent re-create; different settings -> DuplicateTargetGroupName.
	if again := mkTG("blue"); *again.TargetGroupArn != *blue.TargetGroupArn {
		t.Fatalf("re-create returned %s", *again.TargetGroupArn)
	}
	_, err = c.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("blue"), Protocol: types.ProtocolEnumHttp, Port: aws.Int32(81), VpcId: aws.String("vpc-123")})
	if apiCode(err) != codeDuplicateTargetGroupName {
		t.Fatalf("duplicate TG: %v", err)
	}

	// Listener with the legacy single TargetGroupArn.
	lOut, err := c.CreateListener(ctx, &elb.CreateListenerInput{
		LoadBalancerArn: lb.LoadBalancerArn, Port: aws.Int32(80), Protocol: types.ProtocolEnumHttp,
		DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: blue.TargetGroupArn}},
	})
	if err != nil {
		t.Fatalf("CreateListener: %v", err)
	}
	lis := lOut.Listeners[0]
	dl, err := c.DescribeListeners(ctx, &elb.DescribeListenersInput{LoadBalancerArn: lb.LoadBalancerArn})
	if err != nil {
		t.Fatalf("DescribeListeners: %v", err)
	}
	a := dl.Listeners[0].DefaultActions[0]
	if *a.TargetGroupArn != *blue.TargetGroupArn || len(a.ForwardConfig.TargetGroups) != 1 ||
		*a.ForwardConfig.TargetGroups[0].Weight != 1 || *a.ForwardConfig.TargetGroupStickinessConfig.Enabled || a.Order != nil {
		t.Fatalf("legacy forward echoed as %+v / %+v", a, a.ForwardConfig)
	}

	// Weighted forward with stickiness.
	_, err = c.ModifyListener(ctx, &elb.ModifyListenerInput{
		ListenerArn: lis.ListenerArn,
		DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, ForwardConfig: &types.ForwardActionConfig{
			TargetGroups: []types.TargetGroupTuple{
				{TargetGroupArn: blue.TargetGroupArn, Weight: aws.Int32(90)},
				{TargetGroupArn: green.TargetGroupArn, Weight: aws.Int32(10)},
			},
			TargetGroupStickinessConfig: &types.TargetGroupStickinessConfig{Enabled: aws.Bool(true), DurationSeconds: aws.Int32(300)},
		}}},
	})
	if err != nil {
		t.Fatalf("ModifyListener: %v", err)
	}
	dl, err = c.DescribeListeners(ctx, &elb.DescribeListenersInput{ListenerArns: []string{*lis.ListenerArn}})
	if err != nil {
		t.Fatalf("DescribeListeners: %v", err)
	}
	fc := dl.Listeners[0].DefaultActions[0].ForwardConfig
	if dl.Listeners[0].DefaultActions[0].TargetGroupArn != nil || len(fc.TargetGroups) != 2 ||
		*fc.TargetGroups[0].Weight != 90 || *fc.TargetGroups[1].Weight != 10 ||
		*fc.TargetGroups[1].TargetGroupArn != *green.TargetGroupArn ||
		!*fc.TargetGroupStickinessConfig.Enabled || *fc.TargetGroupStickinessConfig.DurationSeconds != 300 {
		t.Fatalf("weighted forward = %+v", fc)
	}
	if snap, ok := svc.Listener(*lis.ListenerArn); !ok || len(snap.DefaultActions[0].TargetGroups) != 2 || snap.DefaultActions[0].TargetGroups[1].Weight != 10 {
		t.Fatalf("snapshot = %+v", snap)
	}

	// Weight out of range.
	_, err = c.ModifyListener(ctx, &elb.ModifyListenerInput{ListenerArn: lis.ListenerArn, DefaultActions: []types.Action{{
		Type: types.ActionTypeEnumForward, ForwardConfig: &types.ForwardActionConfig{TargetGroups: []types.TargetGroupTuple{
			{TargetGroupArn: blue.TargetGroupArn, Weight: aws.Int32(1000)}, {TargetGroupArn: green.TargetGroupArn, Weight: aws.Int32(1)}}},
	}}})
	if apiCode(err) != codeValidation {
		t.Fatalf("weight 1000: %v", err)
	}

	// Rules with several condition kinds.
	rOut, err := c.CreateRule(ctx, &elb.CreateRuleInput{
		ListenerArn: lis.ListenerArn, Priority: aws.Int32(10),
		Conditions: []types.RuleCondition{
			{Field: aws.String("path-pattern"), Values: []string{"/api/*"}},
			{Field: aws.String("host-header"), HostHeaderConfig: &types.HostHeaderConditionConfig{Values: []string{"a.example.com"}}},
			{Field: aws.String("http-header"), HttpHeaderConfig: &types.HttpHeaderConditionConfig{HttpHeaderName: aws.String("X-Canary"), Values: []string{"1"}}},
			{Field: aws.String("query-string"), QueryStringConfig: &types.QueryStringConditionConfig{Values: []types.QueryStringKeyValuePair{{Key: aws.String("v"), Value: aws.String("2")}}}},
		},
		Actions: []types.Action{{Type: types.ActionTypeEnumFixedResponse, FixedResponseConfig: &types.FixedResponseActionConfig{
			StatusCode: aws.String("503"), ContentType: aws.String("text/plain"), MessageBody: aws.String("down")}}},
	})
	if err != nil {
		t.Fatalf("CreateRule: %v", err)
	}
	r10 := rOut.Rules[0]
	r2, err := c.CreateRule(ctx, &elb.CreateRuleInput{
		ListenerArn: lis.ListenerArn, Priority: aws.Int32(20),
		Conditions: []types.RuleCondition{{Field: aws.String("path-pattern"), PathPatternConfig: &types.PathPatternConditionConfig{Values: []string{"/x", "/y"}}}},
		Actions: []types.Action{{Type: types.ActionTypeEnumRedirect, RedirectConfig: &types.RedirectActionConfig{
			StatusCode: types.RedirectActionStatusCodeEnumHttp301, Host: aws.String("other.example.com")}}},
	})
	if err != nil {
		t.Fatalf("CreateRule 2: %v", err)
	}
	_, err = c.CreateRule(ctx, &elb.CreateRuleInput{ListenerArn: lis.ListenerArn, Priority: aws.Int32(20),
		Conditions: []types.RuleCondition{{Field: aws.String("path-pattern"), Values: []string{"/z"}}},
		Actions:    []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: green.TargetGroupArn}}})
	if apiCode(err) != codePriorityInUse {
		t.Fatalf("priority in use: %v", err)
	}
	dr, err := c.DescribeRules(ctx, &elb.DescribeRulesInput{ListenerArn: lis.ListenerArn})
	if err != nil {
		t.Fatalf("DescribeRules: %v", err)
	}
	if len(dr.Rules) != 3 || *dr.Rules[2].Priority != "default" || !*dr.Rules[2].IsDefault || *dr.Rules[0].Priority != "10" {
		t.Fatalf("rules = %+v", dr.Rules)
	}
	c0 := dr.Rules[0].Conditions
	if c0[0].Values[0] != "/api/*" || c0[0].PathPatternConfig.Values[0] != "/api/*" || c0[1].HostHeaderConfig.Values[0] != "a.example.com" ||
		*c0[2].HttpHeaderConfig.HttpHeaderName != "X-Canary" || *c0[3].QueryStringConfig.Values[0].Key != "v" {
		t.Fatalf("conditions = %+v", c0)
	}
	if f := dr.Rules[0].Actions[0].FixedResponseConfig; *f.StatusCode != "503" || *f.MessageBody != "down" {
		t.Fatalf("fixed = %+v", f)
	}
	if rd := dr.Rules[1].Actions[0].RedirectConfig; *rd.Host != "other.example.com" || *rd.Path != "/#{path}" || rd.StatusCode != types.RedirectActionStatusCodeEnumHttp301 {
		t.Fatalf("redirect = %+v", rd)
	}
	if fc := dr.Rules[2].Actions[0].ForwardConfig; len(fc.TargetGroups) != 2 {
		t.Fatalf("default rule actions = %+v", dr.Rules[2].Actions)
	}
	// Default rule cannot be deleted.
	_, err = c.DeleteRule(ctx, &elb.DeleteRuleInput{RuleArn: dr.Rules[2].RuleArn})
	if apiCode(err) != codeOperationNotPermitted {
		t.Fatalf("delete default rule: %v", err)
	}
	// Swap priorities.
	sp, err := c.SetRulePriorities(ctx, &elb.SetRulePrioritiesInput{RulePriorities: []types.RulePriorityPair{
		{RuleArn: r10.RuleArn, Priority: aws.Int32(20)}, {RuleArn: r2.Rules[0].RuleArn, Priority: aws.Int32(10)}}})
	if err != nil || len(sp.Rules) != 2 {
		t.Fatalf("SetRulePriorities: %v", err)
	}
	if rs := svc.Rules(*lis.ListenerArn); rs[0].ARN != *r2.Rules[0].RuleArn || rs[0].Priority != "10" {
		t.Fatalf("after swap: %+v", rs)
	}

	// Targets and health.
	_, err = c.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: blue.TargetGroupArn,
		Targets: []types.TargetDescription{{Id: aws.String("10.0.0.1")}, {Id: aws.String("10.0.0.2"), Port: aws.Int32(9090)}}})
	if err != nil {
		t.Fatalf("RegisterTargets: %v", err)
	}
	th, err := c.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: blue.TargetGroupArn})
	if err != nil {
		t.Fatalf("DescribeTargetHealth: %v", err)
	}
	if len(th.TargetHealthDescriptions) != 2 || th.TargetHealthDescriptions[0].TargetHealth.State != types.TargetHealthStateEnumInitial ||
		th.TargetHealthDescriptions[0].TargetHealth.Reason != types.TargetHealthReasonEnumRegistrationInProgress ||
		*th.TargetHealthDescriptions[0].Target.Port != 8080 || *th.TargetHealthDescriptions[1].HealthCheckPort != "9090" {
		t.Fatalf("health = %+v", th.TargetHealthDescriptions)
	}
	if err := svc.SetTargetHealth(*blue.TargetGroupArn, "10.0.0.1", 0, "healthy", "", ""); err != nil {
		t.Fatal(err)
	}
	th, _ = c.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: blue.TargetGroupArn,
		Targets: []types.TargetDescription{{Id: aws.String("10.0.0.1")}}})
	if len(th.TargetHealthDescriptions) != 1 || th.TargetHealthDescriptions[0].TargetHealth.State != types.TargetHealthStateEnumHealthy ||
		th.TargetHealthDescriptions[0].TargetHealth.Reason != "" {
		t.Fatalf("health after set = %+v", th.TargetHealthDescriptions)
	}

	// Target group attributes.
	ma, err := c.ModifyTargetGroupAttributes(ctx, &elb.ModifyTargetGroupAttributesInput{TargetGroupArn: blue.TargetGroupArn,
		Attributes: []types.TargetGroupAttribute{{Key: aws.String("stickiness.enabled"), Value: aws.String("true")},
			{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String("30")}}})
	if err != nil {
		t.Fatalf("ModifyTargetGroupAttributes: %v", err)
	}
	got := map[string]string{}
	for _, at := range ma.Attributes {
		got[*at.Key] = *at.Value
	}
	if got["stickiness.enabled"] != "true" || got["deregistration_delay.timeout_seconds"] != "30" || got["load_balancing.algorithm.type"] != "round_robin" {
		t.Fatalf("attributes = %v", got)
	}
	if _, err := c.DescribeTargetGroupAttributes(ctx, &elb.DescribeTargetGroupAttributesInput{TargetGroupArn: blue.TargetGroupArn}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DescribeLoadBalancerAttributes(ctx, &elb.DescribeLoadBalancerAttributesInput{LoadBalancerArn: lb.LoadBalancerArn}); err != nil {
		t.Fatal(err)
	}

	// Target groups by load balancer; LoadBalancerArns.
	dtg, err := c.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{LoadBalancerArn: lb.LoadBalancerArn})
	if err != nil || len(dtg.TargetGroups) != 2 || dtg.TargetGroups[0].LoadBalancerArns[0] != *lb.LoadBalancerArn {
		t.Fatalf("DescribeTargetGroups by LB: %v %+v", err, dtg)
	}
	_, err = c.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{Names: []string{"nope"}})
	if apiCode(err) != codeTargetGroupNotFound {
		t.Fatalf("unknown TG name: %v", err)
	}

	// Tags.
	if _, err := c.AddTags(ctx, &elb.AddTagsInput{ResourceArns: []string{*blue.TargetGroupArn, *lis.ListenerArn},
		Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("b"), Value: aws.String("2")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RemoveTags(ctx, &elb.RemoveTagsInput{ResourceArns: []string{*blue.TargetGroupArn}, TagKeys: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	dt, err := c.DescribeTags(ctx, &elb.DescribeTagsInput{ResourceArns: []string{*lb.LoadBalancerArn, *blue.TargetGroupArn, *lis.ListenerArn}})
	if err != nil || len(dt.TagDescriptions) != 3 || *dt.TagDescriptions[0].Tags[0].Key != "env" ||
		len(dt.TagDescriptions[1].Tags) != 1 || *dt.TagDescriptions[1].Tags[0].Key != "b" || len(dt.TagDescriptions[2].Tags) != 2 {
		t.Fatalf("DescribeTags: %v %+v", err, dt)
	}

	// Target group in use.
	_, err = c.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: green.TargetGroupArn})
	if apiCode(err) != codeResourceInUse {
		t.Fatalf("delete in-use TG: %v", err)
	}

	// Pagination of load balancers.
	if _, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("nlb-1"), Type: types.LoadBalancerTypeEnumNetwork, Subnets: []string{"subnet-1"}}); err != nil {
		t.Fatal(err)
	}
	pg := elb.NewDescribeLoadBalancersPaginator(c, &elb.DescribeLoadBalancersInput{PageSize: aws.Int32(1)})
	var names []string
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range out.LoadBalancers {
			names = append(names, *l.LoadBalancerName)
		}
	}
	if strings.Join(names, ",") != "my-alb,nlb-1" {
		t.Fatalf("paged names = %v", names)
	}

	// Delete the LB: its listeners and rules go, the target group becomes deletable.
	if _, err := c.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: lb.LoadBalancerArn}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeListeners(ctx, &elb.DescribeListenersInput{ListenerArns: []string{*lis.ListenerArn}})
	if apiCode(err) != codeListenerNotFound {
		t.Fatalf("listener after LB delete: %v", err)
	}
	// Released with the load balancer: ResourceInUse for a moment (the SDK
	// does not retry it), then free.
	if _, err := c.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: green.TargetGroupArn}); apiCode(err) != codeResourceInUse {
		t.Fatalf("delete TG right after LB delete: %v, want ResourceInUse", err)
	}
	svc.SetReleaseDelay(-1)
	if _, err := c.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: green.TargetGroupArn}); err != nil {
		t.Fatalf("delete TG after LB delete: %v", err)
	}
	// Unknown action surfaces as an API error too.
	if _, err := c.DescribeSSLPolicies(ctx, &elb.DescribeSSLPoliciesInput{}); apiCode(err) != codeInvalidAction {
		t.Fatalf("unsupported action: %v", err)
	}
}

func TestSDKMoreShapes(t *testing.T) {
	ctx := context.Background()
	svc := withTestVPCs(New(Options{Region: "eu-west-1", AccountID: "111122223333"}))
	c := newSDKClient(t, svc)

	lb, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("web"), Scheme: types.LoadBalancerSchemeEnumInternal,
		SubnetMappings: []types.SubnetMapping{{SubnetId: aws.String("subnet-1")}, {SubnetId: aws.String("subnet-2")}}, SecurityGroups: []string{"sg-1"}})
	if err != nil {
		t.Fatal(err)
	}
	lbArn := lb.LoadBalancers[0].LoadBalancerArn
	if !strings.HasPrefix(*lb.LoadBalancers[0].DNSName, "internal-web-") || !strings.Contains(*lbArn, ":eu-west-1:111122223333:") ||
		lb.LoadBalancers[0].SecurityGroups[0] != "sg-1" || *lb.LoadBalancers[0].AvailabilityZones[1].ZoneName != "eu-west-1b" {
		t.Fatalf("lb = %+v", lb.LoadBalancers[0])
	}
	tg, err := c.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("web"), Protocol: types.ProtocolEnumHttps,
		Port: aws.Int32(443), VpcId: aws.String("vpc-9"), ProtocolVersion: aws.String("GRPC")})
	if err != nil {
		t.Fatal(err)
	}
	if g := tg.TargetGroups[0]; *g.Matcher.GrpcCode != "12" || g.Matcher.HttpCode != nil || *g.HealthCheckPath != "/AWS.ALB/healthcheck" {
		t.Fatalf("grpc tg = %+v", g)
	}
	tgArn := tg.TargetGroups[0].TargetGroupArn

	l, err := c.CreateListener(ctx, &elb.CreateListenerInput{
		LoadBalancerArn: lbArn, Port: aws.Int32(443), Protocol: types.ProtocolEnumHttps,
		Certificates:         []types.Certificate{{CertificateArn: aws.String("arn:aws:acm:eu-west-1:111122223333:certificate/abc")}},
		MutualAuthentication: &types.MutualAuthenticationAttributes{Mode: aws.String("off")},
		DefaultActions: []types.Action{
			{Type: types.ActionTypeEnumAuthenticateOidc, Order: aws.Int32(1), AuthenticateOidcConfig: &types.AuthenticateOidcActionConfig{
				Issuer: aws.String("https://idp"), AuthorizationEndpoint: aws.String("https://idp/auth"), TokenEndpoint: aws.String("https://idp/token"),
				UserInfoEndpoint: aws.String("https://idp/user"), ClientId: aws.String("cid"), ClientSecret: aws.String("secret"),
				AuthenticationRequestExtraParams: map[string]string{"display": "page", "prompt": "login"}}},
			{Type: types.ActionTypeEnumForward, Order: aws.Int32(2), TargetGroupArn: tgArn},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := l.Listeners[0]
	oidc := got.DefaultActions[0].AuthenticateOidcConfig
	if *got.SslPolicy != defaultSSLPolicy || *got.Certificates[0].CertificateArn != "arn:aws:acm:eu-west-1:111122223333:certificate/abc" ||
		oidc == nil || *oidc.Issuer != "https://idp" || oidc.ClientSecret != nil || oidc.AuthenticationRequestExtraParams["prompt"] != "login" ||
		*got.DefaultActions[0].Order != 1 || *got.DefaultActions[1].Order != 2 || *got.MutualAuthentication.Mode != "off" {
		t.Fatalf("https listener = %+v / %+v", got, oidc)
	}
	r, err := c.CreateRule(ctx, &elb.CreateRuleInput{ListenerArn: got.ListenerArn, Priority: aws.Int32(1),
		Conditions: []types.RuleCondition{
			{Field: aws.String("source-ip"), SourceIpConfig: &types.SourceIpConditionConfig{Values: []string{"10.0.0.0/8"}}},
			{Field: aws.String("http-request-method"), HttpRequestMethodConfig: &types.HttpRequestMethodConditionConfig{Values: []string{"GET", "HEAD"}}},
		},
		Actions: []types.Action{{Type: types.ActionTypeEnumForward, ForwardConfig: &types.ForwardActionConfig{TargetGroups: []types.TargetGroupTuple{{TargetGroupArn: tgArn}}}}},
		Transforms: []types.RuleTransform{{Type: types.TransformTypeEnumHostHeaderRewrite, HostHeaderRewriteConfig: &types.HostHeaderRewriteConfig{
			Rewrites: []types.RewriteConfig{{Regex: aws.String("^a$"), Replace: aws.String("b")}}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	rr := r.Rules[0]
	if rr.Conditions[0].SourceIpConfig.Values[0] != "10.0.0.0/8" || rr.Conditions[1].HttpRequestMethodConfig.Values[1] != "HEAD" ||
		*rr.Actions[0].TargetGroupArn != *tgArn || *rr.Actions[0].ForwardConfig.TargetGroups[0].Weight != 1 ||
		len(rr.Transforms) != 1 || *rr.Transforms[0].HostHeaderRewriteConfig.Rewrites[0].Replace != "b" {
		t.Fatalf("rule = %+v", rr)
	}

	// Network Load Balancer, TCP target group, lambda target group.
	nlb, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("net"), Type: types.LoadBalancerTypeEnumNetwork, Subnets: []string{"subnet-3"}})
	if err != nil {
		t.Fatal(err)
	}
	if n := nlb.LoadBalancers[0]; !strings.Contains(*n.LoadBalancerArn, ":loadbalancer/net/net/") || !strings.HasSuffix(*n.DNSName, ".elb.eu-west-1.amazonaws.com") {
		t.Fatalf("nlb = %+v", n)
	}
	tcp, err := c.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("tcp"), Protocol: types.ProtocolEnumTcp, Port: aws.Int32(5000), VpcId: aws.String("vpc-9")})
	if err != nil {
		t.Fatal(err)
	}
	if g := tcp.TargetGroups[0]; g.HealthCheckProtocol != types.ProtocolEnumTcp || *g.HealthCheckTimeoutSeconds != 10 || g.Matcher != nil || g.HealthCheckPath != nil {
		t.Fatalf("tcp tg = %+v", g)
	}
	if _, err := c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: nlb.LoadBalancers[0].LoadBalancerArn, Port: aws.Int32(5000), Protocol: types.ProtocolEnumTcp,
		DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: tcp.TargetGroups[0].TargetGroupArn}}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: nlb.LoadBalancers[0].LoadBalancerArn, Port: aws.Int32(5001), Protocol: types.ProtocolEnumTcp,
		DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: tgArn}}})
	if apiCode(err) != codeTargetGroupAssociationLimit && apiCode(err) != codeIncompatibleProtocols {
		t.Fatalf("https tg on tcp listener: %v", err)
	}
	lam, err := c.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("fn"), TargetType: types.TargetTypeEnumLambda})
	if err != nil {
		t.Fatal(err)
	}
	if g := lam.TargetGroups[0]; g.Port != nil || g.Protocol != "" || *g.HealthCheckEnabled || *g.HealthCheckIntervalSeconds != 35 {
		t.Fatalf("lambda tg = %+v", g)
	}
	if _, err := c.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: lam.TargetGroups[0].TargetGroupArn,
		Targets: []types.TargetDescription{{Id: aws.String("arn:aws:lambda:eu-west-1:111122223333:function:f")}}}); err != nil {
		t.Fatal(err)
	}
	th, err := c.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: lam.TargetGroups[0].TargetGroupArn})
	if err != nil || len(th.TargetHealthDescriptions) != 1 || th.TargetHealthDescriptions[0].Target.Port != nil ||
		th.TargetHealthDescriptions[0].TargetHealth.State != types.TargetHealthStateEnumUnused {
		t.Fatalf("lambda health: %v %+v", err, th)
	}
	// Validation error surfaces with its message through the SDK.
	_, err = c.CreateRule(ctx, &elb.CreateRuleInput{ListenerArn: got.ListenerArn, Priority: aws.Int32(0),
		Conditions: []types.RuleCondition{{Field: aws.String("path-pattern"), Values: []string{"/"}}},
		Actions:    []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: tgArn}}})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != codeValidation || !strings.Contains(ae.ErrorMessage(), "'priority'") {
		t.Fatalf("priority 0: %v", err)
	}
}
