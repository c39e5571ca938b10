package cloudwatch

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/awserr"
)

var testNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// harness is an httptest server that routes Smithy RPC v2 CBOR requests to a
// Service the way the sandbox server core does, plus an optional fault hook.
type harness struct {
	svc    *Service
	client *cw.Client

	mu       sync.Mutex
	calls    map[string]int            // attempts per operation
	params   map[string]map[string]any // last DecodeParams per operation
	headers  map[string]http.Header    // last request headers per operation
	injectFn func(op string, attempt int) *awserr.Error
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{
		svc:     New(Options{Now: func() time.Time { return testNow }}),
		calls:   map[string]int{},
		params:  map[string]map[string]any{},
		headers: map[string]http.Header{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /service/GraniteServiceVersion20100801/operation/{op}", func(w http.ResponseWriter, r *http.Request) {
		op := r.PathValue("op")
		body, err := io.ReadAll(r.Body)
		if err != nil {
			WriteError(w, apiError("InternalFailure", "read body: %v", err))
			return
		}
		p, perr := DecodeParams(body)
		h.mu.Lock()
		h.calls[op]++
		attempt := h.calls[op]
		if perr == nil {
			h.params[op] = p
		}
		h.headers[op] = r.Header.Clone()
		inject := h.injectFn
		h.mu.Unlock()
		if perr != nil {
			t.Errorf("DecodeParams(%s): %v\n%x", op, perr, body)
		}
		if inject != nil {
			if e := inject(op, attempt); e != nil {
				WriteError(w, e)
				return
			}
		}
		out, aerr := h.svc.ServeCBOR(op, body)
		if aerr != nil {
			WriteError(w, aerr)
			return
		}
		w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
		if len(out) > 0 {
			w.Header().Set("Content-Type", "application/cbor")
		}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(out)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	h.client = cw.New(cw.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		// The standard retryer (default retryables, 3 attempts) without
		// backoff sleeps, to keep the test fast.
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		}),
	})
	return h
}

func (h *harness) attempts(op string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.calls[op]
}

var ctx = context.Background()

