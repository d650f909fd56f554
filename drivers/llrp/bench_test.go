package llrp

import (
	"testing"
	"time"

	"github.com/lotsense/lotsense/drivers"
)

// benchReport is an RO_ACCESS_REPORT body of n TagReportData, each with EPC-96,
// AntennaID, PeakRSSI, ChannelIndex, FirstSeenTimestampUTC and TagSeenCount.
func benchReport(n int) []byte {
	var body []byte
	for i := 0; i < n; i++ {
		epc := []byte{0x30, 0x74, 0x25, 0x7b, 0xf7, 0x19, 0x4e, 0x40, 0, 0, byte(i >> 8), byte(i)}
		body = AppendTagReportData(body, drivers.TagRead{
			EPC: epc, Antenna: uint16(1 + i%4), RSSI: float64(-40 - i%30),
			Time: t0.Add(time.Duration(i) * time.Millisecond), Count: uint16(1 + i%7), Channel: uint16(i % 50),
		})
	}
	return body
}

func BenchmarkDecodeROAccessReport(b *testing.B) {
	body := benchReport(100)
	dst := make([]drivers.TagRead, 0, 100)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		dst, err = DecodeROAccessReport(body, "door1", now, dst[:0])
		if err != nil || len(dst) != 100 {
			b.Fatal(len(dst), err)
		}
	}
	b.ReportMetric(float64(b.N)*100/b.Elapsed().Seconds(), "tags/s")
}
