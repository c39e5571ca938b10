package nginx_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/testenv"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// The flip measurements (docs/guides/nginx.md): requests through Nginx while
// traffic flips 20 times between blue and green, once through the router and
// once through the source texts' script (overwrite the map file in place,
// `nginx -s reload`, no test, no wait), with fresh connections and with
// keep-alive connections. Numbers are reported, never asserted:
//
//	go test -run '^$' -bench Flips -benchtime 1x ./internal/traffic/nginx

const (
	flips           = 20
	flipConcurrency = 8
	// flipSpacing is the time between flips, so load runs in every state.
	flipSpacing = 150 * time.Millisecond
)

// sample is one request of the load.
type sample struct {
	start   time.Time
	latency time.Duration
	ok      bool
	err     string
	color   string
}

// runLoad sends GETs from conc workers until stop is closed.
func runLoad(url string, conc int, keepAlive bool, stop <-chan struct{}) []sample {
	tr := &http.Transport{Proxy: nil, DisableKeepAlives: !keepAlive, MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var mu sync.Mutex
	var all []sample
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []sample
			for {
				select {
				case <-stop:
					mu.Lock()
					all = append(all, mine...)
					mu.Unlock()
					return
				default:
				}
				s := sample{start: time.Now()}
				resp, err := client.Get(url)
				if err == nil {
					s.color = resp.Header.Get("X-Color")
					_, err = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
					s.ok = err == nil && resp.StatusCode < 500
					if resp.StatusCode >= 500 {
						s.err = resp.Status
					}
				}
				if err != nil {
					s.err = err.Error()
				}
				s.latency = time.Since(s.start)
				mine = append(mine, s)
			}
		}()
	}
	wg.Wait()
	tr.CloseIdleConnections()
	return all
}

// firstAnswerFrom polls with fresh connections until color answers and
// returns when it did.
func firstAnswerFrom(ctx context.Context, url, color string) (time.Time, error) {
	c := testenv.Client()
	for {
		got, err := testenv.GetColor(ctx, c, url)
		if err == nil && got == color {
			return time.Now(), nil
		}
		if ctx.Err() != nil {
			return time.Time{}, ctx.Err()
		}
	}
}

type flipResult struct {
	requests, failed int
	p50, p99         time.Duration
	toNewColor       []time.Duration // write start → first answer of the new color
	writeReturn      []time.Duration // write start → the write call returned
	reloads          int
	errs             []string
	// staleWindow: write start → start of the last request answered by the
	// previous color (per flip); staleAfterReturn: requests started after
	// the write returned and still answered by the previous color.
	staleWindow      []time.Duration
	staleAfterReturn int
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func (r flipResult) String() string {
	med := median
	mx := func(d []time.Duration) time.Duration {
		if len(d) == 0 {
			return 0
		}
		return slices.Max(d)
	}
	return fmt.Sprintf("%d requests, %d failed, p50 %v, p99 %v; write→first new color median %v max %v; write→last old color median %v max %v; write returns median %v; requests started after the write returned answered by the old color: %d; reloads %d for %d flips",
		r.requests, r.failed, r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond),
		med(r.toNewColor).Round(time.Microsecond), mx(r.toNewColor).Round(time.Microsecond),
		med(r.staleWindow).Round(time.Microsecond), mx(r.staleWindow).Round(time.Microsecond),
		med(r.writeReturn).Round(time.Microsecond), r.staleAfterReturn, r.reloads, flips)
}

// measureFlips runs the load, calls flip(i, color) flips times, and
// summarises.
func measureFlips(b *testing.B, n *testenv.Nginx, keepAlive bool, flip func(ctx context.Context, color traffic.Color) error) flipResult {
	ctx := context.Background()
	reloadsBefore := strings.Count(n.Log(), "(SIGHUP) received")
	stop := make(chan struct{})
	done := make(chan []sample)
	go func() { done <- runLoad(n.URL+"/", flipConcurrency, keepAlive, stop) }()
	var res flipResult
	time.Sleep(flipSpacing)
	color := traffic.Blue
	var starts, returns []time.Time
	for i := 0; i < flips; i++ {
		color = color.Other()
		pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		start := time.Now()
		starts = append(starts, start)
		seen := make(chan time.Time, 1)
		go func(c traffic.Color) {
			at, err := firstAnswerFrom(pctx, n.URL+"/", string(c))
			if err != nil {
				at = time.Time{}
			}
			seen <- at
		}(color)
		if err := flip(ctx, color); err != nil {
			b.Fatalf("flip %d to %s: %v\n%s", i, color, err, n.Log())
		}
		returns = append(returns, time.Now())
		res.writeReturn = append(res.writeReturn, returns[i].Sub(start))
		at := <-seen
		cancel()
		if at.IsZero() {
			b.Fatalf("flip %d: %s never answered", i, color)
		}
		res.toNewColor = append(res.toNewColor, at.Sub(start))
		time.Sleep(flipSpacing)
	}
	close(stop)
	samples := <-done
	// Flip i moved traffic from old to new; look at the requests that
	// started between its write and the next one.
	for i, st := range starts {
		// Flip 0 goes blue → green, flip 1 green → blue, …
		old := traffic.Blue
		if i%2 == 1 {
			old = traffic.Green
		}
		end := time.Now().Add(time.Hour)
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		var last time.Duration
		for _, s := range samples {
			if s.start.Before(st) || !s.start.Before(end) || s.color != string(old) {
				continue
			}
			last = max(last, s.start.Sub(st))
			if s.start.After(returns[i]) {
				res.staleAfterReturn++
			}
		}
		res.staleWindow = append(res.staleWindow, last)
	}
	res.reloads = strings.Count(n.Log(), "(SIGHUP) received") - reloadsBefore
	var lat []time.Duration
	for _, s := range samples {
		lat = append(lat, s.latency)
		if !s.ok {
			res.failed++
			if len(res.errs) < 5 {
				res.errs = append(res.errs, s.err)
			}
		}
	}
	slices.Sort(lat)
	res.requests = len(lat)
	if len(lat) > 0 {
		res.p50 = lat[len(lat)/2]
		res.p99 = lat[min(len(lat)-1, len(lat)*99/100)]
	}
	return res
}

