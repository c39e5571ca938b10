package nginx_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/remote"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/testenv"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/nginx"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/routertest"
)

// faultyHost is the local host with an injectable fault: the next command
// whose argv contains failOn fails without running (once).
type faultyHost struct {
	remote.Local
	failOn  atomic.Pointer[string]
	reloads atomic.Int64
	// runTimes records how long each command took, by its last argument
	// ("-q" for the test, "reload").
	mu       sync.Mutex
	runTimes map[string][]time.Duration
	// afterRun, when set, is called after each command with its argv.
	afterRun func(argv []string)
}

func (h *faultyHost) Run(ctx context.Context, argv []string, stdin []byte) ([]byte, error) {
	joined := strings.Join(argv, " ")
	if p := h.failOn.Load(); p != nil && strings.Contains(joined, *p) && h.failOn.CompareAndSwap(p, nil) {
		return nil, &remote.ExitError{Argv: argv, Code: 1, Stderr: "injected failure"}
	}
	if strings.Contains(joined, "reload") {
		h.reloads.Add(1)
	}
	start := time.Now()
	out, err := h.Local.Run(ctx, argv, stdin)
	h.mu.Lock()
	if h.runTimes == nil {
		h.runTimes = map[string][]time.Duration{}
	}
	h.runTimes[argv[len(argv)-1]] = append(h.runTimes[argv[len(argv)-1]], time.Since(start))
	after := h.afterRun
	h.mu.Unlock()
	if after != nil {
		after(argv)
	}
	return out, err
}

func (h *faultyHost) arm(s string) func() {
	h.failOn.Store(&s)
	return func() { h.failOn.Store(nil) }
}

type fixture struct {
	ngx    *testenv.Nginx
	host   *faultyHost
	router *nginx.Router
}

func newFixture(t testing.TB, blue, green int, mutate func(*nginx.Config)) *fixture {
	t.Helper()
	return newFixtureOpts(t, testenv.NginxOptions{BlueBackends: blue, GreenBackends: green}, mutate)
}

