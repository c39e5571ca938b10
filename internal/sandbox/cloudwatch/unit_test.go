package cloudwatch

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/encoding/cbor"
	"github.com/aws/smithy-go/traits"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/awserr"
)

func seq(lo, hi int) []wpt {
	var out []wpt
	for i := lo; i <= hi; i++ {
		out = append(out, wpt{float64(i), 1})
	}
	return out
}

func TestPercentile(t *testing.T) {
	tests := []struct {
		name string
		pts  []wpt
		p    float64
		want float64
		ok   bool
	}{
		{"empty", nil, 99, 0, false},
		{"zero weights only", []wpt{{5, 0}}, 50, 0, false},
		{"single", []wpt{{7, 1}}, 99, 7, true},
		{"single p0", []wpt{{7, 1}}, 0, 7, true},
		{"1..100 p0 is min", seq(1, 100), 0, 1, true},
		{"1..100 p1", seq(1, 100), 1, 1, true},
		{"1..100 p50", seq(1, 100), 50, 50, true},
		{"1..100 p90", seq(1, 100), 90, 90, true},
		{"1..100 p99", seq(1, 100), 99, 99, true},
		{"1..100 p99.5", seq(1, 100), 99.5, 100, true},
		{"1..100 p100", seq(1, 100), 100, 100, true},
		{"1..100 p90.5", seq(1, 100), 90.5, 91, true},
		{"1..10 p99 rounds up to max", seq(1, 10), 99, 10, true},
		{"1..10 p90", seq(1, 10), 90, 9, true},
		{"1..10 p91", seq(1, 10), 91, 10, true},
		{"1..10 p10", seq(1, 10), 10, 1, true},
		{"1..10 p10.01", seq(1, 10), 10.01, 2, true},
		{"1..1000 p99.9", seq(1, 1000), 99.9, 999, true},
		{"unsorted input", []wpt{{3, 1}, {1, 1}, {2, 1}, {5, 1}, {4, 1}}, 60, 3, true},
		{"duplicates", []wpt{{2, 1}, {2, 1}, {2, 1}, {9, 1}}, 75, 2, true},
		{"weighted p90", []wpt{{10, 90}, {20, 9}, {1000, 1}}, 90, 10, true},
		{"weighted p90.01", []wpt{{10, 90}, {20, 9}, {1000, 1}}, 90.01, 20, true},
		{"weighted p99", []wpt{{10, 90}, {20, 9}, {1000, 1}}, 99, 20, true},
		{"weighted p99.01", []wpt{{10, 90}, {20, 9}, {1000, 1}}, 99.01, 1000, true},
		{"fractional weights", []wpt{{1, 0.5}, {2, 0.5}}, 50, 1, true},
		{"zero weight ignored", []wpt{{1, 0}, {5, 1}, {6, 1}}, 0, 5, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := percentile(tt.pts, tt.p)
			if ok != tt.ok || got != tt.want {
				t.Fatalf("percentile(p%v) = %v, %v; want %v, %v", tt.p, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestParseStat(t *testing.T) {
	tests := []struct {
		in   string
		sup  statSupport
		pct  bool
		rank float64
	}{
		{"Sum", statOK, false, 0},
		{"SampleCount", statOK, false, 0},
		{"p99", statOK, true, 99},
		{"p99.9", statOK, true, 99.9},
		{"p0", statOK, true, 0},
		{"p100", statOK, true, 100},
		{"p100.1", statInvalid, false, 0},
		{"p101", statInvalid, false, 0},
		{"P99", statInvalid, false, 0},
		{"p", statInvalid, false, 0},
		{"sum", statInvalid, false, 0},
		{"Median", statInvalid, false, 0},
		{"tm99", statUnsupported, false, 0},
		{"IQM", statUnsupported, false, 0},
		{"TM(10%:90%)", statUnsupported, false, 0},
		{"PR(:300)", statUnsupported, false, 0},
	}
	for _, tt := range tests {
		st, sup := parseStat(tt.in)
		if sup != tt.sup || (sup == statOK && (st.pct != tt.pct || st.p != tt.rank || st.name != tt.in)) {
			t.Errorf("parseStat(%q) = %+v, %v; want support %v pct %v p %v", tt.in, st, sup, tt.sup, tt.pct, tt.rank)
		}
	}
}

func TestAggStatisticSets(t *testing.T) {
	a := newAgg()
	a.add(sample{set: &statSet{n: 4, sum: 20, min: 5, max: 5}}) // exact: 5 ×4
	a.add(sample{vals: []float64{1, 9}})
	for _, c := range []struct {
		stat string
		want float64
	}{{"SampleCount", 6}, {"Sum", 30}, {"Average", 5}, {"Minimum", 1}, {"Maximum", 9}, {"p50", 5}, {"p100", 9}, {"p0", 1}} {
		st, _ := parseStat(c.stat)
		if got, ok := a.value(st); !ok || got != c.want {
			t.Errorf("%s = %v, %v; want %v", c.stat, got, ok, c.want)
		}
	}
	// A statistic set with SampleCount > 1 and Min != Max makes percentiles unavailable.
	a.add(sample{set: &statSet{n: 2, sum: 3, min: 1, max: 2}})
	if _, ok := a.value(stat{name: "p50", pct: true, p: 50}); ok {
		t.Error("percentile available over a non-exact statistic set")
	}
	// Negative values make percentiles unavailable.
	b := newAgg()
	b.add(sample{vals: []float64{-1, 2}})
	if _, ok := b.value(stat{name: "p50", pct: true, p: 50}); ok {
		t.Error("percentile available over negative values")
	}
	if v, _ := b.value(stat{name: "Sum"}); v != 1 {
		t.Errorf("Sum = %v", v)
	}
}

func TestBucket(t *testing.T) {
	ts := time.Date(2025, 6, 1, 11, 52, 59, 999e6, time.UTC)
	epoch := time.Unix(0, 0)
	if got := bucket(ts, epoch, 60); got != time.Date(2025, 6, 1, 11, 52, 0, 0, time.UTC).Unix() {
		t.Errorf("bucket 60 = %v", time.Unix(got, 0).UTC())
	}
	// Periods are laid from the (rounded) start time: from 11:47 with 300 s,
	// 11:52:59 falls in the period starting at 11:52.
	origin := time.Date(2025, 6, 1, 11, 47, 0, 0, time.UTC)
	if got := bucket(ts, origin, 300); got != time.Date(2025, 6, 1, 11, 52, 0, 0, time.UTC).Unix() {
		t.Errorf("bucket 300 = %v", time.Unix(got, 0).UTC())
	}
	if got := bucket(time.Unix(-1, 0), epoch, 60); got != -60 {
		t.Errorf("bucket(-1) = %d", got)
	}
}

func TestRoundStart(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		start  time.Time
		period int64
		want   time.Time
	}{
		{time.Date(2025, 6, 1, 11, 32, 34, 0, time.UTC), 60, time.Date(2025, 6, 1, 11, 32, 0, 0, time.UTC)},
		{time.Date(2025, 6, 1, 1, 5, 23, 0, time.UTC), 10, time.Date(2025, 6, 1, 1, 5, 20, 0, time.UTC)},
		{time.Date(2025, 5, 1, 12, 32, 34, 0, time.UTC), 300, time.Date(2025, 5, 1, 12, 30, 0, 0, time.UTC)},
		{time.Date(2025, 3, 1, 12, 32, 34, 0, time.UTC), 3600, time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)},
	}
	for _, c := range cases {
		if got := roundStart(c.start, now, c.period); !got.Equal(c.want) {
			t.Errorf("roundStart(%v, %d) = %v, want %v", c.start, c.period, got, c.want)
		}
	}
}

func TestWriteErrorWire(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteError(rec, &awserr.Error{Code: "ResourceNotFound", Message: "Alarm x not found", Status: 404})
	if rec.Code != 404 {
		t.Errorf("status %d", rec.Code)
	}
	for k, v := range map[string]string{
		"Smithy-Protocol":    "rpc-v2-cbor",
		"Content-Type":       "application/cbor",
		"X-Amzn-Query-Error": "ResourceNotFound;Sender",
	} {
		if got := rec.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	v, err := cbor.Decode(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	m := v.(cbor.Map)
	if m["__type"] != cbor.String("com.amazonaws.cloudwatch#ResourceNotFound") || m["message"] != cbor.String("Alarm x not found") {
		t.Errorf("body %#v", m)
	}

	// Status 0 → modelled default; 5xx → Receiver.
	rec = httptest.NewRecorder()
	WriteError(rec, &awserr.Error{Code: "InternalFailure", Message: "boom"})
	if rec.Code != 500 || rec.Header().Get("X-Amzn-Query-Error") != "InternalFailure;Receiver" {
		t.Errorf("InternalFailure: %d %v", rec.Code, rec.Header())
	}
	// Capital-M message member for shapes that model it so.
	rec = httptest.NewRecorder()
	WriteError(rec, apiError("LimitExceededException", "too many"))
	v, _ = cbor.Decode(rec.Body.Bytes())
	if m := v.(cbor.Map); m["Message"] != cbor.String("too many") || m["message"] != cbor.String("too many") {
		t.Errorf("LimitExceededException body %#v", m)
	}
}

// TestErrorShapesMatchModel cross-checks the errorShapes table against the
// @awsQueryError / @httpError traits and members in the SDK's type registry.
func TestErrorShapesMatchModel(t *testing.T) {
	for id, entry := range cw.TypeRegistry.Entries {
		s := entry.Schema
		if _, isErr := smithy.SchemaTrait[*traits.Error](s); !isErr {
			continue
		}
		code := s.ID().Name
		if q, ok := smithy.SchemaTrait[*traits.AWSQueryError](s); ok {
			code = q.ErrorCode
		}
		sh, ok := errorShapes[code]
		if !ok {
			t.Errorf("%s: query code %s missing from errorShapes", id, code)
			continue
		}
		if sh.typ != id {
			if id == "com.amazonaws.cloudwatch#DashboardNotFoundError" && code == "ResourceNotFound" {
				continue // shares its query code with ResourceNotFound
			}
			t.Errorf("%s: errorShapes[%s].typ = %s", id, code, sh.typ)
		}
		status := 400
		if e, _ := smithy.SchemaTrait[*traits.Error](s); e.Type == "server" {
			status = 500
		}
		if h, ok := smithy.SchemaTrait[*traits.HTTPError](s); ok {
			status = h.Code
		}
		if sh.status != status {
			t.Errorf("%s: status %d, model says %d", id, sh.status, status)
		}
		if _, ok := s.Members()[sh.messageKey]; !ok {
			t.Errorf("%s: no member %q (members %v)", id, sh.messageKey, sortedKeys(s.Members()))
		}
	}
}

func TestServeCBORWire(t *testing.T) {
	s := New(Options{Now: func() time.Time { return testNow }})
	if _, e := s.ServeCBOR("PutDashboard", nil); e == nil || e.Code != "UnknownOperationException" || e.Status != http.StatusNotFound {
		t.Errorf("unknown op: %+v", e)
	}
	if _, e := s.ServeCBOR("PutMetricData", []byte{0x01}); e == nil || e.Code != "SerializationException" {
		t.Errorf("non-map body: %+v", e)
	}
	body := cbor.Encode(cbor.Map{"Namespace": cbor.Uint(3)})
	if _, e := s.ServeCBOR("PutMetricData", body); e == nil || e.Code != "SerializationException" || !strings.Contains(e.Message, "Namespace") {
		t.Errorf("wrong member type: %+v", e)
	}
	// Empty body for an operation with no required input.
	out, e := s.ServeCBOR("DescribeAlarms", nil)
	if e != nil {
		t.Fatal(e)
	}
	v, err := cbor.Decode(out)
	if err != nil {
		t.Fatal(err)
	}
	if l, ok := v.(cbor.Map)["MetricAlarms"].(cbor.List); !ok || len(l) != 0 {
		t.Errorf("DescribeAlarms body %#v", v)
	}
	// Unit output → nil body.
	body = cbor.Encode(cbor.Map{
		"Namespace": cbor.String("N"),
		"MetricData": cbor.List{cbor.Map{
			"MetricName": cbor.String("m"),
			"Value":      cbor.Uint(3), // integers are accepted for doubles
			"Timestamp":  &cbor.Tag{ID: 1, Value: cbor.Float64(float64(testNow.UnixMilli())/1e3 - 0.25)},
		}},
	})
	if out, e := s.ServeCBOR("PutMetricData", body); e != nil || out != nil {
		t.Fatalf("PutMetricData: %q %+v", out, e)
	}
	se := s.metrics[metricKey("N", "m", nil)]
	if se == nil || len(se.samples) != 1 || !se.samples[0].t.Equal(testNow.Add(-250*time.Millisecond)) || se.samples[0].vals[0] != 3 || se.samples[0].unit != "None" {
		t.Fatalf("stored %+v", se)
	}
}

func TestDecodeParams(t *testing.T) {
	ts := time.Date(2025, 6, 1, 11, 0, 0, 500e6, time.UTC)
	body := cbor.Encode(cbor.Map{
		"S":    cbor.String("x"),
		"I":    cbor.Uint(60),
		"N":    cbor.NegInt(5),
		"F":    cbor.Float64(1.5),
		"B":    cbor.Bool(true),
		"T":    &cbor.Tag{ID: 1, Value: cbor.Float64(float64(ts.UnixMilli()) / 1e3)},
		"TI":   &cbor.Tag{ID: 1, Value: cbor.Uint(1700000000)},
		"L":    cbor.List{cbor.String("a"), cbor.Map{"K": cbor.String("v")}},
		"Null": &cbor.Nil{},
	})
	p, err := DecodeParams(body)
	if err != nil {
		t.Fatal(err)
	}
	if p["S"] != "x" || p["I"] != 60.0 || p["N"] != -5.0 || p["F"] != 1.5 || p["B"] != true || p["Null"] != nil {
		t.Errorf("scalars %#v", p)
	}
	if tt, ok := p["T"].(time.Time); !ok || !tt.Equal(ts) {
		t.Errorf("T = %#v", p["T"])
	}
	if tt, ok := p["TI"].(time.Time); !ok || tt.Unix() != 1700000000 {
		t.Errorf("TI = %#v", p["TI"])
	}
	l := p["L"].([]any)
	if l[0] != "a" || l[1].(map[string]any)["K"] != "v" {
		t.Errorf("L = %#v", l)
	}
	if p, err := DecodeParams(nil); err != nil || len(p) != 0 || p == nil {
		t.Errorf("empty: %v %v", p, err)
	}
	if _, err := DecodeParams([]byte{0x01}); err == nil {
		t.Error("non-map body accepted")
	}
}

func TestCoralPath(t *testing.T) {
	for in, want := range map[string]string{
		"StateValue":               "stateValue",
		"MetricData.member.1.Unit": "metricData.1.member.unit",
		"MetricData.member.12.Dimensions.member.3.Name": "metricData.12.member.dimensions.3.member.name",
	} {
		if got := coralPath(in); got != want {
			t.Errorf("coralPath(%q) = %q, want %q", in, got, want)
		}
	}
}
