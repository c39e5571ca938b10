package alb

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/demoapp"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/motoserver"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/routertest"
)

// multiELB keeps any number of listeners and rules in memory, by ARN, and
// fails the modify calls a test scripts (per ARN, in order).
type multiELB struct {
	mu      sync.Mutex
	actions map[string][]types.Action
	// failModify[arn] lists, for the next modify calls of arn, the error
	// each returns (nil: that call succeeds); consumed in order.
	failModify map[string][]error
	writes     []string // ARNs of the modify calls that landed, in order
}

func newMultiELB(arns ...string) *multiELB {
	f := &multiELB{actions: map[string][]types.Action{}, failModify: map[string][]error{}}
	for _, a := range arns {
		f.actions[a] = []types.Action{fwd(tg(blueTG, 100), tg(greenTG, 0))}
	}
	return f
}

func (f *multiELB) set(arn string, w traffic.Weights) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.actions[arn] = []types.Action{fwd(tg(blueTG, w.Blue), tg(greenTG, w.Green))}
}

func (f *multiELB) weights(t *testing.T, arn string) traffic.Weights {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	ts, _ := ForwardTargets(f.actions[arn][0])
	w, _, _ := ColorWeights(ts, blueTG, greenTG)
	return w
}

func (f *multiELB) failNext(arn string, errs ...error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failModify[arn] = append(f.failModify[arn], errs...)
}

func (f *multiELB) modify(arn string, actions []types.Action) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.actions[arn]; !ok {
		return &smithy.GenericAPIError{Code: "ListenerNotFound", Message: "not found"}
	}
	if q := f.failModify[arn]; len(q) > 0 {
		f.failModify[arn] = q[1:]
		if q[0] != nil {
			return q[0]
		}
	}
	f.actions[arn] = clone(actions)
	f.writes = append(f.writes, arn)
	return nil
}

func (f *multiELB) DescribeListeners(_ context.Context, in *elbv2.DescribeListenersInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeListenersOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.actions[in.ListenerArns[0]]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "ListenerNotFound", Message: "not found"}
	}
	return &elbv2.DescribeListenersOutput{Listeners: []types.Listener{{ListenerArn: aws.String(in.ListenerArns[0]), DefaultActions: clone(a)}}}, nil
}

func (f *multiELB) ModifyListener(_ context.Context, in *elbv2.ModifyListenerInput, _ ...func(*elbv2.Options)) (*elbv2.ModifyListenerOutput, error) {
	return &elbv2.ModifyListenerOutput{}, f.modify(aws.ToString(in.ListenerArn), in.DefaultActions)
}

func (f *multiELB) DescribeRules(_ context.Context, in *elbv2.DescribeRulesInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeRulesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.actions[in.RuleArns[0]]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "RuleNotFound", Message: "not found"}
	}
	return &elbv2.DescribeRulesOutput{Rules: []types.Rule{{RuleArn: aws.String(in.RuleArns[0]), Actions: clone(a), IsDefault: aws.Bool(false)}}}, nil
}

func (f *multiELB) ModifyRule(_ context.Context, in *elbv2.ModifyRuleInput, _ ...func(*elbv2.Options)) (*elbv2.ModifyRuleOutput, error) {
	return &elbv2.ModifyRuleOutput{}, f.modify(aws.ToString(in.RuleArn), in.Actions)
}

const (
	listener2ARN = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web/50dc6c495c0c9188/0000000000008443"
	rule2ARN     = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/0000000000000002"
)

// lockstepOf builds a Lockstep over arns (listener or rule by ARN).
func lockstepOf(api API, arns ...string) *Lockstep {
	rs := make([]*Router, len(arns))
	for i, a := range arns {
		if strings.Contains(a, ":listener-rule/") {
			rs[i] = NewRuleRouter(api, a, blueTG, greenTG)
		} else {
			rs[i] = NewListenerRouter(api, a, blueTG, greenTG)
		}
	}
	return NewLockstep(rs[0], rs[1:]...)
}

