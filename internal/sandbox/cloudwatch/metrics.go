package cloudwatch

import (
	"encoding/base64"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go/encoding/cbor"
)

type dimension struct{ Name, Value string }

// series is one metric: namespace + name + the exact set of dimensions.
type series struct {
	namespace, name string
	dims            []dimension // sorted by name
	samples         []sample
}

// sample is one stored datum (a PutMetricData MetricDatum or a Publish).
type sample struct {
	t      time.Time
	unit   string
	vals   []float64
	counts []float64 // nil: each value counts once
	set    *statSet  // StatisticValues instead of vals
}

func metricKey(ns, name string, dims []dimension) string {
	var b strings.Builder
	b.WriteString(ns)
	b.WriteByte(0)
	b.WriteString(name)
	for _, d := range dims {
		b.WriteByte(0)
		b.WriteString(d.Name)
		b.WriteByte(1)
		b.WriteString(d.Value)
	}
	return b.String()
}

func sortDims(d []dimension) []dimension {
	out := append([]dimension(nil), d...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Value < out[j].Value
	})
	return out
}

// store appends a sample; s.mu must be held.
func (s *Service) store(ns, name string, dims []dimension, sm sample) {
	dims = sortDims(dims)
	k := metricKey(ns, name, dims)
	se := s.metrics[k]
	if se == nil {
		se = &series{namespace: ns, name: name, dims: dims}
		s.metrics[k] = se
	}
	se.samples = append(se.samples, sm)
}

var (
	standardUnits   = enumStrings(types.StandardUnit("").Values())
	statisticNames  = enumStrings(types.Statistic("").Values())
	scanByValues    = enumStrings(types.ScanBy("").Values())
	recentlyActives = enumStrings(types.RecentlyActive("").Values())
)

