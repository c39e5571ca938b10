// Command bluegreen-demo is what `make demo` runs: it starts the local AWS
// sandbox in-process, creates a load balancer and listener in it (the part an
// aws_lb / aws_lb_listener would do), then drives Terraform through
// examples/demo with the provider installed by dev_overrides:
//
//  1. provision the pair, the gates and the switch with blue serving v1.0.0;
//  2. release v2.0.0 to green and shift to it with a canary, printing the
//     timeline (step, weights, error rate, p99);
//  3. release a bad v3.0.0 to blue (now idle), which answers 30 % 5xx, and
//     show the automatic rollback, its diagnostic and the state afterwards;
//  4. destroy everything and stop the sandbox.
//
// Until the sandbox has a data plane, the driver stands in for it: it marks
// registered targets healthy after the health check's threshold × interval,
// and publishes ALB metrics for the traffic the listener's weights would
// send to each target group (80 requests/s in all, error rate and latency by
// the version each color runs).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsclient"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
	sbcw "github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/cloudwatch"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo failed:", err)
		os.Exit(1)
	}
}

// profile is how a version behaves under traffic.
type profile struct {
	ErrorRate float64
	Latency   time.Duration
}

var versions = map[string]profile{
	"1.0.0": {ErrorRate: 0.002, Latency: 40 * time.Millisecond},
	"2.0.0": {ErrorRate: 0.001, Latency: 35 * time.Millisecond},
	"3.0.0": {ErrorRate: 0.30, Latency: 60 * time.Millisecond}, // the bad release
}

const requestsPerSecond = 80

type demo struct {
	terraform, workdir string
	env                []string
	srv                *sandbox.Server
	clients            *awsclient.Clients
	lbARN, listenerARN string

	mu      sync.Mutex
	version map[string]string // color → version it runs
	samples []sample
}

// sample is one second of simulated traffic to one target group.
type sample struct {
	At        time.Time
	Color     string
	Requests  int
	Errors    int
	Latencies []float64
}

func run() error {
	tf := flag.String("terraform", "bin/terraform", "Terraform CLI to use")
	providerDir := flag.String("provider-dir", "", "directory holding the terraform-provider-bluegreen binary (dev_overrides)")
	example := flag.String("config", "examples/demo", "the demo configuration")
	workdir := flag.String("workdir", ".tmp/demo", "scratch directory (state, CLI configuration)")
	flag.Parse()
	if *providerDir == "" {
		return errors.New("-provider-dir is required")
	}
	start := time.Now()
	d := &demo{version: map[string]string{"blue": "1.0.0", "green": "1.0.0"}}
	var err error
	if d.terraform, err = filepath.Abs(*tf); err != nil {
		return err
	}
	if err := d.prepare(*example, *workdir, *providerDir); err != nil {
		return err
	}
	defer d.srv.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go d.simulateHealthChecks(ctx)
	go d.simulateTraffic(ctx)

	title("1. Provision: twin target groups, a health gate per color, the switch on blue (v1.0.0)")
	if _, err := d.apply("blue", "1.0.0", "1.0.0"); err != nil {
		return err
	}
	if err := d.showState(); err != nil {
		return err
	}

	title("2. Release v2.0.0 to green, then canary blue → green (10% → 50% → 100%, bake)")
	d.setVersion("green", "2.0.0")
	if _, err := d.apply("green", "1.0.0", "2.0.0"); err != nil {
		return err
	}
	if err := d.showTimeline(); err != nil {
		return err
	}

	title("3. Release a bad v3.0.0 to blue (idle now): 30% of its responses are 5xx")
	// ALB metrics have one-minute resolution: let blue's window hold only the
	// new release's traffic, as it would after a real deploy.
	d.waitIdle("blue", 61*time.Second)
	d.setVersion("blue", "3.0.0")
	out, err := d.apply("blue", "3.0.0", "2.0.0")
	if err == nil {
		return errors.New("the bad release was not rolled back")
	}
	fmt.Println("terraform apply failed, as it should — the provider's diagnostic:")
	fmt.Println(indent(diagnostic(out)))
	if err := d.showTimeline(); err != nil {
		return err
	}
	fmt.Println("State after the rollback (the next plan shows the switch still wanting blue):")
	if err := d.showState(); err != nil {
		return err
	}

	title("4. Clean up")
	if _, err := d.terraformCmd("destroy", "-auto-approve", "-no-color", "-input=false",
		"-var", "active_color=green", "-var", "blue_version=3.0.0", "-var", "green_version=2.0.0"); err != nil {
		return err
	}
	fmt.Printf("\nDemo finished in %s: a canary flip that succeeded and a bad release rolled back automatically.\n",
		time.Since(start).Round(time.Second))
	return nil
}

