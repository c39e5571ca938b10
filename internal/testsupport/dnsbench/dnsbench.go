// Package dnsbench measures what a Route 53 weight change means for DNS
// clients, through the sandbox's authoritative DNS server: after the router's
// Set, how long until the first answer reflects it and until ≥ 99 % of fresh
// resolutions do, how close the answers' share of the new color comes to the
// step's percent, and how many Route 53 calls a step costs. It measures; it
// asserts nothing about time (it is benchmark support, not a test).
//
// The sandbox models propagation (see internal/sandbox/route53): a PENDING
// change reaches a share of queries growing linearly to 100 % at INSYNC, so
// the times scale with the configured change delay. Every query here is a
// fresh resolution (no resolver cache): what a client sees after the TTL
// hold that Settle adds.
package dnsbench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/miekg/dns"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsclient"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/httpcheck"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	tr53 "github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/route53"
)

// Options configure a run.
type Options struct {
	// ChangeDelay is the sandbox's PENDING time (AWS: up to 60 s).
	ChangeDelay time.Duration
	// Flips is how many all-at-once flips (blue → green → blue …) are timed.
	Flips int
	// Window is how many consecutive answers must be ≥ 99 % new.
	Window int
	// Percents are the canary steps whose answer shares are measured.
	Percents []int
	// Samples is the number of resolutions per canary step.
	Samples int
	// PollInterval is the router's GetChange cadence; default the router's
	// own (traffic/route53.DefaultPollInterval), so that the calls per step
	// are what the provider makes.
	PollInterval time.Duration
	// EngineShifts is how many canary shifts (10 % → 50 % → 100 %) the
	// rollout engine runs through the router, as the provider does, to count
	// Route 53 calls per step; 0 means 2, negative none.
	EngineShifts int
}

// Flip is one timed all-at-once flip.
type Flip struct {
	To traffic.Color
	// FirstAnswer is the time from Set's return to the first answer of the
	// new color; P99 to the end of the first window of answers ≥ 99 % new;
	// Insync to GetChange = INSYNC.
	FirstAnswer, P99, Insync time.Duration
	Queries                  int
}

// Step is one canary step's answer share.
type Step struct {
	Percent int
	Weights traffic.Weights
	// Share is the new color's share of Samples answers, in percent; Sigma
	// the binomial standard deviation expected at Percent.
	Share, Sigma float64
	Samples      int
}

// Report is a run's result.
type Report struct {
	ChangeDelay time.Duration
	Flips       []Flip
	Steps       []Step
	// FirstCanaryAnswer is the time from the write of the first canary step
	// (from 0 % green) to the first green answer: exact, since the old
	// record sets never answer green. Zero when not measured.
	FirstCanaryAnswer time.Duration
	FirstCanaryStep   int
	// Calls per step: the router's Set (List + Change) and its Settle's
	// GetChange polls until INSYNC, at the router's poll interval.
	SetCalls, InsyncPolls float64
	PollInterval          time.Duration
	// EngineCalls are the Route 53 calls per completed step of the engine's
	// canary shifts, by operation (the read before a step, Set, Settle's
	// GetChange polls, the read-back); EngineSteps how many steps.
	EngineCalls map[string]float64
	EngineSteps int
}

const (
	blueIP  = "192.0.2.1"
	greenIP = "192.0.2.2"
	name    = "www.bench.example."
)

