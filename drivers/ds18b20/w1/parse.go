package w1

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"periph.io/x/conn/v3/onewire"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/ds18b20"
)

// ErrGarbled is wrapped when the kernel's text does not have the expected form.
var ErrGarbled = errors.New("ds18b20: w1: unexpected text")

// Sample is what the kernel's w1_slave file says about one conversion.
type Sample struct {
	Scratchpad [9]byte // the bytes the probe sent
	CRCOK      bool    // the kernel said YES and the bytes' CRC-8 matches
	MilliC     int64   // the kernel's t=, in milli-degrees Celsius
}

// ParseW1Slave parses the two lines of a w1_slave file:
//
//	72 01 4b 46 7f ff 0e 10 57 : crc=57 YES
//	72 01 4b 46 7f ff 0e 10 57 t=23125
func ParseW1Slave(text string) (Sample, error) {
	var s Sample
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) != 2 {
		return s, fmt.Errorf("%w: %d lines, want 2", ErrGarbled, len(lines))
	}
	f1, f2 := strings.Fields(lines[0]), strings.Fields(lines[1])
	if len(f1) != 12 || f1[9] != ":" || !strings.HasPrefix(f1[10], "crc=") || len(f2) != 10 {
		return s, fmt.Errorf("%w: %q", ErrGarbled, text)
	}
	if strings.Join(f1[:9], " ") != strings.Join(f2[:9], " ") {
		return s, fmt.Errorf("%w: the two lines show different bytes", ErrGarbled)
	}
	b, err := hex.DecodeString(strings.Join(f1[:9], ""))
	if err != nil || len(b) != 9 || !allLen2(f1[:9]) {
		return s, fmt.Errorf("%w: scratchpad %q is not 9 hex bytes", ErrGarbled, strings.Join(f1[:9], " "))
	}
	copy(s.Scratchpad[:], b)
	switch f1[11] {
	case "YES":
		s.CRCOK = onewire.CheckCRC(b)
	case "NO":
	default:
		return s, fmt.Errorf("%w: CRC verdict %q, want YES or NO", ErrGarbled, f1[11])
	}
	t, ok := strings.CutPrefix(f2[9], "t=")
	if !ok {
		return s, fmt.Errorf("%w: %q, want t=<milli-degrees>", ErrGarbled, f2[9])
	}
	if s.MilliC, err = strconv.ParseInt(t, 10, 64); err != nil {
		return s, fmt.Errorf("%w: temperature %q: %w", ErrGarbled, t, err)
	}
	return s, nil
}

// Assess judges the sample with ds18b20.Assess.
func (s Sample) Assess() (float64, drivers.Quality, error) {
	return ds18b20.Assess(s.Scratchpad[:], s.CRCOK, float64(s.MilliC)/1000)
}

// ParseTemperature parses the temperature file of newer kernels: milli-degrees Celsius
// on one line ("23125").
func ParseTemperature(text string) (int64, error) {
	t := strings.TrimSuffix(text, "\n")
	v, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: temperature %q: %w", ErrGarbled, t, err)
	}
	return v, nil
}

func allLen2(fields []string) bool {
	for _, f := range fields {
		if len(f) != 2 {
			return false
		}
	}
	return true
}