func report(b *testing.B, r flipResult) {
	b.ReportMetric(float64(r.requests), "requests")
	b.ReportMetric(float64(r.failed), "failed")
	b.ReportMetric(float64(r.p99.Microseconds())/1000, "p99-ms")
	s := slices.Clone(r.toNewColor)
	slices.Sort(s)
	if len(s) > 0 {
		b.ReportMetric(float64(s[len(s)/2].Microseconds())/1000, "write-to-new-color-median-ms")
		b.ReportMetric(float64(s[len(s)-1].Microseconds())/1000, "write-to-new-color-max-ms")
	}
	b.ReportMetric(float64(r.reloads)/flips, "reloads/flip")
	b.ReportMetric(float64(r.staleAfterReturn), "old-color-after-return")
	b.Logf("%s", r)
	if len(r.errs) > 0 {
		b.Logf("first failures: %q", r.errs)
	}
}

func BenchmarkFlips(b *testing.B) {
	for _, keepAlive := range []bool{false, true} {
		conn := "new-connections"
		if keepAlive {
			conn = "keep-alive"
		}
		b.Run("router/"+conn, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				f := newFixture(b, 1, 1, nil)
				report(b, measureFlips(b, f.ngx, keepAlive, func(ctx context.Context, c traffic.Color) error {
					return f.router.Set(ctx, traffic.Split(c, 100))
				}))
				f.host.mu.Lock()
				b.Logf("router phases: nginx -t median %v, nginx -s reload median %v",
					median(f.host.runTimes["-q"]).Round(time.Microsecond), median(f.host.runTimes["reload"]).Round(time.Microsecond))
				f.host.mu.Unlock()
			}
		})
		b.Run("router-generation-url/"+conn, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				f := withGenerationURL(b, newFixture(b, 1, 1, nil))
				report(b, measureFlips(b, f.ngx, keepAlive, func(ctx context.Context, c traffic.Color) error {
					return f.router.Set(ctx, traffic.Split(c, 100))
				}))
			}
		})
		b.Run("seed-script/"+conn, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				n, mapFile := startSeedLayout(b)
				report(b, measureFlips(b, n, keepAlive, func(ctx context.Context, c traffic.Color) error {
					return seedFlip(ctx, n, mapFile, c)
				}))
			}
		})
	}
}

// startSeedLayout is the source texts' Nginx layout: two upstreams and a map
// choosing between them from an included map file. The text's map entry
// keys on "" — which matches only requests without a Host header, so with
// HTTP/1.1 clients its flips never move traffic (see
// TestSeedScript_mapKeyNeverMatches); the measurement corrects the key to
// `default` so that the flip happens and its cost can be measured.
func startSeedLayout(b testing.TB) (*testenv.Nginx, string) {
	dir := b.TempDir()
	_ = os.Chmod(dir, 0o755)
	mapFile := dir + "/backend.map"
	if err := os.WriteFile(mapFile, []byte("default blue_backend;\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	// Backends first: the layout names them.
	blue := testenv.ColorBackend(b, "blue", 0)
	green := testenv.ColorBackend(b, "green", 0)
	n := testenv.StartNginx(b, testenv.NginxOptions{
		Include: []byte("# unused by this layout\n"),
		ExtraHTTP: fmt.Sprintf(`    upstream blue_backend { server %s; keepalive 8; }
    upstream green_backend { server %s; keepalive 8; }
    map $http_host $backend { include %s; }
`, blue, green, mapFile),
		Location: `proxy_pass http://$backend; proxy_http_version 1.1; proxy_set_header Connection "";`,
	})
	return n, mapFile
}

// seedFlip is the text's switch, verbatim in its shape: cat > MAP <<EOF … EOF;
// nginx -s reload (no nginx -t, no wait for the reload).
func seedFlip(ctx context.Context, n *testenv.Nginx, mapFile string, c traffic.Color) error {
	script := fmt.Sprintf("set -e\ncat > %q << EOF\ndefault %s_backend;\nEOF\n%q %s -s reload\n", mapFile, c, n.Bin, strings.Join(quoteAll(n.Args()), " "))
	out, err := exec.CommandContext(ctx, "bash", "-c", script).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	return nil
}

func quoteAll(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = fmt.Sprintf("%q", a)
	}
	return out
}
