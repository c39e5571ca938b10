package alb

import (
	"fmt"
	"strings"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// ErrNotFound matches (errors.Is) a listener or rule that does not exist; it
// is traffic.ErrNotFound, every router's "does not exist".
var ErrNotFound = traffic.ErrNotFound

// NotFoundError reports that the listener or rule is gone.
type NotFoundError struct {
	Kind string // "listener" | "rule"
	ARN  string
	Err  error // the API error, when there was one
}

func (e *NotFoundError) Error() string {
	msg := fmt.Sprintf("%s %s not found", e.Kind, e.ARN)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *NotFoundError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// UnsupportedActionError reports an action list this router will not manage:
// no forward action, more than one, or a forward that includes a target group
// other than blue and green.
type UnsupportedActionError struct {
	Kind string // "listener" | "rule"
	ARN  string
	// ActionTypes lists the action types found, in order.
	ActionTypes []string
	// ForeignTargetGroups lists forward target groups that are neither blue
	// nor green.
	ForeignTargetGroups []string
	// Weights are the blue and green weights the forward gives when it
	// also includes ForeignTargetGroups (zero otherwise): traffic really
	// reaching the colors, on the forward's scale.
	Weights traffic.Weights
	// Problem says what is wrong, e.g. "no forward action".
	Problem string
	Blue    string
	Green   string
}

func (e *UnsupportedActionError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: cannot manage its forward weights: %s", e.Kind, e.ARN, e.Problem)
	if len(e.ForeignTargetGroups) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(e.ForeignTargetGroups, ", "))
	}
	types := "none"
	if len(e.ActionTypes) > 0 {
		types = strings.Join(e.ActionTypes, ", ")
	}
	fmt.Fprintf(&b, "; actions found: [%s]; only a forward to the blue (%s) and/or green (%s) target group can be adopted",
		types, e.Blue, e.Green)
	return b.String()
}
