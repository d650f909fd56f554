package scanner

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/holoplot/go-evdev"
)

// Options configure one barcode scanner. They appear under `scanner:` in a gateway
// configuration file. Exactly one of Keyboard and Serial is given; the other fields
// apply to both and their zero values mean the defaults noted.
type Options struct {
	// Keyboard reads a USB HID scanner in keyboard-wedge mode through Linux input
	// events (/dev/input/...).
	Keyboard *KeyboardOptions `yaml:"keyboard" json:"keyboard"`
	// Serial reads a scanner on an RS-232 port or a USB virtual COM port (CDC-ACM).
	Serial *SerialOptions `yaml:"serial" json:"serial"`
	// MaxLength is the longest scan accepted, in characters as the scanner sent them;
	// a longer one is discarded (with an error) up to its terminator. Default 4096,
	// at most 65536.
	MaxLength int `yaml:"max_length" json:"max_length"`
	// CharTimeout is the inter-character timeout: a scan whose next character or
	// terminator does not arrive within it ends there (see OnTimeout). Default 300ms,
	// 10ms to 10s.
	CharTimeout time.Duration `yaml:"char_timeout" json:"char_timeout"`
	// OnTimeout says what happens to a scan ended by CharTimeout: "discard" (the
	// default: an incomplete scan is never taken for a barcode, an error says so) or
	// "flush" (it is delivered; required, and the default, with terminator "none").
	OnTimeout string `yaml:"on_timeout" json:"on_timeout"`
	// AIM is "auto" (default): a scan that starts with an AIM symbology identifier
	// (']', a letter, a modifier character, e.g. "]d2") has it moved to
	// Scan.Symbology; or "off": the data is kept whole.
	AIM string `yaml:"aim" json:"aim"`
	// Reopen is the longest wait between attempts to open the device after it vanished
	// (USB unplugged) or failed to open; attempts start 250ms apart (less if Reopen is
	// shorter) and double. Default 5s, 10ms to 5m.
	Reopen time.Duration `yaml:"reopen" json:"reopen"`
}

// KeyboardOptions configure a USB HID scanner that types its scans as a keyboard.
type KeyboardOptions struct {
	// Device is the input event device: a stable /dev/input/by-id/…-event-kbd link (or
	// one made by a udev rule), or /dev/input/eventN. Required.
	Device string `yaml:"device" json:"device"`
	// Layout is the keyboard country the scanner is programmed for: us (default), de
	// or fr.
	Layout string `yaml:"layout" json:"layout"`
	// Terminator is the key that ends a scan: enter (default: Enter or keypad Enter),
	// tab, none (only CharTimeout ends a scan), or a key name such as KEY_F12.
	Terminator string `yaml:"terminator" json:"terminator"`
	// GSKey is a key the scanner sends for GS (FNC1) instead of Ctrl+], e.g. KEY_F8.
	GSKey string `yaml:"gs_key" json:"gs_key"`
	// GSText is text the scanner is programmed to type for GS, e.g. "<GS>"; every
	// occurrence in a scan is replaced by ASCII 29. At most 16 characters.
	GSText string `yaml:"gs_text" json:"gs_text"`
	// Grab takes the device exclusively (EVIOCGRAB) so scans do not also type into a
	// console or a desktop session; default true.
	Grab *bool `yaml:"grab" json:"grab"`
}

// SerialOptions configure a scanner on a serial port.
type SerialOptions struct {
	// Port is the serial device, e.g. /dev/serial/by-id/usb-…-if00, /dev/ttyACM0 or
	// /dev/ttyUSB0. Required.
	Port string `yaml:"port" json:"port"`
	// Baud is the line speed; default 9600.
	Baud int `yaml:"baud" json:"baud"`
	// DataBits is 7 or 8; default 8.
	DataBits int `yaml:"data_bits" json:"data_bits"`
	// Parity is none (default), even or odd.
	Parity string `yaml:"parity" json:"parity"`
	// StopBits is 1 (default) or 2.
	StopBits int `yaml:"stop_bits" json:"stop_bits"`
	// Terminator is the suffix that ends a scan: cr (default; an LF right after the
	// CR is dropped, so CR LF works too), lf (a CR right before the LF is dropped),
	// crlf (only the pair ends a scan), none (only CharTimeout ends a scan), or one
	// byte written 0x03 or as a single character.
	Terminator string `yaml:"terminator" json:"terminator"`
}

