package cloudwatch

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/awserr"
)

// fuzzOps are the emulated operations, sorted, plus one that is not
// (UnknownOperationException path). FuzzServeCBOR picks one by a byte, so a
// committed corpus entry names an operation by its index here.
var fuzzOps = append(Operations(), "PutDashboard")

func fuzzOpIndex(name string) byte {
	for i, op := range fuzzOps {
		if op == name {
			return byte(i)
		}
	}
	panic("unknown operation " + name)
}

// fuzzNow is the fuzzed service's clock.
var fuzzNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func fuzzTS(t time.Time) cbor.Value {
	return &cbor.Tag{ID: 1, Value: cbor.Float64(float64(t.UnixMilli()) / 1e3)}
}

// newFuzzService returns a service holding a few datapoints of
// App/Errors{Color=blue} and an alarm "bg-errors" on that metric.
func newFuzzService(t *testing.T) *Service {
	t.Helper()
	s := New(Options{Now: func() time.Time { return fuzzNow }})
	for i := 1; i <= 5; i++ {
		s.Publish(Datapoint{Namespace: "App", MetricName: "Errors", Dimensions: map[string]string{"Color": "blue"},
			Timestamp: fuzzNow.Add(-time.Duration(i) * time.Minute), Values: []float64{float64(i), 2 * float64(i)}, Unit: "Count"})
	}
	out, err := s.ServeCBOR("PutMetricAlarm", cbor.Encode(cbor.Map{
		"AlarmName":          cbor.String("bg-errors"),
		"Namespace":          cbor.String("App"),
		"MetricName":         cbor.String("Errors"),
		"Dimensions":         cbor.List{cbor.Map{"Name": cbor.String("Color"), "Value": cbor.String("blue")}},
		"Statistic":          cbor.String("Sum"),
		"Period":             cbor.Uint(60),
		"EvaluationPeriods":  cbor.Uint(1),
		"Threshold":          cbor.Float64(5),
		"ComparisonOperator": cbor.String("GreaterThanThreshold"),
		"Tags":               cbor.List{cbor.Map{"Key": cbor.String("team"), "Value": cbor.String("web")}},
	}))
	if err != nil || out != nil {
		t.Fatalf("setup PutMetricAlarm: %q %v", out, err)
	}
	return s
}

// fuzzCBORSeeds are well-formed requests for every operation (plus a few
// near misses); the fuzzer mutates their bytes.
type cborSeed struct {
	op   string
	body []byte
}

