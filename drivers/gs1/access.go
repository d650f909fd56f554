package gs1

import (
	"strconv"
	"strings"
	"time"
)

// Typed accessors: what a lot tracker reads off a scan. Each returns the zero value
// when the AI is absent; the values were validated when parsed.

// Value returns the value of the first element with AI ai.
func (es ElementString) Value(ai string) (string, bool) {
	for _, e := range es.Elements {
		if e.AI == ai {
			return e.Value, true
		}
	}
	return "", false
}

func (es ElementString) get(ai string) string {
	v, _ := es.Value(ai)
	return v
}

// GTIN returns AI 01, the GTIN-14 of the trade item.
func (es ElementString) GTIN() string { return es.get("01") }

// ContentGTIN returns AI 02, the GTIN-14 of the trade items a logistic unit contains.
func (es ElementString) ContentGTIN() string { return es.get("02") }

// SSCC returns AI 00, the 18-digit Serial Shipping Container Code.
func (es ElementString) SSCC() string { return es.get("00") }

// Lot returns AI 10, the batch or lot number.
func (es ElementString) Lot() string { return es.get("10") }

// Serial returns AI 21, the serial number.
func (es ElementString) Serial() string { return es.get("21") }

// ShipTo returns AI 410, the GLN of the ship-to (deliver-to) location.
func (es ElementString) ShipTo() string { return es.get("410") }

// ShipFor returns AI 413, the GLN of the ship-for (final recipient) location.
func (es ElementString) ShipFor() string { return es.get("413") }

// LotKey returns the lotsense lot key "(01)<gtin14>(10)<lot>" when the scan has a lot
// (AI 10) and a GTIN: AI 01, or else AI 02, the contained items' GTIN on a logistic
// unit's label, whose lot AI 10 then is.
func (es ElementString) LotKey() (string, bool) {
	lot := es.Lot()
	if lot == "" {
		return "", false
	}
	g := es.GTIN()
	if g == "" {
		g = es.ContentGTIN()
	}
	if g == "" {
		return "", false
	}
	return LotKey(g, lot), true
}

// Expiry returns AI 17, the use-by or expiry date. dayZero reports that the data said
// day 00, which GS1 defines as the last day of the month; that day is returned.
func (es ElementString) Expiry() (t time.Time, dayZero bool) { return es.Date("17") }

// BestBefore returns AI 15, the best-before date, as Expiry does.
func (es ElementString) BestBefore() (t time.Time, dayZero bool) { return es.Date("15") }

// SellBy returns AI 16, the sell-by date, as Expiry does.
func (es ElementString) SellBy() (t time.Time, dayZero bool) { return es.Date("16") }

// ProductionDate returns AI 11, the production date, as Expiry does.
func (es ElementString) ProductionDate() (t time.Time, dayZero bool) { return es.Date("11") }

// PackDate returns AI 13, the packaging date, as Expiry does.
func (es ElementString) PackDate() (t time.Time, dayZero bool) { return es.Date("13") }

// ExpiryTime returns AI 7003, expiration date and time (YYMMDDHHMM).
func (es ElementString) ExpiryTime() time.Time { t, _ := es.Date("7003"); return t }

// ProductionTime returns AI 8008, date and time of production (YYMMDDHH[MM[SS]]).
func (es ElementString) ProductionTime() time.Time { t, _ := es.Date("8008"); return t }

type dateKind uint8

const (
	noDate dateKind = iota
	dateYYMMD0
	dateYYMMDD
	dateYYYYMMDD
)

func dateKindOf(comps []component) dateKind {
	for _, l := range comps[0].linters {
		switch l.name {
		case "yymmd0":
			return dateYYMMD0
		case "yymmdd":
			return dateYYMMDD
		case "yyyymmdd":
			return dateYYYYMMDD
		}
	}
	return noDate
}

