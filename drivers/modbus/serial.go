package modbus

import (
	"fmt"
	"slices"
	"time"
)

// baudRates are the line speeds a serial port may be set to (those Linux supports).
var baudRates = []int{1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400}

// resolve checks the serial line settings and returns them with defaults filled in.
func (s Serial) resolve() (Serial, []error) {
	var errs []error
	bad := func(field, msg string) {
		errs = append(errs, &ConfigError{Point: -1, Field: "serial." + field, Msg: msg})
	}
	if s.Port == "" {
		bad("port", "is empty (want a serial device such as /dev/ttyUSB0)")
	}
	if s.Baud == 0 {
		s.Baud = DefaultBaud
	}
	if !slices.Contains(baudRates, s.Baud) {
		bad("baud", fmt.Sprintf("%d is not a supported speed (want one of %v)", s.Baud, baudRates))
	}
	if s.DataBits == 0 {
		s.DataBits = DefaultDataBits
	}
	if s.DataBits != 7 && s.DataBits != 8 {
		bad("data_bits", fmt.Sprintf("%d is not 7 or 8", s.DataBits))
	}
	if s.Parity == "" {
		s.Parity = DefaultParity
	}
	if parityLetter(s.Parity) == "" {
		bad("parity", fmt.Sprintf("unknown parity %q (want none, even or odd)", s.Parity))
	}
	if s.StopBits == 0 {
		s.StopBits = DefaultStopBits
	}
	if s.StopBits != 1 && s.StopBits != 2 {
		bad("stop_bits", fmt.Sprintf("%d is not 1 or 2", s.StopBits))
	}
	if s.Pause == 0 {
		s.Pause = max(DefaultPause, s.minPause())
	}
	if s.Pause < s.minPause() {
		bad("pause", fmt.Sprintf("%v is shorter than 3.5 characters at %d baud (%v)", s.Pause, s.Baud, s.minPause()))
	}
	return s, errs
}

// parityLetter is goburrow's name for a parity: N, E or O; "" for an unknown one.
func parityLetter(p string) string {
	switch p {
	case "none":
		return "N"
	case "even":
		return "E"
	case "odd":
		return "O"
	}
	return ""
}

// minPause is the RTU inter-frame silence: 3.5 characters of 11 bits, or 1.75 ms
// above 19200 baud (Modbus over serial line, 2.5.1.1).
func (s Serial) minPause() time.Duration {
	if s.Baud <= 0 || s.Baud > 19200 {
		return 1750 * time.Microsecond
	}
	return time.Duration(float64(time.Second) * 3.5 * 11 / float64(s.Baud))
}
