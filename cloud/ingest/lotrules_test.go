package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/lotsense/lotsense/cloud/store"
	"github.com/lotsense/lotsense/gateway/wire"
	"github.com/lotsense/lotsense/rules"
)

// at returns t0 plus m minutes.
func at(m float64) time.Time { return t0.Add(time.Duration(m * float64(time.Minute))) }

// feed is what one gateway sends: its readings, numbered in its outbox from 1.
type feed struct {
	site, gw string
	rs       []wire.Reading
}

func (f *feed) add(m float64, sensor, location string, q wire.Quantity, v float64, lots ...string) {
	f.rs = append(f.rs, wire.Reading{Time: at(m), Synced: true, Sensor: sensor, Location: location, Quantity: q, Value: v, Lots: lots})
}

// batch is one message of a feed with the time of its first reading.
type batch struct {
	first time.Time
	msg   Message
}

// batches splits a feed into messages of n readings with contiguous sequence numbers.
func (f *feed) batches(t *testing.T, n int) []batch {
	t.Helper()
	var out []batch
	var enc wire.ReadingEncoder
	for i := 0; i < len(f.rs); i += n {
		b := &wire.ReadingBatch{Header: wire.Header{Site: f.site, Gateway: f.gw, Boot: "b1", Epoch: "e1", FirstSeq: uint64(i) + 1},
			Readings: f.rs[i:min(len(f.rs), i+n)]}
		p, err := enc.Encode(nil, b)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, batch{first: b.Readings[0].Time, msg: Message{Topic: wire.Topic(f.site, f.gw, wire.KindReadings), Payload: p, Received: t0}})
	}
	return out
}

// inOrder merges batches of several gateways by the time of their first reading.
func inOrder(feeds ...[]batch) []batch {
	var all []batch
	for _, f := range feeds {
		all = append(all, f...)
	}
	slices.SortStableFunc(all, func(a, b batch) int { return a.first.Compare(b.first) })
	return all
}

