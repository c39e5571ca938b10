package route53

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// MaxWeight is the largest weight Route 53 accepts on a weighted record set.
const MaxWeight = 255

// AliasTTL is the TTL Route 53 answers for an alias record to an AWS
// resource (a load balancer, CloudFront): 60 seconds. Settle holds it after
// INSYNC for alias records, which have no TTL of their own.
const AliasTTL = 60 * time.Second

// DefaultPollInterval is how often Settle asks GetChange whether a change is
// INSYNC. Route 53 changes usually take tens of seconds (AWS: within 60 s).
const DefaultPollInterval = 5 * time.Second

// API is the part of the Route 53 client the router uses;
// *route53.Client satisfies it.
type API interface {
	ListResourceRecordSets(ctx context.Context, params *r53.ListResourceRecordSetsInput, optFns ...func(*r53.Options)) (*r53.ListResourceRecordSetsOutput, error)
	ChangeResourceRecordSets(ctx context.Context, params *r53.ChangeResourceRecordSetsInput, optFns ...func(*r53.Options)) (*r53.ChangeResourceRecordSetsOutput, error)
	GetChange(ctx context.Context, params *r53.GetChangeInput, optFns ...func(*r53.Options)) (*r53.GetChangeOutput, error)
}

var _ API = (*r53.Client)(nil)

// Config names the switch point: two weighted record sets of one name and
// type in one hosted zone, told apart by their set identifiers.
type Config struct {
	// ZoneID is the hosted zone ("Z…"; a "/hostedzone/" prefix is accepted).
	ZoneID string
	// Name is the record name; case and the trailing dot do not matter.
	Name string
	// Type is the record type; default A.
	Type types.RRType
	// BlueSetIdentifier and GreenSetIdentifier name each color's record set.
	BlueSetIdentifier, GreenSetIdentifier string
	// Clock is what Settle waits on; default clock.Real.
	Clock clock.Clock
	// PollInterval is Settle's GetChange cadence; default DefaultPollInterval.
	PollInterval time.Duration
}

// Router reads and writes the weights of the blue and green weighted record
// sets. Set writes both in one ChangeResourceRecordSets batch, which Route 53
// applies atomically; Settle waits for the change to be INSYNC and then holds
// one TTL so that resolvers' cached answers have expired.
type Router struct {
	api API
	cfg Config

	mu      sync.Mutex
	pending *pendingChange // the last Set's change, until Settle sees it through
}

type pendingChange struct {
	id  string
	ttl time.Duration
}

