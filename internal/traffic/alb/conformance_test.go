package alb

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsclient"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/motoserver"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/routertest"
)

// The ALB routers (listener default actions and a listener rule's actions)
// against the shared router contract, on two independent ELBv2
// implementations: the repository's AWS sandbox (with a fault injected into
// the write) and moto.

// elbClient builds the provider's own ELBv2 client (internal/awsclient)
// against endpoint, without retries so that an injected fault fails at once.
func elbClient(t *testing.T, endpoint string) *elbv2.Client {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	noRetries := 0
	c, err := awsclient.New(context.Background(), awsclient.Config{Region: "us-east-1", MaxRetries: &noRetries,
		Endpoints: awsclient.Endpoints{ELBv2: endpoint}})
	if err != nil {
		t.Fatal(err)
	}
	return c.ELBv2
}

// albWorld is one load balancer with a blue and a green target group, an
// HTTP listener and one path rule, both forwarding all traffic to blue, as a
// stack's own Terraform (aws_lb, aws_lb_listener, aws_lb_listener_rule)
// would leave them.
type albWorld struct {
	api                  *elbv2.Client
	blue, green          string
	listenerARN, ruleARN string
}

// newALBWorld creates the world under a name prefix unique within its
// endpoint (moto is shared by all subtests).
func newALBWorld(t *testing.T, api *elbv2.Client, prefix, vpc string, subnets []string) *albWorld {
	t.Helper()
	ctx := context.Background()
	w := &albWorld{api: api}
	lb, err := api.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String(prefix), Subnets: subnets})
	if err != nil {
		t.Fatal(err)
	}
	tg := func(color string) string {
		out, err := api.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: aws.String(prefix + "-" + color),
			Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80), VpcId: aws.String(vpc), TargetType: types.TargetTypeEnumIp})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.TargetGroups[0].TargetGroupArn)
	}
	w.blue, w.green = tg("blue"), tg("green")
	l, err := api.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn,
		Port: aws.Int32(80), Protocol: types.ProtocolEnumHttp, DefaultActions: w.forward(traffic.Weights{Blue: 100})})
	if err != nil {
		t.Fatal(err)
	}
	w.listenerARN = aws.ToString(l.Listeners[0].ListenerArn)
	r, err := api.CreateRule(ctx, &elbv2.CreateRuleInput{ListenerArn: aws.String(w.listenerARN), Priority: aws.Int32(10),
		Conditions: []types.RuleCondition{{Field: aws.String("path-pattern"),
			PathPatternConfig: &types.PathPatternConditionConfig{Values: []string{"/api/*"}}}},
		Actions: w.forward(traffic.Weights{Blue: 100})})
	if err != nil {
		t.Fatal(err)
	}
	w.ruleARN = aws.ToString(r.Rules[0].RuleArn)
	return w
}

// nlbWorld is a Network Load Balancer with a blue and a green TCP target
// group and a TCP listener forwarding all connections to blue. NLB listeners
// have no rules: the router works on the listener's default action, whose
// weighted forward NLBs accept ("Network Load Balancers now support Weighted
// Target Groups", AWS blog; 0–999 per group, as on an ALB).
func newNLBWorld(t *testing.T, api *elbv2.Client, prefix, vpc string, subnets []string) *albWorld {
	t.Helper()
	ctx := context.Background()
	w := &albWorld{api: api}
	lb, err := api.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String(prefix), Subnets: subnets,
		Type: types.LoadBalancerTypeEnumNetwork})
	if err != nil {
		t.Fatal(err)
	}
	tg := func(color string) string {
		out, err := api.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: aws.String(prefix + "-" + color),
			Protocol: types.ProtocolEnumTcp, Port: aws.Int32(80), VpcId: aws.String(vpc), TargetType: types.TargetTypeEnumIp})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.TargetGroups[0].TargetGroupArn)
	}
	w.blue, w.green = tg("blue"), tg("green")
	l, err := api.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn,
		Port: aws.Int32(80), Protocol: types.ProtocolEnumTcp, DefaultActions: w.forward(traffic.Weights{Blue: 100})})
	if err != nil {
		t.Fatal(err)
	}
	w.listenerARN = aws.ToString(l.Listeners[0].ListenerArn)
	return w
}

// forward is what another writer (a person in the console, another tool)
// puts on the listener or rule: a weighted forward to both groups.
func (w *albWorld) forward(wt traffic.Weights) []types.Action {
	return []types.Action{{Type: types.ActionTypeEnumForward, ForwardConfig: &types.ForwardActionConfig{
		TargetGroups: []types.TargetGroupTuple{
			{TargetGroupArn: aws.String(w.blue), Weight: aws.Int32(wt.Blue)},
			{TargetGroupArn: aws.String(w.green), Weight: aws.Int32(wt.Green)},
		}}}}
}

