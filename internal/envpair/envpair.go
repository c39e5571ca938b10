package envpair

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsarn"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/alb"
)

// API is the part of the ELBv2 client the pair uses.
type API interface {
	CreateTargetGroup(context.Context, *elbv2.CreateTargetGroupInput, ...func(*elbv2.Options)) (*elbv2.CreateTargetGroupOutput, error)
	DescribeTargetGroups(context.Context, *elbv2.DescribeTargetGroupsInput, ...func(*elbv2.Options)) (*elbv2.DescribeTargetGroupsOutput, error)
	ModifyTargetGroup(context.Context, *elbv2.ModifyTargetGroupInput, ...func(*elbv2.Options)) (*elbv2.ModifyTargetGroupOutput, error)
	DeleteTargetGroup(context.Context, *elbv2.DeleteTargetGroupInput, ...func(*elbv2.Options)) (*elbv2.DeleteTargetGroupOutput, error)
	DescribeTargetGroupAttributes(context.Context, *elbv2.DescribeTargetGroupAttributesInput, ...func(*elbv2.Options)) (*elbv2.DescribeTargetGroupAttributesOutput, error)
	ModifyTargetGroupAttributes(context.Context, *elbv2.ModifyTargetGroupAttributesInput, ...func(*elbv2.Options)) (*elbv2.ModifyTargetGroupAttributesOutput, error)
	RegisterTargets(context.Context, *elbv2.RegisterTargetsInput, ...func(*elbv2.Options)) (*elbv2.RegisterTargetsOutput, error)
	DeregisterTargets(context.Context, *elbv2.DeregisterTargetsInput, ...func(*elbv2.Options)) (*elbv2.DeregisterTargetsOutput, error)
	DescribeTargetHealth(context.Context, *elbv2.DescribeTargetHealthInput, ...func(*elbv2.Options)) (*elbv2.DescribeTargetHealthOutput, error)
	DescribeTags(context.Context, *elbv2.DescribeTagsInput, ...func(*elbv2.Options)) (*elbv2.DescribeTagsOutput, error)
	AddTags(context.Context, *elbv2.AddTagsInput, ...func(*elbv2.Options)) (*elbv2.AddTagsOutput, error)
	RemoveTags(context.Context, *elbv2.RemoveTagsInput, ...func(*elbv2.Options)) (*elbv2.RemoveTagsOutput, error)
	DescribeListeners(context.Context, *elbv2.DescribeListenersInput, ...func(*elbv2.Options)) (*elbv2.DescribeListenersOutput, error)
	DescribeRules(context.Context, *elbv2.DescribeRulesInput, ...func(*elbv2.Options)) (*elbv2.DescribeRulesOutput, error)
}

// Colors of a pair, in a fixed order.
var Colors = []string{"blue", "green"}

// Tag keys the pair manages itself.
const (
	TagVersion = "bluegreen:version"
	TagColor   = "bluegreen:color"
	TagPair    = "bluegreen:pair"
	// TagOwner carries the pair's identity (Spec.ID): a random token set at
	// create. It is the proof of ownership checked before every call that
	// changes or deletes a group.
	TagOwner = "bluegreen:pair-id"
)

// SystemTags is how many tags the pair sets itself at most (pair, color,
// version, pair-id): they count against AWS's 50 tags per target group.
const SystemTags = 4

// MaxTags is AWS's limit of tags per target group.
const MaxTags = 50

// HealthCheck is the shared health check of both groups.
type HealthCheck struct {
	Path               string
	Matcher            string
	Interval           time.Duration
	Timeout            time.Duration
	HealthyThreshold   int32
	UnhealthyThreshold int32
	Port               string // "traffic-port" or a number
	Protocol           string
}

// Target is one registered target.
type Target struct {
	ID   string
	Port int32 // 0 = the group's port
}

// ColorSpec is what differs between the colors: a version label and targets.
type ColorSpec struct {
	Version string
	// Targets is the desired registration; nil means "not managed" (targets
	// registered by someone else, e.g. an ECS service, are left alone).
	Targets []Target
	// Settings, when set, are this color's own health check, deregistration
	// delay and slow start, instead of the spec's shared ones.
	Settings *Settings
	// Hold leaves the color's settings as they are on an Update (the color
	// serves traffic: a change of settings waits until it is idle).
	Hold bool
}

// Spec is the shared specification of both groups.
type Spec struct {
	// ID is the pair's identity, stored on both groups as TagOwner.
	ID                  string
	Name                string
	VpcID               string
	Port                int32
	Protocol            string
	TargetType          string
	IPAddressType       string // "ipv4" (default) or "ipv6"
	HealthCheck         HealthCheck
	DeregistrationDelay time.Duration
	SlowStart           time.Duration
	// Tags are the user's tags (default_tags merged in), without the
	// bluegreen: tags the pair sets itself.
	Tags   map[string]string
	Colors map[string]ColorSpec // "blue", "green"
}

