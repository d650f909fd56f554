package fsma_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/lotsense/lotsense/cloud/fsma"
	"github.com/lotsense/lotsense/cloud/trace"
	tt "github.com/lotsense/lotsense/cloud/trace/tracetest"
)

// synthetic is a Source of n shipping events of distinct lots, made as they are read.
type synthetic struct{ n int }

func (s synthetic) Events(ctx context.Context, f trace.EventFilter, fn func(*trace.Event) error) error {
	if len(f.Types) != 1 || f.Types[0] != trace.Shipping {
		return nil
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range s.n {
		e := &trace.Event{EventID: fmt.Sprintf("urn:uuid:00000000-0000-4000-8000-%012d", i), Type: trace.Shipping,
			Time: t0.Add(time.Duration(i) * time.Second), TimeZone: "-05:00", Location: tt.ColdRoomGLN, ShipFrom: tt.SiteGLN, ShipTo: tt.MetroGLN,
			Lots:      []trace.LotQuantity{{GTIN: tt.SaladGTIN, Lot: "L" + strconv.Itoa(i), Quantity: 90, Unit: "EA"}},
			Documents: []trace.Document{{Type: "desadv", ID: "ASN-" + strconv.Itoa(i)}}}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

func (synthetic) Product(ctx context.Context, gtin string) (trace.Product, error) {
	return trace.Product{GTIN: gtin, Description: "Salad mix 250 g"}, nil
}

func (synthetic) Location(ctx context.Context, gln string) (trace.Location, error) {
	_, places := tt.Registry()
	for _, p := range places {
		if p.GLN == gln {
			return p, nil
		}
	}
	return trace.Location{}, trace.ErrNotFound
}

func (synthetic) Lot(ctx context.Context, gtin, code string) (trace.Lot, error) {
	return trace.Lot{GTIN: gtin, Code: code, TLCSource: tt.PackingGLN}, nil
}

// peakHeap samples the heap in use (objects and the unused part of their spans, as
// MemStats.HeapInuse) while fn runs and returns its peak.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	var (
		peak uint64
		wg   sync.WaitGroup
		stop = make(chan struct{})
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		// Reading runtime/metrics does not stop the world as ReadMemStats does.
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64()+sample[1].Value.Uint64())
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	fn()
	close(stop)
	wg.Wait()
	return peak
}

// BenchmarkLargeXLSX writes one sheet of LOTSENSE_FSMA_ROWS rows (default 200,000)
// from a synthetic source and reports the peak heap in use: it stays near excelize's
// 16 MiB stream buffer, whatever the number of rows.
func BenchmarkLargeXLSX(b *testing.B) {
	rows := 200_000
	if v, err := strconv.Atoi(getenv("LOTSENSE_FSMA_ROWS")); err == nil && v > 0 {
		rows = v
	}
	src := synthetic{n: rows}
	req := fsma.Request{Types: []string{trace.Shipping}}
	var size counter
	var peak uint64
	for b.Loop() {
		size = 0
		peak = max(peak, peakHeap(func() {
			if err := fsma.WriteXLSX(context.Background(), &size, src, req); err != nil {
				b.Fatal(err)
			}
		}))
	}
	b.ReportMetric(float64(rows), "rows")
	b.ReportMetric(float64(size)/(1<<20), "MiB-out")
	b.ReportMetric(float64(peak)/(1<<20), "MiB-peak-heap")
}

var _ io.Writer = (*counter)(nil)

func getenv(k string) string { return os.Getenv(k) }
