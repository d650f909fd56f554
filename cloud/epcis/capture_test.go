package epcis

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/lotsense/lotsense/cloud/trace"
)

func decodeFile(t *testing.T, name string) []*trace.Event {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	events, err := Decode(f, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return events
}

func extra(pairs ...string) map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	for i := 0; i < len(pairs); i += 2 {
		m[pairs[i]] = json.RawMessage(pairs[i+1])
	}
	return m
}

func num(v float64) *float64 { return &v }

// reencode encodes events (no product registry) and decodes them again: the events
// must come back equal, and the document must be schema-valid.
func reencode(t *testing.T, events []*trace.Event) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(context.Background(), &buf, DocumentInfo{}, Slice(events), nil); err != nil {
		t.Fatal(err)
	}
	again, err := Decode(bytes.NewReader(buf.Bytes()), Limits{})
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.Bytes())
	}
	if !reflect.DeepEqual(again, events) {
		t.Errorf("decode(encode(events)) differs:\n%s", buf.Bytes())
	}
	if err := validate(t, buf.Bytes()); err != nil {
		t.Errorf("re-export is not schema-valid: %v\n%s", err, buf.Bytes())
	}
	return buf.Bytes()
}

func TestCaptureGS1ObjectEvents(t *testing.T) {
	got := decodeFile(t, "Example_9.6.1-ObjectEvent.jsonld")
	want := []*trace.Event{{
		EventID: "ni:///sha-256;df7bb3c352fef055578554f09f5e2aa41782150ced7bd0b8af24dd3ccb30ba69?ver=CBV2.0",
		Type:    trace.Shipping, Action: "OBSERVE", BizStep: "shipping", Disposition: "in_transit",
		EPCs:      []string{"urn:epc:id:sgtin:0614141.107346.2017", "urn:epc:id:sgtin:0614141.107346.2018"},
		Time:      time.Date(2005, 4, 4, 2, 33, 31, 116_000_000, time.UTC),
		TimeZone:  "-06:00",
		Documents: []trace.Document{{Type: "po", ID: "http://transaction.acme.com/po/12345678"}},
		// An sgln with an extension is a read point lotsense cannot name by GLN.
		Extra: extra("readPoint", `{"id":"urn:epc:id:sgln:0614141.07346.1234"}`),
	}, {
		EventID: "ni:///sha-256;00e1e6eba3a7cc6125be4793a631f0af50f8322e0ab5f2c0bab994a11cec1d79?ver=CBV2.0",
		Type:    trace.Receiving, Action: "OBSERVE", BizStep: "receiving", Disposition: "in_progress",
		EPCs:     []string{"urn:epc:id:sgtin:0614141.107346.2018"},
		Time:     time.Date(2005, 4, 5, 2, 33, 31, 116_000_000, time.UTC),
		TimeZone: "-06:00",
		Location: "0012345111112",
		Documents: []trace.Document{{Type: "po", ID: "http://transaction.acme.com/po/12345678"},
			{Type: "desadv", ID: "urn:epcglobal:cbv:bt:0614141073467:1152"}},
		Extra: extra("readPoint", `{"id":"urn:epc:id:sgln:0012345.11111.400"}`,
			"example:myField", `"Example of a vendor/user extension"`),
	}}
	if !reflect.DeepEqual(got, want) {
		for i := range got {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, *got[i], *want[i])
		}
	}
	doc := reencode(t, got)
	if !bytes.Contains(doc, []byte(`"example:myField": "Example of a vendor/user extension"`)) {
		t.Errorf("the extension field is not written back at the event's top level:\n%s", doc)
	}
}

func TestCaptureGS1TransformationEvent(t *testing.T) {
	got := decodeFile(t, "Example_9.6.4-TransformationEvent.jsonld")
	if len(got) != 1 {
		t.Fatalf("%d events, want 1", len(got))
	}
	e := got[0]
	wantInputs := []trace.LotQuantity{
		{GTIN: "04012345111118", Lot: "4444", Quantity: 10, Unit: "KGM"},
		{GTIN: "00614141777778", Lot: "987", Quantity: 30, Unit: "EA"}, // no uom: a count
	}
	if !reflect.DeepEqual(e.Inputs, wantInputs) {
		t.Errorf("inputs %+v, want %+v", e.Inputs, wantInputs)
	}
	if e.Outputs != nil {
		t.Errorf("outputs %+v, want none (the outputs are EPCs)", e.Outputs)
	}
	if e.Type != trace.Transformation || e.BizStep != "commissioning" || e.Disposition != "in_progress" ||
		e.ReadPoint != "4012345000016" || e.TimeZone != "+02:00" || !e.Time.Equal(time.Date(2013, 10, 31, 14, 58, 56, 591_000_000, time.UTC)) {
		t.Errorf("event %+v", *e)
	}
	wantExtra := extra(
		"inputQuantityList", `[{"epcClass":"urn:epc:idpat:sgtin:4012345.066666.*","quantity":220}]`,
		"inputEPCList", `["urn:epc:id:sgtin:4012345.011122.25","urn:epc:id:sgtin:4000001.065432.99886655"]`,
		"outputEPCList", `["urn:epc:id:sgtin:4012345.077889.25","urn:epc:id:sgtin:4012345.077889.26","urn:epc:id:sgtin:4012345.077889.27","urn:epc:id:sgtin:4012345.077889.28"]`,
		"ilmd", `{"example:bestBeforeDate":"2014-12-10","example:batch":"XYZ"}`,
		"example:myField", `"Example of a vendor/user extension"`,
	)
	if !reflect.DeepEqual(e.Extra, wantExtra) {
		t.Errorf("extra:\n got %s\nwant %s", show(e.Extra), show(wantExtra))
	}
	reencode(t, got)
	// Decoding keeps it, but the store records transformations from lots to lots:
	// Check refuses it, naming the event.
	err := Check(got)
	if err == nil || err.Error() != "epcis: eventList[0] ("+e.EventID+"): transformation event: a transformation needs inputs and outputs" {
		t.Errorf("Check: %v", err)
	}
}

