package modbus

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	goburrow "github.com/goburrow/modbus"

	"github.com/lotsense/lotsense/drivers"
)

// Dev is one Modbus TCP device. It connects on the first Poll, not in New, so a
// gateway starts even when a device is off; after a transport error it drops the
// connection and the next Poll dials again.
//
// Poll is for one poller goroutine: Poll must not be called concurrently with itself.
// Close may be called from any goroutine; a Poll after Close fails.
type Dev struct {
	cfg     config
	reqs    []request
	handler *goburrow.TCPClientHandler
	client  goburrow.Client
	closed  atomic.Bool
	words   []uint16 // scratch for one request's registers
}

// ErrClosed is returned (wrapped) by Poll after Close.
var ErrClosed = errors.New("modbus: device closed")

// New checks opts (see Options.Validate) and returns a device that polls them.
func New(opts Options) (*Dev, error) {
	cfg, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	h := goburrow.NewTCPClientHandler(cfg.address)
	h.SlaveId = cfg.unit
	h.Timeout = cfg.timeout
	return &Dev{
		cfg:     cfg,
		reqs:    plan(cfg.points),
		handler: h,
		client:  goburrow.NewClient(h),
		words:   make([]uint16, 0, maxRegisters),
	}, nil
}

// String names the device in logs: "modbus 10.0.0.7:502 unit 1".
func (d *Dev) String() string {
	return fmt.Sprintf("modbus %s unit %d", d.cfg.address, d.cfg.unit)
}

// Poll reads every point and appends one reading per point, in the order of the points,
// to dst. Readings have Time now and an empty Sensor, which the caller fills in.
//
// A transport failure (refused, timeout, broken or garbled connection) ends the poll:
// the points not read yet are Unavailable with value 0, the connection is closed so the
// next Poll reconnects, and the error says which device and registers failed. A Modbus
// exception from the device marks that request's points Bad (Unavailable for "busy" and
// the gateway exceptions) and the poll goes on. ctx is checked before each request; a
// request in flight is bounded by the timeout or ctx's deadline, whichever comes first.
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
			d.handler.Close() // the next request dials again
			return dst, errors.Join(append(errs, d.errorf(r, "failed", err))...)
		default:
			errs = append(errs, d.fill(out, r, words)...)
		}
	}
	return dst, errors.Join(errs...)
}

// read performs one request and returns its registers (valid until the next read).
func (d *Dev) read(ctx context.Context, r request) ([]uint16, error) {
	timeout := d.cfg.timeout
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); left < timeout {
			timeout = left
		}
	}
	if timeout <= 0 {
		return nil, context.DeadlineExceeded
	}
	d.handler.Timeout = timeout // only this goroutine's Send reads it
	var b []byte
	var err error
	if r.table == input {
		b, err = d.client.ReadInputRegisters(r.start, r.count)
	} else {
		b, err = d.client.ReadHoldingRegisters(r.start, r.count)
	}
	if err != nil {
		return nil, err
	}
	if len(b) != 2*int(r.count) {
		return nil, fmt.Errorf("modbus: response has %d bytes, want %d", len(b), 2*int(r.count))
	}
	w := d.words[:0]
	for i := 0; i < len(b); i += 2 {
		w = append(w, binary.BigEndian.Uint16(b[i:]))
	}
	return w, nil
}

// fill decodes the points of request r from its registers into their readings.
func (d *Dev) fill(out []drivers.Reading, r request, words []uint16) []error {
	var errs []error
	for _, i := range r.points {
		p := d.cfg.points[i]
		off := int(p.Register - r.start)
		v, q, err := decode(p.Point, p.typ, words[off:off+p.typ.words()])
		out[i].Value, out[i].Quality = v, q
		if err != nil {
			errs = append(errs, fmt.Errorf("modbus: %s unit %d: points[%d]: %w", d.cfg.address, d.cfg.unit, i, err))
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
	return fmt.Errorf("modbus: %s unit %d: read %s %s: %w", d.cfg.address, d.cfg.unit, r, what, err)
}

// Close drops the connection. Poll fails afterwards.
func (d *Dev) Close() error {
	d.closed.Store(true)
	if err := d.handler.Close(); err != nil {
		return fmt.Errorf("modbus: %s: close: %w", d.cfg.address, err)
	}
	return nil
}

var _ drivers.Source = (*Dev)(nil)
