package awsarn

import (
	"fmt"
	"strings"
)

// TargetGroupName returns the name in a target group ARN
// (arn:…:targetgroup/<name>/<id>), or "" when arn is not one.
func TargetGroupName(arn string) string {
	_, rest, ok := strings.Cut(arn, ":targetgroup/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	return name
}

// IsListenerRule reports whether arn is the ARN of a listener rule (rather
// than of a listener).
func IsListenerRule(arn string) bool { return strings.Contains(arn, ":listener-rule/") }

// ListenerOfRule derives the listener ARN from a rule ARN
// (…:listener-rule/app/<lb>/<lbid>/<listenerid>/<ruleid> → …:listener/app/<lb>/<lbid>/<listenerid>),
// or "" when ruleARN is not a rule ARN.
func ListenerOfRule(ruleARN string) string {
	const marker = ":listener-rule/"
	i := strings.Index(ruleARN, marker)
	if i < 0 {
		return ""
	}
	rest := ruleARN[i+len(marker):]
	j := strings.LastIndexByte(rest, '/')
	if j < 0 {
		return ""
	}
	return ruleARN[:i] + ":listener/" + rest[:j]
}

// LoadBalancerSuffix returns the CloudWatch LoadBalancer dimension value
// ("app/<name>/<id>") for an ALB. It accepts the load balancer ARN, the ARN of
// one of its listeners or listener rules (the load balancer is part of those),
// or the suffix itself.
func LoadBalancerSuffix(arn string) (string, error) {
	resource, err := elbResource(arn)
	if err != nil {
		return "", err
	}
	typ, rest, _ := strings.Cut(resource, "/")
	switch typ {
	case "app":
		rest = resource // already a suffix
	case "loadbalancer", "listener", "listener-rule":
	default:
		return "", fmt.Errorf("%q is not an ALB, listener or listener rule ARN (or an app/<name>/<id> suffix)", arn)
	}
	parts := strings.Split(rest, "/")
	if len(parts) < 3 || parts[0] != "app" || parts[1] == "" || parts[2] == "" {
		if len(parts) > 0 && parts[0] != "app" {
			return "", fmt.Errorf("%q is not an Application Load Balancer (type %q): AWS/ApplicationELB metrics exist only for ALBs", arn, parts[0])
		}
		return "", fmt.Errorf("%q has no app/<name>/<id> load balancer part", arn)
	}
	return strings.Join(parts[:3], "/"), nil
}

// TargetGroupSuffix returns the CloudWatch TargetGroup dimension value
// ("targetgroup/<name>/<id>") for a target group ARN, or the suffix itself.
func TargetGroupSuffix(arn string) (string, error) {
	resource, err := elbResource(arn)
	if err != nil {
		return "", err
	}
	parts := strings.Split(resource, "/")
	if len(parts) != 3 || parts[0] != "targetgroup" || parts[1] == "" || parts[2] == "" {
		return "", fmt.Errorf("%q is not a target group ARN (or a targetgroup/<name>/<id> suffix)", arn)
	}
	return resource, nil
}

// elbResource returns what follows the fifth colon of an Elastic Load
// Balancing ARN, or s itself when s is not an ARN.
func elbResource(s string) (string, error) {
	if !strings.HasPrefix(s, "arn:") {
		if s == "" {
			return "", fmt.Errorf("empty ARN")
		}
		return s, nil
	}
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[2] != "elasticloadbalancing" {
		return "", fmt.Errorf("%q is not an elasticloadbalancing ARN", s)
	}
	return parts[5], nil
}
