package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/demoapp"
)

// metricsTimingEnv is a data plane on a fake clock starting at a
// minute-aligned instant, fed synthetic exchanges.
type metricsTimingEnv struct {
	*dpEnv
	clk *clock.Fake
}

var minuteZero = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newMetricsTimingEnv(t *testing.T, o Options) *metricsTimingEnv {
	clk := clock.NewFake(minuteZero)
	o.Now = clk.Now
	return &metricsTimingEnv{dpEnv: newDPEnv(t, o), clk: clk}
}

// requests records n requests forwarded to a target group that answered 200.
func (e *metricsTimingEnv) requests(n int) {
	for range n {
		e.s.dp.metrics.record(&exchange{at: e.clk.Now(), lb: "app/web/50dc6c495c0c9188", tg: "targetgroup/web-green/73e2d6bc24d8a067",
			status: 200, responded: true, targetTime: 0.01})
	}
}

// readable returns the RequestCount per minute CloudWatch answers now, after
// the data plane's publication round.
func (e *metricsTimingEnv) readable() map[string]float64 {
	e.t.Helper()
	e.s.dp.metrics.publishDue()
	out, err := e.cw.GetMetricData(e.ctx, &cw.GetMetricDataInput{
		StartTime: aws.Time(minuteZero.Add(-time.Hour)), EndTime: aws.Time(minuteZero.Add(time.Hour)),
		MetricDataQueries: []cwtypes.MetricDataQuery{{Id: aws.String("r"), MetricStat: &cwtypes.MetricStat{
			Metric: &cwtypes.Metric{Namespace: aws.String(albNamespace), MetricName: aws.String("RequestCount"), Dimensions: []cwtypes.Dimension{
				{Name: aws.String("LoadBalancer"), Value: aws.String("app/web/50dc6c495c0c9188")},
				{Name: aws.String("TargetGroup"), Value: aws.String("targetgroup/web-green/73e2d6bc24d8a067")}}},
			Period: aws.Int32(60), Stat: aws.String("Sum")}}},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	got := map[string]float64{}
	r := out.MetricDataResults[0]
	for i := range r.Values {
		got[r.Timestamps[i].UTC().Format("15:04")] = r.Values[i]
	}
	return got
}

func (e *metricsTimingEnv) expect(at string, want map[string]float64) {
	e.t.Helper()
	got := e.readable()
	if len(got) != len(want) {
		e.t.Fatalf("at %s CloudWatch has %v, want %v", at, got, want)
	}
	for k, v := range want {
		if got[k] != v {
			e.t.Fatalf("at %s CloudWatch has %v, want %v", at, got, want)
		}
	}
}

// By default (AWS-faithful) a minute's requests are one datapoint at the
// minute's start, readable from one minute after the minute ends.
func TestDataPlaneMetrics_perMinuteAfterTheDelay(t *testing.T) {
	e := newMetricsTimingEnv(t, Options{})
	if d := e.s.MetricsDelay(); d != time.Minute {
		t.Fatalf("default delay %s, want 1m", d)
	}
	e.clk.Advance(10 * time.Second)
	e.requests(3)
	e.clk.Advance(40 * time.Second) // 12:00:50
	e.requests(2)
	e.expect("12:00:50", map[string]float64{})
	e.clk.Advance(15 * time.Second) // 12:01:05
	e.requests(7)
	e.expect("12:01:05", map[string]float64{}) // 12:00 has ended, not published yet
	e.clk.Advance(54 * time.Second)            // 12:01:59
	e.expect("12:01:59", map[string]float64{})
	e.clk.Advance(time.Second) // 12:02:00
	e.expect("12:02:00", map[string]float64{"12:00": 5})
	e.clk.Advance(59 * time.Second) // 12:02:59
	e.expect("12:02:59", map[string]float64{"12:00": 5})
	e.clk.Advance(time.Second) // 12:03:00
	e.expect("12:03:00", map[string]float64{"12:00": 5, "12:01": 7})
}

// A shortened delay is explicit, per sandbox (option) or at run time (admin
// API); NoMetricsDelay publishes each minute as soon as it ends. Metrics stay
// per minute.
func TestDataPlaneMetrics_delayIsConfigurable(t *testing.T) {
	e := newMetricsTimingEnv(t, Options{MetricsDelay: NoMetricsDelay})
	e.requests(4)
	e.clk.Advance(59 * time.Second)
	e.expect("12:00:59", map[string]float64{})
	e.clk.Advance(time.Second)
	e.expect("12:01:00", map[string]float64{"12:00": 4})

	put := func(body string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodPut, e.s.URL()+"/_sandbox/dataplane/metrics-delay", bytes.NewBufferString(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	if code, out := put(`{"delay":"2m"}`); code != 200 || out["delay"] != "2m0s" || e.s.MetricsDelay() != 2*time.Minute {
		t.Fatalf("PUT 2m: %d %v", code, out)
	}
	e.requests(6) // minute 12:01, due 12:04 now
	e.clk.Advance(2*time.Minute + 59*time.Second)
	e.expect("12:03:59", map[string]float64{"12:00": 4})
	e.clk.Advance(time.Second)
	e.expect("12:04:00", map[string]float64{"12:00": 4, "12:01": 6})
	if code, _ := put(`{"delay":"-5s"}`); code != 400 {
		t.Fatalf("negative delay: %d, want 400", code)
	}
	if code, out := put(`{"delay":"0s"}`); code != 200 || out["delay"] != "1m0s" {
		t.Fatalf("0s restores the default: %d %v", code, out)
	}
	if _, err := Start(Options{DataPlane: true, MetricsDelay: -2 * time.Second}); err == nil {
		t.Fatal("a negative MetricsDelay other than NoMetricsDelay must be refused")
	}
}

// A target that is the listener's own port answers 502 at once instead of
// looping requests through the load balancer until file descriptors run out.
func TestDataPlane_targetLoopingBackIsRefused(t *testing.T) {
	e := newDPEnv(t, Options{})
	lb := e.createLB("loop")
	tg := e.createTG("loop-tg", tgOpts{})
	_, base := e.createListener(lb, 80, forward(0, weighted{tg, 1}))
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(u.Port())
	if _, err := e.elb.RegisterTargets(e.ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(tg),
		Targets: []types.TargetDescription{{Id: aws.String("127.0.0.1"), Port: aws.Int32(int32(port))}}}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if r := e.get(base+"/", nil); r.status != http.StatusBadGateway {
			t.Fatalf("status %d, want 502", r.status)
		}
	}
	if c := len(e.s.Calls(CallFilter{})); c == 0 {
		t.Fatal("no calls logged")
	}
}

// TestDataPlaneMetrics_realConnectionFailures: a target that resets every
// connection and a target that is down both answer the client ELB 502; the
// down one (no connection established) counts TargetConnectionErrorCount
// for its target group, the resetting one counts in no per target group
// error metric (only the load balancer's HTTPCode_ELB_502_Count), as AWS
// publishes them. Neither counts target 5xx.
func TestDataPlaneMetrics_realConnectionFailures(t *testing.T) {
	e := newDPEnv(t, Options{Now: time.Now})
	e.s.SetHealthChecks(false)
	resetting := startApp(t, "v2", "green")
	resetting.App.SetBehaviour(demoapp.Behaviour{ResetPercent: 100, Healthy: true})
	down := startApp(t, "v3", "green")
	lb := e.createLB("errs")
	resetTG, downTG := e.createTG("e-reset", tgOpts{}), e.createTG("e-down", tgOpts{})
	e.register(resetTG, resetting)
	e.register(downTG, down)
	if err := down.Close(); err != nil { // its port now refuses connections
		t.Fatal(err)
	}
	arn, base := e.createListener(lb, 80, forward(0, weighted{resetTG, 1}))
	if _, err := e.elb.CreateRule(e.ctx, &elb.CreateRuleInput{ListenerArn: aws.String(arn), Priority: aws.Int32(1),
		Conditions: []types.RuleCondition{{Field: aws.String("path-pattern"), Values: []string{"/down"}}},
		Actions:    []types.Action{forward(0, weighted{downTG, 1})}}); err != nil {
		t.Fatal(err)
	}
	const n = 7
	for range n {
		if r := e.get(base+"/", nil); r.status != http.StatusBadGateway {
			t.Fatalf("resetting target: status %d, want 502", r.status)
		}
		if r := e.get(base+"/down", nil); r.status != http.StatusBadGateway {
			t.Fatalf("down target: status %d, want 502", r.status)
		}
	}
	e.s.FlushDataPlaneMetrics()
	lbDim := lbDimension(lb)
	q := func(id, metric, tg string) cwtypes.MetricDataQuery {
		dims := []cwtypes.Dimension{{Name: aws.String("LoadBalancer"), Value: aws.String(lbDim)}}
		if tg != "" {
			dims = append(dims, cwtypes.Dimension{Name: aws.String("TargetGroup"), Value: aws.String(tgDimension(tg))})
		}
		return cwtypes.MetricDataQuery{Id: aws.String(id), MetricStat: &cwtypes.MetricStat{
			Metric: &cwtypes.Metric{Namespace: aws.String(albNamespace), MetricName: aws.String(metric), Dimensions: dims},
			Period: aws.Int32(3600), Stat: aws.String("Sum")}}
	}
	now := time.Now()
	out, err := e.cw.GetMetricData(e.ctx, &cw.GetMetricDataInput{
		StartTime: aws.Time(now.Add(-time.Hour).Truncate(time.Hour)), EndTime: aws.Time(now.Add(time.Hour).Truncate(time.Hour)),
		MetricDataQueries: []cwtypes.MetricDataQuery{
			q("conn_down", "TargetConnectionErrorCount", downTG),
			q("conn_reset", "TargetConnectionErrorCount", resetTG),
			q("conn_lb", "TargetConnectionErrorCount", ""),
			q("req_down", "RequestCount", downTG),
			q("req_reset", "RequestCount", resetTG),
			q("t5xx_down", "HTTPCode_Target_5XX_Count", downTG),
			q("t5xx_reset", "HTTPCode_Target_5XX_Count", resetTG),
			q("elb502", "HTTPCode_ELB_502_Count", ""),
			q("elb5xx", "HTTPCode_ELB_5XX_Count", ""),
			q("elb5xx_tg", "HTTPCode_ELB_5XX_Count", resetTG),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, r := range out.MetricDataResults {
		for _, v := range r.Values {
			got[aws.ToString(r.Id)] += v
		}
	}
	want := map[string]float64{"conn_down": n, "conn_reset": 0, "conn_lb": n, "req_down": n, "req_reset": n,
		"t5xx_down": 0, "t5xx_reset": 0, "elb502": 2 * n, "elb5xx": 2 * n, "elb5xx_tg": 0}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s = %v, want %v", id, got[id], w)
		}
	}
	if resetting.App.Resets() < n {
		t.Errorf("the app reset %d connections, want at least %d (real failures, not synthetic)", resetting.App.Resets(), n)
	}
}
