package mcp9808

import (
	"math"
	"testing"
	"time"

	"periph.io/x/conn/v3/i2c/i2ctest"

	"github.com/lotsense/lotsense/drivers"
)

// FuzzPoll feeds arbitrary id, configuration and temperature registers through a
// playback bus into Poll: it must not panic; checkIDs must accept exactly Microchip's
// MCP9808 ids; a Good reading must be a number within the chip's range that matches the
// register's two's-complement 13-bit value; anything else must come with an error.
func FuzzPoll(f *testing.F) {
	f.Add([]byte{0x00, 0x54}, []byte{0x04, 0x00}, []byte{0x00, 0x00}, []byte{0x00, 0x40})
	f.Add([]byte{0x00, 0x54}, []byte{0x04, 0x00}, []byte{0x01, 0x00}, []byte{0x1D, 0x7F})
	f.Add([]byte{0x00, 0x55}, []byte{0x04, 0x00}, []byte{0x00, 0x00}, []byte{0x07, 0xD1})
	f.Fuzz(func(t *testing.T, manuf, dev, cfg, temp []byte) {
		idErr := checkIDs(manuf, dev)
		ok := len(manuf) == 2 && len(dev) == 2 && manuf[0] == 0 && manuf[1] == 0x54 && dev[0] == 4
		if (idErr == nil) != ok {
			t.Fatalf("checkIDs(%x, %x) = %v", manuf, dev, idErr)
		}
		fit := func(b []byte) []byte { return append(append([]byte(nil), b...), 0, 0)[:2] }
		o := ops(initOps(addr, fit(cfg), 0x03), []i2ctest.IO{readOp(addr, fit(temp)[0], fit(temp)[1])})
		o[0].R, o[1].R = fit(manuf), fit(dev)
		pb := &i2ctest.Playback{Ops: o, DontPanic: true}
		var slept []time.Duration
		d := newDev(t, pb, Options{}, &slept)
		got, err := poll(d)
		if len(got) != 1 {
			t.Fatalf("%d readings", len(got))
		}
		r := got[0]
		raw := uint16(fit(temp)[0])<<8 | uint16(fit(temp)[1])
		want := float64(int16(raw<<3)>>3) / 16 // 13-bit two's complement, 1/16 °C
		switch {
		case r.Quality == drivers.Good && (err != nil || math.IsNaN(r.Value) || r.Value < MinCelsius || r.Value > MaxCelsius || r.Value != want):
			t.Errorf("good reading %+v (want %g), error %v", r, want, err)
		case r.Quality != drivers.Good && (err == nil || r.Value != 0):
			t.Errorf("reading %+v, error %v", r, err)
		case (checkIDs(fit(manuf), fit(dev)) == nil) != (r.Quality != drivers.Unavailable):
			t.Errorf("ids %x %x gave %+v: %v", manuf, dev, r, err)
		}
	})
}
