// Command zerodowntime runs the full zero-downtime scenario (package
// internal/testsupport/zerodowntime): the sandbox with its data plane, demo apps, and
// the load generator against the listener while the engine flips
// blue↔green. It exits 1 when any request failed.
//
//	go run ./cmd/zerodowntime -flips 20 -requests 100000
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/zerodowntime"
)

func main() {
	flips := flag.Int("flips", 20, "blue↔green flips")
	requests := flag.Int("requests", 100000, "total requests")
	conc := flag.Int("concurrency", 8, "load generator workers (keep-alive connections)")
	rate := flag.Float64("rate", 0, "requests per second (0 = as fast as concurrency allows)")
	strategy := flag.String("strategy", "all_at_once", "all_at_once or canary (10%, 50%, 100%; -step-interval each)")
	stepInterval := flag.Duration("step-interval", 200*time.Millisecond, "canary step hold")
	flag.Parse()

	s := rollout.Strategy{Type: *strategy}
	if *strategy == rollout.StrategyCanary {
		s.Steps, s.StepInterval = []int{10, 50}, *stepInterval
	}
	ctx := context.Background()
	env, err := zerodowntime.NewEnv(ctx, zerodowntime.EnvOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "zerodowntime:", err)
		os.Exit(2)
	}
	defer env.Close()
	res, err := zerodowntime.Run(ctx, env, zerodowntime.Config{Flips: *flips, Requests: *requests, Concurrency: *conc, Rate: *rate, Strategy: s})
	fmt.Println(res)
	if err != nil {
		fmt.Fprintln(os.Stderr, "zerodowntime:", err)
		env.Close()
		os.Exit(2)
	}
	if res.Report.Failures > 0 {
		fmt.Fprintf(os.Stderr, "zerodowntime: %d failed requests; first errors: %v\n", res.Report.Failures, res.Report.Errors)
		env.Close()
		os.Exit(1)
	}
}
