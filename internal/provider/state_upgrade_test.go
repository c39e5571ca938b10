package provider

import (
	"context"
	"encoding/json"
	"math/big"
	"os"
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// checkResources are the resources whose state changed shape in schema
// version 1, with where their checks sit.
var checkResources = []struct {
	typeName string
	new      func() resource.Resource
	checksAt string
}{
	{"bluegreen_listener_switch", NewListenerSwitchResource, "rollback_on"},
	{"bluegreen_dns_switch", NewDNSSwitchResource, "rollback_on"},
	{"bluegreen_haproxy_switch", NewHAProxySwitchResource, "rollback_on"},
	{"bluegreen_nginx_switch", NewNginxSwitchResource, "rollback_on"},
	{"bluegreen_health_gate", NewHealthGateResource, ""},
}

// The prior schema each upgrader decodes version-0 state with is exactly
// the type of that resource in the build before version 1
// (testdata/schema_v0.json, from `terraform providers schema -json` of
// commit 0fd41e6), and the current schema is not: state written by that
// build decodes, attribute for attribute.
func TestPriorSchemaV0MatchesPreviousBuild(t *testing.T) {
	raw, err := os.ReadFile("testdata/schema_v0.json")
	if err != nil {
		t.Fatal(err)
	}
	var old struct {
		ResourceSchemas map[string]struct {
			Block jsonBlock `json:"block"`
		} `json:"resource_schemas"`
	}
	if err := json.Unmarshal(raw, &old); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, r := range checkResources {
		t.Run(r.typeName, func(t *testing.T) {
			o, ok := old.ResourceSchemas[r.typeName]
			if !ok {
				t.Fatalf("%s missing from testdata/schema_v0.json", r.typeName)
			}
			want := canonical(t, o.Block.typeOf())
			ups := r.new().(resource.ResourceWithUpgradeState).UpgradeState(ctx)
			up, ok := ups[0]
			if !ok || up.PriorSchema == nil {
				t.Fatal("no upgrader from version 0 with a prior schema")
			}
			if got := canonical(t, typeJSON(up.PriorSchema.Type().TerraformType(ctx))); !reflect.DeepEqual(got, want) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(want)
				t.Fatalf("prior schema type differs from the previous build's:\n got %s\nwant %s", g, w)
			}
			var sr resource.SchemaResponse
			r.new().Schema(ctx, resource.SchemaRequest{}, &sr)
			if sr.Schema.Version != checksSchemaVersion {
				t.Fatalf("schema version %d, want %d", sr.Schema.Version, checksSchemaVersion)
			}
			if cur := canonical(t, typeJSON(sr.Schema.Type().TerraformType(ctx))); reflect.DeepEqual(cur, want) {
				t.Fatal("the current schema stores the same type as version 0: no upgrade would be needed")
			}
		})
	}
}

