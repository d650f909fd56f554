package fwconfig

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/lotsense/lotsense/drivers/gs1"
)

// Defaults of the dock-door portals and their readers.
const (
	DefaultReportEvery     = 1
	DefaultReaderKeepalive = 5 * time.Second
	DefaultTopN            = 3
	DefaultGroupWindow     = 5 * time.Second
	DefaultDedupe          = time.Second
	DefaultPassTimeout     = 3 * time.Second
	DefaultSimReads        = 3
	DefaultSimRSSI         = -55.0
	// MaxSimTags bounds the tags of one simulated pass, all its tags and ranges together.
	MaxSimTags = 10_000
	// ReadPointPrefix is the GS1 Digital Link of a GLN, the default read point of a door
	// whose location has one.
	ReadPointPrefix = "https://id.gs1.org/414/"
)

// antennaKey is one antenna of one reader.
type antennaKey struct {
	reader  string
	antenna uint16
}

// antennaRef is where a door maps an antenna.
type antennaRef struct{ path, door string }

// portal checks portal and its doors, then the readers, whose default antennas are those
// the doors map.
func (k *checker) portal() {
	p := &k.c.Portal
	k.intDefault("portal.top_n", &p.TopN, DefaultTopN, 1, 8)
	k.durationDefault("portal.group_window", &p.GroupWindow, DefaultGroupWindow, time.Second, time.Hour)
	mapped := map[antennaKey]antennaRef{}
	seen := map[string]int{}
	for i := range p.Doors {
		d := &p.Doors[i]
		path := indexPath("portal.doors", i)
		k.doorID(d, path, seen, i)
		k.doorInside(d, path)
		k.doorTiming(d, path)
		k.doorAntennas(d, path, mapped)
	}
	k.readers(mapped)
}

// doorID checks that a door is a dock_door location, once, and fills in its read point.
func (k *checker) doorID(d *Door, path string, seen map[string]int, i int) {
	p := joinPath(path, "id")
	docks := k.c.locationsWhere(func(l *Location) bool { return l.Kind == KindDockDoor })
	want := "want the id of a location of kind dock_door (no location has that kind)"
	if len(docks) > 0 {
		want = "want the id of a location of kind dock_door (" + idList(docks) + ")"
	}
	l := k.c.location(d.ID)
	switch {
	case d.ID == "":
		k.errorf(p, "required: %s", want)
	case l == nil && !k.c.undecoded("locations"):
		k.errorf(p, "no location %q: %s", d.ID, want)
	case l != nil && l.Kind != KindDockDoor && knownKind(l.Kind):
		k.errorf(p, "location %q is a %s: %s", d.ID, l.Kind, want)
	}
	if d.ID != "" {
		if j, dup := seen[d.ID]; dup {
			k.errorf(p, "door %q is already defined at portal.doors[%d]", d.ID, j)
		} else {
			seen[d.ID] = i
		}
	}
	rp := joinPath(path, "read_point")
	switch {
	case k.unset(rp, d.ReadPoint == "") && l != nil && l.GLN != "":
		d.ReadPoint = ReadPointPrefix + l.GLN
	case k.unset(rp, d.ReadPoint == ""):
		d.ReadPoint = d.ID
	case d.ReadPoint == "":
		k.errorf(rp, "want an EPCIS read point URI, got an empty string (omit the key for the door's GLN or id)")
	}
}

func knownKind(kind string) bool {
	return slices.Contains([]string{KindColdRoom, KindTruck, KindDockDoor, KindAmbient}, kind)
}

// doorInside checks the optional location behind a door.
func (k *checker) doorInside(d *Door, path string) {
	if d.Inside == "" {
		return
	}
	rooms := k.c.locationsWhere(func(l *Location) bool { return l.Kind != KindDockDoor })
	want := "want the id of the location pallets enter through the door, not a dock_door (every location is one)"
	if len(rooms) > 0 {
		want = "want the id of the location pallets enter through the door, not a dock_door (" + idList(rooms) + ")"
	}
	switch l := k.c.location(d.Inside); {
	case l == nil && !k.c.undecoded("locations"):
		k.errorf(joinPath(path, "inside"), "no location %q: %s", d.Inside, want)
	case l != nil && l.Kind == KindDockDoor:
		k.errorf(joinPath(path, "inside"), "location %q is a dock_door: %s", d.Inside, want)
	}
}

// doorTiming checks the RSSI floor and fills in and checks dedupe and pass_timeout.
func (k *checker) doorTiming(d *Door, path string) {
	if v := d.RSSIFloor; math.IsNaN(v) || v < -128 || v > 0 {
		k.errorf(joinPath(path, "rssi_floor"), "want dBm from -128 to 0 (0: no floor), got %v", v)
	}
	dp, tp := joinPath(path, "dedupe"), joinPath(path, "pass_timeout")
	if k.unset(dp, d.Dedupe.Duration == 0) {
		d.Dedupe.Duration = DefaultDedupe
	}
	if k.unset(tp, d.PassTimeout.Duration == 0) {
		d.PassTimeout.Duration = DefaultPassTimeout
	}
	dedupe, timeout := d.Dedupe.Duration, d.PassTimeout.Duration
	if dedupe <= 0 {
		k.errorf(dp, "want a duration above 0, got %v", dedupe)
	}
	if timeout <= 0 {
		k.errorf(tp, "want a duration above 0, got %v", timeout)
	}
	switch {
	case dedupe <= 0 || timeout <= 0 || dedupe < timeout:
	case k.c.given(tp) || !k.c.given(dp):
		k.errorf(tp, "want more than dedupe (%v), got %v", dedupe, timeout)
	default:
		k.errorf(dp, "want less than pass_timeout (%v), got %v", timeout, dedupe)
	}
}

