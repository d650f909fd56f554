package ds18b20

import (
	"errors"
	"math"
	"testing"

	"periph.io/x/conn/v3/onewire"

	"github.com/lotsense/lotsense/drivers"
)

// Configuration register values for each resolution (datasheet p. 6).
const (
	cfg9  = 0x1f
	cfg12 = 0x7f
)

// scratchpad builds the 9 bytes a DS18B20 answers to Read Scratchpad, with a good CRC.
func scratchpad(raw uint16, cfg byte) []byte {
	s := []byte{byte(raw), byte(raw >> 8), 0x4b, 0x46, cfg, 0xff, 0x0c, 0x10, 0}
	s[8] = onewire.CalcCRC(s[:8])
	return s
}

func TestDecodeScratchpad(t *testing.T) {
	badCRC := scratchpad(0x0178, cfg9)
	badCRC[8] ^= 0x01
	badCfg := scratchpad(0x0178, 0x00)
	for _, tc := range []struct {
		name string
		spad []byte
		want float64
		q    drivers.Quality
		err  error
	}{
		{"23.5 °C at 9 bits", scratchpad(0x0178, cfg9), 23.5, drivers.Good, nil},
		{"datasheet +25.0625 at 12 bits", scratchpad(0x0191, cfg12), 25.0625, drivers.Good, nil},
		{"datasheet -10.125 at 12 bits", scratchpad(0xff5e, cfg12), -10.125, drivers.Good, nil},
		{"datasheet -55", scratchpad(0xfc90, cfg12), -55, drivers.Good, nil},
		{"datasheet +125", scratchpad(0x07d0, cfg12), 125, drivers.Good, nil},
		{"raw 0xffff is a real -0.0625", scratchpad(0xffff, cfg12), -0.0625, drivers.Good, nil},
		{"undefined bits ignored at 9 bits", scratchpad(0x0197, cfg9), 25, drivers.Good, nil},
		{"85 °C power-on value", scratchpad(0x0550, cfg12), 0, drivers.Bad, ErrPowerOn},
		{"85.0625 is a measurement", scratchpad(0x0551, cfg12), 85.0625, drivers.Good, nil},
		{"CRC mismatch", badCRC, 0, drivers.Bad, ErrCRC},
		{"disconnected: all ones", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 0, drivers.Unavailable, ErrNoResponse},
		{"shorted: all zeros", make([]byte, 9), 0, drivers.Unavailable, ErrBusLow},
		{"config fixed bits wrong", badCfg, 0, drivers.Bad, ErrNotDS18B20},
		{"above 125", scratchpad(0x07e0, cfg12), 0, drivers.Bad, ErrOutOfRange},
		{"below -55", scratchpad(0xfc80, cfg12), 0, drivers.Bad, ErrOutOfRange},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, q, err := DecodeScratchpad(tc.spad)
			if v != tc.want || q != tc.q || !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
				t.Errorf("DecodeScratchpad(% x) = %v, %v, %v; want %v, %v, %v", tc.spad, v, q, err, tc.want, tc.q, tc.err)
			}
		})
	}
	if _, q, err := DecodeScratchpad(make([]byte, 8)); q != drivers.Bad || err == nil {
		t.Errorf("8 bytes: %v, %v", q, err)
	}
}

func TestAssessWithoutScratchpad(t *testing.T) {
	for _, tc := range []struct {
		c   float64
		crc bool
		q   drivers.Quality
		err error
	}{
		{4.5, true, drivers.Good, nil},
		{85, true, drivers.Bad, ErrPowerOn},
		{-127, true, drivers.Bad, ErrOutOfRange},
		{math.NaN(), true, drivers.Bad, ErrOutOfRange},
		{math.Inf(1), true, drivers.Bad, ErrOutOfRange},
		{4.5, false, drivers.Bad, ErrCRC},
	} {
		_, q, err := Assess(nil, tc.crc, tc.c)
		if q != tc.q || !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
			t.Errorf("Assess(nil, %v, %v) = %v, %v; want %v, %v", tc.crc, tc.c, q, err, tc.q, tc.err)
		}
	}
}

func TestConversionTime(t *testing.T) {
	for bits, ms := range map[int]int{9: 94, 10: 188, 11: 376, 12: 752} {
		if got := ConversionTime(bits).Milliseconds(); got != int64(ms) {
			t.Errorf("ConversionTime(%d) = %d ms, want %d", bits, got, ms)
		}
	}
}
