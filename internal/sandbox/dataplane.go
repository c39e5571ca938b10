package sandbox

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"net/http/httputil"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/dataplane"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/elbv2"
)

// The data plane: every HTTP listener of the ELBv2 emulation serves real
// traffic on a loopback port (see "Data plane" in doc.go).

const (
	defaultDataPlaneIdleTimeout = 60 * time.Second
	// targetConnectTimeout is ALB's connection timeout to targets.
	targetConnectTimeout = 10 * time.Second
	metricsFlushInterval = time.Second
)

func checkDataPlaneOptions(o *Options) error {
	if o.ListenerPortBase < 0 || o.ListenerPortBase > 65535 {
		return fmt.Errorf("sandbox: ListenerPortBase %d out of range 0-65535", o.ListenerPortBase)
	}
	if math.IsNaN(o.HealthCheckTimeScale) || math.IsInf(o.HealthCheckTimeScale, 0) || o.HealthCheckTimeScale < 0 {
		return fmt.Errorf("sandbox: HealthCheckTimeScale %v must be a positive number (0 means 1.0)", o.HealthCheckTimeScale)
	}
	if o.HealthCheckTimeScale == 0 {
		o.HealthCheckTimeScale = 1
	}
	if o.DataPlaneIdleTimeout < 0 {
		return fmt.Errorf("sandbox: DataPlaneIdleTimeout %v must not be negative", o.DataPlaneIdleTimeout)
	}
	if o.DataPlaneIdleTimeout == 0 {
		o.DataPlaneIdleTimeout = defaultDataPlaneIdleTimeout
	}
	if o.MetricsDelay < 0 && o.MetricsDelay != NoMetricsDelay {
		return fmt.Errorf("sandbox: MetricsDelay %v must not be negative (0 means %v, as on AWS; NoMetricsDelay publishes each minute as soon as it ends)", o.MetricsDelay, DefaultMetricsDelay)
	}
	return nil
}

// DataPlaneListener is one listener served by the data plane.
type DataPlaneListener struct {
	ListenerARN     string `json:"listenerArn"`
	LoadBalancerARN string `json:"loadBalancerArn"`
	Port            int32  `json:"port"` // the listener's (AWS) port
	Protocol        string `json:"protocol"`
	Address         string `json:"address"` // local address, e.g. 127.0.0.1:10080
	URL             string `json:"url"`     // "http://" + Address
}

type dataPlane struct {
	s      *Server
	base   int
	idle   time.Duration
	errLog *log.Logger

	reconcileMu sync.Mutex // serialises reconcile
	mu          sync.Mutex // guards listeners, closed
	listeners   map[string]*dpListener
	closed      bool

	// With Options.LoadBalancerAddresses (guarded by reconcileMu): the
	// loopback address of each load balancer, and the local port of each
	// AWS listener port as first opened.
	lbAddrs    map[string]string
	localPorts map[int32]int

	rrMu sync.Mutex
	rr   map[string]uint64 // round-robin counters by target group ARN

	transport *http.Transport
	proxy     *httputil.ReverseProxy
	metrics   *dpMetrics
	hc        *healthChecker

	flushStop chan struct{}
	flushDone chan struct{}
}

type dpListener struct {
	arn, lbARN string
	port       int32 // AWS port at the time it was opened
	protocol   string
	addr       string
	srv        *http.Server
	done       chan struct{}
}

