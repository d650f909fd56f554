package bmxx80

import (
	"errors"
	"fmt"
	"time"

	bmx "periph.io/x/devices/v3/bmxx80"

	"github.com/lotsense/lotsense/drivers/internal/i2cbus"
)

// The BME280's two I²C addresses: SDO to GND gives 0x76, SDO to VDDIO 0x77.
const (
	AddressLow  uint16 = 0x76
	AddressHigh uint16 = 0x77
)

// DefaultStandby is the pause between measurements in normal mode (when a filter is
// configured and Standby is zero).
const DefaultStandby = time.Second

// Options configure one BME280 on an I²C bus. They appear under `bme280:` in a gateway
// configuration file. The zero value of every field but Bus means its default.
type Options struct {
	// Bus names the I²C bus as periph's i2creg.Open takes it: "" for the first bus, a
	// number ("1"), a device path ("/dev/i2c-1") or an alias ("I2C1").
	Bus string `yaml:"bus" json:"bus"`
	// Address is 0x76 (default) or 0x77.
	Address uint16 `yaml:"address" json:"address"`
	// Oversampling of each measurement: 1 (default), 2, 4, 8 or 16. More means less
	// noise and a longer measurement (about 2 ms per unit).
	Oversampling Oversampling `yaml:"oversampling" json:"oversampling"`
	// Filter is the IIR filter coefficient: 0 (off, default), 2, 4, 8 or 16. A filter
	// runs the chip in normal mode (it measures on its own every Standby) instead of
	// forced mode (one measurement per poll), as periph's bmxx80 does.
	Filter int `yaml:"filter" json:"filter"`
	// Standby is the pause between measurements in normal mode, rounded down to what
	// the chip offers (0.5, 10, 20, 62.5, 125, 250, 500 ms, 1 s); only with a filter.
	// Default 1s.
	Standby time.Duration `yaml:"standby" json:"standby"`
}

// Oversampling sets the oversampling factor of each measurement. Pressure is not
// measured: drivers has no pressure quantity.
type Oversampling struct {
	Temperature int `yaml:"temperature" json:"temperature"`
	Humidity    int `yaml:"humidity" json:"humidity"`
}

// ConfigError is one invalid option, named the way a configuration file names it.
type ConfigError struct {
	Field string // the option's YAML name: "bus", "address", "oversampling.humidity", ...
	Msg   string // what is wrong with it
}

func (e *ConfigError) Error() string { return fmt.Sprintf("bmxx80: %s: %s", e.Field, e.Msg) }

// config is Options checked, with defaults filled in.
type config struct {
	bus  string
	addr uint16
	opts bmx.Opts
}

// Validate reports every invalid option, each as a *ConfigError (joined with
// errors.Join when there are several); nil means New accepts the options.
func (o Options) Validate() error {
	_, err := o.resolve()
	return err
}

func (o Options) resolve() (config, error) {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, &ConfigError{Field: field, Msg: fmt.Sprintf(format, a...)})
	}
	c := config{bus: o.Bus, addr: o.Address}
	if err := i2cbus.CheckName(o.Bus); err != nil {
		bad("bus", "%v", err)
	}
	switch o.Address {
	case 0:
		c.addr = AddressLow
	case AddressLow, AddressHigh:
	default:
		bad("address", "%#x is not a BME280 address (want 0x76 or 0x77)", o.Address)
	}
	var ok bool
	if c.opts.Temperature, ok = oversampling(o.Oversampling.Temperature); !ok {
		bad("oversampling.temperature", "%d is not an oversampling factor (want 1, 2, 4, 8 or 16)", o.Oversampling.Temperature)
	}
	if c.opts.Humidity, ok = oversampling(o.Oversampling.Humidity); !ok {
		bad("oversampling.humidity", "%d is not an oversampling factor (want 1, 2, 4, 8 or 16)", o.Oversampling.Humidity)
	}
	c.opts.Pressure = bmx.Off
	if c.opts.Filter, ok = filter(o.Filter); !ok {
		bad("filter", "%d is not a filter coefficient (want 0 for off, 2, 4, 8 or 16)", o.Filter)
	}
	switch {
	case o.Standby < 0:
		bad("standby", "%v is negative", o.Standby)
	case o.Standby > 0 && o.Filter == 0:
		bad("standby", "%v needs a filter: without one the chip measures once per poll (forced mode)", o.Standby)
	case o.Standby == 0 && o.Filter != 0:
		c.opts.Standby = DefaultStandby
	default:
		c.opts.Standby = o.Standby
	}
	return c, errors.Join(errs...)
}

func oversampling(n int) (bmx.Oversampling, bool) {
	switch n {
	case 0, 1:
		return bmx.O1x, true
	case 2:
		return bmx.O2x, true
	case 4:
		return bmx.O4x, true
	case 8:
		return bmx.O8x, true
	case 16:
		return bmx.O16x, true
	}
	return bmx.Off, false
}

func filter(n int) (bmx.Filter, bool) {
	switch n {
	case 0:
		return bmx.NoFilter, true
	case 2:
		return bmx.F2, true
	case 4:
		return bmx.F4, true
	case 8:
		return bmx.F8, true
	case 16:
		return bmx.F16, true
	}
	return bmx.NoFilter, false
}
