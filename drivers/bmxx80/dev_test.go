package bmxx80

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2ctest"

	"github.com/lotsense/lotsense/drivers"
)

var now = time.Date(2025, 7, 1, 6, 0, 0, 0, time.UTC)

// Calibration registers 0x88..0xA1 and 0xE1..0xE7 (datasheet table 16): dig_T1 28176,
// dig_T2 26220, dig_T3 350, dig_H1 75, dig_H2 366, dig_H3 0, dig_H4 309, dig_H5 0,
// dig_H6 30; the pressure words are a real chip's and unused (pressure is skipped).
var (
	calTP = []byte{0x10, 0x6E, 0x6C, 0x66, 0x5E, 0x01, 0x77, 0x93, 0x98, 0xD5, 0xD0, 0x0B, 0x67,
		0x23, 0xBA, 0x00, 0xF9, 0xFF, 0xAC, 0x26, 0x0A, 0xD8, 0xBD, 0x10, 0x00, 0x4B}
	calH = []byte{0x6E, 0x01, 0x00, 0x13, 0x05, 0x00, 0x1E}
)

// Raw data registers 0xF7..0xFE: pressure skipped (0x80000), then temperature and
// humidity.
var (
	data4C75 = []byte{0x80, 0x00, 0x00, 0x71, 0x2F, 0x00, 0x83, 0xA7} // 4.00 °C, 75.0019 %RH
	data86C  = []byte{0x80, 0x00, 0x00, 0xB1, 0x00, 0x00, 0x83, 0xA7} // 86.00 °C
	dataM41C = []byte{0x80, 0x00, 0x00, 0x4D, 0xFB, 0x80, 0x83, 0xA7} // -41.00 °C
	dataNoH  = []byte{0x80, 0x00, 0x00, 0x71, 0x2F, 0x00, 0x80, 0x00} // humidity skipped
)

const addr = 0x76

// initOps is what periph's bmxx80 sends to set up a BME280 in forced mode with
// temperature and humidity oversampling 1x and pressure skipped (datasheet 5.4).
func initOps() []i2ctest.IO {
	return []i2ctest.IO{
		{Addr: addr, W: []byte{0xD0}, R: []byte{0x60}}, // chip id: BME280
		{Addr: addr, W: []byte{0x88}, R: calTP},
		{Addr: addr, W: []byte{0xE1}, R: calH},
		// ctrl_meas sleep, ctrl_hum 1x, config standby 1 s no filter, ctrl_meas sleep.
		{Addr: addr, W: []byte{0xF4, 0x20, 0xF2, 0x01, 0xF5, 0xA0, 0xF4, 0x20}},
	}
}

// senseOps triggers a forced measurement, finds the chip idle and reads the data.
func senseOps(data []byte) []i2ctest.IO {
	return []i2ctest.IO{
		{Addr: addr, W: []byte{0xF4, 0x21}},            // ctrl_meas: forced mode
		{Addr: addr, W: []byte{0xF3}, R: []byte{0x08}}, // status: measuring
		{Addr: addr, W: []byte{0xF3}, R: []byte{0x00}}, // status: done
		{Addr: addr, W: []byte{0xF7}, R: data},
	}
}

func ops(parts ...[]i2ctest.IO) []i2ctest.IO {
	var all []i2ctest.IO
	for _, p := range parts {
		all = append(all, p...)
	}
	return all
}

