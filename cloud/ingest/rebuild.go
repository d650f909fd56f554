package ingest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"

	"github.com/lotsense/lotsense/rules"
)

// An engine takes readings in any order, but a reading it holds cannot change. A late
// reading of one sensor changes the lot's worst case at instants the engine already
// judged (another sensor's readings while this one's value is fresh), so rebuild
// replaces the engine's readings of a span: it edits the engine's snapshot (format 1,
// rules/README.md "Snapshots") — the history rows from the span's start on, all after
// the snapshot's checkpoint — and restores it into a new engine, which re-evaluates
// from the checkpoint. The changes are the difference of the two engines' excursions.

// hrow is one row of a snapshot's history.
type hrow struct {
	t    int64
	q    int // index into the snapshot's quantities; -1 for an Advance
	v    float64
	good bool
}

// compareRows orders rows as the engine orders readings: time, quantity index (Advance
// last), good before bad, value.
func compareRows(a, b hrow) int {
	if c := cmp.Compare(a.t, b.t); c != 0 {
		return c
	}
	qa, qb := a.q, b.q
	if qa < 0 {
		qa = math.MaxInt
	}
	if qb < 0 {
		qb = math.MaxInt
	}
	if c := cmp.Compare(qa, qb); c != 0 {
		return c
	}
	if a.good != b.good {
		if a.good {
			return -1
		}
		return 1
	}
	return cmp.Compare(a.v, b.v)
}

// rebuild replaces the lot engine's readings of the measured quantities with times in
// [from, to] by repl. ok is false when the span reaches before the engine's oldest
// checkpoint (readings that old are too late to judge); the engine is then unchanged.
func (in *Ingester) rebuild(l *lot, repl []rules.Reading, from, to int64) (changes []rules.ExcursionChange, ok bool, err error) {
	snap, err := l.eng.Snapshot()
	if err != nil {
		return nil, false, fmt.Errorf("ingest: snapshot of lot %s: %w", l.ref.key, err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(snap, &top); err != nil {
		return nil, false, fmt.Errorf("ingest: snapshot of lot %s: %w", l.ref.key, err)
	}
	var version int
	var base int64
	var ck struct {
		Pos int64 `json:"pos"`
	}
	var qnames []rules.Quantity
	for k, v := range map[string]any{"version": &version, "base": &base, "checkpoint": &ck, "quantities": &qnames} {
		if err := json.Unmarshal(top[k], v); err != nil {
			return nil, false, fmt.Errorf("ingest: snapshot of lot %s: %s: %w", l.ref.key, k, err)
		}
	}
	if version != 1 {
		return nil, false, fmt.Errorf("ingest: snapshot of lot %s: format %d; ingest edits format 1", l.ref.key, version)
	}
	rows, err := parseHistory(top["history"])
	if err != nil {
		return nil, false, fmt.Errorf("ingest: snapshot of lot %s: %w", l.ref.key, err)
	}
	k0 := sort.Search(len(rows), func(i int) bool { return rows[i].t >= from })
	if int64(k0) < ck.Pos-base {
		return nil, false, nil
	}
	replaced := make([]bool, len(qnames))
	qidx := map[rules.Quantity]int{}
	for i, q := range qnames {
		qidx[q] = i
		if wq, _ := baseQuantity(q); l.plan.measured(wq) {
			replaced[i] = true
		}
	}
	tail := make([]hrow, 0, len(rows)-k0+len(repl))
	for _, r := range rows[k0:] {
		if r.q < 0 || !replaced[r.q] || r.t > to {
			tail = append(tail, r)
		}
	}
	for _, r := range repl {
		qi, ok := qidx[r.Quantity]
		if !ok || (r.Good && !finite(r.Value)) {
			continue
		}
		h := hrow{t: r.Time.UnixNano(), q: qi, good: r.Good}
		if r.Good {
			h.v = r.Value
		}
		tail = append(tail, h)
	}
	slices.SortFunc(tail, compareRows)
	tail = slices.CompactFunc(tail, func(a, b hrow) bool { return compareRows(a, b) == 0 })
	top["history"] = encodeHistory(append(rows[:k0:k0], tail...))
	edited, err := json.Marshal(top)
	if err != nil {
		return nil, false, err
	}
	eng, err := rules.NewEngine(l.plan.profile, &rules.Options{Horizon: in.horizon})
	if err != nil {
		return nil, false, err
	}
	if err := eng.Restore(edited); err != nil {
		return nil, false, fmt.Errorf("ingest: rebuilding the engine of lot %s: %w", l.ref.key, err)
	}
	changes = diffExcursions(l.eng.Excursions(), eng.Excursions())
	l.eng = eng
	return changes, true, nil
}

// parseHistory reads [[Δt ns, quantity index, value, good], …].
func parseHistory(b json.RawMessage) ([]hrow, error) {
	var raw [][4]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	out := make([]hrow, len(raw))
	var t int64
	for i, r := range raw {
		dt, err1 := strconv.ParseInt(string(r[0]), 10, 64)
		q, err2 := strconv.Atoi(string(r[1]))
		v, err3 := strconv.ParseFloat(string(r[2]), 64)
		good, err4 := strconv.ParseBool(string(r[3]))
		if err := cmp.Or(err1, err2, err3, err4); err != nil {
			return nil, fmt.Errorf("history[%d]: %w", i, err)
		}
		t += dt
		out[i] = hrow{t: t, q: q, v: v, good: good}
	}
	return out, nil
}

func encodeHistory(rows []hrow) json.RawMessage {
	b := make([]byte, 0, 2+len(rows)*28)
	b = append(b, '[')
	var prev int64
	for i, r := range rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendInt(b, r.t-prev, 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(r.q), 10)
		b = append(b, ',')
		b = strconv.AppendFloat(b, r.v, 'g', -1, 64)
		b = append(b, ',')
		b = strconv.AppendBool(b, r.good)
		b = append(b, ']')
		prev = r.t
	}
	return append(b, ']')
}

// diffExcursions turns two engines' lists of excursions (before and after a rebuild)
// into changes, as the engine reports a re-evaluation: new ones opened (and confirmed,
// closed as they stand), known ones confirmed or closed for those steps and updated
// for any other difference, vanished ones retracted.
func diffExcursions(before, after []rules.Excursion) []rules.ExcursionChange {
	old := make(map[string]rules.Excursion, len(before))
	for _, x := range before {
		old[x.ID] = x
	}
	var out []rules.ExcursionChange
	for _, a := range after {
		b, known := old[a.ID]
		delete(old, a.ID)
		add := func(t rules.ChangeKind) { out = append(out, rules.ExcursionChange{Type: t, Excursion: a}) }
		if !known {
			add(rules.Opened)
			b = rules.Excursion{ID: a.ID, Rule: a.Rule, Kind: a.Kind, Quantity: a.Quantity, Severity: a.Severity, Limit: a.Limit, Start: a.Start}
		}
		moved := b
		if !b.Confirmed() && a.Confirmed() {
			add(rules.Confirmed)
			moved.ConfirmedAt = a.ConfirmedAt
		}
		if !b.Closed() && a.Closed() {
			add(rules.Closed)
			moved.End, moved.ClosedAt = a.End, a.ClosedAt
		}
		if known && moved != a {
			add(rules.Updated)
		}
	}
	for _, b := range before {
		if _, gone := old[b.ID]; gone {
			out = append(out, rules.ExcursionChange{Type: rules.Retracted, Excursion: b})
		}
	}
	return out
}
