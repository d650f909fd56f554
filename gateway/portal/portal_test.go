package portal

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/gateway/wire"
)

// pallet returns n EPCs numbered from base and a lot map putting them all in lot.
func pallet(base, n int, lot string, lots lotMap) [][]byte {
	var es [][]byte
	for i := 0; i < n; i++ {
		e := epc(base + i)
		es = append(es, e)
		if lots != nil {
			lots[hexOf(e)] = []string{lot}
		}
	}
	return es
}

func passAll(reader string, es [][]byte, start time.Time, dir func(string, []byte, time.Time, float64) []drivers.TagRead) []drivers.TagRead {
	var streams [][]drivers.TagRead
	for i, e := range es {
		streams = append(streams, dir(reader, e, start.Add(time.Duration(i)*time.Millisecond), -55))
	}
	return merge(streams...)
}

func checkEvent(t *testing.T, e wire.Event, typ, loc, dir string, epcs, lots int) {
	t.Helper()
	if e.Type != typ || e.Location != loc || e.Direction != dir || len(e.EPCs) != epcs || len(e.Lots) != lots {
		t.Fatalf("event %s at %s dir %q with %d EPCs, %d lots; want %s at %s dir %q, %d EPCs, %d lots",
			e.Type, e.Location, e.Direction, len(e.EPCs), len(e.Lots), typ, loc, dir, epcs, lots)
	}
}

func TestInboundPallet(t *testing.T) {
	lots := lotMap{}
	es := append(pallet(0, 30, "lgtin:0614141.812345.L1", lots), pallet(100, 20, "lgtin:0614141.812345.L2", lots)...)
	p := newPortal(t, lots)
	reads := passAll("rA", es, t0, inbound)
	feed(p, reads)
	if out := p.Flush(t0.Add(time.Second)); len(out.Movements) != 0 {
		t.Fatalf("pass ended while tags are still read: %d movements", len(out.Movements))
	}
	out := p.Flush(t0.Add(time.Minute))
	if len(out.Movements) != 50 {
		t.Fatalf("%d movements, want 50", len(out.Movements))
	}
	for _, m := range out.Movements {
		if m.Direction != DirIn || m.Door != "dockA" || m.Unassigned || len(m.Lots) != 1 {
			t.Fatalf("movement %+v", m)
		}
		// 40 reads of TagSeenCount 3; 2 s over 2 zones with a 1 s dedupe window.
		if m.Reads != 120 || m.Sightings != 2 || m.PeakRSSI != -55 {
			t.Fatalf("reads %d sightings %d peak %g", m.Reads, m.Sightings, m.PeakRSSI)
		}
		if !m.Last.After(m.First) {
			t.Fatalf("first %v last %v", m.First, m.Last)
		}
	}
	if len(out.Events) != 1 {
		t.Fatalf("%d events, want 1: %+v", len(out.Events), out.Events)
	}
	e := out.Events[0]
	checkEvent(t, e, TypeReceiving, "dockA", DirIn, 50, 2)
	if e.Attrs[AttrReadPoint] != "urn:epc:id:sgln:0614141.00777.dockA" || e.Attrs[AttrTags] != "50" || e.Attrs[AttrUnassigned] != "0" {
		t.Fatalf("attrs %v", e.Attrs)
	}
	if !e.Time.Equal(reads[len(reads)-1].Time) {
		t.Fatalf("event time %v, want the last read %v", e.Time, reads[len(reads)-1].Time)
	}
	if st := p.Stats(); st.Passes != 50 || st.Moves != 50 || st.Events != 1 || p.Active() != 0 {
		t.Fatalf("stats %+v active %d", st, p.Active())
	}
}

func TestOutbound(t *testing.T) {
	lots := lotMap{}
	es := pallet(0, 10, "L1", lots)
	p := newPortal(t, lots)
	feed(p, passAll("rB", es, t0, outbound))
	out := p.Flush(t0.Add(time.Minute))
	if len(out.Movements) != 10 || len(out.Events) != 1 {
		t.Fatalf("%d movements %d events", len(out.Movements), len(out.Events))
	}
	checkEvent(t, out.Events[0], TypeShipping, "dockB", DirOut, 10, 1)
}

