package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/awserr"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/cloudwatch"
)

// SetTargetHealth sets the health the sandbox reports for one registered
// target (DescribeTargetHealth). state is an ELBv2 TargetHealthStateEnum
// value: "healthy", "unhealthy", "initial", "draining", "unused", "unavailable".
func (s *Server) SetTargetHealth(targetGroupARN, targetID string, port int32, state, reason, description string) error {
	return s.elbv2.SetTargetHealth(targetGroupARN, targetID, port, state, reason, description)
}

// PublishMetrics records metric datapoints as if AWS had published them
// (e.g. AWS/ApplicationELB RequestCount). A zero Timestamp means now.
func (s *Server) PublishMetrics(dps ...cloudwatch.Datapoint) {
	for _, dp := range dps {
		if dp.Timestamp.IsZero() {
			dp.Timestamp = s.opts.Now()
		}
		s.cloudwatch.Publish(dp)
	}
}

// SetAlarmState forces a CloudWatch alarm into state ("OK", "ALARM",
// "INSUFFICIENT_DATA") with the given reason.
func (s *Server) SetAlarmState(name, state, reason string) error {
	return s.cloudwatch.SetAlarmState(name, state, reason)
}

// AddVPC makes a VPC exist in region ("" = the sandbox's region), so that
// CreateTargetGroup accepts it as VpcId; every region has the default VPC
// elbv2.DefaultVPCID.
func (s *Server) AddVPC(region, vpcID string) error { return s.elbv2.AddVPC(region, vpcID) }

// Admin API request bodies (JSON). See doc.go for the full reference.

type vpcRequest struct {
	Region string `json:"region"`
	VpcID  string `json:"vpcId"`
}

type targetHealthRequest struct {
	TargetGroupARN string `json:"targetGroupArn"`
	TargetID       string `json:"targetId"`
	Port           int32  `json:"port"`
	State          string `json:"state"`
	Reason         string `json:"reason"`
	Description    string `json:"description"`
}

type datapointJSON struct {
	Namespace  string            `json:"namespace"`
	MetricName string            `json:"metricName"`
	Dimensions map[string]string `json:"dimensions"`
	Timestamp  *time.Time        `json:"timestamp"`
	Values     []float64         `json:"values"`
	Value      *float64          `json:"value"`
	Unit       string            `json:"unit"`
}

type publishMetricsRequest struct {
	Datapoints []datapointJSON `json:"datapoints"`
}

type alarmStateRequest struct {
	AlarmName string `json:"alarmName"`
	State     string `json:"state"`
	Reason    string `json:"reason"`
}

// faultJSON is Fault on the wire: latency is a Go duration string ("750ms").
type faultJSON struct {
	ID        string    `json:"id,omitempty"`
	Service   string    `json:"service,omitempty"`
	Operation string    `json:"operation,omitempty"`
	Kind      FaultKind `json:"kind"`
	Times     int       `json:"times,omitempty"`
	Rate      float64   `json:"rate,omitempty"`
	Latency   string    `json:"latency,omitempty"`
	Status    int       `json:"status,omitempty"`
	Remaining *int      `json:"remaining,omitempty"`
	Injected  *int      `json:"injected,omitempty"`
}

