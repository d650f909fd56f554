package gs1

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

// ref is the reference date of the tests: two-digit years resolve around 2026.
var ref = time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)

var refOpts = &ParseOptions{Now: ref}

// Test data: GTINs, SSCC and GLNs of the GS1 General Specifications' and GS1 Digital
// Link standard's examples (09506000134352, 09520123456788, 95012345678903,
// 106141412345678908, 9501101020016...).
const (
	gtin  = "09506000134352"
	gtin2 = "09520123456788"
	sscc  = "106141412345678908"
	gln   = "9501101020016"
	gln2  = "9501101530010"
)

func els(kv ...string) []Element {
	var out []Element
	for i := 0; i < len(kv); i += 2 {
		out = append(out, Element{AI: kv[i], Value: kv[i+1]})
	}
	return out
}

func TestParseElementString(t *testing.T) {
	const gs = "\x1d"
	for _, tc := range []struct {
		name, in  string
		opts      *ParseOptions
		want      []Element
		symbology string
	}{
		{"DataMatrix 01 17 10", "]d2010950600013435217251231" + "10ABC123", nil,
			els("01", gtin, "17", "251231", "10", "ABC123"), "]d2"},
		{"GS1-128 with FNC1 after the symbology id", "]C1" + gs + "0109506000134352" + "10ABC" + gs + "21XYZ", nil,
			els("01", gtin, "10", "ABC", "21", "XYZ"), "]C1"},
		{"no symbology id, leading FNC1", gs + "0109506000134352" + "10ABC", nil, els("01", gtin, "10", "ABC"), ""},
		{"no symbology id, no FNC1", "0109506000134352" + "17251231", nil, els("01", gtin, "17", "251231"), ""},
		{"trailing FNC1", "]d2" + "0109506000134352" + "10ABC" + gs, nil, els("01", gtin, "10", "ABC"), "]d2"},
		{"FNC1 after a predefined length is harmless", "0109506000134352" + gs + "17251231", nil,
			els("01", gtin, "17", "251231"), ""},
		{"QR Code", "]Q3" + "0109506000134352" + "10L1", nil, els("01", gtin, "10", "L1"), "]Q3"},
		{"DataBar", "]e0" + "0109506000134352" + "3103001234", nil, els("01", gtin, "3103", "001234"), "]e0"},
		{"DotCode", "]J1" + "0109506000134352" + "21S1", nil, els("01", gtin, "21", "S1"), "]J1"},
		{"substitute ^", "]d2" + "0109506000134352" + "10ABC^21XYZ^17251231", &ParseOptions{FNC1: "^"},
			els("01", gtin, "10", "ABC", "21", "XYZ", "17", "251231"), "]d2"},
		{"substitute <GS> and real GS mixed", "0109506000134352" + "10ABC<GS>21XYZ" + gs + "17251231", &ParseOptions{FNC1: "<GS>"},
			els("01", gtin, "10", "ABC", "21", "XYZ", "17", "251231"), ""},
		{"HRI", "(01)09506000134352(17)251231(10)ABC(21)XYZ", nil,
			els("01", gtin, "17", "251231", "10", "ABC", "21", "XYZ"), ""},
		{"HRI lot with parentheses", "(01)09506000134352(10)L2024-11(B)", nil, els("01", gtin, "10", "L2024-11(B)"), ""},
		{"HRI escaped (", `(01)09506000134352(10)A\(10)B`, nil, els("01", gtin, "10", "A(10)B"), ""},
		{"SSCC label: 00 02 37 10", "]C1" + "00" + sscc + "02" + "09501101530003" + "3720" + gs + "10LOT7", nil,
			els("00", sscc, "02", "09501101530003", "37", "20", "10", "LOT7"), "]C1"},
		{"SSCC with gross weight and ship to", "00" + sscc + "3301000750" + "410" + gln + "413" + gln2 + "400PO-12345", nil,
			els("00", sscc, "3301", "000750", "410", gln, "413", gln2, "400", "PO-12345"), ""},
		{"GS1 General Specifications: (01)95012345678903(3103)000123", "0195012345678903" + "3103000123", nil,
			els("01", "95012345678903", "3103", "000123"), ""},
		{"dates 11 13 15 16", "01" + gtin + "11250101" + "13250102" + "15251200" + "16251130", nil,
			els("01", gtin, "11", "250101", "13", "250102", "15", "251200", "16", "251130"), ""},
		{"var count and price", "01" + gtin + "3102001250" + "3922" + "0399" + gs + "3012", nil,
			els("01", gtin, "3102", "001250", "3922", "0399", "30", "12"), ""},
		{"price in euros", "01" + gtin + "3202000500" + "3932978" + "1250", nil,
			els("01", gtin, "3202", "000500", "3932", "9781250"), ""},
		{"amount payable with GCN", "255" + gln + "12" + gs + "39021250", nil, els("255", gln+"12", "3902", "1250"), ""},
		{"amount payable in currency with payment slip", "415" + gln + "8020" + "INV42" + gs + "3912" + "826" + "995", nil,
			els("415", gln, "8020", "INV42", "3912", "826995"), ""},
		{"origin, expiry time, production time", "01" + gtin + "422276" + gs + "7003" + "2512311530" + gs + "8008" + "25010206", nil,
			els("01", gtin, "422", "276", "7003", "2512311530", "8008", "25010206"), ""},
		{"GLNs 410-417", "410" + gln + "411" + gln2 + "412" + gln + "413" + gln2 + "416" + gln + "417" + gln2, nil,
			els("410", gln, "411", gln2, "412", gln, "413", gln2, "416", gln, "417", gln2), ""},
		{"GINC and ship-to GLN", "401" + "9501101ABC-1" + gs + "410" + gln, nil, els("401", "9501101ABC-1", "410", gln), ""},
		{"ITIP 8006 piece 1 of 2", "8006" + gtin + "0102" + gs + "10L", nil, els("8006", gtin+"0102", "10", "L"), ""},
		{"GDTI with serial", "253" + gln + "ABC", nil, els("253", gln+"ABC"), ""},
		{"internal AI 91-99", "01" + gtin + "91" + "any-thing", nil, els("01", gtin, "91", "any-thing"), ""},
		{"GMN with check pair", "8013" + "1987654Ad4X4bL5ttr2310c2K", nil, els("8013", "1987654Ad4X4bL5ttr2310c2K"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := ParseOptions{Now: ref}
			if tc.opts != nil {
				o.FNC1 = tc.opts.FNC1
			}
			es, err := ParseElementString(tc.in, &o)
			if err != nil {
				t.Fatalf("ParseElementString(%q): %v", tc.in, err)
			}
			if !reflect.DeepEqual(es.Elements, tc.want) || es.Symbology != tc.symbology {
				t.Errorf("ParseElementString(%q) = %v %q, want %v %q", tc.in, es.Elements, es.Symbology, tc.want, tc.symbology)
			}
		})
	}
}

