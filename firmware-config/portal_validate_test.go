package fwconfig

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lotsense/lotsense/drivers/gs1"
)

// dockHead is the start of every portal test file: two dock doors (one with a GLN) and a
// cold room. Bodies appended to it start at line 9.
const dockHead = `site: s1
gateway: gw1
locations:
  - {id: dock-1, kind: dock_door, gln: "9506000134116"}
  - {id: dock-2, kind: dock_door}
  - {id: room, lots: [{gtin: "09506000134352", lot: L1, epcs: ["urn:epc:id:sgtin:0614141.812345.6789"]}]}
sensors:
  - {id: th, type: modbus, location: room, modbus: {address: 10.0.0.5, profile: th-transmitter}}
`

const dockValid = dockHead + `readers:
  - id: rd-1
    simulate:
      repeat: 1m
      passes:
        - {at: 2s, door: dock-1, tags: ["urn:epc:idpat:sgtin:0614141.812345.[1-24]", "urn:epc:id:sscc:0614141.1234567890"]}
        - {at: 20s, door: dock-2, direction: turn_back, tags: ["3074257BF7194E4000001A85"], reads: 5, rssi: -60}
portal:
  doors:
    - id: dock-1
      inside: room
      antennas:
        - {reader: rd-1, antenna: 4, zone: outside}
        - {reader: rd-1, antenna: 1, zone: inside}
    - id: dock-2
      read_point: urn:epc:id:sgln:9506000134.12.0
      rssi_floor: -70
      dedupe: 500ms
      pass_timeout: 2s
      antennas:
        - {reader: rd-1, antenna: 3, zone: outside}
        - {reader: rd-1, antenna: 2, zone: inside}
lots:
  - gtin: "80614141123458"
    lot: DLV-1
    epcs: ["urn:epc:idpat:sgtin:0614141.812345.[1-500]", "urn:epc:id:sscc:0614141.1234567890"]
  - {gtin: "09506000134352", lot: L1}
`

func TestPortalDefaults(t *testing.T) {
	c, err := Parse("dock.yaml", []byte(dockValid))
	if err != nil {
		t.Fatal(err)
	}
	r := c.Reader("rd-1")
	if r == nil || r != &c.Readers[0] {
		t.Fatalf("Reader(rd-1) = %p, want %p", r, &c.Readers[0])
	}
	// The default antennas are those the doors map, sorted.
	if !slices.Equal(r.Antennas, []uint16{1, 2, 3, 4}) || r.ReportEvery != 1 || r.Keepalive.Duration != 5*time.Second ||
		r.TransmitPower != 0 || r.Address != "" {
		t.Errorf("reader defaults: %+v", *r)
	}
	if c.Portal.TopN != 3 || c.Portal.GroupWindow.Duration != 5*time.Second {
		t.Errorf("portal defaults: top_n %d, group_window %v", c.Portal.TopN, c.Portal.GroupWindow)
	}
	d1, d2 := c.Door("dock-1"), c.Door("dock-2")
	if d1 == nil || d2 != &c.Portal.Doors[1] {
		t.Fatalf("Door: %p %p", d1, d2)
	}
	if d1.ReadPoint != "https://id.gs1.org/414/9506000134116" || d1.Dedupe.Duration != time.Second ||
		d1.PassTimeout.Duration != 3*time.Second || d1.RSSIFloor != 0 || d1.Inside != "room" {
		t.Errorf("door dock-1 defaults: %+v", *d1)
	}
	if d2.ReadPoint != "urn:epc:id:sgln:9506000134.12.0" || d2.Dedupe.Duration != 500*time.Millisecond ||
		d2.PassTimeout.Duration != 2*time.Second || d2.RSSIFloor != -70 {
		t.Errorf("door dock-2 keeps what is written: %+v", *d2)
	}
	p0, p1 := r.Simulate.Passes[0], r.Simulate.Passes[1]
	if p0.Direction != SimIn || p0.Reads != 3 || p0.RSSI != -55 || p0.At.Duration != 2*time.Second {
		t.Errorf("pass 0 defaults: %+v", p0)
	}
	if p1.Direction != SimTurnBack || p1.Reads != 5 || p1.RSSI != -60 || r.Simulate.Repeat.Duration != time.Minute {
		t.Errorf("pass 1 keeps what is written: %+v, repeat %v", p1, r.Simulate.Repeat)
	}
	if len(c.Lots) != 2 || c.Lots[0].Key() != "(01)80614141123458(10)DLV-1" || len(c.Lots[0].EPCs) != 2 {
		t.Errorf("top-level lots: %+v", c.Lots)
	}
	if c.Door("dock-3") != nil || c.Reader("rd-2") != nil || c.Door("") != nil {
		t.Error("Door or Reader found an id that is not there")
	}
}

