package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/lotsense/lotsense/cloud/trace"
)

const registryUsage = `Usage:
  lotsense-cloud registry import [-data DIR] [-trace-db DSN] FILE.json
  lotsense-cloud registry export [-data DIR] [-trace-db DSN]

import reads master data (products by GTIN, places and parties by GLN, lots with
their dates and TLC sources) into the traceability record, creating or updating each
entry; FILE "-" is standard input. export writes the products and places as the same
JSON. The document: {"products": [...], "places": [...], "lots": [...]} with the
fields of GET /api/products, /api/places and PUT /api/registry/lots/{key}.
`

// registry implements "registry import|export".
func (cl cli) registry(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "import" && args[0] != "export") {
		fmt.Fprint(cl.stderr, registryUsage)
		return errors.New("registry: want the subcommand import or export")
	}
	sub := args[0]
	fs := flag.NewFlagSet("registry "+sub, flag.ContinueOnError)
	fs.SetOutput(cl.stderr)
	traceDB := fs.String("trace-db", "", "the traceability record (default <data>/trace.db), as for serve")
	n, what := 0, "no arguments"
	if sub == "import" {
		n, what = 1, "one file"
	}
	c, err := parseCommand(fs, args[1:], n, what)
	if err != nil {
		return err
	}
	if *traceDB == "" {
		*traceDB = filepath.Join(c.data, "trace.db")
	}
	tr, err := trace.Open(ctx, *traceDB)
	if err != nil {
		return err
	}
	defer tr.Close()
	if sub == "export" {
		r, err := tr.Export(ctx)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(cl.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	var data []byte
	if c.args[0] == "-" {
		data, err = io.ReadAll(io.LimitReader(cl.stdin, trace.MaxRegistryBytes+1))
	} else {
		data, err = os.ReadFile(c.args[0])
	}
	if err != nil {
		return fmt.Errorf("registry import: %w", err)
	}
	r, err := trace.ParseRegistry(data)
	if err != nil {
		return fmt.Errorf("registry import %s: %w", c.args[0], err)
	}
	if err := tr.Import(ctx, r); err != nil {
		return fmt.Errorf("registry import %s: %w", c.args[0], err)
	}
	fmt.Fprintf(cl.stdout, "imported %d products, %d places, %d lots\n", len(r.Products), len(r.Places), len(r.Lots))
	return nil
}
