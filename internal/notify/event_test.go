package notify

import (
	"errors"
	"testing"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/rollout"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/traffic"
)

// The engine's rollback endings (rollout/run.go: the baseline restored,
// other weights found and left, nothing restored) map to the three restore
// results, and the engine events that are not notified are dropped.
func TestShiftEvents_rollbackResultsAndDroppedEvents(t *testing.T) {
	plan, err := rollout.PlanShift(rollout.Strategy{Type: "all_at_once"}, rollout.Blue, rollout.Green, 0)
	if err != nil {
		t.Fatal(err)
	}
	s := NewShiftEvents(Switch{ID: "sw"}, "", plan)
	at := time.Unix(0, 0)
	if _, ok := s.FromEngine(rollout.Event{Type: rollout.EventRollbackStarted, At: at, Weights: traffic.Weights{Blue: 100}}); !ok {
		t.Fatal("rollback_started dropped")
	}
	for _, tc := range []struct {
		e    rollout.Event
		want string
	}{
		{rollout.Event{Type: rollout.EventRollbackFinished, At: at, Weights: traffic.Weights{Blue: 100}, Detail: "restored"}, "restored"},
		{rollout.Event{Type: rollout.EventRollbackFinished, At: at, Weights: traffic.Weights{Blue: 70, Green: 30}, Detail: "not restored: weights changed outside this run"}, "not_restored"},
		{rollout.Event{Type: rollout.EventRollbackFinished, At: at, Detail: "restore failed: " + errors.New("throttled").Error()}, "restore_failed"},
	} {
		ev, ok := s.FromEngine(tc.e)
		if !ok || ev.Type != RollbackFinished || ev.Result != tc.want {
			t.Errorf("%s: %+v, want result %s", tc.e.Detail, ev, tc.want)
		}
	}
	for _, typ := range []rollout.EventType{rollout.EventPreflight, rollout.EventWeightsRead, rollout.EventStepSkipped, rollout.EventWeightsWritten,
		rollout.EventWeightsVerified, rollout.EventEvaluation, rollout.EventRestoreAttempt, rollout.EventRunFinished} {
		if _, ok := s.FromEngine(rollout.Event{Type: typ, At: at}); ok {
			t.Errorf("%s notified", typ)
		}
	}
	fin := s.Finished(rollout.Outcome{Result: rollout.ResultPreflightFailed, Cause: rollout.CausePreflight, Reason: "no healthy target", FinishedAt: at})
	if fin.Type != ShiftFinished || fin.Result != "preflight_failed" || fin.Cause != "preflight" || fin.Weights != nil || fin.Sequence != 5 || len(s.shift.ID) != 16 {
		t.Errorf("finished %+v", fin)
	}
}
