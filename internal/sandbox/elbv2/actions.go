package elbv2

import (
	"regexp"
	"sort"
	"strings"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/awserr"
)

const (
	actForward      = "forward"
	actFixed        = "fixed-response"
	actRedirect     = "redirect"
	actOIDC         = "authenticate-oidc"
	actCognito      = "authenticate-cognito"
	actJWT          = "jwt-validation"
	maxForwardTGs   = 5
	maxWeight       = 999
	maxStickSeconds = 604800
)

var actionTypes = []string{actForward, actOIDC, actCognito, actRedirect, actFixed, actJWT}

type tgTuple struct {
	arn    string
	weight *int32
}

type fixedResponse struct {
	statusCode, contentType, messageBody string
	hasContentType, hasBody              bool
}

type redirectCfg struct {
	protocol, port, host, path, query, statusCode string
}

// action is one listener/rule action exactly as the client sent it.
type action struct {
	typ           string
	order         *int32
	tgArn         string
	fwdSent       bool
	fwdTGs        []tgTuple
	stickSent     bool
	stickEnabled  *bool
	stickDuration *int32
	fixed         *fixedResponse
	redirect      *redirectCfg
	raw           params // authenticate-*/jwt-validation: echoed generically
}

// forwardTargets is the effective list of weighted target groups.
func (a *action) forwardTargets() []tgTuple {
	if a.typ != actForward {
		return nil
	}
	if len(a.fwdTGs) > 0 {
		out := make([]tgTuple, len(a.fwdTGs))
		for i, t := range a.fwdTGs {
			w := int32(1)
			if t.weight != nil {
				w = *t.weight
			}
			out[i] = tgTuple{arn: t.arn, weight: i32p(w)}
		}
		return out
	}
	if a.tgArn != "" {
		return []tgTuple{{arn: a.tgArn, weight: i32p(1)}}
	}
	return nil
}

// stickiness returns the target group stickiness settings; duration is 0
// when the client did not send one.
func (a *action) stickiness() (enabled bool, duration int32) {
	enabled = a.stickEnabled != nil && *a.stickEnabled
	if a.stickDuration != nil {
		duration = *a.stickDuration
	}
	return
}

var (
	reStatusCode     = regexp.MustCompile(`^(2|4|5)\d\d$`)
	reRedirectProto  = regexp.MustCompile(`^(HTTPS?|#\{protocol\})$`)
	fixedContentType = []string{"text/plain", "text/css", "text/html", "application/javascript", "application/json"}
)

