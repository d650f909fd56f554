package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lotsense/lotsense/cloud/store"
	"github.com/lotsense/lotsense/gateway/wire"
)

func TestNewNeedsStore(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Fatal("New without a store: no error")
	}
}

func TestLots(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.lot("A1", "cold-room-1", 0)
	e.lot("B2", "dock-3", time.Minute)
	e.hold(a, "excursion")
	e.excursion(a)

	var lots []store.Lot
	e.get("/api/lots", &lots)
	if len(lots) != 2 || lots[0].Key != lotKey("B2") || lots[1].Key != lotKey("A1") {
		t.Fatalf("lots = %+v, want B2 then A1 (most recently seen first)", lots)
	}
	held := lots[1]
	if held.Status != store.StatusOnHold || held.StatusReason != "excursion" || held.GTIN != testGTIN ||
		held.Lot != "A1" || held.Location != "cold-room-1" || held.OpenExcursions != 1 {
		t.Errorf("held lot = %+v", held)
	}

	e.get("/api/lots?status=on_hold", &lots)
	if len(lots) != 1 || lots[0].Key != lotKey("A1") {
		t.Errorf("on_hold lots = %+v", lots)
	}
	e.get("/api/lots?limit=1", &lots)
	if len(lots) != 1 {
		t.Errorf("limit=1: %d lots", len(lots))
	}

	// The JSON uses the API's names: "id" is the lot key.
	_, raw := e.get("/api/lots?status=on_hold", nil)
	for _, field := range []string{`"id":"(01)09506000134352(10)A1"`, `"status":"on_hold"`, `"open_excursions":1`} {
		if !bytes.Contains(raw, []byte(field)) {
			t.Errorf("lots JSON %s lacks %s", raw, field)
		}
	}
}

func TestLotsEmptyIsArray(t *testing.T) {
	e := newEnv(t, Options{})
	if _, raw := e.get("/api/lots", nil); strings.TrimSpace(string(raw)) != "[]" {
		t.Errorf("no lots: %s, want []", raw)
	}
}

func TestBadParams(t *testing.T) {
	e := newEnv(t, Options{})
	for _, tc := range []struct{ path, want string }{
		{"/api/lots?limit=abc", `"limit"`},
		{"/api/lots?limit=0", "from 1 to 5000"},
		{"/api/lots?limit=5001", `"limit"`},
		{"/api/lots?status=lost", "on_hold"},
		{"/api/lots/x?readings=-1", `"readings"`},
		{"/api/lots/x?readings=10001", "from 0 to 10000"},
		{"/api/alerts?limit=1.5", `"limit"`},
		{"/api/alerts?state=closed", `"state"`},
		{"/api/deadletters?limit=100000", `"limit"`},
		{"/api/alerts/stream?since=yesterday", `"since"`},
	} {
		msg := e.wantStatus(tc.path, http.StatusBadRequest)
		if !strings.Contains(msg, tc.want) {
			t.Errorf("GET %s: error %q does not mention %s", tc.path, msg, tc.want)
		}
	}
}

func TestLotDetail(t *testing.T) {
	e := newEnv(t, Options{})
	id := e.lot("A1", "cold-room-1", 0)
	e.readings(id, 5)
	exc := e.excursion(id)
	e.hold(id, "excursion on cr1-t1")

	var d struct {
		Lot        store.Lot            `json:"lot"`
		Readings   []store.Reading      `json:"readings"`
		Excursions []store.Excursion    `json:"excursions"`
		History    []store.StatusChange `json:"history"`
	}
	e.get(lotPath(lotKey("A1")), &d)
	if d.Lot.Key != lotKey("A1") || d.Lot.Status != store.StatusOnHold {
		t.Errorf("lot = %+v", d.Lot)
	}
	if len(d.Readings) != 5 || d.Readings[0].Value != 6 || d.Readings[4].Value != 2 {
		t.Fatalf("readings = %+v, want 5, newest (6 °C) first", d.Readings)
	}
	if r := d.Readings[0]; r.Quantity != "temperature" || r.Unit != "Cel" || r.Gateway != "gw-1" || r.Quality != "good" {
		t.Errorf("reading = %+v", r)
	}
	if len(d.Excursions) != 1 || d.Excursions[0].ID != exc || d.Excursions[0].Ended != nil || d.Excursions[0].Peak != 11.5 {
		t.Errorf("excursions = %+v", d.Excursions)
	}
	if len(d.History) != 1 || d.History[0].From != store.StatusReleased || d.History[0].To != store.StatusOnHold {
		t.Errorf("history = %+v", d.History)
	}

	e.get(lotPath(lotKey("A1"))+"?readings=2", &d)
	if len(d.Readings) != 2 || d.Readings[0].Value != 6 {
		t.Errorf("readings=2: %+v", d.Readings)
	}
	e.get(lotPath(lotKey("A1"))+"?readings=0", &d)
	if len(d.Readings) != 0 {
		t.Errorf("readings=0: %+v", d.Readings)
	}
}

