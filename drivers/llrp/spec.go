package llrp

import (
	"encoding/binary"
	"fmt"
	"time"
)

// DecodeROSpec reads back the ROSpec in an ADD_ROSPEC body: the fields of ROSpec that
// AppendROSpec writes (the reader emulator uses it; triggers other than those
// AppendROSpec writes are not modelled and are ignored).
func DecodeROSpec(body []byte) (ROSpec, error) {
	var s ROSpec
	p := Params(body)
	if !p.Next() || p.Type() != ParamROSpec || p.TV() || len(p.Value()) < 6 {
		return s, fmt.Errorf("llrp: ADD_ROSPEC without a ROSpec: %w", ErrTruncated)
	}
	v := p.Value()
	s.ID, s.Priority = binary.BigEndian.Uint32(v), v[4]
	q := Params(v[6:])
	for q.Next() {
		var err error
		switch q.Type() {
		case ParamAISpec:
			err = decodeAISpec(q.Value(), &s)
		case ParamROReportSpec:
			var r ReportSpec
			r, err = decodeReportSpec(q.Value())
			s.Report = &r
		}
		if err != nil {
			return s, err
		}
	}
	if err := q.Err(); err != nil {
		return s, fmt.Errorf("llrp: ROSpec: %w", err)
	}
	return s, nil
}

func decodeAISpec(v []byte, s *ROSpec) error {
	if len(v) < 2 || 2+2*int(binary.BigEndian.Uint16(v)) > len(v) {
		return fmt.Errorf("llrp: AISpec AntennaIDs: %w", ErrTruncated)
	}
	n := int(binary.BigEndian.Uint16(v))
	for i := 0; i < n; i++ {
		s.Antennas = append(s.Antennas, binary.BigEndian.Uint16(v[2+2*i:]))
	}
	p := Params(v[2+2*n:])
	for p.Next() {
		if p.Type() != ParamInventoryParameterSpec || len(p.Value()) < 3 {
			continue
		}
		q := Params(p.Value()[3:])
		for q.Next() {
			if q.Type() != ParamAntennaConfiguration || len(q.Value()) < 2 {
				continue
			}
			r := Params(q.Value()[2:])
			for r.Next() {
				if w := r.Value(); r.Type() == ParamRFTransmitter && len(w) >= 6 {
					s.HopTableID, s.ChannelIndex = binary.BigEndian.Uint16(w), binary.BigEndian.Uint16(w[2:])
					s.TransmitPower = binary.BigEndian.Uint16(w[4:])
				}
			}
		}
	}
	if err := p.Err(); err != nil {
		return fmt.Errorf("llrp: AISpec: %w", err)
	}
	return nil
}

func decodeReportSpec(v []byte) (ReportSpec, error) {
	if len(v) < 3 {
		return ReportSpec{}, fmt.Errorf("llrp: ROReportSpec: %w", ErrTruncated)
	}
	r := ReportSpec{Trigger: ReportTrigger(v[0]), N: binary.BigEndian.Uint16(v[1:])}
	p := Params(v[3:])
	for p.Next() {
		if p.Type() == ParamTagReportContentSelector && len(p.Value()) >= 2 {
			r.Content = binary.BigEndian.Uint16(p.Value())
		}
	}
	if err := p.Err(); err != nil {
		return r, fmt.Errorf("llrp: ROReportSpec: %w", err)
	}
	return r, nil
}

// DecodeSetReaderConfig reads back what AppendSetReaderConfig writes.
func DecodeSetReaderConfig(body []byte) (ReaderConfig, error) {
	var c ReaderConfig
	if len(body) < 1 {
		return c, fmt.Errorf("llrp: SET_READER_CONFIG: %w", ErrTruncated)
	}
	c.ResetToFactoryDefault = body[0]&0x80 != 0
	p := Params(body[1:])
	for p.Next() {
		switch v := p.Value(); p.Type() {
		case ParamKeepaliveSpec:
			if len(v) >= 5 && v[0] == 1 {
				c.Keepalive = time.Duration(binary.BigEndian.Uint32(v[1:])) * time.Millisecond
			}
		case ParamROReportSpec:
			r, err := decodeReportSpec(v)
			if err != nil {
				return c, err
			}
			c.Report = &r
		}
	}
	if err := p.Err(); err != nil {
		return c, fmt.Errorf("llrp: SET_READER_CONFIG: %w", err)
	}
	return c, nil
}
