package nginx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/remote"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// MaxWeight is the largest weight Set accepts per color. Nginx itself has no
// upper bound on weight=; this one keeps the rendered per-server weights
// (weight × the other color's server count) and the round-robin cycle short.
const MaxWeight = 1000

// Defaults.
const (
	DefaultNginx          = "nginx"
	DefaultConfirmTimeout = 15 * time.Second
	DefaultFileMode       = fs.FileMode(0o644)
	DefaultPIDFile        = "/run/nginx.pid"
	// DefaultGenerationSettle: see Config.GenerationSettle.
	DefaultGenerationSettle = 500 * time.Millisecond
)

// Config says which file the router owns, what goes in it and how to apply it.
type Config struct {
	// Host is the machine Nginx runs on (remote.Local{} or an SSH host).
	// Every file access and command goes through it (sudo included).
	Host remote.Host
	// File is the absolute path of the owned file, e.g.
	// /etc/nginx/bluegreen/app.conf. The user's http block includes it.
	File string
	// FileMode is the mode of the written file (default 0644: the Nginx
	// master reads it as root, `nginx -t` run by another user needs to read it).
	FileMode fs.FileMode
	// Upstream is the upstream name (letters, digits, underscore); the user
	// proxies to it: proxy_pass http://<Upstream>;
	Upstream string
	// Blue and Green are the server addresses of each color as Nginx's
	// `server` directive takes them (host:port, unix:/path). At least one each.
	Blue, Green []string
	// ServerParams are appended to every server line (max_fails=3
	// fail_timeout=10s …). weight=, down and backup are the router's.
	ServerParams []string
	// Directives are written inside the upstream block before the servers,
	// without the trailing ';' (keepalive 16, zone app 64k …).
	Directives []string

	// Nginx is the binary (default "nginx" on the host's PATH) and NginxArgs
	// the arguments every command needs, e.g. ["-p", "/srv/nginx/", "-c",
	// "/srv/nginx/nginx.conf"] (default none).
	Nginx     string
	NginxArgs []string
	// TestCommand validates the whole configuration (default: Nginx
	// NginxArgs -t -q). ReloadCommand applies it (default: Nginx NginxArgs
	// -s reload; e.g. ["systemctl", "reload", "nginx"] or ["docker", "exec",
	// "web", "nginx", "-s", "reload"]).
	TestCommand   []string
	ReloadCommand []string

	// How Set confirms the new configuration is live (see the package doc).
	// PIDFile is the master's pid file for the process confirmation (default
	// /run/nginx.pid). GenerationURL, when set, is used instead: an http URL
	// (as seen from Host) of a location that answers the generation variable.
	PIDFile       string
	GenerationURL string
	// GenerationSettle is how long every answer of GenerationURL must carry
	// the new generation before Set returns (default 500ms): the master lets
	// the old workers accept for ~100 ms after starting the new ones.
	GenerationSettle time.Duration
	// ConfirmTimeout bounds the wait for the reload to take effect
	// (default 15s); past it Set restores the previous file and fails.
	ConfirmTimeout time.Duration
	// PollInterval is the confirmation poll period (default 10ms).
	PollInterval time.Duration
}

// GenerationVariable is the Nginx variable the owned file defines with the
// generation token: bluegreen_generation_<upstream>.
func (c *Config) GenerationVariable() string { return "bluegreen_generation_" + c.Upstream }

var (
	upstreamName = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	// plainWord is a word Nginx reads as one token without quoting.
	plainWord = regexp.MustCompile(`^[^\s;{}#"'\\$]+$`)
	// directiveWord may also name a variable (hash $request_uri consistent).
	directiveWord = regexp.MustCompile(`^[^\s;{}#"'\\]+$`)
)

// Router reads and writes the weights of one Nginx upstream through a file
// it owns.
type Router struct {
	cfg Config
	// mu serialises this router's writes (one writer per file; another
	// process writing the same file is not coordinated).
	mu sync.Mutex
}

