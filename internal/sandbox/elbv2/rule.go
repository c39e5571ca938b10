package elbv2

import (
	"sort"
	"strconv"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/awserr"
)

const maxRulesPerLB = 100

type rule struct {
	seq         int64
	arn         string
	listenerArn string
	priority    int32 // 0 for the default rule
	isDefault   bool
	conditions  []*condition
	actions     []*action // nil for the default rule: it reports its listener's default actions
	transforms  params
}

func sortRules(rs []*rule) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.isDefault != b.isDefault {
			return !a.isDefault
		}
		if a.priority != b.priority {
			return a.priority < b.priority
		}
		return a.seq < b.seq
	})
}

func (s *Service) ruleActions(r *rule) []*action {
	if r.isDefault {
		if l := s.listeners[r.listenerArn]; l != nil {
			return l.actions
		}
		return nil
	}
	return r.actions
}

func (r *rule) priorityString() string {
	if r.isDefault {
		return "default"
	}
	return strconv.Itoa(int(r.priority))
}

func (s *Service) writeRule(w *xw, r *rule) {
	w.open("member")
	w.str("RuleArn", r.arn)
	w.str("Priority", r.priorityString())
	writeConditions(w, r.conditions)
	writeActions(w, "Actions", s.ruleActions(r))
	w.bool("IsDefault", r.isDefault)
	if len(r.transforms.v) > 0 {
		w.open("Transforms")
		w.rawTree(r.transforms.values(), nil)
		w.close("Transforms")
	}
	w.close("member")
}

func (s *Service) writeRules(rs []*rule) []byte {
	var w xw
	if len(rs) == 0 {
		w.empty("Rules")
		return w.b.Bytes()
	}
	w.open("Rules")
	for _, r := range rs {
		s.writeRule(&w, r)
	}
	w.close("Rules")
	return w.b.Bytes()
}

func (s *Service) nonDefaultRulesOfLB(lbArn string) int {
	n := 0
	for _, r := range s.rules {
		if r.isDefault {
			continue
		}
		if l := s.listeners[r.listenerArn]; l != nil && l.lbArn == lbArn {
			n++
		}
	}
	return n
}

func (s *Service) priorityInUse(listenerArn string, prio int32, except map[string]bool) bool {
	for _, r := range s.rules {
		if r.listenerArn == listenerArn && !r.isDefault && r.priority == prio && !except[r.arn] {
			return true
		}
	}
	return false
}

func (s *Service) createRule(p params) ([]byte, *awserr.Error) {
	var c constraints
	lArn, ok := p.str("ListenerArn")
	if !ok {
		c.null("listenerArn")
	}
	var prio int32
	if v, ok, bad := p.int32Field("Priority"); bad {
		c.notInt("priority", p.get("Priority"))
	} else if !ok {
		c.null("priority")
	} else {
		c.rng("priority", int64(v), 1, 50000)
		prio = v
	}
	if !p.has("Actions") {
		c.null("actions")
	}
	if !p.has("Conditions") {
		c.null("conditions")
	}
	acts := parseActions(p, "Actions", "actions", &c)
	if e := c.err(); e != nil {
		return nil, e
	}
	conds := parseConditions(p, "Conditions")
	l, err := s.lookupListener(lArn)
	if err != nil {
		return nil, err
	}
	lb := s.lbs[l.lbArn]
	if err := rulesSupported(lb); err != nil {
		return nil, err
	}
	if s.priorityInUse(l.arn, prio, nil) {
		return nil, errf(codePriorityInUse, "Priority '%d' is currently in use", prio)
	}
	if len(conds) == 0 {
		return nil, validation("A rule must have at least one condition")
	}
	if err := validateConditions(conds); err != nil {
		return nil, err
	}
	if len(acts) == 0 {
		return nil, validation("A rule must have at least one action")
	}
	if err := s.validateActions(acts, lctx{lb: lb, protocol: l.protocol}); err != nil {
		return nil, err
	}
	tags, err := parseTags(p, "Tags", "tags")
	if err != nil {
		return nil, err
	}
	if s.nonDefaultRulesOfLB(lb.arn) >= maxRulesPerLB {
		return nil, errf(codeTooManyRules, "You've reached the limit on the number of rules per load balancer")
	}
	r := &rule{
		seq:         s.nextSeq(),
		arn:         s.ruleArnFor(l),
		listenerArn: l.arn,
		priority:    prio,
		conditions:  conds,
		actions:     acts,
	}
	if p.has("Transforms") {
		r.transforms = p.sub("Transforms")
	}
	s.adoptVPC(lb, acts)
	s.rules[r.arn] = r
	if len(tags) > 0 {
		if err := s.applyTags(r.arn, tags); err != nil {
			delete(s.rules, r.arn)
			return nil, err
		}
	}
	return s.writeRules([]*rule{r}), nil
}

