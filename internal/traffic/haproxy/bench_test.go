package haproxy

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/loadgen"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/testenv"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// BenchmarkFlip measures, side by side under the same load, what flipping
// all traffic between blue and green 20 times costs the clients of HAProxy:
//
//   - runtime-api: this router (one backend, server weights over the
//     Runtime API, no reload);
//   - reload-sf: the source texts' method — rewrite the backend map and
//     start a new HAProxy with `-sf <old pid>`;
//   - reload-master-worker: the same map rewrite with a seamless
//     master-worker reload (`-W`, `expose-fd listeners`, SIGUSR2).
//
// Run it with
//
//	go test -run XXX -bench BenchmarkFlip -benchtime 1x ./internal/traffic/haproxy
//
// Each iteration is one whole scenario (steady load, 20 flips, tail); the
// metrics are per scenario: failed requests (transport errors and 5xx), p99
// over the flip period, Runtime API command lines and `set server` commands
// per flip, and the median and worst time from the start of a write to the
// first response from the new color. BENCH_FLIPS and BENCH_RATE override the
// 20 flips and 400 requests per second.
func BenchmarkFlip(b *testing.B) {
	for _, m := range []string{"runtime-api", "reload-sf", "reload-master-worker"} {
		b.Run(m, func(b *testing.B) {
			for range b.N {
				res := runFlips(b, m, envInt("BENCH_FLIPS", 20), float64(envInt("BENCH_RATE", 400)))
				b.ReportMetric(float64(res.during.Failures), "failed")
				b.ReportMetric(float64(res.all.Failures), "failed-total")
				b.ReportMetric(float64(res.during.Requests), "requests")
				b.ReportMetric(float64(res.rawFailed), "raw-failed")
				b.ReportMetric(float64(res.rawRequests), "raw-requests")
				b.ReportMetric(ms(res.during.P99), "p99-ms")
				b.ReportMetric(ms(res.steady.P99), "steady-p99-ms")
				b.ReportMetric(res.linesPerFlip, "cmdlines/flip")
				b.ReportMetric(res.setsPerFlip, "sets/flip")
				b.ReportMetric(ms(res.firstNewMedian), "first-new-median-ms")
				b.ReportMetric(ms(res.firstNewMax), "first-new-max-ms")
				b.Logf("%s: steady %s | during flips %s | after %s | errors %v | raw keep-alive client: %d requests, %d failed %v",
					m, res.steady, res.during, res.after, res.errors, res.rawRequests, res.rawFailed, res.rawErrors)
			}
		})
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

type flipResult struct {
	steady, during, after, all  loadgen.Stats
	linesPerFlip, setsPerFlip   float64
	firstNewMedian, firstNewMax time.Duration
	errors                      []string
	// A client that never retries (raw HTTP/1.1 keep-alive connections).
	rawRequests, rawFailed int64
	rawErrors              []string
}

// rawLoad sends GET requests over conns keep-alive connections, one every
// interval per connection, and never retries: a request that gets no
// response (a connection closed under it) or a 5xx is a failure, and the
// next request opens a new connection. Go's http.Transport (the load
// generator's) silently retries idempotent requests whose reused
// connection was closed; many clients, and every non-idempotent request,
// do not.
func rawLoad(ctx context.Context, addr string, conns int, interval time.Duration) (requests, failed int64, errs []string) {
	var n, f atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var c net.Conn
			var br *bufio.Reader
			defer func() {
				if c != nil {
					c.Close()
				}
			}()
			fail := func(err error) {
				f.Add(1)
				mu.Lock()
				if len(errs) < 5 {
					errs = append(errs, err.Error())
				}
				mu.Unlock()
				if c != nil {
					c.Close()
					c = nil
				}
			}
			for ctx.Err() == nil {
				time.Sleep(interval)
				if c == nil {
					var err error
					if c, err = net.DialTimeout("tcp", addr, 2*time.Second); err != nil {
						n.Add(1)
						fail(err)
						continue
					}
					br = bufio.NewReader(c)
				}
				n.Add(1)
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: bench\r\n\r\n"); err != nil {
					fail(err)
					continue
				}
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					fail(err)
					continue
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch {
				case err != nil:
					fail(err)
				case resp.StatusCode >= 500:
					fail(fmt.Errorf("status %d", resp.StatusCode))
				case resp.Close:
					c.Close()
					c = nil
				}
			}
		}()
	}
	wg.Wait()
	return n.Load(), f.Load(), errs
}

