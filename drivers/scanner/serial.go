package scanner

import (
	"context"
	"fmt"
	"time"

	"go.bug.st/serial"
)

// port is an open serial port: serial.Port, or a test's fake. Read returns 0, nil when
// the read timeout passes.
type port interface {
	SetReadTimeout(t time.Duration) error
	Read(p []byte) (int, error)
	Close() error
}

// openPort opens a serial port in raw mode with the line settings (go.bug.st/serial
// takes the port exclusively, TIOCEXCL).
func openPort(c *serConfig) (port, error) {
	mode := &serial.Mode{BaudRate: c.baud, DataBits: c.dataBits, Parity: serial.NoParity, StopBits: serial.OneStopBit}
	switch c.parity {
	case "even":
		mode.Parity = serial.EvenParity
	case "odd":
		mode.Parity = serial.OddParity
	}
	if c.stopBits == 2 {
		mode.StopBits = serial.TwoStopBits
	}
	p, err := serial.Open(c.port, mode)
	if err != nil {
		return nil, fmt.Errorf("scanner: open %s: %w", c.port, err)
	}
	return p, nil
}

// serialScanner serves one open serial scanner. Reads time out at least every
// pollWait, so ctx is noticed (closing the port from another goroutine while it is
// read is not safe with go.bug.st/serial).
type serialScanner struct {
	port port
	path string
	fr   *Framer
}

const pollWait = 100 * time.Millisecond

func (s *serialScanner) serve(ctx context.Context) error {
	buf := make([]byte, 1024)
	for ctx.Err() == nil {
		dl, ok := s.fr.Deadline()
		if err := s.port.SetReadTimeout(max(wait(dl, ok, pollWait), time.Millisecond)); err != nil {
			return fmt.Errorf("scanner: %s: %w", s.path, err)
		}
		n, err := s.port.Read(buf)
		now := time.Now()
		if n > 0 {
			s.fr.Feed(buf[:n], now)
		}
		if err != nil {
			s.fr.abandon(now)
			return fmt.Errorf("scanner: read %s: %w", s.path, err)
		}
		if n == 0 {
			s.fr.Expire(now)
		}
	}
	return nil
}

func (s *serialScanner) Close() error { return s.port.Close() }
