package demoapp

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func post(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestEndpointsAndBehaviour(t *testing.T) {
	app := New(Config{Version: "v2", Color: "green", Hostname: "box"})
	srv, err := app.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	code, h, body := get(t, srv.URL()+"/")
	var doc map[string]string
	if err := json.Unmarshal([]byte(body), &doc); err != nil || code != 200 {
		t.Fatalf("/: %d %s", code, body)
	}
	if doc["version"] != "v2" || doc["color"] != "green" || doc["hostname"] != "box" || doc["addr"] != srv.Addr() ||
		h.Get("X-Demo-Version") != "v2" || h.Get("X-Demo-Color") != "green" {
		t.Fatalf("/: %v %v", doc, h)
	}
	if code, _, body := get(t, srv.URL()+"/version"); code != 200 || body != "v2\n" {
		t.Fatalf("/version: %d %q", code, body)
	}
	if code, _, body := get(t, srv.URL()+"/health"); code != 200 || body != "ok\n" {
		t.Fatalf("/health: %d %q", code, body)
	}
	if code, h, _ := get(t, srv.URL()+"/nope"); code != 404 || h.Get("X-Demo-Color") != "green" {
		t.Fatalf("/nope: %d %v", code, h)
	}

	// Partial update: only the fields sent change.
	code, body = post(t, srv.URL()+"/_demo/behaviour", `{"healthy":false}`)
	if code != 200 || app.Behaviour() != (Behaviour{Healthy: false}) {
		t.Fatalf("POST healthy=false: %d %s %+v", code, body, app.Behaviour())
	}
	if code, _, _ := get(t, srv.URL()+"/health"); code != 503 {
		t.Fatalf("/health unhealthy: %d", code)
	}
	code, _ = post(t, srv.URL()+"/_demo/behaviour", `{"fail_percent":100,"latency_ms":50}`)
	if code != 200 || app.Behaviour() != (Behaviour{FailPercent: 100, LatencyMS: 50}) {
		t.Fatalf("POST fail/latency: %d %+v", code, app.Behaviour())
	}
	start := time.Now()
	if code, _, _ := get(t, srv.URL()+"/"); code != 500 || time.Since(start) < 50*time.Millisecond {
		t.Fatalf("/ with 100%% failures and 50 ms: %d after %v", code, time.Since(start))
	}
	if code, _ := post(t, srv.URL()+"/_demo/behaviour", `{"bogus":1}`); code != 400 {
		t.Fatalf("unknown field: %d", code)
	}
	code, _, body = get(t, srv.URL()+"/_demo/behaviour")
	if code != 200 || !strings.Contains(body, `"fail_percent":100`) {
		t.Fatalf("GET behaviour: %d %s", code, body)
	}
	if app.Requests() != 2 || app.Failures() != 1 {
		t.Fatalf("counters %d/%d", app.Requests(), app.Failures())
	}
	app.SetBehaviour(Behaviour{FailPercent: 250, LatencyMS: -3, Healthy: true})
	if b := app.Behaviour(); b.FailPercent != 100 || b.LatencyMS != 0 {
		t.Fatalf("clamping: %+v", b)
	}
}

func TestDefaults(t *testing.T) {
	app := New(Config{Unhealthy: true, FailPercent: 10})
	if app.Version() != "v1" || app.Color() != "blue" || app.Behaviour().Healthy || app.Behaviour().FailPercent != 10 {
		t.Fatalf("defaults: %s %s %+v", app.Version(), app.Color(), app.Behaviour())
	}
}

// TestResetPercent: a resetting app answers nothing; the client sees a reset
// (or EOF), never a status.
func TestResetPercent(t *testing.T) {
	srv, err := Start(Config{Version: "v2", Color: "green", ResetPercent: 100}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	resp, err := c.Get(srv.URL() + "/")
	if err == nil {
		resp.Body.Close()
		t.Fatalf("status %d from a resetting app, want a transport error", resp.StatusCode)
	}
	if srv.App.Resets() < 1 {
		t.Fatalf("resets %d", srv.App.Resets())
	}
	// Health checks still answer: a crash-looping process can pass them.
	resp, err = c.Get(srv.URL() + "/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("/health: %v %v", resp, err)
	}
	resp.Body.Close()
}
