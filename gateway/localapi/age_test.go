package localapi

import (
	"testing"
	"time"

	"github.com/lotsense/lotsense/gateway/outbox"
)

// The oldest age follows acks: it is the time since the first sample that covered the
// oldest pending record; records appended since the last sample count as 0.
func TestAgeTracker(t *testing.T) {
	ob := openOutbox(t, outbox.Metrics{})
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	a := newAgeTracker(ob, []outbox.Stream{outbox.Readings}, t0)
	if got := a.oldest(outbox.Readings, t0.Add(time.Hour)); got != 0 {
		t.Errorf("empty outbox: age %v", got)
	}
	appendN(t, ob, outbox.Readings, 3) // 1-3
	if got := a.oldest(outbox.Readings, t0.Add(time.Second)); got != 0 {
		t.Errorf("not sampled yet: age %v, want 0", got)
	}
	a.sample(t0.Add(time.Second))
	appendN(t, ob, outbox.Readings, 2) // 4-5
	a.sample(t0.Add(time.Second + 100*time.Millisecond))
	a.sample(t0.Add(5 * time.Second))
	if got := a.oldest(outbox.Readings, t0.Add(10*time.Second)); got != 9*time.Second {
		t.Errorf("age %v, want 9s", got)
	}
	if err := ob.Ack(outbox.Readings, 3); err != nil {
		t.Fatal(err)
	}
	if got := a.oldest(outbox.Readings, t0.Add(10*time.Second)); got != 5*time.Second {
		t.Errorf("after ack of 1-3: age %v, want 5s", got)
	}
	if err := ob.Ack(outbox.Readings, 5); err != nil {
		t.Fatal(err)
	}
	if got := a.oldest(outbox.Readings, t0.Add(10*time.Second)); got != 0 {
		t.Errorf("all acked: age %v", got)
	}
}

// A long outage keeps at most maxMarks marks, spaced wider, and the oldest mark stays.
func TestAgeTrackerBounded(t *testing.T) {
	ob := openOutbox(t, outbox.Metrics{})
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	a := newAgeTracker(ob, []outbox.Stream{outbox.Readings}, t0)
	now := t0
	for range 3 * maxMarks {
		appendN(t, ob, outbox.Readings, 1)
		now = now.Add(sampleEvery)
		a.sample(now)
	}
	ms := a.by[outbox.Readings]
	if len(ms.m) > maxMarks || ms.res <= sampleEvery {
		t.Errorf("%d marks, res %v", len(ms.m), ms.res)
	}
	if got, want := a.oldest(outbox.Readings, now), now.Sub(t0.Add(sampleEvery)); got != want {
		t.Errorf("oldest %v, want %v", got, want)
	}
}
