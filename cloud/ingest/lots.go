package ingest

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/lotsense/lotsense/cloud/store"
	"github.com/lotsense/lotsense/gateway/wire"
	"github.com/lotsense/lotsense/rules"
)

// lot is one lot's judge: its engine over the lot's whole life, the exposure state
// that feeds it, and its open excursion records. Its state is saved in the
// transaction that advanced it: a snapshot of the engine now and then, and in
// between, a log row per transaction of what was fed.
type lot struct {
	ref  lotRef
	plan *plan
	eng  *rules.Engine
	x    *exposure
	open map[string]*openRecord // by engine id: confirmed, recorded, not ended, not retracted

	fed       []rules.Reading // fed in this transaction (the next log row)
	logSeq    int64           // seq of the next log row
	logBytes  int             // in log rows since the snapshot
	snapBytes int             // of the saved snapshot
	saveSnap  bool            // save a snapshot at this transaction's end
	used      uint64          // for eviction: the transaction that last touched the lot
}

// openRecord is a recorded excursion still open, with how far its involved locations
// and sensors were gathered.
type openRecord struct {
	exc     store.Excursion
	through time.Time
}

// minLogBytes: the log of a lot grows to at least this, and to the size of its
// snapshot, before a new snapshot replaces both (so saving costs O(1) per reading).
const minLogBytes = 64 << 10

// lots keeps the lot judges in memory, at most max of them.
type lots struct {
	byID   map[int64]*lot
	max    int
	tick   uint64    // transactions processed
	newest time.Time // the newest reading fed to any lot
}

// lot returns the judge of a lot, loading its saved state when it is not in memory.
func (in *Ingester) lot(ctx context.Context, tx *store.Tx, ref lotRef) (*lot, error) {
	if l := in.lots.byID[ref.id]; l != nil {
		return l, nil
	}
	pl := in.profileFor(ref)
	eng, err := rules.NewEngine(pl.profile, &rules.Options{Horizon: in.horizon})
	if err != nil {
		return nil, err
	}
	l := &lot{ref: ref, plan: pl, eng: eng, x: newExposure(in.stale), open: map[string]*openRecord{}}
	saved, ok, err := tx.LotRules(ctx, ref.id)
	if err != nil {
		return nil, err
	}
	switch {
	case !ok:
		l.saveSnap = true
	case saved.Profile != pl.name:
		in.log.Warn("ingest: the lot's profile changed; its engine starts again from its next readings",
			"lot", ref.key, "was", saved.Profile, "now", pl.name)
		l.saveSnap = true
	default:
		if err := l.restore(saved); err != nil {
			in.log.Warn("ingest: the lot's saved rules state does not fit its profile; its engine starts again from its next readings",
				"lot", ref.key, "profile", pl.name, "err", err)
			l.eng, _ = rules.NewEngine(pl.profile, &rules.Options{Horizon: in.horizon})
			l.saveSnap, l.snapBytes, l.logBytes = true, 0, 0
		}
		l.logSeq = saved.NextSeq
	}
	if err := l.loadExposure(ctx, tx); err != nil {
		return nil, err
	}
	recs, err := tx.OpenExcursions(ctx, ref.id)
	if err != nil {
		return nil, err
	}
	for _, e := range recs {
		l.open[e.Ref] = &openRecord{exc: e}
	}
	in.lots.byID[ref.id] = l
	in.m.lotsCached.Set(float64(len(in.lots.byID)))
	return l, nil
}

// restore puts the engine back to its saved state: the snapshot, then the log.
func (l *lot) restore(saved store.LotRuleState) error {
	if err := l.eng.Restore(saved.Snapshot); err != nil {
		return err
	}
	l.snapBytes = len(saved.Snapshot)
	for _, row := range saved.Log {
		rs, err := decodeLog(l.plan, row)
		if err != nil {
			return err
		}
		l.eng.AddBatch(rs)
		l.logBytes += len(row)
	}
	return nil
}

// loadExposure rebuilds the exposure state at the engine's latest reading from the
// stored readings of the window before it.
func (l *lot) loadExposure(ctx context.Context, tx *store.Tx) error {
	latest := l.eng.Latest()
	if latest.IsZero() {
		return nil
	}
	rows, err := tx.LotReadingsBetween(ctx, l.ref.id, l.plan.reads, latest.Add(-time.Duration(l.x.window())), latest)
	if err != nil {
		return err
	}
	for i := range rows {
		p := pointOf(&rows[i])
		if l.plan.measured(p.q) {
			l.x.observe(&p)
		}
	}
	return nil
}

