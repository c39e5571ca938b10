package elbv2

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/awserr"
)

const (
	targetTypeInstance = "instance"
	targetTypeIP       = "ip"
	targetTypeLambda   = "lambda"
	targetTypeALB      = "alb"
)

var allProtocols = []string{"HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE", "QUIC", "TCP_QUIC"}

type healthCheck struct {
	enabled   bool
	protocol  string
	port      string
	path      string
	interval  int32
	timeout   int32
	healthy   int32
	unhealthy int32
	httpCode  string
	grpcCode  string
}

type targetGroup struct {
	seq             int64
	arn             string
	name            string
	protocol        string
	protocolVersion string
	port            *int32
	vpcID           string
	targetType      string
	ipAddressType   string
	hc              healthCheck
	attrs           *attrList
	targets         []*target
}

func isHTTPProto(p string) bool { return p == "HTTP" || p == "HTTPS" }

// tgInput is the decoded CreateTargetGroup / ModifyTargetGroup request.
type tgInput struct {
	name, protocol, protocolVersion, vpcID, targetType, ipAddressType string
	port                                                              *int32
	hcProtocol, hcPort, hcPath, httpCode, grpcCode                    *string
	hcEnabled                                                         *bool
	interval, timeout, healthy, unhealthy                             *int32
}

func strp(s string) *string { return &s }
func i32p(n int32) *int32   { return &n }

// decodeHealthCheck reads the health check members shared by Create/ModifyTargetGroup.
func decodeHealthCheck(p params, in *tgInput, c *constraints) {
	if v, ok := p.str("HealthCheckProtocol"); ok {
		c.enum("healthCheckProtocol", v, allProtocols)
		in.hcProtocol = strp(v)
	}
	if v, ok := p.str("HealthCheckPort"); ok {
		in.hcPort = strp(v)
	}
	if v, ok := p.str("HealthCheckPath"); ok {
		if len(v) < 1 {
			c.msgs = append(c.msgs, "Value '' at 'healthCheckPath' failed to satisfy constraint: Member must have length greater than or equal to 1")
		}
		c.maxLen("healthCheckPath", v, 1024)
		in.hcPath = strp(v)
	}
	if v, ok, bad := p.boolField("HealthCheckEnabled"); bad {
		c.notBool("healthCheckEnabled", p.get("HealthCheckEnabled"))
	} else if ok {
		in.hcEnabled = &v
	}
	ints := []struct {
		key, path string
		lo, hi    int64
		dst       **int32
	}{
		{"HealthCheckIntervalSeconds", "healthCheckIntervalSeconds", 5, 300, &in.interval},
		{"HealthCheckTimeoutSeconds", "healthCheckTimeoutSeconds", 2, 120, &in.timeout},
		{"HealthyThresholdCount", "healthyThresholdCount", 2, 10, &in.healthy},
		{"UnhealthyThresholdCount", "unhealthyThresholdCount", 2, 10, &in.unhealthy},
	}
	for _, f := range ints {
		v, ok, bad := p.int32Field(f.key)
		if bad {
			c.notInt(f.path, p.get(f.key))
			continue
		}
		if ok {
			c.rng(f.path, int64(v), f.lo, f.hi)
			*f.dst = i32p(v)
		}
	}
	if v, ok := p.str("Matcher.HttpCode"); ok {
		in.httpCode = strp(v)
	}
	if v, ok := p.str("Matcher.GrpcCode"); ok {
		in.grpcCode = strp(v)
	}
}

func validateTGName(name string) *awserr.Error {
	switch {
	case len(name) > 32:
		return validation("Target group name '%s' cannot be longer than '32' characters", name)
	case !reName.MatchString(name):
		return validation("Target group name '%s' can only contain characters that are alphanumeric characters or hyphens(-)", name)
	case strings.HasPrefix(name, "-") || strings.HasSuffix(name, "-"):
		return validation("Target group name '%s' cannot begin or end with '-'", name)
	}
	return nil
}

