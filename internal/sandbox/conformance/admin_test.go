package conformance

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// admin calls the /_sandbox/ HTTP API and decodes its JSON answer.
func admin(t *testing.T, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, srv.URL()+path, r)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	if b, _ := io.ReadAll(resp.Body); len(bytes.TrimSpace(b)) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return resp.StatusCode, out
}

func TestAdminTargetHealthShowsInDescribeTargetHealth(t *testing.T) {
	st := newStack(t, "th")
	must(elbc.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(st.green),
		Targets: []elbtypes.TargetDescription{{Id: aws.String("10.0.1.5")}, {Id: aws.String("10.0.1.6")}}}))(t)

	code, body := admin(t, http.MethodPost, "/_sandbox/elbv2/target-health", map[string]any{
		"targetGroupArn": st.green, "targetId": "10.0.1.5", "port": 8080,
		"state": "unhealthy", "reason": "Target.FailedHealthChecks",
	})
	if code != http.StatusOK {
		t.Fatalf("POST target-health: %d %v", code, body)
	}
	if err := srv.SetTargetHealth(st.green, "10.0.1.6", 0, "healthy", "", ""); err != nil {
		t.Fatalf("SetTargetHealth: %v", err)
	}

	out := must(elbc.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(st.green)}))(t)
	got := map[string]elbtypes.TargetHealth{}
	for _, d := range out.TargetHealthDescriptions {
		got[aws.ToString(d.Target.Id)] = *d.TargetHealth
	}
	if h := got["10.0.1.5"]; h.State != elbtypes.TargetHealthStateEnumUnhealthy || h.Reason != elbtypes.TargetHealthReasonEnumFailedHealthChecks {
		t.Errorf("10.0.1.5 health = %+v", h)
	}
	if h := got["10.0.1.6"]; h.State != elbtypes.TargetHealthStateEnumHealthy {
		t.Errorf("10.0.1.6 health = %+v", h)
	}

	// Errors from the service come back as 4xx JSON with a message.
	code, body = admin(t, http.MethodPost, "/_sandbox/elbv2/target-health", map[string]any{
		"targetGroupArn": st.green, "targetId": "10.9.9.9", "state": "healthy",
	})
	if code != http.StatusBadRequest || body["error"] == nil {
		t.Errorf("unregistered target: %d %v", code, body)
	}
}

func TestAdminMetricsAndAlarms(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Minute)
	// Unique per run: with -count=N the tests share one sandbox.
	tgDim := "targetgroup/" + uniq("web-green") + "/73e2d6bc24d8a067"
	alarm := uniq("web-green-5xx")
	dims := map[string]string{"LoadBalancer": "app/web/50dc6c495c0c9188", "TargetGroup": tgDim}
	code, body := admin(t, http.MethodPost, "/_sandbox/cloudwatch/metrics", map[string]any{"datapoints": []map[string]any{
		{"namespace": "AWS/ApplicationELB", "metricName": "HTTPCode_Target_5XX_Count", "dimensions": dims, "timestamp": now.Add(-2 * time.Minute), "values": []float64{3, 4}, "unit": "Count"},
		{"namespace": "AWS/ApplicationELB", "metricName": "HTTPCode_Target_5XX_Count", "dimensions": dims, "timestamp": now.Add(-1 * time.Minute), "value": 5, "unit": "Count"},
	}})
	if code != http.StatusOK || body["published"] != float64(2) {
		t.Fatalf("POST metrics: %d %v", code, body)
	}

	var cwDims []cwtypes.Dimension
	for _, k := range []string{"LoadBalancer", "TargetGroup"} {
		cwDims = append(cwDims, cwtypes.Dimension{Name: aws.String(k), Value: aws.String(dims[k])})
	}
	out := must(cwc.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(now.Add(-10 * time.Minute)), EndTime: aws.Time(now.Add(time.Minute)),
		MetricDataQueries: []cwtypes.MetricDataQuery{{
			Id: aws.String("errors"),
			MetricStat: &cwtypes.MetricStat{Period: aws.Int32(600), Stat: aws.String("Sum"),
				Metric: &cwtypes.Metric{Namespace: aws.String("AWS/ApplicationELB"), MetricName: aws.String("HTTPCode_Target_5XX_Count"), Dimensions: cwDims}},
		}},
	}))(t)
	var sum float64
	for _, r := range out.MetricDataResults {
		for _, v := range r.Values {
			sum += v
		}
	}
	if sum != 12 {
		t.Errorf("Sum of published 5xx = %v, want 12 (results %+v)", sum, out.MetricDataResults)
	}

	must(cwc.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String(alarm), Namespace: aws.String("AWS/ApplicationELB"),
		MetricName: aws.String("HTTPCode_Target_5XX_Count"), Dimensions: cwDims, Statistic: cwtypes.StatisticSum,
		Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(10),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold,
	}))(t)
	code, body = admin(t, http.MethodPost, "/_sandbox/cloudwatch/alarm-state", map[string]any{"alarmName": alarm, "state": "ALARM", "reason": "conformance"})
	if code != http.StatusOK {
		t.Fatalf("POST alarm-state: %d %v", code, body)
	}
	alarms := must(cwc.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{alarm}}))(t)
	if len(alarms.MetricAlarms) != 1 || alarms.MetricAlarms[0].StateValue != cwtypes.StateValueAlarm {
		t.Errorf("alarm = %+v", alarms.MetricAlarms)
	}
	code, body = admin(t, http.MethodPost, "/_sandbox/cloudwatch/alarm-state", map[string]any{"alarmName": "no-such-alarm", "state": "ALARM"})
	if code != http.StatusNotFound || body["code"] != "ResourceNotFound" {
		t.Errorf("unknown alarm: %d %v", code, body)
	}
	if err := srv.SetAlarmState(alarm, "OK", "recovered"); err != nil {
		t.Fatal(err)
	}
	alarms = must(cwc.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{alarm}, StateValue: cwtypes.StateValueOk}))(t)
	if len(alarms.MetricAlarms) != 1 {
		t.Errorf("alarm not OK after SetAlarmState: %+v", alarms.MetricAlarms)
	}
}

// TestEnvironmentEndpoint follows what bluegreen-sandbox prints: with
// AWS_ENDPOINT_URL and static keys in the environment, LoadDefaultConfig
// reaches all three services.
func TestEnvironmentEndpoint(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", srv.URL())
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatalf("LoadDefaultConfig: %v", err)
	}
	id := must(sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))(t)
	if aws.ToString(id.Arn) != "arn:aws:iam::123456789012:user/sandbox" {
		t.Errorf("caller = %s", aws.ToString(id.Arn))
	}
	must(elb.NewFromConfig(cfg).DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{}))(t)
	must(cloudwatch.NewFromConfig(cfg).ListMetrics(ctx, &cloudwatch.ListMetricsInput{}))(t)
}
