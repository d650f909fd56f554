package fsma_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/lotsense/lotsense/cloud/fsma"
	"github.com/lotsense/lotsense/cloud/trace"
	tt "github.com/lotsense/lotsense/cloud/trace/tracetest"
	"github.com/lotsense/lotsense/drivers/gs1"
)

// benchLots is the size of the benchmark's supply chain: LOTSENSE_FSMA_LOTS lots
// (default 20,000), half raw and half finished, about eleven events per pair.
func benchLots() int {
	if v, err := strconv.Atoi(os.Getenv("LOTSENSE_FSMA_LOTS")); err == nil && v >= 2000 {
		return v
	}
	return 20_000
}

const (
	benchRaw      = tt.RomaineGTIN
	benchFinished = tt.SaladGTIN
)

var benchCustomers = []string{tt.FreshMartGLN, tt.CornerGLN, tt.MetroGLN, "0950004000011", "0950005000010", "0950006000019"}

// buildChain records n lots on the scenario's registry: n/2 raw lots, each received
// from the supplier (PO and BOL) and seen three times by a portal; n/2 finished
// lots, each made from raw lots i and i+1, put on a pallet and shipped to six
// customers (an ASN each).
func buildChain(ctx context.Context, s *trace.Store, n int) error {
	products, places := tt.Registry()
	for i, g := range benchCustomers[3:] {
		places = append(places, trace.Location{GLN: g, Kind: trace.KindCustomer, Name: fmt.Sprintf("Customer %d", i+4),
			Address: trace.Address{Street: fmt.Sprintf("%d Commerce Dr", i+4), City: "Savannah", Region: "GA", PostalCode: "31401", Country: "US"}})
	}
	reg := &trace.Registry{Products: products, Places: places}
	half := n / 2
	for i := range half {
		reg.Lots = append(reg.Lots, trace.Lot{GTIN: benchRaw, Code: "R" + strconv.Itoa(i), TLCSource: tt.SupplierGLN})
	}
	if err := s.Import(ctx, reg); err != nil {
		return err
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var batch []*trace.Event
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		_, err := s.RecordAll(ctx, batch)
		batch = batch[:0]
		return err
	}
	raw := func(i int, q float64) trace.LotQuantity {
		return trace.LotQuantity{GTIN: benchRaw, Lot: "R" + strconv.Itoa(i), Quantity: q, Unit: "KGM"}
	}
	for i := range half {
		at := t0.Add(time.Duration(i) * time.Minute)
		fin := trace.LotQuantity{GTIN: benchFinished, Lot: "F" + strconv.Itoa(i), Quantity: 600, Unit: "EA"}
		batch = append(batch, &trace.Event{EventID: fmt.Sprintf("urn:bench:r:%d", i), Type: trace.Receiving, Time: at,
			Location: tt.ColdRoomGLN, ShipFrom: tt.SupplierGLN, ShipTo: tt.SiteGLN, Lots: []trace.LotQuantity{raw(i, 100)}, Site: tt.Site,
			Documents: []trace.Document{{Type: "po", ID: "PO-" + strconv.Itoa(i)}, {Type: "bol", ID: "BOL-" + strconv.Itoa(i)}}})
		for k := range 3 {
			batch = append(batch, &trace.Event{EventID: fmt.Sprintf("urn:bench:o:%d:%d", i, k), Type: trace.Observation,
				Time: at.Add(time.Duration(k) * time.Second), Location: tt.DockGLN, Lots: []trace.LotQuantity{raw(i, 0)}})
		}
		in := []trace.LotQuantity{raw(i, 50)}
		if i+1 < half {
			in = append(in, raw(i+1, 50))
		}
		batch = append(batch, &trace.Event{EventID: fmt.Sprintf("urn:bench:t:%d", i), Type: trace.Transformation, Time: at.Add(time.Hour),
			Location: tt.PackingGLN, Inputs: in, Outputs: []trace.LotQuantity{fin}, Site: tt.Site,
			Documents: []trace.Document{{Type: "prodorder", ID: "WO-" + strconv.Itoa(i)}}},
			&trace.Event{EventID: fmt.Sprintf("urn:bench:a:%d", i), Type: trace.Aggregation, Action: trace.ActionAdd, Time: at.Add(2 * time.Hour),
				Location: tt.PackingGLN, Parent: fmt.Sprintf("urn:epc:id:sscc:0614141.%010d", i), Lots: []trace.LotQuantity{fin}})
		for c, cust := range benchCustomers {
			q := fin
			q.Quantity = 90
			batch = append(batch, &trace.Event{EventID: fmt.Sprintf("urn:bench:s:%d:%d", i, c), Type: trace.Shipping,
				Time: at.Add(time.Duration(3+c) * time.Hour), Location: tt.ColdRoomGLN, ShipFrom: tt.SiteGLN, ShipTo: cust,
				Lots: []trace.LotQuantity{q}, Site: tt.Site, Documents: []trace.Document{{Type: "desadv", ID: fmt.Sprintf("ASN-%d-%d", i, c)}}})
		}
		if len(batch) >= 2000 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// benchStore opens the benchmark database of n lots, kept in the user's cache
// directory and built when missing.
func benchStore(b *testing.B, n int) *trace.Store {
	b.Helper()
	ctx := context.Background()
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	dir = filepath.Join(dir, "lotsense-bench")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, fmt.Sprintf("fsma-v%d-%d.db", trace.SchemaVersion(), n))
	done := path + ".done"
	if _, err := os.Stat(done); err != nil {
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			os.Remove(p)
		}
		s, err := trace.Open(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := buildChain(ctx, s, n); err != nil {
			b.Fatal(err)
		}
		s.Close()
		b.Logf("built %d lots in %s (%s)", n, time.Since(start).Round(time.Second), path)
		if err := os.WriteFile(done, nil, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	s, err := trace.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// recall is a 1,000-lot recall in the middle of the chain: raw lots R(k)…R(k+499)
// and the finished lots made from them, F(k)…F(k+499).
func recall(n int) fsma.Request {
	k := n / 4
	var lots []string
	for i := k; i < k+500; i++ {
		lots = append(lots, gs1.LotKey(benchRaw, "R"+strconv.Itoa(i)), gs1.LotKey(benchFinished, "F"+strconv.Itoa(i)))
	}
	return fsma.Request{Lots: lots}
}

// counter counts bytes written.
type counter int64

func (c *counter) Write(p []byte) (int, error) { *c += counter(len(p)); return len(p), nil }

func benchRecall(b *testing.B, write func(context.Context, io.Writer, fsma.Source, fsma.Request) error) {
	n := benchLots()
	s := benchStore(b, n)
	req := recall(n)
	ctx := context.Background()
	var size counter
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		size = 0
		if err := write(ctx, &size, s, req); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(size), "bytes")
	b.ReportMetric(float64(n), "lots")
	b.ReportMetric(float64(recallRows(b, s, req)), "rows")
}

// recallRows counts the data rows of the recall's sheets.
func recallRows(b *testing.B, s *trace.Store, req fsma.Request) int {
	rows := 0
	for _, typ := range fsma.DefaultTypes {
		var c lineCounter
		if err := fsma.WriteCSV(context.Background(), &c, s, req, typ); err != nil {
			b.Fatal(err)
		}
		rows += int(c) - 1
	}
	return rows
}

// lineCounter counts CRLF-ended lines.
type lineCounter int

func (c *lineCounter) Write(p []byte) (int, error) {
	*c += lineCounter(bytes.Count(p, []byte("\r\n")))
	return len(p), nil
}

// BenchmarkRecallXLSX is the XLSX spreadsheet of a 1,000-lot recall (about 5,000
// rows on four sheets) on SQLite; ARCHITECTURE.md's target is 1 s.
func BenchmarkRecallXLSX(b *testing.B) { benchRecall(b, fsma.WriteXLSX) }

// BenchmarkRecallCSVZip is the same recall as a zip of CSV files.
func BenchmarkRecallCSVZip(b *testing.B) { benchRecall(b, fsma.WriteCSVZip) }