// Date interprets the value of any date AI (11, 13, 15, 16, 17, 7003, 7006, 8008, ...):
// its first date, at midnight UTC or with the time the AI carries (7003, 8008, 4324).
// Two-digit years are resolved by GS1's sliding window around the reference date the
// parse used. dayZero reports a day 00, returned as the last day of the month. The
// time is zero when the AI is absent or not a date.
func (es ElementString) Date(ai string) (t time.Time, dayZero bool) {
	v, ok := es.Value(ai)
	d := dict.lookupExact(ai)
	if !ok || d == nil || d.date == noDate || len(v) < 6 || d.date == dateYYYYMMDD && len(v) < 8 {
		return time.Time{}, false
	}
	ref := es.refYear
	if ref == 0 {
		ref = time.Now().Year()
	}
	var year int
	switch d.date {
	case dateYYYYMMDD:
		year, v = num2(v)*100+num2(v[2:]), v[2:]
	default:
		year = resolveYear(num2(v), ref)
	}
	month, day := num2(v[2:]), num2(v[4:])
	if day == 0 {
		dayZero, day = true, daysIn(year, month)
	}
	var hms [3]int
	rest := v[6:]
	for _, c := range d.comps[1:] {
		if len(rest) < c.min {
			break
		}
		part := rest[:c.max]
		for _, l := range c.linters {
			switch l.name {
			case "hhmi":
				hms[0], hms[1] = num2(part), num2(part[2:])
			case "hh":
				hms[0] = num2(part)
			case "mi":
				hms[1] = num2(part)
			case "ss":
				hms[2] = num2(part)
			}
		}
		rest = rest[c.max:]
	}
	return time.Date(year, time.Month(month), day, hms[0], hms[1], hms[2], 0, time.UTC), dayZero
}

// Count returns AI 37, the count of trade items in a logistic unit.
func (es ElementString) Count() (int, bool) { return es.count("37") }

// VarCount returns AI 30, the count of items in a variable-measure trade item.
func (es ElementString) VarCount() (int, bool) { return es.count("30") }

func (es ElementString) count(ai string) (int, bool) {
	v, ok := es.Value(ai)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}

// Measure is a trade or logistic measure, AIs 310n to 369n: the last digit n of the AI
// says how many of the six digits are decimals.
type Measure struct {
	AI       string  `json:"ai"`       // "3103"
	Kind     string  `json:"kind"`     // "net weight", "length", "gross weight", "area", "net volume"...
	Unit     string  `json:"unit"`     // "kg", "m", "m²", "l", "m³", "lb", "in", "ft", "yd", "oz", "tr oz", "qt", "gal"...
	Logistic bool    `json:"logistic"` // a measure of the logistic unit: gross weights and what the dictionary titles ", log"
	Decimal  string  `json:"decimal"`  // the exact value: "1.234" from 3103 001234
	Value    float64 `json:"value"`    // the same as a float
}

type measureInfo struct {
	kind, unit string
	logistic   bool
}

// measureOf derives kind and unit from a 31nn-36nn title: "NET WEIGHT (kg)",
// "LENGTH (m), log", "NET VOLUME (qt (US))", "KG PER m²".
func measureOf(ai, title string) *measureInfo {
	if len(ai) != 4 || ai[0] != '3' || ai[1] < '1' || ai[1] > '6' {
		return nil
	}
	m := &measureInfo{}
	title, m.logistic = strings.CutSuffix(title, ", log")
	kind, unit, ok := strings.Cut(title, " (")
	if !ok {
		return &measureInfo{kind: "mass per area", unit: "kg/m²"}
	}
	m.kind = strings.ToLower(kind)
	m.logistic = m.logistic || strings.HasPrefix(m.kind, "gross")
	m.unit = strings.TrimSuffix(unit, ")")
	switch m.unit {
	case "qt (US)":
		m.unit = "qt"
	case "gal.", "gal (US)":
		m.unit = "gal"
	}
	return m
}

