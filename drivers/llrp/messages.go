package llrp

import "fmt"

// Message types the client and the emulator use (typeNum in llrp-1x0-def.xml).
const (
	MsgGetReaderCapabilities         = 1
	MsgGetReaderConfig               = 2
	MsgSetReaderConfig               = 3
	MsgCloseConnectionResponse       = 4
	MsgGetReaderCapabilitiesResponse = 11
	MsgGetReaderConfigResponse       = 12
	MsgSetReaderConfigResponse       = 13
	MsgCloseConnection               = 14
	MsgAddROSpec                     = 20
	MsgDeleteROSpec                  = 21
	MsgStartROSpec                   = 22
	MsgStopROSpec                    = 23
	MsgEnableROSpec                  = 24
	MsgDisableROSpec                 = 25
	MsgGetROSpecs                    = 26
	MsgAddROSpecResponse             = 30
	MsgDeleteROSpecResponse          = 31
	MsgStartROSpecResponse           = 32
	MsgStopROSpecResponse            = 33
	MsgEnableROSpecResponse          = 34
	MsgDisableROSpecResponse         = 35
	MsgGetROSpecsResponse            = 36
	MsgGetReport                     = 60
	MsgROAccessReport                = 61
	MsgKeepalive                     = 62
	MsgReaderEventNotification       = 63
	MsgEnableEventsAndReports        = 64
	MsgKeepaliveAck                  = 72
	MsgErrorMessage                  = 100
	MsgCustomMessage                 = 1023
)

// MessageType is a message type number with a name for logs and errors.
type MessageType uint16

// String returns the name used by the LLRP specification, or "MESSAGE(n)".
func (t MessageType) String() string {
	if s := messageName(uint16(t)); s != "" {
		return s
	}
	return fmt.Sprintf("MESSAGE(%d)", uint16(t))
}

func messageName(t uint16) string {
	switch t {
	case MsgGetReaderCapabilities:
		return "GET_READER_CAPABILITIES"
	case MsgGetReaderConfig:
		return "GET_READER_CONFIG"
	case MsgSetReaderConfig:
		return "SET_READER_CONFIG"
	case MsgCloseConnectionResponse:
		return "CLOSE_CONNECTION_RESPONSE"
	case MsgGetReaderCapabilitiesResponse:
		return "GET_READER_CAPABILITIES_RESPONSE"
	case MsgGetReaderConfigResponse:
		return "GET_READER_CONFIG_RESPONSE"
	case MsgSetReaderConfigResponse:
		return "SET_READER_CONFIG_RESPONSE"
	case MsgCloseConnection:
		return "CLOSE_CONNECTION"
	case MsgAddROSpec, MsgDeleteROSpec, MsgStartROSpec, MsgStopROSpec, MsgEnableROSpec, MsgDisableROSpec:
		return roSpecVerb(t) + "_ROSPEC"
	case MsgAddROSpecResponse, MsgDeleteROSpecResponse, MsgStartROSpecResponse,
		MsgStopROSpecResponse, MsgEnableROSpecResponse, MsgDisableROSpecResponse:
		return roSpecVerb(t-10) + "_ROSPEC_RESPONSE"
	case MsgGetROSpecs:
		return "GET_ROSPECS"
	case MsgGetROSpecsResponse:
		return "GET_ROSPECS_RESPONSE"
	}
	return otherMessageName(t)
}

func roSpecVerb(t uint16) string {
	return [...]string{"ADD", "DELETE", "START", "STOP", "ENABLE", "DISABLE"}[t-MsgAddROSpec]
}

func otherMessageName(t uint16) string {
	switch t {
	case MsgGetReport:
		return "GET_REPORT"
	case MsgROAccessReport:
		return "RO_ACCESS_REPORT"
	case MsgKeepalive:
		return "KEEPALIVE"
	case MsgReaderEventNotification:
		return "READER_EVENT_NOTIFICATION"
	case MsgEnableEventsAndReports:
		return "ENABLE_EVENTS_AND_REPORTS"
	case MsgKeepaliveAck:
		return "KEEPALIVE_ACK"
	case MsgErrorMessage:
		return "ERROR_MESSAGE"
	case MsgCustomMessage:
		return "CUSTOM_MESSAGE"
	}
	return ""
}