// Each resource's upgrader, through the provider server as Terraform calls
// it: state of version 0 (single http and prometheus objects, as the
// previous build wrote them) becomes lists of one unnamed check, everything
// else kept; an absent check stays absent.
func TestUpgradeStateV0(t *testing.T) {
	ctx := context.Background()
	srv, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	http := map[string]any{"url": "http://10.0.2.5:8080/health", "timeout": "2s", "expect_status": []any{200, 204},
		"headers": map[string]any{"Authorization": "Bearer x"}}
	prom := map[string]any{"url": "http://prometheus:9090", "query": `sum(rate(errors{color="green"}[1m]))`, "max": 0.05}
	checks := map[string]any{"http": http, "prometheus": prom, "alarm_names": []any{"app-green-5xx"}}
	for _, r := range checkResources {
		for _, withChecks := range []bool{true, false} {
			old := map[string]any{}
			switch r.checksAt {
			case "":
				old["interval"] = "1s"
				old["id"] = "2026-12-01T10:00:00Z"
				if withChecks {
					for k, v := range checks {
						old[k] = v
					}
				} else {
					old["alarm_names"] = []any{"a"}
				}
			default:
				old["active_color"] = "green"
				old["bake_time"] = "30s"
				old["strategy"] = map[string]any{"type": "canary", "steps": []any{10, 50}, "step_interval": "1m"}
				old["status"] = "stable"
				if withChecks {
					ro := map[string]any{"evaluation_interval": "15s", "failure_threshold": 2}
					for k, v := range checks {
						ro[k] = v
					}
					old["rollback_on"] = ro
				}
			}
			rawJSON, _ := json.Marshal(old)
			resp, err := srv.UpgradeResourceState(ctx, &tfprotov6.UpgradeResourceStateRequest{
				TypeName: r.typeName, Version: 0, RawState: &tfprotov6.RawState{JSON: rawJSON}})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range resp.Diagnostics {
				t.Fatalf("%s: %s: %s", r.typeName, d.Summary, d.Detail)
			}
			var sr resource.SchemaResponse
			r.new().Schema(ctx, resource.SchemaRequest{}, &sr)
			v, err := resp.UpgradedState.Unmarshal(sr.Schema.Type().TerraformType(ctx))
			if err != nil {
				t.Fatalf("%s: upgraded state does not decode with the current schema: %v", r.typeName, err)
			}
			got := valueJSON(t, v)
			c := got
			if r.checksAt != "" {
				c, _ = got[r.checksAt].(map[string]any)
				if got["active_color"] != "green" || got["bake_time"] != "30s" {
					t.Errorf("%s: attributes outside the checks changed: %v", r.typeName, got)
				}
				if st, _ := got["strategy"].(map[string]any); st == nil || st["type"] != "canary" || !reflect.DeepEqual(st["steps"], []any{10.0, 50.0}) {
					t.Errorf("%s: strategy not kept: %v", r.typeName, got["strategy"])
				}
			} else if got["interval"] != "1s" || got["id"] != "2026-12-01T10:00:00Z" {
				t.Errorf("%s: attributes outside the checks changed: %v", r.typeName, got)
			}
			if !withChecks {
				if c != nil && (c["http"] != nil || c["prometheus"] != nil) {
					t.Errorf("%s: absent checks became %v / %v", r.typeName, c["http"], c["prometheus"])
				}
				continue
			}
			if c == nil {
				t.Fatalf("%s: checks lost: %v", r.typeName, got)
			}
			for kind, want := range map[string]map[string]any{"http": http, "prometheus": prom} {
				l, ok := c[kind].([]any)
				if !ok || len(l) != 1 {
					t.Fatalf("%s: %s = %#v, want a list of one check", r.typeName, kind, c[kind])
				}
				e := l[0].(map[string]any)
				if e["name"] != nil {
					t.Errorf("%s: %s[0].name = %v, want null", r.typeName, kind, e["name"])
				}
				for k, wv := range want {
					if wj, _ := json.Marshal(wv); string(mustJSON(t, e[k])) != string(wj) {
						t.Errorf("%s: %s[0].%s = %v, want %v", r.typeName, kind, k, e[k], wv)
					}
				}
			}
			if !reflect.DeepEqual(c["alarm_names"], []any{"app-green-5xx"}) {
				t.Errorf("%s: alarm_names = %v", r.typeName, c["alarm_names"])
			}
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// valueJSON renders a known object value as plain Go values (numbers as
// float64), as encoding/json would decode it.
func valueJSON(t *testing.T, v tftypes.Value) map[string]any {
	t.Helper()
	m, _ := plain(t, v).(map[string]any)
	return m
}

func plain(t *testing.T, v tftypes.Value) any {
	t.Helper()
	if v.IsNull() || !v.IsKnown() {
		return nil
	}
	typ := v.Type()
	switch {
	case typ.Is(tftypes.String):
		var s string
		must(t, v.As(&s))
		return s
	case typ.Is(tftypes.Number):
		var f big.Float
		must(t, v.As(&f))
		x, _ := f.Float64()
		return x
	case typ.Is(tftypes.Bool):
		var b bool
		must(t, v.As(&b))
		return b
	case typ.Is(tftypes.List{}), typ.Is(tftypes.Set{}), typ.Is(tftypes.Tuple{}):
		var elems []tftypes.Value
		must(t, v.As(&elems))
		out := make([]any, len(elems))
		for i, e := range elems {
			out[i] = plain(t, e)
		}
		return out
	default:
		var attrs map[string]tftypes.Value
		must(t, v.As(&attrs))
		out := make(map[string]any, len(attrs))
		for k, e := range attrs {
			out[k] = plain(t, e)
		}
		return out
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// jsonBlock is a block of `terraform providers schema -json`.
type jsonBlock struct {
	Attributes map[string]jsonAttribute `json:"attributes"`
	BlockTypes map[string]struct {
		NestingMode string    `json:"nesting_mode"`
		Block       jsonBlock `json:"block"`
	} `json:"block_types"`
}

type jsonAttribute struct {
	Type       json.RawMessage `json:"type"`
	NestedType *struct {
		Attributes  map[string]jsonAttribute `json:"attributes"`
		NestingMode string                   `json:"nesting_mode"`
	} `json:"nested_type"`
}

func (a jsonAttribute) typeOf() any {
	if a.NestedType != nil {
		inner := map[string]any{}
		for n, na := range a.NestedType.Attributes {
			inner[n] = na.typeOf()
		}
		return nest(a.NestedType.NestingMode, []any{"object", inner})
	}
	var ty any
	_ = json.Unmarshal(a.Type, &ty)
	return ty
}

// typeOf is the value type of the block, in cty's JSON form.
func (b jsonBlock) typeOf() any {
	attrs := map[string]any{}
	for name, a := range b.Attributes {
		attrs[name] = a.typeOf()
	}
	for name, bt := range b.BlockTypes {
		attrs[name] = nest(bt.NestingMode, bt.Block.typeOf())
	}
	return []any{"object", attrs}
}

func nest(mode string, obj any) any {
	switch mode {
	case "list":
		return []any{"list", obj}
	case "set":
		return []any{"set", obj}
	case "map":
		return []any{"map", obj}
	}
	return obj
}

// typeJSON is a tftypes type in cty's JSON form.
func typeJSON(t tftypes.Type) any {
	switch tt := t.(type) {
	case tftypes.List:
		return []any{"list", typeJSON(tt.ElementType)}
	case tftypes.Set:
		return []any{"set", typeJSON(tt.ElementType)}
	case tftypes.Map:
		return []any{"map", typeJSON(tt.ElementType)}
	case tftypes.Object:
		attrs := map[string]any{}
		for k, v := range tt.AttributeTypes {
			attrs[k] = typeJSON(v)
		}
		return []any{"object", attrs}
	}
	switch {
	case t.Is(tftypes.String):
		return "string"
	case t.Is(tftypes.Number):
		return "number"
	case t.Is(tftypes.Bool):
		return "bool"
	}
	return t.String()
}

// canonical round-trips through JSON so that both sides compare alike.
func canonical(t *testing.T, v any) any {
	t.Helper()
	var out any
	must(t, json.Unmarshal(mustJSON(t, v), &out))
	return out
}
