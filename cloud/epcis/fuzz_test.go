package epcis

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// FuzzDecode: Decode never panics, refuses with an *Error, and whatever it decodes
// encodes and decodes to the same events. Seeds: the GS1 examples and our export
// (testdata), and the corpus in testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	for _, name := range append(gs1Examples, "scenario.jsonld") {
		doc, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(doc)
	}
	f.Add([]byte(`[{"type":"AggregationEvent","action":"DELETE","parentID":"urn:epc:id:sscc:0614141.1000000001","eventTime":"2026-01-01T00:00:00+01:00","eventTimeZoneOffset":"+01:00"}]`))
	lim := Limits{MaxBytes: 1 << 20, MaxEvents: 100, MaxEPCs: 1000, MaxLots: 1000}
	f.Fuzz(func(t *testing.T, doc []byte) {
		events, err := Decode(bytes.NewReader(doc), lim)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("refusal is not an *Error: %v", err)
			}
			return
		}
		var buf bytes.Buffer
		if err := Encode(context.Background(), &buf, DocumentInfo{}, Slice(events), nil); err != nil {
			t.Fatalf("decoded events do not encode: %v", err)
		}
		again, err := Decode(bytes.NewReader(buf.Bytes()), Limits{})
		if err != nil {
			t.Fatalf("our own export does not decode: %v\n%s", err, buf.Bytes())
		}
		if !reflect.DeepEqual(again, events) {
			t.Fatalf("decode(encode(decode(doc))) differs from decode(doc):\n%s", buf.Bytes())
		}
	})
}

// TestFuzzCorpusDecodes keeps the seed corpus useful: every seed decodes, so the
// fuzzer starts from documents that reach the mapping, not from refusals.
func TestFuzzCorpusDecodes(t *testing.T) {
	files, err := filepath.Glob("testdata/fuzz/FuzzDecode/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		lit, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "go test fuzz v1\n[]byte(")
		doc, err := strconv.Unquote(strings.TrimSuffix(lit, ")"))
		if !ok || err != nil {
			t.Fatalf("%s: not a corpus file: %v", name, err)
		}
		events, err := Decode(strings.NewReader(doc), Limits{})
		if err != nil || len(events) == 0 {
			t.Errorf("%s: %d events, %v", name, len(events), err)
		}
	}
}
