package alb

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsarn"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// RuleLifecycleAPI is what creating and owning a listener rule needs.
type RuleLifecycleAPI interface {
	CreateRule(ctx context.Context, params *elbv2.CreateRuleInput, optFns ...func(*elbv2.Options)) (*elbv2.CreateRuleOutput, error)
	DeleteRule(ctx context.Context, params *elbv2.DeleteRuleInput, optFns ...func(*elbv2.Options)) (*elbv2.DeleteRuleOutput, error)
	ModifyRule(ctx context.Context, params *elbv2.ModifyRuleInput, optFns ...func(*elbv2.Options)) (*elbv2.ModifyRuleOutput, error)
	SetRulePriorities(ctx context.Context, params *elbv2.SetRulePrioritiesInput, optFns ...func(*elbv2.Options)) (*elbv2.SetRulePrioritiesOutput, error)
	DescribeRules(ctx context.Context, params *elbv2.DescribeRulesInput, optFns ...func(*elbv2.Options)) (*elbv2.DescribeRulesOutput, error)
}

// RuleSpec is a listener rule a switch creates and owns: its conditions and
// priority; its single action is the blue/green forward.
type RuleSpec struct {
	ListenerARN  string
	Priority     int32
	PathPatterns []string
	HostHeaders  []string
	// StageHeader and StageValue, when set, add an http-header condition no
	// real request carries: a staged rule attaches its groups (so ALB
	// health-checks them) without receiving traffic.
	StageHeader string
	StageValue  string
	Tags        map[string]string
}

// StageHeaderName is the header of a staged rule's condition.
const StageHeaderName = "X-Bluegreen-Staged"

func (s RuleSpec) conditions() []types.RuleCondition {
	var cs []types.RuleCondition
	if len(s.PathPatterns) > 0 {
		cs = append(cs, types.RuleCondition{Field: aws.String("path-pattern"),
			PathPatternConfig: &types.PathPatternConditionConfig{Values: s.PathPatterns}})
	}
	if len(s.HostHeaders) > 0 {
		cs = append(cs, types.RuleCondition{Field: aws.String("host-header"),
			HostHeaderConfig: &types.HostHeaderConditionConfig{Values: s.HostHeaders}})
	}
	if s.StageHeader != "" {
		cs = append(cs, types.RuleCondition{Field: aws.String("http-header"),
			HttpHeaderConfig: &types.HttpHeaderConditionConfig{HttpHeaderName: aws.String(s.StageHeader), Values: []string{s.StageValue}}})
	}
	return cs
}

// CreateRule creates the rule forwarding to blue and green with weights w and
// returns its ARN.
func CreateRule(ctx context.Context, api RuleLifecycleAPI, s RuleSpec, blueTG, greenTG string, w traffic.Weights) (string, error) {
	keys := make([]string, 0, len(s.Tags))
	for k := range s.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var tags []types.Tag
	for _, k := range keys {
		tags = append(tags, types.Tag{Key: aws.String(k), Value: aws.String(s.Tags[k])})
	}
	out, err := api.CreateRule(ctx, &elbv2.CreateRuleInput{
		ListenerArn: aws.String(s.ListenerARN),
		Priority:    aws.Int32(s.Priority),
		Conditions:  s.conditions(),
		Actions: []types.Action{{
			Type: types.ActionTypeEnumForward,
			ForwardConfig: &types.ForwardActionConfig{TargetGroups: []types.TargetGroupTuple{
				{TargetGroupArn: aws.String(blueTG), Weight: aws.Int32(w.Blue)},
				{TargetGroupArn: aws.String(greenTG), Weight: aws.Int32(w.Green)},
			}},
		}},
		Tags: tags,
	})
	if err != nil {
		return "", fmt.Errorf("creating rule on listener %s (priority %d): %w", s.ListenerARN, s.Priority, err)
	}
	if len(out.Rules) == 0 {
		return "", fmt.Errorf("creating rule on listener %s: AWS returned no rule", s.ListenerARN)
	}
	return aws.ToString(out.Rules[0].RuleArn), nil
}

