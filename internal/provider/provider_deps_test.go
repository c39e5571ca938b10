package provider

import "github.com/hashicorp/terraform-plugin-framework/provider"

// NewTestProvider is New with injected dependencies (a fake clock, a
// sandbox endpoint, a short HTTP timeout). It lives in a test file so that
// the provider binary carries no test constructor; Deps stays in the product
// code because the provider reads it.
func NewTestProvider(version string, deps Deps) func() provider.Provider {
	return func() provider.Provider { return &bluegreenProvider{version: version, deps: &deps} }
}