func fuzzCBORSeeds() []cborSeed {
	metric := cbor.Map{
		"Namespace":  cbor.String("App"),
		"MetricName": cbor.String("Errors"),
		"Dimensions": cbor.List{cbor.Map{"Name": cbor.String("Color"), "Value": cbor.String("blue")}},
	}
	arn := cbor.String(New(Options{}).alarmARN("bg-errors"))
	seeds := []struct {
		op string
		v  cbor.Value
	}{
		{"PutMetricData", cbor.Map{"Namespace": cbor.String("App"), "MetricData": cbor.List{
			cbor.Map{"MetricName": cbor.String("Errors"), "Value": cbor.Float64(3), "Unit": cbor.String("Count"), "Timestamp": fuzzTS(fuzzNow.Add(-time.Minute)),
				"Dimensions": cbor.List{cbor.Map{"Name": cbor.String("Color"), "Value": cbor.String("green")}}},
			cbor.Map{"MetricName": cbor.String("Latency"), "Values": cbor.List{cbor.Float64(0.1), cbor.Float64(0.2)}, "Counts": cbor.List{cbor.Uint(3), cbor.Uint(1)}},
			cbor.Map{"MetricName": cbor.String("Size"), "StatisticValues": cbor.Map{"SampleCount": cbor.Uint(2), "Sum": cbor.Uint(10), "Minimum": cbor.Uint(4), "Maximum": cbor.Uint(6)}},
		}}},
		{"GetMetricData", cbor.Map{
			"StartTime": fuzzTS(fuzzNow.Add(-10 * time.Minute)), "EndTime": fuzzTS(fuzzNow),
			"MetricDataQueries": cbor.List{
				cbor.Map{"Id": cbor.String("e"), "MetricStat": cbor.Map{"Metric": metric, "Period": cbor.Uint(60), "Stat": cbor.String("Sum")}, "ReturnData": cbor.Bool(false)},
				cbor.Map{"Id": cbor.String("p"), "MetricStat": cbor.Map{"Metric": metric, "Period": cbor.Uint(60), "Stat": cbor.String("p99")}},
				cbor.Map{"Id": cbor.String("r"), "Expression": cbor.String("100 * e / (e + 1) ^ 2 - -p"), "Label": cbor.String("rate")},
			}}},
		{"GetMetricData", cbor.Map{
			"StartTime": fuzzTS(fuzzNow.Add(-10 * time.Minute)), "EndTime": fuzzTS(fuzzNow),
			"MetricDataQueries": cbor.List{
				cbor.Map{"Id": cbor.String("e"), "MetricStat": cbor.Map{"Metric": metric, "Period": cbor.Uint(60), "Stat": cbor.String("Sum")}, "ReturnData": cbor.Bool(false)},
				cbor.Map{"Id": cbor.String("m"), "Expression": cbor.String(`SUM(FILL([e, e * 2], 0)) / MAX(e) + AVG(METRICS("Err"))`)},
			}}},
		{"GetMetricData", cbor.Map{
			"StartTime": fuzzTS(fuzzNow.Add(-time.Hour)), "EndTime": fuzzTS(fuzzNow), "ScanBy": cbor.String("TimestampAscending"),
			"MetricDataQueries": cbor.List{cbor.Map{"Id": cbor.String("a"), "Expression": cbor.String("a + 1")}}}},
		{"GetMetricStatistics", cbor.Map{"Namespace": cbor.String("App"), "MetricName": cbor.String("Errors"),
			"Dimensions": metric["Dimensions"], "StartTime": fuzzTS(fuzzNow.Add(-10 * time.Minute)), "EndTime": fuzzTS(fuzzNow),
			"Period": cbor.Uint(60), "Statistics": cbor.List{cbor.String("Sum"), cbor.String("Average"), cbor.String("SampleCount")}}},
		{"GetMetricStatistics", cbor.Map{"Namespace": cbor.String("App"), "MetricName": cbor.String("Errors"),
			"StartTime": fuzzTS(fuzzNow.Add(-time.Hour)), "EndTime": fuzzTS(fuzzNow), "Period": cbor.Uint(5),
			"ExtendedStatistics": cbor.List{cbor.String("p50")}}},
		{"ListMetrics", cbor.Map{"Namespace": cbor.String("App"), "Dimensions": cbor.List{cbor.Map{"Name": cbor.String("Color")}}, "RecentlyActive": cbor.String("PT3H")}},
		{"ListMetrics", cbor.Map{"NextToken": cbor.String("x")}},
		{"PutMetricAlarm", cbor.Map{"AlarmName": cbor.String("m"), "ComparisonOperator": cbor.String("GreaterThanOrEqualToThreshold"),
			"EvaluationPeriods": cbor.Uint(3), "DatapointsToAlarm": cbor.Uint(2), "Threshold": cbor.Float64(1), "TreatMissingData": cbor.String("notBreaching"),
			"Metrics": cbor.List{
				cbor.Map{"Id": cbor.String("e"), "MetricStat": cbor.Map{"Metric": metric, "Period": cbor.Uint(60), "Stat": cbor.String("Sum")}, "ReturnData": cbor.Bool(false)},
				cbor.Map{"Id": cbor.String("x"), "Expression": cbor.String("e * 2"), "ReturnData": cbor.Bool(true)},
			}}},
		{"PutMetricAlarm", cbor.Map{"AlarmName": cbor.String("p"), "ComparisonOperator": cbor.String("LessThanThreshold"), "Namespace": cbor.String("App"),
			"MetricName": cbor.String("Latency"), "ExtendedStatistic": cbor.String("p99.9"), "Period": cbor.Uint(10), "EvaluationPeriods": cbor.Uint(6),
			"Threshold": cbor.NegInt(1), "AlarmActions": cbor.List{cbor.String("arn:aws:sns:us-east-1:123456789012:t")}}},
		{"DescribeAlarms", cbor.Map{"AlarmNames": cbor.List{cbor.String("bg-errors")}, "StateValue": cbor.String("INSUFFICIENT_DATA"), "MaxRecords": cbor.Uint(1)}},
		{"DescribeAlarms", cbor.Map{"AlarmNamePrefix": cbor.String("bg-"), "AlarmTypes": cbor.List{cbor.String("MetricAlarm")}}},
		{"DescribeAlarmsForMetric", cbor.Map{"Namespace": cbor.String("App"), "MetricName": cbor.String("Errors"), "Dimensions": metric["Dimensions"],
			"Statistic": cbor.String("Sum"), "Period": cbor.Uint(60)}},
		{"SetAlarmState", cbor.Map{"AlarmName": cbor.String("bg-errors"), "StateValue": cbor.String("ALARM"), "StateReason": cbor.String("test"),
			"StateReasonData": cbor.String(`{"version":"1.0"}`)}},
		{"DeleteAlarms", cbor.Map{"AlarmNames": cbor.List{cbor.String("bg-errors"), cbor.String("missing")}}},
		{"ListTagsForResource", cbor.Map{"ResourceARN": arn}},
		{"TagResource", cbor.Map{"ResourceARN": arn, "Tags": cbor.List{cbor.Map{"Key": cbor.String("env"), "Value": cbor.String("prod")}}}},
		{"UntagResource", cbor.Map{"ResourceARN": arn, "TagKeys": cbor.List{cbor.String("team")}}},
		{"PutDashboard", cbor.Map{"DashboardName": cbor.String("d")}},
	}
	out := make([]cborSeed, 0, len(seeds)+3)
	for _, sd := range seeds {
		out = append(out, cborSeed{sd.op, cbor.Encode(sd.v)})
	}
	return append(out,
		cborSeed{"DescribeAlarms", nil},                           // empty body: empty input
		cborSeed{"PutMetricData", []byte{0x01}},                   // not a map
		cborSeed{"PutMetricData", []byte{0x1f, 0x8b, 0x08, 0x00}}, // truncated gzip
	)
}

