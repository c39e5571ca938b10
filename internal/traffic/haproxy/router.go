package haproxy

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/remote"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// MaxWeight is the largest server weight HAProxy accepts ("set server …
// weight" takes 0–256), and so the largest color weight this router takes.
const MaxWeight = 256

// Config says where the Runtime API is and which servers are which color.
type Config struct {
	// Host reaches the Runtime API socket (nil: remote.Local{}).
	Host remote.Host
	// Address of the admin stats socket as seen from Host:
	// "ipv4@127.0.0.1:9999", "127.0.0.1:9999", "unix@/run/haproxy/admin.sock"
	// or "/run/haproxy/admin.sock". It must be at `level admin`.
	Address string
	// Backend holds the servers of both colors.
	Backend string
	// BlueServers and GreenServers list the servers of each color by name.
	// When a list is empty, the color's servers are those whose name starts
	// with BluePrefix / GreenPrefix.
	BlueServers, GreenServers []string
	// BluePrefix and GreenPrefix default to "blue" and "green".
	BluePrefix, GreenPrefix string
	// StateFile, when set, is the path (on Host) of the file HAProxy's
	// `server-state-file` points at: after every successful Set the router
	// writes `show servers state` there (to a temporary file, then renamed),
	// so that a reload or restart with `load-server-state-from-file global`
	// comes back with the weights of the last shift.
	StateFile string
	// Timeout bounds one Runtime API command line (default 10s).
	Timeout time.Duration
}

// Router drives the share between the colors of one backend through server
// weights, over the Runtime API. See the package documentation for the
// weight scheme, the write order and persistence.
type Router struct {
	cfg Config
	api *RuntimeAPI
	mu  sync.Mutex
	// hookCommands, when set (tests), rewrites the command list of a write.
	hookCommands func([]string) []string
}

// New validates cfg. It does not connect.
func New(cfg Config) (*Router, error) {
	if cfg.Host == nil {
		cfg.Host = remote.Local{}
	}
	network, addr, err := ParseAddress(cfg.Address)
	if err != nil {
		return nil, err
	}
	if err := checkName("backend", cfg.Backend); err != nil {
		return nil, err
	}
	if cfg.BluePrefix == "" {
		cfg.BluePrefix = string(traffic.Blue)
	}
	if cfg.GreenPrefix == "" {
		cfg.GreenPrefix = string(traffic.Green)
	}
	if len(cfg.BlueServers) == 0 && len(cfg.GreenServers) == 0 &&
		(strings.HasPrefix(cfg.BluePrefix, cfg.GreenPrefix) || strings.HasPrefix(cfg.GreenPrefix, cfg.BluePrefix)) {
		return nil, fmt.Errorf("blue prefix %q and green prefix %q overlap: one is a prefix of the other", cfg.BluePrefix, cfg.GreenPrefix)
	}
	seen := map[string]traffic.Color{}
	for _, l := range []struct {
		c     traffic.Color
		names []string
	}{{traffic.Blue, cfg.BlueServers}, {traffic.Green, cfg.GreenServers}} {
		for _, n := range l.names {
			if err := checkName("server", n); err != nil {
				return nil, err
			}
			if c, dup := seen[n]; dup {
				return nil, fmt.Errorf("server %q is listed twice (%s and %s)", n, c, l.c)
			}
			seen[n] = l.c
		}
	}
	if cfg.StateFile != "" && !path.IsAbs(cfg.StateFile) {
		return nil, fmt.Errorf("state file %q must be an absolute path", cfg.StateFile)
	}
	return &Router{cfg: cfg, api: &RuntimeAPI{Host: cfg.Host, Network: network, Addr: addr, Timeout: cfg.Timeout}}, nil
}

// API is the Runtime API client the router uses (shared with checks).
func (r *Router) API() *RuntimeAPI { return r.api }

// Backend is the backend the router drives.
func (r *Router) Backend() string { return r.cfg.Backend }

// Server is one server of the backend and its color.
type Server struct {
	ServerState
	Color traffic.Color
}