// New validates cfg and returns a router. It touches nothing.
func New(cfg Config) (*Router, error) {
	if cfg.Host == nil {
		return nil, errors.New("nginx router: Host is required")
	}
	if cfg.File == "" || !filepath.IsAbs(cfg.File) {
		return nil, fmt.Errorf("nginx router: file %q must be an absolute path", cfg.File)
	}
	if cfg.FileMode == 0 {
		cfg.FileMode = DefaultFileMode
	}
	if !upstreamName.MatchString(cfg.Upstream) {
		return nil, fmt.Errorf("nginx router: upstream name %q: use letters, digits and underscores only", cfg.Upstream)
	}
	if len(cfg.Blue) == 0 || len(cfg.Green) == 0 {
		return nil, errors.New("nginx router: each color needs at least one server")
	}
	seen := map[string]string{}
	for _, l := range []struct {
		color string
		addrs []string
	}{{"blue", cfg.Blue}, {"green", cfg.Green}} {
		for _, a := range l.addrs {
			if !plainWord.MatchString(a) {
				return nil, fmt.Errorf("nginx router: %s server %q is not a plain Nginx server address (no spaces, quotes, ;, {, }, #, $)", l.color, a)
			}
			if prev, ok := seen[a]; ok {
				return nil, fmt.Errorf("nginx router: server %q is listed twice (%s and %s): each address must belong to one color once", a, prev, l.color)
			}
			seen[a] = l.color
		}
	}
	for _, p := range cfg.ServerParams {
		if !plainWord.MatchString(p) {
			return nil, fmt.Errorf("nginx router: server parameter %q is not a single plain word", p)
		}
		if p == "down" || p == "backup" || strings.HasPrefix(p, "weight=") {
			return nil, fmt.Errorf("nginx router: server parameter %q is set by the router", p)
		}
	}
	for _, d := range cfg.Directives {
		for _, w := range strings.Fields(d) {
			if !directiveWord.MatchString(w) {
				return nil, fmt.Errorf("nginx router: upstream directive %q: %q is not a plain word", d, w)
			}
		}
		if f := strings.Fields(d); len(f) == 0 || f[0] == "server" {
			return nil, fmt.Errorf("nginx router: upstream directive %q: servers come from Blue and Green", d)
		}
	}
	if cfg.Nginx == "" {
		cfg.Nginx = DefaultNginx
	}
	if len(cfg.TestCommand) == 0 {
		cfg.TestCommand = append(append([]string{cfg.Nginx}, cfg.NginxArgs...), "-t", "-q")
	}
	if len(cfg.ReloadCommand) == 0 {
		cfg.ReloadCommand = append(append([]string{cfg.Nginx}, cfg.NginxArgs...), "-s", "reload")
	}
	if cfg.PIDFile == "" {
		cfg.PIDFile = DefaultPIDFile
	}
	if cfg.GenerationURL != "" && !strings.HasPrefix(cfg.GenerationURL, "http://") {
		return nil, fmt.Errorf("nginx router: generation URL %q must be an http:// URL", cfg.GenerationURL)
	}
	if cfg.ConfirmTimeout <= 0 {
		cfg.ConfirmTimeout = DefaultConfirmTimeout
	}
	if cfg.GenerationSettle <= 0 {
		cfg.GenerationSettle = DefaultGenerationSettle
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 10 * time.Millisecond
	}
	cfg.Blue = append([]string(nil), cfg.Blue...)
	cfg.Green = append([]string(nil), cfg.Green...)
	return &Router{cfg: cfg}, nil
}

// Config returns the effective configuration (defaults filled in).
func (r *Router) Config() Config { return r.cfg }

// Noun names what the router switches, for diagnostics.
func (r *Router) Noun() string { return "upstream" }

// String names the switch point: "nginx upstream app in /etc/nginx/… on local".
func (r *Router) String() string {
	return fmt.Sprintf("nginx upstream %s in %s on %s", r.cfg.Upstream, r.cfg.File, r.cfg.Host)
}

// Validate checks w against this router's range: each color 0–MaxWeight,
// not both 0 (an upstream with every server down answers 502).
func Validate(w traffic.Weights) error {
	if w.Blue < 0 || w.Green < 0 || w.Blue > MaxWeight || w.Green > MaxWeight {
		return fmt.Errorf("nginx weights %s out of range: each must be 0–%d", w, MaxWeight)
	}
	if w.Blue == 0 && w.Green == 0 {
		return fmt.Errorf("nginx weights %s: at least one color needs a weight above 0 (with every server down Nginx answers 502)", w)
	}
	return nil
}

// State is what Describe found.
type State struct {
	File
	// Weights are what Read returns.
	Weights traffic.Weights
	// Path is the owned file.
	Path string
	// LiveGeneration is the generation GenerationURL answered (only when
	// one is configured; LiveError says why it could not be asked). When it
	// differs from Generation, the file is not what Nginx serves: a write was
	// interrupted between rename and reload, or someone edited the file
	// without reloading.
	LiveGeneration string
	LiveError      string
}

