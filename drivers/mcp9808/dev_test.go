package mcp9808

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2ctest"

	"github.com/lotsense/lotsense/drivers"
)

var now = time.Date(2025, 7, 1, 6, 0, 0, 0, time.UTC)

const addr = 0x18

// initOps identifies the chip (manufacturer 0x0054, device 0x04 revision 0), reads its
// configuration cfg, then periph sets the resolution register (0x08) to res and clears
// the configuration register (continuous conversion).
func initOps(a uint16, cfg []byte, res byte) []i2ctest.IO {
	return []i2ctest.IO{
		{Addr: a, W: []byte{0x06}, R: []byte{0x00, 0x54}},
		{Addr: a, W: []byte{0x07}, R: []byte{0x04, 0x00}},
		{Addr: a, W: []byte{0x01}, R: cfg},
		{Addr: a, W: []byte{0x08, res}},
		{Addr: a, W: []byte{0x01, 0x00, 0x00}},
	}
}

// readOp reads the ambient temperature register (0x05).
func readOp(a uint16, hi, lo byte) i2ctest.IO {
	return i2ctest.IO{Addr: a, W: []byte{0x05}, R: []byte{hi, lo}}
}

// haltOp sets the configuration register's shutdown bit.
func haltOp(a uint16) i2ctest.IO { return i2ctest.IO{Addr: a, W: []byte{0x01, 0x01, 0x00}} }

var running = []byte{0x00, 0x00} // configuration: continuous conversion

func ops(parts ...[]i2ctest.IO) []i2ctest.IO {
	var all []i2ctest.IO
	for _, p := range parts {
		all = append(all, p...)
	}
	return all
}

// newDev returns a device whose sleeps are recorded in *slept instead of taken.
func newDev(t *testing.T, bus i2c.Bus, opts Options, slept *[]time.Duration) *Dev {
	t.Helper()
	d, err := New(bus, opts)
	if err != nil {
		t.Fatal(err)
	}
	d.sleep = func(d time.Duration) { *slept = append(*slept, d) }
	return d
}

// closeAll closes the device, then checks that the playback ran every transaction.
func closeAll(t *testing.T, d *Dev, pb *i2ctest.Playback) {
	t.Helper()
	if err := d.Close(); err != nil {
		t.Error(err)
	}
	if err := pb.Close(); err != nil {
		t.Error(err)
	}
}

func want(t *testing.T, got []drivers.Reading, v float64, q drivers.Quality) {
	t.Helper()
	w := drivers.Reading{Quantity: drivers.Temperature, Value: v, Quality: q, Time: now}
	if len(got) != 1 || got[0] != w {
		t.Errorf("readings %+v, want [%+v]", got, w)
	}
}

func poll(d *Dev) ([]drivers.Reading, error) { return d.Poll(context.Background(), now, nil) }

func TestPollGood(t *testing.T) {
	var slept []time.Duration
	pb := &i2ctest.Playback{Ops: ops(initOps(addr, running, 0x03),
		[]i2ctest.IO{readOp(addr, 0x00, 0x40), readOp(addr, 0xFE, 0xD8), haltOp(addr)}), DontPanic: true}
	d := newDev(t, pb, Options{Bus: "1"}, &slept)
	got, err := poll(d)
	if err != nil {
		t.Fatal(err)
	}
	want(t, got, 4, drivers.Good)
	// Negative (sign bit 0x10) with the three alert flags set: −18.5 °C.
	got, err = poll(d)
	if err != nil {
		t.Fatal(err)
	}
	want(t, got, -18.5, drivers.Good)
	if len(slept) != 0 {
		t.Errorf("slept %v for a running chip", slept)
	}
	closeAll(t, d, pb)
}

func TestPollRange(t *testing.T) {
	for _, tc := range []struct {
		hi, lo byte
		v      float64
		q      drivers.Quality
	}{
		{0x07, 0xD0, 125, drivers.Good},
		{0x1D, 0x80, -40, drivers.Good},
		{0x07, 0xD1, 0, drivers.Bad}, // 125.0625 °C
		{0x1D, 0x7F, 0, drivers.Bad}, // −40.0625 °C
		{0x0F, 0xFF, 0, drivers.Bad}, // 255.9375 °C
		{0x10, 0x00, 0, drivers.Bad}, // −256 °C
		{0x00, 0x01, 0.0625, drivers.Good},
	} {
		var slept []time.Duration
		pb := &i2ctest.Playback{Ops: ops(initOps(0x1F, running, 0x03), []i2ctest.IO{readOp(0x1F, tc.hi, tc.lo), haltOp(0x1F)}), DontPanic: true}
		d := newDev(t, pb, Options{Address: 0x1F}, &slept)
		got, err := poll(d)
		want(t, got, tc.v, tc.q)
		if (err != nil) != (tc.q == drivers.Bad) {
			t.Errorf("%#x %#x: error %v", tc.hi, tc.lo, err)
		}
		if err != nil && (!strings.HasPrefix(err.Error(), "mcp9808: MCP9808 on the first I²C bus at 0x1f: temperature: ") ||
			!strings.Contains(err.Error(), "°C is outside the sensor's range -40 to 125 °C")) {
			t.Errorf("error %v", err)
		}
		closeAll(t, d, pb)
	}
}

