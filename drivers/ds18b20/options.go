package ds18b20

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"periph.io/x/conn/v3/onewire"
)

// Family is the DS18B20's 1-Wire family code, the first byte of its ROM code.
const Family = 0x28

// DefaultBridgeAddress is the DS2482's I²C address with its address pins low.
const DefaultBridgeAddress = 0x18

// DefaultResolution is the conversion resolution in bits when Options.Resolution is 0:
// 0.0625 °C steps, 750 ms per conversion.
const DefaultResolution = 12

// Options configure one DS18B20 probe behind a DS2482 bridge. They appear under
// `ds18b20:` in a gateway configuration file.
type Options struct {
	// Bus is the periph I²C bus name of the bridge: "" for the first bus, "1",
	// "/dev/i2c-1" or "I2C1".
	Bus string `yaml:"bus" json:"bus"`
	// BridgeAddress is the DS2482's I²C address; default 0x18.
	BridgeAddress uint16 `yaml:"bridge_address" json:"bridge_address"`
	// ROM is the probe's 64-bit ROM code as 16 hex digits in the order the bytes go on
	// the wire: family code 28 first, CRC last ("28ff641e821602bc"). Required.
	ROM string `yaml:"rom" json:"rom"`
	// Resolution is 9 to 12 bits (0.5 to 0.0625 °C; 94 to 750 ms per conversion);
	// default 12.
	Resolution int `yaml:"resolution" json:"resolution"`
	// Name is an optional label for logs and errors ("return air, left").
	Name string `yaml:"name" json:"name"`
}

// ConfigError is one invalid option, named the way a configuration file names it.
type ConfigError struct {
	Field string // the option's YAML name: "rom", "bridge_address", "resolution"
	Msg   string // what is wrong with it
	Err   error  // the underlying error, if any
}

func (e *ConfigError) Error() string { return fmt.Sprintf("ds18b20: %s: %s", e.Field, e.Msg) }

func (e *ConfigError) Unwrap() error { return e.Err }

// config is Options checked and with defaults filled in.
type config struct {
	bus        string
	bridge     uint16
	addr       onewire.Address
	rom        string // normalised: 16 lower-case hex digits
	resolution int
	name       string
}

// Validate reports every invalid option, each as a *ConfigError (joined with
// errors.Join when there are several); nil means New will accept the options.
func (o Options) Validate() error {
	_, err := o.resolve()
	return err
}

func (o Options) resolve() (config, error) {
	var errs []error
	bad := func(field, msg string, err error) {
		errs = append(errs, &ConfigError{Field: field, Msg: msg, Err: err})
	}
	c := config{bus: o.Bus, bridge: o.BridgeAddress, resolution: o.Resolution, name: o.Name}
	if c.bridge == 0 {
		c.bridge = DefaultBridgeAddress
	}
	if err := checkBridgeAddress(c.bridge); err != nil {
		bad("bridge_address", err.Error(), nil)
	}
	if c.resolution == 0 {
		c.resolution = DefaultResolution
	}
	if c.resolution < 9 || c.resolution > 12 {
		bad("resolution", fmt.Sprintf("%d bits is not a DS18B20 resolution (want 9 to 12)", o.Resolution), nil)
	}
	addr, err := ParseROM(o.ROM)
	if err != nil {
		bad("rom", strings.TrimPrefix(err.Error(), "ds18b20: "), err)
	}
	c.addr, c.rom = addr, strings.ToLower(o.ROM)
	return c, errors.Join(errs...)
}

// checkBridgeAddress accepts the DS2482 addresses that periph's ds248x opens.
func checkBridgeAddress(a uint16) error {
	switch {
	case a == 0x18 || a == 0x19:
		return nil
	case a >= 0x18 && a <= 0x1f:
		// ds248x v3.7.4 accepts 0x18, 0x19, 0x20 and 0x21 only (0x20/0x21 are no DS2482's).
		return fmt.Errorf("%#x is a DS2482 address, but periph's ds248x opens only 0x18 and 0x19", a)
	}
	return fmt.Errorf("%#x is not a DS2482 address (want 0x18 or 0x19)", a)
}

// ErrROM is wrapped by every error ParseROM returns.
var ErrROM = errors.New("ds18b20: invalid ROM code")

// ParseROM turns a ROM code written as 16 hex digits, family code first and CRC last
// ("28ff641e821602bc"), into periph's onewire.Address (whose low byte is the family
// code). It checks the family code (0x28, DS18B20) and the ROM's CRC-8.
func ParseROM(s string) (onewire.Address, error) {
	if s == "" {
		return 0, fmt.Errorf("%w: empty (want 16 hex digits such as 28ff641e821602bc)", ErrROM)
	}
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 8 {
		return 0, fmt.Errorf("%w: %q is not 16 hex digits (such as 28ff641e821602bc)", ErrROM, s)
	}
	if b[0] != Family {
		if b[7] == Family && onewire.CalcCRC(reverse(b[1:])) == b[0] {
			return 0, fmt.Errorf("%w: %q is byte-reversed (as periph prints an onewire.Address); write %x", ErrROM, s, reverse(b))
		}
		return 0, fmt.Errorf("%w: %q has family code %02x, not 28 (DS18B20)", ErrROM, s, b[0])
	}
	if crc := onewire.CalcCRC(b[:7]); crc != b[7] {
		return 0, fmt.Errorf("%w: %q fails its CRC (last byte %02x, computed %02x): a digit is mistyped", ErrROM, s, b[7], crc)
	}
	var a onewire.Address
	for i := 7; i >= 0; i-- {
		a = a<<8 | onewire.Address(b[i])
	}
	return a, nil
}

// FormatROM writes a as ParseROM reads it: 16 hex digits, family code first.
func FormatROM(a onewire.Address) string {
	var b [8]byte
	for i := range b {
		b[i] = byte(a >> (8 * i))
	}
	return hex.EncodeToString(b[:])
}

func reverse(b []byte) []byte {
	r := make([]byte, len(b))
	for i, c := range b {
		r[len(b)-1-i] = c
	}
	return r
}