func TestParseElementStringErrors(t *testing.T) {
	const gs = "\x1d"
	for _, tc := range []struct {
		in      string
		opts    *ParseOptions
		want    string
		wantErr error
	}{
		{"0109506000134353", nil, "gs1: AI (01) at position 16: check digit is 3, want 2: wrong check digit", ErrCheckDigit},
		{"]d20109506000134353", nil, "gs1: AI (01) at position 19: check digit is 3, want 2: wrong check digit", ErrCheckDigit},
		{"00106141412345678909", nil, "gs1: AI (00) at position 20: check digit is 9, want 8: wrong check digit", ErrCheckDigit},
		{"4109501101020017", nil, "gs1: AI (410) at position 16: check digit is 7, want 6: wrong check digit", ErrCheckDigit},
		{"8013" + "1987654Ad4X4bL5ttr2310cXK", nil, "gs1: AI (8013) at position 28: check characters are XK, want 2K: wrong check digit", ErrCheckDigit},
		{"01095060001343", nil, "gs1: AI (01) at position 3: value has 12 characters, want 14: wrong length", ErrLength},
		{"010950600013" + gs + "4352", nil, "gs1: AI (01) at position 3: value has 10 characters, want 14: wrong length", ErrLength},
		{"01" + gtin + "8008" + "25123115301", nil, "gs1: AI (8008) at position 31: value has 11 characters, want 8, 10 or 12: wrong length", ErrLength},
		{"01" + gtin + "10" + gs + "21X", nil, "gs1: AI (10) at position 19: value has 0 characters, want 1 to 20: wrong length", ErrLength},
		{"]d2" + "01" + gtin + "239X", nil, "gs1: AI (239) at position 20: not in the GS1 syntax dictionary: unknown AI", ErrUnknownAI},
		{"04" + gtin, nil, "gs1: at position 1: no AI starts with 04: unknown AI", ErrUnknownAI},
		{"01" + gtin + "3", nil, "gs1: at position 17: data ends inside an AI: malformed", ErrSyntax},
		{"01" + gtin + "17251301" + "10A", nil, "gs1: AI (17) at position 21: month 13 does not exist: impossible date", ErrDate},
		{"01" + gtin + "17250431", nil, "gs1: AI (17) at position 23: day 31 does not exist in 2025-04 (30 days): impossible date", ErrDate},
		{"01" + gtin + "7003" + "2512312400", nil, "gs1: AI (7003) at position 27: hour 24 is not 00 to 23: impossible date", ErrDate},
		{"01" + gtin + "7003" + "2512311560", nil, "gs1: AI (7003) at position 29: minute 60 is not 00 to 59: impossible date", ErrDate},
		{"01" + gtin + "10" + "123456789012345678901" + "17251231", nil,
			"gs1: AI (10) at position 19: value runs 29 characters to the next FNC1 or the end, at most 20 allowed: FNC1 separator missing after it?: missing or misplaced FNC1", ErrFNC1},
		{"01" + gtin + "422276" + "10ABC", nil,
			"gs1: AI (422) at position 20: value runs 8 characters to the next FNC1 or the end, at most 3 allowed: FNC1 separator missing after it?: missing or misplaced FNC1", ErrFNC1},
		{"01" + gtin + "10ABC" + gs + gs + "21X", nil, "gs1: at position 23: FNC1 where an AI should start: missing or misplaced FNC1", ErrFNC1},
		{"01" + gtin + "10AB~C", nil, `gs1: AI (10) at position 21: '~' is not in character set 82 (letters, digits and !"%&'()*+,-./:;<=>?_): character not allowed`, ErrCharacter},
		{"01" + gtin + "10AB C", nil, `gs1: AI (10) at position 21: ' ' is not in character set 82 (letters, digits and !"%&'()*+,-./:;<=>?_): character not allowed`, ErrCharacter},
		{"010950600013435X", nil, "gs1: AI (01) at position 16: 'X' is not in digits: not a digit", ErrNotDigit},
		{"8010" + "95011-ab", nil, "gs1: AI (8010) at position 11: 'a' is not in character set 39 (digits, A-Z, # - /): character not allowed", ErrCharacter},
		{"01" + gtin + "422999", nil, "gs1: AI (422) at position 20: 999 is not an ISO 3166 country code: value out of range", ErrRange},
		{"415" + gln + "8020" + "INV42" + gs + "3912" + "000" + "995", nil,
			"gs1: AI (3912) at position 31: 000 is not an ISO 4217 currency code: value out of range", ErrRange},
		{"8006" + gtin + "0301", nil, "gs1: AI (8006) at position 19: piece 3 of 1: want 1 <= piece <= total: value out of range", ErrRange},
		{"10ABC", nil, "gs1: AI (10) at position 1: needs (01), (02), (03), (8006) or (8026): invalid AI pairing", ErrPairing},
		{"02" + "09501101530003" + "10L", nil, "gs1: AI (02) at position 1: needs (37): invalid AI pairing", ErrPairing},
		{"01" + gtin + "02" + "09501101530003" + "3720", nil, "gs1: AI (01) at position 1: must not appear with (37): invalid AI pairing", ErrPairing},
		{"01" + gtin + "3103001234" + "3102001234", nil, "gs1: AI (3103) at position 17: must not appear with (3102): invalid AI pairing", ErrPairing},
		{"01" + gtin + "10A" + gs + "10B", nil, `gs1: AI (10) at position 21: appears twice with different values "A" and "B": invalid AI pairing`, ErrPairing},
		{"]d1" + "01" + gtin, nil, "gs1: at position 1: symbology identifier ]d1 does not mark GS1 data (want one of ]C1 ]d2 ]Q3 ]e0 ]J1): malformed", ErrSyntax},
		{"", nil, "gs1: at position 1: no data: empty", ErrEmpty},
		{"]d2", nil, "gs1: at position 4: no data: empty", ErrEmpty},
		{"]C1" + gs, nil, "gs1: at position 5: no data after the FNC1: empty", ErrEmpty},
		{"01" + gtin + "^10A", nil, `gs1: at position 17: "^10A" where an AI should start: malformed`, ErrSyntax},
		{"01" + gtin, &ParseOptions{FNC1: "1"}, `gs1: FNC1 substitute "1" starts with a digit: malformed`, ErrSyntax},
		{"(01)0950600013435(10)A", nil, "gs1: AI (01) at position 5: value has 13 characters, want 14: wrong length", ErrLength},
		{"(1)0950600013435", nil, `gs1: at position 2: "1" is not an AI: malformed`, ErrSyntax},
		{"(0109506000134352", nil, `gs1: at position 1: no ")" after the AI: malformed`, ErrSyntax},
		{"(01)09506000134352(239)X", nil, "gs1: AI (239) at position 20: not in the GS1 syntax dictionary: unknown AI", ErrUnknownAI},
		{"(01)09506000134352(10)AB" + gs, nil, `gs1: AI (10) at position 25: '\x1d' is not in character set 82 (letters, digits and !"%&'()*+,-./:;<=>?_): character not allowed`, ErrCharacter},
	} {
		o := ParseOptions{Now: ref}
		if tc.opts != nil {
			o.FNC1 = tc.opts.FNC1
		}
		_, err := ParseElementString(tc.in, &o)
		if err == nil || err.Error() != tc.want || !errors.Is(err, tc.wantErr) {
			t.Errorf("ParseElementString(%q) error\n got %v\nwant %s", tc.in, err, tc.want)
		}
		var pe *ParseError
		if err != nil && !errors.As(err, &pe) {
			t.Errorf("ParseElementString(%q): error %T is not a *ParseError", tc.in, err)
		}
	}
}

