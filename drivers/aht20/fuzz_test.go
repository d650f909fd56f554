package aht20

import (
	"context"
	"math"
	"testing"

	"periph.io/x/conn/v3/i2c/i2ctest"

	"github.com/lotsense/lotsense/drivers"
)

// FuzzPoll feeds an arbitrary status byte and measurement frame through a playback bus
// into Poll: it must not panic, a Good reading must be a number within the chip's
// range, and a reading that is not Good must come with an error. (Each run waits the
// 80 ms conversion time periph sleeps, so the fuzzer is slow.)
func FuzzPoll(f *testing.F) {
	f.Add(byte(stateReady), good)
	f.Add(byte(0x10), frame(0x10, 0, 0))
	f.Add(byte(stateReady), frame(stateReady, 0xFFFFF, 0xFFFFF))
	f.Fuzz(func(t *testing.T, status byte, data []byte) {
		b := make([]byte, 7)
		copy(b, data)
		first := []i2ctest.IO{statusOp(status)}
		if status&0x08 == 0 {
			first = append(first, i2ctest.IO{Addr: 0x38, W: []byte{0xBE, 0x08, 0x00}})
		}
		pb := &i2ctest.Playback{Ops: ops(first, measureOps(b)), DontPanic: true}
		d, err := New(pb, fast)
		if err != nil {
			t.Fatal(err)
		}
		got, err := d.Poll(context.Background(), now, nil)
		if len(got) != 2 {
			t.Fatalf("%d readings", len(got))
		}
		lo, hi := []float64{MinCelsius, MinRH}, []float64{MaxCelsius, MaxRH}
		for i, r := range got {
			good := r.Quality == drivers.Good
			if good && (math.IsNaN(r.Value) || r.Value < lo[i] || r.Value > hi[i]) {
				t.Errorf("good reading %+v out of range", r)
			}
			if !good && (err == nil || r.Value != 0) {
				t.Errorf("reading %+v, error %v", r, err)
			}
		}
		if b[0]&0x80 == 0 && b[0]&0x08 != 0 && b[6] == crc8(b[:6]) && got[0].Quality == drivers.Unavailable {
			t.Errorf("a valid frame %x read as %+v: %v", b, got, err)
		}
		if err := d.Close(); err != nil {
			t.Error(err)
		}
	})
}
