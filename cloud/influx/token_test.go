package influx

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadToken(t *testing.T) {
	dir := t.TempDir()
	for name, c := range map[string]struct{ content, want, err string }{
		"token":     {"s3cr3t-token==\n", "s3cr3t-token==", ""},
		"user:pass": {"  lotsense:pa ss  ", "lotsense:pa ss", ""},
		"empty":     {" \n", "", "is empty"},
		"two lines": {"a\nb\n", "", "more than one line"},
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
		if err := os.WriteFile(p, []byte(c.content), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := ReadToken(p)
		if got != c.want || (err == nil) != (c.err == "") || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%s: ReadToken = %q, %v; want %q, %q", name, got, err, c.want, c.err)
		}
	}
	if _, err := ReadToken(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing token file read")
	}
}
