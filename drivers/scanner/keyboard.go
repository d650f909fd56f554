package scanner

import (
	"fmt"
	"time"

	"github.com/holoplot/go-evdev"

	"github.com/lotsense/lotsense/drivers"
)

// Decoder turns the input events of a keyboard-wedge scanner into scans, the way a
// host would turn them into text: key presses through the configured layout with
// Shift, AltGr and Caps Lock, Ctrl+key as control characters (Ctrl+] is GS), Alt with
// keypad digits as a character code (Alt+0029 is GS), dead keys. The terminator key
// ends a scan. It only parses: the events come from a device (see New) or a recording,
// and time is the events' own timestamps, so a Decoder is deterministic.
//
// Key repeats (value 2) are ignored: the kernel makes them when a key's release is
// late, and a scanner never means a key twice without pressing it twice. Events other
// than keys are ignored, except SYN_DROPPED, which spoils the scan under way.
type Decoder struct {
	a        assembler
	k        *kbdConfig
	mods     modifiers
	caps     bool
	dead     rune // accent of a pending dead key; 0 for none
	altDigit int  // digits of the Alt code being typed
	altCode  int
	dropping bool // after SYN_DROPPED, until the next SYN_REPORT
}

type modifiers uint8

const (
	shiftMod modifiers = 1 << iota
	ctrlMod
	altMod
	altGrMod
)

// NewDecoder returns a decoder for the options, which must have Keyboard set. It calls
// emit for each scan it completes and report with a *ScanError for each it discards,
// in the order they end.
func NewDecoder(o Options, emit func(drivers.Scan), report func(error)) (*Decoder, error) {
	c, err := o.resolve()
	if err != nil {
		return nil, err
	}
	if c.kbd == nil {
		return nil, &ConfigError{Field: "keyboard", Msg: "required for a keyboard decoder"}
	}
	return newDecoder(&c, emit, report), nil
}

func newDecoder(c *config, emit func(drivers.Scan), report func(error)) *Decoder {
	d := &Decoder{a: newAssembler(c, emit, report), k: c.kbd}
	d.a.gsText = c.kbd.gsText
	return d
}

// Feed consumes one event. A scan under way also ends, before the event, when the
// event comes the character timeout or more after the scan's last key.
func (d *Decoder) Feed(ev evdev.InputEvent) {
	t := time.Unix(ev.Time.Unix())
	switch {
	case ev.Type == evdev.EV_SYN && ev.Code == evdev.SYN_DROPPED:
		d.timeout(t)
		d.dropping, d.mods, d.dead, d.altDigit, d.altCode = true, 0, 0, 0, 0
		d.a.spoil(ErrLost, "", t)
		return
	case ev.Type == evdev.EV_SYN && ev.Code == evdev.SYN_REPORT:
		d.dropping = false
		return
	case ev.Type != evdev.EV_KEY || d.dropping:
		return
	}
	d.timeout(t)
	if d.a.active && ev.Value != 1 {
		d.a.last = t // releases and repeats keep a slow scan going
	}
	switch ev.Value {
	case 0:
		d.release(ev.Code, t)
	case 1:
		d.press(ev.Code, t)
	}
}

// Expire ends a scan whose character timeout has passed at now: call it when no event
// came by Deadline.
func (d *Decoder) Expire(now time.Time) { d.timeout(now) }

// timeout ends the scan under way if the character timeout has passed at t; what is
// pending (a dead key, an Alt code) is typed first.
func (d *Decoder) timeout(t time.Time) {
	if d.a.timedOut(t) {
		d.flushPending(d.a.last)
		d.a.end(false, d.a.last)
	}
}

// Deadline is when the scan under way times out; false when none is under way.
func (d *Decoder) Deadline() (time.Time, bool) { return d.a.deadline() }

// abandon gives up a scan under way because the device is gone.
func (d *Decoder) abandon(t time.Time) {
	d.mods, d.dead, d.altDigit, d.altCode = 0, 0, 0, 0
	d.a.abandon(t)
}

