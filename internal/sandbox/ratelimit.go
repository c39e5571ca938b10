package sandbox

import (
	"fmt"
	"math"
	"sort"
	"sync"
	"time"
)

// RateLimit is a token-bucket limit as set by SetRateLimit.
type RateLimit struct {
	Service   string  `json:"service,omitempty"`
	Operation string  `json:"operation,omitempty"`
	PerSecond float64 `json:"perSecond"`
	Burst     int     `json:"burst"`
}

type limitKey struct{ service, operation string }

type bucket struct {
	tokens float64
	last   time.Time
}

// rateLimiter keeps one token bucket per (service, operation) actually
// called, configured by the most specific matching limit.
type rateLimiter struct {
	mu      sync.Mutex
	now     func() time.Time
	limits  map[limitKey]RateLimit
	buckets map[limitKey]*bucket
}

// SetRateLimit limits calls to perSecond with bursts of up to burst calls;
// calls beyond it get AWS's Throttling error (and show in the call log with
// Fault "Throttle" and FaultID "rate-limit"). Like AWS's API rate limits the
// buckets are per operation: service "" or operation "" are wildcards, and
// each matching operation gets its own bucket; the most specific limit wins
// (service+operation, then operation, then service, then global).
// perSecond ≤ 0 removes the limit. The buckets refill by Options.Now.
func (s *Server) SetRateLimit(service, operation string, perSecond float64, burst int) error {
	if service != "" {
		c := canonicalService(service)
		if c == "" {
			return fmt.Errorf("rate limit service %q: want %q, %q, %q or empty for any", service, ServiceELBv2, ServiceCloudWatch, ServiceSTS)
		}
		service = c
	}
	if math.IsNaN(perSecond) || math.IsInf(perSecond, 0) {
		return fmt.Errorf("rate limit perSecond must be a finite number, got %v", perSecond)
	}
	if perSecond > 0 && burst < 1 {
		return fmt.Errorf("rate limit burst must be ≥ 1, got %d", burst)
	}
	l := &s.limits
	l.mu.Lock()
	defer l.mu.Unlock()
	key := limitKey{service, operation}
	// Changing any limit restarts the buckets it could govern.
	for k := range l.buckets {
		if (service == "" || service == k.service) && (operation == "" || operation == k.operation) {
			delete(l.buckets, k)
		}
	}
	if perSecond <= 0 {
		delete(l.limits, key)
		return nil
	}
	if l.limits == nil {
		l.limits = map[limitKey]RateLimit{}
	}
	l.limits[key] = RateLimit{Service: service, Operation: operation, PerSecond: perSecond, Burst: burst}
	return nil
}

// ClearRateLimits removes every rate limit.
func (s *Server) ClearRateLimits() {
	l := &s.limits
	l.mu.Lock()
	defer l.mu.Unlock()
	l.limits, l.buckets = nil, nil
}

// RateLimits lists the configured limits.
func (s *Server) RateLimits() []RateLimit {
	l := &s.limits
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]RateLimit, 0, len(l.limits))
	for _, v := range l.limits {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Service != out[j].Service {
			return out[i].Service < out[j].Service
		}
		return out[i].Operation < out[j].Operation
	})
	return out
}

// allow takes a token for the call, reporting false when the bucket is empty.
func (l *rateLimiter) allow(service, operation string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.limits) == 0 {
		return true
	}
	var limit RateLimit
	found := false
	for _, k := range []limitKey{{service, operation}, {"", operation}, {service, ""}, {"", ""}} {
		if v, ok := l.limits[k]; ok {
			limit, found = v, true
			break
		}
	}
	if !found {
		return true
	}
	now := l.now()
	key := limitKey{service, operation}
	b := l.buckets[key]
	if b == nil {
		if l.buckets == nil {
			l.buckets = map[limitKey]*bucket{}
		}
		b = &bucket{tokens: float64(limit.Burst), last: now}
		l.buckets[key] = b
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = math.Min(float64(limit.Burst), b.tokens+elapsed*limit.PerSecond)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true
	}
	return false
}
