package gs1

import (
	"fmt"
	"strconv"
	"strings"
)

// EPCPattern is a set of EPCs as a configuration names them: one EPC, every serial of a
// class ("urn:epc:idpat:sgtin:0614141.812345.*"), or a range of integer serials
// ("urn:epc:idpat:sgtin:0614141.812345.[1-500]", the range syntax of the ALE filter
// patterns). Patterns compare pure identities, so the filter value and the binary
// encoding (SGTIN-96 or -198) of a tag do not matter.
type EPCPattern struct {
	// Class is the pure identity URI without its last field,
	// "urn:epc:id:sgtin:0614141.812345" (for an SSCC, the company prefix).
	Class string
	// Last is the last field of an exact pattern ("6789"); "" for "*" and ranges.
	Last string
	// Any is true for "*": every value of the last field.
	Any bool
	// Lo and Hi bound a range of integer last fields, both included (Last "" and Any
	// false).
	Lo, Hi uint64
}

// MaxExpand bounds how many EPCs Expand returns.
const MaxExpand = 100_000

// ParseEPCPattern parses an EPC pure identity or tag URI, an EPC in hexadecimal (24 or
// 52 digits), or a pattern URI "urn:epc:idpat:<scheme>:<fields>" whose last field is "*"
// or "[lo-hi]" (a range only where that field is an integer: the serial of an SGTIN or
// GRAI, the extension of an SGLN). Fields before the last must be given.
func ParseEPCPattern(s string) (EPCPattern, error) {
	if rest, ok := strings.CutPrefix(s, "urn:epc:idpat:"); ok {
		p, err := parseIDPat(rest)
		if err != nil {
			return EPCPattern{}, fmt.Errorf("gs1: EPC pattern %q: %w", s, err)
		}
		return p, nil
	}
	var e EPC
	var err error
	if strings.HasPrefix(s, "urn:") {
		e, err = ParseURN(s)
	} else {
		e, err = DecodeEPCHex(s)
	}
	if err != nil {
		return EPCPattern{}, err
	}
	return exactPattern(e.URN()), nil
}

func exactPattern(urn string) EPCPattern {
	i := strings.LastIndexByte(urn, '.')
	return EPCPattern{Class: urn[:i], Last: urn[i+1:]}
}

func parseIDPat(rest string) (EPCPattern, error) {
	scheme, body, ok := strings.Cut(rest, ":")
	if !ok {
		return EPCPattern{}, fmt.Errorf("no ':' after the scheme: %w", ErrSyntax)
	}
	i := strings.LastIndexByte(body, '.')
	if i < 0 {
		return EPCPattern{}, fmt.Errorf("%q has no '.': %w", body, ErrSyntax)
	}
	class, last := body[:i], body[i+1:]
	if strings.ContainsAny(class, "*[]") {
		return EPCPattern{}, fmt.Errorf("only the last field may be '*' or a range: %w", ErrSyntax)
	}
	p := EPCPattern{Class: "urn:epc:id:" + scheme + ":" + class}
	integer := scheme == "sgtin" || scheme == "grai" || scheme == "sgln"
	var samples []string
	switch {
	case last == "*":
		p.Any = true
		samples = []string{sampleLast(scheme, class)}
	case strings.HasPrefix(last, "[") && strings.HasSuffix(last, "]"):
		if !integer {
			return EPCPattern{}, fmt.Errorf("a range needs an integer last field (sgtin, grai or sgln), not %s: %w", scheme, ErrSyntax)
		}
		lo, hi, ok := strings.Cut(last[1:len(last)-1], "-")
		var err1, err2 error
		p.Lo, err1 = strconv.ParseUint(lo, 10, 64)
		p.Hi, err2 = strconv.ParseUint(hi, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return EPCPattern{}, fmt.Errorf("range %q: want [lo-hi] of decimal integers: %w", last, ErrSyntax)
		}
		if p.Lo > p.Hi {
			return EPCPattern{}, fmt.Errorf("range %q: lo is above hi: %w", last, ErrRange)
		}
		if scheme == "sgtin" && p.Hi >= 1<<38 {
			return EPCPattern{}, fmt.Errorf("range %q: SGTIN-96 serials are below 2^38 = 274877906944: %w", last, ErrRange)
		}
		samples = []string{lo, hi}
	default:
		// No wildcard: an exact EPC written as a pattern.
		e, err := ParseURN(p.Class + "." + last)
		if err != nil {
			return EPCPattern{}, err
		}
		return exactPattern(e.URN()), nil
	}
	for _, v := range samples {
		if _, err := ParseURN(p.Class + "." + v); err != nil {
			return EPCPattern{}, err
		}
	}
	return p, nil
}

