package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotsense/lotsense/cloud/store"
	"github.com/lotsense/lotsense/gateway/wire"
	"github.com/lotsense/lotsense/rules"
)

const readPoint = "urn:epc:id:sgln:0614141.00001.dock1"

// eventMsg is an event batch of gateway gw-1 (outbox e1) from sequence first.
func eventMsg(t *testing.T, first uint64, evs ...wire.Event) Message {
	t.Helper()
	p, err := json.Marshal(wire.EventBatch{V: 1, Header: wire.Header{Site: "site-1", Gateway: "gw-1", Boot: "b1", Epoch: "e1", FirstSeq: first}, Events: evs})
	if err != nil {
		t.Fatal(err)
	}
	return Message{Topic: wire.Topic("site-1", "gw-1", wire.KindEvents), Payload: p, Received: t0}
}

func receiving(at time.Time, door, inside string, tags int, lots ...string) wire.Event {
	e := wire.Event{Time: at, Type: "receiving", Location: door, Lots: lots, Direction: "in",
		EPCs:  []string{"urn:epc:id:sgtin:0614141.812345.6789"},
		Attrs: map[string]string{"read_point": readPoint, "tags": strconv.Itoa(tags), "unassigned": "0"}}
	if inside != "" {
		e.Attrs["inside"] = inside
	}
	return e
}

func shipping(at time.Time, door, inside string, tags int, lots ...string) wire.Event {
	e := receiving(at, door, inside, tags, lots...)
	e.Type, e.Direction = "shipping", "out"
	return e
}

// lotAt checks where the store says lot key is and when it was last seen.
func lotAt(t *testing.T, st *store.Store, key, location string, seen time.Time) store.Lot {
	t.Helper()
	l, err := st.LotByKey(context.Background(), key)
	if err != nil {
		t.Fatalf("lot %s: %v", key, err)
	}
	if l.Location != location || !l.LastSeen.Equal(seen) || l.Site != "site-1" {
		t.Errorf("lot %s at %s/%s last seen %v; want site-1/%s at %v", key, l.Site, l.Location, l.LastSeen, location, seen)
	}
	return l
}

