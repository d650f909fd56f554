package rules

import (
	"testing"
	"time"
)

// Every expectation below is worked out by hand from the rule's definition in
// README.md; minutes are after t0, "s" start, "c" confirmed, "e" end, "x" closed.
func TestHighLow(t *testing.T) {
	cases := []struct {
		name  string
		rule  Rule
		steps []step
	}{
		{"exactly at the limit and exactly at the delay",
			Rule{Kind: KindHigh, Limit: 8, Delay: mn(30)},
			[]step{
				{min: 0, v: 8}, // at the limit: not beyond
				{min: 10, v: 8.5, want: w("opened high s10")}, // strictly above
				{min: 20, v: 8.5},
				{min: 30, v: 8.5},
				{min: 40, v: 8.5, want: w("confirmed high s10 c40")}, // 30 min: the delay has elapsed
				{min: 50, v: 8, want: w("closed high s10 c40 e50 x50")},
			}},
		{"flapping without hysteresis never confirms",
			Rule{Kind: KindHigh, Limit: 8, Delay: mn(15)},
			[]step{
				{min: 0, v: 8.1, want: w("opened high s0")},
				{min: 5, v: 7.9, want: w("closed high s0 e5 x5")},
				{min: 10, v: 8.1, want: w("opened high s10")},
				{min: 15, v: 7.9, want: w("closed high s10 e15 x15")},
				{min: 20, v: 8.1, want: w("opened high s20")},
			}},
		{"flapping with hysteresis is one excursion, confirmed in the band",
			Rule{Kind: KindHigh, Limit: 8, Delay: mn(15), ClearMargin: 0.5},
			[]step{
				{min: 0, v: 8.1, want: w("opened high s0")},
				{min: 5, v: 7.9},  // in the band (7.5, 8]: still open
				{min: 10, v: 8.1}, // same peak: no update
				{min: 15, v: 7.9, want: w("confirmed high s0 c15")},
				{min: 20, v: 7.6},
				{min: 25, v: 7.5, want: w("closed high s0 c15 e25 x25")}, // at limit − margin: cleared
			}},
		{"clear delay restarts when the value returns",
			Rule{Kind: KindHigh, Limit: 8, ClearDelay: mn(10)},
			[]step{
				{min: 0, v: 9, want: w("opened high s0", "confirmed high s0 c0")}, // delay 0
				{min: 5, v: 7},    // clearing since 5
				{min: 10, v: 8.5}, // beyond again: clearing forgotten; 8.5 < peak 9
				{min: 15, v: 7},   // clearing since 15
				{min: 20, v: 7},
				{min: 25, v: 7, want: w("closed high s0 c0 e15 x25")},
			}},
		{"bad readings are skipped",
			Rule{Kind: KindHigh, Limit: 8, Delay: mn(20)},
			[]step{
				{min: 0, v: 9, want: w("opened high s0")},
				{min: 10, v: 0, bad: true},
				{min: 15, v: 3, bad: true},
				{min: 20, v: 9, want: w("confirmed high s0 c20")},
				{min: 25, v: 12, want: w("updated high s0 c20")}, // a new peak
			}},
		{"low limit with hysteresis",
			Rule{Kind: KindLow, Limit: 2, Delay: mn(30), ClearMargin: 0.5},
			[]step{
				{min: 0, v: 3},
				{min: 10, v: 2}, // at the limit: not below
				{min: 20, v: 1.9, want: w("opened low s20")},
				{min: 30, v: 2.3}, // band [2, 2.5)
				{min: 40, v: 1.5, want: w("updated low s20")}, // lower peak
				{min: 50, v: 2.2, want: w("confirmed low s20 c50")},
				{min: 60, v: 2.5, want: w("closed low s20 c50 e60 x60")},
			}},
		{"a gap does not end a run",
			Rule{Kind: KindHigh, Limit: 8, Delay: mn(30)},
			[]step{
				{min: 0, v: 9, want: w("opened high s0")},
				{min: 60, v: 9, want: w("confirmed high s0 c60")},
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			run(t, newTestEngine(t, c.rule), c.steps)
		})
	}
}

