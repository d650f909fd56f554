package outbox

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
)

const (
	segmentTarget  = 64 << 10 // a segment is cut once it holds this many bytes
	commitTarget   = 1 << 20  // the writer stops gathering appends past this many bytes
	maxAckDeletes  = 2048     // segment deletions per commit; the rest go in the next
	maxGatherCount = 4096     // requests per commit
	ackFlushDelay  = 20 * time.Millisecond
)

// request is one Append waiting for the writer.
type request struct {
	stream Stream
	recs   [][]byte
	size   int64 // encoded bytes
	first  uint64
	force  bool // a budget alarm: not subject to the budget
	err    error
	done   chan struct{}
}

// Append stores records in stream s under contiguous sequence numbers and returns
// the first, once they are on disk (fsync'd). ctx bounds the wait for the writer to
// take the request; once taken, Append waits for the commit, which is short, so its
// outcome is always known. It returns ErrFull when the budget would be exceeded.
func (o *Outbox) Append(ctx context.Context, s Stream, records [][]byte) (uint64, error) {
	if s == 0 {
		return 0, fmt.Errorf("outbox: stream 0 is not a stream")
	}
	if len(records) == 0 {
		return 0, fmt.Errorf("outbox: append to stream %d: no records", s)
	}
	var size int64
	for i, r := range records {
		if len(r) == 0 {
			// An empty record is the tombstone thinning leaves (see Budget).
			return 0, fmt.Errorf("outbox: append to stream %d: record %d is empty", s, i)
		}
		size += recordSize(r)
	}
	if size > MaxAppendBytes {
		return 0, fmt.Errorf("outbox: append to stream %d: %d bytes, at most %d in one call", s, size, MaxAppendBytes)
	}
	r := &request{stream: s, recs: records, size: size, done: make(chan struct{})}
	o.closeMu.RLock()
	if o.closed {
		o.closeMu.RUnlock()
		return 0, ErrClosed
	}
	select {
	case o.reqs <- r:
	case <-ctx.Done():
		o.closeMu.RUnlock()
		return 0, fmt.Errorf("outbox: append to stream %d: %w", s, ctx.Err())
	}
	o.closeMu.RUnlock()
	<-r.done
	return r.first, r.err
}

// Ack records that every record of s up to upTo is delivered. upTo must be the end
// of the contiguous delivered prefix: the caller (the publisher) tracks out-of-order
// confirmations. Acking at or below the cursor does nothing. The cursor is stored and
// fully acked segments deleted by the writer's next commit, not before Ack returns:
// after a crash the last acks may be lost, and those records are sent again.
func (o *Outbox) Ack(s Stream, upTo uint64) error {
	o.mu.Lock()
	st := o.stream(s)
	if upTo >= st.next {
		o.mu.Unlock()
		return fmt.Errorf("outbox: ack stream %d up to %d: only %d records were appended", s, upTo, st.next-1)
	}
	if upTo <= st.acked {
		o.mu.Unlock()
		return nil
	}
	st.acked = upTo
	o.mu.Unlock()
	// Every commit stores the cursors; without appends, a commit is forced a little
	// later, so a burst of acks costs one fsync.
	if o.ackTimer.CompareAndSwap(false, true) {
		time.AfterFunc(ackFlushDelay, func() {
			o.ackTimer.Store(false)
			select {
			case o.ackKick <- struct{}{}:
			default:
			}
		})
	}
	o.reportPending()
	return nil
}

// writer is the single goroutine that commits to Badger.
func (o *Outbox) writer() {
	defer o.wg.Done()
	batch := make([]*request, 0, 64)
	l := newLingerer(o.opts.CommitLinger)
	for {
		batch = batch[:0]
		select {
		case r := <-o.reqs:
			batch = append(batch, r)
		case <-o.ackKick:
		case <-o.stop:
			for {
				batch = o.gather(batch[:0])
				if len(batch) == 0 {
					o.commit(nil) // the final acks
					return
				}
				o.commit(batch)
			}
		}
		batch = o.gather(o.linger(l, o.gather(batch)))
		if queued := o.commit(batch); len(batch) > 0 {
			l.note(len(batch) + queued)
		}
	}
}

// gather adds the requests already queued, up to the commit targets.
func (o *Outbox) gather(batch []*request) []*request {
	var size int64
	for _, r := range batch {
		size += r.size
	}
	for size < commitTarget && len(batch) < maxGatherCount {
		select {
		case r := <-o.reqs:
			batch = append(batch, r)
			size += r.size
		default:
			return batch
		}
	}
	return batch
}

// plan is what one commit changes, applied to memory once Badger has it.
type plan struct {
	next    map[Stream]uint64
	segs    map[Stream][]segment
	vals    map[Stream][][]byte
	acked   map[Stream]uint64
	deletes map[Stream]int // segments deleted from the front
	bytes   int64          // pending bytes added minus deleted
	sbytes  map[Stream]int64
	written int64 // record bytes written (appended or rewritten)
	records int
	more    bool // deletions left for a later commit

	rewrites     []*rewrite    // thinned readings segments
	thinnedTo    uint64        // new last thinned sequence number, or 0
	clearThinned bool          // the thinning alarm is cleared
	alarms       []BudgetAlarm // raised or cleared by this commit
	refused      int           // readings refused by the budget
	readingsIn   bool          // readings accepted
}

