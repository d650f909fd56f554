package llrp_test

import (
	"bytes"
	"fmt"
	"time"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/llrp"
)

func Example() {
	// What a reader sends: one RO_ACCESS_REPORT with one tag.
	epc := []byte{0x30, 0x74, 0x25, 0x7b, 0xf7, 0x19, 0x4e, 0x40, 0, 0, 0x1a, 0x85}
	seen := time.Date(2026, 5, 4, 10, 30, 0, 0, time.UTC)
	body := llrp.AppendTagReportData(nil, drivers.TagRead{EPC: epc, Antenna: 2, RSSI: -52, Time: seen, Count: 3})
	stream := bytes.NewReader(llrp.AppendMessage(nil, llrp.MsgROAccessReport, 42, body))

	d := llrp.NewDecoder(stream, 0)
	f, err := d.Next()
	if err != nil {
		panic(err)
	}
	tags, err := llrp.DecodeROAccessReport(f.Body, "door1", time.Now(), nil)
	arena := llrp.DetachEPCs(tags, nil) // tags now survive the next d.Next()
	_ = arena
	fmt.Println(f, err)
	for _, t := range tags {
		fmt.Printf("%s ant %d %x %.0f dBm x%d %s\n", t.Reader, t.Antenna, t.EPC, t.RSSI, t.Count, t.Time.Format(time.RFC3339))
	}
	// Output:
	// RO_ACCESS_REPORT#42 (37 bytes) <nil>
	// door1 ant 2 3074257bf7194e4000001a85 -52 dBm x3 2026-05-04T10:30:00Z
}
