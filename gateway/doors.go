package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/llrp"
	"github.com/lotsense/lotsense/drivers/signal"
	fwconfig "github.com/lotsense/lotsense/firmware-config"
	"github.com/lotsense/lotsense/gateway/localapi"
	"github.com/lotsense/lotsense/gateway/outbox"
	"github.com/lotsense/lotsense/gateway/portal"
	"github.com/lotsense/lotsense/gateway/wire"
)

// Portal timing of the gateway.
const (
	// portalTick is how often ended passes are collected (gateway clock, real time).
	portalTick = 250 * time.Millisecond
	// portalLag is how far behind the clock passes are ended (real time): reads still on
	// their way from a reader (in its report, a TCP buffer, the channel) must not find
	// their pass already ended and split it in two.
	portalLag = time.Second
	// maxReaderSkew: a reader whose timestamps are further than this (real time) from the
	// gateway's clock would end passes too early or too late; its reads get the
	// gateway's time.
	maxReaderSkew = 2 * time.Second
	// presenceName is the file, in the outbox directory, that keeps which tagged lots are
	// in which location across restarts.
	presenceName = "presence.json"
	// AttrInside, on a portal event of a door with an inside location, names it.
	AttrInside = "inside"
)

// doors runs the dock-door portals: one llrp.Run per reader feeding one portal.Portal
// (all doors of a gateway in one Portal, so a tag read by two neighbouring doors goes
// to the stronger one), whose movements update the lot binder and whose events go to
// the outbox.
type doors struct {
	g         *gw
	portal    *portal.Portal
	inside    map[string]string // door → location a pallet entering goes into
	reads     chan []drivers.TagRead
	readers   []llrp.Options
	sims      []*readerSim
	simulated map[string]bool // readers that are emulated
	file      string          // presence file

	stats portal.Stats // as of the last output, for the metrics' increments

	mu          sync.Mutex // guards the status below, read by the local API
	rstate      map[string]*localapi.Reader
	dstate      map[string]*localapi.Door
	alarmTimers map[string]*time.Timer // by output: when its alarm stops
}

// newDoors builds the portal from the configuration, or returns nil when it has no doors.
func (g *gw) newDoors(tags *TagLots) (*doors, error) {
	pc := g.cfg.Portal
	if len(pc.Doors) == 0 {
		return nil, nil
	}
	cfg := portal.Config{TopN: pc.TopN, GroupWindow: pc.GroupWindow.Duration, Lots: tags, FormatEPC: FormatEPC}
	d := &doors{g: g, inside: map[string]string{}, reads: make(chan []drivers.TagRead, 256),
		file:   filepath.Join(g.cfg.Outbox.Dir, presenceName),
		rstate: map[string]*localapi.Reader{}, dstate: map[string]*localapi.Door{}, simulated: map[string]bool{}, alarmTimers: map[string]*time.Timer{}}
	for _, door := range pc.Doors {
		pd := portal.Door{ID: door.ID, ReadPoint: door.ReadPoint, RSSIFloor: door.RSSIFloor,
			Dedupe: door.Dedupe.Duration, PassTimeout: door.PassTimeout.Duration}
		for _, a := range door.Antennas {
			pd.Readers = append(pd.Readers, portal.AntennaZone{Reader: a.Reader, Antenna: a.Antenna, Zone: portal.Zone(a.Zone)})
		}
		cfg.Doors = append(cfg.Doors, pd)
		if door.Inside != "" {
			d.inside[door.ID] = door.Inside
		}
		d.dstate[door.ID] = &localapi.Door{ID: door.ID, Inside: door.Inside, Passes: map[string]int{}}
	}
	p, err := portal.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	d.portal = p
	if err := g.binder.Load(d.file, g.knownLocation); err != nil {
		g.log.Warn("lot presence from the last run not restored: locations start with their configured lots", "err", err)
	}
	for i := range g.cfg.Readers {
		r := &g.cfg.Readers[i]
		opts := readerOptions(r, g.log)
		opts.Now = g.clock.Now
		if r.Simulate != nil {
			sim, err := g.startReaderSim(r)
			if err != nil {
				d.stopSims()
				return nil, err
			}
			d.sims = append(d.sims, sim)
			d.simulated[r.ID] = true
			opts.Address = sim.reader.Addr()
			// An emulated reader answers at once; reconnect quickly after a test drops it.
			opts.MinBackoff, opts.MaxBackoff = 100*time.Millisecond, 2*time.Second
			// One report per read costs a frame each; on a fast demo clock a pass must
			// arrive within the portal's lag, so the emulator batches (it also reports at
			// the end of each antenna's reads).
			opts.ReportEvery = max(opts.ReportEvery, simReportEvery)
		}
		d.rstate[r.ID] = &localapi.Reader{ID: r.ID, Address: opts.Address}
		opts.OnState = d.onState(r.ID)
		d.readers = append(d.readers, opts)
	}
	return d, nil
}

func (d *doors) stopSims() {
	for _, s := range d.sims {
		s.stop()
	}
}

