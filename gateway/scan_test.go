package gateway

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/gs1"
	fwconfig "github.com/lotsense/lotsense/firmware-config"
	"github.com/lotsense/lotsense/gateway/wire"
)

const (
	scanGTIN = "09506000134352"
	scanLot  = "(01)09506000134352(10)L42"
)

func sscc(t *testing.T, body17 string) string {
	t.Helper()
	c, err := gs1.CheckDigit(body17)
	if err != nil {
		t.Fatal(err)
	}
	return body17 + string(c)
}

func TestDecideScan(t *testing.T) {
	at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	pallet := sscc(t, "39506000000000047")
	unknownPallet := sscc(t, "39506000000000999")
	tags, err := NewTagLots(&fwconfig.Config{Lots: []fwconfig.Lot{
		{GTIN: scanGTIN, Lot: "P7", EPCs: []string{"urn:epc:id:sscc:9506000.3000000047"}},
		{GTIN: scanGTIN, Lot: "S9", EPCs: []string{"urn:epc:idpat:sgtin:9506000.013435.[1-99]"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, urn, ok := tags.LotsOfItem(pallet, "", ""); !ok {
		t.Fatalf("test setup: pallet %s is %s, not in the tag table", pallet, urn)
	}
	var holds Holds
	holds.apply(&wire.Holds{Version: 1, Lots: []string{"(01)09506000134352(10)HELD"}})

	recv := &fwconfig.Station{ID: "recv-1", Role: fwconfig.RoleReceiving, Location: "dock-1", Into: "room"}
	put := &fwconfig.Station{ID: "put-1", Role: fwconfig.RolePutaway, Location: "room"}
	pick := &fwconfig.Station{ID: "pick-1", Role: fwconfig.RolePicking, Location: "room"}
	ship := &fwconfig.Station{ID: "ship-1", Role: fwconfig.RoleShipping, Location: "dock-2", ShipTo: "9506000134109", FNC1: "^"}

	gs := "\x1d"
	cases := []struct {
		name   string
		st     *fwconfig.Station
		sym    string
		data   string
		typ    string
		lots   []string
		reject string // substring of the reason
		attrs  map[string]string
		check  func(t *testing.T, o scanOutcome)
	}{
		{name: "GS1 DataMatrix case label", st: recv, sym: "]d2", data: "0109506000134352" + "17271231" + "10L42" + gs + "3010",
			typ: "receiving", lots: []string{scanLot},
			attrs: map[string]string{"gtin": scanGTIN, "lot": "L42", "expiry": "2027-12-31", "quantity": "10", "inside": "room", "symbology": "]d2"},
			check: func(t *testing.T, o scanOutcome) {
				if o.Arrive != "room" || o.Count != 10 || o.Identity != "" || o.Event.Direction != "in" {
					t.Errorf("presence %+v", o)
				}
			}},
		{name: "human-readable form, putaway", st: put, data: "(01)09506000134352(10)L42(3103)012500",
			typ: "putaway", lots: []string{scanLot}, attrs: map[string]string{"net_weight": "12.500 kg", "quantity": "1"},
			check: func(t *testing.T, o scanOutcome) {
				if o.Arrive != "room" || o.Count != 1 {
					t.Errorf("presence %+v", o)
				}
			}},
		{name: "Digital Link on a QR code, picking", st: pick, sym: "]Q1", data: "https://example.com/01/09506000134352/10/L42?17=270630",
			typ: "picking", lots: []string{scanLot}, attrs: map[string]string{"expiry": "2027-06-30"},
			check: func(t *testing.T, o scanOutcome) {
				if o.Leave != "room" || o.Arrive != "" {
					t.Errorf("presence %+v", o)
				}
			}},
		{name: "known pallet stands for its contents", st: recv, sym: "]C1", data: "00" + pallet,
			typ: "receiving", lots: []string{"(01)09506000134352(10)P7"}, attrs: map[string]string{"sscc": pallet},
			check: func(t *testing.T, o scanOutcome) {
				if o.Identity != "urn:epc:id:sscc:9506000.3000000047" || !slices.Equal(o.Event.EPCs, []string{o.Identity}) {
					t.Errorf("identity %q, EPCs %v", o.Identity, o.Event.EPCs)
				}
			}},
		{name: "serialised case resolves through the tag table", st: recv, data: "(01)09506000134352(21)42",
			typ: "receiving", lots: []string{"(01)09506000134352(10)S9"}, attrs: map[string]string{"serial": "42"}},
		{name: "GS1 logistic label: SSCC, content GTIN, count, lot", st: recv, sym: "]C1",
			data: "00" + unknownPallet + "0209506000134352" + "3724" + gs + "10L42",
			typ:  "receiving", lots: []string{scanLot}, attrs: map[string]string{"gtin": scanGTIN, "quantity": "24", "sscc": unknownPallet},
			check: func(t *testing.T, o scanOutcome) {
				if !strings.HasPrefix(o.Identity, "urn:epc:id:sscc:") || o.Arrive != "room" {
					t.Errorf("identity %q arrive %q", o.Identity, o.Arrive)
				}
			}},
		{name: "unknown pallet without lot", st: recv, data: "00" + unknownPallet, typ: TypeScanRejected,
			reject: "is not known here"},
		{name: "GTIN without lot", st: recv, data: "0109506000134352", typ: TypeScanRejected, reject: "no lot"},
		{name: "wrong check digit", st: recv, sym: "]d2", data: "0109506000134353" + "10L42", typ: TypeScanRejected,
			reject: "unreadable: gs1: AI (01)"},
		{name: "not a barcode we know", st: recv, data: "HELLO\x00", typ: TypeScanRejected, reject: "unreadable",
			attrs: map[string]string{"data": `HELLO\x00`, "role": "receiving"}},
		{name: "held lot at shipping", st: ship, data: "(01)09506000134352(10)HELD", typ: TypeScanRejected,
			lots: []string{"(01)09506000134352(10)HELD"}, reject: "on hold",
			check: func(t *testing.T, o scanOutcome) {
				if len(o.Held) != 1 || o.Depart {
					t.Errorf("held %v depart %v", o.Held, o.Depart)
				}
			}},
		{name: "shipping with the station's FNC1 substitute", st: ship, data: "0109506000134352" + "10L42^" + "4109506000134109",
			typ: "shipping", lots: []string{scanLot}, attrs: map[string]string{"ship_to": "9506000134109"},
			check: func(t *testing.T, o scanOutcome) {
				if !o.Depart || o.Event.Direction != "out" {
					t.Errorf("%+v", o)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := decideScan(c.st, drivers.Scan{Scanner: "s", Data: []byte(c.data), Symbology: c.sym}, at, tags, &holds)
			e := o.Event
			if e.Type != c.typ || !slices.Equal(e.Lots, c.lots) || e.Location != c.st.Location || !e.Time.Equal(at) ||
				e.Attrs["station"] != c.st.ID || e.Attrs["source"] != "scan" {
				t.Fatalf("event %+v, want type %s lots %v at %s", e, c.typ, c.lots, c.st.Location)
			}
			if (c.reject == "") != (o.Rejected == "") || !strings.Contains(o.Rejected, c.reject) || e.Attrs["reason"] != o.Rejected {
				t.Fatalf("rejected %q (attr %q), want %q", o.Rejected, e.Attrs["reason"], c.reject)
			}
			for k, v := range c.attrs {
				if e.Attrs[k] != v {
					t.Errorf("attrs[%s] = %q, want %q (all: %v)", k, e.Attrs[k], v, e.Attrs)
				}
			}
			if c.check != nil {
				c.check(t, o)
			}
		})
	}
}

func TestEcho(t *testing.T) {
	if got := echo([]byte("01\x1d10\\A\xff")); got != `01\x1D10\x5CA\xFF` {
		t.Errorf("echo = %q", got)
	}
	if got := echo([]byte(strings.Repeat("x", 300))); len(got) != maxScanEcho+len("…") {
		t.Errorf("echo of 300 bytes is %d long", len(got))
	}
}