func (d *Decoder) release(code evdev.EvCode, t time.Time) {
	switch code {
	case evdev.KEY_LEFTSHIFT, evdev.KEY_RIGHTSHIFT:
		d.mods &^= shiftMod
	case evdev.KEY_LEFTCTRL, evdev.KEY_RIGHTCTRL:
		d.mods &^= ctrlMod
	case evdev.KEY_LEFTALT:
		d.mods &^= altMod
		d.endAltCode(t)
	case evdev.KEY_RIGHTALT:
		if d.k.layout.altGr {
			d.mods &^= altGrMod
		} else {
			d.mods &^= altMod
			d.endAltCode(t)
		}
	}
}

// endAltCode types the character of an Alt code when Alt is released: its value
// modulo 256 as a byte (Alt+0029 is GS, Alt+321 is A).
func (d *Decoder) endAltCode(t time.Time) {
	if d.altDigit > 0 {
		d.typeChar(rune(d.altCode), t)
	}
	d.altDigit, d.altCode = 0, 0
}

func (d *Decoder) press(code evdev.EvCode, t time.Time) {
	switch code {
	case evdev.KEY_LEFTSHIFT, evdev.KEY_RIGHTSHIFT:
		d.mods |= shiftMod
		return
	case evdev.KEY_LEFTCTRL, evdev.KEY_RIGHTCTRL:
		d.mods |= ctrlMod
		return
	case evdev.KEY_LEFTALT:
		d.mods |= altMod
		d.altDigit, d.altCode = 0, 0
		return
	case evdev.KEY_RIGHTALT:
		if d.k.layout.altGr {
			d.mods |= altGrMod
		} else {
			d.mods |= altMod
			d.altDigit, d.altCode = 0, 0
		}
		return
	case evdev.KEY_CAPSLOCK:
		d.caps = !d.caps
		return
	}
	if modifierKeys[code] {
		return // Num Lock, Scroll Lock, Meta
	}
	switch {
	case d.k.term[code]:
		if !d.a.active {
			return // a lone terminator is no scan
		}
		d.flushPending(t)
		d.a.end(true, t)
		return
	case code == d.k.gsKey && d.k.gsKey != 0:
		d.typeChar(gs, t)
		return
	case d.mods&altMod != 0:
		if v, ok := keypadDigits[code]; ok {
			d.a.touch(t)
			d.altCode = (d.altCode*10 + v) % 256
			d.altDigit++
			return
		}
		d.unknown("Alt+", code, t)
		return
	case d.mods&ctrlMod != 0:
		if c, ok := d.k.layout.control(code, d.mods&shiftMod != 0, d.mods&altGrMod != 0); ok {
			d.typeChar(rune(c), t)
			return
		}
		d.unknown("Ctrl+", code, t)
		return
	}
	c, dead, ok := d.k.layout.char(code, d.mods&shiftMod != 0, d.caps, d.mods&altGrMod != 0)
	switch {
	case !ok:
		d.unknown("", code, t)
	case dead:
		if d.dead != 0 {
			d.typeChar(d.dead, t) // two dead keys: the first types its accent
		}
		d.a.touch(t)
		d.dead = c
	default:
		d.typeChar(c, t)
	}
}

// typeChar adds a character to the scan, composing it with a pending dead key.
func (d *Decoder) typeChar(c rune, t time.Time) {
	if d.dead != 0 {
		accent := d.dead
		d.dead = 0
		if cc, ok := composed(accent, c); ok {
			c = cc
		} else if c == ' ' {
			c = accent
		} else {
			d.a.add(byte(accent), t)
		}
	}
	d.a.add(byte(c), t) // layouts hold ISO-8859-1 only
}

// flushPending types what is still pending when a scan ends: a dead key's accent and
// an Alt code whose Alt is still held.
func (d *Decoder) flushPending(t time.Time) {
	if d.dead != 0 {
		accent := d.dead
		d.dead = 0
		d.a.add(byte(accent), t)
	}
	if d.altDigit > 0 {
		d.endAltCode(t)
	}
}

func (d *Decoder) unknown(prefix string, code evdev.EvCode, t time.Time) {
	name, ok := evdev.KEYToString[code]
	if !ok {
		name = fmt.Sprintf("key %d", code)
	}
	d.a.spoil(ErrUnknownKey, fmt.Sprintf("%s%s (layout %s)", prefix, name, d.k.layout.name), t)
}
