package elbv2

import "strconv"

// WeightedTargetGroup is one target group of a forward action.
type WeightedTargetGroup struct {
	TargetGroupARN string
	Weight         int32 // 0-999; 1 when the client did not send a weight
}

// FixedResponse is a fixed-response action's configuration.
type FixedResponse struct {
	StatusCode  string // "200", "503", ...
	ContentType string // "" when not set
	MessageBody string
}

// Redirect is a redirect action's configuration with AWS's defaults applied
// ("#{protocol}", "#{host}", "#{port}", "/#{path}", "#{query}").
type Redirect struct {
	Protocol, Host, Port, Path, Query string
	StatusCode                        string // HTTP_301 | HTTP_302
}

// ActionSnapshot is a typed copy of one listener or rule action.
type ActionSnapshot struct {
	Type  string // forward | fixed-response | redirect | authenticate-oidc | authenticate-cognito | jwt-validation
	Order int32  // 0 when the client did not send an order

	// forward: the effective target groups (a legacy TargetGroupArn becomes a
	// single group with weight 1) and the target group stickiness settings.
	TargetGroups              []WeightedTargetGroup
	StickinessEnabled         bool
	StickinessDurationSeconds int32 // as sent; 0 when not sent

	FixedResponse *FixedResponse
	Redirect      *Redirect
}

// ListenerSnapshot is a read-only copy of a listener.
type ListenerSnapshot struct {
	ARN             string
	LoadBalancerARN string
	Port            int32 // 0 for Gateway Load Balancer listeners
	Protocol        string
	SslPolicy       string
	Certificates    []string
	DefaultActions  []ActionSnapshot
}

// QueryStringPair is one key/value of a query-string condition (Key "" = any key).
type QueryStringPair struct {
	Key, Value string
}

// ConditionSnapshot is a typed copy of one rule condition.
type ConditionSnapshot struct {
	Field string // host-header | path-pattern | http-header | http-request-method | query-string | source-ip
	// Values: host-header / path-pattern patterns, http-header values,
	// http-request-method methods, source-ip CIDRs.
	Values      []string
	RegexValues []string
	HeaderName  string            // http-header
	QueryString []QueryStringPair // query-string
}

// RuleSnapshot is a read-only copy of a listener rule.
type RuleSnapshot struct {
	ARN         string
	ListenerARN string
	Priority    string // "1".."50000" or "default"
	IsDefault   bool
	Conditions  []ConditionSnapshot
	Actions     []ActionSnapshot
}

// HealthCheckSnapshot is a target group's health check configuration.
type HealthCheckSnapshot struct {
	Enabled            bool
	Protocol           string // HTTP | HTTPS | TCP | "" (Lambda)
	Port               string // "traffic-port" or a port number
	Path               string
	IntervalSeconds    int32
	TimeoutSeconds     int32
	HealthyThreshold   int32
	UnhealthyThreshold int32
	HTTPCode           string // matcher, e.g. "200" or "200-299"
	GRPCCode           string
}

// TargetSnapshot is a registered target with the health DescribeTargetHealth reports.
type TargetSnapshot struct {
	ID               string
	Port             int32 // 0 for Lambda targets
	AvailabilityZone string
	State            string // initial | healthy | unhealthy | unused | draining | unavailable
	Reason           string
	Description      string
}

// TargetGroupSnapshot is a read-only copy of a target group.
type TargetGroupSnapshot struct {
	ARN              string
	Name             string
	Port             int32 // 0 for Lambda target groups
	Protocol         string
	ProtocolVersion  string
	TargetType       string
	VpcID            string
	IPAddressType    string
	HealthCheck      HealthCheckSnapshot
	Attributes       map[string]string
	Targets          []TargetSnapshot
	LoadBalancerARNs []string
}

func snapActions(acts []*action) []ActionSnapshot {
	out := make([]ActionSnapshot, 0, len(acts))
	for _, a := range acts {
		as := ActionSnapshot{Type: a.typ}
		if a.order != nil {
			as.Order = *a.order
		}
		switch a.typ {
		case actForward:
			for _, t := range a.forwardTargets() {
				as.TargetGroups = append(as.TargetGroups, WeightedTargetGroup{TargetGroupARN: t.arn, Weight: *t.weight})
			}
			as.StickinessEnabled, as.StickinessDurationSeconds = a.stickiness()
		case actFixed:
			if a.fixed != nil {
				as.FixedResponse = &FixedResponse{StatusCode: a.fixed.statusCode, ContentType: a.fixed.contentType, MessageBody: a.fixed.messageBody}
			}
		case actRedirect:
			if a.redirect != nil {
				r := a.redirect.withDefaults()
				as.Redirect = &Redirect{Protocol: r.protocol, Host: r.host, Port: r.port, Path: r.path, Query: r.query, StatusCode: r.statusCode}
			}
		}
		out = append(out, as)
	}
	return out
}

