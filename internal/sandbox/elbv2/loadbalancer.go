package elbv2

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/awserr"
)

const (
	lbTypeApplication = "application"
	lbTypeNetwork     = "network"
	lbTypeGateway     = "gateway"
)

type subnetRef struct {
	subnetID     string
	zone         string
	allocationID string
	privateIPv4  string
	ipv6         string
}

type loadBalancer struct {
	seq            int64
	arn            string
	id             string
	name           string
	typ            string
	scheme         string
	ipAddressType  string
	subnets        []subnetRef
	securityGroups []string
	vpcID          string
	dnsName        string
	hostedZone     string
	created        time.Time
	attrs          *attrList
}

func (lb *loadBalancer) arnKind() string {
	switch lb.typ {
	case lbTypeNetwork:
		return "net"
	case lbTypeGateway:
		return "gwy"
	}
	return "app"
}

// Canonical hosted zone IDs of the ELB DNS zones (per region and LB type).
var albZones = map[string]string{
	"us-east-1": "Z35SXDOTRQ7X7K", "us-east-2": "Z3AADJGX6KTTL2", "us-west-1": "Z368ELLRRE2KJ0",
	"us-west-2": "Z1H1FL5HABSF5", "eu-west-1": "Z32O12XQLNTSW2", "eu-west-2": "ZHURV8PSTC4K8",
	"eu-central-1": "Z215JYRZR1TBD5", "ap-northeast-1": "Z14GRHDCWA56QT", "ap-southeast-1": "Z1LMS91P8CMLE5",
	"ap-southeast-2": "Z1GM3OXH4ZPM65",
}

var nlbZones = map[string]string{
	"us-east-1": "Z26RNL4JYFTOTI", "us-east-2": "ZLMOA37VPKANP", "us-west-1": "Z24FKFUX50B4VW",
	"us-west-2": "Z18D5FSROUN65G", "eu-west-1": "Z2IFOLAFXWLO4F", "eu-west-2": "ZD4D7Y8KGAS4G",
	"eu-central-1": "Z3F0SRJ5LGBH90", "ap-northeast-1": "Z31USIVHYNEOWT", "ap-southeast-1": "ZKVM4W9LS7TM",
	"ap-southeast-2": "ZCT6FZBF4DROD",
}

var reName = regexp.MustCompile(`^[A-Za-z0-9-]*$`)

func validateLBName(name string) *awserr.Error {
	switch {
	case len(name) > 32:
		return validation("The load balancer name '%s' cannot be longer than '32' characters", name)
	case !reName.MatchString(name):
		return validation("The load balancer name '%s' can only contain characters that are alphanumeric characters or hyphens(-)", name)
	case strings.HasPrefix(name, "-") || strings.HasSuffix(name, "-"):
		return validation("The load balancer name '%s' cannot begin or end with a hyphen(-)", name)
	case strings.HasPrefix(strings.ToLower(name), "internal-"):
		return validation("The load balancer name '%s' cannot begin with 'internal-'", name)
	}
	return nil
}