// Time beyond: each interval between good samples counts by its start sample, up to
// max_gap; the rest of a longer gap is unknown.
func TestHighBeyondAndUnknown(t *testing.T) {
	e := newTestEngine(t, Rule{Kind: KindHigh, Limit: 8, ClearMargin: 0.5})
	run(t, e, []step{
		{min: 0, v: 9, want: w("opened high s0", "confirmed high s0 c0")},
		{min: 10, v: 7.8}, // band: 0→10 counted (9 beyond)
		{min: 20, v: 9},   // 10→20 not (7.8 is not beyond)
		{min: 60, v: 9},   // 20→60: 15 counted (max_gap), 25 unknown
		{min: 70, v: 7, want: w("closed high s0 c0 e70 x70")}, // 60→70 counted
	})
	x := e.Excursions()[0]
	if x.Beyond != mn(35) || x.Unknown != mn(25) || x.Peak != 9 {
		t.Errorf("beyond %v unknown %v peak %v, want 35m, 25m, 9", x.Beyond, x.Unknown, x.Peak)
	}
}

func TestCumulative(t *testing.T) {
	e := newTestEngine(t, Rule{Kind: KindCumulativeHigh, Limit: 8, Allowance: mn(60)})
	run(t, e, []step{
		{min: 0, v: 9, want: w("opened cumulative_high s0")},
		{min: 10, v: 9}, // total 10
		{min: 20, v: 7}, // 20 (10→20 counts by the sample at 10)
		{min: 30, v: 8}, // 20: at the limit is not beyond
		{min: 40, v: 9}, // 20
		{min: 50, v: 10, want: w("updated cumulative_high s0")}, // 30; new peak
		{min: 100, v: 9}, // 45: the 50-minute gap counts 15 (max_gap), 35 unknown
		{min: 110, v: 9}, // 55
		{min: 115, v: 9}, // 60: exactly the allowance is not more than it
		{min: 116, v: 9, want: w("confirmed cumulative_high s0 c116")},
		{min: 120, v: 5}, // never closes
		{min: 200, v: 5},
	})
	x := e.Excursions()[0]
	if x.Beyond != mn(65) || x.Unknown != mn(35+65) || x.Closed() {
		t.Errorf("beyond %v unknown %v closed %v, want 65m, 100m, open", x.Beyond, x.Unknown, x.Closed())
	}

	low := newTestEngine(t, Rule{Kind: KindCumulativeLow, Limit: 2, Allowance: mn(10)})
	run(t, low, []step{
		{min: 0, v: 3},
		{min: 5, v: 1, want: w("opened cumulative_low s5")},
		{min: 10, v: 3}, // 5
		{min: 20, v: 1}, // 5
		{min: 25, v: 1}, // 10: not more
		{min: 26, v: 0.5, want: w("updated cumulative_low s5", "confirmed cumulative_low s5 c26")},
	})
}

func TestRate(t *testing.T) {
	e := newTestEngine(t, Rule{Kind: KindRate, PerMinute: 0.5, Span: mn(10), Direction: "rise"})
	run(t, e, []step{
		{min: 0, v: 5}, {min: 2, v: 5}, {min: 4, v: 5}, // base too recent (< span/2)
		{min: 6, v: 5}, {min: 8, v: 5}, {min: 10, v: 5},
		{min: 12, v: 10}, // base 2: (10−5)/10 = 0.5/min, not more than 0.5
		{min: 14, v: 11, want: w("opened rate s14", "confirmed rate s14 c14")}, // base 4: 0.6/min
		{min: 16, v: 11}, {min: 18, v: 11}, {min: 20, v: 11}, // bases 6, 8, 10: 0.6/min
		{min: 22, v: 11, want: w("closed rate s14 c14 e22 x22")}, // base 12: 0.1/min
		{min: 24, v: 0}, // falling fast: not a rise
		{min: 30, v: 0},
	})
	both := newTestEngine(t, Rule{Kind: KindRate, PerMinute: 0.5, Span: mn(10)})
	run(t, both, []step{
		{min: 0, v: 10}, {min: 5, v: 10},
		{min: 10, v: 4, want: w("opened rate s10", "confirmed rate s10 c10")}, // −0.6/min
	})
	if p := both.Excursions()[0].Peak; p > -0.59 || p < -0.61 {
		t.Errorf("peak rate %v, want -0.6", p)
	}
	// Three readings of one instant are judged in value order: −0.6, 0, +0.6 per
	// minute open, close and open again; the second excursion gets its own id.
	same := newTestEngine(t, Rule{Kind: KindRate, PerMinute: 0.5, Span: mn(10)})
	for _, r := range []step{{min: 0, v: 10}, {min: 5, v: 10}, {min: 10, v: 16}, {min: 10, v: 10}, {min: 10, v: 4}} {
		same.Add(r.reading())
	}
	xs := same.Excursions()
	if len(xs) != 2 || xs[0].ID != "rate@2026-11-22T08:10:00Z" || xs[1].ID != "rate@2026-11-22T08:10:00Z#1" || !xs[0].Closed() || xs[1].Closed() {
		t.Errorf("same-instant excursions %+v", xs)
	}
}

