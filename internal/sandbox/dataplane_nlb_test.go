package sandbox

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
)

// ---- NLB harness -----------------------------------------------------------------

func (e *dpEnv) createNLB(name string) string {
	e.t.Helper()
	out, err := e.elb.CreateLoadBalancer(e.ctx, &elb.CreateLoadBalancerInput{
		Name: aws.String(name), Type: types.LoadBalancerTypeEnumNetwork, Subnets: []string{"subnet-aaaa1111"},
	})
	if err != nil {
		e.t.Fatalf("CreateLoadBalancer network: %v", err)
	}
	return *out.LoadBalancers[0].LoadBalancerArn
}

func (e *dpEnv) createTCPGroup(name string, interval int32) string {
	e.t.Helper()
	out, err := e.elb.CreateTargetGroup(e.ctx, &elb.CreateTargetGroupInput{
		Name: aws.String(name), Protocol: types.ProtocolEnumTcp, Port: aws.Int32(80),
		VpcId: aws.String(testVPC), TargetType: types.TargetTypeEnumIp,
		HealthCheckProtocol: types.ProtocolEnumTcp, HealthCheckIntervalSeconds: aws.Int32(interval),
		HealthCheckTimeoutSeconds: aws.Int32(2), HealthyThresholdCount: aws.Int32(2), UnhealthyThresholdCount: aws.Int32(2),
	})
	if err != nil {
		e.t.Fatalf("CreateTargetGroup TCP %s: %v", name, err)
	}
	return *out.TargetGroups[0].TargetGroupArn
}

func (e *dpEnv) createTCPListener(lbARN string, def types.Action) (string, string) {
	e.t.Helper()
	out, err := e.elb.CreateListener(e.ctx, &elb.CreateListenerInput{
		LoadBalancerArn: aws.String(lbARN), Protocol: types.ProtocolEnumTcp, Port: aws.Int32(80),
		DefaultActions: []types.Action{def},
	})
	if err != nil {
		e.t.Fatalf("CreateListener TCP: %v", err)
	}
	arn := *out.Listeners[0].ListenerArn
	addr, ok := e.s.ListenerAddr(arn)
	if !ok {
		e.t.Fatalf("NLB listener %s has no local address right after CreateListener", arn)
	}
	return arn, addr
}

// exchange sends one HTTP request on an open TCP connection and returns
// the demo app's colour (X-Demo-Color) of the answer.
func exchangeOn(t *testing.T, c net.Conn, br *bufio.Reader) (string, error) {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: nlb.test\r\n\r\n"); err != nil {
		return "", err
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return "", err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.Header.Get("X-Demo-Color"), nil
}

// connColor opens a new TCP connection to addr, sends one request and
// returns the colour that answered it.
func connColor(t *testing.T, addr string) (string, error) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	return exchangeOn(t, c, bufio.NewReader(c))
}

func countColors(t *testing.T, addr string, n int) map[string]int {
	t.Helper()
	seen := map[string]int{}
	for range n {
		col, err := connColor(t, addr)
		if err != nil {
			t.Fatalf("connection through the NLB listener: %v", err)
		}
		seen[col]++
	}
	return seen
}

// ---- tests -----------------------------------------------------------------------

// Each new TCP connection is forwarded to a group chosen by the listener's
// weights; a weight change applies to new connections only, and an
// established connection keeps its target.
func TestNLB_connectionLevelWeights(t *testing.T) {
	e := newDPEnv(t, Options{})
	blueApp, greenApp := startApp(t, "v1", "blue"), startApp(t, "v2", "green")
	lb := e.createNLB("nlb")
	blue, green := e.createTCPGroup("nlb-blue", 10), e.createTCPGroup("nlb-green", 10)
	e.register(blue, blueApp)
	e.register(green, greenApp)
	l, addr := e.createTCPListener(lb, forward(0, weighted{blue, 100}, weighted{green, 0}))

	if got := countColors(t, addr, 20); got["blue"] != 20 {
		t.Fatalf("100/0: connections answered by %v, want all 20 by blue", got)
	}

	// A connection opened while blue has all the weight …
	held, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	br := bufio.NewReader(held)
	if col, err := exchangeOn(t, held, br); err != nil || col != "blue" {
		t.Fatalf("first request on the held connection: %q, %v", col, err)
	}

	e.setDefault(l, forward(0, weighted{blue, 0}, weighted{green, 100}))
	if got := countColors(t, addr, 20); got["green"] != 20 {
		t.Fatalf("0/100: new connections answered by %v, want all 20 by green", got)
	}
	// … stays on blue after the shift (NLB: existing connections are not affected).
	if col, err := exchangeOn(t, held, br); err != nil || col != "blue" {
		t.Fatalf("request on the connection opened before the shift: %q, %v; want blue", col, err)
	}

	// A 50/50 split sends connections to both groups.
	e.setDefault(l, forward(0, weighted{blue, 500}, weighted{green, 500}))
	if got := countColors(t, addr, 60); got["blue"] == 0 || got["green"] == 0 || got["blue"]+got["green"] != 60 {
		t.Fatalf("500/500: connections answered by %v, want both colours", got)
	}
}

