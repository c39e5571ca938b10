package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/alb"
)

// State written by the previous build (schema version 0: blocks, single
// http and prometheus checks) is in testdata/upgrade_v0/terraform.tfstate,
// with the sandbox's ARNs and the check URLs replaced by placeholders. It
// was written by TestAccStateUpgradeV0_writeFixture with the provider built
// at commit 0fd41e6:
//
//	git archive 0fd41e6 | tar -x -C /tmp/v0 && (cd /tmp/v0 && go build -o /tmp/v0bin/terraform-provider-bluegreen .)
//	BLUEGREEN_V0_PROVIDER_DIR=/tmp/v0bin RUN=TestAccStateUpgradeV0_writeFixture make testacc

const (
	upgradeHTTPURL = "http://127.0.0.1:9/health"
	upgradePromURL = "http://127.0.0.1:9"
)

// upgradeALB is the load balancer both tests create: the listener forwards
// everything to blue, as when the fixture was written.
func upgradeALB(t *testing.T, env *testEnv, name string) testALB {
	return createALB(t, env.Clients.ELBv2, name, 9871, 100, 0)
}

// TestAccStateUpgradeV0 puts the previous build's state in place and plans
// the same configuration, in today's syntax, with this build: the state
// upgrades (no error, no "Value Conversion Error") and the plan is empty;
// a refresh-only apply then stores the upgraded shape (http and prometheus
// as lists of one unnamed check).
func TestAccStateUpgradeV0(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	sb := newTestSandbox(t, withRealClock()) // the CLI's provider runs on the real clock
	tf := cliPath(t)
	a := upgradeALB(t, sb, "upgv0")
	raw, err := os.ReadFile("testdata/upgrade_v0/terraform.tfstate")
	if err != nil {
		t.Fatal(err)
	}
	var owner string
	{
		var st struct {
			Resources []struct {
				Type      string
				Instances []struct {
					SchemaVersion int            `json:"schema_version"`
					Attributes    map[string]any `json:"attributes"`
				}
			}
		}
		if err := json.Unmarshal(raw, &st); err != nil {
			t.Fatal(err)
		}
		for _, r := range st.Resources {
			for _, in := range r.Instances {
				if in.SchemaVersion != 0 {
					t.Fatalf("fixture %s has schema_version %d: it must be state of version 0", r.Type, in.SchemaVersion)
				}
				if r.Type == "bluegreen_listener_switch" {
					owner, _ = in.Attributes["owner_id"].(string)
				}
			}
		}
	}
	if owner == "" {
		t.Fatal("the fixture's switch has no owner_id")
	}
	// The listener carries the owner tag the previous build's apply wrote.
	if _, err := sb.Clients.ELBv2.AddTags(context.Background(), &elbv2.AddTagsInput{ResourceArns: []string{a.ListenerARN},
		Tags: []elbv2types.Tag{{Key: aws.String(alb.OwnerTagKey), Value: aws.String(owner)}}}); err != nil {
		t.Fatal(err)
	}
	provider := "registry.terraform.io/bluegreen-tf/bluegreen"
	if strings.Contains(filepath.Base(tf), "tofu") {
		provider = "registry.opentofu.org/bluegreen-tf/bluegreen"
	}
	fill := strings.NewReplacer("{{LISTENER_ARN}}", a.ListenerARN, "{{BLUE_TG}}", a.BlueARN, "{{GREEN_TG}}", a.GreenARN,
		"{{LB_ARN}}", a.LoadBalancerARN, "{{HTTP_URL}}", upgradeHTTPURL, "{{PROM_URL}}", upgradePromURL, "{{PROVIDER}}", provider)
	cfg, err := os.ReadFile("testdata/upgrade_v0/main.tf")
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	writeFile(t, filepath.Join(work, "main.tf"), fill.Replace(string(cfg)))
	writeFile(t, filepath.Join(work, "terraform.tfstate"), fill.Replace(string(raw)))
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+devOverridesRC(t), "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1",
		"AWS_ENDPOINT_URL="+sb.Sandbox.URL())
	run := func(args ...string) (string, int) {
		cmd := exec.Command(tf, args...)
		cmd.Dir, cmd.Env = work, env
		out, err := cmd.CombinedOutput()
		return string(out), exitCode(err)
	}
	out, code := run("plan", "-detailed-exitcode", "-no-color", "-input=false")
	if m := forbiddenOutput.FindString(out); m != "" {
		t.Fatalf("plan reported %q:\n%s", m, out)
	}
	if code != 0 {
		t.Fatalf("plan of the previous build's state with this build: exit %d, want 0 (no changes):\n%s", code, out)
	}
	if out, code := run("apply", "-refresh-only", "-auto-approve", "-no-color", "-input=false"); code != 0 {
		t.Fatalf("refresh-only apply: exit %d:\n%s", code, out)
	}
	js, code := run("show", "-json")
	if code != 0 {
		t.Fatalf("show: %s", js)
	}
	sw, ok := showValues(t, []byte(js), "bluegreen_listener_switch.app")
	if !ok {
		t.Fatalf("switch not in state:\n%s", js)
	}
	ro, _ := sw["rollback_on"].(map[string]any)
	gate, _ := showValues(t, []byte(js), "bluegreen_health_gate.gate")
	for what, checks := range map[string]map[string]any{"switch rollback_on": ro, "gate": gate} {
		for kind, url := range map[string]string{"http": upgradeHTTPURL, "prometheus": upgradePromURL} {
			l, _ := checks[kind].([]any)
			if len(l) != 1 {
				t.Fatalf("%s: %s = %#v in the upgraded state, want a list of one check", what, kind, checks[kind])
			}
			e, _ := l[0].(map[string]any)
			if e["url"] != url || e["name"] != nil {
				t.Errorf("%s: %s[0] = %v, want url %s and no name", what, kind, e, url)
			}
		}
	}
	if st, _ := sw["strategy"].(map[string]any); st["step_interval"] != "2m" || sw["bake_time"] != "30s" {
		t.Errorf("strategy = %v, bake_time = %v: not kept through the upgrade", st, sw["bake_time"])
	}
}