// Describe reads and parses the owned file.
func (r *Router) Describe(ctx context.Context) (*State, error) {
	data, err := r.cfg.Host.ReadFile(ctx, r.cfg.File)
	if err != nil {
		return nil, fmt.Errorf("reading nginx upstream file %s on %s: %w", r.cfg.File, r.cfg.Host, err)
	}
	f, err := ParseFile(r.cfg.File, data, r.cfg.Upstream, r.cfg.Blue, r.cfg.Green)
	if err != nil {
		return nil, err
	}
	w, err := f.Weights(r.cfg.File)
	if err != nil {
		return nil, err
	}
	st := &State{File: *f, Weights: w, Path: r.cfg.File}
	if r.cfg.GenerationURL != "" {
		if g, err := r.servedGeneration(ctx); err != nil {
			st.LiveError = err.Error()
		} else {
			st.LiveGeneration = g
		}
	}
	return st, nil
}

// Read returns the weights the owned file gives each color (see
// File.Weights); it does not ask Nginx (Describe does, when a generation URL
// is configured). A file that does not parse is an error naming the file and
// line; a missing file is an error for which errors.Is(err, fs.ErrNotExist).
func (r *Router) Read(ctx context.Context) (traffic.Weights, error) {
	st, err := r.Describe(ctx)
	if err != nil {
		return traffic.Weights{}, err
	}
	return st.Weights, nil
}

// Set writes weights w and returns once Nginx serves them: render, rename
// into place, test, reload, confirm. On any failure the previous file is
// back byte for byte and, if Nginx had been reloaded, reloaded again; the
// error says what failed and, when the restore itself failed, that too.
func (r *Router) Set(ctx context.Context, w traffic.Weights) error {
	if err := Validate(w); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	prev, existed, err := r.readPrevious(ctx)
	if err != nil {
		return err
	}
	gen := nextGeneration(prev)
	return r.write(ctx, render(&r.cfg, w, gen), gen, "weights "+w.String(), prev, existed)
}

// readPrevious reads the owned file as it is now: its bytes are the undo.
func (r *Router) readPrevious(ctx context.Context) (prev []byte, existed bool, err error) {
	prev, err = r.cfg.Host.ReadFile(ctx, r.cfg.File)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, false, fmt.Errorf("reading nginx upstream file %s on %s: %w", r.cfg.File, r.cfg.Host, err)
	}
	return prev, err == nil, nil
}

// write puts data (whose generation token is gen, "" for none) in place:
// rename, test, reload, confirm; on failure prev (or no file) is put back.
// what names the content in errors ("weights blue=90 green=10").
func (r *Router) write(ctx context.Context, data []byte, gen, what string, prev []byte, existed bool) error {
	h := r.cfg.Host
	var err error
	tmp := r.tempPath()
	// A temporary file left by a crash would keep its old mode.
	if err := h.Remove(ctx, tmp); err != nil {
		return fmt.Errorf("removing a stale %s on %s: %w", tmp, h, err)
	}
	if err := h.WriteFile(ctx, tmp, data, r.cfg.FileMode); err != nil {
		_ = h.Remove(context.WithoutCancel(ctx), tmp)
		return fmt.Errorf("writing %s on %s: %w", tmp, h, err)
	}
	// Past this point the real file changes: the undo must run even when
	// ctx is cancelled.
	undoCtx := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.WithoutCancel(ctx), r.cfg.ConfirmTimeout+30*time.Second)
	}
	if err := ctx.Err(); err != nil {
		_ = h.Remove(context.WithoutCancel(ctx), tmp)
		return err
	}
	if err := h.Rename(ctx, tmp, r.cfg.File); err != nil {
		_ = h.Remove(context.WithoutCancel(ctx), tmp)
		return fmt.Errorf("renaming %s to %s on %s: %w", tmp, r.cfg.File, h, err)
	}
	// `nginx -t` reads the configuration where it lives, so the new file is
	// tested in place; Nginx itself keeps serving the old configuration
	// until the reload.
	if _, err := h.Run(ctx, r.cfg.TestCommand, nil); err != nil {
		uctx, cancel := undoCtx()
		defer cancel()
		rerr := r.restore(uctx, prev, existed)
		return joinRestore(fmt.Errorf("nginx refused %s (nothing reloaded): %w", what, err), rerr, false)
	}
	var snap *procSnapshot
	if r.cfg.GenerationURL == "" {
		if snap, err = r.snapshot(ctx); err != nil {
			uctx, cancel := undoCtx()
			defer cancel()
			rerr := r.restore(uctx, prev, existed)
			return joinRestore(fmt.Errorf("before reloading nginx: %w", err), rerr, false)
		}
	}
	if _, err := h.Run(ctx, r.cfg.ReloadCommand, nil); err != nil {
		uctx, cancel := undoCtx()
		defer cancel()
		return joinRestore(fmt.Errorf("reloading nginx for %s: %w", what, err), r.restoreAndReload(uctx, prev, existed), true)
	}
	cctx, cancel := context.WithTimeout(ctx, r.cfg.ConfirmTimeout)
	err = r.confirm(cctx, snap, gen)
	cancel()
	if err != nil {
		uctx, cancel := undoCtx()
		defer cancel()
		if ctx.Err() != nil {
			// Cancelled while the reload was in flight: let it land first
			// (bounded), so that the undo's own reload is not confirmed by
			// the workers of this one, which nginx starts asynchronously.
			wctx, wcancel := context.WithTimeout(uctx, r.cfg.ConfirmTimeout)
			_ = r.confirm(wctx, snap, gen)
			wcancel()
		}
		return joinRestore(fmt.Errorf("confirming nginx serves %s: %w", what, err), r.restoreAndReload(uctx, prev, existed), true)
	}
	return nil
}

