package gs1

import (
	"strings"
)

// parser holds one parse's state: the input, where it is, the FNC1 substitute and the
// positions of the elements found (for pairing errors).
type parser struct {
	in     string
	pos    int
	sub    string
	ctx    lintCtx
	posBuf [8]int // 1-based positions of the first elements, without allocating
	posAll []int  // all of them, once there are more than 8
	n      int
}

func (p *parser) addPos(i int) {
	if p.n == len(p.posBuf) {
		p.posAll = append([]int(nil), p.posBuf[:]...)
	}
	if p.n < len(p.posBuf) {
		p.posBuf[p.n] = i + 1
	} else {
		p.posAll = append(p.posAll, i+1)
	}
	p.n++
}

func (p *parser) positions() []int {
	if p.posAll != nil {
		return p.posAll
	}
	return p.posBuf[:p.n]
}

// sepAt returns the length of the FNC1 separator at s[i:], 0 if there is none.
func (p *parser) sepAt(i int) int {
	s := p.in
	if i >= len(s) {
		return 0
	}
	if s[i] == 29 {
		return 1
	}
	if p.sub != "" && strings.HasPrefix(s[i:], p.sub) {
		return len(p.sub)
	}
	return 0
}

// findSep returns the index of the first separator in s, -1 if none.
func (p *parser) findSep(s string) int {
	k := strings.IndexByte(s, 29)
	if p.sub != "" {
		if j := strings.Index(s, p.sub); j >= 0 && (k < 0 || j < k) {
			k = j
		}
	}
	return k
}

// parseRaw reads AI, value, [FNC1], AI, value... from p.pos.
func (p *parser) parseRaw(es *ElementString) error {
	s := p.in
	i := p.pos
	i += p.sepAt(i) // FNC1 in first position
	if i == len(s) {
		return perr(i+1, "", ErrEmpty, "no data after the FNC1")
	}
	for i < len(s) {
		if p.sepAt(i) > 0 {
			return perr(i+1, "", ErrFNC1, "FNC1 where an AI should start")
		}
		d, n := dict.lookupPrefix(s[i:])
		if d == nil {
			return unknownAI(s, i, n)
		}
		ai := d.info.AI
		vs := i + n
		var end, next int
		if d.info.FixedLength {
			end = min(vs+d.info.MaxLen, len(s))
			if k := p.findSep(s[vs:end]); k >= 0 {
				end = vs + k
			}
			if end-vs != d.info.MaxLen {
				return perr(vs+1, ai, ErrLength, "value has %d characters, want %d", end-vs, d.info.MaxLen)
			}
			next = end + p.sepAt(end) // an FNC1 after a predefined length is not needed but harmless
		} else {
			end, next = len(s), len(s)
			if k := p.findSep(s[vs:]); k >= 0 {
				end = vs + k
				next = end + p.sepAt(end)
			}
			if end-vs > d.info.MaxLen {
				return perr(vs+1, ai, ErrFNC1,
					"value runs %d characters to the next FNC1 or the end, at most %d allowed: FNC1 separator missing after it?",
					end-vs, d.info.MaxLen)
			}
		}
		v := s[vs:end]
		if err := p.checkValue(d, v, vs); err != nil {
			return err
		}
		es.Elements = append(es.Elements, Element{AI: ai, Value: v})
		p.addPos(i)
		i = next
	}
	return nil
}

// unknownAI explains why no AI starts at s[i:]; n is the AI length its first two
// digits imply (0 if GS1 allocates nothing starting with them).
func unknownAI(s string, i, n int) error {
	rest := s[i:]
	switch {
	case !isDigit(rest[0]) || len(rest) > 1 && !isDigit(rest[1]):
		return perr(i+1, "", ErrSyntax, "%q where an AI should start", rest[:min(len(rest), 4)])
	case len(rest) < 2:
		return perr(i+1, "", ErrSyntax, "data ends inside an AI")
	case n == 0:
		return perr(i+1, "", ErrUnknownAI, "no AI starts with %s", rest[:2])
	case len(rest) < n || strings.Trim(rest[:n], "0123456789") != "":
		return perr(i+1, "", ErrSyntax, "incomplete AI %q", rest[:min(len(rest), n)])
	}
	return perr(i+1, rest[:n], ErrUnknownAI, "not in the GS1 syntax dictionary")
}

