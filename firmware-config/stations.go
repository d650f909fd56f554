package fwconfig

import (
	"github.com/lotsense/lotsense/drivers/scanner"
	"github.com/lotsense/lotsense/drivers/signal"
)

// Station roles: what a scan at the station means.
const (
	RoleReceiving = "receiving" // goods arrive at the site (at a dock): a receiving event
	RolePutaway   = "putaway"   // goods go into the station's location (a cold room, a rack)
	RolePicking   = "picking"   // goods are taken out of the station's location
	RoleShipping  = "shipping"  // goods leave the site; a lot on hold is refused
)

// Station is a barcode scanner station: one scanner, a role and a location. Every scan
// becomes the role's event for the lots it names (GS1-128, DataMatrix, QR with a GS1
// Digital Link), or a rejection the station signals on its output.
type Station struct {
	ID   string `yaml:"id"`   // id rule as for the site; unique among stations
	Role string `yaml:"role"` // receiving, putaway, picking or shipping
	// Location is where the station is: the dock of a receiving or shipping station, the
	// location goods go into (putaway) or are taken from (picking).
	Location string `yaml:"location"`
	// Into, for a receiving station, is the location received goods go into (like a
	// door's inside); optional.
	Into string `yaml:"into"`
	// ShipTo, for a shipping station, is the GLN of where goods go when the scan does
	// not say (AI 410); optional, 13 digits.
	ShipTo string `yaml:"ship_to"`
	// Scanner is the barcode scanner (a USB HID keyboard-wedge or a serial scanner);
	// required unless Simulate is set, and checked by its Validate whenever given.
	Scanner scanner.Options `yaml:"scanner"`
	// Output is the id of an output (buzzer, LED) that beeps once for a scan taken and
	// three times for a scan refused; optional.
	Output string `yaml:"output"`
	// FNC1 is text the scanner sends for FNC1 instead of ASCII 29 (GS), as some are
	// programmed to (e.g. "^"); optional: 1 to 8 printable ASCII characters, no letters
	// or digits, so it cannot be taken for GS1 data.
	FNC1 string `yaml:"fnc1"`
	// Simulate, when set, replaces the scanner by a scripted one (demos and tests).
	Simulate *StationSimulation `yaml:"simulate"`
}

// StationSimulation scripts the scans of a simulated scanner.
type StationSimulation struct {
	// Repeat plays the script again this long after each start; 0 (default): once.
	// Longer than the last scan's At.
	Repeat Duration  `yaml:"repeat"`
	Scans  []SimScan `yaml:"scans"` // at least one, in At order
}

// SimScan is one scripted scan: Data as the scanner sends it, with FNC1 written as
// "<GS>" (or given as a GS1 Digital Link URI or the human-readable "(01)…(10)…").
type SimScan struct {
	At   Duration `yaml:"at"`   // when, after the script starts; not before the scan before it
	Data string   `yaml:"data"` // what the scanner sends; 1 to 4096 characters, not parsed when loading
}

// Output is a local signal on a GPIO pin: a buzzer, an LED, a stack light or a relay.
type Output struct {
	ID string `yaml:"id"` // id rule as for the site; unique among outputs
	// GPIO is the pin, one output per pin; the pin is required unless Simulate.
	GPIO signal.Options `yaml:"gpio"`
	// Simulate, when true, drives a simulated pin whose changes are logged (demos and
	// tests) instead of a real one.
	Simulate bool `yaml:"simulate"`
}

// Station returns the station with an id, or nil.
func (c *Config) Station(id string) *Station {
	for i := range c.Stations {
		if c.Stations[i].ID == id {
			return &c.Stations[i]
		}
	}
	return nil
}

// Output returns the output with an id, or nil.
func (c *Config) Output(id string) *Output {
	for i := range c.Outputs {
		if c.Outputs[i].ID == id {
			return &c.Outputs[i]
		}
	}
	return nil
}
