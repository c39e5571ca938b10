package route53

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/awserr"
)

// PathPrefix is the prefix of every Route 53 REST path.
const PathPrefix = "/" + APIVersion + "/"

// Request is one routed REST call.
type Request struct {
	Operation string
	Method    string
	// Args are the path parameters (zone, change or health check ID).
	Args  []string
	Query url.Values
	Body  []byte
}

// Response is a successful answer: status (200 or 201), headers and an XML body.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Route maps a REST request to its operation. It returns an error for paths
// and methods Route 53 does not have, or that the sandbox does not serve.
func Route(method, path string) (op string, args []string, aerr *awserr.Error) {
	rest, ok := strings.CutPrefix(path, PathPrefix)
	if !ok {
		return "", nil, awserr.Sender(http.StatusNotFound, "UnknownOperationException", "no Route 53 API at %s", path)
	}
	seg := strings.Split(strings.TrimSuffix(rest, "/"), "/")
	key := method + " " + seg[0]
	if len(seg) > 1 {
		args = append(args, seg[1])
	}
	switch {
	case len(seg) == 1 && key == "POST hostedzone":
		op = "CreateHostedZone"
	case len(seg) == 1 && key == "GET hostedzone":
		op = "ListHostedZones"
	case len(seg) == 1 && key == "GET hostedzonesbyname":
		op = "ListHostedZonesByName"
	case len(seg) == 2 && key == "GET hostedzone":
		op = "GetHostedZone"
	case len(seg) == 2 && key == "DELETE hostedzone":
		op = "DeleteHostedZone"
	case len(seg) == 3 && key == "POST hostedzone" && seg[2] == "rrset":
		op = "ChangeResourceRecordSets"
	case len(seg) == 3 && key == "GET hostedzone" && seg[2] == "rrset":
		op = "ListResourceRecordSets"
	case len(seg) == 2 && key == "GET change":
		op = "GetChange"
	case len(seg) == 1 && key == "POST healthcheck":
		op = "CreateHealthCheck"
	case len(seg) == 1 && key == "GET healthcheck":
		op = "ListHealthChecks"
	case len(seg) == 2 && key == "GET healthcheck":
		op = "GetHealthCheck"
	case len(seg) == 2 && key == "DELETE healthcheck":
		op = "DeleteHealthCheck"
	case len(seg) == 3 && key == "GET healthcheck" && seg[2] == "status":
		op = "GetHealthCheckStatus"
	default:
		return "", nil, awserr.Sender(http.StatusBadRequest, "InvalidAction",
			"the sandbox's Route 53 does not serve %s %s (it serves hosted zones, resource record sets, changes and health checks)", method, path)
	}
	return op, args, nil
}

func arg(r Request) string {
	if len(r.Args) == 0 {
		return ""
	}
	return r.Args[0]
}

