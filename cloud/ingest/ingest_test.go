package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lotsense/lotsense/cloud/store"
	"github.com/lotsense/lotsense/drivers/gs1"
	"github.com/lotsense/lotsense/gateway/wire"
	"github.com/lotsense/lotsense/rules"
)

var (
	t0      = time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)
	lotA    = gs1.LotKey("09506000134352", "L-A")
	lotB    = gs1.LotKey("09506000134369", "L/B-2")
	lotC    = gs1.LotKey("09506000134376", "L-C")
	topicRd = wire.Topic("site-1", "gw-1", wire.KindReadings)
)

func newIngester(t *testing.T, path string) (*Ingester, *store.Store) {
	t.Helper()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	in, err := New(Options{Store: st, Rule: rules.HighLimit{Limit: 8, Delay: 15 * time.Minute}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return in, st
}

// roomBatch returns readings every minute from minute `from`, `n` of them, for two
// rooms: room-1 (lots A and B) with the given temperatures, room-2 (lot C) at 3 °C.
func roomBatch(t *testing.T, first uint64, from int, temps []float64) []byte {
	t.Helper()
	b := &wire.ReadingBatch{Header: wire.Header{Site: "site-1", Gateway: "gw-1", Boot: "b1", Epoch: "e1", FirstSeq: first}}
	for i, v := range temps {
		at := t0.Add(time.Duration(from+i) * time.Minute)
		b.Readings = append(b.Readings,
			wire.Reading{Time: at, Sensor: "th-1", Location: "room-1", Quantity: wire.Temperature, Value: v, Lots: []string{lotA, lotB}},
			wire.Reading{Time: at, Sensor: "th-2", Location: "room-2", Quantity: wire.Temperature, Value: 3, Lots: []string{lotC}})
	}
	var enc wire.ReadingEncoder
	p, err := enc.Encode(nil, b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func warming(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = 4 + float64(i)*0.5 // crosses 8 °C at minute 9
	}
	return v
}

func TestExcursionHoldsExactlyTheLotsOfTheWarmRoom(t *testing.T) {
	ctx := context.Background()
	in, st := newIngester(t, filepath.Join(t.TempDir(), "c.db"))
	live := follow(t, st)

	payload := roomBatch(t, 1, 0, warming(30))
	msg := Message{Topic: topicRd, Payload: payload, Received: t0}
	if err := in.Process(ctx, []Message{msg}); err != nil {
		t.Fatal(err)
	}
	// The same batch again (QoS 1 redelivery): nothing new.
	if err := in.Process(ctx, []Message{msg, msg}); err != nil {
		t.Fatal(err)
	}
	held, err := st.Lots(ctx, store.StatusOnHold, 100)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, l := range held {
		keys = append(keys, l.Key)
	}
	if strings.Join(keys, " ") != lotA+" "+lotB && strings.Join(keys, " ") != lotB+" "+lotA {
		t.Fatalf("lots on hold %v, want exactly %s and %s", keys, lotA, lotB)
	}
	srcs, err := st.Sources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(srcs) != 1 || srcs[0].Readings != 60 || srcs[0].MaxSeq != 60 || srcs[0].Missing != 0 {
		t.Fatalf("stored readings %+v, want 60 readings with seqs 1..60 once each", srcs)
	}
	for _, kind := range []string{store.KindExcursion, store.KindLotOnHold} {
		al, err := st.Alerts(ctx, store.AlertFilter{Kind: kind})
		if err != nil {
			t.Fatal(err)
		}
		if len(al) != 2 || al[0].Location != "room-1" || al[0].State != store.AlertOpen {
			t.Fatalf("%d %s alerts, want 2 open at room-1 (one per held lot): %+v", len(al), kind, al)
		}
	}
	// Each held lot: lot_on_hold, then the excursion, published live once each.
	var excursions int
	for range 4 {
		select {
		case e := <-live:
			a := e.Alert
			if e.Action != store.ActionOpened || a.Location != "room-1" {
				t.Errorf("live event %+v", e)
			}
			if a.Kind == store.KindExcursion && strings.Contains(a.Message, "put on hold") {
				excursions++
			}
		case <-time.After(5 * time.Second):
			t.Fatal("alert not published to the hub")
		}
	}
	if excursions != 2 {
		t.Errorf("%d excursion alerts published, want 2", excursions)
	}
	lot, err := st.LotByKey(ctx, lotA)
	if err != nil {
		t.Fatal(err)
	}
	exc, err := st.LotExcursions(ctx, lot.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Above 8 from minute 9 (8.5 °C); 15 minutes above at minute 24 (the engine confirms
	// at t − start ≥ delay; rules.HighLimit, which the cloud used before, at minute 25).
	if len(exc) != 1 || !exc[0].Began.Equal(t0.Add(9*time.Minute)) || !exc[0].Detected.Equal(t0.Add(24*time.Minute)) ||
		exc[0].Kind != "high" || exc[0].Ref != "high@2026-11-22T06:09:00Z" || exc[0].Ended != nil || exc[0].Peak != 18.5 ||
		exc[0].BeyondSeconds != 20*60 || exc[0].Location != "room-1" || fmt.Sprint(exc[0].Sensors) != "[gw-1/th-1]" {
		t.Fatalf("excursions %+v, want one begun at minute 9, detected at minute 24, open, peak 18.5, 20 min beyond", exc)
	}
}

// A restart between two batches must not reset the running delay.
func TestRunningDelaySurvivesRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.db")
	in, _ := newIngester(t, path)
	temps := warming(30)
	if err := in.Process(ctx, []Message{{Topic: topicRd, Payload: roomBatch(t, 1, 0, temps[:20]), Received: t0}}); err != nil {
		t.Fatal(err)
	}
	in2, st2 := newIngester(t, path)
	if err := in2.Process(ctx, []Message{{Topic: topicRd, Payload: roomBatch(t, 41, 20, temps[20:]), Received: t0}}); err != nil {
		t.Fatal(err)
	}
	lot, err := st2.LotByKey(ctx, lotA)
	if err != nil {
		t.Fatal(err)
	}
	exc, err := st2.LotExcursions(ctx, lot.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(exc) != 1 || !exc[0].Began.Equal(t0.Add(9*time.Minute)) || lot.Status != store.StatusOnHold {
		t.Fatalf("after restart: status %s, excursions %+v; want on hold with one excursion begun at minute 9", lot.Status, exc)
	}
}

func TestBadPayloadsAreDeadLetteredAndIngestGoesOn(t *testing.T) {
	ctx := context.Background()
	in, st := newIngester(t, filepath.Join(t.TempDir(), "c.db"))
	good := roomBatch(t, 1, 0, []float64{4})
	future, _ := json.Marshal(map[string]any{"v": 2, "site": "site-1", "gateway": "gw-1"})
	bad := []Message{
		{Topic: topicRd, Payload: []byte("garbage"), Received: t0},
		{Topic: topicRd, Payload: []byte{'L', 'R', 9, 0}, Received: t0},
		{Topic: wire.Topic("site-1", "gw-1", wire.KindEvents), Payload: future, Received: t0},
		{Topic: wire.Topic("site-1", "gw-2", wire.KindReadings), Payload: good, Received: t0}, // claims gw-1
		{Topic: "lotsense/v1/site-1/gw-1/holds", Payload: []byte(`{"v":1}`), Received: t0},
		{Topic: topicRd, Payload: good, Received: t0},
	}
	if err := in.Process(ctx, bad); err != nil {
		t.Fatal(err)
	}
	dl, err := st.DeadLetters(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"down topic", "claims gateway site-1/gw-1", "unknown payload version", "unknown payload version", "malformed"}
	if len(dl) != len(want) {
		t.Fatalf("%d dead letters, want %d: %+v", len(dl), len(want), dl)
	}
	for i, w := range want {
		if !strings.Contains(dl[i].Reason, w) {
			t.Errorf("dead letter %d (%s): reason %q, want it to mention %q", i, dl[i].Topic, dl[i].Reason, w)
		}
	}
	if string(dl[len(dl)-1].Payload) != "garbage" {
		t.Errorf("dead letter kept payload %q, want the original bytes", dl[len(dl)-1].Payload)
	}
	srcs, _ := st.Sources(ctx)
	if len(srcs) != 1 || srcs[0].Readings != 2 {
		t.Fatalf("the good batch after the bad ones: %+v, want 2 readings stored", srcs)
	}
}

// A gateway that goes offline raises one alert; the same retained "offline" delivered
// again (a cloud restart) does not raise another; back online resolves it.
func TestGatewayOfflineAlertsOncePerChange(t *testing.T) {
	ctx := context.Background()
	in, st := newIngester(t, filepath.Join(t.TempDir(), "c.db"))
	topic := wire.Topic("site-1", "gw-1", wire.KindStatus)
	status := func(state string) Message {
		p, _ := json.Marshal(wire.Status{V: 1, Site: "site-1", Gateway: "gw-1", Boot: "b", State: state, Time: t0})
		return Message{Topic: topic, Payload: p, Received: t0}
	}
	for _, s := range []string{"online", "offline", "offline", "online", "offline"} {
		if err := in.Process(ctx, []Message{status(s)}); err != nil {
			t.Fatal(err)
		}
	}
	al, err := st.Alerts(ctx, store.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(al) != 2 || al[0].Kind != "gateway_offline" || al[0].Gateway != "gw-1" || al[0].State != store.AlertOpen ||
		al[1].State != store.AlertResolved || al[1].Resolved.By != "system:ingest" || !strings.Contains(al[1].Resolved.Note, "back online") {
		t.Fatalf("alerts %+v, want 2 gateway_offline alerts (one per change to offline), the first resolved when gw-1 came back", al)
	}
	gws, _ := st.Gateways(ctx)
	if len(gws) != 1 || gws[0].State != "offline" {
		t.Fatalf("gateways %+v, want gw-1 offline", gws)
	}
}

// Readings a gateway thinned to stay within its disk budget leave a gap it declared in
// an outbox_thinned alarm: the cloud reports that gap as declared, not as possible loss.
func TestThinnedGapIsDeclaredNotLoss(t *testing.T) {
	ctx := context.Background()
	in, st := newIngester(t, filepath.Join(t.TempDir(), "c.db"))
	temps := make([]float64, 10)
	for i := range temps {
		temps[i] = 4
	}
	// Two rooms per minute: seqs 1-20 (minutes 0-9), a hole, then seqs 41-60 (minutes 20-29),
	// a second hole, seqs 81-100 (minutes 40-49).
	alarm, _ := json.Marshal(wire.AlarmBatch{V: 1, Header: wire.Header{Site: "site-1", Gateway: "gw-1", Boot: "b1", Epoch: "e1", FirstSeq: 1},
		Alarms: []wire.Alarm{{Time: t0, Kind: "outbox_thinned", State: "raised", Severity: "warning",
			Seqs: []wire.SeqRange{{First: 21, Last: 30}, {First: 31, Last: 40}}}}})
	msgs := []Message{
		{Topic: topicRd, Payload: roomBatch(t, 1, 0, temps), Received: t0},
		{Topic: topicRd, Payload: roomBatch(t, 41, 20, temps), Received: t0},
		{Topic: topicRd, Payload: roomBatch(t, 81, 40, temps), Received: t0},
		{Topic: wire.Topic("site-1", "gw-1", wire.KindAlarms), Payload: alarm, Received: t0},
	}
	if err := in.Process(ctx, msgs); err != nil {
		t.Fatal(err)
	}
	srcs, err := st.Sources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(srcs) != 1 || len(srcs[0].Gaps) != 2 {
		t.Fatalf("sources %+v, want one outbox with two gaps", srcs)
	}
	thinned, lost := srcs[0].Gaps[0], srcs[0].Gaps[1]
	if thinned.From != 21 || thinned.To != 40 || thinned.Declared != "thinned" || thinned.PossibleLoss {
		t.Errorf("gap 21-40: %+v, want declared thinned and not possible loss", thinned)
	}
	if lost.From != 61 || lost.To != 80 || lost.Declared != "" || !lost.PossibleLoss {
		t.Errorf("gap 61-80: %+v, want undeclared and possible loss (20 minutes behind the newest reading)", lost)
	}
}

// A sensor_offline event from a gateway raises one alert, even if the event is
// delivered twice.
func TestSensorOfflineEventRaisesAnAlert(t *testing.T) {
	ctx := context.Background()
	in, st := newIngester(t, filepath.Join(t.TempDir(), "c.db"))
	p, _ := json.Marshal(wire.EventBatch{V: 1, Header: wire.Header{Site: "site-1", Gateway: "gw-1", Boot: "b1", Epoch: "e1", FirstSeq: 1},
		Events: []wire.Event{{Time: t0, Type: "sensor_offline", Location: "room-1", Lots: []string{lotA},
			Attrs: map[string]string{"sensor": "th-1", "last_good": "2026-11-22T05:58:00Z"}}}})
	msg := Message{Topic: wire.Topic("site-1", "gw-1", wire.KindEvents), Payload: p, Received: t0}
	if err := in.Process(ctx, []Message{msg, msg}); err != nil {
		t.Fatal(err)
	}
	al, err := st.Alerts(ctx, store.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(al) != 1 || al[0].Kind != "sensor_offline" || al[0].Sensor != "th-1" || al[0].Location != "room-1" {
		t.Fatalf("alerts %+v, want one sensor_offline alert for th-1 at room-1", al)
	}
}
