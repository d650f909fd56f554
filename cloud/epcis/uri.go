package epcis

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/lotsense/lotsense/drivers/gs1"
)

// URI forms of lotsense identifiers.
const (
	lgtinPrefix = "urn:epc:class:lgtin:"
	sglnPrefix  = "urn:epc:id:sgln:"
	// placePrefix names a lotsense place without a GLN ("site/key").
	placePrefix = "urn:lotsense:place:"
	// btPrefix wraps a document number that is not a URI: CBV's
	// urn:epcglobal:cbv:bt:<GLN>:<id>, with the all-zero GLN because lotsense does not
	// record who assigned the number. Decode unwraps only this GLN.
	btPrefix = "urn:epcglobal:cbv:bt:0000000000000:"
	// eventPrefix and devicePrefix wrap event and device ids that are not URIs.
	eventPrefix  = "urn:lotsense:event:"
	devicePrefix = "urn:lotsense:device:"
)

// DefaultPrefixLength is the GS1 company prefix length assumed for a GTIN whose
// product does not say, and for every GLN (trace.Location has no prefix length).
const DefaultPrefixLength = 7

// lotChar reports whether c may stand unescaped in the lot of an lgtin URI: GS1
// character set 82 less the characters TDS table A-1 escapes ("%&/<>?).
func lotChar(c byte) bool {
	switch {
	case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte(`!'()*+,-.:;=_`, c) >= 0
}

// uriChar reports whether c stands unescaped in lotsense's own URN parts.
func uriChar(c byte, slash bool) bool {
	switch {
	case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		return true
	case c == '/':
		return slash
	}
	return strings.IndexByte(`-._~`, c) >= 0
}

func escape(s string, keep func(byte) bool) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if keep(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// unescape decodes %XX escapes and wants UTF-8 text.
func unescape(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	v, err := url.PathUnescape(s)
	if err != nil {
		return "", fmt.Errorf("bad %%-escape in %q", s)
	}
	if !utf8.ValidString(v) {
		return "", fmt.Errorf("%q is not UTF-8 once unescaped", s)
	}
	return v, nil
}

// isURI reports whether s is an absolute URI as the EPCIS schema's "uri" format
// wants: a scheme, no spaces or control characters, and parseable.
func isURI(s string) bool {
	i := strings.IndexByte(s, ':')
	if i < 1 {
		return false
	}
	for j := 0; j < i; j++ {
		c := s[j]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (j == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	for j := 0; j < len(s); j++ {
		if s[j] <= ' ' || s[j] == 0x7f {
			return false
		}
	}
	u, err := url.Parse(s)
	return err == nil && u.IsAbs()
}

// wrap returns s when it is a URI that does not start with prefix, else prefix and
// s escaped; unwrap undoes it, so any string goes through a URI field and back.
func wrap(prefix, s string) string {
	if isURI(s) && !strings.HasPrefix(s, prefix) {
		return s
	}
	return prefix + escape(s, func(c byte) bool { return uriChar(c, false) })
}

func unwrap(prefix, s string) (string, error) {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return s, nil
	}
	return unescape(rest)
}

// lgtinURI writes a lot as urn:epc:class:lgtin:<company prefix>.<indicator and item
// reference>.<lot> (TDS 6.3.2), the GTIN split after prefixLen digits of company
// prefix.
func lgtinURI(gtin, lot string, prefixLen int) (string, error) {
	g, err := gs1.GTIN14(gtin)
	if err != nil {
		return "", err
	}
	if prefixLen < 6 || prefixLen > 12 {
		return "", fmt.Errorf("GTIN %s: company prefix length %d, want 6 to 12", g, prefixLen)
	}
	if lot == "" {
		return "", fmt.Errorf("GTIN %s: empty lot", g)
	}
	return lgtinPrefix + g[1:1+prefixLen] + "." + g[:1] + g[1+prefixLen:13] + "." + escape(lot, lotChar), nil
}

// parseLGTIN reads an lgtin class URI back into a GTIN-14 (check digit computed) and
// a lot, and returns the company prefix length it used.
func parseLGTIN(uri string) (gtin, lot string, prefixLen int, err error) {
	body, ok := strings.CutPrefix(uri, lgtinPrefix)
	if !ok {
		return "", "", 0, fmt.Errorf("%q is not an %s URI", uri, lgtinPrefix)
	}
	cp, rest, ok1 := strings.Cut(body, ".")
	ref, lotURI, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 {
		return "", "", 0, fmt.Errorf("%q: want %s<company prefix>.<item reference>.<lot>", uri, lgtinPrefix)
	}
	if len(cp) < 6 || len(cp) > 12 || len(cp)+len(ref) != 13 || !digits(cp) || !digits(ref) {
		return "", "", 0, fmt.Errorf("%q: want a company prefix of 6 to 12 digits and an item reference making 13 digits together", uri)
	}
	data := ref[:1] + cp + ref[1:]
	cd, err := gs1.CheckDigit(data)
	if err != nil {
		return "", "", 0, fmt.Errorf("%q: %v", uri, err)
	}
	if lot, err = unescape(lotURI); err != nil {
		return "", "", 0, fmt.Errorf("%q: lot: %v", uri, err)
	}
	if err := gs1.ValidLot(lot); err != nil {
		return "", "", 0, fmt.Errorf("%q: %v", uri, err)
	}
	return data + string(cd), lot, len(cp), nil
}

// parseLotLink reads a GS1 Digital Link of a lot (https://id.gs1.org/01/<gtin>/10/<lot>,
// any domain, no query): ok is false for any other URI.
func parseLotLink(uri string) (gtin, lot string, ok bool) {
	if !strings.HasPrefix(uri, "https://") && !strings.HasPrefix(uri, "http://") || strings.ContainsAny(uri, "?#") {
		return "", "", false
	}
	es, err := gs1.ParseDigitalLink(uri, nil)
	if err != nil || len(es.Elements) != 2 || es.Elements[0].AI != "01" || es.Elements[1].AI != "10" {
		return "", "", false
	}
	return es.Elements[0].Value, es.Elements[1].Value, true
}

// glnLink reads https://<any domain>/414/<gln> with no extension nor query.
func glnLink(uri string) (string, bool) {
	if !strings.HasPrefix(uri, "https://") && !strings.HasPrefix(uri, "http://") || strings.ContainsAny(uri, "?#") {
		return "", false
	}
	es, err := gs1.ParseDigitalLink(uri, nil)
	if err != nil || len(es.Elements) != 1 || es.Elements[0].AI != "414" {
		return "", false
	}
	return es.Elements[0].Value, true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// placeURI writes a trace location (a GLN, or a lotsense place "site/key") as an EPCIS
// location id: urn:epc:id:sgln:<company prefix>.<location reference>.0 for a GLN.
func placeURI(place string) string {
	if gs1.ValidGLN(place) == nil {
		const l = DefaultPrefixLength
		return sglnPrefix + place[:l] + "." + place[l:12] + ".0"
	}
	return placePrefix + escape(place, func(c byte) bool { return uriChar(c, true) })
}

// parsePlace reads a location id back: an sgln with extension 0, a GS1 Digital Link
// of a GLN, or a lotsense place URN. ok is false for any other URI (an sgln with an
// extension, another scheme), which the caller keeps whole in Extra; err is for a URI
// that claims one of these forms and is malformed.
func parsePlace(uri string) (place string, ok bool, err error) {
	if body, isSGLN := strings.CutPrefix(uri, sglnPrefix); isSGLN {
		parts := strings.Split(body, ".")
		if len(parts) != 3 || len(parts[0]) < 6 || len(parts[0]) > 12 || len(parts[0])+len(parts[1]) != 12 ||
			!digits(parts[0]) || !digits(parts[1]) || parts[2] == "" {
			return "", false, fmt.Errorf("%q: want %s<company prefix>.<location reference>.<extension>, 12 digits before the extension", uri, sglnPrefix)
		}
		if parts[2] != "0" {
			return "", false, nil
		}
		data := parts[0] + parts[1]
		cd, _ := gs1.CheckDigit(data)
		return data + string(cd), true, nil
	}
	if rest, isPlace := strings.CutPrefix(uri, placePrefix); isPlace {
		p, err := unescape(rest)
		if err != nil {
			return "", false, err
		}
		if !strings.Contains(p, "/") {
			return "", false, fmt.Errorf("%q: want %s<site>/<location>", uri, placePrefix)
		}
		return p, true, nil
	}
	if g, isLink := glnLink(uri); isLink {
		return g, true, nil
	}
	return "", false, nil
}

// Vocabulary prefixes: CBV terms may come as bare names (EPCIS 2.0 JSON-LD), as Web
// URIs or as EPCIS 1.x URNs; lotsense keeps the bare name.
var vocab = map[string][]string{
	"bizStep":     {"https://ref.gs1.org/cbv/BizStep-", "cbv:BizStep-", "urn:epcglobal:cbv:bizstep:"},
	"disposition": {"https://ref.gs1.org/cbv/Disp-", "cbv:Disp-", "urn:epcglobal:cbv:disp:"},
	"btt":         {"https://ref.gs1.org/cbv/BTT-", "cbv:BTT-", "urn:epcglobal:cbv:btt:"},
	"sdt":         {"https://ref.gs1.org/cbv/SDT-", "cbv:SDT-", "urn:epcglobal:cbv:sdt:"},
	"measurement": {"https://gs1.org/voc/", "https://www.gs1.org/voc/", "gs1:"},
}

// bare returns the CBV or GS1 Web vocabulary short name of term.
func bare(kind, term string) string {
	for _, p := range vocab[kind] {
		if rest, ok := strings.CutPrefix(term, p); ok && rest != "" {
			return rest
		}
	}
	return term
}
