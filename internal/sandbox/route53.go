package sandbox

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/awserr"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/route53"
)

// ServiceRoute53 is Route 53's name in faults, rate limits and the call log.
const ServiceRoute53 = "route53"

// Route53Options configure the sandbox's Route 53 (Options.Route53).
type Route53Options struct {
	// ChangeDelay is how long a change stays PENDING before GetChange says
	// INSYNC (and before every DNS answer reflects it). 0 means
	// route53.DefaultChangeDelay (60 s, AWS's documented propagation time);
	// negative means INSYNC at once.
	ChangeDelay time.Duration
	// DNSAddr, when set (e.g. "127.0.0.1:0" or "127.0.0.1:5353"), starts an
	// authoritative DNS server there answering the hosted zones' records.
	// Only loopback addresses are accepted unless AllowNonLoopback is set.
	DNSAddr string
}

// r53 is the sandbox's Route 53 and its DNS server.
type r53 struct {
	svc *route53.Service
	dns *route53.DNSServer
}

// route53Request is the REST side of an apiCall.
type route53Request struct {
	req    route53.Request
	status int
	header http.Header
}

// startRoute53 builds the service and, when asked, its DNS server.
func (s *Server) startRoute53() error {
	o := s.opts.Route53
	s.r53.svc = route53.New(route53.Options{Now: s.opts.Now, ChangeDelay: o.ChangeDelay})
	if o.DNSAddr == "" {
		return nil
	}
	if !s.opts.AllowNonLoopback {
		if err := checkLoopback(o.DNSAddr); err != nil {
			return err
		}
	}
	d, err := route53.StartDNS(o.DNSAddr, s.r53.svc, s.resolveAlias)
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	s.r53.dns = d
	return nil
}

func (s *Server) closeRoute53() {
	if s.r53.dns != nil {
		_ = s.r53.dns.Close()
	}
}

// Route53 returns the Route 53 service behind the server.
func (s *Server) Route53() *route53.Service { return s.r53.svc }

// DNSAddr is the "127.0.0.1:port" of the DNS server (UDP and TCP), "" when
// Options.Route53.DNSAddr was not set.
func (s *Server) DNSAddr() string {
	if s.r53.dns == nil {
		return ""
	}
	return s.r53.dns.Addr()
}

// resolveAlias answers alias targets that are sandbox load balancers: with
// the data plane on, the loopback address their listeners are served on —
// 127.0.0.1, or the load balancer's own address with
// Options.LoadBalancerAddresses (the listener's port is in
// GET /_sandbox/dataplane/listeners). Other targets get
// route53.PlaceholderIPv4/6.
func (s *Server) resolveAlias(dnsName string, qtype uint16) ([]net.IP, bool) {
	if s.dp == nil || qtype != dns.TypeA {
		return nil, false
	}
	lbName := loadBalancerNameFromDNS(dnsName)
	if lbName == "" {
		return nil, false
	}
	for _, l := range s.elbv2.Listeners() {
		if !strings.Contains(l.LoadBalancerARN, "/"+lbName+"/") {
			continue
		}
		if addr, ok := s.ListenerAddr(l.ARN); ok {
			if host, _, err := net.SplitHostPort(addr); err == nil {
				return []net.IP{net.ParseIP(host)}, true
			}
		}
		return []net.IP{net.IPv4(127, 0, 0, 1)}, true
	}
	return nil, false
}

// loadBalancerNameFromDNS reads "web" from "web-1234567890.us-east-1.elb.amazonaws.com"
// (also with "dualstack." and "internal-" prefixes, and NLB-style names).
func loadBalancerNameFromDNS(n string) string {
	n = strings.TrimPrefix(strings.ToLower(strings.TrimSuffix(n, ".")), "dualstack.")
	if !strings.Contains(n, ".elb.") {
		return ""
	}
	first, _, _ := strings.Cut(n, ".")
	first = strings.TrimPrefix(first, "internal-")
	i := strings.LastIndex(first, "-")
	if i <= 0 {
		return ""
	}
	return first[:i]
}

// routeRoute53 turns a REST request under /2013-04-01/ into an apiCall.
func routeRoute53(r *http.Request, body []byte, requestID string) (*apiCall, *routeError) {
	op, args, aerr := route53.Route(r.Method, r.URL.Path)
	if aerr != nil {
		return nil, &routeError{asQuery: true, service: ServiceRoute53, code: aerr.Code, status: aerr.Status, message: aerr.Message}
	}
	return &apiCall{service: ServiceRoute53, operation: op, protocol: protoRESTXML, requestID: requestID,
		rest: &route53Request{req: route53.Request{Operation: op, Method: r.Method, Args: args, Query: r.URL.Query(), Body: body}}}, nil
}

func (s *Server) serveRoute53(call *apiCall) ([]byte, *awserr.Error) {
	resp, aerr := s.r53.svc.Serve(call.rest.req)
	if aerr != nil {
		return nil, aerr
	}
	call.rest.status, call.rest.header = resp.Status, resp.Header
	return resp.Body, nil
}

// restResponse copies a REST call's status and headers onto the response;
// it returns the status to answer.
func (c *apiCall) restResponse(h http.Header) int {
	if c.rest == nil || c.rest.status == 0 {
		return http.StatusOK
	}
	for k, v := range c.rest.header {
		h[k] = v
	}
	return c.rest.status
}

// SetRoute53HealthCheckStatus sets what a Route 53 health check observes.
func (s *Server) SetRoute53HealthCheckStatus(id string, healthy bool, reason string) error {
	return s.r53.svc.SetHealthCheckStatus(id, healthy, reason)
}

type route53HealthRequest struct {
	HealthCheckID string `json:"healthCheckId"`
	Healthy       *bool  `json:"healthy"`
	Reason        string `json:"reason"`
}

func (s *Server) registerRoute53Admin(m *http.ServeMux) {
	m.HandleFunc("POST /_sandbox/route53/health-check-status", func(w http.ResponseWriter, r *http.Request) {
		var req route53HealthRequest
		if !readJSON(w, r, &req) {
			return
		}
		if req.HealthCheckID == "" || req.Healthy == nil {
			writeAdminError(w, http.StatusBadRequest, "healthCheckId and healthy are required")
			return
		}
		if err := s.SetRoute53HealthCheckStatus(req.HealthCheckID, *req.Healthy, req.Reason); err != nil {
			var ae *awserr.Error
			if errors.As(err, &ae) && strings.HasPrefix(ae.Code, "NoSuch") { // Route 53's not-found codes
				writeJSON(w, http.StatusNotFound, map[string]string{"error": ae.Message, "code": ae.Code})
				return
			}
			writeServiceError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	})
	m.HandleFunc("GET /_sandbox/route53/dns", func(w http.ResponseWriter, r *http.Request) {
		out := map[string]any{"addr": s.DNSAddr(), "changeDelay": s.r53.svc.ChangeDelay().String()}
		if s.r53.dns != nil {
			out["queries"] = s.r53.dns.Queries()
		}
		writeJSON(w, http.StatusOK, out)
	})
}