var injected = &smithy.GenericAPIError{Code: "ServiceUnavailable", Message: "injected"}

func TestLockstep_failedWriteUndoesTheEarlierPoints(t *testing.T) {
	ctx := context.Background()
	arns := []string{listenerARN, listener2ARN, ruleARN}
	for failAt := range arns {
		t.Run(fmt.Sprintf("point %d fails", failAt), func(t *testing.T) {
			f := newMultiELB(arns...)
			l := lockstepOf(f, arns...)
			before := traffic.Weights{Blue: 70, Green: 30}
			if err := l.Set(ctx, before); err != nil {
				t.Fatal(err)
			}
			if _, err := l.Read(ctx); err != nil { // as the engine does before a write
				t.Fatal(err)
			}
			f.failNext(arns[failAt], injected)
			err := l.Set(ctx, traffic.Weights{Blue: 40, Green: 60})
			if err == nil {
				t.Fatal("Set succeeded although a point's write failed")
			}
			if !strings.Contains(err.Error(), "injected") {
				t.Errorf("error %q does not carry the failed write's error", err)
			}
			for _, a := range arns {
				if got := f.weights(t, a); got != before {
					t.Errorf("%s forwards %s after the failed Set, want the previous %s", a, got, before)
				}
			}
			var le *LockstepError
			if failAt > 0 {
				if !errors.As(err, &le) || !le.Undone() || len(le.Restored) != failAt {
					t.Fatalf("error %v: want a *LockstepError with %d points restored", err, failAt)
				}
				if le.Failed.ARN != arns[failAt] {
					t.Errorf("Failed = %s, want %s", le.Failed.ARN, arns[failAt])
				}
			} else if errors.As(err, &le) {
				t.Errorf("the first point failed, nothing to undo, but got %v", err)
			}
			if got, err := l.Read(ctx); err != nil || got != before {
				t.Fatalf("Read = %v, %v; want %s", got, err, before)
			}
		})
	}
}

// The undo writes back what each point had, even when the points were not
// at the same weights (a Set after a Read that found them disagreeing).
func TestLockstep_undoRestoresEachPointsOwnWeights(t *testing.T) {
	ctx := context.Background()
	f := newMultiELB(listenerARN, listener2ARN, ruleARN)
	l := lockstepOf(f, listenerARN, listener2ARN, ruleARN)
	f.set(listenerARN, traffic.Weights{Blue: 90, Green: 10})
	f.set(listener2ARN, traffic.Weights{Blue: 50, Green: 50})
	f.set(ruleARN, traffic.Weights{Blue: 90, Green: 10})
	if got, err := l.Read(ctx); err != nil || got != (traffic.Weights{Blue: 50, Green: 50}) {
		t.Fatalf("Read of disagreeing points = %v, %v; want the point differing from the main one, 50/50", got, err)
	}
	f.failNext(ruleARN, injected)
	if err := l.Set(ctx, traffic.Weights{Blue: 0, Green: 100}); err == nil {
		t.Fatal("Set succeeded")
	}
	for arn, want := range map[string]traffic.Weights{listenerARN: {Blue: 90, Green: 10}, listener2ARN: {Blue: 50, Green: 50}, ruleARN: {Blue: 90, Green: 10}} {
		if got := f.weights(t, arn); got != want {
			t.Errorf("%s = %s, want its own previous %s", arn, got, want)
		}
	}
}

