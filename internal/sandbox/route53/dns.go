package route53

import (
	"errors"
	"fmt"
	"hash/fnv"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// AliasResolver answers for alias targets outside the sandbox's hosted zones
// (load balancers, CloudFront, …): the addresses a query of qtype (A or AAAA)
// for dnsName gets. ok false makes the DNS server answer a placeholder.
type AliasResolver func(dnsName string, qtype uint16) (ips []net.IP, ok bool)

// aliasTTL is the TTL Route 53 answers for alias records to AWS resources
// (ELB, CloudFront, …): 60 seconds.
const aliasTTL = 60

// PlaceholderIPv4 returns the address the DNS server answers for an alias
// target it cannot resolve: a stable address in 192.0.2.0/24 (TEST-NET-1,
// RFC 5737, never routed) derived from the target's name, so that two
// targets still get two different answers.
func PlaceholderIPv4(dnsName string) net.IP {
	h := fnv.New32a()
	_, _ = h.Write([]byte(canonicalName(dnsName)))
	return net.IPv4(192, 0, 2, byte(1+h.Sum32()%254))
}

// PlaceholderIPv6 is PlaceholderIPv4's IPv6 twin in 2001:db8::/32 (RFC 3849).
func PlaceholderIPv6(dnsName string) net.IP {
	ip := net.ParseIP("2001:db8::")
	ip[15] = PlaceholderIPv4(dnsName)[15]
	return ip
}

// Answer is the DNS model's answer to one question.
type Answer struct {
	Rcode  int
	Answer []dns.RR
	Ns     []dns.RR
	// Zone is the hosted zone that answered ("" when none: REFUSED).
	Zone string
	// SetIdentifiers are the weighted record sets chosen on the way, in
	// order (empty for simple records).
	SetIdentifiers []string
}

// Resolve answers one question as Route 53's name servers would right now:
// from the newest state this query's server has (changes still PENDING are
// seen by a share of queries that grows linearly from 0 at submission to 1
// at INSYNC), choosing one weighted record set at random in proportion to
// the weights (weight-0 sets only when every set of the group has weight 0;
// sets whose health check fails are left out unless all fail), aliases
// resolved to their targets' addresses.
func (s *Service) Resolve(qname string, qtype uint16, aliases AliasResolver) Answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := canonicalName(qname)
	var z *zone
	for _, id := range s.zoneOrder {
		c := s.zones[id]
		if inZone(name, c.name) && (z == nil || len(c.name) > len(z.name)) {
			z = c
		}
	}
	if z == nil {
		return Answer{Rcode: dns.RcodeRefused}
	}
	a := Answer{Rcode: dns.RcodeSuccess, Zone: z.id}
	state := s.stateForQueryLocked(z)
	s.resolveLocked(&a, z, state, name, qtype, aliases, 0)
	if len(a.Answer) == 0 {
		for _, r := range state {
			if r.Name == z.name && r.Type == "SOA" {
				if rr, err := dns.NewRR(fmt.Sprintf("%s %d IN SOA %s", z.name, ttlOf(r), r.Records[0])); err == nil {
					a.Ns = append(a.Ns, rr)
				}
			}
		}
	}
	return a
}

func ttlOf(r *RecordSet) int64 {
	if r.TTL == nil {
		return aliasTTL
	}
	return *r.TTL
}

// stateForQueryLocked picks the zone state one query sees.
func (s *Service) stateForQueryLocked(z *zone) snapshot {
	s.settleLocked(z)
	now := s.opts.Now()
	delay := s.ChangeDelay()
	for i := len(z.pending) - 1; i >= 0; i-- {
		p := z.pending[i]
		elapsed := now.Sub(p.change.submitted)
		if delay > 0 && s.random() < float64(elapsed)/float64(delay) {
			return p.state
		}
	}
	return z.published
}