// Run starts a sandbox with its DNS server and measures.
func Run(ctx context.Context, o Options) (Report, error) {
	if o.Window <= 0 {
		o.Window = 200
	}
	if o.Samples <= 0 {
		o.Samples = 2000
	}
	sb, err := sandbox.Start(sandbox.Options{Route53: sandbox.Route53Options{DNSAddr: "127.0.0.1:0", ChangeDelay: o.ChangeDelay}})
	if err != nil {
		return Report{}, err
	}
	defer sb.Close()
	noRetries := 0
	clients, err := awsclient.New(ctx, awsclient.Config{Region: "us-east-1", MaxRetries: &noRetries, Endpoints: awsclient.Endpoints{Route53: sb.URL()}})
	if err != nil {
		return Report{}, err
	}
	api := clients.Route53()
	z, err := api.CreateHostedZone(ctx, &r53.CreateHostedZoneInput{Name: aws.String("bench.example"), CallerReference: aws.String("dnsbench")})
	if err != nil {
		return Report{}, err
	}
	zone := strings.TrimPrefix(*z.HostedZone.Id, "/hostedzone/")
	set := func(id string, w int64, ip string) types.Change {
		return types.Change{Action: types.ChangeActionCreate, ResourceRecordSet: &types.ResourceRecordSet{Name: aws.String(name), Type: types.RRTypeA,
			SetIdentifier: aws.String(id), Weight: aws.Int64(w), TTL: aws.Int64(60), ResourceRecords: []types.ResourceRecord{{Value: aws.String(ip)}}}}
	}
	first, err := api.ChangeResourceRecordSets(ctx, &r53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(zone),
		ChangeBatch: &types.ChangeBatch{Changes: []types.Change{set("blue", 100, blueIP), set("green", 0, greenIP)}}})
	if err != nil {
		return Report{}, err
	}
	poll := o.PollInterval
	if poll <= 0 {
		poll = tr53.DefaultPollInterval
	}
	router, err := tr53.New(api, tr53.Config{ZoneID: zone, Name: name, BlueSetIdentifier: "blue", GreenSetIdentifier: "green", PollInterval: poll})
	if err != nil {
		return Report{}, err
	}
	if err := router.WaitInsync(ctx, *first.ChangeInfo.Id); err != nil {
		return Report{}, err
	}
	rep := Report{ChangeDelay: sb.Route53().ChangeDelay(), PollInterval: poll}
	res := &resolver{addr: sb.DNSAddr(), client: &dns.Client{Net: "udp", Timeout: 2 * time.Second}}

	steps := 0
	measure := func(w traffic.Weights) (time.Time, string, error) {
		before := len(sb.Calls(sandbox.CallFilter{Service: "route53"}))
		if err := router.Set(ctx, w); err != nil {
			return time.Time{}, "", err
		}
		after := len(sb.Calls(sandbox.CallFilter{Service: "route53"}))
		rep.SetCalls += float64(after - before)
		steps++
		return time.Now(), router.PendingChange(), nil
	}
	waitInsync := func(id string) (time.Duration, error) {
		before := len(sb.Calls(sandbox.CallFilter{Service: "route53", Operation: "GetChange"}))
		start := time.Now()
		err := router.WaitInsync(ctx, id)
		rep.InsyncPolls += float64(len(sb.Calls(sandbox.CallFilter{Service: "route53", Operation: "GetChange"})) - before)
		return time.Since(start), err
	}

	to := traffic.Green
	for i := 0; i < o.Flips; i++ {
		t0, id, err := measure(traffic.Split(to, 100))
		if err != nil {
			return rep, err
		}
		insyncCh := make(chan error, 1)
		var insync time.Duration
		go func() {
			_, err := waitInsync(id)
			insync = time.Since(t0) // read after insyncCh
			insyncCh <- err
		}()
		want := greenIP
		if to == traffic.Blue {
			want = blueIP
		}
		f := Flip{To: to}
		window := make([]bool, 0, o.Window)
		newInWindow := 0
		for f.P99 == 0 {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			ip, err := res.resolve(name)
			if err != nil {
				return rep, err
			}
			f.Queries++
			isNew := ip == want
			if isNew && f.FirstAnswer == 0 {
				f.FirstAnswer = time.Since(t0)
			}
			window = append(window, isNew)
			if isNew {
				newInWindow++
			}
			if len(window) > o.Window {
				if window[0] {
					newInWindow--
				}
				window = window[1:]
			}
			if len(window) == o.Window && float64(newInWindow) >= 0.99*float64(o.Window) {
				f.P99 = time.Since(t0)
			}
		}
		if err := <-insyncCh; err != nil {
			return rep, err
		}
		f.Insync = insync
		rep.Flips = append(rep.Flips, f)
		to = to.Other()
	}

	// Canary steps start from all on blue (the flips may have ended on green).
	if len(o.Percents) > 0 {
		if err := router.Set(ctx, traffic.Split(traffic.Green, 0)); err != nil {
			return rep, err
		}
		if err := router.WaitInsync(ctx, router.PendingChange()); err != nil {
			return rep, err
		}
	}
	prev := 0
	for _, p := range o.Percents {
		w := traffic.Split(traffic.Green, p)
		t0, id, err := measure(w)
		if err != nil {
			return rep, err
		}
		if prev == 0 && p > 0 {
			// The first step from 0 %: the first green answer reflects the write.
			for {
				if err := ctx.Err(); err != nil {
					return rep, err
				}
				ip, err := res.resolve(name)
				if err != nil {
					return rep, err
				}
				if ip == greenIP {
					rep.FirstCanaryAnswer, rep.FirstCanaryStep = time.Since(t0), p
					break
				}
			}
		}
		prev = p
		if _, err := waitInsync(id); err != nil {
			return rep, err
		}
		greens := 0
		for range o.Samples {
			ip, err := res.resolve(name)
			if err != nil {
				return rep, err
			}
			if ip == greenIP {
				greens++
			}
		}
		q := float64(p) / 100
		rep.Steps = append(rep.Steps, Step{Percent: p, Weights: w, Samples: o.Samples,
			Share: 100 * float64(greens) / float64(o.Samples), Sigma: 100 * math.Sqrt(q*(1-q)/float64(o.Samples))})
	}
	if steps > 0 {
		rep.SetCalls /= float64(steps)
		rep.InsyncPolls /= float64(steps)
	}
	if o.EngineShifts == 0 {
		o.EngineShifts = 2
	}
	if o.EngineShifts > 0 {
		if err := engineCalls(ctx, sb, api, zone, poll, o.EngineShifts, &rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// settling is the router as the provider's DNS switch drives it: a step's Set
// returns once the change is INSYNC and one TTL has passed.
type settling struct{ r *tr53.Router }

func (s settling) Read(ctx context.Context) (traffic.Weights, error) { return s.r.Read(ctx) }

func (s settling) Set(ctx context.Context, w traffic.Weights) error {
	if err := s.r.Set(ctx, w); err != nil {
		return err
	}
	return s.r.Settle(ctx)
}

// engineCalls runs canary shifts (10 % → 50 % → 100 %) through the rollout
// engine on a record of its own with a 1 s TTL (the TTL hold is real time),
// counting the sandbox's Route 53 calls per completed step.
func engineCalls(ctx context.Context, sb *sandbox.Server, api *r53.Client, zone string, poll time.Duration, shifts int, rep *Report) error {
	const canaryName = "canary.bench.example."
	set := func(id string, w int64, ip string) types.Change {
		return types.Change{Action: types.ChangeActionCreate, ResourceRecordSet: &types.ResourceRecordSet{Name: aws.String(canaryName), Type: types.RRTypeA,
			SetIdentifier: aws.String(id), Weight: aws.Int64(w), TTL: aws.Int64(1), ResourceRecords: []types.ResourceRecord{{Value: aws.String(ip)}}}}
	}
	first, err := api.ChangeResourceRecordSets(ctx, &r53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(zone),
		ChangeBatch: &types.ChangeBatch{Changes: []types.Change{set("blue", 100, blueIP), set("green", 0, greenIP)}}})
	if err != nil {
		return err
	}
	router, err := tr53.New(api, tr53.Config{ZoneID: zone, Name: canaryName, BlueSetIdentifier: "blue", GreenSetIdentifier: "green", PollInterval: poll})
	if err != nil {
		return err
	}
	if err := router.WaitInsync(ctx, *first.ChangeInfo.Id); err != nil {
		return err
	}
	// The receiving endpoint's pre-flight, as the DNS switch has it: an http
	// check of a local endpoint standing in for the stack (no Route 53 call).
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }))
	defer endpoint.Close()
	preflight, err := httpcheck.New(httpcheck.Config{URL: endpoint.URL})
	if err != nil {
		return err
	}
	rep.EngineCalls = map[string]float64{}
	from, to := rollout.Blue, rollout.Green
	for range shifts {
		plan, err := rollout.PlanShift(rollout.Strategy{Type: rollout.StrategyCanary, Steps: []int{10, 50}, StepInterval: 10 * time.Millisecond}, from, to, 0)
		if err != nil {
			return err
		}
		before := sb.Calls(sandbox.CallFilter{Service: "route53"})
		out := rollout.Run(ctx, rollout.RunConfig{Router: settling{router}, From: from, To: to, Plan: plan, Preflight: []rollout.Check{preflight}, Clock: clock.Real{}})
		if !out.Succeeded() {
			return fmt.Errorf("engine canary %s→%s: %s", from, to, out.Summary())
		}
		for _, c := range sb.Calls(sandbox.CallFilter{Service: "route53"})[len(before):] {
			rep.EngineCalls[c.Operation]++
		}
		rep.EngineSteps += out.StepsCompleted
		from, to = to, from
	}
	for op := range rep.EngineCalls {
		rep.EngineCalls[op] /= float64(rep.EngineSteps)
	}
	return nil
}

