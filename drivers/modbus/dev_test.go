package modbus_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/modbus"
	"github.com/lotsense/lotsense/drivers/modbus/modbussim"
)

// fakeClock is the simulator's time, moved by the test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

var t0 = time.Date(2025, 7, 1, 6, 0, 0, 0, time.UTC)

// startSim starts a simulator on a free loopback port, stopped when the test ends.
func startSim(t *testing.T, cfg modbussim.Config) *modbussim.Server {
	t.Helper()
	sim, err := modbussim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := sim.Stop(); err != nil {
			t.Error(err)
		}
	})
	return sim
}

func newDev(t *testing.T, opts modbus.Options) *modbus.Dev {
	t.Helper()
	if opts.Timeout == 0 {
		opts.Timeout = 2 * time.Second
	}
	dev, err := modbus.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := dev.Close(); err != nil {
			t.Error(err)
		}
	})
	return dev
}

func poll(t *testing.T, dev *modbus.Dev, now time.Time) map[drivers.Quantity]drivers.Reading {
	t.Helper()
	rs, err := dev.Poll(context.Background(), now, nil)
	if err != nil {
		t.Fatalf("Poll: %v", err)
	}
	return byQuantity(t, rs, now)
}

func byQuantity(t *testing.T, rs []drivers.Reading, now time.Time) map[drivers.Quantity]drivers.Reading {
	t.Helper()
	m := map[drivers.Quantity]drivers.Reading{}
	for _, r := range rs {
		if r.Sensor != "" || !r.Time.Equal(now) {
			t.Errorf("reading %+v: want empty Sensor and Time %v", r, now)
		}
		m[r.Quantity] = r
	}
	return m
}

// wantValue checks a good reading against the model; registers hold tenths.
func wantValue(t *testing.T, r drivers.Reading, want float64) {
	t.Helper()
	if r.Quality != drivers.Good || math.Abs(r.Value-want) > 0.051 {
		t.Errorf("%s = %.3f %s, want %.3f good", r.Quantity, r.Value, r.Quality, want)
	}
}

func reeferOnInputTable() []modbus.Point {
	ps, _ := modbus.Profile("reefer-controller")
	for i := range ps {
		ps[i].Table = "input"
	}
	return ps
}

func TestDevReadsSimulatedColdRoom(t *testing.T) {
	clk := &fakeClock{t: t0}
	cfg := modbussim.DefaultConfig()
	cfg.Clock, cfg.FailAt = clk.Now, 2*time.Hour
	sim := startSim(t, cfg)
	th := newDev(t, modbus.Options{Address: sim.Addr(), UnitID: 1, Profile: "th-transmitter"})
	reefer := newDev(t, modbus.Options{Address: sim.Addr(), UnitID: 1, Points: reeferOnInputTable()})

	var prev float64
	for _, at := range []time.Duration{0, 7 * time.Minute, 95 * time.Minute} {
		now := t0.Add(at)
		clk.Set(now)
		m := poll(t, th, now)
		wantValue(t, m[drivers.Temperature], sim.Temperature(now))
		wantValue(t, m[drivers.RelativeHumidity], sim.Humidity(now))
		r := poll(t, reefer, now)
		wantValue(t, r[drivers.Temperature], sim.Temperature(now))
		wantValue(t, r[drivers.CompressorRunning], 1)
		wantValue(t, r[drivers.DoorOpen], 0)
		wantValue(t, r[drivers.DefrostActive], 0)
		if got := math.Abs(m[drivers.Temperature].Value - cfg.Setpoint); got > 0.25 {
			t.Errorf("at %v the room is %.2f °C off its setpoint while the compressor runs", at, got)
		}
	}
	sim.SetDoorOpen(true)
	wantValue(t, poll(t, reefer, t0)[drivers.DoorOpen], 1)

	for _, at := range []time.Duration{130 * time.Minute, 160 * time.Minute, 5 * time.Hour} {
		now := t0.Add(at)
		clk.Set(now)
		m := poll(t, th, now)
		temp := m[drivers.Temperature]
		wantValue(t, temp, sim.Temperature(now))
		if temp.Value <= prev+0.5 {
			t.Errorf("at %v after a compressor failure the room is %.1f °C, was %.1f", at, temp.Value, prev)
		}
		prev = temp.Value
		wantValue(t, poll(t, reefer, now)[drivers.CompressorRunning], 0)
	}
	if prev < 20 || prev > cfg.Ambient {
		t.Errorf("5 h after the failure the room is %.1f °C, want close below %v", prev, cfg.Ambient)
	}
}

func TestDevFaultCodesAreBad(t *testing.T) {
	sim := startSim(t, modbussim.DefaultConfig())
	dev := newDev(t, modbus.Options{Address: sim.Addr(), UnitID: 1, Profile: "th-transmitter"})
	sim.SetFault(true)
	for q, r := range poll(t, dev, t0) {
		if r.Quality != drivers.Bad || r.Value != 0 {
			t.Errorf("%s with a faulted probe = %v %s, want 0 bad", q, r.Value, r.Quality)
		}
	}
	sim.SetFault(false)
	for q, r := range poll(t, dev, t0) {
		if r.Quality != drivers.Good {
			t.Errorf("%s after the fault cleared is %s", q, r.Quality)
		}
	}
}

