// Package loadgen is a small HTTP load generator for the zero-downtime
// measurements: it sends GET requests to one loopback URL over keep-alive
// connections, bounded in count and in time, and records every request
// compactly (start offset, latency, status) so that statistics can be split
// by time window afterwards (steady state vs during flips).
//
//	rep, err := loadgen.Run(ctx, loadgen.Config{URL: "http://127.0.0.1:10080/", Concurrency: 8, MaxRequests: 5000})
//	during := rep.Window(flipStart, flipEnd)
//
// It refuses non-loopback hosts: it is a test tool, never a way to load
// somebody else's service.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Config bounds a run. At least one of MaxRequests and Duration must be set.
type Config struct {
	// URL is the target, http://<loopback host>[:port]/path.
	URL string
	// Rate is the total request rate in requests per second; 0 sends as fast
	// as Concurrency allows.
	Rate float64
	// Concurrency is the number of workers (and keep-alive connections);
	// 0 means 1.
	Concurrency int
	// MaxRequests stops the run after this many requests (0 = no count bound).
	MaxRequests int
	// Duration stops the run after this long (0 = no time bound).
	Duration time.Duration
	// RequestTimeout bounds one request; 0 means 10 s.
	RequestTimeout time.Duration
	// Progress, when set, is incremented as each request completes, so a
	// caller can act at given points of the run.
	Progress *atomic.Int64
}

// Sample is one request: when it started (offset from Report.Start), how
// long it took to its full response body, and its status (0 = transport error).
type Sample struct {
	Offset  time.Duration
	Latency time.Duration
	Status  int16
}

// OK reports whether the request succeeded: a response with status < 500.
func (s Sample) OK() bool { return s.Status > 0 && s.Status < 500 }

// Stats summarises a set of samples.
type Stats struct {
	Requests int
	// Failures are transport errors plus 5xx answers.
	Failures int
	// ByStatus counts answers per HTTP status; 0 counts transport errors.
	ByStatus map[int]int
	P50, P99 time.Duration
	Max      time.Duration
	// Span is the time between the first and the last request start.
	Span time.Duration
}

// RPS is requests per second over Span (0 with fewer than two requests).
func (s Stats) RPS() float64 {
	if s.Span <= 0 {
		return 0
	}
	return float64(s.Requests) / s.Span.Seconds()
}

// String renders the stats on one line.
func (s Stats) String() string {
	return fmt.Sprintf("%d requests, %d failures, p50 %v, p99 %v, max %v", s.Requests, s.Failures,
		s.P50.Round(time.Microsecond), s.P99.Round(time.Microsecond), s.Max.Round(time.Microsecond))
}

// Report is the result of a run: overall Stats plus every sample.
type Report struct {
	Stats
	// Start is when the run started; Elapsed its wall time.
	Start   time.Time
	Elapsed time.Duration
	// Samples holds every request, ordered by Offset.
	Samples []Sample
	// Errors holds the first few transport errors, for diagnostics.
	Errors []string
}

// Window returns the stats of the requests that started in [from, to).
func (r Report) Window(from, to time.Time) Stats {
	lo, hi := from.Sub(r.Start), to.Sub(r.Start)
	i, _ := slices.BinarySearchFunc(r.Samples, lo, func(s Sample, d time.Duration) int { return cmpDur(s.Offset, d) })
	j, _ := slices.BinarySearchFunc(r.Samples, hi, func(s Sample, d time.Duration) int { return cmpDur(s.Offset, d) })
	return summarise(r.Samples[i:j])
}

func cmpDur(a, b time.Duration) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// summarise computes Stats over samples ordered by Offset.
func summarise(samples []Sample) Stats {
	st := Stats{Requests: len(samples), ByStatus: map[int]int{}}
	if len(samples) == 0 {
		return st
	}
	lat := make([]time.Duration, len(samples))
	for i, s := range samples {
		lat[i] = s.Latency
		st.ByStatus[int(s.Status)]++
		if !s.OK() {
			st.Failures++
		}
	}
	slices.Sort(lat)
	st.P50 = percentile(lat, 50)
	st.P99 = percentile(lat, 99)
	st.Max = lat[len(lat)-1]
	st.Span = samples[len(samples)-1].Offset - samples[0].Offset
	return st
}