func TestSkipPairing(t *testing.T) {
	// Two barcodes on one pallet: the lot is only valid with the GTIN of the other.
	a, err := ParseElementString("10LOT7", &ParseOptions{SkipPairing: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseElementString("00"+sscc+"02"+"09501101530003"+"3720", &ParseOptions{SkipPairing: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.CheckPairing(); err == nil || err.Error() != "gs1: AI (10): needs (01), (02), (03), (8006) or (8026): invalid AI pairing" {
		t.Errorf("CheckPairing of the lot alone: %v", err)
	}
	both := ElementString{Elements: append(a.Elements, b.Elements...)}
	if err := both.CheckPairing(); err != nil {
		t.Errorf("CheckPairing of both labels: %v", err)
	}
}

func TestParseDispatch(t *testing.T) {
	for in, want := range map[string]string{
		"]d2" + "01" + gtin + "10A":                         "(01)09506000134352(10)A",
		"(01)" + gtin + "(10)A":                             "(01)09506000134352(10)A",
		"https://id.gs1.org/01/" + gtin + "/10/A":           "(01)09506000134352(10)A",
		"]Q1https://example.com/01/" + gtin + "?17=251231":  "(01)09506000134352(17)251231",
		"]d1HTTPS://example.com/p/01/" + gtin + "/21/1%2F2": "(01)09506000134352(21)1/2",
	} {
		es, err := Parse(in, refOpts)
		if err != nil || es.HRI() != want {
			t.Errorf("Parse(%q) = %s, %v; want %s", in, es.HRI(), err, want)
		}
	}
	es, _ := Parse("]Q1https://example.com/01/"+gtin, nil)
	if es.Symbology != "]Q1" {
		t.Errorf("Parse of ]Q1 Digital Link: symbology %q", es.Symbology)
	}
	_, err := Parse("]Q1https://example.com/01/"+gtin+"/10/A%20", nil)
	if err == nil || err.Error() != `gs1: AI (10) at position 46: ' ' is not in character set 82 (letters, digits and !"%&'()*+,-./:;<=>?_): character not allowed` {
		t.Errorf("Parse of a bad ]Q1 Digital Link: %v (positions count the symbology id)", err)
	}
}

func TestEncodeHRI(t *testing.T) {
	es, err := ParseElementString("]d2"+"01"+gtin+"10ABC\x1d"+"17251231"+"21X(21)Y", refOpts)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := es.Encode("]d2"), "]d2"+"01"+gtin+"10ABC\x1d"+"17251231"+"21X(21)Y"; got != want {
		t.Errorf("Encode = %q, want %q", got, want)
	}
	if got, want := es.Encode(""), "01"+gtin+"10ABC\x1d"+"17251231"+"21X(21)Y"; got != want {
		t.Errorf("Encode(\"\") = %q, want %q", got, want)
	}
	if got, want := es.HRI(), `(01)09506000134352(10)ABC(17)251231(21)X\(21)Y`; got != want {
		t.Errorf("HRI = %s, want %s", got, want)
	}
	back, err := ParseElementString(es.HRI(), refOpts)
	if err != nil || !reflect.DeepEqual(back.Elements, es.Elements) {
		t.Errorf("HRI does not read back: %v %v", back.Elements, err)
	}
}

func TestManyElementsPositions(t *testing.T) {
	in := "01" + gtin
	for c := '1'; c <= '9'; c++ {
		in += "9" + string(c) + "x\x1d"
	}
	in += "10A\x1d10B"
	_, err := ParseElementString(in, nil)
	if err == nil || err.Error() != `gs1: AI (10) at position 57: appears twice with different values "A" and "B": invalid AI pairing` {
		t.Errorf("error %v", err)
	}
}
