package sandbox

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/cloudwatch"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/elbv2"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/sns"
)

// Defaults used when Options leaves a field empty.
const (
	DefaultAddr      = "127.0.0.1:0"
	DefaultRegion    = "us-east-1"
	DefaultAccountID = "123456789012"
)

// maxRequestBody bounds how much of a request body the sandbox reads (AWS's
// own limits for these APIs are far smaller).
const maxRequestBody = 8 << 20

// Options configure a sandbox server. The zero value is usable.
type Options struct {
	// Addr is the TCP address to listen on. Default "127.0.0.1:0" (a free
	// loopback port). Only loopback hosts are accepted unless
	// AllowNonLoopback is set: the sandbox has no authentication.
	Addr string
	// AllowNonLoopback permits listening on a non-loopback address.
	AllowNonLoopback bool
	// Region is the region used in ARNs. Default "us-east-1".
	Region string
	// AccountID is the account used in ARNs and by STS. Default "123456789012".
	AccountID string
	// Now is the clock of the services, the call log and the rate limiter.
	// Default: Clock.Now when Clock is set, else time.Now. Injected latency
	// always sleeps in real time.
	Now func() time.Time
	// Clock schedules the data plane's health checks (when each target
	// group's next round is due). Default: the wall clock. With a manual
	// clock.Fake, rounds run only as the test advances time. Probe timeouts
	// are real time.
	Clock clock.Clock
	// Logger, when set, receives one line per AWS API call (and, with the
	// data plane on, one per listener opened/closed and per target health
	// change).
	Logger *log.Logger

	// DataPlane, when true, makes every HTTP listener serve real traffic on
	// loopback: routing by rules, forwarding by weight with stickiness to
	// registered loopback IP targets, health checks against the targets and
	// AWS/ApplicationELB metrics from the traffic. See "Data plane" in the
	// package documentation. Default off: the sandbox is a control plane only.
	DataPlane bool
	// ListenerPortBase maps a listener on port P to 127.0.0.1:(ListenerPortBase+P)
	// (e.g. 10000: port 80 → 127.0.0.1:10080). 0 (default): each listener
	// gets a free loopback port. Use Server.ListenerAddr or
	// GET /_sandbox/dataplane/listeners to find it.
	ListenerPortBase int
	// LoadBalancerAddresses gives every load balancer its own loopback
	// address: the n-th load balancer whose listener the data plane opens
	// serves on 127.0.0.(n+1) (127.0.0.2, 127.0.0.3, …; Linux routes all of
	// 127.0.0.0/8 to the loopback interface), and a listener port keeps the
	// local port the first load balancer got for it, so that two stacks'
	// port 80 differ only by address — what a Route 53 answer (an alias to
	// the load balancer, or a plain record of that address) tells a client.
	// Where an address cannot be bound (macOS has only 127.0.0.1 unless
	// aliased), the listener falls back to 127.0.0.1 and a free port
	// (logged). Default off: every listener on 127.0.0.1.
	LoadBalancerAddresses bool
	// HealthCheckTimeScale multiplies target group health check intervals and
	// timeouts (0.1: a 5 s interval is 0.5 s). 0 means 1.0.
	HealthCheckTimeScale float64
	// DataPlaneIdleTimeout bounds how long the data plane waits for a target's
	// response headers before answering 504 (ALB's idle timeout). 0 means 60 s.
	DataPlaneIdleTimeout time.Duration

	// Route53 configures Route 53 and its DNS server (route53.go).
	Route53 Route53Options
	// MetricsDelay is how long after a minute ends the data plane publishes
	// that minute's ALB request metrics to CloudWatch. 0 means
	// DefaultMetricsDelay (60 s, as on AWS); NoMetricsDelay publishes each
	// minute as soon as it ends. Metrics are always per minute. Change it
	// later with Server.SetMetricsDelay or PUT /_sandbox/dataplane/metrics-delay.
	MetricsDelay time.Duration
	// TargetGroupReleaseDelay is how long a target group released by its
	// last listener or rule still answers DeleteTargetGroup with
	// ResourceInUse, as AWS does for a while (eventual consistency). 0 means
	// elbv2.DefaultReleaseDelay (5 s); negative, none. Change it later with
	// Server.ELBv2().SetReleaseDelay.
	TargetGroupReleaseDelay time.Duration
}