type resolver struct {
	addr   string
	client *dns.Client
}

// resolve asks the sandbox's DNS server for name's A record: one fresh
// resolution.
func (r *resolver) resolve(name string) (string, error) {
	m := new(dns.Msg)
	m.SetQuestion(name, dns.TypeA)
	in, _, err := r.client.Exchange(m, r.addr)
	if err != nil {
		return "", err
	}
	if in.Rcode != dns.RcodeSuccess || len(in.Answer) != 1 {
		return "", fmt.Errorf("DNS answer for %s: %s with %d records", name, dns.RcodeToString[in.Rcode], len(in.Answer))
	}
	a, ok := in.Answer[0].(*dns.A)
	if !ok {
		return "", errors.New("DNS answer is not an A record")
	}
	return a.A.String(), nil
}

// Markdown renders the report as table rows (measure | measured).
func (r Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "| Route 53 (sandbox DNS, change delay %s) | measured |\n|---|---|\n", r.ChangeDelay)
	fmt.Fprintf(&b, "| Route 53 calls per step, router | Set: %.1f (ListResourceRecordSets + ChangeResourceRecordSets); until INSYNC: %.1f GetChange at %s polls |\n",
		r.SetCalls, r.InsyncPolls, r.PollInterval)
	if r.EngineSteps > 0 {
		var ops []string
		total := 0.0
		for op, n := range r.EngineCalls {
			ops = append(ops, fmt.Sprintf("%s %.1f", op, n))
			total += n
		}
		sort.Strings(ops)
		fmt.Fprintf(&b, "| Route 53 calls per step, rollout engine (canary 10 → 50 → 100 %%, %d steps) | %.1f: %s |\n", r.EngineSteps, total, strings.Join(ops, ", "))
	}
	if len(r.Flips) > 0 {
		var first, p99, insync []time.Duration
		for _, f := range r.Flips {
			first, p99, insync = append(first, f.FirstAnswer), append(p99, f.P99), append(insync, f.Insync)
		}
		fmt.Fprintf(&b, "| write → first answer of the new color (%d flips) | median %s, max %s |\n", len(r.Flips), median(first), maxOf(first))
		fmt.Fprintf(&b, "| write → ≥ 99 %% of fresh answers new | median %s, max %s (INSYNC: median %s) |\n", median(p99), maxOf(p99), median(insync))
	}
	if r.FirstCanaryStep > 0 {
		fmt.Fprintf(&b, "| canary 0 → %d %%: write → first green answer | %s |\n", r.FirstCanaryStep, r.FirstCanaryAnswer.Round(time.Millisecond))
	}
	for _, s := range r.Steps {
		fmt.Fprintf(&b, "| canary %d %% (%s): share of green answers | %.2f %% of %d (±%.2f %% = 1σ) |\n", s.Percent, s.Weights, s.Share, s.Samples, s.Sigma)
	}
	return b.String()
}