// buildTG applies AWS defaults and business validation to a create request.
func buildTG(in *tgInput) (*targetGroup, *awserr.Error) {
	if err := validateTGName(in.name); err != nil {
		return nil, err
	}
	tg := &targetGroup{
		name:       in.name,
		targetType: in.targetType,
		protocol:   in.protocol,
		port:       in.port,
		vpcID:      in.vpcID,
	}
	if tg.targetType == "" {
		tg.targetType = targetTypeInstance
	}
	if tg.targetType == targetTypeLambda {
		if in.protocol != "" {
			return nil, validation("Protocol cannot be specified for target groups with target type 'lambda'")
		}
		if in.port != nil {
			return nil, validation("Port cannot be specified for target groups with target type 'lambda'")
		}
		if in.vpcID != "" {
			return nil, validation("VPC ID cannot be specified for target groups with target type 'lambda'")
		}
		if in.protocolVersion != "" {
			return nil, validation("Protocol version cannot be specified for target groups with target type 'lambda'")
		}
	} else {
		if in.protocol == "" {
			return nil, validation("A protocol must be specified")
		}
		if in.port == nil {
			return nil, validation("A port must be specified")
		}
		if in.vpcID == "" {
			return nil, validation("A VPC ID must be specified")
		}
	}
	if tg.targetType == targetTypeALB && tg.protocol != "TCP" && tg.protocol != "TLS" {
		return nil, validation("Target groups with target type 'alb' support only the 'TCP' and 'TLS' protocols")
	}
	if tg.protocol == "GENEVE" && *tg.port != 6081 {
		return nil, validation("Port '%d' is not valid for the GENEVE protocol; the port must be 6081", *tg.port)
	}
	if in.protocolVersion != "" {
		if !isHTTPProto(tg.protocol) {
			return nil, validation("A protocol version can only be specified for target groups with the 'HTTP' or 'HTTPS' protocol")
		}
		pv := strings.ToUpper(in.protocolVersion)
		if pv != "HTTP1" && pv != "HTTP2" && pv != "GRPC" {
			return nil, validation("Protocol version '%s' must be one of 'GRPC, HTTP1, HTTP2'", in.protocolVersion)
		}
		tg.protocolVersion = pv
	} else if isHTTPProto(tg.protocol) {
		tg.protocolVersion = "HTTP1"
	}
	switch {
	case tg.protocol == "GENEVE":
	case in.ipAddressType != "":
		tg.ipAddressType = in.ipAddressType
	default:
		tg.ipAddressType = "ipv4"
	}

	// Health check defaults (API reference for CreateTargetGroup).
	hc := healthCheck{enabled: true, port: "traffic-port", healthy: 5, unhealthy: 2, interval: 30}
	switch {
	case tg.targetType == targetTypeLambda:
		hc = healthCheck{enabled: false, path: "/", interval: 35, timeout: 30, healthy: 5, unhealthy: 5, httpCode: "200"}
	case tg.targetType == targetTypeALB:
		hc.protocol, hc.path, hc.timeout, hc.httpCode = "HTTP", "/", 6, "200-399"
	case isHTTPProto(tg.protocol):
		hc.protocol, hc.path, hc.timeout, hc.httpCode = tg.protocol, "/", 5, "200"
		if tg.protocolVersion == "GRPC" {
			hc.path, hc.httpCode, hc.grpcCode = "/AWS.ALB/healthcheck", "", "12"
		}
	case tg.protocol == "GENEVE":
		hc.protocol, hc.port, hc.interval, hc.timeout = "TCP", "80", 10, 5
	default: // NLB protocols
		hc.protocol, hc.timeout = "TCP", 10
	}
	tg.hc = hc
	if err := applyHealthCheck(tg, in, true); err != nil {
		return nil, err
	}
	return tg, nil
}

// validCodes checks a matcher string such as "200", "200-299" or "200,202".
func validCodes(s string, lo, hi int) (ok bool, inRange bool) {
	if s == "" {
		return false, false
	}
	inRange = true
	for _, part := range strings.Split(s, ",") {
		a, b, isRange := strings.Cut(part, "-")
		x, err := strconv.Atoi(a)
		if err != nil || len(a) == 0 {
			return false, false
		}
		y := x
		if isRange {
			if y, err = strconv.Atoi(b); err != nil || y < x {
				return false, false
			}
		}
		if x < lo || y > hi {
			inRange = false
		}
	}
	return true, inRange
}

