// Package dnsflip is the whole-stack part of `make demo`: blue-green between
// two complete stacks by weighted DNS (bluegreen_dns_switch).
//
// It starts its own sandbox with the data plane, Route 53 and its
// authoritative DNS server, and gives each load balancer its own loopback
// address (sandbox.Options.LoadBalancerAddresses), so that a DNS answer
// names a stack. Two stacks — a load balancer, a listener on port 80 and a
// target group with two demo app instances each — stand in for two
// instances of a stack module; a hosted zone stands in for aws_route53_zone.
// Terraform then applies examples/demo/dns with the provider installed by
// dev_overrides:
//
//  1. create the switch with every answer on blue (v1.0.0);
//  2. canary to green (v2.0.0) by DNS weight, 10 % → 50 % → 100 %, printing
//     per step the share of DNS answers naming each stack, against the step's
//     percent, and which release answered the HTTP requests;
//  3. release a bad v3.0.0 to the idle blue stack and move back to it: its
//     health endpoint fails once it takes real traffic, the http check rolls
//     the shift back, and the record sets and the answers are shown restored.
//
// A client sends about 40 requests/s: each one resolves app.example.com
// afresh through the sandbox's DNS server (as a population of clients whose
// caches expire would) and sends an HTTP request to the answered address.
package dnsflip

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/miekg/dns"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsclient"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/demoapp"
)

// Config says where the CLI, the provider and the configuration are.
type Config struct {
	// Terraform is the CLI (an absolute path).
	Terraform string
	// ProviderDir holds the terraform-provider-bluegreen binary (dev_overrides).
	ProviderDir string
	// ConfigDir is examples/demo/dns.
	ConfigDir string
	// Workdir is a scratch directory (state, CLI configuration); emptied first.
	Workdir string
	// Out receives the demo's narration (os.Stdout when nil).
	Out io.Writer
}

const (
	recordName        = "app.example.com."
	requestsPerSecond = 40
	// changeDelay is how long the sandbox keeps a Route 53 change PENDING
	// (AWS documents up to 60 s); the switch waits for INSYNC at every step.
	changeDelay = 5 * time.Second
	// ttl, stepHold and bake match examples/demo/dns.
	ttl      = 5 * time.Second
	stepHold = 15 * time.Second
	bake     = 15 * time.Second
	// badAfter is how many real requests the bad release serves before it
	// breaks (its health endpoint then fails).
	badAfter = 20
)

type stack struct {
	color, version string
	lbARN, tgARN   string
	addr           string // the load balancer's loopback address
	url            string // http://addr:port
	apps           []*demoapp.Server
}

type sample struct {
	At      time.Time
	Stack   string // the stack the DNS answer named ("" when none)
	Color   string // the release that answered (from the body)
	Version string
	Status  int
}

type demo struct {
	cfg     Config
	out     io.Writer
	srv     *sandbox.Server
	clients *awsclient.Clients
	env     []string
	zone    string
	port    string
	stacks  map[string]*stack // by color

	mu      sync.Mutex
	samples []sample
}

