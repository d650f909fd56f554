package modbussim

import (
	"encoding/binary"
	"errors"
	"io"

	"github.com/simonvetter/modbus"
)

// ServeRTU answers Modbus RTU read requests (functions 1 to 4) arriving on rw, such as
// the master side of a pseudo-terminal whose other side a client opens as its serial
// port, for the simulated devices on that bus by unit id. Requests for other unit ids
// go unanswered, as on a real RS-485 bus; frames with a bad CRC are skipped. It
// returns rw's error when a read or write fails.
func ServeRTU(rw io.ReadWriter, devices map[uint8]*Server) error {
	var buf []byte
	tmp := make([]byte, 256)
	for {
		n, err := rw.Read(tmp)
		if err != nil {
			return err
		}
		buf = append(buf, tmp[:n]...)
		for len(buf) >= 8 {
			if crc16(buf[:6]) != binary.LittleEndian.Uint16(buf[6:8]) {
				buf = buf[1:] // not a frame start: resynchronise
				continue
			}
			resp := answerRTU(buf[:8], devices)
			buf = buf[8:]
			if resp == nil {
				continue
			}
			if _, err := rw.Write(resp); err != nil {
				return err
			}
		}
	}
}

// answerRTU returns the response frame to one read request, or nil for none.
func answerRTU(req []byte, devices map[uint8]*Server) []byte {
	unit, fc := req[0], req[1]
	s := devices[unit]
	if s == nil || s.silent(s.cfg.Clock()) {
		return nil
	}
	addr, n := binary.BigEndian.Uint16(req[2:]), binary.BigEndian.Uint16(req[4:])
	h := handler{s}
	var data []byte
	var err error
	switch fc {
	case 1, 2:
		var bits []bool
		if bits, err = h.bits(unit, addr, n, false); err == nil {
			data = packBits(bits)
		}
	case 3, 4:
		var regs []uint16
		if regs, err = h.registers(unit, addr, n, false); err == nil {
			data = make([]byte, 2*len(regs))
			for i, r := range regs {
				binary.BigEndian.PutUint16(data[2*i:], r)
			}
		}
	default:
		err = modbus.ErrIllegalFunction
	}
	if err != nil {
		return withCRC([]byte{unit, fc | 0x80, exceptionCode(err)})
	}
	return withCRC(append([]byte{unit, fc, byte(len(data))}, data...))
}

func packBits(bits []bool) []byte {
	out := make([]byte, (len(bits)+7)/8)
	for i, b := range bits {
		if b {
			out[i/8] |= 1 << (i % 8)
		}
	}
	return out
}

func exceptionCode(err error) byte {
	switch {
	case errors.Is(err, modbus.ErrIllegalFunction):
		return 1
	case errors.Is(err, modbus.ErrIllegalDataAddress):
		return 2
	case errors.Is(err, modbus.ErrGWTargetFailedToRespond):
		return 0x0B
	}
	return 4 // server device failure
}

// withCRC appends the Modbus CRC-16, low byte first.
func withCRC(frame []byte) []byte {
	return binary.LittleEndian.AppendUint16(frame, crc16(frame))
}

// crc16 is the Modbus RTU CRC (polynomial 0xA001 reflected, initial 0xFFFF).
func crc16(b []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, c := range b {
		crc ^= uint16(c)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0xA001
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}