// applyHealthCheck overlays requested health check settings on tg.hc and
// validates the result. creating=true for CreateTargetGroup.
func applyHealthCheck(tg *targetGroup, in *tgInput, creating bool) *awserr.Error {
	hc := tg.hc
	if in.hcProtocol != nil {
		np := *in.hcProtocol
		switch np {
		case "HTTP", "HTTPS", "TCP":
		default:
			return validation("Health check protocol '%s' is not supported", np)
		}
		if np == "TCP" && (isHTTPProto(tg.protocol) || tg.targetType == targetTypeLambda) {
			return validation("Health check protocol 'TCP' is not supported for target groups with the '%s' protocol", tg.protocol)
		}
		if np != hc.protocol {
			switch {
			case np == "TCP":
				hc.path, hc.httpCode, hc.grpcCode = "", "", ""
			case hc.protocol == "TCP" || hc.protocol == "":
				hc.path = "/"
				if isHTTPProto(tg.protocol) {
					hc.httpCode = "200"
				} else {
					hc.httpCode = "200-399"
				}
				if creating && !isHTTPProto(tg.protocol) && tg.protocol != "GENEVE" && in.timeout == nil {
					hc.timeout = 6
				}
			}
		}
		hc.protocol = np
	}
	if in.hcPort != nil {
		pt := *in.hcPort
		if pt != "traffic-port" {
			n, err := strconv.Atoi(pt)
			if err != nil || n < 1 || n > 65535 {
				return validation("Health check port '%s' must be 'traffic-port' or an integer between 1 and 65535", pt)
			}
		}
		hc.port = pt
	}
	if in.hcEnabled != nil {
		if !*in.hcEnabled && tg.targetType != targetTypeLambda {
			return validation("Health checks cannot be disabled for target groups with target type '%s'", tg.targetType)
		}
		hc.enabled = *in.hcEnabled
	}
	if in.hcPath != nil {
		if hc.protocol == "TCP" {
			return validation("A health check path cannot be specified for target groups with a TCP health check protocol")
		}
		if !strings.HasPrefix(*in.hcPath, "/") {
			return validation("Health check path '%s' must begin with '/'", *in.hcPath)
		}
		hc.path = *in.hcPath
	}
	if in.interval != nil {
		hc.interval = *in.interval
	}
	if in.timeout != nil {
		hc.timeout = *in.timeout
	}
	if in.healthy != nil {
		hc.healthy = *in.healthy
	}
	if in.unhealthy != nil {
		hc.unhealthy = *in.unhealthy
	}
	if in.httpCode != nil || in.grpcCode != nil {
		if hc.protocol == "TCP" {
			return validation("A health check matcher cannot be specified for target groups with a TCP health check protocol")
		}
	}
	if in.grpcCode != nil {
		if tg.protocolVersion != "GRPC" {
			return validation("A gRPC matcher code can only be specified for target groups with the 'GRPC' protocol version")
		}
		ok, inRange := validCodes(*in.grpcCode, 0, 99)
		if !ok || !inRange {
			return validation("Health check matcher gRPC code '%s' must be a value, range or comma-separated list of values within '0-99'", *in.grpcCode)
		}
		hc.grpcCode, hc.httpCode = *in.grpcCode, ""
	}
	if in.httpCode != nil {
		if tg.protocolVersion == "GRPC" {
			return validation("An HTTP matcher code cannot be specified for target groups with the 'GRPC' protocol version")
		}
		lo, hi := 200, 499
		switch {
		case tg.protocol == "GENEVE":
			hi = 399
		case !isHTTPProto(tg.protocol) && tg.targetType != targetTypeLambda:
			hi = 599
		}
		ok, inRange := validCodes(*in.httpCode, lo, hi)
		if !ok {
			return validation("Health check matcher HTTP code '%s' is not valid; specify a value (200), a range (200-299) or a comma-separated list (200,202)", *in.httpCode)
		}
		if !inRange {
			return validation("Health check matcher HTTP code '%s' must be within '%d-%d' inclusive", *in.httpCode, lo, hi)
		}
		hc.httpCode = *in.httpCode
	}
	if hc.timeout > 0 && hc.interval > 0 {
		if isHTTPProto(tg.protocol) || tg.targetType == targetTypeLambda {
			if hc.timeout >= hc.interval {
				return validation("Health check interval must be greater than the timeout.")
			}
		} else if hc.timeout > hc.interval {
			return validation("Health check timeout '%d' must be smaller than or equal to the interval '%d'", hc.timeout, hc.interval)
		}
	}
	tg.hc = hc
	return nil
}

