package cloudwatch

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/awserr"
)

// ServiceName is the Smithy service shape name used in the RPC v2 URL path:
// POST /service/GraniteServiceVersion20100801/operation/<Op>.
const ServiceName = "GraniteServiceVersion20100801"

// PathPrefix is the URL path prefix of every CloudWatch RPC v2 CBOR request;
// the operation name follows it.
const PathPrefix = "/service/" + ServiceName + "/operation/"

// errorShape describes how an AWS query error code is carried on the RPC v2
// CBOR wire: the absolute shape ID sent in __type, the name of the message
// member of that shape, and the status the model assigns to it.
type errorShape struct {
	typ        string // absolute shape ID for __type
	messageKey string // "message" or "Message" (as modelled)
	status     int
}

// errorShapes maps the awsQuery error code (what awserr.Error.Code holds and
// what the SDK's ErrorCode() reports) to its modelled error shape. It mirrors
// the @awsQueryError traits of the CloudWatch model (service/cloudwatch
// schemas); a test cross-checks it against the SDK's TypeRegistry.
var errorShapes = map[string]errorShape{
	"ConcurrentModificationException": {"com.amazonaws.cloudwatch#ConcurrentModificationException", "Message", 429},
	"InvalidParameterInput":           {"com.amazonaws.cloudwatch#DashboardInvalidInputError", "message", 400},
	"ResourceNotFound":                {"com.amazonaws.cloudwatch#ResourceNotFound", "message", 404},
	"InternalServiceError":            {"com.amazonaws.cloudwatch#InternalServiceFault", "Message", 500},
	"InvalidFormat":                   {"com.amazonaws.cloudwatch#InvalidFormatFault", "message", 400},
	"InvalidNextToken":                {"com.amazonaws.cloudwatch#InvalidNextToken", "message", 400},
	"InvalidParameterCombination":     {"com.amazonaws.cloudwatch#InvalidParameterCombinationException", "message", 400},
	"InvalidParameterValue":           {"com.amazonaws.cloudwatch#InvalidParameterValueException", "message", 400},
	"LimitExceededException":          {"com.amazonaws.cloudwatch#LimitExceededException", "Message", 400},
	"LimitExceeded":                   {"com.amazonaws.cloudwatch#LimitExceededFault", "message", 400},
	"MissingParameter":                {"com.amazonaws.cloudwatch#MissingRequiredParameterException", "message", 400},
	"ResourceConflict":                {"com.amazonaws.cloudwatch#ResourceConflict", "message", 409},
	"ResourceNotFoundException":       {"com.amazonaws.cloudwatch#ResourceNotFoundException", "Message", 404},
	"ValidationError":                 {"com.amazonaws.cloudwatch#ValidationException", "message", 400},
	"ConflictException":               {"com.amazonaws.cloudwatch#ConflictException", "Message", 409},
	"KmsAccessDeniedException":        {"com.amazonaws.cloudwatch#KmsAccessDeniedException", "Message", 400},
	"KmsKeyDisabledException":         {"com.amazonaws.cloudwatch#KmsKeyDisabledException", "Message", 400},
	"KmsKeyNotFoundException":         {"com.amazonaws.cloudwatch#KmsKeyNotFoundException", "Message", 400},

	// Framework (Coral) errors that are not part of the CloudWatch model. The
	// SDK does not find them in its type registry and surfaces a
	// *smithy.GenericAPIError whose code comes from x-amzn-query-error.
	"Throttling":                  {"com.amazon.coral.availability#ThrottlingException", "message", 400},
	"ThrottlingException":         {"com.amazon.coral.availability#ThrottlingException", "message", 400},
	"RequestLimitExceeded":        {"com.amazon.coral.availability#RequestLimitExceeded", "message", 400},
	"ServiceUnavailable":          {"com.amazon.coral.availability#ServiceUnavailableException", "message", 503},
	"InternalFailure":             {"com.amazon.coral.service#InternalFailure", "message", 500},
	"AccessDenied":                {"com.amazon.coral.service#AccessDeniedException", "message", 403},
	"AccessDeniedException":       {"com.amazon.coral.service#AccessDeniedException", "message", 403},
	"UnrecognizedClientException": {"com.amazon.coral.service#UnrecognizedClientException", "message", 403},
	"InvalidClientTokenId":        {"com.amazon.coral.service#InvalidClientTokenId", "message", 403},
	"IncompleteSignature":         {"com.amazon.coral.service#IncompleteSignatureException", "message", 400},
	"MissingAuthenticationToken":  {"com.amazon.coral.service#MissingAuthenticationTokenException", "message", 403},
	"SerializationException":      {"com.amazon.coral.service#SerializationException", "message", 400},
	"UnknownOperationException":   {"com.amazon.coral.service#UnknownOperationException", "message", 404},
}