// Group is one color as read back from AWS.
type Group struct {
	Color          string
	Name           string
	TargetGroupARN string
	ARNSuffix      string
	Version        string
	Owner          string // the TagOwner tag, "" when absent
	Targets        []Target
	LoadBalancers  []string
	// Shared is the shared specification as this group reports it (Name,
	// ID and Colors are not filled in).
	Shared Spec
}

// Pair is both colors as read back. A color whose group no longer exists is
// absent from Groups and listed in Missing.
type Pair struct {
	Groups  map[string]Group
	Missing []string
}

// ARNs are the target group ARNs of a pair's colors as recorded in state:
// the groups the pair owns. An empty value means the color has no group.
type ARNs map[string]string

// NewID returns a fresh pair identity.
func NewID() string {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return "pair-" + hex.EncodeToString(b)
}

// NotFoundError says a group of the pair does not exist.
type NotFoundError struct{ Name string }

func (e *NotFoundError) Error() string { return fmt.Sprintf("target group %q not found", e.Name) }

// Is makes errors.Is(err, traffic.ErrNotFound) true: the routers' one "does
// not exist".
func (e *NotFoundError) Is(target error) bool { return target == traffic.ErrNotFound }

// NameTakenError says a target group name the pair needs already belongs to
// a group the pair did not create.
type NameTakenError struct {
	Name, ARN string
	Owner     string // its TagOwner tag, if any
}

func (e *NameTakenError) Error() string {
	s := fmt.Sprintf("a target group named %s already exists (%s) and this pair did not create it", e.Name, e.ARN)
	if e.Owner != "" {
		s += fmt.Sprintf("; it belongs to pair %s", e.Owner)
	}
	return s
}

// NotOwnedError says a group in state does not carry the pair's identity:
// the pair refuses to change or delete it.
type NotOwnedError struct {
	Name, ARN, Want, Got string
}

func (e *NotOwnedError) Error() string {
	got := e.Got
	if got == "" {
		got = "no " + TagOwner + " tag"
	}
	return fmt.Sprintf("target group %s (%s) is not owned by this pair: tag %s is %q, want %q; nothing was changed on it",
		e.Name, e.ARN, TagOwner, got, e.Want)
}

// User is a listener or rule that forwards to a group.
type User struct{ Kind, ARN string }

// InUseError says groups cannot be deleted because listeners or rules still
// forward to them. No group was deleted.
type InUseError struct {
	// Groups maps each group name in use to the listeners and rules that use it.
	Groups map[string][]User
	ARNs   map[string]string
	Err    error // the AWS error, when AWS answered ResourceInUse
}

func (e *InUseError) Error() string {
	names := make([]string, 0, len(e.Groups))
	for n := range e.Groups {
		names = append(names, n)
	}
	sort.Strings(names)
	var parts []string
	for _, n := range names {
		var us []string
		for _, u := range e.Groups[n] {
			us = append(us, u.Kind+" "+u.ARN)
		}
		who := "a listener or rule"
		if len(us) > 0 {
			who = strings.Join(us, ", ")
		}
		parts = append(parts, fmt.Sprintf("target group %s (%s) is used by %s", n, e.ARNs[n], who))
	}
	s := strings.Join(parts, "; ")
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}
func (e *InUseError) Unwrap() error { return e.Err }

// PartialCreateError says a create failed after making some groups and
// could not remove them again: Created lists exactly what exists (color →
// ARN), so the caller records it and nothing is orphaned.
type PartialCreateError struct {
	Created ARNs
	Err     error
	UndoErr error
}

func (e *PartialCreateError) Error() string {
	return fmt.Sprintf("%v (removing the groups it created also failed: %v)", e.Err, e.UndoErr)
}
func (e *PartialCreateError) Unwrap() error { return e.Err }

// GroupName is the target group name of a color.
func GroupName(pair, color string) string { return pair + "-" + color }

// ColorsByName tells blue and green apart among target group ARNs by the
// names GroupName gives them (<pair>-blue, <pair>-green): the one naming
// heuristic, used where a listener's groups are read without being told which
// is which (import, the listener state data source). A color named by no
// group, or by more than one, is "" — a guess between two groups is no answer.
func ColorsByName(arns []string) (blue, green string) {
	found := map[string][]string{}
	for _, arn := range arns {
		name := awsarn.TargetGroupName(arn)
		for _, c := range Colors {
			if strings.HasSuffix(name, "-"+c) {
				found[c] = append(found[c], arn)
			}
		}
	}
	one := func(c string) string {
		if len(found[c]) == 1 {
			return found[c][0]
		}
		return ""
	}
	return one("blue"), one("green")
}

// ARNSuffix is the CloudWatch TargetGroup dimension of a target group ARN
// ("targetgroup/<name>/<id>", the pair's arn_suffix), or "" when arn is not one.
func ARNSuffix(arn string) string {
	s, _ := awsarn.TargetGroupSuffix(arn)
	return s
}

