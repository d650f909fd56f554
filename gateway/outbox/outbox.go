package outbox

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Stream identifies an independent sequence of records; each has its own sequence
// numbers, starting at 1. Any value from 1 to 255 may be used.
type Stream uint8

// The streams of a gateway, one per up kind of the MQTT contract.
const (
	Readings Stream = 1
	Events   Stream = 2
	Alarms   Stream = 3
)

// Defaults for Options.
const (
	DefaultMaxBytes   = 256 << 20
	DefaultGCInterval = time.Minute
	// MaxAppendBytes bounds the records of one Append call; larger inputs must be split.
	MaxAppendBytes = 1 << 20
)

// Errors callers tell apart with errors.Is.
var (
	// ErrFull means the append would take the outbox past Options.MaxBytes; nothing
	// was stored. The gateway decides what to drop or how to slow down.
	ErrFull   = errors.New("outbox: full")
	ErrClosed = errors.New("outbox: closed")
)

// Options configures Open. The zero value works.
type Options struct {
	// MaxBytes is the budget for stored records not yet fully acked (payload bytes
	// plus a length prefix each); DefaultMaxBytes when 0. Badger's own files take
	// more on disk until compaction and value-log GC reclaim acked data.
	MaxBytes   int64
	Logger     *slog.Logger  // slog.Default() when nil; Badger logs at warning and above
	Metrics    Metrics       // nil fields are not reported
	GCInterval time.Duration // value-log GC period; DefaultGCInterval when 0
	// Budget says what happens when MaxBytes is reached (see budget.go); the zero
	// value refuses routine readings past their share and thins nothing.
	Budget Budget
	// CommitLinger is the longest the writer waits for more concurrent Appends to
	// share a commit (linger.go); it adds at most this much to an Append's latency.
	// DefaultCommitLinger when 0; negative: no lingering.
	CommitLinger time.Duration
}

// Record is one stored record. Data must not be modified: it may share memory with
// other records of the same segment.
type Record struct {
	Seq  uint64
	Data []byte
}

// Outbox is a durable, sequenced buffer on Badger. Its methods are safe for
// concurrent use.
type Outbox struct {
	db    *badger.DB
	log   *slog.Logger
	opts  Options
	epoch string

	reqs    chan *request
	ackKick chan struct{}
	gcKick  chan struct{} // run value-log GC now (after a thinning pass)
	gcMu    sync.Mutex    // value-log GC, commits and forced flushes take turns (compact.go)
	tame    *tamer        // Badger's memory maps (tame.go); nil where unsupported
	written int64         // bytes committed since the last forced flush; writer only

	vlogFileSize int64
	ackTimer     atomic.Bool // a forced commit of the ack cursors is scheduled
	stop         chan struct{}
	wg           sync.WaitGroup
	cancel       context.CancelFunc

	closeMu   sync.RWMutex
	closed    bool
	closeOnce sync.Once
	closeErr  error

	mu           sync.Mutex
	streams      map[Stream]*stream
	pendingBytes int64

	subMu sync.Mutex
	subs  map[chan struct{}]struct{}
}

// segment describes one stored Badger entry: records first..first+n-1.
type segment struct {
	first uint64
	n     uint32
	size  int64
	gen   uint32 // bumped by each rewrite, so Read notices a stale copy
	busy  bool   // being rewritten by a thinning pass: Read stops before it
	thin  bool   // thinned (or found thin) already: passes skip it
}

func (s segment) last() uint64 { return s.first + uint64(s.n) - 1 }

// stream is the in-memory state of one stream; guarded by Outbox.mu.
type stream struct {
	next         uint64    // sequence number the next record gets
	acked        uint64    // every record <= acked is delivered
	ackedDurable uint64    // the cursor as last stored
	segs         []segment // live segments in order
	cache        cachedSeg // the segment Read decoded last
	bytes        int64     // this stream's part of Outbox.pendingBytes
	readMark     uint64    // highest sequence number Read returned: maybe in flight, never thinned
	thinnedTo    uint64    // last thinned sequence number while the thinning alarm is raised
	refusing     bool      // the refusing alarm is raised
	wantRefusing bool      // the last commit refused readings and accepted none
	refusedCount int       // readings refused while the refusing alarm is raised
}