// parseActions decodes key.member.N actions, recording model violations in c.
func parseActions(p params, key, path string, c *constraints) []*action {
	var out []*action
	for i, m := range p.members(key) {
		mp := memberPath(path, i)
		a := &action{}
		typ, ok := m.str("Type")
		if !ok {
			c.null(mp + ".type")
		} else {
			c.enum(mp+".type", typ, actionTypes)
		}
		a.typ = typ
		if v, ok, bad := m.int32Field("Order"); bad {
			c.notInt(mp+".order", m.get("Order"))
		} else if ok {
			c.rng(mp+".order", int64(v), 1, 50000)
			a.order = i32p(v)
		}
		a.tgArn = m.get("TargetGroupArn")
		if m.has("ForwardConfig") {
			a.fwdSent = true
			fc := m.sub("ForwardConfig")
			for j, t := range fc.members("TargetGroups") {
				tp := memberPath(mp+".forwardConfig.targetGroups", j)
				tu := tgTuple{arn: t.get("TargetGroupArn")}
				if v, ok, bad := t.int32Field("Weight"); bad {
					c.notInt(tp+".weight", t.get("Weight"))
				} else if ok {
					tu.weight = i32p(v)
				}
				a.fwdTGs = append(a.fwdTGs, tu)
			}
			if fc.has("TargetGroupStickinessConfig") {
				a.stickSent = true
				sc := fc.sub("TargetGroupStickinessConfig")
				if v, ok, bad := sc.boolField("Enabled"); bad {
					c.notBool(mp+".forwardConfig.targetGroupStickinessConfig.enabled", sc.get("Enabled"))
				} else if ok {
					a.stickEnabled = &v
				}
				if v, ok, bad := sc.int32Field("DurationSeconds"); bad {
					c.notInt(mp+".forwardConfig.targetGroupStickinessConfig.durationSeconds", sc.get("DurationSeconds"))
				} else if ok {
					a.stickDuration = i32p(v)
				}
			}
		}
		if m.has("FixedResponseConfig") {
			fc := m.sub("FixedResponseConfig")
			f := &fixedResponse{}
			sc, ok := fc.str("StatusCode")
			if !ok {
				c.null(mp + ".fixedResponseConfig.statusCode")
			} else if !reStatusCode.MatchString(sc) {
				c.pattern(mp+".fixedResponseConfig.statusCode", sc, `^(2|4|5)\d\d$`)
			}
			f.statusCode = sc
			f.contentType, f.hasContentType = fc.str("ContentType")
			f.messageBody, f.hasBody = fc.str("MessageBody")
			c.maxLen(mp+".fixedResponseConfig.messageBody", f.messageBody, 1024)
			a.fixed = f
		}
		if m.has("RedirectConfig") {
			rc := m.sub("RedirectConfig")
			r := &redirectCfg{}
			sc, ok := rc.str("StatusCode")
			if !ok {
				c.null(mp + ".redirectConfig.statusCode")
			} else {
				c.enum(mp+".redirectConfig.statusCode", sc, []string{"HTTP_301", "HTTP_302"})
			}
			r.statusCode = sc
			r.protocol, r.port, r.host, r.path, r.query = rc.get("Protocol"), rc.get("Port"), rc.get("Host"), rc.get("Path"), rc.get("Query")
			if r.protocol != "" && !reRedirectProto.MatchString(r.protocol) {
				c.pattern(mp+".redirectConfig.protocol", r.protocol, `^(HTTPS?|#\{protocol\})$`)
			}
			c.maxLen(mp+".redirectConfig.host", r.host, 128)
			c.maxLen(mp+".redirectConfig.path", r.path, 128)
			c.maxLen(mp+".redirectConfig.query", r.query, 128)
			a.redirect = r
		}
		switch typ {
		case actOIDC, actCognito, actJWT:
			a.raw = m
		}
		out = append(out, a)
	}
	return out
}

// lctx is the listener an action list is validated against.
type lctx struct {
	lb       *loadBalancer
	protocol string
}

func isTerminal(t string) bool { return t == actForward || t == actFixed || t == actRedirect }

// compatibleTG reports whether a listener protocol can forward to a target group.
func compatibleTG(lb *loadBalancer, listenerProto string, tg *targetGroup) bool {
	if lb.typ == lbTypeApplication {
		return tg.targetType == targetTypeLambda || isHTTPProto(tg.protocol)
	}
	if tg.targetType == targetTypeLambda {
		return false
	}
	switch listenerProto {
	case "TCP":
		return tg.protocol == "TCP" || tg.protocol == "TCP_UDP"
	case "TLS":
		return tg.protocol == "TCP" || tg.protocol == "TLS"
	case "UDP":
		return tg.protocol == "UDP" || tg.protocol == "TCP_UDP"
	case "", "GENEVE":
		return tg.protocol == "GENEVE"
	}
	return tg.protocol == listenerProto
}

