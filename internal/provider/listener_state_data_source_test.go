package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

const stateDS = "data.bluegreen_listener_state.test"

// TestAccListenerStateDataSource_basic proves the harness end to end: the
// provider configures against the sandbox and reads a listener's weights.
func TestAccListenerStateDataSource_basic(t *testing.T) {
	a := createTestALB(t, "ds-basic", 80, 80, 20)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`data "bluegreen_listener_state" "test" { listener_arn = %q }`, a.ListenerARN),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(stateDS, tfjsonpath.New("blue_weight"), knownvalue.Int64Exact(80)),
				statecheck.ExpectKnownValue(stateDS, tfjsonpath.New("green_weight"), knownvalue.Int64Exact(20)),
				statecheck.ExpectKnownValue(stateDS, tfjsonpath.New("green_percent"), knownvalue.Float64Exact(20)),
				statecheck.ExpectKnownValue(stateDS, tfjsonpath.New("active_color"), knownvalue.StringExact("split")),
				statecheck.ExpectKnownValue(stateDS, tfjsonpath.New("blue_target_group_arn"), knownvalue.StringExact(a.BlueARN)),
				statecheck.ExpectKnownValue(stateDS, tfjsonpath.New("green_target_group_arn"), knownvalue.StringExact(a.GreenARN)),
				statecheck.ExpectKnownValue(stateDS, tfjsonpath.New("target_groups"), knownvalue.ListSizeExact(2)),
			},
		}},
	})
}

// TestAccListenerStateDataSource_afterFlip reads the active and idle colors
// after a switch flipped the listener to green.
func TestAccListenerStateDataSource_afterFlip(t *testing.T) {
	a := switchALB(t, "ds-flip")
	cfg := switchConfig(a, "green", "") + `
data "bluegreen_listener_state" "test" {
  listener_arn = bluegreen_listener_switch.test.listener_arn
  depends_on   = [bluegreen_listener_switch.test]
}`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccFakeClockFactories,
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(stateDS, tfjsonpath.New("active_color"), knownvalue.StringExact("green")),
				statecheck.ExpectKnownValue(stateDS, tfjsonpath.New("idle_color"), knownvalue.StringExact("blue")),
				statecheck.ExpectKnownValue(stateDS, tfjsonpath.New("green_weight"), knownvalue.Int64Exact(100)),
			},
		}},
	})
}

// TestAccProvider_invalidConfiguration: bad provider settings are reported
// on the attribute, before any AWS call.
func TestAccProvider_invalidConfiguration(t *testing.T) {
	ds := `data "bluegreen_listener_state" "test" { listener_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/a/0123456789abcdef/0123456789abcdef" }`
	cases := []struct{ name, provider, err string }{
		{"region", `region = "nowhere"`, `Invalid region`},
		{"endpoint", `endpoints { elbv2 = "localhost:4566" }`, `Invalid elbv2`},
		{"assume role duration", `assume_role {
    role_arn = "arn:aws:iam::123456789012:role/deployer"
    duration = "forever"
  }`, `Invalid duration`},
		{"assume role arn", `assume_role { role_arn = "deployer" }`, `Invalid role arn`},
		{"max retries", `max_retries = 1000`, `max_retries`},
		{"both listener and rule", ``, `Invalid Attribute Combination`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fmt.Sprintf("provider \"bluegreen\" {\n  %s\n}\n%s", tc.provider, ds)
			if tc.name == "both listener and rule" {
				cfg = `data "bluegreen_listener_state" "test" {
  listener_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/a/0123456789abcdef/0123456789abcdef"
  rule_arn     = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/a/0123456789abcdef/0123456789abcdef/0123456789abcdef"
}`
			}
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps:                    []resource.TestStep{{Config: cfg, PlanOnly: true, ExpectError: regexp.MustCompile(tc.err)}},
			})
		})
	}
}
