package cloudwatch

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/awserr"
)

var (
	comparisonOperators = enumStrings(types.ComparisonOperator("").Values())
	stateValues         = enumStrings(types.StateValue("").Values())
	alarmTypes          = enumStrings(types.AlarmType("").Values())
	treatMissingValues  = []string{"breaching", "notBreaching", "ignore", "missing"}
)

type tag struct{ Key, Value string }

// alarm is a stored metric alarm.
type alarm struct {
	name, arn, description string
	hasDescription         bool
	configUpdated          time.Time
	actionsEnabled         bool
	okActions              []string
	alarmActions           []string
	insufficientActions    []string

	stateValue        string
	stateReason       string
	stateReasonData   *string
	stateUpdated      time.Time
	stateTransitioned time.Time

	// single-metric alarms
	metricName, namespace         string
	statistic, extendedStatistic  string
	dims                          []dimension
	period                        int64
	unit                          string
	evaluationPeriods             int64
	datapointsToAlarm             int64 // 0: not set
	threshold                     *float64
	comparisonOperator            string
	treatMissingData              string
	evaluateLowSampleCountPercent string
	// metric-math alarms
	metrics           cbor.List
	thresholdMetricID string

	tags []tag
}

func (a *alarm) encode() cbor.Map {
	m := cbor.Map{
		"AlarmName":                          cbor.String(a.name),
		"AlarmArn":                           cbor.String(a.arn),
		"AlarmConfigurationUpdatedTimestamp": cTime(a.configUpdated),
		"ActionsEnabled":                     cbor.Bool(a.actionsEnabled),
		"OKActions":                          cStrs(a.okActions),
		"AlarmActions":                       cStrs(a.alarmActions),
		"InsufficientDataActions":            cStrs(a.insufficientActions),
		"StateValue":                         cbor.String(a.stateValue),
		"StateReason":                        cbor.String(a.stateReason),
		"StateUpdatedTimestamp":              cTime(a.stateUpdated),
		"StateTransitionedTimestamp":         cTime(a.stateTransitioned),
		"EvaluationPeriods":                  cInt(a.evaluationPeriods),
		"ComparisonOperator":                 cbor.String(a.comparisonOperator),
		"Dimensions":                         cDims(a.dims),
	}
	if a.hasDescription {
		m["AlarmDescription"] = cbor.String(a.description)
	}
	if a.stateReasonData != nil {
		m["StateReasonData"] = cbor.String(*a.stateReasonData)
	}
	if a.metricName != "" {
		m["MetricName"] = cbor.String(a.metricName)
		m["Namespace"] = cbor.String(a.namespace)
		m["Period"] = cInt(a.period)
	}
	if a.statistic != "" {
		m["Statistic"] = cbor.String(a.statistic)
	}
	if a.extendedStatistic != "" {
		m["ExtendedStatistic"] = cbor.String(a.extendedStatistic)
	}
	if a.unit != "" {
		m["Unit"] = cbor.String(a.unit)
	}
	if a.datapointsToAlarm > 0 {
		m["DatapointsToAlarm"] = cInt(a.datapointsToAlarm)
	}
	if a.threshold != nil {
		m["Threshold"] = cbor.Float64(*a.threshold)
	}
	if a.treatMissingData != "" {
		m["TreatMissingData"] = cbor.String(a.treatMissingData)
	}
	if a.evaluateLowSampleCountPercent != "" {
		m["EvaluateLowSampleCountPercentile"] = cbor.String(a.evaluateLowSampleCountPercent)
	}
	if a.metrics != nil {
		m["Metrics"] = a.metrics
	}
	if a.thresholdMetricID != "" {
		m["ThresholdMetricId"] = cbor.String(a.thresholdMetricID)
	}
	return m
}

// ---- PutMetricAlarm ----------------------------------------------------------

func readActions(in obj, k string) []string {
	acts, _ := in.strs(k)
	checkListLen(k, len(acts), 5)
	for i, a := range acts {
		checkLen(fmt.Sprintf("%s.member.%d", k, i+1), a, 1, 1024)
	}
	if acts == nil {
		acts = []string{}
	}
	return acts
}

