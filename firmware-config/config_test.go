package fwconfig

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lotsense/lotsense/drivers/gs1"
	"github.com/lotsense/lotsense/drivers/modbus"
)

const minimal = `
site: s1
gateway: gw1
locations:
  - id: room-1
    lots:
      - {gtin: "9506000134352", lot: "A(10)B"}
      - {gtin: "09506000134369", lot: L2}
sensors:
  - id: th-1
    type: modbus
    location: room-1
    modbus: {address: 10.0.0.5, profile: th-transmitter}
    simulate: {setpoint: 0}
`

func TestDefaults(t *testing.T) {
	c, err := Parse("minimal.yaml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	m := c.MQTT
	if m.Broker != DefaultBroker || m.ClientID != "lotsense-gw1" || m.KeepAlive.Duration != 30*time.Second ||
		m.BatchSize != 1000 || m.MaxInflight != 8 {
		t.Errorf("mqtt defaults: %+v", m)
	}
	if c.Outbox.Dir != "./data/gateway/gw1" || c.Outbox.MaxBytes != GiB {
		t.Errorf("outbox defaults: %+v", c.Outbox)
	}
	if c.Locations[0].Kind != KindColdRoom {
		t.Errorf("location kind = %q", c.Locations[0].Kind)
	}
	s := c.Sensors[0]
	if s.Interval.Duration != 10*time.Second || s.Modbus.UnitID != 1 || s.Modbus.Timeout != time.Second {
		t.Errorf("sensor defaults: interval %v, unit %d, timeout %v", s.Interval, s.Modbus.UnitID, s.Modbus.Timeout)
	}
	// setpoint: 0 is written, so kept; the rest take their defaults.
	if sim := *s.Simulate; sim.Setpoint != 0 || sim.Ambient != 22 || sim.FailAfter.Duration != 0 || sim.WarmTau.Duration != 30*time.Minute {
		t.Errorf("simulation defaults: %+v", sim)
	}
	if c.File() != "minimal.yaml" {
		t.Errorf("File() = %q", c.File())
	}
}

func TestLotsAt(t *testing.T) {
	c, err := Parse("minimal.yaml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"(01)09506000134352(10)A(10)B", "(01)09506000134369(10)L2"}
	if got := c.LotsAt("room-1"); !slices.Equal(got, want) {
		t.Errorf("LotsAt(room-1) = %q, want %q", got, want)
	}
	for _, key := range want {
		if _, _, err := gs1.ParseLotKey(key); err != nil {
			t.Error(err)
		}
	}
	if got := c.LotsAt("nowhere"); got != nil {
		t.Errorf("LotsAt(nowhere) = %q, want nil", got)
	}
}

func TestInitInGo(t *testing.T) {
	c := &Config{
		Site:      "s1",
		Gateway:   "gw1",
		Locations: []Location{{ID: "truck-7", Kind: KindTruck}},
		Sensors: []Sensor{{ID: "reefer", Type: "modbus", Location: "truck-7",
			Modbus: &modbus.Options{Address: "10.0.0.9:502", Profile: "reefer-controller"}}},
	}
	if err := c.Init(); err != nil {
		t.Fatal(err)
	}
	if c.MQTT.BatchSize != DefaultBatchSize || c.Sensors[0].Interval.Duration != DefaultInterval {
		t.Errorf("defaults not filled in: %+v", c)
	}
	if err := c.Init(); err != nil {
		t.Errorf("second Init: %v", err)
	}
	c.Sensors[0].Location = "truck-8"
	err := c.Init()
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Line != 0 ||
		errs[0].Error() != `config: sensors[0].location: no location "truck-8" (want one of truck-7)` {
		t.Errorf("Init = %v", err)
	}
}

func TestMergeKeysAndExtensions(t *testing.T) {
	const src = `
x-th: &th
  address: 10.0.0.5:502
  profile: th-transmitter
  unit_id: 7
site: s1
gateway: gw1
locations: [{id: room-1}]
sensors:
  - {id: a, type: modbus, location: room-1, modbus: {<<: *th}}
  - {id: b, type: modbus, location: room-1, modbus: {<<: *th, address: 10.0.0.6}}
  - {id: c, type: modbus, location: room-1, modbus: *th}
`
	c, err := Parse("merge.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var addrs []string
	for _, s := range c.Sensors {
		addrs = append(addrs, s.Modbus.Address)
		if s.Modbus.UnitID != 7 {
			t.Errorf("sensor %s: unit id %d, want 7", s.ID, s.Modbus.UnitID)
		}
	}
	if want := []string{"10.0.0.5:502", "10.0.0.6", "10.0.0.5:502"}; !slices.Equal(addrs, want) {
		t.Errorf("addresses %q, want %q", addrs, want)
	}
	if c.Sensors[0].Modbus == c.Sensors[2].Modbus {
		t.Error("two sensors share one *modbus.Options")
	}
}

func TestMergeErrorPointsAtAnchor(t *testing.T) {
	const src = "x-th: &th {address: 'h:1', profile: nope}\nsite: s1\ngateway: gw1\n" +
		"locations: [{id: r}]\nsensors: [{id: a, type: modbus, location: r, modbus: {<<: *th}}]\n"
	_, err := Parse("m.yaml", []byte(src))
	if err == nil || !strings.Contains(err.Error(), `m.yaml:1:37: sensors[0].modbus.profile: unknown profile "nope"`) {
		t.Errorf("Parse = %v", err)
	}
}

func TestAliasBomb(t *testing.T) {
	// 100 sensors × 100 points × 100 fault values from a few kilobytes.
	list := func(ref string) string { return strings.TrimSuffix(strings.Repeat(ref+", ", 100), ", ") }
	src := "x-f: &f [" + list("1") + "]\n" +
		"x-p: &p {quantity: temperature, type: int16, fault: *f}\n" +
		"x-ps: &ps [" + list("*p") + "]\n" +
		"x-s: &s {id: a, type: modbus, location: r, modbus: {address: 'h:1', points: *ps}}\n" +
		"site: s1\ngateway: gw1\nlocations: [{id: r}]\nsensors: [" + list("*s") + "]\n"
	_, err := Parse("bomb.yaml", []byte(src))
	if err == nil || !strings.Contains(err.Error(), "expands to more than") {
		t.Errorf("Parse of an alias bomb = %.300v", err)
	}
}

func TestErrorsUnwrap(t *testing.T) {
	_, err := Parse("x.yaml", []byte("site: s1\ngateway: gw1\nlocations: [{id: r, lots: [{gtin: '09506000134353', lot: L}]}]\n"))
	if !errors.Is(err, gs1.ErrCheckDigit) {
		t.Errorf("errors.Is(%v, gs1.ErrCheckDigit) = false", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.File != "x.yaml" || e.Line != 3 || e.Column != 35 || e.Path != "locations[0].lots[0].gtin" {
		t.Errorf("errors.As: %+v", e)
	}
}
