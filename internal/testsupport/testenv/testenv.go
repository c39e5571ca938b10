// Package testenv starts real servers for tests: HAProxy (haproxy.go) and
// OpenSSH's sshd (sshd.go), each on loopback, on free ports, with its own
// configuration in a temporary directory, stopped at the end of the test.
//
// A test that needs a server calls the starter, which skips the test when the
// server's binary is missing — unless BLUEGREEN_REQUIRE_SERVERS=1 is set (CI
// sets it), in which case the test fails loudly.
//
// It is test support: product code never imports it.
package testenv

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"
)

// RequireServersEnv names the variable that turns a missing server from a
// skip into a failure.
const RequireServersEnv = "BLUEGREEN_REQUIRE_SERVERS"

// NeedBinary returns path when it is an executable file, and otherwise skips
// the test (or fails it when RequireServersEnv is "1").
func NeedBinary(t testing.TB, path, what string) string {
	t.Helper()
	if st, err := os.Stat(path); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
		return path
	}
	if p, err := exec.LookPath(path); err == nil {
		return p
	}
	msg := fmt.Sprintf("%s not found at %s (install it with scripts/servers.sh)", what, path)
	if os.Getenv(RequireServersEnv) == "1" {
		t.Fatalf("%s; %s=1 requires it", msg, RequireServersEnv)
	}
	t.Skip(msg)
	return ""
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitFor polls cond every 20 ms until it returns nil or within elapses, and
// returns cond's last error.
func waitFor(within time.Duration, cond func() error) error {
	deadline := time.Now().Add(within)
	for {
		err := cond()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}
