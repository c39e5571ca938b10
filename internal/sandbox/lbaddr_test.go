package sandbox

import (
	"net"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/miekg/dns"
)

// With LoadBalancerAddresses each load balancer is a stack of its own on
// loopback: its listeners serve on its own address, port 80 of every load
// balancer on the same local port, and a Route 53 alias to a load balancer
// answers that load balancer's address — so a DNS answer says which stack a
// client reaches.
func TestDataPlaneLoadBalancerAddresses(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("127.0.0.2 and up are loopback addresses on Linux only (macOS needs lo0 aliases)")
	}
	e := newDPEnv(t, Options{LoadBalancerAddresses: true, Route53: Route53Options{DNSAddr: "127.0.0.1:0"}})
	stacks := map[string]string{} // color → listener URL
	dnsNames := map[string]string{}
	for _, color := range []string{"blue", "green"} {
		lb := e.createLB("stack-" + color)
		tg := e.createTG("stack-"+color, tgOpts{})
		e.register(tg, startApp(t, "1.0.0", color))
		_, url := e.createListener(lb, 80, forward(0, weighted{tg, 1}))
		stacks[color] = url
		out, err := e.elb.DescribeLoadBalancers(e.ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{lb}})
		if err != nil {
			t.Fatal(err)
		}
		dnsNames[color] = aws.ToString(out.LoadBalancers[0].DNSName)
	}
	blueHost, bluePort, _ := net.SplitHostPort(strings.TrimPrefix(stacks["blue"], "http://"))
	greenHost, greenPort, _ := net.SplitHostPort(strings.TrimPrefix(stacks["green"], "http://"))
	if blueHost != "127.0.0.2" || greenHost != "127.0.0.3" || bluePort != greenPort {
		t.Fatalf("listeners at %s and %s; want 127.0.0.2 and 127.0.0.3 on one port", stacks["blue"], stacks["green"])
	}
	for color, url := range stacks {
		if r := e.get(url+"/", nil); r.status != 200 || r.color != color {
			t.Fatalf("%s stack at %s answered %d %q", color, url, r.status, r.color)
		}
	}
	if _, ok := e.s.ListenerAddr("arn:nope"); ok {
		t.Fatal("unknown listener has an address")
	}

	// Route 53: an alias to each load balancer answers its address.
	for color, want := range map[string]string{"blue": blueHost, "green": greenHost} {
		ips, ok := e.s.resolveAlias(dnsNames[color], dns.TypeA)
		if !ok || len(ips) != 1 || ips[0].String() != want {
			t.Fatalf("alias to %s (%s) answers %v %v, want %s", color, dnsNames[color], ips, ok, want)
		}
	}
	if _, ok := e.s.resolveAlias("other-1.us-east-1.elb.amazonaws.com", dns.TypeA); ok {
		t.Fatal("an unknown load balancer resolved")
	}
}
