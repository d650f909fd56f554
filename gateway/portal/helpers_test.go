package portal

import (
	"encoding/binary"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lotsense/lotsense/drivers"
)

var t0 = time.Date(2025, 3, 4, 8, 0, 0, 0, time.UTC)

// Antennas of the test doors: reader rA (door A) and rB (door B), antenna 1 outside,
// antenna 2 inside.
const (
	antOut uint16 = 1
	antIn  uint16 = 2
)

func testDoor(id, reader string) Door {
	return Door{
		ID:        id,
		ReadPoint: "urn:epc:id:sgln:0614141.00777." + id,
		Readers: []AntennaZone{
			{Reader: reader, Antenna: antOut, Zone: Outside},
			{Reader: reader, Antenna: antIn, Zone: Inside},
		},
		RSSIFloor: -75,
	}
}

func newPortal(t testing.TB, lots Lots, doors ...Door) *Portal {
	t.Helper()
	if len(doors) == 0 {
		doors = []Door{testDoor("dockA", "rA"), testDoor("dockB", "rB")}
	}
	p, err := New(Config{Doors: doors, Lots: lots, TopN: 3})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// epc returns a distinct SGTIN-96-shaped EPC for n.
func epc(n int) []byte {
	b := []byte{0x30, 0x74, 0x25, 0x7B, 0xF7, 0x19, 0x4E, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[8:], uint32(n))
	return b
}

func hexOf(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }

// step is a run of n reads by one antenna, gap apart.
type step struct {
	ant  uint16
	n    int
	rssi float64
}

// script returns the reads of one tag passing a door: the steps one after the other
// from start, every read gap after the one before; each read reports TagSeenCount 3.
func script(reader string, e []byte, start time.Time, gap time.Duration, steps ...step) []drivers.TagRead {
	var out []drivers.TagRead
	at := start
	for _, s := range steps {
		for i := 0; i < s.n; i++ {
			out = append(out, drivers.TagRead{
				Reader: reader, Antenna: s.ant, EPC: slices.Clone(e),
				RSSI: s.rssi - float64(i%3), Time: at, Count: 3, Channel: uint16(i % 16),
			})
			at = at.Add(gap)
		}
	}
	return out
}

// inbound and outbound are typical passes: 20 reads outside then 20 inside, or the
// reverse, 50 ms apart.
func inbound(reader string, e []byte, start time.Time, rssi float64) []drivers.TagRead {
	return script(reader, e, start, 50*time.Millisecond, step{antOut, 20, rssi}, step{antIn, 20, rssi})
}

func outbound(reader string, e []byte, start time.Time, rssi float64) []drivers.TagRead {
	return script(reader, e, start, 50*time.Millisecond, step{antIn, 20, rssi}, step{antOut, 20, rssi})
}

// merge interleaves several tags' reads in time order, as a reader reports them.
func merge(streams ...[]drivers.TagRead) []drivers.TagRead {
	var all []drivers.TagRead
	for _, s := range streams {
		all = append(all, s...)
	}
	slices.SortStableFunc(all, func(a, b drivers.TagRead) int { return a.Time.Compare(b.Time) })
	return all
}

func feed(p *Portal, reads []drivers.TagRead) {
	for i := range reads {
		p.Read(&reads[i])
	}
}

// lotMap is a Lots from hex EPC to lots.
type lotMap map[string][]string

func (m lotMap) LotsOf(e []byte) ([]string, bool) {
	l, ok := m[hexOf(e)]
	return l, ok
}
