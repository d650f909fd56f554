package scanner

import (
	_ "embed"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/holoplot/go-evdev"
	"gopkg.in/yaml.v3"
)

func kbd(mod func(*KeyboardOptions)) Options {
	k := &KeyboardOptions{Device: "/dev/input/event3"}
	if mod != nil {
		mod(k)
	}
	return Options{Keyboard: k}
}

func ser(mod func(*SerialOptions)) Options {
	s := &SerialOptions{Port: "/dev/ttyACM0"}
	if mod != nil {
		mod(s)
	}
	return Options{Serial: s}
}

func TestValidate(t *testing.T) {
	with := func(o Options, mod func(*Options)) Options { mod(&o); return o }
	for _, tc := range []struct {
		name string
		opts Options
		errs []string // each a whole *ConfigError text
	}{
		{"keyboard defaults", kbd(nil), nil},
		{"serial defaults", ser(nil), nil},
		{"keyboard all set", with(kbd(func(k *KeyboardOptions) {
			k.Layout, k.Terminator, k.GSKey, k.GSText = "de", "f12", "KEY_F8", "<GS>"
		}), func(o *Options) {
			o.MaxLength, o.CharTimeout, o.OnTimeout, o.AIM, o.Reopen = 100, time.Second, "flush", "off", time.Minute
		}), nil},
		{"serial all set", ser(func(s *SerialOptions) {
			s.Baud, s.DataBits, s.Parity, s.StopBits, s.Terminator = 115200, 7, "even", 2, "0x03"
		}), nil},
		{"neither", Options{}, []string{"scanner: keyboard: one of keyboard and serial is required"}},
		{"both", Options{Keyboard: kbd(nil).Keyboard, Serial: ser(nil).Serial}, []string{"scanner: serial: give one of keyboard and serial, not both"}},
		{"keyboard mistakes", kbd(func(k *KeyboardOptions) {
			k.Device, k.Layout, k.Terminator, k.GSKey, k.GSText = "event3", "uk", "KEY_SHIFT", "KEY_LEFTSHIFT", "<GROUP-SEPARATOR>"
		}), []string{
			`scanner: keyboard.device: "event3" is not a device path (want /dev/input/by-id/…-event-kbd or /dev/input/eventN)`,
			`scanner: keyboard.layout: "uk": want us, de or fr`,
			`scanner: keyboard.terminator: "KEY_SHIFT" is not a key name (want enter, tab, none or a key name such as KEY_F12)`,
			`scanner: keyboard.gs_key: KEY_LEFTSHIFT is a modifier or lock key (want a key name such as KEY_F8)`,
			`scanner: keyboard.gs_text: "<GROUP-SEPARATOR>" is longer than 16 characters`,
		}},
		{"gs key is the terminator", kbd(func(k *KeyboardOptions) { k.GSKey = "enter" }),
			[]string{"scanner: keyboard.gs_key: enter is also the terminator"}},
		{"serial mistakes", ser(func(s *SerialOptions) {
			s.Port, s.Baud, s.DataBits, s.Parity, s.StopBits, s.Terminator = "", 9601, 9, "mark", 3, "etx"
		}), []string{
			`scanner: serial.port: "" is not a device path (want /dev/serial/by-id/…, /dev/ttyACM0 or /dev/ttyUSB0)`,
			"scanner: serial.baud: 9601 is not a supported speed (want one of [1200 2400 4800 9600 19200 38400 57600 115200 230400])",
			"scanner: serial.data_bits: 9 is not 7 or 8",
			`scanner: serial.parity: "mark": want none, even or odd`,
			"scanner: serial.stop_bits: 3 is not 1 or 2",
			`scanner: serial.terminator: "etx": want cr, lf, crlf, none, one character or a byte such as 0x03 (not 0x00)`,
		}},
		{"NUL terminator", ser(func(s *SerialOptions) { s.Terminator = "0x00" }),
			[]string{`scanner: serial.terminator: "0x00": want cr, lf, crlf, none, one character or a byte such as 0x03 (not 0x00)`}},
		{"common mistakes", with(kbd(nil), func(o *Options) {
			o.MaxLength, o.CharTimeout, o.OnTimeout, o.AIM, o.Reopen = 70000, time.Millisecond, "keep", "on", time.Hour
		}), []string{
			"scanner: max_length: 70000 is out of range (want 1 to 65536; default 4096)",
			"scanner: char_timeout: 1ms is out of range (want 10ms to 10s; default 300ms)",
			"scanner: reopen: 1h0m0s is out of range (want 10ms to 5m; default 5s)",
			`scanner: aim: "on": want auto or off`,
			`scanner: on_timeout: "keep": want discard or flush`,
		}},
		{"discard without terminator", with(ser(func(s *SerialOptions) { s.Terminator = "none" }), func(o *Options) { o.OnTimeout = "discard" }),
			[]string{"scanner: on_timeout: discard with terminator none would discard every scan (want flush)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.opts.Validate()
			var got []string
			if err != nil {
				got = strings.Split(err.Error(), "\n")
				var ce *ConfigError
				if !errors.As(err, &ce) {
					t.Errorf("%v is not a *ConfigError", err)
				}
			}
			if strings.Join(got, "\n") != strings.Join(tc.errs, "\n") {
				t.Errorf("Validate() =\n%v\nwant\n%s", err, strings.Join(tc.errs, "\n"))
			}
			if _, nerr := New("s1", tc.opts, Env{}); (nerr == nil) != (err == nil) {
				t.Errorf("New error %v, Validate %v", nerr, err)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	c, err := kbd(nil).resolve()
	if err != nil {
		t.Fatal(err)
	}
	if c.maxLen != DefaultMaxLength || c.timeout != DefaultCharTimeout || c.reopen != DefaultReopen || c.flush || !c.aim {
		t.Errorf("common defaults %+v", c)
	}
	k := c.kbd
	if k.layout.name != "us" || !k.grab || len(k.term) != 2 || !k.term[evdev.KEY_ENTER] || !k.term[evdev.KEY_KPENTER] || k.gsKey != 0 {
		t.Errorf("keyboard defaults %+v", k)
	}
	c, err = ser(nil).resolve()
	if err != nil {
		t.Fatal(err)
	}
	if s := c.ser; s.baud != 9600 || s.dataBits != 8 || s.parity != "none" || s.stopBits != 1 || string(s.term) != "\r" || s.strictCRLF {
		t.Errorf("serial defaults %+v", s)
	}
	if c, _ := ser(func(s *SerialOptions) { s.Terminator = "none" }).resolve(); !c.flush {
		t.Error("terminator none does not default to flush")
	}
	f := false
	if c, _ := kbd(func(k *KeyboardOptions) { k.Grab = &f }).resolve(); c.kbd.grab {
		t.Error("grab: false ignored")
	}
}

//go:embed sample.yaml
var sampleYAML string

// The sample configuration is quoted in the README and must stay valid.
func TestSampleConfig(t *testing.T) {
	var cfg map[string]Options
	dec := yaml.NewDecoder(strings.NewReader(sampleYAML))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg) != 2 || cfg["receiving"].Keyboard == nil || cfg["shipping"].Serial == nil {
		t.Fatalf("sample parsed as %+v", cfg)
	}
	for name, o := range cfg {
		if err := o.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if r := cfg["receiving"]; r.CharTimeout != 300*time.Millisecond || r.Reopen != 5*time.Second || r.Keyboard.Grab == nil || !*r.Keyboard.Grab {
		t.Errorf("receiving parsed as %+v %+v", r, r.Keyboard)
	}
	if s := cfg["shipping"].Serial; *s != (SerialOptions{Port: s.Port, Baud: 9600, DataBits: 8, Parity: "none", StopBits: 1, Terminator: "cr"}) {
		t.Errorf("shipping parsed as %+v", s)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), sampleYAML) {
		t.Error("README.md does not quote sample.yaml verbatim")
	}
}
