package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsclient"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/alarms"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

func strMap(kv map[string]string) types.Map {
	elems := map[string]attr.Value{}
	for k, v := range kv {
		elems[k] = types.StringValue(v)
	}
	return types.MapValueMust(types.StringType, elems)
}

func TestPlaceholderNames(t *testing.T) {
	tests := []struct {
		in    string
		names []string
		stray bool
	}{
		{"http://web-{{color}}.internal/health", []string{"color"}, false},
		{`up{job="web",color="{{ color }}"}`, []string{"color"}, false},
		{"{{color}}-{{other_color}}", []string{"color", "other_color"}, false},
		{"no placeholders {job} here", nil, false},
		{"web-{{color}-5xx", nil, true},
		{"web-color}}-5xx", nil, true},
	}
	for _, tt := range tests {
		names, stray := placeholderNames(tt.in)
		if !slices.Equal(names, tt.names) || stray != tt.stray {
			t.Errorf("placeholderNames(%q) = %v, %v; want %v, %v", tt.in, names, stray, tt.names, tt.stray)
		}
	}
}

func TestColorValuesExpand(t *testing.T) {
	v := valuesFor(traffic.Green, albValues("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-green/0123456789abcdef",
		"arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2"),
		map[string]string{"version": "2.4.0"})
	got, err := v.expand("{{color}}/{{other_color}}/{{ target_group_name }}/{{target_group}}/{{load_balancer}}/{{version}}", nil)
	if err != nil || got != "green/blue/web-green/targetgroup/web-green/0123456789abcdef/app/web/50dc6c495c0c9188/2.4.0" {
		t.Fatalf("expand = %q, %v", got, err)
	}
	if got, _ := v.expand(`"version":"{{version}}"`, func(s string) string { return strings.ReplaceAll(s, ".", `\.`) }); got != `"version":"2\.4\.0"` {
		t.Fatalf("quoted expand = %q", got)
	}
	if _, err := v.expand("{{colour}}", nil); err == nil || !strings.Contains(err.Error(), "{{colour}}") || !strings.Contains(err.Error(), "{{color}}") {
		t.Fatalf("unknown placeholder error %v: want it named with the known ones", err)
	}
	// A value is inserted verbatim, never expanded again.
	v2 := valuesFor(traffic.Blue, nil, map[string]string{"host": "{{color}}"})
	if got, _ := v2.expand("{{host}}", nil); got != "{{color}}" {
		t.Fatalf("values are expanded recursively: %q", got)
	}
}

