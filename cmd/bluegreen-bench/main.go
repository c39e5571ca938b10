// Command bluegreen-bench measures the provider's performance goals against
// the local AWS sandbox and prints one Markdown table, also written as the
// tfplugindocs guide template templates/guides/benchmarks.md.tmpl.
//
//	make bench            (scripts/bench.sh)
//	go run ./cmd/bluegreen-bench -flips 20 -requests 100000
//
// Rows:
//   - ELBv2 calls per all-at-once flip and per canary step, counted in the
//     sandbox's call log while the real engine drives the ALB listener router
//     over the SDK client (listener calls; the target-health pre-flight's
//     DescribeTargetHealth is shown separately);
//   - breach → restore time on the real clock: a check that starts failing,
//     from the first failing evaluation's timestamp to the verified restore
//     (rollback_finished), both from the Outcome's timeline;
//   - the zero-downtime scenario (package internal/testsupport/zerodowntime): requests,
//     failed requests, p50/p99 before vs during the flips;
//   - the machine: CPU count, Go version, date.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/zerodowntime"
)

type row struct{ measure, goal, measured, status string }

func main() {
	flips := flag.Int("flips", 20, "zero-downtime: blue↔green flips")
	requests := flag.Int("requests", 100000, "zero-downtime: total requests")
	conc := flag.Int("concurrency", 8, "zero-downtime: load generator workers")
	callFlips := flag.Int("call-flips", 10, "flips (and canary runs) whose ELBv2 calls are counted")
	evalInterval := flag.Duration("evaluation-interval", time.Second, "breach → restore: evaluation_interval")
	breaches := flag.Int("breaches", 3, "breach → restore: repetitions (the worst is reported)")
	tf := flag.String("terraform", "bin/terraform", "Terraform CLI for the provider rows ('' or missing = skip them)")
	switches := flag.Int("switches", 100, "provider rows: bluegreen_listener_switch resources")
	only := flag.String("only", "", "'terraform' = only the provider rows, 'blast' = only the blast-radius rows (for development)")
	blastRate := flag.Float64("blast-rate", 200, "blast radius: requests per second of the steady load")
	noBlast := flag.Bool("no-blast", false, "skip the blast-radius rows (they take about 4 minutes: CloudWatch's per-minute timing)")
	out := flag.String("out", "templates/guides/benchmarks.md.tmpl", "Markdown file to write ('' = print only)")
	flag.Parse()

	ctx := context.Background()
	var rows []row
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "bluegreen-bench:", err)
		os.Exit(2)
	}

	var tfRows []row
	if _, err := os.Stat(*tf); *tf != "" && err == nil {
		r, err := terraformRows(ctx, *tf, *switches)
		if err != nil {
			fail(fmt.Errorf("provider rows: %w", err))
		}
		tfRows = r
	} else {
		fmt.Fprintln(os.Stderr, "bluegreen-bench: no Terraform CLI at", *tf, "— skipping the provider rows (make tools)")
	}
	if *only == "terraform" {
		fmt.Print(render(tfRows))
		return
	}
	var blast []row
	if !*noBlast {
		b, err := blastRows(ctx, *blastRate)
		if err != nil {
			fail(fmt.Errorf("blast radius: %w", err))
		}
		blast = b
	}
	if *only == "blast" {
		fmt.Print(render(blast))
		return
	}

	// ELBv2 calls per flip and per canary step, and breach → restore.
	env, err := zerodowntime.NewEnv(ctx, zerodowntime.EnvOptions{})
	if err != nil {
		fail(err)
	}
	r, err := callsPerFlip(ctx, env, *callFlips)
	if err != nil {
		fail(err)
	}
	rows = append(rows, r...)
	r, err = breachToRestore(ctx, env, *evalInterval, *breaches)
	if err != nil {
		fail(err)
	}
	rows = append(rows, r...)
	env.Close()

	// Zero downtime, on a fresh environment.
	env, err = zerodowntime.NewEnv(ctx, zerodowntime.EnvOptions{})
	if err != nil {
		fail(err)
	}
	res, err := zerodowntime.Run(ctx, env, zerodowntime.Config{Flips: *flips, Requests: *requests, Concurrency: *conc})
	env.Close()
	if err != nil {
		fail(err)
	}
	fmt.Fprintln(os.Stderr, res)
	rows = append(rows, zeroDowntimeRows(res)...)

	rows = append(rows, blast...)
	rows = append(rows, tfRows...)
	rows = append(rows,
		row{"Machine: CPUs", "—", fmt.Sprintf("%d (%s/%s%s)", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, cpuModel()), ""},
		row{"Machine: Go", "—", runtime.Version(), ""},
		row{"Machine: date", "—", time.Now().UTC().Format("2006-01-02 15:04 MST"), ""},
	)

	table := render(rows)
	fmt.Print(table)
	if *out != "" {
		if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
			fail(err)
		}
		if err := os.WriteFile(*out, []byte(guide(table)), 0o644); err != nil {
			fail(err)
		}
		fmt.Fprintln(os.Stderr, "wrote", *out)
	}
	for _, r := range rows {
		if r.status == "❌" {
			os.Exit(1)
		}
	}
}

