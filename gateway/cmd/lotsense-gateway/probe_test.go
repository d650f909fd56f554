package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lotsense/lotsense/drivers/llrp"
	"github.com/lotsense/lotsense/gateway"
)

// probeConfig writes a dock door with two emulated readers: door-a as configured on
// site (power index 81), door-b asking for an index the reader does not have.
func probeConfig(t *testing.T) string {
	t.Helper()
	src := `
site: probe-site
gateway: probe-gw
outbox: {dir: ` + filepath.Join(t.TempDir(), "outbox") + `}
locations:
  - {id: dock-1, kind: dock_door, gln: "0614141000005"}
  - {id: room, kind: cold_room}
readers:
  - id: door-a
    address: 192.0.2.1
    transmit_power: 81
    simulate: {passes: [{at: 1s, door: dock-1, tags: ["urn:epc:id:sgtin:0614141.812345.1"]}]}
  - id: door-b
    address: 192.0.2.2
    transmit_power: 200
    simulate: {passes: [{at: 1s, door: dock-1, tags: ["urn:epc:id:sgtin:0614141.812345.1"]}]}
portal:
  doors:
    - id: dock-1
      inside: room
      antennas:
        - {reader: door-a, antenna: 1, zone: outside}
        - {reader: door-a, antenna: 2, zone: inside}
        - {reader: door-b, antenna: 3, zone: outside}
        - {reader: door-b, antenna: 4, zone: inside}
`
	file := filepath.Join(t.TempDir(), "gateway.yaml")
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

func TestProbeReader(t *testing.T) {
	file := probeConfig(t)
	var out bytes.Buffer
	if err := probeCmd(context.Background(), []string{"-config", file, "door-a"}, &out); err != nil {
		t.Fatal(err)
	}
	var p gateway.ReaderProbe
	if err := json.Unmarshal(out.Bytes(), &p); err != nil {
		t.Fatalf("%v in:\n%s", err, out.String())
	}
	if p.Reader != "door-a" || !p.Simulated || p.Manufacturer != 25882 || p.Model != 700 || p.Firmware != "llrpsim" ||
		p.Antennas != 4 || !p.UTCClock || p.Country != 840 || p.MaxROSpecs != 1 || len(p.Power) != 93 ||
		!p.Frequency.Hopping || len(p.Frequency.HopTables) != 1 || len(p.Frequency.HopTables[0].KHz) != 50 {
		t.Errorf("probe %+v", p)
	}
	for _, line := range []string{ // one power entry per line, the reader's table
		`  "manufacturer": 25882,`,
		`  "firmware": "llrpsim",`,
		`    {"index": 1, "dbm": 10},`,
		`    {"index": 81, "dbm": 30},`,
		`    {"index": 93, "dbm": 33}`,
		`      "khz": [902750, 903250, 903750,`,
	} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("output has no line %q:\n%s", line, out.String())
		}
	}
}

func TestProbeReaderRefusesPower(t *testing.T) {
	var out bytes.Buffer
	err := probeCmd(context.Background(), []string{"-config", probeConfig(t), "door-b"}, &out)
	if !errors.Is(err, llrp.ErrUnsupportedOption) ||
		!strings.Contains(err.Error(), "transmit power index 200 is not in its TransmitPowerLevelTable: indexes 1..93 (10.00..33.00 dBm)") {
		t.Fatalf("probe door-b = %v", err)
	}
	var p gateway.ReaderProbe // the table is printed all the same, to pick an index from
	if jerr := json.Unmarshal(out.Bytes(), &p); jerr != nil || len(p.Power) != 93 || p.Reader != "door-b" {
		t.Errorf("output %v:\n%s", jerr, out.String())
	}
}

func TestProbeUnknownID(t *testing.T) {
	err := probeCmd(context.Background(), []string{"-config", probeConfig(t), "nope"}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), `no sensor "nope"`) {
		t.Errorf("probe nope = %v", err)
	}
}
