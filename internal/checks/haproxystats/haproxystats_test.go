package haproxystats

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/demoapp"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/testenv"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/haproxy"
)

// The engine's Check interface, restated.
var (
	_ interface {
		Name() string
		Evaluate(context.Context) []checks.Result
	} = (*ServersUp)(nil)
	_ interface {
		Name() string
		Evaluate(context.Context) []checks.Result
	} = (*Counters)(nil)
)

func ptr(v float64) *float64 { return &v }

type fakeSource struct {
	stats []haproxy.ServerStat
	err   error
}

func (f *fakeSource) Stats(context.Context) ([]haproxy.ServerStat, error) { return f.stats, f.err }

func green(name, status string, resp, fivexx, econ, eresp int64) haproxy.ServerStat {
	s := haproxy.ServerStat{Name: name, Color: traffic.Green, Status: status, CheckStatus: "L7OK", ConnErrors: econ, RespErrors: eresp}
	s.Responses[1] = resp - fivexx
	s.Responses[4] = fivexx
	return s
}

func TestServersUp_counts(t *testing.T) {
	blue := haproxy.ServerStat{Name: "blue1", Color: traffic.Blue, Status: "DOWN"}
	tests := []struct {
		name     string
		statuses []string
		minCount int
		minPct   float64
		verdict  checks.Verdict
		value    float64
		detail   []string
	}{
		{"all up", []string{"UP", "UP"}, 2, 100, checks.Pass, 2, []string{"2/2 green servers UP"}},
		{"failing but still up counts", []string{"UP 1/2", "UP"}, 2, 0, checks.Pass, 2, nil},
		{"one down", []string{"UP", "DOWN"}, 2, 0, checks.Fail, 1, []string{"DOWN: g2 (L7OK)", "need >= 2 UP"}},
		{"percent", []string{"UP", "DOWN", "UP", "MAINT"}, 1, 60, checks.Fail, 2, []string{"2/4", "(50%)", "MAINT: g4"}},
		{"none up fails even with min 0", []string{"DOWN 1/2"}, 0, 0, checks.Fail, 0, []string{"need >= 1 UP"}},
		{"not health-checked does not count", []string{"no check"}, 1, 0, checks.Fail, 0, []string{"add `check`"}},
		{"no servers of the color", nil, 1, 0, checks.Fail, 0, []string{"0/0"}},
	}
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &fakeSource{stats: []haproxy.ServerStat{blue}}
			for i, st := range tt.statuses {
				s := green("g"+string(rune('1'+i)), st, 0, 0, 0, 0)
				src.stats = append(src.stats, s)
			}
			c := &ServersUp{Source: src, Color: traffic.Green, MinUpCount: tt.minCount, MinUpPercent: tt.minPct, Now: func() time.Time { return at }}
			rs := c.Evaluate(context.Background())
			if len(rs) != 1 {
				t.Fatalf("%d results", len(rs))
			}
			r := rs[0]
			if r.Check != ServersUpName || r.Verdict != tt.verdict || r.Value != tt.value || !r.HasValue || !r.At.Equal(at) {
				t.Fatalf("result = %+v", r)
			}
			for _, d := range tt.detail {
				if !strings.Contains(r.Detail, d) {
					t.Errorf("detail %q lacks %q", r.Detail, d)
				}
			}
		})
	}
	c := &ServersUp{Source: &fakeSource{err: errors.New("connection refused")}, Color: traffic.Green}
	if r := c.Evaluate(context.Background())[0]; r.Verdict != checks.Error || !strings.Contains(r.Detail, "refused") {
		t.Fatalf("source error: %+v", r)
	}
}

