package provider

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
	sbcw "github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/cloudwatch"
)

// The fault matrix: for each phase of a shift (and the API call that phase
// makes) and each kind of fault, the sandbox fails that very call, and the
// apply must either succeed through the client's retries or roll back
// cleanly — and in every cell the saved state equals the sandbox's real
// weights.

// matrixHTTPTimeout bounds each AWS HTTP attempt in the matrix, so a
// latency fault beyond it costs well under a second.
const matrixHTTPTimeout = 500 * time.Millisecond

type matrixPhase struct {
	name, service, op string
	// index finds the call of this phase in a fault-free run's call log
	// (calls of every service, in order) and returns its position among the
	// calls of op; -1 if absent.
	index func(calls []sandbox.Call) int
	// breach runs the scenario with an alarm in ALARM, so the shift rolls back.
	breach bool
}

// nthAfter returns the position among op's calls of the first op call
// after the k-th call of after (k from 1; after "" = from the start).
func nthAfter(op, after string, k int) func([]sandbox.Call) int {
	return func(calls []sandbox.Call) int {
		if op == after { // the call after the k-th of the same operation
			n := 0
			for _, c := range calls {
				if c.Operation == op {
					n++
				}
			}
			if n > k {
				return k
			}
			return -1
		}
		seenAfter, seenOp := 0, 0
		armed := after == ""
		for _, c := range calls {
			if c.Operation == after {
				seenAfter++
				if seenAfter == k {
					armed = true
				}
				continue
			}
			if c.Operation == op {
				if armed {
					return seenOp
				}
				seenOp++
			}
		}
		return -1
	}
}

var matrixPhases = []matrixPhase{
	{name: "pre-flight", service: "elbv2", op: "DescribeTargetHealth", index: nthAfter("DescribeTargetHealth", "", 0)},
	{name: "step write", service: "elbv2", op: "ModifyListener", index: nthAfter("ModifyListener", "", 0)},
	{name: "verify read", service: "elbv2", op: "DescribeListeners", index: nthAfter("DescribeListeners", "ModifyListener", 1)},
	{name: "evaluation", service: "cloudwatch", op: "GetMetricData", index: nthAfter("GetMetricData", "", 0)},
	{name: "bake", service: "cloudwatch", op: "DescribeAlarms", index: nthAfter("DescribeAlarms", "ModifyListener", 2)},
	{name: "rollback restore", service: "elbv2", op: "ModifyListener", index: nthAfter("ModifyListener", "ModifyListener", 1), breach: true},
}

var matrixFaults = []struct {
	name  string
	fault sandbox.Fault
}{
	{"throttling ×2", sandbox.Fault{Kind: sandbox.Throttle, Times: 2}},
	{"HTTP 503 ×2", sandbox.Fault{Kind: sandbox.HTTP5xx, Status: 503, Times: 2}},
	{"connection reset ×2", sandbox.Fault{Kind: sandbox.ConnReset, Times: 2}},
	{"latency beyond the SDK timeout ×1", sandbox.Fault{Kind: sandbox.Latency, Latency: 2 * matrixHTTPTimeout, Times: 1}},
}

func matrixConfig(a testALB, alarm, color string) string {
	return switchConfig(a, color, fmt.Sprintf(`
  strategy = {
    type          = "canary"
    steps         = [50]
    step_interval = "1m"
  }
  bake_time = "1m"
  rollback_on = {
    metrics = {
      max_5xx_rate = 0.05
    }
    alarm_names         = [%q]
    evaluation_interval = "30s"
    failure_threshold   = 1
  }`, alarm))
}

// matrixScenario prepares, in a sandbox of the cell's own, an ALB on blue
// with a healthy green, good green metrics and an alarm.
func matrixScenario(t *testing.T, name string) (*testEnv, testALB, string) {
	t.Helper()
	env := newTestSandbox(t, withHTTPTimeout(matrixHTTPTimeout))
	ctx := context.Background()
	api := env.Clients.ELBv2
	a := createALB(t, api, name, 80, 1, 0)
	// Start from a plain single-group forward to blue, healthy targets on both.
	if _, err := api.ModifyListener(ctx, &elbv2.ModifyListenerInput{
		ListenerArn:    aws.String(a.ListenerARN),
		DefaultActions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumForward, TargetGroupArn: aws.String(a.BlueARN)}},
	}); err != nil {
		t.Fatal(err)
	}
	for i, tg := range []string{a.BlueARN, a.GreenARN} {
		ip := fmt.Sprintf("10.0.0.%d", i+1)
		if _, err := api.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{
			TargetGroupArn: aws.String(tg), Targets: []elbv2types.TargetDescription{{Id: aws.String(ip)}},
		}); err != nil {
			t.Fatal(err)
		}
		if err := env.Sandbox.SetTargetHealth(tg, ip, 0, "healthy", "", ""); err != nil {
			t.Fatal(err)
		}
	}
	// Good green traffic from 5 minutes before the clock's start to 30 after.
	lb := strings.SplitN(a.LoadBalancerARN, ":loadbalancer/", 2)[1]
	dims := map[string]string{"LoadBalancer": lb, "TargetGroup": "targetgroup/" + strings.SplitN(a.GreenARN, ":targetgroup/", 2)[1]}
	for ts := testClockStart.Add(-5 * time.Minute); ts.Before(testClockStart.Add(30 * time.Minute)); ts = ts.Add(10 * time.Second) {
		env.Sandbox.PublishMetrics(
			sbcw.Datapoint{Namespace: "AWS/ApplicationELB", MetricName: "RequestCount", Dimensions: dims, Timestamp: ts, Values: []float64{100}, Unit: "Count"},
			sbcw.Datapoint{Namespace: "AWS/ApplicationELB", MetricName: "HTTPCode_Target_5XX_Count", Dimensions: dims, Timestamp: ts, Values: []float64{0}, Unit: "Count"},
			sbcw.Datapoint{Namespace: "AWS/ApplicationELB", MetricName: "TargetResponseTime", Dimensions: dims, Timestamp: ts, Values: []float64{0.05}, Unit: "Seconds"},
		)
	}
	alarm := name + "-alarm"
	if _, err := env.Clients.CloudWatch.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String(alarm), Namespace: aws.String("AWS/ApplicationELB"), MetricName: aws.String("HTTPCode_Target_5XX_Count"),
		Statistic: cwtypes.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(10),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold,
	}); err != nil {
		t.Fatal(err)
	}
	return env, a, alarm
}

