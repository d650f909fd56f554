package gateway

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/lotsense/lotsense/gateway/wire"
)

// A reading is kept in the outbox as one record, self-contained so that any run of
// records can be sent as a batch:
//
//	version   1 byte (1)
//	flags     1 byte: bits 0-1 quality, bit 2 clock synchronised, bits 3-7 zero
//	quantity  1 byte
//	time      uvarint, Unix microseconds
//	value     8 bytes, float64 little-endian
//	sensor, location: uvarint length + bytes
//	lots      uvarint count, then each as uvarint length + bytes
const recordVersion = 1

// minRecordLen is the shortest record: 3 header bytes, time, value, and one byte each
// for the sensor, location and lot count.
const minRecordLen = 3 + 1 + 8 + 3

var errRecord = errors.New("gateway: corrupt outbox record")

// appendReadingRecord appends the record form of r to dst.
func appendReadingRecord(dst []byte, r *wire.Reading) []byte {
	flags := byte(r.Quality) & 3
	if r.Synced {
		flags |= 4
	}
	dst = append(dst, recordVersion, flags, byte(r.Quantity))
	dst = binary.AppendUvarint(dst, uint64(r.Time.UnixMicro()))
	dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(r.Value))
	dst = appendStr(dst, r.Sensor)
	dst = appendStr(dst, r.Location)
	dst = binary.AppendUvarint(dst, uint64(len(r.Lots)))
	for _, l := range r.Lots {
		dst = appendStr(dst, l)
	}
	return dst
}

func appendStr(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// interner returns one string per distinct byte sequence, so decoding thousands of
// records of the same few sensors and lots allocates each id once.
type interner map[string]string

func (in interner) get(b []byte) string {
	if s, ok := in[string(b)]; ok { // no allocation: the compiler reuses b for the lookup
		return s
	}
	if len(in) > 4096 {
		clear(in) // ids are few; a flood of distinct ones must not grow this forever
	}
	s := string(b)
	in[s] = s
	return s
}

// decodeReadingRecord decodes a record into r, reusing r.Lots' storage.
func decodeReadingRecord(p []byte, r *wire.Reading, in interner) error {
	if len(p) < minRecordLen || p[0] != recordVersion {
		return fmt.Errorf("%w: %d bytes, version %d", errRecord, len(p), firstByte(p))
	}
	if p[1]&^7 != 0 {
		return fmt.Errorf("%w: reserved flag bits set (%#x)", errRecord, p[1])
	}
	r.Quality, r.Synced, r.Quantity = wire.Quality(p[1]&3), p[1]&4 != 0, wire.Quantity(p[2])
	off := 3
	us, n := uvarint(p[off:])
	if n <= 0 {
		return fmt.Errorf("%w: time", errRecord)
	}
	off += n
	if len(p)-off < 8 {
		return fmt.Errorf("%w: value", errRecord)
	}
	r.Time = time.UnixMicro(int64(us)).UTC()
	r.Value = math.Float64frombits(binary.LittleEndian.Uint64(p[off:]))
	off += 8
	var ok bool
	if r.Sensor, off, ok = readStr(p, off, in); !ok {
		return fmt.Errorf("%w: sensor", errRecord)
	}
	if r.Location, off, ok = readStr(p, off, in); !ok {
		return fmt.Errorf("%w: location", errRecord)
	}
	nl, n := uvarint(p[off:])
	if n <= 0 || nl > uint64(len(p)-off) {
		return fmt.Errorf("%w: lot count", errRecord)
	}
	off += n
	r.Lots = r.Lots[:0]
	for range nl {
		var l string
		if l, off, ok = readStr(p, off, in); !ok {
			return fmt.Errorf("%w: lot", errRecord)
		}
		r.Lots = append(r.Lots, l)
	}
	if off != len(p) {
		return fmt.Errorf("%w: %d trailing bytes", errRecord, len(p)-off)
	}
	return nil
}

func readStr(p []byte, off int, in interner) (string, int, bool) {
	n, w := uvarint(p[off:])
	if w <= 0 || n > uint64(len(p)-off-w) {
		return "", off, false
	}
	off += w
	return in.get(p[off : off+int(n)]), off + int(n), true
}

// uvarint is binary.Uvarint refusing the longer-than-needed forms it accepts (0x80 0x00
// for 0), so a record has one encoding only; n <= 0 on error.
func uvarint(p []byte) (uint64, int) {
	v, n := binary.Uvarint(p)
	if n > 1 && p[n-1] == 0 {
		return 0, -n
	}
	return v, n
}

func firstByte(p []byte) int {
	if len(p) == 0 {
		return -1
	}
	return int(p[0])
}
