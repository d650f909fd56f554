package mcp9808

import (
	"errors"
	"fmt"

	"periph.io/x/conn/v3/i2c"
)

// Registers of the MCP9808 (datasheet section 5.1) this package reads itself.
const (
	regConfig       byte = 0x01
	regManufacturer byte = 0x06
	regDevice       byte = 0x07
)

// The identification the datasheet gives (registers 5.1.5 and 5.1.6).
const (
	manufacturerID uint16 = 0x0054 // Microchip
	deviceID       byte   = 0x04   // upper byte of the device id register
	configShutdown uint16 = 0x0100 // SHDN bit of the configuration register
)

// checkIDs checks the manufacturer and device id registers (each read as two bytes,
// most significant first) name an MCP9808.
func checkIDs(manuf, dev []byte) error {
	if len(manuf) != 2 || len(dev) != 2 {
		return errors.New("id registers are two bytes each")
	}
	if m := uint16(manuf[0])<<8 | uint16(manuf[1]); m != manufacturerID {
		return fmt.Errorf("manufacturer id %#04x is not Microchip's %#04x: not an MCP9808", m, manufacturerID)
	}
	if dev[0] != deviceID {
		return fmt.Errorf("device id %#02x (revision %#02x) is not the MCP9808's %#02x", dev[0], dev[1], deviceID)
	}
	return nil
}

// identify reads and checks the id registers and reports whether the chip is in
// shutdown (its temperature register then holds a stale value until the first
// conversion after wake-up).
func identify(d *i2c.Dev) (shutdown bool, err error) {
	var manuf, dev, cfg [2]byte
	if err := d.Tx([]byte{regManufacturer}, manuf[:]); err != nil {
		return false, err
	}
	if err := d.Tx([]byte{regDevice}, dev[:]); err != nil {
		return false, err
	}
	if err := checkIDs(manuf[:], dev[:]); err != nil {
		return false, err
	}
	if err := d.Tx([]byte{regConfig}, cfg[:]); err != nil {
		return false, err
	}
	return (uint16(cfg[0])<<8|uint16(cfg[1]))&configShutdown != 0, nil
}

// errTap passes transactions through and keeps the last error, which periph's mcp9808
// replaces with its own text.
type errTap struct {
	i2c.Bus
	last error
}

func (t *errTap) Tx(addr uint16, w, r []byte) error {
	err := t.Bus.Tx(addr, w, r)
	if err != nil {
		t.last = err
	}
	return err
}