func readTags(in obj, k string) []tag {
	ts, _ := in.objs(k)
	var out []tag
	for _, t := range ts {
		key := reqStr(t, "Key")
		checkLen(t.sub("Key"), key, 1, 128)
		val := reqStr(t, "Value")
		checkLen(t.sub("Value"), val, 0, 256)
		out = append(out, tag{key, val})
	}
	return out
}

func (s *Service) putMetricAlarm(in obj) cbor.Value {
	a := &alarm{}
	a.name = reqStr(in, "AlarmName")
	checkLen("AlarmName", a.name, 1, 255)
	a.arn = s.alarmARN(a.name)
	if in.has("EvaluationCriteria") || in.has("EvaluationInterval") {
		bad("InvalidParameterValue", "PromQL alarms (EvaluationCriteria, EvaluationInterval) are not supported by the CloudWatch sandbox.")
	}
	if in.has("EvaluationWindow") || in.has("WarmUpConfiguration") || in.has("ActionConfiguration") {
		bad("InvalidParameterValue", "EvaluationWindow, WarmUpConfiguration and ActionConfiguration are not supported by the CloudWatch sandbox.")
	}
	a.description, a.hasDescription = in.str("AlarmDescription")
	checkLen("AlarmDescription", a.description, 0, 1024)
	a.actionsEnabled = true
	if v, ok := in.boolean("ActionsEnabled"); ok {
		a.actionsEnabled = v
	}
	a.okActions = readActions(in, "OKActions")
	a.alarmActions = readActions(in, "AlarmActions")
	a.insufficientActions = readActions(in, "InsufficientDataActions")

	cmp, ok := in.str("ComparisonOperator")
	if !ok {
		bad("MissingParameter", "The parameter ComparisonOperator is required.")
	}
	checkEnum("ComparisonOperator", cmp, comparisonOperators)
	a.comparisonOperator = cmp
	ep, ok := in.i64("EvaluationPeriods")
	if !ok {
		bad("MissingParameter", "The parameter EvaluationPeriods is required.")
	}
	checkRange("EvaluationPeriods", ep, 1, math.MaxInt32)
	a.evaluationPeriods = ep
	if dta, ok := in.i64("DatapointsToAlarm"); ok {
		checkRange("DatapointsToAlarm", dta, 1, math.MaxInt32)
		if dta > ep {
			bad("ValidationError", "DatapointsToAlarm (%d) must be less than or equal to EvaluationPeriods (%d).", dta, ep)
		}
		a.datapointsToAlarm = dta
	}
	if th, ok := in.f64("Threshold"); ok {
		a.threshold = &th
	}
	a.thresholdMetricID, _ = in.str("ThresholdMetricId")
	if v, ok := in.str("TreatMissingData"); ok {
		checkLen("TreatMissingData", v, 1, 255)
		if !contains(treatMissingValues, v) {
			bad("InvalidParameterValue", "The value %s for parameter TreatMissingData is not valid. Valid values are breaching, notBreaching, ignore and missing.", v)
		}
		a.treatMissingData = v
	}
	if v, ok := in.str("EvaluateLowSampleCountPercentile"); ok {
		if v != "evaluate" && v != "ignore" {
			bad("ValidationError", "Option %s is not supported. Supported options for parameter EvaluateLowSampleCountPercentile are evaluate and ignore.", v)
		}
		a.evaluateLowSampleCountPercent = v
	}
	a.tags = readTags(in, "Tags")
	checkListLen("Tags", len(a.tags), 50)

	metricsList, hasMetrics := in.objs("Metrics")
	hasMetrics = hasMetrics && len(metricsList) > 0
	_, hasName := in.str("MetricName")
	if hasMetrics {
		for _, k := range []string{"MetricName", "Namespace", "Dimensions", "Period", "Unit", "Statistic", "ExtendedStatistic"} {
			if in.has(k) {
				bad("InvalidParameterCombination", "The parameters Metrics and %s are mutually exclusive and you have specified both.", k)
			}
		}
		checkListLen("Metrics", len(metricsList), 10)
		qs := readQueries(metricsList, "Metrics")
		returning := 0
		for _, q := range qs {
			if q.returnData {
				returning++
			}
		}
		if returning != 1 {
			bad("ValidationError", "Exactly one element of the metrics list should return data.")
		}
		if a.thresholdMetricID == "" && a.threshold == nil {
			bad("ValidationError", "Threshold or ThresholdMetricId must be specified.")
		}
		raw, _ := in.list("Metrics")
		a.metrics = raw
	} else {
		if !hasName {
			bad("ValidationError", "One of MetricName, Metrics or EvaluationCriteria must be specified.")
		}
		a.metricName = reqStr(in, "MetricName")
		checkLen("MetricName", a.metricName, 1, 255)
		a.namespace = reqStr(in, "Namespace")
		checkNamespace("Namespace", a.namespace)
		a.dims = readDims(in, "Dimensions")
		stName, hasStat := in.str("Statistic")
		ext, hasExt := in.str("ExtendedStatistic")
		if hasStat == hasExt {
			bad("InvalidParameterCombination", "Exactly one of the parameters Statistic and ExtendedStatistic must be specified.")
		}
		if hasStat {
			checkEnum("Statistic", stName, statisticNames)
			a.statistic = stName
		} else {
			if st, sup := parseStat(ext); sup == statInvalid || (sup == statOK && !st.pct) {
				bad("InvalidParameterValue", "The value %s for parameter ExtendedStatistic is not supported.", ext)
			}
			a.extendedStatistic = ext
		}
		period, ok := in.i64("Period")
		if !ok {
			bad("MissingParameter", "The parameter Period is required.")
		}
		checkRange("Period", period, 1, math.MaxInt32)
		if !(period == 10 || period == 20 || period == 30 || period%60 == 0) {
			bad("InvalidParameterValue", "The parameter Period must be 10, 20, 30, or a multiple of 60.")
		}
		if period*ep > 7*24*3600 {
			bad("ValidationError", "The evaluation period of an alarm (Period * EvaluationPeriods = %d seconds) can't be longer than 604800 seconds (seven days).", period*ep)
		}
		if period < 3600 && period*ep > 24*3600 {
			bad("ValidationError", "The evaluation period of an alarm with a Period of less than 3600 seconds (Period * EvaluationPeriods = %d seconds) can't be longer than 86400 seconds (one day).", period*ep)
		}
		a.period = period
		if u, ok := in.str("Unit"); ok {
			checkUnit("Unit", u)
			a.unit = u
		}
		if a.threshold == nil && a.thresholdMetricID == "" {
			bad("ValidationError", "Threshold or ThresholdMetricId must be specified.")
		}
	}
	switch a.comparisonOperator {
	case "LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold":
		if a.thresholdMetricID == "" {
			bad("ValidationError", "ComparisonOperator %s can only be used with an anomaly detection alarm (ThresholdMetricId).", a.comparisonOperator)
		}
	}

	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	a.configUpdated = now
	if old, ok := s.alarms[a.name]; ok {
		// "When you update an existing alarm, its state is left unchanged,
		// but the update completely overwrites the previous configuration."
		// Tags given on update are ignored.
		a.stateValue, a.stateReason, a.stateReasonData = old.stateValue, old.stateReason, old.stateReasonData
		a.stateUpdated, a.stateTransitioned = old.stateUpdated, old.stateTransitioned
		a.tags = old.tags
	} else {
		a.stateValue = "INSUFFICIENT_DATA"
		a.stateReason = "Unchecked: Initial alarm creation"
		a.stateUpdated, a.stateTransitioned = now, now
	}
	s.alarms[a.name] = a
	return nil
}

