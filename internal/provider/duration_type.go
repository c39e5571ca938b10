package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// durationType is the type of every Go duration attribute:
// timetypes.GoDurationType (same stored string, same semantic equality:
// "60s" and "1m" are one value when the provider writes one where state has
// the other), with one difference: an invalid duration is reported naming
// the attribute. Terraform shows no source location for a path inside a
// nested attribute (`strategy = { step_interval = "soon" }` points at the
// resource), and timetypes' own diagnostic names only the value.
type durationType struct {
	timetypes.GoDurationType
}

var (
	_ basetypes.StringTypable                    = durationType{}
	_ basetypes.StringValuableWithSemanticEquals = durationValue{}
	_ xattr.ValidateableAttribute                = durationValue{}
)

func (durationType) String() string { return "provider.durationType" }

func (durationType) ValueType(context.Context) attr.Value { return durationValue{} }

func (t durationType) Equal(o attr.Type) bool {
	_, ok := o.(durationType)
	return ok
}

func (durationType) ValueFromString(_ context.Context, in basetypes.StringValue) (basetypes.StringValuable, diag.Diagnostics) {
	return durationValue{timetypes.GoDuration{StringValue: in}}, nil
}

func (t durationType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	v, err := t.StringType.ValueFromTerraform(ctx, in)
	if err != nil {
		return nil, err
	}
	s, ok := v.(basetypes.StringValue)
	if !ok {
		return nil, fmt.Errorf("unexpected value type %T", v)
	}
	return durationValue{timetypes.GoDuration{StringValue: s}}, nil
}

// durationValue is a value of durationType.
type durationValue struct {
	timetypes.GoDuration
}

func (durationValue) Type(context.Context) attr.Type { return durationType{} }

func (v durationValue) Equal(o attr.Value) bool {
	other, ok := o.(durationValue)
	return ok && v.StringValue.Equal(other.StringValue)
}

// ValidateAttribute reports a string that is not a Go duration, naming the
// attribute; ranges are the attribute's durationValidator's.
func (v durationValue) ValidateAttribute(_ context.Context, req xattr.ValidateAttributeRequest, resp *xattr.ValidateAttributeResponse) {
	if v.IsNull() || v.IsUnknown() {
		return
	}
	if _, err := time.ParseDuration(v.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+lastStep(req.Path.String()),
			fmt.Sprintf("Attribute %s value %q is not valid: expected a Go duration string such as \"30s\", \"5m\" or \"1h30m\" "+
				"(units ns, us, ms, s, m, h).", req.Path, v.ValueString()))
	}
}

// StringSemanticEquals is timetypes.GoDuration's: equal durations are equal.
func (v durationValue) StringSemanticEquals(ctx context.Context, nv basetypes.StringValuable) (bool, diag.Diagnostics) {
	other, ok := nv.(durationValue)
	if !ok {
		var d diag.Diagnostics
		d.AddError("Semantic Equality Check Error", fmt.Sprintf("Expected a duration value, got %T.", nv))
		return false, d
	}
	return v.GoDuration.StringSemanticEquals(ctx, other.GoDuration)
}

// durationString is a known duration value (tests, defaults).
func durationString(s string) durationValue {
	return durationValue{timetypes.GoDuration{StringValue: basetypes.NewStringValue(s)}}
}
