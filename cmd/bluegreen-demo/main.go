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
//  4. destroy everything and stop the sandbox;
//  5. blue-green between two whole stacks by weighted DNS, with a second
//     sandbox (package internal/testsupport/dnsflip, examples/demo/dns): a canary by
//     Route 53 weight observed in real DNS answers, and a rollback.
//
// -part alb runs parts 1–4 only, -part dns part 5 only.
//
// Everything is real traffic on loopback: the sandbox's data plane serves the
// listener, forwards by the switch's weights to demo app instances (two per
// release, on 127.0.0.1), health-checks them, and publishes the ALB metrics
// the rollback checks read. The driver sends about 80 requests/s through the
// listener and records what each answer says (color, status, latency).
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
	"net/http"
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
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/demoapp"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/dnsflip"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo failed:", err)
		os.Exit(1)
	}
}

// release is how a version behaves: demo app instances fail a share of
// requests and add latency.
type release struct {
	FailPercent float64
	LatencyMS   int
}

var releases = map[string]release{
	"1.0.0": {FailPercent: 0.2, LatencyMS: 20},
	"2.0.0": {FailPercent: 0.1, LatencyMS: 15},
	"3.0.0": {FailPercent: 30, LatencyMS: 40}, // the bad release
}

const requestsPerSecond = 80

type demo struct {
	terraform, workdir string
	listenerURL        string
	env                []string
	srv                *sandbox.Server
	clients            *awsclient.Clients
	lbARN, listenerARN string

	mu      sync.Mutex
	samples []sample
	apps    map[string][]*demoapp.Server // color → instances of its release
}

// sample is one request through the listener.
type sample struct {
	At      time.Time
	Color   string // from the answer's body; "" for 5xx answers that carry none
	Target  string // the instance that answered (or the color's last guess)
	Status  int
	Latency time.Duration
}

func run() (err error) {
	tf := flag.String("terraform", "bin/terraform", "Terraform CLI to use")
	providerDir := flag.String("provider-dir", "", "directory holding the terraform-provider-bluegreen binary (dev_overrides)")
	example := flag.String("config", "examples/demo", "the demo configuration")
	workdir := flag.String("workdir", ".tmp/demo", "scratch directory (state, CLI configuration)")
	part := flag.String("part", "all", "all, alb (parts 1–4) or dns (part 5, whole stacks by weighted DNS: internal/testsupport/dnsflip)")
	flag.Parse()
	if *providerDir == "" {
		return errors.New("-provider-dir is required")
	}
	start := time.Now()
	if *part == "dns" || *part == "all" {
		defer func() {
			if err == nil {
				if err = runDNS(*tf, *providerDir, *example, *workdir); err == nil {
					fmt.Printf("\nDemo finished in %s.\n", time.Since(start).Round(time.Second))
				}
			}
		}()
	}
	if *part == "dns" {
		return nil
	}
	d := &demo{apps: map[string][]*demoapp.Server{}}
	if d.terraform, err = filepath.Abs(*tf); err != nil {
		return err
	}
	if err := d.prepare(*example, *workdir, *providerDir); err != nil {
		return err
	}
	defer d.srv.Close()
	defer d.stopApps()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go d.sendTraffic(ctx)

	title("1. Provision: twin target groups, a health gate per color, the switch on blue (v1.0.0)")
	if err := d.deploy("blue", "1.0.0"); err != nil {
		return err
	}
	if err := d.deploy("green", "1.0.0"); err != nil {
		return err
	}
	// First the pair alone, then the listener forwards to both of its groups
	// (what aws_lb_listener does in a real stack; both groups attached is what
	// starts their health checks), then everything else.
	if _, err := d.terraformCmd("apply", "-auto-approve", "-no-color", "-input=false", "-target=bluegreen_environment_pair.demo",
		"-var", "active_color=blue", "-var", "blue_version=1.0.0", "-var", "green_version=1.0.0"); err != nil {
		return err
	}
	if err := d.forwardToPair(); err != nil {
		return err
	}
	if _, err := d.apply("blue", "1.0.0", "1.0.0"); err != nil {
		return err
	}
	if err := d.showState(); err != nil {
		return err
	}

	title("2. Release v2.0.0 to green, then canary blue → green (10% → 50% → 100%, bake)")
	if err := d.deploy("green", "2.0.0"); err != nil {
		return err
	}
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
	if err := d.deploy("blue", "3.0.0"); err != nil {
		return err
	}
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
	// The listener is the driver's (an aws_lb_listener in a real stack, which
	// Terraform would destroy before the pair): stop forwarding first.
	if err := d.detachListener(); err != nil {
		return err
	}
	if _, err := d.terraformCmd("destroy", "-auto-approve", "-no-color", "-input=false",
		"-var", "active_color=green", "-var", "blue_version=3.0.0", "-var", "green_version=2.0.0"); err != nil {
		return err
	}
	fmt.Printf("\nListener part finished in %s: a canary flip that succeeded and a bad release rolled back automatically.\n",
		time.Since(start).Round(time.Second))
	return nil
}

