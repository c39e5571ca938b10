package elbv2

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/awserr"
)

type target struct {
	id         string
	port       *int32 // nil for Lambda targets
	az         string
	explicit   bool // health set through SetTargetHealth
	state      string
	reason     string
	desc       string
	drainUntil time.Time // non-zero while draining after DeregisterTargets

	// checked* is the state found by the sandbox data plane's health checks
	// (SetCheckedHealth); "" when it has not checked the target.
	checkedState, checkedReason, checkedDesc string
}

var reasonDescriptions = map[string]string{
	"Elb.RegistrationInProgress":      "Target registration is in progress",
	"Elb.InitialHealthChecking":       "Initial health checks in progress",
	"Target.ResponseCodeMismatch":     "Health checks failed",
	"Target.Timeout":                  "Request timed out",
	"Target.FailedHealthChecks":       "Health checks failed",
	"Target.NotRegistered":            "Target is not registered to the target group",
	"Target.NotInUse":                 "Target group is not configured to receive traffic from the load balancer",
	"Target.DeregistrationInProgress": "Target deregistration is in progress",
	"Target.InvalidState":             "Target is in the stopped state",
	"Target.IpUnusable":               "The target IP address is reserved for use by a load balancer",
	"Target.HealthCheckDisabled":      "Health checks are disabled",
	"Elb.InternalError":               "Target health is unavailable due to an internal error",
}

var healthStates = map[string]bool{
	"initial": true, "healthy": true, "unhealthy": true, "unhealthy.draining": true,
	"unused": true, "draining": true, "unavailable": true,
}

// health returns the state DescribeTargetHealth reports for t.
func (s *Service) health(tg *targetGroup, t *target) (state, reason, desc string) {
	switch {
	case !t.drainUntil.IsZero():
		return "draining", "Target.DeregistrationInProgress", reasonDescriptions["Target.DeregistrationInProgress"]
	case t.explicit:
		return t.state, t.reason, t.desc
	case !s.tgInUse(tg.arn):
		return "unused", "Target.NotInUse", reasonDescriptions["Target.NotInUse"]
	case t.checkedState != "":
		return t.checkedState, t.checkedReason, t.checkedDesc
	case !tg.hc.enabled:
		return "unavailable", "Target.HealthCheckDisabled", reasonDescriptions["Target.HealthCheckDisabled"]
	}
	return "initial", "Elb.RegistrationInProgress", reasonDescriptions["Elb.RegistrationInProgress"]
}

// expireDraining drops deregistered targets whose deregistration delay elapsed.
func (s *Service) expireDraining() {
	now := s.now()
	for _, tg := range s.tgs {
		kept := tg.targets[:0]
		for _, t := range tg.targets {
			if !t.drainUntil.IsZero() && !now.Before(t.drainUntil) {
				continue
			}
			kept = append(kept, t)
		}
		tg.targets = kept
	}
}

type targetReq struct {
	id   string
	port *int32
	az   string
}

func decodeTargets(p params, c *constraints) []targetReq {
	var out []targetReq
	for i, m := range p.members("Targets") {
		var tr targetReq
		id, ok := m.str("Id")
		if !ok {
			c.null(memberPath("targets", i) + ".id")
		}
		tr.id = id
		if v, ok, bad := m.int32Field("Port"); bad {
			c.notInt(memberPath("targets", i)+".port", m.get("Port"))
		} else if ok {
			c.rng(memberPath("targets", i)+".port", int64(v), 1, 65535)
			tr.port = i32p(v)
		}
		tr.az = m.get("AvailabilityZone")
		out = append(out, tr)
	}
	return out
}

func samePort(a, b *int32) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func (tg *targetGroup) effectivePort(p *int32) *int32 {
	if tg.targetType == targetTypeLambda {
		return nil
	}
	if p != nil {
		return p
	}
	return tg.port
}

func (tg *targetGroup) find(id string, port *int32) *target {
	for _, t := range tg.targets {
		if t.id == id && samePort(t.port, port) {
			return t
		}
	}
	return nil
}

