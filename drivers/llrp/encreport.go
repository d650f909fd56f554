package llrp

import (
	"encoding/binary"

	"github.com/lotsense/lotsense/drivers"
)

// AppendTagReportData appends one TagReportData parameter describing tr to dst, the way a
// reader does with the content selector SelectorPortal: EPC-96 (TV) when the EPC is 12
// bytes, EPCData (TLV, whole bytes) otherwise, then AntennaID, PeakRSSI, ChannelIndex,
// FirstSeenTimestampUTC (when tr.Time is set) and TagSeenCount. The reader emulator
// builds RO_ACCESS_REPORT bodies with it.
func AppendTagReportData(dst []byte, tr drivers.TagRead) []byte {
	dst, at := appendTLV(dst, ParamTagReportData)
	if len(tr.EPC) == 12 {
		dst = append(dst, 0x80|ParamEPC96)
		dst = append(dst, tr.EPC...)
	} else {
		var e int
		dst, e = appendTLV(dst, ParamEPCData)
		dst = binary.BigEndian.AppendUint16(dst, uint16(8*len(tr.EPC)))
		dst = endTLV(append(dst, tr.EPC...), e)
	}
	dst = binary.BigEndian.AppendUint16(append(dst, 0x80|ParamAntennaID), tr.Antenna)
	dst = append(dst, 0x80|ParamPeakRSSI, byte(int8(tr.RSSI)))
	dst = binary.BigEndian.AppendUint16(append(dst, 0x80|ParamChannelIndex), tr.Channel)
	if !tr.Time.IsZero() {
		dst = binary.BigEndian.AppendUint64(append(dst, 0x80|ParamFirstSeenTimestampUTC), uint64(tr.Time.UnixMicro()))
	}
	dst = binary.BigEndian.AppendUint16(append(dst, 0x80|ParamTagSeenCount), tr.Count)
	return endTLV(dst, at)
}
