package testenv

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// SSHDBin is Debian's OpenSSH server.
const SSHDBin = "/usr/sbin/sshd"

// SSHD is a running sshd on loopback that lets the current user in with
// generated keys (public key authentication only).
type SSHD struct {
	// Addr is 127.0.0.1:PORT.
	Addr string
	// User is the current user (root on CI machines).
	User string
	// HostKey is the server's public key in authorized_keys form;
	// KnownHosts a known_hosts line for Addr.
	HostKey, KnownHosts string
	// ClientKeyPEM is an unencrypted private key the server accepts.
	ClientKeyPEM string
	Dir          string

	authorized string
}

// StartSSHD starts sshd -D on a free loopback port with a generated host key
// and client key, its own PidFile and config, running as the current user
// (PermitRootLogin yes, StrictModes no, UsePAM no, stream-local forwarding
// on). It skips the test when sshd is missing unless
// BLUEGREEN_REQUIRE_SERVERS=1.
func StartSSHD(t testing.TB) *SSHD {
	t.Helper()
	bin := NeedBinary(t, SSHDBin, "sshd")
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	// A short path, like HAProxy's (see StartHAProxy).
	dir, err := os.MkdirTemp("", "sshd-test-") //nolint:usetesting // short path, like HAProxy's
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	// sshd refuses to start without its privilege separation directory.
	if os.Geteuid() == 0 {
		_ = os.MkdirAll("/run/sshd", 0o755)
	}
	hostPEM, hostPub := newKey(t, "")
	hostKeyPath := filepath.Join(dir, "host_ed25519")
	if err := os.WriteFile(hostKeyPath, hostPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	clientPEM, clientPub := newKey(t, "")
	s := &SSHD{
		Addr: fmt.Sprintf("127.0.0.1:%d", FreePort(t)), User: u.Username, Dir: dir,
		HostKey:      strings.TrimSpace(string(ssh.MarshalAuthorizedKey(hostPub))),
		ClientKeyPEM: string(clientPEM),
		authorized:   filepath.Join(dir, "authorized_keys"),
	}
	s.KnownHosts = knownHostsLine(s.Addr, hostPub)
	s.Authorize(t, clientPub)
	cfg := strings.Join([]string{
		"ListenAddress " + s.Addr,
		"HostKey " + hostKeyPath,
		"PidFile " + filepath.Join(dir, "sshd.pid"),
		"AuthorizedKeysFile " + s.authorized,
		"PermitRootLogin yes",
		"StrictModes no",
		"UsePAM no",
		"PubkeyAuthentication yes",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"AllowStreamLocalForwarding yes",
		"AllowTcpForwarding yes",
		"LogLevel ERROR",
		"",
	}, "\n")
	cfgPath := filepath.Join(dir, "sshd_config")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	cmd := exec.Command(bin, "-D", "-e", "-f", cfgPath)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting sshd: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
	})
	if err := waitFor(10*time.Second, func() error {
		select {
		case <-done:
			return fmt.Errorf("sshd exited: %s", logs.String())
		default:
		}
		c, err := net.DialTimeout("tcp", s.Addr, time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(2 * time.Second))
		banner := make([]byte, 4)
		if _, err := c.Read(banner); err != nil || string(banner) != "SSH-" {
			return fmt.Errorf("no SSH banner (%q, %v)", banner, err)
		}
		return nil
	}); err != nil {
		t.Fatalf("sshd did not start: %v", err)
	}
	return s
}

// Authorize adds a public key to the server's authorized keys.
func (s *SSHD) Authorize(t testing.TB, pub ssh.PublicKey) {
	t.Helper()
	f, err := os.OpenFile(s.authorized, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(ssh.MarshalAuthorizedKey(pub)); err != nil {
		t.Fatal(err)
	}
}

// NewClientKey makes a new key pair, encrypted with passphrase when it is
// not empty, and returns the private key PEM and the public key (not yet
// authorized).
func NewClientKey(t testing.TB, passphrase string) (string, ssh.PublicKey) {
	t.Helper()
	p, pub := newKey(t, passphrase)
	return string(p), pub
}

// OtherHostKey returns a public key (authorized_keys form) and a known_hosts
// line for the server's address that are NOT the server's: for tests of host
// key mismatch.
func (s *SSHD) OtherHostKey(t testing.TB) (hostKey, knownHosts string) {
	t.Helper()
	_, pub := newKey(t, "")
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub))), knownHostsLine(s.Addr, pub)
}

func knownHostsLine(addr string, pub ssh.PublicKey) string {
	host, port, _ := net.SplitHostPort(addr)
	return fmt.Sprintf("[%s]:%s %s", host, port, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub))))
}

func newKey(t testing.TB, passphrase string) ([]byte, ssh.PublicKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var block *pem.Block
	if passphrase != "" {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte(passphrase))
	} else {
		block, err = ssh.MarshalPrivateKey(priv, "")
	}
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(block), sshPub
}
