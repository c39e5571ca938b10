package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"time"
)

// Fleet is a set of clients that behave like browsers behind one load
// balancer: each has its own cookie jar (so ALB stickiness cookies stick to
// the client that got them) and its own keep-alive connection. Round sends
// one request per client, synchronously, so a test on a fake clock can send
// traffic at chosen virtual instants (from a clock callback) and read which
// color each client reached.
//
//	f, _ := loadgen.NewFleet(loadgen.FleetConfig{URL: url, Clients: 20, TagHeader: "X-Demo-Color"})
//	answers := f.Round(ctx) // answers[i].Tag == "green"
type Fleet struct {
	url     string
	tag     string
	clients []*http.Client
	trs     []*http.Transport
	samples []Sample
	start   time.Time
}

// FleetConfig configures NewFleet.
type FleetConfig struct {
	// URL is the target, http://<loopback host>[:port]/path.
	URL string
	// Clients is the number of clients; 0 means 1.
	Clients int
	// TagHeader names a response header recorded per answer (e.g. the demo
	// app's X-Demo-Color), "" for none.
	TagHeader string
	// RequestTimeout bounds one request; 0 means 10 s.
	RequestTimeout time.Duration
}

// Answer is one client's request of a round.
type Answer struct {
	Client int
	// Status is the HTTP status; 0 on a transport error (Err).
	Status int
	// Tag is the TagHeader of the answer ("" when absent or on error).
	Tag string
	Err error
}

// OK reports whether the request succeeded: a response with status < 500.
func (a Answer) OK() bool { return a.Err == nil && a.Status > 0 && a.Status < 500 }

// NewFleet builds the clients. It refuses non-loopback URLs.
func NewFleet(cfg FleetConfig) (*Fleet, error) {
	if err := CheckLoopback(cfg.URL); err != nil {
		return nil, err
	}
	if cfg.Clients < 0 {
		return nil, errors.New("loadgen: negative Clients")
	}
	n := max(cfg.Clients, 1)
	timeout := cfg.RequestTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	f := &Fleet{url: cfg.URL, tag: cfg.TagHeader, start: time.Now()}
	for range n {
		jar, err := cookiejar.New(nil)
		if err != nil {
			return nil, fmt.Errorf("loadgen: cookie jar: %w", err)
		}
		tr := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 1, DisableCompression: true,
			DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext}
		f.trs = append(f.trs, tr)
		f.clients = append(f.clients, &http.Client{Transport: tr, Jar: jar, Timeout: timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }})
	}
	return f, nil
}

// Clients is the number of clients.
func (f *Fleet) Clients() int { return len(f.clients) }

// Round sends one GET per client, one after the other, and returns the
// answers in client order. Every request is also kept as a Sample (Report).
func (f *Fleet) Round(ctx context.Context) []Answer {
	out := make([]Answer, len(f.clients))
	for i, c := range f.clients {
		a := Answer{Client: i}
		t0 := time.Now()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.url, nil)
		if err == nil {
			var resp *http.Response
			if resp, err = c.Do(req); err == nil {
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				a.Status = resp.StatusCode
				if f.tag != "" {
					a.Tag = resp.Header.Get(f.tag)
				}
			}
		}
		if err != nil {
			a.Status, a.Tag, a.Err = 0, "", err
		}
		out[i] = a
		f.samples = append(f.samples, Sample{Offset: t0.Sub(f.start), Latency: time.Since(t0), Status: int16(a.Status)})
	}
	return out
}

// Report summarises every request the fleet sent.
func (f *Fleet) Report() Report {
	return Report{Stats: summarise(f.samples), Start: f.start, Elapsed: time.Since(f.start), Samples: f.samples}
}

// Close drops the clients' connections.
func (f *Fleet) Close() {
	for _, tr := range f.trs {
		tr.CloseIdleConnections()
	}
}
