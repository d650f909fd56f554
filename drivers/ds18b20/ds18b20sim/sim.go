// Package ds18b20sim simulates DS18B20 probes the way the Linux kernel shows them: a
// directory standing in for /sys/bus/w1/devices with one <id>/w1_slave file per
// probe, rewritten from a temperature model on a timer, so the real w1 driver
// (drivers/ds18b20/w1) reads and parses it unchanged. Faults: a CRC mismatch, the
// 85 °C power-on value and a probe that stopped answering (all ones, as the kernel
// shows a probe that fell off the bus).
package ds18b20sim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"periph.io/x/conn/v3/onewire"
)

// Fault is how a probe fails.
type Fault uint8

const (
	NoFault Fault = iota
	CRC           // the scratchpad's last byte is corrupted: the kernel says crc=.. NO
	PowerOn       // the probe reports 85 °C, its power-on value, as after a brown-out
	Silent        // the probe does not answer: all ones, crc NO
)

func (f Fault) String() string {
	if faultNames := [...]string{"none", "crc", "power_on", "silent"}; int(f) < len(faultNames) {
		return faultNames[f]
	}
	return fmt.Sprintf("fault(%d)", uint8(f))
}

// Config describes one simulated probe.
type Config struct {
	Root        string                    // the directory standing in for /sys/bus/w1/devices; required
	ID          string                    // the probe's directory: "28-" and 12 hex digits
	Temperature func(t time.Time) float64 // the model, °C; required
	Clock       func() time.Time          // nil means time.Now
	Fault       Fault                     // the fault FaultAt switches on
	FaultAt     time.Duration             // when not zero, Fault starts this long after New
}

// Probe is one simulated probe. Its methods are safe for concurrent use.
type Probe struct {
	cfg   Config
	start time.Time
	dir   string

	mu  sync.Mutex
	set Fault
}

// New creates the probe's directory under cfg.Root and writes its first w1_slave.
func New(cfg Config) (*Probe, error) {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	switch {
	case cfg.Root == "" || cfg.Temperature == nil:
		return nil, errors.New("ds18b20sim: Config.Root and Config.Temperature are required")
	case !validID(cfg.ID):
		return nil, fmt.Errorf("ds18b20sim: %q is not a DS18B20 w1 slave name (28- and 12 hex digits)", cfg.ID)
	case cfg.FaultAt < 0:
		return nil, fmt.Errorf("ds18b20sim: FaultAt %v is negative", cfg.FaultAt)
	}
	p := &Probe{cfg: cfg, start: cfg.Clock(), dir: filepath.Join(cfg.Root, strings.ToLower(cfg.ID))}
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return nil, fmt.Errorf("ds18b20sim: %w", err)
	}
	return p, p.Update()
}

func validID(id string) bool {
	fam, serial, ok := strings.Cut(strings.ToLower(id), "-")
	if !ok || fam != "28" || len(serial) != 12 {
		return false
	}
	return strings.Trim(serial, "0123456789abcdef") == ""
}

// SetFault switches a fault on now; NoFault switches it off (a passed FaultAt still
// applies).
func (p *Probe) SetFault(f Fault) {
	p.mu.Lock()
	p.set = f
	p.mu.Unlock()
}

// fault returns the fault in force at t.
func (p *Probe) fault(t time.Time) Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.set != NoFault:
		return p.set
	case p.cfg.FaultAt > 0 && t.Sub(p.start) >= p.cfg.FaultAt:
		return p.cfg.Fault
	}
	return NoFault
}

// Update rewrites w1_slave for the clock's time, atomically (a reader sees the old or
// the new file, never half of one).
func (p *Probe) Update() error {
	t := p.cfg.Clock()
	text := Render(p.cfg.Temperature(t), p.fault(t))
	tmp := filepath.Join(p.dir, ".w1_slave.tmp")
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		return fmt.Errorf("ds18b20sim: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(p.dir, "w1_slave")); err != nil {
		return fmt.Errorf("ds18b20sim: %w", err)
	}
	return nil
}

// Run calls Update every period (real time) until ctx ends; it returns the first error
// of Update, or nil when ctx ends.
func (p *Probe) Run(ctx context.Context, every time.Duration) error {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			if err := p.Update(); err != nil {
				return err
			}
		}
	}
}

// Dir returns the probe's directory.
func (p *Probe) Dir() string { return p.dir }

// Render returns the text of a w1_slave file for a conversion of celsius at 12-bit
// resolution (1/16 °C) with fault applied, as the kernel's w1_therm writes it:
//
//	73 01 4b 46 7f ff 0d 10 41 : crc=41 YES
//	73 01 4b 46 7f ff 0d 10 41 t=23187
func Render(celsius float64, fault Fault) string {
	raw := int16(math.Round(math.Min(125, math.Max(-55, celsius)) * 16))
	if fault == PowerOn {
		raw = 85 * 16
	}
	sp := []byte{byte(raw), byte(uint16(raw) >> 8), 0x4b, 0x46, 0x7f, 0xff, byte(0x10 - raw&0xF), 0x10, 0}
	sp[8] = onewire.CalcCRC(sp[:8])
	crc, verdict := sp[8], "YES"
	switch fault {
	case CRC:
		sp[8] ^= 0x01
		verdict = "NO"
	case Silent:
		sp = []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
		crc, verdict = onewire.CalcCRC(sp[:8]), "NO"
	}
	hex := fmt.Sprintf("% x", sp)
	milli := int(int16(uint16(sp[1])<<8|uint16(sp[0]))) * 1000 / 16
	return fmt.Sprintf("%s : crc=%02x %s\n%s t=%d\n", hex, crc, verdict, hex, milli)
}
