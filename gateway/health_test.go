package gateway

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// A sensor's poller that stops ending polls fails the check after three intervals plus
// the grace; failing polls (errors) count as progress, and progress clears the failure.
func TestHealthCheckNoticesAStalledPoller(t *testing.T) {
	g := &gw{clock: NewClock(1), m: newMetrics(prometheus.NewRegistry()), sensors: []*sensorRun{
		{id: "fast", interval: 10 * time.Second}, {id: "slow", interval: 5 * time.Minute}}}
	var got *Health
	g.opts.Ready = func(h *Health) { got = h }
	g.m.polls.WithLabelValues("fast", "ok").Inc()
	g.ready()
	if got == nil {
		t.Fatal("Options.Ready not called")
	}
	start := time.Now()
	now := start
	got.now = func() time.Time { return now }
	step := func(d time.Duration) { now = now.Add(d) }

	if err := got.Check(); err != nil {
		t.Fatalf("at start: %v", err)
	}
	step(3*10*time.Second + stallGrace - time.Second)
	if err := got.Check(); err != nil {
		t.Fatalf("just inside the limit: %v", err)
	}
	step(2 * time.Second)
	err := got.Check()
	if err == nil || !strings.Contains(err.Error(), "sensor fast: no poll ended") {
		t.Fatalf("fast stalled for 3 intervals + grace: got %v", err)
	}
	g.m.polls.WithLabelValues("fast", "error").Inc() // a failing device still polls
	if err := got.Check(); err != nil {
		t.Fatalf("after an ended (failed) poll: %v", err)
	}
	step(3*5*time.Minute + stallGrace - now.Sub(start) - time.Second) // slow never polled
	g.m.polls.WithLabelValues("fast", "ok").Inc()
	if err := got.Check(); err != nil {
		t.Fatalf("slow within its own limit: %v", err)
	}
	step(2 * time.Second)
	g.m.polls.WithLabelValues("fast", "ok").Inc()
	if err := got.Check(); err == nil || !strings.Contains(err.Error(), "sensor slow") {
		t.Fatalf("slow stalled: got %v", err)
	}
}

// Without Options.Ready nothing is built.
func TestReadyWithoutHook(t *testing.T) {
	g := &gw{clock: NewClock(1), m: newMetrics(prometheus.NewRegistry())}
	g.ready()
}