// A chip woken from shutdown has a stale temperature register until it has converted
// once: Poll waits the conversion time of the resolution.
func TestPollWakesFromShutdown(t *testing.T) {
	var slept []time.Duration
	pb := &i2ctest.Playback{Ops: ops(initOps(addr, []byte{0x01, 0x00}, 0x00), []i2ctest.IO{readOp(addr, 0x00, 0x48), haltOp(addr)}), DontPanic: true}
	d := newDev(t, pb, Options{Resolution: 0.5}, &slept)
	got, err := poll(d)
	if err != nil {
		t.Fatal(err)
	}
	want(t, got, 4.5, drivers.Good)
	if len(slept) != 1 || slept[0] != 30*time.Millisecond {
		t.Errorf("slept %v, want [30ms]", slept)
	}
	closeAll(t, d, pb)
}

func TestPollNotMCP9808(t *testing.T) {
	for _, tc := range []struct {
		manuf, dev []byte
		msg        string
	}{
		{[]byte{0x00, 0x00}, []byte{0x04, 0x00}, "manufacturer id 0x0000 is not Microchip's 0x0054: not an MCP9808"},
		{[]byte{0x00, 0x54}, []byte{0x02, 0x01}, "device id 0x02 (revision 0x01) is not the MCP9808's 0x04"},
	} {
		var slept []time.Duration
		pb := &i2ctest.Playback{Ops: []i2ctest.IO{
			{Addr: addr, W: []byte{0x06}, R: tc.manuf}, {Addr: addr, W: []byte{0x07}, R: tc.dev},
		}, DontPanic: true}
		d := newDev(t, pb, Options{}, &slept)
		got, err := poll(d)
		if err == nil || err.Error() != "mcp9808: MCP9808 on the first I²C bus at 0x18: identify: "+tc.msg {
			t.Errorf("error %v, want %q", err, tc.msg)
		}
		want(t, got, 0, drivers.Unavailable)
		closeAll(t, d, pb)
	}
}

// faultBus fails transaction number failAt (counting from 0) without passing it on.
type faultBus struct {
	i2c.Bus
	n, failAt int
}

func (f *faultBus) Tx(addr uint16, w, r []byte) error {
	f.n++
	if f.n-1 == f.failAt {
		return errors.New("remote I/O error")
	}
	return f.Bus.Tx(addr, w, r)
}

func TestPollBusError(t *testing.T) {
	for failAt, what := range []string{"identify", "identify", "identify", "configure", "configure", "measure"} {
		var slept []time.Duration
		first := ops(initOps(addr, running, 0x03), []i2ctest.IO{readOp(addr, 0x00, 0x40)})[:failAt]
		pb := &i2ctest.Playback{Ops: ops(first, initOps(addr, running, 0x03), []i2ctest.IO{readOp(addr, 0x00, 0x40), haltOp(addr)}), DontPanic: true}
		d := newDev(t, &faultBus{Bus: pb, failAt: failAt}, Options{Bus: "/dev/i2c-1"}, &slept)
		got, err := poll(d)
		if err == nil || !strings.HasPrefix(err.Error(), `mcp9808: MCP9808 on I²C bus "/dev/i2c-1" at 0x18: `+what) ||
			!strings.HasSuffix(err.Error(), "remote I/O error") {
			t.Errorf("transaction %d fails: error %v", failAt, err)
		}
		want(t, got, 0, drivers.Unavailable)
		got, err = poll(d)
		if err != nil {
			t.Fatal(err)
		}
		want(t, got, 4, drivers.Good)
		closeAll(t, d, pb)
	}
}

func TestPollAfterCloseAndCanceled(t *testing.T) {
	var slept []time.Duration
	pb := &i2ctest.Playback{DontPanic: true}
	d := newDev(t, pb, Options{}, &slept)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got, err := d.Poll(ctx, now, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("canceled poll: %v", err)
	}
	want(t, got, 0, drivers.Unavailable)
	closeAll(t, d, pb)
	if _, err := poll(d); !errors.Is(err, ErrClosed) {
		t.Errorf("poll after close: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
