package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// State written before schema version 1 (provider 0.x up to the move to
// nested attributes) differs from today's in one way: the http and
// prometheus checks were single objects (blocks), they are lists of named
// checks now. Blocks becoming nested attributes and strings becoming typed
// durations do not change what state stores. Every resource with checks
// (the switches' rollback_on, the gate's own checks) upgrades its state by
// reshaping the stored value to today's type: a check object becomes a list
// of that one check with no name, and absent attributes become null.

// checksSchemaVersion is the schema version of every resource with checks.
const checksSchemaVersion = 1

// checksStateUpgraders are the state upgraders of resource r, whose checks
// sit in the nested attribute checksAt ("rollback_on"), or at the top level
// when checksAt is "" (the gate).
func checksStateUpgraders(ctx context.Context, r resource.Resource, checksAt string) map[int64]resource.StateUpgrader {
	var sr resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sr)
	current := sr.Schema
	prior := priorChecksSchemaV0(current, checksAt)
	return map[int64]resource.StateUpgrader{
		0: {
			PriorSchema: &prior,
			StateUpgrader: func(ctx context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
				if req.State == nil {
					resp.Diagnostics.AddError("Cannot upgrade state", "The prior state could not be read with the schema of version 0.")
					return
				}
				v, err := reshapeValue(req.State.Raw, current.Type().TerraformType(ctx), tftypes.NewAttributePath())
				if err != nil {
					resp.Diagnostics.AddError("Cannot upgrade state", fmt.Sprintf("State of schema version 0 does not reshape to version %d: %s. "+
						"Remove the resource from state (terraform state rm) and import it again.", checksSchemaVersion, err))
					return
				}
				resp.State.Raw = v
			},
		},
	}
}

// priorChecksSchemaV0 is the schema of version 0 as far as state is
// concerned: today's, with http and prometheus single objects without
// name. (Block or attribute makes no difference to the stored value.)
func priorChecksSchemaV0(current schema.Schema, checksAt string) schema.Schema {
	prior := current
	prior.Version = 0
	prior.Attributes = copyAttrs(current.Attributes)
	// Attributes added since version 0 (reshapeValue gives them null).
	delete(prior.Attributes, "traffic_percent")
	delete(prior.Attributes, "notifications")
	delete(prior.Attributes, "also")    // bluegreen_listener_switch (listener_switch_lockstep.go)
	delete(prior.Attributes, "points")  // bluegreen_listener_switch
	delete(prior.Attributes, "preview") // bluegreen_listener_switch
	delete(prior.Attributes, "preview_rule_arn")
	delete(prior.Attributes, "preview_color")
	checks := prior.Attributes
	if checksAt != "" {
		container, ok := checks[checksAt].(schema.SingleNestedAttribute)
		if !ok {
			return prior
		}
		container.Attributes = copyAttrs(container.Attributes)
		delete(container.Attributes, "color_values") // added since version 0
		checks = container.Attributes
		prior.Attributes[checksAt] = container
	}
	if m, ok := checks["metrics"].(schema.SingleNestedAttribute); ok {
		m.Attributes = copyAttrs(m.Attributes)
		delete(m.Attributes, "count_elb_5xx") // added since version 0
		checks["metrics"] = m
	}
	delete(checks, "datadog")    // added since version 0
	delete(checks, "cloudwatch") // added since version 0
	for _, kind := range []string{"http", "prometheus"} {
		l, ok := checks[kind].(schema.ListNestedAttribute)
		if !ok {
			continue
		}
		attrs := copyAttrs(l.NestedObject.Attributes)
		delete(attrs, "name")
		delete(attrs, "initial_delay") // added since version 0
		checks[kind] = schema.SingleNestedAttribute{Optional: true, Attributes: attrs}
	}
	return prior
}

func copyAttrs(in map[string]schema.Attribute) map[string]schema.Attribute {
	out := make(map[string]schema.Attribute, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

// reshapeValue converts v to type want: objects attribute by attribute
// (attributes v lacks are null, attributes want lacks are dropped), an object
// where want has a list of objects to a list of that one object (null stays
// null), and anything else unchanged when the types agree.
func reshapeValue(v tftypes.Value, want tftypes.Type, at *tftypes.AttributePath) (tftypes.Value, error) {
	have := v.Type()
	if have.Equal(want) {
		return v, nil
	}
	if !v.IsKnown() {
		return tftypes.NewValue(want, tftypes.UnknownValue), nil
	}
	if v.IsNull() {
		return tftypes.NewValue(want, nil), nil
	}
	switch w := want.(type) {
	case tftypes.Object:
		if !have.Is(tftypes.Object{}) {
			return tftypes.Value{}, fmt.Errorf("%s: %s where an object is expected", at, have)
		}
		var old map[string]tftypes.Value
		if err := v.As(&old); err != nil {
			return tftypes.Value{}, fmt.Errorf("%s: %w", at, err)
		}
		attrs := make(map[string]tftypes.Value, len(w.AttributeTypes))
		for name, t := range w.AttributeTypes {
			ov, ok := old[name]
			if !ok {
				attrs[name] = tftypes.NewValue(t, nil)
				continue
			}
			nv, err := reshapeValue(ov, t, at.WithAttributeName(name))
			if err != nil {
				return tftypes.Value{}, err
			}
			attrs[name] = nv
		}
		return tftypes.NewValue(w, attrs), nil
	case tftypes.List:
		if have.Is(tftypes.Object{}) && w.ElementType.Is(tftypes.Object{}) {
			e, err := reshapeValue(v, w.ElementType, at.WithElementKeyInt(0))
			if err != nil {
				return tftypes.Value{}, err
			}
			return tftypes.NewValue(w, []tftypes.Value{e}), nil
		}
		if have.Is(tftypes.List{}) {
			var old []tftypes.Value
			if err := v.As(&old); err != nil {
				return tftypes.Value{}, fmt.Errorf("%s: %w", at, err)
			}
			elems := make([]tftypes.Value, len(old))
			for i, e := range old {
				nv, err := reshapeValue(e, w.ElementType, at.WithElementKeyInt(i))
				if err != nil {
					return tftypes.Value{}, err
				}
				elems[i] = nv
			}
			return tftypes.NewValue(w, elems), nil
		}
	}
	return tftypes.Value{}, fmt.Errorf("%s: cannot convert %s to %s", at, have, want)
}
