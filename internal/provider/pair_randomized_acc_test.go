package provider

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/envpair"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
)

// The randomized pair/gate/data source test (issue 17). Every step is drawn
// from a seed: random in-place changes of every in-place attribute of the
// pair and the gate, out-of-band changes to either color (settings, tags,
// version label, targets, a deleted group), foreign target groups that take
// a name the provider wants (a second pair, a deleted color), faults between
// the two colors' calls, and a listener whose action takes every shape the
// data source reads. After every step: no call changed a group the provider
// does not own (sandbox call log), state equals AWS for both colors, the data
// source equals the listener, the gate's results hold no response content,
// and apply-then-plan is empty (terraform-plugin-testing checks it).
//
// BLUEGREEN_SEED replays a run; BLUEGREEN_PAIR_STEPS sets the number of
// steps (default rndDefaultSteps, about a minute per CLI).
//
// Not drawn: attributes that replace the pair (name, vpc_id, port,
// protocol, target_type, ip_address_type) and gate triggers (replacement);
// the dedicated tests cover them.

const rndDefaultSteps = 64

const (
	rndPair     = "rndpair"
	rndIntruder = "rndx"
	rndSecret   = "rnd/tok/s3cr3t-77aa"
)

var rndIPs = []string{"10.1.0.1", "10.1.0.2", "10.1.0.3", "10.1.0.4"}

// rndColor is one color's block; nil in rndPairCfg means "no block".
type rndColor struct {
	Version string   // "" = unset
	Targets []string // nil = unmanaged
}

type rndPairCfg struct {
	HCPort, HCProtocol string
	Timeout            int
	Path, Matcher      string
	Interval           int
	Healthy, Unhealthy int
	Dereg, SlowStart   int
	Tags               map[string]string
	Blue               rndColor
	Green              *rndColor
}

type rndGateCfg struct {
	Method, Regex       string
	Interval, Successes int
	ExpectStatus        string
	JSON                bool
	Token               string
	Timeout             int
}

// rndShape is a default action of the data source's listener and what the
// data source must read from it.
type rndShape struct {
	name             string
	blue, green, oth int32 // forward weights; -1: not in the forward
	fixed, redirect  bool
	active, idle     string
	bw, gw, ow       int64
}

var rndShapes = []rndShape{
	{name: "all blue", blue: 100, green: 0, oth: -1, active: "blue", idle: "green", bw: 100},
	{name: "all green", blue: 0, green: 100, oth: -1, active: "green", idle: "blue", gw: 100},
	{name: "split", blue: 30, green: 70, oth: -1, active: "split", bw: 30, gw: 70},
	{name: "zero weights", blue: 0, green: 0, oth: -1, active: "none"},
	{name: "single blue at 0", blue: 0, green: -1, oth: -1, active: "none"},
	{name: "single green", blue: -1, green: 5, oth: -1, active: "green", idle: "blue", gw: 100},
	{name: "blue and third", blue: 50, green: -1, oth: 50, active: "split", bw: 50, ow: 50},
	{name: "third only", blue: 0, green: 0, oth: 10, active: "none", ow: 10},
	{name: "fixed response", fixed: true, active: "none"},
	{name: "redirect", redirect: true, active: "none"},
}

// rndOOB is an out-of-band change to one color.
type rndOOB struct {
	color, kind string
	n           int
}

type rndStep struct {
	pair      rndPairCfg
	gate      rndGateCfg
	shape     rndShape
	oob       []rndOOB
	fault     string // ELBv2 operation failing from its second call ("" none)
	intruder  bool   // a second pair whose name a foreign group holds
	collision string // color deleted out of band whose name a foreign group takes
	wantErr   string
}

func rndEnvInt(name string, def int64) int64 {
	if v := os.Getenv(name); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err == nil {
			return n
		}
	}
	return def
}

func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

