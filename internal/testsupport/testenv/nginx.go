// Package testenv starts the real servers router tests run against (one file
// per server). It is test support: product code never imports it.
package testenv

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"syscall"
	"testing"
	"time"
)

// RequireServers reports whether BLUEGREEN_REQUIRE_SERVERS=1 is set: a
// missing server binary is then a test failure instead of a skip (CI sets it).
func RequireServers() bool { return os.Getenv("BLUEGREEN_REQUIRE_SERVERS") == "1" }

// NginxBinary returns the nginx binary (/usr/sbin/nginx, else nginx on PATH),
// or skips the test when there is none (fails it under
// BLUEGREEN_REQUIRE_SERVERS=1).
func NginxBinary(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"/usr/sbin/nginx"} {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	if RequireServers() {
		t.Fatal("nginx not found and BLUEGREEN_REQUIRE_SERVERS=1 (install it with scripts/servers.sh)")
	}
	t.Skip("nginx not found (install it with scripts/servers.sh); set BLUEGREEN_REQUIRE_SERVERS=1 to fail instead")
	return ""
}

// NginxOptions shapes the configuration StartNginx writes.
type NginxOptions struct {
	// BlueBackends and GreenBackends are how many httptest backends each
	// color gets (default 1 each).
	BlueBackends, GreenBackends int
	// Upstream is the upstream name the server block proxies to (default "app").
	Upstream string
	// WorkerProcesses (default 1: one round-robin state, so splits are exact).
	WorkerProcesses int
	// Include is the initial content of the included file (Nginx.IncludeFile).
	// Default: upstream Upstream with every blue backend at weight=100 and
	// every green one down, plus the generation map (see GenerationVariable).
	Include []byte
	// GenerationVariable, when set, makes the server answer
	// GET /.bluegreen/generation with that variable's value (the included
	// file must define it; the default Include does).
	GenerationVariable string
	// Location replaces the directives of `location /` (default: proxy_pass
	// http://<Upstream> with HTTP/1.1 keep-alive to the backends).
	Location string
	// ExtraHTTP is added verbatim to the http block (before the include).
	ExtraHTTP string
	// KeepaliveTimeout is the client keep-alive timeout (default "75s").
	KeepaliveTimeout string
}

// Nginx is a running nginx master with its own prefix directory.
type Nginx struct {
	Bin string
	// Dir is the prefix (-p); Conf the main file (-c); IncludeFile the file
	// the http block includes (the file a router owns); PIDFile and ErrorLog
	// are under Dir.
	Dir, Conf, IncludeFile, PIDFile, ErrorLog string
	// Addr is the loopback listen address; URL is http://Addr.
	Addr, URL string
	// Blue and Green are the backend addresses (host:port) per color; each
	// backend answers any path with its color and index ("blue 0\n") and the
	// header X-Color.
	Blue, Green []string

	cmd    *exec.Cmd
	stderr *bytes.Buffer
	done   chan struct{}
}

// Args are the -p/-c arguments every nginx command for this instance needs.
func (n *Nginx) Args() []string { return []string{"-p", n.Dir + "/", "-c", n.Conf} }

// Log returns the error log so far (for diagnostics).
func (n *Nginx) Log() string {
	b, _ := os.ReadFile(n.ErrorLog)
	return string(b)
}