func judgeIngester(t *testing.T, path string, p rules.Profile, maxLots int) (*Ingester, *store.Store) {
	t.Helper()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	in, err := New(Options{Store: st, Profile: p, MaxLots: maxLots, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return in, st
}

// deliver processes batches one message per transaction, as Deliver does.
func deliver(t *testing.T, in *Ingester, bs []batch) {
	t.Helper()
	for _, b := range bs {
		process(t, in, b.msg)
	}
}

func records(t *testing.T, st *store.Store, key string) (store.Lot, []store.Excursion) {
	t.Helper()
	lot, err := st.LotByKey(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	exc, err := st.LotExcursions(context.Background(), lot.ID)
	if err != nil {
		t.Fatal(err)
	}
	return lot, exc
}

// A lot spends 20 minutes above 8 °C in a truck (gateway A, its sensor) and then 25
// in a cold room (gateway B, its sensor): 45 minutes in all, more than the 40 its
// cumulative rule allows. One excursion across both places, confirmed in the room.
func TestCumulativeExposureFollowsTheLotAcrossLocations(t *testing.T) {
	p := rules.Profile{Name: "cumulative-40m", Rules: []rules.Rule{
		{Kind: rules.KindCumulativeHigh, Limit: 8, Allowance: rules.Duration(40 * time.Minute)}}}
	in, st := judgeIngester(t, filepath.Join(t.TempDir(), "c.db"), p, 0)
	truck := &feed{site: "site-1", gw: "gw-truck"}
	for m := range 30 {
		v := 5.0
		if m >= 5 && m < 25 {
			v = 9
		}
		truck.add(float64(m), "t-1", "truck-1", wire.Temperature, v, lotA)
	}
	room := &feed{site: "site-1", gw: "gw-room"}
	for m := 30; m < 90; m++ {
		v := 4.0
		if m < 55 {
			v = 9.5
		}
		room.add(float64(m), "t-7", "cold-room-2", wire.Temperature, v, lotA)
	}
	deliver(t, in, inOrder(truck.batches(t, 10), room.batches(t, 10)))
	lot, exc := records(t, st, lotA)
	if len(exc) != 1 {
		t.Fatalf("excursions %+v, want one", exc)
	}
	e := exc[0]
	// 20 minutes counted by minute 25, 20 more by minute 50 (exactly the allowance),
	// more than the allowance at minute 51; 45 minutes in all.
	if e.Kind != "cumulative_high" || !e.Began.Equal(at(5)) || !e.Detected.Equal(at(51)) || e.Ended != nil ||
		math.Abs(e.BeyondSeconds-45*60) > 60 || e.DelaySeconds != 40*60 || e.Peak != 9.5 || e.Limit != 8 {
		t.Fatalf("excursion %+v, want cumulative_high from minute 5 confirmed at 51, 45 ± 1 min beyond", e)
	}
	if fmt.Sprint(e.Locations) != "[truck-1 cold-room-2]" || fmt.Sprint(e.Sensors) != "[gw-truck/t-1 gw-room/t-7]" ||
		e.Location != "cold-room-2" || e.Sensor != "gw-room/t-7" || e.Site != "site-1" {
		t.Fatalf("excursion at %s/%s %v %v, want confirmed in cold-room-2 across truck-1 and cold-room-2", e.Location, e.Sensor, e.Locations, e.Sensors)
	}
	if lot.Status != store.StatusOnHold || !strings.Contains(lot.StatusReason, "cumulative_high") ||
		!strings.Contains(lot.StatusReason, "allowance of 40m") {
		t.Fatalf("lot %s: %q, want on hold naming the rule and its allowance", lot.Status, lot.StatusReason)
	}
	hist, err := st.LotHistory(context.Background(), lot.ID)
	if err != nil || len(hist) != 1 || hist[0].Actor != rulesActor || !hist[0].At.Equal(at(51)) {
		t.Fatalf("status history %+v, %v", hist, err)
	}
	al := listAlerts(t, st, store.AlertFilter{Kind: store.KindExcursion})
	if len(al) != 1 || al[0].Location != "cold-room-2" || al[0].ExcursionID != e.ID || al[0].Severity != store.SeverityCritical {
		t.Fatalf("excursion alerts %+v", al)
	}
}

// The lot of a room with two probes: one reads just above the limit, the other well
// below. Interleaved, the two would look like a value going up and down every 30 s;
// the worst case of both stays above and the excursion is confirmed, naming the warm
// probe only.
func TestTwoProbesGiveTheWorstCase(t *testing.T) {
	in, st := judgeIngester(t, filepath.Join(t.TempDir(), "c.db"), rules.Profile{Name: "chilled", Rules: []rules.Rule{
		{Kind: rules.KindHigh, Limit: 8, Delay: rules.Duration(15 * time.Minute), ClearMargin: 0.5}}}, 0)
	room := &feed{site: "site-1", gw: "gw-1"}
	for m := range 40 {
		room.add(float64(m), "probe-a", "room-1", wire.Temperature, 8.6, lotA)
		room.add(float64(m)+0.5, "probe-b", "room-1", wire.Temperature, 7, lotA)
	}
	deliver(t, in, room.batches(t, 20))
	_, exc := records(t, st, lotA)
	if len(exc) != 1 || !exc[0].Began.Equal(at(0)) || !exc[0].Detected.Equal(at(15)) || fmt.Sprint(exc[0].Sensors) != "[gw-1/probe-a]" {
		t.Fatalf("excursions %+v, want one from minute 0 confirmed at 15 by probe-a", exc)
	}
}

// scenario is a lot's afternoon: 60 minutes in a truck with a warm spell, then a cold
// room with two probes 30 s apart, a door opened for 10 minutes, a defrost, a warm
// spell only the second probe sees, and a cold spell. Another lot shares the room.
func scenario(t *testing.T) (truck, room *feed) {
	truck = &feed{site: "site-1", gw: "gw-truck"}
	for m := range 60 {
		v := 5.0
		switch {
		case m >= 10 && m < 35:
			v = 9 + float64(m%4)*0.3
		case m == 20:
			v = 8.2 // in the hysteresis band
		}
		truck.add(float64(m), "t-1", "truck-1", wire.Temperature, v, lotA)
	}
	room = &feed{site: "site-1", gw: "gw-room"}
	for m := 60; m < 240; m++ {
		a, b := 4.0, 4.6
		switch {
		case m >= 120 && m < 160:
			a, b = 7.7, 8.5+float64(m%3)*0.2
		case m >= 180 && m < 195:
			a, b = 9, 9.3 // a defrost until 190: no alarm for the 5 minutes after it
		case m >= 200 && m < 230:
			a, b = 1.5, 2.3
		}
		room.add(float64(m), "probe-a", "room-1", wire.Temperature, a, lotA, lotB)
		room.add(float64(m)+0.5, "probe-b", "room-1", wire.Temperature, b, lotA, lotB)
		if m%5 == 0 {
			door := 0.0
			if m >= 100 && m < 110 {
				door = 1
			}
			room.add(float64(m)+0.2, "door-1", "room-1", wire.DoorOpen, door, lotA, lotB)
			defrost := 0.0
			if m >= 180 && m < 190 {
				defrost = 1
			}
			room.add(float64(m)+0.1, "ctl-1", "room-1", wire.DefrostActive, defrost, lotA, lotB)
		}
	}
	return truck, room
}

var scenarioProfile = rules.Profile{Name: "scenario", Rules: []rules.Rule{
	{Kind: rules.KindHigh, Limit: 8, Delay: rules.Duration(10 * time.Minute), ClearMargin: 0.5},
	{Kind: rules.KindCumulativeHigh, Limit: 8, Allowance: rules.Duration(30 * time.Minute)},
	{Kind: rules.KindLow, Limit: 2, Delay: rules.Duration(10 * time.Minute), ClearMargin: 0.5},
	{Kind: rules.KindDoorOpen, After: rules.Duration(5 * time.Minute)},
	{Kind: rules.KindDefrost},
}}

// verdict is what an excursion record says, without its store id.
func verdict(e store.Excursion) string {
	end := "open"
	if e.Ended != nil {
		end = e.Ended.Format("15:04:05") + "/" + e.Closed.Format("15:04:05")
	}
	return fmt.Sprintf("%s %s %s conf %s end %s peak %.2f beyond %.0fs unknown %.0fs at %s/%s %v %v",
		e.Ref, e.Kind, e.Severity, e.Detected.Format("15:04:05"), end, e.Peak, e.BeyondSeconds, e.UnknownSeconds,
		e.Location, e.Sensor, e.Locations, e.Sensors)
}

// verdicts lists what the records of a lot say, retracted ones left out, and its status.
func lotVerdicts(t *testing.T, st *store.Store, key string) []string {
	t.Helper()
	lot, exc := records(t, st, key)
	out := []string{"status " + lot.Status}
	for _, e := range exc {
		if e.Retracted == nil {
			out = append(out, verdict(e))
		}
	}
	slices.Sort(out)
	return out
}

// The scenario in time order gives the excursions it should. Lot A: the truck's warm
// spell (25 minutes above 8 °C, the reading in the band included), the door, the
// second probe's warm spell (40 minutes: its last value still fresh at the first probe's
// reading after it), the defrost's 15 minutes excused for the high rule but counted by
// cumulative_high (confirmed once 25 + 5.5 minutes exceed 30), the cold spell judged
// on the coldest probe. Lot B, in the room only, the same without the truck.
func TestScenarioInOrder(t *testing.T) {
	in, st := judgeIngester(t, filepath.Join(t.TempDir(), "c.db"), scenarioProfile, 0)
	truck, room := scenario(t)
	deliver(t, in, inOrder(truck.batches(t, 10), room.batches(t, 25)))
	want := map[string][]string{lotA: {
		"cumulative_high@2026-11-22T06:10:00Z cumulative_high critical conf 08:06:00 end open peak 9.90 beyond 4830s unknown 0s at room-1/gw-room/probe-b [truck-1 room-1] [gw-truck/t-1 gw-room/probe-b gw-room/probe-a]",
		"door_open@2026-11-22T07:40:12Z door_open warning conf 07:45:12 end 07:50:12/07:50:12 peak 0.00 beyond 600s unknown 0s at room-1/gw-room/door-1 [room-1] [gw-room/door-1]",
		"high@2026-11-22T06:10:00Z high critical conf 06:20:00 end 06:35:00/06:35:00 peak 9.90 beyond 1500s unknown 0s at truck-1/gw-truck/t-1 [truck-1] [gw-truck/t-1]",
		"high@2026-11-22T08:00:30Z high critical conf 08:10:30 end 08:40:30/08:40:30 peak 8.90 beyond 2400s unknown 0s at room-1/gw-room/probe-b [room-1] [gw-room/probe-b]",
		"low@2026-11-22T09:20:00Z low critical conf 09:30:00 end 09:50:30/09:50:30 peak 1.50 beyond 1800s unknown 0s at room-1/gw-room/probe-a [room-1] [gw-room/probe-a]",
		"status on_hold",
	}, lotB: {
		"cumulative_high@2026-11-22T08:00:30Z cumulative_high critical conf 08:31:00 end open peak 9.30 beyond 3330s unknown 0s at room-1/gw-room/probe-b [room-1] [gw-room/probe-b gw-room/probe-a]",
		"door_open@2026-11-22T07:40:12Z door_open warning conf 07:45:12 end 07:50:12/07:50:12 peak 0.00 beyond 600s unknown 0s at room-1/gw-room/door-1 [room-1] [gw-room/door-1]",
		"high@2026-11-22T08:00:30Z high critical conf 08:10:30 end 08:40:30/08:40:30 peak 8.90 beyond 2400s unknown 0s at room-1/gw-room/probe-b [room-1] [gw-room/probe-b]",
		"low@2026-11-22T09:20:00Z low critical conf 09:30:00 end 09:50:30/09:50:30 peak 1.50 beyond 1800s unknown 0s at room-1/gw-room/probe-a [room-1] [gw-room/probe-a]",
		"status on_hold",
	}}
	for _, key := range []string{lotA, lotB} {
		if got := lotVerdicts(t, st, key); strings.Join(got, "\n") != strings.Join(want[key], "\n") {
			t.Errorf("lot %s:\n%s\nwant:\n%s", key, strings.Join(got, "\n"), strings.Join(want[key], "\n"))
		}
	}
}

// Readings delivered late and out of order — a gateway's backlog after an outage, its
// batches shuffled and one delivered twice; everything shuffled; one lot engine in
// memory at a time — give the same excursions as in time order.
func TestLateReadingsGiveTheExcursionsOfTimeOrder(t *testing.T) {
	truck, room := scenario(t)
	tb, rb := truck.batches(t, 10), room.batches(t, 25)
	run := func(t *testing.T, maxLots int, bs []batch) (a, b []string) {
		in, st := judgeIngester(t, filepath.Join(t.TempDir(), "c.db"), scenarioProfile, maxLots)
		deliver(t, in, bs)
		t.Logf("revisions: %v inserted, %v rebuilt, %v too old; %v retracted", counterValue(t, in.m.revisions.WithLabelValues("inserted")),
			counterValue(t, in.m.revisions.WithLabelValues("rebuilt")), counterValue(t, in.m.revisions.WithLabelValues("too_old")),
			counterValue(t, in.m.retracted))
		if len(bs) > 0 && bs[0].first != t0 && counterValue(t, in.m.revisions.WithLabelValues("rebuilt")) == 0 {
			t.Errorf("no engine rebuilt")
		}
		return lotVerdicts(t, st, lotA), lotVerdicts(t, st, lotB)
	}
	wantA, wantB := run(t, 0, inOrder(tb, rb))
	rnd := rand.New(rand.NewPCG(7, 7))
	backlog := func() []batch {
		// The room's gateway was offline from minute 90 to 170: those batches come
		// after everything else, shuffled, one twice; so does the truck's minute 20 to 40.
		var now, later []batch
		for _, b := range inOrder(tb, rb) {
			m := b.first.Sub(t0).Minutes()
			if (b.msg.Topic == rb[0].msg.Topic && m >= 90 && m < 170) || (b.msg.Topic == tb[0].msg.Topic && m >= 20 && m < 40) {
				later = append(later, b)
			} else {
				now = append(now, b)
			}
		}
		rnd.Shuffle(len(later), func(i, j int) { later[i], later[j] = later[j], later[i] })
		return append(append(now, later...), later[2])
	}
	shuffled := func() []batch {
		all := inOrder(tb, rb)
		rnd.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		return all
	}
	for name, c := range map[string]struct {
		max int
		bs  []batch
	}{
		"backlog":                    {0, backlog()},
		"shuffled":                   {0, shuffled()},
		"shuffled again":             {0, shuffled()},
		"backlog, one lot in memory": {1, backlog()},
	} {
		t.Run(name, func(t *testing.T) {
			a, b := run(t, c.max, c.bs)
			if strings.Join(a, "\n") != strings.Join(wantA, "\n") {
				t.Errorf("lot A:\n%s\nin time order:\n%s", strings.Join(a, "\n"), strings.Join(wantA, "\n"))
			}
			if strings.Join(b, "\n") != strings.Join(wantB, "\n") {
				t.Errorf("lot B:\n%s\nin time order:\n%s", strings.Join(b, "\n"), strings.Join(wantB, "\n"))
			}
		})
	}
}

// A restart anywhere — a new Ingester on the same database — confirms at the same
// reading as a run never stopped: the engines' state is saved with the readings.
func TestRestartMidDelayConfirmsAtTheSameReading(t *testing.T) {
	truck, room := scenario(t)
	bs := inOrder(truck.batches(t, 10), room.batches(t, 25))
	want := func() []string {
		in, st := judgeIngester(t, filepath.Join(t.TempDir(), "c.db"), scenarioProfile, 0)
		deliver(t, in, bs)
		return lotVerdicts(t, st, lotA)
	}()
	// Batch 1 ends at minute 9, 2 mid-way through the truck's high delay, 8 in the
	// room before cumulative_high is confirmed, 20 in the room's warm spell.
	for _, k := range []int{1, 2, 8, 20} {
		path := filepath.Join(t.TempDir(), "c.db")
		in, _ := judgeIngester(t, path, scenarioProfile, 0)
		deliver(t, in, bs[:k])
		in2, st2 := judgeIngester(t, path, scenarioProfile, 0)
		deliver(t, in2, bs[k:])
		if got := lotVerdicts(t, st2, lotA); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("restart after batch %d:\n%s\nwant:\n%s", k, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// A late reading showing a confirmed excursion was not one (the warm run was broken)
// retracts its record — kept, marked — and updates its alert; the lot stays on hold
// for QA to decide.
func TestLateReadingRetractsAnExcursion(t *testing.T) {
	in, st := judgeIngester(t, filepath.Join(t.TempDir(), "c.db"), HighLimitProfile(8, 15*time.Minute), 0)
	f := &feed{site: "site-1", gw: "gw-1"}
	for m := range 30 {
		v := 9.0
		if m < 5 || m == 15 {
			v = 5
		}
		f.add(float64(m), "th-1", "room-1", wire.Temperature, v, lotA)
	}
	late := f.rs[15]
	f.rs = slices.Delete(f.rs, 15, 16)
	deliver(t, in, f.batches(t, 30))
	if _, exc := records(t, st, lotA); len(exc) != 1 || !exc[0].Detected.Equal(at(20)) {
		t.Fatalf("excursions %+v, want one confirmed at minute 20", exc)
	}
	g := &feed{site: "site-1", gw: "gw-1", rs: []wire.Reading{late}}
	b := g.batches(t, 1)[0]
	b.msg.Payload = func() []byte { // its own sequence number, after the others
		var enc wire.ReadingEncoder
		p, _ := enc.Encode(nil, &wire.ReadingBatch{Header: wire.Header{Site: "site-1", Gateway: "gw-1", Boot: "b1", Epoch: "e1", FirstSeq: 30},
			Readings: []wire.Reading{late}})
		return p
	}()
	deliver(t, in, []batch{b})
	lot, exc := records(t, st, lotA)
	if len(exc) != 1 || exc[0].Retracted == nil || !strings.Contains(exc[0].RetractNote, "not confirmed") || exc[0].Ended == nil {
		t.Fatalf("excursions %+v, want the one retracted", exc)
	}
	if lot.Status != store.StatusOnHold || lot.OpenExcursions != 0 {
		t.Fatalf("lot %+v, want on hold with no open excursion", lot)
	}
	al := listAlerts(t, st, store.AlertFilter{Kind: store.KindExcursion})
	if len(al) != 1 || al[0].Count != 2 || !strings.Contains(al[0].Message, "retracted") || al[0].State != store.AlertResolved {
		t.Fatalf("alerts %+v, want the excursion alert updated with the retraction and resolved", al)
	}
}

// A door left open is a warning: recorded and alerted, but the lot is not put on hold.
func TestWarningExcursionDoesNotHold(t *testing.T) {
	in, st := judgeIngester(t, filepath.Join(t.TempDir(), "c.db"), rules.Profile{Name: "door", Rules: []rules.Rule{
		{Kind: rules.KindDoorOpen, After: rules.Duration(5 * time.Minute)}}}, 0)
	f := &feed{site: "site-1", gw: "gw-1"}
	for m := range 20 {
		door := 0.0
		if m >= 2 && m < 12 {
			door = 1
		}
		f.add(float64(m), "door-1", "room-1", wire.DoorOpen, door, lotA)
		f.add(float64(m), "th-1", "room-1", wire.Temperature, 4, lotA)
	}
	deliver(t, in, f.batches(t, 10))
	lot, exc := records(t, st, lotA)
	if len(exc) != 1 || exc[0].Kind != "door_open" || exc[0].Severity != "warning" || exc[0].BeyondSeconds != 600 || exc[0].Ended == nil {
		t.Fatalf("excursions %+v, want one door_open warning of 10 minutes", exc)
	}
	if lot.Status != store.StatusReleased {
		t.Fatalf("lot %s, want released", lot.Status)
	}
	if al := listAlerts(t, st, store.AlertFilter{Kind: store.KindExcursion}); len(al) != 1 || al[0].Severity != "warning" {
		t.Fatalf("alerts %+v, want one warning", al)
	}
}

// counterValue reads a counter's value.
func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// Another profile on the same database: the lot's saved state does not fit it, so its
// engine starts again from the next readings; what was recorded stays.
func TestProfileChangeRestartsTheEngine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	in, _ := judgeIngester(t, path, HighLimitProfile(8, 15*time.Minute), 0)
	f := &feed{site: "site-1", gw: "gw-1"}
	for m := range 60 {
		v := 9.0
		if m >= 20 && m < 30 {
			v = 4
		}
		f.add(float64(m), "th-1", "room-1", wire.Temperature, v, lotA)
	}
	bs := f.batches(t, 30)
	deliver(t, in, bs[:1])
	in2, st := judgeIngester(t, path, HighLimitProfile(8, 5*time.Minute), 0)
	deliver(t, in2, bs[1:])
	_, exc := records(t, st, lotA)
	var got []string
	for _, e := range exc {
		got = append(got, e.Profile+" "+e.Ref+" "+e.Detected.Format("15:04"))
	}
	if strings.Join(got, ", ") != "high-8-5m high@2026-11-22T06:30:00Z 06:35, high-8-15m high@2026-11-22T06:00:00Z 06:15" {
		t.Fatalf("excursions %v", got)
	}
}

// pharma-2-8 (high, high_hard, cumulative_high, a 24 h sliding MKT, low) over 30 hours
// of two probes 5 minutes apart, a warm day (12 h above 8 °C) pushing the MKT above
// 8 °C once 24 h are covered, a cold hour: the batches shuffled give the excursions of
// time order.
func TestPharmaProfileShuffledGivesTimeOrder(t *testing.T) {
	seeds := 3
	if testing.Short() {
		seeds = 1
	}
	p, _ := rules.Builtin("pharma-2-8")
	room := &feed{site: "site-1", gw: "gw-1"}
	for i := range 30 * 12 {
		m := float64(i * 5)
		h := m / 60
		a := 5 + 2*math.Sin(h/3)
		if h >= 8 && h < 20 {
			a = 9.5 + math.Sin(h) // a warm day
		}
		if h >= 26 && h < 27 {
			a = 1.2 // and a cold hour
		}
		room.add(m, "probe-a", "room-1", wire.Temperature, a, lotA)
		room.add(m+2.5, "probe-b", "room-1", wire.Temperature, a-0.4, lotA)
	}
	bs := room.batches(t, 16)
	run := func(bs []batch) []string {
		in, st := judgeIngester(t, filepath.Join(t.TempDir(), "c.db"), p, 0)
		deliver(t, in, bs)
		return lotVerdicts(t, st, lotA)
	}
	want := run(bs)
	kinds := map[string]bool{}
	for _, v := range want {
		kinds[strings.Fields(v)[1]] = true
	}
	if !kinds["mkt"] || !kinds["high"] || !kinds["low"] || !strings.Contains(strings.Join(want, " "), "mkt critical conf 06:00:00 end 10:30:00/10:30:00 peak 8.20 beyond 16200s unknown 0s at room-1/gw-1/probe-a [room-1] [gw-1/probe-a gw-1/probe-b]") {
		t.Fatalf("in time order: %s; want high, low and mkt excursions, the MKT above 8 °C once 24 h are covered", strings.Join(want, "\n"))
	}
	for seed := range uint64(seeds) {
		rnd := rand.New(rand.NewPCG(seed, 4))
		shuffled := slices.Clone(bs)
		rnd.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if got := run(shuffled); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("shuffled (seed %d):\n%s\nin time order:\n%s", seed, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}