// FuzzServeCBOR sends arbitrary bytes as the body of each operation (picked
// by a byte) to a service holding some metric data and an alarm. It checks:
// no panic (including panics ServeCBOR recovers into InternalFailure), an
// error has a code, a message and a 4xx/5xx status and renders with
// WriteError; a success body is a CBOR map (or nil for Unit outputs); and the
// service lock is released. Run with
//
//	go test -run '^$' -fuzz '^FuzzServeCBOR$' -fuzztime 20s ./internal/sandbox/cloudwatch
func FuzzServeCBOR(f *testing.F) {
	for _, sd := range fuzzCBORSeeds() {
		f.Add(fuzzOpIndex(sd.op), sd.body)
	}
	f.Fuzz(func(t *testing.T, sel byte, body []byte) {
		op := fuzzOps[int(sel)%len(fuzzOps)]
		s := newFuzzService(t)
		out, err := s.ServeCBOR(op, body)
		checkCBORResult(t, op, out, err)
		if !s.mu.TryLock() {
			t.Fatalf("%s left the service locked", op)
		}
		s.mu.Unlock()
		// The state the call left must still be readable.
		for _, op2 := range []string{"DescribeAlarms", "ListMetrics"} {
			out, err := s.ServeCBOR(op2, nil)
			if err != nil {
				t.Fatalf("after %s: %s failed: %v", op, op2, err)
			}
			checkCBORResult(t, "after "+op+": "+op2, out, err)
		}
	})
}

func checkCBORResult(t *testing.T, what string, out []byte, err *awserr.Error) {
	t.Helper()
	if err != nil {
		if out != nil {
			t.Fatalf("%s: both a body and error %v", what, err)
		}
		if err.Code == "InternalFailure" || strings.HasPrefix(err.Message, "sandbox panic") {
			t.Fatalf("%s: handler panicked (recovered by ServeCBOR): %s", what, err.Message)
		}
		if err.Code == "" || err.Message == "" || err.Status < 400 || err.Status > 599 {
			t.Fatalf("%s: malformed error code=%q status=%d message=%q", what, err.Code, err.Status, err.Message)
		}
		rec := httptest.NewRecorder()
		WriteError(rec, err)
		if rec.Code != err.Status || rec.Header().Get("X-Amzn-Query-Error") == "" {
			t.Fatalf("%s: WriteError wrote status %d headers %v for %v", what, rec.Code, rec.Header(), err)
		}
		if _, derr := cbor.Decode(rec.Body.Bytes()); derr != nil {
			t.Fatalf("%s: WriteError body is not CBOR: %v", what, derr)
		}
		return
	}
	if out == nil {
		return // Unit output
	}
	v, derr := cbor.Decode(out)
	if derr != nil {
		t.Fatalf("%s: response is not CBOR: %v", what, derr)
	}
	if _, ok := v.(cbor.Map); !ok {
		t.Fatalf("%s: response is %T, want a CBOR map", what, v)
	}
}
