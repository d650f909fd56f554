package scanner

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/lotsense/lotsense/drivers"
)

// Why a scan was discarded: a *ScanError wraps one of these (test with errors.Is).
var (
	// ErrTimeout: no terminator came within the character timeout (on_timeout discard).
	ErrTimeout = errors.New("no terminator within char_timeout")
	// ErrTooLong: the scan had more than max_length characters.
	ErrTooLong = errors.New("longer than max_length")
	// ErrUnknownKey: a key (or a key with Ctrl or Alt held) that types no character
	// in the configured layout.
	ErrUnknownKey = errors.New("key that types no character")
	// ErrLost: the kernel dropped input events (SYN_DROPPED): characters are missing.
	ErrLost = errors.New("input events lost (SYN_DROPPED)")
	// ErrNoise: a NUL byte on a serial line, which is what a parity or framing error
	// reads as; line noise or wrong line settings.
	ErrNoise = errors.New("NUL byte (line noise, or a parity or framing error)")
	// ErrDeviceLost: the device vanished (unplugged) in the middle of a scan.
	ErrDeviceLost = errors.New("device lost")
)

// ScanError is a scan the scanner sent that was not delivered, and why.
type ScanError struct {
	Err    error     // ErrTimeout, ErrTooLong, ErrUnknownKey, ErrLost, ErrNoise or ErrDeviceLost
	Detail string    // e.g. the unknown key's name; may be empty
	Length int       // characters received
	Data   []byte    // the first characters received (at most 32), for the log
	Time   time.Time // when the scan ended
}

func (e *ScanError) Error() string {
	d := ""
	if e.Detail != "" {
		d = " " + e.Detail
	}
	return fmt.Sprintf("scanner: scan discarded: %v%s (%d characters: %q)", e.Err, d, e.Length, e.Data)
}

func (e *ScanError) Unwrap() error { return e.Err }

// assembler collects the characters of one scan and ends it: at its terminator, when
// the character timeout passes, or when it must be given up. It is shared by the
// keyboard Decoder and the serial Framer; times are those of the input.
type assembler struct {
	cfg    *config
	emit   func(drivers.Scan) // each scan completed
	report func(error)        // each scan discarded (a *ScanError)
	gsText []byte             // typed text that stands for GS (keyboards)
	buf    []byte
	length int       // characters received, including those beyond max_length
	last   time.Time // when the last input of the scan arrived
	active bool      // a scan is under way
	err    error     // why the scan will be discarded; nil while it is good
	detail string
}

// touch marks a scan as under way at t without adding a character (a dead key, an
// Alt code being typed, a held-back CR).
func (a *assembler) touch(t time.Time) { a.active, a.last = true, t }

// add appends one character received at t.
func (a *assembler) add(c byte, t time.Time) {
	a.touch(t)
	a.length++
	if len(a.buf) < a.cfg.maxLen {
		a.buf = append(a.buf, c)
	} else if a.err == nil {
		a.err = ErrTooLong
	}
}

// spoil marks the scan under way as bad: it will be discarded with err (the first
// problem wins).
func (a *assembler) spoil(err error, detail string, t time.Time) {
	a.touch(t)
	if a.err == nil {
		a.err, a.detail = err, detail
	}
}

// deadline is when the scan under way times out.
func (a *assembler) deadline() (time.Time, bool) {
	return a.last.Add(a.cfg.timeout), a.active
}

// timedOut reports whether the scan under way has timed out by t.
func (a *assembler) timedOut(t time.Time) bool {
	return a.active && t.Sub(a.last) >= a.cfg.timeout
}

// abandon discards a scan under way because the input ended (device lost).
func (a *assembler) abandon(t time.Time) {
	if a.active {
		a.spoil(ErrDeviceLost, "", a.last)
		a.end(true, t)
	}
}

// end finishes the scan under way: emits it, or reports why it is discarded. A
// terminator with nothing before it is no scan at all.
func (a *assembler) end(terminated bool, t time.Time) {
	defer a.reset()
	err := a.err
	if err == nil && !terminated && !a.cfg.flush {
		err = ErrTimeout
	}
	if err != nil {
		a.report(&ScanError{Err: err, Detail: a.detail, Length: a.length, Data: bytes.Clone(a.buf[:min(len(a.buf), 32)]), Time: t})
		return
	}
	if len(a.buf) == 0 {
		return
	}
	data := a.buf
	if len(a.gsText) > 0 {
		data = bytes.ReplaceAll(data, a.gsText, []byte{gs})
	}
	sc := drivers.Scan{Time: t}
	if a.cfg.aim {
		sc.Symbology, data = SplitAIM(data)
	}
	sc.Data = append(make([]byte, 0, len(data)), data...)
	a.emit(sc)
}

// newAssembler returns an assembler delivering to emit and report (nil: dropped).
func newAssembler(c *config, emit func(drivers.Scan), report func(error)) assembler {
	if emit == nil {
		emit = func(drivers.Scan) {}
	}
	if report == nil {
		report = func(error) {}
	}
	return assembler{cfg: c, emit: emit, report: report}
}

func (a *assembler) reset() {
	a.buf, a.length, a.active, a.err, a.detail = a.buf[:0], 0, false, nil, ""
}

// gs is ASCII 29, Group Separator: GS1's FNC1 between variable-length element strings.
const gs = 0x1d

// SplitAIM splits a leading AIM symbology identifier off a scan's data: ']', a code
// character (a letter: d DataMatrix, C Code 128, Q QR Code, e DataBar, E EAN/UPC…)
// and a modifier character (a digit or letter). Without one it returns "" and data.
func SplitAIM(data []byte) (symbology string, rest []byte) {
	if len(data) >= 3 && data[0] == ']' && isLetter(data[1]) && (isLetter(data[2]) || '0' <= data[2] && data[2] <= '9') {
		return string(data[:3]), data[3:]
	}
	return "", data
}

func isLetter(c byte) bool { return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' }
