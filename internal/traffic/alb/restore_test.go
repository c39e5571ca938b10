package alb

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// TestSetRestore_turnsGroupStickinessOff: a restore writes the weights and
// group stickiness off in one call, reports what it turned off, and later
// writes keep it off; without stickiness it is a plain Set.
func TestSetRestore_turnsGroupStickinessOff(t *testing.T) {
	sticky := fwd(tg(blueTG, 50), tg(greenTG, 50))
	sticky.ForwardConfig.TargetGroupStickinessConfig = &types.TargetGroupStickinessConfig{Enabled: aws.Bool(true), DurationSeconds: aws.Int32(3600)}
	f := &fakeELB{listener: []types.Action{sticky}}
	r := NewListenerRouter(f, listenerARN, blueTG, greenTG)
	if err := r.SetStickiness(true, time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.StickinessSuspended(); ok {
		t.Fatal("suspended before any restore")
	}
	restored := traffic.Weights{Blue: 100, Green: 0}
	if err := r.SetRestore(context.Background(), restored); err != nil {
		t.Fatal(err)
	}
	if want := []string{"DescribeListeners", "ModifyListener"}; !reflect.DeepEqual(f.calls, want) {
		t.Fatalf("calls = %v, want %v (one write carries weights and stickiness off)", f.calls, want)
	}
	if sc := f.lastModify[0].ForwardConfig.TargetGroupStickinessConfig; sc == nil || aws.ToBool(sc.Enabled) || sc.DurationSeconds != nil {
		t.Fatalf("stickiness sent = %+v, want disabled", sc)
	}
	if was, ok := r.StickinessSuspended(); !ok || was != (Stickiness{Enabled: true, Duration: time.Hour}) {
		t.Fatalf("StickinessSuspended = %+v %v", was, ok)
	}
	st, err := r.Describe(context.Background())
	if err != nil || st.Weights != restored || st.Stickiness.Enabled {
		t.Fatalf("read back %+v %v, want %s without stickiness", st, err, restored)
	}
	// A later write keeps it off.
	if err := r.Set(context.Background(), restored); err != nil {
		t.Fatal(err)
	}
	if sc := f.lastModify[0].ForwardConfig.TargetGroupStickinessConfig; sc == nil || aws.ToBool(sc.Enabled) {
		t.Fatalf("a write after the restore turned stickiness back on: %+v", sc)
	}

	// No stickiness: nothing to suspend.
	f2 := &fakeELB{listener: []types.Action{fwd(tg(blueTG, 50), tg(greenTG, 50))}}
	r2 := NewListenerRouter(f2, listenerARN, blueTG, greenTG)
	if err := r2.SetRestore(context.Background(), restored); err != nil {
		t.Fatal(err)
	}
	if _, ok := r2.StickinessSuspended(); ok {
		t.Fatal("suspended without stickiness")
	}
	if w, _ := r2.Read(context.Background()); w != restored {
		t.Fatalf("read %s", w)
	}
}
