package wire

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestJSONReadingsRoundTrip(t *testing.T) {
	want := sampleBatch(40) // includes a NaN of bad quality
	p, err := EncodeReadingsJSON(want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeReadings(p)
	if err != nil {
		t.Fatal(err)
	}
	equalBatches(t, want, got)
	// And the same batch through the binary form.
	bin, err := DecodeReadings(mustEncode(t, got))
	if err != nil {
		t.Fatal(err)
	}
	equalBatches(t, want, bin)
}

func TestJSONValues(t *testing.T) {
	for _, v := range []string{`"NaN"`, `"+Inf"`, `"-Inf"`, `-0.5`, `1e+300`} {
		var r Reading
		if err := json.Unmarshal([]byte(`{"quantity":"temperature","value":`+v+`}`), &r); err != nil {
			t.Errorf("value %s: %v", v, err)
		}
		out, err := json.Marshal(r)
		if err != nil || !strings.Contains(string(out), `"value":`+v) {
			t.Errorf("value %s re-encoded as %s, %v", v, out, err)
		}
	}
	for _, v := range []string{`"nan"`, `"Inf"`, `"3"`, `true`, `[1]`} {
		var r Reading
		if err := json.Unmarshal([]byte(`{"value":`+v+`}`), &r); err == nil {
			t.Errorf("value %s accepted", v)
		}
	}
}

// readingsJSON is a valid one-reading JSON batch with one field replaced.
func readingsJSON(field, value string) []byte {
	m := map[string]string{
		"v": `1`, "site": `"acme-atl"`, "gateway": `"coldroom-1"`, "boot": `"b"`, "epoch": `"e"`,
		"first_seq": `5`, "quality": `"good"`, "value": `3.5`, "quantity": `"temperature"`, "sensor": `"t1"`,
	}
	if value == "" {
		delete(m, field)
	} else {
		m[field] = value
	}
	var b strings.Builder
	b.WriteString("{")
	for _, k := range []string{"v", "site", "gateway", "boot", "epoch", "first_seq"} {
		if v, ok := m[k]; ok {
			b.WriteString(`"` + k + `":` + v + `,`)
		}
	}
	b.WriteString(`"readings":[{"time":"2026-03-14T09:26:53Z"`)
	for _, k := range []string{"quality", "value", "quantity", "sensor"} {
		if v, ok := m[k]; ok {
			b.WriteString(`,"` + k + `":` + v)
		}
	}
	b.WriteString("}]}")
	return []byte(b.String())
}

func TestJSONReadingsRejects(t *testing.T) {
	if _, err := DecodeReadings(readingsJSON("", "")); err != nil {
		t.Fatalf("valid batch: %v", err)
	}
	cases := []struct {
		field, value string
		want         error
	}{
		{"v", `2`, ErrUnknownVersion},
		{"v", `0`, ErrUnknownVersion},
		{"v", "", ErrMalformed},
		{"v", `"1"`, ErrMalformed},
		{"v", `1.5`, ErrMalformed},
		{"first_seq", `0`, ErrMalformed},
		{"first_seq", "", ErrMalformed},
		{"first_seq", `-1`, ErrMalformed},
		{"site", `"Acme"`, ErrMalformed},
		{"site", `"acme/atl"`, ErrMalformed},
		{"gateway", `"+"`, ErrMalformed},
		{"gateway", "", ErrMalformed},
		{"epoch", `""`, ErrMalformed},
		{"value", `"+Inf"`, ErrMalformed}, // a good reading must be finite
		{"value", `"NaN"`, ErrMalformed},
		{"quantity", `"pressure"`, ErrMalformed},
		{"quantity", "", ErrMalformed},
		{"quality", `"excellent"`, ErrMalformed},
		{"sensor", `""`, ErrMalformed},
	}
	for _, c := range cases {
		p := readingsJSON(c.field, c.value)
		if b, err := DecodeReadings(p); !errors.Is(err, c.want) || b != nil {
			t.Errorf("%s=%s: %v, want %v\n%s", c.field, c.value, err, c.want, p)
		}
	}
	for _, p := range []string{`{`, `{"v":1`, `{"v":1,"readings":[]}`, `[]`, ` {"v":1}`, `{"v":1}x`} {
		if _, err := DecodeReadings([]byte(p)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", p, err)
		}
	}
	// A time that is not zero, but is at the microsecond precision of the binary form.
	if _, err := DecodeReadings(readingsJSONAt("0001-01-01T00:00:00.0000005Z")); !errors.Is(err, ErrMalformed) {
		t.Errorf("time zero at µs precision: %v, want ErrMalformed", err)
	}
	if _, err := DecodeReadings(readingsJSONAt("0001-01-01T00:00:00.000001Z")); err != nil {
		t.Errorf("time 1 µs after zero: %v", err)
	}
	// A newer gateway's payload that does not fit our types is still "unknown version".
	if _, err := DecodeReadings([]byte(`{"v":2,"readings":{"columnar":true}}`)); !errors.Is(err, ErrUnknownVersion) {
		t.Errorf("v2 with another shape: %v, want ErrUnknownVersion", err)
	}
}

func readingsJSONAt(time string) []byte {
	return []byte(strings.Replace(string(readingsJSON("", "")), "2026-03-14T09:26:53Z", time, 1))
}

const batchHead = `{"v":1,"site":"acme-atl","gateway":"coldroom-1","boot":"b","epoch":"e","first_seq":9,`

func TestDecodeEvents(t *testing.T) {
	ok := batchHead + `"events":[{"time":"2026-03-14T09:26:53Z","synced":true,"type":"receiving","location":"dock-3","lots":["` + lotA + `"]}]}`
	b, err := DecodeEvents([]byte(ok))
	if err != nil || b.FirstSeq != 9 || b.V != 1 || b.Events[0].Lots[0] != lotA || !b.Events[0].Time.Equal(time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)) {
		t.Fatalf("%+v, %v", b, err)
	}
	bad := map[string]string{
		"no events":  batchHead + `"events":[]}`,
		"null":       batchHead + `"events":null}`,
		"no type":    batchHead + `"events":[{"time":"2026-03-14T09:26:53Z"}]}`,
		"no time":    batchHead + `"events":[{"type":"shipping"}]}`,
		"bad time":   batchHead + `"events":[{"type":"shipping","time":"yesterday"}]}`,
		"many lots":  batchHead + `"events":[{"type":"shipping","time":"2026-03-14T09:26:53Z","lots":[` + manyLots(MaxLotsPerItem+1) + `]}]}`,
		"first_seq":  strings.Replace(ok, `"first_seq":9`, `"first_seq":0`, 1),
		"overflow":   strings.Replace(ok, `"first_seq":9`, `"first_seq":18446744073709551615`, 1),
		"bad site":   strings.Replace(ok, `"acme-atl"`, `"acme atl"`, 1),
		"not object": `["events"]`,
	}
	for name, p := range bad {
		if b, err := DecodeEvents([]byte(p)); !errors.Is(err, ErrMalformed) || b != nil {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
	if _, err := DecodeEvents([]byte(strings.Replace(ok, `"v":1`, `"v":2`, 1))); !errors.Is(err, ErrUnknownVersion) {
		t.Errorf("v2: %v", err)
	}
}

func manyLots(n int) string {
	return strings.TrimSuffix(strings.Repeat(`"l",`, n), ",")
}

func TestDecodeAlarms(t *testing.T) {
	ok := batchHead + `"alarms":[{"time":"2026-03-14T09:26:53Z","kind":"excursion","state":"raised","severity":"critical","sensor":"cr1-t1"}]}`
	b, err := DecodeAlarms([]byte(ok))
	if err != nil || b.Alarms[0].State != "raised" || b.Alarms[0].Sensor != "cr1-t1" {
		t.Fatalf("%+v, %v", b, err)
	}
	bad := map[string]string{
		"no alarms": batchHead + `"alarms":[]}`,
		"state":     strings.Replace(ok, `"raised"`, `"on"`, 1),
		"no kind":   strings.Replace(ok, `"kind":"excursion",`, ``, 1),
		"no time":   strings.Replace(ok, `"time":"2026-03-14T09:26:53Z",`, ``, 1),
		"first_seq": strings.Replace(ok, `"first_seq":9`, `"first_seq":0`, 1),
		"no epoch":  strings.Replace(ok, `"epoch":"e",`, ``, 1),
		"gateway":   strings.Replace(ok, `"coldroom-1"`, `"Coldroom-1"`, 1),
		"no v":      strings.Replace(ok, `"v":1,`, ``, 1),
	}
	for name, p := range bad {
		if b, err := DecodeAlarms([]byte(p)); !errors.Is(err, ErrMalformed) || b != nil {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
	if _, err := DecodeAlarms([]byte(strings.Replace(ok, `"v":1`, `"v":7`, 1))); !errors.Is(err, ErrUnknownVersion) {
		t.Errorf("v7: %v", err)
	}
}

func TestDecodeStatus(t *testing.T) {
	ok := `{"v":1,"site":"acme-atl","gateway":"coldroom-1","boot":"b","state":"online","time":"2026-03-14T09:26:53Z","pending":3}`
	s, err := DecodeStatus([]byte(ok))
	if err != nil || s.State != StateOnline || s.Pending != 3 {
		t.Fatalf("%+v, %v", s, err)
	}
	if _, err := DecodeStatus([]byte(strings.Replace(ok, "online", "offline", 1))); err != nil {
		t.Errorf("offline: %v", err)
	}
	bad := map[string]string{
		"state":   strings.Replace(ok, "online", "sleeping", 1),
		"site":    strings.Replace(ok, `"acme-atl"`, `""`, 1),
		"gateway": strings.Replace(ok, `"coldroom-1"`, `"a/b"`, 1),
		"no v":    strings.Replace(ok, `"v":1,`, ``, 1),
		"pending": strings.Replace(ok, `"pending":3`, `"pending":-3`, 1),
		"garbage": `online`,
	}
	for name, p := range bad {
		if s, err := DecodeStatus([]byte(p)); !errors.Is(err, ErrMalformed) || s != nil {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
	if _, err := DecodeStatus([]byte(strings.Replace(ok, `"v":1`, `"v":2`, 1))); !errors.Is(err, ErrUnknownVersion) {
		t.Errorf("v2: %v", err)
	}
}

func TestDecodeGeneric(t *testing.T) {
	var h Holds
	if err := Decode([]byte(`{"v":1,"site":"acme-atl","version":3,"lots":["`+lotA+`"]}`), &h, &h.V); err != nil || h.V != 1 || h.Lots[0] != lotA {
		t.Fatalf("%+v, %v", h, err)
	}
	if err := Decode([]byte(`{"v":2,"site":"acme-atl"}`), &h, &h.V); !errors.Is(err, ErrUnknownVersion) {
		t.Errorf("v2: %v", err)
	}
	if err := Decode([]byte(`{"v":1,"version":"three"}`), &h, &h.V); !errors.Is(err, ErrMalformed) {
		t.Errorf("bad field: %v", err)
	}
}
