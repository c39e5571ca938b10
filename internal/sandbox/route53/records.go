package route53

import (
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/awserr"
)

// Change actions.
const (
	ActionCreate = "CREATE"
	ActionDelete = "DELETE"
	ActionUpsert = "UPSERT"
)

// RecordChange is one change of a ChangeResourceRecordSets batch.
type RecordChange struct {
	Action string
	Record RecordSet
	// Unsupported names a routing field the sandbox does not model (Region,
	// Failover, GeoLocation, MultiValueAnswer, …) that the request carried.
	Unsupported string
}

// recordTypes are the types Route 53 accepts (RRType).
var recordTypes = map[string]bool{
	"SOA": true, "A": true, "TXT": true, "NS": true, "CNAME": true, "MX": true, "NAPTR": true,
	"PTR": true, "SRV": true, "SPF": true, "AAAA": true, "CAA": true, "DS": true, "TLSA": true,
	"SSHFP": true, "SVCB": true, "HTTPS": true,
}

// aliasTypes are the types an alias record may have.
var aliasTypes = map[string]bool{
	"A": true, "AAAA": true, "CNAME": true, "MX": true, "NAPTR": true, "PTR": true, "SPF": true,
	"SRV": true, "TXT": true, "CAA": true, "HTTPS": true, "SVCB": true, "TLSA": true, "SSHFP": true, "DS": true,
}

// inChange renders the "in Change with [...]" suffix of Route 53's
// "Invalid request" messages.
func inChange(c RecordChange) string {
	setID := "null"
	if c.Record.SetIdentifier != "" {
		setID = c.Record.SetIdentifier
	}
	return fmt.Sprintf("in Change with [Action=%s, Name=%s, Type=%s, SetIdentifier=%s]",
		c.Action, c.Record.Name, c.Record.Type, setID)
}

// validateShape applies the per-change rules that do not depend on the zone's
// contents. Field constraints answer InvalidInput (as AWS's request
// validation does); shape rules answer InvalidChangeBatch messages.
func validateShape(i int, c *RecordChange) (inputErr *awserr.Error, batchMsg string) {
	r := &c.Record
	field := func(f string) string {
		return fmt.Sprintf("changeBatch.changes.%d.member.resourceRecordSet.%s", i+1, f)
	}
	switch c.Action {
	case ActionCreate, ActionDelete, ActionUpsert:
	default:
		return invalidInput("1 validation error detected: Value '%s' at 'changeBatch.changes.%d.member.action' failed to satisfy constraint: Member must satisfy enum value set: [CREATE, DELETE, UPSERT]", c.Action, i+1), ""
	}
	if !recordTypes[r.Type] {
		return invalidInput("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [SOA, A, TXT, NS, CNAME, MX, NAPTR, PTR, SRV, SPF, AAAA, CAA, DS, TLSA, SSHFP, SVCB, HTTPS]", r.Type, field("type")), ""
	}
	if r.Weight != nil && (*r.Weight < 0 || *r.Weight > MaxWeight) {
		rel := "greater than or equal to 0"
		if *r.Weight > MaxWeight {
			rel = "less than or equal to 255"
		}
		return invalidInput("1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value %s", *r.Weight, field("weight"), rel), ""
	}
	if r.TTL != nil && (*r.TTL < 0 || *r.TTL > MaxTTL) {
		return invalidInput("1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value between 0 and %d", *r.TTL, field("tTL"), MaxTTL), ""
	}
	if len(r.SetIdentifier) > MaxSetIdentifierLen {
		return invalidInput("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", r.SetIdentifier, field("setIdentifier"), MaxSetIdentifierLen), ""
	}
	if c.Unsupported != "" {
		return invalidInput("the sandbox models simple and weighted routing only; %s is not supported (%s)", c.Unsupported, inChange(*c)), ""
	}
	if err := validDomainName(r.Name); err != nil {
		return nil, fmt.Sprintf("Invalid request: %s %s", err, inChange(*c))
	}
	hasRecords := r.TTL != nil || len(r.Records) > 0
	switch {
	case r.Alias == nil && !hasRecords:
		return nil, "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none " + inChange(*c)
	case r.Alias != nil && hasRecords:
		return nil, "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found more than one " + inChange(*c)
	case r.Alias == nil && r.TTL == nil:
		return nil, "Invalid request: Missing field 'TTL' " + inChange(*c)
	case r.Alias == nil && len(r.Records) == 0:
		return nil, "Invalid request: Missing field 'ResourceRecords' " + inChange(*c)
	}
	if r.Weight != nil && r.SetIdentifier == "" {
		return nil, "Invalid request: Missing field 'SetIdentifier' " + inChange(*c)
	}
	if r.SetIdentifier != "" && r.Weight == nil {
		return nil, "Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, MultiValueAnswer, GeoProximityLocation, or CidrRoutingConfig], but found none " + inChange(*c)
	}
	if r.Alias != nil {
		if !aliasTypes[r.Type] {
			return nil, fmt.Sprintf("Invalid request: alias record sets of type %s are not supported %s", r.Type, inChange(*c))
		}
		if r.Alias.DNSName == "" || r.Alias.HostedZoneID == "" {
			return nil, "Invalid request: Missing field 'DNSName' or 'HostedZoneId' in AliasTarget " + inChange(*c)
		}
		return nil, ""
	}
	for _, v := range r.Records {
		if msg := validValue(r.Type, v); msg != "" {
			return nil, msg
		}
	}
	if r.Type == "CNAME" && len(r.Records) > 1 {
		return nil, fmt.Sprintf("RRSet of type CNAME with DNS name %s contains more than one resource record", r.Name)
	}
	return nil, ""
}

