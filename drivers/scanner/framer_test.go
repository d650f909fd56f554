package scanner

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lotsense/lotsense/drivers"
)

var t0 = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)

// chunk is bytes as one read returns them, at a time after t0.
type chunk struct {
	at time.Duration
	b  string
}

// frame feeds the chunks and expires the framer an hour after the last, returning
// outcomes as `scan +<time> "<symbology>" "<data>"` or `error <text>` lines.
func frame(t *testing.T, o Options, chunks []chunk) []string {
	t.Helper()
	var out []string
	f, err := NewFramer(o, func(sc drivers.Scan) {
		out = append(out, fmt.Sprintf("scan +%v %q %q", sc.Time.Sub(t0), sc.Symbology, sc.Data))
	}, func(err error) {
		var se *ScanError
		if !errors.As(err, &se) {
			t.Errorf("%v is not a *ScanError", err)
		}
		out = append(out, "error "+strings.TrimPrefix(err.Error(), "scanner: scan discarded: "))
	})
	if err != nil {
		t.Fatal(err)
	}
	last := t0
	for _, c := range chunks {
		last = t0.Add(c.at)
		f.Feed([]byte(c.b), last)
	}
	f.Expire(last.Add(time.Hour))
	return out
}

func serialOpts(term string, mod func(*Options)) Options {
	o := Options{Serial: &SerialOptions{Port: "/dev/ttyACM0", Terminator: term}}
	if mod != nil {
		mod(&o)
	}
	return o
}

