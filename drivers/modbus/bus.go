package modbus

import (
	"errors"
	"fmt"
)

// Bus is one serial port carrying Modbus RTU, shared by the devices wired to it. Open
// one Bus per port with OpenBus and pass it to NewOnBus for each device on that port:
// the bus sends one request at a time, keeps Serial.Pause of silence between an answer
// and the next request, addresses each request to its device's unit id, and closes the
// port after a failed request so the next one reopens it. The port is opened by the
// first request, not by OpenBus, so a gateway starts even when an adapter is missing.
//
// A Bus is safe for concurrent use: devices on it may be polled from several
// goroutines, and their requests take turns.
type Bus struct {
	serial Serial
	line   *line
}

// OpenBus checks the serial settings (see Serial) and returns a bus on that port.
func OpenBus(s Serial) (*Bus, error) {
	rs, errs := s.resolve()
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return newBus(rs, rtuLink(rs)), nil
}

// newBus returns a bus of already checked settings over l.
func newBus(s Serial, l link) *Bus {
	return &Bus{serial: s, line: newLine(l, s.Pause)}
}

// Serial returns the bus's settings, with defaults filled in.
func (b *Bus) Serial() Serial { return b.serial }

// String names the bus in logs: "modbus RTU /dev/ttyUSB0 9600 8E1".
func (b *Bus) String() string {
	s := b.serial
	return fmt.Sprintf("modbus RTU %s %d %d%s%d", s.Port, s.Baud, s.DataBits, parityLetter(s.Parity), s.StopBits)
}

// Close closes the port, after a request in flight. The devices on the bus fail
// their polls afterwards.
func (b *Bus) Close() error {
	if err := b.line.close(); err != nil {
		return fmt.Errorf("modbus: %s: close: %w", b.serial.Port, err)
	}
	return nil
}
