package envpair

import (
	"context"
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
}

// Colors of a pair, in a fixed order.
var Colors = []string{"blue", "green"}

// Tag keys the pair manages itself.
const (
	TagVersion = "bluegreen:version"
	TagColor   = "bluegreen:color"
	TagPair    = "bluegreen:pair"
)

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
}

// Spec is the shared specification of both groups.
type Spec struct {
	Name                string
	VpcID               string
	Port                int32
	Protocol            string
	TargetType          string
	HealthCheck         HealthCheck
	DeregistrationDelay time.Duration
	SlowStart           time.Duration
	Tags                map[string]string
	Colors              map[string]ColorSpec // "blue", "green"
}

// Group is one color as read back from AWS.
type Group struct {
	Color          string
	Name           string
	TargetGroupARN string
	ARNSuffix      string
	Version        string
	Targets        []Target
	LoadBalancers  []string
}

// Pair is both colors as read back, plus the shared spec as AWS reports it
// (from the blue group; the green one is compared against it).
type Pair struct {
	Spec   Spec
	Groups map[string]Group
	// Drift lists shared settings where green differs from blue.
	Drift []string
}

// NotFoundError says a group of the pair does not exist.
type NotFoundError struct{ Name string }

func (e *NotFoundError) Error() string { return fmt.Sprintf("target group %q not found", e.Name) }

// InUseError says a group cannot be deleted because a listener or rule still forwards to it.
type InUseError struct {
	Name, ARN string
	Err       error
}

func (e *InUseError) Error() string {
	return fmt.Sprintf("target group %s (%s) is still used by a listener or rule: %v", e.Name, e.ARN, e.Err)
}
func (e *InUseError) Unwrap() error { return e.Err }

// GroupName is the target group name of a color.
func GroupName(pair, color string) string { return pair + "-" + color }

// ARNSuffix returns "targetgroup/name/id" from a target group ARN (the
// CloudWatch TargetGroup dimension).
func ARNSuffix(arn string) string {
	if i := strings.Index(arn, ":targetgroup/"); i >= 0 {
		return arn[i+1:]
	}
	return ""
}

// Create creates both groups (or adopts existing ones created earlier by an
// interrupted create with the same spec: CreateTargetGroup is idempotent for
// identical settings) and applies attributes, tags and targets.
func Create(ctx context.Context, api API, s Spec) (*Pair, error) {
	for _, color := range Colors {
		name := GroupName(s.Name, color)
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
		out, err := api.CreateTargetGroup(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("creating target group %s: %w", name, err)
		}
		arn := aws.ToString(out.TargetGroups[0].TargetGroupArn)
		if err := putAttributes(ctx, api, arn, s); err != nil {
			return nil, err
		}
		if err := syncTargets(ctx, api, arn, s.Colors[color].Targets); err != nil {
			return nil, err
		}
	}
	return Read(ctx, api, s.Name)
}

// Update applies spec changes to both groups: health check, attributes,
// tags, version labels and targets. Name, VPC, port, protocol and target type
// cannot change in place (the provider plans a replacement).
func Update(ctx context.Context, api API, s Spec, current *Pair) (*Pair, error) {
	for _, color := range Colors {
		g, ok := current.Groups[color]
		if !ok {
			return nil, &NotFoundError{Name: GroupName(s.Name, color)}
		}
		_, err := api.ModifyTargetGroup(ctx, &elbv2.ModifyTargetGroupInput{
			TargetGroupArn:             aws.String(g.TargetGroupARN),
			HealthCheckEnabled:         aws.Bool(true),
			HealthCheckPath:            aws.String(s.HealthCheck.Path),
			HealthCheckPort:            aws.String(s.HealthCheck.Port),
			HealthCheckProtocol:        types.ProtocolEnum(s.HealthCheck.Protocol),
			HealthCheckIntervalSeconds: aws.Int32(seconds(s.HealthCheck.Interval)),
			HealthCheckTimeoutSeconds:  aws.Int32(seconds(s.HealthCheck.Timeout)),
			HealthyThresholdCount:      aws.Int32(s.HealthCheck.HealthyThreshold),
			UnhealthyThresholdCount:    aws.Int32(s.HealthCheck.UnhealthyThreshold),
			Matcher:                    &types.Matcher{HttpCode: aws.String(s.HealthCheck.Matcher)},
		})
		if err != nil {
			return nil, fmt.Errorf("modifying target group %s: %w", g.Name, err)
		}
		if err := putAttributes(ctx, api, g.TargetGroupARN, s); err != nil {
			return nil, err
		}
		if err := syncTags(ctx, api, g.TargetGroupARN, colorTags(s, color)); err != nil {
			return nil, err
		}
		if err := syncTargets(ctx, api, g.TargetGroupARN, s.Colors[color].Targets); err != nil {
			return nil, err
		}
	}
	return Read(ctx, api, s.Name)
}

