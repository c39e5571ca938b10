package sandbox

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
)

// A target group released by its listener answers ResourceInUse to
// DeleteTargetGroup for TargetGroupReleaseDelay, then can be deleted: what a
// client must retry on AWS.
func TestTargetGroupReleaseDelay(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	s := startTestServer(t, Options{Now: clk.Now, TargetGroupReleaseDelay: 3 * time.Second})
	ctx := context.Background()
	c := elb.New(elb.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.URL()),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), RetryMaxAttempts: 1})
	lb, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("eventual"), Subnets: []string{"subnet-1", "subnet-2"}})
	if err != nil {
		t.Fatal(err)
	}
	tg, err := c.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("eventual"), Protocol: types.ProtocolEnumHttp,
		Port: aws.Int32(80), VpcId: aws.String("vpc-0123456789abcdef0"), TargetType: types.TargetTypeEnumIp})
	if err != nil {
		t.Fatal(err)
	}
	tgARN := tg.TargetGroups[0].TargetGroupArn
	lsn, err := c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn, Port: aws.Int32(80),
		Protocol: types.ProtocolEnumHttp, DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: tgARN}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteListener(ctx, &elb.DeleteListenerInput{ListenerArn: lsn.Listeners[0].ListenerArn}); err != nil {
		t.Fatal(err)
	}
	del := func() error {
		_, err := c.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: tgARN})
		return err
	}
	var api smithy.APIError
	for _, wait := range []time.Duration{0, 2 * time.Second} {
		clk.Advance(wait)
		if err := del(); !errors.As(err, &api) || api.ErrorCode() != "ResourceInUse" {
			t.Fatalf("%s after the release: %v, want ResourceInUse", wait, err)
		}
	}
	clk.Advance(time.Second)
	if err := del(); err != nil {
		t.Fatalf("3s after the release: %v", err)
	}
}
