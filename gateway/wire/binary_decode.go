package wire

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"
	"unicode/utf8"
)

// decoder reads the binary format, remembering the first error.
type decoder struct {
	p   []byte
	off int
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: byte %d: %s", ErrMalformed, d.off, fmt.Sprintf(format, args...))
	}
}

func (d *decoder) uvarint(what string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.p[d.off:])
	if n <= 0 {
		d.fail("bad varint for %s", what)
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) varint(what string) int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.p[d.off:])
	if n <= 0 {
		d.fail("bad varint for %s", what)
		return 0
	}
	d.off += n
	return v
}

// count reads a uvarint count bounded by max and by the bytes left (each element takes
// at least minSize bytes), so a lying count cannot make us allocate.
func (d *decoder) count(what string, max, minSize int) int {
	n := d.uvarint(what)
	if d.err != nil {
		return 0
	}
	if n > uint64(max) || n*uint64(minSize) > uint64(len(d.p)-d.off) {
		d.fail("%s count %d exceeds the limit (%d) or the bytes left (%d)", what, n, max, len(d.p)-d.off)
		return 0
	}
	return int(n)
}

// str reads a string: at most MaxStringLen bytes of UTF-8 (ids end up in JSON and in
// database text columns, which hold nothing else).
func (d *decoder) str(what string) string {
	n := d.uvarint(what)
	if d.err != nil {
		return ""
	}
	if n > MaxStringLen || n > uint64(len(d.p)-d.off) {
		d.fail("%s is %d bytes: more than %d or the %d left", what, n, MaxStringLen, len(d.p)-d.off)
		return ""
	}
	b := d.p[d.off : d.off+int(n)]
	if !utf8.Valid(b) {
		d.fail("%s %q is not UTF-8", what, b)
		return ""
	}
	d.off += int(n)
	return string(b)
}

func (d *decoder) bytes(n int, what string) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.p)-d.off < n {
		d.fail("%s needs %d bytes, %d left", what, n, len(d.p)-d.off)
		return nil
	}
	b := d.p[d.off : d.off+n]
	d.off += n
	return b
}

// index reads an index into a table of n entries; -1 after an error.
func (d *decoder) index(what string, n int) int {
	v := d.uvarint(what)
	if d.err == nil && v >= uint64(n) {
		d.fail("%s index %d out of range (%d defined)", what, v, n)
	}
	if d.err != nil {
		return -1
	}
	return int(v)
}

// at returns s[i], or the zero value for the -1 of a failed index.
func at[T any](s []T, i int) T {
	if i < 0 {
		var zero T
		return zero
	}
	return s[i]
}

// decodeBinaryReadings decodes the binary format; p starts with the magic.
func decodeBinaryReadings(p []byte) (*ReadingBatch, error) {
	if len(p) < 3 || p[0] != 'L' || p[1] != 'R' {
		return nil, fmt.Errorf("%w: reading batch does not start with \"LR\"", ErrMalformed)
	}
	if p[2] != Version {
		return nil, fmt.Errorf("%w: binary reading batch version %d, this receiver knows %d", ErrUnknownVersion, p[2], Version)
	}
	d := &decoder{p: p, off: 3}
	b := &ReadingBatch{V: Version}
	b.Site, b.Gateway, b.Boot, b.Epoch = d.str("site"), d.str("gateway"), d.str("boot"), d.str("epoch")
	b.FirstSeq = d.uvarint("first_seq")
	prev := int64(d.uvarint("base time"))
	strs := make([]string, d.count("strings", MaxBatchItems, 1))
	for i := range strs {
		strs[i] = d.str("string")
	}
	sets := make([][]string, d.count("lot sets", MaxBatchItems, 1))
	for i := range sets {
		set := make([]string, d.count("lots in set", MaxLotsPerItem, 1))
		for j := range set {
			set[j] = at(strs, d.index("lot", len(strs)))
		}
		sets[i] = set
	}
	n := d.count("readings", MaxBatchItems, minReadingBytes)
	if d.err == nil {
		b.Readings = make([]Reading, n)
	}
	for i := 0; i < n && d.err == nil; i++ {
		r := &b.Readings[i]
		hdr := d.bytes(2, "flags and quantity")
		if hdr == nil {
			break
		}
		if hdr[0]&^7 != 0 {
			d.fail("reading %d has reserved flag bits set (%#x)", i, hdr[0])
		}
		r.Quality, r.Synced, r.Quantity = Quality(hdr[0]&3), hdr[0]&4 != 0, Quantity(hdr[1])
		r.Sensor = at(strs, d.index("sensor", len(strs)))
		r.Location = at(strs, d.index("location", len(strs)))
		if lots := at(sets, d.index("lot set", len(sets))); len(lots) > 0 {
			r.Lots = lots
		}
		prev += d.varint("time delta")
		r.Time = time.UnixMicro(prev).UTC()
		if v := d.bytes(8, "value"); v != nil {
			r.Value = math.Float64frombits(binary.LittleEndian.Uint64(v))
		}
	}
	if d.err == nil && d.off != len(p) {
		d.fail("%d bytes left after the last reading", len(p)-d.off)
	}
	if d.err != nil {
		return nil, d.err
	}
	if err := b.Check(); err != nil {
		return nil, err
	}
	return b, nil
}

// Check validates a decoded batch: header, item count and every reading.
func (b *ReadingBatch) Check() error {
	if err := b.Header.Check(); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if len(b.Readings) == 0 || len(b.Readings) > MaxBatchItems {
		return fmt.Errorf("%w: reading batch has %d readings, want 1 to %d", ErrMalformed, len(b.Readings), MaxBatchItems)
	}
	if b.FirstSeq > math.MaxUint64-uint64(len(b.Readings)) {
		return fmt.Errorf("%w: sequence range overflows", ErrMalformed)
	}
	for i := range b.Readings {
		r := &b.Readings[i]
		switch {
		case r.Sensor == "" || len(r.Sensor) > MaxStringLen:
			return fmt.Errorf("%w: reading %d: sensor id must be 1 to %d bytes", ErrMalformed, i, MaxStringLen)
		case len(r.Location) > MaxStringLen:
			return fmt.Errorf("%w: reading %d: location id longer than %d bytes", ErrMalformed, i, MaxStringLen)
		case !r.Quantity.Valid():
			return fmt.Errorf("%w: reading %d: undefined quantity %d", ErrMalformed, i, r.Quantity)
		case !r.Quality.Valid():
			return fmt.Errorf("%w: reading %d: undefined quality %d", ErrMalformed, i, r.Quality)
		case r.Time.Truncate(time.Microsecond).IsZero(): // the binary form keeps microseconds
			return fmt.Errorf("%w: reading %d: no time", ErrMalformed, i)
		case r.Quality == Good && (math.IsNaN(r.Value) || math.IsInf(r.Value, 0)):
			return fmt.Errorf("%w: reading %d: good reading with non-finite value %v", ErrMalformed, i, r.Value)
		case len(r.Lots) > MaxLotsPerItem:
			return fmt.Errorf("%w: reading %d: %d lots, at most %d", ErrMalformed, i, len(r.Lots), MaxLotsPerItem)
		}
		for _, l := range r.Lots {
			if l == "" || len(l) > MaxStringLen {
				return fmt.Errorf("%w: reading %d: lot id must be 1 to %d bytes", ErrMalformed, i, MaxStringLen)
			}
		}
	}
	return nil
}