func contains(ss []string, v string) bool {
	for _, s := range ss {
		if s == v {
			return true
		}
	}
	return false
}

// ---- DescribeAlarms ----------------------------------------------------------

func (s *Service) describeAlarms(in obj) cbor.Value {
	names, hasNames := in.strs("AlarmNames")
	checkListLen("AlarmNames", len(names), 100)
	prefix, hasPrefix := in.str("AlarmNamePrefix")
	if hasPrefix {
		checkLen("AlarmNamePrefix", prefix, 1, 255)
	}
	if hasNames && len(names) > 0 && hasPrefix {
		bad("InvalidParameterCombination", "The parameters AlarmNames and AlarmNamePrefix are mutually exclusive and you have specified both.")
	}
	state, hasState := in.str("StateValue")
	if hasState {
		checkEnum("StateValue", state, stateValues)
	}
	actionPrefix, hasAction := in.str("ActionPrefix")
	if hasAction {
		checkLen("ActionPrefix", actionPrefix, 1, 1024)
	}
	wantMetric := true
	if ts, ok := in.strs("AlarmTypes"); ok && len(ts) > 0 {
		wantMetric = false
		for i, t := range ts {
			checkEnum(fmt.Sprintf("AlarmTypes.member.%d", i+1), t, alarmTypes)
			if t == "MetricAlarm" {
				wantMetric = true
			}
		}
	}
	_, children := in.str("ChildrenOfAlarmName")
	_, parents := in.str("ParentsOfAlarmName")
	if children || parents {
		wantMetric = false // only composite alarms have children/parents
	}
	max := int64(50)
	if v, ok := in.i64("MaxRecords"); ok {
		checkRange("MaxRecords", v, 1, 100)
		max = v
	}
	start := 0
	if tok, ok := in.str("NextToken"); ok {
		n, err := decodeToken(tok, "alarms")
		if err != nil {
			bad("InvalidNextToken", "Invalid NextToken.")
		}
		start = n
	}

	s.mu.Lock()
	var matched []*alarm
	if wantMetric {
		for _, n := range sortedKeys(s.alarms) {
			a := s.alarms[n]
			if hasNames && len(names) > 0 && !contains(names, n) {
				continue
			}
			if hasPrefix && !strings.HasPrefix(n, prefix) {
				continue
			}
			if hasState && a.stateValue != state {
				continue
			}
			if hasAction && !hasActionPrefix(a, actionPrefix) {
				continue
			}
			matched = append(matched, a)
		}
	}
	out := cbor.Map{}
	if start > len(matched) {
		s.mu.Unlock()
		bad("InvalidNextToken", "Invalid NextToken.")
	}
	page := matched[start:]
	if int64(len(page)) > max {
		page = page[:max]
		out["NextToken"] = cbor.String(encodeToken("alarms", start+int(max)))
	}
	list := make(cbor.List, len(page))
	for i, a := range page {
		list[i] = a.encode()
	}
	s.mu.Unlock()
	out["MetricAlarms"] = list
	out["CompositeAlarms"] = cbor.List{}
	return out
}

