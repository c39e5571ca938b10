package haproxy

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/remote"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/testenv"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

func ctxT(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

func mustRead(t *testing.T, r *Router, want traffic.Weights) {
	t.Helper()
	got, err := r.Read(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("Read = %s, want %s", got, want)
	}
}

// With the state file, the weights of the last shift survive a reload, the
// classic one (-sf) and the master-worker one alike.
func TestRouter_stateFileSurvivesReload(t *testing.T) {
	for _, mw := range []bool{false, true} {
		name := "haproxy -sf"
		if mw {
			name = "master-worker SIGUSR2"
		}
		t.Run(name, func(t *testing.T) {
			h := testenv.StartHAProxy(t, testenv.HAProxyOptions{Blue: 2, Green: 3, StateFile: true, MasterWorker: mw})
			r, err := New(Config{Address: h.AdminTCP, Backend: h.Backend, StateFile: h.StateFile})
			if err != nil {
				t.Fatal(err)
			}
			w := traffic.Split(traffic.Green, 70)
			if err := r.Set(ctxT(t), w); err != nil {
				t.Fatal(err)
			}
			if p, err := r.Persisted(ctxT(t)); err != nil || p != w {
				t.Fatalf("Persisted = %s, %v; want %s", p, err, w)
			}
			h.Reload(t)
			mustRead(t, r, w)
		})
	}
}

// Without a saved state, a reload brings back the configuration's weights,
// and Read says so: the drift is visible to whoever compares.
func TestRouter_readShowsWhatAReloadBroughtBack(t *testing.T) {
	h := testenv.StartHAProxy(t, testenv.HAProxyOptions{Blue: 2, Green: 2})
	r, err := New(Config{Address: h.AdminTCP, Backend: h.Backend})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Set(ctxT(t), traffic.Split(traffic.Green, 100)); err != nil {
		t.Fatal(err)
	}
	h.Reload(t)
	mustRead(t, r, traffic.Split(traffic.Green, 0))
	if _, err := r.Persisted(ctxT(t)); err == nil {
		t.Fatal("Persisted without a state file succeeded")
	}
}

// A state file that cannot be written fails the Set, and the runtime
// weights go back to what they were: Set is all or nothing.
func TestRouter_failedStateFileWriteUndoesTheShift(t *testing.T) {
	h := testenv.StartHAProxy(t, testenv.HAProxyOptions{Blue: 2, Green: 2, StateFile: true})
	r, err := New(Config{Address: h.AdminTCP, Backend: h.Backend, StateFile: filepath.Join(h.Dir, "no-such-dir", "state")})
	if err != nil {
		t.Fatal(err)
	}
	err = r.Set(ctxT(t), traffic.Split(traffic.Green, 50))
	if err == nil || !strings.Contains(err.Error(), "saving the server state") || !strings.Contains(err.Error(), "restored") {
		t.Fatalf("Set = %v", err)
	}
	mustRead(t, r, traffic.Split(traffic.Green, 0))
}

// HAProxy's own refusal (a static algorithm takes only 0 and the initial
// weight) is reported with its words, and nothing is left half-written.
func TestRouter_refusalByHAProxyIsReportedAndUndone(t *testing.T) {
	h := testenv.StartHAProxy(t, testenv.HAProxyOptions{Blue: 2, Green: 2})
	r, err := New(Config{Address: h.AdminTCP, Backend: h.Backend})
	if err != nil {
		t.Fatal(err)
	}
	// The last command of the shift asks for a weight HAProxy refuses.
	r.hookCommands = func(cmds []string) []string {
		r.hookCommands = nil // the undo goes through untouched
		last := cmds[len(cmds)-1]
		cmds[len(cmds)-1] = last[:strings.LastIndex(last, " ")] + " 300"
		return cmds
	}
	err = r.Set(ctxT(t), traffic.Split(traffic.Green, 40))
	if err == nil || !strings.Contains(err.Error(), "HAProxy answered") || !strings.Contains(err.Error(), "restored") {
		t.Fatalf("Set = %v", err)
	}
	mustRead(t, r, traffic.Split(traffic.Green, 0))
	d, err := r.Describe(ctxT(t))
	if err != nil || !strings.Contains(d, "blue1 UP weight 100") || !strings.Contains(d, "green2 UP weight 0") {
		t.Fatalf("Describe = %q, %v", d, err)
	}
}

func TestRouter_layoutErrors(t *testing.T) {
	h := testenv.StartHAProxy(t, testenv.HAProxyOptions{Blue: 1, Green: 1})
	for _, tt := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"unknown backend", Config{Backend: "nope"}, "no backend"},
		{"listed server missing", Config{Backend: "app", BlueServers: []string{"blue1"}, GreenServers: []string{"green9"}}, `no server "green9"`},
		{"a color without servers", Config{Backend: "app", BluePrefix: "b", GreenPrefix: "x"}, "at least one blue and one green"},
		{"stray server with weight", Config{Backend: "app", BlueServers: []string{"green1"}, GreenServers: []string{"nothing"}}, `no server "nothing"`},
		{"server of neither color", Config{Backend: "app", BluePrefix: "green", GreenPrefix: "blue1x"}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Address = h.AdminTCP
			r, err := New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, err = r.Read(ctxT(t))
			if tt.want == "" {
				if err == nil {
					t.Fatal("Read succeeded")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Read = %v, want %q", err, tt.want)
			}
		})
	}
	// Explicit lists work with any names.
	r, err := New(Config{Address: h.AdminTCP, Backend: "app", BlueServers: []string{"green1"}, GreenServers: []string{"blue1"}})
	if err != nil {
		t.Fatal(err)
	}
	mustRead(t, r, traffic.Weights{Blue: 0, Green: 100})
}

