package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsclient"
)

// providerData is what Configure hands to every resource and data source:
// one client set per provider instance.
type providerData struct {
	// Clients is nil when no AWS configuration could be loaded (no region,
	// say): AWS is needed only by what uses it, so a configuration with only
	// an HAProxy, Nginx or Kubernetes switch never needs a region. awsErr
	// says why.
	Clients     *awsclient.Clients
	awsErr      error
	DefaultTags map[string]string
	deps        Deps
	// kube is the Kubernetes client, built on first use (provider_kube.go).
	kube kubeSetup
}

// needAWS reports, as a diagnostic naming what needs it, when AWS is not
// configured.
func (d *providerData) needAWS(what string, diags *diag.Diagnostics) bool {
	if d == nil || d.Clients != nil {
		return true
	}
	diags.AddError("AWS is not configured",
		fmt.Sprintf("%s calls AWS, but the provider could not build its AWS clients: %s.\n\n"+
			"Check region, profile and assume_role, and that credentials are available through the "+
			"AWS SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, SSO, "+
			"web identity, instance role).", what, d.awsErr))
	return false
}

// configuredAWSData is configuredData for resources that always call AWS.
func configuredAWSData(raw any, what string, diags *diag.Diagnostics) *providerData {
	d := configuredData(raw, diags)
	if d != nil && !d.needAWS(what, diags) {
		return nil
	}
	return d
}

// Deps lets tests replace parts of the provider's environment (for example a
// fake clock, so a bake time of minutes runs in milliseconds). Production
// code uses the zero value.
type Deps struct {
	// Clock replaces the real clock for rollouts and gates when non-nil.
	Clock clock.Clock
	// HTTPTimeout, when non-zero, bounds each AWS HTTP attempt (the default
	// is 60s), so tests can inject latency beyond the SDK timeout quickly.
	HTTPTimeout time.Duration
	// Endpoint, when set, is the endpoint of every AWS service the provider
	// calls unless the configuration's endpoints block names one, so each
	// acceptance test can talk to a sandbox of its own while tests run in
	// parallel (AWS_ENDPOINT_URL is one per process).
	Endpoint string
}

func newProviderData(ctx context.Context, c awsclient.Config, defaultTags map[string]string, deps *Deps) (*providerData, error) {
	if deps != nil && deps.HTTPTimeout > 0 {
		c.HTTPTimeout = deps.HTTPTimeout
	}
	if deps != nil && deps.Endpoint != "" {
		for _, e := range []*string{&c.Endpoints.ELBv2, &c.Endpoints.CloudWatch, &c.Endpoints.Route53, &c.Endpoints.STS, &c.Endpoints.SNS} {
			if *e == "" {
				*e = deps.Endpoint
			}
		}
	}
	clients, err := awsclient.New(ctx, c)
	d := &providerData{Clients: clients, awsErr: err, DefaultTags: defaultTags}
	if err != nil {
		d.Clients = nil
	}
	if deps != nil {
		d.deps = *deps
	}
	return d, nil
}

// configuredData is the Configure step shared by resources and data sources:
// nil-check ProviderData (it is nil before the provider is configured) and
// type-assert it.
func configuredData(raw any, diags *diag.Diagnostics) *providerData {
	if raw == nil {
		return nil
	}
	d, ok := raw.(*providerData)
	if !ok {
		diags.AddError("Unexpected Configure Type",
			fmt.Sprintf("Expected *provider.providerData, got %T. Please report this issue to the provider developers.", raw))
		return nil
	}
	return d
}