// A write-back that fails too is reported as it is: which point forwards
// what, read again. The error never claims that nothing was written.
func TestLockstep_failedUndoIsReportedTruthfully(t *testing.T) {
	ctx := context.Background()
	f := newMultiELB(listenerARN, listener2ARN, ruleARN)
	l := lockstepOf(f, listenerARN, listener2ARN, ruleARN)
	if _, err := l.Read(ctx); err != nil {
		t.Fatal(err)
	}
	// listener2's write lands, the rule's fails, and writing listener2
	// back fails: listener2 stays at 20/80, listener 1 is restored.
	f.failNext(ruleARN, injected)
	f.failNext(listener2ARN, nil, &smithy.GenericAPIError{Code: "ServiceUnavailable", Message: "undo refused"})
	err := l.Set(ctx, traffic.Weights{Blue: 20, Green: 80})
	var le *LockstepError
	if !errors.As(err, &le) {
		t.Fatalf("err = %v, want *LockstepError", err)
	}
	if le.Undone() {
		t.Fatal("Undone() = true although a write-back failed")
	}
	if len(le.NotRestored) != 1 || le.NotRestored[0].ARN != listener2ARN || le.NotRestored[0].State.Weights != (traffic.Weights{Blue: 20, Green: 80}) {
		t.Fatalf("NotRestored = %+v, want listener2 read back at 20/80", le.NotRestored)
	}
	if len(le.Restored) != 1 || le.Restored[0].ARN != listenerARN {
		t.Fatalf("Restored = %+v, want listener 1", le.Restored)
	}
	msg := err.Error()
	for _, want := range []string{"injected", "undo refused", listener2ARN, "forwards blue=20 green=80 now"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if got := f.weights(t, listenerARN); got != (traffic.Weights{Blue: 100}) {
		t.Errorf("listener 1 = %s, want restored 100/0", got)
	}
	// Describe says the points disagree, with each point's weights.
	_, derr := l.Describe(ctx)
	var pe *PointsError
	if !errors.As(derr, &pe) || !pe.AllRead() || len(pe.Points) != 3 || pe.Points[1].State.Weights != (traffic.Weights{Blue: 20, Green: 80}) {
		t.Fatalf("Describe after a failed undo: %v", derr)
	}
}

func TestLockstep_refusesBeforeWriting(t *testing.T) {
	ctx := context.Background()
	f := newMultiELB(listenerARN, ruleARN)
	l := lockstepOf(f, listenerARN, ruleARN)
	for _, w := range []traffic.Weights{{Blue: 1000}, {}, {Blue: -1, Green: 1}} {
		if err := l.Set(ctx, w); err == nil {
			t.Errorf("Set(%s) succeeded", w)
		}
	}
	// A point whose forward names another group is refused by its router
	// before anything is written, wherever it is in the list.
	f.mu.Lock()
	f.actions[ruleARN] = []types.Action{fwd(tg(blueTG, 50), tg(otherTG, 50))}
	f.mu.Unlock()
	if err := l.Set(ctx, traffic.Weights{Blue: 10, Green: 90}); err == nil {
		t.Fatal("Set succeeded with a foreign group on the rule")
	}
	if len(f.writes) != 0 {
		t.Fatalf("writes = %v, want none", f.writes)
	}
}

func TestLockstep_describeAndAlign(t *testing.T) {
	ctx := context.Background()
	f := newMultiELB(listenerARN, listener2ARN, ruleARN)
	l := lockstepOf(f, listenerARN, listener2ARN, ruleARN)
	f.set(listenerARN, traffic.Weights{Blue: 0, Green: 100})
	f.set(listener2ARN, traffic.Weights{Blue: 60, Green: 40})
	f.set(ruleARN, traffic.Weights{Blue: 0, Green: 100})
	st, err := l.Describe(ctx)
	var pe *PointsError
	if !errors.As(err, &pe) || !errors.Is(err, ErrPointsDisagree) || st.Weights != (traffic.Weights{Green: 100}) {
		t.Fatalf("Describe = %v, %v; want the main point's 0/100 with *PointsError", st, err)
	}
	if ps := l.Points(); len(ps) != 3 || ps[1].State.Weights != (traffic.Weights{Blue: 60, Green: 40}) {
		t.Fatalf("Points = %+v", ps)
	}
	wrote, err := l.Align(ctx)
	if err != nil || !wrote {
		t.Fatalf("Align = %v, %v", wrote, err)
	}
	if len(f.writes) != 1 || f.writes[0] != listener2ARN {
		t.Fatalf("Align wrote %v, want listener2 only", f.writes)
	}
	if st, err := l.Describe(ctx); err != nil || st.Weights != (traffic.Weights{Green: 100}) {
		t.Fatalf("after Align: %v, %v", st, err)
	}
	if wrote, err := l.Align(ctx); err != nil || wrote {
		t.Fatalf("Align of agreeing points = %v, %v; want no write", wrote, err)
	}
	// A follower that is gone is a *PointsError, never the main point's
	// not-found (which would make the switch drop itself from state).
	f.mu.Lock()
	delete(f.actions, ruleARN)
	f.mu.Unlock()
	_, err = l.Describe(ctx)
	if !errors.As(err, &pe) || pe.AllRead() || errors.Is(err, ErrNotFound) {
		t.Fatalf("Describe with a gone rule = %v", err)
	}
	if _, err := l.Read(ctx); err == nil {
		t.Fatal("Read succeeded with a point that cannot be read")
	}
}

// The contract suite on the fake, with two and three points.
func TestLockstep_conformanceFake(t *testing.T) {
	for _, arns := range [][]string{{listenerARN, ruleARN}, {listenerARN, listener2ARN, rule2ARN}} {
		t.Run(fmt.Sprintf("%d points", len(arns)), func(t *testing.T) {
			routertest.Run(t, func(t *testing.T) routertest.Subject {
				f := newMultiELB(arns...)
				return routertest.Subject{
					Router:  lockstepOf(f, arns...),
					Extra:   []traffic.Weights{{Blue: 999, Green: 0}, {Blue: 3, Green: 7}},
					Rejects: []traffic.Weights{{Blue: 1000, Green: 0}, {Blue: 0, Green: 0}},
					// Another writer changes the last point only.
					OtherWriter: func(_ context.Context, w traffic.Weights) error { f.set(arns[len(arns)-1], w); return nil },
					// The last point's write fails: every earlier one landed.
					FailNextSet: func(*testing.T) func() {
						f.failNext(arns[len(arns)-1], injected)
						return func() {}
					},
				}
			})
		})
	}
}

// The contract suite on the sandbox, with two points (the listener and its
// rule) and three (a second listener on port 8443 too), the fault injected on
// the last point's write so that every earlier write landed and must be undone.
func TestLockstep_conformanceSandbox(t *testing.T) {
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprintf("%d points", n), func(t *testing.T) {
			routertest.Run(t, func(t *testing.T) routertest.Subject {
				sb, err := sandbox.Start(sandbox.Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = sb.Close() })
				w := newALBWorld(t, elbClient(t, sb.URL()), "lock", "vpc-0123456789abcdef0", []string{"subnet-0a000001", "subnet-0b000002"})
				routers := []*Router{NewListenerRouter(w.api, w.listenerARN, w.blue, w.green), NewRuleRouter(w.api, w.ruleARN, w.blue, w.green)}
				// The last point, and the fault that fails its write.
				last := func(ctx context.Context, wt traffic.Weights) error {
					_, err := w.api.ModifyRule(ctx, &elbv2.ModifyRuleInput{RuleArn: aws.String(w.ruleARN), Actions: w.forward(wt)})
					return err
				}
				fault := sandbox.Fault{Service: sandbox.ServiceELBv2, Operation: "ModifyRule", Kind: sandbox.HTTP5xx, Times: 1}
				if n == 3 {
					second := w.secondListener(t, 8443)
					routers = append(routers, NewListenerRouter(w.api, second, w.blue, w.green))
					last = func(ctx context.Context, wt traffic.Weights) error {
						_, err := w.api.ModifyListener(ctx, &elbv2.ModifyListenerInput{ListenerArn: aws.String(second), DefaultActions: w.forward(wt)})
						return err
					}
					// The first ModifyListener (point 0) goes through.
					fault = sandbox.Fault{Service: sandbox.ServiceELBv2, Operation: "ModifyListener", Kind: sandbox.HTTP5xx, Times: 1, After: 1}
				}
				s := w.subject("listener")
				s.Router = NewLockstep(routers[0], routers[1:]...)
				s.OtherWriter = last
				s.FailNextSet = func(t *testing.T) func() {
					id, err := sb.InjectFault(fault)
					if err != nil {
						t.Fatal(err)
					}
					return func() {
						for _, f := range sb.Faults() {
							if f.ID == id && f.Injected == 0 {
								t.Errorf("the fault on the last point's write was never hit")
							}
						}
						sb.RemoveFault(id)
					}
				}
				return s
			})
		})
	}
}