func TestLotDetailEmptyListsAreArrays(t *testing.T) {
	e := newEnv(t, Options{})
	e.lot("A1", "dock-1", 0)
	_, raw := e.get(lotPath(lotKey("A1")), nil)
	for _, field := range []string{`"readings":[]`, `"excursions":[]`, `"history":[]`, `"movements":[]`} {
		if !bytes.Contains(raw, []byte(field)) {
			t.Errorf("lot JSON %s lacks %s", raw, field)
		}
	}
}

func TestLotKeyNeedingEscapes(t *testing.T) {
	e := newEnv(t, Options{})
	for _, code := range []string{"A/1 B", "50%", "X?y#z", "A/../B"} {
		e.lot(code, "dock-1", 0)
		var d struct{ Lot store.Lot }
		path := lotPath(lotKey(code))
		if res, body := e.get(path, &d); res.StatusCode != http.StatusOK || d.Lot.Lot != code || d.Lot.Key != lotKey(code) {
			t.Errorf("GET %s: %d %s, want lot %q", path, res.StatusCode, body, code)
		}
	}
}

func TestUnknownLot(t *testing.T) {
	e := newEnv(t, Options{})
	msg := e.wantStatus(lotPath(lotKey("nope")), http.StatusNotFound)
	if !strings.Contains(msg, "nope") {
		t.Errorf("404 message %q does not name the lot", msg)
	}
	if msg := e.wantStatus("/api/nothing-here", http.StatusNotFound); !strings.Contains(msg, "/api/nothing-here") {
		t.Errorf("404 message %q does not name the path", msg)
	}
}

func TestWrongMethodIsJSON(t *testing.T) {
	e := newEnv(t, Options{})
	res, raw := e.do(http.MethodPost, "/api/lots", struct{}{})
	var body errorBody
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("405 body is not JSON: %v", err)
	}
	if res.StatusCode != http.StatusMethodNotAllowed || !strings.Contains(res.Header.Get("Allow"), "GET") ||
		!strings.Contains(body.Error, "POST") || !strings.Contains(body.Error, "GET") {
		t.Errorf("POST /api/lots: %d, Allow %q, %+v", res.StatusCode, res.Header.Get("Allow"), body)
	}
}

func TestAlerts(t *testing.T) {
	e := newEnv(t, Options{})
	id := e.lot("A1", "cold-room-1", 0)
	first := e.alert(id, "A1 above 8 °C for 30 min")
	second := e.alert(0, "gateway gw-2 offline")

	var list []store.Alert
	e.get("/api/alerts", &list)
	if len(list) != 2 || list[0].ID != second.ID || list[1].ID != first.ID {
		t.Fatalf("alerts = %+v, want newest first", list)
	}
	if a := list[1]; a.Lot != lotKey("A1") || a.State != store.AlertOpen || a.Message != first.Message || !a.FirstSeen.Equal(t0.Add(time.Hour)) {
		t.Errorf("alert = %+v", a)
	}
	e.get("/api/alerts?limit=1", &list)
	if len(list) != 1 || list[0].ID != second.ID {
		t.Errorf("limit=1: %+v", list)
	}
	e.get("/api/alerts?state=resolved", &list)
	if len(list) != 0 {
		t.Errorf("state=resolved: %+v", list)
	}
	e.get("/api/alerts?state=open", &list)
	if len(list) != 2 {
		t.Errorf("state=open: %+v", list)
	}
}

