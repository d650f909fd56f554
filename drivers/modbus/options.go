package modbus

import (
	"time"
)

// Options configure one Modbus device (a temperature/humidity transmitter, a
// refrigeration controller, a data logger), reached over TCP (Address) or over an
// RS-485/RS-232 serial line in RTU framing (Serial). They appear under `modbus:` in a
// gateway configuration file.
type Options struct {
	// Address is host:port of the Modbus TCP server (port 502 when omitted). Exactly one
	// of Address and Serial is given.
	Address string `yaml:"address" json:"address"`
	// Serial reaches the device by Modbus RTU over a serial port. Devices on one port
	// share a Bus: see OpenBus and NewOnBus.
	Serial *Serial `yaml:"serial" json:"serial"`
	// UnitID is the Modbus slave/unit id: 1 to 247 (gateways to RTU buses route by it),
	// or 255 for a device addressed directly over TCP. Required.
	UnitID uint8 `yaml:"unit_id" json:"unit_id"`
	// Timeout bounds one request; default 1s. On a serial bus it bounds each wait for
	// the device's answer (the port is reopened when a device with another timeout
	// takes its turn, so give the devices of one bus the same timeout).
	Timeout time.Duration `yaml:"timeout" json:"timeout"`
	// Retries is how many times a request that got no answer (timeout, broken
	// connection, garbled frame) is sent again before its points are marked
	// unavailable; nil means DefaultRetries. Exceptions are never retried.
	Retries *int `yaml:"retries" json:"retries"`
	// Profile names a register map (see Profile); Points, when given, replace it and
	// Profile is then only a name.
	Profile string `yaml:"profile" json:"profile"`
	// Points map registers and bits to quantities.
	Points []Point `yaml:"points" json:"points"`
}

// Serial is one serial port carrying Modbus RTU, and its line settings. Every device
// on one port must use the same settings.
type Serial struct {
	// Port is the serial device, e.g. /dev/ttyUSB0 or /dev/ttyAMA0. Required.
	Port string `yaml:"port" json:"port"`
	// Baud is the line speed; default 9600.
	Baud int `yaml:"baud" json:"baud"`
	// DataBits is 7 or 8; default 8 (RTU framing needs 8; 7 only for odd devices).
	DataBits int `yaml:"data_bits" json:"data_bits"`
	// Parity is none, even or odd; default even, the Modbus serial line default. Many
	// devices ship with none: check the device's manual.
	Parity string `yaml:"parity" json:"parity"`
	// StopBits is 1 or 2; default 1.
	StopBits int `yaml:"stop_bits" json:"stop_bits"`
	// Pause is the silence kept on the line between the end of one answer and the next
	// request; default DefaultPause, and never less than 3.5 character times (the RTU
	// inter-frame gap: 4 ms at 9600 baud, 1.75 ms above 19200 baud).
	Pause time.Duration `yaml:"pause" json:"pause"`
}

// Defaults for Serial and Options.
const (
	DefaultBaud     = 9600
	DefaultDataBits = 8
	DefaultParity   = "even"
	DefaultStopBits = 1
	DefaultPause    = 20 * time.Millisecond
	DefaultRetries  = 1
)

// Point maps one value in the device's register or bit space to a quantity.
type Point struct {
	// Quantity is a drivers quantity name: temperature, humidity, door_open,
	// compressor, defrost or setpoint.
	Quantity string `yaml:"quantity" json:"quantity"`
	// Table is the Modbus table, i.e. the read function: "holding" (function 3, the
	// default), "input" (4), "coil" (1) or "discrete" (discrete inputs, 2).
	Table string `yaml:"table" json:"table"`
	// Register is the zero-based register (or coil, or discrete input) address.
	Register uint16 `yaml:"register" json:"register"`
	// Type is int16, uint16, int32, uint32 or float32 for registers (32-bit types use
	// two registers), and bool for coils and discrete inputs (a bit reads 0 or 1);
	// default int16 for registers and bool for bits.
	Type string `yaml:"type" json:"type"`
	// Order is the byte order of the value: for 32-bit types ABCD (default: high word
	// first, high byte first), CDAB (low word first), BADC (bytes swapped in each
	// word) or DCBA (little-endian); for 16-bit types AB (default) or BA.
	Order string `yaml:"order" json:"order"`
	// WordSwap is the older spelling of order CDAB.
	WordSwap bool `yaml:"word_swap" json:"word_swap"`
	// Unit is the unit the value is in after Scale and Offset: Cel (or °C, C) or °F
	// (F, [degF]) for temperatures, converted to °C; %RH (or %) for humidity; bool
	// (or 1) for states. Optional here; device profiles require it.
	Unit string `yaml:"unit" json:"unit"`
	// Scale and Offset turn the raw number into Unit: raw*Scale + Offset. Scale
	// defaults to 1. A normally-closed door contact reads open as 0: scale -1,
	// offset 1 inverts it.
	Scale  float64 `yaml:"scale" json:"scale"`
	Offset float64 `yaml:"offset" json:"offset"`
	// Fault lists raw values the device uses to say "no measurement" (e.g. 0x8000 or
	// 32767 for an open probe); a reading with such a value is marked Bad. For integer
	// types a fault matches the raw word(s) read either as signed or as unsigned, so
	// 0x8000 (32768) and -32768 name the same int16 fault; for float32 it matches the
	// decoded float before Scale and Offset.
	Fault []int64 `yaml:"fault" json:"fault"`
	// Min and Max, each when set, bound a plausible value (after Scale and Offset, in
	// Unit, before any conversion to °C); outside them the reading is Bad.
	Min *float64 `yaml:"min" json:"min"`
	Max *float64 `yaml:"max" json:"max"`
}
