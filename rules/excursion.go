package rules

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Excursion is one verdict of one rule over the series. Times are UTC.
type Excursion struct {
	// ID is "<rule>@<start, RFC 3339 with nanoseconds, UTC>", or "<rule>/bad@<start>"
	// for a bad_data excursion: the same for the same rule and start in every run. A
	// second excursion of a rule starting at the same instant (possible only for a
	// rate rule fed several readings of one time) gets "#1", "#2", ….
	ID       string   `json:"id"`
	Rule     string   `json:"rule"`
	Kind     Kind     `json:"kind"` // the rule's kind, or bad_data
	Quantity Quantity `json:"quantity"`
	Severity Severity `json:"severity"`
	// Limit is the rule's limit (per_minute for rate; 0 for offline, door_open, bad_data).
	Limit float64 `json:"limit"`
	// Start: the first sample beyond the limit (high, low, rate, mkt: the first sample
	// at which it was judged beyond; cumulative: the first sample beyond, ever); the
	// last good sample before the silence (offline); the door's opening (door_open); the
	// first bad sample of the run (bad_data).
	Start time.Time `json:"start"`
	// ConfirmedAt is the sample at which the delay had elapsed (the alarm); zero while
	// the excursion is only pending.
	ConfirmedAt time.Time `json:"confirmed_at,omitzero"`
	// End is when the condition ended: the first clearing sample (the door's closing,
	// the good sample ending a silence or a bad run); zero while open.
	End time.Time `json:"end,omitzero"`
	// ClosedAt is the sample at which the clear delay had elapsed; zero while open.
	ClosedAt time.Time `json:"closed_at,omitzero"`
	// Peak is the worst value: highest (high, cumulative_high), lowest (low,
	// cumulative_low), highest MKT (mkt), steepest rate per minute (rate); 0 otherwise.
	Peak float64 `json:"peak"`
	// Beyond is the time spent beyond the limit (see README: sample-and-hold, each
	// interval capped at max_gap); for offline, door_open and bad_data, the duration.
	Beyond Duration `json:"beyond"`
	// Unknown is the time not accounted for because a gap between good samples was
	// longer than max_gap (for cumulative rules, over the whole series).
	Unknown Duration `json:"unknown"`
	// MKT is the latest mean kinetic temperature of an mkt rule's excursion, °C.
	MKT float64 `json:"mkt,omitempty"`
}

// Confirmed reports whether the excursion's delay has elapsed.
func (x Excursion) Confirmed() bool { return !x.ConfirmedAt.IsZero() }

// Closed reports whether the excursion has ended and its clear delay elapsed.
func (x Excursion) Closed() bool { return !x.ClosedAt.IsZero() }

// ChangeKind says what happened to an excursion.
type ChangeKind uint8

// Change types.
const (
	// Opened: a new excursion, pending until confirmed (offline, bad_data and delay-0
	// rules are opened and confirmed by the same sample).
	Opened ChangeKind = iota + 1
	// Confirmed: the delay elapsed (or the allowance was exceeded): raise the alarm.
	Confirmed
	// Updated: in order, a new peak; after a late sample, any other change of a known
	// excursion — including one that is no longer confirmed or no longer closed.
	Updated
	// Closed: the condition cleared for clear_delay; the excursion is final unless a
	// late sample changes it.
	Closed
	// Retracted: a late sample showed the excursion did not happen as reported (its
	// start moved, so it has a new ID, or it vanished). Excursion is as last reported.
	Retracted
)

var changeNames = [...]string{"", "opened", "confirmed", "updated", "closed", "retracted"}

func (c ChangeKind) String() string {
	if int(c) < len(changeNames) && c > 0 {
		return changeNames[c]
	}
	return fmt.Sprintf("change(%d)", uint8(c))
}

// MarshalJSON writes the change type's name.
func (c ChangeKind) MarshalJSON() ([]byte, error) { return json.Marshal(c.String()) }

// UnmarshalJSON reads a change type's name.
func (c *ChangeKind) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("rules: change type must be a string: %w", err)
	}
	i := slices.Index(changeNames[:], s)
	if i <= 0 {
		return fmt.Errorf("rules: unknown change type %q", s)
	}
	*c = ChangeKind(i)
	return nil
}

// ExcursionChange is one change of one excursion, as the Excursion then stands.
type ExcursionChange struct {
	Type      ChangeKind `json:"type"`
	Excursion Excursion  `json:"excursion"`
}

func utc(ns int64) time.Time { return time.Unix(0, ns).UTC() }

func excursionID(rule string, bad bool, start int64, seq int) string {
	if bad {
		rule += "/bad"
	}
	id := rule + "@" + utc(start).Format(time.RFC3339Nano)
	if seq > 0 {
		id += "#" + strconv.Itoa(seq)
	}
	return id
}

