package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
)

func quietLogger() *slog.Logger {
	return slog.New(slog.DiscardHandler)
}

func open(t testing.TB, dir string, opts Options) *Outbox {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quietLogger()
	}
	o, err := Open(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func recs(prefix string, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = fmt.Appendf(nil, "%s-%d", prefix, i)
	}
	return out
}

// readAll reads every pending record of s.
func readAll(t testing.TB, o *Outbox, s Stream) []Record {
	t.Helper()
	var all []Record
	from := o.Acked(s) + 1
	for {
		got, err := o.Read(s, from, 1000, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			return all
		}
		all = append(all, got...)
		from = got[len(got)-1].Seq + 1
	}
}

func TestAppendOrderAndContiguity(t *testing.T) {
	ctx := context.Background()
	o := open(t, t.TempDir(), Options{})
	defer o.Close()
	if len(o.Epoch()) != 16 {
		t.Fatalf("epoch %q, want 16 hex characters", o.Epoch())
	}
	var want []string
	for i := 0; i < 50; i++ {
		batch := recs(fmt.Sprint("b", i), 1+i%7)
		first, err := o.Append(ctx, Readings, batch)
		if err != nil {
			t.Fatal(err)
		}
		if first != uint64(len(want))+1 {
			t.Fatalf("batch %d: first seq %d, want %d", i, first, len(want)+1)
		}
		for _, r := range batch {
			want = append(want, string(r))
		}
	}
	if _, err := o.Append(ctx, Alarms, [][]byte{[]byte("a")}); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, o, Readings)
	if len(got) != len(want) {
		t.Fatalf("read %d records, want %d", len(got), len(want))
	}
	for i, r := range got {
		if r.Seq != uint64(i+1) || string(r.Data) != want[i] {
			t.Fatalf("record %d: seq %d %q, want %d %q", i, r.Seq, r.Data, i+1, want[i])
		}
	}
	if a := readAll(t, o, Alarms); len(a) != 1 || a[0].Seq != 1 {
		t.Fatalf("alarms stream: %v, want one record with seq 1", a)
	}
	// A read starting inside a segment, bounded by count and bytes.
	got, err := o.Read(Readings, 10, 5, 0)
	if err != nil || len(got) != 5 || got[0].Seq != 10 || got[4].Seq != 14 {
		t.Fatalf("Read(10, 5): %v %v", got, err)
	}
	got, _ = o.Read(Readings, 10, 100, 11)
	if len(got) != 2 {
		t.Fatalf("Read with 11 bytes: %d records, want 2", len(got))
	}
	if n := o.Pending(Readings); n != uint64(len(want)) {
		t.Fatalf("pending %d, want %d", n, len(want))
	}
}