func rndTargets(r *rand.Rand) []string {
	out := []string{}
	for _, ip := range rndIPs {
		if r.IntN(2) == 0 {
			out = append(out, ip)
		}
	}
	return out
}

func (c rndPairCfg) clone() rndPairCfg {
	n := c
	n.Tags = map[string]string{}
	for k, v := range c.Tags {
		n.Tags[k] = v
	}
	n.Blue.Targets = append([]string(nil), c.Blue.Targets...)
	if c.Blue.Targets == nil {
		n.Blue.Targets = nil
	}
	if c.Green != nil {
		g := *c.Green
		if c.Green.Targets != nil {
			g.Targets = append([]string{}, c.Green.Targets...)
		}
		n.Green = &g
	}
	return n
}

// mutatePair changes one to three in-place attributes, always at least one.
func mutatePair(r *rand.Rand, c rndPairCfg) rndPairCfg {
	n := c.clone()
	before := n.semantic()
	for i := 0; i < 1+r.IntN(3) || n.semantic() == before; i++ {
		switch r.IntN(14) {
		case 11:
			n.HCPort = pick(r, "traffic-port", "8081", "9000")
		case 12:
			n.HCProtocol = pick(r, "HTTP", "HTTPS")
		case 13:
			n.Timeout = pick(r, 2, 3, 5, 8)
		case 0:
			n.Path = pick(r, "/", "/health", "/ready")
		case 1:
			n.Matcher = pick(r, "200", "200-299", "200,204")
		case 2:
			n.Interval = pick(r, 10, 15, 20, 30)
		case 3:
			n.Healthy = 2 + r.IntN(9)
		case 4:
			n.Unhealthy = 2 + r.IntN(9)
		case 5:
			n.Dereg = pick(r, 0, 30, 60, 300)
		case 6:
			n.SlowStart = pick(r, 0, 30, 60)
		case 7:
			k := pick(r, "team", "cost", "env", "owner")
			if _, ok := n.Tags[k]; ok && r.IntN(2) == 0 {
				delete(n.Tags, k)
			} else {
				n.Tags[k] = pick(r, "a", "b", "web", "x:y/z")
			}
		case 8:
			n.Blue.Version = pick(r, "", "1.0", "1.1", "2.0")
		case 9:
			if r.IntN(3) == 0 {
				n.Blue.Targets = nil
			} else {
				n.Blue.Targets = rndTargets(r)
			}
		case 10:
			switch {
			case n.Green == nil:
				n.Green = &rndColor{Version: pick(r, "", "2.0", "3.0")}
				if r.IntN(2) == 0 {
					n.Green.Targets = rndTargets(r)
				}
			case r.IntN(3) == 0:
				n.Green = nil // stop managing green
			default:
				n.Green.Version = pick(r, "", "2.0", "3.0", "3.1")
				if r.IntN(2) == 0 {
					n.Green.Targets = rndTargets(r)
				}
			}
		}
	}
	return n
}

func mutateGate(r *rand.Rand, g rndGateCfg) rndGateCfg {
	switch r.IntN(8) {
	case 6:
		g.Method = pick(r, "GET", "POST", "PUT")
	case 7:
		g.Regex = pick(r, "", "version", `"2\.4\.0"`)
	case 0:
		g.Interval = pick(r, 1, 2, 3)
	case 1:
		g.Successes = pick(r, 1, 2)
	case 2:
		g.ExpectStatus = pick(r, "[200]", "[200, 204]")
	case 3:
		g.JSON = !g.JSON
	case 4:
		g.Token = pick(r, rndSecret, rndSecret+"/v2")
	case 5:
		g.Timeout = pick(r, 2, 3, 4)
	}
	return g
}