func movements(t *testing.T, st *store.Store, l store.Lot) []store.Movement {
	t.Helper()
	ms, err := st.LotMovements(context.Background(), l.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// A pallet received into a cold room, then part of it shipped through another door:
// the lots exist, are where the events left them, and have one movement per event,
// however often the batches are delivered.
func TestPortalEventsMoveLots(t *testing.T) {
	ctx := context.Background()
	in, st := newIngester(t, filepath.Join(t.TempDir(), "c.db"))
	recv := eventMsg(t, 1,
		receiving(t0, "dock-1", "cold-room-1", 3, lotA, lotB),
		receiving(t0.Add(time.Minute), "dock-3", "", 1, lotC)) // a door with nothing configured behind it
	if err := in.Process(ctx, []Message{recv, recv}); err != nil {
		t.Fatal(err)
	}
	if err := in.Process(ctx, []Message{recv}); err != nil { // redelivered later
		t.Fatal(err)
	}
	a := lotAt(t, st, lotA, "cold-room-1", t0)
	lotAt(t, st, lotB, "cold-room-1", t0)
	lotAt(t, st, lotC, "dock-3", t0.Add(time.Minute))
	if a.GTIN != "09506000134352" || a.Lot != "L-A" || a.Status != store.StatusReleased {
		t.Errorf("lot A created as %+v", a)
	}
	ms := movements(t, st, a)
	want := store.Movement{Site: "site-1", Gateway: "gw-1", Seq: 1, Time: t0, Type: "receiving", Door: "dock-1",
		Inside: "cold-room-1", Direction: "in", ReadPoint: readPoint, Tags: 3}
	if len(ms) != 1 || ms[0] != want {
		t.Fatalf("movements of lot A after three deliveries: %+v, want exactly %+v", ms, want)
	}

	ship := eventMsg(t, 3, shipping(t0.Add(time.Hour), "dock-2", "cold-room-1", 2, lotA))
	if err := in.Process(ctx, []Message{ship, ship}); err != nil {
		t.Fatal(err)
	}
	a = lotAt(t, st, lotA, "dock-2", t0.Add(time.Hour)) // it left through dock-2
	lotAt(t, st, lotB, "cold-room-1", t0)               // still inside
	ms = movements(t, st, a)
	if len(ms) != 2 || ms[0].Type != "shipping" || ms[0].Seq != 3 || ms[0].Direction != "out" || ms[0].Inside != "cold-room-1" ||
		ms[0].Tags != 2 || ms[1].Type != "receiving" {
		t.Fatalf("movements of lot A: %+v, want the shipping (seq 3, from cold-room-1) then the receiving", ms)
	}

	// An older pass delivered late (a gateway back online) is recorded but does not
	// move the lot back.
	late := eventMsg(t, 4, wire.Event{Time: t0.Add(30 * time.Minute), Type: "portal_seen", Location: "dock-1",
		Lots: []string{lotA}, Attrs: map[string]string{"read_point": readPoint, "tags": "1", "unassigned": "0"}})
	if err := in.Process(ctx, []Message{late}); err != nil {
		t.Fatal(err)
	}
	a = lotAt(t, st, lotA, "dock-2", t0.Add(time.Hour))
	if ms = movements(t, st, a); len(ms) != 3 || ms[1].Type != "portal_seen" || ms[1].Direction != "" || ms[1].Door != "dock-1" {
		t.Fatalf("movements of lot A: %+v, want the late portal_seen between the shipping and the receiving", ms)
	}
	evs, err := st.Events(ctx, store.EventFilter{Limit: 10})
	if err != nil || len(evs) != 4 {
		t.Fatalf("events %+v, %v; want the 4 events once each", evs, err)
	}
}

// Tags that belong to no known lot make an event that is kept but creates no lot and
// no movement.
func TestUnassignedPortalEventCreatesNoLot(t *testing.T) {
	ctx := context.Background()
	in, st := newIngester(t, filepath.Join(t.TempDir(), "c.db"))
	msg := eventMsg(t, 1, wire.Event{Time: t0, Type: "receiving", Location: "dock-1", Direction: "in",
		EPCs:  []string{"hex:E28011700000020A", "urn:epc:id:sgtin:0614141.812345.1", "urn:epc:id:sgtin:0614141.812345.2"},
		Attrs: map[string]string{"read_point": readPoint, "tags": "3", "unassigned": "true"}})
	if err := in.Process(ctx, []Message{msg}); err != nil {
		t.Fatal(err)
	}
	if lots, err := st.Lots(ctx, "", 10); err != nil || len(lots) != 0 {
		t.Fatalf("lots %+v, %v; want none", lots, err)
	}
	evs, err := st.Events(ctx, store.EventFilter{Types: []string{"receiving"}})
	if err != nil || len(evs) != 1 || evs[0].Attrs["unassigned"] != "true" || len(evs[0].EPCs) != 3 {
		t.Fatalf("events %+v, %v; want the unassigned event with its 3 tags", evs, err)
	}
}

// A portal event naming invalid lot keys does not fail its batch: the valid lots move,
// the invalid keys are counted and logged, and the event is kept.
func TestInvalidLotKeyInPortalEvent(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var logs bytes.Buffer
	reg := prometheus.NewRegistry()
	in, err := New(Options{Store: st, Rule: rules.HighLimit{Limit: 8, Delay: 15 * time.Minute},
		Logger: slog.New(slog.NewTextHandler(&logs, nil)), Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	bad := "(01)09506000134353(10)X" // wrong check digit
	msgs := []Message{
		eventMsg(t, 1, receiving(t0.Add(time.Hour), "dock-1", "cold-room-1", 2, bad, lotA, "garbage")),
		{Topic: topicRd, Payload: roomBatch(t, 1, 0, []float64{4}), Received: t0},
	}
	if err := in.Process(ctx, msgs); err != nil {
		t.Fatal(err)
	}
	a := lotAt(t, st, lotA, "cold-room-1", t0.Add(time.Hour))
	if ms := movements(t, st, a); len(ms) != 1 || ms[0].Door != "dock-1" {
		t.Fatalf("movements of lot A: %+v, want the receiving", ms)
	}
	if _, err := st.LotByKey(ctx, bad); err == nil {
		t.Errorf("lot %s created from an invalid key", bad)
	}
	if evs, _ := st.Events(ctx, store.EventFilter{}); len(evs) != 1 || len(evs[0].Lots) != 3 {
		t.Errorf("events %+v, want the event kept as sent", evs)
	}
	if dl, _ := st.DeadLetters(ctx, 10); len(dl) != 0 {
		t.Errorf("dead letters %+v, want none", dl)
	}
	if srcs, _ := st.Sources(ctx); len(srcs) != 1 || srcs[0].Readings != 2 {
		t.Errorf("sources %+v, want the readings of the same group stored", srcs)
	}
	if got := counter(t, reg, "lotsense_ingest_invalid_lot_keys_total"); got != 2 {
		t.Errorf("invalid lot keys counted: %v, want 2", got)
	}
	if got := counter(t, reg, "lotsense_lot_movements_total"); got != 1 {
		t.Errorf("movements counted: %v, want 1", got)
	}
	for _, key := range []string{bad, "garbage"} {
		if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), key) {
			t.Errorf("log %q does not warn about %s", logs.String(), key)
		}
	}
}

// counter returns the value of the counter name (without labels) in reg.
func counter(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no counter %s", name)
	return 0
}
