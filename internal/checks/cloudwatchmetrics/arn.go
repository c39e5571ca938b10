package cloudwatchmetrics

import (
	"fmt"
	"strings"
)

// LoadBalancerARNSuffix returns the LoadBalancer dimension value
// ("app/<name>/<id>") for an ALB. It accepts the load balancer ARN, the ARN of
// one of its listeners or listener rules (the load balancer is part of those),
// or the suffix itself.
func LoadBalancerARNSuffix(arn string) (string, error) {
	resource, err := resourcePart(arn)
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

// TargetGroupARNSuffix returns the TargetGroup dimension value
// ("targetgroup/<name>/<id>") for a target group ARN, or the suffix itself.
func TargetGroupARNSuffix(arn string) (string, error) {
	resource, err := resourcePart(arn)
	if err != nil {
		return "", err
	}
	parts := strings.Split(resource, "/")
	if len(parts) != 3 || parts[0] != "targetgroup" || parts[1] == "" || parts[2] == "" {
		return "", fmt.Errorf("%q is not a target group ARN (or a targetgroup/<name>/<id> suffix)", arn)
	}
	return resource, nil
}

// resourcePart returns what follows the fifth colon of an ARN, or s itself
// when s is not an ARN.
func resourcePart(s string) (string, error) {
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