// validateActions applies AWS's business rules to a parsed action list.
// ownLB is the load balancer the actions will belong to.
func (s *Service) validateActions(acts []*action, ctx lctx) *awserr.Error {
	if len(acts) > 1 {
		seen := map[int32]bool{}
		for _, a := range acts {
			if a.order == nil {
				return validation("An action order must be specified for each action when there are multiple actions")
			}
			if seen[*a.order] {
				return validation("Action order '%d' is specified more than once", *a.order)
			}
			seen[*a.order] = true
		}
	}
	terminals := 0
	var last *action
	for _, a := range acts {
		if isTerminal(a.typ) {
			terminals++
		}
		if last == nil || (a.order != nil && last.order != nil && *a.order > *last.order) {
			last = a
		}
	}
	if terminals != 1 {
		return errf(codeInvalidLoadBalancerAction, "Each rule must include exactly one of the following routing actions: forward, fixed-response, or redirect")
	}
	if !isTerminal(last.typ) {
		return errf(codeInvalidLoadBalancerAction, "The '%s' action must be the last action to be performed", terminalOf(acts))
	}
	for _, a := range acts {
		switch a.typ {
		case actForward:
			if err := s.validateForward(a, ctx); err != nil {
				return err
			}
		case actFixed:
			if ctx.lb.typ != lbTypeApplication {
				return errf(codeInvalidLoadBalancerAction, "Action type 'fixed-response' is not supported for load balancers of type '%s'", ctx.lb.typ)
			}
			if a.fixed == nil {
				return validation("A fixed response config must be specified for actions of type 'fixed-response'")
			}
			if a.fixed.hasContentType && !contains(fixedContentType, a.fixed.contentType) {
				return errf(codeInvalidLoadBalancerAction, "The ContentType must be one of:'text/html', 'application/json', 'application/javascript', 'text/css', 'text/plain'")
			}
		case actRedirect:
			if ctx.lb.typ != lbTypeApplication {
				return errf(codeInvalidLoadBalancerAction, "Action type 'redirect' is not supported for load balancers of type '%s'", ctx.lb.typ)
			}
			if a.redirect == nil {
				return validation("A redirect config must be specified for actions of type 'redirect'")
			}
			r := a.redirect.withDefaults()
			if r.protocol == "#{protocol}" && r.host == "#{host}" && r.port == "#{port}" && r.path == "/#{path}" {
				return errf(codeInvalidLoadBalancerAction, "You must modify at least one of the following components to avoid a redirect loop: protocol, hostname, port, or path")
			}
			if ctx.protocol == "HTTPS" && r.protocol == "HTTP" {
				return errf(codeInvalidLoadBalancerAction, "You cannot redirect HTTPS to HTTP")
			}
		case actOIDC, actCognito, actJWT:
			if ctx.protocol != "HTTPS" {
				return errf(codeInvalidLoadBalancerAction, "Action type '%s' is supported only on HTTPS listeners", a.typ)
			}
		}
		if a.typ != actForward && (a.tgArn != "" || a.fwdSent) {
			return validation("A target group can be specified only for actions of type 'forward'")
		}
	}
	return nil
}

