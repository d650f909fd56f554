package gateway

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	fwconfig "github.com/lotsense/lotsense/firmware-config"
	"github.com/lotsense/lotsense/gateway/wire"
)

// Scanner stations end to end through the broker: a receiving scan counts lot L42 into
// the room (its readings carry it), an unreadable scan is refused with the reason, a
// held lot scanned for shipping is refused and raises an alarm, picking takes the units
// out again.
func TestRunStations(t *testing.T) {
	broker := startTestBroker(t)
	dir := filepath.Join(t.TempDir(), "outbox")
	const l42, held = "(01)09506000134352(10)L42", "(01)09506000134352(10)HELD"
	src := `
site: scan-site
gateway: scan-gw
outbox: {dir: ` + dir + `}
api: {listen: "off"}
locations:
  - {id: dock-1, kind: dock_door}
  - {id: room, kind: cold_room}
sensors:
  - id: th-room
    type: modbus
    location: room
    interval: 10s
    modbus: {address: "127.0.0.1:0", unit_id: 1, profile: th-transmitter}
    simulate: {setpoint: 3}
outputs:
  - {id: buzzer, simulate: true}
stations:
  - id: recv-1
    role: receiving
    location: dock-1
    into: room
    output: buzzer
    simulate:
      scans:
        - {at: 10s, data: "]d201095060001343521727123110L42<GS>3010"}
        - {at: 20s, data: "]d2010950600013435310L42"}
  - id: ship-1
    role: shipping
    location: dock-1
    simulate:
      scans:
        - {at: 30s, data: "(01)09506000134352(10)HELD"}
        - {at: 40s, data: "(01)09506000134352(10)L42"}
  - id: pick-1
    role: picking
    location: room
    simulate:
      scans:
        - {at: 90s, data: "(01)09506000134352(10)L42(30)10"}
`
	cfg, err := fwconfig.Parse("scan.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	publishRetained(t, broker, wire.Topic("scan-site", "scan-gw", wire.KindHolds),
		&wire.Holds{V: wire.Version, Site: "scan-site", Version: 1, Lots: []string{held}})

	var mu sync.Mutex
	var events []wire.Event
	var alarms []wire.Alarm
	var readings []wire.Reading
	sub := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(broker).SetClientID("test-sub"))
	if tok := sub.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer sub.Disconnect(0)
	sub.Subscribe("lotsense/v1/scan-site/scan-gw/+", 1, func(_ mqtt.Client, m mqtt.Message) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case strings.HasSuffix(m.Topic(), "/events"):
			if b, err := wire.DecodeEvents(m.Payload()); err == nil {
				events = append(events, b.Events...)
			} else {
				t.Errorf("events: %v", err)
			}
		case strings.HasSuffix(m.Topic(), "/alarms"):
			if b, err := wire.DecodeAlarms(m.Payload()); err == nil {
				alarms = append(alarms, b.Alarms...)
			}
		case strings.HasSuffix(m.Topic(), "/readings"):
			if b, err := wire.DecodeReadings(m.Payload()); err == nil {
				readings = append(readings, b.Readings...)
			}
		}
	}).Wait()

	// 30x: the 90 s script plays in 3 s.
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	if err := Run(ctx, cfg, Options{Speed: 30, Broker: broker, Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()

	var scans []wire.Event
	for _, e := range events {
		if e.Attrs["source"] == "scan" {
			scans = append(scans, e)
		}
	}
	want := []struct{ typ, station, lots, reason string }{
		{"receiving", "recv-1", l42, ""},
		{TypeScanRejected, "recv-1", "", "unreadable: gs1: AI (01)"},
		{TypeScanRejected, "ship-1", held, "on hold"},
		{"shipping", "ship-1", l42, ""},
		{"picking", "pick-1", l42, ""},
	}
	if len(scans) != len(want) {
		t.Fatalf("%d scan events, want %d: %+v", len(scans), len(want), scans)
	}
	for i, w := range want {
		e := scans[i]
		if e.Type != w.typ || e.Attrs["station"] != w.station || strings.Join(e.Lots, " ") != w.lots ||
			!strings.HasPrefix(e.Attrs["reason"], w.reason) {
			t.Errorf("scan event %d: %+v, want %+v", i, e, w)
		}
	}
	if r := scans[0]; r.Attrs["expiry"] != "2027-12-31" || r.Attrs["quantity"] != "10" || r.Attrs["inside"] != "room" {
		t.Errorf("receiving attrs %v", r.Attrs)
	}
	if len(alarms) != 1 || alarms[0].Kind != AlarmHeldLotShipped || !slices.Equal(alarms[0].Lots, []string{held}) {
		t.Errorf("alarms %+v, want one held_lot_shipped for %s", alarms, held)
	}
	// The room's readings carry L42 while its 10 units are in (10 s to 90 s of demo time,
	// give or take a poll), never before.
	start := scans[0].Time.Add(-10 * time.Second)
	var with int
	for _, r := range readings {
		at := r.Time.Sub(start)
		has := slices.Contains(r.Lots, l42)
		switch {
		case has && (at < 9*time.Second || at > 100*time.Second):
			t.Errorf("reading at %v carries L42", at)
		case !has && at > 20*time.Second && at < 85*time.Second:
			t.Errorf("reading at %v lacks L42: %v", at, r.Lots)
		case has:
			with++
		}
	}
	if with == 0 {
		t.Errorf("no reading carried L42 (%d readings)", len(readings))
	}
}
