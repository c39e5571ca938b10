package envpair

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsclient"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
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
