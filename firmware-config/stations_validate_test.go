package fwconfig

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lotsense/lotsense/drivers/scanner"
)

// stationValid (after dockHead, so its first line is line 9) has a receiving station
// with a keyboard scanner, a shipping station with a serial one, a simulated putaway
// station, two outputs (one simulated) and a door that sounds one of them.
const stationValid = dockHead + `outputs:
  - id: buzzer-1
    gpio: {pin: GPIO27}
  - {id: light, simulate: true}
stations:
  - id: recv-1
    role: receiving
    location: dock-1
    into: room
    output: buzzer-1
    scanner:
      keyboard:
        device: /dev/input/by-id/usb-Honeywell_Imaging___Mobility_1900-event-kbd
        layout: de
        gs_text: "<GS>"
        grab: false
      char_timeout: 200ms
  - id: ship-1
    role: shipping
    location: dock-2
    ship_to: "9506000134130"
    fnc1: "^"
    scanner:
      serial: {port: /dev/ttyACM0, baud: 115200, terminator: crlf}
  - id: putaway-sim
    role: putaway
    location: room
    output: light
    simulate:
      repeat: 2m
      scans:
        - {at: 5s, data: "]d2010950600013435210L1"}
        - {at: 1m, data: "(01)09506000134352(10)L1"}
        - {at: 90s, data: "not a barcode"}
readers:
  - {id: rd-1, address: 192.0.2.20}
portal:
  doors:
    - id: dock-1
      inside: room
      alarm_output: buzzer-1
      antennas:
        - {reader: rd-1, antenna: 1, zone: outside}
        - {reader: rd-1, antenna: 2, zone: inside}
    - id: dock-2
      alarm_for: 2m
      antennas:
        - {reader: rd-1, antenna: 3, zone: outside}
        - {reader: rd-1, antenna: 4, zone: inside}
`

func TestStationDefaults(t *testing.T) {
	c, err := Parse("stations.yaml", []byte(stationValid))
	if err != nil {
		t.Fatal(err)
	}
	if d := c.Door("dock-1"); d.AlarmOutput != "buzzer-1" || d.AlarmFor.Duration != DefaultAlarmFor {
		t.Errorf("door dock-1 alarm: %q for %v, want buzzer-1 for 30s", d.AlarmOutput, d.AlarmFor)
	}
	if d := c.Door("dock-2"); d.AlarmOutput != "" || d.AlarmFor.Duration != 2*time.Minute {
		t.Errorf("door dock-2 keeps what is written: %q for %v", d.AlarmOutput, d.AlarmFor)
	}
	if o := c.Output("buzzer-1"); o != &c.Outputs[0] || o.GPIO.Pin != "GPIO27" || o.GPIO.ActiveLow || o.Simulate {
		t.Errorf("Output(buzzer-1) = %+v", o)
	}
	if o := c.Output("light"); o == nil || !o.Simulate || o.GPIO.Pin != "" {
		t.Errorf("Output(light) = %+v", o)
	}
	r := c.Station("recv-1")
	if r != &c.Stations[0] || r.Role != RoleReceiving || r.Location != "dock-1" || r.Into != "room" || r.Output != "buzzer-1" {
		t.Fatalf("Station(recv-1) = %+v", r)
	}
	kb := r.Scanner.Keyboard
	if kb == nil || kb.Device != "/dev/input/by-id/usb-Honeywell_Imaging___Mobility_1900-event-kbd" || kb.Layout != "de" ||
		kb.GSText != "<GS>" || kb.Grab == nil || *kb.Grab || r.Scanner.CharTimeout != 200*time.Millisecond || r.Scanner.Serial != nil {
		t.Errorf("recv-1 scanner: %+v %+v", r.Scanner, kb)
	}
	s := c.Station("ship-1")
	if s == nil || s.ShipTo != "9506000134130" || s.FNC1 != "^" || s.Scanner.Serial == nil ||
		*s.Scanner.Serial != (scanner.SerialOptions{Port: "/dev/ttyACM0", Baud: 115200, Terminator: "crlf"}) {
		t.Errorf("Station(ship-1) = %+v", s)
	}
	p := c.Station("putaway-sim")
	if p == nil || p.Simulate == nil || p.Simulate.Repeat.Duration != 2*time.Minute || len(p.Simulate.Scans) != 3 ||
		p.Simulate.Scans[2] != (SimScan{At: Duration{90 * time.Second}, Data: "not a barcode"}) || !reflect.ValueOf(p.Scanner).IsZero() {
		t.Errorf("Station(putaway-sim) = %+v", p)
	}
	if c.Station("nope") != nil || c.Output("nope") != nil || c.Station("") != nil {
		t.Error("Station or Output found an id that is not there")
	}
	again, _ := Parse("stations.yaml", []byte(stationValid))
	if err := again.Init(); err != nil || !reflect.DeepEqual(c, again) {
		t.Errorf("a second Init: %v, or it changed the configuration", err)
	}
}

