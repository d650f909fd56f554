package scanner

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/holoplot/go-evdev"
)

// A layout maps keys to characters the way a host with that keyboard country would:
// the character of each key unshifted, with Shift and with AltGr, and the dead keys.
// Every character is ISO-8859-1 (one byte), the character set of the symbologies.
type layout struct {
	name  string
	keys  map[evdev.EvCode]keyDef
	altGr bool // right Alt is AltGr (it is plain Alt in the us layout)
}

type keyDef struct {
	lower, upper, altgr rune // 0: the key types nothing at that level
	deadLower           bool // lower is a dead key (an accent for the next key)
	deadUpper           bool
	letter              bool // Caps Lock applies
}

// The alphanumeric block of a PC keyboard by physical position, row by row: the number
// row, the top, home and bottom letter rows (KEY_102ND is the ISO key next to left
// Shift). Layout tables below are strings of one character per position, ' ' where
// the key types nothing.
var rows = [4][]evdev.EvCode{
	{evdev.KEY_GRAVE, evdev.KEY_1, evdev.KEY_2, evdev.KEY_3, evdev.KEY_4, evdev.KEY_5, evdev.KEY_6,
		evdev.KEY_7, evdev.KEY_8, evdev.KEY_9, evdev.KEY_0, evdev.KEY_MINUS, evdev.KEY_EQUAL},
	{evdev.KEY_Q, evdev.KEY_W, evdev.KEY_E, evdev.KEY_R, evdev.KEY_T, evdev.KEY_Y, evdev.KEY_U,
		evdev.KEY_I, evdev.KEY_O, evdev.KEY_P, evdev.KEY_LEFTBRACE, evdev.KEY_RIGHTBRACE},
	{evdev.KEY_A, evdev.KEY_S, evdev.KEY_D, evdev.KEY_F, evdev.KEY_G, evdev.KEY_H, evdev.KEY_J,
		evdev.KEY_K, evdev.KEY_L, evdev.KEY_SEMICOLON, evdev.KEY_APOSTROPHE, evdev.KEY_BACKSLASH},
	{evdev.KEY_102ND, evdev.KEY_Z, evdev.KEY_X, evdev.KEY_C, evdev.KEY_V, evdev.KEY_B, evdev.KEY_N,
		evdev.KEY_M, evdev.KEY_COMMA, evdev.KEY_DOT, evdev.KEY_SLASH},
}

// layoutRows are one layout's characters per row: unshifted, with Shift, with AltGr.
type layoutRows [4][3]string

var layouts = map[string]*layout{
	// US English (ANSI; the ISO key types < and > as in xkb's pc symbols).
	"us": build("us", false, layoutRows{
		{"`1234567890-=", "~!@#$%^&*()_+", ""},
		{"qwertyuiop[]", "QWERTYUIOP{}", ""},
		{"asdfghjkl;'\\", "ASDFGHJKL:\"|", ""},
		{"<zxcvbnm,./", ">ZXCVBNM<>?", ""},
	}, nil, '.'),
	// German QWERTZ with dead keys (^ ´ `), as xkb "de" and Windows German.
	"de": build("de", true, layoutRows{
		{"^1234567890ß´", "°!\"§$%&/()=?`", "  ²³   {[]}\\ "},
		{"qwertzuiopü+", "QWERTZUIOPÜ*", "@          ~"},
		{"asdfghjklöä#", "ASDFGHJKLÖÄ'", ""},
		{"<yxcvbnm,.-", ">YXCVBNM;:_", "|      µ   "},
	}, map[evdev.EvCode][2]bool{evdev.KEY_GRAVE: {true, false}, evdev.KEY_EQUAL: {true, true}}, ','),
	// French AZERTY with dead keys (^ ¨), as xkb "fr" (AltGr+2 and AltGr+7 type ~ and `
	// directly; Windows makes them dead keys).
	"fr": build("fr", true, layoutRows{
		{"²&é\"'(-è_çà)=", " 1234567890°+", "  ~#{[|`\\^@]}"},
		{"azertyuiop^$", "AZERTYUIOP¨£", "           ¤"},
		{"qsdfghjklmù*", "QSDFGHJKLM%µ", ""},
		{"<wxcvbn,;:!", ">WXCVBN?./§", ""},
	}, map[evdev.EvCode][2]bool{evdev.KEY_LEFTBRACE: {true, true}}, '.'),
}

// Keys outside the alphanumeric block, the same in every layout. The keypad types its
// digits whatever Num Lock says (scanners that use it expect that).
var commonKeys = map[evdev.EvCode]rune{
	evdev.KEY_SPACE: ' ', evdev.KEY_TAB: '\t', evdev.KEY_ENTER: '\r', evdev.KEY_KPENTER: '\r',
	evdev.KEY_ESC: 0x1b, evdev.KEY_BACKSPACE: 0x08, evdev.KEY_DELETE: 0x7f,
	evdev.KEY_KP0: '0', evdev.KEY_KP1: '1', evdev.KEY_KP2: '2', evdev.KEY_KP3: '3', evdev.KEY_KP4: '4',
	evdev.KEY_KP5: '5', evdev.KEY_KP6: '6', evdev.KEY_KP7: '7', evdev.KEY_KP8: '8', evdev.KEY_KP9: '9',
	evdev.KEY_KPSLASH: '/', evdev.KEY_KPASTERISK: '*', evdev.KEY_KPMINUS: '-', evdev.KEY_KPPLUS: '+',
}

