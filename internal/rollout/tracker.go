package rollout

import (
	"fmt"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
)

// tracker keeps the consecutive counts per result key (Result.Check) across
// the whole run — step boundaries do not reset them. See doc.go for the table.
type tracker struct {
	failureThreshold  int
	inconclusiveLimit int
	errorLimit        int
	streaks           map[string]*streak
}

type streak struct {
	failed       int // evaluations counted as failed since the last pass
	inconclusive int // consecutive inconclusive
	errored      int // consecutive error
}

// trip describes why the threshold was reached.
type trip struct {
	result checks.Result
	failed int
	streak int // consecutive count of result's own verdict
	limit  int // the tolerance that was exceeded (inconclusive / error)
}

func newTracker(failureThreshold, inconclusiveLimit, errorLimit int) *tracker {
	return &tracker{
		failureThreshold:  failureThreshold,
		inconclusiveLimit: inconclusiveLimit,
		errorLimit:        errorLimit,
		streaks:           map[string]*streak{},
	}
}

// observe records one evaluation round and returns the first result (in
// order) whose failed count reached the threshold, or nil.
func (t *tracker) observe(results []checks.Result) *trip {
	var first *trip
	for _, r := range results {
		s := t.streaks[r.Check]
		if s == nil {
			s = &streak{}
			t.streaks[r.Check] = s
		}
		own := 0
		limit := 0
		switch r.Verdict {
		case checks.Pending:
			// "Not yet": the data that will judge it is not published
			// (CloudWatch publishes a minute after it ends). It leaves
			// every count as it was and can never trip a rollback.
			continue
		case checks.Pass:
			*s = streak{}
		case checks.Fail:
			s.failed++
			s.inconclusive, s.errored = 0, 0
			own = s.failed
		case checks.Inconclusive:
			s.errored = 0
			s.inconclusive++
			if s.inconclusive > t.inconclusiveLimit {
				s.failed++
			}
			own, limit = s.inconclusive, t.inconclusiveLimit
		default: // checks.Error, or a verdict we do not know: fail closed
			s.errored++
			if s.errored > t.errorLimit {
				s.failed++
			}
			own, limit = s.errored, t.errorLimit
		}
		if first == nil && r.Verdict != checks.Pass && s.failed >= t.failureThreshold {
			first = &trip{result: r, failed: s.failed, streak: own, limit: limit}
		}
	}
	return first
}

// describe renders the trip for Outcome.Reason (without the step part).
func (tr *trip) describe() string {
	r := tr.result
	var what string
	switch r.Verdict {
	case checks.Fail:
		what = fmt.Sprintf("check %s failed %d consecutive evaluation%s", r.Check, tr.failed, plural(tr.failed))
	case checks.Inconclusive:
		what = fmt.Sprintf("check %s was inconclusive %d consecutive evaluation%s (tolerates %d)", r.Check, tr.streak, plural(tr.streak), tr.limit)
	default:
		what = fmt.Sprintf("check %s could not be evaluated %d consecutive time%s (tolerates %d)", r.Check, tr.streak, plural(tr.streak), tr.limit)
	}
	return what
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