// shapeFor returns the wire shape of an error code. Unknown codes are sent
// under the com.amazon.coral.service namespace with a default status.
func shapeFor(e *awserr.Error) errorShape {
	if sh, ok := errorShapes[e.Code]; ok {
		return sh
	}
	st := http.StatusBadRequest
	if e.Receiver {
		st = http.StatusInternalServerError
	}
	return errorShape{typ: "com.amazon.coral.service#" + e.Code, messageKey: "message", status: st}
}

// apiError builds an *awserr.Error for a CloudWatch error code with the
// status the model (or the framework) assigns to it.
func apiError(code, format string, args ...any) *awserr.Error {
	sh, ok := errorShapes[code]
	st := http.StatusBadRequest
	if ok {
		st = sh.status
	}
	return &awserr.Error{Code: code, Message: fmt.Sprintf(format, args...), Status: st, Receiver: st >= 500}
}

// WriteError renders e the way CloudWatch's Smithy RPC v2 CBOR endpoint does:
//
//   - status e.Status (or the modelled status of the code when zero);
//   - headers Smithy-Protocol: rpc-v2-cbor, Content-Type: application/cbor and,
//     because the service is @awsQueryCompatible, x-amzn-query-error:
//     "<Code>;Sender|Receiver";
//   - a CBOR map body {"__type": "<absolute shape id>", "message": ...}.
//
// The SDK resolves __type in its type registry (so modelled errors decode
// into typed errors such as *types.ResourceNotFound) and then overrides the
// error code with the one from x-amzn-query-error, so ErrorCode() == e.Code
// for every code, modelled or not (e.g. injected "Throttling", which the
// SDK's retryer treats as a retryable throttle error).
func WriteError(w http.ResponseWriter, e *awserr.Error) {
	if e == nil {
		e = apiError("InternalFailure", "unknown error")
	}
	sh := shapeFor(e)
	status := e.Status
	if status == 0 {
		status = sh.status
	}
	fault := e.Fault()
	if status >= 500 {
		fault = "Receiver"
	}
	body := cbor.Map{
		"__type":  cbor.String(sh.typ),
		"message": cbor.String(e.Message),
	}
	if sh.messageKey != "message" {
		body[sh.messageKey] = cbor.String(e.Message)
	}
	p := cbor.Encode(body)
	h := w.Header()
	h.Set("Smithy-Protocol", "rpc-v2-cbor")
	h.Set("Content-Type", "application/cbor")
	h.Set("Content-Length", strconv.Itoa(len(p)))
	h.Set("X-Amzn-Query-Error", e.Code+";"+fault)
	w.WriteHeader(status)
	_, _ = w.Write(p)
}

