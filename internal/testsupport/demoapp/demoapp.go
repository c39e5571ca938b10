// Package demoapp is a tiny HTTP service used as the blue/green release in
// demos and data-plane tests: it reports its version and colour, answers
// health checks, and can be told at runtime to behave like a bad release
// (fail a share of requests, reset the connection of a share of requests,
// add latency, fail its health check).
//
// Endpoints:
//
//	GET  /                → 200 {"version":"v2","color":"green","hostname":"…","addr":"127.0.0.1:8081"}
//	                        (after latency_ms; 500 {"error":…} for fail_percent % of requests;
//	                        for reset_percent % of requests no answer: the connection is
//	                        reset (TCP RST) after the request was read, as a crashing
//	                        process does)
//	GET  /version         → 200 "v2\n" (plain text; no injected latency or failures)
//	GET  /health          → 200 "ok\n", or 503 "unhealthy\n" when healthy is false
//	GET  /_demo/behaviour → 200 {"fail_percent":0,"reset_percent":0,"latency_ms":0,"healthy":true}
//	POST /_demo/behaviour → same body; only the fields sent change; answers the new behaviour
//
// Every response (404s too) carries X-Demo-Version and X-Demo-Color headers.
//
// Use it in-process (tests, the demo driver):
//
//	app := demoapp.New(demoapp.Config{Version: "v2", Color: "green"})
//	srv, err := app.Start("127.0.0.1:0") // srv.Addr(), srv.URL(), srv.Close()
//	app.SetBehaviour(demoapp.Behaviour{FailPercent: 20, Healthy: true})
//
// or as a command: go run ./cmd/bluegreen-demo-app -addr 127.0.0.1:8081 -version v2 -color green
package demoapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures an App. Zero values: Version "v1", Color "blue",
// Hostname os.Hostname(), healthy, no failures, no latency.
type Config struct {
	Version  string
	Color    string
	Hostname string

	// Initial behaviour (see Behaviour).
	FailPercent  float64
	ResetPercent float64
	LatencyMS    int
	Unhealthy    bool
}

// Behaviour is the runtime-adjustable behaviour, as JSON on /_demo/behaviour.
type Behaviour struct {
	// FailPercent (0-100) of requests to / answer 500.
	FailPercent float64 `json:"fail_percent"`
	// ResetPercent (0-100) of requests to / get no answer: the app resets
	// the connection (TCP RST) once it has read the request. Behind an ALB
	// the client gets an ELB 502, and no target 5xx is counted. Checked
	// before FailPercent.
	ResetPercent float64 `json:"reset_percent"`
	// LatencyMS is added before answering /.
	LatencyMS int `json:"latency_ms"`
	// Healthy false makes /health answer 503.
	Healthy bool `json:"healthy"`
}

// behaviourPatch is a partial update: absent fields keep their value.
type behaviourPatch struct {
	FailPercent  *float64 `json:"fail_percent"`
	ResetPercent *float64 `json:"reset_percent"`
	LatencyMS    *int     `json:"latency_ms"`
	Healthy      *bool    `json:"healthy"`
}

// App is one demo application instance. It is safe for concurrent use.
type App struct {
	version, color, hostname string

	mu sync.Mutex
	b  Behaviour

	requests atomic.Int64
	failures atomic.Int64
	resets   atomic.Int64
}

// New returns an App for cfg.
func New(cfg Config) *App {
	if cfg.Version == "" {
		cfg.Version = "v1"
	}
	if cfg.Color == "" {
		cfg.Color = "blue"
	}
	if cfg.Hostname == "" {
		cfg.Hostname, _ = os.Hostname()
	}
	a := &App{version: cfg.Version, color: cfg.Color, hostname: cfg.Hostname}
	a.b = Behaviour{FailPercent: clampPercent(cfg.FailPercent), ResetPercent: clampPercent(cfg.ResetPercent), LatencyMS: max(cfg.LatencyMS, 0), Healthy: !cfg.Unhealthy}
	return a
}

// Version and Color return the app's identity.
func (a *App) Version() string { return a.version }

// Color returns the app's colour.
func (a *App) Color() string { return a.color }

// Behaviour returns the current behaviour.
func (a *App) Behaviour() Behaviour {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.b
}

// SetBehaviour replaces the behaviour (FailPercent is clamped to 0-100,
// LatencyMS to >= 0).
func (a *App) SetBehaviour(b Behaviour) {
	b.FailPercent = clampPercent(b.FailPercent)
	b.ResetPercent = clampPercent(b.ResetPercent)
	b.LatencyMS = max(b.LatencyMS, 0)
	a.mu.Lock()
	a.b = b
	a.mu.Unlock()
}

