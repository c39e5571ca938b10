package haproxy

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// For every server count and every color weight in range, the spread stays
// within HAProxy's 0–256, sums to exactly k·w (so the color shares are the
// shares of the weights), and decodes back to w.
func TestSpreadAndDecode_exactForEveryWeight(t *testing.T) {
	for nb := 1; nb <= 7; nb++ {
		for ng := 1; ng <= 7; ng++ {
			k := Scale(nb, ng)
			for b := 0; b <= MaxWeight; b++ {
				g := (b*37 + 11) % (MaxWeight + 1)
				bs, gs := Spread(b, nb, k), Spread(g, ng, k)
				sb, sg := 0, 0
				for i, v := range bs {
					if v < 0 || v > MaxWeight || (i > 0 && v > bs[i-1]) || bs[0]-v > 1 {
						t.Fatalf("nb=%d ng=%d b=%d: blue spread %v", nb, ng, b, bs)
					}
					sb += v
				}
				for _, v := range gs {
					if v < 0 || v > MaxWeight {
						t.Fatalf("nb=%d ng=%d g=%d: green spread %v", nb, ng, g, gs)
					}
					sg += v
				}
				if sb != k*b || sg != k*g {
					t.Fatalf("sums %d %d, want %d %d", sb, sg, k*b, k*g)
				}
				if got := Decode(sb, sg, k); got != (traffic.Weights{Blue: int32(b), Green: int32(g)}) {
					t.Fatalf("nb=%d ng=%d: Decode = %s, want blue=%d green=%d", nb, ng, got, b, g)
				}
			}
		}
	}
	// Weights another writer left that do not divide by k are reported raw:
	// the share is still right.
	if got := Decode(3, 4, 2); got != (traffic.Weights{Blue: 3, Green: 4}) {
		t.Fatalf("Decode(3, 4, 2) = %s", got)
	}
}

// A randomized hunt for a violation of the write-order promise: for the
// engine's writes (blue = 100 - green) and any other shift in which the
// colors move in opposite directions, every intermediate state of the
// planned command sequence has a green share between the old and the new
// one, and never has every weight at zero.
func TestPlan_intermediateSharesStayBetweenOldAndNew(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		nb, ng := 1+rng.IntN(6), 1+rng.IntN(6)
		l := layoutOf(nb, ng)
		var from, to traffic.Weights
		switch {
		case i < 4:
			// The extremes first: a full flip each way.
			from, to = traffic.Split(traffic.Green, 100*(i%2)), traffic.Split(traffic.Green, 100*(1-i%2))
		case i%2 == 0:
			from, to = traffic.Split(traffic.Green, rng.IntN(101)), traffic.Split(traffic.Green, rng.IntN(101))
		default:
			b0, g0 := rng.IntN(257), rng.IntN(257)
			b1, g1 := rng.IntN(257), rng.IntN(257)
			if (b1 > b0) == (g1 > g0) && b1 != b0 && g1 != g0 {
				g1 = g0 - (g1 - g0)
				g1 = min(max(g1, 0), 256)
			}
			from, to = traffic.Weights{Blue: int32(b0), Green: int32(g0)}, traffic.Weights{Blue: int32(b1), Green: int32(g1)}
			if Validate(from) != nil || Validate(to) != nil || (b1-b0)*(g1-g0) > 0 {
				continue
			}
		}
		cur := perServer(l, from)
		target := perServer(l, to)
		cmds := Plan(l, cur, target, "app")
		state := map[string]int{}
		for n, v := range cur {
			state[n] = v
		}
		p0 := share(from)
		p1 := share(to)
		lo, hi := min(p0, p1), max(p0, p1)
		for _, c := range cmds {
			name, w := parseSet(t, c)
			state[name] = w
			sb, sg := sums(l, state)
			if sb+sg == 0 {
				t.Fatalf("%s → %s (%d blue, %d green): all weights zero after %q in %v", from, to, nb, ng, c, cmds)
			}
			p := float64(sg) / float64(sb+sg)
			if p < lo-1e-9 || p > hi+1e-9 {
				t.Fatalf("%s → %s (%d blue, %d green): share %.4f outside [%.4f, %.4f] after %q in %v", from, to, nb, ng, p, lo, hi, c, cmds)
			}
		}
		if fmt.Sprint(state) != fmt.Sprint(target) {
			t.Fatalf("plan ends at %v, want %v", state, target)
		}
	}
}

