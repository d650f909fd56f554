package portal

import (
	"testing"
	"time"

	"github.com/lotsense/lotsense/drivers"
)

// benchReads is a realistic read stream at two neighbouring doors: 200 tags, 50 reads
// each across the 4 antennas. Tags 0–99 come in through door A, tags 100–199 go out
// through door B; each tag also gets 10 cross-reads from the other door, some of them
// under the RSSI floor.
func benchReads() []drivers.TagRead {
	var streams [][]drivers.TagRead
	for i := 0; i < 200; i++ {
		start := t0.Add(time.Duration(i) * 20 * time.Millisecond)
		own, other := "rA", "rB"
		first, second := antOut, antIn
		if i >= 100 {
			own, other = "rB", "rA"
			first, second = antIn, antOut
		}
		gap := 40 * time.Millisecond
		streams = append(streams,
			script(own, epc(i), start, gap, step{first, 20, -52}, step{second, 20, -50}),
			script(other, epc(i), start.Add(5*time.Millisecond), 4*gap, step{first, 5, -70}, step{second, 5, -78}),
		)
	}
	return merge(streams...)
}

func BenchmarkPortal(b *testing.B) {
	reads := benchReads()
	lots := lotMap{}
	for i := 0; i < 200; i++ {
		lots[hexOf(epc(i))] = []string{"lot-" + string(rune('A'+i%7))}
	}
	p := newPortal(b, lots)
	var n, moves int
	b.ReportAllocs()
	for b.Loop() {
		for i := range reads {
			p.Read(&reads[i])
			if i%500 == 499 {
				moves += len(p.Flush(reads[i].Time).Movements)
			}
		}
		moves += len(p.Drain().Movements)
		n += len(reads)
	}
	if moves != 200*(n/len(reads)) {
		b.Fatalf("%d movements for %d rounds", moves, n/len(reads))
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "reads/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/read")
}

// TestBenchStream checks the benchmark's stream gives the expected movements, so the
// figure measures correct work.
func TestBenchStream(t *testing.T) {
	p := newPortal(t, nil)
	feed(p, benchReads())
	out := p.Drain()
	if len(out.Movements) != 200 {
		t.Fatalf("%d movements", len(out.Movements))
	}
	for _, m := range out.Movements {
		if !(m.Door == "dockA" && m.Direction == DirIn || m.Door == "dockB" && m.Direction == DirOut) {
			t.Fatalf("%+v", m)
		}
	}
	if st := p.Stats(); st.Suppressed != 200 || st.BelowFloor != 200*5 {
		t.Fatalf("stats %+v", st)
	}
}
