package cloudwatch

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// exprFixture: per minute from 11:50, three series of tg-blue:
//
//	         11:50 11:51 11:52 11:53 11:54
//	Errors     2     -     6     -     -
//	Resets     1     3     -     -     -
//	Requests  10    20    30     -    40
func exprFixture(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t)
	put := func(name, hms string, v float64) {
		h.svc.Publish(Datapoint{Namespace: ns, MetricName: name, Dimensions: map[string]string{"TargetGroup": "tg-blue"},
			Timestamp: at(hms), Values: []float64{v}, Unit: "Count"})
	}
	put("Errors", "11:50:10", 2)
	put("Errors", "11:52:10", 6)
	put("Resets", "11:50:20", 1)
	put("Resets", "11:51:20", 3)
	put("Requests", "11:50:30", 10)
	put("Requests", "11:51:30", 20)
	put("Requests", "11:52:30", 30)
	put("Requests", "11:54:30", 40)
	return h
}

func hidden(q types.MetricDataQuery) types.MetricDataQuery {
	q.ReturnData = aws.Bool(false)
	return q
}

func evalExpr(t *testing.T, h *harness, expr string) ([]point, error) {
	t.Helper()
	out, err := h.client.GetMetricData(ctx, &cw.GetMetricDataInput{
		StartTime: aws.Time(at("11:50:00")), EndTime: aws.Time(at("11:55:00")), ScanBy: types.ScanByTimestampAscending,
		MetricDataQueries: []types.MetricDataQuery{
			hidden(metricStat("e", "Errors", "Sum", 60)),
			hidden(metricStat("c", "Resets", "Sum", 60)),
			hidden(metricStat("r", "Requests", "Sum", 60)),
			{Id: aws.String("x"), Expression: aws.String(expr)},
		},
	})
	if err != nil {
		return nil, err
	}
	if len(out.MetricDataResults) != 1 {
		t.Fatalf("%s: %d results", expr, len(out.MetricDataResults))
	}
	return points(t, out.MetricDataResults[0]), nil
}

func TestExpressionFunctions(t *testing.T) {
	h := exprFixture(t)
	p := func(hms string, v float64) point { return point{at(hms), v} }
	for _, tc := range []struct {
		expr string
		want []point
	}{
		// Series op series: only the timestamps both have.
		{"e + c", []point{p("11:50:00", 3)}},
		{"100 * (e + c) / r", []point{p("11:50:00", 30)}},
		// FILL gives every period of the range a value.
		{"FILL(e, 0)", []point{p("11:50:00", 2), p("11:51:00", 0), p("11:52:00", 6), p("11:53:00", 0), p("11:54:00", 0)}},
		// The ALB error rate: missing error counts are zero, a period without
		// requests divides by nothing and is dropped (11:53).
		{"100 * (FILL(e, 0) + FILL(c, 0)) / r", []point{p("11:50:00", 30), p("11:51:00", 15), p("11:52:00", 20), p("11:54:00", 0)}},
		// x/0 is dropped.
		{"e / FILL(c, 0)", []point{p("11:50:00", 2)}},
		// Aggregates over an array: per timestamp, of the series that have a value.
		{"SUM([e, c])", []point{p("11:50:00", 3), p("11:51:00", 3), p("11:52:00", 6)}},
		{"MAX([e, c, r])", []point{p("11:50:00", 10), p("11:51:00", 20), p("11:52:00", 30), p("11:54:00", 40)}},
		{"MIN([e, c])", []point{p("11:50:00", 1), p("11:51:00", 3), p("11:52:00", 6)}},
		{"AVG([e, c])", []point{p("11:50:00", 1.5), p("11:51:00", 3), p("11:52:00", 6)}},
		{"SUM(FILL([e, c], 0))", []point{p("11:50:00", 3), p("11:51:00", 3), p("11:52:00", 6), p("11:53:00", 0), p("11:54:00", 0)}},
		// METRICS() is every MetricStat query; METRICS("s") those whose label holds "s".
		{"SUM(METRICS())", []point{p("11:50:00", 13), p("11:51:00", 23), p("11:52:00", 36), p("11:54:00", 40)}},
		{`SUM(METRICS("s"))`, []point{p("11:50:00", 13), p("11:51:00", 23), p("11:52:00", 36), p("11:54:00", 40)}},
		{`SUM(METRICS('rro'))`, []point{p("11:50:00", 2), p("11:52:00", 6)}},
		// Of one series, an aggregate is a scalar.
		{"r / SUM(r) * 100", []point{p("11:50:00", 10), p("11:51:00", 20), p("11:52:00", 30), p("11:54:00", 40)}},
		{"r - AVG(r)", []point{p("11:50:00", -15), p("11:51:00", -5), p("11:52:00", 5), p("11:54:00", 15)}},
		{"r / MAX(r) + MIN(r)", []point{p("11:50:00", 10.25), p("11:51:00", 10.5), p("11:52:00", 10.75), p("11:54:00", 11)}},
	} {
		got, err := evalExpr(t, h, tc.expr)
		if err != nil {
			t.Fatalf("%s: %v", tc.expr, err)
		}
		checkPoints(t, tc.expr, got, tc.want)
	}
}