func hclColor(c rndColor) string {
	var parts []string
	if c.Version != "" {
		parts = append(parts, fmt.Sprintf("version = %q", c.Version))
	}
	if c.Targets != nil {
		var ts []string
		for _, ip := range c.Targets {
			ts = append(ts, fmt.Sprintf("{ id = %q }", ip))
		}
		parts = append(parts, "targets = ["+strings.Join(ts, ", ")+"]")
	}
	return "{\n    " + strings.Join(parts, "\n    ") + "\n  }"
}

// semantic renders what the provider plans from the configuration: no
// green block means the same as an empty one (nothing managed).
func (c rndPairCfg) semantic() string {
	if c.Green == nil {
		c.Green = &rndColor{}
	}
	return c.hcl()
}

func (c rndPairCfg) hcl() string {
	var b strings.Builder
	fmt.Fprintf(&b, `  health_check = {
    path                = %q
    matcher             = %q
    interval            = "%ds"
    timeout             = "%ds"
    healthy_threshold   = %d
    unhealthy_threshold = %d
    port                = %q
    protocol            = %q
  }
  deregistration_delay = "%ds"
  slow_start           = "%ds"
`, c.Path, c.Matcher, c.Interval, c.Timeout, c.Healthy, c.Unhealthy, c.HCPort, c.HCProtocol, c.Dereg, c.SlowStart)
	if len(c.Tags) > 0 {
		keys := make([]string, 0, len(c.Tags))
		for k := range c.Tags {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("  tags = {\n")
		for _, k := range keys {
			fmt.Fprintf(&b, "    %s = %q\n", k, c.Tags[k])
		}
		b.WriteString("  }\n")
	}
	b.WriteString("  blue = " + hclColor(c.Blue) + "\n")
	if c.Green != nil {
		b.WriteString("  green = " + hclColor(*c.Green) + "\n")
	}
	return b.String()
}

func (s rndStep) config(gateURL, listenerARN string) string {
	g := s.gate
	regexLine := ""
	if g.Regex != "" {
		regexLine = fmt.Sprintf("    body_regex    = %q\n", g.Regex)
	}
	jsonLines := ""
	if g.JSON {
		jsonLines = "    json_path     = \"version\"\n    json_value    = \"2.4.0\"\n"
	}
	cfg := fmt.Sprintf(`
provider "bluegreen" {
  max_retries = 0
}

resource "bluegreen_environment_pair" "test" {
  name   = %q
  vpc_id = "vpc-0123456789abcdef0"
  port   = 8080
%s}

resource "bluegreen_health_gate" "test" {
  http = [{
    url           = %q
    headers       = { Authorization = "Bearer %s" }
    expect_status = %s
    timeout       = "%ds"
    method        = %q
%s%s  }]
  interval              = "%ds"
  consecutive_successes = %d
}

data "bluegreen_listener_state" "test" {
  listener_arn = %q
}
`, rndPair, s.pair.hcl(), gateURL, g.Token, g.ExpectStatus, g.Timeout, g.Method, jsonLines, regexLine, g.Interval, g.Successes, listenerARN)
	if s.intruder {
		cfg += fmt.Sprintf(`
resource "bluegreen_environment_pair" "intruder" {
  name       = %q
  vpc_id     = "vpc-0123456789abcdef0"
  port       = 8080
  depends_on = [bluegreen_environment_pair.test]
}
`, rndIntruder)
	}
	return cfg
}

// rndPlan draws the steps.
func rndPlan(r *rand.Rand, n int) []rndStep {
	pair := rndPairCfg{HCPort: "traffic-port", HCProtocol: "HTTP", Timeout: 5, Path: "/", Matcher: "200", Interval: 30, Healthy: 5, Unhealthy: 2, Dereg: 300, Tags: map[string]string{"team": "web"},
		Blue: rndColor{Version: "1.0", Targets: []string{"10.1.0.1"}}, Green: &rndColor{Version: "2.0"}}
	gate := rndGateCfg{Method: "GET", Interval: 1, Successes: 1, ExpectStatus: "[200]", Token: rndSecret, Timeout: 2}
	steps := []rndStep{{pair: pair, gate: gate, shape: rndShapes[0]}}
	for len(steps) < n {
		prev := steps[len(steps)-1]
		s := rndStep{pair: prev.pair, gate: prev.gate, shape: prev.shape}
		if prev.wantErr != "" {
			// Recovery: faults removed, foreign names released or the
			// intruder dropped; the apply must converge.
			steps = append(steps, s)
			continue
		}
		if r.IntN(2) == 0 {
			s.shape = rndShapes[r.IntN(len(rndShapes))]
		}
		if r.IntN(3) == 0 {
			s.gate = mutateGate(r, s.gate)
		}
		switch k := r.IntN(10); {
		case k < 4: // in-place change
			s.pair = mutatePair(r, s.pair)
		case k < 6: // out-of-band change to one or both colors
			for i := 0; i < 1+r.IntN(2); i++ {
				s.oob = append(s.oob, rndOOB{color: pick(r, "blue", "green"),
					kind: pick(r, "interval", "healthy", "tag-add", "tag-remove", "dereg", "version", "targets", "delete"), n: r.IntN(1000)})
			}
			if r.IntN(2) == 0 {
				s.pair = mutatePair(r, s.pair)
			}
		case k < 8: // a fault between the two colors' calls
			s.pair = mutatePair(r, s.pair)
			s.fault = pick(r, "ModifyTargetGroup", "ModifyTargetGroupAttributes")
			s.wantErr = `modifying\s+target\s+group\s+` + rndPair + `-green|setting\s+attributes\s+of\s+target\s+group`
		case k < 9: // a second pair whose name is held by a foreign group
			s.intruder = true
			s.wantErr = rndIntruder + `-(blue|green)\s+already\s+exists`
		default: // a deleted color whose name a foreign group takes
			c := pick(r, "blue", "green")
			s.collision = c
			s.wantErr = rndPair + `-` + c + `\s+already\s+exists`
		}
		steps = append(steps, s)
	}
	// End on a converging step.
	if last := steps[len(steps)-1]; last.wantErr != "" {
		steps = append(steps, rndStep{pair: last.pair, gate: last.gate, shape: last.shape})
	}
	return steps
}

type rndWorld struct {
	env      *testEnv // this test's sandbox
	t        *testing.T
	api      *elbv2.Client
	foreign  map[string]string // ARN → why it is foreign
	faults   []string
	lbARN    string
	listener string
	dsBlue   string
	dsGreen  string
	dsOther  string
}

func (w *rndWorld) addForeign(name, why string) string {
	w.t.Helper()
	out, err := w.api.CreateTargetGroup(context.Background(), &elbv2.CreateTargetGroupInput{
		Name: aws.String(name), Port: aws.Int32(9999), Protocol: "HTTP", VpcId: aws.String("vpc-0123456789abcdef0"), TargetType: "ip",
		Tags: []elbv2types.Tag{{Key: aws.String("owner"), Value: aws.String("someone-else")}},
	})
	if err != nil {
		w.t.Fatalf("creating foreign group %s: %v", name, err)
	}
	arn := aws.ToString(out.TargetGroups[0].TargetGroupArn)
	w.foreign[arn] = why
	return arn
}

func (w *rndWorld) foreignARNs() []string {
	out := make([]string, 0, len(w.foreign))
	for a := range w.foreign {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// checkForeign: since the last reset, no call changed a foreign group, and
// every foreign group still exists (the test's own calls are made before the
// reset of each step).
func (w *rndWorld) checkForeign() error {
	return checkUntouched(w.env, w.foreignARNs()...)
}

func (w *rndWorld) setShape(s rndShape) {
	w.t.Helper()
	var act elbv2types.Action
	switch {
	case s.fixed:
		act = elbv2types.Action{Type: "fixed-response", FixedResponseConfig: &elbv2types.FixedResponseActionConfig{StatusCode: aws.String("503")}}
	case s.redirect:
		act = elbv2types.Action{Type: "redirect", RedirectConfig: &elbv2types.RedirectActionConfig{StatusCode: "HTTP_302", Host: aws.String("example.com")}}
	default:
		var ts []elbv2types.TargetGroupTuple
		for _, x := range []struct {
			arn string
			w   int32
		}{{w.dsBlue, s.blue}, {w.dsGreen, s.green}, {w.dsOther, s.oth}} {
			if x.w >= 0 {
				ts = append(ts, elbv2types.TargetGroupTuple{TargetGroupArn: aws.String(x.arn), Weight: aws.Int32(x.w)})
			}
		}
		act = elbv2types.Action{Type: "forward", ForwardConfig: &elbv2types.ForwardActionConfig{TargetGroups: ts}}
	}
	if _, err := w.api.ModifyListener(context.Background(), &elbv2.ModifyListenerInput{ListenerArn: aws.String(w.listener), DefaultActions: []elbv2types.Action{act}}); err != nil {
		w.t.Fatalf("setting the listener to %s: %v", s.name, err)
	}
}

// applyOOB makes an out-of-band change to a color of the pair.
func (w *rndWorld) applyOOB(o rndOOB, arns map[string]string, cfg rndPairCfg) {
	w.t.Helper()
	ctx := context.Background()
	arn := arns[o.color]
	if arn == "" {
		return
	}
	var err error
	switch o.kind {
	case "interval":
		v := int32(pick(rand.New(rand.NewPCG(uint64(o.n), 1)), 10, 15, 20, 30, 45))
		if v == int32(cfg.Interval) {
			v = 60
		}
		_, err = w.api.ModifyTargetGroup(ctx, &elbv2.ModifyTargetGroupInput{TargetGroupArn: aws.String(arn), HealthCheckIntervalSeconds: aws.Int32(v)})
	case "healthy":
		v := int32(2 + o.n%9)
		if v == int32(cfg.Healthy) {
			v = 2 + (v-1)%9
		}
		_, err = w.api.ModifyTargetGroup(ctx, &elbv2.ModifyTargetGroupInput{TargetGroupArn: aws.String(arn), HealthyThresholdCount: aws.Int32(v)})
	case "tag-add":
		_, err = w.api.AddTags(ctx, &elbv2.AddTagsInput{ResourceArns: []string{arn}, Tags: []elbv2types.Tag{{Key: aws.String("oob"), Value: aws.String(strconv.Itoa(o.n))}}})
	case "tag-remove":
		_, err = w.api.RemoveTags(ctx, &elbv2.RemoveTagsInput{ResourceArns: []string{arn}, TagKeys: []string{"team", "cost", "env", "owner"}})
		if len(cfg.Tags) == 0 {
			_, err = w.api.AddTags(ctx, &elbv2.AddTagsInput{ResourceArns: []string{arn}, Tags: []elbv2types.Tag{{Key: aws.String("stray"), Value: aws.String("1")}}})
		}
	case "dereg":
		v := strconv.Itoa(7 + o.n%50)
		_, err = w.api.ModifyTargetGroupAttributes(ctx, &elbv2.ModifyTargetGroupAttributesInput{TargetGroupArn: aws.String(arn),
			Attributes: []elbv2types.TargetGroupAttribute{{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String(v)}}})
	case "version":
		_, err = w.api.AddTags(ctx, &elbv2.AddTagsInput{ResourceArns: []string{arn}, Tags: []elbv2types.Tag{{Key: aws.String(envpair.TagVersion), Value: aws.String("oob-" + strconv.Itoa(o.n))}}})
	case "targets":
		_, err = w.api.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: aws.String(arn),
			Targets: []elbv2types.TargetDescription{{Id: aws.String(fmt.Sprintf("10.2.%d.%d", o.n%200, 1+o.n%250))}}})
	case "delete":
		_, err = w.api.DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: aws.String(arn)})
	}
	if err != nil {
		w.t.Fatalf("out-of-band %s on %s: %v", o.kind, o.color, err)
	}
}

