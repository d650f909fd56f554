package mcp9808

import (
	"errors"
	"fmt"
	"time"

	periph "periph.io/x/devices/v3/mcp9808"

	"github.com/lotsense/lotsense/drivers/internal/i2cbus"
)

// The MCP9808's I²C addresses: 0x18 with A2..A0 to GND (default) up to 0x1F.
const (
	DefaultAddress uint16 = 0x18
	maxAddress     uint16 = 0x1F
)

// DefaultResolution is the finest step, in °C (and the chip's power-up setting).
const DefaultResolution = 0.0625

// Options configure one MCP9808 on an I²C bus. They appear under `mcp9808:` in a
// gateway configuration file. The zero value of every field but Bus means its default.
type Options struct {
	// Bus names the I²C bus as periph's i2creg.Open takes it: "" for the first bus, a
	// number ("1"), a device path ("/dev/i2c-1") or an alias ("I2C1").
	Bus string `yaml:"bus" json:"bus"`
	// Address is 0x18 (default) to 0x1F, set by the A2..A0 pins.
	Address uint16 `yaml:"address" json:"address"`
	// Resolution in °C: 0.0625 (default, 250 ms per conversion), 0.125 (130 ms),
	// 0.25 (65 ms) or 0.5 (30 ms).
	Resolution float64 `yaml:"resolution" json:"resolution"`
}

// ConfigError is one invalid option, named the way a configuration file names it.
type ConfigError struct {
	Field string // the option's YAML name: "bus", "address", "resolution"
	Msg   string // what is wrong with it
}

func (e *ConfigError) Error() string { return fmt.Sprintf("mcp9808: %s: %s", e.Field, e.Msg) }

// config is Options checked, with defaults filled in.
type config struct {
	bus  string
	addr uint16
	opts periph.Opts
	conv time.Duration // conversion time at the resolution
}

// resolutions maps a resolution to periph's setting and the typical conversion time
// (datasheet table 1-1, tCONV).
var resolutions = []struct {
	step float64
	res  periph.Opts
	conv time.Duration
}{
	{0.0625, periph.Opts{Res: periph.Maximum}, 250 * time.Millisecond},
	{0.125, periph.Opts{Res: periph.High}, 130 * time.Millisecond},
	{0.25, periph.Opts{Res: periph.Medium}, 65 * time.Millisecond},
	{0.5, periph.Opts{Res: periph.Low}, 30 * time.Millisecond},
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
	switch {
	case o.Address == 0:
		c.addr = DefaultAddress
	case o.Address < DefaultAddress || o.Address > maxAddress:
		bad("address", "%#x is not an MCP9808 address (want 0x18 to 0x1f)", o.Address)
	}
	step := o.Resolution
	if step == 0 {
		step = DefaultResolution
	}
	found := false
	for _, r := range resolutions {
		if r.step == step {
			c.opts, c.conv, found = r.res, r.conv, true
		}
	}
	if !found {
		bad("resolution", "%g °C is not a resolution of the chip (want 0.0625, 0.125, 0.25 or 0.5)", o.Resolution)
	}
	c.opts.Addr = int(c.addr)
	return c, errors.Join(errs...)
}