// run connects every reader and runs the portal until ctx ends, then ends the open
// passes and stores their events.
func (d *doors) run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, opts := range d.readers {
		wg.Go(func() {
			if err := llrp.Run(ctx, opts, d.handler(ctx, opts.Reader, d.simulated[opts.Reader])); err != nil {
				d.g.log.Error("RFID reader not available; its doors see nothing until the gateway restarts",
					"reader", opts.Reader, "addr", opts.Address, "err", err)
			}
		})
	}
	for _, s := range d.sims {
		wg.Go(func() { s.play(ctx) })
	}
	tick := time.NewTicker(portalTick)
	defer tick.Stop()
	for {
		select {
		case batch := <-d.reads:
			for i := range batch {
				d.portal.Read(&batch[i])
			}
		case <-tick.C:
			d.readPending()
			d.output(ctx, d.portal.Flush(d.g.clock.Now().Add(-d.g.clock.Scaled(portalLag))))
		case <-ctx.Done():
			wg.Wait() // readers send CLOSE_CONNECTION; their last reports are in d.reads
			d.readPending()
			// Passes still open end now, so no pallet that went through is forgotten.
			stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			d.output(stop, d.portal.Drain())
			cancel()
			return
		}
	}
}

// readPending gives the portal every batch waiting in the channel.
func (d *doors) readPending() {
	for {
		select {
		case batch := <-d.reads:
			for i := range batch {
				d.portal.Read(&batch[i])
			}
		default:
			return
		}
	}
}

// handler passes a reader's reports to the portal goroutine, stamping reads with the
// gateway's clock when the reader's own is off. An emulated reader runs on the gateway's
// clock and stamps passes from its script: its times are kept even when a busy machine
// delays them (on a fast demo clock a short stall is minutes).
func (d *doors) handler(ctx context.Context, reader string, emulated bool) llrp.Handler {
	reads := d.g.m.tagReads.WithLabelValues(reader)
	warned := false
	maxSkew := d.g.clock.Scaled(maxReaderSkew) // in clock time: a fast demo clock moves on meanwhile
	return func(batch []drivers.TagRead) {
		now := d.g.clock.Now()
		for i := range batch {
			if skew := batch[i].Time.Sub(now); !emulated && (skew > maxSkew || skew < -maxSkew) {
				if !warned {
					d.g.log.Warn("RFID reader clock is off; its reads get the gateway's time (set up NTP on the reader)",
						"reader", reader, "skew", skew.Round(time.Millisecond))
					warned = true
				}
				batch[i].Time = now
				d.g.m.restamped.Inc()
			}
		}
		reads.Add(float64(len(batch)))
		d.mu.Lock()
		st := d.rstate[reader]
		st.Reads += uint64(len(batch))
		if len(batch) > 0 {
			st.LastRead = batch[len(batch)-1].Time
		}
		d.mu.Unlock()
		select {
		case d.reads <- batch:
		case <-ctx.Done():
		}
	}
}

// output applies the movements to the lot binder and stores the events.
func (d *doors) output(ctx context.Context, out portal.Output) {
	st := d.portal.Stats()
	for _, c := range []struct {
		reason   string
		now, was uint64
	}{{"unmapped", st.Unmapped, d.stats.Unmapped}, {"below_floor", st.BelowFloor, d.stats.BelowFloor},
		{"no_epc", st.NoEPC, d.stats.NoEPC}, {"overflow", st.Overflow, d.stats.Overflow}} {
		if c.now > c.was {
			d.g.m.ignored.WithLabelValues(c.reason).Add(float64(c.now - c.was))
		}
	}
	if st.Overflow > d.stats.Overflow {
		d.g.log.Error("RFID: more tags with open passes than the portal keeps; reads of new tags ignored",
			"ignored", st.Overflow-d.stats.Overflow, "active", d.portal.Active())
	}
	d.stats = st
	changed := false
	for _, m := range out.Movements {
		dir := m.Direction
		if dir == "" {
			dir = "none"
		}
		d.g.m.passes.WithLabelValues(m.Door, dir).Inc()
		if m.Unassigned {
			d.g.m.unassigned.Inc()
		}
		d.mu.Lock()
		if st := d.dstate[m.Door]; st != nil {
			st.Passes[dir]++
			if m.Unassigned {
				st.Unassigned++
			}
		}
		d.mu.Unlock()
		inside, ok := d.inside[m.Door]
		switch {
		case !ok || m.Unassigned:
		case m.Direction == portal.DirIn:
			d.g.binder.Arrive(inside, m.EPC, m.Lots)
			changed = true
		case m.Direction == portal.DirOut:
			d.g.binder.Depart(m.EPC)
			changed = true
		}
	}
	d.heldLeaving(ctx, out.Movements)
	if changed {
		if err := d.g.binder.Save(d.file); err != nil {
			d.g.log.Error("lot presence not saved: after a restart the rooms start from their configured lots", "err", err)
		}
	}
	if len(out.Events) == 0 {
		return
	}
	d.mu.Lock()
	for _, e := range out.Events {
		if st := d.dstate[e.Location]; st != nil && e.Time.After(st.LastEvent) {
			st.LastEvent = e.Time
		}
	}
	d.mu.Unlock()
	synced := d.g.sync.synced.Load()
	recs := make([][]byte, 0, len(out.Events))
	for i := range out.Events {
		e := &out.Events[i]
		e.Synced = synced
		if in, ok := d.inside[e.Location]; ok {
			e.Attrs[AttrInside] = in // where the pallet went (receiving) or came from (shipping)
		}
		rec, err := json.Marshal(e)
		if err != nil {
			d.g.log.Error("portal event not encoded", "door", e.Location, "type", e.Type, "err", err)
			continue
		}
		recs = append(recs, rec)
		d.g.log.Info("portal event", "door", e.Location, "type", e.Type, "direction", e.Direction,
			"tags", len(e.EPCs), "lots", e.Lots, "unassigned", e.Attrs[portal.AttrUnassigned] == "true")
	}
	if _, err := d.g.ob.Append(ctx, outbox.Events, recs); err != nil {
		d.g.log.Error("portal events not stored", "events", len(recs), "err", err)
		return
	}
	d.g.m.portalEvts.Add(float64(len(recs)))
}

