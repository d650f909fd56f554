// Package i2cbus opens a named I²C bus through periph for the drivers' Open functions,
// so each chip package does not repeat the host initialisation and its error texts.
package i2cbus

import (
	"fmt"

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
