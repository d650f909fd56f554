package fsma_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lotsense/lotsense/cloud/fsma"
	"github.com/lotsense/lotsense/cloud/trace"
	tt "github.com/lotsense/lotsense/cloud/trace/tracetest"
)

// csvRows writes one sheet as CSV and reads it back.
func csvRows(t *testing.T, s fsma.Source, req fsma.Request, typ string) [][]string {
	t.Helper()
	var buf bytes.Buffer
	if err := fsma.WriteCSV(context.Background(), &buf, s, req, typ); err != nil {
		t.Fatal(err)
	}
	return readCSV(t, buf.Bytes())
}

// pick returns the rows of a sheet (header first) whose cell in column col is one of
// values, plus the header.
func pick(rows [][]string, col int, values ...string) [][]string {
	out := [][]string{rows[0]}
	for _, r := range rows[1:] {
		if slices.Contains(values, r[col]) {
			out = append(out, r)
		}
	}
	return out
}

const eventIDColumn = 17 // on the receiving and shipping sheets

func TestSelectLots(t *testing.T) {
	s := scenario(t)
	// The second salad lot: its two shipments, and its transformation whole
	// (both inputs and the output).
	req := fsma.Request{Lots: []string{tt.Key(tt.SaladGTIN, tt.Salad2)}}
	sameRows(t, "shipping", csvRows(t, s, req, trace.Shipping), pick(wantShipping, eventIDColumn, eventID("11"), eventID("12")))
	sameRows(t, "transformation", csvRows(t, s, req, trace.Transformation), pick(wantTransformation, 14, eventID("04")))
	sameRows(t, "receiving", csvRows(t, s, req, trace.Receiving), wantReceiving[:1])

	// Spinach lot S-L1 came in with romaine R-L1: only its own row of that receiving.
	req = fsma.Request{Lots: []string{tt.Key(tt.SpinachGTIN, tt.SpinachL1)}}
	sameRows(t, "receiving", csvRows(t, s, req, trace.Receiving), [][]string{wantReceiving[0], wantReceiving[2]})
	sameRows(t, "transformation", csvRows(t, s, req, trace.Transformation), wantTransformation)
	sameRows(t, "shipping", csvRows(t, s, req, trace.Shipping), wantShipping[:1])
}

func TestSelectProductsAndDates(t *testing.T) {
	s := scenario(t)
	req := fsma.Request{GTINs: []string{tt.SaladGTIN}, From: tt.Day(11, 4, 8), To: tt.Day(11, 5, 11)}
	sameRows(t, "shipping", csvRows(t, s, req, trace.Shipping), pick(wantShipping, eventIDColumn, eventID("10"), eventID("11")))

	req = fsma.Request{GTINs: []string{tt.RomaineGTIN}}
	sameRows(t, "receiving", csvRows(t, s, req, trace.Receiving), [][]string{wantReceiving[0], wantReceiving[1], wantReceiving[3]})
	sameRows(t, "shipping", csvRows(t, s, req, trace.Shipping), wantShipping[:1])

	// Both: lots of these products among these lots (as trace.EventFilter).
	req = fsma.Request{GTINs: []string{tt.SaladGTIN}, Lots: []string{tt.Key(tt.RomaineGTIN, tt.RomaineL1)}}
	sameRows(t, "receiving", csvRows(t, s, req, trace.Receiving), wantReceiving[:1])
}

