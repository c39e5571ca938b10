package alb

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsarn"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// A preview rule is a listener rule a switch owns that forwards all of its
// requests to one color (the test listener of CodeDeploy, the preview
// service of Argo Rollouts): requests that carry its condition (a header, a
// query string, or any path on a listener of its own) reach that color
// through the real load balancer while production traffic follows the
// switch's weights.

// QueryPair is one key/value pair of a query-string condition; an empty Key
// matches the value under any key.
type QueryPair struct{ Key, Value string }

// PreviewTagKey marks a switch's preview rule (value "true"): the rule sends
// test requests to the idle color, so a reader deciding which color serves
// production (the environment pair's idle-first updates) skips it.
const PreviewTagKey = "bluegreen:preview"

// IsPreviewRule reports whether the rule at arn carries PreviewTagKey.
func IsPreviewRule(ctx context.Context, api TagAPI, arn string) (bool, error) {
	out, err := api.DescribeTags(ctx, &elbv2.DescribeTagsInput{ResourceArns: []string{arn}})
	if err != nil {
		return false, wrapAPI("reading tags of", "rule", arn, err, "RuleNotFound")
	}
	for _, d := range out.TagDescriptions {
		for _, t := range d.Tags {
			if aws.ToString(t.Key) == PreviewTagKey {
				return true, nil
			}
		}
	}
	return false, nil
}

// MarkPreviewRule tags arn with PreviewTagKey.
func MarkPreviewRule(ctx context.Context, api TagAPI, arn string) error {
	if _, err := api.AddTags(ctx, &elbv2.AddTagsInput{ResourceArns: []string{arn},
		Tags: []types.Tag{{Key: aws.String(PreviewTagKey), Value: aws.String("true")}}}); err != nil {
		return fmt.Errorf("tagging %s as a preview rule: %w", arn, err)
	}
	return nil
}

// PreviewSpec is the priority and the one condition of a preview rule.
// Exactly one of Header (with HeaderValues), Query and PathPatterns is set.
type PreviewSpec struct {
	ListenerARN  string
	Priority     int32
	Header       string
	HeaderValues []string
	Query        []QueryPair
	PathPatterns []string
	Tags         map[string]string
}

func (s PreviewSpec) conditions() []types.RuleCondition {
	switch {
	case s.Header != "":
		return []types.RuleCondition{{Field: aws.String("http-header"),
			HttpHeaderConfig: &types.HttpHeaderConditionConfig{HttpHeaderName: aws.String(s.Header), Values: s.HeaderValues}}}
	case len(s.Query) > 0:
		var kv []types.QueryStringKeyValuePair
		for _, q := range s.Query {
			p := types.QueryStringKeyValuePair{Value: aws.String(q.Value)}
			if q.Key != "" {
				p.Key = aws.String(q.Key)
			}
			kv = append(kv, p)
		}
		return []types.RuleCondition{{Field: aws.String("query-string"), QueryStringConfig: &types.QueryStringConditionConfig{Values: kv}}}
	default:
		return []types.RuleCondition{{Field: aws.String("path-pattern"),
			PathPatternConfig: &types.PathPatternConditionConfig{Values: s.PathPatterns}}}
	}
}

// SameCondition reports whether a rule read back has exactly s's priority
// and condition (header names compare case-insensitively, as ALB matches
// them).
func (s PreviewSpec) SameCondition(r PreviewRuleInfo) bool {
	return r.Priority == s.Priority && r.Other == 0 && strings.EqualFold(r.Header, s.Header) &&
		slices.Equal(r.HeaderValues, s.HeaderValues) && slices.Equal(r.Query, s.Query) && slices.Equal(r.PathPatterns, s.PathPatterns)
}

func onlyColor(blueTG, greenTG string, c traffic.Color) []types.Action {
	w := traffic.Split(c, 100)
	return []types.Action{{
		Type: types.ActionTypeEnumForward,
		ForwardConfig: &types.ForwardActionConfig{TargetGroups: []types.TargetGroupTuple{
			// Both groups, the idle one at 0: ALB keeps health-checking the
			// targets of both.
			{TargetGroupArn: aws.String(blueTG), Weight: aws.Int32(w.Blue)},
			{TargetGroupArn: aws.String(greenTG), Weight: aws.Int32(w.Green)},
		}},
	}}
}

// CreatePreviewRule creates a preview rule forwarding everything to color c
// and returns its ARN.
func CreatePreviewRule(ctx context.Context, api RuleLifecycleAPI, s PreviewSpec, blueTG, greenTG string, c traffic.Color) (string, error) {
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
		ListenerArn: aws.String(s.ListenerARN), Priority: aws.Int32(s.Priority),
		Conditions: s.conditions(), Actions: onlyColor(blueTG, greenTG, c), Tags: tags,
	})
	if err != nil {
		return "", fmt.Errorf("creating preview rule on listener %s (priority %d): %w", s.ListenerARN, s.Priority, err)
	}
	if len(out.Rules) == 0 {
		return "", fmt.Errorf("creating preview rule on listener %s: AWS returned no rule", s.ListenerARN)
	}
	return aws.ToString(out.Rules[0].RuleArn), nil
}

// PointPreviewRule makes the preview rule forward everything to color c,
// replacing its whole action list (the rule is the switch's alone).
func PointPreviewRule(ctx context.Context, api RuleLifecycleAPI, ruleARN, blueTG, greenTG string, c traffic.Color) error {
	if _, err := api.ModifyRule(ctx, &elbv2.ModifyRuleInput{RuleArn: aws.String(ruleARN), Actions: onlyColor(blueTG, greenTG, c)}); err != nil {
		return fmt.Errorf("pointing preview rule %s at %s: %w", ruleARN, c, err)
	}
	return nil
}

