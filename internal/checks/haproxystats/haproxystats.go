// Package haproxystats judges a color from HAProxy's own view of it, through
// the Runtime API's `show stat`, so that a blue-green shift behind HAProxy
// needs neither CloudWatch nor Prometheus:
//
//   - ServersUp (pre-flight): enough of the color's servers are UP in
//     HAProxy's health checks. Counting: every server of the color is
//     counted; UP means a status starting with "UP" ("UP 1/2", still UP but
//     failing, counts). DOWN, NOLB, MAINT, DRAIN and "no check" (the server
//     has no `check`, so HAProxy proves nothing about it) do not. The check
//     passes when the UP count is at least MinUpCount (never less than 1)
//     and the UP share is at least MinUpPercent.
//
//   - Counters (rollback_on): the color's 5xx share of responses and its
//     connection-error share (econ + eresp over responses + econ + eresp),
//     summed over the color's servers, as deltas of HAProxy's counters over
//     the evaluation window. The first evaluation only takes the baseline
//     (inconclusive); later ones compare against the newest snapshot at
//     least Window old (or the oldest kept, and say so). Fewer than
//     MinRequests in the window is inconclusive. Counters that went back
//     (HAProxy restarted or reloaded, or "clear counters") start a new
//     baseline: inconclusive.
//
// Evaluate never returns a Go error: an unreachable socket or an unknown
// backend is an Error verdict with the reason.
//
// What it does not do: latency (HAProxy's rtime/ttime are averages over the
// last 1024 requests, not percentiles), per-URL or per-status judgement, or
// any waiting — the consumer schedules evaluations.
package haproxystats

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/haproxy"
)

// Source gives the backend's servers and counters; *haproxy.Router is one.
type Source interface {
	Stats(ctx context.Context) ([]haproxy.ServerStat, error)
}

var _ Source = (*haproxy.Router)(nil)

// Check names.
const (
	ServersUpName       = "haproxy_servers_up"
	ErrorRateName       = "haproxy_stats.5xx_rate"
	ConnErrorRateName   = "haproxy_stats.connection_error_rate"
	defaultSnapshotKeep = 64
)

func nowOr(f func() time.Time) time.Time {
	if f != nil {
		return f()
	}
	return time.Now()
}

func ofColor(stats []haproxy.ServerStat, c traffic.Color) []haproxy.ServerStat {
	var out []haproxy.ServerStat
	for _, s := range stats {
		if s.Color == c {
			out = append(out, s)
		}
	}
	return out
}

// ServersUp is the pre-flight check: the color's servers are UP.
type ServersUp struct {
	Source       Source
	Color        traffic.Color
	MinUpCount   int     // values below 1 mean 1
	MinUpPercent float64 // 0–100; 0 means no percentage requirement
	Now          func() time.Time
}

// Name is "haproxy_servers_up".
func (c *ServersUp) Name() string { return ServersUpName }

// Evaluate reads `show stat` once; the value is the UP count.
func (c *ServersUp) Evaluate(ctx context.Context) []checks.Result {
	minCount := max(c.MinUpCount, 1)
	threshold := fmt.Sprintf(">= %d UP", minCount)
	if c.MinUpPercent > 0 {
		threshold += fmt.Sprintf(", >= %s%%", checks.FormatValue(c.MinUpPercent))
	}
	stats, err := c.Source.Stats(ctx)
	if err != nil {
		return []checks.Result{checks.Errored(ServersUpName, nowOr(c.Now), threshold, err)}
	}
	servers := ofColor(stats, c.Color)
	up := 0
	others := map[string][]string{}
	for _, s := range servers {
		if strings.HasPrefix(s.Status, "UP") {
			up++
			continue
		}
		why := s.Name
		if s.CheckStatus != "" && s.Status != "no check" {
			why += " (" + s.CheckStatus + ")"
		}
		others[s.Status] = append(others[s.Status], why)
	}
	r := checks.Result{Check: ServersUpName, Value: float64(up), HasValue: true, Threshold: threshold, At: nowOr(c.Now), Verdict: checks.Pass}
	pct := 0.0
	if len(servers) > 0 {
		pct = float64(up) * 100 / float64(len(servers))
	}
	if up < minCount || pct < c.MinUpPercent {
		r.Verdict = checks.Fail
	}
	r.Detail = fmt.Sprintf("%d/%d %s servers UP in HAProxy's health checks (%s%%)", up, len(servers), c.Color, checks.FormatValue(pct))
	statuses := make([]string, 0, len(others))
	for st := range others {
		statuses = append(statuses, st)
	}
	sort.Strings(statuses)
	for _, st := range statuses {
		hint := ""
		if st == "no check" {
			hint = " — not health-checked: add `check` to the server line"
		}
		r.Detail += fmt.Sprintf("; %s: %s%s", st, strings.Join(others[st], ", "), hint)
	}
	if r.Verdict == checks.Fail {
		r.Detail += "; need " + threshold
	}
	return []checks.Result{r}
}

