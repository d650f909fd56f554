package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/lotsense/lotsense/drivers"
	fwconfig "github.com/lotsense/lotsense/firmware-config"
	"github.com/lotsense/lotsense/gateway"
)

// probeCmd implements "probe -config FILE SENSOR": read one device once and show
// the decoded values, or the exact error.
func probeCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	file := fs.String("config", "", "gateway configuration file (YAML)")
	timeout := fs.Duration("timeout", 10*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *file == "" || fs.NArg() != 1 {
		return errors.New("probe: usage: lotsense-gateway probe -config FILE SENSOR_ID")
	}
	cfg, err := fwconfig.Load(*file)
	if err != nil {
		return configErrors{err}
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	rs, perr := gateway.Probe(ctx, cfg, fs.Arg(0))
	printReadings(os.Stdout, rs)
	if perr != nil {
		return fmt.Errorf("probe %s: %w", fs.Arg(0), perr)
	}
	return nil
}

func printReadings(f *os.File, rs []drivers.Reading) {
	w := tabwriter.NewWriter(f, 0, 2, 2, ' ', 0)
	fmt.Fprintln(w, "QUANTITY\tVALUE\tUNIT\tQUALITY\tTIME")
	for _, r := range rs {
		fmt.Fprintf(w, "%s\t%g\t%s\t%s\t%s\n", r.Quantity, r.Value, r.Quantity.Unit(), r.Quality, r.Time.Format(time.RFC3339))
	}
	w.Flush()
}