// TestValidatePlaceholders: unknown placeholders, stray braces, color_values
// with different keys per color, and placeholders in a gate are plan-time
// errors naming the attribute; known ones pass.
func TestValidatePlaceholders(t *testing.T) {
	ctx := context.Background()
	at := path.Root("rollback_on")
	cv := &colorValuesModel{Blue: strMap(map[string]string{"version": "1"}), Green: strMap(map[string]string{"version": "2"})}
	good := &checksModel{
		HTTP: []httpCheckModel{{URL: types.StringValue("http://web-{{color}}:8080/v"), JSONValue: types.StringValue("{{version}}"),
			Headers: strMap(map[string]string{"X-Other": "{{other_color}}"})}},
		Prometheus: []prometheusCheckModel{{URL: types.StringValue("http://prom:9090"), Query: types.StringValue(`x{tg="{{target_group}}"}`)}},
		AlarmNames: types.ListValueMust(types.StringType, []attr.Value{types.StringValue("web-{{color}}-5xx")}),
	}
	var diags diag.Diagnostics
	validatePlaceholders(ctx, good, cv, true, at, albPlaceholders, true, &diags)
	if diags.HasError() {
		t.Fatalf("valid placeholders refused: %v", diags)
	}
	// The ALB's own placeholders are unknown to another router.
	diags = nil
	validatePlaceholders(ctx, good, cv, true, at, nil, true, &diags)
	if diags.ErrorsCount() != 1 || !strings.Contains(diags[0].Detail(), "{{target_group}}") {
		t.Fatalf("router placeholder elsewhere: %v", diags)
	}
	if p := diags[0].(diag.DiagnosticWithPath).Path(); !p.Equal(at.AtName("prometheus").AtListIndex(0).AtName("query")) {
		t.Fatalf("diagnostic at %s", p)
	}

	tests := []struct {
		name   string
		c      *checksModel
		cv     *colorValuesModel
		gate   bool
		at     path.Path
		detail string
	}{
		{"unknown name", &checksModel{HTTP: []httpCheckModel{{URL: types.StringValue("http://web-{{colour}}/")}}}, nil, false,
			at.AtName("http").AtListIndex(0).AtName("url"), "{{colour}}"},
		{"user key not in color_values", &checksModel{HTTP: []httpCheckModel{{JSONValue: types.StringValue("{{build}}")}}}, cv, false,
			at.AtName("http").AtListIndex(0).AtName("json_value"), "{{version}}"},
		{"stray braces", &checksModel{AlarmNames: types.ListValueMust(types.StringType, []attr.Value{types.StringValue("web-{{color}-5xx")})}, nil, false,
			at.AtName("alarm_names").AtListIndex(0), "not a placeholder"},
		{"header value", &checksModel{Prometheus: []prometheusCheckModel{{Headers: strMap(map[string]string{"X-Scope-OrgID": "{{tenant}}"})}}}, nil, false,
			at.AtName("prometheus").AtListIndex(0).AtName("headers"), "X-Scope-OrgID"},
		{"key for one color only", &checksModel{}, &colorValuesModel{Blue: strMap(map[string]string{"version": "1", "host": "b"}),
			Green: strMap(map[string]string{"version": "2"})}, false, at.AtName("color_values").AtName("green"), "host"},
		{"placeholder in a gate", &checksModel{HTTP: []httpCheckModel{{URL: types.StringValue("http://web-{{color}}/")}}}, nil, true,
			path.Root("http").AtListIndex(0).AtName("url"), "health gate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var diags diag.Diagnostics
			base := at
			if tt.gate {
				base = path.Empty()
			}
			validatePlaceholders(ctx, tt.c, tt.cv, true, base, albPlaceholders, !tt.gate, &diags)
			if diags.ErrorsCount() != 1 {
				t.Fatalf("want one error, got %v", diags)
			}
			d := diags[0]
			if p := d.(diag.DiagnosticWithPath).Path(); !p.Equal(tt.at) {
				t.Fatalf("error at %s, want %s: %s", p, tt.at, d.Detail())
			}
			if !strings.Contains(d.Detail(), tt.detail) {
				t.Fatalf("detail %q does not mention %q", d.Detail(), tt.detail)
			}
		})
	}
}

