package sandbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/awserr"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/cloudwatch"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/route53"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/sns"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/sts"
)

// Service names used by faults, rate limits and the call log.
const (
	ServiceELBv2      = "elbv2"
	ServiceCloudWatch = "cloudwatch"
	ServiceSTS        = "sts"
	ServiceSNS        = "sns"
)

// Wire-protocol constants the dispatcher routes on.
const (
	elbv2APIVersion      = "2015-12-01"
	cloudwatchAPIVersion = "2010-08-01"
	cloudwatchCBORTarget = "GraniteServiceVersion20100801"
	smithyProtocolCBOR   = "rpc-v2-cbor"

	elbv2XMLNS = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"
)

type wireProtocol int

const (
	protoQuery wireProtocol = iota
	protoCBOR
	protoRESTXML // Route 53 (route53.go)
)

// apiCall is one routed AWS API request.
type apiCall struct {
	service   string
	operation string
	protocol  wireProtocol
	query     url.Values // awsQuery parameters (without Action and Version)
	body      []byte     // raw CBOR body
	requestID string
	rest      *route53Request // protoRESTXML only
	region    string          // from the SigV4 credential scope; "" when unsigned
}

// ServeHTTP routes a request to the admin API, an awsQuery service (ELBv2,
// STS) or CloudWatch's RPC v2 CBOR endpoint.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/_sandbox" || strings.HasPrefix(r.URL.Path, "/_sandbox/") {
		s.admin.ServeHTTP(w, r)
		return
	}
	requestID := newRequestID()
	w.Header().Set("x-amzn-RequestId", requestID)

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
	if err != nil {
		status := http.StatusBadRequest
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			status = http.StatusRequestEntityTooLarge
		}
		http.Error(w, "bluegreen-sandbox: reading request body: "+err.Error(), status)
		return
	}

	call, rerr := route(r, body, requestID)
	if rerr != nil {
		s.rejectUnroutable(w, r, requestID, rerr)
		return
	}
	call.region = regionFromSigV4(r.Header.Get("Authorization"))
	s.handle(w, r, call)
}

// routeError explains why a request could not be routed to a service.
type routeError struct {
	protocol wireProtocol
	asQuery  bool // render as an awsQuery ErrorResponse rather than plain text
	service  string
	code     string
	status   int
	message  string
}