// secondListener adds a listener on port forwarding everything to blue, as
// the stack's own Terraform would (a second port of the same service).
func (w *albWorld) secondListener(t *testing.T, port int32) string {
	t.Helper()
	ctx := context.Background()
	ls, err := w.api.DescribeListeners(ctx, &elbv2.DescribeListenersInput{ListenerArns: []string{w.listenerARN}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := w.api.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: ls.Listeners[0].LoadBalancerArn,
		Port: aws.Int32(port), Protocol: types.ProtocolEnumHttp, DefaultActions: w.forward(traffic.Weights{Blue: 100})})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(l.Listeners[0].ListenerArn)
}

// The contract suite on moto's ELBv2, an independent implementation, with
// two and three points (no fault injection there: the partial-write clause
// runs on the fake and the sandbox).
func TestLockstep_conformanceMoto(t *testing.T) {
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
	for _, points := range []int{2, 3} {
		t.Run(fmt.Sprintf("%d points", points), func(t *testing.T) {
			api := elbClient(t, m.URL)
			routertest.Run(t, func(t *testing.T) routertest.Subject {
				w := newALBWorld(t, api, fmt.Sprintf("mls%d", n.Add(1)), net.VpcID, net.Subnets[:2])
				routers := []*Router{NewListenerRouter(w.api, w.listenerARN, w.blue, w.green), NewRuleRouter(w.api, w.ruleARN, w.blue, w.green)}
				if points == 3 {
					routers = append(routers, NewListenerRouter(w.api, w.secondListener(t, 8443), w.blue, w.green))
				}
				s := w.subject("rule")
				s.Router = NewLockstep(routers[0], routers[1:]...)
				return s
			})
		})
	}
}

