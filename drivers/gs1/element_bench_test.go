package gs1

import "testing"

// A typical GS1 DataMatrix scan on a case: GTIN, expiry, lot.
const benchScan = "]d2" + "01" + gtin + "17261231" + "10LOT-2024-11"

func BenchmarkParseElementString(b *testing.B) {
	o := &ParseOptions{Now: ref}
	b.ReportAllocs()
	b.SetBytes(int64(len(benchScan)))
	for b.Loop() {
		es, err := ParseElementString(benchScan, o)
		if err != nil || len(es.Elements) != 3 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "scans/s")
}

// The same with the reference date left to time.Now().
func BenchmarkParseElementStringNow(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseElementString(benchScan, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseDigitalLink(b *testing.B) {
	const uri = "https://id.gs1.org/01/09506000134352/10/LOT-2024-11?17=261231"
	o := &ParseOptions{Now: ref}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseDigitalLink(uri, o); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "scans/s")
}