// runDNS runs part 5, the whole-stack flip by weighted DNS, with its own
// sandbox and examples/demo/dns.
func runDNS(tf, providerDir, example, workdir string) error {
	tfAbs, err := filepath.Abs(tf)
	if err != nil {
		return err
	}
	dir, err := filepath.Abs(providerDir)
	if err != nil {
		return err
	}
	return dnsflip.Run(context.Background(), dnsflip.Config{Terraform: tfAbs, ProviderDir: dir,
		ConfigDir: filepath.Join(example, "dns"), Workdir: workdir + "-dns"})
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

	// Health checks run five times faster than configured (a 5 s interval
	// checks every second), so targets turn healthy in a couple of seconds.
	d.srv, err = sandbox.Start(sandbox.Options{DataPlane: true, HealthCheckTimeScale: 0.2})
	if err != nil {
		return err
	}
	fmt.Printf("local AWS sandbox on %s (ELBv2, CloudWatch, STS; data plane on)\n", d.srv.URL())
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
	addr, ok := d.srv.ListenerAddr(d.listenerARN)
	if !ok {
		return errors.New("the sandbox data plane did not open the listener")
	}
	d.listenerURL = "http://" + addr + "/"
	fmt.Printf("load balancer demo: listener :80 served at %s\n", d.listenerURL)
	return nil
}

// detachListener makes the listener answer 404 again.
func (d *demo) detachListener() error {
	_, err := d.clients.ELBv2.ModifyListener(context.Background(), &elbv2.ModifyListenerInput{
		ListenerArn: aws.String(d.listenerARN),
		DefaultActions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumFixedResponse,
			FixedResponseConfig: &elbv2types.FixedResponseActionConfig{StatusCode: aws.String("404"), ContentType: aws.String("text/plain")}}},
	})
	return err
}

// forwardToPair points the listener's default action at both groups of the
// pair, all traffic on blue.
func (d *demo) forwardToPair() error {
	ctx := context.Background()
	out, err := d.clients.ELBv2.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{Names: []string{"demo-blue", "demo-green"}})
	if err != nil {
		return err
	}
	arns := map[string]string{}
	for _, tg := range out.TargetGroups {
		arns[aws.ToString(tg.TargetGroupName)] = aws.ToString(tg.TargetGroupArn)
	}
	_, err = d.clients.ELBv2.ModifyListener(ctx, &elbv2.ModifyListenerInput{
		ListenerArn: aws.String(d.listenerARN),
		DefaultActions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumForward, ForwardConfig: &elbv2types.ForwardActionConfig{
			TargetGroups: []elbv2types.TargetGroupTuple{
				{TargetGroupArn: aws.String(arns["demo-blue"]), Weight: aws.Int32(100)},
				{TargetGroupArn: aws.String(arns["demo-green"]), Weight: aws.Int32(0)},
			},
		}}},
	})
	if err == nil {
		fmt.Println("listener :80 now forwards to demo-blue (100) and demo-green (0)")
	}
	return err
}

