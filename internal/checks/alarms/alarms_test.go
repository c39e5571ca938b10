package alarms

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
)

var _ interface {
	Name() string
	Evaluate(context.Context) []checks.Result
} = (*Check)(nil)

// fakeCW mimics DescribeAlarms: it returns only the alarm types asked for, and
// pages one alarm at a time when paged is set.
type fakeCW struct {
	metric    map[string]types.StateValue
	composite map[string]types.StateValue
	err       error
	paged     bool
	calls     int
	batches   [][]string
}

func (f *fakeCW) DescribeAlarms(_ context.Context, in *cloudwatch.DescribeAlarmsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	if len(in.AlarmNames) > 100 {
		return nil, errors.New("ValidationError: too many names")
	}
	f.batches = append(f.batches, in.AlarmNames)
	var all []string
	for _, n := range in.AlarmNames {
		if _, ok := f.metric[n]; ok && (len(in.AlarmTypes) == 0 || slices.Contains(in.AlarmTypes, types.AlarmTypeMetricAlarm)) {
			all = append(all, "m:"+n)
		}
		if _, ok := f.composite[n]; ok && slices.Contains(in.AlarmTypes, types.AlarmTypeCompositeAlarm) {
			all = append(all, "c:"+n)
		}
	}
	start := 0
	if in.NextToken != nil {
		_, _ = fmt.Sscan(*in.NextToken, &start)
	}
	end := len(all)
	out := &cloudwatch.DescribeAlarmsOutput{}
	if f.paged && start+1 < len(all) {
		end = start + 1
		out.NextToken = aws.String(fmt.Sprint(end))
	}
	updated := time.Date(2026, 3, 1, 11, 58, 0, 0, time.UTC)
	for _, id := range all[start:end] {
		kind, name, _ := strings.Cut(id, ":")
		if kind == "m" {
			out.MetricAlarms = append(out.MetricAlarms, types.MetricAlarm{AlarmName: aws.String(name), StateValue: f.metric[name],
				StateReason: aws.String("Threshold Crossed: 1 datapoint [42.0] was greater than the threshold (10.0)."), StateUpdatedTimestamp: &updated})
		} else {
			out.CompositeAlarms = append(out.CompositeAlarms, types.CompositeAlarm{AlarmName: aws.String(name), StateValue: f.composite[name]})
		}
	}
	return out, nil
}

func TestEvaluate_verdictPerAlarm(t *testing.T) {
	f := &fakeCW{
		metric: map[string]types.StateValue{
			"web-5xx": types.StateValueAlarm, "web-cpu": types.StateValueOk, "web-new": types.StateValueInsufficientData,
		},
		composite: map[string]types.StateValue{"web-slo": types.StateValueAlarm},
		paged:     true,
	}
	c := New(f, []string{"web-5xx", "web-cpu", "web-new", "web-slo", "typo", "web-cpu"})
	rs := c.Evaluate(context.Background())
	want := []struct {
		check   string
		verdict checks.Verdict
		detail  string
	}{
		{"alarm:web-5xx", checks.Fail, "alarm web-5xx is ALARM since 2026-03-01T11:58:00Z: Threshold Crossed"},
		{"alarm:web-cpu", checks.Pass, "is OK"},
		{"alarm:web-new", checks.Pass, "INSUFFICIENT_DATA"},
		{"alarm:web-slo", checks.Fail, "is ALARM"},
		{"alarm:typo", checks.Error, `alarm "typo" not found`},
	}
	if len(rs) != len(want) {
		t.Fatalf("got %d results: %v", len(rs), rs)
	}
	for i, w := range want {
		r := rs[i]
		if r.Check != w.check || r.Verdict != w.verdict || !strings.Contains(r.Detail, w.detail) || r.Threshold != "not ALARM" {
			t.Errorf("result %d = %+v, want %s %s containing %q", i, r, w.check, w.verdict, w.detail)
		}
	}
	if f.calls < 2 {
		t.Fatalf("NextToken not followed (%d calls)", f.calls)
	}
}

func TestEvaluate_insufficientDataCanBeStricter(t *testing.T) {
	c := New(&fakeCW{metric: map[string]types.StateValue{"a": types.StateValueInsufficientData}}, []string{"a"})
	c.InsufficientData = checks.Inconclusive
	if r := c.Evaluate(context.Background())[0]; r.Verdict != checks.Inconclusive {
		t.Fatalf("verdict %s", r.Verdict)
	}
}

func TestEvaluate_unreadableIsErrorForEveryName(t *testing.T) {
	c := New(&fakeCW{err: errors.New("AccessDenied: not authorized")}, []string{"a", "b"})
	rs := c.Evaluate(context.Background())
	if len(rs) != 2 {
		t.Fatal(rs)
	}
	for _, r := range rs {
		if r.Verdict != checks.Error || !strings.Contains(r.Detail, "AccessDenied") {
			t.Fatalf("result %+v", r)
		}
	}
}

func TestEvaluate_batchesOf100(t *testing.T) {
	f := &fakeCW{metric: map[string]types.StateValue{}}
	var names []string
	for i := range 150 {
		n := fmt.Sprintf("a%03d", i)
		names = append(names, n)
		f.metric[n] = types.StateValueOk
	}
	rs := New(f, names).Evaluate(context.Background())
	if checks.FirstNotPassing(rs) != nil || len(rs) != 150 || len(f.batches) != 2 || len(f.batches[0]) != 100 {
		t.Fatalf("results %d, batches %d", len(rs), len(f.batches))
	}
}
