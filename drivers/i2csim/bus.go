package i2csim

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/physic"
)

// ErrNoAnswer is returned (wrapped) by Bus.Tx when no chip acknowledges the address:
// none is there, or it was made silent.
var ErrNoAnswer = errors.New("i2csim: no acknowledge")

// Model gives the environment the chips measure at a time. modbussim.Server's thermal
// model satisfies it.
type Model interface {
	Temperature(t time.Time) float64 // °C
	Humidity(t time.Time) float64    // %RH
}

// Fault is how a chip fails.
type Fault uint8

const (
	NoFault Fault = iota
	// Silent: the chip stops answering; every transaction gets no acknowledge.
	Silent
	// Reset: the BME280 resets before each measurement, losing its configuration, so
	// its data registers hold the "skipped" marker values.
	Reset
	// CRC: the AHT20 sends measurements whose CRC byte does not match.
	CRC
)

func (f Fault) String() string {
	if faultNames := [...]string{"none", "silent", "reset", "crc"}; int(f) < len(faultNames) {
		return faultNames[f]
	}
	return fmt.Sprintf("fault(%d)", uint8(f))
}

// Config is what every simulated chip needs.
type Config struct {
	Model Model            // required
	Clock func() time.Time // the model's time; nil means time.Now
	Fault Fault            // the fault FaultAt switches on
	// FaultAt, when not zero, switches Fault on this long after the chip was created
	// (on Clock). SetFault switches a fault on or off at any time.
	FaultAt time.Duration
}

// Chip is one simulated device on a Bus.
type Chip interface {
	Addr() uint16
	// Tx answers one transaction addressed to the chip.
	Tx(w, r []byte) error
	String() string
}

// faults is the fault switch every chip embeds.
type faults struct {
	cfg   Config
	start time.Time

	mu  sync.Mutex
	set Fault // SetFault's fault, NoFault when off
}

func newFaults(cfg Config, supported ...Fault) (*faults, error) {
	if cfg.Model == nil {
		return nil, errors.New("i2csim: Config.Model is nil")
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.FaultAt < 0 {
		return nil, fmt.Errorf("i2csim: FaultAt %v is negative", cfg.FaultAt)
	}
	ok := cfg.Fault == NoFault
	for _, f := range append(supported, Silent) {
		ok = ok || f == cfg.Fault
	}
	if !ok {
		return nil, fmt.Errorf("i2csim: fault %v is not one this chip has", cfg.Fault)
	}
	return &faults{cfg: cfg, start: cfg.Clock()}, nil
}

// SetFault switches a fault on now (NoFault switches SetFault's fault off again; a
// FaultAt that has passed still applies).
func (f *faults) SetFault(x Fault) {
	f.mu.Lock()
	f.set = x
	f.mu.Unlock()
}

// fault returns the fault in force at t.
func (f *faults) fault(t time.Time) Fault {
	f.mu.Lock()
	set := f.set
	f.mu.Unlock()
	if set != NoFault {
		return set
	}
	if f.cfg.FaultAt > 0 && t.Sub(f.start) >= f.cfg.FaultAt {
		return f.cfg.Fault
	}
	return NoFault
}

// now returns the clock's time and the fault in force then.
func (f *faults) now() (time.Time, Fault) {
	t := f.cfg.Clock()
	return t, f.fault(t)
}

// Bus is a simulated I²C bus. It is safe for concurrent use: transactions take turns,
// as on a real bus.
type Bus struct {
	name string

	mu     sync.Mutex
	chips  map[uint16]Chip
	closed bool
}

// NewBus returns a bus named name (for String) holding chips, which must have
// different addresses.
func NewBus(name string, chips ...Chip) (*Bus, error) {
	b := &Bus{name: name, chips: map[uint16]Chip{}}
	for _, c := range chips {
		if o := b.chips[c.Addr()]; o != nil {
			return nil, fmt.Errorf("i2csim: %s and %s both at %#x", o, c, c.Addr())
		}
		b.chips[c.Addr()] = c
	}
	return b, nil
}

// Tx sends w and reads r from the chip at addr.
func (b *Bus) Tx(addr uint16, w, r []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return fmt.Errorf("i2csim: %s: bus closed", b.name)
	}
	c := b.chips[addr]
	if c == nil {
		return fmt.Errorf("i2csim: %s: address %#x: %w", b.name, addr, ErrNoAnswer)
	}
	if err := c.Tx(w, r); err != nil {
		return fmt.Errorf("i2csim: %s: %s: %w", b.name, c, err)
	}
	return nil
}

// SetSpeed accepts any speed.
func (b *Bus) SetSpeed(physic.Frequency) error { return nil }

// String names the bus.
func (b *Bus) String() string { return "i2csim(" + b.name + ")" }

// Close makes every later transaction fail.
func (b *Bus) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return nil
}

var _ i2c.BusCloser = (*Bus)(nil)
