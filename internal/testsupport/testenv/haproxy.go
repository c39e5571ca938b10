package testenv

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/demoapp"
)

// HAProxyBin is Debian's HAProxy.
const HAProxyBin = "/usr/sbin/haproxy"

// HAProxyLayout is how the test configuration splits traffic between colors.
type HAProxyLayout int

const (
	// Weights: one backend holding every server of both colors; the share
	// of each color follows the servers' weights (what the Runtime API
	// router drives).
	Weights HAProxyLayout = iota
	// MapFile: the source texts' layout — two backends (blue-backend,
	// green-backend) and a frontend that picks one through a map file;
	// switching rewrites the map and reloads HAProxy.
	MapFile
)

// HAProxyOptions configures StartHAProxy.
type HAProxyOptions struct {
	// Blue and Green are the number of servers per color; 0 means 2.
	Blue, Green int
	// Layout defaults to Weights.
	Layout HAProxyLayout
	// GreenPercent is the initial share of green in the Weights layout
	// (per-server weights from InitialWeights); the MapFile layout starts
	// on blue.
	GreenPercent int
	// StateFile adds `server-state-file` and `load-server-state-from-file
	// global`, so that a reload restores the weights saved in the file.
	StateFile bool
	// MasterWorker runs HAProxy as master and worker (-W) with `expose-fd
	// listeners` on the admin sockets: reloads are seamless (SIGUSR2).
	MasterWorker bool
	// CheckInterval is the health-check interval (default 100ms; fall 2,
	// rise 1).
	CheckInterval time.Duration
}

// HAProxy is a running HAProxy with its backend apps.
type HAProxy struct {
	Dir        string
	ConfigPath string
	// URL is the frontend, http://127.0.0.1:PORT/.
	URL string
	// AdminTCP is the admin Runtime API on TCP ("ipv4@127.0.0.1:PORT");
	// AdminUnix the same on a unix socket. UserTCP is a socket at level
	// user (read-only), as a misconfigured hand-off would give.
	AdminTCP, AdminUnix, UserTCP string
	// StateFile is the server-state file path when Options.StateFile is set.
	StateFile string
	// MapPath is the map file of the MapFile layout.
	MapPath string
	// Backend is the backend of the Weights layout ("app").
	Backend string
	// Blue and Green are the apps behind each color, in server order;
	// server names are blue1, blue2, … and green1, green2, ….
	Blue, Green []*demoapp.Server

	opts   HAProxyOptions
	bin    string
	t      testing.TB
	mu     sync.Mutex
	procs  []*exec.Cmd // every process started (old ones exit after a reload)
	waited map[*exec.Cmd]chan struct{}
	logs   *bytes.Buffer
}

