package influx

import (
	"time"

	"github.com/lotsense/lotsense/cloud/store"
)

// maxHoles bounds the gaps tracked per outbox; past it the oldest are given up.
const maxHoles = 256

// progress is how far the follower got in one gateway outbox. Readings of an outbox
// may be stored out of sequence order (QoS 1 redelivery, two replicas storing two
// batches of one gateway), so a reading read past a gap does not mean the gap stays
// empty: the gap is kept as a hole and read again each step until it fills, is
// declared thinned by the gateway, or is older than the grace period. The durable
// cursor is the sequence number below the first hole.
type progress struct {
	src   store.Outbox
	next  uint64 // the highest sequence number written
	holes []hole // ranges below next with nothing written, ascending
	saved uint64 // the cursor as last stored
}

// hole is a range of sequence numbers below progress.next not written yet.
type hole struct {
	first, last uint64
	since       time.Time // when it was first seen
}

// cursor is the sequence number up to which every reading was written or given up.
func (p *progress) cursor() uint64 {
	if len(p.holes) > 0 {
		return p.holes[0].first - 1
	}
	return p.next
}

// wrote records that the reading s, in a hole or above next, was written at now.
func (p *progress) wrote(s uint64, now time.Time) {
	if s <= p.next {
		p.fill(s)
		return
	}
	if s > p.next+1 {
		p.holes = append(p.holes, hole{p.next + 1, s - 1, now})
	}
	p.next = s
}

// fill removes s from the hole holding it.
func (p *progress) fill(s uint64) {
	for i := range p.holes {
		h := p.holes[i]
		if s < h.first || s > h.last {
			continue
		}
		switch {
		case h.first == h.last:
			p.holes = append(p.holes[:i], p.holes[i+1:]...)
		case s == h.first:
			p.holes[i].first++
		case s == h.last:
			p.holes[i].last--
		default:
			p.holes = append(p.holes[:i+1], p.holes[i:]...)
			p.holes[i].last, p.holes[i+1].first = s-1, s+1
		}
		return
	}
}

// declared removes the ranges the gateway declared it removed (ascending).
func (p *progress) declared(gaps []store.SeqRange) {
	var out []hole
	for _, h := range p.holes {
		for _, g := range gaps {
			if g.Last < h.first || g.First > h.last {
				continue
			}
			if g.First > h.first {
				out = append(out, hole{h.first, g.First - 1, h.since})
			}
			if g.Last >= h.last {
				h.first = h.last + 1
				break
			}
			h.first = g.Last + 1
		}
		if h.first <= h.last {
			out = append(out, h)
		}
	}
	p.holes = out
}

// expire gives up holes seen before cutoff and, past maxHoles, the lowest others; it
// returns the ranges given up.
func (p *progress) expire(cutoff time.Time) []store.SeqRange {
	var gone []store.SeqRange
	keep := p.holes[:0]
	for _, h := range p.holes {
		if h.since.Before(cutoff) {
			gone = append(gone, store.SeqRange{First: h.first, Last: h.last})
			continue
		}
		keep = append(keep, h)
	}
	for len(keep) > maxHoles {
		gone = append(gone, store.SeqRange{First: keep[0].first, Last: keep[0].last})
		keep = keep[1:]
	}
	p.holes = keep
	return gone
}
