package envpair

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsclient"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// startSandbox runs the in-process AWS sandbox and returns an ELBv2 client
// for it.
func startSandbox(t *testing.T) (*sandbox.Server, *elbv2.Client) {
	t.Helper()
	srv, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	zero := 0
	c, err := awsclient.New(context.Background(), awsclient.Config{Region: "us-east-1", MaxRetries: &zero,
		Endpoints: awsclient.Endpoints{ELBv2: srv.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c.ELBv2
}

func testSpec(name string) Spec {
	return Spec{
		ID: NewID(), Name: name, VpcID: "vpc-0123456789abcdef0", Port: 8080, Protocol: "HTTP", TargetType: "ip",
		HealthCheck: HealthCheck{Path: "/", Matcher: "200", Interval: 30 * time.Second, Timeout: 5 * time.Second,
			HealthyThreshold: 5, UnhealthyThreshold: 2, Port: "traffic-port", Protocol: "HTTP"},
		DeregistrationDelay: 300 * time.Second,
		Tags:                map[string]string{},
		Colors:              map[string]ColorSpec{"blue": {Version: "1"}, "green": {}},
	}
}

// blindNames is the ELBv2 API with a name lookup that sees nothing: the
// window in which another writer creates a group right after the pair
// checked that the name was free.
type blindNames struct{ *elbv2.Client }

func (b blindNames) DescribeTargetGroups(ctx context.Context, in *elbv2.DescribeTargetGroupsInput, o ...func(*elbv2.Options)) (*elbv2.DescribeTargetGroupsOutput, error) {
	if len(in.Names) > 0 {
		return &elbv2.DescribeTargetGroupsOutput{}, nil
	}
	return b.Client.DescribeTargetGroups(ctx, in, o...)
}

// TestCreateNeverTakesAnIdempotentReturn: a group with the same name and
// settings made by someone else between the name check and the create is
// returned by CreateTargetGroup as if it were new. Create must see it is
// not its own (no pair identity tag), call nothing that changes it, and
// fail naming it.
func TestCreateNeverTakesAnIdempotentReturn(t *testing.T) {
	srv, api := startSandbox(t)
	ctx := context.Background()
	s := testSpec("race")
	other := testSpec("race") // another writer's identical spec, other identity
	other.ID = NewID()
	created := ARNs{}
	for _, c := range Colors {
		arn, err := createColor(ctx, api, other, c)
		if err != nil {
			t.Fatal(err)
		}
		created[c] = arn
	}
	srv.ResetCalls()
	_, err := Create(ctx, blindNames{api}, s)
	var taken *NameTakenError
	if !errors.As(err, &taken) || taken.ARN != created["blue"] || taken.Owner != other.ID {
		t.Fatalf("Create = %v, want a NameTakenError naming %s owned by %s", err, created["blue"], other.ID)
	}
	for _, c := range srv.Calls(sandbox.CallFilter{Service: "elbv2"}) {
		if strings.HasPrefix(c.Operation, "Describe") || c.Operation == "CreateTargetGroup" {
			continue
		}
		for _, v := range c.Params {
			for _, arn := range created {
				if strings.Contains(v, arn) {
					t.Errorf("%s changed the other writer's group %s", c.Operation, arn)
				}
			}
		}
	}
	for _, c := range Colors {
		tags, err := readTags(ctx, api, created[c])
		if err != nil || tags[TagOwner] != other.ID {
			t.Errorf("%s: tags %v, err %v", c, tags, err)
		}
	}
}

// TestUpdateAndDeleteRefuseForeignGroups: a group in the ARNs given that
// does not carry the pair's identity is neither changed nor deleted, and
// neither is the pair's own other color (both or neither).
func TestUpdateAndDeleteRefuseForeignGroups(t *testing.T) {
	srv, api := startSandbox(t)
	ctx := context.Background()
	mine := testSpec("mine")
	p, err := Create(ctx, api, mine)
	if err != nil {
		t.Fatal(err)
	}
	out, err := api.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: aws.String("theirs"), Port: aws.Int32(80), Protocol: "HTTP",
		VpcId: aws.String("vpc-0123456789abcdef0"), TargetType: "ip"})
	if err != nil {
		t.Fatal(err)
	}
	foreign := aws.ToString(out.TargetGroups[0].TargetGroupArn)
	arns := ARNs{"blue": p.Groups["blue"].TargetGroupARN, "green": foreign}
	srv.ResetCalls()
	var notOwned *NotOwnedError
	if _, err := Update(ctx, api, mine, arns); !errors.As(err, &notOwned) || notOwned.ARN != foreign {
		t.Fatalf("Update = %v, want NotOwnedError on %s", err, foreign)
	}
	if err := Delete(ctx, api, mine.ID, mine.Name, arns); !errors.As(err, &notOwned) {
		t.Fatalf("Delete = %v, want NotOwnedError", err)
	}
	for _, c := range srv.Calls(sandbox.CallFilter{Service: "elbv2"}) {
		if !strings.HasPrefix(c.Operation, "Describe") {
			t.Errorf("%s was called though a group is not the pair's", c.Operation)
		}
	}
}

// TestObservedShowsEitherColor: for each setting, a color that differs from
// the prior spec is what is reported, whichever color it is.
func TestObservedShowsEitherColor(t *testing.T) {
	prior := testSpec("x")
	blue, green := prior, prior
	green.HealthCheck.Interval = 10 * time.Second
	green.Tags = map[string]string{"oob": "1"}
	blue.DeregistrationDelay = 5 * time.Second
	p := &Pair{Groups: map[string]Group{"blue": {Shared: blue}, "green": {Shared: green}}}
	got := p.Observed(prior)
	if got.HealthCheck.Interval != 10*time.Second || got.Tags["oob"] != "1" || got.DeregistrationDelay != 5*time.Second {
		t.Errorf("Observed = %+v: green's interval and tags and blue's deregistration delay should show", got)
	}
	if d := p.Drift(); len(d) != 3 {
		t.Errorf("Drift = %v, want health_check, deregistration_delay, tags", d)
	}
	same := &Pair{Groups: map[string]Group{"blue": {Shared: prior}, "green": {Shared: prior}}}
	if got := same.Observed(prior); got.HealthCheck != prior.HealthCheck || len(same.Drift()) != 0 {
		t.Errorf("equal colors: %+v %v", got, same.Drift())
	}
}

// TestDeleteChecksBothBeforeDeletingAny: green is in use by a rule; blue is
// not deleted either, and the error names the rule.
func TestDeleteChecksBothBeforeDeletingAny(t *testing.T) {
	srv, api := startSandbox(t)
	ctx := context.Background()
	s := testSpec("both")
	p, err := Create(ctx, api, s)
	if err != nil {
		t.Fatal(err)
	}
	green := p.Groups["green"].TargetGroupARN
	lb, err := api.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("both"), Subnets: []string{"subnet-0a000001", "subnet-0b000002"}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := api.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn, Port: aws.Int32(80), Protocol: "HTTP",
		DefaultActions: []types.Action{{Type: "fixed-response", FixedResponseConfig: &types.FixedResponseActionConfig{StatusCode: aws.String("404")}}}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := api.CreateRule(ctx, &elbv2.CreateRuleInput{ListenerArn: l.Listeners[0].ListenerArn, Priority: aws.Int32(10),
		Conditions: []types.RuleCondition{{Field: aws.String("path-pattern"), Values: []string{"/api/*"}}},
		Actions:    []types.Action{{Type: "forward", TargetGroupArn: aws.String(green)}}})
	if err != nil {
		t.Fatal(err)
	}
	ruleARN := aws.ToString(r.Rules[0].RuleArn)
	srv.ResetCalls()
	arns := ARNs{"blue": p.Groups["blue"].TargetGroupARN, "green": green}
	err = Delete(ctx, api, s.ID, s.Name, arns)
	var inUse *InUseError
	if !errors.As(err, &inUse) || !strings.Contains(err.Error(), "rule "+ruleARN) || !strings.Contains(err.Error(), "both-green") {
		t.Fatalf("Delete = %v, want an InUseError naming rule %s", err, ruleARN)
	}
	if n := len(srv.Calls(sandbox.CallFilter{Service: "elbv2", Operation: "DeleteTargetGroup"})); n != 0 {
		t.Errorf("%d DeleteTargetGroup calls while green was in use", n)
	}
	if _, err := Read(ctx, api, s.ID, s.Name, arns); err != nil {
		t.Errorf("the pair is not whole after the refused delete: %v", err)
	}
}

// inUseFor answers ResourceInUse to the first n DeleteTargetGroup calls, as
// AWS does for a moment after a listener released a group.
type inUseFor struct {
	*elbv2.Client
	n *int
}

func (a inUseFor) DeleteTargetGroup(ctx context.Context, in *elbv2.DeleteTargetGroupInput, o ...func(*elbv2.Options)) (*elbv2.DeleteTargetGroupOutput, error) {
	if *a.n > 0 {
		*a.n--
		return nil, &smithyAPIError{code: "ResourceInUse", msg: "Target group is currently in use by a listener or a rule"}
	}
	return a.Client.DeleteTargetGroup(ctx, in, o...)
}

type smithyAPIError struct{ code, msg string }

func (e *smithyAPIError) Error() string                 { return e.code + ": " + e.msg }
func (e *smithyAPIError) ErrorCode() string             { return e.code }
func (e *smithyAPIError) ErrorMessage() string          { return e.msg }
func (e *smithyAPIError) ErrorFault() smithy.ErrorFault { return smithy.FaultClient }

// TestDeleteWaitsForRelease: a group released by its listener may still be
// reported in use for a moment; Delete retries (bounded) instead of failing
// half-way, and deletes both colors.
func TestDeleteWaitsForRelease(t *testing.T) {
	_, api := startSandbox(t)
	ctx := context.Background()
	var slept []time.Duration
	sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	t.Cleanup(func() { sleep = realSleep })
	s := testSpec("release")
	p, err := Create(ctx, api, s)
	if err != nil {
		t.Fatal(err)
	}
	arns := ARNs{"blue": p.Groups["blue"].TargetGroupARN, "green": p.Groups["green"].TargetGroupARN}
	n := 3
	if err := Delete(ctx, inUseFor{api, &n}, s.ID, s.Name, arns); err != nil {
		t.Fatalf("Delete = %v, want success after the release propagated", err)
	}
	if len(slept) != 3 {
		t.Errorf("waited %v, want 3 waits", slept)
	}
	if _, err := Read(ctx, api, s.ID, s.Name, arns); err == nil {
		t.Error("the pair still exists")
	}
	// Past ReleaseWait the error is returned, and nothing is deleted.
	s2 := testSpec("release2")
	p, err = Create(ctx, api, s2)
	if err != nil {
		t.Fatal(err)
	}
	old := ReleaseWait
	ReleaseWait = 3 * time.Second
	t.Cleanup(func() { ReleaseWait = old })
	n = 1000
	arns = ARNs{"blue": p.Groups["blue"].TargetGroupARN, "green": p.Groups["green"].TargetGroupARN}
	var inUse *InUseError
	if err := Delete(ctx, inUseFor{api, &n}, s2.ID, s2.Name, arns); !errors.As(err, &inUse) {
		t.Fatalf("Delete = %v, want an InUseError once ReleaseWait is spent", err)
	}
	if got, err := Read(ctx, api, s2.ID, s2.Name, arns); err != nil || len(got.Missing) != 0 {
		t.Errorf("after the refused delete: %v %v", got, err)
	}
}

var realSleep = sleep

// TestConcurrentCreatesSameName: two pairs with the same name created at
// the same moment (two configurations, two applies). Whatever the
// interleaving, at most one succeeds; every group that exists afterwards is
// one a Create reported (success, or PartialCreateError.Created) — nothing is
// orphaned; and a successful pair's groups both carry its identity.
func TestConcurrentCreatesSameName(t *testing.T) {
	_, api := startSandbox(t)
	ctx := context.Background()
	for i := 0; i < 25; i++ {
		name := "conc" + strconv.Itoa(i)
		specs := []Spec{testSpec(name), testSpec(name)}
		type res struct {
			p   *Pair
			err error
		}
		out := make([]res, 2)
		var wg sync.WaitGroup
		for j := range specs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p, err := Create(ctx, api, specs[j])
				out[j] = res{p, err}
			}()
		}
		wg.Wait()
		reported := map[string]string{} // ARN → owner
		ok := 0
		for j, r := range out {
			var partial *PartialCreateError
			switch {
			case r.err == nil:
				ok++
				for _, g := range r.p.Groups {
					reported[g.TargetGroupARN] = specs[j].ID
					if g.Owner != specs[j].ID {
						t.Errorf("%s: %s carries %q, want %q", name, g.Name, g.Owner, specs[j].ID)
					}
				}
			case errors.As(r.err, &partial):
				for _, arn := range partial.Created {
					reported[arn] = specs[j].ID
				}
			default:
				var taken *NameTakenError
				if !errors.As(r.err, &taken) {
					t.Errorf("%s: unexpected error %v", name, r.err)
				}
			}
		}
		if ok > 1 {
			t.Errorf("%s: both creates succeeded", name)
		}
		for _, c := range Colors {
			arn, owner, err := Lookup(ctx, api, GroupName(name, c))
			var nf *NotFoundError
			if errors.As(err, &nf) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if reported[arn] != owner {
				t.Errorf("%s: %s (%s, owner %q) exists but no create reported it: orphaned", name, GroupName(name, c), arn, owner)
			}
		}
	}
}

func TestColorsByName(t *testing.T) {
	const (
		blue   = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-blue/73e2d6bc24d8a067"
		green  = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-green/2453ed029918f21f"
		blue2  = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/api-blue/0123456789abcdef"
		other  = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-canary/fedcba9876543210"
		inPath = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/blue-web/1111111111111111"
	)
	cases := []struct {
		name        string
		in          []string
		blue, green string
	}{
		{"both", []string{green, other, blue}, blue, green},
		{"only blue", []string{blue}, blue, ""},
		{"a name that only starts with the color", []string{inPath, green}, "", green},
		{"two blues: no guess", []string{blue, blue2, green}, "", green},
		{"not target groups", []string{"arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web-blue/1"}, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if b, g := ColorsByName(tc.in); b != tc.blue || g != tc.green {
				t.Fatalf("ColorsByName = %q, %q; want %q, %q", b, g, tc.blue, tc.green)
			}
		})
	}
}

func TestNotFoundIsTheRoutersNotFound(t *testing.T) {
	err := fmt.Errorf("reading the pair: %w", &NotFoundError{Name: "web-blue"})
	if !errors.Is(err, traffic.ErrNotFound) {
		t.Fatalf("errors.Is(%v, traffic.ErrNotFound) = false", err)
	}
}
