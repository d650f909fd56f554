package rules

import (
	"cmp"
	"math"
	"slices"
	"sort"
)

// tickQ is the quantity index of an Advance time mark.
const tickQ = math.MaxUint16

// entry is one reading in the history. Entries are totally ordered by time, then
// quantity index, then good before bad, then value, so any arrival order of the same
// readings gives the same history; equal entries are duplicates.
type entry struct {
	t    int64 // Unix nanoseconds
	v    float64
	q    uint16
	good bool
}

func compareEntries(a, b entry) int {
	if c := cmp.Compare(a.t, b.t); c != 0 {
		return c
	}
	if c := cmp.Compare(a.q, b.q); c != 0 {
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

func (a entry) less(b entry) bool { return compareEntries(a, b) < 0 }

// checkpoint is the state before applying the entry at absolute index Pos.
type checkpoint struct {
	Pos int64 `json:"pos"`
	St  state `json:"state"`
}

// closedRec is an excursion closed by the entry at absolute index At.
type closedRec struct {
	At   int64    `json:"at"`
	Rule int      `json:"rule"`
	Bad  bool     `json:"bad,omitempty"`
	X    excState `json:"x"`
}

func (e *Engine) entryAt(i int64) *entry { return &e.hist[i-e.base] }

func (e *Engine) end() int64 { return e.base + int64(len(e.hist)) }

// step applies entry i, saving a checkpoint first when one is due.
func (e *Engine) step(i int64) {
	if i-e.cks[len(e.cks)-1].Pos >= e.every {
		e.cks = append(e.cks, checkpoint{Pos: i, St: e.st.clone()})
		if !e.noTrim {
			e.trim()
		}
	}
	e.apply(i)
}

// apply runs every rule that entry i concerns.
func (e *Engine) apply(i int64) {
	x := *e.entryAt(i)
	st := &e.st
	if !st.Started {
		st.Started, st.First = true, x.t
	}
	if x.q != tickQ {
		if d := e.defrost; d != nil && x.good && x.q == d.q {
			e.defrostSample(x.t, x.v)
		}
		for _, ri := range e.byQ[x.q] {
			e.stepRule(ri, i, &x)
		}
	}
	for _, ri := range e.offline {
		e.offlineStep(ri, i, &x)
	}
	if x.q != tickQ && x.good {
		st.Q[x.q] = qState{Has: true, T: x.t, V: x.v, Idx: i}
	}
	for _, ri := range e.doors {
		e.doorStep(ri, i, &x)
	}
	st.Now = x.t
}

// restorePoint returns the position of the last checkpoint at or before pos.
func (e *Engine) restorePoint(pos int64) int64 {
	k := sort.Search(len(e.cks), func(k int) bool { return e.cks[k].Pos > pos })
	return e.cks[k-1].Pos
}

// rewind restores the checkpoint at from and forgets everything evaluated after it.
func (e *Engine) rewind(from int64) {
	k := sort.Search(len(e.cks), func(k int) bool { return e.cks[k].Pos > from })
	e.cks = e.cks[:k]
	e.st.copyFrom(&e.cks[k-1].St)
	c := sort.Search(len(e.closed), func(c int) bool { return e.closed[c].At >= from })
	e.closed = e.closed[:c]
}

// replay re-evaluates the history from position from without reporting changes.
func (e *Engine) replay(from int64) {
	e.noTrim = true
	for i := from; i < e.end(); i++ {
		e.step(i)
	}
	e.noTrim = false
	e.trim()
}

// trim forgets what no accepted late reading can need: a reading older than the
// horizon is refused, so the oldest checkpoint kept is the last one with only older
// entries before it; history is kept from there (or from the oldest entry a window of
// that checkpoint's state still reads); closed excursions older than it are final.
func (e *Engine) trim() {
	cutoff := e.cutoff()
	k := sort.Search(len(e.cks), func(k int) bool {
		p := e.cks[k].Pos
		return p > e.base && e.entryAt(p-1).t >= cutoff
	}) - 1
	if k <= 0 {
		return
	}
	e.cks = slices.Delete(e.cks, 0, k)
	keep := min(e.cks[0].Pos, e.cks[0].St.minTail())
	if keep > e.base {
		e.hist = e.hist[keep-e.base:]
		e.base = keep
	}
	c := sort.Search(len(e.closed), func(c int) bool { return e.closed[c].At >= e.cks[0].Pos })
	e.closed = slices.Delete(e.closed, 0, c)
}

// nextGood returns the index of the next good reading of quantity q after index i.
// The caller knows one exists at or before the entry being applied. Entries before the
// base were trimmed; none of them is a good reading of q after i that a caller needs
// (a window's tail is never trimmed, and i may be older only as q's latest reading).
func (e *Engine) nextGood(q uint16, i int64) int64 {
	for j := max(i+1, e.base); ; j++ {
		if x := e.entryAt(j); x.q == q && x.good {
			return j
		}
	}
}

// cutoff is the time before which readings are too late: the latest minus the horizon.
func (e *Engine) cutoff() int64 {
	if e.st.Now < math.MinInt64+e.horizon {
		return math.MinInt64
	}
	return e.st.Now - e.horizon
}
