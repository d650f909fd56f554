package ds18b20

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"periph.io/x/conn/v3/onewire"
	"periph.io/x/devices/v3/ds18b20"

	"github.com/lotsense/lotsense/drivers"
)

// ProbeError explains a reading that is not Good: which probe, reached how, and why
// (Err wraps one of the Err… values, a bus error or the context's error).
type ProbeError struct {
	Probe string // ROM code ("28ff641e821602bc") or w1 id ("28-0316a1b2c3ff"), with its name if any
	Where string // the bridge ("DS2482 0x18 on I²C bus 1") or the sysfs file
	Err   error
}

func (e *ProbeError) Error() string {
	return "ds18b20: probe " + e.Probe + " (" + e.Where + "): " + strings.TrimPrefix(e.Err.Error(), "ds18b20: ")
}

func (e *ProbeError) Unwrap() error { return e.Err }

// Dev is one DS18B20 on a Bridge. Each Poll converts and reads this probe alone (Match
// ROM, Convert T with a strong pull-up, wait for the resolution's conversion time, Read
// Scratchpad), holding the bridge throughout.
//
// Poll is for one poller goroutine; Close may be called from any goroutine.
type Dev struct {
	cfg    config
	bridge *Bridge
	owned  bool // Close closes the bridge
	ready  bool // resolution checked (and set) on the probe; only Poll touches it
	closed atomic.Bool
	// wait sleeps through a conversion; tests replace it so they need no real sleep.
	wait func(ctx context.Context, d time.Duration) error
}

// New checks opts (see Options.Validate) and returns a Dev with a bridge of its own,
// which Close closes. Probes sharing a bridge are made with NewOnBridge or Bridges.New.
func New(opts Options) (*Dev, error) {
	cfg, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	b, err := OpenBridge(cfg.bus, cfg.bridge)
	if err != nil {
		return nil, err
	}
	return newDev(b, cfg, true), nil
}

// NewOnBridge checks opts and returns a Dev on b, ignoring opts.Bus and
// opts.BridgeAddress. Closing the Dev leaves b open.
func NewOnBridge(b *Bridge, opts Options) (*Dev, error) {
	if b == nil {
		return nil, errors.New("ds18b20: NewOnBridge: nil bridge")
	}
	cfg, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	return newDev(b, cfg, false), nil
}

func newDev(b *Bridge, cfg config, owned bool) *Dev {
	return &Dev{cfg: cfg, bridge: b, owned: owned, wait: sleepCtx}
}

// String names the probe in logs: "ds18b20 28ff641e821602bc (name) on DS2482 0x18 on I²C bus 1".
func (d *Dev) String() string { return "ds18b20 " + d.probe() + " on " + d.bridge.String() }

func (d *Dev) probe() string {
	if d.cfg.name != "" {
		return d.cfg.rom + " (" + d.cfg.name + ")"
	}
	return d.cfg.rom
}

// ConversionTime is how long a DS18B20 converts at a resolution of bits (9 to 12):
// 94, 188, 375 or 750 ms, rounded up (datasheet p. 6 and p. 22).
func ConversionTime(bits int) time.Duration { return time.Duration(94<<(bits-9)) * time.Millisecond }

// Poll measures the probe and appends one temperature reading to dst: Good, or Bad or
// Unavailable with value 0 and a *ProbeError saying why. Readings have Time now and an
// empty Sensor, which the caller fills in.
//
// On its first good contact Poll sets the probe's resolution (with periph's
// ds18b20.New, which also stores it in the probe's EEPROM). The wait for the bridge and
// the conversion end early when ctx does.
func (d *Dev) Poll(ctx context.Context, now time.Time, dst []drivers.Reading) ([]drivers.Reading, error) {
	r := drivers.Reading{Quantity: drivers.Temperature, Quality: drivers.Unavailable, Time: now}
	if d.closed.Load() {
		return append(dst, r), d.fail(ErrClosed)
	}
	var judged error
	err := d.bridge.use(ctx, func(bus onewire.Bus) error {
		var err error
		r.Value, r.Quality, judged, err = d.measure(ctx, bus)
		return err
	})
	if err != nil {
		r.Value, r.Quality = 0, drivers.Unavailable
		return append(dst, r), d.fail(err)
	}
	if judged != nil {
		return append(dst, r), d.fail(judged)
	}
	return append(dst, r), nil
}

// measure converts and reads the probe. A bus failure is returned as ioErr; a
// scratchpad that cannot be trusted as q and judged.
func (d *Dev) measure(ctx context.Context, bus onewire.Bus) (v float64, q drivers.Quality, judged, ioErr error) {
	dev := onewire.Dev{Bus: bus, Addr: d.cfg.addr}
	if !d.ready {
		spad, err := readScratchpad(&dev)
		if err != nil {
			return 0, drivers.Unavailable, nil, err
		}
		// Before the first conversion the register may hold anything (85 °C after power-up):
		// only a scratchpad that is no DS18B20's stops us here.
		if _, q, err := DecodeScratchpad(spad[:]); err != nil && !errors.Is(err, ErrPowerOn) && !errors.Is(err, ErrOutOfRange) {
			return 0, q, err, nil
		}
		if resolutionOf(spad[:]) != d.cfg.resolution {
			if _, err := ds18b20.New(bus, d.cfg.addr, d.cfg.resolution); err != nil {
				return 0, drivers.Unavailable, nil, fmt.Errorf("ds18b20: set resolution to %d bits: %w", d.cfg.resolution, err)
			}
		}
		d.ready = true
	}
	if err := dev.TxPower([]byte{0x44}, nil); err != nil {
		return 0, drivers.Unavailable, nil, fmt.Errorf("ds18b20: start conversion: %w", err)
	}
	if err := d.wait(ctx, ConversionTime(d.cfg.resolution)); err != nil {
		return 0, drivers.Unavailable, nil, fmt.Errorf("ds18b20: waiting for the conversion: %w", err)
	}
	spad, err := readScratchpad(&dev)
	if err != nil {
		return 0, drivers.Unavailable, nil, err
	}
	v, q, judged = DecodeScratchpad(spad[:])
	return v, q, judged, nil
}

// readScratchpad sends Read Scratchpad (0xBE) to the probe and returns the 9 bytes.
func readScratchpad(dev *onewire.Dev) ([9]byte, error) {
	var spad [9]byte
	if err := dev.Tx([]byte{0xbe}, spad[:]); err != nil {
		return spad, fmt.Errorf("ds18b20: read scratchpad: %w", err)
	}
	return spad, nil
}

func (d *Dev) fail(err error) error {
	return &ProbeError{Probe: d.probe(), Where: d.bridge.String(), Err: err}
}

// Close makes Poll fail from now on and closes the bridge if New opened it.
func (d *Dev) Close() error {
	if d.closed.Swap(true) || !d.owned {
		return nil
	}
	return d.bridge.Close()
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

var _ drivers.Source = (*Dev)(nil)
