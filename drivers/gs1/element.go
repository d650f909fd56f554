package gs1

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Errors of element string and Digital Link parsing, in addition to ErrEmpty,
// ErrNotDigit, ErrLength, ErrCheckDigit, ErrCharacter, ErrSyntax and ErrRange. Every
// parse error is a *ParseError that wraps exactly one sentinel.
var (
	// ErrUnknownAI: digits where an AI should start that the syntax dictionary does not list.
	ErrUnknownAI = errors.New("unknown AI")
	// ErrDate: a date or time that does not exist (month 13, 31 April, 29 February 2025, hour 24).
	ErrDate = errors.New("impossible date")
	// ErrPairing: AIs that must not appear together, an AI without the AIs it needs
	// (10 without 01 or 02), or one AI twice with different values.
	ErrPairing = errors.New("invalid AI pairing")
	// ErrFNC1: a separator missing after a variable-length AI (its value runs past its
	// maximum length) or one where an AI should start.
	ErrFNC1 = errors.New("missing or misplaced FNC1")
)

// ParseError is a fault in an element string or Digital Link URI, with where it is.
type ParseError struct {
	Pos int    // 1-based byte position in the input; 0 when not known (CheckPairing, DigitalLink)
	AI  string // the AI concerned, "" if none
	Msg string
	Err error // the sentinel
}

func (e *ParseError) Error() string {
	where := "gs1"
	if e.AI != "" {
		where += " AI (" + e.AI + ")"
	}
	if e.Pos > 0 {
		where += fmt.Sprintf(" at position %d", e.Pos)
	}
	return fmt.Sprintf("%s: %s: %v", strings.Replace(where, "gs1 ", "gs1: ", 1), e.Msg, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

func perr(pos int, ai string, err error, format string, args ...any) *ParseError {
	return &ParseError{Pos: pos, AI: ai, Msg: fmt.Sprintf(format, args...), Err: err}
}

// Element is one Application Identifier and its value, as in "(10)ABC123".
type Element struct {
	AI    string
	Value string
}

// Title returns the syntax dictionary's title of the element's AI ("BATCH/LOT").
func (e Element) Title() string {
	if d := dict.lookupExact(e.AI); d != nil {
		return d.info.Title
	}
	return ""
}

// ElementString is what one barcode (or Digital Link URI) carries: its elements in
// the order they came.
type ElementString struct {
	Elements []Element
	// Symbology is the scanner's symbology identifier when the data had one: "]C1"
	// (GS1-128), "]d2" (GS1 DataMatrix), "]Q3" (GS1 QR Code), "]e0" (GS1 DataBar or
	// composite), "]J1" (GS1 DotCode), or for a Digital Link the plain "]Q1", "]d1"...
	Symbology string
	// refYear is the year of the reference date the parse used for two-digit years.
	refYear int
}

// ParseOptions adjusts parsing. A nil *ParseOptions means the zero value.
type ParseOptions struct {
	// FNC1 is text a scanner sends for FNC1 besides ASCII 29 (GS), e.g. "^" or "<GS>".
	// It must not start with a digit.
	FNC1 string
	// Now is the reference date for the century of YYMMDD dates (GS1's sliding
	// window, General Specifications 7.12); zero means time.Now().
	Now time.Time
	// SkipPairing leaves out the checks of which AIs must or must not appear
	// together. Use it for one of several barcodes on an item, then call CheckPairing
	// on the elements of all of them.
	SkipPairing bool
}

// gs1Symbologies are the symbology identifiers (ISO/IEC 15424) of GS1 element strings.
var gs1Symbologies = []string{"]C1", "]d2", "]Q3", "]e0", "]J1"}

// splitSymbology takes a symbology identifier "]Xm" off the front of s.
func splitSymbology(s string) (id, rest string) {
	if len(s) >= 3 && s[0] == ']' {
		return s[:3], s[3:]
	}
	return "", s
}

func isGS1Symbology(id string) bool {
	for _, g := range gs1Symbologies {
		if id == g {
			return true
		}
	}
	return false
}

// Parse reads anything a scanner sends for a GS1 barcode: an element string with or
// without a symbology identifier, its human-readable form "(01)...(10)...", or a GS1
// Digital Link URI (alone or after a symbology identifier such as "]Q1").
func Parse(s string, opts *ParseOptions) (ElementString, error) {
	id, rest := splitSymbology(s)
	if id != "" && !isGS1Symbology(id) && isURI(rest) {
		es, err := parseDigitalLink(rest, opts, len(id))
		es.Symbology = id
		return es, err
	}
	if id == "" && isURI(s) {
		return ParseDigitalLink(s, opts)
	}
	return ParseElementString(s, opts)
}

// ParseElementString parses a GS1 element string: FNC1-separated data as a scanner
// sends it ("]d2" + "0109506000134352" + "17251231" + "10ABC"), optionally starting
// with a GS1 symbology identifier and a leading FNC1 and ending with a trailing one,
// or the human-readable form "(01)09506000134352(17)251231(10)ABC". Every value is
// checked against the GS1 Barcode Syntax Dictionary: length, character set, check
// digits, dates and code lists, then the AIs' pairing rules. The error is a
// *ParseError naming the position and the AI.
func ParseElementString(s string, opts *ParseOptions) (ElementString, error) {
	var o ParseOptions
	if opts != nil {
		o = *opts
	}
	if o.FNC1 != "" && isDigit(o.FNC1[0]) {
		return ElementString{}, perr(0, "", ErrSyntax, "FNC1 substitute %q starts with a digit", o.FNC1)
	}
	id, rest := splitSymbology(s)
	if id != "" && !isGS1Symbology(id) {
		return ElementString{}, perr(1, "", ErrSyntax,
			"symbology identifier %s does not mark GS1 data (want one of %s)", id, strings.Join(gs1Symbologies, " "))
	}
	p := &parser{in: s, pos: len(id), sub: o.FNC1, ctx: lintCtx{now: o.Now}}
	es := ElementString{Symbology: id, Elements: make([]Element, 0, 6)}
	var err error
	switch {
	case rest == "":
		return es, perr(len(s)+1, "", ErrEmpty, "no data")
	case id == "" && rest[0] == '(':
		err = p.parseHRI(&es)
	default:
		err = p.parseRaw(&es)
	}
	if err != nil {
		return ElementString{}, err
	}
	es.refYear = p.ctx.year
	if !o.SkipPairing {
		if err := checkPairing(es.Elements, p.positions()); err != nil {
			return ElementString{}, err
		}
	}
	return es, nil
}

// CheckPairing applies the syntax dictionary's pairing rules (req= and ex=) to the
// elements together, e.g. those of every barcode on one item parsed with SkipPairing.
func (es ElementString) CheckPairing() error {
	return checkPairing(es.Elements, nil)
}