// Lookup finds a target group by name: its ARN and owner tag, or
// *NotFoundError.
func Lookup(ctx context.Context, api API, name string) (arn, owner string, err error) {
	out, err := api.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{Names: []string{name}})
	if err != nil {
		if apiCode(err) == "TargetGroupNotFound" {
			return "", "", &NotFoundError{Name: name}
		}
		return "", "", fmt.Errorf("describing target group %s: %w", name, err)
	}
	if len(out.TargetGroups) == 0 {
		return "", "", &NotFoundError{Name: name}
	}
	arn = aws.ToString(out.TargetGroups[0].TargetGroupArn)
	tags, err := readTags(ctx, api, arn)
	if err != nil {
		return "", "", err
	}
	return arn, tags[TagOwner], nil
}

// CheckNameFree returns *NameTakenError when a group named name exists.
func CheckNameFree(ctx context.Context, api API, name string) error {
	arn, owner, err := Lookup(ctx, api, name)
	var nf *NotFoundError
	if errors.As(err, &nf) {
		return nil
	}
	if err != nil {
		return err
	}
	return &NameTakenError{Name: name, ARN: arn, Owner: owner}
}

// Create creates both groups. Both names must be free first (a name taken
// by any group is a *NameTakenError, and nothing is created): the pair never
// adopts a group by name. A group CreateTargetGroup returns is checked to
// carry this pair's identity (CreateTargetGroup answers with an existing group
// of the same name and settings instead of creating one). When a step fails
// after a group was made, Create deletes what it made; if that fails too it
// returns *PartialCreateError listing exactly what exists.
func Create(ctx context.Context, api API, s Spec) (*Pair, error) {
	for _, color := range Colors {
		if err := CheckNameFree(ctx, api, GroupName(s.Name, color)); err != nil {
			return nil, err
		}
	}
	created := ARNs{}
	for _, color := range Colors {
		arn, err := createColor(ctx, api, s, color)
		if arn != "" {
			created[color] = arn
		}
		if err != nil {
			return nil, undo(ctx, api, created, err)
		}
	}
	p, err := Read(ctx, api, s.ID, s.Name, created)
	if err != nil {
		return nil, &PartialCreateError{Created: created, Err: err, UndoErr: errors.New("not attempted: the groups were created")}
	}
	return p, nil
}

// createColor creates one color's group and configures it. It returns the
// ARN of a group it made (also with an error after that point).
func createColor(ctx context.Context, api API, s Spec, color string) (string, error) {
	name := GroupName(s.Name, color)
	set := s.SettingsFor(color)
	s.HealthCheck, s.DeregistrationDelay, s.SlowStart = set.HealthCheck, set.DeregistrationDelay, set.SlowStart
	in := &elbv2.CreateTargetGroupInput{
		Name:                       aws.String(name),
		Port:                       aws.Int32(s.Port),
		Protocol:                   types.ProtocolEnum(s.Protocol),
		VpcId:                      aws.String(s.VpcID),
		TargetType:                 types.TargetTypeEnum(s.TargetType),
		HealthCheckEnabled:         aws.Bool(true),
		HealthCheckPath:            aws.String(s.HealthCheck.Path),
		HealthCheckPort:            aws.String(s.HealthCheck.Port),
		HealthCheckProtocol:        types.ProtocolEnum(s.HealthCheck.Protocol),
		HealthCheckIntervalSeconds: aws.Int32(seconds(s.HealthCheck.Interval)),
		HealthCheckTimeoutSeconds:  aws.Int32(seconds(s.HealthCheck.Timeout)),
		HealthyThresholdCount:      aws.Int32(s.HealthCheck.HealthyThreshold),
		UnhealthyThresholdCount:    aws.Int32(s.HealthCheck.UnhealthyThreshold),
		Matcher:                    &types.Matcher{HttpCode: aws.String(s.HealthCheck.Matcher)},
		Tags:                       toTags(colorTags(s, color)),
	}
	if s.IPAddressType != "" {
		in.IpAddressType = types.TargetGroupIpAddressTypeEnum(s.IPAddressType)
	}
	out, err := api.CreateTargetGroup(ctx, in)
	if err != nil {
		return "", fmt.Errorf("creating target group %s: %w", name, err)
	}
	if len(out.TargetGroups) == 0 {
		return "", fmt.Errorf("creating target group %s: AWS returned no group", name)
	}
	arn := aws.ToString(out.TargetGroups[0].TargetGroupArn)
	// CreateTargetGroup returns an existing group with the same name and
	// settings instead of failing: only a group carrying our identity is ours.
	tags, err := readTags(ctx, api, arn)
	if err != nil {
		// Cannot tell whether it is ours: record nothing, touch nothing.
		return "", fmt.Errorf("checking the new target group %s (%s): %w", name, arn, err)
	}
	if tags[TagOwner] != s.ID {
		return "", &NameTakenError{Name: name, ARN: arn, Owner: tags[TagOwner]}
	}
	if err := putAttributes(ctx, api, arn, s); err != nil {
		return arn, err
	}
	if err := syncTargets(ctx, api, arn, s.Colors[color].Targets); err != nil {
		return arn, err
	}
	return arn, nil
}

