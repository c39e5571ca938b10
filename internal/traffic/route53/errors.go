package route53

import "github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"

// ErrNotFound matches (errors.Is) a missing hosted zone or record set; it is
// traffic.ErrNotFound, every router's "does not exist".
var ErrNotFound = traffic.ErrNotFound

// NotFoundError reports that the hosted zone, the record or one color's
// weighted record set does not exist.
type NotFoundError struct {
	What string
	Err  error // the API error, when there was one
}

func (e *NotFoundError) Error() string {
	msg := e.What + " not found"
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *NotFoundError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// UnsupportedRecordError reports record sets the router will not manage: a
// non-weighted record, or weighted record sets besides blue and green.
type UnsupportedRecordError struct {
	Where   string
	Problem string
}

func (e *UnsupportedRecordError) Error() string {
	return "cannot manage the weights of " + e.Where + ": " + e.Problem
}