// Layout is the backend as the router sees it: its servers by color, in
// HAProxy's server order.
type Layout struct {
	Blue, Green []Server
}

// Sums are the color weight sums.
func (l Layout) Sums() (blue, green int) {
	for _, s := range l.Blue {
		blue += s.Weight
	}
	for _, s := range l.Green {
		green += s.Weight
	}
	return blue, green
}

// Of returns the servers of color c.
func (l Layout) Of(c traffic.Color) []Server {
	if c == traffic.Blue {
		return l.Blue
	}
	if c == traffic.Green {
		return l.Green
	}
	return nil
}

// Layout reads `show servers state` for the backend and sorts its servers
// into colors. Every listed server must exist; each color needs at least
// one server; a server of neither color with a weight above zero is an
// error (it would take a share the switch does not control).
func (r *Router) Layout(ctx context.Context) (Layout, error) {
	states, err := r.api.ShowServersState(ctx, r.cfg.Backend)
	if err != nil {
		return Layout{}, err
	}
	return r.classify(states)
}

func (r *Router) classify(states []ServerState) (Layout, error) {
	var l Layout
	byName := map[string]bool{}
	var stray []string
	for _, s := range states {
		byName[s.Name] = true
		c := r.colorOf(s.Name)
		switch c {
		case traffic.Blue:
			l.Blue = append(l.Blue, Server{s, c})
		case traffic.Green:
			l.Green = append(l.Green, Server{s, c})
		default:
			if s.Weight > 0 {
				stray = append(stray, fmt.Sprintf("%s (weight %d)", s.Name, s.Weight))
			}
		}
	}
	for _, n := range append(append([]string(nil), r.cfg.BlueServers...), r.cfg.GreenServers...) {
		if !byName[n] {
			return Layout{}, fmt.Errorf("backend %s has no server %q", r.cfg.Backend, n)
		}
	}
	if len(l.Blue) == 0 || len(l.Green) == 0 {
		return Layout{}, fmt.Errorf("backend %s needs at least one blue and one green server (found %d blue, %d green; %s)",
			r.cfg.Backend, len(l.Blue), len(l.Green), r.selection())
	}
	if len(stray) > 0 {
		return Layout{}, fmt.Errorf("backend %s has servers of neither color with a weight above 0: %s; they would take traffic the switch does not control (list them, or give them weight 0)",
			r.cfg.Backend, strings.Join(stray, ", "))
	}
	return l, nil
}

func (r *Router) selection() string {
	if len(r.cfg.BlueServers)+len(r.cfg.GreenServers) > 0 {
		return fmt.Sprintf("blue servers %v, green servers %v", r.cfg.BlueServers, r.cfg.GreenServers)
	}
	return fmt.Sprintf("blue servers named %s*, green servers named %s*", r.cfg.BluePrefix, r.cfg.GreenPrefix)
}

func (r *Router) colorOf(name string) traffic.Color {
	if len(r.cfg.BlueServers)+len(r.cfg.GreenServers) > 0 {
		for _, n := range r.cfg.BlueServers {
			if n == name {
				return traffic.Blue
			}
		}
		for _, n := range r.cfg.GreenServers {
			if n == name {
				return traffic.Green
			}
		}
		return ""
	}
	switch {
	case strings.HasPrefix(name, r.cfg.BluePrefix):
		return traffic.Blue
	case strings.HasPrefix(name, r.cfg.GreenPrefix):
		return traffic.Green
	}
	return ""
}

// Scale is k = min(blue servers, green servers): a color weight W is spread
// over the color's servers so that they sum to k·W.
func Scale(nBlue, nGreen int) int { return min(nBlue, nGreen) }

// Spread returns the per-server weights of color weight w over n servers
// with scale k: they sum to k·w, differ by at most one, and the larger ones
// come first. Every server's weight is non-decreasing in w.
func Spread(w, n, k int) []int {
	out := make([]int, n)
	sum := k * w
	for i := range out {
		out[i] = sum / n
		if i < sum%n {
			out[i]++
		}
	}
	return out
}

