package provider

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// TestNoCheckOnAnErroringStep fails when a test step has both ExpectError and
// a Check or ConfigStateChecks: terraform-plugin-testing never runs those on
// a step whose apply fails, so such an assertion proves nothing (a hostile
// pass found nine). Assert what a failed apply left with holdsAfterError in
// the next step's PreConfig instead.
func TestNoCheckOnAnErroringStep(t *testing.T) {
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(n ast.Node) bool {
			cl, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			keys := map[string]bool{}
			for _, e := range cl.Elts {
				if kv, ok := e.(*ast.KeyValueExpr); ok {
					if id, ok := kv.Key.(*ast.Ident); ok {
						keys[id.Name] = true
					}
				}
			}
			if keys["ExpectError"] && (keys["Check"] || keys["ConfigStateChecks"]) {
				t.Errorf("%s: a step with ExpectError never runs its Check/ConfigStateChecks; assert in the next step's PreConfig (holdsAfterError)", fset.Position(cl.Pos()))
			}
			return true
		})
	}
}

// holdsAfterError is a PreConfig that asserts what the previous, failed step
// left in the real world (checks that do not read Terraform state).
func holdsAfterError(t *testing.T, checks ...resource.TestCheckFunc) func() {
	return func() {
		t.Helper()
		for _, c := range checks {
			if err := c(&terraform.State{}); err != nil {
				t.Fatalf("after the failed apply: %v", err)
			}
		}
	}
}