func runFlips(b *testing.B, method string, flips int, rate float64) flipResult {
	b.Helper()
	opts := testenv.HAProxyOptions{Blue: 2, Green: 2}
	if method != "runtime-api" {
		opts.Layout = testenv.MapFile
		opts.MasterWorker = method == "reload-master-worker"
	}
	h := testenv.StartHAProxy(b, opts)
	var r *Router
	if method == "runtime-api" {
		var err error
		if r, err = New(Config{Address: h.AdminTCP, Backend: h.Backend}); err != nil {
			b.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const steady, gap = 2 * time.Second, 400 * time.Millisecond
	total := steady*2 + time.Duration(flips)*(gap+500*time.Millisecond)
	done := make(chan loadgen.Report, 1)
	go func() {
		rep, err := loadgen.Run(ctx, loadgen.Config{URL: h.URL, Rate: rate, Concurrency: 8, Duration: total})
		if err != nil {
			b.Error(err)
		}
		done <- rep
	}()
	type rawResult struct {
		n, f int64
		errs []string
	}
	rawDone := make(chan rawResult, 1)
	go func() {
		rctx, rcancel := context.WithTimeout(ctx, total)
		defer rcancel()
		n, f, errs := rawLoad(rctx, strings.TrimSuffix(strings.TrimPrefix(h.URL, "http://"), "/"), 4, 10*time.Millisecond)
		rawDone <- rawResult{n, f, errs}
	}()
	time.Sleep(steady)

	// The probe opens a new connection per request: it sees the new color
	// as soon as any new client would.
	probe := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var firstNew []time.Duration
	var lines, sets int
	color := traffic.Blue
	flipStart := time.Now()
	for i := 0; i < flips; i++ {
		color = color.Other()
		var plannedSets int
		if method == "runtime-api" {
			l, err := r.Layout(ctx)
			if err != nil {
				b.Fatal(err)
			}
			plannedSets = len(Plan(l, weightsOf(l), targetOf(l, traffic.Split(color, 100)), h.Backend))
		}
		// Probe from the start of the write, concurrently with it.
		start := time.Now()
		seen := make(chan time.Duration, 1)
		go func(want traffic.Color) {
			for time.Since(start) < 10*time.Second {
				resp, err := probe.Get(h.URL)
				if err == nil {
					got := resp.Header.Get("X-Demo-Color")
					resp.Body.Close()
					if got == string(want) {
						seen <- time.Since(start)
						return
					}
				}
			}
			seen <- -1
		}(color)
		switch method {
		case "runtime-api":
			before := r.API().Commands()
			if err := r.Set(ctx, traffic.Split(color, 100)); err != nil {
				b.Fatal(err)
			}
			lines += int(r.API().Commands() - before)
			sets += plannedSets
		default:
			h.WriteMap(b, string(color))
			h.Reload(b)
		}
		d := <-seen
		if d < 0 {
			b.Fatalf("flip %d: no answer from %s within 10s", i+1, color)
		}
		firstNew = append(firstNew, d)
		time.Sleep(gap)
	}
	flipEnd := time.Now()
	rep := <-done
	raw := <-rawDone
	sort.Slice(firstNew, func(i, j int) bool { return firstNew[i] < firstNew[j] })
	res := flipResult{
		steady:      rep.Window(rep.Start, flipStart),
		during:      rep.Window(flipStart, flipEnd),
		after:       rep.Window(flipEnd, rep.Start.Add(rep.Elapsed+time.Second)),
		all:         rep.Stats,
		errors:      rep.Errors,
		rawRequests: raw.n, rawFailed: raw.f, rawErrors: raw.errs,
	}
	if len(firstNew) > 0 {
		res.firstNewMedian, res.firstNewMax = firstNew[len(firstNew)/2], firstNew[len(firstNew)-1]
	}
	if method == "runtime-api" {
		res.linesPerFlip, res.setsPerFlip = float64(lines)/float64(flips), float64(sets)/float64(flips)
	}
	if testing.Verbose() {
		fmt.Printf("%s: %d flips, first response from the new color after %v (median) / %v (max)\n", method, flips, res.firstNewMedian, res.firstNewMax)
	}
	return res
}
