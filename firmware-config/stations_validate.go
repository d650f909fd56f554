package fwconfig

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lotsense/lotsense/drivers/gs1"
	"github.com/lotsense/lotsense/drivers/scanner"
)

// Defaults and limits of scanner stations, outputs and door alarms.
const (
	DefaultAlarmFor = 30 * time.Second
	// MaxFNC1 bounds a station's FNC1 substitute, in characters.
	MaxFNC1 = 8
	// MaxSimScan bounds the data of one scripted scan, in characters.
	MaxSimScan = 4096
)

// roles lists the station roles.
func roles() []string { return []string{RoleReceiving, RolePutaway, RolePicking, RoleShipping} }

const roleWant = "receiving, putaway, picking or shipping"

// outputs checks the GPIO outputs: ids, pins (optional when simulated), one output per
// pin.
func (k *checker) outputs() {
	seen := map[string]int{}
	pins := map[string]int{}
	for i := range k.c.Outputs {
		o := &k.c.Outputs[i]
		p := indexPath("outputs", i)
		if k.id(joinPath(p, "id"), o.ID) {
			if j, dup := seen[o.ID]; dup {
				k.errorf(joinPath(p, "id"), "output %q is already defined at outputs[%d]", o.ID, j)
			} else {
				seen[o.ID] = i
			}
		}
		gp := joinPath(p, "gpio")
		if o.GPIO.Pin == "" {
			if !o.Simulate {
				k.errorf(joinPath(gp, "pin"), "required unless simulate is true: want a GPIO pin name such as GPIO27")
			}
			continue
		}
		k.driverOptions(gp, o.GPIO.Validate())
		key := pinKey(o.GPIO.Pin)
		if j, dup := pins[key]; dup {
			k.errorf(joinPath(gp, "pin"), "%q is the same pin as outputs[%d].gpio.pin (%q): want one output per pin",
				o.GPIO.Pin, j, k.c.Outputs[j].GPIO.Pin)
			continue
		}
		pins[key] = i
	}
}

// pinKey names a pin the same however it is written: GPIO27, gpio27 and 27 are one pin
// to periph. (Board positions such as P1_13 cannot be told apart without the board.)
func pinKey(pin string) string {
	if n, err := strconv.ParseUint(pin, 10, 16); err == nil {
		return "GPIO" + strconv.FormatUint(n, 10)
	}
	return strings.ToUpper(pin)
}

// doorAlarms checks the outputs the doors sound for a held lot, and fills in how long.
// AlarmFor is filled in and checked with or without an output: it is harmless alone.
func (k *checker) doorAlarms() {
	for i := range k.c.Portal.Doors {
		d := &k.c.Portal.Doors[i]
		p := indexPath("portal.doors", i)
		k.outputRef(joinPath(p, "alarm_output"), d.AlarmOutput)
		k.durationDefault(joinPath(p, "alarm_for"), &d.AlarmFor, DefaultAlarmFor, time.Second, time.Hour)
	}
	for i := range k.c.Locations {
		l := &k.c.Locations[i]
		p := indexPath("locations", i)
		k.outputRef(joinPath(p, "alarm_output"), l.AlarmOutput)
		if l.AlarmOutput != "" && l.Profile == "" {
			k.errorf(joinPath(p, "alarm_output"), "given, but the location has no profile: nothing would sound it (set profile, e.g. pharma-2-8)")
		}
	}
}

// outputRef checks an optional reference to an output.
func (k *checker) outputRef(path, id string) {
	if id == "" || k.c.Output(id) != nil || k.c.undecoded("outputs") {
		return
	}
	k.errorf(path, "no output %q (%s)", id, oneOf(k.c.outputIDs(), "none are defined in outputs"))
}

