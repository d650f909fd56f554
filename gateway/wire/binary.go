package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// The binary reading batch (v1), all integers varint-encoded unless noted:
//
//	magic    "LR" then the version byte 0x01
//	header   site, gateway, boot, epoch as strings (uvarint length + bytes); first_seq
//	base     uvarint: time of the first reading, Unix microseconds
//	strings  uvarint n, then n strings: sensor, location and lot ids
//	lotsets  uvarint n, then n sets: uvarint k, then k indexes into strings
//	count    uvarint: number of readings
//	readings count times:
//	  flags     1 byte: bits 0-1 quality, bit 2 clock synchronised, bits 3-7 zero
//	  quantity  1 byte
//	  sensor    uvarint index into strings
//	  location  uvarint index into strings
//	  lots      uvarint index into lotsets
//	  dt        zigzag varint: microseconds after the previous reading (the first: after base)
//	  value     8 bytes, IEEE 754 float64, little-endian
//
// Ids repeat in every reading of a batch, so they are sent once; a typical reading costs
// 14 bytes. JSON (a payload starting with '{') is accepted for the same batch, so other
// software can publish readings without this codec.

var readingMagic = [3]byte{'L', 'R', Version}

// Limits the decoder enforces before allocating, so a hostile payload costs little.
const (
	MaxPayload      = 8 << 20 // bytes in one MQTT payload
	MaxBatchItems   = 100_000 // items in one batch
	MaxStringLen    = 256     // bytes in one id
	MaxLotsPerItem  = 1024    // lots attached to one reading or event
	minReadingBytes = 12      // flags, quantity, three indexes, dt of one byte each, value
)

// Errors a receiver tells apart: the first means a newer gateway, not garbage.
var (
	ErrUnknownVersion = errors.New("wire: unknown payload version")
	ErrMalformed      = errors.New("wire: malformed payload")
)

// ReadingEncoder encodes reading batches; it keeps its maps between calls so encoding
// does not allocate in steady state. Not safe for concurrent use.
type ReadingEncoder struct {
	strIdx  map[string]uint64
	strs    []string
	setIdx  map[string]uint64
	sets    [][]uint64
	perRead []uint64 // lot-set index of each reading
	key     []byte
}

// Encode appends the binary encoding of b to dst.
func (e *ReadingEncoder) Encode(dst []byte, b *ReadingBatch) ([]byte, error) {
	if len(b.Readings) == 0 {
		return dst, fmt.Errorf("wire: reading batch from %s has no readings", b.Gateway)
	}
	if len(b.Readings) > MaxBatchItems {
		return dst, fmt.Errorf("wire: reading batch has %d readings, at most %d allowed", len(b.Readings), MaxBatchItems)
	}
	e.reset()
	for i := range b.Readings {
		r := &b.Readings[i]
		if !r.Quantity.Valid() || !r.Quality.Valid() {
			return dst, fmt.Errorf("wire: reading %d (sensor %q) has undefined quantity %d or quality %d", i, r.Sensor, r.Quantity, r.Quality)
		}
		e.str(r.Sensor)
		e.str(r.Location)
		e.perRead = append(e.perRead, e.lotSet(r.Lots))
	}
	dst = append(dst, readingMagic[:]...)
	for _, s := range []string{b.Site, b.Gateway, b.Boot, b.Epoch} {
		dst = appendString(dst, s)
	}
	dst = binary.AppendUvarint(dst, b.FirstSeq)
	prev := b.Readings[0].Time.UnixMicro()
	dst = binary.AppendUvarint(dst, uint64(prev))
	dst = binary.AppendUvarint(dst, uint64(len(e.strs)))
	for _, s := range e.strs {
		dst = appendString(dst, s)
	}
	dst = binary.AppendUvarint(dst, uint64(len(e.sets)))
	for _, set := range e.sets {
		dst = binary.AppendUvarint(dst, uint64(len(set)))
		for _, ix := range set {
			dst = binary.AppendUvarint(dst, ix)
		}
	}
	dst = binary.AppendUvarint(dst, uint64(len(b.Readings)))
	for i := range b.Readings {
		r := &b.Readings[i]
		flags := byte(r.Quality)
		if r.Synced {
			flags |= 1 << 2
		}
		t := r.Time.UnixMicro()
		dst = append(dst, flags, byte(r.Quantity))
		dst = binary.AppendUvarint(dst, e.strIdx[r.Sensor])
		dst = binary.AppendUvarint(dst, e.strIdx[r.Location])
		dst = binary.AppendUvarint(dst, e.perRead[i])
		dst = binary.AppendVarint(dst, t-prev)
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(r.Value))
		prev = t
	}
	return dst, nil
}

func (e *ReadingEncoder) reset() {
	if e.strIdx == nil {
		e.strIdx = make(map[string]uint64)
		e.setIdx = make(map[string]uint64)
	}
	clear(e.strIdx)
	clear(e.setIdx)
	e.strs = e.strs[:0]
	e.sets = e.sets[:0]
	e.perRead = e.perRead[:0]
}

func (e *ReadingEncoder) str(s string) uint64 {
	if ix, ok := e.strIdx[s]; ok {
		return ix
	}
	ix := uint64(len(e.strs))
	e.strIdx[s] = ix
	e.strs = append(e.strs, s)
	return ix
}

// lotSet returns the index of the set of lots; consecutive readings of one location
// share their set, so the common case is one comparison with the previous reading's.
func (e *ReadingEncoder) lotSet(lots []string) uint64 {
	e.key = e.key[:0]
	for _, l := range lots {
		e.key = binary.AppendUvarint(e.key, e.str(l))
	}
	if ix, ok := e.setIdx[string(e.key)]; ok {
		return ix
	}
	ix := uint64(len(e.sets))
	set := make([]uint64, len(lots))
	for i, l := range lots {
		set[i] = e.strIdx[l]
	}
	e.setIdx[string(e.key)] = ix
	e.sets = append(e.sets, set)
	return ix
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

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

func (d *decoder) str(what string) string {
	n := d.count(what+" length", MaxStringLen, 1)
	if d.err != nil {
		return ""
	}
	s := string(d.p[d.off : d.off+n])
	d.off += n
	return s
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
	return b, b.Check()
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
		case r.Time.IsZero():
			return fmt.Errorf("%w: reading %d: no time", ErrMalformed, i)
		case r.Quality == Good && (math.IsNaN(r.Value) || math.IsInf(r.Value, 0)):
			return fmt.Errorf("%w: reading %d: good reading with non-finite value %v", ErrMalformed, i, r.Value)
		case len(r.Lots) > MaxLotsPerItem:
			return fmt.Errorf("%w: reading %d: %d lots, at most %d", ErrMalformed, i, len(r.Lots), MaxLotsPerItem)
		}
		if slices.Contains(r.Lots, "") {
			return fmt.Errorf("%w: reading %d: empty lot id", ErrMalformed, i)
		}
	}
	return nil
}
