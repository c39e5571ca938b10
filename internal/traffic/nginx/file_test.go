package nginx

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/remote"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

func addrs(prefix string, n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, fmt.Sprintf("10.0.%s.%d:8080", prefix, i+1))
	}
	return out
}

// Every weight in range round-trips exactly through render and parse, for
// any server counts.
func TestRenderParse_exactRoundTrip(t *testing.T) {
	for _, nb := range []int{1, 2, 3} {
		for _, ng := range []int{1, 2, 5} {
			cfg := &Config{File: "/x/app.conf", Upstream: "app", Blue: addrs("1", nb), Green: addrs("2", ng),
				Directives: []string{"keepalive 16"}, ServerParams: []string{"max_fails=3", "fail_timeout=10s"}}
			var ws []traffic.Weights
			for p := 0; p <= 100; p++ {
				ws = append(ws, traffic.Split(traffic.Green, p))
			}
			ws = append(ws, traffic.Weights{Blue: MaxWeight, Green: 1}, traffic.Weights{Blue: 6, Green: 4}, traffic.Weights{Blue: 0, Green: 3})
			for _, w := range ws {
				data := render(cfg, w, "7-abcd")
				f, err := ParseFile(cfg.File, data, "app", cfg.Blue, cfg.Green)
				if err != nil {
					t.Fatalf("%d/%d servers, %s: parse: %v\n%s", nb, ng, w, err, data)
				}
				got, err := f.Weights(cfg.File)
				if err != nil || got != w {
					t.Fatalf("%d/%d servers: Weights = %s, %v; want %s\n%s", nb, ng, got, err, w, data)
				}
				if f.Generation != "7-abcd" || len(f.Directives) != 1 || f.Directives[0] != "keepalive 16" {
					t.Fatalf("generation %q, directives %q", f.Generation, f.Directives)
				}
				if w.Green == 0 && !strings.Contains(string(data), " down") {
					t.Fatalf("a color at 0 must be down (Nginx has no weight 0):\n%s", data)
				}
				if strings.Contains(string(data), "weight=0") {
					t.Fatalf("weight=0 rendered:\n%s", data)
				}
			}
		}
	}
}

func TestParse_handEdits(t *testing.T) {
	blue, green := []string{"b1:80", "b2:80"}, []string{"g1:80"}
	cases := []struct {
		name string
		file string
		want traffic.Weights
	}{
		{"no weights means 1 each", "upstream app { server b1:80; server b2:80; server g1:80; }", traffic.Weights{Blue: 2, Green: 1}},
		{"down and backup do not count", `
# a comment
upstream app {
    least_conn;
    server b1:80 weight=3 max_fails=2;   # trailing comment
    server b2:80 down;
    server g1:80 weight=1;
    server g1:80 backup;
}`, traffic.Weights{Blue: 3, Green: 1}},
		{"green only", "upstream app { server b1:80 down; server b2:80 down; server g1:80 weight=5; }", traffic.Weights{Blue: 0, Green: 5}},
		{"uneven ratio reduced", "upstream app { server b1:80 weight=45; server b2:80 weight=90; server g1:80 weight=20; }", traffic.Weights{Blue: 135, Green: 20}},
		{"quoted and split over lines", "map $host $v {\n default \"x\";\n}\nupstream\napp\n{\nserver\nb1:80\nweight=2\n;\nserver g1:80 weight=2; server b2:80 down; }", traffic.Weights{Blue: 1, Green: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := ParseFile("/etc/nginx/app.conf", []byte(c.file), "app", blue, green)
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.Weights("/etc/nginx/app.conf")
			if err != nil || got != c.want {
				t.Fatalf("Weights = %s, %v; want %s", got, err, c.want)
			}
		})
	}
}

func TestParse_errorsNameFileAndLine(t *testing.T) {
	blue, green := []string{"b1:80"}, []string{"g1:80"}
	cases := []struct {
		name, file, want string
	}{
		{"weight 0", "upstream app {\n  server b1:80;\n  server g1:80 weight=0;\n}", "/f.conf:3: server g1:80: invalid \"weight=0\""},
		{"missing semicolon", "upstream app {\n  server b1:80\n}", "/f.conf:3: directive \"server\" is not terminated"},
		{"unclosed block", "upstream app {\n  server b1:80;\n", "/f.conf:2: unexpected end of file"},
		{"other upstream", "\n\nupstream other { server b1:80; }", "/f.conf:3: upstream \"other\" is not the managed upstream \"app\""},
		{"unknown server", "upstream app {\n server b1:80;\n server 10.9.9.9:80;\n}", "/f.conf:3: server 10.9.9.9:80 is in neither"},
		{"no upstream", "# empty\n", "/f.conf:1: no upstream \"app\" block"},
		{"stray directive", "upstream app { server b1:80; }\nserver { listen 80; }", "/f.conf:2: unexpected directive \"server\""},
		{"unterminated quote", "upstream app {\n server \"b1:80;\n}", "/f.conf:2: unterminated quoted string"},
		{"twice", "upstream app { server b1:80; }\nupstream app { server g1:80; }", "/f.conf:2: upstream \"app\" is defined twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := ParseFile("/f.conf", []byte(c.file), "app", blue, green)
			if err == nil {
				_, err = f.Weights("/f.conf")
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("want a *ParseError, got %v", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not contain %q", err, c.want)
			}
		})
	}
}

func TestNew_refusesWhatItCannotRenderSafely(t *testing.T) {
	ok := Config{Host: remote.Local{}, File: "/etc/nginx/bg/app.conf", Upstream: "app", Blue: []string{"a:1"}, Green: []string{"b:1"}}
	withHash := ok
	withHash.Directives = []string{"hash $request_uri consistent"}
	if _, err := New(withHash); err != nil {
		t.Fatalf("hash directive refused: %v", err)
	}
	if _, err := New(ok); err != nil {
		t.Fatalf("valid config refused: %v", err)
	}
	bad := map[string]func(*Config){
		"relative file":     func(c *Config) { c.File = "app.conf" },
		"no host":           func(c *Config) { c.Host = nil },
		"upstream with dot": func(c *Config) { c.Upstream = "app.v2" },
		"no green":          func(c *Config) { c.Green = nil },
		"address with ;":    func(c *Config) { c.Blue = []string{"a:1; server evil:1"} },
		"address twice":     func(c *Config) { c.Green = []string{"a:1"} },
		"weight param":      func(c *Config) { c.ServerParams = []string{"weight=5"} },
		"directive brace":   func(c *Config) { c.Directives = []string{"keepalive 1 }"} },
		"server directive":  func(c *Config) { c.Directives = []string{"server x:1"} },
		"https generation":  func(c *Config) { c.GenerationURL = "https://x/" },
	}
	for name, mutate := range bad {
		c := ok
		mutate(&c)
		if _, err := New(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, w := range []traffic.Weights{{Blue: 0, Green: 0}, {Blue: -1, Green: 1}, {Blue: MaxWeight + 1, Green: 1}} {
		if Validate(w) == nil {
			t.Errorf("Validate(%s) accepted", w)
		}
	}
	for _, w := range []traffic.Weights{{Blue: 100}, {Green: 1}, {Blue: MaxWeight, Green: MaxWeight}} {
		if err := Validate(w); err != nil {
			t.Errorf("Validate(%s): %v", w, err)
		}
	}
}
