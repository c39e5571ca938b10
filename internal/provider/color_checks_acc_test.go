package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsarn"
)

// colorApp plays both colors' services and the Prometheus that watches
// them: /<color>/health and /<color>/version per color, and
// /api/v1/query answering the 5xx rate of the color named in the query's
// color="…" matcher (in Prometheus' own response format). A bad release is
// a color whose health fails (badHealth) or whose error rate is high
// (badErrors). It records which color each request was about.
type colorApp struct {
	mu        sync.Mutex
	versions  map[string]string
	badHealth string
	badErrors string
	seen      []string // "health:green", "version:blue", "prometheus:green tg=… org=…"
}

var promColor = regexp.MustCompile(`color="([a-z]+)"`)
var promTG = regexp.MustCompile(`tg="([^"]*)"`)

func (a *colorApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if r.URL.Path == "/api/v1/query" {
		q := r.URL.Query().Get("query")
		m := promColor.FindAllStringSubmatch(q, -1)
		color := ""
		if len(m) > 0 {
			color = m[0][1]
		}
		tg := ""
		if t := promTG.FindStringSubmatch(q); t != nil {
			tg = t[1]
		}
		a.seen = append(a.seen, fmt.Sprintf("prometheus:%s tg=%s org=%s", color, tg, r.Header.Get("X-Scope-OrgID")))
		rate := "0.001"
		if color != "" && color == a.badErrors {
			rate = "0.4"
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,%q]}]}}`, rate)
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/") // <color>/<what>
	if len(parts) != 2 {
		http.NotFound(w, r)
		return
	}
	color, what := parts[0], parts[1]
	a.seen = append(a.seen, what+":"+color)
	switch what {
	case "health":
		if color == a.badHealth {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, "ok")
	case "version":
		_ = json.NewEncoder(w).Encode(map[string]string{"version": a.versions[color]})
	default:
		http.NotFound(w, r)
	}
}

// release sets which color is bad (and how) and forgets what was seen.
func (a *colorApp) release(badHealth, badErrors string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.badHealth, a.badErrors, a.seen = badHealth, badErrors, nil
}

// onlyAbout fails unless every request since the last release was about
// color — the color receiving traffic — and each check kind ran.
func (a *colorApp) onlyAbout(color, tgName string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		a.mu.Lock()
		defer a.mu.Unlock()
		kinds := map[string]bool{}
		for _, s := range a.seen {
			kind, rest, _ := strings.Cut(s, ":")
			kinds[kind] = true
			want := color
			if kind == "prometheus" {
				want = fmt.Sprintf("%s tg=%s org=team-%s", color, tgName, color)
			}
			if rest != want {
				return fmt.Errorf("a check watched %q while %s received traffic (all requests: %v)", s, color, a.seen)
			}
		}
		for _, k := range []string{"health", "version", "prometheus"} {
			if !kinds[k] {
				return fmt.Errorf("the %s check never ran while %s received traffic (requests: %v)", k, color, a.seen)
			}
		}
		return nil
	}
}

// One switch configuration, written once with {{color}}, {{version}} (from
// color_values) and {{target_group_name}}, rolls back a bad release on green
// (its health check fails) and, after a good green release, a bad release on
// blue (its Prometheus error rate is high); each shift watches only the
// color receiving traffic. Between the applies only active_color changes.
func TestAccColorChecks_oneConfigRollsBackBadReleaseOnEitherColor(t *testing.T) {
	env := newTestSandbox(t)
	a := switchALB(t, env, "sw-color")
	app := &colorApp{versions: map[string]string{"blue": "1.4.0", "green": "1.5.0"}}
	srv := httptest.NewServer(app)
	defer srv.Close()
	cfg := fmt.Sprintf(`
  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "1m"
  }
  rollback_on = {
    color_values = {
      blue  = { version = "1.4.0" }
      green = { version = "1.5.0" }
    }
    http = [{
      name = "health"
      url  = "%[1]s/{{color}}/health"
      }, {
      name       = "version"
      url        = "%[1]s/{{ color }}/version"
      json_path  = "version"
      json_value = "{{version}}"
    }]
    prometheus = [{
      name    = "errors"
      url     = "%[1]s"
      query   = "sum(rate(http_requests_total{color=\"{{color}}\",tg=\"{{target_group_name}}\",code=~\"5..\"}[1m])) / sum(rate(http_requests_total{color=\"{{color}}\"}[1m]))"
      headers = { X-Scope-OrgID = "team-{{color}}" }
      max     = 0.05
    }]
    evaluation_interval = "30s"
    failure_threshold   = 2
  }`, srv.URL)
	blueTG, greenTG := awsarn.TargetGroupName(a.BlueARN), awsarn.TargetGroupName(a.GreenARN)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: switchConfig(a, "blue", cfg), Check: expectWeights(env, a, 100, 0)},
			{
				// A bad release on green: its health fails; rolled back.
				PreConfig:   func() { app.release("green", "") },
				Config:      switchConfig(a, "green", cfg),
				ExpectError: regexp.MustCompile(`(?s)Shift rolled back.*check http:health failed 2\s+consecutive`),
			},
			{
				RefreshState:       true,
				ExpectNonEmptyPlan: true, // the switch still wants green
				Check: resource.ComposeTestCheckFunc(
					app.onlyAbout("green", greenTG),
					expectWeights(env, a, 100, 0),
					resource.TestCheckResourceAttr(switchRes, "status", "rolled_back"),
					resource.TestCheckResourceAttr(switchRes, "active_color", "blue"),
					resource.TestMatchResourceAttr(switchRes, "last_shift.reason", regexp.MustCompile(`check http:health failed`))),
			},
			{
				// Green fixed: the same configuration promotes it.
				PreConfig: func() { app.release("", "") },
				Config:    switchConfig(a, "green", cfg),
				Check: resource.ComposeTestCheckFunc(
					app.onlyAbout("green", greenTG),
					expectWeights(env, a, 0, 100),
					resource.TestCheckResourceAttr(switchRes, "status", "stable")),
			},
			{
				// The next release goes to blue, and it is bad: blue's error
				// rate is high (green's is fine). Rolled back to green.
				PreConfig:   func() { app.release("", "blue") },
				Config:      switchConfig(a, "blue", cfg),
				ExpectError: regexp.MustCompile(`(?s)Shift rolled back.*check prometheus:errors failed 2\s+consecutive`),
			},
			{
				RefreshState:       true,
				ExpectNonEmptyPlan: true, // the switch still wants blue
				Check: resource.ComposeTestCheckFunc(
					app.onlyAbout("blue", blueTG),
					expectWeights(env, a, 0, 100),
					resource.TestCheckResourceAttr(switchRes, "status", "rolled_back"),
					resource.TestCheckResourceAttr(switchRes, "active_color", "green"),
					resource.TestMatchResourceAttr(switchRes, "last_shift.reason", regexp.MustCompile(`check prometheus:errors failed`))),
			},
		},
	})
}

// Placeholders are checked at plan time: an unknown one, one defined for a
// single color, and one in a health gate are errors naming the attribute.
func TestAccColorChecks_planTimeValidation(t *testing.T) {
	env := newTestSandbox(t)
	a := switchALB(t, env, "sw-color-bad")
	rollbackOn := func(body string) string { return "\n  rollback_on = {\n" + body + "\n  }" }
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{
				Config:   switchConfig(a, "green", rollbackOn(`    http = [{ url = "http://web-{{colour}}.internal/health" }]`)),
				PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)Unknown placeholder.*rollback_on.http\[0\].url.*\{\{colour\}\}.*\{\{color\}\}`),
			},
			{
				Config: switchConfig(a, "green", rollbackOn(`    color_values = {
      blue  = { version = "1", host = "b" }
      green = { version = "2" }
    }
    alarm_names = ["web-{{color}}-{{version}}"]`)),
				PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)Placeholder defined for one color only.*rollback_on.color_values.green`),
			},
			{
				Config: switchConfig(a, "green", rollbackOn(`    prometheus = [{
      url   = "http://prom:9090"
      query = "up{color=\"{{color}\"}"
      max   = 1
    }]`)),
				PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)Malformed placeholder.*rollback_on.prometheus\[0\].query`),
			},
			{
				Config: switchConfig(a, "green", rollbackOn(`    datadog = [{
      query = "sum:errors{color:{{colour}}}"
      max   = 1
      site  = "datadoghq.eu"
      url   = "https://dd-proxy.internal"
    }]`)),
				PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)Missing api_key.*Missing app_key.*Conflicting Datadog endpoints.*Unknown placeholder.*datadog\[0\].query`),
			},
			{
				Config: `
