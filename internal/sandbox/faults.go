package sandbox

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// FaultKind says what an injected fault does to a matching call.
type FaultKind string

const (
	// Throttle answers with AWS's Throttling error ("Rate exceeded", HTTP 400),
	// which the SDKs' standard retryers retry with backoff.
	Throttle FaultKind = "Throttle"
	// HTTP5xx answers with a server error: 500 → InternalFailure, other
	// statuses (default 503) → ServiceUnavailable.
	HTTP5xx FaultKind = "HTTP5xx"
	// Latency delays the call by Fault.Latency, then lets it proceed (or
	// lets a later matching fault act on it). The wait ends early when the
	// client gives up.
	Latency FaultKind = "Latency"
	// ConnReset reads the request and then resets the TCP connection
	// (SO_LINGER 0, so the peer sees a real RST and no response).
	ConnReset FaultKind = "ConnReset"
)

// rateLimitFaultID marks calls rejected by SetRateLimit in the call log.
const rateLimitFaultID = "rate-limit"

// Fault describes a failure to inject into matching AWS API calls.
type Fault struct {
	// Service is "elbv2", "cloudwatch", "sts", or "" for any service.
	Service string `json:"service,omitempty"`
	// Operation is the API operation, e.g. "ModifyListener"; "" matches any.
	Operation string `json:"operation,omitempty"`
	// Kind is what happens to a matching call.
	Kind FaultKind `json:"kind"`
	// Times is how many calls the fault affects before it is removed;
	// 0 means unlimited.
	Times int `json:"times,omitempty"`
	// Rate is the probability (0 < Rate ≤ 1) that a matching call is
	// affected; 0 means always.
	Rate float64 `json:"rate,omitempty"`
	// Latency is the delay added by a Latency fault.
	Latency time.Duration `json:"-"`
	// Status is the HTTP status of an HTTP5xx fault (500–599, default 503).
	Status int `json:"status,omitempty"`
	// After lets the first After matching calls through before the fault
	// starts, so a test can aim at one call of a known sequence (e.g. the
	// third ModifyListener of a shift: the restore).
	After int `json:"after,omitempty"`
}

// FaultStatus is an active fault as listed by Faults.
type FaultStatus struct {
	ID string
	Fault
	// Remaining is how many more calls the fault affects (0 = unlimited).
	Remaining int
	// Injected counts the calls affected so far.
	Injected int
}

type activeFault struct {
	Fault
	id        string
	remaining int // 0 = unlimited
	injected  int
	skipped   int // matching calls let through because of After
}

// faultTable holds the active faults in injection order.
type faultTable struct {
	mu     sync.Mutex
	nextID int
	faults []*activeFault
	rand   func() float64 // for tests; default rand.Float64
}

// faultPlan is what take decided for one call: the total latency to add
// and at most one terminal fault.
type faultPlan struct {
	latency   time.Duration
	latencyID string
	terminal  *activeFault
}

// InjectFault adds a fault and returns its ID. Faults apply in the order they
// were injected: every matching Latency fault adds its delay, then the first
// matching fault of another kind decides the call's fate.
func (s *Server) InjectFault(f Fault) (string, error) {
	if err := f.validate(); err != nil {
		return "", err
	}
	if f.Service != "" {
		f.Service = canonicalService(f.Service)
	}
	if f.Kind == HTTP5xx && f.Status == 0 {
		f.Status = http.StatusServiceUnavailable
	}
	t := &s.faults
	t.mu.Lock()
	defer t.mu.Unlock()
	t.nextID++
	af := &activeFault{Fault: f, id: fmt.Sprintf("fault-%d", t.nextID), remaining: f.Times}
	t.faults = append(t.faults, af)
	return af.id, nil
}

// RemoveFault removes one fault; it reports whether the fault was active.
func (s *Server) RemoveFault(id string) bool {
	t := &s.faults
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, f := range t.faults {
		if f.id == id {
			t.faults = append(t.faults[:i], t.faults[i+1:]...)
			return true
		}
	}
	return false
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	t := &s.faults
	t.mu.Lock()
	defer t.mu.Unlock()
	t.faults = nil
}

// Faults lists the active faults in injection order.
func (s *Server) Faults() []FaultStatus {
	t := &s.faults
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]FaultStatus, 0, len(t.faults))
	for _, f := range t.faults {
		out = append(out, FaultStatus{ID: f.id, Fault: f.Fault, Remaining: f.remaining, Injected: f.injected})
	}
	return out
}

func (f Fault) validate() error {
	if f.Service != "" && canonicalService(f.Service) == "" {
		return fmt.Errorf("fault service %q: want %q, %q, %q or empty for any", f.Service, ServiceELBv2, ServiceCloudWatch, ServiceSTS)
	}
	switch f.Kind {
	case Throttle, ConnReset:
	case Latency:
		if f.Latency <= 0 {
			return fmt.Errorf("a %s fault needs a positive latency, got %v", Latency, f.Latency)
		}
	case HTTP5xx:
		if f.Status != 0 && (f.Status < 500 || f.Status > 599) {
			return fmt.Errorf("a %s fault needs a status between 500 and 599, got %d", HTTP5xx, f.Status)
		}
	default:
		return fmt.Errorf("fault kind %q: want %q, %q, %q or %q", f.Kind, Throttle, HTTP5xx, Latency, ConnReset)
	}
	if f.After < 0 {
		return fmt.Errorf("fault after must be ≥ 0, got %d", f.After)
	}
	if f.Times < 0 {
		return fmt.Errorf("fault times must be ≥ 0 (0 = unlimited), got %d", f.Times)
	}
	if f.Rate < 0 || f.Rate > 1 {
		return fmt.Errorf("fault rate must be between 0 and 1 (0 = always), got %v", f.Rate)
	}
	return nil
}

func (f *activeFault) matches(service, operation string) bool {
	return (f.Service == "" || f.Service == service) && (f.Operation == "" || f.Operation == operation)
}

// take decides which faults hit a call and uses them up.
func (t *faultTable) take(service, operation string) faultPlan {
	t.mu.Lock()
	defer t.mu.Unlock()
	var plan faultPlan
	kept := t.faults[:0]
	for _, f := range t.faults {
		hit := plan.terminal == nil && f.matches(service, operation)
		if hit && f.skipped < f.After {
			f.skipped++
			hit = false
		}
		if hit && t.roll(f.Rate) {
			f.injected++
			if f.Kind == Latency {
				plan.latency += f.Latency
				plan.latencyID = f.id
			} else {
				plan.terminal = f
			}
			if f.remaining > 0 {
				f.remaining--
				if f.remaining == 0 {
					continue // used up: drop it
				}
			}
		}
		kept = append(kept, f)
	}
	clear(t.faults[len(kept):])
	t.faults = kept
	return plan
}

func (t *faultTable) roll(rate float64) bool {
	if rate <= 0 || rate >= 1 {
		return true
	}
	r := rand.Float64
	if t.rand != nil {
		r = t.rand
	}
	return r() < rate
}
