package modbus

import (
	"time"
)

// Options configure one Modbus TCP device (a temperature/humidity transmitter, a
// refrigeration controller, a data logger). They appear under `modbus:` in a gateway
// configuration file.
type Options struct {
	// Address is host:port of the Modbus TCP server (port 502 when omitted).
	Address string `yaml:"address" json:"address"`
	// UnitID is the Modbus slave/unit id: 1 to 247 (gateways to RTU buses route by it),
	// or 255 for a device addressed directly over TCP. Required.
	UnitID uint8 `yaml:"unit_id" json:"unit_id"`
	// Timeout bounds one request; default 1s.
	Timeout time.Duration `yaml:"timeout" json:"timeout"`
	// Profile names a built-in register map (see Profiles); Points, when given, replace it.
	Profile string `yaml:"profile" json:"profile"`
	// Points map registers to quantities.
	Points []Point `yaml:"points" json:"points"`
}

// Point maps one value in the device's register space to a quantity.
type Point struct {
	// Quantity is a drivers quantity name: temperature, humidity, door_open, ...
	Quantity string `yaml:"quantity" json:"quantity"`
	// Table is "holding" (function 3) or "input" (function 4); default holding.
	Table string `yaml:"table" json:"table"`
	// Register is the zero-based register address.
	Register uint16 `yaml:"register" json:"register"`
	// Type is int16, uint16, int32, uint32 or float32 (32-bit types use two registers,
	// high word first unless WordSwap); default int16.
	Type     string `yaml:"type" json:"type"`
	WordSwap bool   `yaml:"word_swap" json:"word_swap"`
	// Scale and Offset turn the raw number into the quantity's unit: raw*Scale + Offset.
	// Scale defaults to 1.
	Scale  float64 `yaml:"scale" json:"scale"`
	Offset float64 `yaml:"offset" json:"offset"`
	// Fault lists raw values the device uses to say "no measurement" (e.g. 0x8000 or
	// 32767 for an open probe); a reading with such a value is marked Bad. For integer
	// types a fault matches the raw word(s) read either as signed or as unsigned, so
	// 0x8000 (32768) and -32768 name the same int16 fault; for float32 it matches the
	// decoded float before Scale and Offset.
	Fault []int64 `yaml:"fault" json:"fault"`
	// Min and Max, each when set, bound a plausible value (after Scale and Offset);
	// outside them the reading is Bad.
	Min *float64 `yaml:"min" json:"min"`
	Max *float64 `yaml:"max" json:"max"`
}
