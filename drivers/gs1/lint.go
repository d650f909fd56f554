package gs1

import (
	"fmt"
	"strings"
	"time"
)

// Character classes, one bit per GS1 character set, looked up by byte.
const (
	inN   = 1 << iota // digits
	inX               // set 82: the invariant subset of ISO/IEC 646
	inY               // set 39: digits, upper-case letters, # - /
	inZ               // set 64: base64url, without the = padding
	isSep             // ASCII 29, the GS character that stands for FNC1
)

var charClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		if cset82(b) {
			t[c] |= inX
		}
		if isDigit(b) {
			t[c] |= inN | inY | inZ
		}
		if b >= 'A' && b <= 'Z' {
			t[c] |= inY | inZ
		}
		if b >= 'a' && b <= 'z' || b == '_' {
			t[c] |= inZ
		}
	}
	t['#'] |= inY
	t['-'] |= inY | inZ
	t['/'] |= inY
	t[29] = isSep
	return t
}()

func csetBit(cset byte) uint8 {
	switch cset {
	case 'N':
		return inN
	case 'Y':
		return inY
	case 'Z':
		return inZ
	}
	return inX
}

func csetName(cset byte) string {
	switch cset {
	case 'N':
		return "digits"
	case 'Y':
		return "character set 39 (digits, A-Z, # - /)"
	case 'Z':
		return "character set 64 (A-Z a-z 0-9 - _, = padding)"
	}
	return "character set 82 (letters, digits and !\"%&'()*+,-./:;<=>?_)"
}

// lintCtx carries what linters need beyond the value: the reference date that fixes
// the century of YYMMDD dates. year is resolved from now (or time.Now()) the first
// time a date needs it.
type lintCtx struct {
	now  time.Time
	year int
}

func (c *lintCtx) refYear() int {
	if c.year == 0 {
		if c.now.IsZero() {
			c.now = time.Now()
		}
		c.year = c.now.Year()
	}
	return c.year
}

// needsYear reports whether a linter resolves two-digit years.
func needsYear(name string) bool { return name == "yymmd0" || name == "yymmdd" }

// lintErr is a linter's finding: off is the offset in the component, err the sentinel.
type lintErr struct {
	off int
	msg string
	err error
}

type linter struct {
	name string
	fn   func(v string, refYear int) *lintErr // nil: not checked by this package
}

// linters holds a procedure for every linter the syntax dictionary names. A new name
// in a future dictionary makes the package fail to initialise (and every test fail)
// until it is added here. Those with a nil fn are not checked: gcppos1/gcppos2 need
// GS1's company prefix list, packagetype the UN/ECE Rec. 21 list, couponcode and
// couponposoffer the North American coupon rules.
var linters = map[string]linter{
	"csum":       {"csum", lintCsum},
	"csumalpha":  {"csumalpha", lintCsumAlpha},
	"yymmd0":     {"yymmd0", func(v string, year int) *lintErr { return lintYYMMDD(v, year, true) }},
	"yymmdd":     {"yymmdd", func(v string, year int) *lintErr { return lintYYMMDD(v, year, false) }},
	"yyyymmdd":   {"yyyymmdd", lintYYYYMMDD},
	"hhmi":       {"hhmi", func(v string, _ int) *lintErr { return lintRange2(v, 0, 23, "hour", ErrDate, lintMinute) }},
	"hh":         {"hh", func(v string, _ int) *lintErr { return lintRange2(v, 0, 23, "hour", ErrDate, nil) }},
	"mi":         {"mi", func(v string, _ int) *lintErr { return lintMinute(v[0:]) }},
	"ss":         {"ss", func(v string, _ int) *lintErr { return lintRange2(v, 0, 59, "second", ErrDate, nil) }},
	"iso3166":    {"iso3166", func(v string, _ int) *lintErr { return lintList(v, countryNumeric, "an ISO 3166 country code") }},
	"iso3166999": {"iso3166999", lintCountry999},
	"iso3166alpha2": {"iso3166alpha2", func(v string, _ int) *lintErr {
		return lintList(v, countryAlpha2, "an ISO 3166 alpha-2 country code")
	}},
	"iso4217": {"iso4217", func(v string, _ int) *lintErr { return lintList(v, currencyNumeric, "an ISO 4217 currency code") }},
	"iso5218": {"iso5218", func(v string, _ int) *lintErr {
		return lintOneOf(v, "0129", "an ISO/IEC 5218 sex code (0, 1, 2 or 9)")
	}},
	"yesno":          {"yesno", func(v string, _ int) *lintErr { return lintOneOf(v, "01", "0 (no) or 1 (yes)") }},
	"zero":           {"zero", func(v string, _ int) *lintErr { return lintOneOf(v, "0", "0") }},
	"winding":        {"winding", func(v string, _ int) *lintErr { return lintOneOf(v, "019", "a winding direction (0, 1 or 9)") }},
	"hyphen":         {"hyphen", func(v string, _ int) *lintErr { return lintOneOf(v, "-", "a hyphen") }},
	"nonzero":        {"nonzero", lintNonZero},
	"nozeroprefix":   {"nozeroprefix", lintNoZeroPrefix},
	"hasnondigit":    {"hasnondigit", lintHasNonDigit},
	"pieceoftotal":   {"pieceoftotal", lintPieceOfTotal},
	"posinseqslash":  {"posinseqslash", lintPosInSeq},
	"latitude":       {"latitude", func(v string, _ int) *lintErr { return lintMax(v, 1800000000, "latitude") }},
	"longitude":      {"longitude", func(v string, _ int) *lintErr { return lintMax(v, 3600000000, "longitude") }},
	"mediatype":      {"mediatype", lintMediaType},
	"importeridx":    {"importeridx", lintImporterIndex},
	"pcenc":          {"pcenc", lintPercent},
	"iban":           {"iban", lintIBAN},
	"gcppos1":        {"gcppos1", nil},
	"gcppos2":        {"gcppos2", nil},
	"packagetype":    {"packagetype", nil},
	"couponcode":     {"couponcode", nil},
	"couponposoffer": {"couponposoffer", nil},
}

