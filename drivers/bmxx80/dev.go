package bmxx80

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"time"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/physic"
	bmx "periph.io/x/devices/v3/bmxx80"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/internal/i2cbus"
)

// The BME280's operating range (datasheet section 1, "Operating range"). Readings
// outside it are Bad.
const (
	MinCelsius = -40.0
	MaxCelsius = 85.0
	MinRH      = 0.0
	MaxRH      = 100.0
)

// ErrClosed is returned (wrapped) by Poll after Close.
var ErrClosed = errors.New("bmxx80: device closed")

// Dev is one BME280 (or BMP280, which has no humidity sensor) on an I²C bus, read
// through periph's bmxx80 driver. The chip is initialised (chip id, calibration,
// configuration) on the first Poll, not in New, so a gateway starts even when a sensor
// is unplugged, and again on the Poll after any failure, so a sensor that was
// power-cycled or re-plugged is configured anew.
//
// Poll is for one poller goroutine; Close may be called from any goroutine.
type Dev struct {
	cfg   config
	tap   *tap
	owned io.Closer // the bus, when Open opened it

	mu       sync.Mutex
	dev      *bmx.Dev // nil until initialised, and after a failure
	chip     string   // "BME280" or "BMP280" once known
	humidity bool     // whether the chip measures humidity
	closed   bool
}

// New checks opts (see Options.Validate) and returns a device on bus, which stays the
// caller's: Close halts the chip but leaves the bus open. New does no I/O.
func New(bus i2c.Bus, opts Options) (*Dev, error) {
	cfg, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	return &Dev{cfg: cfg, tap: &tap{Bus: bus, addr: cfg.addr}, chip: "BME280", humidity: true}, nil
}

// Open initialises periph's host drivers (host.Init), opens the I²C bus opts.Bus with
// i2creg.Open and returns New's device on it. The device owns that bus: Close closes it.
func Open(opts Options) (*Dev, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	bus, err := i2cbus.Open("bmxx80", opts.Bus)
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

// String names the device in logs and errors: `BME280 on I²C bus "1" at 0x76`.
func (d *Dev) String() string {
	bus := "the first I²C bus"
	if d.cfg.bus != "" {
		bus = fmt.Sprintf("I²C bus %q", d.cfg.bus)
	}
	return fmt.Sprintf("%s on %s at %#x", d.chip, bus, d.cfg.addr)
}

// Poll measures once and appends a temperature (°C) and, for a BME280, a relative
// humidity (%RH) reading to dst, both with Time now and an empty Sensor (the caller
// fills it in). In forced mode (no filter) the call takes the measurement time, about
// 2 ms per oversampling unit.
//
// A bus error gives Unavailable readings and an error naming the chip, bus and
// address. A value outside the chip's operating range (MinCelsius..MaxCelsius,
// MinRH..MaxRH), or a measurement the chip skipped because it lost its configuration,
// gives a Bad reading with value 0 and an error saying why.
func (d *Dev) Poll(ctx context.Context, now time.Time, dst []drivers.Reading) ([]drivers.Reading, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	t := drivers.Reading{Quantity: drivers.Temperature, Quality: drivers.Unavailable, Time: now}
	h := drivers.Reading{Quantity: drivers.RelativeHumidity, Quality: drivers.Unavailable, Time: now}
	var e physic.Env
	if err := d.sense(ctx, &e); err != nil {
		dst = append(dst, t)
		if d.humidity {
			dst = append(dst, h)
		}
		return dst, err
	}
	raw := parseRaw(d.tap.data[:d.tap.n])
	var errs []error
	t.Value, t.Quality, errs = d.judge(errs, "temperature", e.Temperature.Celsius(), "°C", MinCelsius, MaxCelsius, raw.tempSkipped())
	dst = append(dst, t)
	if d.humidity {
		rh := float64(e.Humidity) / float64(physic.PercentRH)
		h.Value, h.Quality, errs = d.judge(errs, "humidity", rh, "%RH", MinRH, MaxRH, raw.humSkipped())
		dst = append(dst, h)
	}
	if raw.tempSkipped() || (d.humidity && raw.humSkipped()) {
		d.dev = nil // the chip was reset: configure it again on the next poll
	}
	return dst, errors.Join(errs...)
}

// sense initialises the chip when needed and measures once.
func (d *Dev) sense(ctx context.Context, e *physic.Env) error {
	if d.closed {
		return d.errorf("poll", ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return d.errorf("poll", err)
	}
	if d.dev == nil {
		dev, err := bmx.NewI2C(d.tap, d.cfg.addr, &d.cfg.opts)
		if err != nil {
			return d.errorf("initialise", err)
		}
		chip, _, _ := strings.Cut(dev.String(), "{")
		if chip != "BME280" && chip != "BMP280" {
			return d.errorf("initialise", fmt.Errorf("%s is not supported (want a BME280 or a BMP280)", chip))
		}
		d.dev, d.chip = dev, chip
		d.humidity = d.chip == "BME280"
	}
	d.tap.n = 0
	if err := d.dev.Sense(e); err != nil {
		d.dev = nil
		return d.errorf("measure", err)
	}
	if d.tap.n == 0 {
		d.dev = nil
		return d.errorf("measure", errors.New("no data registers read"))
	}
	return nil
}

// judge returns a reading's value and quality, appending to errs why it is Bad.
func (d *Dev) judge(errs []error, what string, v float64, unit string, lo, hi float64, skipped bool) (float64, drivers.Quality, []error) {
	switch {
	case skipped:
		err := errors.New("the chip skipped the measurement (raw value is the reset marker): it was reset and lost its configuration")
		return 0, drivers.Bad, append(errs, d.errorf(what, err))
	case math.IsNaN(v) || v < lo || v > hi:
		err := fmt.Errorf("%g %s is outside the sensor's range %g to %g %s", v, unit, lo, hi, unit)
		return 0, drivers.Bad, append(errs, d.errorf(what, err))
	}
	return v, drivers.Good, errs
}

func (d *Dev) errorf(what string, err error) error {
	return fmt.Errorf("bmxx80: %s: %s: %w", d, what, err)
}

// Close halts the chip: in normal mode (with a filter) it is put to sleep; in forced
// mode it already sleeps between polls. The bus is closed only when Open opened it.
// Poll fails afterwards.
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
		if d.cfg.opts.Filter != bmx.NoFilter {
			// ctrl_meas (0xF4) with mode bits 00: sleep (datasheet 5.4.5).
			if err := d.tap.Tx(d.cfg.addr, []byte{regCtrlMeas, byte(d.cfg.opts.Temperature) << 5}, nil); err != nil {
				errs = append(errs, d.errorf("sleep", err))
			}
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
