package ingest

import (
	"context"
	"math"
	"slices"
	"time"

	"github.com/lotsense/lotsense/gateway/wire"
	"github.com/lotsense/lotsense/rules"
)

// fresh is what one transaction brings one lot: its readings stored for the first time
// that feed its engine.
type fresh struct {
	ref lotRef
	pts []point
}

// collect notes a reading just stored for each of its lots whose engine it feeds.
func (b *txBatch) collect(site, gateway string, src int64, seq uint64, r *wire.Reading, lotIDs map[string]int64) {
	var p point
	for _, key := range r.Lots {
		ref := lotRef{id: lotIDs[key], key: key}
		if !b.in.profileFor(ref).feeds(r.Quantity) {
			continue
		}
		if p.sensor == "" {
			p = point{t: unixMicroNano(r.Time), q: r.Quantity, good: r.Quality == wire.Good && finite(r.Value), v: r.Value,
				sensor: b.sensorKey(site, gateway, r.Sensor), src: src, seq: seq}
		}
		f := b.fresh[ref.id]
		if f == nil {
			f = &fresh{ref: ref}
			b.fresh[ref.id] = f
		}
		f.pts = append(f.pts, p)
	}
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// sensorKey returns "<site>/<gateway>/<sensor>", made once per transaction.
func (b *txBatch) sensorKey(site, gateway, sensor string) string {
	k := [3]string{site, gateway, sensor}
	s, ok := b.sensors[k]
	if !ok {
		s = site + "/" + gateway + "/" + sensor
		b.sensors[k] = s
	}
	return s
}

// judge feeds every lot the transaction brought readings to, lot by lot: its engine
// judges them, what changed goes to the store, and the lot's state is saved, all in
// the transaction.
func (b *txBatch) judge(ctx context.Context) error {
	ids := make([]int64, 0, len(b.fresh))
	for id := range b.fresh {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		f := b.fresh[id]
		b.touched = append(b.touched, id)
		l, err := b.in.lot(ctx, b.tx, f.ref)
		if err != nil {
			return err
		}
		l.used = b.in.lots.tick
		changes, span, err := b.feed(ctx, l, f.pts)
		if err != nil {
			return err
		}
		if err := b.verdicts(ctx, l, changes, span); err != nil {
			return err
		}
		snap, err := l.save(ctx, b.tx, b.in.now())
		if err != nil {
			return err
		}
		if snap {
			b.in.m.snapshots.Inc()
		}
		if t := l.eng.Latest(); t.After(b.in.lots.newest) {
			b.in.lots.newest = t
		}
	}
	return nil
}

// feed gives a lot's new readings to its engine and returns the changes. Readings
// newer than every reading the engine holds are derived in order; older ones (late)
// are re-derived with their neighbours from the store (revise), and span is then the
// time they cover.
func (b *txBatch) feed(ctx context.Context, l *lot, pts []point) (changes []rules.ExcursionChange, span *[2]int64, err error) {
	slices.SortStableFunc(pts, comparePoints)
	latest := int64(math.MinInt64)
	if t := l.eng.Latest(); !t.IsZero() {
		latest = t.UnixNano()
	}
	k, _ := slices.BinarySearchFunc(pts, latest, func(p point, t int64) int {
		if p.t <= t {
			return -1
		}
		return 1
	})
	var entries []rules.Reading
	if k > 0 {
		span = &[2]int64{pts[0].t, pts[k-1].t}
		changes, entries, err = b.revise(ctx, l, pts[:k], latest)
		if err != nil {
			return nil, nil, err
		}
	}
	if k < len(pts) {
		entries = l.x.derive(l.plan, pts[k:], pts[k].t, math.MaxInt64, nil, entries)
		l.x.forget(pts[len(pts)-1].t)
	}
	statuses, ch := l.eng.AddBatch(entries)
	changes = append(changes, ch...)
	l.fed = append(l.fed, entries...)
	for _, s := range statuses {
		switch s {
		case rules.TooLate:
			b.in.m.judged.WithLabelValues("too_late").Inc()
		case rules.Reordered:
			b.in.m.judged.WithLabelValues("reordered").Inc()
		}
	}
	return changes, span, nil
}

// revise derives the engine readings that late readings (all at or before the
// engine's latest) change. They change the lot's worst case from their own instant
// until their sensor's value is no longer fresh, and — through their sensor's
// interval — a little beyond: the window. The stored readings of that span are
// derived twice, without and with the late ones. If no reading the engine holds
// changes value, the new ones are returned to be added; otherwise the engine is
// rebuilt with the span replaced (rebuild), and the changes are returned.
func (b *txBatch) revise(ctx context.Context, l *lot, late []point, latest int64) (changes []rules.ExcursionChange, entries []rules.Reading, err error) {
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for i := range late {
		p := &late[i]
		switch {
		case l.plan.states[p.q]:
			entries = append(entries, rules.Reading{Time: time.Unix(0, p.t), Quantity: rules.Quantity(p.q.String()), Value: p.v, Good: p.good})
		case l.plan.measured(p.q):
			lo, hi = min(lo, p.t), max(hi, p.t)
		}
	}
	if lo > hi {
		return nil, entries, nil // states only: the engine places them
	}
	w := l.x.window()
	end := min(latest, hi+w)
	rows, err := b.tx.LotReadingsBetween(ctx, l.ref.id, l.plan.reads, time.Unix(0, lo-w), time.Unix(0, end))
	if err != nil {
		return nil, nil, err
	}
	pts := make([]point, len(rows))
	for i := range rows {
		pts[i] = pointOf(&rows[i])
	}
	type id struct {
		src int64
		seq uint64
	}
	isLate := make(map[id]bool, len(late))
	for i := range late {
		isLate[id{late[i].src, late[i].seq}] = true
	}
	skip := func(p *point) bool { return isLate[id{p.src, p.seq}] }
	before := newExposure(time.Duration(l.x.stale)).derive(l.plan, pts, lo, end, skip, nil)
	ax := newExposure(time.Duration(l.x.stale))
	after := ax.derive(l.plan, pts, lo, end, nil, nil)
	type key struct {
		t int64
		q rules.Quantity
	}
	held := make(map[key]rules.Reading, len(before))
	for _, r := range before {
		held[key{r.Time.UnixNano(), r.Quantity}] = r
	}
	var measured, added []rules.Reading
	changed := false
	for _, r := range after {
		if wq, _ := baseQuantity(r.Quantity); !l.plan.measured(wq) {
			continue // a state reading: the late ones are in entries
		}
		measured = append(measured, r)
		old, ok := held[key{r.Time.UnixNano(), r.Quantity}]
		switch {
		case !ok:
			added = append(added, r)
		case old.Good != r.Good || (r.Good && old.Value != r.Value):
			changed = true
		}
	}
	if end == latest {
		ax.forget(latest)
		l.x = ax // the late readings may change the exposure at the newest instant
	}
	if !changed {
		b.in.m.revisions.WithLabelValues("inserted").Inc()
		return nil, append(entries, added...), nil
	}
	changes, ok, err := b.in.rebuild(l, measured, lo, end)
	switch {
	case err != nil:
		return nil, nil, err
	case !ok:
		b.in.m.revisions.WithLabelValues("too_old").Inc()
		b.in.log.Warn("ingest: late readings change a lot's exposure before its engine's oldest checkpoint; only their own instants are judged",
			"lot", l.ref.key, "from", time.Unix(0, lo).UTC(), "to", time.Unix(0, hi).UTC())
		return nil, append(entries, added...), nil
	}
	b.in.m.revisions.WithLabelValues("rebuilt").Inc()
	l.saveSnap = true
	return changes, entries, nil
}
