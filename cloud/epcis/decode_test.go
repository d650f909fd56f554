package epcis

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/lotsense/lotsense/cloud/trace"
)

const head = `{"@context":["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-01-01T00:00:00Z","epcisBody":{"eventList":[`

// doc wraps events in a document.
func doc(events ...string) string { return head + strings.Join(events, ",") + `]}}` }

const okEvent = `{"type":"ObjectEvent","action":"OBSERVE","eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00","epcList":["urn:epc:id:sgtin:0614141.107346.1"]`

func TestDecodeRefusals(t *testing.T) {
	for _, tc := range []struct{ name, doc, err string }{
		{"not JSON", `{"type":`, "epcis: type: document ends too soon"},
		{"JSON syntax", doc(okEvent + `,}`), "epcis: epcisBody.eventList[0]: JSON syntax error: invalid character '}' looking for beginning of object key string"},
		{"a string", `"EPCISDocument"`, "epcis: want an EPCISDocument object or an array of events"},
		{"no type", `{"schemaVersion":"2.0","epcisBody":{"eventList":[]}}`, `epcis: type: missing, want "EPCISDocument"`},
		{"query document", `{"type":"EPCISQueryDocument","schemaVersion":"2.0","epcisBody":{}}`, `epcis: type: EPCISQueryDocument is not accepted for capture, want "EPCISDocument"`},
		{"EPCIS 1.2", `{"type":"EPCISDocument","schemaVersion":"1.2","epcisBody":{"eventList":[]}}`, `epcis: schemaVersion: "1.2", want "2.0"`},
		{"no body", `{"type":"EPCISDocument","schemaVersion":"2.0"}`, "epcis: epcisBody: missing"},
		{"no event list", `{"type":"EPCISDocument","schemaVersion":"2.0","epcisBody":{}}`, "epcis: epcisBody.eventList: missing"},
		{"trailing data", doc() + `{}`, "epcis: data after the document"},
		{"event not an object", doc(`42`), "epcis: epcisBody.eventList[0]: want an event object"},
		{"association event", doc(`{"type":"AssociationEvent","eventID":"urn:uuid:1"}`),
			"epcis: epcisBody.eventList[0].type (urn:uuid:1): AssociationEvent is not accepted: lotsense records ObjectEvent, AggregationEvent and TransformationEvent"},
		{"no event time", doc(`{"type":"ObjectEvent","action":"ADD"}`), "epcis: epcisBody.eventList[0].eventTime: missing"},
		{"bad event time", doc(`{"type":"ObjectEvent","action":"ADD","eventTime":"yesterday"}`),
			`epcis: epcisBody.eventList[0].eventTime: "yesterday", want an RFC 3339 date and time`},
		{"bad offset", doc(`{"type":"ObjectEvent","action":"ADD","eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"Z"}`),
			`epcis: epcisBody.eventList[0].eventTimeZoneOffset: "Z", want ±hh:mm from -14:00 to +14:00`},
		{"no action", doc(`{"type":"ObjectEvent","eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00"}`),
			"epcis: epcisBody.eventList[0].action: missing, want ADD, OBSERVE or DELETE"},
		{"epcList not a list", doc(okEvent + `,"epcList":"urn:epc:id:sgtin:0614141.107346.1"}`),
			"epcis: epcisBody.eventList[0].epcList: want an array of EPC URIs"},
		{"bad lgtin", doc(okEvent + `,"quantityList":[{"epcClass":"urn:epc:class:lgtin:0614141.10734.L1","quantity":1}]}`),
			`epcis: epcisBody.eventList[0].quantityList[0].epcClass: "urn:epc:class:lgtin:0614141.10734.L1": want a company prefix of 6 to 12 digits and an item reference making 13 digits together`},
		{"bad lot", doc(okEvent + `,"quantityList":[{"epcClass":"urn:epc:class:lgtin:0614141.107346.L%201","quantity":1}]}`),
			`epcis: epcisBody.eventList[0].quantityList[0].epcClass: "urn:epc:class:lgtin:0614141.107346.L%201": gs1: lot "L 1" has ' ' at position 2, want letters, digits or !"%&'()*+,-./:;<=>?_: character not allowed`},
		{"quantity a string", doc(okEvent + `,"quantityList":[{"epcClass":"urn:epc:class:lgtin:0614141.107346.L1","quantity":"3"}]}`),
			"epcis: epcisBody.eventList[0].quantityList[0].quantity: want a number"},
		{"bad sgln", doc(okEvent + `,"bizLocation":{"id":"urn:epc:id:sgln:0614141.0001.0"}}`),
			`epcis: epcisBody.eventList[0].bizLocation.id: "urn:epc:id:sgln:0614141.0001.0": want urn:epc:id:sgln:<company prefix>.<location reference>.<extension>, 12 digits before the extension`},
		{"place without site", doc(okEvent + `,"readPoint":{"id":"urn:lotsense:place:dock-1"}}`),
			`epcis: epcisBody.eventList[0].readPoint.id: "urn:lotsense:place:dock-1": want urn:lotsense:place:<site>/<location>`},
		{"lotsense type of another kind", doc(okEvent + `,"lotsense:type":"transformation"}`),
			`epcis: epcisBody.eventList[0].lotsense:type: "transformation" does not fit a ObjectEvent`},
		{"bad document number", doc(okEvent + `,"bizTransactionList":[{"type":"po","bizTransaction":"urn:epcglobal:cbv:bt:0000000000000:%zz"}]}`),
			`epcis: epcisBody.eventList[0].bizTransactionList[0].bizTransaction: bad %-escape in "%zz"`},
		{"reserved member", doc(okEvent + `,"lotsense:sensorElementRest":[]}`),
			"epcis: epcisBody.eventList[0].lotsense:sensorElementRest: reserved for lotsense's own use"},
		{"not UTF-8", doc(okEvent + `,"x":"` + "\xff" + `"}`), "epcis: epcisBody.eventList[0]: not UTF-8"},
		{"bare list, second event", `[` + okEvent + `},{"type":"ObjectEvent"}]`, "epcis: [1].eventTime: missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(tc.doc), Limits{})
			if err == nil || err.Error() != tc.err {
				t.Fatalf("Decode: %v\n          want %s", err, tc.err)
			}
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, trace.ErrInvalid) || errors.Is(err, ErrTooLarge) {
				t.Errorf("%v: want an *Error wrapping trace.ErrInvalid only", err)
			}
		})
	}
}