func TestCounters_deltasOverTheWindow(t *testing.T) {
	src := &fakeSource{}
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	c := &Counters{Source: src, Color: traffic.Green, MaxErrorRate: ptr(0.05), MaxConnErrorRate: ptr(0.1), MinRequests: 10,
		Window: time.Minute, Now: func() time.Time { return now }}
	step := func(d time.Duration, resp, fivexx, econ, eresp int64) []checks.Result {
		now = now.Add(d)
		src.stats = []haproxy.ServerStat{
			green("g1", "UP", resp, fivexx, econ, eresp),
			green("g2", "UP", 0, 0, 0, 0),
			{Name: "blue1", Color: traffic.Blue, Status: "UP", Responses: [6]int64{0, 0, 0, 0, 999, 0}}, // other color: ignored
		}
		return c.Evaluate(context.Background())
	}
	expect := func(rs []checks.Result, v0, v1 checks.Verdict, val0, val1 float64, detail string) {
		t.Helper()
		if len(rs) != 2 || rs[0].Check != ErrorRateName || rs[1].Check != ConnErrorRateName {
			t.Fatalf("results %+v", rs)
		}
		if rs[0].Verdict != v0 || rs[1].Verdict != v1 || rs[0].Value != val0 || rs[1].Value != val1 {
			t.Fatalf("got %s | %s; want %s %v, %s %v", rs[0], rs[1], v0, val0, v1, val1)
		}
		if !strings.Contains(rs[0].Detail, detail) {
			t.Fatalf("detail %q lacks %q", rs[0].Detail, detail)
		}
	}
	expect(step(0, 100, 1, 0, 0), checks.Inconclusive, checks.Inconclusive, 0, 0, "baseline")
	// 30 s later: +100 responses, +2 5xx, +5 econ, +5 eresp → 5xx 2%, conn 10/110.
	expect(step(30*time.Second, 200, 3, 5, 5), checks.Pass, checks.Pass, 0.02, 10.0/110, "2 5xx of 100 responses from green servers over the last 30s")
	// 30 s later (window 1 min reaches back to the baseline): +10 5xx.
	expect(step(30*time.Second, 300, 13, 5, 5), checks.Fail, checks.Pass, 12.0/200, 10.0/210, "over the last 1m0s")
	// Only 5 requests since the last minute's start: inconclusive.
	expect(step(60*time.Second, 305, 13, 5, 5), checks.Inconclusive, checks.Inconclusive, 0, 0, "fewer than 10 requests")
	// A reload resets the counters: new baseline.
	expect(step(10*time.Second, 3, 0, 0, 0), checks.Inconclusive, checks.Inconclusive, 0, 0, "went back")
	expect(step(70*time.Second, 103, 0, 20, 0), checks.Pass, checks.Fail, 0, 20.0/120, "0 5xx of 100 responses")

	src.err = errors.New("dial unix /run/haproxy/admin.sock: no such file")
	rs := c.Evaluate(context.Background())
	if len(rs) != 2 || rs[0].Verdict != checks.Error || !strings.Contains(rs[1].Detail, "no such file") {
		t.Fatalf("source error: %+v", rs)
	}
	if rs := (&Counters{Source: src}).Evaluate(context.Background()); rs[0].Verdict != checks.Error {
		t.Fatalf("no threshold: %+v", rs)
	}
}

// Against a real HAProxy: its health checks and its counters.
func TestChecks_againstHAProxy(t *testing.T) {
	h := testenv.StartHAProxy(t, testenv.HAProxyOptions{Blue: 2, Green: 3})
	r, err := haproxy.New(haproxy.Config{Address: h.AdminTCP, Backend: h.Backend})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range h.Green {
		h.WaitServerState(t, "app", "green"+string(rune('1'+i)), 2)
	}
	up := &ServersUp{Source: r, Color: traffic.Green, MinUpCount: 3}
	if res := up.Evaluate(ctx)[0]; res.Verdict != checks.Pass || res.Value != 3 {
		t.Fatalf("all up: %s", res)
	}
	h.Green[1].App.SetHealthy(false)
	h.WaitServerState(t, "app", "green2", 0)
	res := up.Evaluate(ctx)[0]
	if res.Verdict != checks.Fail || res.Value != 2 || !strings.Contains(res.Detail, "green2 (L7STS)") {
		t.Fatalf("one down: %s", res)
	}
	h.Green[1].App.SetHealthy(true)

	// All traffic to green; green answers 500 to every request.
	if err := r.Set(ctx, traffic.Split(traffic.Green, 100)); err != nil {
		t.Fatal(err)
	}
	h.WaitServerState(t, "app", "green2", 2)
	counters := &Counters{Source: r, Color: traffic.Green, MaxErrorRate: ptr(0.1), MaxConnErrorRate: ptr(0.1), MinRequests: 10}
	if rs := counters.Evaluate(ctx); rs[0].Verdict != checks.Inconclusive {
		t.Fatalf("first evaluation: %v", rs)
	}
	send := func(n int) {
		for range n {
			resp, err := http.Get(h.URL)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
	}
	for _, g := range h.Green {
		g.App.SetBehaviour(demoapp.Behaviour{FailPercent: 100, Healthy: true})
	}
	send(30)
	rs := counters.Evaluate(ctx)
	if rs[0].Verdict != checks.Fail || rs[0].Value != 1 || !strings.Contains(rs[0].Detail, "30 5xx of 30 responses") || rs[1].Verdict != checks.Pass {
		t.Fatalf("failing green: %v", rs)
	}
	for _, g := range h.Green {
		g.App.SetBehaviour(demoapp.Behaviour{FailPercent: 0, Healthy: true})
	}
	send(30)
	rs = counters.Evaluate(ctx)
	if rs[0].Verdict != checks.Pass || rs[0].Value != 0 || !strings.Contains(rs[0].Detail, "0 5xx of 30 responses") {
		t.Fatalf("healthy green: %v", rs)
	}
	// Blue got nothing: inconclusive, not a pass.
	blue := &Counters{Source: r, Color: traffic.Blue, MaxErrorRate: ptr(0.1)}
	blue.Evaluate(ctx)
	send(5)
	if rs := blue.Evaluate(ctx); rs[0].Verdict != checks.Inconclusive {
		t.Fatalf("blue without traffic: %v", rs)
	}
}