func TestOffline(t *testing.T) {
	e := newTestEngine(t, Rule{Kind: KindOffline, After: mn(15)})
	run(t, e, []step{
		{min: 0, v: 5},
		{min: 10, v: 5},
		{min: 25, v: 5},       // 15 min since the last: not more than after
		{min: 40, tick: true}, // 15 min again
		{min: 41, tick: true, want: w("opened offline s25 c41", "confirmed offline s25 c41")},
		{min: 45, v: 0, bad: true}, // a bad reading is no sign of life
		{min: 50, v: 5, want: w("closed offline s25 c41 e50 x50")},
		{min: 70, v: 5, want: w("opened offline s50 c70", "confirmed offline s50 c70", "closed offline s50 c70 e70 x70")},
	})
	fresh := newTestEngine(t, Rule{Kind: KindOffline, After: mn(15)})
	run(t, fresh, []step{
		{min: 0, tick: true},
		{min: 16, tick: true, want: w("opened offline s0 c16", "confirmed offline s0 c16")}, // never a good sample
	})
}

func TestDoorOpen(t *testing.T) {
	e := newTestEngine(t, Rule{Kind: KindDoorOpen, After: mn(5)}, Rule{Kind: KindHigh, Limit: 100})
	run(t, e, []step{
		{min: 0, v: 0, q: DoorOpen},
		{min: 1, v: 1, q: DoorOpen, want: w("opened door_open s1")},
		{min: 3, v: 4},              // a temperature reading marks time
		{min: 5, v: 1, q: DoorOpen}, // still open: same excursion
		{min: 6, tick: true, want: w("confirmed door_open s1 c6")},
		{min: 8, v: 0, q: DoorOpen, want: w("closed door_open s1 c6 e8 x8")},
		{min: 10, v: 1, q: DoorOpen, want: w("opened door_open s10")},
		{min: 12, v: 0, q: DoorOpen, want: w("closed door_open s10 e12 x12")},
	})
	if x := e.Excursions()[0]; x.Beyond != mn(7) {
		t.Errorf("open for %v, want 7m", x.Beyond)
	}
}

func TestBadAlarm(t *testing.T) {
	e := newTestEngine(t, Rule{Kind: KindHigh, Limit: 8, BadAlarm: &BadAlarm{Count: 3}})
	run(t, e, []step{
		{min: 0, v: 5},
		{min: 1, bad: true},
		{min: 2, bad: true},
		{min: 3, bad: true, want: w("opened high/bad s1 c3", "confirmed high/bad s1 c3")},
		{min: 4, bad: true},
		{min: 5, v: 5, want: w("closed high/bad s1 c3 e5 x5")},
		{min: 6, bad: true},
		{min: 7, v: 9, want: w("opened high s7", "confirmed high s7 c7")}, // the run of one bad is over
	})
	x := e.Excursions()[0]
	if x.Kind != KindBadData || x.ID != "high/bad@2026-11-22T08:01:00Z" || x.Beyond != mn(4) {
		t.Errorf("bad excursion %+v", x)
	}
	byTime := newTestEngine(t, Rule{Kind: KindHigh, Limit: 8, BadAlarm: &BadAlarm{For: mn(10)}})
	run(t, byTime, []step{
		{min: 0, bad: true},
		{min: 5, bad: true},
		{min: 10, bad: true, want: w("opened high/bad s0 c10", "confirmed high/bad s0 c10")},
	})
}

