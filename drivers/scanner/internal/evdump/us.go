package evdump

import (
	"fmt"

	"github.com/holoplot/go-evdev"
)

// usSymbols are the US keyboard's non-letter printable keys: the character unshifted,
// with Shift, the key, and its HID usage (keyboard page 7).
var usSymbols = []struct {
	lower, upper byte
	code         evdev.EvCode
	usage        uint32
}{
	{'1', '!', evdev.KEY_1, 0x1e}, {'2', '@', evdev.KEY_2, 0x1f}, {'3', '#', evdev.KEY_3, 0x20},
	{'4', '$', evdev.KEY_4, 0x21}, {'5', '%', evdev.KEY_5, 0x22}, {'6', '^', evdev.KEY_6, 0x23},
	{'7', '&', evdev.KEY_7, 0x24}, {'8', '*', evdev.KEY_8, 0x25}, {'9', '(', evdev.KEY_9, 0x26},
	{'0', ')', evdev.KEY_0, 0x27}, {' ', 0, evdev.KEY_SPACE, 0x2c}, {'-', '_', evdev.KEY_MINUS, 0x2d},
	{'=', '+', evdev.KEY_EQUAL, 0x2e}, {'[', '{', evdev.KEY_LEFTBRACE, 0x2f}, {']', '}', evdev.KEY_RIGHTBRACE, 0x30},
	{'\\', '|', evdev.KEY_BACKSLASH, 0x31}, {';', ':', evdev.KEY_SEMICOLON, 0x33}, {'\'', '"', evdev.KEY_APOSTROPHE, 0x34},
	{'`', '~', evdev.KEY_GRAVE, 0x35}, {',', '<', evdev.KEY_COMMA, 0x36}, {'.', '>', evdev.KEY_DOT, 0x37},
	{'/', '?', evdev.KEY_SLASH, 0x38},
}

// Letters a…z in HID usage order (0x04…0x1d).
var usLetters = []evdev.EvCode{
	evdev.KEY_A, evdev.KEY_B, evdev.KEY_C, evdev.KEY_D, evdev.KEY_E, evdev.KEY_F, evdev.KEY_G, evdev.KEY_H,
	evdev.KEY_I, evdev.KEY_J, evdev.KEY_K, evdev.KEY_L, evdev.KEY_M, evdev.KEY_N, evdev.KEY_O, evdev.KEY_P,
	evdev.KEY_Q, evdev.KEY_R, evdev.KEY_S, evdev.KEY_T, evdev.KEY_U, evdev.KEY_V, evdev.KEY_W, evdev.KEY_X,
	evdev.KEY_Y, evdev.KEY_Z,
}

// usages are HID usages of the keys the scripts use.
var usages = map[evdev.EvCode]uint32{
	evdev.KEY_ENTER: 0x28, evdev.KEY_ESC: 0x29, evdev.KEY_BACKSPACE: 0x2a, evdev.KEY_TAB: 0x2b,
	evdev.KEY_102ND: 0x64, evdev.KEY_CAPSLOCK: 0x39, evdev.KEY_NUMLOCK: 0x53,
	evdev.KEY_KPSLASH: 0x54, evdev.KEY_KPASTERISK: 0x55, evdev.KEY_KPMINUS: 0x56, evdev.KEY_KPPLUS: 0x57,
	evdev.KEY_KPENTER: 0x58, evdev.KEY_KP1: 0x59, evdev.KEY_KP2: 0x5a, evdev.KEY_KP3: 0x5b, evdev.KEY_KP4: 0x5c,
	evdev.KEY_KP5: 0x5d, evdev.KEY_KP6: 0x5e, evdev.KEY_KP7: 0x5f, evdev.KEY_KP8: 0x60, evdev.KEY_KP9: 0x61,
	evdev.KEY_KP0: 0x62, evdev.KEY_KPDOT: 0x63,
	evdev.KEY_F1: 0x3a, evdev.KEY_F2: 0x3b, evdev.KEY_F3: 0x3c, evdev.KEY_F4: 0x3d, evdev.KEY_F5: 0x3e,
	evdev.KEY_F6: 0x3f, evdev.KEY_F7: 0x40, evdev.KEY_F8: 0x41, evdev.KEY_F9: 0x42, evdev.KEY_F10: 0x43,
	evdev.KEY_F11: 0x44, evdev.KEY_F12: 0x45,
	evdev.KEY_LEFTCTRL: 0xe0, evdev.KEY_LEFTSHIFT: 0xe1, evdev.KEY_LEFTALT: 0xe2, evdev.KEY_LEFTMETA: 0xe3,
	evdev.KEY_RIGHTCTRL: 0xe4, evdev.KEY_RIGHTSHIFT: 0xe5, evdev.KEY_RIGHTALT: 0xe6, evdev.KEY_RIGHTMETA: 0xe7,
}

// usChars maps each printable ASCII character to its key and whether Shift is held.
var usChars = map[byte]usKey{}

type usKey struct {
	code  evdev.EvCode
	shift bool
}

func init() {
	for i, k := range usLetters {
		usChars['a'+byte(i)] = usKey{k, false}
		usChars['A'+byte(i)] = usKey{k, true}
		usages[k] = 0x04 + uint32(i)
	}
	for _, s := range usSymbols {
		usChars[s.lower] = usKey{s.code, false}
		if s.upper != 0 {
			usChars[s.upper] = usKey{s.code, true}
		}
		usages[s.code] = s.usage
	}
}

// usKeys returns the keys held together to type c on a US keyboard, modifiers first.
func usKeys(c byte) ([]evdev.EvCode, error) {
	switch c {
	case '\r', '\n':
		return []evdev.EvCode{evdev.KEY_ENTER}, nil
	case '\t':
		return []evdev.EvCode{evdev.KEY_TAB}, nil
	case 0x1b:
		return []evdev.EvCode{evdev.KEY_ESC}, nil
	case '\b':
		return []evdev.EvCode{evdev.KEY_BACKSPACE}, nil
	}
	var keys []evdev.EvCode
	if c < 0x20 { // Ctrl+@, Ctrl+A … Ctrl+_
		keys = append(keys, evdev.KEY_LEFTCTRL)
		c |= 0x40
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
	}
	k, ok := usChars[c]
	if !ok {
		return nil, fmt.Errorf("%q cannot be typed on a US keyboard", c)
	}
	if k.shift {
		keys = append(keys, evdev.KEY_LEFTSHIFT)
	}
	return append(keys, k.code), nil
}
