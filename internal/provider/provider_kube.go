package provider

import (
	"context"
	"fmt"
	"os"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/kubeclient"
)

// The provider's Kubernetes configuration: the `kubernetes` attribute, in the
// hashicorp/kubernetes provider's names and KUBE_* environment variables. It
// is turned into a kubeclient.Lazy at Configure: nothing is read, run or
// dialled until a Kubernetes switch needs the API server, so AWS-only
// configurations never need it and Kubernetes-only ones need no AWS region.

// kubernetesModel is the provider's `kubernetes` attribute.
type kubernetesModel struct {
	Host                 types.String         `tfsdk:"host"`
	Token                types.String         `tfsdk:"token"`
	ClusterCACertificate types.String         `tfsdk:"cluster_ca_certificate"`
	ClientCertificate    types.String         `tfsdk:"client_certificate"`
	ClientKey            types.String         `tfsdk:"client_key"`
	Insecure             types.Bool           `tfsdk:"insecure"`
	TLSServerName        types.String         `tfsdk:"tls_server_name"`
	ConfigPath           types.String         `tfsdk:"config_path"`
	ConfigContext        types.String         `tfsdk:"config_context"`
	Exec                 *kubernetesExecModel `tfsdk:"exec"`
}

type kubernetesExecModel struct {
	APIVersion types.String `tfsdk:"api_version"`
	Command    types.String `tfsdk:"command"`
	Args       types.List   `tfsdk:"args"`
	Env        types.Map    `tfsdk:"env"`
}

// kubernetesProviderAttribute is the provider schema's `kubernetes` attribute.
func kubernetesProviderAttribute() schema.SingleNestedAttribute {
	pem := func(what string) string {
		return what + " in PEM (the text itself, e.g. `file(...)`, or `base64decode(...)` of a kubeconfig's `*-data` field)."
	}
	return schema.SingleNestedAttribute{
		Optional: true,
		MarkdownDescription: "How the Kubernetes switches (`bluegreen_kubernetes_service_switch`, `bluegreen_gateway_route_switch`) " +
			"reach the API server, in the `hashicorp/kubernetes` provider's names. Every attribute also comes from the " +
			"environment variable that provider reads when unset (`KUBE_HOST`, `KUBE_TOKEN`, `KUBE_CLUSTER_CA_CERT_DATA`, " +
			"`KUBE_CLIENT_CERT_DATA`, `KUBE_CLIENT_KEY_DATA`, `KUBE_INSECURE`, `KUBE_TLS_SERVER_NAME`, `KUBE_CONFIG_PATH`, " +
			"`KUBE_CTX`). As in that provider, a kubeconfig is read only when `config_path` is given, explicit attributes " +
			"override it, and nothing is read from `~/.kube/config` implicitly.\n\n" +
			"The client is built the first time a Kubernetes switch needs it: a configuration without Kubernetes switches " +
			"never reads a kubeconfig, runs `exec` or dials the API server, and one with only Kubernetes switches needs no AWS region.",
		Attributes: map[string]schema.Attribute{
			"host": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "API server URL, e.g. `https://203.0.113.10:6443` (a bare `HOST:PORT` means `https://`). " +
					"Overrides the kubeconfig's server.",
			},
			"token": schema.StringAttribute{
				Optional: true, Sensitive: true,
				MarkdownDescription: "Bearer token, e.g. a service account token or `data.aws_eks_cluster_auth.this.token`.",
			},
			"cluster_ca_certificate": schema.StringAttribute{
				Optional: true, MarkdownDescription: pem("CA certificate that signed the API server's serving certificate,"),
			},
			"client_certificate": schema.StringAttribute{
				Optional: true, MarkdownDescription: pem("Client certificate (with `client_key`),"),
			},
			"client_key": schema.StringAttribute{
				Optional: true, Sensitive: true, MarkdownDescription: pem("Private key of `client_certificate`,"),
			},
			"insecure": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Skip verification of the API server's certificate (test clusters only). Conflicts with " +
					"`cluster_ca_certificate`. Default `false`.",
			},
			"tls_server_name": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Server name to verify the API server's certificate against, when it differs from `host`.",
			},
			"config_path": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Path of a kubeconfig file (`~` is expanded), e.g. `~/.kube/config`.",
			},
			"config_context": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Context of the kubeconfig to use. Default: its `current-context`.",
			},
			"exec": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "A client-go credential plugin run for a token when a request needs one, e.g. " +
					"`aws eks get-token`. It runs without a terminal.",
				Attributes: map[string]schema.Attribute{
					"api_version": schema.StringAttribute{
						Required: true, MarkdownDescription: "e.g. `client.authentication.k8s.io/v1beta1`.",
						Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
					},
					"command": schema.StringAttribute{
						Required: true, MarkdownDescription: "The plugin, e.g. `aws`.",
						Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
					},
					"args": schema.ListAttribute{
						ElementType: types.StringType, Optional: true, MarkdownDescription: "Its arguments, e.g. `[\"eks\", \"get-token\", \"--cluster-name\", \"prod\"]`.",
					},
					"env": schema.MapAttribute{
						ElementType: types.StringType, Optional: true, MarkdownDescription: "Extra environment variables for the plugin.",
					},
				},
			},
		},
	}
}

