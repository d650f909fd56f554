package gateway

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/lotsense/lotsense/gateway/wire"
)

const (
	testLotA = "(01)09506000134352(10)L2026-0042"
	testLotB = "(01)09506000134352(10)L2026-0043"
)

var testT0 = time.Date(2026, 3, 14, 9, 26, 53, 589_793_000, time.UTC)

// testReadings covers every quantity and quality, no lots and several, a NaN of bad
// quality, an empty location and times before 1970.
func testReadings() []wire.Reading {
	return []wire.Reading{
		{Time: testT0, Synced: true, Sensor: "cr1-t1", Location: "cold-room-1", Quantity: wire.Temperature, Value: 3.25, Lots: []string{testLotA}},
		{Time: testT0.Add(-time.Second), Sensor: "cr1-h1", Location: "cold-room-1", Quantity: wire.RelativeHumidity, Value: 87.5, Quality: wire.Uncertain, Lots: []string{testLotA, testLotB}},
		{Time: testT0.Add(time.Minute), Synced: true, Sensor: "dock-3-door", Location: "dock-3", Quantity: wire.DoorOpen, Value: 1},
		{Time: testT0.Add(2 * time.Minute), Sensor: "cr1-comp", Location: "cold-room-1", Quantity: wire.CompressorRunning, Value: 0, Quality: wire.Unavailable, Lots: []string{testLotA}},
		{Time: testT0.Add(3 * time.Minute), Synced: true, Sensor: "cr1-t2", Location: "", Quantity: wire.Temperature, Value: math.NaN(), Quality: wire.Bad},
		{Time: time.Date(1969, 12, 31, 23, 59, 59, 999_999_000, time.UTC), Sensor: "cr1-defrost", Location: "cold-room-1", Quantity: wire.DefrostActive, Value: 1},
		{Time: testT0, Sensor: strings.Repeat("s", 200), Location: "x", Quantity: wire.Temperature, Value: math.Inf(-1), Quality: wire.Bad, Lots: []string{"a", "b", "c", "d"}},
	}
}

func sameReading(a, b *wire.Reading) bool {
	return a.Time.UnixMicro() == b.Time.UnixMicro() && b.Time.Location() == time.UTC && a.Synced == b.Synced &&
		a.Sensor == b.Sensor && a.Location == b.Location && a.Quantity == b.Quantity && a.Quality == b.Quality &&
		(math.Float64bits(a.Value) == math.Float64bits(b.Value) || math.IsNaN(a.Value) && math.IsNaN(b.Value)) &&
		strings.Join(a.Lots, "\x00") == strings.Join(b.Lots, "\x00") && len(a.Lots) == len(b.Lots)
}

func TestReadingRecordRoundTrip(t *testing.T) {
	in := interner{}
	var got wire.Reading
	got.Lots = make([]string, 0, 8) // storage to reuse
	for i, r := range testReadings() {
		rec := appendReadingRecord([]byte("prefix"), &r)
		if !bytes.HasPrefix(rec, []byte("prefix")) {
			t.Fatal("record does not append")
		}
		rec = rec[len("prefix"):]
		if err := decodeReadingRecord(rec, &got, in); err != nil {
			t.Fatalf("reading %d: %v", i, err)
		}
		if !sameReading(&r, &got) {
			t.Fatalf("reading %d: got %+v, want %+v", i, got, r)
		}
		if again := appendReadingRecord(nil, &got); !bytes.Equal(again, rec) {
			t.Fatalf("reading %d: re-encoded record differs", i)
		}
	}
}

func TestReadingRecordRejects(t *testing.T) {
	r := testReadings()[1]
	good := appendReadingRecord(nil, &r)
	var got wire.Reading
	for i := range len(good) {
		if err := decodeReadingRecord(good[:i], &got, interner{}); !errors.Is(err, errRecord) {
			t.Fatalf("record cut at %d of %d: %v", i, len(good), err)
		}
	}
	set := func(i int, v ...byte) []byte {
		return append(append(bytes.Clone(good[:i]), v...), good[i+1:]...)
	}
	if err := decodeReadingRecord(rawRecord([]byte{0}, []byte{1, 's'}), &got, interner{}); err != nil {
		t.Fatalf("raw record: %v", err)
	}
	cases := map[string][]byte{
		"version 2":       set(0, 2),
		"reserved flags":  set(1, 0x0b),
		"trailing byte":   append(bytes.Clone(good), 0),
		"overlong time":   rawRecord([]byte{0x80, 0x00}, []byte{1, 's'}),
		"overlong length": rawRecord([]byte{0}, []byte{0x81, 0x00, 's'}),
		"overlong lots":   append(rawRecord([]byte{0}, []byte{1, 's'})[:15], 0x80, 0x00),
		"lot count huge":  append(bytes.Clone(good[:len(good)-2*(1+len(testLotA))-1]), 0xff, 0xff, 0x03),
	}
	for name, p := range cases {
		if err := decodeReadingRecord(p, &got, interner{}); !errors.Is(err, errRecord) {
			t.Errorf("%s: %v, want errRecord", name, err)
		}
	}
}

// TestInternerBounded: a flood of distinct ids does not grow the interner for ever, and
// the same id decodes to the same string.
// rawRecord is a temperature record of quality good with the time and sensor bytes
// given, value 0, no location, no lots.
func rawRecord(time, sensor []byte) []byte {
	p := append([]byte{1, 0, byte(wire.Temperature)}, time...)
	p = append(p, make([]byte, 8)...)
	return append(append(p, sensor...), 0, 0)
}

func TestInternerBounded(t *testing.T) {
	in := interner{}
	for i := range 10_000 {
		in.get([]byte(strings.Repeat("x", i%300) + string(rune('a'+i%26))))
	}
	if len(in) > 4097 {
		t.Errorf("interner holds %d ids", len(in))
	}
	a, b := in.get([]byte("cr1-t1")), in.get([]byte("cr1-t1"))
	if a != b || allocs(func() { in.get([]byte("cr1-t1")) }) != 0 {
		t.Error("a known id allocates")
	}
}

func allocs(f func()) float64 { return testing.AllocsPerRun(100, f) }

func FuzzDecodeReadingRecord(f *testing.F) {
	for _, r := range testReadings() {
		f.Add(appendReadingRecord(nil, &r))
	}
	f.Add([]byte{1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	in := interner{}
	f.Fuzz(func(t *testing.T, p []byte) {
		var r wire.Reading
		if err := decodeReadingRecord(p, &r, in); err != nil {
			if !errors.Is(err, errRecord) {
				t.Fatalf("error %v is not errRecord", err)
			}
			return
		}
		if q := appendReadingRecord(nil, &r); !bytes.Equal(p, q) {
			t.Fatalf("accepted record re-encodes differently:\n%x\n%x", p, q)
		}
	})
}
