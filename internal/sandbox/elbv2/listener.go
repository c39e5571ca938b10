package elbv2

import (
	"fmt"
	"net"
	"strings"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/awserr"
)

const (
	maxListenersPerLB = 50
	defaultSSLPolicy  = "ELBSecurityPolicy-2016-08"
)

type listener struct {
	seq            int64
	arn            string
	id             string
	lbArn          string
	port           *int32
	protocol       string
	sslPolicy      string
	certs          []string
	alpn           []string
	actions        []*action
	defaultRuleArn string
	mutualAuth     params // echoed as sent (HTTPS listeners)
}

func validCIDR(v string) bool {
	_, _, err := net.ParseCIDR(v)
	return err == nil
}

func (s *Service) sortedListeners() []*listener {
	out := make([]*listener, 0, len(s.listeners))
	for _, l := range s.listeners {
		out = append(out, l)
	}
	sortBySeq(out, func(l *listener) int64 { return l.seq })
	return out
}

func (s *Service) listenersOf(lbArn string) []*listener {
	var out []*listener
	for _, l := range s.sortedListeners() {
		if l.lbArn == lbArn {
			out = append(out, l)
		}
	}
	return out
}

func (s *Service) rulesOf(listenerArn string) []*rule {
	var out []*rule
	for _, r := range s.rules {
		if r.listenerArn == listenerArn {
			out = append(out, r)
		}
	}
	sortRules(out)
	return out
}

func (s *Service) listenerUsesTG(l *listener, tgArn string) bool {
	if actionsUseTG(l.actions, tgArn) {
		return true
	}
	for _, r := range s.rules {
		if r.listenerArn == l.arn && !r.isDefault && actionsUseTG(r.actions, tgArn) {
			return true
		}
	}
	return false
}

func (s *Service) removeListener(l *listener) {
	for _, r := range s.rulesOf(l.arn) {
		delete(s.rules, r.arn)
		delete(s.tags, r.arn)
	}
	delete(s.listeners, l.arn)
	delete(s.tags, l.arn)
}

func protocolsFor(lbType string) []string {
	switch lbType {
	case lbTypeApplication:
		return []string{"HTTPS", "HTTP"}
	case lbTypeNetwork:
		return []string{"TLS", "TCP", "TCP_UDP", "UDP", "QUIC", "TCP_QUIC"}
	}
	return nil
}

func needsCert(proto string) bool { return proto == "HTTPS" || proto == "TLS" }

// listenerSpec is the decoded CreateListener/ModifyListener request.
type listenerSpec struct {
	port        *int32
	protocol    string
	sslPolicy   string
	certs       []string
	certsSent   bool
	alpn        []string
	alpnSent    bool
	actions     []*action
	actionsSent bool
	mutualAuth  params
	mutualSent  bool
}

func decodeListenerSpec(p params, c *constraints) *listenerSpec {
	ls := &listenerSpec{}
	if v, ok, bad := p.int32Field("Port"); bad {
		c.notInt("port", p.get("Port"))
	} else if ok {
		c.rng("port", int64(v), 1, 65535)
		ls.port = i32p(v)
	}
	if v, ok := p.str("Protocol"); ok {
		c.enum("protocol", v, allProtocols)
		ls.protocol = v
	}
	ls.sslPolicy = p.get("SslPolicy")
	if p.has("Certificates") {
		ls.certsSent = true
		for i, m := range p.members("Certificates") {
			arn, ok := m.str("CertificateArn")
			if !ok {
				c.null(memberPath("certificates", i) + ".certificateArn")
			}
			ls.certs = append(ls.certs, arn)
		}
	}
	if p.has("AlpnPolicy") {
		ls.alpnSent = true
		ls.alpn = p.strList("AlpnPolicy")
	}
	if p.has("DefaultActions") {
		ls.actionsSent = true
		ls.actions = parseActions(p, "DefaultActions", "defaultActions", c)
	}
	if p.has("MutualAuthentication") {
		ls.mutualSent = true
		ls.mutualAuth = p.sub("MutualAuthentication")
	}
	return ls
}

// checkTLS validates certificate / security policy settings for a protocol.
func checkTLS(proto string, certs []string, sslPolicy string, alpn []string) *awserr.Error {
	if needsCert(proto) {
		if len(certs) == 0 {
			return validation("A certificate must be specified for %s listeners", proto)
		}
		if len(certs) > 1 {
			return validation("You must provide exactly one certificate for %s listeners", proto)
		}
		if sslPolicy != "" && !strings.HasPrefix(sslPolicy, "ELBSecurityPolicy-") {
			return errf("SSLPolicyNotFound", "SSL policy '%s' not found", sslPolicy)
		}
	}
	if len(alpn) > 0 {
		if proto != "TLS" {
			return validation("An ALPN policy can only be specified for TLS listeners")
		}
		if len(alpn) > 1 || !contains([]string{"HTTP1Only", "HTTP2Only", "HTTP2Optional", "HTTP2Preferred", "None"}, alpn[0]) {
			return errf("ALPNPolicyNotFound", "ALPN policy '%s' not found", strings.Join(alpn, ","))
		}
	}
	return nil
}

