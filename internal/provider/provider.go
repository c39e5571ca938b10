package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsclient"
)

var _ provider.Provider = (*bluegreenProvider)(nil)

// New returns a provider factory for the given version string.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &bluegreenProvider{version: version} }
}

type bluegreenProvider struct {
	version string
	// deps, when set (tests only), replaces parts of what Configure builds.
	deps *Deps
}

type providerModel struct {
	Region      types.String      `tfsdk:"region"`
	Profile     types.String      `tfsdk:"profile"`
	MaxRetries  types.Int64       `tfsdk:"max_retries"`
	AssumeRole  *assumeRoleModel  `tfsdk:"assume_role"`
	Endpoints   *endpointsModel   `tfsdk:"endpoints"`
	DefaultTags *defaultTagsModel `tfsdk:"default_tags"`
	Kubernetes  *kubernetesModel  `tfsdk:"kubernetes"`
}

type assumeRoleModel struct {
	RoleARN     types.String `tfsdk:"role_arn"`
	SessionName types.String `tfsdk:"session_name"`
	ExternalID  types.String `tfsdk:"external_id"`
	Duration    types.String `tfsdk:"duration"`
}

type endpointsModel struct {
	ELBv2      types.String `tfsdk:"elbv2"`
	CloudWatch types.String `tfsdk:"cloudwatch"`
	Route53    types.String `tfsdk:"route53"`
	STS        types.String `tfsdk:"sts"`
	SNS        types.String `tfsdk:"sns"`
}

type defaultTagsModel struct {
	Tags types.Map `tfsdk:"tags"`
}

func (p *bluegreenProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "bluegreen"
	resp.Version = p.version
}

func endpointAttribute(service, envVar string) schema.StringAttribute {
	return schema.StringAttribute{
		Optional: true,
		MarkdownDescription: fmt.Sprintf("Custom %s endpoint URL (`http://` or `https://`). "+
			"Unset, the SDK resolves it, honouring `AWS_ENDPOINT_URL_%s` and `AWS_ENDPOINT_URL`.", service, envVar),
		Validators: []validator.String{urlValidator{}},
	}
}

func (p *bluegreenProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The `bluegreen` provider makes a blue-green deployment on AWS Application Load " +
			"Balancers part of `terraform apply`: twin target groups, pre-flight health checks, traffic " +
			"shifted all at once, in canary steps or linearly, watched while it bakes, and rolled back " +
			"automatically when a threshold is crossed.\n\n" +
			"Credentials come from the AWS SDK's default chain only (environment variables, shared " +
			"config and credentials files with `profile`, SSO, web identity, container and instance " +
			"roles); the provider has no credential attributes of its own.",
		Attributes: map[string]schema.Attribute{
			"region": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "AWS region, e.g. `eu-west-1`. Any region of any AWS partition is accepted " +
					"(`us-gov-west-1`, `cn-north-1`, `eusc-de-east-1`, `us-isob-east-1` …). Defaults to " +
					"`AWS_REGION`/`AWS_DEFAULT_REGION` or the region of the shared config profile.",
				Validators: []validator.String{regionValidator{}},
			},
			"profile": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Named profile of the shared AWS config and credentials files. Defaults to `AWS_PROFILE` or `default`.",
			},
			"max_retries": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("Maximum number of retries of one AWS API call (throttling, 5xx, "+
					"connection errors) before it fails, from 0 to 100. Retries back off exponentially "+
					"(capped at 20 s) and throttling slows the client down adaptively. Default `%d`.", awsclient.DefaultMaxRetries),
				Validators: []validator.Int64{int64validator.Between(0, 100)},
			},
			"kubernetes": kubernetesProviderAttribute(),
		},
		Blocks: map[string]schema.Block{
			"assume_role": schema.SingleNestedBlock{
				MarkdownDescription: "Assume an IAM role (STS AssumeRole) with the credentials of the default chain.",
				Attributes: map[string]schema.Attribute{
					"role_arn": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "ARN of the role to assume, e.g. `arn:aws:iam::123456789012:role/deployer`. Required when the block is present.",
						Validators:          []validator.String{arnValidator{service: "iam", resource: "role/"}},
					},
					"session_name": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Role session name (2–64 characters of `[\\w+=,.@-]`). Default `terraform-provider-bluegreen`.",
						Validators:          []validator.String{sessionNameValidator{}},
					},
					"external_id": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "External ID the role's trust policy requires, if any (2–1224 characters of `[\\w+=,.@:/-]`).",
						Validators:          []validator.String{externalIDValidator{}},
					},
					"duration": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Session duration as a Go duration string, between `15m` and `12h`. Default `15m`.",
						Validators:          []validator.String{durationValidator{min: 15 * time.Minute, max: 12 * time.Hour}},
					},
				},
			},
			"endpoints": schema.SingleNestedBlock{
				MarkdownDescription: "Custom service endpoints, e.g. for the local sandbox or a VPC endpoint.",
				Attributes: map[string]schema.Attribute{
					"elbv2":      endpointAttribute("Elastic Load Balancing v2", "ELASTIC_LOAD_BALANCING_V2"),
					"cloudwatch": endpointAttribute("CloudWatch", "CLOUDWATCH"),
					"route53": func() schema.StringAttribute {
						a := endpointAttribute("Route 53", "ROUTE_53")
						a.MarkdownDescription += " Used by `bluegreen_dns_switch` (coming); no other resource calls Route 53, " +
							"and the client is only built when one does."
						return a
					}(),
					"sts": endpointAttribute("STS", "STS"),
					"sns": endpointAttribute("SNS (switch notifications)", "SNS"),
				},
			},
			"default_tags": schema.SingleNestedBlock{
				MarkdownDescription: "Tags added to every taggable resource this provider creates (the target groups " +
					"of `bluegreen_environment_pair`, listener rules of `bluegreen_listener_switch`). " +
					"A resource's own `tags` win on conflict.",
				Attributes: map[string]schema.Attribute{
					"tags": schema.MapAttribute{
						ElementType:         types.StringType,
						Optional:            true,
						MarkdownDescription: "Tag keys (1–128 characters, not starting with `aws:` or `bluegreen:`) and values (at most 256 characters).",
						Validators:          []validator.Map{reservedTagKeys{}},
					},
				},
			},
		},
	}
}