func terminalOf(acts []*action) string {
	for _, a := range acts {
		if isTerminal(a.typ) {
			return a.typ
		}
	}
	return ""
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func (r *redirectCfg) withDefaults() redirectCfg {
	out := *r
	if out.protocol == "" {
		out.protocol = "#{protocol}"
	}
	if out.port == "" {
		out.port = "#{port}"
	}
	if out.host == "" {
		out.host = "#{host}"
	}
	if out.path == "" {
		out.path = "/#{path}"
	}
	if out.query == "" {
		out.query = "#{query}"
	}
	return out
}

const weightMsg = "The weight for each target group must be between 0 and 999, inclusive"

func (s *Service) validateForward(a *action, ctx lctx) *awserr.Error {
	if a.tgArn == "" && len(a.fwdTGs) == 0 {
		return validation("A target group ARN must be specified for actions of type 'forward'")
	}
	if a.tgArn != "" && len(a.fwdTGs) > 0 {
		if len(a.fwdTGs) != 1 || a.fwdTGs[0].arn != a.tgArn {
			return validation("If you specify both a target group ARN and a forward config, the forward config can contain only one target group and it must be the same target group")
		}
	}
	if len(a.fwdTGs) > maxForwardTGs {
		return validation("You cannot specify more than '%d' target groups in a forward action", maxForwardTGs)
	}
	seen := map[string]bool{}
	for _, t := range a.fwdTGs {
		if t.arn == "" {
			return validation("A target group ARN must be specified for each target group in a forward config")
		}
		if seen[t.arn] {
			return validation("Target group '%s' is specified more than once in the forward config", t.arn)
		}
		seen[t.arn] = true
		if t.weight == nil && len(a.fwdTGs) > 1 {
			return validation(weightMsg)
		}
		if t.weight != nil && (*t.weight < 0 || *t.weight > maxWeight) {
			return validation(weightMsg)
		}
	}
	if a.stickEnabled != nil && *a.stickEnabled && a.stickDuration == nil {
		return validation("A duration must be specified when target group stickiness is enabled")
	}
	if a.stickDuration != nil && (*a.stickDuration < 1 || *a.stickDuration > maxStickSeconds) {
		return validation("The target group stickiness duration must be between 1 and %d seconds, inclusive", maxStickSeconds)
	}
	if err := nlbForwardStickiness(a, ctx.lb); err != nil {
		return err
	}
	for _, t := range a.forwardTargets() {
		tg, err := s.lookupTG(t.arn)
		if err != nil {
			return err
		}
		if !compatibleTG(ctx.lb, ctx.protocol, tg) {
			return errf(codeIncompatibleProtocols, "The listener and its associated target group '%s' have incompatible protocols", tg.arn)
		}
		for _, other := range s.tgLoadBalancers(tg.arn) {
			if other != ctx.lb.arn {
				return errf(codeTargetGroupAssociationLimit, "The following target groups cannot be associated with more than one load balancer: %s", tg.arn)
			}
		}
		if ctx.lb.vpcID != "" && tg.vpcID != "" && tg.vpcID != ctx.lb.vpcID {
			return errf(codeInvalidConfigurationRequest, "Target group '%s' is in a different VPC than load balancer '%s'", tg.arn, ctx.lb.arn)
		}
	}
	// All target groups of one action must share a VPC too (the LB's VPC is
	// learnt from its first target group).
	vpc := ctx.lb.vpcID
	for _, t := range a.forwardTargets() {
		tg := s.tgs[t.arn]
		if tg.vpcID == "" {
			continue
		}
		if vpc == "" {
			vpc = tg.vpcID
		} else if tg.vpcID != vpc {
			return errf(codeInvalidConfigurationRequest, "Target group '%s' is in a different VPC than load balancer '%s'", tg.arn, ctx.lb.arn)
		}
	}
	return nil
}

// adoptVPC records the VPC of the first target group a load balancer forwards
// to as the load balancer's VPC (the sandbox has no EC2 subnets to read it from).
func (s *Service) adoptVPC(lb *loadBalancer, acts []*action) {
	if lb.vpcID != "" {
		return
	}
	for _, a := range acts {
		for _, t := range a.forwardTargets() {
			if tg := s.tgs[t.arn]; tg != nil && tg.vpcID != "" {
				lb.vpcID = tg.vpcID
				return
			}
		}
	}
}

func actionsUseTG(acts []*action, arn string) bool {
	for _, a := range acts {
		for _, t := range a.forwardTargets() {
			if t.arn == arn {
				return true
			}
		}
	}
	return false
}

// sameActions compares two action lists by their rendered form.
func sameActions(a, b []*action) bool {
	var x, y xw
	writeActions(&x, "A", a)
	writeActions(&y, "A", b)
	return x.b.String() == y.b.String()
}

// writeActions renders an action list the way DescribeListeners/DescribeRules do.
func writeActions(w *xw, name string, acts []*action) {
	if len(acts) == 0 {
		w.empty(name)
		return
	}
	w.open(name)
	for _, a := range acts {
		w.open("member")
		w.str("Type", a.typ)
		switch a.typ {
		case actForward:
			tgs := a.forwardTargets()
			if a.tgArn != "" || len(tgs) == 1 {
				w.str("TargetGroupArn", tgs[0].arn)
			}
			w.open("ForwardConfig")
			w.open("TargetGroups")
			for _, t := range tgs {
				w.open("member")
				w.str("TargetGroupArn", t.arn)
				w.int32("Weight", *t.weight)
				w.close("member")
			}
			w.close("TargetGroups")
			w.open("TargetGroupStickinessConfig")
			en, _ := a.stickiness()
			w.bool("Enabled", en)
			w.optInt32("DurationSeconds", a.stickDuration)
			w.close("TargetGroupStickinessConfig")
			w.close("ForwardConfig")
		case actFixed:
			if f := a.fixed; f != nil {
				w.open("FixedResponseConfig")
				if f.hasBody {
					w.str("MessageBody", f.messageBody)
				}
				w.str("StatusCode", f.statusCode)
				if f.hasContentType {
					w.str("ContentType", f.contentType)
				}
				w.close("FixedResponseConfig")
			}
		case actRedirect:
			if a.redirect != nil {
				r := a.redirect.withDefaults()
				w.open("RedirectConfig")
				w.str("Protocol", r.protocol)
				w.str("Port", r.port)
				w.str("Host", r.host)
				w.str("Path", r.path)
				w.str("Query", r.query)
				w.str("StatusCode", r.statusCode)
				w.close("RedirectConfig")
			}
		default:
			skip := map[string]bool{"Type": true, "Order": true, "TargetGroupArn": true}
			for k := range a.raw.values() {
				if strings.HasSuffix(k, "ClientSecret") {
					skip[k] = true // AWS never returns client secrets
				}
			}
			w.rawTree(a.raw.values(), skip)
		}
		w.optInt32("Order", a.order)
		w.close("member")
	}
	w.close(name)
}

// ---- conditions ------------------------------------------------------------

type strCfg struct {
	values, regex []string
	sent          bool
}

type kvPair struct {
	key      string
	hasKey   bool
	value    string
	hasValue bool
}

type condition struct {
	field       string
	values      []string
	valuesSent  bool
	regexValues []string
	hostHeader  strCfg
	pathPattern strCfg
	method      strCfg
	sourceIP    strCfg
	headerSent  bool
	headerName  string
	headerVals  []string
	headerRegex []string
	qsSent      bool
	qs          []kvPair
}

var conditionFields = []string{"http-header", "http-request-method", "host-header", "path-pattern", "query-string", "source-ip"}

func parseStrCfg(m params, key string) strCfg {
	if !m.has(key) {
		return strCfg{}
	}
	sc := m.sub(key)
	return strCfg{sent: true, values: sc.strList("Values"), regex: sc.strList("RegexValues")}
}

func parseConditions(p params, key string) []*condition {
	var out []*condition
	for _, m := range p.members(key) {
		c := &condition{field: m.get("Field")}
		c.valuesSent = m.has("Values")
		c.values = m.strList("Values")
		c.regexValues = m.strList("RegexValues")
		c.hostHeader = parseStrCfg(m, "HostHeaderConfig")
		c.pathPattern = parseStrCfg(m, "PathPatternConfig")
		c.method = parseStrCfg(m, "HttpRequestMethodConfig")
		c.sourceIP = parseStrCfg(m, "SourceIpConfig")
		if m.has("HttpHeaderConfig") {
			h := m.sub("HttpHeaderConfig")
			c.headerSent = true
			c.headerName = h.get("HttpHeaderName")
			c.headerVals = h.strList("Values")
			c.headerRegex = h.strList("RegexValues")
		}
		if m.has("QueryStringConfig") {
			c.qsSent = true
			for _, kv := range m.sub("QueryStringConfig").members("Values") {
				var pr kvPair
				pr.key, pr.hasKey = kv.str("Key")
				pr.value, pr.hasValue = kv.str("Value")
				c.qs = append(c.qs, pr)
			}
		}
		out = append(out, c)
	}
	return out
}

var reMethod = regexp.MustCompile(`^[A-Z_-]+$`)

// effectiveValues returns the values a host-header/path-pattern condition matches.
func (c *condition) effectiveValues() []string {
	switch c.field {
	case "host-header":
		if c.hostHeader.sent {
			return c.hostHeader.values
		}
	case "path-pattern":
		if c.pathPattern.sent {
			return c.pathPattern.values
		}
	}
	return c.values
}

func validateConditions(conds []*condition) *awserr.Error {
	singular := map[string]bool{}
	total := 0
	for _, c := range conds {
		if c.field == "" {
			return validation("A condition field must be specified")
		}
		if !contains(conditionFields, c.field) {
			return validation("Condition field '%s' must be one of '[%s]'", c.field, strings.Join(conditionFields, ", "))
		}
		switch c.field {
		case "host-header", "path-pattern", "http-request-method", "source-ip":
			if singular[c.field] {
				return validation("A rule can only have one '%s' condition", c.field)
			}
			singular[c.field] = true
		}
		if c.valuesSent && c.field != "host-header" && c.field != "path-pattern" {
			return validation("The 'Values' field is not compatible with '%s'", c.field)
		}
		cfgName := map[string]bool{
			"HostHeaderConfig": c.hostHeader.sent, "PathPatternConfig": c.pathPattern.sent,
			"HttpRequestMethodConfig": c.method.sent, "SourceIpConfig": c.sourceIP.sent,
			"HttpHeaderConfig": c.headerSent, "QueryStringConfig": c.qsSent,
		}
		own := map[string]string{
			"host-header": "HostHeaderConfig", "path-pattern": "PathPatternConfig", "http-request-method": "HttpRequestMethodConfig",
			"source-ip": "SourceIpConfig", "http-header": "HttpHeaderConfig", "query-string": "QueryStringConfig",
		}[c.field]
		names := make([]string, 0, len(cfgName))
		for n := range cfgName {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if cfgName[n] && n != own {
				return validation("The '%s' field is not compatible with '%s'", n, c.field)
			}
		}
		switch c.field {
		case "host-header", "path-pattern":
			cfg := c.hostHeader
			if c.field == "path-pattern" {
				cfg = c.pathPattern
			}
			if c.valuesSent && cfg.sent {
				return validation("You cannot provide both Values and '%s' for a condition of type '%s'", own, c.field)
			}
			vals := c.effectiveValues()
			if c.valuesSent && len(c.values) > 1 {
				return validation("The '%s' field contains too many values; the limit is '1'", c.field)
			}
			if len(vals)+len(cfg.regex)+len(c.regexValues) == 0 {
				return validation("A condition value must be specified")
			}
			for _, v := range append(append([]string{}, vals...), cfg.regex...) {
				if len(v) > 128 {
					return validation("The '%s' value is too long; the limit is '128'", c.field)
				}
				if v == "" {
					return validation("A condition value must be specified")
				}
			}
			total += len(vals) + len(cfg.regex)
		case "http-header":
			if !c.headerSent {
				return validation("A 'HttpHeaderConfig' must be specified with 'http-header'")
			}
			if c.headerName == "" {
				return validation("A 'HttpHeaderName' must be specified with 'http-header'")
			}
			if len(c.headerName) > 40 {
				return validation("The 'HttpHeaderName' value is too long; the limit is '40'")
			}
			if strings.EqualFold(c.headerName, "host") {
				return validation("You cannot use an 'http-header' condition for the host header; use a 'host-header' condition instead")
			}
			if len(c.headerVals)+len(c.headerRegex) == 0 {
				return validation("A condition value must be specified")
			}
			for _, v := range c.headerVals {
				if len(v) > 128 {
					return validation("The 'http-header' value is too long; the limit is '128'")
				}
			}
			total += len(c.headerVals) + len(c.headerRegex)
		case "http-request-method":
			if !c.method.sent {
				return validation("A 'HttpRequestMethodConfig' must be specified with 'http-request-method'")
			}
			if len(c.method.values) == 0 {
				return validation("A condition value must be specified")
			}
			for _, v := range c.method.values {
				if len(v) > 40 {
					return validation("The 'http-request-method' value is too long; the limit is '40'")
				}
				if !reMethod.MatchString(v) {
					return validation("The 'http-request-method' value is invalid; the allowed characters are A-Z, hyphen and underscore")
				}
			}
			total += len(c.method.values)
		case "query-string":
			if !c.qsSent {
				return validation("A 'QueryStringConfig' must be specified with 'query-string'")
			}
			if len(c.qs) == 0 {
				return validation("A condition value must be specified")
			}
			for _, kv := range c.qs {
				if !kv.hasValue || kv.value == "" {
					return validation("A 'Value' must be specified in 'QueryStringKeyValuePair'")
				}
				if len(kv.key) > 128 {
					return validation("The 'Key' value is too long; the limit is '128'")
				}
				if len(kv.value) > 128 {
					return validation("The 'Value' value is too long; the limit is '128'")
				}
			}
			total += len(c.qs)
		case "source-ip":
			if !c.sourceIP.sent {
				return validation("A 'SourceIpConfig' must be specified with 'source-ip'")
			}
			if len(c.sourceIP.values) == 0 {
				return validation("A 'source-ip' value must be specified")
			}
			for _, v := range c.sourceIP.values {
				if !validCIDR(v) {
					return validation("The 'source-ip' value '%s' is not a valid CIDR block", v)
				}
			}
			total += len(c.sourceIP.values)
		}
	}
	if total > 5 {
		return validation("A rule can have at most '5' condition values")
	}
	return nil
}

func writeConditions(w *xw, conds []*condition) {
	if len(conds) == 0 {
		w.empty("Conditions")
		return
	}
	w.open("Conditions")
	for _, c := range conds {
		w.open("member")
		w.str("Field", c.field)
		switch c.field {
		case "host-header", "path-pattern":
			vals := c.effectiveValues()
			if len(vals) > 0 {
				w.strMembers("Values", vals)
			}
			cfg, name := c.hostHeader, "HostHeaderConfig"
			if c.field == "path-pattern" {
				cfg, name = c.pathPattern, "PathPatternConfig"
			}
			w.open(name)
			if len(vals) > 0 {
				w.strMembers("Values", vals)
			}
			if len(cfg.regex) > 0 {
				w.strMembers("RegexValues", cfg.regex)
			}
			w.close(name)
		case "http-header":
			w.open("HttpHeaderConfig")
			w.str("HttpHeaderName", c.headerName)
			if len(c.headerVals) > 0 {
				w.strMembers("Values", c.headerVals)
			}
			if len(c.headerRegex) > 0 {
				w.strMembers("RegexValues", c.headerRegex)
			}
			w.close("HttpHeaderConfig")
		case "http-request-method":
			w.open("HttpRequestMethodConfig")
			w.strMembers("Values", c.method.values)
			w.close("HttpRequestMethodConfig")
		case "query-string":
			w.open("QueryStringConfig")
			w.open("Values")
			for _, kv := range c.qs {
				w.open("member")
				if kv.hasKey {
					w.str("Key", kv.key)
				}
				w.str("Value", kv.value)
				w.close("member")
			}
			w.close("Values")
			w.close("QueryStringConfig")
		case "source-ip":
			w.open("SourceIpConfig")
			w.strMembers("Values", c.sourceIP.values)
			w.close("SourceIpConfig")
		}
		if len(c.regexValues) > 0 {
			w.strMembers("RegexValues", c.regexValues)
		}
		w.close("member")
	}
	w.close("Conditions")
}
