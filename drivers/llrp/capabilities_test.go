package llrp

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func capsBody(c Capabilities) []byte {
	return AppendCapabilities(AppendStatus(nil, StatusSuccess, ""), c)
}

func TestCapabilitiesRoundTrip(t *testing.T) {
	etsi := Capabilities{DeviceManufacturerName: 10642, ModelName: 7, FirmwareVersion: "3.10.30 ünïcode",
		MaxAntennas: 8, CanSetAntennaProperties: true, ReceiveSensitivity: []ReceiveSensitivity{{1, 0}, {2, -10}, {3, -20}},
		LLRP: &LLRPCapabilities{CanDoRFSurvey: true, CanReportBufferFillWarning: true, SupportsClientRequestOpSpec: true,
			CanDoTagInventoryStateAwareSingulation: true, SupportsEventAndReportHolding: true, MaxPriorityLevels: 8,
			ClientRequestOpSpecTimeout: 500, MaxNumROSpecs: 4, MaxNumSpecsPerROSpec: 2,
			MaxNumInventoryParameterSpecsPerAISpec: 3, MaxNumAccessSpecs: 5, MaxNumOpSpecsPerAccessSpec: 6},
		CountryCode: 276, CommunicationsStandard: 2,
		TransmitPowerTable: []TransmitPowerLevel{{1, -5.25}, {2, 0}, {5, 31.5}},
		Frequency:          FrequencyInformation{Fixed: []uint32{865700, 866300, 866900, 867500}},
		RFModes:            []C1G2RFMode{{ModeID: 9, EPCHAGTCConformance: true, M: 1, ForwardLinkModulation: 2, SpectralMask: 1, StepTari: 1}},
		C1G2:               &C1G2Capabilities{CanSupportBlockErase: true, MaxNumSelectFiltersPerQuery: 1}}
	for name, c := range map[string]Capabilities{"r700": r700Capabilities(), "etsi": etsi, "empty": {}} {
		got, err := DecodeCapabilities(capsBody(c))
		if err != nil || !reflect.DeepEqual(got, c) {
			t.Errorf("%s: got %+v, %v\nwant %+v", name, got, err, c)
		}
	}
	if r := etsi.PowerRange(); r != "indexes 1..5 (-5.25..31.50 dBm), 3 entries" {
		t.Errorf("PowerRange = %q", r)
	}
	if r := (&Capabilities{}).PowerRange(); r != "empty" {
		t.Errorf("PowerRange of no table = %q", r)
	}
}

// Custom parameters (1023) and parameter types this decoder does not know are skipped
// at every level; TV parameters of known size too.
func TestDecodeCapabilitiesSkipsUnknown(t *testing.T) {
	custom := tlv(ParamCustom, []byte{0, 0, 0x65, 0x1a, 0, 0, 0, 1, 0xde, 0xad})
	body := bytes.Join([][]byte{
		AppendStatus(nil, StatusSuccess, ""),
		custom,
		tlv(ParamGeneralDeviceCapabilities, []byte{0, 2, 0x80, 0, 0, 0, 0, 9, 0, 0, 0, 3, 0, 2, 'v', '1'},
			custom, tlv(ParamGPIOCapabilities, []byte{0, 2, 0, 1}), tlv(ParamPerAntennaReceiveSensitivityRange, []byte{0, 1, 0, 1, 0, 2})),
		tlv(ParamRegulatoryCapabilities, []byte{0x03, 0x48, 0, 1},
			tlv(ParamUHFBandCapabilities, tlv(ParamTransmitPowerLevelTableEntry, []byte{0, 1, 0x0b, 0xb8}),
				tlv(999, []byte{1, 2, 3}), []byte{0x81, 0, 1}, // an unknown TLV, a TV AntennaID
				tlv(ParamFrequencyInformation, []byte{0}, tlv(ParamFixedFrequencyTable, []byte{0, 1, 0, 0x0d, 0x35, 0xa4}))),
			custom),
		tlv(500, []byte{0}),
	}, nil)
	got, err := DecodeCapabilities(body)
	want := Capabilities{DeviceManufacturerName: 9, ModelName: 3, FirmwareVersion: "v1", MaxAntennas: 2,
		CanSetAntennaProperties: true, NumGPIs: 2, NumGPOs: 1, CountryCode: 840, CommunicationsStandard: 1,
		TransmitPowerTable: []TransmitPowerLevel{{1, 30}}, Frequency: FrequencyInformation{Fixed: []uint32{865700}}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, %v\nwant %+v", got, err, want)
	}
}

func TestDecodeCapabilitiesRefused(t *testing.T) {
	body := AppendCapabilities(AppendStatus(nil, StatusDeviceError, "antenna hub fault"), r700Capabilities())
	_, err := DecodeCapabilities(body)
	var se *StatusError
	if !errors.As(err, &se) || se.Code != StatusDeviceError || se.Description != "antenna hub fault" {
		t.Errorf("refusal: %v", err)
	}
	if _, err := DecodeCapabilities(AppendCapabilities(nil, r700Capabilities())); !errors.Is(err, ErrNoStatus) {
		t.Errorf("without LLRPStatus: %v", err)
	}
}

