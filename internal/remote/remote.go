// Package remote reaches the host a router manages: the machine Terraform runs
// on (Local) or another one over SSH (see ssh.go). Routers that drive a
// server through its files, commands or sockets (HAProxy's Runtime API, an
// Nginx upstream file and reload) take a Host and never care which it is.
//
// Commands are argv lists, never shell strings: nothing a user writes in a
// path or a command is interpreted by a shell on either side.
package remote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Host is one machine a router manages.
type Host interface {
	// Run runs argv (argv[0] is looked up on the host's PATH) with stdin and
	// returns its output. A non-zero exit is an *ExitError carrying stderr.
	Run(ctx context.Context, argv []string, stdin []byte) (stdout []byte, err error)
	// ReadFile returns the content of path; a missing file is an error for
	// which errors.Is(err, fs.ErrNotExist) holds.
	ReadFile(ctx context.Context, path string) ([]byte, error)
	// WriteFile creates or truncates path with data and mode perm.
	WriteFile(ctx context.Context, path string, data []byte, perm fs.FileMode) error
	// Rename atomically replaces newpath with oldpath (same filesystem).
	Rename(ctx context.Context, oldpath, newpath string) error
	// Remove deletes path; a missing file is not an error.
	Remove(ctx context.Context, path string) error
	// Dial connects to addr as seen from the host ("tcp" host:port or
	// "unix" socket path).
	Dial(ctx context.Context, network, addr string) (net.Conn, error)
	// String names the host for diagnostics ("local", "ssh://ops@lb1:22").
	String() string
}

// ExitError is a command that ran and exited non-zero.
type ExitError struct {
	Argv   []string
	Code   int
	Stderr string
}

func (e *ExitError) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if msg == "" {
		msg = "(no output)"
	}
	return fmt.Sprintf("%s exited with status %d: %s", strings.Join(e.Argv, " "), e.Code, msg)
}

// Local is the machine the provider runs on. Sudo, when set, prefixes every
// command with `sudo -n` (never prompts).
type Local struct {
	Sudo bool
}

var _ Host = Local{}

func (l Local) String() string { return "local" }

func (l Local) Run(ctx context.Context, argv []string, stdin []byte) ([]byte, error) {
	if len(argv) == 0 {
		return nil, errors.New("empty command")
	}
	full := argv
	if l.Sudo {
		full = append([]string{"sudo", "-n", "--"}, argv...)
	}
	cmd := exec.CommandContext(ctx, full[0], full[1:]...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return out.Bytes(), &ExitError{Argv: argv, Code: ee.ExitCode(), Stderr: stderr.String()}
	}
	if err != nil {
		return out.Bytes(), fmt.Errorf("running %s: %w", strings.Join(argv, " "), err)
	}
	return out.Bytes(), nil
}

func (l Local) ReadFile(ctx context.Context, path string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}

func (l Local) WriteFile(ctx context.Context, path string, data []byte, perm fs.FileMode) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

func (l Local) Rename(ctx context.Context, oldpath, newpath string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.Rename(oldpath, newpath); err != nil {
		return err
	}
	// Make the rename durable before reporting it done.
	if d, err := os.Open(filepath.Dir(newpath)); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

func (l Local) Remove(ctx context.Context, path string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func (l Local) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}