func (s *Service) createListener(p params) ([]byte, *awserr.Error) {
	var c constraints
	lbArn, ok := p.str("LoadBalancerArn")
	if !ok {
		c.null("loadBalancerArn")
	}
	if !p.has("DefaultActions") {
		c.null("defaultActions")
	}
	spec := decodeListenerSpec(p, &c)
	if e := c.err(); e != nil {
		return nil, e
	}
	lb, err := s.lookupLB(lbArn)
	if err != nil {
		return nil, err
	}
	if lb.typ == lbTypeGateway {
		if spec.port != nil {
			return nil, validation("A port cannot be specified for gateway listeners")
		}
		if spec.protocol != "" {
			return nil, validation("A protocol cannot be specified for gateway listeners")
		}
	} else {
		if spec.port == nil {
			return nil, validation("A listener port must be specified")
		}
		if spec.protocol == "" {
			return nil, validation("A listener protocol must be specified")
		}
		allowed := protocolsFor(lb.typ)
		if !contains(allowed, spec.protocol) {
			return nil, validation("Listener protocol '%s' must be one of '%s'", spec.protocol, strings.Join(allowed, ", "))
		}
	}
	if len(spec.actions) == 0 {
		return nil, validation("A default action must be specified")
	}
	if err := checkTLS(spec.protocol, spec.certs, spec.sslPolicy, spec.alpn); err != nil {
		return nil, err
	}
	tags, err := parseTags(p, "Tags", "tags")
	if err != nil {
		return nil, err
	}
	ssl := ""
	if needsCert(spec.protocol) {
		ssl = spec.sslPolicy
		if ssl == "" {
			ssl = defaultSSLPolicy
		}
	}
	// Same port: identical settings return the existing listener (idempotent).
	for _, l := range s.listenersOf(lb.arn) {
		if !samePort(l.port, spec.port) {
			continue
		}
		if l.protocol == spec.protocol && l.sslPolicy == ssl && sameSet(l.certs, spec.certs) && sameActions(l.actions, spec.actions) {
			var w xw
			w.open("Listeners")
			s.writeListener(&w, l)
			w.close("Listeners")
			return w.b.Bytes(), nil
		}
		return nil, errf(codeDuplicateListener, "A listener already exists on this port for this load balancer '%s'", lb.arn)
	}
	if len(s.listenersOf(lb.arn)) >= maxListenersPerLB {
		return nil, errf(codeTooManyListeners, "You've reached the limit on the number of listeners per load balancer")
	}
	if err := s.validateActions(spec.actions, lctx{lb: lb, protocol: spec.protocol}); err != nil {
		return nil, err
	}

	l := &listener{
		seq:       s.nextSeq(),
		id:        randHex16(),
		lbArn:     lb.arn,
		port:      spec.port,
		protocol:  spec.protocol,
		sslPolicy: ssl,
		certs:     spec.certs,
		alpn:      spec.alpn,
		actions:   spec.actions,
	}
	if spec.mutualSent {
		l.mutualAuth = spec.mutualAuth
	}
	l.arn = fmt.Sprintf("%slistener/%s/%s/%s/%s", s.arnPrefix(), lb.arnKind(), lb.name, lb.id, l.id)
	def := &rule{
		seq:         s.nextSeq(),
		listenerArn: l.arn,
		isDefault:   true,
	}
	def.arn = s.ruleArnFor(l)
	l.defaultRuleArn = def.arn
	s.adoptVPC(lb, spec.actions)
	s.listeners[l.arn] = l
	s.rules[def.arn] = def
	if len(tags) > 0 {
		if err := s.applyTags(l.arn, tags); err != nil {
			s.removeListener(l)
			return nil, err
		}
	}
	var w xw
	w.open("Listeners")
	s.writeListener(&w, l)
	w.close("Listeners")
	return w.b.Bytes(), nil
}

func (s *Service) ruleArnFor(l *listener) string {
	lb := s.lbs[l.lbArn]
	return fmt.Sprintf("%slistener-rule/%s/%s/%s/%s/%s", s.arnPrefix(), lb.arnKind(), lb.name, lb.id, l.id, randHex16())
}

func (s *Service) writeListener(w *xw, l *listener) {
	w.open("member")
	w.str("ListenerArn", l.arn)
	w.str("LoadBalancerArn", l.lbArn)
	w.optInt32("Port", l.port)
	w.optStr("Protocol", l.protocol)
	if len(l.certs) > 0 {
		w.open("Certificates")
		for _, c := range l.certs {
			w.open("member")
			w.str("CertificateArn", c)
			w.close("member")
		}
		w.close("Certificates")
	}
	w.optStr("SslPolicy", l.sslPolicy)
	writeActions(w, "DefaultActions", l.actions)
	if len(l.alpn) > 0 {
		w.strMembers("AlpnPolicy", l.alpn)
	}
	if len(l.mutualAuth.v) > 0 {
		w.open("MutualAuthentication")
		w.rawTree(l.mutualAuth.values(), nil)
		w.close("MutualAuthentication")
	}
	w.close("member")
}

