package provider

import (
	"fmt"
	"regexp"
	"sort"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// awsTagPattern is the pattern AWS documents for ELBv2 tag keys and values
// (Tag data type: "^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$").
var awsTagPattern = regexp.MustCompile(`^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`)

// AWS's limits for a tag (ELBv2 Tag data type).
const (
	maxTagKeyLen   = 128
	maxTagValueLen = 256
)

// validateAWSTags reports, per key, what AWS would reject in a tag map:
// null values (which would otherwise fail at apply with a value conversion
// error), keys of 1–128 and values of at most 256 characters, both matching
// AWS's tag pattern. Unknown values are skipped. Keys are reported in order.
func validateAWSTags(at path.Path, m types.Map, diags *diag.Diagnostics) {
	if m.IsNull() || m.IsUnknown() {
		return
	}
	elems := m.Elements()
	keys := make([]string, 0, len(elems))
	for k := range elems {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := at.AtMapKey(k)
		if n := utf8.RuneCountInString(k); n < 1 || n > maxTagKeyLen {
			diags.AddAttributeError(p, "Invalid tag key",
				fmt.Sprintf("Tag key %q is %d characters long; AWS requires 1–%d.", k, n, maxTagKeyLen))
		}
		if !awsTagPattern.MatchString(k) {
			diags.AddAttributeError(p, "Invalid tag key",
				fmt.Sprintf("Tag key %q has characters AWS does not accept in tags: only letters, digits, spaces and _ . : / = + - @ are allowed (pattern %s).", k, awsTagPattern))
		}
		v, ok := elems[k].(types.String)
		if !ok || v.IsUnknown() {
			continue
		}
		if v.IsNull() {
			diags.AddAttributeError(p, "Tag value is null",
				fmt.Sprintf("The value of tag %q is null. AWS tags need a string value: use \"\" for an empty value, or remove the key.", k))
			continue
		}
		s := v.ValueString()
		if n := utf8.RuneCountInString(s); n > maxTagValueLen {
			diags.AddAttributeError(p, "Invalid tag value",
				fmt.Sprintf("The value of tag %q is %d characters long; AWS allows at most %d.", k, n, maxTagValueLen))
		}
		if !awsTagPattern.MatchString(s) {
			diags.AddAttributeError(p, "Invalid tag value",
				fmt.Sprintf("The value of tag %q has characters AWS does not accept in tags: only letters, digits, spaces and _ . : / = + - @ are allowed (pattern %s).", k, awsTagPattern))
		}
	}
}

// validateNoNullValues reports every null value of a map attribute, naming
// its key, instead of the "Value Conversion Error" the provider would hit at
// apply.
func validateNoNullValues(at path.Path, m types.Map, what string, diags *diag.Diagnostics) {
	if m.IsNull() || m.IsUnknown() {
		return
	}
	keys := make([]string, 0, len(m.Elements()))
	for k := range m.Elements() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if v := m.Elements()[k]; v != nil && v.IsNull() {
			diags.AddAttributeError(at.AtMapKey(k), fmt.Sprintf("%s value is null", what),
				fmt.Sprintf("The value of %s %q is null: give it a string value, or remove the key.", what, k))
		}
	}
}