func TestGateways(t *testing.T) {
	e := newEnv(t, Options{})
	err := e.st.SetGatewayStatus(context.Background(), &wire.Status{V: 1, Site: "plant-1", Gateway: "gw-1",
		Boot: "b1", State: "online", Time: t0, Version: "1.2.3", Pending: 7})
	if err != nil {
		t.Fatal(err)
	}
	e.readings(e.lot("A1", "cold-room-1", 0), 3)

	var body struct {
		Gateways []store.Gateway     `json:"gateways"`
		Sources  []store.SourceStats `json:"sources"`
	}
	e.get("/api/gateways", &body)
	if len(body.Gateways) != 1 || body.Gateways[0].Gateway != "gw-1" || body.Gateways[0].State != "online" || body.Gateways[0].Pending != 7 {
		t.Errorf("gateways = %+v", body.Gateways)
	}
	if len(body.Sources) != 1 || body.Sources[0].Readings != 3 || body.Sources[0].MaxSeq != 3 || body.Sources[0].Missing != 0 {
		t.Errorf("sources = %+v", body.Sources)
	}
}

func TestDeadLetters(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := context.Background()
	payload := []byte{0xff, 0x00, 'x'}
	if err := e.st.AddDeadLetter(ctx, "lotsense/v1/plant-1/gw-1/readings", "bad magic", payload, t0); err != nil {
		t.Fatal(err)
	}
	if err := e.st.AddDeadLetter(ctx, "lotsense/v1/plant-1/gw-1/events", "bad json", []byte("{"), t0); err != nil {
		t.Fatal(err)
	}
	var list []store.DeadLetter
	_, raw := e.get("/api/deadletters", &list)
	if len(list) != 2 || list[1].Reason != "bad magic" || !bytes.Equal(list[1].Payload, payload) {
		t.Fatalf("dead letters = %+v", list)
	}
	if !bytes.Contains(raw, []byte(`"payload":"/wB4"`)) {
		t.Errorf("payload not base64 in %s", raw)
	}
	e.get("/api/deadletters?limit=1", &list)
	if len(list) != 1 || list[0].Reason != "bad json" {
		t.Errorf("limit=1: %+v", list)
	}
}

func TestHealthz(t *testing.T) {
	e := newEnv(t, Options{})
	if res, body := e.get("/healthz", nil); res.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "ok" {
		t.Errorf("healthy: %d %q", res.StatusCode, body)
	}
	sick := newEnv(t, Options{Ready: func(context.Context) error { return errors.New("broker unreachable") }})
	if res, body := sick.get("/healthz", nil); res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "broker unreachable") {
		t.Errorf("unhealthy: %d %q", res.StatusCode, body)
	}
}

func TestMetrics(t *testing.T) {
	e := newEnv(t, Options{})
	e.wantStatus("/metrics", http.StatusNotFound)
	metrics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("lotsense_up 1\n"))
	})
	m := newEnv(t, Options{Metrics: metrics})
	if res, body := m.get("/metrics", nil); res.StatusCode != http.StatusOK || string(body) != "lotsense_up 1\n" {
		t.Errorf("metrics: %d %q", res.StatusCode, body)
	}
}

func TestSecurityHeadersEverywhere(t *testing.T) {
	e := newEnv(t, Options{})
	for _, path := range []string{"/", "/assets/app.js", "/api/lots", "/api/lots/x", "/healthz", "/nope"} {
		res, _ := e.get(path, nil)
		if got := res.Header.Get("Content-Security-Policy"); got != "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'" {
			t.Errorf("%s: Content-Security-Policy %q", path, got)
		}
		if got := res.Header.Get("X-Frame-Options"); got != "DENY" {
			t.Errorf("%s: X-Frame-Options %q", path, got)
		}
		if got := res.Header.Get("Strict-Transport-Security"); got != "" {
			t.Errorf("%s: HSTS %q over plain HTTP (browsers ignore it there; only HTTPS sends it)", path, got)
		}
		if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", path, got)
		}
	}
}

func TestRequestsLoggedAtDebug(t *testing.T) {
	var buf bytes.Buffer
	e := newEnv(t, Options{Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	// Served in this goroutine, so the log line is written when ServeHTTP returns.
	rec := httptest.NewRecorder()
	e.api.ServeHTTP(rec, e.authorize(httptest.NewRequest(http.MethodGet, "/api/lots?limit=x", nil)))
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("status %d", rec.Code)
	}
	if got := buf.String(); !strings.Contains(got, "level=DEBUG") || !strings.Contains(got, "path=/api/lots") || !strings.Contains(got, "status=400") {
		t.Errorf("log = %q", got)
	}
}