// checkStateIsReality compares both colors in state with the sandbox.
func (w *rndWorld) checkStateIsReality(s *terraform.State, want rndPairCfg) error {
	r, ok := s.RootModule().Resources[pairRes]
	if !ok {
		return fmt.Errorf("%s not in state", pairRes)
	}
	a := r.Primary.Attributes
	ctx := context.Background()
	for _, color := range envpair.Colors {
		arn := a[color+".target_group_arn"]
		if arn == "" {
			return fmt.Errorf("%s has no target group in state", color)
		}
		out, err := w.api.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{arn}})
		if err != nil {
			return fmt.Errorf("%s (%s) in state but not in AWS: %v", color, arn, err)
		}
		tg := out.TargetGroups[0]
		v := viewGroup(w.t, w.env, arn)
		got := map[string]string{
			"health_check.path":                aws.ToString(tg.HealthCheckPath),
			"health_check.matcher":             aws.ToString(tg.Matcher.HttpCode),
			"health_check.interval":            fmt.Sprintf("%ds", aws.ToInt32(tg.HealthCheckIntervalSeconds)),
			"health_check.timeout":             fmt.Sprintf("%ds", aws.ToInt32(tg.HealthCheckTimeoutSeconds)),
			"health_check.port":                aws.ToString(tg.HealthCheckPort),
			"health_check.protocol":            string(tg.HealthCheckProtocol),
			"health_check.healthy_threshold":   strconv.Itoa(int(aws.ToInt32(tg.HealthyThresholdCount))),
			"health_check.unhealthy_threshold": strconv.Itoa(int(aws.ToInt32(tg.UnhealthyThresholdCount))),
			"deregistration_delay":             fmt.Sprintf("%ds", v.Dereg),
			color + ".version":                 v.Tags[envpair.TagVersion],
			color + ".name":                    aws.ToString(tg.TargetGroupName),
		}
		for k, g := range got {
			if a[k] != g {
				return fmt.Errorf("%s: state %s = %q, AWS %q", color, k, a[k], g)
			}
			// Per color: what the group has, as state records it.
			if strings.HasPrefix(k, "health_check.") || k == "deregistration_delay" {
				if ak := color + ".applied." + k; a[ak] != g {
					return fmt.Errorf("%s: state %s = %q, AWS %q", color, ak, a[ak], g)
				}
			}
		}
		// No listener of the pair's load balancers forwards to its groups
		// here (the data source's listener uses groups of its own): neither
		// color serves, so nothing waits.
		if a[color+".serving"] != "false" || a["deferred.#"] != "0" {
			return fmt.Errorf("%s: serving %q, deferred %q entries, want an idle color and nothing deferred", color, a[color+".serving"], a["deferred.#"])
		}
		if v.Tags[envpair.TagOwner] != a["id"] {
			return fmt.Errorf("%s: ownership tag %q, pair id %q", color, v.Tags[envpair.TagOwner], a["id"])
		}
		user := map[string]string{}
		for k, x := range v.Tags {
			if !strings.HasPrefix(k, "bluegreen:") {
				user[k] = x
			}
		}
		stateTags := map[string]string{}
		for k, x := range a {
			if strings.HasPrefix(k, "tags.") && k != "tags.%" {
				stateTags[strings.TrimPrefix(k, "tags.")] = x
			}
		}
		if fmt.Sprint(user) != fmt.Sprint(stateTags) {
			return fmt.Errorf("%s: tags in AWS %v, in state %v", color, user, stateTags)
		}
		if n, managed := a[color+".targets.#"]; managed && n != "" {
			var st []string
			for k, x := range a {
				if strings.HasPrefix(k, color+".targets.") && strings.HasSuffix(k, ".id") {
					st = append(st, x)
				}
			}
			sort.Strings(st)
			aw := append([]string(nil), v.Targets...)
			sort.Strings(aw)
			if fmt.Sprint(st) != fmt.Sprint(aw) {
				return fmt.Errorf("%s: targets in AWS %v, in state %v", color, aw, st)
			}
		}
	}
	return nil
}