func snapListener(l *listener) ListenerSnapshot {
	ls := ListenerSnapshot{
		ARN:             l.arn,
		LoadBalancerARN: l.lbArn,
		Protocol:        l.protocol,
		SslPolicy:       l.sslPolicy,
		Certificates:    append([]string(nil), l.certs...),
		DefaultActions:  snapActions(l.actions),
	}
	if l.port != nil {
		ls.Port = *l.port
	}
	return ls
}

func snapConditions(conds []*condition) []ConditionSnapshot {
	out := make([]ConditionSnapshot, 0, len(conds))
	for _, c := range conds {
		cs := ConditionSnapshot{Field: c.field, RegexValues: append([]string(nil), c.regexValues...)}
		switch c.field {
		case "host-header":
			cs.Values = append([]string(nil), c.effectiveValues()...)
			cs.RegexValues = append(cs.RegexValues, c.hostHeader.regex...)
		case "path-pattern":
			cs.Values = append([]string(nil), c.effectiveValues()...)
			cs.RegexValues = append(cs.RegexValues, c.pathPattern.regex...)
		case "http-header":
			cs.HeaderName = c.headerName
			cs.Values = append([]string(nil), c.headerVals...)
			cs.RegexValues = append(cs.RegexValues, c.headerRegex...)
		case "http-request-method":
			cs.Values = append([]string(nil), c.method.values...)
		case "source-ip":
			cs.Values = append([]string(nil), c.sourceIP.values...)
		case "query-string":
			for _, kv := range c.qs {
				cs.QueryString = append(cs.QueryString, QueryStringPair{Key: kv.key, Value: kv.value})
			}
		}
		out = append(out, cs)
	}
	return out
}

// Listener returns a snapshot of the listener with the given ARN.
func (s *Service) Listener(arn string) (ListenerSnapshot, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.listeners[arn]
	if !ok {
		return ListenerSnapshot{}, false
	}
	return snapListener(l), true
}

// Listeners returns snapshots of all listeners, in creation order.
func (s *Service) Listeners() []ListenerSnapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	ls := s.sortedListeners()
	out := make([]ListenerSnapshot, 0, len(ls))
	for _, l := range ls {
		out = append(out, snapListener(l))
	}
	return out
}

// Rules returns the rules of a listener in evaluation order: ascending
// priority, the default rule last. It returns nil for an unknown listener.
func (s *Service) Rules(listenerARN string) []RuleSnapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.listeners[listenerARN]; !ok {
		return nil
	}
	rs := s.rulesOf(listenerARN)
	out := make([]RuleSnapshot, 0, len(rs))
	for _, r := range rs {
		out = append(out, RuleSnapshot{
			ARN:         r.arn,
			ListenerARN: r.listenerArn,
			Priority:    r.priorityString(),
			IsDefault:   r.isDefault,
			Conditions:  snapConditions(r.conditions),
			Actions:     snapActions(s.ruleActions(r)),
		})
	}
	return out
}

// TargetGroup returns a snapshot of the target group with the given ARN.
func (s *Service) TargetGroup(arn string) (TargetGroupSnapshot, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireDraining()
	tg, ok := s.tgs[arn]
	if !ok {
		return TargetGroupSnapshot{}, false
	}
	ts := TargetGroupSnapshot{
		ARN:             tg.arn,
		Name:            tg.name,
		Protocol:        tg.protocol,
		ProtocolVersion: tg.protocolVersion,
		TargetType:      tg.targetType,
		VpcID:           tg.vpcID,
		IPAddressType:   tg.ipAddressType,
		HealthCheck: HealthCheckSnapshot{
			Enabled: tg.hc.enabled, Protocol: tg.hc.protocol, Port: tg.hc.port, Path: tg.hc.path,
			IntervalSeconds: tg.hc.interval, TimeoutSeconds: tg.hc.timeout,
			HealthyThreshold: tg.hc.healthy, UnhealthyThreshold: tg.hc.unhealthy,
			HTTPCode: tg.hc.httpCode, GRPCCode: tg.hc.grpcCode,
		},
		Attributes:       tg.attrs.toMap(),
		LoadBalancerARNs: s.tgLoadBalancers(tg.arn),
	}
	if tg.port != nil {
		ts.Port = *tg.port
	}
	for _, t := range tg.targets {
		st, rs, ds := s.health(tg, t)
		snap := TargetSnapshot{ID: t.id, AvailabilityZone: t.az, State: st, Reason: rs, Description: ds}
		if t.port != nil {
			snap.Port = *t.port
		}
		if st == "healthy" {
			snap.Reason, snap.Description = "", ""
		}
		ts.Targets = append(ts.Targets, snap)
	}
	return ts, true
}

// HealthCheckPortFor resolves a target's health check port ("traffic-port"
// means the target's own port).
func (t TargetGroupSnapshot) HealthCheckPortFor(target TargetSnapshot) int32 {
	if t.HealthCheck.Port == "" || t.HealthCheck.Port == "traffic-port" {
		return target.Port
	}
	n, _ := strconv.Atoi(t.HealthCheck.Port)
	return int32(n)
}