func startDataPlane(s *Server) *dataPlane {
	dp := &dataPlane{
		s:          s,
		base:       s.opts.ListenerPortBase,
		idle:       s.opts.DataPlaneIdleTimeout,
		errLog:     s.opts.Logger,
		listeners:  map[string]*dpListener{},
		rr:         map[string]uint64{},
		lbAddrs:    map[string]string{},
		localPorts: map[int32]int{},
		flushStop:  make(chan struct{}),
		flushDone:  make(chan struct{}),
	}
	if dp.errLog == nil {
		dp.errLog = log.New(io.Discard, "", 0)
	}
	dp.transport = &http.Transport{
		Proxy:                 nil, // never send target traffic through an environment proxy
		DialContext:           (&net.Dialer{Timeout: targetConnectTimeout}).DialContext,
		ResponseHeaderTimeout: dp.idle,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		DisableCompression:    true,
	}
	dp.proxy = &httputil.ReverseProxy{
		Rewrite:        dp.rewrite,
		Transport:      dp.transport,
		ModifyResponse: dp.modifyResponse,
		ErrorHandler:   dp.proxyError,
		ErrorLog:       dp.errLog,
		FlushInterval:  -1, // stream like ALB does
	}
	dp.metrics = newDPMetrics(s.cloudwatch, s.opts.Now, metricsDelay(s.opts.MetricsDelay))
	s.cloudwatch.SetBeforeServe(dp.metrics.publishDue)
	dp.hc = newHealthChecker(dp, s.opts.HealthCheckTimeScale, s.opts.Clock)
	s.elbv2.SetOnChange(func(string) { dp.reconcile() })
	dp.reconcile()
	go dp.hc.run()
	go func() {
		defer close(dp.flushDone)
		t := time.NewTicker(metricsFlushInterval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				dp.metrics.publishDue()
			case <-dp.flushStop:
				return
			}
		}
	}()
	return dp
}

func (dp *dataPlane) logf(format string, args ...any) {
	dp.s.logf("sandbox: dataplane: "+format, args...)
}

// close stops health checks, closes every listener port and publishes the
// metrics that are due (minutes not yet due are dropped with the sandbox).
func (dp *dataPlane) close() {
	dp.s.elbv2.SetOnChange(nil)
	dp.s.cloudwatch.SetBeforeServe(nil)
	dp.reconcileMu.Lock()
	dp.mu.Lock()
	dp.closed = true
	ls := dp.listeners
	dp.listeners = map[string]*dpListener{}
	dp.mu.Unlock()
	dp.reconcileMu.Unlock()
	for _, l := range ls {
		l.close()
	}
	dp.hc.stop()
	close(dp.flushStop)
	<-dp.flushDone
	dp.metrics.publishDue()
	dp.transport.CloseIdleConnections()
}

// reconcile opens a port for every HTTP listener and closes the ports of
// listeners that are gone (deleted, their load balancer deleted, or no longer
// HTTP). It runs after every state-changing ELBv2 call, before the call
// answers.
func (dp *dataPlane) reconcile() {
	dp.reconcileMu.Lock()
	defer dp.reconcileMu.Unlock()
	all := dp.s.elbv2.Listeners()
	want := map[string]elbv2.ListenerSnapshot{}
	for _, l := range all {
		if l.Protocol == "HTTP" {
			want[l.ARN] = l
		}
	}
	dp.mu.Lock()
	if dp.closed {
		dp.mu.Unlock()
		return
	}
	var stale []*dpListener
	for arn, dl := range dp.listeners {
		l, ok := want[arn]
		if !ok || (dp.base > 0 && l.Port != dl.port) {
			stale = append(stale, dl)
			delete(dp.listeners, arn)
		}
	}
	var open []elbv2.ListenerSnapshot
	for _, l := range all {
		if _, ok := want[l.ARN]; ok && dp.listeners[l.ARN] == nil {
			open = append(open, l)
		}
	}
	dp.mu.Unlock()

	for _, dl := range stale {
		dl.close()
		dp.logf("closed %s (%s)", dl.addr, dl.arn)
	}
	for _, l := range open {
		dl, err := dp.open(l)
		if err != nil {
			dp.logf("cannot serve listener %s: %v", l.ARN, err)
			continue
		}
		dp.mu.Lock()
		if dp.closed {
			dp.mu.Unlock()
			dl.close()
			return
		}
		dp.listeners[l.ARN] = dl
		dp.mu.Unlock()
		dp.logf("listener %s port %d serves on http://%s", l.ARN, l.Port, dl.addr)
	}
	dp.hc.kick()
}

