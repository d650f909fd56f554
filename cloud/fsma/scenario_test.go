package fsma_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lotsense/lotsense/cloud/fsma"
	"github.com/lotsense/lotsense/cloud/trace"
	tt "github.com/lotsense/lotsense/cloud/trace/tracetest"
	"github.com/xuri/excelize/v2"
)

// Location descriptions of the scenario's places and parties.
const (
	siteDesc      = "ACME Atlanta, 1 Packer Way, Atlanta, GA 30301, US"
	coldRoomDesc  = "ACME Atlanta, Cold room 1, 1 Packer Way, Atlanta, GA 30301, US"
	packingDesc   = "ACME Atlanta, Packing room, 1 Packer Way, Atlanta, GA 30301, US"
	supplierDesc  = "Green Farms, Route 9, Salinas, CA 93901, US"
	freshMartDesc = "FreshMart DC, 5 Market St, Macon, GA 31201, US"
	cornerDesc    = "Corner Grocer, 12 Main St, Athens, GA 30601, US"
	metroDesc     = "Metro Foods, 400 Peachtree, Atlanta, GA 30308, US"

	romaine = "Romaine lettuce, whole heads"
	spinach = "Baby spinach"
	salad   = "Salad mix 250 g"
)

func eventID(n string) string { return "urn:uuid:6f1c0000-0000-4000-8000-0000000000" + n }

var (
	romaineL1 = []string{tt.Key(tt.RomaineGTIN, tt.RomaineL1), tt.RomaineGTIN, tt.RomaineL1}
	romaineL2 = []string{tt.Key(tt.RomaineGTIN, tt.RomaineL2), tt.RomaineGTIN, tt.RomaineL2}
	spinachL1 = []string{tt.Key(tt.SpinachGTIN, tt.SpinachL1), tt.SpinachGTIN, tt.SpinachL1}
	salad1    = []string{tt.Key(tt.SaladGTIN, tt.Salad1), tt.SaladGTIN, tt.Salad1}
	salad2    = []string{tt.Key(tt.SaladGTIN, tt.Salad2), tt.SaladGTIN, tt.Salad2}
	salad3    = []string{tt.Key(tt.SaladGTIN, tt.Salad3), tt.SaladGTIN, tt.Salad3}
)

func row(parts ...any) []string {
	var out []string
	for _, p := range parts {
		switch p := p.(type) {
		case string:
			out = append(out, p)
		case []string:
			out = append(out, p...)
		}
	}
	return out
}

