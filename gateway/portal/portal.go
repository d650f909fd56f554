package portal

import (
	"encoding/hex"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/gateway/wire"
)

// Stats counts what a Portal did with its reads; all counters only grow.
type Stats struct {
	Reads      uint64 // reads given to Read
	Unmapped   uint64 // reads from a reader antenna no door maps (ignored)
	BelowFloor uint64 // reads weaker than the door's RSSI floor (ignored as cross-reads)
	NoEPC      uint64 // reads without an EPC (ignored)
	Passes     uint64 // passes ended (one per tag per pass)
	Moves      uint64 // passes with a direction ("in" or "out")
	Seen       uint64 // passes without a direction
	Suppressed uint64 // door passes dropped because another door read the tag stronger
	Unassigned uint64 // passes of tags with no known lot
	Events     uint64 // events emitted
	Overflow   uint64 // reads of new tags ignored because MaxActive tags had open passes
}

// Output is what a Flush produced. The caller owns the slices.
type Output struct {
	Movements []Movement   // passes ended, ordered by Last then EPC
	Events    []wire.Event // groups sealed, ready for the events stream
}

// doorState is one configured door at run time.
type doorState struct {
	cfg     Door
	dedupe  int64 // ns
	timeout int64 // ns
	groups  [3]*group
}

// Portal turns the tag reads of one door, or of a group of neighbouring doors whose
// antennas read each other's tags, into one Movement per tag per pass and grouped
// receiving / shipping / portal_seen events.
//
// A Portal does no I/O and reads no clock: time comes from the reads and from the now
// given to Flush. It is not safe for concurrent use: give each Portal to one goroutine
// (one per door, or one per group of neighbouring doors); Portals share nothing.
type Portal struct {
	doors     []doorState
	ants      map[antKey]antRef
	tags      map[[epc96]byte]*tag
	long      map[string]*tag
	free      []*tag
	topN      int
	maxActive int
	window    int64
	lots      Lots
	format    func([]byte) string
	nextCheck int64 // no pass ends before this (Unix ns)
	stats     Stats
	moves     []Movement
	events    []wire.Event
}

// New validates cfg and returns a Portal for its doors.
func New(cfg Config) (*Portal, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := &Portal{
		ants:      make(map[antKey]antRef),
		tags:      make(map[[epc96]byte]*tag),
		long:      make(map[string]*tag),
		topN:      max(cfg.TopN, 1),
		maxActive: cfg.MaxActive,
		window:    int64(cfg.GroupWindow),
		lots:      cfg.Lots,
		format:    cfg.FormatEPC,
		nextCheck: math.MaxInt64,
	}
	if p.window == 0 {
		p.window = int64(DefaultGroupWindow)
	}
	if p.maxActive == 0 {
		p.maxActive = DefaultMaxActive
	}
	if p.format == nil {
		p.format = hexEPC
	}
	for i, d := range cfg.Doors {
		d = d.withDefaults()
		d.Readers = slices.Clone(d.Readers)
		p.doors = append(p.doors, doorState{cfg: d, dedupe: int64(d.Dedupe), timeout: int64(d.PassTimeout)})
		for _, r := range d.Readers {
			z := int8(zOut)
			if r.Zone == Inside {
				z = zIn
			}
			p.ants[antKey{r.Reader, r.Antenna}] = antRef{door: int32(i), zone: z}
		}
	}
	return p, nil
}

func hexEPC(epc []byte) string { return strings.ToUpper(hex.EncodeToString(epc)) }

