package sandbox

import "testing"

// TestFaultAfter: After lets the first matching calls through, then the
// fault applies Times times.
func TestFaultAfter(t *testing.T) {
	var tbl faultTable
	tbl.faults = []*activeFault{{Fault: Fault{Service: ServiceELBv2, Operation: "ModifyListener", Kind: Throttle, Times: 1, After: 2}, remaining: 1}}
	var got []bool
	for i := 0; i < 4; i++ {
		tbl.take(ServiceELBv2, "DescribeListeners") // other operations never count
		got = append(got, tbl.take(ServiceELBv2, "ModifyListener").terminal != nil)
	}
	want := []bool{false, false, true, false}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("faulted calls %v, want %v", got, want)
		}
	}
	if err := (Fault{Kind: Throttle, After: -1}).validate(); err == nil {
		t.Fatal("a negative After must be rejected")
	}
}
