package sandbox

import (
	"sync"
	"time"
)

// defaultMaxCalls bounds the call log; the oldest calls are dropped first.
const defaultMaxCalls = 10000

// Call is one AWS API request the sandbox received, as kept in the call log.
type Call struct {
	// Time is when the call arrived (Options.Now).
	Time time.Time `json:"time"`
	// Service is "elbv2", "cloudwatch" or "sts" ("unknown" for requests
	// that could not be routed).
	Service string `json:"service"`
	// Operation is the API operation, e.g. "ModifyListener" (for unroutable
	// requests: the method and path).
	Operation string `json:"operation"`
	// Params are the request parameters, flattened: awsQuery keys as sent
	// ("DefaultActions.member.1.Type"); CBOR maps as "a.b", lists as "a.1".
	Params map[string]string `json:"params,omitempty"`
	// Status is the HTTP status answered; 0 when no response was sent
	// (connection reset, or the client gave up during injected latency).
	Status int `json:"status"`
	// ErrorCode is the AWS error code answered, "" on success.
	ErrorCode string `json:"errorCode,omitempty"`
	// Fault is the kind of fault injected into the call, "" if none. A
	// call rejected by a rate limit has Fault "Throttle", FaultID "rate-limit".
	Fault FaultKind `json:"fault,omitempty"`
	// FaultID identifies the injected fault.
	FaultID string `json:"faultId,omitempty"`
	// RequestID is the x-amzn-RequestId answered.
	RequestID string `json:"requestId"`
	// Duration is the wall time spent serving the call.
	Duration time.Duration `json:"durationNs"`
}

// CallFilter selects calls; empty fields match everything.
type CallFilter struct {
	Service   string
	Operation string
}

type callLog struct {
	mu    sync.Mutex
	max   int
	calls []Call
}

// record appends c to the call log, then logs it: a Logger line means the
// call is in Calls (tests wait on the Logger for a call to be recorded).
func (s *Server) record(c Call, d time.Duration) {
	c.Duration = d
	l := &s.calls
	l.mu.Lock()
	if l.max > 0 && len(l.calls) >= l.max {
		n := copy(l.calls, l.calls[len(l.calls)-l.max+1:])
		clear(l.calls[n:])
		l.calls = l.calls[:n]
	}
	l.calls = append(l.calls, c)
	l.mu.Unlock()
	if s.opts.Logger != nil {
		line := c.Service + " " + c.Operation
		if c.Fault != "" {
			line += " [fault " + string(c.Fault) + "]"
		}
		if c.ErrorCode != "" {
			s.logf("%s → %d %s (%v)", line, c.Status, c.ErrorCode, d.Round(time.Microsecond))
		} else {
			s.logf("%s → %d (%v)", line, c.Status, d.Round(time.Microsecond))
		}
	}
}

// Calls returns the logged calls matching f, oldest first.
func (s *Server) Calls(f CallFilter) []Call {
	if f.Service != "" {
		if c := canonicalService(f.Service); c != "" {
			f.Service = c
		}
	}
	l := &s.calls
	l.mu.Lock()
	defer l.mu.Unlock()
	out := []Call{}
	for _, c := range l.calls {
		if (f.Service == "" || f.Service == c.Service) && (f.Operation == "" || f.Operation == c.Operation) {
			cp := c
			cp.Params = make(map[string]string, len(c.Params))
			for k, v := range c.Params {
				cp.Params[k] = v
			}
			out = append(out, cp)
		}
	}
	return out
}

// ResetCalls empties the call log.
func (s *Server) ResetCalls() {
	l := &s.calls
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = nil
}
