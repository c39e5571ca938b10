package provider

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	pschema "github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// fakeAWSProvider is a test-only stand-in for the parts of hashicorp/aws the
// examples use to hand a listener to bluegreen: aws_lb_listener (default
// action forward to one group or to weighted groups) and
// aws_lb_target_group_attachment (what an Auto Scaling group or an ECS
// service does to a target group). The attribute names and block shapes are
// those of hashicorp/aws, so the listener block of an example is applied as
// written; the calls are the ones hashicorp/aws makes (CreateListener,
// DescribeListeners, ModifyListener, DeleteListener, RegisterTargets,
// DeregisterTargets), against the test's sandbox.
type fakeAWSProvider struct{ api *elbv2.Client }

func (p *fakeAWSProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "aws"
}
func (p *fakeAWSProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = pschema.Schema{Attributes: map[string]pschema.Attribute{
		"region": pschema.StringAttribute{Optional: true},
	}}
}
func (p *fakeAWSProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}
func (p *fakeAWSProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		func() resource.Resource { return &fakeListener{api: p.api} },
		func() resource.Resource { return &fakeAttachment{api: p.api} },
	}
}
func (p *fakeAWSProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }

type fakeListenerModel struct {
	ID              types.String      `tfsdk:"id"`
	ARN             types.String      `tfsdk:"arn"`
	LoadBalancerARN types.String      `tfsdk:"load_balancer_arn"`
	Port            types.Int64       `tfsdk:"port"`
	Protocol        types.String      `tfsdk:"protocol"`
	DefaultAction   []fakeActionModel `tfsdk:"default_action"`
}

type fakeActionModel struct {
	Type           types.String       `tfsdk:"type"`
	TargetGroupARN types.String       `tfsdk:"target_group_arn"`
	Forward        []fakeForwardModel `tfsdk:"forward"`
}

type fakeForwardModel struct {
	TargetGroup []fakeTGModel `tfsdk:"target_group"`
}

type fakeTGModel struct {
	ARN    types.String `tfsdk:"arn"`
	Weight types.Int64  `tfsdk:"weight"`
}

type fakeListener struct{ api *elbv2.Client }

func (r *fakeListener) Metadata(_ context.Context, _ resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = "aws_lb_listener"
}

func (r *fakeListener) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		Attributes: map[string]schema.Attribute{
			"id":                schema.StringAttribute{Computed: true, PlanModifiers: keep},
			"arn":               schema.StringAttribute{Computed: true, PlanModifiers: keep},
			"load_balancer_arn": schema.StringAttribute{Required: true, PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
			"port":              schema.Int64Attribute{Optional: true},
			"protocol":          schema.StringAttribute{Optional: true},
		},
		Blocks: map[string]schema.Block{
			"default_action": schema.ListNestedBlock{NestedObject: schema.NestedBlockObject{
				Attributes: map[string]schema.Attribute{
					"type":             schema.StringAttribute{Required: true},
					"target_group_arn": schema.StringAttribute{Optional: true},
				},
				Blocks: map[string]schema.Block{
					"forward": schema.ListNestedBlock{NestedObject: schema.NestedBlockObject{
						Blocks: map[string]schema.Block{
							"target_group": schema.SetNestedBlock{NestedObject: schema.NestedBlockObject{
								Attributes: map[string]schema.Attribute{
									"arn":    schema.StringAttribute{Required: true},
									"weight": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(1)},
								},
							}},
						},
					}},
				},
			}},
		},
	}
}

func (m fakeListenerModel) actions() []elbv2types.Action {
	var out []elbv2types.Action
	for i, a := range m.DefaultAction {
		act := elbv2types.Action{Type: elbv2types.ActionTypeEnum(a.Type.ValueString()), Order: aws.Int32(int32(i + 1))}
		if !a.TargetGroupARN.IsNull() {
			act.TargetGroupArn = aws.String(a.TargetGroupARN.ValueString())
		}
		if len(a.Forward) > 0 {
			fc := &elbv2types.ForwardActionConfig{}
			for _, tg := range a.Forward[0].TargetGroup {
				fc.TargetGroups = append(fc.TargetGroups, elbv2types.TargetGroupTuple{
					TargetGroupArn: aws.String(tg.ARN.ValueString()), Weight: aws.Int32(int32(tg.Weight.ValueInt64())),
				})
			}
			act.ForwardConfig = fc
		}
		out = append(out, act)
	}
	return out
}

