package sandbox

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/dataplane"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/demoapp"
)

// ---- harness -------------------------------------------------------------------

const testVPC = "vpc-0123456789abcdef0"

type dpEnv struct {
	t   *testing.T
	s   *Server
	elb *elb.Client
	cw  *cw.Client
	ctx context.Context
	web *http.Client
	// clk is Options.Clock when it is a manual fake: the health checks run
	// a round only when a test advances it (see rounds).
	clk *clock.Fake
}

func newDPEnv(t *testing.T, o Options) *dpEnv {
	t.Helper()
	o.DataPlane = true
	s := startTestServer(t, o)
	creds := credentials.NewStaticCredentialsProvider("test", "test", "")
	tr := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 16}
	t.Cleanup(tr.CloseIdleConnections)
	clk, _ := o.Clock.(*clock.Fake)
	return &dpEnv{
		t: t, s: s, ctx: context.Background(), clk: clk,
		elb: elb.New(elb.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.URL()), Credentials: creds, RetryMaxAttempts: 1}),
		cw:  cw.New(cw.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.URL()), Credentials: creds, RetryMaxAttempts: 1}),
		web: &http.Client{
			Transport:     tr,
			Timeout:       20 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

func startApp(t *testing.T, version, color string) *demoapp.Server {
	t.Helper()
	srv, err := demoapp.New(demoapp.Config{Version: version, Color: color}).Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

func (e *dpEnv) createLB(name string) string {
	e.t.Helper()
	out, err := e.elb.CreateLoadBalancer(e.ctx, &elb.CreateLoadBalancerInput{
		Name: aws.String(name), Subnets: []string{"subnet-aaaa1111", "subnet-bbbb2222"},
	})
	if err != nil {
		e.t.Fatalf("CreateLoadBalancer: %v", err)
	}
	return *out.LoadBalancers[0].LoadBalancerArn
}

type tgOpts struct {
	path                                  string
	matcher                               string
	interval, timeout, healthy, unhealthy int32
}

func (e *dpEnv) createTG(name string, o tgOpts) string {
	e.t.Helper()
	in := &elb.CreateTargetGroupInput{
		Name: aws.String(name), Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80),
		VpcId: aws.String(testVPC), TargetType: types.TargetTypeEnumIp,
		HealthCheckPath: aws.String("/health"),
	}
	if o.path != "" {
		in.HealthCheckPath = aws.String(o.path)
	}
	if o.matcher != "" {
		in.Matcher = &types.Matcher{HttpCode: aws.String(o.matcher)}
	}
	if o.interval > 0 {
		in.HealthCheckIntervalSeconds = aws.Int32(o.interval)
	}
	if o.timeout > 0 {
		in.HealthCheckTimeoutSeconds = aws.Int32(o.timeout)
	}
	if o.healthy > 0 {
		in.HealthyThresholdCount = aws.Int32(o.healthy)
	}
	if o.unhealthy > 0 {
		in.UnhealthyThresholdCount = aws.Int32(o.unhealthy)
	}
	out, err := e.elb.CreateTargetGroup(e.ctx, in)
	if err != nil {
		e.t.Fatalf("CreateTargetGroup %s: %v", name, err)
	}
	return *out.TargetGroups[0].TargetGroupArn
}

func (e *dpEnv) register(tgARN string, apps ...*demoapp.Server) {
	e.t.Helper()
	var ts []types.TargetDescription
	for _, a := range apps {
		ts = append(ts, types.TargetDescription{Id: aws.String("127.0.0.1"), Port: aws.Int32(int32(a.Port()))})
	}
	if _, err := e.elb.RegisterTargets(e.ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(tgARN), Targets: ts}); err != nil {
		e.t.Fatalf("RegisterTargets: %v", err)
	}
}

type weighted struct {
	arn    string
	weight int32
}

func forward(stickySeconds int32, groups ...weighted) types.Action {
	fc := &types.ForwardActionConfig{}
	for _, g := range groups {
		fc.TargetGroups = append(fc.TargetGroups, types.TargetGroupTuple{TargetGroupArn: aws.String(g.arn), Weight: aws.Int32(g.weight)})
	}
	if stickySeconds > 0 {
		fc.TargetGroupStickinessConfig = &types.TargetGroupStickinessConfig{Enabled: aws.Bool(true), DurationSeconds: aws.Int32(stickySeconds)}
	}
	return types.Action{Type: types.ActionTypeEnumForward, ForwardConfig: fc}
}

func fixed(status, contentType, body string) types.Action {
	return types.Action{Type: types.ActionTypeEnumFixedResponse, FixedResponseConfig: &types.FixedResponseActionConfig{
		StatusCode: aws.String(status), ContentType: aws.String(contentType), MessageBody: aws.String(body)}}
}

// createListener creates an HTTP listener through the SDK and returns its
// ARN and the base URL the data plane serves it on.
func (e *dpEnv) createListener(lbARN string, port int32, def types.Action) (string, string) {
	e.t.Helper()
	out, err := e.elb.CreateListener(e.ctx, &elb.CreateListenerInput{
		LoadBalancerArn: aws.String(lbARN), Protocol: types.ProtocolEnumHttp, Port: aws.Int32(port),
		DefaultActions: []types.Action{def},
	})
	if err != nil {
		e.t.Fatalf("CreateListener: %v", err)
	}
	arn := *out.Listeners[0].ListenerArn
	addr, ok := e.s.ListenerAddr(arn)
	if !ok {
		e.t.Fatalf("listener %s has no local address right after CreateListener", arn)
	}
	return arn, "http://" + addr
}