// undo deletes the groups a failed create made. It returns cause, or a
// *PartialCreateError when some could not be deleted.
func undo(ctx context.Context, api API, created ARNs, cause error) error {
	var errs []error
	left := ARNs{}
	for _, color := range Colors {
		arn := created[color]
		if arn == "" {
			continue
		}
		if _, err := api.DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: aws.String(arn)}); err != nil {
			errs = append(errs, fmt.Errorf("deleting %s: %w", arn, err))
			left[color] = arn
		}
	}
	if len(left) > 0 {
		return &PartialCreateError{Created: left, Err: cause, UndoErr: errors.Join(errs...)}
	}
	return cause
}

// CreateMissing creates the groups of colors that have none (arns[color] is
// empty), with the same checks as Create, and returns the completed ARNs.
func CreateMissing(ctx context.Context, api API, s Spec, arns ARNs) (ARNs, error) {
	out := ARNs{}
	for k, v := range arns {
		out[k] = v
	}
	for _, color := range Colors {
		if out[color] != "" {
			continue
		}
		if err := CheckNameFree(ctx, api, GroupName(s.Name, color)); err != nil {
			return out, err
		}
		arn, err := createColor(ctx, api, s, color)
		if arn != "" {
			out[color] = arn
		}
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// VerifyOwned checks, before a mutating call, that the group at arn carries
// the pair's identity id. A group without the tag is accepted only for the
// legacy/imported identity (id == pair name), as it was imported by name.
func VerifyOwned(ctx context.Context, api API, id, pairName, name, arn string) error {
	tags, err := readTags(ctx, api, arn)
	if err != nil {
		return err
	}
	got := tags[TagOwner]
	if got == id || (got == "" && id == pairName) {
		return nil
	}
	return &NotOwnedError{Name: name, ARN: arn, Want: id, Got: got}
}

// Update applies spec changes to both groups: health check and attributes
// (each color's SettingsFor, except a color on Hold), tags, version labels
// and targets. Name, VPC, port, protocol and target type
// cannot change in place (the provider plans a replacement). Every group is
// checked to be the pair's before anything is changed.
func Update(ctx context.Context, api API, s Spec, arns ARNs) (*Pair, error) {
	for _, color := range Colors {
		if err := VerifyOwned(ctx, api, s.ID, s.Name, GroupName(s.Name, color), arns[color]); err != nil {
			return nil, err
		}
	}
	for _, color := range Colors {
		arn := arns[color]
		name := GroupName(s.Name, color)
		if !s.Colors[color].Hold {
			if err := putSettings(ctx, api, arn, name, s, s.SettingsFor(color)); err != nil {
				return nil, err
			}
		}
		if err := syncTags(ctx, api, arn, colorTags(s, color)); err != nil {
			return nil, err
		}
		if err := syncTargets(ctx, api, arn, s.Colors[color].Targets); err != nil {
			return nil, err
		}
	}
	return Read(ctx, api, s.ID, s.Name, arns)
}

// putSettings writes one color's health check and attributes.
func putSettings(ctx context.Context, api API, arn, name string, s Spec, set Settings) error {
	hc := set.HealthCheck
	_, err := api.ModifyTargetGroup(ctx, &elbv2.ModifyTargetGroupInput{
		TargetGroupArn:             aws.String(arn),
		HealthCheckEnabled:         aws.Bool(true),
		HealthCheckPath:            aws.String(hc.Path),
		HealthCheckPort:            aws.String(hc.Port),
		HealthCheckProtocol:        types.ProtocolEnum(hc.Protocol),
		HealthCheckIntervalSeconds: aws.Int32(seconds(hc.Interval)),
		HealthCheckTimeoutSeconds:  aws.Int32(seconds(hc.Timeout)),
		HealthyThresholdCount:      aws.Int32(hc.HealthyThreshold),
		UnhealthyThresholdCount:    aws.Int32(hc.UnhealthyThreshold),
		Matcher:                    &types.Matcher{HttpCode: aws.String(hc.Matcher)},
	})
	if err != nil {
		return fmt.Errorf("modifying target group %s: %w", name, err)
	}
	s.DeregistrationDelay, s.SlowStart = set.DeregistrationDelay, set.SlowStart
	return putAttributes(ctx, api, arn, s)
}

// Delete deletes both groups or neither. It first checks that every group
// still existing is the pair's and that no listener or rule forwards to any
// of them; a group in use is an *InUseError naming the listeners and rules,
// and nothing is deleted. A group already gone is skipped.
func Delete(ctx context.Context, api API, id, pairName string, arns ARNs) error {
	live := ARNs{}
	inUse := &InUseError{Groups: map[string][]User{}, ARNs: map[string]string{}}
	for _, color := range Colors {
		arn := arns[color]
		if arn == "" {
			continue
		}
		tg, err := describeARN(ctx, api, arn)
		var nf *NotFoundError
		if errors.As(err, &nf) {
			continue
		}
		if err != nil {
			return err
		}
		name := aws.ToString(tg.TargetGroupName)
		if err := VerifyOwned(ctx, api, id, pairName, name, arn); err != nil {
			return err
		}
		live[color] = arn
		if len(tg.LoadBalancerArns) > 0 {
			users, err := usersOf(ctx, api, arn, tg.LoadBalancerArns)
			if err != nil {
				return err
			}
			inUse.Groups[name] = users
			inUse.ARNs[name] = arn
		}
	}
	if len(inUse.Groups) > 0 {
		return inUse
	}
	for _, color := range Colors {
		arn := live[color]
		if arn == "" {
			continue
		}
		if err := deleteReleased(ctx, api, arn); err != nil {
			name := GroupName(pairName, color)
			if apiCode(err) == "ResourceInUse" {
				// Taken into use between the check and the delete.
				var users []User
				if tg, derr := describeARN(ctx, api, arn); derr == nil {
					users, _ = usersOf(ctx, api, arn, tg.LoadBalancerArns)
				}
				return &InUseError{Groups: map[string][]User{name: users}, ARNs: map[string]string{name: arn}, Err: err}
			}
			return fmt.Errorf("deleting target group %s: %w", name, err)
		}
	}
	return nil
}

// ReleaseWait bounds how long Delete retries a group AWS still reports in
// use (ResourceInUse) though no listener or rule forwards to it any more:
// AWS releases a group a moment after the listener or rule that used it
// changed (eventual consistency).
var ReleaseWait = 60 * time.Second

// sleep waits d or until ctx ends (a variable so tests need not wait).
var sleep = func(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

type sleepKey struct{}

// WithSleep makes Delete wait with sleepFn (a clock's Sleep) instead of the
// wall clock while AWS releases a group — so a caller on a test clock, shared
// with a sandbox that models the release delay on that clock, waits on it.
func WithSleep(ctx context.Context, sleepFn func(context.Context, time.Duration) error) context.Context {
	return context.WithValue(ctx, sleepKey{}, sleepFn)
}

func sleepFor(ctx context.Context) func(context.Context, time.Duration) error {
	if f, ok := ctx.Value(sleepKey{}).(func(context.Context, time.Duration) error); ok && f != nil {
		return f
	}
	return sleep
}

// deleteReleased deletes a group that was checked to be unused, retrying
// ResourceInUse while AWS still reports no load balancer for it (the
// release has not propagated yet), for up to ReleaseWait. A group that has
// really been taken into use again (a load balancer is reported) is not
// retried.
func deleteReleased(ctx context.Context, api API, arn string) error {
	wait, waited := time.Second, time.Duration(0)
	for {
		_, err := api.DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: aws.String(arn)})
		if err == nil || apiCode(err) != "ResourceInUse" || waited >= ReleaseWait {
			return err
		}
		tg, derr := describeARN(ctx, api, arn)
		if derr != nil || len(tg.LoadBalancerArns) > 0 {
			return err
		}
		if serr := sleepFor(ctx)(ctx, wait); serr != nil {
			return err
		}
		waited += wait
		wait = min(wait*2, 5*time.Second)
	}
}

// usersOf lists the listeners (default action) and rules of the given load
// balancers that forward to arn.
func usersOf(ctx context.Context, api API, arn string, lbs []string) ([]User, error) {
	var out []User
	for _, lb := range lbs {
		var marker *string
		for {
			ls, err := api.DescribeListeners(ctx, &elbv2.DescribeListenersInput{LoadBalancerArn: aws.String(lb), Marker: marker})
			if err != nil {
				return nil, fmt.Errorf("describing listeners of %s: %w", lb, err)
			}
			for _, l := range ls.Listeners {
				if actionsForwardTo(l.DefaultActions, arn) {
					out = append(out, User{Kind: "listener", ARN: aws.ToString(l.ListenerArn)})
				}
				rs, err := api.DescribeRules(ctx, &elbv2.DescribeRulesInput{ListenerArn: l.ListenerArn})
				if err != nil {
					return nil, fmt.Errorf("describing rules of %s: %w", aws.ToString(l.ListenerArn), err)
				}
				for _, r := range rs.Rules {
					if !aws.ToBool(r.IsDefault) && actionsForwardTo(r.Actions, arn) {
						out = append(out, User{Kind: "rule", ARN: aws.ToString(r.RuleArn)})
					}
				}
			}
			if ls.NextMarker == nil {
				break
			}
			marker = ls.NextMarker
		}
	}
	return out, nil
}

func actionsForwardTo(acts []types.Action, arn string) bool {
	for _, a := range acts {
		ts, _ := alb.ForwardTargets(a)
		for _, t := range ts {
			if t.TargetGroupARN == arn {
				return true
			}
		}
	}
	return false
}

func describeARN(ctx context.Context, api API, arn string) (types.TargetGroup, error) {
	out, err := api.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{arn}})
	if err != nil {
		if apiCode(err) == "TargetGroupNotFound" {
			return types.TargetGroup{}, &NotFoundError{Name: arn}
		}
		return types.TargetGroup{}, fmt.Errorf("describing target group %s: %w", arn, err)
	}
	if len(out.TargetGroups) == 0 {
		return types.TargetGroup{}, &NotFoundError{Name: arn}
	}
	return out.TargetGroups[0], nil
}

