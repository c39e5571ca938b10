package elbv2

import (
	"fmt"
	"strings"
)

// Hooks for the sandbox data plane (package sandbox): change notification,
// bulk snapshots, and health state found by real health checks.

// SetOnChange registers fn to be called after every successful operation
// that may change state (any action not starting with "Describe"), with the
// action name. fn runs after the service's lock is released, in the caller's
// goroutine, before ServeQuery returns: the data plane uses it to open a
// listener's port before CreateListener answers. nil removes the hook.
func (s *Service) SetOnChange(fn func(action string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onChange = fn
}

func mutating(action string) bool { return !strings.HasPrefix(action, "Describe") }

// TargetGroups returns snapshots of all target groups, in creation order.
func (s *Service) TargetGroups() []TargetGroupSnapshot {
	s.mu.Lock()
	tgs := make([]*targetGroup, 0, len(s.tgs))
	for _, tg := range s.tgs {
		tgs = append(tgs, tg)
	}
	s.mu.Unlock()
	sortBySeq(tgs, func(tg *targetGroup) int64 { return tg.seq })
	out := make([]TargetGroupSnapshot, 0, len(tgs))
	for _, tg := range tgs {
		if snap, ok := s.TargetGroup(tg.arn); ok {
			out = append(out, snap)
		}
	}
	return out
}

// SetCheckedHealth records the state the data plane's health checks found
// for a registered target (port 0: any port). It is what DescribeTargetHealth
// reports while the group is used by a load balancer, unless the target is
// draining or its health was pinned with SetTargetHealth. state "" forgets
// the checked state. An empty description is filled with AWS's text for the
// reason. Unknown groups and targets are ignored (they may have just been
// deleted); invalid states and reasons are errors.
func (s *Service) SetCheckedHealth(targetGroupARN, targetID string, port int32, state, reason, description string) error {
	if state != "" && !healthStates[state] {
		return fmt.Errorf("elbv2: invalid target health state %q", state)
	}
	if reason != "" {
		if _, known := reasonDescriptions[reason]; !known {
			return fmt.Errorf("elbv2: invalid target health reason %q", reason)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tg, ok := s.tgs[targetGroupARN]
	if !ok {
		return nil
	}
	switch {
	case state == "" || state == "healthy":
		reason, description = "", ""
	case description == "":
		description = reasonDescriptions[reason]
	}
	for _, t := range tg.targets {
		if t.id == targetID && (port == 0 || (t.port != nil && *t.port == port)) {
			t.checkedState, t.checkedReason, t.checkedDesc = state, reason, description
		}
	}
	return nil
}

// ResetCheckedHealth forgets the checked state of every target of a group
// (the data plane calls it when it stops checking the group).
func (s *Service) ResetCheckedHealth(targetGroupARN string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if tg, ok := s.tgs[targetGroupARN]; ok {
		for _, t := range tg.targets {
			t.checkedState, t.checkedReason, t.checkedDesc = "", "", ""
		}
	}
}

// ClearTargetHealth removes a health pin set with SetTargetHealth (port 0:
// the target on any port), so the target reports its computed state again
// (the checked state while the data plane checks it). It returns an error
// for an unknown group or an unregistered target.
func (s *Service) ClearTargetHealth(targetGroupARN, targetID string, port int32) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireDraining()
	tg, ok := s.tgs[targetGroupARN]
	if !ok {
		return fmt.Errorf("elbv2: target group %q not found", targetGroupARN)
	}
	found := false
	for _, t := range tg.targets {
		if t.id == targetID && (port == 0 || (t.port != nil && *t.port == port)) {
			t.explicit, t.state, t.reason, t.desc = false, "", "", ""
			found = true
		}
	}
	if !found {
		return fmt.Errorf("elbv2: target %q (port %d) is not registered with %q", targetID, port, targetGroupARN)
	}
	return nil
}