func newDev(t *testing.T, bus i2c.Bus, opts Options) *Dev {
	t.Helper()
	d, err := New(bus, opts)
	if err != nil {
		t.Fatal(err)
	}
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

func want(t *testing.T, got []drivers.Reading, want ...drivers.Reading) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d readings %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		want[i].Time = now
		if math.Abs(got[i].Value-want[i].Value) > 1e-9 || got[i].Quality != want[i].Quality ||
			got[i].Quantity != want[i].Quantity || !got[i].Time.Equal(now) || got[i].Sensor != "" {
			t.Errorf("reading %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func temp(v float64, q drivers.Quality) drivers.Reading {
	return drivers.Reading{Quantity: drivers.Temperature, Value: v, Quality: q}
}

func hum(v float64, q drivers.Quality) drivers.Reading {
	return drivers.Reading{Quantity: drivers.RelativeHumidity, Value: v, Quality: q}
}

func TestPollGood(t *testing.T) {
	pb := &i2ctest.Playback{Ops: ops(initOps(), senseOps(data4C75), senseOps(data4C75)), DontPanic: true}
	d := newDev(t, pb, Options{Bus: "1"})
	prefix := []drivers.Reading{{Sensor: "earlier"}}
	got, err := d.Poll(context.Background(), now, prefix)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Sensor != "earlier" {
		t.Error("Poll overwrote dst")
	}
	want(t, got[1:], temp(4, drivers.Good), hum(75.0019, drivers.Good))
	// The second poll measures without setting the chip up again.
	got, err = d.Poll(context.Background(), now, got[:0])
	if err != nil {
		t.Fatal(err)
	}
	want(t, got, temp(4, drivers.Good), hum(75.0019, drivers.Good))
	// Cross-check against the datasheet's floating-point compensation (section 8.1).
	tc, rh := referenceCompensation(0x712F0, 0x83A7)
	if math.Abs(tc-4) > 0.01 || math.Abs(rh-75.0019) > 0.05 {
		t.Errorf("datasheet formulas give %g °C %g %%RH", tc, rh)
	}
	closeAll(t, d, pb)
}

// referenceCompensation is the BME280 datasheet's double-precision compensation
// (section 8.1) for the calibration in calTP and calH.
func referenceCompensation(adcT, adcH float64) (celsius, rh float64) {
	const t1, t2, t3 = 28176.0, 26220.0, 350.0
	const h1, h2, h3, h4, h5, h6 = 75.0, 366.0, 0.0, 309.0, 0.0, 30.0
	v1 := (adcT/16384 - t1/1024) * t2
	v2 := (adcT/131072 - t1/8192) * (adcT/131072 - t1/8192) * t3
	tFine := v1 + v2
	h := tFine - 76800
	h = (adcH - (h4*64 + h5/16384*h)) * (h2 / 65536 * (1 + h6/67108864*h*(1+h3/67108864*h)))
	h *= 1 - h1*h/524288
	return tFine / 5120, math.Max(0, math.Min(100, h))
}

func TestPollOutOfRange(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		msg  string
	}{
		{"hot", data86C, "86 °C is outside the sensor's range -40 to 85 °C"},
		{"cold", dataM41C, "-41 °C is outside the sensor's range -40 to 85 °C"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pb := &i2ctest.Playback{Ops: ops(initOps(), senseOps(tc.data)), DontPanic: true}
			d := newDev(t, pb, Options{})
			got, err := d.Poll(context.Background(), now, nil)
			if err == nil || !strings.Contains(err.Error(), tc.msg) || !strings.HasPrefix(err.Error(), "bmxx80: BME280 on the first I²C bus at 0x76: temperature:") {
				t.Errorf("error %v, want one with %q", err, tc.msg)
			}
			if len(got) != 2 || got[0].Quality != drivers.Bad || got[0].Value != 0 || got[1].Quality != drivers.Good {
				t.Errorf("readings %+v", got)
			}
			closeAll(t, d, pb)
		})
	}
}

// After a reset the chip skips humidity (its raw value stays 0x8000), which periph
// would turn into a plausible number: the reading is Bad and the next poll sets the
// chip up again.
func TestPollSkippedMeasurement(t *testing.T) {
	pb := &i2ctest.Playback{Ops: ops(initOps(), senseOps(dataNoH), initOps(), senseOps(data4C75)), DontPanic: true}
	d := newDev(t, pb, Options{})
	got, err := d.Poll(context.Background(), now, nil)
	if err == nil || !strings.Contains(err.Error(), "humidity: the chip skipped the measurement") {
		t.Errorf("error %v", err)
	}
	want(t, got, temp(4, drivers.Good), hum(0, drivers.Bad))
	got, err = d.Poll(context.Background(), now, nil)
	if err != nil {
		t.Fatal(err)
	}
	want(t, got, temp(4, drivers.Good), hum(75.0019, drivers.Good))
	closeAll(t, d, pb)
}

// faultBus fails transaction number failAt (counting from 0) without passing it on.
type faultBus struct {
	i2c.Bus
	n, failAt int
}

var errBus = errors.New("remote I/O error")

func (f *faultBus) Tx(addr uint16, w, r []byte) error {
	f.n++
	if f.n-1 == f.failAt {
		return errBus
	}
	return f.Bus.Tx(addr, w, r)
}

func TestPollBusError(t *testing.T) {
	for _, tc := range []struct {
		name   string
		failAt int
		what   string
	}{
		{"chip id", 0, "initialise"},
		{"calibration", 1, "initialise"},
		{"trigger", 4, "measure"},
		{"status", 5, "measure"},
		{"data", 7, "measure"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Transaction failAt fails, the next poll sets the chip up again and reads.
			all := ops(initOps(), senseOps(data4C75))
			all = append(all[:tc.failAt:tc.failAt], ops(initOps(), senseOps(data4C75))...)
			pb := &i2ctest.Playback{Ops: all, DontPanic: true}
			d := newDev(t, &faultBus{Bus: pb, failAt: tc.failAt}, Options{Bus: "/dev/i2c-1", Address: 0x76})
			got, err := d.Poll(context.Background(), now, nil)
			if err == nil || !strings.HasPrefix(err.Error(), `bmxx80: BME280 on I²C bus "/dev/i2c-1" at 0x76: `+tc.what) ||
				!strings.Contains(err.Error(), "remote I/O error") {
				t.Errorf("error %v", err)
			}
			want(t, got, temp(0, drivers.Unavailable), hum(0, drivers.Unavailable))
			got, err = d.Poll(context.Background(), now, nil)
			if err != nil {
				t.Fatal(err)
			}
			want(t, got, temp(4, drivers.Good), hum(75.0019, drivers.Good))
			closeAll(t, d, pb)
		})
	}
}

