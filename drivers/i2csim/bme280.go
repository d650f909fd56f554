package i2csim

import (
	"fmt"
	"math"
)

// BME280 registers (datasheet section 5.3).
const (
	bmeCalib1   = 0x88 // 0x88..0xA1: dig_T1..dig_P9, a pad byte, dig_H1
	bmeChipID   = 0xD0
	bmeReset    = 0xE0
	bmeCalib2   = 0xE1 // 0xE1..0xE7: dig_H2..dig_H6
	bmeCtrlHum  = 0xF2
	bmeStatus   = 0xF3
	bmeCtrlMeas = 0xF4
	bmeConfig   = 0xF5
	bmeData     = 0xF7 // 0xF7..0xFE: press, temp (20 bits each), hum (16 bits)

	bmeID        = 0x60
	bmeResetWord = 0xB6
)

// The values a measurement that was skipped leaves in the data registers.
const (
	skippedPressTemp = 0x80000
	skippedHum       = 0x8000
)

// BME280 is a simulated Bosch BME280 at 0x76 or 0x77. It answers chip id, calibration,
// reset, control and status registers; a write of forced or normal mode to ctrl_meas
// measures the model (forced mode at once, normal mode at every read of the data
// registers), encoding raw ADC values that the datasheet's compensation formulas, with
// the calibration it serves, turn back into the model's values.
type BME280 struct {
	*faults
	addr uint16
	cal  bmeCal

	regs [256]byte // guarded by faults.mu
}

// NewBME280 returns a chip at addr. Its faults are Silent and Reset.
func NewBME280(addr uint16, cfg Config) (*BME280, error) {
	f, err := newFaults(cfg, Reset)
	if err != nil {
		return nil, err
	}
	if addr != 0x76 && addr != 0x77 {
		return nil, fmt.Errorf("i2csim: %#x is not a BME280 address", addr)
	}
	c := &BME280{faults: f, addr: addr, cal: typicalCal()}
	c.cal.put(c.regs[bmeCalib1:bmeCalib1+26], c.regs[bmeCalib2:bmeCalib2+7])
	c.regs[bmeChipID] = bmeID
	c.powerOn()
	return c, nil
}

// powerOn sets the registers a reset sets: control registers zero (sleep, every
// measurement skipped) and the skipped markers in the data registers.
func (c *BME280) powerOn() {
	c.regs[bmeCtrlHum], c.regs[bmeCtrlMeas], c.regs[bmeConfig], c.regs[bmeStatus] = 0, 0, 0, 0
	c.store(skippedPressTemp, skippedPressTemp, skippedHum)
}

func (c *BME280) Addr() uint16   { return c.addr }
func (c *BME280) String() string { return fmt.Sprintf("BME280 at %#x", c.addr) }

// Tx answers a register read (one register byte written, then any number read, the
// address incrementing) or a write of register/value pairs.
func (c *BME280) Tx(w, r []byte) error {
	_, fault := c.now()
	if fault == Silent {
		return ErrNoAnswer
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case len(w) == 1 && len(r) > 0:
		if w[0] == bmeData && c.regs[bmeCtrlMeas]&3 == 3 {
			c.measure(fault) // normal mode: the chip has measured since the last read
		}
		for i := range r {
			r[i] = c.regs[(int(w[0])+i)&0xFF]
		}
		return nil
	case len(w) >= 2 && len(w)%2 == 0 && len(r) == 0:
		for i := 0; i < len(w); i += 2 {
			c.write(w[i], w[i+1], fault)
		}
		return nil
	}
	return fmt.Errorf("i2csim: BME280: unexpected transaction: write % x, read %d bytes", w, len(r))
}

// write sets one register; the caller holds c.mu.
func (c *BME280) write(reg, v byte, fault Fault) {
	switch reg {
	case bmeReset:
		if v == bmeResetWord {
			c.powerOn()
		}
	case bmeCtrlHum, bmeConfig:
		c.regs[reg] = v
	case bmeCtrlMeas:
		c.regs[reg] = v
		if mode := v & 3; mode == 1 || mode == 2 {
			c.measure(fault)
			c.regs[reg] &^= 3 // forced mode returns to sleep when done
		}
	}
}

