package rules

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

// allKinds uses every rule kind and option, with short times so a few hours of
// readings exercise all of them.
func allKinds() Profile {
	return Profile{Name: "all", Rules: []Rule{
		{Name: "high", Kind: KindHigh, Limit: 8, Delay: mn(10), ClearMargin: 0.5, ClearDelay: mn(5), BadAlarm: &BadAlarm{Count: 3}},
		{Name: "hard", Kind: KindHigh, Limit: 12, DefrostExempt: true},
		{Name: "low", Kind: KindLow, Limit: 2, Delay: mn(10), BadAlarm: &BadAlarm{For: mn(4)}},
		{Name: "cumulative", Kind: KindCumulativeHigh, Limit: 8, Allowance: mn(60), MaxGap: mn(10)},
		{Name: "cold", Kind: KindCumulativeLow, Limit: 2, Allowance: mn(20)},
		{Name: "mkt", Kind: KindMKT, Limit: 7, Window: mn(60), MinTime: mn(30), ClearMargin: 0.2},
		{Name: "life", Kind: KindMKT, Limit: 6, MinTime: mn(30)},
		{Name: "rate", Kind: KindRate, PerMinute: 0.3, Span: mn(10), Delay: mn(2)},
		{Name: "offline", Kind: KindOffline, After: mn(10)},
		{Name: "door", Kind: KindDoorOpen, After: mn(3)},
		{Name: "defrost", Kind: KindDefrost, MaxSuppress: mn(20),
			Schedule: &Schedule{Times: []string{"08:30", "11:00"}, Duration: mn(10)}},
	}}
}

// series generates readings over hours: a temperature wandering across the limits
// with bad readings and gaps, a door, a defrost signal, an ignored humidity, and a
// few exact duplicates.
func series(seed uint64, hours int) []Reading {
	rng := rand.New(rand.NewPCG(seed, 7))
	var rs []Reading
	add := func(tm time.Time, q Quantity, v float64, good bool) {
		rs = append(rs, Reading{Time: tm, Quantity: q, Value: v, Good: good})
	}
	v, door, defrost := 5.0, 0.0, 0.0
	bad := 0
	end := t0.Add(time.Duration(hours) * time.Hour)
	for tm := t0; tm.Before(end); {
		tm = tm.Add(time.Duration(30+rng.IntN(150)) * time.Second)
		if rng.IntN(60) == 0 {
			tm = tm.Add(time.Duration(5+rng.IntN(20)) * time.Minute)
		}
		// the room drifts in 40-minute phases: normal, warm, normal, very warm, cold
		target := []float64{5, 9.5, 5, 13, 0.5}[int(tm.Sub(t0)/(40*time.Minute))%5]
		v += (target-v)*0.15 + rng.NormFloat64()*0.4
		if rng.IntN(80) == 0 {
			bad = 2 + rng.IntN(5) // a failing probe
		}
		add(tm, Temperature, v, bad == 0 && rng.IntN(15) != 0)
		bad = max(bad-1, 0)
		switch rng.IntN(25) {
		case 0:
			door = 1 - door
			add(tm.Add(time.Duration(rng.IntN(60))*time.Second), DoorOpen, door, true)
		case 1:
			defrost = 1 - defrost
			add(tm, Defrost, defrost, rng.IntN(8) != 0)
		case 2:
			add(tm, Humidity, 80, true)
		case 3:
			rs = append(rs, rs[rng.IntN(len(rs))])
		}
	}
	return rs
}

// ledger is what a caller knows after applying every change it was told.
type ledger map[string]Excursion

func (l ledger) apply(cs []ExcursionChange) {
	for _, c := range cs {
		if c.Type == Retracted {
			delete(l, c.Excursion.ID)
		} else {
			l[c.Excursion.ID] = c.Excursion
		}
	}
}

// same compares two ledgers: every excursion, closed ones field by field; an open
// one's running totals (beyond, unknown, MKT) are not re-reported on every reading.
func (l ledger) same(o ledger) error {
	for id, a := range l {
		b, ok := o[id]
		if !ok {
			return fmt.Errorf("%s missing", id)
		}
		if !a.Closed() {
			a.Beyond, a.Unknown, a.MKT = 0, 0, 0
			b.Beyond, b.Unknown, b.MKT = 0, 0, 0
		}
		if a != b {
			return fmt.Errorf("%s:\n  %+v\nvs\n  %+v", id, a, b)
		}
	}
	if len(l) != len(o) {
		return fmt.Errorf("%d excursions vs %d", len(l), len(o))
	}
	return nil
}

