package gs1

import (
	"errors"
	"testing"
	"time"
)

func day(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

func TestResolveYear(t *testing.T) {
	// GS1 General Specifications 7.12: 51..99 ahead → previous century, 50..99 behind
	// → next century.
	for _, tc := range []struct{ yy, ref, want int }{
		{26, 2026, 2026},
		{76, 2026, 2076}, // 50 ahead: this century
		{77, 2026, 1977}, // 51 ahead: previous century
		{99, 2026, 1999},
		{0, 2026, 2000},
		{50, 2000, 2050},
		{51, 2000, 1951},
		{10, 2060, 2110}, // 50 behind: next century
		{11, 2060, 2011}, // 49 behind: this century
		{49, 2099, 2149},
		{50, 2099, 2050},
		{0, 2090, 2100},
	} {
		if got := resolveYear(tc.yy, tc.ref); got != tc.want {
			t.Errorf("resolveYear(%02d, %d) = %d, want %d", tc.yy, tc.ref, got, tc.want)
		}
	}
}

func TestDates(t *testing.T) {
	for _, tc := range []struct {
		ai, value string
		now       time.Time
		want      time.Time
		dayZero   bool
	}{
		{"17", "251231", ref, day(2025, 12, 31), false},
		{"17", "251200", ref, day(2025, 12, 31), true},            // day 00: last day of the month
		{"17", "250200", ref, day(2025, 2, 28), true},             // ... of a non-leap February
		{"17", "240200", ref, day(2024, 2, 29), true},             // ... of a leap February
		{"17", "000200", day(2090, 6, 1), day(2100, 2, 28), true}, // 2100 is not a leap year
		{"15", "240229", ref, day(2024, 2, 29), false},            // leap year
		{"17", "000229", ref, day(2000, 2, 29), false},            // 2000 was one
		{"17", "760101", ref, day(2076, 1, 1), false},             // window: 50 years ahead
		{"17", "770101", ref, day(1977, 1, 1), false},             // 51 ahead: last century
		{"11", "991231", ref, day(1999, 12, 31), false},
		{"16", "260400", ref, day(2026, 4, 30), true},
		{"13", "260115", ref, day(2026, 1, 15), false},
		{"7006", "250606", ref, day(2025, 6, 6), false},
		{"7003", "2512311530", ref, time.Date(2025, 12, 31, 15, 30, 0, 0, time.UTC), false},
		{"8008", "25123115", ref, time.Date(2025, 12, 31, 15, 0, 0, 0, time.UTC), false},
		{"8008", "251231153045", ref, time.Date(2025, 12, 31, 15, 30, 45, 0, time.UTC), false},
	} {
		in := "01" + gtin + tc.ai + tc.value
		es, err := ParseElementString(in, &ParseOptions{Now: tc.now})
		if err != nil {
			t.Errorf("ParseElementString(%q): %v", in, err)
			continue
		}
		got, dz := es.Date(tc.ai)
		if !got.Equal(tc.want) || dz != tc.dayZero {
			t.Errorf("(%s)%s with now %s: Date = %s %v, want %s %v", tc.ai, tc.value, tc.now.Format("2006"), got, dz, tc.want, tc.dayZero)
		}
	}
}

func TestDateErrors(t *testing.T) {
	for _, tc := range []struct {
		ai, value string
		now       time.Time
		want      string
	}{
		{"17", "250229", ref, "day 29 does not exist in 2025-02 (28 days)"},
		{"17", "000229", day(2090, 1, 1), "day 29 does not exist in 2100-02 (28 days)"},
		{"17", "251301", ref, "month 13 does not exist"},
		{"17", "250001", ref, "month 00 does not exist"},
		{"17", "250132", ref, "day 32 does not exist in 2025-01 (31 days)"},
		{"7006", "250600", ref, "day 00 does not exist in 2025-06 (30 days)"}, // yymmdd: no day 00
		{"7003", "2506000000", ref, "day 00 does not exist in 2025-06 (30 days)"},
		{"8008", "25063024", ref, "hour 24 is not 00 to 23"},
		{"8008", "2506302360", ref, "minute 60 is not 00 to 59"},
		{"8008", "250630235960", ref, "second 60 is not 00 to 59"},
	} {
		in := "01" + gtin + tc.ai + tc.value
		_, err := ParseElementString(in, &ParseOptions{Now: tc.now})
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Msg != tc.want || pe.AI != tc.ai || !errors.Is(err, ErrDate) {
			t.Errorf("ParseElementString(%q): %v, want %q", in, err, tc.want)
		}
	}
}

func TestDateAccessors(t *testing.T) {
	es, err := ParseElementString("01"+gtin+"11250101"+"13250102"+"15251200"+"16251130"+"17260630", refOpts)
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, got time.Time, dz bool, want time.Time, wantDZ bool) {
		if !got.Equal(want) || dz != wantDZ {
			t.Errorf("%s = %s %v, want %s %v", name, got, dz, want, wantDZ)
		}
	}
	g, dz := es.ProductionDate()
	check("ProductionDate", g, dz, day(2025, 1, 1), false)
	g, dz = es.PackDate()
	check("PackDate", g, dz, day(2025, 1, 2), false)
	g, dz = es.BestBefore()
	check("BestBefore", g, dz, day(2025, 12, 31), true)
	g, dz = es.SellBy()
	check("SellBy", g, dz, day(2025, 11, 30), false)
	g, dz = es.Expiry()
	check("Expiry", g, dz, day(2026, 6, 30), false)
	if g, _ := es.Date("10"); !g.IsZero() {
		t.Errorf("Date of an absent AI = %s", g)
	}
	if g := es.ExpiryTime(); !g.IsZero() {
		t.Errorf("ExpiryTime without 7003 = %s", g)
	}
}
