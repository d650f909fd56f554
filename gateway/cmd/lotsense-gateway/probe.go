package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"text/tabwriter"
	"time"

	"github.com/lotsense/lotsense/drivers"
	fwconfig "github.com/lotsense/lotsense/firmware-config"
	"github.com/lotsense/lotsense/gateway"
)

// probeCmd implements "probe -config FILE ID": read one sensor once and show the
// decoded values, or connect to one RFID reader and show its capabilities as JSON
// (transmit power table included); the exact error either way.
func probeCmd(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	file := fs.String("config", "", "gateway configuration file (YAML)")
	timeout := fs.Duration("timeout", 10*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *file == "" || fs.NArg() != 1 {
		return errors.New("probe: usage: lotsense-gateway probe -config FILE SENSOR_ID|READER_ID")
	}
	cfg, err := fwconfig.Load(*file)
	if err != nil {
		return configErrors{err}
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	id := fs.Arg(0)
	if cfg.Reader(id) != nil {
		return probeReader(ctx, cfg, id, out)
	}
	rs, perr := gateway.Probe(ctx, cfg, id)
	printReadings(out, rs)
	if perr != nil {
		return fmt.Errorf("probe %s: %w", id, perr)
	}
	return nil
}

// probeReader prints what the reader says about itself, also when it refuses the
// configured antennas or transmit power (the error then says which and why).
func probeReader(ctx context.Context, cfg *fwconfig.Config, id string, out io.Writer) error {
	p, perr := gateway.ProbeReader(ctx, cfg, id)
	if p != nil {
		b, err := json.MarshalIndent(p, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s\n", compactJSON(b))
	}
	if perr != nil {
		return fmt.Errorf("probe %s: %w", id, perr)
	}
	return nil
}

var (
	scalarArray  = regexp.MustCompile(`\[\n(?:[ ]+[^\n{}\[\]]+\n)+[ ]*\]`)
	scalarObject = regexp.MustCompile(`\{\n(?:[ ]+"[^"\n]*": [^\n{}\[\]]+\n)+[ ]*\}`)
	lineBreak    = regexp.MustCompile(`\n[ ]*`)
)

// compactJSON puts arrays of numbers and objects of scalars of indented JSON on one
// line each, so a power table is one entry per line. Only the whitespace between
// tokens changes (a JSON string holds no raw newline).
func compactJSON(b []byte) []byte {
	join := func(m []byte) []byte { // "[\n    1,\n    2\n  ]" → "[1, 2]"
		inner := bytes.TrimSpace(lineBreak.ReplaceAll(m[1:len(m)-1], []byte(" ")))
		return append(append([]byte{m[0]}, inner...), m[len(m)-1])
	}
	b = scalarArray.ReplaceAllFunc(b, join)
	return scalarObject.ReplaceAllFunc(b, join)
}

func printReadings(out io.Writer, rs []drivers.Reading) {
	w := tabwriter.NewWriter(out, 0, 2, 2, ' ', 0)
	fmt.Fprintln(w, "QUANTITY\tVALUE\tUNIT\tQUALITY\tTIME")
	for _, r := range rs {
		fmt.Fprintf(w, "%s\t%g\t%s\t%s\t%s\n", r.Quantity, r.Value, r.Quantity.Unit(), r.Quality, r.Time.Format(time.RFC3339))
	}
	w.Flush()
}
