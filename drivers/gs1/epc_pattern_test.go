package gs1

import (
	"errors"
	"strings"
	"testing"
)

func TestParseEPCPattern(t *testing.T) {
	cases := []struct {
		in     string
		str    string
		size   int64
		match  []string
		nomatc []string
	}{
		{in: "urn:epc:id:sgtin:0614141.812345.6789", str: "urn:epc:id:sgtin:0614141.812345.6789", size: 1,
			match:  []string{"urn:epc:id:sgtin:0614141.812345.6789"},
			nomatc: []string{"urn:epc:id:sgtin:0614141.812345.678", "urn:epc:id:sgtin:0614141.812346.6789"}},
		// tag URI and hex name the same object as the pure identity: the filter is ignored
		{in: "urn:epc:tag:sgtin-96:3.0614141.812345.6789", str: "urn:epc:id:sgtin:0614141.812345.6789", size: 1},
		{in: "3074257BF7194E4000001A85", str: "urn:epc:id:sgtin:0614141.812345.6789", size: 1},
		{in: "urn:epc:idpat:sgtin:0614141.812345.*", str: "urn:epc:idpat:sgtin:0614141.812345.*", size: -1,
			match:  []string{"urn:epc:id:sgtin:0614141.812345.1", "urn:epc:id:sgtin:0614141.812345.ABC"},
			nomatc: []string{"urn:epc:id:sgtin:0614141.812346.1", "urn:epc:id:sscc:0614141.1234567890"}},
		{in: "urn:epc:idpat:sgtin:0614141.812345.[1-24]", str: "urn:epc:idpat:sgtin:0614141.812345.[1-24]", size: 24,
			match:  []string{"urn:epc:id:sgtin:0614141.812345.1", "urn:epc:id:sgtin:0614141.812345.24"},
			nomatc: []string{"urn:epc:id:sgtin:0614141.812345.0", "urn:epc:id:sgtin:0614141.812345.25", "urn:epc:id:sgtin:0614141.812345.01", "urn:epc:id:sgtin:0614141.812345.x"}},
		{in: "urn:epc:idpat:sscc:0614141.*", str: "urn:epc:idpat:sscc:0614141.*", size: -1,
			match: []string{"urn:epc:id:sscc:0614141.1234567890"}},
		{in: "urn:epc:idpat:sscc:0614141.1234567890", str: "urn:epc:id:sscc:0614141.1234567890", size: 1},
	}
	for _, c := range cases {
		p, err := ParseEPCPattern(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if p.String() != c.str || p.Size() != c.size {
			t.Errorf("%s: String %q Size %d, want %q %d", c.in, p, p.Size(), c.str, c.size)
		}
		for _, m := range c.match {
			if !p.Matches(m) {
				t.Errorf("%s does not match %s", c.in, m)
			}
		}
		for _, m := range c.nomatc {
			if p.Matches(m) {
				t.Errorf("%s matches %s", c.in, m)
			}
		}
		if q, err := ParseEPCPattern(p.String()); err != nil || q != p {
			t.Errorf("%s: String %q reparses as %+v, %v", c.in, p, q, err)
		}
	}
}

func TestParseEPCPatternErrors(t *testing.T) {
	cases := []struct {
		in   string
		want error
	}{
		{"urn:epc:idpat:sgtin:0614141.*.*", ErrSyntax},
		{"urn:epc:idpat:sgtin:0614141.812345.[5-1]", ErrRange},
		{"urn:epc:idpat:sgtin:0614141.812345.[1-x]", ErrSyntax},
		{"urn:epc:idpat:sgtin:0614141.812345.[1-274877906944]", ErrRange}, // beyond 38 bits: not SGTIN-96
		{"urn:epc:idpat:sscc:0614141.[1-5]", ErrSyntax},
		{"urn:epc:idpat:sgtin:0614141.81234.*", ErrLength},
		{"urn:epc:idpat:gid:95100000.12345.*", ErrUnsupported},
		{"urn:epc:idpat:sgtin", ErrSyntax},
		{"E2801160600002", ErrNotEPC},
		{"not hex", ErrSyntax},
	}
	for _, c := range cases {
		_, err := ParseEPCPattern(c.in)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.in, err, c.want)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "gs1: ") {
			t.Errorf("%s: error %q does not start with gs1:", c.in, err)
		}
	}
}

func TestEPCPatternExpand(t *testing.T) {
	p, err := ParseEPCPattern("urn:epc:idpat:sgtin:0614141.812345.[6788-6790]")
	if err != nil {
		t.Fatal(err)
	}
	es, err := p.Expand(10)
	if err != nil || len(es) != 3 {
		t.Fatalf("%v %v", es, err)
	}
	es[1].Filter = 3
	b, err := EncodeEPC(es[1])
	if err != nil || strings.ToUpper(hexString(b)) != "3074257BF7194E4000001A85" {
		t.Fatalf("%x %v", b, err)
	}
	if _, err := p.Expand(2); !errors.Is(err, ErrRange) {
		t.Fatalf("Expand(2) of 3: %v", err)
	}
	any, _ := ParseEPCPattern("urn:epc:idpat:sgtin:0614141.812345.*")
	if _, err := any.Expand(10); !errors.Is(err, ErrRange) {
		t.Fatalf("Expand of *: %v", err)
	}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// FuzzParseEPCPattern: any string either fails with a gs1 error or gives a pattern whose
// String parses back to the same pattern.
func FuzzParseEPCPattern(f *testing.F) {
	for _, s := range []string{"urn:epc:idpat:sgtin:0614141.812345.[1-24]", "urn:epc:idpat:sscc:0614141.*",
		"urn:epc:id:sgtin:0614141.812345.6789", "3074257BF7194E4000001A85", "urn:epc:idpat:grai:0614141.12345.[0-0]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseEPCPattern(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "gs1: ") {
				t.Fatalf("%q: error without prefix: %v", s, err)
			}
			return
		}
		q, err := ParseEPCPattern(p.String())
		if err != nil || q != p {
			t.Fatalf("%q → %q → %+v, %v", s, p, q, err)
		}
		if p.Last != "" && !p.Matches(p.String()) {
			t.Fatalf("%q does not match itself", p)
		}
	})
}