// Run runs the DNS part of the demo.
func Run(ctx context.Context, c Config) error {
	d := &demo{cfg: c, out: c.Out, stacks: map[string]*stack{}}
	if d.out == nil {
		d.out = os.Stdout
	}
	start := time.Now()
	if err := d.prepare(ctx); err != nil {
		return err
	}
	defer d.close()

	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go d.client(cctx)

	d.title("5a. The switch on blue: every answer names the blue stack")
	if _, err := d.apply("blue"); err != nil {
		return err
	}
	if err := d.showState(); err != nil {
		return err
	}
	time.Sleep(2 * time.Second)
	d.showRecent(2 * time.Second)

	d.title("5b. Canary by DNS weight: blue → green (10% → 50% → 100%, bake)")
	if _, err := d.apply("green"); err != nil {
		return err
	}
	if err := d.showTimeline(); err != nil {
		return err
	}

	d.title("5c. Release a bad v3.0.0 to the idle blue stack, then move back to blue")
	if err := d.release("blue", "3.0.0", true); err != nil {
		return err
	}
	stderr, err := d.apply("blue")
	if err == nil {
		return errors.New("the bad release was not rolled back")
	}
	fmt.Fprintln(d.out, "terraform apply failed, as it should — the provider's diagnostic:")
	fmt.Fprintln(d.out, indent(diagnostic(stderr)))
	if err := d.showTimeline(); err != nil {
		return err
	}
	if err := d.showRecords(); err != nil {
		return err
	}
	// Resolvers follow the restore once it is INSYNC and their TTL expired.
	wait := changeDelay + ttl + time.Second
	fmt.Fprintf(d.out, "(waiting %s: the restore reaching every name server, then one TTL)\n", wait)
	time.Sleep(wait)
	d.showRecent(3 * time.Second)
	if err := d.showState(); err != nil {
		return err
	}

	d.title("5d. Clean up")
	if _, err := d.terraform("destroy", "green"); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "\nDNS part finished in %s: a canary between two stacks by DNS weight, and a bad release rolled back with the records restored.\n",
		time.Since(start).Round(time.Second))
	return nil
}

func (d *demo) title(s string) { fmt.Fprintf(d.out, "\n=== %s\n", s) }

// prepare starts the sandbox, the two stacks and the hosted zone.
func (d *demo) prepare(ctx context.Context) error {
	var err error
	if d.cfg.Workdir, err = filepath.Abs(d.cfg.Workdir); err != nil {
		return err
	}
	_ = os.RemoveAll(d.cfg.Workdir)
	if err := os.MkdirAll(d.cfg.Workdir, 0o755); err != nil {
		return err
	}
	src, err := os.ReadFile(filepath.Join(d.cfg.ConfigDir, "main.tf"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(d.cfg.Workdir, "main.tf"), src, 0o644); err != nil {
		return err
	}
	rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"registry.terraform.io/bluegreen-tf/bluegreen\" = %q\n  }\n  direct {}\n}\n", d.cfg.ProviderDir)
	rcPath := filepath.Join(d.cfg.Workdir, "terraformrc")
	if err := os.WriteFile(rcPath, []byte(rc), 0o644); err != nil {
		return err
	}
	d.srv, err = sandbox.Start(sandbox.Options{DataPlane: true, LoadBalancerAddresses: true, HealthCheckTimeScale: 0.2,
		Route53: sandbox.Route53Options{ChangeDelay: changeDelay, DNSAddr: "127.0.0.1:0"}})
	if err != nil {
		return err
	}
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo", "AWS_EC2_METADATA_DISABLED": "true"} {
		if err := os.Setenv(k, v); err != nil {
			return err
		}
	}
	_ = os.Unsetenv("AWS_PROFILE")
	d.env = append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+rcPath, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_PLUGIN_CACHE_DIR=",
		"AWS_ENDPOINT_URL="+d.srv.URL(), "AWS_ACCESS_KEY_ID=demo", "AWS_SECRET_ACCESS_KEY=demo",
		"AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true",
	)
	fmt.Fprintf(d.out, "a second local AWS sandbox on %s: ELBv2 with each load balancer on its own loopback address, Route 53 "+
		"(changes PENDING for %s, AWS: up to 60 s) and its authoritative DNS server on %s\n", d.srv.URL(), changeDelay, d.srv.DNSAddr())
	noRetries := 0
	d.clients, err = awsclient.New(ctx, awsclient.Config{Region: "us-east-1", MaxRetries: &noRetries,
		Endpoints: awsclient.Endpoints{ELBv2: d.srv.URL(), Route53: d.srv.URL()}})
	if err != nil {
		return err
	}
	for _, c := range []struct{ color, version string }{{"blue", "1.0.0"}, {"green", "2.0.0"}} {
		if err := d.createStack(ctx, c.color, c.version); err != nil {
			return err
		}
	}
	b, g := d.stacks["blue"], d.stacks["green"]
	if b.addr == g.addr || b.url[strings.LastIndex(b.url, ":"):] != g.url[strings.LastIndex(g.url, ":"):] {
		return fmt.Errorf("the two stacks are served at %s and %s, not on two loopback addresses with one port: "+
			"the DNS part needs 127.0.0.2 and 127.0.0.3 on the loopback interface (Linux has all of 127.0.0.0/8; "+
			"on macOS: sudo ifconfig lo0 alias 127.0.0.2 up; sudo ifconfig lo0 alias 127.0.0.3 up)", b.url, g.url)
	}
	d.port = b.url[strings.LastIndex(b.url, ":")+1:]
	z, err := d.clients.Route53().CreateHostedZone(ctx, &r53.CreateHostedZoneInput{Name: aws.String("example.com"), CallerReference: aws.String("demo")})
	if err != nil {
		return fmt.Errorf("creating the hosted zone: %w", err)
	}
	d.zone = strings.TrimPrefix(aws.ToString(z.HostedZone.Id), "/hostedzone/")
	fmt.Fprintf(d.out, "hosted zone example.com (%s); the client resolves %s through %s, then sends GET http://<answer>:%s/ (%d requests/s)\n",
		d.zone, strings.TrimSuffix(recordName, "."), d.srv.DNSAddr(), d.port, requestsPerSecond)
	return nil
}