func TestPortalDoorWithoutGLNReadsAsItsID(t *testing.T) {
	src := strings.Replace(dockValid, "      read_point: urn:epc:id:sgln:9506000134.12.0\n", "", 1)
	c, err := Parse("dock.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Door("dock-2").ReadPoint; got != "dock-2" {
		t.Errorf("read_point of a door without a GLN = %q, want dock-2", got)
	}
}

// TestPortalInitTwice: Init on a loaded configuration changes nothing and finds nothing.
func TestPortalInitTwice(t *testing.T) {
	once, err := Parse("dock.yaml", []byte(dockValid))
	if err != nil {
		t.Fatal(err)
	}
	twice, _ := Parse("dock.yaml", []byte(dockValid))
	if err := twice.Init(); err != nil {
		t.Fatalf("second Init: %v", err)
	}
	if !reflect.DeepEqual(once, twice) {
		t.Errorf("second Init changed the configuration:\n%+v\n%+v", once.Readers, twice.Readers)
	}
}

func TestPortalInGo(t *testing.T) {
	c := &Config{
		Site: "s1", Gateway: "gw1",
		Locations: []Location{{ID: "door-a", Kind: KindDockDoor, GLN: "9506000134123"}, {ID: "room"}},
		Readers:   []Reader{{ID: "r1", Address: "192.0.2.20"}},
		Portal: Portal{Doors: []Door{{ID: "door-a", Inside: "room", Antennas: []DoorAntenna{
			{Reader: "r1", Antenna: 2, Zone: ZoneInside}, {Reader: "r1", Antenna: 1, Zone: ZoneOutside}}}}},
	}
	if err := c.Init(); err != nil {
		t.Fatal(err)
	}
	d := c.Portal.Doors[0]
	if !slices.Equal(c.Readers[0].Antennas, []uint16{1, 2}) || d.ReadPoint != ReadPointPrefix+"9506000134123" ||
		d.Dedupe.Duration != DefaultDedupe || d.PassTimeout.Duration != DefaultPassTimeout || c.Portal.TopN != DefaultTopN {
		t.Errorf("defaults not filled in: %+v %+v", c.Readers[0], c.Portal)
	}
	if err := c.Init(); err != nil {
		t.Errorf("second Init: %v", err)
	}
	// Antennas were filled in by the first Init: a door antenna added later must be in them.
	c.Portal.Doors[0].Antennas = append(c.Portal.Doors[0].Antennas, DoorAntenna{Reader: "r1", Antenna: 3, Zone: ZoneInside})
	var errs Errors
	err := c.Init()
	if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Line != 0 ||
		errs[0].Error() != `config: portal.doors[0].antennas[2].antenna: reader "r1" inventories antennas 1, 2 only (readers[0].antennas): want one of them, got 3` {
		t.Errorf("Init = %v", err)
	}
}

// problem is one expected problem: where, which key, and a part of the message.
type problem struct {
	line, col int
	path, msg string
}

// p parses "line:col path: message".
func p(s string) problem {
	var pr problem
	where, rest, _ := strings.Cut(s, " ")
	fmt.Sscanf(where, "%d:%d", &pr.line, &pr.col)
	pr.path, pr.msg, _ = strings.Cut(rest, ": ")
	return pr
}