func pointOf(r *store.LotReading) point {
	return point{t: unixMicroNano(r.Time), q: r.Quantity, good: r.Quality == wire.Good, v: r.Value,
		sensor: r.Site + "/" + r.Gateway + "/" + r.Sensor, src: r.Source, seq: r.Seq}
}

// save writes what this transaction fed: a log row, or a new snapshot when the log
// has grown past the snapshot's size (or the engine was rebuilt).
func (l *lot) save(ctx context.Context, tx *store.Tx, now time.Time) (snapshot bool, err error) {
	if len(l.fed) == 0 && !l.saveSnap {
		return false, nil
	}
	row := encodeLog(l.plan, l.fed)
	l.fed = l.fed[:0]
	if l.saveSnap || l.logBytes+len(row) > max(minLogBytes, l.snapBytes) {
		snap, err := l.eng.Snapshot()
		if err != nil {
			return false, fmt.Errorf("snapshot of lot %s: %w", l.ref.key, err)
		}
		if err := tx.SaveLotRulesSnapshot(ctx, l.ref.id, l.plan.name, snap, now); err != nil {
			return false, err
		}
		l.snapBytes, l.logBytes, l.saveSnap = len(snap), 0, false
		return true, nil
	}
	if err := tx.AppendLotRulesLog(ctx, l.ref.id, l.logSeq, row); err != nil {
		return false, err
	}
	l.logSeq++
	l.logBytes += len(row)
	return false, nil
}

// encodeLog writes engine readings compactly: per reading, the time in nanoseconds as
// a varint difference from the previous one, the quantity's index in the plan, its
// quality and the value's bits.
func encodeLog(pl *plan, rs []rules.Reading) []byte {
	b := make([]byte, 0, 1+len(rs)*13)
	b = append(b, 1) // format version
	var prev int64
	for i := range rs {
		t := rs[i].Time.UnixNano()
		b = binary.AppendVarint(b, t-prev)
		prev = t
		q := uint64(pl.qindex(rs[i].Quantity)) << 1
		if rs[i].Good {
			q |= 1
		}
		b = binary.AppendUvarint(b, q)
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(rs[i].Value))
	}
	return b
}

func decodeLog(pl *plan, b []byte) ([]rules.Reading, error) {
	if len(b) == 0 || b[0] != 1 {
		return nil, fmt.Errorf("ingest: rules log row of unknown format")
	}
	b = b[1:]
	var out []rules.Reading
	var t int64
	for len(b) > 0 {
		dt, n := binary.Varint(b)
		if n <= 0 {
			return nil, fmt.Errorf("ingest: rules log row: bad time")
		}
		b = b[n:]
		q, n := binary.Uvarint(b)
		if n <= 0 || int(q>>1) >= len(pl.qnames) || len(b) < n+8 {
			return nil, fmt.Errorf("ingest: rules log row: bad quantity")
		}
		b = b[n:]
		t += dt
		out = append(out, rules.Reading{Time: time.Unix(0, t), Quantity: pl.qnames[q>>1], Good: q&1 == 1,
			Value: math.Float64frombits(binary.LittleEndian.Uint64(b))})
		b = b[8:]
	}
	return out, nil
}

// evict drops lots from memory after a commit: those whose latest reading is more
// than the horizon behind the newest reading of any lot (checked every 64
// transactions), then, beyond the bound, the least recently used. Their state is
// saved: a lot evicted is loaded again when it reads.
func (in *Ingester) evict() {
	c := &in.lots
	if c.tick%64 == 0 {
		for id, l := range c.byID {
			if l.eng.Latest().Before(c.newest.Add(-in.horizon)) {
				delete(c.byID, id)
			}
		}
	}
	if len(c.byID) > c.max {
		type aged struct {
			id   int64
			used uint64
		}
		all := make([]aged, 0, len(c.byID))
		for id, l := range c.byID {
			all = append(all, aged{id, l.used})
		}
		slices.SortFunc(all, func(a, b aged) int { return cmp.Compare(a.used, b.used) })
		for _, a := range all[:len(all)-c.max] {
			if a.used == c.tick {
				break // the lots of the last transaction stay
			}
			delete(c.byID, a.id)
		}
	}
	in.m.lotsCached.Set(float64(len(c.byID)))
}

// forget drops lots from memory whose in-memory state may be ahead of the store (a
// transaction that failed).
func (in *Ingester) forget(ids []int64) {
	for _, id := range ids {
		delete(in.lots.byID, id)
	}
	in.m.lotsCached.Set(float64(len(in.lots.byID)))
}
