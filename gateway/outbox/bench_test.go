package outbox

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

const benchRecordSize = 40 // a compact reading with its lot reference

// BenchmarkAppend measures durable appends of 40-byte records: each of g goroutines
// appends batches of the given size. One op is one record.
func BenchmarkAppend(b *testing.B) {
	for _, batch := range []int{1, 10, 100, 1000} {
		for _, g := range []int{1, 4, 32} {
			if batch*g < 10 && g == 1 {
				continue // one fsync per record: not the gateway's shape
			}
			b.Run(fmt.Sprintf("batch=%d/goroutines=%d", batch, g), func(b *testing.B) {
				benchAppend(b, batch, g)
			})
		}
	}
}

func benchAppend(b *testing.B, batch, goroutines int) {
	var commits atomicCounter
	o := open(b, b.TempDir(), Options{MaxBytes: 8 << 30, Metrics: Metrics{Commits: &commits}})
	defer o.Close()
	rec := make([]byte, benchRecordSize)
	records := make([][]byte, batch)
	for i := range records {
		records[i] = rec
	}
	var left atomic.Int64
	left.Store(int64(b.N))
	var wg sync.WaitGroup
	b.SetBytes(benchRecordSize)
	b.ResetTimer()
	start := time.Now()
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := min(int64(batch), left.Add(-int64(batch))+int64(batch))
				if n <= 0 {
					return
				}
				if _, err := o.Append(context.Background(), Readings, records[:n]); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	b.ReportMetric(float64(b.N)/secs, "records/s")
	b.ReportMetric(float64(commits.n.Load())/secs, "commits/s")
}

// atomicCounter is a Counter for benchmarks.
type atomicCounter struct{ n atomic.Int64 }

func (c *atomicCounter) Add(v float64) { c.n.Add(int64(v)) }

// BenchmarkRawBadgerSyncBatch is the machine's limit: the same 40-byte records, one
// goroutine, one Badger entry per batch committed with SyncWrites and the outbox's
// Badger options, nothing else. One op is one record.
func BenchmarkRawBadgerSyncBatch(b *testing.B) {
	for _, batch := range []int{100, 1000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			db, err := badger.Open(BadgerOptions(b.TempDir(), quietLogger()))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			rec := make([]byte, benchRecordSize)
			b.SetBytes(benchRecordSize)
			b.ResetTimer()
			start := time.Now()
			for k, done := uint64(0), 0; done < b.N; k++ {
				n := min(batch, b.N-done)
				val := make([]byte, 0, n*(benchRecordSize+1))
				for range n {
					val = append(val, benchRecordSize)
					val = append(val, rec...)
				}
				key := binary.BigEndian.AppendUint64([]byte{'s', 1}, k)
				if err := db.Update(func(txn *badger.Txn) error { return txn.Set(key, val) }); err != nil {
					b.Fatal(err)
				}
				done += n
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "records/s")
		})
	}
}

// BenchmarkRead measures draining: reading records in order in chunks of 1000.
func BenchmarkRead(b *testing.B) {
	o := open(b, b.TempDir(), Options{MaxBytes: 8 << 30})
	defer o.Close()
	rec := make([]byte, benchRecordSize)
	records := make([][]byte, 1000)
	for i := range records {
		records[i] = rec
	}
	for range 1000 {
		if _, err := o.Append(context.Background(), Readings, records); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	start := time.Now()
	from := uint64(1)
	for done := 0; done < b.N; {
		got, err := o.Read(Readings, from, min(1000, b.N-done), 0)
		if err != nil {
			b.Fatal(err)
		}
		if len(got) == 0 {
			from = 1
			continue
		}
		done += len(got)
		from = got[len(got)-1].Seq + 1
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "records/s")
}