// createStack does what a stack module's aws_lb, aws_lb_target_group and
// aws_lb_listener would, and deploys the release behind it.
func (d *demo) createStack(ctx context.Context, color, version string) error {
	api := d.clients.ELBv2
	name := "stack-" + color
	lb, err := api.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String(name), Subnets: []string{"subnet-0a000001", "subnet-0b000002"}})
	if err != nil {
		return fmt.Errorf("creating load balancer %s: %w", name, err)
	}
	tg, err := api.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: aws.String(name), Protocol: elbtypes.ProtocolEnumHttp,
		Port: aws.Int32(8080), VpcId: aws.String("vpc-0123456789abcdef0"), TargetType: elbtypes.TargetTypeEnumIp,
		HealthCheckPath: aws.String("/health"), HealthCheckIntervalSeconds: aws.Int32(5), HealthCheckTimeoutSeconds: aws.Int32(2), HealthyThresholdCount: aws.Int32(2)})
	if err != nil {
		return fmt.Errorf("creating target group %s: %w", name, err)
	}
	s := &stack{color: color, lbARN: aws.ToString(lb.LoadBalancers[0].LoadBalancerArn), tgARN: aws.ToString(tg.TargetGroups[0].TargetGroupArn)}
	l, err := api.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: aws.String(s.lbARN), Port: aws.Int32(80), Protocol: elbtypes.ProtocolEnumHttp,
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(s.tgARN)}}})
	if err != nil {
		return fmt.Errorf("creating the listener of %s: %w", name, err)
	}
	addr, ok := d.srv.ListenerAddr(aws.ToString(l.Listeners[0].ListenerArn))
	if !ok {
		return fmt.Errorf("the sandbox data plane did not open the listener of %s", name)
	}
	s.url = "http://" + addr
	s.addr, _, _ = net.SplitHostPort(addr)
	d.stacks[color] = s
	if err := d.release(color, version, false); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "stack %s: load balancer %s, listener :80 at %s, v%s\n", color, name, s.url, version)
	return nil
}