// onState records a reader's connection state for the local API.
func (d *doors) onState(reader string) func(bool, error) {
	return func(connected bool, err error) {
		d.mu.Lock()
		defer d.mu.Unlock()
		st := d.rstate[reader]
		if st.Connected != connected || st.Since.IsZero() {
			st.Since = time.Now()
		}
		st.Connected = connected
		if err != nil {
			st.LastError = err.Error()
		}
	}
}

// status reports the readers and doors to the local API.
func (d *doors) status() ([]localapi.Reader, []localapi.Door) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var rs []localapi.Reader
	for _, opts := range d.readers {
		rs = append(rs, *d.rstate[opts.Reader])
	}
	var ds []localapi.Door
	for _, door := range d.g.cfg.Portal.Doors {
		st := *d.dstate[door.ID]
		st.Passes = maps.Clone(st.Passes)
		if st.Inside != "" {
			st.TagsInside = d.g.binder.TagsAt(st.Inside)
			st.LotsInside = slices.Clone(d.g.binder.LotsAt(st.Inside))
		}
		if st.LotsInside == nil {
			st.LotsInside = []string{}
		}
		ds = append(ds, st)
	}
	return rs, ds
}

// AlarmHeldLotShipped is the alarm kind of a lot on hold leaving through a dock door
// (or scanned at a shipping station).
const AlarmHeldLotShipped = "held_lot_shipped"

// heldLeaving raises one critical alarm per door for the lots on hold among the tags that
// just went out through it, from the hold list on disk: it works without a network.
func (d *doors) heldLeaving(ctx context.Context, moves []portal.Movement) {
	type leaving struct {
		lots []string
		tags int
		last time.Time
	}
	byDoor := map[string]*leaving{}
	var order []string
	for _, m := range moves {
		if m.Direction != portal.DirOut {
			continue
		}
		held := d.g.holds.AnyHeld(m.Lots)
		if len(held) == 0 {
			continue
		}
		l := byDoor[m.Door]
		if l == nil {
			l = &leaving{}
			byDoor[m.Door] = l
			order = append(order, m.Door)
		}
		for _, lot := range held {
			if !slices.Contains(l.lots, lot) {
				l.lots = append(l.lots, lot)
			}
		}
		l.tags++
		l.last = m.Last
	}
	for _, door := range order {
		l := byDoor[door]
		slices.Sort(l.lots)
		msg := fmt.Sprintf("%d tag(s) of %d lot(s) on hold left through %s: %s", l.tags, len(l.lots), door, strings.Join(l.lots, ", "))
		d.g.m.heldMoving.Inc()
		d.soundAlarm(door)
		d.g.raiseAlarm(ctx, wire.Alarm{Time: l.last, Kind: AlarmHeldLotShipped, State: "raised", Severity: "critical",
			Location: door, Lots: l.lots, Message: msg})
	}
}

// readerOptions are the LLRP connection options of a configured reader.
func readerOptions(r *fwconfig.Reader, log *slog.Logger) llrp.Options {
	return llrp.Options{Address: r.Address, Reader: r.ID, Antennas: r.Antennas, TransmitPower: r.TransmitPower,
		ReportEvery: r.ReportEvery, Keepalive: r.Keepalive.Duration, Logger: log}
}

// soundAlarm plays the door's alarm output, if it has one, for its alarm_for.
func (d *doors) soundAlarm(door string) {
	cfg := d.g.cfg.Door(door)
	if cfg == nil || cfg.AlarmOutput == "" {
		return
	}
	out := d.g.outputs[cfg.AlarmOutput]
	if out == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if t := d.alarmTimers[cfg.AlarmOutput]; t != nil {
		t.Stop() // a new alarm sounds its full time
	}
	out.Play(signal.Alarm)
	d.alarmTimers[cfg.AlarmOutput] = time.AfterFunc(d.g.clock.Real(cfg.AlarmFor.Duration), out.Stop)
}
