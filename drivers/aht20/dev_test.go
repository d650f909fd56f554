package aht20

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2ctest"

	"github.com/lotsense/lotsense/drivers"
)

var now = time.Date(2025, 7, 1, 6, 0, 0, 0, time.UTC)

// crc8 is the datasheet's CRC (section 5.4.4): polynomial x⁸+x⁵+x⁴+1, initial 0xFF.
func crc8(b []byte) byte {
	crc := byte(0xFF)
	for _, x := range b {
		crc ^= x
		for range 8 {
			if crc&0x80 != 0 {
				crc = crc<<1 ^ 0x31
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// frame is what the chip answers to a read after a measurement (datasheet 5.4): state,
// 20 bits of humidity, 20 bits of temperature, CRC.
func frame(state byte, hRaw, tRaw uint32) []byte {
	b := []byte{state, byte(hRaw >> 12), byte(hRaw >> 4), byte(hRaw<<4) | byte(tRaw>>16&0xF), byte(tRaw >> 8), byte(tRaw)}
	return append(b, crc8(b))
}

const (
	stateReady = 0x1C // calibrated, idle (the datasheet's typical 0x1C)
	stateBusy  = 0x9C // calibrated, measuring
)

// Raw values: humidity 0xC0000 is 75 %RH, temperature 283116 is 4.0000916 °C.
var (
	good     = frame(stateReady, 0xC0000, 283116)
	wantTemp = 283116.0/(1<<20)*200 - 50
)

func statusOp(state byte) i2ctest.IO {
	return i2ctest.IO{Addr: 0x38, W: []byte{0x71}, R: []byte{state}}
}

// measureOps triggers a measurement and reads the frames given (one per status poll).
func measureOps(frames ...[]byte) []i2ctest.IO {
	ops := []i2ctest.IO{{Addr: 0x38, W: []byte{0xAC, 0x33, 0x00}}}
	for _, f := range frames {
		ops = append(ops, i2ctest.IO{Addr: 0x38, R: f})
	}
	return ops
}

func ops(parts ...[]i2ctest.IO) []i2ctest.IO {
	var all []i2ctest.IO
	for _, p := range parts {
		all = append(all, p...)
	}
	return all
}

// fast polls a busy chip every millisecond; the generous timeout keeps a loaded machine
// from turning the expected busy frames into a timeout.
var fast = Options{ReadTimeout: time.Second, PollInterval: time.Millisecond}

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

func want(t *testing.T, got []drivers.Reading, temp float64, tq drivers.Quality, rh float64, hq drivers.Quality) {
	t.Helper()
	w := []drivers.Reading{
		{Quantity: drivers.Temperature, Value: temp, Quality: tq, Time: now},
		{Quantity: drivers.RelativeHumidity, Value: rh, Quality: hq, Time: now},
	}
	if len(got) != 2 {
		t.Fatalf("got %d readings %+v, want 2", len(got), got)
	}
	for i := range w {
		// periph keeps nanokelvin and tenths of micro-%RH.
		if math.Abs(got[i].Value-w[i].Value) > 1e-6 || got[i].Quality != w[i].Quality ||
			got[i].Quantity != w[i].Quantity || !got[i].Time.Equal(now) || got[i].Sensor != "" {
			t.Errorf("reading %d = %+v, want %+v", i, got[i], w[i])
		}
	}
}

func poll(t *testing.T, d *Dev) ([]drivers.Reading, error) {
	t.Helper()
	return d.Poll(context.Background(), now, nil)
}

func TestPollGood(t *testing.T) {
	t.Parallel()
	pb := &i2ctest.Playback{Ops: ops([]i2ctest.IO{statusOp(stateReady)}, measureOps(good), measureOps(good)), DontPanic: true}
	d := newDev(t, pb, Options{Bus: "1"})
	for range 2 { // the second poll measures without checking the calibration bit
		got, err := poll(t, d)
		if err != nil {
			t.Fatal(err)
		}
		want(t, got, wantTemp, drivers.Good, 75, drivers.Good)
	}
	if math.Abs(wantTemp-4.0000916) > 1e-7 {
		t.Errorf("raw temperature decodes to %g", wantTemp)
	}
	closeAll(t, d, pb)
}

// A chip whose calibration bit is clear gets the initialisation command first
// (datasheet 5.4 step 1), then a busy chip is read again until it is done.
func TestPollInitialiseAndBusy(t *testing.T) {
	t.Parallel()
	pb := &i2ctest.Playback{Ops: ops(
		[]i2ctest.IO{statusOp(0x10), {Addr: 0x38, W: []byte{0xBE, 0x08, 0x00}}},
		measureOps(frame(stateBusy, 0, 0), frame(stateBusy, 0, 0), good),
	), DontPanic: true}
	d := newDev(t, pb, fast)
	got, err := poll(t, d)
	if err != nil {
		t.Fatal(err)
	}
	want(t, got, wantTemp, drivers.Good, 75, drivers.Good)
	closeAll(t, d, pb)
}

// busyBus answers every read with a busy frame.
type busyBus struct{ i2ctest.Playback }

func (b *busyBus) Tx(addr uint16, w, r []byte) error {
	copy(r, frame(stateBusy, 0, 0))
	return nil
}

func TestPollBusyForever(t *testing.T) {
	t.Parallel()
	d := newDev(t, &busyBus{}, Options{ReadTimeout: 5 * time.Millisecond, PollInterval: time.Millisecond})
	got, err := poll(t, d)
	if err == nil || !strings.Contains(err.Error(), "did not finish measurement") {
		t.Errorf("error %v", err)
	}
	want(t, got, 0, drivers.Bad, 0, drivers.Bad)
}

func TestPollBadData(t *testing.T) {
	t.Parallel()
	corrupt := append([]byte(nil), good...)
	corrupt[6] ^= 0x01
	for _, tc := range []struct {
		name   string
		frame  []byte
		tq, hq drivers.Quality
		msg    string
	}{
		{"crc", corrupt, drivers.Bad, drivers.Bad, "The CRC8 hashes did not match"},
		{"hot", frame(stateReady, 0xC0000, 713032), drivers.Bad, drivers.Good, "temperature: 86.000061035 °C is outside the sensor's range -40 to 85 °C"},
		{"cold", frame(stateReady, 0xC0000, 47185), drivers.Bad, drivers.Good, "temperature: -41.000175476 °C is outside"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pb := &i2ctest.Playback{Ops: ops([]i2ctest.IO{statusOp(stateReady)}, measureOps(tc.frame)), DontPanic: true}
			d := newDev(t, pb, Options{})
			got, err := poll(t, d)
			if err == nil || !strings.HasPrefix(err.Error(), "aht20: AHT20 on the first I²C bus at 0x38: ") ||
				!strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %v, want %q", err, tc.msg)
			}
			if got[0].Quality != tc.tq || got[1].Quality != tc.hq || (tc.tq == drivers.Bad && got[0].Value != 0) {
				t.Errorf("readings %+v", got)
			}
			closeAll(t, d, pb)
		})
	}
}

// A chip that lost its calibration bit (e.g. after a brown-out) gives Bad readings;
// the next poll initialises it again.
func TestPollNotCalibrated(t *testing.T) {
	t.Parallel()
	pb := &i2ctest.Playback{Ops: ops(
		[]i2ctest.IO{statusOp(stateReady)}, measureOps(frame(0x10, 0xC0000, 283116)),
		[]i2ctest.IO{statusOp(0x10), {Addr: 0x38, W: []byte{0xBE, 0x08, 0x00}}}, measureOps(good),
	), DontPanic: true}
	d := newDev(t, pb, Options{})
	got, err := poll(t, d)
	if err == nil || !strings.Contains(err.Error(), "calibration bit clear") {
		t.Errorf("error %v", err)
	}
	want(t, got, 0, drivers.Bad, 0, drivers.Bad)
	got, err = poll(t, d)
	if err != nil {
		t.Fatal(err)
	}
	want(t, got, wantTemp, drivers.Good, 75, drivers.Good)
	closeAll(t, d, pb)
}
