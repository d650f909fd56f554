package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lotsense/lotsense/gateway/wire"
)

func TestReadingStoredOncePerSourceAndSeq(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	r := &wire.Reading{Time: now, Sensor: "th-1", Location: "room-1", Quantity: wire.Temperature, Value: 4}
	tx, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	src, err := tx.Source(ctx, "site-1", "gw-1", "e1", now)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := tx.Source(ctx, "site-1", "gw-1", "e2", now) // a new outbox of the same gateway
	for i, c := range []struct {
		src  int64
		seq  uint64
		want bool
	}{{src, 1, true}, {src, 2, true}, {src, 1, false}, {other, 1, true}} {
		got, err := tx.InsertReading(ctx, c.src, c.seq, r, 0)
		if err != nil || got != c.want {
			t.Fatalf("insert %d (source %d seq %d): inserted %v, %v; want %v", i, c.src, c.seq, got, err, c.want)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	stats, err := s.Sources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(stats) != 2 || stats[0].Readings != 2 || stats[1].Readings != 1 {
		t.Fatalf("source stats %+v, want 2 readings from epoch e1 and 1 from e2", stats)
	}
}

func TestOpenRefusesANewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, `UPDATE schema_version SET version = ?`, SchemaVersion()+1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(ctx, path); err == nil || !strings.Contains(err.Error(), "newer than this build") {
		t.Fatalf("open of a newer schema: %v, want a refusal naming the versions", err)
	}
}

// Missing sequence ranges are reported with their times; only those well behind the
// newest reading of the outbox count as possible loss (the others may be in flight).
func TestSourcesReportGaps(t *testing.T) {
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
	src, _ := tx.Source(ctx, "site-1", "gw-1", "e1", t0)
	// seq n is taken n*10 s after t0; seq 40 is the newest, at 400 s.
	for _, seq := range []uint64{3, 4, 7, 8, 30, 40} {
		r := &wire.Reading{Time: t0.Add(time.Duration(seq) * 10 * time.Second), Sensor: "th-1", Quantity: wire.Temperature, Value: 4}
		if _, err := tx.InsertReading(ctx, src, seq, r, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	stats, err := s.Sources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st := stats[0]
	type g struct {
		from, to uint64
		loss     bool
	}
	want := []g{{1, 2, true}, {5, 6, true}, {9, 29, false}, {31, 39, false}}
	if st.Missing != 34 || len(st.Gaps) != len(want) {
		t.Fatalf("missing %d, gaps %+v; want 34 missing in %v", st.Missing, st.Gaps, want)
	}
	for i, w := range want {
		got := st.Gaps[i]
		if got.From != w.from || got.To != w.to || got.Count != w.to-w.from+1 || got.PossibleLoss != w.loss {
			t.Errorf("gap %d: %+v, want %d-%d possible loss %v", i, got, w.from, w.to, w.loss)
		}
	}
	if st.Gaps[0].Before != nil || !st.Gaps[0].After.Equal(t0.Add(30*time.Second)) {
		t.Errorf("leading gap times: before %v after %v; want none and the time of seq 3", st.Gaps[0].Before, st.Gaps[0].After)
	}
}