type outcome struct {
	excursions []Excursion
	ledger     ledger
}

func feed(t testing.TB, p Profile, o *Options, rs []Reading) outcome {
	e, err := NewEngine(p, o)
	if err != nil {
		t.Fatal(err)
	}
	l := ledger{}
	for _, r := range rs {
		st, ch := e.Add(r)
		if st == TooLate || st == Invalid {
			t.Fatalf("%+v: %v", r, st)
		}
		l.apply(ch)
	}
	return outcome{e.Excursions(), l}
}

func sorted(rs []Reading) []Reading {
	out := slices.Clone(rs)
	slices.SortStableFunc(out, func(a, b Reading) int { return a.Time.Compare(b.Time) })
	return out
}

func compareOutcomes(t testing.TB, what string, want, got outcome) {
	t.Helper()
	if !reflect.DeepEqual(want.excursions, got.excursions) {
		t.Fatalf("%s: excursions differ from sorted order:\n got %d: %+v\nwant %d: %+v", what,
			len(got.excursions), got.excursions, len(want.excursions), want.excursions)
	}
	if err := want.ledger.same(got.ledger); err != nil {
		t.Fatalf("%s: what the changes told differs from sorted order: %v", what, err)
	}
}

// Any arrival order gives the excursions of time order, and the changes reported on
// the way add up to the same.
func TestPermutationsGiveSortedExcursions(t *testing.T) {
	rs := series(1, 5)
	want := feed(t, allKinds(), nil, sorted(rs))
	if len(want.excursions) < 10 {
		t.Fatalf("the series gives only %d excursions: %+v", len(want.excursions), want.excursions)
	}
	kinds := map[Kind]bool{}
	for _, x := range want.ledger {
		kinds[x.Kind] = true
	}
	for _, k := range append(Kinds[:len(Kinds)-1:len(Kinds)-1], KindBadData) {
		if !kinds[k] {
			t.Errorf("the series never exercises %s", k)
		}
	}
	for seed := range uint64(12) {
		perm := slices.Clone(rs)
		rng := rand.New(rand.NewPCG(seed, 99))
		rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		every := []int{1, 3, 16, 128}[seed%4]
		compareOutcomes(t, fmt.Sprintf("seed %d, checkpoint every %d", seed, every),
			want, feed(t, allKinds(), &Options{CheckpointEvery: every}, perm))
	}
}

// Readings up to an hour late over days, with a short horizon: the history and
// the checkpoints are trimmed as time goes on, and the verdicts still match.
func TestNearlySortedOverDaysWithShortHorizon(t *testing.T) {
	rs := sorted(series(2, 72))
	o := &Options{Horizon: 3 * time.Hour, CheckpointEvery: 8}
	want := feed(t, allKinds(), o, rs)
	rng := rand.New(rand.NewPCG(3, 4))
	arrival := make(map[*Reading]time.Time, len(rs))
	perm := make([]*Reading, len(rs))
	for i := range rs { // each reading arrives up to 1 h after its time
		perm[i] = &rs[i]
		arrival[perm[i]] = rs[i].Time.Add(time.Duration(rng.Int64N(int64(time.Hour))))
	}
	slices.SortFunc(perm, func(a, b *Reading) int { return arrival[a].Compare(arrival[b]) })
	late := make([]Reading, len(perm))
	for i, r := range perm {
		late[i] = *r
	}
	compareOutcomes(t, "up to 1 h late", want, feed(t, allKinds(), o, late))
}

// AddBatch in random chunks equals Add one by one.
func TestAddBatch(t *testing.T) {
	rs := series(5, 4)
	want := feed(t, allKinds(), nil, sorted(rs))
	rng := rand.New(rand.NewPCG(6, 6))
	perm := slices.Clone(rs)
	rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
	e, err := NewEngine(allKinds(), &Options{CheckpointEvery: 5})
	if err != nil {
		t.Fatal(err)
	}
	l := ledger{}
	for len(perm) > 0 {
		n := min(len(perm), 1+rng.IntN(50))
		sts, ch := e.AddBatch(perm[:n])
		for i, st := range sts {
			if st == TooLate || st == Invalid {
				t.Fatalf("%+v: %v", perm[i], st)
			}
		}
		l.apply(ch)
		perm = perm[n:]
	}
	compareOutcomes(t, "batches", want, outcome{e.Excursions(), l})
}

