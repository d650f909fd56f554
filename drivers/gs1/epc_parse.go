package gs1

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseURN parses an EPC pure identity URI ("urn:epc:id:sgtin:0614141.812345.6789") or
// tag URI ("urn:epc:tag:sgtin-96:3.0614141.812345.6789") into an EPC that EncodeEPC
// accepts.
//
// A pure identity URI carries no filter, so Filter is 0. Its scheme is the 96-bit one,
// except an SGTIN whose serial is not a number of at most 38 bits without leading zeros,
// which becomes SGTIN-198 (the 96-bit scheme cannot hold it). The error wraps ErrSyntax,
// ErrUnsupported, ErrPartition, ErrLength, ErrNotDigit, ErrRange, ErrEmpty or
// ErrCharacter.
func ParseURN(s string) (EPC, error) {
	var e EPC
	var err error
	if rest, ok := strings.CutPrefix(s, "urn:epc:id:"); ok {
		e, err = parsePure(rest)
	} else if rest, ok := strings.CutPrefix(s, "urn:epc:tag:"); ok {
		e, err = parseTag(rest)
	} else {
		return EPC{}, fmt.Errorf("gs1: %q is not an EPC URI (urn:epc:id:... or urn:epc:tag:...): %w", s, ErrSyntax)
	}
	if err != nil {
		return EPC{}, fmt.Errorf("gs1: EPC URI %q: %w", s, err)
	}
	return e, nil
}

func parsePure(rest string) (EPC, error) {
	id, body, ok := strings.Cut(rest, ":")
	if !ok {
		return EPC{}, fmt.Errorf("no ':' after the scheme: %w", ErrSyntax)
	}
	var si *schemeInfo
	for i := range schemes {
		if schemes[i].id == id {
			si = &schemes[i]
			break
		}
	}
	if si == nil {
		return EPC{}, fmt.Errorf("scheme %q: %w", id, ErrUnsupported)
	}
	if si.scheme != SGTIN96 {
		return parseBody(si, body)
	}
	e, err := parseBody(schemeOf(SGTIN198), body)
	if err != nil {
		return EPC{}, err
	}
	if v, err := parseInt(e.SerialText, 38, "serial"); err == nil {
		e.Scheme, e.Serial, e.SerialText = SGTIN96, v, ""
	}
	return e, nil
}

func parseTag(rest string) (EPC, error) {
	tag, body, ok := strings.Cut(rest, ":")
	if !ok {
		return EPC{}, fmt.Errorf("no ':' after the scheme: %w", ErrSyntax)
	}
	var si *schemeInfo
	for i := range schemes {
		if schemes[i].tag == tag {
			si = &schemes[i]
			break
		}
	}
	if si == nil {
		return EPC{}, fmt.Errorf("scheme %q: %w", tag, ErrUnsupported)
	}
	if len(body) < 2 || body[0] < '0' || body[0] > '7' || body[1] != '.' {
		return EPC{}, fmt.Errorf("want a filter 0 to 7 and '.' after %q: %w", tag, ErrSyntax)
	}
	e, err := parseBody(si, body[2:])
	e.Filter = body[0] - '0'
	return e, err
}

// parseBody parses the dot-separated fields of a URI and validates them for si.
func parseBody(si *schemeInfo, body string) (EPC, error) {
	n := 3
	if si.scheme == SSCC96 || si.free {
		n = 2
	}
	parts := strings.SplitN(body, ".", n)
	if len(parts) != n {
		return EPC{}, fmt.Errorf("%q has %d dot-separated fields, want %d for %s: %w", body, len(parts), n, si.tag, ErrSyntax)
	}
	cpDigits := len(parts[0])
	if cpDigits < 6 || cpDigits > 12 {
		return EPC{}, fmt.Errorf("company prefix %q has %d digits, want 6 to 12: %w", parts[0], cpDigits, ErrPartition)
	}
	e := EPC{Scheme: si.scheme, CompanyPrefixDigits: uint8(cpDigits)}
	var err error
	if e.CompanyPrefix, err = parseDigits(parts[0], "company prefix"); err != nil {
		return EPC{}, err
	}
	if si.free {
		e.Reference, err = parseInt(parts[1], si.fields-companyBits[12-cpDigits], "asset reference")
	} else if want := si.digits - cpDigits; len(parts[1]) != want {
		err = fmt.Errorf("reference %q has %d digits, want %d with a %d-digit company prefix: %w",
			parts[1], len(parts[1]), want, cpDigits, ErrLength)
	} else {
		e.Reference, err = parseDigits(parts[1], "reference")
	}
	if err != nil {
		return EPC{}, err
	}
	switch {
	case si.text:
		e.SerialText, err = unescape(parts[2])
	case n == 3:
		e.Serial, err = parseInt(parts[2], si.serial, "serial")
	}
	if err != nil {
		return EPC{}, err
	}
	if _, err := e.check(); err != nil {
		return EPC{}, err
	}
	return e, nil
}

// parseDigits parses a field of digits that may have leading zeros (at most 19).
func parseDigits(s, what string) (uint64, error) {
	var v uint64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("%s %q has %q at position %d, want digits: %w", what, s, s[i], i+1, ErrNotDigit)
		}
		v = v*10 + uint64(s[i]-'0')
	}
	return v, nil
}

// parseInt parses a number without leading zeros that fits in bits bits, as the integer
// fields of the 96-bit schemes must be.
func parseInt(s string, bits int, what string) (uint64, error) {
	if s == "" {
		return 0, fmt.Errorf("%s is empty: %w", what, ErrEmpty)
	}
	if _, err := parseDigits(s, what); err != nil {
		return 0, err
	}
	if len(s) > 1 && s[0] == '0' {
		return 0, fmt.Errorf("%s %q has a leading zero, which a %d-bit number cannot keep: %w", what, s, bits, ErrRange)
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v >= 1<<bits {
		return 0, fmt.Errorf("%s %s is more than %d (2^%d-1): %w", what, s, uint64(1)<<bits-1, bits, ErrRange)
	}
	return v, nil
}

// unescape decodes a URI serial: character set 82, with the characters of uriEscaped
// written as %XX (TDS table A-1).
func unescape(s string) (string, error) {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' {
			if i+3 > len(s) {
				return "", fmt.Errorf("serial %q has a '%%' at position %d without two hex digits: %w", s, i+1, ErrSyntax)
			}
			v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil || !needsEscape(byte(v)) {
				return "", fmt.Errorf("serial %q has %q at position %d, want one of %%22 %%25 %%26 %%2F %%3C %%3E %%3F: %w",
					s, s[i:i+3], i+1, ErrSyntax)
			}
			b = append(b, byte(v))
			i += 2
			continue
		}
		if !cset82(c) || needsEscape(c) {
			return "", fmt.Errorf("serial %q has %q at position %d, want character set 82 with %s escaped: %w",
				s, c, i+1, uriEscaped, ErrCharacter)
		}
		b = append(b, c)
	}
	return string(b), nil
}