func TestPortalProblems(t *testing.T) {
	tests := []struct {
		name string
		body string // after dockHead: its first line is line 9
		want []problem
	}{
		{"lots and epcs", `lots:
  - {gtin: "09506000134352", lot: L1, epcs: [nope, "urn:epc:id:sgtin:0614141.81234.1"]}
  - {gtin: "09506000134352", lot: L1}
  - {gtin: "1", lot: "a b", epcs: ["urn:epc:idpat:sscc:0614141.[1-5]"]}
  - {gtin: "09506000134369", lot: L2, epcs: ["urn:epc:idpat:sgtin:0614141.812345.*"]}
`, []problem{
			p(`10:46 lots[0].epcs[0]: gs1: EPC "nope" is not hexadecimal: malformed (want an EPC URI`),
			p(`10:52 lots[0].epcs[1]: reference "81234" has 5 digits, want 6`),
			p(`11:5 lots[1]: lot (01)09506000134352(10)L1 is already listed at lots[0]`),
			p(`12:12 lots[2].gtin: gs1: GTIN "1" has 1 digits, want 8, 12, 13 or 14`),
			p(`12:22 lots[2].lot: gs1: lot "a b" has ' ' at position 2`),
			p(`12:36 lots[2].epcs[0]: a range needs an integer last field (sgtin, grai or sgln), not sscc`),
		}},
		{"readers", `readers:
  - {id: rd-1, address: "10.0.0.7:0", antennas: [1, 1, 0], report_every: 0, keepalive: 2h}
  - {id: rd-1, address: 10.0.0.8}
  - {id: RD, address: 10.0.0.9}
  - {id: rd-2, address: 10.0.0.9:5084}
  - {id: rd-3}
  - {id: rd-4, address: "host:", antennas: []}
portal:
  doors:
    - id: dock-1
      antennas:
        - {reader: rd-1, antenna: 1, zone: outside}
        - {reader: rd-3, antenna: 1, zone: inside}
        - {reader: rd-4, antenna: 1, zone: inside}
        - {reader: RD, antenna: 1, zone: inside}
`, []problem{
			p(`10:25 readers[0].address: want host or host:port with a port from 1 to 65535 (5084 when missing), got "10.0.0.7:0"`),
			p(`10:53 readers[0].antennas[1]: antenna 1 is already listed at readers[0].antennas[0]`),
			p(`10:56 readers[0].antennas[2]: want an LLRP antenna id from 1 to 65535, got 0`),
			p(`10:74 readers[0].report_every: want 1 to 65535 tag reads per report, got 0`),
			p(`10:88 readers[0].keepalive: want a duration from 1s to 1h, got 2h0m0s`),
			p(`11:10 readers[1].id: reader "rd-1" is already defined at readers[0]`),
			p(`12:10 readers[2].id: "RD" has 'R' at position 1`),
			p(`13:10 readers[3].id: reader "rd-2" is not used by any portal.doors[].antennas: want its antennas mapped to door sides, or remove it`),
			p(`14:5 readers[4].address: required unless simulate is set: want the reader's host or host:port (port 5084 when missing)`),
			p(`15:25 readers[5].address: want host or host:port with a port from 1 to 65535 (5084 when missing), got "host:"`),
			p(`15:44 readers[5].antennas: want at least one antenna id, got an empty list (omit the key for those the doors map)`),
		}},
		{"door antennas outside a reader's list", `readers:
  - {id: rd-1, address: 192.0.2.20, antennas: [1, 2]}
portal:
  doors:
    - id: dock-1
      antennas:
        - {reader: rd-1, antenna: 1, zone: outside}
        - {reader: rd-1, antenna: 3, zone: inside}
`, []problem{
			p(`16:35 portal.doors[0].antennas[1].antenna: reader "rd-1" inventories antennas 1, 2 only (readers[0].antennas): want one of them, got 3`),
		}},
		{"portal and doors", `readers:
  - {id: rd-1, address: 192.0.2.20}
portal:
  top_n: 9
  group_window: 0s
  doors:
    - id: room
      inside: dock-2
      rssi_floor: 3
      dedupe: 3s
      antennas:
        - {reader: rd-1, antenna: 1, zone: outside}
        - {reader: rd-9, antenna: 0, zone: middle}
    - id: dock-1
      inside: freezer
      read_point: ""
      dedupe: 0s
      pass_timeout: -1s
      antennas:
        - {reader: rd-1, antenna: 1, zone: inside}
        - {zone: outside}
    - id: dock-1
      dedupe: 2s
      pass_timeout: 2s
      antennas:
        - {reader: rd-1, antenna: 2, zone: inside}
    - {id: nowhere}
    - {}
`, []problem{
			p(`12:10 portal.top_n: want 1 to 8, got 9`),
			p(`13:17 portal.group_window: want a duration from 1s to 1h, got 0s`),
			p(`15:11 portal.doors[0].id: location "room" is a cold_room: want the id of a location of kind dock_door (one of dock-1, dock-2)`),
			p(`16:15 portal.doors[0].inside: location "dock-2" is a dock_door: want the id of the location pallets enter through the door, not a dock_door (one of room)`),
			p(`17:19 portal.doors[0].rssi_floor: want dBm from -128 to 0 (0: no floor), got 3`),
			p(`18:15 portal.doors[0].dedupe: want less than pass_timeout (3s), got 3s`),
			p(`20:9 portal.doors[0].antennas: want at least one antenna with zone outside and one with zone inside, got outside antennas only`),
			p(`21:20 portal.doors[0].antennas[1].reader: no reader "rd-9" (want one of rd-1)`),
			p(`21:35 portal.doors[0].antennas[1].antenna: want an LLRP antenna id from 1 to 65535, got 0`),
			p(`21:44 portal.doors[0].antennas[1].zone: want outside or inside, got "middle"`),
			p(`23:15 portal.doors[1].inside: no location "freezer": want the id of the location pallets enter through the door, not a dock_door (one of room)`),
			p(`24:19 portal.doors[1].read_point: want an EPCIS read point URI, got an empty string`),
			p(`25:15 portal.doors[1].dedupe: want a duration above 0, got 0s`),
			p(`26:21 portal.doors[1].pass_timeout: want a duration above 0, got -1s`),
			p(`28:11 portal.doors[1].antennas[0]: antenna 1 of reader "rd-1" is already mapped at portal.doors[0].antennas[0] (door "room")`),
			p(`29:11 portal.doors[1].antennas[1].reader: required: want the id of a reader (want one of rd-1)`),
			p(`29:11 portal.doors[1].antennas[1].antenna: want an LLRP antenna id from 1 to 65535, got 0`),
			p(`30:11 portal.doors[2].id: door "dock-1" is already defined at portal.doors[1]`),
			p(`32:21 portal.doors[2].pass_timeout: want more than dedupe (2s), got 2s`),
			p(`34:9 portal.doors[2].antennas: want at least one antenna with zone outside and one with zone inside, got inside antennas only`),
			p(`35:7 portal.doors[3].antennas: want at least one antenna with zone outside and one with zone inside, got none`),
			p(`35:12 portal.doors[3].id: no location "nowhere": want the id of a location of kind dock_door (one of dock-1, dock-2)`),
			p(`36:7 portal.doors[4].id: required: want the id of a location of kind dock_door (one of dock-1, dock-2)`),
			p(`36:7 portal.doors[4].antennas: want at least one antenna with zone outside and one with zone inside, got none`),
		}},
		{"simulation", `readers:
  - id: rd-1
    simulate:
      repeat: 5s
      passes:
        - {at: -1s, door: dock-2, direction: sideways, tags: []}
        - {at: 10s, door: dock-9, tags: ["urn:epc:idpat:sgtin:0614141.812345.*", "urn:epc:idpat:sgtin:0614141.812345.[1-9000]", "urn:epc:idpat:sgtin:0614141.812345.[1-1001]"], reads: 0, rssi: 0}
        - {door: dock-1, tags: [x]}
        - {tags: ["urn:epc:id:sgtin:0614141.812345.6789"], reads: 101, rssi: -101}
  - id: rd-2
    address: 192.0.2.21
    simulate: {repeat: -1s}
portal:
  doors:
    - id: dock-1
      antennas:
        - {reader: rd-1, antenna: 1, zone: outside}
        - {reader: rd-2, antenna: 1, zone: inside}
    - id: dock-2
      antennas:
        - {reader: rd-2, antenna: 2, zone: outside}
        - {reader: rd-2, antenna: 3, zone: inside}
`, []problem{
			p(`12:15 readers[0].simulate.repeat: want 0 (play once) or longer than the last pass's at (10s), got 5s`),
			p(`14:16 readers[0].simulate.passes[0].at: want a duration of 0 or more after the script starts, got -1s`),
			p(`14:27 readers[0].simulate.passes[0].door: door "dock-2" has no outside or inside antenna of reader "rd-1": want at least one on each side`),
			p(`14:46 readers[0].simulate.passes[0].direction: want in, out or turn_back, got "sideways"`),
			p(`14:62 readers[0].simulate.passes[0].tags: want at least one EPC or range like urn:epc:idpat:sgtin:0614141.812345.[1-24], got none`),
			p(`15:27 readers[0].simulate.passes[1].door: no door "dock-9" in portal.doors (want one of dock-1, dock-2)`),
			p(`15:41 readers[0].simulate.passes[1].tags: want at most 10000 tags per pass in all, got 10001`),
			p(`15:42 readers[0].simulate.passes[1].tags[0]: "urn:epc:idpat:sgtin:0614141.812345.*" names every serial of its class, which cannot be simulated`),
			p(`15:184 readers[0].simulate.passes[1].reads: want 1 to 100, got 0`),
			p(`15:193 readers[0].simulate.passes[1].rssi: want dBm from -100 to -20, got 0`),
			p(`16:18 readers[0].simulate.passes[2].door: door "dock-1" has no inside antenna of reader "rd-1"`),
			p(`16:33 readers[0].simulate.passes[2].tags[0]: gs1: EPC "x" is not hexadecimal`),
			p(`17:11 readers[0].simulate.passes[3].door: required: want the id of a door in portal.doors (want one of dock-1, dock-2)`),
			p(`17:67 readers[0].simulate.passes[3].reads: want 1 to 100, got 101`),
			p(`17:78 readers[0].simulate.passes[3].rssi: want dBm from -100 to -20, got -101`),
			p(`20:24 readers[1].simulate.repeat: want a duration of 0 (play once) or more, got -1s`),
		}},
		{"no readers", `portal:
  doors:
    - id: dock-1
      antennas:
        - {reader: rd-1, antenna: 1, zone: outside}
        - {reader: rd-1, antenna: 2, zone: inside}
`, []problem{
			p(`13:20 portal.doors[0].antennas[0].reader: no reader "rd-1" (none are defined in readers)`),
			p(`14:20 portal.doors[0].antennas[1].reader: no reader "rd-1" (none are defined in readers)`),
		}},
		{"undecodable readers are not looked up", `readers: {id: rd-1}
portal:
  doors:
    - id: dock-1
      antennas:
        - {reader: rd-1, antenna: 1, zone: outside}
        - {reader: rd-1, antenna: 2, zone: inside}
`, []problem{
			p(`9:10 readers: want a list, got a mapping`),
		}},
		{"undecodable portal does not make readers unused", `readers:
  - {id: rd-1, address: 192.0.2.20}
portal: [dock-1]
`, []problem{
			p(`11:9 portal: want a mapping with keys top_n, group_window, doors, got a list`),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("dock.yaml", []byte(dockHead+tt.body))
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Parse = %v, want Errors", err)
			}
			if len(errs) != len(tt.want) {
				t.Errorf("got %d problems, want %d (every one at once):\n%v", len(errs), len(tt.want), err)
			}
			for i, w := range tt.want {
				if i >= len(errs) {
					break
				}
				e := errs[i]
				if e.Line != w.line || e.Column != w.col || e.Path != w.path || !strings.Contains(e.Err.Error(), w.msg) {
					t.Errorf("problem %d:\n got  %s\n want %d:%d: %s: %s…", i, e, w.line, w.col, w.path, w.msg)
				}
			}
		})
	}
}

