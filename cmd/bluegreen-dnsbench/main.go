// Command bluegreen-dnsbench measures Route 53 weighted-DNS switching through
// the sandbox's DNS server (package internal/testsupport/dnsbench) and prints
// Markdown rows:
//
//	go run ./cmd/bluegreen-dnsbench -change-delay 10s -flips 5
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/dnsbench"
)

func main() {
	delay := flag.Duration("change-delay", 10*time.Second, "sandbox Route 53 PENDING time (AWS documents up to 60s; times scale with it)")
	flips := flag.Int("flips", 5, "all-at-once flips to time")
	window := flag.Int("window", 200, "consecutive answers that must be ≥ 99% new")
	samples := flag.Int("samples", 2000, "resolutions per canary step")
	poll := flag.Duration("poll", 0, "GetChange poll interval (0: the router's default, 5s)")
	percents := flag.String("percents", "1,10,25,50", "canary steps (percent to green)")
	engine := flag.Int("engine-shifts", 2, "canary shifts run through the rollout engine to count calls per step")
	out := flag.String("out", "", "also write the rows as the DNS section of this page template (e.g. templates/guides/benchmarks.md.tmpl)")
	flag.Parse()
	var ps []int
	for _, f := range strings.Split(*percents, ",") {
		p, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			fmt.Fprintln(os.Stderr, "bluegreen-dnsbench: -percents:", err)
			os.Exit(2)
		}
		ps = append(ps, p)
	}
	os.Setenv("AWS_ACCESS_KEY_ID", "test")
	os.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	rep, err := dnsbench.Run(context.Background(), dnsbench.Options{ChangeDelay: *delay, Flips: *flips, Window: *window, Samples: *samples, Percents: ps, PollInterval: *poll, EngineShifts: *engine})
	if err != nil {
		fmt.Fprintln(os.Stderr, "bluegreen-dnsbench:", err)
		os.Exit(1)
	}
	fmt.Print(rep.Markdown())
	if *out != "" {
		if err := rep.WriteSection(*out); err != nil {
			fmt.Fprintln(os.Stderr, "bluegreen-dnsbench:", err)
			os.Exit(1)
		}
	}
}