func (s *Service) createLoadBalancer(p params) ([]byte, *awserr.Error) {
	var c constraints
	name, ok := p.str("Name")
	if !ok {
		c.null("name")
	}
	typ := lbTypeApplication
	if v, ok := p.str("Type"); ok {
		c.enum("type", v, []string{lbTypeApplication, lbTypeNetwork, lbTypeGateway})
		typ = v
	}
	scheme := "internet-facing"
	schemeSent := false
	if v, ok := p.str("Scheme"); ok {
		c.enum("scheme", v, []string{"internet-facing", "internal"})
		scheme, schemeSent = v, true
	}
	ipType := "ipv4"
	if v, ok := p.str("IpAddressType"); ok {
		c.enum("ipAddressType", v, []string{"ipv4", "dualstack", "dualstack-without-public-ipv4"})
		ipType = v
	}
	if e := c.err(); e != nil {
		return nil, e
	}
	if err := validateLBName(name); err != nil {
		return nil, err
	}
	if typ == lbTypeGateway && schemeSent {
		return nil, errf(codeInvalidScheme, "A scheme cannot be specified for load balancers of type 'gateway'")
	}
	if scheme == "internal" && ipType == "dualstack-without-public-ipv4" {
		return nil, validation("Internal load balancers must use the 'ipv4' or 'dualstack' IP address type")
	}
	if ipType == "dualstack-without-public-ipv4" && typ != lbTypeApplication {
		return nil, validation("The IP address type 'dualstack-without-public-ipv4' is only supported for Application Load Balancers")
	}

	subnetIDs := p.strList("Subnets")
	mappings := p.members("SubnetMappings")
	if len(subnetIDs) > 0 && len(mappings) > 0 {
		return nil, validation("You can specify subnets or subnet mappings, not both")
	}
	var subnets []subnetRef
	for _, id := range subnetIDs {
		subnets = append(subnets, subnetRef{subnetID: id})
	}
	for i, m := range mappings {
		id, ok := m.str("SubnetId")
		if !ok {
			c.null(memberPath("subnetMappings", i) + ".subnetId")
			continue
		}
		subnets = append(subnets, subnetRef{
			subnetID:     id,
			allocationID: m.get("AllocationId"),
			privateIPv4:  m.get("PrivateIPv4Address"),
			ipv6:         m.get("IPv6Address"),
		})
	}
	if e := c.err(); e != nil {
		return nil, e
	}
	seen := map[string]bool{}
	for i := range subnets {
		id := subnets[i].subnetID
		if !strings.HasPrefix(id, "subnet-") || len(id) <= len("subnet-") {
			return nil, errf(codeSubnetNotFound, "The subnet ID '%s' is not valid", id)
		}
		if seen[id] {
			return nil, validation("Subnet '%s' was specified more than once", id)
		}
		seen[id] = true
		// The sandbox has no EC2: each subnet is placed in its own zone, in order.
		subnets[i].zone = s.region + string(rune('a'+i%6))
	}
	if len(subnets) == 0 {
		if typ == lbTypeApplication {
			return nil, validation("At least two subnets in two different Availability Zones must be specified")
		}
		return nil, validation("At least one subnet must be specified")
	}
	if typ == lbTypeApplication && len(subnets) < 2 {
		return nil, validation("At least two subnets in two different Availability Zones must be specified")
	}
	sgs := p.strList("SecurityGroups")
	if typ == lbTypeGateway && len(sgs) > 0 {
		return nil, validation("Security groups are not supported for load balancers with type 'gateway'")
	}
	tags, err := parseTags(p, "Tags", "tags")
	if err != nil {
		return nil, err
	}

	// Idempotent create: same name and settings returns the existing LB.
	for _, lb := range s.lbs {
		if lb.name != name || !s.inRegion(lb.arn) {
			continue
		}
		if lb.typ == typ && lb.scheme == scheme && lb.ipAddressType == ipType &&
			sameSet(subnetIDsOf(lb.subnets), subnetIDsOf(subnets)) && sameSet(lb.securityGroups, sgs) {
			var w xw
			w.open("LoadBalancers")
			s.writeLB(&w, lb, "")
			w.close("LoadBalancers")
			return w.b.Bytes(), nil
		}
		return nil, errf(codeDuplicateLoadBalancerName, "A load balancer with the same name '%s' exists, but with different settings", name)
	}

	lb := &loadBalancer{
		seq:            s.nextSeq(),
		id:             randHex16(),
		name:           name,
		typ:            typ,
		scheme:         scheme,
		ipAddressType:  ipType,
		subnets:        subnets,
		securityGroups: sgs,
		created:        s.now(),
		attrs:          defaultLBAttrs(typ),
	}
	lb.arn = fmt.Sprintf("%sloadbalancer/%s/%s/%s", s.arnPrefix(), lb.arnKind(), name, lb.id)
	prefix := ""
	if scheme == "internal" {
		prefix = "internal-"
	}
	switch typ {
	case lbTypeApplication:
		lb.dnsName = fmt.Sprintf("%s%s-%s.%s.elb.amazonaws.com", prefix, name, randDigits(10), s.region)
		lb.hostedZone = zoneFor(albZones, s.region, "Z35SXDOTRQ7X7K")
	default:
		lb.dnsName = fmt.Sprintf("%s%s-%s.elb.%s.amazonaws.com", prefix, name, randHex16(), s.region)
		lb.hostedZone = zoneFor(nlbZones, s.region, "Z26RNL4JYFTOTI")
	}
	if typ == lbTypeGateway {
		lb.scheme = ""
		lb.hostedZone = ""
	}
	s.lbs[lb.arn] = lb
	if len(tags) > 0 {
		if err := s.applyTags(lb.arn, tags); err != nil {
			delete(s.lbs, lb.arn)
			return nil, err
		}
	}
	var w xw
	w.open("LoadBalancers")
	s.writeLB(&w, lb, "provisioning")
	w.close("LoadBalancers")
	return w.b.Bytes(), nil
}