// percentile is the nearest-rank percentile of sorted values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(float64(len(sorted))*p/100+0.999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

// CheckLoopback returns an error unless rawURL is an http URL whose host is
// a loopback IP address or "localhost".
func CheckLoopback(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("loadgen: URL %q: %w", rawURL, err)
	}
	if u.Scheme != "http" {
		return fmt.Errorf("loadgen: URL %q: only http is supported", rawURL)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("loadgen: URL %q: host %q is not a loopback address; loadgen only targets this machine", rawURL, host)
	}
	return nil
}

const maxKeptErrors = 5

// Run sends requests until MaxRequests are done, Duration has passed or ctx
// ends, and reports them. It fails only on an invalid Config.
func Run(ctx context.Context, cfg Config) (Report, error) {
	if err := CheckLoopback(cfg.URL); err != nil {
		return Report{}, err
	}
	if cfg.MaxRequests <= 0 && cfg.Duration <= 0 {
		return Report{}, errors.New("loadgen: set MaxRequests or Duration (a run must be bounded)")
	}
	if cfg.Rate < 0 || cfg.MaxRequests < 0 || cfg.Duration < 0 || cfg.Concurrency < 0 {
		return Report{}, errors.New("loadgen: negative Rate, MaxRequests, Duration or Concurrency")
	}
	conc := max(cfg.Concurrency, 1)
	timeout := cfg.RequestTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	tr := &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        conc,
		MaxIdleConnsPerHost: conc,
		MaxConnsPerHost:     conc,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	var (
		issued  atomic.Int64
		mu      sync.Mutex
		all     []Sample
		errs    []string
		wg      sync.WaitGroup
		start   = time.Now()
		perReq  time.Duration
		maxReqs = int64(cfg.MaxRequests)
	)
	if cfg.Rate > 0 {
		perReq = time.Duration(float64(time.Second) / cfg.Rate)
	}
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]Sample, 0, 1024)
			var localErrs []string
			for ctx.Err() == nil {
				n := issued.Add(1) - 1
				if maxReqs > 0 && n >= maxReqs {
					break
				}
				if perReq > 0 {
					due := start.Add(time.Duration(n) * perReq)
					if d := time.Until(due); d > 0 {
						t := time.NewTimer(d)
						select {
						case <-ctx.Done():
							t.Stop()
						case <-t.C:
						}
						if ctx.Err() != nil {
							break
						}
					}
				}
				s, err := doOne(ctx, client, cfg.URL, start)
				if err != nil && ctx.Err() != nil {
					break // the run's bound, not a failure of the target
				}
				if err != nil && len(localErrs) < maxKeptErrors {
					localErrs = append(localErrs, err.Error())
				}
				local = append(local, s)
				if cfg.Progress != nil {
					cfg.Progress.Add(1)
				}
			}
			mu.Lock()
			all = append(all, local...)
			for _, e := range localErrs {
				if len(errs) < maxKeptErrors {
					errs = append(errs, e)
				}
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.SortFunc(all, func(a, b Sample) int { return cmpDur(a.Offset, b.Offset) })
	return Report{Stats: summarise(all), Start: start, Elapsed: time.Since(start), Samples: all, Errors: errs}, nil
}

func doOne(ctx context.Context, client *http.Client, rawURL string, start time.Time) (Sample, error) {
	t0 := time.Now()
	s := Sample{Offset: t0.Sub(start)}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		s.Latency = time.Since(t0)
		return s, err
	}
	resp, err := client.Do(req)
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil {
			s.Status = int16(resp.StatusCode)
		}
	}
	s.Latency = time.Since(t0)
	return s, err
}