// ConditionPreviewRule writes s's priority and condition to the rule, each
// only when it differs from what was read.
func ConditionPreviewRule(ctx context.Context, api RuleLifecycleAPI, ruleARN string, s PreviewSpec, read PreviewRuleInfo) error {
	if read.Priority != s.Priority {
		if _, err := api.SetRulePriorities(ctx, &elbv2.SetRulePrioritiesInput{RulePriorities: []types.RulePriorityPair{
			{RuleArn: aws.String(ruleARN), Priority: aws.Int32(s.Priority)},
		}}); err != nil {
			return fmt.Errorf("setting priority %d of preview rule %s: %w", s.Priority, ruleARN, err)
		}
	}
	cond := s
	cond.Priority = read.Priority
	if !cond.SameCondition(read) {
		if _, err := api.ModifyRule(ctx, &elbv2.ModifyRuleInput{RuleArn: aws.String(ruleARN), Conditions: s.conditions()}); err != nil {
			return fmt.Errorf("modifying the condition of preview rule %s: %w", ruleARN, err)
		}
	}
	return nil
}

// PreviewRuleInfo is a preview rule read back.
type PreviewRuleInfo struct {
	ARN          string
	ListenerARN  string
	Priority     int32
	Header       string
	HeaderValues []string
	Query        []QueryPair
	PathPatterns []string
	// Other counts conditions of other kinds (or a second condition of a
	// kind above): a rule edited by hand.
	Other int
	// Forward is the rule's forward (nil when it has none).
	Forward []ForwardTarget
	// Actions counts the rule's actions.
	Actions int
}

// Color is the one color the rule forwards all of its requests to (the
// only one with a weight above 0), or "" when it forwards elsewhere, to
// both, or not at all.
func (i PreviewRuleInfo) Color(blueTG, greenTG string) traffic.Color {
	if i.Actions != 1 || len(i.Forward) == 0 {
		return ""
	}
	w, foreign, twice := ColorWeights(i.Forward, blueTG, greenTG)
	if len(foreign) > 0 || twice != "" {
		return ""
	}
	switch {
	case w.Blue > 0 && w.Green == 0:
		return traffic.Blue
	case w.Green > 0 && w.Blue == 0:
		return traffic.Green
	}
	return ""
}

func previewInfo(r types.Rule) PreviewRuleInfo {
	arn := aws.ToString(r.RuleArn)
	info := PreviewRuleInfo{ARN: arn, ListenerARN: awsarn.ListenerOfRule(arn), Actions: len(r.Actions)}
	var p int32
	if _, err := fmt.Sscan(aws.ToString(r.Priority), &p); err == nil {
		info.Priority = p
	}
	known := 0
	for _, c := range r.Conditions {
		known++
		switch aws.ToString(c.Field) {
		case "http-header":
			if c.HttpHeaderConfig != nil {
				info.Header = aws.ToString(c.HttpHeaderConfig.HttpHeaderName)
				info.HeaderValues = c.HttpHeaderConfig.Values
			}
		case "query-string":
			if c.QueryStringConfig != nil {
				for _, kv := range c.QueryStringConfig.Values {
					info.Query = append(info.Query, QueryPair{Key: aws.ToString(kv.Key), Value: aws.ToString(kv.Value)})
				}
			}
		case "path-pattern":
			if c.PathPatternConfig != nil {
				info.PathPatterns = c.PathPatternConfig.Values
			} else {
				info.PathPatterns = c.Values
			}
		default:
			info.Other++
			known--
		}
	}
	if known > 1 {
		info.Other += known - 1 // a preview rule has one condition
	}
	for _, a := range r.Actions {
		if a.Type == types.ActionTypeEnumForward {
			info.Forward, _ = ForwardTargets(a)
		}
	}
	return info
}

// ReadPreviewRule reads a preview rule back. A missing rule yields an error
// for which errors.Is(err, ErrNotFound) holds.
func ReadPreviewRule(ctx context.Context, api RuleLifecycleAPI, ruleARN string) (PreviewRuleInfo, error) {
	out, err := api.DescribeRules(ctx, &elbv2.DescribeRulesInput{RuleArns: []string{ruleARN}})
	if err != nil {
		return PreviewRuleInfo{}, wrapAPI("describing", "rule", ruleARN, err, "RuleNotFound")
	}
	if len(out.Rules) == 0 {
		return PreviewRuleInfo{}, &NotFoundError{Kind: "rule", ARN: ruleARN}
	}
	return previewInfo(out.Rules[0]), nil
}

// RuleAtPriority finds the rule of a listener at a priority ("" when none).
func RuleAtPriority(ctx context.Context, api RuleLifecycleAPI, listenerARN string, priority int32) (PreviewRuleInfo, bool, error) {
	in := &elbv2.DescribeRulesInput{ListenerArn: aws.String(listenerARN)}
	want := fmt.Sprint(priority)
	for {
		out, err := api.DescribeRules(ctx, in)
		if err != nil {
			return PreviewRuleInfo{}, false, wrapAPI("describing the rules of", "listener", listenerARN, err, "ListenerNotFound")
		}
		for _, r := range out.Rules {
			if aws.ToString(r.Priority) == want {
				return previewInfo(r), true, nil
			}
		}
		if aws.ToString(out.NextMarker) == "" {
			return PreviewRuleInfo{}, false, nil
		}
		in.Marker = out.NextMarker
	}
}
