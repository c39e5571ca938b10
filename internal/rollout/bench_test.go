package rollout

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/alb"
)

const (
	benchListener = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2"
	benchBlue     = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-blue/73e2d6bc24d8a067"
	benchGreen    = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-green/2453ed029918f21f"
)

// elbListener is an in-memory ELBv2 listener that counts calls and spends
// latency of fake time on each, like a real API round trip.
type elbListener struct {
	mu      sync.Mutex
	actions []types.Action
	calls   int
	clk     *clock.Fake
	latency time.Duration
}

func newELBListener(clk *clock.Fake, latency time.Duration) *elbListener {
	return &elbListener{clk: clk, latency: latency, actions: []types.Action{{
		Type: types.ActionTypeEnumForward, TargetGroupArn: aws.String(benchBlue),
	}}}
}

func (l *elbListener) call() {
	l.mu.Lock()
	l.calls++
	l.mu.Unlock()
	if l.latency > 0 {
		l.clk.Advance(l.latency)
	}
}

func (l *elbListener) DescribeListeners(_ context.Context, _ *elbv2.DescribeListenersInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeListenersOutput, error) {
	l.call()
	l.mu.Lock()
	defer l.mu.Unlock()
	return &elbv2.DescribeListenersOutput{Listeners: []types.Listener{{ListenerArn: aws.String(benchListener), DefaultActions: l.actions}}}, nil
}

func (l *elbListener) ModifyListener(_ context.Context, in *elbv2.ModifyListenerInput, _ ...func(*elbv2.Options)) (*elbv2.ModifyListenerOutput, error) {
	l.call()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.actions = in.DefaultActions
	return &elbv2.ModifyListenerOutput{}, nil
}

func (l *elbListener) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = 0
	l.actions = []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: aws.String(benchBlue)}}
}

// BenchmarkAllAtOnceFlip counts ELBv2 calls for an all-at-once flip through
// the ALB listener router: baseline read + write + verify read.
func BenchmarkAllAtOnceFlip(b *testing.B) {
	clk := clock.NewAutoFake(epoch)
	api := newELBListener(clk, 0)
	plan := mustPlan(b, Strategy{Type: StrategyAllAtOnce}, 0)
	var calls int
	b.ReportAllocs()
	for b.Loop() {
		api.reset()
		router := alb.NewListenerRouter(api, benchListener, benchBlue, benchGreen)
		out := Run(context.Background(), baseConfig(b, plan, router, clk))
		if !out.Succeeded() || out.Final != (traffic.Weights{Green: 100}) {
			b.Fatal(out.Summary())
		}
		calls += api.calls
	}
	perFlip := float64(calls) / float64(b.N)
	if perFlip > 3 {
		b.Fatalf("%.1f ELBv2 calls per flip, want <= 3", perFlip)
	}
	b.ReportMetric(perFlip, "calls/flip")
}

// BenchmarkBreachToRestore measures, in fake-clock time, how long traffic
// stays on the bad color after the breaching evaluation: each ELBv2 call
// costs 50ms of fake time, so this is the restore's call count × latency.
func BenchmarkBreachToRestore(b *testing.B) {
	const latency = 50 * time.Millisecond
	clk := clock.NewAutoFake(epoch)
	api := newELBListener(clk, latency)
	plan := mustPlan(b, Strategy{Type: StrategyCanary, Steps: []int{10, 50}, StepInterval: time.Minute}, 5*time.Minute)
	var total time.Duration
	var restoreCalls int
	for b.Loop() {
		api.reset()
		router := alb.NewListenerRouter(api, benchListener, benchBlue, benchGreen)
		check := &fakeCheck{name: "metrics.max_5xx_rate", clk: clk, verdicts: verdicts("pass", "fail")}
		cfg := baseConfig(b, plan, router, clk, check)
		var breach, restored time.Time
		var callsAtBreach int
		cfg.Logger = func(e Event) {
			switch e.Type {
			case EventRollbackStarted:
				breach = e.At
				callsAtBreach = api.calls
			case EventRollbackFinished:
				restored = e.At
			}
		}
		out := Run(context.Background(), cfg)
		if out.Result != ResultRolledBack {
			b.Fatal(out.Summary())
		}
		total += restored.Sub(breach)
		restoreCalls += api.calls - callsAtBreach
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "fake-ms/breach-to-restore")
	b.ReportMetric(float64(restoreCalls)/float64(b.N), "calls/restore")
}

// TestAllAtOnceFlip_threeELBv2Calls pins the benchmark's call budget in the
// regular test run, with the real ALB listener router.
func TestAllAtOnceFlip_threeELBv2Calls(t *testing.T) {
	clk := clock.NewAutoFake(epoch)
	api := newELBListener(clk, 0)
	router := alb.NewListenerRouter(api, benchListener, benchBlue, benchGreen)
	out := Run(context.Background(), baseConfig(t, mustPlan(t, Strategy{Type: StrategyAllAtOnce}, 0), router, clk))
	if !out.Succeeded() || api.calls != 3 {
		t.Fatalf("%s with %d ELBv2 calls, want success with 3", out.Summary(), api.calls)
	}
}