func (dp *dataPlane) open(l elbv2.ListenerSnapshot) (*dpListener, error) {
	host, port := "127.0.0.1", 0
	if dp.base > 0 {
		if p := dp.base + int(l.Port); p <= 65535 {
			port = p
		} else {
			dp.logf("ListenerPortBase %d + port %d exceeds 65535; using a free port", dp.base, l.Port)
		}
	}
	if dp.s.opts.LoadBalancerAddresses {
		host = dp.lbAddr(l.LoadBalancerARN)
		if p, ok := dp.localPorts[l.Port]; ok && dp.base == 0 {
			port = p
		}
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	ln, err := net.Listen("tcp", addr)
	if err != nil && addr != "127.0.0.1:0" {
		dp.logf("cannot listen on %s (%v); using 127.0.0.1 and a free port", addr, err)
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		return nil, err
	}
	if _, ok := dp.localPorts[l.Port]; !ok && dp.s.opts.LoadBalancerAddresses {
		dp.localPorts[l.Port] = ln.Addr().(*net.TCPAddr).Port
	}
	dl := &dpListener{arn: l.ARN, lbARN: l.LoadBalancerARN, port: l.Port, protocol: l.Protocol,
		addr: ln.Addr().String(), done: make(chan struct{})}
	dl.srv = &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { dp.serve(dl, w, r) }),
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       dp.idle,
		ErrorLog:          dp.errLog,
	}
	go func() {
		defer close(dl.done)
		_ = dl.srv.Serve(ln)
	}()
	return dl, nil
}

// lbAddr is the loopback address of a load balancer (Options.LoadBalancerAddresses):
// 127.0.0.2 for the first one seen, then 127.0.0.3, … (127.0.1.2 after 127.0.0.251).
func (dp *dataPlane) lbAddr(lbARN string) string {
	if a, ok := dp.lbAddrs[lbARN]; ok {
		return a
	}
	n := len(dp.lbAddrs)
	a := net.IPv4(127, 0, byte(n/250%256), byte(n%250+2)).String()
	dp.lbAddrs[lbARN] = a
	return a
}

// close drops the port and its connections at once, as deleting a listener does.
func (dl *dpListener) close() {
	_ = dl.srv.Close()
	<-dl.done
}

// ---- Server API -------------------------------------------------------------

// DataPlaneEnabled reports whether the server runs the data plane.
func (s *Server) DataPlaneEnabled() bool { return s.dp != nil }

// ListenerAddr returns the local address ("127.0.0.1:port") serving an HTTP
// listener, and false when the listener is not served (unknown, not HTTP,
// or the data plane is off).
func (s *Server) ListenerAddr(listenerARN string) (string, bool) {
	if s.dp == nil {
		return "", false
	}
	s.dp.mu.Lock()
	defer s.dp.mu.Unlock()
	if dl := s.dp.listeners[listenerARN]; dl != nil {
		return dl.addr, true
	}
	return "", false
}

// DataPlaneListeners lists the listeners the data plane serves, in listener
// creation order (nil when the data plane is off).
func (s *Server) DataPlaneListeners() []DataPlaneListener {
	if s.dp == nil {
		return nil
	}
	out := []DataPlaneListener{}
	for _, l := range s.elbv2.Listeners() {
		s.dp.mu.Lock()
		dl := s.dp.listeners[l.ARN]
		s.dp.mu.Unlock()
		if dl == nil {
			continue
		}
		out = append(out, DataPlaneListener{ListenerARN: l.ARN, LoadBalancerARN: l.LoadBalancerARN,
			Port: l.Port, Protocol: l.Protocol, Address: dl.addr, URL: "http://" + dl.addr})
	}
	return out
}

// SetHealthChecks turns the data plane's health checks on (the default) or
// off. While off, no target is probed and every target keeps the state it
// has; health check metrics are not published. No-op when the data plane is off.
func (s *Server) SetHealthChecks(enabled bool) {
	if s.dp != nil {
		s.dp.hc.enabled.Store(enabled)
		s.dp.hc.kick()
	}
}

// HealthChecksEnabled reports whether the data plane probes targets.
func (s *Server) HealthChecksEnabled() bool { return s.dp != nil && s.dp.hc.enabled.Load() }

// FlushDataPlaneMetrics publishes every request metric buffered by the data
// plane now, the minute in progress included, ignoring the publication delay
// (AWS cannot do this: it is for tests that are about the metrics' values, not
// their timing). Otherwise each minute is published MetricsDelay after it
// ends.
func (s *Server) FlushDataPlaneMetrics() {
	if s.dp != nil {
		s.dp.metrics.flush()
	}
}

