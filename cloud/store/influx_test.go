package store

import (
	"context"
	"math"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/lotsense/lotsense/gateway/wire"
)

func TestReadingFollowerQueries(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	tx, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := tx.Source(ctx, "site-1", "gw-1", "e1", t0)
	b, _ := tx.Source(ctx, "site-2", "gw-9", "e1", t0)
	l1, _ := tx.Lot(ctx, "(01)09506000134352(10)B", "09506000134352", "B", "site-1", "room-1", t0)
	l2, _ := tx.Lot(ctx, "(01)09506000134352(10)A", "09506000134352", "A", "site-1", "room-1", t0)
	set, err := tx.LotSet(ctx, "x", []int64{l1, l2})
	if err != nil {
		t.Fatal(err)
	}
	for seq := uint64(1); seq <= 5; seq++ {
		r := &wire.Reading{Time: t0.Add(time.Duration(seq) * time.Second), Synced: seq%2 == 0, Sensor: "th-1", Location: "room-1",
			Quantity: wire.Temperature, Value: float64(seq), Quality: wire.Good}
		if seq == 3 {
			continue // a gap
		}
		if seq == 4 {
			r.Quality, r.Value = wire.Bad, math.Inf(1)
		}
		if _, err := tx.InsertReading(ctx, a, seq, r, set); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tx.InsertReading(ctx, b, 1, &wire.Reading{Time: t0, Sensor: "th-2", Location: "truck", Quantity: wire.RelativeHumidity, Value: 60}, 0); err != nil {
		t.Fatal(err)
	}
	if err := tx.DeclareGap(ctx, a, 10, 20, "thinned"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}

	srcs, err := s.SourcesAfter(ctx, 0)
	if err != nil || len(srcs) != 2 || srcs[0] != (Outbox{a, "site-1", "gw-1", "e1"}) || srcs[1].ID != b {
		t.Fatalf("SourcesAfter(0) = %+v, %v", srcs, err)
	}
	if srcs, err := s.SourcesAfter(ctx, a); err != nil || len(srcs) != 1 || srcs[0].ID != b {
		t.Fatalf("SourcesAfter(%d) = %+v, %v", a, srcs, err)
	}

	got, err := s.SourceReadings(ctx, a, 2, math.MaxUint64, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Seq != 2 || got[1].Seq != 4 {
		t.Fatalf("SourceReadings(2.., limit 2) = %+v", got)
	}
	want := SourceReading{Seq: 2, Time: t0.Add(2 * time.Second), Synced: true, Sensor: "th-1", Location: "room-1",
		Quantity: wire.Temperature, Value: 2, Quality: wire.Good, LotSet: set}
	if got[0] != want {
		t.Fatalf("reading 2 = %+v, want %+v", got[0], want)
	}
	if got[1].Quality != wire.Bad || !math.IsInf(got[1].Value, 1) {
		t.Fatalf("reading 4 = %+v, want bad +Inf", got[1])
	}
	if got, _ := s.SourceReadings(ctx, a, 3, 3, 10, nil); len(got) != 0 {
		t.Fatalf("SourceReadings(3..3) = %+v, want none", got)
	}
	if got, _ := s.SourceReadings(ctx, b, 1, 1, 10, nil); len(got) != 1 || got[0].LotSet != 0 || got[0].Quantity != wire.RelativeHumidity {
		t.Fatalf("SourceReadings(b) = %+v", got)
	}

	keys, err := s.LotSetKeys(ctx, []int64{set, set + 100})
	if err != nil {
		t.Fatal(err)
	}
	if w := map[int64][]string{set: {"(01)09506000134352(10)A", "(01)09506000134352(10)B"}}; !reflect.DeepEqual(keys, w) {
		t.Fatalf("LotSetKeys = %v, want %v", keys, w)
	}

	if g, err := s.DeclaredGaps(ctx, a, 15, 30); err != nil || !reflect.DeepEqual(g, []SeqRange{{10, 20}}) {
		t.Fatalf("DeclaredGaps(15..30) = %v, %v", g, err)
	}
	if g, err := s.DeclaredGaps(ctx, a, 21, 30); err != nil || len(g) != 0 {
		t.Fatalf("DeclaredGaps(21..30) = %v, %v", g, err)
	}

	if c, err := s.ReadingCursors(ctx, "influx"); err != nil || len(c) != 0 {
		t.Fatalf("ReadingCursors before = %v, %v", c, err)
	}
	if err := s.SetReadingCursors(ctx, "influx", map[int64]uint64{a: 2, b: 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetReadingCursors(ctx, "influx", map[int64]uint64{a: 5}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetReadingCursors(ctx, "influx", map[int64]uint64{a: 4}); err != nil { // never back
		t.Fatal(err)
	}
	if err := s.SetReadingCursors(ctx, "other", map[int64]uint64{a: 1}); err != nil {
		t.Fatal(err)
	}
	if c, err := s.ReadingCursors(ctx, "influx"); err != nil || !reflect.DeepEqual(c, map[int64]uint64{a: 5, b: 1}) {
		t.Fatalf("ReadingCursors = %v, %v", c, err)
	}
}