// TestPortalEPCErrorsUnwrap: the gs1 error is kept, for errors.Is.
func TestPortalEPCErrorsUnwrap(t *testing.T) {
	_, err := Parse("dock.yaml", []byte(dockHead+"lots: [{gtin: \"09506000134352\", lot: L1, epcs: [\"urn:epc:idpat:sgtin:0614141.812345.[5-1]\"]}]\n"))
	if !errors.Is(err, gs1.ErrRange) {
		t.Errorf("errors.Is(%v, gs1.ErrRange) = false", err)
	}
}

// TestSchemaPortal checks the schema's EPC pattern and enums against the loader.
func TestSchemaPortal(t *testing.T) {
	root := loadSchema(t)
	defs := root["$defs"].(map[string]any)
	re := regexp.MustCompile(defs["epc"].(map[string]any)["pattern"].(string))
	for _, s := range []string{"urn:epc:id:sgtin:0614141.812345.6789", "urn:epc:tag:sgtin-96:3.0614141.812345.6789",
		"3074257BF7194E4000001A85", "urn:epc:idpat:sgtin:0614141.812345.[1-24]", "urn:epc:idpat:sscc:0614141.*"} {
		if _, err := gs1.ParseEPCPattern(s); err != nil {
			t.Errorf("loader rejects %q: %v", s, err)
		}
		if !re.MatchString(s) {
			t.Errorf("schema epc pattern rejects %q", s)
		}
	}
	for _, s := range []string{"", "nope", "3074257BF7194E4000001A8", "urn:epc:sgtin:0614141.812345.6789"} {
		if re.MatchString(s) {
			t.Errorf("schema epc pattern accepts %q", s)
		}
	}
	if got, want := schemaEnum(t, root, "doorAntenna", "zone"), []string{ZoneOutside, ZoneInside}; !sameSet(got, want) {
		t.Errorf("schema doorAntenna.zone enum = %v, want %v", got, want)
	}
	if got, want := schemaEnum(t, root, "simPass", "direction"), []string{SimIn, SimOut, SimTurnBack}; !sameSet(got, want) {
		t.Errorf("schema simPass.direction enum = %v, want %v", got, want)
	}
}

// TestDockDoorExample checks what examples/dock-door.yaml is there to show.
func TestDockDoorExample(t *testing.T) {
	c, err := Load("examples/dock-door.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r := c.Reader("rfid-dock")
	if r == nil || r.Address != "192.0.2.20" || r.Simulate != nil || !slices.Equal(r.Antennas, []uint16{1, 2, 3, 4}) {
		t.Fatalf("reader: %+v", r)
	}
	for _, id := range []string{"dock-1", "dock-2"} {
		d := c.Door(id)
		if d == nil || d.Inside != "cold-room-a" || !strings.HasPrefix(d.ReadPoint, ReadPointPrefix) {
			t.Errorf("door %s: %+v", id, d)
		}
	}
	// The pallet's SSCC stands for both lots on it.
	var sscc []string
	for _, l := range c.Lots {
		if slices.Contains(l.EPCs, "urn:epc:id:sscc:0614141.1234567890") {
			sscc = append(sscc, l.Key())
		}
	}
	if len(sscc) != 2 {
		t.Errorf("lots with the pallet SSCC: %v, want 2", sscc)
	}
}
