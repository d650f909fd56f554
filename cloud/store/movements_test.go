package store

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lotsense/lotsense/gateway/wire"
)

const testLot = "(01)09506000134352(10)L-1"

// write runs fn in one transaction and commits it.
func write(t *testing.T, s *Store, fn func(ctx context.Context, tx *Tx) error) {
	t.Helper()
	ctx := context.Background()
	tx, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := fn(ctx, tx); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// A database of schema 2 (before lot movements) upgrades in place: its lots and events
// are kept, and movements can be recorded and read after the upgrade.
func TestUpgradeFromSchema2(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	t0 := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	old, err := open(ctx, path, 2)
	if err != nil {
		t.Fatal(err)
	}
	var src, lot int64
	write(t, old, func(ctx context.Context, tx *Tx) (err error) {
		if src, err = tx.Source(ctx, "site-1", "gw-1", "e1", t0); err != nil {
			return err
		}
		if lot, err = tx.Lot(ctx, testLot, "09506000134352", "L-1", "site-1", "dock-1", t0); err != nil {
			return err
		}
		// As the code of schema 2 stored it (there was no event feed yet).
		body, _ := json.Marshal(&wire.Event{Time: t0, Type: EventReceiving, Location: "dock-1",
			Lots: []string{testLot}, Direction: "in", Attrs: map[string]string{"tags": "2"}})
		_, err = tx.tx.ExecContext(ctx, `INSERT INTO events (source_id, seq, time, type, location, body) VALUES (?, 7, ?, ?, ?, ?)`,
			src, micros(t0), EventReceiving, "dock-1", string(body))
		return err
	})
	var v int
	if err := old.r.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&v); err != nil || v != 2 {
		t.Fatalf("old database at version %d (%v), want 2", v, err)
	}
	if _, err := old.r.ExecContext(ctx, `SELECT 1 FROM lot_movements`); err == nil {
		t.Fatal("schema 2 already has lot_movements: the test does not build the old schema")
	}
	old.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	defer s.Close()
	if err := s.r.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&v); err != nil || v != SchemaVersion() {
		t.Fatalf("after the upgrade: version %d (%v), want %d", v, err, SchemaVersion())
	}
	if l, err := s.LotByKey(ctx, testLot); err != nil || l.ID != lot || l.Location != "dock-1" {
		t.Fatalf("lot after the upgrade: %+v, %v", l, err)
	}
	evs, err := s.Events(ctx, EventFilter{Types: []string{EventReceiving}})
	if err != nil || len(evs) != 1 || evs[0].Seq != 7 || evs[0].Attrs["tags"] != "2" || evs[0].Gateway != "gw-1" {
		t.Fatalf("events after the upgrade: %+v, %v", evs, err)
	}
	if feed, err := s.EventFeed(ctx, 0, 10); err != nil || len(feed) != 1 || feed[0].Seq != 7 || feed[0].Event.Type != EventReceiving {
		t.Fatalf("event feed after the upgrade: %+v, %v; want the stored event", feed, err)
	}
	write(t, s, func(ctx context.Context, tx *Tx) error {
		_, err := tx.InsertMovement(ctx, lot, src, 7, &Movement{Time: t0, Type: EventReceiving, Door: "dock-1", Direction: "in", Tags: 2})
		return err
	})
	if ms, err := s.LotMovements(ctx, lot, 10); err != nil || len(ms) != 1 || ms[0].Seq != 7 || ms[0].Door != "dock-1" {
		t.Fatalf("movements after the upgrade: %+v, %v", ms, err)
	}
}

