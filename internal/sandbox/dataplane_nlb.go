package sandbox

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/dataplane"
)

// The data plane of Network Load Balancer listeners: a TCP (or TCP_UDP)
// listener accepts real TCP connections on its loopback port and forwards
// each one, as a byte stream, to a target.
//
// As on AWS ("Listeners for your Network Load Balancers", Network Load
// Balancers guide; AWS blog "Network Load Balancers now support Weighted
// Target Groups"):
//   - the decision is per connection: each new connection picks a target
//     group of the default forward by weight (a group of weight 0 gets no new
//     connection), then a healthy target of that group; with no healthy
//     target the group fails open to all its registered targets;
//   - a weight change affects new connections only: an established
//     connection stays with its target until either side closes it;
//   - the load balancer does not terminate the protocol: bytes pass through
//     unchanged (no X-Forwarded-* headers, no error pages); a connection that
//     cannot be forwarded (every weight 0, no registered target, target
//     refusing) is closed — AWS resets it;
//   - deleting the listener (or its load balancer) drops its connections.
//
// TLS, UDP and QUIC listeners are not served (the sandbox has no
// certificates and serves TCP only); TCP_UDP listeners serve their TCP side.

// nlbServed reports whether the data plane serves listeners of a protocol
// as NLB TCP listeners.
func nlbServed(protocol string) bool { return protocol == "TCP" || protocol == "TCP_UDP" }

// nlbListener is the accept loop and the open connections of one NLB listener.
type nlbListener struct {
	ln    net.Listener
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	done  bool
	wg    sync.WaitGroup
}

// serveNLB starts serving dl on ln as an NLB TCP listener.
func (dp *dataPlane) serveNLB(dl *dpListener, ln net.Listener) {
	nl := &nlbListener{ln: ln, conns: map[net.Conn]struct{}{}}
	dl.nlb = nl
	go func() {
		defer close(dl.done)
		for {
			c, err := ln.Accept()
			if err != nil {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					continue
				}
				return
			}
			if !nl.track(c) {
				_ = c.Close()
				return
			}
			nl.wg.Add(1)
			go func() {
				defer nl.wg.Done()
				defer nl.untrack(c)
				dp.forwardConn(dl, nl, c)
			}()
		}
	}()
}

func (nl *nlbListener) track(c net.Conn) bool {
	nl.mu.Lock()
	defer nl.mu.Unlock()
	if nl.done {
		return false
	}
	nl.conns[c] = struct{}{}
	return true
}

func (nl *nlbListener) untrack(c net.Conn) {
	nl.mu.Lock()
	delete(nl.conns, c)
	nl.mu.Unlock()
	_ = c.Close()
}

// close stops accepting and drops every open connection (client and target
// sides), as deleting an NLB listener does.
func (nl *nlbListener) close() {
	nl.mu.Lock()
	nl.done = true
	conns := make([]net.Conn, 0, len(nl.conns))
	for c := range nl.conns {
		conns = append(conns, c)
	}
	nl.mu.Unlock()
	_ = nl.ln.Close()
	for _, c := range conns {
		_ = c.Close()
	}
	nl.wg.Wait()
}

// forwardConn forwards one client connection to a target chosen for it.
func (dp *dataPlane) forwardConn(dl *dpListener, nl *nlbListener, client net.Conn) {
	addr, ok := dp.nlbTarget(dl.arn)
	if !ok {
		resetConn(client)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), targetConnectTimeout)
	target, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	cancel()
	if err != nil {
		dp.logf("NLB listener %s: connecting to target %s: %v", dl.arn, addr, err)
		resetConn(client)
		return
	}
	// close() drops the target side too.
	if !nl.track(target) {
		_ = target.Close()
		return
	}
	defer nl.untrack(target)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, _ = io.Copy(target, client)
		halfClose(target)
	}()
	_, _ = io.Copy(client, target)
	halfClose(client)
	// The target finished sending: give the client's side its own end (it
	// may still be sending), but never outlive the idle timeout.
	_ = client.SetReadDeadline(time.Now().Add(dp.idle))
	wg.Wait()
}

// nlbTarget chooses the target address of a new connection on an NLB
// listener: a group of the default forward by weight, then a target of it.
func (dp *dataPlane) nlbTarget(listenerARN string) (string, bool) {
	ls, ok := dp.s.elbv2.Listener(listenerARN)
	if !ok {
		return "", false
	}
	act, ok := dataplane.RoutingAction(ls.DefaultActions)
	if !ok || act.Type != "forward" {
		return "", false
	}
	chosen := dataplane.PickWeighted(act.TargetGroups)
	if chosen == "" { // every weight is 0
		return "", false
	}
	tg, ok := dp.s.elbv2.TargetGroup(chosen)
	if !ok {
		return "", false
	}
	t, ok := dp.pickTarget(tg)
	if !ok {
		return "", false
	}
	addr, err := targetAddr(tg, t)
	if err == nil {
		err = dp.notOwnPort(tg, t, addr)
	}
	if err != nil {
		dp.logf("%v", err)
		return "", false
	}
	return addr, true
}

// resetConn closes a connection with a TCP reset (linger 0), as an NLB
// answers a connection it cannot forward.
func resetConn(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}

func halfClose(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
}

// probeTCP is an NLB TCP health check: the target is healthy when it
// accepts a connection within the timeout.
func probeTCP(ctx context.Context, hostport string) probeResult {
	c, err := (&net.Dialer{}).DialContext(ctx, "tcp", hostport)
	if err != nil {
		var ne net.Error
		if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
			return probeResult{reason: "Target.Timeout", desc: "Request timed out"}
		}
		return probeResult{reason: "Target.FailedHealthChecks", desc: "Health checks failed"}
	}
	_ = c.Close()
	return probeResult{ok: true}
}