// Server is a running sandbox: one HTTP listener serving ELBv2 and STS
// (awsQuery), CloudWatch (Smithy RPC v2 CBOR) and the admin API under
// /_sandbox/.
type Server struct {
	opts     Options
	listener net.Listener
	http     *http.Server
	url      string

	elbv2      *elbv2.Service
	cloudwatch *cloudwatch.Service
	r53        r53
	sns        *sns.Service

	admin *http.ServeMux

	faults faultTable
	limits rateLimiter
	calls  callLog

	baseCtx    context.Context
	cancelBase context.CancelFunc
	serveDone  chan struct{}
	closeOnce  sync.Once
	closeErr   error

	dp *dataPlane // nil unless Options.DataPlane
}

// Start listens on o.Addr and serves the sandbox in the background until
// Close is called.
func Start(o Options) (*Server, error) {
	if o.Addr == "" {
		o.Addr = DefaultAddr
	}
	if o.Region == "" {
		o.Region = DefaultRegion
	}
	if o.AccountID == "" {
		o.AccountID = DefaultAccountID
	}
	if o.Now == nil && o.Clock != nil {
		o.Now = o.Clock.Now
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if !o.AllowNonLoopback {
		if err := checkLoopback(o.Addr); err != nil {
			return nil, err
		}
	}
	if err := checkDataPlaneOptions(&o); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("sandbox: listen on %s: %w", o.Addr, err)
	}

	s := &Server{
		opts:      o,
		listener:  ln,
		url:       urlFor(ln.Addr()),
		serveDone: make(chan struct{}),
		elbv2: elbv2.New(elbv2.Options{
			Region:       o.Region,
			AccountID:    o.AccountID,
			Now:          o.Now,
			ReleaseDelay: o.TargetGroupReleaseDelay,
		}),
		cloudwatch: cloudwatch.New(cloudwatch.Options{Now: o.Now, Region: o.Region, AccountID: o.AccountID}),
		sns:        sns.New(sns.Options{Now: o.Now, Region: o.Region, AccountID: o.AccountID}),
	}
	s.limits.now = o.Now
	s.calls.max = defaultMaxCalls
	if err := s.startRoute53(); err != nil {
		_ = ln.Close()
		return nil, err
	}
	s.admin = s.adminMux()
	s.registerRoute53Admin(s.admin)
	s.registerDataPlaneAdmin(s.admin)
	s.admin.HandleFunc("GET /_sandbox/sns/messages", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"messages": s.sns.Messages(r.URL.Query().Get("topicArn"))})
	})
	if o.DataPlane {
		s.dp = startDataPlane(s)
	}
	s.baseCtx, s.cancelBase = context.WithCancel(context.Background())
	s.http = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return s.baseCtx },
		ErrorLog:          o.Logger,
	}
	go func() {
		defer close(s.serveDone)
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logf("sandbox: serve: %v", err)
		}
	}()
	return s, nil
}

// URL is the base URL of the sandbox, e.g. "http://127.0.0.1:41234". Use it
// as the SDK's BaseEndpoint (or AWS_ENDPOINT_URL) for every service.
func (s *Server) URL() string { return s.url }

// Addr is the address the sandbox listens on.
func (s *Server) Addr() net.Addr { return s.listener.Addr() }

// ELBv2 returns the Elastic Load Balancing v2 service behind the server.
func (s *Server) ELBv2() *elbv2.Service { return s.elbv2 }

// SNS returns the SNS service behind the server (published messages:
// SNS().Messages(topicARN)).
func (s *Server) SNS() *sns.Service { return s.sns }

// CloudWatch returns the CloudWatch service behind the server.
func (s *Server) CloudWatch() *cloudwatch.Service { return s.cloudwatch }

// Close stops the listener, cancels requests still waiting on injected
// latency and waits (briefly) for in-flight requests to finish.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		if s.dp != nil {
			s.dp.close()
		}
		s.closeRoute53()
		s.cancelBase()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := s.http.Shutdown(ctx); err != nil {
			s.closeErr = s.http.Close()
		}
		<-s.serveDone
	})
	return s.closeErr
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Logger != nil {
		s.opts.Logger.Printf(format, args...)
	}
}

// checkLoopback refuses addresses that would expose the sandbox beyond this
// machine: it has no authentication and accepts any credentials.
func checkLoopback(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("sandbox: invalid address %q: %w", addr, err)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil && port != "" {
		return fmt.Errorf("sandbox: invalid port in address %q", addr)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	if host == "" {
		host = "all interfaces"
	}
	return fmt.Errorf("sandbox: refusing to listen on %s (%q): the sandbox accepts any credentials, so it listens on loopback only; use 127.0.0.1:<port>, or set AllowNonLoopback (-allow-non-loopback) if you really mean it", host, addr)
}

func urlFor(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return "http://" + a.String()
	}
	ip := tcp.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return "http://" + net.JoinHostPort(ip.String(), strconv.Itoa(tcp.Port))
}