func TestDecodeLimits(t *testing.T) {
	epcs := func(n int) string {
		s := make([]string, n)
		for i := range s {
			s[i] = `"urn:epc:id:sgtin:0614141.107346.1"`
		}
		return `{"type":"ObjectEvent","action":"OBSERVE","eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00","epcList":[` + strings.Join(s, ",") + `]}`
	}
	lots := `{"type":"ObjectEvent","action":"OBSERVE","eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00","quantityList":[
		{"epcClass":"urn:epc:class:lgtin:0614141.107346.L1"},{"epcClass":"urn:epc:idpat:sgtin:0614141.107346.*"},{"epcClass":"urn:epc:class:lgtin:0614141.107346.L2"}]}`
	for _, tc := range []struct {
		name string
		lim  Limits
		doc  string
		err  string
	}{
		{"bytes", Limits{MaxBytes: 100}, doc(epcs(1)), "epcis: document larger than 100 bytes"},
		{"events", Limits{MaxEvents: 2}, doc(epcs(1), epcs(1), epcs(1)), "epcis: epcisBody.eventList[2]: more than 2 events"},
		{"EPCs", Limits{MaxEPCs: 3}, doc(epcs(3), epcs(4)), "epcis: epcisBody.eventList[1].epcList: 4 EPCs, at most 3"},
		{"lots", Limits{MaxLots: 2}, doc(lots), "epcis: epcisBody.eventList[0].quantityList[2]: more than 2 quantity elements"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(tc.doc), tc.lim)
			if err == nil || err.Error() != tc.err {
				t.Fatalf("Decode: %v\n          want %s", err, tc.err)
			}
			if !errors.Is(err, ErrTooLarge) || !errors.Is(err, trace.ErrInvalid) {
				t.Errorf("%v: want ErrTooLarge and trace.ErrInvalid", err)
			}
		})
	}
	// Just within the limits.
	if _, err := Decode(strings.NewReader(doc(epcs(3), epcs(3))), Limits{MaxEvents: 2, MaxEPCs: 3, MaxBytes: int64(len(doc(epcs(3), epcs(3))))}); err != nil {
		t.Errorf("at the limits: %v", err)
	}
}

