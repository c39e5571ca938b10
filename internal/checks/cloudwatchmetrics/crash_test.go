package cloudwatchmetrics_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/cloudwatchmetrics"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/targethealth"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/demoapp"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/loadgen"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/alb"
)

// A release that crashes produces no target 5xx: its clients get ELB 502s.
// The real engine, the ALB router and the sandbox's data plane carry real
// requests from a fleet of clients to demo apps, on one fake clock, with
// AWS's metrics timing (published per minute, a minute late). Green either
// resets every connection after reading the request (the process dies
// mid-request) or is down (its port refuses connections).
//
//   - down: TargetConnectionErrorCount of green's target group rolls it
//     back; the metric set before it (target 5xx only) let it through.
//   - resets: no per target group metric sees them (AWS publishes ELB 5xx
//     per load balancer only); count_elb_5xx (CountLoadBalancerELB5xx)
//     rolls it back, without it the release completes — the invisibility
//     the documentation warns about.
func TestCrashingReleaseOnAWSMetrics(t *testing.T) {
	cases := []struct {
		name       string
		green      string // "reset" or "down"
		elb        bool   // CountLoadBalancerELB5xx
		target5xx  bool   // the check as it was: target 5xx only
		want       rollout.Result
		wantReason string
	}{
		{"down: rolled back by target connection errors", "down", false, false, rollout.ResultRolledBack, "check metrics.max_5xx_rate failed 2 consecutive evaluations at step 1/3"},
		{"down: the target-5xx-only check lets it through", "down", false, true, rollout.ResultSucceeded, ""},
		{"resets: rolled back by the load balancer's ELB 5xx", "reset", true, false, rollout.ResultRolledBack, "check metrics.max_5xx_rate failed 2 consecutive evaluations at step 1/3"},
		{"resets: invisible per target group", "reset", false, false, rollout.ResultSucceeded, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, failed, timeline := runCrash(t, tc.green, tc.elb, tc.target5xx)
			t.Logf("%s: %s\n%s", out.Result, out.Reason, timeline)
			if out.Result != tc.want || !strings.Contains(out.Reason, tc.wantReason) {
				t.Fatalf("outcome %s (%s), want %s with %q\n%s", out.Result, out.Reason, tc.want, tc.wantReason, timeline)
			}
			if failed == 0 {
				t.Fatal("no client saw a failure: the release did not fail for real")
			}
		})
	}
}

func runCrash(t *testing.T, greenMode string, withELB, target5xxOnly bool) (rollout.Outcome, int, string) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clk := clock.NewAutoFake(start)
	srv, err := sandbox.Start(sandbox.Options{DataPlane: true, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	srv.SetHealthChecks(false) // health is pinned: a crash-looping release can pass its health checks

	ctx := context.Background()
	creds := credentials.NewStaticCredentialsProvider("test", "test", "")
	elbc := elb.New(elb.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL()), Credentials: creds})
	cwc := cloudwatch.New(cloudwatch.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL()), Credentials: creds})
	lbOut, err := elbc.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("crash"), Subnets: []string{"subnet-0a1b2c3d", "subnet-4e5f6a7b"}})
	if err != nil {
		t.Fatal(err)
	}
	lbARN := aws.ToString(lbOut.LoadBalancers[0].LoadBalancerArn)
	group := func(color string, app *demoapp.Server) string {
		out, err := elbc.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("crash-" + color), Protocol: types.ProtocolEnumHttp,
			Port: aws.Int32(80), VpcId: aws.String(sandboxVPC), TargetType: types.TargetTypeEnumIp})
		if err != nil {
			t.Fatal(err)
		}
		arn := aws.ToString(out.TargetGroups[0].TargetGroupArn)
		if _, err := elbc.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(arn),
			Targets: []types.TargetDescription{{Id: aws.String("127.0.0.1"), Port: aws.Int32(int32(app.Port()))}}}); err != nil {
			t.Fatal(err)
		}
		if err := srv.SetTargetHealth(arn, "127.0.0.1", 0, "healthy", "", ""); err != nil {
			t.Fatal(err)
		}
		return arn
	}
	app := func(color string, cfg demoapp.Config) *demoapp.Server {
		cfg.Version, cfg.Color = "1", color
		a, err := demoapp.New(cfg).Start("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = a.Close() })
		return a
	}
	blue := group("blue", app("blue", demoapp.Config{}))
	var green string
	switch greenMode {
	case "reset":
		green = group("green", app("green", demoapp.Config{ResetPercent: 100}))
	case "down":
		g := app("green", demoapp.Config{})
		green = group("green", g)
		if err := g.Close(); err != nil { // the release crashed: its port refuses connections
			t.Fatal(err)
		}
	default:
		t.Fatalf("green mode %q", greenMode)
	}
	lsn, err := elbc.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(lbARN), Port: aws.Int32(80), Protocol: types.ProtocolEnumHttp,
		DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, ForwardConfig: &types.ForwardActionConfig{TargetGroups: []types.TargetGroupTuple{
			{TargetGroupArn: aws.String(blue), Weight: aws.Int32(100)}, {TargetGroupArn: aws.String(green), Weight: aws.Int32(0)}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	lsnARN := aws.ToString(lsn.Listeners[0].ListenerArn)
	addr, ok := srv.ListenerAddr(lsnARN)
	if !ok {
		t.Fatal("the data plane serves no port for the listener")
	}

	// Traffic: a fleet of 8 clients, one round every second of fake time.
	fleet, err := loadgen.NewFleet(loadgen.FleetConfig{URL: "http://" + addr + "/", Clients: 8, TagHeader: "X-Demo-Color"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fleet.Close)
	var tick func()
	tick = func() {
		fleet.Round(ctx)
		clk.AfterFunc(time.Second, tick)
	}
	clk.AfterFunc(time.Second, tick)

	cfg := cloudwatchmetrics.Config{LoadBalancer: lbARN, TargetGroup: green, Max5xxRate: ptr(0.05), MinRequests: 10,
		CountLoadBalancerELB5xx: withELB, Now: clk.Now}
	newCheck := cloudwatchmetrics.New
	if target5xxOnly {
		newCheck = cloudwatchmetrics.NewTarget5xxOnly
	}
	metrics, err := newCheck(cwc, cfg)
	if err != nil {
		t.Fatal(err)
	}
	health := targethealth.New(elbc, green, 1, 0)
	health.Now = clk.Now
	plan, err := rollout.PlanShift(rollout.Strategy{Type: rollout.StrategyCanary, Steps: []int{10, 50}, StepInterval: 4 * time.Minute},
		rollout.Blue, rollout.Green, 4*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	out := rollout.Run(ctx, rollout.RunConfig{
		Router: alb.NewListenerRouter(elbc, lsnARN, blue, green), Plan: plan,
		Preflight:          []rollout.Check{health},
		Checks:             []rollout.Check{metrics},
		EvaluationInterval: 15 * time.Second, FailureThreshold: 2,
		Clock: clk,
		Logger: func(e rollout.Event) {
			fmt.Fprintf(&log, "%s %s step %d", e.At.Format(time.TimeOnly), e.Type, e.Step)
			for _, r := range e.Results {
				fmt.Fprintf(&log, " | %s", r)
			}
			log.WriteByte('\n')
		},
	})
	rep := fleet.Report()
	fmt.Fprintf(&log, "clients: %s, by status %v\n", rep.Stats, rep.ByStatus)
	return out, rep.Failures, log.String()
}
