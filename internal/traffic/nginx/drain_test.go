package nginx_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/testenv"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/nginx"
)

// A request in flight on blue when traffic flips to green is finished by the
// old worker (Nginx drains it), Set does not wait for it, and every new
// request goes to green as soon as Set returns.
func TestSet_inFlightRequestDrainsOnTheOldWorker(t *testing.T) {
	started := make(chan struct{}, 1)
	release := make(chan struct{})
	slowBlue := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			started <- struct{}{}
			<-release
		}
		w.Header().Set("X-Color", "blue")
		_, _ = w.Write([]byte("blue slow\n"))
	}))
	t.Cleanup(slowBlue.Close)
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	blueAddr := strings.TrimPrefix(slowBlue.URL, "http://")
	green := testenv.ColorBackend(t, "green", 0)
	n := testenv.StartNginx(t, testenv.NginxOptions{
		Include: []byte(fmt.Sprintf("upstream app { server %s weight=100; server %s down; }\n", blueAddr, green)),
	})
	r, err := nginx.New(nginx.Config{
		Host: &faultyHost{}, File: n.IncludeFile, Upstream: "app",
		Blue: []string{blueAddr}, Green: []string{green},
		Nginx: n.Bin, NginxArgs: n.Args(), PIDFile: n.PIDFile,
		ConfirmTimeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	type answer struct {
		status int
		body   string
		err    error
	}
	inflight := make(chan answer, 1)
	go func() {
		resp, err := testenv.Client().Get(n.URL + "/slow")
		if err != nil {
			inflight <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		inflight <- answer{status: resp.StatusCode, body: string(b), err: err}
	}()
	<-started

	if err := r.Set(ctx, traffic.Split(traffic.Green, 100)); err != nil {
		t.Fatalf("Set while a request is in flight: %v\n%s", err, n.Log())
	}
	if got := countColors(t, n.URL+"/", 10); got["green"] != 10 {
		t.Fatalf("after Set returned: %v, want all green", got)
	}
	close(release)
	a := <-inflight
	if a.err != nil || a.status != http.StatusOK || a.body != "blue slow\n" {
		t.Fatalf("the in-flight request was not drained: status %d body %q err %v", a.status, a.body, a.err)
	}
}