// SetHealthy sets only the health check answer.
func (a *App) SetHealthy(healthy bool) {
	a.mu.Lock()
	a.b.Healthy = healthy
	a.mu.Unlock()
}

// Requests is the number of requests to / served so far; Failures how many
// of them were failed on purpose.
func (a *App) Requests() int64 { return a.requests.Load() }

// Failures is the number of requests to / failed on purpose.
func (a *App) Failures() int64 { return a.failures.Load() }

// Resets is the number of connections reset on purpose (ResetPercent).
func (a *App) Resets() int64 { return a.resets.Load() }

func clampPercent(p float64) float64 {
	switch {
	case p != p || p < 0: // NaN or negative
		return 0
	case p > 100:
		return 100
	}
	return p
}

// Handler serves the app's endpoints.
func (a *App) Handler() http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", a.serveRoot)
	m.HandleFunc("GET /version", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, a.version+"\n")
	})
	m.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !a.Behaviour().Healthy {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "unhealthy\n")
			return
		}
		_, _ = io.WriteString(w, "ok\n")
	})
	m.HandleFunc("GET /_demo/behaviour", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, a.Behaviour())
	})
	m.HandleFunc("POST /_demo/behaviour", func(w http.ResponseWriter, r *http.Request) {
		var p behaviourPatch
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid JSON body: " + err.Error() + ` (want {"fail_percent":10,"latency_ms":200,"healthy":true}; every field optional)`})
			return
		}
		a.mu.Lock()
		b := a.b
		if p.FailPercent != nil {
			b.FailPercent = *p.FailPercent
		}
		if p.ResetPercent != nil {
			b.ResetPercent = *p.ResetPercent
		}
		if p.LatencyMS != nil {
			b.LatencyMS = *p.LatencyMS
		}
		if p.Healthy != nil {
			b.Healthy = *p.Healthy
		}
		a.mu.Unlock()
		a.SetBehaviour(b)
		writeJSON(w, http.StatusOK, a.Behaviour())
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.identify(w)
		m.ServeHTTP(w, r)
	})
}

func (a *App) identify(w http.ResponseWriter) {
	w.Header().Set("X-Demo-Version", a.version)
	w.Header().Set("X-Demo-Color", a.color)
}

func (a *App) serveRoot(w http.ResponseWriter, r *http.Request) {
	b := a.Behaviour()
	a.requests.Add(1)
	if b.LatencyMS > 0 {
		t := time.NewTimer(time.Duration(b.LatencyMS) * time.Millisecond)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if b.ResetPercent > 0 && rand.Float64()*100 < b.ResetPercent && a.reset(w) {
		return
	}
	if b.FailPercent > 0 && rand.Float64()*100 < b.FailPercent {
		a.failures.Add(1)
		writeJSON(w, http.StatusInternalServerError, map[string]string{
			"error": "injected failure", "version": a.version, "color": a.color,
		})
		return
	}
	resp := map[string]string{"version": a.version, "color": a.color, "hostname": a.hostname}
	if la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		resp["addr"] = la.String()
	}
	writeJSON(w, http.StatusOK, resp)
}

// reset closes the request's connection with a TCP RST (SO_LINGER 0) and no
// answer. false when the connection cannot be taken over (HTTP/2).
func (a *App) reset(w http.ResponseWriter) bool {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return false
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	// Counted before the close: the client may see the reset (and the test
	// read the counter) before this goroutine runs again.
	a.resets.Add(1)
	_ = conn.Close()
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Server is an App serving on a TCP address.
type Server struct {
	App  *App
	ln   net.Listener
	http *http.Server
	done chan struct{}
	once sync.Once
}

// Start serves the app on addr (e.g. "127.0.0.1:0" for a free loopback
// port) in the background until Close.
func (a *App) Start(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("demoapp: listen on %s: %w", addr, err)
	}
	s := &Server{App: a, ln: ln, done: make(chan struct{}),
		http: &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second}}
	go func() {
		defer close(s.done)
		_ = s.http.Serve(ln)
	}()
	return s, nil
}

// Start is New(cfg).Start(addr).
func Start(cfg Config, addr string) (*Server, error) { return New(cfg).Start(addr) }

// Addr is the address the server listens on, e.g. "127.0.0.1:41234".
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Port is the TCP port the server listens on.
func (s *Server) Port() int {
	if t, ok := s.ln.Addr().(*net.TCPAddr); ok {
		return t.Port
	}
	return 0
}

// URL is "http://" + Addr().
func (s *Server) URL() string { return "http://" + s.Addr() }

// Close stops the server, waiting briefly for in-flight requests.
func (s *Server) Close() error {
	var err error
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err = s.http.Shutdown(ctx); err != nil {
			err = s.http.Close()
		}
		<-s.done
	})
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