func TestTurnBack(t *testing.T) {
	lots := lotMap{}
	es := pallet(0, 5, "L1", lots)
	p := newPortal(t, lots)
	turn := func(r string, e []byte, at time.Time, rssi float64) []drivers.TagRead {
		return script(r, e, at, 100*time.Millisecond, step{antOut, 10, rssi}, step{antIn, 10, rssi}, step{antOut, 10, rssi})
	}
	feed(p, passAll("rA", es, t0, turn))
	out := p.Flush(t0.Add(time.Minute))
	for _, m := range out.Movements {
		if m.Direction != "" {
			t.Fatalf("turned-back pallet moved: %+v", m)
		}
	}
	if len(out.Movements) != 5 || len(out.Events) != 1 {
		t.Fatalf("%d movements %d events", len(out.Movements), len(out.Events))
	}
	checkEvent(t, out.Events[0], TypeSeen, "dockA", "", 5, 1)
	if st := p.Stats(); st.Seen != 5 || st.Moves != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestOneZoneOnlyIsSeen(t *testing.T) {
	p := newPortal(t, lotMap{hexOf(epc(1)): {"L1"}})
	feed(p, script("rA", epc(1), t0, 200*time.Millisecond, step{antIn, 10, -60}))
	out := p.Drain()
	if len(out.Movements) != 1 || out.Movements[0].Direction != "" || len(out.Events) != 1 || out.Events[0].Type != TypeSeen {
		t.Fatalf("%+v", out)
	}
}

func TestCrossReadStrongestDoorWins(t *testing.T) {
	lots := lotMap{hexOf(epc(1)): {"L1"}}
	p := newPortal(t, lots)
	// The pallet goes out through door B; door A's antennas catch it more weakly.
	feed(p, merge(
		outbound("rB", epc(1), t0, -50),
		inbound("rA", epc(1), t0.Add(10*time.Millisecond), -68),
	))
	out := p.Flush(t0.Add(time.Minute))
	if len(out.Movements) != 1 || out.Movements[0].Door != "dockB" || out.Movements[0].Direction != DirOut {
		t.Fatalf("movements %+v", out.Movements)
	}
	if len(out.Events) != 1 || out.Events[0].Location != "dockB" {
		t.Fatalf("events %+v", out.Events)
	}
	if st := p.Stats(); st.Suppressed != 1 {
		t.Fatalf("suppressed %d, want 1", st.Suppressed)
	}
}

func TestCrossReadTopNMean(t *testing.T) {
	// Door A reads steadily at -60; door B has one strong reflection (-40) and
	// otherwise -70. Max gives B the tag; the mean of the top 3 gives it to A.
	reads := merge(
		inbound("rA", epc(1), t0, -60),
		script("rB", epc(1), t0, 300*time.Millisecond, step{antIn, 1, -40}, step{antIn, 5, -70}),
	)
	for topN, want := range map[int]string{0: "dockB", 3: "dockA"} {
		p, err := New(Config{Doors: []Door{testDoor("dockA", "rA"), testDoor("dockB", "rB")}, TopN: topN})
		if err != nil {
			t.Fatal(err)
		}
		feed(p, reads)
		out := p.Drain()
		if len(out.Movements) != 1 || out.Movements[0].Door != want {
			t.Fatalf("top_n %d: movements %+v, want door %s", topN, out.Movements, want)
		}
	}
}

func TestRSSIFloor(t *testing.T) {
	p := newPortal(t, lotMap{})
	// Tag 1 only ever weaker than the floor (-75): a cross-read, no movement.
	feed(p, inbound("rA", epc(1), t0, -80))
	// Tag 2 passes; its weak reads outside are ignored, so only inside counts.
	feed(p, script("rA", epc(2), t0, 50*time.Millisecond, step{antOut, 10, -85}, step{antIn, 10, -60}))
	out := p.Drain()
	if len(out.Movements) != 1 || hexOf(epc(2)) != out.Movements[0].EPC || out.Movements[0].Direction != "" {
		t.Fatalf("movements %+v", out.Movements)
	}
	if st := p.Stats(); st.BelowFloor != 50 || st.Reads != 60 {
		t.Fatalf("stats %+v", st)
	}
}

func TestUnknownEPCUnassigned(t *testing.T) {
	lots := lotMap{hexOf(epc(1)): {"L1"}}
	p := newPortal(t, lots)
	feed(p, merge(inbound("rA", epc(1), t0, -55), inbound("rA", epc(2), t0, -55), inbound("rA", epc(3), t0, -55)))
	out := p.Drain()
	if len(out.Movements) != 3 {
		t.Fatalf("%d movements", len(out.Movements))
	}
	for _, m := range out.Movements {
		if (m.EPC != hexOf(epc(1))) != m.Unassigned || m.Direction != DirIn {
			t.Fatalf("movement %+v", m)
		}
	}
	if len(out.Events) != 2 {
		t.Fatalf("events %+v", out.Events)
	}
	known, unknown := out.Events[0], out.Events[1]
	checkEvent(t, known, TypeReceiving, "dockA", DirIn, 1, 1)
	if known.Attrs[AttrUnassigned] != "2" || known.Attrs[AttrTags] != "1" {
		t.Fatalf("attrs %v", known.Attrs)
	}
	checkEvent(t, unknown, TypeReceiving, "dockA", DirIn, 2, 0)
	if unknown.Attrs[AttrUnassigned] != "true" || unknown.Attrs[AttrTags] != "2" || unknown.Attrs[AttrReadPoint] == "" {
		t.Fatalf("attrs %v", unknown.Attrs)
	}
	if st := p.Stats(); st.Unassigned != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestNoLotsEverythingUnassigned(t *testing.T) {
	p := newPortal(t, nil)
	feed(p, inbound("rA", epc(1), t0, -55))
	out := p.Drain()
	if len(out.Events) != 1 || out.Events[0].Attrs[AttrUnassigned] != "true" || !out.Movements[0].Unassigned {
		t.Fatalf("%+v", out)
	}
}

// ssccLots resolves an SSCC pallet tag to the lots of the cases aggregated on it.
type ssccLots struct {
	cases map[string][]string // SSCC hex → case EPC hex
	lots  lotMap
}

func (s ssccLots) LotsOf(e []byte) ([]string, bool) {
	cs, ok := s.cases[hexOf(e)]
	if !ok {
		return s.lots.LotsOf(e)
	}
	var out []string
	for _, c := range cs {
		for _, l := range s.lots[c] {
			if !slices.Contains(out, l) {
				out = append(out, l)
			}
		}
	}
	return out, true
}

func TestSSCCPalletStandsForCaseLots(t *testing.T) {
	sscc := []byte{0x31, 0x14, 0x25, 0x7B, 0xF4, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07}
	lots := lotMap{}
	cases := append(pallet(0, 3, "L1", lots), pallet(10, 2, "L2", lots)...)
	var caseHex []string
	for _, c := range cases {
		caseHex = append(caseHex, hexOf(c))
	}
	p := newPortal(t, ssccLots{cases: map[string][]string{hexOf(sscc): caseHex}, lots: lots})
	// Only the pallet label is read (cases shielded by product).
	feed(p, inbound("rA", sscc, t0, -50))
	out := p.Drain()
	if len(out.Movements) != 1 || !slices.Equal(out.Movements[0].Lots, []string{"L1", "L2"}) {
		t.Fatalf("movements %+v", out.Movements)
	}
	checkEvent(t, out.Events[0], TypeReceiving, "dockA", DirIn, 1, 2)
}

func TestThousandTagsAtOnce(t *testing.T) {
	lots := lotMap{}
	in := pallet(0, 500, "LIN", lots)
	outs := pallet(10_000, 500, "LOUT", lots)
	p := newPortal(t, lots)
	feed(p, merge(passAll("rA", in, t0, inbound), passAll("rB", outs, t0, outbound)))
	out := p.Flush(t0.Add(time.Minute))
	if len(out.Movements) != 1000 {
		t.Fatalf("%d movements, want 1000", len(out.Movements))
	}
	got := map[string]int{}
	for _, m := range out.Movements {
		got[m.EPC]++
		want := DirIn
		if m.Door == "dockB" {
			want = DirOut
		}
		if m.Direction != want {
			t.Fatalf("movement %+v, want %s", m, want)
		}
	}
	for _, e := range append(in, outs...) {
		if got[hexOf(e)] != 1 {
			t.Fatalf("%s: %d movements", hexOf(e), got[hexOf(e)])
		}
	}
	if len(out.Events) != 2 {
		t.Fatalf("%d events", len(out.Events))
	}
}

func TestOutOfOrderWithinPass(t *testing.T) {
	for seed := uint64(0); seed < 20; seed++ {
		r := rand.New(rand.NewPCG(seed, 1))
		reads := merge(inbound("rA", epc(1), t0, -55), outbound("rA", epc(2), t0, -55))
		// Reports arrive shuffled within a 300 ms reorder window.
		for i := range reads {
			j := min(len(reads)-1, i+r.IntN(6))
			reads[i], reads[j] = reads[j], reads[i]
		}
		p := newPortal(t, nil)
		feed(p, reads)
		out := p.Drain()
		if len(out.Movements) != 2 || out.Movements[0].Direction == out.Movements[1].Direction {
			t.Fatalf("seed %d: %+v", seed, out.Movements)
		}
		for _, m := range out.Movements {
			want := map[string]string{hexOf(epc(1)): DirIn, hexOf(epc(2)): DirOut}[m.EPC]
			if m.Direction != want || !m.First.Equal(t0) {
				t.Fatalf("seed %d: %+v, want %s", seed, m, want)
			}
		}
	}
}