func TestConcurrentAppenders(t *testing.T) {
	ctx := context.Background()
	o := open(t, t.TempDir(), Options{})
	defer o.Close()
	const writers, batches = 8, 40
	var mu sync.Mutex
	firsts := map[uint64]string{} // first seq -> producer/batch
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := 0; b < batches; b++ {
				name := fmt.Sprintf("w%d/b%d", w, b)
				first, err := o.Append(ctx, Stream(1+b%2), recs(name, 1+(w+b)%5))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				firsts[first<<8|uint64(1+b%2)] = name
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, s := range []Stream{1, 2} {
		all := readAll(t, o, s)
		if uint64(len(all)) != o.NextSeq(s)-1 {
			t.Fatalf("stream %d: %d records, next seq %d", s, len(all), o.NextSeq(s))
		}
		for i := 0; i < len(all); {
			name, ok := firsts[all[i].Seq<<8|uint64(s)]
			if !ok {
				t.Fatalf("stream %d: seq %d starts no batch", s, all[i].Seq)
			}
			for j := 0; i < len(all) && (j == 0 || firsts[all[i].Seq<<8|uint64(s)] == ""); j++ {
				if want := fmt.Sprintf("%s-%d", name, j); string(all[i].Data) != want {
					t.Fatalf("stream %d seq %d: %q, want %q", s, all[i].Seq, all[i].Data, want)
				}
				i++
			}
		}
	}
}

func TestReopenKeepsSeqCursorEpoch(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	o := open(t, dir, Options{})
	epoch := o.Epoch()
	if _, err := o.Append(ctx, Events, recs("e", 10)); err != nil {
		t.Fatal(err)
	}
	if err := o.Ack(Events, 10); err != nil {
		t.Fatal(err)
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	o = open(t, dir, Options{})
	defer o.Close()
	if o.Epoch() != epoch {
		t.Fatalf("epoch %q after reopen, want %q", o.Epoch(), epoch)
	}
	if o.NextSeq(Events) != 11 || o.Acked(Events) != 10 || o.Pending(Events) != 0 {
		t.Fatalf("after reopen: next %d acked %d pending %d, want 11 10 0", o.NextSeq(Events), o.Acked(Events), o.Pending(Events))
	}
	if o.PendingBytes() != 0 {
		t.Fatalf("pending bytes %d after everything was acked", o.PendingBytes())
	}
	first, err := o.Append(ctx, Events, recs("f", 1))
	if err != nil || first != 11 {
		t.Fatalf("append after reopen: first %d, %v; want 11", first, err)
	}
}

func TestAckReopenResumesAfterCursor(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	o := open(t, dir, Options{})
	for i := 0; i < 5; i++ {
		if _, err := o.Append(ctx, Readings, recs(fmt.Sprint(i), 10)); err != nil {
			t.Fatal(err)
		}
	}
	// Out of the publisher's window: 30 then an older 20 (ignored), then 37, which
	// leaves the segment 31..40 partly acked.
	for _, upTo := range []uint64{30, 20, 37} {
		if err := o.Ack(Readings, upTo); err != nil {
			t.Fatal(err)
		}
	}
	if err := o.Ack(Readings, 51); err == nil {
		t.Fatal("ack past the last record: no error")
	}
	o.Close()
	o = open(t, dir, Options{})
	defer o.Close()
	all := readAll(t, o, Readings)
	if len(all) != 13 || all[0].Seq != 38 || string(all[0].Data) != "3-7" {
		t.Fatalf("after reopen: %d records starting %v, want 13 starting at 38 \"3-7\"", len(all), all[0])
	}
	if got, _ := o.Read(Readings, 1, 1, 0); got[0].Seq != 38 {
		t.Fatalf("Read from 1 gave seq %d, want 38 (the cursor is 37)", got[0].Seq)
	}
	if err := o.Ack(Readings, 50); err != nil {
		t.Fatal(err)
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	o2 := open(t, dir, Options{})
	defer o2.Close()
	if o2.PendingBytes() != 0 || o2.Pending(Readings) != 0 {
		t.Fatalf("fully acked: pending bytes %d, pending %d", o2.PendingBytes(), o2.Pending(Readings))
	}
}

// TestErrFull fills the whole budget with events, which may use all of it.
func TestErrFull(t *testing.T) {
	ctx := context.Background()
	o := open(t, t.TempDir(), Options{MaxBytes: 1000})
	defer o.Close()
	rec := make([]byte, 99) // 100 bytes with its length prefix
	for i := 0; i < 10; i++ {
		if _, err := o.Append(ctx, Events, [][]byte{rec}); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
	_, err := o.Append(ctx, Events, [][]byte{rec})
	if !errors.Is(err, ErrFull) {
		t.Fatalf("append past the budget: %v, want ErrFull", err)
	}
	if o.NextSeq(Events) != 11 {
		t.Fatalf("next seq %d after a refused append, want 11", o.NextSeq(Events))
	}
	if err := o.Ack(Events, 10); err != nil {
		t.Fatal(err)
	}
	// The ack frees its segments in the writer's next commit; Append then succeeds.
	first, err := o.Append(ctx, Events, [][]byte{rec})
	for i := 0; errors.Is(err, ErrFull) && i < 100; i++ {
		first, err = o.Append(ctx, Events, [][]byte{rec})
	}
	if err != nil || first != 11 {
		t.Fatalf("append after ack: %d, %v", first, err)
	}
}

func TestAppendErrors(t *testing.T) {
	o := open(t, t.TempDir(), Options{})
	ctx := context.Background()
	if _, err := o.Append(ctx, 0, recs("x", 1)); err == nil {
		t.Error("stream 0 accepted")
	}
	if _, err := o.Append(ctx, Readings, nil); err == nil {
		t.Error("empty append accepted")
	}
	if _, err := o.Append(ctx, Readings, [][]byte{make([]byte, MaxAppendBytes)}); err == nil {
		t.Error("oversized append accepted")
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Append(ctx, Readings, recs("x", 1)); !errors.Is(err, ErrClosed) {
		t.Errorf("append after close: %v, want ErrClosed", err)
	}
}

func TestSubscribe(t *testing.T) {
	o := open(t, t.TempDir(), Options{})
	defer o.Close()
	c, cancel := o.Subscribe()
	defer cancel()
	if _, err := o.Append(context.Background(), Alarms, recs("a", 1)); err != nil {
		t.Fatal(err)
	}
	<-c // a commit notifies before Append returns
}
