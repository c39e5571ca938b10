package alb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// ListenerAPI is the part of the ELBv2 client a listener router uses.
type ListenerAPI interface {
	DescribeListeners(ctx context.Context, params *elbv2.DescribeListenersInput, optFns ...func(*elbv2.Options)) (*elbv2.DescribeListenersOutput, error)
	ModifyListener(ctx context.Context, params *elbv2.ModifyListenerInput, optFns ...func(*elbv2.Options)) (*elbv2.ModifyListenerOutput, error)
}

// RuleAPI is the part of the ELBv2 client a rule router uses.
type RuleAPI interface {
	DescribeRules(ctx context.Context, params *elbv2.DescribeRulesInput, optFns ...func(*elbv2.Options)) (*elbv2.DescribeRulesOutput, error)
	ModifyRule(ctx context.Context, params *elbv2.ModifyRuleInput, optFns ...func(*elbv2.Options)) (*elbv2.ModifyRuleOutput, error)
}

// API is both; *elasticloadbalancingv2.Client satisfies it.
type API interface {
	ListenerAPI
	RuleAPI
}

var _ API = (*elbv2.Client)(nil)

// Stickiness is the target-group stickiness of a forward action (ALB "group
// stickiness"): while enabled, a client keeps going to the group it first
// landed on for Duration.
type Stickiness struct {
	Enabled  bool
	Duration time.Duration
}

// Stickiness duration bounds accepted by ALB (1 s – 7 days, whole seconds).
const (
	MinStickinessDuration = time.Second
	MaxStickinessDuration = 604800 * time.Second
)

// ValidateStickiness checks what SetStickiness would accept: a disabled
// stickiness ignores the duration; an enabled one needs 1–604800 whole seconds.
func ValidateStickiness(s Stickiness) error {
	if !s.Enabled {
		return nil
	}
	if s.Duration < MinStickinessDuration || s.Duration > MaxStickinessDuration {
		return fmt.Errorf("stickiness duration %s out of range: must be between 1s and 168h0m0s (604800 s)", s.Duration)
	}
	if s.Duration%time.Second != 0 {
		return fmt.Errorf("stickiness duration %s must be a whole number of seconds", s.Duration)
	}
	return nil
}

// State is what Describe found on the listener or rule.
type State struct {
	// Weights are the forward weights (see the package doc for the scale).
	Weights traffic.Weights
	// Stickiness is the forward's group stickiness (zero when none is set).
	Stickiness Stickiness
	// SingleGroup is true when the forward names one group only, so Weights
	// were derived by adoption (100/0) rather than read.
	SingleGroup bool
	// ActionTypes lists the action types in order, e.g. [authenticate-oidc forward].
	ActionTypes []string
}

// Router reads and writes the blue/green forward weights of one listener or
// rule. It is safe for concurrent use, though one switch should use one
// router from one goroutine.
type Router struct {
	target      target
	blue, green string

	mu         sync.Mutex
	stickiness *Stickiness    // set by SetStickiness; nil = preserve what is there
	snapshot   []types.Action // from the immediately preceding Read; consumed by Set
	suspended  *Stickiness    // what a restore write turned off (restore.go)
}

// NewListenerRouter manages the default actions of listenerARN.
func NewListenerRouter(api ListenerAPI, listenerARN, blueTG, greenTG string) *Router {
	return &Router{target: &listenerTarget{api: api, arn: listenerARN}, blue: blueTG, green: greenTG}
}

// NewRuleRouter manages the actions of the (non-default) listener rule ruleARN.
func NewRuleRouter(api RuleAPI, ruleARN, blueTG, greenTG string) *Router {
	return &Router{target: &ruleTarget{api: api, arn: ruleARN}, blue: blueTG, green: greenTG}
}

// Kind is "listener" or "rule".
func (r *Router) Kind() string { return r.target.kind() }

// ARN is the listener or rule ARN.
func (r *Router) ARN() string { return r.target.resourceARN() }

