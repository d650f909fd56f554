// Package i2cbus opens a named I²C bus through periph for the drivers' Open functions,
// so each chip package does not repeat the host initialisation and its error texts.
package i2cbus

import (
	"fmt"
	"strconv"
	"strings"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/host/v3"
)

// Open initialises periph's host drivers (host.Init) and opens the I²C bus name as
// i2creg.Open takes it ("" for the first bus). Errors start with pkg, the calling
// driver's package name.
func Open(pkg, name string) (i2c.BusCloser, error) {
	if _, err := host.Init(); err != nil {
		return nil, fmt.Errorf("%s: periph host init: %w", pkg, err)
	}
	bus, err := i2creg.Open(name)
	if err != nil {
		return nil, fmt.Errorf("%s: open I²C bus %q: %w", pkg, name, err)
	}
	return bus, nil
}

// CheckName accepts the I²C bus names the Linux host driver of periph registers: ""
// (the first bus), a number, /dev/i2c-N or I2CN.
func CheckName(s string) error {
	if s == "" {
		return nil
	}
	rest, ok := strings.CutPrefix(s, "/dev/i2c-")
	if !ok {
		rest = strings.TrimPrefix(s, "I2C")
	}
	if n, err := strconv.ParseUint(rest, 10, 16); err != nil || strconv.FormatUint(n, 10) != rest {
		return fmt.Errorf("%q is not an I²C bus name (want \"\" for the first bus, a number like 1, /dev/i2c-1 or I2C1)", s)
	}
	return nil
}
