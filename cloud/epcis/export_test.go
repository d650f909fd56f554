package epcis

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lotsense/lotsense/cloud/trace"
	"github.com/lotsense/lotsense/cloud/trace/tracetest"
)

var update = flag.Bool("update", false, "rewrite testdata/scenario.jsonld")

var docInfo = DocumentInfo{ID: "urn:uuid:6f1c0000-0000-4000-8000-d0c000000001", Created: time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)}

// openStore opens a fresh trace store on an SQLite file in a temp dir.
func openStore(t testing.TB) *trace.Store {
	t.Helper()
	st, err := trace.Open(context.Background(), filepath.Join(t.TempDir(), "trace.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func scenarioStore(t testing.TB) *trace.Store {
	t.Helper()
	st := openStore(t)
	if err := tracetest.Record(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	return st
}

func storeEvents(st *trace.Store) Events {
	return func(fn func(*trace.Event) error) error {
		return st.Events(context.Background(), trace.EventFilter{}, fn)
	}
}

func export(t testing.TB, st *trace.Store) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(context.Background(), &buf, docInfo, storeEvents(st), st); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestExportValidatesAgainstTheGS1Schema(t *testing.T) {
	doc := export(t, scenarioStore(t))
	if err := validate(t, doc); err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	var d struct {
		Body struct {
			Events []map[string]any `json:"eventList"`
		} `json:"epcisBody"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	if got, want := len(d.Body.Events), len(tracetest.Events()); got != want {
		t.Errorf("%d events, want %d", got, want)
	}
}

func TestExportGolden(t *testing.T) {
	doc := export(t, scenarioStore(t))
	if *update {
		if err := os.WriteFile("testdata/scenario.jsonld", doc, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("testdata/scenario.jsonld")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(doc, want) {
		t.Errorf("export differs from testdata/scenario.jsonld (go test -run TestExportGolden -update to accept):\n%s", doc)
	}
}

type countingWriter struct{ n int }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }

// TestEncodeStreams: the document reaches the writer while the events are still
// being walked, so an export needs no memory in proportion to its size.
func TestEncodeStreams(t *testing.T) {
	e := tracetest.Events()[0]
	var w countingWriter
	const n = 5000
	written := 0
	events := func(fn func(*trace.Event) error) error {
		for i := 0; i < n; i++ {
			if i == n/2 {
				written = w.n
			}
			if err := fn(e); err != nil {
				return err
			}
		}
		return nil
	}
	if err := Encode(context.Background(), &w, docInfo, events, nil); err != nil {
		t.Fatal(err)
	}
	if written < w.n/3 || w.n-written < w.n/3 {
		t.Errorf("%d of %d bytes written halfway through the events", written, w.n)
	}
}
