package nginx

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// procSnapshot is the master and its children before a reload.
type procSnapshot struct {
	master   int
	children []int
}

// readMaster reads the master's pid from the pid file.
func (r *Router) readMaster(ctx context.Context) (int, error) {
	b, err := r.cfg.Host.ReadFile(ctx, r.cfg.PIDFile)
	if err != nil {
		return 0, fmt.Errorf("reading the nginx pid file %s on %s (set the pid file, or a generation URL to confirm reloads): %w", r.cfg.PIDFile, r.cfg.Host, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("nginx pid file %s on %s holds %q, not a process id", r.cfg.PIDFile, r.cfg.Host, strings.TrimSpace(string(b)))
	}
	return pid, nil
}

// children lists the master's child processes (workers, cache manager) from
// /proc/<pid>/task/<pid>/children.
func (r *Router) children(ctx context.Context, master int) ([]int, error) {
	path := fmt.Sprintf("/proc/%d/task/%d/children", master, master)
	b, err := r.cfg.Host.ReadFile(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("listing nginx master %d's workers (%s on %s): %w", master, path, r.cfg.Host, err)
	}
	var out []int
	for _, f := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil {
			out = append(out, pid)
		}
	}
	return out, nil
}

func (r *Router) snapshot(ctx context.Context) (*procSnapshot, error) {
	m, err := r.readMaster(ctx)
	if err != nil {
		return nil, err
	}
	c, err := r.children(ctx, m)
	if err != nil {
		return nil, err
	}
	if len(c) == 0 {
		return nil, fmt.Errorf("nginx master %d on %s has no worker processes", m, r.cfg.Host)
	}
	return &procSnapshot{master: m, children: c}, nil
}

// confirm waits until Nginx serves the configuration just reloaded.
//
// Process confirmation (snap != nil): the master has started at least one
// process that was not there before the reload (it starts new workers only
// after it parsed and applied the new configuration; a reload it rejects
// leaves the old workers alone), and every old process still alive has
// retitled itself "… is shutting down", which a worker does right before it
// closes its listening sockets, so no new connection reaches the old
// configuration. Old workers may still finish requests in flight.
//
// Generation confirmation (snap == nil): fresh connections to GenerationURL
// answer the generation token of the file just written, every time, for
// GenerationSettle.
// processSettle is how long the process state must hold before a reload is
// called live (see confirm).
const processSettle = 50 * time.Millisecond

func (r *Router) confirm(ctx context.Context, snap *procSnapshot, gen string) error {
	var last error
	// Generation mode: when the new token was first seen in the current run
	// of answers that all carry it.
	var since time.Time
	for {
		var done bool
		var err error
		if snap != nil {
			var ok bool
			ok, err = r.processesReloaded(ctx, snap)
			// An old worker retitles itself, then closes its listening
			// sockets; on a loaded machine it can be descheduled in
			// between. Require the state twice in a row, processSettle
			// apart, before calling the reload live.
			switch {
			case !ok:
				since = time.Time{}
			case since.IsZero():
				since = time.Now()
			}
			done = ok && time.Since(since) >= processSettle
		} else {
			if gen == "" {
				// A hand-written previous file carries no generation: nothing
				// to compare the answer with.
				return nil
			}
			var ok bool
			ok, err = r.generationServed(ctx, gen)
			switch {
			case !ok:
				since = time.Time{}
			case since.IsZero():
				since = time.Now()
			}
			// The master keeps the old workers accepting for about 100 ms
			// after it started the new ones; only a run of new answers longer
			// than that shows they stopped.
			done = ok && time.Since(since) >= r.cfg.GenerationSettle
		}
		if done {
			return nil
		}
		if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.Canceled) {
				return fmt.Errorf("waiting for nginx to take the new configuration: %w", ctx.Err())
			}
			if last == nil {
				last = errors.New("no new worker processes, or old ones not shutting down")
				if snap == nil {
					last = fmt.Errorf("%s did not answer generation %s steadily for %s", r.cfg.GenerationURL, gen, r.cfg.GenerationSettle)
				}
			}
			return fmt.Errorf("nginx did not take the new configuration within %s (its error log says why): %w", r.cfg.ConfirmTimeout, last)
		case <-time.After(r.cfg.PollInterval):
		}
	}
}

func (r *Router) processesReloaded(ctx context.Context, snap *procSnapshot) (bool, error) {
	m, err := r.readMaster(ctx)
	if err != nil {
		return false, err
	}
	kids, err := r.children(ctx, m)
	if err != nil {
		return false, err
	}
	if m != snap.master {
		// A reload command that restarts Nginx (a new master) has loaded the
		// configuration once the new master has workers.
		return len(kids) > 0, nil
	}
	fresh := false
	for _, k := range kids {
		if !slices.Contains(snap.children, k) {
			fresh = true
			continue
		}
		title, err := r.cfg.Host.ReadFile(ctx, fmt.Sprintf("/proc/%d/cmdline", k))
		if err != nil {
			continue // exited meanwhile
		}
		if !strings.Contains(string(title), "shutting down") {
			return false, fmt.Errorf("old nginx worker %d is not shutting down yet", k)
		}
	}
	if !fresh {
		return false, errors.New("no new nginx worker process yet")
	}
	return true, nil
}

// generationServed reports whether Nginx serves generation gen.
func (r *Router) generationServed(ctx context.Context, gen string) (bool, error) {
	got, err := r.servedGeneration(ctx)
	if err != nil {
		return false, err
	}
	if got != gen {
		return false, fmt.Errorf("GET %s: generation %q, waiting for %q", r.cfg.GenerationURL, got, gen)
	}
	return true, nil
}

// servedGeneration asks GenerationURL, over a fresh connection opened from
// the host, which generation Nginx serves.
func (r *Router) servedGeneration(ctx context.Context) (string, error) {
	u, err := url.Parse(r.cfg.GenerationURL)
	if err != nil {
		return "", err
	}
	addr := u.Host
	if u.Port() == "" {
		addr = u.Host + ":80"
	}
	actx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := r.cfg.Host.Dial(actx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("connecting to %s: %w", addr, err)
	}
	defer conn.Close()
	if dl, ok := actx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	req, err := http.NewRequestWithContext(actx, http.MethodGet, r.cfg.GenerationURL, nil)
	if err != nil {
		return "", err
	}
	req.Close = true
	if err := req.Write(conn); err != nil {
		return "", fmt.Errorf("GET %s: %w", r.cfg.GenerationURL, err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		return "", fmt.Errorf("GET %s: %w", r.cfg.GenerationURL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	got := strings.Trim(strings.TrimSpace(string(body)), `"`)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: status %d", r.cfg.GenerationURL, resp.StatusCode)
	}
	return got, nil
}