func (e *dpEnv) setDefault(listenerARN string, def types.Action) {
	e.t.Helper()
	if _, err := e.elb.ModifyListener(e.ctx, &elb.ModifyListenerInput{ListenerArn: aws.String(listenerARN), DefaultActions: []types.Action{def}}); err != nil {
		e.t.Fatalf("ModifyListener: %v", err)
	}
}

type reply struct {
	status int
	header http.Header
	body   string
	color  string // from the demo app's JSON
}

func (e *dpEnv) get(rawURL string, mod func(*http.Request)) reply {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if mod != nil {
		mod(req)
	}
	resp, err := e.web.Do(req)
	if err != nil {
		e.t.Fatalf("GET %s: %v", rawURL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, body: string(b)}
	var doc struct{ Color string }
	if json.Unmarshal(b, &doc) == nil {
		r.color = doc.Color
	}
	if r.color == "" {
		r.color = resp.Header.Get("X-Demo-Color")
	}
	return r
}

func (e *dpEnv) targetStates(tgARN string) map[int32]types.TargetHealth {
	e.t.Helper()
	out, err := e.elb.DescribeTargetHealth(e.ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(tgARN)})
	if err != nil {
		e.t.Fatalf("DescribeTargetHealth: %v", err)
	}
	m := map[int32]types.TargetHealth{}
	for _, d := range out.TargetHealthDescriptions {
		m[*d.Target.Port] = *d.TargetHealth
	}
	return m
}

// rounds advances the fake clock by one health check interval n times,
// letting every round that comes due finish each time: after rounds(n),
// every target group checked at that interval has had exactly n more rounds.
func (e *dpEnv) rounds(n int, interval time.Duration) {
	e.t.Helper()
	if e.clk == nil {
		e.t.Fatal("rounds needs Options.Clock to be a manual clock.Fake")
	}
	e.s.dp.hc.settle()
	for range n {
		e.clk.Advance(interval)
		e.s.dp.hc.settle()
	}
}

// waitState runs health check rounds (of interval, on the fake clock) until
// the app's target reports state, failing after max rounds.
func (e *dpEnv) waitState(tgARN string, app *demoapp.Server, state types.TargetHealthStateEnum, interval time.Duration, max int) types.TargetHealth {
	e.t.Helper()
	e.rounds(0, interval)
	var last types.TargetHealth
	for i := 0; ; i++ {
		last = e.targetStates(tgARN)[int32(app.Port())]
		if last.State == state {
			return last
		}
		if i == max {
			break
		}
		e.rounds(1, interval)
	}
	e.t.Fatalf("target %s did not become %s within %d rounds; last state %s (%v)", app.Addr(), state, max, last.State, last.Reason)
	return last
}

// ---- listeners -----------------------------------------------------------------

func TestDataPlaneOffByDefault(t *testing.T) {
	s := startTestServer(t, Options{})
	e := &dpEnv{t: t, s: s, ctx: context.Background(),
		elb: elb.New(elb.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.URL()),
			Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), RetryMaxAttempts: 1})}
	lb := e.createLB("off")
	tg := e.createTG("off-tg", tgOpts{})
	out, err := e.elb.CreateListener(e.ctx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(lb),
		Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80), DefaultActions: []types.Action{forward(0, weighted{tg, 1})}})
	if err != nil {
		t.Fatal(err)
	}
	if addr, ok := s.ListenerAddr(*out.Listeners[0].ListenerArn); ok {
		t.Fatalf("data plane off, but listener served at %s", addr)
	}
	if _, err := e.elb.RegisterTargets(e.ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(tg),
		Targets: []types.TargetDescription{{Id: aws.String("10.0.0.5"), Port: aws.Int32(8080)}}}); err != nil {
		t.Fatal(err)
	}
	if s.dp != nil {
		t.Fatal("data plane off, but it was started: something could probe targets")
	}
	if st := e.targetStates(tg)[8080]; st.State != types.TargetHealthStateEnumInitial || st.Reason != types.TargetHealthReasonEnumRegistrationInProgress {
		t.Fatalf("target health with the data plane off: %s %s, want initial Elb.RegistrationInProgress", st.State, st.Reason)
	}
	code, body := adminJSON(t, s, http.MethodGet, "/_sandbox/dataplane/listeners", nil)
	if code != 200 || body["enabled"] != false {
		t.Fatalf("GET /_sandbox/dataplane/listeners: %d %v", code, body)
	}
	if code, _ := adminJSON(t, s, http.MethodPut, "/_sandbox/dataplane/health-checks", map[string]any{"enabled": false}); code != http.StatusConflict {
		t.Fatalf("PUT health-checks with the data plane off: %d, want 409", code)
	}
}

