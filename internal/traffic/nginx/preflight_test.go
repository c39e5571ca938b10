package nginx_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/httpcheck"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/nginx"
)

func TestPreflightChecks_oneCheckPerServer(t *testing.T) {
	healthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" || r.URL.RawQuery != "deep=1" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	defer healthy.Close()
	sick := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "starting", http.StatusServiceUnavailable)
	}))
	defer sick.Close()
	addr := func(s *httptest.Server) string { return strings.TrimPrefix(s.URL, "http://") }
	retries := 0
	tmpl := httpcheck.Config{URL: "http://placeholder/healthz?deep=1", Retries: &retries}

	cs, err := nginx.PreflightChecks(traffic.Green, []string{addr(healthy), addr(sick)}, tmpl)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 {
		t.Fatalf("%d checks, want 2", len(cs))
	}
	ctx := context.Background()
	r0, r1 := cs[0].Evaluate(ctx), cs[1].Evaluate(ctx)
	if r0[0].Verdict != checks.Pass || r0[0].Check != "http:nginx:green:"+addr(healthy) {
		t.Fatalf("healthy server: %s", r0[0])
	}
	if r1[0].Verdict != checks.Fail || r1[0].Value != 503 {
		t.Fatalf("sick server: %s", r1[0])
	}

	if _, err := nginx.PreflightChecks(traffic.Blue, []string{"unix:/run/app.sock"}, tmpl); err == nil {
		t.Fatal("a unix socket server was accepted")
	}
	if _, err := nginx.PreflightChecks(traffic.Blue, nil, tmpl); err == nil {
		t.Fatal("an empty server list was accepted")
	}
	if _, err := nginx.PreflightChecks(traffic.Blue, []string{"a:1"}, httpcheck.Config{URL: "/healthz"}); err == nil {
		t.Fatal("a relative template URL was accepted")
	}
}
