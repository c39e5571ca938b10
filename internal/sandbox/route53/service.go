package route53

import (
	"crypto/rand"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/awserr"
)

// XMLNS is the namespace of every Route 53 request and response document.
const XMLNS = "https://route53.amazonaws.com/doc/2013-04-01/"

// APIVersion is the path prefix of every Route 53 REST call.
const APIVersion = "2013-04-01"

// DefaultChangeDelay is how long a change stays PENDING before GetChange
// reports INSYNC. AWS: "Amazon Route 53 is designed to propagate updates you
// make to your DNS records to its world-wide network of authoritative DNS
// servers within 60 seconds under normal conditions" (Route 53 FAQ, quoted in
// https://serverfault.com/questions/431853). See the package documentation.
const DefaultChangeDelay = 60 * time.Second

// Limits AWS documents for the fields the sandbox validates.
const (
	MaxWeight           = 255
	MaxSetIdentifierLen = 128
	MaxTTL              = 2147483647
	maxChangesPerBatch  = 1000
	soaTTL              = 900
	nsTTL               = 172800
)

// Options configure the service.
type Options struct {
	// Now is the service's clock (SubmittedAt, INSYNC). Default time.Now.
	Now func() time.Time
	// ChangeDelay is how long a change stays PENDING. 0 means
	// DefaultChangeDelay; a negative value makes every change INSYNC at once.
	ChangeDelay time.Duration
	// Rand, when set, replaces the random source of the DNS model (weighted
	// choice and propagation), for reproducible tests. It returns [0, 1).
	Rand func() float64
}

// Service is an in-memory Route 53: hosted zones, resource record sets,
// changes and health checks. It is safe for concurrent use.
type Service struct {
	opts Options

	mu           sync.Mutex
	zones        map[string]*zone // by ID ("Z…", without /hostedzone/)
	zoneOrder    []string         // creation order
	zoneRefs     map[string]string
	changes      map[string]*change
	healthChecks map[string]*healthCheck
	hcOrder      []string
	randMu       sync.Mutex
	rng          *mrand.Rand
}

// New returns an empty service.
func New(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ChangeDelay == 0 {
		o.ChangeDelay = DefaultChangeDelay
	}
	return &Service{
		opts:         o,
		zones:        map[string]*zone{},
		zoneRefs:     map[string]string{},
		changes:      map[string]*change{},
		healthChecks: map[string]*healthCheck{},
		rng:          mrand.New(mrand.NewPCG(mrand.Uint64(), mrand.Uint64())),
	}
}

// ChangeDelay is the effective PENDING time of a change (0: INSYNC at once).
func (s *Service) ChangeDelay() time.Duration { return max(s.opts.ChangeDelay, 0) }

func (s *Service) random() float64 {
	if s.opts.Rand != nil {
		return s.opts.Rand()
	}
	s.randMu.Lock()
	defer s.randMu.Unlock()
	return s.rng.Float64()
}

// AliasTarget is where an alias record points.
type AliasTarget struct {
	HostedZoneID         string
	DNSName              string
	EvaluateTargetHealth bool
}

// RecordSet is one resource record set. Names are canonical: lower case,
// fully qualified with the trailing dot, a leading wildcard as "*".
type RecordSet struct {
	Name          string
	Type          string
	SetIdentifier string
	// Weight is set for weighted record sets only.
	Weight *int64
	// TTL and Records are set for non-alias record sets.
	TTL     *int64
	Records []string
	// Alias is set for alias record sets (no TTL, no Records).
	Alias         *AliasTarget
	HealthCheckID string
}

func (r *RecordSet) clone() *RecordSet {
	c := *r
	c.Records = append([]string(nil), r.Records...)
	if r.Weight != nil {
		w := *r.Weight
		c.Weight = &w
	}
	if r.TTL != nil {
		t := *r.TTL
		c.TTL = &t
	}
	if r.Alias != nil {
		a := *r.Alias
		c.Alias = &a
	}
	return &c
}

func (r *RecordSet) key() rrKey { return rrKey{r.Name, r.Type, r.SetIdentifier} }

