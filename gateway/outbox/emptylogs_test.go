package outbox

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// A crash between Badger creating a WAL or value-log file and sizing it leaves a file of
// zero bytes. Badger alone then refuses to open the directory; the outbox opens it, with
// every record it had.
func TestOpenAfterCrashLeftEmptyLogFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	o := open(t, dir, Options{})
	if _, err := o.Append(ctx, Readings, recs("r", 5)); err != nil {
		t.Fatal(err)
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"00099.mem", "000099.vlog"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Badger itself cannot open this directory: the bug the outbox works around.
	if db, err := badger.Open(BadgerOptions(dir, quietLogger())); err == nil {
		db.Close()
		t.Log("badger opened a directory with empty log files: the workaround may no longer be needed")
	} else if !strings.Contains(err.Error(), "Create a new file") {
		t.Logf("badger's error is now: %v", err)
	}
	for _, name := range []string{"00099.mem", "000099.vlog"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	o = open(t, dir, Options{})
	defer o.Close()
	if o.NextSeq(Readings) != 6 || o.Pending(Readings) != 5 {
		t.Fatalf("after reopen: next %d pending %d, want 6 and 5", o.NextSeq(Readings), o.Pending(Readings))
	}
	got, err := o.Read(Readings, 1, 10, 1<<20)
	if err != nil || len(got) != 5 || string(got[4].Data) != string(recs("r", 5)[4]) {
		t.Fatalf("records after reopen: %d, %v", len(got), err)
	}
}