// sampleLast returns a valid last field for checking the fields before it: an SSCC's
// serial reference has 17 digits minus the company prefix.
func sampleLast(scheme, class string) string {
	if scheme == "sscc" && len(class) >= 6 && len(class) <= 12 {
		return strings.Repeat("0", 17-len(class))
	}
	return "0"
}

// Matches reports whether the pure identity URI urn is in the pattern.
func (p EPCPattern) Matches(urn string) bool {
	i := strings.LastIndexByte(urn, '.')
	if i < 0 || urn[:i] != p.Class {
		return false
	}
	return p.matchLast(urn[i+1:])
}

func (p EPCPattern) matchLast(last string) bool {
	switch {
	case p.Any:
		return true
	case p.Last != "":
		return last == p.Last
	}
	if len(last) > 1 && last[0] == '0' { // ranges hold integers, written without leading zeros
		return false
	}
	v, err := strconv.ParseUint(last, 10, 64)
	return err == nil && v >= p.Lo && v <= p.Hi
}

// String returns the pattern in the form ParseEPCPattern reads.
func (p EPCPattern) String() string {
	switch {
	case p.Last != "":
		return p.Class + "." + p.Last
	case p.Any:
		return strings.Replace(p.Class, "urn:epc:id:", "urn:epc:idpat:", 1) + ".*"
	}
	return fmt.Sprintf("%s.[%d-%d]", strings.Replace(p.Class, "urn:epc:id:", "urn:epc:idpat:", 1), p.Lo, p.Hi)
}

// Size returns how many EPCs the pattern names; -1 for "*".
func (p EPCPattern) Size() int64 {
	switch {
	case p.Any:
		return -1
	case p.Last != "":
		return 1
	}
	if n := p.Hi - p.Lo; n < 1<<62 {
		return int64(n) + 1
	}
	return 1 << 62
}

// Expand returns the EPCs of an exact pattern or a range (at most max, and at most
// MaxExpand), in serial order, ready for EncodeEPC (filter 0). "*" cannot be expanded.
func (p EPCPattern) Expand(max int) ([]EPC, error) {
	n := p.Size()
	if n < 0 {
		return nil, fmt.Errorf("gs1: EPC pattern %s: '*' names unboundedly many EPCs: %w", p, ErrRange)
	}
	if n > int64(min(max, MaxExpand)) {
		return nil, fmt.Errorf("gs1: EPC pattern %s names %d EPCs, more than %d: %w", p, n, min(max, MaxExpand), ErrRange)
	}
	if p.Last != "" {
		e, err := ParseURN(p.Class + "." + p.Last)
		if err != nil {
			return nil, err
		}
		return []EPC{e}, nil
	}
	first, err := ParseURN(p.Class + "." + strconv.FormatUint(p.Lo, 10))
	if err != nil {
		return nil, err
	}
	out := make([]EPC, 0, n)
	for v := p.Lo; ; v++ {
		e := first
		e.Serial = v
		if _, err := e.check(); err != nil {
			return nil, fmt.Errorf("gs1: EPC pattern %s at %d: %w", p, v, err)
		}
		out = append(out, e)
		if v == p.Hi {
			break
		}
	}
	return out, nil
}
