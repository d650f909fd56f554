package portal

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lotsense/lotsense/drivers"
)

func TestConfigValidate(t *testing.T) {
	good := testDoor("d1", "r1")
	mod := func(f func(*Door)) Door {
		d := good
		d.Readers = append([]AntennaZone(nil), good.Readers...)
		f(&d)
		return d
	}
	cases := []struct {
		name string
		cfg  Config
		want error
	}{
		{"no doors", Config{}, ErrNoDoors},
		{"no id", Config{Doors: []Door{mod(func(d *Door) { d.ID = "" })}}, ErrNoDoorID},
		{"no read point", Config{Doors: []Door{mod(func(d *Door) { d.ReadPoint = "" })}}, ErrNoReadPoint},
		{"no readers", Config{Doors: []Door{mod(func(d *Door) { d.Readers = nil })}}, ErrNoReaders},
		{"no reader id", Config{Doors: []Door{mod(func(d *Door) { d.Readers[0].Reader = "" })}}, ErrNoReader},
		{"antenna 0", Config{Doors: []Door{mod(func(d *Door) { d.Readers[0].Antenna = 0 })}}, ErrBadAntenna},
		{"bad zone", Config{Doors: []Door{mod(func(d *Door) { d.Readers[0].Zone = "dock" })}}, ErrBadZone},
		{"dup antenna", Config{Doors: []Door{mod(func(d *Door) { d.Readers[1].Antenna = antOut })}}, ErrDuplicateAnt},
		{"one sided", Config{Doors: []Door{mod(func(d *Door) { d.Readers[1].Zone = Outside })}}, ErrOneSided},
		{"floor > 0", Config{Doors: []Door{mod(func(d *Door) { d.RSSIFloor = 5 })}}, ErrBadRSSIFloor},
		{"negative dedupe", Config{Doors: []Door{mod(func(d *Door) { d.Dedupe = -1 })}}, ErrBadDuration},
		{"negative timeout", Config{Doors: []Door{mod(func(d *Door) { d.PassTimeout = -1 })}}, ErrBadDuration},
		{"dedupe >= timeout", Config{Doors: []Door{mod(func(d *Door) { d.Dedupe = 5 * time.Second })}}, ErrDedupeTooLong},
		{"dup door", Config{Doors: []Door{good, testDoor("d1", "r2")}}, ErrDuplicateDoor},
		{"shared antenna", Config{Doors: []Door{good, testDoor("d2", "r1")}}, ErrSharedAntenna},
		{"top n", Config{Doors: []Door{good}, TopN: MaxTopN + 1}, ErrBadTopN},
		{"group window", Config{Doors: []Door{good}, GroupWindow: -time.Second}, ErrBadGroupWindow},
	}
	for _, c := range cases {
		_, err := New(c.cfg)
		if !errors.Is(err, c.want) || !strings.HasPrefix(err.Error(), "portal: ") {
			t.Errorf("%s: error %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := New(Config{Doors: []Door{good, testDoor("d2", "r2")}}); err != nil {
		t.Fatal(err)
	}
}

func TestTagPassesTwiceWithoutFlush(t *testing.T) {
	p := newPortal(t, nil)
	// In through door A, then out again through door A ten minutes later; no Flush
	// in between: the second pass's first read ends the first pass.
	feed(p, inbound("rA", epc(1), t0, -55))
	feed(p, outbound("rA", epc(1), t0.Add(10*time.Minute), -55))
	out := p.Drain()
	if len(out.Movements) != 2 || out.Movements[0].Direction != DirIn || out.Movements[1].Direction != DirOut {
		t.Fatalf("%+v", out.Movements)
	}
	if len(out.Events) != 2 || out.Events[0].Type != TypeReceiving || out.Events[1].Type != TypeShipping {
		t.Fatalf("%+v", out.Events)
	}
}

func TestGroupsSplitByWindow(t *testing.T) {
	p := newPortal(t, lotMap{})
	feed(p, inbound("rA", epc(1), t0, -55))
	feed(p, inbound("rA", epc(2), t0.Add(500*time.Millisecond), -55))
	out := p.Flush(t0.Add(30 * time.Second))
	if len(out.Events) != 1 || len(out.Events[0].EPCs) != 2 {
		t.Fatalf("first pallet: %+v", out.Events)
	}
	feed(p, inbound("rA", epc(3), t0.Add(time.Minute), -55))
	// The pass has ended but the group may still grow: no event yet.
	out = p.Flush(t0.Add(time.Minute + 6*time.Second))
	if len(out.Movements) != 1 || len(out.Events) != 0 {
		t.Fatalf("early: %+v", out)
	}
	out = p.Flush(t0.Add(2 * time.Minute))
	if len(out.Events) != 1 || out.Events[0].EPCs[0] != hexOf(epc(3)) {
		t.Fatalf("second pallet: %+v", out.Events)
	}
}

func TestLongEPCAndFormat(t *testing.T) {
	long := make([]byte, 25) // SGTIN-198
	long[0] = 0x36
	long[24] = 9
	p, err := New(Config{
		Doors:     []Door{testDoor("dockA", "rA")},
		FormatEPC: func(b []byte) string { return fmt.Sprintf("urn:test:%x", b[len(b)-1]) },
	})
	if err != nil {
		t.Fatal(err)
	}
	feed(p, inbound("rA", long, t0, -55))
	feed(p, inbound("rA", []byte{1, 2}, t0, -55))
	out := p.Drain()
	if len(out.Movements) != 2 || out.Movements[0].EPC != "urn:test:2" || out.Movements[1].EPC != "urn:test:9" {
		t.Fatalf("%+v", out.Movements)
	}
	for _, m := range out.Movements {
		if m.Direction != DirIn {
			t.Fatalf("%+v", m)
		}
	}
}

func TestIgnoredReads(t *testing.T) {
	p := newPortal(t, nil)
	p.Read(&drivers.TagRead{Reader: "rZ", Antenna: 1, EPC: epc(1), Time: t0})
	p.Read(&drivers.TagRead{Reader: "rA", Antenna: 9, EPC: epc(1), Time: t0})
	p.Read(&drivers.TagRead{Reader: "rA", Antenna: 1, Time: t0})
	// RSSI 0: the reader did not report it; the read counts.
	p.Read(&drivers.TagRead{Reader: "rA", Antenna: 1, EPC: epc(2), Time: t0})
	out := p.Drain()
	if st := p.Stats(); st.Unmapped != 2 || st.NoEPC != 1 || len(out.Movements) != 1 {
		t.Fatalf("stats %+v, movements %+v", st, out.Movements)
	}
}

func TestReadDoesNotAllocate(t *testing.T) {
	p := newPortal(t, nil)
	reads := merge(inbound("rA", epc(1), t0, -55), inbound("rB", epc(2), t0, -60), inbound("rA", epc(3), t0, -60))
	long := script("rA", make([]byte, 25), t0, 50*time.Millisecond, step{antOut, 5, -55})
	reads = append(reads, long...)
	feed(p, reads)
	// Tags with open passes: every read is a map lookup and a few comparisons.
	if allocs := testing.AllocsPerRun(50, func() { feed(p, reads) }); allocs > 0 {
		t.Fatalf("%v allocations per %d reads", allocs, len(reads))
	}
}

// A reader reporting ever new tags cannot grow the portal without bound: beyond
// MaxActive open passes, reads of new tags are counted and ignored until passes end;
// tags already open keep their passes.
func TestMaxActive(t *testing.T) {
	p, err := New(Config{Doors: []Door{testDoor("dockA", "rA")}, MaxActive: 3})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		p.Read(&drivers.TagRead{Reader: "rA", Antenna: antOut, EPC: epc(i), Time: t0, RSSI: -50})
	}
	p.Read(&drivers.TagRead{Reader: "rA", Antenna: antIn, EPC: epc(1), Time: t0.Add(time.Second), RSSI: -50})
	if st := p.Stats(); p.Active() != 3 || st.Overflow != 2 {
		t.Fatalf("active %d, stats %+v; want 3 open, 2 overflowed", p.Active(), st)
	}
	// Once the open passes are over (as of a later read's time), new tags fit again.
	p.Read(&drivers.TagRead{Reader: "rA", Antenna: antOut, EPC: epc(9), Time: t0.Add(time.Minute), RSSI: -50})
	out := p.Drain()
	if st := p.Stats(); st.Overflow != 2 || len(out.Movements) != 4 || out.Movements[2].EPC != hexOf(epc(1)) || out.Movements[2].Direction != DirIn {
		t.Fatalf("stats %+v, movements %+v", st, out.Movements)
	}
	if _, err := New(Config{Doors: []Door{testDoor("dockA", "rA")}, MaxActive: -1}); !errors.Is(err, ErrBadMaxActive) {
		t.Fatalf("MaxActive -1: %v", err)
	}
}
