package gs1

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

var fuzzSeeds = []string{
	"]d2" + "01" + gtin + "17251231" + "10ABC123",
	"]C1\x1d" + "00" + sscc + "02" + "09501101530003" + "3720\x1d" + "10LOT7\x1d",
	"(01)09506000134352(10)L2024-11(B)(3103)001234",
	`(01)09506000134352(10)A\(10)B(21)X`,
	"01" + gtin + "3932978" + "1250\x1d" + "3102001250",
	"01" + gtin + "422276\x1d" + "7003" + "2512311530\x1d" + "8008" + "25010206",
	"415" + gln + "8020" + "INV42\x1d" + "3912" + "826995",
	"8013" + "1987654Ad4X4bL5ttr2310c2K",
	"414" + gln + "254A1\x1d" + "8030" + "AB-_12==",
	"]Q3" + "01" + gtin + "17240200" + "21S%1",
}

// checkRoundTrip re-reads es through Encode, HRI and, when it can be written as one,
// a Digital Link, and fails if any gives other elements.
func checkRoundTrip(t *testing.T, in string, es ElementString) {
	o := &ParseOptions{Now: ref}
	for _, enc := range []string{es.Encode("]d2"), es.Encode(""), es.HRI()} {
		back, err := ParseElementString(enc, o)
		if err != nil {
			t.Fatalf("%q parsed to %v, which re-encodes to %q that fails: %v", in, es.Elements, enc, err)
		}
		if !reflect.DeepEqual(back.Elements, es.Elements) {
			t.Fatalf("%q: %q reads back as %v, want %v", in, enc, back.Elements, es.Elements)
		}
	}
	dl, err := es.DigitalLink("https://example.com/stem")
	if err != nil {
		return // not every element string has a primary key
	}
	back, err := ParseDigitalLink(dl, o)
	if err != nil {
		t.Fatalf("%q: Digital Link %s fails: %v", in, dl, err)
	}
	if a, b := elementSet(back.Elements), elementSet(es.Elements); !slices.Equal(a, b) {
		t.Fatalf("%q: Digital Link %s reads back as %v, want %v", in, dl, a, b)
	}
}

// elementSet sorts and deduplicates, as a Digital Link reorders and drops repeats.
func elementSet(els []Element) []string {
	var s []string
	for _, e := range els {
		s = append(s, e.AI+"\x00"+e.Value)
	}
	slices.Sort(s)
	return slices.Compact(s)
}

func FuzzParseElementString(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		es, err := ParseElementString(s, &ParseOptions{Now: ref})
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), "gs1: ") || pe.Pos < 0 || pe.Pos > len(s)+1 {
				t.Fatalf("%q: error %v (%T)", s, err, err)
			}
			return
		}
		checkRoundTrip(t, s, es)
		es.Measures()
		es.LotKey()
		es.Expiry()
		es.ProductionTime()
		es.Price()
	})
}

func FuzzParseDigitalLink(f *testing.F) {
	for _, s := range []string{
		"https://id.gs1.org/01/09520123456788/10/ABC1/21/12345?17=180426",
		"https://example.com/a/b/01/09506000134352/22/2A/10/AB%2FC?3103=000500&x=1#f",
		"https://id.gs1.org/00/106141412345678908?02=09501101530003&37=20&10=LOT7",
		"https://id.gs1.org/414/9501101020016/254/A1",
		"HTTP://x/01/9506000134352/235/T?10=A&10=A",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		es, err := ParseDigitalLink(s, &ParseOptions{Now: ref})
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), "gs1: ") {
				t.Fatalf("%q: error %v (%T)", s, err, err)
			}
			return
		}
		checkRoundTrip(t, s, es)
	})
}
