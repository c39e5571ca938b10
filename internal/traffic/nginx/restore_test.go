package nginx_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/testenv"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/nginx"
)

// Restore puts earlier bytes back exactly (generation token included), and
// Nginx serves them: one reload.
func TestRestore_byteForByteAndLive(t *testing.T) {
	f := newFixture(t, 1, 1, nil)
	ctx := context.Background()
	if err := f.router.Set(ctx, traffic.Weights{Blue: 100}); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(f.ngx.IncludeFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.router.Set(ctx, traffic.Split(traffic.Green, 100)); err != nil {
		t.Fatal(err)
	}
	if c, err := testenv.GetColor(ctx, testenv.Client(), f.ngx.URL+"/"); err != nil || c != "green" {
		t.Fatalf("after Set green: %q, %v", c, err)
	}
	reloads := f.host.reloads.Load()
	if err := f.router.Restore(ctx, before); err != nil {
		t.Fatalf("Restore: %v\n%s", err, f.ngx.Log())
	}
	after, _ := os.ReadFile(f.ngx.IncludeFile)
	if !bytes.Equal(before, after) {
		t.Fatalf("restored file differs:\nwant\n%s\ngot\n%s", before, after)
	}
	if n := f.host.reloads.Load() - reloads; n != 1 {
		t.Fatalf("Restore reloaded %d times, want 1", n)
	}
	for i := 0; i < 5; i++ {
		if c, err := testenv.GetColor(ctx, testenv.Client(), f.ngx.URL+"/"); err != nil || c != "blue" {
			t.Fatalf("after Restore request %d: %q, %v", i, c, err)
		}
	}
	if w, err := f.router.Read(ctx); err != nil || w != (traffic.Weights{Blue: 100}) {
		t.Fatalf("Read after Restore = %v, %v", w, err)
	}
	// Restoring what is already there does nothing.
	reloads = f.host.reloads.Load()
	if err := f.router.Restore(ctx, before); err != nil || f.host.reloads.Load() != reloads {
		t.Fatalf("Restore of the current bytes: %v, %d reloads", err, f.host.reloads.Load()-reloads)
	}
}

// Bytes that do not belong to this router are refused without a write.
func TestRestore_refusesForeignBytes(t *testing.T) {
	f := newFixture(t, 1, 1, nil)
	ctx := context.Background()
	before, _ := os.ReadFile(f.ngx.IncludeFile)
	err := f.router.Restore(ctx, []byte("upstream app {\n    server 10.9.9.9:80;\n}\n"))
	var pe *nginx.ParseError
	if !errors.As(err, &pe) || pe.Line != 2 {
		t.Fatalf("Restore of a file with an unknown server: %v, want a ParseError at line 2", err)
	}
	after, _ := os.ReadFile(f.ngx.IncludeFile)
	if !bytes.Equal(before, after) || f.host.reloads.Load() != 0 {
		t.Fatal("a refused Restore changed the file or reloaded nginx")
	}
}

// Discover reads a rendered file's own configuration back.
func TestDiscover(t *testing.T) {
	f := newFixture(t, 2, 1, nil)
	ctx := context.Background()
	if err := f.router.Set(ctx, traffic.Split(traffic.Green, 25)); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(f.ngx.IncludeFile)
	d, err := nginx.Discover(f.ngx.IncludeFile, data)
	if err != nil {
		t.Fatal(err)
	}
	if d.Upstream != "app" || strings.Join(d.Blue, ",") != strings.Join(f.ngx.Blue, ",") || strings.Join(d.Green, ",") != strings.Join(f.ngx.Green, ",") {
		t.Fatalf("Discover = %s %v %v, want app %v %v", d.Upstream, d.Blue, d.Green, f.ngx.Blue, f.ngx.Green)
	}
	if strings.Join(d.ServerParams, " ") != "max_fails=0" || strings.Join(d.Directives, ";") != "keepalive 8" {
		t.Fatalf("params %q directives %q", d.ServerParams, d.Directives)
	}
	if d.Weights != traffic.Split(traffic.Green, 25) {
		t.Fatalf("weights %s", d.Weights)
	}
	// A hand-written file has no color markers.
	_, err = nginx.Discover("/x.conf", []byte("upstream app {\n server 127.0.0.1:1;\n server 127.0.0.1:2 down;\n}\n"))
	if err == nil || !strings.Contains(err.Error(), "/x.conf") || !strings.Contains(err.Error(), "not written by bluegreen_nginx_switch") {
		t.Fatalf("Discover of a hand-written file: %v", err)
	}
}