// subject wires a router of kind "listener" or "rule" to the world.
func (w *albWorld) subject(kind string) routertest.Subject {
	s := routertest.Subject{
		// ALB's own range: 0–999 per group, any ratio.
		Extra: []traffic.Weights{{Blue: 999, Green: 0}, {Blue: 0, Green: 999}, {Blue: 999, Green: 999},
			{Blue: 1, Green: 998}, {Blue: 3, Green: 7}, {Blue: 1, Green: 0}},
		Rejects: []traffic.Weights{{Blue: 1000, Green: 0}, {Blue: 0, Green: 1000}, {Blue: 0, Green: 0}},
	}
	ctx := context.Background()
	switch kind {
	case "listener":
		s.Router = NewListenerRouter(w.api, w.listenerARN, w.blue, w.green)
		s.OtherWriter = func(ctx context.Context, wt traffic.Weights) error {
			_, err := w.api.ModifyListener(ctx, &elbv2.ModifyListenerInput{ListenerArn: aws.String(w.listenerARN), DefaultActions: w.forward(wt)})
			return err
		}
	case "rule":
		s.Router = NewRuleRouter(w.api, w.ruleARN, w.blue, w.green)
		s.OtherWriter = func(ctx context.Context, wt traffic.Weights) error {
			_, err := w.api.ModifyRule(ctx, &elbv2.ModifyRuleInput{RuleArn: aws.String(w.ruleARN), Actions: w.forward(wt)})
			return err
		}
	default:
		panic(kind)
	}
	_ = ctx
	return s
}

func TestRouters_conformanceSandbox(t *testing.T) {
	for _, kind := range []string{"listener", "rule", "nlb-listener"} {
		t.Run(kind, func(t *testing.T) {
			routertest.Run(t, func(t *testing.T) routertest.Subject {
				sb, err := sandbox.Start(sandbox.Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = sb.Close() })
				var w *albWorld
				kind := kind
				if kind == "nlb-listener" {
					w = newNLBWorld(t, elbClient(t, sb.URL()), "conf", "vpc-0123456789abcdef0", []string{"subnet-0a000001"})
					kind = "listener" // an NLB has no rules: its listener's default action
				} else {
					w = newALBWorld(t, elbClient(t, sb.URL()), "conf", "vpc-0123456789abcdef0", []string{"subnet-0a000001", "subnet-0b000002"})
				}
				s := w.subject(kind)
				// Set is one ModifyListener (ModifyRule) call, which ALB
				// (and NLB) applies all-or-nothing: the only place to fail
				// is that write. The fault fails it (before it is applied,
				// as a 503 from AWS would) and the suite checks that
				// nothing changed and that the router works afterwards.
				op := map[string]string{"listener": "ModifyListener", "rule": "ModifyRule"}[kind]
				s.FailNextSet = func(t *testing.T) func() {
					id, err := sb.InjectFault(sandbox.Fault{Service: sandbox.ServiceELBv2, Operation: op, Kind: sandbox.HTTP5xx, Times: 1})
					if err != nil {
						t.Fatal(err)
					}
					return func() { sb.RemoveFault(id) }
				}
				return s
			})
		})
	}
}

