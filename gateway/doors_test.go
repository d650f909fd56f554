package gateway

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	fwconfig "github.com/lotsense/lotsense/firmware-config"
	"github.com/lotsense/lotsense/gateway/localapi"
	"github.com/lotsense/lotsense/gateway/wire"
)

// publishRetained publishes v as JSON, retained at QoS 1, as the cloud does on down topics.
func publishRetained(t *testing.T, broker, topic string, v any) {
	t.Helper()
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(broker).SetClientID("cloud-" + path.Base(topic)))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer c.Disconnect(0)
	p, err := wire.Encode(v)
	if err != nil {
		t.Fatal(err)
	}
	if tok := c.Publish(topic, 1, true, p); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

const (
	dockLotA = "(01)00614141123452(10)INBOUND-A"
	dockLotB = "(01)00614141999996(10)STANDING-B"
)

// dockConfig is a dock door into a cold room, watched by one emulated LLRP reader that
// plays a script: a pallet of lot A comes in, cases of the standing lot B go out,
// unknown tags come in, a pallet turns back, and lot A leaves again.
func dockConfig(t *testing.T, dir, api string) *fwconfig.Config {
	t.Helper()
	src := `
site: dock-site
gateway: dock-gw
outbox: {dir: ` + dir + `}
api: {listen: "` + api + `"}
locations:
  - id: dock-1
    kind: dock_door
    gln: "0614141000005"
  - id: room
    kind: cold_room
    lots:
      - gtin: "00614141999996"
        lot: STANDING-B
        epcs: ["urn:epc:idpat:sgtin:0614141.899999.[101-110]"]
lots:
  - gtin: "00614141123452"
    lot: INBOUND-A
    epcs: ["urn:epc:idpat:sgtin:0614141.812345.[1-10]", "urn:epc:id:sscc:0614141.1234567890"]
sensors:
  - id: th-room
    type: modbus
    location: room
    interval: 10s
    modbus: {address: "127.0.0.1:0", unit_id: 1, profile: th-transmitter}
    simulate: {setpoint: 3}
readers:
  - id: fx1
    address: 192.0.2.1
    simulate:
      passes:
        - {at: 20s, door: dock-1, direction: in, tags: ["urn:epc:idpat:sgtin:0614141.812345.[1-10]", "urn:epc:id:sscc:0614141.1234567890"]}
        - {at: 60s, door: dock-1, direction: out, tags: ["urn:epc:idpat:sgtin:0614141.899999.[101-105]"]}
        - {at: 100s, door: dock-1, direction: in, tags: ["urn:epc:idpat:sgtin:0614141.777777.[1-3]"]}
        - {at: 140s, door: dock-1, direction: turn_back, tags: ["urn:epc:id:sgtin:0614141.812345.5"]}
        - {at: 180s, door: dock-1, direction: out, tags: ["urn:epc:idpat:sgtin:0614141.812345.[1-10]", "urn:epc:id:sscc:0614141.1234567890"]}
portal:
  doors:
    - id: dock-1
      inside: room
      antennas:
        - {reader: fx1, antenna: 1, zone: outside}
        - {reader: fx1, antenna: 2, zone: inside}
`
	cfg, err := fwconfig.Parse("dock.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// Run with a dock door: every scripted pallet becomes one event of the right type with
// the right lots, unknown tags are reported (not dropped), and the cold room's readings
// carry lot A only while its pallet is inside.
func TestRunDockDoor(t *testing.T) {
	broker := startTestBroker(t)
	dir := filepath.Join(t.TempDir(), "outbox")
	api := freeAddr(t)
	cfg := dockConfig(t, dir, api)

	// Lot A is on hold: when its pallet leaves (the last pass), the gateway raises an alarm.
	publishRetained(t, broker, wire.Topic("dock-site", "dock-gw", wire.KindHolds),
		&wire.Holds{V: wire.Version, Site: "dock-site", Version: 4, Lots: []string{dockLotA}})

	var mu sync.Mutex
	var events []wire.Event
	var readings []wire.Reading
	var alarms []wire.Alarm
	sub := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(broker).SetClientID("test-sub"))
	if tok := sub.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer sub.Disconnect(0)
	sub.Subscribe("lotsense/v1/dock-site/dock-gw/#", 1, func(_ mqtt.Client, m mqtt.Message) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case strings.HasSuffix(m.Topic(), "/alarms"):
			b, err := wire.DecodeAlarms(m.Payload())
			if err != nil {
				t.Errorf("alarms the cloud would refuse: %v", err)
				return
			}
			alarms = append(alarms, b.Alarms...)
		case strings.HasSuffix(m.Topic(), "/events"):
			b, err := wire.DecodeEvents(m.Payload())
			if err != nil {
				t.Errorf("events the cloud would refuse: %v", err)
				return
			}
			events = append(events, b.Events...)
		case strings.HasSuffix(m.Topic(), "/readings"):
			b, err := wire.DecodeReadings(m.Payload())
			if err != nil {
				t.Errorf("readings: %v", err)
				return
			}
			readings = append(readings, b.Readings...)
		}
	}).Wait()

	// 30x: the 180 s script plays in 6 s; run on to let the last pass end.
	ctx, cancel := context.WithTimeout(context.Background(), 7500*time.Millisecond)
	defer cancel()
	// While lot A is inside (from 20 s to 180 s of demo time: 0.7 s to 6 s), the local
	// API shows the reader connected and the door's pass and lots.
	statusc := make(chan localapi.Status, 1)
	go func() {
		time.Sleep(3500 * time.Millisecond)
		var st localapi.Status
		resp, err := http.Get("http://" + api + "/status")
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&st)
			resp.Body.Close()
		}
		if err != nil {
			t.Errorf("GET /status: %v", err)
		}
		statusc <- st
	}()
	if err := Run(ctx, cfg, Options{Speed: 30, Broker: broker, Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	st := <-statusc
	if len(st.Readers) != 1 || !st.Readers[0].Connected || st.Readers[0].Reads == 0 || len(st.Doors) != 1 {
		t.Errorf("status readers %+v doors %+v", st.Readers, st.Doors)
	} else if d := st.Doors[0]; d.Passes["in"] < 1 || d.Inside != "room" || d.TagsInside != 11 ||
		!slices.Equal(d.LotsInside, []string{dockLotB, dockLotA}) {
		t.Errorf("status of the door while lot A is inside: %+v", d)
	}
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()

	var portal []wire.Event
	for _, e := range events {
		if e.Location == "dock-1" {
			portal = append(portal, e)
		}
	}
	type want struct {
		typ, dir, lots, unassigned string
		tags                       int
	}
	wants := []want{
		{"receiving", "in", dockLotA, "0", 11},
		{"shipping", "out", dockLotB, "0", 5},
		{"receiving", "in", "", "true", 3},
		{"portal_seen", "", dockLotA, "0", 1},
		{"shipping", "out", dockLotA, "0", 11},
	}
	if len(portal) != len(wants) {
		t.Fatalf("%d portal events, want %d: %+v", len(portal), len(wants), portal)
	}
	for i, w := range wants {
		e := portal[i]
		if e.Type != w.typ || e.Direction != w.dir || strings.Join(e.Lots, " ") != w.lots ||
			e.Attrs["unassigned"] != w.unassigned || len(e.EPCs) != w.tags ||
			e.Attrs["read_point"] != "https://id.gs1.org/414/0614141000005" || e.Attrs["inside"] != "room" {
			t.Errorf("event %d: %+v, want %+v", i, e, w)
		}
	}
	if !slices.Contains(portal[0].EPCs, "urn:epc:id:sscc:0614141.1234567890") ||
		!slices.Contains(portal[2].EPCs, "urn:epc:id:sgtin:0614141.777777.1") {
		t.Errorf("EPCs not named by their URIs: %v / %v", portal[0].EPCs, portal[2].EPCs)
	}

	// Lot presence: the room's readings carry A between its arrival and its departure
	// (give or take the portal's lag and one tick: 1.25 s real, 37.5 s at 30x,
	// plus a poll interval), B all along.
	arrived, left := portal[0].Time, portal[4].Time
	slack := 50 * time.Second
	var withA int
	for _, r := range readings {
		hasA := slices.Contains(r.Lots, dockLotA)
		if !slices.Contains(r.Lots, dockLotB) {
			t.Fatalf("reading at %v lost the standing lot: %v", r.Time, r.Lots)
		}
		switch {
		case hasA && (r.Time.Before(arrived.Add(-slack)) || r.Time.After(left.Add(slack))):
			t.Fatalf("reading at %v carries lot A, which was inside from %v to %v", r.Time, arrived, left)
		case !hasA && r.Time.After(arrived.Add(slack)) && r.Time.Before(left.Add(-slack)):
			t.Fatalf("reading at %v lacks lot A, which was inside from %v to %v", r.Time, arrived, left)
		case hasA:
			withA++
		}
	}
	if withA == 0 {
		t.Fatalf("no reading carried lot A (%d readings)", len(readings))
	}

	if len(alarms) != 1 || alarms[0].Kind != AlarmHeldLotShipped || alarms[0].Severity != "critical" ||
		alarms[0].Location != "dock-1" || !slices.Equal(alarms[0].Lots, []string{dockLotA}) ||
		!strings.HasPrefix(alarms[0].Message, "11 tag(s) of 1 lot(s) on hold left through dock-1") {
		t.Errorf("alarms %+v, want one held_lot_shipped for lot A at dock-1", alarms)
	}
	if _, err := os.Stat(filepath.Join(dir, holdsName)); err != nil {
		t.Errorf("hold list not kept for the next start: %v", err)
	}

	// The presence file says what is inside now: nothing of A, which left.
	p, err := os.ReadFile(filepath.Join(dir, presenceName))
	if err != nil {
		t.Fatal(err)
	}
	var pf presenceFile
	if err := json.Unmarshal(p, &pf); err != nil || pf.V != 1 || len(pf.Tags["room"]) != 0 {
		t.Fatalf("presence file %s: %v", p, err)
	}
}

// The cloud's retained lot map, received on connect, names the unknown tags' lot and the
// room's standing lots: the pass of those tags becomes a receiving of that lot, the
// room's readings carry the lot map's lots, and the map is kept for the next start.
func TestRunAppliesLotMap(t *testing.T) {
	broker := startTestBroker(t)
	dir := filepath.Join(t.TempDir(), "outbox")
	cfg := dockConfig(t, dir, "off")
	const lotC, lotY = "(01)00614141777778(10)FROM-CLOUD", "(01)00614141555550(10)ROOM-Y"

	pub := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(broker).SetClientID("cloud"))
	if tok := pub.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer pub.Disconnect(0)
	publish := func(v uint64, locs map[string][]string, epcs map[string]string) {
		p, err := wire.Encode(&wire.LotMap{V: wire.Version, Site: "dock-site", Version: v, Locations: locs, EPCs: epcs})
		if err != nil {
			t.Fatal(err)
		}
		if tok := pub.Publish(wire.Topic("dock-site", "dock-gw", wire.KindLotMap), 1, true, p); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
			t.Fatal(tok.Error())
		}
	}
	publish(3, map[string][]string{"room": {lotY}, "elsewhere": {"(01)00614141555550(10)OTHER"}}, map[string]string{
		"urn:epc:id:sgtin:0614141.777777.1": lotC, "urn:epc:id:sgtin:0614141.777777.2": lotC,
		"urn:epc:id:sgtin:0614141.777777.3": lotC, "urn:epc:id:sgtin:0614141.777777.4": "no lot key"})

	var mu sync.Mutex
	var events []wire.Event
	var readings []wire.Reading
	sub := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(broker).SetClientID("test-sub"))
	if tok := sub.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer sub.Disconnect(0)
	sub.Subscribe("lotsense/v1/dock-site/dock-gw/+", 1, func(_ mqtt.Client, m mqtt.Message) {
		mu.Lock()
		defer mu.Unlock()
		if b, err := wire.DecodeEvents(m.Payload()); err == nil && strings.HasSuffix(m.Topic(), "/events") {
			events = append(events, b.Events...)
		}
		if b, err := wire.DecodeReadings(m.Payload()); err == nil && strings.HasSuffix(m.Topic(), "/readings") {
			readings = append(readings, b.Readings...)
		}
	}).Wait()

	// 60x: the unknown tags pass at 100 s of demo time (1.7 s); their event is out once
	// the portal's lag (1 s) and the group window are over.
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Second)
	defer cancel()
	go func() {
		// An older lot map published during the run changes nothing.
		time.Sleep(500 * time.Millisecond)
		publish(2, map[string][]string{"room": {dockLotA}}, nil)
	}()
	if err := Run(ctx, cfg, Options{Speed: 60, Broker: broker, Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	var unknownPass *wire.Event
	for i, e := range events {
		if slices.Contains(e.EPCs, "urn:epc:id:sgtin:0614141.777777.1") {
			unknownPass = &events[i]
		}
	}
	if unknownPass == nil || unknownPass.Type != "receiving" || strings.Join(unknownPass.Lots, " ") != lotC ||
		unknownPass.Attrs["unassigned"] != "0" || len(unknownPass.EPCs) != 3 {
		t.Fatalf("pass of the tags the lot map names: %+v (events %+v)", unknownPass, events)
	}
	// Readings taken before the lot map arrived carry the configuration's lots; once it
	// is applied, the lot map's.
	late := 0
	for _, r := range readings {
		switch {
		case slices.Contains(r.Lots, lotY):
			late++
		case late > 0:
			t.Fatalf("reading at %v, after the lot map applied, carries %v", r.Time, r.Lots)
		}
	}
	if late == 0 {
		t.Fatalf("no reading carried the lot map's lot (%d readings)", len(readings))
	}
	saved, err := os.ReadFile(filepath.Join(dir, lotMapName))
	if err != nil {
		t.Fatal(err)
	}
	if m, err := wire.DecodeLotMap(saved); err != nil || m.Version != 3 {
		t.Fatalf("saved lot map: %+v, %v", m, err)
	}
}
