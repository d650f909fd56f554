package ds18b20

import (
	"errors"
	"fmt"

	"periph.io/x/conn/v3/onewire"

	"github.com/lotsense/lotsense/drivers"
)

// Why a reading is not Good. Errors returned by Assess, DecodeScratchpad and Poll wrap
// one of these, so callers test them with errors.Is.
var (
	// ErrCRC: the scratchpad's CRC-8 does not match (noise, a long or badly terminated
	// bus, a weak pull-up). The reading is Bad.
	ErrCRC = errors.New("ds18b20: scratchpad CRC mismatch")
	// ErrPowerOn: the temperature register holds 85.0 °C (0x0550), its power-on value:
	// the conversion never ran. The reading is Bad.
	ErrPowerOn = errors.New("ds18b20: power-on value: the probe reset or lost power during conversion")
	// ErrNoResponse: every bit read 1, nobody drove the bus: the probe is disconnected.
	// The reading is Unavailable.
	ErrNoResponse = errors.New("ds18b20: no response: scratchpad reads all ones (probe disconnected)")
	// ErrBusLow: every bit read 0 (which passes the CRC): the data line is shorted to
	// ground or the probe is wired wrongly. The reading is Unavailable.
	ErrBusLow = errors.New("ds18b20: scratchpad reads all zeros (data line held low or probe miswired)")
	// ErrNotDS18B20: the configuration register's fixed bits are wrong, so the bytes
	// are not a DS18B20 scratchpad. The reading is Bad.
	ErrNotDS18B20 = errors.New("ds18b20: not a DS18B20 scratchpad (configuration register fixed bits wrong)")
	// ErrOutOfRange: outside the probe's −55..125 °C range. The reading is Bad.
	ErrOutOfRange = errors.New("ds18b20: temperature outside the probe's range -55..125 °C")
)

// The DS18B20's measuring range in °C (datasheet p. 1).
const (
	MinCelsius = -55
	MaxCelsius = 125
	// powerOnRaw is the temperature register after power-up: +85 °C.
	powerOnRaw = 0x0550
)

// Assess judges one temperature of a DS18B20. spad is the 9-byte scratchpad when the
// caller has it (nil when only a temperature is known, as from the kernel's
// `temperature` file); crcOK says whether its CRC matched; celsius is the temperature. It returns the value in °C and Good, or 0, Bad or Unavailable
// and an error wrapping one of the Err… values above.
//
// Exactly 85.000 °C is taken for the power-on value: a probe really at 85 °C is read as
// Bad, the right trade for a cold chain.
func Assess(spad []byte, crcOK bool, celsius float64) (float64, drivers.Quality, error) {
	if len(spad) > 0 {
		switch {
		case allBytes(spad, 0xff):
			return 0, drivers.Unavailable, ErrNoResponse
		case allBytes(spad, 0x00):
			return 0, drivers.Unavailable, ErrBusLow
		case !crcOK:
			return 0, drivers.Bad, fmt.Errorf("%w (% x)", ErrCRC, spad)
		case len(spad) > 4 && spad[4]&0x9f != 0x1f:
			return 0, drivers.Bad, fmt.Errorf("%w: %#02x", ErrNotDS18B20, spad[4])
		case len(spad) > 1 && uint16(spad[1])<<8|uint16(spad[0]) == powerOnRaw:
			return 0, drivers.Bad, ErrPowerOn
		}
	} else if !crcOK {
		return 0, drivers.Bad, ErrCRC
	}
	if celsius == 85 {
		return 0, drivers.Bad, ErrPowerOn
	}
	if !(celsius >= MinCelsius && celsius <= MaxCelsius) { // NaN fails both
		return 0, drivers.Bad, fmt.Errorf("%w: %v °C", ErrOutOfRange, celsius)
	}
	return celsius, drivers.Good, nil
}

// DecodeScratchpad judges the 9 bytes read from a DS18B20 with Read Scratchpad (0xBE):
// it checks the CRC and decodes the temperature register, ignoring the bits the
// configured resolution leaves undefined (datasheet p. 6). See Assess for the result.
func DecodeScratchpad(spad []byte) (float64, drivers.Quality, error) {
	if len(spad) != 9 {
		return 0, drivers.Bad, fmt.Errorf("ds18b20: scratchpad has %d bytes, want 9", len(spad))
	}
	return Assess(spad, onewire.CheckCRC(spad), scratchpadCelsius(spad))
}

// scratchpadCelsius decodes the temperature register (1/16 °C, two's complement).
func scratchpadCelsius(spad []byte) float64 {
	raw := int16(uint16(spad[1])<<8 | uint16(spad[0]))
	raw &^= 1<<(12-resolutionOf(spad)) - 1 // bits left undefined below 12-bit resolution
	return float64(raw) / 16
}

// resolutionOf returns the resolution a scratchpad's configuration register sets.
func resolutionOf(spad []byte) int { return int(spad[4]>>5&3) + 9 }

func allBytes(b []byte, v byte) bool {
	for _, c := range b {
		if c != v {
			return false
		}
	}
	return true
}