func decodeTGCreate(p params) (*tgInput, *awserr.Error) {
	var c constraints
	in := &tgInput{}
	name, ok := p.str("Name")
	if !ok {
		c.null("name")
	}
	in.name = name
	if v, ok := p.str("Protocol"); ok {
		c.enum("protocol", v, allProtocols)
		in.protocol = v
	}
	in.protocolVersion = p.get("ProtocolVersion")
	if v, ok, bad := p.int32Field("Port"); bad {
		c.notInt("port", p.get("Port"))
	} else if ok {
		c.rng("port", int64(v), 1, 65535)
		in.port = i32p(v)
	}
	in.vpcID = p.get("VpcId")
	if v, ok := p.str("TargetType"); ok {
		c.enum("targetType", v, []string{targetTypeInstance, targetTypeIP, targetTypeLambda, targetTypeALB})
		in.targetType = v
	}
	if v, ok := p.str("IpAddressType"); ok {
		c.enum("ipAddressType", v, []string{"ipv4", "ipv6"})
		in.ipAddressType = v
	}
	decodeHealthCheck(p, in, &c)
	return in, c.err()
}

func sameTGSettings(a, b *targetGroup) bool {
	eqp := func(x, y *int32) bool {
		if x == nil || y == nil {
			return x == y
		}
		return *x == *y
	}
	return a.protocol == b.protocol && a.protocolVersion == b.protocolVersion && eqp(a.port, b.port) &&
		a.vpcID == b.vpcID && a.targetType == b.targetType && a.ipAddressType == b.ipAddressType && a.hc == b.hc
}

func (s *Service) createTargetGroup(p params) ([]byte, *awserr.Error) {
	in, err := decodeTGCreate(p)
	if err != nil {
		return nil, err
	}
	tg, err := buildTG(in)
	if err != nil {
		return nil, err
	}
	if tg.vpcID != "" && !s.vpcExists(tg.vpcID) {
		return nil, validation("The VPC ID '%s' is not found", tg.vpcID)
	}
	tags, err := parseTags(p, "Tags", "tags")
	if err != nil {
		return nil, err
	}
	for _, ex := range s.tgs {
		if ex.name != tg.name || !s.inRegion(ex.arn) {
			continue
		}
		if sameTGSettings(ex, tg) {
			var w xw
			w.open("TargetGroups")
			s.writeTG(&w, ex)
			w.close("TargetGroups")
			return w.b.Bytes(), nil
		}
		return nil, errf(codeDuplicateTargetGroupName, "A target group with the same name '%s' exists, but with different settings", tg.name)
	}
	tg.seq = s.nextSeq()
	tg.arn = fmt.Sprintf("%stargetgroup/%s/%s", s.arnPrefix(), tg.name, randHex16())
	tg.attrs = defaultTGAttrs(tg)
	s.tgs[tg.arn] = tg
	if len(tags) > 0 {
		if err := s.applyTags(tg.arn, tags); err != nil {
			delete(s.tgs, tg.arn)
			return nil, err
		}
	}
	var w xw
	w.open("TargetGroups")
	s.writeTG(&w, tg)
	w.close("TargetGroups")
	return w.b.Bytes(), nil
}