func TestDateInTheEventsTimeZone(t *testing.T) {
	s := scenario(t)
	e := &trace.Event{Type: trace.Shipping, Time: time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC), TimeZone: "+02:00",
		EventID: "urn:uuid:6f1c0000-0000-4000-8000-000000000099", Location: tt.ColdRoomGLN, ShipFrom: tt.SiteGLN, ShipTo: tt.MetroGLN,
		Lots:      []trace.LotQuantity{{GTIN: tt.SaladGTIN, Lot: tt.Salad3, Quantity: 2.5, Unit: "CS"}},
		Documents: []trace.Document{{Type: "urn:epcglobal:cbv:btt:bol", ID: "=cmd|' /C calc'!A0"}}}
	if _, err := s.Record(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	rows := csvRows(t, s, fsma.Request{From: tt.Day(11, 30, 0)}, trace.Shipping)
	want := [][]string{wantShipping[0], row(salad3, "2.5", "CS", salad, metroDesc, tt.MetroGLN, siteDesc, tt.SiteGLN,
		"2026-12-01", "2026-12-01T01:30:00+02:00", packingDesc, tt.PackingGLN, "",
		"Bill of lading", "'=cmd|' /C calc'!A0", e.EventID)}
	sameRows(t, "shipping", rows, want)

	// XLSX cells are typed: text stays as it is, it cannot become a formula.
	var buf bytes.Buffer
	if err := fsma.WriteXLSX(context.Background(), &buf, s, fsma.Request{From: tt.Day(11, 30, 0), Types: []string{trace.Shipping}}); err != nil {
		t.Fatal(err)
	}
	_, sheets := readXLSX(t, buf.Bytes())
	want[1][16] = "=cmd|' /C calc'!A0"
	sameRows(t, "Shipping", sheets["Shipping"], want)
}

func TestDispositionSheet(t *testing.T) {
	s := scenario(t)
	e := &trace.Event{Type: trace.Disposition, Time: tt.Day(11, 6, 12), Disposition: "destroyed", Reason: "temperature excursion",
		EventID: "urn:uuid:6f1c0000-0000-4000-8000-000000000098", Location: tt.ColdRoomGLN,
		Lots: []trace.LotQuantity{{GTIN: tt.RomaineGTIN, Lot: tt.RomaineL2, Quantity: 30, Unit: "KGM"}}}
	if _, err := s.Record(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	rows := csvRows(t, s, fsma.Request{}, trace.Disposition)
	want := [][]string{
		{"Traceability lot code", "GTIN", "Lot code", "Product description", "Quantity", "Unit of measure", "Disposition", "Reason",
			"Event location description", "Event location GLN", "Date", "Date and time", "Reference document type", "Reference document number", "Event ID"},
		row(romaineL2, romaine, "30", "KGM", "destroyed", "temperature excursion", coldRoomDesc, tt.ColdRoomGLN,
			"2026-11-06", "2026-11-06T12:00:00+00:00", "", "", e.EventID),
	}
	sameRows(t, "disposition", rows, want)
}

func TestLongSheetsContinue(t *testing.T) {
	defer fsma.SetMaxSheetRows(3)()
	s := scenario(t)
	var buf bytes.Buffer
	if err := fsma.WriteXLSX(context.Background(), &buf, s, fsma.Request{Types: []string{trace.Shipping, trace.Receiving}}); err != nil {
		t.Fatal(err)
	}
	names, sheets := readXLSX(t, buf.Bytes())
	wantNames := []string{"Shipping", "Shipping (2)", "Receiving", "Receiving (2)"}
	if !slices.Equal(names, wantNames) {
		t.Fatalf("sheets %q, want %q", names, wantNames)
	}
	sameRows(t, "Shipping", sheets["Shipping"], wantShipping[:3])
	sameRows(t, "Shipping (2)", sheets["Shipping (2)"], [][]string{wantShipping[0], wantShipping[3], wantShipping[4]})
	sameRows(t, "Receiving", sheets["Receiving"], wantReceiving[:3])
	sameRows(t, "Receiving (2)", sheets["Receiving (2)"], [][]string{wantReceiving[0], wantReceiving[3]})
}

func TestRefusesBadRequests(t *testing.T) {
	s := scenario(t)
	for _, c := range []struct {
		name string
		req  fsma.Request
		typ  string
		want string
	}{
		{"dates", fsma.Request{From: tt.Day(11, 5, 0), To: tt.Day(11, 4, 0)}, trace.Shipping, "is not before"},
		{"gtin", fsma.Request{GTINs: []string{"10614142000019"}}, trace.Shipping, `gtin "10614142000019"`},
		{"lot", fsma.Request{Lots: []string{"R-L1"}}, trace.Shipping, `lot "R-L1"`},
		{"type", fsma.Request{Types: []string{"harvesting"}}, trace.Shipping, `type "harvesting"`},
		{"twice", fsma.Request{Types: []string{trace.Shipping, trace.Shipping}}, trace.Shipping, "given twice"},
		{"sheet", fsma.Request{}, trace.Observation, `type "observation"`},
		{"many lots", fsma.Request{Lots: slices.Repeat([]string{tt.Key(tt.SaladGTIN, tt.Salad1)}, fsma.MaxLots+1)}, trace.Shipping, "at most 10000"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := fsma.WriteCSV(context.Background(), &buf, s, c.req, c.typ)
			if !errors.Is(err, trace.ErrInvalid) || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "fsma: ") {
				t.Errorf("error %v, want fsma: …%s… wrapping trace.ErrInvalid", err, c.want)
			}
			if buf.Len() != 0 {
				t.Errorf("%d bytes written before refusing", buf.Len())
			}
			if c.typ != trace.Observation {
				if err := fsma.WriteXLSX(context.Background(), &buf, s, c.req); !errors.Is(err, trace.ErrInvalid) || buf.Len() != 0 {
					t.Errorf("xlsx: error %v after %d bytes, want trace.ErrInvalid before any", err, buf.Len())
				}
			}
		})
	}
}