// UpdateRule applies changed conditions and priority to an owned rule; the
// forward action is left to the router.
func UpdateRule(ctx context.Context, api RuleLifecycleAPI, ruleARN string, s RuleSpec, priorityChanged, conditionsChanged bool) error {
	if conditionsChanged {
		if _, err := api.ModifyRule(ctx, &elbv2.ModifyRuleInput{RuleArn: aws.String(ruleARN), Conditions: s.conditions()}); err != nil {
			return fmt.Errorf("modifying conditions of rule %s: %w", ruleARN, err)
		}
	}
	if priorityChanged {
		if _, err := api.SetRulePriorities(ctx, &elbv2.SetRulePrioritiesInput{RulePriorities: []types.RulePriorityPair{
			{RuleArn: aws.String(ruleARN), Priority: aws.Int32(s.Priority)},
		}}); err != nil {
			return fmt.Errorf("setting priority %d of rule %s: %w", s.Priority, ruleARN, err)
		}
	}
	return nil
}

// RuleInfo is what ReadRule reports about an owned rule.
type RuleInfo struct {
	ListenerARN  string
	Priority     int32
	PathPatterns []string
	HostHeaders  []string
}

// ReadRule describes a rule's priority and conditions. A missing rule yields
// an error for which errors.Is(err, ErrNotFound) holds.
func ReadRule(ctx context.Context, api RuleLifecycleAPI, ruleARN string) (RuleInfo, error) {
	out, err := api.DescribeRules(ctx, &elbv2.DescribeRulesInput{RuleArns: []string{ruleARN}})
	if err != nil {
		if isCode(err, "RuleNotFound") {
			return RuleInfo{}, &NotFoundError{Kind: "rule", ARN: ruleARN, Err: err}
		}
		return RuleInfo{}, fmt.Errorf("describing rule %s: %w", ruleARN, err)
	}
	if len(out.Rules) == 0 {
		return RuleInfo{}, &NotFoundError{Kind: "rule", ARN: ruleARN}
	}
	r := out.Rules[0]
	info := RuleInfo{ListenerARN: awsarn.ListenerOfRule(ruleARN)}
	var p int32
	if _, err := fmt.Sscan(aws.ToString(r.Priority), &p); err == nil {
		info.Priority = p
	}
	for _, c := range r.Conditions {
		switch aws.ToString(c.Field) {
		case "path-pattern":
			if c.PathPatternConfig != nil {
				info.PathPatterns = append(info.PathPatterns, c.PathPatternConfig.Values...)
			} else {
				info.PathPatterns = append(info.PathPatterns, c.Values...)
			}
		case "host-header":
			if c.HostHeaderConfig != nil {
				info.HostHeaders = append(info.HostHeaders, c.HostHeaderConfig.Values...)
			} else {
				info.HostHeaders = append(info.HostHeaders, c.Values...)
			}
		}
	}
	return info, nil
}

// DeleteRule deletes an owned rule; a rule already gone is not an error.
func DeleteRule(ctx context.Context, api RuleLifecycleAPI, ruleARN string) error {
	if _, err := api.DeleteRule(ctx, &elbv2.DeleteRuleInput{RuleArn: aws.String(ruleARN)}); err != nil && !isCode(err, "RuleNotFound") {
		return fmt.Errorf("deleting rule %s: %w", ruleARN, err)
	}
	return nil
}

func isCode(err error, code string) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == code
}

// ForwardTarget is one target group of a forward action and its weight.
type ForwardTarget struct {
	TargetGroupARN string
	Weight         int32
}

// DescribeForward returns the target groups and weights of the forward
// action of a listener's default actions or of a rule (by ARN kind), without
// judging them. A single-group forward reports weight 1, as ALB does.
func DescribeForward(ctx context.Context, api API, arn string) ([]ForwardTarget, Stickiness, error) {
	var actions []types.Action
	if awsarn.IsListenerRule(arn) {
		out, err := api.DescribeRules(ctx, &elbv2.DescribeRulesInput{RuleArns: []string{arn}})
		if err != nil {
			return nil, Stickiness{}, wrapAPI("describing", "rule", arn, err, "RuleNotFound")
		}
		if len(out.Rules) == 0 {
			return nil, Stickiness{}, &NotFoundError{Kind: "rule", ARN: arn}
		}
		actions = out.Rules[0].Actions
	} else {
		out, err := api.DescribeListeners(ctx, &elbv2.DescribeListenersInput{ListenerArns: []string{arn}})
		if err != nil {
			return nil, Stickiness{}, wrapAPI("describing", "listener", arn, err, "ListenerNotFound")
		}
		if len(out.Listeners) == 0 {
			return nil, Stickiness{}, &NotFoundError{Kind: "listener", ARN: arn}
		}
		actions = out.Listeners[0].DefaultActions
	}
	for _, a := range actions {
		if a.Type == types.ActionTypeEnumForward {
			ts, st := ForwardTargets(a)
			return ts, st, nil
		}
	}
	return nil, Stickiness{}, fmt.Errorf("%s has %w", arn, ErrNoForward)
}

