package mcp9808

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
	"time"

	"periph.io/x/conn/v3/i2c"
	periph "periph.io/x/devices/v3/mcp9808"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/internal/i2cbus"
)

// The MCP9808's operating range (datasheet table 1-1, −40 °C to +125 °C). Readings
// outside it are Bad.
const (
	MinCelsius = -40.0
	MaxCelsius = 125.0
)

// ErrClosed is returned (wrapped) by Poll after Close.
var ErrClosed = errors.New("mcp9808: device closed")

// Dev is one MCP9808 on an I²C bus, read through periph's mcp9808 driver. The chip is
// identified and configured on the first Poll rather than in New, so a gateway starts
// even when a sensor is unplugged, and again on the Poll after a bus error.
//
// Poll is for one poller goroutine; Close may be called from any goroutine.
type Dev struct {
	cfg   config
	tap   *errTap
	owned io.Closer // the bus, when Open opened it
	sleep func(time.Duration)

	mu     sync.Mutex
	dev    *periph.Dev // nil until initialised, and after a failure
	closed bool
}

// New checks opts (see Options.Validate) and returns a device on bus, which stays the
// caller's: Close shuts the chip down but leaves the bus open. New does no I/O.
func New(bus i2c.Bus, opts Options) (*Dev, error) {
	cfg, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	return &Dev{cfg: cfg, tap: &errTap{Bus: bus}, sleep: time.Sleep}, nil
}

// Open initialises periph's host drivers (host.Init), opens the I²C bus opts.Bus with
// i2creg.Open and returns New's device on it. The device owns that bus: Close closes it.
func Open(opts Options) (*Dev, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	bus, err := i2cbus.Open("mcp9808", opts.Bus)
	if err != nil {
		return nil, err
	}
	d, err := New(bus, opts)
	if err != nil {
		_ = bus.Close()
		return nil, err
	}
	d.owned = bus
	return d, nil
}

// String names the device in logs and errors: `MCP9808 on I²C bus "1" at 0x18`.
func (d *Dev) String() string {
	if d.cfg.bus == "" {
		return fmt.Sprintf("MCP9808 on the first I²C bus at %#x", d.cfg.addr)
	}
	return fmt.Sprintf("MCP9808 on I²C bus %q at %#x", d.cfg.bus, d.cfg.addr)
}

// Poll reads the latest conversion (the chip converts continuously) and appends a
// temperature reading (°C) to dst with Time now and an empty Sensor (the caller fills
// it in).
//
// A bus error, or a chip whose id registers do not name an MCP9808, gives an
// Unavailable reading and an error naming the chip, bus and address. A value outside
// MinCelsius..MaxCelsius gives a Bad reading with value 0 and an error saying why.
func (d *Dev) Poll(ctx context.Context, now time.Time, dst []drivers.Reading) ([]drivers.Reading, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	r := drivers.Reading{Quantity: drivers.Temperature, Quality: drivers.Unavailable, Time: now}
	c, err := d.sense(ctx)
	if err != nil {
		return append(dst, r), err
	}
	if math.IsNaN(c) || c < MinCelsius || c > MaxCelsius {
		r.Quality = drivers.Bad
		err = d.errorf("temperature", fmt.Errorf("%g °C is outside the sensor's range %g to %g °C", c, MinCelsius, MaxCelsius))
		return append(dst, r), err
	}
	r.Value, r.Quality = c, drivers.Good
	return append(dst, r), nil
}

// sense initialises the chip when needed and reads the temperature in °C.
func (d *Dev) sense(ctx context.Context) (float64, error) {
	if d.closed {
		return 0, d.errorf("poll", ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return 0, d.errorf("poll", err)
	}
	d.tap.last = nil
	if d.dev == nil {
		shutdown, err := identify(&i2c.Dev{Bus: d.tap, Addr: d.cfg.addr})
		if err != nil {
			return 0, d.errorf("identify", err)
		}
		opts := d.cfg.opts
		dev, err := periph.New(d.tap, &opts)
		if err != nil {
			return 0, d.errorf("configure", d.cause(err))
		}
		d.dev = dev
		if shutdown { // the temperature register is stale until the first conversion
			d.sleep(d.cfg.conv)
		}
	}
	t, err := d.dev.SenseTemp()
	if err != nil {
		d.dev = nil
		return 0, d.errorf("measure", d.cause(err))
	}
	return t.Celsius(), nil
}

// cause adds the bus error behind one of periph's errors, which drop it.
func (d *Dev) cause(err error) error {
	if d.tap.last != nil {
		return fmt.Errorf("%v: %w", err, d.tap.last)
	}
	return err
}

func (d *Dev) errorf(what string, err error) error {
	return fmt.Errorf("mcp9808: %s: %s: %w", d, what, err)
}

// Close shuts the chip down (periph's Halt sets the configuration register's SHDN bit:
// about 1 µA, no conversions). The bus is closed only when Open opened it. Poll fails
// afterwards.
func (d *Dev) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	var errs []error
	if d.dev != nil {
		d.tap.last = nil
		if err := d.dev.Halt(); err != nil {
			errs = append(errs, d.errorf("shut down", d.cause(err)))
		}
		d.dev = nil
	}
	if d.owned != nil {
		if err := d.owned.Close(); err != nil {
			errs = append(errs, d.errorf("close bus", err))
		}
	}
	return errors.Join(errs...)
}

var _ drivers.Source = (*Dev)(nil)
