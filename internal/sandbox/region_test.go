package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"
)

// The region a request is signed for is the region of the ARNs the sandbox
// mints, and ARNs of another region name nothing there — as on AWS, where
// each region is its own API.
func TestRegionFromTheSignature(t *testing.T) {
	s := startTestServer(t, Options{AccountID: "210987654321"})
	ctx := context.Background()
	creds := credentials.NewStaticCredentialsProvider("test", "test", "")
	elbIn := func(region string) *elb.Client {
		return elb.New(elb.Options{Region: region, BaseEndpoint: aws.String(s.URL()), Credentials: creds, RetryMaxAttempts: 1})
	}
	west, east := elbIn("us-west-2"), elbIn("us-east-1")
	out, err := west.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("web-blue"), Protocol: types.ProtocolEnumHttp,
		Port: aws.Int32(80), VpcId: aws.String("vpc-0123456789abcdef0"), TargetType: types.TargetTypeEnumIp})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.TargetGroups[0].TargetGroupArn)
	if !strings.HasPrefix(arn, "arn:aws:elasticloadbalancing:us-west-2:210987654321:targetgroup/web-blue/") {
		t.Fatalf("ARN %s: want us-west-2 and the sandbox's account", arn)
	}
	_, err = east.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{arn}})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "TargetGroupNotFound" {
		t.Fatalf("a us-west-2 ARN read in us-east-1: %v, want TargetGroupNotFound", err)
	}
	all, err := east.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{})
	if err != nil || len(all.TargetGroups) != 0 {
		t.Fatalf("us-east-1 lists %v (%v), want nothing", all, err)
	}
	// The same name is free in another region.
	if _, err := east.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("web-blue"), Protocol: types.ProtocolEnumHttp,
		Port: aws.Int32(8080), VpcId: aws.String("vpc-0123456789abcdef0"), TargetType: types.TargetTypeEnumIp}); err != nil {
		t.Fatalf("same name in us-east-1: %v", err)
	}
	if got, err := west.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{Names: []string{"web-blue"}}); err != nil ||
		len(got.TargetGroups) != 1 || aws.ToString(got.TargetGroups[0].TargetGroupArn) != arn {
		t.Fatalf("by name in us-west-2: %v %v", got, err)
	}

	cwc := cw.New(cw.Options{Region: "eu-west-1", BaseEndpoint: aws.String(s.URL()), Credentials: creds, RetryMaxAttempts: 1})
	if _, err := cwc.PutMetricAlarm(ctx, &cw.PutMetricAlarmInput{AlarmName: aws.String("web-5xx"), Namespace: aws.String("AWS/ApplicationELB"),
		MetricName: aws.String("HTTPCode_Target_5XX_Count"), Statistic: cwtypes.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1),
		Threshold: aws.Float64(1), ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold}); err != nil {
		t.Fatal(err)
	}
	alarms, err := cwc.DescribeAlarms(ctx, &cw.DescribeAlarmsInput{AlarmNames: []string{"web-5xx"}})
	if err != nil || len(alarms.MetricAlarms) != 1 {
		t.Fatalf("DescribeAlarms: %v %v", alarms, err)
	}
	if got := aws.ToString(alarms.MetricAlarms[0].AlarmArn); got != "arn:aws:cloudwatch:eu-west-1:210987654321:alarm:web-5xx" {
		t.Fatalf("alarm ARN %s: want eu-west-1 and the sandbox's account", got)
	}
}

// A VPC added through the admin API exists in its region only.
func TestAdminVPCs(t *testing.T) {
	s := startTestServer(t, Options{})
	post := func(body string) (int, string) {
		resp, err := http.Post(s.URL()+"/_sandbox/ec2/vpcs", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := post(`{"region":"us-west-2","vpcId":"vpc-0fedcba9876543210"}`)
	var got struct{ VPCs []string }
	if err := json.Unmarshal([]byte(body), &got); code != 200 || err != nil ||
		len(got.VPCs) != 2 || got.VPCs[0] != "vpc-0123456789abcdef0" || got.VPCs[1] != "vpc-0fedcba9876543210" {
		t.Fatalf("POST: %d %s", code, body)
	}
	if code, body := post(`{"vpcId":"not-a-vpc"}`); code != 400 {
		t.Fatalf("malformed id: %d %s", code, body)
	}
	ctx := context.Background()
	creds := credentials.NewStaticCredentialsProvider("test", "test", "")
	create := func(region string) error {
		c := elb.New(elb.Options{Region: region, BaseEndpoint: aws.String(s.URL()), Credentials: creds, RetryMaxAttempts: 1})
		_, err := c.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("tg"), Protocol: types.ProtocolEnumHttp,
			Port: aws.Int32(80), VpcId: aws.String("vpc-0fedcba9876543210"), TargetType: types.TargetTypeEnumIp})
		return err
	}
	if err := create("us-west-2"); err != nil {
		t.Fatalf("in us-west-2: %v", err)
	}
	var api smithy.APIError
	if err := create("us-east-1"); !errors.As(err, &api) || api.ErrorCode() != "ValidationError" || !strings.Contains(api.ErrorMessage(), "The VPC ID 'vpc-0fedcba9876543210' is not found") {
		t.Fatalf("in us-east-1: %v, want the VPC not found", err)
	}
}