func (s *Service) resolveLocked(a *Answer, z *zone, state snapshot, name string, qtype uint16, aliases AliasResolver, depth int) {
	if depth > 8 {
		a.Rcode = dns.RcodeServerFailure
		return
	}
	typ := dns.TypeToString[qtype]
	var atName []*RecordSet
	below := false
	for _, r := range state {
		if r.Name == name {
			atName = append(atName, r)
		} else if strings.HasSuffix(r.Name, "."+name) {
			below = true
		}
	}
	if len(atName) == 0 && !below && name != z.name {
		// Wildcard: *.<parent>.
		if _, parent, ok := strings.Cut(name, "."); ok && inZone(parent, z.name) {
			for _, r := range state {
				if r.Name == "*."+parent {
					c := r.clone()
					c.Name = name
					atName = append(atName, c)
				}
			}
		}
		if len(atName) == 0 {
			if depth == 0 {
				a.Rcode = dns.RcodeNameError
			}
			return
		}
	}
	pick := func(t string) *RecordSet {
		var group []*RecordSet
		for _, r := range atName {
			if r.Type == t {
				group = append(group, r)
			}
		}
		return s.chooseLocked(a, group)
	}
	if qtype != dns.TypeCNAME {
		if c := pick("CNAME"); c != nil {
			if c.Alias != nil {
				s.aliasLocked(a, z, c, name, dns.TypeCNAME, aliases, depth)
				return
			}
			target := canonicalName(c.Records[0])
			if rr, err := dns.NewRR(fmt.Sprintf("%s %d IN CNAME %s", name, ttlOf(c), target)); err == nil {
				a.Answer = append(a.Answer, rr)
			}
			if inZone(target, z.name) {
				s.resolveLocked(a, z, state, target, qtype, aliases, depth+1)
			}
			return
		}
	}
	r := pick(typ)
	if r == nil {
		return
	}
	if r.Alias != nil {
		s.aliasLocked(a, z, r, name, qtype, aliases, depth)
		return
	}
	for _, v := range r.Records {
		rr, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", name, ttlOf(r), r.Type, v))
		if err == nil && rr != nil {
			a.Answer = append(a.Answer, rr)
		}
	}
}

// chooseLocked picks the record set of a group (same name and type) that
// answers this query.
func (s *Service) chooseLocked(a *Answer, group []*RecordSet) *RecordSet {
	if len(group) == 0 {
		return nil
	}
	if len(group) == 1 && group[0].SetIdentifier == "" {
		return group[0]
	}
	healthy := make([]*RecordSet, 0, len(group))
	for _, r := range group {
		if s.healthyLocked(r.HealthCheckID) {
			healthy = append(healthy, r)
		}
	}
	if len(healthy) == 0 {
		healthy = group // all unhealthy: Route 53 treats them all as healthy
	}
	var total int64
	for _, r := range healthy {
		if r.Weight != nil {
			total += *r.Weight
		}
	}
	var chosen *RecordSet
	if total == 0 {
		chosen = healthy[min(int(s.random()*float64(len(healthy))), len(healthy)-1)]
	} else {
		x := int64(s.random() * float64(total))
		for _, r := range healthy {
			if r.Weight == nil || *r.Weight == 0 {
				continue
			}
			if x < *r.Weight {
				chosen = r
				break
			}
			x -= *r.Weight
		}
		if chosen == nil { // rounding at the top end
			for i := len(healthy) - 1; i >= 0; i-- {
				if healthy[i].Weight != nil && *healthy[i].Weight > 0 {
					chosen = healthy[i]
					break
				}
			}
		}
	}
	a.SetIdentifiers = append(a.SetIdentifiers, chosen.SetIdentifier)
	return chosen
}

func (s *Service) aliasLocked(a *Answer, z *zone, r *RecordSet, name string, qtype uint16, aliases AliasResolver, depth int) {
	target := canonicalName(r.Alias.DNSName)
	if tz, ok := s.zones[r.Alias.HostedZoneID]; ok && inZone(target, tz.name) {
		sub := Answer{Rcode: dns.RcodeSuccess}
		state := tz.published
		if tz == z {
			state = nil
			// Same zone: the query's state already chosen for z.
		}
		if state == nil {
			state = s.stateForQueryLocked(z)
		}
		s.resolveLocked(&sub, tz, state, target, qtype, aliases, depth+1)
		a.SetIdentifiers = append(a.SetIdentifiers, sub.SetIdentifiers...)
		for _, rr := range sub.Answer {
			if rr.Header().Rrtype != qtype {
				continue // CNAME hops of the target are not shown
			}
			c := dns.Copy(rr)
			c.Header().Name = name
			a.Answer = append(a.Answer, c)
		}
		return
	}
	if qtype != dns.TypeA && qtype != dns.TypeAAAA {
		return
	}
	var ips []net.IP
	if aliases != nil {
		if got, ok := aliases(target, qtype); ok {
			ips = got
		}
	}
	if len(ips) == 0 {
		if qtype == dns.TypeA {
			ips = []net.IP{PlaceholderIPv4(target)}
		} else {
			ips = []net.IP{PlaceholderIPv6(target)}
		}
	}
	for _, ip := range ips {
		hdr := dns.RR_Header{Name: name, Class: dns.ClassINET, Ttl: aliasTTL, Rrtype: qtype}
		if qtype == dns.TypeA && ip.To4() != nil {
			a.Answer = append(a.Answer, &dns.A{Hdr: hdr, A: ip.To4()})
		} else if qtype == dns.TypeAAAA && ip.To4() == nil {
			a.Answer = append(a.Answer, &dns.AAAA{Hdr: hdr, AAAA: ip})
		}
	}
}

