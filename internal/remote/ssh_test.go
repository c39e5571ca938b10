package remote_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/remote"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/testenv"
)

func newSSH(t *testing.T, cfg remote.SSHConfig) *remote.SSH {
	t.Helper()
	h, err := remote.NewSSH(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() })
	return h
}

func pinned(s *testenv.SSHD) remote.SSHConfig {
	return remote.SSHConfig{Address: s.Addr, User: s.User, PrivateKeyPEM: s.ClientKeyPEM, HostKey: s.HostKey}
}

func ctxT(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestSSH_filesAndCommands(t *testing.T) {
	s := testenv.StartSSHD(t)
	h := newSSH(t, pinned(s))
	ctx := ctxT(t)
	dir := t.TempDir()
	tmp, final := filepath.Join(dir, "a b.tmp"), filepath.Join(dir, "it's final.conf")
	if err := h.WriteFile(ctx, tmp, []byte("weight 10\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(tmp); err != nil || st.Mode().Perm() != 0o640 {
		t.Fatalf("written file: %v, %v", st, err)
	}
	if err := h.Rename(ctx, tmp, final); err != nil {
		t.Fatal(err)
	}
	got, err := h.ReadFile(ctx, final)
	if err != nil || string(got) != "weight 10\n" {
		t.Fatalf("ReadFile = %q, %v", got, err)
	}
	if _, err := h.ReadFile(ctx, tmp); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("old path after rename: %v, want not-exist", err)
	}
	if err := h.Remove(ctx, final); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(final); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("after Remove: %v", err)
	}
	if err := h.Remove(ctx, final); err != nil {
		t.Fatalf("removing a missing file: %v", err)
	}
	out, err := h.Run(ctx, []string{"cat"}, []byte("in"))
	if err != nil || string(out) != "in" {
		t.Fatalf("cat = %q, %v", out, err)
	}
	_, err = h.Run(ctx, []string{"sh", "-c", "echo broken >&2; exit 3"}, nil)
	var ee *remote.ExitError
	if !errors.As(err, &ee) || ee.Code != 3 || !strings.Contains(ee.Error(), "broken") {
		t.Fatalf("exit error = %v", err)
	}
}

