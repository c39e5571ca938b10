package haproxy

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/remote"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/testenv"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/routertest"
)

// subject wires a router to a fresh HAProxy (2 blue and 3 green servers, so
// that the spread of unequal counts is exercised) reached through host at
// address(h).
func subject(t *testing.T, host func(t *testing.T) remote.Host, address func(h *testenv.HAProxy) string) routertest.Subject {
	h := testenv.StartHAProxy(t, testenv.HAProxyOptions{Blue: 2, Green: 3})
	r, err := New(Config{Host: host(t), Address: address(h), Backend: h.Backend})
	if err != nil {
		t.Fatal(err)
	}
	return routertest.Subject{
		Router: r,
		Extra: []traffic.Weights{
			{Blue: 256, Green: 0}, {Blue: 0, Green: 256}, {Blue: 256, Green: 256},
			{Blue: 1, Green: 256}, {Blue: 255, Green: 1}, {Blue: 3, Green: 7}, {Blue: 1, Green: 0},
		},
		Rejects: []traffic.Weights{{Blue: 257, Green: 0}, {Blue: 0, Green: 257}, {Blue: 0, Green: 0}},
		// A person at the socket: color sums 2·w (k = min(2, 3)), but laid
		// out differently from the router's spread (all on the first
		// server), so Read must go by the sums.
		OtherWriter: func(ctx context.Context, w traffic.Weights) error {
			line := fmt.Sprintf("set server app/blue1 weight %d;set server app/blue2 weight 0;"+
				"set server app/green1 weight %d;set server app/green2 weight 0;set server app/green3 weight 0",
				2*w.Blue, 2*w.Green)
			if out, err := h.Command(line); err != nil || strings.TrimSpace(out) != "" {
				return fmt.Errorf("%q: %q, %v", line, out, err)
			}
			return nil
		},
		// A real partial write: the first command goes through, the second
		// names a server HAProxy does not have, the rest is dropped.
		FailNextSet: func(t *testing.T) func() {
			r.hookCommands = func(cmds []string) []string {
				if len(cmds) < 2 {
					t.Fatalf("the shift needs several commands, got %v", cmds)
				}
				r.hookCommands = nil
				return []string{cmds[0], "set server app/no-such-server weight 1"}
			}
			return func() { r.hookCommands = nil }
		},
	}
}

func localHost(*testing.T) remote.Host { return remote.Local{} }

func TestRouter_conformanceTCP(t *testing.T) {
	routertest.Run(t, func(t *testing.T) routertest.Subject {
		return subject(t, localHost, func(h *testenv.HAProxy) string { return h.AdminTCP })
	})
}

func TestRouter_conformanceUnixSocket(t *testing.T) {
	routertest.Run(t, func(t *testing.T) routertest.Subject {
		return subject(t, localHost, func(h *testenv.HAProxy) string { return "unix@" + h.AdminUnix })
	})
}

// The Runtime API on a unix socket of the load balancer, reached over SSH
// (direct-streamlocal channel) with the host key checked.
func TestRouter_conformanceSSHUnixSocket(t *testing.T) {
	sshd := testenv.StartSSHD(t)
	sshHost := func(t *testing.T) remote.Host {
		h, err := remote.NewSSH(remote.SSHConfig{Address: sshd.Addr, User: sshd.User, PrivateKeyPEM: sshd.ClientKeyPEM, HostKey: sshd.HostKey})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = h.Close() })
		return h
	}
	routertest.Run(t, func(t *testing.T) routertest.Subject {
		return subject(t, sshHost, func(h *testenv.HAProxy) string { return h.AdminUnix })
	})
}