// deploy starts two instances of version for color (replacing the previous
// ones once Terraform has moved the targets), as a deploy pipeline would.
func (d *demo) deploy(color, version string) error {
	r := releases[version]
	var apps []*demoapp.Server
	for i := 0; i < 2; i++ {
		app, err := demoapp.Start(demoapp.Config{Version: version, Color: color, FailPercent: r.FailPercent, LatencyMS: r.LatencyMS}, "127.0.0.1:0")
		if err != nil {
			return err
		}
		apps = append(apps, app)
	}
	d.mu.Lock()
	old := d.apps[color]
	d.apps[color] = apps
	d.mu.Unlock()
	fmt.Printf("deployed %s v%s on %s and %s\n", color, version, apps[0].Addr(), apps[1].Addr())
	// The old instances keep serving while the targets drain; stop them later.
	time.AfterFunc(30*time.Second, func() {
		for _, a := range old {
			a.Close()
		}
	})
	return nil
}

func (d *demo) stopApps() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, apps := range d.apps {
		for _, a := range apps {
			a.Close()
		}
	}
}

func (d *demo) targetsVar(color string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var parts []string
	for _, a := range d.apps[color] {
		parts = append(parts, fmt.Sprintf(`{id="127.0.0.1",port=%d}`, a.Port()))
	}
	return color + "_targets=[" + strings.Join(parts, ",") + "]"
}

func (d *demo) apply(active, blueVersion, greenVersion string) (string, error) {
	return d.terraformCmd("apply", "-auto-approve", "-no-color", "-input=false",
		"-var", "active_color="+active, "-var", "blue_version="+blueVersion, "-var", "green_version="+greenVersion)
}

func (d *demo) terraformCmd(args ...string) (string, error) {
	args = append(args,
		"-var", "listener_arn="+d.listenerARN, "-var", "load_balancer_arn="+d.lbARN,
		"-var", d.targetsVar("blue"), "-var", d.targetsVar("green"))
	fmt.Printf("$ terraform %s\n", args[0])
	cmd := exec.Command(d.terraform, args...)
	cmd.Dir = d.workdir
	cmd.Env = d.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout = io.MultiWriter(&stdout, lineFilter{})
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err != nil {
		return stderr.String(), fmt.Errorf("terraform %s: %w\n%s", args[0], err, indent(diagnostic(stderr.String())))
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

// stats aggregates the requests answered by color in [from, to).
func (d *demo) stats(color string, from, to time.Time) (rate, p99 float64, requests int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var errs int
	var lat []float64
	for _, s := range d.samples {
		if s.Color != color || s.At.Before(from) || !s.At.Before(to) {
			continue
		}
		requests++
		if s.Status >= 500 {
			errs++
		}
		lat = append(lat, s.Latency.Seconds())
	}
	if requests == 0 {
		return 0, 0, 0
	}
	sort.Float64s(lat)
	p99 = lat[int(math.Ceil(0.99*float64(len(lat))))-1]
	return float64(errs) / float64(requests), p99, requests
}

// sendTraffic sends requestsPerSecond requests through the listener and
// records who answered. A 5xx answer of the demo app still names its color
// (the app answers with JSON either way); one from the load balancer itself
// (no target) does not.
func (d *demo) sendTraffic(ctx context.Context) {
	client := &http.Client{Timeout: 5 * time.Second}
	tick := time.NewTicker(time.Second / requestsPerSecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		go func() {
			start := time.Now()
			resp, err := client.Get(d.listenerURL)
			s := sample{At: start, Latency: time.Since(start)}
			if err != nil {
				s.Status = 599
			} else {
				var body struct{ Color string }
				_ = json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&body)
				resp.Body.Close()
				s.Status, s.Color = resp.StatusCode, body.Color
			}
			if s.Status == http.StatusNotFound && s.Color == "" {
				return // the listener's default 404 before the switch's rule exists
			}
			d.mu.Lock()
			d.samples = append(d.samples, s)
			d.mu.Unlock()
		}()
	}
}