// ErrNoForward is DescribeForward's error (errors.Is) when the listener or
// rule has no forward action (a redirect or a fixed response).
var ErrNoForward = errors.New("no forward action")

// ForwardTargets reads one forward action the way ALB applies it: the groups
// of its ForwardConfig (a group without a weight weighs 1) or, when that names
// none, the legacy TargetGroupArn at weight 1; and the group stickiness the
// ForwardConfig sets (zero when it sets none). It is the one reader of forward
// actions: the router, DescribeForward and the provider's listener state all
// use it.
func ForwardTargets(a types.Action) ([]ForwardTarget, Stickiness) {
	var ts []ForwardTarget
	var st Stickiness
	if fc := a.ForwardConfig; fc != nil {
		for _, t := range fc.TargetGroups {
			w := int32(1) // what ALB gives a tuple without a weight
			if t.Weight != nil {
				w = *t.Weight
			}
			ts = append(ts, ForwardTarget{TargetGroupARN: aws.ToString(t.TargetGroupArn), Weight: w})
		}
		if s := fc.TargetGroupStickinessConfig; s != nil {
			st = Stickiness{Enabled: aws.ToBool(s.Enabled), Duration: time.Duration(aws.ToInt32(s.DurationSeconds)) * time.Second}
		}
	}
	if len(ts) == 0 && a.TargetGroupArn != nil {
		ts = append(ts, ForwardTarget{TargetGroupARN: aws.ToString(a.TargetGroupArn), Weight: 1})
	}
	return ts, st
}

// ColorWeights reads the blue and green weights out of a forward's targets on
// the router's scale, as the router adopts a forward it did not write: a
// single group carries all of the traffic (100 percent). foreign lists the
// targets that are neither blue nor green; twice names a color's group that
// appears more than once ("" when none does).
func ColorWeights(ts []ForwardTarget, blue, green string) (w traffic.Weights, foreign []ForwardTarget, twice string) {
	seen := map[string]bool{}
	for _, t := range ts {
		weight := t.Weight
		if len(ts) == 1 {
			weight = 100
		}
		if t.TargetGroupARN != blue && t.TargetGroupARN != green {
			foreign = append(foreign, ForwardTarget{TargetGroupARN: t.TargetGroupARN, Weight: weight})
			continue
		}
		if seen[t.TargetGroupARN] && twice == "" {
			twice = t.TargetGroupARN
		}
		seen[t.TargetGroupARN] = true
		if t.TargetGroupARN == blue {
			w.Blue = weight
		} else {
			w.Green = weight
		}
	}
	return w, foreign, twice
}

// ForwardTargetGroups lists the target group ARNs of the forward action of a
// listener or rule.
func ForwardTargetGroups(ctx context.Context, api API, arn string) ([]string, error) {
	ts, _, err := DescribeForward(ctx, api, arn)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.TargetGroupARN
	}
	return out, nil
}

// TargetGroupAPI is what TargetGroupAttachment needs.
type TargetGroupAPI interface {
	DescribeTargetGroups(ctx context.Context, params *elbv2.DescribeTargetGroupsInput, optFns ...func(*elbv2.Options)) (*elbv2.DescribeTargetGroupsOutput, error)
	DescribeTargetHealth(ctx context.Context, params *elbv2.DescribeTargetHealthInput, optFns ...func(*elbv2.Options)) (*elbv2.DescribeTargetHealthOutput, error)
}

// TargetGroupAttachment reports whether a target group is used by any load
// balancer (only then does ALB health-check its targets; until then they
// report "unused") and how many targets are registered.
func TargetGroupAttachment(ctx context.Context, api TargetGroupAPI, arn string) (attached bool, registered int, err error) {
	out, err := api.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{arn}})
	if err != nil {
		return false, 0, fmt.Errorf("describing target group %s: %w", arn, err)
	}
	if len(out.TargetGroups) == 0 {
		return false, 0, fmt.Errorf("target group %s not found", arn)
	}
	th, err := api.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(arn)})
	if err != nil {
		return false, 0, fmt.Errorf("describing targets of %s: %w", arn, err)
	}
	return len(out.TargetGroups[0].LoadBalancerArns) > 0, len(th.TargetHealthDescriptions), nil
}