// matrixObservation is what one cell observed, for the reliability table.
type matrixObservation struct {
	calls    []sandbox.Call
	injected int
	// status and weights of the switch in the state saved by the faulted
	// apply (read before any refresh), which the test checked against the
	// sandbox.
	status       string
	blue, green  int32
	stateChecked bool
}

// runMatrixCell flips blue → green with an optional fault, in a sandbox of
// its own. Whatever the outcome, it asserts that the state the apply saved
// equals the sandbox's weights, on a step that runs: the saved state is read
// from the prior state of a plan that does not refresh.
func runMatrixCell(t *testing.T, name string, phase matrixPhase, fault *sandbox.Fault, parallel bool) *matrixObservation {
	t.Helper()
	env, a, alarm := matrixScenario(t, name)
	obs := &matrixObservation{}
	step := resource.TestStep{
		PreConfig: func() {
			if phase.breach {
				if err := env.Sandbox.SetAlarmState(alarm, "ALARM", "matrix breach"); err != nil {
					t.Fatal(err)
				}
			}
			env.Sandbox.ClearFaults()
			if fault != nil {
				if _, err := env.Sandbox.InjectFault(*fault); err != nil {
					t.Fatal(err)
				}
			}
			env.Sandbox.ResetCalls()
		},
		Config: matrixConfig(a, alarm, "green"),
		Check: func(s *terraform.State) error {
			return stateMatchesSandbox(env, s, a)
		},
	}
	if phase.breach {
		// The apply fails; its saved state is checked by the next step.
		step.ExpectError = regexp.MustCompile(`Shift rolled back`)
	}
	test := resource.Test
	if parallel {
		test = resource.ParallelTest
	}
	test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: matrixConfig(a, alarm, "blue")},
			step,
			{
				// Whatever happened, the saved state is the truth: the state
				// the faulted apply saved (prior state of a plan without
				// refresh) equals the sandbox's weights, and a refresh finds
				// nothing to change in it.
				PreConfig: func() {
					obs.calls = env.Sandbox.Calls(sandbox.CallFilter{})
					for _, c := range obs.calls {
						if c.Fault != "" {
							obs.injected++
						}
					}
					env.Sandbox.ClearFaults()
				},
				Config:             matrixConfig(a, alarm, "green"),
				PlanOnly:           true,
				ExpectNonEmptyPlan: phase.breach, // after a rollback the switch still wants green
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPreRefresh:  []plancheck.PlanCheck{savedStateMatchesSandbox{env: env, a: a, obs: obs}},
					PostApplyPostRefresh: []plancheck.PlanCheck{savedStateMatchesSandbox{env: env, a: a}},
				},
			},
		},
	})
	if phase.breach {
		if b, g, err := env.weights(a); err != nil || b != 100 || g != 0 {
			t.Fatalf("after the rollback the listener has blue=%d green=%d (%v), want 100/0", b, g, err)
		}
	}
	return obs
}

// stateMatchesSandbox compares the switch's weights in state with the sandbox.
func stateMatchesSandbox(env *testEnv, s *terraform.State, a testALB) error {
	r, ok := s.RootModule().Resources[switchRes]
	if !ok {
		return fmt.Errorf("%s not in state", switchRes)
	}
	b, g, err := env.weights(a)
	if err != nil {
		return err
	}
	sb, sg := r.Primary.Attributes["blue_weight"], r.Primary.Attributes["green_weight"]
	if sb != fmt.Sprint(b) || sg != fmt.Sprint(g) {
		return fmt.Errorf("state says blue=%s green=%s, the sandbox has blue=%d green=%d", sb, sg, b, g)
	}
	return nil
}