// The scenario's sheets, every cell, header first.
var (
	wantInitialPacking = [][]string{
		{"Traceability lot code", "GTIN", "Lot code", "Product description", "Quantity", "Unit of measure",
			"Initial packing location description", "Initial packing location GLN", "Traceability lot code source reference",
			"Date of initial packing", "Date and time", "Reference document type", "Reference document number", "Event ID"},
		row(salad3, salad, "100", "EA", packingDesc, tt.PackingGLN, "", "2026-11-15", "2026-11-15T09:00:00+00:00", "", "", eventID("05")),
	}
	wantReceiving = [][]string{
		{"Traceability lot code", "GTIN", "Lot code", "Quantity", "Unit of measure", "Product description",
			"Immediate previous source location description", "Immediate previous source location GLN",
			"Receiving location description", "Receiving location GLN", "Date received", "Date and time",
			"Traceability lot code source location description", "Traceability lot code source GLN", "Traceability lot code source reference",
			"Reference document type", "Reference document number", "Event ID"},
		row(romaineL1, "100", "KGM", romaine, supplierDesc, tt.SupplierGLN, coldRoomDesc, tt.ColdRoomGLN,
			"2026-11-01", "2026-11-01T06:00:00+00:00", supplierDesc, tt.SupplierGLN, "",
			"Purchase order; Bill of lading", "4501; 77", eventID("01")),
		row(spinachL1, "50", "KGM", spinach, supplierDesc, tt.SupplierGLN, coldRoomDesc, tt.ColdRoomGLN,
			"2026-11-01", "2026-11-01T06:00:00+00:00", supplierDesc, tt.SupplierGLN, "",
			"Purchase order; Bill of lading", "4501; 77", eventID("01")),
		row(romaineL2, "80", "KGM", romaine, supplierDesc, tt.SupplierGLN, coldRoomDesc, tt.ColdRoomGLN,
			"2026-11-02", "2026-11-02T06:00:00+00:00", supplierDesc, tt.SupplierGLN, "",
			"Purchase order; Bill of lading", "4502; 78", eventID("02")),
	}
	wantShipping = [][]string{
		{"Traceability lot code", "GTIN", "Lot code", "Quantity", "Unit of measure", "Product description",
			"Immediate subsequent recipient location description", "Immediate subsequent recipient location GLN",
			"Ship-from location description", "Ship-from location GLN", "Date shipped", "Date and time",
			"Traceability lot code source location description", "Traceability lot code source GLN", "Traceability lot code source reference",
			"Reference document type", "Reference document number", "Event ID"},
		row(salad1, "200", "EA", salad, freshMartDesc, tt.FreshMartGLN, siteDesc, tt.SiteGLN,
			"2026-11-04", "2026-11-04T07:00:00+00:00", packingDesc, tt.PackingGLN, "",
			"Advance shipping notice; Invoice", "ASN-9001; INV-31", eventID("09")),
		row(salad1, "150", "EA", salad, cornerDesc, tt.CornerGLN, siteDesc, tt.SiteGLN,
			"2026-11-04", "2026-11-04T09:00:00+00:00", packingDesc, tt.PackingGLN, "",
			"Advance shipping notice", "ASN-9002", eventID("10")),
		row(salad2, "120", "EA", salad, metroDesc, tt.MetroGLN, siteDesc, tt.SiteGLN,
			"2026-11-05", "2026-11-05T07:00:00+00:00", packingDesc, tt.PackingGLN, "",
			"Advance shipping notice", "ASN-9003", eventID("11")),
		row(salad2, "50", "EA", salad, freshMartDesc, tt.FreshMartGLN, siteDesc, tt.SiteGLN,
			"2026-11-05", "2026-11-05T11:00:00+00:00", packingDesc, tt.PackingGLN, "",
			"Advance shipping notice", "ASN-9004", eventID("12")),
	}
	wantTransformation = [][]string{
		{"Input or output", "Traceability lot code", "GTIN", "Lot code", "Product description", "Quantity", "Unit of measure",
			"Transformation location description", "Transformation location GLN", "Traceability lot code source reference",
			"Date transformation completed", "Date and time", "Reference document type", "Reference document number", "Event ID"},
		row("Input", romaineL1, romaine, "60", "KGM", packingDesc, tt.PackingGLN, "",
			"2026-11-01", "2026-11-01T10:00:00+00:00", "Production order", "WO-1101", eventID("03")),
		row("Input", spinachL1, spinach, "40", "KGM", packingDesc, tt.PackingGLN, "",
			"2026-11-01", "2026-11-01T10:00:00+00:00", "Production order", "WO-1101", eventID("03")),
		row("Output", salad1, salad, "400", "EA", packingDesc, tt.PackingGLN, "",
			"2026-11-01", "2026-11-01T10:00:00+00:00", "Production order", "WO-1101", eventID("03")),
		row("Input", romaineL2, romaine, "50", "KGM", packingDesc, tt.PackingGLN, "",
			"2026-11-02", "2026-11-02T10:00:00+00:00", "Production order", "WO-1102", eventID("04")),
		row("Input", spinachL1, spinach, "10", "KGM", packingDesc, tt.PackingGLN, "",
			"2026-11-02", "2026-11-02T10:00:00+00:00", "Production order", "WO-1102", eventID("04")),
		row("Output", salad2, salad, "200", "EA", packingDesc, tt.PackingGLN, "",
			"2026-11-02", "2026-11-02T10:00:00+00:00", "Production order", "WO-1102", eventID("04")),
	}
	wantAggregation = [][]string{
		{"Traceability lot code", "GTIN", "Lot code", "Product description", "Quantity", "Unit of measure", "Action",
			"Pallet or container", "Event location description", "Event location GLN", "Date", "Date and time",
			"Reference document type", "Reference document number", "Event ID"},
		row(salad1, salad, "200", "EA", "ADD", tt.Pallet1, packingDesc, tt.PackingGLN, "2026-11-03", "2026-11-03T08:00:00+00:00", "", "", eventID("06")),
		row(salad1, salad, "200", "EA", "ADD", tt.Pallet2, packingDesc, tt.PackingGLN, "2026-11-03", "2026-11-03T08:00:00+00:00", "", "", eventID("07")),
		row(salad2, salad, "200", "EA", "ADD", tt.Pallet3, packingDesc, tt.PackingGLN, "2026-11-03", "2026-11-03T09:00:00+00:00", "", "", eventID("08")),
	}
)

