package gs1

import (
	"fmt"
)

// EncodeEPC returns the binary encoding of e, as written to a tag's EPC bank: 12 bytes
// for the 96-bit schemes, 26 bytes (198 bits and 10 zero bits of padding) for
// SGTIN-198. It checks e as Validate does.
func EncodeEPC(e EPC) ([]byte, error) {
	si, err := e.check()
	if err != nil {
		return nil, err
	}
	b := make([]byte, si.size)
	p := e.Partition()
	cpBits := companyBits[p]
	putBits(b, 0, 8, uint64(si.scheme))
	putBits(b, filterAt, 3, uint64(e.Filter))
	putBits(b, partitionAt, 3, uint64(p))
	putBits(b, companyAt, cpBits, e.CompanyPrefix)
	putBits(b, companyAt+cpBits, si.fields-cpBits, e.Reference)
	off := companyAt + si.fields
	switch {
	case si.serial > 0:
		putBits(b, off, si.serial, e.Serial)
	case si.text:
		for i := 0; i < len(e.SerialText); i++ {
			putBits(b, off+7*i, 7, uint64(e.SerialText[i]))
		}
	}
	return b, nil
}

// Validate reports whether e can be encoded: a supported scheme, a filter of 0..7, a
// company prefix of 6..12 digits, every field within its digits and bits. The error
// wraps ErrUnsupported, ErrRange, ErrPartition, ErrEmpty, ErrLength, ErrCharacter or
// ErrSyntax.
func (e EPC) Validate() error {
	_, err := e.check()
	return err
}

func (e EPC) check() (*schemeInfo, error) {
	si := schemeOf(e.Scheme)
	if si == nil {
		return nil, fmt.Errorf("gs1: cannot encode scheme %v: %w", e.Scheme, ErrUnsupported)
	}
	if e.Filter > 7 {
		return nil, fmt.Errorf("gs1: %s filter %d, want 0 to 7: %w", si.tag, e.Filter, ErrRange)
	}
	cpDigits := int(e.CompanyPrefixDigits)
	if cpDigits < 6 || cpDigits > 12 {
		return nil, fmt.Errorf("gs1: %s company prefix of %d digits, want 6 to 12: %w", si.tag, cpDigits, ErrPartition)
	}
	if e.CompanyPrefix >= pow10[cpDigits] {
		return nil, fmt.Errorf("gs1: %s company prefix %d has more than %d digits: %w",
			si.tag, e.CompanyPrefix, cpDigits, ErrRange)
	}
	refBits, refDigits := si.fields-companyBits[12-cpDigits], si.digits-cpDigits
	switch {
	case si.free && e.Reference >= 1<<refBits:
		return nil, fmt.Errorf("gs1: %s asset reference %d does not fit in %d bits: %w",
			si.tag, e.Reference, refBits, ErrRange)
	case !si.free && e.Reference >= pow10[refDigits]:
		return nil, fmt.Errorf("gs1: %s reference %d has more than %d digits with a %d-digit company prefix: %w",
			si.tag, e.Reference, refDigits, cpDigits, ErrRange)
	}
	return si, e.checkSerial(si)
}

func (e EPC) checkSerial(si *schemeInfo) error {
	switch {
	case si.text:
		if e.Serial != 0 {
			return fmt.Errorf("gs1: %s keeps its serial in SerialText, Serial is %d: %w", si.tag, e.Serial, ErrSyntax)
		}
		return validText(si.tag, e.SerialText)
	case e.SerialText != "":
		return fmt.Errorf("gs1: %s has no text serial, SerialText is %q: %w", si.tag, e.SerialText, ErrSyntax)
	case si.serial == 0 && e.Serial != 0:
		return fmt.Errorf("gs1: %s has no serial, Serial is %d: %w", si.tag, e.Serial, ErrSyntax)
	case si.serial > 0 && e.Serial >= 1<<si.serial:
		return fmt.Errorf("gs1: %s serial %d is more than %d (2^%d-1): %w",
			si.tag, e.Serial, uint64(1)<<si.serial-1, si.serial, ErrRange)
	}
	return nil
}

// validText checks an SGTIN-198 serial: 1 to 20 characters of character set 82.
func validText(tag, s string) error {
	if s == "" {
		return fmt.Errorf("gs1: %s serial is empty: %w", tag, ErrEmpty)
	}
	if len(s) > textChars {
		return fmt.Errorf("gs1: %s serial %q has %d characters, at most %d allowed: %w", tag, s, len(s), textChars, ErrLength)
	}
	for i := 0; i < len(s); i++ {
		if !cset82(s[i]) {
			return fmt.Errorf("gs1: %s serial %q has %q at position %d, want character set 82: %w",
				tag, s, s[i], i+1, ErrCharacter)
		}
	}
	return nil
}