// StartHAProxy starts the apps and HAProxy and waits until the frontend
// answers. Everything stops when the test ends.
func StartHAProxy(t testing.TB, o HAProxyOptions) *HAProxy {
	t.Helper()
	bin := NeedBinary(t, HAProxyBin, "HAProxy")
	if o.Blue == 0 {
		o.Blue = 2
	}
	if o.Green == 0 {
		o.Green = 2
	}
	if o.CheckInterval == 0 {
		o.CheckInterval = 100 * time.Millisecond
	}
	// Not t.TempDir(): its long paths can exceed the 107 bytes a unix
	// socket path may have.
	dir, err := os.MkdirTemp("", "haproxy-test-") //nolint:usetesting // short path for unix sockets
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	h := &HAProxy{
		Dir: dir, ConfigPath: filepath.Join(dir, "haproxy.cfg"), Backend: "app",
		URL:       fmt.Sprintf("http://127.0.0.1:%d/", FreePort(t)),
		AdminTCP:  fmt.Sprintf("ipv4@127.0.0.1:%d", FreePort(t)),
		AdminUnix: filepath.Join(dir, "admin.sock"),
		UserTCP:   fmt.Sprintf("ipv4@127.0.0.1:%d", FreePort(t)),
		MapPath:   filepath.Join(dir, "backend.map"),
		opts:      o, bin: bin, t: t, waited: map[*exec.Cmd]chan struct{}{}, logs: &bytes.Buffer{},
	}
	if o.StateFile {
		h.StateFile = filepath.Join(dir, "server-state")
	}
	for i := 0; i < o.Blue+o.Green; i++ {
		color, name := "blue", fmt.Sprintf("blue%d", i+1)
		if i >= o.Blue {
			color, name = "green", fmt.Sprintf("green%d", i-o.Blue+1)
		}
		srv, err := demoapp.Start(demoapp.Config{Version: name, Color: color, Hostname: name}, "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = srv.Close() })
		if color == "blue" {
			h.Blue = append(h.Blue, srv)
		} else {
			h.Green = append(h.Green, srv)
		}
	}
	if err := os.WriteFile(h.MapPath, []byte("/ blue-backend\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, g := InitialWeights(o.Blue, o.Green, o.GreenPercent)
	t.Cleanup(h.stopAll)
	// FreePort's ports are free when picked, not when haproxy binds them: a
	// test in another package running at the same time can take one in
	// between. Pick again then (a few times), rather than fail.
	for attempt := 1; ; attempt++ {
		h.WriteConfig(t, b, g)
		err := h.tryStart(nil)
		if err == nil {
			break
		}
		if attempt < 5 && (strings.Contains(err.Error(), "Address already in use") || strings.Contains(h.Logs(), "Address already in use")) {
			h.stopAll()
			h.mu.Lock()
			h.procs = nil
			h.logs.Reset()
			h.mu.Unlock()
			h.URL = fmt.Sprintf("http://127.0.0.1:%d/", FreePort(t))
			h.AdminTCP = fmt.Sprintf("ipv4@127.0.0.1:%d", FreePort(t))
			h.UserTCP = fmt.Sprintf("ipv4@127.0.0.1:%d", FreePort(t))
			continue
		}
		t.Fatalf("haproxy did not start: %v\nconfig:\n%s", err, h.config())
	}
	return h
}

// InitialWeights are the per-server weights the Weights layout starts with:
// the color shares of GreenPercent spread as the Runtime API router spreads
// them (color sums k·(100-p) and k·p with k = min(blue, green) servers).
func InitialWeights(blue, green, greenPercent int) (blueW, greenW []int) {
	k := min(blue, green)
	spread := func(sum, n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = sum / n
			if i < sum%n {
				out[i]++
			}
		}
		return out
	}
	return spread(k*(100-greenPercent), blue), spread(k*greenPercent, green)
}

// WriteConfig writes the configuration with the given per-server weights
// (used by the Weights layout only).
func (h *HAProxy) WriteConfig(t testing.TB, blueW, greenW []int) {
	t.Helper()
	var b strings.Builder
	expose := ""
	if h.opts.MasterWorker {
		expose = " expose-fd listeners"
	}
	fmt.Fprintf(&b, "global\n")
	fmt.Fprintf(&b, "    stats socket %s level admin%s\n", h.AdminTCP, expose)
	fmt.Fprintf(&b, "    stats socket %s mode 600 level admin%s\n", h.AdminUnix, expose)
	fmt.Fprintf(&b, "    stats socket %s level user\n", h.UserTCP)
	if h.StateFile != "" {
		fmt.Fprintf(&b, "    server-state-file %s\n", h.StateFile)
	}
	fmt.Fprintf(&b, "defaults\n    mode http\n    timeout connect 2s\n    timeout client 30s\n    timeout server 30s\n")
	if h.StateFile != "" {
		fmt.Fprintf(&b, "    load-server-state-from-file global\n")
	}
	fmt.Fprintf(&b, "frontend fe\n    bind %s\n", strings.TrimSuffix(strings.TrimPrefix(h.URL, "http://"), "/"))
	inter := fmt.Sprintf("%dms", h.opts.CheckInterval.Milliseconds())
	server := func(name string, s *demoapp.Server, weight int) {
		fmt.Fprintf(&b, "    server %s %s weight %d check inter %s fall 2 rise 1\n", name, s.Addr(), weight, inter)
	}
	switch h.opts.Layout {
	case MapFile:
		fmt.Fprintf(&b, "    use_backend %%[path,map_beg(%s,blue-backend)]\n", h.MapPath)
		for _, c := range []struct {
			name string
			srv  []*demoapp.Server
		}{{"blue", h.Blue}, {"green", h.Green}} {
			fmt.Fprintf(&b, "backend %s-backend\n    balance roundrobin\n    option httpchk GET /health\n", c.name)
			for i, s := range c.srv {
				server(fmt.Sprintf("%s%d", c.name, i+1), s, 100)
			}
		}
	default:
		fmt.Fprintf(&b, "    default_backend %s\nbackend %s\n    balance roundrobin\n    option httpchk GET /health\n", h.Backend, h.Backend)
		for i, s := range h.Blue {
			server(fmt.Sprintf("blue%d", i+1), s, blueW[i])
		}
		for i, s := range h.Green {
			server(fmt.Sprintf("green%d", i+1), s, greenW[i])
		}
	}
	if err := os.WriteFile(h.ConfigPath, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// WriteMap points the MapFile layout's map at color's backend.
func (h *HAProxy) WriteMap(t testing.TB, color string) {
	t.Helper()
	tmp := h.MapPath + ".tmp"
	if err := os.WriteFile(tmp, []byte("/ "+color+"-backend\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, h.MapPath); err != nil {
		t.Fatal(err)
	}
}

// start runs haproxy; extra are additional arguments (-sf PID for a reload).
func (h *HAProxy) start(t testing.TB, extra []string) {
	t.Helper()
	if err := h.tryStart(extra); err != nil {
		t.Fatalf("haproxy did not start: %v\nconfig:\n%s", err, h.config())
	}
}

// tryStart runs haproxy and waits until it answers.
func (h *HAProxy) tryStart(extra []string) error {
	args := []string{"-f", h.ConfigPath, "-db"}
	if h.opts.MasterWorker {
		args = append(args, "-W")
	}
	args = append(args, extra...)
	cmd := exec.Command(h.bin, args...)
	cmd.Dir = h.Dir
	cmd.Stdout, cmd.Stderr = h.logWriter(), h.logWriter()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting haproxy: %w", err)
	}
	done := make(chan struct{})
	h.mu.Lock()
	h.procs = append(h.procs, cmd)
	h.waited[cmd] = done
	h.mu.Unlock()
	go func() { _ = cmd.Wait(); close(done) }()
	return waitFor(10*time.Second, func() error {
		select {
		case <-done:
			return fmt.Errorf("haproxy exited: %s", h.Logs())
		default:
		}
		if extra != nil {
			return nil // the listeners already answer; the new process is checked by its caller
		}
		return h.ping()
	})
}

func (h *HAProxy) config() string {
	b, _ := os.ReadFile(h.ConfigPath)
	return string(b)
}

type lockedWriter struct {
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (h *HAProxy) logWriter() io.Writer { return lockedWriter{&h.mu, h.logs} }

// Logs returns what HAProxy printed so far.
func (h *HAProxy) Logs() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.logs.String()
}

// ping asks the admin socket for "show info".
func (h *HAProxy) ping() error {
	out, err := h.Command("show info")
	if err != nil {
		return err
	}
	if !strings.Contains(out, "Pid:") {
		return fmt.Errorf("unexpected show info answer %q", out)
	}
	return nil
}

// Command sends one Runtime API command line to the TCP admin socket and
// returns the answer.
func (h *HAProxy) Command(line string) (string, error) {
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(h.AdminTCP, "ipv4@"), 2*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		return "", err
	}
	b, err := io.ReadAll(c)
	return string(b), err
}

// MustCommand is Command failing the test on error.
func (h *HAProxy) MustCommand(t testing.TB, line string) string {
	t.Helper()
	out, err := h.Command(line)
	if err != nil {
		t.Fatalf("haproxy %q: %v", line, err)
	}
	return out
}

// Pid is the pid of the process serving (the worker's pid for "show info").
func (h *HAProxy) Pid(t testing.TB) int {
	t.Helper()
	out := h.MustCommand(t, "show info")
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Pid: "); ok {
			pid, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatal(err)
			}
			return pid
		}
	}
	t.Fatalf("no Pid in show info: %q", out)
	return 0
}

