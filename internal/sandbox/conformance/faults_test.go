package conformance

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
)

// freshFaults clears faults and the call log before and after a test.
func freshFaults(t *testing.T) {
	t.Helper()
	srv.ClearFaults()
	srv.ClearRateLimits()
	srv.ResetCalls()
	t.Cleanup(func() {
		srv.ClearFaults()
		srv.ClearRateLimits()
	})
}

func inject(t *testing.T, f sandbox.Fault) {
	t.Helper()
	if _, err := srv.InjectFault(f); err != nil {
		t.Fatalf("InjectFault(%+v): %v", f, err)
	}
}

// summary renders calls as "ErrorCode/Fault" (or "ok") for failure messages.
func summary(calls []sandbox.Call) string {
	var parts []string
	for _, c := range calls {
		s := "ok"
		if c.ErrorCode != "" {
			s = c.ErrorCode
		}
		if c.Fault != "" {
			s += "/" + string(c.Fault)
		}
		parts = append(parts, s)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func TestThrottledModifyListenerIsRetried(t *testing.T) {
	st := newStack(t, "thr")
	freshFaults(t)
	inject(t, sandbox.Fault{Service: "elbv2", Operation: "ModifyListener", Kind: sandbox.Throttle, Times: 2})

	must(elbc.ModifyListener(ctx, &elb.ModifyListenerInput{ListenerArn: aws.String(st.listener),
		DefaultActions: forward(weighted{st.blue, 0}, weighted{st.green, 100})}))(t)

	calls := srv.Calls(sandbox.CallFilter{Service: "elbv2", Operation: "ModifyListener"})
	if len(calls) != 3 {
		t.Fatalf("ModifyListener calls = %d %s, want 3 (2 throttled + 1 success)", len(calls), summary(calls))
	}
	for i, c := range calls[:2] {
		if c.ErrorCode != "Throttling" || c.Status != 400 || c.Fault != sandbox.Throttle {
			t.Errorf("call %d = %+v, want a throttled 400", i+1, c)
		}
	}
	if last := calls[2]; last.ErrorCode != "" || last.Status != 200 || last.Fault != "" {
		t.Errorf("call 3 = %+v, want success", last)
	}
	if calls[2].Params["ListenerArn"] != st.listener || calls[2].Params["DefaultActions.member.1.ForwardConfig.TargetGroups.member.2.Weight"] != "100" {
		t.Errorf("logged params = %v", calls[2].Params)
	}
	out := must(elbc.DescribeListeners(ctx, &elb.DescribeListenersInput{ListenerArns: []string{st.listener}}))(t)
	if got := weightsOf(out.Listeners[0].DefaultActions); got[st.green] != 100 {
		t.Errorf("weights after the retried write = %v", got)
	}
}

func TestConnectionResetIsRetried(t *testing.T) {
	st := newStack(t, "rst")
	freshFaults(t)
	inject(t, sandbox.Fault{Service: "elbv2", Operation: "DescribeListeners", Kind: sandbox.ConnReset, Times: 1})

	must(elbc.DescribeListeners(ctx, &elb.DescribeListenersInput{ListenerArns: []string{st.listener}}))(t)
	calls := srv.Calls(sandbox.CallFilter{Operation: "DescribeListeners"})
	if len(calls) != 2 || calls[0].Fault != sandbox.ConnReset || calls[0].Status != 0 || calls[1].Status != 200 {
		t.Fatalf("calls = %s %+v, want a reset then a success", summary(calls), calls)
	}
}

func TestServerErrorIsRetried(t *testing.T) {
	st := newStack(t, "5xx")
	freshFaults(t)
	inject(t, sandbox.Fault{Service: "elbv2", Operation: "DescribeTargetHealth", Kind: sandbox.HTTP5xx, Times: 1})
	inject(t, sandbox.Fault{Service: "elbv2", Operation: "DescribeTargetGroups", Kind: sandbox.HTTP5xx, Status: 500, Times: 1})

	must(elbc.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(st.blue)}))(t)
	must(elbc.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{st.blue}}))(t)

	th := srv.Calls(sandbox.CallFilter{Operation: "DescribeTargetHealth"})
	if len(th) != 2 || th[0].Status != 503 || th[0].ErrorCode != "ServiceUnavailable" || th[1].Status != 200 {
		t.Errorf("DescribeTargetHealth calls = %s %+v", summary(th), th)
	}
	tg := srv.Calls(sandbox.CallFilter{Operation: "DescribeTargetGroups"})
	if len(tg) != 2 || tg[0].Status != 500 || tg[0].ErrorCode != "InternalFailure" || tg[1].Status != 200 {
		t.Errorf("DescribeTargetGroups calls = %s %+v", summary(tg), tg)
	}
}

