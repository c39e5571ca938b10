package nginx_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/testenv"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// countColors sends n requests over fresh connections and counts the
// X-Color of the answers, and the answers per backend body ("blue 0").
func countColors(t *testing.T, url string, n int) map[string]int {
	t.Helper()
	ctx := context.Background()
	c := testenv.Client()
	counts := map[string]int{}
	for i := 0; i < n; i++ {
		color, err := testenv.GetColor(ctx, c, url)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		counts[color]++
	}
	return counts
}

// A canary split shows in real responses, exactly: Nginx's weighted round
// robin is smooth and deterministic in a worker (one worker here), and its
// selection sequence repeats every (sum of weights, reduced) requests, so
// any run of a whole number of cycles has exact counts — no statistical
// bound is needed, and none can flake. The fixture uses max_fails=0 so a
// slow backend never takes a server out of rotation.
func TestCanarySplit_exactCountsThroughNginx(t *testing.T) {
	for _, tc := range []struct {
		name        string
		blue, green int
	}{
		{"one server each", 1, 1},
		{"two blue three green", 2, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.blue, tc.green, nil)
			ctx := context.Background()
			// Per-server weights are scaled by the other color's server count,
			// so a cycle is (blue+green) × blue servers × green servers
			// requests at most; 100 × that is whole cycles for every split.
			n := 100 * tc.blue * tc.green
			for _, p := range []int{0, 10, 50, 90, 100} {
				if err := f.router.Set(ctx, traffic.Split(traffic.Green, p)); err != nil {
					t.Fatalf("Set green %d%%: %v\n%s", p, err, f.ngx.Log())
				}
				got := countColors(t, f.ngx.URL+"/", n)
				want := map[string]int{}
				if g := n * p / 100; g > 0 {
					want["green"] = g
				}
				if b := n * (100 - p) / 100; b > 0 {
					want["blue"] = b
				}
				if len(got) != len(want) || got["blue"] != want["blue"] || got["green"] != want["green"] {
					t.Fatalf("green at %d%%: %d requests answered %v, want exactly %v", p, n, got, want)
				}
			}
		})
	}
}

// Inside a color, requests spread evenly over its servers.
func TestCanarySplit_evenWithinAColor(t *testing.T) {
	f := newFixture(t, 2, 3, nil)
	ctx := context.Background()
	if err := f.router.Set(ctx, traffic.Split(traffic.Green, 50)); err != nil {
		t.Fatal(err)
	}
	c := testenv.Client()
	perBackend := map[string]int{}
	const n = 600 // whole cycles: weights 3 (blue) and 2 (green) per server, cycle 12
	for i := 0; i < n; i++ {
		body, err := getBody(ctx, c, f.ngx.URL+"/")
		if err != nil {
			t.Fatal(err)
		}
		perBackend[strings.TrimSpace(body)]++
	}
	want := map[string]int{"blue 0": 150, "blue 1": 150, "green 0": 100, "green 1": 100, "green 2": 100}
	for k, v := range want {
		if perBackend[k] != v {
			t.Fatalf("per backend %v, want %v", perBackend, want)
		}
	}
}

// With several workers each keeps its own round-robin state, so the split
// is exact per worker, not overall; but smooth weighted round robin never
// strays more than one request from the exact share in any prefix of a
// worker's sequence, so over all workers the count is within one request
// per worker of exact, whatever the kernel's choice of worker. Seen once on
// a loaded machine: 504 for 500 with three workers — each worker's sequence
// can also end part-way through its cycle on the other side — so the bound
// is two requests per worker.
func TestCanarySplit_boundedWithSeveralWorkers(t *testing.T) {
	const workers = 3
	f := newFixtureOpts(t, testenv.NginxOptions{WorkerProcesses: workers}, nil)
	ctx := context.Background()
	for _, p := range []int{10, 50} {
		if err := f.router.Set(ctx, traffic.Split(traffic.Green, p)); err != nil {
			t.Fatal(err)
		}
		const n = 1000
		got := countColors(t, f.ngx.URL+"/", n)
		want := n * p / 100
		if d := got["green"] - want; d < -2*workers || d > 2*workers || got["green"]+got["blue"] != n {
			t.Fatalf("green at %d%% with %d workers: %v, want green within %d of %d", p, workers, got, 2*workers, want)
		}
		t.Logf("green at %d%%: %v over %d requests", p, got, n)
	}
}