// Reload reloads HAProxy with its current configuration and waits until the
// new process answers on the admin socket: in master-worker mode by SIGUSR2
// to the master (seamless: listeners are handed over), otherwise the classic
// `haproxy -f cfg -sf OLDPID` (a new process binds, the old one finishes its
// connections and exits).
func (h *HAProxy) Reload(t testing.TB) {
	t.Helper()
	old := h.Pid(t)
	var master *os.Process
	signalled := time.Now()
	if h.opts.MasterWorker {
		h.mu.Lock()
		master = h.procs[0].Process
		h.mu.Unlock()
		if err := master.Signal(syscall.SIGUSR2); err != nil {
			t.Fatalf("reloading: %v", err)
		}
	} else {
		h.start(t, []string{"-sf", strconv.Itoa(old)})
	}
	if err := waitFor(20*time.Second, func() error {
		out, err := h.Command("show info")
		if err != nil {
			return err
		}
		if strings.Contains(out, fmt.Sprintf("Pid: %d\n", old)) {
			// A master that has just forked its worker may not handle
			// SIGUSR2 yet (it installs its handlers after "Loading
			// success"); a signal sent then is lost. Send it again.
			if master != nil && time.Since(signalled) > 2*time.Second {
				signalled = time.Now()
				_ = master.Signal(syscall.SIGUSR2)
			}
			return fmt.Errorf("old process %d still answers", old)
		}
		return nil
	}); err != nil {
		t.Fatalf("reload did not take: %v\n%s", err, h.Logs())
	}
}

// WaitServerState waits until server (backend/name) has the given
// operational state in `show servers state` (0 stopped, 2 running).
func (h *HAProxy) WaitServerState(t testing.TB, backend, server string, opState int) {
	t.Helper()
	err := waitFor(15*time.Second, func() error {
		out, err := h.Command("show servers state " + backend)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(out, "\n") {
			f := strings.Fields(line)
			if len(f) > 5 && f[1] == backend && f[3] == server {
				if f[5] == strconv.Itoa(opState) {
					return nil
				}
				return fmt.Errorf("%s/%s op state %s", backend, server, f[5])
			}
		}
		return fmt.Errorf("%s/%s not listed: %q", backend, server, out)
	})
	if err != nil {
		t.Fatalf("waiting for %s/%s state %d: %v", backend, server, opState, err)
	}
}

func (h *HAProxy) stopAll() {
	h.mu.Lock()
	procs := append([]*exec.Cmd(nil), h.procs...)
	h.mu.Unlock()
	for _, p := range procs {
		// Each haproxy runs in its own process group (its workers too).
		_ = syscall.Kill(-p.Process.Pid, syscall.SIGKILL)
	}
	for _, p := range procs {
		select {
		case <-h.waited[p]:
		case <-time.After(5 * time.Second):
		}
	}
}
