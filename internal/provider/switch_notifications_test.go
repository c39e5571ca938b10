package provider

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/notify"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
)

// A target that cannot be reached becomes one warning naming it and the
// events it missed — never an error.
func TestNotifications_failureIsAWarning(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String() + "/hook?token=SECRET"
	ln.Close()
	w, err := notify.NewWebhook(notify.WebhookConfig{URL: dead, Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := rollout.PlanShift(rollout.Strategy{Type: "all_at_once"}, rollout.Blue, rollout.Green, 0)
	if err != nil {
		t.Fatal(err)
	}
	hook, finish := startNotifications(&shiftNotify{Switch: notify.Switch{ID: "sw"}, Targets: []notify.Notifier{w}, EventTimeout: 5 * time.Second}, plan)
	hook(rollout.Event{Type: rollout.EventRunStarted, At: time.Now()})
	var diags diag.Diagnostics
	finish(context.Background(), rollout.Outcome{Result: rollout.ResultSucceeded, From: rollout.Blue, To: rollout.Green, FinishedAt: time.Now()}, &diags)
	if diags.HasError() || diags.WarningsCount() != 1 {
		t.Fatalf("diagnostics %v: want exactly one warning", diags)
	}
	d := diags.Warnings()[0]
	if d.Summary() != "Notification not delivered" || !strings.Contains(d.Detail(), "did not receive 2 event(s)") ||
		!strings.Contains(d.Detail(), "shift_started") || !strings.Contains(d.Detail(), "(succeeded)") || strings.Contains(d.Detail(), "SECRET") {
		t.Fatalf("warning %q: %s", d.Summary(), d.Detail())
	}
}

// The configuration becomes targets; an SNS topic without AWS credentials is
// a warning and the webhooks still work.
func TestNotificationsFor_expandsTargets(t *testing.T) {
	ctx := context.Background()
	objType := notificationsAttribute().GetType().(basetypes.ObjectType)
	hookType := objType.AttrTypes["webhooks"].(basetypes.ListType).ElemType.(basetypes.ObjectType)
	snsType := objType.AttrTypes["sns"].(basetypes.ObjectType)
	events, _ := types.ListValueFrom(ctx, types.StringType, []string{"rollback_started"})
	hooks, d := types.ListValueFrom(ctx, hookType, []webhookModel{
		{URL: types.StringValue("https://hooks.example.com/a"), Secret: types.StringValue("s"), Events: types.ListNull(types.StringType),
			MaxAttempts: types.Int64Null(), AttemptTimeout: durationValue{timetypes.NewGoDurationNull()}},
		{URL: types.StringValue("https://hooks.example.com/b"), Secret: types.StringNull(), Events: events,
			MaxAttempts: types.Int64Value(5), AttemptTimeout: durationString("2s")},
	})
	sns, d2 := types.ObjectValueFrom(ctx, snsType.AttrTypes, snsTargetModel{
		TopicARN: types.StringValue("arn:aws:sns:us-east-1:123456789012:deploys"), Events: types.ListNull(types.StringType)})
	obj, d3 := types.ObjectValueFrom(ctx, objType.AttrTypes, notificationsModel{Name: types.StringValue("web"), Webhooks: hooks, SNS: sns,
		EventTimeout: durationString("3s")})
	if d.HasError() || d2.HasError() || d3.HasError() {
		t.Fatal(d, d2, d3)
	}
	var diags diag.Diagnostics
	sn := notificationsFor(ctx, &providerData{}, obj, "sw-1", "bluegreen_haproxy_switch", &diags)
	if diags.HasError() || diags.WarningsCount() != 1 || !strings.Contains(diags.Warnings()[0].Detail(), "notifications.sns") {
		t.Fatalf("diagnostics %v: want one warning about the SNS target", diags)
	}
	if sn == nil || len(sn.Targets) != 2 || sn.EventTimeout != 3*time.Second || sn.Switch != (notify.Switch{ID: "sw-1", Name: "web", Type: "bluegreen_haproxy_switch"}) {
		t.Fatalf("notify %+v", sn)
	}
	if !sn.Targets[0].Wants(notify.StepFinished) || sn.Targets[1].Wants(notify.StepFinished) || !sn.Targets[1].Wants(notify.RollbackStarted) {
		t.Error("event filters not applied")
	}
	if notificationsFor(ctx, &providerData{}, types.ObjectNull(objType.AttrTypes), "sw-1", "x", &diags) != nil {
		t.Error("targets without configuration")
	}
}

// Every switch passes its notifications to the shift: each switchTarget a
// router resource builds, and each direct runShift call, names Notify.
func TestNotifications_everySwitchWiresThem(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src := string(raw)
		for _, marker := range []string{"switchTarget{Nouns:", "runShift(ctx, shiftRun{"} {
			for i := strings.Index(src, marker); i >= 0; {
				end := strings.Index(src[i:], ")\n")
				if marker == "switchTarget{Nouns:" {
					end = strings.Index(src[i:], "}\n")
				}
				if !strings.Contains(src[i:i+end], "Notify:") {
					t.Errorf("%s: %s… does not pass Notify", f, src[i:i+min(end, 80)])
				}
				n++
				next := strings.Index(src[i+1:], marker)
				if next < 0 {
					break
				}
				i += 1 + next
			}
		}
	}
	if n < 7 {
		t.Fatalf("found %d switch targets and shift runs; the scan is broken", n)
	}
}