// release deploys version to a stack: two new instances registered, the old
// ones deregistered once the new ones are healthy (what a deploy pipeline or
// an auto scaling refresh does). A bad release (breaks) fails its health
// endpoint once it has served badAfter real requests.
func (d *demo) release(color, version string, breaks bool) error {
	ctx := context.Background()
	s := d.stacks[color]
	var apps []*demoapp.Server
	var targets []elbtypes.TargetDescription
	for range 2 {
		app, err := demoapp.Start(demoapp.Config{Version: version, Color: color, LatencyMS: 5}, "127.0.0.1:0")
		if err != nil {
			return err
		}
		apps = append(apps, app)
		targets = append(targets, elbtypes.TargetDescription{Id: aws.String("127.0.0.1"), Port: aws.Int32(int32(app.Port()))})
	}
	api := d.clients.ELBv2
	if _, err := api.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: aws.String(s.tgARN), Targets: targets}); err != nil {
		return err
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, err := api.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(s.tgARN), Targets: targets})
		if err != nil {
			return err
		}
		healthy := 0
		for _, h := range out.TargetHealthDescriptions {
			if h.TargetHealth != nil && h.TargetHealth.State == elbtypes.TargetHealthStateEnumHealthy {
				healthy++
			}
		}
		if healthy == len(targets) {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the %s stack's v%s instances did not turn healthy within 60s", color, version)
		}
		time.Sleep(200 * time.Millisecond)
	}
	var old []elbtypes.TargetDescription
	for _, a := range s.apps {
		old = append(old, elbtypes.TargetDescription{Id: aws.String("127.0.0.1"), Port: aws.Int32(int32(a.Port()))})
	}
	if len(old) > 0 {
		if _, err := api.DeregisterTargets(ctx, &elbv2.DeregisterTargetsInput{TargetGroupArn: aws.String(s.tgARN), Targets: old}); err != nil {
			return err
		}
		stale := s.apps
		time.AfterFunc(30*time.Second, func() {
			for _, a := range stale {
				_ = a.Close()
			}
		})
	}
	d.mu.Lock()
	s.apps, s.version = apps, version
	d.mu.Unlock()
	if breaks {
		fmt.Fprintf(d.out, "deployed v%s to the %s stack (%s, %s): healthy now, but it breaks under real traffic — "+
			"after %d requests its /health fails (a demo stand-in for, say, an exhausted connection pool)\n",
			version, color, apps[0].Addr(), apps[1].Addr(), badAfter)
		go func() {
			for {
				var n int64
				for _, a := range apps {
					n += a.App.Requests()
				}
				if n >= badAfter {
					for _, a := range apps {
						a.App.SetBehaviour(demoapp.Behaviour{FailPercent: 100, Healthy: false})
					}
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
		}()
	}
	return nil
}

func (d *demo) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, s := range d.stacks {
		for _, a := range s.apps {
			_ = a.Close()
		}
	}
	_ = d.srv.Close()
}

// client resolves the name afresh for every request and sends the request
// to the answered stack.
func (d *demo) client(ctx context.Context) {
	res := &dns.Client{Net: "udp", Timeout: 2 * time.Second}
	web := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 8}}
	byAddr := map[string]string{}
	for c, s := range d.stacks {
		byAddr[s.addr] = c
	}
	tick := time.NewTicker(time.Second / requestsPerSecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		go func() {
			s := sample{At: time.Now()}
			m := new(dns.Msg)
			m.SetQuestion(recordName, dns.TypeA)
			in, _, err := res.Exchange(m, d.srv.DNSAddr())
			if err != nil || in.Rcode != dns.RcodeSuccess || len(in.Answer) == 0 {
				return // no record sets yet (before the switch creates them), or the name server was busy
			}
			a, ok := in.Answer[0].(*dns.A)
			if !ok {
				return
			}
			s.Stack = byAddr[a.A.String()]
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(a.A.String(), d.port)+"/", nil)
			req.Host = strings.TrimSuffix(recordName, ".")
			resp, err := web.Do(req)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				s.Status = 599
			} else {
				var body struct{ Color, Version string }
				_ = json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&body)
				resp.Body.Close()
				s.Status, s.Color, s.Version = resp.StatusCode, body.Color, body.Version
			}
			d.mu.Lock()
			d.samples = append(d.samples, s)
			d.mu.Unlock()
		}()
	}
}