// stations checks the barcode scanner stations; devices records which station uses
// which scanner device or port, since two cannot share one.
func (k *checker) stations() {
	seen := map[string]int{}
	devices := map[string]int{}
	for i := range k.c.Stations {
		s := &k.c.Stations[i]
		p := indexPath("stations", i)
		if k.id(joinPath(p, "id"), s.ID) {
			if j, dup := seen[s.ID]; dup {
				k.errorf(joinPath(p, "id"), "station %q is already defined at stations[%d]", s.ID, j)
			} else {
				seen[s.ID] = i
			}
		}
		switch rp := joinPath(p, "role"); {
		case s.Role == "":
			k.errorf(rp, "required: want %s", roleWant)
		case !slices.Contains(roles(), s.Role):
			k.errorf(rp, "want %s, got %q", roleWant, s.Role)
		}
		k.stationLocation(s, p)
		k.stationInto(s, p)
		k.stationShipTo(s, p)
		k.outputRef(joinPath(p, "output"), s.Output)
		k.fnc1(s.FNC1, joinPath(p, "fnc1"))
		k.stationScanner(s, p, devices, i)
		if s.Simulate != nil {
			k.stationSimulation(s.Simulate, joinPath(p, "simulate"))
		}
	}
}

// stationLocation checks where a station is: any location for receiving and shipping
// (typically a dock door), a location that is not a dock door for putaway and picking.
func (k *checker) stationLocation(s *Station, path string) {
	p := joinPath(path, "location")
	anyKind := s.Role != RolePutaway && s.Role != RolePicking
	var want string
	if anyKind {
		want = "want the id of a location, typically a dock_door (" + k.c.idsOrNone(func(*Location) bool { return true }) + ")"
	} else {
		what := map[string]string{RolePutaway: "goods are put away into", RolePicking: "goods are picked from"}[s.Role]
		want = fmt.Sprintf("want the id of the location %s, not a dock_door (%s)", what, k.c.idsOrNone(notDock))
	}
	switch l := k.c.location(s.Location); {
	case s.Location == "":
		k.errorf(p, "required: %s", want)
	case l == nil && !k.c.undecoded("locations"):
		k.errorf(p, "no location %q: %s", s.Location, want)
	case l != nil && !anyKind && l.Kind == KindDockDoor:
		k.errorf(p, "location %q is a dock_door: %s", s.Location, want)
	}
}

func notDock(l *Location) bool { return l.Kind != KindDockDoor }

// idsOrNone lists the locations f accepts, or says there are none.
func (c *Config) idsOrNone(f func(*Location) bool) string {
	if ids := c.locationsWhere(f); len(ids) > 0 {
		return idList(ids)
	}
	return "no location fits"
}

// stationInto checks the location a receiving station receives into.
func (k *checker) stationInto(s *Station, path string) {
	p := joinPath(path, "into")
	switch {
	case s.Into == "":
		return
	case s.Role != RoleReceiving && slices.Contains(roles(), s.Role):
		k.errorf(p, "given, but role is %s: want into on receiving stations only (where received goods go)", s.Role)
		return
	}
	want := "want the id of the location received goods go into, not a dock_door (" + k.c.idsOrNone(notDock) + ")"
	switch l := k.c.location(s.Into); {
	case l == nil && !k.c.undecoded("locations"):
		k.errorf(p, "no location %q: %s", s.Into, want)
	case l != nil && l.Kind == KindDockDoor:
		k.errorf(p, "location %q is a dock_door: %s", s.Into, want)
	}
}

// stationShipTo checks the default destination of a shipping station.
func (k *checker) stationShipTo(s *Station, path string) {
	p := joinPath(path, "ship_to")
	switch {
	case s.ShipTo == "":
	case s.Role != RoleShipping && slices.Contains(roles(), s.Role):
		k.errorf(p, "given, but role is %s: want ship_to on shipping stations only", s.Role)
	default:
		if err := gs1.ValidGLN(s.ShipTo); err != nil {
			k.errorf(p, "%w", err)
		}
	}
}

// fnc1 checks a station's FNC1 substitute: printable ASCII without letters or digits,
// so it cannot be mistaken for GS1 data.
func (k *checker) fnc1(s, path string) {
	const want = "want 1 to 8 printable ASCII characters other than letters and digits, like ^ or ~"
	if s == "" {
		if k.c.given(path) {
			k.errorf(path, "%s, got an empty string (omit the key for ASCII 29 only)", want)
		}
		return
	}
	for i, r := range []rune(s) {
		if r < ' ' || r > '~' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			k.errorf(path, "%q has %q at position %d: %s", s, r, i+1, want)
			return
		}
	}
	if len(s) > MaxFNC1 {
		k.errorf(path, "%s, got %d characters", want, len(s))
	}
}

