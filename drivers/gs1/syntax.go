package gs1

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
)

// The GS1 Barcode Syntax Dictionary (Apache-2.0, syntax/LICENSE) describes every
// Application Identifier: its format, whether it needs an FNC1 separator, the linters
// that check its content, the AIs it must or must not appear with, and its role in GS1
// Digital Link. It is parsed once, when the package is initialised, into dict, which
// nothing changes afterwards. Keeping the text as the single source means a new release
// of the dictionary is a file copy; parsing ~250 lines costs well under a millisecond.
//
//go:embed syntax/gs1-syntax-dictionary.txt
var dictionaryText string

// AIInfo describes one Application Identifier as the syntax dictionary does.
type AIInfo struct {
	AI     string // "3103"
	Title  string // "NET WEIGHT (kg)"; empty for the few AIs the dictionary leaves untitled
	Format string // the dictionary's specification, e.g. "N13,csum,gcppos1 [X..17]"
	MinLen int    // shortest value
	MaxLen int    // longest value
	// FixedLength: a predefined-length AI, never followed by an FNC1 separator.
	FixedLength bool
	// DataAttribute: may appear as a query parameter of a GS1 Digital Link URI.
	DataAttribute bool
	// PrimaryKey: a GS1 Digital Link primary key (00, 01, 414, 8004, ...).
	PrimaryKey bool
}

// LookupAI returns what the syntax dictionary says about ai.
func LookupAI(ai string) (AIInfo, bool) {
	d := dict.lookupExact(ai)
	if d == nil {
		return AIInfo{}, false
	}
	return d.info, true
}

// component is one part of an AI's value, e.g. "N3,iso4217" in "N3,iso4217 N..15".
type component struct {
	cset     byte // 'N', 'X' (set 82), 'Y' (set 39) or 'Z' (set 64)
	min, max int
	optional bool
	linters  []linter
	year     bool // a linter needs the reference year
}

// aiDef is one AI with everything the parser needs, precomputed.
type aiDef struct {
	info   AIInfo
	comps  []component
	req    [][][]string // each group: alternatives, each a list of patterns all required
	ex     []string     // patterns of AIs that must not appear with this one
	qual   [][]string   // Digital Link qualifier sequences after this primary key
	isQual bool         // appears in some primary key's qualifier sequences
	date   dateKind     // how Date interprets the value
	meas   *measureInfo // for 31nn..36nn
	amt    amountKind   // for 390n..393n
}

// table indexes the definitions by AI. aiLen gives, by the first two digits, how many
// digits AIs starting with them have (GS1 keeps that a function of the first two).
type table struct {
	defs  []aiDef
	aiLen [100]uint8
	idx   [5][]int16 // by AI length 2, 3, 4: AI's numeric value → index in defs, -1 if none
}

var dict = mustLoadDictionary(dictionaryText)

func mustLoadDictionary(text string) *table {
	t, err := loadDictionary(text)
	if err != nil {
		panic("gs1: embedded syntax dictionary: " + err.Error())
	}
	return t
}

func loadDictionary(text string) (*table, error) {
	t := &table{}
	for n := 2; n <= 4; n++ {
		t.idx[n] = make([]int16, pow10i(n))
		for i := range t.idx[n] {
			t.idx[n][i] = -1
		}
	}
	for ln, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		defs, err := parseDictLine(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", ln+1, err)
		}
		for _, d := range defs {
			if err := t.add(d); err != nil {
				return nil, fmt.Errorf("line %d: %w", ln+1, err)
			}
		}
	}
	for i := range t.defs {
		for _, alt := range t.defs[i].qual {
			for _, q := range alt {
				if d := t.lookupExact(q); d != nil {
					d.isQual = true
				}
			}
		}
	}
	return t, nil
}

func (t *table) add(d aiDef) error {
	n := len(d.info.AI)
	p := int(d.info.AI[0]-'0')*10 + int(d.info.AI[1]-'0')
	if t.aiLen[p] != 0 && int(t.aiLen[p]) != n {
		return fmt.Errorf("AI %s: AIs starting %s have %d digits elsewhere", d.info.AI, d.info.AI[:2], t.aiLen[p])
	}
	t.aiLen[p] = uint8(n)
	v, _ := strconv.Atoi(d.info.AI)
	if t.idx[n][v] >= 0 {
		return fmt.Errorf("AI %s defined twice", d.info.AI)
	}
	t.idx[n][v] = int16(len(t.defs))
	t.defs = append(t.defs, d)
	return nil
}

// lookupExact returns the definition of ai, or nil.
func (t *table) lookupExact(ai string) *aiDef {
	n := len(ai)
	if n < 2 || n > 4 {
		return nil
	}
	v := 0
	for i := 0; i < n; i++ {
		c := ai[i]
		if c < '0' || c > '9' {
			return nil
		}
		v = v*10 + int(c-'0')
	}
	if int(t.aiLen[v/pow10i(n-2)]) != n {
		return nil
	}
	if i := t.idx[n][v]; i >= 0 {
		return &t.defs[i]
	}
	return nil
}

// lookupPrefix finds the AI that s starts with. n is the AI's length when its first
// two digits are known to GS1 (so an unknown AI can be named in full), else 0.
func (t *table) lookupPrefix(s string) (d *aiDef, n int) {
	if len(s) < 2 || !isDigit(s[0]) || !isDigit(s[1]) {
		return nil, 0
	}
	v := int(s[0]-'0')*10 + int(s[1]-'0')
	n = int(t.aiLen[v])
	if n == 0 || len(s) < n {
		return nil, n
	}
	for i := 2; i < n; i++ {
		if !isDigit(s[i]) {
			return nil, n
		}
		v = v*10 + int(s[i]-'0')
	}
	if i := t.idx[n][v]; i >= 0 {
		return &t.defs[i], n
	}
	return nil, n
}