// Decode turns color sums back into color weights: (blue/k, green/k) when
// both divide by k — always the case for what Set wrote — and the raw sums
// otherwise (another writer's weights; the share is right either way).
func Decode(sumBlue, sumGreen, k int) traffic.Weights {
	if k > 0 && sumBlue%k == 0 && sumGreen%k == 0 {
		return traffic.Weights{Blue: int32(sumBlue / k), Green: int32(sumGreen / k)}
	}
	return traffic.Weights{Blue: int32(sumBlue), Green: int32(sumGreen)}
}

// Read returns the color weights the running HAProxy has now.
func (r *Router) Read(ctx context.Context) (traffic.Weights, error) {
	l, err := r.Layout(ctx)
	if err != nil {
		return traffic.Weights{}, r.errf("reading", err)
	}
	b, g := l.Sums()
	return Decode(b, g, Scale(len(l.Blue), len(l.Green))), nil
}

// Validate refuses weights outside 0–MaxWeight and both zero.
func Validate(w traffic.Weights) error {
	if w.Blue < 0 || w.Green < 0 || w.Blue > MaxWeight || w.Green > MaxWeight {
		return fmt.Errorf("weights %s out of range: each color's weight must be 0–%d (HAProxy's server weight range)", w, MaxWeight)
	}
	if w.Blue == 0 && w.Green == 0 {
		return fmt.Errorf("weights %s: at least one color needs a weight above 0, or HAProxy answers 503 to every request", w)
	}
	return nil
}

