package wire

import "testing"

func BenchmarkEncodeReadings(b *testing.B) {
	batch := benchBatch()
	var e ReadingEncoder
	buf, err := e.Encode(nil, batch)
	if err != nil {
		b.Fatal(err)
	}
	size := len(buf)
	b.ReportAllocs()
	b.SetBytes(int64(size))
	n := 0
	for b.Loop() {
		buf, err = e.Encode(buf[:0], batch)
		if err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n*len(batch.Readings))/b.Elapsed().Seconds(), "readings/s")
	b.ReportMetric(float64(size)/float64(len(batch.Readings)), "bytes/reading")
}

func BenchmarkDecodeReadings(b *testing.B) {
	batch := benchBatch()
	p := mustEncode(b, batch)
	b.ReportAllocs()
	b.SetBytes(int64(len(p)))
	n := 0
	for b.Loop() {
		if _, err := DecodeReadings(p); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n*len(batch.Readings))/b.Elapsed().Seconds(), "readings/s")
	b.ReportMetric(float64(len(p))/float64(len(batch.Readings)), "bytes/reading")
}

func TestEncodeDoesNotAllocate(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation count")
	}
	batch := benchBatch()
	var e ReadingEncoder
	buf, _ := e.Encode(nil, batch)
	if a := testing.AllocsPerRun(20, func() { buf, _ = e.Encode(buf[:0], batch) }); a != 0 {
		t.Errorf("Encode allocates %v times per batch in steady state", a)
	}
}
