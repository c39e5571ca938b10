package remote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// SSHConfig says how to reach and authenticate to a host over SSH.
// PrivateKeyPEM, Passphrase and Password are secrets: they never appear in
// errors or in String().
type SSHConfig struct {
	// Address is host or host:port (port 22 by default).
	Address string
	// User to log in as.
	User string
	// PrivateKeyPEM is an OpenSSH or PEM private key; Passphrase decrypts it
	// when it is encrypted.
	PrivateKeyPEM string
	Passphrase    string
	// Password for password (and keyboard-interactive) authentication. The
	// key is tried first when both are set.
	Password string
	// Host key checking (on unless InsecureIgnoreHostKey): KnownHosts is the
	// content of a known_hosts file (hashed names, @revoked and
	// @cert-authority lines work), HostKey a pinned public key in
	// authorized_keys form ("ssh-ed25519 AAAA…"). When both are set, the key
	// must satisfy both.
	KnownHosts string
	HostKey    string
	// InsecureIgnoreHostKey accepts any host key: anyone who can intercept
	// the connection can then act as the load balancer. Tests and labs only.
	InsecureIgnoreHostKey bool
	// Sudo prefixes every command with `sudo -n --` (never prompts).
	Sudo bool
	// ConnectTimeout bounds connecting and the SSH handshake (default 15s).
	ConnectTimeout time.Duration
}

// SSH is a Host reached over SSH. It opens one connection on first use and
// reuses it (one session per command, one channel per Dial); a broken
// connection is replaced on the next call. Close it when done.
type SSH struct {
	cfg     SSHConfig
	addr    string
	client  *ssh.ClientConfig
	mu      sync.Mutex
	conn    *ssh.Client
	dialled int // connections made (for tests of reuse)
}

var _ Host = (*SSH)(nil)

// NewSSH validates cfg and parses its keys. It does not connect.
func NewSSH(cfg SSHConfig) (*SSH, error) {
	addr := strings.TrimSpace(cfg.Address)
	if addr == "" {
		return nil, errors.New("ssh: address is required")
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(strings.Trim(addr, "[]"), "22")
	}
	if cfg.User == "" {
		return nil, errors.New("ssh: user is required")
	}
	var auths []ssh.AuthMethod
	if cfg.PrivateKeyPEM != "" {
		var signer ssh.Signer
		var err error
		if cfg.Passphrase != "" {
			signer, err = ssh.ParsePrivateKeyWithPassphrase([]byte(cfg.PrivateKeyPEM), []byte(cfg.Passphrase))
		} else {
			signer, err = ssh.ParsePrivateKey([]byte(cfg.PrivateKeyPEM))
		}
		var missing *ssh.PassphraseMissingError
		switch {
		case errors.As(err, &missing):
			return nil, errors.New("ssh: the private key is encrypted: set its passphrase")
		case err != nil:
			// The parser's messages do not quote key material.
			return nil, fmt.Errorf("ssh: parsing the private key: %v", err)
		}
		auths = append(auths, ssh.PublicKeys(signer))
	}
	if cfg.Password != "" {
		pw := cfg.Password
		auths = append(auths, ssh.Password(pw), ssh.KeyboardInteractive(
			func(_, _ string, questions []string, _ []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range answers {
					answers[i] = pw
				}
				return answers, nil
			}))
	}
	if len(auths) == 0 {
		return nil, errors.New("ssh: a private key or a password is required")
	}
	hostKey, err := hostKeyCallback(cfg)
	if err != nil {
		return nil, err
	}
	timeout := cfg.ConnectTimeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	return &SSH{cfg: cfg, addr: addr, client: &ssh.ClientConfig{
		User: cfg.User, Auth: auths, HostKeyCallback: hostKey, Timeout: timeout,
	}}, nil
}