// Measure interprets a 310n-369n element.
func (e Element) Measure() (Measure, bool) {
	d := dict.lookupExact(e.AI)
	if d == nil || d.meas == nil || len(e.Value) != 6 {
		return Measure{}, false
	}
	dec := decimal(e.Value, int(e.AI[3]-'0'))
	f, _ := strconv.ParseFloat(dec, 64)
	return Measure{AI: e.AI, Kind: d.meas.kind, Unit: d.meas.unit, Logistic: d.meas.logistic, Decimal: dec, Value: f}, true
}

// Measures returns every 310n-369n element, interpreted.
func (es ElementString) Measures() []Measure {
	var ms []Measure
	for _, e := range es.Elements {
		if m, ok := e.Measure(); ok {
			ms = append(ms, m)
		}
	}
	return ms
}

// NetWeight returns the trade item's net weight: AI 310n (kg), 320n (lb) or 356n (troy oz).
func (es ElementString) NetWeight() (Measure, bool) {
	for _, e := range es.Elements {
		if m, ok := e.Measure(); ok && m.Kind == "net weight" {
			return m, true
		}
	}
	return Measure{}, false
}

// decimal places a decimal point n digits from the right of digits and drops leading
// zeros of the integer part: ("001234", 3) is "1.234", ("5", 2) is "0.05".
func decimal(digits string, n int) string {
	for len(digits) <= n {
		digits = "0" + digits
	}
	ip := strings.TrimLeft(digits[:len(digits)-n], "0")
	if ip == "" {
		ip = "0"
	}
	if n == 0 {
		return ip
	}
	return ip + "." + digits[len(digits)-n:]
}

type amountKind uint8

const (
	noAmount amountKind = iota
	amountLocal
	amountISO
	priceLocal
	priceISO
)

func amountKindOf(ai string) amountKind {
	if len(ai) != 4 || ai[:2] != "39" {
		return noAmount
	}
	return [...]amountKind{amountLocal, amountISO, priceLocal, priceISO, noAmount, noAmount,
		noAmount, noAmount, noAmount, noAmount}[ai[2]-'0']
}

// Amount is a monetary amount: AI 390n/391n (amount payable) or 392n/393n (price of a
// variable-measure item), n decimals.
type Amount struct {
	AI           string  `json:"ai"`            // "3922"
	Price        bool    `json:"price"`         // 392n/393n: a price; else 390n/391n: an amount payable
	Currency     string  `json:"currency"`      // ISO 4217 numeric code ("978") for 391n/393n; "" means the local currency
	CurrencyCode string  `json:"currency_code"` // the alphabetic code ("EUR") when known
	Decimal      string  `json:"decimal"`       // the exact amount: "12.50"
	Value        float64 `json:"value"`         // the same as a float
}

// Amount interprets a 390n-393n element.
func (e Element) Amount() (Amount, bool) {
	d := dict.lookupExact(e.AI)
	iso := d != nil && (d.amt == amountISO || d.amt == priceISO)
	if d == nil || d.amt == noAmount || len(e.Value) < 1 || iso && len(e.Value) < 4 {
		return Amount{}, false
	}
	a := Amount{AI: e.AI, Price: d.amt == priceLocal || d.amt == priceISO}
	v := e.Value
	if iso {
		a.Currency, a.CurrencyCode, v = v[:3], currencyAlpha[v[:3]], v[3:]
	}
	a.Decimal = decimal(v, int(e.AI[3]-'0'))
	a.Value, _ = strconv.ParseFloat(a.Decimal, 64)
	return a, true
}

// AmountPayable returns the first AI 390n/391n.
func (es ElementString) AmountPayable() (Amount, bool) { return es.amount(false) }

// Price returns the first AI 392n/393n.
func (es ElementString) Price() (Amount, bool) { return es.amount(true) }

func (es ElementString) amount(price bool) (Amount, bool) {
	for _, e := range es.Elements {
		if a, ok := e.Amount(); ok && a.Price == price {
			return a, true
		}
	}
	return Amount{}, false
}
