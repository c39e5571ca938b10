package route53

import (
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/awserr"
)

// HealthCheck is a health check as the API reports it.
type HealthCheck struct {
	ID              string
	CallerReference string
	Config          HealthCheckConfig
	Version         int64
}

// HealthCheckObservation is one checker's latest result.
type HealthCheckObservation struct {
	Region      string
	IPAddress   string
	Status      string
	CheckedTime time.Time
}

// checkerRegions are the regions whose checkers report on every health check
// (a subset of Route 53's default set).
var checkerRegions = []struct{ region, ip string }{
	{"us-east-1", "15.177.2.10"},
	{"us-west-1", "15.177.10.10"},
	{"eu-west-1", "15.177.62.10"},
	{"ap-southeast-1", "15.177.42.10"},
}

var healthCheckTypes = map[string]bool{
	"HTTP": true, "HTTPS": true, "HTTP_STR_MATCH": true, "HTTPS_STR_MATCH": true, "TCP": true,
	"CALCULATED": true, "CLOUDWATCH_METRIC": true, "RECOVERY_CONTROL": true,
}

func (c *HealthCheckConfig) normalise() *awserr.Error {
	if !healthCheckTypes[c.Type] {
		return invalidInput("1 validation error detected: Value '%s' at 'healthCheckConfig.type' failed to satisfy constraint: Member must satisfy enum value set: [HTTP, HTTPS, HTTP_STR_MATCH, HTTPS_STR_MATCH, TCP, CALCULATED, CLOUDWATCH_METRIC, RECOVERY_CONTROL]", c.Type)
	}
	switch c.Type {
	case "CALCULATED", "CLOUDWATCH_METRIC", "RECOVERY_CONTROL":
		return invalidInput("the sandbox models endpoint health checks only (HTTP, HTTPS, *_STR_MATCH, TCP), not %s", c.Type)
	}
	if c.IPAddress == "" && c.FullyQualifiedDomainName == "" {
		return invalidInput("Invalid health check: specify IPAddress, FullyQualifiedDomainName or both")
	}
	if c.IPAddress != "" && net.ParseIP(c.IPAddress) == nil {
		return invalidInput("Invalid IP address: %s", c.IPAddress)
	}
	if c.Port == 0 {
		if strings.HasPrefix(c.Type, "HTTPS") {
			c.Port = 443
		} else if c.Type != "TCP" {
			c.Port = 80
		}
	}
	if c.Port < 1 || c.Port > 65535 {
		return invalidInput("1 validation error detected: Value '%d' at 'healthCheckConfig.port' failed to satisfy constraint: Member must have value between 1 and 65535", c.Port)
	}
	if strings.HasSuffix(c.Type, "STR_MATCH") && c.SearchString == "" {
		return invalidInput("A search string is required for %s health checks", c.Type)
	}
	if c.RequestInterval == 0 {
		c.RequestInterval = 30
	}
	if c.RequestInterval != 10 && c.RequestInterval != 30 {
		return invalidInput("RequestInterval must be 10 or 30, got %d", c.RequestInterval)
	}
	if c.FailureThreshold == 0 {
		c.FailureThreshold = 3
	}
	if c.FailureThreshold < 1 || c.FailureThreshold > 10 {
		return invalidInput("1 validation error detected: Value '%d' at 'healthCheckConfig.failureThreshold' failed to satisfy constraint: Member must have value between 1 and 10", c.FailureThreshold)
	}
	if strings.HasPrefix(c.Type, "HTTPS") && c.EnableSNI == nil {
		t := true
		c.EnableSNI = &t
	}
	return nil
}