func TestLatencyBeyondClientTimeoutFails(t *testing.T) {
	freshFaults(t)
	inject(t, sandbox.Fault{Service: "elbv2", Operation: "DescribeLoadBalancers", Kind: sandbox.Latency, Latency: 3 * time.Second})

	// An HTTP client timeout: the standard retryer retries the timeout,
	// every attempt times out, and the call fails.
	impatient := newELB(awshttp.NewBuildableClient().WithTimeout(150 * time.Millisecond))
	start := time.Now()
	_, err := impatient.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{})
	if err == nil {
		t.Fatal("DescribeLoadBalancers succeeded despite 3s of latency and a 150ms client timeout")
	}
	if msg := err.Error(); !strings.Contains(msg, "maximum number of attempts, 3") ||
		!(strings.Contains(msg, "deadline exceeded") || strings.Contains(msg, "Timeout")) {
		t.Errorf("err = %v, want 3 attempts that each timed out", err)
	}
	if d := time.Since(start); d > 2500*time.Millisecond {
		t.Errorf("failed after %v: the latency was waited out instead of the timeout", d)
	}

	// A context deadline is not retried.
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, err = elbc.DescribeLoadBalancers(short, &elb.DescribeLoadBalancersInput{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("with a 100ms deadline: err = %v, want context.DeadlineExceeded", err)
	}

	// The sandbox notices each client giving up and logs every attempt.
	deadline := time.Now().Add(2 * time.Second)
	for {
		calls := srv.Calls(sandbox.CallFilter{Operation: "DescribeLoadBalancers"})
		if len(calls) >= 4 {
			for _, c := range calls {
				if c.Fault != sandbox.Latency || c.Status != 0 {
					t.Errorf("call = %+v, want an unanswered Latency call", c)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("calls = %s, want 3 timed-out attempts and 1 cancelled one", summary(calls))
		}
		time.Sleep(10 * time.Millisecond)
	}

	// Latency below the timeout only slows the call down.
	srv.ClearFaults()
	inject(t, sandbox.Fault{Service: "elbv2", Operation: "DescribeLoadBalancers", Kind: sandbox.Latency, Latency: 50 * time.Millisecond, Times: 1})
	start = time.Now()
	must(impatient.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{}))(t)
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("answered in %v, before the injected latency", d)
	}
}

func TestCloudWatchThrottleOverCBORIsRetried(t *testing.T) {
	freshFaults(t)
	inject(t, sandbox.Fault{Service: "cloudwatch", Operation: "PutMetricData", Kind: sandbox.Throttle, Times: 1})

	must(cwc.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{
		Namespace: aws.String("Conformance/Throttle"),
		MetricData: []cwtypes.MetricDatum{{
			MetricName: aws.String("Requests"), Value: aws.Float64(1), Unit: cwtypes.StandardUnitCount,
			Dimensions: []cwtypes.Dimension{{Name: aws.String("Color"), Value: aws.String("green")}},
		}},
	}))(t)
	calls := srv.Calls(sandbox.CallFilter{Service: "cloudwatch", Operation: "PutMetricData"})
	if len(calls) != 2 || calls[0].ErrorCode != "Throttling" || calls[0].Status != 400 || calls[1].Status != 200 {
		t.Fatalf("PutMetricData calls = %s %+v, want a throttle then a success", summary(calls), calls)
	}
	if got := calls[1].Params["Namespace"]; got != "Conformance/Throttle" {
		t.Errorf("logged CBOR params = %v", calls[1].Params)
	}

	// The metric landed once.
	out := must(cwc.ListMetrics(ctx, &cloudwatch.ListMetricsInput{Namespace: aws.String("Conformance/Throttle")}))(t)
	if len(out.Metrics) != 1 {
		t.Errorf("ListMetrics = %+v", out.Metrics)
	}
}

func TestCloudWatchServerErrorIsRetried(t *testing.T) {
	freshFaults(t)
	inject(t, sandbox.Fault{Service: "cloudwatch", Operation: "ListMetrics", Kind: sandbox.HTTP5xx, Times: 1})
	inject(t, sandbox.Fault{Service: "cloudwatch", Operation: "ListMetrics", Kind: sandbox.ConnReset, Times: 1})
	must(cwc.ListMetrics(ctx, &cloudwatch.ListMetricsInput{}))(t)
	calls := srv.Calls(sandbox.CallFilter{Operation: "ListMetrics"})
	if len(calls) != 3 || calls[0].ErrorCode != "ServiceUnavailable" || calls[1].Fault != sandbox.ConnReset || calls[2].Status != 200 {
		t.Fatalf("ListMetrics calls = %s", summary(calls))
	}
}

func TestRateLimitThroughSDK(t *testing.T) {
	st := newStack(t, "rl")
	freshFaults(t)
	if err := srv.SetRateLimit("elbv2", "DescribeTargetHealth", 0.001, 2); err != nil {
		t.Fatal(err)
	}
	once := elb.New(elb.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL()), Credentials: staticCreds, RetryMaxAttempts: 1})
	for i := 0; i < 2; i++ {
		must(once.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(st.blue)}))(t)
	}
	_, err := once.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(st.blue)})
	wantCode(t, err, "Throttling")
	// Other operations are not limited.
	must(once.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{st.blue}}))(t)
}
