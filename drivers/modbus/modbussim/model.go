package modbussim

import (
	"errors"
	"fmt"
	"log"
	"math"
	"time"
)

// The registers served, the same in the holding and the input table. Coils and discrete
// inputs at the same addresses read 1 where the register is non-zero.
const (
	RegTemperature = 0 // int16, tenths of °C; 0x7FFF (32767) when faulted
	RegHumidity    = 1 // uint16, tenths of %RH; 0xFFFF when faulted
	RegDoorOpen    = 2 // 1 open, 0 closed
	RegCompressor  = 3 // 1 running, 0 after the compressor failed
	RegDefrost     = 4 // always 0: the simulated controller does not defrost
	NumRegisters   = 5
)

// Fault raw values served after SetFault(true).
const (
	FaultTemperature uint16 = 0x7FFF
	FaultHumidity    uint16 = 0xFFFF
)

// The model's small deterministic variations while the compressor runs.
const (
	wobble         = 0.2 // °C amplitude of the compressor's cycling
	wobblePeriod   = 20 * time.Minute
	humidityWobble = 1.5 // %RH amplitude
	humidityPeriod = 17 * time.Minute
)

// Config describes the simulated room. Start from DefaultConfig: every field is used as
// given, except that a zero WarmTau, nil Clock or nil Logger take their defaults.
type Config struct {
	Setpoint float64       // °C the room is held at while the compressor works
	Ambient  float64       // °C the room warms towards once the compressor has failed
	WarmTau  time.Duration // time constant of that warm-up; zero means 30 min
	FailAt   time.Duration // the compressor fails this long after New; zero means never
	Humidity float64       // mean relative humidity, %RH
	// UnitID, when not zero, is the only unit id answered; others get the exception
	// "gateway target device failed to respond", as behind a TCP-to-RTU gateway.
	UnitID uint8
	// Clock is the model's time; nil means time.Now. It must be safe for concurrent use.
	Clock func() time.Time
	// Logger receives the Modbus server's log; nil discards it.
	Logger *log.Logger
}

// DefaultConfig is a cold room at 3 °C in a 22 °C building, at 85 %RH, that never fails.
func DefaultConfig() Config {
	return Config{Setpoint: 3, Ambient: 22, WarmTau: 30 * time.Minute, Humidity: 85}
}

func (c *Config) check() error {
	var errs []error
	for _, f := range []struct {
		name string
		v    float64
	}{{"Setpoint", c.Setpoint}, {"Ambient", c.Ambient}, {"Humidity", c.Humidity}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			errs = append(errs, fmt.Errorf("modbussim: %s %v is not a finite number", f.name, f.v))
		}
	}
	if c.Humidity < 0 || c.Humidity > 100 {
		errs = append(errs, fmt.Errorf("modbussim: Humidity %v is not 0 to 100 %%RH", c.Humidity))
	}
	if c.WarmTau < 0 {
		errs = append(errs, fmt.Errorf("modbussim: WarmTau %v is negative", c.WarmTau))
	}
	if c.FailAt < 0 {
		errs = append(errs, fmt.Errorf("modbussim: FailAt %v is negative", c.FailAt))
	}
	if c.WarmTau == 0 {
		c.WarmTau = 30 * time.Minute
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	return errors.Join(errs...)
}

// elapsed is the model time at t: time since start, never negative.
func (s *Server) elapsed(t time.Time) time.Duration {
	if e := t.Sub(s.start); e > 0 {
		return e
	}
	return 0
}

// failed reports whether the compressor has failed e after start.
func (s *Server) failed(e time.Duration) bool {
	return s.cfg.FailAt > 0 && e >= s.cfg.FailAt
}

// Temperature is the model's air temperature at t, in °C. While the compressor works it
// is Setpoint ± 0.2 °C (a sinusoid of period 20 min, starting at Setpoint). From FailAt
// on it rises from T0, the temperature at FailAt, towards Ambient:
// T(t) = Ambient - (Ambient-T0)·exp(-(t-start-FailAt)/WarmTau). T0 is Setpoint when
// FailAt is a multiple of 10 min; otherwise it is within 0.2 °C of it, so the curve is
// continuous. Times before the server was created count as its creation time.
func (s *Server) Temperature(t time.Time) float64 {
	e := s.elapsed(t)
	if !s.failed(e) {
		return s.cfg.Setpoint + sine(wobble, wobblePeriod, e)
	}
	t0 := s.cfg.Setpoint + sine(wobble, wobblePeriod, s.cfg.FailAt)
	x := float64(e-s.cfg.FailAt) / float64(s.cfg.WarmTau)
	return s.cfg.Ambient - (s.cfg.Ambient-t0)*math.Exp(-x)
}

// Humidity is the model's relative humidity at t: Humidity ± 1.5 %RH, within 0..100.
func (s *Server) Humidity(t time.Time) float64 {
	h := s.cfg.Humidity + sine(humidityWobble, humidityPeriod, s.elapsed(t))
	return math.Min(100, math.Max(0, h))
}

// CompressorRunning reports whether the compressor works at t.
func (s *Server) CompressorRunning(t time.Time) bool { return !s.failed(s.elapsed(t)) }

func sine(amp float64, period, e time.Duration) float64 {
	return amp * math.Sin(2*math.Pi*float64(e%period)/float64(period))
}

// registers returns the register table at t.
func (s *Server) registers(t time.Time) [NumRegisters]uint16 {
	var r [NumRegisters]uint16
	s.mu.Lock()
	fault, door := s.fault, s.door
	s.mu.Unlock()
	if fault {
		r[RegTemperature], r[RegHumidity] = FaultTemperature, FaultHumidity
	} else {
		// Clamped short of the fault codes, so a hot room is never mistaken for a fault.
		r[RegTemperature] = uint16(int16(clamp(math.Round(s.Temperature(t)*10), -32767, 32766)))
		r[RegHumidity] = uint16(clamp(math.Round(s.Humidity(t)*10), 0, 1000))
	}
	r[RegDoorOpen] = b2u(door)
	r[RegCompressor] = b2u(s.CompressorRunning(t))
	return r
}

func clamp(v, lo, hi float64) float64 { return math.Min(hi, math.Max(lo, v)) }

func b2u(b bool) uint16 {
	if b {
		return 1
	}
	return 0
}