func okIf(b bool) string {
	if b {
		return "✅"
	}
	return "❌"
}

// countCalls runs f and returns the ELBv2 calls it made, by operation.
func countCalls(s *sandbox.Server, f func() error) (map[string]int, error) {
	s.ResetCalls()
	if err := f(); err != nil {
		return nil, err
	}
	n := map[string]int{}
	for _, c := range s.Calls(sandbox.CallFilter{Service: "elbv2"}) {
		n[c.Operation]++
	}
	return n, nil
}

func listenerCalls(n map[string]int) int { return n["DescribeListeners"] + n["ModifyListener"] }

// callsPerFlip flips blue↔green k times all at once, then runs k canary
// shifts (10%, 50%, 100%), counting the sandbox's ELBv2 calls.
func callsPerFlip(ctx context.Context, env *zerodowntime.Env, k int) ([]row, error) {
	k = max(k, 1)
	run := func(s rollout.Strategy, from, to rollout.Color) (map[string]int, int, error) {
		steps := 0
		n, err := countCalls(env.Sandbox, func() error {
			rc, err := env.FlipConfig(s, from, to, 0)
			if err != nil {
				return err
			}
			out := rollout.Run(ctx, rc)
			if !out.Succeeded() {
				return fmt.Errorf("%s %s→%s: %s", s.Type, from, to, out.Summary())
			}
			steps = out.StepsCompleted
			return nil
		})
		return n, steps, err
	}
	var flipListener, flipAll int
	from, to := rollout.Blue, rollout.Green
	for range 2 * k { // even: ends on blue
		n, _, err := run(rollout.Strategy{Type: rollout.StrategyAllAtOnce}, from, to)
		if err != nil {
			return nil, err
		}
		flipListener += listenerCalls(n)
		for _, v := range n {
			flipAll += v
		}
		from, to = to, from
	}
	var canListener, canAll, canSteps int
	canary := rollout.Strategy{Type: rollout.StrategyCanary, Steps: []int{10, 50}, StepInterval: 20 * time.Millisecond}
	from, to = rollout.Blue, rollout.Green
	for range 2 * k {
		n, steps, err := run(canary, from, to)
		if err != nil {
			return nil, err
		}
		canListener += listenerCalls(n)
		for _, v := range n {
			canAll += v
		}
		canSteps += steps
		from, to = to, from
	}
	perFlip := float64(flipListener) / float64(2*k)
	perStep := float64(canListener) / float64(canSteps)
	return []row{
		{"ELBv2 calls per all-at-once flip (DescribeListeners + ModifyListener)", "≤ 3",
			fmt.Sprintf("%.1f (+%.1f DescribeTargetHealth for the pre-flight; %d flips)", perFlip, float64(flipAll-flipListener)/float64(2*k), 2*k),
			okIf(perFlip <= 3)},
		{"ELBv2 calls per canary step (10% → 50% → 100%)", "≤ 3",
			fmt.Sprintf("%.1f (%d steps in %d shifts; +%.1f DescribeTargetHealth per shift)", perStep, canSteps, 2*k, float64(canAll-canListener)/float64(2*k)),
			okIf(perStep <= 3)},
	}, nil
}

// breachCheck passes until its nth evaluation, then fails.
type breachCheck struct {
	n     atomic.Int32
	after int32
}

func (c *breachCheck) Name() string { return "bench.breach" }
func (c *breachCheck) Evaluate(context.Context) []checks.Result {
	v := checks.Pass
	if c.n.Add(1) > c.after {
		v = checks.Fail
	}
	return []checks.Result{{Check: "bench.breach", Verdict: v, Threshold: "pass", Detail: "synthetic breach", At: time.Now()}}
}

