package fwconfig

import (
	"regexp"
	"testing"

	"github.com/lotsense/lotsense/drivers/scanner"
)

// TestSchemaStations checks the schema's station and scanner values against the loader
// and the scanner driver, so the editor and the gateway agree on them.
func TestSchemaStations(t *testing.T) {
	root := loadSchema(t)
	defs := root["$defs"].(map[string]any)
	if got := schemaEnum(t, root, "station", "role"); !sameSet(got, roles()) {
		t.Errorf("schema station.role enum = %v, want %v", got, roles())
	}
	prop := func(def, name string) map[string]any {
		return defs[def].(map[string]any)["properties"].(map[string]any)[name].(map[string]any)
	}
	fnc1 := regexp.MustCompile(prop("station", "fnc1")["pattern"].(string))
	for _, s := range []string{"^", "~~", " ", "<>", "^^^^^^^^", "", "<GS>", "^^^^^^^^^", "é", "1", "\x1d"} {
		k := &checker{c: &Config{file: "config", pos: map[string]pos{"fnc1": {line: 1}}}}
		k.fnc1(s, "fnc1")
		if ok := len(k.errs) == 0; fnc1.MatchString(s) != ok {
			t.Errorf("fnc1 %q: schema pattern matches %v, loader accepts %v", s, !ok, ok)
		}
	}
	// Every value the schema offers, the driver accepts.
	kbd := func() scanner.Options {
		return scanner.Options{Keyboard: &scanner.KeyboardOptions{Device: "/dev/input/event3"}}
	}
	ser := func(mod func(*scanner.SerialOptions)) scanner.Options {
		s := &scanner.SerialOptions{Port: "/dev/ttyACM0"}
		mod(s)
		return scanner.Options{Serial: s}
	}
	num := func(v any) int { return int(v.(float64)) }
	enums := []struct {
		def, prop string
		opts      func(v any) scanner.Options
	}{
		{"scannerKeyboard", "layout", func(v any) scanner.Options { o := kbd(); o.Keyboard.Layout = v.(string); return o }},
		{"scanner", "aim", func(v any) scanner.Options { o := kbd(); o.AIM = v.(string); return o }},
		{"scanner", "on_timeout", func(v any) scanner.Options { o := kbd(); o.OnTimeout = v.(string); return o }},
		{"scannerSerial", "parity", func(v any) scanner.Options { return ser(func(s *scanner.SerialOptions) { s.Parity = v.(string) }) }},
		{"scannerSerial", "baud", func(v any) scanner.Options { return ser(func(s *scanner.SerialOptions) { s.Baud = num(v) }) }},
		{"scannerSerial", "data_bits", func(v any) scanner.Options { return ser(func(s *scanner.SerialOptions) { s.DataBits = num(v) }) }},
		{"scannerSerial", "stop_bits", func(v any) scanner.Options { return ser(func(s *scanner.SerialOptions) { s.StopBits = num(v) }) }},
	}
	for _, e := range enums {
		for _, v := range prop(e.def, e.prop)["enum"].([]any) {
			if err := e.opts(v).Validate(); err != nil {
				t.Errorf("schema %s.%s offers %v: %v", e.def, e.prop, v, err)
			}
		}
	}
	term := regexp.MustCompile(prop("scannerSerial", "terminator")["pattern"].(string))
	for _, s := range []string{"cr", "CR", "lf", "crlf", "none", "x", "\x03", "0x03", "0X0a", "0xff", "0x00", "0x0", "0x100", "crr", "ab"} {
		ok := ser(func(o *scanner.SerialOptions) { o.Terminator = s }).Validate() == nil
		if term.MatchString(s) != ok {
			t.Errorf("serial terminator %q: schema pattern matches %v, driver accepts %v", s, !ok, ok)
		}
	}
	if d := prop("scanner", "max_length")["default"]; d != float64(scanner.DefaultMaxLength) {
		t.Errorf("schema scanner.max_length default = %v, want %d", d, scanner.DefaultMaxLength)
	}
}
