package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func manyTags(n int) string {
	var b strings.Builder
	b.WriteString("tags = {\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    k%02d = \"v\"\n", i)
	}
	b.WriteString("  }")
	return b.String()
}

// TestAccEnvironmentPair_planTimeValidation: what AWS rejects (or what
// would fail at apply with "Value Conversion Error") is refused at plan
// time with a diagnostic naming the key (issue 17).
func TestAccEnvironmentPair_planTimeValidation(t *testing.T) {
	t.Parallel()
	provider := func(body string) string { return "provider \"bluegreen\" {\n" + body + "\n}\n" }
	pair := func(body string) string {
		return fmt.Sprintf(`
resource "bluegreen_environment_pair" "bad" {
  name   = "val"
  vpc_id = "vpc-0123456789abcdef0"
  port   = 8080
  %s
}`, body)
	}
	cases := []struct{ name, cfg, err string }{
		{"tag key outside the pattern", pair(`tags = { "a*b" = "x" }`), `(?s)Invalid tag key.*"a\*b"`},
		{"tag value outside the pattern", pair(`tags = { ok = "x!y" }`), `(?s)Invalid tag value.*tag "ok"`},
		{"tag key too long", pair(`tags = { "` + strings.Repeat("k", 129) + `" = "x" }`), `129\s+characters\s+long`},
		{"tag value too long", pair(`tags = { k = "` + strings.Repeat("v", 257) + `" }`), `257\s+characters\s+long`},
		{"null tag value", pair(`tags = { owner = null }`), `(?s)Tag value is null.*"owner"`},
		{"too many tags", pair(manyTags(47)), `(?s)Too many tags.*47 tags of yours`},
		{"too many with default_tags", provider(`default_tags { tags = { d1 = "1", d2 = "2" } }`) + pair(manyTags(45)), `(?s)Too many tags.*47 tags of yours`},
		{"null default tag", provider(`default_tags { tags = { cost = null } }`) + pair(``), `(?s)Tag value is null.*"cost"`},
		{"default tag outside the pattern", provider(`default_tags { tags = { cost = "a;b" } }`) + pair(``), `(?s)Invalid tag value.*"cost"`},
		{"IPv6 target in an ipv4 pair", pair(`blue = { targets = [{ id = "2001:db8::1" }] }`), `(?s)Target does not match ip_address_type.*not an ipv4 address`},
		{"IPv4 target in an ipv6 pair", pair(`ip_address_type = "ipv6"
  green = { targets = [{ id = "10.0.0.1" }] }`), `(?s)Target does not match ip_address_type.*not an ipv6 address`},
		{"null header value", `
resource "bluegreen_health_gate" "bad" {
  http = [{
    url     = "http://127.0.0.1:1/health"
    headers = { Authorization = null }
  }]
}`, `(?s)header value is null.*"Authorization"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps:                    []resource.TestStep{{Config: tc.cfg, PlanOnly: true, ExpectError: regexp.MustCompile(tc.err)}},
			})
		})
	}
}

// TestAccEnvironmentPair_ipv6: an ipv6 pair registers IPv6 targets; the
// groups are created with that address type.
func TestAccEnvironmentPair_ipv6(t *testing.T) {
	env := newTestSandbox(t)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{{
			Config: pairCfg("six", `ip_address_type = "ipv6"
  blue = { targets = [{ id = "2001:db8::1" }, { id = "2001:db8::2", port = 9090 }] }`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(pairRes, tfjsonpath.New("ip_address_type"), knownvalue.StringExact("ipv6")),
				statecheck.ExpectKnownValue(pairRes, tfjsonpath.New("blue").AtMapKey("targets"), knownvalue.SetSizeExact(2)),
			},
		}},
	})
}