// equal reports whether two record sets have the same values (what DELETE
// must match).
func (r *RecordSet) equal(o *RecordSet) bool {
	if r.key() != o.key() || !eqInt(r.Weight, o.Weight) || !eqInt(r.TTL, o.TTL) || r.HealthCheckID != o.HealthCheckID {
		return false
	}
	if (r.Alias == nil) != (o.Alias == nil) {
		return false
	}
	if r.Alias != nil && (!strings.EqualFold(r.Alias.HostedZoneID, o.Alias.HostedZoneID) ||
		canonicalName(r.Alias.DNSName) != canonicalName(o.Alias.DNSName) ||
		r.Alias.EvaluateTargetHealth != o.Alias.EvaluateTargetHealth) {
		return false
	}
	if len(r.Records) != len(o.Records) {
		return false
	}
	a, b := append([]string(nil), r.Records...), append([]string(nil), o.Records...)
	sort.Strings(a)
	sort.Strings(b)
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func eqInt(a, b *int64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

type rrKey struct{ name, typ, setID string }

// describe renders the record set the way Route 53's messages do:
// [name='www.example.com.', type='A', set-identifier='blue'].
func (k rrKey) describe() string {
	if k.setID != "" {
		return fmt.Sprintf("[name='%s', type='%s', set-identifier='%s']", k.name, k.typ, k.setID)
	}
	return fmt.Sprintf("[name='%s', type='%s']", k.name, k.typ)
}

// snapshot is the record sets of a zone at one point in time (immutable).
type snapshot []*RecordSet

type zone struct {
	id, name, callerRef, comment string
	private                      bool
	nameServers                  []string
	records                      snapshot // current (what the API reads)
	// published is the state every DNS server has (all changes INSYNC);
	// pending are later states, oldest first, each visible to a growing
	// share of queries until its change is INSYNC.
	published snapshot
	pending   []pendingState
}

type pendingState struct {
	change *change
	state  snapshot
}

type change struct {
	id        string
	comment   string
	submitted time.Time
}

func (s *Service) changeStatus(c *change, now time.Time) string {
	if !now.Before(c.submitted.Add(s.ChangeDelay())) {
		return "INSYNC"
	}
	return "PENDING"
}

// Change is a change batch's status, as GetChange reports it.
type Change struct {
	ID          string
	Status      string
	SubmittedAt time.Time
	Comment     string
}

type healthCheck struct {
	id, callerRef string
	config        HealthCheckConfig
	version       int64
	healthy       bool
	reason        string
}

// HealthCheckConfig is the subset of a health check's configuration the
// sandbox keeps (and echoes back).
type HealthCheckConfig struct {
	IPAddress                string
	Port                     int64
	Type                     string
	ResourcePath             string
	FullyQualifiedDomainName string
	SearchString             string
	RequestInterval          int64
	FailureThreshold         int64
	MeasureLatency           bool
	Inverted                 bool
	Disabled                 bool
	EnableSNI                *bool
}

func notFound(code, format string, args ...any) *awserr.Error {
	return awserr.Sender(http.StatusNotFound, code, format, args...)
}

func invalidInput(format string, args ...any) *awserr.Error {
	return awserr.Sender(http.StatusBadRequest, "InvalidInput", format, args...)
}

// invalidChangeBatch renders messages the way Route 53 does:
// "[message one, message two]".
func invalidChangeBatch(msgs []string) *awserr.Error {
	return awserr.Sender(http.StatusBadRequest, "InvalidChangeBatch", "[%s]", strings.Join(msgs, ", "))
}

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func randomID(prefix string, n int) string {
	var b strings.Builder
	b.WriteString(prefix)
	for range n {
		i, _ := rand.Int(rand.Reader, big.NewInt(int64(len(idAlphabet))))
		b.WriteByte(idAlphabet[i.Int64()])
	}
	return b.String()
}

func uuid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// canonicalName lower-cases a DNS name, adds the trailing dot and decodes
// Route 53's octal escapes (\052 for "*").
func canonicalName(n string) string {
	n = strings.TrimSpace(n)
	n = decodeOctal(n)
	n = strings.ToLower(n)
	if !strings.HasSuffix(n, ".") {
		n += "."
	}
	return n
}

// wireName renders a canonical name as Route 53 returns it: "*" as \052.
func wireName(n string) string { return strings.ReplaceAll(n, "*", `\052`) }

func decodeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && isOctal(s, i+1) {
			v := (s[i+1]-'0')*64 + (s[i+2]-'0')*8 + (s[i+3] - '0')
			b.WriteByte(v)
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(s string, i int) bool {
	if i+3 > len(s) {
		return false
	}
	for _, c := range s[i : i+3] {
		if c < '0' || c > '7' {
			return false
		}
	}
	return true
}

// inZone reports whether name is the zone's apex or below it.
func inZone(name, zoneName string) bool {
	return name == zoneName || strings.HasSuffix(name, "."+zoneName)
}

// bareID strips the /hostedzone/, /change/ or /healthcheck/ prefix the API
// sometimes returns with IDs.
func bareID(id string) string {
	id = strings.TrimSpace(id)
	if i := strings.LastIndex(id, "/"); i >= 0 {
		return id[i+1:]
	}
	return id
}
