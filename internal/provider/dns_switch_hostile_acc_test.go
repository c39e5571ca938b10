package provider

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
)

// Regression tests for what a hostile pass found in the DNS switch.

// deleteByHand deletes the record set of one color, as someone with the
// console would.
func (e *dnsEnv) deleteByHand(t *testing.T, setID string) {
	t.Helper()
	api := e.Clients.Route53()
	out, err := api.ListResourceRecordSets(context.Background(), &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String(e.zone)})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range out.ResourceRecordSets {
		if aws.ToString(s.Name) == dnsName+"." && aws.ToString(s.SetIdentifier) == setID {
			s := s
			if _, err := api.ChangeResourceRecordSets(context.Background(), &r53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(e.zone),
				ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{{Action: r53types.ChangeActionDelete, ResourceRecordSet: &s}}}}); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no record set %q", setID)
}

// The serving record set deleted by hand: state says so (drifted), and the
// next apply recreates it and moves traffic back through a checked shift —
// the plan is one the apply carries out, not one it refuses forever.
func TestAccDNSSwitch_servingRecordDeletedByHand(t *testing.T) {
	e := newDNSEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories,
		Steps: []resource.TestStep{
			{Config: e.config("blue", ""), ConfigStateChecks: dnsChecks(100, 0, "stable")},
			{
				PreConfig: func() { e.deleteByHand(t, "blue") },
				Config:    e.config("blue", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					expectPriorState(dnsRes, "status", "drifted"),
				}},
				ConfigStateChecks: dnsChecks(100, 0, "stable"),
				Check:             e.expectRecords(t, 100, 0),
			},
			{Config: e.config("blue", ""), PlanOnly: true},
		},
	})
}

// A name that differs only in case or a trailing dot, and a zone ID with
// the /hostedzone/ prefix, are the same record: no replacement (which,
// with delete_records_on_destroy, would take the name down).
func TestAccDNSSwitch_sameNameSpelledDifferentlyIsNotReplaced(t *testing.T) {
	e := newDNSEnv(t)
	base := e.config("blue", "  delete_records_on_destroy = true")
	respelled := strings.Replace(strings.Replace(base, `"`+dnsName+`"`, `"App.Example.COM."`, 1), `"`+e.zone+`"`, `"/hostedzone/`+e.zone+`"`, 1)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories,
		Steps: []resource.TestStep{
			{Config: base, ConfigStateChecks: dnsChecks(100, 0, "stable")},
			{
				Config: respelled,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(dnsRes, plancheck.ResourceActionUpdate),
				}},
				Check: e.expectRecords(t, 100, 0),
			},
		},
	})
}

// Changing type would leave the old record sets serving, unmanaged (or
// conflict with the new ones): refused at plan unless the switch deletes its
// records on destroy.
func TestAccDNSSwitch_typeChangeNeverLeavesRecordsBehind(t *testing.T) {
	e := newDNSEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories,
		Steps: []resource.TestStep{
			{Config: e.config("blue", ""), ConfigStateChecks: dnsChecks(100, 0, "stable")},
			{
				Config:      e.config("blue", `  type = "AAAA"`),
				ExpectError: regexp.MustCompile(`(?s)Record sets would be left behind.*delete_records_on_destroy`),
			},
			{PreConfig: holdsAfterError(t, e.expectRecords(t, 100, 0)), Config: e.config("blue", ""), PlanOnly: true},
		},
	})
}