func route(r *http.Request, body []byte, requestID string) (*apiCall, *routeError) {
	if strings.HasPrefix(r.URL.Path, "/2013-04-01/") { // Route 53 REST-XML
		return routeRoute53(r, body, requestID)
	}
	// Smithy RPC v2: POST /service/{ServiceName}/operation/{OperationName}
	if rest, ok := strings.CutPrefix(r.URL.Path, "/service/"); ok {
		svc, op, ok := strings.Cut(rest, "/operation/")
		switch {
		case !ok || svc == "" || op == "" || strings.Contains(op, "/"):
			return nil, &routeError{protocol: protoCBOR, code: "UnknownOperationException", status: http.StatusNotFound,
				message: fmt.Sprintf("malformed Smithy RPC v2 path %q: want /service/%s/operation/{Operation}", r.URL.Path, cloudwatchCBORTarget)}
		case svc != cloudwatchCBORTarget:
			return nil, &routeError{protocol: protoCBOR, code: "UnknownOperationException", status: http.StatusNotFound,
				message: fmt.Sprintf("the sandbox serves Smithy RPC v2 CBOR only for CloudWatch (%s), not %q", cloudwatchCBORTarget, svc)}
		case r.Method != http.MethodPost:
			return nil, &routeError{protocol: protoCBOR, service: ServiceCloudWatch, code: "UnknownOperationException", status: http.StatusMethodNotAllowed,
				message: fmt.Sprintf("Smithy RPC v2 requests must use POST, not %s", r.Method)}
		case r.Header.Get("Smithy-Protocol") != smithyProtocolCBOR:
			return nil, &routeError{protocol: protoCBOR, service: ServiceCloudWatch, code: "ValidationError", status: http.StatusBadRequest,
				message: fmt.Sprintf("missing or unsupported Smithy-Protocol header %q: the sandbox speaks %q", r.Header.Get("Smithy-Protocol"), smithyProtocolCBOR)}
		}
		return &apiCall{service: ServiceCloudWatch, operation: op, protocol: protoCBOR, body: body, requestID: requestID}, nil
	}

	// awsQuery: form POST (or GET with a query string) carrying Action and Version.
	var values url.Values
	switch r.Method {
	case http.MethodPost:
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt != "application/x-www-form-urlencoded" {
			return nil, unroutable(r)
		}
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, &routeError{asQuery: true, code: "MalformedQueryString", status: http.StatusBadRequest,
				message: "cannot parse form body: " + err.Error()}
		}
		values = v
		for k, vs := range r.URL.Query() {
			for _, x := range vs {
				values.Add(k, x)
			}
		}
	case http.MethodGet:
		values = r.URL.Query()
		if values.Get("Action") == "" {
			return nil, unroutable(r)
		}
	default:
		return nil, unroutable(r)
	}

	action, version := values.Get("Action"), values.Get("Version")
	service := ""
	switch version {
	case elbv2APIVersion:
		service = ServiceELBv2
	case sts.APIVersion:
		service = ServiceSTS
	case sns.APIVersion:
		service = ServiceSNS
	case cloudwatchAPIVersion:
		return nil, &routeError{asQuery: true, service: ServiceCloudWatch, code: "InvalidAction", status: http.StatusBadRequest,
			message: fmt.Sprintf("the sandbox serves CloudWatch over Smithy RPC v2 CBOR only (POST /service/%s/operation/%s), which aws-sdk-go-v2's CloudWatch client uses by default; the awsQuery protocol is not supported", cloudwatchCBORTarget, action)}
	case "":
		service = serviceFromSigV4(r.Header.Get("Authorization"))
	}
	if service == "" {
		return nil, &routeError{asQuery: true, code: "InvalidAction", status: http.StatusBadRequest,
			message: fmt.Sprintf("cannot tell which service Action=%q Version=%q is for: the sandbox serves ELBv2 (Version %s), STS (Version %s) and SNS (Version %s) over awsQuery, and CloudWatch over RPC v2 CBOR", action, version, elbv2APIVersion, sts.APIVersion, sns.APIVersion)}
	}
	if action == "" {
		return nil, &routeError{asQuery: true, service: service, code: "MissingAction", status: http.StatusBadRequest,
			message: "the request must contain the parameter Action"}
	}
	params := make(url.Values, len(values))
	for k, v := range values {
		if k != "Action" && k != "Version" {
			params[k] = v
		}
	}
	return &apiCall{service: service, operation: action, protocol: protoQuery, query: params, requestID: requestID}, nil
}

func unroutable(r *http.Request) *routeError {
	return &routeError{status: http.StatusBadRequest, message: fmt.Sprintf(
		"bluegreen-sandbox: cannot route %s %s (Content-Type %q). Expected an awsQuery form POST with Action and Version "+
			"(ELBv2 %s, STS %s), a Smithy RPC v2 CBOR POST to /service/%s/operation/{Operation} (CloudWatch), "+
			"or the admin API under /_sandbox/ (GET /_sandbox/health)",
		r.Method, r.URL.Path, r.Header.Get("Content-Type"), elbv2APIVersion, sts.APIVersion, cloudwatchCBORTarget)}
}

// serviceFromSigV4 reads the service name from a SigV4 Authorization header's
// credential scope: "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request, …".
func serviceFromSigV4(auth string) string {
	_, cred, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return ""
	}
	cred, _, _ = strings.Cut(cred, ",")
	parts := strings.Split(strings.TrimSpace(cred), "/")
	if len(parts) != 5 {
		return ""
	}
	return canonicalService(parts[3])
}

// regionFromSigV4 reads the region from a SigV4 Authorization header's
// credential scope ("" when there is none): the region the client addressed.
func regionFromSigV4(auth string) string {
	_, cred, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return ""
	}
	cred, _, _ = strings.Cut(cred, ",")
	parts := strings.Split(strings.TrimSpace(cred), "/")
	if len(parts) != 5 {
		return ""
	}
	return parts[2]
}

// canonicalService maps the names people and signers use to the sandbox's
// service names; it returns "" for services the sandbox does not serve.
func canonicalService(name string) string {
	switch strings.ToLower(name) {
	case "elbv2", "elasticloadbalancing", "elasticloadbalancingv2", "elastic-load-balancing-v2", "elb":
		return ServiceELBv2
	case "cloudwatch", "monitoring":
		return ServiceCloudWatch
	case "sts":
		return ServiceSTS
	case "sns":
		return ServiceSNS
	case "route53", "route 53":
		return ServiceRoute53
	}
	return ""
}