func enumStrings[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func reqStr(o obj, k string) string {
	v, ok := o.str(k)
	if !ok {
		bad("MissingParameter", "The parameter %s is required.", o.sub(k))
	}
	return v
}

func reqTime(o obj, k string) time.Time {
	v, ok := o.time(k)
	if !ok {
		bad("MissingParameter", "The parameter %s is required.", o.sub(k))
	}
	return v
}

// readDims reads a Dimensions list (at most 30 entries). Names must be unique.
func readDims(o obj, k string) []dimension {
	ds, _ := o.objs(k)
	if len(ds) > 30 {
		bad("InvalidParameterValue", "The collection %s must not have a size greater than 30.", o.sub(k))
	}
	out := make([]dimension, 0, len(ds))
	seen := map[string]bool{}
	for _, d := range ds {
		name := reqStr(d, "Name")
		value := reqStr(d, "Value")
		checkLen(d.sub("Name"), name, 1, 255)
		checkLen(d.sub("Value"), value, 1, 1024)
		if seen[name] {
			bad("InvalidParameterValue", "The collection %s must not contain duplicate dimension names (%s).", o.sub(k), name)
		}
		seen[name] = true
		out = append(out, dimension{name, value})
	}
	return sortDims(out)
}

func checkNamespace(path, ns string) {
	checkLen(path, ns, 1, 255)
	if strings.HasPrefix(ns, ":") {
		bad("ValidationError", "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:].*", ns, coralPath(path))
	}
}

func checkUnit(path, unit string) { checkEnum(path, unit, standardUnits) }

// ---- PutMetricData -----------------------------------------------------------

const maxMetricValue = 0x1p360 // values must lie in [-2^360, 2^360]

func checkValue(path string, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > maxMetricValue {
		bad("InvalidParameterValue", "The value %s for parameter %s is invalid.", strconv.FormatFloat(v, 'g', -1, 64), path)
	}
}

type pendingDatum struct {
	name string
	dims []dimension
	sm   sample
}

func (s *Service) putMetricData(in obj) cbor.Value {
	ns := reqStr(in, "Namespace")
	checkNamespace("Namespace", ns)
	if strings.HasPrefix(ns, "AWS/") {
		bad("InvalidParameterValue", "The value %s for parameter Namespace is invalid.", ns)
	}
	md, hasMD := in.objs("MetricData")
	emd, hasEMD := in.objs("EntityMetricData")
	if !hasMD && !hasEMD {
		bad("MissingParameter", "At least one of the parameters MetricData or EntityMetricData must be specified.")
	}
	datums := append([]obj(nil), md...)
	for _, e := range emd {
		d, _ := e.objs("MetricData")
		datums = append(datums, d...)
	}
	if len(datums) > 1000 {
		bad("InvalidParameterValue", "The collection MetricData must not have a size greater than 1000.")
	}
	now := s.now()
	pending := make([]pendingDatum, 0, len(datums))
	for _, d := range datums {
		pending = append(pending, readDatum(d, now))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range pending {
		s.store(ns, p.name, p.dims, p.sm)
	}
	return nil
}

func readDatum(d obj, now time.Time) pendingDatum {
	name := reqStr(d, "MetricName")
	checkLen(d.sub("MetricName"), name, 1, 255)
	dims := readDims(d, "Dimensions")

	t := now
	if ts, ok := d.time("Timestamp"); ok {
		if ts.Before(now.Add(-14 * 24 * time.Hour)) {
			bad("InvalidParameterValue", "The parameter %s must specify a time no more than two weeks in the past.", d.sub("Timestamp"))
		}
		if ts.After(now.Add(2 * time.Hour)) {
			bad("InvalidParameterValue", "The parameter %s must specify a time no more than two hours in the future.", d.sub("Timestamp"))
		}
		t = ts
	}
	unit := "None"
	if u, ok := d.str("Unit"); ok {
		checkUnit(d.sub("Unit"), u)
		unit = u
	}
	if r, ok := d.i64("StorageResolution"); ok && r != 1 && r != 60 {
		bad("InvalidParameterValue", "The value %d for parameter %s is invalid. Valid values are 1 and 60.", r, d.sub("StorageResolution"))
	}

	value, hasValue := d.f64("Value")
	values, hasValues := d.f64s("Values")
	counts, hasCounts := d.f64s("Counts")
	setObj, hasSet := d.obj("StatisticValues")
	switch {
	case hasValue && hasValues:
		bad("InvalidParameterValue", "The parameters %s and %s are mutually exclusive and you have specified both.", d.sub("Value"), d.sub("Values"))
	case hasValue && hasSet:
		bad("InvalidParameterCombination", "The parameters %s and %s are mutually exclusive and you have specified both.", d.sub("Value"), d.sub("StatisticValues"))
	case hasValues && hasSet:
		bad("InvalidParameterCombination", "The parameters %s and %s are mutually exclusive and you have specified both.", d.sub("Values"), d.sub("StatisticValues"))
	case hasCounts && !hasValues:
		bad("InvalidParameterCombination", "The parameter %s may only be specified together with %s.", d.sub("Counts"), d.sub("Values"))
	case !hasValue && !hasValues && !hasSet:
		bad("MissingParameter", "One of the parameters %s, %s or %s must be specified.", d.sub("Value"), d.sub("Values"), d.sub("StatisticValues"))
	}

	sm := sample{t: t, unit: unit}
	switch {
	case hasValue:
		checkValue(d.sub("Value"), value)
		sm.vals = []float64{value}
	case hasValues:
		if len(values) > 150 {
			bad("InvalidParameterValue", "The collection %s must not have a size greater than 150.", d.sub("Values"))
		}
		if hasCounts && len(counts) != len(values) {
			bad("InvalidParameterValue", "The parameters %s and %s must be of the same size.", d.sub("Values"), d.sub("Counts"))
		}
		for _, v := range values {
			checkValue(d.sub("Values"), v)
		}
		for _, c := range counts {
			if math.IsNaN(c) || math.IsInf(c, 0) || c < 0 {
				bad("InvalidParameterValue", "The value %s for parameter %s is invalid.", strconv.FormatFloat(c, 'g', -1, 64), d.sub("Counts"))
			}
		}
		sm.vals = values
		if hasCounts {
			sm.counts = counts
		}
	default:
		var st statSet
		for _, f := range []struct {
			k string
			p *float64
		}{{"SampleCount", &st.n}, {"Sum", &st.sum}, {"Minimum", &st.min}, {"Maximum", &st.max}} {
			v, ok := setObj.f64(f.k)
			if !ok {
				bad("MissingParameter", "The parameter %s is required.", setObj.sub(f.k))
			}
			checkValue(setObj.sub(f.k), v)
			*f.p = v
		}
		if st.n <= 0 {
			bad("InvalidParameterValue", "The value %s for parameter %s is invalid.", strconv.FormatFloat(st.n, 'g', -1, 64), setObj.sub("SampleCount"))
		}
		if st.min > st.max {
			bad("InvalidParameterValue", "The parameter %s must be less than or equal to %s.", setObj.sub("Minimum"), setObj.sub("Maximum"))
		}
		sm.set = &st
	}
	return pendingDatum{name: name, dims: dims, sm: sm}
}

// ---- shared query helpers ----------------------------------------------------

// roundStart rounds a query's StartTime as CloudWatch documents it: to the
// minute when it is less than 15 days old, to 5 minutes up to 63 days, to
// the hour beyond; with a period of 1–30 s, down to a multiple of the period
// within the minute (a 10 s query at 01:05:23 starts at 01:05:20).
func roundStart(start, now time.Time, period int64) time.Time {
	if period < 60 {
		return start.Truncate(time.Duration(period) * time.Second)
	}
	switch age := now.Sub(start); {
	case age > 63*24*time.Hour:
		return start.Truncate(time.Hour)
	case age > 15*24*time.Hour:
		return start.Truncate(5 * time.Minute)
	}
	return start.Truncate(time.Minute)
}

// bucket returns the start (unix seconds) of the period containing t, for
// periods laid end to end from origin (the rounded StartTime): a query from
// 12:07 with a 300 s period has datapoints at 12:07, 12:12, …
func bucket(t, origin time.Time, period int64) int64 {
	d := t.Unix() - origin.Unix()
	b := d / period
	if d%period != 0 && d < 0 {
		b--
	}
	return origin.Unix() + b*period
}

func validPeriod(p int64) bool {
	switch p {
	case 1, 5, 10, 20, 30:
		return true
	}
	return p > 0 && p%60 == 0
}

// collect aggregates the samples of one metric in [start, end) into periods
// laid from the rounded start time; with byUnit the buckets are also split by
// unit. s.mu must be held.
func (s *Service) collect(ns, name string, dims []dimension, unit string, start, end time.Time, period int64, byUnit bool) map[bucketKey]*agg {
	out := map[bucketKey]*agg{}
	se := s.metrics[metricKey(ns, name, dims)]
	if se == nil {
		return out
	}
	start = roundStart(start, s.now(), period)
	for _, sm := range se.samples {
		if sm.t.Before(start) || !sm.t.Before(end) {
			continue
		}
		if unit != "" && sm.unit != unit {
			continue
		}
		k := bucketKey{ts: bucket(sm.t, start, period)}
		if byUnit {
			k.unit = sm.unit
		}
		a := out[k]
		if a == nil {
			a = newAgg()
			out[k] = a
		}
		a.add(sm)
	}
	return out
}

type bucketKey struct {
	ts   int64
	unit string
}

// ---- GetMetricStatistics -----------------------------------------------------

func (s *Service) getMetricStatistics(in obj) cbor.Value {
	ns := reqStr(in, "Namespace")
	checkNamespace("Namespace", ns)
	name := reqStr(in, "MetricName")
	checkLen("MetricName", name, 1, 255)
	dims := readDims(in, "Dimensions")
	start := reqTime(in, "StartTime")
	end := reqTime(in, "EndTime")
	period, ok := in.i64("Period")
	if !ok {
		bad("MissingParameter", "The parameter Period is required.")
	}
	checkRange("Period", period, 1, math.MaxInt32)
	unit, hasUnit := in.str("Unit")
	if hasUnit {
		checkUnit("Unit", unit)
	}
	statNames, hasStats := in.strs("Statistics")
	extNames, hasExt := in.strs("ExtendedStatistics")
	hasStats = hasStats && len(statNames) > 0
	hasExt = hasExt && len(extNames) > 0
	if !hasStats && !hasExt {
		bad("InvalidParameterCombination", "Must specify either Statistics or ExtendedStatistics.")
	}
	if hasStats && hasExt {
		bad("InvalidParameterCombination", "Must specify either Statistics or ExtendedStatistics, but not both.")
	}
	var stats []stat
	if hasStats {
		checkListLen("Statistics", len(statNames), 5)
		for i, n := range statNames {
			checkEnum(fmt.Sprintf("Statistics.member.%d", i+1), n, statisticNames)
			st, _ := parseStat(n)
			stats = append(stats, st)
		}
	}
	if hasExt {
		checkListLen("ExtendedStatistics", len(extNames), 10)
		for _, n := range extNames {
			st, sup := parseStat(n)
			switch {
			case sup == statInvalid || (sup == statOK && !st.pct):
				bad("InvalidParameterValue", "The value %s for parameter ExtendedStatistics is not supported.", n)
			case sup == statUnsupported:
				bad("InvalidParameterValue", "The value %s for parameter ExtendedStatistics is not supported by the CloudWatch sandbox (only percentiles pNN[.N] are computed).", n)
			}
			stats = append(stats, st)
		}
	}
	if !start.Before(end) {
		bad("InvalidParameterValue", "The parameter StartTime must be less than the parameter EndTime.")
	}
	if !validPeriod(period) {
		bad("InvalidParameterValue", "The parameter Period must be 1, 5, 10, 20, 30, 60, or a multiple of 60.")
	}
	span := end.Sub(start)
	n := int64(math.Ceil(span.Seconds() / float64(period)))
	if n > 1440 {
		bad("InvalidParameterCombination", "You have requested up to %d datapoints, which exceeds the limit of 1440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.", n)
	}

	s.mu.Lock()
	buckets := s.collect(ns, name, dims, unit, start, end, period, true)
	s.mu.Unlock()

	keys := make([]bucketKey, 0, len(buckets))
	for k := range buckets {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].ts != keys[j].ts {
			return keys[i].ts < keys[j].ts
		}
		return keys[i].unit < keys[j].unit
	})
	dps := cbor.List{}
	for _, k := range keys {
		a := buckets[k]
		dp := cbor.Map{
			"Timestamp": cTime(time.Unix(k.ts, 0)),
			"Unit":      cbor.String(k.unit),
		}
		ext := cbor.Map{}
		for _, st := range stats {
			v, ok := a.value(st)
			if !ok {
				continue
			}
			if st.pct {
				ext[st.name] = cbor.Float64(v)
			} else {
				dp[st.name] = cbor.Float64(v)
			}
		}
		if hasExt {
			dp["ExtendedStatistics"] = ext
		}
		dps = append(dps, dp)
	}
	return cbor.Map{"Label": cbor.String(name), "Datapoints": dps}
}

