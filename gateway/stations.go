package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/scanner"
	"github.com/lotsense/lotsense/drivers/scanner/scannersim"
	"github.com/lotsense/lotsense/drivers/signal"
	fwconfig "github.com/lotsense/lotsense/firmware-config"
	"github.com/lotsense/lotsense/gateway/localapi"
	"github.com/lotsense/lotsense/gateway/outbox"
	"github.com/lotsense/lotsense/gateway/wire"
)

// stations runs the barcode scanner stations: every scanner feeds one goroutine that
// decides what each scan means (decideScan), updates the lot binder, stores the event
// and beeps the station's output.
type stations struct {
	g       *gw
	byID    map[string]*fwconfig.Station
	sources []stationSource
	scans   chan drivers.Scan
	file    string // presence file, shared with the doors

	mu    sync.Mutex // guards state, read by the local API
	state map[string]*localapi.Station
}

type stationSource struct {
	station string
	src     scanner.Source
}

// newStations builds the stations of the configuration, or returns nil when it has none.
func (g *gw) newStations() (*stations, error) {
	if len(g.cfg.Stations) == 0 {
		return nil, nil
	}
	s := &stations{g: g, byID: map[string]*fwconfig.Station{}, scans: make(chan drivers.Scan, 64),
		file: filepath.Join(g.cfg.Outbox.Dir, presenceName), state: map[string]*localapi.Station{}}
	for i := range g.cfg.Stations {
		st := &g.cfg.Stations[i]
		s.byID[st.ID] = st
		s.state[st.ID] = &localapi.Station{ID: st.ID, Role: st.Role, Location: st.Location}
		src, err := g.scannerSource(st, s.onState(st.ID))
		if err != nil {
			return nil, err
		}
		s.sources = append(s.sources, stationSource{station: st.ID, src: src})
	}
	return s, nil
}

// scannerSource returns the station's scanner: the real driver, or a scripted one.
func (g *gw) scannerSource(st *fwconfig.Station, onState func(bool, error)) (scanner.Source, error) {
	if sim := st.Simulate; sim != nil {
		c := scannersim.Config{ID: st.ID, Repeat: sim.Repeat.Duration, Now: g.clock.Now, Real: g.clock.Real}
		for _, sc := range sim.Scans {
			c.Scans = append(c.Scans, scannersim.Scan{At: sc.At.Duration, Data: strings.ReplaceAll(sc.Data, "<GS>", "\x1d")})
		}
		src, err := scannersim.New(c)
		if err != nil {
			return nil, fmt.Errorf("gateway: station %s: %w", st.ID, err)
		}
		g.log.Info("simulated barcode scanner", "station", st.ID, "role", st.Role, "scans", len(c.Scans), "repeat", c.Repeat)
		onState(true, nil)
		return src, nil
	}
	src, err := scanner.New(st.ID, st.Scanner, scanner.Env{Logger: g.log, OnState: onState})
	if err != nil {
		return nil, fmt.Errorf("gateway: station %s: %w", st.ID, err)
	}
	return src, nil
}

// run reads every scanner and handles their scans until ctx ends.
func (s *stations) run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, ss := range s.sources {
		wg.Go(func() {
			err := ss.src.Run(ctx, func(sc drivers.Scan) {
				sc.Scanner = ss.station // the station's id names its scanner
				select {
				case s.scans <- sc:
				case <-ctx.Done():
				}
			})
			if err != nil {
				s.g.log.Error("barcode scanner stopped; its station takes no scans until the gateway restarts",
					"station", ss.station, "err", err)
			}
		})
	}
	for {
		select {
		case sc := <-s.scans:
			s.handle(ctx, sc)
		case <-ctx.Done():
			wg.Wait()
			for {
				select {
				case sc := <-s.scans:
					s.handle(context.WithoutCancel(ctx), sc)
					continue
				default:
				}
				return
			}
		}
	}
}

