package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsclient"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/motoserver"
)

// TestAccMoto_flipAndCanary runs the flip and the canary with moto, an
// independent emulator, as the ELBv2 endpoint (the sandbox still serves
// CloudWatch and STS): the provider must not depend on sandbox quirks.
func TestAccMoto_flipAndCanary(t *testing.T) {
	env := newTestSandbox(t)
	testAccPreCheck(t)
	if _, err := motoserver.Version(); err != nil {
		if motoserver.Required() {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	moto, err := motoserver.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer moto.Close()
	ctx := context.Background()
	net, err := moto.CreateNetwork(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clients, err := awsclient.New(ctx, awsclient.Config{Region: "us-east-1", Endpoints: awsclient.Endpoints{ELBv2: moto.URL}})
	if err != nil {
		t.Fatal(err)
	}
	api := clients.ELBv2
	lb, err := api.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("moto-lb"), Subnets: net.Subnets[:2]})
	if err != nil {
		t.Fatal(err)
	}
	lbARN := aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)
	var a testALB
	a.LoadBalancerARN = lbARN
	for _, color := range []string{"blue", "green"} {
		tg, err := api.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{
			Name: aws.String("moto-" + color), Port: aws.Int32(8080), Protocol: elbv2types.ProtocolEnumHttp,
			VpcId: aws.String(net.VpcID), TargetType: elbv2types.TargetTypeEnumIp,
		})
		if err != nil {
			t.Fatal(err)
		}
		arn := aws.ToString(tg.TargetGroups[0].TargetGroupArn)
		if _, err := api.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: aws.String(arn),
			Targets: []elbv2types.TargetDescription{{Id: aws.String("10.0.1.10")}}}); err != nil {
			t.Fatal(err)
		}
		if color == "blue" {
			a.BlueARN = arn
		} else {
			a.GreenARN = arn
		}
	}
	l, err := api.CreateListener(ctx, &elbv2.CreateListenerInput{
		LoadBalancerArn: aws.String(lbARN), Port: aws.Int32(80), Protocol: elbv2types.ProtocolEnumHttp,
		DefaultActions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumForward, TargetGroupArn: aws.String(a.BlueARN)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	a.ListenerARN = aws.ToString(l.Listeners[0].ListenerArn)

	cfg := func(color, strategy string) string {
		return fmt.Sprintf(`
provider "bluegreen" {
  endpoints {
    elbv2 = %q
  }
}
`, moto.URL) + switchConfig(a, color, strategy)
	}
	motoWeights := func(blue, green int32) resource.TestCheckFunc {
		return func(*terraform.State) error {
			out, err := api.DescribeListeners(ctx, &elbv2.DescribeListenersInput{ListenerArns: []string{a.ListenerARN}})
			if err != nil {
				return err
			}
			var b, g int32
			for _, act := range out.Listeners[0].DefaultActions {
				if act.ForwardConfig == nil {
					continue
				}
				for _, tg := range act.ForwardConfig.TargetGroups {
					switch aws.ToString(tg.TargetGroupArn) {
					case a.BlueARN:
						b = aws.ToInt32(tg.Weight)
					case a.GreenARN:
						g = aws.ToInt32(tg.Weight)
					}
				}
			}
			if b != blue || g != green {
				return fmt.Errorf("moto listener has blue=%d green=%d, want %d/%d", b, g, blue, green)
			}
			return nil
		}
	}
	canary := `
  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "1m"
  }`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.Factories,
		Steps: []resource.TestStep{
			{Config: cfg("blue", ""), ConfigStateChecks: weightChecks(100, 0, "stable")},
			{Config: cfg("green", ""), ConfigStateChecks: weightChecks(0, 100, "stable"), Check: motoWeights(0, 100)},
			{
				Config: cfg("blue", canary),
				ConfigStateChecks: append(weightChecks(100, 0, "stable"),
					statecheck.ExpectKnownValue(switchRes, tfjsonpath.New("last_shift").AtMapKey("steps"), knownvalue.ListExact([]knownvalue.Check{
						stepCheck(10, 10, 90), stepCheck(50, 50, 50), stepCheck(100, 100, 0),
					}))),
				Check: motoWeights(100, 0),
			},
		},
	})
}

func stepCheck(percent, blue, green int64) knownvalue.Check {
	return knownvalue.ObjectPartial(map[string]knownvalue.Check{
		"percent": knownvalue.Int64Exact(percent), "blue_weight": knownvalue.Int64Exact(blue),
		"green_weight": knownvalue.Int64Exact(green), "result": knownvalue.StringExact("completed"),
	})
}