func at(hms string) time.Time {
	t, err := time.Parse("15:04:05", hms)
	if err != nil {
		panic(err)
	}
	return time.Date(testNow.Year(), testNow.Month(), testNow.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
}

func dims(kv ...string) []types.Dimension {
	var out []types.Dimension
	for i := 0; i < len(kv); i += 2 {
		out = append(out, types.Dimension{Name: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return out
}

func wantCode(t *testing.T, err error, code string) smithy.APIError {
	t.Helper()
	if err == nil {
		t.Fatalf("want error %s, got nil", code)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want smithy.APIError %s, got %T: %v", code, err, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("ErrorCode() = %q, want %q (err: %v)", ae.ErrorCode(), code, err)
	}
	return ae
}

const ns = "BlueGreen/Test"

func putRequests(t *testing.T, h *harness) {
	t.Helper()
	_, err := h.client.PutMetricData(ctx, &cw.PutMetricDataInput{
		Namespace: aws.String(ns),
		MetricData: []types.MetricDatum{
			{MetricName: aws.String("RequestCount"), Dimensions: dims("TargetGroup", "tg-blue"), Timestamp: aws.Time(at("11:50:10")), Value: aws.Float64(10), Unit: types.StandardUnitCount},
			{MetricName: aws.String("RequestCount"), Dimensions: dims("TargetGroup", "tg-blue"), Timestamp: aws.Time(at("11:50:40")), Value: aws.Float64(5), Unit: types.StandardUnitCount},
			{MetricName: aws.String("RequestCount"), Dimensions: dims("TargetGroup", "tg-blue"), Timestamp: aws.Time(at("11:51:20")),
				Values: []float64{1, 2, 3}, Counts: []float64{1, 1, 2}, Unit: types.StandardUnitCount},
			{MetricName: aws.String("RequestCount"), Dimensions: dims("TargetGroup", "tg-blue"), Timestamp: aws.Time(at("11:53:59")),
				StatisticValues: &types.StatisticSet{SampleCount: aws.Float64(3), Sum: aws.Float64(30), Minimum: aws.Float64(5), Maximum: aws.Float64(15)}, Unit: types.StandardUnitCount},
			// Another metric (different dimension value): must not leak into tg-blue.
			{MetricName: aws.String("RequestCount"), Dimensions: dims("TargetGroup", "tg-green"), Timestamp: aws.Time(at("11:50:30")), Value: aws.Float64(1000), Unit: types.StandardUnitCount},
			// Outside [11:50, 11:55).
			{MetricName: aws.String("RequestCount"), Dimensions: dims("TargetGroup", "tg-blue"), Timestamp: aws.Time(at("11:55:00")), Value: aws.Float64(99), Unit: types.StandardUnitCount},
		},
	})
	if err != nil {
		t.Fatalf("PutMetricData: %v", err)
	}
}

func putLatency(t *testing.T, h *harness) {
	t.Helper()
	vals := make([]float64, 100)
	for i := range vals {
		vals[i] = float64(100 - i) // 100..1, unsorted on purpose
	}
	_, err := h.client.PutMetricData(ctx, &cw.PutMetricDataInput{
		Namespace: aws.String(ns),
		MetricData: []types.MetricDatum{
			// 11:52: the values 1..100 once each.
			{MetricName: aws.String("TargetResponseTime"), Dimensions: dims("TargetGroup", "tg-blue"), Timestamp: aws.Time(at("11:52:30")), Values: vals, Unit: types.StandardUnitMilliseconds},
			// 11:53: 10 ×90, 20 ×9, 1000 ×1 (weighted by Counts).
			{MetricName: aws.String("TargetResponseTime"), Dimensions: dims("TargetGroup", "tg-blue"), Timestamp: aws.Time(at("11:53:01")),
				Values: []float64{1000, 10, 20}, Counts: []float64{1, 90, 9}, Unit: types.StandardUnitMilliseconds},
		},
	})
	if err != nil {
		t.Fatalf("PutMetricData: %v", err)
	}
}

type point struct {
	t time.Time
	v float64
}

func points(t *testing.T, r types.MetricDataResult) []point {
	t.Helper()
	if len(r.Timestamps) != len(r.Values) {
		t.Fatalf("%s: %d timestamps, %d values", aws.ToString(r.Id), len(r.Timestamps), len(r.Values))
	}
	out := make([]point, len(r.Values))
	for i := range r.Values {
		out[i] = point{r.Timestamps[i].UTC(), r.Values[i]}
	}
	return out
}

func checkPoints(t *testing.T, what string, got, want []point) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
	for i := range got {
		if !got[i].t.Equal(want[i].t) || math.Abs(got[i].v-want[i].v) > 1e-9 {
			t.Fatalf("%s: got %v, want %v", what, got, want)
		}
	}
}

func metricStat(id, name, stat string, period int32) types.MetricDataQuery {
	return types.MetricDataQuery{
		Id: aws.String(id),
		MetricStat: &types.MetricStat{
			Metric: &types.Metric{Namespace: aws.String(ns), MetricName: aws.String(name), Dimensions: dims("TargetGroup", "tg-blue")},
			Period: aws.Int32(period),
			Stat:   aws.String(stat),
		},
	}
}

func TestSDKGetMetricDataSumAndPercentiles(t *testing.T) {
	h := newHarness(t)
	putRequests(t, h)
	putLatency(t, h)

	errQ := metricStat("errors", "HTTPCode_Target_5XX_Count", "Sum", 60)
	errQ.ReturnData = aws.Bool(false)
	h.svc.Publish(Datapoint{Namespace: ns, MetricName: "HTTPCode_Target_5XX_Count", Dimensions: map[string]string{"TargetGroup": "tg-blue"},
		Timestamp: at("11:50:05"), Values: []float64{3}, Unit: "Count"})

	out, err := h.client.GetMetricData(ctx, &cw.GetMetricDataInput{
		StartTime: aws.Time(at("11:50:00")),
		EndTime:   aws.Time(at("11:55:00")),
		MetricDataQueries: []types.MetricDataQuery{
			metricStat("requests", "RequestCount", "Sum", 60),
			metricStat("requests5m", "RequestCount", "Sum", 300),
			metricStat("count", "RequestCount", "SampleCount", 60),
			metricStat("avg", "RequestCount", "Average", 60),
			metricStat("minimum", "RequestCount", "Minimum", 60),
			metricStat("maximum", "RequestCount", "Maximum", 60),
			metricStat("p99", "TargetResponseTime", "p99", 60),
			metricStat("p90", "TargetResponseTime", "p90", 60),
			metricStat("p50", "TargetResponseTime", "p50", 60),
			metricStat("p99_9", "TargetResponseTime", "p99.9", 60),
			errQ,
			{Id: aws.String("errorRate"), Expression: aws.String("100 * errors / requests"), Label: aws.String("5xx %")},
		},
	})
	if err != nil {
		t.Fatalf("GetMetricData: %v", err)
	}
	got := map[string]types.MetricDataResult{}
	var ids []string
	for _, r := range out.MetricDataResults {
		got[aws.ToString(r.Id)] = r
		ids = append(ids, aws.ToString(r.Id))
		if r.StatusCode != types.StatusCodeComplete {
			t.Errorf("%s: StatusCode %q", aws.ToString(r.Id), r.StatusCode)
		}
	}
	if _, ok := got["errors"]; ok {
		t.Errorf("ReturnData=false query returned: %v", ids)
	}
	if len(out.MetricDataResults) != 11 {
		t.Fatalf("results %v", ids)
	}

	// Newest first (TimestampDescending is the default).
	checkPoints(t, "Sum/60", points(t, got["requests"]), []point{{at("11:53:00"), 30}, {at("11:51:00"), 9}, {at("11:50:00"), 15}})
	checkPoints(t, "Sum/300", points(t, got["requests5m"]), []point{{at("11:50:00"), 54}})
	checkPoints(t, "SampleCount", points(t, got["count"]), []point{{at("11:53:00"), 3}, {at("11:51:00"), 4}, {at("11:50:00"), 2}})
	checkPoints(t, "Average", points(t, got["avg"]), []point{{at("11:53:00"), 10}, {at("11:51:00"), 2.25}, {at("11:50:00"), 7.5}})
	checkPoints(t, "Minimum", points(t, got["minimum"]), []point{{at("11:53:00"), 5}, {at("11:51:00"), 1}, {at("11:50:00"), 5}})
	checkPoints(t, "Maximum", points(t, got["maximum"]), []point{{at("11:53:00"), 15}, {at("11:51:00"), 3}, {at("11:50:00"), 10}})
	// Nearest rank: 1..100 → p99 = 99, p90 = 90, p50 = 50, p99.9 = 100.
	// Weighted 10×90, 20×9, 1000×1 → p90 = 10, p99 = 20, p99.9 = 1000, p50 = 10.
	checkPoints(t, "p99", points(t, got["p99"]), []point{{at("11:53:00"), 20}, {at("11:52:00"), 99}})
	checkPoints(t, "p90", points(t, got["p90"]), []point{{at("11:53:00"), 10}, {at("11:52:00"), 90}})
	checkPoints(t, "p50", points(t, got["p50"]), []point{{at("11:53:00"), 10}, {at("11:52:00"), 50}})
	checkPoints(t, "p99.9", points(t, got["p99_9"]), []point{{at("11:53:00"), 1000}, {at("11:52:00"), 100}})
	// 100 * 3 / 15 = 20 at 11:50 only (errors has no other timestamps).
	checkPoints(t, "errorRate", points(t, got["errorRate"]), []point{{at("11:50:00"), 20}})
	if l := aws.ToString(got["errorRate"].Label); l != "5xx %" {
		t.Errorf("expression label %q", l)
	}
	if l := aws.ToString(got["requests"].Label); l != "RequestCount" {
		t.Errorf("default label %q", l)
	}

	// TimestampAscending.
	asc, err := h.client.GetMetricData(ctx, &cw.GetMetricDataInput{
		StartTime:         aws.Time(at("11:50:00")),
		EndTime:           aws.Time(at("11:55:00")),
		ScanBy:            types.ScanByTimestampAscending,
		MetricDataQueries: []types.MetricDataQuery{metricStat("requests", "RequestCount", "Sum", 60)},
	})
	if err != nil {
		t.Fatal(err)
	}
	checkPoints(t, "ascending", points(t, asc.MetricDataResults[0]), []point{{at("11:50:00"), 15}, {at("11:51:00"), 9}, {at("11:53:00"), 30}})

	// The API call log view of the request.
	h.mu.Lock()
	p := h.params["PutMetricData"]
	h.mu.Unlock()
	if p["Namespace"] != ns {
		t.Errorf("DecodeParams Namespace = %v", p["Namespace"])
	}
	md := p["MetricData"].([]any)
	first := md[0].(map[string]any)
	if ts, ok := first["Timestamp"].(time.Time); !ok || !ts.Equal(at("11:52:30")) {
		t.Errorf("DecodeParams Timestamp = %#v", first["Timestamp"])
	}
	if vs := first["Values"].([]any); len(vs) != 100 || vs[0] != 100.0 {
		t.Errorf("DecodeParams Values = %v", vs)
	}
}

func TestSDKGetMetricStatistics(t *testing.T) {
	h := newHarness(t)
	putRequests(t, h)
	putLatency(t, h)

	out, err := h.client.GetMetricStatistics(ctx, &cw.GetMetricStatisticsInput{
		Namespace:  aws.String(ns),
		MetricName: aws.String("RequestCount"),
		Dimensions: dims("TargetGroup", "tg-blue"),
		StartTime:  aws.Time(at("11:50:00")),
		EndTime:    aws.Time(at("11:55:00")),
		Period:     aws.Int32(60),
		Statistics: []types.Statistic{types.StatisticSum, types.StatisticSampleCount, types.StatisticAverage, types.StatisticMinimum, types.StatisticMaximum},
	})
	if err != nil {
		t.Fatalf("GetMetricStatistics: %v", err)
	}
	if aws.ToString(out.Label) != "RequestCount" {
		t.Errorf("Label %q", aws.ToString(out.Label))
	}
	dps := out.Datapoints
	sort.Slice(dps, func(i, j int) bool { return dps[i].Timestamp.Before(*dps[j].Timestamp) })
	want := []struct {
		t                   time.Time
		sum, n, avg, lo, hi float64
	}{
		{at("11:50:00"), 15, 2, 7.5, 5, 10},
		{at("11:51:00"), 9, 4, 2.25, 1, 3},
		{at("11:53:00"), 30, 3, 10, 5, 15},
	}
	if len(dps) != len(want) {
		t.Fatalf("datapoints: %+v", dps)
	}
	for i, w := range want {
		d := dps[i]
		if !d.Timestamp.Equal(w.t) || *d.Sum != w.sum || *d.SampleCount != w.n || *d.Average != w.avg || *d.Minimum != w.lo || *d.Maximum != w.hi || d.Unit != types.StandardUnitCount {
			t.Errorf("datapoint %d = {%v sum=%v n=%v avg=%v min=%v max=%v unit=%s}, want %+v", i,
				d.Timestamp, *d.Sum, *d.SampleCount, *d.Average, *d.Minimum, *d.Maximum, d.Unit, w)
		}
	}

	// Percentiles over 5 minutes: 1..100 plus 10×90, 20×9, 1000×1 = 200 samples.
	// Sorted: 1..9 (9), 10 (91), 11..19 (9), 20 (10), 21..100 (80), 1000 (1).
	// p50 → rank 100 → 10 (cumulative 9+91 = 100); p99 → rank 198 → 99;
	// p90 → rank 180: cumulative 119 through 20, then 21..81 add 61 → 81.
	pout, err := h.client.GetMetricStatistics(ctx, &cw.GetMetricStatisticsInput{
		Namespace:          aws.String(ns),
		MetricName:         aws.String("TargetResponseTime"),
		Dimensions:         dims("TargetGroup", "tg-blue"),
		StartTime:          aws.Time(at("11:50:00")),
		EndTime:            aws.Time(at("11:55:00")),
		Period:             aws.Int32(300),
		ExtendedStatistics: []string{"p99", "p90", "p50"},
		Unit:               types.StandardUnitMilliseconds,
	})
	if err != nil {
		t.Fatalf("GetMetricStatistics p99: %v", err)
	}
	if len(pout.Datapoints) != 1 {
		t.Fatalf("datapoints %+v", pout.Datapoints)
	}
	ext := pout.Datapoints[0].ExtendedStatistics
	if ext["p99"] != 99 || ext["p90"] != 81 || ext["p50"] != 10 || pout.Datapoints[0].Sum != nil {
		t.Errorf("extended statistics = %v (sum %v)", ext, pout.Datapoints[0].Sum)
	}

	// Unit filter that matches nothing.
	none, err := h.client.GetMetricStatistics(ctx, &cw.GetMetricStatisticsInput{
		Namespace: aws.String(ns), MetricName: aws.String("RequestCount"), Dimensions: dims("TargetGroup", "tg-blue"),
		StartTime: aws.Time(at("11:50:00")), EndTime: aws.Time(at("11:55:00")), Period: aws.Int32(60),
		Statistics: []types.Statistic{types.StatisticSum}, Unit: types.StandardUnitSeconds,
	})
	if err != nil || len(none.Datapoints) != 0 {
		t.Errorf("unit filter: %v %+v", err, none)
	}

	// Validation.
	base := func() *cw.GetMetricStatisticsInput {
		return &cw.GetMetricStatisticsInput{
			Namespace: aws.String(ns), MetricName: aws.String("RequestCount"),
			StartTime: aws.Time(at("11:00:00")), EndTime: aws.Time(at("12:00:00")), Period: aws.Int32(60),
			Statistics: []types.Statistic{types.StatisticSum},
		}
	}
	in := base()
	in.ExtendedStatistics = []string{"p99"}
	_, err = h.client.GetMetricStatistics(ctx, in)
	var ipc *types.InvalidParameterCombinationException
	_ = wantCode(t, err, "InvalidParameterCombination")
	if !errors.As(err, &ipc) {
		t.Errorf("want *types.InvalidParameterCombinationException, got %T", err)
	}
	in = base()
	in.Statistics = nil
	_, err = h.client.GetMetricStatistics(ctx, in)
	wantCode(t, err, "InvalidParameterCombination")
	in = base()
	in.Period = aws.Int32(61)
	_, err = h.client.GetMetricStatistics(ctx, in)
	wantCode(t, err, "InvalidParameterValue")
	in = base()
	in.Period = aws.Int32(1)
	_, err = h.client.GetMetricStatistics(ctx, in)
	ae := wantCode(t, err, "InvalidParameterCombination")
	if ae.ErrorMessage() != "You have requested up to 3600 datapoints, which exceeds the limit of 1440. You may reduce the datapoints requested by increasing Period, or decreasing the time range." {
		t.Errorf("message %q", ae.ErrorMessage())
	}
	in = base()
	in.Statistics = nil
	in.ExtendedStatistics = []string{"p101"}
	_, err = h.client.GetMetricStatistics(ctx, in)
	wantCode(t, err, "InvalidParameterValue")
	in = base()
	in.Statistics = []types.Statistic{"Median"}
	_, err = h.client.GetMetricStatistics(ctx, in)
	wantCode(t, err, "ValidationError")
	in = base()
	in.StartTime, in.EndTime = in.EndTime, in.StartTime
	_, err = h.client.GetMetricStatistics(ctx, in)
	wantCode(t, err, "InvalidParameterValue")
}

func TestSDKPutMetricDataValidation(t *testing.T) {
	h := newHarness(t)
	put := func(namespace string, d ...types.MetricDatum) error {
		_, err := h.client.PutMetricData(ctx, &cw.PutMetricDataInput{Namespace: aws.String(namespace), MetricData: d})
		return err
	}
	ok := types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(1)}

	err := put("AWS/EC2", ok)
	ae := wantCode(t, err, "InvalidParameterValue")
	var ipv *types.InvalidParameterValueException
	if !errors.As(err, &ipv) {
		t.Errorf("want *types.InvalidParameterValueException, got %T", err)
	}
	if ae.ErrorMessage() != "The value AWS/EC2 for parameter Namespace is invalid." {
		t.Errorf("message %q", ae.ErrorMessage())
	}

	many := make([]types.Dimension, 31)
	for i := range many {
		many[i] = types.Dimension{Name: aws.String(string(rune('a'+i%26)) + string(rune('a'+i/26))), Value: aws.String("v")}
	}
	wantCode(t, put(ns, types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(1), Dimensions: many}), "InvalidParameterValue")
	wantCode(t, put(ns, types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(math.NaN())}), "InvalidParameterValue")
	wantCode(t, put(ns, types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(1), Values: []float64{1}}), "InvalidParameterValue")
	wantCode(t, put(ns, types.MetricDatum{MetricName: aws.String("m"), Values: []float64{1, 2}, Counts: []float64{1}}), "InvalidParameterValue")
	wantCode(t, put(ns, types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(1),
		StatisticValues: &types.StatisticSet{SampleCount: aws.Float64(1), Sum: aws.Float64(1), Minimum: aws.Float64(1), Maximum: aws.Float64(1)}}), "InvalidParameterCombination")
	wantCode(t, put(ns, types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(1), Timestamp: aws.Time(testNow.Add(3 * time.Hour))}), "InvalidParameterValue")
	wantCode(t, put(ns, types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(1), Timestamp: aws.Time(testNow.Add(-15 * 24 * time.Hour))}), "InvalidParameterValue")
	wantCode(t, put(ns, types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(1), Unit: "Furlongs"}), "ValidationError")
	wantCode(t, put(ns, types.MetricDatum{MetricName: aws.String("m")}), "MissingParameter")
	data := make([]types.MetricDatum, 1001)
	for i := range data {
		data[i] = ok
	}
	wantCode(t, put(ns, data...), "InvalidParameterValue")

	// A failed request stores nothing (validation happens before storing).
	lm, err := h.client.ListMetrics(ctx, &cw.ListMetricsInput{})
	if err != nil || len(lm.Metrics) != 0 {
		t.Fatalf("ListMetrics after failures: %v %+v", err, lm)
	}
	if err := put(ns, ok, types.MetricDatum{MetricName: aws.String("m2"), Value: aws.Float64(2), Dimensions: dims("B", "2", "A", "1")}); err != nil {
		t.Fatal(err)
	}
	lm, err = h.client.ListMetrics(ctx, &cw.ListMetricsInput{Namespace: aws.String(ns),
		Dimensions: []types.DimensionFilter{{Name: aws.String("A")}}})
	if err != nil || len(lm.Metrics) != 1 || aws.ToString(lm.Metrics[0].MetricName) != "m2" || len(lm.Metrics[0].Dimensions) != 2 {
		t.Fatalf("ListMetrics: %v %+v", err, lm)
	}
}

