package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lotsense/lotsense/gateway/wire"
)

func TestLocationsNewestReadingPerSeriesAndLotsPresent(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, err := s.Locations(ctx); err != nil || len(got) != 0 {
		t.Fatalf("empty store: %v, %v; want none", got, err)
	}
	t0 := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	tx, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	old, _ := tx.Source(ctx, "site-1", "gw-1", "e1", t0)
	src, _ := tx.Source(ctx, "site-1", "gw-1", "e2", t0) // a new outbox of the same gateway
	other, _ := tx.Source(ctx, "site-2", "gw-9", "e1", t0)
	a, _ := tx.Lot(ctx, "(01)09506000134352(10)A", "09506000134352", "A", "site-1", "room-1", t0)
	b, _ := tx.Lot(ctx, "(01)09506000134352(10)B", "09506000134352", "B", "site-1", "room-1", t0)
	both, _ := tx.LotSet(ctx, "a+b", []int64{a, b})
	onlyB, _ := tx.LotSet(ctx, "b", []int64{b})
	seq := map[int64]uint64{}
	add := func(source int64, at time.Duration, sensor, loc string, q wire.Quantity, v float64, set int64) {
		seq[source]++
		r := &wire.Reading{Time: t0.Add(at), Synced: true, Sensor: sensor, Location: loc, Quantity: q, Value: v, Quality: wire.Good}
		if _, err := tx.InsertReading(ctx, source, seq[source], r, set); err != nil {
			t.Fatal(err)
		}
	}
	add(old, 0, "t1", "room-1", wire.Temperature, 9, both)
	add(src, time.Minute, "t1", "room-1", wire.Temperature, 4, both)
	add(src, 3*time.Minute, "t1", "room-1", wire.Temperature, 5, onlyB) // newest: A left
	add(src, 2*time.Minute, "t1", "room-1", wire.Temperature, 7, both)  // late, older
	add(src, 2*time.Minute, "t1", "room-1", wire.RelativeHumidity, 60, both)
	add(src, time.Minute, "t2", "room-2", wire.Temperature, -18, 0)
	add(other, time.Minute, "t1", "room-1", wire.Temperature, 3, 0)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}

	got, err := s.Locations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d locations, want 3: %+v", len(got), got)
	}
	r1 := got[0]
	if r1.Site != "site-1" || r1.Location != "room-1" || len(r1.Latest) != 2 {
		t.Fatalf("first location %+v, want site-1/room-1 with 2 series", r1)
	}
	if l := r1.Latest[1]; l.Quantity != "temperature" || l.Value != 5 || !l.Time.Equal(t0.Add(3*time.Minute)) || l.Gateway != "gw-1" || l.Quality != "good" {
		t.Errorf("room-1 temperature %+v, want 5 at +3m from gw-1", l)
	}
	if l := r1.Latest[0]; l.Quantity != "humidity" || l.Value != 60 {
		t.Errorf("room-1 humidity %+v, want 60", l)
	}
	if len(r1.Lots) != 1 || r1.Lots[0].Lot != "B" || r1.Lots[0].Status != StatusReleased {
		t.Errorf("room-1 lots %+v, want B only (the newest reading's)", r1.Lots)
	}
	if !r1.Updated.Equal(t0.Add(3 * time.Minute)) {
		t.Errorf("room-1 updated %v", r1.Updated)
	}
	if r2 := got[1]; r2.Location != "room-2" || len(r2.Latest) != 1 || r2.Latest[0].Value != -18 || len(r2.Lots) != 0 {
		t.Errorf("second location %+v, want site-1/room-2 at -18 without lots", r2)
	}
	if r3 := got[2]; r3.Site != "site-2" || r3.Latest[0].Gateway != "gw-9" || r3.Latest[0].Value != 3 {
		t.Errorf("third location %+v, want site-2/room-1 at 3", r3)
	}
}

// TestLocationsUsesSeriesIndex: both of Locations' queries seek in readings_series
// rather than scanning the readings.
func TestLocationsUsesSeriesIndex(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, q := range []string{
		`SELECT source_id, sensor, quantity FROM readings WHERE (source_id, sensor, quantity) > (1, 'a', 1) ORDER BY source_id, sensor, quantity LIMIT 1`,
		`SELECT time, location, value, quality, synced, lotset_id FROM readings WHERE source_id = 1 AND sensor = 'a' AND quantity = 1 ORDER BY time DESC LIMIT 1`,
	} {
		rows, err := s.r.QueryContext(ctx, `EXPLAIN QUERY PLAN `+q)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if len(plan) != 1 || !strings.Contains(plan[0], "INDEX readings_series (") {
			t.Errorf("plan of %s:\n%v\nwant one search using readings_series", q, plan)
		}
	}
}
