package aht20

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
	"time"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/physic"
	periph "periph.io/x/devices/v3/aht20"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/internal/i2cbus"
)

// The AHT20's measuring range (datasheet section 1 and table 1). Readings outside it
// are Bad.
const (
	MinCelsius = -40.0
	MaxCelsius = 85.0
	MinRH      = 0.0
	MaxRH      = 100.0
)

// ErrClosed is returned (wrapped) by Poll after Close.
var ErrClosed = errors.New("aht20: device closed")

// Dev is one AHT20 on an I²C bus, read through periph's aht20 driver. The chip is
// checked and, if its calibration bit is clear, initialised on the first Poll rather
// than in New, so a gateway starts even when a sensor is unplugged; this is done again
// on the Poll after any failure.
//
// Poll is for one poller goroutine; Close may be called from any goroutine.
type Dev struct {
	cfg   config
	bus   i2c.Bus
	owned io.Closer // the bus, when Open opened it

	mu     sync.Mutex
	dev    *periph.Dev // nil until initialised, and after a failure
	closed bool
}

// New checks opts (see Options.Validate) and returns a device on bus, which stays the
// caller's: Close leaves it open. New does no I/O.
func New(bus i2c.Bus, opts Options) (*Dev, error) {
	cfg, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	return &Dev{cfg: cfg, bus: bus}, nil
}

// Open initialises periph's host drivers (host.Init), opens the I²C bus opts.Bus with
// i2creg.Open and returns New's device on it. The device owns that bus: Close closes it.
func Open(opts Options) (*Dev, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	bus, err := i2cbus.Open("aht20", opts.Bus)
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

// String names the device in logs and errors: `AHT20 on I²C bus "1" at 0x38`.
func (d *Dev) String() string {
	if d.cfg.bus == "" {
		return fmt.Sprintf("AHT20 on the first I²C bus at %#x", Address)
	}
	return fmt.Sprintf("AHT20 on I²C bus %q at %#x", d.cfg.bus, Address)
}

// Poll measures once and appends a temperature (°C) and a relative humidity (%RH)
// reading to dst, with Time now and an empty Sensor (the caller fills it in). It takes
// at least 80 ms, the conversion time periph waits for.
//
// A bus error gives Unavailable readings and an error naming the chip, bus and address.
// A chip that stays busy past the read timeout, lost its calibration bit or sent data
// that fails its CRC, and a value outside the measuring range (MinCelsius..MaxCelsius,
// MinRH..MaxRH), give Bad readings with value 0 and an error saying why.
func (d *Dev) Poll(ctx context.Context, now time.Time, dst []drivers.Reading) ([]drivers.Reading, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	t := drivers.Reading{Quantity: drivers.Temperature, Quality: drivers.Unavailable, Time: now}
	h := drivers.Reading{Quantity: drivers.RelativeHumidity, Quality: drivers.Unavailable, Time: now}
	var e physic.Env
	if q, err := d.sense(ctx, &e); err != nil {
		t.Quality, h.Quality = q, q
		return append(dst, t, h), err
	}
	var errs []error
	t.Value, t.Quality, errs = d.judge(errs, "temperature", e.Temperature.Celsius(), "°C", MinCelsius, MaxCelsius)
	rh := float64(e.Humidity) / float64(physic.PercentRH)
	h.Value, h.Quality, errs = d.judge(errs, "humidity", rh, "%RH", MinRH, MaxRH)
	return append(dst, t, h), errors.Join(errs...)
}

// sense initialises the chip when needed and measures once. Its quality says what a
// failure means for the readings.
func (d *Dev) sense(ctx context.Context, e *physic.Env) (drivers.Quality, error) {
	if d.closed {
		return drivers.Unavailable, d.errorf("poll", ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return drivers.Unavailable, d.errorf("poll", err)
	}
	if d.dev == nil {
		dev, err := periph.NewI2C(d.bus, &d.cfg.opts)
		if err != nil {
			return drivers.Unavailable, d.errorf("initialise", err)
		}
		d.dev = dev
	}
	err := d.dev.Sense(e)
	var (
		notInit *periph.NotInitializedError
		timeout *periph.ReadTimeoutError
		corrupt *periph.DataCorruptionError
	)
	switch {
	case err == nil:
		return drivers.Good, nil
	case errors.As(err, &notInit):
		d.dev = nil // the next poll initialises the chip again
		return drivers.Bad, d.errorf("measure", fmt.Errorf("calibration bit clear, will initialise again: %w", err))
	case errors.As(err, &timeout), errors.As(err, &corrupt):
		return drivers.Bad, d.errorf("measure", err)
	}
	d.dev = nil
	return drivers.Unavailable, d.errorf("measure", err)
}

// judge returns a reading's value and quality, appending to errs why it is Bad.
func (d *Dev) judge(errs []error, what string, v float64, unit string, lo, hi float64) (float64, drivers.Quality, []error) {
	if math.IsNaN(v) || v < lo || v > hi {
		err := fmt.Errorf("%g %s is outside the sensor's range %g to %g %s", v, unit, lo, hi, unit)
		return 0, drivers.Bad, append(errs, d.errorf(what, err))
	}
	return v, drivers.Good, errs
}

func (d *Dev) errorf(what string, err error) error {
	return fmt.Errorf("aht20: %s: %s: %w", d, what, err)
}

// Close halts the device (periph's Halt; the chip idles by itself between
// measurements). The bus is closed only when Open opened it. Poll fails afterwards.
func (d *Dev) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	var errs []error
	if d.dev != nil {
		if err := d.dev.Halt(); err != nil {
			errs = append(errs, d.errorf("halt", err))
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