// StartNginx starts httptest backends and an nginx in front of them, in the
// foreground (`-g 'daemon off;'`) in a fresh temporary prefix, and stops both
// when the test ends.
func StartNginx(t testing.TB, opts NginxOptions) *Nginx {
	t.Helper()
	bin := NginxBinary(t)
	if opts.BlueBackends <= 0 {
		opts.BlueBackends = 1
	}
	if opts.GreenBackends <= 0 {
		opts.GreenBackends = 1
	}
	if opts.Upstream == "" {
		opts.Upstream = "app"
	}
	if opts.WorkerProcesses <= 0 {
		opts.WorkerProcesses = 1
	}
	if opts.KeepaliveTimeout == "" {
		opts.KeepaliveTimeout = "75s"
	}
	n := &Nginx{Bin: bin}
	for i := 0; i < opts.BlueBackends; i++ {
		n.Blue = append(n.Blue, ColorBackend(t, "blue", i))
	}
	for i := 0; i < opts.GreenBackends; i++ {
		n.Green = append(n.Green, ColorBackend(t, "green", i))
	}
	// Not t.TempDir: its parent directory is 0700, and Nginx's workers run as
	// nobody and must traverse the prefix (temp paths).
	dir, err := os.MkdirTemp("", "bluegreen-nginx-") //nolint:usetesting // see above
	if err != nil {
		t.Fatal(err)
	}
	// Workers run as nobody when the master is root: let them traverse.
	_ = os.Chmod(dir, 0o755)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	n.Dir = dir
	n.Conf = filepath.Join(dir, "nginx.conf")
	n.IncludeFile = filepath.Join(dir, "conf.d", opts.Upstream+".upstream.conf")
	n.PIDFile = filepath.Join(dir, "nginx.pid")
	n.ErrorLog = filepath.Join(dir, "error.log")
	if err := os.MkdirAll(filepath.Dir(n.IncludeFile), 0o755); err != nil {
		t.Fatal(err)
	}
	include := opts.Include
	if include == nil {
		var b strings.Builder
		if opts.GenerationVariable != "" {
			fmt.Fprintf(&b, "map $host $%s { default \"0\"; }\n", opts.GenerationVariable)
		}
		fmt.Fprintf(&b, "upstream %s {\n", opts.Upstream)
		for _, a := range n.Blue {
			fmt.Fprintf(&b, "    server %s weight=100;\n", a)
		}
		for _, a := range n.Green {
			fmt.Fprintf(&b, "    server %s down;\n", a)
		}
		b.WriteString("}\n")
		include = []byte(b.String())
	}
	if err := os.WriteFile(n.IncludeFile, include, 0o644); err != nil {
		t.Fatal(err)
	}
	location := opts.Location
	if location == "" {
		location = fmt.Sprintf("proxy_pass http://%s; proxy_http_version 1.1; proxy_set_header Connection \"\";", opts.Upstream)
	}
	genLocation := ""
	if opts.GenerationVariable != "" {
		genLocation = fmt.Sprintf("location = /.bluegreen/generation { default_type text/plain; return 200 \"$%s\\n\"; }", opts.GenerationVariable)
	}

	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		addr := freeLoopbackAddr(t)
		conf := fmt.Sprintf(`worker_processes %d;
pid %s;
error_log %s notice;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path %[4]s/client_body_temp;
    proxy_temp_path %[4]s/proxy_temp;
    fastcgi_temp_path %[4]s/fastcgi_temp;
    uwsgi_temp_path %[4]s/uwsgi_temp;
    scgi_temp_path %[4]s/scgi_temp;
    keepalive_timeout %[5]s;
%[6]s
    include %[7]s;
    server {
        listen %[8]s;
        location / { %[9]s }
        %[10]s
    }
}
`, opts.WorkerProcesses, n.PIDFile, n.ErrorLog, dir, opts.KeepaliveTimeout, opts.ExtraHTTP, n.IncludeFile, addr, location, genLocation)
		if err := os.WriteFile(n.Conf, []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		n.Addr, n.URL = addr, "http://"+addr
		if lastErr = n.start(); lastErr == nil {
			t.Cleanup(n.stop)
			return n
		}
	}
	t.Fatalf("starting nginx: %v", lastErr)
	return nil
}

func (n *Nginx) start() error {
	n.stderr = &bytes.Buffer{}
	n.cmd = exec.Command(n.Bin, append(n.Args(), "-g", "daemon off;")...)
	n.cmd.Stdout = n.stderr
	n.cmd.Stderr = n.stderr
	// Own process group, so cleanup can reach workers the master left.
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := n.cmd.Start(); err != nil {
		return err
	}
	n.done = make(chan struct{})
	go func() { _ = n.cmd.Wait(); close(n.done) }()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-n.done:
			return fmt.Errorf("nginx exited: %s %s", n.stderr.String(), n.Log())
		default:
		}
		// The pid file exists (and is non-empty) once the master is set up.
		if b, err := os.ReadFile(n.PIDFile); err == nil && len(bytes.TrimSpace(b)) > 0 {
			if c, err := net.DialTimeout("tcp", n.Addr, time.Second); err == nil {
				_ = c.Close()
				return nil
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	n.stop()
	return fmt.Errorf("nginx did not listen on %s within 15s: %s", n.Addr, n.Log())
}

func (n *Nginx) stop() {
	if n.cmd == nil || n.cmd.Process == nil {
		return
	}
	pgid := n.cmd.Process.Pid
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(10 * time.Second):
	}
	// Whatever is left of this nginx's process group (a worker still
	// draining a connection) goes too.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	<-n.done
}

func freeLoopbackAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// ColorBackend starts an httptest server that answers every request with
// "<color> <index>\n" and the header X-Color, and returns its host:port.
func ColorBackend(t testing.TB, color string, index int) string {
	t.Helper()
	body := []byte(fmt.Sprintf("%s %d\n", color, index))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Color", color)
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// Client is an HTTP client that opens a fresh connection per request (no
// keep-alive), so every request is accepted by a current worker.
func Client() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil}}
}

// GetColor requests url and returns the X-Color header of the answer.
func GetColor(ctx context.Context, c *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: status %d: %s", url, resp.StatusCode, strings.TrimSpace(buf.String()))
	}
	return resp.Header.Get("X-Color"), nil
}