// A playback that ends early fails the poll like a device that stopped answering.
func TestPollMissingTransaction(t *testing.T) {
	pb := &i2ctest.Playback{Ops: initOps()[:2], DontPanic: true}
	d := newDev(t, pb, Options{})
	got, err := d.Poll(context.Background(), now, nil)
	if err == nil {
		t.Fatal("no error")
	}
	want(t, got, temp(0, drivers.Unavailable), hum(0, drivers.Unavailable))
	closeAll(t, d, pb)
}

func TestPollWrongChip(t *testing.T) {
	for _, tc := range []struct {
		id  byte
		msg string
	}{{0x42, "unexpected chip id 42"}, {0x55, "BMP180 is not supported"}} {
		ops := []i2ctest.IO{{Addr: addr, W: []byte{0xD0}, R: []byte{tc.id}}}
		if tc.id == 0x55 { // periph reads the BMP180's calibration
			ops = append(ops, i2ctest.IO{Addr: addr, W: []byte{0xAA}, R: []byte{
				0x1E, 0x5B, 0xFB, 0xC0, 0xC7, 0x2B, 0x84, 0x19, 0x61, 0x43, 0x4B, 0x2F,
				0x19, 0x73, 0x00, 0x2A, 0x80, 0x00, 0xD1, 0xF6, 0x0A, 0x8C}})
		}
		pb := &i2ctest.Playback{Ops: ops, DontPanic: true}
		d := newDev(t, pb, Options{})
		got, err := d.Poll(context.Background(), now, nil)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("chip %#x: error %v, want %q", tc.id, err, tc.msg)
		}
		want(t, got, temp(0, drivers.Unavailable), hum(0, drivers.Unavailable))
		closeAll(t, d, pb)
	}
}

// A BMP280 has no humidity sensor: periph reads 6 data bytes, Poll gives temperature.
func TestPollBMP280(t *testing.T) {
	pb := &i2ctest.Playback{Ops: []i2ctest.IO{
		{Addr: 0x77, W: []byte{0xD0}, R: []byte{0x58}},
		{Addr: 0x77, W: []byte{0x88}, R: calTP},
		{Addr: 0x77, W: []byte{0xF4, 0x20, 0xF5, 0xA0, 0xF4, 0x20}},
		{Addr: 0x77, W: []byte{0xF4, 0x21}},
		{Addr: 0x77, W: []byte{0xF3}, R: []byte{0x00}},
		{Addr: 0x77, W: []byte{0xF7}, R: data4C75[:6]},
	}, DontPanic: true}
	d := newDev(t, pb, Options{Address: 0x77})
	got, err := d.Poll(context.Background(), now, nil)
	if err != nil {
		t.Fatal(err)
	}
	want(t, got, temp(4, drivers.Good))
	if s := d.String(); s != "BMP280 on the first I²C bus at 0x77" {
		t.Errorf("String() = %q", s)
	}
	closeAll(t, d, pb)
}

// With a filter the chip runs in normal mode: no trigger per poll, and Close puts it
// to sleep.
func TestNormalMode(t *testing.T) {
	pb := &i2ctest.Playback{Ops: []i2ctest.IO{
		{Addr: addr, W: []byte{0xD0}, R: []byte{0x60}},
		{Addr: addr, W: []byte{0x88}, R: calTP},
		{Addr: addr, W: []byte{0xE1}, R: calH},
		// ctrl_meas 2x sleep, ctrl_hum 4x, config standby 500 ms filter 4, ctrl_meas normal.
		{Addr: addr, W: []byte{0xF4, 0x40, 0xF2, 0x03, 0xF5, 0x88, 0xF4, 0x43}},
		{Addr: addr, W: []byte{0xF7}, R: data4C75},
		{Addr: addr, W: []byte{0xF4, 0x40}}, // Close: sleep mode
	}, DontPanic: true}
	opts := Options{Oversampling: Oversampling{Temperature: 2, Humidity: 4}, Filter: 4, Standby: 500 * time.Millisecond}
	d := newDev(t, pb, opts)
	got, err := d.Poll(context.Background(), now, nil)
	if err != nil {
		t.Fatal(err)
	}
	want(t, got, temp(4, drivers.Good), hum(75.0019, drivers.Good))
	closeAll(t, d, pb)
}

func TestPollAfterCloseAndCanceled(t *testing.T) {
	pb := &i2ctest.Playback{DontPanic: true}
	d := newDev(t, pb, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got, err := d.Poll(ctx, now, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("canceled poll: %v", err)
	}
	want(t, got, temp(0, drivers.Unavailable), hum(0, drivers.Unavailable))
	closeAll(t, d, pb)
	if _, err := d.Poll(context.Background(), now, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("poll after close: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