func (s *Service) writeTG(w *xw, tg *targetGroup) {
	w.open("member")
	w.str("TargetGroupArn", tg.arn)
	w.str("TargetGroupName", tg.name)
	w.optStr("Protocol", tg.protocol)
	w.optInt32("Port", tg.port)
	w.optStr("VpcId", tg.vpcID)
	w.optStr("HealthCheckProtocol", tg.hc.protocol)
	w.optStr("HealthCheckPort", tg.hc.port)
	w.bool("HealthCheckEnabled", tg.hc.enabled)
	w.int32("HealthCheckIntervalSeconds", tg.hc.interval)
	w.int32("HealthCheckTimeoutSeconds", tg.hc.timeout)
	w.int32("HealthyThresholdCount", tg.hc.healthy)
	w.int32("UnhealthyThresholdCount", tg.hc.unhealthy)
	w.optStr("HealthCheckPath", tg.hc.path)
	if tg.hc.httpCode != "" || tg.hc.grpcCode != "" {
		w.open("Matcher")
		w.optStr("HttpCode", tg.hc.httpCode)
		w.optStr("GrpcCode", tg.hc.grpcCode)
		w.close("Matcher")
	}
	lbs := s.tgLoadBalancers(tg.arn)
	if len(lbs) > 0 {
		w.strMembers("LoadBalancerArns", lbs)
	} else {
		w.empty("LoadBalancerArns")
	}
	w.str("TargetType", tg.targetType)
	w.optStr("ProtocolVersion", tg.protocolVersion)
	w.optStr("IpAddressType", tg.ipAddressType)
	w.close("member")
}

// tgLoadBalancers returns the ARNs of the load balancers whose listeners or
// rules forward to the target group.
func (s *Service) tgLoadBalancers(tgArn string) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range s.sortedListeners() {
		if seen[l.lbArn] {
			continue
		}
		if s.listenerUsesTG(l, tgArn) {
			seen[l.lbArn] = true
			out = append(out, l.lbArn)
		}
	}
	return out
}

func (s *Service) tgInUse(tgArn string) bool { return len(s.tgLoadBalancers(tgArn)) > 0 }

func (s *Service) describeTargetGroups(p params) ([]byte, *awserr.Error) {
	arns := p.strList("TargetGroupArns")
	names := p.strList("Names")
	lbArn, lbSent := p.str("LoadBalancerArn")
	n := 0
	for _, b := range []bool{len(arns) > 0, len(names) > 0, lbSent} {
		if b {
			n++
		}
	}
	if n > 1 {
		return nil, validation("Target group names, target group ARNs, and a load balancer ARN cannot be specified at the same time")
	}
	if len(arns) > 20 || len(names) > 20 {
		return nil, validation("You cannot describe more than '20' target groups at a time")
	}
	var list []*targetGroup
	switch {
	case len(arns) > 0:
		for _, a := range arns {
			if !reTGArn.MatchString(a) {
				return nil, validation("'%s' is not a valid target group ARN", a)
			}
			tg, ok := s.tgs[a]
			if !ok || !s.inRegion(a) {
				return nil, errf(codeTargetGroupNotFound, "One or more target groups not found")
			}
			list = appendUniqueTG(list, tg)
		}
	case len(names) > 0:
		for _, nm := range names {
			var found *targetGroup
			for _, tg := range s.tgs {
				if tg.name == nm && s.inRegion(tg.arn) {
					found = tg
				}
			}
			if found == nil {
				return nil, errf(codeTargetGroupNotFound, "One or more target groups not found")
			}
			list = appendUniqueTG(list, found)
		}
	case lbSent:
		if _, err := s.lookupLB(lbArn); err != nil {
			return nil, err
		}
		for _, tg := range s.tgs {
			for _, a := range s.tgLoadBalancers(tg.arn) {
				if a == lbArn {
					list = append(list, tg)
					break
				}
			}
		}
	default:
		for _, tg := range s.tgs {
			if s.inRegion(tg.arn) {
				list = append(list, tg)
			}
		}
	}
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].name != list[j].name {
			return list[i].name < list[j].name
		}
		return list[i].seq < list[j].seq
	})
	start, end, next, err := page(p, len(list))
	if err != nil {
		return nil, err
	}
	var w xw
	if end > start {
		w.open("TargetGroups")
		for _, tg := range list[start:end] {
			s.writeTG(&w, tg)
		}
		w.close("TargetGroups")
	} else {
		w.empty("TargetGroups")
	}
	w.optStr("NextMarker", next)
	return w.b.Bytes(), nil
}

