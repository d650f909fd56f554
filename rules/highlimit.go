package rules

import (
	"fmt"
	"math"
	"time"
)

// Sample is one reading as a rule sees it.
type Sample struct {
	Time  time.Time
	Value float64
	// Good is false for readings marked bad or unavailable: rules skip them, so a failing
	// probe never starts or ends an excursion with a made-up number.
	Good bool
}

// HighLimit fires when the value stays above Limit continuously for longer than Delay
// (e.g. above 8 °C for more than 30 minutes), judged in event time.
type HighLimit struct {
	Limit float64       `json:"limit"`
	Delay time.Duration `json:"delay"`
}

// Validate reports a rule that cannot be evaluated.
func (r HighLimit) Validate() error {
	if math.IsNaN(r.Limit) || math.IsInf(r.Limit, 0) {
		return fmt.Errorf("rules: high limit %v is not a finite number", r.Limit)
	}
	if r.Delay < 0 {
		return fmt.Errorf("rules: high limit delay %v is negative", r.Delay)
	}
	return nil
}

// HighLimitState is the saved state of one HighLimit over one series (one lot seen by
// one sensor). The zero value is the start state. It marshals to JSON as is.
type HighLimitState struct {
	// Last is the time of the latest sample applied; older samples are reported late.
	Last time.Time `json:"last"`
	// AboveSince is the time of the first sample of the current run above the limit,
	// zero when the last good sample was at or below it.
	AboveSince time.Time `json:"above_since"`
	// Firing is true from the moment the delay elapsed until a sample at or below the limit.
	Firing bool `json:"firing"`
	// Peak is the highest value of the current run above the limit.
	Peak float64 `json:"peak"`
}

// Change says what a sample did to the rule's verdict.
type Change int

const (
	NoChange Change = iota
	// Started: the delay has elapsed; Event.Began is when the value first went above.
	Started
	// Ended: a good sample at or below the limit ended a firing excursion.
	Ended
	// Late: the sample is older than one already applied and was not used. Out-of-order
	// samples arrive after an outage with alarms sent first; the caller keeps them
	// (they are stored) but this rule judges each series in arrival order of time.
	Late
)

func (c Change) String() string {
	switch c {
	case Started:
		return "started"
	case Ended:
		return "ended"
	case Late:
		return "late"
	}
	return "none"
}

// Event describes a change in the verdict.
type Event struct {
	Change Change
	// Began is when the value first went above the limit in this run.
	Began time.Time
	// At is when the change took effect in event time: for Started, the sample at which
	// the delay had elapsed; for Ended, the sample at or below the limit.
	At time.Time
	// Peak is the highest value of the run so far.
	Peak float64
}

// Step applies one sample to the state and returns what changed. It is a pure function
// of the rule, the previous state and the sample.
func (r HighLimit) Step(s HighLimitState, x Sample) (HighLimitState, Event) {
	if !s.Last.IsZero() && x.Time.Before(s.Last) {
		return s, Event{Change: Late, At: x.Time}
	}
	if !x.Good {
		return s, Event{}
	}
	s.Last = x.Time
	if x.Value <= r.Limit {
		ev := Event{}
		if s.Firing {
			ev = Event{Change: Ended, Began: s.AboveSince, At: x.Time, Peak: s.Peak}
		}
		return HighLimitState{Last: x.Time}, ev
	}
	if s.AboveSince.IsZero() {
		s.AboveSince, s.Peak = x.Time, x.Value
	}
	s.Peak = max(s.Peak, x.Value)
	if !s.Firing && x.Time.Sub(s.AboveSince) > r.Delay {
		s.Firing = true
		return s, Event{Change: Started, Began: s.AboveSince, At: x.Time, Peak: s.Peak}
	}
	return s, Event{}
}
