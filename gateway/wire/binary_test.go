package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestBinaryRoundTrip(t *testing.T) {
	var e ReadingEncoder
	for _, n := range []int{1, 2, 17, 1000} {
		want := sampleBatch(n)
		p, err := e.Encode(nil, want) // the same encoder each time: its tables must reset
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeReadings(p)
		if err != nil {
			t.Fatalf("%d readings: %v", n, err)
		}
		equalBatches(t, want, got)
		if n == 1000 && len(p) > 17*n {
			t.Errorf("1000 readings take %d bytes, want at most %d", len(p), 17*n)
		}
	}
}

func TestBinaryKeepsValueBits(t *testing.T) {
	b := sampleBatch(4)
	vals := []float64{math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.Float64frombits(0x7ff8_dead_beef_0001)}
	for i, v := range vals {
		b.Readings[i].Value, b.Readings[i].Quality = v, Uncertain
	}
	got, err := DecodeReadings(mustEncode(t, b))
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vals {
		if g := got.Readings[i].Value; math.Float64bits(g) != math.Float64bits(v) {
			t.Errorf("value %d: bits %#x, want %#x", i, math.Float64bits(g), math.Float64bits(v))
		}
	}
}

func TestBinaryTimes(t *testing.T) {
	b := sampleBatch(3)
	b.Readings[0].Time = time.Date(1969, 7, 20, 20, 17, 40, 0, time.FixedZone("EDT", -4*3600))
	b.Readings[1].Time = time.Date(2262, 1, 1, 0, 0, 0, 999, time.UTC) // ns dropped
	b.Readings[2].Time = time.Date(1, 1, 1, 0, 0, 0, 1000, time.UTC)   // just after the zero time
	got, err := DecodeReadings(mustEncode(t, b))
	if err != nil {
		t.Fatal(err)
	}
	equalBatches(t, b, got)
}

func TestEncodeRefuses(t *testing.T) {
	long := strings.Repeat("x", MaxStringLen+1)
	cases := map[string]func(b *ReadingBatch){
		"no readings":      func(b *ReadingBatch) { b.Readings = nil },
		"bad site":         func(b *ReadingBatch) { b.Site = "Acme" },
		"first_seq 0":      func(b *ReadingBatch) { b.FirstSeq = 0 },
		"quantity 0":       func(b *ReadingBatch) { b.Readings[1].Quantity = 0 },
		"quantity 7":       func(b *ReadingBatch) { b.Readings[1].Quantity = 7 },
		"quality 4":        func(b *ReadingBatch) { b.Readings[1].Quality = 4 },
		"no sensor":        func(b *ReadingBatch) { b.Readings[1].Sensor = "" },
		"long sensor":      func(b *ReadingBatch) { b.Readings[1].Sensor = long },
		"long location":    func(b *ReadingBatch) { b.Readings[1].Location = long },
		"long lot":         func(b *ReadingBatch) { b.Readings[1].Lots = []string{long} },
		"empty lot":        func(b *ReadingBatch) { b.Readings[1].Lots = []string{lotA, ""} },
		"too many lots":    func(b *ReadingBatch) { b.Readings[1].Lots = make([]string, MaxLotsPerItem+1) },
		"no time":          func(b *ReadingBatch) { b.Readings[1].Time = time.Time{} },
		"good NaN":         func(b *ReadingBatch) { b.Readings[1].Quality, b.Readings[1].Value = Good, math.NaN() },
		"good Inf":         func(b *ReadingBatch) { b.Readings[1].Quality, b.Readings[1].Value = Good, math.Inf(-1) },
		"seq overflows":    func(b *ReadingBatch) { b.FirstSeq = math.MaxUint64 - 1 },
		"too many":         func(b *ReadingBatch) { b.Readings = make([]Reading, MaxBatchItems+1) },
		"too many ids":     func(b *ReadingBatch) { manyIDs(b) },
		"epoch too long":   func(b *ReadingBatch) { b.Epoch = strings.Repeat("e", MaxIDLen+1) },
		"gateway missing":  func(b *ReadingBatch) { b.Gateway = "" },
		"sensor not UTF-8": func(b *ReadingBatch) { b.Readings[2].Sensor = "t\xff" },
		"lot not UTF-8":    func(b *ReadingBatch) { b.Readings[3].Lots = []string{"\xc3"} },
		"boot not UTF-8":   func(b *ReadingBatch) { b.Boot = "\x80" },
	}
	for name, spoil := range cases {
		b := sampleBatch(4)
		spoil(b)
		var e ReadingEncoder
		dst := []byte("kept")
		p, err := e.Encode(dst, b)
		if err == nil {
			t.Errorf("%s: encoded", name)
		}
		if string(p) != "kept" {
			t.Errorf("%s: dst changed to %q", name, p)
		}
	}
}

