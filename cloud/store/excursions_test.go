package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lotsense/lotsense/gateway/wire"
)

// An excursion of the rules engine is saved once per (lot, ref) with all its evidence,
// updated in place, read back by ref, listed (retracted ones too) and left out of the
// open ones and of the lot's open count once ended or retracted.
func TestSaveExcursionUpsertsByRef(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	lot := lotAt(t, s, heldA, "site-1", at0)
	mkt := 8.4
	e := Excursion{LotID: lot, Ref: "high@2026-05-04T10:00:00Z", Profile: "pharma-2-8", Rule: "high", Kind: "high",
		Severity: SeverityCritical, Site: "site-1", Location: "truck-1", Sensor: "gw-a/t1",
		Locations: []string{"truck-1", "room-1"}, Sensors: []string{"gw-a/t1", "gw-b/t2"},
		Began: at0, Detected: at0.Add(30 * time.Minute), Peak: 9.5, Limit: 8, DelaySeconds: 1800,
		BeyondSeconds: 1800, UnknownSeconds: 60, MKT: &mkt}
	inTx(t, s, func(ctx context.Context, tx *Tx) error { return tx.SaveExcursion(ctx, &e) })
	first := e.ID
	end := at0.Add(45 * time.Minute)
	e.Ended, e.Closed, e.Peak, e.BeyondSeconds = &end, &end, 10.5, 2700
	inTx(t, s, func(ctx context.Context, tx *Tx) error {
		if open, err := tx.OpenExcursions(ctx, lot); err != nil || len(open) != 1 || open[0].ID != first {
			t.Errorf("open before the end: %+v, %v", open, err)
		}
		return tx.SaveExcursion(ctx, &e)
	})
	if e.ID != first {
		t.Fatalf("update gave id %d, want %d", e.ID, first)
	}
	list, err := s.LotExcursions(ctx, lot)
	if err != nil {
		t.Fatal(err)
	}
	got := list[0]
	if len(list) != 1 || got.Ref != e.Ref || got.Kind != "high" || got.Profile != "pharma-2-8" || got.Peak != 10.5 ||
		got.BeyondSeconds != 2700 || got.UnknownSeconds != 60 || got.MKT == nil || *got.MKT != 8.4 ||
		!got.Ended.Equal(end) || !got.Closed.Equal(end) || got.Retracted != nil || got.Lot != heldA ||
		fmt.Sprint(got.Locations, got.Sensors) != "[truck-1 room-1] [gw-a/t1 gw-b/t2]" {
		t.Fatalf("excursions %+v", list)
	}
	now := at0.Add(time.Hour)
	e2 := Excursion{LotID: lot, Ref: "high@2026-05-04T11:00:00Z", Rule: "high", Kind: "high", Severity: SeverityCritical,
		Site: "site-1", Began: now, Detected: now, Retracted: &now, Ended: &now, RetractNote: "late readings"}
	inTx(t, s, func(ctx context.Context, tx *Tx) error {
		if err := tx.SaveExcursion(ctx, &e2); err != nil {
			return err
		}
		if open, err := tx.OpenExcursions(ctx, lot); err != nil || len(open) != 0 {
			t.Errorf("open after the end and a retraction: %+v, %v", open, err)
		}
		x, ok, err := tx.ExcursionByRef(ctx, lot, e2.Ref)
		if err != nil || !ok || x.Retracted == nil || x.RetractNote != "late readings" || len(x.Locations) != 0 || x.Locations == nil {
			t.Errorf("by ref: %+v %v %v", x, ok, err)
		}
		_, ok, err = tx.ExcursionByRef(ctx, lot, "nope")
		if ok || err != nil {
			t.Errorf("unknown ref: %v %v", ok, err)
		}
		return nil
	})
	if l, err := s.LotByKey(ctx, heldA); err != nil || l.OpenExcursions != 0 {
		t.Errorf("lot %+v, %v: want no open excursions", l, err)
	}
	if list, _ := s.LotExcursions(ctx, lot); len(list) != 2 || list[0].Ref != e2.Ref {
		t.Errorf("excursions %+v, want the retracted one kept, newest first", list)
	}
}

// A lot's rules state is a snapshot and the log rows after it; a new snapshot clears
// the log.
func TestLotRulesSnapshotAndLog(t *testing.T) {
	s := openTest(t)
	lot := lotAt(t, s, heldA, "site-1", at0)
	inTx(t, s, func(ctx context.Context, tx *Tx) error {
		if _, ok, err := tx.LotRules(ctx, lot); ok || err != nil {
			t.Errorf("state before any: %v %v", ok, err)
		}
		if err := tx.SaveLotRulesSnapshot(ctx, lot, "p", []byte("s1"), at0); err != nil {
			return err
		}
		for seq, row := range []string{"a", "b"} {
			if err := tx.AppendLotRulesLog(ctx, lot, int64(seq), []byte(row)); err != nil {
				return err
			}
		}
		st, ok, err := tx.LotRules(ctx, lot)
		if err != nil || !ok || st.Profile != "p" || string(st.Snapshot) != "s1" || fmt.Sprintf("%s", st.Log) != "[a b]" || st.NextSeq != 2 {
			t.Errorf("state %+v %v %v", st, ok, err)
		}
		if err := tx.SaveLotRulesSnapshot(ctx, lot, "p", []byte("s2"), at0); err != nil {
			return err
		}
		st, _, err = tx.LotRules(ctx, lot)
		if err != nil || string(st.Snapshot) != "s2" || len(st.Log) != 0 || st.NextSeq != 0 {
			t.Errorf("state after a new snapshot %+v %v", st, err)
		}
		return nil
	})
}

