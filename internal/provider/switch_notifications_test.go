package provider

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

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