func layoutOf(nb, ng int) Layout {
	var l Layout
	for i := 1; i <= nb; i++ {
		l.Blue = append(l.Blue, Server{ServerState{Name: "blue" + strconv.Itoa(i)}, traffic.Blue})
	}
	for i := 1; i <= ng; i++ {
		l.Green = append(l.Green, Server{ServerState{Name: "green" + strconv.Itoa(i)}, traffic.Green})
	}
	return l
}

func perServer(l Layout, w traffic.Weights) map[string]int { return targetOf(l, w) }

func share(w traffic.Weights) float64 { return float64(w.Green) / float64(w.Blue+w.Green) }

func sums(l Layout, state map[string]int) (b, g int) {
	for _, s := range l.Blue {
		b += state[s.Name]
	}
	for _, s := range l.Green {
		g += state[s.Name]
	}
	return b, g
}

func parseSet(t *testing.T, cmd string) (string, int) {
	t.Helper()
	f := strings.Fields(cmd) // set server app/NAME weight N
	if len(f) != 5 || f[0] != "set" || f[1] != "server" || f[3] != "weight" {
		t.Fatalf("unexpected command %q", cmd)
	}
	n, err := strconv.Atoi(f[4])
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(f[2], "app/"), n
}

func TestParseAddress(t *testing.T) {
	for in, want := range map[string]string{
		"ipv4@127.0.0.1:9999":          "tcp 127.0.0.1:9999",
		"127.0.0.1:9999":               "tcp 127.0.0.1:9999",
		"ipv6@[::1]:9999":              "tcp [::1]:9999",
		"lb1.internal:9999":            "tcp lb1.internal:9999",
		"unix@/run/haproxy/admin.sock": "unix /run/haproxy/admin.sock",
		"/run/haproxy/admin.sock":      "unix /run/haproxy/admin.sock",
		"unix@relative.sock":           "error",
		"127.0.0.1":                    "error",
		"":                             "error",
	} {
		n, a, err := ParseAddress(in)
		got := n + " " + a
		if err != nil {
			got = "error"
		}
		if got != want {
			t.Errorf("ParseAddress(%q) = %q (%v), want %q", in, got, err, want)
		}
	}
	if _, err := New(Config{Address: "127.0.0.1:1", Backend: "app;set server x weight 1"}); err == nil {
		t.Error("a backend name with a command separator was accepted")
	}
	if _, err := New(Config{Address: "127.0.0.1:1", Backend: "app", GreenServers: []string{"g 1"}}); err == nil {
		t.Error("a server name with a space was accepted")
	}
	if _, err := New(Config{Address: "127.0.0.1:1", Backend: "app", BluePrefix: "b", GreenPrefix: "bg"}); err == nil {
		t.Error("overlapping prefixes were accepted")
	}
}

func TestCommandLines_keepOrderAndBound(t *testing.T) {
	var cmds []string
	for i := range 500 {
		cmds = append(cmds, fmt.Sprintf("set server app/blue%d weight %d", i, i%257))
	}
	lines := commandLines(cmds, maxLine)
	if len(lines) < 2 {
		t.Fatalf("%d lines for 500 commands", len(lines))
	}
	var back []string
	for _, l := range lines {
		if len(l) > maxLine {
			t.Fatalf("line of %d bytes", len(l))
		}
		back = append(back, strings.Split(l, ";")...)
	}
	if strings.Join(back, "|") != strings.Join(cmds, "|") {
		t.Fatal("commands reordered or lost")
	}
	if got := commandLines(cmds[:3], maxLine); len(got) != 1 || got[0] != strings.Join(cmds[:3], ";") {
		t.Fatalf("small write = %q", got)
	}
	if got := commandLines(nil, maxLine); len(got) != 0 {
		t.Fatalf("empty write = %q", got)
	}
}
