package gs1

import (
	"errors"
	"net/url"
	"strings"
)

// DefaultDigitalLinkDomain is the canonical GS1 resolver, used by DigitalLink when no
// domain is given.
const DefaultDigitalLinkDomain = "https://id.gs1.org"

func isURI(s string) bool {
	return hasPrefixFold(s, "https://") || hasPrefixFold(s, "http://")
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// dlSeg is one path segment and its 0-based offset in the URI.
type dlSeg struct {
	s  string
	at int
}

// ParseDigitalLink parses a GS1 Digital Link URI such as
// "https://example.com/shop/01/09506000134352/10/ABC%2F1/21/7?17=251231&utm_source=x":
// any domain, any path stem before the primary key, then the primary key and its
// qualifiers in the order the syntax dictionary's dlpkey rules give, then query
// parameters whose names are AIs the dictionary marks as data attributes. Other query
// parameters and the fragment are ignored. Values are percent-decoded and then checked
// as ParseElementString checks them; a GTIN of 8, 12 or 13 digits after /01/ is padded
// to 14. Errors are *ParseErrors with the position in the URI.
func ParseDigitalLink(uri string, opts *ParseOptions) (ElementString, error) {
	return parseDigitalLink(uri, opts, 0)
}

func parseDigitalLink(uri string, opts *ParseOptions, base int) (ElementString, error) {
	es, err := parseDL(uri, opts)
	var pe *ParseError
	if err != nil && base > 0 && errors.As(err, &pe) && pe.Pos > 0 {
		pe.Pos += base
	}
	return es, err
}

func parseDL(uri string, opts *ParseOptions) (ElementString, error) {
	var o ParseOptions
	if opts != nil {
		o = *opts
	}
	if !isURI(uri) {
		return ElementString{}, perr(1, "", ErrSyntax, "a Digital Link starts with https:// or http://")
	}
	hostAt := strings.Index(uri, "//") + 2
	pathAt := strings.IndexAny(uri[hostAt:], "/?#")
	if pathAt == 0 {
		return ElementString{}, perr(hostAt+1, "", ErrSyntax, "no host")
	}
	if pathAt < 0 || uri[hostAt+pathAt] != '/' {
		return ElementString{}, perr(len(uri)+1, "", ErrSyntax, "no path with a GS1 primary key")
	}
	pathAt += hostAt
	pathEnd := len(uri)
	if k := strings.IndexAny(uri[pathAt:], "?#"); k >= 0 {
		pathEnd = pathAt + k
	}
	var segBuf [12]dlSeg
	segs := segBuf[:0]
	for start, j := pathAt+1, pathAt+1; j <= pathEnd; j++ {
		if j == pathEnd || uri[j] == '/' {
			segs = append(segs, dlSeg{uri[start:j], start})
			start = j + 1
		}
	}
	if len(segs) > 0 && segs[len(segs)-1].s == "" {
		segs = segs[:len(segs)-1] // a trailing slash
	}
	p := &parser{in: uri, ctx: lintCtx{now: o.Now}}
	es := ElementString{Elements: make([]Element, 0, 6)}
	if err := p.dlPath(&es, segs, len(uri)); err != nil {
		return ElementString{}, err
	}
	if pathEnd < len(uri) && uri[pathEnd] == '?' {
		if err := p.dlQuery(&es, uri, pathEnd+1); err != nil {
			return ElementString{}, err
		}
	}
	es.refYear = p.ctx.year
	if !o.SkipPairing {
		if err := checkPairing(es.Elements, p.positions()); err != nil {
			return ElementString{}, err
		}
	}
	return es, nil
}

// dlPath finds the primary key by walking key/value pairs back from the end of the
// path (what precedes it is the stem), checks the qualifiers' order and adds the
// elements.
func (p *parser) dlPath(es *ElementString, segs []dlSeg, end int) error {
	pk := -1
	for i := len(segs) - 2; i >= 0; i -= 2 {
		d := dict.lookupExact(segs[i].s)
		if d == nil {
			break
		}
		if d.info.PrimaryKey {
			pk = i
			break
		}
		if !d.isQual {
			return perr(segs[i].at+1, d.info.AI, ErrSyntax, "not a Digital Link key qualifier: put it in the query (?%s=...)", d.info.AI)
		}
	}
	if pk < 0 {
		return perr(end+1, "", ErrSyntax, "the path does not end in a GS1 primary key (such as /01/<GTIN>) and its qualifiers")
	}
	pd := dict.lookupExact(segs[pk].s)
	if err := checkQualifierOrder(pd, segs[pk+2:]); err != nil {
		return err
	}
	for i := pk; i+1 < len(segs); i += 2 {
		d := dict.lookupExact(segs[i].s)
		if err := p.dlElement(es, d, segs[i].at, segs[i+1].s, segs[i+1].at); err != nil {
			return err
		}
	}
	return nil
}

// checkQualifierOrder checks that the qualifier keys (every other segment of quals)
// follow, in order, one of the primary key's dlpkey sequences.
func checkQualifierOrder(pd *aiDef, quals []dlSeg) error {
	if len(quals) == 0 {
		return nil
	}
	if len(pd.qual) == 0 {
		return perr(quals[0].at+1, quals[0].s, ErrSyntax, "primary key (%s) takes no qualifiers", pd.info.AI)
	}
	bad := 0 // the qualifier at which the alternative that got furthest failed
	for _, alt := range pd.qual {
		k, i := 0, 0
		for ; i < len(quals); i += 2 {
			for k < len(alt) && alt[k] != quals[i].s {
				k++
			}
			if k == len(alt) {
				break
			}
			k++
		}
		if i >= len(quals) {
			return nil
		}
		bad = max(bad, i)
	}
	var want []string
	for _, alt := range pd.qual {
		want = append(want, strings.Join(alt, ", "))
	}
	return perr(quals[bad].at+1, quals[bad].s, ErrSyntax, "out of place: qualifiers after (%s) follow the order %s",
		pd.info.AI, strings.Join(want, " or "))
}

// dlQuery adds the query parameters that are AIs; others are ignored.
func (p *parser) dlQuery(es *ElementString, uri string, at int) error {
	q := uri[at:]
	if k := strings.IndexByte(q, '#'); k >= 0 {
		q = q[:k]
	}
	for len(q) > 0 {
		part, rest, _ := strings.Cut(q, "&")
		key, val, _ := strings.Cut(part, "=")
		if key != "" && strings.Trim(key, "0123456789") == "" {
			d := dict.lookupExact(key)
			if d == nil {
				return perr(at+1, key, ErrUnknownAI, "query parameter is not in the GS1 syntax dictionary")
			}
			if !d.info.DataAttribute {
				return perr(at+1, key, ErrSyntax, "not a Digital Link data attribute: it belongs in the path")
			}
			if err := p.dlElement(es, d, at, val, at+len(key)+1); err != nil {
				return err
			}
		}
		at += len(part) + 1
		q = rest
	}
	return nil
}

// dlElement decodes and checks one value and adds the element.
func (p *parser) dlElement(es *ElementString, d *aiDef, keyAt int, raw string, at int) error {
	v, err := url.PathUnescape(raw)
	if err != nil {
		return perr(at+1, d.info.AI, ErrSyntax, "bad percent-encoding in %q", raw)
	}
	if d.info.AI == "01" && (len(v) == 8 || len(v) == 12 || len(v) == 13) && strings.Trim(v, "0123456789") == "" {
		v = "000000"[:14-len(v)] + v
	}
	if err := p.checkValue(d, v, at); err != nil {
		return err
	}
	es.Elements = append(es.Elements, Element{AI: d.info.AI, Value: v})
	p.addPos(keyAt)
	return nil
}

// DigitalLink returns the element string as a GS1 Digital Link URI on base (e.g.
// "https://example.com" or "https://example.com/stem"; "" means
// DefaultDigitalLinkDomain): the first primary key in the path, then its qualifiers
// in dlpkey order, then every other element as a query parameter, in the order given.
// It fails when there is no primary key, or an element can be neither a qualifier of
// that key nor a data attribute (AI 21 without 01, say).
func (es ElementString) DigitalLink(base string) (string, error) {
	if base == "" {
		base = DefaultDigitalLinkDomain
	} else if !isURI(base) {
		base = "https://" + base
	}
	base = strings.TrimRight(base, "/")
	pk := -1
	for i, e := range es.Elements {
		if d := dict.lookupExact(e.AI); d != nil && d.info.PrimaryKey {
			pk = i
			break
		}
	}
	if pk < 0 {
		return "", &ParseError{AI: "", Msg: "no Digital Link primary key (00, 01, 253, 255, 401, 402, 414, 417, 8003, 8004, 8006, 8010, 8013, 8017, 8018...)", Err: ErrSyntax}
	}
	pd := dict.lookupExact(es.Elements[pk].AI)
	alt := chooseQualifiers(pd, es.Elements)
	b := []byte(base)
	b = dlAppend(append(b, '/'), pd.info.AI)
	b = dlAppend(append(b, '/'), es.Elements[pk].Value)
	used := make([]bool, len(es.Elements))
	used[pk] = true
	for _, q := range alt {
		for i, e := range es.Elements {
			if e.AI == q && !used[i] {
				b = append(append(b, '/'), q...)
				b = dlAppend(append(b, '/'), e.Value)
				used[i] = true
				break
			}
		}
	}
	sep := byte('?')
	for i, e := range es.Elements {
		if used[i] || dupOf(es.Elements, i) {
			continue
		}
		d := dict.lookupExact(e.AI)
		if d == nil || !d.info.DataAttribute {
			return "", &ParseError{AI: e.AI, Msg: "can be neither a qualifier of (" + pd.info.AI + ") nor a query attribute in a Digital Link", Err: ErrSyntax}
		}
		b = append(append(b, sep), e.AI...)
		b = dlAppend(append(b, '='), e.Value)
		sep = '&'
	}
	return string(b), nil
}

// dupOf reports whether element i repeats an earlier element exactly.
func dupOf(els []Element, i int) bool {
	for j := 0; j < i; j++ {
		if els[j] == els[i] {
			return true
		}
	}
	return false
}

// chooseQualifiers returns the first of pd's qualifier sequences that holds every
// qualifier AI present in els.
func chooseQualifiers(pd *aiDef, els []Element) []string {
	for _, alt := range pd.qual {
		ok := true
		for _, e := range els {
			if inAnyAlt(pd.qual, e.AI) && !contains(alt, e.AI) {
				ok = false
				break
			}
		}
		if ok {
			return alt
		}
	}
	return nil
}

func inAnyAlt(alts [][]string, ai string) bool {
	for _, alt := range alts {
		if contains(alt, ai) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// dlAppend percent-encodes every byte of s but the URI unreserved characters
// (RFC 3986: letters, digits, - . _ ~).
func dlAppend(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || isDigit(c) || c == '-' || c == '.' || c == '_' || c == '~' {
			b = append(b, c)
		} else {
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return b
}