func (s *Service) describeRules(p params) ([]byte, *awserr.Error) {
	arns := p.strList("RuleArns")
	lArn, lSent := p.str("ListenerArn")
	if len(arns) == 0 && !lSent {
		return nil, validation("You must specify either listener rule ARNs or a listener ARN")
	}
	if len(arns) > 0 && lSent {
		return nil, validation("Listener rule ARNs and a listener ARN cannot be specified at the same time")
	}
	var list []*rule
	if lSent {
		if !reListenerArn.MatchString(lArn) {
			return nil, validation("'%s' is not a valid listener ARN", lArn)
		}
		if _, ok := s.listeners[lArn]; !ok || !s.inRegion(lArn) {
			return nil, errf(codeListenerNotFound, "One or more listeners not found")
		}
		list = s.rulesOf(lArn)
	} else {
		seen := map[string]bool{}
		for _, a := range arns {
			r, err := s.lookupRule(a)
			if err != nil {
				return nil, err
			}
			if !seen[a] {
				seen[a] = true
				list = append(list, r)
			}
		}
		sortRules(list)
	}
	start, end, next, err := page(p, len(list))
	if err != nil {
		return nil, err
	}
	out := s.writeRules(list[start:end])
	if next != "" {
		var w xw
		w.str("NextMarker", next)
		out = append(out, w.b.Bytes()...)
	}
	return out, nil
}

func (s *Service) modifyRule(p params) ([]byte, *awserr.Error) {
	var c constraints
	arn, ok := p.str("RuleArn")
	if !ok {
		c.null("ruleArn")
	}
	acts := parseActions(p, "Actions", "actions", &c)
	if e := c.err(); e != nil {
		return nil, e
	}
	conds := parseConditions(p, "Conditions")
	r, err := s.lookupRule(arn)
	if err != nil {
		return nil, err
	}
	if r.isDefault {
		return nil, errf(codeOperationNotPermitted, "Default rule '%s' cannot be modified", arn)
	}
	resetTransforms, _, bad := p.boolField("ResetTransforms")
	if bad {
		c.notBool("resetTransforms", p.get("ResetTransforms"))
		return nil, c.err()
	}
	if resetTransforms && p.has("Transforms") {
		return nil, validation("You cannot specify both 'Transforms' and 'ResetTransforms'")
	}
	l := s.listeners[r.listenerArn]
	lb := s.lbs[l.lbArn]
	if len(conds) > 0 {
		if err := validateConditions(conds); err != nil {
			return nil, err
		}
	}
	if len(acts) > 0 {
		if err := s.validateActions(acts, lctx{lb: lb, protocol: l.protocol}); err != nil {
			return nil, err
		}
	}
	if len(conds) > 0 {
		r.conditions = conds
	}
	if len(acts) > 0 {
		r.actions = acts
		s.adoptVPC(lb, acts)
	}
	switch {
	case resetTransforms:
		r.transforms = params{}
	case p.has("Transforms"):
		r.transforms = p.sub("Transforms")
	}
	return s.writeRules([]*rule{r}), nil
}

func (s *Service) deleteRule(p params) ([]byte, *awserr.Error) {
	arn, ok := p.str("RuleArn")
	if !ok {
		var c constraints
		c.null("ruleArn")
		return nil, c.err()
	}
	r, err := s.lookupRule(arn)
	if err != nil {
		return nil, err
	}
	if r.isDefault {
		return nil, errf(codeOperationNotPermitted, "Default rule '%s' cannot be deleted", arn)
	}
	delete(s.rules, arn)
	delete(s.tags, arn)
	return nil, nil
}

func (s *Service) setRulePriorities(p params) ([]byte, *awserr.Error) {
	var c constraints
	if !p.has("RulePriorities") {
		c.null("rulePriorities")
	}
	type pair struct {
		arn  string
		prio int32
	}
	var pairs []pair
	for i, m := range p.members("RulePriorities") {
		mp := memberPath("rulePriorities", i)
		arn, ok := m.str("RuleArn")
		if !ok {
			c.null(mp + ".ruleArn")
		}
		v, ok, bad := m.int32Field("Priority")
		switch {
		case bad:
			c.notInt(mp+".priority", m.get("Priority"))
		case !ok:
			c.null(mp + ".priority")
		default:
			c.rng(mp+".priority", int64(v), 1, 50000)
		}
		pairs = append(pairs, pair{arn, v})
	}
	if e := c.err(); e != nil {
		return nil, e
	}
	changing := map[string]bool{}
	seenPrio := map[string]map[int32]bool{} // per listener
	var rs []*rule
	for _, pr := range pairs {
		r, err := s.lookupRule(pr.arn)
		if err != nil {
			return nil, err
		}
		if r.isDefault {
			return nil, errf(codeOperationNotPermitted, "Default rule '%s' cannot be modified", pr.arn)
		}
		if changing[pr.arn] {
			return nil, validation("Rule '%s' was provided multiple times", pr.arn)
		}
		changing[pr.arn] = true
		if seenPrio[r.listenerArn] == nil {
			seenPrio[r.listenerArn] = map[int32]bool{}
		}
		if seenPrio[r.listenerArn][pr.prio] {
			return nil, validation("Priority '%d' was provided multiple times", pr.prio)
		}
		seenPrio[r.listenerArn][pr.prio] = true
		rs = append(rs, r)
	}
	for i, pr := range pairs {
		if s.priorityInUse(rs[i].listenerArn, pr.prio, changing) {
			return nil, errf(codePriorityInUse, "Priority '%d' is currently in use", pr.prio)
		}
	}
	for i, pr := range pairs {
		rs[i].priority = pr.prio
	}
	return s.writeRules(rs), nil
}