// TestDecodeForms: the other spellings EPCIS documents use decode to the same event.
func TestDecodeForms(t *testing.T) {
	plain := doc(okEvent + `,"bizStep":"receiving","disposition":"in_progress","bizLocation":{"id":"urn:epc:id:sgln:0614141.00003.0"},
		"quantityList":[{"epcClass":"urn:epc:class:lgtin:0614141.107346.A%2FB","quantity":2,"uom":"KGM"},{"epcClass":"urn:epc:class:lgtin:0614141.107346.L1","quantity":5}],
		"bizTransactionList":[{"type":"po","bizTransaction":"urn:epcglobal:cbv:bt:0000000000000:4501"}],
		"sourceList":[{"type":"location","source":"urn:epc:id:sgln:0810001.00001.0"}],
		"sensorElementList":[{"sensorReport":[{"type":"Temperature","value":4.5,"uom":"CEL"}]}]}`)
	other := doc(okEvent + `,"bizStep":"https://ref.gs1.org/cbv/BizStep-receiving","disposition":"urn:epcglobal:cbv:disp:in_progress","bizLocation":{"id":"https://id.gs1.org/414/0614141000036"},
		"quantityList":[{"epcClass":"https://id.gs1.org/01/10614141073464/10/A%2FB","quantity":2,"uom":"KGM"},{"epcClass":"urn:epc:class:lgtin:061414107.1346.L1","quantity":5,"uom":"EA"}],
		"bizTransactionList":[{"type":"https://ref.gs1.org/cbv/BTT-po","bizTransaction":"urn:epcglobal:cbv:bt:0000000000000:4501"}],
		"sourceList":[{"type":"https://ref.gs1.org/cbv/SDT-location","source":"urn:epc:id:sgln:081000100.001.0"}],
		"sensorElementList":[{"sensorReport":[{"type":"gs1:Temperature","value":4.5,"uom":"CEL"}]}]}`)
	a, err := Decode(strings.NewReader(plain), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Decode(strings.NewReader(other), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if show1, show2 := eventJSON(t, a), eventJSON(t, b); show1 != show2 {
		t.Errorf("\n%s\n%s", show1, show2)
	}
	e := a[0]
	if e.Type != trace.Receiving || e.Location != "0614141000036" || e.ShipFrom != "0810001000011" ||
		e.Lots[0] != (trace.LotQuantity{GTIN: "10614141073464", Lot: "A/B", Quantity: 2, Unit: "KGM"}) ||
		e.Lots[1] != (trace.LotQuantity{GTIN: "10614141073464", Lot: "L1", Quantity: 5, Unit: "EA"}) ||
		e.Documents[0] != (trace.Document{Type: "po", ID: "4501"}) || *e.Sensors[0].Values[0].Value != 4.5 {
		t.Errorf("%s", eventJSON(t, a))
	}
}

func eventJSON(t *testing.T, events []*trace.Event) string {
	t.Helper()
	var buf bytes.Buffer
	for _, e := range events {
		b, err := jsonMarshal(e)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(b)
	}
	return buf.String()
}
