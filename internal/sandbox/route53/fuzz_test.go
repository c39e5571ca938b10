package route53

import (
	"net/url"
	"testing"

	"github.com/miekg/dns"
)

// FuzzChangeBatch feeds arbitrary documents to ChangeResourceRecordSets and
// arbitrary names to the DNS model: the service must answer (or refuse)
// without panicking, and a refused batch must leave the zone as it was.
func FuzzChangeBatch(f *testing.F) {
	f.Add(`<ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeBatch><Changes><Change><Action>UPSERT</Action><ResourceRecordSet><Name>www.example.com</Name><Type>A</Type><SetIdentifier>b</SetIdentifier><Weight>1</Weight><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>192.0.2.1</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>`, "www.example.com")
	f.Add(`<ChangeResourceRecordSetsRequest><ChangeBatch><Changes><Change><Action>CREATE</Action><ResourceRecordSet><Name>\052.example.com</Name><Type>CNAME</Type><AliasTarget><HostedZoneId>Z1</HostedZoneId><DNSName>x.example.com</DNSName></AliasTarget></ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>`, "a.example.com")
	f.Fuzz(func(t *testing.T, body, qname string) {
		s := New(Options{ChangeDelay: -1})
		z, _, aerr := s.CreateHostedZone("example.com", "ref", "", false)
		if aerr != nil {
			t.Fatal(aerr)
		}
		before, _ := s.RecordSets(z.ID)
		_, aerr = s.Serve(Request{Operation: "ChangeResourceRecordSets", Method: "POST", Args: []string{z.ID}, Query: url.Values{}, Body: []byte(body)})
		after, _ := s.RecordSets(z.ID)
		if aerr != nil && len(after) != len(before) {
			t.Fatalf("a refused batch changed the zone: %v", aerr)
		}
		for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeCNAME, dns.TypeTXT} {
			s.Resolve(qname, qt, nil)
		}
	})
}