// Real requests through the sandbox's data plane: two listeners of one load
// balancer (ports 80 and 8443) in lockstep serve the same color, and a write
// that fails on the second listener leaves both serving what they served.
func TestLockstep_realRequestsThroughBothListeners(t *testing.T) {
	sb, err := sandbox.Start(sandbox.Options{DataPlane: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	api := elbClient(t, sb.URL())
	ctx := context.Background()
	lb, err := api.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("dp"), Subnets: []string{"subnet-0a000001", "subnet-0b000002"}})
	if err != nil {
		t.Fatal(err)
	}
	group := func(color string) string {
		out, err := api.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: aws.String("dp-" + color), Protocol: types.ProtocolEnumHttp,
			Port: aws.Int32(80), VpcId: aws.String("vpc-0123456789abcdef0"), TargetType: types.TargetTypeEnumIp})
		if err != nil {
			t.Fatal(err)
		}
		arn := aws.ToString(out.TargetGroups[0].TargetGroupArn)
		app, err := demoapp.New(demoapp.Config{Version: "1", Color: color}).Start("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = app.Close() })
		if _, err := api.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: aws.String(arn),
			Targets: []types.TargetDescription{{Id: aws.String("127.0.0.1"), Port: aws.Int32(int32(app.Port()))}}}); err != nil {
			t.Fatal(err)
		}
		return arn
	}
	w := &albWorld{api: api, blue: group("blue"), green: group("green")}
	var addrs []string
	var routers []*Router
	for _, port := range []int32{80, 8443} {
		l, err := api.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn, Port: aws.Int32(port),
			Protocol: types.ProtocolEnumHttp, DefaultActions: w.forward(traffic.Weights{Blue: 100})})
		if err != nil {
			t.Fatal(err)
		}
		arn := aws.ToString(l.Listeners[0].ListenerArn)
		addr, ok := sb.ListenerAddr(arn)
		if !ok {
			t.Fatalf("the data plane does not serve listener %s", arn)
		}
		addrs = append(addrs, addr)
		routers = append(routers, NewListenerRouter(api, arn, w.blue, w.green))
	}
	l := NewLockstep(routers[0], routers[1])
	web := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	// served returns the colors that answered n requests through each listener.
	served := func(n int) []map[string]int {
		out := make([]map[string]int, len(addrs))
		for i, addr := range addrs {
			out[i] = map[string]int{}
			for range n {
				resp, err := web.Get("http://" + addr + "/")
				if err != nil {
					t.Fatal(err)
				}
				_ = resp.Body.Close()
				out[i][resp.Header.Get("X-Demo-Color")]++
			}
		}
		return out
	}
	only := func(color string) {
		t.Helper()
		for i, got := range served(20) {
			if len(got) != 1 || got[color] != 20 {
				t.Fatalf("listener %d (%s) served %v, want %s only", i, addrs[i], got, color)
			}
		}
	}
	only("blue")
	if err := l.Set(ctx, traffic.Weights{Blue: 0, Green: 100}); err != nil {
		t.Fatal(err)
	}
	only("green")
	if err := l.Set(ctx, traffic.Weights{Blue: 50, Green: 50}); err != nil {
		t.Fatal(err)
	}
	for i, got := range served(40) {
		if got["blue"] == 0 || got["green"] == 0 || got["blue"]+got["green"] != 40 {
			t.Fatalf("listener %d at 50/50 served %v, want both colors", i, got)
		}
	}
	if err := l.Set(ctx, traffic.Weights{Blue: 0, Green: 100}); err != nil {
		t.Fatal(err)
	}
	// The second listener's write fails: the first, already written to
	// blue, is written back, and every request still reaches green.
	if _, err := sb.InjectFault(sandbox.Fault{Service: sandbox.ServiceELBv2, Operation: "ModifyListener", Kind: sandbox.HTTP5xx, Times: 1, After: 1}); err != nil {
		t.Fatal(err)
	}
	if err := l.Set(ctx, traffic.Weights{Blue: 100, Green: 0}); err == nil {
		t.Fatal("Set succeeded although the second listener's write failed")
	}
	only("green")
	if err := l.Set(ctx, traffic.Weights{Blue: 100, Green: 0}); err != nil {
		t.Fatal(err)
	}
	only("blue")
}

