package cloudwatchmetrics_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/cloudwatchmetrics"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/targethealth"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/demoapp"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/alb"
)

// The engine-level rehearsal of a canary on AWS's metrics timing: the real
// engine (rollout.Run), the real ALB listener router, and the sandbox with
// its data plane carrying real HTTP requests to two demo apps, publishing ALB
// metrics per minute one minute after each minute ends (the sandbox's
// default, AWS-faithful delay: nothing here shortens it). Everything runs on
// one fake clock starting at a minute boundary: the engine sleeps on it, the
// sandbox timestamps requests and publishes minutes by it, and a traffic
// generator on it sends 4 requests a second through the listener.
//
// The switch resource is being rewritten, so this is written at the engine
// level rather than through Terraform.
func TestCanaryOnAWSMetricsTiming(t *testing.T) {
	cases := []struct {
		name        string
		greenFail   float64 // percent of green's answers that are 500s
		currentMin  bool    // the check as it was: reads the minute in progress
		want        rollout.Result
		wantFailure string // in Outcome.Reason when rolled back
	}{
		{"healthy canary completes", 0, false, rollout.ResultSucceeded, ""},
		{"bad canary rolls back on its 5xx rate", 30, false, rollout.ResultRolledBack, "check metrics.max_5xx_rate failed 2 consecutive evaluations at step 1/3"},
		{"healthy canary rolled back by the check reading the current minute", 0, true, rollout.ResultRolledBack, "check metrics.max_5xx_rate was inconclusive"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, timeline := runCanary(t, tc.greenFail, tc.currentMin)
			t.Logf("%s: %s\n%s", out.Result, out.Reason, timeline)
			if out.Result != tc.want || !strings.Contains(out.Reason, tc.wantFailure) {
				t.Fatalf("outcome %s (%s), want %s with %q\n%s", out.Result, out.Reason, tc.want, tc.wantFailure, timeline)
			}
			if tc.want == rollout.ResultSucceeded {
				// Every evaluation was "not yet" or a pass — never inconclusive,
				// never a failure — and the last ones judged 100 % traffic.
				judged := 0
				for _, e := range out.Timeline {
					for _, r := range e.Results {
						switch {
						case r.Verdict == checks.Pass:
							judged++
						case isPending(r):
						default:
							t.Fatalf("result %s at %s: want only pending or pass\n%s", r, e.At.Format(time.TimeOnly), timeline)
						}
					}
				}
				if judged < 10 {
					t.Fatalf("only %d judged evaluations\n%s", judged, timeline)
				}
			}
		})
	}
}

// isPending: the check said "not yet". The engine of this tree does not know
// the Pending verdict yet and reports it as an error with the verdict named
// in the detail; both forms are accepted.
func isPending(r checks.Result) bool {
	return r.Verdict == checks.Pending ||
		(r.Verdict == checks.Error && strings.HasPrefix(r.Detail, `unknown verdict "pending"`))
}

func runCanary(t *testing.T, greenFailPercent float64, currentMinute bool) (rollout.Outcome, string) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clk := clock.NewAutoFake(start)
	srv, err := sandbox.Start(sandbox.Options{DataPlane: true, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	if srv.MetricsDelay() != time.Minute {
		t.Fatalf("the sandbox's default metrics delay is %s, want AWS's 1m", srv.MetricsDelay())
	}
	srv.SetHealthChecks(false) // health is pinned below; probes would run on the real clock

	ctx := context.Background()
	creds := credentials.NewStaticCredentialsProvider("test", "test", "")
	elbc := elb.New(elb.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL()), Credentials: creds})
	cwc := cloudwatch.New(cloudwatch.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL()), Credentials: creds})

	lbOut, err := elbc.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("timing"), Subnets: []string{"subnet-0a1b2c3d", "subnet-4e5f6a7b"}})
	if err != nil {
		t.Fatal(err)
	}
	lbARN := aws.ToString(lbOut.LoadBalancers[0].LoadBalancerArn)
	group := func(color string, fail float64) string {
		a, err := demoapp.New(demoapp.Config{Version: "1", Color: color, FailPercent: fail}).Start("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = a.Close() })
		out, err := elbc.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("timing-" + color), Protocol: types.ProtocolEnumHttp,
			Port: aws.Int32(80), VpcId: aws.String(sandboxVPC), TargetType: types.TargetTypeEnumIp})
		if err != nil {
			t.Fatal(err)
		}
		arn := aws.ToString(out.TargetGroups[0].TargetGroupArn)
		if _, err := elbc.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(arn),
			Targets: []types.TargetDescription{{Id: aws.String("127.0.0.1"), Port: aws.Int32(int32(a.Port()))}}}); err != nil {
			t.Fatal(err)
		}
		if err := srv.SetTargetHealth(arn, "127.0.0.1", 0, "healthy", "", ""); err != nil {
			t.Fatal(err)
		}
		return arn
	}
	blue, green := group("blue", 0), group("green", greenFailPercent)
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

	// Traffic: 4 requests every second of fake time, through the listener.
	web := &http.Client{Timeout: 10 * time.Second}
	sent := 0
	var tick func()
	tick = func() {
		for range 4 {
			resp, err := web.Get("http://" + addr + "/")
			if err == nil {
				_ = resp.Body.Close()
				sent++
			}
		}
		clk.AfterFunc(time.Second, tick)
	}
	clk.AfterFunc(time.Second, tick)

	cfg := cloudwatchmetrics.Config{LoadBalancer: lbARN, TargetGroup: green, Max5xxRate: ptr(0.05), MinRequests: 10, Now: clk.Now}
	newCheck := cloudwatchmetrics.New
	if currentMinute {
		newCheck = cloudwatchmetrics.NewCurrentMinute
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
		Preflight: []rollout.Check{health}, Checks: []rollout.Check{metrics},
		EvaluationInterval: 15 * time.Second, FailureThreshold: 2,
		// The engine of this tree turns the Pending verdict, which it does
		// not know yet, into an error; unlimited errors keep "not yet" from
		// counting, as Pending is meant to. InconclusiveLimit stays at its
		// default (3).
		ErrorLimit: rollout.UnlimitedTolerance,
		Clock:      clk,
		Logger: func(e rollout.Event) {
			fmt.Fprintf(&log, "%s %s step %d", e.At.Format(time.TimeOnly), e.Type, e.Step)
			for _, r := range e.Results {
				fmt.Fprintf(&log, " | %s", r)
			}
			log.WriteByte('\n')
		},
	})
	fmt.Fprintf(&log, "%d requests sent\n", sent)
	return out, log.String()
}

func ptr[T any](v T) *T { return &v }

// sandboxVPC is the default VPC the sandbox has in every region.
const sandboxVPC = "vpc-0123456789abcdef0"
