package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// An unknown nested object, or a list of objects with an unknown element,
// decodes as absent and is reported; the value it came from (shared by the
// framework's request and response) is left as it was; computed objects and
// unknown primitives are kept.
func TestWithoutUnknownObjects(t *testing.T) {
	check := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"url": tftypes.String}}
	strategy := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"type": tftypes.String}}
	ro := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"http": tftypes.List{ElementType: check}}}
	last := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"from": tftypes.String}}
	root := tftypes.Object{AttributeTypes: map[string]tftypes.Type{
		"strategy": strategy, "rollback_on": ro, "last_shift": last, "bake_time": tftypes.String,
	}}
	mk := func(strategyValue, http tftypes.Value) tftypes.Value {
		return tftypes.NewValue(root, map[string]tftypes.Value{
			"strategy":    strategyValue,
			"rollback_on": tftypes.NewValue(ro, map[string]tftypes.Value{"http": http}),
			"last_shift":  tftypes.NewValue(last, tftypes.UnknownValue),
			"bake_time":   tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
		})
	}
	knownStrategy := tftypes.NewValue(strategy, map[string]tftypes.Value{"type": tftypes.NewValue(tftypes.String, tftypes.UnknownValue)})
	knownList := tftypes.NewValue(tftypes.List{ElementType: check}, []tftypes.Value{
		tftypes.NewValue(check, map[string]tftypes.Value{"url": tftypes.NewValue(tftypes.String, tftypes.UnknownValue)})})
	unknownElem := tftypes.NewValue(tftypes.List{ElementType: check}, []tftypes.Value{tftypes.NewValue(check, tftypes.UnknownValue)})

	for _, tc := range []struct {
		name    string
		in      tftypes.Value
		partial bool
		want    tftypes.Value
	}{
		{"attributes unknown, objects known", mk(knownStrategy, knownList), false, mk(knownStrategy, knownList)},
		{"whole object unknown", mk(tftypes.NewValue(strategy, tftypes.UnknownValue), knownList), true,
			mk(tftypes.NewValue(strategy, nil), knownList)},
		{"list element unknown", mk(knownStrategy, unknownElem), true, mk(knownStrategy, tftypes.NewValue(tftypes.List{ElementType: check}, nil))},
		{"whole list unknown", mk(knownStrategy, tftypes.NewValue(tftypes.List{ElementType: check}, tftypes.UnknownValue)), true,
			mk(knownStrategy, tftypes.NewValue(tftypes.List{ElementType: check}, nil))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.in.String()
			got, partial := withoutUnknownObjects(tc.in)
			if partial != tc.partial {
				t.Errorf("partial = %v, want %v", partial, tc.partial)
			}
			if !got.Equal(tc.want) {
				t.Errorf("got %s\nwant %s", got, tc.want)
			}
			if tc.in.String() != before {
				t.Errorf("the input was modified:\n%s\nnow\n%s", before, tc.in)
			}
		})
	}
}
