package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// A nested attribute can be unknown as a whole at plan time (`strategy =
// var.strategy` fed by another resource or a module output, or one element
// of `http = [...]` built from one). The models decode nested attributes
// into Go structs (pointers for single objects, slices for lists), which
// cannot hold "unknown". getConfig and getPlan decode such a value as
// absent and report that they did: the caller then decides at apply
// (ValidateConfig skips the checks that need the whole configuration, such
// as "at least one check"; ModifyPlan leaves the computed results unknown).
// Terraform validates and plans again with the known value during the apply,
// so nothing is skipped for good.

// computedObjects are top-level attributes whose model type (types.Object,
// types.List, timeouts.Value) holds unknown values itself.
var computedObjects = map[string]bool{"last_shift": true, "planned_steps": true, "timeouts": true, "last_results": true, "points": true}

// getConfig decodes c into target; partial reports an unknown nested object
// or list of objects decoded as absent.
func getConfig(ctx context.Context, c tfsdk.Config, target any) (partial bool, diags diag.Diagnostics) {
	cvUnknown := colorValuesUnknownIn(c.Raw)
	c.Raw, partial = withoutUnknownObjects(c.Raw)
	diags = c.Get(ctx, target)
	if m, ok := target.(colorValuesMarker); ok && cvUnknown {
		m.markColorValuesUnknown() // check_templates.go: its keys are not known yet
	}
	return partial, diags
}

// getPlan is getConfig for a plan.
func getPlan(ctx context.Context, p tfsdk.Plan, target any) (partial bool, diags diag.Diagnostics) {
	p.Raw, partial = withoutUnknownObjects(p.Raw)
	return partial, p.Get(ctx, target)
}

// planDecidedAtApply leaves every result of a switch's plan unknown: the
// plan cannot know its path while part of the configuration is unknown.
// The apply plans again with the known configuration and checks the path
// against the timeout then.
func planDecidedAtApply(ctx context.Context, resp *resource.ModifyPlanResponse) {
	var m switchModel
	m.setPlanUnknown()
	for name, v := range map[string]any{
		"planned_steps": m.PlannedSteps, "worst_case_duration": m.WorstCaseDuration, "blue_weight": m.BlueWeight,
		"green_weight": m.GreenWeight, "status": m.Status, "last_shift": m.LastShift,
	} {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root(name), v)...)
	}
}

// withoutUnknownObjects returns v with every unknown object, and every list
// or set of objects that is unknown or has an unknown element, made null,
// below the top-level attributes a user configures.
func withoutUnknownObjects(v tftypes.Value) (tftypes.Value, bool) {
	if v.IsNull() || !v.IsKnown() || !v.Type().Is(tftypes.Object{}) {
		return v, false
	}
	attrs, ok := attributesOf(v)
	if !ok {
		return v, false
	}
	changed := false
	for name, a := range attrs {
		if computedObjects[name] {
			continue
		}
		if nv, c := nullUnknownObjects(a); c {
			attrs[name], changed = nv, true
		}
	}
	if !changed {
		return v, false
	}
	return tftypes.NewValue(v.Type(), attrs), true
}

func isObject(t tftypes.Type) bool { return t.Is(tftypes.Object{}) }

func nullUnknownObjects(v tftypes.Value) (tftypes.Value, bool) {
	t := v.Type()
	var elem tftypes.Type
	switch tt := t.(type) {
	case tftypes.List:
		elem = tt.ElementType
	case tftypes.Set:
		elem = tt.ElementType
	}
	switch {
	case isObject(t):
		if !v.IsKnown() {
			return tftypes.NewValue(t, nil), true
		}
		if v.IsNull() {
			return v, false
		}
		attrs, ok := attributesOf(v)
		if !ok {
			return v, false
		}
		changed := false
		for name, a := range attrs {
			if nv, c := nullUnknownObjects(a); c {
				attrs[name], changed = nv, true
			}
		}
		if !changed {
			return v, false
		}
		return tftypes.NewValue(t, attrs), true
	case elem != nil && isObject(elem):
		if !v.IsKnown() {
			return tftypes.NewValue(t, nil), true
		}
		if v.IsNull() {
			return v, false
		}
		var shared []tftypes.Value
		if err := v.As(&shared); err != nil {
			return v, false
		}
		elems := append([]tftypes.Value(nil), shared...) // As shares the value's own slice
		changed := false
		for i, e := range elems {
			if !e.IsKnown() {
				return tftypes.NewValue(t, nil), true // a list missing one element would mean another list
			}
			if nv, c := nullUnknownObjects(e); c {
				elems[i], changed = nv, true
			}
		}
		if !changed {
			return v, false
		}
		return tftypes.NewValue(t, elems), true
	}
	return v, false
}

// attributesOf returns a copy of an object value's attributes (As shares
// the value's own map, which the request and the response both hold).
func attributesOf(v tftypes.Value) (map[string]tftypes.Value, bool) {
	var shared map[string]tftypes.Value
	if err := v.As(&shared); err != nil {
		return nil, false
	}
	out := make(map[string]tftypes.Value, len(shared))
	for k, a := range shared {
		out[k] = a
	}
	return out, true
}