// SetMetricsDelay changes how long after a minute ends the data plane
// publishes that minute's ALB request metrics: 0 restores DefaultMetricsDelay
// (the AWS-faithful value), NoMetricsDelay publishes each minute as soon as
// it ends. Minutes already buffered follow the new delay. An error when the
// data plane is off or d is negative (other than NoMetricsDelay).
func (s *Server) SetMetricsDelay(d time.Duration) error {
	if s.dp == nil {
		return errDataPlaneOff
	}
	if d < 0 && d != NoMetricsDelay {
		return fmt.Errorf("metrics delay %s must not be negative (NoMetricsDelay publishes each minute as soon as it ends)", d)
	}
	s.dp.metrics.setDelay(metricsDelay(d))
	return nil
}

// MetricsDelay is the data plane's current publication delay (0 when the
// data plane is off).
func (s *Server) MetricsDelay() time.Duration {
	if s.dp == nil {
		return 0
	}
	return s.dp.metrics.getDelay()
}

// NoMetricsDelay, as Options.MetricsDelay or to SetMetricsDelay, publishes
// each minute's metrics as soon as the minute ends. Tests that shorten the
// delay say so explicitly with it (or a small positive duration).
const NoMetricsDelay time.Duration = -1

var errDataPlaneOff = errors.New("the data plane is off (start the sandbox with Options.DataPlane)")

func metricsDelay(d time.Duration) time.Duration {
	switch {
	case d == 0:
		return DefaultMetricsDelay
	case d < 0:
		return 0
	}
	return d
}

type metricsDelayRequest struct {
	Delay string `json:"delay"`
}

// ClearTargetHealth removes a health pin set with SetTargetHealth; the target
// reports its computed state again (with the data plane on: what its health
// checks found). port 0 matches the target on any port.
func (s *Server) ClearTargetHealth(targetGroupARN, targetID string, port int32) error {
	return s.elbv2.ClearTargetHealth(targetGroupARN, targetID, port)
}

type targetRefRequest struct {
	TargetGroupARN string `json:"targetGroupArn"`
	TargetID       string `json:"targetId"`
	Port           int32  `json:"port"`
}

type healthChecksRequest struct {
	Enabled *bool `json:"enabled"`
}

// registerDataPlaneAdmin adds the data plane's admin endpoints (registered
// whether or not the data plane runs; they say so when it does not).
func (s *Server) registerDataPlaneAdmin(m *http.ServeMux) {
	m.HandleFunc("GET /_sandbox/dataplane/listeners", func(w http.ResponseWriter, r *http.Request) {
		ls := s.DataPlaneListeners()
		if ls == nil {
			ls = []DataPlaneListener{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"enabled": s.dp != nil, "listeners": ls})
	})
	m.HandleFunc("GET /_sandbox/dataplane/health-checks", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"dataPlane": s.dp != nil, "enabled": s.HealthChecksEnabled()})
	})
	m.HandleFunc("PUT /_sandbox/dataplane/health-checks", func(w http.ResponseWriter, r *http.Request) {
		var req healthChecksRequest
		if !readJSON(w, r, &req) {
			return
		}
		if req.Enabled == nil {
			writeAdminError(w, http.StatusBadRequest, `"enabled" (true or false) is required`)
			return
		}
		if s.dp == nil {
			writeAdminError(w, http.StatusConflict, "the data plane is off (start the sandbox with Options.DataPlane)")
			return
		}
		s.SetHealthChecks(*req.Enabled)
		writeJSON(w, http.StatusOK, map[string]any{"dataPlane": true, "enabled": s.HealthChecksEnabled()})
	})
	m.HandleFunc("POST /_sandbox/dataplane/flush-metrics", func(w http.ResponseWriter, r *http.Request) {
		if s.dp == nil {
			writeAdminError(w, http.StatusConflict, "the data plane is off (start the sandbox with Options.DataPlane)")
			return
		}
		s.FlushDataPlaneMetrics()
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	})
	m.HandleFunc("GET /_sandbox/dataplane/metrics-delay", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"dataPlane": s.dp != nil, "delay": s.MetricsDelay().String(), "period": metricsPeriod.String()})
	})
	m.HandleFunc("PUT /_sandbox/dataplane/metrics-delay", func(w http.ResponseWriter, r *http.Request) {
		var req metricsDelayRequest
		if !readJSON(w, r, &req) {
			return
		}
		d, err := time.ParseDuration(req.Delay)
		if req.Delay == "none" {
			d, err = NoMetricsDelay, nil
		}
		if err != nil {
			writeAdminError(w, http.StatusBadRequest, `"delay" must be a duration such as "60s", "0s" (the default, 60s) or "none"`)
			return
		}
		if err := s.SetMetricsDelay(d); err != nil {
			status := http.StatusBadRequest
			if errors.Is(err, errDataPlaneOff) {
				status = http.StatusConflict
			}
			writeAdminError(w, status, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"dataPlane": true, "delay": s.MetricsDelay().String(), "period": metricsPeriod.String()})
	})
	m.HandleFunc("DELETE /_sandbox/elbv2/target-health", func(w http.ResponseWriter, r *http.Request) {
		var req targetRefRequest
		if !readJSON(w, r, &req) {
			return
		}
		if req.TargetGroupARN == "" || req.TargetID == "" {
			writeAdminError(w, http.StatusBadRequest, "targetGroupArn and targetId are required")
			return
		}
		if err := s.ClearTargetHealth(req.TargetGroupARN, req.TargetID, req.Port); err != nil {
			writeServiceError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	})
}