func TestDataPlaneListenerLifecycle(t *testing.T) {
	e := newDPEnv(t, Options{})
	lb := e.createLB("life")
	arn, base := e.createListener(lb, 80, fixed("200", "text/plain", "hello"))

	r := e.get(base+"/", nil)
	if r.status != 200 || r.body != "hello" || r.header.Get("Content-Type") != "text/plain" {
		t.Fatalf("fixed response: %d %q %v", r.status, r.body, r.header)
	}

	code, body := adminJSON(t, e.s, http.MethodGet, "/_sandbox/dataplane/listeners", nil)
	ls, _ := body["listeners"].([]any)
	if code != 200 || body["enabled"] != true || len(ls) != 1 {
		t.Fatalf("GET /_sandbox/dataplane/listeners: %d %v", code, body)
	}
	if l := ls[0].(map[string]any); l["listenerArn"] != arn || l["url"] != base || l["port"] != float64(80) || l["loadBalancerArn"] != lb {
		t.Fatalf("listener entry %v; want %s at %s", l, arn, base)
	}

	// ModifyListener to another port keeps the (free) local port.
	if _, err := e.elb.ModifyListener(e.ctx, &elb.ModifyListenerInput{ListenerArn: aws.String(arn), Port: aws.Int32(8080)}); err != nil {
		t.Fatal(err)
	}
	if addr, _ := e.s.ListenerAddr(arn); "http://"+addr != base {
		t.Fatalf("ModifyListener moved the local address %s → %s", base, addr)
	}

	if _, err := e.elb.DeleteListener(e.ctx, &elb.DeleteListenerInput{ListenerArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.s.ListenerAddr(arn); ok {
		t.Fatal("deleted listener still has an address")
	}
	if conn, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), time.Second); err == nil {
		conn.Close()
		t.Fatal("deleted listener's port still accepts connections")
	}

	// Deleting the load balancer closes its listeners.
	arn2, base2 := e.createListener(lb, 81, fixed("200", "text/plain", "again"))
	if r := e.get(base2+"/", nil); r.body != "again" {
		t.Fatalf("second listener: %q", r.body)
	}
	if _, err := e.elb.DeleteLoadBalancer(e.ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(lb)}); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.s.ListenerAddr(arn2); ok {
		t.Fatal("listener of a deleted load balancer still has an address")
	}
	if conn, err := net.DialTimeout("tcp", strings.TrimPrefix(base2, "http://"), time.Second); err == nil {
		conn.Close()
		t.Fatal("deleted load balancer's listener port still accepts connections")
	}
}

func TestDataPlaneListenerPortBase(t *testing.T) {
	// Find a free port P and use base P-80, so listener port 80 maps to P.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	free := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	e := newDPEnv(t, Options{ListenerPortBase: free - 80})
	lb := e.createLB("based")
	_, base := e.createListener(lb, 80, fixed("200", "text/plain", "mapped"))
	if want := "http://127.0.0.1:" + strconv.Itoa(free); base != want {
		t.Fatalf("listener port 80 with ListenerPortBase %d served at %s, want %s", free-80, base, want)
	}
	if r := e.get(base+"/", nil); r.body != "mapped" {
		t.Fatalf("GET: %q", r.body)
	}
	if _, err := Start(Options{DataPlane: true, ListenerPortBase: -1}); err == nil {
		t.Fatal("negative ListenerPortBase accepted")
	}
	if _, err := Start(Options{DataPlane: true, HealthCheckTimeScale: -1}); err == nil {
		t.Fatal("negative HealthCheckTimeScale accepted")
	}
}

// ---- forwarding ----------------------------------------------------------------

func TestDataPlaneForwardByWeight(t *testing.T) {
	e := newDPEnv(t, Options{})
	blue, green := startApp(t, "v1", "blue"), startApp(t, "v2", "green")
	lb := e.createLB("weights")
	blueTG, greenTG := e.createTG("w-blue", tgOpts{}), e.createTG("w-green", tgOpts{})
	e.register(blueTG, blue)
	e.register(greenTG, green)
	arn, base := e.createListener(lb, 80, forward(0, weighted{blueTG, 90}, weighted{greenTG, 10}))

	const n = 1000
	counts := map[string]int{}
	for range n {
		r := e.get(base+"/", nil)
		if r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		counts[r.color]++
	}
	// Binomial(1000, 0.9): sd 9.5; ±50 (5 points) is more than 5 sd, so
	// this fails with probability < 1e-6 when routing is right.
	if counts["blue"] < 850 || counts["blue"] > 950 || counts["blue"]+counts["green"] != n {
		t.Fatalf("90/10 over %d requests: %v, want blue within 900±50", n, counts)
	}
	t.Logf("90/10 split over %d requests: %v", n, counts)

	// Weight 0 never receives traffic.
	e.setDefault(arn, forward(0, weighted{blueTG, 0}, weighted{greenTG, 999}))
	for range 200 {
		if r := e.get(base+"/", nil); r.color != "green" {
			t.Fatalf("weight 0 group got a request: %+v", r)
		}
	}
	// All weights 0: 503 from the load balancer.
	e.setDefault(arn, forward(0, weighted{blueTG, 0}, weighted{greenTG, 0}))
	if r := e.get(base+"/", nil); r.status != 503 || r.header.Get("Server") != "awselb/2.0" {
		t.Fatalf("all weights 0: %d %v", r.status, r.header)
	}
}

