// Package kubeclient builds Kubernetes API clients from provider-style
// configuration, in the conventions of the hashicorp/kubernetes provider:
// `host`, `token`, `cluster_ca_certificate`, `client_certificate` /
// `client_key`, `username` / `password`, `insecure`, `tls_server_name`,
// `proxy_url`, `config_path` / `config_paths` with `config_context`,
// `config_context_auth_info` and `config_context_cluster`, and an `exec`
// credential plugin. The same KUBE_* environment variables fill attributes
// left unset (see FromEnv).
//
// As in the kubernetes provider, a kubeconfig is loaded only when a config
// path is given, and explicitly set attributes override what it says; without
// a config path the explicit attributes are the whole configuration. Nothing
// is read from ~/.kube/config implicitly.
//
// Clients are built lazily (Lazy): a provider whose configuration has no
// Kubernetes block, or whose Kubernetes resources are never used, never
// reads a kubeconfig, runs an exec plugin or dials the API server.
//
// The package knows nothing of Terraform; the provider converts its schema to
// a Config.
package kubeclient

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// Config is the provider-level Kubernetes configuration. Zero values mean
// "not set". PEM fields hold PEM text (not base64 of it), as in the
// kubernetes provider.
type Config struct {
	Host                 string
	Username             string
	Password             string
	Insecure             bool
	TLSServerName        string
	ClientCertificate    string // PEM
	ClientKey            string // PEM
	ClusterCACertificate string // PEM
	Token                string
	ProxyURL             string

	ConfigPath            string
	ConfigPaths           []string
	ConfigContext         string
	ConfigContextAuthInfo string
	ConfigContextCluster  string

	Exec *ExecConfig

	// UserAgent is sent with every request (e.g. "terraform-provider-bluegreen/1.2.3").
	UserAgent string
	// QPS and Burst of the client-side rate limiter; zero means 50 and 100.
	QPS   float32
	Burst int
}

// ExecConfig runs a client-go credential plugin, as the kubernetes
// provider's `exec` block does (e.g. `aws eks get-token`).
type ExecConfig struct {
	APIVersion string // e.g. client.authentication.k8s.io/v1beta1
	Command    string
	Args       []string
	Env        map[string]string
}

// ErrNotConfigured is returned (wrapped) when the configuration names no API
// server at all: no host and no config path.
var ErrNotConfigured = errors.New("no Kubernetes API server configured: set host (with credentials) or config_path")

// FromEnv returns c with unset attributes filled from the environment
// variables the kubernetes provider reads: KUBE_HOST, KUBE_USER,
// KUBE_PASSWORD, KUBE_INSECURE, KUBE_TLS_SERVER_NAME, KUBE_CLIENT_CERT_DATA,
// KUBE_CLIENT_KEY_DATA, KUBE_CLUSTER_CA_CERT_DATA, KUBE_TOKEN,
// KUBE_PROXY_URL, KUBE_CONFIG_PATH, KUBE_CONFIG_PATHS (separated by the OS
// list separator), KUBE_CTX, KUBE_CTX_AUTH_INFO and KUBE_CTX_CLUSTER.
// getenv is os.Getenv in production.
func FromEnv(c Config, getenv func(string) string) (Config, error) {
	str := func(dst *string, name string) {
		if *dst == "" {
			*dst = getenv(name)
		}
	}
	str(&c.Host, "KUBE_HOST")
	str(&c.Username, "KUBE_USER")
	str(&c.Password, "KUBE_PASSWORD")
	str(&c.TLSServerName, "KUBE_TLS_SERVER_NAME")
	str(&c.ClientCertificate, "KUBE_CLIENT_CERT_DATA")
	str(&c.ClientKey, "KUBE_CLIENT_KEY_DATA")
	str(&c.ClusterCACertificate, "KUBE_CLUSTER_CA_CERT_DATA")
	str(&c.Token, "KUBE_TOKEN")
	str(&c.ProxyURL, "KUBE_PROXY_URL")
	str(&c.ConfigPath, "KUBE_CONFIG_PATH")
	str(&c.ConfigContext, "KUBE_CTX")
	str(&c.ConfigContextAuthInfo, "KUBE_CTX_AUTH_INFO")
	str(&c.ConfigContextCluster, "KUBE_CTX_CLUSTER")
	if len(c.ConfigPaths) == 0 {
		if v := getenv("KUBE_CONFIG_PATHS"); v != "" {
			c.ConfigPaths = filepath.SplitList(v)
		}
	}
	if !c.Insecure {
		if v := getenv("KUBE_INSECURE"); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return c, fmt.Errorf("KUBE_INSECURE=%q: not a boolean", v)
			}
			c.Insecure = b
		}
	}
	return c, nil
}

