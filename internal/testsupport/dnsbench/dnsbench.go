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
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/miekg/dns"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsclient"
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
	// Calls per step: the router's Set (List + Change) and its Settle's
	// GetChange polls until INSYNC, at the router's poll interval.
	SetCalls, InsyncPolls float64
	PollInterval          time.Duration
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

	for _, p := range o.Percents {
		w := traffic.Split(traffic.Green, p)
		_, id, err := measure(w)
		if err != nil {
			return rep, err
		}
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
	return rep, nil
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
	fmt.Fprintf(&b, "| Route 53 calls per step | Set: %.1f (ListResourceRecordSets + ChangeResourceRecordSets); until INSYNC: %.1f GetChange at %s polls |\n",
		r.SetCalls, r.InsyncPolls, r.PollInterval)
	if len(r.Flips) > 0 {
		var first, p99, insync []time.Duration
		for _, f := range r.Flips {
			first, p99, insync = append(first, f.FirstAnswer), append(p99, f.P99), append(insync, f.Insync)
		}
		fmt.Fprintf(&b, "| write → first answer of the new color (%d flips) | median %s, max %s |\n", len(r.Flips), median(first), maxOf(first))
		fmt.Fprintf(&b, "| write → ≥ 99 %% of fresh answers new | median %s, max %s (INSYNC: median %s) |\n", median(p99), maxOf(p99), median(insync))
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
