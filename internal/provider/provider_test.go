package provider

import (
	"context"
	"fmt"
	"log"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsclient"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/testenv"
)

// Every acceptance test starts its own sandbox (newTestSandbox) and hands
// its URL to the provider through Deps.Endpoint (in-process providers) or
// the environment of the CLI process it runs; nothing in this process points
// at a shared sandbox. TestMain only sets what no test changes: dummy
// credentials, no instance metadata, and an AWS_ENDPOINT_URL nothing listens
// on, so a test that forgot to wire its sandbox fails at once instead of
// reaching real AWS.
func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

// deadEndpoint is a loopback address nothing listens on (the discard port).
const deadEndpoint = "http://127.0.0.1:9"

func runTests(m *testing.M) int {
	if os.Getenv("TF_ACC") != "" {
		for k, v := range map[string]string{
			"AWS_ENDPOINT_URL":          deadEndpoint,
			"AWS_ACCESS_KEY_ID":         "test",
			"AWS_SECRET_ACCESS_KEY":     "test",
			"AWS_REGION":                "us-east-1",
			"AWS_EC2_METADATA_DISABLED": "true",
		} {
			os.Setenv(k, v)
		}
		os.Unsetenv("AWS_PROFILE")
	}
	code := testenv.KubeMain(m) // stops the shared kube-apiserver if a test started it
	if providerBinDir != "" {
		os.RemoveAll(providerBinDir)
	}
	return code
}

// testAccProtoV6ProviderFactories serve the provider in-process, so the
// sandbox and the provider share this test process.
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"bluegreen": providerserver.NewProtocol6WithError(New("test")()),
}

// skipUnlessAcc skips acceptance tests in a plain `go test` (the unit phase
// of make test); resource.Test does the same, but several tests prepare the
// sandbox before calling it.
func skipUnlessAcc(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 (make testacc)")
	}
}

// cliPath is the Terraform/OpenTofu binary for tests that run the CLI
// themselves (make test sets TF_ACC_TERRAFORM_PATH for each CLI in turn).
func cliPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if p == "" {
		t.Skip("TF_ACC_TERRAFORM_PATH is not set: this test runs the CLI itself (use make testacc)")
	}
	return p
}

func testAccPreCheck(t *testing.T) {
	t.Helper()
	skipUnlessAcc(t)
}

// testALB is a load balancer, its listener and the blue and green groups.
type testALB struct {
	LoadBalancerARN, ListenerARN, BlueARN, GreenARN string
}

// createALB creates a load balancer with an HTTP listener on port and two
// target groups through api (a testEnv's Clients.ELBv2), returning their
// ARNs. The listener forwards to blue and green with the given weights.
func createALB(t *testing.T, api *elbv2.Client, name string, port int32, blueWeight, greenWeight int32) testALB {
	t.Helper()
	ctx := context.Background()
	lb, err := api.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{
		Name:    aws.String(name),
		Subnets: []string{"subnet-0a000001", "subnet-0b000002"},
	})
	if err != nil {
		t.Fatalf("CreateLoadBalancer: %v", err)
	}
	out := testALB{LoadBalancerARN: aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)}
	for _, color := range []string{"blue", "green"} {
		tg, err := api.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{
			Name:     aws.String(fmt.Sprintf("%s-%s", name, color)),
			Port:     aws.Int32(8080),
			Protocol: "HTTP",
			VpcId:    aws.String("vpc-0123456789abcdef0"),
		})
		if err != nil {
			t.Fatalf("CreateTargetGroup: %v", err)
		}
		if color == "blue" {
			out.BlueARN = aws.ToString(tg.TargetGroups[0].TargetGroupArn)
		} else {
			out.GreenARN = aws.ToString(tg.TargetGroups[0].TargetGroupArn)
		}
	}
	l, err := api.CreateListener(ctx, &elbv2.CreateListenerInput{
		LoadBalancerArn: aws.String(out.LoadBalancerARN),
		Port:            aws.Int32(port),
		Protocol:        "HTTP",
		DefaultActions:  []elbv2types.Action{forwardAction(out.BlueARN, blueWeight, out.GreenARN, greenWeight)},
	})
	if err != nil {
		t.Fatalf("CreateListener: %v", err)
	}
	out.ListenerARN = aws.ToString(l.Listeners[0].ListenerArn)
	return out
}

func forwardAction(blue string, bw int32, green string, gw int32) elbv2types.Action {
	return elbv2types.Action{
		Type: elbv2types.ActionTypeEnumForward,
		ForwardConfig: &elbv2types.ForwardActionConfig{
			TargetGroups: []elbv2types.TargetGroupTuple{
				{TargetGroupArn: aws.String(blue), Weight: aws.Int32(bw)},
				{TargetGroupArn: aws.String(green), Weight: aws.Int32(gw)},
			},
		},
	}
}