// waitIdle waits until color has had no traffic for quiet.
func (d *demo) waitIdle(color string, quiet time.Duration) {
	d.mu.Lock()
	var last time.Time
	for _, s := range d.samples {
		if s.Color == color && s.At.After(last) {
			last = s.At
		}
	}
	d.mu.Unlock()
	if wait := time.Until(last.Add(quiet)); wait > 0 {
		fmt.Printf("(waiting %s until blue's last minute of metrics holds no old traffic)\n", wait.Round(time.Second))
		time.Sleep(wait)
	}
}

func title(s string) { fmt.Printf("\n=== %s\n", s) }

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n    ")
}

// diagnostic extracts the Error blocks Terraform printed on stderr.
func diagnostic(stderr string) string {
	if i := strings.Index(stderr, "Error:"); i >= 0 {
		stderr = stderr[i:]
	}
	if i := strings.Index(stderr, "\nWarning:"); i >= 0 {
		stderr = stderr[:i]
	}
	return stderr
}

func (d *demo) prepare(example, workdir, providerDir string) error {
	var err error
	if d.workdir, err = filepath.Abs(workdir); err != nil {
		return err
	}
	if providerDir, err = filepath.Abs(providerDir); err != nil {
		return err
	}
	_ = os.RemoveAll(d.workdir)
	if err := os.MkdirAll(d.workdir, 0o755); err != nil {
		return err
	}
	src, err := os.ReadFile(filepath.Join(example, "main.tf"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(d.workdir, "main.tf"), src, 0o644); err != nil {
		return err
	}
	rc := fmt.Sprintf(`provider_installation {
  dev_overrides {
    "registry.terraform.io/bluegreen-tf/bluegreen" = %q
  }
  direct {}
}
`, providerDir)
	rcPath := filepath.Join(d.workdir, "terraformrc")
	if err := os.WriteFile(rcPath, []byte(rc), 0o644); err != nil {
		return err
	}

	d.srv, err = sandbox.Start(sandbox.Options{})
	if err != nil {
		return err
	}
	fmt.Printf("local AWS sandbox on %s (ELBv2, CloudWatch, STS)\n", d.srv.URL())
	d.env = append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+rcPath, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1",
		"AWS_ENDPOINT_URL="+d.srv.URL(), "AWS_ACCESS_KEY_ID=demo", "AWS_SECRET_ACCESS_KEY=demo",
		"AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true", "TF_PLUGIN_CACHE_DIR=",
	)
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo", "AWS_EC2_METADATA_DISABLED": "true"} {
		if err := os.Setenv(k, v); err != nil {
			return err
		}
	}
	os.Unsetenv("AWS_PROFILE")
	d.clients, err = awsclient.New(context.Background(), awsclient.Config{
		Region:    "us-east-1",
		Endpoints: awsclient.Endpoints{ELBv2: d.srv.URL(), CloudWatch: d.srv.URL(), STS: d.srv.URL()},
	})
	if err != nil {
		return err
	}
	return d.createLoadBalancer()
}

// createLoadBalancer does what aws_lb and aws_lb_listener would: an ALB with
// an HTTP listener whose default action answers 404; the switch adds a rule.
func (d *demo) createLoadBalancer() error {
	ctx := context.Background()
	lb, err := d.clients.ELBv2.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{
		Name: aws.String("demo"), Subnets: []string{"subnet-0a000001", "subnet-0b000002"},
	})
	if err != nil {
		return fmt.Errorf("creating the demo load balancer: %w", err)
	}
	d.lbARN = aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)
	l, err := d.clients.ELBv2.CreateListener(ctx, &elbv2.CreateListenerInput{
		LoadBalancerArn: aws.String(d.lbARN), Port: aws.Int32(80), Protocol: elbv2types.ProtocolEnumHttp,
		DefaultActions: []elbv2types.Action{{
			Type: elbv2types.ActionTypeEnumFixedResponse,
			FixedResponseConfig: &elbv2types.FixedResponseActionConfig{
				StatusCode: aws.String("404"), ContentType: aws.String("text/plain"), MessageBody: aws.String("no route"),
			},
		}},
	})
	if err != nil {
		return fmt.Errorf("creating the demo listener: %w", err)
	}
	d.listenerARN = aws.ToString(l.Listeners[0].ListenerArn)
	fmt.Printf("load balancer demo with listener :80 (%s)\n", d.listenerARN)
	return nil
}

func (d *demo) setVersion(color, version string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.version[color] = version
}

func (d *demo) apply(active, blueVersion, greenVersion string) (string, error) {
	return d.terraformCmd("apply", "-auto-approve", "-no-color", "-input=false",
		"-var", "active_color="+active, "-var", "blue_version="+blueVersion, "-var", "green_version="+greenVersion)
}