// DecodeParams turns a CBOR request body into plain Go values for the API
// call log: maps become map[string]any, lists []any, text string, every
// number float64, tag-1 timestamps time.Time (UTC), byte strings []byte,
// booleans bool and null/undefined nil. An empty body yields an empty map.
//
// A gzip-compressed body (Content-Encoding: gzip, which the SDK uses for
// PutMetricData) is recognised by its magic bytes and inflated first.
func DecodeParams(body []byte) (map[string]any, error) {
	body, err := gunzipIfCompressed(body)
	if err != nil {
		return nil, err
	}
	if len(body) == 0 {
		return map[string]any{}, nil
	}
	v, err := cbor.Decode(body)
	if err != nil {
		return nil, err
	}
	m, ok := v.(cbor.Map)
	if !ok {
		return nil, fmt.Errorf("cbor request body is %T, want a map", v)
	}
	return plain(m).(map[string]any), nil
}

func plain(v cbor.Value) any {
	switch vv := v.(type) {
	case cbor.Map:
		out := make(map[string]any, len(vv))
		for k, x := range vv {
			out[k] = plain(x)
		}
		return out
	case cbor.List:
		out := make([]any, len(vv))
		for i, x := range vv {
			out[i] = plain(x)
		}
		return out
	case cbor.String:
		return string(vv)
	case cbor.Slice:
		return []byte(vv)
	case cbor.Bool:
		return bool(vv)
	case cbor.Uint:
		return float64(vv)
	case cbor.NegInt:
		if vv == 0 { // -2^64
			return -math.Pow(2, 64)
		}
		return -float64(vv)
	case cbor.Float32:
		return float64(vv)
	case cbor.Float64:
		return float64(vv)
	case *cbor.Tag:
		if vv.ID == 1 {
			if t, err := asTime(vv); err == nil {
				return t
			}
		}
		return plain(vv.Value)
	case cbor.Tag:
		return plain(&vv)
	default: // *Nil, *Undefined
		return nil
	}
}

// ---- request reading -------------------------------------------------------

// obj is a decoded CBOR structure with its parameter path (for messages).
// Accessors panic with a SerializationException on type mismatches; the
// panic is turned into an error response by ServeCBOR.
type obj struct {
	m    cbor.Map
	path string
}

// maxInflatedBody bounds a gzip-compressed request body once inflated.
const maxInflatedBody = 16 << 20

// gunzipIfCompressed inflates a gzip body. aws-sdk-go-v2 gzips PutMetricData
// requests (@requestCompression) and sends Content-Encoding: gzip; the gzip
// magic 1f 8b cannot start a valid CBOR item (major type 0 with the reserved
// minor 31), so sniffing is unambiguous and works whether or not the HTTP
// layer already honoured Content-Encoding.
func gunzipIfCompressed(body []byte) ([]byte, error) {
	if len(body) < 2 || body[0] != 0x1f || body[1] != 0x8b {
		return body, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, maxInflatedBody+1))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if len(out) > maxInflatedBody {
		return nil, fmt.Errorf("gzip: inflated body exceeds %d bytes", maxInflatedBody)
	}
	return out, nil
}

func decodeInput(body []byte) (obj, error) {
	body, err := gunzipIfCompressed(body)
	if err != nil {
		return obj{}, err
	}
	if len(body) == 0 {
		return obj{m: cbor.Map{}}, nil
	}
	v, err := cbor.Decode(body)
	if err != nil {
		return obj{}, err
	}
	m, ok := v.(cbor.Map)
	if !ok {
		return obj{}, fmt.Errorf("request body is %T, want a CBOR map", v)
	}
	return obj{m: m}, nil
}

func (o obj) sub(k string) string {
	if o.path == "" {
		return k
	}
	return o.path + "." + k
}

// fail aborts the current operation with e (recovered in ServeCBOR).
func fail(e *awserr.Error) { panic(e) }

func bad(code, format string, args ...any) { fail(apiError(code, format, args...)) }

func serr(path string, v cbor.Value, want string) {
	bad("SerializationException", "cannot deserialize %s: expected %s, got CBOR %s", path, want, kind(v))
}