// parseHRI reads the human-readable form "(01)09506000134352(10)ABC". A value ends
// where "(" starts something shaped like an AI, "(" + 2 to 4 digits + ")"; a value that
// itself contains such text escapes its "(" as "\(", as HRI writes it.
func (p *parser) parseHRI(es *ElementString) error {
	s := p.in
	i := p.pos
	for i < len(s) {
		if s[i] != '(' {
			return perr(i+1, "", ErrSyntax, "%q where \"(\" should start an AI", s[i])
		}
		close := strings.IndexByte(s[i:min(i+7, len(s))], ')')
		if close < 0 {
			return perr(i+1, "", ErrSyntax, "no \")\" after the AI")
		}
		ai := s[i+1 : i+close]
		d := dict.lookupExact(ai)
		if d == nil {
			if len(ai) < 2 || len(ai) > 4 || strings.Trim(ai, "0123456789") != "" {
				return perr(i+2, "", ErrSyntax, "%q is not an AI", ai)
			}
			return perr(i+2, ai, ErrUnknownAI, "not in the GS1 syntax dictionary")
		}
		vs := i + close + 1
		end, escaped := hriValueEnd(s, vs)
		v := s[vs:end]
		if escaped {
			v = strings.ReplaceAll(v, `\(`, "(")
		}
		if err := p.checkValue(d, v, vs); err != nil {
			return err
		}
		es.Elements = append(es.Elements, Element{AI: d.info.AI, Value: v})
		p.addPos(i)
		i = end
	}
	return nil
}

func hriValueEnd(s string, i int) (end int, escaped bool) {
	for i < len(s) {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == '(':
			escaped = true
			i += 2
		case s[i] == '(' && looksLikeAI(s[i:]):
			return i, escaped
		default:
			i++
		}
	}
	return i, escaped
}

// looksLikeAI reports whether s starts with "(" + 2 to 4 digits + ")".
func looksLikeAI(s string) bool {
	n := 1
	for n < len(s) && n <= 5 && isDigit(s[n]) {
		n++
	}
	return n >= 3 && n <= 5 && n < len(s) && s[n] == ')'
}

// checkValue checks v, the value of AI d starting at byte vs of the input, against the
// dictionary: length, each component's character set and linters.
func (p *parser) checkValue(d *aiDef, v string, vs int) error {
	ai := d.info.AI
	if len(v) < d.info.MinLen || len(v) > d.info.MaxLen {
		return perr(vs+1, ai, ErrLength, "value has %d characters, want %s", len(v), lengthWant(d))
	}
	off := 0
	for ci := range d.comps {
		c := &d.comps[ci]
		rem := len(v) - off
		if rem == 0 && c.optional {
			break
		}
		n := c.max
		if c.min != c.max {
			n = min(rem, c.max)
		}
		if rem < n || n < c.min {
			return perr(vs+off+1, ai, ErrLength, "value has %d characters, want %s", len(v), lengthWant(d))
		}
		part := v[off : off+n]
		if err := checkCharset(c.cset, part, ai, vs+off); err != nil {
			return err
		}
		year := 0
		if c.year {
			year = p.ctx.refYear()
		}
		for _, l := range c.linters {
			if l.fn == nil {
				continue
			}
			if e := l.fn(part, year); e != nil {
				return perr(vs+off+e.off+1, ai, e.err, "%s", e.msg)
			}
		}
		off += n
	}
	if off != len(v) {
		return perr(vs+off+1, ai, ErrLength, "value has %d characters, want %s", len(v), lengthWant(d))
	}
	return nil
}

// lengthWant describes the lengths d allows: "14", "1 to 20", or for fixed-length
// optional components "8, 10 or 12".
func lengthWant(d *aiDef) string {
	if d.info.MinLen == d.info.MaxLen {
		return itoa(d.info.MaxLen)
	}
	last := d.comps[len(d.comps)-1]
	if last.min != last.max {
		return itoa(d.info.MinLen) + " to " + itoa(d.info.MaxLen)
	}
	s, n := itoa(d.info.MinLen), d.info.MinLen
	for i, c := range d.comps {
		if c.optional {
			n += c.max
			if i == len(d.comps)-1 {
				s += " or " + itoa(n)
			} else {
				s += ", " + itoa(n)
			}
		}
	}
	return s
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// checkCharset checks every byte of part (at byte at of the input) against cset.
func checkCharset(cset byte, part, ai string, at int) error {
	bit := csetBit(cset)
	n := len(part)
	if cset == 'Z' {
		// "=" only as padding at the end, at most two, as the dictionary's cset64 linter says.
		n = len(strings.TrimRight(part, "="))
		if pads := len(part) - n; pads > 2 || pads > 0 && len(part)%3 != 0 {
			return perr(at+n+1, ai, ErrCharacter, "bad \"=\" padding in %s", csetName(cset))
		}
	}
	for j := 0; j < n; j++ {
		if charClass[part[j]]&bit == 0 {
			err := ErrCharacter
			if cset == 'N' {
				err = ErrNotDigit
			}
			return perr(at+j+1, ai, err, "%q is not in %s", part[j], csetName(cset))
		}
	}
	return nil
}
