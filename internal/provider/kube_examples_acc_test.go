package provider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// TestAccKubeExamples applies the Kubernetes examples against the real API
// server, each in two releases (create on blue, then active_color = green):
//
//   - the resource examples of both Kubernetes switches, with the test's
//     namespace and loopback servers standing in for the example's
//     version endpoint and Prometheus;
//   - the bluegreen parts of examples/kubernetes-service and
//     examples/kubernetes-gateway, exactly as written, with the
//     kubernetes provider's objects (Deployments, Services, the HTTPRoute)
//     created by the test instead — the hashicorp/kubernetes provider is not
//     available offline — and its references replaced by their names.
func TestAccKubeExamples(t *testing.T) {
	root, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	read := func(t *testing.T, rel string) string {
		b, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	vars := func(color string) config.Variables {
		return config.Variables{"active_color": config.StringVariable(color)}
	}

	t.Run("resources/bluegreen_kubernetes_service_switch", func(t *testing.T) {
		kt := newKubeTest(t)
		kt.createService("web", blueSelector)
		kt.createPods(traffic.Blue, 2, true)
		kt.createPods(traffic.Green, 2, true)
		var versionCalls atomic.Int64
		app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			versionCalls.Add(1)
			fmt.Fprint(w, `{"version":"1.4.0"}`)
		}))
		t.Cleanup(app.Close)
		cfg := strings.NewReplacer(`"prod"`, fmt.Sprintf("%q", kt.NS), "https://web.example.com", app.URL).
			Replace(read(t, "resources/bluegreen_kubernetes_service_switch/resource.tf"))
		kt.applyExample(t, kt.providerBlock()+cfg, vars, "bluegreen_kubernetes_service_switch.web", func() resource.TestCheckFunc {
			return resource.ComposeTestCheckFunc(kt.expectSelector("web", greenSelector), func(*terraform.State) error {
				if versionCalls.Load() == 0 {
					return fmt.Errorf("the http check never called the version endpoint")
				}
				return nil
			})
		})
	})

	t.Run("resources/bluegreen_gateway_route_switch", func(t *testing.T) {
		kt := newKubeTest(t)
		kt.gatewaySetup()
		var promQueries atomic.Int64
		prom := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			promQueries.Add(1)
			fmt.Fprint(w, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1767603600,"0.001"]}]}}`)
		}))
		t.Cleanup(prom.Close)
		cfg := strings.NewReplacer(`"prod"`, fmt.Sprintf("%q", kt.NS), "http://prometheus.monitoring:9090", prom.URL).
			Replace(read(t, "resources/bluegreen_gateway_route_switch/resource.tf"))
		kt.applyExample(t, kt.providerBlock()+cfg, vars, "bluegreen_gateway_route_switch.web", func() resource.TestCheckFunc {
			return resource.ComposeTestCheckFunc(kt.expectRoute("web", 0, 100), kt.expectRouteWrites("90/10", "50/50", "0/100"),
				func(*terraform.State) error {
					if promQueries.Load() == 0 {
						return fmt.Errorf("the Prometheus check never queried")
					}
					return nil
				})
		})
	})

	t.Run("kubernetes-service", func(t *testing.T) {
		kt := newKubeTest(t)
		kt.createService("web", blueSelector)
		kt.createPods(traffic.Blue, 3, true)
		kt.createPods(traffic.Green, 3, true)
		src := read(t, "kubernetes-service/main.tf")
		cfg := bluegreenParts(t, src, strings.NewReplacer(
			"kubernetes_service_v1.web.metadata[0].namespace", "var.namespace",
			"kubernetes_service_v1.web.metadata[0].name", `"web"`,
		))
		kt.applyExample(t, kt.providerBlock()+kt.exampleVariables()+cfg, vars, "bluegreen_kubernetes_service_switch.web", func() resource.TestCheckFunc {
			return resource.ComposeTestCheckFunc(kt.expectSelector("web", greenSelector), resource.TestCheckOutput("serving", "green (stable)"))
		})
	})

	t.Run("kubernetes-gateway", func(t *testing.T) {
		kt := newKubeTest(t)
		kt.createService("web-blue", blueSelector)
		kt.createService("web-green", greenSelector)
		kt.createPods(traffic.Blue, 3, true)
		kt.createPods(traffic.Green, 3, true)
		kt.createRoute("web", 100, 0)
		src := read(t, "kubernetes-gateway/main.tf")
		cfg := bluegreenParts(t, src, strings.NewReplacer(
			"kubernetes_manifest.route.manifest.metadata.name", `"web"`,
			`kubernetes_service_v1.color["blue"].metadata[0].name`, `"web-blue"`,
			`kubernetes_service_v1.color["green"].metadata[0].name`, `"web-green"`,
		))
		kt.applyExample(t, kt.providerBlock()+kt.exampleVariables()+cfg, vars, "bluegreen_gateway_route_switch.web", func() resource.TestCheckFunc {
			return resource.ComposeTestCheckFunc(kt.expectRoute("web", 0, 100), kt.expectRouteWrites("90/10", "50/50", "0/100"),
				resource.TestCheckOutput("weights", "blue=0 green=100 (stable)"))
		})
	})
}

// exampleVariables declares the variables the full examples' bluegreen parts
// use, with the test's namespace.
func (kt *kubeTest) exampleVariables() string {
	return fmt.Sprintf(`
variable "namespace" {
  type    = string
  default = %q
}

variable "active_color" {
  type    = string
  default = "blue"
}
`, kt.NS)
}

// bluegreenParts returns the bluegreen_* resources and the outputs of an
// example, without depends_on on the kubernetes provider's objects (the test
// creates those), with refs replacing the references to them.
func bluegreenParts(t *testing.T, src string, refs *strings.Replacer) string {
	t.Helper()
	blocks := regexp.MustCompile(`(?ms)^(resource "bluegreen_[a-z_]+"|output) [^\n]*\{\n.*?^\}\n`).FindAllString(src, -1)
	if len(blocks) < 2 {
		t.Fatalf("the example has %d bluegreen resource or output blocks; update this test", len(blocks))
	}
	out := strings.Join(blocks, "\n")
	out = regexp.MustCompile(`(?m)^\s*depends_on\s*=.*\n`).ReplaceAllString(out, "")
	out = regexp.MustCompile(`(?m)^\s*# The Pods exist before.*\n`).ReplaceAllString(out, "")
	out = refs.Replace(out)
	if regexp.MustCompile(`\bkubernetes_(deployment_v1|service_v1|manifest)\.`).MatchString(out) {
		t.Fatalf("the example's bluegreen parts still refer to the kubernetes provider:\n%s", out)
	}
	return out
}

// applyExample applies cfg on blue (nothing moves), then with
// active_color = "green" (the example's shift), then destroys it.
func (kt *kubeTest) applyExample(t *testing.T, cfg string, vars func(string) config.Variables, address string, afterShift func() resource.TestCheckFunc) {
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: kt.Factories,
		Steps: []resource.TestStep{
			{
				Config: cfg, ConfigVariables: vars("blue"),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(address, "status", "stable"),
					resource.TestCheckResourceAttr(address, "blue_weight", "100")),
			},
			{
				PreConfig: kt.Proxy.Reset,
				Config:    cfg, ConfigVariables: vars("green"),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(address, "status", "stable"),
					resource.TestCheckResourceAttr(address, "active_color", "green"),
					resource.TestCheckResourceAttr(address, "green_weight", "100"),
					afterShift()),
			},
		},
	})
}