func TestFramer(t *testing.T) {
	maxLen := func(n int) func(*Options) { return func(o *Options) { o.MaxLength = n } }
	flush := func(o *Options) { o.OnTimeout = "flush" }
	for _, c := range []struct {
		name   string
		opts   Options
		chunks []chunk
		want   []string
	}{
		{"cr", serialOpts("", nil), []chunk{{0, "]d2010950600013435210AB\x1d17261231\r"}},
			[]string{`scan +0s "]d2" "010950600013435210AB\x1d17261231"`}},
		{"cr accepts CR LF, even split", serialOpts("cr", nil), []chunk{{0, "ABC\r"}, {time.Millisecond, "\nDEF\r\n"}, {2 * time.Millisecond, "\r\n\r"}},
			[]string{`scan +0s "" "ABC"`, `scan +1ms "" "DEF"`}},
		{"cr keeps other LFs", serialOpts("cr", nil), []chunk{{0, "A\nB\r"}}, []string{`scan +0s "" "A\nB"`}},
		{"lf drops the CR before it", serialOpts("lf", nil), []chunk{{0, "ABC\r"}, {time.Millisecond, "\nD\rE\n"}, {2 * time.Millisecond, "F\n\n"}},
			[]string{`scan +1ms "" "ABC"`, `scan +1ms "" "D\rE"`, `scan +2ms "" "F"`}},
		{"crlf only as a pair", serialOpts("CRLF", nil), []chunk{{0, "A\nB\rC\r"}, {time.Millisecond, "\r\nD\r\n"}},
			[]string{`scan +1ms "" "A\nB\rC\r"`, `scan +1ms "" "D"`}},
		{"a byte", serialOpts("0x03", nil), []chunk{{0, "\x02AB\r\n\x03"}}, []string{`scan +0s "" "\x02AB\r\n"`}},
		{"a character", serialOpts("#", nil), []chunk{{0, "AB#CD#"}}, []string{`scan +0s "" "AB"`, `scan +0s "" "CD"`}},
		{"one byte a read", serialOpts("", nil), oneByte("]C100106141411234567897\r", time.Millisecond),
			[]string{`scan +23ms "]C1" "00106141411234567897"`}},
		{"over-long: error and resync", serialOpts("", maxLen(8)), []chunk{{0, "0123456789"}, {time.Millisecond, "ABCDEF\rOK\r"}},
			[]string{`error longer than max_length (16 characters: "01234567")`, `scan +1ms "" "OK"`}},
		{"exactly max_length", serialOpts("", maxLen(4)), []chunk{{0, "ABCD\r"}}, []string{`scan +0s "" "ABCD"`}},
		{"NUL spoils a scan", serialOpts("", nil), []chunk{{0, "01\x0023\rOK\r"}},
			[]string{`error NUL byte (line noise, or a parity or framing error) (5 characters: "01\x0023")`, `scan +0s "" "OK"`}},
		{"noise before a scan, then a pause", serialOpts("", nil), []chunk{{0, "\x00\x00\xff"}, {time.Second, "OK\r"}},
			[]string{`error NUL byte (line noise, or a parity or framing error) (3 characters: "\x00\x00\xff")`, `scan +1s "" "OK"`}},
		{"timeout discards", serialOpts("", nil), []chunk{{0, "0101"}, {time.Second, "234\r"}, {2 * time.Second, "XY"}},
			[]string{`error no terminator within char_timeout (4 characters: "0101")`, `scan +1s "" "234"`,
				`error no terminator within char_timeout (2 characters: "XY")`}},
		{"timeout flushes", serialOpts("", flush), []chunk{{0, "0101"}, {time.Second, "234\r"}, {2 * time.Second, "XY"}},
			[]string{`scan +0s "" "0101"`, `scan +1s "" "234"`, `scan +2s "" "XY"`}},
		{"slow but within the timeout", serialOpts("", nil), []chunk{{0, "01"}, {250 * time.Millisecond, "02"}, {500 * time.Millisecond, "\r"}},
			[]string{`scan +500ms "" "0102"`}},
		{"none: the timeout ends scans", serialOpts("none", nil), []chunk{{0, "AB\r"}, {time.Millisecond, "C"}, {time.Second, "DE"}},
			[]string{`scan +1ms "" "AB\rC"`, `scan +1s "" "DE"`}},
		{"lf mode: a held CR at the timeout is data", serialOpts("lf", flush), []chunk{{0, "AB\r"}},
			[]string{`scan +0s "" "AB\r"`}},
		{"aim off", serialOpts("", func(o *Options) { o.AIM = "off" }), []chunk{{0, "]d2AB\r"}}, []string{`scan +0s "" "]d2AB"`}},
		{"latin-1 passes through", serialOpts("", nil), []chunk{{0, "Caf\xe9\r"}}, []string{`scan +0s "" "Caf\xe9"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := frame(t, c.opts, c.chunks)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func oneByte(s string, every time.Duration) []chunk {
	var cs []chunk
	for i := range len(s) {
		cs = append(cs, chunk{time.Duration(i) * every, s[i : i+1]})
	}
	return cs
}

// Deadline follows the last byte of a scan under way; Expire before it does nothing.
func TestFramerDeadline(t *testing.T) {
	var errs []error
	f, err := NewFramer(serialOpts("", func(o *Options) { o.CharTimeout = 50 * time.Millisecond }), nil, func(err error) { errs = append(errs, err) })
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := f.Deadline(); ok {
		t.Fatal("deadline with no scan under way")
	}
	f.Feed([]byte("AB"), t0)
	f.Feed([]byte("C"), t0.Add(10*time.Millisecond))
	if dl, ok := f.Deadline(); !ok || !dl.Equal(t0.Add(60*time.Millisecond)) {
		t.Fatalf("deadline %v %v, want t0+60ms", dl, ok)
	}
	if f.Expire(t0.Add(59 * time.Millisecond)); len(errs) != 0 {
		t.Fatal(errs)
	}
	if f.Expire(t0.Add(60 * time.Millisecond)); len(errs) != 1 || !errors.Is(errs[0], ErrTimeout) {
		t.Fatalf("Expire at the deadline: %v, want ErrTimeout", errs)
	}
	if _, ok := f.Deadline(); ok {
		t.Fatal("deadline after the scan ended")
	}
}