func (r *fakeListener) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m fakeListenerModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := &elbv2.CreateListenerInput{LoadBalancerArn: aws.String(m.LoadBalancerARN.ValueString()), DefaultActions: m.actions()}
	if !m.Port.IsNull() {
		in.Port = aws.Int32(int32(m.Port.ValueInt64()))
	}
	if !m.Protocol.IsNull() {
		in.Protocol = elbv2types.ProtocolEnum(m.Protocol.ValueString())
	}
	out, err := r.api.CreateListener(ctx, in)
	if err != nil {
		resp.Diagnostics.AddError("creating ELBv2 Listener", err.Error())
		return
	}
	arn := aws.ToString(out.Listeners[0].ListenerArn)
	m.ID, m.ARN = types.StringValue(arn), types.StringValue(arn)
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// Read refreshes the default action from the listener, as hashicorp/aws
// does: the weights the switch writes show up as drift of default_action,
// which lifecycle.ignore_changes hides.
func (r *fakeListener) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var m fakeListenerModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.api.DescribeListeners(ctx, &elbv2.DescribeListenersInput{ListenerArns: []string{m.ARN.ValueString()}})
	var nf *elbv2types.ListenerNotFoundException
	if errors.As(err, &nf) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("reading ELBv2 Listener", err.Error())
		return
	}
	l := out.Listeners[0]
	m.LoadBalancerARN = types.StringPointerValue(l.LoadBalancerArn)
	if l.Port != nil {
		m.Port = types.Int64Value(int64(*l.Port))
	}
	if l.Protocol != "" {
		m.Protocol = types.StringValue(string(l.Protocol))
	}
	m.DefaultAction = nil
	for _, a := range l.DefaultActions {
		am := fakeActionModel{Type: types.StringValue(string(a.Type)), TargetGroupARN: types.StringPointerValue(a.TargetGroupArn)}
		if a.ForwardConfig != nil && len(a.ForwardConfig.TargetGroups) > 1 {
			am.TargetGroupARN = types.StringNull()
			fm := fakeForwardModel{}
			for _, tg := range a.ForwardConfig.TargetGroups {
				fm.TargetGroup = append(fm.TargetGroup, fakeTGModel{ARN: types.StringPointerValue(tg.TargetGroupArn), Weight: types.Int64Value(int64(aws.ToInt32(tg.Weight)))})
			}
			am.Forward = []fakeForwardModel{fm}
		}
		m.DefaultAction = append(m.DefaultAction, am)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// ImportState imports a listener by its ARN, as hashicorp/aws does.
func (r *fakeListener) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("arn"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
}

func (r *fakeListener) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var m fakeListenerModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := &elbv2.ModifyListenerInput{ListenerArn: aws.String(m.ARN.ValueString()), DefaultActions: m.actions()}
	if !m.Port.IsNull() {
		in.Port = aws.Int32(int32(m.Port.ValueInt64()))
	}
	if _, err := r.api.ModifyListener(ctx, in); err != nil {
		resp.Diagnostics.AddError("modifying ELBv2 Listener", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

func (r *fakeListener) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var m fakeListenerModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	if _, err := r.api.DeleteListener(ctx, &elbv2.DeleteListenerInput{ListenerArn: aws.String(m.ARN.ValueString())}); err != nil {
		var nf *elbv2types.ListenerNotFoundException
		if !errors.As(err, &nf) {
			resp.Diagnostics.AddError("deleting ELBv2 Listener", err.Error())
		}
	}
}

type fakeAttachmentModel struct {
	ID             types.String `tfsdk:"id"`
	TargetGroupARN types.String `tfsdk:"target_group_arn"`
	TargetID       types.String `tfsdk:"target_id"`
	Port           types.Int64  `tfsdk:"port"`
}

type fakeAttachment struct{ api *elbv2.Client }

func (r *fakeAttachment) Metadata(_ context.Context, _ resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = "aws_lb_target_group_attachment"
}

func (r *fakeAttachment) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{Attributes: map[string]schema.Attribute{
		"id":               schema.StringAttribute{Computed: true, PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
		"target_group_arn": schema.StringAttribute{Required: true, PlanModifiers: replace},
		"target_id":        schema.StringAttribute{Required: true, PlanModifiers: replace},
		"port":             schema.Int64Attribute{Optional: true},
	}}
}

func (m fakeAttachmentModel) target() []elbv2types.TargetDescription {
	d := elbv2types.TargetDescription{Id: aws.String(m.TargetID.ValueString())}
	if !m.Port.IsNull() {
		d.Port = aws.Int32(int32(m.Port.ValueInt64()))
	}
	return []elbv2types.TargetDescription{d}
}

func (r *fakeAttachment) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m fakeAttachmentModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if _, err := r.api.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: aws.String(m.TargetGroupARN.ValueString()), Targets: m.target()}); err != nil {
		resp.Diagnostics.AddError("registering target", err.Error())
		return
	}
	m.ID = types.StringValue(m.TargetGroupARN.ValueString() + "/" + m.TargetID.ValueString())
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

func (r *fakeAttachment) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var m fakeAttachmentModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

func (r *fakeAttachment) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var m fakeAttachmentModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

func (r *fakeAttachment) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var m fakeAttachmentModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	if _, err := r.api.DeregisterTargets(ctx, &elbv2.DeregisterTargetsInput{TargetGroupArn: aws.String(m.TargetGroupARN.ValueString()), Targets: m.target()}); err != nil {
		var nf *elbv2types.TargetGroupNotFoundException
		if !errors.As(err, &nf) {
			resp.Diagnostics.AddError("deregistering target", err.Error())
		}
	}
}