// Resolve finds the groups of a pair by name, for import: both must exist.
// It returns their ARNs and the identity they carry (the pair name when they
// carry none, or differ).
func Resolve(ctx context.Context, api API, pairName string) (ARNs, string, error) {
	arns := ARNs{}
	owners := map[string]bool{}
	for _, color := range Colors {
		arn, owner, err := Lookup(ctx, api, GroupName(pairName, color))
		if err != nil {
			return nil, "", err
		}
		arns[color] = arn
		owners[owner] = true
	}
	id := pairName
	if len(owners) == 1 {
		for o := range owners {
			if o != "" {
				id = o
			}
		}
	}
	return arns, id, nil
}

// Read reads the groups recorded in arns, by ARN: a group deleted and made
// again by someone else under the same name is not ours and is not read. A
// color whose group is gone (or that has no ARN) is listed in Pair.Missing;
// when both are missing the error is *NotFoundError.
func Read(ctx context.Context, api API, id, pairName string, arns ARNs) (*Pair, error) {
	p := &Pair{Groups: map[string]Group{}}
	for _, color := range Colors {
		arn := arns[color]
		if arn == "" {
			p.Missing = append(p.Missing, color)
			continue
		}
		tg, err := describeARN(ctx, api, arn)
		var nf *NotFoundError
		if errors.As(err, &nf) {
			p.Missing = append(p.Missing, color)
			continue
		}
		if err != nil {
			return nil, err
		}
		g, err := readGroup(ctx, api, color, tg)
		if err != nil {
			return nil, err
		}
		p.Groups[color] = g
	}
	if len(p.Groups) == 0 {
		return nil, &NotFoundError{Name: GroupName(pairName, "blue") + " and " + GroupName(pairName, "green")}
	}
	return p, nil
}