func TestExpressionErrors(t *testing.T) {
	h := exprFixture(t)
	for expr, msg := range map[string]string{
		"e + m9":          "unknown identifier m9",
		"SUM(e)":          "must return a time series",
		"[e, c]":          "array of time series is not supported",
		"METRICS() * 2":   "arithmetic on arrays",
		"RATE(e)":         "function RATE is not supported",
		"FILL(e, REPEAT)": "unknown identifier REPEAT",
		"FILL(e)":         "FILL takes 2 argument(s), got 1",
		"SUM(e, c)":       "SUM takes 1 argument(s), got 2",
		"SUM(2)":          "must be a time series or an array",
		"FILL(e, 0":       "missing closing parenthesis",
		"SUM([])":         "empty array",
		"METRICS(1)":      "must be a string",
		`e + "x"`:         "unexpected string",
	} {
		_, err := evalExpr(t, h, expr)
		ae := wantCode(t, err, "ValidationError")
		if !strings.Contains(ae.ErrorMessage(), msg) || !strings.HasPrefix(ae.ErrorMessage(), "Error in expression x: ") {
			t.Errorf("%s: message %q, want it to hold %q", expr, ae.ErrorMessage(), msg)
		}
	}
}

// Several ReturnData queries are fine in GetMetricData (only alarms need
// exactly one); duplicate and malformed ids are not.
func TestExpressionQueriesValidation(t *testing.T) {
	h := exprFixture(t)
	get := func(qs ...types.MetricDataQuery) (*cw.GetMetricDataOutput, error) {
		return h.client.GetMetricData(ctx, &cw.GetMetricDataInput{
			StartTime: aws.Time(at("11:50:00")), EndTime: aws.Time(at("11:55:00")), MetricDataQueries: qs})
	}
	out, err := get(metricStat("r", "Requests", "Sum", 60), types.MetricDataQuery{Id: aws.String("x"), Expression: aws.String("r * 2")})
	if err != nil || len(out.MetricDataResults) != 2 {
		t.Fatalf("two returned queries: %v %v", out, err)
	}
	_, err = get(metricStat("r", "Requests", "Sum", 60), types.MetricDataQuery{Id: aws.String("r"), Expression: aws.String("r * 2")})
	wantCode(t, err, "ValidationError")
	_, err = get(metricStat("r", "Requests", "Sum", 60), types.MetricDataQuery{Id: aws.String("Rate"), Expression: aws.String("r * 2")})
	wantCode(t, err, "ValidationError")
	_, err = get(types.MetricDataQuery{Id: aws.String("x"), Expression: aws.String("y + 1")}, types.MetricDataQuery{Id: aws.String("y"), Expression: aws.String("x + 1")})
	ae := wantCode(t, err, "ValidationError")
	if !strings.Contains(ae.ErrorMessage(), "circular") {
		t.Errorf("message %q", ae.ErrorMessage())
	}
}

// FILL enumerates every period of the range: a range of more periods than
// one GetMetricData call returns is refused, not enumerated.
func TestExpressionFillRangeBounded(t *testing.T) {
	h := exprFixture(t)
	_, err := h.client.GetMetricData(ctx, &cw.GetMetricDataInput{
		StartTime: aws.Time(at("11:50:00").Add(-14 * 24 * time.Hour)), EndTime: aws.Time(at("11:55:00")),
		MetricDataQueries: []types.MetricDataQuery{hidden(metricStat("e", "Errors", "Sum", 1)),
			{Id: aws.String("x"), Expression: aws.String("FILL(e, 0)")}},
	})
	ae := wantCode(t, err, "ValidationError")
	if !strings.Contains(ae.ErrorMessage(), "100800") {
		t.Fatalf("message %q", ae.ErrorMessage())
	}
}
