package haproxy

import (
	"net/http"
	"testing"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/testenv"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// The share Read reports is the share HAProxy routes: with 2 blue and 3
// green servers (unequal counts), requests through the frontend split as
// the weights say. HAProxy's weighted round robin serves each server its
// weight once per cycle of (sum of weights) requests, so whole cycles give
// exact counts (once the cycle that straddles the change has passed).
func TestRouter_requestsFollowTheShare(t *testing.T) {
	// Slow health checks: a check timing out on a loaded machine must not
	// take a server out of the rotation mid-count.
	h := testenv.StartHAProxy(t, testenv.HAProxyOptions{Blue: 2, Green: 3, CheckInterval: 5 * time.Second})
	r, err := New(Config{Address: h.AdminTCP, Backend: h.Backend})
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	for _, p := range []int{30, 7, 50} {
		w := traffic.Split(traffic.Green, p)
		if err := r.Set(ctxT(t), w); err != nil {
			t.Fatal(err)
		}
		const cycles = 3
		total := cycles * 2 * 100 // k = 2: every cycle is 2·(blue+green) = 200 requests
		green := 0
		// The first cycle after a change starts from the old round's
		// positions; count whole cycles after it.
		for i := range 200 + total {
			resp, err := client.Get(h.URL)
			if err != nil {
				t.Fatal(err)
			}
			if i >= 200 && resp.Header.Get("X-Demo-Color") == "green" {
				green++
			}
			resp.Body.Close()
		}
		if want := cycles * 2 * p; green != want {
			t.Errorf("%s: %d of %d requests went to green, want %d", w, green, total, want)
		}
	}
}
