package rules

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"
)

// Reading is one sample of one quantity, as an Engine takes it.
type Reading struct {
	Time     time.Time
	Quantity Quantity
	Value    float64
	// Good is false for readings marked bad, unavailable or uncertain: rules skip them
	// (they only count towards a bad_alarm and mark time for offline and door_open).
	Good bool
}

// Options tune an Engine; the zero value takes the defaults.
type Options struct {
	// Horizon: how far behind the latest reading a late reading may be and still be
	// judged; older ones are refused as TooLate. Default 48h.
	Horizon time.Duration
	// CheckpointEvery: readings between saved states. A late reading re-evaluates
	// from the last checkpoint before it. Default 128.
	CheckpointEvery int
}

// DefaultHorizon is the horizon of an Engine whose Options leave it out.
const DefaultHorizon = 48 * time.Hour

// Status says what Add did with a reading.
type Status uint8

// Statuses.
const (
	// Applied: the reading was the newest and was evaluated.
	Applied Status = iota
	// Reordered: the reading was older than the newest; it was inserted in time order
	// and the rules re-evaluated from the checkpoint before it.
	Reordered
	// Duplicate: the same reading (time, quantity, value, quality) is already held.
	Duplicate
	// TooLate: the reading is older than the latest reading minus the horizon; it was
	// not used.
	TooLate
	// Ignored: no rule reads the reading's quantity (or Advance went back in time).
	Ignored
	// Invalid: zero time, a time outside 1678–2261, or a good reading that is NaN or ±Inf.
	Invalid
)

var statusNames = [...]string{"applied", "reordered", "duplicate", "too_late", "ignored", "invalid"}

func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// Engine evaluates one profile over one series (one lot, or one location): readings of
// several quantities, in any order, with the same excursions as if they had arrived in
// time order (see README.md, "Event time"). An Engine is not safe for concurrent use.
type Engine struct {
	profile Profile // with defaults
	rules   []crule
	qnames  []Quantity
	qidx    map[Quantity]uint16
	byQ     [][]int // rules stepped by a reading of each quantity
	offline []int   // offline rules, stepped by every entry
	doors   []int   // door_open rules, stepped by every entry
	defrost *defrostRule
	horizon int64
	every   int64

	hist   []entry // sorted; hist[k] has absolute index base+k
	base   int64
	cks    []checkpoint // sorted by pos; cks[0].pos >= base
	st     state
	closed []closedRec // sorted by At
	noTrim bool

	emitting bool
	changes  []ExcursionChange
	lastQ    Quantity
	lastQi   uint16
}

// NewEngine validates the profile and returns an Engine for one series. opts may be nil.
func NewEngine(p Profile, opts *Options) (*Engine, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Horizon < 0 || o.CheckpointEvery < 0 {
		return nil, fmt.Errorf("rules: options: horizon %v and checkpoint_every %d must not be negative", o.Horizon, o.CheckpointEvery)
	}
	o.Horizon = cmp.Or(o.Horizon, DefaultHorizon)
	o.CheckpointEvery = cmp.Or(o.CheckpointEvery, 128)
	e := &Engine{horizon: int64(o.Horizon), every: int64(o.CheckpointEvery), qidx: map[Quantity]uint16{}}
	e.profile = Profile{Name: p.Name, Description: p.Description}
	for _, r := range p.Rules {
		e.profile.Rules = append(e.profile.Rules, r.Defaults().clone())
	}
	if err := e.compile(); err != nil {
		return nil, err
	}
	e.st = state{Q: make([]qState, len(e.qnames)), R: make([]ruleState, len(e.rules))}
	e.cks = []checkpoint{{Pos: 0, St: e.st.clone()}}
	return e, nil
}

// compile turns the profile's rules into crules and indexes them by quantity. State
// quantities (defrost, door) sort first, so at equal times a defrost or door change is
// applied before the temperature read at that instant.
func (e *Engine) compile() error {
	stateQ := map[Quantity]bool{}
	all := map[Quantity]bool{}
	for _, r := range e.profile.Rules {
		all[r.Quantity] = true
		if r.Kind == KindDefrost || r.Kind == KindDoorOpen {
			stateQ[r.Quantity] = true
		}
	}
	for q := range all {
		e.qnames = append(e.qnames, q)
	}
	slices.SortFunc(e.qnames, func(a, b Quantity) int {
		if stateQ[a] != stateQ[b] {
			if stateQ[a] {
				return -1
			}
			return 1
		}
		return cmp.Compare(a, b)
	})
	for i, q := range e.qnames {
		e.qidx[q] = uint16(i)
	}
	e.byQ = make([][]int, len(e.qnames))
	for i, r := range e.profile.Rules {
		c, err := e.compileRule(r)
		if err != nil {
			return err
		}
		e.rules = append(e.rules, c)
		switch r.Kind {
		case KindOffline:
			e.offline = append(e.offline, i)
		case KindDoorOpen:
			e.doors = append(e.doors, i)
		}
		if r.Kind != KindOffline && (r.Kind != KindDoorOpen && r.Kind != KindDefrost || c.hasBad) {
			e.byQ[c.q] = append(e.byQ[c.q], i)
		}
	}
	e.markSuppressible()
	return nil
}