// Defaults and limits of Options.
const (
	DefaultMaxLength   = 4096
	DefaultCharTimeout = 300 * time.Millisecond
	DefaultReopen      = 5 * time.Second
	DefaultBaud        = 9600
	firstReopen        = 250 * time.Millisecond
	maxGSText          = 16
)

// baudRates are the line speeds a serial scanner may use.
var baudRates = []int{1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400}

// ConfigError is one invalid option, named the way a configuration file names it.
type ConfigError struct {
	Field string // the option's YAML path: "keyboard.layout", "char_timeout", ...
	Msg   string // what is wrong with it
}

func (e *ConfigError) Error() string { return fmt.Sprintf("scanner: %s: %s", e.Field, e.Msg) }

// Validate reports every invalid option, each as a *ConfigError (joined with
// errors.Join when there are several); nil means New accepts the options.
func (o Options) Validate() error {
	_, err := o.resolve()
	return err
}

// config is Options checked, with defaults filled in.
type config struct {
	maxLen  int
	timeout time.Duration
	flush   bool // deliver a scan ended by the timeout
	aim     bool
	reopen  time.Duration
	kbd     *kbdConfig
	ser     *serConfig
}

type kbdConfig struct {
	device string
	layout *layout
	term   map[evdev.EvCode]bool // keys that end a scan; empty for none
	gsKey  evdev.EvCode          // 0: none
	gsText []byte
	grab   bool
}

type serConfig struct {
	port                     string
	baud, dataBits, stopBits int
	parity                   string
	term                     []byte // nil: none; "\r" and "\n" are the tolerant cr and lf
	strictCRLF               bool
}

func (o Options) resolve() (config, error) {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, &ConfigError{Field: field, Msg: fmt.Sprintf(format, a...)})
	}
	c := config{maxLen: o.MaxLength, timeout: o.CharTimeout, reopen: o.Reopen, aim: true}
	switch {
	case o.MaxLength == 0:
		c.maxLen = DefaultMaxLength
	case o.MaxLength < 1 || o.MaxLength > 65536:
		bad("max_length", "%d is out of range (want 1 to 65536; default %d)", o.MaxLength, DefaultMaxLength)
	}
	switch {
	case o.CharTimeout == 0:
		c.timeout = DefaultCharTimeout
	case o.CharTimeout < 10*time.Millisecond || o.CharTimeout > 10*time.Second:
		bad("char_timeout", "%v is out of range (want 10ms to 10s; default %v)", o.CharTimeout, DefaultCharTimeout)
	}
	switch {
	case o.Reopen == 0:
		c.reopen = DefaultReopen
	case o.Reopen < 10*time.Millisecond || o.Reopen > 5*time.Minute:
		bad("reopen", "%v is out of range (want 10ms to 5m; default %v)", o.Reopen, DefaultReopen)
	}
	switch o.AIM {
	case "", "auto":
	case "off":
		c.aim = false
	default:
		bad("aim", "%q: want auto or off", o.AIM)
	}
	noTerm := false
	switch {
	case o.Keyboard == nil && o.Serial == nil:
		bad("keyboard", "one of keyboard and serial is required")
	case o.Keyboard != nil && o.Serial != nil:
		bad("serial", "give one of keyboard and serial, not both")
	case o.Keyboard != nil:
		c.kbd = o.Keyboard.resolve(bad)
		noTerm = len(c.kbd.term) == 0
	default:
		c.ser = o.Serial.resolve(bad)
		noTerm = c.ser.term == nil
	}
	switch o.OnTimeout {
	case "":
		c.flush = noTerm
	case "flush":
		c.flush = true
	case "discard":
		if noTerm {
			bad("on_timeout", "discard with terminator none would discard every scan (want flush)")
		}
	default:
		bad("on_timeout", "%q: want discard or flush", o.OnTimeout)
	}
	return c, errors.Join(errs...)
}