// ---- GetMetricData -----------------------------------------------------------

var metricIDRE = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]*$`)

// mdq is a validated MetricDataQuery.
type mdq struct {
	path       string
	id, label  string
	hasLabel   bool
	returnData bool
	expr       string
	hasStat    bool
	ns, name   string
	dims       []dimension
	period     int64
	stat       stat
	unit       string
	raw        cbor.Value // the query as received (for alarms)
}

// readQueries validates a list of MetricDataQuery structures (GetMetricData
// MetricDataQueries or PutMetricAlarm Metrics).
func readQueries(qs []obj, listPath string) []mdq {
	var idErrs []string
	for _, q := range qs {
		id := reqStr(q, "Id")
		checkLen(q.sub("Id"), id, 1, 255)
		if !metricIDRE.MatchString(id) {
			idErrs = append(idErrs, fmt.Sprintf("The value %s for parameter %s is not matching the expected pattern ^[a-z][a-zA-Z0-9_]*$.", id, q.sub("Id")))
		}
	}
	if len(idErrs) > 0 {
		bad("ValidationError", "%s", strings.Join(idErrs, "\n"))
	}
	seen := map[string]bool{}
	out := make([]mdq, 0, len(qs))
	for _, q := range qs {
		m := mdq{path: q.path, raw: q.m, returnData: true}
		m.id, _ = q.str("Id")
		if seen[m.id] {
			bad("ValidationError", "The values for parameter id in %s are not unique.", listPath)
		}
		seen[m.id] = true
		m.label, m.hasLabel = q.str("Label")
		if rd, ok := q.boolean("ReturnData"); ok {
			m.returnData = rd
		}
		if _, ok := q.str("AccountId"); ok {
			bad("InvalidParameterValue", "Cross-account queries (%s) are not supported by the CloudWatch sandbox.", q.sub("AccountId"))
		}
		expr, hasExpr := q.str("Expression")
		ms, hasMS := q.obj("MetricStat")
		switch {
		case hasExpr && hasMS:
			bad("ValidationError", "The parameters %s and %s are mutually exclusive and you have specified both.", q.sub("MetricStat"), q.sub("Expression"))
		case !hasExpr && !hasMS:
			bad("ValidationError", "The parameter %s is required.\n", q.sub("MetricStat"))
		case hasExpr:
			checkLen(q.sub("Expression"), expr, 1, 2048)
			m.expr = expr
			if p, ok := q.i64("Period"); ok {
				checkRange(q.sub("Period"), p, 1, math.MaxInt32)
				m.period = p
			}
		default:
			m.hasStat = true
			met, ok := ms.obj("Metric")
			if !ok {
				bad("ValidationError", "The parameter %s is required.", ms.sub("Metric"))
			}
			m.ns, _ = met.str("Namespace")
			m.name, _ = met.str("MetricName")
			if m.ns == "" || m.name == "" {
				bad("ValidationError", "The parameters %s and %s are required.", met.sub("Namespace"), met.sub("MetricName"))
			}
			checkNamespace(met.sub("Namespace"), m.ns)
			checkLen(met.sub("MetricName"), m.name, 1, 255)
			m.dims = readDims(met, "Dimensions")
			p, ok := ms.i64("Period")
			if !ok {
				bad("ValidationError", "The parameter %s is required.", ms.sub("Period"))
			}
			checkRange(ms.sub("Period"), p, 1, math.MaxInt32)
			if !validPeriod(p) {
				bad("ValidationError", "The parameter %s must be 1, 5, 10, 20, 30, 60, or a multiple of 60.", ms.sub("Period"))
			}
			m.period = p
			sn, ok := ms.str("Stat")
			if !ok {
				bad("ValidationError", "The parameter %s is required.", ms.sub("Stat"))
			}
			st, sup := parseStat(sn)
			switch sup {
			case statInvalid:
				bad("ValidationError", "The value %s for parameter %s is not a valid statistic.", sn, ms.sub("Stat"))
			case statUnsupported:
				bad("ValidationError", "The statistic %s (parameter %s) is not supported by the CloudWatch sandbox (supported: SampleCount, Sum, Average, Minimum, Maximum, pNN[.N]).", sn, ms.sub("Stat"))
			}
			m.stat = st
			if u, ok := ms.str("Unit"); ok {
				checkUnit(ms.sub("Unit"), u)
				m.unit = u
			}
		}
		out = append(out, m)
	}
	return out
}

func (s *Service) getMetricData(in obj) cbor.Value {
	qs, ok := in.objs("MetricDataQueries")
	if !ok {
		bad("MissingParameter", "The parameter MetricDataQueries is required.")
	}
	if len(qs) > 500 {
		bad("ValidationError", "The collection MetricDataQueries must not have a size greater than 500.")
	}
	start := reqTime(in, "StartTime")
	end := reqTime(in, "EndTime")
	scanBy := "TimestampDescending"
	if v, ok := in.str("ScanBy"); ok {
		checkEnum("ScanBy", v, scanByValues)
		scanBy = v
	}
	if v, ok := in.i64("MaxDatapoints"); ok {
		checkRange("MaxDatapoints", v, 1, math.MaxInt32)
	}
	if _, ok := in.str("NextToken"); ok {
		bad("InvalidNextToken", "The NextToken is invalid (the sandbox returns all datapoints in one page).")
	}
	queries := readQueries(qs, "MetricDataQueries")
	if start.After(end) {
		bad("ValidationError", "The parameter EndTime must be greater than StartTime.")
	}
	if start.Equal(end) {
		bad("ValidationError", "The parameter StartTime must not equal parameter EndTime.")
	}

	// Metric queries first, then expressions (which may reference any id).
	ev := &exprEval{byID: map[string]*mdq{}, done: map[string]tseries{}, busy: map[string]bool{}}
	for i := range queries {
		ev.byID[queries[i].id] = &queries[i]
		if queries[i].hasStat {
			ev.order = append(ev.order, queries[i].id)
		}
	}
	now := s.now()
	ev.stamps = func(period int64) []int64 {
		// GetMetricData returns at most 100,800 datapoints per call (the
		// rest with a NextToken, which the sandbox does not paginate).
		if n := end.Sub(roundStart(start, now, period)) / (time.Duration(period) * time.Second); n > 100800 {
			bad("ValidationError", "FILL over %d periods is not supported by the CloudWatch sandbox (at most 100800 datapoints per call).", n)
		}
		var out []int64
		for t := roundStart(start, now, period); t.Before(end); t = t.Add(time.Duration(period) * time.Second) {
			out = append(out, t.Unix())
		}
		return out
	}
	s.mu.Lock()
	for i := range queries {
		q := &queries[i]
		if !q.hasStat {
			continue
		}
		buckets := s.collect(q.ns, q.name, q.dims, q.unit, start, end, q.period, false)
		ts := tseries{}
		for k, a := range buckets {
			if v, ok := a.value(q.stat); ok {
				ts[k.ts] = v
			}
		}
		ev.done[q.id] = ts
	}
	s.mu.Unlock()

	results := cbor.List{}
	for i := range queries {
		q := &queries[i]
		series := ev.eval(q.id)
		if !q.returnData {
			continue
		}
		label := q.label
		if !q.hasLabel {
			if q.hasStat {
				label = q.name
			} else {
				label = q.id
			}
		}
		tss := make([]int64, 0, len(series))
		for t := range series {
			tss = append(tss, t)
		}
		sort.Slice(tss, func(i, j int) bool { return tss[i] < tss[j] })
		if scanBy == "TimestampDescending" {
			for l, r := 0, len(tss)-1; l < r; l, r = l+1, r-1 {
				tss[l], tss[r] = tss[r], tss[l]
			}
		}
		times := make(cbor.List, len(tss))
		vals := make(cbor.List, len(tss))
		for j, t := range tss {
			times[j] = cTime(time.Unix(t, 0))
			vals[j] = cbor.Float64(series[t])
		}
		results = append(results, cbor.Map{
			"Id":         cbor.String(q.id),
			"Label":      cbor.String(label),
			"Timestamps": times,
			"Values":     vals,
			"StatusCode": cbor.String("Complete"),
			"Messages":   cbor.List{},
		})
	}
	return cbor.Map{"MetricDataResults": results, "Messages": cbor.List{}}
}

// ---- ListMetrics -------------------------------------------------------------

const listMetricsPage = 500

func (s *Service) listMetrics(in obj) cbor.Value {
	ns, hasNS := in.str("Namespace")
	if hasNS {
		checkNamespace("Namespace", ns)
	}
	name, hasName := in.str("MetricName")
	if hasName {
		checkLen("MetricName", name, 1, 255)
	}
	filters, _ := in.objs("Dimensions")
	checkListLen("Dimensions", len(filters), 30)
	type dimFilter struct {
		name     string
		value    string
		hasValue bool
	}
	var dfs []dimFilter
	for _, f := range filters {
		df := dimFilter{name: reqStr(f, "Name")}
		checkLen(f.sub("Name"), df.name, 1, 255)
		df.value, df.hasValue = f.str("Value")
		dfs = append(dfs, df)
	}
	recent := false
	if v, ok := in.str("RecentlyActive"); ok {
		checkEnum("RecentlyActive", v, recentlyActives)
		recent = true
	}
	start := 0
	if tok, ok := in.str("NextToken"); ok {
		n, err := decodeToken(tok, "metrics")
		if err != nil {
			bad("InvalidNextToken", "Invalid NextToken.")
		}
		start = n
	}

	now := s.now()
	s.mu.Lock()
	var matched []*series
	for _, k := range sortedKeys(s.metrics) {
		se := s.metrics[k]
		if hasNS && se.namespace != ns || hasName && se.name != name {
			continue
		}
		ok := true
		for _, df := range dfs {
			found := false
			for _, d := range se.dims {
				if d.Name == df.name && (!df.hasValue || d.Value == df.value) {
					found = true
					break
				}
			}
			if !found {
				ok = false
				break
			}
		}
		if ok && recent {
			ok = false
			for _, sm := range se.samples {
				if !sm.t.Before(now.Add(-3 * time.Hour)) {
					ok = true
					break
				}
			}
		}
		if ok {
			matched = append(matched, se)
		}
	}
	s.mu.Unlock()

	if start > len(matched) {
		bad("InvalidNextToken", "Invalid NextToken.")
	}
	page := matched[start:]
	out := cbor.Map{}
	if len(page) > listMetricsPage {
		page = page[:listMetricsPage]
		out["NextToken"] = cbor.String(encodeToken("metrics", start+listMetricsPage))
	}
	ms := make(cbor.List, len(page))
	for i, se := range page {
		ms[i] = cbor.Map{
			"Namespace":  cbor.String(se.namespace),
			"MetricName": cbor.String(se.name),
			"Dimensions": cDims(se.dims),
		}
	}
	out["Metrics"] = ms
	return out
}

// Pagination tokens are opaque to clients: base64("<kind>:<offset>").
func encodeToken(kind string, offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + strconv.Itoa(offset)))
}

func decodeToken(tok, kind string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, err
	}
	rest, ok := strings.CutPrefix(string(b), kind+":")
	if !ok {
		return 0, fmt.Errorf("bad token")
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bad token")
	}
	return n, nil
}