// stationScanner checks a station's scanner with the driver's own Validate, unless the
// station is simulated and gives none, and that no other station uses its device.
func (k *checker) stationScanner(s *Station, path string, devices map[string]int, i int) {
	p := joinPath(path, "scanner")
	o := s.Scanner
	if reflect.ValueOf(o).IsZero() {
		if s.Simulate == nil {
			k.errorf(p, "required unless simulate is set: want a keyboard block (USB HID scanner) or a serial block")
		}
		return
	}
	k.scannerOptions(p, o.Validate())
	dev, dp := "", ""
	switch {
	case o.Keyboard != nil && o.Serial == nil:
		dev, dp = o.Keyboard.Device, joinPath(p, "keyboard.device")
	case o.Serial != nil && o.Keyboard == nil:
		dev, dp = o.Serial.Port, joinPath(p, "serial.port")
	}
	if dev == "" {
		return
	}
	key := filepath.Clean(dev)
	if j, dup := devices[key]; dup {
		k.errorf(dp, "%s is already the scanner of stations[%d] (%q): want one station per scanner", dev, j, k.c.Stations[j].ID)
		return
	}
	devices[key] = i
}

// scannerOptions reports the scanner driver's validation: each *scanner.ConfigError at
// the key it names (its Field, "keyboard.layout"), or at the block when the Field is
// not a key of scanner.Options.
func (k *checker) scannerOptions(path string, err error) {
	if err == nil {
		return
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		var ce *scanner.ConfigError
		if errors.As(e, &ce) && ce.Field != "" && hasKey(reflect.TypeFor[scanner.Options](), ce.Field) {
			k.errorf(joinPath(path, ce.Field), "%s", ce.Msg)
		} else {
			k.errorf(path, "%v", e)
		}
	}
}

// hasKey reports whether a dotted YAML key path ("keyboard.layout") names a field of
// struct type t, following pointers.
func hasKey(t reflect.Type, key string) bool {
	for name := range strings.SplitSeq(key, ".") {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return false
		}
		_, index := yamlFields(t)
		i, ok := index[name]
		if !ok {
			return false
		}
		t = t.Field(i).Type
	}
	return true
}

// stationSimulation checks the script of a simulated scanner: scans in the order they
// are played (as drivers/scanner/scannersim wants them). The data is not parsed: a
// scripted unreadable scan tests the rejection path.
func (k *checker) stationSimulation(sim *StationSimulation, path string) {
	sp := joinPath(path, "scans")
	if len(sim.Scans) == 0 {
		k.errorf(sp, "want at least one scan like {at: 5s, data: \"(01)09506000134352(10)L1\"}, got none")
	}
	var last time.Duration
	lastAt := ""
	for j, sc := range sim.Scans {
		p := indexPath(sp, j)
		switch at := sc.At.Duration; {
		case at < 0:
			k.errorf(joinPath(p, "at"), "want a duration of 0 or more after the script starts, got %v", at)
		case at < last:
			k.errorf(joinPath(p, "at"), "want scans in the order they are played: %v or later (%s), got %v", last, lastAt, at)
		default:
			last, lastAt = at, joinPath(p, "at")
		}
		switch n := utf8.RuneCountInString(sc.Data); {
		case n == 0:
			k.errorf(joinPath(p, "data"), "required: want what the scanner sends, like \"(01)09506000134352(10)L1\" or \"]d2010950600013435210L1\"")
		case n > MaxSimScan:
			k.errorf(joinPath(p, "data"), "want at most %d characters, got %d", MaxSimScan, n)
		}
	}
	switch d := sim.Repeat.Duration; {
	case d < 0:
		k.errorf(joinPath(path, "repeat"), "want a duration of 0 (play once) or more, got %v", d)
	case d > 0 && d <= last:
		k.errorf(joinPath(path, "repeat"), "want 0 (play once) or longer than the last scan's at (%v), got %v", last, d)
	}
}

// outputIDs lists the output ids, once each, for messages.
func (c *Config) outputIDs() []string {
	var ids []string
	for _, o := range c.Outputs {
		if o.ID != "" && !slices.Contains(ids, o.ID) {
			ids = append(ids, o.ID)
		}
	}
	return ids
}