// A device that goes away is Unavailable with an error that says where; when it comes
// back on the same port, the same Dev reads it again.
func TestDevReconnects(t *testing.T) {
	sim := startSim(t, modbussim.DefaultConfig())
	addr := sim.Addr()
	dev := newDev(t, modbus.Options{Address: addr, UnitID: 1, Profile: "th-transmitter"})
	poll(t, dev, t0)

	if err := sim.Stop(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // first the broken connection, then a refused dial
		prefix := []drivers.Reading{{Sensor: "other"}}
		rs, err := dev.Poll(context.Background(), t0, prefix)
		if err == nil {
			t.Fatal("Poll of a stopped device returned no error")
		}
		t.Logf("poll %d of a stopped device: %v", i, err)
		for _, want := range []string{"modbus: ", addr, "unit 1", "holding registers 0-1"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
		if len(rs) != 3 || rs[0].Sensor != "other" {
			t.Fatalf("Poll = %+v, want the prefix and two readings", rs)
		}
		for _, r := range rs[1:] {
			if r.Quality != drivers.Unavailable || r.Value != 0 {
				t.Errorf("%s of a stopped device = %v %s", r.Quantity, r.Value, r.Quality)
			}
		}
	}

	if err := sim.Start(addr); err != nil {
		t.Fatal(err)
	}
	for _, r := range poll(t, dev, t0) {
		wantValue(t, r, map[drivers.Quantity]float64{drivers.Temperature: 3, drivers.RelativeHumidity: 85}[r.Quantity])
	}
}

func TestDevExceptions(t *testing.T) {
	cfg := modbussim.DefaultConfig()
	cfg.UnitID = 7
	sim := startSim(t, cfg)

	wrongUnit := newDev(t, modbus.Options{Address: sim.Addr(), UnitID: 1, Profile: "th-transmitter"})
	rs, err := wrongUnit.Poll(context.Background(), t0, nil)
	if err == nil || !strings.Contains(err.Error(), "answered with an exception") {
		t.Errorf("Poll of the wrong unit: err = %v", err)
	}
	t.Logf("wrong unit: %v", err)
	for _, r := range rs {
		if r.Quality != drivers.Unavailable {
			t.Errorf("%s behind a gateway that got no answer is %s, want unavailable", r.Quantity, r.Quality)
		}
	}

	// Register 40 does not exist: that point is Bad, the others are still read.
	dev := newDev(t, modbus.Options{Address: sim.Addr(), UnitID: 7, Points: []modbus.Point{
		{Quantity: "temperature", Scale: 0.1},
		{Quantity: "humidity", Register: 40, Type: "uint16", Scale: 0.1},
		{Quantity: "compressor", Register: 3, Type: "uint16"},
	}})
	rs, err = dev.Poll(context.Background(), t0, nil)
	if err == nil || !strings.Contains(err.Error(), "holding registers 40-40") {
		t.Errorf("Poll with a missing register: err = %v", err)
	}
	m := byQuantity(t, rs, t0)
	wantValue(t, m[drivers.Temperature], 3)
	wantValue(t, m[drivers.CompressorRunning], 1)
	if q := m[drivers.RelativeHumidity].Quality; q != drivers.Bad {
		t.Errorf("missing register read as %s, want bad", q)
	}
}

func TestDevContextAndClose(t *testing.T) {
	sim := startSim(t, modbussim.DefaultConfig())
	dev, err := modbus.New(modbus.Options{Address: sim.Addr(), UnitID: 1, Profile: "reefer-controller"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rs, err := dev.Poll(ctx, t0, nil)
	if !errors.Is(err, context.Canceled) || len(rs) != 4 || rs[0].Quality != drivers.Unavailable {
		t.Errorf("Poll with a cancelled context = %v, %v", rs, err)
	}
	if err := dev.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := dev.Poll(context.Background(), t0, nil); !errors.Is(err, modbus.ErrClosed) {
		t.Errorf("Poll after Close: err = %v, want ErrClosed", err)
	}
}

// A controller's setpoint is read like any point, as drivers.Setpoint in °C.
func TestDevReadsSetpoint(t *testing.T) {
	clk := &fakeClock{t: t0}
	cfg := modbussim.DefaultConfig()
	cfg.Clock = clk.Now
	sim := startSim(t, cfg)
	dev := newDev(t, modbus.Options{Address: sim.Addr(), UnitID: 1, Points: []modbus.Point{
		{Quantity: "setpoint", Register: modbussim.RegTemperature, Type: "int16", Scale: 0.1, Unit: "Cel"},
	}})
	m := poll(t, dev, t0)
	wantValue(t, m[drivers.Setpoint], sim.Temperature(t0))
	if m[drivers.Setpoint].Quantity.Unit() != "Cel" {
		t.Fatalf("setpoint unit %q, want Cel", m[drivers.Setpoint].Quantity.Unit())
	}
}