func hostKeyCallback(cfg SSHConfig) (ssh.HostKeyCallback, error) {
	if cfg.InsecureIgnoreHostKey {
		if cfg.KnownHosts != "" || cfg.HostKey != "" {
			return nil, errors.New("ssh: insecure_ignore_host_key conflicts with known_hosts and host_key")
		}
		return ssh.InsecureIgnoreHostKey(), nil //nolint:gosec // explicit opt-out
	}
	if cfg.KnownHosts == "" && cfg.HostKey == "" {
		return nil, errors.New("ssh: host key checking needs known_hosts or host_key (or an explicit insecure_ignore_host_key)")
	}
	var checks []ssh.HostKeyCallback
	if cfg.HostKey != "" {
		pinned, _, _, _, err := ssh.ParseAuthorizedKey([]byte(cfg.HostKey))
		if err != nil {
			return nil, fmt.Errorf("ssh: parsing host_key (want \"ssh-ed25519 AAAA…\"): %v", err)
		}
		checks = append(checks, func(hostname string, _ net.Addr, key ssh.PublicKey) error {
			if !bytes.Equal(key.Marshal(), pinned.Marshal()) {
				return fmt.Errorf("ssh: host key mismatch for %s: the server offered %s %s, the pinned key is %s %s",
					hostname, key.Type(), ssh.FingerprintSHA256(key), pinned.Type(), ssh.FingerprintSHA256(pinned))
			}
			return nil
		})
	}
	if cfg.KnownHosts != "" {
		// knownhosts reads files: give it the content through a private
		// temporary file, removed as soon as it is parsed.
		f, err := os.CreateTemp("", "bluegreen-known-hosts-")
		if err != nil {
			return nil, err
		}
		defer os.Remove(f.Name())
		_, werr := f.WriteString(cfg.KnownHosts + "\n")
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return nil, werr
		}
		cb, err := knownhosts.New(f.Name())
		if err != nil {
			return nil, fmt.Errorf("ssh: parsing known_hosts: %v", strings.ReplaceAll(err.Error(), f.Name(), "known_hosts"))
		}
		checks = append(checks, func(hostname string, remote net.Addr, key ssh.PublicKey) error {
			err := cb(hostname, remote, key)
			var ke *knownhosts.KeyError
			if errors.As(err, &ke) {
				if len(ke.Want) == 0 {
					return fmt.Errorf("ssh: %s is not in known_hosts (it offered %s %s)", hostname, key.Type(), ssh.FingerprintSHA256(key))
				}
				return fmt.Errorf("ssh: host key mismatch for %s: the server offered %s %s, known_hosts has another key", hostname, key.Type(), ssh.FingerprintSHA256(key))
			}
			if err != nil {
				return fmt.Errorf("ssh: host key for %s: %v", hostname, strings.ReplaceAll(err.Error(), f.Name(), "known_hosts"))
			}
			return nil
		})
	}
	return func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		for _, c := range checks {
			if err := c(hostname, remote, key); err != nil {
				return err
			}
		}
		return nil
	}, nil
}

// String is "ssh://user@host:port".
func (s *SSH) String() string { return "ssh://" + s.cfg.User + "@" + s.addr }

// Close closes the connection (a later call reconnects).
func (s *SSH) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return nil
	}
	err := s.conn.Close()
	s.conn = nil
	return err
}

// connection returns the open connection or makes one, within ctx.
func (s *SSH) connection(ctx context.Context) (*ssh.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil {
		return s.conn, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d := net.Dialer{Timeout: s.client.Timeout}
	raw, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return nil, fmt.Errorf("ssh: connecting to %s: %w", s.addr, err)
	}
	deadline := time.Now().Add(s.client.Timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = raw.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = raw.Close() })
	c, chans, reqs, err := ssh.NewClientConn(raw, s.addr, s.client)
	stop()
	if err != nil {
		_ = raw.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("ssh: handshake with %s as %s: %w", s.addr, s.cfg.User, err)
	}
	_ = raw.SetDeadline(time.Time{})
	s.conn = ssh.NewClient(c, chans, reqs)
	s.dialled++
	return s.conn, nil
}

// drop forgets conn if it is still the current connection.
func (s *SSH) drop(conn *ssh.Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == conn {
		_ = s.conn.Close()
		s.conn = nil
	}
}

// session opens a session, reconnecting once if the connection broke.
func (s *SSH) session(ctx context.Context) (*ssh.Session, error) {
	for attempt := 0; ; attempt++ {
		c, err := s.connection(ctx)
		if err != nil {
			return nil, err
		}
		sess, err := c.NewSession()
		if err == nil {
			return sess, nil
		}
		s.drop(c)
		if attempt > 0 {
			return nil, fmt.Errorf("ssh: opening a session on %s: %w", s.addr, err)
		}
	}
}

// ShellQuote quotes one argument for a POSIX shell: in single quotes, each
// single quote inside closed, escaped with a backslash and reopened.
func ShellQuote(arg string) string {
	if arg != "" && strings.IndexFunc(arg, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:@,+%", r))
	}) < 0 {
		return arg
	}
	return "'" + strings.ReplaceAll(arg, "'", `'\''`) + "'"
}