func TestDataPlaneStickiness(t *testing.T) {
	e := newDPEnv(t, Options{})
	blue, green := startApp(t, "v1", "blue"), startApp(t, "v2", "green")
	lb := e.createLB("sticky")
	blueTG, greenTG := e.createTG("s-blue", tgOpts{}), e.createTG("s-green", tgOpts{})
	e.register(blueTG, blue)
	e.register(greenTG, green)
	arn, base := e.createListener(lb, 80, forward(300, weighted{blueTG, 90}, weighted{greenTG, 10}))

	// Get a cookie for the minority group.
	var cookie *http.Cookie
	for i := 0; i < 500 && cookie == nil; i++ {
		r := e.get(base+"/", nil)
		sc := (&http.Response{Header: r.header}).Cookies()
		if len(sc) != 1 || sc[0].Name != "AWSALBTG" || sc[0].MaxAge != 300 || sc[0].Path != "/" {
			t.Fatalf("Set-Cookie %v, want one AWSALBTG with Max-Age=300 Path=/", r.header.Values("Set-Cookie"))
		}
		if r.color == "green" {
			cookie = sc[0]
		}
	}
	if cookie == nil {
		t.Fatal("no request went to the 10% group in 500 tries")
	}
	withCookie := func(c *http.Cookie) func(*http.Request) {
		return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value}) }
	}

	// The weights change to 50/50: the client keeps its group.
	e.setDefault(arn, forward(300, weighted{blueTG, 50}, weighted{greenTG, 50}))
	for i := range 50 {
		if r := e.get(base+"/", withCookie(cookie)); r.color != "green" {
			t.Fatalf("request %d with a green cookie went to %q", i, r.color)
		}
	}
	// Without the cookie both groups get traffic.
	seen := map[string]bool{}
	for range 100 {
		seen[e.get(base+"/", nil).color] = true
	}
	if !seen["blue"] || !seen["green"] {
		t.Fatalf("50/50 without cookie reached only %v", seen)
	}
	// Its group drops to weight 0: with group stickiness on, the client stays
	// (AWS documents no exception for weight 0; see dataplane.StickyGroup).
	e.setDefault(arn, forward(300, weighted{blueTG, 100}, weighted{greenTG, 0}))
	if r := e.get(base+"/", withCookie(cookie)); r.color != "green" {
		t.Fatalf("cookie for a weight-0 group routed to %q, want it kept on green for the duration", r.color)
	}
	// Group stickiness off: the cookie is ignored, the weights decide.
	e.setDefault(arn, forward(0, weighted{blueTG, 100}, weighted{greenTG, 0}))
	if r := e.get(base+"/", withCookie(cookie)); r.color != "blue" {
		t.Fatalf("stickiness off: cookie still routed to %q", r.color)
	}
	// Green leaves the forward: the client moves and gets a new cookie.
	e.setDefault(arn, forward(300, weighted{blueTG, 1}))
	r := e.get(base+"/", withCookie(cookie))
	if r.color != "blue" {
		t.Fatalf("cookie for a group no longer in the forward routed to %q", r.color)
	}
	sc := (&http.Response{Header: r.header}).Cookies()
	if len(sc) != 1 || sc[0].Value == cookie.Value {
		t.Fatalf("no new AWSALBTG cookie after moving: %v", r.header.Values("Set-Cookie"))
	}
	// A garbage or expired cookie is ignored.
	e.setDefault(arn, forward(300, weighted{blueTG, 0}, weighted{greenTG, 1}))
	expired := &http.Cookie{Name: "AWSALBTG", Value: dataplane.EncodeStickiness(blueTG, time.Now().Add(-time.Minute))}
	for _, c := range []*http.Cookie{expired, {Name: "AWSALBTG", Value: "!!garbage"}} {
		if r := e.get(base+"/", withCookie(c)); r.color != "green" {
			t.Fatalf("cookie %q routed to %q", c.Value, r.color)
		}
	}
	// Stickiness off: no cookie.
	e.setDefault(arn, forward(0, weighted{blueTG, 1}, weighted{greenTG, 1}))
	if r := e.get(base+"/", nil); r.header.Get("Set-Cookie") != "" {
		t.Fatalf("cookie set without stickiness: %v", r.header.Values("Set-Cookie"))
	}
}