// excursion builds the output form of rule ri's excursion x.
func (e *Engine) excursion(ri int, bad bool, x *excState) Excursion {
	r := &e.rules[ri]
	ex := Excursion{
		ID: excursionID(r.Name, bad, x.Start, x.Seq), Rule: r.Name, Kind: r.Kind, Quantity: r.Quantity,
		Severity: r.Severity, Limit: r.Limit, Start: utc(x.Start), Peak: x.Peak,
		Beyond: Duration(x.Beyond), Unknown: Duration(x.Unknown), MKT: x.MKT,
	}
	if r.Kind == KindRate {
		ex.Limit = r.PerMinute
	}
	if bad {
		ex.Kind, ex.Severity, ex.Limit, ex.Peak, ex.MKT = KindBadData, Warning, 0, 0, 0
	}
	if x.Confirmed {
		ex.ConfirmedAt = utc(x.ConfirmedAt)
	}
	if x.Closed {
		ex.End, ex.ClosedAt = utc(x.End), utc(x.ClosedAt)
	}
	return ex
}

// emit records a change while evaluating in order.
func (e *Engine) emit(t ChangeKind, ri int, bad bool, x *excState) {
	if e.emitting {
		e.changes = append(e.changes, ExcursionChange{Type: t, Excursion: e.excursion(ri, bad, x)})
	}
}

// listed is an excursion with its sort key.
type listed struct {
	rule int
	bad  bool
	ex   Excursion
}

func compareListed(a, b listed) int {
	if c := a.ex.Start.Compare(b.ex.Start); c != 0 {
		return c
	}
	if c := cmp.Compare(a.rule, b.rule); c != 0 {
		return c
	}
	switch {
	case a.bad == b.bad:
		return 0
	case b.bad:
		return -1
	}
	return 1
}

// collect lists the open excursions and the closed ones closed by entry from or later,
// leaving out those that closed before the horizon (cutoff), sorted.
func (e *Engine) collect(from int64) []listed {
	var out []listed
	cutoff := e.cutoff()
	for _, c := range e.closed {
		if c.At >= from && c.X.ClosedAt >= cutoff {
			out = append(out, listed{c.Rule, c.Bad, e.excursion(c.Rule, c.Bad, &c.X)})
		}
	}
	for ri := range e.st.R {
		s := &e.st.R[ri]
		if s.X.Open {
			out = append(out, listed{ri, false, e.excursion(ri, false, &s.X)})
		}
		if s.B.Open {
			out = append(out, listed{ri, true, e.excursion(ri, true, &s.B)})
		}
	}
	slices.SortStableFunc(out, compareListed)
	return out
}

// diff turns two lists of the same excursions (before and after a re-evaluation) into
// changes, ordered by start.
func diff(before, after []listed) []ExcursionChange {
	old := make(map[string]Excursion, len(before))
	for _, l := range before {
		old[l.ex.ID] = l.ex
	}
	type keyed struct {
		listed
		c ExcursionChange
	}
	var out []keyed
	for _, l := range after {
		a := l.ex
		b, known := old[a.ID]
		delete(old, a.ID)
		add := func(t ChangeKind) { out = append(out, keyed{l, ExcursionChange{Type: t, Excursion: a}}) }
		if !known {
			add(Opened)
			b = Excursion{ID: a.ID, Rule: a.Rule, Kind: a.Kind, Start: a.Start}
		}
		moved := b
		if !b.Confirmed() && a.Confirmed() {
			add(Confirmed)
			moved.ConfirmedAt = a.ConfirmedAt
		}
		if !b.Closed() && a.Closed() {
			add(Closed)
			moved.End, moved.ClosedAt = a.End, a.ClosedAt
		}
		if known && moved != a {
			add(Updated)
		}
	}
	for _, l := range before {
		if _, gone := old[l.ex.ID]; gone {
			out = append(out, keyed{l, ExcursionChange{Type: Retracted, Excursion: l.ex}})
		}
	}
	slices.SortStableFunc(out, func(x, y keyed) int { return compareListed(x.listed, y.listed) })
	changes := make([]ExcursionChange, len(out))
	for i, k := range out {
		changes[i] = k.c
	}
	return changes
}

// Excursions returns the excursions of the series: every open one, and the closed ones
// whose ClosedAt is within the horizon of the latest reading (older ones are final and
// were reported as Closed), sorted by start, then rule order.
func (e *Engine) Excursions() []Excursion {
	ls := e.collect(0)
	out := make([]Excursion, len(ls))
	for i, l := range ls {
		out[i] = l.ex
	}
	return out
}
