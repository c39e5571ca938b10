package rollout

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
)

// Evaluate runs one round of checks: every check once, concurrently (they are
// independent; a round then takes as long as its slowest check, not the sum),
// each bounded by timeout on clk (DefaultEvaluationTimeout when timeout <= 0,
// the real clock when clk is nil). It returns the results in check order,
// normalised: a check that returns no result yields an Error result (silence
// is never a pass), a result without a check name gets the check's name, one
// without a time gets clk's now, and an unknown verdict becomes Error.
//
// It is the one evaluation of checks: the engine's pre-flight and holds, the
// health gate (WaitForGate) and the provider's one-off pre-flights before a
// first write all call it, and judge its results with checks.FirstNotPassing.
func Evaluate(ctx context.Context, clk Clock, timeout time.Duration, cs []Check) []checks.Result {
	if clk == nil {
		clk = clock.Real{}
	}
	if timeout <= 0 {
		timeout = DefaultEvaluationTimeout
	}
	per := make([][]checks.Result, len(cs))
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ectx, cancel := clock.WithTimeout(ctx, clk, timeout)
			defer cancel()
			per[i] = c.Evaluate(ectx)
		}()
	}
	wg.Wait()
	var out []checks.Result
	for i, c := range cs {
		rs := per[i]
		if len(rs) == 0 {
			rs = []checks.Result{{Check: c.Name(), Verdict: checks.Error, Detail: "check returned no results"}}
		}
		for _, res := range rs {
			if res.Check == "" {
				res.Check = c.Name()
			}
			if res.At.IsZero() {
				res.At = clk.Now()
			}
			switch res.Verdict {
			case checks.Pass, checks.Fail, checks.Inconclusive, checks.Error, checks.Pending:
			default:
				res.Detail = fmt.Sprintf("unknown verdict %q: %s", res.Verdict, res.Detail)
				res.Verdict = checks.Error
			}
			out = append(out, res)
		}
	}
	return out
}
