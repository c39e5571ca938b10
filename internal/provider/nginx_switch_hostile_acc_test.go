package provider

import (
	"os"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// The switch's file deleted by hand: the switch stays in state (drifted,
// with the weights Nginx still serves), and the next apply writes those
// weights back and then shifts with the strategy — never the receiving
// color at once, as a first write would.
func TestAccNginxSwitch_fileDeletedByHandKeepsTheStrategy(t *testing.T) {
	e := startNginxEnv(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccFakeClockFactories,
		Steps: []resource.TestStep{
			{Config: e.config("blue", nginxCanary), Check: e.expectTraffic(traffic.Weights{Blue: 100})},
			{
				PreConfig: func() {
					if err := os.Remove(e.ngx.IncludeFile); err != nil {
						t.Fatal(err)
					}
				},
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(nginxRes, "status", "drifted"),
					resource.TestCheckResourceAttr(nginxRes, "blue_weight", "100"),
					resource.TestCheckResourceAttr(nginxRes, "green_weight", "0"),
				),
			},
			{
				Config: e.config("green", nginxCanary),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(nginxRes, "status", "stable"),
					resource.TestCheckResourceAttr(nginxRes, "green_weight", "100"),
					resource.TestCheckResourceAttr(nginxRes, "last_shift.result", "succeeded"),
					resource.TestCheckResourceAttr(nginxRes, "last_shift.steps.#", "3"),
					e.expectTraffic(traffic.Weights{Green: 100}),
				),
			},
		},
	})
}
