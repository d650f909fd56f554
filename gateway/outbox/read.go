package outbox

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"

	"github.com/dgraph-io/badger/v4"
)

// cachedSeg is a decoded segment: Read serves consecutive calls from it, since a
// segment holds more records than one read usually asks for.
type cachedSeg struct {
	first uint64
	gen   uint32
	data  []byte
	offs  []uint32 // start of each record's length prefix
}

// readState is what one Read has gathered.
type readState struct {
	out           []Record
	bytes         int
	max, maxBytes int
}

// Read returns up to max records of s in sequence order, starting at from (or just
// after the ack cursor when from is at or below it), and at most maxBytes of data
// (but always at least one record when one exists; maxBytes <= 0 means no limit).
// The records returned have contiguous sequence numbers: records removed by
// thinning are skipped at the start and end the run elsewhere, so the next Read
// from just after the last record returned continues past the gap. It returns no
// records when none is stored at from yet.
func (o *Outbox) Read(s Stream, from uint64, max, maxBytes int) ([]Record, error) {
	if max <= 0 {
		return nil, nil
	}
	rs := &readState{max: max, maxBytes: maxBytes}
	for retries := 0; len(rs.out) < max && retries < 64; {
		seg, cached, ok := o.findSegment(s, &from)
		if !ok {
			break
		}
		if cached.data == nil {
			var err error
			if cached, err = o.loadSegment(s, seg); errors.Is(err, badger.ErrKeyNotFound) {
				break // acked and deleted meanwhile
			} else if err != nil {
				return rs.out, err
			}
		}
		more, retry := o.take(s, seg, cached, from, rs)
		if retry {
			retries++
			continue // rewritten meanwhile: read it again
		}
		if !more {
			break
		}
		from = seg.last() + 1
	}
	return rs.out, nil
}

// take adds the records of seg from from on to rs, if seg is still what was loaded:
// retry when a thinning pass rewrote it meanwhile. more is false when rs is complete.
// It notes the records returned, which thinning must leave alone from now on.
func (o *Outbox) take(s Stream, seg segment, c cachedSeg, from uint64, rs *readState) (more, retry bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	st := o.stream(s)
	i, ok := segIndex(st, seg.first)
	if !ok || st.segs[i].busy {
		return false, false
	}
	if st.segs[i].gen != seg.gen {
		return false, true
	}
	c.gen = seg.gen
	st.cache = c
	for i := from - seg.first; i < uint64(seg.n) && len(rs.out) < rs.max; i++ {
		d := c.record(int(i))
		if len(d) == 0 {
			if len(rs.out) > 0 {
				return false, false // a gap ends the run
			}
			continue
		}
		if rs.maxBytes > 0 && len(rs.out) > 0 && rs.bytes+len(d) > rs.maxBytes {
			return false, false
		}
		rs.bytes += len(d)
		rs.out = append(rs.out, Record{Seq: seg.first + i, Data: d})
		st.readMark = max(st.readMark, seg.first+i)
	}
	return len(rs.out) < rs.max, false
}

// findSegment moves *fromp past the ack cursor and returns the segment of s holding
// it and, when it is the cached one, its decoded form. A segment being thinned is
// not returned.
func (o *Outbox) findSegment(s Stream, fromp *uint64) (segment, cachedSeg, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	st := o.stream(s)
	if *fromp <= st.acked {
		*fromp = st.acked + 1
	}
	from := *fromp
	i := sort.Search(len(st.segs), func(i int) bool { return st.segs[i].last() >= from })
	if i == len(st.segs) || st.segs[i].first > from || st.segs[i].busy {
		return segment{}, cachedSeg{}, false
	}
	seg := st.segs[i]
	if st.cache.data != nil && st.cache.first == seg.first && st.cache.gen == seg.gen {
		return seg, st.cache, true
	}
	return seg, cachedSeg{}, true
}

// loadSegment reads and indexes one segment.
func (o *Outbox) loadSegment(s Stream, seg segment) (cachedSeg, error) {
	var data []byte
	err := o.db.View(func(txn *badger.Txn) error {
		it, err := txn.Get(segKey(s, seg.first, seg.n))
		if err != nil {
			return err
		}
		data, err = it.ValueCopy(nil)
		return err
	})
	if err != nil {
		return cachedSeg{}, fmt.Errorf("outbox: read stream %d segment at %d: %w", s, seg.first, err)
	}
	o.tameAfterRead(len(data))
	c := cachedSeg{first: seg.first, data: data, offs: make([]uint32, 0, seg.n)}
	for off := 0; off < len(data); {
		n, k := binary.Uvarint(data[off:])
		if k <= 0 || uint64(len(data)-off-k) < n {
			break
		}
		c.offs = append(c.offs, uint32(off))
		off += k + int(n)
	}
	if len(c.offs) != int(seg.n) {
		return cachedSeg{}, fmt.Errorf("outbox: read stream %d segment at %d: corrupt: %d records decoded, %d expected", s, seg.first, len(c.offs), seg.n)
	}
	return c, nil
}

// record returns the data of record i of the segment.
func (c *cachedSeg) record(i int) []byte {
	off := int(c.offs[i])
	n, k := binary.Uvarint(c.data[off:])
	return c.data[off+k : off+k+int(n) : off+k+int(n)]
}