func (w *rndWorld) checkDataSource(s *terraform.State, shape rndShape) error {
	r, ok := s.RootModule().Resources["data.bluegreen_listener_state.test"]
	if !ok {
		return fmt.Errorf("data source not in state")
	}
	a := r.Primary.Attributes
	want := map[string]string{"active_color": shape.active, "idle_color": shape.idle, "blue_weight": strconv.FormatInt(shape.bw, 10),
		"green_weight": strconv.FormatInt(shape.gw, 10), "other_weight": strconv.FormatInt(shape.ow, 10),
		"has_forward": strconv.FormatBool(!shape.fixed && !shape.redirect)}
	for k, v := range want {
		if a[k] != v {
			return fmt.Errorf("data source on %q: %s = %q, want %q", shape.name, k, a[k], v)
		}
	}
	return nil
}

func checkGateResults(s *terraform.State) error {
	r, ok := s.RootModule().Resources[gateRes]
	if !ok {
		return fmt.Errorf("gate not in state")
	}
	for k, v := range r.Primary.Attributes {
		if strings.HasPrefix(k, "last_results") {
			for _, bad := range []string{"s3cr3t", "rnd-body-marker", `\/`} {
				if strings.Contains(v, bad) {
					return fmt.Errorf("gate %s holds response content %q: %s", k, bad, v)
				}
			}
		}
	}
	if r.Primary.Attributes["passed_at"] == "" {
		return fmt.Errorf("gate has no passed_at")
	}
	return nil
}

