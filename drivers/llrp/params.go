package llrp

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Parameter type numbers (typeNum in llrp-1x0-def.xml). Types below 128 are TV
// parameters (1 byte: top bit set + 7-bit type, then a fixed-size value); the others are
// TLV (6 bits reserved + 10-bit type, 16-bit length including the 4-byte header).
const (
	ParamAntennaID                = 1  // TV u16
	ParamFirstSeenTimestampUTC    = 2  // TV u64 µs since the Unix epoch
	ParamFirstSeenTimestampUptime = 3  // TV u64 µs since reader boot
	ParamLastSeenTimestampUTC     = 4  // TV u64
	ParamLastSeenTimestampUptime  = 5  // TV u64
	ParamPeakRSSI                 = 6  // TV s8 dBm
	ParamChannelIndex             = 7  // TV u16
	ParamTagSeenCount             = 8  // TV u16
	ParamROSpecID                 = 9  // TV u32
	ParamInventoryParameterSpecID = 10 // TV u16
	ParamC1G2CRC                  = 11 // TV u16
	ParamC1G2PC                   = 12 // TV u16
	ParamEPC96                    = 13 // TV u96
	ParamSpecIndex                = 14 // TV u16
	ParamAccessSpecID             = 16 // TV u32
	ParamOpSpecID                 = 17 // TV u16
	ParamC1G2SingulationDetails   = 18 // TV u16 + u16

	ParamUTCTimestamp                = 128
	ParamUptime                      = 129
	ParamROSpec                      = 177
	ParamROBoundarySpec              = 178
	ParamROSpecStartTrigger          = 179
	ParamROSpecStopTrigger           = 182
	ParamAISpec                      = 183
	ParamAISpecStopTrigger           = 184
	ParamInventoryParameterSpec      = 186
	ParamKeepaliveSpec               = 220
	ParamAntennaConfiguration        = 222
	ParamRFTransmitter               = 224
	ParamROReportSpec                = 237
	ParamTagReportContentSelector    = 238
	ParamTagReportData               = 240
	ParamEPCData                     = 241
	ParamRFSurveyReportData          = 242
	ParamReaderEventNotificationData = 246
	ParamHoppingEvent                = 247
	ParamGPIEvent                    = 248
	ParamROSpecEvent                 = 249
	ParamReportBufferLevelWarning    = 250
	ParamReportBufferOverflowError   = 251
	ParamReaderExceptionEvent        = 252
	ParamRFSurveyEvent               = 253
	ParamAISpecEvent                 = 254
	ParamAntennaEvent                = 255
	ParamConnectionAttemptEvent      = 256
	ParamConnectionCloseEvent        = 257
	ParamLLRPStatus                  = 287
	ParamFieldError                  = 288
	ParamParameterError              = 289
	ParamCustom                      = 1023
)

// tvLen returns the value size of TV parameter type t (header byte excluded), or 0 when
// LLRP 1.0.1 defines no TV parameter with that number (15 and 19-127 are unassigned).
func tvLen(t byte) int {
	switch t {
	case ParamPeakRSSI:
		return 1
	case ParamAntennaID, ParamChannelIndex, ParamTagSeenCount, ParamInventoryParameterSpecID,
		ParamC1G2CRC, ParamC1G2PC, ParamSpecIndex, ParamOpSpecID:
		return 2
	case ParamROSpecID, ParamAccessSpecID, ParamC1G2SingulationDetails:
		return 4
	case ParamFirstSeenTimestampUTC, ParamFirstSeenTimestampUptime,
		ParamLastSeenTimestampUTC, ParamLastSeenTimestampUptime:
		return 8
	case ParamEPC96:
		return 12
	}
	return 0
}

// Errors parameter walking reports (wrapped, test with errors.Is).
var (
	ErrTruncated = errors.New("llrp: parameter truncated")
	ErrBadLength = errors.New("llrp: parameter length below its header")
	ErrUnknownTV = errors.New("llrp: unknown TV parameter type (length unknown)")
)

// Params walks the parameters of a message body or of a TLV parameter's value without
// allocating:
//
//	for p := llrp.Params(body); p.Next(); {
//		switch p.Type() { … p.Value() … }
//	}
//	if err := p.Err(); err != nil { … }
//
// Value aliases the walked bytes. The walk stops at the first parameter it cannot
// delimit (truncated, length below 4, unknown TV type); Err then says why.
type ParamIter struct {
	b   []byte
	off int
	typ uint16
	val []byte
	tv  bool
	err error
}

// Params returns an iterator over the parameters in b.
func Params(b []byte) ParamIter { return ParamIter{b: b} }

// Next advances to the next parameter and reports whether there is one.
func (p *ParamIter) Next() bool {
	if p.err != nil || p.off >= len(p.b) {
		return false
	}
	b := p.b[p.off:]
	if b[0]&0x80 != 0 {
		t := b[0] & 0x7f
		n := tvLen(t)
		switch {
		case n == 0:
			p.err = fmt.Errorf("%w %d at offset %d", ErrUnknownTV, t, p.off)
			return false
		case 1+n > len(b):
			p.err = fmt.Errorf("%w: TV %d needs %d bytes, %d left at offset %d", ErrTruncated, t, 1+n, len(b), p.off)
			return false
		}
		p.typ, p.val, p.tv = uint16(t), b[1:1+n:1+n], true
		p.off += 1 + n
		return true
	}
	if len(b) < 4 {
		p.err = fmt.Errorf("%w: TLV header needs 4 bytes, %d left at offset %d", ErrTruncated, len(b), p.off)
		return false
	}
	t := binary.BigEndian.Uint16(b) & 0x3ff
	n := int(binary.BigEndian.Uint16(b[2:]))
	switch {
	case n < 4:
		p.err = fmt.Errorf("%w: TLV %d length %d at offset %d", ErrBadLength, t, n, p.off)
		return false
	case n > len(b):
		p.err = fmt.Errorf("%w: TLV %d length %d, %d left at offset %d", ErrTruncated, t, n, len(b), p.off)
		return false
	}
	p.typ, p.val, p.tv = t, b[4:n:n], false
	p.off += n
	return true
}

// Type is the current parameter's type number.
func (p *ParamIter) Type() uint16 { return p.typ }

// Value is the current parameter's value (header excluded).
func (p *ParamIter) Value() []byte { return p.val }

// TV reports whether the current parameter is a TV parameter.
func (p *ParamIter) TV() bool { return p.tv }

// Offset is the offset just past the current parameter (where the walk stopped on error).
func (p *ParamIter) Offset() int { return p.off }

// Err is why the walk stopped early, or nil when it reached the end.
func (p *ParamIter) Err() error { return p.err }

// appendTLV appends a TLV header for type t and returns dst and the header's offset;
// endTLV fills in the length once the value has been appended.
func appendTLV(dst []byte, t uint16) ([]byte, int) {
	at := len(dst)
	return append(dst, byte(t>>8&3), byte(t), 0, 0), at
}

func endTLV(dst []byte, at int) []byte {
	binary.BigEndian.PutUint16(dst[at+2:], uint16(len(dst)-at))
	return dst
}
