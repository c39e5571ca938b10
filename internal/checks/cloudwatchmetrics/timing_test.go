package cloudwatchmetrics

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
)

// publishingCW is CloudWatch as ALB feeds it: one datapoint per metric and
// minute, readable only once the minute has ended and delay has passed (on
// the fake clock). Queries sum (or, for p99, take the largest of) the
// readable minutes in [StartTime, EndTime).
type publishingCW struct {
	clk   *clock.Fake
	delay time.Duration

	mu      sync.Mutex
	minutes map[string]map[time.Time]float64 // "tg metric" -> minute -> value
}

func newPublishingCW(clk *clock.Fake, delay time.Duration) *publishingCW {
	return &publishingCW{clk: clk, delay: delay, minutes: map[string]map[time.Time]float64{}}
}

// traffic records one minute of a target group's traffic (as ALB would
// aggregate it): requests, 5xx answers and a p99 latency in seconds.
func (f *publishingCW) traffic(tg string, minute time.Time, requests, errors5xx, p99 float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	put := func(metric string, v float64) {
		k := tg + " " + metric
		if f.minutes[k] == nil {
			f.minutes[k] = map[time.Time]float64{}
		}
		f.minutes[k][minute] = v
	}
	put(MetricRequestCount, requests)
	if errors5xx > 0 { // ALB publishes no 5xx datapoint for a minute without any
		put(MetricTarget5XX, errors5xx)
	}
	put(MetricResponseTime, p99)
}

func (f *publishingCW) GetMetricData(_ context.Context, in *cloudwatch.GetMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.clk.Now()
	out := &cloudwatch.GetMetricDataOutput{}
	for _, q := range in.MetricDataQueries {
		k := dimensions(q)["TargetGroup"] + " " + aws.ToString(q.MetricStat.Metric.MetricName)
		var vals []float64
		for m, v := range f.minutes[k] {
			if m.Before(*in.StartTime) || !m.Before(*in.EndTime) || now.Before(m.Add(Period+f.delay)) {
				continue
			}
			switch {
			case len(vals) == 0:
				vals = []float64{v}
			case aws.ToString(q.MetricStat.Stat) == "p99":
				vals[0] = max(vals[0], v)
			default:
				vals[0] += v
			}
		}
		out.MetricDataResults = append(out.MetricDataResults, types.MetricDataResult{Id: q.Id, Values: vals, StatusCode: types.StatusCodeComplete})
	}
	return out, nil
}

// start is minute-aligned, so every expectation below is exact.
var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type verdictAt struct {
	at time.Time
	r  checks.Result
}

// evaluateEvery evaluates c every interval from the clock's time for d,
// moving the fake clock, and returns the first result of every evaluation.
func evaluateEvery(clk *clock.Fake, c *Check, interval, d time.Duration) []verdictAt {
	var out []verdictAt
	for end := clk.Now().Add(d); !clk.Now().After(end); clk.Advance(interval) {
		out = append(out, verdictAt{clk.Now(), c.Evaluate(context.Background())[0]})
	}
	return out
}