func TestStopsWhenCancelled(t *testing.T) {
	s := scenario(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var buf bytes.Buffer
	if err := fsma.WriteXLSX(ctx, &buf, s, fsma.Request{}); !errors.Is(err, context.Canceled) {
		t.Errorf("xlsx: error %v, want context.Canceled", err)
	}
	if err := fsma.WriteCSVZip(ctx, &buf, s, fsma.Request{}); !errors.Is(err, context.Canceled) {
		t.Errorf("csv: error %v, want context.Canceled", err)
	}
}

func TestDefuse(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "R-L1": "R-L1", "=1+1": "'=1+1", "+1": "'+1", "-2": "'-2", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "a=b": "a=b",
	} {
		if got := fsma.Defuse(in); got != want {
			t.Errorf("defuse(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDocumentType(t *testing.T) {
	for in, want := range map[string]string{
		"po": "Purchase order", "urn:epcglobal:cbv:btt:desadv": "Advance shipping notice",
		"https://ref.gs1.org/cbv/BTT-inv": "Invoice", "weigh ticket": "weigh ticket",
	} {
		if got := fsma.DocumentType(in); got != want {
			t.Errorf("DocumentType(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestManyLots selects more lots than one query takes: each receiving and shipping
// row is written once, and each transformation once, whole.
func TestManyLots(t *testing.T) {
	s := scenario(t)
	lots := []string{tt.Key(tt.SpinachGTIN, tt.SpinachL1)}
	for i := len(lots); i < fsma.LotsPerQuery; i++ {
		lots = append(lots, tt.Key(tt.SaladGTIN, "X"+strconv.Itoa(i)))
	}
	lots = append(lots, tt.Key(tt.SaladGTIN, tt.Salad2), tt.Key(tt.RomaineGTIN, tt.RomaineL2))
	req := fsma.Request{Lots: lots}
	sameRows(t, "transformation", csvRows(t, s, req, trace.Transformation), wantTransformation)
	sameRows(t, "receiving", csvRows(t, s, req, trace.Receiving), [][]string{wantReceiving[0], wantReceiving[2], wantReceiving[3]})
	sameRows(t, "shipping", csvRows(t, s, req, trace.Shipping), pick(wantShipping, eventIDColumn, eventID("11"), eventID("12")))
}

// TestEmptySheets: a request nothing matches still gives every sheet, with its header.
func TestEmptySheets(t *testing.T) {
	s := scenario(t)
	var buf bytes.Buffer
	req := fsma.Request{From: tt.Day(12, 1, 0), Types: fsma.AllTypes}
	if err := fsma.WriteXLSX(context.Background(), &buf, s, req); err != nil {
		t.Fatal(err)
	}
	names, sheets := readXLSX(t, buf.Bytes())
	if len(names) != len(fsma.AllTypes) {
		t.Fatalf("sheets %q, want one per type", names)
	}
	for i, typ := range fsma.AllTypes {
		cols, _ := fsma.Columns(typ)
		if got := sheets[names[i]]; len(got) != 1 || len(got[0]) != len(cols) || got[0][0] != cols[0].Name {
			t.Errorf("%s: %q, want the header only", names[i], got)
		}
	}
}