func show(m map[string]json.RawMessage) string {
	b, _ := json.Marshal(m)
	return string(b)
}

func TestCaptureGS1SensorData(t *testing.T) {
	got := decodeFile(t, "SensorDataExample1.jsonld")
	if len(got) != 1 {
		t.Fatalf("%d events, want 1", len(got))
	}
	e := got[0]
	if e.Type != trace.Observation || e.BizStep != "inspecting" || e.ReadPoint != "4012345000054" || len(e.Sensors) != 3 {
		t.Fatalf("event %+v", *e)
	}
	at := func(h, m int) time.Time { return time.Date(2019, 4, 2, h, m, 0, 0, time.UTC) }
	want := trace.SensorReport{DeviceID: "urn:epc:id:giai:4000001.111", Time: at(13, 35), Values: []trace.SensorReading{
		{Type: "Temperature", Value: num(26.1), UOM: "CEL"},
		{Type: "AbsoluteHumidity", Value: num(12.2), UOM: "A93"},
		{Type: "Speed", Value: num(161), UOM: "KMH"},
		{Type: "Illuminance", Value: num(801), UOM: "LUX"},
	}}
	if !reflect.DeepEqual(e.Sensors[1], want) {
		t.Errorf("second sensor element %+v, want %+v", e.Sensors[1], want)
	}
	// deviceMetadata and rawData have no field in trace.SensorReport: kept aside
	// and merged back into the elements.
	rest := `{"sensorMetadata":{"deviceMetadata":"https://id.gs1.org/8004/4000001111","rawData":"https://example.org/8004/401234599999"}}`
	if got, want := string(e.Extra[extSensorRest]), "["+rest+","+rest+","+rest+"]"; got != want {
		t.Errorf("sensor rest %s, want %s", got, want)
	}
	doc := reencode(t, got)
	if !bytes.Contains(doc, []byte(`{"sensorMetadata":{"time":"2019-04-02T14:35:00+01:00","deviceID":"urn:epc:id:giai:4000001.111","deviceMetadata":"https://id.gs1.org/8004/4000001111","rawData":"https://example.org/8004/401234599999"},"sensorReport":[{"type":"Temperature","value":26.1,"uom":"CEL"}`)) {
		t.Errorf("the sensor element is not written back whole:\n%s", doc)
	}
	if bytes.Contains(doc, []byte(extSensorRest)) {
		t.Errorf("%s written out", extSensorRest)
	}
}

// TestCaptureRecords: Capture into a store records every event or none.
func TestCaptureRecords(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	doc, err := os.ReadFile("testdata/Example_9.6.1-ObjectEvent.jsonld")
	if err != nil {
		t.Fatal(err)
	}
	events, n, err := Capture(ctx, st, bytes.NewReader(doc), Limits{}, "epcis:test-1")
	if err != nil || n != 2 || len(events) != 2 {
		t.Fatalf("Capture: %d new of %d, %v", n, len(events), err)
	}
	e, err := st.Event(ctx, events[1].EventID)
	if err != nil {
		t.Fatal(err)
	}
	if e.Source != "epcis:test-1" || e.Recorded.IsZero() || e.Location != "0012345111112" || string(e.Extra["example:myField"]) != `"Example of a vendor/user extension"` {
		t.Errorf("recorded %+v", *e)
	}
	if _, n, err := Capture(ctx, st, bytes.NewReader(doc), Limits{}, "epcis:test-2"); err != nil || n != 0 {
		t.Errorf("second capture of the same document: %d new, %v; want 0 (same eventIDs)", n, err)
	}

	// A document whose second event the store would refuse records nothing.
	bad := []byte(`{"type":"EPCISDocument","schemaVersion":"2.0","epcisBody":{"eventList":[
	  {"type":"ObjectEvent","action":"OBSERVE","eventID":"urn:uuid:6f1c0000-0000-4000-8000-0000000000aa","eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00","epcList":["urn:epc:id:sgtin:0614141.107346.1"]},
	  {"type":"ObjectEvent","action":"OBSERVE","eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00","quantityList":[{"epcClass":"urn:epc:class:lgtin:0614141.107346.L1","quantity":-1,"uom":"KGM"}]}]}}`)
	_, _, err = Capture(ctx, st, bytes.NewReader(bad), Limits{}, "epcis:test-3")
	const msg = "epcis: eventList[1]: observation event: lots[0] 10614141073464/L1: quantity -1, want a finite number ≥ 0"
	if err == nil || err.Error() != msg {
		t.Errorf("Capture: %v\nwant %s", err, msg)
	}
	if _, err := st.Event(ctx, "urn:uuid:6f1c0000-0000-4000-8000-0000000000aa"); err == nil {
		t.Errorf("the first event of a refused document was recorded")
	}
}
