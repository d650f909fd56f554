package aht20

import (
	"errors"
	"fmt"
	"time"

	periph "periph.io/x/devices/v3/aht20"

	"github.com/lotsense/lotsense/drivers/internal/i2cbus"
)

// Address is the AHT20's only I²C address.
const Address uint16 = 0x38

// Defaults for the measurement wait (periph's aht20.DefaultOpts).
const (
	DefaultReadTimeout  = 150 * time.Millisecond
	DefaultPollInterval = 10 * time.Millisecond
	maxReadTimeout      = 5 * time.Second
)

// Options configure one AHT20 on an I²C bus. They appear under `aht20:` in a gateway
// configuration file. The zero value of every field but Bus means its default.
type Options struct {
	// Bus names the I²C bus as periph's i2creg.Open takes it: "" for the first bus, a
	// number ("1"), a device path ("/dev/i2c-1") or an alias ("I2C1").
	Bus string `yaml:"bus" json:"bus"`
	// Address is 0x38, the only one the chip has (0 means 0x38).
	Address uint16 `yaml:"address" json:"address"`
	// ReadTimeout bounds the wait for a measurement after the datasheet's 80 ms, while
	// the chip reports busy; default 150ms, at most 5s.
	ReadTimeout time.Duration `yaml:"read_timeout" json:"read_timeout"`
	// PollInterval is the pause between two reads of a busy chip; default 10ms, at most
	// read_timeout.
	PollInterval time.Duration `yaml:"poll_interval" json:"poll_interval"`
}

// ConfigError is one invalid option, named the way a configuration file names it.
type ConfigError struct {
	Field string // the option's YAML name: "bus", "address", "read_timeout", ...
	Msg   string // what is wrong with it
}

func (e *ConfigError) Error() string { return fmt.Sprintf("aht20: %s: %s", e.Field, e.Msg) }

// config is Options checked, with defaults filled in.
type config struct {
	bus  string
	opts periph.Opts
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
	c := config{bus: o.Bus, opts: periph.Opts{
		MeasurementReadTimeout:  o.ReadTimeout,
		MeasurementWaitInterval: o.PollInterval,
		ValidateData:            true,
	}}
	if err := i2cbus.CheckName(o.Bus); err != nil {
		bad("bus", "%v", err)
	}
	if o.Address != 0 && o.Address != Address {
		bad("address", "%#x is not an AHT20 address (want 0x38, the only one)", o.Address)
	}
	switch {
	case o.ReadTimeout < 0 || o.ReadTimeout > maxReadTimeout:
		bad("read_timeout", "%v is out of range (want 0 for the default 150ms, up to 5s)", o.ReadTimeout)
		c.opts.MeasurementReadTimeout = DefaultReadTimeout
	case o.ReadTimeout == 0:
		c.opts.MeasurementReadTimeout = DefaultReadTimeout
	}
	switch {
	case o.PollInterval < 0 || o.PollInterval > c.opts.MeasurementReadTimeout:
		bad("poll_interval", "%v is out of range (want 0 for the default 10ms, up to read_timeout %v)", o.PollInterval, c.opts.MeasurementReadTimeout)
	case o.PollInterval == 0:
		c.opts.MeasurementWaitInterval = DefaultPollInterval
	}
	return c, errors.Join(errs...)
}
