package trace

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lotsense/lotsense/drivers/gs1"
)

// A LotCodePattern makes traceability lot codes where lotsense must create them
// (initial packing, transformation, receiving from a supplier that sent none). It is
// text with fields in braces:
//
//	{yyyy} {yy} {mm} {dd}   the date, in the place's time zone
//	{ddd}                   day of the year, 001–366
//	{julian}                {yy}{ddd}, the Julian date printed on many packs
//	{facility} {line} {shift}
//	{seq} {seq:N}           a sequence number, zero-padded to N digits
//
// e.g. "{yyyy}-{facility}-{line}-{seq:4}" gives 2026-ATL-3-0042. The sequence counts
// per distinct text around it (a new day or line starts again at 1) in the database,
// so codes are unique across sites and across cloud replicas sharing it; the facility
// field keeps sites apart by construction.
type LotCodePattern string

// DefaultLotCodePattern is used when none is configured.
const DefaultLotCodePattern LotCodePattern = "{yyyy}{mm}{dd}-{facility}-{line}-{seq:4}"

// LotCodeInput is what a code is made from.
type LotCodeInput struct {
	GTIN     string    // the product the lot is of
	At       time.Time // when the lot is made
	Facility string    // short code of the site, e.g. ATL
	Line     string
	Shift    string
	// Source is the GLN of the place assigning the code (the TLC source).
	Source string
}

type patternPart struct {
	lit   string
	field string
	width int
}

// parse splits the pattern into literal text and fields, checking it has exactly one
// sequence field and only known fields.
func (p LotCodePattern) parse() ([]patternPart, error) {
	var parts []patternPart
	s := string(p)
	seqs := 0
	for s != "" {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			parts = append(parts, patternPart{lit: s})
			break
		}
		if i > 0 {
			parts = append(parts, patternPart{lit: s[:i]})
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return nil, fmt.Errorf("lot code pattern %q: unclosed {", string(p))
		}
		name := s[i+1 : i+j]
		s = s[i+j+1:]
		part := patternPart{field: name}
		if n, w, ok := strings.Cut(name, ":"); ok {
			width, err := strconv.Atoi(w)
			if n != "seq" || err != nil || width < 1 || width > 12 {
				return nil, fmt.Errorf("lot code pattern %q: field {%s}: only seq takes a width, 1 to 12", string(p), name)
			}
			part = patternPart{field: "seq", width: width}
		}
		switch part.field {
		case "yyyy", "yy", "mm", "dd", "ddd", "julian", "facility", "line", "shift":
		case "seq":
			seqs++
		default:
			return nil, fmt.Errorf("lot code pattern %q: unknown field {%s} (want yyyy, yy, mm, dd, ddd, julian, facility, line, shift or seq:N)", string(p), name)
		}
		parts = append(parts, part)
	}
	if seqs != 1 {
		return nil, fmt.Errorf("lot code pattern %q: want exactly one {seq} or {seq:N} field, found %d", string(p), seqs)
	}
	return parts, nil
}

// Check reports whether the pattern is usable.
func (p LotCodePattern) Check() error {
	_, err := p.parse()
	return err
}

// render fills in every field but the sequence; seqAt is where the sequence goes.
func render(parts []patternPart, in LotCodeInput) (before, after string, width int) {
	var b strings.Builder
	t := in.At
	for _, part := range parts {
		switch part.field {
		case "":
			b.WriteString(part.lit)
		case "yyyy":
			fmt.Fprintf(&b, "%04d", t.Year())
		case "yy":
			fmt.Fprintf(&b, "%02d", t.Year()%100)
		case "mm":
			fmt.Fprintf(&b, "%02d", int(t.Month()))
		case "dd":
			fmt.Fprintf(&b, "%02d", t.Day())
		case "ddd":
			fmt.Fprintf(&b, "%03d", t.YearDay())
		case "julian":
			fmt.Fprintf(&b, "%02d%03d", t.Year()%100, t.YearDay())
		case "facility":
			b.WriteString(in.Facility)
		case "line":
			b.WriteString(in.Line)
		case "shift":
			b.WriteString(in.Shift)
		case "seq":
			before = b.String()
			b.Reset()
			width = part.width
		}
	}
	return before, b.String(), width
}

// AssignLotCode makes the next lot code of pattern for in, registers the lot with
// its TLC source (in.Source, in.At) and returns it. Two calls never return the same
// code for the same GTIN, from any site or replica sharing the database.
func (s *Store) AssignLotCode(ctx context.Context, p LotCodePattern, in LotCodeInput) (Lot, error) {
	parts, err := p.parse()
	if err != nil {
		return Lot{}, invalid("%v", err)
	}
	if err := gs1.ValidGTIN(in.GTIN); err != nil {
		return Lot{}, invalid("assign lot code: %v", err)
	}
	if in.Source != "" {
		if err := gs1.ValidGLN(in.Source); err != nil {
			return Lot{}, invalid("assign lot code: TLC source: %v", err)
		}
	}
	if in.At.IsZero() {
		in.At = s.now()
	}
	before, after, width := render(parts, in)
	prefix := in.GTIN + "|" + before + "{seq}" + after
	var lot Lot
	err = s.inTx(ctx, func(x q) error {
		for range 1000 { // skips numbers taken by lots registered by hand
			var n int64
			if err := x.row(ctx, `INSERT INTO tr_lot_code_seq (prefix, next) VALUES (?, 2)
ON CONFLICT (prefix) DO UPDATE SET next = tr_lot_code_seq.next + 1
RETURNING next - 1`, prefix).Scan(&n); err != nil {
				return fmt.Errorf("trace: lot code sequence: %w", err)
			}
			seq := strconv.FormatInt(n, 10)
			if len(seq) < width {
				seq = strings.Repeat("0", width-len(seq)) + seq
			}
			code := before + seq + after
			if err := gs1.ValidLot(code); err != nil {
				return invalid("lot code pattern %q makes %q: %v", string(p), code, err)
			}
			var taken int
			if err := x.row(ctx, `SELECT count(*) FROM tr_lots WHERE gtin = ? AND code = ?`, in.GTIN, code).Scan(&taken); err != nil {
				return fmt.Errorf("trace: lot code: %w", err)
			}
			if taken > 0 {
				continue
			}
			lot = Lot{GTIN: in.GTIN, Code: code, TLCSource: in.Source, TLCAssigned: in.At.UTC()}
			_, err := putLot(ctx, x, &lot)
			return err
		}
		return fmt.Errorf("trace: lot code pattern %q: 1000 numbers in a row are taken", string(p))
	})
	return lot, err
}
