//go:build linux

package outbox

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// procField returns a numeric field of a /proc/self file ("VmRSS:  123 kB" gives 123).
func procField(t testing.TB, file, field string) int64 {
	t.Helper()
	text, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(text)) {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			v, err := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			if err != nil {
				t.Fatalf("%s %s: %v", file, field, err)
			}
			return v
		}
	}
	t.Fatalf("%s: no %s", file, field)
	return 0
}

// rssSampler records the highest VmRSS and RssFile (kB) every 5 ms until stopped.
func rssSampler(t testing.TB) (peaks func() (rss, file int64)) {
	var rss, file int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			rss = max(rss, procField(t, "/proc/self/status", "VmRSS"))
			file = max(file, procField(t, "/proc/self/status", "RssFile"))
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	})
	return func() (int64, int64) { close(done); wg.Wait(); return rss, file }
}

// tameRecords is batch k: n records of 76 bytes (a gateway reading's size).
func tameRecords(k, n int) [][]byte {
	recs := make([][]byte, n)
	for j := range recs {
		recs[j] = fmt.Appendf(nil, "%-76s", fmt.Sprintf("batch %d record %d", k, j))
	}
	return recs
}

// TestTameDiskWritesAndRSS fills an 80 MB backlog as the gateway does offline (1000
// readings per Append) and drains it: the disk writes this process caused
// (write_bytes of /proc/self/io, counted as pages are dirtied) stay within 3× the
// payload, and RSS stays bounded, because the tamer gives Badger's mappings
// MADV_RANDOM and drops their pages. Without it: about 11× and 110 MB
// (RssFile 90 MB) here.
func TestTameDiskWritesAndRSS(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 80 MB")
	}
	dir := t.TempDir()
	rss0 := procField(t, "/proc/self/status", "VmRSS")
	file0 := procField(t, "/proc/self/status", "RssFile")
	w0 := procField(t, "/proc/self/io", "write_bytes")
	peaks := rssSampler(t)
	o := open(t, dir, Options{MaxBytes: 1 << 30})
	payload := fillAndDrain(t, o, 80<<20)
	tamed := tamerCount(o)
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	rss, file := peaks()
	written := procField(t, "/proc/self/io", "write_bytes") - w0
	t.Logf("payload %d MB; write_bytes %d MB (%.2f×); VmRSS %d MB before Open, peak %d MB; RssFile %d MB before, peak %d MB; %d mappings tamed",
		payload>>20, written>>20, float64(written)/float64(payload), rss0>>10, rss>>10, file0>>10, file>>10, tamed)
	if written == 0 {
		t.Skipf("write_bytes stayed 0: the filesystem of %s does not account block writes", dir)
	}
	if tamed == 0 {
		t.Errorf("no mapping of %s was tamed", dir)
	}
	if r := float64(written) / float64(payload); r > 3 {
		t.Errorf("disk bytes written per payload byte %.2f, want ≤ 3", r)
	}
	if grew := (file - file0) >> 10; grew > 16 {
		t.Errorf("RssFile grew by %d MB while filling and draining, want ≤ 16", grew)
	}
	if grew := (rss - rss0) >> 10; grew > 48 && !raceEnabled {
		t.Errorf("VmRSS grew by %d MB while filling and draining, want ≤ 48", grew)
	}
}

// fillAndDrain appends at least n bytes in Appends of 1000 records, then reads and
// acks them all; it returns the payload bytes.
func fillAndDrain(t *testing.T, o *Outbox, n int64) (payload int64) {
	for k := 0; payload < n; k++ {
		recs := tameRecords(k, 1000)
		if _, err := o.Append(context.Background(), Readings, recs); err != nil {
			t.Fatal(err)
		}
		payload += int64(len(recs) * len(recs[0]))
	}
	for from := uint64(1); from < o.NextSeq(Readings); {
		rs, err := o.Read(Readings, from, 4000, 1<<20)
		if err != nil || len(rs) == 0 {
			t.Fatalf("read from %d: %d records, %v", from, len(rs), err)
		}
		from = rs[len(rs)-1].Seq + 1
		if err := o.Ack(Readings, from-1); err != nil {
			t.Fatal(err)
		}
	}
	return payload
}

