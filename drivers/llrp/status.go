package llrp

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// StatusCode is an LLRPStatus StatusCode (enumeration StatusCode in llrp-1x0-def.xml).
type StatusCode uint16

// Status codes; only M_Success means the request was carried out.
const (
	StatusSuccess               StatusCode = 0
	StatusParameterError        StatusCode = 100
	StatusFieldError            StatusCode = 101
	StatusUnexpectedParameter   StatusCode = 102
	StatusMissingParameter      StatusCode = 103
	StatusDuplicateParameter    StatusCode = 104
	StatusOverflowParameter     StatusCode = 105
	StatusOverflowField         StatusCode = 106
	StatusUnknownParameter      StatusCode = 107
	StatusUnknownField          StatusCode = 108
	StatusUnsupportedMessage    StatusCode = 109
	StatusUnsupportedVersion    StatusCode = 110
	StatusUnsupportedParameter  StatusCode = 111
	StatusPUnsupportedParameter StatusCode = 209
	StatusInvalid               StatusCode = 300
	StatusOutOfRange            StatusCode = 301
	StatusDeviceError           StatusCode = 401
)

// String returns the specification's name ("M_Success", "P_MissingParameter").
func (c StatusCode) String() string {
	m := [...]string{"ParameterError", "FieldError", "UnexpectedParameter", "MissingParameter",
		"DuplicateParameter", "OverflowParameter", "OverflowField", "UnknownParameter",
		"UnknownField", "UnsupportedMessage", "UnsupportedVersion", "UnsupportedParameter"}
	switch {
	case c == 0:
		return "M_Success"
	case c >= 100 && c <= 111:
		return "M_" + m[c-100]
	case c >= 200 && c <= 208:
		return "P_" + m[c-200]
	case c == 209:
		return "P_UnsupportedParameter"
	case c == 300:
		return "A_Invalid"
	case c == 301:
		return "A_OutOfRange"
	case c == 401:
		return "R_DeviceError"
	}
	return fmt.Sprintf("StatusCode(%d)", uint16(c))
}

// ErrNoStatus is returned for a response body without an LLRPStatus parameter.
var ErrNoStatus = errors.New("llrp: response without LLRPStatus")

// StatusError is a reader's refusal: an LLRPStatus other than M_Success, with the
// parameter and field it blames when the reader said (ParameterError/FieldError).
type StatusError struct {
	Code        StatusCode
	Description string
	ParamType   uint16     // from ParameterError; 0 when absent
	ParamCode   StatusCode // ParameterError's ErrorCode
	FieldNum    int        // from FieldError; -1 when absent
	FieldCode   StatusCode // FieldError's ErrorCode
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("llrp: reader status %s: %q", e.Code, e.Description)
	if e.ParamType != 0 {
		s += fmt.Sprintf(", parameter %d: %s", e.ParamType, e.ParamCode)
	}
	if e.FieldNum >= 0 {
		s += fmt.Sprintf(", field %d: %s", e.FieldNum, e.FieldCode)
	}
	return s
}

// ResponseStatus finds the LLRPStatus among the top-level parameters of body (every
// *_RESPONSE message and ERROR_MESSAGE carry one) and returns nil for M_Success, a
// *StatusError for any other code, or a decoding error.
func ResponseStatus(body []byte) error {
	p := Params(body)
	for p.Next() {
		if p.Type() == ParamLLRPStatus && !p.TV() {
			return decodeStatus(p.Value())
		}
	}
	if err := p.Err(); err != nil {
		return fmt.Errorf("llrp: response: %w", err)
	}
	return ErrNoStatus
}

func decodeStatus(v []byte) error {
	if len(v) < 4 {
		return fmt.Errorf("llrp: LLRPStatus: %w: %d bytes", ErrTruncated, len(v))
	}
	code := StatusCode(binary.BigEndian.Uint16(v))
	n := int(binary.BigEndian.Uint16(v[2:]))
	if 4+n > len(v) {
		return fmt.Errorf("llrp: LLRPStatus: %w: description of %d bytes in %d", ErrTruncated, n, len(v)-4)
	}
	if code == StatusSuccess {
		return nil
	}
	e := &StatusError{Code: code, Description: string(v[4 : 4+n]), FieldNum: -1}
	for p := Params(v[4+n:]); p.Next(); {
		w := p.Value()
		if p.TV() || len(w) < 4 {
			continue
		}
		a, b := binary.BigEndian.Uint16(w), StatusCode(binary.BigEndian.Uint16(w[2:]))
		switch p.Type() {
		case ParamFieldError:
			e.FieldNum, e.FieldCode = int(a), b
		case ParamParameterError:
			e.ParamType, e.ParamCode = a, b
		}
	}
	return e
}

// AppendStatus appends an LLRPStatus parameter (for the emulator's responses).
func AppendStatus(dst []byte, code StatusCode, description string) []byte {
	dst, at := appendTLV(dst, ParamLLRPStatus)
	dst = binary.BigEndian.AppendUint16(dst, uint16(code))
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(description)))
	return endTLV(append(dst, description...), at)
}