func newFixtureOpts(t testing.TB, opts testenv.NginxOptions, mutate func(*nginx.Config)) *fixture {
	t.Helper()
	opts.GenerationVariable = "bluegreen_generation_app"
	n := testenv.StartNginx(t, opts)
	h := &faultyHost{}
	cfg := nginx.Config{
		Host:           h,
		File:           n.IncludeFile,
		Upstream:       "app",
		Blue:           n.Blue,
		Green:          n.Green,
		Directives:     []string{"keepalive 8"},
		ServerParams:   []string{"max_fails=0"},
		Nginx:          n.Bin,
		NginxArgs:      n.Args(),
		PIDFile:        n.PIDFile,
		ConfirmTimeout: 5 * time.Second,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	r, err := nginx.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{ngx: n, host: h, router: r}
}

func (f *fixture) subject(t *testing.T) routertest.Subject {
	ctx := context.Background()
	if err := f.router.Set(ctx, traffic.Weights{Blue: 100}); err != nil {
		t.Fatalf("initial Set: %v\n%s", err, f.ngx.Log())
	}
	return routertest.Subject{
		Router: f.router,
		Extra: []traffic.Weights{
			{Blue: nginx.MaxWeight, Green: 1},
			{Blue: 1, Green: 1},
			{Blue: 3, Green: 1},
			{Blue: 0, Green: 7},
			{Blue: 500, Green: 500},
		},
		Rejects: []traffic.Weights{
			{Blue: 0, Green: 0},
			{Blue: nginx.MaxWeight + 1, Green: 0},
			{Blue: 10, Green: -5},
		},
		// A person edits the file by hand and reloads Nginx.
		OtherWriter: func(ctx context.Context, w traffic.Weights) error {
			var b strings.Builder
			b.WriteString("upstream app {\n")
			// Equal weights within a color; scaled by the other color's
			// server count so the shares are w's.
			nb, ng := int32(len(f.ngx.Blue)), int32(len(f.ngx.Green))
			for _, a := range f.ngx.Blue {
				b.WriteString("  server " + a + weightParam(w.Blue*ng) + ";\n")
			}
			for _, a := range f.ngx.Green {
				b.WriteString("  server " + a + weightParam(w.Green*nb) + ";\n")
			}
			b.WriteString("}\nmap $host $bluegreen_generation_app { default hand; }\n")
			if err := os.WriteFile(f.ngx.IncludeFile, []byte(b.String()), 0o644); err != nil {
				return err
			}
			_, err := remote.Local{}.Run(ctx, append(append([]string{f.ngx.Bin}, f.ngx.Args()...), "-s", "reload"), nil)
			return err
		},
		// The reload fails after the new file was renamed into place: the
		// router must restore the previous bytes and reload again.
		FailNextSet: func(t *testing.T) func() {
			before, err := os.ReadFile(f.ngx.IncludeFile)
			if err != nil {
				t.Fatal(err)
			}
			disarm := f.host.arm("-s reload")
			return func() {
				disarm()
				after, err := os.ReadFile(f.ngx.IncludeFile)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(before, after) {
					t.Fatalf("after a failed reload the file is not restored byte for byte:\nbefore:\n%s\nafter:\n%s", before, after)
				}
			}
		},
	}
}

// weightParam is a server's weight parameter (down for 0).
func weightParam(w int32) string {
	if w == 0 {
		return " down"
	}
	return " weight=" + strconv.Itoa(int(w))
}

func TestConformance_realNginx(t *testing.T) {
	routertest.Run(t, func(t *testing.T) routertest.Subject {
		return newFixture(t, 1, 1, nil).subject(t)
	})
}

// Two blue servers and three green ones: per-server weights are scaled by
// the other color's server count so the round trip stays exact.
func TestConformance_realNginxUnevenServerCounts(t *testing.T) {
	routertest.Run(t, func(t *testing.T) routertest.Subject {
		return newFixture(t, 2, 3, nil).subject(t)
	})
}

// Three workers: the process confirmation must see every old worker retire.
func TestConformance_realNginxThreeWorkers(t *testing.T) {
	routertest.Run(t, func(t *testing.T) routertest.Subject {
		return newFixtureOpts(t, testenv.NginxOptions{WorkerProcesses: 3}, nil).subject(t)
	})
}

// The generation confirmation: the router polls a location that answers the
// generation variable the owned file defines, instead of watching processes.
func TestConformance_realNginxGenerationURL(t *testing.T) {
	routertest.Run(t, func(t *testing.T) routertest.Subject {
		return withGenerationURL(t, newFixture(t, 1, 1, func(c *nginx.Config) {
			c.PIDFile = "/nonexistent/the-url-is-used-instead"
		})).subject(t)
	})
}

// withGenerationURL rebuilds the fixture's router to confirm through the
// generation location (the URL is known only once nginx runs).
func withGenerationURL(t testing.TB, f *fixture) *fixture {
	t.Helper()
	cfg := f.router.Config()
	cfg.GenerationURL = f.ngx.URL + "/.bluegreen/generation"
	r, err := nginx.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.router = r
	return f
}

// A configuration nginx -t rejects is refused: the file stays byte for
// byte, Nginx is not reloaded, and traffic is unchanged.
func TestSet_failingConfigTestChangesNothing(t *testing.T) {
	f := newFixture(t, 1, 1, func(c *nginx.Config) {
		// Valid to the router, rejected by Nginx: an unknown parameter.
		c.ServerParams = []string{"max_fails=0", "no_such_parameter=1"}
	})
	ctx := context.Background()
	before, err := os.ReadFile(f.ngx.IncludeFile)
	if err != nil {
		t.Fatal(err)
	}
	wBefore, err := f.router.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = f.router.Set(ctx, traffic.Split(traffic.Green, 50))
	if err == nil {
		t.Fatal("Set succeeded although nginx -t rejects the file")
	}
	if !strings.Contains(err.Error(), "no_such_parameter") || !strings.Contains(err.Error(), "nothing reloaded") {
		t.Fatalf("error does not carry nginx -t's reason: %v", err)
	}
	after, _ := os.ReadFile(f.ngx.IncludeFile)
	if !bytes.Equal(before, after) {
		t.Fatalf("file changed after a refused Set:\n%s", after)
	}
	if got, err := f.router.Read(ctx); err != nil || got != wBefore {
		t.Fatalf("Read = %v, %v; want %s", got, err, wBefore)
	}
	if n := f.host.reloads.Load(); n != 0 {
		t.Fatalf("nginx was reloaded %d times after a failed test", n)
	}
	if _, err := os.Stat(f.ngx.IncludeFile + ".bluegreen-tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("temporary file left behind: %v", err)
	}
	// Traffic still goes to blue only.
	for i := 0; i < 10; i++ {
		c, err := testenv.GetColor(ctx, testenv.Client(), f.ngx.URL+"/")
		if err != nil || c != "blue" {
			t.Fatalf("request %d: %q, %v", i, c, err)
		}
	}
}

// A reload that Nginx accepts as a command but never applies (the master
// is stopped) is caught by the confirmation: Set fails, the file is restored.
func TestSet_unconfirmedReloadRestoresTheFile(t *testing.T) {
	f := newFixture(t, 1, 1, func(c *nginx.Config) {
		c.ReloadCommand = []string{"true"} // says yes, does nothing
		c.ConfirmTimeout = 300 * time.Millisecond
	})
	ctx := context.Background()
	before, _ := os.ReadFile(f.ngx.IncludeFile)
	err := f.router.Set(ctx, traffic.Split(traffic.Green, 50))
	if err == nil {
		t.Fatal("Set succeeded although nginx never reloaded")
	}
	if !strings.Contains(err.Error(), "did not take the new configuration") ||
		!strings.Contains(err.Error(), "previous file was restored") {
		t.Fatalf("unexpected error: %v", err)
	}
	after, _ := os.ReadFile(f.ngx.IncludeFile)
	if !bytes.Equal(before, after) {
		t.Fatalf("file not restored:\n%s", after)
	}
}

func getBody(ctx context.Context, c *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// With a generation URL, Describe tells a file Nginx serves from one it
// does not serve yet (edited, not reloaded).
func TestDescribe_liveGeneration(t *testing.T) {
	f := newFixture(t, 1, 1, nil)
	cfg := f.router.Config()
	cfg.GenerationURL = f.ngx.URL + "/.bluegreen/generation"
	r, err := nginx.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := r.Set(ctx, traffic.Split(traffic.Green, 10)); err != nil {
		t.Fatal(err)
	}
	st, err := r.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Generation == "" || st.LiveGeneration != st.Generation || st.LiveError != "" {
		t.Fatalf("after Set: file generation %q, live %q (%s)", st.Generation, st.LiveGeneration, st.LiveError)
	}
	data, _ := os.ReadFile(f.ngx.IncludeFile)
	edited := strings.ReplaceAll(string(data), st.Generation, "hand-edit")
	if err := os.WriteFile(f.ngx.IncludeFile, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	st2, err := r.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st2.Generation != "hand-edit" || st2.LiveGeneration != st.Generation {
		t.Fatalf("after an edit without reload: file generation %q, live %q", st2.Generation, st2.LiveGeneration)
	}
}

// The apply is interrupted right after Nginx was reloaded with the new file:
// Set still undoes its write (previous bytes back, reloaded, confirmed) and
// reports the cancellation; traffic is where it was.
func TestSet_cancelledAfterTheReloadUndoesIt(t *testing.T) {
	f := newFixture(t, 1, 1, nil)
	ctx := context.Background()
	if err := f.router.Set(ctx, traffic.Weights{Blue: 100}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(f.ngx.IncludeFile)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	f.host.mu.Lock()
	f.host.afterRun = func(argv []string) {
		if argv[len(argv)-1] == "reload" {
			cancel()
		}
	}
	f.host.mu.Unlock()
	err := f.router.Set(cctx, traffic.Split(traffic.Green, 100))
	f.host.mu.Lock()
	f.host.afterRun = nil
	f.host.mu.Unlock()
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "nginx reloaded with it") {
		t.Fatalf("Set = %v; want a cancellation with the undo done", err)
	}
	after, _ := os.ReadFile(f.ngx.IncludeFile)
	if !bytes.Equal(before, after) {
		t.Fatalf("file not restored byte for byte:\n%s", after)
	}
	if got := countColors(t, f.ngx.URL+"/", 10); got["blue"] != 10 {
		t.Fatalf("after the undo: %v, want all blue", got)
	}
	if n := f.host.reloads.Load(); n != 3 {
		t.Fatalf("%d reloads, want 3 (first Set, the cancelled one, its undo)", n)
	}
}