func kind(v cbor.Value) string {
	switch v.(type) {
	case cbor.Map:
		return "map"
	case cbor.List:
		return "list"
	case cbor.String:
		return "text string"
	case cbor.Slice:
		return "byte string"
	case cbor.Bool:
		return "boolean"
	case cbor.Uint, cbor.NegInt:
		return "integer"
	case cbor.Float32, cbor.Float64:
		return "float"
	case *cbor.Tag, cbor.Tag:
		return "tag"
	default:
		return "null"
	}
}

func (o obj) get(k string) (cbor.Value, bool) {
	v, ok := o.m[k]
	if !ok {
		return nil, false
	}
	switch v.(type) {
	case *cbor.Nil, *cbor.Undefined, nil:
		return nil, false
	}
	return v, true
}

func (o obj) has(k string) bool { _, ok := o.get(k); return ok }

func (o obj) str(k string) (string, bool) {
	v, ok := o.get(k)
	if !ok {
		return "", false
	}
	return asStr(v, o.sub(k)), true
}

func asStr(v cbor.Value, path string) string {
	s, ok := v.(cbor.String)
	if !ok {
		serr(path, v, "text string")
	}
	return string(s)
}

func (o obj) f64(k string) (float64, bool) {
	v, ok := o.get(k)
	if !ok {
		return 0, false
	}
	return asF64(v, o.sub(k)), true
}

func asF64(v cbor.Value, path string) float64 {
	f, err := cbor.AsFloat64(v)
	if err != nil {
		serr(path, v, "number")
	}
	return f
}

func (o obj) i64(k string) (int64, bool) {
	v, ok := o.get(k)
	if !ok {
		return 0, false
	}
	n, err := cbor.AsInt64(v)
	if err != nil {
		serr(o.sub(k), v, "integer")
	}
	return n, true
}

func (o obj) boolean(k string) (bool, bool) {
	v, ok := o.get(k)
	if !ok {
		return false, false
	}
	b, isBool := v.(cbor.Bool)
	if !isBool {
		serr(o.sub(k), v, "boolean")
	}
	return bool(b), true
}

func (o obj) time(k string) (time.Time, bool) {
	v, ok := o.get(k)
	if !ok {
		return time.Time{}, false
	}
	t, err := asTime(v)
	if err != nil {
		serr(o.sub(k), v, "timestamp (tag 1)")
	}
	return t, true
}

// asTime reads a tag-1 epoch timestamp with millisecond resolution.
func asTime(v cbor.Value) (time.Time, error) {
	var tag *cbor.Tag
	switch tv := v.(type) {
	case *cbor.Tag:
		tag = tv
	case cbor.Tag:
		tag = &tv
	default:
		return time.Time{}, errors.New("not a tag")
	}
	if tag.ID != 1 {
		return time.Time{}, fmt.Errorf("unexpected tag %d", tag.ID)
	}
	switch tv := tag.Value.(type) {
	case cbor.Float32, cbor.Float64:
		f, _ := cbor.AsFloat64(tv)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return time.Time{}, errors.New("non-finite timestamp")
		}
		return time.UnixMilli(int64(math.Round(f * 1e3))).UTC(), nil
	}
	n, err := cbor.AsInt64(tag.Value)
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(n, 0).UTC(), nil
}

func (o obj) list(k string) ([]cbor.Value, bool) {
	v, ok := o.get(k)
	if !ok {
		return nil, false
	}
	l, isList := v.(cbor.List)
	if !isList {
		serr(o.sub(k), v, "list")
	}
	return l, true
}

func (o obj) obj(k string) (obj, bool) {
	v, ok := o.get(k)
	if !ok {
		return obj{}, false
	}
	return asObj(v, o.sub(k)), true
}

func asObj(v cbor.Value, path string) obj {
	m, ok := v.(cbor.Map)
	if !ok {
		serr(path, v, "structure")
	}
	return obj{m: m, path: path}
}

