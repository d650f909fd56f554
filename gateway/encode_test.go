package gateway

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/lotsense/lotsense/gateway/outbox"
	"github.com/lotsense/lotsense/gateway/wire"
)

func readingRecords(rs []wire.Reading) [][]byte {
	recs := make([][]byte, len(rs))
	for i := range rs {
		recs[i] = appendReadingRecord(nil, &rs[i])
	}
	return recs
}

func TestEncodeReadings(t *testing.T) {
	e := newEncoder("acme-atl", "coldroom-1", "b-7f3a9c", "e-20260301-01")
	want := testReadings()
	var prev []byte
	for _, first := range []uint64{1, 1041, 1048} { // the encoder is reused: nothing may leak between batches
		rs := want[:len(want)-int(first%3)]
		topic, p, err := e.encode(outbox.Readings, first, readingRecords(rs))
		if err != nil {
			t.Fatal(err)
		}
		if topic != "lotsense/v1/acme-atl/coldroom-1/readings" {
			t.Errorf("topic %q", topic)
		}
		b, err := wire.DecodeReadings(p)
		if err != nil {
			t.Fatal(err)
		}
		h := wire.Header{Site: "acme-atl", Gateway: "coldroom-1", Boot: "b-7f3a9c", Epoch: "e-20260301-01", FirstSeq: first}
		if b.V != wire.Version || b.Header != h || len(b.Readings) != len(rs) {
			t.Fatalf("batch v%d %+v with %d readings, want %+v with %d", b.V, b.Header, len(b.Readings), h, len(rs))
		}
		for i := range rs {
			if !sameReading(&rs[i], &b.Readings[i]) {
				t.Fatalf("first %d, reading %d: got %+v, want %+v", first, i, b.Readings[i], rs[i])
			}
		}
		if prev != nil && &prev[0] == &p[0] {
			t.Fatal("payload buffer reused: paho holds the previous one until PUBACK")
		}
		prev = p
	}
}

func TestEncodeReadingsRefuses(t *testing.T) {
	e := newEncoder("acme-atl", "coldroom-1", "b", "e")
	good := readingRecords(testReadings())
	bad := good[0][:len(good[0])-1]
	if _, _, err := e.encode(outbox.Readings, 7, [][]byte{good[0], bad}); err == nil || !strings.Contains(err.Error(), "seq 8") {
		t.Errorf("corrupt record: %v, want an error naming seq 8", err)
	}
	if _, _, err := e.encode(outbox.Readings, 7, nil); err == nil {
		t.Error("an empty batch encoded")
	}
	r := testReadings()[0]
	r.Quantity = 0
	if _, _, err := e.encode(outbox.Readings, 7, [][]byte{good[0], appendReadingRecord(nil, &r)}); err == nil {
		t.Error("a reading of undefined quantity encoded")
	}
	if _, _, err := e.encode(outbox.Stream(9), 7, good); err == nil {
		t.Error("unknown stream encoded")
	}
	// After refusals, the encoder still works.
	if _, p, err := e.encode(outbox.Readings, 7, good); err != nil {
		t.Fatal(err)
	} else if _, err := wire.DecodeReadings(p); err != nil {
		t.Fatal(err)
	}
}

func jsonRecords[T any](t *testing.T, items []T) [][]byte {
	t.Helper()
	recs := make([][]byte, len(items))
	for i := range items {
		var err error
		if recs[i], err = json.Marshal(&items[i]); err != nil {
			t.Fatal(err)
		}
	}
	return recs
}

func TestEncodeEventsAndAlarms(t *testing.T) {
	e := newEncoder("acme-atl", "coldroom-1", "b-7f3a9c", "e-20260301-01")
	events := []wire.Event{
		{Time: testT0, Synced: true, Type: "receiving", Location: "dock-3", Lots: []string{testLotA, testLotB},
			EPCs: []string{"urn:epc:id:sgtin:9506000.013435.1001"}, Direction: "in", Attrs: map[string]string{"po": "4711"}},
		{Time: testT0.Add(time.Hour), Type: "shipping", Location: "dock-3", Lots: []string{testLotA}, Direction: "out"},
	}
	topic, p, err := e.encode(outbox.Events, 30, jsonRecords(t, events))
	if err != nil || topic != "lotsense/v1/acme-atl/coldroom-1/events" {
		t.Fatalf("%q, %v", topic, err)
	}
	eb, err := wire.DecodeEvents(p)
	if err != nil {
		t.Fatal(err)
	}
	if eb.FirstSeq != 30 || eb.Epoch != "e-20260301-01" || len(eb.Events) != 2 || eb.Events[0].Attrs["po"] != "4711" ||
		eb.Events[1].Direction != "out" || !eb.Events[1].Time.Equal(events[1].Time) {
		t.Errorf("events batch %+v", eb)
	}
	alarms := []wire.Alarm{
		{Time: testT0, Synced: true, Kind: "excursion", State: "raised", Severity: "critical", Location: "cold-room-1",
			Sensor: "cr1-t1", Lots: []string{testLotA}, Message: "8.4 °C for 31 min (limit 8 °C for 30 min)"},
		{Time: testT0.Add(time.Hour), Kind: "excursion", State: "cleared", Severity: "critical", Sensor: "cr1-t1"},
	}
	topic, p, err = e.encode(outbox.Alarms, 5, jsonRecords(t, alarms))
	if err != nil || topic != "lotsense/v1/acme-atl/coldroom-1/alarms" {
		t.Fatalf("%q, %v", topic, err)
	}
	ab, err := wire.DecodeAlarms(p)
	if err != nil {
		t.Fatal(err)
	}
	if ab.FirstSeq != 5 || ab.LastSeq(len(ab.Alarms)) != 6 || ab.Alarms[0].Message != alarms[0].Message || ab.Alarms[1].State != "cleared" {
		t.Errorf("alarms batch %+v", ab)
	}
	if _, _, err := e.encode(outbox.Events, 1, [][]byte{[]byte("{not json")}); err == nil {
		t.Error("corrupt event record encoded")
	}
}
