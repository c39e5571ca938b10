// Command bluegreen-sandbox runs the local AWS sandbox (ELBv2, CloudWatch,
// Route 53, SNS, STS and the /_sandbox/ admin API) on one loopback port until interrupted.
//
//	go run ./cmd/bluegreen-sandbox -addr 127.0.0.1:4566
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bluegreen-sandbox:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bluegreen-sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:4566", "address to listen on (loopback only unless -allow-non-loopback)")
	region := fs.String("region", sandbox.DefaultRegion, "AWS region used in ARNs")
	account := fs.String("account-id", sandbox.DefaultAccountID, "AWS account ID used in ARNs and by STS")
	allowNonLoopback := fs.Bool("allow-non-loopback", false, "allow listening on a non-loopback address (the sandbox accepts any credentials)")
	quiet := fs.Bool("quiet", false, "do not log each API call to stderr")
	dataPlane := fs.Bool("data-plane", false, "serve real HTTP on every ALB listener (see -listener-port-base) and health-check real targets")
	portBase := fs.Int("listener-port-base", 0, "with -data-plane: serve a listener on port P at 127.0.0.1:(base+P); 0 picks free ports")
	timeScale := fs.Float64("health-check-time-scale", 1, "with -data-plane: multiply health check intervals and timeouts (0.1 = ten times faster)")
	dnsAddr := fs.String("dns-addr", "", "serve the Route 53 hosted zones as an authoritative DNS server (UDP+TCP) on this address, e.g. 127.0.0.1:5353")
	changeDelay := fs.Duration("route53-change-delay", 0, "how long a Route 53 change stays PENDING before INSYNC (0: AWS's 60s; negative: at once)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}

	opts := sandbox.Options{Addr: *addr, Region: *region, AccountID: *account, AllowNonLoopback: *allowNonLoopback,
		DataPlane: *dataPlane, ListenerPortBase: *portBase, HealthCheckTimeScale: *timeScale,
		Route53: sandbox.Route53Options{DNSAddr: *dnsAddr, ChangeDelay: *changeDelay}}
	if !*quiet {
		opts.Logger = log.New(stderr, "", log.LstdFlags|log.Lmicroseconds)
	}
	// Catch the signals before starting, so an early Ctrl-C is not lost.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	srv, err := sandbox.Start(opts)
	if err != nil {
		return err
	}

	fmt.Fprintf(stdout, "bluegreen-sandbox listening on %s (admin API: %s/_sandbox/health)\n", srv.URL(), srv.URL())
	fmt.Fprintf(stdout, "# point the AWS SDKs and CLIs at it:\n")
	fmt.Fprintf(stdout, "export AWS_ENDPOINT_URL=%s\n", srv.URL())
	fmt.Fprintf(stdout, "export AWS_ACCESS_KEY_ID=test\n")
	fmt.Fprintf(stdout, "export AWS_SECRET_ACCESS_KEY=test\n")
	fmt.Fprintf(stdout, "export AWS_REGION=%s\n", *region)
	if a := srv.DNSAddr(); a != "" {
		fmt.Fprintf(stdout, "# Route 53 zones answer DNS on %s (dig @127.0.0.1 -p PORT name)\n", a)
	}

	<-ctx.Done()
	stop()
	fmt.Fprintln(stderr, "bluegreen-sandbox: shutting down")
	return srv.Close()
}