func zoneFor(m map[string]string, region, def string) string {
	if z, ok := m[region]; ok {
		return z
	}
	return def
}

func subnetIDsOf(ss []subnetRef) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.subnetID
	}
	return out
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x := append([]string(nil), a...)
	y := append([]string(nil), b...)
	sort.Strings(x)
	sort.Strings(y)
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}

// writeLB renders one LoadBalancer member. state overrides the reported state
// code (CreateLoadBalancer reports "provisioning"; the sandbox is active at once).
func (s *Service) writeLB(w *xw, lb *loadBalancer, state string) {
	if state == "" {
		state = "active"
	}
	w.open("member")
	w.str("LoadBalancerArn", lb.arn)
	w.str("DNSName", lb.dnsName)
	w.optStr("CanonicalHostedZoneId", lb.hostedZone)
	w.time("CreatedTime", lb.created)
	w.str("LoadBalancerName", lb.name)
	w.optStr("Scheme", lb.scheme)
	w.optStr("VpcId", lb.vpcID)
	w.open("State")
	w.str("Code", state)
	w.close("State")
	w.str("Type", lb.typ)
	w.open("AvailabilityZones")
	for _, sn := range lb.subnets {
		w.open("member")
		w.str("ZoneName", sn.zone)
		w.str("SubnetId", sn.subnetID)
		if sn.allocationID != "" || sn.privateIPv4 != "" || sn.ipv6 != "" {
			w.open("LoadBalancerAddresses")
			w.open("member")
			w.optStr("AllocationId", sn.allocationID)
			w.optStr("PrivateIPv4Address", sn.privateIPv4)
			w.optStr("IPv6Address", sn.ipv6)
			w.close("member")
			w.close("LoadBalancerAddresses")
		}
		w.close("member")
	}
	w.close("AvailabilityZones")
	if lb.typ != lbTypeGateway && len(lb.securityGroups) > 0 {
		w.strMembers("SecurityGroups", lb.securityGroups)
	}
	w.str("IpAddressType", lb.ipAddressType)
	w.close("member")
}

func (s *Service) sortedLBs() []*loadBalancer {
	out := make([]*loadBalancer, 0, len(s.lbs))
	for _, lb := range s.lbs {
		if s.inRegion(lb.arn) {
			out = append(out, lb)
		}
	}
	sortBySeq(out, func(l *loadBalancer) int64 { return l.seq })
	return out
}

func (s *Service) describeLoadBalancers(p params) ([]byte, *awserr.Error) {
	arns := p.strList("LoadBalancerArns")
	names := p.strList("Names")
	if len(arns) > 0 && len(names) > 0 {
		return nil, validation("Load balancer names and load balancer ARNs cannot be specified at the same time")
	}
	if len(arns) > 20 {
		return nil, validation("You cannot describe more than '20' load balancers at a time")
	}
	var list []*loadBalancer
	switch {
	case len(arns) > 0:
		found := map[string]bool{}
		for _, a := range arns {
			if !reLBArn.MatchString(a) {
				return nil, validation("'%s' is not a valid load balancer ARN", a)
			}
			if _, ok := s.lbs[a]; !ok || !s.inRegion(a) {
				return nil, errf(codeLoadBalancerNotFound, "One or more load balancers not found")
			}
			found[a] = true
		}
		for _, lb := range s.sortedLBs() {
			if found[lb.arn] {
				list = append(list, lb)
			}
		}
	case len(names) > 0:
		want := map[string]bool{}
		for _, n := range names {
			want[n] = true
		}
		got := map[string]bool{}
		for _, lb := range s.sortedLBs() {
			if want[lb.name] {
				list = append(list, lb)
				got[lb.name] = true
			}
		}
		var missing []string
		for _, n := range names {
			if !got[n] {
				missing = append(missing, n)
			}
		}
		if len(missing) > 0 {
			return nil, errf(codeLoadBalancerNotFound, "Load balancers '[%s]' not found", strings.Join(missing, ", "))
		}
	default:
		list = s.sortedLBs()
	}
	start, end, next, err := page(p, len(list))
	if err != nil {
		return nil, err
	}
	var w xw
	if end > start {
		w.open("LoadBalancers")
		for _, lb := range list[start:end] {
			s.writeLB(&w, lb, "")
		}
		w.close("LoadBalancers")
	} else {
		w.empty("LoadBalancers")
	}
	w.optStr("NextMarker", next)
	return w.b.Bytes(), nil
}