func TestSDKGetMetricDataValidation(t *testing.T) {
	h := newHarness(t)
	get := func(qs ...types.MetricDataQuery) error {
		_, err := h.client.GetMetricData(ctx, &cw.GetMetricDataInput{
			StartTime: aws.Time(at("11:00:00")), EndTime: aws.Time(at("12:00:00")), MetricDataQueries: qs})
		return err
	}
	err := get(metricStat("Bad", "RequestCount", "Sum", 60))
	ae := wantCode(t, err, "ValidationError")
	if ae.ErrorMessage() != "The value Bad for parameter MetricDataQueries.member.1.Id is not matching the expected pattern ^[a-z][a-zA-Z0-9_]*$." {
		t.Errorf("message %q", ae.ErrorMessage())
	}
	// ValidationError is modelled (com.amazonaws.cloudwatch#ValidationException
	// with @awsQueryError code ValidationError).
	var ve *types.ValidationException
	if !errors.As(err, &ve) {
		t.Errorf("want *types.ValidationException, got %T", err)
	}
	wantCode(t, get(metricStat("a", "RequestCount", "Sum", 60), metricStat("a", "RequestCount", "Average", 60)), "ValidationError")
	wantCode(t, get(metricStat("a", "RequestCount", "p101", 60)), "ValidationError")
	wantCode(t, get(metricStat("a", "RequestCount", "Sum", 45)), "ValidationError")
	wantCode(t, get(metricStat("a", "RequestCount", "Sum", 60), types.MetricDataQuery{Id: aws.String("e"), Expression: aws.String("RATE(a)")}), "ValidationError")
	wantCode(t, get(types.MetricDataQuery{Id: aws.String("e"), Expression: aws.String("x * 2")}), "ValidationError")
	_, err = h.client.GetMetricData(ctx, &cw.GetMetricDataInput{
		StartTime: aws.Time(at("12:00:00")), EndTime: aws.Time(at("11:00:00")),
		MetricDataQueries: []types.MetricDataQuery{metricStat("a", "RequestCount", "Sum", 60)}})
	wantCode(t, err, "ValidationError")

	// No data: a Complete result with no points.
	out, err := h.client.GetMetricData(ctx, &cw.GetMetricDataInput{
		StartTime: aws.Time(at("11:00:00")), EndTime: aws.Time(at("12:00:00")),
		MetricDataQueries: []types.MetricDataQuery{metricStat("a", "Nothing", "Sum", 60)}})
	if err != nil || len(out.MetricDataResults) != 1 || len(out.MetricDataResults[0].Values) != 0 {
		t.Fatalf("empty: %v %+v", err, out)
	}
}