// ---- request handling ---------------------------------------------------------

// exchange is what the data plane learns about one request, for metrics.
type exchange struct {
	at         time.Time // Options.Now at arrival
	lb, tg     string    // dimension values; tg "" when not forwarded
	elb        bool      // the response was generated by the load balancer
	status     int
	targetTime float64 // seconds to the target's response headers
	responded  bool    // the target answered
	// connErr: the connection to the target could not be established
	// (refused, unreachable, connect timeout): TargetConnectionErrorCount.
	connErr bool
}

// proxyInfo travels in the request context to the ReverseProxy hooks.
type proxyInfo struct {
	addr     string // target address
	port     int32  // listener (AWS) port, for X-Forwarded-Port
	protocol string // listener protocol
	ex       *exchange
	sent     time.Time
}

type proxyInfoKey struct{}

// statusRecorder remembers the status written through it.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 && code >= 200 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(p)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (dp *dataPlane) serve(dl *dpListener, w http.ResponseWriter, r *http.Request) {
	ex := &exchange{at: dp.s.opts.Now(), lb: lbDimension(dl.lbARN)}
	rec := &statusRecorder{ResponseWriter: w}
	defer func() {
		if ex.status == 0 {
			ex.status = rec.status
		}
		dp.metrics.record(ex)
	}()

	ls, ok := dp.s.elbv2.Listener(dl.arn)
	if !ok {
		dp.elbError(rec, ex, http.StatusServiceUnavailable)
		return
	}
	act, ok := dp.route(ls.ARN, r)
	if !ok {
		dp.elbError(rec, ex, http.StatusServiceUnavailable)
		return
	}
	switch act.Type {
	case "fixed-response":
		ex.elb = true
		dataplane.WriteFixedResponse(rec, act.FixedResponse)
	case "redirect":
		ex.elb = true
		status := http.StatusFound
		if act.Redirect != nil && act.Redirect.StatusCode == "HTTP_301" {
			status = http.StatusMovedPermanently
		}
		rec.Header().Set("Server", "awselb/2.0")
		rec.Header().Set("Location", dataplane.RedirectLocation(act.Redirect, r, ls))
		rec.Header().Set("Content-Type", "text/html")
		rec.WriteHeader(status)
		fmt.Fprintf(rec, "<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d %s</h1></center>\r\n</body>\r\n</html>\r\n",
			status, http.StatusText(status), status, http.StatusText(status))
	case "forward":
		dp.forward(rec, r, ex, ls, act)
	default:
		dp.elbError(rec, ex, http.StatusServiceUnavailable)
	}
}