// A defrost suppresses the confirmation of temperature limits; the delay counts from
// the end of the suppression; max_suppress caps a defrost that does not end.
func TestDefrost(t *testing.T) {
	high := Rule{Kind: KindHigh, Limit: 5, Delay: mn(10)}
	defrost := Rule{Kind: KindDefrost, MaxSuppress: mn(30)}
	d := func(min, v float64, want ...string) step { return step{min: min, v: v, q: Defrost, want: want} }
	cases := []struct {
		name  string
		rules []Rule
		steps []step
	}{
		{"an excursion pending when the defrost starts waits for its end", []Rule{high, defrost}, []step{
			{min: 0, v: 4},
			d(5, 1),
			{min: 10, v: 7, want: w("opened high s10")},
			{min: 20, v: 8, want: w("updated high s10")}, // 10 min, but suppressed
			d(25, 0),
			{min: 30, v: 7}, // 5 min after the defrost ended
			{min: 35, v: 6, want: w("confirmed high s10 c35")},
			{min: 40, v: 4, want: w("closed high s10 c35 e40 x40")},
		}},
		{"an excursion confirmed before the defrost stays confirmed", []Rule{high, defrost}, []step{
			{min: 0, v: 7, want: w("opened high s0")},
			{min: 10, v: 7, want: w("confirmed high s0 c10")},
			d(12, 1),
			{min: 20, v: 8, want: w("updated high s0 c10")},
			{min: 30, v: 4, want: w("closed high s0 c10 e30 x30")},
			d(35, 0),
		}},
		{"a defrost longer than max_suppress alarms anyway", []Rule{high, defrost}, []step{
			d(0, 1),
			{min: 5, v: 7, want: w("opened high s5")},
			{min: 20, v: 7},
			{min: 30, v: 7}, // suppression ended at 30: the delay counts from there
			{min: 40, v: 7, want: w("confirmed high s5 c40")},
		}},
		{"an exempt hard limit is not suppressed", []Rule{{Kind: KindHigh, Limit: 10, DefrostExempt: true}, defrost}, []step{
			d(0, 1),
			{min: 5, v: 12, want: w("opened high s5", "confirmed high s5 c5")},
		}},
		{"a defrost signal and a temperature at the same instant: the defrost comes first", []Rule{high, defrost}, []step{
			{min: 0, v: 7, want: w("opened high s0")},
			d(10, 1),
			{min: 10, v: 7}, // would confirm, but the defrost began at 10
		}},
		{"scheduled defrost", []Rule{high, {Kind: KindDefrost, Schedule: &Schedule{Times: []string{"08:00"}, Duration: mn(20)}}}, []step{
			{min: 5, v: 7, want: w("opened high s5")}, // t0 is 08:00 UTC
			{min: 10, v: 7},
			{min: 20, v: 7}, // the window [08:00, 08:20) ended at 20
			{min: 30, v: 7, want: w("confirmed high s5 c30")},
		}},
		{"scheduled defrost in a time zone", []Rule{high, {Kind: KindDefrost, Schedule: &Schedule{Times: []string{"06:00", "09:00"}, Duration: mn(20), TimeZone: "Europe/Berlin"}}}, []step{
			{min: 5, v: 7, want: w("opened high s5")}, // 09:05 in Berlin (UTC+1 in November)
			{min: 15, v: 7},
			{min: 30, v: 7, want: w("confirmed high s5 c30")},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			run(t, newTestEngine(t, c.rules...), c.steps)
		})
	}
}

func TestStatuses(t *testing.T) {
	e, err := NewEngine(Profile{Name: "p", Rules: []Rule{{Kind: KindHigh, Limit: 8}}}, &Options{Horizon: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	r := Reading{Time: at(0), Quantity: Temperature, Value: 5, Good: true}
	for _, c := range []struct {
		r    Reading
		want Status
	}{
		{r, Applied},
		{r, Duplicate},
		{Reading{Time: at(120), Quantity: Temperature, Value: 5, Good: true}, Applied},
		{Reading{Time: at(59), Quantity: Temperature, Value: 5, Good: true}, TooLate},
		{Reading{Time: at(60), Quantity: Temperature, Value: 5, Good: true}, Reordered}, // exactly the horizon
		{Reading{Time: at(60), Quantity: Temperature, Value: 5, Good: true}, Duplicate},
		{Reading{Time: at(121), Quantity: Humidity, Value: 5, Good: true}, Ignored},
		{Reading{Quantity: Temperature, Value: 5, Good: true}, Invalid},
		{Reading{Time: at(122), Quantity: Temperature, Value: nan(), Good: true}, Invalid},
		{Reading{Time: at(122), Quantity: Temperature, Value: nan(), Good: false}, Applied},
	} {
		if st, _ := e.Add(c.r); st != c.want {
			t.Errorf("%+v: %v, want %v", c.r, st, c.want)
		}
	}
	if st, _ := e.Advance(at(100)); st != Ignored {
		t.Errorf("Advance back in time: %v, want ignored", st)
	}
}
