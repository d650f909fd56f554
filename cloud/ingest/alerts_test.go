package ingest

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lotsense/lotsense/cloud/alerts"
	"github.com/lotsense/lotsense/cloud/store"
	"github.com/lotsense/lotsense/gateway/wire"
)

// follow wires a hub to the store as the service does and returns its live events.
func follow(t *testing.T, st *store.Store) <-chan store.AlertEvent {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	hub := alerts.NewHub(64)
	st.OnAlertEvents(hub.Wake)
	live, unsub := hub.Subscribe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		hub.Follow(ctx, st, alerts.FollowOptions{Every: time.Hour, Logger: slog.New(slog.DiscardHandler)})
	}()
	t.Cleanup(func() { cancel(); <-done; unsub() })
	return live
}

// alarms returns gateway gw-1's alarm batch numbered from first.
func alarms(t *testing.T, first uint64, as ...wire.Alarm) Message {
	t.Helper()
	p, err := json.Marshal(wire.AlarmBatch{V: 1, Header: wire.Header{Site: "site-1", Gateway: "gw-1", Boot: "b1", Epoch: "e1", FirstSeq: first},
		Alarms: as})
	if err != nil {
		t.Fatal(err)
	}
	return Message{Topic: wire.Topic("site-1", "gw-1", wire.KindAlarms), Payload: p, Received: t0}
}

func process(t *testing.T, in *Ingester, msgs ...Message) {
	t.Helper()
	if err := in.Process(context.Background(), msgs); err != nil {
		t.Fatal(err)
	}
}

