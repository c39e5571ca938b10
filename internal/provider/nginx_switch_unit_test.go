package provider

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/remote"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/nginx"
)

func strList(vals ...string) types.List {
	l, _ := types.ListValueFrom(context.Background(), types.StringType, vals)
	return l
}

func TestNeedsRewrite(t *testing.T) {
	cfg := nginx.Config{Upstream: "app", Blue: []string{"b1", "b2"}, Green: []string{"g1"}, ServerParams: []string{"max_fails=3"}}
	file := func(body string) *nginx.File {
		f, err := nginx.ParseFile("/f", []byte("# generation 1-x\n"+body), "app", cfg.Blue, cfg.Green)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	for _, tc := range []struct{ name, body, want string }{
		{"as written", "upstream app { server b1 weight=1 max_fails=3; server b2 weight=1 max_fails=3; server g1 down max_fails=3; }", ""},
		{"params", "upstream app { server b1 weight=1 max_fails=3; server b2 weight=1; server g1 down max_fails=3; }", "server parameters"},
		{"a server missing", "upstream app { server b1 weight=1 max_fails=3; server g1 down max_fails=3; }", "servers"},
		{"order", "upstream app { server b2 weight=1 max_fails=3; server b1 weight=1 max_fails=3; server g1 down max_fails=3; }", "servers"},
		{"directive", "upstream app { least_conn; server b1 weight=1 max_fails=3; server b2 weight=1 max_fails=3; server g1 down max_fails=3; }", "upstream directives"},
		{"backup", "upstream app { server b1 weight=1 max_fails=3; server b2 backup max_fails=3; server g1 down max_fails=3; }", "a backup server"},
	} {
		if got := needsRewrite(file(tc.body), cfg); got != tc.want {
			t.Errorf("%s: needsRewrite = %q, want %q", tc.name, got, tc.want)
		}
	}
	f, _ := nginx.ParseFile("/f", []byte("upstream app { server b1 weight=1 max_fails=3; server b2 weight=1 max_fails=3; server g1 down max_fails=3; }"), "app", cfg.Blue, cfg.Green)
	if got := needsRewrite(f, cfg); got != "a file not written by the switch" {
		t.Errorf("hand-written file: %q", got)
	}
}

func TestRefuseLiveServerChange(t *testing.T) {
	prior := &nginxSwitchModel{BlueServers: strList("b1"), GreenServers: strList("g1")}
	for _, tc := range []struct {
		name        string
		blue, green types.List
		w           traffic.Weights
		errAt       string
	}{
		{"idle green changes", strList("b1"), strList("g2"), traffic.Weights{Blue: 100}, ""},
		{"live blue changes", strList("b2"), strList("g1"), traffic.Weights{Blue: 100}, "blue_servers"},
		{"split: green changes", strList("b1"), strList("g2"), traffic.Weights{Blue: 50, Green: 50}, "green_servers"},
		{"nothing changes", strList("b1"), strList("g1"), traffic.Weights{Blue: 50, Green: 50}, ""},
	} {
		var d diag.Diagnostics
		refuseLiveServerChange(&nginxSwitchModel{BlueServers: tc.blue, GreenServers: tc.green}, prior, tc.w, &d)
		switch {
		case tc.errAt == "" && d.HasError():
			t.Errorf("%s: refused: %v", tc.name, d)
		case tc.errAt != "" && (!d.HasError() || !strings.Contains(d.Errors()[0].Detail(), tc.errAt)):
			t.Errorf("%s: want a refusal of %s, got %v", tc.name, tc.errAt, d)
		}
	}
}

func TestValidateNginxSwitch_refusesAWSChecks(t *testing.T) {
	m := &nginxSwitchModel{}
	m.RollbackOn = &rollbackOnModel{checksModel: checksModel{
		TargetHealth: &targetHealthCheckModel{}, Metrics: &metricsCheckModel{}, AlarmNames: strList("a"),
		HTTP: []httpCheckModel{{URL: types.StringValue("http://x/")}},
	}}
	var d diag.Diagnostics
	validateNginxSwitch(context.Background(), m, &d)
	var got []string
	for _, e := range d.Errors() {
		if p, ok := e.(diag.DiagnosticWithPath); ok {
			got = append(got, p.Path().String())
		}
	}
	if strings.Join(got, ",") != "rollback_on.target_health,rollback_on.metrics,rollback_on.alarm_names" {
		t.Fatalf("refused at %v, want the three AWS checks (and not http): %v", got, d)
	}
}

// fakeNginx is a generation URL that answers the generation of the file as
// it is on disk: with "true" as test and reload commands, a router writes
// through it with no Nginx.
func fakeNginxRouter(t *testing.T) (*nginx.Router, string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "app.conf")
	gen := regexp.MustCompile(`# generation (\S+)`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		b, _ := os.ReadFile(file)
		if m := gen.FindSubmatch(b); m != nil {
			_, _ = w.Write(m[1])
		}
	}))
	t.Cleanup(srv.Close)
	r, err := nginx.New(nginx.Config{Host: remote.Local{}, File: file, Upstream: "app", Blue: []string{"b1"}, Green: []string{"g1"},
		TestCommand: []string{"true"}, ReloadCommand: []string{"true"}, GenerationURL: srv.URL + "/gen",
		GenerationSettle: time.Millisecond, ConfirmTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return r, file
}

// The engine's restore (a write of the weights from before the shift) puts
// the bytes from before the shift back, not a fresh rendering.
func TestRestoringRouter_restoresBytes(t *testing.T) {
	ctx := context.Background()
	r, file := fakeNginxRouter(t)
	if err := r.Set(ctx, traffic.Weights{Blue: 100}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(file)
	rr := &restoringRouter{Router: r}
	for _, w := range []traffic.Weights{traffic.Split(traffic.Green, 10), traffic.Split(traffic.Green, 50)} {
		if err := rr.Set(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	if err := rr.Set(ctx, traffic.Weights{Blue: 100}); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(file); !bytes.Equal(before, after) {
		t.Fatalf("restore rendered a new file:\nbefore\n%s\nafter\n%s", before, after)
	}
	// Other weights are rendered as usual.
	if err := rr.Set(ctx, traffic.Weights{Blue: 50, Green: 50}); err != nil {
		t.Fatal(err)
	}
	if w, err := r.Read(ctx); err != nil || w != (traffic.Weights{Blue: 50, Green: 50}) {
		t.Fatalf("Read = %s, %v", w, err)
	}
}
