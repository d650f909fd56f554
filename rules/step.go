package rules

// cond is what one judged sample says about a level rule's condition.
type cond uint8

const (
	condNone   cond = iota // not judged (not enough data): nothing changes
	condClear              // back past limit∓clear_margin
	condBand               // between limit and limit∓clear_margin: no change either way
	condBeyond             // beyond the limit
)

// stepRule applies a reading of the rule's quantity to rule ri.
func (e *Engine) stepRule(ri int, i int64, x *entry) {
	r, s := &e.rules[ri], &e.st.R[ri]
	if r.hasBad {
		e.badStep(ri, r, s, i, x)
	}
	if !x.good {
		return
	}
	switch r.Kind {
	case KindHigh, KindLow:
		e.limitStep(ri, r, s, i, x)
	case KindCumulativeHigh, KindCumulativeLow:
		e.cumulativeStep(ri, r, s, x)
	case KindMKT:
		e.mktStep(ri, r, s, i, x)
	case KindRate:
		e.rateStep(ri, r, s, i, x)
	}
}

// limitStep judges a high or low rule: beyond strictly past the limit, cleared at or
// past limit∓clear_margin.
func (e *Engine) limitStep(ri int, r *crule, s *ruleState, i int64, x *entry) {
	c := condClear
	if r.Kind == KindHigh {
		if x.v > r.Limit {
			c = condBeyond
		} else if x.v > r.Limit-r.ClearMargin {
			c = condBand
		}
	} else {
		if x.v < r.Limit {
			c = condBeyond
		} else if x.v < r.Limit+r.ClearMargin {
			c = condBand
		}
	}
	e.credit(r, s, x)
	e.level(ri, r, s, i, x.t, c, x.v)
}

// credit adds the interval since the previous good sample of the rule's quantity to
// the open excursion: to Beyond, up to max_gap, when that sample was judged beyond; the
// part of a gap longer than max_gap to Unknown.
func (e *Engine) credit(r *crule, s *ruleState, x *entry) {
	prev := &e.st.Q[r.q]
	if !s.X.Open || !prev.Has {
		return
	}
	gap := x.t - prev.T
	covered := min(gap, r.maxGap)
	if s.PrevBeyond {
		s.X.Beyond += covered
	}
	s.X.Unknown += gap - covered
}

