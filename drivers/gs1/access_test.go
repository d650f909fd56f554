package gs1

import (
	"reflect"
	"testing"
	"time"
)

func mustParse(t *testing.T, s string) ElementString {
	t.Helper()
	es, err := ParseElementString(s, refOpts)
	if err != nil {
		t.Fatalf("ParseElementString(%q): %v", s, err)
	}
	return es
}

func TestKeysAndLot(t *testing.T) {
	es := mustParse(t, "]d2"+"01"+gtin+"17251231"+"10ABC123\x1d"+"21S-9")
	if es.GTIN() != gtin || es.Lot() != "ABC123" || es.Serial() != "S-9" || es.SSCC() != "" {
		t.Errorf("GTIN %q Lot %q Serial %q SSCC %q", es.GTIN(), es.Lot(), es.Serial(), es.SSCC())
	}
	if k, ok := es.LotKey(); !ok || k != "(01)09506000134352(10)ABC123" {
		t.Errorf("LotKey = %q %v", k, ok)
	}
	if _, _, err := ParseLotKey(must(es.LotKey())); err != nil {
		t.Errorf("LotKey does not parse back: %v", err)
	}
	pallet := mustParse(t, "00"+sscc+"02"+"09501101530003"+"3720\x1d"+"10LOT7\x1d"+"410"+gln+"413"+gln2)
	if pallet.SSCC() != sscc || pallet.ContentGTIN() != "09501101530003" || pallet.ShipTo() != gln || pallet.ShipFor() != gln2 {
		t.Errorf("pallet: SSCC %q ContentGTIN %q ShipTo %q ShipFor %q", pallet.SSCC(), pallet.ContentGTIN(), pallet.ShipTo(), pallet.ShipFor())
	}
	if k, ok := pallet.LotKey(); !ok || k != "(01)09501101530003(10)LOT7" {
		t.Errorf("pallet LotKey (from AI 02) = %q %v", k, ok)
	}
	if n, ok := pallet.Count(); !ok || n != 20 {
		t.Errorf("Count = %d %v", n, ok)
	}
	if _, ok := mustParse(t, "01"+gtin).LotKey(); ok {
		t.Error("LotKey without a lot")
	}
	if _, ok := mustParse(t, "00"+sscc).Count(); ok {
		t.Error("Count without AI 37")
	}
}

func must(s string, _ bool) string { return s }

func TestMeasures(t *testing.T) {
	es := mustParse(t, "01"+gtin+"3103001234"+"3305012345"+"3125000250"+"3161000001"+"3615123456"+"3374000175"+"30120")
	want := []Measure{
		{"3103", "net weight", "kg", false, "1.234", 1.234},
		{"3305", "gross weight", "kg", true, "0.12345", 0.12345},
		{"3125", "width", "m", false, "0.00250", 0.0025},
		{"3161", "net volume", "m³", false, "0.1", 0.1},
		{"3615", "net volume", "gal", false, "1.23456", 1.23456},
		{"3374", "mass per area", "kg/m²", false, "0.0175", 0.0175},
	}
	if got := es.Measures(); !reflect.DeepEqual(got, want) {
		t.Errorf("Measures =\n%v\nwant\n%v", got, want)
	}
	if m, ok := es.NetWeight(); !ok || m.Decimal != "1.234" || m.Unit != "kg" {
		t.Errorf("NetWeight = %v %v", m, ok)
	}
	if n, ok := es.VarCount(); !ok || n != 120 {
		t.Errorf("VarCount = %d %v", n, ok)
	}
	lb := mustParse(t, "01"+gtin+"3200012500")
	if m, ok := lb.NetWeight(); !ok || m.Unit != "lb" || m.Decimal != "12500" || m.Value != 12500 {
		t.Errorf("net weight in lb = %v", m)
	}
	for ai, unit := range map[string]string{"3300": "kg", "3570": "oz", "3560": "tr oz", "3600": "qt", "3630": "gal", "3510": "ft²", "3290": "yd"} {
		req := "01" + gtin
		if m, ok := (Element{ai, "000001"}).Measure(); !ok || m.Unit != unit {
			t.Errorf("(%s) unit %q, want %q (%s)", ai, m.Unit, unit, req)
		}
	}
	if _, ok := (Element{"3106", "000001"}).Measure(); ok {
		t.Error("3106 is not in the dictionary (decimals 0-5 only)")
	}
}

func TestAmounts(t *testing.T) {
	es := mustParse(t, "01"+gtin+"3102001250"+"3932978"+"1250")
	if a, ok := es.Price(); !ok || a != (Amount{"3932", true, "978", "EUR", "12.50", 12.5}) {
		t.Errorf("Price = %+v %v", a, ok)
	}
	if _, ok := es.AmountPayable(); ok {
		t.Error("AmountPayable without 390n/391n")
	}
	pay := mustParse(t, "255"+gln+"\x1d"+"39035")
	if a, ok := pay.AmountPayable(); !ok || a != (Amount{"3903", false, "", "", "0.005", 0.005}) {
		t.Errorf("AmountPayable = %+v %v", a, ok)
	}
	local := mustParse(t, "01"+gtin+"3102001250"+"39220399")
	if a, ok := local.Price(); !ok || a.Decimal != "3.99" || a.Currency != "" {
		t.Errorf("local Price = %+v", a)
	}
}

func TestValueAndTitle(t *testing.T) {
	es := mustParse(t, "01"+gtin+"400PO-1\x1d"+"401"+"9501101X1")
	if v, ok := es.Value("400"); !ok || v != "PO-1" {
		t.Errorf("Value(400) = %q %v", v, ok)
	}
	if (Element{"400", ""}).Title() != "ORDER NUMBER" || (Element{"10", ""}).Title() != "BATCH/LOT" || (Element{"239", ""}).Title() != "" {
		t.Error("Title")
	}
	// Accessors on an element string built by hand do not panic on bad values.
	bad := ElementString{Elements: els("17", "25", "3103", "x", "37", "many", "3932", "97")}
	if d, _ := bad.Expiry(); !d.IsZero() {
		t.Errorf("Expiry of a short value = %s", d)
	}
	bad.Measures()
	bad.Price()
	bad.Count()
	_ = time.Now
}
