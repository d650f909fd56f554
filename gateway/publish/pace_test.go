package publish

import (
	"testing"
	"time"

	"github.com/lotsense/lotsense/gateway/outbox"
	"github.com/lotsense/lotsense/gateway/wire"
)

func TestPacerHoldsTheAverageRate(t *testing.T) {
	t0 := time.Unix(0, 0)
	p := newPacer(1000, 100, t0)
	if w := p.wait(t0); w != 0 {
		t.Fatalf("a full bucket waits %v", w)
	}
	p.take(100) // a whole batch empties the bucket
	p.take(100) // and the next one is sent too, so the bucket owes 100
	if w := p.wait(t0); w < 100*time.Millisecond || w > 102*time.Millisecond {
		t.Fatalf("after 200 records at 1000/s with a burst of 100, wait %v, want 101 ms", w)
	}
	if w := p.wait(t0.Add(101 * time.Millisecond)); w != 0 {
		t.Fatalf("after the wait, still %v to go", w)
	}
	var unpaced *pacer
	unpaced.take(1000)
	if w := unpaced.wait(t0); w != 0 {
		t.Fatalf("no pacer waits %v", w)
	}
}

// A paced backlog of readings drains at the pace, and an alarm appended meanwhile is
// sent at once, not behind the backlog.
func TestPacedBacklogDoesNotDelayAlarms(t *testing.T) {
	_, addr := startBroker(t, "127.0.0.1:0", nil)
	sub := subscribe(t, addr)
	o := openOutbox(t)
	const backlog, pace = 3000, 4000.0
	appendN(t, o, outbox.Readings, "r", 0, backlog, 100)
	start(t, o, addr, Options{BatchSize: 100, MaxInflight: 8, Pace: pace})
	began := time.Now()
	waitFor(t, 10*time.Second, "the first readings", func() bool { return count(sub.snapshot(), wire.KindReadings) > 0 })
	appendN(t, o, outbox.Alarms, "a", 0, 1, 1)
	waitFor(t, 2*time.Second, "the alarm", func() bool { return count(sub.snapshot(), wire.KindAlarms) == 1 })
	if n := count(sub.snapshot(), wire.KindReadings); n >= backlog {
		t.Fatalf("the alarm arrived only after all %d readings", n)
	}
	waitFor(t, 10*time.Second, "the backlog", func() bool { return count(sub.snapshot(), wire.KindReadings) >= backlog })
	// 3000 records at 4000/s with a first burst of 100 take at least 0.7 s.
	if took := time.Since(began); took < 600*time.Millisecond {
		t.Fatalf("a paced backlog of %d at %v/s drained in %v: not paced", backlog, pace, took)
	}
}
