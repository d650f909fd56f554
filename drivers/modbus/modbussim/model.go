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
	RegDoorOpen    = 2 // 1 open (scripted openings, or SetDoorOpen), 0 closed
	RegCompressor  = 3 // 1 running; 0 during a defrost and after the compressor failed
	RegDefrost     = 4 // 1 during a scripted defrost cycle
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
	// DoorEvery and DoorFor script door openings: open for DoorFor at the start of
	// every DoorEvery after the first (zero DoorEvery: never).
	DoorEvery, DoorFor time.Duration
	// DefrostEvery and DefrostFor script defrost cycles the same way; the compressor
	// stops during a defrost and the air rises by up to DefrostRise °C.
	DefrostEvery, DefrostFor time.Duration
	DefrostRise              float64
	// UnitID, when not zero, is the only unit id answered; others get the exception
	// "gateway target device failed to respond", as behind a TCP-to-RTU gateway.
	UnitID uint8
	// FaultAt, when not zero, makes the temperature and humidity registers read their
	// fault codes from this long after New on, as SetFault(true) does: a broken probe.
	FaultAt time.Duration
	// SilentAt, when not zero, makes the device stop answering this long after New:
	// over RTU (ServeRTU) no reply at all, over TCP the exception "gateway target
	// device failed to respond".
	SilentAt time.Duration
	// Clock is the model's time; nil means time.Now. It must be safe for concurrent use.
	Clock func() time.Time
	// Logger receives the Modbus server's log; nil discards it.
	Logger *log.Logger
}

// DefaultConfig is a cold room at 3 °C in a 22 °C building, at 85 %RH, that never
// fails, whose door opens for 2 min every 30 min and which defrosts for 20 min every
// 6 h (warming by up to 1.5 °C).
func DefaultConfig() Config {
	return Config{Setpoint: 3, Ambient: 22, WarmTau: 30 * time.Minute, Humidity: 85,
		DoorEvery: 30 * time.Minute, DoorFor: 2 * time.Minute,
		DefrostEvery: 6 * time.Hour, DefrostFor: 20 * time.Minute, DefrostRise: 1.5}
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
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"DoorEvery", c.DoorEvery}, {"DoorFor", c.DoorFor}, {"DefrostEvery", c.DefrostEvery}, {"DefrostFor", c.DefrostFor}} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("modbussim: %s %v is negative", d.name, d.v))
		}
	}
	if c.DoorFor > c.DoorEvery || c.DefrostFor > c.DefrostEvery {
		errs = append(errs, errors.New("modbussim: DoorFor and DefrostFor must not exceed DoorEvery and DefrostEvery"))
	}
	if math.IsNaN(c.DefrostRise) || math.IsInf(c.DefrostRise, 0) {
		errs = append(errs, fmt.Errorf("modbussim: DefrostRise %v is not a finite number", c.DefrostRise))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"FailAt", c.FailAt}, {"FaultAt", c.FaultAt}, {"SilentAt", c.SilentAt}} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("modbussim: %s %v is negative", d.name, d.v))
		}
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

// silent reports whether the device no longer answers at t (Config.SilentAt).
func (s *Server) silent(t time.Time) bool {
	return s.cfg.SilentAt > 0 && s.elapsed(t) >= s.cfg.SilentAt
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
		return s.cfg.Setpoint + sine(wobble, wobblePeriod, e) + s.defrostWarming(e)
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

// CompressorRunning reports whether the compressor runs at t: not during a defrost,
// never after it failed.
func (s *Server) CompressorRunning(t time.Time) bool {
	e := s.elapsed(t)
	return !s.failed(e) && !s.Defrosting(t)
}

// DoorOpen reports whether the scripted door is open at t (SetDoorOpen aside): for
// DoorFor from every multiple of DoorEvery after start.
func (s *Server) DoorOpen(t time.Time) bool {
	return scheduled(s.elapsed(t), s.cfg.DoorEvery, s.cfg.DoorFor)
}

// Defrosting reports whether a scripted defrost cycle runs at t: for DefrostFor from
// every multiple of DefrostEvery after start, until the compressor fails.
func (s *Server) Defrosting(t time.Time) bool {
	e := s.elapsed(t)
	return !s.failed(e) && scheduled(e, s.cfg.DefrostEvery, s.cfg.DefrostFor)
}

// defrostWarming is how much a defrost warms the air e after start: a half sine over
// the cycle, peaking at DefrostRise.
func (s *Server) defrostWarming(e time.Duration) float64 {
	if !scheduled(e, s.cfg.DefrostEvery, s.cfg.DefrostFor) {
		return 0
	}
	x := float64(e%s.cfg.DefrostEvery) / float64(s.cfg.DefrostFor)
	return s.cfg.DefrostRise * math.Sin(math.Pi*x)
}

// scheduled reports whether e lies in one of the windows [k·every, k·every+dur), k ≥ 1.
func scheduled(e, every, dur time.Duration) bool {
	return every > 0 && dur > 0 && e >= every && e%every < dur
}

func sine(amp float64, period, e time.Duration) float64 {
	return amp * math.Sin(2*math.Pi*float64(e%period)/float64(period))
}

// registers returns the register table at t.
func (s *Server) registers(t time.Time) [NumRegisters]uint16 {
	var r [NumRegisters]uint16
	s.mu.Lock()
	fault, door := s.fault, s.door
	s.mu.Unlock()
	fault = fault || (s.cfg.FaultAt > 0 && s.elapsed(t) >= s.cfg.FaultAt)
	if fault {
		r[RegTemperature], r[RegHumidity] = FaultTemperature, FaultHumidity
	} else {
		// Clamped short of the fault codes, so a hot room is never mistaken for a fault.
		r[RegTemperature] = uint16(int16(clamp(math.Round(s.Temperature(t)*10), -32767, 32766)))
		r[RegHumidity] = uint16(clamp(math.Round(s.Humidity(t)*10), 0, 1000))
	}
	r[RegDoorOpen] = b2u(door || s.DoorOpen(t))
	r[RegCompressor] = b2u(s.CompressorRunning(t))
	r[RegDefrost] = b2u(s.Defrosting(t))
	return r
}

func clamp(v, lo, hi float64) float64 { return math.Min(hi, math.Max(lo, v)) }

func b2u(b bool) uint16 {
	if b {
		return 1
	}
	return 0
}