// targetsRequest validates the parameters RegisterTargets and
// DeregisterTargets share (TargetGroupArn, Targets) and finds the group.
func (s *Service) targetsRequest(p params) (*targetGroup, []targetReq, *awserr.Error) {
	var c constraints
	arn, ok := p.str("TargetGroupArn")
	if !ok {
		c.null("targetGroupArn")
	}
	if !p.listSent("Targets") {
		c.null("targets")
	}
	reqs := decodeTargets(p, &c)
	if e := c.err(); e != nil {
		return nil, nil, e
	}
	tg, err := s.lookupTG(arn)
	if err != nil {
		return nil, nil, err
	}
	return tg, reqs, nil
}

func (s *Service) registerTargets(p params) ([]byte, *awserr.Error) {
	tg, reqs, err := s.targetsRequest(p)
	if err != nil {
		return nil, err
	}
	for _, r := range reqs {
		switch tg.targetType {
		case targetTypeLambda:
			if r.port != nil {
				return nil, validation("A port cannot be specified for targets of target groups with target type 'lambda'")
			}
		case targetTypeIP:
			ip := net.ParseIP(r.id)
			if ip == nil {
				return nil, validation("The IP address '%s' is not a valid IPv4 address", r.id)
			}
			if (ip.To4() == nil) != (tg.ipAddressType == "ipv6") {
				return nil, validation("The IP address '%s' does not match the IP address type '%s' of the target group", r.id, tg.ipAddressType)
			}
			if !targetIPAllowed(ip) {
				return nil, errf(codeInvalidTarget, "The IP address '%s' is not in a range allowed for targets: use an address of the target group's VPC or of 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 (RFC 1918) or 100.64.0.0/10 (RFC 6598); publicly routable addresses cannot be targets", r.id)
			}
		}
	}
	ids := map[string]bool{}
	for _, t := range tg.targets {
		ids[t.id+"/"+portKey(t.port)] = true
	}
	for _, r := range reqs {
		ids[r.id+"/"+portKey(tg.effectivePort(r.port))] = true
	}
	if len(ids) > maxTargetsPerGroup && tg.targetType != targetTypeLambda {
		return nil, errf(codeTooManyTargets, "You have reached the limit of %d targets per target group", maxTargetsPerGroup)
	}
	if tg.targetType == targetTypeLambda {
		ids := map[string]bool{}
		for _, t := range tg.targets {
			ids[t.id] = true
		}
		for _, r := range reqs {
			ids[r.id] = true
		}
		if len(ids) > 1 {
			return nil, errf(codeTooManyTargets, "You can register only one Lambda function with a target group")
		}
	}
	for _, r := range reqs {
		port := tg.effectivePort(r.port)
		if t := tg.find(r.id, port); t != nil {
			if !t.drainUntil.IsZero() { // re-registering a draining target
				t.drainUntil = time.Time{}
				t.explicit = false
			}
			continue
		}
		tg.targets = append(tg.targets, &target{id: r.id, port: port, az: r.az})
	}
	return nil, nil
}

func (s *Service) deregisterTargets(p params) ([]byte, *awserr.Error) {
	tg, reqs, err := s.targetsRequest(p)
	if err != nil {
		return nil, err
	}
	delay := 0
	if v, ok := tg.attrs.get("deregistration_delay.timeout_seconds"); ok {
		delay, _ = strconv.Atoi(v)
	}
	inUse := s.tgInUse(tg.arn)
	now := s.now()
	for _, r := range reqs {
		t := tg.find(r.id, tg.effectivePort(r.port))
		if t == nil || !t.drainUntil.IsZero() {
			continue // unknown targets: the call succeeds
		}
		if inUse && delay > 0 && tg.targetType != targetTypeLambda {
			t.drainUntil = now.Add(time.Duration(delay) * time.Second)
			continue
		}
		s.dropTarget(tg, t)
	}
	return nil, nil
}

func (s *Service) dropTarget(tg *targetGroup, t *target) {
	for i, x := range tg.targets {
		if x == t {
			tg.targets = append(tg.targets[:i], tg.targets[i+1:]...)
			return
		}
	}
}

