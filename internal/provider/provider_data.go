package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/provider"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsclient"
)

// providerData is what Configure hands to every resource and data source:
// one client set per provider instance.
type providerData struct {
	Clients     *awsclient.Clients
	DefaultTags map[string]string
	deps        Deps
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

// NewTestProvider is New with injected dependencies, for tests.
func NewTestProvider(version string, deps Deps) func() provider.Provider {
	return func() provider.Provider { return &bluegreenProvider{version: version, deps: &deps} }
}

func newProviderData(ctx context.Context, c awsclient.Config, defaultTags map[string]string, deps *Deps) (*providerData, error) {
	if deps != nil && deps.HTTPTimeout > 0 {
		c.HTTPTimeout = deps.HTTPTimeout
	}
	if deps != nil && deps.Endpoint != "" {
		for _, e := range []*string{&c.Endpoints.ELBv2, &c.Endpoints.CloudWatch, &c.Endpoints.Route53, &c.Endpoints.STS} {
			if *e == "" {
				*e = deps.Endpoint
			}
		}
	}
	clients, err := awsclient.New(ctx, c)
	if err != nil {
		return nil, err
	}
	d := &providerData{Clients: clients, DefaultTags: defaultTags}
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
