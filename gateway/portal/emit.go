package portal

import (
	"slices"
	"strconv"
	"time"

	"github.com/lotsense/lotsense/gateway/wire"
)

// Directions of a Movement and of wire.Event.Direction.
const (
	DirIn  = "in"  // outside, then inside: arrival (receiving)
	DirOut = "out" // inside, then outside: departure (shipping)
)

// Event types (FSMA 204 critical tracking events, and a pass with no direction).
const (
	TypeReceiving = "receiving"
	TypeShipping  = "shipping"
	TypeSeen      = "portal_seen"
)

// Attribute keys of the events.
const (
	AttrReadPoint  = "read_point"
	AttrTags       = "tags"
	AttrUnassigned = "unassigned"
)

// Movement is one tag's pass through one door.
type Movement struct {
	Door       string    // door (location) id
	EPC        string    // formatted by Config.FormatEPC (default upper-case hex)
	Direction  string    // DirIn, DirOut, or "" (one zone only, or turned back)
	Lots       []string  // lots the tag stands for; empty when Unassigned
	Unassigned bool      // no known lot for the tag
	First      time.Time // earliest read of the pass at this door
	Last       time.Time // latest read of the pass at this door
	Reads      int       // raw reads (TagSeenCount summed) at this door
	Sightings  int       // reads after deduplication
	PeakRSSI   float64   // strongest read, dBm
}

// group collects the movements of one door and direction that end close together.
type group struct {
	dir        string
	start      int64 // Last of the first movement (Unix ns): the window's anchor
	end        int64 // latest Last
	epcs       []string
	lots       []string
	lotSet     map[string]struct{}
	unassigned []string
}

func dirIndex(dir string) int {
	switch dir {
	case DirIn:
		return 0
	case DirOut:
		return 1
	}
	return 2
}

// movement records the winning door's pass of a tag and adds it to its group.
func (p *Portal) movement(epc []byte, dp *doorPass) {
	d := &p.doors[dp.door]
	m := Movement{
		Door:      d.cfg.ID,
		EPC:       p.format(epc),
		Direction: dp.direction(),
		First:     time.Unix(0, dp.first).UTC(),
		Last:      time.Unix(0, dp.last).UTC(),
		Reads:     dp.reads,
		Sightings: dp.sightings,
		PeakRSSI:  dp.top[0],
	}
	if p.lots != nil {
		lots, known := p.lots.LotsOf(epc)
		m.Lots, m.Unassigned = slices.Clone(lots), !known || len(lots) == 0
	} else {
		m.Unassigned = true
	}
	p.stats.Passes++
	if m.Direction == "" {
		p.stats.Seen++
	} else {
		p.stats.Moves++
	}
	if m.Unassigned {
		p.stats.Unassigned++
		m.Lots = nil
	}
	p.moves = append(p.moves, m)
	p.addToGroup(d, &m, dp.last)
}

// addToGroup puts m into the open group of its door and direction, sealing that group
// first when m ended outside its window.
func (p *Portal) addToGroup(d *doorState, m *Movement, last int64) {
	gi := dirIndex(m.Direction)
	g := d.groups[gi]
	if g != nil && (last-g.start > p.window || g.start-last > p.window) {
		p.seal(d, gi)
		g = nil
	}
	if g == nil {
		g = &group{dir: m.Direction, start: last, end: last, lotSet: make(map[string]struct{})}
		d.groups[gi] = g
	}
	g.end = max(g.end, last)
	if m.Unassigned {
		g.unassigned = append(g.unassigned, m.EPC)
		return
	}
	g.epcs = append(g.epcs, m.EPC)
	for _, l := range m.Lots {
		if _, ok := g.lotSet[l]; !ok {
			g.lotSet[l] = struct{}{}
			g.lots = append(g.lots, l)
		}
	}
}

// seal turns the door's group gi, if any, into events: one for the tags with known
// lots (Attrs tags = their count, unassigned = the count of the group's unassigned
// tags) and one for the unassigned tags (Lots empty, Attrs unassigned = "true").
func (p *Portal) seal(d *doorState, gi int) {
	g := d.groups[gi]
	if g == nil {
		return
	}
	d.groups[gi] = nil
	typ := TypeSeen
	switch g.dir {
	case DirIn:
		typ = TypeReceiving
	case DirOut:
		typ = TypeShipping
	}
	base := wire.Event{Time: time.Unix(0, g.end).UTC(), Type: typ, Location: d.cfg.ID, Direction: g.dir}
	if len(g.epcs) > 0 {
		e := base
		slices.Sort(g.epcs)
		slices.Sort(g.lots)
		e.EPCs, e.Lots = g.epcs, g.lots
		e.Attrs = map[string]string{
			AttrReadPoint:  d.cfg.ReadPoint,
			AttrTags:       strconv.Itoa(len(g.epcs)),
			AttrUnassigned: strconv.Itoa(len(g.unassigned)),
		}
		p.events = append(p.events, e)
		p.stats.Events++
	}
	if len(g.unassigned) > 0 {
		e := base
		slices.Sort(g.unassigned)
		e.EPCs = g.unassigned
		e.Attrs = map[string]string{
			AttrReadPoint:  d.cfg.ReadPoint,
			AttrTags:       strconv.Itoa(len(g.unassigned)),
			AttrUnassigned: "true",
		}
		p.events = append(p.events, e)
		p.stats.Events++
	}
}