// manyIDs gives b more distinct ids than a batch may carry.
func manyIDs(b *ReadingBatch) {
	r := b.Readings[0]
	b.Readings = b.Readings[:0]
	for i := range MaxBatchItems/2 + 1 {
		r.Sensor = "s" + string(binary.AppendUvarint([]byte("x"), uint64(i)))
		r.Location = "l" + r.Sensor
		b.Readings = append(b.Readings, r)
	}
}

// TestDecodeTruncated cuts a valid payload at every byte: each prefix must be refused as
// malformed, never panic, never be taken for a shorter batch.
func TestDecodeTruncated(t *testing.T) {
	p := mustEncode(t, sampleBatch(9))
	for i := range len(p) {
		if _, err := DecodeReadings(p[:i]); !errors.Is(err, ErrMalformed) {
			t.Fatalf("payload cut at %d of %d: %v, want ErrMalformed", i, len(p), err)
		}
	}
	if _, err := DecodeReadings(append(p[:len(p):len(p)], 0)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("trailing byte: %v, want ErrMalformed", err)
	}
}

// handBatch builds a binary batch by hand: one sensor "s", no lots, the readings given
// as raw bytes after the count.
func handBatch(count uint64, readings ...byte) []byte {
	p := []byte{'L', 'R', 1}
	for _, s := range []string{"acme-atl", "coldroom-1", "b", "e"} {
		p = appendString(p, s)
	}
	p = binary.AppendUvarint(p, 7)                      // first_seq
	p = binary.AppendUvarint(p, uint64(t0.UnixMicro())) // base
	p = append(p, 1, 1, 's', 1, 0)                      // strings: "s"; lot sets: one, empty
	p = binary.AppendUvarint(p, count)                  // readings
	return append(p, readings...)
}

var goodReading = []byte{0x04, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x40} // 4.0 °C, synced

func TestDecodeRejects(t *testing.T) {
	good := handBatch(1, goodReading...)
	if b, err := DecodeReadings(good); err != nil || b.Readings[0].Value != 4 || !b.Readings[0].Synced {
		t.Fatalf("hand-made batch: %+v, %v", b, err)
	}
	with := func(i int, v byte) []byte {
		q := handBatch(1, goodReading...)
		q[len(q)-len(goodReading)+i] = v
		return q
	}
	cases := []struct {
		name string
		p    []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"wrong magic", append([]byte("LX"), good[2:]...), ErrMalformed},
		{"JSON-looking garbage", []byte("{oops"), ErrMalformed},
		{"version 2", append([]byte("LR\x02"), good[3:]...), ErrUnknownVersion},
		{"version 0", append([]byte("LR\x00"), good[3:]...), ErrUnknownVersion},
		{"huge count", handBatch(math.MaxUint64, goodReading...), ErrMalformed},
		{"count past the bytes", handBatch(2, goodReading...), ErrMalformed},
		{"count 0", handBatch(0), ErrMalformed},
		{"trailing bytes", append(handBatch(1, goodReading...), 0, 0), ErrMalformed},
		{"reserved flag bit", with(0, 0x0c), ErrMalformed},
		{"high flag bit", with(0, 0x80), ErrMalformed},
		{"quantity 0", with(1, 0), ErrMalformed},
		{"quantity 200", with(1, 200), ErrMalformed},
		{"sensor index", with(2, 1), ErrMalformed},
		{"location index", with(3, 5), ErrMalformed},
		{"lot set index", with(4, 1), ErrMalformed},
		{"good Inf", append(handBatch(1, goodReading[:6]...), 0, 0, 0, 0, 0, 0, 0xf0, 0x7f), ErrMalformed},
		{"good NaN", append(handBatch(1, goodReading[:6]...), 1, 0, 0, 0, 0, 0, 0xf8, 0x7f), ErrMalformed},
		{"overlong varint", append(handBatch(1, goodReading[:5]...), 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01), ErrMalformed},
		{"too big", make([]byte, MaxPayload+1), ErrMalformed},
	}
	for _, c := range cases {
		b, err := DecodeReadings(c.p)
		if !errors.Is(err, c.want) || b != nil {
			t.Errorf("%s: %v, %v; want %v", c.name, b, err, c.want)
		}
	}
}

