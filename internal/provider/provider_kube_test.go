package provider

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/kubeclient"
)

// TestKubeConfigFrom: attributes win over the KUBE_* variables, the
// variables fill what is unset, and an unknown attribute is an error naming
// it (the switches then decide at apply).
func TestKubeConfigFrom(t *testing.T) {
	env := map[string]string{"KUBE_HOST": "https://env:6443", "KUBE_TOKEN": "env-token", "KUBE_CTX": "env-ctx"}
	getenv := func(k string) string { return env[k] }
	m := &kubernetesModel{Host: types.StringValue("https://attr:6443"), Token: types.StringNull(), ClusterCACertificate: types.StringNull(),
		ClientCertificate: types.StringNull(), ClientKey: types.StringNull(), Insecure: types.BoolNull(), TLSServerName: types.StringNull(),
		ConfigPath: types.StringNull(), ConfigContext: types.StringNull()}
	c, err := kubeConfigFrom(context.Background(), m, "1.2.3", getenv)
	if err != nil {
		t.Fatal(err)
	}
	if c.Host != "https://attr:6443" || c.Token != "env-token" || c.ConfigContext != "env-ctx" || c.UserAgent != "terraform-provider-bluegreen/1.2.3" {
		t.Fatalf("config %+v", c)
	}
	m.Token = types.StringUnknown()
	if _, err := kubeConfigFrom(context.Background(), m, "1", getenv); err == nil || !strings.Contains(err.Error(), "kubernetes.token") {
		t.Fatalf("unknown token: %v", err)
	}
	if _, err := kubeConfigFrom(context.Background(), nil, "1", func(k string) string {
		return map[string]string{"KUBE_INSECURE": "maybe"}[k]
	}); err == nil {
		t.Fatal("KUBE_INSECURE=maybe accepted")
	}
}

// TestKubeSetup_lazy: without any Kubernetes configuration the provider
// still configures (AWS-only users never need it) and only a Kubernetes
// switch asking for the client gets the error; with a configuration nothing
// is built until asked.
func TestKubeSetup_lazy(t *testing.T) {
	t.Setenv("KUBE_HOST", "")
	t.Setenv("KUBE_CONFIG_PATH", "")
	t.Setenv("KUBE_CONFIG_PATHS", "")
	d := &providerData{kube: newKubeSetup(context.Background(), nil, "test")}
	if _, err := d.kubeClients(); !errors.Is(err, kubeclient.ErrNotConfigured) {
		t.Fatalf("no configuration: %v, want ErrNotConfigured", err)
	}
	m := &kubernetesModel{Host: types.StringValue("https://127.0.0.1:1"), Token: types.StringValue("t"), ClusterCACertificate: types.StringNull(),
		ClientCertificate: types.StringNull(), ClientKey: types.StringNull(), Insecure: types.BoolValue(true), TLSServerName: types.StringNull(),
		ConfigPath: types.StringNull(), ConfigContext: types.StringNull()}
	d = &providerData{kube: newKubeSetup(context.Background(), m, "test")}
	if d.kube.lazy == nil || d.kube.lazy.Built() {
		t.Fatal("the client was built before any switch asked for it")
	}
	if _, err := d.kubeClients(); err != nil || !d.kube.lazy.Built() {
		t.Fatalf("kubeClients: %v (built %v)", err, d.kube.lazy.Built())
	}
}

func TestParseKubeImportID(t *testing.T) {
	for _, tt := range []struct {
		id, ns, name, err string
	}{
		{"prod/web", "prod", "web", ""},
		{"prod/web.v2", "", "", "name"},
		{"prod", "", "", "want <namespace>/<name>"},
		{"prod/web/x", "", "", "want <namespace>/<name>"},
		{"/web", "", "", "want <namespace>/<name>"},
		{"Prod/web", "", "", "namespace"},
	} {
		ns, name, err := parseKubeImportID(tt.id, "<namespace>/<name>", serviceNameError)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: err %v, want one containing %q", tt.id, err, tt.err)
			}
			continue
		}
		if err != nil || ns != tt.ns || name != tt.name {
			t.Errorf("%q: %q %q %v", tt.id, ns, name, err)
		}
	}
	// A route name may contain dots (a DNS subdomain).
	if _, name, err := parseKubeImportID("prod/web.v2", "<namespace>/<route>", dnsSubdomainError); err != nil || name != "web.v2" {
		t.Errorf("route web.v2: %q %v", name, err)
	}
}