// share summarises the samples in [from, to): how many there were, the
// share whose DNS answer named stack, and the share answered 5xx.
func (d *demo) share(stack string, from, to time.Time) (n int, answered, errs float64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var hit, bad int
	for _, s := range d.samples {
		if s.At.Before(from) || !s.At.Before(to) {
			continue
		}
		n++
		if s.Stack == stack {
			hit++
		}
		if s.Status >= 500 {
			bad++
		}
	}
	if n == 0 {
		return 0, 0, 0
	}
	return n, float64(hit) / float64(n), float64(bad) / float64(n)
}

// showRecent prints the answers of the last window.
func (d *demo) showRecent(window time.Duration) {
	now := time.Now()
	n, blue, errs := d.share("blue", now.Add(-window), now)
	fmt.Fprintf(d.out, "  last %s: %d fresh resolutions, %.1f%% answered the blue stack, %.1f%% the green one; %.1f%% of requests 5xx\n",
		window, n, 100*blue, 100*(1-blue), 100*errs)
}

func (d *demo) apply(active string) (string, error) { return d.terraform("apply", active) }

func (d *demo) terraform(verb, active string) (string, error) {
	b, g := d.stacks["blue"], d.stacks["green"]
	args := []string{verb, "-auto-approve", "-no-color", "-input=false",
		"-var", "zone_id=" + d.zone, "-var", "active_color=" + active,
		"-var", "blue_address=" + b.addr, "-var", "green_address=" + g.addr,
		"-var", "blue_url=" + b.url, "-var", "green_url=" + g.url}
	fmt.Fprintf(d.out, "$ terraform %s (active_color = %s)\n", verb, active)
	cmd := exec.Command(d.cfg.Terraform, args...)
	cmd.Dir = d.cfg.Workdir
	cmd.Env = d.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout = io.MultiWriter(&stdout, progress{d.out})
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return stderr.String(), fmt.Errorf("terraform %s: %w\n%s", verb, err, indent(diagnostic(stderr.String())))
	}
	return stdout.String(), nil
}

// progress prints the resource progress lines of terraform apply.
type progress struct{ w io.Writer }

func (p progress) Write(b []byte) (int, error) {
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, ": Creation complete") || strings.Contains(line, ": Modifications complete") ||
			strings.Contains(line, ": Destruction complete") || strings.HasPrefix(line, "Apply complete") ||
			strings.HasPrefix(line, "Destroy complete") {
			fmt.Fprintln(p.w, "  "+line)
		}
	}
	return len(b), nil
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n    ")
}

func diagnostic(stderr string) string {
	if i := strings.Index(stderr, "Error:"); i >= 0 {
		stderr = stderr[i:]
	}
	if i := strings.Index(stderr, "\nWarning:"); i >= 0 {
		stderr = stderr[:i]
	}
	return stderr
}

type switchState struct {
	ActiveColor string `json:"active_color"`
	Status      string `json:"status"`
	BlueWeight  int    `json:"blue_weight"`
	GreenWeight int    `json:"green_weight"`
	LastShift   *struct {
		From, To, Result, Reason string
		Steps                    []struct {
			Step        int
			Percent     int
			BlueWeight  int    `json:"blue_weight"`
			GreenWeight int    `json:"green_weight"`
			StartedAt   string `json:"started_at"`
			FinishedAt  string `json:"finished_at"`
			Result      string
		}
	} `json:"last_shift"`
}

