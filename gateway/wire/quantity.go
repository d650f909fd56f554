package wire

import (
	"encoding/json"
	"fmt"
)

// Quantity is what a reading measures; each has a fixed unit. The numbers are the same
// as drivers.Quantity (a gateway test keeps the two tables equal) and never change
// meaning; new quantities are appended.
type Quantity uint8

// Quantities on the wire.
const (
	QuantityUnknown   Quantity = 0
	Temperature       Quantity = 1 // Cel
	RelativeHumidity  Quantity = 2 // %RH
	DoorOpen          Quantity = 3 // 1 open, 0 closed
	CompressorRunning Quantity = 4 // 1 running
	DefrostActive     Quantity = 5 // 1 active
	Setpoint          Quantity = 6 // Cel: a controller's temperature setpoint
	maxQuantity                = Setpoint
)

// QuantityNames and QuantityUnits are indexed by Quantity.
var (
	QuantityNames = [...]string{"unknown", "temperature", "humidity", "door_open", "compressor", "defrost", "setpoint"}
	QuantityUnits = [...]string{"", "Cel", "%RH", "", "", "", "Cel"}
)

// Valid reports whether q is a defined quantity.
func (q Quantity) Valid() bool { return q != QuantityUnknown && q <= maxQuantity }

// String returns the quantity's name.
func (q Quantity) String() string {
	if q > maxQuantity {
		return fmt.Sprintf("quantity(%d)", uint8(q))
	}
	return QuantityNames[q]
}

// Unit returns the quantity's unit symbol.
func (q Quantity) Unit() string {
	if q > maxQuantity {
		return ""
	}
	return QuantityUnits[q]
}

// MarshalJSON writes the quantity's name.
func (q Quantity) MarshalJSON() ([]byte, error) {
	if !q.Valid() {
		return nil, fmt.Errorf("wire: cannot encode undefined quantity %d", uint8(q))
	}
	return json.Marshal(q.String())
}

// UnmarshalJSON reads a quantity name.
func (q *Quantity) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("wire: quantity must be a string: %w", err)
	}
	for i := 1; i < len(QuantityNames); i++ {
		if QuantityNames[i] == s {
			*q = Quantity(i)
			return nil
		}
	}
	return fmt.Errorf("wire: unknown quantity %q", s)
}

// Quality says whether a value can be trusted (same numbers as drivers.Quality).
type Quality uint8

// Qualities on the wire.
const (
	Good        Quality = 0
	Bad         Quality = 1
	Unavailable Quality = 2
	Uncertain   Quality = 3
	maxQuality          = Uncertain
)

// QualityNames is indexed by Quality.
var QualityNames = [...]string{"good", "bad", "unavailable", "uncertain"}

// Valid reports whether q is a defined quality.
func (q Quality) Valid() bool { return q <= maxQuality }

// String returns the quality's name.
func (q Quality) String() string {
	if q > maxQuality {
		return fmt.Sprintf("quality(%d)", uint8(q))
	}
	return QualityNames[q]
}

// MarshalJSON writes the quality's name.
func (q Quality) MarshalJSON() ([]byte, error) {
	if !q.Valid() {
		return nil, fmt.Errorf("wire: cannot encode undefined quality %d", uint8(q))
	}
	return json.Marshal(q.String())
}

// UnmarshalJSON reads a quality name.
func (q *Quality) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("wire: quality must be a string: %w", err)
	}
	for i, n := range QualityNames {
		if n == s {
			*q = Quality(i)
			return nil
		}
	}
	return fmt.Errorf("wire: unknown quality %q", s)
}
