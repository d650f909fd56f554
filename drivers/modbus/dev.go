package modbus

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	goburrow "github.com/goburrow/modbus"

	"github.com/lotsense/lotsense/drivers"
)

// Dev is one Modbus device, over TCP or on a serial bus. It connects on the first
// Poll, not in New, so a gateway starts even when a device is off; after a transport
// error it drops the connection (or closes the serial port) and the next request
// reconnects.
//
// Poll is for one poller goroutine: Poll must not be called concurrently with itself.
// Close may be called from any goroutine; a Poll after Close fails.
type Dev struct {
	cfg     config
	reqs    []request
	line    *line
	ownBus  *Bus // the bus New opened for a serial device, closed by Close
	closed  atomic.Bool
	scratch []uint16 // one request's registers
}

// ErrClosed is returned (wrapped) by Poll after Close, or after its Bus was closed.
var ErrClosed = errors.New("modbus: device closed")

// New checks opts (see Options.Validate) and returns a device that polls them. A
// serial device gets a Bus of its own; devices sharing a port must use NewOnBus.
func New(opts Options) (*Dev, error) {
	cfg, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	if cfg.serial != nil {
		bus := newBus(*cfg.serial, rtuLink(*cfg.serial))
		d := newDev(cfg, bus.line)
		d.ownBus = bus
		return d, nil
	}
	return newDev(cfg, newLine(tcpLink(cfg.address), 0)), nil
}

// NewOnBus returns a device on a shared serial bus. opts.Serial may be nil; when given
// it must name the bus's port with the same settings. opts.Address must be empty.
// Closing the device does not close the bus.
func NewOnBus(bus *Bus, opts Options) (*Dev, error) {
	if opts.Serial == nil {
		s := bus.serial
		opts.Serial = &s
	}
	cfg, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	if *cfg.serial != bus.serial {
		return nil, &ConfigError{Point: -1, Field: "serial",
			Msg: fmt.Sprintf("%+v differs from the bus's %+v: every device on a port uses the same settings", *cfg.serial, bus.serial)}
	}
	return newDev(cfg, bus.line), nil
}

func newDev(cfg config, l *line) *Dev {
	return &Dev{cfg: cfg, reqs: plan(cfg.points), line: l, scratch: make([]uint16, 0, 2000)}
}

// String names the device in logs: "modbus 10.0.0.7:502 unit 1".
func (d *Dev) String() string {
	return fmt.Sprintf("modbus %s unit %d", d.cfg.where(), d.cfg.unit)
}

// Poll reads every point and appends one reading per point, in the order of the points,
// to dst. Readings have Time now and an
// empty Sensor, which the caller fills in.
//
// A request that gets no answer (refused, timeout, broken or garbled connection) is
// sent again up to Options.Retries times; if it still fails the poll ends: the points
// not read yet are Unavailable with value 0, and the error says which device and
// registers failed. A Modbus exception from the device marks that request's points Bad
// (Unavailable for "busy" and the gateway exceptions) and the poll goes on. ctx is
// checked before each request; over TCP a request in flight is bounded by the timeout
// or ctx's deadline, whichever comes first, on a serial bus by the timeout.
func (d *Dev) Poll(ctx context.Context, now time.Time, dst []drivers.Reading) ([]drivers.Reading, error) {
	base := len(dst)
	for _, p := range d.cfg.points {
		dst = append(dst, drivers.Reading{Quantity: p.qty, Quality: drivers.Unavailable, Time: now})
	}
	out := dst[base:]
	var errs []error
	for _, r := range d.reqs {
		if d.closed.Load() {
			return dst, errors.Join(append(errs, d.errorf(r, "not sent", ErrClosed))...)
		}
		if err := ctx.Err(); err != nil {
			return dst, errors.Join(append(errs, d.errorf(r, "not sent", err))...)
		}
		words, err := d.read(ctx, r)
		var exc *goburrow.ModbusError
		switch {
		case errors.As(err, &exc):
			mark(out, r, exceptionQuality(exc.ExceptionCode))
			errs = append(errs, d.errorf(r, "answered with an exception", err))
		case err != nil:
			return dst, errors.Join(append(errs, d.errorf(r, "failed", err))...)
		default:
			errs = append(errs, d.fill(out, r, words)...)
		}
	}
	return dst, errors.Join(errs...)
}

// read performs one request, retrying after transport failures, and returns its
// registers (valid until the next read).
func (d *Dev) read(ctx context.Context, r request) ([]uint16, error) {
	var err error
	for attempt := 0; attempt <= d.cfg.retries; attempt++ {
		timeout := d.cfg.timeout
		if dl, ok := ctx.Deadline(); ok && d.cfg.serial == nil {
			timeout = min(timeout, time.Until(dl))
		}
		if timeout <= 0 {
			return nil, errors.Join(err, context.DeadlineExceeded)
		}
		var w []uint16
		w, err = d.line.request(d.scratch, d.cfg.unit, r, timeout)
		var exc *goburrow.ModbusError
		if err == nil || errors.As(err, &exc) || errors.Is(err, ErrClosed) || ctx.Err() != nil || d.closed.Load() {
			return w, err
		}
	}
	return nil, err
}

// fill decodes the points of request r from its registers into their readings.
func (d *Dev) fill(out []drivers.Reading, r request, words []uint16) []error {
	var errs []error
	for _, i := range r.points {
		p := d.cfg.points[i]
		off := int(p.Register - r.start)
		v, q, err := decode(p.Point, p.codec, words[off:off+p.typ.words()])
		out[i].Value, out[i].Quality = v, q
		if err != nil {
			errs = append(errs, fmt.Errorf("modbus: %s unit %d: points[%d]: %w", d.cfg.where(), d.cfg.unit, i, err))
		}
	}
	return errs
}

// mark sets the quality of request r's points.
func mark(out []drivers.Reading, r request, q drivers.Quality) {
	for _, i := range r.points {
		out[i].Value, out[i].Quality = 0, q
	}
}

// exceptionQuality is the quality of points whose read the device answered with a
// Modbus exception: busy or gateway exceptions mean nobody measured (Unavailable); the
// rest mean the device will not give a measurement at that address (Bad).
func exceptionQuality(code byte) drivers.Quality {
	switch code {
	case goburrow.ExceptionCodeServerDeviceBusy,
		goburrow.ExceptionCodeGatewayPathUnavailable,
		goburrow.ExceptionCodeGatewayTargetDeviceFailedToRespond:
		return drivers.Unavailable
	}
	return drivers.Bad
}

func (d *Dev) errorf(r request, what string, err error) error {
	return fmt.Errorf("modbus: %s unit %d: read %s %s: %w", d.cfg.where(), d.cfg.unit, r, what, err)
}

// Close drops the connection (a TCP device, or a serial device made by New) and makes
// Poll fail afterwards. A device on a shared Bus leaves the bus open.
func (d *Dev) Close() error {
	d.closed.Store(true)
	var err error
	switch {
	case d.ownBus != nil:
		err = d.ownBus.line.close()
	case d.cfg.serial == nil:
		err = d.line.close()
	}
	if err != nil {
		return fmt.Errorf("modbus: %s: close: %w", d.cfg.where(), err)
	}
	return nil
}

var _ drivers.Source = (*Dev)(nil)