func lintCsum(v string, _ int) *lintErr {
	sum := 0
	for i := len(v) - 2; i >= 0; i-- {
		d := int(v[i] - '0')
		if (len(v)-2-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	if want := byte('0' + (10-sum%10)%10); v[len(v)-1] != want {
		return &lintErr{len(v) - 1, fmt.Sprintf("check digit is %c, want %c", v[len(v)-1], want), ErrCheckDigit}
	}
	return nil
}

// csumalpha: GS1 General Specifications, "check character calculation (for
// alphanumeric keys)": a pair of set 32 characters from the weighted sum mod 1021.
const (
	cset82Order = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
	cset32Order = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
)

func lintCsumAlpha(v string, _ int) *lintErr {
	if len(v) < 2 {
		return &lintErr{0, "too short for a check character pair", ErrLength}
	}
	n := len(v) - 2
	p := 2
	sum := 0
	for i := n - 1; i >= 0; i-- {
		sum += strings.IndexByte(cset82Order, v[i]) * p
		p = nextPrime(p)
	}
	sum %= 1021
	want := string([]byte{cset32Order[sum>>5], cset32Order[sum&31]})
	if v[n:] != want {
		return &lintErr{n, fmt.Sprintf("check characters are %s, want %s", v[n:], want), ErrCheckDigit}
	}
	return nil
}

func nextPrime(p int) int {
	for q := p + 1; ; q++ {
		prime := true
		for d := 2; d*d <= q; d++ {
			if q%d == 0 {
				prime = false
				break
			}
		}
		if prime {
			return q
		}
	}
}

func num2(v string) int { return int(v[0]-'0')*10 + int(v[1]-'0') }

// resolveYear turns a two-digit year into a full one by GS1's sliding window (General
// Specifications 7.12): 51..99 years ahead of the reference year means the previous
// century, 50..99 years behind it the next one, else the reference year's century.
func resolveYear(yy, ref int) int {
	century := ref / 100 * 100
	switch d := yy - ref%100; {
	case d >= 51:
		return century - 100 + yy
	case d <= -50:
		return century + 100 + yy
	}
	return century + yy
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func lintYYMMDD(v string, refYear int, dayZero bool) *lintErr {
	return checkDate(resolveYear(num2(v), refYear), v[2:], 2, dayZero)
}

func lintYYYYMMDD(v string, _ int) *lintErr {
	return checkDate(num2(v)*100+num2(v[2:]), v[4:], 4, false)
}

// checkDate checks MMDD (mmdd, at offset off) in year.
func checkDate(year int, mmdd string, off int, dayZero bool) *lintErr {
	m, d := num2(mmdd), num2(mmdd[2:])
	if m < 1 || m > 12 {
		return &lintErr{off, fmt.Sprintf("month %02d does not exist", m), ErrDate}
	}
	if d == 0 && dayZero {
		return nil
	}
	if n := daysIn(year, m); d < 1 || d > n {
		return &lintErr{off + 2, fmt.Sprintf("day %02d does not exist in %04d-%02d (%d days)", d, year, m, n), ErrDate}
	}
	return nil
}

func lintMinute(v string) *lintErr { return lintRange2(v, 0, 59, "minute", ErrDate, nil) }

// lintRange2 checks that the two digits of v lie in lo..hi, then passes the rest of v
// (if any) to next.
func lintRange2(v string, lo, hi int, what string, err error, next func(string) *lintErr) *lintErr {
	if n := num2(v); n < lo || n > hi {
		return &lintErr{0, fmt.Sprintf("%s %02d is not %02d to %02d", what, n, lo, hi), err}
	}
	if next != nil && len(v) > 2 {
		if e := next(v[2:]); e != nil {
			e.off += 2
			return e
		}
	}
	return nil
}

func lintOneOf(v, allowed, want string) *lintErr {
	if len(v) != 1 || strings.IndexByte(allowed, v[0]) < 0 {
		return &lintErr{0, fmt.Sprintf("%q is not %s", v, want), ErrRange}
	}
	return nil
}

func lintNonZero(v string, _ int) *lintErr {
	if strings.Trim(v, "0") == "" {
		return &lintErr{0, "must not be zero", ErrRange}
	}
	return nil
}

func lintNoZeroPrefix(v string, _ int) *lintErr {
	if v != "" && v[0] == '0' {
		return &lintErr{0, "must not start with 0", ErrRange}
	}
	return nil
}

func lintHasNonDigit(v string, _ int) *lintErr {
	for i := 0; i < len(v); i++ {
		if !isDigit(v[i]) {
			return nil
		}
	}
	return &lintErr{0, "must contain a character other than a digit", ErrCharacter}
}

func lintPieceOfTotal(v string, _ int) *lintErr {
	p, t := num2(v), num2(v[2:])
	if p == 0 || t == 0 || p > t {
		return &lintErr{0, fmt.Sprintf("piece %d of %d: want 1 <= piece <= total", p, t), ErrRange}
	}
	return nil
}

// lintPosInSeq checks "<pos>/<end>": two numbers without leading zeros, pos <= end.
func lintPosInSeq(v string, _ int) *lintErr {
	p, e, ok := strings.Cut(v, "/")
	if !ok || p == "" || e == "" || strings.Trim(p, "0123456789") != "" || strings.Trim(e, "0123456789") != "" {
		return &lintErr{0, fmt.Sprintf("%q is not <position>/<total>", v), ErrSyntax}
	}
	if p[0] == '0' || e[0] == '0' {
		return &lintErr{0, fmt.Sprintf("%q: numbers must not start with 0", v), ErrRange}
	}
	if len(p) > len(e) || len(p) == len(e) && p > e {
		return &lintErr{0, fmt.Sprintf("%q: position exceeds the total", v), ErrRange}
	}
	return nil
}

func lintMax(v string, max uint64, what string) *lintErr {
	var n uint64
	for i := 0; i < len(v); i++ {
		n = n*10 + uint64(v[i]-'0')
	}
	if n > max {
		return &lintErr{0, fmt.Sprintf("%s %s exceeds %d", what, v, max), ErrRange}
	}
	return nil
}

func lintMediaType(v string, _ int) *lintErr {
	if n := num2(v); n >= 1 && n <= 10 || n >= 80 {
		return nil
	}
	return &lintErr{0, fmt.Sprintf("%s is not an AIDC media type (01-10, 80-99)", v), ErrRange}
}

func lintImporterIndex(v string, _ int) *lintErr {
	if c := v[0]; charClass[c]&inZ == 0 {
		return &lintErr{0, fmt.Sprintf("%q is not an importer index (0-9 A-Z a-z - _)", c), ErrCharacter}
	}
	return nil
}

func lintPercent(v string, _ int) *lintErr {
	for i := 0; i < len(v); i++ {
		if v[i] == '%' && (i+2 >= len(v) || !isHex(v[i+1]) || !isHex(v[i+2])) {
			return &lintErr{i, "% not followed by two hexadecimal digits", ErrSyntax}
		}
	}
	return nil
}

func isHex(c byte) bool {
	return isDigit(c) || c >= 'A' && c <= 'F' || c >= 'a' && c <= 'f'
}

// lintIBAN checks an IBAN's form (country letters, check digits, upper-case letters and
// digits) and its ISO 13616 mod-97 check.
func lintIBAN(v string, _ int) *lintErr {
	if len(v) < 5 {
		return &lintErr{0, "too short for an IBAN", ErrLength}
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		letter := c >= 'A' && c <= 'Z'
		if i < 2 && !letter || i >= 2 && i < 4 && !isDigit(c) || i >= 4 && !letter && !isDigit(c) {
			return &lintErr{i, fmt.Sprintf("%q not allowed in an IBAN here", c), ErrCharacter}
		}
	}
	if !countryAlpha2[v[:2]] {
		return &lintErr{0, fmt.Sprintf("%s is not a country code", v[:2]), ErrRange}
	}
	r := 0
	for _, c := range v[4:] + v[:4] {
		if c >= 'A' {
			r = (r*100 + int(c-'A'+10)) % 97
		} else {
			r = (r*10 + int(c-'0')) % 97
		}
	}
	if r != 1 {
		return &lintErr{2, "IBAN check digits do not match", ErrCheckDigit}
	}
	return nil
}

func lintList(v string, list map[string]bool, want string) *lintErr {
	if !list[v] {
		return &lintErr{0, fmt.Sprintf("%s is not %s", v, want), ErrRange}
	}
	return nil
}

func lintCountry999(v string, _ int) *lintErr {
	if v == "999" {
		return nil
	}
	return lintList(v, countryNumeric, "an ISO 3166 country code or 999")
}
