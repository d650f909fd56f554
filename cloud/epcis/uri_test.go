package epcis

import (
	"encoding/json"
	"testing"
)

var jsonMarshal = json.Marshal

func TestLGTIN(t *testing.T) {
	for _, tc := range []struct {
		gtin, lot string
		prefix    int
		uri       string
	}{
		{"04012345123456", "998877", 7, "urn:epc:class:lgtin:4012345.012345.998877"}, // TDS 6.3.2's example
		{"10614141000019", "20261101-ATL-1-0001", 7, "urn:epc:class:lgtin:0614141.100001.20261101-ATL-1-0001"},
		{"10614141000019", `A/B%C"&<>?`, 9, "urn:epc:class:lgtin:061414100.1001.A%2FB%25C%22%26%3C%3E%3F"},
		{"10614141000019", "x!'()*+,-.:;=_", 12, "urn:epc:class:lgtin:061414100001.1.x!'()*+,-.:;=_"},
	} {
		uri, err := lgtinURI(tc.gtin, tc.lot, tc.prefix)
		if err != nil || uri != tc.uri {
			t.Errorf("lgtinURI(%s, %q, %d) = %s, %v; want %s", tc.gtin, tc.lot, tc.prefix, uri, err, tc.uri)
		}
		g, l, n, err := parseLGTIN(tc.uri)
		if err != nil || g != tc.gtin || l != tc.lot || n != tc.prefix {
			t.Errorf("parseLGTIN(%s) = %s %q %d, %v", tc.uri, g, l, n, err)
		}
	}
	if _, err := lgtinURI("10614141000018", "L1", 7); err == nil {
		t.Errorf("a GTIN with a wrong check digit is accepted")
	}
}

func TestPlaces(t *testing.T) {
	for place, uri := range map[string]string{
		"0614141000012":        "urn:epc:id:sgln:0614141.00001.0",
		"acme-atl/dock-1":      "urn:lotsense:place:acme-atl/dock-1",
		"acme-atl/":            "urn:lotsense:place:acme-atl/",
		"site one/cold room#2": "urn:lotsense:place:site%20one/cold%20room%232",
	} {
		if got := placeURI(place); got != uri {
			t.Errorf("placeURI(%q) = %s, want %s", place, got, uri)
		}
		got, ok, err := parsePlace(uri)
		if err != nil || !ok || got != place {
			t.Errorf("parsePlace(%s) = %q, %v, %v", uri, got, ok, err)
		}
	}
	for _, uri := range []string{"urn:epc:id:sgln:0614141.00001.7", "https://id.gs1.org/414/0614141000012/254/7", "urn:x:y"} {
		if p, ok, err := parsePlace(uri); ok || err != nil {
			t.Errorf("parsePlace(%s) = %q, %v, %v; want it left for Extra", uri, p, ok, err)
		}
	}
}

func TestWrap(t *testing.T) {
	for id, uri := range map[string]string{
		"4501":                    btPrefix + "4501",
		"ASN 9/1":                 btPrefix + "ASN%209%2F1",
		"http://acme.com/po/1":    "http://acme.com/po/1",
		btPrefix + "5":            btPrefix + "urn%3Aepcglobal%3Acbv%3Abt%3A0000000000000%3A5",
		"urn:epcglobal:cbv:bt:1:": "urn:epcglobal:cbv:bt:1:",
	} {
		if got := wrapBT(id); got != uri || !isURI(got) {
			t.Errorf("wrapBT(%q) = %s, want %s", id, got, uri)
		}
		if back, err := unwrap(btPrefix, uri); err != nil || back != id {
			t.Errorf("unwrap(%s) = %q, %v; want %q", uri, back, err, id)
		}
	}
}

func TestTerms(t *testing.T) {
	for v, out := range map[string]string{
		"receiving":                   "receiving",
		"transforming":                "lotsense:transforming",
		"https://example.com/steps/x": "https://example.com/steps/x",
		"lotsense:x":                  "lotsense:lotsense%3Ax",
	} {
		if got := termOut("bizStep", v); got != out {
			t.Errorf("termOut(%q) = %s, want %s", v, got, out)
		}
		if back, err := termIn("bizStep", out); err != nil || back != v {
			t.Errorf("termIn(%s) = %q, %v; want %q", out, back, err, v)
		}
	}
}