func readGroup(ctx context.Context, api API, color string, tg types.TargetGroup) (Group, error) {
	arn := aws.ToString(tg.TargetGroupArn)
	spec := Spec{
		VpcID:         aws.ToString(tg.VpcId),
		Port:          aws.ToInt32(tg.Port),
		Protocol:      string(tg.Protocol),
		TargetType:    string(tg.TargetType),
		IPAddressType: string(tg.IpAddressType),
		HealthCheck: HealthCheck{
			Path:               aws.ToString(tg.HealthCheckPath),
			Interval:           time.Duration(aws.ToInt32(tg.HealthCheckIntervalSeconds)) * time.Second,
			Timeout:            time.Duration(aws.ToInt32(tg.HealthCheckTimeoutSeconds)) * time.Second,
			HealthyThreshold:   aws.ToInt32(tg.HealthyThresholdCount),
			UnhealthyThreshold: aws.ToInt32(tg.UnhealthyThresholdCount),
			Port:               aws.ToString(tg.HealthCheckPort),
			Protocol:           string(tg.HealthCheckProtocol),
		},
	}
	if spec.IPAddressType == "" {
		spec.IPAddressType = "ipv4"
	}
	if tg.Matcher != nil {
		spec.HealthCheck.Matcher = aws.ToString(tg.Matcher.HttpCode)
	}
	attrs, err := api.DescribeTargetGroupAttributes(ctx, &elbv2.DescribeTargetGroupAttributesInput{TargetGroupArn: aws.String(arn)})
	if err != nil {
		return Group{}, fmt.Errorf("describing attributes of target group %s: %w", aws.ToString(tg.TargetGroupName), err)
	}
	for _, a := range attrs.Attributes {
		n, _ := strconv.Atoi(aws.ToString(a.Value))
		switch aws.ToString(a.Key) {
		case "deregistration_delay.timeout_seconds":
			spec.DeregistrationDelay = time.Duration(n) * time.Second
		case "slow_start.duration_seconds":
			spec.SlowStart = time.Duration(n) * time.Second
		}
	}
	tags, err := readTags(ctx, api, arn)
	if err != nil {
		return Group{}, err
	}
	g := Group{
		Color:          color,
		Name:           aws.ToString(tg.TargetGroupName),
		TargetGroupARN: arn,
		ARNSuffix:      ARNSuffix(arn),
		Version:        tags[TagVersion],
		Owner:          tags[TagOwner],
		LoadBalancers:  tg.LoadBalancerArns,
	}
	th, err := api.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(arn)})
	if err != nil {
		return Group{}, fmt.Errorf("describing targets of %s: %w", g.Name, err)
	}
	for _, d := range th.TargetHealthDescriptions {
		// Draining targets were deregistered: they finish their in-flight
		// requests for deregistration_delay and are no longer registered.
		if d.Target == nil || (d.TargetHealth != nil && d.TargetHealth.State == types.TargetHealthStateEnumDraining) {
			continue
		}
		g.Targets = append(g.Targets, Target{ID: aws.ToString(d.Target.Id), Port: aws.ToInt32(d.Target.Port)})
	}
	sortTargets(g.Targets)
	for k := range tags {
		if strings.HasPrefix(k, "bluegreen:") {
			delete(tags, k)
		}
	}
	spec.Tags = tags
	g.Shared = spec
	return g, nil
}

