package gs1

import (
	"fmt"
	"strings"
	"testing"
)

func TestDictionaryCoversLotTrackingAIs(t *testing.T) {
	var ais []string
	ais = append(ais, "00", "01", "02", "10", "11", "13", "15", "16", "17", "21", "30", "37",
		"400", "401", "410", "411", "412", "413", "414", "415", "416", "417", "422", "7003", "8008")
	for p := 310; p <= 369; p++ {
		if p >= 317 && p <= 319 || p >= 338 && p <= 339 || p >= 358 && p <= 359 {
			continue // not allocated
		}
		for n := 0; n <= 5; n++ {
			ais = append(ais, fmt.Sprintf("%d%d", p, n))
		}
	}
	for p := 390; p <= 393; p++ {
		for n := 0; n <= 9; n++ {
			ais = append(ais, fmt.Sprintf("%d%d", p, n))
		}
	}
	for _, ai := range ais {
		if _, ok := LookupAI(ai); !ok {
			t.Errorf("AI %s is not in the table", ai)
		}
	}
	if n := len(dict.defs); n < 500 {
		t.Errorf("the table has %d AIs; the dictionary lists more than 500", n)
	}
}

func TestLookupAI(t *testing.T) {
	for _, tc := range []struct {
		ai   string
		want AIInfo
	}{
		{"01", AIInfo{"01", "GTIN", "N14,csum,gcppos2", 14, 14, true, true, true}},
		{"10", AIInfo{"10", "BATCH/LOT", "X..20", 1, 20, false, true, false}},
		{"21", AIInfo{"21", "SERIAL", "X..20", 1, 20, false, false, false}},
		{"3103", AIInfo{"3103", "NET WEIGHT (kg)", "N6", 6, 6, true, true, false}},
		{"3932", AIInfo{"3932", "PRICE", "N3,iso4217 N..15", 4, 18, false, true, false}},
		{"8008", AIInfo{"8008", "PROD TIME", "N6,yymmdd N2,hh [N2],mi [N2],ss", 8, 12, false, true, false}},
		{"8110", AIInfo{"8110", "", "X..70,couponcode", 1, 70, false, true, false}},
		{"98", AIInfo{"98", "INTERNAL", "X..90", 1, 90, false, true, false}},
	} {
		got, ok := LookupAI(tc.ai)
		if !ok || got != tc.want {
			t.Errorf("LookupAI(%s) = %+v %v, want %+v", tc.ai, got, ok, tc.want)
		}
	}
	for _, ai := range []string{"", "0", "3106", "239", "04", "1", "10x", "01234"} {
		if _, ok := LookupAI(ai); ok {
			t.Errorf("LookupAI(%q) found something", ai)
		}
	}
}

func TestDictionaryRules(t *testing.T) {
	d := dict.lookupExact("01")
	if !equalStrings(d.ex, []string{"255", "37"}) || len(d.qual) != 2 || strings.Join(d.qual[0], ",") != "22,10,21" || d.qual[1][0] != "235" {
		t.Errorf("01: ex %v qual %v", d.ex, d.qual)
	}
	if d := dict.lookupExact("7004"); len(d.req) != 1 || strings.Join(d.req[0][0], "+") != "01+10" {
		t.Errorf("7004 req %v", d.req)
	}
	if d := dict.lookupExact("37"); len(d.req) != 2 {
		t.Errorf("37 has two req groups, got %v", d.req)
	}
	if d := dict.lookupExact("10"); !d.isQual || d.info.PrimaryKey {
		t.Error("10 is a qualifier and no primary key")
	}
	for _, ai := range []string{"11", "13", "15", "16", "17"} {
		if dict.lookupExact(ai).date != dateYYMMD0 {
			t.Errorf("AI %s allows day 00", ai)
		}
	}
	if dict.lookupExact("7006").date != dateYYMMDD || dict.lookupExact("7250").date != dateYYYYMMDD {
		t.Error("7006 and 7250 date kinds")
	}
}

func equalStrings(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

func TestLoadDictionaryErrors(t *testing.T) {
	for text, want := range map[string]string{
		"01 * N14,frob # X":       `line 1: component "N14,frob": unknown linter "frob"`,
		"01 * N14 pkey=1 # X":     `line 1: unknown attribute "pkey=1"`,
		"01":                      `line 1: "01": want an AI and a specification`,
		"01 *":                    `line 1: "01 *": no specification`,
		"01 * Nx # X":             `line 1: component "Nx": bad length`,
		"01 N1\n01 N1":            "line 2: AI 01 defined twice",
		"01 N1\n012 N1":           "line 2: AI 012: AIs starting 01 have 2 digits elsewhere",
		"3105-3100 N6":            `line 1: bad AI range "3105-3100"`,
		"# only comments\n\n01 *": `line 3: "01 *": no specification`,
	} {
		if _, err := loadDictionary(text); err == nil || err.Error() != want {
			t.Errorf("loadDictionary(%q) = %v, want %s", text, err, want)
		}
	}
}

func TestLinters(t *testing.T) {
	for _, tc := range []struct {
		name, v string
		ok      bool
	}{
		{"csumalpha", "1987654Ad4X4bL5ttr2310c2K", true}, // GS1 General Specifications GMN example
		{"csumalpha", "12345678901234567890123NT", true},
		{"csumalpha", "1987654Ad4X4bL5ttr2310cXK", false},
		{"iban", "GB82WEST12345698765432", true},
		{"iban", "GB82WEST12345698765433", false},
		{"iban", "XX82WEST12345698765432", false},
		{"iban", "gb82WEST12345698765432", false},
		{"pcenc", "a%20b", true},
		{"pcenc", "a%2", false},
		{"posinseqslash", "1/2", true},
		{"posinseqslash", "3/2", false},
		{"posinseqslash", "0/2", false},
		{"posinseqslash", "12", false},
		{"latitude", "1800000000", true},
		{"latitude", "1800000001", false},
		{"longitude", "3600000000", true},
		{"mediatype", "10", true},
		{"mediatype", "11", false},
		{"mediatype", "80", true},
		{"importeridx", "_", true},
		{"importeridx", "!", false},
		{"nonzero", "0001", true},
		{"nonzero", "0000", false},
		{"nozeroprefix", "10", true},
		{"nozeroprefix", "01", false},
		{"hasnondigit", "12A", true},
		{"hasnondigit", "123", false},
		{"iso3166999", "999", true},
		{"iso3166999", "998", false},
		{"iso3166alpha2", "DE", true},
		{"iso3166alpha2", "XX", false},
		{"iso4217", "978", true},
		{"winding", "9", true},
		{"winding", "2", false},
		{"yesno", "1", true},
		{"iso5218", "3", false},
		{"zero", "0", true},
		{"hyphen", "-", true},
	} {
		e := linters[tc.name].fn(tc.v, 2026)
		if (e == nil) != tc.ok {
			t.Errorf("%s(%q) = %+v, want ok %v", tc.name, tc.v, e, tc.ok)
		}
	}
}