// route evaluates the listener's rules in priority order and returns the
// routing action of the first rule whose conditions all match (the default
// rule matches everything).
func (dp *dataPlane) route(listenerARN string, r *http.Request) (elbv2.ActionSnapshot, bool) {
	for _, rule := range dp.s.elbv2.Rules(listenerARN) {
		if rule.IsDefault || dataplane.MatchConditions(rule.Conditions, r) {
			return dataplane.RoutingAction(rule.Actions)
		}
	}
	return elbv2.ActionSnapshot{}, false
}

// elbError answers with an error page generated by the load balancer.
func (dp *dataPlane) elbError(w http.ResponseWriter, ex *exchange, status int) {
	ex.elb = true
	ex.status = status
	w.Header().Del("Set-Cookie")
	w.Header().Set("Server", "awselb/2.0")
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d %s</h1></center>\r\n</body>\r\n</html>\r\n",
		status, http.StatusText(status), status, http.StatusText(status))
}

func (dp *dataPlane) forward(w http.ResponseWriter, r *http.Request, ex *exchange, ls elbv2.ListenerSnapshot, act elbv2.ActionSnapshot) {
	chosen := ""
	if act.StickinessEnabled {
		chosen = dataplane.StickyGroup(r, act.TargetGroups, time.Now())
	}
	if chosen == "" {
		chosen = dataplane.PickWeighted(act.TargetGroups)
	}
	if chosen == "" { // every weight is 0
		dp.elbError(w, ex, http.StatusServiceUnavailable)
		return
	}
	ex.tg = tgDimension(chosen)
	if act.StickinessEnabled {
		d := int(act.StickinessDurationSeconds)
		if d <= 0 {
			d = dataplane.DefaultStickinessSeconds
		}
		http.SetCookie(w, &http.Cookie{Name: dataplane.StickinessCookie, Path: "/", MaxAge: d,
			Value: dataplane.EncodeStickiness(chosen, time.Now().Add(time.Duration(d)*time.Second))})
	}
	tg, ok := dp.s.elbv2.TargetGroup(chosen)
	if !ok {
		dp.elbError(w, ex, http.StatusServiceUnavailable)
		return
	}
	t, ok := dp.pickTarget(tg)
	if !ok {
		dp.elbError(w, ex, http.StatusServiceUnavailable)
		return
	}
	addr, err := targetAddr(tg, t)
	if err == nil {
		err = dp.notOwnPort(tg, t, addr)
	}
	if err != nil {
		dp.logf("%v", err)
		dp.elbError(w, ex, http.StatusBadGateway)
		return
	}
	pi := &proxyInfo{addr: addr, port: ls.Port, protocol: ls.Protocol, ex: ex}
	dp.proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), proxyInfoKey{}, pi)))
}

func isDraining(state string) bool {
	return state == "draining" || strings.HasSuffix(state, ".draining")
}

// pickTarget chooses a target round robin among the healthy targets of a
// group; with none healthy, among all its targets (fail-open). Draining
// targets get no new requests.
func (dp *dataPlane) pickTarget(tg elbv2.TargetGroupSnapshot) (elbv2.TargetSnapshot, bool) {
	var all, healthy []elbv2.TargetSnapshot
	for _, t := range tg.Targets {
		if isDraining(t.State) {
			continue
		}
		all = append(all, t)
		if t.State == "healthy" {
			healthy = append(healthy, t)
		}
	}
	pool := healthy
	if len(pool) == 0 {
		pool = all
	}
	if len(pool) == 0 {
		return elbv2.TargetSnapshot{}, false
	}
	dp.rrMu.Lock()
	n := dp.rr[tg.ARN]
	dp.rr[tg.ARN] = n + 1
	dp.rrMu.Unlock()
	return pool[n%uint64(len(pool))], true
}

// targetAddr is the address of a target: its Id must be a loopback IP; the
// port is the registered one (or the group's).
func targetAddr(tg elbv2.TargetGroupSnapshot, t elbv2.TargetSnapshot) (string, error) {
	ip := net.ParseIP(t.ID)
	if ip == nil || !ip.IsLoopback() {
		return "", fmt.Errorf("target %q of %s is not a loopback IP address: the data plane only reaches loopback IP targets", t.ID, tg.Name)
	}
	port := t.Port
	if port == 0 {
		port = tg.Port
	}
	if port == 0 {
		return "", fmt.Errorf("target %q of %s has no port", t.ID, tg.Name)
	}
	return net.JoinHostPort(ip.String(), strconv.Itoa(int(port))), nil
}

