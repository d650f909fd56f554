package drivers

import (
	"context"
	"fmt"
	"time"
)

// Quantity is what a reading measures. Each quantity has one fixed unit, so a reading
// never carries a unit string of its own (that keeps wire batches small).
type Quantity uint8

// The quantities and their units. New quantities are appended; the numbers are part of
// the wire contract and never change meaning.
const (
	QuantityUnknown     Quantity = 0
	Temperature         Quantity = 1 // degrees Celsius
	RelativeHumidity    Quantity = 2 // percent relative humidity
	DoorOpen            Quantity = 3 // 1 open, 0 closed
	CompressorRunning   Quantity = 4 // 1 running, 0 stopped
	DefrostActive       Quantity = 5 // 1 defrost cycle active, 0 not
	Setpoint            Quantity = 6 // a controller's temperature setpoint, degrees Celsius
	lastDefinedQuantity          = Setpoint
)

var quantityNames = [...]string{"unknown", "temperature", "humidity", "door_open", "compressor", "defrost", "setpoint"}
var quantityUnits = [...]string{"", "Cel", "%RH", "", "", "", "Cel"}

// String returns the quantity's name as used in configuration files and the API.
func (q Quantity) String() string {
	if q > lastDefinedQuantity {
		return fmt.Sprintf("quantity(%d)", uint8(q))
	}
	return quantityNames[q]
}

// Unit returns the UN/CEFACT-style unit symbol of the quantity ("Cel", "%RH"), or "" for
// states that have no unit.
func (q Quantity) Unit() string {
	if q > lastDefinedQuantity {
		return ""
	}
	return quantityUnits[q]
}

// Valid reports whether q is one of the defined quantities.
func (q Quantity) Valid() bool { return q != QuantityUnknown && q <= lastDefinedQuantity }

// ParseQuantity turns a configuration name ("temperature") into a Quantity.
func ParseQuantity(s string) (Quantity, error) {
	for i, n := range quantityNames {
		if i > 0 && n == s {
			return Quantity(i), nil
		}
	}
	return QuantityUnknown, fmt.Errorf("drivers: unknown quantity %q (want one of temperature, humidity, door_open, compressor, defrost, setpoint)", s)
}

// Quality says whether a reading's value can be trusted. A failing sensor yields a reading
// marked bad, never a plausible number: rules ignore anything that is not Good.
type Quality uint8

const (
	Good Quality = 0
	// Bad: the device answered but the value is not a measurement (sensor fault code,
	// out of the device's range, open or shorted probe).
	Bad Quality = 1
	// Unavailable: the device did not answer (timeout, connection refused, bus error).
	Unavailable Quality = 2
	// Uncertain: a value was read but the device flagged it (e.g. out of calibration).
	Uncertain Quality = 3
)

var qualityNames = [...]string{"good", "bad", "unavailable", "uncertain"}

// String returns the quality's name as used in the API.
func (q Quality) String() string {
	if int(q) < len(qualityNames) {
		return qualityNames[q]
	}
	return fmt.Sprintf("quality(%d)", uint8(q))
}

// Reading is one measurement of one quantity by one sensor at one time.
type Reading struct {
	Sensor   string    // sensor id, unique within the gateway
	Quantity Quantity  // what was measured; fixes the unit
	Value    float64   // in the quantity's unit; meaningless unless Quality is Good or Uncertain
	Quality  Quality   // Good, or why the value cannot be trusted
	Time     time.Time // when it was measured, gateway wall-clock time
}

// Source is a device the gateway polls. Poll appends the device's current readings to
// dst and returns it; a device that fails returns readings marked Bad or Unavailable
// (so the gap is visible downstream) together with the error that explains them.
type Source interface {
	Poll(ctx context.Context, now time.Time, dst []Reading) ([]Reading, error)
	Close() error
}