func (s *Service) describeTargetHealth(p params) ([]byte, *awserr.Error) {
	var c constraints
	arn, ok := p.str("TargetGroupArn")
	if !ok {
		c.null("targetGroupArn")
	}
	reqs := decodeTargets(p, &c)
	if e := c.err(); e != nil {
		return nil, e
	}
	tg, err := s.lookupTG(arn)
	if err != nil {
		return nil, err
	}
	var w xw
	n := 0
	write := func(id string, port *int32, az, state, reason, desc string) {
		if n == 0 {
			w.open("TargetHealthDescriptions")
		}
		n++
		w.open("member")
		w.open("Target")
		w.str("Id", id)
		w.optInt32("Port", port)
		w.optStr("AvailabilityZone", az)
		w.close("Target")
		if tg.targetType != targetTypeLambda {
			hcPort := tg.hc.port
			if hcPort == "traffic-port" && port != nil {
				hcPort = strconv.Itoa(int(*port))
			}
			w.optStr("HealthCheckPort", hcPort)
		}
		w.open("TargetHealth")
		w.str("State", state)
		if state != "healthy" {
			w.optStr("Reason", reason)
			w.optStr("Description", desc)
		}
		w.close("TargetHealth")
		w.close("member")
	}
	if len(reqs) == 0 {
		for _, t := range tg.targets {
			st, rs, ds := s.health(tg, t)
			write(t.id, t.port, t.az, st, rs, ds)
		}
	} else {
		for _, r := range reqs {
			matched := false
			for _, t := range tg.targets {
				if t.id != r.id || (r.port != nil && !samePort(t.port, tg.effectivePort(r.port))) {
					continue
				}
				matched = true
				st, rs, ds := s.health(tg, t)
				write(t.id, t.port, t.az, st, rs, ds)
			}
			if !matched {
				write(r.id, tg.effectivePort(r.port), r.az, "unused", "Target.NotRegistered", reasonDescriptions["Target.NotRegistered"])
			}
		}
	}
	if n == 0 {
		w.empty("TargetHealthDescriptions")
	} else {
		w.close("TargetHealthDescriptions")
	}
	return w.b.Bytes(), nil
}

// SetTargetHealth (admin, for tests and the data plane) sets the health that
// DescribeTargetHealth reports for a registered target. port 0 selects the
// target's registered port (the first registration of targetID when it is
// registered on several ports). An empty description is filled with the text
// AWS uses for the reason. A draining target keeps reporting "draining".
func (s *Service) SetTargetHealth(targetGroupARN, targetID string, port int32, state, reason, description string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireDraining()
	tg, ok := s.tgs[targetGroupARN]
	if !ok {
		return fmt.Errorf("elbv2: target group %q not found", targetGroupARN)
	}
	if !healthStates[state] {
		return fmt.Errorf("elbv2: invalid target health state %q", state)
	}
	if reason != "" {
		if _, known := reasonDescriptions[reason]; !known {
			return fmt.Errorf("elbv2: invalid target health reason %q", reason)
		}
	}
	var t *target
	for _, x := range tg.targets {
		if x.id == targetID && (port == 0 || (x.port != nil && *x.port == port)) {
			t = x
			break
		}
	}
	if t == nil {
		return fmt.Errorf("elbv2: target %q (port %d) is not registered with %q", targetID, port, targetGroupARN)
	}
	if state == "healthy" {
		reason, description = "", ""
	} else if description == "" {
		description = reasonDescriptions[reason]
	}
	t.explicit, t.state, t.reason, t.desc = true, state, reason, description
	return nil
}

// maxTargetsPerGroup is the documented quota "Targets per target group per
// Region (instances or IP addresses)": 1,000.
const maxTargetsPerGroup = 1000

func portKey(p *int32) string {
	if p == nil {
		return ""
	}
	return fmt.Sprint(*p)
}

// allowedTargetNets are where ip targets may come from besides the VPC's own
// subnets ("You can't specify publicly routable IP addresses": RFC 1918 and
// RFC 6598), plus loopback, which the sandbox allows because its data plane
// reaches only loopback targets (AWS would refuse 127.0.0.0/8).
var allowedTargetNets = func() []*net.IPNet {
	var out []*net.IPNet
	for _, c := range []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8"} {
		_, n, _ := net.ParseCIDR(c)
		out = append(out, n)
	}
	return out
}()

// targetIPAllowed: IPv4 targets must be private (see allowedTargetNets); IPv6
// targets are not checked (the sandbox knows no VPC IPv6 CIDR).
func targetIPAllowed(ip net.IP) bool {
	v4 := ip.To4()
	if v4 == nil {
		return true
	}
	for _, n := range allowedTargetNets {
		if n.Contains(v4) {
			return true
		}
	}
	return false
}