func TestDecodeRejectsTables(t *testing.T) {
	head := handBatch(1)[:len(handBatch(1))-6] // up to the string table
	cases := map[string][]byte{
		"lot index":        append(bytes.Clone(head), 1, 1, 's', 1, 1, 1, 1), // set {1}, one string
		"huge strings":     append(bytes.Clone(head), 0xff, 0xff, 0xff, 0xff, 0x0f),
		"huge set":         append(bytes.Clone(head), 1, 1, 's', 1, 0xff, 0xff, 0x03),
		"long string":      append(append(bytes.Clone(head), 1, 0x81, 0x02), strings.Repeat("x", 257)...),
		"string past end":  append(bytes.Clone(head), 1, 9, 's'),
		"not UTF-8":        append(bytes.Clone(head), 1, 1, 0xff, 1, 0, 1, 0x04, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x40),
		"bad site":         badHeader("Acme", 7),
		"first_seq 0":      badHeader("acme-atl", 0),
		"string len > max": append(bytes.Clone(head), 1, 0xff, 0xff, 0xff, 0xff, 0x0f),
	}
	if _, err := DecodeReadings(bytes.Replace(cases["not UTF-8"], []byte{1, 0xff}, []byte{1, 's'}, 1)); err != nil {
		t.Fatalf("the UTF-8 case's valid twin: %v", err)
	}
	for name, p := range cases {
		if _, err := DecodeReadings(p); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

func badHeader(site string, seq uint64) []byte {
	p := []byte{'L', 'R', 1}
	for _, s := range []string{site, "coldroom-1", "b", "e"} {
		p = appendString(p, s)
	}
	p = binary.AppendUvarint(p, seq)
	p = binary.AppendUvarint(p, uint64(t0.UnixMicro()))
	p = append(p, 1, 1, 's', 1, 0, 1)
	return append(p, goodReading...)
}

// TestDecodeHugeCountsCheap: lying counts are refused before anything is allocated for
// them.
func TestDecodeHugeCountsCheap(t *testing.T) {
	p := handBatch(MaxBatchItems, goodReading...)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := DecodeReadings(p); !errors.Is(err, ErrMalformed) {
			t.Fatal(err)
		}
	})
	// The header's strings, the one-entry tables and the error; nothing per claimed reading.
	if allocs > 32 {
		t.Errorf("%v allocations refusing a batch that claims %d readings", allocs, MaxBatchItems)
	}
}

func TestEncodeAppends(t *testing.T) {
	var e ReadingEncoder
	b := sampleBatch(5)
	p, err := e.Encode([]byte("prefix"), b)
	if err != nil || !bytes.HasPrefix(p, []byte("prefixLR\x01")) {
		t.Fatalf("%q, %v", p, err)
	}
	if q := mustEncode(t, b); !bytes.Equal(p[6:], q) {
		t.Error("appending changed the encoding")
	}
}