// Run runs argv on the host. The remote side runs commands through the
// user's shell, so every argument is quoted: nothing is interpreted.
func (s *SSH) Run(ctx context.Context, argv []string, stdin []byte) ([]byte, error) {
	if len(argv) == 0 {
		return nil, errors.New("empty command")
	}
	full := argv
	if s.cfg.Sudo {
		full = append([]string{"sudo", "-n", "--"}, argv...)
	}
	quoted := make([]string, len(full))
	for i, a := range full {
		quoted[i] = ShellQuote(a)
	}
	sess, err := s.session(ctx)
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	var out, stderr bytes.Buffer
	sess.Stdout, sess.Stderr = &out, &stderr
	if stdin != nil {
		sess.Stdin = bytes.NewReader(stdin)
	}
	done := make(chan error, 1)
	go func() { done <- sess.Run(strings.Join(quoted, " ")) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = sess.Signal(ssh.SIGKILL)
		_ = sess.Close()
		// Let the session's copiers finish before the buffers are dropped.
		select {
		case killed := <-done:
			_ = killed // the session's own error after the kill is not news
		case <-time.After(5 * time.Second):
		}
		return nil, fmt.Errorf("running %s on %s: %w", strings.Join(argv, " "), s, ctx.Err())
	}
	var ee *ssh.ExitError
	if errors.As(err, &ee) {
		return out.Bytes(), &ExitError{Argv: argv, Code: ee.ExitStatus(), Stderr: stderr.String()}
	}
	if err != nil {
		return out.Bytes(), fmt.Errorf("running %s on %s: %w", strings.Join(argv, " "), s, err)
	}
	return out.Bytes(), nil
}

// notExistStatus is the exit status ReadFile's script uses for a missing file.
const notExistStatus = 44

// ReadFile runs `cat` on the host; a missing file is fs.ErrNotExist.
func (s *SSH) ReadFile(ctx context.Context, path string) ([]byte, error) {
	out, err := s.Run(ctx, []string{"sh", "-c", `[ -e "$1" ] || exit ` + strconv.Itoa(notExistStatus) + `; exec cat -- "$1"`, "sh", path}, nil)
	var ee *ExitError
	if errors.As(err, &ee) && ee.Code == notExistStatus {
		return nil, &fs.PathError{Op: "read", Path: path, Err: fs.ErrNotExist}
	}
	return out, err
}

// WriteFile writes data to path with `cat >`, then sets its mode.
func (s *SSH) WriteFile(ctx context.Context, path string, data []byte, perm fs.FileMode) error {
	_, err := s.Run(ctx, []string{"sh", "-c", `umask 077 && cat > "$1" && chmod "$2" "$1"`, "sh", path,
		strconv.FormatUint(uint64(perm.Perm()), 8)}, data)
	return err
}

// Rename runs `mv -f` (atomic on one filesystem).
func (s *SSH) Rename(ctx context.Context, oldpath, newpath string) error {
	_, err := s.Run(ctx, []string{"mv", "-f", "--", oldpath, newpath}, nil)
	return err
}

// Remove runs `rm -f`.
func (s *SSH) Remove(ctx context.Context, path string) error {
	_, err := s.Run(ctx, []string{"rm", "-f", "--", path}, nil)
	return err
}

// Dial connects from the host: "tcp" through a direct-tcpip channel, "unix"
// through OpenSSH's direct-streamlocal channel (sshd needs
// AllowStreamLocalForwarding, on by default). The sshd user must be able to
// open the socket (sudo does not apply to Dial).
func (s *SSH) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6", "unix":
	default:
		return nil, fmt.Errorf("ssh: cannot dial network %q", network)
	}
	for attempt := 0; ; attempt++ {
		c, err := s.connection(ctx)
		if err != nil {
			return nil, err
		}
		conn, err := c.DialContext(ctx, network, addr)
		if err == nil {
			return conn, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// A refused channel (no such socket) is the answer; a dead
		// connection is replaced once.
		var oce *ssh.OpenChannelError
		if errors.As(err, &oce) || attempt > 0 {
			return nil, fmt.Errorf("ssh: dialing %s %s from %s: %w", network, addr, s, err)
		}
		s.drop(c)
	}
}
