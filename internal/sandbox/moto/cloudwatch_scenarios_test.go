package moto

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// cloudwatchScenarios compare the CloudWatch operations the provider's
// checks use. The sandbox is reached over RPC v2 CBOR, moto over awsQuery:
// the same SDK calls, compared by their SDK-level results.
func cloudwatchScenarios() []scenario {
	base := time.Now().UTC().Truncate(time.Minute).Add(-10 * time.Minute)
	dims := []types.Dimension{
		{Name: aws.String("LoadBalancer"), Value: aws.String("app/web/50dc6c495c0c9188")},
		{Name: aws.String("TargetGroup"), Value: aws.String("targetgroup/web-green/73e2d6bc24d8a067")},
	}
	metric := &types.Metric{Namespace: aws.String("Diff/ALB"), MetricName: aws.String("HTTPCode_Target_5XX_Count"), Dimensions: dims}
	f64 := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

	return []scenario{
		{"metrics", func(r *run) {
			put := func(step string, at time.Time, values ...float64) {
				var data []types.MetricDatum
				for _, v := range values {
					data = append(data, types.MetricDatum{MetricName: metric.MetricName, Dimensions: dims, Timestamp: aws.Time(at),
						Value: aws.Float64(v), Unit: types.StandardUnitCount})
				}
				_, err := r.b.cw.PutMetricData(r.ctx, &cloudwatch.PutMetricDataInput{Namespace: metric.Namespace, MetricData: data})
				r.rec(step, err, nil)
			}
			put("put two values at minute 1", base.Add(time.Minute), 3, 4)
			put("put one value at minute 2", base.Add(2*time.Minute), 5)
			_, err := r.b.cw.PutMetricData(r.ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String("AWS/ApplicationELB"),
				MetricData: []types.MetricDatum{{MetricName: aws.String("RequestCount"), Value: aws.Float64(1)}}})
			r.rec("put into a reserved AWS/ namespace", err, nil)

			lm, err := r.b.cw.ListMetrics(r.ctx, &cloudwatch.ListMetricsInput{Namespace: metric.Namespace})
			f := map[string]string{}
			if err == nil {
				f["count"] = strconv.Itoa(len(lm.Metrics))
				for _, m := range lm.Metrics {
					var ds []string
					for _, d := range m.Dimensions {
						ds = append(ds, aws.ToString(d.Name)+"="+aws.ToString(d.Value))
					}
					sort.Strings(ds)
					f[aws.ToString(m.MetricName)] = strings.Join(ds, ",")
				}
			}
			r.rec("list metrics", err, f)

			st, err := r.b.cw.GetMetricStatistics(r.ctx, &cloudwatch.GetMetricStatisticsInput{
				Namespace: metric.Namespace, MetricName: metric.MetricName, Dimensions: dims,
				StartTime: aws.Time(base), EndTime: aws.Time(base.Add(10 * time.Minute)), Period: aws.Int32(60),
				Statistics: []types.Statistic{types.StatisticSum, types.StatisticSampleCount, types.StatisticMaximum},
			})
			f = map[string]string{}
			if err == nil {
				f["count"] = strconv.Itoa(len(st.Datapoints))
				for _, d := range st.Datapoints {
					k := aws.ToTime(d.Timestamp).Sub(base).String()
					f[k] = fmt.Sprintf("sum=%s n=%s max=%s", f64(aws.ToFloat64(d.Sum)), f64(aws.ToFloat64(d.SampleCount)), f64(aws.ToFloat64(d.Maximum)))
				}
			}
			r.rec("get metric statistics", err, f)

			md, err := r.b.cw.GetMetricData(r.ctx, &cloudwatch.GetMetricDataInput{
				StartTime: aws.Time(base), EndTime: aws.Time(base.Add(10 * time.Minute)),
				MetricDataQueries: []types.MetricDataQuery{{Id: aws.String("errors"), MetricStat: &types.MetricStat{
					Metric: metric, Period: aws.Int32(600), Stat: aws.String("Sum")}}},
			})
			f = map[string]string{}
			if err == nil {
				for _, res := range md.MetricDataResults {
					var vs []string
					for _, v := range res.Values {
						vs = append(vs, f64(v))
					}
					f[aws.ToString(res.Id)] = strings.Join(vs, ",")
					f[aws.ToString(res.Id)+".status"] = string(res.StatusCode)
				}
			}
			r.rec("get metric data (sum over 10 minutes)", err, f)

			// Metric math (the cloudwatch query check): moto 5.2.1 evaluates
			// an expression only when it is another query's id
			// (metric_data_expression_parser.parse_expression), so that is
			// compared; arithmetic and id validation are known differences.
			mathQuery := func(step string, qs ...types.MetricDataQuery) {
				md, err := r.b.cw.GetMetricData(r.ctx, &cloudwatch.GetMetricDataInput{
					StartTime: aws.Time(base), EndTime: aws.Time(base.Add(10 * time.Minute)), MetricDataQueries: qs})
				f := map[string]string{}
				if err == nil {
					for _, res := range md.MetricDataResults {
						var vs []string
						for _, v := range res.Values {
							vs = append(vs, f64(v))
						}
						f[aws.ToString(res.Id)] = strings.Join(vs, ",")
					}
				}
				r.rec(step, err, f)
			}
			hiddenErrors := types.MetricDataQuery{Id: aws.String("errors"), ReturnData: aws.Bool(false),
				MetricStat: &types.MetricStat{Metric: metric, Period: aws.Int32(60), Stat: aws.String("Sum")}}
			mathQuery("expression naming a hidden query", hiddenErrors, types.MetricDataQuery{Id: aws.String("x"), Expression: aws.String("errors")})
			mathQuery("metric math arithmetic", hiddenErrors, types.MetricDataQuery{Id: aws.String("x"), Expression: aws.String("100 * FILL(errors, 0) / 4")})
			mathQuery("duplicate query ids", hiddenErrors, types.MetricDataQuery{Id: aws.String("errors"), Expression: aws.String("1 + 1")})

			_, err = r.b.cw.GetMetricStatistics(r.ctx, &cloudwatch.GetMetricStatisticsInput{
				Namespace: metric.Namespace, MetricName: metric.MetricName,
				StartTime: aws.Time(base.Add(time.Hour)), EndTime: aws.Time(base), Period: aws.Int32(60),
				Statistics: []types.Statistic{types.StatisticSum},
			})
			r.rec("statistics with the start after the end", err, nil)
		}},

		{"alarms", func(r *run) {
			put := func(step, name string, threshold float64) {
				_, err := r.b.cw.PutMetricAlarm(r.ctx, &cloudwatch.PutMetricAlarmInput{
					AlarmName: aws.String(name), Namespace: metric.Namespace, MetricName: metric.MetricName, Dimensions: dims,
					Statistic: types.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1),
					Threshold: aws.Float64(threshold), ComparisonOperator: types.ComparisonOperatorGreaterThanThreshold,
				})
				r.rec(step, err, nil)
			}
			describe := func(step string, in *cloudwatch.DescribeAlarmsInput) {
				out, err := r.b.cw.DescribeAlarms(r.ctx, in)
				f := map[string]string{}
				if err == nil {
					f["count"] = strconv.Itoa(len(out.MetricAlarms))
					for _, a := range out.MetricAlarms {
						n := aws.ToString(a.AlarmName)
						f[n+".state"] = string(a.StateValue)
						f[n+".threshold"] = f64(aws.ToFloat64(a.Threshold))
						f[n+".comparison"] = string(a.ComparisonOperator)
						f[n+".metric"] = aws.ToString(a.MetricName)
					}
				}
				r.rec(step, err, f)
			}
			put("create alarm", "diff-5xx", 10)
			put("create a second alarm", "diff-latency", 1)
			describe("describe by name", &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"diff-5xx"}})
			_, err := r.b.cw.SetAlarmState(r.ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("diff-5xx"), StateValue: types.StateValueAlarm, StateReason: aws.String("diff")})
			r.rec("set ALARM", err, nil)
			describe("alarms in ALARM", &cloudwatch.DescribeAlarmsInput{StateValue: types.StateValueAlarm})
			describe("alarms by prefix", &cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: aws.String("diff-")})
			_, err = r.b.cw.SetAlarmState(r.ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("no-such-alarm"), StateValue: types.StateValueAlarm, StateReason: aws.String("x")})
			r.rec("set the state of an unknown alarm", err, nil)

			fm, err := r.b.cw.DescribeAlarmsForMetric(r.ctx, &cloudwatch.DescribeAlarmsForMetricInput{Namespace: metric.Namespace, MetricName: metric.MetricName, Dimensions: dims})
			f := map[string]string{}
			if err == nil {
				var names []string
				for _, a := range fm.MetricAlarms {
					names = append(names, aws.ToString(a.AlarmName))
				}
				sort.Strings(names)
				f["alarms"] = strings.Join(names, ",")
			}
			r.rec("alarms for the metric", err, f)

			arn := ""
			if d, err := r.b.cw.DescribeAlarms(r.ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"diff-5xx"}}); err == nil && len(d.MetricAlarms) == 1 {
				arn = aws.ToString(d.MetricAlarms[0].AlarmArn)
			}
			_, err = r.b.cw.TagResource(r.ctx, &cloudwatch.TagResourceInput{ResourceARN: aws.String(arn), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("web")}}})
			r.rec("tag the alarm", err, nil)
			tags, err := r.b.cw.ListTagsForResource(r.ctx, &cloudwatch.ListTagsForResourceInput{ResourceARN: aws.String(arn)})
			f = map[string]string{}
			if err == nil {
				for _, t := range tags.Tags {
					f[aws.ToString(t.Key)] = aws.ToString(t.Value)
				}
			}
			r.rec("list the alarm's tags", err, f)
			_, err = r.b.cw.UntagResource(r.ctx, &cloudwatch.UntagResourceInput{ResourceARN: aws.String(arn), TagKeys: []string{"team"}})
			r.rec("untag the alarm", err, nil)

			_, err = r.b.cw.DeleteAlarms(r.ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{"diff-5xx", "diff-latency"}})
			r.rec("delete both alarms", err, nil)
			describe("describe after delete", &cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: aws.String("diff-")})
		}},
	}
}
