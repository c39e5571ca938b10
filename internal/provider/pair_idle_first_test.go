package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsclient"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/envpair"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
)

// TestPairUpdateRefusesAColorThatBeganServing: the plan was made while
// neither color served, so it changes both; before the apply a listener
// starts forwarding to blue (a saved plan applied later, another writer's
// shift). The update changes nothing — neither color — and says why.
func TestPairUpdateRefusesAColorThatBeganServing(t *testing.T) {
	ctx := context.Background()
	srv, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	clients, err := awsclient.New(ctx, awsclient.Config{Region: "us-east-1", Endpoints: awsclient.Endpoints{ELBv2: srv.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	r := &environmentPairResource{data: &providerData{Clients: clients}}
	var diags diag.Diagnostics

	// State: a pair made with the default health check, neither color serving.
	prior := environmentPairModel{
		ID: types.StringValue(envpair.NewID()), Name: types.StringValue("began"), NamePrefix: types.StringNull(),
		VpcID: types.StringValue("vpc-0123456789abcdef0"), Port: types.Int64Value(8080), Protocol: types.StringValue("HTTP"),
		TargetType: types.StringValue("ip"), IPAddressType: types.StringValue("ipv4"), HealthCheck: defaultHealthCheck,
		DeregistrationDelay: types.StringValue("300s"), SlowStart: types.StringValue("0s"), Tags: types.MapNull(types.StringType),
		Blue: types.ObjectNull(colorAttrTypes), Green: types.ObjectNull(colorAttrTypes),
		ColorsDifferIn: types.ListNull(types.StringType), Deferred: types.ListNull(deferredType),
	}
	p, err := envpair.Create(ctx, clients.ELBv2, r.expand(ctx, prior, &diags))
	if err != nil {
		t.Fatal(err)
	}
	state := r.flatten(ctx, p, prior, map[string]bool{}, &diags)

	// Plan: a new path for both colors (neither served at plan time).
	plan := state
	hc := defaultHealthCheck.Attributes()
	hcAttrs := map[string]attr.Value{}
	for k, v := range hc {
		hcAttrs[k] = v
	}
	hcAttrs["path"] = types.StringValue("/healthz")
	plan.HealthCheck = types.ObjectValueMust(healthCheckAttrTypes, hcAttrs)
	want, _ := desiredSettings(ctx, plan, "blue", &diags)
	for _, c := range envpair.Colors {
		obj := plan.Blue
		if c == "green" {
			obj = plan.Green
		}
		vals := obj.Attributes()
		next := map[string]attr.Value{}
		for k, v := range vals {
			next[k] = v
		}
		next["applied"] = settingsObject(want)
		if c == "blue" {
			plan.Blue = types.ObjectValueMust(colorAttrTypes, next)
		} else {
			plan.Green = types.ObjectValueMust(colorAttrTypes, next)
		}
	}
	if diags.HasError() {
		t.Fatal(diags)
	}

	// Blue begins serving.
	lb, err := clients.ELBv2.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("began"), Subnets: []string{"subnet-0a000001", "subnet-0b000002"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := clients.ELBv2.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn,
		Port: aws.Int32(80), Protocol: "HTTP", DefaultActions: []elbv2types.Action{forwardAction(p.Groups["blue"].TargetGroupARN, 100, p.Groups["green"].TargetGroupARN, 0)}}); err != nil {
		t.Fatal(err)
	}

	var sr resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sr)
	req := resource.UpdateRequest{Plan: tfsdk.Plan{Schema: sr.Schema}, State: tfsdk.State{Schema: sr.Schema}}
	if d := req.Plan.Set(ctx, &plan); d.HasError() {
		t.Fatal(d)
	}
	if d := req.State.Set(ctx, &state); d.HasError() {
		t.Fatal(d)
	}
	resp := resource.UpdateResponse{State: tfsdk.State{Schema: sr.Schema}}
	if d := resp.State.Set(ctx, &state); d.HasError() {
		t.Fatal(d)
	}
	r.Update(ctx, req, &resp)
	if !resp.Diagnostics.HasError() || !strings.Contains(resp.Diagnostics.Errors()[0].Summary(), "began serving since the plan") {
		t.Fatalf("the update of a color that began serving was not refused: %v", resp.Diagnostics)
	}
	if d := resp.Diagnostics.Errors()[0].Detail(); !strings.Contains(d, "blue") || !strings.Contains(d, "listener") || !strings.Contains(d, "nothing was changed") {
		t.Fatalf("the refusal does not say which color, where it serves, and that nothing changed: %s", d)
	}
	for _, c := range envpair.Colors {
		tg, _ := srv.ELBv2().TargetGroup(p.Groups[c].TargetGroupARN)
		if tg.HealthCheck.Path != "/" {
			t.Errorf("%s's health check path is %q after the refused update, want /", c, tg.HealthCheck.Path)
		}
	}
}