// A late reading can retract a verdict: the run that confirmed was broken.
func TestLateReadingRetracts(t *testing.T) {
	e := newTestEngine(t, Rule{Kind: KindHigh, Limit: 8, Delay: mn(30)})
	run(t, e, []step{
		{min: 0, v: 9, want: w("opened high s0")},
		{min: 10, v: 9}, {min: 20, v: 9},
		{min: 30, v: 9, want: w("confirmed high s0 c30")},
	})
	st, ch := e.Add(Reading{Time: at(15), Quantity: Temperature, Value: 7, Good: true})
	want := w("closed high s0 e15 x15", "updated high s0 e15 x15", "opened high s20")
	if got := shorts(ch); st != Reordered || !slices.Equal(got, want) {
		t.Fatalf("late reading: %v %q, want reordered %q", st, got, want)
	}
	st, ch = e.Add(Reading{Time: at(15), Quantity: Temperature, Value: 7, Good: false})
	if st != Reordered || len(ch) != 0 {
		t.Errorf("late bad reading: %v %q, want reordered and no change", st, shorts(ch))
	}
	// A late reading before the start moves it: a new id, the old one retracted.
	_, ch = e.Add(Reading{Time: at(18), Quantity: Temperature, Value: 9.5, Good: true})
	want = w("opened high s18", "retracted high s20")
	if got := shorts(ch); !slices.Equal(got, want) {
		t.Fatalf("late reading before the start: %q, want %q", got, want)
	}
}

// FuzzArrivalOrder: the fuzzer picks the arrival order; the verdicts must not change.
func FuzzArrivalOrder(f *testing.F) {
	rs := series(9, 3)
	want := feed(f, allKinds(), nil, sorted(rs))
	f.Add([]byte{0}, uint8(1))
	f.Add([]byte{255, 3, 7, 1, 99, 42}, uint8(4))
	f.Fuzz(func(t *testing.T, swaps []byte, every uint8) {
		perm := slices.Clone(rs)
		for k, b := range swaps { // each byte moves one reading back by up to 255 places
			i := (k * 7919) % len(perm)
			j := max(0, i-int(b))
			perm[i], perm[j] = perm[j], perm[i]
		}
		compareOutcomes(t, "fuzzed order", want, feed(t, allKinds(), &Options{CheckpointEvery: int(every%64) + 1}, perm))
	})
}

// Memory is bounded by the horizon: days of readings keep only the last hours of
// history, checkpoints and closed excursions.
func TestHistoryIsTrimmed(t *testing.T) {
	p := Profile{Name: "p", Rules: []Rule{
		{Kind: KindHigh, Limit: 8},
		{Kind: KindMKT, Limit: 8, Window: mn(60), MinTime: mn(30)},
		{Kind: KindRate, PerMinute: 1, Span: mn(30)},
	}}
	e, err := NewEngine(p, &Options{Horizon: 2 * time.Hour, CheckpointEvery: 16})
	if err != nil {
		t.Fatal(err)
	}
	for m := range 10 * 24 * 60 { // ten days, one reading a minute, an excursion an hour
		v := 5.0
		if m%60 < 5 {
			v = 9
		}
		e.Add(Reading{Time: at(m), Quantity: Temperature, Value: v, Good: true})
	}
	// kept: 2 h of horizon, the 1 h window (plus max_gap) of the oldest checkpoint,
	// and up to two checkpoint spacings
	if n := len(e.hist); n > 120+75+32 {
		t.Errorf("%d readings of history kept", n)
	}
	if n := len(e.cks); n > 120/16+2 {
		t.Errorf("%d checkpoints kept", n)
	}
	if n := len(e.closed); n > 4 {
		t.Errorf("%d closed excursions kept", n)
	}
	if xs := e.Excursions(); len(xs) != 2 || xs[0].Start.Before(at(10*24*60-120)) {
		t.Errorf("excursions %+v, want the two closed within the horizon", xs)
	}
}
