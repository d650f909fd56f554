package gs1

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// Bit offsets common to every scheme here (TDS section 14.5): an 8-bit header, a
// 3-bit filter, a 3-bit partition, then the company prefix.
const (
	filterAt    = 8
	partitionAt = 11
	companyAt   = 14
	textChars   = 20 // SGTIN-198 serial: 20 characters of 7 bits
)

// bitsAt returns the n bits (n <= 64) of b starting at bit off, most significant first.
func bitsAt(b []byte, off, n int) uint64 {
	var v uint64
	for n > 0 {
		i, bit := off>>3, off&7
		take := min(8-bit, n)
		chunk := (b[i] >> (8 - bit - take)) & (1<<take - 1)
		v = v<<take | uint64(chunk)
		off += take
		n -= take
	}
	return v
}

// putBits writes the low n bits (n <= 64) of v into b at bit off, most significant first.
// The bits of b it covers must be zero.
func putBits(b []byte, off, n int, v uint64) {
	for n > 0 {
		i, bit := off>>3, off&7
		take := min(8-bit, n)
		chunk := byte(v>>(n-take)) & (1<<take - 1)
		b[i] |= chunk << (8 - bit - take)
		off += take
		n -= take
	}
}

// DecodeEPC decodes the contents of an EPC bank (without the StoredCRC and PC words):
// 12 bytes for the 96-bit schemes, 26 bytes (13 words) for SGTIN-198.
// The error wraps ErrEmpty, ErrNotEPC, ErrUnsupported, ErrLength, ErrPartition, ErrRange,
// ErrCharacter or ErrPadding.
func DecodeEPC(b []byte) (EPC, error) {
	var e EPC
	err := DecodeEPCInto(b, &e)
	return e, err
}

// DecodeEPCHex decodes an EPC given in hexadecimal, as readers report it
// ("3074257BF7194E4000001A85"). Spaces and a "0x" prefix are ignored.
func DecodeEPCHex(s string) (EPC, error) {
	t := strings.ReplaceAll(strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X"), " ", "")
	b, err := hex.DecodeString(t)
	if err != nil {
		return EPC{}, fmt.Errorf("gs1: EPC %q is not hexadecimal: %w", s, ErrSyntax)
	}
	return DecodeEPC(b)
}

// DecodeEPCInto is DecodeEPC into a caller's EPC. It allocates nothing for the 96-bit
// schemes when it succeeds. On error *e is left zero.
func DecodeEPCInto(b []byte, e *EPC) error {
	*e = EPC{}
	if len(b) == 0 {
		return fmt.Errorf("gs1: EPC is empty: %w", ErrEmpty)
	}
	si := schemeOf(Scheme(b[0]))
	if si == nil {
		return headerError(b[0])
	}
	if len(b) != si.size {
		return fmt.Errorf("gs1: %s EPC has %d bytes, want %d: %w", si.tag, len(b), si.size, ErrLength)
	}
	p := int(bitsAt(b, partitionAt, 3))
	if p > 6 {
		return fmt.Errorf("gs1: %s EPC has partition %d, want 0 to 6: %w", si.tag, p, ErrPartition)
	}
	cpBits, cpDigits := companyBits[p], 12-p
	refBits, refDigits := si.fields-cpBits, si.digits-cpDigits
	cp := bitsAt(b, companyAt, cpBits)
	if cp >= pow10[cpDigits] {
		return fmt.Errorf("gs1: %s EPC company prefix %d has more than %d digits (partition %d): %w",
			si.tag, cp, cpDigits, p, ErrRange)
	}
	ref := bitsAt(b, companyAt+cpBits, refBits)
	if !si.free && ref >= pow10[refDigits] {
		return fmt.Errorf("gs1: %s EPC reference %d has more than %d digits (partition %d): %w",
			si.tag, ref, refDigits, p, ErrRange)
	}
	d := EPC{
		Scheme:              si.scheme,
		Filter:              uint8(bitsAt(b, filterAt, 3)),
		CompanyPrefixDigits: uint8(cpDigits),
		CompanyPrefix:       cp,
		Reference:           ref,
	}
	if err := decodeTail(si, b, companyAt+si.fields, &d); err != nil {
		return err
	}
	*e = d
	return nil
}

// decodeTail decodes what follows the reference: a serial, an extension, reserved bits.
func decodeTail(si *schemeInfo, b []byte, off int, e *EPC) error {
	switch {
	case si.serial > 0:
		e.Serial = bitsAt(b, off, si.serial)
	case si.text:
		s, err := decodeText(si, b, off)
		if err != nil {
			return err
		}
		e.SerialText = s
	case si.scheme == SSCC96:
		if r := bitsAt(b, off, 24); r != 0 {
			return fmt.Errorf("gs1: sscc-96 EPC reserved bits are 0x%06X, want 0: %w", r, ErrPadding)
		}
	}
	return nil
}

// decodeText decodes the SGTIN-198 serial: up to 20 7-bit characters ended early by an
// all-zero character, then zero bits to the end of the bank (TDS section 14.3.2).
func decodeText(si *schemeInfo, b []byte, off int) (string, error) {
	var buf [textChars]byte
	n := 0
	for ; n < textChars; n++ {
		c := byte(bitsAt(b, off+7*n, 7))
		if c == 0 {
			break
		}
		if !cset82(c) {
			return "", fmt.Errorf("gs1: %s EPC serial has character 0x%02X at position %d, want character set 82: %w",
				si.tag, c, n+1, ErrCharacter)
		}
		buf[n] = c
	}
	if n == 0 {
		return "", fmt.Errorf("gs1: %s EPC serial is empty: %w", si.tag, ErrEmpty)
	}
	for at := off + 7*n; at < 8*len(b); at += 8 {
		w := min(8, 8*len(b)-at)
		if bitsAt(b, at, w) != 0 {
			return "", fmt.Errorf("gs1: %s EPC has non-zero bits after its serial at bit %d: %w", si.tag, at, ErrPadding)
		}
	}
	return string(buf[:n]), nil
}