// Validate reports combinations the API server could never accept, before
// anything is loaded.
func (c Config) Validate() error {
	if c.ConfigPath != "" && len(c.ConfigPaths) > 0 {
		return errors.New("config_path and config_paths are mutually exclusive")
	}
	if (c.ClientCertificate == "") != (c.ClientKey == "") {
		return errors.New("client_certificate and client_key must be set together")
	}
	if c.Insecure && c.ClusterCACertificate != "" {
		return errors.New("insecure and cluster_ca_certificate are mutually exclusive: a CA is pointless when the server certificate is not verified")
	}
	if c.Exec != nil && c.Exec.Command == "" {
		return errors.New("exec: command is required")
	}
	if c.Exec != nil && c.Exec.APIVersion == "" {
		return errors.New("exec: api_version is required (e.g. client.authentication.k8s.io/v1beta1)")
	}
	if c.Host == "" && c.ConfigPath == "" && len(c.ConfigPaths) == 0 {
		return ErrNotConfigured
	}
	return nil
}

func (c Config) configPaths() []string {
	var paths []string
	if c.ConfigPath != "" {
		paths = []string{c.ConfigPath}
	} else {
		paths = c.ConfigPaths
	}
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		out = append(out, expandHome(p))
	}
	return out
}

func expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, strings.TrimPrefix(p, "~"))
		}
	}
	return p
}

// RESTConfig resolves c into a client-go rest.Config. A kubeconfig named by a
// config path is read now, and an exec plugin runs only when a request needs
// a credential.
func (c Config) RESTConfig() (*rest.Config, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	loader := &clientcmd.ClientConfigLoadingRules{}
	overrides := &clientcmd.ConfigOverrides{}
	if paths := c.configPaths(); len(paths) > 0 {
		for _, p := range paths {
			if _, err := os.Stat(p); err != nil {
				return nil, fmt.Errorf("kubeconfig %s: %w", p, err)
			}
		}
		if len(paths) == 1 {
			loader.ExplicitPath = paths[0]
		} else {
			loader.Precedence = paths
		}
		overrides.CurrentContext = c.ConfigContext
		overrides.Context.AuthInfo = c.ConfigContextAuthInfo
		overrides.Context.Cluster = c.ConfigContextCluster
	}
	overrides.ClusterInfo.InsecureSkipTLSVerify = c.Insecure
	overrides.ClusterInfo.TLSServerName = c.TLSServerName
	if c.ClusterCACertificate != "" {
		overrides.ClusterInfo.CertificateAuthorityData = []byte(c.ClusterCACertificate)
	}
	if c.ClientCertificate != "" {
		overrides.AuthInfo.ClientCertificateData = []byte(c.ClientCertificate)
		overrides.AuthInfo.ClientKeyData = []byte(c.ClientKey)
	}
	if c.Host != "" {
		// Overrides are applied after client-go's own defaulting of a bare
		// host name, so complete it here (https when any TLS material is
		// given, as the kubernetes provider does).
		defaultTLS := c.ClusterCACertificate != "" || c.ClientCertificate != "" || c.Insecure
		u, _, err := rest.DefaultServerURL(c.Host, "", schema.GroupVersion{}, defaultTLS)
		if err != nil {
			return nil, fmt.Errorf("host %q: %w", c.Host, err)
		}
		overrides.ClusterInfo.Server = u.String()
	}
	overrides.AuthInfo.Username = c.Username
	overrides.AuthInfo.Password = c.Password
	overrides.AuthInfo.Token = c.Token
	if c.Exec != nil {
		e := &clientcmdapi.ExecConfig{
			APIVersion: c.Exec.APIVersion,
			Command:    c.Exec.Command,
			Args:       append([]string(nil), c.Exec.Args...),
			// Terraform runs providers without a terminal.
			InteractiveMode: clientcmdapi.NeverExecInteractiveMode,
		}
		names := make([]string, 0, len(c.Exec.Env))
		for k := range c.Exec.Env {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			e.Env = append(e.Env, clientcmdapi.ExecEnvVar{Name: k, Value: c.Exec.Env[k]})
		}
		overrides.AuthInfo.Exec = e
	}
	if c.ProxyURL != "" {
		overrides.ClusterDefaults.ProxyURL = c.ProxyURL
	}
	rc, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(loader, overrides).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("building the Kubernetes client configuration: %w", err)
	}
	rc.UserAgent = c.UserAgent
	rc.QPS, rc.Burst = c.QPS, c.Burst
	if rc.QPS == 0 {
		rc.QPS = 50
	}
	if rc.Burst == 0 {
		rc.Burst = 100
	}
	return rc, nil
}