// breachToRestore runs a canary whose check starts failing at its second
// evaluation; the engine rolls back after FailureThreshold (2) failures.
func breachToRestore(ctx context.Context, env *zerodowntime.Env, interval time.Duration, reps int) ([]row, error) {
	reps = max(reps, 1)
	var worst, total time.Duration
	for range reps {
		rc, err := env.FlipConfig(rollout.Strategy{Type: rollout.StrategyCanary, Steps: []int{10, 50}, StepInterval: time.Minute},
			rollout.Blue, rollout.Green, 0, &breachCheck{after: 1})
		if err != nil {
			return nil, err
		}
		rc.EvaluationInterval = interval
		out := rollout.Run(ctx, rc)
		if out.Result != rollout.ResultRolledBack {
			return nil, fmt.Errorf("breach run: %s", out.Summary())
		}
		var firstFail, restored time.Time
		for _, e := range out.Timeline {
			switch e.Type {
			case rollout.EventEvaluation:
				for _, r := range e.Results {
					if r.Verdict == checks.Fail && firstFail.IsZero() {
						firstFail = e.At
					}
				}
			case rollout.EventRollbackFinished:
				restored = e.At
			}
		}
		if firstFail.IsZero() || restored.IsZero() {
			return nil, fmt.Errorf("breach run: no failing evaluation or no verified restore in the timeline: %s", out.Summary())
		}
		d := restored.Sub(firstFail)
		total += d
		worst = max(worst, d)
	}
	goal := interval + time.Second
	return []row{{
		fmt.Sprintf("Breach → restore, real clock (evaluation_interval %v, failure_threshold 2): first failing evaluation → verified restore", interval),
		"≤ " + goal.String(),
		fmt.Sprintf("worst %v, mean %v (%d runs)", worst.Round(time.Millisecond), (total / time.Duration(reps)).Round(time.Millisecond), reps),
		okIf(worst <= goal),
	}}, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func zeroDowntimeRows(res zerodowntime.Result) []row {
	var flipTotal time.Duration
	for _, f := range res.Flips {
		flipTotal += f.Duration
	}
	rep := res.Report
	return []row{
		{"Zero downtime: requests through the sandbox ALB while flipping", "≥ 100 000 across 20 flips",
			fmt.Sprintf("%d across %d %s flips in %v (%.0f req/s, concurrency %d)", rep.Requests, len(res.Flips), res.Config.Strategy.Type,
				rep.Elapsed.Round(time.Millisecond), float64(rep.Requests)/rep.Elapsed.Seconds(), res.Config.Concurrency),
			okIf(rep.Requests >= 100000 && len(res.Flips) >= 20)},
		{"Zero downtime: failed requests (transport errors + 5xx)", "0", fmt.Sprintf("%d (of %d; %d during flips)", rep.Failures, rep.Requests, res.During.Failures), okIf(rep.Failures == 0)},
		{"Latency p50 / p99, steady (before the first flip)", "—", fmt.Sprintf("%s / %s (%d requests)", ms(res.Steady.P50), ms(res.Steady.P99), res.Steady.Requests), ""},
		{"Latency p50 / p99, during the flips", "—", fmt.Sprintf("%s / %s (%d requests)", ms(res.During.P50), ms(res.During.P99), res.During.Requests), ""},
		{"Mean flip duration (pre-flight, read, write, verify)", "—", ms(flipTotal / time.Duration(max(len(res.Flips), 1))), ""},
	}
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return ", " + strings.TrimSpace(v)
		}
	}
	return ""
}

func render(rows []row) string {
	var b strings.Builder
	b.WriteString("| Measure | Goal | Measured | |\n|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", r.measure, r.goal, r.measured, r.status)
	}
	return b.String()
}

func guide(table string) string {
	return `---
page_title: "Benchmarks"
subcategory: "Reliability"
description: |-
  Measured API calls per flip, breach-to-restore time and zero-downtime figures against the local AWS sandbox.
---

# Benchmarks

Measured against the local AWS sandbox (internal/sandbox) with its data plane: the rollout engine drives the
ALB listener router through the AWS SDK, demo apps serve as blue and green targets, and a load generator sends
real HTTP requests through the sandbox's listener while traffic flips. Generated by
` + "`cmd/bluegreen-bench`" + `; do not edit by hand.

To reproduce: ` + "`make bench`" + `

**Blast radius** rows: a canary (10 → 50 → 100 %, failure_threshold 2) to a green release that answers 500 to
every request (a, b) or resets every connection (c: the load balancer answers 502, no target 5xx exists), under a steady load of real requests through the sandbox ALB; of the requests sent between the first
weight write and the verified restore, the share that failed. The CloudWatch row uses AWS's timing (ALB
metrics per minute, published a minute after the minute ends — see the metrics-timing guide): the check cannot
judge a minute before it is published, so a bad canary keeps receiving its share for about two minutes. The
http check watches the green targets directly and restores within two evaluations. Row (c) is invisible to a
check that counts only target 5xx; see the "What the metrics check counts" guide.

` + table
}