func (d *demo) terraformCmd(args ...string) (string, error) {
	args = append(args,
		"-var", "listener_arn="+d.listenerARN, "-var", "load_balancer_arn="+d.lbARN,
		"-var", `blue_targets=["10.0.1.10","10.0.1.11"]`, "-var", `green_targets=["10.0.2.10","10.0.2.11"]`)
	fmt.Printf("$ terraform %s\n", args[0])
	cmd := exec.Command(d.terraform, args...)
	cmd.Dir = d.workdir
	cmd.Env = d.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout = io.MultiWriter(&stdout, lineFilter{})
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err != nil {
		return stderr.String(), err
	}
	return stdout.String(), nil
}

// lineFilter prints the resource progress lines of terraform apply.
type lineFilter struct{}

func (lineFilter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(string(p), "\n") {
		if strings.Contains(line, ": Creation complete") || strings.Contains(line, ": Modifications complete") ||
			strings.Contains(line, ": Destruction complete") || strings.HasPrefix(line, "Apply complete") ||
			strings.HasPrefix(line, "Destroy complete") {
			fmt.Println("  " + line)
		}
	}
	return len(p), nil
}

type switchOutput struct {
	ActiveColor string `json:"active_color"`
	Status      string `json:"status"`
	BlueWeight  int    `json:"blue_weight"`
	GreenWeight int    `json:"green_weight"`
	LastShift   *struct {
		From, To, Result, Reason string
		StartedAt                string `json:"started_at"`
		FinishedAt               string `json:"finished_at"`
		Steps                    []struct {
			Step        int
			Percent     int
			BlueWeight  int    `json:"blue_weight"`
			GreenWeight int    `json:"green_weight"`
			StartedAt   string `json:"started_at"`
			FinishedAt  string `json:"finished_at"`
			Result      string
			Evaluations int
		}
	} `json:"last_shift"`
}

// output reads the switch from the saved state (terraform show): root
// outputs are not re-evaluated by an apply that fails, resource state is.
func (d *demo) output() (switchOutput, error) {
	cmd := exec.Command(d.terraform, "show", "-json")
	cmd.Dir = d.workdir
	cmd.Env = d.env
	raw, err := cmd.Output()
	var out switchOutput
	if err != nil {
		return out, fmt.Errorf("terraform show: %w", err)
	}
	var state struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Address string
					Values  json.RawMessage
				}
			} `json:"root_module"`
		}
	}
	if err := json.Unmarshal(raw, &state); err != nil {
		return out, err
	}
	for _, r := range state.Values.RootModule.Resources {
		if r.Address == "bluegreen_listener_switch.demo" {
			return out, json.Unmarshal(r.Values, &out)
		}
	}
	return out, errors.New("bluegreen_listener_switch.demo is not in the state")
}

func (d *demo) showState() error {
	o, err := d.output()
	if err != nil {
		return err
	}
	fmt.Printf("  active_color = %s   status = %s   weights blue=%d green=%d\n", o.ActiveColor, o.Status, o.BlueWeight, o.GreenWeight)
	if o.LastShift != nil && o.LastShift.Reason != "" {
		fmt.Printf("  last_shift.result = %s\n  last_shift.reason = %s\n", o.LastShift.Result, o.LastShift.Reason)
	}
	return nil
}

// showTimeline prints the last shift step by step with the error rate and
// p99 latency the receiving color had during each step.
func (d *demo) showTimeline() error {
	o, err := d.output()
	if err != nil {
		return err
	}
	ls := o.LastShift
	if ls == nil {
		fmt.Println("  (no shift recorded)")
		return nil
	}
	fmt.Printf("  shift %s → %s: %s\n", ls.From, ls.To, ls.Result)
	fmt.Printf("  %-5s %-8s %-13s %-9s %-11s %-8s %s\n", "step", "percent", "blue/green", "held", "error rate", "p99", "result")
	for _, s := range ls.Steps {
		from, _ := time.Parse(time.RFC3339, s.StartedAt)
		to, err := time.Parse(time.RFC3339, s.FinishedAt)
		if err != nil {
			to = time.Now()
		}
		rate, p99, n := d.stats(ls.To, from, to.Add(time.Second))
		held := "-"
		if !from.IsZero() {
			held = to.Sub(from).String()
		}
		rateStr, p99Str := "-", "-"
		if n > 0 {
			rateStr = fmt.Sprintf("%.1f%%", rate*100)
			p99Str = fmt.Sprintf("%dms", int(p99*1000))
		}
		fmt.Printf("  %-5d %-8s %-13s %-9s %-11s %-8s %s\n", s.Step, fmt.Sprintf("%d%%", s.Percent),
			fmt.Sprintf("%d/%d", s.BlueWeight, s.GreenWeight), held, rateStr, p99Str, s.Result)
	}
	if ls.Reason != "" {
		fmt.Printf("  reason: %s\n", ls.Reason)
	}
	fmt.Printf("  now: blue=%d green=%d, status %s\n", o.BlueWeight, o.GreenWeight, o.Status)
	return nil
}