// Every cut of a good response either ends between top-level parameters (fewer
// sections, no error) or is reported as truncated.
func TestDecodeCapabilitiesCut(t *testing.T) {
	body := capsBody(r700Capabilities())
	bounds := map[int]bool{}
	for p := Params(body); p.Next(); {
		bounds[p.Offset()] = true
	}
	for n := 0; n < len(body); n++ {
		_, err := DecodeCapabilities(body[:n])
		switch {
		case n == 0:
			if !errors.Is(err, ErrNoStatus) {
				t.Fatalf("cut at 0: %v", err)
			}
		case bounds[n]:
			if err != nil {
				t.Fatalf("cut at parameter boundary %d: %v", n, err)
			}
		case !errors.Is(err, ErrTruncated) || !strings.HasPrefix(err.Error(), "llrp: "):
			t.Fatalf("cut at %d: %v, want ErrTruncated", n, err)
		}
	}
}

func TestDecodeCapabilitiesCorrupt(t *testing.T) {
	status := AppendStatus(nil, StatusSuccess, "")
	for _, c := range []struct {
		name  string
		param []byte
		want  error
		says  string
	}{
		{"short GeneralDeviceCapabilities", tlv(ParamGeneralDeviceCapabilities, make([]byte, 10)), ErrTruncated, "GeneralDeviceCapabilities: llrp: parameter truncated: u32 needs 4 bytes at offset 8, 2 left"},
		{"firmware longer than the parameter", tlv(ParamGeneralDeviceCapabilities, make([]byte, 12), []byte{0, 9, 'x'}), ErrTruncated, "utf8v needs 9 bytes"},
		{"short power entry", tlv(ParamRegulatoryCapabilities, []byte{0, 0, 0, 0},
			tlv(ParamUHFBandCapabilities, tlv(ParamTransmitPowerLevelTableEntry, []byte{0, 1}))), ErrTruncated, "TransmitPowerLevelTableEntry"},
		{"hop table of 50 with 1 frequency", tlv(ParamRegulatoryCapabilities, []byte{0, 0, 0, 0}, tlv(ParamUHFBandCapabilities,
			tlv(ParamFrequencyInformation, []byte{0x80}, tlv(ParamFrequencyHopTable, []byte{1, 0, 0, 50, 0, 0x0d, 0xc6, 0x5e})))), ErrTruncated, "FrequencyHopTable"},
		{"inner length below its header", tlv(ParamRegulatoryCapabilities, []byte{0, 0, 0, 0}, []byte{0, 0x90, 0, 2}), ErrBadLength, "RegulatoryCapabilities"},
		{"LLRPCapabilities of exactly its fields", tlv(ParamLLRPCapabilities, make([]byte, 24)), nil, ""},
		{"unknown TV inside", tlv(ParamGeneralDeviceCapabilities, make([]byte, 14), []byte{0xff, 0}), ErrUnknownTV, "GeneralDeviceCapabilities"},
		{"short LLRPCapabilities", tlv(ParamLLRPCapabilities, make([]byte, 23)), ErrTruncated, "LLRPCapabilities"},
		{"short C1G2LLRPCapabilities", tlv(ParamC1G2LLRPCapabilities, []byte{0x40, 0}), ErrTruncated, "C1G2LLRPCapabilities"},
		{"short RF mode", tlv(ParamRegulatoryCapabilities, []byte{0, 0, 0, 0}, tlv(ParamUHFBandCapabilities,
			tlv(ParamC1G2UHFRFModeTable, tlv(ParamC1G2UHFRFModeTableEntry, make([]byte, 27))))), ErrTruncated, "C1G2UHFRFModeTableEntry"},
	} {
		_, err := DecodeCapabilities(append(bytes.Clone(status), c.param...))
		if c.want == nil {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if !errors.Is(err, c.want) || !strings.HasPrefix(err.Error(), "llrp: ") || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v, want %v saying %q", c.name, err, c.want, c.says)
		}
	}
}

func FuzzDecodeCapabilities(f *testing.F) {
	f.Add(capsBody(r700Capabilities()))
	f.Add(capsBody(Capabilities{}))
	f.Add(readHexFile(f, r700File))
	f.Add(append(AppendStatus(nil, StatusSuccess, ""), tlv(ParamGeneralDeviceCapabilities, make([]byte, 14), []byte{0x81, 0, 1})...))
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := DecodeCapabilities(body)
		if err != nil {
			var se *StatusError
			if !strings.HasPrefix(err.Error(), "llrp: ") || !(errors.Is(err, ErrTruncated) || errors.Is(err, ErrBadLength) ||
				errors.Is(err, ErrUnknownTV) || errors.Is(err, ErrNoStatus) || errors.As(err, &se)) {
				t.Fatalf("error %q is not one of the package's", err)
			}
			return
		}
		// What decodes re-encodes to the same: unless the re-encoding outgrows a TLV's
		// 16-bit length (one PerAntennaAirProtocol per antenna, U+FFFD for bad UTF-8).
		if c.MaxAntennas > 1000 || len(body) > 16<<10 {
			return
		}
		again, err := DecodeCapabilities(capsBody(c))
		if err != nil || !reflect.DeepEqual(again, c) {
			t.Fatalf("re-encoded and decoded: %+v, %v\nfirst decoded: %+v", again, err, c)
		}
	})
}
