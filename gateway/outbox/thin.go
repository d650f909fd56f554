package outbox

import (
	"encoding/binary"
	"sort"

	"github.com/dgraph-io/badger/v4"
)

// rewrite is one readings segment as a thinning pass rewrote it. Its key (first
// and n) does not change: removed records become tombstones (empty records).
type rewrite struct {
	first   uint64
	n       uint32
	val     []byte // the new value; nil when nothing was removed (only marked thin)
	delta   int64  // change of the segment's size, <= 0
	removed int
	ranges  []SeqRange // sequence numbers removed, ascending
	sources []string   // what the removed records belonged to
	skip    bool       // acked meanwhile: not written
}

// thinIfNeeded runs a thinning pass when batch would take readings past their share
// (or everything past MaxBytes) under the Thin policy. It runs in the writer before
// the commit is planned, reading segments outside o.mu: only the writer deletes or
// rewrites segments, and the segments it picks are marked busy (Read stops before
// them) until the commit is applied.
func (o *Outbox) thinIfNeeded(batch []*request) []*rewrite {
	if o.opts.Budget.Policy != Thin {
		return nil
	}
	need, cands := o.thinCandidates(batch)
	var rws []*rewrite
	var freed int64
	ranges, i := 0, 0
	for ; i < len(cands) && freed < need && ranges < maxThinRanges; i++ {
		rw, err := o.thinSegment(cands[i])
		if err != nil {
			o.log.Error("outbox: thinning stopped", "err", err)
			break
		}
		rws = append(rws, rw)
		freed -= rw.delta
		ranges += len(rw.ranges)
	}
	o.mu.Lock()
	o.unbusy(cands[i:])
	o.mu.Unlock()
	return rws
}

// thinCandidates returns the bytes a pass should free and the segments it may
// rewrite, oldest first, marked busy: never read (so not in flight), not acked,
// not thinned before.
func (o *Outbox) thinCandidates(batch []*request) (int64, []segment) {
	var rd, all int64
	for _, r := range batch {
		all += r.size
		if r.stream == Readings {
			rd += r.size
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	st := o.stream(Readings)
	excess := o.pendingBytes + all - o.opts.MaxBytes
	if st.bytes+rd <= o.readingsLimit() && excess <= 0 {
		return 0, nil
	}
	need := max(st.bytes+rd-o.lowWater(), excess)
	floor := max(st.acked, st.readMark)
	var cands []segment
	for i := range st.segs {
		sg := &st.segs[i]
		if sg.first > floor && !sg.thin && !sg.busy {
			sg.busy = true
			cands = append(cands, *sg)
		}
	}
	return need, cands
}

// thinSegment asks the Thinner about every record of seg and builds its new value.
func (o *Outbox) thinSegment(seg segment) (*rewrite, error) {
	c, err := o.loadSegment(Readings, seg)
	if err != nil {
		return nil, err
	}
	rw := &rewrite{first: seg.first, n: seg.n}
	val := make([]byte, 0, len(c.data))
	seen := map[string]bool{}
	for i := range int(seg.n) {
		d := c.record(i)
		if len(d) == 0 {
			val = append(val, 0)
			continue
		}
		if keep, src := o.opts.Budget.Thinner.Keep(d); keep {
			val = binary.AppendUvarint(val, uint64(len(d)))
			val = append(val, d...)
			continue
		} else if !seen[src] {
			seen[src] = true
			rw.sources = append(rw.sources, src)
		}
		val = append(val, 0)
		seq := seg.first + uint64(i)
		rw.removed++
		if n := len(rw.ranges); n > 0 && rw.ranges[n-1].Last+1 == seq {
			rw.ranges[n-1].Last = seq
		} else {
			rw.ranges = append(rw.ranges, SeqRange{seq, seq})
		}
	}
	if rw.removed > 0 {
		rw.val, rw.delta = val, int64(len(val))-int64(len(c.data))
	}
	return rw, nil
}

// segIndex returns the index of the segment of st starting at first; o.mu held.
func segIndex(st *stream, first uint64) (int, bool) {
	i := sort.Search(len(st.segs), func(i int) bool { return st.segs[i].first >= first })
	return i, i < len(st.segs) && st.segs[i].first == first
}

// applyRewrites makes committed rewrites the segments' state; o.mu held.
func (o *Outbox) applyRewrites(st *stream, rws []*rewrite) {
	for _, rw := range rws {
		i, ok := segIndex(st, rw.first)
		if !ok {
			continue
		}
		sg := &st.segs[i]
		if rw.val != nil {
			sg.size += rw.delta
			sg.gen++
		}
		sg.thin = true
	}
}

// unbusy ends the busy mark of segments a pass picked; o.mu held.
func (o *Outbox) unbusy(segs []segment) {
	st := o.stream(Readings)
	for _, s := range segs {
		if i, ok := segIndex(st, s.first); ok {
			st.segs[i].busy = false
		}
	}
}

func (o *Outbox) unbusyRewrites(rws []*rewrite) {
	if len(rws) == 0 {
		return
	}
	segs := make([]segment, len(rws))
	for i, rw := range rws {
		segs[i] = segment{first: rw.first}
	}
	o.mu.Lock()
	o.unbusy(segs)
	o.mu.Unlock()
}

// writeBudget puts the rewrites and the thinning cursor of p into txn.
func writeBudget(txn *badger.Txn, p *plan) error {
	for _, rw := range p.rewrites {
		if rw.val == nil {
			continue
		}
		if err := txn.Set(segKey(Readings, rw.first, rw.n), rw.val); err != nil {
			return err
		}
	}
	switch {
	case p.thinnedTo > 0:
		return txn.Set(metaKey(keyThinned, Readings), u64(p.thinnedTo))
	case p.clearThinned:
		return txn.Delete(metaKey(keyThinned, Readings))
	}
	return nil
}