// The readings of a lot, where and by which sensors they were taken.
func TestLotReadingsAndTheirSources(t *testing.T) {
	s := openTest(t)
	lot := lotAt(t, s, heldA, "site-1", at0)
	inTx(t, s, func(ctx context.Context, tx *Tx) error {
		set, err := tx.LotSet(ctx, fmt.Sprint(lot), []int64{lot})
		if err != nil {
			return err
		}
		for i, r := range []struct {
			gw, sensor, loc string
			min             int
			v               float64
			q               wire.Quantity
		}{
			{"gw-a", "t1", "truck-1", 0, 9, wire.Temperature},
			{"gw-a", "t1", "truck-1", 1, 7, wire.Temperature},
			{"gw-a", "h1", "truck-1", 1, 70, wire.RelativeHumidity},
			{"gw-b", "t2", "room-1", 2, 8.5, wire.Temperature},
			{"gw-b", "t3", "room-1", 2, 5, wire.Temperature},
		} {
			src, err := tx.Source(ctx, "site-1", r.gw, "e", at0)
			if err != nil {
				return err
			}
			wr := wire.Reading{Time: at0.Add(time.Duration(r.min) * time.Minute), Sensor: r.sensor, Location: r.loc, Quantity: r.q, Value: r.v}
			if _, err := tx.InsertReading(ctx, src, uint64(i+1), &wr, set); err != nil {
				return err
			}
		}
		rows, err := tx.LotReadingsBetween(ctx, lot, []wire.Quantity{wire.Temperature}, at0.Add(time.Minute), at0.Add(2*time.Minute))
		if err != nil || len(rows) != 3 || rows[0].Value != 7 || rows[0].Gateway != "gw-a" || rows[0].Site != "site-1" ||
			rows[2].Sensor != "t3" || rows[2].Time != at0.Add(2*time.Minute) {
			t.Errorf("readings %+v %v", rows, err)
		}
		srcs, err := tx.LotReadingSources(ctx, lot, wire.Temperature, at0, at0.Add(time.Hour), Above, 8)
		if err != nil || len(srcs) != 2 || srcs[0].Sensor != "gw-a/t1" || srcs[0].Location != "truck-1" || srcs[1].Sensor != "gw-b/t2" {
			t.Errorf("sources above 8: %+v %v", srcs, err)
		}
		srcs, err = tx.LotReadingSources(ctx, lot, wire.Temperature, at0, at0.Add(time.Hour), AnyValue, 0)
		if err != nil || len(srcs) != 3 {
			t.Errorf("all sources: %+v %v", srcs, err)
		}
		at, ok, err := tx.LotReadingAt(ctx, lot, wire.Temperature, at0, at0.Add(5*time.Minute), true)
		if err != nil || !ok || at.Sensor != "gw-a/t1" || at.Location != "truck-1" {
			t.Errorf("warmest reading: %+v %v %v", at, ok, err)
		}
		at, _, _ = tx.LotReadingAt(ctx, lot, wire.Temperature, at0.Add(time.Minute), at0.Add(5*time.Minute), true)
		if at.Sensor != "gw-b/t2" {
			t.Errorf("warmest reading from minute 1: %+v", at)
		}
		at, _, _ = tx.LotReadingAt(ctx, lot, wire.Temperature, at0, at0.Add(5*time.Minute), false)
		if at.Sensor != "gw-b/t3" {
			t.Errorf("coldest reading: %+v", at)
		}
		site, loc, err := tx.LotPlace(ctx, lot)
		if err != nil || site != "site-1" || loc != "room-1" {
			t.Errorf("lot place %s %s %v", site, loc, err)
		}
		return nil
	})
}

// Excursions recorded before the engine keep what they had and gain its fields.
func TestUpgradeGivesOldExcursionsTheirEvidence(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	v := 0
	for i, m := range migrations {
		if strings.Contains(m, "CREATE TABLE lot_rules") {
			v = i + 1
		}
	}
	old, err := open(ctx, path, v-1)
	if err != nil {
		t.Fatal(err)
	}
	_, err = old.w.ExecContext(ctx, `
INSERT INTO lots (id, key, gtin, lot, status_changed, site, location, first_seen, last_seen)
VALUES (1, '(01)09506000134352(10)L1', '09506000134352', 'L1', ?1, 'site-1', 'room-1', ?1, ?1);
INSERT INTO excursions (id, lot_id, rule, site, location, sensor, began, detected, ended, peak, limit_value, delay_seconds)
VALUES (1, 1, 'high_limit', 'site-1', 'room-1', 't1', ?1, ?2, ?3, 9, 8, 60)`, micros(at0), micros(at0.Add(time.Minute)), micros(at0.Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	old.Close()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	list, err := s.LotExcursions(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Kind != "high" || list[0].Ref != "" || list[0].BeyondSeconds != 3600 ||
		!list[0].Closed.Equal(at0.Add(time.Hour)) || fmt.Sprint(list[0].Locations, list[0].Sensors) != "[room-1] [t1]" {
		t.Fatalf("old excursion after the upgrade: %+v", list)
	}
}
