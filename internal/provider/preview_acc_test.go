package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/demoapp"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/alb"
)

// previewStack is a load balancer on the sandbox's data plane whose blue and
// green target groups each hold one demo app answering with its color and
// version (blue v1, green v2): a request through the listener says which
// color served it.
type previewStack struct {
	testALB
	URL string // the listener on the data plane
}

func newPreviewStack(t *testing.T, env *testEnv, name string) previewStack {
	t.Helper()
	ctx := context.Background()
	api := env.Clients.ELBv2
	s := previewStack{testALB: createALB(t, api, name, 80, 100, 0)}
	for _, c := range []struct{ arn, color, version string }{{s.BlueARN, "blue", "v1"}, {s.GreenARN, "green", "v2"}} {
		srv, err := demoapp.Start(demoapp.Config{Color: c.color, Version: c.version}, "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = srv.Close() })
		port := int32(srv.Port())
		if _, err := api.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: aws.String(c.arn),
			Targets: []elbv2types.TargetDescription{{Id: aws.String("127.0.0.1"), Port: aws.Int32(port)}}}); err != nil {
			t.Fatal(err)
		}
		// Pinned healthy: the pre-flight reads target health on the fake
		// clock, while the data plane's own probes run in real time.
		if err := env.Sandbox.SetTargetHealth(c.arn, "127.0.0.1", port, "healthy", "", ""); err != nil {
			t.Fatal(err)
		}
	}
	addr, ok := env.Sandbox.ListenerAddr(s.ListenerARN)
	if !ok {
		t.Fatal("the data plane does not serve the listener")
	}
	s.URL = "http://" + addr
	return s
}