// objs reads a list of structures; element paths follow the awsQuery style
// ("MetricData.member.3") that CloudWatch uses in its messages.
func (o obj) objs(k string) ([]obj, bool) {
	l, ok := o.list(k)
	if !ok {
		return nil, false
	}
	out := make([]obj, len(l))
	for i, v := range l {
		out[i] = asObj(v, fmt.Sprintf("%s.member.%d", o.sub(k), i+1))
	}
	return out, true
}

func (o obj) strs(k string) ([]string, bool) {
	l, ok := o.list(k)
	if !ok {
		return nil, false
	}
	out := make([]string, len(l))
	for i, v := range l {
		out[i] = asStr(v, fmt.Sprintf("%s.member.%d", o.sub(k), i+1))
	}
	return out, true
}

func (o obj) f64s(k string) ([]float64, bool) {
	l, ok := o.list(k)
	if !ok {
		return nil, false
	}
	out := make([]float64, len(l))
	for i, v := range l {
		out[i] = asF64(v, fmt.Sprintf("%s.member.%d", o.sub(k), i+1))
	}
	return out, true
}

// ---- response writing ------------------------------------------------------

func cTime(t time.Time) cbor.Value {
	ms := t.UnixMilli()
	if ms%1000 == 0 {
		return &cbor.Tag{ID: 1, Value: cInt(ms / 1000)}
	}
	return &cbor.Tag{ID: 1, Value: cbor.Float64(float64(ms) / 1e3)}
}

func cInt(n int64) cbor.Value {
	if n >= 0 {
		return cbor.Uint(uint64(n))
	}
	return cbor.NegInt(uint64(-n))
}

func cStrs(ss []string) cbor.List {
	out := make(cbor.List, len(ss))
	for i, s := range ss {
		out[i] = cbor.String(s)
	}
	return out
}

func cDims(ds []dimension) cbor.List {
	out := make(cbor.List, len(ds))
	for i, d := range ds {
		out[i] = cbor.Map{"Name": cbor.String(d.Name), "Value": cbor.String(d.Value)}
	}
	return out
}

// ---- Coral-style constraint messages ----------------------------------------

var memberIndexRE = regexp.MustCompile(`\.member\.(\d+)`)

// coralPath turns "MetricData.member.1.Unit" into "metricData.1.member.unit",
// the member path format of Coral's "N validation error(s) detected" messages.
func coralPath(path string) string {
	b := []byte(memberIndexRE.ReplaceAllString(path, ".$1.member"))
	up := true
	for i := range b {
		if up && b[i] >= 'A' && b[i] <= 'Z' {
			b[i] += 'a' - 'A'
		}
		up = b[i] == '.'
	}
	return string(b)
}

func enumErr(path, value string, allowed []string) {
	bad("ValidationError", "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]",
		value, coralPath(path), joinComma(allowed))
}

func lengthErr(path, value string, min, max int) {
	if len(value) < min {
		bad("ValidationError", "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length greater than or equal to %d",
			value, coralPath(path), min)
	}
	bad("ValidationError", "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d",
		value, coralPath(path), max)
}

func checkLen(path, value string, min, max int) {
	if n := len(value); n < min || n > max {
		lengthErr(path, value, min, max)
	}
}

func checkEnum(path, value string, allowed []string) {
	for _, a := range allowed {
		if a == value {
			return
		}
	}
	enumErr(path, value, allowed)
}

func checkRange(path string, v, min, max int64) {
	if v < min {
		bad("ValidationError", "1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to %d",
			v, coralPath(path), min)
	}
	if v > max {
		bad("ValidationError", "1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value less than or equal to %d",
			v, coralPath(path), max)
	}
}

func checkListLen(path string, n, max int) {
	if n > max {
		bad("ValidationError", "1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d",
			coralPath(path), max)
	}
}

func joinComma(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ", "
		}
		out += s
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