// DNSServer is an authoritative DNS server (UDP and TCP on one loopback
// port) answering from the service's hosted zones.
type DNSServer struct {
	svc     *Service
	aliases AliasResolver
	udp     *dns.Server
	tcp     *dns.Server
	addr    string
	queries atomic.Int64
	once    sync.Once
}

// StartDNS serves the service's zones on addr ("127.0.0.1:0" for a free
// port; UDP and TCP share the port).
func StartDNS(addr string, svc *Service, aliases AliasResolver) (*DNSServer, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("route53 dns: invalid address %q: %w", addr, err)
	}
	var lastErr error
	// TCP first (its free ports are the contested ones: every test server
	// takes one), then UDP on the same port; a taken port is tried again
	// with another, many times, since the kernel may hand out the same one.
	for attempt := 0; attempt < 50; attempt++ {
		ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
		if err != nil {
			return nil, fmt.Errorf("route53 dns: listen tcp %s: %w", addr, err)
		}
		p := ln.Addr().(*net.TCPAddr).Port
		pc, err := net.ListenPacket("udp", net.JoinHostPort(host, strconv.Itoa(p)))
		if err != nil {
			_ = ln.Close()
			lastErr = err
			if port != "0" {
				break
			}
			continue // the free TCP port is taken for UDP: try another
		}
		d := &DNSServer{svc: svc, aliases: aliases, addr: pc.LocalAddr().String()}
		h := dns.HandlerFunc(d.serve)
		d.udp = &dns.Server{PacketConn: pc, Handler: h}
		d.tcp = &dns.Server{Listener: ln, Handler: h}
		startedU, startedT := make(chan struct{}), make(chan struct{})
		d.udp.NotifyStartedFunc = func() { close(startedU) }
		d.tcp.NotifyStartedFunc = func() { close(startedT) }
		go func() { _ = d.udp.ActivateAndServe() }()
		go func() { _ = d.tcp.ActivateAndServe() }()
		select {
		case <-startedU:
		case <-time.After(5 * time.Second):
			return nil, errors.New("route53 dns: UDP server did not start")
		}
		select {
		case <-startedT:
		case <-time.After(5 * time.Second):
			return nil, errors.New("route53 dns: TCP server did not start")
		}
		return d, nil
	}
	return nil, fmt.Errorf("route53 dns: listen udp on the TCP port: %w", lastErr)
}

// Addr is the "host:port" the server answers on (UDP and TCP).
func (d *DNSServer) Addr() string { return d.addr }

// Queries counts the questions answered so far.
func (d *DNSServer) Queries() int64 { return d.queries.Load() }

// Close stops both listeners.
func (d *DNSServer) Close() error {
	var err error
	d.once.Do(func() {
		err = errors.Join(d.udp.Shutdown(), d.tcp.Shutdown())
	})
	return err
}

func (d *DNSServer) serve(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	m.RecursionAvailable = false
	if len(req.Question) != 1 || req.Opcode != dns.OpcodeQuery {
		m.SetRcode(req, dns.RcodeNotImplemented)
		_ = w.WriteMsg(m)
		return
	}
	d.queries.Add(1)
	q := req.Question[0]
	a := d.svc.Resolve(q.Name, q.Qtype, d.aliases)
	m.Rcode = a.Rcode
	if a.Rcode == dns.RcodeRefused {
		m.Authoritative = false
	}
	for _, rr := range a.Answer {
		rr.Header().Name = strings.Replace(rr.Header().Name, canonicalName(q.Name), q.Name, 1)
	}
	m.Answer, m.Ns = a.Answer, a.Ns
	if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
		size := uint16(dns.MinMsgSize)
		if o := req.IsEdns0(); o != nil {
			size = o.UDPSize()
		}
		m.Truncate(int(size))
	}
	_ = w.WriteMsg(m)
}
