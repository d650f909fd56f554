package trace_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lotsense/lotsense/cloud/trace"
	tt "github.com/lotsense/lotsense/cloud/trace/tracetest"
)

// scenario opens a fresh record in each database the conformance suite runs on
// and records the hand-built scenario in it.
func scenario(t *testing.T, fn func(t *testing.T, s *trace.Store)) {
	eachDB(t, func(t *testing.T, s *trace.Store) {
		if err := tt.Record(context.Background(), s); err != nil {
			t.Fatal(err)
		}
		fn(t, s)
	})
}

func keysOf(lots []trace.TraceLot) []string {
	var out []string
	for _, l := range lots {
		out = append(out, fmt.Sprintf("%s/%s@%d<%s", l.Lot.GTIN, l.Lot.Code, l.Depth, strings.Join(l.Via, "+")))
	}
	return out
}

func eventIDs(evs []*trace.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, strings.TrimPrefix(e.EventID, "urn:uuid:6f1c0000-0000-4000-8000-"))
	}
	return out
}

func partyNames(ls []trace.Location) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Name)
	}
	return out
}

func TestTraceForwardThroughTransformation(t *testing.T) {
	scenario(t, func(t *testing.T, s *trace.Store) {
		got, err := s.Trace(context.Background(), trace.Forward, []string{tt.Key(tt.RomaineGTIN, tt.RomaineL2)})
		if err != nil {
			t.Fatal(err)
		}
		wantLots := []string{
			tt.RomaineGTIN + "/" + tt.RomaineL2 + "@0<",
			tt.SaladGTIN + "/" + tt.Salad2 + "@1<" + tt.Key(tt.RomaineGTIN, tt.RomaineL2),
		}
		if !slices.Equal(keysOf(got.Lots), wantLots) {
			t.Errorf("lots %q\nwant %q", keysOf(got.Lots), wantLots)
		}
		// receiving of R-L2, its transformation, pallet 3, shipments to Metro and FreshMart
		if want := []string{"000000000002", "000000000004", "000000000008", "000000000011", "000000000012"}; !slices.Equal(eventIDs(got.Events), want) {
			t.Errorf("events %q, want %q", eventIDs(got.Events), want)
		}
		if want := []string{"FreshMart DC", "Metro Foods"}; !slices.Equal(partyNames(got.Parties), want) {
			t.Errorf("customers %q, want %q", partyNames(got.Parties), want)
		}
		if want := []string{tt.SiteGLN, tt.ColdRoomGLN, tt.DockGLN, tt.PackingGLN, tt.MetroGLN, tt.FreshMartGLN}; !sameSet(got.Locations, want) {
			t.Errorf("locations %q, want %q", got.Locations, want)
		}
	})
}

func TestTraceBackwardToSupplier(t *testing.T) {
	scenario(t, func(t *testing.T, s *trace.Store) {
		got, err := s.Trace(context.Background(), trace.Backward, []string{tt.Key(tt.SaladGTIN, tt.Salad1)})
		if err != nil {
			t.Fatal(err)
		}
		via := tt.Key(tt.SaladGTIN, tt.Salad1)
		wantLots := []string{
			tt.SaladGTIN + "/" + tt.Salad1 + "@0<",
			tt.RomaineGTIN + "/" + tt.RomaineL1 + "@1<" + via,
			tt.SpinachGTIN + "/" + tt.SpinachL1 + "@1<" + via,
		}
		if !sameSet(keysOf(got.Lots), wantLots) || keysOf(got.Lots)[0] != wantLots[0] {
			t.Errorf("lots %q\nwant %q", keysOf(got.Lots), wantLots)
		}
		if want := []string{"Green Farms"}; !slices.Equal(partyNames(got.Parties), want) {
			t.Errorf("suppliers %q, want %q", partyNames(got.Parties), want)
		}
		if !slices.Contains(got.Locations, tt.SupplierGLN) || slices.Contains(got.Locations, tt.MetroGLN) {
			t.Errorf("locations %q: want the supplier, not the customers", got.Locations)
		}
	})
}

