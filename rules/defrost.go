package rules

import (
	"fmt"
	"time"
)

// defrostState follows the defrost signal: a good reading ≥ 0.5 starts a defrost, a
// good reading < 0.5 ends it.
type defrostState struct {
	Active  bool  `json:"active,omitempty"`
	Since   int64 `json:"since,omitempty"`    // start of the active defrost
	Ended   bool  `json:"ended,omitempty"`    // LastEnd is set
	LastEnd int64 `json:"last_end,omitempty"` // end of the latest suppression by the signal
}

func (e *Engine) defrostSample(t int64, v float64) {
	d := &e.st.Defrost
	switch on := v >= 0.5; {
	case on && !d.Active:
		d.Active, d.Since = true, t
	case !on && d.Active:
		d.Active = false
		end := min(t, d.Since+e.defrost.maxSuppress)
		if !d.Ended || end > d.LastEnd {
			d.Ended, d.LastEnd = true, end
		}
	}
}

// suppressed reports whether a defrost suppresses temperature limits at t: the signal
// has been on for less than max_suppress, or t is in a scheduled defrost.
func (e *Engine) suppressed(t int64) bool {
	dr := e.defrost
	if dr == nil {
		return false
	}
	if d := &e.st.Defrost; d.Active && t < d.Since+dr.maxSuppress {
		return true
	}
	return dr.sched != nil && dr.sched.active(t)
}

// lastSuppressEnd returns the end of the latest suppression that ended at or before t.
func (e *Engine) lastSuppressEnd(t int64) (int64, bool) {
	dr := e.defrost
	if dr == nil {
		return 0, false
	}
	d := &e.st.Defrost
	end, ok := d.LastEnd, d.Ended
	if capped := d.Since + dr.maxSuppress; d.Active && capped <= t && (!ok || capped > end) {
		end, ok = capped, true
	}
	if dr.sched != nil {
		if s, sok := dr.sched.lastEnd(t); sok && (!ok || s > end) {
			end, ok = s, true
		}
	}
	return end, ok
}

// schedule is a compiled daily defrost timetable.
type schedule struct {
	loc *time.Location
	hm  [][2]int // hour, minute of each start
	dur int64
}

func newSchedule(s *Schedule, maxSuppress time.Duration) (*schedule, error) {
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("rules: defrost schedule: %w", err)
	}
	c := &schedule{loc: loc, dur: int64(min(s.Duration.D(), maxSuppress))}
	for _, hm := range s.Times {
		t, err := time.Parse("15:04", hm)
		if err != nil {
			return nil, fmt.Errorf("rules: defrost schedule: %w", err)
		}
		c.hm = append(c.hm, [2]int{t.Hour(), t.Minute()})
	}
	return c, nil
}

// each calls fn with every scheduled defrost [start, end) starting yesterday or today
// (local dates of t); a defrost lasts less than a day, so these are all that matter.
func (s *schedule) each(t int64, fn func(start, end int64)) {
	y, m, d := time.Unix(0, t).In(s.loc).Date()
	for day := d - 1; day <= d; day++ {
		for _, hm := range s.hm {
			start := time.Date(y, m, day, hm[0], hm[1], 0, 0, s.loc).UnixNano()
			fn(start, start+s.dur)
		}
	}
}

func (s *schedule) active(t int64) bool {
	on := false
	s.each(t, func(start, end int64) { on = on || start <= t && t < end })
	return on
}

func (s *schedule) lastEnd(t int64) (int64, bool) {
	var last int64
	ok := false
	s.each(t, func(_, end int64) {
		if end <= t && (!ok || end > last) {
			last, ok = end, true
		}
	})
	return last, ok
}