func TestDataPlaneRules(t *testing.T) {
	e := newDPEnv(t, Options{})
	blue, green := startApp(t, "v1", "blue"), startApp(t, "v2", "green")
	lb := e.createLB("rules")
	blueTG, greenTG := e.createTG("r-blue", tgOpts{}), e.createTG("r-green", tgOpts{})
	e.register(blueTG, blue)
	e.register(greenTG, green)
	arn, base := e.createListener(lb, 80, forward(0, weighted{blueTG, 1}))

	rule := func(prio int32, cond types.RuleCondition, act types.Action, more ...types.RuleCondition) {
		t.Helper()
		if _, err := e.elb.CreateRule(e.ctx, &elb.CreateRuleInput{ListenerArn: aws.String(arn), Priority: aws.Int32(prio),
			Conditions: append([]types.RuleCondition{cond}, more...), Actions: []types.Action{act}}); err != nil {
			t.Fatalf("CreateRule %d: %v", prio, err)
		}
	}
	toGreen := forward(0, weighted{greenTG, 1})
	rule(10, types.RuleCondition{Field: aws.String("path-pattern"), PathPatternConfig: &types.PathPatternConditionConfig{Values: []string{"/api/*"}}},
		fixed("200", "application/json", `{"api":true}`))
	rule(20, types.RuleCondition{Field: aws.String("host-header"), HostHeaderConfig: &types.HostHeaderConditionConfig{Values: []string{"*.green.example"}}}, toGreen)
	rule(30, types.RuleCondition{Field: aws.String("http-header"), HttpHeaderConfig: &types.HttpHeaderConditionConfig{
		HttpHeaderName: aws.String("X-Canary"), Values: []string{"y?s"}}}, toGreen)
	rule(40, types.RuleCondition{Field: aws.String("query-string"), QueryStringConfig: &types.QueryStringConditionConfig{
		Values: []types.QueryStringKeyValuePair{{Key: aws.String("canary"), Value: aws.String("tr*")}}}}, toGreen)
	rule(50, types.RuleCondition{Field: aws.String("http-request-method"), HttpRequestMethodConfig: &types.HttpRequestMethodConditionConfig{
		Values: []string{"DELETE"}}}, fixed("405", "text/plain", "no deletes"))
	rule(60, types.RuleCondition{Field: aws.String("source-ip"), SourceIpConfig: &types.SourceIpConditionConfig{
		Values: []string{"10.0.0.0/8"}}}, fixed("403", "text/plain", "not from 10/8"))
	rule(70, types.RuleCondition{Field: aws.String("path-pattern"), PathPatternConfig: &types.PathPatternConditionConfig{Values: []string{"/old/*"}}},
		types.Action{Type: types.ActionTypeEnumRedirect, RedirectConfig: &types.RedirectActionConfig{
			Protocol: aws.String("HTTPS"), Port: aws.String("443"), Host: aws.String("new.#{host}"), Path: aws.String("/v2/#{path}"),
			StatusCode: types.RedirectActionStatusCodeEnumHttp301}})
	rule(80, types.RuleCondition{Field: aws.String("source-ip"), SourceIpConfig: &types.SourceIpConditionConfig{
		Values: []string{"127.0.0.0/8"}}}, fixed("200", "text/plain", "from loopback"),
		types.RuleCondition{Field: aws.String("path-pattern"), Values: []string{"/src"}})

	cases := []struct {
		name       string
		path       string
		mod        func(*http.Request)
		wantStatus int
		wantColor  string
		wantBody   string
	}{
		{name: "default", path: "/", wantStatus: 200, wantColor: "blue"},
		{name: "path-pattern", path: "/api/v1/items", wantStatus: 200, wantBody: `{"api":true}`},
		{name: "path-pattern is case-sensitive", path: "/API/x", wantStatus: 404, wantColor: "blue"},
		{name: "host-header wildcard", path: "/", mod: func(r *http.Request) { r.Host = "App.Green.Example:8080" }, wantStatus: 200, wantColor: "green"},
		{name: "host-header no match", path: "/", mod: func(r *http.Request) { r.Host = "green.example" }, wantStatus: 200, wantColor: "blue"},
		{name: "http-header", path: "/", mod: func(r *http.Request) { r.Header.Set("x-canary", "YES") }, wantStatus: 200, wantColor: "green"},
		{name: "query-string", path: "/?canary=TRUE", wantStatus: 200, wantColor: "green"},
		{name: "query-string no match", path: "/?canary=false", wantStatus: 200, wantColor: "blue"},
		{name: "source-ip and path", path: "/src", wantStatus: 200, wantBody: "from loopback"},
		{name: "method", path: "/", mod: func(r *http.Request) { r.Method = http.MethodDelete }, wantStatus: 405, wantBody: "no deletes"},
	}
	for _, c := range cases {
		r := e.get(base+c.path, c.mod)
		if r.status != c.wantStatus || (c.wantColor != "" && r.color != c.wantColor) || (c.wantBody != "" && r.body != c.wantBody) {
			t.Errorf("%s: got %d %q (color %q), want %d color %q body %q", c.name, r.status, r.body, r.color, c.wantStatus, c.wantColor, c.wantBody)
		}
	}
	r := e.get(base+"/old/page?x=1", func(r *http.Request) { r.Host = "shop.example" })
	if r.status != 301 || r.header.Get("Location") != "https://new.shop.example/v2/old/page?x=1" {
		t.Errorf("redirect: %d Location %q", r.status, r.header.Get("Location"))
	}
}

