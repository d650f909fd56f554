package rules

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

func restart(t testing.TB, e *Engine, o *Options) *Engine {
	t.Helper()
	b, err := e.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	n, err := NewEngine(e.profile, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Restore(b); err != nil {
		t.Fatal(err)
	}
	return n
}

// A restart in the middle of a delay confirms at the same reading as no restart.
func TestRestartMidDelay(t *testing.T) {
	rule := Rule{Kind: KindHigh, Limit: 8, Delay: mn(30)}
	e := newTestEngine(t, rule)
	run(t, e, []step{{min: 0, v: 9, want: w("opened high s0")}, {min: 10, v: 9}, {min: 20, v: 9}})
	e = restart(t, e, nil)
	run(t, e, []step{{min: 29, v: 9}, {min: 30, v: 9, want: w("confirmed high s0 c30")}})

	cum := newTestEngine(t, Rule{Kind: KindCumulativeHigh, Limit: 8, Allowance: mn(30)})
	run(t, cum, []step{{min: 0, v: 9, want: w("opened cumulative_high s0")}, {min: 10, v: 7}, {min: 20, v: 9}})
	cum = restart(t, cum, nil)
	run(t, cum, []step{{min: 30, v: 9}, {min: 40, v: 9}, {min: 41, v: 9, want: w("confirmed cumulative_high s0 c41")}})
	if x := cum.Excursions()[0]; x.Beyond != mn(31) {
		t.Errorf("cumulative total after restart %v, want 31m", x.Beyond)
	}
}

// Restarting anywhere in a series, with readings out of order before and after,
// gives the changes and excursions of a run without restarts; also with a short
// horizon, so snapshots are taken of trimmed histories.
func TestRestartAnywhere(t *testing.T) {
	for _, c := range []struct {
		hours int
		o     *Options
		step  int
	}{
		{5, &Options{CheckpointEvery: 7}, 23},
		{30, &Options{CheckpointEvery: 5, Horizon: 2 * time.Hour}, 97},
	} {
		rs := series(11, c.hours)
		rng := rand.New(rand.NewPCG(12, 12))
		for i := range rs { // some readings arrive late
			if j := i + rng.IntN(6); j < len(rs) {
				rs[i], rs[j] = rs[j], rs[i]
			}
		}
		whole, err := NewEngine(allKinds(), c.o)
		if err != nil {
			t.Fatal(err)
		}
		var after [][]ExcursionChange
		for _, r := range rs {
			_, ch := whole.Add(r)
			after = append(after, ch)
		}
		for cut := 1; cut < len(rs); cut += c.step {
			e, _ := NewEngine(allKinds(), c.o)
			for _, r := range rs[:cut] {
				e.Add(r)
			}
			e = restart(t, e, c.o)
			for k, r := range rs[cut:] {
				_, ch := e.Add(r)
				if !reflect.DeepEqual(ch, after[cut+k]) {
					t.Fatalf("%d h, restart at %d, reading %d: changes %q, without restart %q", c.hours, cut, cut+k, shorts(ch), shorts(after[cut+k]))
				}
			}
			if !reflect.DeepEqual(e.Excursions(), whole.Excursions()) {
				t.Fatalf("%d h, restart at %d: excursions differ", c.hours, cut)
			}
		}
	}
}

func TestRestoreRefusesOtherSnapshots(t *testing.T) {
	e := newTestEngine(t, Rule{Kind: KindHigh, Limit: 8, Delay: mn(30)})
	e.Add(Reading{Time: at(0), Quantity: Temperature, Value: 9, Good: true})
	b, err := e.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil || doc["version"] != 1.0 {
		t.Fatalf("snapshot %s: version %v, err %v", b, doc["version"], err)
	}
	other := newTestEngine(t, Rule{Kind: KindHigh, Limit: 9, Delay: mn(30)})
	for _, c := range []struct {
		data []byte
		want string
	}{
		{b, "does not fit this engine's profile"},
		{bytes.Replace(b, []byte(`"version":1`), []byte(`"version":2`), 1), "snapshot version 2"},
		{[]byte("{"), "snapshot:"},
	} {
		if err := other.Restore(c.data); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Restore: %v, want an error containing %q", err, c.want)
		}
	}
	same := newTestEngine(t, Rule{Kind: KindHigh, Limit: 8, Delay: mn(30)})
	bad := bytes.Replace(b, []byte(`"history":[[`), []byte(`"history":[[0,5,1,true],[`), 1)
	if err := same.Restore(bad); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("Restore of a bad history: %v", err)
	}
	if err := same.Restore(b); err != nil {
		t.Fatal(err)
	}
	if xs := same.Excursions(); len(xs) != 1 || xs[0].ID != "high@2026-11-22T08:00:00Z" {
		t.Errorf("restored excursions %+v", xs)
	}
}

func TestChangeJSON(t *testing.T) {
	e := newTestEngine(t, Rule{Kind: KindHigh, Limit: 8})
	_, ch := e.Add(Reading{Time: at(0), Quantity: Temperature, Value: 9, Good: true})
	b, err := json.Marshal(ch)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"type":"opened","excursion":{"id":"high@2026-11-22T08:00:00Z","rule":"high","kind":"high","quantity":"temperature","severity":"critical","limit":8,"start":"2026-11-22T08:00:00Z","peak":9,"beyond":"0s","unknown":"0s"}},` +
		`{"type":"confirmed","excursion":{"id":"high@2026-11-22T08:00:00Z","rule":"high","kind":"high","quantity":"temperature","severity":"critical","limit":8,"start":"2026-11-22T08:00:00Z","confirmed_at":"2026-11-22T08:00:00Z","peak":9,"beyond":"0s","unknown":"0s"}}]`
	if string(b) != want {
		t.Errorf("JSON\n%s\nwant\n%s", b, want)
	}
	var back []ExcursionChange
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, ch) {
		t.Errorf("round trip: %v\n%+v\n%+v", err, back, ch)
	}
}
