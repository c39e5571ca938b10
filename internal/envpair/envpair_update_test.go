package envpair

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
)

// TestUpdateSyncsEverythingItManages: Update moves the health check, the
// user's tags (added, changed and removed), the version labels and the
// managed targets of both groups to the spec, and leaves the targets of a
// color whose targets are not managed (nil) alone.
func TestUpdateSyncsEverythingItManages(t *testing.T) {
	srv, api := startSandbox(t)
	ctx := context.Background()
	s := testSpec("upd")
	s.Tags = map[string]string{"team": "a", "cost": "x"}
	s.Colors = map[string]ColorSpec{
		"blue":  {Version: "1", Targets: []Target{{ID: "10.0.0.1"}, {ID: "10.0.0.2"}}},
		"green": {Version: "", Targets: nil},
	}
	p, err := Create(ctx, api, s)
	if err != nil {
		t.Fatal(err)
	}
	arns := ARNs{"blue": p.Groups["blue"].TargetGroupARN, "green": p.Groups["green"].TargetGroupARN}
	// Someone else (an ECS service, say) registers green's targets.
	if _, err := api.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: aws.String(arns["green"]),
		Targets: []types.TargetDescription{{Id: aws.String("10.0.9.9")}}}); err != nil {
		t.Fatal(err)
	}

	s.HealthCheck.Path = "/healthz"
	s.HealthCheck.Matcher = "200-299"
	s.Tags = map[string]string{"team": "b", "env": "prod"}
	s.Colors = map[string]ColorSpec{
		"blue":  {Version: "2", Targets: []Target{{ID: "10.0.0.2"}, {ID: "10.0.0.3", Port: 9090}}},
		"green": {Version: "3", Targets: nil},
	}
	srv.ResetCalls()
	got, err := Update(ctx, api, s, arns)
	if err != nil {
		t.Fatal(err)
	}
	blue, green := got.Groups["blue"], got.Groups["green"]
	if want := []Target{{ID: "10.0.0.2", Port: 8080}, {ID: "10.0.0.3", Port: 9090}}; !reflect.DeepEqual(blue.Targets, want) {
		t.Errorf("blue targets %v, want %v (10.0.0.1 deregistered, 10.0.0.3:9090 registered)", blue.Targets, want)
	}
	if want := []Target{{ID: "10.0.9.9", Port: 8080}}; !reflect.DeepEqual(green.Targets, want) {
		t.Errorf("green targets %v, want %v: targets nobody asked the pair to manage are left alone", green.Targets, want)
	}
	for _, g := range []Group{blue, green} {
		if want := map[string]string{"team": "b", "env": "prod"}; !reflect.DeepEqual(g.Shared.Tags, want) {
			t.Errorf("%s tags %v, want %v", g.Color, g.Shared.Tags, want)
		}
		if g.Shared.HealthCheck.Path != "/healthz" || g.Shared.HealthCheck.Matcher != "200-299" {
			t.Errorf("%s health check %+v, want /healthz 200-299", g.Color, g.Shared.HealthCheck)
		}
		if g.Owner != s.ID {
			t.Errorf("%s owner %q, want %q", g.Color, g.Owner, s.ID)
		}
	}
	if blue.Version != "2" || green.Version != "3" {
		t.Errorf("versions blue=%q green=%q, want 2 and 3", blue.Version, green.Version)
	}
	// Unchanged settings are not rewritten target by target: one
	// registration and one deregistration call for blue, none for green.
	for op, want := range map[string]int{"RegisterTargets": 1, "DeregisterTargets": 1} {
		if n := len(srv.Calls(sandbox.CallFilter{Service: "elbv2", Operation: op})); n != want {
			t.Errorf("%s called %d times, want %d", op, n, want)
		}
	}
}

// TestUpdateRefusesBeforeChangingAnything: when one color is not the
// pair's, Update fails before any call changes the other.
func TestUpdateRefusesBeforeChangingAnything(t *testing.T) {
	srv, api := startSandbox(t)
	ctx := context.Background()
	s := testSpec("refuse")
	p, err := Create(ctx, api, s)
	if err != nil {
		t.Fatal(err)
	}
	arns := ARNs{"blue": p.Groups["blue"].TargetGroupARN, "green": p.Groups["green"].TargetGroupARN}
	other := testSpec("refuse")
	other.HealthCheck.Path = "/changed"
	srv.ResetCalls()
	var notOwned *NotOwnedError
	if _, err := Update(ctx, api, other, arns); !errors.As(err, &notOwned) {
		t.Fatalf("Update with another pair's identity: %v, want *NotOwnedError", err)
	}
	for _, c := range srv.Calls(sandbox.CallFilter{Service: "elbv2"}) {
		if c.Operation != "DescribeTags" {
			t.Errorf("a refused update called %s", c.Operation)
		}
	}
}