// Arguments reach the command exactly as given: the remote shell interprets
// nothing.
func TestSSH_argumentsAreNotInterpreted(t *testing.T) {
	s := testenv.StartSSHD(t)
	h := newSSH(t, pinned(s))
	canary := filepath.Join(t.TempDir(), "pwned")
	args := []string{"plain", "two words", "it's", `"dq"`, "$(touch " + canary + ")", "`touch " + canary + "`",
		"a;touch " + canary, "x\ny", "*", "", `back\slash`, "$HOME", "|&<>"}
	out, err := h.Run(ctxT(t), append([]string{"printf", `%s\0`}, args...), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if strings.Join(got, "|") != strings.Join(args, "|") || len(got) != len(args) {
		t.Fatalf("arguments arrived as %q, want %q", got, args)
	}
	if _, err := os.Stat(canary); err == nil {
		t.Fatal("an argument was run by the remote shell")
	}
}

func TestSSH_dialsUnixSocketsAndTCP(t *testing.T) {
	s := testenv.StartSSHD(t)
	h := newSSH(t, pinned(s))
	sock := filepath.Join(t.TempDir(), "echo.sock")
	for _, l := range []struct{ network, addr string }{{"unix", sock}, {"tcp", "127.0.0.1:0"}} {
		ln, err := net.Listen(l.network, l.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() {
					defer c.Close()
					line, _ := bufio.NewReader(c).ReadString('\n')
					_, _ = io.WriteString(c, "echo "+line)
				}()
			}
		}()
		conn, err := h.Dial(ctxT(t), l.network, ln.Addr().String())
		if err != nil {
			t.Fatalf("Dial %s: %v", l.network, err)
		}
		_, _ = io.WriteString(conn, "hello\n")
		got, err := io.ReadAll(conn)
		conn.Close()
		if err != nil || string(got) != "echo hello\n" {
			t.Fatalf("%s echo = %q, %v", l.network, got, err)
		}
	}
	if _, err := h.Dial(ctxT(t), "unix", filepath.Join(t.TempDir(), "missing.sock")); err == nil {
		t.Fatal("dialing a missing socket succeeded")
	}
	// The connection survives a refused channel.
	if _, err := h.Run(ctxT(t), []string{"true"}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestSSH_reusesAndReplacesTheConnection(t *testing.T) {
	s := testenv.StartSSHD(t)
	h := newSSH(t, pinned(s))
	ctx := ctxT(t)
	pids := map[string]bool{}
	for range 3 {
		// $PPID of the command is the sshd session process of its connection.
		out, err := h.Run(ctx, []string{"sh", "-c", "ps -o ppid= -p $PPID"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		pids[strings.TrimSpace(string(out))] = true
	}
	if len(pids) != 1 {
		t.Fatalf("three commands used %d connections, want 1: %v", len(pids), pids)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := h.Run(ctx, []string{"echo", "again"}, nil)
	if err != nil || string(out) != "again\n" {
		t.Fatalf("after Close: %q, %v", out, err)
	}
}

func TestSSH_cancelledRunReturns(t *testing.T) {
	s := testenv.StartSSHD(t)
	h := newSSH(t, pinned(s))
	ctx, cancel := context.WithCancel(ctxT(t))
	done := make(chan error, 1)
	go func() { _, err := h.Run(ctx, []string{"sleep", "600"}, nil); done <- err }()
	// Cancel once the command runs.
	if _, err := h.Run(ctxT(t), []string{"sh", "-c", "until pgrep -x sleep >/dev/null; do sleep 0.05; done"}, nil); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run after cancel = %v, want context.Canceled", err)
	}
	if _, err := h.Run(ctxT(t), []string{"true"}, nil); err != nil {
		t.Fatalf("the host is unusable after a cancelled command: %v", err)
	}
}

func TestSSH_hostKeyChecking(t *testing.T) {
	s := testenv.StartSSHD(t)
	otherKey, otherKnown := s.OtherHostKey(t)
	base := remote.SSHConfig{Address: s.Addr, User: s.User, PrivateKeyPEM: s.ClientKeyPEM}
	tests := []struct {
		name    string
		mod     func(*remote.SSHConfig)
		wantErr string // "" = connects
	}{
		{"pinned key", func(c *remote.SSHConfig) { c.HostKey = s.HostKey }, ""},
		{"known_hosts", func(c *remote.SSHConfig) { c.KnownHosts = "# comment\n" + s.KnownHosts }, ""},
		{"pinned key and known_hosts", func(c *remote.SSHConfig) { c.HostKey, c.KnownHosts = s.HostKey, s.KnownHosts }, ""},
		{"wrong pinned key", func(c *remote.SSHConfig) { c.HostKey = otherKey }, "host key mismatch"},
		{"wrong known_hosts key", func(c *remote.SSHConfig) { c.KnownHosts = otherKnown }, "host key mismatch"},
		{"host not in known_hosts", func(c *remote.SSHConfig) { c.KnownHosts = "[10.9.8.7]:22 " + s.HostKey }, "not in known_hosts"},
		{"right pin, wrong known_hosts", func(c *remote.SSHConfig) { c.HostKey, c.KnownHosts = s.HostKey, otherKnown }, "host key mismatch"},
		{"explicit insecure opt-out", func(c *remote.SSHConfig) { c.InsecureIgnoreHostKey = true }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			tt.mod(&cfg)
			h := newSSH(t, cfg)
			out, err := h.Run(ctxT(t), []string{"echo", "in"}, nil)
			if tt.wantErr == "" {
				if err != nil || string(out) != "in\n" {
					t.Fatalf("Run = %q, %v", out, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Run err = %v, want %q", err, tt.wantErr)
			}
			if _, derr := h.Dial(ctxT(t), "tcp", s.Addr); derr == nil {
				t.Fatal("Dial succeeded through a refused host key")
			}
		})
	}
}

func TestNewSSH_refusesUnsafeOrIncompleteConfig(t *testing.T) {
	key, _ := testenv.NewClientKey(t, "")
	enc, _ := testenv.NewClientKey(t, "s3cret")
	tests := []struct {
		name string
		cfg  remote.SSHConfig
		want string
	}{
		{"no host key checking", remote.SSHConfig{Address: "lb1", User: "ops", PrivateKeyPEM: key}, "host key checking"},
		{"insecure and a pin", remote.SSHConfig{Address: "lb1", User: "ops", PrivateKeyPEM: key, InsecureIgnoreHostKey: true, HostKey: "x"}, "conflicts"},
		{"no credentials", remote.SSHConfig{Address: "lb1", User: "ops", InsecureIgnoreHostKey: true}, "private key or a password"},
		{"no user", remote.SSHConfig{Address: "lb1", PrivateKeyPEM: key, InsecureIgnoreHostKey: true}, "user"},
		{"encrypted key without passphrase", remote.SSHConfig{Address: "lb1", User: "ops", PrivateKeyPEM: enc, InsecureIgnoreHostKey: true}, "passphrase"},
		{"garbage key", remote.SSHConfig{Address: "lb1", User: "ops", PrivateKeyPEM: "not a key", InsecureIgnoreHostKey: true}, "parsing the private key"},
		{"bad pin", remote.SSHConfig{Address: "lb1", User: "ops", PrivateKeyPEM: key, HostKey: "ssh-ed25519 !!"}, "host_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := remote.NewSSH(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewSSH = %v, want an error containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "PRIVATE KEY") {
				t.Fatalf("error leaks a secret: %v", err)
			}
		})
	}
	h, err := remote.NewSSH(remote.SSHConfig{Address: "lb1", User: "ops", PrivateKeyPEM: key, Password: "pw", InsecureIgnoreHostKey: true})
	if err != nil || h.String() != "ssh://ops@lb1:22" {
		t.Fatalf("NewSSH = %v, %v", h, err)
	}
}

func TestSSH_encryptedKeyWithPassphrase(t *testing.T) {
	s := testenv.StartSSHD(t)
	pemKey, pub := testenv.NewClientKey(t, "correct horse")
	s.Authorize(t, pub)
	h := newSSH(t, remote.SSHConfig{Address: s.Addr, User: s.User, PrivateKeyPEM: pemKey, Passphrase: "correct horse", HostKey: s.HostKey})
	if out, err := h.Run(ctxT(t), []string{"echo", "ok"}, nil); err != nil || string(out) != "ok\n" {
		t.Fatalf("Run = %q, %v", out, err)
	}
	// A key the server does not accept is an authentication failure.
	stranger, _ := testenv.NewClientKey(t, "")
	h2 := newSSH(t, remote.SSHConfig{Address: s.Addr, User: s.User, PrivateKeyPEM: stranger, HostKey: s.HostKey})
	if _, err := h2.Run(ctxT(t), []string{"true"}, nil); err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
		t.Fatalf("unauthorized key: %v", err)
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"plain": "plain", "": "''", "a b": "'a b'", "it's": `'it'\''s'`, "/run/haproxy/admin.sock": "/run/haproxy/admin.sock",
		"$(x)": "'$(x)'",
	} {
		if got := remote.ShellQuote(in); got != want {
			t.Errorf("ShellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

// With Sudo, commands run through `sudo -n --`: on a host without sudo that
// is a "not found", which proves the prefix is there (and never prompts).
func TestSSH_sudoPrefix(t *testing.T) {
	s := testenv.StartSSHD(t)
	cfg := pinned(s)
	cfg.Sudo = true
	h := newSSH(t, cfg)
	out, err := h.Run(ctxT(t), []string{"sh", "-c", "command -v sudo"}, nil)
	var ee *remote.ExitError
	if err == nil {
		// sudo exists on this host: the command ran through it.
		if !strings.Contains(string(out), "sudo") {
			t.Fatalf("Run = %q", out)
		}
		return
	}
	if !errors.As(err, &ee) || ee.Code != 127 || !strings.Contains(ee.Stderr, "sudo") {
		t.Fatalf("Run through a missing sudo = %v", err)
	}
}