// Serve runs one routed call.
func (s *Service) Serve(r Request) (Response, *awserr.Error) {
	switch r.Operation {
	case "CreateHostedZone":
		var in struct {
			XMLName          xml.Name `xml:"CreateHostedZoneRequest"`
			Name             string   `xml:"Name"`
			CallerReference  string   `xml:"CallerReference"`
			HostedZoneConfig *struct {
				Comment     string `xml:"Comment"`
				PrivateZone bool   `xml:"PrivateZone"`
			} `xml:"HostedZoneConfig"`
			VPC *struct{} `xml:"VPC"`
		}
		if aerr := decode(r.Body, &in); aerr != nil {
			return Response{}, aerr
		}
		comment, private := "", in.VPC != nil
		if c := in.HostedZoneConfig; c != nil {
			comment, private = c.Comment, private || c.PrivateZone
		}
		z, c, aerr := s.CreateHostedZone(in.Name, in.CallerReference, comment, private)
		if aerr != nil {
			return Response{}, aerr
		}
		out := struct {
			XMLName       xml.Name         `xml:"CreateHostedZoneResponse"`
			XMLNS         string           `xml:"xmlns,attr"`
			HostedZone    xmlHostedZone    `xml:"HostedZone"`
			ChangeInfo    xmlChangeInfo    `xml:"ChangeInfo"`
			DelegationSet xmlDelegationSet `xml:"DelegationSet"`
		}{XMLNS: XMLNS, HostedZone: toXMLZone(z), ChangeInfo: toXMLChange(c), DelegationSet: toXMLDelegation(z)}
		resp := encode(out)
		resp.Status = http.StatusCreated
		resp.Header.Set("Location", "https://route53.amazonaws.com/"+APIVersion+"/hostedzone/"+z.ID)
		return resp, nil

	case "GetHostedZone":
		z, aerr := s.GetHostedZone(arg(r))
		if aerr != nil {
			return Response{}, aerr
		}
		return encode(struct {
			XMLName       xml.Name         `xml:"GetHostedZoneResponse"`
			XMLNS         string           `xml:"xmlns,attr"`
			HostedZone    xmlHostedZone    `xml:"HostedZone"`
			DelegationSet xmlDelegationSet `xml:"DelegationSet"`
		}{XMLNS: XMLNS, HostedZone: toXMLZone(z), DelegationSet: toXMLDelegation(z)}), nil

	case "ListHostedZones":
		zones, next, max, aerr := s.ListHostedZones(r.Query.Get("marker"), r.Query.Get("maxitems"))
		if aerr != nil {
			return Response{}, aerr
		}
		out := struct {
			XMLName     xml.Name        `xml:"ListHostedZonesResponse"`
			XMLNS       string          `xml:"xmlns,attr"`
			HostedZones []xmlHostedZone `xml:"HostedZones>HostedZone"`
			Marker      string          `xml:"Marker"`
			IsTruncated bool            `xml:"IsTruncated"`
			NextMarker  string          `xml:"NextMarker,omitempty"`
			MaxItems    int             `xml:"MaxItems"`
		}{XMLNS: XMLNS, Marker: r.Query.Get("marker"), IsTruncated: next != "", NextMarker: next, MaxItems: max}
		for _, z := range zones {
			out.HostedZones = append(out.HostedZones, toXMLZone(z))
		}
		return encode(out), nil

	case "ListHostedZonesByName":
		zones, nextName, nextID, max, aerr := s.ListHostedZonesByName(r.Query.Get("dnsname"), r.Query.Get("hostedzoneid"), r.Query.Get("maxitems"))
		if aerr != nil {
			return Response{}, aerr
		}
		out := struct {
			XMLName          xml.Name        `xml:"ListHostedZonesByNameResponse"`
			XMLNS            string          `xml:"xmlns,attr"`
			HostedZones      []xmlHostedZone `xml:"HostedZones>HostedZone"`
			DNSName          string          `xml:"DNSName,omitempty"`
			HostedZoneID     string          `xml:"HostedZoneId,omitempty"`
			IsTruncated      bool            `xml:"IsTruncated"`
			NextDNSName      string          `xml:"NextDNSName,omitempty"`
			NextHostedZoneID string          `xml:"NextHostedZoneId,omitempty"`
			MaxItems         int             `xml:"MaxItems"`
		}{XMLNS: XMLNS, DNSName: r.Query.Get("dnsname"), HostedZoneID: r.Query.Get("hostedzoneid"),
			IsTruncated: nextName != "", NextDNSName: nextName, NextHostedZoneID: nextID, MaxItems: max}
		for _, z := range zones {
			out.HostedZones = append(out.HostedZones, toXMLZone(z))
		}
		return encode(out), nil

	case "DeleteHostedZone":
		c, aerr := s.DeleteHostedZone(arg(r))
		if aerr != nil {
			return Response{}, aerr
		}
		return encode(struct {
			XMLName    xml.Name      `xml:"DeleteHostedZoneResponse"`
			XMLNS      string        `xml:"xmlns,attr"`
			ChangeInfo xmlChangeInfo `xml:"ChangeInfo"`
		}{XMLNS: XMLNS, ChangeInfo: toXMLChange(c)}), nil

	case "ChangeResourceRecordSets":
		var in struct {
			XMLName     xml.Name `xml:"ChangeResourceRecordSetsRequest"`
			ChangeBatch *struct {
				Comment string `xml:"Comment"`
				Changes []struct {
					Action            string        `xml:"Action"`
					ResourceRecordSet *xmlRecordSet `xml:"ResourceRecordSet"`
				} `xml:"Changes>Change"`
			} `xml:"ChangeBatch"`
		}
		if aerr := decode(r.Body, &in); aerr != nil {
			return Response{}, aerr
		}
		if in.ChangeBatch == nil {
			return Response{}, invalidInput("1 validation error detected: Value null at 'changeBatch' failed to satisfy constraint: Member must not be null")
		}
		changes := make([]RecordChange, 0, len(in.ChangeBatch.Changes))
		for i, c := range in.ChangeBatch.Changes {
			if c.ResourceRecordSet == nil {
				return Response{}, invalidInput("1 validation error detected: Value null at 'changeBatch.changes.%d.member.resourceRecordSet' failed to satisfy constraint: Member must not be null", i+1)
			}
			rc, aerr := c.ResourceRecordSet.toModel()
			if aerr != nil {
				return Response{}, aerr
			}
			rc.Action = c.Action
			changes = append(changes, rc)
		}
		ch, aerr := s.ChangeResourceRecordSets(arg(r), in.ChangeBatch.Comment, changes)
		if aerr != nil {
			return Response{}, aerr
		}
		return encode(struct {
			XMLName    xml.Name      `xml:"ChangeResourceRecordSetsResponse"`
			XMLNS      string        `xml:"xmlns,attr"`
			ChangeInfo xmlChangeInfo `xml:"ChangeInfo"`
		}{XMLNS: XMLNS, ChangeInfo: toXMLChange(ch)}), nil

	case "ListResourceRecordSets":
		q := r.Query
		res, aerr := s.ListResourceRecordSets(arg(r), q.Get("name"), q.Get("type"), q.Get("identifier"), q.Get("maxitems"))
		if aerr != nil {
			return Response{}, aerr
		}
		out := struct {
			XMLName              xml.Name       `xml:"ListResourceRecordSetsResponse"`
			XMLNS                string         `xml:"xmlns,attr"`
			ResourceRecordSets   []xmlRecordSet `xml:"ResourceRecordSets>ResourceRecordSet"`
			IsTruncated          bool           `xml:"IsTruncated"`
			NextRecordName       string         `xml:"NextRecordName,omitempty"`
			NextRecordType       string         `xml:"NextRecordType,omitempty"`
			NextRecordIdentifier string         `xml:"NextRecordIdentifier,omitempty"`
			MaxItems             int            `xml:"MaxItems"`
		}{XMLNS: XMLNS, IsTruncated: res.IsTruncated, NextRecordName: wireName(res.NextRecordName),
			NextRecordType: res.NextRecordType, NextRecordIdentifier: res.NextRecordIdentifier, MaxItems: res.MaxItems}
		out.ResourceRecordSets = []xmlRecordSet{}
		for _, rs := range res.Records {
			out.ResourceRecordSets = append(out.ResourceRecordSets, toXMLRecord(rs))
		}
		return encode(out), nil

	case "GetChange":
		c, aerr := s.GetChange(arg(r))
		if aerr != nil {
			return Response{}, aerr
		}
		return encode(struct {
			XMLName    xml.Name      `xml:"GetChangeResponse"`
			XMLNS      string        `xml:"xmlns,attr"`
			ChangeInfo xmlChangeInfo `xml:"ChangeInfo"`
		}{XMLNS: XMLNS, ChangeInfo: toXMLChange(c)}), nil

	case "CreateHealthCheck":
		var in struct {
			XMLName           xml.Name              `xml:"CreateHealthCheckRequest"`
			CallerReference   string                `xml:"CallerReference"`
			HealthCheckConfig *xmlHealthCheckConfig `xml:"HealthCheckConfig"`
		}
		if aerr := decode(r.Body, &in); aerr != nil {
			return Response{}, aerr
		}
		if in.HealthCheckConfig == nil {
			return Response{}, invalidInput("1 validation error detected: Value null at 'healthCheckConfig' failed to satisfy constraint: Member must not be null")
		}
		hc, created, aerr := s.CreateHealthCheck(in.CallerReference, in.HealthCheckConfig.toModel())
		if aerr != nil {
			return Response{}, aerr
		}
		resp := encode(struct {
			XMLName     xml.Name       `xml:"CreateHealthCheckResponse"`
			XMLNS       string         `xml:"xmlns,attr"`
			HealthCheck xmlHealthCheck `xml:"HealthCheck"`
		}{XMLNS: XMLNS, HealthCheck: toXMLHealthCheck(hc)})
		resp.Status = http.StatusOK
		if created {
			resp.Status = http.StatusCreated
		}
		resp.Header.Set("Location", "https://route53.amazonaws.com/"+APIVersion+"/healthcheck/"+hc.ID)
		return resp, nil

	case "GetHealthCheck":
		hc, aerr := s.GetHealthCheck(arg(r))
		if aerr != nil {
			return Response{}, aerr
		}
		return encode(struct {
			XMLName     xml.Name       `xml:"GetHealthCheckResponse"`
			XMLNS       string         `xml:"xmlns,attr"`
			HealthCheck xmlHealthCheck `xml:"HealthCheck"`
		}{XMLNS: XMLNS, HealthCheck: toXMLHealthCheck(hc)}), nil

	case "ListHealthChecks":
		out := struct {
			XMLName      xml.Name         `xml:"ListHealthChecksResponse"`
			XMLNS        string           `xml:"xmlns,attr"`
			HealthChecks []xmlHealthCheck `xml:"HealthChecks>HealthCheck"`
			Marker       string           `xml:"Marker"`
			IsTruncated  bool             `xml:"IsTruncated"`
			MaxItems     int              `xml:"MaxItems"`
		}{XMLNS: XMLNS, MaxItems: 100}
		out.HealthChecks = []xmlHealthCheck{}
		for _, hc := range s.ListHealthChecks() {
			out.HealthChecks = append(out.HealthChecks, toXMLHealthCheck(hc))
		}
		return encode(out), nil

	case "GetHealthCheckStatus":
		obs, aerr := s.GetHealthCheckStatus(arg(r))
		if aerr != nil {
			return Response{}, aerr
		}
		type xmlObs struct {
			Region       string `xml:"Region"`
			IPAddress    string `xml:"IPAddress"`
			StatusReport struct {
				Status      string `xml:"Status"`
				CheckedTime string `xml:"CheckedTime"`
			} `xml:"StatusReport"`
		}
		out := struct {
			XMLName      xml.Name `xml:"GetHealthCheckStatusResponse"`
			XMLNS        string   `xml:"xmlns,attr"`
			Observations []xmlObs `xml:"HealthCheckObservations>HealthCheckObservation"`
		}{XMLNS: XMLNS}
		for _, o := range obs {
			x := xmlObs{Region: o.Region, IPAddress: o.IPAddress}
			x.StatusReport.Status = o.Status
			x.StatusReport.CheckedTime = timestamp(o.CheckedTime)
			out.Observations = append(out.Observations, x)
		}
		return encode(out), nil

	case "DeleteHealthCheck":
		if aerr := s.DeleteHealthCheck(arg(r)); aerr != nil {
			return Response{}, aerr
		}
		return encode(struct {
			XMLName xml.Name `xml:"DeleteHealthCheckResponse"`
			XMLNS   string   `xml:"xmlns,attr"`
		}{XMLNS: XMLNS}), nil
	}
	return Response{}, awserr.Sender(http.StatusBadRequest, "InvalidAction", "unknown Route 53 operation %q", r.Operation)
}