// Open opens (or creates) the outbox in dir. A new outbox gets a new random Epoch.
func Open(ctx context.Context, dir string, opts Options) (*Outbox, error) {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.GCInterval <= 0 {
		opts.GCInterval = DefaultGCInterval
	}
	if opts.CommitLinger == 0 {
		opts.CommitLinger = DefaultCommitLinger
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Budget.Policy == Thin && opts.Budget.Thinner == nil {
		return nil, fmt.Errorf("outbox: open %s: budget policy thin needs a Thinner", dir)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("outbox: open %s: %w", dir, err)
	}
	opts.Budget = opts.Budget.withDefaults()
	if err := removeEmptyLogs(dir, opts.Logger); err != nil {
		return nil, fmt.Errorf("outbox: open %s: %w", dir, err)
	}
	db, err := badger.Open(badgerOptionsFor(dir, opts))
	if err != nil {
		return nil, fmt.Errorf("outbox: open %s: %w", dir, err)
	}
	o := &Outbox{
		db: db, log: opts.Logger, opts: opts, vlogFileSize: db.Opts().ValueLogFileSize,
		reqs:    make(chan *request, 4096),
		ackKick: make(chan struct{}, 1),
		gcKick:  make(chan struct{}, 1),
		stop:    make(chan struct{}),
		streams: make(map[Stream]*stream),
		subs:    make(map[chan struct{}]struct{}),
	}
	if tameSupported {
		o.tame = newTamer(dir, opts.Logger, opts.Metrics)
	}
	if err := o.load(); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	o.reportPending()
	gcCtx, cancel := context.WithCancel(context.Background())
	o.cancel = cancel
	o.wg.Add(2)
	go o.writer()
	go o.gcLoop(gcCtx, opts.GCInterval)
	return o, nil
}

// Keys: 'e' the epoch; 'n'+stream the next sequence number; 'a'+stream the ack
// cursor; 't'+stream the last thinned sequence number while the thinning alarm is
// raised; 's'+stream+first(8, big-endian)+count(4) a segment.
const (
	keyEpoch   = 'e'
	keyNext    = 'n'
	keyAcked   = 'a'
	keyThinned = 't'
	keySegment = 's'
	segKeyLen  = 14
)

func metaKey(kind byte, s Stream) []byte { return []byte{kind, byte(s)} }

func segKey(s Stream, first uint64, n uint32) []byte {
	k := make([]byte, segKeyLen)
	k[0], k[1] = keySegment, byte(s)
	binary.BigEndian.PutUint64(k[2:], first)
	binary.BigEndian.PutUint32(k[10:], n)
	return k
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// load reads the epoch, the cursors and the segment index; it creates the epoch of a
// new outbox.
func (o *Outbox) load() error {
	err := o.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: false})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if err := o.loadItem(it.Item()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("outbox: load: %w", err)
	}
	for s, st := range o.streams {
		if n := len(st.segs); n > 0 && st.segs[n-1].last() >= st.next {
			return fmt.Errorf("outbox: load: stream %d: segment ends at %d but next sequence is %d", s, st.segs[n-1].last(), st.next)
		}
		st.ackedDurable = st.acked
	}
	if o.epoch != "" {
		return nil
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	o.epoch = hex.EncodeToString(b[:])
	if err := o.db.Update(func(txn *badger.Txn) error { return txn.Set([]byte{keyEpoch}, []byte(o.epoch)) }); err != nil {
		return fmt.Errorf("outbox: store epoch: %w", err)
	}
	return nil
}

func (o *Outbox) loadItem(it *badger.Item) error {
	k := it.Key()
	switch {
	case len(k) == 1 && k[0] == keyEpoch:
		v, err := it.ValueCopy(nil)
		o.epoch = string(v)
		return err
	case len(k) == 2 && (k[0] == keyNext || k[0] == keyAcked || k[0] == keyThinned):
		v, err := it.ValueCopy(nil)
		if err != nil || len(v) != 8 {
			return fmt.Errorf("bad cursor %q (%d bytes): %w", k, len(v), err)
		}
		st := o.stream(Stream(k[1]))
		switch k[0] {
		case keyNext:
			st.next = binary.BigEndian.Uint64(v)
		case keyAcked:
			st.acked = binary.BigEndian.Uint64(v)
		default:
			st.thinnedTo = binary.BigEndian.Uint64(v)
		}
	case len(k) == segKeyLen && k[0] == keySegment:
		st := o.stream(Stream(k[1]))
		seg := segment{first: binary.BigEndian.Uint64(k[2:]), n: binary.BigEndian.Uint32(k[10:]), size: it.ValueSize()}
		st.segs = append(st.segs, seg)
		st.bytes += seg.size
		o.pendingBytes += seg.size
	case len(k) == 1 && k[0] == keyFlush: // a flush marker left by a crash
	default:
		o.log.Warn("outbox: ignoring unknown key", "key", fmt.Sprintf("%q", k))
	}
	return nil
}

// stream returns the state of s, creating it; o.mu held (or during load).
func (o *Outbox) stream(s Stream) *stream {
	st := o.streams[s]
	if st == nil {
		st = &stream{next: 1}
		o.streams[s] = st
	}
	return st
}

// Epoch identifies this outbox: it is created with the outbox and never changes.
func (o *Outbox) Epoch() string { return o.epoch }

// NextSeq returns the sequence number the next record of s will get.
func (o *Outbox) NextSeq(s Stream) uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.stream(s).next
}