// stats aggregates the simulated traffic of color in [from, to).
func (d *demo) stats(color string, from, to time.Time) (rate, p99 float64, requests int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var errs int
	var lat []float64
	for _, s := range d.samples {
		if s.Color != color || s.At.Before(from) || !s.At.Before(to) {
			continue
		}
		requests += s.Requests
		errs += s.Errors
		lat = append(lat, s.Latencies...)
	}
	if requests == 0 {
		return 0, 0, 0
	}
	sort.Float64s(lat)
	if len(lat) > 0 {
		p99 = lat[int(math.Ceil(0.99*float64(len(lat))))-1]
	}
	return float64(errs) / float64(requests), p99, requests
}

// targetGroups finds the pair's groups by name.
func (d *demo) targetGroups(ctx context.Context) map[string]string {
	out, err := d.clients.ELBv2.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{Names: []string{"demo-blue", "demo-green"}})
	if err != nil {
		return nil
	}
	m := map[string]string{}
	for _, tg := range out.TargetGroups {
		m[strings.TrimPrefix(aws.ToString(tg.TargetGroupName), "demo-")] = aws.ToString(tg.TargetGroupArn)
	}
	return m
}

// simulateHealthChecks stands in for the data plane's health checks: a
// target turns healthy once it has been registered for threshold × interval.
func (d *demo) simulateHealthChecks(ctx context.Context) {
	seen := map[string]time.Time{}
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for _, arn := range d.targetGroups(ctx) {
			tg, ok := d.srv.ELBv2().TargetGroup(arn)
			if !ok {
				continue
			}
			wait := time.Duration(tg.HealthCheck.HealthyThreshold*tg.HealthCheck.IntervalSeconds) * time.Second
			for _, t := range tg.Targets {
				key := arn + "|" + t.ID
				if t.State != "initial" && t.State != "unused" {
					continue
				}
				if _, ok := seen[key]; !ok {
					seen[key] = time.Now()
				}
				if time.Since(seen[key]) >= wait {
					_ = d.srv.SetTargetHealth(arn, t.ID, t.Port, "healthy", "", "")
				}
			}
		}
	}
}

// simulateTraffic publishes one second of ALB metrics per target group,
// splitting requestsPerSecond by the weights of the switch's rule.
func (d *demo) simulateTraffic(ctx context.Context) {
	lbSuffix := d.lbARN[strings.Index(d.lbARN, ":loadbalancer/")+len(":loadbalancer/"):]
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	rng := rand.New(rand.NewPCG(1, 2))
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			weights := map[string]int32{}
			var total int32
			for _, r := range d.srv.ELBv2().Rules(d.listenerARN) {
				for _, a := range r.Actions {
					for _, tg := range a.TargetGroups {
						weights[tg.TargetGroupARN] += tg.Weight
						total += tg.Weight
					}
				}
			}
			if total == 0 {
				continue
			}
			for color, arn := range d.targetGroups(ctx) {
				n := int(math.Round(float64(requestsPerSecond) * float64(weights[arn]) / float64(total)))
				if n == 0 {
					continue
				}
				d.mu.Lock()
				p := versions[d.version[color]]
				d.mu.Unlock()
				s := sample{At: now, Color: color, Requests: n}
				for i := 0; i < n; i++ {
					if rng.Float64() < p.ErrorRate {
						s.Errors++
					}
					jitter := 0.6 + 0.8*rng.Float64()
					s.Latencies = append(s.Latencies, p.Latency.Seconds()*jitter)
				}
				dims := map[string]string{"LoadBalancer": lbSuffix, "TargetGroup": arn[strings.Index(arn, ":targetgroup/")+1:]}
				d.srv.PublishMetrics(
					sbcw.Datapoint{Namespace: "AWS/ApplicationELB", MetricName: "RequestCount", Dimensions: dims, Timestamp: now, Values: []float64{float64(n)}, Unit: "Count"},
					sbcw.Datapoint{Namespace: "AWS/ApplicationELB", MetricName: "HTTPCode_Target_5XX_Count", Dimensions: dims, Timestamp: now, Values: []float64{float64(s.Errors)}, Unit: "Count"},
					sbcw.Datapoint{Namespace: "AWS/ApplicationELB", MetricName: "TargetResponseTime", Dimensions: dims, Timestamp: now, Values: s.Latencies, Unit: "Seconds"},
				)
				d.mu.Lock()
				d.samples = append(d.samples, s)
				d.mu.Unlock()
			}
		}
	}
}