// Drift lists the shared settings in which the two colors differ (empty
// when a color is missing).
func (p *Pair) Drift() []string {
	b, okb := p.Groups["blue"]
	g, okg := p.Groups["green"]
	if !okb || !okg {
		return nil
	}
	return diffSpec(b.Shared, g.Shared)
}

// Observed merges what both colors report into one shared specification
// that differs from prior wherever either color does: for each setting,
// blue's value when it differs from prior, else green's. A plan made from
// it therefore shows drift on either color, and the apply (which writes both
// colors) corrects it.
func (p *Pair) Observed(prior Spec) Spec {
	var colors []Spec
	for _, c := range Colors {
		if g, ok := p.Groups[c]; ok {
			colors = append(colors, g.Shared)
		}
	}
	out := colors[0]
	if len(colors) == 1 {
		return out
	}
	other := colors[1]
	pick := func(differs bool, set func()) {
		if !differs {
			set()
		}
	}
	hc, ohc, phc := out.HealthCheck, other.HealthCheck, prior.HealthCheck
	pick(hc.Path != phc.Path, func() { out.HealthCheck.Path = ohc.Path })
	pick(hc.Matcher != phc.Matcher, func() { out.HealthCheck.Matcher = ohc.Matcher })
	pick(hc.Interval != phc.Interval, func() { out.HealthCheck.Interval = ohc.Interval })
	pick(hc.Timeout != phc.Timeout, func() { out.HealthCheck.Timeout = ohc.Timeout })
	pick(hc.HealthyThreshold != phc.HealthyThreshold, func() { out.HealthCheck.HealthyThreshold = ohc.HealthyThreshold })
	pick(hc.UnhealthyThreshold != phc.UnhealthyThreshold, func() { out.HealthCheck.UnhealthyThreshold = ohc.UnhealthyThreshold })
	pick(hc.Port != phc.Port, func() { out.HealthCheck.Port = ohc.Port })
	pick(hc.Protocol != phc.Protocol, func() { out.HealthCheck.Protocol = ohc.Protocol })
	pick(out.DeregistrationDelay != prior.DeregistrationDelay, func() { out.DeregistrationDelay = other.DeregistrationDelay })
	pick(out.SlowStart != prior.SlowStart, func() { out.SlowStart = other.SlowStart })
	pick(!sameTags(out.Tags, prior.Tags), func() { out.Tags = other.Tags })
	pick(out.Port != prior.Port, func() { out.Port = other.Port })
	pick(out.Protocol != prior.Protocol, func() { out.Protocol = other.Protocol })
	pick(out.VpcID != prior.VpcID, func() { out.VpcID = other.VpcID })
	pick(out.TargetType != prior.TargetType, func() { out.TargetType = other.TargetType })
	pick(out.IPAddressType != prior.IPAddressType, func() { out.IPAddressType = other.IPAddressType })
	return out
}

