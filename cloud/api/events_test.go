package api

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lotsense/lotsense/cloud/store"
	"github.com/lotsense/lotsense/gateway/wire"
)

// dockDay is a morning at two dock doors: a pallet of A1 and B2 received into
// cold-room-1, three tags of no known lot, A1 shipped from cold-room-1, and a sensor
// going offline (seqs 1 to 4, in that order).
func dockDay(e *env) {
	e.events(1,
		portal(store.EventReceiving, "dock-1", "cold-room-1", 0, 4, "A1", "B2"),
		unassigned(store.EventPortalSeen, "dock-1", time.Minute, 3),
		portal(store.EventShipping, "dock-2", "cold-room-1", time.Hour, 2, "A1"),
		wire.Event{Time: t0.Add(2 * time.Hour), Type: store.EventSensorOffline, Location: "cold-room-1",
			Attrs: map[string]string{"sensor": "cr1-t1"}})
}

func seqs(evs []store.Event) []uint64 {
	var out []uint64
	for _, ev := range evs {
		out = append(out, ev.Seq)
	}
	return out
}

func TestEvents(t *testing.T) {
	e := newEnv(t, Options{})
	dockDay(e)

	var evs []store.Event
	e.get("/api/events", &evs)
	if !slices.Equal(seqs(evs), []uint64{4, 3, 2, 1}) {
		t.Fatalf("events %+v, want seqs 4, 3, 2, 1 (newest first)", evs)
	}
	recv := evs[3]
	if recv.Site != "plant-1" || recv.Gateway != "gw-1" || recv.Type != "receiving" || recv.Location != "dock-1" ||
		recv.Direction != "in" || !recv.Synced || !recv.Time.Equal(t0) ||
		!slices.Equal(recv.Lots, []string{lotKey("A1"), lotKey("B2")}) || len(recv.EPCs) != 2 ||
		recv.Attrs["inside"] != "cold-room-1" || recv.Attrs["tags"] != "4" {
		t.Errorf("receiving event = %+v", recv)
	}
	if u := evs[2]; u.Attrs["unassigned"] != "true" || len(u.Lots) != 0 || len(u.EPCs) != 3 || u.Direction != "" {
		t.Errorf("unassigned event = %+v", u)
	}

	for _, tc := range []struct {
		query string
		want  []uint64
	}{
		{"type=shipping", []uint64{3}},
		{"type=receiving,shipping,portal_seen", []uint64{3, 2, 1}},
		{"type=receiving,shipping,portal_seen&limit=2", []uint64{3, 2}},
		{"type=receiving,receiving", []uint64{1}},
		{"location=dock-1", []uint64{2, 1}},
		{"location=dock-1&type=shipping", nil},
		{"type=sensor_offline&location=cold-room-1", []uint64{4}},
		{"limit=1", []uint64{4}},
	} {
		evs = nil
		e.get("/api/events?"+tc.query, &evs)
		if got := seqs(evs); !slices.Equal(got, tc.want) {
			t.Errorf("?%s: seqs %v, want %v", tc.query, got, tc.want)
		}
	}

	_, raw := e.get("/api/events?type=portal_seen", nil)
	for _, field := range []string{`"site":"plant-1"`, `"gateway":"gw-1"`, `"seq":2`, `"lots":[]`, `"epcs":["hex:E28011700000020`,
		`"unassigned":"true"`} {
		if !bytes.Contains(raw, []byte(field)) {
			t.Errorf("events JSON %s lacks %s", raw, field)
		}
	}
	if _, raw := e.get("/api/events?location=dock-9", nil); strings.TrimSpace(string(raw)) != "[]" {
		t.Errorf("no events: %s, want []", raw)
	}
}

// A lot's detail lists its passes through dock doors, newest first; ingest put the
// lot where the last of them left it.
func TestLotMovements(t *testing.T) {
	e := newEnv(t, Options{})
	dockDay(e)

	var d lotDetail
	e.get(lotPath(lotKey("A1")), &d)
	if d.Lot.Location != "dock-2" || d.Lot.Site != "plant-1" || !d.Lot.LastSeen.Equal(t0.Add(time.Hour)) {
		t.Errorf("lot A1 = %+v, want last seen leaving through dock-2 at t0+1h", d.Lot)
	}
	if len(d.Movements) != 2 {
		t.Fatalf("movements of A1 = %+v, want 2", d.Movements)
	}
	want := []store.Movement{
		{Site: "plant-1", Gateway: "gw-1", Seq: 3, Time: t0.Add(time.Hour), Type: "shipping", Door: "dock-2", Inside: "cold-room-1",
			Direction: "out", ReadPoint: "urn:epc:id:sgln:9506000.00001.dock-2", Tags: 2},
		{Site: "plant-1", Gateway: "gw-1", Seq: 1, Time: t0, Type: "receiving", Door: "dock-1", Inside: "cold-room-1",
			Direction: "in", ReadPoint: "urn:epc:id:sgln:9506000.00001.dock-1", Tags: 4},
	}
	for i := range want {
		if d.Movements[i] != want[i] {
			t.Errorf("movement %d = %+v, want %+v", i, d.Movements[i], want[i])
		}
	}
	e.get(lotPath(lotKey("B2")), &d)
	if d.Lot.Location != "cold-room-1" || len(d.Movements) != 1 || d.Movements[0].Seq != 1 {
		t.Errorf("lot B2 = %+v with movements %+v, want in cold-room-1 after the receiving", d.Lot, d.Movements)
	}

	e.get(lotPath(lotKey("A1"))+"?movements=1", &d)
	if len(d.Movements) != 1 || d.Movements[0].Seq != 3 {
		t.Errorf("movements=1: %+v, want the shipping only", d.Movements)
	}
	_, raw := e.get(lotPath(lotKey("A1")), nil)
	for _, field := range []string{`"movements":[{`, `"door":"dock-2"`, `"inside":"cold-room-1"`, `"direction":"out"`,
		`"read_point":"urn:epc:id:sgln:9506000.00001.dock-2"`, `"tags":2`} {
		if !bytes.Contains(raw, []byte(field)) {
			t.Errorf("lot JSON %s lacks %s", raw, field)
		}
	}
}

func TestEventsBadParams(t *testing.T) {
	e := newEnv(t, Options{})
	for _, tc := range []struct{ path, want string }{
		{"/api/events?type=arrival", "receiving, shipping, portal_seen"},
		{"/api/events?type=receiving,,shipping", `"type"`},
		{"/api/events?type=Receiving", `"type"`},
		{"/api/events?location=Dock%201", `"location"`},
		{"/api/events?location=" + strings.Repeat("d", 65), "at most 64"},
		{"/api/events?location=-dock", `"location"`},
		{"/api/events?limit=0", "from 1 to 1000"},
		{"/api/events?limit=1001", `"limit"`},
		{"/api/events?limit=ten", `"limit"`},
		{"/api/lots/x?movements=-1", `"movements"`},
		{"/api/lots/x?movements=10001", "from 0 to 10000"},
	} {
		msg := e.wantStatus(tc.path, http.StatusBadRequest)
		if !strings.Contains(msg, tc.want) {
			t.Errorf("GET %s: error %q does not mention %s", tc.path, msg, tc.want)
		}
	}
	res, _ := e.do(http.MethodPost, "/api/events", struct{}{})
	if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("POST /api/events: %d %s, want a JSON 405", res.StatusCode, res.Header.Get("Content-Type"))
	}
}