// TestLockstep_restoreTurnsStickinessOffOnEveryPoint: a rollback's restore
// through several points writes the weights with group stickiness off on
// each of them, and reports what it turned off.
func TestLockstep_restoreTurnsStickinessOffOnEveryPoint(t *testing.T) {
	f := newMultiELB(listenerARN, listener2ARN)
	for _, arn := range []string{listenerARN, listener2ARN} {
		a := fwd(tg(blueTG, 50), tg(greenTG, 50))
		a.ForwardConfig.TargetGroupStickinessConfig = &types.TargetGroupStickinessConfig{Enabled: aws.Bool(true), DurationSeconds: aws.Int32(3600)}
		f.actions[arn] = []types.Action{a}
	}
	l := lockstepOf(f, listenerARN, listener2ARN)
	if err := l.SetStickiness(true, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := l.SetRestore(context.Background(), traffic.Weights{Blue: 100}); err != nil {
		t.Fatal(err)
	}
	for _, arn := range []string{listenerARN, listener2ARN} {
		if w := f.weights(t, arn); w != (traffic.Weights{Blue: 100}) {
			t.Errorf("%s: weights %s after the restore", arn, w)
		}
		if sc := f.actions[arn][0].ForwardConfig.TargetGroupStickinessConfig; sc != nil && aws.ToBool(sc.Enabled) {
			t.Errorf("%s: group stickiness still on after the restore", arn)
		}
	}
	if was, ok := l.StickinessSuspended(); !ok || !was.Enabled {
		t.Fatalf("StickinessSuspended = %+v %v, want the suspended stickiness", was, ok)
	}
}