func TestDataPlaneHeadersAndErrors(t *testing.T) {
	e := newDPEnv(t, Options{DataPlaneIdleTimeout: 300 * time.Millisecond})
	// A target that echoes what it received.
	echo := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{
			"host": r.Host, "xff": r.Header.Get("X-Forwarded-For"), "proto": r.Header.Get("X-Forwarded-Proto"),
			"port": r.Header.Get("X-Forwarded-Port"), "trace": r.Header.Get("X-Amzn-Trace-Id"), "path": r.URL.RequestURI(),
		})
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = echo.Serve(ln) }()
	t.Cleanup(func() { _ = echo.Close() })
	echoPort := int32(ln.Addr().(*net.TCPAddr).Port)

	lb := e.createLB("headers")
	tg := e.createTG("h-echo", tgOpts{})
	if _, err := e.elb.RegisterTargets(e.ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(tg),
		Targets: []types.TargetDescription{{Id: aws.String("127.0.0.1"), Port: aws.Int32(echoPort)}}}); err != nil {
		t.Fatal(err)
	}
	arn, base := e.createListener(lb, 80, forward(0, weighted{tg, 1}))
	r := e.get(base+"/a/b?c=d", func(r *http.Request) {
		r.Host = "app.example"
		r.Header.Set("X-Forwarded-For", "203.0.113.7")
	})
	var got map[string]string
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if got["host"] != "app.example" || got["xff"] != "203.0.113.7, 127.0.0.1" || got["proto"] != "http" ||
		got["port"] != "80" || !strings.HasPrefix(got["trace"], "Root=1-") || got["path"] != "/a/b?c=d" {
		t.Fatalf("target saw %v", got)
	}

	// Timeout → 504; refused connection → 502; no targets → 503.
	slow := startApp(t, "v1", "slow")
	slow.App.SetBehaviour(demoapp.Behaviour{LatencyMS: 3000, Healthy: true})
	slowTG := e.createTG("h-slow", tgOpts{})
	e.register(slowTG, slow)
	e.setDefault(arn, forward(0, weighted{slowTG, 1}))
	if r := e.get(base+"/", nil); r.status != 504 || r.header.Get("Server") != "awselb/2.0" {
		t.Fatalf("slow target: %d %s", r.status, r.body)
	}
	gone := startApp(t, "v1", "gone")
	goneTG := e.createTG("h-gone", tgOpts{})
	e.register(goneTG, gone)
	_ = gone.Close()
	e.setDefault(arn, forward(0, weighted{goneTG, 1}))
	if r := e.get(base+"/", nil); r.status != 502 {
		t.Fatalf("closed target: %d %s", r.status, r.body)
	}
	emptyTG := e.createTG("h-empty", tgOpts{})
	e.setDefault(arn, forward(0, weighted{emptyTG, 1}))
	if r := e.get(base+"/", nil); r.status != 503 {
		t.Fatalf("no targets: %d %s", r.status, r.body)
	}
	// A non-loopback target is never contacted.
	if _, err := e.elb.RegisterTargets(e.ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(emptyTG),
		Targets: []types.TargetDescription{{Id: aws.String("10.1.2.3"), Port: aws.Int32(80)}}}); err != nil {
		t.Fatal(err)
	}
	if r := e.get(base+"/", nil); r.status != 502 {
		t.Fatalf("non-loopback target: %d %s", r.status, r.body)
	}
}

func TestDataPlaneFailOpenAndPins(t *testing.T) {
	e := newDPEnv(t, Options{})
	e.s.SetHealthChecks(false) // states below come from pins only
	a, b := startApp(t, "v1", "a"), startApp(t, "v1", "b")
	lb := e.createLB("failopen")
	tg := e.createTG("fo", tgOpts{})
	e.register(tg, a, b)
	_, base := e.createListener(lb, 80, forward(0, weighted{tg, 1}))

	colors := func(n int) map[string]int {
		m := map[string]int{}
		for range n {
			r := e.get(base+"/", nil)
			if r.status != 200 {
				t.Fatalf("status %d", r.status)
			}
			m[r.color]++
		}
		return m
	}
	pin := func(app *demoapp.Server, state string) {
		t.Helper()
		if err := e.s.SetTargetHealth(tg, "127.0.0.1", int32(app.Port()), state, "Target.FailedHealthChecks", ""); err != nil {
			t.Fatal(err)
		}
	}
	// Both unhealthy: fail-open, round robin over both.
	pin(a, "unhealthy")
	pin(b, "unhealthy")
	if m := colors(20); m["a"] != 10 || m["b"] != 10 {
		t.Fatalf("fail-open with no healthy target: %v, want 10/10 round robin", m)
	}
	// One healthy: it gets everything.
	pin(b, "healthy")
	if m := colors(20); m["b"] != 20 {
		t.Fatalf("one healthy target: %v, want all on b", m)
	}
	// Unpinned (and unchecked): both initial again → fail-open.
	code, _ := adminJSON(t, e.s, http.MethodDelete, "/_sandbox/elbv2/target-health",
		map[string]any{"targetGroupArn": tg, "targetId": "127.0.0.1", "port": b.Port()})
	if code != 200 {
		t.Fatalf("DELETE target-health: %d", code)
	}
	if st := e.targetStates(tg)[int32(b.Port())]; st.State != types.TargetHealthStateEnumInitial {
		t.Fatalf("after unpinning: %s", st.State)
	}
	if m := colors(20); m["a"] != 10 || m["b"] != 10 {
		t.Fatalf("after unpinning: %v", m)
	}
}

// ---- health checks ---------------------------------------------------------------

