package influx

import (
	"reflect"
	"testing"
	"time"

	"github.com/lotsense/lotsense/cloud/store"
)

func holesOf(p *progress) [][2]uint64 {
	var out [][2]uint64
	for _, h := range p.holes {
		out = append(out, [2]uint64{h.first, h.last})
	}
	return out
}

func TestProgressHolesFillInAnyOrder(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	p := &progress{next: 2, saved: 2}
	for _, s := range []uint64{3, 6, 7, 10, 20} {
		p.wrote(s, t0)
	}
	if got, want := holesOf(p), [][2]uint64{{4, 5}, {8, 9}, {11, 19}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("holes %v, want %v", got, want)
	}
	if p.cursor() != 3 || p.next != 20 {
		t.Fatalf("cursor %d next %d, want 3 and 20", p.cursor(), p.next)
	}
	for _, s := range []uint64{15, 5, 11, 19, 4} {
		p.wrote(s, t0.Add(time.Second))
	}
	if got, want := holesOf(p), [][2]uint64{{8, 9}, {12, 14}, {16, 18}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("holes %v, want %v", got, want)
	}
	if p.cursor() != 7 {
		t.Fatalf("cursor %d, want 7", p.cursor())
	}
	if !p.holes[1].since.Equal(t0) {
		t.Fatalf("a split hole keeps when it was first seen: %v", p.holes[1].since)
	}
	p.wrote(15, t0) // written again: nothing changes
	if got := holesOf(p); len(got) != 3 {
		t.Fatalf("holes %v after a reading written again", got)
	}
}

func TestProgressDeclaredGapsArePassed(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	p := &progress{}
	for _, s := range []uint64{1, 5, 9, 20} {
		p.wrote(s, t0)
	}
	// holes 2-4, 6-8, 10-19; declared: 2-4, 7, 12-30
	p.declared([]store.SeqRange{{First: 2, Last: 4}, {First: 7, Last: 7}, {First: 12, Last: 30}})
	if got, want := holesOf(p), [][2]uint64{{6, 6}, {8, 8}, {10, 11}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("holes %v, want %v", got, want)
	}
	if p.cursor() != 5 {
		t.Fatalf("cursor %d, want 5", p.cursor())
	}
}

func TestProgressGivesUpOldHoles(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	p := &progress{}
	p.wrote(3, t0)                  // hole 1-2
	p.wrote(6, t0.Add(time.Minute)) // hole 4-5
	gone := p.expire(t0.Add(time.Second))
	if !reflect.DeepEqual(gone, []store.SeqRange{{First: 1, Last: 2}}) || p.cursor() != 3 {
		t.Fatalf("gave up %v, cursor %d; want 1-2 and 3", gone, p.cursor())
	}
	if gone := p.expire(t0.Add(time.Second)); len(gone) != 0 {
		t.Fatalf("gave up %v again", gone)
	}
	// Past maxHoles the lowest go, however young.
	for s := uint64(8); s < 8+2*(maxHoles+5); s += 2 {
		p.wrote(s, t0.Add(time.Hour))
	}
	gone = p.expire(t0)
	if len(p.holes) != maxHoles || len(gone) != 6 || gone[0] != (store.SeqRange{First: 4, Last: 5}) {
		t.Fatalf("%d holes left, gave up %v", len(p.holes), gone)
	}
}