func decode(body []byte, v any) *awserr.Error {
	if len(bytes.TrimSpace(body)) == 0 {
		return awserr.Sender(http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	}
	if err := xml.Unmarshal(body, v); err != nil {
		return awserr.Sender(http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema: %v", err)
	}
	return nil
}

func encode(v any) Response {
	out, err := xml.Marshal(v)
	if err != nil { // cannot happen with these types
		panic(err)
	}
	h := http.Header{}
	h.Set("Content-Type", "text/xml")
	return Response{Status: http.StatusOK, Header: h, Body: append([]byte(xml.Header), out...)}
}

// timestamp renders Route 53's ISO 8601 timestamps (milliseconds, Z).
func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

type xmlHostedZone struct {
	ID              string `xml:"Id"`
	Name            string `xml:"Name"`
	CallerReference string `xml:"CallerReference"`
	Config          struct {
		Comment     string `xml:"Comment,omitempty"`
		PrivateZone bool   `xml:"PrivateZone"`
	} `xml:"Config"`
	ResourceRecordSetCount int64 `xml:"ResourceRecordSetCount"`
}

func toXMLZone(z HostedZone) xmlHostedZone {
	x := xmlHostedZone{ID: "/hostedzone/" + z.ID, Name: z.Name, CallerReference: z.CallerReference,
		ResourceRecordSetCount: z.ResourceRecordSetCount}
	x.Config.Comment, x.Config.PrivateZone = z.Comment, z.PrivateZone
	return x
}

type xmlDelegationSet struct {
	NameServers []string `xml:"NameServers>NameServer"`
}

func toXMLDelegation(z HostedZone) xmlDelegationSet {
	return xmlDelegationSet{NameServers: z.NameServers}
}

type xmlChangeInfo struct {
	ID          string `xml:"Id"`
	Status      string `xml:"Status"`
	SubmittedAt string `xml:"SubmittedAt"`
	Comment     string `xml:"Comment,omitempty"`
}

func toXMLChange(c Change) xmlChangeInfo {
	return xmlChangeInfo{ID: "/change/" + c.ID, Status: c.Status, SubmittedAt: timestamp(c.SubmittedAt), Comment: c.Comment}
}

type xmlRecordSet struct {
	Name             string          `xml:"Name"`
	Type             string          `xml:"Type"`
	SetIdentifier    string          `xml:"SetIdentifier,omitempty"`
	Weight           *string         `xml:"Weight"`
	Region           *string         `xml:"Region"`
	GeoLocation      *struct{}       `xml:"GeoLocation"`
	Failover         *string         `xml:"Failover"`
	MultiValueAnswer *string         `xml:"MultiValueAnswer"`
	CidrRouting      *struct{}       `xml:"CidrRoutingConfig"`
	GeoProximity     *struct{}       `xml:"GeoProximityLocation"`
	TrafficPolicy    *string         `xml:"TrafficPolicyInstanceId"`
	TTL              *string         `xml:"TTL"`
	ResourceRecords  *xmlRecords     `xml:"ResourceRecords"`
	AliasTarget      *xmlAliasTarget `xml:"AliasTarget"`
	HealthCheckID    string          `xml:"HealthCheckId,omitempty"`
}

// xmlRecords is <ResourceRecords>; a pointer to it tells "absent" from "empty".
type xmlRecords struct {
	Records []struct {
		Value string `xml:"Value"`
	} `xml:"ResourceRecord"`
}

func (x *xmlRecords) values() []string {
	out := make([]string, 0, len(x.Records))
	for _, r := range x.Records {
		out = append(out, r.Value)
	}
	return out
}

func newXMLRecords(values []string) *xmlRecords {
	x := &xmlRecords{}
	for _, v := range values {
		x.Records = append(x.Records, struct {
			Value string `xml:"Value"`
		}{v})
	}
	return x
}

type xmlAliasTarget struct {
	HostedZoneID         string `xml:"HostedZoneId"`
	DNSName              string `xml:"DNSName"`
	EvaluateTargetHealth bool   `xml:"EvaluateTargetHealth"`
}

func parseLong(field, v string) (*int64, *awserr.Error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return nil, invalidInput("Invalid %s: %q is not an integer", field, v)
	}
	return &n, nil
}

func (x *xmlRecordSet) toModel() (RecordChange, *awserr.Error) {
	var rc RecordChange
	r := &rc.Record
	r.Name, r.Type, r.SetIdentifier, r.HealthCheckID = x.Name, x.Type, x.SetIdentifier, x.HealthCheckID
	var aerr *awserr.Error
	if x.Weight != nil {
		if r.Weight, aerr = parseLong("Weight", *x.Weight); aerr != nil {
			return rc, aerr
		}
	}
	if x.TTL != nil {
		if r.TTL, aerr = parseLong("TTL", *x.TTL); aerr != nil {
			return rc, aerr
		}
	}
	if x.ResourceRecords != nil {
		r.Records = x.ResourceRecords.values()
	}
	if a := x.AliasTarget; a != nil {
		r.Alias = &AliasTarget{HostedZoneID: a.HostedZoneID, DNSName: a.DNSName, EvaluateTargetHealth: a.EvaluateTargetHealth}
	}
	for name, set := range map[string]bool{
		"Region (latency routing)": x.Region != nil, "GeoLocation": x.GeoLocation != nil,
		"Failover": x.Failover != nil, "MultiValueAnswer": x.MultiValueAnswer != nil,
		"CidrRoutingConfig": x.CidrRouting != nil, "GeoProximityLocation": x.GeoProximity != nil,
		"TrafficPolicyInstanceId": x.TrafficPolicy != nil,
	} {
		if set {
			rc.Unsupported = name
		}
	}
	return rc, nil
}

func toXMLRecord(r *RecordSet) xmlRecordSet {
	x := xmlRecordSet{Name: wireName(r.Name), Type: r.Type, SetIdentifier: r.SetIdentifier, HealthCheckID: r.HealthCheckID}
	if r.Weight != nil {
		v := strconv.FormatInt(*r.Weight, 10)
		x.Weight = &v
	}
	if r.TTL != nil {
		v := strconv.FormatInt(*r.TTL, 10)
		x.TTL = &v
	}
	if r.Alias != nil {
		x.AliasTarget = &xmlAliasTarget{HostedZoneID: r.Alias.HostedZoneID, DNSName: wireName(canonicalName(r.Alias.DNSName)),
			EvaluateTargetHealth: r.Alias.EvaluateTargetHealth}
	} else {
		x.ResourceRecords = newXMLRecords(r.Records)
	}
	return x
}

type xmlHealthCheckConfig struct {
	IPAddress                string `xml:"IPAddress,omitempty"`
	Port                     int64  `xml:"Port,omitempty"`
	Type                     string `xml:"Type"`
	ResourcePath             string `xml:"ResourcePath,omitempty"`
	FullyQualifiedDomainName string `xml:"FullyQualifiedDomainName,omitempty"`
	SearchString             string `xml:"SearchString,omitempty"`
	RequestInterval          int64  `xml:"RequestInterval,omitempty"`
	FailureThreshold         int64  `xml:"FailureThreshold,omitempty"`
	MeasureLatency           bool   `xml:"MeasureLatency"`
	Inverted                 bool   `xml:"Inverted"`
	Disabled                 bool   `xml:"Disabled"`
	EnableSNI                *bool  `xml:"EnableSNI"`
}

func (x *xmlHealthCheckConfig) toModel() HealthCheckConfig { return HealthCheckConfig(*x) }

type xmlHealthCheck struct {
	ID                 string               `xml:"Id"`
	CallerReference    string               `xml:"CallerReference"`
	HealthCheckConfig  xmlHealthCheckConfig `xml:"HealthCheckConfig"`
	HealthCheckVersion int64                `xml:"HealthCheckVersion"`
}

func toXMLHealthCheck(h HealthCheck) xmlHealthCheck {
	return xmlHealthCheck{ID: h.ID, CallerReference: h.CallerReference, HealthCheckVersion: h.Version,
		HealthCheckConfig: xmlHealthCheckConfig(h.Config)}
}

// FlattenParams renders a request's parameters for the call log: path
// arguments as "Id", query parameters as sent, and ChangeResourceRecordSets'
// changes as "Changes.1.Action", "Changes.1.Name", "Changes.1.Weight", ….
func FlattenParams(r Request) map[string]string {
	out := map[string]string{}
	if a := arg(r); a != "" {
		out["Id"] = a
	}
	for k, v := range r.Query {
		if len(v) > 0 {
			out[k] = v[0]
		}
	}
	if r.Operation != "ChangeResourceRecordSets" {
		return out
	}
	var in struct {
		Comment string `xml:"ChangeBatch>Comment"`
		Changes []struct {
			Action string       `xml:"Action"`
			RRSet  xmlRecordSet `xml:"ResourceRecordSet"`
		} `xml:"ChangeBatch>Changes>Change"`
	}
	if err := xml.Unmarshal(r.Body, &in); err != nil {
		out["_decodeError"] = err.Error()
		return out
	}
	if in.Comment != "" {
		out["Comment"] = in.Comment
	}
	for i, c := range in.Changes {
		p := fmt.Sprintf("Changes.%d.", i+1)
		out[p+"Action"] = c.Action
		out[p+"Name"] = c.RRSet.Name
		out[p+"Type"] = c.RRSet.Type
		if c.RRSet.SetIdentifier != "" {
			out[p+"SetIdentifier"] = c.RRSet.SetIdentifier
		}
		if c.RRSet.Weight != nil {
			out[p+"Weight"] = *c.RRSet.Weight
		}
		if c.RRSet.TTL != nil {
			out[p+"TTL"] = *c.RRSet.TTL
		}
		if a := c.RRSet.AliasTarget; a != nil {
			out[p+"AliasTarget.DNSName"] = a.DNSName
			out[p+"AliasTarget.HostedZoneId"] = a.HostedZoneID
		}
		if c.RRSet.ResourceRecords != nil {
			for j, v := range c.RRSet.ResourceRecords.values() {
				out[fmt.Sprintf("%sResourceRecords.%d", p, j+1)] = v
			}
		}
	}
	return out
}
