package gs1

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseDigitalLink(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []Element
	}{
		// GS1 Digital Link standard 1.x examples.
		{"https://id.gs1.org/01/09520123456788", els("01", gtin2)},
		{"https://id.gs1.org/01/09520123456788/10/ABC1/21/12345?17=180426",
			els("01", gtin2, "10", "ABC1", "21", "12345", "17", "180426")},
		{"https://example.com/01/09520123456788/22/2A/10/ABC1/21/12345",
			els("01", gtin2, "22", "2A", "10", "ABC1", "21", "12345")},
		{"https://id.gs1.org/01/09506000134352/235/TPX1", els("01", gtin, "235", "TPX1")},
		{"https://id.gs1.org/00/106141412345678908", els("00", sscc)},
		{"https://id.gs1.org/414/9501101020016/254/A1", els("414", gln, "254", "A1")},
		{"https://id.gs1.org/8004/9501101X-7", els("8004", "9501101X-7")},
		// a path stem, http, upper-case scheme, trailing slash, fragment
		{"https://brand.example.com/shop/fr/products/01/09506000134352/10/L7", els("01", gtin, "10", "L7")},
		{"http://example.com/01/09506000134352/", els("01", gtin)},
		{"HTTPS://EXAMPLE.COM/01/09506000134352#top", els("01", gtin)},
		// percent-encoding in path and query ("+" stays a plus)
		{"https://example.com/01/09506000134352/10/AB%2FC%25/21/a+b?10=AB%2FC%25", els("01", gtin, "10", "AB/C%", "21", "a+b", "10", "AB/C%")},
		// query AIs with other parameters ignored
		{"https://example.com/01/09506000134352?linkType=gs1:pip&17=251231&3103=000500&utm_source=x&&",
			els("01", gtin, "17", "251231", "3103", "000500")},
		// GTIN-13, GTIN-12 and GTIN-8 padded to 14 digits
		{"https://example.com/01/9506000134352", els("01", gtin)},
		{"https://example.com/01/614141123452", els("01", "00614141123452")},
		{"https://example.com/01/95012346", els("01", "00000095012346")},
		// a stem that itself looks like keys
		{"https://example.com/01/x/01/09506000134352/10/1", els("01", gtin, "10", "1")},
	} {
		es, err := ParseDigitalLink(tc.in, refOpts)
		if err != nil {
			t.Errorf("ParseDigitalLink(%q): %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(es.Elements, tc.want) {
			t.Errorf("ParseDigitalLink(%q) = %v, want %v", tc.in, es.Elements, tc.want)
		}
	}
}

