package modbussim

import (
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/simonvetter/modbus"
)

var t0 = time.Date(2025, 7, 1, 6, 0, 0, 0, time.UTC)

func fixed(t time.Time) func() time.Time { return func() time.Time { return t } }

func TestModel(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Clock, cfg.FailAt = fixed(t0), time.Hour
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Temperature(t0); got != 3 {
		t.Errorf("T(start) = %v, want the setpoint 3", got)
	}
	if got := s.Temperature(t0.Add(-time.Hour)); got != 3 {
		t.Errorf("T(before start) = %v, want 3", got)
	}
	for e := time.Duration(0); e < time.Hour; e += time.Minute {
		if d := math.Abs(s.Temperature(t0.Add(e)) - 3); d > 0.2+1e-9 || !s.CompressorRunning(t0.Add(e)) {
			t.Fatalf("running at %v: T off the setpoint by %v", e, d)
		}
		if h := s.Humidity(t0.Add(e)); math.Abs(h-85) > 1.5+1e-9 {
			t.Fatalf("humidity at %v = %v", e, h)
		}
	}
	// FailAt is a multiple of 10 min, so the warm-up starts at the setpoint exactly and
	// follows T = Ambient - (Ambient-Setpoint)·exp(-(t-FailAt)/WarmTau).
	for _, after := range []time.Duration{0, time.Minute, 30 * time.Minute, 3 * time.Hour} {
		at := t0.Add(time.Hour + after)
		want := 22 - 19*math.Exp(-after.Minutes()/30)
		if got := s.Temperature(at); math.Abs(got-want) > 1e-9 || s.CompressorRunning(at) {
			t.Errorf("T(FailAt+%v) = %v, want %v and the compressor stopped", after, got, want)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		modify func(*Config)
		want   string
	}{
		{func(c *Config) { c.Setpoint = math.NaN() }, "modbussim: Setpoint NaN"},
		{func(c *Config) { c.Humidity = 101 }, "modbussim: Humidity 101"},
		{func(c *Config) { c.WarmTau = -time.Second }, "modbussim: WarmTau -1s is negative"},
		{func(c *Config) { c.FailAt = -time.Second }, "modbussim: FailAt -1s is negative"},
	} {
		cfg := DefaultConfig()
		tt.modify(&cfg)
		if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New: err = %v, want %q", err, tt.want)
		}
	}
}

func client(t *testing.T, addr string, unit uint8) *modbus.ModbusClient {
	t.Helper()
	c, err := modbus.NewClient(&modbus.ClientConfiguration{URL: "tcp://" + addr, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.SetUnitId(unit); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestServeTables(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Clock = fixed(t0)
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	if err := s.Start("127.0.0.1:0"); err == nil {
		t.Error("a second Start succeeded")
	}
	s.SetDoorOpen(true)
	c := client(t, s.Addr(), 1)
	want := []uint16{30, 850, 1, 1, 0}
	for _, rt := range []modbus.RegType{modbus.HOLDING_REGISTER, modbus.INPUT_REGISTER} {
		got, err := c.ReadRegisters(0, NumRegisters, rt)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("registers (type %v) = %v, %v, want %v", rt, got, err, want)
		}
	}
	bits, err := c.ReadDiscreteInputs(RegDoorOpen, 3)
	if err != nil || !bits[0] || !bits[1] || bits[2] {
		t.Errorf("discrete inputs 2-4 = %v, %v", bits, err)
	}
	if coils, err := c.ReadCoils(0, 5); err != nil || len(coils) != 5 {
		t.Errorf("coils = %v, %v", coils, err)
	}
	if _, err := c.ReadRegisters(4, 2, modbus.HOLDING_REGISTER); err != modbus.ErrIllegalDataAddress {
		t.Errorf("reading past the map: err = %v", err)
	}
	if err := c.WriteRegister(0, 1); err != modbus.ErrIllegalFunction {
		t.Errorf("writing a register: err = %v", err)
	}
	s.SetFault(true)
	if got, err := c.ReadRegisters(0, 2, modbus.INPUT_REGISTER); err != nil || got[0] != FaultTemperature || got[1] != FaultHumidity {
		t.Errorf("faulted registers = %v, %v", got, err)
	}
}

func TestUnitID(t *testing.T) {
	cfg := DefaultConfig()
	cfg.UnitID = 9
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	if _, err := client(t, s.Addr(), 9).ReadRegister(0, modbus.HOLDING_REGISTER); err != nil {
		t.Errorf("unit 9: %v", err)
	}
	if _, err := client(t, s.Addr(), 1).ReadRegister(0, modbus.HOLDING_REGISTER); err != modbus.ErrGWTargetFailedToRespond {
		t.Errorf("unit 1: err = %v, want gateway target failed to respond", err)
	}
}

func TestStopStartConcurrent(t *testing.T) {
	s, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if s.Addr() != "" || s.Stop() != nil {
		t.Fatal("a server never started has an address or fails to stop")
	}
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	addr := s.Addr()
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				s.SetFault(j%2 == 0)
				s.SetDoorOpen(j%3 == 0)
				s.registers(time.Now())
				_ = s.Addr()
			}
		}()
	}
	wg.Wait()
	for i := 0; i < 2; i++ {
		if err := s.Stop(); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Start(addr); err != nil {
		t.Fatalf("restart on %s: %v", addr, err)
	}
	if s.Addr() != addr {
		t.Errorf("restarted on %s, want %s", s.Addr(), addr)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.Start("no-port"); err == nil {
		t.Error("Start without a port succeeded")
	}
}

// A room far hotter than a register can say reads the largest temperature, never a
// fault code.
func TestRegistersClampShortOfFaultCodes(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Clock, cfg.FailAt, cfg.Ambient, cfg.WarmTau = fixed(t0), time.Minute, 1e6, time.Second
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := s.registers(t0.Add(time.Hour))
	if r[RegTemperature] != 32766 || r[RegCompressor] != 0 {
		t.Errorf("registers of a very hot room = %v", r)
	}
}
