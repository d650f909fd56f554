package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"unicode/utf8"
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
// 13 to 15 bytes. JSON (a payload starting with '{') is accepted for the same batch, so other
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

// ReadingEncoder encodes reading batches; it keeps its tables between calls so encoding
// does not allocate in steady state. Not safe for concurrent use.
type ReadingEncoder struct {
	strIdx  map[string]uint64 // string → index in strs, for this call
	strs    []string
	setIdx  map[string]int // lot set content → entry in sets, kept across calls
	sets    []lotSetRef
	setKeys int      // bytes held by setIdx's keys
	setData []uint64 // string indexes of this call's lot sets, one after the other
	setEnd  []int    // end of each of this call's sets in setData
	perRead []uint64 // sensor, location and lot-set index of each reading
	key     []byte
	gen     uint64 // call counter: a sets entry of another call is not defined in this one
}

type lotSetRef struct{ gen, ix uint64 }

// Encode appends the binary encoding of b to dst. It refuses a batch that DecodeReadings
// would reject (see ReadingBatch.Check), so a gateway never sends one.
func (e *ReadingEncoder) Encode(dst []byte, b *ReadingBatch) ([]byte, error) {
	if err := b.Check(); err != nil {
		return dst, fmt.Errorf("wire: cannot encode reading batch: %w", err)
	}
	e.reset()
	var prevLots []string
	set := uint64(0)
	for i := range b.Readings {
		r := &b.Readings[i]
		if i == 0 || !slices.Equal(r.Lots, prevLots) {
			set, prevLots = e.lotSet(r.Lots), r.Lots
		}
		e.perRead = append(e.perRead, e.str(r.Sensor), e.str(r.Location), set)
	}
	if len(e.strs) > MaxBatchItems {
		return dst, fmt.Errorf("wire: reading batch has %d distinct ids, at most %d allowed", len(e.strs), MaxBatchItems)
	}
	if err := e.checkUTF8(b); err != nil {
		return dst, err
	}
	dst = append(dst, readingMagic[:]...)
	dst = appendString(dst, b.Site)
	dst = appendString(dst, b.Gateway)
	dst = appendString(dst, b.Boot)
	dst = appendString(dst, b.Epoch)
	dst = binary.AppendUvarint(dst, b.FirstSeq)
	prev := b.Readings[0].Time.UnixMicro()
	dst = binary.AppendUvarint(dst, uint64(prev))
	dst = binary.AppendUvarint(dst, uint64(len(e.strs)))
	for _, s := range e.strs {
		dst = appendString(dst, s)
	}
	dst = binary.AppendUvarint(dst, uint64(len(e.setEnd)))
	start := 0
	for _, end := range e.setEnd {
		dst = binary.AppendUvarint(dst, uint64(end-start))
		for _, ix := range e.setData[start:end] {
			dst = binary.AppendUvarint(dst, ix)
		}
		start = end
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
		dst = binary.AppendUvarint(dst, e.perRead[3*i])
		dst = binary.AppendUvarint(dst, e.perRead[3*i+1])
		dst = binary.AppendUvarint(dst, e.perRead[3*i+2])
		dst = binary.AppendVarint(dst, t-prev)
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(r.Value))
		prev = t
	}
	return dst, nil
}

// checkUTF8 refuses ids the decoder would: each distinct one is checked once.
func (e *ReadingEncoder) checkUTF8(b *ReadingBatch) error {
	if !utf8.ValidString(b.Boot) || !utf8.ValidString(b.Epoch) {
		return fmt.Errorf("wire: boot %q or epoch %q is not UTF-8", b.Boot, b.Epoch)
	}
	for _, s := range e.strs {
		if !utf8.ValidString(s) {
			return fmt.Errorf("wire: id %q is not UTF-8", s)
		}
	}
	return nil
}

// maxSetKeyBytes bounds the memory the encoder keeps for lot sets between calls.
const maxSetKeyBytes = 1 << 20

func (e *ReadingEncoder) reset() {
	if e.strIdx == nil {
		e.strIdx = make(map[string]uint64)
		e.setIdx = make(map[string]int)
	}
	clear(e.strIdx) // keeps the map's storage: re-adding the same ids does not allocate
	if e.setKeys > maxSetKeyBytes {
		clear(e.setIdx)
		e.sets, e.setKeys = e.sets[:0], 0
	}
	e.gen++
	e.strs = e.strs[:0]
	e.setData = e.setData[:0]
	e.setEnd = e.setEnd[:0]
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

// lotSet returns the index of the set of lots in this call. Sets are found by their
// content (the lot ids, length-prefixed), which is the same from one call to the next,
// so the map entries are kept and a known set costs a lookup, not an allocation.
func (e *ReadingEncoder) lotSet(lots []string) uint64 {
	e.key = e.key[:0]
	for _, l := range lots {
		e.key = appendString(e.key, l)
	}
	j, ok := e.setIdx[string(e.key)] // no allocation for the lookup
	if !ok {
		j = len(e.sets)
		e.sets = append(e.sets, lotSetRef{})
		e.setIdx[string(e.key)] = j
		e.setKeys += len(e.key)
	}
	ref := &e.sets[j]
	if ref.gen == e.gen {
		return ref.ix
	}
	ref.gen, ref.ix = e.gen, uint64(len(e.setEnd))
	for _, l := range lots {
		e.setData = append(e.setData, e.str(l))
	}
	e.setEnd = append(e.setEnd, len(e.setData))
	return ref.ix
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}