func appendUniqueTG(list []*targetGroup, tg *targetGroup) []*targetGroup {
	for _, x := range list {
		if x == tg {
			return list
		}
	}
	return append(list, tg)
}

func (s *Service) modifyTargetGroup(p params) ([]byte, *awserr.Error) {
	var c constraints
	arn, ok := p.str("TargetGroupArn")
	if !ok {
		c.null("targetGroupArn")
	}
	in := &tgInput{}
	decodeHealthCheck(p, in, &c)
	if e := c.err(); e != nil {
		return nil, e
	}
	tg, err := s.lookupTG(arn)
	if err != nil {
		return nil, err
	}
	cp := *tg
	if err := applyHealthCheck(&cp, in, false); err != nil {
		return nil, err
	}
	tg.hc = cp.hc
	var w xw
	w.open("TargetGroups")
	s.writeTG(&w, tg)
	w.close("TargetGroups")
	return w.b.Bytes(), nil
}

func (s *Service) deleteTargetGroup(p params) ([]byte, *awserr.Error) {
	arn, ok := p.str("TargetGroupArn")
	if !ok {
		var c constraints
		c.null("targetGroupArn")
		return nil, c.err()
	}
	if !reTGArn.MatchString(arn) {
		return nil, validation("'%s' is not a valid target group ARN", arn)
	}
	if _, ok := s.tgs[arn]; !ok || !s.inRegion(arn) {
		return nil, nil // deleting a missing target group succeeds
	}
	if s.tgReferenced(arn) {
		return nil, errf(codeResourceInUse, "Target group '%s' is currently in use by a listener or a rule", arn)
	}
	if at, ok := s.released[arn]; ok && s.now().Before(at.Add(s.releaseDelay)) {
		// Released a moment ago: AWS still sees it in use for a while.
		return nil, errf(codeResourceInUse, "Target group '%s' is currently in use by a listener or a rule", arn)
	}
	delete(s.released, arn)
	delete(s.tgs, arn)
	delete(s.tags, arn)
	return nil, nil
}

// tgReferenced reports whether any listener default action or rule action
// forwards to the target group.
func (s *Service) tgReferenced(arn string) bool {
	for _, l := range s.listeners {
		if s.listenerUsesTG(l, arn) {
			return true
		}
	}
	return false
}

func (s *Service) describeTargetGroupAttributes(p params) ([]byte, *awserr.Error) {
	arn, ok := p.str("TargetGroupArn")
	if !ok {
		var c constraints
		c.null("targetGroupArn")
		return nil, c.err()
	}
	tg, err := s.lookupTG(arn)
	if err != nil {
		return nil, err
	}
	var w xw
	w.attrs(tg.attrs)
	return w.b.Bytes(), nil
}

func intIn(v string, lo, hi int) bool {
	n, err := strconv.Atoi(v)
	return err == nil && n >= lo && n <= hi
}

