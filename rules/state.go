package rules

import (
	"math"
	"slices"
)

// state is everything evaluation keeps between readings. It holds no pointers but
// the two slices, so a checkpoint is two copies; it marshals to JSON for snapshots.
type state struct {
	Started bool         `json:"started,omitempty"`
	First   int64        `json:"first"` // time of the first entry
	Now     int64        `json:"now"`   // time of the latest entry applied
	Q       []qState     `json:"q"`     // per quantity index
	Defrost defrostState `json:"defrost"`
	R       []ruleState  `json:"rules"` // per rule, in profile order
}

func (s *state) clone() state {
	c := *s
	c.Q, c.R = slices.Clone(s.Q), slices.Clone(s.R)
	return c
}

func (s *state) copyFrom(o *state) {
	q, r := append(s.Q[:0], o.Q...), append(s.R[:0], o.R...)
	*s = *o
	s.Q, s.R = q, r
}

// minTail returns the oldest history index a window of this state still reads.
func (s *state) minTail() int64 {
	m := int64(math.MaxInt64)
	for i := range s.R {
		if s.R[i].HasTail {
			m = min(m, s.R[i].TailIdx)
		}
	}
	return m
}

// qState is the latest good reading of one quantity.
type qState struct {
	Has bool    `json:"has,omitempty"`
	T   int64   `json:"t,omitempty"`
	V   float64 `json:"v,omitempty"`
	Idx int64   `json:"idx,omitempty"` // its history index
}

// excState is the numeric part of an excursion; Excursion is built from it on demand.
type excState struct {
	Open        bool    `json:"open,omitempty"`
	Start       int64   `json:"start,omitempty"`
	Confirmed   bool    `json:"confirmed,omitempty"`
	ConfirmedAt int64   `json:"confirmed_at,omitempty"`
	Peak        float64 `json:"peak,omitempty"`
	Beyond      int64   `json:"beyond,omitempty"`
	Unknown     int64   `json:"unknown,omitempty"`
	MKT         float64 `json:"mkt,omitempty"`
	Clearing    bool    `json:"clearing,omitempty"`
	ClearSince  int64   `json:"clear_since,omitempty"`
	Closed      bool    `json:"closed,omitempty"`
	End         int64   `json:"end,omitempty"`
	ClosedAt    int64   `json:"closed_at,omitempty"`
	// Seq tells apart excursions of one rule that start at the same instant (a rate
	// rule judging several readings of one time); 0 for the first.
	Seq int `json:"seq,omitempty"`
}

// ruleState is one rule's state; each kind uses the fields it needs.
type ruleState struct {
	X          excState `json:"x"`           // the rule's excursion in progress
	B          excState `json:"bad"`         // its bad_data excursion in progress
	PrevBeyond bool     `json:"prev_beyond"` // the last judged sample was beyond
	BadRun     int      `json:"bad_run"`     // bad samples in a row
	BadSince   int64    `json:"bad_since"`   // the first of them
	SumE       float64  `json:"sum_e"`       // mkt: Σ w·e^(ΔH/R·(1/273.15 − 1/T))
	SumW       int64    `json:"sum_w"`       // mkt: Σ w, nanoseconds
	HasTail    bool     `json:"has_tail"`    // mkt window, rate: TailIdx is set
	TailIdx    int64    `json:"tail_idx"`    // mkt: first segment in the window; rate: base sample
	TailT      int64    `json:"tail_t"`      // mkt: that segment's start
	TailW      int64    `json:"tail_w"`      // mkt: its weight
	TailE      float64  `json:"tail_e"`      // mkt: its exponential
	HasLast    bool     `json:"has_last"`    // LastStart is set
	LastStart  int64    `json:"last_start"`  // start of the latest excursion level opened
	LastSeq    int      `json:"last_seq"`    // and its Seq
}

// crule is a rule compiled for evaluation: durations in nanoseconds.
type crule struct {
	Rule
	q                                    uint16
	delay, clearDelay, maxGap, allowance int64
	window, minTime, span, after, badFor int64
	hr, xref                             float64 // ΔH/R and ΔH/R ÷ 273.15 K
	dir                                  int8    // rate: +1 rise, −1 fall, 0 both
	suppress, hasBad                     bool
	badCount                             int
}

// defrostRule is the profile's defrost rule, compiled.
type defrostRule struct {
	q           uint16
	maxSuppress int64
	sched       *schedule
}

func (e *Engine) compileRule(r Rule) (crule, error) {
	c := crule{Rule: r, q: e.qidx[r.Quantity],
		delay: int64(r.Delay), clearDelay: int64(r.ClearDelay), maxGap: int64(r.MaxGap),
		allowance: int64(r.Allowance), window: int64(r.Window), minTime: int64(r.MinTime),
		span: int64(r.Span), after: int64(r.After)}
	if r.Kind == KindMKT {
		c.hr = r.deltaHR()
		c.xref = c.hr / 273.15
	}
	switch r.Direction {
	case "rise":
		c.dir = 1
	case "fall":
		c.dir = -1
	}
	if b := r.BadAlarm; b != nil {
		c.hasBad, c.badCount, c.badFor = true, b.Count, int64(b.For)
	}
	if r.Kind == KindDefrost {
		d := &defrostRule{q: c.q, maxSuppress: int64(r.MaxSuppress)}
		if r.Schedule != nil {
			s, err := newSchedule(r.Schedule, r.MaxSuppress.D())
			if err != nil {
				return c, err
			}
			d.sched = s
		}
		e.defrost = d
	}
	return c, nil
}

// suppressible is decided once every rule is known (a defrost rule may come last).
func (e *Engine) markSuppressible() {
	for i := range e.rules {
		r := &e.rules[i]
		k := r.Kind
		r.suppress = e.defrost != nil && !r.DefrostExempt && (k == KindHigh || k == KindLow || k == KindRate)
	}
}