func sameTags(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func diffSpec(a, b Spec) []string {
	var d []string
	if a.HealthCheck != b.HealthCheck {
		d = append(d, "health_check")
	}
	if a.DeregistrationDelay != b.DeregistrationDelay {
		d = append(d, "deregistration_delay")
	}
	if a.SlowStart != b.SlowStart {
		d = append(d, "slow_start")
	}
	if !sameTags(a.Tags, b.Tags) {
		d = append(d, "tags")
	}
	if a.Port != b.Port || a.Protocol != b.Protocol || a.VpcID != b.VpcID || a.TargetType != b.TargetType || a.IPAddressType != b.IPAddressType {
		d = append(d, "port/protocol/vpc_id/target_type/ip_address_type")
	}
	return d
}

func putAttributes(ctx context.Context, api API, arn string, s Spec) error {
	attrs := []types.TargetGroupAttribute{
		{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String(strconv.Itoa(int(seconds(s.DeregistrationDelay))))},
	}
	if s.TargetType != "lambda" {
		attrs = append(attrs, types.TargetGroupAttribute{Key: aws.String("slow_start.duration_seconds"), Value: aws.String(strconv.Itoa(int(seconds(s.SlowStart))))})
	}
	if _, err := api.ModifyTargetGroupAttributes(ctx, &elbv2.ModifyTargetGroupAttributesInput{
		TargetGroupArn: aws.String(arn), Attributes: attrs,
	}); err != nil {
		return fmt.Errorf("setting attributes of target group %s: %w", arn, err)
	}
	return nil
}

func colorTags(s Spec, color string) map[string]string {
	t := map[string]string{}
	for k, v := range s.Tags {
		t[k] = v
	}
	t[TagPair] = s.Name
	t[TagColor] = color
	if s.ID != "" {
		t[TagOwner] = s.ID
	}
	if v := s.Colors[color].Version; v != "" {
		t[TagVersion] = v
	}
	return t
}

func toTags(m map[string]string) []types.Tag {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]types.Tag, 0, len(m))
	for _, k := range keys {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

func readTags(ctx context.Context, api API, arn string) (map[string]string, error) {
	out, err := api.DescribeTags(ctx, &elbv2.DescribeTagsInput{ResourceArns: []string{arn}})
	if err != nil {
		return nil, fmt.Errorf("describing tags of %s: %w", arn, err)
	}
	m := map[string]string{}
	for _, d := range out.TagDescriptions {
		for _, t := range d.Tags {
			m[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	return m, nil
}

func syncTags(ctx context.Context, api API, arn string, want map[string]string) error {
	have, err := readTags(ctx, api, arn)
	if err != nil {
		return err
	}
	var remove []string
	for k := range have {
		if _, ok := want[k]; !ok {
			remove = append(remove, k)
		}
	}
	add := map[string]string{}
	for k, v := range want {
		if hv, ok := have[k]; !ok || hv != v {
			add[k] = v
		}
	}
	if len(remove) > 0 {
		sort.Strings(remove)
		if _, err := api.RemoveTags(ctx, &elbv2.RemoveTagsInput{ResourceArns: []string{arn}, TagKeys: remove}); err != nil {
			return fmt.Errorf("removing tags from %s: %w", arn, err)
		}
	}
	if len(add) > 0 {
		if _, err := api.AddTags(ctx, &elbv2.AddTagsInput{ResourceArns: []string{arn}, Tags: toTags(add)}); err != nil {
			return fmt.Errorf("tagging %s: %w", arn, err)
		}
	}
	return nil
}

// syncTargets makes the registered targets equal to want (nil: not managed).
func syncTargets(ctx context.Context, api API, arn string, want []Target) error {
	if want == nil {
		return nil
	}
	th, err := api.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(arn)})
	if err != nil {
		return fmt.Errorf("describing targets of %s: %w", arn, err)
	}
	have := map[Target]bool{}
	for _, d := range th.TargetHealthDescriptions {
		if d.Target != nil && (d.TargetHealth == nil || d.TargetHealth.State != types.TargetHealthStateEnumDraining) {
			have[Target{ID: aws.ToString(d.Target.Id), Port: aws.ToInt32(d.Target.Port)}] = true
		}
	}
	wantSet := map[Target]bool{}
	var register []types.TargetDescription
	for _, t := range want {
		wantSet[t] = true
		// A registration without a port uses the group's port, which is how
		// DescribeTargetHealth then reports it; match either form.
		if have[t] || (t.Port == 0 && anyPort(have, t.ID)) {
			continue
		}
		td := types.TargetDescription{Id: aws.String(t.ID)}
		if t.Port != 0 {
			td.Port = aws.Int32(t.Port)
		}
		register = append(register, td)
	}
	var deregister []types.TargetDescription
	for t := range have {
		if wantSet[t] || wantSet[Target{ID: t.ID}] {
			continue
		}
		deregister = append(deregister, types.TargetDescription{Id: aws.String(t.ID), Port: aws.Int32(t.Port)})
	}
	if len(deregister) > 0 {
		if _, err := api.DeregisterTargets(ctx, &elbv2.DeregisterTargetsInput{TargetGroupArn: aws.String(arn), Targets: deregister}); err != nil {
			return fmt.Errorf("deregistering targets from %s: %w", arn, err)
		}
	}
	if len(register) > 0 {
		if _, err := api.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: aws.String(arn), Targets: register}); err != nil {
			return fmt.Errorf("registering targets with %s: %w", arn, err)
		}
	}
	return nil
}

func anyPort(have map[Target]bool, id string) bool {
	for t := range have {
		if t.ID == id {
			return true
		}
	}
	return false
}

func sortTargets(ts []Target) {
	sort.Slice(ts, func(i, j int) bool {
		if ts[i].ID != ts[j].ID {
			return ts[i].ID < ts[j].ID
		}
		return ts[i].Port < ts[j].Port
	})
}

func seconds(d time.Duration) int32 { return int32(d / time.Second) }

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// TagsAPI is what VersionLabels needs.
type TagsAPI interface {
	DescribeTags(context.Context, *elbv2.DescribeTagsInput, ...func(*elbv2.Options)) (*elbv2.DescribeTagsOutput, error)
}

// VersionLabels returns the bluegreen:version tag of each target group
// (absent: no entry), in one DescribeTags call (at most 20 ARNs).
func VersionLabels(ctx context.Context, api TagsAPI, arns []string) (map[string]string, error) {
	out := map[string]string{}
	if len(arns) == 0 {
		return out, nil
	}
	res, err := api.DescribeTags(ctx, &elbv2.DescribeTagsInput{ResourceArns: arns})
	if err != nil {
		return nil, fmt.Errorf("describing tags of %v: %w", arns, err)
	}
	for _, d := range res.TagDescriptions {
		for _, t := range d.Tags {
			if aws.ToString(t.Key) == TagVersion {
				out[aws.ToString(d.ResourceArn)] = aws.ToString(t.Value)
			}
		}
	}
	return out, nil
}
