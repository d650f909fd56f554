package gs1

import "strings"

// Encode returns the element string as a scanner would send it: symbology (e.g. "]d2",
// "]C1", or "" for none) and then each AI and value, with an ASCII 29 (GS) standing for
// FNC1 after every value that is not of predefined length, except the last.
func (es ElementString) Encode(symbology string) string {
	var b strings.Builder
	b.Grow(len(symbology) + es.size())
	b.WriteString(symbology)
	for i, e := range es.Elements {
		b.WriteString(e.AI)
		b.WriteString(e.Value)
		if i < len(es.Elements)-1 && needsFNC1(e.AI) {
			b.WriteByte(29)
		}
	}
	return b.String()
}

func (es ElementString) size() int {
	n := 0
	for _, e := range es.Elements {
		n += len(e.AI) + len(e.Value) + 3
	}
	return n
}

func needsFNC1(ai string) bool {
	d := dict.lookupExact(ai)
	return d == nil || !d.info.FixedLength
}

// HRI returns the human-readable interpretation "(01)09506000134352(10)ABC". A "(" in
// a value that would read as the start of an AI ("(" + 2 to 4 digits + ")") is
// written "\(", so that ParseElementString reads the text back to the same elements.
func (es ElementString) HRI() string {
	var b strings.Builder
	b.Grow(es.size())
	for _, e := range es.Elements {
		b.WriteByte('(')
		b.WriteString(e.AI)
		b.WriteByte(')')
		v := e.Value
		for i := 0; i < len(v); i++ {
			if v[i] == '(' && looksLikeAI(v[i:]) {
				b.WriteByte('\\')
			}
			b.WriteByte(v[i])
		}
	}
	return b.String()
}

// String returns the HRI form.
func (es ElementString) String() string { return es.HRI() }