// Acked returns the ack cursor of s: every record up to it is delivered.
func (o *Outbox) Acked(s Stream) uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.stream(s).acked
}

// Pending returns how many sequence numbers of s are not yet acked; records removed
// by thinning count until the ack cursor passes them.
func (o *Outbox) Pending(s Stream) uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	st := o.stream(s)
	return st.next - 1 - st.acked
}

// PendingBytes returns the bytes counted against MaxBytes.
func (o *Outbox) PendingBytes() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.pendingBytes
}

// DiskUsage returns the size of Badger's files (LSM tree and value log) as Badger
// last measured them.
func (o *Outbox) DiskUsage() int64 {
	lsm, vlog := o.db.Size()
	return lsm + vlog
}

// Subscribe returns a channel that receives a value (without blocking the outbox; one
// is kept when the reader is busy) after each commit that stored records, and a
// function that ends the subscription.
func (o *Outbox) Subscribe() (<-chan struct{}, func()) {
	c := make(chan struct{}, 1)
	o.subMu.Lock()
	o.subs[c] = struct{}{}
	o.subMu.Unlock()
	return c, func() {
		o.subMu.Lock()
		delete(o.subs, c)
		o.subMu.Unlock()
	}
}

func (o *Outbox) notify() {
	o.subMu.Lock()
	defer o.subMu.Unlock()
	for c := range o.subs {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

func (o *Outbox) reportPending() {
	o.mu.Lock()
	var n uint64
	for _, st := range o.streams {
		n += st.next - 1 - st.acked
	}
	b := o.pendingBytes
	o.mu.Unlock()
	set(o.opts.Metrics.Pending, float64(n))
	set(o.opts.Metrics.PendingBytes, float64(b))
}

// Close stores the ack cursors, stops the writer and the GC, and closes Badger.
// Appends waiting for a commit get theirs first; later ones get ErrClosed.
func (o *Outbox) Close() error {
	o.closeOnce.Do(func() {
		o.closeMu.Lock()
		o.closed = true
		o.closeMu.Unlock()
		close(o.stop)
		o.cancel()
		o.wg.Wait()
		// A Read may still run a tamer pass (tameAfterRead): not on unmapped ranges.
		o.gcMu.Lock()
		if o.tame != nil {
			o.tame.off = true
		}
		o.gcMu.Unlock()
		if err := o.db.Close(); err != nil {
			o.closeErr = fmt.Errorf("outbox: close: %w", err)
		}
	})
	return o.closeErr
}
