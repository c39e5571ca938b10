package dataplane

import (
	"encoding/base64"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/elbv2"
)

const (
	// StickinessCookie is the cookie ALB uses for target group stickiness.
	StickinessCookie = "AWSALBTG"
	// DefaultStickinessSeconds applies when a forward enables stickiness
	// without a duration (the control plane rejects that, so rarely used).
	DefaultStickinessSeconds = 3600
)

// PickWeighted chooses a target group at random in proportion to the
// weights; weight 0 is never chosen. "" when every weight is 0.
func PickWeighted(groups []elbv2.WeightedTargetGroup) string {
	total := 0
	for _, g := range groups {
		if g.Weight > 0 {
			total += int(g.Weight)
		}
	}
	if total == 0 {
		return ""
	}
	n := mrand.IntN(total)
	for _, g := range groups {
		if g.Weight <= 0 {
			continue
		}
		if n < int(g.Weight) {
			return g.TargetGroupARN
		}
		n -= int(g.Weight)
	}
	return "" // unreachable
}

// EncodeStickiness is the AWSALBTG value: opaque to clients, here the
// base64url of "<unix expiry>|<target group ARN>".
func EncodeStickiness(tgARN string, expires time.Time) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(expires.Unix(), 10) + "|" + tgARN))
}

func decodeStickiness(v string) (tgARN string, expires time.Time, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return "", time.Time{}, false
	}
	exp, arn, found := strings.Cut(string(b), "|")
	if !found {
		return "", time.Time{}, false
	}
	n, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return "", time.Time{}, false
	}
	return arn, time.Unix(n, 0), true
}

// StickyGroup returns the group named by a valid, unexpired AWSALBTG cookie
// when that group is still in the forward — at any weight, 0 included.
//
// What AWS documents, and why weight 0 keeps its clients: the group
// stickiness duration is "the time period, in seconds, during which requests
// from a client should be routed to the same target group"
// (TargetGroupStickinessConfig.DurationSeconds, Elastic Load Balancing API
// Reference); the ALB user guide ("Target group stickiness" of forward
// actions) and AWS's prescriptive guidance ("Target group stickiness",
// Choosing a stickiness strategy for your load balancer) describe the weights
// as choosing the group of a client without a valid cookie, and neither
// documents an exception for a group whose weight became 0. The sandbox
// follows that literally — the worst case for a rollback to blue=100
// green=0: a client with a green cookie stays on green until the cookie
// expires, unless group stickiness is turned off (then cookies are ignored)
// or green leaves the forward. What the documentation does name as a reason
// to choose anew (NonStickyRequestCount: no cookie, a cookie naming
// something no longer registered, malformed, expired) is emulated: a group
// not in the forward, a bad or an expired cookie is ignored.
func StickyGroup(r *http.Request, groups []elbv2.WeightedTargetGroup, now time.Time) string {
	for _, c := range r.CookiesNamed(StickinessCookie) {
		arn, exp, ok := decodeStickiness(c.Value)
		if !ok || !now.Before(exp) {
			continue
		}
		for _, g := range groups {
			if g.TargetGroupARN == arn {
				return arn
			}
		}
	}
	return ""
}
