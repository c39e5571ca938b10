package provider

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
)

// The fault matrix: for each phase of a shift (and the API call that phase
// makes) and each kind of fault, the sandbox fails that very call, and the
// apply must either succeed through the client's retries or roll back
// cleanly — and in every cell the saved state equals the sandbox's real
// weights.

// matrixHTTPTimeout bounds each AWS HTTP attempt in the matrix, so a
// latency fault beyond it costs well under a second.
const matrixHTTPTimeout = 500 * time.Millisecond

var testAccMatrixFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"bluegreen": func() (tfprotov6.ProviderServer, error) {
		return providerserver.NewProtocol6WithError(NewTestProvider("test", Deps{
			Clock: clock.NewAutoFake(time.Now()), HTTPTimeout: matrixHTTPTimeout,
		})())()
	},
}

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
  strategy {
    type          = "canary"
    steps         = [50]
    step_interval = "1m"
  }
  bake_time = "1m"
  rollback_on {
    metrics {
      max_5xx_rate = 0.05
    }
    alarm_names         = [%q]
    evaluation_interval = "30s"
    failure_threshold   = 1
  }`, alarm))
}

// matrixScenario prepares an ALB on blue with a healthy green, good green
// metrics and an alarm (in ALARM when breach).
func matrixScenario(t *testing.T, name string, breach bool) (testALB, string) {
	t.Helper()
	a := switchALB(t, name)
	now := time.Now()
	publishALB(a, a.GreenARN, now.Add(-5*time.Minute), now.Add(30*time.Minute), 100, 0)
	alarm := name + "-alarm"
	cw := testClients(t).CloudWatch
	if _, err := cw.PutMetricAlarm(context.Background(), &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String(alarm), Namespace: aws.String("AWS/ApplicationELB"), MetricName: aws.String("HTTPCode_Target_5XX_Count"),
		Statistic: cwtypes.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(10),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold,
	}); err != nil {
		t.Fatal(err)
	}
	return a, alarm
}

// runMatrixCell flips blue → green with an optional fault, returns the call
// log of the green apply and whether it rolled back.
func runMatrixCell(t *testing.T, name string, phase matrixPhase, fault *sandbox.Fault) []sandbox.Call {
	t.Helper()
	a, alarm := matrixScenario(t, name, phase.breach)
	var calls []sandbox.Call
	step := resource.TestStep{
		PreConfig: func() {
			if phase.breach {
				if err := testSandbox.SetAlarmState(alarm, "ALARM", "matrix breach"); err != nil {
					t.Fatal(err)
				}
			}
			testSandbox.ClearFaults()
			if fault != nil {
				if _, err := testSandbox.InjectFault(*fault); err != nil {
					t.Fatal(err)
				}
			}
			testSandbox.ResetCalls()
		},
		Config: matrixConfig(a, alarm, "green"),
		Check: func(s *terraform.State) error {
			calls = testSandbox.Calls(sandbox.CallFilter{})
			return stateMatchesSandbox(s, a)
		},
	}
	if phase.breach {
		step.ExpectError = regexp.MustCompile(`Shift rolled back`)
		step.Check = nil
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccMatrixFactories,
		Steps: []resource.TestStep{
			{Config: matrixConfig(a, alarm, "blue")},
			step,
			{
				// Whatever happened, the saved state is the truth: refresh
				// finds nothing to change in it.
				PreConfig:          func() { testSandbox.ClearFaults() },
				Config:             matrixConfig(a, alarm, "green"),
				PlanOnly:           true,
				ExpectNonEmptyPlan: phase.breach, // after a rollback the switch still wants green
				Check:              func(s *terraform.State) error { return stateMatchesSandbox(s, a) },
			},
		},
	})
	if phase.breach {
		calls = testSandbox.Calls(sandbox.CallFilter{})
		if b, g := listenerWeights(t, a); b != 100 || g != 0 {
			t.Fatalf("after the rollback the listener has blue=%d green=%d, want 100/0", b, g)
		}
	}
	testSandbox.ClearFaults()
	return calls
}

// stateMatchesSandbox compares the switch's weights in state with the sandbox.
func stateMatchesSandbox(s *terraform.State, a testALB) error {
	r, ok := s.RootModule().Resources[switchRes]
	if !ok {
		return fmt.Errorf("%s not in state", switchRes)
	}
	b, g, err := sandboxWeights(a)
	if err != nil {
		return err
	}
	sb, sg := r.Primary.Attributes["blue_weight"], r.Primary.Attributes["green_weight"]
	if sb != fmt.Sprint(b) || sg != fmt.Sprint(g) {
		return fmt.Errorf("state says blue=%s green=%s, the sandbox has blue=%d green=%d", sb, sg, b, g)
	}
	return nil
}

func TestAccFaultMatrix(t *testing.T) {
	type cell struct{ phase, fault, outcome string }
	var rows []cell
	for pi, phase := range matrixPhases {
		if only := os.Getenv("MATRIX_PHASE"); only != "" && only != phase.name {
			continue
		}
		// A fault-free run of the same scenario tells which call of the
		// operation belongs to the phase.
		ref := runMatrixCell(t, fmt.Sprintf("fm%d-ref", pi), phase, nil)
		after := phase.index(ref)
		if after < 0 {
			var ops []string
			for _, c := range ref {
				ops = append(ops, c.Operation)
			}
			t.Fatalf("phase %s: no %s call in the reference run: %v", phase.name, phase.op, ops)
		}
		for fi, f := range matrixFaults {
			fault := f.fault
			fault.Service, fault.Operation, fault.After = phase.service, phase.op, after
			name := fmt.Sprintf("fm%d-%d", pi, fi)
			t.Run(phase.name+"/"+f.name, func(t *testing.T) {
				runMatrixCell(t, name, phase, &fault)
				injected := 0
				for _, c := range testSandbox.Calls(sandbox.CallFilter{}) {
					if c.Fault != "" {
						injected++
					}
				}
				if injected == 0 {
					t.Fatalf("the %s fault never hit %s", f.name, phase.op)
				}
				outcome := "succeeded through retries; state = sandbox weights"
				if phase.breach {
					outcome = "rolled back (restore retried); state = sandbox weights"
				}
				rows = append(rows, cell{phase.name + " (" + phase.op + ")", f.name, outcome})
			})
		}
	}
	var b strings.Builder
	b.WriteString("| phase (call) | fault | outcome |\n|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", r.phase, r.fault, r.outcome)
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
