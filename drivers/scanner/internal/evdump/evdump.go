// Package evdump reads and writes recordings of Linux input events as the kernel
// hands them to a 64-bit process reading /dev/input/eventN: a sequence of 24-byte
// struct input_event records, little-endian (timeval seconds and microseconds as 64-bit
// integers, type and code as 16-bit, value as 32-bit). A real scanner is recorded with
//
//	timeout 20 cat /dev/input/by-id/usb-…-event-kbd > scans.bin
//
// on a 64-bit machine (32-bit ones write 16-byte records, which this package does not
// read). Script compiles a small text script into such events, for tests.
package evdump

import (
	"encoding/binary"
	"fmt"
	"strings"
	"syscall"
	"time"

	"github.com/holoplot/go-evdev"
)

// RecordSize is the size of one struct input_event on 64-bit Linux.
const RecordSize = 24

// Decode parses records; a trailing partial record is an error (the events before it
// are returned).
func Decode(b []byte) ([]evdev.InputEvent, error) {
	evs := make([]evdev.InputEvent, 0, len(b)/RecordSize)
	for ; len(b) >= RecordSize; b = b[RecordSize:] {
		sec := int64(binary.LittleEndian.Uint64(b[0:]))
		usec := int64(binary.LittleEndian.Uint64(b[8:]))
		evs = append(evs, evdev.InputEvent{
			Time:  syscall.NsecToTimeval(sec*1e9 + usec*1e3),
			Type:  evdev.EvType(binary.LittleEndian.Uint16(b[16:])),
			Code:  evdev.EvCode(binary.LittleEndian.Uint16(b[18:])),
			Value: int32(binary.LittleEndian.Uint32(b[20:])),
		})
	}
	if len(b) != 0 {
		return evs, fmt.Errorf("evdump: %d bytes left over, not a whole %d-byte record", len(b), RecordSize)
	}
	return evs, nil
}

// Encode appends the records of evs to dst.
func Encode(dst []byte, evs []evdev.InputEvent) []byte {
	for _, ev := range evs {
		sec, nsec := ev.Time.Unix()
		dst = binary.LittleEndian.AppendUint64(dst, uint64(sec))
		dst = binary.LittleEndian.AppendUint64(dst, uint64(nsec/1e3))
		dst = binary.LittleEndian.AppendUint16(dst, uint16(ev.Type))
		dst = binary.LittleEndian.AppendUint16(dst, uint16(ev.Code))
		dst = binary.LittleEndian.AppendUint32(dst, uint32(ev.Value))
	}
	return dst
}

// Format writes events one a line, as `time type code value` with names, times
// relative to the first event, for reading a recording.
func Format(evs []evdev.InputEvent) string {
	var sb strings.Builder
	var t0 time.Time
	for i, ev := range evs {
		t := time.Unix(ev.Time.Unix())
		if i == 0 {
			t0 = t
		}
		fmt.Fprintf(&sb, "%-10v %-6s %-16s %d\n", t.Sub(t0), evdev.TypeName(ev.Type), evdev.CodeName(ev.Type, ev.Code), ev.Value)
	}
	return sb.String()
}