func TestSDKAlarms(t *testing.T) {
	h := newHarness(t)
	put := func(name string, mut ...func(*cw.PutMetricAlarmInput)) error {
		in := &cw.PutMetricAlarmInput{
			AlarmName:          aws.String(name),
			AlarmDescription:   aws.String("5xx on blue"),
			Namespace:          aws.String(ns),
			MetricName:         aws.String("HTTPCode_Target_5XX_Count"),
			Dimensions:         dims("TargetGroup", "tg-blue", "LoadBalancer", "app/lb/1"),
			Statistic:          types.StatisticSum,
			Period:             aws.Int32(60),
			EvaluationPeriods:  aws.Int32(3),
			DatapointsToAlarm:  aws.Int32(2),
			Threshold:          aws.Float64(5),
			ComparisonOperator: types.ComparisonOperatorGreaterThanOrEqualToThreshold,
			TreatMissingData:   aws.String("notBreaching"),
			AlarmActions:       []string{"arn:aws:sns:us-east-1:123456789012:page"},
			Tags:               []types.Tag{{Key: aws.String("env"), Value: aws.String("blue")}},
		}
		for _, m := range mut {
			m(in)
		}
		_, err := h.client.PutMetricAlarm(ctx, in)
		return err
	}
	for _, n := range []string{"blue-5xx", "blue-latency", "green-5xx"} {
		if err := put(n); err != nil {
			t.Fatalf("PutMetricAlarm %s: %v", n, err)
		}
	}

	d, err := h.client.DescribeAlarms(ctx, &cw.DescribeAlarmsInput{AlarmNames: []string{"blue-5xx"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.MetricAlarms) != 1 {
		t.Fatalf("DescribeAlarms: %+v", d)
	}
	a := d.MetricAlarms[0]
	if a.StateValue != types.StateValueInsufficientData || aws.ToString(a.StateReason) != "Unchecked: Initial alarm creation" ||
		!a.StateUpdatedTimestamp.Equal(testNow) || !a.AlarmConfigurationUpdatedTimestamp.Equal(testNow) ||
		aws.ToString(a.AlarmArn) != "arn:aws:cloudwatch:us-east-1:123456789012:alarm:blue-5xx" ||
		aws.ToInt32(a.Period) != 60 || aws.ToInt32(a.EvaluationPeriods) != 3 || aws.ToInt32(a.DatapointsToAlarm) != 2 ||
		aws.ToFloat64(a.Threshold) != 5 || a.ComparisonOperator != types.ComparisonOperatorGreaterThanOrEqualToThreshold ||
		a.Statistic != types.StatisticSum || aws.ToString(a.TreatMissingData) != "notBreaching" || !aws.ToBool(a.ActionsEnabled) ||
		len(a.Dimensions) != 2 || len(a.AlarmActions) != 1 || len(a.OKActions) != 0 || aws.ToString(a.AlarmDescription) != "5xx on blue" {
		t.Errorf("alarm = %+v", a)
	}

	// SetAlarmState over the API, then filter by state.
	if _, err := h.client.SetAlarmState(ctx, &cw.SetAlarmStateInput{AlarmName: aws.String("blue-5xx"),
		StateValue: types.StateValueAlarm, StateReason: aws.String("test"), StateReasonData: aws.String(`{"k":1}`)}); err != nil {
		t.Fatal(err)
	}
	d, err = h.client.DescribeAlarms(ctx, &cw.DescribeAlarmsInput{StateValue: types.StateValueAlarm})
	if err != nil || len(d.MetricAlarms) != 1 || aws.ToString(d.MetricAlarms[0].AlarmName) != "blue-5xx" ||
		aws.ToString(d.MetricAlarms[0].StateReason) != "test" || aws.ToString(d.MetricAlarms[0].StateReasonData) != `{"k":1}` {
		t.Fatalf("DescribeAlarms(ALARM): %v %+v", err, d)
	}

	// Admin SetAlarmState.
	if err := h.svc.SetAlarmState("green-5xx", "OK", "admin"); err != nil {
		t.Fatal(err)
	}
	if err := h.svc.SetAlarmState("nope", "OK", "admin"); err == nil {
		t.Error("admin SetAlarmState on unknown alarm: no error")
	}
	if err := h.svc.SetAlarmState("green-5xx", "RED", "admin"); err == nil {
		t.Error("admin SetAlarmState with bad state: no error")
	}
	d, err = h.client.DescribeAlarms(ctx, &cw.DescribeAlarmsInput{AlarmNamePrefix: aws.String("green")})
	if err != nil || len(d.MetricAlarms) != 1 || d.MetricAlarms[0].StateValue != types.StateValueOk {
		t.Fatalf("DescribeAlarms(prefix green): %v %+v", err, d)
	}

	// Update keeps the state.
	if err := put("blue-5xx", func(in *cw.PutMetricAlarmInput) { in.Threshold = aws.Float64(50) }); err != nil {
		t.Fatal(err)
	}
	d, _ = h.client.DescribeAlarms(ctx, &cw.DescribeAlarmsInput{AlarmNames: []string{"blue-5xx"}})
	if d.MetricAlarms[0].StateValue != types.StateValueAlarm || aws.ToFloat64(d.MetricAlarms[0].Threshold) != 50 {
		t.Errorf("after update: %+v", d.MetricAlarms[0])
	}

	// Pagination.
	p1, err := h.client.DescribeAlarms(ctx, &cw.DescribeAlarmsInput{MaxRecords: aws.Int32(2)})
	if err != nil || len(p1.MetricAlarms) != 2 || p1.NextToken == nil {
		t.Fatalf("page 1: %v %+v", err, p1)
	}
	p2, err := h.client.DescribeAlarms(ctx, &cw.DescribeAlarmsInput{MaxRecords: aws.Int32(2), NextToken: p1.NextToken})
	if err != nil || len(p2.MetricAlarms) != 1 || p2.NextToken != nil || aws.ToString(p2.MetricAlarms[0].AlarmName) != "green-5xx" {
		t.Fatalf("page 2: %v %+v", err, p2)
	}

	// Tags.
	tags, err := h.client.ListTagsForResource(ctx, &cw.ListTagsForResourceInput{ResourceARN: a.AlarmArn})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Value) != "blue" {
		t.Fatalf("ListTagsForResource: %v %+v", err, tags)
	}

	// Errors.
	_, err = h.client.SetAlarmState(ctx, &cw.SetAlarmStateInput{AlarmName: aws.String("missing"), StateValue: types.StateValueOk, StateReason: aws.String("x")})
	wantCode(t, err, "ResourceNotFound")
	var rnf *types.ResourceNotFound
	if !errors.As(err, &rnf) {
		t.Errorf("want *types.ResourceNotFound, got %T", err)
	}
	_, err = h.client.SetAlarmState(ctx, &cw.SetAlarmStateInput{AlarmName: aws.String("blue-5xx"), StateValue: "BROKEN", StateReason: aws.String("x")})
	wantCode(t, err, "ValidationError")
	_, err = h.client.SetAlarmState(ctx, &cw.SetAlarmStateInput{AlarmName: aws.String("blue-5xx"), StateValue: types.StateValueOk, StateReason: aws.String("x"), StateReasonData: aws.String("{not json")})
	wantCode(t, err, "InvalidFormat")
	wantCode(t, put("bad", func(in *cw.PutMetricAlarmInput) { in.ComparisonOperator = "Bigger" }), "ValidationError")
	wantCode(t, put("bad", func(in *cw.PutMetricAlarmInput) { in.EvaluationPeriods = aws.Int32(0) }), "ValidationError")
	wantCode(t, put("bad", func(in *cw.PutMetricAlarmInput) { in.EvaluationPeriods = nil }), "MissingParameter")
	wantCode(t, put("bad", func(in *cw.PutMetricAlarmInput) { in.Period = aws.Int32(45) }), "InvalidParameterValue")
	wantCode(t, put("bad", func(in *cw.PutMetricAlarmInput) { in.ExtendedStatistic = aws.String("p99") }), "InvalidParameterCombination")
	wantCode(t, put("bad", func(in *cw.PutMetricAlarmInput) { in.DatapointsToAlarm = aws.Int32(4) }), "ValidationError")
	_, err = h.client.DescribeAlarms(ctx, &cw.DescribeAlarmsInput{AlarmNames: []string{"x"}, AlarmNamePrefix: aws.String("x")})
	wantCode(t, err, "InvalidParameterCombination")

	// Metric-math alarm round-trips its Metrics.
	err = put("math", func(in *cw.PutMetricAlarmInput) {
		in.Namespace, in.MetricName, in.Dimensions, in.Statistic, in.Period = nil, nil, nil, "", nil
		errQ := metricStat("errors", "HTTPCode_Target_5XX_Count", "Sum", 60)
		errQ.ReturnData = aws.Bool(false)
		reqQ := metricStat("requests", "RequestCount", "Sum", 60)
		reqQ.ReturnData = aws.Bool(false)
		in.Metrics = []types.MetricDataQuery{errQ, reqQ, {Id: aws.String("rate"), Expression: aws.String("errors / requests"), ReturnData: aws.Bool(true)}}
	})
	if err != nil {
		t.Fatal(err)
	}
	d, _ = h.client.DescribeAlarms(ctx, &cw.DescribeAlarmsInput{AlarmNames: []string{"math"}})
	m := d.MetricAlarms[0]
	if len(m.Metrics) != 3 || aws.ToInt32(m.Metrics[0].MetricStat.Period) != 60 || aws.ToString(m.Metrics[2].Expression) != "errors / requests" || m.MetricName != nil {
		t.Errorf("math alarm = %+v", m)
	}

	// DeleteAlarms is all-or-nothing.
	_, err = h.client.DeleteAlarms(ctx, &cw.DeleteAlarmsInput{AlarmNames: []string{"blue-5xx", "missing"}})
	wantCode(t, err, "ResourceNotFound")
	if _, err := h.client.DeleteAlarms(ctx, &cw.DeleteAlarmsInput{AlarmNames: []string{"blue-5xx", "math"}}); err != nil {
		t.Fatal(err)
	}
	d, _ = h.client.DescribeAlarms(ctx, &cw.DescribeAlarmsInput{})
	if len(d.MetricAlarms) != 2 {
		t.Errorf("after delete: %d alarms", len(d.MetricAlarms))
	}
}

func TestSDKErrorsAndRetries(t *testing.T) {
	h := newHarness(t)

	// Not emulated → UnknownOperationException (404), a generic API error.
	_, err := h.client.ListDashboards(ctx, &cw.ListDashboardsInput{})
	wantCode(t, err, "UnknownOperationException")

	// Injected Throttling (as the server core does): the SDK sees ErrorCode
	// "Throttling", a client fault, and its retryer retries it.
	h.injectFn = func(op string, attempt int) *awserr.Error {
		if op == "DescribeAlarms" {
			return awserr.Sender(http.StatusBadRequest, "Throttling", "Rate exceeded")
		}
		return nil
	}
	_, err = h.client.DescribeAlarms(ctx, &cw.DescribeAlarmsInput{})
	ae := wantCode(t, err, "Throttling")
	if ae.ErrorFault() != smithy.FaultClient || ae.ErrorMessage() != "Rate exceeded" {
		t.Errorf("fault %v message %q", ae.ErrorFault(), ae.ErrorMessage())
	}
	if n := h.attempts("DescribeAlarms"); n != retry.DefaultMaxAttempts {
		t.Errorf("attempts = %d, want %d (Throttling must be retried)", n, retry.DefaultMaxAttempts)
	}
	if !(retry.ThrottleErrorCode{Codes: retry.DefaultThrottleErrorCodes}).IsErrorThrottle(err).Bool() {
		t.Error("retry.ThrottleErrorCode does not classify the error as a throttle")
	}

	// Fails twice, then succeeds: the call succeeds on the third attempt.
	h.injectFn = func(op string, attempt int) *awserr.Error {
		if op == "ListMetrics" && attempt <= 2 {
			return awserr.Sender(http.StatusBadRequest, "Throttling", "Rate exceeded")
		}
		return nil
	}
	if _, err := h.client.ListMetrics(ctx, &cw.ListMetricsInput{}); err != nil {
		t.Fatalf("ListMetrics after 2 throttles: %v", err)
	}
	if n := h.attempts("ListMetrics"); n != 3 {
		t.Errorf("ListMetrics attempts = %d, want 3", n)
	}

	// Injected 500 InternalFailure: server fault, retried, surfaced with its code.
	h.injectFn = func(op string, attempt int) *awserr.Error {
		return awserr.ReceiverFault(http.StatusInternalServerError, "InternalFailure", "boom")
	}
	_, err = h.client.GetMetricData(ctx, &cw.GetMetricDataInput{StartTime: aws.Time(at("11:00:00")), EndTime: aws.Time(at("12:00:00")),
		MetricDataQueries: []types.MetricDataQuery{metricStat("a", "X", "Sum", 60)}})
	ae = wantCode(t, err, "InternalFailure")
	if ae.ErrorFault() != smithy.FaultServer {
		t.Errorf("fault %v", ae.ErrorFault())
	}
	if n := h.attempts("GetMetricData"); n != 3 {
		t.Errorf("GetMetricData attempts = %d, want 3", n)
	}
	h.injectFn = nil

	// PutMetricData is gzip-compressed by the SDK (@requestCompression; with
	// client Options the minimum size is 0, with LoadDefaultConfig 10 KiB);
	// ServeCBOR and DecodeParams inflate it.
	if _, err := h.client.PutMetricData(ctx, &cw.PutMetricDataInput{Namespace: aws.String(ns),
		MetricData: []types.MetricDatum{{MetricName: aws.String("m"), Value: aws.Float64(1)}}}); err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	enc := h.headers["PutMetricData"].Get("Content-Encoding")
	h.mu.Unlock()
	if enc != "gzip" {
		t.Errorf("PutMetricData Content-Encoding = %q, want gzip", enc)
	}

	// The SDK sends the RPC v2 headers the core routes on.
	h.mu.Lock()
	hdr := h.headers["GetMetricData"]
	h.mu.Unlock()
	if hdr.Get("Smithy-Protocol") != "rpc-v2-cbor" || hdr.Get("Content-Type") != "application/cbor" {
		t.Errorf("request headers: %v", hdr)
	}
}

func TestConcurrentUse(t *testing.T) {
	h := newHarness(t)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				h.svc.Publish(Datapoint{Namespace: ns, MetricName: "RequestCount", Timestamp: at("11:58:00"), Values: []float64{1}})
				if _, err := h.client.PutMetricData(ctx, &cw.PutMetricDataInput{Namespace: aws.String(ns),
					MetricData: []types.MetricDatum{{MetricName: aws.String("RequestCount"), Value: aws.Float64(1), Timestamp: aws.Time(at("11:58:30"))}}}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	out, err := h.client.GetMetricStatistics(ctx, &cw.GetMetricStatisticsInput{Namespace: aws.String(ns), MetricName: aws.String("RequestCount"),
		StartTime: aws.Time(at("11:58:00")), EndTime: aws.Time(at("11:59:00")), Period: aws.Int32(60), Statistics: []types.Statistic{types.StatisticSum}})
	if err != nil || len(out.Datapoints) != 1 || *out.Datapoints[0].Sum != 80 {
		t.Fatalf("sum after concurrent puts: %v %+v", err, out)
	}
}
