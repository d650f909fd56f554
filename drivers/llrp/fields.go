package llrp

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// walk calls fn with the type and value of each TLV parameter in b (TV parameters are
// skipped) and stops at fn's first error or where the walk breaks.
func walk(b []byte, what string, fn func(typ uint16, v []byte) error) error {
	p := Params(b)
	for p.Next() {
		if p.TV() {
			continue
		}
		if err := fn(p.Type(), p.Value()); err != nil {
			return err
		}
	}
	if err := p.Err(); err != nil {
		return fmt.Errorf("llrp: %s: %w", what, err)
	}
	return nil
}

// fields reads the fixed fields of one parameter value in order; the first read past
// the end sets err (wrapping ErrTruncated) and every later read returns zero.
type fields struct {
	b    []byte
	off  int
	what string
	err  error
}

func (f *fields) take(n int, field string) []byte {
	if f.err != nil {
		return nil
	}
	if n > len(f.b)-f.off {
		f.err = fmt.Errorf("llrp: %s: %w: %s needs %d bytes at offset %d, %d left",
			f.what, ErrTruncated, field, n, f.off, len(f.b)-f.off)
		return nil
	}
	b := f.b[f.off : f.off+n]
	f.off += n
	return b
}

func (f *fields) u8() uint8 {
	if b := f.take(1, "u8"); b != nil {
		return b[0]
	}
	return 0
}

func (f *fields) u16() uint16 {
	if b := f.take(2, "u16"); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}

func (f *fields) u32() uint32 {
	if b := f.take(4, "u32"); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

// u32v reads a u16 count and that many u32s (never nil when it succeeds).
func (f *fields) u32v() []uint32 {
	n := int(f.u16())
	b := f.take(4*n, "u32v")
	if f.err != nil {
		return nil
	}
	out := make([]uint32, n)
	for i := range out {
		out[i] = binary.BigEndian.Uint32(b[4*i:])
	}
	return out
}

// utf8v reads a u16 byte count and the string (invalid UTF-8 replaced by U+FFFD).
func (f *fields) utf8v() string {
	n := int(f.u16())
	return strings.ToValidUTF8(string(f.take(n, "utf8v")), "\uFFFD")
}

// rest returns the bytes after the fields read so far (the sub-parameters).
func (f *fields) rest() []byte { return f.b[min(f.off, len(f.b)):] }
