package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsclient"
)

// A configuration with no AWS resource starts without a region: the
// provider configures, and only what calls AWS says it is missing.
func TestProviderData_awsOnlyWhenUsed(t *testing.T) {
	for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	d, err := newProviderData(context.Background(), awsclient.Config{}, nil, nil)
	if err != nil {
		t.Fatalf("configuring without a region failed: %v", err)
	}
	if d.Clients != nil {
		t.Fatal("AWS clients built without a region")
	}
	var diags diag.Diagnostics
	if d.needAWS("bluegreen_listener_switch", &diags) || !diags.HasError() {
		t.Fatal("a resource that calls AWS must be told AWS is not configured")
	}
	if got := diags.Errors()[0].Detail(); !strings.Contains(got, "bluegreen_listener_switch calls AWS") || !strings.Contains(got, "region") {
		t.Fatalf("diagnostic does not name the resource and the missing region: %q", got)
	}
	// With a region, the clients are there.
	d, err = newProviderData(context.Background(), awsclient.Config{Region: "eu-west-1"}, nil, nil)
	if err != nil || d.Clients == nil {
		t.Fatalf("with a region: %v, clients %v", err, d.Clients)
	}
}
