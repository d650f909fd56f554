package gateway

import (
	"slices"
	"testing"
	"time"

	"github.com/lotsense/lotsense/drivers"
	fwconfig "github.com/lotsense/lotsense/firmware-config"
)

var q0 = time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)

func minute(m int) time.Time { return q0.Add(time.Duration(m) * time.Minute) }

func sensorWith(r fwconfig.Report, q fwconfig.Quality) *fwconfig.Sensor {
	if q.OfflineAfter.Duration == 0 {
		q.OfflineAfter.Duration = time.Hour
	}
	return &fwconfig.Sensor{ID: "th-1", Report: r, Quality: q}
}

func temp(m int, v float64, q drivers.Quality) drivers.Reading {
	return drivers.Reading{Quantity: drivers.Temperature, Value: v, Quality: q, Time: minute(m)}
}

func TestFilterMarksImplausibleAndStuckValues(t *testing.T) {
	f := newFilter(sensorWith(fwconfig.Report{}, fwconfig.Quality{
		Temperature: &fwconfig.Range{Min: -40, Max: 60},
		StuckAfter:  fwconfig.Duration{Duration: 20 * time.Minute},
	}), q0)
	want := []drivers.Quality{drivers.Good, drivers.Bad, drivers.Good, drivers.Good, drivers.Uncertain, drivers.Good}
	in := []drivers.Reading{temp(0, 4, drivers.Good), temp(1, 150, drivers.Good), temp(2, 4.1, drivers.Good),
		temp(12, 4.1, drivers.Good), temp(22, 4.1, drivers.Good), temp(23, 4.2, drivers.Good)}
	for i, r := range in {
		out, _ := f.apply(r.Time, []drivers.Reading{r})
		if len(out) != 1 || out[0].Quality != want[i] {
			t.Fatalf("reading %d (%v at minute %v): got %+v, want quality %v", i, r.Value, r.Time.Sub(q0).Minutes(), out, want[i])
		}
	}
}

func TestFilterReportsOnChangeWithHeartbeat(t *testing.T) {
	f := newFilter(sensorWith(fwconfig.Report{
		Heartbeat: fwconfig.Duration{Duration: 5 * time.Minute},
		Deadband:  fwconfig.Deadband{Temperature: 0.5},
	}, fwconfig.Quality{}), q0)
	values := []float64{3.0, 3.1, 3.2, 3.6, 3.6, 3.7, 3.7, 3.7, 3.7, 3.7, 3.7}
	var sentAt []int
	for m, v := range values {
		if out, _ := f.apply(minute(m), []drivers.Reading{temp(m, v, drivers.Good)}); len(out) == 1 {
			sentAt = append(sentAt, m)
		}
	}
	// first; moved 0.6 at minute 3; heartbeat 5 minutes later at minute 8.
	if want := []int{0, 3, 8}; !slices.Equal(sentAt, want) {
		t.Fatalf("sent at minutes %v, want %v", sentAt, want)
	}
	if out, _ := f.apply(minute(9), []drivers.Reading{temp(9, 0, drivers.Unavailable)}); len(out) != 1 {
		t.Fatal("a change of quality must be sent at once")
	}
}

func TestFilterRaisesOfflineAndOnline(t *testing.T) {
	f := newFilter(sensorWith(fwconfig.Report{}, fwconfig.Quality{OfflineAfter: fwconfig.Duration{Duration: 2 * time.Minute}}), q0)
	var types []string
	for m, q := range []drivers.Quality{drivers.Good, drivers.Unavailable, drivers.Unavailable, drivers.Unavailable, drivers.Unavailable, drivers.Good} {
		_, evs := f.apply(minute(m), []drivers.Reading{temp(m, 4, q)})
		for _, e := range evs {
			types = append(types, e.typ)
		}
	}
	if want := []string{"sensor_offline", "sensor_online"}; !slices.Equal(types, want) {
		t.Fatalf("events %v, want %v (offline once, 2 minutes after the last good reading)", types, want)
	}
}

func TestFilterTurnsStateChangesIntoEvents(t *testing.T) {
	f := newFilter(sensorWith(fwconfig.Report{Heartbeat: fwconfig.Duration{Duration: time.Hour}}, fwconfig.Quality{}), q0)
	door := func(m int, v float64) drivers.Reading {
		return drivers.Reading{Quantity: drivers.DoorOpen, Value: v, Quality: drivers.Good, Time: minute(m)}
	}
	var types []string
	sent := 0
	for m, v := range []float64{0, 1, 1, 0, 0} {
		out, evs := f.apply(minute(m), []drivers.Reading{door(m, v)})
		sent += len(out)
		for _, e := range evs {
			types = append(types, e.typ)
		}
	}
	if want := []string{"door_opened", "door_closed"}; !slices.Equal(types, want) || sent != 3 {
		t.Fatalf("events %v and %d readings sent; want %v and 3 (the first and each change)", types, sent, want)
	}
	ev := event{typ: "door_opened", at: minute(1)}.wire("th-1", "room-1", []string{"lot"}, true)
	if ev.Attrs["sensor"] != "th-1" || ev.Location != "room-1" || len(ev.Lots) != 1 {
		t.Fatalf("wire event %+v", ev)
	}
}