// A connection that cannot be forwarded is closed without an answer (NLB
// has no error pages), and deleting the listener drops open connections.
func TestNLB_unforwardableAndDeletedListener(t *testing.T) {
	e := newDPEnv(t, Options{})
	blueApp := startApp(t, "v1", "blue")
	lb := e.createNLB("nlb")
	blue, green := e.createTCPGroup("nlb-blue", 10), e.createTCPGroup("nlb-green", 10)
	e.register(blue, blueApp)
	l, addr := e.createTCPListener(lb, forward(0, weighted{blue, 0}, weighted{green, 0}))

	if col, err := connColor(t, addr); err == nil {
		t.Fatalf("every weight 0: the connection was answered (by %q); want it closed", col)
	}
	// green has no targets: a connection sent there is closed too.
	e.setDefault(l, forward(0, weighted{blue, 0}, weighted{green, 1}))
	if col, err := connColor(t, addr); err == nil {
		t.Fatalf("group without targets: the connection was answered (by %q); want it closed", col)
	}

	e.setDefault(l, forward(0, weighted{blue, 1}, weighted{green, 0}))
	held, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	br := bufio.NewReader(held)
	if col, err := exchangeOn(t, held, br); err != nil || col != "blue" {
		t.Fatalf("before the delete: %q, %v", col, err)
	}
	if _, err := e.elb.DeleteListener(e.ctx, &elb.DeleteListenerInput{ListenerArn: aws.String(l)}); err != nil {
		t.Fatal(err)
	}
	if col, err := exchangeOn(t, held, br); err == nil {
		t.Fatalf("request on a connection of a deleted listener answered by %q", col)
	}
	if _, ok := e.s.ListenerAddr(l); ok {
		t.Fatal("deleted NLB listener still served")
	}
	if _, err := net.DialTimeout("tcp", addr, 2*time.Second); err == nil {
		t.Fatalf("%s still accepts connections after DeleteListener", addr)
	}
}

// TCP health checks connect to the target: a target that accepts TCP
// connections is healthy even if it speaks no HTTP; a closed port is not.
func TestNLB_tcpHealthChecks(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	e := newDPEnv(t, Options{Clock: clk})
	// A raw TCP service: accepts and holds connections, never answers.
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = raw.Close() })
	go func() {
		for {
			c, err := raw.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = c.Close() })
		}
	}()
	rawPort := int32(raw.Addr().(*net.TCPAddr).Port)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := int32(ln.Addr().(*net.TCPAddr).Port)
	_ = ln.Close()

	lb := e.createNLB("nlb")
	tg := e.createTCPGroup("nlb-tcp", 10)
	if _, err := e.elb.RegisterTargets(e.ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(tg),
		Targets: []types.TargetDescription{{Id: aws.String("127.0.0.1"), Port: aws.Int32(rawPort)},
			{Id: aws.String("127.0.0.1"), Port: aws.Int32(closedPort)}}}); err != nil {
		t.Fatal(err)
	}
	e.createTCPListener(lb, forward(0, weighted{tg, 1}))
	e.rounds(3, 10*time.Second) // healthy/unhealthy threshold 2
	states := e.targetStates(tg)
	if st := states[rawPort]; st.State != types.TargetHealthStateEnumHealthy {
		t.Fatalf("TCP target accepting connections: %s / %s, want healthy", st.State, st.Reason)
	}
	if st := states[closedPort]; st.State != types.TargetHealthStateEnumUnhealthy || st.Reason != types.TargetHealthReasonEnumFailedHealthChecks {
		t.Fatalf("closed port: %s / %s, want unhealthy / Target.FailedHealthChecks", st.State, st.Reason)
	}
}

