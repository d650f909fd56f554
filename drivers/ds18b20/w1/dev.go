package w1

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/ds18b20"
)

// The files a w1-therm slave directory holds that Dev reads, in order of preference:
// w1_slave shows the scratchpad and the CRC verdict, temperature (newer kernels) only
// the value, so an all-zeros scratchpad could pass as 0 °C there.
const (
	fileW1Slave     = "w1_slave"
	fileTemperature = "temperature"
)

// Dev is one DS18B20 read through the kernel. Each Poll reads its w1_slave file, which
// makes the kernel convert (up to 750 ms) and answer.
//
// Poll is for one poller goroutine; Close may be called from any goroutine.
type Dev struct {
	cfg     config
	closed  atomic.Bool
	pending chan result // a read still in flight from an earlier Poll; only Poll touches it
}

// result is one read of a probe's file.
type result struct {
	path string
	text string
	err  error
}

// New checks opts (see Options.Validate) and returns a Dev. It does not look at the
// files: a probe plugged in later is read as soon as the kernel lists it.
func New(opts Options) (*Dev, error) {
	cfg, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	return &Dev{cfg: cfg}, nil
}

// String names the probe in logs: "ds18b20 28-0316a1b2c3ff on w1 (/sys/bus/w1/devices)".
func (d *Dev) String() string { return "ds18b20 " + d.cfg.id + " on w1 (" + d.cfg.root + ")" }

// Poll reads the probe and appends one temperature reading to dst: Good, or Bad or
// Unavailable with value 0 and a *ds18b20.ProbeError naming the probe, its w1 bus
// master and the file. Readings have Time now and an empty Sensor.
//
// A read of the kernel's file cannot be interrupted: when ctx ends first, Poll returns
// an Unavailable reading and the read finishes in the background; the next Poll uses
// it if it is still running, or starts a fresh one.
func (d *Dev) Poll(ctx context.Context, now time.Time, dst []drivers.Reading) ([]drivers.Reading, error) {
	r := drivers.Reading{Quantity: drivers.Temperature, Quality: drivers.Unavailable, Time: now}
	if d.closed.Load() {
		return append(dst, r), d.fail(d.cfg.dir(), ds18b20.ErrClosed)
	}
	res, err := d.read(ctx)
	if err != nil {
		return append(dst, r), d.fail(d.cfg.dir(), err)
	}
	if res.err != nil {
		return append(dst, r), d.fail(res.path, res.err)
	}
	r.Value, r.Quality, err = judge(res)
	if err != nil {
		return append(dst, r), d.fail(res.path, err)
	}
	return append(dst, r), nil
}

// judge parses a file's text and applies the quality rules.
func judge(res result) (float64, drivers.Quality, error) {
	if filepath.Base(res.path) == fileTemperature {
		mc, err := ParseTemperature(res.text)
		if err != nil {
			return 0, drivers.Bad, err
		}
		return ds18b20.Assess(nil, true, float64(mc)/1000)
	}
	s, err := ParseW1Slave(res.text)
	if err != nil {
		return 0, drivers.Bad, err
	}
	return s.Assess()
}

// read returns the next read of the probe, starting one unless one is in flight.
func (d *Dev) read(ctx context.Context) (result, error) {
	if d.pending != nil {
		select {
		case <-d.pending: // finished after its Poll gave up: too old, read afresh
			d.pending = nil
		default: // still converting: its answer will do
		}
	}
	if d.pending == nil {
		if err := ctx.Err(); err != nil {
			return result{}, err
		}
		ch := make(chan result, 1)
		go func(dir string) { ch <- readProbe(dir) }(d.cfg.dir())
		d.pending = ch
	}
	select {
	case res := <-d.pending:
		d.pending = nil
		return res, nil
	case <-ctx.Done():
		return result{}, fmt.Errorf("ds18b20: waiting for the kernel's conversion: %w", ctx.Err())
	}
}

// readProbe reads w1_slave, or temperature where there is no w1_slave.
func readProbe(dir string) result {
	path := filepath.Join(dir, fileW1Slave)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Stat(dir); serr != nil {
			return result{path: dir, err: fmt.Errorf("ds18b20: the kernel does not list the probe (check its wiring and dtoverlay=w1-gpio): %w", serr)}
		}
		tpath := filepath.Join(dir, fileTemperature)
		if b, terr := os.ReadFile(tpath); !errors.Is(terr, fs.ErrNotExist) {
			return result{path: tpath, text: string(b), err: wrapRead(terr)}
		}
	}
	return result{path: path, text: string(b), err: wrapRead(err)}
}

func wrapRead(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("ds18b20: read: %w", err)
}

// fail explains a reading that is not Good, naming the w1 bus master when the kernel's
// symlink shows it ("w1_bus_master1").
func (d *Dev) fail(path string, err error) error {
	where := path
	if target, lerr := filepath.EvalSymlinks(d.cfg.dir()); lerr == nil {
		if m := filepath.Base(filepath.Dir(target)); m != "." && m != string(filepath.Separator) && m != filepath.Base(d.cfg.root) {
			where = m + ", " + path
		}
	}
	return &ds18b20.ProbeError{Probe: d.cfg.id, Where: where, Err: err}
}

// Close makes Poll fail from now on.
func (d *Dev) Close() error {
	d.closed.Store(true)
	return nil
}

var _ drivers.Source = (*Dev)(nil)