func tamerCount(o *Outbox) int64 {
	o.gcMu.Lock()
	defer o.gcMu.Unlock()
	if o.tame == nil {
		return 0
	}
	return o.tame.tamed
}

// vlogRssKB sums the Rss of the value-log mappings of dir in /proc/self/smaps.
func vlogRssKB(t testing.TB, dir string) (kb int64, n int) {
	t.Helper()
	text, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	in := false
	for line := range strings.Lines(string(text)) {
		if m, ok := parseMapsLine(strings.TrimSuffix(line, "\n")); ok {
			in = filepath.Dir(m.path) == dir && strings.HasSuffix(m.path, ".vlog")
			if in {
				n++
			}
		} else if rest, ok := strings.CutPrefix(line, "Rss:"); ok && in {
			v, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			kb += v
		}
	}
	return kb, n
}

// TestTameDropKeepsData: the pages of the value log are dropped (its Rss falls to
// nothing), and every record reads back intact, from the same outbox (the pages
// fault back in) and after reopening it.
func TestTameDropKeepsData(t *testing.T) {
	dir := t.TempDir()
	o := open(t, dir, Options{})
	var want [][]byte
	for k := range 200 {
		recs := tameRecords(k, 1+k%40)
		if _, err := o.Append(context.Background(), Readings, recs); err != nil {
			t.Fatal(err)
		}
		want = append(want, recs...)
	}
	o.gcMu.Lock()
	o.tame.pass(time.Now())
	o.gcMu.Unlock()
	real, _ := filepath.EvalSymlinks(dir)
	if kb, n := vlogRssKB(t, real); n == 0 || kb > 8 {
		t.Errorf("after a pass: %d value-log mappings with %d kB resident; want some, ≤ 8 kB", n, kb)
	}
	check := func(o *Outbox, when string) {
		t.Helper()
		rs, err := o.Read(Readings, 1, len(want)+1, 64<<20)
		if err != nil || len(rs) != len(want) {
			t.Fatalf("%s: read %d records, %v; want %d", when, len(rs), err, len(want))
		}
		for i, r := range rs {
			if r.Seq != uint64(i+1) || !bytes.Equal(r.Data, want[i]) {
				t.Fatalf("%s: record %d: seq %d %q, want %q", when, i+1, r.Seq, r.Data, want[i])
			}
		}
	}
	check(o, "after the drop")
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	o = open(t, dir, Options{})
	defer o.Close()
	check(o, "reopened")
}

// TestDontNeedSharedMappingKeepsDirtyPages checks the kernel behaviour the tamer
// relies on, without even an msync first: MADV_DONTNEED on a shared file mapping
// keeps what was written, in the mapping and in the file.
func TestDontNeedSharedMappingKeepsDirtyPages(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "m"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const size = 4 << 20
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	m, err := unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	for i := range m {
		m[i] = byte(i*7 + i>>12)
	}
	if err := unix.Madvise(m, unix.MADV_DONTNEED); err != nil {
		t.Fatal(err)
	}
	for i := range m {
		if m[i] != byte(i*7+i>>12) {
			t.Fatalf("byte %d in the mapping after MADV_DONTNEED: %d, want %d", i, m[i], byte(i*7+i>>12))
		}
	}
	if err := unix.Madvise(m, unix.MADV_DONTNEED); err != nil {
		t.Fatal(err)
	}
	if err := unix.Munmap(m); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, size)
	if _, err := f.ReadAt(got, 0); err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if got[i] != byte(i*7+i>>12) {
			t.Fatalf("byte %d of the file: %d, want %d", i, got[i], byte(i*7+i>>12))
		}
	}
}