// commit stores the batch and any new ack cursors in one transaction, then answers
// every request. It returns the requests queued meanwhile, before answering (those
// answered may come back at once): how many Appends run concurrently, for linger.
func (o *Outbox) commit(batch []*request) (queued int) {
	rws := o.thinIfNeeded(batch)
	p := plan{next: map[Stream]uint64{}, segs: map[Stream][]segment{}, vals: map[Stream][][]byte{},
		acked: map[Stream]uint64{}, deletes: map[Stream]int{}, sbytes: map[Stream]int64{}}
	o.mu.Lock()
	batch = o.planBudget(&p, rws, batch)
	o.planAppends(&p, batch)
	o.planAcks(&p)
	o.mu.Unlock()
	var err error
	if len(p.next)+len(p.acked)+len(p.deletes)+len(p.rewrites) > 0 || p.clearThinned {
		start := time.Now()
		o.gcMu.Lock() // see compact.go
		err = o.db.Update(func(txn *badger.Txn) error { return o.write(txn, &p) })
		o.tameIfDue()
		o.gcMu.Unlock()
		observe(o.opts.Metrics.CommitSeconds, time.Since(start).Seconds())
		add(o.opts.Metrics.Commits, 1)
	}
	if err != nil {
		err = fmt.Errorf("outbox: commit: %w", err)
		o.log.Error("outbox: commit failed", "err", err)
	} else {
		o.apply(&p)
		o.logBudget(&p)
	}
	o.unbusyRewrites(rws)
	queued = len(o.reqs)
	for _, r := range batch {
		if r.err == nil && err != nil {
			r.err, r.first = err, 0
		}
		close(r.done)
	}
	if err == nil && p.records > 0 {
		add(o.opts.Metrics.Appended, float64(p.records))
		o.notify()
	}
	if err == nil {
		o.noteWritten(p.written)
	}
	o.reportPending()
	o.mu.Lock()
	kick := p.more || o.budgetKick()
	o.mu.Unlock()
	if len(p.rewrites) > 0 {
		select {
		case o.gcKick <- struct{}{}:
		default:
		}
	}
	if kick {
		select {
		case o.ackKick <- struct{}{}:
		default:
		}
	}
	return queued
}

// planAppends assigns sequence numbers and builds the segments; o.mu held.
func (o *Outbox) planAppends(p *plan, batch []*request) {
	var open = map[Stream][]byte{} // the segment being filled, per stream
	for _, r := range batch {
		if r.err = o.admit(p, r); r.err != nil {
			continue
		}
		next, ok := p.next[r.stream]
		if !ok {
			next = o.stream(r.stream).next
		}
		r.first = next
		for _, rec := range r.recs {
			segs := p.segs[r.stream]
			if len(segs) == 0 || len(open[r.stream]) >= segmentTarget {
				if len(segs) > 0 {
					p.vals[r.stream] = append(p.vals[r.stream], open[r.stream])
				}
				p.segs[r.stream] = append(segs, segment{first: next})
				open[r.stream] = make([]byte, 0, min(segmentTarget+1024, int(r.size)*2))
			}
			open[r.stream] = binary.AppendUvarint(open[r.stream], uint64(len(rec)))
			open[r.stream] = append(open[r.stream], rec...)
			p.segs[r.stream][len(p.segs[r.stream])-1].n++
			next++
		}
		p.next[r.stream] = next
		p.bytes += r.size
		p.written += r.size
		p.sbytes[r.stream] += r.size
		p.records += len(r.recs)
	}
	for s, v := range open {
		p.vals[s] = append(p.vals[s], v)
		for i := range p.segs[s] {
			p.segs[s][i].size = int64(len(p.vals[s][i]))
		}
	}
}

// planAcks adds new ack cursors and the segments they free; o.mu held.
func (o *Outbox) planAcks(p *plan) {
	budget := maxAckDeletes
	for s, st := range o.streams {
		if st.acked > st.ackedDurable {
			p.acked[s] = st.acked
		}
		n := 0
		for n < len(st.segs) && st.segs[n].last() <= st.acked && budget > 0 {
			p.bytes -= st.segs[n].size
			p.sbytes[s] -= st.segs[n].size
			n++
			budget--
		}
		if n > 0 {
			p.deletes[s] = n
		}
		if budget == 0 {
			p.more = true
		}
	}
}

// write puts the plan into txn.
func (o *Outbox) write(txn *badger.Txn, p *plan) error {
	if err := writeBudget(txn, p); err != nil {
		return err
	}
	for s, segs := range p.segs {
		for i, seg := range segs {
			if err := txn.Set(segKey(s, seg.first, seg.n), p.vals[s][i]); err != nil {
				return err
			}
		}
	}
	for s, next := range p.next {
		if err := txn.Set(metaKey(keyNext, s), u64(next)); err != nil {
			return err
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for s, n := range p.deletes {
		for _, seg := range o.streams[s].segs[:n] {
			if err := txn.Delete(segKey(s, seg.first, seg.n)); err != nil {
				return err
			}
		}
	}
	for s, a := range p.acked {
		if err := txn.Set(metaKey(keyAcked, s), u64(a)); err != nil {
			return err
		}
	}
	return nil
}

// apply makes a committed plan the in-memory state.
func (o *Outbox) apply(p *plan) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for s, n := range p.deletes {
		st := o.streams[s]
		st.segs = st.segs[n:]
	}
	for s, next := range p.next {
		st := o.stream(s)
		st.next = next
		st.segs = append(st.segs, p.segs[s]...)
	}
	for s, a := range p.acked {
		o.streams[s].ackedDurable = a
	}
	for s, b := range p.sbytes {
		o.stream(s).bytes += b
	}
	o.pendingBytes += p.bytes
	o.applyBudget(p)
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}
