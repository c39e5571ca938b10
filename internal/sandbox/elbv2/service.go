package elbv2

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/awserr"
)

// Options configures a Service.
type Options struct {
	Region    string           // default "us-east-1"
	AccountID string           // default "123456789012"
	Now       func() time.Time // default time.Now
	// ReleaseDelay is how long a target group released by its last listener
	// or rule still answers DeleteTargetGroup with ResourceInUse (AWS is
	// eventually consistent there). 0 means DefaultReleaseDelay; negative,
	// none.
	ReleaseDelay time.Duration
}

// DefaultReleaseDelay: see Options.ReleaseDelay and "Eventual consistency"
// in the package documentation.
const DefaultReleaseDelay = 5 * time.Second

// Service is an in-memory ELBv2 control plane. It is safe for concurrent use.
type Service struct {
	mu      sync.Mutex
	region  string
	account string
	now     func() time.Time
	seq     int64

	lbs       map[string]*loadBalancer
	tgs       map[string]*targetGroup
	listeners map[string]*listener
	rules     map[string]*rule
	tags      map[string]*tagSet

	onChange func(action string) // see SetOnChange; nil when unset

	releaseDelay time.Duration
	released     map[string]time.Time // target group ARN -> when its last user let go

	vpcs map[string]map[string]bool // region -> VPC ids added with AddVPC

	// reqRegion is the region of the request being served (from its SigV4
	// credential scope), "" outside requests: ARNs are minted in it and
	// ARNs of other regions name nothing.
	reqRegion string
}

// currentRegion is the region ARNs are minted in: the request's, or the
// service's default.
func (s *Service) currentRegion() string {
	if s.reqRegion != "" {
		return s.reqRegion
	}
	return s.region
}

// inRegion reports whether arn belongs to the request's region (always true
// outside requests, e.g. for the admin API and the data plane).
func (s *Service) inRegion(arn string) bool {
	if s.reqRegion == "" {
		return true
	}
	parts := strings.SplitN(arn, ":", 5)
	return len(parts) == 5 && parts[3] == s.reqRegion
}

// SetReleaseDelay changes Options.ReleaseDelay (0: the default; negative:
// none).
func (s *Service) SetReleaseDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.releaseDelay = releaseDelay(d)
}

func releaseDelay(d time.Duration) time.Duration {
	switch {
	case d == 0:
		return DefaultReleaseDelay
	case d < 0:
		return 0
	}
	return d
}

