package route53

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/awserr"
)

// HostedZone is a hosted zone as the API reports it.
type HostedZone struct {
	ID                     string // "Z…" (the API renders /hostedzone/Z…)
	Name                   string
	CallerReference        string
	Comment                string
	PrivateZone            bool
	ResourceRecordSetCount int64
	NameServers            []string
}

func (z *zone) view() HostedZone {
	return HostedZone{ID: z.id, Name: z.name, CallerReference: z.callerRef, Comment: z.comment,
		PrivateZone: z.private, ResourceRecordSetCount: int64(len(z.records)),
		NameServers: append([]string(nil), z.nameServers...)}
}

// validDomainName checks the name rules Route 53 applies to zone and record
// names: at most 255 bytes, labels of 1–63 bytes.
func validDomainName(n string) error {
	if len(n) > 255 {
		return fmt.Errorf("the name is longer than 255 characters")
	}
	if n == "." {
		return nil
	}
	for _, l := range strings.Split(strings.TrimSuffix(n, "."), ".") {
		if l == "" {
			return fmt.Errorf("the name contains an empty label")
		}
		if len(l) > 63 {
			return fmt.Errorf("label %q is longer than 63 characters", l)
		}
	}
	return nil
}

// CreateHostedZone creates a public hosted zone (private zones need a VPC,
// which the sandbox does not model: they are refused). It returns the zone
// and the change that created it.
func (s *Service) CreateHostedZone(name, callerRef, comment string, private bool) (HostedZone, Change, *awserr.Error) {
	if callerRef == "" {
		return HostedZone{}, Change{}, invalidInput("CallerReference is required")
	}
	if len(callerRef) > 128 {
		return HostedZone{}, Change{}, invalidInput("1 validation error detected: Value '%s' at 'callerReference' failed to satisfy constraint: Member must have length less than or equal to 128", callerRef)
	}
	if private {
		return HostedZone{}, Change{}, invalidInput("the sandbox does not model VPCs: private hosted zones are not supported")
	}
	cn := canonicalName(name)
	if err := validDomainName(cn); err != nil || cn == "." || strings.Contains(cn, "*") {
		return HostedZone{}, Change{}, awserr.Sender(http.StatusBadRequest, "InvalidDomainName", "%s is reserved by AWS!", name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.zoneRefs[callerRef]; dup {
		return HostedZone{}, Change{}, awserr.Sender(http.StatusConflict, "HostedZoneAlreadyExists",
			"A hosted zone has already been created with the specified caller reference.")
	}
	z := &zone{id: randomID("Z", 20), name: cn, callerRef: callerRef, comment: comment}
	n := 1 + int(s.random()*2000)
	z.nameServers = []string{
		fmt.Sprintf("ns-%d.awsdns-%02d.com", n%2048, n%64),
		fmt.Sprintf("ns-%d.awsdns-%02d.net", (n+512)%2048, (n+1)%64),
		fmt.Sprintf("ns-%d.awsdns-%02d.org", (n+1024)%2048, (n+2)%64),
		fmt.Sprintf("ns-%d.awsdns-%02d.co.uk", (n+1536)%2048, (n+3)%64),
	}
	soa := int64(soaTTL)
	ns := int64(nsTTL)
	nsValues := make([]string, len(z.nameServers))
	for i, v := range z.nameServers {
		nsValues[i] = v + "."
	}
	z.records = snapshot{
		{Name: cn, Type: "NS", TTL: &ns, Records: nsValues},
		{Name: cn, Type: "SOA", TTL: &soa, Records: []string{z.nameServers[0] + ". awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"}},
	}
	z.published = z.records
	s.zones[z.id] = z
	s.zoneOrder = append(s.zoneOrder, z.id)
	s.zoneRefs[callerRef] = z.id
	c := s.newChangeLocked("")
	return z.view(), c, nil
}

func (s *Service) newChangeLocked(comment string) Change {
	c := &change{id: randomID("C", 20), comment: comment, submitted: s.opts.Now()}
	s.changes[c.id] = c
	return s.changeView(c)
}

func (s *Service) changeView(c *change) Change {
	return Change{ID: c.id, Status: s.changeStatus(c, s.opts.Now()), SubmittedAt: c.submitted, Comment: c.comment}
}

func (s *Service) zoneLocked(id string) (*zone, *awserr.Error) {
	id = bareID(id)
	if len(id) > 32 {
		return nil, invalidInput("1 validation error detected: Value '%s' at 'id' failed to satisfy constraint: Member must have length less than or equal to 32", id)
	}
	z, ok := s.zones[id]
	if !ok {
		return nil, notFound("NoSuchHostedZone", "No hosted zone found with ID: %s", id)
	}
	return z, nil
}

// GetHostedZone returns one zone.
func (s *Service) GetHostedZone(id string) (HostedZone, *awserr.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	z, err := s.zoneLocked(id)
	if err != nil {
		return HostedZone{}, err
	}
	return z.view(), nil
}

// DeleteHostedZone deletes a zone that holds only its SOA and apex NS records.
func (s *Service) DeleteHostedZone(id string) (Change, *awserr.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	z, err := s.zoneLocked(id)
	if err != nil {
		return Change{}, err
	}
	for _, r := range z.records {
		if !(r.Name == z.name && (r.Type == "SOA" || r.Type == "NS") && r.SetIdentifier == "") {
			return Change{}, awserr.Sender(http.StatusBadRequest, "HostedZoneNotEmpty",
				"The specified hosted zone contains non-required resource record sets and so cannot be deleted.")
		}
	}
	delete(s.zones, z.id)
	delete(s.zoneRefs, z.callerRef)
	for i, zid := range s.zoneOrder {
		if zid == z.id {
			s.zoneOrder = append(s.zoneOrder[:i], s.zoneOrder[i+1:]...)
			break
		}
	}
	return s.newChangeLocked(""), nil
}

func parseMaxItems(v string) (int, *awserr.Error) {
	if v == "" {
		return 100, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, invalidInput("MaxItems must be a positive integer, got %q", v)
	}
	return min(n, 100), nil
}

// ListHostedZones lists zones in creation order, marker = the next zone's ID.
func (s *Service) ListHostedZones(marker, maxItems string) (zones []HostedZone, next string, max int, aerr *awserr.Error) {
	max, aerr = parseMaxItems(maxItems)
	if aerr != nil {
		return nil, "", 0, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	start := 0
	if marker != "" {
		start = -1
		for i, id := range s.zoneOrder {
			if id == bareID(marker) {
				start = i
				break
			}
		}
		if start < 0 {
			return nil, "", 0, invalidInput("Invalid marker: %s", marker)
		}
	}
	for i := start; i < len(s.zoneOrder); i++ {
		if len(zones) == max {
			return zones, s.zoneOrder[i], max, nil
		}
		zones = append(zones, s.zones[s.zoneOrder[i]].view())
	}
	return zones, "", max, nil
}

// reverseLabels is the ListHostedZonesByName sort key: com.example.www.
func reverseLabels(n string) string {
	l := strings.Split(strings.TrimSuffix(n, "."), ".")
	for i, j := 0, len(l)-1; i < j; i, j = i+1, j-1 {
		l[i], l[j] = l[j], l[i]
	}
	return strings.Join(l, ".")
}

// ListHostedZonesByName lists zones ordered by their labels reversed
// (com.example before com.example.www), then by ID, starting at dnsName
// (and hostedZoneID within that name).
func (s *Service) ListHostedZonesByName(dnsName, hostedZoneID, maxItems string) (zones []HostedZone, nextName, nextID string, max int, aerr *awserr.Error) {
	max, aerr = parseMaxItems(maxItems)
	if aerr != nil {
		return nil, "", "", 0, aerr
	}
	if hostedZoneID != "" && dnsName == "" {
		return nil, "", "", 0, invalidInput("The hosted zone ID can only be specified with a DNS name.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	all := make([]*zone, 0, len(s.zones))
	for _, id := range s.zoneOrder {
		all = append(all, s.zones[id])
	}
	sort.SliceStable(all, func(i, j int) bool {
		a, b := reverseLabels(all[i].name), reverseLabels(all[j].name)
		if a != b {
			return a < b
		}
		return all[i].id < all[j].id
	})
	startKey := ""
	if dnsName != "" {
		startKey = reverseLabels(canonicalName(dnsName))
	}
	for _, z := range all {
		k := reverseLabels(z.name)
		if k < startKey || (k == startKey && hostedZoneID != "" && z.id < bareID(hostedZoneID)) {
			continue
		}
		if len(zones) == max {
			return zones, z.name, z.id, max, nil
		}
		zones = append(zones, z.view())
	}
	return zones, "", "", max, nil
}

// Zones returns every hosted zone (admin/diagnostics).
func (s *Service) Zones() []HostedZone {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]HostedZone, 0, len(s.zoneOrder))
	for _, id := range s.zoneOrder {
		out = append(out, s.zones[id].view())
	}
	return out
}
