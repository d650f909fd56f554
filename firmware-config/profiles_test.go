package fwconfig

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/modbus"
	"github.com/lotsense/lotsense/drivers/modbus/modbussim"
)

func TestShippedProfiles(t *testing.T) {
	ps, err := ShippedProfiles()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"generic-refrigeration-controller", "generic-rs485-th", "lotsense-sim"}
	if got := ps.Names(); !sameSet(got, want) {
		t.Fatalf("shipped profiles = %v, want %v", got, want)
	}
	for _, name := range want {
		pts, _ := ps.Points(name)
		if err := (modbus.Options{Address: "10.0.0.1", UnitID: 1, Points: pts}).Validate(); err != nil {
			t.Errorf("%s: the driver refuses it: %v", name, err)
		}
	}
	pts, _ := ps.Points("generic-rs485-th")
	*pts[0].Min, pts[0].Fault[0] = 99, 1
	again, _ := ps.Points("generic-rs485-th")
	if *again[0].Min != -40 || again[0].Fault[0] != 32767 {
		t.Error("Points returned shared data")
	}
}

// TestBadProfiles walks testdata/bad-profiles as TestBad walks testdata/bad.
func TestBadProfiles(t *testing.T) {
	files, err := filepath.Glob("testdata/bad-profiles/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test cases: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			want, err := os.ReadFile(strings.TrimSuffix(f, ".yaml") + ".err")
			if err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ParseProfile(filepath.Base(f), data)
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("ParseProfile: got %v, want Errors", err)
			}
			lines := strings.Split(strings.TrimSpace(string(want)), "\n")
			if len(errs) != len(lines) {
				t.Errorf("got %d problems, want %d:\n%v", len(errs), len(lines), err)
			}
			for i, line := range lines {
				if i < len(errs) && !strings.Contains(errs[i].Error(), line) {
					t.Errorf("problem %d:\n got  %s\n want %s", i, errs[i], line)
				}
			}
		})
	}
}

func TestLoadProfilesDir(t *testing.T) {
	dir := t.TempDir()
	good := "name: my-probe\npoints:\n  - {quantity: temperature, register: 3, unit: °F}\n"
	if err := os.WriteFile(filepath.Join(dir, "my-probe.yaml"), []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	ps, err := ShippedProfiles()
	if err != nil {
		t.Fatal(err)
	}
	if ps, err = LoadProfiles(dir, ps); err != nil || ps["my-probe"] == nil || ps["lotsense-sim"] == nil {
		t.Fatalf("LoadProfiles = %v, %v", ps, err)
	}
	if _, err := LoadProfiles(dir, ps); err == nil || !strings.Contains(err.Error(), `"my-probe" is already defined`) {
		t.Errorf("loading a profile twice: %v", err)
	}
	bad := "name: broken\npoints:\n  - {quantity: temperature, register: 3}\n"
	if err := os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadProfiles(dir, nil)
	if want := filepath.Join(dir, "broken.yaml") + ":3:5: points[0].unit: required"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("LoadProfiles of a bad file: %v, want %q", err, want)
	}
}

// A gateway configuration naming a device profile gets its points; one naming a
// built-in map keeps working.
func TestConfigResolvesProfiles(t *testing.T) {
	src := `site: s
gateway: g
locations: [{id: room}]
sensors:
  - {id: ctl, type: modbus, location: room, modbus: {serial: {port: /dev/ttyUSB0, parity: none}, unit_id: 2, profile: generic-refrigeration-controller}}
  - {id: th, type: modbus, location: room, modbus: {serial: {port: /dev/ttyUSB0, parity: none}, unit_id: 3, profile: generic-rs485-th}}
  - {id: old, type: modbus, location: room, modbus: {address: "10.0.0.1:502", profile: th-transmitter}}
`
	c, err := Parse("site.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	ctl := c.Sensors[0].Modbus
	if len(ctl.Points) != 5 || ctl.Points[2].Table != "discrete" || ctl.Serial.Baud != 9600 || ctl.Serial.Pause != modbus.DefaultPause {
		t.Errorf("controller resolved to %+v, serial %+v", ctl.Points, ctl.Serial)
	}
	if len(c.Sensors[2].Modbus.Points) != 0 {
		t.Errorf("a built-in profile was filled in: %+v", c.Sensors[2].Modbus.Points)
	}
	if err := c.Init(); err != nil {
		t.Errorf("Init again: %v", err)
	}
	for i := range c.Sensors {
		if err := c.Sensors[i].Modbus.Validate(); err != nil {
			t.Errorf("sensors[%d]: driver refuses the resolved options: %v", i, err)
		}
	}
	bad := strings.Replace(src, "unit_id: 3, profile", "unit_id: 2, profile", 1)
	bad = strings.Replace(bad, "{port: /dev/ttyUSB0, parity: none}, unit_id: 2, profile: generic-rs485-th", "{port: /dev/ttyUSB0}, unit_id: 2, profile: generic-rs485-th", 1)
	_, err = Parse("site.yaml", []byte(bad))
	for _, want := range []string{"sensors[1].modbus.serial: port /dev/ttyUSB0 is also used by sensors[0] with other settings", "sensors[1].modbus.unit_id: sensors[0] on /dev/ttyUSB0 already has unit id 2"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("sharing a bus badly: %v\nwant %q", err, want)
		}
	}
}

// The lotsense-sim profile reads exactly what modbussim serves, scripted door included.
func TestSimProfileMatchesSimulator(t *testing.T) {
	ps, err := ShippedProfiles()
	if err != nil {
		t.Fatal(err)
	}
	pts, _ := ps.Points("lotsense-sim")
	start := time.Date(2025, 7, 1, 6, 0, 0, 0, time.UTC)
	at := start.Add(6*time.Hour + 10*time.Minute) // a defrost, not the door
	clock := start
	cfg := modbussim.DefaultConfig()
	cfg.Clock = func() time.Time { return clock }
	sim, err := modbussim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	clock = at
	if err := sim.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer sim.Stop()
	dev, err := modbus.New(modbus.Options{Address: sim.Addr(), UnitID: 1, Points: pts})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	rs, err := dev.Poll(t.Context(), at, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[drivers.Quantity]float64{drivers.Temperature: sim.Temperature(at), drivers.RelativeHumidity: sim.Humidity(at),
		drivers.DoorOpen: 0, drivers.CompressorRunning: 0, drivers.DefrostActive: 1}
	for _, r := range rs {
		if r.Quality != drivers.Good || math.Abs(r.Value-want[r.Quantity]) > 0.051 {
			t.Errorf("%s = %v %s, want %v", r.Quantity, r.Value, r.Quality, want[r.Quantity])
		}
	}
	if len(rs) != 5 {
		t.Errorf("%d readings, want 5", len(rs))
	}
}