resource "bluegreen_health_gate" "g" {
  http = [{ url = "http://web-{{color}}.internal/health" }]
}`,
				PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)Placeholder in a health gate.*http\[0\].url`),
			},
			{
				Config: `
resource "bluegreen_health_gate" "g" {
  http = [{
    url           = "http://web.internal/health"
    initial_delay = "1m"
  }]
}`,
				PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)initial_delay in a health gate`),
			},
		},
	})
}

// A Datadog query check, written once with {{color}}, rolls a bad green
// release back: the test server speaks Datadog's v1 query API (keys as
// headers, MetricsQueryResponse JSON) and reports errors for color:green
// only. The keys never reach state or the diagnostic.
func TestAccColorChecks_datadogRollsBackBadRelease(t *testing.T) {
	env := newTestSandbox(t)
	a := switchALB(t, env, "sw-color-dd")
	const apiKey, appKey = "dd-api-s3cr3t-77aa", "dd-app-s3cr3t-88bb"
	var mu sync.Mutex
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/query" || r.Header.Get("DD-API-KEY") != apiKey || r.Header.Get("DD-APPLICATION-KEY") != appKey {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"errors":["Forbidden"]}`)
			return
		}
		q := r.URL.Query().Get("query")
		mu.Lock()
		queries = append(queries, q)
		mu.Unlock()
		errs := "0.0"
		if strings.Contains(q, "color:green") {
			errs = "42.0"
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"status":"ok","res_type":"time_series","resp_version":1,"query":%q,"message":"","error":"","from_date":%s000,"to_date":%s000,"group_by":[],`+
			`"series":[{"unit":null,"query_index":0,"aggr":"sum","metric":"trace.http.request.errors","tag_set":[],"expression":%q,"scope":"color:green,service:web",`+
			`"interval":60,"length":2,"start":%s000,"end":%s000,"pointlist":[[%s000.0,1.0],[%s000.0,%s]],"display_name":"trace.http.request.errors","attributes":{}}],"values":[],"times":[]}`,
			q, r.URL.Query().Get("from"), r.URL.Query().Get("to"), q, r.URL.Query().Get("from"), r.URL.Query().Get("to"),
			r.URL.Query().Get("from"), r.URL.Query().Get("to"), errs)
	}))
	defer srv.Close()
	cfg := fmt.Sprintf(`
  strategy = {
    type          = "canary"
    steps         = [10]
    step_interval = "2m"
  }
  rollback_on = {
    datadog = [{
      name    = "errors"
      url     = %q
      query   = "sum:trace.http.request.errors{service:web,color:{{color}}}.as_count()"
      max     = 5
      api_key = %q
      app_key = %q
    }]
    evaluation_interval = "30s"
    failure_threshold   = 2
  }`, srv.URL, apiKey, appKey)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: switchConfig(a, "blue", cfg), Check: expectWeights(env, a, 100, 0)},
			{
				Config:      switchConfig(a, "green", cfg),
				ExpectError: regexp.MustCompile(`(?s)Shift rolled back.*check datadog:errors failed 2\s+consecutive.*above\s+max\s+5`),
			},
			{
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeTestCheckFunc(
					expectWeights(env, a, 100, 0),
					resource.TestCheckResourceAttr(switchRes, "status", "rolled_back"),
					resource.TestMatchResourceAttr(switchRes, "last_shift.reason", regexp.MustCompile(`color:green`)),
					func(s *terraform.State) error {
						for k, v := range s.RootModule().Resources[switchRes].Primary.Attributes {
							if strings.HasPrefix(k, "last_shift") && strings.Contains(v, "s3cr3t") {
								return fmt.Errorf("%s holds a Datadog key: %s", k, v)
							}
						}
						mu.Lock()
						defer mu.Unlock()
						for _, q := range queries {
							if !strings.Contains(q, "color:green}") {
								return fmt.Errorf("the shift to green queried %q", q)
							}
						}
						if len(queries) < 2 {
							return fmt.Errorf("%d queries", len(queries))
						}
						return nil
					}),
			},
		},
	})
}

// color_values unknown at plan time (another resource's output): the plan is
// not refused for {{version}}, and the apply substitutes the known values —
// the version check of green asks for green's version.
func TestAccColorChecks_colorValuesUnknownAtPlan(t *testing.T) {
	env := newTestSandbox(t)
	a := switchALB(t, env, "sw-color-unk")
	app := &colorApp{versions: map[string]string{"blue": "1.4.0", "green": "1.5.0"}}
	srv := httptest.NewServer(app)
	defer srv.Close()
	cfg := func(color string) string {
		return `