func (s *Service) describeListeners(p params) ([]byte, *awserr.Error) {
	arns := p.strList("ListenerArns")
	lbArn, lbSent := p.str("LoadBalancerArn")
	if len(arns) == 0 && !lbSent {
		return nil, validation("You must specify either listener ARNs or a load balancer ARN")
	}
	if len(arns) > 0 && lbSent {
		return nil, validation("Listener ARNs and a load balancer ARN cannot be specified at the same time")
	}
	var list []*listener
	if lbSent {
		if !reLBArn.MatchString(lbArn) {
			return nil, validation("'%s' is not a valid load balancer ARN", lbArn)
		}
		if _, ok := s.lbs[lbArn]; !ok || !s.inRegion(lbArn) {
			return nil, errf(codeLoadBalancerNotFound, "One or more load balancers not found")
		}
		list = s.listenersOf(lbArn)
	} else {
		want := map[string]bool{}
		for _, a := range arns {
			if !reListenerArn.MatchString(a) {
				return nil, validation("'%s' is not a valid listener ARN", a)
			}
			if _, ok := s.listeners[a]; !ok || !s.inRegion(a) {
				return nil, errf(codeListenerNotFound, "One or more listeners not found")
			}
			want[a] = true
		}
		for _, l := range s.sortedListeners() {
			if want[l.arn] {
				list = append(list, l)
			}
		}
	}
	start, end, next, err := page(p, len(list))
	if err != nil {
		return nil, err
	}
	var w xw
	if end > start {
		w.open("Listeners")
		for _, l := range list[start:end] {
			s.writeListener(&w, l)
		}
		w.close("Listeners")
	} else {
		w.empty("Listeners")
	}
	w.optStr("NextMarker", next)
	return w.b.Bytes(), nil
}

func (s *Service) modifyListener(p params) ([]byte, *awserr.Error) {
	var c constraints
	arn, ok := p.str("ListenerArn")
	if !ok {
		c.null("listenerArn")
	}
	spec := decodeListenerSpec(p, &c)
	if e := c.err(); e != nil {
		return nil, e
	}
	l, err := s.lookupListener(arn)
	if err != nil {
		return nil, err
	}
	lb := s.lbs[l.lbArn]
	next := *l
	if spec.port != nil {
		if lb.typ == lbTypeGateway {
			return nil, validation("A port cannot be specified for gateway listeners")
		}
		for _, o := range s.listenersOf(lb.arn) {
			if o.arn != l.arn && samePort(o.port, spec.port) {
				return nil, validation("Listener port '%d' is already in use", *spec.port)
			}
		}
		next.port = spec.port
	}
	if spec.protocol != "" {
		if lb.typ == lbTypeGateway {
			return nil, validation("A protocol cannot be specified for gateway listeners")
		}
		allowed := protocolsFor(lb.typ)
		if !contains(allowed, spec.protocol) {
			return nil, validation("Listener protocol '%s' must be one of '%s'", spec.protocol, strings.Join(allowed, ", "))
		}
		next.protocol = spec.protocol
	}
	if spec.certsSent {
		next.certs = spec.certs
	}
	if spec.sslPolicy != "" {
		next.sslPolicy = spec.sslPolicy
	}
	if spec.alpnSent {
		next.alpn = spec.alpn
	}
	if spec.mutualSent {
		next.mutualAuth = spec.mutualAuth
	}
	if needsCert(next.protocol) {
		if next.sslPolicy == "" {
			next.sslPolicy = defaultSSLPolicy
		}
	} else {
		// Changing HTTPS->HTTP or TLS->TCP removes the policy and certificates.
		next.sslPolicy, next.certs = "", nil
	}
	if err := checkTLS(next.protocol, next.certs, next.sslPolicy, next.alpn); err != nil {
		return nil, err
	}
	if spec.actionsSent && len(spec.actions) > 0 {
		next.actions = spec.actions
	}
	if spec.actionsSent || spec.protocol != "" {
		if err := s.validateActions(next.actions, lctx{lb: lb, protocol: next.protocol}); err != nil {
			return nil, err
		}
	}
	s.adoptVPC(lb, next.actions)
	*l = next
	var w xw
	w.open("Listeners")
	s.writeListener(&w, l)
	w.close("Listeners")
	return w.b.Bytes(), nil
}

func (s *Service) deleteListener(p params) ([]byte, *awserr.Error) {
	arn, ok := p.str("ListenerArn")
	if !ok {
		var c constraints
		c.null("listenerArn")
		return nil, c.err()
	}
	l, err := s.lookupListener(arn)
	if err != nil {
		return nil, err
	}
	s.removeListener(l)
	return nil, nil
}