func TestParseDigitalLinkErrors(t *testing.T) {
	const cset82 = `character set 82 (letters, digits and !"%&'()*+,-./:;<=>?_)`
	for _, tc := range []struct {
		in, want string
		err      error
	}{
		{"https://id.gs1.org/01/09506000134352/21/7/10/AB",
			"gs1: AI (10) at position 43: out of place: qualifiers after (01) follow the order 22, 10, 21 or 235: malformed", ErrSyntax},
		{"https://id.gs1.org/01/09506000134352/235/7/10/AB",
			"gs1: AI (10) at position 44: out of place: qualifiers after (01) follow the order 22, 10, 21 or 235: malformed", ErrSyntax},
		{"https://id.gs1.org/00/106141412345678908/10/A",
			"gs1: AI (10) at position 42: primary key (00) takes no qualifiers: malformed", ErrSyntax},
		{"https://id.gs1.org/01/09506000134352/17/251231",
			"gs1: AI (17) at position 38: not a Digital Link key qualifier: put it in the query (?17=...): malformed", ErrSyntax},
		{"https://id.gs1.org/01/09506000134352/10/AB%20",
			"gs1: AI (10) at position 43: ' ' is not in " + cset82 + ": character not allowed", ErrCharacter},
		{"https://id.gs1.org/01/09506000134352/10/A%zz",
			`gs1: AI (10) at position 41: bad percent-encoding in "A%zz": malformed`, ErrSyntax},
		{"https://id.gs1.org/01/09506000134352?21=1",
			"gs1: AI (21) at position 38: not a Digital Link data attribute: it belongs in the path: malformed", ErrSyntax},
		{"https://id.gs1.org/01/09506000134352?239=1",
			"gs1: AI (239) at position 38: query parameter is not in the GS1 syntax dictionary: unknown AI", ErrUnknownAI},
		{"https://id.gs1.org/01/09506000134352?17=251331",
			"gs1: AI (17) at position 43: month 13 does not exist: impossible date", ErrDate},
		{"https://id.gs1.org/01/09506000134353",
			"gs1: AI (01) at position 36: check digit is 3, want 2: wrong check digit", ErrCheckDigit},
		{"https://id.gs1.org/01/09506000134352?10=A&10=B",
			`gs1: AI (10) at position 43: appears twice with different values "A" and "B": invalid AI pairing`, ErrPairing},
		{"https://id.gs1.org/00/106141412345678908?10=A",
			"gs1: AI (10) at position 42: needs (01), (02), (03), (8006) or (8026): invalid AI pairing", ErrPairing},
		{"https://example.com/foo/bar",
			"gs1: at position 28: the path does not end in a GS1 primary key (such as /01/<GTIN>) and its qualifiers: malformed", ErrSyntax},
		{"https://example.com/01/09506000134352/10",
			"gs1: at position 41: the path does not end in a GS1 primary key (such as /01/<GTIN>) and its qualifiers: malformed", ErrSyntax},
		{"https://example.com", "gs1: at position 20: no path with a GS1 primary key: malformed", ErrSyntax},
		{"https:///01/1", "gs1: at position 9: no host: malformed", ErrSyntax},
		{"ftp://x/01/09506000134352", "gs1: at position 1: a Digital Link starts with https:// or http://: malformed", ErrSyntax},
	} {
		_, err := ParseDigitalLink(tc.in, refOpts)
		if err == nil || err.Error() != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("ParseDigitalLink(%q):\n got %v\nwant %s", tc.in, err, tc.want)
		}
	}
}

func TestDigitalLink(t *testing.T) {
	for _, tc := range []struct {
		in, base, want string
	}{
		{"]d2" + "01" + gtin + "17251231" + "10ABC\x1d" + "21XYZ", "",
			"https://id.gs1.org/01/09506000134352/10/ABC/21/XYZ?17=251231"},
		{"01" + gtin + "21XYZ\x1d" + "10ABC", "example.com/stem/",
			"https://example.com/stem/01/09506000134352/10/ABC/21/XYZ"},
		{"01" + gtin + "10A/B(1)C%", "http://example.com",
			"http://example.com/01/09506000134352/10/A%2FB%281%29C%25"},
		{"00" + sscc + "02" + "09501101530003" + "3720\x1d" + "10LOT7", "",
			"https://id.gs1.org/00/106141412345678908?02=09501101530003&37=20&10=LOT7"},
		{"01" + gtin + "235TPX\x1d" + "17251231", "", "https://id.gs1.org/01/09506000134352/235/TPX?17=251231"},
		{"414" + gln + "254A1", "", "https://id.gs1.org/414/9501101020016/254/A1"},
	} {
		es, err := Parse(tc.in, &ParseOptions{Now: ref, SkipPairing: true})
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		got, err := es.DigitalLink(tc.base)
		if err != nil || got != tc.want {
			t.Errorf("DigitalLink(%q) of %s = %s, %v; want %s", tc.base, es.HRI(), got, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"10ABC", "gs1: no Digital Link primary key (00, 01, 253, 255, 401, 402, 414, 417, 8003, 8004, 8006, 8010, 8013, 8017, 8018...): malformed"},
		{"00" + sscc + "21S1", "gs1: AI (21): can be neither a qualifier of (00) nor a query attribute in a Digital Link: malformed"},
		{"01" + gtin + "22A\x1d235B", "gs1: AI (22): can be neither a qualifier of (01) nor a query attribute in a Digital Link: malformed"},
	} {
		es, err := ParseElementString(tc.in, &ParseOptions{SkipPairing: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := es.DigitalLink(""); err == nil || err.Error() != tc.want {
			t.Errorf("DigitalLink of %s: %v, want %s", es.HRI(), err, tc.want)
		}
	}
}