// Over SSH: the Runtime API on the unix socket, the state file written on
// the host with cat and mv, and the weights surviving a reload.
func TestRouter_overSSHKeepsTheStateFile(t *testing.T) {
	sshd := testenv.StartSSHD(t)
	host, err := remote.NewSSH(remote.SSHConfig{Address: sshd.Addr, User: sshd.User, PrivateKeyPEM: sshd.ClientKeyPEM, KnownHosts: sshd.KnownHosts})
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	h := testenv.StartHAProxy(t, testenv.HAProxyOptions{Blue: 3, Green: 2, StateFile: true})
	r, err := New(Config{Host: host, Address: "unix@" + h.AdminUnix, Backend: h.Backend, StateFile: h.StateFile})
	if err != nil {
		t.Fatal(err)
	}
	w := traffic.Split(traffic.Green, 25)
	if err := r.Set(ctxT(t), w); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(h.StateFile)
	if err != nil || !strings.Contains(string(b), "green1") {
		t.Fatalf("state file: %q, %v", b, err)
	}
	if _, err := os.Stat(h.StateFile + ".bluegreen.tmp"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("temporary file left behind: %v", err)
	}
	h.Reload(t)
	mustRead(t, r, w)
	d, err := r.Describe(ctxT(t))
	if err != nil || !strings.Contains(d, "green1 UP weight 25") {
		t.Fatalf("Describe = %q, %v", d, err)
	}
}

// A socket without `level admin` (a common hand-off mistake): Set fails
// with HAProxy's words and changes nothing; Read still works.
func TestRouter_socketWithoutAdminLevel(t *testing.T) {
	h := testenv.StartHAProxy(t, testenv.HAProxyOptions{Blue: 2, Green: 2})
	r, err := New(Config{Address: h.UserTCP, Backend: h.Backend})
	if err != nil {
		t.Fatal(err)
	}
	err = r.Set(ctxT(t), traffic.Split(traffic.Green, 50))
	if err == nil || !strings.Contains(err.Error(), "Permission denied") || !strings.Contains(err.Error(), "nothing changed") {
		t.Fatalf("Set = %v", err)
	}
	mustRead(t, r, traffic.Split(traffic.Green, 0))
}