// Clients are the API clients the Kubernetes routers and checks use: typed
// core/v1 (Services, Pods), discovery, and a dynamic client for custom
// resources such as Gateway API HTTPRoutes. The full typed clientset
// (kubernetes.Interface, every API group) is deliberately not used: it would
// add tens of megabytes to the provider binary for groups it never touches.
type Clients struct {
	REST      *rest.Config
	Core      corev1client.CoreV1Interface
	Discovery discovery.DiscoveryInterface
	Dynamic   dynamic.Interface
}

// NewClients builds Clients from a rest.Config (it dials nothing).
func NewClients(rc *rest.Config) (*Clients, error) {
	core, err := corev1client.NewForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("building the Kubernetes core/v1 client: %w", err)
	}
	disc, err := discovery.NewDiscoveryClientForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("building the Kubernetes discovery client: %w", err)
	}
	dyn, err := dynamic.NewForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("building the Kubernetes dynamic client: %w", err)
	}
	return &Clients{REST: rc, Core: core, Discovery: disc, Dynamic: dyn}, nil
}

// Lazy builds Clients from a Config on first use and then returns the same
// Clients to every caller. A failed build is not remembered: the next call
// tries again (a kubeconfig written later in the same apply is then found).
type Lazy struct {
	cfg Config

	mu      sync.Mutex
	clients *Clients
}

// NewLazy returns a Lazy for cfg; nothing is read or dialled until Get.
func NewLazy(cfg Config) *Lazy { return &Lazy{cfg: cfg} }

// Get returns the clients, building them on the first call.
func (l *Lazy) Get() (*Clients, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.clients != nil {
		return l.clients, nil
	}
	rc, err := l.cfg.RESTConfig()
	if err != nil {
		return nil, err
	}
	cs, err := NewClients(rc)
	if err != nil {
		return nil, err
	}
	l.clients = cs
	return cs, nil
}

// Built reports whether Get has built the clients (for tests of laziness).
func (l *Lazy) Built() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.clients != nil
}

// ErrConflict matches (errors.Is) a write refused because another writer
// changed what the router manages since the router last read it: the
// Kubernetes routers write with the resourceVersion they read, and an update
// that loses that race is reported, never retried over the other writer's
// change. It is traffic.ErrConflict, so the rollout engine recognises it as
// another writer (a conflict), not an error to roll back over.
var ErrConflict = traffic.ErrConflict
