package modbus

import (
	"fmt"
	"slices"
	"strings"

	"github.com/lotsense/lotsense/drivers"
)

// unitConv converts a value in a point's unit into its quantity's unit.
type unitConv uint8

const (
	convNone       unitConv = iota
	convFahrenheit          // °F to °C
)

func (c unitConv) apply(v float64) float64 {
	if c == convFahrenheit {
		return (v - 32) * 5 / 9
	}
	return v
}

// Unit spellings, by what they measure.
var (
	celsius    = []string{"Cel", "°C", "C", "degC", "celsius"}
	fahrenheit = []string{"[degF]", "°F", "F", "degF", "fahrenheit"}
	percentRH  = []string{"%RH", "%", "percent"}
	state      = []string{"bool", "1"}
)

// unitConversion returns the conversion a unit needs; units it does not convert, known
// or not, need none (checkUnit refuses the unknown ones).
func unitConversion(u string) unitConv {
	if slices.Contains(fahrenheit, u) {
		return convFahrenheit
	}
	return convNone
}

// SetpointQuantity is the quantity name of a controller's setpoint (drivers.Setpoint).
const SetpointQuantity = "setpoint"

// checkUnit checks that unit u fits the quantity named q (already known to be valid or
// the setpoint); "" fits anything here (profiles require a unit, and check that
// themselves).
func checkUnit(q, u string) error {
	if u == "" {
		return nil
	}
	var want []string
	switch q {
	case drivers.Temperature.String(), SetpointQuantity:
		want = append(slices.Clone(celsius), fahrenheit...)
	case drivers.RelativeHumidity.String():
		want = percentRH
	default:
		want = state
	}
	if !slices.Contains(want, u) {
		return fmt.Errorf("modbus: unit %q does not fit %s (want one of %s)", u, q, strings.Join(want, ", "))
	}
	return nil
}

// UnitFits reports, as an error naming the units that fit, whether unit u is one a point
// of quantity q may be in. The empty unit fits.
func UnitFits(quantity, unit string) error { return checkUnit(quantity, unit) }