// TestCreateMissingMakesOnlyTheMissingColor: with green deleted outside
// Terraform, CreateMissing keeps blue's group and makes a new green one that
// carries the pair's identity; with green's name taken by someone else's
// group, it fails naming it and makes nothing.
func TestCreateMissingMakesOnlyTheMissingColor(t *testing.T) {
	_, api := startSandbox(t)
	ctx := context.Background()
	s := testSpec("miss")
	p, err := Create(ctx, api, s)
	if err != nil {
		t.Fatal(err)
	}
	blue, green := p.Groups["blue"].TargetGroupARN, p.Groups["green"].TargetGroupARN
	if _, err := api.DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: aws.String(green)}); err != nil {
		t.Fatal(err)
	}
	arns, err := CreateMissing(ctx, api, s, ARNs{"blue": blue, "green": ""})
	if err != nil {
		t.Fatal(err)
	}
	if arns["blue"] != blue || arns["green"] == "" || arns["green"] == green {
		t.Fatalf("CreateMissing returned %v: want blue %s kept and a new green", arns, blue)
	}
	got, err := Read(ctx, api, s.ID, s.Name, arns)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Missing) != 0 || got.Groups["green"].Owner != s.ID || got.Groups["green"].Name != "miss-green" {
		t.Fatalf("after CreateMissing: missing %v, green %+v", got.Missing, got.Groups["green"])
	}

	// Someone else's group under green's name.
	if _, err := api.DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: aws.String(arns["green"])}); err != nil {
		t.Fatal(err)
	}
	foreign, err := api.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: aws.String("miss-green"), Port: aws.Int32(9999),
		Protocol: "HTTP", VpcId: aws.String(s.VpcID)})
	if err != nil {
		t.Fatal(err)
	}
	out, err := CreateMissing(ctx, api, s, ARNs{"blue": blue, "green": ""})
	var taken *NameTakenError
	if !errors.As(err, &taken) {
		t.Fatalf("CreateMissing over a foreign group: %v, want *NameTakenError", err)
	}
	if out["green"] != "" {
		t.Fatalf("CreateMissing recorded %s for green, which it did not create", out["green"])
	}
	if arn, _, err := Lookup(ctx, api, "miss-green"); err != nil || arn != aws.ToString(foreign.TargetGroups[0].TargetGroupArn) {
		t.Fatalf("the foreign group changed: %s %v", arn, err)
	}
}

// TestResolveFindsBothColorsAndTheirIdentity: import by pair name finds both
// groups and the identity they carry; groups without one (made by hand)
// resolve to the pair name; a missing color is an error.
func TestResolveFindsBothColorsAndTheirIdentity(t *testing.T) {
	_, api := startSandbox(t)
	ctx := context.Background()
	s := testSpec("res")
	p, err := Create(ctx, api, s)
	if err != nil {
		t.Fatal(err)
	}
	arns, id, err := Resolve(ctx, api, "res")
	if err != nil {
		t.Fatal(err)
	}
	if id != s.ID || arns["blue"] != p.Groups["blue"].TargetGroupARN || arns["green"] != p.Groups["green"].TargetGroupARN {
		t.Fatalf("Resolve = %v %q, want the created groups and identity %q", arns, id, s.ID)
	}

	for _, color := range Colors {
		if _, err := api.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: aws.String(GroupName("hand", color)),
			Port: aws.Int32(80), Protocol: "HTTP", VpcId: aws.String(s.VpcID)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, id, err := Resolve(ctx, api, "hand"); err != nil || id != "hand" {
		t.Fatalf("Resolve of hand-made groups = %q %v, want the pair name as identity", id, err)
	}

	if _, err := api.DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: aws.String(arns["green"])}); err != nil {
		t.Fatal(err)
	}
	var nf *NotFoundError
	if _, _, err := Resolve(ctx, api, "res"); !errors.As(err, &nf) || nf.Name != "res-green" {
		t.Fatalf("Resolve with green gone: %v, want *NotFoundError for res-green", err)
	}
}

// TestVersionLabels reads bluegreen:version of each group in one call and
// lists only groups that have one.
func TestVersionLabels(t *testing.T) {
	srv, api := startSandbox(t)
	ctx := context.Background()
	s := testSpec("ver")
	s.Colors = map[string]ColorSpec{"blue": {Version: "1.2.3"}, "green": {}}
	p, err := Create(ctx, api, s)
	if err != nil {
		t.Fatal(err)
	}
	srv.ResetCalls()
	got, err := VersionLabels(ctx, api, nil)
	if err != nil || len(got) != 0 || len(srv.Calls(sandbox.CallFilter{})) != 0 {
		t.Fatalf("no ARNs: %v %v, %d calls; want nothing and no call", got, err, len(srv.Calls(sandbox.CallFilter{})))
	}
	blue, green := p.Groups["blue"].TargetGroupARN, p.Groups["green"].TargetGroupARN
	got, err = VersionLabels(ctx, api, []string{blue, green})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{blue: "1.2.3"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("VersionLabels = %v, want %v", got, want)
	}
	if n := len(srv.Calls(sandbox.CallFilter{Operation: "DescribeTags"})); n != 1 {
		t.Fatalf("%d DescribeTags calls, want 1", n)
	}
}

// TestErrorsSayWhatAndWhere: the error values name the group and what to do.
func TestErrorsSayWhatAndWhere(t *testing.T) {
	cause := errors.New("boom")
	for _, tc := range []struct {
		err  error
		want []string
	}{
		{&NotFoundError{Name: "web-green"}, []string{`"web-green"`, "not found"}},
		{&PartialCreateError{Created: ARNs{"blue": "arn:b"}, Err: cause}, []string{"boom"}},
	} {
		msg := tc.err.Error()
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%T.Error() = %q, want it to contain %q", tc.err, msg, w)
			}
		}
	}
	if !errors.Is(&PartialCreateError{Err: cause}, cause) {
		t.Error("PartialCreateError does not unwrap to its cause")
	}
	if !errors.Is(&InUseError{Err: cause}, cause) {
		t.Error("InUseError does not unwrap to its cause")
	}
}