// measure fills the data registers from the model; the caller holds c.mu. Under the
// Reset fault the chip resets first, so every measurement is skipped.
func (c *BME280) measure(fault Fault) {
	if fault == Reset {
		c.powerOn()
		return
	}
	t := c.cfg.Clock()
	temp, hum := uint32(skippedPressTemp), uint32(skippedHum)
	var tFine int32
	if c.regs[bmeCtrlMeas]>>5 != 0 {
		temp, tFine = c.cal.rawTemp(c.cfg.Model.Temperature(t))
	}
	if c.regs[bmeCtrlHum]&7 != 0 && temp != skippedPressTemp {
		hum = c.cal.rawHum(c.cfg.Model.Humidity(t), tFine)
	}
	c.store(skippedPressTemp, temp, hum) // pressure is never simulated
}

func (c *BME280) store(press, temp, hum uint32) {
	d := c.regs[bmeData : bmeData+8]
	d[0], d[1], d[2] = byte(press>>12), byte(press>>4), byte(press<<4)
	d[3], d[4], d[5] = byte(temp>>12), byte(temp>>4), byte(temp<<4)
	d[6], d[7] = byte(hum>>8), byte(hum)
}

// bmeCal is the part of a BME280's trimming parameters the simulation uses.
type bmeCal struct {
	t1         uint16
	t2, t3     int16
	h1, h3     uint8
	h2, h4, h5 int16
	h6         int8
}

// typicalCal returns trimming parameters of the order a real chip has.
func typicalCal() bmeCal {
	return bmeCal{t1: 28485, t2: 26735, t3: 50, h1: 75, h2: 362, h3: 0, h4: 313, h5: 50, h6: 30}
}

// put encodes the parameters in the layout of registers 0x88..0xA1 and 0xE1..0xE7.
func (c bmeCal) put(a, h []byte) {
	a[0], a[1] = byte(c.t1), byte(c.t1>>8)
	a[2], a[3] = byte(c.t2), byte(uint16(c.t2)>>8)
	a[4], a[5] = byte(c.t3), byte(uint16(c.t3)>>8)
	a[6], a[7] = 0x8e, 0x96 // dig_P1 = 38542, a typical value: pressure is not simulated
	a[25] = c.h1
	h[0], h[1] = byte(c.h2), byte(uint16(c.h2)>>8)
	h[2] = c.h3
	h[3], h[4] = byte(c.h4>>4), byte(c.h4&0xF)|byte(c.h5<<4)
	h[5], h[6] = byte(c.h5>>4), byte(c.h6)
}

// temp is the datasheet's 32-bit temperature compensation (section 4.2.3): 0.01 °C,
// and t_fine for the humidity compensation.
func (c bmeCal) temp(raw int32) (int32, int32) {
	x := ((raw>>3 - int32(c.t1)<<1) * int32(c.t2)) >> 11
	y := ((((raw>>4 - int32(c.t1)) * (raw>>4 - int32(c.t1))) >> 12) * int32(c.t3)) >> 14
	return ((x+y)*5 + 128) >> 8, x + y
}

// hum is the datasheet's 32-bit humidity compensation: %RH in Q22.10.
func (c bmeCal) hum(raw, tFine int32) int32 {
	x := tFine - 76800
	x1 := raw<<14 - int32(c.h4)<<20 - int32(c.h5)*x
	x2 := (x1 + 16384) >> 15
	x3 := (x * int32(c.h6)) >> 10
	x4 := (x * int32(c.h3)) >> 11
	x5 := (x3 * (x4 + 32768)) >> 10
	x6 := ((x5+2097152)*int32(c.h2) + 8192) >> 14
	x = x2 * x6
	x -= ((((x >> 15) * (x >> 15)) >> 7) * int32(c.h1)) >> 4
	return min(max(x, 0), 419430400) >> 12
}

// rawTemp inverts temp: the 20-bit ADC value whose compensation is closest to °C
// (the compensation rises with the raw value), and its t_fine.
func (c bmeCal) rawTemp(celsius float64) (uint32, int32) {
	want := int32(math.Round(celsius * 100))
	raw := search(0, 1<<20-1, func(r int32) bool { v, _ := c.temp(r); return v >= want })
	_, tFine := c.temp(raw)
	return uint32(raw), tFine
}

// rawHum inverts hum at t_fine: the 16-bit ADC value whose compensation is closest to
// rh, never the skipped marker itself.
func (c bmeCal) rawHum(rh float64, tFine int32) uint32 {
	want := int32(math.Round(rh * 1024))
	r := uint32(search(0, 1<<16-1, func(r int32) bool { return c.hum(r, tFine) >= want }))
	if r == skippedHum {
		r++
	}
	return r
}

// search returns the smallest r in lo..hi for which ok holds (ok is monotonic), or hi.
func search(lo, hi int32, ok func(int32) bool) int32 {
	for lo < hi {
		mid := lo + (hi-lo)/2
		if ok(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

var _ Chip = (*BME280)(nil)