// Movements come back newest first, with the gateway and sequence of their event; the
// same movement recorded twice is kept once.
func TestLotMovements(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	var lot int64
	write(t, s, func(ctx context.Context, tx *Tx) (err error) {
		src, err := tx.Source(ctx, "site-1", "gw-1", "e1", t0)
		if err != nil {
			return err
		}
		if lot, err = tx.Lot(ctx, testLot, "09506000134352", "L-1", "site-1", "dock-1", t0); err != nil {
			return err
		}
		in := &Movement{Time: t0, Type: EventReceiving, Door: "dock-1", Inside: "cold-room-1", Direction: "in",
			ReadPoint: "urn:epc:id:sgln:0614141.00001.dock1", Tags: 4}
		out := &Movement{Time: t0.Add(time.Hour), Type: EventShipping, Door: "dock-2", Direction: "out", Tags: 1}
		for i, m := range []struct {
			seq  uint64
			m    *Movement
			want bool
		}{{1, in, true}, {2, out, true}, {1, in, false}} {
			if ok, err := tx.InsertMovement(ctx, lot, src, m.seq, m.m); err != nil || ok != m.want {
				t.Errorf("insert %d (seq %d): inserted %v, %v; want %v", i, m.seq, ok, err, m.want)
			}
		}
		return nil
	})
	ms, err := s.LotMovements(ctx, lot, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Type != EventShipping || ms[0].Seq != 2 || !ms[0].Time.Equal(t0.Add(time.Hour)) {
		t.Fatalf("movements %+v, want 2, the shipping (seq 2) first", ms)
	}
	want := Movement{Site: "site-1", Gateway: "gw-1", Seq: 1, Time: t0, Type: EventReceiving, Door: "dock-1",
		Inside: "cold-room-1", Direction: "in", ReadPoint: "urn:epc:id:sgln:0614141.00001.dock1", Tags: 4}
	if ms[1] != want {
		t.Errorf("receiving movement %+v, want %+v", ms[1], want)
	}
	if ms, _ := s.LotMovements(ctx, lot, 1); len(ms) != 1 || ms[0].Seq != 2 {
		t.Errorf("limit 1: %+v, want the newest only", ms)
	}
}

// Events are listed newest first, filtered by any of several types and by location,
// with the fields of the stored wire.Event.
func TestEventsFilters(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	evs := []wire.Event{ // seq i+1, minute i
		{Type: EventReceiving, Location: "dock-1", Lots: []string{testLot}, EPCs: []string{"urn:epc:id:sgtin:0614141.812345.6789"},
			Direction: "in", Attrs: map[string]string{"read_point": "urn:x", "tags": "1", "unassigned": "0", "inside": "cold-room-1"}},
		{Type: EventSensorOffline, Location: "cold-room-1", Attrs: map[string]string{"sensor": "th-1"}},
		{Type: EventShipping, Location: "dock-2", Lots: []string{testLot}, Direction: "out"},
		{Type: EventPortalSeen, Location: "dock-1", EPCs: []string{"hex:E200"}, Attrs: map[string]string{"unassigned": "true"}},
		{Type: EventReceiving, Location: "dock-2", Direction: "in", Synced: true},
	}
	write(t, s, func(ctx context.Context, tx *Tx) error {
		src, err := tx.Source(ctx, "site-1", "gw-1", "e1", t0)
		if err != nil {
			return err
		}
		for i := range evs {
			evs[i].Time = t0.Add(time.Duration(i) * time.Minute)
			if _, err := tx.InsertEvent(ctx, src, uint64(i+1), &evs[i]); err != nil {
				return err
			}
		}
		return nil
	})
	for _, tc := range []struct {
		f    EventFilter
		seqs []uint64
	}{
		{EventFilter{}, []uint64{5, 4, 3, 2, 1}},
		{EventFilter{Limit: 2}, []uint64{5, 4}},
		{EventFilter{Types: []string{EventReceiving}}, []uint64{5, 1}},
		{EventFilter{Types: PortalEventTypes}, []uint64{5, 4, 3, 1}},
		{EventFilter{Types: PortalEventTypes, Limit: 3}, []uint64{5, 4, 3}},
		{EventFilter{Location: "dock-1"}, []uint64{4, 1}},
		{EventFilter{Types: []string{EventShipping, EventReceiving}, Location: "dock-2"}, []uint64{5, 3}},
		{EventFilter{Types: []string{EventShipping}, Location: "dock-1"}, nil},
	} {
		got, err := s.Events(ctx, tc.f)
		if err != nil {
			t.Fatalf("%+v: %v", tc.f, err)
		}
		var seqs []uint64
		for _, e := range got {
			seqs = append(seqs, e.Seq)
		}
		if !slices.Equal(seqs, tc.seqs) {
			t.Errorf("%+v: seqs %v, want %v", tc.f, seqs, tc.seqs)
		}
	}
	got, _ := s.Events(ctx, EventFilter{Limit: 5})
	first := got[4] // seq 1
	if first.Site != "site-1" || first.Gateway != "gw-1" || !first.Time.Equal(t0) || first.Type != EventReceiving ||
		first.Location != "dock-1" || first.Direction != "in" || !slices.Equal(first.Lots, evs[0].Lots) ||
		!slices.Equal(first.EPCs, evs[0].EPCs) || first.Attrs["inside"] != "cold-room-1" || len(first.Attrs) != 4 {
		t.Errorf("event seq 1 = %+v, want the fields of %+v", first, evs[0])
	}
	if last := got[0]; !last.Synced || last.Lots == nil || last.EPCs == nil || last.Attrs == nil {
		t.Errorf("event seq 5 = %#v, want synced, with empty (not nil) lists", last)
	}
}

// The event and movement lists read an index in the order asked and stop at the limit,
// never a whole table nor a sort of all matching rows: they stay fast on millions of
// events.
func TestEventAndMovementQueriesUseIndexes(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	type query struct {
		name  string
		q     string
		args  []any
		index string
	}
	qs := []query{{"movements", lotMovementsQuery, []any{1, 10}, "lot_movements_lot_time"}}
	for _, f := range []struct {
		name  string
		f     EventFilter
		index string
	}{
		{"all", EventFilter{Limit: 20}, "events_time"},
		{"one type", EventFilter{Types: []string{EventShipping}, Limit: 20}, "events_type_time"},
		{"portal types", EventFilter{Types: PortalEventTypes, Limit: 20}, "events_type_time"},
		{"location", EventFilter{Location: "dock-1", Limit: 20}, "events_location_time"},
		{"types at a location", EventFilter{Types: PortalEventTypes, Location: "dock-1", Limit: 20}, "events_"},
	} {
		q, args := eventsQuery(f.f)
		qs = append(qs, query{f.name, q, args, f.index})
	}
	for _, q := range qs {
		rows, err := s.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q.q, q.args...)
		if err != nil {
			t.Fatalf("%s: %v", q.name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		text := strings.Join(plan, "\n")
		for i, line := range plan {
			scansTable := (strings.HasPrefix(line, "SCAN e") || strings.HasPrefix(line, "SCAN m")) && !strings.Contains(line, "INDEX")
			// A sort is fine only of a part's output (at most the limit), for the merge.
			sorts := strings.Contains(line, "TEMP B-TREE") && (i == 0 || !strings.HasPrefix(plan[i-1], "SCAN (subquery-"))
			if scansTable || sorts {
				t.Errorf("%s: plan step %q:\n%s", q.name, line, text)
			}
		}
		if !strings.Contains(text, "INDEX "+q.index) {
			t.Errorf("%s: plan does not use %s*:\n%s", q.name, q.index, text)
		}
	}
}
