package route53

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// SameTarget reports whether a and b send resolvers to the same place: the
// same alias target (DNS name and hosted zone, compared as Route 53 compares
// names) or the same set of values. Weight, TTL, health check and
// evaluate_target_health are not part of the target.
func (a Record) SameTarget(b Record) bool {
	if (a.Alias == nil) != (b.Alias == nil) {
		return false
	}
	if a.Alias != nil {
		return CanonicalName(aws.ToString(a.Alias.DNSName)) == CanonicalName(aws.ToString(b.Alias.DNSName)) &&
			strings.TrimPrefix(aws.ToString(a.Alias.HostedZoneId), "/hostedzone/") == strings.TrimPrefix(aws.ToString(b.Alias.HostedZoneId), "/hostedzone/")
	}
	return sameValues(a.Values, b.Values)
}

// SameShape reports whether writing b over a would change nothing but the
// weight: same target, TTL, health check and evaluate_target_health.
func (a Record) SameShape(b Record) bool {
	if !a.SameTarget(b) || aws.ToString(a.HealthCheckID) != aws.ToString(b.HealthCheckID) {
		return false
	}
	if a.Alias != nil {
		return a.Alias.EvaluateTargetHealth == b.Alias.EvaluateTargetHealth
	}
	return aws.ToInt64(a.TTL) == aws.ToInt64(b.TTL)
}

func sameValues(a, b []string) bool {
	norm := func(vs []string) []string {
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = strings.ToLower(strings.TrimSpace(v))
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	return slices.Equal(norm(a), norm(b))
}

func (r *Router) recordSet(rec Record) *types.ResourceRecordSet {
	s := &types.ResourceRecordSet{
		Name: aws.String(r.cfg.Name), Type: r.cfg.Type, SetIdentifier: aws.String(rec.SetIdentifier),
		Weight: aws.Int64(rec.Weight), HealthCheckId: rec.HealthCheckID,
	}
	if rec.HealthCheckID != nil && *rec.HealthCheckID == "" {
		s.HealthCheckId = nil
	}
	if rec.Alias != nil {
		s.AliasTarget = rec.Alias
	} else {
		s.TTL = rec.TTL
		for _, v := range rec.Values {
			s.ResourceRecords = append(s.ResourceRecords, types.ResourceRecord{Value: aws.String(v)})
		}
	}
	return s
}

// Write writes both record sets as given — shape and weight — in one
// ChangeResourceRecordSets batch of two UPSERTs (created when missing),
// which Route 53 applies all-or-nothing. It is how a switch creates its
// record sets or changes their shape; Set only changes weights. The set
// identifiers must be the router's. Call Settle to wait until the change is
// served.
func (r *Router) Write(ctx context.Context, blue, green Record) error {
	if blue.SetIdentifier != r.cfg.BlueSetIdentifier || green.SetIdentifier != r.cfg.GreenSetIdentifier {
		return fmt.Errorf("%s: writing record sets %q and %q, but the switch's set identifiers are %q and %q",
			r.where(), blue.SetIdentifier, green.SetIdentifier, r.cfg.BlueSetIdentifier, r.cfg.GreenSetIdentifier)
	}
	for _, rec := range []Record{blue, green} {
		if rec.Weight < 0 || rec.Weight > MaxWeight {
			return fmt.Errorf("%s: weight %d of %q is outside Route 53's 0–%d", r.where(), rec.Weight, rec.SetIdentifier, MaxWeight)
		}
		if (rec.Alias == nil) == (len(rec.Values) == 0) {
			return fmt.Errorf("%s: record set %q needs either an alias target or values, not both or neither", r.where(), rec.SetIdentifier)
		}
	}
	if blue.Weight == 0 && green.Weight == 0 {
		return fmt.Errorf("%s: %w", r.where(), ValidateWeights(traffic.Weights{}))
	}
	out, err := r.api.ChangeResourceRecordSets(ctx, &r53.ChangeResourceRecordSetsInput{
		HostedZoneId: aws.String(r.cfg.ZoneID),
		ChangeBatch: &types.ChangeBatch{
			Comment: aws.String(fmt.Sprintf("bluegreen: record sets blue=%d green=%d", blue.Weight, green.Weight)),
			Changes: []types.Change{
				{Action: types.ChangeActionUpsert, ResourceRecordSet: r.recordSet(blue)},
				{Action: types.ChangeActionUpsert, ResourceRecordSet: r.recordSet(green)},
			},
		},
	})
	if err != nil {
		return fmt.Errorf("writing the record sets of %s: %w", r.where(), err)
	}
	r.mu.Lock()
	r.pending = &pendingChange{id: aws.ToString(out.ChangeInfo.Id), ttl: State{Blue: blue, Green: green}.TTL()}
	r.mu.Unlock()
	return nil
}

// Delete deletes both record sets in one batch (Route 53 needs each one's
// exact current shape, so it reads them first). Record sets already gone are
// not an error.
func (r *Router) Delete(ctx context.Context) error {
	sets, err := r.list(ctx)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		return err
	}
	var changes []types.Change
	for _, s := range sets {
		id := aws.ToString(s.SetIdentifier)
		if id == r.cfg.BlueSetIdentifier || id == r.cfg.GreenSetIdentifier {
			s := s
			changes = append(changes, types.Change{Action: types.ChangeActionDelete, ResourceRecordSet: &s})
		}
	}
	if len(changes) == 0 {
		return nil
	}
	_, err = r.api.ChangeResourceRecordSets(ctx, &r53.ChangeResourceRecordSetsInput{
		HostedZoneId: aws.String(r.cfg.ZoneID),
		ChangeBatch:  &types.ChangeBatch{Comment: aws.String("bluegreen: delete"), Changes: changes},
	})
	if err != nil {
		return fmt.Errorf("deleting the record sets of %s: %w", r.where(), err)
	}
	return nil
}