func TestRecallReport(t *testing.T) {
	scenario(t, func(t *testing.T, s *trace.Store) {
		r, err := s.Recall(context.Background(), []string{tt.Key(tt.SpinachGTIN, tt.SpinachL1)})
		if err != nil {
			t.Fatal(err)
		}
		var shipped []string
		for _, sh := range r.Shipped {
			shipped = append(shipped, fmt.Sprintf("%s %s %s %g %s ×%d", sh.To, sh.Name, sh.Key, sh.Quantity, sh.Unit, sh.Count))
		}
		s1, s2 := tt.Key(tt.SaladGTIN, tt.Salad1), tt.Key(tt.SaladGTIN, tt.Salad2)
		want := []string{
			tt.FreshMartGLN + " FreshMart DC " + s1 + " 200 EA ×1",
			tt.FreshMartGLN + " FreshMart DC " + s2 + " 50 EA ×1",
			tt.CornerGLN + " Corner Grocer " + s1 + " 150 EA ×1",
			tt.MetroGLN + " Metro Foods " + s2 + " 120 EA ×1",
		}
		slices.Sort(want)
		if !slices.Equal(shipped, want) {
			t.Errorf("shipped\n%s\nwant\n%s", strings.Join(shipped, "\n"), strings.Join(want, "\n"))
		}
		var onHand []string
		for _, st := range r.OnHand {
			onHand = append(onHand, fmt.Sprintf("%s %s %s %g %s", st.Key, st.Site, st.Location, st.Quantity, st.Unit))
		}
		wantOnHand := []string{
			s1 + " acme-atl " + tt.SiteGLN + " 50 EA",
			s2 + " acme-atl " + tt.SiteGLN + " 30 EA",
		}
		if !slices.Equal(onHand, wantOnHand) {
			t.Errorf("on hand %q\nwant %q", onHand, wantOnHand)
		}
		if r.ShippedTotal["EA"] != 520 || r.OnHandTotal["EA"] != 80 || len(r.OnHandTotal) != 1 {
			t.Errorf("totals shipped %v on hand %v, want 520 EA and 80 EA", r.ShippedTotal, r.OnHandTotal)
		}
		if len(r.Lots) != 3 {
			t.Errorf("affected lots %q, want spinach S-L1 and both salad lots made from it", keysOf(r.Lots))
		}
	})
}

func picked(p *trace.Pick) string {
	var parts []string
	for _, l := range p.Lines {
		parts = append(parts, fmt.Sprintf("%s %g (%dd)", l.Code, l.Take, l.DaysLeft))
	}
	for _, sk := range p.Skipped {
		parts = append(parts, fmt.Sprintf("skip %s: %s", sk.Code, sk.Reason))
	}
	return strings.Join(parts, "; ") + fmt.Sprintf("; short %g", p.Short)
}

