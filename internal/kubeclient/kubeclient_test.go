package kubeclient

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	authnv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	authnv1client "k8s.io/client-go/kubernetes/typed/authentication/v1"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.KubeMain(m)) }

// whoAmI asks the API server which user the configuration authenticates as.
func whoAmI(t *testing.T, cfg Config) (string, error) {
	t.Helper()
	rc, err := cfg.RESTConfig()
	if err != nil {
		return "", err
	}
	authn, err := authnv1client.NewForConfig(rc)
	if err != nil {
		return "", err
	}
	r, err := authn.SelfSubjectReviews().Create(context.Background(), &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		return "", err
	}
	return r.Status.UserInfo.Username, nil
}

func TestRESTConfig_againstARealAPIServer(t *testing.T) {
	kube := testenv.Kube(t)
	kubeconfig := kube.Kubeconfig(t)
	execPlugin := filepath.Join(t.TempDir(), "get-token")
	if err := os.WriteFile(execPlugin, []byte(`#!/bin/sh
[ "$1" = "--cluster" ] && [ "$2" = "test" ] || { echo "unexpected args: $*" >&2; exit 1; }
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' "$TOKEN_FOR_TEST"
`), 0o755); err != nil {
		t.Fatal(err)
	}
	hostPort := strings.TrimPrefix(kube.Host, "https://")
	tests := []struct {
		name     string
		cfg      Config
		wantUser string
		wantErr  string
	}{
		{"host, token and CA", Config{Host: kube.Host, Token: kube.Token, ClusterCACertificate: string(kube.CAPEM)}, "admin", ""},
		{"host without a scheme defaults to https with a CA", Config{Host: hostPort, Token: kube.Token, ClusterCACertificate: string(kube.CAPEM)}, "admin", ""},
		{"client certificate", Config{Host: kube.Host, ClientCertificate: string(kube.ClientCertPEM), ClientKey: string(kube.ClientKeyPEM), ClusterCACertificate: string(kube.CAPEM)}, "cert-admin", ""},
		{"insecure skips verification", Config{Host: kube.Host, Token: kube.Token, Insecure: true}, "admin", ""},
		{"no CA and not insecure fails verification", Config{Host: kube.Host, Token: kube.Token}, "", "certificate"},
		{"wrong token is unauthorized", Config{Host: kube.Host, Token: "nope", ClusterCACertificate: string(kube.CAPEM)}, "", "Unauthorized"},
		{"kubeconfig, current context", Config{ConfigPath: kubeconfig}, "admin", ""},
		{"kubeconfig, named context", Config{ConfigPath: kubeconfig, ConfigContext: "cert"}, "cert-admin", ""},
		{"kubeconfig, context with another user", Config{ConfigPath: kubeconfig, ConfigContextAuthInfo: "cert-user"}, "cert-admin", ""},
		{"explicit token overrides the kubeconfig", Config{ConfigPaths: []string{kubeconfig}, Token: "nope"}, "", "Unauthorized"},
		{"exec plugin", Config{Host: kube.Host, ClusterCACertificate: string(kube.CAPEM), Exec: &ExecConfig{
			APIVersion: "client.authentication.k8s.io/v1", Command: execPlugin, Args: []string{"--cluster", "test"},
			Env: map[string]string{"TOKEN_FOR_TEST": kube.Token},
		}}, "admin", ""},
		{"missing kubeconfig", Config{ConfigPath: filepath.Join(t.TempDir(), "absent")}, "", "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user, err := whoAmI(t, tt.cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v (user %q), want an error containing %q", err, user, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if user != tt.wantUser {
				t.Fatalf("authenticated as %q, want %q", user, tt.wantUser)
			}
		})
	}
}

func TestLazy_buildsOnFirstUseOnly(t *testing.T) {
	kube := testenv.Kube(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "kubeconfig")
	l := NewLazy(Config{ConfigPath: path})
	if l.Built() {
		t.Fatal("built before use")
	}
	// The kubeconfig does not exist yet: the failure is not remembered.
	if _, err := l.Get(); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Get = %v, want an error naming %s", err, path)
	}
	b, err := os.ReadFile(kube.Kubeconfig(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	c1, err := l.Get()
	if err != nil {
		t.Fatal(err)
	}
	c2, err := l.Get()
	if err != nil || c1 != c2 || !l.Built() {
		t.Fatalf("second Get = %p, %v; want the same clients %p", c2, err, c1)
	}
	if v, err := c1.Discovery.ServerVersion(); err != nil || v.GitVersion != "v1.34.4" {
		t.Fatalf("server version = %v, %v", v, err)
	}
	if _, err := c1.Core.Namespaces().Get(context.Background(), "default", metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c1.Dynamic.Resource(testenv.HTTPRouteGVR).Namespace("default").List(context.Background(), metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c1.Core.Namespaces().Get(context.Background(), "absent", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("err = %v, want not found", err)
	}
}

func TestConfig_validate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"host only", Config{Host: "https://k8s.example.com"}, ""},
		{"nothing", Config{}, "no Kubernetes API server configured"},
		{"both path forms", Config{ConfigPath: "a", ConfigPaths: []string{"b"}}, "mutually exclusive"},
		{"cert without key", Config{Host: "h", ClientCertificate: "x"}, "set together"},
		{"insecure with CA", Config{Host: "h", Insecure: true, ClusterCACertificate: "x"}, "insecure and cluster_ca_certificate"},
		{"exec without command", Config{Host: "h", Exec: &ExecConfig{APIVersion: "v"}}, "command is required"},
		{"exec without api version", Config{Host: "h", Exec: &ExecConfig{Command: "aws"}}, "api_version is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("Validate = %v, want %q", err, tt.want)
			}
			if _, rerr := tt.cfg.RESTConfig(); tt.want != "" && rerr == nil {
				t.Fatal("RESTConfig accepted an invalid configuration")
			}
		})
	}
	if !errors.Is(Config{}.Validate(), ErrNotConfigured) {
		t.Fatal("an empty configuration must match ErrNotConfigured")
	}
}

func TestFromEnv(t *testing.T) {
	env := map[string]string{
		"KUBE_HOST": "https://env.example.com", "KUBE_TOKEN": "env-token", "KUBE_INSECURE": "true",
		"KUBE_CONFIG_PATHS": "/a" + string(os.PathListSeparator) + "/b", "KUBE_CTX": "prod",
	}
	c, err := FromEnv(Config{Token: "explicit"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.Host != "https://env.example.com" || c.Token != "explicit" || !c.Insecure ||
		len(c.ConfigPaths) != 2 || c.ConfigPaths[1] != "/b" || c.ConfigContext != "prod" {
		t.Fatalf("config = %+v", c)
	}
	env["KUBE_INSECURE"] = "maybe"
	if _, err := FromEnv(Config{}, func(k string) string { return env[k] }); err == nil {
		t.Fatal("KUBE_INSECURE=maybe accepted")
	}
}

func TestRESTConfig_defaults(t *testing.T) {
	rc, err := Config{Host: "k8s.example.com:6443", Token: "t", ClusterCACertificate: "x", UserAgent: "bluegreen/test"}.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	if rc.Host != "https://k8s.example.com:6443" || rc.QPS != 50 || rc.Burst != 100 || rc.UserAgent != "bluegreen/test" || rc.BearerToken != "t" {
		t.Fatalf("rest config = host %q qps %v burst %d ua %q", rc.Host, rc.QPS, rc.Burst, rc.UserAgent)
	}
}
