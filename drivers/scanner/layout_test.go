package scanner

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/holoplot/go-evdev"

	"github.com/lotsense/lotsense/drivers"
)

// Every character of every layout is one ISO-8859-1 byte.
func TestLayoutsAreLatin1(t *testing.T) {
	for name, l := range layouts {
		for code, d := range l.keys {
			for _, c := range []rune{d.lower, d.upper, d.altgr} {
				if c > 0xff {
					t.Errorf("%s %s types %q, beyond ISO-8859-1", name, evdev.KEYToString[code], c)
				}
			}
		}
	}
}

// stroke is how to type one character: modifiers held, the key, and a second key for
// a dead key's accent (Space).
type stroke struct {
	mods []evdev.EvCode
	keys []evdev.EvCode
}

// strokes finds, from a layout's own table, a way to type each character: directly,
// or as a dead key followed by Space.
func strokes(l *layout) map[byte]stroke {
	m := map[byte]stroke{}
	put := func(c rune, s stroke) {
		if _, ok := m[byte(c)]; !ok && c != 0 {
			m[byte(c)] = s
		}
	}
	for code, d := range l.keys {
		levels := []struct {
			c    rune
			dead bool
			mods []evdev.EvCode
		}{{d.lower, d.deadLower, nil}, {d.upper, d.deadUpper, []evdev.EvCode{evdev.KEY_LEFTSHIFT}}}
		if l.altGr {
			levels = append(levels, struct {
				c    rune
				dead bool
				mods []evdev.EvCode
			}{d.altgr, false, []evdev.EvCode{evdev.KEY_RIGHTALT}})
		}
		for _, lv := range levels {
			keys := []evdev.EvCode{code}
			if lv.dead {
				keys = append(keys, evdev.KEY_SPACE)
			}
			put(lv.c, stroke{lv.mods, keys})
		}
	}
	return m
}

// Each layout types every printable ASCII character (the GS1 character sets and
// Code 128's), and the decoder turns the strokes back into exactly those bytes.
func TestLayoutsTypeAllASCII(t *testing.T) {
	for name, l := range layouts {
		t.Run(name, func(t *testing.T) {
			m := strokes(l)
			var evs []evdev.InputEvent
			at := time.Unix(1700000000, 0)
			ev := func(code evdev.EvCode, v int32) {
				evs = append(evs, evdev.InputEvent{Time: syscall.NsecToTimeval(at.UnixNano()), Type: evdev.EV_KEY, Code: code, Value: v})
				at = at.Add(time.Millisecond)
			}
			var want []byte
			for c := byte(0x20); c < 0x7f; c++ {
				s, ok := m[c]
				if !ok {
					t.Errorf("%s cannot type %q", name, c)
					continue
				}
				want = append(want, c)
				for i, k := range s.keys {
					if i == 0 {
						for _, mod := range s.mods {
							ev(mod, 1)
						}
					}
					ev(k, 1)
					ev(k, 0)
					if i == 0 {
						for _, mod := range s.mods {
							ev(mod, 0)
						}
					}
				}
			}
			ev(evdev.KEY_ENTER, 1)
			var got []drivers.Scan
			dec, err := NewDecoder(Options{Keyboard: &KeyboardOptions{Device: "/dev/input/event0", Layout: name}, AIM: "off"},
				func(s drivers.Scan) { got = append(got, s) }, func(err error) { t.Error(err) })
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range evs {
				dec.Feed(e)
			}
			if len(got) != 1 || string(got[0].Data) != string(want) {
				t.Errorf("decoded %q, want %q", got, want)
			}
		})
	}
}

// Ctrl with the key right of P types GS in every layout; Ctrl+letters follow the
// layout's letters; Ctrl+Shift+6 (US ^) types RS and Ctrl+D EOT, as ISO/IEC 15434
// envelopes ([)> RS 06 GS … RS EOT) need.
func TestControlCharacters(t *testing.T) {
	for _, c := range []struct {
		layout string
		code   evdev.EvCode
		shift  bool
		want   byte
	}{
		{"us", evdev.KEY_RIGHTBRACE, false, gs}, {"de", evdev.KEY_RIGHTBRACE, false, gs}, {"fr", evdev.KEY_RIGHTBRACE, false, gs},
		{"us", evdev.KEY_6, true, 0x1e}, {"de", evdev.KEY_6, true, 0x1e}, {"us", evdev.KEY_D, false, 0x04},
		{"us", evdev.KEY_Z, false, 0x1a}, {"de", evdev.KEY_Y, false, 0x1a}, {"fr", evdev.KEY_Q, false, 0x01},
		{"us", evdev.KEY_LEFTBRACE, false, 0x1b}, {"us", evdev.KEY_2, true, 0x00}, {"us", evdev.KEY_MINUS, true, 0x1f},
	} {
		got, ok := layouts[c.layout].control(c.code, c.shift, false)
		if !ok || got != c.want {
			t.Errorf("%s Ctrl+%s (shift %v) = %#x %v, want %#x", c.layout, evdev.KEYToString[c.code], c.shift, got, ok, c.want)
		}
	}
	if c, ok := layouts["us"].control(evdev.KEY_1, false, false); ok {
		t.Errorf("Ctrl+1 typed %#x", c)
	}
}

func ExampleSplitAIM() {
	sym, data := SplitAIM([]byte("]d20109506000134352"))
	fmt.Printf("%s %s\n", sym, data)
	sym, data = SplitAIM([]byte("]3X"))
	fmt.Printf("%q %s\n", sym, data)
	// Output:
	// ]d2 0109506000134352
	// "" ]3X
}
