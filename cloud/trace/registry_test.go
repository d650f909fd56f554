package trace_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/lotsense/lotsense/cloud/trace"
	tt "github.com/lotsense/lotsense/cloud/trace/tracetest"
)

func TestRegistryImportExport(t *testing.T) {
	eachDB(t, func(t *testing.T, s *trace.Store) {
		ctx := context.Background()
		products, places := tt.Registry()
		doc, err := json.Marshal(trace.Registry{Products: products, Places: places, Lots: tt.Lots()})
		if err != nil {
			t.Fatal(err)
		}
		r, err := trace.ParseRegistry(doc)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Import(ctx, r); err != nil {
			t.Fatal(err)
		}
		out, err := s.Export(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Products) != len(products) || len(out.Places) != len(places) {
			t.Fatalf("exported %d products, %d places; want %d, %d", len(out.Products), len(out.Places), len(products), len(places))
		}
		c, err := s.Location(ctx, tt.CornerGLN)
		if err != nil || c.MinShelfLifeDays != 20 || c.Address.City != "Athens" {
			t.Errorf("Corner Grocer read back: %+v, %v", c, err)
		}
		l, err := s.Lot(ctx, tt.SaladGTIN, tt.Salad2)
		if err != nil || !l.Expiry.Equal(tt.Day(12, 5, 0)) || l.TLCSource != tt.PackingGLN {
			t.Errorf("salad lot 2 read back: %+v, %v", l, err)
		}
	})
}

func TestParseRegistryRefuses(t *testing.T) {
	for doc, want := range map[string]string{
		`{"products":[{"gtin":"1","colour":"red"}]}`: "unknown field",
		`{"products":[]} {"places":[]}`:              "data after the document",
		`{"places":[{"gln":1}]}`:                     "cannot unmarshal",
		`[`:                                          "unexpected EOF",
	} {
		_, err := trace.ParseRegistry([]byte(doc))
		if !errors.Is(err, trace.ErrInvalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want ErrInvalid mentioning %q", doc, err, want)
		}
	}
	// Parsed but refused by the record: a GLN with a wrong check digit.
	eachDB(t, func(t *testing.T, s *trace.Store) {
		r, err := trace.ParseRegistry([]byte(`{"places":[{"gln":"0614141000013","kind":"site","name":"x"}]}`))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Import(context.Background(), r); !errors.Is(err, trace.ErrInvalid) || !strings.Contains(err.Error(), "places[0]") {
			t.Errorf("import of a bad GLN: %v, want ErrInvalid naming places[0]", err)
		}
	})
}

func FuzzParseRegistry(f *testing.F) {
	products, places := tt.Registry()
	doc, _ := json.Marshal(trace.Registry{Products: products, Places: places, Lots: tt.Lots()})
	f.Add(doc)
	f.Add([]byte(`{"products":[{"gtin":"10614141000019"}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := trace.ParseRegistry(data)
		if err != nil {
			if !errors.Is(err, trace.ErrInvalid) {
				t.Fatalf("error not ErrInvalid: %v", err)
			}
			return
		}
		// What parses re-encodes and parses to the same document.
		again, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := trace.ParseRegistry(again)
		if err != nil {
			t.Fatalf("re-encoded registry does not parse: %v\n%s", err, again)
		}
		b2, _ := json.Marshal(r2)
		if string(b2) != string(again) {
			t.Fatalf("registry changed on a round trip:\n%s\n%s", again, b2)
		}
	})
}
