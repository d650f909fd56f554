package modbus

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	goburrow "github.com/goburrow/modbus"
)

// link is one Modbus connection: a TCP connection or a serial port. goburrowLink is the
// real one; tests put fakes in its place to inject faults.
type link interface {
	// read sends one read request to unit and returns the response's data bytes (two
	// per register; bits packed eight to a byte, lowest address first). A device's
	// exception is a *goburrow.ModbusError.
	read(unit uint8, t table, start, count uint16, timeout time.Duration) ([]byte, error)
	// reset drops the connection or closes the port; the next read reconnects.
	reset() error
}

// line serialises the requests of every device on one link, keeps a pause between
// them and resets the link after a failure. A TCP device has a line of its own; the
// devices of one serial port share one, in a Bus.
type line struct {
	mu     sync.Mutex
	link   link
	pause  time.Duration
	last   time.Time // when the last request ended
	closed bool
	now    func() time.Time
	sleep  func(time.Duration)
}

func newLine(l link, pause time.Duration) *line {
	return &line{link: l, pause: pause, now: time.Now, sleep: time.Sleep}
}

// request performs one read for unit, waiting for its turn and for the pause after the
// previous request. It returns the data as 16-bit words, one per register or bit,
// appended to dst[:0]. A transport error resets the link; an exception does not.
func (l *line) request(dst []uint16, unit uint8, r request, timeout time.Duration) ([]uint16, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, ErrClosed
	}
	if l.pause > 0 && !l.last.IsZero() {
		if wait := l.pause - l.now().Sub(l.last); wait > 0 {
			l.sleep(wait)
		}
	}
	b, err := l.link.read(unit, r.table, r.start, r.count, timeout)
	l.last = l.now()
	if err == nil {
		return words(dst, b, r)
	}
	var exc *goburrow.ModbusError
	if !errors.As(err, &exc) {
		l.link.reset() // reconnect, or reopen the port, at the next request
	}
	return nil, err
}

// words unpacks a response into one word per register or bit.
func words(dst []uint16, b []byte, r request) ([]uint16, error) {
	w := dst[:0]
	if r.table.bits() {
		if len(b) != (int(r.count)+7)/8 {
			return nil, fmt.Errorf("modbus: response has %d bytes, want %d", len(b), (int(r.count)+7)/8)
		}
		for i := 0; i < int(r.count); i++ {
			w = append(w, uint16(b[i/8]>>(i%8)&1))
		}
		return w, nil
	}
	if len(b) != 2*int(r.count) {
		return nil, fmt.Errorf("modbus: response has %d bytes, want %d", len(b), 2*int(r.count))
	}
	for i := 0; i < len(b); i += 2 {
		w = append(w, binary.BigEndian.Uint16(b[i:]))
	}
	return w, nil
}

// close closes the link; requests fail with ErrClosed afterwards. It waits for a
// request in flight.
func (l *line) close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	return l.link.reset()
}

// goburrowLink is a link over a goburrow client handler, TCP or RTU.
type goburrowLink struct {
	client goburrow.Client
	// prepare sets the unit id and timeout of the next request on the handler.
	prepare func(unit uint8, timeout time.Duration)
	close   func() error
}

func (g *goburrowLink) read(unit uint8, t table, start, count uint16, timeout time.Duration) ([]byte, error) {
	g.prepare(unit, timeout)
	switch t {
	case input:
		return g.client.ReadInputRegisters(start, count)
	case coil:
		return g.client.ReadCoils(start, count)
	case discrete:
		return g.client.ReadDiscreteInputs(start, count)
	}
	return g.client.ReadHoldingRegisters(start, count)
}

func (g *goburrowLink) reset() error { return g.close() }

// tcpLink is a goburrow Modbus TCP connection to address, dialled at the first read.
func tcpLink(address string) *goburrowLink {
	h := goburrow.NewTCPClientHandler(address)
	return &goburrowLink{
		client: goburrow.NewClient(h),
		prepare: func(unit uint8, timeout time.Duration) {
			h.SlaveId, h.Timeout = unit, timeout
		},
		close: h.Close,
	}
}

// rtuLink is a goburrow Modbus RTU handler on a serial port, opened at the first read.
// The port's read timeout is set when it opens, so a request with another timeout
// than the port's reopens it.
func rtuLink(s Serial) *goburrowLink {
	h := goburrow.NewRTUClientHandler(s.Port)
	h.BaudRate, h.DataBits, h.StopBits = s.Baud, s.DataBits, s.StopBits
	h.Parity = parityLetter(s.Parity)
	h.IdleTimeout = 0 // no timer goroutine closing the port behind the line's back
	return &goburrowLink{
		client: goburrow.NewClient(h),
		prepare: func(unit uint8, timeout time.Duration) {
			if h.Timeout != timeout {
				h.Close()
				h.Timeout = timeout
			}
			h.SlaveId = unit
		},
		close: h.Close,
	}
}
