package bmxx80

import "periph.io/x/conn/v3/i2c"

// Registers of the BME280 (datasheet section 5.3) this package touches itself.
const (
	regCtrlMeas byte = 0xF4 // ctrl_meas: temperature and pressure oversampling, mode
	regData     byte = 0xF7 // press_msb .. hum_lsb: 8 bytes of raw measurements
)

// Raw values the chip leaves in the data registers for a measurement it skipped
// (oversampling set to "skipped", as after a reset; datasheet 4.1 and 5.4).
const (
	skippedTemp uint32 = 0x80000
	skippedHum  uint32 = 0x8000
)

// tap is the bus as periph's driver sees it: it passes every transaction through and
// keeps a copy of the last read of the data registers, so Poll can tell a skipped
// measurement (which periph's compensation would turn into a plausible number) from a
// real one.
type tap struct {
	i2c.Bus
	addr uint16
	data [8]byte
	n    int // bytes in data from the last read, 0 when none since it was reset
}

func (t *tap) Tx(addr uint16, w, r []byte) error {
	if err := t.Bus.Tx(addr, w, r); err != nil {
		return err
	}
	if addr == t.addr && len(w) == 1 && w[0] == regData {
		t.n = copy(t.data[:], r)
	}
	return nil
}

// raw is the uncompensated content of the data registers.
type raw struct {
	press, temp uint32 // 20 bits each
	hum         uint32 // 16 bits; valid only when hasHum
	hasTemp     bool
	hasHum      bool
}

// parseRaw decodes the data registers 0xF7.. (6 bytes for a BMP280, 8 for a BME280;
// fewer leave the missing values unset).
func parseRaw(b []byte) raw {
	var r raw
	if len(b) >= 6 {
		r.press = uint32(b[0])<<12 | uint32(b[1])<<4 | uint32(b[2])>>4
		r.temp = uint32(b[3])<<12 | uint32(b[4])<<4 | uint32(b[5])>>4
		r.hasTemp = true
	}
	if len(b) >= 8 {
		r.hum = uint32(b[6])<<8 | uint32(b[7])
		r.hasHum = true
	}
	return r
}

func (r raw) tempSkipped() bool { return r.hasTemp && r.temp == skippedTemp }
func (r raw) humSkipped() bool  { return r.hasHum && r.hum == skippedHum }