// state reads the switch from the saved state (an apply that fails does not
// re-evaluate outputs; resource state it does write).
func (d *demo) state() (switchState, error) {
	cmd := exec.Command(d.cfg.Terraform, "show", "-json")
	cmd.Dir = d.cfg.Workdir
	cmd.Env = d.env
	raw, err := cmd.Output()
	var out switchState
	if err != nil {
		return out, fmt.Errorf("terraform show: %w", err)
	}
	var st struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Address string
					Values  json.RawMessage
				}
			} `json:"root_module"`
		}
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		return out, err
	}
	for _, r := range st.Values.RootModule.Resources {
		if r.Address == "bluegreen_dns_switch.app" {
			return out, json.Unmarshal(r.Values, &out)
		}
	}
	return out, errors.New("bluegreen_dns_switch.app is not in the state")
}

func (d *demo) showState() error {
	o, err := d.state()
	if err != nil {
		return err
	}
	fmt.Fprintf(d.out, "  active_color = %s   status = %s   record weights blue=%d green=%d\n", o.ActiveColor, o.Status, o.BlueWeight, o.GreenWeight)
	return nil
}

// showRecords prints the weighted record sets as Route 53 has them.
func (d *demo) showRecords() error {
	out, err := d.clients.Route53().ListResourceRecordSets(context.Background(), &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String(d.zone),
		StartRecordName: aws.String(recordName)})
	if err != nil {
		return err
	}
	var parts []string
	for _, s := range out.ResourceRecordSets {
		if aws.ToString(s.Name) == recordName && s.SetIdentifier != nil {
			var vals []string
			for _, r := range s.ResourceRecords {
				vals = append(vals, aws.ToString(r.Value))
			}
			parts = append(parts, fmt.Sprintf("%s → %s weight %d", aws.ToString(s.SetIdentifier), strings.Join(vals, ","), aws.ToInt64(s.Weight)))
		}
	}
	fmt.Fprintf(d.out, "  Route 53 record sets of %s now: %s\n", recordName, strings.Join(parts, "; "))
	return nil
}

// showTimeline prints the last shift step by step: the share of fresh DNS
// answers that named the receiving stack while the step was held (after it
// was INSYNC and one TTL had passed), against the step's percent, and the
// 5xx share of the requests sent to the answered stacks.
func (d *demo) showTimeline() error {
	o, err := d.state()
	if err != nil {
		return err
	}
	ls := o.LastShift
	if ls == nil {
		fmt.Fprintln(d.out, "  (no shift recorded)")
		return nil
	}
	fmt.Fprintf(d.out, "  shift %s → %s: %s\n", ls.From, ls.To, ls.Result)
	fmt.Fprintf(d.out, "  %-5s %-8s %-11s %-24s %-22s %-7s %s\n", "step", "percent", "blue/green", "window", "DNS answers → "+ls.To, "5xx", "result")
	for i, s := range ls.Steps {
		from, _ := time.Parse(time.RFC3339, s.StartedAt)
		to, err := time.Parse(time.RFC3339, s.FinishedAt)
		if err != nil {
			to = time.Now()
		}
		to = to.Add(time.Second) // RFC 3339 in whole seconds
		window := "whole step (propagating)"
		if s.Result == "completed" {
			hold := stepHold
			if i == len(ls.Steps)-1 {
				hold = bake
			}
			if f := to.Add(-hold); f.After(from) {
				from, window = f, fmt.Sprintf("held %s", hold)
			}
		}
		n, share, errs := d.share(ls.To, from, to)
		fmt.Fprintf(d.out, "  %-5d %-8s %-11s %-24s %-22s %-7s %s\n", s.Step, strconv.Itoa(s.Percent)+"%",
			fmt.Sprintf("%d/%d", s.BlueWeight, s.GreenWeight), window,
			fmt.Sprintf("%.1f%% of %d", 100*share, n), fmt.Sprintf("%.1f%%", 100*errs), s.Result)
	}
	if ls.Reason != "" {
		fmt.Fprintf(d.out, "  reason: %s\n", ls.Reason)
	}
	fmt.Fprintf(d.out, "  now: record weights blue=%d green=%d, status %s\n", o.BlueWeight, o.GreenWeight, o.Status)
	return nil
}