func (r *Router) tempPath() string {
	dir, base := filepath.Split(r.cfg.File)
	// Hidden and without the .conf suffix, so an `include conf.d/*.conf`
	// glob never picks it up.
	return filepath.Join(dir, "."+base+".bluegreen-tmp")
}

// restore puts the previous bytes back (atomically, through the temp file),
// or removes the file if there was none.
func (r *Router) restore(ctx context.Context, prev []byte, existed bool) error {
	h := r.cfg.Host
	if !existed {
		return h.Remove(ctx, r.cfg.File)
	}
	tmp := r.tempPath()
	if err := h.WriteFile(ctx, tmp, prev, r.cfg.FileMode); err != nil {
		return fmt.Errorf("writing %s: %w", tmp, err)
	}
	if err := h.Rename(ctx, tmp, r.cfg.File); err != nil {
		return fmt.Errorf("renaming %s to %s: %w", tmp, r.cfg.File, err)
	}
	return nil
}

// restoreAndReload restores the previous file and reloads Nginx so that it
// serves the previous configuration again, and confirms that it does.
func (r *Router) restoreAndReload(ctx context.Context, prev []byte, existed bool) error {
	if err := r.restore(ctx, prev, existed); err != nil {
		return &restoreError{err: err}
	}
	var snap *procSnapshot
	if r.cfg.GenerationURL == "" {
		var err error
		if snap, err = r.snapshot(ctx); err != nil {
			return &restoreError{fileRestored: true, err: err}
		}
	}
	if _, err := r.cfg.Host.Run(ctx, r.cfg.ReloadCommand, nil); err != nil {
		return &restoreError{fileRestored: true, err: fmt.Errorf("reloading nginx with it: %w", err)}
	}
	prevGen := ""
	if _, g, err := lex(r.cfg.File, prev); err == nil {
		prevGen = g
	}
	cctx, cancel := context.WithTimeout(ctx, r.cfg.ConfirmTimeout)
	defer cancel()
	if err := r.confirm(cctx, snap, prevGen); err != nil {
		return &restoreError{fileRestored: true, err: fmt.Errorf("confirming nginx serves it again: %w", err)}
	}
	return nil
}

// restoreError is a failure of the undo itself.
type restoreError struct {
	fileRestored bool
	err          error
}

func (e *restoreError) Error() string { return e.err.Error() }

func joinRestore(err, restoreErr error, reloaded bool) error {
	if restoreErr == nil {
		if reloaded {
			return fmt.Errorf("%w; the previous file was restored and nginx reloaded with it", err)
		}
		return fmt.Errorf("%w; the previous file was restored", err)
	}
	var re *restoreError
	if errors.As(restoreErr, &re) && re.fileRestored {
		return fmt.Errorf("%w; the previous file was restored byte for byte, but nginx may still serve the new one: %v", err, re.err)
	}
	return fmt.Errorf("%w; RESTORING THE PREVIOUS FILE FAILED, the new file is in place: %v", err, restoreErr)
}

// nextGeneration is the previous file's counter + 1 and a random suffix,
// e.g. "18-5f2c0a9e", so a token never repeats even after hand edits.
func nextGeneration(prev []byte) string {
	n := 0
	if _, g, err := lex("", prev); err == nil && g != "" {
		head, _, _ := strings.Cut(g, "-")
		n, _ = strconv.Atoi(head)
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%d-%s", n+1, hex.EncodeToString(b[:]))
}
