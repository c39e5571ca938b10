// Package zerodowntime measures what a blue/green flip costs the clients of
// an ALB: it starts the local AWS sandbox with its data plane, two demo apps
// per color on loopback, a load balancer with one HTTP listener and two
// target groups (all through the ELBv2 SDK client, as the provider would see
// them), then runs the load generator against the listener's real address
// while the rollout engine flips traffic blue↔green N times through the ALB
// listener router, with a target-health pre-flight, on the real clock.
//
// The Result splits the load generator's samples into the steady state
// before the first flip, the flip period (first flip start → last flip end)
// and the tail after it. Zero downtime means Result.Report.Failures == 0.
//
//	env, err := zerodowntime.NewEnv(ctx, zerodowntime.EnvOptions{})
//	defer env.Close()
//	res, err := zerodowntime.Run(ctx, env, zerodowntime.Config{Flips: 20, Requests: 100000})
//
// Test: TestZeroDowntime (short). Full run:
//
//	go run ./cmd/zerodowntime -flips 20 -requests 100000
package zerodowntime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsclient"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/targethealth"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/demoapp"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/loadgen"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/alb"
)

// EnvOptions configures NewEnv.
type EnvOptions struct {
	// AppsPerColor is the number of demo apps (targets) per color; 0 means 2.
	AppsPerColor int
	// HealthCheckTimeScale for the sandbox; 0 means 0.1 (5 s interval → 0.5 s).
	HealthCheckTimeScale float64
	// HealthyWithin bounds the wait for all targets to be healthy; 0 means 30 s.
	HealthyWithin time.Duration
}

// Env is a running sandbox with a load balancer, one HTTP listener
// forwarding to blue (weight 100) and green (weight 0), and healthy targets.
type Env struct {
	Sandbox *sandbox.Server
	ELB     *elbv2.Client
	// CloudWatch reads the data plane's ALB metrics.
	CloudWatch *cloudwatch.Client
	// LoadBalancer, Listener, Blue and Green are ARNs.
	LoadBalancer, Listener, Blue, Green string
	// URL is the listener's loopback URL.
	URL  string
	Apps map[rollout.Color][]*demoapp.Server
}

// NewEnv starts everything. When AWS_ACCESS_KEY_ID is unset it sets dummy
// credentials in the environment (the sandbox does not check signatures).
func NewEnv(ctx context.Context, o EnvOptions) (_ *Env, err error) {
	if o.AppsPerColor <= 0 {
		o.AppsPerColor = 2
	}
	if o.HealthCheckTimeScale <= 0 {
		o.HealthCheckTimeScale = 0.1
	}
	if o.HealthyWithin <= 0 {
		o.HealthyWithin = 30 * time.Second
	}
	if os.Getenv("AWS_ACCESS_KEY_ID") == "" {
		os.Unsetenv("AWS_PROFILE")
		os.Setenv("AWS_ACCESS_KEY_ID", "test")
		os.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	}
	srv, err := sandbox.Start(sandbox.Options{DataPlane: true, HealthCheckTimeScale: o.HealthCheckTimeScale})
	if err != nil {
		return nil, fmt.Errorf("starting the sandbox: %w", err)
	}
	e := &Env{Sandbox: srv, Apps: map[rollout.Color][]*demoapp.Server{}}
	defer func() {
		if err != nil {
			e.Close()
		}
	}()
	clients, err := awsclient.New(ctx, awsclient.Config{
		Region:    "us-east-1",
		Endpoints: awsclient.Endpoints{ELBv2: srv.URL(), CloudWatch: srv.URL(), STS: srv.URL()},
	})
	if err != nil {
		return nil, err
	}
	e.ELB = clients.ELBv2
	e.CloudWatch = clients.CloudWatch

	for _, c := range []rollout.Color{rollout.Blue, rollout.Green} {
		for i := range o.AppsPerColor {
			app, err := demoapp.Start(demoapp.Config{Version: fmt.Sprintf("%s-%d", c, i+1), Color: string(c)}, "127.0.0.1:0")
			if err != nil {
				return nil, fmt.Errorf("starting a demo app: %w", err)
			}
			e.Apps[c] = append(e.Apps[c], app)
		}
	}

	lb, err := e.ELB.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{
		Name: aws.String("zdt"), Subnets: []string{"subnet-0a000001", "subnet-0b000002"},
	})
	if err != nil {
		return nil, fmt.Errorf("CreateLoadBalancer: %w", err)
	}
	e.LoadBalancer = aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)
	for _, c := range []rollout.Color{rollout.Blue, rollout.Green} {
		tg, err := e.ELB.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{
			Name: aws.String("zdt-" + string(c)), Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80),
			VpcId: aws.String("vpc-0123456789abcdef0"), TargetType: types.TargetTypeEnumIp,
			HealthCheckPath:            aws.String("/health"),
			HealthCheckIntervalSeconds: aws.Int32(5),
			HealthCheckTimeoutSeconds:  aws.Int32(2),
			HealthyThresholdCount:      aws.Int32(2),
			UnhealthyThresholdCount:    aws.Int32(2),
		})
		if err != nil {
			return nil, fmt.Errorf("CreateTargetGroup: %w", err)
		}
		arn := aws.ToString(tg.TargetGroups[0].TargetGroupArn)
		if c == rollout.Blue {
			e.Blue = arn
		} else {
			e.Green = arn
		}
		var ts []types.TargetDescription
		for _, a := range e.Apps[c] {
			ts = append(ts, types.TargetDescription{Id: aws.String("127.0.0.1"), Port: aws.Int32(int32(a.Port()))})
		}
		if _, err := e.ELB.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: aws.String(arn), Targets: ts}); err != nil {
			return nil, fmt.Errorf("RegisterTargets: %w", err)
		}
	}
	l, err := e.ELB.CreateListener(ctx, &elbv2.CreateListenerInput{
		LoadBalancerArn: aws.String(e.LoadBalancer), Port: aws.Int32(80), Protocol: types.ProtocolEnumHttp,
		DefaultActions: []types.Action{{
			Type: types.ActionTypeEnumForward,
			ForwardConfig: &types.ForwardActionConfig{TargetGroups: []types.TargetGroupTuple{
				{TargetGroupArn: aws.String(e.Blue), Weight: aws.Int32(100)},
				{TargetGroupArn: aws.String(e.Green), Weight: aws.Int32(0)},
			}},
		}},
	})
	if err != nil {
		return nil, fmt.Errorf("CreateListener: %w", err)
	}
	e.Listener = aws.ToString(l.Listeners[0].ListenerArn)
	addr, ok := srv.ListenerAddr(e.Listener)
	if !ok {
		return nil, errors.New("the listener has no data-plane address")
	}
	e.URL = "http://" + addr + "/"
	if err := e.WaitHealthy(ctx, o.HealthyWithin); err != nil {
		return nil, err
	}
	return e, nil
}

