package llrp

import (
	"encoding/binary"
	"time"
)

// ReportTrigger is ROReportSpec's ROReportTrigger (ROReportTriggerType).
type ReportTrigger uint8

// Report triggers.
const (
	ReportNone             ReportTrigger = 0
	ReportNTagsOrAISpec    ReportTrigger = 1 // Upon_N_Tags_Or_End_Of_AISpec
	ReportNTagsOrROSpecEnd ReportTrigger = 2 // Upon_N_Tags_Or_End_Of_ROSpec
)

// TagReportContentSelector bits (u1 fields, most significant first, then 6 reserved).
const (
	SelectROSpecID                 uint16 = 1 << 15
	SelectSpecIndex                uint16 = 1 << 14
	SelectInventoryParameterSpecID uint16 = 1 << 13
	SelectAntennaID                uint16 = 1 << 12
	SelectChannelIndex             uint16 = 1 << 11
	SelectPeakRSSI                 uint16 = 1 << 10
	SelectFirstSeenTimestamp       uint16 = 1 << 9
	SelectLastSeenTimestamp        uint16 = 1 << 8
	SelectTagSeenCount             uint16 = 1 << 7
	SelectAccessSpecID             uint16 = 1 << 6

	// SelectPortal is what portal logic needs from every tag read.
	SelectPortal = SelectAntennaID | SelectChannelIndex | SelectPeakRSSI | SelectFirstSeenTimestamp | SelectTagSeenCount
)

// ReportSpec says when the reader sends an RO_ACCESS_REPORT and what each tag carries.
type ReportSpec struct {
	Trigger ReportTrigger // ReportNTagsOrAISpec for a portal
	N       uint16        // report after N tags; 0 = only at the end of the AISpec/ROSpec
	Content uint16        // Select* bits; SelectPortal for a portal
}

// ROSpec is the reader operation a client adds: start immediately, never stop, one AISpec
// over Antennas that inventories EPC Gen2 tags until the ROSpec stops.
type ROSpec struct {
	ID       uint32   // ROSpecID, not 0
	Priority uint8    // 0 (highest) to 7
	Antennas []uint16 // AntennaIDs; empty or {0} means every antenna
	// TransmitPower is an index into the reader's TransmitPowerLevelTable
	// (GET_READER_CAPABILITIES); 0 leaves the reader's power alone (no
	// AntennaConfiguration is sent).
	TransmitPower uint16
	HopTableID    uint16 // RFTransmitter HopTableID; 0 means 1
	ChannelIndex  uint16 // RFTransmitter ChannelIndex; 0 means 1
	Report        *ReportSpec
}

// AppendROSpec appends the ROSpec parameter (the body of ADD_ROSPEC) in state Disabled.
func AppendROSpec(dst []byte, s ROSpec) []byte {
	dst, at := appendTLV(dst, ParamROSpec)
	dst = binary.BigEndian.AppendUint32(dst, s.ID)
	dst = append(dst, s.Priority, 0) // CurrentState: Disabled
	dst, b := appendTLV(dst, ParamROBoundarySpec)
	dst, st := appendTLV(dst, ParamROSpecStartTrigger)
	dst = endTLV(append(dst, 1), st) // Immediate
	dst, sp := appendTLV(dst, ParamROSpecStopTrigger)
	dst = endTLV(append(dst, 0, 0, 0, 0, 0), sp) // Null, DurationTriggerValue 0
	dst = endTLV(dst, b)
	dst = appendAISpec(dst, s)
	if s.Report != nil {
		dst = AppendReportSpec(dst, *s.Report)
	}
	return endTLV(dst, at)
}

func appendAISpec(dst []byte, s ROSpec) []byte {
	ants := s.Antennas
	if len(ants) == 0 {
		ants = []uint16{0}
	}
	dst, at := appendTLV(dst, ParamAISpec)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(ants)))
	for _, a := range ants {
		dst = binary.BigEndian.AppendUint16(dst, a)
	}
	dst, st := appendTLV(dst, ParamAISpecStopTrigger)
	dst = endTLV(append(dst, 0, 0, 0, 0, 0), st) // Null, DurationTrigger 0
	dst, ip := appendTLV(dst, ParamInventoryParameterSpec)
	dst = append(dst, 0, 1, 1) // InventoryParameterSpecID 1, EPCGlobalClass1Gen2
	if s.TransmitPower != 0 {
		for _, a := range ants {
			dst = appendAntennaConfig(dst, a, s)
		}
	}
	dst = endTLV(dst, ip)
	return endTLV(dst, at)
}

func appendAntennaConfig(dst []byte, antenna uint16, s ROSpec) []byte {
	hop, ch := max(s.HopTableID, 1), max(s.ChannelIndex, 1)
	dst, at := appendTLV(dst, ParamAntennaConfiguration)
	dst = binary.BigEndian.AppendUint16(dst, antenna)
	dst, tx := appendTLV(dst, ParamRFTransmitter)
	dst = binary.BigEndian.AppendUint16(dst, hop)
	dst = binary.BigEndian.AppendUint16(dst, ch)
	dst = binary.BigEndian.AppendUint16(dst, s.TransmitPower)
	dst = endTLV(dst, tx)
	return endTLV(dst, at)
}

// AppendReportSpec appends an ROReportSpec parameter with its TagReportContentSelector.
func AppendReportSpec(dst []byte, r ReportSpec) []byte {
	dst, at := appendTLV(dst, ParamROReportSpec)
	dst = binary.BigEndian.AppendUint16(append(dst, byte(r.Trigger)), r.N)
	dst, c := appendTLV(dst, ParamTagReportContentSelector)
	dst = endTLV(binary.BigEndian.AppendUint16(dst, r.Content&0xffc0), c)
	return endTLV(dst, at)
}

// ReaderConfig is what a client sets with SET_READER_CONFIG.
type ReaderConfig struct {
	ResetToFactoryDefault bool
	Keepalive             time.Duration // periodic KEEPALIVE; 0 sends KeepaliveSpec Null
	Report                *ReportSpec   // default ROReportSpec; nil leaves it alone
}

// AppendSetReaderConfig appends a SET_READER_CONFIG body.
func AppendSetReaderConfig(dst []byte, c ReaderConfig) []byte {
	var reset byte
	if c.ResetToFactoryDefault {
		reset = 0x80
	}
	dst = append(dst, reset)
	if c.Report != nil {
		dst = AppendReportSpec(dst, *c.Report)
	}
	dst, at := appendTLV(dst, ParamKeepaliveSpec)
	var trig byte
	if c.Keepalive > 0 {
		trig = 1 // Periodic
	}
	dst = binary.BigEndian.AppendUint32(append(dst, trig), uint32(c.Keepalive.Milliseconds()))
	return endTLV(dst, at)
}

// AppendROSpecID appends the body of DELETE_, START_, STOP_, ENABLE_ and
// DISABLE_ROSPEC: a u32 ROSpecID (0 means all ROSpecs).
func AppendROSpecID(dst []byte, id uint32) []byte { return binary.BigEndian.AppendUint32(dst, id) }

// AppendGetReaderCapabilities appends a GET_READER_CAPABILITIES body; requested 0 asks
// for all capabilities.
func AppendGetReaderCapabilities(dst []byte, requested uint8) []byte { return append(dst, requested) }