// handle decides what a scan means and carries it out: presence, event, beep, and for
// a held lot at a shipping station an alarm.
func (s *stations) handle(ctx context.Context, sc drivers.Scan) {
	st := s.byID[sc.Scanner]
	if st == nil {
		return
	}
	// Scans carry the wall clock of their last character; events carry the gateway's.
	at := s.g.clock.Now()
	o := decideScan(st, sc, at, s.g.tags, &s.g.holds)
	o.Event.Synced = s.g.sync.synced.Load()
	result := "accepted"
	if o.Rejected != "" {
		result = "rejected"
	}
	s.g.m.scans.WithLabelValues(st.ID, result).Inc()
	s.record(st.ID, o, at)
	out := s.g.outputs[st.Output]
	if o.Rejected != "" {
		s.g.log.Warn("scan refused", "station", st.ID, "role", st.Role, "reason", o.Rejected)
		if out != nil {
			out.Play(signal.Reject)
		}
	} else {
		s.g.log.Info("scan", "station", st.ID, "type", o.Event.Type, "lots", o.Event.Lots, "quantity", o.Count)
		if out != nil {
			out.Play(signal.Accept)
		}
		s.apply(o)
	}
	rec, err := json.Marshal(&o.Event)
	if err == nil {
		_, err = s.g.ob.Append(ctx, outbox.Events, [][]byte{rec})
	}
	if err != nil {
		s.g.log.Error("scan event not stored", "station", st.ID, "err", err)
	}
	if len(o.Held) > 0 {
		s.g.m.heldMoving.Inc()
		s.g.raiseAlarm(ctx, wire.Alarm{Time: at, Kind: AlarmHeldLotShipped, State: "raised", Severity: "critical",
			Location: st.Location, Lots: o.Held,
			Message: fmt.Sprintf("lot(s) on hold scanned for shipping at station %s: %s", st.ID, strings.Join(o.Held, ", "))})
	}
}

// apply changes lot presence for an accepted scan: by the item's identity when it has
// one (a pallet or a serialised case, the same identity an RFID portal reads), else by
// counting units of its lots.
func (s *stations) apply(o scanOutcome) {
	b := s.g.binder
	switch {
	case o.Identity != "" && o.Arrive != "":
		b.Arrive(o.Arrive, o.Identity, o.Lots)
	case o.Identity != "" && (o.Depart || o.Leave != ""):
		b.Depart(o.Identity)
	case o.Arrive != "":
		for _, l := range o.Lots {
			b.Adjust(o.Arrive, l, o.Count)
		}
	case o.Leave != "":
		for _, l := range o.Lots {
			b.Adjust(o.Leave, l, -o.Count)
		}
	case o.Depart:
		// Shipped by a lot label: the units leave the one location that has that lot
		// counted; with none or several, which one is not said and nothing changes.
		changed := false
		for _, l := range o.Lots {
			if locs := b.CountedAt(l); len(locs) == 1 {
				b.Adjust(locs[0], l, -o.Count)
				changed = true
			}
		}
		if !changed {
			return
		}
	default:
		return
	}
	if err := b.Save(s.file); err != nil {
		s.g.log.Error("lot presence not saved: after a restart the rooms start from their configured lots", "err", err)
	}
}

// record keeps the station's last scan for the local API.
func (s *stations) record(id string, o scanOutcome, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.state[id]
	st.LastScan = at
	st.LastType = o.Event.Type
	st.LastLots = o.Event.Lots
	st.LastReason = o.Rejected
	if o.Rejected != "" {
		st.Rejected++
	} else {
		st.Accepted++
	}
}

// onState records whether a station's scanner is open, for the local API.
func (s *stations) onState(id string) func(bool, error) {
	return func(open bool, err error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		st := s.state[id]
		st.ScannerOpen = open
		if err != nil {
			st.ScannerError = err.Error()
		}
	}
}

// status reports the stations to the local API.
func (s *stations) status() []localapi.Station {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]localapi.Station, 0, len(s.g.cfg.Stations))
	for _, st := range s.g.cfg.Stations {
		out = append(out, *s.state[st.ID])
	}
	return out
}

// openOutputs opens every configured output: a real GPIO pin, or a simulated one whose
// changes are logged.
func (g *gw) openOutputs() (map[string]*signal.Dev, error) {
	outs := map[string]*signal.Dev{}
	for _, o := range g.cfg.Outputs {
		var d *signal.Dev
		var err error
		if o.Simulate {
			name := o.GPIO.Pin
			if name == "" {
				name = o.ID
			}
			d, err = signal.New(&loggedPin{Pin: gpiotest.Pin{N: name}, g: g, output: o.ID}, signal.Options{Pin: name, ActiveLow: o.GPIO.ActiveLow})
		} else {
			d, err = signal.Open(o.GPIO)
		}
		if err != nil {
			for _, d := range outs {
				d.Close()
			}
			return nil, fmt.Errorf("gateway: output %s: %w", o.ID, err)
		}
		outs[o.ID] = d
	}
	return outs, nil
}

// loggedPin is a simulated output pin that logs every change (demos: the beeps and the
// alarm light show in the log).
type loggedPin struct {
	gpiotest.Pin
	g      *gw
	output string
}

func (p *loggedPin) Out(l gpio.Level) error {
	if l != p.Pin.L {
		p.g.log.Debug("simulated output", "output", p.output, "level", l)
	}
	return p.Pin.Out(l)
}