// colorThrough sends one request through the load balancer, with the preview
// header or without, and returns the color of the app that answered.
func colorThrough(url string, preview bool) (string, error) {
	req, err := http.NewRequest(http.MethodGet, url+"/", nil)
	if err != nil {
		return "", err
	}
	if preview {
		req.Header.Set("X-Preview", "1")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var body struct {
		Color string `json:"color"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s/ (preview %v): status %d, body not an app's answer (%v)", url, preview, resp.StatusCode, err)
	}
	return body.Color, nil
}

// expectRouting checks with real requests that the preview route reaches
// preview and that production requests (20 of them) all reach production.
func expectRouting(s previewStack, preview, production string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for i := 0; i < 20; i++ {
			got, err := colorThrough(s.URL, true)
			if err != nil {
				return err
			}
			if got != preview {
				return fmt.Errorf("a request with X-Preview: 1 reached %s, want %s", got, preview)
			}
			if got, err = colorThrough(s.URL, false); err != nil {
				return err
			}
			if got != production {
				return fmt.Errorf("a production request reached %s, want %s", got, production)
			}
		}
		return nil
	}
}

// observer is an http check target that, each time a check calls it, sends
// real requests through the load balancer and records which colors the
// preview route and production served at that moment.
type observer struct {
	srv     *httptest.Server
	failing atomic.Bool
	mu      sync.Mutex
	seen    map[string][]string // "<path> preview" / "<path> production" → colors, in order
}

func newObserver(t *testing.T, s previewStack) *observer {
	o := &observer{seen: map[string][]string{}}
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pre, err1 := colorThrough(s.URL, true)
		prod, err2 := colorThrough(s.URL, false)
		o.mu.Lock()
		o.seen[r.URL.Path+" preview"] = append(o.seen[r.URL.Path+" preview"], pre)
		o.seen[r.URL.Path+" production"] = append(o.seen[r.URL.Path+" production"], prod)
		o.mu.Unlock()
		if err1 != nil || err2 != nil || o.failing.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "ok")
	}))
	t.Cleanup(o.srv.Close)
	return o
}

func (o *observer) reset() {
	o.mu.Lock()
	o.seen = map[string][]string{}
	o.mu.Unlock()
}

// expectSeen checks that every observation at key saw only color (and that
// there was at least one).
func (o *observer) expectSeen(key, color string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		o.mu.Lock()
		got := slices.Clone(o.seen[key])
		o.mu.Unlock()
		if len(got) == 0 {
			return fmt.Errorf("no observation of %q: the check never ran", key)
		}
		for _, c := range got {
			if c != color {
				return fmt.Errorf("observations of %q were %v, want only %s", key, got, color)
			}
		}
		return nil
	}
}

const previewBlock = `
  preview = {
    priority    = 10
    http_header = { name = "X-Preview", values = ["1"] }
  }`

// previewConfig is a canary switch with a preview route whose rollback_on
// checks go through the preview route (the app there must be the receiving
// color) and through the observer; with gate, a health gate the switch
// depends on checks the new version (v2) through the preview route first.
func previewConfig(s previewStack, o *observer, color string, gate bool) string {
	return previewConfigWith(s, o, color, gate, previewBlock)
}

// previewConfigWith is previewConfig with another preview attribute.
func previewConfigWith(s previewStack, o *observer, color string, gate bool, preview string) string {
	cfg := ""
	dependsOn := ""
	if gate {
		cfg = fmt.Sprintf(`
resource "bluegreen_health_gate" "test" {
  http = [
    {
      name       = "preview"
      url        = "%[1]s/"
      headers    = { "X-Preview" = "1" }
      json_path  = "version"
      json_value = "v2"
    },
    {
      name = "observer"
      url  = "%[2]s/gate"
    },
  ]
  interval              = "1s"
  consecutive_successes = 2
}
`, s.URL, o.srv.URL)
		dependsOn = "\n  depends_on = [bluegreen_health_gate.test]"
	}
	return cfg + regressionConfig(s.ListenerARN, s.BlueARN, s.GreenARN, color, fmt.Sprintf(`%s
  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "1m"
  }
  rollback_on = {
    http = [
      {
        name       = "preview"
        url        = "%s/"
        headers    = { "X-Preview" = "1" }
        json_path  = "color"
        json_value = %q
      },
      {
        name = "observer"
        url  = "%s/shift"
      },
    ]
    evaluation_interval = "30s"
    failure_threshold   = 1
  }%s`, preview, s.URL, color, o.srv.URL, dependsOn))
}

// previewRules lists the rules of the listener other than its default, with
// their owner tags.
func previewRules(env *testEnv, listener string) (map[string]string, error) {
	ctx := context.Background()
	out, err := env.Clients.ELBv2.DescribeRules(ctx, &elbv2.DescribeRulesInput{ListenerArn: aws.String(listener)})
	if err != nil {
		return nil, err
	}
	rules := map[string]string{}
	for _, r := range out.Rules {
		if aws.ToBool(r.IsDefault) {
			continue
		}
		owner, err := alb.Owner(ctx, env.Clients.ELBv2, aws.ToString(r.RuleArn))
		if err != nil {
			return nil, err
		}
		rules[aws.ToString(r.RuleArn)] = owner
	}
	return rules, nil
}

// expectOwnedPreviewRule: the listener has exactly one rule besides its
// default, the switch's preview rule, tagged with the switch's owner ID.
func expectOwnedPreviewRule(env *testEnv, listener string) resource.TestCheckFunc {
	return func(st *terraform.State) error {
		a := st.RootModule().Resources[switchRes].Primary.Attributes
		rules, err := previewRules(env, listener)
		if err != nil {
			return err
		}
		if len(rules) != 1 || rules[a["preview_rule_arn"]] != a["owner_id"] || a["owner_id"] == "" {
			return fmt.Errorf("listener rules %v, want only preview rule %s tagged %s", rules, a["preview_rule_arn"], a["owner_id"])
		}
		return nil
	}
}

// TestAccPreview_routeFollowsTheShift: with real requests through the
// sandbox's data plane, the preview route reaches the idle color while
// production stays on the active one; a health gate checks the new version
// through it before the shift; during the canary it reaches the receiving
// color (the switch's own http check goes through it); after the shift it
// reaches the now idle old color, after a rollback the color rolled back
// from; a rule edited or deleted by hand is repaired by the next apply, and
// destroy deletes it.
func TestAccPreview_routeFollowsTheShift(t *testing.T) {
	env := newTestSandbox(t, withDataPlane())
	s := newPreviewStack(t, env, "preview")
	o := newObserver(t, s)
	var firstRule string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		CheckDestroy: func(*terraform.State) error {
			rules, err := previewRules(env, s.ListenerARN)
			if err != nil {
				return err
			}
			if len(rules) != 0 {
				return fmt.Errorf("rules left after destroy: %v", rules)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				// Stable on blue: the preview route reaches green, the idle
				// color, where the next release goes.
				Config: previewConfig(s, o, "blue", false),
				Check: resource.ComposeAggregateTestCheckFunc(
					expectSwitchAttrs(map[string]string{"status": "stable", "preview_color": "green", "blue_weight": "100"}),
					resource.TestCheckResourceAttrWith(switchRes, "preview_rule_arn", func(v string) error {
						firstRule = v
						return nil
					}),
					expectOwnedPreviewRule(env, s.ListenerARN),
					expectRouting(s, "green", "blue"),
				),
			},
			{
				// The gate checks v2 through the preview route before the
				// switch moves anything (production still all blue then);
				// during the canary the switch's check reaches green
				// through the preview route; after it, the preview route
				// reaches blue, the now idle old color.
				PreConfig: o.reset,
				Config:    previewConfig(s, o, "green", true),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(switchRes, tfjsonpath.New("preview_color")), // depends on the outcome
					// A rule deleted by hand during the shift is created
					// again, with a new ARN (TestAccHostileS10_previewDeletedMidShift).
					plancheck.ExpectUnknownValue(switchRes, tfjsonpath.New("preview_rule_arn")),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrSet("bluegreen_health_gate.test", "passed_at"),
					o.expectSeen("/gate preview", "green"),
					o.expectSeen("/gate production", "blue"),
					o.expectSeen("/shift preview", "green"),
					expectSwitchAttrs(map[string]string{"status": "stable", "preview_color": "blue", "green_weight": "100",
						"last_shift.result": "succeeded"}),
					resource.TestCheckResourceAttrPtr(switchRes, "preview_rule_arn", &firstRule),
					expectRouting(s, "blue", "green"),
				),
			},
			{
				// Back to blue, but the check fails at the first step: rolled
				// back to green. Blue was the preview color throughout.
				PreConfig:   func() { o.reset(); o.failing.Store(true) },
				Config:      previewConfig(s, o, "blue", false),
				ExpectError: regexp.MustCompile(`Shift rolled back`),
			},
			{
				RefreshState:       true,
				ExpectNonEmptyPlan: true, // the configuration still asks for blue
				Check: resource.ComposeAggregateTestCheckFunc(
					o.expectSeen("/shift preview", "blue"),
					expectSwitchAttrs(map[string]string{"status": "rolled_back", "preview_color": "blue", "green_weight": "100"}),
					expectRouting(s, "blue", "green"),
				),
			},
			{
				// Someone points the preview rule at green by hand: the
				// refresh shows it, the apply repairs it.
				PreConfig: func() {
					o.failing.Store(false)
					if _, err := env.Clients.ELBv2.ModifyRule(context.Background(), &elbv2.ModifyRuleInput{RuleArn: aws.String(firstRule),
						Actions: []elbv2types.Action{forwardAction(s.BlueARN, 0, s.GreenARN, 1)}}); err != nil {
						t.Fatal(err)
					}
				},
				Config: previewConfig(s, o, "green", false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					expectPriorState(switchRes, "preview_color", "green"),
					plancheck.ExpectResourceAction(switchRes, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(switchRes, tfjsonpath.New("preview_color"), knownvalue.StringExact("blue")),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					expectSwitchAttrs(map[string]string{"status": "stable", "preview_color": "blue"}),
					resource.TestCheckResourceAttrPtr(switchRes, "preview_rule_arn", &firstRule),
					expectRouting(s, "blue", "green"),
				),
			},
			{
				// Someone deletes it (and changes its priority first): a new
				// one is created.
				PreConfig: func() {
					if _, err := env.Clients.ELBv2.DeleteRule(context.Background(), &elbv2.DeleteRuleInput{RuleArn: aws.String(firstRule)}); err != nil {
						t.Fatal(err)
					}
				},
				Config: previewConfig(s, o, "green", false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					expectPriorState(switchRes, "preview_rule_arn", ""),
					plancheck.ExpectUnknownValue(switchRes, tfjsonpath.New("preview_rule_arn")),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					expectSwitchAttrs(map[string]string{"preview_color": "blue"}),
					resource.TestCheckResourceAttrWith(switchRes, "preview_rule_arn", func(v string) error {
						if v == "" || v == firstRule {
							return fmt.Errorf("preview_rule_arn %q: want a new rule", v)
						}
						return nil
					}),
					expectOwnedPreviewRule(env, s.ListenerARN),
					expectRouting(s, "blue", "green"),
				),
			},
			{Config: previewConfig(s, o, "green", false), PlanOnly: true},
			{
				// Another condition and priority: the rule is rewritten in
				// place; ?preview=1 takes the preview route, the header no
				// longer does.
				Config: previewConfigWith(s, o, "green", false, `
  preview = {
    priority     = 20
    query_string = { key = "preview", value = "1" }
  }`),
				Check: resource.ComposeAggregateTestCheckFunc(
					expectOwnedPreviewRule(env, s.ListenerARN),
					resource.TestCheckResourceAttr(switchRes, "preview.priority", "20"),
					func(*terraform.State) error {
						for _, c := range []struct{ path, header, want string }{{"/?preview=1", "", "blue"}, {"/", "1", "green"}, {"/?other=1", "", "green"}} {
							req, _ := http.NewRequest(http.MethodGet, s.URL+c.path, nil)
							if c.header != "" {
								req.Header.Set("X-Preview", c.header)
							}
							resp, err := http.DefaultClient.Do(req)
							if err != nil {
								return err
							}
							got := resp.Header.Get("X-Demo-Color")
							resp.Body.Close()
							if got != c.want {
								return fmt.Errorf("GET %s (X-Preview %q) reached %q, want %s", c.path, c.header, got, c.want)
							}
						}
						return nil
					},
				),
			},
			{Config: previewConfigWith(s, o, "green", false, "\n  preview = {\n    priority     = 20\n    query_string = { key = \"preview\", value = \"1\" }\n  }"), PlanOnly: true},
		},
	})
}

// TestAccPreview_refusedAtPlan: preview on a Network Load Balancer listener,
// or with other than exactly one condition, is refused before anything runs.
func TestAccPreview_refusedAtPlan(t *testing.T) {
	const (
		app = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2"
		net = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/net/web/50dc6c495c0c9188/f2f7dc8efc522ab2"
		tg  = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-%s/73e2d6bc24d8a067"
	)
	cfg := func(preview string) string {
		return regressionConfig(app, fmt.Sprintf(tg, "blue"), fmt.Sprintf(tg, "green"), "blue", preview)
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccFakeClockFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg(fmt.Sprintf(`  preview = {
    listener_arn = %q
    priority     = 10
    path_patterns = ["/*"]
  }`, net)),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Preview route needs an Application Load Balancer`),
			},
			{
				// The switch's listener is an NLB's: its (TCP) target groups
				// cannot be forwarded to by a rule of an ALB listener either.
				Config: regressionConfig(net, fmt.Sprintf(tg, "blue"), fmt.Sprintf(tg, "green"), "blue", fmt.Sprintf(`  preview = {
    listener_arn = %q
    priority     = 10
    path_patterns = ["/*"]
  }`, app)),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Preview route needs an Application Load Balancer`),
			},
			{
				Config: cfg(`  preview = {
    priority     = 10
    path_patterns = ["/*"]
    query_string = { key = "preview", value = "1" }
  }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Preview route needs exactly one condition`),
			},
			{
				Config:      cfg(`  preview = { priority = 10 }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Preview route needs exactly one condition`),
			},
		},
	})
}

// pointRuleByHand makes a rule forward everything to one group, as someone
// editing it in the console would.
func pointRuleByHand(t *testing.T, env *testEnv, rule, blue, green string, toGreen bool) {
	t.Helper()
	bw, gw := int32(1), int32(0)
	if toGreen {
		bw, gw = 0, 1
	}
	if _, err := env.Clients.ELBv2.ModifyRule(context.Background(), &elbv2.ModifyRuleInput{RuleArn: aws.String(rule),
		Actions: []elbv2types.Action{forwardAction(blue, bw, green, gw)}}); err != nil {
		t.Fatal(err)
	}
}

// callOrder returns the operations the sandbox served successfully, in
// order, with the rule or listener each one was about ("ModifyRule <arn>").
func callOrder(env *testEnv) []string {
	var out []string
	for _, c := range env.Sandbox.Calls(sandbox.CallFilter{Service: "elbv2"}) {
		if c.Status != http.StatusOK {
			continue
		}
		out = append(out, c.Operation+" "+c.Params["RuleArn"]+c.Params["ListenerArn"]+c.Params["TargetGroupArn"])
	}
	return out
}

// noRetries makes the provider give up on the first failed AWS call, so a
// test that makes every call of an operation fail does not wait out the
// SDK's back-off.
const noRetries = `
provider "bluegreen" {
  max_retries = 0
}
`

// TestAccPreview_movedBeforePreflight: a preview route found on the wrong
// color (edited by hand) is pointed at the receiving color before the
// shift's pre-flight and first production write, so the shift's own check
// through it sees the receiving color from the first evaluation on. When
// that write fails, nothing of production is written and state says so.
func TestAccPreview_movedBeforePreflight(t *testing.T) {
	env := newTestSandbox(t, withDataPlane())
	s := newPreviewStack(t, env, "prevpre")
	o := newObserver(t, s)
	var rule string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{
				Config: noRetries + previewConfig(s, o, "blue", false),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrWith(switchRes, "preview_rule_arn", func(v string) error { rule = v; return nil }),
					expectRouting(s, "green", "blue"),
				),
			},
			{
				// The preview rule points at blue (the active color) by
				// hand; the shift to green moves it to green before its
				// pre-flight: every check through it saw green.
				PreConfig: func() {
					o.reset()
					pointRuleByHand(t, env, rule, s.BlueARN, s.GreenARN, false)
					env.Sandbox.ResetCalls()
				},
				Config: noRetries + previewConfig(s, o, "green", false),
				Check: resource.ComposeAggregateTestCheckFunc(
					o.expectSeen("/shift preview", "green"),
					expectSwitchAttrs(map[string]string{"status": "stable", "green_weight": "100", "preview_color": "blue"}),
					func(*terraform.State) error {
						calls := callOrder(env)
						move := slices.Index(calls, "ModifyRule "+rule)
						health := slices.IndexFunc(calls, func(c string) bool { return regexp.MustCompile(`^DescribeTargetHealth `).MatchString(c) })
						write := slices.Index(calls, "ModifyListener "+s.ListenerARN)
						if move < 0 || health < 0 || write < 0 || move > health || move > write {
							return fmt.Errorf("want the preview rule moved before the pre-flight and the first listener write; calls: %v", calls)
						}
						return nil
					},
					expectRouting(s, "blue", "green"),
				),
			},
			{
				// Edited by hand again, and now every ModifyRule fails: the
				// shift back to blue cannot point the preview route at blue,
				// so it writes nothing; state keeps green and says where the
				// preview route really goes.
				PreConfig: func() {
					pointRuleByHand(t, env, rule, s.BlueARN, s.GreenARN, true)
					env.Sandbox.ResetCalls()
					if _, err := env.Sandbox.InjectFault(sandbox.Fault{Service: "elbv2", Operation: "ModifyRule", Kind: sandbox.HTTP5xx, Status: 500}); err != nil {
						t.Fatal(err)
					}
				},
				Config:      noRetries + previewConfig(s, o, "blue", false),
				ExpectError: regexp.MustCompile(`Preview route not written`),
			},
			{
				PreConfig:          env.Sandbox.ClearFaults,
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					expectWrites(env, regressionALB{testALB: s.testALB}),
					expectSwitchAttrs(map[string]string{"status": "stable", "active_color": "green", "green_weight": "100",
						"blue_weight": "0", "preview_color": "green"}),
					expectRouting(s, "green", "green"),
				),
			},
			{
				// The next apply repairs the preview route and shifts.
				PreConfig: o.reset,
				Config:    noRetries + previewConfig(s, o, "blue", false),
				Check: resource.ComposeAggregateTestCheckFunc(
					o.expectSeen("/shift preview", "blue"),
					expectSwitchAttrs(map[string]string{"status": "stable", "blue_weight": "100", "preview_color": "green"}),
					expectRouting(s, "green", "blue"),
				),
			},
		},
	})
}

// TestAccPreview_importAdoptsRule: a switch imported (its state lost) finds
// the preview rule a former switch left at the configured priority, tagged
// with that switch's owner ID: it adopts the rule (tags it with its own ID)
// rather than failing on a taken priority, and destroy deletes it.
func TestAccPreview_importAdoptsRule(t *testing.T) {
	env := newTestSandbox(t, withDataPlane())
	s := newPreviewStack(t, env, "previmp")
	o := newObserver(t, s)
	rule, err := alb.CreatePreviewRule(context.Background(), env.Clients.ELBv2, alb.PreviewSpec{
		ListenerARN: s.ListenerARN, Priority: 10, Header: "X-Preview", HeaderValues: []string{"1"},
		Tags: map[string]string{alb.OwnerTagKey: "0123456789abcdef0123456789abcdef"},
	}, s.BlueARN, s.GreenARN, "blue") // on the wrong color, too
	if err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		CheckDestroy: func(*terraform.State) error {
			if rules, err := previewRules(env, s.ListenerARN); err != nil || len(rules) != 0 {
				return fmt.Errorf("rules left after destroy: %v (%v)", rules, err)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf("import {\n  to = %s\n  id = %q\n}\n", switchRes, s.ListenerARN) + previewConfig(s, o, "blue", false),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(switchRes, "preview_rule_arn", rule),
					expectSwitchAttrs(map[string]string{"preview_color": "green", "status": "stable"}),
					expectOwnedPreviewRule(env, s.ListenerARN),
					expectRouting(s, "green", "blue"),
				),
			},
		},
	})
}

// TestAccPreview_testListener: the preview route as CodeDeploy's test
// listener — a second listener (port 8080, answering 404 by default) whose
// every request reaches the preview color; removing preview deletes the rule.
func TestAccPreview_testListener(t *testing.T) {
	env := newTestSandbox(t, withDataPlane())
	s := newPreviewStack(t, env, "prevtl")
	l, err := env.Clients.ELBv2.CreateListener(context.Background(), &elbv2.CreateListenerInput{
		LoadBalancerArn: aws.String(s.LoadBalancerARN), Port: aws.Int32(8080), Protocol: "HTTP",
		DefaultActions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumFixedResponse,
			FixedResponseConfig: &elbv2types.FixedResponseActionConfig{StatusCode: aws.String("404")}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	testListener := aws.ToString(l.Listeners[0].ListenerArn)
	addr, ok := env.Sandbox.ListenerAddr(testListener)
	if !ok {
		t.Fatal("the data plane does not serve the test listener")
	}
	testURL := "http://" + addr
	cfg := func(color string, preview bool) string {
		block := ""
		if preview {
			block = fmt.Sprintf(`
  preview = {
    listener_arn  = %q
    priority      = 1
    path_patterns = ["/*"]
  }`, testListener)
		}
		return regressionConfig(s.ListenerARN, s.BlueARN, s.GreenARN, color, fmt.Sprintf(`%s
  rollback_on = {
    http = [{
      name       = "test-listener"
      url        = "%s/"
      json_path  = "color"
      json_value = %q
    }]
  }`, block, testURL, color))
	}
	// The test listener carries no header: every request there is preview.
	onTestListener := func(want string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			for i := 0; i < 10; i++ {
				got, err := colorThrough(testURL, false)
				if err != nil {
					return err
				}
				if got != want {
					return fmt.Errorf("the test listener served %s, want %s", got, want)
				}
			}
			return nil
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{
				Config: cfg("blue", true),
				Check:  resource.ComposeAggregateTestCheckFunc(expectOwnedPreviewRule(env, testListener), onTestListener("green")),
			},
			{
				// The check goes through the test listener: it must reach
				// green during the shift.
				Config: cfg("green", true),
				Check: resource.ComposeAggregateTestCheckFunc(
					expectSwitchAttrs(map[string]string{"status": "stable", "green_weight": "100", "preview_color": "blue",
						"last_shift.result": "succeeded"}),
					onTestListener("blue"),
				),
			},
			{
				Config: cfg("green", false),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckNoResourceAttr(switchRes, "preview_rule_arn"),
					resource.TestCheckNoResourceAttr(switchRes, "preview_color"),
					func(*terraform.State) error {
						if rules, err := previewRules(env, testListener); err != nil || len(rules) != 0 {
							return fmt.Errorf("test listener rules after preview was removed: %v (%v)", rules, err)
						}
						return nil
					},
				),
			},
		},
	})
}

// A failed preview write before a shift, as the saved state shows it (a
// TestStep cannot read what a failing apply saved; the CLI's show -json
// can): nothing of production was written, active_color and the weights are
// the prior ones, and preview_color is where the rule really points.
func TestAccPreview_failedPreviewWriteState(t *testing.T) {
	t.Parallel()
	env := newTestSandbox(t, withRealClock(), withDataPlane())
	s := newPreviewStack(t, env, "prevcli")
	testAccPreCheck(t)
	r := &cliRun{t: t, tf: cliPath(t), work: t.TempDir(), sb: env}
	r.env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+devOverridesRC(t), "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1",
		"AWS_ENDPOINT_URL="+env.Sandbox.URL())
	writeFile(t, filepath.Join(r.work, "main.tf"), `terraform {
  required_providers {
    bluegreen = { source = "bluegreen-tf/bluegreen" }
  }
}
variable "color" { type = string }
`+noRetries+strings.Replace(switchConfig(s.testALB, "COLOR", previewBlock+`
  strategy = {
    type          = "canary"
    steps         = [50]
    step_interval = "1s"
  }`), `"COLOR"`, "var.color", 1))
	if out, err := r.apply("blue"); err != nil {
		t.Fatalf("apply blue: %v\n%s", err, out)
	}
	st := r.switchState()
	rule, _ := st["preview_rule_arn"].(string)
	if st["preview_color"] != "green" || rule == "" {
		t.Fatalf("after apply blue: preview_color %v, preview_rule_arn %q; want green and a rule", st["preview_color"], rule)
	}
	pointRuleByHand(t, env, rule, s.BlueARN, s.GreenARN, false) // preview on the active color
	env.Sandbox.ResetCalls()
	if _, err := env.Sandbox.InjectFault(sandbox.Fault{Service: "elbv2", Operation: "ModifyRule", Kind: sandbox.HTTP5xx, Status: 500}); err != nil {
		t.Fatal(err)
	}
	out, err := r.apply("green")
	if err == nil || !strings.Contains(out, "Preview route not written") {
		t.Fatalf("apply green with ModifyRule failing should fail on the preview route:\n%s", out)
	}
	if w := writtenSplits(env, s.ListenerARN, s.BlueARN, s.GreenARN); len(w) != 0 {
		t.Fatalf("the listener was written %v: production must be untouched", w)
	}
	if b, g := listenerWeights(t, env, s.testALB); b != 100 || g != 0 {
		t.Fatalf("listener %d/%d, want 100/0", b, g)
	}
	st = r.switchState()
	expectNumber(t, st, "blue_weight", 100)
	expectNumber(t, st, "green_weight", 0)
	if st["active_color"] != "blue" || st["status"] != "stable" || st["preview_color"] != "blue" || st["preview_rule_arn"] != rule {
		t.Fatalf("saved state active_color=%v status=%v preview_color=%v preview_rule_arn=%v; want blue, stable, blue (as the rule really "+
			"points), %s", st["active_color"], st["status"], st["preview_color"], st["preview_rule_arn"], rule)
	}
	env.Sandbox.ClearFaults()
	if out, err := r.apply("green"); err != nil {
		t.Fatalf("apply green once ModifyRule works: %v\n%s", err, out)
	}
	if st = r.switchState(); st["preview_color"] != "blue" || st["active_color"] != "green" {
		t.Fatalf("after the shift: preview_color %v active_color %v, want blue, green", st["preview_color"], st["active_color"])
	}
	if err := expectRouting(s, "blue", "green")(nil); err != nil {
		t.Fatal(err)
	}
}