// What AWS refuses on a Network Load Balancer, with AWS's error codes.
func TestNLB_refusals(t *testing.T) {
	e := newDPEnv(t, Options{})
	lb := e.createNLB("nlb")
	blue, green := e.createTCPGroup("nlb-blue", 10), e.createTCPGroup("nlb-green", 10)
	l, _ := e.createTCPListener(lb, forward(0, weighted{blue, 100}, weighted{green, 0}))
	httpTG := e.createTG("web-http", tgOpts{})
	udpOut, err := e.elb.CreateTargetGroup(e.ctx, &elb.CreateTargetGroupInput{Name: aws.String("nlb-udp"), Protocol: types.ProtocolEnumUdp,
		Port: aws.Int32(53), VpcId: aws.String(testVPC), TargetType: types.TargetTypeEnumIp, HealthCheckProtocol: types.ProtocolEnumTcp})
	if err != nil {
		t.Fatal(err)
	}
	udpTG := *udpOut.TargetGroups[0].TargetGroupArn

	code := func(err error) string {
		var ae smithy.APIError
		if errors.As(err, &ae) {
			return ae.ErrorCode()
		}
		return ""
	}
	modify := func(acts ...types.Action) error {
		_, err := e.elb.ModifyListener(e.ctx, &elb.ModifyListenerInput{ListenerArn: aws.String(l), DefaultActions: acts})
		return err
	}
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"rule on an NLB listener", func() error {
			_, err := e.elb.CreateRule(e.ctx, &elb.CreateRuleInput{ListenerArn: aws.String(l), Priority: aws.Int32(1),
				Conditions: []types.RuleCondition{{Field: aws.String("path-pattern"), PathPatternConfig: &types.PathPatternConditionConfig{Values: []string{"/api/*"}}}},
				Actions:    []types.Action{forward(0, weighted{green, 1})}})
			return err
		}(), "ValidationError"},
		{"group stickiness on an NLB forward", modify(forward(60, weighted{blue, 50}, weighted{green, 50})), "ValidationError"},
		{"HTTP group on a TCP listener", modify(forward(0, weighted{blue, 50}, weighted{httpTG, 50})), "IncompatibleProtocols"},
		{"UDP group on a TCP listener", modify(forward(0, weighted{udpTG, 1})), "IncompatibleProtocols"},
		{"weight 1000", modify(forward(0, weighted{blue, 1000}, weighted{green, 0})), "ValidationError"},
		{"fixed-response on an NLB", modify(fixed("503", "text/plain", "down")), "InvalidLoadBalancerAction"},
		{"HTTP listener on an NLB", func() error {
			_, err := e.elb.CreateListener(e.ctx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(lb), Protocol: types.ProtocolEnumHttp,
				Port: aws.Int32(8080), DefaultActions: []types.Action{forward(0, weighted{blue, 1})}})
			return err
		}(), "ValidationError"},
	}
	for _, c := range cases {
		if got := code(c.err); got != c.want {
			t.Errorf("%s: error %v (code %q), want %s", c.name, c.err, got, c.want)
		}
	}

	// What is accepted: weights 0–999 over several groups, and a disabled
	// stickiness config (DescribeListeners reports one; clients send it back).
	off := forward(0, weighted{blue, 999}, weighted{green, 1})
	off.ForwardConfig.TargetGroupStickinessConfig = &types.TargetGroupStickinessConfig{Enabled: aws.Bool(false)}
	if err := modify(off); err != nil {
		t.Fatalf("weighted forward with disabled stickiness: %v", err)
	}
	out, err := e.elb.DescribeListeners(e.ctx, &elb.DescribeListenersInput{ListenerArns: []string{l}})
	if err != nil {
		t.Fatal(err)
	}
	tgs := out.Listeners[0].DefaultActions[0].ForwardConfig.TargetGroups
	if len(tgs) != 2 || aws.ToInt32(tgs[0].Weight) != 999 || aws.ToInt32(tgs[1].Weight) != 1 {
		t.Fatalf("read back %+v, want blue 999 / green 1", tgs)
	}
	// The listener's rules are its default rule only.
	rules, err := e.elb.DescribeRules(e.ctx, &elb.DescribeRulesInput{ListenerArn: aws.String(l)})
	if err != nil {
		t.Fatal(err)
	}
	if len(rules.Rules) != 1 || !aws.ToBool(rules.Rules[0].IsDefault) {
		t.Fatalf("DescribeRules on an NLB listener: %d rules, want the default rule only", len(rules.Rules))
	}
}
