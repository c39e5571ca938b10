package route53

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// TestRouter_writeCreatesReshapesAndDeletes: Write creates both record sets
// (plain values) in one batch, reshapes them into aliases in another, and
// Delete removes both; Read sees each state exactly.
func TestRouter_writeCreatesReshapesAndDeletes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r, err := New(e.api, Config{ZoneID: e.zone, Name: "www.example.com", BlueSetIdentifier: "b", GreenSetIdentifier: "g", Clock: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Read before Write: %v, want not found", err)
	}
	if _, found, err := r.Existing(ctx); err != nil || found != [2]bool{} {
		t.Fatalf("Existing before Write: %v %v, want neither", found, err)
	}
	ttl := aws.Int64(30)
	blue := Record{SetIdentifier: "b", Weight: 100, TTL: ttl, Values: []string{"192.0.2.10"}}
	green := Record{SetIdentifier: "g", Weight: 0, TTL: ttl, Values: []string{"192.0.2.20", "192.0.2.21"}}
	e.sb.ResetCalls()
	if err := r.Write(ctx, blue, green); err != nil {
		t.Fatal(err)
	}
	if n := len(e.sb.Calls(sandbox.CallFilter{})); n != 1 {
		t.Fatalf("Write made %d calls, want one ChangeResourceRecordSets batch", n)
	}
	if err := r.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := r.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Weights != (traffic.Weights{Blue: 100, Green: 0}) || !st.Blue.SameShape(blue) || !st.Green.SameShape(green) {
		t.Fatalf("after Write: %+v", st)
	}
	if st.Green.SameTarget(blue) {
		t.Fatal("different values read as the same target")
	}
	reshaped := Record{SetIdentifier: "g", Weight: 0, TTL: ttl, Values: []string{"192.0.2.30"}, HealthCheckID: aws.String(e.hcID)}
	if err := r.Write(ctx, st.Blue, reshaped); err != nil {
		t.Fatal(err)
	}
	if st, err = r.Describe(ctx); err != nil || !st.Green.SameShape(reshaped) || st.Green.SameShape(green) || !st.Blue.SameShape(blue) {
		t.Fatalf("after reshaping green: %+v %v", st, err)
	}
	if err := r.Write(ctx, Record{SetIdentifier: "b", Weight: 0, TTL: ttl, Values: []string{"192.0.2.10"}}, green); err == nil {
		t.Fatal("0/0 was written")
	}
	if err := r.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	// One color alone: Existing reports it, Describe refuses the switch.
	only := Record{SetIdentifier: "b", Weight: 7, TTL: ttl, Values: []string{"192.0.2.10"}}
	if _, err := e.api.ChangeResourceRecordSets(ctx, &r53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(e.zone),
		ChangeBatch: &types.ChangeBatch{Changes: []types.Change{{Action: types.ChangeActionCreate, ResourceRecordSet: r.recordSet(only)}}}}); err != nil {
		t.Fatal(err)
	}
	if st, found, err := r.Existing(ctx); err != nil || found != [2]bool{true, false} || st.Weights != (traffic.Weights{Blue: 7}) {
		t.Fatalf("Existing with blue alone: %+v %v %v", st, found, err)
	}
	if _, err := r.Describe(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Describe with blue alone: %v, want not found", err)
	}
	if err := r.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Read after Delete: %v, want not found", err)
	}
	if err := r.Delete(ctx); err != nil {
		t.Fatalf("second Delete: %v", err)
	}
}
