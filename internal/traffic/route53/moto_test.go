package route53

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/clock"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/testsupport/motoserver"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic/routertest"
)

// TestRouter_conformanceMoto runs the router contract against moto's Route 53,
// an independent implementation (skipped without moto unless
// BLUEGREEN_REQUIRE_MOTO=1).
func TestRouter_conformanceMoto(t *testing.T) {
	if _, err := motoserver.Version(); err != nil {
		if motoserver.Required() {
			t.Fatal(err)
		}
		t.Skipf("%v (set %s=1 to make this a failure)", err, motoserver.RequireEnv)
	}
	m, err := motoserver.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	api := newClient(t, m.URL)
	n := 0
	routertest.Run(t, func(t *testing.T) routertest.Subject {
		ctx := context.Background()
		n++
		zoneName := fmt.Sprintf("moto%d.example.com", n)
		z, err := api.CreateHostedZone(ctx, &r53.CreateHostedZoneInput{Name: aws.String(zoneName), CallerReference: aws.String(zoneName)})
		if err != nil {
			t.Fatal(err)
		}
		zone := strings.TrimPrefix(*z.HostedZone.Id, "/hostedzone/")
		name := "app." + zoneName + "."
		write := func(ctx context.Context, w traffic.Weights) error {
			set := func(id string, weight int32, target string) *types.ResourceRecordSet {
				return &types.ResourceRecordSet{Name: aws.String(name), Type: types.RRTypeA, SetIdentifier: aws.String(id), Weight: aws.Int64(int64(weight)),
					AliasTarget: &types.AliasTarget{DNSName: aws.String(target), HostedZoneId: aws.String(elbZone), EvaluateTargetHealth: true}}
			}
			_, err := api.ChangeResourceRecordSets(ctx, &r53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(zone),
				ChangeBatch: &types.ChangeBatch{Changes: []types.Change{
					{Action: types.ChangeActionUpsert, ResourceRecordSet: set("blue", w.Blue, blueLB)},
					{Action: types.ChangeActionUpsert, ResourceRecordSet: set("green", w.Green, greenLB)},
				}}})
			return err
		}
		if err := write(ctx, traffic.Weights{Blue: 100}); err != nil {
			t.Fatal(err)
		}
		r, err := New(api, Config{ZoneID: zone, Name: name, BlueSetIdentifier: "blue", GreenSetIdentifier: "green",
			Clock: clock.NewAutoFake(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))})
		if err != nil {
			t.Fatal(err)
		}
		return routertest.Subject{
			Router:      r,
			Extra:       []traffic.Weights{{Blue: 255, Green: 0}, {Blue: 0, Green: 255}, {Blue: 1, Green: 254}},
			Rejects:     []traffic.Weights{{Blue: 256, Green: 0}, {Blue: 0, Green: 0}},
			OtherWriter: write,
			// moto has no fault injection; and Set is one atomic batch, so
			// a partial write is moot (the sandbox subject fails that batch).
			FailNextSet: nil,
		}
	})
}
