package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// Terraform (1.8) and OpenTofu (1.12) show no source location for a
// diagnostic whose path goes inside a nested attribute: `strategy = {
// steps = [10, 100] }` is reported at the resource's first line. So every
// diagnostic about such a path names it in its detail: the validators inside
// nested attributes are wrapped (nameNestedPaths), and the diagnostics of
// ValidateConfig and ModifyPlan are rewritten (nameNestedDiags).

// nameNestedPaths wraps every validator inside the nested attributes of
// attrs so that its diagnostics name the attribute.
func nameNestedPaths(attrs map[string]schema.Attribute) {
	for k, a := range attrs {
		switch n := a.(type) {
		case schema.SingleNestedAttribute:
			n.Attributes = namedAttributes(n.Attributes)
			attrs[k] = n
		case schema.ListNestedAttribute:
			n.NestedObject.Attributes = namedAttributes(n.NestedObject.Attributes)
			attrs[k] = n
		case schema.SetNestedAttribute:
			n.NestedObject.Attributes = namedAttributes(n.NestedObject.Attributes)
			attrs[k] = n
		}
	}
}

func namedAttributes(in map[string]schema.Attribute) map[string]schema.Attribute {
	out := make(map[string]schema.Attribute, len(in))
	for k, a := range in {
		switch n := a.(type) {
		case schema.StringAttribute:
			n.Validators = wrapAll(n.Validators, func(v validator.String) validator.String { return namedString{v} })
			a = n
		case schema.Int64Attribute:
			n.Validators = wrapAll(n.Validators, func(v validator.Int64) validator.Int64 { return namedInt64{v} })
			a = n
		case schema.Float64Attribute:
			n.Validators = wrapAll(n.Validators, func(v validator.Float64) validator.Float64 { return namedFloat64{v} })
			a = n
		case schema.ListAttribute:
			n.Validators = wrapAll(n.Validators, func(v validator.List) validator.List { return namedList{v} })
			a = n
		case schema.SetAttribute:
			n.Validators = wrapAll(n.Validators, func(v validator.Set) validator.Set { return namedSet{v} })
			a = n
		case schema.MapAttribute:
			n.Validators = wrapAll(n.Validators, func(v validator.Map) validator.Map { return namedMap{v} })
			a = n
		case schema.SingleNestedAttribute:
			n.Validators = wrapAll(n.Validators, func(v validator.Object) validator.Object { return namedObject{v} })
			n.Attributes = namedAttributes(n.Attributes)
			a = n
		case schema.ListNestedAttribute:
			n.Validators = wrapAll(n.Validators, func(v validator.List) validator.List { return namedList{v} })
			n.NestedObject.Attributes = namedAttributes(n.NestedObject.Attributes)
			a = n
		case schema.SetNestedAttribute:
			n.Validators = wrapAll(n.Validators, func(v validator.Set) validator.Set { return namedSet{v} })
			n.NestedObject.Attributes = namedAttributes(n.NestedObject.Attributes)
			a = n
		}
		out[k] = a
	}
	return out
}

func wrapAll[V any](vs []V, wrap func(V) V) []V {
	if len(vs) == 0 {
		return vs
	}
	out := make([]V, len(vs))
	for i, v := range vs {
		out[i] = wrap(v)
	}
	return out
}

// nameDiags returns diags with the path p (or the diagnostic's own) named
// at the start of each detail that does not name it yet.
func nameDiags(p path.Path, diags diag.Diagnostics) diag.Diagnostics {
	out := make(diag.Diagnostics, 0, len(diags))
	for _, d := range diags {
		at := p
		if dp, ok := d.(diag.DiagnosticWithPath); ok {
			at = dp.Path()
		}
		out = append(out, named(at, d))
	}
	return out
}

func named(at path.Path, d diag.Diagnostic) diag.Diagnostic {
	where := at.String()
	if where == "" || strings.Contains(d.Detail(), where) {
		return d
	}
	detail := where + ": " + d.Detail()
	if d.Severity() == diag.SeverityWarning {
		return diag.NewAttributeWarningDiagnostic(at, d.Summary(), detail)
	}
	return diag.NewAttributeErrorDiagnostic(at, d.Summary(), detail)
}

// nameNestedDiags names, in their details, the paths of diags that go
// inside a nested attribute (a top-level attribute has a source location).
func nameNestedDiags(diags *diag.Diagnostics) {
	for i, d := range *diags {
		if dp, ok := d.(diag.DiagnosticWithPath); ok && len(dp.Path().Steps()) > 1 {
			(*diags)[i] = named(dp.Path(), d)
		}
	}
}

type namedString struct{ validator.String }

func (n namedString) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	var r validator.StringResponse
	n.String.ValidateString(ctx, req, &r)
	resp.Diagnostics.Append(nameDiags(req.Path, r.Diagnostics)...)
}

type namedInt64 struct{ validator.Int64 }

func (n namedInt64) ValidateInt64(ctx context.Context, req validator.Int64Request, resp *validator.Int64Response) {
	var r validator.Int64Response
	n.Int64.ValidateInt64(ctx, req, &r)
	resp.Diagnostics.Append(nameDiags(req.Path, r.Diagnostics)...)
}

type namedFloat64 struct{ validator.Float64 }

func (n namedFloat64) ValidateFloat64(ctx context.Context, req validator.Float64Request, resp *validator.Float64Response) {
	var r validator.Float64Response
	n.Float64.ValidateFloat64(ctx, req, &r)
	resp.Diagnostics.Append(nameDiags(req.Path, r.Diagnostics)...)
}

type namedList struct{ validator.List }

func (n namedList) ValidateList(ctx context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	var r validator.ListResponse
	n.List.ValidateList(ctx, req, &r)
	resp.Diagnostics.Append(nameDiags(req.Path, r.Diagnostics)...)
}

type namedSet struct{ validator.Set }

func (n namedSet) ValidateSet(ctx context.Context, req validator.SetRequest, resp *validator.SetResponse) {
	var r validator.SetResponse
	n.Set.ValidateSet(ctx, req, &r)
	resp.Diagnostics.Append(nameDiags(req.Path, r.Diagnostics)...)
}

type namedMap struct{ validator.Map }

func (n namedMap) ValidateMap(ctx context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	var r validator.MapResponse
	n.Map.ValidateMap(ctx, req, &r)
	resp.Diagnostics.Append(nameDiags(req.Path, r.Diagnostics)...)
}

type namedObject struct{ validator.Object }

func (n namedObject) ValidateObject(ctx context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	var r validator.ObjectResponse
	n.Object.ValidateObject(ctx, req, &r)
	resp.Diagnostics.Append(nameDiags(req.Path, r.Diagnostics)...)
}
