package provider

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsarn"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/alb"
)

// Plain unit tests of the switch's pure helpers: they run in `go test ./...`
// without TF_ACC, a CLI or a sandbox.

// TestStrategyErrorPath: each engine validation error lands on the attribute
// the user wrote, so the CLI points at the right line.
func TestStrategyErrorPath(t *testing.T) {
	strategy := path.Root("strategy")
	for _, tc := range []struct {
		err  error
		want path.Path
	}{
		{&rollout.ValidationError{Field: "Steps", Index: 1, Message: "not ascending"}, strategy.AtName("steps").AtListIndex(1)},
		{&rollout.ValidationError{Field: "Steps", Index: -1, Message: "empty"}, strategy.AtName("steps")},
		{&rollout.ValidationError{Field: "StepPercent", Index: -1}, strategy.AtName("step_percent")},
		{&rollout.ValidationError{Field: "StepInterval", Index: -1}, strategy.AtName("step_interval")},
		{&rollout.ValidationError{Field: "Bake", Index: -1}, path.Root("bake_time")},
		{&rollout.ValidationError{Field: "Type", Index: -1}, strategy.AtName("type")},
		{errors.New("not a validation error"), strategy},
	} {
		if got := strategyErrorPath(tc.err); !got.Equal(tc.want) {
			t.Errorf("strategyErrorPath(%v) = %s, want %s", tc.err, got, tc.want)
		}
	}
}

// TestStrategyErrorsReportedOnce: the fields with their own attribute
// validators are not reported again by the engine's validation; canary steps
// (checked by the engine alone) and other errors are.
func TestStrategyErrorsReportedOnce(t *testing.T) {
	for field, want := range map[string]bool{"Type": true, "StepPercent": true, "StepInterval": true, "Bake": true, "Steps": false} {
		if got := reportedBySchema(&rollout.ValidationError{Field: field, Index: -1}); got != want {
			t.Errorf("reportedBySchema(%s) = %v, want %v", field, got, want)
		}
	}
	if reportedBySchema(errors.New("other")) {
		t.Error("a plain error counted as reported by the schema")
	}
	// The real validation errors go through the same path: steps out of
	// order are the engine's to report.
	_, err := rollout.PlanShift(rollout.Strategy{Type: rollout.StrategyCanary, Steps: []int{50, 10}, StepInterval: time.Minute},
		traffic.Blue, traffic.Green, 0)
	if err == nil || reportedBySchema(err) || !strategyErrorPath(err).Equal(path.Root("strategy").AtName("steps").AtListIndex(1)) {
		t.Fatalf("canary [50, 10]: err %v, path %s", err, strategyErrorPath(err))
	}
}

// TestExpandStrategy: no strategy block is an all-at-once flip; a block's
// unknown or null parts fall back the way the plan expects.
func TestExpandStrategy(t *testing.T) {
	ctx := context.Background()
	var diags diag.Diagnostics
	if got := expandStrategy(ctx, nil, &diags); got.Type != rollout.StrategyAllAtOnce || got.StepInterval != time.Minute || len(got.Steps) != 0 {
		t.Fatalf("no block: %+v", got)
	}
	steps, d := types.ListValueFrom(ctx, types.Int64Type, []int64{10, 50})
	diags.Append(d...)
	got := expandStrategy(ctx, &strategyModel{Type: types.StringValue("canary"), Steps: steps, StepPercent: types.Int64Null(),
		StepInterval: durationString("90s")}, &diags)
	if got.Type != "canary" || len(got.Steps) != 2 || got.Steps[0] != 10 || got.Steps[1] != 50 || got.StepInterval != 90*time.Second {
		t.Fatalf("canary block: %+v", got)
	}
	got = expandStrategy(ctx, &strategyModel{Type: types.StringValue("linear"), Steps: types.ListNull(types.Int64Type),
		StepPercent: types.Int64Value(25), StepInterval: durationValue{timetypes.GoDuration{StringValue: types.StringNull()}}}, &diags)
	if got.Type != "linear" || got.StepPercent != 25 || got.StepInterval != time.Minute || got.Steps != nil {
		t.Fatalf("linear block: %+v", got)
	}
	got = expandStrategy(ctx, &strategyModel{Type: types.StringNull(), Steps: types.ListUnknown(types.Int64Type),
		StepPercent: types.Int64Null(), StepInterval: durationValue{timetypes.GoDuration{StringValue: types.StringUnknown()}}}, &diags)
	if got.Type != rollout.StrategyAllAtOnce || got.Steps != nil || got.StepInterval != 0 {
		t.Fatalf("unknown parts: %+v (an unknown interval must not pass for the 1m default)", got)
	}
	if diags.HasError() {
		t.Fatal(diags)
	}
}

// TestAdoptable: which forwards a switch can take over, and why not.
func TestAdoptable(t *testing.T) {
	const blue, green, other = "arn:blue", "arn:green", "arn:other"
	for _, tc := range []struct {
		name string
		ts   []alb.ForwardTarget
		want traffic.Weights
		why  string
	}{
		{"one group is all its traffic, whatever its weight", []alb.ForwardTarget{{TargetGroupARN: blue, Weight: 1}}, traffic.Weights{Blue: 100}, ""},
		{"weighted pair", []alb.ForwardTarget{{TargetGroupARN: blue, Weight: 30}, {TargetGroupARN: green, Weight: 70}}, traffic.Weights{Blue: 30, Green: 70}, ""},
		{"green alone", []alb.ForwardTarget{{TargetGroupARN: green, Weight: 0}}, traffic.Weights{Green: 100}, ""},
		{"a third group", []alb.ForwardTarget{{TargetGroupARN: blue, Weight: 50}, {TargetGroupARN: other, Weight: 50}}, traffic.Weights{}, "neither blue nor green"},
		{"no forward", nil, traffic.Weights{}, "no forward"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, why := adoptable(tc.ts, blue, green)
			if tc.why != "" {
				if !strings.Contains(why, tc.why) {
					t.Fatalf("why = %q, want it to say %q", why, tc.why)
				}
				return
			}
			if why != "" || got != tc.want {
				t.Fatalf("adoptable = %s %q, want %s", got, why, tc.want)
			}
		})
	}
}

