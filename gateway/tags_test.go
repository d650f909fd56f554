package gateway

import (
	"encoding/hex"
	"slices"
	"strings"
	"testing"

	"github.com/lotsense/lotsense/drivers/gs1"
	fwconfig "github.com/lotsense/lotsense/firmware-config"
	"github.com/lotsense/lotsense/gateway/wire"
)

func epcBytes(t testing.TB, urn string) []byte {
	t.Helper()
	e, err := gs1.ParseURN(urn)
	if err != nil {
		t.Fatal(err)
	}
	e.Filter = 1 // patterns compare pure identities: the filter must not matter
	b, err := gs1.EncodeEPC(e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTagLotsFromConfigAndLotMap(t *testing.T) {
	lotA := fwconfig.Lot{GTIN: "00614141123452", Lot: "A1", EPCs: []string{
		"urn:epc:idpat:sgtin:0614141.812345.[1-100]", "urn:epc:id:sscc:0614141.1234567890"}}
	lotB := fwconfig.Lot{GTIN: "00614141123452", Lot: "B2", EPCs: []string{
		"urn:epc:idpat:sgtin:0614141.812345.[101-200]", "urn:epc:id:sscc:0614141.1234567890"}}
	lotC := fwconfig.Lot{GTIN: "00614141999996", Lot: "C3", EPCs: []string{"urn:epc:idpat:sgtin:0614141.899999.*"}}
	cfg := &fwconfig.Config{Lots: []fwconfig.Lot{lotA, lotC},
		Locations: []fwconfig.Location{{ID: "room", Lots: []fwconfig.Lot{lotB}}}}
	tl, err := NewTagLots(cfg)
	if err != nil {
		t.Fatal(err)
	}
	check := func(urn string, want ...string) {
		t.Helper()
		lots, known := tl.LotsOf(epcBytes(t, urn))
		if known != (len(want) > 0) || !slices.Equal(lots, want) {
			t.Errorf("%s: %v %v, want %v", urn, lots, known, want)
		}
	}
	check("urn:epc:id:sgtin:0614141.812345.1", lotA.Key())
	check("urn:epc:id:sgtin:0614141.812345.150", lotB.Key())
	check("urn:epc:id:sgtin:0614141.812345.201")
	check("urn:epc:id:sgtin:0614141.899999.77", lotC.Key())
	check("urn:epc:id:sscc:0614141.1234567890", lotA.Key(), lotB.Key()) // a pallet stands for its cases' lots
	if lots, known := tl.LotsOf([]byte{0xE2, 0x80, 0x11, 0x60}); known || lots != nil {
		t.Errorf("non-EPC tag resolved to %v", lots)
	}

	// The cloud's lot map overrides the file for the tags it names; the rest stays.
	n, err := tl.ApplyLotMap(&wire.LotMap{Version: 7, EPCs: map[string]string{
		"urn:epc:id:sgtin:0614141.812345.1":   lotC.Key(),
		"urn:epc:id:sgtin:0614141.812345.999": lotB.Key(),
		"urn:epc:id:nonsense":                 lotB.Key(),
		"urn:epc:id:sgtin:0614141.812345.5":   "not a lot key",
	}})
	if n != 2 || err == nil || !strings.Contains(err.Error(), "2 entries skipped") || !strings.Contains(err.Error(), "nonsense") {
		t.Fatalf("ApplyLotMap: %d, %v", n, err)
	}
	check("urn:epc:id:sgtin:0614141.812345.1", lotC.Key())
	check("urn:epc:id:sgtin:0614141.812345.999", lotB.Key())
	check("urn:epc:id:sgtin:0614141.812345.2", lotA.Key())
	// A newer lot map replaces the older one, not adds to it.
	if _, err := tl.ApplyLotMap(&wire.LotMap{Version: 8}); err != nil {
		t.Fatal(err)
	}
	check("urn:epc:id:sgtin:0614141.812345.1", lotA.Key())
	check("urn:epc:id:sgtin:0614141.812345.999")
}

func TestFormatEPC(t *testing.T) {
	if got := FormatEPC(epcBytes(t, "urn:epc:id:sgtin:0614141.812345.6789")); got != "urn:epc:id:sgtin:0614141.812345.6789" {
		t.Errorf("FormatEPC = %q", got)
	}
	raw, _ := hex.DecodeString("E2801160600002")
	if got := FormatEPC(raw); got != "hex:E2801160600002" {
		t.Errorf("FormatEPC(non-EPC) = %q", got)
	}
}

func BenchmarkTagLotsLotsOf(b *testing.B) {
	cfg := &fwconfig.Config{Lots: []fwconfig.Lot{{GTIN: "00614141123452", Lot: "A1",
		EPCs: []string{"urn:epc:idpat:sgtin:0614141.812345.[1-100000]"}}}}
	tl, err := NewTagLots(cfg)
	if err != nil {
		b.Fatal(err)
	}
	epc := epcBytes(b, "urn:epc:id:sgtin:0614141.812345.6789")
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := tl.LotsOf(epc); !ok {
			b.Fatal("not found")
		}
	}
}

func TestTagLotsOfItem(t *testing.T) {
	lotA := fwconfig.Lot{GTIN: "00614141123452", Lot: "A1", EPCs: []string{
		"urn:epc:idpat:sgtin:0614141.812345.[1-100]", "urn:epc:id:sscc:0614141.1234567890"}}
	tl, err := NewTagLots(&fwconfig.Config{Lots: []fwconfig.Lot{lotA}})
	if err != nil {
		t.Fatal(err)
	}
	// The pallet label's SSCC: extension 1, prefix 0614141, serial reference 234567890.
	sscc := "10614141234567890"
	c, _ := gs1.CheckDigit(sscc)
	sscc += string(c)
	lots, urn, known := tl.LotsOfItem(sscc, "", "")
	if !known || urn != "urn:epc:id:sscc:0614141.1234567890" || !slices.Equal(lots, []string{lotA.Key()}) {
		t.Fatalf("SSCC %s: %v %q %v", sscc, lots, urn, known)
	}
	lots, urn, known = tl.LotsOfItem("", "80614141123458", "42")
	if !known || urn != "urn:epc:id:sgtin:0614141.812345.42" || len(lots) != 1 {
		t.Fatalf("GTIN+serial: %v %q %v", lots, urn, known)
	}
	// Unknown: the first (longest-prefix) candidate is returned as the identity.
	if lots, urn, known := tl.LotsOfItem("", "80614141123458", "4242"); known || lots != nil || !strings.HasPrefix(urn, "urn:epc:id:sgtin:061414112") {
		t.Fatalf("unknown serial: %v %q %v", lots, urn, known)
	}
	if _, urn, known := tl.LotsOfItem("", "", ""); known || urn != "" {
		t.Fatal("no keys resolved to something")
	}
}