// WaitHealthy waits until every target of both groups reports healthy.
func (e *Env) WaitHealthy(ctx context.Context, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		all := true
		var last string
		for _, tg := range []string{e.Blue, e.Green} {
			out, err := e.ELB.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg)})
			if err != nil {
				return fmt.Errorf("DescribeTargetHealth: %w", err)
			}
			for _, d := range out.TargetHealthDescriptions {
				if d.TargetHealth.State != types.TargetHealthStateEnumHealthy {
					all = false
					last = string(d.TargetHealth.State)
				}
			}
		}
		if all {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("targets not healthy within %v (a target is %s)", within, last)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Close stops the sandbox and the apps.
func (e *Env) Close() {
	if e.Sandbox != nil {
		_ = e.Sandbox.Close()
	}
	for _, apps := range e.Apps {
		for _, a := range apps {
			_ = a.Close()
		}
	}
}

// Group returns the target group ARN of c.
func (e *Env) Group(c rollout.Color) string {
	if c == rollout.Blue {
		return e.Blue
	}
	return e.Green
}

// FlipConfig returns the engine configuration for moving traffic from one
// color to the other with strategy s: the ALB listener router over the SDK
// client, a target-health pre-flight of the receiving group, the real clock.
// checks are the rollback_on checks (may be nil).
func (e *Env) FlipConfig(s rollout.Strategy, from, to rollout.Color, bake time.Duration, checks ...rollout.Check) (rollout.RunConfig, error) {
	plan, err := rollout.PlanShift(s, from, to, bake)
	if err != nil {
		return rollout.RunConfig{}, err
	}
	return rollout.RunConfig{
		Router:    alb.NewListenerRouter(e.ELB, e.Listener, e.Blue, e.Green),
		Plan:      plan,
		Preflight: []rollout.Check{targethealth.New(e.ELB, e.Group(to), 1, 100)},
		Checks:    checks,
		Clock:     clock.Real{},
	}, nil
}

// Config configures Run.
type Config struct {
	// Flips is the number of blue↔green flips (the first goes to green).
	Flips int
	// Requests is the total number of requests of the load generator.
	Requests int
	// Concurrency of the load generator; 0 means 8.
	Concurrency int
	// Rate in requests per second; 0 = as fast as Concurrency allows.
	Rate float64
	// Strategy of each flip; zero means all_at_once.
	Strategy rollout.Strategy
	// SteadyShare is the share of Requests sent before the first flip, and
	// again after the last; 0 means 0.1.
	SteadyShare float64
	// Timeout bounds the whole run; 0 means 10 minutes.
	Timeout time.Duration
}

// Flip is one flip's outcome.
type Flip struct {
	From, To rollout.Color
	Start    time.Time
	Duration time.Duration
	Outcome  rollout.Outcome
}

// Result is a run's measurements.
type Result struct {
	Config Config
	Report loadgen.Report
	// FlipsStart/FlipsEnd bound the flip period.
	FlipsStart, FlipsEnd time.Time
	// Steady: before the first flip; During: the flip period; After: the tail.
	Steady, During, After loadgen.Stats
	Flips                 []Flip
	// ServedBy counts the requests each color's apps answered.
	ServedBy map[rollout.Color]int64
}

// Run drives the load generator and the flips. It returns an error when the
// setup fails or a flip does not succeed; request failures are in the Result.
func Run(ctx context.Context, e *Env, cfg Config) (Result, error) {
	if cfg.Flips < 1 || cfg.Requests < 1 {
		return Result{}, errors.New("zerodowntime: Flips and Requests must be positive")
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 8
	}
	if cfg.Strategy.Type == "" {
		cfg.Strategy.Type = rollout.StrategyAllAtOnce
	}
	if cfg.SteadyShare <= 0 || cfg.SteadyShare >= 0.5 {
		cfg.SteadyShare = 0.1
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()

	served := map[rollout.Color]int64{}
	for c, apps := range e.Apps {
		for _, a := range apps {
			served[c] -= a.App.Requests()
		}
	}

	var progress atomic.Int64
	type lgResult struct {
		rep loadgen.Report
		err error
	}
	done := make(chan lgResult, 1)
	go func() {
		rep, err := loadgen.Run(ctx, loadgen.Config{URL: e.URL, Rate: cfg.Rate, Concurrency: cfg.Concurrency,
			MaxRequests: cfg.Requests, Progress: &progress})
		done <- lgResult{rep, err}
	}()

	res := Result{Config: cfg}
	steady := int64(float64(cfg.Requests) * cfg.SteadyShare)
	flipSpan := int64(cfg.Requests) - 2*steady
	var flipErr error
	from, to := rollout.Blue, rollout.Green
	for i := range cfg.Flips {
		// Flip i starts once steady + i/Flips of the flip span is done.
		mark := steady + flipSpan*int64(i)/int64(cfg.Flips)
		if err := waitFor(ctx, &progress, mark, done); err != nil {
			flipErr = fmt.Errorf("flip %d: %w", i+1, err)
			break
		}
		rc, err := e.FlipConfig(cfg.Strategy, from, to, 0)
		if err != nil {
			flipErr = err
			break
		}
		start := time.Now()
		if i == 0 {
			res.FlipsStart = start
		}
		out := rollout.Run(ctx, rc)
		res.FlipsEnd = time.Now()
		res.Flips = append(res.Flips, Flip{From: from, To: to, Start: start, Duration: res.FlipsEnd.Sub(start), Outcome: out})
		if !out.Succeeded() {
			flipErr = fmt.Errorf("flip %d %s→%s: %s", i+1, from, to, out.Summary())
			break
		}
		from, to = to, from
	}
	if flipErr != nil {
		cancel()
	}
	lg := <-done
	if lg.err != nil {
		return res, lg.err
	}
	res.Report = lg.rep
	if res.FlipsStart.IsZero() {
		res.FlipsStart, res.FlipsEnd = lg.rep.Start.Add(lg.rep.Elapsed), lg.rep.Start.Add(lg.rep.Elapsed)
	}
	res.Steady = lg.rep.Window(lg.rep.Start, res.FlipsStart)
	res.During = lg.rep.Window(res.FlipsStart, res.FlipsEnd)
	res.After = lg.rep.Window(res.FlipsEnd, lg.rep.Start.Add(lg.rep.Elapsed+time.Hour))
	for c, apps := range e.Apps {
		for _, a := range apps {
			served[c] += a.App.Requests()
		}
	}
	res.ServedBy = served
	return res, flipErr
}

// waitFor waits until progress reaches n, or the load generator finished
// (an error: the flips would not overlap the load), or ctx ends.
func waitFor[T any](ctx context.Context, progress *atomic.Int64, n int64, done <-chan T) error {
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for progress.Load() < n {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		if len(done) > 0 {
			return errors.New("the load generator finished before the flips")
		}
	}
	return nil
}

// String renders the result as a few lines.
func (r Result) String() string {
	var flipTotal time.Duration
	for _, f := range r.Flips {
		flipTotal += f.Duration
	}
	avg := time.Duration(0)
	if len(r.Flips) > 0 {
		avg = flipTotal / time.Duration(len(r.Flips))
	}
	return fmt.Sprintf("%d requests in %v (%.0f req/s), %d failures %v; %d flips (%s), mean flip %v\n"+
		"  steady: %s\n  during: %s\n  after:  %s\n  served by blue %d, green %d",
		r.Report.Requests, r.Report.Elapsed.Round(time.Millisecond), float64(r.Report.Requests)/r.Report.Elapsed.Seconds(),
		r.Report.Failures, r.Report.ByStatus, len(r.Flips), r.Config.Strategy.Type, avg.Round(time.Microsecond),
		r.Steady, r.During, r.After, r.ServedBy[rollout.Blue], r.ServedBy[rollout.Green])
}
