package rules

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// t0 and at(min) come from highlimit_test.go.

func atf(min float64) time.Time { return t0.Add(time.Duration(min * float64(time.Minute))) }

func mins(t time.Time) string {
	return fmt.Sprintf("%g", t.Sub(t0).Minutes())
}

// short writes a change as "<type> <rule> s<start> [c<confirmed>] [e<end> x<closed>]"
// with times in minutes after t0.
func short(c ExcursionChange) string {
	x := c.Excursion
	s := fmt.Sprintf("%s %s s%s", c.Type, x.Rule, mins(x.Start))
	if x.Kind == KindBadData {
		s = fmt.Sprintf("%s %s/bad s%s", c.Type, x.Rule, mins(x.Start))
	}
	if x.Confirmed() {
		s += " c" + mins(x.ConfirmedAt)
	}
	if x.Closed() {
		s += " e" + mins(x.End) + " x" + mins(x.ClosedAt)
	}
	return s
}

func shorts(cs []ExcursionChange) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = short(c)
	}
	return out
}

func mn(m float64) Duration { return Duration(m * float64(time.Minute)) }

func newTestEngine(t testing.TB, rules ...Rule) *Engine {
	t.Helper()
	e, err := NewEngine(Profile{Name: "test", Rules: rules}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// step is one reading of a table test and the changes it must cause. Good is the
// default; bad marks a reading of bad quality. q defaults to temperature.
type step struct {
	min  float64
	v    float64
	want []string
	bad  bool
	q    Quantity
	tick bool // Advance to min instead of a reading
}

func (s step) reading() Reading {
	q := s.q
	if q == "" {
		q = Temperature
	}
	return Reading{Time: atf(s.min), Quantity: q, Value: s.v, Good: !s.bad}
}

// run feeds the steps in order and checks each step's changes.
func run(t *testing.T, e *Engine, steps []step) {
	t.Helper()
	for _, s := range steps {
		var st Status
		var ch []ExcursionChange
		if s.tick {
			st, ch = e.Advance(atf(s.min))
		} else {
			st, ch = e.Add(s.reading())
		}
		if st != Applied {
			t.Fatalf("minute %g: status %v, want applied", s.min, st)
		}
		if got := shorts(ch); !slices.Equal(got, s.want) {
			t.Fatalf("minute %g value %g: changes\n  %s\nwant\n  %s", s.min, s.v, strings.Join(got, "\n  "), strings.Join(s.want, "\n  "))
		}
	}
}

func w(s ...string) []string { return s }

func nan() float64 { return math.NaN() }
