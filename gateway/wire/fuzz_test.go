package wire

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// seedExamples adds the README's example payloads of a kind to the corpus.
func seedExamples(f *testing.F, kind string) {
	if p, err := os.ReadFile(filepath.Join("testdata", "examples", kind+".json")); err == nil {
		f.Add(p)
	}
}

func FuzzDecodeReadings(f *testing.F) {
	for _, n := range []int{1, 3, 12} {
		f.Add(mustEncode(f, sampleBatch(n)))
		p, err := EncodeReadingsJSON(sampleBatch(n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(p)
	}
	f.Add(handBatch(1, goodReading...))
	seedExamples(f, "readings")
	var e ReadingEncoder
	f.Fuzz(func(t *testing.T, p []byte) {
		b, err := DecodeReadings(p)
		if err != nil {
			if b != nil {
				t.Fatal("a batch and an error")
			}
			return
		}
		q, err := e.Encode(nil, b)
		if err != nil {
			t.Fatalf("accepted batch does not encode: %v", err)
		}
		again, err := DecodeReadings(q)
		if err != nil {
			t.Fatalf("re-encoded batch refused: %v", err)
		}
		equalBatches(t, b, again)
		if j, err := EncodeReadingsJSON(again); err != nil {
			t.Fatalf("accepted batch has no JSON form: %v", err)
		} else if _, err := DecodeReadings(j); err != nil {
			t.Fatalf("JSON form refused: %v\n%s", err, j)
		}
	})
}

// fuzzJSON checks a JSON decoder: no panic, and what it accepts re-encodes to JSON it
// accepts again, unchanged.
func fuzzJSON[T any](f *testing.F, kind string, decode func([]byte) (*T, error), seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	seedExamples(f, kind)
	f.Fuzz(func(t *testing.T, p []byte) {
		v, err := decode(p)
		if err != nil {
			if v != nil {
				t.Fatal("a value and an error")
			}
			return
		}
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("accepted payload does not re-encode: %v", err)
		}
		w, err := decode(j)
		if err != nil {
			t.Fatalf("re-encoded payload refused: %v\n%s", err, j)
		}
		if k, _ := json.Marshal(w); !bytes.Equal(j, k) {
			t.Fatalf("payload changed on a round trip:\n%s\n%s", j, k)
		}
	})
}

func FuzzDecodeEvents(f *testing.F) {
	fuzzJSON(f, "events", DecodeEvents,
		batchHead+`"events":[{"time":"2026-03-14T09:26:53Z","synced":true,"type":"receiving","location":"dock-3","lots":["`+lotA+`"],"epcs":["urn:epc:id:sgtin:0614141.107346.2017"],"direction":"in","attrs":{"po":"4711"}}]}`,
		batchHead+`"events":[{"time":"2026-03-14T09:26:53.123456789+02:00","type":"shipping"}]}`)
}

func FuzzDecodeAlarms(f *testing.F) {
	fuzzJSON(f, "alarms", DecodeAlarms,
		batchHead+`"alarms":[{"time":"2026-03-14T09:26:53Z","kind":"excursion","state":"raised","severity":"critical","sensor":"cr1-t1","lots":["`+lotA+`"],"message":"8.4 °C"}]}`)
}

func FuzzDecodeStatus(f *testing.F) {
	fuzzJSON(f, "status-online", DecodeStatus,
		`{"v":1,"site":"acme-atl","gateway":"coldroom-1","boot":"b","state":"online","time":"2026-03-14T09:26:53Z","version":"0.4.0","pending":3}`,
		`{"v":1,"site":"acme-atl","gateway":"coldroom-1","state":"offline"}`)
}

func FuzzParseTopic(f *testing.F) {
	for _, k := range append(append([]Kind{}, UpKinds...), DownKinds...) {
		f.Add(Topic("acme-atl", "coldroom-1", k))
	}
	f.Add("lotsense/v1/+/+/readings")
	f.Add("lotsense/v1/a/b/c/d")
	f.Fuzz(func(t *testing.T, topic string) {
		site, gw, kind, err := ParseTopic(topic)
		if err != nil {
			return
		}
		if got := Topic(site, gw, kind); got != topic {
			t.Fatalf("ParseTopic(%q) rebuilds as %q", topic, got)
		}
		if CheckID("site", site) != nil || CheckID("gateway", gw) != nil || !(kind.Up() || kind.Down()) {
			t.Fatalf("ParseTopic(%q) accepted %q %q %q", topic, site, gw, kind)
		}
	})
}

func FuzzDecodeLotMap(f *testing.F) {
	fuzzJSON(f, "lotmap", DecodeLotMap,
		`{"v":1,"site":"acme-atl","version":3,"time":"2026-03-14T09:21:08Z","locations":{"cold-room-1":["`+lotA+`"]},"epcs":{"urn:epc:id:sgtin:9506000.013435.2001":"`+lotA+`"}}`)
}
