package envpair

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/alb"
)

// Settings are the settings a color's group can have apart from the other
// color's: what a pair update writes to one color at a time (idle first).
type Settings struct {
	HealthCheck         HealthCheck
	DeregistrationDelay time.Duration
	SlowStart           time.Duration
}

// Settings of a group as read back.
func (g Group) Settings() Settings {
	return Settings{HealthCheck: g.Shared.HealthCheck, DeregistrationDelay: g.Shared.DeregistrationDelay, SlowStart: g.Shared.SlowStart}
}

// Shared is the spec's shared settings, before any color's override.
func (s Spec) Shared() Settings {
	return Settings{HealthCheck: s.HealthCheck, DeregistrationDelay: s.DeregistrationDelay, SlowStart: s.SlowStart}
}

// SettingsFor is what a color's group is to have: the color's own settings
// when given (ColorSpec.Settings), else the shared ones.
func (s Spec) SettingsFor(color string) Settings {
	if cs := s.Colors[color].Settings; cs != nil {
		return *cs
	}
	return s.Shared()
}

// Diff names the settings in which a differs from b, with both values, in a
// fixed order: "health_check.path", "deregistration_delay", ….
func (a Settings) Diff(b Settings) []SettingDiff {
	var d []SettingDiff
	add := func(name string, x, y any) {
		if fmt.Sprint(x) != fmt.Sprint(y) {
			d = append(d, SettingDiff{Setting: name, From: fmt.Sprint(x), To: fmt.Sprint(y)})
		}
	}
	ha, hb := a.HealthCheck, b.HealthCheck
	add("health_check.path", ha.Path, hb.Path)
	add("health_check.matcher", ha.Matcher, hb.Matcher)
	add("health_check.interval", secs(ha.Interval), secs(hb.Interval))
	add("health_check.timeout", secs(ha.Timeout), secs(hb.Timeout))
	add("health_check.healthy_threshold", ha.HealthyThreshold, hb.HealthyThreshold)
	add("health_check.unhealthy_threshold", ha.UnhealthyThreshold, hb.UnhealthyThreshold)
	add("health_check.port", ha.Port, hb.Port)
	add("health_check.protocol", ha.Protocol, hb.Protocol)
	add("deregistration_delay", secs(a.DeregistrationDelay), secs(b.DeregistrationDelay))
	add("slow_start", secs(a.SlowStart), secs(b.SlowStart))
	return d
}

func secs(d time.Duration) string { return fmt.Sprintf("%ds", int64(d/time.Second)) }

// SettingDiff is one setting that differs: From is the first value (what
// the group has), To the second (what it is to have).
type SettingDiff struct{ Setting, From, To string }

// Forward is one listener or rule forwarding to a group with a weight.
type Forward struct {
	Kind, ARN string // "listener" or "rule"
	Weight    int32
}

// Serving says, for each color whose group is in arns, where it receives
// traffic: the listeners' default forwards and rules of the load balancers
// that use the group (DescribeTargetGroups LoadBalancerArns) that give it a
// weight above 0. A color absent from the result receives no traffic. A
// forward naming one group only gives it all the traffic (weight 1, as ALB
// reads it).
func Serving(ctx context.Context, api API, arns ARNs) (map[string][]Forward, error) {
	out := map[string][]Forward{}
	byARN := map[string]string{}
	lbs := map[string]bool{}
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
			return nil, err
		}
		byARN[arn] = color
		for _, lb := range tg.LoadBalancerArns {
			lbs[lb] = true
		}
	}
	order := make([]string, 0, len(lbs))
	for lb := range lbs {
		order = append(order, lb)
	}
	sort.Strings(order)
	note := func(kind, arn string, acts []types.Action) {
		for _, a := range acts {
			if a.Type != types.ActionTypeEnumForward {
				continue
			}
			ts, _ := alb.ForwardTargets(a)
			for _, t := range ts {
				if color, ok := byARN[t.TargetGroupARN]; ok && t.Weight > 0 {
					out[color] = append(out[color], Forward{Kind: kind, ARN: arn, Weight: t.Weight})
				}
			}
		}
	}
	for _, lb := range order {
		var marker *string
		for {
			ls, err := api.DescribeListeners(ctx, &elbv2.DescribeListenersInput{LoadBalancerArn: aws.String(lb), Marker: marker})
			if err != nil {
				return nil, fmt.Errorf("describing listeners of %s: %w", lb, err)
			}
			for _, l := range ls.Listeners {
				note("listener", aws.ToString(l.ListenerArn), l.DefaultActions)
				var rmarker *string
				for {
					rs, err := api.DescribeRules(ctx, &elbv2.DescribeRulesInput{ListenerArn: l.ListenerArn, Marker: rmarker})
					if err != nil {
						return nil, fmt.Errorf("describing rules of %s: %w", aws.ToString(l.ListenerArn), err)
					}
					for _, r := range rs.Rules {
						if aws.ToBool(r.IsDefault) || !forwardsTo(r.Actions, byARN) {
							continue
						}
						// A switch's preview rule sends test requests to the
						// idle color: not production traffic.
						preview, err := alb.IsPreviewRule(ctx, api, aws.ToString(r.RuleArn))
						if err != nil {
							return nil, err
						}
						if !preview {
							note("rule", aws.ToString(r.RuleArn), r.Actions)
						}
					}
					if rs.NextMarker == nil {
						break
					}
					rmarker = rs.NextMarker
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

// DescribeForwards says where a color is served, for a diagnostic.
func DescribeForwards(fs []Forward) string {
	parts := make([]string, 0, len(fs))
	for _, f := range fs {
		parts = append(parts, fmt.Sprintf("%s %s (weight %d)", f.Kind, f.ARN, f.Weight))
	}
	return strings.Join(parts, ", ")
}

// SuffixLen is the length of the suffix GeneratedName appends to a prefix.
const SuffixLen = 8

// GeneratedName is a pair name made of prefix and SuffixLen random lower-case
// letters and digits (so that a pair replacing another under
// create_before_destroy gets group names of its own).
func GeneratedName(prefix string) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, SuffixLen)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return prefix + string(b)
}

// forwardsTo reports whether acts forward to one of the groups of byARN
// with a weight above 0.
func forwardsTo(acts []types.Action, byARN map[string]string) bool {
	for _, a := range acts {
		if a.Type != types.ActionTypeEnumForward {
			continue
		}
		ts, _ := alb.ForwardTargets(a)
		for _, t := range ts {
			if _, ok := byARN[t.TargetGroupARN]; ok && t.Weight > 0 {
				return true
			}
		}
	}
	return false
}