func TestPickFEFO(t *testing.T) {
	scenario(t, func(t *testing.T, s *trace.Store) {
		ctx := context.Background()
		at := tt.Day(11, 22, 9)
		held := func(_ context.Context, keys []string) (map[string]string, error) {
			out := map[string]string{}
			for _, k := range keys {
				if k == tt.Key(tt.SaladGTIN, tt.Salad2) {
					out[k] = "on_hold"
				}
			}
			return out, nil
		}
		for _, c := range []struct {
			name     string
			req      trace.PickRequest
			statuses trace.LotStatuses
			want     string
		}{
			{"earliest expiry first", trace.PickRequest{GTIN: tt.SaladGTIN, Quantity: 60, Unit: "EA", At: at}, nil,
				tt.Salad2 + " 30 (13d); " + tt.Salad1 + " 30 (18d); short 0"},
			{"held lot skipped", trace.PickRequest{GTIN: tt.SaladGTIN, Quantity: 100, Unit: "EA", At: at}, held,
				tt.Salad1 + " 50 (18d); " + tt.Salad3 + " 50 (28d); skip " + tt.Salad2 + ": on_hold; short 0"},
			{"customer's shelf life", trace.PickRequest{GTIN: tt.SaladGTIN, Quantity: 120, Unit: "EA", At: at, Customer: tt.CornerGLN}, held,
				tt.Salad3 + " 100 (28d); skip " + tt.Salad2 + ": on_hold; skip " + tt.Salad1 + ": 18 days of shelf life left, customer accepts 20 or more; short 20"},
			{"expired lots skipped", trace.PickRequest{GTIN: tt.RomaineGTIN, Quantity: 10, Unit: "KGM", At: at}, nil,
				"skip " + tt.RomaineL1 + ": expired; skip " + tt.RomaineL2 + ": expired; short 10"},
		} {
			t.Run(c.name, func(t *testing.T) {
				p, err := s.PickFEFO(ctx, c.req, c.statuses)
				if err != nil {
					t.Fatal(err)
				}
				if got := picked(p); got != c.want {
					t.Errorf("pick\n got %s\nwant %s", got, c.want)
				}
			})
		}
		if err := s.SetQuarantine(ctx, tt.SaladGTIN, tt.Salad1, true); err != nil {
			t.Fatal(err)
		}
		p, err := s.PickFEFO(ctx, trace.PickRequest{GTIN: tt.SaladGTIN, Quantity: 10, At: at}, held)
		if err != nil {
			t.Fatal(err)
		}
		if want := tt.Salad3 + " 10 (28d); skip " + tt.Salad2 + ": on_hold; skip " + tt.Salad1 + ": quarantined; short 0"; picked(p) != want {
			t.Errorf("pick with a quarantined lot\n got %s\nwant %s", picked(p), want)
		}
		if _, err := s.PickFEFO(ctx, trace.PickRequest{GTIN: "123", Quantity: 1}, nil); !errors.Is(err, trace.ErrInvalid) {
			t.Errorf("pick of a bad GTIN: %v, want ErrInvalid", err)
		}
	})
}

func TestNearExpiryAndLosses(t *testing.T) {
	scenario(t, func(t *testing.T, s *trace.Store) {
		ctx := context.Background()
		near, err := s.NearExpiryStock(ctx, tt.Day(11, 22, 9), []int{15, 30, 60})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, n := range near {
			got = append(got, fmt.Sprintf("%s %g %dd ≤%d", n.Code, n.Quantity, n.DaysLeft, n.Bucket))
		}
		want := []string{tt.Salad2 + " 30 13d ≤15", tt.Salad1 + " 50 18d ≤30", tt.Salad3 + " 100 28d ≤30"}
		if !slices.Equal(got, want) {
			t.Errorf("near expiry %q\nwant %q", got, want)
		}
		losses, err := s.ExpiryLosses(ctx, tt.Day(11, 1, 0))
		if err != nil {
			t.Fatal(err)
		}
		if len(losses) != 1 {
			t.Fatalf("November losses %+v, want one row (romaine; spinach was used up)", losses)
		}
		l := losses[0]
		if l.GTIN != tt.RomaineGTIN || l.Site != tt.Site || l.Lots != 2 || l.Quantity != 70 || l.Unit != "KGM" || !l.Valued || l.Value != 175 || l.Currency != "USD" {
			t.Errorf("November loss %+v, want romaine at acme-atl: 2 lots, 70 KGM worth 175 USD", l)
		}
		if dec, err := s.ExpiryLosses(ctx, tt.Day(10, 1, 0)); err != nil || len(dec) != 0 {
			t.Errorf("October losses %+v, %v: want none", dec, err)
		}
	})
}