// New returns a router for cfg. It does not call AWS.
func New(api API, cfg Config) (*Router, error) {
	cfg.ZoneID = strings.TrimPrefix(strings.TrimSpace(cfg.ZoneID), "/hostedzone/")
	cfg.Name = CanonicalName(cfg.Name)
	if cfg.Type == "" {
		cfg.Type = types.RRTypeA
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	switch {
	case cfg.ZoneID == "":
		return nil, errors.New("route53 router: a hosted zone ID is required")
	case cfg.Name == ".":
		return nil, errors.New("route53 router: a record name is required")
	case cfg.BlueSetIdentifier == "" || cfg.GreenSetIdentifier == "":
		return nil, errors.New("route53 router: both set identifiers (blue and green) are required")
	case cfg.BlueSetIdentifier == cfg.GreenSetIdentifier:
		return nil, fmt.Errorf("route53 router: blue and green need different set identifiers, both are %q", cfg.BlueSetIdentifier)
	case len(cfg.BlueSetIdentifier) > 128 || len(cfg.GreenSetIdentifier) > 128:
		return nil, errors.New("route53 router: set identifiers are at most 128 characters")
	}
	return &Router{api: api, cfg: cfg}, nil
}

// CanonicalName lower-cases a DNS name and adds the trailing dot, as Route 53
// returns names; Route 53's \052 escape is read as "*".
func CanonicalName(n string) string {
	n = strings.ToLower(strings.TrimSpace(n))
	n = strings.ReplaceAll(n, `\052`, "*")
	if !strings.HasSuffix(n, ".") {
		n += "."
	}
	return n
}

// Record is the adopted shape of one color's weighted record set: what Set
// preserves while it changes the weight.
type Record struct {
	SetIdentifier string
	Weight        int64
	// TTL and Values for a plain record set; Alias for an alias one.
	TTL           *int64
	Values        []string
	Alias         *types.AliasTarget
	HealthCheckID *string
}

// EffectiveTTL is how long resolvers may cache an answer from this record.
func (r Record) EffectiveTTL() time.Duration {
	if r.Alias != nil || r.TTL == nil {
		return AliasTTL
	}
	return time.Duration(*r.TTL) * time.Second
}

// State is what Describe found.
type State struct {
	Weights     traffic.Weights
	Blue, Green Record
}

// TTL is the longest time a resolver may keep an answer of either color.
func (s State) TTL() time.Duration { return max(s.Blue.EffectiveTTL(), s.Green.EffectiveTTL()) }

// Config returns the router's configuration (normalised).
func (r *Router) Config() Config { return r.cfg }

func (r *Router) where() string {
	return fmt.Sprintf("%s %s in hosted zone %s", r.cfg.Name, r.cfg.Type, r.cfg.ZoneID)
}

// Read returns the two record sets' weights, exactly as stored.
func (r *Router) Read(ctx context.Context) (traffic.Weights, error) {
	st, err := r.Describe(ctx)
	return st.Weights, err
}

// Describe reads both record sets.
func (r *Router) Describe(ctx context.Context) (State, error) {
	sets, err := r.list(ctx)
	if err != nil {
		return State{}, err
	}
	return r.adopt(sets)
}

// list returns every record set with the router's name and type.
func (r *Router) list(ctx context.Context) ([]types.ResourceRecordSet, error) {
	in := &r53.ListResourceRecordSetsInput{
		HostedZoneId:    aws.String(r.cfg.ZoneID),
		StartRecordName: aws.String(r.cfg.Name),
		StartRecordType: r.cfg.Type,
	}
	var out []types.ResourceRecordSet
	for {
		page, err := r.api.ListResourceRecordSets(ctx, in)
		if err != nil {
			var nsz *types.NoSuchHostedZone
			if errors.As(err, &nsz) {
				return nil, &NotFoundError{What: "hosted zone " + r.cfg.ZoneID, Err: err}
			}
			return nil, fmt.Errorf("listing %s: %w", r.where(), err)
		}
		for _, s := range page.ResourceRecordSets {
			if CanonicalName(aws.ToString(s.Name)) != r.cfg.Name || s.Type != r.cfg.Type {
				return out, nil // past our name and type: the list is sorted
			}
			out = append(out, s)
		}
		if !page.IsTruncated {
			return out, nil
		}
		in.StartRecordName, in.StartRecordType, in.StartRecordIdentifier = page.NextRecordName, page.NextRecordType, page.NextRecordIdentifier
	}
}

// adopt checks that the record sets are exactly two weighted sets with the
// configured identifiers and reads their shape.
func (r *Router) adopt(sets []types.ResourceRecordSet) (State, error) {
	if len(sets) == 0 {
		return State{}, &NotFoundError{What: "record " + r.where()}
	}
	st, found, err := r.adoptPartial(sets)
	if err != nil {
		return State{}, err
	}
	for i, color := range []traffic.Color{traffic.Blue, traffic.Green} {
		if !found[i] {
			id := r.cfg.BlueSetIdentifier
			if color == traffic.Green {
				id = r.cfg.GreenSetIdentifier
			}
			return State{}, &NotFoundError{What: fmt.Sprintf("the %s weighted record set (set identifier %q) of %s", color, id, r.where())}
		}
	}
	return st, nil
}

// adoptPartial is adopt for whichever of the two record sets exist.
func (r *Router) adoptPartial(sets []types.ResourceRecordSet) (State, [2]bool, error) {
	var st State
	var found [2]bool
	var others []string
	for _, s := range sets {
		id := aws.ToString(s.SetIdentifier)
		if id == "" || s.Weight == nil {
			policy := "simple"
			switch {
			case s.Failover != "":
				policy = "failover"
			case s.Region != "":
				policy = "latency"
			case s.GeoLocation != nil:
				policy = "geolocation"
			case s.MultiValueAnswer != nil:
				policy = "multivalue answer"
			}
			return State{}, found, &UnsupportedRecordError{Where: r.where(), Problem: fmt.Sprintf(
				"it is a %s record set, not a weighted one (set identifier %q); a DNS switch needs two weighted record sets, one per color (%q and %q)",
				policy, id, r.cfg.BlueSetIdentifier, r.cfg.GreenSetIdentifier)}
		}
		rec := Record{SetIdentifier: id, Weight: *s.Weight, TTL: s.TTL, Alias: s.AliasTarget, HealthCheckID: s.HealthCheckId}
		for _, v := range s.ResourceRecords {
			rec.Values = append(rec.Values, aws.ToString(v.Value))
		}
		switch id {
		case r.cfg.BlueSetIdentifier:
			st.Blue, found[0] = rec, true
		case r.cfg.GreenSetIdentifier:
			st.Green, found[1] = rec, true
		default:
			others = append(others, id)
		}
	}
	if len(others) > 0 {
		sort.Strings(others)
		return State{}, found, &UnsupportedRecordError{Where: r.where(), Problem: fmt.Sprintf(
			"it has weighted record sets other than blue (%q) and green (%q): %q; they would take a share of the answers the switch does not control — delete them or manage them elsewhere",
			r.cfg.BlueSetIdentifier, r.cfg.GreenSetIdentifier, others)}
	}
	if st.Blue.Weight > MaxWeight || st.Green.Weight > MaxWeight || st.Blue.Weight < 0 || st.Green.Weight < 0 {
		return State{}, found, fmt.Errorf("%s: weights blue=%d green=%d are outside Route 53's 0–%d", r.where(), st.Blue.Weight, st.Green.Weight, MaxWeight)
	}
	st.Weights = traffic.Weights{Blue: int32(st.Blue.Weight), Green: int32(st.Green.Weight)}
	return st, found, nil
}

// Existing reads whichever of the two record sets exist: found says which
// (blue, green); a missing one reads as weight 0 with no shape. It refuses,
// as Describe does, record sets the switch cannot manage. A missing hosted
// zone is an error matching ErrNotFound.
func (r *Router) Existing(ctx context.Context) (State, [2]bool, error) {
	sets, err := r.list(ctx)
	if err != nil {
		return State{}, [2]bool{}, err
	}
	return r.adoptPartial(sets)
}

// ValidateWeights checks Route 53's range (0–255 each) and refuses 0/0, which
// Route 53 would answer as an equal split rather than as "no traffic".
func ValidateWeights(w traffic.Weights) error {
	if w.Blue < 0 || w.Blue > MaxWeight || w.Green < 0 || w.Green > MaxWeight {
		return fmt.Errorf("weights %s out of range: Route 53 weights are 0–%d", w, MaxWeight)
	}
	if w.Blue == 0 && w.Green == 0 {
		return fmt.Errorf("weights %s: when every weighted record set has weight 0, Route 53 answers all of them with equal probability; give one color a positive weight", w)
	}
	return nil
}

// Set writes both weights in one ChangeResourceRecordSets batch of two
// UPSERTs, keeping each record set's shape (alias target or values, TTL,
// health check). Route 53 applies a batch all-or-nothing, so Set never
// leaves half a write. Call Settle to wait until the change is served.
func (r *Router) Set(ctx context.Context, w traffic.Weights) error {
	if err := ValidateWeights(w); err != nil {
		return fmt.Errorf("%s: %w", r.where(), err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	st, err := r.Describe(ctx)
	if err != nil {
		return err
	}
	blue, green := st.Blue, st.Green
	blue.Weight, green.Weight = int64(w.Blue), int64(w.Green)
	out, err := r.api.ChangeResourceRecordSets(ctx, &r53.ChangeResourceRecordSetsInput{
		HostedZoneId: aws.String(r.cfg.ZoneID),
		ChangeBatch: &types.ChangeBatch{
			Comment: aws.String(fmt.Sprintf("bluegreen: %s", w)),
			Changes: []types.Change{
				{Action: types.ChangeActionUpsert, ResourceRecordSet: r.recordSet(blue)},
				{Action: types.ChangeActionUpsert, ResourceRecordSet: r.recordSet(green)},
			},
		},
	})
	if err != nil {
		return fmt.Errorf("writing weights %s to %s: %w", w, r.where(), err)
	}
	r.mu.Lock()
	r.pending = &pendingChange{id: aws.ToString(out.ChangeInfo.Id), ttl: st.TTL()}
	r.mu.Unlock()
	return nil
}

// Settle returns once the last Set's change is INSYNC on every Route 53 name
// server and one TTL has passed since, so that no resolver still caches an
// answer from before the change. Without a pending change it returns at once.
func (r *Router) Settle(ctx context.Context) error {
	r.mu.Lock()
	p := r.pending
	r.mu.Unlock()
	if p == nil {
		return nil
	}
	if err := r.WaitInsync(ctx, p.id); err != nil {
		return err
	}
	if err := r.cfg.Clock.Sleep(ctx, p.ttl); err != nil {
		return fmt.Errorf("holding one TTL (%s) after change %s of %s: %w", p.ttl, p.id, r.where(), err)
	}
	r.mu.Lock()
	if r.pending == p {
		r.pending = nil
	}
	r.mu.Unlock()
	return nil
}

// WaitInsync polls GetChange until the change is INSYNC.
func (r *Router) WaitInsync(ctx context.Context, changeID string) error {
	for {
		out, err := r.api.GetChange(ctx, &r53.GetChangeInput{Id: aws.String(changeID)})
		if err != nil {
			return fmt.Errorf("waiting for change %s of %s: %w", changeID, r.where(), err)
		}
		if out.ChangeInfo != nil && out.ChangeInfo.Status == types.ChangeStatusInsync {
			return nil
		}
		if err := r.cfg.Clock.Sleep(ctx, r.cfg.PollInterval); err != nil {
			return fmt.Errorf("waiting for change %s of %s to be INSYNC: %w", changeID, r.where(), err)
		}
	}
}

// PendingChange is the ID of the last Set's change until Settle has seen it
// through ("" when none).
func (r *Router) PendingChange() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending == nil {
		return ""
	}
	return r.pending.id
}
