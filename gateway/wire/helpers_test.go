package wire

import (
	"fmt"
	"math"
	"testing"
	"time"
)

const (
	lotA = "(01)09506000134352(10)L2026-0042"
	lotB = "(01)09506000134352(10)L2026-0043"
	lotC = "(01)09506000134369(10)B7781"
)

var t0 = time.Date(2026, 3, 14, 9, 26, 53, 589_793_000, time.UTC)

func testHeader() Header {
	return Header{Site: "acme-atl", Gateway: "coldroom-1", Boot: "b-7f3a9c", Epoch: "e-20260301-01", FirstSeq: 1041}
}

// sampleBatch returns n readings over several sensors, locations and lot sets (one
// empty), every quantity and quality, times going back and forth, and a NaN of bad
// quality.
func sampleBatch(n int) *ReadingBatch {
	b := &ReadingBatch{V: Version, Header: testHeader()}
	sets := [][]string{{lotA}, {lotA, lotB}, nil, {lotC, lotB, lotA}}
	locs := []string{"cold-room-1", "dock-3", "truck-12", ""}
	qs := []Quantity{Temperature, RelativeHumidity, DoorOpen, CompressorRunning, DefrostActive}
	at := t0
	for i := range n {
		at = at.Add(time.Duration(i%7-2) * 1537 * time.Microsecond) // negative deltas too
		r := Reading{
			Time: at, Synced: i%3 != 0, Sensor: fmt.Sprintf("cr1-t%d", i%5),
			Location: locs[i%len(locs)], Quantity: qs[i%len(qs)], Value: 3.5 + float64(i%11)/4,
			Quality: Quality(i % 4), Lots: sets[(i/2)%len(sets)],
		}
		if r.Quality == Bad && i%8 == 1 {
			r.Value = math.NaN()
		}
		b.Readings = append(b.Readings, r)
	}
	return b
}

// benchBatch is the benchmark's batch: 1000 readings, 4 sensors, 2 locations, 3 lots.
func benchBatch() *ReadingBatch {
	b := &ReadingBatch{V: Version, Header: testHeader()}
	sets := [][]string{{lotA, lotB}, {lotC}}
	for i := range 1000 {
		s := i % 4
		b.Readings = append(b.Readings, Reading{
			Time: t0.Add(time.Duration(i/4) * time.Second), Synced: true, Sensor: fmt.Sprintf("cr1-t%d", s),
			Location: fmt.Sprintf("cold-room-%d", s/2+1), Quantity: Temperature, Value: 2 + float64(i%50)/10,
			Lots: sets[s/2],
		})
	}
	return b
}

// equalBatches reports the first difference between two reading batches: times compared
// as UTC microseconds, values bit for bit (any NaN equals any NaN), no lots equal to an
// empty list.
func equalBatches(t testing.TB, want, got *ReadingBatch) {
	t.Helper()
	if got.V != want.V || got.Header != want.Header {
		t.Fatalf("header: got v%d %+v, want v%d %+v", got.V, got.Header, want.V, want.Header)
	}
	if len(got.Readings) != len(want.Readings) {
		t.Fatalf("got %d readings, want %d", len(got.Readings), len(want.Readings))
	}
	for i := range want.Readings {
		if d := diffReading(&want.Readings[i], &got.Readings[i]); d != "" {
			t.Fatalf("reading %d: %s", i, d)
		}
	}
}

func diffReading(w, g *Reading) string {
	switch {
	case g.Time.UnixMicro() != w.Time.UnixMicro() || g.Time.Location() != time.UTC:
		return fmt.Sprintf("time %v, want %v (UTC)", g.Time, w.Time)
	case g.Synced != w.Synced || g.Sensor != w.Sensor || g.Location != w.Location:
		return fmt.Sprintf("got %+v, want %+v", g, w)
	case g.Quantity != w.Quantity || g.Quality != w.Quality:
		return fmt.Sprintf("quantity/quality %v/%v, want %v/%v", g.Quantity, g.Quality, w.Quantity, w.Quality)
	case !sameFloat(g.Value, w.Value):
		return fmt.Sprintf("value %v, want %v", g.Value, w.Value)
	case len(g.Lots) != len(w.Lots):
		return fmt.Sprintf("lots %q, want %q", g.Lots, w.Lots)
	}
	for i := range w.Lots {
		if g.Lots[i] != w.Lots[i] {
			return fmt.Sprintf("lots %q, want %q", g.Lots, w.Lots)
		}
	}
	return ""
}

func sameFloat(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Float64bits(a) == math.Float64bits(b)
}

func mustEncode(t testing.TB, b *ReadingBatch) []byte {
	t.Helper()
	var e ReadingEncoder
	p, err := e.Encode(nil, b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