// testClockStart is where every fake clock of the provider's tests starts: a
// fixed, minute-aligned instant, so which evaluation falls just after a
// minute boundary is the same on every run (never the wall-clock second).
//
// Where time comes from in the acceptance tests:
//   - In-process providers (env.Factories, testAccFakeClockFactories) wait on
//     Deps.Clock, an auto-advancing fake: the engine's step holds and
//     evaluation cadence, restore back-off, the health gate's interval and
//     the pair's release waits all jump virtual time without sleeping. With
//     env.Factories the sandbox's clock is the same one, so CloudWatch
//     timestamps, published minutes and the alarms follow the engine's time
//     exactly and a metrics rollback trips at the same step on every run.
//   - The CLI-driven tests (interrupt, randomized, sigint tests of every
//     router) run the built provider binary in its own process, which no fake
//     clock can reach: they run on the real clock and wait for events (an
//     API call that moved the weights), never for a fixed time.
//   - Injected latency (fault matrix) and HTTP client timeouts are real time.
var testClockStart = time.Date(2026, time.January, 5, 9, 0, 0, 0, time.UTC)

// testAccFakeClockFactories serve a provider whose rollouts run on a fake
// clock that jumps over every wait: a canary with minutes of holds applies in
// milliseconds. Each provider process (one per Terraform command) gets its own
// clock starting at testClockStart. It is for tests that need no sandbox
// (plan-time validation, moto, HTTP-only gates); tests on a sandbox use
// newTestSandbox's Factories, whose one clock the sandbox shares.
var testAccFakeClockFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"bluegreen": func() (tfprotov6.ProviderServer, error) {
		return providerserver.NewProtocol6WithError(NewTestProvider("test", Deps{Clock: clock.NewAutoFake(testClockStart)})())()
	},
}

// testEnv is one acceptance test's own AWS sandbox, the clock it and the
// provider share, SDK clients against it, and provider factories wired to
// it, so acceptance tests run in parallel (resource.ParallelTest).
type testEnv struct {
	Sandbox *sandbox.Server
	// Clock is the auto-advancing fake clock of the sandbox (CloudWatch
	// timestamps, alarm evaluation, deregistration delays) and of every
	// provider process the test starts; it begins at testClockStart.
	Clock     *clock.Fake
	Clients   *awsclient.Clients
	Factories map[string]func() (tfprotov6.ProviderServer, error)
	// calls is signalled after every API call the sandbox serves.
	calls *callNotifier
}

// callNotifier is the sandbox's Logger output: every line is one API call
// served (logged after its effect), so a test can wait for what a call
// changes without polling on a timer.
type callNotifier struct {
	mu sync.Mutex
	ch chan struct{}
}

func newCallNotifier() *callNotifier { return &callNotifier{ch: make(chan struct{})} }

func (n *callNotifier) Write(p []byte) (int, error) {
	n.mu.Lock()
	close(n.ch)
	n.ch = make(chan struct{})
	n.mu.Unlock()
	return len(p), nil
}

// next is closed at the next call after this one returns.
func (n *callNotifier) next() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.ch
}

// waitFor reports whether cond holds, re-checking it after every API call
// the sandbox serves (a process outside the test, such as a CLI's provider,
// changes the sandbox only through calls). cond must read the sandbox's
// state directly, not through its API (a call would wake the wait at once,
// turning it into a busy loop). limit is real time: it bounds how
// long a broken test hangs, never what the test proves.
func (e *testEnv) waitFor(limit time.Duration, cond func() bool) bool {
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for {
		next := e.calls.next()
		if cond() {
			return true
		}
		select {
		case <-next:
		case <-timer.C:
			return cond()
		}
	}
}

// testEnvOption adjusts newTestSandbox.
type testEnvOption func(*testEnvConfig)

type testEnvConfig struct {
	deps Deps
	// wrapClock, when set, wraps the provider's clock (the sandbox keeps the
	// plain fake), e.g. to let simulated traffic flow as time passes.
	wrapClock func(env *testEnv, c clock.Clock) clock.Clock
	// extra provider factories (e.g. the fake aws provider), given the env.
	extra map[string]func(env *testEnv) func() (tfprotov6.ProviderServer, error)
	// route53 configures the sandbox's Route 53 (change delay, DNS server).
	route53 sandbox.Route53Options
	// realClock: sandbox and providers on the wall clock (withRealClock).
	realClock bool
	// dataPlane: the sandbox serves real traffic (withDataPlane).
	dataPlane bool
}

// withDataPlane starts the sandbox with its data plane: every HTTP listener
// serves real traffic on loopback and ALB metrics come from it.
func withDataPlane() testEnvOption {
	return func(c *testEnvConfig) { c.dataPlane = true }
}

// withRealClock runs the sandbox, and the in-process providers, on the wall
// clock: for tests whose provider runs in a CLI process of its own (on the
// real clock), so that what the sandbox times (target group release,
// deregistration delays, CloudWatch timestamps) moves with the provider's
// time. env.Clock is nil then.
func withRealClock() testEnvOption {
	return func(c *testEnvConfig) { c.realClock = true }
}

// withRoute53 configures the sandbox's Route 53 (sandbox.Route53Options).
func withRoute53(o sandbox.Route53Options) testEnvOption {
	return func(c *testEnvConfig) { c.route53 = o }
}