// scenario returns a fresh SQLite record holding the hand-built scenario.
func scenario(t testing.TB) *trace.Store {
	t.Helper()
	s, err := trace.Open(context.Background(), filepath.Join(t.TempDir(), "trace.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := tt.Record(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	return s
}

// readCSV parses one CSV file as WriteCSV writes it.
func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	rest, ok := bytes.CutPrefix(b, []byte("\uFEFF"))
	if !ok {
		t.Fatalf("CSV does not start with a UTF-8 byte order mark: %q", b[:min(len(b), 8)])
	}
	if !bytes.Contains(rest, []byte("\r\n")) {
		t.Error("CSV lines do not end in CRLF")
	}
	rows, err := csv.NewReader(bytes.NewReader(rest)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// readZip returns the CSV files of a zip WriteCSVZip wrote, in order.
func readZip(t *testing.T, b []byte) (names []string, files map[string][][]string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	files = map[string][][]string{}
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, f.Name)
		files[f.Name] = readCSV(t, data)
	}
	return names, files
}

// readXLSX returns the sheets of a workbook WriteXLSX wrote, every cell as text.
func readXLSX(t *testing.T, b []byte) (names []string, sheets map[string][][]string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheets = map[string][][]string{}
	for _, name := range f.GetSheetList() {
		rows, err := f.GetRows(name, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		// GetRows drops trailing empty cells; pad to the header's width.
		for i := range rows {
			for len(rows[i]) < len(rows[0]) {
				rows[i] = append(rows[i], "")
			}
		}
		names = append(names, name)
		sheets[name] = rows
	}
	return names, sheets
}

func sameRows(t *testing.T, what string, got, want [][]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, want %d:\n%s", what, len(got), len(want), show(got))
		return
	}
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("%s row %d:\n got %q\nwant %q", what, i, got[i], want[i])
		}
	}
}

func show(rows [][]string) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, " | "))
		b.WriteByte('\n')
	}
	return b.String()
}

func TestCSVZipOfTheScenario(t *testing.T) {
	s := scenario(t)
	var buf bytes.Buffer
	if err := fsma.WriteCSVZip(context.Background(), &buf, s, fsma.Request{Types: fsma.AllTypes}); err != nil {
		t.Fatal(err)
	}
	names, files := readZip(t, buf.Bytes())
	wantNames := []string{"initial-packing.csv", "receiving.csv", "shipping.csv", "transformation.csv", "aggregation.csv", "disposition.csv"}
	if !slices.Equal(names, wantNames) {
		t.Errorf("files %q, want %q", names, wantNames)
	}
	sameRows(t, "initial-packing.csv", files["initial-packing.csv"], wantInitialPacking)
	sameRows(t, "receiving.csv", files["receiving.csv"], wantReceiving)
	sameRows(t, "shipping.csv", files["shipping.csv"], wantShipping)
	sameRows(t, "transformation.csv", files["transformation.csv"], wantTransformation)
	sameRows(t, "aggregation.csv", files["aggregation.csv"], wantAggregation)
	if got := files["disposition.csv"]; len(got) != 1 {
		t.Errorf("disposition.csv: %d rows, want the header only", len(got))
	}
}

func TestCSVOfOneEventType(t *testing.T) {
	s := scenario(t)
	var buf bytes.Buffer
	if err := fsma.WriteCSV(context.Background(), &buf, s, fsma.Request{}, trace.Shipping); err != nil {
		t.Fatal(err)
	}
	sameRows(t, "shipping", readCSV(t, buf.Bytes()), wantShipping)
}

func TestXLSXOfTheScenario(t *testing.T) {
	s := scenario(t)
	var buf bytes.Buffer
	if err := fsma.WriteXLSX(context.Background(), &buf, s, fsma.Request{}); err != nil {
		t.Fatal(err)
	}
	names, sheets := readXLSX(t, buf.Bytes())
	wantNames := []string{"Initial packing", "Receiving", "Shipping", "Transformation"}
	if !slices.Equal(names, wantNames) {
		t.Errorf("sheets %q, want %q", names, wantNames)
	}
	sameRows(t, "Initial packing", sheets["Initial packing"], wantInitialPacking)
	sameRows(t, "Receiving", sheets["Receiving"], wantReceiving)
	sameRows(t, "Shipping", sheets["Shipping"], wantShipping)
	sameRows(t, "Transformation", sheets["Transformation"], wantTransformation)

	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// Quantities are numbers, so they sort as numbers; the rest is text.
	// (A cell with no type attribute is a number: excelize reads it as unset.)
	for cell, want := range map[string]excelize.CellType{"D2": excelize.CellTypeUnset, "A2": excelize.CellTypeInlineString, "K2": excelize.CellTypeInlineString} {
		if got, err := f.GetCellType("Receiving", cell); err != nil || got != want {
			t.Errorf("Receiving!%s type %v (%v), want %v", cell, got, err, want)
		}
	}
	// Every sheet with rows is a table: sortable and filterable in place.
	for _, name := range wantNames {
		tables, err := f.GetTables(name)
		if err != nil {
			t.Fatal(err)
		}
		wantRef := "A1:" + lastCell(len(sheets[name][0]), len(sheets[name]))
		if len(tables) != 1 || tables[0].Range != wantRef {
			t.Errorf("%s: tables %+v, want one on %s", name, tables, wantRef)
		}
		panes, err := f.GetPanes(name)
		if err != nil || !panes.Freeze || panes.YSplit != 1 {
			t.Errorf("%s: panes %+v (%v), want the header row frozen", name, panes, err)
		}
	}
}

func lastCell(cols, rows int) string {
	name, _ := excelize.CoordinatesToCellName(cols, rows)
	return name
}