// doorAntennas checks a door's antennas, recording in mapped where each is mapped: an
// antenna of a reader watches one side of one door.
func (k *checker) doorAntennas(d *Door, path string, mapped map[antennaKey]antennaRef) {
	p := joinPath(path, "antennas")
	sides := map[string]bool{}
	for j, a := range d.Antennas {
		ap := indexPath(p, j)
		k.antennaReader(a, ap)
		if a.Antenna == 0 {
			k.errorf(joinPath(ap, "antenna"), "want an LLRP antenna id from 1 to 65535, got 0")
		}
		switch a.Zone {
		case ZoneOutside, ZoneInside:
			sides[a.Zone] = true
		case "":
			k.errorf(joinPath(ap, "zone"), "required: want outside or inside")
		default:
			k.errorf(joinPath(ap, "zone"), "want outside or inside, got %q", a.Zone)
		}
		if a.Reader == "" || a.Antenna == 0 {
			continue
		}
		key := antennaKey{a.Reader, a.Antenna}
		if prev, dup := mapped[key]; dup {
			k.errorf(ap, "antenna %d of reader %q is already mapped at %s (door %q)", a.Antenna, a.Reader, prev.path, prev.door)
			continue
		}
		mapped[key] = antennaRef{ap, d.ID}
	}
	if !sides[ZoneOutside] || !sides[ZoneInside] {
		k.errorf(p, "want at least one antenna with zone outside and one with zone inside, got %s", sideList(sides))
	}
}

// antennaReader checks the reader a door antenna names.
func (k *checker) antennaReader(a DoorAntenna, path string) {
	p := joinPath(path, "reader")
	switch {
	case a.Reader == "":
		k.errorf(p, "required: want the id of a reader (%s)", oneOf(k.c.readerIDs(), "none are defined in readers"))
	case k.c.Reader(a.Reader) == nil && !k.c.undecoded("readers"):
		k.errorf(p, "no reader %q (%s)", a.Reader, oneOf(k.c.readerIDs(), "none are defined in readers"))
	}
}

func sideList(sides map[string]bool) string {
	switch {
	case sides[ZoneOutside]:
		return "outside antennas only"
	case sides[ZoneInside]:
		return "inside antennas only"
	}
	return "none"
}

// durationDefault fills in a duration's default and checks its bounds.
func (k *checker) durationDefault(path string, d *Duration, def, lo, hi time.Duration) {
	if k.unset(path, d.Duration == 0) {
		d.Duration = def
	}
	if d.Duration < lo || d.Duration > hi {
		k.errorf(path, "want a duration from %s to %s, got %v", shortDuration(lo), shortDuration(hi), d.Duration)
	}
}

// shortDuration writes 1h rather than 1h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// epcs checks a lot's tags: each an EPC or a pattern gs1.ParseEPCPattern reads.
func (k *checker) epcs(list []string, path string) {
	for i, s := range list {
		if _, err := gs1.ParseEPCPattern(s); err != nil {
			k.errorf(indexPath(path, i), "%w", epcError(err))
		}
	}
}

// epcError adds what was wanted to a gs1 error that does not say it.
func epcError(err error) error {
	if errors.Is(err, gs1.ErrSyntax) || errors.Is(err, gs1.ErrNotEPC) {
		return fmt.Errorf("%w (want an EPC URI urn:epc:id:… or urn:epc:tag:…, 24 or 52 hex digits, "+
			"or a pattern like urn:epc:idpat:sgtin:0614141.812345.[1-24])", err)
	}
	return err
}

// location returns the location with an id, or nil.
func (c *Config) location(id string) *Location {
	for i := range c.Locations {
		if c.Locations[i].ID == id {
			return &c.Locations[i]
		}
	}
	return nil
}

// locationsWhere lists the ids of the locations f accepts, once each, for messages.
func (c *Config) locationsWhere(f func(*Location) bool) []string {
	var ids []string
	for i := range c.Locations {
		if l := &c.Locations[i]; l.ID != "" && f(l) && !slices.Contains(ids, l.ID) {
			ids = append(ids, l.ID)
		}
	}
	return ids
}

// oneOf says which values are wanted, or none when there are none.
func oneOf(ids []string, none string) string {
	if len(ids) == 0 {
		return none
	}
	return "want " + idList(ids)
}

func idList(ids []string) string { return "one of " + strings.Join(ids, ", ") }

func joinInts(vs []uint16) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, ", ")
}

// undecoded reports whether a value at path, inside it or around it could not be
// decoded: looking an id up there would report problems that only echo that one.
func (c *Config) undecoded(path string) bool {
	for _, p := range c.bad {
		if under(p, path) || under(path, p) {
			return true
		}
	}
	return false
}