// withHTTPTimeout bounds each AWS HTTP attempt of the provider.
func withHTTPTimeout(d time.Duration) testEnvOption {
	return func(c *testEnvConfig) { c.deps.HTTPTimeout = d }
}

// newTestSandbox starts a sandbox for this test only (closed at cleanup) and
// returns provider factories wired to it through Deps.Endpoint. It skips the
// test without TF_ACC.
func newTestSandbox(t *testing.T, opts ...testEnvOption) *testEnv {
	t.Helper()
	skipUnlessAcc(t)
	var cfg testEnvConfig
	for _, o := range opts {
		o(&cfg)
	}
	calls := newCallNotifier()
	sbOpts := sandbox.Options{Route53: cfg.route53, Logger: log.New(calls, "", 0), DataPlane: cfg.dataPlane}
	var fake *clock.Fake
	if !cfg.realClock {
		fake = clock.NewAutoFake(testClockStart)
		sbOpts.Now = fake.Now
	}
	srv, err := sandbox.Start(sbOpts)
	if err != nil {
		t.Fatalf("starting the sandbox: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	clients, err := awsclient.New(context.Background(), awsclient.Config{Region: "us-east-1", Endpoints: awsclient.Endpoints{
		ELBv2: srv.URL(), CloudWatch: srv.URL(), STS: srv.URL(), Route53: srv.URL(),
	}})
	if err != nil {
		t.Fatalf("building test clients: %v", err)
	}
	env := &testEnv{Sandbox: srv, Clock: fake, Clients: clients, calls: calls}
	deps := cfg.deps
	deps.Endpoint = srv.URL()
	var provClock clock.Clock = fake
	if fake == nil {
		provClock = clock.Real{}
	}
	if cfg.wrapClock != nil {
		provClock = cfg.wrapClock(env, fake)
	}
	deps.Clock = provClock
	env.Factories = map[string]func() (tfprotov6.ProviderServer, error){
		"bluegreen": func() (tfprotov6.ProviderServer, error) {
			return providerserver.NewProtocol6WithError(NewTestProvider("test", deps)())()
		},
	}
	for name, f := range cfg.extra {
		env.Factories[name] = f(env)
	}
	return env
}

// weights reads the real blue and green weights of a listener's default
// forward from the sandbox.
func (e *testEnv) weights(a testALB) (blue, green int32, err error) {
	l, ok := e.Sandbox.ELBv2().Listener(a.ListenerARN)
	if !ok {
		return 0, 0, fmt.Errorf("listener %s not found", a.ListenerARN)
	}
	for _, act := range l.DefaultActions {
		for _, tg := range act.TargetGroups {
			switch tg.TargetGroupARN {
			case a.BlueARN:
				blue = tg.Weight
			case a.GreenARN:
				green = tg.Weight
			}
		}
	}
	return blue, green, nil
}

// expectPriorState checks a top-level attribute of a resource in the state
// the plan starts from (what the last apply saved, refreshed).
func expectPriorState(address, attribute string, want any) plancheck.PlanCheck {
	return priorStateCheck{address: address, attribute: attribute, want: want}
}

type priorStateCheck struct {
	address, attribute string
	want               any
}

func (c priorStateCheck) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	if req.Plan.PriorState == nil || req.Plan.PriorState.Values == nil {
		resp.Error = fmt.Errorf("plan has no prior state")
		return
	}
	for _, r := range req.Plan.PriorState.Values.RootModule.Resources {
		if r.Address != c.address {
			continue
		}
		if got := r.AttributeValues[c.attribute]; got != c.want {
			resp.Error = fmt.Errorf("%s.%s in prior state is %v (%T), want %v", c.address, c.attribute, got, got, c.want)
		}
		return
	}
	resp.Error = fmt.Errorf("%s not in prior state", c.address)
}

// TestRegionValidator runs without TF_ACC: the provider's region attribute
// accepts a real region of every AWS partition and rejects what no
// partition accepts, with a diagnostic on the attribute.
func TestRegionValidator(t *testing.T) {
	for _, region := range []string{"us-east-1", "eu-central-2", "ap-southeast-7", "mx-central-1", "cn-northwest-1",
		"us-gov-west-1", "eusc-de-east-1", "us-iso-east-1", "us-isob-east-1", "eu-isoe-west-1", "us-isof-south-1"} {
		resp := &validator.StringResponse{}
		regionValidator{}.ValidateString(context.Background(), validator.StringRequest{
			Path: path.Root("region"), ConfigValue: types.StringValue(region),
		}, resp)
		if resp.Diagnostics.HasError() {
			t.Errorf("region %q rejected: %v", region, resp.Diagnostics)
		}
	}
	for _, region := range []string{"eu-west", "EU-WEST-1", "eusc-fr-east-1", "moon-base-1", "us-east-1a"} {
		resp := &validator.StringResponse{}
		regionValidator{}.ValidateString(context.Background(), validator.StringRequest{
			Path: path.Root("region"), ConfigValue: types.StringValue(region),
		}, resp)
		if !resp.Diagnostics.HasError() {
			t.Errorf("region %q accepted", region)
		}
	}
}
