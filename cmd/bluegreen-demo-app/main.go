// Command bluegreen-demo-app serves the demo application (package demoapp)
// until interrupted.
//
//	go run ./cmd/bluegreen-demo-app -addr 127.0.0.1:8081 -version v2 -color green
//
// Stage a bad release at runtime:
//
//	curl -X POST 127.0.0.1:8081/_demo/behaviour -d '{"fail_percent":20,"latency_ms":300}'
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/demoapp"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bluegreen-demo-app:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bluegreen-demo-app", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	version := fs.String("version", "v1", "version reported by / and /version")
	color := fs.String("color", "blue", "colour reported by / (blue, green, …)")
	failPercent := fs.Float64("fail-percent", 0, "percentage (0-100) of requests to / answered 500")
	latencyMS := fs.Int("latency-ms", 0, "latency added to requests to /, in milliseconds")
	unhealthy := fs.Bool("unhealthy", false, "answer 503 on /health")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	app := demoapp.New(demoapp.Config{Version: *version, Color: *color,
		FailPercent: *failPercent, LatencyMS: *latencyMS, Unhealthy: *unhealthy})
	srv, err := app.Start(*addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "bluegreen-demo-app %s (%s) listening on %s\n", *version, *color, srv.URL())
	<-ctx.Done()
	stop()
	return srv.Close()
}
