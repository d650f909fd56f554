package fleetsim

import (
	"sync"

	"github.com/lotsense/lotsense/gateway/outbox"
)

// memOutbox is the in-memory stand-in for a gateway's Badger outbox: it numbers the
// records of each stream from 1 and keeps them until the publisher acks them, so a
// reconnect sends everything unacknowledged again. It satisfies publish.Source. A
// process that dies loses what it holds: fine for a simulator, which says so (its
// expectation counts only what was acknowledged).
type memOutbox struct {
	mu      sync.Mutex
	streams [4]memStream // indexed by outbox.Stream
	subs    map[chan struct{}]struct{}
}

type memStream struct {
	recs  [][]byte // records acked+1 … next-1
	acked uint64
	next  uint64 // sequence number of the next record appended
}

func newMemOutbox() *memOutbox {
	o := &memOutbox{subs: map[chan struct{}]struct{}{}}
	for i := range o.streams {
		o.streams[i].next = 1
	}
	return o
}

// Append numbers recs as the next records of s; it keeps the slices (callers must not
// change them) and wakes the publisher.
func (o *memOutbox) Append(s outbox.Stream, recs [][]byte) {
	if len(recs) == 0 {
		return
	}
	o.mu.Lock()
	st := &o.streams[s]
	st.recs = append(st.recs, recs...)
	st.next += uint64(len(recs))
	for c := range o.subs {
		select {
		case c <- struct{}{}:
		default:
		}
	}
	o.mu.Unlock()
}

// Read returns up to max records of s from from on (just after the ack cursor when
// from is at or below it), at most maxBytes of data but at least one record.
func (o *memOutbox) Read(s outbox.Stream, from uint64, max, maxBytes int) ([]outbox.Record, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	st := &o.streams[s]
	if from <= st.acked {
		from = st.acked + 1
	}
	var out []outbox.Record
	size := 0
	for seq := from; seq < st.next && len(out) < max; seq++ {
		d := st.recs[seq-st.acked-1]
		if len(out) > 0 && maxBytes > 0 && size+len(d) > maxBytes {
			break
		}
		size += len(d)
		out = append(out, outbox.Record{Seq: seq, Data: d})
	}
	return out, nil
}

// Ack drops the records of s up to upTo.
func (o *memOutbox) Ack(s outbox.Stream, upTo uint64) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	st := &o.streams[s]
	if upTo <= st.acked {
		return nil
	}
	n := min(upTo, st.next-1) - st.acked
	clear(st.recs[:n]) // let the garbage collector have them
	st.recs = st.recs[n:]
	st.acked += n
	return nil
}

// Acked returns the highest sequence number of s acknowledged.
func (o *memOutbox) Acked(s outbox.Stream) uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.streams[s].acked
}

// Next returns the sequence number the next record of s will get.
func (o *memOutbox) Next(s outbox.Stream) uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.streams[s].next
}

// Pending counts the records of every stream not yet acknowledged.
func (o *memOutbox) Pending() uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	var n uint64
	for _, st := range o.streams {
		n += uint64(len(st.recs))
	}
	return n
}

// Subscribe returns a channel that receives a value after records are appended.
func (o *memOutbox) Subscribe() (<-chan struct{}, func()) {
	c := make(chan struct{}, 1)
	o.mu.Lock()
	o.subs[c] = struct{}{}
	o.mu.Unlock()
	return c, func() {
		o.mu.Lock()
		delete(o.subs, c)
		o.mu.Unlock()
	}
}