// savedStateMatchesSandbox checks the switch in a plan's prior state against
// the sandbox's weights, and records what it saw in obs (when set).
type savedStateMatchesSandbox struct {
	env *testEnv
	a   testALB
	obs *matrixObservation
}

func (c savedStateMatchesSandbox) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	if req.Plan.PriorState == nil || req.Plan.PriorState.Values == nil {
		resp.Error = fmt.Errorf("the plan has no prior state")
		return
	}
	for _, r := range req.Plan.PriorState.Values.RootModule.Resources {
		if r.Address != switchRes {
			continue
		}
		sb, _ := r.AttributeValues["blue_weight"].(float64)
		sg, _ := r.AttributeValues["green_weight"].(float64)
		b, g, err := c.env.weights(c.a)
		if err != nil {
			resp.Error = err
			return
		}
		if int32(sb) != b || int32(sg) != g {
			resp.Error = fmt.Errorf("saved state says blue=%v green=%v, the sandbox has blue=%d green=%d", sb, sg, b, g)
			return
		}
		if c.obs != nil {
			c.obs.status, _ = r.AttributeValues["status"].(string)
			c.obs.blue, c.obs.green, c.obs.stateChecked = b, g, true
		}
		return
	}
	resp.Error = fmt.Errorf("%s not in the prior state", switchRes)
}

func TestAccFaultMatrix(t *testing.T) {
	skipUnlessAcc(t)
	type cell struct{ phase, fault, injected, status, weights string }
	var (
		mu   sync.Mutex
		rows = map[[2]int]cell{}
	)
	t.Run("cells", func(t *testing.T) {
		for pi, phase := range matrixPhases {
			if only := os.Getenv("MATRIX_PHASE"); only != "" && only != phase.name {
				continue
			}
			t.Run(phase.name, func(t *testing.T) {
				t.Parallel()
				// A fault-free run of the same scenario tells which call of
				// the operation belongs to the phase.
				ref := runMatrixCell(t, fmt.Sprintf("fm%d-ref", pi), phase, nil, false)
				after := phase.index(ref.calls)
				if after < 0 {
					var ops []string
					for _, c := range ref.calls {
						ops = append(ops, c.Operation)
					}
					t.Fatalf("phase %s: no %s call in the reference run: %v", phase.name, phase.op, ops)
				}
				for fi, f := range matrixFaults {
					fault := f.fault
					fault.Service, fault.Operation, fault.After = phase.service, phase.op, after
					name := fmt.Sprintf("fm%d-%d", pi, fi)
					t.Run(f.name, func(t *testing.T) {
						obs := runMatrixCell(t, name, phase, &fault, true)
						if t.Failed() {
							return
						}
						if obs.injected == 0 {
							t.Fatalf("the %s fault never hit %s", f.name, phase.op)
						}
						if !obs.stateChecked {
							t.Fatal("the saved state was never compared with the sandbox")
						}
						want := "stable"
						if phase.breach {
							want = "rolled_back"
						}
						if obs.status != want {
							t.Fatalf("saved status %q, want %q", obs.status, want)
						}
						mu.Lock()
						rows[[2]int{pi, fi}] = cell{phase.name + " (" + phase.op + ")", f.name, fmt.Sprint(obs.injected),
							obs.status, fmt.Sprintf("%d/%d", obs.blue, obs.green)}
						mu.Unlock()
					})
				}
			})
		}
	})
	var b strings.Builder
	b.WriteString("| phase (call) | fault | faulted calls | saved `status` | saved weights blue/green = sandbox |\n|---|---|---|---|---|\n")
	for pi := range matrixPhases {
		for fi := range matrixFaults {
			if r, ok := rows[[2]int{pi, fi}]; ok {
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", r.phase, r.fault, r.injected, r.status, r.weights)
			}
		}
	}
	t.Logf("fault matrix (%d cells):\n%s", len(rows), b.String())
	if os.Getenv("MATRIX_PHASE") == "" && !t.Failed() {
		syncDocSection(t, "../../templates/guides/reliability.md.tmpl", "fault-matrix", b.String())
	}
}

// syncDocSection keeps a generated section of a docs template equal to what
// the test measured: with BLUEGREEN_WRITE_DOCS=1 it rewrites the section
// between <!-- name:start --> and <!-- name:end -->, otherwise it fails when
// the section differs, so the docs cannot drift from the tests.
func syncDocSection(t *testing.T, file, name, content string) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	start, end := "<!-- "+name+":start -->\n", "<!-- "+name+":end -->"
	i, j := strings.Index(string(raw), start), strings.Index(string(raw), end)
	if i < 0 || j < i {
		t.Fatalf("%s has no %s section markers", file, name)
	}
	current := string(raw)[i+len(start) : j]
	if current == content {
		return
	}
	if os.Getenv("BLUEGREEN_WRITE_DOCS") != "1" {
		t.Fatalf("%s: the %s section is stale; run the test with BLUEGREEN_WRITE_DOCS=1 and then make docs", file, name)
	}
	updated := string(raw)[:i+len(start)] + content + string(raw)[j:]
	if err := os.WriteFile(file, []byte(updated), 0o644); err != nil {
		t.Fatal(err)
	}
}
