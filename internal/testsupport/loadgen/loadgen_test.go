package loadgen

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunCountsStatusesAndFailures(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) % 10 {
		case 0:
			w.WriteHeader(http.StatusServiceUnavailable)
		case 5:
			w.WriteHeader(http.StatusNotFound)
		default:
			_, _ = w.Write([]byte("ok"))
		}
	}))
	defer srv.Close()
	var progress atomic.Int64
	rep, err := Run(context.Background(), Config{URL: srv.URL, Concurrency: 4, MaxRequests: 200, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Requests != 200 || len(rep.Samples) != 200 || progress.Load() != 200 {
		t.Fatalf("requests %d, samples %d, progress %d; want 200", rep.Requests, len(rep.Samples), progress.Load())
	}
	if rep.ByStatus[503] != 20 || rep.ByStatus[404] != 20 || rep.ByStatus[200] != 160 {
		t.Fatalf("by status %v", rep.ByStatus)
	}
	if rep.Failures != 20 { // 5xx only; 404 is an answer, not a failure
		t.Fatalf("failures %d, want 20", rep.Failures)
	}
	if rep.P50 <= 0 || rep.P99 < rep.P50 || rep.Max < rep.P99 {
		t.Fatalf("percentiles p50 %v p99 %v max %v", rep.P50, rep.P99, rep.Max)
	}
	for i := 1; i < len(rep.Samples); i++ {
		if rep.Samples[i].Offset < rep.Samples[i-1].Offset {
			t.Fatal("samples not ordered by offset")
		}
	}
}

func TestRunTransportErrorsAreFailures(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hj, _ := w.(http.Hijacker)
		c, _, _ := hj.Hijack()
		_ = c.Close()
	}))
	defer srv.Close()
	rep, err := Run(context.Background(), Config{URL: srv.URL, Concurrency: 2, MaxRequests: 10})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Requests != 10 || rep.Failures != 10 || rep.ByStatus[0] != 10 || len(rep.Errors) == 0 {
		t.Fatalf("requests %d failures %d by status %v errors %v", rep.Requests, rep.Failures, rep.ByStatus, rep.Errors)
	}
}

func TestRunKeepsConnectionsAlive(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	if _, err := Run(context.Background(), Config{URL: srv.URL, Concurrency: 3, MaxRequests: 300}); err != nil {
		t.Fatal(err)
	}
	if c := conns.Load(); c > 3 {
		t.Fatalf("%d connections for 300 requests at concurrency 3, want <= 3 (keep-alive)", c)
	}
}

func TestRunRateAndDurationBound(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	rep, err := Run(context.Background(), Config{URL: srv.URL, Rate: 100, Concurrency: 2, Duration: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// 100 req/s for 0.3 s: about 30 requests; generous bounds, this is not a timing test.
	if rep.Requests < 5 || rep.Requests > 60 || rep.Failures != 0 {
		t.Fatalf("%d requests, %d failures at 100 req/s for 300ms", rep.Requests, rep.Failures)
	}
}

func TestWindow(t *testing.T) {
	start := time.Unix(1000, 0)
	rep := Report{Start: start, Samples: []Sample{
		{Offset: 0, Latency: time.Millisecond, Status: 200},
		{Offset: 10 * time.Millisecond, Latency: 2 * time.Millisecond, Status: 200},
		{Offset: 20 * time.Millisecond, Latency: 3 * time.Millisecond, Status: 502},
		{Offset: 30 * time.Millisecond, Latency: 4 * time.Millisecond, Status: 0},
		{Offset: 40 * time.Millisecond, Latency: 5 * time.Millisecond, Status: 200},
	}}
	w := rep.Window(start.Add(10*time.Millisecond), start.Add(40*time.Millisecond))
	if w.Requests != 3 || w.Failures != 2 || w.ByStatus[502] != 1 || w.ByStatus[0] != 1 {
		t.Fatalf("window %+v", w)
	}
	if w.P50 != 3*time.Millisecond || w.P99 != 4*time.Millisecond || w.Span != 20*time.Millisecond {
		t.Fatalf("window percentiles %+v", w)
	}
	if e := rep.Window(start.Add(time.Hour), start.Add(2*time.Hour)); e.Requests != 0 || e.P99 != 0 {
		t.Fatalf("empty window %+v", e)
	}
}

func TestRefusesNonLoopbackAndUnbounded(t *testing.T) {
	for _, u := range []string{"http://example.com/", "http://10.0.0.1:80/", "https://127.0.0.1/", "http://[::2]/", "::"} {
		if _, err := Run(context.Background(), Config{URL: u, MaxRequests: 1}); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
	for _, u := range []string{"http://127.0.0.1:1/", "http://127.0.0.2:1/", "http://localhost:1/", "http://[::1]:1/"} {
		if err := CheckLoopback(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	if _, err := Run(context.Background(), Config{URL: "http://127.0.0.1:1/"}); err == nil || !strings.Contains(err.Error(), "bounded") {
		t.Errorf("unbounded run: %v", err)
	}
}