// Set writes w: it reads the backend, computes every server's new weight,
// sends all changes in one command line in an order that keeps every
// intermediate share between the old and the new one, reads back, and —
// when HAProxy did not take all of them — writes the old weights back
// before returning the error. With StateFile set it then saves the state
// (a failure there also restores the old weights). A cancelled ctx stops Set
// before the write; once sent, the write is verified to the end.
func (r *Router) Set(ctx context.Context, w traffic.Weights) error {
	if err := Validate(w); err != nil {
		return r.errf("shifting", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return r.errf("shifting", err)
	}
	l, err := r.Layout(ctx)
	if err != nil {
		return r.errf("shifting", err)
	}
	before := weightsOf(l)
	target := targetOf(l, w)
	if err := ctx.Err(); err != nil {
		return r.errf("shifting", err)
	}
	// From here on the write is sent and must be seen through: a request
	// cancelled half-way would leave a state nobody planned.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.timeout())
	defer cancel()
	answer, werr := r.write(wctx, l, before, target)
	after, rerr := r.Layout(wctx)
	if rerr == nil && sameWeights(weightsOf(after), target) {
		if err := r.persist(wctx); err != nil {
			return r.undo(wctx, before, fmt.Errorf("saving the server state to %s: %w", r.cfg.StateFile, err))
		}
		return nil
	}
	cause := werr
	switch {
	case cause == nil && rerr != nil:
		cause = fmt.Errorf("reading back: %w", rerr)
	case cause == nil:
		cause = fmt.Errorf("HAProxy did not take every weight (read back %s)", describeWeights(weightsOf(after)))
	}
	if a := strings.TrimSpace(answer); a != "" {
		cause = fmt.Errorf("%w; HAProxy answered %q", cause, a)
	}
	return r.undo(wctx, before, cause)
}

func (r *Router) timeout() time.Duration {
	if r.cfg.Timeout > 0 {
		return 3 * r.cfg.Timeout
	}
	return 30 * time.Second
}

// undo writes before back, reads back and returns cause, saying whether the
// old weights are in place again.
func (r *Router) undo(ctx context.Context, before map[string]int, cause error) error {
	l, err := r.Layout(ctx)
	if err == nil {
		if sameWeights(weightsOf(l), before) {
			return r.errf("shifting", fmt.Errorf("%w; nothing changed", cause))
		}
		_, _ = r.write(ctx, l, weightsOf(l), before)
		if l2, err2 := r.Layout(ctx); err2 == nil && sameWeights(weightsOf(l2), before) {
			return r.errf("shifting", fmt.Errorf("%w; the previous weights were restored", cause))
		} else if err2 != nil {
			err = err2
		} else {
			err = fmt.Errorf("read back %s", describeWeights(weightsOf(l2)))
		}
	}
	return r.errf("shifting", fmt.Errorf("%w; restoring the previous weights (%s) FAILED: %v — check the backend by hand", cause, describeWeights(before), err))
}

// write sends the changes from current to target in one command line and
// returns HAProxy's answer (empty when every command succeeded).
func (r *Router) write(ctx context.Context, l Layout, current, target map[string]int) (string, error) {
	cmds := Plan(l, current, target, r.cfg.Backend)
	if r.hookCommands != nil {
		cmds = r.hookCommands(cmds)
	}
	var answers strings.Builder
	for _, line := range commandLines(cmds, maxLine) {
		out, err := r.api.Do(ctx, line)
		answers.WriteString(out)
		if err != nil {
			return answers.String(), err
		}
	}
	if strings.TrimSpace(answers.String()) != "" {
		return answers.String(), errors.New("HAProxy refused part of the write")
	}
	return answers.String(), nil
}

// maxLine keeps a command line well inside HAProxy's default 16 kB buffer.
const maxLine = 8000

// commandLines joins cmds with ";" into as few lines as fit in max bytes
// each (one line for any backend of fewer than about 200 servers), keeping
// their order.
func commandLines(cmds []string, max int) []string {
	var lines []string
	var cur strings.Builder
	for _, c := range cmds {
		if cur.Len() > 0 && cur.Len()+1+len(c) > max {
			lines = append(lines, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteByte(';')
		}
		cur.WriteString(c)
	}
	if cur.Len() > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

// persist saves `show servers state` (every backend: the file is global) to
// StateFile, through a temporary file renamed over it.
func (r *Router) persist(ctx context.Context) error {
	if r.cfg.StateFile == "" {
		return nil
	}
	out, err := r.api.Do(ctx, "show servers state")
	if err != nil {
		return err
	}
	if _, err := ParseServersState(out, ""); err != nil {
		return err
	}
	tmp := r.cfg.StateFile + ".bluegreen.tmp"
	if err := r.cfg.Host.WriteFile(ctx, tmp, []byte(out), 0o644); err != nil {
		return err
	}
	if err := r.cfg.Host.Rename(ctx, tmp, r.cfg.StateFile); err != nil {
		_ = r.cfg.Host.Remove(ctx, tmp)
		return err
	}
	return nil
}

// Persisted reads the state file and returns the color weights a reload
// would bring back (an error when StateFile is not set or the file lacks
// the backend's servers).
func (r *Router) Persisted(ctx context.Context) (traffic.Weights, error) {
	if r.cfg.StateFile == "" {
		return traffic.Weights{}, errors.New("no state file configured")
	}
	b, err := r.cfg.Host.ReadFile(ctx, r.cfg.StateFile)
	if err != nil {
		return traffic.Weights{}, err
	}
	states, err := ParseServersState(string(b), r.cfg.Backend)
	if err != nil {
		return traffic.Weights{}, fmt.Errorf("state file %s: %w", r.cfg.StateFile, err)
	}
	l, err := r.classify(states)
	if err != nil {
		return traffic.Weights{}, fmt.Errorf("state file %s: %w", r.cfg.StateFile, err)
	}
	sb, sg := l.Sums()
	return Decode(sb, sg, Scale(len(l.Blue), len(l.Green))), nil
}

// Describe renders the backend's servers for diagnostics:
// "app: blue1 UP weight 45, blue2 UP weight 45, green1 DOWN weight 5, …".
func (r *Router) Describe(ctx context.Context) (string, error) {
	l, err := r.Layout(ctx)
	if err != nil {
		return "", r.errf("describing", err)
	}
	var parts []string
	for _, s := range append(append([]Server(nil), l.Blue...), l.Green...) {
		p := fmt.Sprintf("%s %s weight %d", s.Name, s.OpStateName(), s.Weight)
		if s.AdminState != 0 {
			p += fmt.Sprintf(" admin 0x%x", s.AdminState)
		}
		parts = append(parts, p)
	}
	return r.cfg.Backend + ": " + strings.Join(parts, ", "), nil
}

func (r *Router) errf(action string, err error) error {
	return fmt.Errorf("%s HAProxy backend %s (%s via %s): %w", action, r.cfg.Backend, r.cfg.Address, r.cfg.Host, err)
}

func weightsOf(l Layout) map[string]int {
	m := map[string]int{}
	for _, s := range append(append([]Server(nil), l.Blue...), l.Green...) {
		m[s.Name] = s.Weight
	}
	return m
}

func targetOf(l Layout, w traffic.Weights) map[string]int {
	k := Scale(len(l.Blue), len(l.Green))
	m := map[string]int{}
	for i, v := range Spread(int(w.Blue), len(l.Blue), k) {
		m[l.Blue[i].Name] = v
	}
	for i, v := range Spread(int(w.Green), len(l.Green), k) {
		m[l.Green[i].Name] = v
	}
	return m
}

func sameWeights(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

func describeWeights(m map[string]int) string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s=%d", n, m[n])
	}
	return strings.Join(parts, " ")
}

// Plan orders the `set server` commands that take the backend from current
// to target so that every intermediate state has a green share between the
// old and the new share, and never all weights zero: increases go first,
// and among the rest it picks, step by step, a change that keeps the share
// inside [old, new]. When the colors move in opposite directions (every
// write of the rollout engine: blue = 100 - green) such an order always
// exists. When both colors grow or both shrink it may not; Plan then takes
// the step closest to the interval.
func Plan(l Layout, current, target map[string]int, backend string) []string {
	type change struct {
		name     string
		green    bool
		from, to int
	}
	var pending []change
	var sb, sg int
	for _, s := range append(append([]Server(nil), l.Blue...), l.Green...) {
		cur := current[s.Name]
		if s.Color == traffic.Green {
			sg += cur
		} else {
			sb += cur
		}
		if t, ok := target[s.Name]; ok && t != cur {
			pending = append(pending, change{s.Name, s.Color == traffic.Green, cur, t})
		}
	}
	tb, tg := sb, sg
	for _, c := range pending {
		if c.green {
			tg += c.to - c.from
		} else {
			tb += c.to - c.from
		}
	}
	share := func(b, g int) float64 {
		if b+g == 0 {
			return math.NaN()
		}
		return float64(g) / float64(b+g)
	}
	p0, p1 := share(sb, sg), share(tb, tg)
	lo, hi := math.Min(p0, p1), math.Max(p0, p1)
	if math.IsNaN(p0) { // nothing served before: only the end state counts
		lo, hi = p1, p1
	}
	if math.IsNaN(p1) {
		lo, hi = p0, p0
	}
	var cmds []string
	for len(pending) > 0 {
		// Lowest (distance outside [lo, hi], decrease, position) wins:
		// inside the interval first, increases before decreases.
		best, bestDist, bestDec := -1, math.Inf(1), true
		for i, c := range pending {
			b, g := sb, sg
			if c.green {
				g += c.to - c.from
			} else {
				b += c.to - c.from
			}
			p := share(b, g)
			if math.IsNaN(p) {
				continue // all weights zero: never
			}
			d := math.Max(0, math.Max(lo-p, p-hi))
			if d < 1e-12 {
				d = 0
			}
			dec := c.to < c.from
			if d < bestDist || (d == bestDist && bestDec && !dec) {
				best, bestDist, bestDec = i, d, dec
			}
		}
		if best < 0 { // only a step to all-zero remains (not for a valid target)
			best = 0
		}
		c := pending[best]
		if c.green {
			sg += c.to - c.from
		} else {
			sb += c.to - c.from
		}
		cmds = append(cmds, fmt.Sprintf("set server %s/%s weight %d", backend, c.name, c.to))
		pending = append(pending[:best], pending[best+1:]...)
	}
	return cmds
}