func (k *KeyboardOptions) resolve(bad func(field, format string, a ...any)) *kbdConfig {
	c := &kbdConfig{device: k.Device, grab: k.Grab == nil || *k.Grab, gsText: []byte(k.GSText)}
	if k.Device == "" || !filepath.IsAbs(k.Device) {
		bad("keyboard.device", "%q is not a device path (want /dev/input/by-id/…-event-kbd or /dev/input/eventN)", k.Device)
	}
	name := k.Layout
	if name == "" {
		name = "us"
	}
	if c.layout = layouts[name]; c.layout == nil {
		bad("keyboard.layout", "%q: want us, de or fr", k.Layout)
	}
	c.term = map[evdev.EvCode]bool{}
	switch strings.ToLower(k.Terminator) {
	case "", "enter":
		c.term[evdev.KEY_ENTER], c.term[evdev.KEY_KPENTER] = true, true
	case "tab":
		c.term[evdev.KEY_TAB] = true
	case "none":
	default:
		code, err := parseKey(k.Terminator)
		if err != nil {
			bad("keyboard.terminator", "%v (want enter, tab, none or a key name such as KEY_F12)", err)
		}
		c.term[code] = true
	}
	if k.GSKey != "" {
		code, err := parseKey(k.GSKey)
		switch {
		case err != nil:
			bad("keyboard.gs_key", "%v (want a key name such as KEY_F8)", err)
		case c.term[code]:
			bad("keyboard.gs_key", "%s is also the terminator", k.GSKey)
		}
		c.gsKey = code
	}
	if len(k.GSText) > maxGSText {
		bad("keyboard.gs_text", "%q is longer than %d characters", k.GSText, maxGSText)
	}
	return c
}

// parseKey turns a key name (KEY_F12, F12, f12) into its code; modifiers and lock keys
// cannot be named, they never type anything.
func parseKey(s string) (evdev.EvCode, error) {
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "KEY_") {
		name = "KEY_" + name
	}
	code, ok := evdev.KEYFromString[name]
	if !ok {
		return 0, fmt.Errorf("%q is not a key name", s)
	}
	if modifierKeys[code] {
		return 0, fmt.Errorf("%s is a modifier or lock key", name)
	}
	return code, nil
}

func (s *SerialOptions) resolve(bad func(field, format string, a ...any)) *serConfig {
	c := &serConfig{port: s.Port, baud: s.Baud, dataBits: s.DataBits, stopBits: s.StopBits, parity: s.Parity}
	if s.Port == "" || !filepath.IsAbs(s.Port) {
		bad("serial.port", "%q is not a device path (want /dev/serial/by-id/…, /dev/ttyACM0 or /dev/ttyUSB0)", s.Port)
	}
	if c.baud == 0 {
		c.baud = DefaultBaud
	}
	if !slices.Contains(baudRates, c.baud) {
		bad("serial.baud", "%d is not a supported speed (want one of %v)", c.baud, baudRates)
	}
	if c.dataBits == 0 {
		c.dataBits = 8
	}
	if c.dataBits != 7 && c.dataBits != 8 {
		bad("serial.data_bits", "%d is not 7 or 8", c.dataBits)
	}
	if c.parity == "" {
		c.parity = "none"
	}
	if c.parity != "none" && c.parity != "even" && c.parity != "odd" {
		bad("serial.parity", "%q: want none, even or odd", s.Parity)
	}
	if c.stopBits == 0 {
		c.stopBits = 1
	}
	if c.stopBits != 1 && c.stopBits != 2 {
		bad("serial.stop_bits", "%d is not 1 or 2", c.stopBits)
	}
	switch t := strings.ToLower(s.Terminator); {
	case t == "" || t == "cr":
		c.term = []byte{'\r'}
	case t == "lf":
		c.term = []byte{'\n'}
	case t == "crlf":
		c.term, c.strictCRLF = []byte("\r\n"), true
	case t == "none":
	case len(s.Terminator) == 1:
		c.term = []byte(s.Terminator)
	default:
		b, err := strconv.ParseUint(t, 0, 8)
		if err != nil || !strings.HasPrefix(t, "0x") || b == 0 {
			bad("serial.terminator", "%q: want cr, lf, crlf, none, one character or a byte such as 0x03 (not 0x00)", s.Terminator)
		}
		c.term = []byte{byte(b)}
	}
	return c
}
