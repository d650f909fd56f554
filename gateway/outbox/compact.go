package outbox

import (
	"github.com/dgraph-io/badger/v4"
)

// Value-log GC can only reclaim a file once Badger knows how much of it is garbage,
// and Badger learns that only when LSM compaction drops the keys of acked (deleted)
// or thinned (overwritten) segments. Segments live in the value log and their keys
// take a few dozen bytes each in the memtable, so on its own a 16 MiB memtable would
// fill, flush and let compaction run only after gigabytes of segments: the disk would
// grow far past the budget. So the writer forces a flush every flushEvery bytes
// written: it writes a marker key and drops its prefix (Badger's DropPrefix flushes
// the memtables first). DropPrefix refuses writes while it runs, so only the writer,
// between commits, calls it, and value-log GC (which writes too) waits for it.
//
// Value-log GC and commits never overlap either (gcMu): Badger v4.9.6 reads the
// memtable's version at the start of a GC rewrite without the lock its writers
// take (a data race the race detector reports). A commit may so wait for a GC run:
// one value-log file at most half live, which is short for the small files of a
// small budget and happens once per GC interval at most.

// keyFlush is the marker; it never survives a flush.
const keyFlush = 'f'

// flushEvery is the bytes of records written between forced flushes: the budget,
// but at least two value-log files (GC never rewrites the file being written).
func (o *Outbox) flushEvery() int64 {
	return max(o.opts.MaxBytes, 2*o.vlogFileSize)
}

// noteWritten counts bytes committed and forces a flush when due; writer only.
func (o *Outbox) noteWritten(n int64) {
	o.written += n
	if o.written < o.flushEvery() {
		return
	}
	o.written = 0
	o.gcMu.Lock()
	defer o.gcMu.Unlock()
	err := o.db.Update(func(txn *badger.Txn) error { return txn.Set([]byte{keyFlush}, []byte{1}) })
	if err == nil {
		err = o.db.DropPrefix([]byte{keyFlush})
	}
	o.tamePass()
	if err != nil {
		o.log.Warn("outbox: memtable flush for value-log GC", "err", err)
	}
}