// kubeConfigFrom converts the `kubernetes` attribute (nil when absent) and
// the KUBE_* environment into a kubeclient.Config. An unknown value (a
// cluster created in the same apply) is an error the switches report when
// they need the client; the plan then leaves their path to the apply, when
// Terraform configures the provider again with known values.
func kubeConfigFrom(ctx context.Context, m *kubernetesModel, version string, getenv func(string) string) (kubeclient.Config, error) {
	c := kubeclient.Config{UserAgent: "terraform-provider-bluegreen/" + version}
	if m != nil {
		at := path.Root("kubernetes")
		for name, v := range map[string]interface{ IsUnknown() bool }{
			"host": m.Host, "token": m.Token, "cluster_ca_certificate": m.ClusterCACertificate,
			"client_certificate": m.ClientCertificate, "client_key": m.ClientKey, "insecure": m.Insecure,
			"tls_server_name": m.TLSServerName, "config_path": m.ConfigPath, "config_context": m.ConfigContext,
		} {
			if v.IsUnknown() {
				return c, fmt.Errorf("provider attribute %s is not known until apply", at.AtName(name))
			}
		}
		c.Host = m.Host.ValueString()
		c.Token = m.Token.ValueString()
		c.ClusterCACertificate = m.ClusterCACertificate.ValueString()
		c.ClientCertificate = m.ClientCertificate.ValueString()
		c.ClientKey = m.ClientKey.ValueString()
		c.Insecure = m.Insecure.ValueBool()
		c.TLSServerName = m.TLSServerName.ValueString()
		c.ConfigPath = m.ConfigPath.ValueString()
		c.ConfigContext = m.ConfigContext.ValueString()
		if e := m.Exec; e != nil {
			if e.APIVersion.IsUnknown() || e.Command.IsUnknown() || e.Args.IsUnknown() || e.Env.IsUnknown() {
				return c, fmt.Errorf("provider attribute %s is not known until apply", at.AtName("exec"))
			}
			ec := &kubeclient.ExecConfig{APIVersion: e.APIVersion.ValueString(), Command: e.Command.ValueString()}
			var d diag.Diagnostics
			if !e.Args.IsNull() {
				d.Append(e.Args.ElementsAs(ctx, &ec.Args, false)...)
			}
			if !e.Env.IsNull() {
				d.Append(e.Env.ElementsAs(ctx, &ec.Env, false)...)
			}
			if d.HasError() {
				return c, fmt.Errorf("provider attribute %s: %v", at.AtName("exec"), d)
			}
			c.Exec = ec
		}
	}
	c, err := kubeclient.FromEnv(c, getenv)
	if err != nil {
		return c, err
	}
	return c, nil
}

// kubeSetup is the provider's Kubernetes client, built on first use.
type kubeSetup struct {
	lazy *kubeclient.Lazy
	err  error // the configuration cannot give a client (unknown values, a bad KUBE_* variable)
}

func newKubeSetup(ctx context.Context, m *kubernetesModel, version string) kubeSetup {
	cfg, err := kubeConfigFrom(ctx, m, version, os.Getenv)
	if err != nil {
		return kubeSetup{err: err}
	}
	return kubeSetup{lazy: kubeclient.NewLazy(cfg)}
}

// kubeClients returns the Kubernetes clients, building them on first use, or
// an error naming the provider attribute to fix.
func (d *providerData) kubeClients() (*kubeclient.Clients, error) {
	if d == nil {
		return nil, fmt.Errorf("the provider is not configured")
	}
	if d.kube.err != nil {
		return nil, d.kube.err
	}
	if d.kube.lazy == nil {
		return nil, kubeclient.ErrNotConfigured
	}
	return d.kube.lazy.Get()
}

// needKube is kubeClients as a diagnostic naming what needs the client.
func (d *providerData) needKube(what string, diags *diag.Diagnostics) *kubeclient.Clients {
	cs, err := d.kubeClients()
	if err == nil {
		return cs
	}
	diags.AddError("Kubernetes is not configured",
		fmt.Sprintf("%s calls the Kubernetes API server, but the provider could not build its client: %s.\n\n"+
			"Set the provider's kubernetes attribute (host with token or client_certificate/client_key, and "+
			"cluster_ca_certificate; or config_path and config_context), or the KUBE_* environment variables "+
			"(KUBE_HOST, KUBE_TOKEN, KUBE_CLUSTER_CA_CERT_DATA, KUBE_CONFIG_PATH, KUBE_CTX).", what, err))
	return nil
}
