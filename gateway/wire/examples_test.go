package wire

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/examples/readings.bin.hex from readings.json")

// TestExamples keeps README.md honest: every example payload decodes, the binary dump
// is the encoding of the JSON readings example, and the README quotes every file as is.
func TestExamples(t *testing.T) {
	dir := filepath.Join("testdata", "examples")
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(files) < 9 {
		t.Fatalf("%d example files, %v", len(files), err)
	}
	for _, f := range files {
		p, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		if name != "readings.bin.hex" {
			if err := decodeExample(name, p); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
		if !bytes.Contains(readme, p) {
			t.Errorf("README.md does not quote %s as it is", f)
		}
	}
	checkReadingsDump(t, dir)
}

func decodeExample(name string, p []byte) error {
	var err error
	switch name {
	case "readings.json":
		_, err = DecodeReadings(p)
	case "events.json":
		_, err = DecodeEvents(p)
	case "alarms.json":
		_, err = DecodeAlarms(p)
	case "status-online.json", "status-offline.json":
		var s *Status
		if s, err = DecodeStatus(p); err == nil && !strings.Contains(name, s.State) {
			err = fmt.Errorf("state %q", s.State)
		}
	case "holds.json":
		var h Holds
		err = Decode(p, &h, &h.V)
	case "lotmap.json":
		_, err = DecodeLotMap(p)
	case "config.json":
		_, err = DecodeConfig(p)
	default:
		err = fmt.Errorf("no decoder for this example")
	}
	return err
}

func checkReadingsDump(t *testing.T, dir string) {
	j, err := os.ReadFile(filepath.Join(dir, "readings.json"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := DecodeReadings(j)
	if err != nil {
		t.Fatal(err)
	}
	p := mustEncode(t, b)
	dump := annotate(p)
	path := filepath.Join(dir, "readings.bin.hex")
	if *update {
		if err := os.WriteFile(path, []byte(dump), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	have, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(have) != dump {
		t.Errorf("%s is not the encoding of readings.json; run go test -run TestExamples -update", path)
	}
	bin, err := hex.DecodeString(dumpHex(string(have)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeReadings(bin)
	if err != nil {
		t.Fatal(err)
	}
	equalBatches(t, b, got)
}

// dumpHex returns the hex digits of an annotated dump: comments start with '#'.
func dumpHex(dump string) string {
	var h strings.Builder
	for line := range strings.Lines(dump) {
		line, _, _ = strings.Cut(line, "#")
		h.WriteString(strings.Join(strings.Fields(line), ""))
	}
	return h.String()
}

// dumper writes a payload field by field: the field's bytes in hex, then what they mean.
type dumper struct {
	p   []byte
	off int
	out strings.Builder
}

func (d *dumper) field(n int, format string, args ...any) {
	h := hex.EncodeToString(d.p[d.off : d.off+n])
	var sp []string
	for i := 0; i < len(h); i += 2 {
		sp = append(sp, h[i:i+2])
	}
	fmt.Fprintf(&d.out, "%-30s # %s\n", strings.Join(sp, " "), fmt.Sprintf(format, args...))
	d.off += n
}

func (d *dumper) uvarint(format string, args ...any) uint64 {
	v, n := binary.Uvarint(d.p[d.off:])
	d.field(n, format, append(args, v)...)
	return v
}

func (d *dumper) str(what string) {
	n, w := binary.Uvarint(d.p[d.off:])
	d.field(w+int(n), "%s %q", what, d.p[d.off+w:d.off+w+int(n)])
}

// annotate dumps a valid binary reading batch.
func annotate(p []byte) string {
	d := &dumper{p: p}
	fmt.Fprintf(&d.out, "# %d bytes\n", len(p))
	d.field(3, "magic \"LR\", version 1")
	for _, what := range []string{"site", "gateway", "boot", "epoch"} {
		d.str(what)
	}
	d.uvarint("first_seq %d")
	base, n := binary.Uvarint(p[d.off:])
	d.field(n, "base time %s", time.UnixMicro(int64(base)).UTC().Format(time.RFC3339Nano))
	for i := range d.uvarint("%d strings") {
		d.str(fmt.Sprintf("string %d", i))
	}
	for i := range d.uvarint("%d lot sets") {
		k, n := binary.Uvarint(p[d.off:])
		ixs := []uint64{}
		for range k {
			v, w := binary.Uvarint(p[d.off+n:])
			ixs, n = append(ixs, v), n+w
		}
		d.field(n, "lot set %d: %d lots, strings %v", i, k, ixs)
	}
	for i := range d.uvarint("%d readings") {
		d.reading(int(i))
	}
	return d.out.String()
}

func (d *dumper) reading(i int) {
	p := d.p[d.off:]
	flags, q := p[0], Quantity(p[1])
	n := 2
	var ix [3]uint64
	for j := range ix {
		v, w := binary.Uvarint(p[n:])
		ix[j], n = v, n+w
	}
	dt, w := binary.Varint(p[n:])
	n += w
	v := math.Float64frombits(binary.LittleEndian.Uint64(p[n:]))
	sync := ""
	if flags&4 != 0 {
		sync = " synced"
	}
	d.field(n+8, "reading %d: %s%s %s, sensor %d, location %d, lot set %d, %+d µs, %v",
		i, Quality(flags&3), sync, q, ix[0], ix[1], ix[2], dt, v)
}
