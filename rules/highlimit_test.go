package rules

import (
	"encoding/json"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

func TestHighLimitFiresOnlyAfterDelay(t *testing.T) {
	r := HighLimit{Limit: 8, Delay: 30 * time.Minute}
	var s HighLimitState
	steps := []struct {
		min   int
		value float64
		good  bool
		want  Change
	}{
		{0, 4, true, NoChange},
		{10, 9, true, NoChange},  // above: run begins at 10
		{20, 12, true, NoChange}, // 10 min above
		{25, 0, false, NoChange}, // bad reading: ignored, run continues
		{40, 11, true, NoChange}, // exactly 30 min: not longer than the delay
		{41, 10, true, Started},  // 31 min above
		{50, 13, true, NoChange}, // still firing: no second start
		{60, 7, true, Ended},
		{70, 9, true, NoChange}, // a new run
	}
	for _, st := range steps {
		var ev Event
		s, ev = r.Step(s, Sample{Time: at(st.min), Value: st.value, Good: st.good})
		if ev.Change != st.want {
			t.Fatalf("minute %d value %v: change %v, want %v (state %+v)", st.min, st.value, ev.Change, st.want, s)
		}
		switch ev.Change {
		case Started:
			if !ev.Began.Equal(at(10)) || !ev.At.Equal(at(41)) || ev.Peak != 12 {
				t.Errorf("start event %+v, want began 10, at 41, peak 12", ev)
			}
		case Ended:
			if !ev.Began.Equal(at(10)) || ev.Peak != 13 {
				t.Errorf("end event %+v, want began 10, peak 13", ev)
			}
		}
	}
	if !s.AboveSince.Equal(at(70)) || s.Firing {
		t.Errorf("final state %+v, want a new run since minute 70, not firing", s)
	}
}

func TestHighLimitLateSampleIsNotApplied(t *testing.T) {
	r := HighLimit{Limit: 8, Delay: time.Minute}
	s, _ := r.Step(HighLimitState{}, Sample{Time: at(10), Value: 9, Good: true})
	s2, ev := r.Step(s, Sample{Time: at(5), Value: 3, Good: true})
	if ev.Change != Late || s2 != s {
		t.Fatalf("late sample: change %v state %+v, want Late and the state unchanged", ev.Change, s2)
	}
}

// A restart restores the state from its JSON snapshot; the running delay continues.
func TestHighLimitStateSurvivesSnapshot(t *testing.T) {
	r := HighLimit{Limit: 8, Delay: 30 * time.Minute}
	s, _ := r.Step(HighLimitState{}, Sample{Time: at(0), Value: 9, Good: true})
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var restored HighLimitState
	if err := json.Unmarshal(b, &restored); err != nil {
		t.Fatal(err)
	}
	if _, ev := r.Step(restored, Sample{Time: at(31), Value: 9.5, Good: true}); ev.Change != Started || !ev.Began.Equal(at(0)) {
		t.Fatalf("after restore: %+v, want Started with the run begun at minute 0", ev)
	}
}

func TestHighLimitValidate(t *testing.T) {
	if err := (HighLimit{Limit: 8, Delay: -time.Second}).Validate(); err == nil {
		t.Error("negative delay accepted")
	}
	if err := (HighLimit{Limit: 8, Delay: time.Minute}).Validate(); err != nil {
		t.Errorf("valid rule rejected: %v", err)
	}
}
