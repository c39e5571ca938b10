package elbv2

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/awserr"
)

// Error codes used by this package (as AWS spells them on the wire).
const (
	codeValidation                  = "ValidationError"
	codeInvalidAction               = "InvalidAction"
	codeLoadBalancerNotFound        = "LoadBalancerNotFound"
	codeTargetGroupNotFound         = "TargetGroupNotFound"
	codeListenerNotFound            = "ListenerNotFound"
	codeRuleNotFound                = "RuleNotFound"
	codeDuplicateLoadBalancerName   = "DuplicateLoadBalancerName"
	codeDuplicateTargetGroupName    = "DuplicateTargetGroupName"
	codeDuplicateListener           = "DuplicateListener"
	codeDuplicateTagKeys            = "DuplicateTagKeys"
	codePriorityInUse               = "PriorityInUse"
	codeResourceInUse               = "ResourceInUse"
	codeOperationNotPermitted       = "OperationNotPermitted"
	codeIncompatibleProtocols       = "IncompatibleProtocols"
	codeInvalidConfigurationRequest = "InvalidConfigurationRequest"
	codeInvalidLoadBalancerAction   = "InvalidLoadBalancerAction"
	codeTargetGroupAssociationLimit = "TargetGroupAssociationLimit"
	codeTooManyTags                 = "TooManyTags"
	codeTooManyListeners            = "TooManyListeners"
	codeTooManyRules                = "TooManyRules"
	codeTooManyTargets              = "TooManyTargets"
	codeInvalidTarget               = "InvalidTarget"
	codeSubnetNotFound              = "SubnetNotFound"
	codeInvalidScheme               = "InvalidScheme"
)

// errf builds a 400 Sender error with a literal message (no re-formatting).
func errf(code, format string, args ...any) *awserr.Error {
	return awserr.Sender(http.StatusBadRequest, code, "%s", fmt.Sprintf(format, args...))
}

func validation(format string, args ...any) *awserr.Error {
	return errf(codeValidation, format, args...)
}

// constraints collects model-level ("Coral") constraint violations, which AWS
// reports together as "N validation error(s) detected: a; b".
type constraints struct {
	msgs []string
}

func (c *constraints) null(path string) {
	c.msgs = append(c.msgs, fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", path))
}

func (c *constraints) min(path string, v, min int64) {
	if v < min {
		c.msgs = append(c.msgs, fmt.Sprintf("Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to %d", v, path, min))
	}
}

func (c *constraints) max(path string, v, max int64) {
	if v > max {
		c.msgs = append(c.msgs, fmt.Sprintf("Value '%d' at '%s' failed to satisfy constraint: Member must have value less than or equal to %d", v, path, max))
	}
}

func (c *constraints) rng(path string, v, lo, hi int64) {
	c.min(path, v, lo)
	c.max(path, v, hi)
}

func (c *constraints) enum(path, v string, set []string) {
	for _, s := range set {
		if s == v {
			return
		}
	}
	c.msgs = append(c.msgs, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]", v, path, strings.Join(set, ", ")))
}

func (c *constraints) maxLen(path, v string, max int) {
	if len(v) > max {
		c.msgs = append(c.msgs, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", v, path, max))
	}
}

func (c *constraints) pattern(path, v, pattern string) {
	c.msgs = append(c.msgs, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", v, path, pattern))
}

func (c *constraints) notInt(path, raw string) {
	c.msgs = append(c.msgs, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must be a number", raw, path))
}

func (c *constraints) notBool(path, raw string) {
	c.msgs = append(c.msgs, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must be a boolean", raw, path))
}

func (c *constraints) err() *awserr.Error {
	switch len(c.msgs) {
	case 0:
		return nil
	case 1:
		return validation("1 validation error detected: %s", c.msgs[0])
	}
	return validation("%d validation errors detected: %s", len(c.msgs), strings.Join(c.msgs, "; "))
}

// memberPath renders the Coral path of a list element, e.g. defaultActions.1.member.
func memberPath(list string, i int) string {
	return list + "." + strconv.Itoa(i+1) + ".member"
}