// Profile returns the engine's profile, with defaults filled in.
func (e *Engine) Profile() Profile {
	p := e.profile
	p.Rules = slices.Clone(p.Rules)
	for i := range p.Rules {
		p.Rules[i] = p.Rules[i].clone()
	}
	return p
}

// Latest returns the time of the latest reading or Advance; zero before the first.
func (e *Engine) Latest() time.Time {
	if !e.st.Started {
		return time.Time{}
	}
	return utc(e.st.Now)
}

var (
	minTime = time.Unix(0, math.MinInt64).Add(time.Hour)
	maxTime = time.Unix(0, math.MaxInt64).Add(-time.Hour)
)

// entryOf converts a reading; ok false with the status when it cannot be used.
func (e *Engine) entryOf(r Reading) (entry, Status) {
	if r.Time.IsZero() || r.Time.Before(minTime) || r.Time.After(maxTime) {
		return entry{}, Invalid
	}
	if r.Good && (math.IsNaN(r.Value) || math.IsInf(r.Value, 0)) {
		return entry{}, Invalid
	}
	qi := e.lastQi
	if r.Quantity != e.lastQ || e.lastQ == "" {
		i, ok := e.qidx[r.Quantity]
		if !ok {
			return entry{}, Ignored
		}
		qi, e.lastQ, e.lastQi = i, r.Quantity, i
	}
	x := entry{t: r.Time.UnixNano(), q: qi, good: r.Good, v: r.Value}
	if !r.Good {
		x.v = 0
	}
	return x, Applied
}

// Add evaluates one reading and returns what it did and the excursions it changed.
func (e *Engine) Add(r Reading) (Status, []ExcursionChange) {
	x, st := e.entryOf(r)
	if st != Applied {
		return st, nil
	}
	return e.insert(x)
}

// Advance tells the engine that event time has reached t with no reading (e.g. the
// gateway's clock when nothing arrives), so offline and door_open can fire. It is kept
// in the history like a reading. A t not after the latest reading is Ignored.
func (e *Engine) Advance(t time.Time) (Status, []ExcursionChange) {
	if t.IsZero() || t.Before(minTime) || t.After(maxTime) {
		return Invalid, nil
	}
	ns := t.UnixNano()
	if e.st.Started && ns <= e.st.Now {
		return Ignored, nil
	}
	return e.insert(entry{t: ns, q: tickQ})
}

func (e *Engine) insert(x entry) (Status, []ExcursionChange) {
	n := len(e.hist)
	if n == 0 || e.hist[n-1].less(x) {
		e.hist = append(e.hist, x)
		e.emitting, e.changes = true, nil
		e.step(e.base + int64(n))
		e.emitting = false
		ch := e.changes
		e.changes = nil
		return Applied, ch
	}
	if x.t < e.cutoff() {
		return TooLate, nil
	}
	pos, found := slices.BinarySearchFunc(e.hist, x, compareEntries)
	switch {
	case found:
		return Duplicate, nil
	case e.base+int64(pos) < e.cks[0].Pos: // cannot happen: trim keeps the horizon
		return TooLate, nil
	}
	from := e.restorePoint(e.base + int64(pos))
	before := e.collect(from)
	e.hist = slices.Insert(e.hist, pos, x)
	e.rewind(from)
	e.replay(from)
	return Reordered, diff(before, e.collect(from))
}

// AddBatch adds readings at once: late ones are inserted together and re-evaluated
// once, then the newer ones are applied in time order. The outcome is the same as
// adding them one by one; statuses[i] is readings[i]'s.
func (e *Engine) AddBatch(readings []Reading) (statuses []Status, changes []ExcursionChange) {
	statuses = make([]Status, len(readings))
	type item struct {
		x entry
		i int
	}
	var late, fresh []item
	for i, r := range readings {
		x, st := e.entryOf(r)
		statuses[i] = st
		switch {
		case st != Applied:
		case len(e.hist) > 0 && !e.hist[len(e.hist)-1].less(x):
			late = append(late, item{x, i})
		default:
			fresh = append(fresh, item{x, i})
		}
	}
	from := int64(-1)
	for _, it := range late {
		pos, found := slices.BinarySearchFunc(e.hist, it.x, compareEntries)
		switch {
		case it.x.t < e.cutoff(), e.base+int64(pos) < e.cks[0].Pos:
			statuses[it.i] = TooLate
		case found:
			statuses[it.i] = Duplicate
		default:
			statuses[it.i] = Reordered
			if p := e.restorePoint(e.base + int64(pos)); from < 0 || p < from {
				from = p
			}
			e.hist = slices.Insert(e.hist, pos, it.x)
		}
	}
	if from >= 0 {
		before := e.collect(from) // inserting did not touch the state
		e.rewind(from)
		e.replay(from)
		changes = diff(before, e.collect(from))
	}
	slices.SortStableFunc(fresh, func(a, b item) int { return compareEntries(a.x, b.x) })
	for _, it := range fresh {
		st, ch := e.insert(it.x)
		statuses[it.i] = st
		changes = append(changes, ch...)
	}
	return statuses, changes
}