func TestDataPlaneHealthChecks(t *testing.T) {
	// Interval 5 s, timeout 2 s at scale 0.1: 0.5 s rounds (on the fake
	// clock: a round runs when the test advances it), 0.2 s timeouts (real
	// time); thresholds 2, so each transition takes two rounds.
	clk := clock.NewFake(time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC))
	e := newDPEnv(t, Options{HealthCheckTimeScale: 0.1, Clock: clk})
	const interval, within = 500 * time.Millisecond, 4
	a, b := startApp(t, "v1", "a"), startApp(t, "v1", "b")
	lb := e.createLB("health")
	tg := e.createTG("hc", tgOpts{interval: 5, timeout: 2, healthy: 2, unhealthy: 2, matcher: "200-299"})
	e.register(tg, a, b)
	// Not used by a load balancer yet: unused, not probed, however many
	// intervals pass.
	e.rounds(3, interval)
	if st := e.targetStates(tg)[int32(a.Port())]; st.State != types.TargetHealthStateEnumUnused {
		t.Fatalf("unattached group: %s, want unused", st.State)
	}
	_, base := e.createListener(lb, 80, forward(0, weighted{tg, 1}))

	e.waitState(tg, a, types.TargetHealthStateEnumHealthy, interval, within)
	e.waitState(tg, b, types.TargetHealthStateEnumHealthy, interval, within)

	// a fails its health check → unhealthy; traffic only to b.
	a.App.SetHealthy(false)
	st := e.waitState(tg, a, types.TargetHealthStateEnumUnhealthy, interval, within)
	if st.Reason != types.TargetHealthReasonEnumResponseCodeMismatch || !strings.Contains(aws.ToString(st.Description), "503") {
		t.Fatalf("unhealthy a: %s %s", st.Reason, aws.ToString(st.Description))
	}
	for range 20 {
		if r := e.get(base+"/", nil); r.color != "b" {
			t.Fatalf("request went to unhealthy target: %+v", r)
		}
	}
	// An admin pin holds against the checks until cleared.
	if err := e.s.SetTargetHealth(tg, "127.0.0.1", int32(a.Port()), "healthy", "", ""); err != nil {
		t.Fatal(err)
	}
	e.rounds(3, interval) // more rounds than the unhealthy threshold
	if st := e.targetStates(tg)[int32(a.Port())]; st.State != types.TargetHealthStateEnumHealthy {
		t.Fatalf("pinned healthy target reports %s", st.State)
	}
	if err := e.s.ClearTargetHealth(tg, "127.0.0.1", int32(a.Port())); err != nil {
		t.Fatal(err)
	}
	if st := e.targetStates(tg)[int32(a.Port())]; st.State != types.TargetHealthStateEnumUnhealthy {
		t.Fatalf("after clearing the pin: %s, want the checked state unhealthy", st.State)
	}

	// Recovery.
	a.App.SetHealthy(true)
	e.waitState(tg, a, types.TargetHealthStateEnumHealthy, interval, within)

	// b's process dies → FailedHealthChecks. a slow health check → Timeout.
	_ = b.Close()
	st = e.waitState(tg, b, types.TargetHealthStateEnumUnhealthy, interval, within)
	if st.Reason != types.TargetHealthReasonEnumFailedHealthChecks {
		t.Fatalf("dead target: %s", st.Reason)
	}
	if _, err := e.elb.ModifyTargetGroup(e.ctx, &elb.ModifyTargetGroupInput{TargetGroupArn: aws.String(tg), HealthCheckPath: aws.String("/")}); err != nil {
		t.Fatal(err)
	}
	a.App.SetBehaviour(demoapp.Behaviour{LatencyMS: 600, Healthy: true})
	st = e.waitState(tg, a, types.TargetHealthStateEnumUnhealthy, interval, within)
	if st.Reason != types.TargetHealthReasonEnumTimeout {
		t.Fatalf("slow target: %s", st.Reason)
	}
	// Nothing healthy: fail-open sends traffic to both (a answers slowly, b is gone).
	statuses := map[int]int{}
	for range 4 {
		statuses[e.get(base+"/", nil).status]++
	}
	if statuses[200] != 2 || statuses[502] != 2 {
		t.Fatalf("fail-open over a live and a dead target: %v, want 2×200 and 2×502", statuses)
	}

	// Health checks off: states freeze (a would pass its checks now).
	code, body := adminJSON(t, e.s, http.MethodPut, "/_sandbox/dataplane/health-checks", map[string]any{"enabled": false})
	if code != 200 || body["enabled"] != false {
		t.Fatalf("PUT health-checks: %d %v", code, body)
	}
	a.App.SetBehaviour(demoapp.Behaviour{Healthy: true})
	e.rounds(3, interval) // more rounds than the healthy threshold
	if st := e.targetStates(tg)[int32(a.Port())]; st.State != types.TargetHealthStateEnumUnhealthy {
		t.Fatalf("health checks off, but a changed to %s", st.State)
	}
	e.s.SetHealthChecks(true)
	e.waitState(tg, a, types.TargetHealthStateEnumHealthy, interval, within)

	// Detached from the load balancer: unused again.
	if _, err := e.elb.DeleteLoadBalancer(e.ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(lb)}); err != nil {
		t.Fatal(err)
	}
	e.waitState(tg, a, types.TargetHealthStateEnumUnused, interval, within)
}

// ---- metrics ---------------------------------------------------------------------