func pow10i(n int) int {
	p := 1
	for ; n > 0; n-- {
		p *= 10
	}
	return p
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// parseDictLine parses "AIs [Flags] Specification [Attributes...] [# Title]" into one
// definition per AI of the range.
func parseDictLine(line string) ([]aiDef, error) {
	var d aiDef
	body, title, _ := strings.Cut(line, "#")
	d.info.Title = strings.TrimSpace(title)
	f := strings.Fields(body)
	if len(f) < 2 {
		return nil, fmt.Errorf("%q: want an AI and a specification", line)
	}
	ais, f := f[0], f[1:]
	if !isSpecToken(f[0]) && !strings.Contains(f[0], "=") {
		d.info.FixedLength = strings.Contains(f[0], "*")
		d.info.DataAttribute = strings.Contains(f[0], "?")
		f = f[1:]
	}
	var spec []string
	for len(f) > 0 && isSpecToken(f[0]) {
		c, err := parseComponent(f[0])
		if err != nil {
			return nil, err
		}
		d.comps = append(d.comps, c)
		spec = append(spec, f[0])
		f = f[1:]
	}
	if len(d.comps) == 0 {
		return nil, fmt.Errorf("%q: no specification", line)
	}
	d.info.Format = strings.Join(spec, " ")
	for _, c := range d.comps {
		if !c.optional {
			d.info.MinLen += c.min
		}
		d.info.MaxLen += c.max
	}
	for _, a := range f {
		if err := d.parseAttr(a); err != nil {
			return nil, err
		}
	}
	d.date = dateKindOf(d.comps)
	return expandRange(ais, d)
}

func isSpecToken(s string) bool {
	s = strings.TrimPrefix(s, "[")
	return s != "" && strings.IndexByte("NXYZ", s[0]) >= 0
}

// parseComponent parses "N13,csum", "[X..17]", "[N2],mi".
func parseComponent(tok string) (component, error) {
	var c component
	typ, lints := tok, ""
	if strings.HasPrefix(tok, "[") {
		end := strings.IndexByte(tok, ']')
		if end < 0 {
			return c, fmt.Errorf("component %q: no closing ]", tok)
		}
		c.optional = true
		typ, lints = tok[1:end], strings.TrimPrefix(tok[end+1:], ",")
	} else if i := strings.IndexByte(tok, ','); i >= 0 {
		typ, lints = tok[:i], tok[i+1:]
	}
	c.cset = typ[0]
	n, variable := strings.CutPrefix(typ[1:], "..")
	max, err := strconv.Atoi(n)
	if err != nil || max < 1 {
		return c, fmt.Errorf("component %q: bad length", tok)
	}
	c.min, c.max = max, max
	if variable {
		c.min = 1
	}
	if lints != "" {
		for _, name := range strings.Split(lints, ",") {
			l, ok := linters[name]
			if !ok {
				return c, fmt.Errorf("component %q: unknown linter %q", tok, name)
			}
			c.linters = append(c.linters, l)
			c.year = c.year || needsYear(name)
		}
	}
	return c, nil
}

func (d *aiDef) parseAttr(a string) error {
	key, val, _ := strings.Cut(a, "=")
	switch key {
	case "req":
		var group [][]string
		for _, alt := range strings.Split(val, ",") {
			group = append(group, strings.Split(alt, "+"))
		}
		d.req = append(d.req, group)
	case "ex":
		d.ex = append(d.ex, strings.Split(val, ",")...)
	case "dlpkey":
		d.info.PrimaryKey = true
		if val != "" {
			for _, alt := range strings.Split(val, "|") {
				d.qual = append(d.qual, strings.Split(alt, ","))
			}
		}
	default:
		return fmt.Errorf("unknown attribute %q", a)
	}
	return nil
}

// expandRange turns "3100-3105" into six definitions; the title, measure and amount
// information that depends on the AI is filled in here.
func expandRange(ais string, d aiDef) ([]aiDef, error) {
	lo, hi, isRange := strings.Cut(ais, "-")
	if !isRange {
		hi = lo
	}
	if len(lo) != len(hi) || len(lo) < 2 || len(lo) > 4 {
		return nil, fmt.Errorf("bad AI range %q", ais)
	}
	a, err1 := strconv.Atoi(lo)
	b, err2 := strconv.Atoi(hi)
	if err1 != nil || err2 != nil || a > b {
		return nil, fmt.Errorf("bad AI range %q", ais)
	}
	var out []aiDef
	for v := a; v <= b; v++ {
		e := d
		e.info.AI = fmt.Sprintf("%0*d", len(lo), v)
		e.meas = measureOf(e.info.AI, e.info.Title)
		e.amt = amountKindOf(e.info.AI)
		out = append(out, e)
	}
	return out, nil
}

// matchAI reports whether ai matches pattern, in which 'n' stands for any digit.
func matchAI(pattern, ai string) bool {
	if len(pattern) != len(ai) {
		return false
	}
	for i := 0; i < len(ai); i++ {
		if pattern[i] != 'n' && pattern[i] != ai[i] {
			return false
		}
	}
	return true
}