func TestPalletContents(t *testing.T) {
	scenario(t, func(t *testing.T, s *trace.Store) {
		ctx := context.Background()
		lots, err := s.LotsOn(ctx, tt.Pallet3)
		if err != nil || len(lots) != 1 || lots[0].Code != tt.Salad2 {
			t.Fatalf("lots on pallet 3: %+v, %v; want salad lot 2", lots, err)
		}
		// Cases by instance: two SGTINs of salad lot 3 go on a new pallet, one comes off.
		case1, case2 := "urn:epc:id:sgtin:0614141.100001.1", "urn:epc:id:sgtin:0614141.100001.2"
		pallet := "urn:epc:id:sscc:0614141.1000000009"
		for _, e := range []*trace.Event{
			{Type: trace.Commissioning, Time: tt.Day(11, 16, 8), Location: tt.PackingGLN, EPCs: []string{case1, case2},
				Lots: []trace.LotQuantity{{GTIN: tt.SaladGTIN, Lot: tt.Salad3}}},
			{Type: trace.Aggregation, Action: trace.ActionAdd, Time: tt.Day(11, 16, 9), Parent: pallet, EPCs: []string{case1, case2}},
		} {
			if _, err := s.Record(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		lots, err = s.LotsOn(ctx, pallet)
		if err != nil || len(lots) != 1 || lots[0].Code != tt.Salad3 {
			t.Fatalf("lots on the case pallet: %+v, %v; want salad lot 3", lots, err)
		}
		if _, err := s.Record(ctx, &trace.Event{Type: trace.Aggregation, Action: trace.ActionDelete, Time: tt.Day(11, 17, 9), Parent: pallet}); err != nil {
			t.Fatal(err)
		}
		if lots, err = s.LotsOn(ctx, pallet); err != nil || len(lots) != 0 {
			t.Errorf("lots on the emptied pallet: %+v, %v; want none", lots, err)
		}
	})
}

func TestRecordIsIdempotent(t *testing.T) {
	scenario(t, func(t *testing.T, s *trace.Store) {
		ctx := context.Background()
		before, err := s.OnHand(ctx, []string{tt.Key(tt.SaladGTIN, tt.Salad1)})
		if err != nil {
			t.Fatal(err)
		}
		n, err := s.RecordAll(ctx, tt.Events())
		if err != nil || n != 0 {
			t.Fatalf("recording the scenario again: %d new, %v; want 0", n, err)
		}
		after, _ := s.OnHand(ctx, []string{tt.Key(tt.SaladGTIN, tt.Salad1)})
		if len(before) != 1 || len(after) != 1 || before[0].Quantity != after[0].Quantity {
			t.Errorf("stock changed by a replay: %+v → %+v", before, after)
		}
		var all []string
		if err := s.Events(ctx, trace.EventFilter{}, func(e *trace.Event) error {
			all = append(all, e.EventID)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(all) != len(tt.Events()) {
			t.Errorf("%d events stored, want %d", len(all), len(tt.Events()))
		}
		got, err := s.Event(ctx, tt.Events()[1].EventID)
		if err != nil || len(got.Sensors) != 1 || *got.Sensors[0].Values[0].Max != 9.4 || got.Documents[1].ID != "78" {
			t.Errorf("event read back: %+v, %v", got, err)
		}
	})
}

func TestEventFilter(t *testing.T) {
	scenario(t, func(t *testing.T, s *trace.Store) {
		var got []string
		err := s.Events(context.Background(), trace.EventFilter{
			From: tt.Day(11, 2, 0), To: tt.Day(11, 5, 8), Types: []string{trace.Shipping, trace.Transformation},
			Lots: []string{tt.Key(tt.SaladGTIN, tt.Salad2)},
		}, func(e *trace.Event) error {
			got = append(got, e.EventID)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"000000000004", "000000000011"}; !slices.Equal(eventIDsOf(got), want) {
			t.Errorf("filtered events %q, want %q", eventIDsOf(got), want)
		}
	})
}

func eventIDsOf(ids []string) []string {
	var out []string
	for _, id := range ids {
		out = append(out, strings.TrimPrefix(id, "urn:uuid:6f1c0000-0000-4000-8000-"))
	}
	return out
}

func TestRefusesBadEvents(t *testing.T) {
	eachDB(t, func(t *testing.T, s *trace.Store) {
		ok := trace.LotQuantity{GTIN: tt.SaladGTIN, Lot: "A1", Quantity: 1, Unit: "EA"}
		now := tt.Day(11, 1, 0)
		for name, c := range map[string]struct {
			e    trace.Event
			want string
		}{
			"unknown type":          {trace.Event{Type: "teleport", Time: now, Lots: []trace.LotQuantity{ok}}, `type "teleport"`},
			"no time":               {trace.Event{Type: trace.Receiving, Lots: []trace.LotQuantity{ok}}, "time missing"},
			"bad GTIN":              {trace.Event{Type: trace.Receiving, Time: now, Lots: []trace.LotQuantity{{GTIN: "10614141000010", Lot: "A"}}}, "lots[0]"},
			"quantity no unit":      {trace.Event{Type: trace.Receiving, Time: now, Lots: []trace.LotQuantity{{GTIN: tt.SaladGTIN, Lot: "A", Quantity: 3}}}, "without a unit"},
			"negative quantity":     {trace.Event{Type: trace.Receiving, Time: now, Lots: []trace.LotQuantity{{GTIN: tt.SaladGTIN, Lot: "A", Quantity: -3, Unit: "EA"}}}, "want a finite number"},
			"transformation no in":  {trace.Event{Type: trace.Transformation, Time: now, Outputs: []trace.LotQuantity{ok}}, "needs inputs and outputs"},
			"aggregation no parent": {trace.Event{Type: trace.Aggregation, Time: now, Lots: []trace.LotQuantity{ok}}, "needs a parent"},
			"bad location":          {trace.Event{Type: trace.Receiving, Time: now, Location: "12345", Lots: []trace.LotQuantity{ok}}, "location"},
			"bad time zone":         {trace.Event{Type: trace.Receiving, Time: now, TimeZone: "CET", Lots: []trace.LotQuantity{ok}}, "time_zone"},
		} {
			t.Run(name, func(t *testing.T) {
				e := c.e
				_, err := s.Record(context.Background(), &e)
				if !errors.Is(err, trace.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
					t.Errorf("error %v, want ErrInvalid mentioning %q", err, c.want)
				}
			})
		}
		var n int
		_ = s.Events(context.Background(), trace.EventFilter{}, func(*trace.Event) error { n++; return nil })
		if n != 0 {
			t.Errorf("%d events stored from refused ones", n)
		}
	})
}

func TestAssignLotCode(t *testing.T) {
	eachDB(t, func(t *testing.T, s *trace.Store) {
		ctx := context.Background()
		p := trace.LotCodePattern("{yyyy}-{facility}-{line}-{seq:4}")
		in := trace.LotCodeInput{GTIN: tt.SaladGTIN, At: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC), Facility: "ATL", Line: "3", Source: tt.PackingGLN}
		// A lot registered by hand takes number 2: the sequence goes around it.
		if err := s.PutLot(ctx, &trace.Lot{GTIN: tt.SaladGTIN, Code: "2026-ATL-3-0002"}); err != nil {
			t.Fatal(err)
		}
		var codes []string
		for range 3 {
			l, err := s.AssignLotCode(ctx, p, in)
			if err != nil {
				t.Fatal(err)
			}
			codes = append(codes, l.Code)
		}
		if want := []string{"2026-ATL-3-0001", "2026-ATL-3-0003", "2026-ATL-3-0004"}; !slices.Equal(codes, want) {
			t.Errorf("codes %q, want %q", codes, want)
		}
		l, err := s.Lot(ctx, tt.SaladGTIN, "2026-ATL-3-0003")
		if err != nil || l.TLCSource != tt.PackingGLN || !l.TLCAssigned.Equal(in.At) {
			t.Errorf("assigned lot %+v, %v: want TLC source %s at %s", l, err, tt.PackingGLN, in.At)
		}
		j, err := s.AssignLotCode(ctx, "{julian}{shift}{seq:3}", trace.LotCodeInput{GTIN: tt.SaladGTIN, At: in.At, Shift: "B"})
		if err != nil || j.Code != "26073B001" {
			t.Errorf("julian code %q, %v; want 26073B001", j.Code, err)
		}
		for _, bad := range []trace.LotCodePattern{"{yyyy}-{facility}", "{seq}{seq}", "{moon}-{seq}", "{seq:99}", "{yyyy"} {
			if _, err := s.AssignLotCode(ctx, bad, in); !errors.Is(err, trace.ErrInvalid) {
				t.Errorf("pattern %q: %v, want ErrInvalid", bad, err)
			}
		}
	})
}

// Codes assigned at once by several stores on one database (cloud replicas) are
// all different.
func TestAssignLotCodeConcurrently(t *testing.T) {
	eachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		stores := make([]*trace.Store, 3)
		for i := range stores {
			s, err := trace.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			stores[i] = s
		}
		var (
			mu    sync.Mutex
			codes = map[string]bool{}
			wg    sync.WaitGroup
			errs  []error
		)
		for i := range 30 {
			wg.Go(func() {
				l, err := stores[i%len(stores)].AssignLotCode(ctx, trace.DefaultLotCodePattern,
					trace.LotCodeInput{GTIN: tt.SaladGTIN, At: tt.Day(11, 22, 9), Facility: "ATL", Line: "1"})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
					return
				}
				codes[l.Code] = true
			})
		}
		wg.Wait()
		if len(errs) > 0 {
			t.Fatal(errs[0])
		}
		if len(codes) != 30 || !codes["20261122-ATL-1-0030"] {
			t.Errorf("%d distinct codes (want 30, up to 20261122-ATL-1-0030)", len(codes))
		}
	})
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// eachDSN runs fn on a fresh empty database of each kind the record supports.
func eachDSN(t *testing.T, fn func(t *testing.T, dsn string)) {
	for _, db := range databases() {
		t.Run(db.name, func(t *testing.T) { fn(t, db.dsn(t)) })
	}
}

// eachDB runs fn on a fresh record in each database.
func eachDB(t *testing.T, fn func(t *testing.T, s *trace.Store)) {
	eachDSN(t, func(t *testing.T, dsn string) {
		s, err := trace.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		fn(t, s)
	})
}

type database struct {
	name string
	dsn  func(t *testing.T) string
}

func sqliteDSN(t *testing.T) string { return filepath.Join(t.TempDir(), "trace.db") }

// The event that makes a lot names its TLC source only when the registry has none.
func TestTLCSourceFromEventsKeepsRegistry(t *testing.T) {
	eachDB(t, func(t *testing.T, s *trace.Store) {
		ctx := context.Background()
		if err := s.PutLot(ctx, &trace.Lot{GTIN: tt.SaladGTIN, Code: "REG-1", TLCSource: tt.SupplierGLN}); err != nil {
			t.Fatal(err)
		}
		for _, code := range []string{"REG-1", "NEW-1"} {
			if _, err := s.Record(ctx, &trace.Event{Type: trace.Commissioning, Time: tt.Day(11, 1, 0), Location: tt.PackingGLN,
				Lots: []trace.LotQuantity{{GTIN: tt.SaladGTIN, Lot: code, Quantity: 5, Unit: "EA"}}}); err != nil {
				t.Fatal(err)
			}
		}
		for code, want := range map[string]string{"REG-1": tt.SupplierGLN, "NEW-1": tt.PackingGLN} {
			if l, err := s.Lot(ctx, tt.SaladGTIN, code); err != nil || l.TLCSource != want {
				t.Errorf("lot %s: TLC source %q (%v), want %s", code, l.TLCSource, err, want)
			}
		}
	})
}

// A filter of many lots (a large recall) is one query, not one condition per lot.
func TestEventFilterManyLots(t *testing.T) {
	scenario(t, func(t *testing.T, s *trace.Store) {
		keys := []string{tt.Key(tt.SaladGTIN, tt.Salad3)}
		for i := range 3000 {
			keys = append(keys, tt.Key(tt.SaladGTIN, fmt.Sprintf("NONE-%d", i)))
		}
		n := 0
		if err := s.Events(context.Background(), trace.EventFilter{Lots: keys}, func(*trace.Event) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("%d events of 3,001 lots (one recorded, with one event), want 1", n)
		}
	})
}
