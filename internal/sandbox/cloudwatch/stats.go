package cloudwatch

import (
	"math"
	"regexp"
	"sort"
	"strconv"
)

// wpt is a raw metric value with its weight (its count: 1 for Value, the
// matching Counts entry for Values, SampleCount for an exact statistic set).
type wpt struct{ v, w float64 }

// percentile returns the p-th percentile (0 <= p <= 100) of the weighted
// values using the nearest-rank method: the smallest value v such that the
// total weight of values <= v is at least p% of the total weight. p == 0
// yields the minimum. Points with weight <= 0 are ignored; ok is false when
// no point remains. The result is always one of the input values.
//
// Example: the values 1..100 (each once) have p50 = 50, p90 = 90, p99 = 99,
// p99.5 = 100 and p100 = 100.
func percentile(pts []wpt, p float64) (v float64, ok bool) {
	s := make([]wpt, 0, len(pts))
	total := 0.0
	for _, x := range pts {
		if x.w > 0 {
			s = append(s, x)
			total += x.w
		}
	}
	if len(s) == 0 {
		return 0, false
	}
	sort.Slice(s, func(i, j int) bool { return s[i].v < s[j].v })
	if p <= 0 {
		return s[0].v, true
	}
	// p*total/100 rather than p/100*total keeps integral ranks exact
	// (e.g. 99*100/100 == 99); the tolerance absorbs rounding of
	// fractional percentiles and counts.
	target := p * total / 100
	cum := 0.0
	for _, x := range s {
		cum += x.w
		if cum >= target*(1-1e-12) {
			return x.v, true
		}
	}
	return s[len(s)-1].v, true
}

// statSet is a PutMetricData StatisticValues entry.
type statSet struct{ n, sum, min, max float64 }

// agg accumulates the samples of one period.
type agg struct {
	n, sum, min, max float64
	pts              []wpt
	noPct            bool // percentiles unavailable for this period
	empty            bool
}

func newAgg() *agg { return &agg{min: math.Inf(1), max: math.Inf(-1), empty: true} }

func (a *agg) addValue(v, w float64) {
	if w <= 0 {
		return
	}
	a.empty = false
	a.n += w
	a.sum += v * w
	a.min = math.Min(a.min, v)
	a.max = math.Max(a.max, v)
	if v < 0 {
		// "Percentile statistics are not available for metrics when any of
		// the metric values are negative numbers."
		a.noPct = true
	}
	a.pts = append(a.pts, wpt{v, w})
}

func (a *agg) addSet(st statSet) {
	a.empty = false
	a.n += st.n
	a.sum += st.sum
	a.min = math.Min(a.min, st.min)
	a.max = math.Max(a.max, st.max)
	if st.min < 0 {
		a.noPct = true
	}
	// CloudWatch can only derive percentiles from a statistic set when its
	// SampleCount is 1 or its Minimum equals its Maximum.
	if st.n == 1 || st.min == st.max {
		a.pts = append(a.pts, wpt{st.min, st.n})
	} else {
		a.noPct = true
	}
}

func (a *agg) add(sm sample) {
	if sm.set != nil {
		a.addSet(*sm.set)
		return
	}
	for i, v := range sm.vals {
		w := 1.0
		if sm.counts != nil {
			w = sm.counts[i]
		}
		a.addValue(v, w)
	}
}

// value computes one statistic; ok is false when it is not available
// (no samples, or a percentile that cannot be derived).
func (a *agg) value(st stat) (float64, bool) {
	if a.empty || a.n <= 0 {
		return 0, false
	}
	switch st.name {
	case "SampleCount":
		return a.n, true
	case "Sum":
		return a.sum, true
	case "Average":
		return a.sum / a.n, true
	case "Minimum":
		return a.min, true
	case "Maximum":
		return a.max, true
	}
	if st.pct && !a.noPct {
		return percentile(a.pts, st.p)
	}
	return 0, false
}

// stat is a parsed statistic name.
type stat struct {
	name string  // as given: "Sum", "p99", "p99.9" …
	pct  bool    // a percentile
	p    float64 // percentile rank (0..100)
}

var (
	percentileRE = regexp.MustCompile(`^p(\d{1,3}(\.\d{1,10})?)$`)
	// Extended statistics CloudWatch accepts but the sandbox does not compute.
	otherExtendedRE = regexp.MustCompile(`^((tm|wm|tc|ts)\d{1,3}(\.\d{1,10})?|IQM|(PR|TM|WM|TC|TS)\([^()]*\))$`)
)

// statSupport classifies a statistic name.
type statSupport int

const (
	statInvalid     statSupport = iota // not a CloudWatch statistic
	statUnsupported                    // valid CloudWatch statistic the sandbox does not compute
	statOK
)

func parseStat(s string) (stat, statSupport) {
	switch s {
	case "SampleCount", "Sum", "Average", "Minimum", "Maximum":
		return stat{name: s}, statOK
	}
	if m := percentileRE.FindStringSubmatch(s); m != nil {
		p, err := strconv.ParseFloat(m[1], 64)
		if err != nil || p < 0 || p > 100 {
			return stat{}, statInvalid
		}
		return stat{name: s, pct: true, p: p}, statOK
	}
	if otherExtendedRE.MatchString(s) {
		return stat{name: s}, statUnsupported
	}
	return stat{}, statInvalid
}