func (s *Server) adminMux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /_sandbox/health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{
			"status": "ok", "url": s.url, "region": s.opts.Region, "accountId": s.opts.AccountID,
		})
	})

	m.HandleFunc("POST /_sandbox/elbv2/target-health", func(w http.ResponseWriter, r *http.Request) {
		var req targetHealthRequest
		if !readJSON(w, r, &req) {
			return
		}
		if req.TargetGroupARN == "" || req.TargetID == "" || req.State == "" {
			writeAdminError(w, http.StatusBadRequest, "targetGroupArn, targetId and state are required")
			return
		}
		if err := s.SetTargetHealth(req.TargetGroupARN, req.TargetID, req.Port, req.State, req.Reason, req.Description); err != nil {
			writeServiceError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	})

	m.HandleFunc("POST /_sandbox/cloudwatch/metrics", func(w http.ResponseWriter, r *http.Request) {
		var req publishMetricsRequest
		if !readJSON(w, r, &req) {
			return
		}
		dps := make([]cloudwatch.Datapoint, 0, len(req.Datapoints))
		for i, d := range req.Datapoints {
			if d.Namespace == "" || d.MetricName == "" {
				writeAdminError(w, http.StatusBadRequest, fmt.Sprintf("datapoints[%d]: namespace and metricName are required", i))
				return
			}
			values := append([]float64(nil), d.Values...)
			if d.Value != nil {
				values = append(values, *d.Value)
			}
			if len(values) == 0 {
				writeAdminError(w, http.StatusBadRequest, fmt.Sprintf("datapoints[%d]: give value or values", i))
				return
			}
			dp := cloudwatch.Datapoint{Namespace: d.Namespace, MetricName: d.MetricName,
				Dimensions: d.Dimensions, Values: values, Unit: d.Unit}
			if d.Timestamp != nil {
				dp.Timestamp = *d.Timestamp
			}
			dps = append(dps, dp)
		}
		s.PublishMetrics(dps...)
		writeJSON(w, http.StatusOK, map[string]any{"published": len(dps)})
	})

	m.HandleFunc("POST /_sandbox/ec2/vpcs", func(w http.ResponseWriter, r *http.Request) {
		var req vpcRequest
		if !readJSON(w, r, &req) {
			return
		}
		if err := s.AddVPC(req.Region, req.VpcID); err != nil {
			writeAdminError(w, http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"vpcs": s.elbv2.VPCs(req.Region)})
	})
	m.HandleFunc("GET /_sandbox/ec2/vpcs", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"vpcs": s.elbv2.VPCs(r.URL.Query().Get("region"))})
	})

	m.HandleFunc("POST /_sandbox/cloudwatch/alarm-state", func(w http.ResponseWriter, r *http.Request) {
		var req alarmStateRequest
		if !readJSON(w, r, &req) {
			return
		}
		if req.AlarmName == "" || req.State == "" {
			writeAdminError(w, http.StatusBadRequest, "alarmName and state are required")
			return
		}
		if err := s.SetAlarmState(req.AlarmName, req.State, req.Reason); err != nil {
			writeServiceError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	})

	m.HandleFunc("GET /_sandbox/faults", func(w http.ResponseWriter, r *http.Request) {
		out := []faultJSON{}
		for _, f := range s.Faults() {
			j := toFaultJSON(f.Fault)
			j.ID = f.ID
			remaining, injected := f.Remaining, f.Injected
			j.Remaining, j.Injected = &remaining, &injected
			out = append(out, j)
		}
		writeJSON(w, http.StatusOK, map[string]any{"faults": out})
	})
	m.HandleFunc("POST /_sandbox/faults", func(w http.ResponseWriter, r *http.Request) {
		var req faultJSON
		if !readJSON(w, r, &req) {
			return
		}
		f := Fault{Service: req.Service, Operation: req.Operation, Kind: req.Kind, Times: req.Times, Rate: req.Rate, Status: req.Status}
		if req.Latency != "" {
			d, err := time.ParseDuration(req.Latency)
			if err != nil {
				writeAdminError(w, http.StatusBadRequest, fmt.Sprintf("latency %q: want a Go duration such as \"750ms\" or \"2s\"", req.Latency))
				return
			}
			f.Latency = d
		}
		id, err := s.InjectFault(f)
		if err != nil {
			writeAdminError(w, http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(w, http.StatusCreated, map[string]any{"id": id})
	})
	m.HandleFunc("DELETE /_sandbox/faults", func(w http.ResponseWriter, r *http.Request) {
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("DELETE /_sandbox/faults/{id}", func(w http.ResponseWriter, r *http.Request) {
		if !s.RemoveFault(r.PathValue("id")) {
			writeAdminError(w, http.StatusNotFound, fmt.Sprintf("no active fault %q", r.PathValue("id")))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})

	m.HandleFunc("GET /_sandbox/rate-limits", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"rateLimits": s.RateLimits()})
	})
	m.HandleFunc("PUT /_sandbox/rate-limits", func(w http.ResponseWriter, r *http.Request) {
		var req RateLimit
		if !readJSON(w, r, &req) {
			return
		}
		if err := s.SetRateLimit(req.Service, req.Operation, req.PerSecond, req.Burst); err != nil {
			writeAdminError(w, http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"rateLimits": s.RateLimits()})
	})
	m.HandleFunc("DELETE /_sandbox/rate-limits", func(w http.ResponseWriter, r *http.Request) {
		s.ClearRateLimits()
		w.WriteHeader(http.StatusNoContent)
	})

	m.HandleFunc("GET /_sandbox/calls", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		writeJSON(w, http.StatusOK, map[string]any{
			"calls": s.Calls(CallFilter{Service: q.Get("service"), Operation: q.Get("operation")}),
		})
	})
	m.HandleFunc("DELETE /_sandbox/calls", func(w http.ResponseWriter, r *http.Request) {
		s.ResetCalls()
		w.WriteHeader(http.StatusNoContent)
	})

	m.HandleFunc("/_sandbox/", func(w http.ResponseWriter, r *http.Request) {
		writeAdminError(w, http.StatusNotFound, fmt.Sprintf("no admin endpoint %s %s; see the package documentation of internal/sandbox (GET /_sandbox/health, /_sandbox/calls, /_sandbox/faults, /_sandbox/rate-limits, POST /_sandbox/elbv2/target-health, /_sandbox/cloudwatch/metrics, /_sandbox/cloudwatch/alarm-state)", r.Method, r.URL.Path))
	})
	return m
}

func toFaultJSON(f Fault) faultJSON {
	j := faultJSON{Service: f.Service, Operation: f.Operation, Kind: f.Kind, Times: f.Times, Rate: f.Rate, Status: f.Status}
	if f.Latency > 0 {
		j.Latency = f.Latency.String()
	}
	return j
}

const maxAdminBody = 1 << 20

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAdminBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		msg := "invalid JSON body: " + err.Error()
		if errors.Is(err, io.EOF) {
			msg = "a JSON body is required"
		}
		writeAdminError(w, http.StatusBadRequest, msg)
		return false
	}
	if dec.More() {
		writeAdminError(w, http.StatusBadRequest, "invalid JSON body: trailing data after the object")
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeAdminError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// writeServiceError reports an error from a service's test hook, keeping
// the AWS error code when there is one (…NotFound → 404).
func writeServiceError(w http.ResponseWriter, err error) {
	var ae *awserr.Error
	if errors.As(err, &ae) {
		status := http.StatusBadRequest
		if strings.HasSuffix(ae.Code, "NotFound") {
			status = http.StatusNotFound
		}
		writeJSON(w, status, map[string]string{"error": ae.Message, "code": ae.Code})
		return
	}
	writeAdminError(w, http.StatusBadRequest, err.Error())
}