func (s *Server) rejectUnroutable(w http.ResponseWriter, r *http.Request, requestID string, e *routeError) {
	service := e.service
	if service == "" {
		service = "unknown"
	}
	call := Call{Time: s.opts.Now(), Service: service, Operation: r.Method + " " + r.URL.Path,
		Status: e.status, ErrorCode: e.code, RequestID: requestID}
	s.record(call, 0)
	switch {
	case e.protocol == protoCBOR:
		cloudwatch.WriteError(w, &awserr.Error{Code: e.code, Message: e.message, Status: e.status})
	case e.asQuery:
		writeQueryError(w, xmlnsFor(e.service), requestID, &awserr.Error{Code: e.code, Message: e.message, Status: e.status})
	default:
		http.Error(w, e.message, e.status)
	}
}

// handle runs one routed call through faults and rate limits, then the
// service. The response is buffered so that the call is in the call log
// before the client sees the answer.
func (s *Server) handle(w http.ResponseWriter, r *http.Request, call *apiCall) {
	started := time.Now()
	entry := Call{
		Time:      s.opts.Now(),
		Service:   call.service,
		Operation: call.operation,
		Params:    call.params(),
		RequestID: call.requestID,
	}
	resp := newBufferedResponse(w.Header())
	finish := func() {
		entry.Status, entry.ErrorCode = resp.status, resp.errorCode
		s.record(entry, time.Since(started))
		resp.flush(w)
	}

	plan := s.faults.take(call.service, call.operation)
	if plan.latency > 0 {
		entry.Fault, entry.FaultID = Latency, plan.latencyID
		if !sleepCtx(r.Context(), plan.latency) {
			// The client gave up (or the server is closing): nothing to answer.
			entry.ErrorCode = "RequestCanceled"
			s.record(entry, time.Since(started))
			panic(http.ErrAbortHandler) // drop the connection rather than answer an empty 200
		}
	}
	if f := plan.terminal; f != nil {
		entry.Fault, entry.FaultID = f.Kind, f.id
		switch f.Kind {
		case ConnReset:
			s.record(entry, time.Since(started))
			resetConnection(w)
			return
		case Throttle:
			s.writeError(resp, call, throttlingError())
		case HTTP5xx:
			s.writeError(resp, call, serverError(f.Status))
		}
		finish()
		return
	}
	if !s.limits.allow(call.service, call.operation) {
		entry.Fault, entry.FaultID = Throttle, rateLimitFaultID
		s.writeError(resp, call, throttlingError())
		finish()
		return
	}

	body, aerr := s.serve(call)
	if aerr != nil {
		s.writeError(resp, call, aerr)
		finish()
		return
	}
	switch call.protocol {
	case protoCBOR:
		resp.Header().Set("Smithy-Protocol", smithyProtocolCBOR)
		if len(body) > 0 {
			resp.Header().Set("Content-Type", "application/cbor")
		}
	default:
		resp.Header().Set("Content-Type", "text/xml")
	}
	resp.WriteHeader(call.restResponse(resp.Header()))
	_, _ = resp.Write(body)
	finish()
}

// serve calls the service, turning a panic into an InternalFailure so that a
// bug shows up as an AWS error (and in the call log) rather than a dropped
// connection the SDK would silently retry.
func (s *Server) serve(call *apiCall) (body []byte, aerr *awserr.Error) {
	defer func() {
		if p := recover(); p != nil {
			s.logf("sandbox: panic serving %s %s: %v", call.service, call.operation, p)
			body, aerr = nil, awserr.ReceiverFault(http.StatusInternalServerError, "InternalFailure",
				"sandbox internal error in %s %s: %v", call.service, call.operation, p)
		}
	}()
	switch call.service {
	case ServiceELBv2:
		return s.elbv2.ServeQueryIn(call.region, call.operation, call.query, call.requestID)
	case ServiceSTS:
		return sts.Service{AccountID: s.opts.AccountID, Now: s.opts.Now}.Serve(call.operation, call.query, call.requestID)
	case ServiceSNS:
		return s.sns.ServeQueryIn(call.region, call.operation, call.query, call.requestID)
	case ServiceCloudWatch:
		return s.cloudwatch.ServeCBORIn(call.region, call.operation, call.body)
	case ServiceRoute53:
		return s.serveRoute53(call)
	}
	return nil, awserr.Sender(http.StatusBadRequest, "InvalidAction", "unknown service %q", call.service)
}

func (s *Server) writeError(w *bufferedResponse, call *apiCall, e *awserr.Error) {
	w.errorCode = e.Code
	if call.protocol == protoCBOR {
		cloudwatch.WriteError(w, e)
		return
	}
	writeQueryError(w, xmlnsFor(call.service), call.requestID, e)
}