// SetStickiness makes every later Set write this group stickiness in the same
// ModifyListener/ModifyRule call as the weights. Until it is called, Set
// preserves whatever stickiness the forward already has.
func (r *Router) SetStickiness(enabled bool, duration time.Duration) error {
	s := Stickiness{Enabled: enabled, Duration: duration}
	if err := ValidateStickiness(s); err != nil {
		return fmt.Errorf("%s %s: %w", r.Kind(), r.ARN(), err)
	}
	if !enabled {
		s.Duration = 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stickiness = &s
	return nil
}

// Read returns the current forward weights.
func (r *Router) Read(ctx context.Context) (traffic.Weights, error) {
	st, err := r.Describe(ctx)
	return st.Weights, err
}

// Describe returns weights, stickiness and the action types. Like Read, it
// leaves a snapshot for the next Set.
func (r *Router) Describe(ctx context.Context) (State, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.snapshot = nil
	actions, err := r.target.describe(ctx)
	if err != nil {
		return State{}, err
	}
	f, err := r.parse(actions)
	if err != nil {
		return State{}, err
	}
	r.snapshot = actions
	return f.state, nil
}

// Set writes weights w, changing only the forward action (see the package doc).
func (r *Router) Set(ctx context.Context, w traffic.Weights) error {
	return r.set(ctx, w, false)
}

// set is Set; restore turns group stickiness off in the same write (see
// SetRestore).
func (r *Router) set(ctx context.Context, w traffic.Weights, restore bool) error {
	if err := ValidateWeights(w); err != nil {
		return fmt.Errorf("modifying %s %s: %w", r.Kind(), r.ARN(), err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	actions := r.snapshot
	r.snapshot = nil
	if actions == nil {
		var err error
		if actions, err = r.target.describe(ctx); err != nil {
			return err
		}
	}
	f, err := r.parse(actions)
	if err != nil {
		return err
	}
	patched := r.patch(actions, f.index, w)
	var unstuck *Stickiness
	if restore {
		unstuck = unstick(patched, f.index)
	}
	err = r.target.modify(ctx, patched)
	if err == nil {
		r.noteUnstuck(unstuck)
		return nil
	}
	// A failed call may still have been applied: the answer was lost (a
	// timeout, a reset connection, the caller's context cancelled while the
	// request was in flight, a 5xx after the change). ModifyListener and
	// ModifyRule replace the whole action list, so the write landed entirely
	// or not at all; read which, so that an error always means "nothing was
	// written" and a landed write is reported as the success it is.
	vctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), verifyAfterErrorTimeout)
	defer cancel()
	now, derr := r.target.describe(vctx)
	if derr != nil {
		return fmt.Errorf("%w (whether the write was applied could not be read back: %v)", err, derr)
	}
	if g, perr := r.parse(now); perr == nil && g.state.Weights == w && !g.state.SingleGroup {
		if unstuck != nil && !g.state.Stickiness.Enabled {
			r.noteUnstuck(unstuck)
		}
		return nil
	}
	return err
}

// verifyAfterErrorTimeout bounds the read that tells whether a write that
// returned an error was applied anyway.
const verifyAfterErrorTimeout = 10 * time.Second

type forward struct {
	index int
	state State
}

// parse finds the one forward action and checks that it is ours.
func (r *Router) parse(actions []types.Action) (forward, error) {
	unsupported := func(problem string, foreign []string) error {
		e := &UnsupportedActionError{
			Kind: r.Kind(), ARN: r.ARN(), Problem: problem,
			ForeignTargetGroups: foreign, Blue: r.blue, Green: r.green,
		}
		for _, a := range actions {
			e.ActionTypes = append(e.ActionTypes, string(a.Type))
		}
		return e
	}
	f := forward{index: -1}
	for i, a := range actions {
		f.state.ActionTypes = append(f.state.ActionTypes, string(a.Type))
		if a.Type == types.ActionTypeEnumForward {
			if f.index >= 0 {
				return forward{}, unsupported("more than one forward action", nil)
			}
			f.index = i
		}
	}
	if f.index < 0 {
		return forward{}, unsupported("no forward action", nil)
	}
	ts, stickiness := ForwardTargets(actions[f.index])
	if len(ts) == 0 {
		return forward{}, unsupported("forward action names no target group", nil)
	}
	w, foreign, twice := ColorWeights(ts, r.blue, r.green)
	if len(foreign) > 0 {
		arns := make([]string, len(foreign))
		for i, t := range foreign {
			arns[i] = t.TargetGroupARN
		}
		err := unsupported("forward action includes target groups other than blue and green", arns)
		if len(ts) > 1 {
			// What blue and green really get, so that a reader can record
			// the truth rather than nothing.
			err.(*UnsupportedActionError).Weights = w
		}
		return forward{}, err
	}
	if twice != "" {
		return forward{}, unsupported("forward action names target group "+twice+" twice", nil)
	}
	f.state.Weights = w
	f.state.SingleGroup = len(ts) == 1
	f.state.Stickiness = stickiness
	return f, nil
}

// patch returns a copy of actions with the forward at index rewritten to w.
// The input (and anything it points to) is not modified.
func (r *Router) patch(actions []types.Action, index int, w traffic.Weights) []types.Action {
	out := make([]types.Action, len(actions))
	for i, a := range actions {
		switch {
		case i == index:
			fc := &types.ForwardActionConfig{
				TargetGroups: []types.TargetGroupTuple{
					{TargetGroupArn: aws.String(r.blue), Weight: aws.Int32(w.Blue)},
					{TargetGroupArn: aws.String(r.green), Weight: aws.Int32(w.Green)},
				},
			}
			if a.ForwardConfig != nil && a.ForwardConfig.TargetGroupStickinessConfig != nil {
				sc := *a.ForwardConfig.TargetGroupStickinessConfig
				fc.TargetGroupStickinessConfig = &sc
			}
			if r.stickiness != nil {
				sc := &types.TargetGroupStickinessConfig{Enabled: aws.Bool(r.stickiness.Enabled)}
				if r.stickiness.Enabled {
					sc.DurationSeconds = aws.Int32(int32(r.stickiness.Duration / time.Second))
				}
				fc.TargetGroupStickinessConfig = sc
			}
			a.ForwardConfig = fc
			a.TargetGroupArn = nil // two groups: ForwardConfig only
		case a.Type == types.ActionTypeEnumAuthenticateOidc && a.AuthenticateOidcConfig != nil &&
			a.AuthenticateOidcConfig.ClientSecret == nil:
			oc := *a.AuthenticateOidcConfig
			oc.UseExistingClientSecret = aws.Bool(true)
			a.AuthenticateOidcConfig = &oc
		}
		out[i] = a
	}
	return out
}

// target abstracts "the action list of a listener" vs "of a rule".
type target interface {
	kind() string
	resourceARN() string
	describe(ctx context.Context) ([]types.Action, error)
	modify(ctx context.Context, actions []types.Action) error
}

type listenerTarget struct {
	api ListenerAPI
	arn string
}

func (t *listenerTarget) kind() string        { return "listener" }
func (t *listenerTarget) resourceARN() string { return t.arn }

func (t *listenerTarget) describe(ctx context.Context) ([]types.Action, error) {
	out, err := t.api.DescribeListeners(ctx, &elbv2.DescribeListenersInput{ListenerArns: []string{t.arn}})
	if err != nil {
		return nil, wrapAPI("describing", t.kind(), t.arn, err, "ListenerNotFound")
	}
	for _, l := range out.Listeners {
		if aws.ToString(l.ListenerArn) == t.arn {
			return l.DefaultActions, nil
		}
	}
	return nil, fmt.Errorf("describing listener %s: %w", t.arn, &NotFoundError{Kind: t.kind(), ARN: t.arn})
}

func (t *listenerTarget) modify(ctx context.Context, actions []types.Action) error {
	_, err := t.api.ModifyListener(ctx, &elbv2.ModifyListenerInput{ListenerArn: aws.String(t.arn), DefaultActions: actions})
	if err != nil {
		return wrapAPI("modifying", t.kind(), t.arn, err, "ListenerNotFound")
	}
	return nil
}

type ruleTarget struct {
	api RuleAPI
	arn string
}

func (t *ruleTarget) kind() string        { return "rule" }
func (t *ruleTarget) resourceARN() string { return t.arn }

func (t *ruleTarget) describe(ctx context.Context) ([]types.Action, error) {
	out, err := t.api.DescribeRules(ctx, &elbv2.DescribeRulesInput{RuleArns: []string{t.arn}})
	if err != nil {
		return nil, wrapAPI("describing", t.kind(), t.arn, err, "RuleNotFound")
	}
	for _, rule := range out.Rules {
		if aws.ToString(rule.RuleArn) != t.arn {
			continue
		}
		if aws.ToBool(rule.IsDefault) {
			return nil, fmt.Errorf("describing rule %s: it is a listener's default rule, which ModifyRule cannot change; use a listener router for the listener's default actions", t.arn)
		}
		return rule.Actions, nil
	}
	return nil, fmt.Errorf("describing rule %s: %w", t.arn, &NotFoundError{Kind: t.kind(), ARN: t.arn})
}

func (t *ruleTarget) modify(ctx context.Context, actions []types.Action) error {
	_, err := t.api.ModifyRule(ctx, &elbv2.ModifyRuleInput{RuleArn: aws.String(t.arn), Actions: actions})
	if err != nil {
		return wrapAPI("modifying", t.kind(), t.arn, err, "RuleNotFound")
	}
	return nil
}

// wrapAPI names the operation and ARN and turns the not-found code into a
// *NotFoundError.
func wrapAPI(op, kind, arn string, err error, notFoundCode string) error {
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == notFoundCode {
		err = &NotFoundError{Kind: kind, ARN: arn, Err: err}
	}
	return fmt.Errorf("%s %s %s: %w", op, kind, arn, err)
}

// LeavingWithTrafficError says a target group that is leaving the switch
// (its ARN was replaced in the configuration) still receives traffic.
type LeavingWithTrafficError struct {
	Kind, ARN, TargetGroup string
	Weight                 int32
}

func (e *LeavingWithTrafficError) Error() string {
	return fmt.Sprintf("%s %s forwards weight %d to target group %s, which is being replaced: move traffic off it first "+
		"(set active_color to the other color and apply), then replace it", e.Kind, e.ARN, e.Weight, e.TargetGroup)
}

// Retarget makes the forward name this router's blue and green groups when
// it still names groups that are leaving the switch (their ARNs replaced in
// the configuration). A leaving group may only be dropped while its weight is
// 0: traffic never moves here, it only moves through a checked shift. The
// weights of blue and green are kept; a group not in the forward yet joins at
// weight 0. It reports whether it wrote.
func (r *Router) Retarget(ctx context.Context, leaving []string) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.snapshot = nil
	actions, err := r.target.describe(ctx)
	if err != nil {
		return false, err
	}
	index := -1
	for i, a := range actions {
		if a.Type == types.ActionTypeEnumForward {
			index = i
			break
		}
	}
	if index < 0 {
		return false, nil // parse reports it on the next Read
	}
	ts, _ := ForwardTargets(actions[index])
	w, others, twice := ColorWeights(ts, r.blue, r.green)
	if len(others) == 0 || twice != "" {
		return false, nil // nothing leaves, or parse reports the forward on the next Read
	}
	for _, t := range others {
		if !slices.Contains(leaving, t.TargetGroupARN) {
			return false, nil // a foreign group: parse reports it on the next Read
		}
	}
	for _, t := range others {
		if t.Weight > 0 {
			return false, &LeavingWithTrafficError{Kind: r.Kind(), ARN: r.ARN(), TargetGroup: t.TargetGroupARN, Weight: t.Weight}
		}
	}
	if err := r.target.modify(ctx, r.patch(actions, index, w)); err != nil {
		return false, err
	}
	return true, nil
}

// MaxWeight is the largest forward weight an ALB accepts.
const MaxWeight = 999

// ValidateWeights checks ALB's range, 0–999 for each weight, and that at least
// one weight is positive (a forward needs somewhere to send requests).
func ValidateWeights(w traffic.Weights) error {
	if w.Blue < 0 || w.Blue > MaxWeight || w.Green < 0 || w.Green > MaxWeight {
		return fmt.Errorf("weights %s out of range: each must be 0–%d", w, MaxWeight)
	}
	if w.Total() == 0 {
		return fmt.Errorf("weights %s: at least one target group needs a positive weight", w)
	}
	return nil
}