// Counters is the rollback check over HAProxy's counters for one color.
// It keeps snapshots between evaluations: use one Counters per rollout.
type Counters struct {
	Source Source
	Color  traffic.Color
	// MaxErrorRate is the largest 5xx share of responses (0–1); nil: not
	// judged. MaxConnErrorRate the same for connection and response errors.
	// At least one is required.
	MaxErrorRate     *float64
	MaxConnErrorRate *float64
	// MinRequests below which a window is inconclusive (default 1).
	MinRequests int64
	// Window is how far back the deltas reach (default: since the previous
	// evaluation).
	Window time.Duration
	Now    func() time.Time

	mu    sync.Mutex
	snaps []snapshot
}

type snapshot struct {
	at                             time.Time
	responses, fivexx, econ, eresp int64
}

// Name is "haproxy_stats".
func (c *Counters) Name() string { return "haproxy_stats" }

// Evaluate reads `show stat` once and returns one result per judged rate.
func (c *Counters) Evaluate(ctx context.Context) []checks.Result {
	now := nowOr(c.Now)
	type judged struct {
		name string
		max  *float64
	}
	var want []judged
	if c.MaxErrorRate != nil {
		want = append(want, judged{ErrorRateName, c.MaxErrorRate})
	}
	if c.MaxConnErrorRate != nil {
		want = append(want, judged{ConnErrorRateName, c.MaxConnErrorRate})
	}
	if len(want) == 0 {
		return []checks.Result{{Check: ErrorRateName, Verdict: checks.Error, At: now,
			Detail: "the HAProxy stats check needs a maximum 5xx rate or connection error rate"}}
	}
	threshold := func(j judged) string { return "<= " + checks.FormatValue(*j.max) }
	all := func(v checks.Verdict, detail string) []checks.Result {
		out := make([]checks.Result, len(want))
		for i, j := range want {
			out[i] = checks.Result{Check: j.name, Verdict: v, Threshold: threshold(j), Detail: detail, At: now}
		}
		return out
	}
	stats, err := c.Source.Stats(ctx)
	if err != nil {
		return all(checks.Error, err.Error())
	}
	cur := snapshot{at: now}
	servers := ofColor(stats, c.Color)
	for _, s := range servers {
		cur.responses += s.TotalResponses()
		cur.fivexx += s.Total5xx()
		cur.econ += s.ConnErrors
		cur.eresp += s.RespErrors
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := len(c.snaps); n > 0 {
		last := c.snaps[n-1]
		if cur.responses < last.responses || cur.fivexx < last.fivexx || cur.econ < last.econ || cur.eresp < last.eresp {
			c.snaps = []snapshot{cur}
			return all(checks.Inconclusive, "HAProxy's counters went back (reload, restart or clear counters): new baseline taken")
		}
	}
	base, ok := c.baseline(now)
	c.snaps = append(c.snaps, cur)
	if len(c.snaps) > defaultSnapshotKeep {
		c.snaps = c.snaps[len(c.snaps)-defaultSnapshotKeep:]
	}
	if !ok {
		return all(checks.Inconclusive, fmt.Sprintf("baseline of %d %s servers taken; rates are judged from the next evaluation", len(servers), c.Color))
	}
	span := now.Sub(base.at).Round(time.Millisecond)
	d := snapshot{responses: cur.responses - base.responses, fivexx: cur.fivexx - base.fivexx, econ: cur.econ - base.econ, eresp: cur.eresp - base.eresp}
	minReq := max(c.MinRequests, 1)
	out := make([]checks.Result, 0, len(want))
	for _, j := range want {
		r := checks.Result{Check: j.name, Threshold: threshold(j), At: now}
		var num, den int64
		var what string
		if j.name == ErrorRateName {
			num, den, what = d.fivexx, d.responses, fmt.Sprintf("%d 5xx of %d responses", d.fivexx, d.responses)
		} else {
			num, den = d.econ+d.eresp, d.responses+d.econ+d.eresp
			what = fmt.Sprintf("%d connection errors + %d response errors of %d attempts", d.econ, d.eresp, den)
		}
		r.Detail = fmt.Sprintf("%s from %s servers over the last %v", what, c.Color, span)
		if d.responses+d.econ+d.eresp < minReq {
			r.Verdict = checks.Inconclusive
			r.Detail += fmt.Sprintf("; fewer than %d requests", minReq)
			out = append(out, r)
			continue
		}
		if den > 0 {
			r.Value = float64(num) / float64(den)
		}
		r.HasValue = true
		r.Verdict = checks.Pass
		if r.Value > *j.max {
			r.Verdict = checks.Fail
		}
		out = append(out, r)
	}
	return out
}

// baseline is the newest snapshot at least Window old, else the oldest
// kept; false when there is none.
func (c *Counters) baseline(now time.Time) (snapshot, bool) {
	if len(c.snaps) == 0 {
		return snapshot{}, false
	}
	if c.Window <= 0 {
		return c.snaps[len(c.snaps)-1], true
	}
	for i := len(c.snaps) - 1; i >= 0; i-- {
		if !c.snaps[i].at.After(now.Add(-c.Window)) {
			c.snaps = c.snaps[i:] // older ones are no longer needed
			return c.snaps[0], true
		}
	}
	return c.snaps[0], true
}