func listAlerts(t *testing.T, st *store.Store, f store.AlertFilter) []store.Alert {
	t.Helper()
	list, err := st.Alerts(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// A held lot leaving through a door (the gateway's held_lot_shipped alarm) raises a
// critical alert per lot with the door; the alarm delivered again changes nothing; the
// same lot leaving again updates its alert.
func TestHeldLotShippedAlarmRaisesCriticalAlerts(t *testing.T) {
	in, st := newIngester(t, filepath.Join(t.TempDir(), "c.db"))
	live := follow(t, st)
	shipped := func(lots ...string) wire.Alarm {
		return wire.Alarm{Time: t0, Synced: true, Kind: "held_lot_shipped", State: "raised", Severity: "critical",
			Location: "dock-1", Lots: lots, Message: "2 tag(s) of lot(s) on hold left through dock-1"}
	}
	first := alarms(t, 1, shipped(lotA, lotB))
	process(t, in, first, first)
	list := listAlerts(t, st, store.AlertFilter{})
	if len(list) != 2 {
		t.Fatalf("%d alerts, want 2 (one per held lot): %+v", len(list), list)
	}
	for _, a := range list {
		if a.Kind != store.KindHeldLotShipped || a.Severity != store.SeverityCritical || a.Location != "dock-1" ||
			a.Gateway != "gw-1" || a.Site != "site-1" || (a.Lot != lotA && a.Lot != lotB) || a.Count != 1 ||
			!strings.Contains(a.Message, a.Lot) || !strings.Contains(a.Message, "dock-1") {
			t.Errorf("alert %+v", a)
		}
	}
	process(t, in, alarms(t, 2, shipped(lotA)))
	list = listAlerts(t, st, store.AlertFilter{})
	if len(list) != 2 || list[0].Count+list[1].Count != 3 {
		t.Fatalf("after lot A left again: %+v, want its alert counted twice", list)
	}
	var actions []string
	for range 3 {
		select {
		case e := <-live:
			actions = append(actions, e.Action)
		case <-time.After(5 * time.Second):
			t.Fatalf("live events %v, want 3", actions)
		}
	}
	if strings.Join(actions, " ") != "opened opened updated" {
		t.Errorf("live events %v, want opened opened updated", actions)
	}
}

// Outbox budget alarms: refusing is critical (readings are lost), thinned a warning;
// the gateway clearing them resolves their alerts.
func TestOutboxAlarmsRaiseAndClearAlerts(t *testing.T) {
	in, st := newIngester(t, filepath.Join(t.TempDir(), "c.db"))
	alarm := func(kind, state string) wire.Alarm {
		return wire.Alarm{Time: t0, Kind: kind, State: state, Severity: "warning", Message: "outbox budget: " + kind + " " + state}
	}
	process(t, in, alarms(t, 1, alarm("outbox_refusing", "raised"), alarm("outbox_thinned", "raised")))
	list := listAlerts(t, st, store.AlertFilter{State: store.AlertOpen})
	sev := map[string]string{}
	for _, a := range list {
		if a.Gateway != "gw-1" || !strings.Contains(a.Message, "site-1/gw-1") {
			t.Errorf("alert %+v, want gateway gw-1 named", a)
		}
		sev[a.Kind] = a.Severity
	}
	if len(list) != 2 || sev["outbox_refusing"] != store.SeverityCritical || sev["outbox_thinned"] != store.SeverityWarning {
		t.Fatalf("open alerts %+v, want outbox_refusing critical and outbox_thinned warning", list)
	}
	process(t, in, alarms(t, 3, alarm("outbox_refusing", "cleared")))
	if open := listAlerts(t, st, store.AlertFilter{State: store.AlertOpen}); len(open) != 1 || open[0].Kind != "outbox_thinned" {
		t.Fatalf("open after refusing cleared: %+v, want outbox_thinned only", open)
	}
	res := listAlerts(t, st, store.AlertFilter{State: store.AlertResolved})
	if len(res) != 1 || res[0].Kind != "outbox_refusing" || res[0].Resolved.By != systemActor ||
		!strings.Contains(res[0].Resolved.Note, "outbox_refusing cleared") {
		t.Fatalf("resolved %+v", res)
	}
}

// A sensor reading again (sensor_online) resolves its sensor_offline alert, not that of
// another sensor in the same room.
func TestSensorOnlineResolvesSensorOffline(t *testing.T) {
	in, st := newIngester(t, filepath.Join(t.TempDir(), "c.db"))
	ev := func(typ, sensor string) wire.Event {
		return wire.Event{Time: t0, Type: typ, Location: "room-1", Attrs: map[string]string{"sensor": sensor, "last_good": "x"}}
	}
	p, _ := json.Marshal(wire.EventBatch{V: 1, Header: wire.Header{Site: "site-1", Gateway: "gw-1", Boot: "b1", Epoch: "e1", FirstSeq: 1},
		Events: []wire.Event{ev("sensor_offline", "th-1"), ev("sensor_offline", "th-2"), ev("sensor_online", "th-1")}})
	process(t, in, Message{Topic: wire.Topic("site-1", "gw-1", wire.KindEvents), Payload: p, Received: t0})
	list := listAlerts(t, st, store.AlertFilter{})
	state := map[string]string{}
	for _, a := range list {
		state[a.Sensor] = a.State
	}
	if len(list) != 2 || state["th-1"] != store.AlertResolved || state["th-2"] != store.AlertOpen {
		t.Fatalf("alerts %+v, want th-1 resolved and th-2 open", list)
	}
}

// An excursion that ends resolves its alert; the lot stays on hold, and so does its
// lot_on_hold alert.
func TestExcursionEndResolvesItsAlert(t *testing.T) {
	in, st := newIngester(t, filepath.Join(t.TempDir(), "c.db"))
	process(t, in, Message{Topic: topicRd, Payload: roomBatch(t, 1, 0, warming(30)), Received: t0})
	cool := []float64{6, 5}
	process(t, in, Message{Topic: topicRd, Payload: roomBatch(t, 61, 30, cool), Received: t0})
	exc := listAlerts(t, st, store.AlertFilter{Kind: store.KindExcursion})
	if len(exc) != 2 {
		t.Fatalf("excursion alerts %+v, want 2", exc)
	}
	for _, a := range exc {
		if a.State != store.AlertResolved || a.Resolved.By != systemActor || !strings.Contains(a.Resolved.Note, "excursion ended") {
			t.Errorf("excursion alert %+v (resolved %+v), want resolved by ingest", a, a.Resolved)
		}
	}
	if held := listAlerts(t, st, store.AlertFilter{Kind: store.KindLotOnHold, State: store.AlertOpen}); len(held) != 2 {
		t.Errorf("open lot_on_hold alerts %+v, want 2", held)
	}
}
