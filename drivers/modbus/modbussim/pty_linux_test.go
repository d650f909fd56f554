package modbussim_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/modbus"
	"github.com/lotsense/lotsense/drivers/modbus/modbussim"
)

// Two devices on one simulated RS-485 port, read by the real RTU driver: good values,
// then unit 1's probe breaks (fault codes: bad) and unit 2 falls silent (unavailable,
// without disturbing unit 1).
func TestServePTY(t *testing.T) {
	start := time.Date(2025, 7, 1, 6, 0, 0, 0, time.UTC)
	var now atomic.Int64
	now.Store(start.UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	a, b := modbussim.DefaultConfig(), modbussim.DefaultConfig()
	a.Clock, a.FaultAt = clock, time.Hour
	b.Clock, b.SilentAt, b.Setpoint = clock, time.Hour, -18
	simA, err := modbussim.New(a)
	if err != nil {
		t.Fatal(err)
	}
	simB, _ := modbussim.New(b)
	pty, err := modbussim.ServePTY(map[uint8]*modbussim.Server{1: simA, 2: simB})
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	defer pty.Close()
	bus, err := modbus.OpenBus(modbus.Serial{Port: pty.Path(), Baud: 115200})
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	none := 0
	devA, _ := modbus.NewOnBus(bus, modbus.Options{UnitID: 1, Profile: "th-transmitter", Timeout: time.Second})
	devB, err := modbus.NewOnBus(bus, modbus.Options{UnitID: 2, Profile: "th-transmitter", Timeout: 200 * time.Millisecond, Retries: &none})
	if err != nil {
		t.Fatal(err)
	}
	poll := func(d *modbus.Dev) drivers.Reading {
		rs, _ := d.Poll(context.Background(), clock(), nil)
		return rs[0]
	}
	if r := poll(devA); r.Quality != drivers.Good || r.Value != 3 {
		t.Errorf("unit 1: %+v, want 3 °C good", r)
	}
	if r := poll(devB); r.Quality != drivers.Good || r.Value != -18 {
		t.Errorf("unit 2: %+v, want -18 °C good", r)
	}
	now.Store(start.Add(time.Hour).UnixNano())
	if r := poll(devB); r.Quality != drivers.Unavailable {
		t.Errorf("unit 2 after SilentAt: %+v, want unavailable", r)
	}
	if r := poll(devA); r.Quality != drivers.Bad {
		t.Errorf("unit 1 after FaultAt: %+v, want bad", r)
	}
}