func newTimedCheck(t *testing.T, cw GetMetricDataAPI, clk *clock.Fake) *Check {
	t.Helper()
	c, err := New(cw, Config{LoadBalancer: lbARN, TargetGroup: tgARN, Max5xxRate: rate(0.05), MinRequests: 10, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A healthy canary on AWS: green gets 100 requests a minute from 12:00. The
// check says "pending" — never inconclusive, never fail — until the minute
// 12:00–12:01 is published at 12:02, then passes.
func TestEvaluate_pendingUntilPublishedThenJudged(t *testing.T) {
	for _, tc := range []struct {
		name    string
		errors  float64
		verdict checks.Verdict
	}{
		{"healthy passes", 0, checks.Pass},
		{"bad fails", 30, checks.Fail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := clock.NewFake(start)
			cw := newPublishingCW(clk, DefaultPublicationDelay)
			for m := start; m.Before(start.Add(10 * time.Minute)); m = m.Add(Period) {
				cw.traffic(tgSuffix, m, 100, tc.errors, 0.05)
			}
			c := newTimedCheck(t, cw, clk)
			got := evaluateEvery(clk, c, 15*time.Second, 4*time.Minute)
			firstJudged := start.Add(2 * time.Minute)
			for _, v := range got {
				want := tc.verdict
				if v.at.Before(firstJudged) {
					want = checks.Pending
				}
				if v.r.Verdict != want {
					t.Fatalf("at %s: %s, want %s", clockOf(v.at)+v.at.Format(":05"), v.r, want)
				}
			}
			if d := got[0].r.Detail; !strings.Contains(d, "not yet: no requests over 1m0s ending 11:59 UTC") || !strings.Contains(d, "judged from 12:02:00 UTC") {
				t.Fatalf("pending detail %q", d)
			}
			if d := got[len(got)-1].r.Detail; !strings.Contains(d, "(100 requests)") && !strings.Contains(d, "/100 requests)") {
				t.Fatalf("judged detail %q: want exactly one published minute of 100 requests", d)
			}
			if c.JudgementLag() != 3*time.Minute || JudgementLag(time.Minute) != 3*time.Minute {
				t.Fatalf("JudgementLag = %s / %s, want 3m", c.JudgementLag(), JudgementLag(time.Minute))
			}
		})
	}
}

// The same healthy canary judged the way the check did before: it reads the
// minute in progress, which CloudWatch has not published, so every
// evaluation is "no requests" — inconclusive, which an engine counts as a
// failure past its tolerance: a healthy release rolled back.
func TestEvaluate_currentMinuteNeverSeesPublishedData(t *testing.T) {
	clk := clock.NewFake(start)
	cw := newPublishingCW(clk, DefaultPublicationDelay)
	for m := start; m.Before(start.Add(10 * time.Minute)); m = m.Add(Period) {
		cw.traffic(tgSuffix, m, 100, 0, 0.05)
	}
	c := newTimedCheck(t, cw, clk)
	c.currentMinute = true
	for _, v := range evaluateEvery(clk, c, 15*time.Second, 4*time.Minute) {
		if v.r.Verdict != checks.Inconclusive || !strings.Contains(v.r.Detail, "no requests") {
			t.Fatalf("at %s: %s, want inconclusive with no requests", v.at.Format(time.TimeOnly), v.r)
		}
	}
}

// Once settled, a target group without traffic is inconclusive again (the
// canary proves nothing), not pending forever.
func TestEvaluate_noTrafficAfterSettlingIsInconclusive(t *testing.T) {
	clk := clock.NewFake(start)
	cw := newPublishingCW(clk, DefaultPublicationDelay)
	c := newTimedCheck(t, cw, clk)
	got := evaluateEvery(clk, c, 30*time.Second, 3*time.Minute)
	for _, v := range got {
		want := checks.Pending
		if !v.at.Before(start.Add(2 * time.Minute)) {
			want = checks.Inconclusive
		}
		if v.r.Verdict != want {
			t.Fatalf("at %s: %s, want %s", v.at.Format(time.TimeOnly), v.r, want)
		}
	}
}

// Traffic that starts mid-minute: the partial minute is judged as soon as it
// is published if it holds enough requests (a bad canary is caught early);
// if it is too thin, the check stays pending until the first whole minute
// is published. The worst case is JudgementLag.
func TestEvaluate_midMinuteShift(t *testing.T) {
	shift := start.Add(50 * time.Second)
	clk := clock.NewFake(shift)
	cw := newPublishingCW(clk, DefaultPublicationDelay)
	cw.traffic(tgSuffix, start, 3, 0, 0.05) // 10 s of traffic in 12:00–12:01
	for m := start.Add(Period); m.Before(start.Add(10 * time.Minute)); m = m.Add(Period) {
		cw.traffic(tgSuffix, m, 100, 0, 0.05)
	}
	c := newTimedCheck(t, cw, clk)
	var first *verdictAt
	for _, v := range evaluateEvery(clk, c, 10*time.Second, 5*time.Minute) {
		if v.r.Verdict == checks.Pending {
			continue
		}
		if v.r.Verdict != checks.Pass {
			t.Fatalf("at %s: %s, want pending then pass", v.at.Format(time.TimeOnly), v.r)
		}
		if first == nil {
			first = &v
		}
	}
	// The first whole minute after 12:00:50 is 12:01–12:02, published 12:03.
	if first == nil || !first.at.Equal(start.Add(3*time.Minute)) {
		t.Fatalf("first judgement %v, want at 12:03:00", first)
	}
	if lag := first.at.Sub(shift); lag > JudgementLag(time.Minute) {
		t.Fatalf("judged %s after the shift, more than JudgementLag %s", lag, JudgementLag(time.Minute))
	}
}

func TestPublishedThroughAndLag(t *testing.T) {
	cases := []struct {
		now  time.Time
		want time.Time
	}{
		{at("12:02:00"), at("12:01:00")},
		{at("12:01:59"), at("12:00:00")},
		{at("12:03:20"), at("12:02:00")},
	}
	for _, tc := range cases {
		if got := PublishedThrough(tc.now, time.Minute); !got.Equal(tc.want) {
			t.Errorf("PublishedThrough(%s) = %s, want %s", tc.now.Format(time.TimeOnly), got.Format(time.TimeOnly), tc.want.Format(time.TimeOnly))
		}
	}
	for w, want := range map[time.Duration]time.Duration{time.Minute: 3 * time.Minute, 90 * time.Second: 4 * time.Minute, 5 * time.Minute: 7 * time.Minute, 0: 3 * time.Minute} {
		if got := JudgementLag(w); got != want {
			t.Errorf("JudgementLag(%s) = %s, want %s", w, got, want)
		}
	}
	if _, err := New(&fakeCW{}, Config{LoadBalancer: lbARN, TargetGroup: tgARN, Max5xxRate: rate(0.1), PublicationDelay: -time.Second}); err == nil {
		t.Fatal("a negative publication delay must be refused")
	}
}
