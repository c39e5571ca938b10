package cloudwatch

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/awserr"
)

// Region and AccountID are used to build alarm ARNs
// (arn:aws:cloudwatch:<Region>:<AccountID>:alarm:<name>).
const (
	Region    = "us-east-1"
	AccountID = "123456789012"
)

// Options configures a Service.
type Options struct {
	// Now is the service clock (default time.Now). It stamps metric data
	// published without a Timestamp, bounds the PutMetricData timestamp
	// window and stamps alarm configuration/state updates.
	Now func() time.Time
	// Region and AccountID are used in alarm ARNs (defaults Region and
	// AccountID). A request signed for another region gets ARNs in that
	// region (ServeCBORIn).
	Region, AccountID string
}

// Service is an in-memory CloudWatch (metrics + metric alarms). It is safe
// for concurrent use.
type Service struct {
	now func() time.Time

	mu      sync.Mutex
	metrics map[string]*series // by metricKey
	alarms  map[string]*alarm  // by name

	beforeServe atomic.Pointer[func()] // see SetBeforeServe

	region, account string
	regionMu        sync.RWMutex // guards reqRegion: see ServeCBORIn
	reqRegion       string       // the request's region while serving it
}

// arnRegion is the region alarm ARNs are minted and read in.
func (s *Service) arnRegion() string {
	if s.reqRegion != "" {
		return s.reqRegion
	}
	return s.region
}

// alarmARN is the ARN of an alarm created by the request being served.
func (s *Service) alarmARN(name string) string {
	return "arn:aws:cloudwatch:" + s.arnRegion() + ":" + s.account + ":alarm:" + name
}

// ServeCBORIn is ServeCBOR for a request signed for region ("" = the
// service's region): alarm ARNs it mints and reads are in that region.
// Requests for another region than the service's are served one at a time.
func (s *Service) ServeCBORIn(region, op string, body []byte) ([]byte, *awserr.Error) {
	if region == "" || region == s.region {
		s.regionMu.RLock()
		defer s.regionMu.RUnlock()
		return s.ServeCBOR(op, body)
	}
	s.regionMu.Lock()
	defer s.regionMu.Unlock()
	s.reqRegion = region
	defer func() { s.reqRegion = "" }()
	return s.ServeCBOR(op, body)
}

// SetBeforeServe installs f to run before every API call is served (nil
// removes it). The data plane uses it to publish the minutes that are due at
// the caller's moment, so that what a read sees depends on the clock only,
// not on when a background publication round last ran.
func (s *Service) SetBeforeServe(f func()) {
	if f == nil {
		s.beforeServe.Store(nil)
		return
	}
	s.beforeServe.Store(&f)
}

// New returns an empty Service.
func New(o Options) *Service {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	if o.Region == "" {
		o.Region = Region
	}
	if o.AccountID == "" {
		o.AccountID = AccountID
	}
	return &Service{
		now:     func() time.Time { return now().UTC() },
		metrics: map[string]*series{},
		alarms:  map[string]*alarm{},
		region:  o.Region,
		account: o.AccountID,
	}
}

type handler func(s *Service, in obj) cbor.Value

// handlers lists the emulated operations. A handler returns nil for
// operations whose output is the Unit shape (no response body).
var handlers = map[string]handler{
	"PutMetricData":           (*Service).putMetricData,
	"GetMetricData":           (*Service).getMetricData,
	"GetMetricStatistics":     (*Service).getMetricStatistics,
	"ListMetrics":             (*Service).listMetrics,
	"PutMetricAlarm":          (*Service).putMetricAlarm,
	"DescribeAlarms":          (*Service).describeAlarms,
	"DescribeAlarmsForMetric": (*Service).describeAlarmsForMetric,
	"SetAlarmState":           (*Service).setAlarmState,
	"DeleteAlarms":            (*Service).deleteAlarms,
	"ListTagsForResource":     (*Service).listTagsForResource,
	"TagResource":             (*Service).tagResource,
	"UntagResource":           (*Service).untagResource,
}

// Operations returns the names of the emulated operations.
func Operations() []string { return sortedKeys(handlers) }

// ServeCBOR executes one operation. op is the <Op> from the URL path; body is
// the raw CBOR request. It returns the CBOR response body — nil for
// operations whose output is the Unit shape (PutMetricData, PutMetricAlarm,
// SetAlarmState, DeleteAlarms): per the rpcv2Cbor spec such responses carry
// no body and no Content-Type — or an *awserr.Error to be rendered with
// WriteError.
//
// An operation that is not emulated (whether or not CloudWatch has it) yields
// UnknownOperationException with status 404, which is what Smithy RPC v2
// servers answer for a path naming no known operation. A body that is not a
// CBOR map, or a member of the wrong CBOR type, yields SerializationException
// (400).
func (s *Service) ServeCBOR(op string, body []byte) (out []byte, aerr *awserr.Error) {
	if f := s.beforeServe.Load(); f != nil {
		(*f)()
	}
	h, ok := handlers[op]
	if !ok {
		return nil, apiError("UnknownOperationException", "Operation %s is not supported by the CloudWatch sandbox (service %s)", op, ServiceName)
	}
	in, err := decodeInput(body)
	if err != nil {
		return nil, apiError("SerializationException", "cannot deserialize request body: %v", err)
	}
	defer func() {
		if r := recover(); r != nil {
			if e, isAPI := r.(*awserr.Error); isAPI {
				out, aerr = nil, e
				return
			}
			out, aerr = nil, &awserr.Error{Code: "InternalFailure", Message: fmt.Sprintf("sandbox panic in %s: %v", op, r),
				Status: http.StatusInternalServerError, Receiver: true}
		}
	}()
	v := h(s, in)
	if v == nil {
		return nil, nil
	}
	return cbor.Encode(v), nil
}

// Datapoint is metric data for the admin Publish API.
type Datapoint struct {
	Namespace, MetricName string
	Dimensions            map[string]string
	Timestamp             time.Time // zero: the service clock's now
	Values                []float64 // each value counts once
	Unit                  string    // "" means "None"
}

// Publish stores metric data in the same store PutMetricData uses. It does
// no validation (any namespace, including AWS/..., and any timestamp).
func (s *Service) Publish(dp Datapoint) {
	dims := make([]dimension, 0, len(dp.Dimensions))
	for _, k := range sortedKeys(dp.Dimensions) {
		dims = append(dims, dimension{Name: k, Value: dp.Dimensions[k]})
	}
	t := dp.Timestamp
	if t.IsZero() {
		t = s.now()
	}
	unit := dp.Unit
	if unit == "" {
		unit = "None"
	}
	vals := append([]float64(nil), dp.Values...)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.store(dp.Namespace, dp.MetricName, dims, sample{t: t.UTC(), unit: unit, vals: vals})
}

// SetAlarmState sets an alarm's state like the SetAlarmState API (state is
// OK, ALARM or INSUFFICIENT_DATA). It returns an *awserr.Error
// (ResourceNotFound for an unknown alarm, ValidationError for a bad state).
func (s *Service) SetAlarmState(name, state, reason string) error {
	if e := s.setState(name, state, reason, nil); e != nil {
		return e
	}
	return nil
}
