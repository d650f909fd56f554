package gateway

import (
	"fmt"
	"math"
	"time"

	"github.com/lotsense/lotsense/drivers"
	fwconfig "github.com/lotsense/lotsense/firmware-config"
	"github.com/lotsense/lotsense/gateway/wire"
)

// filter applies a sensor's configured quality rules and report-on-change to its
// readings, and turns what they reveal (a sensor gone quiet, a door opened) into
// events. It keeps the state of one sensor; only that sensor's poller uses it.
type filter struct {
	report  fwconfig.Report
	quality fwconfig.Quality
	series  map[drivers.Quantity]*series
	// lastGood is when the sensor last gave a good reading (start time before any).
	lastGood time.Time
	offline  bool
}

// series is the state of one quantity of the sensor.
type series struct {
	sent       bool
	lastSent   float64
	lastSentQ  drivers.Quality
	lastSentAt time.Time
	last       float64   // the latest good value
	sameSince  time.Time // since when it has not changed
	haveLast   bool
}

func newFilter(s *fwconfig.Sensor, start time.Time) *filter {
	return &filter{report: s.Report, quality: s.Quality, series: map[drivers.Quantity]*series{}, lastGood: start}
}

// event is a happening the filter found, before it is given lots and a location.
type event struct {
	typ   string
	at    time.Time
	attrs map[string]string
}

// apply checks and thins rs in place: it returns the readings to send and the events.
// A nil filter passes everything through.
func (f *filter) apply(now time.Time, rs []drivers.Reading) ([]drivers.Reading, []event) {
	if f == nil {
		return rs, nil
	}
	var evs []event
	out := rs[:0]
	anyGood := false
	for _, r := range rs {
		st := f.series[r.Quantity]
		if st == nil {
			st = &series{}
			f.series[r.Quantity] = st
		}
		r.Quality = f.judge(st, r)
		if r.Quality == drivers.Good {
			anyGood = true
			if ev, ok := stateChange(st, r); ok {
				evs = append(evs, ev)
			}
			st.note(r)
		}
		if f.worthSending(st, r) {
			st.sent, st.lastSent, st.lastSentQ, st.lastSentAt = true, r.Value, r.Quality, r.Time
			out = append(out, r)
		}
	}
	return out, append(evs, f.liveness(now, anyGood)...)
}

// judge returns the reading's quality after the configured range and stuck checks.
func (f *filter) judge(st *series, r drivers.Reading) drivers.Quality {
	if r.Quality != drivers.Good {
		return r.Quality
	}
	if math.IsNaN(r.Value) || math.IsInf(r.Value, 0) {
		return drivers.Bad
	}
	var rg *fwconfig.Range
	switch r.Quantity {
	case drivers.Temperature:
		rg = f.quality.Temperature
	case drivers.RelativeHumidity:
		rg = f.quality.Humidity
	}
	if rg != nil && (r.Value < rg.Min || r.Value > rg.Max) {
		return drivers.Bad
	}
	stuck := f.quality.StuckAfter.Duration
	if stuck > 0 && !isState(r.Quantity) && st.haveLast && r.Value == st.last && r.Time.Sub(st.sameSince) >= stuck {
		return drivers.Uncertain
	}
	return drivers.Good
}

func (st *series) note(r drivers.Reading) {
	if !st.haveLast || r.Value != st.last {
		st.sameSince = r.Time
	}
	st.last, st.haveLast = r.Value, true
}

// worthSending is report-on-change: everything when no heartbeat is configured;
// otherwise a first reading, a quality change, a move past the deadband, any change
// of a state, or a due heartbeat.
func (f *filter) worthSending(st *series, r drivers.Reading) bool {
	hb := f.report.Heartbeat.Duration
	if hb == 0 || !st.sent || r.Quality != st.lastSentQ || r.Time.Sub(st.lastSentAt) >= hb {
		return true
	}
	if r.Quality != drivers.Good && r.Quality != drivers.Uncertain {
		return false // still bad: the first bad one was sent
	}
	d := 0.0
	switch r.Quantity {
	case drivers.Temperature:
		d = f.report.Deadband.Temperature
	case drivers.RelativeHumidity:
		d = f.report.Deadband.Humidity
	}
	if isState(r.Quantity) {
		return r.Value != st.lastSent
	}
	return d > 0 && math.Abs(r.Value-st.lastSent) >= d
}

// liveness raises sensor_offline once no good reading came for OfflineAfter, and
// sensor_online when one comes again.
func (f *filter) liveness(now time.Time, anyGood bool) []event {
	switch {
	case anyGood && f.offline:
		f.offline, f.lastGood = false, now
		return []event{{typ: "sensor_online", at: now}}
	case anyGood:
		f.lastGood = now
	case !f.offline && now.Sub(f.lastGood) >= f.quality.OfflineAfter.Duration:
		f.offline = true
		return []event{{typ: "sensor_offline", at: now, attrs: map[string]string{
			"last_good": f.lastGood.UTC().Format(time.RFC3339), "after": f.quality.OfflineAfter.Duration.String()}}}
	}
	return nil
}

func isState(q drivers.Quantity) bool {
	return q == drivers.DoorOpen || q == drivers.CompressorRunning || q == drivers.DefrostActive
}

// stateChange turns a change of a door, compressor or defrost state into an event the
// rules can use (door open too long, defrost excuses a warm spell).
func stateChange(st *series, r drivers.Reading) (event, bool) {
	if !isState(r.Quantity) || !st.haveLast || (r.Value != 0) == (st.last != 0) {
		return event{}, false
	}
	names := map[drivers.Quantity][2]string{
		drivers.DoorOpen:          {"door_closed", "door_opened"},
		drivers.CompressorRunning: {"compressor_stopped", "compressor_started"},
		drivers.DefrostActive:     {"defrost_ended", "defrost_started"},
	}[r.Quantity]
	on := 0
	if r.Value != 0 {
		on = 1
	}
	return event{typ: names[on], at: r.Time, attrs: map[string]string{"value": fmt.Sprint(r.Value)}}, true
}

// wireEvent completes an event with the sensor, its location and the lots there.
func (e event) wire(sensor, location string, lots []string, synced bool) wire.Event {
	attrs := map[string]string{"sensor": sensor}
	for k, v := range e.attrs {
		attrs[k] = v
	}
	return wire.Event{Time: e.at, Synced: synced, Type: e.typ, Location: location, Lots: lots, Attrs: attrs}
}
