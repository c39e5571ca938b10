// Package awserr is the error value shared by the sandbox's service
// implementations. Each wire protocol renders it its own way: awsQuery as an
// XML <ErrorResponse>, Smithy RPC v2 CBOR as a CBOR map with __type.
package awserr

import (
	"fmt"
	"net/http"
)

// Error is an AWS API error as the service would return it.
type Error struct {
	// Code is the AWS error code, e.g. "ValidationError", "TargetGroupNotFound".
	Code string
	// Message is the human-readable message AWS would send.
	Message string
	// Status is the HTTP status code (400 for client errors unless AWS documents otherwise).
	Status int
	// Receiver is true for server-side faults (5xx, "Receiver"); false means "Sender".
	Receiver bool
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Fault returns "Sender" or "Receiver", as awsQuery error responses spell it.
func (e *Error) Fault() string {
	if e.Receiver {
		return "Receiver"
	}
	return "Sender"
}

// Sender builds a client error (HTTP 400 unless status says otherwise).
func Sender(status int, code, format string, args ...any) *Error {
	if status == 0 {
		status = http.StatusBadRequest
	}
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Status: status}
}

// Validation builds the ubiquitous 400 ValidationError.
func Validation(format string, args ...any) *Error {
	return Sender(http.StatusBadRequest, "ValidationError", format, args...)
}

// Receiver builds a server-side fault (HTTP 500 unless status says otherwise).
func ReceiverFault(status int, code, format string, args ...any) *Error {
	if status == 0 {
		status = http.StatusInternalServerError
	}
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Status: status, Receiver: true}
}
