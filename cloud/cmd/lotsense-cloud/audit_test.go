package main

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// audit verify says the chain is intact after real changes, and names the entry a
// hand edit of the database changed.
func TestAuditVerify(t *testing.T) {
	data := t.TempDir()
	mustRun(t, "correct horse battery\n", "user", "add", "ann", "-role", "admin", "-data", data)
	mustRun(t, "", "token", "add", "-user", "ann", "-name", "ci", "-scope", "read", "-data", data)
	verify := func() (string, error) {
		var out, errb bytes.Buffer
		err := cli{stdin: strings.NewReader(""), stdout: &out, stderr: &errb}.audit(context.Background(), []string{"verify", "-data", data})
		return out.String(), err
	}
	out, err := verify()
	if err != nil || !strings.Contains(out, "2 entries, hash chain intact") {
		t.Fatalf("verify: %q, %v", out, err)
	}
	db, err := sql.Open("sqlite", filepath.Join(data, "lotsense.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE audit_log SET actor = 'someone else' WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	out, err = verify()
	if err == nil || !strings.Contains(out, "BROKEN after 0 good entries") || !strings.Contains(err.Error(), "entry 1") {
		t.Fatalf("verify after tampering: %q, %v", out, err)
	}
}
