package gateway

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Health tells a supervisor (systemd's watchdog, through lotsense-gateway run) whether
// a running gateway still makes progress, and sums up its state in one line. Options.Ready
// hands it over once the gateway runs. Its methods are safe for concurrent use. Under
// Supervise one Health follows every run, from one configuration to the next.
type Health struct {
	cur atomic.Pointer[gw] // the run watched
	now func() time.Time   // real time

	mu    sync.Mutex
	g     *gw                 // the run polls were counted in
	polls map[string]progress // by sensor
}

// progress is the last count of ended polls seen for one sensor, and when it changed.
type progress struct {
	n     float64
	since time.Time
}

// stallGrace is added to three poll intervals before a sensor's poller counts as
// stalled: a poll may wait for a device timeout, a shared bus or the outbox's commit.
const stallGrace = 2 * time.Minute

// ready hands the running gateway's Health to Options.Ready, if set; a supervised run
// after the first is handed to the Health of the first instead.
func (g *gw) ready() {
	if g.opts.Ready == nil {
		return
	}
	if g.ctl != nil {
		g.ctl.r.mu.Lock()
		h := g.ctl.r.health
		if h == nil {
			g.ctl.r.health = &Health{now: time.Now}
		}
		g.ctl.r.mu.Unlock()
		if h != nil {
			h.cur.Store(g)
			return
		}
		h = g.ctl.r.health
		h.cur.Store(g)
		g.opts.Ready(h)
		return
	}
	h := &Health{now: time.Now}
	h.cur.Store(g)
	g.opts.Ready(h)
}

// Check returns nil while every sensor's poller ends a poll at least every three of its
// intervals plus two minutes (real time). A failing device does not fail the check: its
// polls end with readings marked bad. A poll that hangs in a driver, or an outbox that
// no longer commits (each poll appends and waits for the commit), does. A missing broker
// does not: the outbox keeps everything until it is back.
func (h *Health) Check() error {
	g := h.cur.Load()
	counts := g.pollCounts()
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.g != g { // a new run: its counts start again
		h.g, h.polls = g, map[string]progress{}
	}
	for _, s := range g.sensors {
		p, seen := h.polls[s.id]
		if n := counts[s.id]; !seen || n != p.n {
			h.polls[s.id] = progress{n: n, since: now}
			continue
		}
		limit := 3*g.clock.Real(s.interval) + stallGrace
		if stalled := now.Sub(p.since); stalled > limit {
			return fmt.Errorf("sensor %s: no poll ended for %v (limit %v)", s.id, stalled.Round(time.Second), limit)
		}
	}
	return nil
}

// Summary sums up the gateway's state in one line, for systemd's STATUS=.
func (h *Health) Summary() string {
	g := h.cur.Load()
	failing := 0
	for _, s := range g.sensors {
		s.mu.Lock()
		if s.failed {
			failing++
		}
		s.mu.Unlock()
	}
	broker := "broker not connected"
	if g.api.Link().Connected() {
		broker = "broker connected"
	}
	return fmt.Sprintf("sensors %d (%d failing), readers %d, stations %d, %s, %d records pending",
		len(g.sensors), failing, len(g.cfg.Readers), len(g.cfg.Stations), broker, g.pending())
}

// pollCounts returns how many polls of each sensor have ended (ok or error), read from
// the polls counter without creating series.
func (g *gw) pollCounts() map[string]float64 {
	ch := make(chan prometheus.Metric, 16)
	go func() {
		g.m.polls.Collect(ch)
		close(ch)
	}()
	counts := map[string]float64{}
	for m := range ch {
		var d dto.Metric
		if m.Write(&d) != nil {
			continue
		}
		for _, l := range d.GetLabel() {
			if l.GetName() == "sensor" {
				counts[l.GetValue()] += d.GetCounter().GetValue()
			}
		}
	}
	return counts
}
