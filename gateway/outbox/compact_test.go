package outbox

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func dirSize(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	err := filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Acked segments are reclaimed: 80 MB through a 256 KiB outbox leaves Badger's
// files (memtables and a few value-log files) well under 64 MiB, where without
// the forced flushes the value log alone would keep all 80 MB.
func TestDiskStaysBounded(t *testing.T) {
	dir := t.TempDir()
	opts, _ := thinOptions(256 << 10)
	opts.GCInterval = 20 * time.Millisecond
	o := open(t, dir, opts)
	defer o.Close()
	batch := make([][]byte, 40)
	for i := range batch {
		batch[i] = make([]byte, 2000)
	}
	ctx := context.Background()
	var peak int64
	for i := range 1000 {
		first, err := o.Append(ctx, Events, batch)
		if err != nil {
			t.Fatal(err)
		}
		if err := o.Ack(Events, first+39); err != nil {
			t.Fatal(err)
		}
		if i%100 == 99 {
			time.Sleep(50 * time.Millisecond) // value-log GC runs
			peak = max(peak, dirSize(t, dir))
		}
	}
	if peak > 64<<20 {
		t.Fatalf("outbox directory reached %d MiB for a 256 KiB budget", peak>>20)
	}
	t.Logf("80 MB appended and acked; directory peaked at %d MiB", peak>>20)
}
