package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/lotsense/lotsense/drivers/gs1"
)

const gs1Usage = "gs1: usage: lotsense-gateway gs1 parse [-fnc1 TEXT] [-now YYYY-MM-DD] [-skip-pairing] DATA..."

// gs1Line is one parsed scan as "gs1 parse" prints it.
type gs1Line struct {
	Data        string     `json:"data"`
	Symbology   string     `json:"symbology,omitempty"`
	HRI         string     `json:"hri"`
	Elements    []gs1Field `json:"elements"`
	GTIN        string     `json:"gtin,omitempty"`
	ContentGTIN string     `json:"content_gtin,omitempty"`
	SSCC        string     `json:"sscc,omitempty"`
	Lot         string     `json:"lot,omitempty"`
	Serial      string     `json:"serial,omitempty"`
	LotKey      string     `json:"lot_key,omitempty"`
	Expiry      string     `json:"expiry,omitempty"`
	DigitalLink string     `json:"digital_link,omitempty"`
}

// gs1Field is one element with the dictionary's title and what its value means.
type gs1Field struct {
	AI      string       `json:"ai"`
	Title   string       `json:"title"`
	Value   string       `json:"value"`
	Date    string       `json:"date,omitempty"`
	DayZero bool         `json:"day_zero,omitempty"`
	Count   *int         `json:"count,omitempty"`
	Measure *gs1.Measure `json:"measure,omitempty"`
	Amount  *gs1.Amount  `json:"amount,omitempty"`
}

// gs1Failure is one input that did not parse.
type gs1Failure struct {
	Data  string `json:"data"`
	Error string `json:"error"`
}

// gs1Cmd implements "gs1 parse DATA...": one JSON object per argument per line on out.
// With one argument that fails, the error returned is the parser's own; with several,
// a count.
func gs1Cmd(args []string, out io.Writer) error {
	if len(args) < 1 || args[0] != "parse" {
		return errors.New(gs1Usage)
	}
	fs := flag.NewFlagSet("gs1 parse", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fnc1 := fs.String("fnc1", "", "text the scanner sends for FNC1 besides ASCII 29, e.g. ^ or <GS>")
	now := fs.String("now", "", "reference date YYYY-MM-DD for the century of two-digit years (default: today)")
	skip := fs.Bool("skip-pairing", false, "do not check which AIs need or exclude which (one of several labels)")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() == 0 {
		return errors.New(gs1Usage)
	}
	opts := &gs1.ParseOptions{FNC1: *fnc1, SkipPairing: *skip}
	if *now != "" {
		t, err := time.Parse(time.DateOnly, *now)
		if err != nil {
			return fmt.Errorf("gs1 parse: -now %q: want YYYY-MM-DD", *now)
		}
		opts.Now = t
	}
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	var failed []error
	for _, data := range fs.Args() {
		var v any
		es, err := gs1.Parse(data, opts)
		if err != nil {
			failed = append(failed, err)
			v = gs1Failure{Data: data, Error: err.Error()}
		} else {
			v = gs1Describe(data, es)
		}
		if err := enc.Encode(v); err != nil {
			return fmt.Errorf("gs1 parse: %w", err)
		}
	}
	switch {
	case len(failed) == 1 && fs.NArg() == 1:
		return failed[0]
	case len(failed) > 0:
		return fmt.Errorf("gs1 parse: %d of %d failed", len(failed), fs.NArg())
	}
	return nil
}

func gs1Describe(data string, es gs1.ElementString) gs1Line {
	l := gs1Line{
		Data: data, Symbology: es.Symbology, HRI: es.HRI(),
		GTIN: es.GTIN(), ContentGTIN: es.ContentGTIN(), SSCC: es.SSCC(), Lot: es.Lot(), Serial: es.Serial(),
	}
	l.LotKey, _ = es.LotKey()
	if t, _ := es.Expiry(); !t.IsZero() {
		l.Expiry = t.Format(time.DateOnly)
	}
	l.DigitalLink, _ = es.DigitalLink("")
	for _, e := range es.Elements {
		f := gs1Field{AI: e.AI, Title: e.Title(), Value: e.Value}
		if t, dz := es.Date(e.AI); !t.IsZero() {
			f.Date, f.DayZero = t.Format(time.DateOnly), dz
			if info, _ := gs1.LookupAI(e.AI); strings.Contains(info.Format, "hh") {
				f.Date = t.Format("2006-01-02T15:04:05")
			}
		}
		if m, ok := e.Measure(); ok {
			f.Measure = &m
		}
		if a, ok := e.Amount(); ok {
			f.Amount = &a
		}
		if e.AI == "30" || e.AI == "37" {
			n, ok := es.Count()
			if e.AI == "30" {
				n, ok = es.VarCount()
			}
			if ok {
				f.Count = &n
			}
		}
		l.Elements = append(l.Elements, f)
	}
	return l
}
