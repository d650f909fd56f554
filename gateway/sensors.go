package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/lotsense/lotsense/drivers"
	fwconfig "github.com/lotsense/lotsense/firmware-config"
	"github.com/lotsense/lotsense/gateway/outbox"
	"github.com/lotsense/lotsense/gateway/wire"
)

// sensorRun is one configured sensor being polled.
type sensorRun struct {
	id, location string
	interval     time.Duration // clock time
	src          drivers.Source
	filter       *filter // quality rules and report-on-change; nil passes all

	mu      sync.Mutex
	latest  []drivers.Reading // the last poll's readings, for the summary log
	failed  bool              // the last poll failed; log only changes
	started bool              // a poll succeeded this run (the driver works)
	lastErr error             // why the last poll failed
	full    bool              // the last append was refused by the outbox budget; log only changes
}

// startSensors starts a simulator for every simulated sensor and prepares every
// driver; a driver opens on first poll (see lazySource). The returned function stops
// the simulators and closes shared buses; call it even when err is not nil.
func (g *gw) startSensors() ([]*sensorRun, func(), error) {
	sh := &shared{}
	var sims *simulators
	stop := func() {
		if err := sh.close(); err != nil {
			g.log.Warn("closing shared buses", "err", err)
		}
		if sims == nil {
			return
		}
		if err := sims.stop(); err != nil {
			g.log.Warn("stopping simulators", "err", err)
		}
	}
	scs := make([]*fwconfig.Sensor, len(g.cfg.Sensors))
	for i := range g.cfg.Sensors {
		scs[i] = &g.cfg.Sensors[i]
	}
	sims, err := newSimulators(g, scs)
	if err != nil {
		return nil, stop, err
	}
	var runs []*sensorRun
	for _, sc := range scs {
		sim, err := sims.start(sc)
		if err != nil {
			return runs, stop, err
		}
		open, qs := sh.opener(sc, sim)
		src := &lazySource{name: sc.ID, open: open, quantities: qs}
		runs = append(runs, &sensorRun{id: sc.ID, location: sc.Location, interval: sc.Interval.Duration, src: src,
			filter: newFilter(sc, g.clock.Now())})
	}
	return runs, stop, nil
}

// poll polls one sensor on its interval and appends its readings, with the lots at
// its location, to the outbox. A failing device still yields readings (marked bad or
// unavailable), so the gap is visible in the cloud.
func (g *gw) poll(ctx context.Context, s *sensorRun) {
	tick := time.NewTicker(g.clock.Real(s.interval))
	defer tick.Stop()
	var buf []drivers.Reading
	for {
		buf = g.pollOnce(ctx, s, buf[:0])
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (g *gw) pollOnce(ctx context.Context, s *sensorRun, buf []drivers.Reading) []drivers.Reading {
	buf, err := s.src.Poll(ctx, g.clock.Now(), buf)
	if ctx.Err() != nil {
		return buf
	}
	g.notePoll(s, buf, err)
	send, events := s.filter.apply(g.clock.Now(), buf)
	g.edge.observe(ctx, s, send)
	lots := g.binder.LotsAt(s.location)
	synced := g.sync.synced.Load()
	g.appendEvents(ctx, s, events, lots, synced)
	if len(send) == 0 {
		return buf
	}
	recs := make([][]byte, len(send))
	for i, r := range send {
		q := wire.Quality(r.Quality)
		if q == wire.Good && (math.IsNaN(r.Value) || math.IsInf(r.Value, 0)) {
			// A driver bug must not poison a batch: the cloud refuses a good reading
			// without a number, so it travels as what it is, a bad one.
			q = wire.Bad
		}
		recs[i] = appendReadingRecord(nil, &wire.Reading{
			Time: r.Time, Synced: synced, Sensor: s.id, Location: s.location,
			Quantity: wire.Quantity(r.Quantity), Value: r.Value, Quality: q, Lots: lots,
		})
	}
	_, err = g.ob.Append(ctx, outbox.Readings, recs)
	switch {
	case err == nil:
		s.full = false
	case ctx.Err() != nil:
	case errors.Is(err, outbox.ErrFull):
		// Refused by the budget policy: counted here and by the outbox, which also
		// raises an alarm; logged when it starts, not at every poll.
		g.m.dropped.Add(float64(len(recs)))
		if !s.full {
			g.log.Warn("readings refused by the outbox budget until it has room", "sensor", s.id, "readings", len(recs), "err", err)
		}
		s.full = true
	default:
		g.log.Error("readings not stored", "sensor", s.id, "readings", len(recs), "err", err)
	}
	return buf
}

// notePoll counts the poll, keeps its readings for the summary and logs a failure or a
// recovery once, not at every poll.
func (g *gw) notePoll(s *sensorRun, rs []drivers.Reading, err error) {
	s.mu.Lock()
	s.latest = append(s.latest[:0], rs...)
	was := s.failed
	s.failed = err != nil
	s.started = s.started || err == nil
	s.lastErr = err
	s.mu.Unlock()
	if err != nil {
		g.m.polls.WithLabelValues(s.id, "error").Inc()
		if !was {
			g.log.Warn("sensor failing; readings are marked bad until it recovers", "sensor", s.id, "err", err)
		}
		return
	}
	g.m.polls.WithLabelValues(s.id, "ok").Inc()
	if was {
		g.log.Info("sensor recovered", "sensor", s.id)
	}
}

func (g *gw) logSummary() {
	for _, s := range g.sensors {
		s.mu.Lock()
		attrs := []any{"sensor", s.id, "location", s.location}
		for _, r := range s.latest {
			attrs = append(attrs, r.Quantity.String(), fmt.Sprintf("%.1f%s", r.Value, unitSuffix(r)))
			if r.Quality != drivers.Good {
				attrs = append(attrs, r.Quantity.String()+"_quality", r.Quality.String())
			}
		}
		if len(s.latest) > 0 {
			attrs = append(attrs, "time", s.latest[0].Time.Format(time.TimeOnly))
		}
		s.mu.Unlock()
		g.log.Info("sensor", append(attrs, "pending", g.pending())...)
	}
}

func unitSuffix(r drivers.Reading) string {
	switch r.Quantity {
	case drivers.Temperature:
		return "°C"
	case drivers.RelativeHumidity:
		return "%"
	}
	return ""
}

// appendEvents stores what the filter found (a sensor gone quiet, a door opened) on
// the events stream, which is never thinned and goes out before readings.
func (g *gw) appendEvents(ctx context.Context, s *sensorRun, evs []event, lots []string, synced bool) {
	if len(evs) == 0 {
		return
	}
	recs := make([][]byte, 0, len(evs))
	for _, e := range evs {
		rec, err := json.Marshal(e.wire(s.id, s.location, lots, synced))
		if err != nil {
			g.log.Error("event not encoded", "sensor", s.id, "type", e.typ, "err", err)
			continue
		}
		recs = append(recs, rec)
		g.log.Info("sensor event", "sensor", s.id, "location", s.location, "type", e.typ)
	}
	if _, err := g.ob.Append(ctx, outbox.Events, recs); err != nil && ctx.Err() == nil {
		g.log.Error("events not stored", "sensor", s.id, "events", len(recs), "err", err)
	}
}
