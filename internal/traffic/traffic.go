// Package traffic holds the vocabulary shared by traffic routers and the
// rollout engine: the two colors and the forward weights between them.
//
// A router (alb/, route53/, haproxy/, nginx/, kubeservice/, gatewayroute/)
// reads and writes Weights for one switch point; a missing switch point is
// ErrNotFound (errors.Is) whichever router reports it. This package knows nothing of AWS, of the engine or of
// Terraform.
//
// Weight scale: Weights are the raw values the router stores (each router
// owns its range: ALB 0–999, Route 53 0–255, HAProxy 0–256). Traffic share is always relative —
// Percent(c) = weight(c) / (blue + green) — so 1/1, 50/50 and 500/500 all mean
// 50%. Weights written by the engine use the percent scale: Split(c, p) gives
// c weight p and the other color 100-p, exactly, so 10% is 90/10.
package traffic

import (
	"errors"
	"fmt"
	"strings"
)

// ErrConflict matches (errors.Is) a write a router refused because another
// writer changed the weights since the router last read them: optimistic
// concurrency, such as Kubernetes' resourceVersion. The engine treats it as
// another writer at work, never as an error to retry or to roll back over:
// it stops, writes nothing more and restores nothing.
var ErrConflict = errors.New("changed by another writer since it was read")

// Color names one side of a blue-green pair.
type Color string

const (
	Blue  Color = "blue"
	Green Color = "green"
)

// ParseColor accepts "blue" or "green" (case-insensitive, surrounding spaces
// ignored).
func ParseColor(s string) (Color, error) {
	switch c := Color(strings.ToLower(strings.TrimSpace(s))); c {
	case Blue, Green:
		return c, nil
	}
	return "", fmt.Errorf("invalid color %q: must be %q or %q", s, Blue, Green)
}

// Valid reports whether c is Blue or Green.
func (c Color) Valid() bool { return c == Blue || c == Green }

// Other returns the opposite color (Blue for Green and vice versa; "" for an
// invalid color).
func (c Color) Other() Color {
	switch c {
	case Blue:
		return Green
	case Green:
		return Blue
	}
	return ""
}

// Weights are the forward weights of the blue and green target groups.
type Weights struct {
	Blue  int32
	Green int32
}

// Of returns the weight of color c (0 for an invalid color).
func (w Weights) Of(c Color) int32 {
	switch c {
	case Blue:
		return w.Blue
	case Green:
		return w.Green
	}
	return 0
}

// Total is Blue + Green.
func (w Weights) Total() int32 { return w.Blue + w.Green }

// Percent is the share of traffic color c receives, 0–100. When both weights
// are zero it returns 0 for both colors.
func (w Weights) Percent(c Color) float64 {
	t := w.Total()
	if t <= 0 {
		return 0
	}
	return float64(w.Of(c)) * 100 / float64(t)
}

// GreenPercent is Percent(Green).
func (w Weights) GreenPercent() float64 { return w.Percent(Green) }

// BluePercent is Percent(Blue).
func (w Weights) BluePercent() float64 { return w.Percent(Blue) }

// ActiveColor returns the color that receives all traffic, and false when
// traffic is split (or both weights are zero).
func (w Weights) ActiveColor() (Color, bool) {
	switch {
	case w.Blue > 0 && w.Green == 0:
		return Blue, true
	case w.Green > 0 && w.Blue == 0:
		return Green, true
	}
	return "", false
}

// String renders "blue=90 green=10".
func (w Weights) String() string { return fmt.Sprintf("blue=%d green=%d", w.Blue, w.Green) }

// Split returns the weights that send percent% of traffic to receiving and the
// rest to the other color: receiving = percent, other = 100-percent. percent
// is clamped to 0–100. An invalid receiving color yields zero weights.
func Split(receiving Color, percent int) Weights {
	percent = min(max(percent, 0), 100)
	switch receiving {
	case Blue:
		return Weights{Blue: int32(percent), Green: int32(100 - percent)}
	case Green:
		return Weights{Blue: int32(100 - percent), Green: int32(percent)}
	}
	return Weights{}
}
