package llrp

import (
	"encoding/binary"
	"fmt"
	"time"
)

// ConnectionStatus is a ConnectionAttemptEvent's Status (ConnectionAttemptStatusType).
type ConnectionStatus uint16

// Connection attempt outcomes. Anything but ConnectionSuccess means the reader will not
// talk to us on this connection (typically another client holds it).
const (
	ConnectionSuccess               ConnectionStatus = 0
	ConnectionReaderInitiatedExists ConnectionStatus = 1 // Failed_A_Reader_Initiated_Connection_Already_Exists
	ConnectionClientInitiatedExists ConnectionStatus = 2 // Failed_A_Client_Initiated_Connection_Already_Exists
	ConnectionFailedOtherReason     ConnectionStatus = 3 // Failed_Reason_Other_Than_A_Connection_Already_Exists
	ConnectionAnotherAttempted      ConnectionStatus = 4 // Another_Connection_Attempted
)

// String returns the specification's name.
func (s ConnectionStatus) String() string {
	switch s {
	case ConnectionSuccess:
		return "Success"
	case ConnectionReaderInitiatedExists:
		return "Failed_A_Reader_Initiated_Connection_Already_Exists"
	case ConnectionClientInitiatedExists:
		return "Failed_A_Client_Initiated_Connection_Already_Exists"
	case ConnectionFailedOtherReason:
		return "Failed_Reason_Other_Than_A_Connection_Already_Exists"
	case ConnectionAnotherAttempted:
		return "Another_Connection_Attempted"
	}
	return fmt.Sprintf("ConnectionStatus(%d)", uint16(s))
}

// ReaderEvent is the content of one READER_EVENT_NOTIFICATION that a client acts on.
// Has* fields say which events were present.
type ReaderEvent struct {
	Time   time.Time     // UTCTimestamp; zero when the reader sent Uptime instead
	Uptime time.Duration // Uptime timestamp (readers without a UTC clock)

	HasConnectionAttempt bool
	ConnectionAttempt    ConnectionStatus
	ConnectionClose      bool // the reader is closing the connection

	HasROSpec      bool
	ROSpecEvent    uint8 // 0 Start_Of_ROSpec, 1 End_Of_ROSpec, 2 Preemption_Of_ROSpec
	ROSpecID       uint32
	EndOfAISpec    bool // AISpecEvent (End_Of_AISpec), for ROSpecID
	HasAntenna     bool
	AntennaID      uint16
	AntennaUp      bool   // Antenna_Connected (false: Antenna_Disconnected)
	Exception      string // ReaderExceptionEvent message; "" when none
	BufferWarning  bool   // ReportBufferLevelWarningEvent
	BufferOverflow bool   // ReportBufferOverflowErrorEvent: reports were lost
	Other          int    // other events (hopping, GPI, RF survey, custom)
}

// DecodeReaderEvent decodes a READER_EVENT_NOTIFICATION body. Events it does not model
// are counted in Other; a malformed body returns what was decoded and an error.
func DecodeReaderEvent(body []byte) (ReaderEvent, error) {
	var ev ReaderEvent
	p := Params(body)
	for p.Next() {
		if p.Type() != ParamReaderEventNotificationData || p.TV() {
			continue
		}
		q := Params(p.Value())
		for q.Next() {
			if err := ev.add(q.Type(), q.Value()); err != nil {
				return ev, err
			}
		}
		if err := q.Err(); err != nil {
			return ev, fmt.Errorf("llrp: ReaderEventNotificationData: %w", err)
		}
	}
	if err := p.Err(); err != nil {
		return ev, fmt.Errorf("llrp: READER_EVENT_NOTIFICATION: %w", err)
	}
	return ev, nil
}

func (ev *ReaderEvent) add(t uint16, v []byte) error {
	if need := eventMinLen(t); len(v) < need {
		return fmt.Errorf("llrp: event parameter %d: %w: %d bytes, want %d", t, ErrTruncated, len(v), need)
	}
	switch t {
	case ParamUTCTimestamp:
		ev.Time = time.UnixMicro(int64(binary.BigEndian.Uint64(v))).UTC()
	case ParamUptime:
		ev.Uptime = time.Duration(binary.BigEndian.Uint64(v)) * time.Microsecond
	case ParamConnectionAttemptEvent:
		ev.HasConnectionAttempt, ev.ConnectionAttempt = true, ConnectionStatus(binary.BigEndian.Uint16(v))
	case ParamConnectionCloseEvent:
		ev.ConnectionClose = true
	case ParamROSpecEvent:
		ev.HasROSpec, ev.ROSpecEvent, ev.ROSpecID = true, v[0], binary.BigEndian.Uint32(v[1:])
	case ParamAISpecEvent:
		ev.EndOfAISpec, ev.ROSpecID = true, binary.BigEndian.Uint32(v[1:])
	case ParamAntennaEvent:
		ev.HasAntenna, ev.AntennaUp, ev.AntennaID = true, v[0] == 1, binary.BigEndian.Uint16(v[1:])
	case ParamReaderExceptionEvent:
		n := int(binary.BigEndian.Uint16(v))
		if 2+n > len(v) {
			return fmt.Errorf("llrp: ReaderExceptionEvent: %w: message of %d bytes in %d", ErrTruncated, n, len(v)-2)
		}
		ev.Exception = string(v[2 : 2+n])
	case ParamReportBufferLevelWarning:
		ev.BufferWarning = true
	case ParamReportBufferOverflowError:
		ev.BufferOverflow = true
	default:
		ev.Other++
	}
	return nil
}

// eventMinLen is the size of the fixed fields of the events add reads.
func eventMinLen(t uint16) int {
	switch t {
	case ParamUTCTimestamp, ParamUptime:
		return 8
	case ParamConnectionAttemptEvent, ParamReaderExceptionEvent:
		return 2
	case ParamROSpecEvent:
		return 9 // u8 EventType, u32 ROSpecID, u32 PreemptingROSpecID
	case ParamAISpecEvent:
		return 7 // u8 EventType, u32 ROSpecID, u16 SpecIndex
	case ParamAntennaEvent:
		return 3 // u8 EventType, u16 AntennaID
	}
	return 0
}

// AppendConnectionAttempt appends a READER_EVENT_NOTIFICATION body carrying a
// ConnectionAttemptEvent, as a reader sends right after accepting a connection.
func AppendConnectionAttempt(dst []byte, at time.Time, s ConnectionStatus) []byte {
	dst, d := appendTLV(dst, ParamReaderEventNotificationData)
	dst, u := appendTLV(dst, ParamUTCTimestamp)
	dst = endTLV(binary.BigEndian.AppendUint64(dst, uint64(at.UnixMicro())), u)
	dst, c := appendTLV(dst, ParamConnectionAttemptEvent)
	dst = endTLV(binary.BigEndian.AppendUint16(dst, uint16(s)), c)
	return endTLV(dst, d)
}