// worse reports whether v is a worse peak than p for rule r.
func worse(r *crule, v, p float64) bool {
	switch r.Kind {
	case KindLow, KindCumulativeLow:
		return v < p
	case KindRate:
		switch r.dir {
		case 1:
			return v > p
		case -1:
			return v < p
		}
		return abs(v) > abs(p)
	}
	return v > p
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// level is the excursion state machine of high, low, mkt and rate: a beyond sample
// opens an excursion; it is confirmed at the first sample, beyond or in the band, at
// which it has lasted delay (counted from the end of any defrost suppression); it
// closes at the first sample at which the value has been cleared for clear_delay.
func (e *Engine) level(ri int, r *crule, s *ruleState, i, t int64, c cond, val float64) {
	s.PrevBeyond = c == condBeyond
	x := &s.X
	switch c {
	case condBeyond:
		if !x.Open {
			seq := 0
			if s.HasLast && s.LastStart == t {
				seq = s.LastSeq + 1
			}
			s.HasLast, s.LastStart, s.LastSeq = true, t, seq
			*x = excState{Open: true, Start: t, Peak: val, Seq: seq}
			e.emit(Opened, ri, false, x)
		} else if worse(r, val, x.Peak) {
			x.Peak = val
			e.emit(Updated, ri, false, x)
		}
		x.Clearing = false
		e.tryConfirm(ri, r, x, t)
	case condBand:
		if x.Open {
			x.Clearing = false
			e.tryConfirm(ri, r, x, t)
		}
	case condClear:
		if !x.Open {
			return
		}
		if !x.Clearing {
			x.Clearing, x.ClearSince = true, t
		}
		if t-x.ClearSince >= r.clearDelay {
			e.close(ri, false, x, i, x.ClearSince, t)
		}
	}
}

func (e *Engine) tryConfirm(ri int, r *crule, x *excState, t int64) {
	if x.Confirmed {
		return
	}
	from := x.Start
	if r.suppress {
		if e.suppressed(t) {
			return
		}
		if end, ok := e.lastSuppressEnd(t); ok && end > from {
			from = end
		}
	}
	if t-from >= r.delay {
		x.Confirmed, x.ConfirmedAt = true, t
		e.emit(Confirmed, ri, false, x)
	}
}

// close ends excursion x at end, decided at t by entry i, and files it.
func (e *Engine) close(ri int, bad bool, x *excState, i, end, t int64) {
	x.Open, x.Clearing, x.Closed, x.End, x.ClosedAt = false, false, true, end, t
	e.emit(Closed, ri, bad, x)
	e.closed = append(e.closed, closedRec{At: i, Rule: ri, Bad: bad, X: *x})
	*x = excState{}
}

// openConfirmed opens an excursion that is confirmed at once (offline, bad_data).
func (e *Engine) openConfirmed(ri int, bad bool, x *excState, start, t int64) {
	*x = excState{Open: true, Start: start, Confirmed: true, ConfirmedAt: t, Beyond: t - start}
	e.emit(Opened, ri, bad, x)
	e.emit(Confirmed, ri, bad, x)
}

// badStep counts bad readings of the rule's quantity: the count-th in a row, or one
// at least for after the first of the run, opens a bad_data excursion; the next good
// reading closes it.
func (e *Engine) badStep(ri int, r *crule, s *ruleState, i int64, x *entry) {
	if x.good {
		s.BadRun = 0
		if s.B.Open {
			s.B.Beyond = x.t - s.B.Start
			e.close(ri, true, &s.B, i, x.t, x.t)
		}
		return
	}
	if s.BadRun == 0 {
		s.BadSince = x.t
	}
	s.BadRun++
	switch {
	case s.B.Open:
		s.B.Beyond = x.t - s.B.Start
	case r.badCount > 0 && s.BadRun >= r.badCount, r.badFor > 0 && x.t-s.BadSince >= r.badFor:
		e.openConfirmed(ri, true, &s.B, s.BadSince, x.t)
	}
}

// offlineStep runs on every entry, before it updates its quantity's latest good
// reading: offline once more than after has passed since the last good reading of
// the rule's quantity (or since the series began), up to the next good one.
func (e *Engine) offlineStep(ri int, i int64, x *entry) {
	r, s := &e.rules[ri], &e.st.R[ri]
	own := x.q == r.q && x.good
	if !s.X.Open {
		since := e.st.First
		if q := &e.st.Q[r.q]; q.Has {
			since = q.T
		}
		if x.t-since <= r.after {
			return
		}
		e.openConfirmed(ri, false, &s.X, since, x.t)
	}
	s.X.Beyond = x.t - s.X.Start
	if own {
		e.close(ri, false, &s.X, i, x.t, x.t)
	}
}

// doorStep runs on every entry, after it updated its quantity's latest good reading:
// the door is open from a good reading ≥ 0.5 to the next good reading < 0.5; open for
// at least after is confirmed at the first entry (any quantity, or Advance) that shows it.
func (e *Engine) doorStep(ri int, i int64, x *entry) {
	r, s := &e.rules[ri], &e.st.R[ri]
	q := &e.st.Q[r.q]
	if q.Has && q.V >= 0.5 {
		if !s.X.Open {
			s.X = excState{Open: true, Start: q.T}
			e.emit(Opened, ri, false, &s.X)
		}
		s.X.Beyond = x.t - s.X.Start
		if !s.X.Confirmed && x.t-s.X.Start >= r.after {
			s.X.Confirmed, s.X.ConfirmedAt = true, x.t
			e.emit(Confirmed, ri, false, &s.X)
		}
	} else if s.X.Open {
		s.X.Beyond = q.T - s.X.Start
		e.close(ri, false, &s.X, i, q.T, x.t)
	}
}