// New returns an empty ELBv2 service.
func New(o Options) *Service {
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.AccountID == "" {
		o.AccountID = "123456789012"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{
		region:    o.Region,
		account:   o.AccountID,
		now:       o.Now,
		lbs:       map[string]*loadBalancer{},
		tgs:       map[string]*targetGroup{},
		listeners: map[string]*listener{},
		rules:     map[string]*rule{},
		tags:      map[string]*tagSet{},

		releaseDelay: releaseDelay(o.ReleaseDelay),
		vpcs:         map[string]map[string]bool{},
		released:     map[string]time.Time{},
	}
}

// DefaultVPCID is the id of the default VPC the sandbox has in every region
// (the id this project's examples use). AWS gives each account a default VPC
// per region; the sandbox models only their existence.
const DefaultVPCID = "vpc-0123456789abcdef0"

var reVPCID = regexp.MustCompile(`^vpc-[0-9a-zA-Z]{1,32}$`)

// AddVPC makes a VPC exist in region ("" = the service's region), so that
// CreateTargetGroup accepts it as VpcId. Every region has DefaultVPCID.
func (s *Service) AddVPC(region, id string) error {
	if !reVPCID.MatchString(id) {
		return fmt.Errorf("%q is not a VPC id (vpc-<hex>)", id)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if region == "" {
		region = s.region
	}
	if s.vpcs[region] == nil {
		s.vpcs[region] = map[string]bool{}
	}
	s.vpcs[region][id] = true
	return nil
}

// VPCs lists the VPCs of region ("" = the service's region), the default
// one first.
func (s *Service) VPCs(region string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if region == "" {
		region = s.region
	}
	out := []string{DefaultVPCID}
	var added []string
	for id := range s.vpcs[region] {
		if id != DefaultVPCID {
			added = append(added, id)
		}
	}
	sort.Strings(added)
	return append(out, added...)
}

// vpcExists reports whether id is a VPC of the request's region; s.mu held.
func (s *Service) vpcExists(id string) bool {
	return id == DefaultVPCID || s.vpcs[s.currentRegion()][id]
}

// referencedTGs is the set of target groups some listener or rule forwards to.
func (s *Service) referencedTGs() map[string]bool {
	out := map[string]bool{}
	for arn := range s.tgs {
		if s.tgReferenced(arn) {
			out[arn] = true
		}
	}
	return out
}

type handler func(s *Service, p params) ([]byte, *awserr.Error)

var handlers = map[string]handler{
	"CreateLoadBalancer":             (*Service).createLoadBalancer,
	"DescribeLoadBalancers":          (*Service).describeLoadBalancers,
	"DeleteLoadBalancer":             (*Service).deleteLoadBalancer,
	"DescribeLoadBalancerAttributes": (*Service).describeLoadBalancerAttributes,
	"ModifyLoadBalancerAttributes":   (*Service).modifyLoadBalancerAttributes,
	"CreateTargetGroup":              (*Service).createTargetGroup,
	"DescribeTargetGroups":           (*Service).describeTargetGroups,
	"ModifyTargetGroup":              (*Service).modifyTargetGroup,
	"DeleteTargetGroup":              (*Service).deleteTargetGroup,
	"DescribeTargetGroupAttributes":  (*Service).describeTargetGroupAttributes,
	"ModifyTargetGroupAttributes":    (*Service).modifyTargetGroupAttributes,
	"RegisterTargets":                (*Service).registerTargets,
	"DeregisterTargets":              (*Service).deregisterTargets,
	"DescribeTargetHealth":           (*Service).describeTargetHealth,
	"CreateListener":                 (*Service).createListener,
	"DescribeListeners":              (*Service).describeListeners,
	"ModifyListener":                 (*Service).modifyListener,
	"DeleteListener":                 (*Service).deleteListener,
	"CreateRule":                     (*Service).createRule,
	"DescribeRules":                  (*Service).describeRules,
	"ModifyRule":                     (*Service).modifyRule,
	"DeleteRule":                     (*Service).deleteRule,
	"SetRulePriorities":              (*Service).setRulePriorities,
	"AddTags":                        (*Service).addTags,
	"RemoveTags":                     (*Service).removeTags,
	"DescribeTags":                   (*Service).describeTags,
}

// ServeQuery executes one awsQuery operation. action is the form "Action";
// params are all decoded form values (Action and Version may be included).
// It returns the full XML response body or an *awserr.Error.
func (s *Service) ServeQuery(action string, params url.Values, requestID string) ([]byte, *awserr.Error) {
	return s.ServeQueryIn("", action, params, requestID)
}

// ServeQueryIn is ServeQuery for a request signed for region (its SigV4
// credential scope): the ARNs it mints are in that region, and ARNs of other
// regions are not found, as on AWS where each region is its own API. ""
// means the service's default region.
func (s *Service) ServeQueryIn(region, action string, params url.Values, requestID string) ([]byte, *awserr.Error) {
	h, ok := handlers[action]
	if !ok {
		return nil, errf(codeInvalidAction, "The action %s is not valid for this web service.", action)
	}
	if params == nil {
		params = url.Values{}
	}
	body, err, hook := func() ([]byte, *awserr.Error, func(string)) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.reqRegion = region
		defer func() { s.reqRegion = "" }()
		s.expireDraining()
		var before map[string]bool
		if mutating(action) {
			before = s.referencedTGs()
		}
		body, err := h(s, newParams(params))
		if err == nil && before != nil {
			after := s.referencedTGs()
			for arn := range before {
				if !after[arn] {
					s.released[arn] = s.now()
				}
			}
		}
		return body, err, s.onChange
	}()
	if err != nil {
		return nil, err
	}
	if hook != nil && mutating(action) {
		hook(action) // outside the lock: the hook may take snapshots
	}
	return envelope(action, body, requestID), nil
}

func (s *Service) nextSeq() int64 {
	s.seq++
	return s.seq
}

// ---- identifiers -----------------------------------------------------------

func randHex16() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func randDigits(n int) string {
	out := make([]byte, n)
	for i := range out {
		d, _ := rand.Int(rand.Reader, big.NewInt(10))
		out[i] = byte('0' + d.Int64())
		if i == 0 && out[i] == '0' {
			out[i] = '1'
		}
	}
	return string(out)
}

func (s *Service) arnPrefix() string {
	return fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:", s.currentRegion(), s.account)
}

var (
	reLBArn       = regexp.MustCompile(`^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer/(app|net|gwy)/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}$`)
	reTGArn       = regexp.MustCompile(`^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}$`)
	reListenerArn = regexp.MustCompile(`^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener/(app|net|gwy)/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}/[0-9a-f]{16}$`)
	reRuleArn     = regexp.MustCompile(`^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener-rule/(app|net|gwy)/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}/[0-9a-f]{16}/[0-9a-f]{16}$`)
)

// ---- lookups (AWS error codes for unknown/malformed ARNs) --------------------

func (s *Service) lookupLB(arn string) (*loadBalancer, *awserr.Error) {
	if !reLBArn.MatchString(arn) {
		return nil, validation("'%s' is not a valid load balancer ARN", arn)
	}
	lb, ok := s.lbs[arn]
	if !ok || !s.inRegion(arn) {
		return nil, errf(codeLoadBalancerNotFound, "Load balancer '%s' not found", arn)
	}
	return lb, nil
}

func (s *Service) lookupTG(arn string) (*targetGroup, *awserr.Error) {
	if !reTGArn.MatchString(arn) {
		return nil, validation("'%s' is not a valid target group ARN", arn)
	}
	tg, ok := s.tgs[arn]
	if !ok || !s.inRegion(arn) {
		return nil, errf(codeTargetGroupNotFound, "Target groups '%s' not found", arn)
	}
	return tg, nil
}

func (s *Service) lookupListener(arn string) (*listener, *awserr.Error) {
	if !reListenerArn.MatchString(arn) {
		return nil, validation("'%s' is not a valid listener ARN", arn)
	}
	l, ok := s.listeners[arn]
	if !ok || !s.inRegion(arn) {
		return nil, errf(codeListenerNotFound, "Listener '%s' not found", arn)
	}
	return l, nil
}

func (s *Service) lookupRule(arn string) (*rule, *awserr.Error) {
	if !reRuleArn.MatchString(arn) {
		return nil, validation("'%s' is not a valid listener rule ARN", arn)
	}
	r, ok := s.rules[arn]
	if !ok || !s.inRegion(arn) {
		return nil, errf(codeRuleNotFound, "One or more rules not found")
	}
	return r, nil
}

// ---- pagination ------------------------------------------------------------

// page applies Marker/PageSize to n items. Markers are opaque offsets.
func page(p params, n int) (start, end int, next string, err *awserr.Error) {
	var c constraints
	size := int32(400)
	if v, ok, bad := p.int32Field("PageSize"); bad {
		c.notInt("pageSize", p.get("PageSize"))
	} else if ok {
		c.rng("pageSize", int64(v), 1, 400)
		size = v
	}
	if e := c.err(); e != nil {
		return 0, 0, "", e
	}
	if m, ok := p.str("Marker"); ok && m != "" {
		off, perr := decodeMarker(m)
		if perr != nil || off < 0 || off > n {
			return 0, 0, "", validation("Invalid marker '%s'", m)
		}
		start = off
	}
	end = start + int(size)
	if end >= n {
		end = n
	} else {
		next = encodeMarker(end)
	}
	return start, end, next, nil
}

func encodeMarker(off int) string {
	return hex.EncodeToString([]byte(fmt.Sprintf("sbx-marker:%d", off)))
}

func decodeMarker(m string) (int, error) {
	b, err := hex.DecodeString(m)
	if err != nil {
		return 0, err
	}
	var off int
	if _, err := fmt.Sscanf(string(b), "sbx-marker:%d", &off); err != nil {
		return 0, err
	}
	return off, nil
}

func sortBySeq[T any](items []T, seq func(T) int64) {
	sort.SliceStable(items, func(i, j int) bool { return seq(items[i]) < seq(items[j]) })
}