func TestStationsInGo(t *testing.T) {
	c := &Config{
		Site: "s1", Gateway: "gw1",
		Locations: []Location{{ID: "room"}},
		Outputs:   []Output{{ID: "beep", Simulate: true}},
		Stations: []Station{{ID: "pick", Role: RolePicking, Location: "room", Output: "beep",
			Simulate: &StationSimulation{Scans: []SimScan{{Data: "(01)09506000134352(10)L1"}}}}},
	}
	if err := c.Init(); err != nil {
		t.Fatal(err)
	}
	c.Stations[0].Simulate = nil // now it needs a scanner
	var errs Errors
	if err := c.Init(); !errors.As(err, &errs) || len(errs) != 1 ||
		errs[0].Error() != "config: stations[0].scanner: required unless simulate is set: want a keyboard block (USB HID scanner) or a serial block" {
		t.Errorf("Init = %v", err)
	}
}

func TestStationProblems(t *testing.T) {
	long := strings.Repeat("A", MaxSimScan+1)
	doors := `readers:
  - {id: rd-1, address: 192.0.2.20}
portal:
  doors:
    - id: dock-1
      alarm_output: siren
      alarm_for: 2h
      antennas:
        - {reader: rd-1, antenna: 1, zone: outside}
        - {reader: rd-1, antenna: 2, zone: inside}
    - id: dock-2
      alarm_for: 500ms
      antennas:
        - {reader: rd-1, antenna: 3, zone: outside}
        - {reader: rd-1, antenna: 4, zone: inside}
`
	tests := []struct {
		name string
		body string // after dockHead: its first line is line 9
		want []problem
	}{
		{"outputs", `outputs:
  - {id: buzzer, gpio: {pin: GPIO27}}
  - {id: buzzer, gpio: {pin: "27"}}
  - {id: Light}
  - {id: sim-1, simulate: true}
  - {id: sim-2, simulate: true, gpio: {active_low: true}}
  - {id: relay, simulate: true, gpio: {pin: gpio27, active_low: true}}
  - {id: horn, gpio: {pin: ""}}
`, []problem{
			p(`11:10 outputs[1].id: output "buzzer" is already defined at outputs[0]`),
			p(`11:30 outputs[1].gpio.pin: "27" is the same pin as outputs[0].gpio.pin ("GPIO27"): want one output per pin`),
			p(`12:5 outputs[2].gpio.pin: required unless simulate is true: want a GPIO pin name such as GPIO27`),
			p(`12:10 outputs[2].id: "Light" has 'L' at position 1: want lower-case letters`),
			p(`15:45 outputs[5].gpio.pin: "gpio27" is the same pin as outputs[0].gpio.pin ("GPIO27")`),
			p(`16:28 outputs[6].gpio.pin: required unless simulate is true`),
		}},
		{"stations", `outputs: [{id: beep, gpio: {pin: GPIO5}}]
stations:
  - id: recv-1
    role: receiving
    location: nowhere
    into: dock-2
    ship_to: "9506000134116"
    output: horn
    fnc1: "]A"
    scanner:
      keyboard: {device: dev/input/event3, layout: uk, gs_key: enter}
      char_timeout: 1ms
  - id: recv-1
    role: packing
    location: dock-1
    fnc1: "^^^^^^^^^"
    scanner: {serial: {port: /dev/ttyACM0, parity: mark}}
  - id: put-1
    role: putaway
    location: dock-1
    into: room
    scanner: {serial: {port: /dev/ttyACM0}}
  - id: ship-1
    role: shipping
    location: room
    ship_to: "123"
    fnc1: ""
    scanner: {max_length: 70000, keyboard: {device: /dev/input/event3}, serial: {port: /dev/ttyUSB0}}
  - {}
`, []problem{
			p(`13:15 stations[0].location: no location "nowhere": want the id of a location, typically a dock_door (one of dock-1, dock-2, room)`),
			p(`14:11 stations[0].into: location "dock-2" is a dock_door: want the id of the location received goods go into, not a dock_door (one of room)`),
			p(`15:14 stations[0].ship_to: given, but role is receiving: want ship_to on shipping stations only`),
			p(`16:13 stations[0].output: no output "horn" (want one of beep)`),
			p(`17:11 stations[0].fnc1: "]A" has 'A' at position 2: want 1 to 8 printable ASCII characters other than letters and digits, like ^ or ~`),
			p(`19:26 stations[0].scanner.keyboard.device: "dev/input/event3" is not a device path (want /dev/input/by-id/…-event-kbd or /dev/input/eventN)`),
			p(`19:52 stations[0].scanner.keyboard.layout: "uk": want us, de or fr`),
			p(`19:64 stations[0].scanner.keyboard.gs_key: enter is also the terminator`),
			p(`20:21 stations[0].scanner.char_timeout: 1ms is out of range (want 10ms to 10s; default 300ms)`),
			p(`21:9 stations[1].id: station "recv-1" is already defined at stations[0]`),
			p(`22:11 stations[1].role: want receiving, putaway, picking or shipping, got "packing"`),
			p(`24:11 stations[1].fnc1: want 1 to 8 printable ASCII characters other than letters and digits, like ^ or ~, got 9 characters`),
			p(`25:52 stations[1].scanner.serial.parity: "mark": want none, even or odd`),
			p(`28:15 stations[2].location: location "dock-1" is a dock_door: want the id of the location goods are put away into, not a dock_door (one of room)`),
			p(`29:11 stations[2].into: given, but role is putaway: want into on receiving stations only`),
			p(`30:30 stations[2].scanner.serial.port: /dev/ttyACM0 is already the scanner of stations[1] ("recv-1"): want one station per scanner`),
			p(`34:14 stations[3].ship_to: gs1: GLN "123" has 3 digits, want 13`),
			p(`35:11 stations[3].fnc1: want 1 to 8 printable ASCII characters other than letters and digits, like ^ or ~, got an empty string (omit the key for ASCII 29 only)`),
			p(`36:27 stations[3].scanner.max_length: 70000 is out of range (want 1 to 65536; default 4096)`),
			p(`36:81 stations[3].scanner.serial: give one of keyboard and serial, not both`),
			p(`37:5 stations[4].id: required: want an id`),
			p(`37:5 stations[4].role: required: want receiving, putaway, picking or shipping`),
			p(`37:5 stations[4].location: required: want the id of a location, typically a dock_door (one of dock-1, dock-2, room)`),
			p(`37:5 stations[4].scanner: required unless simulate is set: want a keyboard block (USB HID scanner) or a serial block`),
		}},
		{"simulation", `stations:
  - id: sim-1
    role: picking
    location: room
    simulate:
      repeat: 30s
      scans:
        - {at: -1s, data: ""}
        - {at: 1m, data: ` + long + `}
  - id: sim-2
    role: picking
    location: room
    scanner: {}
    simulate: {scans: [], repeat: -1s}
  - id: sim-3
    role: receiving
    location: dock-1
    scanner: {serial: {port: /dev/ttyUSB0, baud: 1000}}
    simulate:
      scans: [{at: 10s, data: x}, {at: 5s, data: y}]
  - id: sim-4
    role: picking
    location: nowhere
    scanner: {char_timeout: 50ms}
    simulate: {scans: [{data: "]C1"}]}
`, []problem{
			p(`14:15 stations[0].simulate.repeat: want 0 (play once) or longer than the last scan's at (1m0s), got 30s`),
			p(`16:16 stations[0].simulate.scans[0].at: want a duration of 0 or more after the script starts, got -1s`),
			p(`16:27 stations[0].simulate.scans[0].data: required: want what the scanner sends`),
			p(`17:26 stations[0].simulate.scans[1].data: want at most 4096 characters, got 4097`),
			p(`22:23 stations[1].simulate.scans: want at least one scan like {at: 5s, data: "(01)09506000134352(10)L1"}, got none`),
			p(`22:35 stations[1].simulate.repeat: want a duration of 0 (play once) or more, got -1s`),
			p(`26:50 stations[2].scanner.serial.baud: 1000 is not a supported speed`),
			p(`28:40 stations[2].simulate.scans[1].at: want scans in the order they are played: 10s or later (stations[2].simulate.scans[0].at), got 5s`),
			p(`31:15 stations[3].location: no location "nowhere": want the id of the location goods are picked from, not a dock_door (one of room)`),
			p(`32:14 stations[3].scanner.keyboard: one of keyboard and serial is required`),
		}},
		{"door alarms", `outputs: [{id: horn, gpio: {pin: GPIO5}}]
` + doors, []problem{
			p(`15:21 portal.doors[0].alarm_output: no output "siren" (want one of horn)`),
			p(`16:18 portal.doors[0].alarm_for: want a duration from 1s to 1h, got 2h0m0s`),
			p(`21:18 portal.doors[1].alarm_for: want a duration from 1s to 1h, got 500ms`),
		}},
		{"no outputs", doors + `stations:
  - {id: st, role: picking, location: room, output: horn, simulate: {scans: [{data: x}]}}
`, []problem{
			p(`14:21 portal.doors[0].alarm_output: no output "siren" (none are defined in outputs)`),
			p(`15:18 portal.doors[0].alarm_for: want a duration from 1s to 1h, got 2h0m0s`),
			p(`20:18 portal.doors[1].alarm_for: want a duration from 1s to 1h, got 500ms`),
			p(`25:53 stations[0].output: no output "horn" (none are defined in outputs)`),
		}},
		{"undecodable values are not checked again", `outputs: {id: horn}
stations:
  - id: st
    role: picking
    location: room
    output: horn
    scanner:
      keyboard: usb
      char_timeout: 10
  - id: st-2
    role: picking
    location: room
    scanner:
      serial: {port: /dev/ttyACM0, baud: fast, parity: mark}
      aimm: off
`, []problem{
			p(`9:10 outputs: want a list, got a mapping`),
			p(`16:17 stations[0].scanner.keyboard: want a mapping with keys device, layout, terminator, gs_key, gs_text, grab, got "usb"`),
			p(`17:21 stations[0].scanner.char_timeout: want a duration like 1s, got "10"`),
			p(`22:42 stations[1].scanner.serial.baud: want an integer, got "fast"`),
			p(`22:56 stations[1].scanner.serial.parity: "mark": want none, even or odd`),
			p(`23:7 stations[1].scanner.aimm: unknown key "aimm"; did you mean "aim"?`),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("stations.yaml", []byte(dockHead+tt.body))
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

// TestScannerErrorsWithoutAKey: a scanner error whose Field is not a key of
// scanner.Options, or that is not a *scanner.ConfigError, is reported at the block.
func TestScannerErrorsWithoutAKey(t *testing.T) {
	k := &checker{c: &Config{file: "config"}}
	k.scannerOptions("stations[0].scanner", errors.Join(
		&scanner.ConfigError{Field: "keyboard.layout", Msg: "at the key"},
		&scanner.ConfigError{Field: "keyboard.colour", Msg: "no such key"},
		&scanner.ConfigError{Msg: "no field"},
		errors.New("scanner: something else")))
	want := []string{
		"config: stations[0].scanner.keyboard.layout: at the key",
		"config: stations[0].scanner: scanner: keyboard.colour: no such key",
		"config: stations[0].scanner: scanner: : no field",
		"config: stations[0].scanner: scanner: something else",
	}
	if len(k.errs) != len(want) {
		t.Fatalf("got %v, want %d problems", k.errs, len(want))
	}
	for i, w := range want {
		if got := k.errs[i].Error(); got != w {
			t.Errorf("problem %d = %s, want %s", i, got, w)
		}
	}
}

// TestDockDoorExampleStations checks the scanner stations of examples/dock-door.yaml.
func TestDockDoorExampleStations(t *testing.T) {
	c, err := Load("examples/dock-door.yaml")
	if err != nil {
		t.Fatal(err)
	}
	recv, ship := c.Station("recv-dock-1"), c.Station("ship-dock-2")
	if recv == nil || recv.Role != RoleReceiving || recv.Scanner.Keyboard == nil ||
		recv.Scanner.Keyboard.Device != "/dev/input/by-id/usb-Honeywell_Imaging___Mobility_1900-event-kbd" {
		t.Fatalf("receiving station: %+v", recv)
	}
	if ship == nil || ship.Role != RoleShipping || ship.Scanner.Serial == nil || ship.Scanner.Serial.Port != "/dev/ttyACM0" {
		t.Errorf("shipping station: %+v", ship)
	}
	if o := c.Output(recv.Output); o == nil || o.GPIO.Pin != "GPIO27" || o.Simulate {
		t.Errorf("receiving station's output: %+v", o)
	}
	if d := c.Door("dock-2"); c.Output(d.AlarmOutput) == nil || d.AlarmFor.Duration != time.Minute {
		t.Errorf("dock-2 alarm: %q for %v", d.AlarmOutput, d.AlarmFor)
	}
}