// TestRouters_conformanceMoto runs the contract against moto's ELBv2, an
// independent implementation (skipped without moto unless
// BLUEGREEN_REQUIRE_MOTO=1). moto 5.2.1 stores and returns weighted forward
// actions (ForwardConfig.TargetGroups with weights) on listeners and rules;
// it has no fault injection, so the partial-write clause runs against the
// sandbox only. moto does not model NLB specifics (it accepts a weighted
// forward on an NLB listener as on an ALB, which is what AWS does now).
func TestRouters_conformanceMoto(t *testing.T) {
	if _, err := motoserver.Version(); err != nil {
		if motoserver.Required() {
			t.Fatal(err)
		}
		t.Skipf("%v (set %s=1 to make this a failure)", err, motoserver.RequireEnv)
	}
	m, err := motoserver.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	net, err := m.CreateNetwork(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	for _, kind := range []string{"listener", "rule", "nlb-listener"} {
		t.Run(kind, func(t *testing.T) {
			api := elbClient(t, m.URL)
			routertest.Run(t, func(t *testing.T) routertest.Subject {
				if kind == "nlb-listener" {
					w := newNLBWorld(t, api, fmt.Sprintf("moto%d", n.Add(1)), net.VpcID, net.Subnets[:1])
					return w.subject("listener")
				}
				w := newALBWorld(t, api, fmt.Sprintf("moto%d", n.Add(1)), net.VpcID, net.Subnets[:2])
				return w.subject(kind)
			})
		})
	}
}

// TestRouters_conformanceFake runs the contract against the package's fake
// ELBv2, which the unit tests above rely on.
func TestRouters_conformanceFake(t *testing.T) {
	for _, kind := range []string{"listener", "rule"} {
		t.Run(kind, func(t *testing.T) {
			routertest.Run(t, func(t *testing.T) routertest.Subject {
				f := &fakeELB{listener: []types.Action{fwd(tg(blueTG, 100), tg(greenTG, 0))}, rule: []types.Action{fwd(tg(blueTG, 100), tg(greenTG, 0))}}
				w := &albWorld{blue: blueTG, green: greenTG}
				s := routertest.Subject{
					Extra:   []traffic.Weights{{Blue: 999, Green: 0}, {Blue: 1, Green: 998}, {Blue: 999, Green: 999}},
					Rejects: []traffic.Weights{{Blue: 1000, Green: 0}, {Blue: 0, Green: 0}},
					OtherWriter: func(_ context.Context, wt traffic.Weights) error {
						f.mu.Lock()
						defer f.mu.Unlock()
						if kind == "listener" {
							f.listener = w.forward(wt)
						} else {
							f.rule = w.forward(wt)
						}
						return nil
					},
					FailNextSet: func(*testing.T) func() {
						f.mu.Lock()
						f.modifyErr = &smithy.GenericAPIError{Code: "ServiceUnavailable", Message: "injected"}
						f.mu.Unlock()
						return func() { f.mu.Lock(); f.modifyErr = nil; f.mu.Unlock() }
					},
				}
				if kind == "listener" {
					s.Router = NewListenerRouter(f, listenerARN, blueTG, greenTG)
				} else {
					s.Router = NewRuleRouter(f, ruleARN, blueTG, greenTG)
				}
				return s
			})
		})
	}
}

// A write whose answer is lost (applied, then the call fails: a timeout, a
// reset connection, a context cancelled in flight) is what the contract's
// "all-or-nothing" is about: Set must not report an error for a write that
// landed, or the engine would take its own write for another writer's.
// Set reads back and reports the write as done; a write that did not land
// is still an error, with the previous weights in place.
func TestRouter_lostAnswerIsReadBack(t *testing.T) {
	ctx := context.Background()
	for _, kind := range []string{"listener", "rule"} {
		t.Run(kind, func(t *testing.T) {
			f := &fakeELB{listener: []types.Action{fwd(tg(blueTG, 100), tg(greenTG, 0))}, rule: []types.Action{fwd(tg(blueTG, 100), tg(greenTG, 0))}}
			var r *Router
			if kind == "listener" {
				r = NewListenerRouter(f, listenerARN, blueTG, greenTG)
			} else {
				r = NewRuleRouter(f, ruleARN, blueTG, greenTG)
			}
			f.lostAnswer = context.DeadlineExceeded
			if err := r.Set(ctx, traffic.Weights{Blue: 90, Green: 10}); err != nil {
				t.Fatalf("Set whose write landed but whose answer was lost: %v", err)
			}
			f.lostAnswer = nil
			if got, err := r.Read(ctx); err != nil || got != (traffic.Weights{Blue: 90, Green: 10}) {
				t.Fatalf("Read = %v, %v", got, err)
			}

			// Cancelled while in flight: the same, on a dead context.
			cctx, cancel := context.WithCancel(ctx)
			f.lostAnswer = context.Canceled
			cancel()
			// (the router describes first: give it the snapshot of a Read)
			if _, err := r.Read(ctx); err != nil {
				t.Fatal(err)
			}
			if err := r.Set(cctx, traffic.Weights{Blue: 50, Green: 50}); err != nil {
				t.Fatalf("Set cancelled after its write landed: %v", err)
			}
			f.lostAnswer = nil

			// Not applied: the error stands and nothing changed.
			f.modifyErr = &smithy.GenericAPIError{Code: "ServiceUnavailable", Message: "injected"}
			if err := r.Set(ctx, traffic.Weights{Blue: 0, Green: 100}); err == nil {
				t.Fatal("Set reported success for a write that was not applied")
			}
			f.modifyErr = nil
			if got, err := r.Read(ctx); err != nil || got != (traffic.Weights{Blue: 50, Green: 50}) {
				t.Fatalf("after a failed write Read = %v, %v; want the previous 50/50", got, err)
			}
		})
	}
}
