package fwconfig

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExamples(t *testing.T) {
	files, err := filepath.Glob("examples/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, f := range files {
		c, err := Load(f)
		if err != nil {
			t.Errorf("Load(%s):\n%v", f, err)
			continue
		}
		if len(c.Sensors) == 0 || len(c.Locations) == 0 {
			t.Errorf("%s: want at least one sensor and one location", f)
		}
	}
}

// TestBad walks testdata/bad: each NAME.yaml must fail with the problems listed in
// NAME.err, one per line in file order, each line a substring of its problem.
func TestBad(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test cases: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile(strings.TrimSuffix(f, ".yaml") + ".err")
			if err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Parse(filepath.Base(f), data)
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Parse: got %v, want Errors", err)
			}
			lines := strings.Split(strings.TrimSpace(string(want)), "\n")
			if len(errs) != len(lines) {
				t.Errorf("got %d problems, want %d:\n%v", len(errs), len(lines), err)
			}
			for i, line := range lines {
				if i < len(errs) && !strings.Contains(errs[i].Error(), line) {
					t.Errorf("problem %d:\n got  %s\n want %s", i, errs[i], line)
				}
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load of a missing file: %v, want os.ErrNotExist", err)
	}
}

func TestLoadTooLarge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(path, make([]byte, MaxFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("Load of a large file: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, glob := range []string{"examples/*.yaml", "testdata/bad/*.yaml"} {
		files, _ := filepath.Glob(glob)
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte("a: &a [*a, *a]\nb: *a\n"))
	f.Add([]byte("x-th: &th {address: 'h:1', profile: th-transmitter}\nsensors: [{modbus: {<<: *th}}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data)
		if err == nil {
			if c == nil {
				t.Fatal("Parse returned neither a config nor an error")
			}
			if err := c.Init(); err != nil {
				t.Fatalf("a valid config fails Init again: %v", err)
			}
			return
		}
		var errs Errors
		if !errors.As(err, &errs) || len(errs) == 0 {
			t.Fatalf("Parse error is not a non-empty Errors: %v", err)
		}
		for _, e := range errs {
			if !strings.HasPrefix(e.Error(), "fuzz.yaml") {
				t.Fatalf("problem does not name the file: %v", e)
			}
		}
	})
}