// Read takes one tag read. Reads from unmapped antennas, below the door's RSSI floor or
// without an EPC are counted and ignored. A read of a tag whose pass has already ended
// (quiet for the pass timeout as of this read's time) ends that pass first; its
// movement comes out of the next Flush. Read does not allocate in the steady state.
func (p *Portal) Read(r *drivers.TagRead) {
	p.stats.Reads++
	ref, ok := p.ants[antKey{r.Reader, r.Antenna}]
	if !ok {
		p.stats.Unmapped++
		return
	}
	d := &p.doors[ref.door]
	if d.cfg.RSSIFloor != 0 && r.RSSI < d.cfg.RSSIFloor {
		p.stats.BelowFloor++
		return
	}
	if len(r.EPC) == 0 {
		p.stats.NoEPC++
		return
	}
	t := r.Time.UnixNano()
	tg := p.lookup(r.EPC)
	if tg != nil && t >= tg.deadline(p.doors) {
		p.end(tg)
		tg = nil
	}
	if tg == nil {
		if p.Active() >= p.maxActive {
			p.sweep(t)
			if p.Active() >= p.maxActive {
				p.stats.Overflow++
				return
			}
		}
		tg = p.insert(r.EPC)
	}
	count := max(int(r.Count), 1)
	tg.pass(ref.door).observe(ref.zone, t, r.RSSI, count, d.dedupe, p.topN)
	if dl := t + d.timeout; dl < p.nextCheck {
		p.nextCheck = dl
	}
}

func (p *Portal) lookup(epc []byte) *tag {
	if len(epc) == epc96 {
		return p.tags[[epc96]byte(epc)]
	}
	return p.long[string(epc)]
}

func (p *Portal) insert(epc []byte) *tag {
	var tg *tag
	if n := len(p.free); n > 0 {
		tg = p.free[n-1]
		p.free = p.free[:n-1]
	} else {
		tg = &tag{}
	}
	tg.epc = append(tg.epc[:0], epc...)
	tg.passes = tg.passes[:0]
	tg.long = len(epc) != epc96
	if tg.long {
		p.long[string(tg.epc)] = tg
	} else {
		tg.key = [epc96]byte(epc)
		p.tags[tg.key] = tg
	}
	return tg
}

// end closes the tag's pass: the strongest door gets the movement, the others are
// suppressed; the tag's state goes back to the free list.
func (p *Portal) end(tg *tag) {
	if tg.long {
		delete(p.long, string(tg.epc))
	} else {
		delete(p.tags, tg.key)
	}
	w := tg.winner()
	p.stats.Suppressed += uint64(len(tg.passes) - 1)
	p.movement(tg.epc, &tg.passes[w])
	p.free = append(p.free, tg)
}

// Flush ends the passes of tags quiet for their door's pass timeout as of now, seals
// the event groups that can no longer grow, and returns what ended since the last
// Flush. Call it regularly (e.g. every 100 ms to 1 s) with the gateway's clock.
func (p *Portal) Flush(now time.Time) Output {
	n := now.UnixNano()
	if n >= p.nextCheck {
		p.sweep(n)
	}
	for i := range p.doors {
		d := &p.doors[i]
		for gi, g := range d.groups {
			if g != nil && n >= g.start+p.window+d.timeout {
				p.seal(d, gi)
			}
		}
	}
	return p.output()
}

// Drain ends every open pass and seals every group, as at shutdown.
func (p *Portal) Drain() Output {
	p.sweep(math.MaxInt64)
	for i := range p.doors {
		for gi := range p.doors[i].groups {
			p.seal(&p.doors[i], gi)
		}
	}
	return p.output()
}

// sweep ends every pass whose deadline is at or before n.
func (p *Portal) sweep(n int64) {
	next := int64(math.MaxInt64)
	for _, tg := range p.tags {
		if dl := tg.deadline(p.doors); dl <= n {
			p.end(tg)
		} else {
			next = min(next, dl)
		}
	}
	for _, tg := range p.long {
		if dl := tg.deadline(p.doors); dl <= n {
			p.end(tg)
		} else {
			next = min(next, dl)
		}
	}
	p.nextCheck = next
}

func (p *Portal) output() Output {
	slices.SortFunc(p.moves, func(a, b Movement) int {
		if c := a.Last.Compare(b.Last); c != 0 {
			return c
		}
		return strings.Compare(a.EPC, b.EPC)
	})
	out := Output{Movements: p.moves, Events: p.events}
	p.moves, p.events = nil, nil
	return out
}

// Active returns the number of tags with an open pass.
func (p *Portal) Active() int { return len(p.tags) + len(p.long) }

// Stats returns the counters so far.
func (p *Portal) Stats() Stats { return p.stats }
