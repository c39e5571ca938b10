package checks

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Bounds is the inclusive range a measured value must stay in, for the
// checks that judge one number (prometheus, datadog, cloudwatch metric
// math): Min, Max or both.
type Bounds struct {
	Min, Max *float64
}

// Validate says what is wrong with the bounds of a check of kind (e.g.
// "prometheus"): neither end, NaN, or Min above Max.
func (b Bounds) Validate(kind string) error {
	if b.Min == nil && b.Max == nil {
		return errors.New(kind + " check needs min or max (or both)")
	}
	if (b.Min != nil && math.IsNaN(*b.Min)) || (b.Max != nil && math.IsNaN(*b.Max)) {
		return errors.New(kind + " check: min and max must be numbers, not NaN")
	}
	if b.Min != nil && b.Max != nil && *b.Min > *b.Max {
		return fmt.Errorf("%s check: min %s is greater than max %s", kind, FormatNumber(*b.Min), FormatNumber(*b.Max))
	}
	return nil
}

// Threshold is the human form: "<= 0.05", ">= 1" or "between 1 and 5".
func (b Bounds) Threshold() string {
	switch {
	case b.Min != nil && b.Max != nil:
		return "between " + FormatNumber(*b.Min) + " and " + FormatNumber(*b.Max)
	case b.Max != nil:
		return "<= " + FormatNumber(*b.Max)
	case b.Min != nil:
		return ">= " + FormatNumber(*b.Min)
	}
	return ""
}

// Judge is Pass when v is within the bounds, else Fail with what it crossed
// (", above max 5"), to append to the result's detail.
func (b Bounds) Judge(v float64) (Verdict, string) {
	switch {
	case b.Max != nil && v > *b.Max:
		return Fail, ", above max " + FormatNumber(*b.Max)
	case b.Min != nil && v < *b.Min:
		return Fail, ", below min " + FormatNumber(*b.Min)
	}
	return Pass, ""
}

// FormatNumber renders a configured limit exactly, as the user wrote it.
func FormatNumber(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