// TestExpandRollbackOn_substitutesForEachColor: the checks built for each
// receiving color request that color's URL, header, query and expected
// value, and watch that color's alarm — and one configuration builds both.
func TestExpandRollbackOn_substitutesForEachColor(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.Path+" "+r.Header.Get("X-Color")+" "+r.URL.Query().Get("query"))
		mu.Unlock()
		switch {
		case strings.HasSuffix(r.URL.Path, "/api/v1/query"):
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"0.01"]}]}}`)
		default: // /blue/version or /green/version: the color's own version
			v := map[string]string{"/blue/version": "1.0.0", "/green/version": "2.0.0"}[r.URL.Path]
			_ = json.NewEncoder(w).Encode(map[string]string{"version": v})
		}
	}))
	defer srv.Close()
	max := 0.05
	ro := &rollbackOnModel{
		checksModel: checksModel{
			HTTP: []httpCheckModel{{Name: types.StringValue("version"), URL: types.StringValue(srv.URL + "/{{color}}/version"),
				Headers: strMap(map[string]string{"X-Color": "{{color}}"}), JSONPath: types.StringValue("version"),
				JSONValue: types.StringValue("{{version}}")}},
			Prometheus: []prometheusCheckModel{{URL: types.StringValue(srv.URL), Query: types.StringValue(`errors{color="{{color}}",tg="{{target_group_name}}"}`),
				Max: types.Float64Value(max)}},
			AlarmNames: types.ListValueMust(types.StringType, []attr.Value{types.StringValue("web-{{color}}-5xx")}),
		},
		ColorValues: &colorValuesModel{Blue: strMap(map[string]string{"version": "1.0.0"}), Green: strMap(map[string]string{"version": "2.0.0"})},
	}
	arn := func(c traffic.Color) string {
		return "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-" + string(c) + "/0123456789abcdef"
	}
	targets := func(c traffic.Color) checkTarget { return checkTarget{Color: c, Values: albValues(arn(c), "")} }
	var diags diag.Diagnostics
	d := &providerData{Clients: &awsclient.Clients{}}
	set := expandRollbackOn(ctx, d, ro, targets, time.Now, path.Root("rollback_on"), &diags)
	if diags.HasError() {
		t.Fatal(diags)
	}
	for _, color := range []traffic.Color{traffic.Blue, traffic.Green} {
		cs := set.forReceiving(color)
		if len(cs) != 3 {
			t.Fatalf("%s: %d checks", color, len(cs))
		}
		if a, ok := cs[0].(*alarms.Check); !ok || !slices.Equal(a.Names, []string{"web-" + string(color) + "-5xx"}) {
			t.Fatalf("%s: alarm check %#v", color, cs[0])
		}
		mu.Lock()
		seen = nil
		mu.Unlock()
		results := rollout.Evaluate(ctx, nil, 5*time.Second, cs[1:])
		for _, r := range results {
			if r.Verdict != checks.Pass {
				t.Fatalf("%s: %s", color, r)
			}
		}
		mu.Lock()
		got := slices.Clone(seen)
		mu.Unlock()
		slices.Sort(got)
		want := []string{
			"/" + string(color) + "/version " + string(color) + " ",
			`/api/v1/query  errors{color="` + string(color) + `",tg="web-` + string(color) + `"}`,
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("%s: requests %q, want %q", color, got, want)
		}
	}
	// A value that makes a check invalid for one color is an apply error
	// naming the attribute and the color, before anything runs.
	ro.ColorValues.Green = strMap(map[string]string{"version": "2.0.0"})
	ro.HTTP[0].URL = types.StringValue("http://{{version}}:bad/")
	diags = nil
	expandRollbackOn(ctx, d, ro, targets, time.Now, path.Root("rollback_on"), &diags)
	if !diags.HasError() || !strings.Contains(diags[0].Detail(), "(for blue)") {
		t.Fatalf("invalid substituted URL: %v", diags)
	}
}

// TestWorstCase_initialDelay: the final hold lasts until the longest initial
// delay has passed since the first step (the holds before it count), and
// worst_case_duration says so.
func TestWorstCase_initialDelay(t *testing.T) {
	b := evaluationBudget{Checks: true, Interval: time.Minute, Timeout: time.Second, PerCheck: time.Second, Preflight: 30 * time.Second}
	flip := []rollout.Step{{Index: 1, Percent: 100, Final: true, Hold: time.Minute}}
	base := worstCase(flip, b)
	b.InitialDelay = 5 * time.Minute
	// Hold 1m → 5m: 4 more minutes (evaluations run within the hold).
	if got := worstCase(flip, b); got != base+4*time.Minute {
		t.Fatalf("flip with a 5m initial delay: %s, want %s", got, base+4*time.Minute)
	}
	canary := []rollout.Step{{Index: 1, Percent: 10, Hold: 3 * time.Minute}, {Index: 2, Percent: 100, Final: true, Hold: time.Minute}}
	b.InitialDelay = 0
	base = worstCase(canary, b)
	b.InitialDelay = 3 * time.Minute // already spent in step 1's hold
	if got := worstCase(canary, b); got != base {
		t.Fatalf("canary whose first hold covers the delay: %s, want %s", got, base)
	}
}