func validValue(typ, v string) string {
	bad := func(code, what string) string {
		return fmt.Sprintf("Invalid Resource Record: 'FATAL problem: %s (%s) encountered with '%s''", code, what, v)
	}
	switch typ {
	case "A":
		if ip := net.ParseIP(v); ip == nil || ip.To4() == nil || strings.Contains(v, ":") {
			return bad("ARRDATAIllegalIPv4Address", "Value is not a valid IPv4 address")
		}
	case "AAAA":
		if ip := net.ParseIP(v); ip == nil || !strings.Contains(v, ":") {
			return bad("AAAARRDATAIllegalIPv6Address", "Value is not a valid IPv6 address")
		}
	case "CNAME", "NS", "PTR":
		if v == "" || strings.ContainsAny(v, " \t") {
			return bad("DomainLabelEmpty", "Domain label is empty")
		}
	case "TXT", "SPF":
		if !strings.HasPrefix(v, `"`) || !strings.HasSuffix(v, `"`) || len(v) < 2 {
			return bad("InvalidCharacterString", "Value should be enclosed in quotation marks")
		}
	}
	if v == "" {
		return "Invalid Resource Record: empty value"
	}
	return ""
}

// ChangeResourceRecordSets applies a batch atomically: either every change
// applies, or none does and the error lists every problem found.
func (s *Service) ChangeResourceRecordSets(zoneID, comment string, changes []RecordChange) (Change, *awserr.Error) {
	if len(changes) == 0 {
		return Change{}, invalidInput("1 validation error detected: Value '[]' at 'changeBatch.changes' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if len(changes) > maxChangesPerBatch {
		return Change{}, invalidInput("1 validation error detected: Value at 'changeBatch.changes' failed to satisfy constraint: Member must have length less than or equal to %d", maxChangesPerBatch)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	z, aerr := s.zoneLocked(zoneID)
	if aerr != nil {
		return Change{}, aerr
	}
	var msgs []string
	for i := range changes {
		c := &changes[i]
		c.Record.Name = canonicalName(c.Record.Name)
		c.Record.Type = strings.TrimSpace(c.Record.Type)
		if c.Record.Alias != nil {
			c.Record.Alias.HostedZoneID = bareID(c.Record.Alias.HostedZoneID)
		}
		if ierr, msg := validateShape(i, c); ierr != nil {
			return Change{}, ierr
		} else if msg != "" {
			msgs = append(msgs, msg)
			continue
		}
		if !inZone(c.Record.Name, z.name) {
			msgs = append(msgs, fmt.Sprintf("RRSet with DNS name %s is not permitted in zone %s", c.Record.Name, z.name))
		}
		if id := c.Record.HealthCheckID; id != "" {
			if _, ok := s.healthChecks[id]; !ok {
				return Change{}, notFound("NoSuchHealthCheck", "No health check exists with the specified ID %s", id)
			}
		}
	}
	if len(msgs) > 0 {
		return Change{}, invalidChangeBatch(msgs)
	}

	// Apply to a working copy, in order; any failure discards it.
	work := map[rrKey]*RecordSet{}
	var order []rrKey
	for _, r := range z.records {
		work[r.key()] = r
		order = append(order, r.key())
	}
	touched := map[string]bool{} // name|type groups to check at the end
	for _, c := range changes {
		r := c.Record.clone()
		k := r.key()
		cur, exists := work[k]
		switch c.Action {
		case ActionCreate:
			if exists {
				msgs = append(msgs, fmt.Sprintf("Tried to create resource record set %s but it already exists", k.describe()))
				continue
			}
		case ActionDelete:
			if !exists {
				msgs = append(msgs, fmt.Sprintf("Tried to delete resource record set %s but it was not found", k.describe()))
				continue
			}
			if !cur.equal(r) {
				msgs = append(msgs, fmt.Sprintf("Tried to delete resource record set %s but the values provided do not match the current values", k.describe()))
				continue
			}
			if r.Name == z.name && r.Type == "SOA" {
				msgs = append(msgs, "A HostedZone must contain exactly one SOA record.")
				continue
			}
			if r.Name == z.name && r.Type == "NS" {
				msgs = append(msgs, "A HostedZone must contain at least one NS record for the zone itself.")
				continue
			}
			delete(work, k)
			continue
		}
		if msg := s.conflictLocked(z, work, r); msg != "" {
			msgs = append(msgs, msg)
			continue
		}
		if !exists {
			order = append(order, k)
		}
		work[k] = r
		touched[r.Name+"|"+r.Type] = true
	}
	// Rules on the batch's final state: weighted sets of one name and type
	// share a TTL.
	for g := range touched {
		name, typ, _ := strings.Cut(g, "|")
		var ttl *int64
		for _, k := range order {
			r, ok := work[k]
			if !ok || r.Name != name || r.Type != typ || r.Weight == nil || r.TTL == nil {
				continue
			}
			if ttl != nil && *ttl != *r.TTL {
				msgs = append(msgs, fmt.Sprintf("RRSet with DNS name %s and type %s, SetIdentifier %s cannot be created as weighted sets must contain the same TTL.", r.Name, r.Type, r.SetIdentifier))
				break
			}
			ttl = r.TTL
		}
	}
	if len(msgs) > 0 {
		return Change{}, invalidChangeBatch(msgs)
	}
	next := make(snapshot, 0, len(work))
	for _, k := range order {
		if r, ok := work[k]; ok {
			next = append(next, r)
		}
	}
	z.records = next
	cv := s.newChangeLocked(comment)
	s.publishLocked(z, s.changes[cv.ID])
	return cv, nil
}

// conflictLocked checks r (to be created or upserted) against the other
// record sets in work.
func (s *Service) conflictLocked(z *zone, work map[rrKey]*RecordSet, r *RecordSet) string {
	if r.Type == "CNAME" && r.Name == z.name {
		return fmt.Sprintf("RRSet of type CNAME with DNS name %s is not permitted at apex in zone %s", r.Name, z.name)
	}
	for k, o := range work {
		if k == r.key() || o.Name != r.Name {
			continue
		}
		if (r.Type == "CNAME") != (o.Type == "CNAME") {
			if r.Type == "CNAME" {
				return fmt.Sprintf("RRSet of type CNAME with DNS name %s is not permitted as it conflicts with other records with the same DNS name in zone %s", r.Name, z.name)
			}
			return fmt.Sprintf("RRSet of type %s with DNS name %s is not permitted because a conflicting RRSet of type CNAME with the same DNS name already exists in zone %s", r.Type, r.Name, z.name)
		}
		if o.Type != r.Type {
			continue
		}
		switch {
		case r.SetIdentifier != "" && o.SetIdentifier == "":
			return fmt.Sprintf("RRSet with DNS name %s, type %s, SetIdentifier %s cannot be created as a non-weighted set exists with the same name and type.", r.Name, r.Type, r.SetIdentifier)
		case r.SetIdentifier == "" && o.SetIdentifier != "":
			return fmt.Sprintf("RRSet with DNS name %s, type %s cannot be created as other RRSets exist with the same name and type.", r.Name, r.Type)
		}
	}
	if a := r.Alias; a != nil {
		if tz, ok := s.zones[a.HostedZoneID]; ok {
			target := canonicalName(a.DNSName)
			if !inZone(target, tz.name) {
				return fmt.Sprintf("Tried to create an alias that targets %s, type %s in zone %s, but the alias target name does not lie within the target zone", target, r.Type, tz.id)
			}
			src := tz.records
			if tz == z {
				src = nil
				for _, o := range work {
					src = append(src, o)
				}
			}
			found := false
			for _, o := range src {
				if o.Name == target && o.Type == r.Type {
					found = true
					break
				}
			}
			if !found {
				return fmt.Sprintf("Tried to create an alias that targets %s, type %s in zone %s, but that target was not found", target, r.Type, tz.id)
			}
		}
	}
	return ""
}

// publishLocked starts propagating the zone's new state to the DNS model.
func (s *Service) publishLocked(z *zone, c *change) {
	s.settleLocked(z)
	if s.ChangeDelay() == 0 {
		z.published, z.pending = z.records, nil
		return
	}
	z.pending = append(z.pending, pendingState{change: c, state: z.records})
}

// settleLocked folds changes that are INSYNC into the published state.
func (s *Service) settleLocked(z *zone) {
	now := s.opts.Now()
	for len(z.pending) > 0 && s.changeStatus(z.pending[0].change, now) == "INSYNC" {
		z.published = z.pending[0].state
		z.pending = z.pending[1:]
	}
}

// GetChange reports a change's status.
func (s *Service) GetChange(id string) (Change, *awserr.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.changes[bareID(id)]
	if !ok {
		return Change{}, notFound("NoSuchChange", "A change with the specified change ID does not exist.")
	}
	return s.changeView(c), nil
}

// recordOrder is ListResourceRecordSets' order: by name with labels reversed
// (as Route 53 sorts), then type, then set identifier.
func recordLess(a, b *RecordSet) bool {
	ka, kb := reverseLabels(a.Name), reverseLabels(b.Name)
	if ka != kb {
		return ka < kb
	}
	if a.Type != b.Type {
		return a.Type < b.Type
	}
	return a.SetIdentifier < b.SetIdentifier
}

// ListResult is one page of ListResourceRecordSets.
type ListResult struct {
	Records                                              []*RecordSet
	IsTruncated                                          bool
	NextRecordName, NextRecordType, NextRecordIdentifier string
	MaxItems                                             int
}

// ListResourceRecordSets lists a zone's record sets from (name, type,
// identifier) on, in Route 53's order.
func (s *Service) ListResourceRecordSets(zoneID, startName, startType, startID, maxItems string) (ListResult, *awserr.Error) {
	max, aerr := parseMaxItems(maxItems)
	if aerr != nil {
		return ListResult{}, aerr
	}
	if startType != "" && startName == "" {
		return ListResult{}, invalidInput("The input is not valid: a record type requires a record name")
	}
	if startType != "" && !recordTypes[strings.ToUpper(startType)] {
		return ListResult{}, invalidInput("Invalid type %s", startType)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	z, aerr := s.zoneLocked(zoneID)
	if aerr != nil {
		return ListResult{}, aerr
	}
	all := append(snapshot(nil), z.records...)
	sort.SliceStable(all, func(i, j int) bool { return recordLess(all[i], all[j]) })
	start := &RecordSet{}
	if startName != "" {
		start = &RecordSet{Name: canonicalName(startName), Type: strings.ToUpper(startType), SetIdentifier: startID}
	}
	res := ListResult{MaxItems: max}
	for _, r := range all {
		if startName != "" && recordLess(r, start) {
			continue
		}
		if len(res.Records) == max {
			res.IsTruncated = true
			res.NextRecordName, res.NextRecordType, res.NextRecordIdentifier = r.Name, r.Type, r.SetIdentifier
			break
		}
		res.Records = append(res.Records, r.clone())
	}
	return res, nil
}

// RecordSets returns a copy of a zone's record sets (admin/diagnostics).
func (s *Service) RecordSets(zoneID string) ([]RecordSet, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	z, aerr := s.zoneLocked(zoneID)
	if aerr != nil {
		return nil, aerr
	}
	out := make([]RecordSet, len(z.records))
	for i, r := range z.records {
		out[i] = *r.clone()
	}
	return out, nil
}
