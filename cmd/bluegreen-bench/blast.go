package main

// Blast radius of a bad release: real requests through the sandbox ALB while
// the engine canaries a release that fails, until the verified restore. What
// users care about is the share of their requests that failed because of the
// release, and how long it took from the first failed request to the restore.

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/cloudwatchmetrics"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/httpcheck"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/demoapp"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/loadgen"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/zerodowntime"
)

// blastScenario is one way of watching a bad release.
type blastScenario struct {
	name string
	// breakGreen makes the release bad (on every green target).
	breakGreen func(a *demoapp.App)
	// checks builds the rollback checks once the environment is up.
	checks func(env *zerodowntime.Env) ([]rollout.Check, error)
	// interval is the engine's evaluation_interval.
	interval time.Duration
	// step is how long each canary step holds (long enough for the check
	// to see the release at the first step).
	step time.Duration
	// setup adjusts the sandbox (e.g. metrics timing) before the run.
	setup func(env *zerodowntime.Env) error
}

type blastResult struct {
	window, failed      int
	firstFailToRestore  time.Duration
	firstWriteToRestore time.Duration
	rolledBackAt        string
}

// blastRadius runs one scenario: a canary 10 → 50 → 100 % to a bad green
// under steady load (rate req/s), and measures the requests from the first
// weight write to the verified restore.
func blastRadius(ctx context.Context, sc blastScenario, rate float64) (blastResult, error) {
	env, err := zerodowntime.NewEnv(ctx, zerodowntime.EnvOptions{})
	if err != nil {
		return blastResult{}, err
	}
	defer env.Close()
	if sc.setup != nil {
		if err := sc.setup(env); err != nil {
			return blastResult{}, err
		}
	}
	cks, err := sc.checks(env)
	if err != nil {
		return blastResult{}, err
	}
	rc, err := env.FlipConfig(rollout.Strategy{Type: rollout.StrategyCanary, Steps: []int{10, 50}, StepInterval: sc.step},
		rollout.Blue, rollout.Green, 0, cks...)
	if err != nil {
		return blastResult{}, err
	}
	rc.EvaluationInterval = sc.interval
	rc.FailureThreshold = 2
	// The release goes bad once its targets are healthy: the pre-flight
	// passes (as it does for a release whose health endpoint still answers).
	for _, a := range env.Apps[rollout.Green] {
		sc.breakGreen(a.App)
	}

	lctx, stop := context.WithCancel(ctx)
	type lg struct {
		rep loadgen.Report
		err error
	}
	done := make(chan lg, 1)
	go func() {
		rep, err := loadgen.Run(lctx, loadgen.Config{URL: env.URL, Rate: rate, Concurrency: 8, Duration: time.Hour,
			RequestTimeout: 5 * time.Second})
		done <- lg{rep, err}
	}()
	time.Sleep(time.Second) // steady load before the shift starts
	out := rollout.Run(ctx, rc)
	time.Sleep(time.Second) // and after the restore
	stop()
	res := <-done
	if res.err != nil && ctx.Err() == nil && len(res.rep.Samples) == 0 {
		return blastResult{}, res.err
	}
	if out.Result != rollout.ResultRolledBack {
		return blastResult{}, fmt.Errorf("%s: the bad release was not rolled back: %s", sc.name, out.Summary())
	}
	var firstWrite, restored time.Time
	var at string
	for _, e := range out.Timeline {
		switch e.Type {
		case rollout.EventWeightsWritten:
			if firstWrite.IsZero() {
				firstWrite = e.At
			}
		case rollout.EventStepStarted:
			at = fmt.Sprintf("step %d/%d, %d %%", e.Step, e.StepsTotal, e.Percent)
		case rollout.EventRollbackFinished:
			restored = e.At
		}
	}
	if firstWrite.IsZero() || restored.IsZero() {
		return blastResult{}, fmt.Errorf("%s: no write or no verified restore in the timeline: %s", sc.name, out.Summary())
	}
	r := blastResult{rolledBackAt: at, firstWriteToRestore: restored.Sub(firstWrite)}
	var firstFail time.Time
	for _, s := range res.rep.Samples {
		t := res.rep.Start.Add(s.Offset)
		if t.Before(firstWrite) || t.After(restored) {
			continue
		}
		r.window++
		if !s.OK() {
			r.failed++
			if firstFail.IsZero() || t.Before(firstFail) {
				firstFail = t
			}
		}
	}
	if !firstFail.IsZero() {
		r.firstFailToRestore = restored.Sub(firstFail)
	}
	return r, nil
}

func blastScenarios() []blastScenario {
	fail := func(a *demoapp.App) {
		b := a.Behaviour()
		b.FailPercent = 100
		a.SetBehaviour(b)
	}
	return []blastScenario{
		{
			name:       "(a) http check of the green targets, evaluation_interval 1s",
			breakGreen: fail, interval: time.Second, step: time.Minute,
			checks: func(env *zerodowntime.Env) ([]rollout.Check, error) {
				c, err := httpcheck.New(httpcheck.Config{Name: "green", URL: env.Apps[rollout.Green][0].URL() + "/"})
				return []rollout.Check{c}, err
			},
		},
		{
			name:       "(b) CloudWatch metrics (target 5xx rate ≤ 1 %), per minute, published a minute late as on AWS",
			breakGreen: fail, interval: 10 * time.Second, step: 5 * time.Minute,
			checks: func(env *zerodowntime.Env) ([]rollout.Check, error) {
				maxRate := 0.01
				c, err := cloudwatchmetrics.New(env.CloudWatch, cloudwatchmetrics.Config{
					LoadBalancer: env.LoadBalancer, TargetGroup: env.Green, Max5xxRate: &maxRate, MinRequests: 10})
				return []rollout.Check{c}, err
			},
		},
		{
			name: "(c) a release that resets every connection: only ELB 502s, caught by CloudWatch metrics with count_elb_5xx",
			breakGreen: func(a *demoapp.App) {
				b := a.Behaviour()
				b.ResetPercent = 100
				a.SetBehaviour(b)
			},
			interval: 10 * time.Second, step: 5 * time.Minute,
			checks: func(env *zerodowntime.Env) ([]rollout.Check, error) {
				maxRate := 0.01
				c, err := cloudwatchmetrics.New(env.CloudWatch, cloudwatchmetrics.Config{
					LoadBalancer: env.LoadBalancer, TargetGroup: env.Green, Max5xxRate: &maxRate, MinRequests: 10,
					CountLoadBalancerELB5xx: true})
				return []rollout.Check{c}, err
			},
		},
	}
}

// blastRows measures every scenario.
func blastRows(ctx context.Context, rate float64) ([]row, error) {
	var rows []row
	for _, sc := range blastScenarios() {
		fmt.Fprintln(os.Stderr, "blast radius:", sc.name)
		r, err := blastRadius(ctx, sc, rate)
		if err != nil {
			return nil, err
		}
		share := 0.0
		if r.window > 0 {
			share = 100 * float64(r.failed) / float64(r.window)
		}
		rows = append(rows, row{
			"Blast radius of a bad release (canary 10 → 50 → 100 %), " + sc.name,
			"—",
			fmt.Sprintf("%.2f %% of %d requests failed from the first write to the verified restore (rolled back at %s); "+
				"first failed request → restore %v; first write → restore %v",
				share, r.window, r.rolledBackAt, r.firstFailToRestore.Round(time.Millisecond), r.firstWriteToRestore.Round(time.Millisecond)),
			"",
		})
	}
	return rows, nil
}