// oobVisible reports whether out-of-band changes are drift the plan must
// show: anything but targets registered with a color whose targets the
// configuration does not manage.
func oobVisible(oob []rndOOB, prev rndPairCfg) bool {
	for _, o := range oob {
		if o.kind != "targets" {
			return true
		}
		managed := prev.Blue.Targets != nil
		if o.color == "green" {
			managed = prev.Green != nil && prev.Green.Targets != nil
		}
		if managed {
			return true
		}
	}
	return false
}

func TestAccPairRandomized(t *testing.T) {
	env := newTestSandbox(t)
	testAccPreCheck(t)
	seed := uint64(rndEnvInt("BLUEGREEN_SEED", time.Now().UnixNano()))
	n := int(rndEnvInt("BLUEGREEN_PAIR_STEPS", rndDefaultSteps))
	t.Logf("seed %d, %d steps (replay: BLUEGREEN_SEED=%d BLUEGREEN_PAIR_STEPS=%d)", seed, n, seed, n)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	plan := rndPlan(r, n)

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		echo := strings.ReplaceAll(req.Header.Get("Authorization"), "/", `\/`)
		fmt.Fprintf(w, `{"version":"2.4.0","echo":"%s","m":"rnd-body-marker"}`, echo)
	}))
	t.Cleanup(srv.Close)

	ctx := context.Background()
	w := &rndWorld{t: t, env: env, api: env.Clients.ELBv2, foreign: map[string]string{}}
	a := createALB(t, env.Clients.ELBv2, "rnd-ds", 80, 100, 0)
	w.lbARN, w.listener, w.dsBlue, w.dsGreen = a.LoadBalancerARN, a.ListenerARN, a.BlueARN, a.GreenARN
	w.foreign[a.BlueARN], w.foreign[a.GreenARN] = "data source blue", "data source green"
	w.dsOther = w.addForeign("rnd-ds-other", "data source third group")
	w.addForeign(rndIntruder+"-green", "holds the intruder pair's name")

	env.Sandbox.ResetCalls() // the setup's own calls name the foreign groups

	var arns map[string]string // the pair's groups, from the last state
	var collided string        // a foreign group that took a color's name
	steps := make([]resource.TestStep, 0, len(plan))
	for i, s := range plan {
		step := resource.TestStep{Config: s.config(srv.URL+"/health", w.listener)}
		step.PreConfig = func() {
			t.Logf("step %d: shape %q, oob %v, fault %q, intruder %v, collision %q, expect error %v",
				i+1, s.shape.name, s.oob, s.fault, s.intruder, s.collision, s.wantErr != "")
			// What the previous step (maybe a failed one) did.
			if err := w.checkForeign(); err != nil {
				t.Fatalf("before step %d: %v", i+1, err)
			}
			for _, f := range w.faults {
				env.Sandbox.RemoveFault(f)
			}
			w.faults = nil
			if collided != "" {
				// Release the name: the foreign group goes (by its owner).
				if _, err := w.api.DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: aws.String(collided)}); err != nil {
					t.Fatal(err)
				}
				delete(w.foreign, collided)
				collided = ""
			}
			w.setShape(s.shape)
			for _, o := range s.oob {
				w.applyOOB(o, arns, s.pair)
				if o.kind == "delete" {
					delete(arns, o.color)
				}
			}
			if s.collision != "" && arns[s.collision] != "" {
				w.applyOOB(rndOOB{color: s.collision, kind: "delete"}, arns, s.pair)
				collided = w.addForeign(envpair.GroupName(rndPair, s.collision), "took the name of a deleted color")
			}
			if s.fault != "" {
				id, err := env.Sandbox.InjectFault(sandbox.Fault{Service: "elbv2", Operation: s.fault, Kind: sandbox.HTTP5xx, Status: 500, After: 1})
				if err != nil {
					t.Fatal(err)
				}
				w.faults = append(w.faults, id)
			}
			env.Sandbox.ResetCalls()
		}
		if s.wantErr != "" {
			step.ExpectError = regexp.MustCompile(s.wantErr)
		} else {
			step.Check = func(st *terraform.State) error {
				if err := w.checkForeign(); err != nil {
					return fmt.Errorf("step %d: %w", i+1, err)
				}
				if err := w.checkStateIsReality(st, s.pair); err != nil {
					return fmt.Errorf("step %d: state is not reality: %w", i+1, err)
				}
				if err := w.checkDataSource(st, s.shape); err != nil {
					return fmt.Errorf("step %d: %w", i+1, err)
				}
				if err := checkGateResults(st); err != nil {
					return fmt.Errorf("step %d: %w", i+1, err)
				}
				a := st.RootModule().Resources[pairRes].Primary.Attributes
				arns = map[string]string{"blue": a["blue.target_group_arn"], "green": a["green.target_group_arn"]}
				return nil
			}
			if i > 0 && oobVisible(s.oob, plan[i-1].pair) {
				// Drift on either color shows as an update; with both
				// groups gone the pair is gone, and is created again.
				action := plancheck.ResourceActionUpdate
				deleted := map[string]bool{}
				for _, o := range s.oob {
					if o.kind == "delete" {
						deleted[o.color] = true
					}
				}
				if len(deleted) == 2 {
					action = plancheck.ResourceActionCreate
				}
				step.ConfigPlanChecks = resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(pairRes, action),
				}}
			}
		}
		steps = append(steps, step)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps:                    steps,
		CheckDestroy: func(*terraform.State) error {
			for _, c := range envpair.Colors {
				if arn, ok := groupExists(env, envpair.GroupName(rndPair, c)); ok {
					return fmt.Errorf("%s-%s (%s) survived the destroy", rndPair, c, arn)
				}
			}
			return w.checkForeign()
		},
	})
	for _, f := range w.faults {
		env.Sandbox.RemoveFault(f)
	}
}