func (s *Service) modifyTargetGroupAttributes(p params) ([]byte, *awserr.Error) {
	var c constraints
	arn, ok := p.str("TargetGroupArn")
	if !ok {
		c.null("targetGroupArn")
	}
	if !p.listSent("Attributes") {
		c.null("attributes")
	}
	if e := c.err(); e != nil {
		return nil, e
	}
	tg, err := s.lookupTG(arn)
	if err != nil {
		return nil, err
	}
	next := tg.attrs.clone()
	for _, m := range p.members("Attributes") {
		k, v := m.get("Key"), m.get("Value")
		if _, known := next.get(k); !known {
			return nil, validation("Target group attribute key '%s' is not recognized", k)
		}
		rangeErr := func(lo, hi int) *awserr.Error {
			return validation("'%s' value '%s' must be between '%d-%d' inclusive", k, v, lo, hi)
		}
		switch k {
		case "deregistration_delay.timeout_seconds":
			if !intIn(v, 0, 3600) {
				return nil, rangeErr(0, 3600)
			}
		case "slow_start.duration_seconds":
			if v != "0" && !intIn(v, 30, 900) {
				return nil, rangeErr(30, 900)
			}
		case "stickiness.lb_cookie.duration_seconds", "stickiness.app_cookie.duration_seconds":
			if !intIn(v, 1, 604800) {
				return nil, rangeErr(1, 604800)
			}
		case "target_health_state.unhealthy.draining_interval_seconds":
			if !intIn(v, 0, 360000) {
				return nil, rangeErr(0, 360000)
			}
		case "stickiness.type":
			var allowed []string
			switch {
			case isHTTPProto(tg.protocol):
				allowed = []string{"lb_cookie", "app_cookie"}
			case tg.protocol == "GENEVE":
				allowed = []string{"source_ip_dest_ip", "source_ip_dest_ip_proto"}
			default:
				allowed = []string{"source_ip"}
			}
			okType := false
			for _, a := range allowed {
				okType = okType || a == v
			}
			if !okType {
				return nil, validation("'stickiness.type' value '%s' must be one of [%s]", v, strings.Join(allowed, ", "))
			}
		case "stickiness.app_cookie.cookie_name":
			for _, pre := range []string{"AWSALB", "AWSALBAPP", "AWSALBTG"} {
				if strings.HasPrefix(v, pre) {
					return nil, validation("Application cookie name '%s' cannot start with the reserved prefix '%s'", v, pre)
				}
			}
		case "load_balancing.algorithm.type":
			if v != "round_robin" && v != "least_outstanding_requests" && v != "weighted_random" {
				return nil, validation("'load_balancing.algorithm.type' value '%s' must be one of [round_robin, least_outstanding_requests, weighted_random]", v)
			}
		case "load_balancing.algorithm.anomaly_mitigation":
			if v != "on" && v != "off" {
				return nil, validation("'load_balancing.algorithm.anomaly_mitigation' value '%s' must be one of [on, off]", v)
			}
		case "load_balancing.cross_zone.enabled":
			if v != "true" && v != "false" && v != "use_load_balancer_configuration" {
				return nil, validation("'load_balancing.cross_zone.enabled' value '%s' must be one of [true, false, use_load_balancer_configuration]", v)
			}
		case "target_failover.on_deregistration", "target_failover.on_unhealthy":
			if v != "rebalance" && v != "no_rebalance" {
				return nil, validation("'%s' value '%s' must be one of [rebalance, no_rebalance]", k, v)
			}
		default:
			switch {
			case strings.HasSuffix(k, ".enabled"):
				if v != "true" && v != "false" {
					return nil, validation("'%s' value '%s' must be one of [true, false]", k, v)
				}
			case strings.HasSuffix(k, "minimum_healthy_targets.count"):
				if v != "off" && !intIn(v, 1, 1<<30) {
					return nil, validation("'%s' value '%s' must be 'off' or an integer greater than or equal to 1", k, v)
				}
				if strings.Contains(k, "unhealthy_state_routing") && v == "off" {
					return nil, validation("'%s' value '%s' must be an integer greater than or equal to 1", k, v)
				}
			case strings.HasSuffix(k, "minimum_healthy_targets.percentage"):
				if v != "off" && !intIn(v, 1, 100) {
					return nil, validation("'%s' value '%s' must be 'off' or an integer between 1 and 100", k, v)
				}
			}
		}
		next.set(k, v)
	}
	if enabled, _ := next.get("stickiness.enabled"); enabled == "true" {
		if typ, _ := next.get("stickiness.type"); typ == "app_cookie" {
			if name, _ := next.get("stickiness.app_cookie.cookie_name"); name == "" {
				return nil, errf(codeInvalidConfigurationRequest, "You must set an application cookie name to enable stickiness of type 'app_cookie'")
			}
		}
	}
	if am, _ := next.get("load_balancing.algorithm.anomaly_mitigation"); am == "on" {
		if alg, _ := next.get("load_balancing.algorithm.type"); alg != "weighted_random" {
			return nil, errf(codeInvalidConfigurationRequest, "Anomaly mitigation can only be enabled when the load balancing algorithm is 'weighted_random'")
		}
	}
	tg.attrs = next
	var w xw
	w.attrs(tg.attrs)
	return w.b.Bytes(), nil
}