func throttlingError() *awserr.Error {
	return awserr.Sender(http.StatusBadRequest, "Throttling", "Rate exceeded")
}

// serverError is the AWS error for an injected 5xx: 500 → InternalFailure,
// anything else → ServiceUnavailable (503 unless another 5xx was asked for).
func serverError(status int) *awserr.Error {
	if status == 0 {
		status = http.StatusServiceUnavailable
	}
	if status == http.StatusInternalServerError {
		return awserr.ReceiverFault(status, "InternalFailure", "The request processing has failed because of an unknown error, exception or failure.")
	}
	return awserr.ReceiverFault(status, "ServiceUnavailable", "The request has failed due to a temporary failure of the server.")
}

func xmlnsFor(service string) string {
	switch service {
	case ServiceELBv2:
		return elbv2XMLNS
	case ServiceSTS:
		return sts.XMLNS
	case ServiceRoute53:
		return route53.XMLNS
	case ServiceSNS:
		return sns.XMLNS
	}
	return ""
}

type queryErrorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	XMLNS   string   `xml:"xmlns,attr,omitempty"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

// writeQueryError renders an awsQuery <ErrorResponse> with the error's status.
func writeQueryError(w http.ResponseWriter, xmlns, requestID string, e *awserr.Error) {
	var doc queryErrorResponse
	doc.XMLNS = xmlns
	doc.Error.Type = e.Fault()
	doc.Error.Code = e.Code
	doc.Error.Message = e.Message
	doc.RequestID = requestID
	out, err := xml.Marshal(doc)
	if err != nil { // cannot happen with string fields
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, xml.Header)
	_, _ = w.Write(out)
}

// resetConnection hijacks the connection and closes it with SO_LINGER 0, so
// the kernel sends a TCP RST: the client sees "connection reset by peer".
func resetConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not hijackable (HTTP/2): abort the handler, which drops the stream.
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// params flattens the call's parameters for the call log.
func (c *apiCall) params() map[string]string {
	out := map[string]string{}
	switch c.protocol {
	case protoQuery:
		for k, v := range c.query {
			if len(v) > 0 {
				out[k] = v[0]
			}
		}
	case protoRESTXML:
		return route53.FlattenParams(c.rest.req)
	case protoCBOR:
		if len(c.body) == 0 {
			return out
		}
		decoded, err := cloudwatch.DecodeParams(c.body)
		if err != nil {
			out["_decodeError"] = err.Error()
			return out
		}
		for k, v := range decoded {
			flattenInto(out, k, v)
		}
	}
	return out
}

// flattenInto writes v under key, expanding maps as key.sub and lists as
// key.1, key.2, … (1-based, as awsQuery numbers list members).
func flattenInto(out map[string]string, key string, v any) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			flattenInto(out, key+"."+k, x[k])
		}
	case map[any]any:
		for k, vv := range x {
			flattenInto(out, key+"."+fmt.Sprint(k), vv)
		}
	case []any:
		for i, vv := range x {
			flattenInto(out, key+"."+strconv.Itoa(i+1), vv)
		}
	case []float64:
		for i, vv := range x {
			flattenInto(out, key+"."+strconv.Itoa(i+1), vv)
		}
	case []string:
		for i, vv := range x {
			out[key+"."+strconv.Itoa(i+1)] = vv
		}
	case string:
		out[key] = x
	case float64:
		out[key] = strconv.FormatFloat(x, 'g', -1, 64)
	case float32:
		out[key] = strconv.FormatFloat(float64(x), 'g', -1, 32)
	case time.Time:
		out[key] = x.UTC().Format(time.RFC3339Nano)
	case []byte:
		out[key] = string(x)
	case nil:
		out[key] = ""
	default:
		out[key] = fmt.Sprint(x)
	}
}

// bufferedResponse collects a response so it can be logged before it is sent.
type bufferedResponse struct {
	header    http.Header
	status    int
	body      bytes.Buffer
	errorCode string
}

func newBufferedResponse(h http.Header) *bufferedResponse {
	return &bufferedResponse{header: h}
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// flush sends the collected response (headers are shared with w already).
func (b *bufferedResponse) flush(w http.ResponseWriter) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	w.Header().Set("Content-Length", strconv.Itoa(b.body.Len()))
	w.WriteHeader(b.status)
	_, _ = w.Write(b.body.Bytes())
}

// newRequestID returns a random UUID (version 4), the shape AWS request IDs have.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
