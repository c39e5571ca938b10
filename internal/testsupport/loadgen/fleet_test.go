package loadgen

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// TestFleet_cookieJarPerClient: a cookie set for one client is sent back by
// that client only.
func TestFleet_cookieJarPerClient(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("who"); err == nil {
			w.Header().Set("X-Tag", c.Value)
			return
		}
		id := fmt.Sprint(n.Add(1))
		http.SetCookie(w, &http.Cookie{Name: "who", Value: id, Path: "/"})
		w.Header().Set("X-Tag", "new-"+id)
	}))
	defer srv.Close()
	f, err := NewFleet(FleetConfig{URL: srv.URL + "/", Clients: 3, TagHeader: "X-Tag"})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	first := f.Round(context.Background())
	second := f.Round(context.Background())
	for i := range 3 {
		if first[i].Tag != "new-"+fmt.Sprint(i+1) || second[i].Tag != fmt.Sprint(i+1) || !second[i].OK() {
			t.Fatalf("client %d: %+v then %+v", i, first[i], second[i])
		}
	}
	if r := f.Report(); r.Requests != 6 || r.Failures != 0 {
		t.Fatalf("report %v", r.Stats)
	}
	if _, err := NewFleet(FleetConfig{URL: "http://example.com/"}); err == nil {
		t.Fatal("non-loopback URL accepted")
	}
}