func median(ds []time.Duration) time.Duration {
	c := append([]time.Duration(nil), ds...)
	for i := range c {
		for j := i + 1; j < len(c); j++ {
			if c[j] < c[i] {
				c[i], c[j] = c[j], c[i]
			}
		}
	}
	return c[len(c)/2].Round(time.Millisecond)
}

func maxOf(ds []time.Duration) time.Duration {
	m := ds[0]
	for _, d := range ds {
		m = max(m, d)
	}
	return m.Round(time.Millisecond)
}

// Section markers of the DNS rows in the benchmarks page template.
const (
	sectionStart = "<!-- dnsbench: start (written by make bench; do not edit by hand) -->"
	sectionEnd   = "<!-- dnsbench: end -->"
)

// Section is the report as a section of the benchmarks page: a heading, how
// it was measured, and the table.
func (r Report) Section() string {
	var b strings.Builder
	b.WriteString(sectionStart + "\n\n## Weighted DNS (Route 53)\n\n")
	fmt.Fprintf(&b, "Measured by `cmd/bluegreen-dnsbench` against the sandbox's Route 53 and its authoritative DNS "+
		"server on loopback, with the Route 53 router of `bluegreen_dns_switch` over the AWS SDK. The sandbox keeps a change "+
		"PENDING for %s (AWS documents up to 60 s), and while it is PENDING a share of queries growing linearly from 0 to 1 "+
		"already sees it, so the propagation times below scale with that delay. Every query is a fresh resolution (no "+
		"resolver cache): what clients see once their cached answer's TTL has expired, which the switch waits for (one TTL "+
		"after INSYNC) before it judges a step. \"≥ 99 %% new\" is measured on all-at-once flips, where an old answer and a "+
		"new one can be told apart; in a canary step they cannot (both colors answer before and after), and the model's "+
		"propagation does not depend on the weights.\n\n", r.ChangeDelay)
	b.WriteString(r.Markdown())
	b.WriteString("\n" + sectionEnd + "\n")
	return b.String()
}

// WriteSection puts the report's section into the file at path: in place of
// the previous one, or appended.
func (r Report) WriteSection(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	text := string(raw)
	if i := strings.Index(text, sectionStart); i >= 0 {
		if j := strings.Index(text[i:], sectionEnd); j >= 0 {
			text = text[:i] + strings.TrimLeft(text[i+j+len(sectionEnd):], "\n")
		}
	}
	text = strings.TrimRight(text, "\n") + "\n\n" + r.Section()
	return os.WriteFile(path, []byte(text), 0o644)
}