// notOwnPort refuses a target whose address is one of the sandbox's own
// ports (a data plane listener, or the API port): proxying to it would loop
// through the load balancer until the process runs out of file descriptors.
// On AWS such a target cannot exist (an ip target is never the load
// balancer's own address); the data plane answers 502 and health checks
// fail instead.
func (dp *dataPlane) notOwnPort(tg elbv2.TargetGroupSnapshot, t elbv2.TargetSnapshot, addr string) error {
	if dp.ownAddr(addr) {
		return fmt.Errorf("target %q port %d of %s is the sandbox's own port %s: refusing to loop requests back into the load balancer", t.ID, t.Port, tg.Name, addr)
	}
	return nil
}

// ownAddr reports whether host:port is an address the sandbox itself serves.
func (dp *dataPlane) ownAddr(addr string) bool {
	if addr == dp.s.listener.Addr().String() {
		return true
	}
	dp.mu.Lock()
	defer dp.mu.Unlock()
	for _, l := range dp.listeners {
		if l.addr == addr {
			return true
		}
	}
	return false
}

func (dp *dataPlane) rewrite(pr *httputil.ProxyRequest) {
	pi := pr.In.Context().Value(proxyInfoKey{}).(*proxyInfo)
	pr.Out.URL.Scheme = "http"
	pr.Out.URL.Host = pi.addr
	pr.Out.Host = pr.In.Host // ALB keeps the client's Host header
	if xff := pr.In.Header.Values("X-Forwarded-For"); len(xff) > 0 {
		pr.Out.Header["X-Forwarded-For"] = append([]string(nil), xff...)
	}
	pr.SetXForwarded() // appends the client address to X-Forwarded-For
	pr.Out.Header.Del("X-Forwarded-Host")
	proto := strings.ToLower(pi.protocol)
	if proto == "" {
		proto = "http"
	}
	pr.Out.Header.Set("X-Forwarded-Proto", proto)
	pr.Out.Header.Set("X-Forwarded-Port", strconv.Itoa(int(pi.port)))
	if pr.In.Header.Get("X-Amzn-Trace-Id") == "" {
		pr.Out.Header.Set("X-Amzn-Trace-Id", newTraceID())
	} else {
		pr.Out.Header.Set("X-Amzn-Trace-Id", pr.In.Header.Get("X-Amzn-Trace-Id"))
	}
	pi.sent = time.Now()
}

func (dp *dataPlane) modifyResponse(resp *http.Response) error {
	if pi, ok := resp.Request.Context().Value(proxyInfoKey{}).(*proxyInfo); ok {
		pi.ex.responded = true
		pi.ex.targetTime = time.Since(pi.sent).Seconds()
	}
	return nil
}

// proxyError maps a failed exchange with the target: timeouts (connect or
// response headers) → 504, anything else → 502; a client that went away
// is recorded as ALB's 460.
func (dp *dataPlane) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	pi := r.Context().Value(proxyInfoKey{}).(*proxyInfo)
	if r.Context().Err() != nil {
		pi.ex.elb, pi.ex.status = true, 460
		return
	}
	status := http.StatusBadGateway
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		status = http.StatusGatewayTimeout
	}
	// A connection that was never established (refused: 502; connect
	// timeout: 504) is a target connection error. A target that accepted
	// the connection and then reset or closed it with the request
	// outstanding is a 502 only: AWS counts it in no per target group
	// metric (see dpmetrics.go).
	var op *net.OpError
	pi.ex.connErr = errors.As(err, &op) && op.Op == "dial"
	dp.elbError(w, pi.ex, status)
}

func newTraceID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("Root=1-%08x-%x", time.Now().Unix(), b[:])
}

// lbDimension is the LoadBalancer dimension value: "app/name/id".
func lbDimension(arn string) string {
	if _, rest, ok := strings.Cut(arn, ":loadbalancer/"); ok {
		return rest
	}
	return arn
}

// tgDimension is the TargetGroup dimension value: "targetgroup/name/id".
func tgDimension(arn string) string {
	if i := strings.LastIndex(arn, ":"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}
