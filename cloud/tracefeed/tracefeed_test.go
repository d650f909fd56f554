package tracefeed_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"

	"github.com/lotsense/lotsense/cloud/holds"
	"github.com/lotsense/lotsense/cloud/store"
	"github.com/lotsense/lotsense/cloud/trace"
	tt "github.com/lotsense/lotsense/cloud/trace/tracetest"
	"github.com/lotsense/lotsense/cloud/tracefeed"
	"github.com/lotsense/lotsense/gateway/wire"
)

func open(t *testing.T) (*store.Store, *trace.Store) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "lotsense.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tr, err := trace.Open(ctx, filepath.Join(dir, "trace.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	if err := tt.Record(ctx, tr); err != nil {
		t.Fatal(err)
	}
	return st, tr
}

// store events as ingest does: each in the feed once.
func storeEvents(t *testing.T, st *store.Store, first uint64, evs ...wire.Event) {
	t.Helper()
	ctx := context.Background()
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	src, err := tx.Source(ctx, tt.Site, "gw-dock", "epoch-1", tt.Day(11, 1, 0))
	if err != nil {
		t.Fatal(err)
	}
	for i := range evs {
		for _, key := range evs[i].Lots {
			if _, err := tx.Lot(ctx, key, key[4:18], key[22:], tt.Site, evs[i].Location, evs[i].Time); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := tx.InsertEvent(ctx, src, first+uint64(i), &evs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestGatewayEventsBecomeTrackingEvents(t *testing.T) {
	ctx := context.Background()
	st, tr := open(t)
	salad3 := tt.Key(tt.SaladGTIN, tt.Salad3)
	fresh := tt.Key(tt.SaladGTIN, "20261120-ATL-1-0001")
	storeEvents(t, st, 1,
		// an RFID pass inbound at dock 1 into cold room 1: 12 tags of one lot
		wire.Event{Time: tt.Day(11, 20, 7), Type: "receiving", Location: "dock-1", Direction: "in", Lots: []string{fresh},
			Attrs: map[string]string{"tags": "12", "inside": "cold-room-1", "read_point": "https://id.gs1.org/414/" + tt.DockGLN}},
		// a shipping scan at the dock: 40 units to Metro Foods
		wire.Event{Time: tt.Day(11, 21, 7), Type: "shipping", Location: "dock-1", Direction: "out", Lots: []string{salad3},
			Attrs: map[string]string{"quantity": "40", "ship_to": tt.MetroGLN, "expiry": "2026-12-20"}},
		// refused scans and unknown tags are no tracking events
		wire.Event{Time: tt.Day(11, 21, 8), Type: "scan_rejected", Location: "dock-1", Attrs: map[string]string{"reason": "x"}},
		wire.Event{Time: tt.Day(11, 21, 9), Type: "receiving", Location: "dock-1", EPCs: []string{"urn:epc:id:sgtin:0614141.100001.9"},
			Attrs: map[string]string{"unassigned": "true"}},
	)
	f := tracefeed.New(st, tr, slog.New(slog.DiscardHandler))
	if err := f.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	var got []*trace.Event
	if err := tr.Events(ctx, trace.EventFilter{From: tt.Day(11, 20, 0), Types: []string{trace.Receiving, trace.Shipping}}, func(e *trace.Event) error {
		got = append(got, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d tracking events from the gateway, want 2: %+v", len(got), got)
	}
	r, s := got[0], got[1]
	if r.Type != trace.Receiving || r.Location != tt.ColdRoomGLN || r.ReadPoint != tt.DockGLN || r.ShipTo != tt.SiteGLN ||
		len(r.Lots) != 1 || r.Lots[0].Quantity != 12 || r.Source != "gateway:acme-atl/gw-dock" || r.BizStep != "receiving" {
		t.Errorf("receiving %+v", r)
	}
	if s.Type != trace.Shipping || s.ShipFrom != tt.SiteGLN || s.ShipTo != tt.MetroGLN || s.Lots[0].Quantity != 40 || s.Lots[0].Unit != "EA" {
		t.Errorf("shipping %+v", s)
	}
	// The ledger followed: salad lot 3 had 100 on hand, 40 shipped.
	if stock, err := tr.OnHand(ctx, []string{salad3}); err != nil || len(stock) != 1 || stock[0].Quantity != 60 {
		t.Errorf("salad lot 3 on hand %+v, %v; want 60", stock, err)
	}
	// A replay (a follower restarted before its cursor moved) records nothing twice.
	n, err := tr.RecordAll(ctx, got)
	if err != nil || n != 0 {
		t.Errorf("replay recorded %d, %v", n, err)
	}
	// Stored again later, the same events are not fed again.
	if err := f.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if stock, _ := tr.OnHand(ctx, []string{salad3}); len(stock) != 1 || stock[0].Quantity != 60 {
		t.Errorf("after a second catch-up, salad lot 3 on hand %+v; want 60", stock)
	}
}

// Issue 8: a hold on a lot reaches every lot made from it, and is recorded as a
// disposition event; lots not made from it keep their status.
func TestHoldReachesLotsMadeFromIt(t *testing.T) {
	ctx := context.Background()
	st, tr := open(t)
	romaine := tt.Key(tt.RomaineGTIN, tt.RomaineL2)
	salad1, salad2 := tt.Key(tt.SaladGTIN, tt.Salad1), tt.Key(tt.SaladGTIN, tt.Salad2)
	storeEvents(t, st, 1, wire.Event{Time: tt.Day(11, 2, 6), Type: "receiving", Location: "dock-1", Lots: []string{romaine}, Attrs: map[string]string{"inside": "cold-room-1"}})
	f := tracefeed.New(st, tr, slog.New(slog.DiscardHandler))
	if err := f.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := holds.Decide(ctx, st, holds.Decision{Lot: romaine, To: store.StatusOnHold, Reason: "excursion in cold room 1", Actor: "qa-anna", At: tt.Day(11, 22, 8)}); err != nil {
		t.Fatal(err)
	}
	if err := f.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	statuses, err := st.LotStatuses(ctx, []string{romaine, salad1, salad2})
	if err != nil {
		t.Fatal(err)
	}
	if statuses[romaine] != store.StatusOnHold || statuses[salad2] != store.StatusOnHold || statuses[salad1] == store.StatusOnHold {
		t.Fatalf("statuses %v: want romaine R-L2 and salad lot 2 (made from it) on hold, salad lot 1 not", statuses)
	}
	l, err := st.LotByKey(ctx, salad2)
	if err != nil || l.Site != tt.Site {
		t.Errorf("salad lot 2 in the store: %+v, %v; want it at %s so the hold list reaches the site", l, err, tt.Site)
	}
	hist, err := st.LotHistory(ctx, l.ID)
	if err != nil || len(hist) != 1 || hist[0].Actor != tracefeed.ActorPropagation || hist[0].Reason != "made from "+romaine+", on hold: excursion in cold room 1" {
		t.Errorf("salad lot 2 history %+v, %v", hist, err)
	}
	lists, err := st.HoldLists(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var held []string
	for _, hl := range lists {
		if hl.Site == tt.Site {
			held = hl.Lots
		}
	}
	if !slices.Contains(held, salad2) || !slices.Contains(held, romaine) {
		t.Errorf("hold list of %s: %q; want both held lots", tt.Site, held)
	}
	// Both holds are disposition events in the record.
	var disp []string
	if err := tr.Events(ctx, trace.EventFilter{Types: []string{trace.Disposition}}, func(e *trace.Event) error {
		disp = append(disp, e.Lots[0].Lot+" "+e.Disposition+" "+e.Source)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{tt.RomaineL2 + " non_sellable_other holds:qa-anna", tt.Salad2 + " non_sellable_other holds:" + tracefeed.ActorPropagation}
	slices.Sort(disp)
	slices.Sort(want)
	if !slices.Equal(disp, want) {
		t.Errorf("disposition events %q, want %q", disp, want)
	}
	// Destroying the salad lot takes its 30 on hand out of stock.
	if _, err := holds.Decide(ctx, st, holds.Decision{Lot: salad2, To: store.StatusDestroyed, Reason: "unsafe", Actor: "qa-anna", At: tt.Day(11, 22, 9)}); err != nil {
		t.Fatal(err)
	}
	if err := f.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if stock, err := tr.OnHand(ctx, []string{salad2}); err != nil || len(stock) != 0 {
		t.Errorf("salad lot 2 on hand after destruction: %+v, %v; want none", stock, err)
	}
}