// CreateHealthCheck creates a health check, idempotently per caller reference
// (the same reference with another configuration is HealthCheckAlreadyExists).
// created is false when an existing check was returned.
func (s *Service) CreateHealthCheck(callerRef string, cfg HealthCheckConfig) (hc HealthCheck, created bool, aerr *awserr.Error) {
	if callerRef == "" || len(callerRef) > 64 {
		return HealthCheck{}, false, invalidInput("CallerReference must be 1–64 characters")
	}
	if aerr := cfg.normalise(); aerr != nil {
		return HealthCheck{}, false, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range s.hcOrder {
		h := s.healthChecks[id]
		if h.callerRef != callerRef {
			continue
		}
		if h.config == cfg || eqConfig(h.config, cfg) {
			return h.view(), false, nil
		}
		return HealthCheck{}, false, awserr.Sender(http.StatusConflict, "HealthCheckAlreadyExists",
			"A health check with the specified CallerReference already exists, and its configuration differs from the request.")
	}
	h := &healthCheck{id: uuid(), callerRef: callerRef, config: cfg, version: 1, healthy: true,
		reason: "Success: HTTP Status Code 200, OK"}
	s.healthChecks[h.id] = h
	s.hcOrder = append(s.hcOrder, h.id)
	return h.view(), true, nil
}

func eqConfig(a, b HealthCheckConfig) bool {
	ae, be := a.EnableSNI, b.EnableSNI
	a.EnableSNI, b.EnableSNI = nil, nil
	return a == b && (ae == nil) == (be == nil) && (ae == nil || *ae == *be)
}

func (h *healthCheck) view() HealthCheck {
	return HealthCheck{ID: h.id, CallerReference: h.callerRef, Config: h.config, Version: h.version}
}

func (s *Service) healthCheckLocked(id string) (*healthCheck, *awserr.Error) {
	h, ok := s.healthChecks[bareID(id)]
	if !ok {
		return nil, notFound("NoSuchHealthCheck", "No health check exists with the specified ID %s", bareID(id))
	}
	return h, nil
}

// GetHealthCheck returns one health check.
func (s *Service) GetHealthCheck(id string) (HealthCheck, *awserr.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, aerr := s.healthCheckLocked(id)
	if aerr != nil {
		return HealthCheck{}, aerr
	}
	return h.view(), nil
}

// ListHealthChecks lists every health check in creation order.
func (s *Service) ListHealthChecks() []HealthCheck {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]HealthCheck, 0, len(s.hcOrder))
	for _, id := range s.hcOrder {
		out = append(out, s.healthChecks[id].view())
	}
	return out
}

// GetHealthCheckStatus reports each checker's latest observation.
func (s *Service) GetHealthCheckStatus(id string) ([]HealthCheckObservation, *awserr.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, aerr := s.healthCheckLocked(id)
	if aerr != nil {
		return nil, aerr
	}
	now := s.opts.Now().UTC().Truncate(time.Second)
	out := make([]HealthCheckObservation, 0, len(checkerRegions))
	for _, c := range checkerRegions {
		out = append(out, HealthCheckObservation{Region: c.region, IPAddress: c.ip, Status: h.reason, CheckedTime: now})
	}
	return out, nil
}

// DeleteHealthCheck deletes a health check no record set refers to.
func (s *Service) DeleteHealthCheck(id string) *awserr.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, aerr := s.healthCheckLocked(id)
	if aerr != nil {
		return aerr
	}
	for _, zid := range s.zoneOrder {
		for _, r := range s.zones[zid].records {
			if r.HealthCheckID == h.id {
				return awserr.Sender(http.StatusBadRequest, "HealthCheckInUse",
					"The health check with id %s is still referenced from parameter %s of type %s in zone %s.", h.id, r.Name, r.Type, zid)
			}
		}
	}
	delete(s.healthChecks, h.id)
	for i, x := range s.hcOrder {
		if x == h.id {
			s.hcOrder = append(s.hcOrder[:i], s.hcOrder[i+1:]...)
			break
		}
	}
	return nil
}

// SetHealthCheckStatus sets what a health check's checkers observe (the
// sandbox does not probe endpoints itself). reason is the observation's
// status text; empty picks AWS's usual wording.
func (s *Service) SetHealthCheckStatus(id string, healthy bool, reason string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, aerr := s.healthCheckLocked(id)
	if aerr != nil {
		return aerr
	}
	if reason == "" {
		reason = "Success: HTTP Status Code 200, OK"
		if !healthy {
			reason = "Failure: HTTP Status Code 503, Service Unavailable"
		}
	}
	h.healthy, h.reason = healthy, reason
	return nil
}

// healthyLocked reports whether a record set's health check (if any) passes.
func (s *Service) healthyLocked(id string) bool {
	if id == "" {
		return true
	}
	h, ok := s.healthChecks[id]
	if !ok {
		return true
	}
	if h.config.Disabled {
		return true
	}
	return h.healthy != h.config.Inverted
}