// TestReportOutcome_couldNotStart: a pre-flight failure that is neither a
// refusal nor an interruption (an API error reading the weights, say) says
// the shift could not start and that nothing changed.
func TestReportOutcome_couldNotStart(t *testing.T) {
	o := rollout.Outcome{From: traffic.Blue, To: traffic.Green, Result: rollout.ResultPreflightFailed, Cause: rollout.CauseAPIError, Reason: "throttled"}
	rep := reportOutcome(o, traffic.Weights{Blue: 100}, switchNouns{Point: "listener", Weights: "listener weights"})
	if rep.Summary != "Shift could not start" || rep.Status != statusStable || rep.Active != traffic.Blue {
		t.Fatalf("got %+v", rep)
	}
	for _, want := range []string{"blue→green", "throttled", "No listener weights were changed"} {
		if !strings.Contains(rep.Detail, want) {
			t.Errorf("detail %q does not say %q", rep.Detail, want)
		}
	}
}

// TestColorsByName: import tells the colors by the names the pair gives its
// groups, and refuses when that is ambiguous.
func TestColorsByName(t *testing.T) {
	tg := func(name string) string {
		return "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/" + name + "/0123456789abcdef"
	}
	if b, g, ok := colorsByName([]string{tg("web-green"), tg("web-blue")}); !ok || b != tg("web-blue") || g != tg("web-green") {
		t.Fatalf("web-blue/web-green: %s %s %v", b, g, ok)
	}
	for name, groups := range map[string][]string{
		"no green":       {tg("web-blue"), tg("web-canary")},
		"two blues":      {tg("web-blue"), tg("api-blue"), tg("web-green")},
		"no forward":     nil,
		"names not ours": {tg("web-a"), tg("web-b")},
	} {
		if b, g, ok := colorsByName(groups); ok {
			t.Errorf("%s: told blue %s and green %s", name, b, g)
		}
	}
}

// TestListenerSwitchImportID: the import ID's shapes, without AWS: a
// listener or rule ARN with both target groups named is taken as written;
// anything else is refused with a diagnostic.
func TestListenerSwitchImportID(t *testing.T) {
	ctx := context.Background()
	r := &listenerSwitchResource{}
	sr := &resource.SchemaResponse{}
	r.Schema(ctx, resource.SchemaRequest{}, sr)
	const arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:"
	listener := arn + "listener/app/web/0123456789abcdef/0123456789abcdef"
	rule := arn + "listener-rule/app/web/0123456789abcdef/0123456789abcdef/0123456789abcdef"
	blue, green := arn+"targetgroup/b/0123456789abcdef", arn+"targetgroup/g/0123456789abcdef"
	imp := func(id string) (*resource.ImportStateResponse, map[string]string) {
		resp := &resource.ImportStateResponse{State: tfsdk.State{Schema: sr.Schema, Raw: tftypes.NewValue(sr.Schema.Type().TerraformType(ctx), nil)}}
		r.ImportState(ctx, resource.ImportStateRequest{ID: id}, resp)
		got := map[string]string{}
		for _, a := range []string{"id", "listener_arn", "rule_arn", "blue_target_group_arn", "green_target_group_arn"} {
			var v types.String
			resp.Diagnostics.Append(resp.State.GetAttribute(ctx, path.Root(a), &v)...)
			got[a] = v.ValueString()
		}
		return resp, got
	}

	resp, got := imp(listener + ", " + blue + "," + green)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	if got["id"] != listener || got["listener_arn"] != listener || got["rule_arn"] != "" || got["blue_target_group_arn"] != blue || got["green_target_group_arn"] != green {
		t.Fatalf("listener import: %v", got)
	}
	resp, got = imp(rule + "," + blue + "," + green)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	var rl *ruleModel
	resp.Diagnostics.Append(resp.State.GetAttribute(ctx, path.Root("rule"), &rl)...)
	if got["rule_arn"] != rule || rl == nil || rl.ListenerARN.ValueString() != awsarn.ListenerOfRule(rule) {
		t.Fatalf("rule import: %v, rule %+v", got, rl)
	}

	for id, want := range map[string]string{
		listener + "," + blue:                      "optionally followed by the blue and the green target group ARN",
		arn + "targetgroup/b/0123456789abcdef":     "by its ALB or NLB listener ARN",
		"web":                                      "by its ALB or NLB listener ARN",
		listener + "," + blue + "," + listener:     `target group "` + listener,
		listener + "," + blue + "," + green + ",x": "optionally followed",
	} {
		resp, _ := imp(id)
		if !resp.Diagnostics.HasError() {
			t.Errorf("import %q accepted", id)
			continue
		}
		if d := resp.Diagnostics.Errors()[0]; d.Summary() != "Invalid import ID" || !strings.Contains(d.Detail(), want) {
			t.Errorf("import %q: %s: %s; want Invalid import ID saying %q", id, d.Summary(), d.Detail(), want)
		}
	}
}
