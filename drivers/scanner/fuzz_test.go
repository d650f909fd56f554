package scanner

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/scanner/internal/evdump"
)

// fuzzOptions picks decoder options from a byte, so the fuzzer explores layouts,
// terminators, GS substitutions and timeout handling.
func fuzzOptions(sel byte) Options {
	k := &KeyboardOptions{Device: "/dev/input/event0", Layout: []string{"us", "de", "fr"}[int(sel)%3]}
	if sel&0x04 != 0 {
		k.Terminator = "none"
	}
	if sel&0x08 != 0 {
		k.GSText, k.GSKey = "<GS>", "KEY_F8"
	}
	o := Options{Keyboard: k, MaxLength: 1 + int(sel>>4)*4, CharTimeout: 50 * time.Millisecond}
	if sel&0x04 == 0 && sel&0x02 != 0 {
		o.OnTimeout = "flush"
	}
	return o
}

// Any byte stream of input_event records, with any options, never panics; every scan
// respects max_length and every discarded one is a *ScanError.
func FuzzDecoder(f *testing.F) {
	bins, _ := filepath.Glob("testdata/keyboard/*/events.bin")
	for _, b := range bins {
		data, err := os.ReadFile(b)
		if err != nil {
			f.Fatal(err)
		}
		data = data[:min(len(data), 2400)] // about 16 keys: long seeds make minimizing slow
		f.Add(byte(0), data)
		f.Add(byte(0x5a), data)
	}
	f.Fuzz(func(t *testing.T, sel byte, data []byte) {
		o := fuzzOptions(sel)
		evs, _ := evdump.Decode(data)
		check := checker(t, o)
		dec, err := NewDecoder(o, check.scan, check.err)
		if err != nil {
			t.Fatal(err)
		}
		var last time.Time
		for i, ev := range evs {
			dec.Feed(ev)
			last = time.Unix(ev.Time.Unix())
			if i%7 == 0 {
				dec.Expire(last.Add(time.Duration(i) * time.Millisecond))
			}
		}
		dec.abandon(last)
		if _, ok := dec.Deadline(); ok {
			t.Error("a scan is still under way after abandon")
		}
	})
}

// Any bytes, in any chunks, never make the framer panic.
func FuzzFramer(f *testing.F) {
	f.Add(byte(0), []byte("]d2010950600013435210AB\x1d17261231\r\n0101\x00\r"), uint8(3))
	f.Add(byte(1), []byte("A\rB\nC\r\nD"), uint8(1))
	f.Add(byte(2), []byte("\x02data\x03\x03"), uint8(2))
	f.Fuzz(func(t *testing.T, sel byte, data []byte, chunk uint8) {
		term := []string{"cr", "lf", "crlf", "0x03", "none", "#"}[int(sel)%6]
		o := Options{Serial: &SerialOptions{Port: "/dev/ttyS0", Terminator: term}, MaxLength: 1 + int(sel>>4)*4}
		if sel&0x08 != 0 || term == "none" {
			o.OnTimeout = "flush"
		}
		check := checker(t, o)
		fr, err := NewFramer(o, check.scan, check.err)
		if err != nil {
			t.Fatal(err)
		}
		now := t0
		n := 1 + int(chunk%16)
		for len(data) > 0 {
			c := data[:min(n, len(data))]
			data = data[len(c):]
			fr.Feed(c, now)
			now = now.Add(time.Duration(chunk) * time.Millisecond)
		}
		fr.Expire(now.Add(time.Hour))
		if _, ok := fr.Deadline(); ok {
			t.Error("a scan is still under way after it expired")
		}
	})
}

type fuzzChecker struct {
	scan func(drivers.Scan)
	err  func(error)
}

func checker(t *testing.T, o Options) fuzzChecker {
	max := o.MaxLength
	return fuzzChecker{
		scan: func(sc drivers.Scan) {
			if sc.Data == nil || len(sc.Symbology)+len(sc.Data) > max || sc.Symbology != "" && len(sc.Symbology) != 3 {
				t.Errorf("scan %q %q with max_length %d", sc.Symbology, sc.Data, max)
			}
		},
		err: func(err error) {
			var se *ScanError
			if !errors.As(err, &se) || se.Err == nil || len(se.Data) > 32 {
				t.Errorf("report %v", err)
			}
		},
	}
}
