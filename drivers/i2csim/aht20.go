package i2csim

import (
	"fmt"
	"math"
)

// AHT20 commands and status bits (datasheet section 5.4).
const (
	ahtAddr       = 0x38
	ahtStatus     = 0x71
	ahtInit       = 0xBE
	ahtMeasure    = 0xAC
	ahtSoftReset  = 0xBA
	ahtCalibrated = 1 << 3
)

// AHT20 is a simulated Aosong AHT20 at 0x38. It answers the status command, the
// initialisation and soft reset commands, and a triggered measurement: a read after it
// gives the state, 20 bits of humidity, 20 bits of temperature and the CRC-8. Its faults
// are Silent and CRC.
type AHT20 struct {
	*faults

	// guarded by faults.mu
	calibrated bool
	data       [7]byte // the last measurement, CRC included
}

// NewAHT20 returns a chip, calibrated as after power-on.
func NewAHT20(cfg Config) (*AHT20, error) {
	f, err := newFaults(cfg, CRC)
	if err != nil {
		return nil, err
	}
	c := &AHT20{faults: f, calibrated: true}
	c.data[0] = ahtCalibrated
	c.data[6] = crc8(c.data[:6])
	return c, nil
}

func (c *AHT20) Addr() uint16   { return ahtAddr }
func (c *AHT20) String() string { return fmt.Sprintf("AHT20 at %#x", ahtAddr) }

// Tx answers a command, or a read of the measurement.
func (c *AHT20) Tx(w, r []byte) error {
	t, fault := c.now()
	if fault == Silent {
		return ErrNoAnswer
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case len(w) == 1 && w[0] == ahtStatus && len(r) == 1:
		r[0] = c.status()
	case len(w) == 3 && w[0] == ahtInit && len(r) == 0:
		c.calibrated = true
	case len(w) == 1 && w[0] == ahtSoftReset && len(r) == 0:
		c.calibrated = true // the calibration is reloaded from OTP
	case len(w) == 3 && w[0] == ahtMeasure && len(r) == 0:
		c.measure(c.cfg.Model.Temperature(t), c.cfg.Model.Humidity(t), fault)
	case len(w) == 0 && len(r) > 0:
		n := copy(r, c.data[:])
		clear(r[n:])
	default:
		return fmt.Errorf("i2csim: AHT20: unexpected transaction: write % x, read %d bytes", w, len(r))
	}
	return nil
}

func (c *AHT20) status() byte {
	if c.calibrated {
		return ahtCalibrated
	}
	return 0
}

// measure encodes a measurement (datasheet section 6): RH = S/2²⁰·100 %,
// T = S/2²⁰·200 − 50 °C; the caller holds c.mu.
func (c *AHT20) measure(celsius, rh float64, fault Fault) {
	h := scale20(rh / 100)
	t := scale20((celsius + 50) / 200)
	d := &c.data
	d[0] = c.status()
	d[1], d[2] = byte(h>>12), byte(h>>4)
	d[3] = byte(h<<4) | byte(t>>16&0xF)
	d[4], d[5] = byte(t>>8), byte(t)
	d[6] = crc8(d[:6])
	if fault == CRC {
		d[6] ^= 0x5A
	}
}

// scale20 maps 0..1 to the 20-bit raw range, rounding and clamping.
func scale20(x float64) uint32 {
	return uint32(math.Min(1<<20-1, math.Max(0, math.Round(x*(1<<20)))))
}

// crc8 is the AHT20's CRC-8: polynomial x⁸+x⁵+x⁴+1, initial value 0xFF.
func crc8(b []byte) byte {
	crc := byte(0xFF)
	for _, v := range b {
		crc ^= v
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

var _ Chip = (*AHT20)(nil)