func (p *bluegreenProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}

	ac := awsclient.Config{ProviderVersion: p.version,
		// Every failed AWS attempt is logged while it is retried, so a slow
		// plan says why it is slow.
		Logf: func(ctx context.Context, format string, args ...any) { tflog.Warn(ctx, fmt.Sprintf(format, args...)) }}
	unknown := func(v interface{ IsUnknown() bool }, at path.Path) bool {
		if v.IsUnknown() {
			resp.Diagnostics.AddAttributeError(at, "Unknown provider configuration value",
				"This value is not known until apply; the provider needs it to build its AWS clients. "+
					"Use a value known at plan time, or set it through the environment.")
			return true
		}
		return false
	}
	if !unknown(cfg.Region, path.Root("region")) {
		ac.Region = cfg.Region.ValueString()
	}
	if !unknown(cfg.Profile, path.Root("profile")) {
		ac.Profile = cfg.Profile.ValueString()
	}
	if !unknown(cfg.MaxRetries, path.Root("max_retries")) && !cfg.MaxRetries.IsNull() {
		n := int(cfg.MaxRetries.ValueInt64())
		ac.MaxRetries = &n
	}
	if ar := cfg.AssumeRole; ar != nil {
		base := path.Root("assume_role")
		if ar.RoleARN.IsNull() || ar.RoleARN.ValueString() == "" {
			if !ar.RoleARN.IsUnknown() {
				resp.Diagnostics.AddAttributeError(base.AtName("role_arn"), "Missing role ARN",
					"The assume_role block needs role_arn: the ARN of the IAM role to assume.")
			}
		} else {
			d, _ := time.ParseDuration(ar.Duration.ValueString())
			ac.AssumeRole = &awsclient.AssumeRole{
				RoleARN:     ar.RoleARN.ValueString(),
				SessionName: ar.SessionName.ValueString(),
				ExternalID:  ar.ExternalID.ValueString(),
				Duration:    d,
			}
		}
	}
	if ep := cfg.Endpoints; ep != nil {
		ac.Endpoints = awsclient.Endpoints{
			ELBv2:      ep.ELBv2.ValueString(),
			CloudWatch: ep.CloudWatch.ValueString(),
			Route53:    ep.Route53.ValueString(),
			STS:        ep.STS.ValueString(),
			SNS:        ep.SNS.ValueString(),
		}
	}
	defaultTags := map[string]string{}
	if dt := cfg.DefaultTags; dt != nil && !dt.Tags.IsNull() && !dt.Tags.IsUnknown() {
		resp.Diagnostics.Append(dt.Tags.ElementsAs(ctx, &defaultTags, false)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}

	data, err := newProviderData(ctx, ac, defaultTags, p.deps)
	if err != nil {
		resp.Diagnostics.AddError("Error configuring the provider", err.Error())
		return
	}
	data.kube = newKubeSetup(ctx, cfg.Kubernetes, p.version)
	if data.Clients != nil {
		tflog.Debug(ctx, "configured AWS clients", map[string]any{"region": data.Clients.Region})
	} else {
		// Not an error here: only resources that call AWS need it, and
		// they say so (needAWS).
		tflog.Info(ctx, "AWS clients not configured", map[string]any{"reason": data.awsErr.Error()})
	}
	resp.ResourceData = data
	resp.DataSourceData = data
}

func (p *bluegreenProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewListenerSwitchResource,
		NewHealthGateResource,
		NewEnvironmentPairResource,
		NewDNSSwitchResource,
		NewHAProxySwitchResource,
		NewNginxSwitchResource,
		NewKubernetesServiceSwitchResource,
		NewGatewayRouteSwitchResource,
	}
}

func (p *bluegreenProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewListenerStateDataSource,
	}
}
