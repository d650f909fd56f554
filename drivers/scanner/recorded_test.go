package scanner

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/holoplot/go-evdev"
	"gopkg.in/yaml.v3"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/scanner/internal/evdump"
)

var update = flag.Bool("update", false, "rewrite testdata/keyboard/*/events.bin from events.script")

// Each folder of testdata/keyboard is one case: config.yaml (Options), events.bin
// (struct input_event records as the kernel writes them on 64-bit Linux; recorded
// from a device, or compiled from events.script with -update), and expected: one line
// per outcome in order, `scan +<time since the first event> "<symbology>" "<data>"`
// (Go-quoted) or `error <text the *ScanError contains>`. After the last event the
// decoder is expired an hour later, as the driver's timer would.
func TestRecordedKeyboardEvents(t *testing.T) {
	dirs, err := filepath.Glob("testdata/keyboard/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			evs := loadEvents(t, dir)
			var o Options
			readYAML(t, filepath.Join(dir, "config.yaml"), &o)
			got := decodeAll(t, o, evs)
			want, err := os.ReadFile(filepath.Join(dir, "expected"))
			if err != nil {
				t.Fatal(err)
			}
			compareOutcomes(t, got, strings.Split(strings.TrimSpace(string(want)), "\n"))
			if t.Failed() {
				t.Logf("events:\n%s", evdump.Format(evs))
			}
		})
	}
}

// loadEvents reads dir/events.bin, first checking it against (or, with -update,
// rewriting it from) dir/events.script when there is one.
func loadEvents(t *testing.T, dir string) []evdev.InputEvent {
	t.Helper()
	bin := filepath.Join(dir, "events.bin")
	if src, err := os.ReadFile(filepath.Join(dir, "events.script")); err == nil {
		evs, err := evdump.Script(string(src))
		if err != nil {
			t.Fatal(err)
		}
		b := evdump.Encode(nil, evs)
		if *update {
			if err := os.WriteFile(bin, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if old, err := os.ReadFile(bin); err != nil || !bytes.Equal(old, b) {
			t.Fatalf("%s does not match events.script (run go test -update): %v", bin, err)
		}
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := evdump.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// decodeAll feeds every event to a decoder with the options and then expires it an
// hour after the last, returning the outcomes as expected-file lines (times relative
// to the first event).
func decodeAll(t *testing.T, o Options, evs []evdev.InputEvent) []string {
	t.Helper()
	var out []string
	t0 := time.Unix(evs[0].Time.Unix())
	dec, err := NewDecoder(o, func(sc drivers.Scan) {
		out = append(out, fmt.Sprintf("scan +%v %q %q", sc.Time.Sub(t0), sc.Symbology, sc.Data))
	}, func(err error) {
		var se *ScanError
		if !errors.As(err, &se) {
			t.Errorf("%v is not a *ScanError", err)
		}
		out = append(out, "error "+err.Error())
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		dec.Feed(ev)
	}
	dec.Expire(time.Unix(evs[len(evs)-1].Time.Unix()).Add(time.Hour))
	return out
}

// compareOutcomes checks got against the expected lines: scans exactly, errors by
// the text they contain.
func compareOutcomes(t *testing.T, got, want []string) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		if w, isErr := strings.CutPrefix(want[i], "error "); isErr {
			ok = strings.HasPrefix(got[i], "error ") && strings.Contains(got[i], w)
		} else {
			ok = got[i] == want[i]
		}
	}
	if !ok {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