func hasActionPrefix(a *alarm, p string) bool {
	for _, l := range [][]string{a.alarmActions, a.okActions, a.insufficientActions} {
		for _, x := range l {
			if strings.HasPrefix(x, p) {
				return true
			}
		}
	}
	return false
}

// ---- DescribeAlarmsForMetric ---------------------------------------------------

func (s *Service) describeAlarmsForMetric(in obj) cbor.Value {
	name := reqStr(in, "MetricName")
	ns := reqStr(in, "Namespace")
	statName, hasStat := in.str("Statistic")
	if hasStat {
		checkEnum("Statistic", statName, statisticNames)
	}
	ext, hasExt := in.str("ExtendedStatistic")
	hasDims := in.has("Dimensions")
	dims := readDims(in, "Dimensions")
	period, hasPeriod := in.i64("Period")
	unit, hasUnit := in.str("Unit")
	if hasUnit {
		checkUnit("Unit", unit)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	list := cbor.List{}
	for _, n := range sortedKeys(s.alarms) {
		a := s.alarms[n]
		if a.metricName != name || a.namespace != ns ||
			hasStat && a.statistic != statName ||
			hasExt && a.extendedStatistic != ext ||
			hasPeriod && a.period != period ||
			hasUnit && a.unit != unit ||
			hasDims && metricKey("", "", a.dims) != metricKey("", "", dims) {
			continue
		}
		list = append(list, a.encode())
	}
	return cbor.Map{"MetricAlarms": list}
}

// ---- SetAlarmState -------------------------------------------------------------

func (s *Service) setAlarmState(in obj) cbor.Value {
	name := reqStr(in, "AlarmName")
	state := reqStr(in, "StateValue")
	reason := reqStr(in, "StateReason")
	var data *string
	if d, ok := in.str("StateReasonData"); ok {
		data = &d
	}
	if e := s.setState(name, state, reason, data); e != nil {
		fail(e)
	}
	return nil
}

// setState implements SetAlarmState. Alarms are never evaluated by the
// sandbox, so the state set here sticks until the next SetAlarmState.
func (s *Service) setState(name, state, reason string, data *string) (e *awserr.Error) {
	defer func() {
		if r := recover(); r != nil {
			ae, ok := r.(*awserr.Error)
			if !ok {
				panic(r)
			}
			e = ae
		}
	}()
	checkLen("AlarmName", name, 1, 255)
	checkEnum("StateValue", state, stateValues)
	checkLen("StateReason", reason, 0, 1023)
	if data != nil {
		checkLen("StateReasonData", *data, 0, 4000)
		if !json.Valid([]byte(*data)) {
			bad("InvalidFormat", "The value of StateReasonData is not valid JSON.")
		}
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.alarms[name]
	if !ok {
		bad("ResourceNotFound", "Alarm %s not found", name)
	}
	if a.stateValue != state {
		a.stateValue = state
		a.stateUpdated = now
		a.stateTransitioned = now
	}
	a.stateReason = reason
	a.stateReasonData = data
	return nil
}

// ---- DeleteAlarms ----------------------------------------------------------------

func (s *Service) deleteAlarms(in obj) cbor.Value {
	names, ok := in.strs("AlarmNames")
	if !ok {
		bad("MissingParameter", "The parameter AlarmNames is required.")
	}
	checkListLen("AlarmNames", len(names), 100)
	s.mu.Lock()
	defer s.mu.Unlock()
	// "If you specify an incorrect alarm name or make any other error in the
	// operation, no alarms are deleted."
	var missing []string
	for _, n := range names {
		if _, ok := s.alarms[n]; !ok {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		bad("ResourceNotFound", "The following alarms were not found: [%s]", joinComma(missing))
	}
	for _, n := range names {
		delete(s.alarms, n)
	}
	return nil
}

// ---- tags ------------------------------------------------------------------------

// alarmByARN returns the alarm with the given ARN; s.mu must be held.
func (s *Service) alarmByARN(arn string) *alarm {
	name, ok := strings.CutPrefix(arn, "arn:aws:cloudwatch:"+s.arnRegion()+":"+s.account+":alarm:")
	if !ok {
		bad("ResourceNotFoundException", "The specified resource %s does not exist.", arn)
	}
	a, ok := s.alarms[name]
	if !ok {
		bad("ResourceNotFoundException", "The specified resource %s does not exist.", arn)
	}
	return a
}

func (s *Service) listTagsForResource(in obj) cbor.Value {
	arn := reqStr(in, "ResourceARN")
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.alarmByARN(arn)
	tags := append([]tag(nil), a.tags...)
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
	list := make(cbor.List, len(tags))
	for i, t := range tags {
		list[i] = cbor.Map{"Key": cbor.String(t.Key), "Value": cbor.String(t.Value)}
	}
	return cbor.Map{"Tags": list}
}

func (s *Service) tagResource(in obj) cbor.Value {
	arn := reqStr(in, "ResourceARN")
	if !in.has("Tags") {
		bad("MissingParameter", "The parameter Tags is required.")
	}
	tags := readTags(in, "Tags")
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.alarmByARN(arn)
	merged := append([]tag(nil), a.tags...)
	for _, t := range tags {
		replaced := false
		for i := range merged {
			if merged[i].Key == t.Key {
				merged[i].Value = t.Value
				replaced = true
			}
		}
		if !replaced {
			merged = append(merged, t)
		}
	}
	if len(merged) > 50 {
		bad("LimitExceededException", "The resource %s would have more than 50 tags.", arn)
	}
	a.tags = merged
	return cbor.Map{}
}

func (s *Service) untagResource(in obj) cbor.Value {
	arn := reqStr(in, "ResourceARN")
	keys, ok := in.strs("TagKeys")
	if !ok {
		bad("MissingParameter", "The parameter TagKeys is required.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.alarmByARN(arn)
	var kept []tag
	for _, t := range a.tags {
		if !contains(keys, t.Key) {
			kept = append(kept, t)
		}
	}
	a.tags = kept
	return cbor.Map{}
}
