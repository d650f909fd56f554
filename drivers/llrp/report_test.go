package llrp

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/lotsense/lotsense/drivers"
)

var (
	t0     = time.Date(2026, 5, 4, 10, 30, 0, 123456000, time.UTC)
	now    = time.Date(2026, 5, 4, 11, 0, 0, 0, time.UTC)
	epc96  = mustHex("3074257BF7194E4000001A85")
	epc128 = mustHex("E2801160600002054CC2096F01020304")
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// tlv builds a TLV parameter by hand.
func tlv(typ uint16, parts ...[]byte) []byte {
	v := bytes.Join(parts, nil)
	n := 4 + len(v)
	return append([]byte{byte(typ >> 8), byte(typ), byte(n >> 8), byte(n)}, v...)
}

func TestDecodeHandBuilt(t *testing.T) {
	body := bytes.Join([][]byte{
		// EPC-96, ROSpecID, AntennaID 3, PeakRSSI -61, ChannelIndex 7, FirstSeenUTC,
		// LastSeenUTC, TagSeenCount 5, C1G2_PC, Custom (skipped by length).
		tlv(ParamTagReportData, []byte{0x8d}, epc96, []byte{0x89, 0, 0, 0, 9, 0x81, 0, 3, 0x86, 0xc3, 0x87, 0, 7},
			append([]byte{0x82}, be64(uint64(t0.UnixMicro()))...), append([]byte{0x84}, be64(1)...),
			[]byte{0x88, 0, 5, 0x8c, 0x30, 0}, tlv(ParamCustom, []byte{0, 0, 0x63, 0x45, 0, 0, 0, 1, 0xAA})),
		// EPCData of 128 bits, nothing else: defaults.
		tlv(ParamTagReportData, tlv(ParamEPCData, []byte{0, 128}, epc128)),
		tlv(ParamCustom, []byte{0, 0, 0, 1, 0, 0, 0, 2}), // top-level Custom: skipped
	}, nil)
	got, err := DecodeROAccessReport(body, "door1", now, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []drivers.TagRead{
		{Reader: "door1", Antenna: 3, EPC: epc96, RSSI: -61, Time: t0, Count: 5, Channel: 7},
		{Reader: "door1", EPC: epc128, Time: now, Count: 1},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d tags", len(got))
	}
	for i := range want {
		g, w := got[i], want[i]
		if !bytes.Equal(g.EPC, w.EPC) || g.Reader != w.Reader || g.Antenna != w.Antenna || g.RSSI != w.RSSI ||
			!g.Time.Equal(w.Time) || g.Count != w.Count || g.Channel != w.Channel {
			t.Errorf("tag %d: got %+v, want %+v", i, g, w)
		}
	}
}

func be64(v uint64) []byte {
	b := make([]byte, 8)
	for i := range b {
		b[i] = byte(v >> (56 - 8*i))
	}
	return b
}

func TestDecodeSkipsWithReasons(t *testing.T) {
	good := AppendTagReportData(nil, drivers.TagRead{EPC: epc96, Antenna: 1, Count: 1})
	body := bytes.Join([][]byte{
		good,
		tlv(ParamTagReportData, []byte{0x81, 0, 2}),                                  // no EPC
		tlv(ParamTagReportData, []byte{0x8d}, epc96, []byte{0x81, 0, 2, 0x93, 1, 2}), // TV 19: unknown
		tlv(ParamTagReportData, []byte{0x8d}, epc96[:5]),                             // EPC-96 truncated
		tlv(ParamTagReportData, tlv(ParamEPCData, []byte{0, 96}, epc96[:4])),         // EPCData short
		tlv(ParamTagReportData, tlv(ParamEPCData, []byte{0, 0})),                     // empty EPC
		good,
	}, nil)
	got, err := DecodeROAccessReport(body, "r", now, nil)
	var re *ReportError
	if !errors.As(err, &re) {
		t.Fatalf("err %v, want *ReportError", err)
	}
	if len(got) != 2 || re.NoEPC != 2 || re.UnknownTV != 1 || re.Malformed != 2 || re.Skipped() != 5 {
		t.Errorf("%d tags, %+v", len(got), re)
	}
	if !errors.Is(err, errNoEPC) {
		t.Errorf("first reason %v", re.First)
	}
	t.Log(err)
}

func TestDecodeTruncatedEverywhere(t *testing.T) {
	var body []byte
	for i := 0; i < 3; i++ {
		body = AppendTagReportData(body, drivers.TagRead{EPC: epc96, Antenna: 2, RSSI: -50, Time: t0, Count: 3, Channel: 4})
	}
	body = AppendTagReportData(body, drivers.TagRead{EPC: epc128, Antenna: 1, Count: 1})
	for n := 0; n < len(body); n++ {
		got, err := DecodeROAccessReport(body[:n], "r", now, nil)
		if n > 0 && err == nil && len(got) == 0 {
			t.Errorf("cut at %d: no tags and no error", n)
		}
		if err != nil && !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrBadLength) {
			t.Errorf("cut at %d: %v", n, err)
		}
	}
	// Corrupt every byte in turn: never a panic.
	for i := range body {
		c := bytes.Clone(body)
		c[i] ^= 0xff
		DecodeROAccessReport(c, "r", now, nil)
	}
}

func TestDetachEPCs(t *testing.T) {
	body := AppendTagReportData(nil, drivers.TagRead{EPC: epc96, Count: 1})
	body = AppendTagReportData(body, drivers.TagRead{EPC: epc128, Count: 1})
	tags, err := DecodeROAccessReport(body, "r", now, nil)
	if err != nil {
		t.Fatal(err)
	}
	arena := DetachEPCs(tags, nil)
	clear(body)
	if len(arena) != 28 || !bytes.Equal(tags[0].EPC, epc96) || !bytes.Equal(tags[1].EPC, epc128) {
		t.Errorf("after detach: %x %x", tags[0].EPC, tags[1].EPC)
	}
}

func TestDecodeAllocs(t *testing.T) {
	body := benchReport(100)
	dst := make([]drivers.TagRead, 0, 100)
	allocs := testing.AllocsPerRun(100, func() {
		dst, _ = DecodeROAccessReport(body, "r", now, dst[:0])
	})
	if allocs != 0 {
		t.Errorf("%v allocations per report", allocs)
	}
}
