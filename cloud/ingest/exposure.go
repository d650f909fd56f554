package ingest

import (
	"cmp"
	"slices"
	"time"

	"github.com/lotsense/lotsense/gateway/wire"
	"github.com/lotsense/lotsense/rules"
)

// point is one stored reading of a lot, as its engine's feed sees it.
type point struct {
	t      int64 // Unix nanoseconds, whole microseconds (what the store keeps)
	q      wire.Quantity
	good   bool
	v      float64
	sensor string // "<site>/<gateway>/<sensor>"
	src    int64  // the stored reading: source id and seq
	seq    uint64
}

func unixMicroNano(t time.Time) int64 { return t.UnixMicro() * 1000 }

func comparePoints(a, b point) int { return cmp.Compare(a.t, b.t) }

// track is what the exposure of a lot keeps of one sensor's readings of one quantity.
type track struct {
	last, prev int64 // times of the latest reading (any quality) and the one before it
	good       int64 // time of the latest good reading; 0: none
	hi, lo     float64
	fresh      int64 // how long after good its value counts
}

type trackKey struct {
	q      wire.Quantity
	sensor string
}

// exposure derives a lot's worst-case series from the readings of every sensor
// measuring it (README.md, "A lot's exposure"): at each instant a measured quantity
// was read, the highest (and the lowest) of each sensor's latest good value that is
// still fresh — at most min(stale, 3 × that sensor's interval) old. Readings must be
// observed in time order.
type exposure struct {
	stale  int64
	tracks map[trackKey]*track
}

func newExposure(stale time.Duration) *exposure {
	return &exposure{stale: int64(stale), tracks: map[trackKey]*track{}}
}

// window is how far back readings must be observed for the exposure at a time to be
// known: a fresh value is at most stale old, and the reading before it, which sets
// its interval, matters only when less than stale/3 before it.
func (x *exposure) window() int64 { return x.stale + x.stale/3 }

// observe takes one reading of a measured quantity.
func (x *exposure) observe(p *point) {
	k := trackKey{p.q, p.sensor}
	tr := x.tracks[k]
	if tr == nil {
		tr = &track{}
		x.tracks[k] = tr
	}
	if p.t > tr.last {
		tr.prev, tr.last = tr.last, p.t
	}
	if !p.good {
		return
	}
	if p.t == tr.good { // two good readings of one sensor at one instant: keep both ends
		tr.hi, tr.lo = max(tr.hi, p.v), min(tr.lo, p.v)
		return
	}
	tr.good, tr.hi, tr.lo = p.t, p.v, p.v
	tr.fresh = x.stale
	if tr.prev != 0 && tr.last == p.t {
		tr.fresh = min(x.stale, 3*(p.t-tr.prev))
	}
}

// at returns the warmest and coldest fresh value of q at time t; ok is false when no
// sensor has one.
func (x *exposure) at(q wire.Quantity, t int64) (hi, lo float64, ok bool) {
	for k, tr := range x.tracks {
		if k.q != q || tr.good == 0 || t-tr.good > tr.fresh {
			continue
		}
		if !ok {
			hi, lo, ok = tr.hi, tr.lo, true
			continue
		}
		hi, lo = max(hi, tr.hi), min(lo, tr.lo)
	}
	return hi, lo, ok
}

// forget drops the tracks that can no longer count at or after time t.
func (x *exposure) forget(t int64) {
	for k, tr := range x.tracks {
		if tr.last < t-x.window() {
			delete(x.tracks, k)
		}
	}
}

// derive turns readings sorted by time into engine readings: for each instant, the
// readings of state quantities as read, and for each measured quantity read at that
// instant its warmest case (and coldest case) of the moment. Only instants in [from,
// to] are emitted; earlier readings are observed. skip leaves readings out.
func (x *exposure) derive(pl *plan, pts []point, from, to int64, skip func(*point) bool, out []rules.Reading) []rules.Reading {
	var qs []wire.Quantity
	for i := 0; i < len(pts); {
		t := pts[i].t
		j := i
		qs = qs[:0]
		for ; j < len(pts) && pts[j].t == t; j++ {
			p := &pts[j]
			if skip != nil && skip(p) {
				continue
			}
			switch {
			case pl.measured(p.q):
				x.observe(p)
				if !slices.Contains(qs, p.q) {
					qs = append(qs, p.q)
				}
			case pl.states[p.q] && t >= from && t <= to:
				out = append(out, rules.Reading{Time: time.Unix(0, t), Quantity: rules.Quantity(p.q.String()), Value: p.v, Good: p.good})
			}
		}
		if t >= from && t <= to {
			slices.Sort(qs)
			for _, q := range qs {
				out = x.emit(pl, q, t, out)
			}
		}
		i = j
	}
	return out
}

// emit appends the worst cases of q at time t.
func (x *exposure) emit(pl *plan, q wire.Quantity, t int64, out []rules.Reading) []rules.Reading {
	hi, lo, ok := x.at(q, t)
	at := time.Unix(0, t)
	name := rules.Quantity(q.String())
	if pl.max[q] {
		out = append(out, rules.Reading{Time: at, Quantity: name, Value: hi, Good: ok})
	}
	if pl.min[q] {
		out = append(out, rules.Reading{Time: at, Quantity: name + minSuffix, Value: lo, Good: ok})
	}
	return out
}
