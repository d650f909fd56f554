package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lotsense/lotsense/cloud/auth"
	"github.com/lotsense/lotsense/cloud/store"
	"github.com/lotsense/lotsense/cloud/trace"
	tt "github.com/lotsense/lotsense/cloud/trace/tracetest"
)

// newTraceEnv is an env whose server has a traceability record holding the
// tracetest scenario.
func newTraceEnv(t *testing.T) (*env, *trace.Store) {
	t.Helper()
	tr, err := trace.Open(context.Background(), filepath.Join(t.TempDir(), "trace.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	if err := tt.Record(context.Background(), tr); err != nil {
		t.Fatal(err)
	}
	return newEnv(t, Options{Trace: tr, LotCodes: "{yyyy}-{facility}-{line}-{seq:4}"}), tr
}

func TestTraceAndRecallRoutes(t *testing.T) {
	e, _ := newTraceEnv(t)
	var fw trace.Trace
	if res, body := e.get("/api/trace/forward?lot="+url.QueryEscape(tt.RomaineGTIN+"/"+tt.RomaineL2), &fw); res.StatusCode != 200 {
		t.Fatalf("forward trace: %d %s", res.StatusCode, body)
	}
	if len(fw.Lots) != 2 || fw.Lots[1].Lot.Code != tt.Salad2 || len(fw.Parties) != 2 {
		t.Errorf("forward trace of R-L2: lots %+v parties %+v; want salad lot 2 and two customers", fw.Lots, fw.Parties)
	}
	var rep trace.RecallReport
	if res, body := e.get("/api/recall?lot="+url.QueryEscape(tt.Key(tt.SpinachGTIN, tt.SpinachL1)), &rep); res.StatusCode != 200 {
		t.Fatalf("recall: %d %s", res.StatusCode, body)
	}
	if rep.ShippedTotal["EA"] != 520 || rep.OnHandTotal["EA"] != 80 {
		t.Errorf("recall totals shipped %v on hand %v, want 520 and 80 EA", rep.ShippedTotal, rep.OnHandTotal)
	}
	for path, code := range map[string]int{
		"/api/trace/sideways?lot=" + url.QueryEscape(tt.Key(tt.SaladGTIN, tt.Salad1)): http.StatusBadRequest,
		"/api/trace/forward": http.StatusBadRequest,
		"/api/trace/forward?lot=" + url.QueryEscape(tt.Key(tt.SaladGTIN, "NOPE")): http.StatusNotFound,
		"/api/recall?lot=garbage":                           http.StatusBadRequest,
		"/api/fefo?gtin=" + tt.SaladGTIN + "&quantity=many": http.StatusBadRequest,
		"/api/expiry/losses?month=November":                 http.StatusBadRequest,
	} {
		if res, body := e.do("GET", path, nil); res.StatusCode != code {
			t.Errorf("GET %s: %d %s, want %d", path, res.StatusCode, body, code)
		}
	}
}

// FEFO over HTTP takes hold statuses from the cloud store: a lot on hold there is
// skipped.
func TestFEFORouteSkipsHeldLots(t *testing.T) {
	e, _ := newTraceEnv(t)
	salad2 := tt.Key(tt.SaladGTIN, tt.Salad2)
	e.write(func(ctx context.Context, tx *store.Tx) error {
		id, err := tx.Lot(ctx, salad2, tt.SaladGTIN, tt.Salad2, tt.Site, "cold-room-1", t0)
		if err != nil {
			return err
		}
		_, err = tx.SetLotStatus(ctx, id, "", store.StatusOnHold, "excursion", "test", t0)
		return err
	})
	var p trace.Pick
	if res, body := e.get("/api/fefo?gtin="+tt.SaladGTIN+"&quantity=60&unit=EA&at=2026-11-22", &p); res.StatusCode != 200 {
		t.Fatalf("fefo: %d %s", res.StatusCode, body)
	}
	if len(p.Lines) != 2 || p.Lines[0].Code != tt.Salad1 || p.Lines[0].Take != 50 || p.Lines[1].Code != tt.Salad3 || p.Lines[1].Take != 10 ||
		len(p.Skipped) != 1 || p.Skipped[0].Reason != store.StatusOnHold {
		t.Errorf("pick %+v: want 50 of salad lot 1 then 10 of lot 3, lot 2 skipped on hold", p)
	}
	var near []trace.NearExpiry
	if res, body := e.get("/api/expiry/near?at=2026-11-22&buckets=15,30", &near); res.StatusCode != 200 || len(near) != 3 || near[0].Bucket != 15 {
		t.Errorf("near expiry: %d %s", res.StatusCode, body)
	}
	var losses []trace.ExpiryLoss
	if res, body := e.get("/api/expiry/losses?month=2026-11", &losses); res.StatusCode != 200 || len(losses) != 1 || losses[0].Value != 175 {
		t.Errorf("losses: %d %s", res.StatusCode, body)
	}
}

func TestRecordEventsAndRegistryRoutes(t *testing.T) {
	e, tr := newTraceEnv(t)
	e.user("olga", auth.Operator)
	e.user("vic", auth.Viewer)
	olga, vic := e.newToken("olga", auth.ScopeFull), e.newToken("vic", auth.ScopeFull)

	// A lot code assigned, then a transformation recorded through the API.
	res, body := e.doAs(olga, "POST", "/api/lotcodes", map[string]any{"gtin": tt.SaladGTIN, "facility": "ATL", "line": "3", "source": tt.PackingGLN, "at": "2026-11-22T06:00:00Z"})
	if res.StatusCode != 200 {
		t.Fatalf("assign lot code: %d %s", res.StatusCode, body)
	}
	var assigned struct {
		Lot trace.Lot `json:"lot"`
		Key string    `json:"key"`
	}
	if err := json.Unmarshal(body, &assigned); err != nil || assigned.Lot.Code != "2026-ATL-3-0001" {
		t.Fatalf("assigned %s (%v), want 2026-ATL-3-0001", body, err)
	}
	ev := trace.Event{Type: trace.Transformation, Time: tt.Day(11, 22, 7), Location: tt.PackingGLN,
		Inputs:  []trace.LotQuantity{{GTIN: tt.RomaineGTIN, Lot: tt.RomaineL1, Quantity: 10, Unit: "KGM"}},
		Outputs: []trace.LotQuantity{{GTIN: tt.SaladGTIN, Lot: assigned.Lot.Code, Quantity: 80, Unit: "EA"}}}
	if res, body := e.doAs(vic, "POST", "/api/trace/events", ev); res.StatusCode != http.StatusForbidden {
		t.Errorf("a viewer recording an event: %d %s, want 403", res.StatusCode, body)
	}
	res, body = e.doAs(olga, "POST", "/api/trace/events", map[string]any{"events": []trace.Event{ev}})
	if res.StatusCode != 200 {
		t.Fatalf("record: %d %s", res.StatusCode, body)
	}
	back, err := tr.Trace(context.Background(), trace.Backward, []string{assigned.Key})
	if err != nil || len(back.Lots) != 2 || back.Lots[1].Lot.Code != tt.RomaineL1 {
		t.Errorf("backward trace of the new lot: %+v, %v", back, err)
	}
	var evs []trace.Event
	e.get("/api/trace/events?type=transformation&from=2026-11-22", &evs)
	if len(evs) != 1 || !strings.HasPrefix(evs[0].Source, "api:olga") {
		t.Errorf("recorded events %+v: want the transformation, sourced to olga", evs)
	}
	if res, body := e.doAs(olga, "POST", "/api/trace/events", trace.Event{Type: trace.Transformation, Time: tt.Day(11, 22, 7)}); res.StatusCode != 400 {
		t.Errorf("a transformation without inputs: %d %s, want 400", res.StatusCode, body)
	}
	// Registry: a QA user (root is admin) adds a customer; an operator may not.
	cust := trace.Location{Kind: trace.KindCustomer, Name: "Harbor Deli", MinShelfLifeDays: 7}
	if res, _ := e.doAs(olga, "PUT", "/api/places/0950004000011", cust); res.StatusCode != http.StatusForbidden {
		t.Errorf("operator edits the registry: %d, want 403", res.StatusCode)
	}
	if res, body := e.do("PUT", "/api/places/0950004000011", cust); res.StatusCode != 200 {
		t.Errorf("admin adds a place: %d %s", res.StatusCode, body)
	}
	if res, body := e.do("PUT", "/api/places/0950004000012", cust); res.StatusCode != 400 {
		t.Errorf("a GLN with a bad check digit: %d %s, want 400", res.StatusCode, body)
	}
}

// Issue 8: the cases on a held pallet follow it.
func TestHoldPallet(t *testing.T) {
	e, _ := newTraceEnv(t)
	e.user("qa-anna", auth.QA)
	anna := e.newToken("qa-anna", auth.ScopeFull)
	path := "/api/pallets/" + url.PathEscape(tt.Pallet3) + "/hold"
	if res, body := e.doAs(anna, "POST", path, map[string]string{"reason": "crushed", "password": "wrong"}); res.StatusCode != http.StatusForbidden {
		t.Errorf("unsigned pallet hold: %d %s, want 403", res.StatusCode, body)
	}
	res, body := e.doAs(anna, "POST", path, map[string]string{"reason": "crushed", "password": testPassword})
	if res.StatusCode != 200 {
		t.Fatalf("pallet hold: %d %s", res.StatusCode, body)
	}
	statuses, err := e.st.LotStatuses(context.Background(), []string{tt.Key(tt.SaladGTIN, tt.Salad2), tt.Key(tt.SaladGTIN, tt.Salad1)})
	if err != nil || statuses[tt.Key(tt.SaladGTIN, tt.Salad2)] != store.StatusOnHold || statuses[tt.Key(tt.SaladGTIN, tt.Salad1)] != "" {
		t.Errorf("statuses after holding pallet 3: %v, %v; want salad lot 2 on hold, lot 1 untouched", statuses, err)
	}
	if res, _ := e.doAs(anna, "POST", "/api/pallets/"+url.PathEscape("urn:epc:id:sscc:0614141.1999999999")+"/hold", map[string]string{"reason": "x", "password": testPassword}); res.StatusCode != 404 {
		t.Errorf("an empty pallet: %d, want 404", res.StatusCode)
	}
}

// A capture-scope token (a partner's feed) may send tracking events and nothing else.
func TestCaptureScopeToken(t *testing.T) {
	e, _ := newTraceEnv(t)
	e.user("partner", auth.Operator)
	tok := e.newToken("partner", auth.ScopeCapture)
	ev := trace.Event{Type: trace.Receiving, Time: tt.Day(11, 22, 7), Location: tt.ColdRoomGLN,
		Lots: []trace.LotQuantity{{GTIN: tt.SaladGTIN, Lot: "P-1", Quantity: 5, Unit: "EA"}}}
	if res, body := e.doAs(tok, "POST", "/api/trace/events", ev); res.StatusCode != 200 {
		t.Errorf("capture token records an event: %d %s", res.StatusCode, body)
	}
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/lots"},
		{"GET", "/api/trace/events"},
		{"POST", "/api/lotcodes"},
		{"POST", "/api/alerts/1/ack"},
	} {
		if res, body := e.doAs(tok, c.method, c.path, map[string]any{}); res.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "scope capture") {
			t.Errorf("capture token %s %s: %d %s, want 403 naming the scope", c.method, c.path, res.StatusCode, body)
		}
	}
}