// TestAccStateUpgradeV0_writeFixture writes testdata/upgrade_v0/terraform.tfstate
// with the previous build (BLUEGREEN_V0_PROVIDER_DIR holds its binary): it
// applies main.tf.v0 against the sandbox and replaces what differs per run
// by placeholders.
func TestAccStateUpgradeV0_writeFixture(t *testing.T) {
	dir := os.Getenv("BLUEGREEN_V0_PROVIDER_DIR")
	if dir == "" {
		t.Skip("BLUEGREEN_V0_PROVIDER_DIR is not set: the fixture is written once, with the previous build")
	}
	testAccPreCheck(t)
	tf := cliPath(t)
	if strings.Contains(filepath.Base(tf), "tofu") {
		t.Skip("the fixture is written with Terraform")
	}
	sb := newTestSandbox(t, withRealClock())
	a := upgradeALB(t, sb, "upgv0")
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "ok") }))
	defer web.Close()
	prom := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"1"]}]}}`)
	}))
	defer prom.Close()
	cfg, err := os.ReadFile("testdata/upgrade_v0/main.tf.v0")
	if err != nil {
		t.Fatal(err)
	}
	httpURL, promURL := web.URL+"/health", prom.URL
	fill := strings.NewReplacer("{{LISTENER_ARN}}", a.ListenerARN, "{{BLUE_TG}}", a.BlueARN, "{{GREEN_TG}}", a.GreenARN,
		"{{LB_ARN}}", a.LoadBalancerARN, "{{HTTP_URL}}", httpURL, "{{PROM_URL}}", promURL)
	work := t.TempDir()
	writeFile(t, filepath.Join(work, "main.tf"), fill.Replace(string(cfg)))
	rc := filepath.Join(t.TempDir(), "terraformrc")
	writeFile(t, rc, fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"registry.terraform.io/bluegreen-tf/bluegreen\" = %q\n  }\n  direct {}\n}\n", dir))
	cmd := exec.Command(tf, "apply", "-auto-approve", "-no-color", "-input=false")
	cmd.Dir, cmd.Env = work, append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1",
		"AWS_ENDPOINT_URL="+sb.Sandbox.URL())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("apply with the previous build: %v\n%s", err, out)
	}
	st, err := os.ReadFile(filepath.Join(work, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	back := strings.NewReplacer(a.ListenerARN, "{{LISTENER_ARN}}", a.BlueARN, "{{BLUE_TG}}", a.GreenARN, "{{GREEN_TG}}",
		a.LoadBalancerARN, "{{LB_ARN}}", httpURL, "{{HTTP_URL}}", promURL, "{{PROM_URL}}",
		"registry.terraform.io/bluegreen-tf/bluegreen", "{{PROVIDER}}")
	if err := os.WriteFile("testdata/upgrade_v0/terraform.tfstate", []byte(back.Replace(string(st))), 0o644); err != nil {
		t.Fatal(err)
	}
}
