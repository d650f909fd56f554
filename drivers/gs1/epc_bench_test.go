package gs1

import (
	"testing"
)

func BenchmarkDecodeSGTIN96(b *testing.B) {
	raw := mustHex(b, "3074257BF7194E4000001A85")
	var e EPC
	b.ReportAllocs()
	for b.Loop() {
		if err := DecodeEPCInto(raw, &e); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decodes/s")
}

func BenchmarkDecodeSSCC96(b *testing.B) {
	raw := mustHex(b, "3154257BF4499602D2000000")
	var e EPC
	b.ReportAllocs()
	for b.Loop() {
		if err := DecodeEPCInto(raw, &e); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decodes/s")
}

func BenchmarkSGTIN96ToURN(b *testing.B) {
	raw := mustHex(b, "3074257BF7194E4000001A85")
	var e EPC
	b.ReportAllocs()
	for b.Loop() {
		if err := DecodeEPCInto(raw, &e); err != nil {
			b.Fatal(err)
		}
		_ = e.URN()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tags/s")
}

func BenchmarkEncodeSGTIN96(b *testing.B) {
	e := EPC{Scheme: SGTIN96, Filter: 3, CompanyPrefixDigits: 7, CompanyPrefix: 614141, Reference: 812345, Serial: 6789}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodeEPC(e); err != nil {
			b.Fatal(err)
		}
	}
}