// Delete deletes both groups. A group still used by a listener or rule is
// left in place and reported with an *InUseError; the other group is still
// attempted so a half-deleted pair is reported truthfully by the next Read.
func Delete(ctx context.Context, api API, name string) error {
	var errs []error
	for _, color := range Colors {
		g, err := findGroup(ctx, api, GroupName(name, color))
		var nf *NotFoundError
		if errors.As(err, &nf) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		_, err = api.DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: aws.String(g.TargetGroupARN)})
		if err != nil {
			if apiCode(err) == "ResourceInUse" {
				errs = append(errs, &InUseError{Name: g.Name, ARN: g.TargetGroupARN, Err: err})
			} else {
				errs = append(errs, fmt.Errorf("deleting target group %s: %w", g.Name, err))
			}
		}
	}
	return errors.Join(errs...)
}

// Read reads both groups. A missing group yields *NotFoundError (both
// missing: the pair is gone).
func Read(ctx context.Context, api API, name string) (*Pair, error) {
	p := &Pair{Groups: map[string]Group{}}
	var tgs = map[string]types.TargetGroup{}
	for _, color := range Colors {
		gname := GroupName(name, color)
		out, err := api.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{Names: []string{gname}})
		if err != nil {
			if apiCode(err) == "TargetGroupNotFound" {
				return nil, &NotFoundError{Name: gname}
			}
			return nil, fmt.Errorf("describing target group %s: %w", gname, err)
		}
		if len(out.TargetGroups) == 0 {
			return nil, &NotFoundError{Name: gname}
		}
		tgs[color] = out.TargetGroups[0]
	}
	for _, color := range Colors {
		tg := tgs[color]
		arn := aws.ToString(tg.TargetGroupArn)
		spec := Spec{
			Name:       name,
			VpcID:      aws.ToString(tg.VpcId),
			Port:       aws.ToInt32(tg.Port),
			Protocol:   string(tg.Protocol),
			TargetType: string(tg.TargetType),
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
		if tg.Matcher != nil {
			spec.HealthCheck.Matcher = aws.ToString(tg.Matcher.HttpCode)
		}
		attrs, err := api.DescribeTargetGroupAttributes(ctx, &elbv2.DescribeTargetGroupAttributesInput{TargetGroupArn: aws.String(arn)})
		if err != nil {
			return nil, fmt.Errorf("describing attributes of target group %s: %w", aws.ToString(tg.TargetGroupName), err)
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
			return nil, err
		}
		g := Group{
			Color:          color,
			Name:           aws.ToString(tg.TargetGroupName),
			TargetGroupARN: arn,
			ARNSuffix:      ARNSuffix(arn),
			Version:        tags[TagVersion],
			LoadBalancers:  tg.LoadBalancerArns,
		}
		th, err := api.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(arn)})
		if err != nil {
			return nil, fmt.Errorf("describing targets of %s: %w", g.Name, err)
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
		p.Groups[color] = g
		for k := range tags {
			if strings.HasPrefix(k, "bluegreen:") {
				delete(tags, k)
			}
		}
		spec.Tags = tags
		if color == "blue" {
			p.Spec = spec
		} else {
			p.Drift = diffSpec(p.Spec, spec)
		}
	}
	return p, nil
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
	if a.Port != b.Port || a.Protocol != b.Protocol || a.VpcID != b.VpcID || a.TargetType != b.TargetType {
		d = append(d, "port/protocol/vpc_id/target_type")
	}
	return d
}

func findGroup(ctx context.Context, api API, name string) (Group, error) {
	out, err := api.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{Names: []string{name}})
	if err != nil {
		if apiCode(err) == "TargetGroupNotFound" {
			return Group{}, &NotFoundError{Name: name}
		}
		return Group{}, fmt.Errorf("describing target group %s: %w", name, err)
	}
	if len(out.TargetGroups) == 0 {
		return Group{}, &NotFoundError{Name: name}
	}
	tg := out.TargetGroups[0]
	return Group{Name: name, TargetGroupARN: aws.ToString(tg.TargetGroupArn), LoadBalancers: tg.LoadBalancerArns}, nil
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
