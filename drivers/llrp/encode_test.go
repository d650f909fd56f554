package llrp

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestROSpecBytes checks one simple ROSpec against bytes computed by hand from
// llrp-1x0-def.xml. Every TLV header is u16 (6 reserved bits + 10-bit type) and u16
// length including the 4-byte header.
func TestROSpecBytes(t *testing.T) {
	got := AppendROSpec(nil, ROSpec{ID: 1, Antennas: []uint16{1},
		Report: &ReportSpec{Trigger: ReportNTagsOrAISpec, N: 1, Content: SelectPortal}})
	want := strings.Join([]string{
		"00b1 0041", "00000001 00 00", // ROSpec 177, len 65: u32 ROSpecID, u8 Priority, u8 CurrentState Disabled
		"00b2 0012",             // ROBoundarySpec 178, len 18
		"00b3 0005 01",          // ROSpecStartTrigger 179: u8 type Immediate
		"00b6 0009 00 00000000", // ROSpecStopTrigger 182: u8 type Null, u32 DurationTriggerValue
		"00b7 0018 0001 0001",   // AISpec 183, len 24: u16v AntennaIDs = [1]
		"00b8 0009 00 00000000", // AISpecStopTrigger 184: u8 type Null, u32 DurationTrigger
		"00ba 0007 0001 01",     // InventoryParameterSpec 186: u16 ID 1, u8 ProtocolID EPCGlobalClass1Gen2
		"00ed 000d 01 0001",     // ROReportSpec 237, len 13: u8 Upon_N_Tags_Or_End_Of_AISpec, u16 N
		"00ee 0006 1e80",        // TagReportContentSelector 238: 10 u1 flags + 6 reserved: Antenna, Channel, RSSI, FirstSeen, Count
	}, "")
	if h := hex.EncodeToString(got); h != strings.ReplaceAll(want, " ", "") {
		t.Errorf("got  %s\nwant %s", h, strings.ReplaceAll(want, " ", ""))
	}
}

func TestROSpecRoundTrip(t *testing.T) {
	in := ROSpec{ID: 7, Priority: 2, Antennas: []uint16{1, 2, 3}, TransmitPower: 81, HopTableID: 1, ChannelIndex: 1,
		Report: &ReportSpec{Trigger: ReportNTagsOrAISpec, N: 100, Content: SelectPortal}}
	body := AppendROSpec(nil, in)
	out, err := DecodeROSpec(body)
	if err != nil || !reflect.DeepEqual(in, out) {
		t.Fatalf("in %+v\nout %+v %v", in, out, err)
	}
	for n := 0; n < len(body); n++ {
		DecodeROSpec(body[:n]) // no panic
	}
}

func TestSetReaderConfigRoundTrip(t *testing.T) {
	in := ReaderConfig{Keepalive: 5 * time.Second, Report: &ReportSpec{Trigger: ReportNTagsOrAISpec, N: 1, Content: SelectPortal}}
	body := AppendSetReaderConfig(nil, in)
	out, err := DecodeSetReaderConfig(body)
	if err != nil || !reflect.DeepEqual(in, out) {
		t.Fatalf("in %+v\nout %+v %v", in, out, err)
	}
	// KeepaliveSpec 220: u8 Periodic, u32 5000 ms, at the end of the body.
	if !bytes.HasSuffix(body, []byte{0, 0xdc, 0, 9, 1, 0, 0, 0x13, 0x88}) {
		t.Errorf("% x", body)
	}
}

func TestStatusRoundTrip(t *testing.T) {
	if err := ResponseStatus(AppendStatus(nil, StatusSuccess, "")); err != nil {
		t.Fatal(err)
	}
	err := ResponseStatus(AppendStatus(nil, StatusDeviceError, "antenna 3 missing"))
	var se *StatusError
	if !errors.As(err, &se) || se.Code != StatusDeviceError || se.Description != "antenna 3 missing" ||
		err.Error() != `llrp: reader status R_DeviceError: "antenna 3 missing"` {
		t.Fatalf("%v", err)
	}
	if err := ResponseStatus(nil); !errors.Is(err, ErrNoStatus) {
		t.Errorf("empty: %v", err)
	}
	body := AppendStatus(nil, StatusSuccess, "x")
	for n := 1; n < len(body); n++ {
		if ResponseStatus(body[:n]) == nil {
			t.Errorf("cut at %d: success", n)
		}
	}
}

func TestConnectionAttemptRoundTrip(t *testing.T) {
	body := AppendConnectionAttempt(nil, t0, ConnectionClientInitiatedExists)
	ev, err := DecodeReaderEvent(body)
	if err != nil || !ev.HasConnectionAttempt || ev.ConnectionAttempt != ConnectionClientInitiatedExists || !ev.Time.Equal(t0) {
		t.Fatalf("%+v %v", ev, err)
	}
	if ev.ConnectionAttempt.String() != "Failed_A_Client_Initiated_Connection_Already_Exists" {
		t.Error(ev.ConnectionAttempt)
	}
	for n := 0; n < len(body); n++ {
		DecodeReaderEvent(body[:n]) // no panic
	}
}