resource "terraform_data" "cv" {
  input = {
    blue  = { version = "1.4.0" }
    green = { version = "1.5.0" }
  }
}
` + switchConfig(a, color, fmt.Sprintf(`
  rollback_on = {
    color_values = terraform_data.cv.output
    http = [{
      name       = "version"
      url        = "%s/{{color}}/version"
      json_path  = "version"
      json_value = "{{version}}"
    }]
    evaluation_interval = "10s"
  }`, srv.URL))
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: cfg("blue")},
			{
				PreConfig: func() { app.release("", "") },
				Config:    cfg("green"),
				Check: resource.ComposeTestCheckFunc(
					expectWeights(env, a, 0, 100),
					resource.TestCheckResourceAttr(switchRes, "status", "stable"),
					func(*terraform.State) error {
						app.mu.Lock()
						defer app.mu.Unlock()
						for _, s := range app.seen {
							if s != "version:green" {
								return fmt.Errorf("request %q during the shift to green", s)
							}
						}
						if len(app.seen) == 0 {
							return fmt.Errorf("the version check never ran")
						}
						return nil
					}),
			},
		},
	})
}

// initial_delay through a switch: an all-at-once flip with a 30s bake and
// evaluations every 10s, whose prometheus check waits 2m after green's first
// traffic. The http check judges at every evaluation; the prometheus check
// is not queried before it is due, and the bake lasts until it has judged
// once (at 2m: twelve evaluations, one query).
func TestAccColorChecks_initialDelay(t *testing.T) {
	env := newTestSandbox(t)
	a := switchALB(t, env, "sw-color-delay")
	app := &colorApp{versions: map[string]string{"blue": "1", "green": "2"}}
	srv := httptest.NewServer(app)
	defer srv.Close()
	cfg := fmt.Sprintf(`
  bake_time = "30s"
  rollback_on = {
    http = [{
      name = "health"
      url  = "%[1]s/{{color}}/health"
    }]
    prometheus = [{
      name          = "errors"
      url           = "%[1]s"
      query         = "sum(rate(http_requests_total{color=\"{{color}}\",tg=\"{{target_group_name}}\",code=~\"5..\"}[2m]))"
      headers       = { X-Scope-OrgID = "team-{{color}}" }
      max           = 0.05
      initial_delay = "2m"
    }]
    evaluation_interval = "10s"
  }`, srv.URL)
	count := func(kind string) int {
		app.mu.Lock()
		defer app.mu.Unlock()
		n := 0
		for _, s := range app.seen {
			if strings.HasPrefix(s, kind+":") {
				n++
			}
		}
		return n
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: switchConfig(a, "blue", cfg)},
			{
				PreConfig: func() { app.release("", "") },
				Config:    switchConfig(a, "green", cfg),
				Check: resource.ComposeTestCheckFunc(
					expectWeights(env, a, 0, 100),
					resource.TestCheckResourceAttr(switchRes, "status", "stable"),
					func(*terraform.State) error {
						if h, p := count("health"), count("prometheus"); h != 12 || p != 1 {
							return fmt.Errorf("health checked %d times, prometheus %d: want 12 and 1 (due at 2m, the bake extended to it)", h, p)
						}
						return nil
					}),
			},
		},
	})
}

// A CloudWatch metric-math check, written once with {{color}} and
// {{target_group}} in its dimensions, rolls a bad green release back: the
// sandbox's CloudWatch holds the app's own per-color metrics, green's error
// rate 5 %, blue's 0 %.
func TestAccColorChecks_cloudwatchMetricMathRollsBack(t *testing.T) {
	env := newTestSandbox(t)
	a := switchALB(t, env, "sw-color-cw")
	ctx := context.Background()
	var data []cwtypes.MetricDatum
	for m := -10; m < 90; m++ {
		at := testClockStart.Add(time.Duration(m) * time.Minute)
		for color, arn := range map[string]string{"blue": a.BlueARN, "green": a.GreenARN} {
			tg, err := awsarn.TargetGroupSuffix(arn)
			if err != nil {
				t.Fatal(err)
			}
			errs := 0.0
			if color == "green" {
				errs = 5
			}
			dims := []cwtypes.Dimension{{Name: aws.String("Color"), Value: aws.String(color)}, {Name: aws.String("TargetGroup"), Value: aws.String(tg)}}
			data = append(data,
				cwtypes.MetricDatum{MetricName: aws.String("Errors"), Dimensions: dims, Timestamp: aws.Time(at), Value: aws.Float64(errs)},
				cwtypes.MetricDatum{MetricName: aws.String("Requests"), Dimensions: dims, Timestamp: aws.Time(at), Value: aws.Float64(100)})
		}
	}
	for len(data) > 0 {
		n := min(len(data), 1000)
		if _, err := env.Clients.CloudWatch.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String("Shop"), MetricData: data[:n]}); err != nil {
			t.Fatal(err)
		}
		data = data[n:]
	}
	cfg := `
  strategy = {
    type          = "canary"
    steps         = [10]
    step_interval = "3m"
  }
  rollback_on = {
    cloudwatch = [{
      name = "error_rate"
      metrics = [{
        id          = "e"
        namespace   = "Shop"
        metric_name = "Errors"
        dimensions  = { Color = "{{color}}", TargetGroup = "{{target_group}}" }
        stat        = "Sum"
        }, {
        id          = "r"
        namespace   = "Shop"
        metric_name = "Requests"
        dimensions  = { Color = "{{color}}", TargetGroup = "{{target_group}}" }
        stat        = "Sum"
      }]
      expression = "100 * e / r"
      max        = 1
    }]
    evaluation_interval = "30s"
    failure_threshold   = 2
  }`
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: switchConfig(a, "blue", cfg), Check: expectWeights(env, a, 100, 0)},
			{
				Config:      switchConfig(a, "green", cfg),
				ExpectError: regexp.MustCompile(`(?s)Shift rolled back.*check cloudwatch:error_rate failed 2\s+consecutive.*=\s+5,\s+above\s+max\s+1`),
			},
			{
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeTestCheckFunc(
					expectWeights(env, a, 100, 0),
					resource.TestCheckResourceAttr(switchRes, "status", "rolled_back")),
			},
		},
	})
}
