package provider

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// productPackages are the packages whose code runs in the provider binary
// and calls AWS.
var productPackages = []string{"internal/provider", "internal/rollout", "internal/checks", "internal/traffic", "internal/envpair", "internal/awsclient", "internal/notify"}

// sdkActions finds every AWS API operation the product code calls, as IAM
// actions: a call .Op( where Op is a method of the ELBv2, CloudWatch or STS
// client.
func sdkActions(t *testing.T) map[string][]string {
	t.Helper()
	clients := map[string]reflect.Type{
		"elasticloadbalancing": reflect.TypeOf(&elbv2.Client{}),
		"cloudwatch":           reflect.TypeOf(&cloudwatch.Client{}),
		"sts":                  reflect.TypeOf(&sts.Client{}),
		"sns":                  reflect.TypeOf(&sns.Client{}),
	}
	call := regexp.MustCompile(`\.([A-Z][A-Za-z0-9]+)\(`)
	found := map[string][]string{}
	for _, pkg := range productPackages {
		err := filepath.Walk(filepath.Join("..", "..", pkg), func(p string, info os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			if info.IsDir() && (info.Name() == "testdata" || strings.HasSuffix(p, "routertest")) {
				return filepath.SkipDir
			}
			if info.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return nil
			}
			raw, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, m := range call.FindAllStringSubmatch(string(raw), -1) {
				for svc, typ := range clients {
					if meth, ok := typ.MethodByName(m[1]); ok && meth.Type.NumIn() == 4 { // (client, ctx, input, ...optFns)
						a := svc + ":" + m[1]
						found[a] = append(found[a], p)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return found
}

// TestIAMPolicyListsEveryCall keeps the IAM guide's policy equal to the
// actions the code calls.
func TestIAMPolicyListsEveryCall(t *testing.T) {
	raw, err := os.ReadFile("../../templates/guides/iam.md.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- iam-policy:start -->\\s*```json\\n(.*?)```\\s*<!-- iam-policy:end -->").FindSubmatch(raw)
	if m == nil {
		t.Fatal("iam.md.tmpl has no iam-policy JSON block")
	}
	var policy struct {
		Statement []struct {
			Action []string
		}
	}
	if err := json.Unmarshal(m[1], &policy); err != nil {
		t.Fatalf("the IAM policy is not valid JSON: %v", err)
	}
	listed := map[string]bool{}
	for _, s := range policy.Statement {
		for _, a := range s.Action {
			if listed[a] {
				t.Errorf("%s listed twice", a)
			}
			listed[a] = true
		}
	}
	called := sdkActions(t)
	if len(called) < 10 {
		t.Fatalf("found only %d AWS calls in the product code: the scan is broken", len(called))
	}
	var missing, unused []string
	for a, files := range called {
		if !listed[a] {
			missing = append(missing, a+" (called in "+strings.Join(files, ", ")+")")
		}
	}
	for a := range listed {
		if _, ok := called[a]; !ok {
			unused = append(unused, a)
		}
	}
	sort.Strings(missing)
	sort.Strings(unused)
	if len(missing) > 0 {
		t.Errorf("the IAM policy misses actions the provider calls:\n  %s", strings.Join(missing, "\n  "))
	}
	if len(unused) > 0 {
		t.Errorf("the IAM policy lists actions the provider never calls: %s", strings.Join(unused, ", "))
	}
}
