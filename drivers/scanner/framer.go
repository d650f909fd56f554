package scanner

import (
	"time"

	"github.com/lotsense/lotsense/drivers"
)

// Framer cuts the byte stream of a serial scanner into scans at the configured
// terminator. It only parses: the bytes come from a port (see New) or a test, each
// chunk with the time it was read, so a Framer is deterministic. Chunks may split a
// scan, or its CR LF, anywhere.
//
// A scan longer than max_length is discarded up to its terminator (the framer then
// resynchronises on the next scan). A NUL byte, which is what a character with a
// parity or framing error reads as, spoils the scan it is in.
type Framer struct {
	a      assembler
	s      *serConfig
	cr     bool // cr mode: the last byte was the terminating CR (an LF next is dropped)
	heldCR bool // lf and crlf modes: a CR waiting to see whether an LF follows
}

// NewFramer returns a framer for the options, which must have Serial set. It calls
// emit for each scan it completes and report with a *ScanError for each it discards,
// in the order they end.
func NewFramer(o Options, emit func(drivers.Scan), report func(error)) (*Framer, error) {
	c, err := o.resolve()
	if err != nil {
		return nil, err
	}
	if c.ser == nil {
		return nil, &ConfigError{Field: "serial", Msg: "required for a serial framer"}
	}
	return newFramer(&c, emit, report), nil
}

func newFramer(c *config, emit func(drivers.Scan), report func(error)) *Framer {
	return &Framer{a: newAssembler(c, emit, report), s: c.ser}
}

// Feed consumes the bytes read at now. A scan under way also ends, before the bytes,
// when they come the character timeout or more after its last byte.
func (f *Framer) Feed(p []byte, now time.Time) {
	f.timeout(now)
	for _, b := range p {
		f.byte(b, now)
	}
}

// Expire ends a scan whose character timeout has passed at now: call it when no byte
// came by Deadline.
func (f *Framer) Expire(now time.Time) { f.timeout(now) }

// Deadline is when the scan under way times out; false when none is under way.
func (f *Framer) Deadline() (time.Time, bool) { return f.a.deadline() }

func (f *Framer) timeout(t time.Time) {
	if f.a.timedOut(t) {
		f.releaseCR(f.a.last)
		f.a.end(false, f.a.last)
	}
}

// abandon gives up a scan under way because the port is gone.
func (f *Framer) abandon(t time.Time) {
	f.cr, f.heldCR = false, false
	f.a.abandon(t)
}

func (f *Framer) byte(b byte, t time.Time) {
	term := f.s.term
	afterCR := f.cr
	f.cr = false
	switch {
	case len(term) == 1 && term[0] == '\r' && b == '\r':
		f.cr = true
		f.end(t)
		return
	case len(term) == 1 && term[0] == '\r' && b == '\n' && afterCR:
		return // the LF of a CR LF
	case len(term) == 1 && term[0] == '\n' || f.s.strictCRLF:
		switch {
		case b == '\n' && (f.heldCR || !f.s.strictCRLF):
			f.heldCR = false
			f.end(t)
			return
		case b == '\r':
			f.releaseCR(t)
			f.heldCR = true
			f.a.touch(t)
			return
		}
		f.releaseCR(t)
	case len(term) == 1 && b == term[0]:
		f.end(t)
		return
	}
	if b == 0 {
		f.a.spoil(ErrNoise, "", t)
	}
	f.a.add(b, t)
}

// releaseCR makes a held-back CR part of the data: no LF followed it.
func (f *Framer) releaseCR(t time.Time) {
	if f.heldCR {
		f.heldCR = false
		f.a.add('\r', t)
	}
}

func (f *Framer) end(t time.Time) {
	if f.a.active { // an empty line is no scan
		f.a.end(true, t)
	}
}
