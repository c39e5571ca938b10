package cloudwatchmetrics

import (
	"time"
)

// # When ALB metrics can be judged
//
// Elastic Load Balancing "measures and sends its metrics in 60-second
// intervals", and only when requests flow ("CloudWatch metrics for your
// Application Load Balancer", Elastic Load Balancing User Guide). CloudWatch
// then makes each minute readable some time after the minute ends: AWS gives
// no figure for ALB; integrators that read these metrics report about two
// minutes from the minute's timestamp (Datadog, "Cloud Metric Delay": 1-minute
// CloudWatch metrics have an availability delay of about 2 minutes), and that
// the most recent minute is "incomplete and volatile" until then (Netflix
// Atlas, pull request 1300: "increase delay for alb cloudwatch metrics to
// avoid partial data", offset raised to 2 minutes). See
// docs/guides/metrics-timing.md.
//
// The check therefore only judges whole minutes that are at least
// PublicationDelay past their end: at 12:03:20 with the default 1m delay the
// newest minute it reads is 12:01–12:02. The minute in progress and the
// minute that has just ended are never read — reading them is what made the
// check see "no requests" on AWS at every evaluation.

// Period is the resolution of ALB metrics in CloudWatch: one datapoint per
// metric and minute.
const Period = time.Minute

// DefaultPublicationDelay is how long after a minute ends the check assumes
// CloudWatch has all of that minute's ALB datapoints (see above).
const DefaultPublicationDelay = time.Minute

// PublishedThrough is the end of the newest whole minute whose ALB metrics are
// complete at now, when each minute is complete delay after it ends.
func PublishedThrough(now time.Time, delay time.Duration) time.Time {
	return now.Add(-delay).Truncate(Period)
}

// JudgementLag is the worst time from a change in traffic (a weight shift)
// until the check can judge a window of traffic made entirely after it, with
// the default publication delay: up to one minute until the next minute
// begins, the window itself (rounded up to whole minutes), then the
// publication delay. For the default 1m window that is 3 minutes. An engine
// evaluating every interval adds up to one interval on top. A hold shorter
// than this ends before the metrics can say anything about its traffic.
func JudgementLag(window time.Duration) time.Duration {
	return lag(roundWindow(window), DefaultPublicationDelay)
}

// JudgementLag is JudgementLag for this check's window and publication delay.
func (c *Check) JudgementLag() time.Duration { return lag(c.round, c.delay) }

func lag(window, delay time.Duration) time.Duration { return Period + window + delay }

// roundWindow rounds a window up to whole minutes (0 means DefaultWindow).
func roundWindow(w time.Duration) time.Duration {
	if w <= 0 {
		w = DefaultWindow
	}
	r := w.Truncate(Period)
	if r < w {
		r += Period
	}
	return r
}

// ceilMinute rounds t up to the minute.
func ceilMinute(t time.Time) time.Time {
	if m := t.Truncate(Period); !m.Equal(t) {
		return m.Add(Period)
	}
	return t
}

func clockOf(t time.Time) string { return t.UTC().Format("15:04") }