func TestDataPlaneMetrics(t *testing.T) {
	// Health check rounds on a fake clock; metrics on the wall clock (the
	// query below reads the current hour).
	e := newDPEnv(t, Options{HealthCheckTimeScale: 0.1, Clock: clock.NewFake(time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)), Now: time.Now})
	app := startApp(t, "v1", "blue")
	lb := e.createLB("metrics")
	tg := e.createTG("m-blue", tgOpts{interval: 5, timeout: 2, healthy: 2, unhealthy: 2})
	empty := e.createTG("m-empty", tgOpts{})
	e.register(tg, app)
	arn, base := e.createListener(lb, 80, forward(0, weighted{tg, 1}))
	if _, err := e.elb.CreateRule(e.ctx, &elb.CreateRuleInput{ListenerArn: aws.String(arn), Priority: aws.Int32(1),
		Conditions: []types.RuleCondition{{Field: aws.String("path-pattern"), Values: []string{"/empty"}}},
		Actions:    []types.Action{forward(0, weighted{empty, 1})}}); err != nil {
		t.Fatal(err)
	}
	e.waitState(tg, app, types.TargetHealthStateEnumHealthy, 500*time.Millisecond, 4)

	const ok, failed, elb503 = 150, 30, 5
	for range ok {
		if r := e.get(base+"/", nil); r.status != 200 {
			t.Fatalf("status %d", r.status)
		}
	}
	app.App.SetBehaviour(demoapp.Behaviour{FailPercent: 100, Healthy: true})
	for range failed {
		if r := e.get(base+"/", nil); r.status != 500 {
			t.Fatalf("status %d", r.status)
		}
	}
	for range elb503 {
		if r := e.get(base+"/empty", nil); r.status != 503 {
			t.Fatalf("status %d", r.status)
		}
	}
	e.s.FlushDataPlaneMetrics()

	lbDim, tgDim := lbDimension(lb), tgDimension(tg)
	if !strings.HasPrefix(lbDim, "app/metrics/") || !strings.HasPrefix(tgDim, "targetgroup/m-blue/") {
		t.Fatalf("dimension values %q %q", lbDim, tgDim)
	}
	dims := func(withTG bool) []cwtypes.Dimension {
		d := []cwtypes.Dimension{{Name: aws.String("LoadBalancer"), Value: aws.String(lbDim)}}
		if withTG {
			d = append(d, cwtypes.Dimension{Name: aws.String("TargetGroup"), Value: aws.String(tgDim)})
		}
		return d
	}
	query := func(id, metric, stat string, withTG bool) cwtypes.MetricDataQuery {
		return cwtypes.MetricDataQuery{Id: aws.String(id), MetricStat: &cwtypes.MetricStat{
			Metric: &cwtypes.Metric{Namespace: aws.String("AWS/ApplicationELB"), MetricName: aws.String(metric), Dimensions: dims(withTG)},
			Period: aws.Int32(3600), Stat: aws.String(stat)}}
	}
	now := time.Now()
	out, err := e.cw.GetMetricData(e.ctx, &cw.GetMetricDataInput{
		StartTime: aws.Time(now.Add(-time.Hour).Truncate(time.Hour)), EndTime: aws.Time(now.Add(time.Hour).Truncate(time.Hour)),
		MetricDataQueries: []cwtypes.MetricDataQuery{
			query("req_lb", "RequestCount", "Sum", false),
			query("req_tg", "RequestCount", "Sum", true),
			query("t2xx", "HTTPCode_Target_2XX_Count", "Sum", true),
			query("t5xx", "HTTPCode_Target_5XX_Count", "Sum", true),
			query("t5xx_lb", "HTTPCode_Target_5XX_Count", "Sum", false),
			query("elb5xx", "HTTPCode_ELB_5XX_Count", "Sum", false),
			query("elb503", "HTTPCode_ELB_503_Count", "Sum", false),
			query("p99", "TargetResponseTime", "p99", true),
			query("n_rt", "TargetResponseTime", "SampleCount", false),
			query("healthy", "HealthyHostCount", "Maximum", true),
			query("unhealthy", "UnHealthyHostCount", "Maximum", true),
		},
	})
	if err != nil {
		t.Fatalf("GetMetricData: %v", err)
	}
	got := map[string][]float64{}
	for _, r := range out.MetricDataResults {
		got[*r.Id] = r.Values
	}
	sum := func(id string) float64 {
		s := 0.0
		for _, v := range got[id] {
			s += v
		}
		return s
	}
	want := map[string]float64{
		"req_lb": ok + failed + elb503, "req_tg": ok + failed, "t2xx": ok, "t5xx": failed, "t5xx_lb": failed,
		"elb5xx": elb503, "elb503": elb503, "n_rt": ok + failed, "healthy": 1, "unhealthy": 0,
	}
	for id, w := range want {
		if sum(id) != w || len(got[id]) == 0 {
			t.Errorf("%s = %v, want %v", id, got[id], w)
		}
	}
	if len(got["p99"]) == 0 {
		t.Errorf("no p99 TargetResponseTime")
	}
	for _, v := range got["p99"] {
		if v <= 0 || v > 5 {
			t.Errorf("p99 TargetResponseTime = %v, want values in (0, 5] s", got["p99"])
		}
	}
}

// ---- units ------------------------------------------------------------------------

func TestMatchHTTPCode(t *testing.T) {
	cases := []struct {
		m    string
		code int
		want bool
	}{
		{"200", 200, true}, {"200", 204, false}, {"200-299", 204, true}, {"200-299", 300, false},
		{"200,202", 202, true}, {"200,202", 201, false}, {"", 200, true}, {"200-204,301", 301, true},
	}
	for _, c := range cases {
		if got := matchHTTPCode(c.m, c.code); got != c.want {
			t.Errorf("matchHTTPCode(%q, %d) = %v", c.m, c.code, got)
		}
	}
}

func TestDimensions(t *testing.T) {
	arn := "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/g/0123456789abcdef"
	if lbDimension("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188") != "app/web/50dc6c495c0c9188" ||
		tgDimension(arn) != "targetgroup/g/0123456789abcdef" {
		t.Fatal("dimension values")
	}
}
