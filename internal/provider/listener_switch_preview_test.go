package provider

import (
	"testing"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/alb"
)

// The preview route's color: the idle color when one color has all the
// traffic, the receiving (configured) color while the traffic is split.
func TestPreviewColorFor(t *testing.T) {
	for _, c := range []struct {
		w    traffic.Weights
		to   traffic.Color
		want traffic.Color
	}{
		{traffic.Split(traffic.Blue, 100), traffic.Blue, traffic.Green},    // stable on blue
		{traffic.Split(traffic.Blue, 100), traffic.Green, traffic.Green},   // rolled back from green
		{traffic.Split(traffic.Green, 100), traffic.Green, traffic.Blue},   // completed shift to green
		{traffic.Split(traffic.Green, 100), traffic.Blue, traffic.Blue},    // rolled back from blue
		{traffic.Split(traffic.Green, 10), traffic.Green, traffic.Green},   // parked at 10 % green
		{traffic.Split(traffic.Green, 90), traffic.Green, traffic.Green},   // parked at 90 % green
		{traffic.Split(traffic.Blue, 10), traffic.Blue, traffic.Blue},      // parked at 10 % blue
		{traffic.Weights{Blue: 0, Green: 0}, traffic.Green, traffic.Green}, // nothing anywhere
	} {
		if got := previewColorFor(c.w, c.to); got != c.want {
			t.Errorf("previewColorFor(%s, to %s) = %s, want %s", c.w, c.to, got, c.want)
		}
	}
}

// A rule read back names one color only when that color alone has weight.
func TestPreviewRuleInfoColor(t *testing.T) {
	const blue, green = "tg-blue", "tg-green"
	for _, c := range []struct {
		info alb.PreviewRuleInfo
		want traffic.Color
	}{
		{alb.PreviewRuleInfo{Actions: 1, Forward: []alb.ForwardTarget{{TargetGroupARN: blue, Weight: 100}, {TargetGroupARN: green}}}, traffic.Blue},
		{alb.PreviewRuleInfo{Actions: 1, Forward: []alb.ForwardTarget{{TargetGroupARN: green, Weight: 1}}}, traffic.Green},
		{alb.PreviewRuleInfo{Actions: 1, Forward: []alb.ForwardTarget{{TargetGroupARN: blue, Weight: 1}, {TargetGroupARN: green, Weight: 1}}}, ""},
		{alb.PreviewRuleInfo{Actions: 1, Forward: []alb.ForwardTarget{{TargetGroupARN: "tg-other", Weight: 1}}}, ""},
		{alb.PreviewRuleInfo{Actions: 2, Forward: []alb.ForwardTarget{{TargetGroupARN: blue, Weight: 1}}}, ""},
		{alb.PreviewRuleInfo{Actions: 1}, ""}, // a fixed response
	} {
		if got := c.info.Color(blue, green); got != c.want {
			t.Errorf("%+v: color %q, want %q", c.info, got, c.want)
		}
	}
}