func (s *Service) deleteLoadBalancer(p params) ([]byte, *awserr.Error) {
	arn, ok := p.str("LoadBalancerArn")
	if !ok {
		var c constraints
		c.null("loadBalancerArn")
		return nil, c.err()
	}
	if !reLBArn.MatchString(arn) {
		return nil, validation("'%s' is not a valid load balancer ARN", arn)
	}
	lb, ok := s.lbs[arn]
	if !ok || !s.inRegion(arn) {
		// AWS: "If the load balancer does not exist or has already been deleted, the call succeeds."
		return nil, nil
	}
	if v, _ := lb.attrs.get("deletion_protection.enabled"); v == "true" {
		return nil, errf(codeOperationNotPermitted, "Load balancer '%s' cannot be deleted because deletion protection is enabled", arn)
	}
	for _, l := range s.listenersOf(arn) {
		s.removeListener(l)
	}
	delete(s.lbs, arn)
	delete(s.tags, arn)
	return nil, nil
}

func (s *Service) describeLoadBalancerAttributes(p params) ([]byte, *awserr.Error) {
	arn, ok := p.str("LoadBalancerArn")
	if !ok {
		var c constraints
		c.null("loadBalancerArn")
		return nil, c.err()
	}
	lb, err := s.lookupLB(arn)
	if err != nil {
		return nil, err
	}
	var w xw
	w.attrs(lb.attrs)
	return w.b.Bytes(), nil
}

func (s *Service) modifyLoadBalancerAttributes(p params) ([]byte, *awserr.Error) {
	var c constraints
	arn, ok := p.str("LoadBalancerArn")
	if !ok {
		c.null("loadBalancerArn")
	}
	if !p.listSent("Attributes") {
		c.null("attributes")
	}
	if e := c.err(); e != nil {
		return nil, e
	}
	lb, err := s.lookupLB(arn)
	if err != nil {
		return nil, err
	}
	next := lb.attrs.clone()
	for _, m := range p.members("Attributes") {
		k, v := m.get("Key"), m.get("Value")
		if _, known := next.get(k); !known {
			return nil, validation("Load balancer attribute key '%s' is not recognized", k)
		}
		switch {
		case strings.HasSuffix(k, ".enabled"):
			if v != "true" && v != "false" {
				return nil, validation("Load balancer attribute value '%s' for key '%s' must be 'true' or 'false'", v, k)
			}
		case k == "idle_timeout.timeout_seconds":
			if n, e := strconv.Atoi(v); e != nil || n < 1 || n > 4000 {
				return nil, validation("Load balancer attribute value '%s' for key '%s' must be between '1' and '4000'", v, k)
			}
		case k == "client_keep_alive.seconds":
			if n, e := strconv.Atoi(v); e != nil || n < 60 || n > 604800 {
				return nil, validation("Load balancer attribute value '%s' for key '%s' must be between '60' and '604800'", v, k)
			}
		}
		next.set(k, v)
	}
	if v, _ := next.get("access_logs.s3.enabled"); v == "true" {
		if b, _ := next.get("access_logs.s3.bucket"); b == "" {
			return nil, validation("The value of 'access_logs.s3.bucket' cannot be empty")
		}
	}
	lb.attrs = next
	var w xw
	w.attrs(lb.attrs)
	return w.b.Bytes(), nil
}
