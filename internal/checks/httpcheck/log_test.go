//go:build linux

package httpcheck

import (
	"bytes"
	"io"
	"log"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
)

// captureOutput runs f with the standard logger, os.Stdout/os.Stderr and the
// process's file descriptors 1 and 2 all redirected to one pipe (fd-level, so
// it also catches loggers that captured os.Stderr before the test, such as
// retryablehttp's default logger), and returns everything written.
func captureOutput(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	done := make(chan struct{})
	go func() { _, _ = io.Copy(&buf, r); close(done) }()

	saved := map[int]int{}
	for _, fd := range []int{1, 2} {
		d, err := syscall.Dup(fd)
		if err != nil {
			t.Fatal(err)
		}
		saved[fd] = d
		if err := syscall.Dup3(int(w.Fd()), fd, 0); err != nil {
			t.Fatal(err)
		}
	}
	oldOut, oldErr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = w, w
	oldLog, oldFlags := log.Writer(), log.Flags()
	log.SetOutput(w)

	func() {
		defer func() {
			log.SetOutput(oldLog)
			log.SetFlags(oldFlags)
			os.Stdout, os.Stderr = oldOut, oldErr
			for fd, d := range saved {
				_ = syscall.Dup3(d, fd, 0)
				_ = syscall.Close(d)
			}
			_ = w.Close()
		}()
		f()
	}()
	<-done
	_ = r.Close()
	return buf.String()
}

func TestNothingLogged(t *testing.T) {
	c := mustNew(t, Config{URL: "http://127.0.0.1:1/", Headers: map[string]string{"X-Api-Key": secret}})
	if c.client.rc.Logger != nil || c.client.rc.RequestLogHook == nil {
		t.Fatalf("client must not have a logger (got %T)", c.client.rc.Logger)
	}

	// Sanity check: the capture sees what retryablehttp's default logger
	// writes.
	probe := captureOutput(t, func() {
		rc := retryablehttp.NewClient()
		rc.RetryMax = 0
		_, _ = rc.Get("http://127.0.0.1:1/probe")
		log.Print("std logger probe")
	})
	if !strings.Contains(probe, "/probe") || !strings.Contains(probe, "std logger probe") {
		t.Fatalf("capture does not work: %q", probe)
	}

	var results []checks.Result
	out := captureOutput(t, func() {
		// Every path: transport error with retries, pass, fail, TLS error.
		results = append(results, c.Evaluate(t.Context())...)
		srv, _ := resetFirst(t, 1, func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, `{"echo":"`+r.Header.Get("X-Api-Key")+`"}`)
		})
		for _, cfg := range []Config{
			{URL: srv.URL, JSONPath: "echo", JSONValue: "x"},
			{URL: srv.URL, ExpectStatus: []int{201}},
		} {
			cfg.Headers = map[string]string{"X-Api-Key": secret, "Authorization": "Bearer " + secret}
			results = append(results, mustNew(t, cfg).Evaluate(t.Context())...)
		}
		for _, r := range results {
			_ = r.String()
		}
	})
	if strings.Contains(out, secret) {
		t.Errorf("secret written to output: %q", out)
	}
	if strings.Contains(out, "127.0.0.1") {
		t.Errorf("check wrote to output: %q", out)
	}
	assertNoSecret(t, results...)
	if len(results) != 3 || results[0].Verdict != checks.Error || results[1].Verdict != checks.Fail || results[2].Verdict != checks.Fail {
		t.Errorf("results %v", results)
	}
}