// keypadDigits are the keys of an Alt code (Alt held, digits on the keypad).
var keypadDigits = map[evdev.EvCode]int{
	evdev.KEY_KP0: 0, evdev.KEY_KP1: 1, evdev.KEY_KP2: 2, evdev.KEY_KP3: 3, evdev.KEY_KP4: 4,
	evdev.KEY_KP5: 5, evdev.KEY_KP6: 6, evdev.KEY_KP7: 7, evdev.KEY_KP8: 8, evdev.KEY_KP9: 9,
}

// modifierKeys type nothing themselves: modifiers and lock keys.
var modifierKeys = map[evdev.EvCode]bool{
	evdev.KEY_LEFTSHIFT: true, evdev.KEY_RIGHTSHIFT: true, evdev.KEY_LEFTCTRL: true, evdev.KEY_RIGHTCTRL: true,
	evdev.KEY_LEFTALT: true, evdev.KEY_RIGHTALT: true, evdev.KEY_LEFTMETA: true, evdev.KEY_RIGHTMETA: true,
	evdev.KEY_CAPSLOCK: true, evdev.KEY_NUMLOCK: true, evdev.KEY_SCROLLLOCK: true,
}

// build makes a layout from its rows; dead marks dead keys (unshifted, shifted) and
// kpDot is what the keypad's decimal key types. It panics on a malformed table (the
// tables are constants; the tests build them all).
func build(name string, altGr bool, r layoutRows, dead map[evdev.EvCode][2]bool, kpDot rune) *layout {
	l := &layout{name: name, altGr: altGr, keys: map[evdev.EvCode]keyDef{}}
	for i, codes := range rows {
		var levels [3][]rune
		for j, s := range r[i] {
			if s == "" {
				s = strings.Repeat(" ", len(codes))
			}
			levels[j] = []rune(s)
			if len(levels[j]) != len(codes) {
				panic(fmt.Sprintf("scanner: layout %s row %d level %d has %d keys, want %d", name, i, j, len(levels[j]), len(codes)))
			}
		}
		for k, code := range codes {
			d := keyDef{lower: none(levels[0][k]), upper: none(levels[1][k]), altgr: none(levels[2][k])}
			d.deadLower, d.deadUpper = dead[code][0], dead[code][1]
			d.letter = unicode.IsLetter(d.lower) && unicode.ToUpper(d.lower) == d.upper && d.lower != d.upper
			l.keys[code] = d
		}
	}
	for code, c := range commonKeys {
		l.keys[code] = keyDef{lower: c, upper: c}
	}
	l.keys[evdev.KEY_KPDOT] = keyDef{lower: kpDot, upper: kpDot}
	return l
}

func none(c rune) rune {
	if c == ' ' {
		return 0
	}
	return c
}

// char is what key types at a level, and whether it is a dead key.
func (l *layout) char(code evdev.EvCode, shift, caps, altgr bool) (c rune, dead, ok bool) {
	d, ok := l.keys[code]
	if !ok {
		return 0, false, false
	}
	switch {
	case altgr:
		c = d.altgr
	case shift != (caps && d.letter):
		c, dead = d.upper, d.deadUpper
	default:
		c, dead = d.lower, d.deadLower
	}
	return c, dead, c != 0
}

// control is the control character Ctrl+key types: Ctrl+A … Ctrl+Z are 1 … 26 by the
// layout's letters, and Ctrl+@ [ \ ] ^ _ are 0 and 27 … 31 by the key's US position
// when the layout types no such character there, so Ctrl+] (GS) is Ctrl with the key
// right of P in every layout, the usual HID mapping.
func (l *layout) control(code evdev.EvCode, shift, altgr bool) (byte, bool) {
	if c, _, ok := l.char(code, shift, false, altgr); ok && controllable(c) {
		return byte(c) & 0x1f, true
	}
	if c, _, ok := layouts["us"].char(code, shift, false, false); ok && controllable(c) {
		return byte(c) & 0x1f, true
	}
	return 0, false
}

func controllable(c rune) bool { return '@' <= c && c <= '_' || 'a' <= c && c <= 'z' }

// compose is what a dead key followed by a letter types; a dead key followed by Space
// types the accent itself, followed by anything else the accent and that character.
var compose = map[rune][2]string{
	'^': {"aeiouAEIOU", "âêîôûÂÊÎÔÛ"},
	'´': {"aeiouyAEIOUY", "áéíóúýÁÉÍÓÚÝ"},
	'`': {"aeiouAEIOU", "àèìòùÀÈÌÒÙ"},
	'¨': {"aeiouyAEIOU", "äëïöüÿÄËÏÖÜ"},
}

func composed(accent, c rune) (rune, bool) {
	t := compose[accent]
	if i := strings.IndexRune(t[0], c); i >= 0 {
		return []rune(t[1])[len([]rune(t[0][:i]))], true
	}
	return 0, false
}
