package haproxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/remote"
)

// RuntimeAPI talks to HAProxy's Runtime API (the `stats socket … level
// admin`) in its non-interactive mode: one connection per command line, the
// answer read until HAProxy closes the connection. The socket is reached
// through a remote.Host, so it may be on the machine Terraform runs on or on
// the load balancer behind SSH.
type RuntimeAPI struct {
	Host    remote.Host
	Network string // "tcp" or "unix"
	Addr    string // host:port or socket path
	// Timeout bounds one command line (default 10s).
	Timeout  time.Duration
	commands atomic.Int64
}

// Commands is the number of command lines sent so far (for measurements).
func (r *RuntimeAPI) Commands() int64 { return r.commands.Load() }

// ParseAddress accepts the forms HAProxy itself uses for a stats socket:
// "ipv4@127.0.0.1:9999", "ipv6@[::1]:9999", "127.0.0.1:9999", "unix@/path",
// "/run/haproxy/admin.sock". It returns the network and address to dial.
func ParseAddress(address string) (network, addr string, err error) {
	a := strings.TrimSpace(address)
	switch {
	case a == "":
		return "", "", errors.New("empty Runtime API address")
	case strings.HasPrefix(a, "unix@"):
		a = strings.TrimPrefix(a, "unix@")
		if !strings.HasPrefix(a, "/") {
			return "", "", fmt.Errorf("runtime API address %q: a unix socket path must be absolute", address)
		}
		return "unix", a, nil
	case strings.HasPrefix(a, "/"):
		return "unix", a, nil
	case strings.HasPrefix(a, "ipv4@"), strings.HasPrefix(a, "ipv6@"), strings.HasPrefix(a, "tcp@"):
		_, a, _ = strings.Cut(a, "@")
	}
	host, port, err := net.SplitHostPort(a)
	if err != nil || host == "" || port == "" {
		return "", "", fmt.Errorf("runtime API address %q: want ipv4@HOST:PORT, HOST:PORT, unix@/path or /path", address)
	}
	return "tcp", net.JoinHostPort(host, port), nil
}

// Do sends one command line (several commands may be joined with ";") and
// returns HAProxy's whole answer.
func (r *RuntimeAPI) Do(ctx context.Context, line string) (string, error) {
	if strings.ContainsAny(line, "\r\n") {
		return "", fmt.Errorf("runtime API command %q contains a line break", line)
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := r.Host.Dial(ctx, r.Network, r.Addr)
	if err != nil {
		return "", fmt.Errorf("connecting to the HAProxy Runtime API at %s via %s: %w", r.Addr, r.Host, err)
	}
	// Channels over SSH do not support deadlines: close on cancellation.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	defer conn.Close()
	r.commands.Add(1)
	if _, err := io.WriteString(conn, line+"\n"); err != nil {
		return "", r.wrap(ctx, line, err)
	}
	var out bytes.Buffer
	if _, err := io.Copy(&out, conn); err != nil && !errors.Is(err, net.ErrClosed) {
		return out.String(), r.wrap(ctx, line, err)
	}
	if ctx.Err() != nil {
		return out.String(), r.wrap(ctx, line, ctx.Err())
	}
	return out.String(), nil
}

func (r *RuntimeAPI) wrap(ctx context.Context, line string, err error) error {
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	cmd := line
	if len(cmd) > 80 {
		cmd = cmd[:77] + "..."
	}
	return fmt.Errorf("HAProxy Runtime API %s via %s, %q: %w", r.Addr, r.Host, cmd, err)
}

// ServerState is one line of `show servers state` (format version 1).
type ServerState struct {
	BackendID   int
	Backend     string
	ID          int
	Name        string
	Addr        string
	OpState     int // 0 stopped (DOWN), 1 starting, 2 running (UP), 3 stopping
	AdminState  int // bit field: 0x01 forced maint, 0x02 inherited maint, 0x04 config maint, 0x08 forced drain…
	Weight      int // srv_uweight: the current (user) weight
	InitWeight  int // srv_iweight: the weight in the configuration
	CheckStatus int
	CheckResult int
	CheckHealth int
	CheckState  int
}

// Up reports whether HAProxy considers the server UP (running) and not in
// maintenance.
func (s ServerState) Up() bool { return s.OpState == 2 && s.AdminState&0x07 == 0 }

// OpStateName renders the operational state.
func (s ServerState) OpStateName() string {
	switch s.OpState {
	case 0:
		return "DOWN"
	case 1:
		return "STARTING"
	case 2:
		return "UP"
	case 3:
		return "STOPPING"
	}
	return fmt.Sprintf("state-%d", s.OpState)
}

// ShowServersState runs `show servers state <backend>` and parses it.
func (r *RuntimeAPI) ShowServersState(ctx context.Context, backend string) ([]ServerState, error) {
	if err := checkName("backend", backend); err != nil {
		return nil, err
	}
	out, err := r.Do(ctx, "show servers state "+backend)
	if err != nil {
		return nil, err
	}
	return ParseServersState(out, backend)
}

// ParseServersState parses a `show servers state` dump, keeping the servers
// of backend (all of them when backend is "").
func ParseServersState(out, backend string) ([]ServerState, error) {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "1" {
		msg := strings.TrimSpace(out)
		if msg == "" {
			msg = "(empty answer)"
		}
		if backend != "" && strings.Contains(strings.ToLower(msg), "backend") {
			return nil, fmt.Errorf("%w %q: HAProxy says %q", ErrNoBackend, backend, msg)
		}
		return nil, fmt.Errorf("unexpected `show servers state` answer: %q", msg)
	}
	var states []ServerState
	for _, line := range lines[1:] {
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 14 {
			return nil, fmt.Errorf("short `show servers state` line %q", line)
		}
		n := make([]int, 14)
		for _, i := range []int{0, 2, 5, 6, 7, 8, 10, 11, 12, 13} {
			v, err := atoi(f[i])
			if err != nil {
				return nil, fmt.Errorf("`show servers state` line %q, field %d: %w", line, i+1, err)
			}
			n[i] = v
		}
		if backend != "" && f[1] != backend {
			continue
		}
		states = append(states, ServerState{
			BackendID: n[0], Backend: f[1], ID: n[2], Name: f[3], Addr: f[4],
			OpState: n[5], AdminState: n[6], Weight: n[7], InitWeight: n[8],
			CheckStatus: n[10], CheckResult: n[11], CheckHealth: n[12], CheckState: n[13],
		})
	}
	return states, nil
}

func atoi(s string) (int, error) {
	var v int
	_, err := fmt.Sscanf(s, "%d", &v)
	return v, err
}

// ErrNoBackend is returned when HAProxy does not know the backend.
var ErrNoBackend = errors.New("HAProxy has no backend")

// checkName refuses names HAProxy would not accept (it allows letters,
// digits, '-', '_', '.' and ':'), so nothing a user writes can add a command
// to a Runtime API command line.
func checkName(what, name string) error {
	if name == "" {
		return fmt.Errorf("empty %s name", what)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_.:", c)) {
			return fmt.Errorf("%s name %q: HAProxy names contain only letters, digits, '-', '_', '.' and ':'", what, name)
		}
	}
	return nil
}
